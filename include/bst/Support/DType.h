//===- bst/Support/DType.h - Element types ----------------------*- C++ -*-===//
#ifndef BST_SUPPORT_DTYPE_H
#define BST_SUPPORT_DTYPE_H

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

namespace bst {

/// The element type of an Array. `boolean` is stored as one byte holding 0 or 1.
enum class DType : uint8_t { f32, f64, i32, i64, boolean };

inline constexpr DType f32 = DType::f32;
inline constexpr DType f64 = DType::f64;
inline constexpr DType i32 = DType::i32;
inline constexpr DType i64 = DType::i64;
inline constexpr DType boolean = DType::boolean;

/// Bytes per element of `dtype`.
constexpr size_t sizeOf(DType dtype) {
  switch (dtype) {
  case DType::f32:
  case DType::i32:
    return 4;
  case DType::f64:
  case DType::i64:
    return 8;
  case DType::boolean:
    return 1;
  }
  return 0;
}

/// The short name used in signatures: "f32", "f64", "i32", "i64", "bool".
const char *dtypeName(DType dtype);

/// True for f32 and f64.
constexpr bool isFloating(DType dtype) {
  return dtype == DType::f32 || dtype == DType::f64;
}

/// The DType of C++ element type T (float, double, int32_t, int64_t, bool).
template <class T> constexpr DType dtypeOf() {
  if constexpr (std::is_same_v<T, float>)
    return DType::f32;
  else if constexpr (std::is_same_v<T, double>)
    return DType::f64;
  else if constexpr (std::is_same_v<T, int32_t>)
    return DType::i32;
  else if constexpr (std::is_same_v<T, int64_t>)
    return DType::i64;
  else if constexpr (std::is_same_v<T, bool>)
    return DType::boolean;
  else
    static_assert(!sizeof(T), "bst supports float, double, int32_t, int64_t and bool elements");
}

} // namespace bst

#endif // BST_SUPPORT_DTYPE_H
