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
#include "mlir/Dialect/MemRef/IR/MemRef.h"
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

/// After bufferization, a function's results are the new contents of its written slots (the
/// function attribute `bst.result_slots` gives the slot argument of each). A result that is its
/// slot's buffer already (an in-place update) is dropped; any other is copied into the slot
/// first. The function then returns nothing, as the bare-pointer calling convention needs.
/// (MLIR's drop-equivalent-buffer-results drops only the first kind and would leave the second.)
/// True if bufferized `value` is the buffer `arg`: `arg` itself, or a result of an scf.if or
/// scf.index_switch every branch of which yields `arg` there (a branch that updated the slot in
/// place, or left it alone).
static bool isBuffer(Value value, Value arg) {
  if (value == arg)
    return true;
  auto result = dyn_cast<OpResult>(value);
  if (!result || !isa<scf::IfOp, scf::IndexSwitchOp>(result.getOwner()))
    return false;
  for (mlir::Region &region : result.getOwner()->getRegions()) {
    if (region.empty())
      return false;
    auto yield = dyn_cast<scf::YieldOp>(region.front().getTerminator());
    if (!yield || !isBuffer(yield.getOperand(result.getResultNumber()), arg))
      return false;
  }
  return true;
}

struct ResultsToSlotsPass : public PassWrapper<ResultsToSlotsPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(ResultsToSlotsPass)
  StringRef getArgument() const final { return "bst-results-to-slots"; }
  StringRef getDescription() const final {
    return "Store bufferized function results into their slot arguments and drop them";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<linalg::LinalgDialect, memref::MemRefDialect>();
  }
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      auto slots = func->getAttrOfType<DenseI64ArrayAttr>("bst.result_slots");
      if (!slots || func.isExternal())
        continue;
      if (static_cast<int64_t>(func.getNumResults()) != slots.size()) {
        func.emitError("bst-results-to-slots: ")
            << func.getNumResults() << " results but bst.result_slots names " << slots.size()
            << " slots";
        return signalPassFailure();
      }
      // Checked here, not assumed: bstc and bst::Engine run this pass on modules read from files.
      auto ret = dyn_cast<func::ReturnOp>(func.getBody().back().getTerminator());
      if (!func.getBody().hasOneBlock() || !ret) {
        func.emitError("bst-results-to-slots: a function with bst.result_slots must have one "
                       "block, ending in func.return");
        return signalPassFailure();
      }
      for (int64_t slot : slots.asArrayRef())
        if (slot < 0 || slot >= static_cast<int64_t>(func.getNumArguments())) {
          func.emitError("bst-results-to-slots: bst.result_slots names slot ")
              << slot << " but the function has " << func.getNumArguments() << " arguments";
          return signalPassFailure();
        }
      OpBuilder b(ret);
      for (auto [value, slot] : llvm::zip(ret.getOperands(), slots.asArrayRef())) {
        Value arg = func.getArgument(slot);
        if (isBuffer(value, arg))
          continue;
        if (value.getType() != arg.getType()) {
          func.emitError("bst-results-to-slots: result of type ")
              << value.getType() << " cannot be stored into slot " << slot << " of type "
              << arg.getType();
          return signalPassFailure();
        }
        b.create<linalg::CopyOp>(ret.getLoc(), value, arg);
      }
      b.create<func::ReturnOp>(ret.getLoc());
      ret.erase();
      func.setFunctionType(FunctionType::get(func.getContext(), func.getArgumentTypes(), {}));
      func->removeAttr("bst.result_slots");
    }
  }
};

} // namespace

void buildBstCpuPipeline(OpPassManager &pm) {
  // Elementwise chains are already one multi-output linalg.generic each (the lowering fuses
  // them, and recomputes rank-0 values inline). MLIR's elementwise fusion is not run: it replaces
  // `outs` operands the payload does not read by tensor.empty, which would undo the in-place
  // destinations of loop carries. Nor is empty-tensor elimination: the lowering chooses the
  // destinations itself, knowing when a slot's or a carry's old value is dead.
  // Nor the canonicalizer, before bufferization: the lowering orders its
  // materialize_in_destination ops so that no slot is written before its old value has been
  // copied where it goes, which holds for the ops it emitted. Folding a generic that computes
  // an identity (x & true, min(max(INT_MIN, x), x)) into its input turns a computed value into a
  // slot's old value read after that slot is written: one-shot bufferization then fails
  // ("cannot avoid RaW conflict"). The canonicalizer runs after bufferization instead.
  bufferization::OneShotBufferizationOptions bufferization;
  bufferization.bufferizeFunctionBoundaries = true;
  // A loop carry that cannot stay in place gets a new buffer per iteration instead of failing.
  bufferization.allowReturnAllocsFromLoops = true;
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
  // Folds loops whose carries stayed in place back to their slot arguments, so the next pass
  // sees them as such.
  pm.addPass(createCanonicalizerPass());
  pm.addPass(std::make_unique<ResultsToSlotsPass>());
  // Functions written by hand (bst-opt) carry no bst.result_slots: drop their in-place results.
  pm.addPass(bufferization::createDropEquivalentBufferResultsPass());
  pm.addPass(createCanonicalizerPass());
  // One-shot bufferization allocates the temporaries it needs (a swap of two
  // states, a concatenation, ...) but never frees them: without deallocation
  // every call leaked them.
  bufferization::buildBufferDeallocationPipeline(
      pm, bufferization::BufferDeallocationPipelineOptions());
  // Deallocation of buffers whose ownership is only known at run time (the results of a branch)
  // calls a generated helper function over dynamically shaped memrefs, which the bare-pointer
  // calling convention cannot express: inline it.
  pm.addPass(createInlinerPass());
  pm.addPass(createSymbolDCEPass());
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
  PassRegistration<ResultsToSlotsPass>();
  PassPipelineRegistration<>("bst-cpu-pipeline",
                             "bst's CPU pipeline: fuse, bufferize in place, lower to LLVM",
                             buildBstCpuPipeline);
}

} // namespace bst::compiler::detail
