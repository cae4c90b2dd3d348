//===- bst/Support/Array.h - Refcounted host arrays -------------*- C++ -*-===//
//
// An Array is a dense, row-major host array with value semantics: copying an Array is cheap (the
// buffer is shared and reference counted) and writing through one copy never changes another
// (copy-on-write). Buffers are 64-byte aligned so compiled code can use aligned vector loads.
//
//===----------------------------------------------------------------------===//
#ifndef BST_SUPPORT_ARRAY_H
#define BST_SUPPORT_ARRAY_H

#include "bst/Support/AbstractArray.h"
#include "bst/Support/Error.h"

#include <cstring>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace bst {

/// Alignment in bytes of every Array buffer.
inline constexpr size_t kArrayAlignment = 64;

/// A dense host array of one DType.
///
/// Ownership: the buffer is shared by all copies and freed with the last one.
/// Thread safety: like a std::shared_ptr, distinct Array objects may be used from different
/// threads even when they share a buffer; one Array object must not be written from two threads.
class Array {
public:
  /// A zero f32 scalar. Shares one immutable buffer: default construction never allocates.
  Array();
  /// A zero-filled array. Throws bst::Error (OutOfMemory) if the buffer cannot be allocated.
  Array(const Shape &shape, DType dtype);

  /// Copies `values` into a new array of `shape`. Throws bst::Error if the element count differs.
  template <class T>
  static Array fromVector(const std::vector<T> &values, const Shape &shape);
  /// A rank-0 array holding `value`.
  template <class T> static Array scalar(T value) {
    return fromVector(std::vector<T>{value}, Shape{});
  }

  const Shape &shape() const { return shape_; }
  DType dtype() const { return dtype_; }
  size_t rank() const { return shape_.rank(); }
  int64_t numElements() const { return numElements_; }
  size_t nbytes() const { return static_cast<size_t>(numElements_) * sizeOf(dtype_); }
  AbstractArray abstract() const { return {shape_, dtype_}; }

  /// Read-only view of the elements; T must match dtype() (checked, throws bst::Error).
  template <class T> const T *data() const {
    checkElementType(dtypeOf<T>());
    return static_cast<const T *>(rawData());
  }
  /// Writable view of the elements. Copies the buffer first if another Array shares it, so no
  /// other copy observes the write. T must match dtype().
  template <class T> T *mutableData() {
    checkElementType(dtypeOf<T>());
    return static_cast<T *>(mutableRawData());
  }
  const void *rawData() const;
  void *mutableRawData();

  /// The elements as a std::vector<T>; T must match dtype().
  template <class T> std::vector<T> toVector() const;
  /// The single element of a one-element array.
  template <class T> T item() const;

  /// True if this and `other` currently share one buffer (neither has been written since copy).
  bool sharesBufferWith(const Array &other) const { return buffer_ == other.buffer_; }
  /// Number of Arrays sharing this buffer (for tests and diagnostics).
  long useCount() const { return buffer_.use_count(); }

  /// Elementwise equality of shape, dtype and values.
  bool equals(const Array &other) const;

  /// "f32[3]{1, 2, 3}"; long arrays are elided in the middle.
  std::string toString() const;

private:
  struct Buffer;
  void checkElementType(DType requested) const;
  static Array fromBytes(const void *bytes, const Shape &shape, DType dtype, size_t count);

  std::shared_ptr<Buffer> buffer_;
  Shape shape_;
  int64_t numElements_ = 1;
  DType dtype_ = DType::f32;
};

std::ostream &operator<<(std::ostream &os, const Array &array);

/// A zero-filled array.
Array zeros(const Shape &shape, DType dtype = DType::f32);
/// An array filled with ones.
Array ones(const Shape &shape, DType dtype = DType::f32);
/// An array filled with `value` converted to `dtype` (NumPy rules: truncation toward zero for
/// integers, nonzero is true). Throws bst::Error if `value` is NaN, infinite or out of range for
/// an integer dtype.
Array full(const Shape &shape, double value, DType dtype = DType::f32);

//===----------------------------------------------------------------------===//
// Template implementations
//===----------------------------------------------------------------------===//

template <class T>
Array Array::fromVector(const std::vector<T> &values, const Shape &shape) {
  constexpr DType dtype = dtypeOf<T>();
  if constexpr (std::is_same_v<T, bool>) {
    std::vector<uint8_t> bytes(values.begin(), values.end());
    return fromBytes(bytes.data(), shape, dtype, values.size());
  } else {
    return fromBytes(values.data(), shape, dtype, values.size());
  }
}

template <class T> std::vector<T> Array::toVector() const {
  checkElementType(dtypeOf<T>());
  if constexpr (std::is_same_v<T, bool>) {
    const auto *bytes = static_cast<const uint8_t *>(rawData());
    return std::vector<bool>(bytes, bytes + numElements_);
  } else {
    const T *p = static_cast<const T *>(rawData());
    return std::vector<T>(p, p + numElements_);
  }
}

template <class T> T Array::item() const {
  checkElementType(dtypeOf<T>());
  if (numElements_ != 1)
    throw Error(ErrorCode::InvalidArgument,
                "item() needs an array of one element, but this array is " +
                    abstract().toString());
  if constexpr (std::is_same_v<T, bool>)
    return *static_cast<const uint8_t *>(rawData()) != 0;
  else
    return *static_cast<const T *>(rawData());
}

} // namespace bst

#endif // BST_SUPPORT_ARRAY_H
