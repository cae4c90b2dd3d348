//===- Lowering.cpp - Program to tensor-level MLIR ------------------------===//
//
// Each slot becomes a tensor argument of one func.func; each primitive becomes linalg/tensor/arith
// ops on tensors in destination-passing style (elementwise primitives are one linalg.generic each,
// which the pipeline fuses); each written slot receives its value through
// bufferization.materialize_in_destination, which one-shot bufferization turns into an in-place
// update of the slot's buffer.
//
//===----------------------------------------------------------------------===//
#include "Lowering.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"

#include "llvm/ADT/DenseSet.h"

#include "absl/strings/str_cat.h"

#include <cmath>
#include <deque>
#include <limits>
#include <map>

namespace bst::compiler::detail {

using namespace mlir;

namespace {

bool isFloat(DType d) { return d == DType::f32 || d == DType::f64; }

/// An element read from a tensor as bst computes with it: a bool's byte (i8) becomes an i1.
Value loaded(OpBuilder &b, Location loc, Value x) {
  if (!x.getType().isInteger(8))
    return x;
  Value zero = b.create<arith::ConstantOp>(loc, b.getIntegerAttr(x.getType(), 0));
  return b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ne, x, zero);
}

/// A computed element as a tensor stores it: an i1 becomes a bool's byte (0 or 1).
Value stored(OpBuilder &b, Location loc, Value x) {
  if (!x.getType().isInteger(1))
    return x;
  return b.create<arith::ExtUIOp>(loc, b.getI8Type(), x);
}


class Lowering {
public:
  Lowering(MLIRContext &ctx, const Program &program, bool hostCallbacks)
      : ctx_(ctx), b_(&ctx), loc_(UnknownLoc::get(&ctx)), program_(program),
        hostCallbacks_(hostCallbacks) {}

  OwningOpRef<ModuleOp> run(StringRef name);

private:
  Type elementType(DType d) {
    switch (d) {
    case DType::f32:
      return b_.getF32Type();
    case DType::f64:
      return b_.getF64Type();
    case DType::i32:
      return b_.getI32Type();
    case DType::i64:
      return b_.getI64Type();
    case DType::boolean:
      return b_.getI1Type();
    }
    llvm_unreachable("unknown dtype");
  }
  /// The element type of tensors (and so of memrefs and slots): bool elements are the bytes they
  /// are in memory (i8, 0 or 1), so that LLVM loads and stores them 16 or 64 at a time; as `i1`
  /// a vector of bools is a bit mask in LLVM, assembled and split one bit at a time.
  Type storageType(DType d) { return d == DType::boolean ? b_.getI8Type() : elementType(d); }
  RankedTensorType tensorType(const AbstractArray &a) {
    return RankedTensorType::get(llvm::ArrayRef<int64_t>(a.shape.begin(), a.shape.end()),
                                 storageType(a.dtype));
  }
  const AbstractArray &typeOf(ValueId v) { return program_.type(v); }
  Value empty(const AbstractArray &a) {
    return b_.create<tensor::EmptyOp>(loc_, llvm::ArrayRef<int64_t>(a.shape.begin(), a.shape.end()),
                                      storageType(a.dtype));
  }

  using BodyFn = std::function<Value(OpBuilder &, Location, ValueRange)>;
  /// A linalg.generic computing `result` from `ins` read through `inMaps`, all loops parallel.
  Value generic(ValueRange ins, ArrayRef<AffineMap> inMaps, const AbstractArray &result,
                const BodyFn &body);
  Value elementwise(const Instruction &inst, ValueRange ins);
  /// Progress: a call of the host's bst_progress(step, total) (none without host callbacks).
  Value progress(const Instruction &inst, Value step);
  /// The values `inst` reads (its operands and what its regions read from outside), as the
  /// fusion planner counts them.
  void collectUses(const Instruction &inst, SmallVectorImpl<ValueId> &out);
  Value scalarOp(OpBuilder &b, Location loc, const Instruction &inst, ValueRange args);
  Value cast(OpBuilder &b, Location loc, Value x, DType from, DType to);
  Value broadcastInDim(const Instruction &inst, Value x);
  Value transpose(const Instruction &inst, Value x);
  Value reshape(const Instruction &inst, Value x);
  Value reduce(const Instruction &inst, Value x);
  Value argMax(const Instruction &inst, Value x);
  Value matmul(const Instruction &inst, Value x, Value y);
  Value constant(const Instruction &inst);
  Value iota(const Instruction &inst);
  /// The element of an iota at the current index of the enclosing linalg.generic.
  Value iotaElement(OpBuilder &b, Location loc, const Instruction &inst);
  Value concatenate(const Instruction &inst, ValueRange ins);
  Value slice(const Instruction &inst, Value x);
  SmallVector<OpFoldResult> clampedStarts(ValueRange indices, const Shape &extents,
                                          ArrayRef<int64_t> sizes);
  Value dynamicSlice(const Instruction &inst, ValueRange ins);
  Value dynamicUpdateSlice(const Instruction &inst, ValueRange ins);
  Value gather(const Instruction &inst, Value x, Value indices);
  Value scatterAdd(const Instruction &inst, Value x, Value indices, Value updates);
  /// `x` as the initial value of an scf.for that accumulates into it (a copy when x is a block
  /// argument, see the definition).
  Value loopInit(Value x, const AbstractArray &type);
  /// sum over spiking rows (and, with a fifth operand x, x + that sum accumulated into x; see
  /// accumulateEventSums).
  Value eventSum(const Instruction &inst);
  /// The element of a Philox draw at the current index of the enclosing linalg.generic, from
  /// its key and counter scalars.
  Value philoxElement(OpBuilder &b, Location loc, const Instruction &inst, ValueRange operands);
  Value philox(const Instruction &inst, ValueRange ins);
  Value clampIndex(OpBuilder &b, Location loc, Value idx, int64_t extent);
  Value emit(const Instruction &inst);

  // Fusion: elementwise primitives (and broadcasts and iotas into them) of one shape become one
  // multi-output linalg.generic.
  struct Group {
    Shape shape;
    std::vector<const Instruction *> members;
  };
  struct Unit {
    const Instruction *single = nullptr; // or
    int group = -1;
  };
  /// A value a block stores into a buffer it was given (a written slot, a loop carry): `input`
  /// is the buffer's old contents in the block (or kNoValue), `output` the new value, `dest` the
  /// tensor to compute it into when that can be done in place.
  struct Carry {
    ValueId input;
    ValueId output;
    Value dest;
  };
  /// The emission plan of one block (the function body or a region).
  struct BlockPlan {
    std::vector<Unit> units;
    llvm::DenseMap<ValueId, int> unitOf;                   // values defined in this block
    llvm::DenseMap<ValueId, SmallVector<int>> users;       // units (of this block) using a value
    llvm::DenseMap<ValueId, SmallVector<size_t>> storing;  // carries storing a value
    llvm::DenseMap<ValueId, Value> destination;            // where a unit computes a value
    // Carry buffers a single (non-group) unit may compute its value into, if its ops allow.
    llvm::DenseMap<ValueId, Value> wanted;
  };
  BlockPlan plan(const std::vector<Instruction> &body, ArrayRef<Carry> carries);
  /// `body` with each `x + eventSum(...)` (x of the sum's type, the sum read nowhere else) made
  /// one EventSum with x as a fifth operand, which accumulates into x: no zeroed accumulator,
  /// no extra pass, and with x computed into a slot the sum is added in place.
  const std::vector<Instruction> &accumulateEventSums(const std::vector<Instruction> &body,
                                                      ArrayRef<Carry> carries);
  /// definedBy_ for the results of `body` and of its regions.
  void indexDefinitions(const std::vector<Instruction> &body);
  void chooseDestinations(BlockPlan &plan, ArrayRef<Carry> carries);
  /// Emits `body`; returns its plan (which values were computed in place of which carry).
  BlockPlan emitBlock(const std::vector<Instruction> &body, ArrayRef<Carry> carries);
  void emitGroup(const BlockPlan &plan, const Group &group, int groupIndex);
  /// Emits a single (non-group) unit, computing its value into its wanted carry buffer when the
  /// ops it emitted allow.
  void emitSingle(BlockPlan &plan, const Instruction &inst);
  void emitControlFlow(const Instruction &inst);
  /// A rank-0 elementwise value read only by groups: not emitted; groups recompute it.
  bool isInlinedScalar(const BlockPlan &plan, const Instruction &inst);
  Value scalarFromTensor(Value t) {
    return loaded(b_, loc_, b_.create<tensor::ExtractOp>(loc_, t, ValueRange{}));
  }
  AffineMap broadcastMap(const Instruction &inst);

  MLIRContext &ctx_;
  OpBuilder b_;
  Location loc_;
  const Program &program_;
  /// Progress ops call the host (bst_progress): true for the in-process JIT, false for exported
  /// modules, which have no such host.
  bool hostCallbacks_;
  std::vector<Value> values_;
  std::vector<Group> groups_;
  std::vector<int> groupOf_;                       // value -> group that computes it, or -1
  std::vector<const Instruction *> definedBy_;     // value -> instruction defining it
  std::deque<std::vector<Instruction>> rewritten_; // bodies rewritten by accumulateEventSums
};

/// 0 <= i < extent, for an index i.
Value inBounds(OpBuilder &b, Location loc, Value i, Value extent) {
  Value zero = b.create<arith::ConstantIndexOp>(loc, 0);
  Value notBelow = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sge, i, zero);
  Value below = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, i, extent);
  return b.create<arith::AndIOp>(loc, notBelow, below);
}

bool isElementwise(OpKind kind) {
  return kind <= OpKind::Cast && kind != OpKind::Constant;
}

bool isScalarConstant(const Program &p, ValueId v, const std::vector<const Instruction *> &def) {
  return def[v] && def[v]->kind == OpKind::Constant && p.type(v).shape.rank() == 0;
}

Value Lowering::generic(ValueRange ins, ArrayRef<AffineMap> inMaps, const AbstractArray &result,
                        const BodyFn &body) {
  unsigned rank = result.shape.rank();
  SmallVector<AffineMap> maps(inMaps.begin(), inMaps.end());
  maps.push_back(b_.getMultiDimIdentityMap(rank));
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  auto op = b_.create<linalg::GenericOp>(
      loc_, TypeRange{tensorType(result)}, ins, ValueRange{empty(result)}, maps, iterators,
      [&](OpBuilder &b, Location loc, ValueRange args) {
        SmallVector<Value> in;
        for (Value a : args.drop_back())
          in.push_back(loaded(b, loc, a));
        b.create<linalg::YieldOp>(loc, stored(b, loc, body(b, loc, in)));
      });
  return op.getResult(0);
}

Value Lowering::cast(OpBuilder &b, Location loc, Value x, DType from, DType to) {
  Type target = elementType(to);
  if (from == to)
    return x;
  if (to == DType::boolean) {
    if (isFloat(from)) {
      Value zero = b.create<arith::ConstantOp>(loc, b.getFloatAttr(x.getType(), 0.0));
      return b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::UNE, x, zero);
    }
    Value zero = b.create<arith::ConstantOp>(loc, b.getIntegerAttr(x.getType(), 0));
    return b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ne, x, zero);
  }
  if (isFloat(from) && isFloat(to))
    return to == DType::f64 ? b.create<arith::ExtFOp>(loc, target, x).getResult()
                            : b.create<arith::TruncFOp>(loc, target, x).getResult();
  if (isFloat(to))
    return from == DType::boolean ? b.create<arith::UIToFPOp>(loc, target, x).getResult()
                                  : b.create<arith::SIToFPOp>(loc, target, x).getResult();
  if (isFloat(from)) {
    // fptosi is poison for NaN and out-of-range values (x86 gives INT_MIN): saturate at the
    // integer range and map NaN to 0, as the eager kernel does. The bounds +-2^(bits-1) are
    // exact in f32 and f64.
    unsigned bits = target.getIntOrFloatBitWidth();
    double bound = std::ldexp(1.0, static_cast<int>(bits) - 1);
    Value lo = b.create<arith::ConstantOp>(loc, b.getFloatAttr(x.getType(), -bound));
    Value hi = b.create<arith::ConstantOp>(loc, b.getFloatAttr(x.getType(), bound));
    auto intConst = [&](const APInt &v) -> Value {
      return b.create<arith::ConstantOp>(loc, b.getIntegerAttr(target, v));
    };
    Value r = b.create<arith::FPToSIOp>(loc, target, x);
    Value below = b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OLE, x, lo);
    r = b.create<arith::SelectOp>(loc, below, intConst(APInt::getSignedMinValue(bits)), r);
    Value above = b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OGE, x, hi);
    r = b.create<arith::SelectOp>(loc, above, intConst(APInt::getSignedMaxValue(bits)), r);
    Value nan = b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::UNO, x, x);
    return b.create<arith::SelectOp>(loc, nan, intConst(APInt(bits, 0)), r);
  }
  // Integer to integer.
  unsigned fromBits = x.getType().getIntOrFloatBitWidth(), toBits = target.getIntOrFloatBitWidth();
  if (fromBits > toBits)
    return b.create<arith::TruncIOp>(loc, target, x);
  return from == DType::boolean ? b.create<arith::ExtUIOp>(loc, target, x).getResult()
                                : b.create<arith::ExtSIOp>(loc, target, x).getResult();
}

/// x^e for integers, wrapping: square-and-multiply over the bits of e (a fixed trip count), and
/// for a negative e the truncated quotient 1 / x^-e: 1 for x == 1, +-1 for x == -1, else 0.
/// (math.ipowi has no lowering in this pipeline, and MathToFuncs divides by zero for x == 0.)
static Value integerPow(OpBuilder &b, Location loc, Value x, Value e) {
  Type t = x.getType();
  unsigned bits = t.getIntOrFloatBitWidth();
  auto cst = [&](int64_t v) -> Value {
    return b.create<arith::ConstantOp>(loc, b.getIntegerAttr(t, v));
  };
  Value zero = cst(0), one = cst(1);
  auto idx = [&](int64_t v) -> Value { return b.create<arith::ConstantIndexOp>(loc, v); };
  auto loop = b.create<scf::ForOp>(
      loc, idx(0), idx(bits), idx(1), ValueRange{one, x, e},
      [&](OpBuilder &lb, Location l, Value, ValueRange it) {
        Value odd = lb.create<arith::CmpIOp>(l, arith::CmpIPredicate::ne,
                                             lb.create<arith::AndIOp>(l, it[2], one), zero);
        Value product = lb.create<arith::MulIOp>(l, it[0], it[1]);
        Value result = lb.create<arith::SelectOp>(l, odd, product, it[0]);
        Value square = lb.create<arith::MulIOp>(l, it[1], it[1]);
        Value rest = lb.create<arith::ShRUIOp>(l, it[2], one);
        lb.create<scf::YieldOp>(l, ValueRange{result, square, rest});
      });
  Value odd = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ne,
                                      b.create<arith::AndIOp>(loc, e, one), zero);
  Value isOne = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, x, one);
  Value isMinusOne = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, x, cst(-1));
  Value minusOnePow = b.create<arith::SelectOp>(loc, odd, cst(-1), one);
  Value reciprocal = b.create<arith::SelectOp>(
      loc, isOne, one, b.create<arith::SelectOp>(loc, isMinusOne, minusOnePow, zero));
  Value negative = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, e, zero);
  return b.create<arith::SelectOp>(loc, negative, reciprocal, loop.getResult(0));
}

Value Lowering::scalarOp(OpBuilder &b, Location loc, const Instruction &inst, ValueRange a) {
  DType d = typeOf(inst.operands[0]).dtype;
  bool fp = isFloat(d), boolean = d == DType::boolean;
  Type t = a[0].getType();
  auto cst = [&](double v) -> Value {
    if (fp)
      return b.create<arith::ConstantOp>(loc, b.getFloatAttr(t, v));
    return b.create<arith::ConstantOp>(loc, b.getIntegerAttr(t, static_cast<int64_t>(v)));
  };
  auto cmp = [&](arith::CmpFPredicate f, arith::CmpIPredicate s, arith::CmpIPredicate u) -> Value {
    if (fp)
      return b.create<arith::CmpFOp>(loc, f, a[0], a[1]);
    return b.create<arith::CmpIOp>(loc, boolean ? u : s, a[0], a[1]);
  };
  switch (inst.kind) {
  case OpKind::Neg:
    return fp ? b.create<arith::NegFOp>(loc, a[0]).getResult()
              : b.create<arith::SubIOp>(loc, cst(0), a[0]).getResult();
  case OpKind::Abs:
    return fp ? b.create<math::AbsFOp>(loc, a[0]).getResult()
              : b.create<math::AbsIOp>(loc, a[0]).getResult();
  case OpKind::Sign: {
    Value zero = cst(0), one = cst(1), minusOne = cst(-1);
    Value pos = fp ? b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OGT, a[0], zero).getResult()
                   : b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sgt, a[0], zero).getResult();
    Value neg = fp ? b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OLT, a[0], zero).getResult()
                   : b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, a[0], zero).getResult();
    // Zero and NaN map to themselves.
    Value r = b.create<arith::SelectOp>(loc, neg, minusOne, fp ? a[0] : zero);
    return b.create<arith::SelectOp>(loc, pos, one, r);
  }
  case OpKind::Exp:
    return b.create<math::ExpOp>(loc, a[0]);
  case OpKind::Log:
    return b.create<math::LogOp>(loc, a[0]);
  case OpKind::Log1p:
    return b.create<math::Log1pOp>(loc, a[0]);
  case OpKind::Expm1:
    return b.create<math::ExpM1Op>(loc, a[0]);
  case OpKind::Sqrt:
    return b.create<math::SqrtOp>(loc, a[0]);
  case OpKind::Rsqrt:
    return b.create<math::RsqrtOp>(loc, a[0]);
  case OpKind::Tanh:
    return b.create<math::TanhOp>(loc, a[0]);
  case OpKind::Sigmoid: {
    Value e = b.create<math::ExpOp>(loc, b.create<arith::NegFOp>(loc, a[0]));
    return b.create<arith::DivFOp>(loc, cst(1), b.create<arith::AddFOp>(loc, cst(1), e));
  }
  case OpKind::Sin:
    return b.create<math::SinOp>(loc, a[0]);
  case OpKind::Cos:
    return b.create<math::CosOp>(loc, a[0]);
  case OpKind::Floor:
    return b.create<math::FloorOp>(loc, a[0]);
  case OpKind::Ceil:
    return b.create<math::CeilOp>(loc, a[0]);
  case OpKind::Round:
    return b.create<math::RoundEvenOp>(loc, a[0]);
  case OpKind::Not:
    return b.create<arith::XOrIOp>(loc, a[0], cst(1));
  case OpKind::Add:
    if (boolean)
      return b.create<arith::OrIOp>(loc, a[0], a[1]);
    return fp ? b.create<arith::AddFOp>(loc, a[0], a[1]).getResult()
              : b.create<arith::AddIOp>(loc, a[0], a[1]).getResult();
  case OpKind::Sub:
    if (boolean)
      return b.create<arith::XOrIOp>(loc, a[0], a[1]);
    return fp ? b.create<arith::SubFOp>(loc, a[0], a[1]).getResult()
              : b.create<arith::SubIOp>(loc, a[0], a[1]).getResult();
  case OpKind::Mul:
    if (boolean)
      return b.create<arith::AndIOp>(loc, a[0], a[1]);
    return fp ? b.create<arith::MulFOp>(loc, a[0], a[1]).getResult()
              : b.create<arith::MulIOp>(loc, a[0], a[1]).getResult();
  case OpKind::Div: {
    if (fp)
      return b.create<arith::DivFOp>(loc, a[0], a[1]);
    // Integer division truncates; a zero divisor gives 0 and INT_MIN / -1 gives INT_MIN (-x
    // wraps). Both would trap in divsi (SIGFPE on x86), so the divisor becomes 1 there.
    Value zero = cst(0);
    Value isZero = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, a[1], zero);
    if (boolean) {
      Value safe = b.create<arith::SelectOp>(loc, isZero, cst(1), a[1]);
      Value q = b.create<arith::DivUIOp>(loc, a[0], safe);
      return b.create<arith::SelectOp>(loc, isZero, zero, q);
    }
    Value isMinusOne = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, a[1], cst(-1));
    Value trivial = b.create<arith::OrIOp>(loc, isZero, isMinusOne);
    Value safe = b.create<arith::SelectOp>(loc, trivial, cst(1), a[1]);
    Value q = b.create<arith::DivSIOp>(loc, a[0], safe);
    q = b.create<arith::SelectOp>(loc, isMinusOne, b.create<arith::SubIOp>(loc, zero, a[0]), q);
    return b.create<arith::SelectOp>(loc, isZero, zero, q);
  }
  case OpKind::Pow:
    if (fp)
      return b.create<math::PowFOp>(loc, a[0], a[1]);
    return integerPow(b, loc, a[0], a[1]);
  case OpKind::Min:
    if (fp)
      return b.create<arith::MinimumFOp>(loc, a[0], a[1]);
    return boolean ? b.create<arith::MinUIOp>(loc, a[0], a[1]).getResult()
                   : b.create<arith::MinSIOp>(loc, a[0], a[1]).getResult();
  case OpKind::Max:
    if (fp)
      return b.create<arith::MaximumFOp>(loc, a[0], a[1]);
    return boolean ? b.create<arith::MaxUIOp>(loc, a[0], a[1]).getResult()
                   : b.create<arith::MaxSIOp>(loc, a[0], a[1]).getResult();
  case OpKind::And:
    return b.create<arith::AndIOp>(loc, a[0], a[1]);
  case OpKind::Or:
    return b.create<arith::OrIOp>(loc, a[0], a[1]);
  case OpKind::Lt:
    return cmp(arith::CmpFPredicate::OLT, arith::CmpIPredicate::slt, arith::CmpIPredicate::ult);
  case OpKind::Le:
    return cmp(arith::CmpFPredicate::OLE, arith::CmpIPredicate::sle, arith::CmpIPredicate::ule);
  case OpKind::Gt:
    return cmp(arith::CmpFPredicate::OGT, arith::CmpIPredicate::sgt, arith::CmpIPredicate::ugt);
  case OpKind::Ge:
    return cmp(arith::CmpFPredicate::OGE, arith::CmpIPredicate::sge, arith::CmpIPredicate::uge);
  case OpKind::Eq:
    return cmp(arith::CmpFPredicate::OEQ, arith::CmpIPredicate::eq, arith::CmpIPredicate::eq);
  case OpKind::Ne:
    return cmp(arith::CmpFPredicate::UNE, arith::CmpIPredicate::ne, arith::CmpIPredicate::ne);
  case OpKind::Select:
    return b.create<arith::SelectOp>(loc, a[0], a[1], a[2]);
  case OpKind::Cast:
    return cast(b, loc, a[0], d, inst.attrs.dtype);
  default:
    llvm_unreachable("not an elementwise primitive");
  }
}

Value Lowering::elementwise(const Instruction &inst, ValueRange ins) {
  unsigned rank = typeOf(inst.result()).shape.rank();
  SmallVector<AffineMap> maps(ins.size(), b_.getMultiDimIdentityMap(rank));
  return generic(ins, maps, typeOf(inst.result()), [&](OpBuilder &b, Location loc, ValueRange a) {
    return scalarOp(b, loc, inst, a);
  });
}

AffineMap Lowering::broadcastMap(const Instruction &inst) {
  const AbstractArray &in = typeOf(inst.operands[0]), &out = typeOf(inst.result());
  SmallVector<AffineExpr> exprs;
  for (size_t i = 0; i < in.shape.rank(); ++i) {
    int64_t dim = inst.attrs.axes[i];
    exprs.push_back(in.shape[i] == 1 && out.shape[dim] != 1 ? b_.getAffineConstantExpr(0)
                                                             : b_.getAffineDimExpr(dim));
  }
  return AffineMap::get(out.shape.rank(), 0, exprs, &ctx_);
}

Value Lowering::broadcastInDim(const Instruction &inst, Value x) {
  return generic(ValueRange{x}, {broadcastMap(inst)}, typeOf(inst.result()),
                 [](OpBuilder &, Location, ValueRange a) { return a[0]; });
}

Value Lowering::transpose(const Instruction &inst, Value x) {
  const AbstractArray &out = typeOf(inst.result());
  unsigned rank = out.shape.rank();
  // Result dimension i is operand dimension perm[i]: the operand is read at d_{perm^-1}.
  SmallVector<AffineExpr> exprs(rank);
  for (unsigned i = 0; i < rank; ++i)
    exprs[inst.attrs.axes[i]] = b_.getAffineDimExpr(i);
  AffineMap map = AffineMap::get(rank, 0, exprs, &ctx_);
  return generic(ValueRange{x}, {map}, out,
                 [](OpBuilder &, Location, ValueRange a) { return a[0]; });
}

Value Lowering::reshape(const Instruction &inst, Value x) {
  const AbstractArray &in = typeOf(inst.operands[0]), &out = typeOf(inst.result());
  if (in.shape == out.shape)
    return x;
  Value flat = x;
  auto all = [](size_t rank) {
    ReassociationIndices r;
    for (size_t i = 0; i < rank; ++i)
      r.push_back(static_cast<int64_t>(i));
    return r;
  };
  // Through rank 1 (or rank 0 when either side is a scalar, whose reassociation is empty).
  bool viaScalar = in.shape.rank() == 0 || out.shape.rank() == 0;
  if (in.shape.rank() != 0 && (in.shape.rank() != 1 || out.shape.rank() == 0)) {
    SmallVector<ReassociationIndices> re;
    if (!viaScalar)
      re.push_back(all(in.shape.rank()));
    SmallVector<int64_t> shape;
    if (!viaScalar)
      shape.push_back(in.shape.numElements());
    flat = b_.create<tensor::CollapseShapeOp>(
        loc_, RankedTensorType::get(shape, storageType(in.dtype)), x, re);
  }
  if (out.shape.rank() == 1 || out.shape.rank() == 0) {
    if (out.shape.rank() == 0 || in.shape.rank() != 0)
      return flat;
    // A scalar to a one-element vector.
    return b_.create<tensor::ExpandShapeOp>(loc_, tensorType(out), flat,
                                            SmallVector<ReassociationIndices>{});
  }
  SmallVector<ReassociationIndices> re;
  if (!viaScalar)
    re.push_back(all(out.shape.rank()));
  return b_.create<tensor::ExpandShapeOp>(loc_, tensorType(out), flat, re);
}

/// The identity of reduction `kind` in type `t` (a bool's storage type, i8, for bools).
static TypedAttr reductionIdentity(OpBuilder &b, OpKind kind, Type t, bool boolean = false) {
  if (auto ft = dyn_cast<FloatType>(t)) {
    if (kind == OpKind::ReduceSum)
      return b.getFloatAttr(ft, 0.0);
    return b.getFloatAttr(ft, kind == OpKind::ReduceMax
                                  ? -std::numeric_limits<double>::infinity()
                                  : std::numeric_limits<double>::infinity());
  }
  unsigned bits = t.getIntOrFloatBitWidth();
  if (boolean) // sum and max are "or" (identity false), min is "and" (identity true)
    return b.getIntegerAttr(t, kind == OpKind::ReduceMin ? 1 : 0);
  if (kind == OpKind::ReduceSum)
    return b.getIntegerAttr(t, 0);
  return b.getIntegerAttr(t, kind == OpKind::ReduceMax ? APInt::getSignedMinValue(bits)
                                                       : APInt::getSignedMaxValue(bits));
}

Value Lowering::reduce(const Instruction &inst, Value x) {
  const AbstractArray &in = typeOf(inst.operands[0]), &out = typeOf(inst.result());
  unsigned rank = in.shape.rank();
  // Bools are reduced as their bytes (0 or 1): or, and.
  Type t = storageType(out.dtype);
  bool fp = isFloat(out.dtype), boolean = out.dtype == DType::boolean;
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  SmallVector<AffineExpr> outExprs;
  for (unsigned d = 0, k = 0; d < rank; ++d) {
    if (k < inst.attrs.axes.size() && inst.attrs.axes[k] == d) {
      iterators[d] = utils::IteratorType::reduction;
      ++k;
      continue;
    }
    outExprs.push_back(b_.getAffineDimExpr(d));
  }
  Value init = b_.create<arith::ConstantOp>(loc_, reductionIdentity(b_, inst.kind, t, boolean));
  Value filled = b_.create<linalg::FillOp>(loc_, init, empty(out)).getResult(0);
  SmallVector<AffineMap> maps{b_.getMultiDimIdentityMap(rank),
                              AffineMap::get(rank, 0, outExprs, &ctx_)};
  auto op = b_.create<linalg::GenericOp>(
      loc_, TypeRange{tensorType(out)}, ValueRange{x}, ValueRange{filled}, maps, iterators,
      [&](OpBuilder &b, Location loc, ValueRange args) {
        // A host may pass any nonzero byte as true: reduce 0 or 1.
        SmallVector<Value> a{boolean ? stored(b, loc, loaded(b, loc, args[0])) : args[0], args[1]};
        Value r;
        switch (inst.kind) {
        case OpKind::ReduceSum:
          // Sums may be reassociated, so LLVM vectorises them (docs/ops.md says so).
          r = boolean ? b.create<arith::OrIOp>(loc, a[0], a[1]).getResult()
              : fp    ? b.create<arith::AddFOp>(loc, a[0], a[1], arith::FastMathFlags::reassoc)
                            .getResult()
                      : b.create<arith::AddIOp>(loc, a[0], a[1]).getResult();
          break;
        case OpKind::ReduceMax:
          r = boolean ? b.create<arith::OrIOp>(loc, a[0], a[1]).getResult()
              : fp    ? b.create<arith::MaximumFOp>(loc, a[0], a[1]).getResult()
                      : b.create<arith::MaxSIOp>(loc, a[0], a[1]).getResult();
          break;
        default:
          r = boolean ? b.create<arith::AndIOp>(loc, a[0], a[1]).getResult()
              : fp    ? b.create<arith::MinimumFOp>(loc, a[0], a[1]).getResult()
                      : b.create<arith::MinSIOp>(loc, a[0], a[1]).getResult();
        }
        b.create<linalg::YieldOp>(loc, r);
      });
  return op.getResult(0);
}

Value Lowering::argMax(const Instruction &inst, Value x) {
  const AbstractArray &in = typeOf(inst.operands[0]), &out = typeOf(inst.result());
  unsigned rank = in.shape.rank();
  int64_t axis = inst.attrs.axis;
  Type t = storageType(in.dtype); // bools compared as their bytes, 0 or 1
  bool fp = isFloat(in.dtype);
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  iterators[axis] = utils::IteratorType::reduction;
  SmallVector<AffineExpr> outExprs;
  for (unsigned d = 0; d < rank; ++d)
    if (d != axis)
      outExprs.push_back(b_.getAffineDimExpr(d));
  AffineMap outMap = AffineMap::get(rank, 0, outExprs, &ctx_);
  AbstractArray valueType{out.shape, in.dtype};
  Value bestInit = b_.create<arith::ConstantOp>(
      loc_, reductionIdentity(b_, OpKind::ReduceMax, t, in.dtype == DType::boolean));
  Value best = b_.create<linalg::FillOp>(loc_, bestInit, empty(valueType)).getResult(0);
  Value idxInit = b_.create<arith::ConstantOp>(loc_, b_.getI64IntegerAttr(0));
  Value idx = b_.create<linalg::FillOp>(loc_, idxInit, empty(out)).getResult(0);
  auto op = b_.create<linalg::GenericOp>(
      loc_, TypeRange{tensorType(valueType), tensorType(out)}, ValueRange{x},
      ValueRange{best, idx}, SmallVector<AffineMap>{b_.getMultiDimIdentityMap(rank), outMap, outMap},
      iterators, [&](OpBuilder &b, Location loc, ValueRange args) {
        // A host may pass any nonzero byte as true: compare 0 or 1.
        bool boolean = in.dtype == DType::boolean;
        SmallVector<Value> a{boolean ? stored(b, loc, loaded(b, loc, args[0])) : args[0], args[1],
                             args[2]};
        Value i = b.create<arith::IndexCastOp>(loc, b.getI64Type(),
                                               b.create<linalg::IndexOp>(loc, axis));
        Value take;
        if (fp) {
          // Strictly greater keeps the first maximum; the first NaN wins, as in NumPy.
          Value gt = b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OGT, a[0], a[1]);
          Value xNan = b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::UNO, a[0], a[0]);
          Value bestNotNan = b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::ORD, a[1], a[1]);
          take = b.create<arith::OrIOp>(loc, gt, b.create<arith::AndIOp>(loc, xNan, bestNotNan));
        } else {
          take = b.create<arith::CmpIOp>(loc,
                                         in.dtype == DType::boolean ? arith::CmpIPredicate::ugt
                                                                    : arith::CmpIPredicate::sgt,
                                         a[0], a[1]);
        }
        // The first element of each row is always taken (the initial best is a placeholder).
        Value first = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, i,
                                              b.create<arith::ConstantOp>(loc, b.getI64IntegerAttr(0)));
        take = b.create<arith::OrIOp>(loc, take, first);
        Value nb = b.create<arith::SelectOp>(loc, take, a[0], a[1]);
        Value ni = b.create<arith::SelectOp>(loc, take, i, a[2]);
        b.create<linalg::YieldOp>(loc, ValueRange{nb, ni});
      });
  return op.getResult(1);
}

Value Lowering::matmul(const Instruction &inst, Value x, Value y) {
  const AbstractArray &out = typeOf(inst.result());
  Type t = elementType(out.dtype);
  Value zero = b_.create<arith::ConstantOp>(loc_, reductionIdentity(b_, OpKind::ReduceSum, t));
  Value init = b_.create<linalg::FillOp>(loc_, zero, empty(out)).getResult(0);
  // c[b, i, j] += x[b, i, k] * y[b, k, j] with the loops ordered (b, i, k, j): the innermost
  // loop streams a row of y into a row of c, which LLVM vectorises. linalg.matmul's order
  // (i, j, k) reduces down a column of y instead and stays scalar: 3 GFLOP/s against 50 here
  // for [32,128]x[128,128] f32 in a loop. The sum over k keeps its order. After bufferization,
  // bst-tile-matmul (Pipeline.cpp) turns this generic into register-tiled vector blocks with
  // fused multiply-adds (~115 GFLOP/s here).
  unsigned batch = out.shape.rank() - 2, rank = batch + 3;
  SmallVector<AffineExpr> bs;
  for (unsigned d = 0; d < batch; ++d)
    bs.push_back(b_.getAffineDimExpr(d));
  AffineExpr i = b_.getAffineDimExpr(batch), k = b_.getAffineDimExpr(batch + 1),
             j = b_.getAffineDimExpr(batch + 2);
  auto map = [&](AffineExpr r, AffineExpr c) {
    SmallVector<AffineExpr> exprs = bs;
    exprs.push_back(r);
    exprs.push_back(c);
    return AffineMap::get(rank, 0, exprs, &ctx_);
  };
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  iterators[batch + 1] = utils::IteratorType::reduction;
  bool fp = isFloat(out.dtype);
  auto op = b_.create<linalg::GenericOp>(
      loc_, TypeRange{tensorType(out)}, ValueRange{x, y}, ValueRange{init},
      SmallVector<AffineMap>{map(i, k), map(k, j), map(i, j)}, iterators,
      [&](OpBuilder &b, Location loc, ValueRange a) {
        Value r;
        if (fp)
          r = b.create<arith::AddFOp>(loc, a[2], b.create<arith::MulFOp>(loc, a[0], a[1]));
        else
          r = b.create<arith::AddIOp>(loc, a[2], b.create<arith::MulIOp>(loc, a[0], a[1]));
        b.create<linalg::YieldOp>(loc, r);
      });
  return op.getResult(0);
}

Value Lowering::constant(const Instruction &inst) {
  const Array &a = inst.attrs.constant;
  RankedTensorType type = tensorType(a.abstract());
  DenseElementsAttr attr;
  switch (a.dtype()) {
  case DType::f32:
    attr = DenseElementsAttr::get(type, ArrayRef<float>(a.data<float>(), a.numElements()));
    break;
  case DType::f64:
    attr = DenseElementsAttr::get(type, ArrayRef<double>(a.data<double>(), a.numElements()));
    break;
  case DType::i32:
    attr = DenseElementsAttr::get(type, ArrayRef<int32_t>(a.data<int32_t>(), a.numElements()));
    break;
  case DType::i64:
    attr = DenseElementsAttr::get(type, ArrayRef<int64_t>(a.data<int64_t>(), a.numElements()));
    break;
  case DType::boolean: {
    std::vector<int8_t> bytes(a.data<bool>(), a.data<bool>() + a.numElements());
    attr = DenseElementsAttr::get(type, ArrayRef<int8_t>(bytes));
    break;
  }
  }
  return b_.create<arith::ConstantOp>(loc_, attr);
}

Value Lowering::iotaElement(OpBuilder &b, Location loc, const Instruction &inst) {
  Value i = b.create<arith::IndexCastOp>(loc, b.getI64Type(),
                                         b.create<linalg::IndexOp>(loc, inst.attrs.axis));
  return cast(b, loc, i, DType::i64, typeOf(inst.result()).dtype);
}

Value Lowering::iota(const Instruction &inst) {
  return generic(ValueRange{}, {}, typeOf(inst.result()),
                 [&](OpBuilder &b, Location loc, ValueRange) { return iotaElement(b, loc, inst); });
}

Value Lowering::philoxElement(OpBuilder &b, Location loc, const Instruction &inst,
                              ValueRange operands) {
  const AbstractArray &out = typeOf(inst.result());
  Type i32 = b.getI32Type(), i64 = b.getI64Type();
  auto u32 = [&](uint32_t v) -> Value {
    return b.create<arith::ConstantOp>(loc, b.getIntegerAttr(i32, APInt(32, v)));
  };
  auto u64 = [&](uint64_t v) -> Value {
    return b.create<arith::ConstantOp>(loc, b.getIntegerAttr(i64, APInt(64, v)));
  };
  // The element's stream position: counter + its row-major index (wrapping).
  Value position = operands[1];
  int64_t stride = 1;
  for (int64_t d = static_cast<int64_t>(out.shape.rank()) - 1; d >= 0; --d) {
    Value i = b.create<arith::IndexCastOp>(loc, i64, b.create<linalg::IndexOp>(loc, d));
    if (stride != 1)
      i = b.create<arith::MulIOp>(loc, i, u64(static_cast<uint64_t>(stride)));
    position = b.create<arith::AddIOp>(loc, position, i);
    stride *= out.shape[d];
  }
  auto low = [&](Value v) -> Value { return b.create<arith::TruncIOp>(loc, i32, v); };
  auto high = [&](Value v) -> Value {
    return low(b.create<arith::ShRUIOp>(loc, v, u64(32)));
  };
  // Philox4x32-10 (bst/Trace/Philox.h) on the counter {lo, hi, 0, 0}.
  Value ctr[4] = {low(position), high(position), u32(0), u32(0)};
  Value key[2] = {low(operands[0]), high(operands[0])};
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      key[0] = b.create<arith::AddIOp>(loc, key[0], u32(0x9E3779B9u));
      key[1] = b.create<arith::AddIOp>(loc, key[1], u32(0xBB67AE85u));
    }
    auto p0 = b.create<arith::MulUIExtendedOp>(loc, u32(0xD2511F53u), ctr[0]);
    auto p1 = b.create<arith::MulUIExtendedOp>(loc, u32(0xCD9E8D57u), ctr[2]);
    Value next[4] = {
        b.create<arith::XOrIOp>(loc, b.create<arith::XOrIOp>(loc, p1.getHigh(), ctr[1]), key[0]),
        p1.getLow(),
        b.create<arith::XOrIOp>(loc, b.create<arith::XOrIOp>(loc, p0.getHigh(), ctr[3]), key[1]),
        p0.getLow()};
    std::copy(std::begin(next), std::end(next), std::begin(ctr));
  }
  int64_t w = inst.attrs.axis;
  auto pair = [&]() -> Value {
    Value lo = b.create<arith::ExtUIOp>(loc, i64, ctr[2 * w]);
    Value hi = b.create<arith::ExtUIOp>(loc, i64, ctr[2 * w + 1]);
    return b.create<arith::OrIOp>(loc, lo, b.create<arith::ShLIOp>(loc, hi, u64(32)));
  };
  switch (out.dtype) {
  case DType::i32:
    return ctr[w];
  case DType::i64:
    return pair();
  case DType::f32: {
    // The top 24 bits, exactly representable: a multiple of 2^-24 in [0, 1).
    Value bits = b.create<arith::ShRUIOp>(loc, ctr[w], u32(8));
    Value f = b.create<arith::UIToFPOp>(loc, b.getF32Type(), bits);
    return b.create<arith::MulFOp>(
        loc, f, b.create<arith::ConstantOp>(loc, b.getF32FloatAttr(std::ldexp(1.f, -24))));
  }
  case DType::f64: {
    Value bits = b.create<arith::ShRUIOp>(loc, pair(), u64(11));
    Value f = b.create<arith::UIToFPOp>(loc, b.getF64Type(), bits);
    return b.create<arith::MulFOp>(
        loc, f, b.create<arith::ConstantOp>(loc, b.getF64FloatAttr(std::ldexp(1.0, -53))));
  }
  case DType::boolean:
    break;
  }
  llvm_unreachable("philox has no bool form");
}

Value Lowering::philox(const Instruction &inst, ValueRange ins) {
  const AbstractArray &out = typeOf(inst.result());
  AffineMap scalarMap = AffineMap::get(out.shape.rank(), 0, ArrayRef<AffineExpr>{}, &ctx_);
  return generic(ins, {scalarMap, scalarMap}, out, [&](OpBuilder &b, Location loc, ValueRange a) {
    return philoxElement(b, loc, inst, a);
  });
}

Value Lowering::concatenate(const Instruction &inst, ValueRange ins) {
  const AbstractArray &out = typeOf(inst.result());
  Value result = empty(out);
  int64_t offset = 0;
  for (size_t i = 0; i < ins.size(); ++i) {
    const AbstractArray &in = typeOf(inst.operands[i]);
    SmallVector<OpFoldResult> offsets(out.shape.rank(), b_.getIndexAttr(0));
    SmallVector<OpFoldResult> sizes, strides(out.shape.rank(), b_.getIndexAttr(1));
    for (int64_t d : in.shape)
      sizes.push_back(b_.getIndexAttr(d));
    offsets[inst.attrs.axis] = b_.getIndexAttr(offset);
    result = b_.create<tensor::InsertSliceOp>(loc_, ins[i], result, offsets, sizes, strides);
    offset += in.shape[inst.attrs.axis];
  }
  return result;
}

Value Lowering::slice(const Instruction &inst, Value x) {
  const AbstractArray &out = typeOf(inst.result());
  SmallVector<OpFoldResult> offsets, sizes, strides;
  for (size_t d = 0; d < out.shape.rank(); ++d) {
    offsets.push_back(b_.getIndexAttr(inst.attrs.starts[d]));
    sizes.push_back(b_.getIndexAttr(out.shape[d]));
    strides.push_back(b_.getIndexAttr(inst.attrs.strides[d]));
  }
  return b_.create<tensor::ExtractSliceOp>(loc_, tensorType(out), x, offsets, sizes, strides);
}

Value Lowering::clampIndex(OpBuilder &b, Location loc, Value idx, int64_t extent) {
  Value i = b.create<arith::IndexCastOp>(loc, b.getIndexType(), idx);
  Value lo = b.create<arith::ConstantIndexOp>(loc, 0);
  Value hi = b.create<arith::ConstantIndexOp>(loc, std::max<int64_t>(extent - 1, 0));
  return b.create<arith::MinSIOp>(loc, b.create<arith::MaxSIOp>(loc, i, lo), hi);
}

SmallVector<OpFoldResult> Lowering::clampedStarts(ValueRange indices, const Shape &extents,
                                                  ArrayRef<int64_t> sizes) {
  SmallVector<OpFoldResult> starts;
  for (size_t d = 0; d < indices.size(); ++d) {
    Value scalar = b_.create<tensor::ExtractOp>(loc_, indices[d], ValueRange{});
    // Starts are clamped to [0, extent - size] so the slice stays in bounds.
    starts.push_back(clampIndex(b_, loc_, scalar, extents[d] - sizes[d] + 1));
  }
  return starts;
}

Value Lowering::dynamicSlice(const Instruction &inst, ValueRange ins) {
  const AbstractArray &in = typeOf(inst.operands[0]), &out = typeOf(inst.result());
  SmallVector<int64_t> sizes(out.shape.begin(), out.shape.end());
  SmallVector<OpFoldResult> starts = clampedStarts(ins.drop_front(), in.shape, sizes);
  SmallVector<OpFoldResult> sizeAttrs, strides(sizes.size(), b_.getIndexAttr(1));
  for (int64_t s : sizes)
    sizeAttrs.push_back(b_.getIndexAttr(s));
  return b_.create<tensor::ExtractSliceOp>(loc_, tensorType(out), ins[0], starts, sizeAttrs,
                                           strides);
}

Value Lowering::dynamicUpdateSlice(const Instruction &inst, ValueRange ins) {
  const AbstractArray &in = typeOf(inst.operands[0]), &update = typeOf(inst.operands[1]);
  SmallVector<int64_t> sizes(update.shape.begin(), update.shape.end());
  SmallVector<OpFoldResult> starts = clampedStarts(ins.drop_front(2), in.shape, sizes);
  SmallVector<OpFoldResult> sizeAttrs, strides(sizes.size(), b_.getIndexAttr(1));
  for (int64_t s : sizes)
    sizeAttrs.push_back(b_.getIndexAttr(s));
  return b_.create<tensor::InsertSliceOp>(loc_, ins[1], ins[0], starts, sizeAttrs, strides);
}

Value Lowering::gather(const Instruction &inst, Value x, Value indices) {
  const AbstractArray &in = typeOf(inst.operands[0]), &idx = typeOf(inst.operands[1]),
                      &out = typeOf(inst.result());
  int64_t axis = inst.attrs.axis, idxRank = idx.shape.rank();
  SmallVector<AffineExpr> idxExprs;
  for (int64_t k = 0; k < idxRank; ++k)
    idxExprs.push_back(b_.getAffineDimExpr(axis + k));
  AffineMap idxMap = AffineMap::get(out.shape.rank(), 0, idxExprs, &ctx_);
  return generic(ValueRange{indices}, {idxMap}, out, [&](OpBuilder &b, Location loc, ValueRange a) {
    SmallVector<Value> coords;
    for (int64_t d = 0; d < static_cast<int64_t>(in.shape.rank()); ++d) {
      if (d < axis)
        coords.push_back(b.create<linalg::IndexOp>(loc, d));
      else if (d == axis)
        coords.push_back(clampIndex(b, loc, a[0], in.shape[axis]));
      else
        coords.push_back(b.create<linalg::IndexOp>(loc, d + idxRank - 1));
    }
    return b.create<tensor::ExtractOp>(loc, x, coords).getResult();
  });
}

Value Lowering::scatterAdd(const Instruction &inst, Value x, Value indices, Value updates) {
  const AbstractArray &in = typeOf(inst.operands[0]), &idx = typeOf(inst.operands[1]),
                      &upd = typeOf(inst.operands[2]);
  int64_t axis = inst.attrs.axis, idxRank = idx.shape.rank();
  bool fp = isFloat(in.dtype), boolean = in.dtype == DType::boolean;
  // A loop nest over the updates, carrying the result tensor: repeated indices accumulate in
  // order, out-of-range ones are skipped.
  std::function<Value(OpBuilder &, Location, SmallVector<Value> &, Value)> nest =
      [&](OpBuilder &b, Location loc, SmallVector<Value> &ivs, Value acc) -> Value {
    size_t d = ivs.size();
    if (d == upd.shape.rank()) {
      SmallVector<Value> idxCoords(ivs.begin() + axis, ivs.begin() + axis + idxRank);
      Value raw = b.create<tensor::ExtractOp>(loc, indices, idxCoords);
      Value i = b.create<arith::IndexCastOp>(loc, b.getIndexType(), raw);
      Value extent = b.create<arith::ConstantIndexOp>(loc, in.shape[axis]);
      Value inRange = inBounds(b, loc, i, extent);
      auto ifOp = b.create<scf::IfOp>(
          loc, inRange,
          [&](OpBuilder &tb, Location l) {
            SmallVector<Value> coords(ivs.begin(), ivs.begin() + axis);
            coords.push_back(i);
            coords.append(ivs.begin() + axis + idxRank, ivs.end());
            Value u = tb.create<tensor::ExtractOp>(l, updates, ivs);
            Value old = tb.create<tensor::ExtractOp>(l, acc, coords);
            Value sum = boolean ? tb.create<arith::OrIOp>(l, old, u).getResult()
                        : fp    ? tb.create<arith::AddFOp>(l, old, u).getResult()
                                : tb.create<arith::AddIOp>(l, old, u).getResult();
            Value next = tb.create<tensor::InsertOp>(l, sum, acc, coords);
            tb.create<scf::YieldOp>(l, next);
          },
          [&](OpBuilder &eb, Location l) { eb.create<scf::YieldOp>(l, acc); });
      return ifOp.getResult(0);
    }
    Value lb = b.create<arith::ConstantIndexOp>(loc, 0);
    Value ub = b.create<arith::ConstantIndexOp>(loc, upd.shape[d]);
    Value step = b.create<arith::ConstantIndexOp>(loc, 1);
    auto loop = b.create<scf::ForOp>(
        loc, lb, ub, step, ValueRange{acc},
        [&](OpBuilder &lb2, Location l, Value iv, ValueRange iter) {
          ivs.push_back(iv);
          Value r = nest(lb2, l, ivs, iter[0]);
          ivs.pop_back();
          lb2.create<scf::YieldOp>(l, r);
        });
    return loop.getResult(0);
  };
  SmallVector<Value> ivs;
  return nest(b_, loc_, ivs, loopInit(x, in));
}

Value Lowering::loopInit(Value x, const AbstractArray &type) {
  // One-shot bufferization rejects an scf.for whose init is a function argument (or a view of
  // one) when its result is materialized into that argument ("cannot avoid RaW conflict": the
  // loop result is not known to be equivalent to its init before the analysis). The loop then
  // accumulates into a copy; a known limitation: such a state is updated through a temporary.
  Value root = x;
  while (Operation *def = root.getDefiningOp()) {
    if (!isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp, tensor::ExtractSliceOp>(def))
      break;
    root = def->getOperand(0);
  }
  if (!isa<BlockArgument>(root))
    return x;
  return b_.create<linalg::CopyOp>(loc_, x, empty(type)).getResult(0);
}

/// The rank-0 operand of `def` if it is a BroadcastInDim of a scalar, else kNoValue.
static ValueId scalarBroadcastSource(const Instruction *def, const Program &program) {
  if (def && def->kind == OpKind::BroadcastInDim &&
      program.type(def->operands[0]).shape.rank() == 0)
    return def->operands[0];
  return kNoValue;
}

Value Lowering::eventSum(const Instruction &inst) {
  const AbstractArray &out = typeOf(inst.result());
  ValueId spikesId = inst.operands[0], rowPtrId = inst.operands[1], colsId = inst.operands[2],
          weightsId = inst.operands[3];
  Type t = elementType(out.dtype);
  int64_t pre = typeOf(spikesId).shape[0], nnz = typeOf(colsId).shape[0];
  // Weights that are one value broadcast (the usual case) are read as that scalar, so the
  // broadcast is never materialised.
  Value weightScalar;
  if (ValueId scalar = scalarBroadcastSource(definedBy_[weightsId], program_); scalar != kNoValue)
    weightScalar = scalarFromTensor(values_[scalar]);
  Value init;
  if (inst.operands.size() > 4) {
    init = loopInit(values_[inst.operands[4]], out);
  } else {
    Value zero = b_.create<arith::ConstantOp>(loc_, b_.getFloatAttr(t, 0.0));
    init = b_.create<linalg::FillOp>(loc_, zero, empty(out)).getResult(0);
  }
  Value c0 = b_.create<arith::ConstantIndexOp>(loc_, 0);
  Value c1 = b_.create<arith::ConstantIndexOp>(loc_, 1);
  Value preCount = b_.create<arith::ConstantIndexOp>(loc_, pre);
  Value nnzCount = b_.create<arith::ConstantIndexOp>(loc_, nnz);
  Value postCount = b_.create<arith::ConstantIndexOp>(loc_, out.shape[0]);
  auto clampRow = [&](OpBuilder &b, Location loc, Value r) -> Value {
    Value i = b.create<arith::IndexCastOp>(loc, b.getIndexType(), r);
    return b.create<arith::MinSIOp>(loc, b.create<arith::MaxSIOp>(loc, i, c0), nnzCount);
  };
  // Adds row i of the connectivity to the accumulator.
  auto addRow = [&](OpBuilder &tb, Location l, Value i, Value acc) -> Value {
    Value next = tb.create<arith::AddIOp>(l, i, c1);
    Value begin =
        clampRow(tb, l, tb.create<tensor::ExtractOp>(l, values_[rowPtrId], ValueRange{i}));
    Value end =
        clampRow(tb, l, tb.create<tensor::ExtractOp>(l, values_[rowPtrId], ValueRange{next}));
    auto row = tb.create<scf::ForOp>(
        l, begin, end, c1, ValueRange{acc},
        [&](OpBuilder &rb, Location rl, Value j, ValueRange racc) {
          Value col = rb.create<arith::IndexCastOp>(
              rl, rb.getIndexType(),
              rb.create<tensor::ExtractOp>(rl, values_[colsId], ValueRange{j}));
          Value inRange = inBounds(rb, rl, col, postCount);
          auto add = rb.create<scf::IfOp>(
              rl, inRange,
              [&](OpBuilder &ab, Location al) {
                Value w = weightScalar
                              ? weightScalar
                              : ab.create<tensor::ExtractOp>(al, values_[weightsId], ValueRange{j})
                                    .getResult();
                Value old = ab.create<tensor::ExtractOp>(al, racc[0], ValueRange{col});
                Value sum = ab.create<arith::AddFOp>(al, old, w);
                ab.create<scf::YieldOp>(
                    al, ab.create<tensor::InsertOp>(al, sum, racc[0], ValueRange{col}).getResult());
              },
              [&](OpBuilder &eb, Location el) { eb.create<scf::YieldOp>(el, racc[0]); });
          rb.create<scf::YieldOp>(rl, add.getResult(0));
        });
    return row.getResult(0);
  };
  // Spikes are rare: the flags (bytes) are or-ed 64 at a time, a loop LLVM vectorises, and only
  // a block with a spike is scanned flag by flag (about 2 blocks of 63 per CUBA step).
  constexpr int64_t kBlock = 64;
  Value spikes = values_[spikesId];
  Value block = b_.create<arith::ConstantIndexOp>(loc_, kBlock);
  Value noSpike = b_.create<arith::ConstantOp>(loc_, b_.getI8IntegerAttr(0));
  auto loop = b_.create<scf::ForOp>(
      loc_, c0, preCount, block, ValueRange{init},
      [&](OpBuilder &b, Location loc, Value start, ValueRange acc) {
        Value stop = b.create<arith::MinSIOp>(loc, b.create<arith::AddIOp>(loc, start, block),
                                              preCount);
        auto any = b.create<scf::ForOp>(
            loc, start, stop, c1, ValueRange{noSpike},
            [&](OpBuilder &ob, Location ol, Value i, ValueRange bits) {
              Value flag = ob.create<tensor::ExtractOp>(ol, spikes, ValueRange{i});
              ob.create<scf::YieldOp>(ol, ob.create<arith::OrIOp>(ol, bits[0], flag).getResult());
            });
        Value some = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ne, any.getResult(0),
                                             noSpike);
        auto ifBlock = b.create<scf::IfOp>(
            loc, some,
            [&](OpBuilder &bb, Location bl) {
              auto scan = bb.create<scf::ForOp>(
                  bl, start, stop, c1, ValueRange{acc[0]},
                  [&](OpBuilder &sb, Location sl, Value i, ValueRange sacc) {
                    Value spiked = loaded(
                        sb, sl, sb.create<tensor::ExtractOp>(sl, spikes, ValueRange{i}));
                    auto ifOp = sb.create<scf::IfOp>(
                        sl, spiked,
                        [&](OpBuilder &tb, Location l) {
                          tb.create<scf::YieldOp>(l, addRow(tb, l, i, sacc[0]));
                        },
                        [&](OpBuilder &eb, Location l) { eb.create<scf::YieldOp>(l, sacc[0]); });
                    sb.create<scf::YieldOp>(sl, ifOp.getResult(0));
                  });
              bb.create<scf::YieldOp>(bl, scan.getResult(0));
            },
            [&](OpBuilder &eb, Location l) { eb.create<scf::YieldOp>(l, acc[0]); });
        b.create<scf::YieldOp>(loc, ifBlock.getResult(0));
      });
  return loop.getResult(0);
}

Value Lowering::progress(const Instruction &inst, Value step) {
  if (!hostCallbacks_)
    return step;
  ModuleOp module = b_.getInsertionBlock()->getParentOp()->getParentOfType<ModuleOp>();
  auto callee = module.lookupSymbol<func::FuncOp>("bst_progress");
  if (!callee) {
    OpBuilder::InsertionGuard guard(b_);
    b_.setInsertionPointToStart(module.getBody());
    callee = b_.create<func::FuncOp>(
        loc_, "bst_progress", b_.getFunctionType({b_.getI64Type(), b_.getI64Type()}, {}));
    callee.setPrivate();
  }
  Value now = b_.create<tensor::ExtractOp>(loc_, step, ValueRange{});
  Value total = b_.create<arith::ConstantIntOp>(loc_, inst.attrs.count, 64);
  b_.create<func::CallOp>(loc_, callee, ValueRange{now, total});
  return step;
}

Value Lowering::emit(const Instruction &inst) {
  SmallVector<Value> ins;
  for (ValueId v : inst.operands)
    ins.push_back(values_[v]);
  switch (inst.kind) {
  case OpKind::Constant:
    return constant(inst);
  case OpKind::Iota:
    return iota(inst);
  case OpKind::BroadcastInDim:
    return broadcastInDim(inst, ins[0]);
  case OpKind::Reshape:
    return reshape(inst, ins[0]);
  case OpKind::Transpose:
    return transpose(inst, ins[0]);
  case OpKind::Concatenate:
    return concatenate(inst, ins);
  case OpKind::Slice:
    return slice(inst, ins[0]);
  case OpKind::DynamicSlice:
    return dynamicSlice(inst, ins);
  case OpKind::DynamicUpdateSlice:
    return dynamicUpdateSlice(inst, ins);
  case OpKind::Gather:
    return gather(inst, ins[0], ins[1]);
  case OpKind::ScatterAdd:
    return scatterAdd(inst, ins[0], ins[1], ins[2]);
  case OpKind::ReduceSum:
  case OpKind::ReduceMax:
  case OpKind::ReduceMin:
    return reduce(inst, ins[0]);
  case OpKind::ArgMax:
    return argMax(inst, ins[0]);
  case OpKind::MatMul:
    return matmul(inst, ins[0], ins[1]);
  case OpKind::EventSum:
    return eventSum(inst);
  case OpKind::Philox:
    return philox(inst, ins);
  case OpKind::Progress:
    return progress(inst, ins[0]);
  default:
    return elementwise(inst, ins);
  }
}


//===----------------------------------------------------------------------===//
// Fusion
//===----------------------------------------------------------------------===//

/// Every value `inst` reads, including from inside its regions.
void Lowering::collectUses(const Instruction &inst, SmallVectorImpl<ValueId> &out) {
  size_t first = out.size();
  out.append(inst.operands.begin(), inst.operands.end());
  // EventSum reads broadcast weights as their scalar (see eventSum): the broadcast itself is
  // not needed, so it is never materialised.
  if (inst.kind == OpKind::EventSum)
    if (ValueId scalar = scalarBroadcastSource(definedBy_[inst.operands[3]], program_);
        scalar != kNoValue)
      out[first + 3] = scalar;
  for (const Region &r : inst.regions) {
    for (const Instruction &i : r.body)
      collectUses(i, out);
    out.append(r.yields.begin(), r.yields.end());
  }
}

const std::vector<Instruction> &
Lowering::accumulateEventSums(const std::vector<Instruction> &body, ArrayRef<Carry> carries) {
  llvm::DenseMap<ValueId, int> uses;
  llvm::DenseMap<ValueId, size_t> position;
  for (size_t i = 0; i < body.size(); ++i) {
    SmallVector<ValueId> read;
    collectUses(body[i], read);
    for (ValueId v : read)
      ++uses[v];
    for (ValueId r : body[i].results)
      position[r] = i;
  }
  for (const Carry &c : carries)
    ++uses[c.output];
  llvm::DenseMap<size_t, size_t> sumInto; // EventSum's position -> the Add's
  for (size_t i = 0; i < body.size(); ++i) {
    const Instruction &add = body[i];
    if (add.kind != OpKind::Add)
      continue;
    for (int side = 0; side < 2; ++side) {
      ValueId e = add.operands[side], x = add.operands[1 - side];
      auto at = position.find(e);
      if (at == position.end() || body[at->second].kind != OpKind::EventSum ||
          body[at->second].operands.size() != 4 || uses.lookup(e) != 1 ||
          typeOf(e) != typeOf(add.result()) || typeOf(x) != typeOf(add.result()))
        continue;
      sumInto[at->second] = i;
      break;
    }
  }
  if (sumInto.empty())
    return body;
  llvm::DenseMap<size_t, size_t> addOf;
  for (auto [sum, add] : sumInto)
    addOf[add] = sum;
  std::vector<Instruction> &out = rewritten_.emplace_back();
  out.reserve(body.size() - sumInto.size());
  for (size_t i = 0; i < body.size(); ++i) {
    if (sumInto.count(i))
      continue;
    auto sum = addOf.find(i);
    if (sum == addOf.end()) {
      out.push_back(body[i]);
      continue;
    }
    Instruction fused = body[sum->second];
    const Instruction &add = body[i];
    fused.operands.push_back(add.operands[add.operands[0] == fused.result() ? 1 : 0]);
    fused.results = add.results;
    out.push_back(std::move(fused));
  }
  indexDefinitions(out); // the copies define their results (and their regions') now
  return out;
}

void Lowering::indexDefinitions(const std::vector<Instruction> &body) {
  for (const Instruction &inst : body) {
    for (ValueId r : inst.results)
      definedBy_[r] = &inst;
    for (const Region &region : inst.regions)
      indexDefinitions(region.body);
  }
}

Lowering::BlockPlan Lowering::plan(const std::vector<Instruction> &body, ArrayRef<Carry> carries) {
  BlockPlan plan;
  std::vector<int> openGroups; // indices into groups_, open ones
  std::map<std::vector<int64_t>, int> openByShape;
  // The last closed group of each shape, which a later instruction may still join.
  std::map<std::vector<int64_t>, int> closedByShape;
  llvm::DenseMap<int, bool> isOpen;
  llvm::DenseMap<int, int> unitOfGroup;
  auto close = [&](int g) {
    isOpen[g] = false;
    openByShape.erase(groups_[g].shape.toVector());
    closedByShape[groups_[g].shape.toVector()] = g;
    unitOfGroup[g] = static_cast<int>(plan.units.size());
    plan.units.push_back({nullptr, g});
    for (const Instruction *m : groups_[g].members)
      plan.unitOf[m->result()] = static_cast<int>(plan.units.size()) - 1;
  };
  llvm::DenseSet<ValueId> stored;
  for (const Carry &c : carries)
    stored.insert(c.output);
  llvm::DenseSet<ValueId> definedHere;
  for (const Instruction &inst : body)
    definedHere.insert(inst.results.begin(), inst.results.end());
  for (const Instruction &inst : body) {
    // Rank-0 elementwise values are not grouped: a group that reads one recomputes it inline
    // (see emitGroup), so it never needs a buffer of its own -- unless it is stored into a
    // slot or carry, whose buffer the group then writes in place.
    bool fusible = (isElementwise(inst.kind) || inst.kind == OpKind::BroadcastInDim ||
                    inst.kind == OpKind::Iota || inst.kind == OpKind::Philox) &&
                   (typeOf(inst.result()).shape.rank() != 0 || stored.contains(inst.result()));
    int target = -1;
    std::vector<int64_t> shape;
    if (fusible) {
      shape = typeOf(inst.result()).shape.toVector();
      if (auto it = openByShape.find(shape); it != openByShape.end())
        target = it->second;
    }
    // A group whose value is consumed outside it is complete: it is emitted before the consumer.
    SmallVector<ValueId> uses;
    collectUses(inst, uses);
    // With no open group of its shape, an elementwise instruction joins the last closed one if
    // everything it reads is computed before that group (or in it): `ge * decay` traced after
    // the spikes were sliced still fuses into the neuron update, one pass instead of two.
    if (fusible && target < 0) {
      auto closed = closedByShape.find(shape);
      int candidate = closed == closedByShape.end() ? -1 : closed->second;
      auto availableBefore = [&](ValueId v) {
        if (groupOf_[v] == candidate || isScalarConstant(program_, v, definedBy_))
          return true;
        if (!definedHere.contains(v))
          return true; // a parameter of the block or a value from outside it
        auto unit = plan.unitOf.find(v);
        // (A rank-0 elementwise single is not emitted but recomputed where it is read.)
        bool inlinedScalar = groupOf_[v] < 0 && isElementwise(definedBy_[v]->kind);
        return unit != plan.unitOf.end() && unit->second < unitOfGroup.lookup(candidate) &&
               !inlinedScalar;
      };
      if (candidate >= 0 && llvm::all_of(uses, availableBefore)) {
        groups_[candidate].members.push_back(&inst);
        groupOf_[inst.result()] = candidate;
        plan.unitOf[inst.result()] = unitOfGroup.lookup(candidate);
        continue;
      }
    }
    for (ValueId v : uses)
      if (int g = groupOf_[v]; g >= 0 && isOpen.lookup(g) && g != target)
        close(g);
    if (!fusible) {
      plan.units.push_back({&inst, -1});
      for (ValueId r : inst.results)
        plan.unitOf[r] = static_cast<int>(plan.units.size()) - 1;
      continue;
    }
    if (target < 0) {
      target = static_cast<int>(groups_.size());
      groups_.push_back({typeOf(inst.result()).shape, {}});
      openGroups.push_back(target);
      isOpen[target] = true;
      openByShape[shape] = target;
    }
    groups_[target].members.push_back(&inst);
    groupOf_[inst.result()] = target;
  }
  for (int g : openGroups)
    if (isOpen.lookup(g))
      close(g);

  for (size_t u = 0; u < plan.units.size(); ++u) {
    SmallVector<ValueId> uses;
    if (plan.units[u].single)
      collectUses(*plan.units[u].single, uses);
    else
      for (const Instruction *m : groups_[plan.units[u].group].members)
        collectUses(*m, uses);
    for (ValueId v : uses)
      plan.users[v].push_back(static_cast<int>(u));
  }
  for (size_t k = 0; k < carries.size(); ++k)
    if (carries[k].output != kNoValue)
      plan.storing[carries[k].output].push_back(k);
  chooseDestinations(plan, carries);
  return plan;
}

void Lowering::chooseDestinations(BlockPlan &plan, ArrayRef<Carry> carries) {
  // A unit computes a carry's new value straight into the carry's buffer (in place, no copy)
  // unless the buffer's old value is still needed afterwards. A group may read the old value
  // itself (elementwise, at the index it writes); a single unit (a matmul, a reduction, a
  // gather...) reads other indices than it writes, so it must not read it at all.
  for (size_t k = 0; k < carries.size(); ++k) {
    ValueId w = carries[k].output;
    if (w == kNoValue || plan.destination.count(w) || plan.wanted.count(w) ||
        !plan.unitOf.count(w))
      continue;
    int unit = plan.unitOf.lookup(w);
    bool single = groupOf_[w] < 0;
    if (single && isControlFlow(definedBy_[w]->kind))
      continue;
    // An EventSum accumulating into x (accumulateEventSums) updates x's buffer in place: x's
    // group, if x is read nowhere else, computes x into the carry's buffer instead.
    if (const Instruction *def = definedBy_[w];
        single && def->kind == OpKind::EventSum && def->operands.size() > 4) {
      ValueId x = def->operands[4];
      if (groupOf_[x] < 0 || !plan.unitOf.count(x) || plan.users.lookup(x).size() != 1 ||
          plan.storing.count(x) || plan.destination.count(x))
        continue;
      w = x;
      unit = plan.unitOf.lookup(x);
      single = false;
    }
    ValueId old = carries[k].input;
    bool safe = true;
    if (old != kNoValue) {
      for (int user : plan.users.lookup(old))
        safe &= single ? user < unit : user <= unit;
      if (!single)
        for (const Instruction *m : groups_[groupOf_[w]].members)
          safe &= !(m->kind == OpKind::BroadcastInDim && m->operands[0] == old);
      for (size_t j : plan.storing.lookup(old))
        safe &= j == k;
    }
    if (safe)
      (single ? plan.wanted : plan.destination)[w] = carries[k].dest;
  }
}

/// Makes the ops computing `v` write it into `dest` when they are destination-passing ops emitted
/// after `prev` in `block` whose chain of tied inits starts at a tensor.empty used only there
/// (a fill and a matmul or reduction, a gather's generic, a concatenation's insert_slices): the
/// tensor.empty is replaced by `dest`. Returns false, changing nothing, otherwise.
static bool computeInto(Value v, Value dest, Block *block, Operation *prev) {
  auto emittedHere = [&](Operation *op) {
    return op && op->getBlock() == block && (!prev || prev->isBeforeInBlock(op));
  };
  for (Value current = v;;) {
    Operation *op = current.getDefiningOp();
    if (!emittedHere(op) || (current != v && !current.hasOneUse()))
      return false;
    if (auto e = dyn_cast<tensor::EmptyOp>(op)) {
      if (current == v || e.getType() != dest.getType())
        return false;
      e.replaceAllUsesWith(dest);
      e.erase();
      return true;
    }
    auto dps = dyn_cast<DestinationStyleOpInterface>(op);
    OpOperand *init = dps ? dps.getTiedOpOperand(cast<OpResult>(current)) : nullptr;
    if (!init)
      return false;
    current = init->get();
  }
}

void Lowering::emitSingle(BlockPlan &plan, const Instruction &inst) {
  Block *block = b_.getInsertionBlock();
  Block::iterator at = b_.getInsertionPoint();
  Operation *prev = at == block->begin() ? nullptr : &*std::prev(at);
  ValueId r = inst.result();
  values_[r] = emit(inst);
  if (Value dest = plan.wanted.lookup(r); dest && computeInto(values_[r], dest, block, prev))
    plan.destination[r] = dest;
}

bool Lowering::isInlinedScalar(const BlockPlan &plan, const Instruction &inst) {
  if (!isElementwise(inst.kind) || typeOf(inst.result()).shape.rank() != 0 ||
      plan.storing.count(inst.result()))
    return false;
  SmallVector<int> users = plan.users.lookup(inst.result());
  return !users.empty() && llvm::all_of(users, [&](int u) { return plan.units[u].group >= 0; });
}

Lowering::BlockPlan Lowering::emitBlock(const std::vector<Instruction> &body,
                                        ArrayRef<Carry> carries) {
  BlockPlan p = plan(accumulateEventSums(body, carries), carries);
  for (const Unit &unit : p.units) {
    if (unit.group >= 0)
      emitGroup(p, groups_[unit.group], unit.group);
    else if (isControlFlow(unit.single->kind))
      emitControlFlow(*unit.single);
    else if (!isInlinedScalar(p, *unit.single))
      emitSingle(p, *unit.single);
  }
  return p;
}

void Lowering::emitControlFlow(const Instruction &inst) {
  SmallVector<Value> inits;
  SmallVector<Type> types;
  for (ValueId r : inst.results)
    types.push_back(tensorType(typeOf(r)));
  auto yieldOf = [&](const Region &r) {
    SmallVector<Value> out;
    for (ValueId v : r.yields)
      out.push_back(values_[v]);
    return out;
  };
  // A region's yields, as carries without a buffer of their own (so they are emitted).
  auto yieldsOf = [](const Region &r) {
    SmallVector<Carry> out;
    for (ValueId v : r.yields)
      out.push_back({kNoValue, v, Value()});
    return out;
  };
  // Runs `build` with b_ inserting at the end of `block`.
  auto inBlock = [&](Block *block, const std::function<void()> &build) {
    OpBuilder::InsertionGuard guard(b_);
    b_.setInsertionPointToEnd(block);
    build();
  };
  switch (inst.kind) {
  case OpKind::ForLoop: {
    for (size_t j = 0; j < inst.operands.size(); ++j)
      inits.push_back(values_[inst.operands[j]]);
    const Region &region = inst.regions[0];
    Value lb = b_.create<arith::ConstantIndexOp>(loc_, 0);
    Value ub = b_.create<arith::ConstantIndexOp>(loc_, inst.attrs.count);
    Value step = b_.create<arith::ConstantIndexOp>(loc_, 1);
    auto loop = b_.create<scf::ForOp>(loc_, lb, ub, step, inits);
    Block *body = loop.getBody();
    if (!body->empty() && body->back().hasTrait<OpTrait::IsTerminator>())
      body->back().erase();
    inBlock(body, [&] {
      Value i = b_.create<arith::IndexCastOp>(loc_, b_.getI64Type(), loop.getInductionVar());
      values_[region.params[0]] = b_.create<tensor::FromElementsOp>(
          loc_, RankedTensorType::get({}, b_.getI64Type()), ValueRange{i});
      SmallVector<Carry> carries;
      for (size_t j = 0; j < inits.size(); ++j) {
        Value arg = loop.getRegionIterArgs()[j];
        values_[region.params[j + 1]] = arg;
        carries.push_back({region.params[j + 1], region.yields[j], arg});
      }
      emitBlock(region.body, carries);
      b_.create<scf::YieldOp>(loc_, yieldOf(region));
    });
    for (size_t j = 0; j < inst.results.size(); ++j)
      values_[inst.results[j]] = loop.getResult(j);
    return;
  }
  case OpKind::WhileLoop: {
    for (ValueId v : inst.operands)
      inits.push_back(values_[v]);
    auto loop = b_.create<scf::WhileOp>(loc_, types, inits, nullptr, nullptr);
    const Region &cond = inst.regions[0], &body = inst.regions[1];
    // The builder made both blocks, with one argument per carry.
    Block *before = loop.getBeforeBody();
    Block *after = loop.getAfterBody();
    inBlock(before, [&] {
      for (size_t j = 0; j < types.size(); ++j)
        values_[cond.params[j]] = before->getArgument(j);
      emitBlock(cond.body, yieldsOf(cond));
      b_.create<scf::ConditionOp>(loc_, scalarFromTensor(values_[cond.yields[0]]),
                                  before->getArguments());
    });
    inBlock(after, [&] {
      SmallVector<Carry> carries;
      for (size_t j = 0; j < types.size(); ++j) {
        values_[body.params[j]] = after->getArgument(j);
        carries.push_back({body.params[j], body.yields[j], after->getArgument(j)});
      }
      emitBlock(body.body, carries);
      b_.create<scf::YieldOp>(loc_, yieldOf(body));
    });
    for (size_t j = 0; j < inst.results.size(); ++j)
      values_[inst.results[j]] = loop.getResult(j);
    return;
  }
  case OpKind::Switch: {
    int64_t branches = static_cast<int64_t>(inst.regions.size());
    Value index = b_.create<arith::IndexCastOp>(loc_, b_.getIndexType(),
                                                scalarFromTensor(values_[inst.operands[0]]));
    Value lo = b_.create<arith::ConstantIndexOp>(loc_, 0);
    Value hi = b_.create<arith::ConstantIndexOp>(loc_, branches - 1);
    index = b_.create<arith::MinSIOp>(loc_, b_.create<arith::MaxSIOp>(loc_, index, lo), hi);
    SmallVector<int64_t> cases;
    for (int64_t c = 0; c + 1 < branches; ++c)
      cases.push_back(c);
    auto sw = b_.create<scf::IndexSwitchOp>(loc_, types, index, cases, cases.size());
    for (int64_t c = 0; c < branches; ++c) {
      mlir::Region &target = c + 1 < branches ? sw.getCaseRegions()[c] : sw.getDefaultRegion();
      Block *block = new Block(); // (createBlock would move b_'s insertion point)
      target.push_back(block);
      inBlock(block, [&] {
        // A branch computes each carry's new value into the carry's value from before the
        // switch (destination-passing style), so bufferization can update it in place.
        SmallVector<Carry> carries;
        for (size_t j = 0; j < inst.results.size(); ++j)
          carries.push_back({inst.operands[j + 1], inst.regions[c].yields[j],
                             values_[inst.operands[j + 1]]});
        emitBlock(inst.regions[c].body, carries);
        b_.create<scf::YieldOp>(loc_, yieldOf(inst.regions[c]));
      });
    }
    for (size_t j = 0; j < inst.results.size(); ++j)
      values_[inst.results[j]] = sw.getResult(j);
    return;
  }
  default:
    llvm_unreachable("not a control-flow primitive");
  }
}

/// The scalar element of a one-element array as an arith.constant.
static Value constantElement(OpBuilder &b, Location loc, const Array &a, Type t) {
  switch (a.dtype()) {
  case DType::f32:
    return b.create<arith::ConstantOp>(loc, b.getFloatAttr(t, a.data<float>()[0]));
  case DType::f64:
    return b.create<arith::ConstantOp>(loc, b.getFloatAttr(t, a.data<double>()[0]));
  case DType::i32:
    return b.create<arith::ConstantOp>(loc, b.getIntegerAttr(t, a.data<int32_t>()[0]));
  case DType::i64:
    return b.create<arith::ConstantOp>(loc, b.getIntegerAttr(t, a.data<int64_t>()[0]));
  case DType::boolean:
    return b.create<arith::ConstantOp>(loc, b.getIntegerAttr(t, a.data<bool>()[0] ? 1 : 0));
  }
  llvm_unreachable("unknown dtype");
}

void Lowering::emitGroup(const BlockPlan &plan, const Group &group, int groupIndex) {
  unsigned rank = group.shape.rank();
  AffineMap identity = b_.getMultiDimIdentityMap(rank);
  const std::vector<const Instruction *> &definedBy = definedBy_;
  int unit = plan.unitOf.lookup(group.members.front()->result());

  // Inputs: values from outside the group, each with the map it is read through.
  SmallVector<Value> ins;
  SmallVector<AffineMap> maps;
  SmallVector<std::pair<ValueId, AffineMap>> inputKeys;
  AffineMap scalarMap = AffineMap::get(rank, 0, ArrayRef<AffineExpr>{}, &ctx_);
  auto inputMap = [&](const Instruction &m) {
    return m.kind == OpKind::BroadcastInDim ? broadcastMap(m)
           : m.kind == OpKind::Philox       ? scalarMap // key and counter scalars
                                            : identity;
  };
  // A rank-0 elementwise value with no tensor of its own is recomputed inside the body.
  auto inlined = [&](ValueId v) {
    return !values_[v] && definedBy[v] && isElementwise(definedBy[v]->kind) &&
           typeOf(v).shape.rank() == 0;
  };
  std::function<void(ValueId, AffineMap)> addInput = [&](ValueId v, AffineMap map) {
    if (groupOf_[v] == groupIndex || isScalarConstant(program_, v, definedBy))
      return;
    if (inlined(v)) {
      for (ValueId operand : definedBy[v]->operands)
        addInput(operand, scalarMap);
      return;
    }
    std::pair<ValueId, AffineMap> key{v, map};
    if (llvm::is_contained(inputKeys, key))
      return;
    inputKeys.push_back(key);
    ins.push_back(values_[v]);
    maps.push_back(map);
  };
  for (const Instruction *m : group.members)
    for (ValueId v : m->operands)
      addInput(v, inputMap(*m));
  // Outputs: member values read by another unit or stored into a slot.
  SmallVector<ValueId> outputs;
  SmallVector<Value> outs;
  SmallVector<Type> outTypes;
  for (const Instruction *m : group.members) {
    ValueId r = m->result();
    bool usedOutside = plan.storing.count(r) ||
                       llvm::any_of(plan.users.lookup(r), [&](int u) { return u != unit; });
    if (!usedOutside)
      continue;
    outputs.push_back(r);
    Value dest = plan.destination.lookup(r);
    outs.push_back(dest ? dest : empty(typeOf(r)));
    outTypes.push_back(tensorType(typeOf(r)));
    maps.push_back(identity);
  }
  if (outputs.empty())
    return; // nothing reads it (a broadcast only EventSum used, read as its scalar)
  // An input that is also an output's destination (a slot's old value, updated in place) is read
  // through that output's block argument, which holds it. With ins(%slot) outs(%slot), MLIR 19's
  // canonicalizer erases the op, its write included, once the body folds to a constant
  // (EraseIdentityLinalgOp compares the buffers, not what the body yields).
  SmallVector<Value> keptIns;
  SmallVector<AffineMap> keptMaps;
  SmallVector<std::pair<bool, size_t>> source; // per input: (read from an output?, index)
  for (size_t k = 0; k < ins.size(); ++k) {
    const auto *out = llvm::find(outs, ins[k]);
    if (out != outs.end() && maps[k] == identity) {
      source.push_back({true, static_cast<size_t>(out - outs.begin())});
      continue;
    }
    source.push_back({false, keptIns.size()});
    keptIns.push_back(ins[k]);
    keptMaps.push_back(maps[k]);
  }
  keptMaps.append(maps.begin() + ins.size(), maps.end());
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  auto op = b_.create<linalg::GenericOp>(
      loc_, outTypes, keptIns, outs, keptMaps, iterators,
      [&](OpBuilder &b, Location loc, ValueRange args) {
        llvm::DenseMap<ValueId, Value> scalar;
        std::function<Value(ValueId, AffineMap)> get = [&](ValueId v, AffineMap map) -> Value {
          if (groupOf_[v] == groupIndex)
            return scalar.lookup(v);
          if (Value known = scalar.lookup(v))
            return known;
          if (isScalarConstant(program_, v, definedBy))
            return scalar[v] = constantElement(b, loc, definedBy[v]->attrs.constant,
                                               elementType(typeOf(v).dtype));
          if (inlined(v)) {
            SmallVector<Value> operands;
            for (ValueId operand : definedBy[v]->operands)
              operands.push_back(get(operand, scalarMap));
            return scalar[v] = scalarOp(b, loc, *definedBy[v], operands);
          }
          std::pair<ValueId, AffineMap> key{v, map};
          auto [fromOutput, index] = source[llvm::find(inputKeys, key) - inputKeys.begin()];
          return loaded(b, loc, args[fromOutput ? keptIns.size() + index : index]);
        };
        for (const Instruction *m : group.members) {
          SmallVector<Value> operands;
          for (ValueId v : m->operands)
            operands.push_back(get(v, inputMap(*m)));
          scalar[m->result()] = m->kind == OpKind::BroadcastInDim ? operands[0]
                                : m->kind == OpKind::Iota         ? iotaElement(b, loc, *m)
                                : m->kind == OpKind::Philox ? philoxElement(b, loc, *m, operands)
                                                                  : scalarOp(b, loc, *m, operands);
        }
        SmallVector<Value> yields;
        for (ValueId r : outputs)
          yields.push_back(stored(b, loc, scalar.lookup(r)));
        b.create<linalg::YieldOp>(loc, yields);
      });
  for (size_t i = 0; i < outputs.size(); ++i)
    values_[outputs[i]] = op.getResult(i);
}

OwningOpRef<ModuleOp> Lowering::run(StringRef name) {
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc_);
  b_.setInsertionPointToEnd(module->getBody());
  const std::vector<Slot> &slots = program_.slots();
  SmallVector<Type> argTypes, resultTypes;
  for (const Slot &s : slots) {
    argTypes.push_back(tensorType(s.type));
    if (s.output != kNoValue)
      resultTypes.push_back(tensorType(s.type));
  }
  auto func = b_.create<func::FuncOp>(loc_, name, b_.getFunctionType(argTypes, resultTypes));
  for (size_t i = 0; i < slots.size(); ++i) {
    const Slot &s = slots[i];
    bool written = s.output != kNoValue;
    func.setArgAttr(i, "bufferization.writable", b_.getBoolAttr(written));
    func.setArgAttr(i, "bst.slot", b_.getStringAttr(s.name));
    func.setArgAttr(i, "bst.role", b_.getStringAttr(slotRoleName(s.role)));
    if (!s.stateKind.empty())
      func.setArgAttr(i, "bst.kind", b_.getStringAttr(s.stateKind));
    // Buffers are 64-byte aligned, and a written slot never aliases another (copy-on-write).
    func.setArgAttr(i, "llvm.noalias", b_.getUnitAttr());
    func.setArgAttr(i, "llvm.align", b_.getI64IntegerAttr(kArrayAlignment));
  }
  Block *entry = func.addEntryBlock();
  b_.setInsertionPointToStart(entry);
  values_.assign(program_.numValues(), Value());
  groupOf_.assign(program_.numValues(), -1);
  definedBy_.assign(program_.numValues(), nullptr);
  indexDefinitions(program_.instructions());
  SmallVector<Carry> carries;
  for (size_t i = 0; i < slots.size(); ++i) {
    if (slots[i].input != kNoValue)
      values_[slots[i].input] = entry->getArgument(i);
    if (slots[i].output != kNoValue)
      carries.push_back({slots[i].input, slots[i].output, entry->getArgument(i)});
  }
  BlockPlan top = emitBlock(program_.instructions(), carries);
  // A value that is another written slot's old contents (a swap of two states) is copied before
  // any slot is overwritten.
  SmallVector<Value> stored(slots.size());
  SmallVector<int64_t> resultSlots;
  SmallVector<Value> results;
  for (size_t i = 0; i < slots.size(); ++i) {
    if (slots[i].output == kNoValue)
      continue;
    stored[i] = values_[slots[i].output];
    if (llvm::any_of(slots, [&](const Slot &other) {
          return &other != &slots[i] && other.input == slots[i].output &&
                 other.output != kNoValue && other.output != other.input;
        }))
      stored[i] = b_.create<bufferization::AllocTensorOp>(loc_, tensorType(slots[i].type),
                                                          ValueRange{}, stored[i]);
  }
  // Copies into other slots come before the materialization of a value in its own slot (a no-op
  // once in place), which bufferization counts as a write of that buffer.
  SmallVector<size_t> order;
  for (size_t i = 0; i < slots.size(); ++i)
    if (stored[i] && top.destination.lookup(slots[i].output) != entry->getArgument(i))
      order.push_back(i);
  for (size_t i = 0; i < slots.size(); ++i)
    if (stored[i] && top.destination.lookup(slots[i].output) == entry->getArgument(i))
      order.push_back(i);
  for (size_t i : order) {
    resultSlots.push_back(static_cast<int64_t>(i));
    Operation *def = stored[i].getDefiningOp();
    if (isa_and_nonnull<scf::ForOp, scf::WhileOp, scf::IfOp, scf::IndexSwitchOp>(def)) {
      // A loop or branch result (a control-flow primitive's, an eventSum's or a scatterAdd's
      // loop) is returned as it is: bufferization keeps it in the slot's buffer when it can,
      // and bst-results-to-slots copies it there when it could not.
      // (materialize_in_destination of an scf.for result conflicts with the loop's in-place
      // update of the same buffer in MLIR 19.)
      results.push_back(stored[i]);
      continue;
    }
    results.push_back(b_.create<bufferization::MaterializeInDestinationOp>(
                            loc_, stored[i], entry->getArgument(i))
                          .getResult());
  }
  func->setAttr("bst.result_slots", b_.getDenseI64ArrayAttr(resultSlots));
  SmallVector<Type> returnTypes;
  for (Value r : results)
    returnTypes.push_back(r.getType());
  func.setFunctionType(b_.getFunctionType(argTypes, returnTypes));
  b_.create<func::ReturnOp>(loc_, results);
  return module;
}

} // namespace

OwningOpRef<ModuleOp> buildModule(MLIRContext &ctx, const Program &program, StringRef name,
                                  bool hostCallbacks) {
  return Lowering(ctx, program, hostCallbacks).run(name);
}

} // namespace bst::compiler::detail
