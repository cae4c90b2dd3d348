//===- bst/Trace/Op.h - The primitive op set ------------------------*- C++ -*-===//
//
// Every Tensor computation in bst is a sequence of these primitives. The public functions of
// bst/Trace/Ops.h (operators, exp, where, sum, matmul, ...) check their arguments, apply NumPy
// broadcasting and dtype promotion, and then emit primitives whose operands already agree: binary
// elementwise primitives see equal shapes and dtypes, reductions see explicit axes, and so on.
// Each primitive has one type rule (inferType), one eager reference kernel (evaluate) — the
// semantics and the oracle for the compiler — and one lowering to MLIR (Compiler layer).
//
//===----------------------------------------------------------------------===//
#ifndef BST_TRACE_OP_H
#define BST_TRACE_OP_H

#include "bst/Support/Array.h"

#include <cstdint>
#include <vector>

namespace bst {

/// The primitives. Operand and attribute conventions are given per group; `x`, `y` are operands.
///
/// Conventions shared by every primitive (docs/ops.md has the user-facing version):
/// - Axes in attributes are non-negative (the public ops normalise Python-style negative axes).
/// - Integer arithmetic wraps (two's complement): Add, Sub, Mul, Neg, Abs, Pow, ReduceSum,
///   ScatterAdd and MatMul of integers never trap.
/// - Floating point follows IEEE 754: comparisons with NaN are false except Ne; Min, Max,
///   ReduceMin and ReduceMax propagate NaN; ArgMax treats NaN as the maximum.
/// - Floating reductions and MatMul may associate in any order; the reference kernels accumulate
///   f32 in double, so compiled results agree within a few f32 ulps per term.
/// - bool is not a number: the arithmetic primitives (Neg, Abs, Sign, Add, Sub, Mul, Div, Pow,
///   ReduceSum, ScatterAdd, MatMul, Iota) reject it; Min/Max/ReduceMin/ReduceMax of bool are
///   and/or, comparisons order false < true.
enum class OpKind : uint8_t {
  // Unary elementwise: one operand, result of the same shape and dtype (Not: bool only; the
  // transcendental ones and Floor/Ceil/Round/Rsqrt/Sigmoid: floating only; Round rounds half to
  // even, as NumPy; Sign gives -1, 0 or 1, and keeps NaN and the sign of a zero for floats).
  Neg, Abs, Sign, Exp, Log, Log1p, Expm1, Sqrt, Rsqrt, Tanh, Sigmoid, Sin, Cos, Floor, Ceil,
  Round, Not,
  // Binary elementwise: two operands of equal shape and dtype, result of that shape and dtype
  // (And/Or: bool only; Div of integers truncates toward zero, a zero divisor gives 0 and
  // INT_MIN / -1 gives INT_MIN; Pow of integers with a negative exponent gives the truncated
  // quotient 1 / x^-e: 1 for x == 1, +-1 for x == -1, 0 otherwise, including x == 0).
  Add, Sub, Mul, Div, Pow, Min, Max, And, Or,
  // Comparisons: like binary elementwise, result dtype bool.
  Lt, Le, Gt, Ge, Eq, Ne,
  // Select(cond: bool, x, y): all three of equal shape, x and y of equal dtype.
  Select,
  // Cast(x): to attrs.dtype (float to int truncates toward zero, saturates at the integer range
  // and maps NaN to 0; i64 to i32 wraps; to bool is `!= 0`, so NaN is true; bool is 0 or 1).
  Cast,
  // Constant(): the value attrs.constant.
  Constant,
  // Iota(): shape attrs.shape (rank >= 1), dtype attrs.dtype (not bool), element = its index
  // along attrs.axis.
  Iota,
  // BroadcastInDim(x): result shape attrs.shape; operand dimension i maps to result dimension
  // attrs.axes[i] (strictly increasing), where it must equal the result extent or be 1.
  BroadcastInDim,
  // Reshape(x): to attrs.shape, same element count, row-major order.
  Reshape,
  // Transpose(x): result dimension i is operand dimension attrs.axes[i] (a permutation).
  Transpose,
  // Concatenate(x0, x1, ...): at least one operand of rank >= 1, along attrs.axis; other extents
  // and dtypes equal.
  Concatenate,
  // Slice(x): static; attrs.starts, attrs.limits, attrs.strides, one entry per dimension
  // (0 <= start <= limit <= extent, stride >= 1); result extent ceil((limit - start) / stride).
  Slice,
  // DynamicSlice(x, i0, ..., i{r-1}): the i's are i32 or i64 scalars; result shape attrs.shape;
  // each start is clamped to [0, extent - size] (as XLA and JAX do).
  DynamicSlice,
  // DynamicUpdateSlice(x, update, i0, ...): x with `update` (same rank and dtype, no extent
  // larger than x's) written at the clamped starts.
  DynamicUpdateSlice,
  // Gather(x, indices: i32/i64): NumPy take along attrs.axis; result shape
  // x.shape[:axis] + indices.shape + x.shape[axis+1:]; indices are clamped into range (a negative
  // index reads element 0; it does not count from the end).
  Gather,
  // ScatterAdd(x, indices: i32/i64, updates): x with updates added at `indices` along attrs.axis;
  // updates has the shape Gather(x, indices) would have and x's dtype; out-of-range indices
  // (negative ones included) are dropped; repeated indices accumulate.
  ScatterAdd,
  // Reductions over attrs.axes (sorted, unique), which are removed from the shape. ReduceSum of
  // nothing is 0; ReduceMax/ReduceMin over an axis of extent 0 have no identity and are rejected.
  ReduceSum, ReduceMax, ReduceMin,
  // ArgMax(x): index (i64) of the first maximum along attrs.axis, which is removed (an axis of
  // extent 0 is rejected).
  ArgMax,
  // MatMul(x, y): [m,k] x [k,n] -> [m,n], or batched [b,m,k] x [b,k,n] -> [b,m,n]; equal dtypes.
  MatMul,
  // EventSum(spikes: bool[pre], rowPtr: i32[pre+1], cols: i32[nnz], weights: f32|f64[nnz]): a
  // sparse (CSR) matrix-vector product driven by events. The result, of shape attrs.shape
  // ([post]) and the weights' dtype, starts at zero; for each i with spikes[i], the weights of
  // row i (entries rowPtr[i] to rowPtr[i+1], clamped to [0, nnz]) are added at their columns
  // (columns outside [0, post) are skipped). Its cost grows with spikes x fan-out.
  EventSum,
  // Philox(key: i64 scalar, counter: i64 scalar): random numbers of shape attrs.shape (any
  // rank, 0 included) from the Philox4x32-10 counter-based generator (Random123). The element
  // of row-major index i is a function of (key, counter + i) only: the block
  //   x = philox4x32_10(ctr = {lo(c), hi(c), 0, 0}, key = {lo(key), hi(key)}), c = counter + i
  // (64-bit wrapping sum; lo/hi are the low and high 32 bits), read per attrs.dtype through
  // word attrs.axis: i32 the word x[axis] (axis 0..3); i64 x[2a] | x[2a+1] << 32 (axis a 0..1);
  // f32 (x[axis] >> 8) * 2^-24, a uniform in [0, 1) on 24 bits; f64 ((x[2a] | x[2a+1] << 32)
  // >> 11) * 2^-53, on 53 bits. No bool. Pure: the same operands give the same numbers, eager
  // and compiled, bit for bit; RandomState (bst/Transform/Random.h) advances the counter.
  Philox,
  // Progress(step: i64 scalar): reports step `step` of attrs.count to the host's progress bar
  // (bst::forLoop with {.progress = true}); the result is `step`. It has an effect, so dead-code
  // elimination keeps it (and the loops around it) although nothing uses its result.
  Progress,
  // Control flow (see bst/Transform/ControlFlow.h). These have regions and one result per
  // carried value; the Program verifier types them, not inferType, and they have no eager
  // kernel (eager execution runs the C++ bodies directly).
  // ForLoop(c...): attrs.count iterations of region 0, whose params are the step index (i64
  // scalar) and the carries, and which yields the next carries; results: the final carries.
  ForLoop,
  // WhileLoop(c...): region 0 (params: carries) yields a bool scalar, true to run region 1
  // (params: carries) once more, which yields the next carries; results: the final carries.
  WhileLoop,
  // Switch(index, c...): runs region clamp(index, 0, #regions - 1) (no params; it reads the
  // values it needs from outside), which yields the new values of the carries c; results: those.
  Switch,
};

/// Number of OpKind values.
inline constexpr int kNumOpKinds = static_cast<int>(OpKind::Switch) + 1;

/// True for primitives with an effect besides their result (Progress).
inline bool hasEffect(OpKind kind) { return kind == OpKind::Progress; }

/// True for ForLoop, WhileLoop and Switch.
inline bool isControlFlow(OpKind kind) { return kind >= OpKind::ForLoop; }

/// "add", "reduce_sum", ... (the spelling used by the trace printer and in error messages).
const char *opName(OpKind kind);

/// The static attributes of a primitive; which fields matter depends on the op (see OpKind).
struct OpAttrs {
  std::vector<int64_t> shape;   ///< Result: Iota, BroadcastInDim, Reshape, DynamicSlice, Philox.
  std::vector<int64_t> axes;    ///< BroadcastInDim dims, Transpose permutation, reduction axes.
  std::vector<int64_t> starts;  ///< Slice.
  std::vector<int64_t> limits;  ///< Slice.
  std::vector<int64_t> strides; ///< Slice.
  int64_t axis = 0;             ///< Iota, Concatenate, Gather, ScatterAdd, ArgMax; Philox word.
  DType dtype = DType::f32;     ///< Cast target, Iota and Philox element type.
  int64_t count = 0;            ///< ForLoop trip count; Progress total.
  Array constant;               ///< Constant.

  friend bool operator==(const OpAttrs &a, const OpAttrs &b);
};

/// The result type of `kind` applied to operands of types `operands`. Throws bst::Error naming
/// the op, the operand types and the fix when they are not accepted.
AbstractArray inferType(OpKind kind, const std::vector<AbstractArray> &operands,
                        const OpAttrs &attrs);

/// The eager reference kernel: computes `kind` on concrete operands. `resultType` is what
/// inferType returned for them.
Array evaluate(OpKind kind, const std::vector<Array> &operands, const OpAttrs &attrs,
               const AbstractArray &resultType);

} // namespace bst

#endif // BST_TRACE_OP_H
