//===- bst/Graph/Attribute.h - Static attributes of a module ---*- C++ -*-===//
//
// An Attribute is a small constant a module declares about itself (a layer
// width, a time constant, a mode name) with Module::registerAttribute. It is
// part of the module's GraphDef, so two models that differ only in such a
// constant have different GraphDefs (and different compile-cache keys).
//
//===----------------------------------------------------------------------===//
#ifndef BST_GRAPH_ATTRIBUTE_H
#define BST_GRAPH_ATTRIBUTE_H

#include <cstdint>
#include <cstring>
#include <ostream>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace bst {

/// A bool, an integer (stored as int64_t), a floating-point number (stored as
/// double) or a string. Immutable; thread-safe to copy and read.
class Attribute {
public:
  using Value = std::variant<bool, int64_t, double, std::string>;

  Attribute(bool value) : value_(value) {}
  template <class I,
            std::enable_if_t<std::is_integral_v<I> && !std::is_same_v<I, bool>,
                             int> = 0>
  Attribute(I value) : value_(static_cast<int64_t>(value)) {}
  template <class F, std::enable_if_t<std::is_floating_point_v<F>, int> = 0>
  Attribute(F value) : value_(static_cast<double>(value)) {}
  Attribute(std::string value) : value_(std::move(value)) {}
  Attribute(const char *value) : value_(std::string(value)) {}

  const Value &value() const { return value_; }
  /// The value as a T (bool, int64_t, double or std::string); throws
  /// bst::Error naming both types if it holds another.
  template <class T> const T &get() const {
    if (const T *v = std::get_if<T>(&value_))
      return *v;
    throwWrongType(typeName<T>());
  }

  /// "true", "4", "0.5", "\"exp\"".
  std::string toString() const;

  /// Equality compares doubles by their bits, so that every attribute equals
  /// itself (NaN included) and hashing agrees with ==.
  friend bool operator==(const Attribute &a, const Attribute &b) {
    if (a.value_.index() != b.value_.index())
      return false;
    if (const double *x = std::get_if<double>(&a.value_))
      return bitsOf(*x) == bitsOf(std::get<double>(b.value_));
    return a.value_ == b.value_;
  }
  friend bool operator!=(const Attribute &a, const Attribute &b) {
    return !(a == b);
  }
  template <class H> friend H AbslHashValue(H h, const Attribute &a) {
    h = H::combine(std::move(h), a.value_.index());
    if (const double *x = std::get_if<double>(&a.value_))
      return H::combine(std::move(h), bitsOf(*x));
    return std::visit(
        [&](const auto &v) { return H::combine(std::move(h), v); }, a.value_);
  }

private:
  static uint64_t bitsOf(double x) {
    uint64_t bits;
    std::memcpy(&bits, &x, sizeof bits);
    return bits;
  }
  template <class T> static const char *typeName() {
    if constexpr (std::is_same_v<T, bool>)
      return "bool";
    else if constexpr (std::is_same_v<T, int64_t>)
      return "int64_t";
    else if constexpr (std::is_same_v<T, double>)
      return "double";
    else
      return "std::string";
  }
  [[noreturn]] void throwWrongType(const char *wanted) const;

  Value value_;
};

std::ostream &operator<<(std::ostream &os, const Attribute &attribute);

} // namespace bst

#endif // BST_GRAPH_ATTRIBUTE_H
