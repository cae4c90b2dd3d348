//===- Engine.cpp - From Program to JIT-compiled machine code -------------===//
#include "Lowering.h"
#include "bst/Compiler/Compiler.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/Transforms/FuncBufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/Extensions/InlinerExtension.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Linalg/Transforms/SubsetInsertionOpInterfaceImpl.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Tensor/Transforms/SubsetInsertionOpInterfaceImpl.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"

#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/IR/Module.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"

#include "absl/strings/str_cat.h"

#include <chrono>
#include <cstdlib>
#include <mutex>

namespace bst::compiler {

using namespace mlir;

namespace detail {

void registerDialects(DialectRegistry &registry) {
  registry.insert<affine::AffineDialect, arith::ArithDialect, bufferization::BufferizationDialect,
                  cf::ControlFlowDialect, func::FuncDialect, linalg::LinalgDialect,
                  LLVM::LLVMDialect, math::MathDialect, memref::MemRefDialect, scf::SCFDialect,
                  tensor::TensorDialect, vector::VectorDialect>();
  arith::registerBufferizableOpInterfaceExternalModels(registry);
  bufferization::func_ext::registerBufferizableOpInterfaceExternalModels(registry);
  linalg::registerBufferizableOpInterfaceExternalModels(registry);
  linalg::registerSubsetOpInterfaceExternalModels(registry);
  scf::registerBufferizableOpInterfaceExternalModels(registry);
  tensor::registerBufferizableOpInterfaceExternalModels(registry);
  tensor::registerSubsetOpInterfaceExternalModels(registry);
  func::registerInlinerExtension(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
}

} // namespace detail

namespace {

using Clock = std::chrono::steady_clock;
double msSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

const DialectRegistry &dialectRegistry() {
  static const DialectRegistry *registry = [] {
    auto *r = new DialectRegistry();
    detail::registerDialects(*r);
    return r;
  }();
  return *registry;
}

/// Collects diagnostics as text while alive, so failures become bst::Error messages.
class DiagnosticCollector {
public:
  DiagnosticCollector(MLIRContext &ctx, llvm::SourceMgr *sourceMgr = nullptr)
      : os_(text_) {
    if (sourceMgr)
      sourceHandler_.emplace(*sourceMgr, &ctx, os_);
    else
      handler_.emplace(&ctx, [this](Diagnostic &d) {
        os_ << (d.getSeverity() == DiagnosticSeverity::Error ? "error: " : "note: ") << d
            << "\n";
        return success();
      });
  }
  std::string text() { return os_.str(); }

private:
  std::string text_;
  llvm::raw_string_ostream os_;
  std::optional<ScopedDiagnosticHandler> handler_;
  std::optional<SourceMgrDiagnosticHandler> sourceHandler_;
};

[[noreturn]] void fail(const std::string &stage, const std::string &diagnostics) {
  throw Error(ErrorCode::Compile,
              absl::StrCat("bst compiler: ", stage, " failed", diagnostics.empty() ? "" : ":\n",
                           diagnostics));
}

void runPipeline(MLIRContext &ctx, ModuleOp module, DiagnosticCollector &diags, bool dump) {
  PassManager pm(&ctx);
  detail::buildBstCpuPipeline(pm);
  if (dump)
    module->print(llvm::errs() << "// bst: module before the pipeline\n");
  if (failed(verify(module)))
    fail("verifying the lowered module", diags.text());
  if (failed(pm.run(module)))
    fail("the MLIR pass pipeline", diags.text());
  if (dump)
    module->print(llvm::errs() << "// bst: module after the pipeline\n");
}

/// O0-O3 with vectorisation, built with the host target machine (the transformer
/// makeOptimizingTransformer gives was seen leaving modules unoptimised in processes that
/// registered MLIR passes; see DESIGN.md section 6).
llvm::Error optimizeModule(llvm::Module &m, llvm::TargetMachine &tm, int level) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PipelineTuningOptions tuning;
  tuning.LoopVectorization = level >= 2;
  tuning.SLPVectorization = level >= 2;
  tuning.LoopUnrolling = level >= 2;
  llvm::PassBuilder pb(&tm, tuning);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::OptimizationLevel opt = level <= 0   ? llvm::OptimizationLevel::O0
                                : level == 1 ? llvm::OptimizationLevel::O1
                                : level == 2 ? llvm::OptimizationLevel::O2
                                             : llvm::OptimizationLevel::O3;
  llvm::ModulePassManager mpm = level <= 0 ? pb.buildO0DefaultPipeline(opt)
                                           : pb.buildPerModuleDefaultPipeline(opt);
  mpm.run(m, mam);
  if (const char *env = std::getenv("BST_DUMP_LLVM"); env && *env && std::string(env) != "0")
    m.print(llvm::errs(), nullptr);
  return llvm::Error::success();
}

std::unique_ptr<llvm::TargetMachine> hostTargetMachine(int level) {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  });
  auto builder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!builder)
    fail("detecting the host CPU", llvm::toString(builder.takeError()));
  builder->setCodeGenOptLevel(level >= 3   ? llvm::CodeGenOptLevel::Aggressive
                              : level == 2 ? llvm::CodeGenOptLevel::Default
                              : level == 1 ? llvm::CodeGenOptLevel::Less
                                           : llvm::CodeGenOptLevel::None);
  auto tm = builder->createTargetMachine();
  if (!tm)
    fail("creating the host target machine", llvm::toString(tm.takeError()));
  return std::move(*tm);
}

bool dumpRequested(const CompileOptions &options) {
  const char *env = std::getenv("BST_DUMP_MLIR");
  return options.dumpMlir || (env && *env && std::string(env) != "0");
}

} // namespace

struct Executable::Impl {
  std::unique_ptr<ExecutionEngine> engine;
};

Executable::Executable() : impl_(std::make_unique<Impl>()) {}
Executable::~Executable() = default;

/// Pipeline, LLVM and JIT for a tensor-level module.
struct ExecutableBuilder {
  static std::unique_ptr<Executable> finish(MLIRContext &ctx, ModuleOp module,
                                            const std::string &name,
                                            const CompileOptions &options,
                                            DiagnosticCollector &diags, double lowerMs);
};

std::unique_ptr<Executable> ExecutableBuilder::finish(MLIRContext &ctx, ModuleOp module,
                                                      const std::string &name,
                                                      const CompileOptions &options,
                                                      DiagnosticCollector &diags,
                                                      double lowerMs) {
  auto start = Clock::now();
  runPipeline(ctx, module, diags, dumpRequested(options));
  double pipelineMs = msSince(start);

  start = Clock::now();
  std::unique_ptr<llvm::TargetMachine> tm = hostTargetMachine(options.optLevel);
  llvm::TargetMachine *tmRaw = tm.get();
  int level = options.optLevel;
  auto transformer = [tmRaw, level](llvm::Module *m) { return optimizeModule(*m, *tmRaw, level); };
  ExecutionEngineOptions engineOptions;
  engineOptions.transformer = transformer;
  // Instruction selection at O2: the IR is already optimised; O3 codegen costs time for nothing.
  engineOptions.jitCodeGenOptLevel = level >= 2 ? llvm::CodeGenOptLevel::Default : tmRaw->getOptLevel();
  engineOptions.enableGDBNotificationListener = false;
  engineOptions.enablePerfNotificationListener = false;
  auto engine = ExecutionEngine::create(module, engineOptions, std::move(tm));
  if (!engine)
    fail("LLVM code generation", absl::StrCat(llvm::toString(engine.takeError()), diags.text()));
  auto symbol = (*engine)->lookup(absl::StrCat("bst_entry_", name));
  if (!symbol)
    fail("looking up the entry point", llvm::toString(symbol.takeError()));
  auto exe = std::unique_ptr<Executable>(new Executable());
  exe->entry_ = reinterpret_cast<Executable::Entry>(*symbol);
  exe->impl_->engine = std::move(*engine);
  exe->lowerMs_ = lowerMs;
  exe->pipelineMs_ = pipelineMs;
  exe->llvmMs_ = msSince(start);
  return exe;
}

std::string lowerToMlir(const Program &program, const std::string &name) {
  MLIRContext ctx(dialectRegistry(), MLIRContext::Threading::DISABLED);
  ctx.loadAllAvailableDialects();
  OwningOpRef<ModuleOp> module = detail::buildModule(ctx, program, name);
  std::string text;
  llvm::raw_string_ostream os(text);
  module->print(os);
  return os.str();
}

/// Parses `text` into `ctx`, throwing bst::Error with file:line:col diagnostics on failure.
static OwningOpRef<ModuleOp> parse(MLIRContext &ctx, llvm::SourceMgr &sourceMgr,
                                   std::string_view text, DiagnosticCollector &diags) {
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(llvm::StringRef(text.data(), text.size()), "<module>"),
      llvm::SMLoc());
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &ctx);
  if (!module)
    fail("parsing the MLIR module", diags.text());
  return module;
}

std::string runCpuPipeline(std::string_view mlirText) {
  MLIRContext ctx(dialectRegistry(), MLIRContext::Threading::DISABLED);
  llvm::SourceMgr sourceMgr;
  DiagnosticCollector diags(ctx, &sourceMgr);
  OwningOpRef<ModuleOp> module = parse(ctx, sourceMgr, mlirText, diags);
  runPipeline(ctx, *module, diags, false);
  std::string text;
  llvm::raw_string_ostream os(text);
  module->print(os);
  return os.str();
}

/// This thread's context for compiling Programs: creating a context and loading its dialects
/// costs more than lowering and optimising a typical step function, so it is made once.
static MLIRContext &threadContext() {
  thread_local std::unique_ptr<MLIRContext> ctx = [] {
    auto c = std::make_unique<MLIRContext>(dialectRegistry(), MLIRContext::Threading::DISABLED);
    c->loadAllAvailableDialects();
    return c;
  }();
  return *ctx;
}

std::unique_ptr<Executable> compile(const Program &program, const std::string &name,
                                    const CompileOptions &options) {
  auto start = Clock::now();
  MLIRContext &ctx = threadContext();
  DiagnosticCollector diags(ctx);
  OwningOpRef<ModuleOp> module = detail::buildModule(ctx, program, name);
  return ExecutableBuilder::finish(ctx, *module, name, options, diags, msSince(start));
}

std::unique_ptr<Executable> compileModule(std::string_view mlirText, const std::string &name,
                                          const CompileOptions &options, double lowerMs) {
  MLIRContext ctx(dialectRegistry(), MLIRContext::Threading::DISABLED);
  llvm::SourceMgr sourceMgr;
  DiagnosticCollector diags(ctx, &sourceMgr);
  OwningOpRef<ModuleOp> module = parse(ctx, sourceMgr, mlirText, diags);
  return ExecutableBuilder::finish(ctx, *module, name, options, diags, lowerMs);
}

} // namespace bst::compiler
