# Run-time options for wq's sanitized build (build-sanitize/), sourced by
# scripts/test.sh --sanitize and scripts/fuzz.sh.
# - allow_user_poisoning=0: wq's instrumented code and the uninstrumented
#   libMLIR.so share LLVM's BumpPtrAllocator (StorageUniquer, for attribute
#   storage): the allocator's inline code compiled into wq poisons the rest
#   of each new slab, and libMLIR's own copy then hands out memory from it
#   without unpoisoning, which ASan reports as use-after-poison in upstream
#   code (a false positive). Heap, stack and global checks are unaffected.
# - detect_leaks=0: MLIR and LLVM keep process-lifetime singletons that
#   LeakSanitizer reports at every exit.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0:allow_user_poisoning=0"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}print_stacktrace=1:halt_on_error=1"
