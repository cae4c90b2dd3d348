//===- Engine.cpp - From Program to JIT-compiled machine code -------------===//
#include "Codegen.h"
#include "Lowering.h"
#include "bst/Compiler/Compiler.h"

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "bst/Support/Progress.h"
#include "mlir/IR/MLIRContext.h"

#include "llvm/IR/Module.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"

#include "absl/strings/str_cat.h"

#include <chrono>
#include <cstdlib>

namespace bst::compiler {

using namespace mlir;

using detail::DiagnosticCollector;
using detail::dialectRegistry;
using detail::fail;

namespace {

using Clock = std::chrono::steady_clock;
double msSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
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

std::unique_ptr<Executable> ExecutableBuilder::finish(MLIRContext &ctx, ModuleOp module,
                                                      const std::string &name,
                                                      const CompileOptions &options,
                                                      DiagnosticCollector &diags,
                                                      double lowerMs) {
  auto start = Clock::now();
  detail::runPipeline(ctx, module, diags, dumpRequested(options));
  double pipelineMs = msSince(start);

  start = Clock::now();
  std::unique_ptr<llvm::TargetMachine> tm =
      detail::hostTargetMachine(options.optLevel);
  llvm::TargetMachine *tmRaw = tm.get();
  int level = options.optLevel;
  auto transformer = [tmRaw, level](llvm::Module *m) {
    return detail::optimizeModule(*m, *tmRaw, level);
  };
  ExecutionEngineOptions engineOptions;
  engineOptions.transformer = transformer;
  // Instruction selection at O2: the IR is already optimised; O3 codegen costs time for nothing.
  engineOptions.jitCodeGenOptLevel = level >= 2 ? llvm::CodeGenOptLevel::Default : tmRaw->getOptLevel();
  engineOptions.enableGDBNotificationListener = false;
  engineOptions.enablePerfNotificationListener = false;
  auto engine = ExecutionEngine::create(module, engineOptions, std::move(tm));
  if (!engine)
    fail("LLVM code generation", absl::StrCat(llvm::toString(engine.takeError()), diags.text()));
  // Host functions compiled code may call.
  (*engine)->registerSymbols([](llvm::orc::MangleAndInterner interner) {
    llvm::orc::SymbolMap symbols;
    symbols[interner("bst_progress")] = {llvm::orc::ExecutorAddr::fromPtr(&bst_progress),
                                         llvm::JITSymbolFlags::Exported};
    return symbols;
  });
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
  OwningOpRef<ModuleOp> module = detail::buildModule(ctx, program, name, /*hostCallbacks=*/false);
  std::string text;
  llvm::raw_string_ostream os(text);
  module->print(os);
  return os.str();
}

/// Parses `text` into `ctx`, throwing bst::Error with file:line:col diagnostics on failure.
static OwningOpRef<ModuleOp> parse(MLIRContext &ctx, llvm::SourceMgr &sourceMgr,
                                   std::string_view text, DiagnosticCollector &diags) {
  OwningOpRef<ModuleOp> module =
      detail::parseModule(ctx, sourceMgr, text, "<module>");
  if (!module)
    fail("parsing the MLIR module", diags.text());
  return module;
}

std::string runCpuPipeline(std::string_view mlirText) {
  MLIRContext ctx(dialectRegistry(), MLIRContext::Threading::DISABLED);
  llvm::SourceMgr sourceMgr;
  DiagnosticCollector diags(ctx, &sourceMgr);
  OwningOpRef<ModuleOp> module = parse(ctx, sourceMgr, mlirText, diags);
  detail::runPipeline(ctx, *module, diags, false);
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
  OwningOpRef<ModuleOp> module = detail::buildModule(ctx, program, name, /*hostCallbacks=*/true);
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
