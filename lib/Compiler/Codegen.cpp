//===- Codegen.cpp - Shared by the JIT and bstc
//----------------------------===//
#include "Codegen.h"
#include "Lowering.h"
#include "bst/Support/Error.h"

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
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"

#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/IR/Module.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"

#include "absl/strings/str_cat.h"

#include <cstdlib>
#include <mutex>

namespace bst::compiler::detail {

using namespace mlir;

void registerDialects(DialectRegistry &registry) {
  registry.insert<affine::AffineDialect, arith::ArithDialect,
                  bufferization::BufferizationDialect, cf::ControlFlowDialect,
                  func::FuncDialect, linalg::LinalgDialect, LLVM::LLVMDialect,
                  math::MathDialect, memref::MemRefDialect, scf::SCFDialect,
                  tensor::TensorDialect, vector::VectorDialect>();
  arith::registerBufferizableOpInterfaceExternalModels(registry);
  bufferization::func_ext::registerBufferizableOpInterfaceExternalModels(
      registry);
  // The pipeline inlines the deallocation helper (see Pipeline.cpp).
  func::registerInlinerExtension(registry);
  linalg::registerBufferizableOpInterfaceExternalModels(registry);
  linalg::registerSubsetOpInterfaceExternalModels(registry);
  scf::registerBufferizableOpInterfaceExternalModels(registry);
  tensor::registerBufferizableOpInterfaceExternalModels(registry);
  tensor::registerSubsetOpInterfaceExternalModels(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
}

const DialectRegistry &dialectRegistry() {
  static const DialectRegistry *registry = [] {
    auto *r = new DialectRegistry();
    registerDialects(*r);
    return r;
  }();
  return *registry;
}

DiagnosticCollector::DiagnosticCollector(MLIRContext &ctx,
                                         llvm::SourceMgr *sourceMgr)
    : os_(text_) {
  if (sourceMgr)
    sourceHandler_.emplace(*sourceMgr, &ctx, os_);
  else
    handler_.emplace(&ctx, [this](Diagnostic &d) {
      os_ << (d.getSeverity() == DiagnosticSeverity::Error ? "error: "
                                                           : "note: ")
          << d << "\n";
      return success();
    });
}

void fail(const std::string &stage, const std::string &diagnostics) {
  throw Error(ErrorCode::Compile,
              absl::StrCat("bst compiler: ", stage, " failed",
                           diagnostics.empty() ? "" : ":\n", diagnostics));
}

OwningOpRef<ModuleOp> parseModule(MLIRContext &ctx, llvm::SourceMgr &sourceMgr,
                                  std::string_view text,
                                  std::string_view bufferName) {
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(
          llvm::StringRef(text.data(), text.size()),
          llvm::StringRef(bufferName.data(), bufferName.size())),
      llvm::SMLoc());
  return parseSourceFile<ModuleOp>(sourceMgr, &ctx);
}

void runPipeline(MLIRContext &ctx, ModuleOp module, DiagnosticCollector &diags,
                 bool dump) {
  PassManager pm(&ctx);
  buildBstCpuPipeline(pm);
  if (dump)
    module->print(llvm::errs() << "// bst: module before the pipeline\n");
  if (failed(verify(module)))
    fail("verifying the lowered module", diags.text());
  if (failed(pm.run(module)))
    fail("the MLIR pass pipeline", diags.text());
  if (dump)
    module->print(llvm::errs() << "// bst: module after the pipeline\n");
}

llvm::Error optimizeModule(llvm::Module &m, llvm::TargetMachine &tm,
                           int level) {
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
  llvm::ModulePassManager mpm = level <= 0
                                    ? pb.buildO0DefaultPipeline(opt)
                                    : pb.buildPerModuleDefaultPipeline(opt);
  mpm.run(m, mam);
  if (const char *env = std::getenv("BST_DUMP_LLVM");
      env && *env && std::string(env) != "0")
    m.print(llvm::errs(), nullptr);
  return llvm::Error::success();
}

void initializeNativeTarget() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  });
}

std::unique_ptr<llvm::TargetMachine> hostTargetMachine(int level) {
  initializeNativeTarget();
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

} // namespace bst::compiler::detail
