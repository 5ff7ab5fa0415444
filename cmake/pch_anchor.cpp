// The one source of wq_mlir_pch, the target that builds the precompiled MLIR
// headers every other wq target reuses (see WQ_PRECOMPILED_HEADERS in the top
// CMakeLists.txt); it has nothing of its own to compile.
