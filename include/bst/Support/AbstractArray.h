//===- bst/Support/AbstractArray.h - Shape and dtype of an array -*- C++ -*-===//
#ifndef BST_SUPPORT_ABSTRACTARRAY_H
#define BST_SUPPORT_ABSTRACTARRAY_H

#include "bst/Support/DType.h"
#include "bst/Support/Shape.h"

#include <string>

namespace bst {

/// What a compiled function knows of an array: its shape and dtype, no values.
struct AbstractArray {
  Shape shape;
  DType dtype = DType::f32;

  /// "f32[4,3]"; a scalar prints as "f32[]".
  std::string toString() const;

  friend bool operator==(const AbstractArray &a, const AbstractArray &b) {
    return a.dtype == b.dtype && a.shape == b.shape;
  }
  friend bool operator!=(const AbstractArray &a, const AbstractArray &b) { return !(a == b); }
  template <class H> friend H AbslHashValue(H h, const AbstractArray &a) {
    return H::combine(std::move(h), a.shape, a.dtype);
  }
};

std::ostream &operator<<(std::ostream &os, const AbstractArray &a);

} // namespace bst

#endif // BST_SUPPORT_ABSTRACTARRAY_H
