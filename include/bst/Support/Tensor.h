//===- bst/Support/Tensor.h - The value users compute with ------*- C++ -*-===//
//
// A Tensor is what model code computes with. It is either concrete (it holds an Array) or traced:
// an opaque handle to a value of the function bst::jit is tracing (implemented by the Trace
// layer). Model code written against Tensor is traced without change.
//
//===----------------------------------------------------------------------===//
#ifndef BST_SUPPORT_TENSOR_H
#define BST_SUPPORT_TENSOR_H

#include "bst/Support/Array.h"

#include <memory>

namespace bst {

namespace detail {
/// The traced side of a Tensor: a value of a program being traced. The Trace layer derives from
/// it; elsewhere only its type is visible.
class TracedValue {
public:
  explicit TracedValue(AbstractArray type) : type_(std::move(type)) {}
  virtual ~TracedValue();
  const AbstractArray &type() const { return type_; }

private:
  AbstractArray type_;
};
} // namespace detail

/// A value in a model computation. Copying shares the underlying buffer (value semantics through
/// the Array's copy-on-write). Thread safety: as Array.
class Tensor {
public:
  Tensor() = default;
  /// Wraps a concrete array (implicit: an Array is a Tensor).
  Tensor(Array array) : array_(std::move(array)) {}
  /// A traced tensor (used by the Trace layer).
  explicit Tensor(std::shared_ptr<detail::TracedValue> traced);

  const Shape &shape() const { return traced_ ? traced_->type().shape : array_.shape(); }
  DType dtype() const { return traced_ ? traced_->type().dtype : array_.dtype(); }
  size_t rank() const { return shape().rank(); }
  int64_t numElements() const { return shape().numElements(); }
  AbstractArray abstract() const { return traced_ ? traced_->type() : array_.abstract(); }

  /// True for a value of a function being traced, whose elements are not known yet.
  bool isTraced() const { return traced_ != nullptr; }
  const std::shared_ptr<detail::TracedValue> &traced() const { return traced_; }

  /// The concrete value; throws bst::Error for a traced tensor.
  const Array &array() const {
    if (traced_) [[unlikely]]
      throwTraced();
    return array_;
  }
  /// The concrete value, writable (copy-on-write applies); throws bst::Error for a traced tensor.
  Array &mutableArray() {
    if (traced_) [[unlikely]]
      throwTraced();
    return array_;
  }
  /// The elements as a std::vector<T>; T must match dtype().
  template <class T> std::vector<T> toVector() const { return array().toVector<T>(); }
  /// The single element of a one-element tensor.
  template <class T> T item() const { return array().item<T>(); }

  /// The array's toString(), or "traced f32[4]".
  std::string toString() const;

private:
  [[noreturn]] void throwTraced() const;
  Array array_;
  std::shared_ptr<detail::TracedValue> traced_;
};

inline std::ostream &operator<<(std::ostream &os, const Tensor &t) { return os << t.toString(); }

} // namespace bst

#endif // BST_SUPPORT_TENSOR_H
