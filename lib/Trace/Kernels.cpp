//===- Kernels.cpp - Eager reference kernels of the primitives ------------===//
//
// One simple kernel per primitive: the semantics of bst and the oracle the
// compiler is tested against. Every kernel is linear in the size of its
// operands and result (MatMul: m*k*n), walks row-major arrays and favours the
// obviously correct formulation over speed. Integer arithmetic goes through the
// unsigned type of the same width so wrap-around is defined; f32 sums
// accumulate in double.
//
//===----------------------------------------------------------------------===//
#include "bst/Trace/Op.h"
#include "bst/Support/Progress.h"
#include "bst/Trace/Philox.h"

#include "absl/strings/str_cat.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

namespace bst {

namespace {

//===----------------------------------------------------------------------===//
// Dtype dispatch and index helpers
//===----------------------------------------------------------------------===//

/// Calls `fn(T{})` with T the C++ element type of `dtype`.
template <class Fn> decltype(auto) dispatch(DType dtype, Fn &&fn) {
  switch (dtype) {
  case DType::f32:
    return fn(float{});
  case DType::f64:
    return fn(double{});
  case DType::i32:
    return fn(int32_t{});
  case DType::i64:
    return fn(int64_t{});
  case DType::boolean:
    return fn(bool{});
  }
  throw Error(ErrorCode::Internal, "evaluate: unknown dtype");
}

template <class T> constexpr bool kIsFloat = std::is_floating_point_v<T>;
template <class T>
constexpr bool kIsInt = std::is_integral_v<T> && !std::is_same_v<T, bool>;

/// Wrapping integer arithmetic through the unsigned type of the same width.
template <class T> T wrapAdd(T a, T b) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
}
template <class T> T wrapSub(T a, T b) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(a) - static_cast<U>(b));
}
template <class T> T wrapMul(T a, T b) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(a) * static_cast<U>(b));
}
template <class T> T wrapNeg(T a) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(U(0) - static_cast<U>(a));
}

/// Row-major strides of `shape`, in elements.
std::vector<int64_t> stridesOf(const Shape &shape) {
  std::vector<int64_t> strides(shape.rank(), 1);
  for (size_t d = shape.rank(); d-- > 1;)
    strides[d - 1] = strides[d] * shape[d];
  return strides;
}

int64_t product(const Shape &shape, size_t from, size_t to) {
  int64_t p = 1;
  for (size_t d = from; d < to; ++d)
    p *= shape[d];
  return p;
}

/// Walks every multi-index of `shape` in row-major order, keeping an offset
/// into another array whose stride (in elements) along result dimension d is
/// `strides[d]`. Calls `fn(linearIndex, offset)`. Amortised O(1) per element.
template <class Fn>
void forEachIndex(const Shape &shape, int64_t offset,
                  const std::vector<int64_t> &strides, Fn &&fn) {
  int64_t n = shape.numElements();
  if (n == 0)
    return;
  size_t rank = shape.rank();
  std::vector<int64_t> idx(rank, 0);
  for (int64_t i = 0; i < n; ++i) {
    fn(i, offset);
    for (size_t d = rank; d-- > 0;) {
      if (++idx[d] < shape[d]) {
        offset += strides[d];
        break;
      }
      offset -= strides[d] * (shape[d] - 1);
      idx[d] = 0;
    }
  }
}

/// result[i] = src[offset + sum_d idx[d] * srcStrides[d]] for every index of
/// `resultType`: the shared kernel of BroadcastInDim, Transpose, Slice and
/// DynamicSlice.
Array stridedCopy(const Array &src, int64_t offset,
                  const std::vector<int64_t> &srcStrides,
                  const AbstractArray &resultType) {
  Array result(resultType.shape, resultType.dtype);
  size_t elem = sizeOf(resultType.dtype);
  const auto *in = static_cast<const char *>(src.rawData());
  auto *out = static_cast<char *>(result.mutableRawData());
  forEachIndex(resultType.shape, offset, srcStrides,
               [&](int64_t i, int64_t off) {
                 std::memcpy(out + i * elem, in + off * elem, elem);
               });
  return result;
}

/// Reads a rank-0 i32 or i64 array as int64_t.
int64_t indexValue(const Array &a) {
  if (a.dtype() == DType::i32)
    return a.item<int32_t>();
  return a.item<int64_t>();
}

/// Reads element `i` of an i32 or i64 array.
int64_t indexAt(const Array &a, int64_t i) {
  if (a.dtype() == DType::i32)
    return a.data<int32_t>()[i];
  return a.data<int64_t>()[i];
}

/// The clamped start of every dimension for DynamicSlice / DynamicUpdateSlice:
/// starts are the operands from `first` on, `sizes` the extents of the slice.
std::vector<int64_t> clampedStarts(const std::vector<Array> &operands,
                                   size_t first, const Shape &shape,
                                   const Shape &sizes) {
  std::vector<int64_t> starts(shape.rank());
  for (size_t d = 0; d < shape.rank(); ++d)
    starts[d] = std::clamp<int64_t>(indexValue(operands[first + d]), 0,
                                    shape[d] - sizes[d]);
  return starts;
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

/// Half-to-even rounding independent of the floating-point environment.
template <class T> T roundHalfEven(T x) {
  if (!std::isfinite(x))
    return x;
  T lo = std::floor(x);
  // Exact except for x in (-0.5, 0), where every branch below gives -0.
  T diff = x - lo;
  T r = diff > T(0.5)                 ? lo + T(1)
        : diff < T(0.5)               ? lo
        : std::fmod(lo, T(2)) == T(0) ? lo
                                      : lo + T(1);
  return std::copysign(r, x); // -0.4 rounds to -0, as in NumPy
}

template <class T> T sigmoidOf(T x) {
  if (x >= T(0))
    return T(1) / (T(1) + std::exp(-x));
  T e = std::exp(x);
  return e / (T(1) + e);
}

template <class T> T unaryElement(OpKind kind, T x) {
  if constexpr (std::is_same_v<T, bool>) {
    return !x; // Not is the only unary primitive on bool.
  } else {
    switch (kind) {
    case OpKind::Neg:
      if constexpr (kIsInt<T>)
        return wrapNeg(x);
      else
        return -x;
    case OpKind::Abs:
      if constexpr (kIsInt<T>)
        return x < 0 ? wrapNeg(x) : x;
      else
        return std::fabs(x);
    case OpKind::Sign:
      if constexpr (kIsInt<T>)
        return static_cast<T>((x > 0) - (x < 0));
      else
        return x > 0 ? T(1) : x < 0 ? T(-1) : x;
    default:
      break;
    }
    if constexpr (kIsFloat<T>) {
      switch (kind) {
      case OpKind::Exp:
        return std::exp(x);
      case OpKind::Log:
        return std::log(x);
      case OpKind::Log1p:
        return std::log1p(x);
      case OpKind::Expm1:
        return std::expm1(x);
      case OpKind::Sqrt:
        return std::sqrt(x);
      case OpKind::Rsqrt:
        return T(1) / std::sqrt(x);
      case OpKind::Tanh:
        return std::tanh(x);
      case OpKind::Sigmoid:
        return sigmoidOf(x);
      case OpKind::Sin:
        return std::sin(x);
      case OpKind::Cos:
        return std::cos(x);
      case OpKind::Floor:
        return std::floor(x);
      case OpKind::Ceil:
        return std::ceil(x);
      case OpKind::Round:
        return roundHalfEven(x);
      default:
        break;
      }
    }
    throw Error(ErrorCode::Internal,
                absl::StrCat("evaluate: no kernel for ", opName(kind)));
  }
}

Array evalUnary(OpKind kind, const Array &x, const AbstractArray &type) {
  Array result(type.shape, type.dtype);
  dispatch(type.dtype, [&](auto tag) {
    using T = decltype(tag);
    const T *in = x.data<T>();
    T *out = result.mutableData<T>();
    for (int64_t i = 0, n = x.numElements(); i < n; ++i)
      out[i] = unaryElement<T>(kind, in[i]);
  });
  return result;
}

template <class T> T intPow(T base, T exp) {
  if (exp < 0) {
    if (base == 1)
      return 1;
    if (base == -1)
      return (exp & 1) ? T(-1) : T(1);
    return 0;
  }
  T result = 1;
  while (exp > 0) {
    if (exp & 1)
      result = wrapMul(result, base);
    exp >>= 1;
    if (exp)
      base = wrapMul(base, base);
  }
  return result;
}

template <class T> T intDiv(T a, T b) {
  if (b == 0)
    return 0;
  if (b == -1)
    return wrapNeg(a); // INT_MIN / -1 wraps to INT_MIN
  return a / b;
}

// IEEE 754-2019 minimum and maximum, as compiled code computes them (arith.minimumf/maximumf):
// NaN propagates and -0 is less than +0 (so relu(-0) is +0).
template <class T> T nanMin(T a, T b) {
  if constexpr (kIsFloat<T>) {
    if (std::isnan(a) || std::isnan(b))
      return std::numeric_limits<T>::quiet_NaN();
    if (a == b)
      return std::signbit(a) ? a : b;
  }
  return b < a ? b : a;
}
template <class T> T nanMax(T a, T b) {
  if constexpr (kIsFloat<T>) {
    if (std::isnan(a) || std::isnan(b))
      return std::numeric_limits<T>::quiet_NaN();
    if (a == b)
      return std::signbit(a) ? b : a;
  }
  return a < b ? b : a;
}

template <class T> T binaryElement(OpKind kind, T a, T b) {
  switch (kind) {
  case OpKind::Min:
    return nanMin(a, b);
  case OpKind::Max:
    return nanMax(a, b);
  default:
    break;
  }
  if constexpr (std::is_same_v<T, bool>) {
    if (kind == OpKind::And)
      return a && b;
    if (kind == OpKind::Or)
      return a || b;
  } else if constexpr (kIsInt<T>) {
    switch (kind) {
    case OpKind::Add:
      return wrapAdd(a, b);
    case OpKind::Sub:
      return wrapSub(a, b);
    case OpKind::Mul:
      return wrapMul(a, b);
    case OpKind::Div:
      return intDiv(a, b);
    case OpKind::Pow:
      return intPow(a, b);
    default:
      break;
    }
  } else {
    switch (kind) {
    case OpKind::Add:
      return a + b;
    case OpKind::Sub:
      return a - b;
    case OpKind::Mul:
      return a * b;
    case OpKind::Div:
      return a / b;
    case OpKind::Pow:
      return std::pow(a, b);
    default:
      break;
    }
  }
  throw Error(ErrorCode::Internal,
              absl::StrCat("evaluate: no kernel for ", opName(kind)));
}

template <class T> bool compareElement(OpKind kind, T a, T b) {
  switch (kind) {
  case OpKind::Lt:
    return a < b;
  case OpKind::Le:
    return a <= b;
  case OpKind::Gt:
    return a > b;
  case OpKind::Ge:
    return a >= b;
  case OpKind::Eq:
    return a == b;
  default:
    return a != b;
  }
}

Array evalBinary(OpKind kind, const Array &x, const Array &y,
                 const AbstractArray &type) {
  Array result(type.shape, type.dtype);
  bool compare = kind >= OpKind::Lt && kind <= OpKind::Ne;
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T *a = x.data<T>();
    const T *b = y.data<T>();
    int64_t n = x.numElements();
    if (compare) {
      bool *out = result.mutableData<bool>();
      for (int64_t i = 0; i < n; ++i)
        out[i] = compareElement<T>(kind, a[i], b[i]);
      return;
    }
    T *out = result.mutableData<T>();
    for (int64_t i = 0; i < n; ++i)
      out[i] = binaryElement<T>(kind, a[i], b[i]);
  });
  return result;
}

Array evalSelect(const std::vector<Array> &ops, const AbstractArray &type) {
  Array result(type.shape, type.dtype);
  const bool *c = ops[0].data<bool>();
  dispatch(type.dtype, [&](auto tag) {
    using T = decltype(tag);
    const T *a = ops[1].data<T>();
    const T *b = ops[2].data<T>();
    T *out = result.mutableData<T>();
    for (int64_t i = 0, n = result.numElements(); i < n; ++i)
      out[i] = c[i] ? a[i] : b[i];
  });
  return result;
}

/// One element of Cast: float to int truncates and saturates, NaN to 0.
template <class To, class From> To castElement(From v) {
  if constexpr (std::is_same_v<To, bool>) {
    return v != From(0);
  } else if constexpr (kIsInt<To> && kIsFloat<From>) {
    if (std::isnan(v))
      return 0;
    // The bounds are powers of two, exact in every floating type.
    constexpr From lo = static_cast<From>(std::numeric_limits<To>::min());
    constexpr From hi = -lo;
    if (v <= lo)
      return std::numeric_limits<To>::min();
    if (v >= hi)
      return std::numeric_limits<To>::max();
    return static_cast<To>(v);
  } else {
    return static_cast<To>(v); // int narrowing wraps (C++20), the rest is exact
  }
}

Array evalCast(const Array &x, const AbstractArray &type) {
  Array result(type.shape, type.dtype);
  dispatch(x.dtype(), [&](auto fromTag) {
    using From = decltype(fromTag);
    const From *in = x.data<From>();
    dispatch(type.dtype, [&](auto toTag) {
      using To = decltype(toTag);
      To *out = result.mutableData<To>();
      for (int64_t i = 0, n = x.numElements(); i < n; ++i)
        out[i] = castElement<To, From>(in[i]);
    });
  });
  return result;
}

//===----------------------------------------------------------------------===//
// Creation and shape manipulation
//===----------------------------------------------------------------------===//

Array evalIota(const OpAttrs &attrs, const AbstractArray &type) {
  Array result(type.shape, type.dtype);
  std::vector<int64_t> strides = stridesOf(type.shape);
  int64_t axisStride = strides[attrs.axis], extent = type.shape[attrs.axis];
  dispatch(type.dtype, [&](auto tag) {
    using T = decltype(tag);
    T *out = result.mutableData<T>();
    for (int64_t i = 0, n = result.numElements(); i < n; ++i)
      out[i] = static_cast<T>((i / axisStride) % extent);
  });
  return result;
}

Array evalBroadcastInDim(const Array &x, const OpAttrs &attrs,
                         const AbstractArray &type) {
  std::vector<int64_t> xStrides = stridesOf(x.shape());
  std::vector<int64_t> strides(type.shape.rank(), 0);
  for (size_t i = 0; i < attrs.axes.size(); ++i)
    if (x.shape()[i] != 1)
      strides[attrs.axes[i]] = xStrides[i];
  return stridedCopy(x, 0, strides, type);
}

Array evalReshape(const Array &x, const AbstractArray &type) {
  Array result(type.shape, type.dtype);
  if (result.nbytes())
    std::memcpy(result.mutableRawData(), x.rawData(), result.nbytes());
  return result;
}

Array evalTranspose(const Array &x, const OpAttrs &attrs,
                    const AbstractArray &type) {
  std::vector<int64_t> xStrides = stridesOf(x.shape());
  std::vector<int64_t> strides(attrs.axes.size());
  for (size_t i = 0; i < attrs.axes.size(); ++i)
    strides[i] = xStrides[attrs.axes[i]];
  return stridedCopy(x, 0, strides, type);
}

Array evalConcatenate(const std::vector<Array> &ops, const OpAttrs &attrs,
                      const AbstractArray &type) {
  Array result(type.shape, type.dtype);
  size_t axis = static_cast<size_t>(attrs.axis);
  size_t elem = sizeOf(type.dtype);
  int64_t outer = product(type.shape, 0, axis);
  int64_t inner = product(type.shape, axis + 1, type.shape.rank());
  auto *out = static_cast<char *>(result.mutableRawData());
  for (int64_t o = 0; o < outer; ++o) {
    for (const Array &x : ops) {
      size_t chunk = static_cast<size_t>(x.shape()[axis] * inner) * elem;
      if (chunk == 0)
        continue;
      std::memcpy(out, static_cast<const char *>(x.rawData()) + o * chunk,
                  chunk);
      out += chunk;
    }
  }
  return result;
}

Array evalSlice(const Array &x, const OpAttrs &attrs,
                const AbstractArray &type) {
  std::vector<int64_t> xStrides = stridesOf(x.shape());
  std::vector<int64_t> strides(xStrides.size());
  int64_t offset = 0;
  for (size_t d = 0; d < xStrides.size(); ++d) {
    offset += attrs.starts[d] * xStrides[d];
    strides[d] = attrs.strides[d] * xStrides[d];
  }
  return stridedCopy(x, offset, strides, type);
}

Array evalDynamicSlice(const std::vector<Array> &ops,
                       const AbstractArray &type) {
  const Array &x = ops[0];
  std::vector<int64_t> strides = stridesOf(x.shape());
  std::vector<int64_t> starts = clampedStarts(ops, 1, x.shape(), type.shape);
  int64_t offset = 0;
  for (size_t d = 0; d < strides.size(); ++d)
    offset += starts[d] * strides[d];
  return stridedCopy(x, offset, strides, type);
}

Array evalDynamicUpdateSlice(const std::vector<Array> &ops,
                             const AbstractArray &type) {
  Array result = ops[0];
  const Array &update = ops[1];
  std::vector<int64_t> strides = stridesOf(result.shape());
  std::vector<int64_t> starts =
      clampedStarts(ops, 2, result.shape(), update.shape());
  int64_t offset = 0;
  for (size_t d = 0; d < strides.size(); ++d)
    offset += starts[d] * strides[d];
  size_t elem = sizeOf(type.dtype);
  auto *out = static_cast<char *>(result.mutableRawData());
  const auto *in = static_cast<const char *>(update.rawData());
  forEachIndex(update.shape(), offset, strides, [&](int64_t i, int64_t off) {
    std::memcpy(out + off * elem, in + i * elem, elem);
  });
  return result;
}

//===----------------------------------------------------------------------===//
// Indexing
//===----------------------------------------------------------------------===//

Array evalGather(const Array &x, const Array &indices, const OpAttrs &attrs,
                 const AbstractArray &type) {
  Array result(type.shape, type.dtype);
  size_t axis = static_cast<size_t>(attrs.axis);
  int64_t outer = product(x.shape(), 0, axis);
  int64_t extent = x.shape()[axis];
  size_t chunk = static_cast<size_t>(product(x.shape(), axis + 1, x.rank())) *
                 sizeOf(type.dtype);
  int64_t m = indices.numElements();
  if (chunk == 0 || m == 0 || outer == 0)
    return result;
  const auto *in = static_cast<const char *>(x.rawData());
  auto *out = static_cast<char *>(result.mutableRawData());
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t j = 0; j < m; ++j) {
      int64_t k = std::clamp<int64_t>(indexAt(indices, j), 0, extent - 1);
      std::memcpy(out, in + (o * extent + k) * chunk, chunk);
      out += chunk;
    }
  }
  return result;
}

Array evalScatterAdd(const std::vector<Array> &ops, const OpAttrs &attrs,
                     const AbstractArray &type) {
  Array result = ops[0];
  const Array &indices = ops[1], &updates = ops[2];
  size_t axis = static_cast<size_t>(attrs.axis);
  int64_t outer = product(result.shape(), 0, axis);
  int64_t extent = result.shape()[axis];
  int64_t inner = product(result.shape(), axis + 1, result.rank());
  int64_t m = indices.numElements();
  if (inner == 0 || m == 0 || outer == 0)
    return result;
  dispatch(type.dtype, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (!std::is_same_v<T, bool>) {
      T *out = result.mutableData<T>();
      const T *upd = updates.data<T>();
      for (int64_t o = 0; o < outer; ++o) {
        for (int64_t j = 0; j < m; ++j) {
          int64_t k = indexAt(indices, j);
          if (k < 0 || k >= extent)
            continue;
          T *dst = out + (o * extent + k) * inner;
          const T *src = upd + (o * m + j) * inner;
          for (int64_t i = 0; i < inner; ++i) {
            if constexpr (kIsInt<T>)
              dst[i] = wrapAdd(dst[i], src[i]);
            else
              dst[i] += src[i];
          }
        }
      }
    }
  });
  return result;
}

//===----------------------------------------------------------------------===//
// Reductions and MatMul
//===----------------------------------------------------------------------===//

/// Strides, per operand dimension, into the result of a reduction over `axes`
/// (0 on reduced dimensions).
std::vector<int64_t> reductionStrides(const Shape &shape,
                                      const std::vector<int64_t> &axes,
                                      const Shape &resultShape) {
  std::vector<int64_t> resultStrides = stridesOf(resultShape);
  std::vector<int64_t> strides(shape.rank(), 0);
  size_t next = 0, r = 0;
  for (size_t d = 0; d < shape.rank(); ++d) {
    if (next < axes.size() && axes[next] == static_cast<int64_t>(d)) {
      ++next;
      continue;
    }
    strides[d] = resultStrides[r++];
  }
  return strides;
}

/// The accumulator type of a sum: double for floats, the unsigned type for
/// integers (wraps).
template <class T> struct SumAcc { using type = double; };
template <> struct SumAcc<int32_t> { using type = uint32_t; };
template <> struct SumAcc<int64_t> { using type = uint64_t; };

Array evalReduce(OpKind kind, const Array &x, const OpAttrs &attrs,
                 const AbstractArray &type) {
  Array result(type.shape, type.dtype);
  std::vector<int64_t> strides =
      reductionStrides(x.shape(), attrs.axes, type.shape);
  int64_t n = result.numElements();
  dispatch(type.dtype, [&](auto tag) {
    using T = decltype(tag);
    const T *in = x.data<T>();
    T *out = result.mutableData<T>();
    if (kind == OpKind::ReduceSum) {
      if constexpr (!std::is_same_v<T, bool>) {
        using Acc = typename SumAcc<T>::type;
        std::vector<Acc> acc(n, Acc(0));
        forEachIndex(x.shape(), 0, strides, [&](int64_t i, int64_t r) {
          acc[r] += static_cast<Acc>(in[i]);
        });
        for (int64_t r = 0; r < n; ++r)
          out[r] = static_cast<T>(acc[r]);
      }
      return;
    }
    bool isMax = kind == OpKind::ReduceMax;
    std::vector<bool> seen(n, false);
    forEachIndex(x.shape(), 0, strides, [&](int64_t i, int64_t r) {
      if (!seen[r]) {
        out[r] = in[i];
        seen[r] = true;
        return;
      }
      out[r] = isMax ? nanMax(out[r], in[i]) : nanMin(out[r], in[i]);
    });
  });
  return result;
}

Array evalArgMax(const Array &x, const OpAttrs &attrs,
                 const AbstractArray &type) {
  Array result(type.shape, type.dtype);
  std::vector<int64_t> strides =
      reductionStrides(x.shape(), {attrs.axis}, type.shape);
  int64_t *out = result.mutableData<int64_t>();
  int64_t n = result.numElements();
  int64_t axisStride = stridesOf(x.shape())[attrs.axis];
  int64_t extent = x.shape()[attrs.axis];
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T *in = x.data<T>();
    std::vector<T> best(n);
    std::vector<bool> seen(n, false);
    forEachIndex(x.shape(), 0, strides, [&](int64_t i, int64_t r) {
      T v = in[i];
      bool better = !seen[r];
      if constexpr (kIsFloat<T>) {
        if (seen[r] && !std::isnan(best[r]))
          better = std::isnan(v) || v > best[r];
      } else {
        if (seen[r])
          better = v > best[r];
      }
      if (better) {
        best[r] = v;
        out[r] = (i / axisStride) % extent;
        seen[r] = true;
      }
    });
  });
  return result;
}

Array evalMatMul(const Array &x, const Array &y, const AbstractArray &type) {
  Array result(type.shape, type.dtype);
  bool batched = type.shape.rank() == 3;
  int64_t b = batched ? type.shape[0] : 1;
  int64_t m = x.shape()[x.rank() - 2], k = x.shape()[x.rank() - 1];
  int64_t n = y.shape()[y.rank() - 1];
  dispatch(type.dtype, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (!std::is_same_v<T, bool>) {
      using Acc = typename SumAcc<T>::type;
      const T *a = x.data<T>();
      const T *c = y.data<T>();
      T *out = result.mutableData<T>();
      std::vector<Acc> row(n);
      for (int64_t batch = 0; batch < b; ++batch) {
        const T *ab = a + batch * m * k;
        const T *cb = c + batch * k * n;
        for (int64_t i = 0; i < m; ++i) {
          std::fill(row.begin(), row.end(), Acc(0));
          for (int64_t p = 0; p < k; ++p) {
            Acc av = static_cast<Acc>(ab[i * k + p]);
            const T *crow = cb + p * n;
            for (int64_t j = 0; j < n; ++j)
              row[j] += av * static_cast<Acc>(crow[j]);
          }
          T *orow = out + (batch * m + i) * n;
          for (int64_t j = 0; j < n; ++j)
            orow[j] = static_cast<T>(row[j]);
        }
      }
    }
  });
  return result;
}

} // namespace

Array evalEventSum(const std::vector<Array> &ops, const AbstractArray &type) {
  Array result(type.shape, type.dtype);
  const bool *spikes = ops[0].data<bool>();
  const int32_t *rowPtr = ops[1].data<int32_t>();
  const int32_t *cols = ops[2].data<int32_t>();
  int64_t pre = ops[0].numElements(), nnz = ops[2].numElements(), post = type.shape[0];
  auto clampRow = [&](int32_t r) { return std::clamp<int64_t>(r, 0, nnz); };
  dispatch(type.dtype, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      T *out = result.mutableData<T>();
      const T *w = ops[3].data<T>();
      for (int64_t i = 0; i < pre; ++i) {
        if (!spikes[i])
          continue;
        for (int64_t j = clampRow(rowPtr[i]), end = clampRow(rowPtr[i + 1]); j < end; ++j)
          if (cols[j] >= 0 && cols[j] < post)
            out[cols[j]] += w[j];
      }
    }
  });
  return result;
}

/// Philox: each element from its own block (bst/Trace/Philox.h), read through attrs.axis.
static Array evalPhilox(const std::vector<Array> &ops, const OpAttrs &attrs,
                        const AbstractArray &type) {
  Array result(type.shape, type.dtype);
  uint64_t key = static_cast<uint64_t>(ops[0].item<int64_t>());
  uint64_t counter = static_cast<uint64_t>(ops[1].item<int64_t>());
  int64_t n = result.numElements();
  size_t w = static_cast<size_t>(attrs.axis);
  auto pair = [w](const std::array<uint32_t, 4> &x) {
    return uint64_t{x[2 * w]} | uint64_t{x[2 * w + 1]} << 32;
  };
  switch (type.dtype) {
  case DType::i32: {
    int32_t *out = result.mutableData<int32_t>();
    for (int64_t i = 0; i < n; ++i)
      out[i] = static_cast<int32_t>(philoxBlock(key, counter + i)[w]);
    break;
  }
  case DType::i64: {
    int64_t *out = result.mutableData<int64_t>();
    for (int64_t i = 0; i < n; ++i)
      out[i] = static_cast<int64_t>(pair(philoxBlock(key, counter + i)));
    break;
  }
  case DType::f32: {
    float *out = result.mutableData<float>();
    for (int64_t i = 0; i < n; ++i)
      out[i] = static_cast<float>(philoxBlock(key, counter + i)[w] >> 8) * 0x1p-24f;
    break;
  }
  case DType::f64: {
    double *out = result.mutableData<double>();
    for (int64_t i = 0; i < n; ++i)
      out[i] = static_cast<double>(pair(philoxBlock(key, counter + i)) >> 11) * 0x1p-53;
    break;
  }
  case DType::boolean:
    throw Error(ErrorCode::Internal, "evaluate: philox cannot produce bool");
  }
  return result;
}

Array evaluate(OpKind kind, const std::vector<Array> &operands,
               const OpAttrs &attrs, const AbstractArray &resultType) {
  if (kind >= OpKind::Neg && kind <= OpKind::Not)
    return evalUnary(kind, operands[0], resultType);
  if (kind >= OpKind::Add && kind <= OpKind::Ne)
    return evalBinary(kind, operands[0], operands[1], resultType);
  switch (kind) {
  case OpKind::Select:
    return evalSelect(operands, resultType);
  case OpKind::Cast:
    return evalCast(operands[0], resultType);
  case OpKind::Constant:
    return attrs.constant;
  case OpKind::Iota:
    return evalIota(attrs, resultType);
  case OpKind::BroadcastInDim:
    return evalBroadcastInDim(operands[0], attrs, resultType);
  case OpKind::Reshape:
    return evalReshape(operands[0], resultType);
  case OpKind::Transpose:
    return evalTranspose(operands[0], attrs, resultType);
  case OpKind::Concatenate:
    return evalConcatenate(operands, attrs, resultType);
  case OpKind::Slice:
    return evalSlice(operands[0], attrs, resultType);
  case OpKind::DynamicSlice:
    return evalDynamicSlice(operands, resultType);
  case OpKind::DynamicUpdateSlice:
    return evalDynamicUpdateSlice(operands, resultType);
  case OpKind::Gather:
    return evalGather(operands[0], operands[1], attrs, resultType);
  case OpKind::ScatterAdd:
    return evalScatterAdd(operands, attrs, resultType);
  case OpKind::ReduceSum:
  case OpKind::ReduceMax:
  case OpKind::ReduceMin:
    return evalReduce(kind, operands[0], attrs, resultType);
  case OpKind::ArgMax:
    return evalArgMax(operands[0], attrs, resultType);
  case OpKind::MatMul:
    return evalMatMul(operands[0], operands[1], resultType);
  case OpKind::EventSum:
    return evalEventSum(operands, resultType);
  case OpKind::Philox:
    return evalPhilox(operands, attrs, resultType);
  case OpKind::Progress:
    detail::progressTick(operands[0].item<int64_t>(), attrs.count);
    return operands[0];
  default:
    break;
  }
  throw Error(
      ErrorCode::Internal,
      absl::StrCat("evaluate: no kernel for op kind ", static_cast<int>(kind)));
}

} // namespace bst
