//===- Runtime.cpp - Native code for models and running it ----------------===//

#include "wq/Model/Runtime.h"

#include "wq_runtime.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/CRunnerUtils.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/Analysis/TargetLibraryInfo.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/DynamicLibrary.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/Target/TargetMachine.h"

#include <cstring>
#include <elf.h>
#include <mutex>

using namespace llvm;

namespace wq_model {

static Error runtimeError(const Twine &message) {
  return createStringError(inconvertibleErrorCode(), message);
}

/// LLVM's -O3 pipeline for `machine` (what mlir::makeOptimizingTransformer
/// runs), with glibc's vector expf known to the vectorizer when
/// `vectorMath`: a loop calling expf (SwiGLU's sigmoid, softmax) then calls
/// its 8-wide form instead of scalarizing it.
static void optimizeModule(Module &module, TargetMachine *machine,
                           bool vectorMath) {
  LoopAnalysisManager loops;
  FunctionAnalysisManager functions;
  CGSCCAnalysisManager sccs;
  ModuleAnalysisManager modules;
  PipelineTuningOptions tuning;
  tuning.LoopUnrolling = true;
  tuning.LoopInterleaving = true;
  tuning.LoopVectorization = true;
  tuning.SLPVectorization = true;
  PassBuilder builder(machine, tuning);
  TargetLibraryInfoImpl library(machine->getTargetTriple());
  if (vectorMath) {
    // expf only (SwiGLU's sigmoid, softmax): libmvec's sinf/cosf (4 ulp)
    // would change RoPE, whose angles reach thousands of radians, where
    // libm's are correctly rounded.
    const VecDesc exp[] = {
        {"expf", "_ZGVbN4v_expf", ElementCount::getFixed(4), false,
         "_ZGV_LLVM_N4v", std::nullopt},
        {"expf", "_ZGVdN8v_expf", ElementCount::getFixed(8), false,
         "_ZGV_LLVM_N8v", std::nullopt},
        {"llvm.exp.f32", "_ZGVbN4v_expf", ElementCount::getFixed(4), false,
         "_ZGV_LLVM_N4v", std::nullopt},
        {"llvm.exp.f32", "_ZGVdN8v_expf", ElementCount::getFixed(8), false,
         "_ZGV_LLVM_N8v", std::nullopt}};
    library.addVectorizableFunctions(exp);
  }
  // Registered first, so the default registration below keeps this one.
  functions.registerPass([&] { return TargetLibraryAnalysis(library); });
  builder.registerModuleAnalyses(modules);
  builder.registerCGSCCAnalyses(sccs);
  builder.registerFunctionAnalyses(functions);
  builder.registerLoopAnalyses(loops);
  builder.crossRegisterProxies(loops, functions, sccs, modules);
  ModulePassManager passes =
      builder.buildPerModuleDefaultPipeline(OptimizationLevel::O3);
  passes.run(module, modules);
}

Error emitSharedLibrary(mlir::ModuleOp module, StringRef path,
                        const SharedLibraryOptions &options) {
  mlir::DialectRegistry registry;
  mlir::registerBuiltinDialectTranslation(registry);
  mlir::registerLLVMDialectTranslation(registry);
  mlir::registerOpenMPDialectTranslation(registry);
  mlir::registerGPUDialectTranslation(registry);
  module->getContext()->appendDialectRegistry(registry);

  InitializeNativeTarget();
  InitializeNativeTargetAsmPrinter();
  LLVMContext llvmContext;
  std::unique_ptr<Module> llvmModule =
      mlir::translateModuleToLLVMIR(module, llvmContext, "wq_model");
  if (!llvmModule)
    return runtimeError("translation to LLVM IR failed");
  Expected<orc::JITTargetMachineBuilder> builder =
      options.hostCpu
          ? orc::JITTargetMachineBuilder::detectHost()
          : Expected<orc::JITTargetMachineBuilder>(
                orc::JITTargetMachineBuilder(Triple(sys::getProcessTriple())));
  if (!builder)
    return builder.takeError();
  builder->setRelocationModel(Reloc::PIC_);
  builder->setCodeGenOptLevel(CodeGenOptLevel::Aggressive);
  Expected<std::unique_ptr<TargetMachine>> machine =
      builder->createTargetMachine();
  if (!machine)
    return machine.takeError();
  llvmModule->setDataLayout((*machine)->createDataLayout());
  llvmModule->setTargetTriple((*machine)->getTargetTriple());
  const Triple &triple = (*machine)->getTargetTriple();
  const bool vectorMath = options.linkArgs.empty() &&
                          triple.getArch() == Triple::x86_64 &&
                          triple.isOSLinux() && triple.isGNUEnvironment();
  optimizeModule(*llvmModule, machine->get(), vectorMath);

  std::string objectPath = (path + ".o").str();
  {
    std::error_code ec;
    raw_fd_ostream object(objectPath, ec, sys::fs::OF_None);
    if (ec)
      return runtimeError(objectPath + ": " + ec.message());
    legacy::PassManager passes;
    if ((*machine)->addPassesToEmitFile(passes, object, nullptr,
                                        CodeGenFileType::ObjectFile))
      return runtimeError("the host target cannot emit object files");
    passes.run(*llvmModule);
  }
  ErrorOr<std::string> cc = sys::findProgramByName("cc");
  if (!cc)
    return runtimeError("no C compiler ('cc') to link the model library");
  std::string message;
  std::string out = path.str();
  // -Bsymbolic: calls inside the library bind to its own functions, so
  // several compiled libraries (with the same function names) can be loaded
  // into one process.
  std::vector<std::string> args = {*cc, "-shared", "-Wl,-Bsymbolic", "-o",
                                   out, objectPath};
  // LLVM's OpenMP runtime for parallel loops; MLIR's C runner utilities for
  // the copies of dynamically shaped memrefs (memrefCopy).
  if (options.linkArgs.empty()) {
    args.insert(args.end(),
                {"-L" WQ_LLVM_LIBRARY_DIR, "-Wl,-rpath," WQ_LLVM_LIBRARY_DIR,
                 "-lomp", "-lmlir_c_runner_utils", "-lm"});
    if (vectorMath)
      args.push_back("-lmvec");
  } else
    args.insert(args.end(), options.linkArgs.begin(), options.linkArgs.end());
  std::vector<StringRef> argRefs(args.begin(), args.end());
  int rc = sys::ExecuteAndWait(*cc, argRefs, std::nullopt, {}, 0, 0, &message);
  sys::fs::remove(objectPath);
  if (rc != 0)
    return runtimeError("linking " + out + " failed" +
                        (message.empty() ? "" : ": " + message));
  return Error::success();
}

void addExportedString(mlir::ModuleOp module, StringRef symbol,
                       StringRef text) {
  mlir::OpBuilder builder(module.getBodyRegion());
  std::string bytes = text.str();
  bytes.push_back('\0');
  mlir::LLVM::GlobalOp::create(
      builder, module.getLoc(),
      mlir::LLVM::LLVMArrayType::get(builder.getI8Type(), bytes.size()),
      /*isConstant=*/true, mlir::LLVM::Linkage::External, symbol,
      builder.getStringAttr(bytes));
}

std::string modelStamp(const LlamaConfig &config) {
  return "wq-model-abi " + std::to_string(kModelAbiVersion) + "\n" +
         config.toJson();
}

namespace {

std::string describeShapes(const LlamaConfig &c) {
  return formatv("dim {0}, hidden {1}, {2} layers, {3} heads of {4}, {5} kv "
                 "heads, vocabulary {6}, context {7}, {8} classifier, eps "
                 "{9:e2}, rope base {10:f0}",
                 c.dim, c.hiddenDim, c.numLayers, c.numHeads, c.headSize(),
                 c.numKvHeads, c.vocabSize, c.seqLen,
                 c.sharedClassifier ? "shared" : "own", c.normEps,
                 c.ropeTheta)
      .str();
}

/// Checks that the ELF file's program and section headers lie within it: a
/// truncated library would otherwise be mapped and fault (SIGBUS) on first
/// touch of a missing page.
Error checkLibraryIsWhole(StringRef path) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> file =
      MemoryBuffer::getFile(path, /*IsText=*/false,
                            /*RequiresNullTerminator=*/false);
  if (!file)
    return runtimeError("cannot read " + path + ": " +
                        file.getError().message());
  StringRef bytes = (*file)->getBuffer();
  Elf64_Ehdr header;
  if (bytes.size() < sizeof(header) ||
      std::memcmp(bytes.data(), ELFMAG, SELFMAG) != 0 ||
      bytes[EI_CLASS] != ELFCLASS64)
    return runtimeError(path + " is not a 64-bit ELF shared library");
  std::memcpy(&header, bytes.data(), sizeof(header));
  const uint64_t size = bytes.size();
  auto within = [&](uint64_t offset, uint64_t length) {
    return offset <= size && length <= size - offset;
  };
  if (!within(header.e_phoff, uint64_t(header.e_phnum) * sizeof(Elf64_Phdr)) ||
      !within(header.e_shoff, uint64_t(header.e_shnum) * header.e_shentsize))
    return runtimeError(path + " is truncated or damaged (its ELF headers "
                               "lie past its " + Twine(size) + " bytes)");
  for (uint16_t i = 0; i < header.e_phnum; ++i) {
    Elf64_Phdr segment;
    std::memcpy(&segment, bytes.data() + header.e_phoff + i * sizeof(segment),
                sizeof(segment));
    if (segment.p_type == PT_LOAD &&
        !within(segment.p_offset, segment.p_filesz))
      return runtimeError(path + " is truncated or damaged (a loadable "
                                 "segment ends past its " +
                          Twine(size) + " bytes)");
  }
  return Error::success();
}

/// Maps the weights file of `libraryPath` and points the library's
/// `wq_weights` at it, once per library: libraries stay loaded for the life
/// of the process, and so do their weights.
Error mapWeights(sys::DynamicLibrary &library, StringRef libraryPath) {
  auto **slot = static_cast<const char **>(
      library.getAddressOfSymbol("wq_weights"));
  if (!slot)
    return Error::success(); // the weights are inside the library
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  if (*slot)
    return Error::success(); // mapped by an earlier load of this library
  const auto *expected = static_cast<const int64_t *>(
      library.getAddressOfSymbol("wq_weights_bytes"));
  if (!expected)
    return runtimeError(libraryPath + " reads external weights but does not "
                                      "say their size (wq_weights_bytes)");
  std::string path = weightsPathFor(libraryPath);
  ErrorOr<std::unique_ptr<MemoryBuffer>> file =
      MemoryBuffer::getFile(path, /*IsText=*/false,
                            /*RequiresNullTerminator=*/false);
  if (!file)
    return runtimeError("cannot read the model's weights " + path + ": " +
                        file.getError().message());
  if (int64_t((*file)->getBufferSize()) != *expected)
    return runtimeError(path + " holds " + Twine((*file)->getBufferSize()) +
                        " bytes but " + libraryPath + " was compiled with " +
                        Twine(*expected) +
                        " bytes of weights: truncated, or from another "
                        "compile");
  static auto *mapped = new std::vector<std::unique_ptr<MemoryBuffer>>();
  *slot = (*file)->getBufferStart();
  mapped->push_back(std::move(*file));
  return Error::success();
}

} // namespace

/// The device side of a GPU model: the kernels runtime's entry points (from
/// the library's own dependency, so that wq itself needs no CUDA) and the
/// device buffers of the caches and logits.
struct DeviceState {
  decltype(&wqrtInit) init = nullptr;
  decltype(&wqrtMalloc) allocate = nullptr;
  decltype(&wqrtFree) release = nullptr;
  decltype(&wqrtMemcpyDeviceToHost) toHost = nullptr;
  decltype(&wqrtMemcpyHostToDevice) toDevice = nullptr;
  decltype(&wqrtCaptureBegin) captureBegin = nullptr;
  decltype(&wqrtCaptureEnd) captureEnd = nullptr;
  decltype(&wqrtGraphLaunch) graphLaunch = nullptr;
  decltype(&wqrtGraphDestroy) graphDestroy = nullptr;
  decltype(&wqrtGetLastErrorMessage) lastError = nullptr;
  void *keys = nullptr, *values = nullptr, *logits = nullptr;
  size_t logitsBytes = 0;
  /// The decode step's buffers: [token, position] and one row of logits.
  void *step = nullptr, *stepLogits = nullptr;
  /// The decode step as captured by its first call (after the one load
  /// runs directly, which uploads the weights: a capture must not).
  wqrtGraph graph = nullptr;

  ~DeviceState() {
    if (graph)
      graphDestroy(graph);
    for (void *buffer : {keys, values, logits, step, stepLogits})
      if (buffer)
        release(buffer);
  }
  Error fail(const Twine &what) const {
    return runtimeError(what + ": " + lastError());
  }
  /// Device memory for `bytes` of logits (grown, never shrunk).
  Expected<void *> logitsBuffer(size_t bytes) {
    if (bytes <= logitsBytes)
      return logits;
    if (logits && release(logits) != WQRT_SUCCESS)
      return fail("freeing the device logits");
    logits = nullptr;
    logitsBytes = 0;
    if (allocate(bytes, &logits) != WQRT_SUCCESS)
      return fail("allocating " + Twine(bytes) + " bytes of logits on the GPU");
    logitsBytes = bytes;
    return logits;
  }
};

namespace {

/// Resolves the kernels runtime through `library` (its DT_NEEDED), starts
/// it and allocates the caches on the device.
Expected<std::unique_ptr<DeviceState>>
startDevice(sys::DynamicLibrary &library, StringRef libraryPath,
            size_t cacheBytes, size_t stepLogitsBytes) {
  auto state = std::make_unique<DeviceState>();
  // The first entry point the runtime lacks, if any.
  const char *missing = nullptr;
  auto resolve = [&](auto &slot, const char *name) {
    slot = reinterpret_cast<std::remove_reference_t<decltype(slot)>>(
        library.getAddressOfSymbol(name));
    if (!slot && !missing)
      missing = name;
  };
  resolve(state->init, "wqrtInit");
  resolve(state->allocate, "wqrtMalloc");
  resolve(state->release, "wqrtFree");
  resolve(state->toHost, "wqrtMemcpyDeviceToHost");
  resolve(state->toDevice, "wqrtMemcpyHostToDevice");
  resolve(state->captureBegin, "wqrtCaptureBegin");
  resolve(state->captureEnd, "wqrtCaptureEnd");
  resolve(state->graphLaunch, "wqrtGraphLaunch");
  resolve(state->graphDestroy, "wqrtGraphDestroy");
  resolve(state->lastError, "wqrtGetLastErrorMessage");
  if (missing)
    return runtimeError(libraryPath + " is a GPU model but the kernels "
                                      "runtime it links lacks " +
                        missing);
  if (state->init(0) != WQRT_SUCCESS)
    return state->fail("starting the GPU");
  if (state->allocate(cacheBytes, &state->keys) != WQRT_SUCCESS ||
      state->allocate(cacheBytes, &state->values) != WQRT_SUCCESS)
    return state->fail("cannot allocate the key/value caches on the GPU (" +
                       Twine(2 * cacheBytes) + " bytes)");
  if (state->allocate(2 * sizeof(int32_t), &state->step) != WQRT_SUCCESS ||
      state->allocate(stepLogitsBytes, &state->stepLogits) != WQRT_SUCCESS)
    return state->fail("allocating the decode step's buffers on the GPU");
  return std::move(state);
}

} // namespace

CompiledModel::CompiledModel() = default;
CompiledModel::CompiledModel(CompiledModel &&) = default;
CompiledModel &CompiledModel::operator=(CompiledModel &&) = default;
CompiledModel::~CompiledModel() = default;

std::string weightsPathFor(StringRef libraryPath) {
  SmallString<256> path(libraryPath);
  sys::path::replace_extension(path, ".weights");
  return std::string(path);
}

Expected<CompiledModel> CompiledModel::load(StringRef libraryPath,
                                            const LlamaConfig &config,
                                            int64_t contextLength) {
  if (Error e = config.validate())
    return std::move(e);
  if (contextLength == 0)
    contextLength = config.seqLen;
  if (contextLength < 1 || contextLength > config.seqLen)
    return runtimeError("context length " + Twine(contextLength) +
                        " outside [1, " + Twine(config.seqLen) +
                        "] (the model's context)");
  if (Error e = checkLibraryIsWhole(libraryPath))
    return std::move(e);
  std::string error;
  sys::DynamicLibrary library =
      sys::DynamicLibrary::getPermanentLibrary(libraryPath.str().c_str(), &error);
  if (!library.isValid())
    return runtimeError("cannot load " + libraryPath + ": " + error);
  const char *stamp = static_cast<const char *>(
      library.getAddressOfSymbol(kModelStampSymbol));
  if (!stamp)
    return runtimeError(libraryPath +
                        " carries no wq model stamp (built by an older wq?): "
                        "compile the model again");
  StringRef stampText(stamp);
  StringRef firstLine = stampText.take_until([](char c) { return c == '\n'; });
  if (firstLine != ("wq-model-abi " + Twine(kModelAbiVersion)).str())
    return runtimeError(libraryPath + " was built for another model ABI ('" +
                        firstLine + "', this wq reads version " +
                        Twine(kModelAbiVersion) + "): compile the model again");
  if (stampText != modelStamp(config)) {
    Expected<LlamaConfig> built =
        LlamaConfig::fromJson(stampText.drop_front(firstLine.size()));
    std::string builtShapes = "another configuration";
    if (built)
      builtShapes = describeShapes(*built);
    else
      consumeError(built.takeError());
    return runtimeError("the model configuration does not match " +
                        libraryPath + ", compiled for " + builtShapes +
                        " (given " + describeShapes(config) +
                        "): was config.json edited after the compile?");
  }
  if (Error e = mapWeights(library, libraryPath))
    return std::move(e);
  void *symbol = library.getAddressOfSymbol("_mlir_ciface_forward");
  if (!symbol)
    return runtimeError(libraryPath + " has no forward function");
  CompiledModel model;
  model.config_ = config;
  model.contextLength_ = contextLength;
  model.forward_ = reinterpret_cast<ForwardFn>(symbol);
  size_t cache = size_t(config.numLayers * contextLength * config.kvDim());
  if (const char *device = static_cast<const char *>(
          library.getAddressOfSymbol(kModelDeviceSymbol))) {
    model.device_ = device;
    void *decode = library.getAddressOfSymbol("_mlir_ciface_decode");
    if (!decode)
      return runtimeError(libraryPath + " is a GPU model without a decode "
                                        "step (built by an older wq?): "
                                        "compile the model again");
    model.decode_ = reinterpret_cast<DecodeFn>(decode);
    Expected<std::unique_ptr<DeviceState>> state =
        startDevice(library, libraryPath, cache * sizeof(float),
                    size_t(config.vocabSize) * sizeof(float));
    if (!state)
      return state.takeError();
    model.deviceState_ = std::move(*state);
    // A first decode step now uploads the weights (one device copy each,
    // shared by the forward pass), so that they cross once, at load, and
    // the next step is the one captured. It writes position 0 of the caches,
    // which every sequence's first call overwrites.
    if (Expected<float *> warm = model.runDecodeStep(0, 0, /*direct=*/true);
        !warm)
      return warm.takeError();
    return std::move(model);
  }
  // Not value-initialized: pages are committed as positions are written.
  model.keyCache_.reset(new (std::nothrow) float[cache]);
  model.valueCache_.reset(new (std::nothrow) float[cache]);
  if (!model.keyCache_ || !model.valueCache_)
    return runtimeError("cannot allocate the key/value caches (" +
                        Twine(model.kvCacheBytes()) + " bytes)");
  return std::move(model);
}

Expected<float *> CompiledModel::run(ArrayRef<int32_t> tokens, int64_t pos,
                                     int64_t first) {
  const int64_t m = int64_t(tokens.size());
  if (m == 0 || first < 0 || first >= m)
    return runtimeError("a forward call needs at least one token and a first "
                        "logits row inside the batch");
  if (pos < 0 || pos + m > contextLength_)
    return runtimeError("positions " + Twine(pos) + ".." + Twine(pos + m - 1) +
                        " exceed the context of " + Twine(contextLength_) +
                        " tokens");
  for (int32_t token : tokens)
    if (token < 0 || token >= config_.vocabSize)
      return runtimeError("token id " + Twine(token) +
                          " outside the vocabulary of " +
                          Twine(config_.vocabSize));
  if (deviceState_ && m == 1)
    return runDecodeStep(tokens[0], pos, /*direct=*/false);
  const int64_t V = config_.vocabSize;
  logits_.resize(size_t((m - first) * V));
  const size_t logitsBytes = logits_.size() * sizeof(float);
  float *keys = keyCache_.get(), *values = valueCache_.get(),
        *logits = logits_.data();
  if (deviceState_) {
    keys = static_cast<float *>(deviceState_->keys);
    values = static_cast<float *>(deviceState_->values);
    Expected<void *> buffer = deviceState_->logitsBuffer(logitsBytes);
    if (!buffer)
      return buffer.takeError();
    logits = static_cast<float *>(*buffer);
  }
  // A prompt's token ids stay in host memory on a GPU too (the host code
  // reads them to pick the rows to look up).
  int32_t *tokenData = const_cast<int32_t *>(tokens.data());
  StridedMemRefType<int32_t, 1> tokenRef{tokenData, tokenData, 0, {m}, {1}};
  StridedMemRefType<float, 3> k = cacheRef(keys), v = cacheRef(values);
  StridedMemRefType<float, 2> out{logits, logits, 0, {m - first, V}, {V, 1}};
  forward_(&tokenRef, pos, &k, &v, first, &out);
  if (deviceState_ &&
      deviceState_->toHost(logits_.data(), logits, logitsBytes) != WQRT_SUCCESS)
    return deviceState_->fail("copying the logits from the GPU");
  return logits_.data();
}

StridedMemRefType<float, 3> CompiledModel::cacheRef(void *cache) const {
  auto *data = static_cast<float *>(cache);
  const int64_t L = config_.numLayers, S = contextLength_,
                KVD = config_.kvDim();
  return {data, data, 0, {L, S, KVD}, {S * KVD, KVD, 1}};
}

Expected<float *> CompiledModel::runDecodeStep(int32_t token, int64_t pos,
                                               bool direct) {
  DeviceState &device = *deviceState_;
  const int64_t V = config_.vocabSize;
  // The only per-step inputs, in device memory where the kernels read them.
  const int32_t step[2] = {token, int32_t(pos)};
  if (device.toDevice(device.step, step, sizeof(step)) != WQRT_SUCCESS)
    return device.fail("copying the token and position to the GPU");
  auto call = [&] {
    auto *stepData = static_cast<int32_t *>(device.step);
    auto *logits = static_cast<float *>(device.stepLogits);
    StridedMemRefType<int32_t, 1> stepRef{stepData, stepData, 0, {2}, {1}};
    StridedMemRefType<float, 3> k = cacheRef(device.keys),
                                v = cacheRef(device.values);
    StridedMemRefType<float, 2> out{logits, logits, 0, {1, V}, {V, 1}};
    decode_(&stepRef, &k, &v, &out);
  };
  if (direct) {
    call();
  } else {
    if (!device.graph) {
      if (device.captureBegin() != WQRT_SUCCESS)
        return device.fail("starting the capture of the decode step");
      call();
      if (device.captureEnd(&device.graph) != WQRT_SUCCESS)
        return device.fail("capturing the decode step as a CUDA graph");
    }
    // On the default stream: the synchronous copy of the logits below waits
    // for it (a failure of the replay's kernels is reported there).
    if (device.graphLaunch(device.graph, nullptr) != WQRT_SUCCESS)
      return device.fail("replaying the decode step");
  }
  logits_.resize(size_t(V));
  if (device.toHost(logits_.data(), device.stepLogits, V * sizeof(float)) !=
      WQRT_SUCCESS)
    return device.fail("copying the logits from the GPU");
  return logits_.data();
}

} // namespace wq_model
