//===- Array.cpp ----------------------------------------------------------===//
#include "bst/Support/Array.h"

#include "absl/strings/str_cat.h"

#include <cmath>
#include <cstdlib>
#include <limits>
#include <new>
#include <sstream>

namespace bst {

/// An aligned, zero-initialised allocation; immutable in size, freed on destruction.
struct Array::Buffer {
  Buffer(size_t nbytes, const AbstractArray &what) : nbytes(nbytes) {
    if (nbytes == 0)
      return;
    size_t rounded = (nbytes + kArrayAlignment - 1) / kArrayAlignment * kArrayAlignment;
    data = std::aligned_alloc(kArrayAlignment, rounded);
    if (!data)
      throw Error(ErrorCode::OutOfMemory,
                  absl::StrCat("cannot allocate ", nbytes, " bytes for an array of ",
                               what.toString(), "; reduce its shape or free memory"));
    std::memset(data, 0, rounded);
  }
  ~Buffer() { std::free(data); }
  Buffer(const Buffer &) = delete;
  Buffer &operator=(const Buffer &) = delete;

  void *data = nullptr;
  size_t nbytes;
};

Array::Array() : numElements_(1), dtype_(DType::f32) {
  // Copy-on-write keeps the shared zero intact: this buffer is never written.
  static const auto *zero = new std::shared_ptr<Buffer>(
      std::make_shared<Buffer>(sizeof(float), AbstractArray{Shape{}, DType::f32}));
  buffer_ = *zero;
}

Array::Array(const Shape &shape, DType dtype)
    : shape_(shape), numElements_(shape.numElements()), dtype_(dtype) {
  size_t elem = sizeOf(dtype);
  if (static_cast<uint64_t>(numElements_) > std::numeric_limits<size_t>::max() / elem)
    throw Error(ErrorCode::OutOfMemory,
                absl::StrCat("an array of ", abstract().toString(),
                             " needs more bytes than this machine can address"));
  buffer_ = std::make_shared<Buffer>(static_cast<size_t>(numElements_) * elem, abstract());
}

Array Array::fromBytes(const void *bytes, const Shape &shape, DType dtype, size_t count) {
  if (static_cast<int64_t>(count) != shape.numElements())
    throw Error(ErrorCode::InvalidArgument,
                absl::StrCat("Array::fromVector: ", count, " values cannot fill shape ",
                             shape.toString(), ", which holds ", shape.numElements(),
                             " elements"));
  Array a(shape, dtype);
  if (a.nbytes())
    std::memcpy(a.buffer_->data, bytes, a.nbytes());
  return a;
}

void Array::checkElementType(DType requested) const {
  if (requested != dtype_)
    throw Error(ErrorCode::InvalidArgument,
                absl::StrCat("element type mismatch: the array is ", abstract().toString(),
                             " but its elements were accessed as ", dtypeName(requested),
                             "; use the C++ type of ", dtypeName(dtype_)));
}

const void *Array::rawData() const { return buffer_->data; }

void *Array::mutableRawData() {
  if (buffer_.use_count() > 1) {
    auto fresh = std::make_shared<Buffer>(buffer_->nbytes, abstract());
    if (fresh->nbytes)
      std::memcpy(fresh->data, buffer_->data, fresh->nbytes);
    buffer_ = std::move(fresh);
  }
  return buffer_->data;
}

bool Array::equals(const Array &other) const {
  if (abstract() != other.abstract())
    return false;
  return buffer_ == other.buffer_ || nbytes() == 0 ||
         std::memcmp(rawData(), other.rawData(), nbytes()) == 0;
}

static void printElement(std::ostream &os, const void *data, DType dtype, int64_t i) {
  switch (dtype) {
  case DType::f32:
    os << static_cast<const float *>(data)[i];
    return;
  case DType::f64:
    os << static_cast<const double *>(data)[i];
    return;
  case DType::i32:
    os << static_cast<const int32_t *>(data)[i];
    return;
  case DType::i64:
    os << static_cast<const int64_t *>(data)[i];
    return;
  case DType::boolean:
    os << (static_cast<const uint8_t *>(data)[i] ? "true" : "false");
    return;
  }
}

std::string Array::toString() const {
  constexpr int64_t kEdge = 3;
  std::ostringstream os;
  os << abstract().toString() << "{";
  for (int64_t i = 0; i < numElements_; ++i) {
    if (numElements_ > 2 * kEdge + 1 && i == kEdge) {
      os << ", ...";
      i = numElements_ - kEdge - 1;
      continue;
    }
    if (i)
      os << ", ";
    printElement(os, rawData(), dtype_, i);
  }
  os << "}";
  return os.str();
}

std::ostream &operator<<(std::ostream &os, const Array &array) { return os << array.toString(); }

Array zeros(const Shape &shape, DType dtype) { return Array(shape, dtype); }

Array ones(const Shape &shape, DType dtype) { return full(shape, 1.0, dtype); }

template <class T> static void fill(Array &a, T value) {
  T *p = a.mutableData<T>();
  std::fill(p, p + a.numElements(), value);
}

template <class Int> static Int toInteger(double value, DType dtype) {
  // The range test is written so NaN fails it too.
  if (!(value > static_cast<double>(std::numeric_limits<Int>::min()) - 1.0 &&
        value < static_cast<double>(std::numeric_limits<Int>::max()) + 1.0))
    throw Error(ErrorCode::InvalidArgument,
                absl::StrCat("full: ", value, " cannot be represented as ", dtypeName(dtype)));
  return static_cast<Int>(value);
}

Array full(const Shape &shape, double value, DType dtype) {
  Array a(shape, dtype);
  switch (dtype) {
  case DType::f32:
    fill(a, static_cast<float>(value));
    break;
  case DType::f64:
    fill(a, value);
    break;
  case DType::i32:
    fill(a, toInteger<int32_t>(value, dtype));
    break;
  case DType::i64:
    fill(a, toInteger<int64_t>(value, dtype));
    break;
  case DType::boolean:
    std::memset(a.mutableRawData(), value != 0.0 ? 1 : 0, a.nbytes());
    break;
  }
  return a;
}

} // namespace bst
