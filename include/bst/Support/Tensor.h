//===- bst/Support/Tensor.h - The value users compute with ------*- C++ -*-===//
//
// A Tensor is what model code computes with. Today every Tensor is concrete: it holds an Array.
// The tracer adds a second variant behind this same type (an opaque handle to a traced value),
// so model code written against Tensor is traced without change.
//
//===----------------------------------------------------------------------===//
#ifndef BST_SUPPORT_TENSOR_H
#define BST_SUPPORT_TENSOR_H

#include "bst/Support/Array.h"

namespace bst {

/// A value in a model computation. Copying shares the underlying buffer (value semantics through
/// the Array's copy-on-write). Thread safety: as Array.
class Tensor {
public:
  Tensor() = default;
  /// Wraps a concrete array (implicit: an Array is a Tensor).
  Tensor(Array array) : array_(std::move(array)) {}

  const Shape &shape() const { return array_.shape(); }
  DType dtype() const { return array_.dtype(); }
  size_t rank() const { return array_.rank(); }
  int64_t numElements() const { return array_.numElements(); }
  AbstractArray abstract() const { return array_.abstract(); }

  /// The concrete value.
  const Array &array() const { return array_; }
  /// The elements as a std::vector<T>; T must match dtype().
  template <class T> std::vector<T> toVector() const { return array_.toVector<T>(); }
  /// The single element of a one-element tensor.
  template <class T> T item() const { return array_.item<T>(); }

  std::string toString() const { return array_.toString(); }

private:
  Array array_;
};

inline std::ostream &operator<<(std::ostream &os, const Tensor &t) { return os << t.array(); }

} // namespace bst

#endif // BST_SUPPORT_TENSOR_H
