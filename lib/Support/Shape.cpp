//===- Shape.cpp ----------------------------------------------------------===//
#include "bst/Support/Shape.h"
#include "bst/Support/AbstractArray.h"
#include "bst/Support/Error.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace bst {

Shape::Shape(std::initializer_list<int64_t> dims) : dims_(dims) { check(); }
Shape::Shape(const std::vector<int64_t> &dims) : dims_(dims.begin(), dims.end()) { check(); }

void Shape::check() const {
  for (int64_t d : dims_)
    if (d < 0)
      throw Error(ErrorCode::InvalidArgument,
                  absl::StrCat("invalid shape [", absl::StrJoin(dims_, ","),
                               "]: extents must be zero or positive"));
  (void)numElements(); // Throws on overflow.
}

int64_t Shape::numElements() const {
  int64_t n = 1;
  for (int64_t d : dims_)
    if (__builtin_mul_overflow(n, d, &n))
      throw Error(ErrorCode::InvalidArgument,
                  absl::StrCat("shape [", absl::StrJoin(dims_, ","),
                               "] has more elements than an int64 can count"));
  return n;
}

std::string Shape::toString() const { return absl::StrCat("[", absl::StrJoin(dims_, ","), "]"); }

std::ostream &operator<<(std::ostream &os, const Shape &shape) { return os << shape.toString(); }

std::string AbstractArray::toString() const {
  return absl::StrCat(dtypeName(dtype), shape.toString());
}

std::ostream &operator<<(std::ostream &os, const AbstractArray &a) { return os << a.toString(); }

} // namespace bst
