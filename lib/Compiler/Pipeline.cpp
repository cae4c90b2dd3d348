//===- Pipeline.cpp - bst's CPU pass pipeline ------------------------------===//
#include "Lowering.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVMPass.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MathToLibm/MathToLibm.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/OneShotAnalysis.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Approximation.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/Passes.h"

namespace bst::compiler::detail {

using namespace mlir;

namespace {

/// Replaces f32 transcendental math ops (exp, tanh, log, ...) by MLIR's polynomial
/// approximations: plain arithmetic that LLVM vectorises, where libm calls would stay scalar.
struct ApproximateMathPass
    : public PassWrapper<ApproximateMathPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(ApproximateMathPass)
  StringRef getArgument() const final { return "bst-approximate-math"; }
  StringRef getDescription() const final {
    return "Replace f32 transcendental math ops by vectorisable polynomial approximations";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<arith::ArithDialect, math::MathDialect, vector::VectorDialect>();
  }
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(patterns);
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

/// Adds `llvm.func @bst_entry_<f>(%slots: !llvm.ptr)` for each function `f` of the module: it
/// loads one pointer per argument from the `slots` array and calls `f`. The runtime calls every
/// compiled function through this one signature, `void(void **)`.
struct EntryWrapperPass : public PassWrapper<EntryWrapperPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(EntryWrapperPass)
  StringRef getArgument() const final { return "bst-entry-wrappers"; }
  StringRef getDescription() const final {
    return "Add bst_entry_<f>(void **slots) wrappers around bare-pointer LLVM functions";
  }
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    // A function the conversions left alone (convert-func-to-llvm with bare
    // pointers does not convert dynamically shaped memref arguments) would
    // otherwise be dropped silently.
    bool unconverted = false;
    for (auto f : module.getOps<func::FuncOp>()) {
      f.emitError("bst-entry-wrappers: function '")
          << f.getName()
          << "' was not converted to the LLVM dialect; bst's pipeline "
             "handles statically shaped tensors only";
      unconverted = true;
    }
    if (unconverted)
      return signalPassFailure();
    SmallVector<LLVM::LLVMFuncOp> targets;
    for (auto f : module.getOps<LLVM::LLVMFuncOp>())
      if (!f.isExternal() && !f.getName().starts_with("bst_entry_") &&
          !f.getName().starts_with("_mlir"))
        targets.push_back(f);
    auto ptr = LLVM::LLVMPointerType::get(ctx);
    OpBuilder b(ctx);
    for (LLVM::LLVMFuncOp f : targets) {
      for (Type t : f.getArgumentTypes())
        if (!isa<LLVM::LLVMPointerType>(t)) {
          f.emitError("bst-entry-wrappers: argument of type ")
              << t << " is not a pointer; run convert-func-to-llvm with "
                      "use-bare-ptr-memref-call-conv=1 on statically shaped memrefs first";
          return signalPassFailure();
        }
      b.setInsertionPointToEnd(module.getBody());
      Location loc = f.getLoc();
      auto type = LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(ctx), {ptr});
      auto wrapper =
          b.create<LLVM::LLVMFuncOp>(loc, ("bst_entry_" + f.getName()).str(), type);
      Block *entry = wrapper.addEntryBlock(b);
      b.setInsertionPointToStart(entry);
      SmallVector<Value> args;
      for (unsigned i = 0; i < f.getNumArguments(); ++i) {
        Value addr = b.create<LLVM::GEPOp>(loc, ptr, ptr, entry->getArgument(0),
                                           ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(i)});
        args.push_back(b.create<LLVM::LoadOp>(loc, ptr, addr));
      }
      b.create<LLVM::CallOp>(loc, f, args);
      b.create<LLVM::ReturnOp>(loc, ValueRange{});
    }
  }
};

} // namespace

void buildBstCpuPipeline(OpPassManager &pm) {
  pm.addPass(createCanonicalizerPass());
  // Elementwise chains (one linalg.generic per primitive) become one loop nest.
  pm.addPass(createLinalgElementwiseOpFusionPass());
  pm.addPass(createCanonicalizerPass());
  // (No CSE before empty-tensor elimination: it merges the tensor.empty ops of different
  // results, which then all get redirected into one slot.)
  // Results computed into tensor.empty are redirected into the slot they are materialized in, so
  // bufferization can write state slots in place.
  pm.addPass(bufferization::createEmptyTensorEliminationPass());
  bufferization::OneShotBufferizationOptions bufferization;
  bufferization.bufferizeFunctionBoundaries = true;
  bufferization.setFunctionBoundaryTypeConversion(
      bufferization::LayoutMapOption::IdentityLayoutMap);
  // Copies as linalg.copy, which becomes loops below. memref.copy between strided views (the
  // slices of concatenate, extract_slice, ...) would lower to a call of `memrefCopy` from
  // MLIR's runtime library, which the JIT does not link. (convert-linalg-to-loops, later in
  // this pipeline, makes the linalg dialect a dependency, so it is loaded.)
  bufferization.memCpyFn = [](OpBuilder &b, Location loc, Value from, Value to) {
    b.create<linalg::CopyOp>(loc, from, to);
    return success();
  };
  pm.addPass(bufferization::createOneShotBufferizePass(bufferization));
  pm.addPass(bufferization::createDropEquivalentBufferResultsPass());
  pm.addPass(createCanonicalizerPass());
  // One-shot bufferization allocates the temporaries it needs (a swap of two
  // states, a concatenation, ...) but never frees them: without deallocation
  // every call leaked them.
  bufferization::buildBufferDeallocationPipeline(
      pm, bufferization::BufferDeallocationPipelineOptions());
  pm.addPass(createConvertLinalgToLoopsPass());
  pm.addPass(std::make_unique<ApproximateMathPass>());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createConvertSCFToCFPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  ConvertFuncToLLVMPassOptions func;
  func.useBarePtrCallConv = true;
  pm.addPass(createConvertFuncToLLVMPass(func));
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(std::make_unique<EntryWrapperPass>());
}

void registerBstPasses() {
  PassRegistration<ApproximateMathPass>();
  PassRegistration<EntryWrapperPass>();
  PassPipelineRegistration<>("bst-cpu-pipeline",
                             "bst's CPU pipeline: fuse, bufferize in place, lower to LLVM",
                             buildBstCpuPipeline);
}

} // namespace bst::compiler::detail
