//===- bst/Transform/ErrorIf.h - Errors raised from compiled code --*- C++ -*-===//
//
// bst::errorIf(pred, "v = {} at neuron {}", v, i) checks a condition in eager and in compiled
// code alike. Eagerly it throws bst::CheckError at once. Under bst::jit the check is compiled
// into the function (inside loops and branches too); if it fires, the call finishes, then every
// state is put back to the value it had before the call and bst::CheckError is thrown with the
// formatted message: a call either completes or changes nothing. See
// docs/errors-in-compiled-code.md.
//
//===----------------------------------------------------------------------===//
#ifndef BST_TRANSFORM_ERRORIF_H
#define BST_TRANSFORM_ERRORIF_H

#include "bst/Support/Array.h"
#include "bst/Support/Tensor.h"

#include <concepts>
#include <string>
#include <type_traits>
#include <vector>

namespace bst {

namespace detail {
void errorIfImpl(const Tensor &pred, const std::string &message,
                 const std::vector<Tensor> &values);
template <class T> Tensor checkValue(const T &value) {
  if constexpr (std::is_arithmetic_v<T>)
    return Array::scalar(value);
  else
    return Tensor(value);
}
} // namespace detail

/// Throws bst::CheckError with `message` if any element of the bool tensor `pred` is true. Each
/// `{}` in `message` is replaced by the next of `values` (scalar tensors of any dtype, or C++
/// numbers; at most 8). Inside bst::jit the error is raised after the call and no state keeps a
/// write from that call; when several checks fire in one call, the first one (in execution
/// order) is reported.
template <class... V> void errorIf(const Tensor &pred, const std::string &message,
                                   const V &...values) {
  detail::errorIfImpl(pred, message, {detail::checkValue(values)...});
}

} // namespace bst

#endif // BST_TRANSFORM_ERRORIF_H
