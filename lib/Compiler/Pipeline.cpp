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
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVMPass.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
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
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/IR/Dominance.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
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
    // MLIR's sin and cos polynomials give a number for NaN and infinite inputs, where the result
    // is NaN (as the eager kernels and libm give): select NaN for them (x - x is NaN exactly then).
    getOperation().walk([](Operation *op) {
      if (!isa<math::SinOp, math::CosOp>(op) || !getElementTypeOrSelf(op->getResult(0)).isF32())
        return;
      OpBuilder b(op->getContext());
      b.setInsertionPointAfter(op);
      Location loc = op->getLoc();
      Value x = op->getOperand(0), result = op->getResult(0);
      Value xMinusX = b.create<arith::SubFOp>(loc, x, x);
      Value finite = b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::ORD, xMinusX, xMinusX);
      Value checked = b.create<arith::SelectOp>(loc, finite, result, xMinusX);
      result.replaceAllUsesExcept(checked, checked.getDefiningOp());
    });
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


/// Rewrites each matmul the lowering emitted — after bufferization, a linalg.generic over memrefs
/// computing c[b.., i, j] += x[b.., i, k] * y[b.., k, j] in f32 or f64, loops (b.., i, k, j) —
/// into a register-tiled kernel: for each block of kRows rows of c by kVectors vectors of
/// columns (4 x 64 f32), the block's accumulators stay in vector registers while k runs over
/// the whole reduction (one broadcast of x[i, k] per row and one load of y's row segment per
/// vector, then kRows * kVectors fused multiply-adds), and the block is stored once. The
/// untiled generic, vectorised by LLVM along j, loads and stores its row of c at every k
/// instead. Row and column remainders get smaller blocks; the last partial vector of columns
/// is masked. Each sum still runs over k in order, from c's initial value; a multiply-add is
/// fused (one rounding instead of two), within the tolerance docs/ops.md gives for matmul.
/// A left operand that is the transpose of another buffer, written just before, is read from that
/// buffer directly (transposeWriting). Matmuls over integers, and operands whose rows are not
/// contiguous, keep their loops.
struct TileMatmulPass : public PassWrapper<TileMatmulPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(TileMatmulPass)
  StringRef getArgument() const final { return "bst-tile-matmul"; }
  StringRef getDescription() const final {
    return "Lower bufferized matmul generics to register-tiled vector kernels";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<arith::ArithDialect, memref::MemRefDialect, scf::SCFDialect,
                    vector::VectorDialect>();
  }

  static constexpr int64_t kRows = 4, kVectors = 4, kVectorBits = 512;

  /// True if `op` is the matmul generic of Lowering::matmul, on memrefs.
  static bool isMatmul(linalg::GenericOp op) {
    if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1)
      return false;
    unsigned rank = op.getNumLoops();
    if (rank < 3)
      return false;
    unsigned batch = rank - 3;
    MLIRContext *ctx = op.getContext();
    auto map = [&](unsigned r, unsigned c) {
      SmallVector<AffineExpr> exprs;
      for (unsigned d = 0; d < batch; ++d)
        exprs.push_back(getAffineDimExpr(d, ctx));
      exprs.push_back(getAffineDimExpr(r, ctx));
      exprs.push_back(getAffineDimExpr(c, ctx));
      return AffineMap::get(rank, 0, exprs, ctx);
    };
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    if (maps.size() != 3 || maps[0] != map(batch, batch + 1) ||
        maps[1] != map(batch + 1, batch + 2) || maps[2] != map(batch, batch + 2))
      return false;
    auto iterators = op.getIteratorTypesArray();
    for (unsigned d = 0; d < rank; ++d)
      if (iterators[d] != (d == batch + 1 ? utils::IteratorType::reduction
                                          : utils::IteratorType::parallel))
        return false;
    Block &body = op.getRegion().front();
    if (body.getOperations().size() != 3)
      return false;
    auto mul = dyn_cast<arith::MulFOp>(body.getOperations().front());
    auto add = dyn_cast<arith::AddFOp>(*std::next(body.begin()));
    auto yield = dyn_cast<linalg::YieldOp>(body.getTerminator());
    if (!mul || !add || !yield || yield.getNumOperands() != 1 ||
        yield.getOperand(0) != add.getResult())
      return false;
    Value a0 = body.getArgument(0), a1 = body.getArgument(1), a2 = body.getArgument(2);
    bool mulOk = (mul.getLhs() == a0 && mul.getRhs() == a1) ||
                 (mul.getLhs() == a1 && mul.getRhs() == a0);
    bool addOk = (add.getLhs() == a2 && add.getRhs() == mul.getResult()) ||
                 (add.getLhs() == mul.getResult() && add.getRhs() == a2);
    if (!mulOk || !addOk)
      return false;
    for (Value v : op->getOperands()) {
      auto type = dyn_cast<MemRefType>(v.getType());
      if (!type || !type.hasStaticShape() || type.getRank() != batch + 2 ||
          !(type.getElementType().isF32() || type.getElementType().isF64()))
        return false;
    }
    // y and c are read and written a vector of columns at a time: their rows must be contiguous.
    for (Value v : {op.getDpsInputs()[1], op.getDpsInits()[0]})
      if (!isLastMemrefDimUnitStride(cast<MemRefType>(v.getType())))
        return false;
    Type t = cast<MemRefType>(op->getOperand(0).getType()).getElementType();
    return llvm::all_of(op->getOperandTypes(),
                        [&](Type o) { return cast<MemRefType>(o).getElementType() == t; });
  }

  /// The generic that wrote `x`, a 2-D buffer the matmul `op` reads as its left operand, as the
  /// transpose of another buffer, if it sits just before `op` (only allocations, fills of other
  /// buffers and constants in between) and nothing else reads `x` (its deallocation aside). The
  /// kernel then reads that buffer's columns itself (x^T @ y, the weight gradient of a dense
  /// layer) and the transpose goes.
  static linalg::GenericOp transposeWriting(Value x, linalg::GenericOp op) {
    if (cast<MemRefType>(x.getType()).getRank() != 2)
      return {};
    linalg::GenericOp writer;
    for (Operation *user : x.getUsers()) {
      if (user == op.getOperation() || isa<memref::DeallocOp>(user))
        continue;
      auto g = dyn_cast<linalg::GenericOp>(user);
      if (writer || !g)
        return {};
      writer = g;
    }
    if (!writer || writer->getBlock() != op->getBlock() || !writer.hasPureBufferSemantics() ||
        writer.getNumDpsInputs() != 1 || writer.getNumDpsInits() != 1 ||
        writer.getDpsInits()[0] != x || writer.getNumParallelLoops() != 2 ||
        writer.getNumLoops() != 2)
      return {};
    MLIRContext *ctx = op.getContext();
    AffineExpr d0 = getAffineDimExpr(0, ctx), d1 = getAffineDimExpr(1, ctx);
    SmallVector<AffineMap> maps = writer.getIndexingMapsArray();
    if (maps[0] != AffineMap::get(2, 0, {d1, d0}, ctx) ||
        maps[1] != AffineMap::get(2, 0, {d0, d1}, ctx))
      return {};
    Block &body = writer.getRegion().front();
    auto yield = dyn_cast<linalg::YieldOp>(body.getTerminator());
    if (body.getOperations().size() != 1 || !yield || yield.getNumOperands() != 1 ||
        yield.getOperand(0) != body.getArgument(0))
      return {};
    Value source = writer.getDpsInputs()[0];
    if (cast<MemRefType>(source.getType()).getElementType() !=
        cast<MemRefType>(x.getType()).getElementType())
      return {};
    for (Operation *between = writer->getNextNode(); between != op.getOperation();
         between = between->getNextNode()) {
      if (isa<memref::AllocOp, arith::ConstantOp>(between))
        continue;
      // A fill of a buffer allocated after the transpose cannot touch what it read.
      auto fill = dyn_cast<linalg::FillOp>(between);
      auto alloc = fill ? fill.getDpsInits()[0].getDefiningOp<memref::AllocOp>() : nullptr;
      if (fill && fill.hasPureBufferSemantics() && alloc && alloc->getBlock() == op->getBlock() &&
          writer->isBeforeInBlock(alloc))
        continue;
      return {};
    }
    return writer;
  }

  static void rewrite(linalg::GenericOp op) {
    OpBuilder b(op);
    Location loc = op.getLoc();
    Value x = op.getDpsInputs()[0], y = op.getDpsInputs()[1], c = op.getDpsInits()[0];
    // x = transpose(source): read x[i, k] as source[k, i].
    Value source;
    linalg::GenericOp transpose = transposeWriting(x, op);
    if (transpose)
      source = transpose.getDpsInputs()[0];
    auto cType = cast<MemRefType>(c.getType());
    auto xType = cast<MemRefType>(x.getType());
    unsigned batch = cType.getRank() - 2;
    int64_t m = cType.getShape()[batch], n = cType.getShape()[batch + 1],
            k = xType.getShape()[batch + 1];
    Type t = cType.getElementType();
    int64_t width = kVectorBits / t.getIntOrFloatBitWidth();
    auto vecType = VectorType::get({width}, t);
    auto maskType = VectorType::get({width}, b.getI1Type());
    // A linalg.fill of c right before (the lowering's zero init) starts the accumulators at the
    // fill value instead: the fill goes, and c is not read.
    Value fill;
    if (auto f = dyn_cast_or_null<linalg::FillOp>(op->getPrevNode());
        f && f.hasPureBufferSemantics() && f.getDpsInits()[0] == c) {
      fill = f.getDpsInputs()[0];
      f.erase();
    }
    auto index = [&](OpBuilder &b, int64_t v) -> Value {
      return b.create<arith::ConstantIndexOp>(loc, v);
    };
    // One block: rows [i0, i0 + rows), `vectors` vectors of columns from j0, the last one holding
    // only `partial` columns when partial > 0 (masked loads and stores).
    auto block = [&](OpBuilder &b, ValueRange bs, Value i0, int64_t rows, Value j0,
                     int64_t vectors, int64_t partial) {
      auto at = [&](Value r, Value col) {
        SmallVector<Value> idx(bs.begin(), bs.end());
        idx.push_back(r);
        idx.push_back(col);
        return idx;
      };
      SmallVector<Value> rowIdx, colIdx;
      for (int64_t r = 0; r < rows; ++r)
        rowIdx.push_back(r == 0 ? i0 : b.create<arith::AddIOp>(loc, i0, index(b, r)).getResult());
      for (int64_t v = 0; v < vectors; ++v)
        colIdx.push_back(
            v == 0 ? j0 : b.create<arith::AddIOp>(loc, j0, index(b, v * width)).getResult());
      Value mask, pass;
      if (partial > 0) {
        mask = b.create<vector::CreateMaskOp>(loc, maskType, ValueRange{index(b, partial)});
        pass = b.create<arith::ConstantOp>(loc, vecType, DenseElementsAttr::get(
                                                             vecType, b.getZeroAttr(t)));
      }
      auto load = [&](OpBuilder &b, Value from, ValueRange idx, bool masked) -> Value {
        if (masked)
          return b.create<vector::MaskedLoadOp>(loc, vecType, from, idx, mask, pass);
        return b.create<vector::LoadOp>(loc, vecType, from, idx);
      };
      SmallVector<Value> acc;
      Value filled = fill ? b.create<vector::BroadcastOp>(loc, vecType, fill).getResult() : Value();
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t v = 0; v < vectors; ++v)
          acc.push_back(filled ? filled
                               : load(b, c, at(rowIdx[r], colIdx[v]),
                                      partial > 0 && v == vectors - 1));
      auto loop = b.create<scf::ForOp>(
          loc, index(b, 0), index(b, k), index(b, 1), acc,
          [&](OpBuilder &b, Location, Value kk, ValueRange carried) {
            SmallVector<Value> ys, next;
            for (int64_t v = 0; v < vectors; ++v)
              ys.push_back(load(b, y, at(kk, colIdx[v]), partial > 0 && v == vectors - 1));
            for (int64_t r = 0; r < rows; ++r) {
              Value s = source ? b.create<memref::LoadOp>(loc, source, ValueRange{kk, rowIdx[r]})
                               : b.create<memref::LoadOp>(loc, x, at(rowIdx[r], kk));
              Value splat = b.create<vector::BroadcastOp>(loc, vecType, s);
              for (int64_t v = 0; v < vectors; ++v)
                next.push_back(
                    b.create<vector::FMAOp>(loc, splat, ys[v], carried[r * vectors + v]));
            }
            b.create<scf::YieldOp>(loc, next);
          });
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t v = 0; v < vectors; ++v) {
          Value value = loop.getResult(r * vectors + v);
          SmallVector<Value> idx = at(rowIdx[r], colIdx[v]);
          if (partial > 0 && v == vectors - 1)
            b.create<vector::MaskedStoreOp>(loc, c, idx, mask, value);
          else
            b.create<vector::StoreOp>(loc, value, c, idx);
        }
    };
    int64_t mMain = m / kRows * kRows, rowTail = m % kRows;
    int64_t nMain = n / (kVectors * width) * (kVectors * width);
    int64_t tailVectors = (n - nMain + width - 1) / width, partial = n % width;
    SmallVector<Value> lbs, ubs, steps;
    for (unsigned d = 0; d < batch; ++d) {
      lbs.push_back(index(b, 0));
      ubs.push_back(index(b, cType.getShape()[d]));
      steps.push_back(index(b, 1));
    }
    scf::buildLoopNest(b, loc, lbs, ubs, steps, [&](OpBuilder &b, Location, ValueRange bs) {
      // Blocks of rows: the full ones in a loop, then the remainder.
      auto rowBlocks = [&](OpBuilder &b, Value i0, int64_t rows) {
        if (nMain > 0)
          scf::buildLoopNest(b, loc, ValueRange{index(b, 0)}, ValueRange{index(b, nMain)},
                             ValueRange{index(b, kVectors * width)},
                             [&](OpBuilder &b, Location, ValueRange j) {
                               block(b, bs, i0, rows, j[0], kVectors, 0);
                             });
        if (tailVectors > 0)
          block(b, bs, i0, rows, index(b, nMain), tailVectors, partial);
      };
      if (mMain > 0)
        scf::buildLoopNest(b, loc, ValueRange{index(b, 0)}, ValueRange{index(b, mMain)},
                           ValueRange{index(b, kRows)},
                           [&](OpBuilder &b, Location, ValueRange i) { rowBlocks(b, i[0], kRows); });
      if (rowTail > 0)
        rowBlocks(b, index(b, mMain), rowTail);
    });
    op.erase();
    if (transpose) {
      transpose.erase();
      // x is not read any more: its allocation goes too when nothing but deallocations use it.
      if (auto alloc = x.getDefiningOp<memref::AllocOp>();
          alloc && llvm::all_of(x.getUsers(), [](Operation *u) { return isa<memref::DeallocOp>(u); })) {
        for (Operation *u : llvm::make_early_inc_range(x.getUsers()))
          u->erase();
        alloc.erase();
      }
    }
  }

  void runOnOperation() override {
    SmallVector<linalg::GenericOp> matmuls;
    getOperation().walk([&](linalg::GenericOp op) {
      if (isMatmul(op))
        matmuls.push_back(op);
    });
    for (linalg::GenericOp op : matmuls)
      rewrite(op);
  }
};

/// Moves the linalg.generic ops of a loop body that compute from values defined outside the
/// loop only (the transpose of a weight read by every step of backpropagation through time, a
/// broadcast of a loop-invariant operand) out of the loop, before bufferization: they run once
/// instead of once per iteration, into a buffer allocated once. Only ops that read at least one
/// input and write a fresh tensor (a tensor.empty used by them alone) move, and not one that reads
/// a slot the function writes (bufferization.materialize_in_destination) before the loop: moved
/// after that write, it would read the new value where the loop read the old one.
struct HoistInvariantGenericsPass
    : public PassWrapper<HoistInvariantGenericsPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(HoistInvariantGenericsPass)
  StringRef getArgument() const final { return "bst-hoist-invariant-generics"; }
  StringRef getDescription() const final {
    return "Move loop-invariant tensor linalg.generic ops out of scf.for loops";
  }

  /// True if `op`, a generic in `loop`'s body, computes from values defined outside `loop` only.
  static bool invariant(linalg::GenericOp op, scf::ForOp loop) {
    if (!op.hasPureTensorSemantics() || op.getNumDpsInputs() == 0)
      return false;
    for (Value in : op.getDpsInputs())
      if (!loop.isDefinedOutsideOfLoop(in))
        return false;
    for (Value init : op.getDpsInits()) {
      auto empty = init.getDefiningOp<tensor::EmptyOp>();
      if (!empty || !init.hasOneUse() || !empty.getDynamicSizes().empty())
        return false;
    }
    // The payload computes from its block arguments, constants and indices only.
    WalkResult walk = op.getRegion().walk([&](Operation *inner) {
      if (!isMemoryEffectFree(inner))
        return WalkResult::interrupt();
      for (Value v : inner->getOperands())
        if (!op.getRegion().isAncestor(v.getParentRegion()) && !loop.isDefinedOutsideOfLoop(v))
          return WalkResult::interrupt();
      return WalkResult::advance();
    });
    return !walk.wasInterrupted();
  }

  /// True if a materialize_in_destination before `loop` in its block writes one of `values`.
  static bool writtenBefore(scf::ForOp loop, ValueRange values) {
    for (Operation *op = loop->getPrevNode(); op; op = op->getPrevNode()) {
      bool written = false;
      op->walk([&](bufferization::MaterializeInDestinationOp m) {
        written |= llvm::is_contained(values, m.getDest());
      });
      if (written)
        return true;
    }
    return false;
  }

  void runOnOperation() override {
    // Inner loops first (post-order), so an op can leave a nest one level at a time.
    SmallVector<scf::ForOp> loops;
    getOperation().walk([&](scf::ForOp loop) { loops.push_back(loop); });
    for (scf::ForOp loop : loops) {
      for (bool moved = true; moved;) {
        moved = false;
        for (Operation &op : llvm::make_early_inc_range(loop.getBody()->without_terminator())) {
          auto generic = dyn_cast<linalg::GenericOp>(op);
          if (!generic || !invariant(generic, loop) || writtenBefore(loop, generic.getDpsInputs()))
            continue;
          for (Value init : generic.getDpsInits())
            init.getDefiningOp()->moveBefore(loop);
          generic->moveBefore(loop);
          moved = true;
        }
      }
    }
  }
};

/// After bufferization: a buffer filled with one value and then only copied (the zeros a scan
/// stacks its per-step outputs into, one copy per stack) is not needed: each copy becomes a fill
/// of its target, and the buffer, its fill and its deallocation go. A fill writes what a copy
/// reads and writes, and the buffer's pages are not touched at all.
struct FillCopiesPass : public PassWrapper<FillCopiesPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(FillCopiesPass)
  StringRef getArgument() const final { return "bst-fill-copies"; }
  StringRef getDescription() const final {
    return "Replace copies of a constant-filled buffer by fills of their targets";
  }

  /// The value `op` fills its one output with, if it is a linalg.fill or a generic without inputs
  /// that yields a value defined outside it, over buffers.
  static Value fillValue(Operation *op) {
    if (auto fill = dyn_cast<linalg::FillOp>(op))
      return fill.hasPureBufferSemantics() ? fill.getDpsInputs()[0] : Value();
    auto generic = dyn_cast<linalg::GenericOp>(op);
    if (!generic || !generic.hasPureBufferSemantics() || generic.getNumDpsInputs() != 0 ||
        generic.getNumDpsInits() != 1)
      return {};
    Block &body = generic.getRegion().front();
    auto yield = dyn_cast<linalg::YieldOp>(body.getTerminator());
    if (body.getOperations().size() != 1 || !yield || yield.getNumOperands() != 1 ||
        generic.getRegion().isAncestor(yield.getOperand(0).getParentRegion()))
      return {};
    return yield.getOperand(0);
  }

  void runOnOperation() override {
    SmallVector<memref::AllocOp> allocs;
    getOperation().walk([&](memref::AllocOp alloc) { allocs.push_back(alloc); });
    for (memref::AllocOp alloc : allocs) {
      Value buffer = alloc.getResult();
      Operation *filler = nullptr;
      SmallVector<Operation *> copies, deallocs;
      bool ok = alloc.getDynamicSizes().empty() && alloc.getSymbolOperands().empty();
      for (Operation *user : buffer.getUsers()) {
        if (isa<memref::DeallocOp>(user)) {
          deallocs.push_back(user);
        } else if (auto copy = dyn_cast<linalg::CopyOp>(user);
                   copy && copy.hasPureBufferSemantics() && copy.getDpsInputs()[0] == buffer &&
                   copy.getDpsInits()[0] != buffer) {
          copies.push_back(user);
        } else if (auto copy = dyn_cast<memref::CopyOp>(user);
                   copy && copy.getSource() == buffer && copy.getTarget() != buffer) {
          copies.push_back(user);
        } else if (!filler && fillValue(user)) {
          filler = user;
        } else {
          ok = false;
        }
      }
      // The fill comes first, in the buffer's block, and its value is available at each copy.
      if (!ok || !filler || copies.empty() || filler->getBlock() != alloc->getBlock())
        continue;
      Value value = fillValue(filler);
      DominanceInfo dominance(alloc->getParentOp());
      bool ordered = llvm::all_of(copies, [&](Operation *copy) {
        return dominance.properlyDominates(filler, copy) && dominance.properlyDominates(value, copy);
      });
      if (!ordered)
        continue;
      for (Operation *copy : copies) {
        OpBuilder b(copy);
        Value target = isa<linalg::CopyOp>(copy) ? cast<linalg::CopyOp>(copy).getDpsInits()[0]
                                                 : cast<memref::CopyOp>(copy).getTarget();
        b.create<linalg::FillOp>(copy->getLoc(), value, target);
        copy->erase();
      }
      for (Operation *dealloc : deallocs)
        dealloc->erase();
      filler->erase();
      alloc.erase();
    }
  }
};

/// Gives the buffers a function allocates and frees at its top level (not in loops or
/// branches) one allocation together, each a 64-byte aligned view of it (buffers whose lifetimes
/// do not overlap share bytes), freed at the function's end. glibc returns a large freed block
/// at the top of its heap to the kernel when it exceeds its trim threshold (twice the largest
/// block it ever unmapped), so that several large
/// temporaries freed together (the RNN's three 819 KB stacks) came back as fresh pages, page
/// fault by page fault, on every call: ~30 % of the RNN step. One block of their total size is
/// served from, and returned to, the heap without trimming once its size is the largest freed.
/// Only buffers whose one use that frees them is a top-level memref.dealloc take part, and only
/// in functions whose deallocation needs no run-time ownership checks (no
/// extract_strided_metadata of base buffers): a view's base buffer is the shared block.
struct MergeAllocsPass : public PassWrapper<MergeAllocsPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(MergeAllocsPass)
  StringRef getArgument() const final { return "bst-merge-allocs"; }
  StringRef getDescription() const final {
    return "Allocate a function's top-level temporaries as views of one buffer";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<arith::ArithDialect, memref::MemRefDialect>();
  }

  static constexpr int64_t kAlign = 64;

  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (func.isExternal() || !func.getBody().hasOneBlock())
        continue;
      bool checked = false;
      func.walk([&](memref::ExtractStridedMetadataOp) { checked = true; });
      if (checked)
        continue;
      Block &entry = func.getBody().front();
      SmallVector<std::pair<memref::AllocOp, memref::DeallocOp>> merged;
      int64_t total = 0;
      SmallVector<int64_t> offsets;
      for (auto alloc : entry.getOps<memref::AllocOp>()) {
        MemRefType type = alloc.getType();
        Type t = type.getElementType();
        if (!type.hasStaticShape() || !type.getLayout().isIdentity() ||
            type.getMemorySpace() || !t.isIntOrFloat() || t.getIntOrFloatBitWidth() % 8 != 0 ||
            type.getNumElements() == 0 || (alloc.getAlignment() && *alloc.getAlignment() > kAlign))
          continue;
        memref::DeallocOp dealloc;
        int deallocs = 0;
        for (Operation *user : alloc->getUsers())
          if (auto d = dyn_cast<memref::DeallocOp>(user)) {
            dealloc = d;
            ++deallocs;
          }
        if (deallocs != 1 || dealloc->getBlock() != &entry)
          continue;
        merged.push_back({alloc, dealloc});
      }
      if (merged.size() < 2)
        continue;
      // Buffers live from their allocation to their deallocation (in block order; deallocation
      // comes after the last use). Each goes at the lowest offset that no buffer live at the same
      // time occupies, so the block is about as large as the most bytes live at once, not the sum.
      DenseMap<Operation *, int64_t> position;
      for (auto [i, op] : llvm::enumerate(entry))
        position[&op] = static_cast<int64_t>(i);
      SmallVector<int64_t> starts, ends, sizes;
      for (auto [alloc, dealloc] : merged) {
        MemRefType type = alloc.getType();
        starts.push_back(position.lookup(alloc));
        ends.push_back(position.lookup(dealloc));
        sizes.push_back((type.getNumElements() * (type.getElementTypeBitWidth() / 8) + kAlign - 1) /
                        kAlign * kAlign);
      }
      for (size_t i = 0; i < merged.size(); ++i) {
        SmallVector<std::pair<int64_t, int64_t>> taken; // [offset, end) of live buffers
        for (size_t j = 0; j < i; ++j)
          if (starts[j] <= ends[i] && starts[i] <= ends[j])
            taken.push_back({offsets[j], offsets[j] + sizes[j]});
        llvm::sort(taken);
        int64_t offset = 0;
        for (auto [from, to] : taken) {
          if (offset + sizes[i] <= from)
            break;
          offset = std::max(offset, to);
        }
        offsets.push_back(offset);
        total = std::max(total, offset + sizes[i]);
      }
      OpBuilder b(&entry, entry.begin());
      Location loc = func.getLoc();
      Value block = b.create<memref::AllocOp>(loc, MemRefType::get({total}, b.getI8Type()),
                                               b.getI64IntegerAttr(kAlign));
      for (auto [pair, offset] : llvm::zip(merged, offsets)) {
        auto [alloc, dealloc] = pair;
        b.setInsertionPoint(alloc);
        Value shift = b.create<arith::ConstantIndexOp>(alloc.getLoc(), offset);
        Value view = b.create<memref::ViewOp>(alloc.getLoc(), alloc.getType(), block, shift,
                                              ValueRange{});
        dealloc.erase();
        alloc.replaceAllUsesWith(view);
        alloc.erase();
      }
      b.setInsertionPoint(entry.getTerminator());
      b.create<memref::DeallocOp>(loc, block);
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
  pm.addPass(std::make_unique<HoistInvariantGenericsPass>());
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
  pm.addPass(std::make_unique<FillCopiesPass>());
  pm.addPass(std::make_unique<TileMatmulPass>());
  pm.addPass(std::make_unique<MergeAllocsPass>());
  pm.addPass(createConvertLinalgToLoopsPass());
  pm.addPass(std::make_unique<ApproximateMathPass>());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createConvertSCFToCFPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  // The matmul kernels' vector ops (bst-tile-matmul).
  pm.addPass(createConvertVectorToLLVMPass());
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
  PassRegistration<TileMatmulPass>();
  PassRegistration<HoistInvariantGenericsPass>();
  PassRegistration<FillCopiesPass>();
  PassRegistration<MergeAllocsPass>();
  PassPipelineRegistration<>("bst-cpu-pipeline",
                             "bst's CPU pipeline: fuse, bufferize in place, lower to LLVM",
                             buildBstCpuPipeline);
}

} // namespace bst::compiler::detail
