//===- bst/Support/Shape.h - Array shapes -----------------------*- C++ -*-===//
#ifndef BST_SUPPORT_SHAPE_H
#define BST_SUPPORT_SHAPE_H

#include "absl/container/inlined_vector.h"

#include <cstdint>
#include <initializer_list>
#include <ostream>
#include <string>
#include <vector>

namespace bst {

/// The extents of an Array, outermost first; rank 0 is a scalar. Up to four dimensions are
/// stored inline (no heap allocation). Construction checks that no extent is negative.
class Shape {
public:
  Shape() = default;
  Shape(std::initializer_list<int64_t> dims);
  explicit Shape(const std::vector<int64_t> &dims);

  size_t rank() const { return dims_.size(); }
  int64_t operator[](size_t axis) const { return dims_[axis]; }
  const int64_t *begin() const { return dims_.data(); }
  const int64_t *end() const { return dims_.data() + dims_.size(); }
  std::vector<int64_t> toVector() const { return {begin(), end()}; }

  /// Product of the extents (1 for a scalar). Throws bst::Error if it overflows int64_t.
  int64_t numElements() const;

  /// "[4,3]" ("[]" for a scalar).
  std::string toString() const;

  friend bool operator==(const Shape &a, const Shape &b) { return a.dims_ == b.dims_; }
  friend bool operator!=(const Shape &a, const Shape &b) { return !(a == b); }
  template <class H> friend H AbslHashValue(H h, const Shape &s) {
    return H::combine(std::move(h), s.dims_);
  }

private:
  void check() const;
  absl::InlinedVector<int64_t, 4> dims_;
};

std::ostream &operator<<(std::ostream &os, const Shape &shape);

} // namespace bst

#endif // BST_SUPPORT_SHAPE_H
