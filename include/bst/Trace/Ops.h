//===- bst/Trace/Ops.h - The public tensor operations -----------*- C++ -*-===//
//
// The operations model code computes with: operators, elementwise math,
// comparisons, shape manipulation, indexing, reductions and matmul. Each one
// checks its arguments (errors name the op, the operand types and the fix),
// applies NumPy broadcasting and bst's dtype promotion, and then emits
// primitives of bst/Trace/Op.h through detail::apply: on concrete tensors that
// evaluates eagerly, on traced tensors it records into the trace, so the same
// code runs in both.
//
// Dtype promotion of two tensors takes the later of  bool < i32 < i64 < f32 <
// f64  (so i64 with f32 gives f32: no silent f64). C++ arithmetic scalars are
// weakly typed: a scalar takes the tensor's dtype unless it is of a higher kind
// (bool < integer < floating): a floating scalar with an integer or bool tensor
// gives f32, an integer scalar with a bool tensor gives i32. So `x * 0.5f`,
// `2.0 * x` and `x + 2` keep the dtype of a floating x. docs/ops.md has the
// tables.
//
// Names: the elementwise two-argument forms are `min` / `max` (aliases
// `minimum` / `maximum`); the reductions are `reduceMin` / `reduceMax`, next to
// `sum`, `mean` and `argmax`. Logical ops are both operators (&&, ||, !) and
// functions (logicalAnd, logicalOr, logicalNot); they take bool tensors only
// and do not short-circuit.
//
// Axes may be negative (counted from the end, as in Python). Thread safety:
// every function is safe to call concurrently on distinct or shared tensors.
//
//===----------------------------------------------------------------------===//
#ifndef BST_TRACE_OPS_H
#define BST_TRACE_OPS_H

#include "bst/Support/Tensor.h"
#include "bst/Trace/Op.h"

#include <cstdint>
#include <initializer_list>
#include <type_traits>
#include <vector>

namespace bst {

/// A C++ arithmetic type usable as a weakly typed scalar operand (float,
/// double, int, bool, ...).
template <class S>
concept Arithmetic = std::is_arithmetic_v<S>;

namespace detail {

/// A C++ scalar operand, weakly typed: its dtype is chosen by the tensor it
/// meets.
struct WeakScalar {
  enum class Kind : uint8_t { Bool, Int, Float };
  Kind kind = Kind::Int;
  int64_t intValue = 0;    ///< Bool and Int.
  double floatValue = 0.0; ///< Float.
};

/// An unsigned scalar as a WeakScalar; throws bst::Error above INT64_MAX.
WeakScalar weakUnsigned(unsigned long long value);

/// The weakly typed form of a C++ scalar.
template <Arithmetic S> WeakScalar weak(S value) {
  if constexpr (std::is_same_v<S, bool>)
    return {WeakScalar::Kind::Bool, value ? 1 : 0, 0.0};
  else if constexpr (std::is_floating_point_v<S>)
    return {WeakScalar::Kind::Float, 0, static_cast<double>(value)};
  else if constexpr (std::is_unsigned_v<S>)
    return weakUnsigned(value);
  else
    return {WeakScalar::Kind::Int, static_cast<int64_t>(value), 0.0};
}

/// An operand of a public op: a Tensor or a weak scalar. Only a parameter type:
/// it refers to the caller's Tensor, which outlives the call.
struct Operand {
  Operand(const Tensor &t) : tensorPtr(&t) {}
  Operand(WeakScalar s) : scalar(s) {}
  bool isScalar() const { return tensorPtr == nullptr; }
  const Tensor &tensor() const { return *tensorPtr; }
  const Tensor *tensorPtr = nullptr;
  WeakScalar scalar;
};

/// Broadcasts and promotes `x` and `y`, then applies the binary elementwise or
/// comparison primitive `kind`.
Tensor binaryOp(OpKind kind, const Operand &x, const Operand &y);
/// where() on operands that may be weak scalars.
Tensor selectOp(const Tensor &cond, const Operand &x, const Operand &y);
/// clip() on bounds that may be weak scalars.
Tensor clipOp(const Tensor &x, const Operand &lo, const Operand &hi);
/// scatterAdd() with updates that may be a weak scalar.
Tensor scatterAddOp(const Tensor &x, const Tensor &indices,
                    const Operand &updates, int64_t axis);
/// A rank-0 Constant of `dtype` holding `value` (checked conversion).
Tensor scalarOp(WeakScalar value, DType dtype);

} // namespace detail

//===----------------------------------------------------------------------===//
// Creation
//===----------------------------------------------------------------------===//

/// A tensor holding `value` (a Constant primitive: a concrete tensor, which a
/// trace that uses it records as a constant or a captured input).
Tensor constant(const Array &value);

/// A rank-0 tensor holding `value`, of the dtype of its C++ type: float f32,
/// double f64, bool bool, signed integers of up to 32 bits (and narrower
/// unsigned ones) i32, other integers i64.
template <Arithmetic S> Tensor scalar(S value) {
  DType dtype = std::is_same_v<S, bool>       ? DType::boolean
                : std::is_same_v<S, float>    ? DType::f32
                : std::is_floating_point_v<S> ? DType::f64
                : sizeof(S) < 4 || (sizeof(S) == 4 && std::is_signed_v<S>)
                    ? DType::i32
                    : DType::i64;
  return detail::scalarOp(detail::weak(value), dtype);
}

/// A rank-0 tensor of `dtype` holding `value` converted to it (truncation
/// toward zero for integers, `!= 0` for bool). Throws bst::Error if an integer
/// value does not fit `dtype`, or a floating value is NaN, infinite or out of
/// range for an integer dtype.
template <Arithmetic S> Tensor scalar(S value, DType dtype) {
  return detail::scalarOp(detail::weak(value), dtype);
}

/// [start, start + step, ...) below `stop` (above it for a negative step):
/// ceil((stop - start) / step) elements of `dtype`, computed as iota * step +
/// start in `dtype`. For integer dtypes, start and step must be integers.
/// Throws bst::Error if step is 0 or dtype is bool.
Tensor arange(double start, double stop, double step = 1.0,
              DType dtype = DType::f32);
/// [0, 1, ..., stop - 1] of `dtype`.
Tensor arange(int64_t stop, DType dtype = DType::f32);

//===----------------------------------------------------------------------===//
// Elementwise arithmetic
//===----------------------------------------------------------------------===//

// Binary elementwise ops come in three forms: (Tensor, Tensor), (Tensor,
// scalar) and (scalar, Tensor). Both tensors are broadcast (NumPy rules) and
// promoted to a common dtype.
#define BST_BINARY_SCALAR_FORMS(NAME, KIND)                                    \
  template <Arithmetic S> Tensor NAME(const Tensor &x, S y) {                  \
    return detail::binaryOp(OpKind::KIND, x, detail::weak(y));                 \
  }                                                                            \
  template <Arithmetic S> Tensor NAME(S x, const Tensor &y) {                  \
    return detail::binaryOp(OpKind::KIND, detail::weak(x), y);                 \
  }

/// x + y. Not defined on two bool operands.
Tensor add(const Tensor &x, const Tensor &y);
BST_BINARY_SCALAR_FORMS(add, Add)
/// x - y. Not defined on two bool operands.
Tensor sub(const Tensor &x, const Tensor &y);
BST_BINARY_SCALAR_FORMS(sub, Sub)
/// x * y. Not defined on two bool operands.
Tensor mul(const Tensor &x, const Tensor &y);
BST_BINARY_SCALAR_FORMS(mul, Mul)
/// x / y. Integer division truncates toward zero (as in C++) and a zero divisor
/// gives 0.
Tensor div(const Tensor &x, const Tensor &y);
BST_BINARY_SCALAR_FORMS(div, Div)
/// x to the power y. For integers, a negative exponent gives trunc(1 / x^-y).
Tensor pow(const Tensor &x, const Tensor &y);
BST_BINARY_SCALAR_FORMS(pow, Pow)
/// Elementwise minimum (NaN propagates; on bool: and).
Tensor min(const Tensor &x, const Tensor &y);
BST_BINARY_SCALAR_FORMS(min, Min)
/// Elementwise maximum (NaN propagates; on bool: or).
Tensor max(const Tensor &x, const Tensor &y);
BST_BINARY_SCALAR_FORMS(max, Max)
/// Alias of min(x, y).
Tensor minimum(const Tensor &x, const Tensor &y);
BST_BINARY_SCALAR_FORMS(minimum, Min)
/// Alias of max(x, y).
Tensor maximum(const Tensor &x, const Tensor &y);
BST_BINARY_SCALAR_FORMS(maximum, Max)

/// -x (integers wrap). Not defined on bool.
Tensor neg(const Tensor &x);
/// |x| (integers wrap at the minimum). Not defined on bool.
Tensor abs(const Tensor &x);
/// -1, 0 or 1 (floats keep NaN and signed zeros). Not defined on bool.
Tensor sign(const Tensor &x);
/// max(x, 0). Not defined on bool.
Tensor relu(const Tensor &x);

// Real functions: integer and bool inputs are cast to f32 first.

/// e^x.
Tensor exp(const Tensor &x);
/// Natural logarithm (log(0) = -inf, negative gives NaN).
Tensor log(const Tensor &x);
/// log(1 + x), accurate near 0.
Tensor log1p(const Tensor &x);
/// e^x - 1, accurate near 0.
Tensor expm1(const Tensor &x);
/// Square root.
Tensor sqrt(const Tensor &x);
/// 1 / sqrt(x).
Tensor rsqrt(const Tensor &x);
/// Hyperbolic tangent.
Tensor tanh(const Tensor &x);
/// 1 / (1 + e^-x).
Tensor sigmoid(const Tensor &x);
/// Sine (radians).
Tensor sin(const Tensor &x);
/// Cosine (radians).
Tensor cos(const Tensor &x);
/// Largest integral value not above x.
Tensor floor(const Tensor &x);
/// Smallest integral value not below x.
Tensor ceil(const Tensor &x);
/// Nearest integral value, halves to even (NumPy's round: 0.5 -> 0, 1.5 ->
/// 2, 2.5 -> 2).
Tensor round(const Tensor &x);

/// min(max(x, lo), hi), broadcast and promoted like the binary ops; lo and hi
/// may be scalars.
Tensor clip(const Tensor &x, const Tensor &lo, const Tensor &hi);
/// clip with a scalar lower bound.
template <Arithmetic S> Tensor clip(const Tensor &x, S lo, const Tensor &hi) {
  return detail::clipOp(x, detail::weak(lo), hi);
}
/// clip with a scalar upper bound.
template <Arithmetic S> Tensor clip(const Tensor &x, const Tensor &lo, S hi) {
  return detail::clipOp(x, lo, detail::weak(hi));
}
/// clip with scalar bounds, e.g. clip(x, 0.f, 1.f).
template <Arithmetic S, Arithmetic U> Tensor clip(const Tensor &x, S lo, U hi) {
  return detail::clipOp(x, detail::weak(lo), detail::weak(hi));
}

//===----------------------------------------------------------------------===//
// Comparisons and logic (results are bool tensors)
//===----------------------------------------------------------------------===//

/// x < y (NaN compares false).
Tensor lt(const Tensor &x, const Tensor &y);
BST_BINARY_SCALAR_FORMS(lt, Lt)
/// x <= y.
Tensor le(const Tensor &x, const Tensor &y);
BST_BINARY_SCALAR_FORMS(le, Le)
/// x > y.
Tensor gt(const Tensor &x, const Tensor &y);
BST_BINARY_SCALAR_FORMS(gt, Gt)
/// x >= y.
Tensor ge(const Tensor &x, const Tensor &y);
BST_BINARY_SCALAR_FORMS(ge, Ge)
/// x == y.
Tensor eq(const Tensor &x, const Tensor &y);
BST_BINARY_SCALAR_FORMS(eq, Eq)
/// x != y (NaN != NaN is true).
Tensor ne(const Tensor &x, const Tensor &y);
BST_BINARY_SCALAR_FORMS(ne, Ne)
/// Elementwise and of bool tensors (no short-circuit).
Tensor logicalAnd(const Tensor &x, const Tensor &y);
BST_BINARY_SCALAR_FORMS(logicalAnd, And)
/// Elementwise or of bool tensors (no short-circuit).
Tensor logicalOr(const Tensor &x, const Tensor &y);
BST_BINARY_SCALAR_FORMS(logicalOr, Or)
/// Elementwise not of a bool tensor.
Tensor logicalNot(const Tensor &x);

#undef BST_BINARY_SCALAR_FORMS

/// cond ? x : y elementwise; cond must be bool; all three broadcast together
/// and x, y are promoted to a common dtype. x and y may be scalars:
/// where(fired, 0.f, v).
Tensor where(const Tensor &cond, const Tensor &x, const Tensor &y);
/// where with a scalar x.
template <Arithmetic S> Tensor where(const Tensor &cond, S x, const Tensor &y) {
  return detail::selectOp(cond, detail::weak(x), y);
}
/// where with a scalar y.
template <Arithmetic S> Tensor where(const Tensor &cond, const Tensor &x, S y) {
  return detail::selectOp(cond, x, detail::weak(y));
}
/// where with two scalars; their dtype is the weak one (f32 for floats, i32 for
/// integers).
template <Arithmetic S, Arithmetic U>
Tensor where(const Tensor &cond, S x, U y) {
  return detail::selectOp(cond, detail::weak(x), detail::weak(y));
}

/// x converted to `dtype` (float to int truncates toward zero and saturates,
/// NaN gives 0; to bool is != 0). Returns x itself if it already has that
/// dtype.
Tensor cast(const Tensor &x, DType dtype);

//===----------------------------------------------------------------------===//
// Operators
//===----------------------------------------------------------------------===//

#define BST_OPERATOR(OP, NAME)                                                 \
  inline Tensor operator OP(const Tensor &x, const Tensor &y) {                \
    return NAME(x, y);                                                         \
  }                                                                            \
  template <Arithmetic S> Tensor operator OP(const Tensor &x, S y) {           \
    return NAME(x, y);                                                         \
  }                                                                            \
  template <Arithmetic S> Tensor operator OP(S x, const Tensor &y) {           \
    return NAME(x, y);                                                         \
  }

/// add(x, y), also with a weakly typed scalar on either side.
BST_OPERATOR(+, add)
/// sub(x, y).
BST_OPERATOR(-, sub)
/// mul(x, y).
BST_OPERATOR(*, mul)
/// div(x, y).
BST_OPERATOR(/, div)
/// lt(x, y): a bool tensor.
BST_OPERATOR(<, lt)
/// le(x, y).
BST_OPERATOR(<=, le)
/// gt(x, y).
BST_OPERATOR(>, gt)
/// ge(x, y).
BST_OPERATOR(>=, ge)
/// eq(x, y): elementwise, a bool tensor (not a test of identity).
BST_OPERATOR(==, eq)
/// ne(x, y).
BST_OPERATOR(!=, ne)
/// logicalAnd(x, y) (both evaluated).
BST_OPERATOR(&&, logicalAnd)
/// logicalOr(x, y) (both evaluated).
BST_OPERATOR(||, logicalOr)

#undef BST_OPERATOR

/// neg(x).
inline Tensor operator-(const Tensor &x) { return neg(x); }
/// logicalNot(x).
inline Tensor operator!(const Tensor &x) { return logicalNot(x); }

//===----------------------------------------------------------------------===//
// Shapes
//===----------------------------------------------------------------------===//

/// x with `shape` (row-major order kept); one extent may be -1 and is inferred.
Tensor reshape(const Tensor &x, std::vector<int64_t> shape);
/// x with its axes permuted: result axis i is x's axis axes[i]. Empty `axes`
/// reverses them.
Tensor transpose(const Tensor &x, std::vector<int64_t> axes = {});
/// x broadcast to `shape` by NumPy rules (trailing axes aligned, extents equal
/// or 1).
Tensor broadcastTo(const Tensor &x, const Shape &shape);
/// The tensors joined along `axis` (dtypes promoted; other extents must agree).
Tensor concatenate(const std::vector<Tensor> &xs, int64_t axis = 0);
/// The static slice x[starts:limits:strides], one entry per axis (0 <= start <=
/// limit <= extent, stride >= 1; empty `strides` means all 1).
Tensor slice(const Tensor &x, std::vector<int64_t> starts,
             std::vector<int64_t> limits, std::vector<int64_t> strides = {});

/// A start index of dynamicSlice / dynamicUpdateSlice: a rank-0 i32/i64 tensor
/// (a value known only at run time) or a C++ integer.
class DynamicIndex {
public:
  /// A rank-0 i32 or i64 tensor.
  DynamicIndex(const Tensor &index) : tensor_(index) {}
  /// A constant index.
  DynamicIndex(int64_t index);
  const Tensor &tensor() const { return tensor_; }

private:
  Tensor tensor_;
};

/// The slice of x of extents `sizes` starting at `starts` (one per axis), each
/// start clamped to [0, extent - size] so the slice stays inside x.
Tensor dynamicSlice(const Tensor &x, const std::vector<DynamicIndex> &starts,
                    std::vector<int64_t> sizes);
/// x with `update` (same rank; cast to x's dtype if that is its promotion)
/// written at `starts`, clamped like dynamicSlice's.
Tensor dynamicUpdateSlice(const Tensor &x, const Tensor &update,
                          const std::vector<DynamicIndex> &starts);

//===----------------------------------------------------------------------===//
// Indexing
//===----------------------------------------------------------------------===//

/// NumPy take along `axis`: result shape x.shape[:axis] + indices.shape +
/// x.shape[axis+1:]. Indices are i32 or i64 and are clamped into [0, extent)
/// (negative ones read element 0).
Tensor gather(const Tensor &x, const Tensor &indices, int64_t axis = 0);
/// x with `updates` added at `indices` along `axis`; updates broadcast to the
/// shape gather(x, indices, axis) has and are cast to x's dtype (if that is
/// their promotion). Out-of-range indices are dropped; repeated ones
/// accumulate. x must not be bool.
Tensor scatterAdd(const Tensor &x, const Tensor &indices, const Tensor &updates,
                  int64_t axis = 0);
/// scatterAdd with a scalar update, e.g. a histogram: scatterAdd(counts, idx,
/// 1).
template <Arithmetic S>
Tensor scatterAdd(const Tensor &x, const Tensor &indices, S updates,
                  int64_t axis = 0) {
  return detail::scatterAddOp(x, indices, detail::weak(updates), axis);
}

//===----------------------------------------------------------------------===//
// Reductions and matmul
//===----------------------------------------------------------------------===//

/// The axes a reduction runs over: `Axes()` (or `{}`, or omitting the argument)
/// means all axes; an integer or a braced list names them (negative axes count
/// from the end); an explicit std::vector names exactly its axes, so an empty
/// vector reduces over none.
class Axes {
public:
  /// All axes.
  Axes() = default;
  /// One axis.
  Axes(int64_t axis) : axes_{axis}, all_(false) {}
  /// The listed axes.
  Axes(std::initializer_list<int64_t> axes) : axes_(axes), all_(false) {}
  /// Exactly the listed axes (possibly none).
  Axes(std::vector<int64_t> axes) : axes_(std::move(axes)), all_(false) {}
  bool all() const { return all_; }
  const std::vector<int64_t> &list() const { return axes_; }

private:
  std::vector<int64_t> axes_;
  bool all_ = true;
};

/// Sum over `axes` (bool counts as i32; integers wrap). With keepDims the
/// reduced axes stay, of extent 1.
Tensor sum(const Tensor &x, Axes axes = {}, bool keepDims = false);
/// Mean over `axes`; integer and bool inputs give f32. The mean of nothing is
/// NaN.
Tensor mean(const Tensor &x, Axes axes = {}, bool keepDims = false);
/// Maximum over `axes` (NaN propagates; on bool: any). Reduced axes must not be
/// empty.
Tensor reduceMax(const Tensor &x, Axes axes = {}, bool keepDims = false);
/// Minimum over `axes` (NaN propagates; on bool: all). Reduced axes must not be
/// empty.
Tensor reduceMin(const Tensor &x, Axes axes = {}, bool keepDims = false);
/// Index (i64) of the first maximum of the flattened x (NaN counts as the
/// maximum).
Tensor argmax(const Tensor &x);
/// Index (i64) of the first maximum along `axis`.
Tensor argmax(const Tensor &x, int64_t axis, bool keepDims = false);

/// Matrix product with NumPy's matmul rules: 1-D operands are vectors (a
/// dimension is added and removed again), higher ranks are stacks of matrices
/// whose batch dimensions broadcast. Operands are promoted; bool is not
/// accepted.
Tensor matmul(const Tensor &x, const Tensor &y);

} // namespace bst

#endif // BST_TRACE_OPS_H
