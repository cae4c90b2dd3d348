//===- OpTestUtil.h - Helpers shared by the op tests ----------------------===//
#ifndef BST_UNITTESTS_TRACE_OPTESTUTIL_H
#define BST_UNITTESTS_TRACE_OPTESTUTIL_H

#include "bst/Support/Tensor.h"

#include <vector>

namespace bst::testing {

/// A concrete tensor of `shape` holding `values` (row-major).
template <class T> Tensor tensor(std::vector<T> values, const Shape &shape) {
  return Array::fromVector<T>(values, shape);
}
/// A 1-D tensor.
template <class T> Tensor vec(std::vector<T> values) {
  int64_t n = static_cast<int64_t>(values.size());
  return Array::fromVector<T>(values, Shape{n});
}
inline Tensor f32s(std::vector<float> v) { return vec<float>(std::move(v)); }
inline Tensor f64s(std::vector<double> v) { return vec<double>(std::move(v)); }
inline Tensor i32s(std::vector<int32_t> v) {
  return vec<int32_t>(std::move(v));
}
inline Tensor i64s(std::vector<int64_t> v) {
  return vec<int64_t>(std::move(v));
}
inline Tensor bools(std::vector<bool> v) { return vec<bool>(std::move(v)); }

/// "f32[2,3]".
inline std::string typeOf(const Tensor &t) { return t.abstract().toString(); }

} // namespace bst::testing

#endif // BST_UNITTESTS_TRACE_OPTESTUTIL_H
