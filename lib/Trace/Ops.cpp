//===- Ops.cpp - The public tensor operations -----------------------------===//
//
// Every function here checks its arguments in the user's terms, broadcasts and
// promotes, and emits primitives through detail::apply only: never evaluate(),
// so tracing works unchanged. Checks come before the first primitive is
// emitted, so a failing call records nothing.
//
//===----------------------------------------------------------------------===//
#include "bst/Trace/Ops.h"

#include "bst/Trace/Apply.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace bst {

using detail::Operand;
using detail::WeakScalar;

namespace {

[[noreturn]] void fail(const std::string &op, const std::string &message) {
  throw Error(ErrorCode::InvalidArgument, absl::StrCat(op, ": ", message));
}

std::string typeStr(const Tensor &t) { return t.abstract().toString(); }

std::string listStr(const std::vector<int64_t> &v) {
  return absl::StrCat("[", absl::StrJoin(v, ","), "]");
}

/// The name of the public function that emits `kind` as a binary op.
std::string publicName(OpKind kind) {
  if (kind == OpKind::And)
    return "logicalAnd";
  if (kind == OpKind::Or)
    return "logicalOr";
  return opName(kind);
}

//===----------------------------------------------------------------------===//
// Dtype promotion and weak scalars
//===----------------------------------------------------------------------===//

/// Position in the promotion order bool < i32 < i64 < f32 < f64.
int promotionRank(DType d) {
  switch (d) {
  case DType::boolean:
    return 0;
  case DType::i32:
    return 1;
  case DType::i64:
    return 2;
  case DType::f32:
    return 3;
  case DType::f64:
    return 4;
  }
  return 0;
}

DType promote(DType a, DType b) {
  return promotionRank(a) >= promotionRank(b) ? a : b;
}

/// The dtype a tensor of dtype `t` and a weak scalar of kind `k` compute in.
DType weakDType(DType t, WeakScalar::Kind k) {
  if (isFloating(t))
    return t;
  if (k == WeakScalar::Kind::Float)
    return DType::f32;
  if (t == DType::boolean && k == WeakScalar::Kind::Int)
    return DType::i32;
  return t;
}

/// The dtype of a weak scalar that meets no tensor.
DType weakAlone(WeakScalar::Kind k) {
  switch (k) {
  case WeakScalar::Kind::Bool:
    return DType::boolean;
  case WeakScalar::Kind::Int:
    return DType::i32;
  case WeakScalar::Kind::Float:
    return DType::f32;
  }
  return DType::f32;
}

std::string scalarStr(const WeakScalar &s) {
  switch (s.kind) {
  case WeakScalar::Kind::Bool:
    return s.intValue ? "scalar true" : "scalar false";
  case WeakScalar::Kind::Int:
    return absl::StrCat("scalar ", s.intValue);
  case WeakScalar::Kind::Float:
    return absl::StrCat("scalar ", s.floatValue);
  }
  return "scalar";
}

std::string operandStr(const Operand &o) {
  return o.isScalar() ? scalarStr(o.scalar) : typeStr(o.tensor());
}

/// "f32[4] and f32[3]", "bool[4], f32[4] and scalar 0".
std::string joinOperands(const std::vector<std::string> &parts) {
  if (parts.size() <= 1)
    return parts.empty() ? "" : parts[0];
  std::vector<std::string> head(parts.begin(), parts.end() - 1);
  return absl::StrCat(absl::StrJoin(head, ", "), " and ", parts.back());
}

template <class Int>
Int checkedInteger(const std::string &op, const WeakScalar &s, DType dtype) {
  constexpr auto lo = std::numeric_limits<Int>::min();
  constexpr auto hi = std::numeric_limits<Int>::max();
  if (s.kind != WeakScalar::Kind::Float) {
    if (s.intValue < lo || s.intValue > hi)
      fail(op, absl::StrCat("the scalar ", s.intValue, " does not fit ",
                            dtypeName(dtype),
                            "; use a wider dtype (i64) or a "
                            "smaller value"));
    return static_cast<Int>(s.intValue);
  }
  double v = s.floatValue;
  // Written so that NaN fails the test too.
  if (!(v > static_cast<double>(lo) - 1.0 && v < static_cast<double>(hi) + 1.0))
    fail(op, absl::StrCat("the scalar ", v, " cannot be represented as ",
                          dtypeName(dtype),
                          "; use a floating dtype or a value in range"));
  return static_cast<Int>(v);
}

/// The rank-0 array of `dtype` holding weak scalar `s`.
Array scalarArray(const std::string &op, const WeakScalar &s, DType dtype) {
  double asDouble = s.kind == WeakScalar::Kind::Float
                        ? s.floatValue
                        : static_cast<double>(s.intValue);
  switch (dtype) {
  case DType::f32:
    return Array::scalar<float>(s.kind == WeakScalar::Kind::Float
                                    ? static_cast<float>(s.floatValue)
                                    : static_cast<float>(s.intValue));
  case DType::f64:
    return Array::scalar<double>(asDouble);
  case DType::i32:
    return Array::scalar<int32_t>(checkedInteger<int32_t>(op, s, dtype));
  case DType::i64:
    return Array::scalar<int64_t>(checkedInteger<int64_t>(op, s, dtype));
  case DType::boolean:
    return Array::scalar<bool>(asDouble != 0.0);
  }
  throw Error(ErrorCode::Internal, "scalarArray: unknown dtype");
}

Tensor constantOf(Array value) {
  OpAttrs attrs;
  attrs.constant = std::move(value);
  return detail::apply(OpKind::Constant, {}, attrs);
}

Tensor castTo(const Tensor &x, DType dtype) {
  if (x.dtype() == dtype)
    return x;
  OpAttrs attrs;
  attrs.dtype = dtype;
  return detail::apply(OpKind::Cast, {x}, attrs);
}

//===----------------------------------------------------------------------===//
// Broadcasting
//===----------------------------------------------------------------------===//

/// The NumPy broadcast of `a` and `b`, or nullopt-like failure reported through
/// `ok`.
bool broadcastShapes(const Shape &a, const Shape &b, Shape &result,
                     std::string &why) {
  size_t rank = std::max(a.rank(), b.rank());
  std::vector<int64_t> dims(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < a.rank() ? a[a.rank() - 1 - i] : 1;
    int64_t db = i < b.rank() ? b[b.rank() - 1 - i] : 1;
    if (da != db && da != 1 && db != 1) {
      why = absl::StrCat("axis -", i + 1, " has extents ", da, " and ", db,
                         " and neither is 1");
      return false;
    }
    dims[rank - 1 - i] = da == 1 ? db : da;
  }
  result = Shape(dims);
  return true;
}

/// x broadcast to `shape`, which must be a valid NumPy broadcast target of x's
/// shape.
Tensor expandTo(const Tensor &x, const Shape &shape) {
  if (x.shape() == shape)
    return x;
  OpAttrs attrs;
  attrs.shape = shape.toVector();
  size_t offset = shape.rank() - x.rank();
  for (size_t i = 0; i < x.rank(); ++i)
    attrs.axes.push_back(static_cast<int64_t>(offset + i));
  return detail::apply(OpKind::BroadcastInDim, {x}, attrs);
}

/// The common dtype and shape of some operands, computed before anything is
/// emitted.
struct Plan {
  DType dtype = DType::f32;
  Shape shape;
};

/// Promotes the dtypes of `ops` (tensors strongly, scalars weakly) and
/// broadcasts the shapes of `ops` and `shapeOnly` together. Throws naming `op`
/// and every operand on a shape mismatch.
Plan plan(const std::string &op, const std::vector<const Operand *> &ops,
          const std::vector<const Tensor *> &shapeOnly = {}) {
  Plan p;
  bool haveTensor = false;
  for (const Operand *o : ops) {
    if (o->isScalar())
      continue;
    p.dtype = haveTensor ? promote(p.dtype, o->tensor().dtype())
                         : o->tensor().dtype();
    haveTensor = true;
  }
  bool haveAny = haveTensor;
  for (const Operand *o : ops) {
    if (!o->isScalar())
      continue;
    if (haveAny) {
      p.dtype = weakDType(p.dtype, o->scalar.kind);
      continue;
    }
    p.dtype = weakAlone(o->scalar.kind);
    haveAny = true;
  }
  std::vector<const Tensor *> shaped(shapeOnly);
  for (const Operand *o : ops)
    if (!o->isScalar())
      shaped.push_back(&o->tensor());
  for (const Tensor *t : shaped) {
    std::string why;
    if (!broadcastShapes(p.shape, t->shape(), p.shape, why)) {
      std::vector<std::string> parts;
      for (const Tensor *s : shapeOnly)
        parts.push_back(typeStr(*s));
      for (const Operand *o : ops)
        parts.push_back(operandStr(*o));
      fail(op, absl::StrCat("cannot broadcast ", joinOperands(parts), ": ", why,
                            "; make trailing extents equal or 1 (NumPy "
                            "broadcasting), e.g. with reshape or broadcastTo"));
    }
  }
  return p;
}

/// Materialises `o` with the planned dtype and shape.
Tensor realize(const std::string &op, const Operand &o, const Plan &p) {
  Tensor t = o.isScalar() ? constantOf(scalarArray(op, o.scalar, p.dtype))
                          : castTo(o.tensor(), p.dtype);
  return expandTo(t, p.shape);
}

//===----------------------------------------------------------------------===//
// Axes
//===----------------------------------------------------------------------===//

int64_t normalizeAxis(const std::string &op, int64_t axis, const Tensor &x) {
  int64_t rank = static_cast<int64_t>(x.rank());
  if (axis < -rank || axis >= rank)
    fail(op,
         rank == 0
             ? absl::StrCat("axis ", axis, " is out of range for ", typeStr(x),
                            ", which has no axes; reshape it to rank 1 "
                            "first")
             : absl::StrCat("axis ", axis, " is out of range for ", typeStr(x),
                            " (rank ", rank, "); use an axis in [", -rank, ", ",
                            rank, ")"));
  return axis < 0 ? axis + rank : axis;
}

/// Sorted, unique, non-negative axes.
std::vector<int64_t> normalizeAxes(const std::string &op, const Axes &axes,
                                   const Tensor &x) {
  std::vector<int64_t> result;
  if (axes.all()) {
    for (size_t d = 0; d < x.rank(); ++d)
      result.push_back(static_cast<int64_t>(d));
    return result;
  }
  for (int64_t a : axes.list())
    result.push_back(normalizeAxis(op, a, x));
  std::sort(result.begin(), result.end());
  if (std::adjacent_find(result.begin(), result.end()) != result.end())
    fail(op, absl::StrCat("axes ", listStr(axes.list()), " name an axis of ",
                          typeStr(x), " twice; list each axis once"));
  return result;
}

Tensor reshapeTo(const Tensor &x, std::vector<int64_t> shape) {
  if (x.shape().toVector() == shape)
    return x;
  OpAttrs attrs;
  attrs.shape = std::move(shape);
  return detail::apply(OpKind::Reshape, {x}, attrs);
}

/// The shape of a reduction of `x` over `axes` with keepDims: reduced extents
/// become 1.
std::vector<int64_t> keptShape(const Tensor &x,
                               const std::vector<int64_t> &axes) {
  std::vector<int64_t> dims = x.shape().toVector();
  for (int64_t a : axes)
    dims[a] = 1;
  return dims;
}

Tensor reduce(OpKind kind, const std::string &op, const Tensor &x,
              const Axes &axes, bool keepDims) {
  std::vector<int64_t> list = normalizeAxes(op, axes, x);
  if (kind != OpKind::ReduceSum)
    for (int64_t a : list)
      if (x.shape()[a] == 0)
        fail(op, absl::StrCat("axis ", a, " of ", typeStr(x),
                              " has extent 0, so it has no ",
                              kind == OpKind::ReduceMax ? "maximum" : "minimum",
                              "; reduce only non-empty axes"));
  OpAttrs attrs;
  attrs.axes = list;
  Tensor r = detail::apply(kind, {x}, attrs);
  return keepDims ? reshapeTo(r, keptShape(x, list)) : r;
}

Tensor unaryNumeric(OpKind kind, const std::string &op, const Tensor &x) {
  if (x.dtype() == DType::boolean)
    fail(op, absl::StrCat("is not defined on bool (got ", typeStr(x),
                          "); cast to i32 or f32 first, or use logicalNot"));
  return detail::apply(kind, {x});
}

/// A real function: integer and bool inputs are cast to f32 first.
Tensor unaryReal(OpKind kind, const Tensor &x) {
  return detail::apply(kind,
                       {isFloating(x.dtype()) ? x : castTo(x, DType::f32)});
}

void checkIndexDType(const std::string &op, const Tensor &indices) {
  if (indices.dtype() != DType::i32 && indices.dtype() != DType::i64)
    fail(op, absl::StrCat("indices must be i32 or i64, got ", typeStr(indices),
                          "; convert them with cast(indices, i32)"));
}

/// x.shape[:axis] + indices.shape + x.shape[axis+1:].
Shape gatherShape(const Tensor &x, const Tensor &indices, int64_t axis) {
  std::vector<int64_t> dims(x.shape().begin(), x.shape().begin() + axis);
  dims.insert(dims.end(), indices.shape().begin(), indices.shape().end());
  dims.insert(dims.end(), x.shape().begin() + axis + 1, x.shape().end());
  return Shape(dims);
}

/// Converts `update` to `dtype` if that is its promotion with `dtype`; throws
/// otherwise.
Tensor castInto(const std::string &op, const Tensor &update, DType dtype,
                const Tensor &x, const char *what) {
  if (promote(dtype, update.dtype()) != dtype)
    fail(op, absl::StrCat("the ", what, " ", typeStr(update),
                          " would be narrowed to the dtype of ", typeStr(x),
                          "; cast it explicitly with cast(", what, ", ",
                          dtypeName(dtype), ")"));
  return castTo(update, dtype);
}

std::vector<Tensor> startTensors(const std::string &op, const Tensor &x,
                                 const std::vector<DynamicIndex> &starts) {
  if (starts.size() != x.rank())
    fail(op, absl::StrCat("needs one start per axis of ", typeStr(x), " (",
                          x.rank(), "), got ", starts.size()));
  std::vector<Tensor> result;
  for (size_t i = 0; i < starts.size(); ++i) {
    const Tensor &t = starts[i].tensor();
    if (t.rank() != 0 || (t.dtype() != DType::i32 && t.dtype() != DType::i64))
      fail(op, absl::StrCat("start ", i,
                            " must be a rank-0 i32 or i64 "
                            "tensor or a C++ integer, got ",
                            typeStr(t)));
    result.push_back(t);
  }
  return result;
}

} // namespace

//===----------------------------------------------------------------------===//
// detail
//===----------------------------------------------------------------------===//

namespace detail {

WeakScalar weakUnsigned(unsigned long long value) {
  if (value >
      static_cast<unsigned long long>(std::numeric_limits<int64_t>::max()))
    fail("scalar", absl::StrCat("the unsigned value ", value,
                                " does not fit i64, the widest integer dtype; "
                                "use a smaller value or a floating scalar"));
  return {WeakScalar::Kind::Int, static_cast<int64_t>(value), 0.0};
}

Tensor binaryOp(OpKind kind, const Operand &x, const Operand &y) {
  std::string op = publicName(kind);
  Plan p = plan(op, {&x, &y});
  bool arithmetic = kind == OpKind::Add || kind == OpKind::Sub ||
                    kind == OpKind::Mul || kind == OpKind::Div ||
                    kind == OpKind::Pow;
  if (arithmetic && p.dtype == DType::boolean)
    fail(op, absl::StrCat("arithmetic is not defined on bool (operands ",
                          operandStr(x), " and ", operandStr(y),
                          "); cast to i32 or f32 first, or use logicalOr / "
                          "logicalAnd"));
  if ((kind == OpKind::And || kind == OpKind::Or) && p.dtype != DType::boolean)
    fail(op, absl::StrCat("needs bool operands, got ", operandStr(x), " and ",
                          operandStr(y),
                          "; compare first (e.g. x != 0) or cast to bool"));
  return detail::apply(kind, {realize(op, x, p), realize(op, y, p)});
}

Tensor selectOp(const Tensor &cond, const Operand &x, const Operand &y) {
  if (cond.dtype() != DType::boolean)
    fail("where",
         absl::StrCat("the condition must be bool, got ", typeStr(cond),
                      "; compare first (e.g. where(x > 0, ...)) or "
                      "use cast(cond, bool)"));
  Plan p = plan("where", {&x, &y}, {&cond});
  return detail::apply(OpKind::Select,
                       {expandTo(cond, p.shape), realize("where", x, p),
                        realize("where", y, p)});
}

Tensor clipOp(const Tensor &x, const Operand &lo, const Operand &hi) {
  Operand xo(x);
  Plan p = plan("clip", {&xo, &lo, &hi});
  Tensor low = detail::apply(OpKind::Max,
                             {realize("clip", xo, p), realize("clip", lo, p)});
  return detail::apply(OpKind::Min, {low, realize("clip", hi, p)});
}

Tensor scatterAddOp(const Tensor &x, const Tensor &indices,
                    const Operand &updates, int64_t axis) {
  const std::string op = "scatterAdd";
  if (x.dtype() == DType::boolean)
    fail(op, absl::StrCat("cannot add into ", typeStr(x),
                          "; cast it to i32 or f32 first"));
  int64_t a = normalizeAxis(op, axis, x);
  checkIndexDType(op, indices);
  Shape target = gatherShape(x, indices, a);
  Tensor u;
  if (updates.isScalar()) {
    if (weakDType(x.dtype(), updates.scalar.kind) != x.dtype())
      fail(op, absl::StrCat("the ", scalarStr(updates.scalar),
                            " would be narrowed to the dtype of ", typeStr(x),
                            "; pass an integer scalar or cast x to f32"));
    u = constantOf(scalarArray(op, updates.scalar, x.dtype()));
  } else {
    u = updates.tensor();
    Shape b;
    std::string why;
    if (!broadcastShapes(u.shape(), target, b, why) || b != target)
      fail(op,
           absl::StrCat("updates ", typeStr(u),
                        " do not broadcast to the shape ", target.toString(),
                        " that gather(x, indices, ", a, ") has for x ",
                        typeStr(x), " and indices ", typeStr(indices),
                        "; give updates that shape or one that "
                        "broadcasts to it"));
    u = castInto(op, u, x.dtype(), x, "updates");
  }
  OpAttrs attrs;
  attrs.axis = a;
  return detail::apply(OpKind::ScatterAdd, {x, indices, expandTo(u, target)},
                       attrs);
}

Tensor scalarOp(WeakScalar value, DType dtype) {
  return constantOf(scalarArray("scalar", value, dtype));
}

} // namespace detail

//===----------------------------------------------------------------------===//
// Creation
//===----------------------------------------------------------------------===//

Tensor constant(const Array &value) { return constantOf(value); }

Tensor arange(double start, double stop, double step, DType dtype) {
  const std::string op = "arange";
  if (!std::isfinite(start) || !std::isfinite(stop) || !std::isfinite(step))
    fail(op, absl::StrCat("start ", start, ", stop ", stop, " and step ", step,
                          " must be finite"));
  if (step == 0)
    fail(op, "step is 0, so the range never ends; use a non-zero step");
  if (dtype == DType::boolean)
    fail(op, "cannot produce bool; use i32, i64, f32 or f64");
  bool integer = !isFloating(dtype);
  if (integer && (std::trunc(start) != start || std::trunc(step) != step))
    fail(op, absl::StrCat("start ", start, " and step ", step,
                          " must be integers for ", dtypeName(dtype),
                          "; use f32 or f64 for fractional ranges"));
  double count = std::max(0.0, std::ceil((stop - start) / step));
  if (count > 9.0e15)
    fail(op, absl::StrCat("the range [", start, ", ", stop, ") by ", step,
                          " has too many elements (", count, ")"));
  int64_t n = static_cast<int64_t>(count);
  if (integer && n > 0) {
    double last = start + static_cast<double>(n - 1) * step;
    WeakScalar s{WeakScalar::Kind::Int, 0, 0.0};
    for (double v : {start, last}) {
      s.intValue = static_cast<int64_t>(std::clamp(v, -9.2e18, 9.2e18));
      (void)checkedInteger<int64_t>(op, s, DType::i64);
      if (dtype == DType::i32)
        (void)checkedInteger<int32_t>(op, s, DType::i32);
    }
  }
  OpAttrs attrs;
  attrs.shape = {n};
  attrs.dtype = dtype;
  Tensor r = detail::apply(OpKind::Iota, {}, attrs);
  auto weakOf = [&](double v) {
    return integer
               ? WeakScalar{WeakScalar::Kind::Int, static_cast<int64_t>(v), 0.0}
               : WeakScalar{WeakScalar::Kind::Float, 0, v};
  };
  if (step != 1)
    r = detail::binaryOp(OpKind::Mul, r, weakOf(step));
  if (start != 0)
    r = detail::binaryOp(OpKind::Add, r, weakOf(start));
  return r;
}

Tensor arange(int64_t stop, DType dtype) {
  return arange(0.0, static_cast<double>(stop), 1.0, dtype);
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

Tensor add(const Tensor &x, const Tensor &y) {
  return detail::binaryOp(OpKind::Add, x, y);
}
Tensor sub(const Tensor &x, const Tensor &y) {
  return detail::binaryOp(OpKind::Sub, x, y);
}
Tensor mul(const Tensor &x, const Tensor &y) {
  return detail::binaryOp(OpKind::Mul, x, y);
}
Tensor div(const Tensor &x, const Tensor &y) {
  return detail::binaryOp(OpKind::Div, x, y);
}
Tensor pow(const Tensor &x, const Tensor &y) {
  return detail::binaryOp(OpKind::Pow, x, y);
}
Tensor min(const Tensor &x, const Tensor &y) {
  return detail::binaryOp(OpKind::Min, x, y);
}
Tensor max(const Tensor &x, const Tensor &y) {
  return detail::binaryOp(OpKind::Max, x, y);
}
Tensor minimum(const Tensor &x, const Tensor &y) { return min(x, y); }
Tensor maximum(const Tensor &x, const Tensor &y) { return max(x, y); }

Tensor neg(const Tensor &x) { return unaryNumeric(OpKind::Neg, "neg", x); }
Tensor abs(const Tensor &x) { return unaryNumeric(OpKind::Abs, "abs", x); }
Tensor sign(const Tensor &x) { return unaryNumeric(OpKind::Sign, "sign", x); }

Tensor relu(const Tensor &x) {
  if (x.dtype() == DType::boolean)
    fail("relu", absl::StrCat("is not defined on bool (got ", typeStr(x),
                              "); cast to f32 first"));
  return detail::binaryOp(OpKind::Max, x, detail::weak(0));
}

Tensor exp(const Tensor &x) { return unaryReal(OpKind::Exp, x); }
Tensor log(const Tensor &x) { return unaryReal(OpKind::Log, x); }
Tensor log1p(const Tensor &x) { return unaryReal(OpKind::Log1p, x); }
Tensor expm1(const Tensor &x) { return unaryReal(OpKind::Expm1, x); }
Tensor sqrt(const Tensor &x) { return unaryReal(OpKind::Sqrt, x); }
Tensor rsqrt(const Tensor &x) { return unaryReal(OpKind::Rsqrt, x); }
Tensor tanh(const Tensor &x) { return unaryReal(OpKind::Tanh, x); }
Tensor sigmoid(const Tensor &x) { return unaryReal(OpKind::Sigmoid, x); }
Tensor sin(const Tensor &x) { return unaryReal(OpKind::Sin, x); }
Tensor cos(const Tensor &x) { return unaryReal(OpKind::Cos, x); }
Tensor floor(const Tensor &x) { return unaryReal(OpKind::Floor, x); }
Tensor ceil(const Tensor &x) { return unaryReal(OpKind::Ceil, x); }
Tensor round(const Tensor &x) { return unaryReal(OpKind::Round, x); }

Tensor clip(const Tensor &x, const Tensor &lo, const Tensor &hi) {
  return detail::clipOp(x, lo, hi);
}

Tensor lt(const Tensor &x, const Tensor &y) {
  return detail::binaryOp(OpKind::Lt, x, y);
}
Tensor le(const Tensor &x, const Tensor &y) {
  return detail::binaryOp(OpKind::Le, x, y);
}
Tensor gt(const Tensor &x, const Tensor &y) {
  return detail::binaryOp(OpKind::Gt, x, y);
}
Tensor ge(const Tensor &x, const Tensor &y) {
  return detail::binaryOp(OpKind::Ge, x, y);
}
Tensor eq(const Tensor &x, const Tensor &y) {
  return detail::binaryOp(OpKind::Eq, x, y);
}
Tensor ne(const Tensor &x, const Tensor &y) {
  return detail::binaryOp(OpKind::Ne, x, y);
}
Tensor logicalAnd(const Tensor &x, const Tensor &y) {
  return detail::binaryOp(OpKind::And, x, y);
}
Tensor logicalOr(const Tensor &x, const Tensor &y) {
  return detail::binaryOp(OpKind::Or, x, y);
}

Tensor logicalNot(const Tensor &x) {
  if (x.dtype() != DType::boolean)
    fail("logicalNot", absl::StrCat("needs a bool operand, got ", typeStr(x),
                                    "; compare first (e.g. x == 0) or cast to "
                                    "bool"));
  return detail::apply(OpKind::Not, {x});
}

Tensor where(const Tensor &cond, const Tensor &x, const Tensor &y) {
  return detail::selectOp(cond, x, y);
}

Tensor cast(const Tensor &x, DType dtype) { return castTo(x, dtype); }

//===----------------------------------------------------------------------===//
// Shapes
//===----------------------------------------------------------------------===//

Tensor reshape(const Tensor &x, std::vector<int64_t> shape) {
  const std::string op = "reshape";
  int64_t numel = x.numElements();
  int inferred = -1;
  int64_t known = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1 && inferred < 0) {
      inferred = static_cast<int>(i);
      continue;
    }
    if (shape[i] < 0)
      fail(op,
           absl::StrCat("cannot reshape ", typeStr(x), " to ", listStr(shape),
                        ": extents must be non-negative, with at most one "
                        "-1 to infer"));
    known = known != 0 && shape[i] > std::numeric_limits<int64_t>::max() / known
                ? -1
                : known * shape[i];
    if (known < 0)
      fail(op, absl::StrCat("the shape ", listStr(shape),
                            " has more elements than an int64 holds"));
  }
  if (inferred >= 0) {
    if (known == 0 || numel % known != 0)
      fail(op, absl::StrCat("cannot reshape ", typeStr(x), " (", numel,
                            " elements) to ", listStr(shape),
                            ": the -1 extent cannot be inferred; choose "
                            "extents whose product divides ",
                            numel));
    shape[inferred] = numel / known;
    known = numel;
  }
  if (known != numel)
    fail(op, absl::StrCat("cannot reshape ", typeStr(x), " (", numel,
                          " elements) to ", listStr(shape), " (", known,
                          " elements); choose a shape with the same number of "
                          "elements, or use -1 for one extent"));
  return reshapeTo(x, std::move(shape));
}

Tensor transpose(const Tensor &x, std::vector<int64_t> axes) {
  const std::string op = "transpose";
  size_t rank = x.rank();
  if (axes.empty())
    for (size_t i = 0; i < rank; ++i)
      axes.push_back(static_cast<int64_t>(rank - 1 - i));
  std::vector<int64_t> given = axes;
  bool ok = axes.size() == rank;
  std::vector<bool> seen(rank, false);
  for (size_t i = 0; ok && i < axes.size(); ++i) {
    int64_t r = static_cast<int64_t>(rank);
    ok = axes[i] >= -r && axes[i] < r;
    if (!ok)
      break;
    if (axes[i] < 0)
      axes[i] += r;
    ok = !seen[axes[i]];
    seen[axes[i]] = true;
  }
  if (!ok)
    fail(op,
         absl::StrCat("axes ", listStr(given), " are not a permutation of the ",
                      rank, " axes of ", typeStr(x), "; list each axis once"));
  bool identity = true;
  for (size_t i = 0; i < rank; ++i)
    identity &= axes[i] == static_cast<int64_t>(i);
  if (identity)
    return x;
  OpAttrs attrs;
  attrs.axes = std::move(axes);
  return detail::apply(OpKind::Transpose, {x}, attrs);
}

Tensor broadcastTo(const Tensor &x, const Shape &shape) {
  Shape b;
  std::string why;
  if (shape.rank() < x.rank() || !broadcastShapes(x.shape(), shape, b, why) ||
      b != shape)
    fail("broadcastTo",
         absl::StrCat("cannot broadcast ", typeStr(x), " to ", shape.toString(),
                      "; align trailing axes: each extent of x must equal the "
                      "target extent or be 1, and the target rank must be at "
                      "least x's"));
  return expandTo(x, shape);
}

Tensor concatenate(const std::vector<Tensor> &xs, int64_t axis) {
  const std::string op = "concatenate";
  if (xs.empty())
    fail(op, "needs at least one tensor");
  std::vector<std::string> parts;
  DType dtype = xs[0].dtype();
  for (const Tensor &t : xs) {
    parts.push_back(typeStr(t));
    dtype = promote(dtype, t.dtype());
  }
  if (xs[0].rank() == 0)
    fail(op, absl::StrCat("cannot concatenate rank-0 tensors (",
                          joinOperands(parts), "); reshape them to [1] first"));
  int64_t a = normalizeAxis(op, axis, xs[0]);
  for (const Tensor &t : xs) {
    bool ok = t.rank() == xs[0].rank();
    for (size_t d = 0; ok && d < t.rank(); ++d)
      ok = static_cast<int64_t>(d) == a || t.shape()[d] == xs[0].shape()[d];
    if (!ok)
      fail(op, absl::StrCat("along axis ", a, ", ", joinOperands(parts),
                            " must have equal ranks and equal extents on every "
                            "other axis"));
  }
  if (xs.size() == 1)
    return castTo(xs[0], dtype);
  std::vector<Tensor> operands;
  for (const Tensor &t : xs)
    operands.push_back(castTo(t, dtype));
  OpAttrs attrs;
  attrs.axis = a;
  return detail::apply(OpKind::Concatenate, operands, attrs);
}

Tensor slice(const Tensor &x, std::vector<int64_t> starts,
             std::vector<int64_t> limits, std::vector<int64_t> strides) {
  const std::string op = "slice";
  size_t rank = x.rank();
  if (strides.empty())
    strides.assign(rank, 1);
  if (starts.size() != rank || limits.size() != rank || strides.size() != rank)
    fail(op, absl::StrCat("needs one start, limit and stride per axis of ",
                          typeStr(x), " (", rank, "), got starts ",
                          listStr(starts), ", limits ", listStr(limits),
                          ", strides ", listStr(strides)));
  bool identity = true;
  for (size_t d = 0; d < rank; ++d) {
    int64_t extent = x.shape()[d];
    if (!(0 <= starts[d] && starts[d] <= limits[d] && limits[d] <= extent))
      fail(op, absl::StrCat("axis ", d, " of ", typeStr(x),
                            " needs 0 <= start <= limit <= ", extent,
                            ", got start ", starts[d], " and limit ", limits[d],
                            "; clamp the bounds into the tensor"));
    if (strides[d] < 1)
      fail(op, absl::StrCat("stride ", strides[d], " of axis ", d, " of ",
                            typeStr(x), " is not positive; use strides >= 1"));
    identity &= starts[d] == 0 && limits[d] == extent && strides[d] == 1;
  }
  if (identity)
    return x;
  OpAttrs attrs;
  attrs.starts = std::move(starts);
  attrs.limits = std::move(limits);
  attrs.strides = std::move(strides);
  return detail::apply(OpKind::Slice, {x}, attrs);
}

DynamicIndex::DynamicIndex(int64_t index)
    : tensor_(detail::scalarOp(detail::weak(index), DType::i64)) {}

Tensor dynamicSlice(const Tensor &x, const std::vector<DynamicIndex> &starts,
                    std::vector<int64_t> sizes) {
  const std::string op = "dynamicSlice";
  std::vector<Tensor> operands{x};
  for (const Tensor &t : startTensors(op, x, starts))
    operands.push_back(t);
  bool ok = sizes.size() == x.rank();
  for (size_t d = 0; ok && d < sizes.size(); ++d)
    ok = 0 <= sizes[d] && sizes[d] <= x.shape()[d];
  if (!ok)
    fail(op, absl::StrCat("sizes ", listStr(sizes), " do not fit ", typeStr(x),
                          "; give one size per axis, each between 0 and that "
                          "axis's extent"));
  OpAttrs attrs;
  attrs.shape = std::move(sizes);
  return detail::apply(OpKind::DynamicSlice, operands, attrs);
}

Tensor dynamicUpdateSlice(const Tensor &x, const Tensor &update,
                          const std::vector<DynamicIndex> &starts) {
  const std::string op = "dynamicUpdateSlice";
  std::vector<Tensor> startList = startTensors(op, x, starts);
  bool ok = update.rank() == x.rank();
  for (size_t d = 0; ok && d < x.rank(); ++d)
    ok = update.shape()[d] <= x.shape()[d];
  if (!ok)
    fail(op, absl::StrCat("the update ", typeStr(update), " does not fit in ",
                          typeStr(x),
                          "; it needs the same rank and no larger extent"));
  std::vector<Tensor> operands{x, castInto(op, update, x.dtype(), x, "update")};
  operands.insert(operands.end(), startList.begin(), startList.end());
  return detail::apply(OpKind::DynamicUpdateSlice, operands);
}

//===----------------------------------------------------------------------===//
// Indexing
//===----------------------------------------------------------------------===//

Tensor gather(const Tensor &x, const Tensor &indices, int64_t axis) {
  const std::string op = "gather";
  int64_t a = normalizeAxis(op, axis, x);
  checkIndexDType(op, indices);
  OpAttrs attrs;
  attrs.axis = a;
  return detail::apply(OpKind::Gather, {x, indices}, attrs);
}

Tensor scatterAdd(const Tensor &x, const Tensor &indices, const Tensor &updates,
                  int64_t axis) {
  return detail::scatterAddOp(x, indices, updates, axis);
}

//===----------------------------------------------------------------------===//
// Reductions and matmul
//===----------------------------------------------------------------------===//

Tensor sum(const Tensor &x, Axes axes, bool keepDims) {
  Tensor in = x.dtype() == DType::boolean ? castTo(x, DType::i32) : x;
  return reduce(OpKind::ReduceSum, "sum", in, axes, keepDims);
}

Tensor mean(const Tensor &x, Axes axes, bool keepDims) {
  std::vector<int64_t> list = normalizeAxes("mean", axes, x);
  int64_t count = 1;
  for (int64_t a : list)
    count *= x.shape()[a];
  Tensor in = isFloating(x.dtype()) ? x : castTo(x, DType::f32);
  Tensor s = reduce(OpKind::ReduceSum, "mean", in, Axes(list), keepDims);
  return detail::binaryOp(OpKind::Div, s,
                          detail::weak(static_cast<double>(count)));
}

Tensor reduceMax(const Tensor &x, Axes axes, bool keepDims) {
  return reduce(OpKind::ReduceMax, "reduceMax", x, axes, keepDims);
}

Tensor reduceMin(const Tensor &x, Axes axes, bool keepDims) {
  return reduce(OpKind::ReduceMin, "reduceMin", x, axes, keepDims);
}

Tensor argmax(const Tensor &x) {
  if (x.numElements() == 0)
    fail("argmax", absl::StrCat(typeStr(x), " is empty, so it has no maximum; "
                                            "check for emptiness first"));
  OpAttrs attrs;
  attrs.axis = 0;
  return detail::apply(OpKind::ArgMax, {reshapeTo(x, {x.numElements()})},
                       attrs);
}

Tensor argmax(const Tensor &x, int64_t axis, bool keepDims) {
  const std::string op = "argmax";
  int64_t a = normalizeAxis(op, axis, x);
  if (x.shape()[a] == 0)
    fail(op, absl::StrCat("axis ", a, " of ", typeStr(x),
                          " has extent 0, so it has no maximum; take argmax "
                          "over a non-empty axis"));
  OpAttrs attrs;
  attrs.axis = a;
  Tensor r = detail::apply(OpKind::ArgMax, {x}, attrs);
  return keepDims ? reshapeTo(r, keptShape(x, {a})) : r;
}

Tensor matmul(const Tensor &x, const Tensor &y) {
  const std::string op = "matmul";
  std::string operands = absl::StrCat(typeStr(x), " and ", typeStr(y));
  if (x.rank() == 0 || y.rank() == 0)
    fail(op, absl::StrCat("operands must have rank >= 1, got ", operands,
                          "; use mul for scalars"));
  DType dtype = promote(x.dtype(), y.dtype());
  if (dtype == DType::boolean)
    fail(op, absl::StrCat("is not defined on bool (", operands,
                          "); cast to i32 or f32 first"));
  std::vector<int64_t> xs = x.shape().toVector(), ys = y.shape().toVector();
  bool xVector = xs.size() == 1, yVector = ys.size() == 1;
  if (xVector)
    xs.insert(xs.begin(), 1);
  if (yVector)
    ys.push_back(1);
  int64_t m = xs[xs.size() - 2], k = xs.back();
  int64_t n = ys.back();
  if (ys[ys.size() - 2] != k)
    fail(op, absl::StrCat("contracting extents differ in ", operands, " (", k,
                          " vs ", ys[ys.size() - 2],
                          "); the last extent of x must equal the "
                          "second-to-last of y (or y's only extent)"));
  std::vector<int64_t> xBatch(xs.begin(), xs.end() - 2);
  std::vector<int64_t> yBatch(ys.begin(), ys.end() - 2);
  Shape batch;
  std::string why;
  if (!broadcastShapes(Shape(xBatch), Shape(yBatch), batch, why))
    fail(op,
         absl::StrCat("batch dimensions ", listStr(xBatch), " and ",
                      listStr(yBatch), " of ", operands,
                      " cannot broadcast: ", why, "; make them equal or 1"));
  Tensor a = reshapeTo(castTo(x, dtype), xs);
  Tensor b = reshapeTo(castTo(y, dtype), ys);
  int64_t batchCount = batch.numElements();
  std::vector<int64_t> out = batch.toVector();
  Tensor r;
  if (batch.rank() == 0) {
    r = detail::apply(OpKind::MatMul, {a, b});
  } else if (yBatch.empty()) {
    // A stack of matrices times one matrix: one 2-D product over the stacked
    // rows.
    r = detail::apply(OpKind::MatMul, {reshapeTo(a, {batchCount * m, k}), b});
  } else {
    std::vector<int64_t> aShape = out, bShape = out;
    aShape.insert(aShape.end(), {m, k});
    bShape.insert(bShape.end(), {k, n});
    Tensor a3 = reshapeTo(expandTo(a, Shape(aShape)), {batchCount, m, k});
    Tensor b3 = reshapeTo(expandTo(b, Shape(bShape)), {batchCount, k, n});
    r = detail::apply(OpKind::MatMul, {a3, b3});
  }
  if (!xVector)
    out.push_back(m);
  if (!yVector)
    out.push_back(n);
  return reshapeTo(r, out);
}

} // namespace bst
