//===- Random.cpp - RandomState: draws as Philox primitives plus a counter write ---===//
#include "bst/Transform/Random.h"
#include "bst/Trace/Apply.h"
#include "bst/Trace/Ops.h"

#include "absl/strings/str_cat.h"

#include <cmath>
#include <numbers>

namespace bst {

namespace {

const Signature &layout() {
  static const Signature sig = RandomState::seedValue(0).signature();
  return sig;
}

[[noreturn]] void fail(const std::string &what) { throw Error(ErrorCode::InvalidArgument, what); }

void checkLayout(const Tree &value, const std::string &who) {
  if (!layout().matches(value))
    fail(absl::StrCat(who, ": the value must be ", layout().toString(), ", but it does not (",
                      layout().describeMismatch(value), ")",
                      "; create it with RandomState(seed) or RandomState::seedValue(seed)"));
}

void checkFloating(DType dtype, const char *what) {
  if (dtype != DType::f32 && dtype != DType::f64)
    fail(absl::StrCat("RandomState::", what, ": dtype must be f32 or f64, got ", dtypeName(dtype)));
}

void checkShape(const Shape &shape, const char *what) {
  for (int64_t d : shape)
    if (d < 0)
      fail(absl::StrCat("RandomState::", what, ": shape ", shape.toString(),
                        " has a negative extent"));
}

/// The Philox primitive: numbers at positions counter + 0, 1, ... of `key`'s stream.
Tensor philox(const Tensor &key, const Tensor &counter, const Shape &shape, DType dtype,
              int64_t word) {
  return detail::apply(OpKind::Philox, {key, counter},
                       OpAttrs{.shape = shape.toVector(), .axis = word, .dtype = dtype});
}

} // namespace

RandomState::RandomState(Tree value, StateOptions options)
    : DefineStateKind((checkLayout(value, "RandomState"), std::move(value)), std::move(options)) {}

RandomState::RandomState(const StateKind &kind, Tree value, StateOptions options)
    : DefineStateKind(kind, (checkLayout(value, "RandomState"), std::move(value)),
                      std::move(options)) {}

std::pair<Tensor, Tensor> RandomState::read(const char *what) const {
  Tree v = value();
  checkLayout(v, absl::StrCat("RandomState::", what, " on ", describe()));
  return {v["key"].leaf(), v["counter"].leaf()};
}

void RandomState::advance(const Tensor &key, const Tensor &counter, int64_t n) {
  setValue(Tree::dict({{"counter", add(counter, n)}, {"key", key}}));
}

void RandomState::seed(int64_t seed) { setValue(seedValue(seed)); }

Tensor RandomState::key() const { return read("key").first; }

Tensor RandomState::counter() const { return read("counter").second; }

RandomState RandomState::split(StateOptions options) {
  auto [key, counter] = read("split");
  Tensor child = philox(key, counter, Shape{}, DType::i64, 0);
  advance(key, counter, 1);
  return RandomState(Tree::dict({{"counter", Array::scalar<int64_t>(0)}, {"key", child}}),
                     std::move(options));
}

Tensor RandomState::bits(const Shape &shape, DType dtype) {
  if (dtype != DType::i32 && dtype != DType::i64)
    fail(absl::StrCat("RandomState::bits: dtype must be i32 or i64, got ", dtypeName(dtype)));
  checkShape(shape, "bits");
  auto [key, counter] = read("bits");
  Tensor out = philox(key, counter, shape, dtype, 0);
  advance(key, counter, shape.numElements());
  return out;
}

Tensor RandomState::uniform(const Shape &shape, double low, double high, DType dtype) {
  checkFloating(dtype, "uniform");
  checkShape(shape, "uniform");
  if (!std::isfinite(low) || !std::isfinite(high))
    fail(absl::StrCat("RandomState::uniform: the bounds must be finite, got [", low, ", ", high,
                      ")"));
  auto [key, counter] = read("uniform");
  Tensor u = philox(key, counter, shape, dtype, 0);
  advance(key, counter, shape.numElements());
  if (high - low != 1.0)
    u = u * (high - low);
  return low == 0.0 ? u : u + low;
}

Tensor RandomState::normal(const Shape &shape, double mean, double stddev, DType dtype) {
  checkFloating(dtype, "normal");
  checkShape(shape, "normal");
  if (!std::isfinite(mean) || !std::isfinite(stddev) || stddev < 0)
    fail(absl::StrCat("RandomState::normal: the mean must be finite and the standard deviation "
                      "finite and non-negative, got mean ",
                      mean, " and stddev ", stddev));
  auto [key, counter] = read("normal");
  Tensor u1 = philox(key, counter, shape, dtype, 0);
  Tensor u2 = philox(key, counter, shape, dtype, 1);
  advance(key, counter, shape.numElements());
  // Box-Muller; 1 - u1 is in (0, 1], so the logarithm is finite.
  Tensor z = sqrt(log(1.0 - u1) * -2.0) * cos(u2 * (2 * std::numbers::pi));
  if (stddev != 1.0)
    z = z * stddev;
  return mean == 0.0 ? z : z + mean;
}

Tensor RandomState::bernoulli(double p, const Shape &shape) {
  if (!(p >= 0.0 && p <= 1.0))
    fail(absl::StrCat("RandomState::bernoulli: the probability must be in [0, 1], got ", p));
  checkShape(shape, "bernoulli");
  auto [key, counter] = read("bernoulli");
  Tensor u = philox(key, counter, shape, DType::f64, 0);
  advance(key, counter, shape.numElements());
  return u < p;
}

Tensor RandomState::bernoulli(const Tensor &p) {
  if (!isFloating(p.dtype()))
    fail(absl::StrCat("RandomState::bernoulli: the probabilities must be f32 or f64, got ",
                      p.abstract().toString(), "; cast them with bst::cast(p, bst::f32)"));
  auto [key, counter] = read("bernoulli");
  Tensor u = philox(key, counter, p.shape(), p.dtype(), 0);
  advance(key, counter, p.shape().numElements());
  return u < p;
}

Tensor RandomState::randint(int64_t low, int64_t high, const Shape &shape, DType dtype) {
  if (dtype != DType::i32 && dtype != DType::i64)
    fail(absl::StrCat("RandomState::randint: dtype must be i32 or i64, got ", dtypeName(dtype)));
  checkShape(shape, "randint");
  // The range as an exact unsigned difference (high - low may exceed INT64_MAX).
  uint64_t range = static_cast<uint64_t>(high) - static_cast<uint64_t>(low);
  if (low >= high || range > (uint64_t{1} << 53))
    fail(absl::StrCat("RandomState::randint: needs low < high and high - low <= 2^53, got [", low,
                      ", ", high, ")"));
  if (dtype == DType::i32 && (low < INT32_MIN || high - 1 > INT32_MAX))
    fail(absl::StrCat("RandomState::randint: [", low, ", ", high, ") does not fit i32; draw i64"));
  auto [key, counter] = read("randint");
  Tensor u = philox(key, counter, shape, DType::f64, 0);
  advance(key, counter, shape.numElements());
  // u * range < range in exact arithmetic; the min guards against rounding up to it.
  Tensor k = min(cast(u * static_cast<double>(range), DType::i64), static_cast<int64_t>(range - 1));
  return cast(k + low, dtype);
}

} // namespace bst
