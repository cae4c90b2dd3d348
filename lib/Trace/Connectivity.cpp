//===- Connectivity.cpp ---------------------------------------------------===//
#include "bst/Trace/Connectivity.h"
#include "bst/Trace/Apply.h"

#include "absl/strings/str_cat.h"

#include <cmath>
#include <limits>
#include <random>

namespace bst {

[[noreturn]] static void fail(const std::string &what) {
  throw Error(ErrorCode::InvalidArgument, absl::StrCat("Connectivity: ", what));
}

Connectivity::Connectivity(int64_t numPre, int64_t numPost, Array rowPtr, Array cols,
                           Array weights)
    : numPre_(numPre), numPost_(numPost), rowPtr_(std::move(rowPtr)), cols_(std::move(cols)),
      weights_(std::move(weights)) {
  if (numPre < 0 || numPost < 0 || numPost > std::numeric_limits<int32_t>::max())
    fail(absl::StrCat("invalid sizes ", numPre, " x ", numPost));
  if (rowPtr_.abstract() != AbstractArray{Shape{numPre + 1}, DType::i32})
    fail(absl::StrCat("rowPtr must be i32[", numPre + 1, "], got ",
                      rowPtr_.abstract().toString()));
  if (cols_.rank() != 1 || cols_.dtype() != DType::i32)
    fail(absl::StrCat("cols must be an i32 vector, got ", cols_.abstract().toString()));
  if (weights_.shape() != cols_.shape() || !isFloating(weights_.dtype()))
    fail(absl::StrCat("weights must be f32 or f64 of the same length as cols (",
                      cols_.numElements(), "), got ", weights_.abstract().toString()));
  const int32_t *r = rowPtr_.data<int32_t>();
  int64_t nnz = cols_.numElements();
  if (r[0] != 0 || r[numPre] != nnz)
    fail(absl::StrCat("rowPtr must start at 0 and end at the number of synapses (", nnz,
                      "), got ", r[0], " and ", r[numPre]));
  for (int64_t i = 0; i < numPre; ++i)
    if (r[i + 1] < r[i])
      fail(absl::StrCat("rowPtr must not decrease, but rowPtr[", i + 1, "] = ", r[i + 1],
                        " < rowPtr[", i, "] = ", r[i]));
  const int32_t *c = cols_.data<int32_t>();
  for (int64_t j = 0; j < nnz; ++j)
    if (c[j] < 0 || c[j] >= numPost)
      fail(absl::StrCat("cols[", j, "] = ", c[j], " is not a neuron of the ", numPost,
                        " postsynaptic ones"));
}

Connectivity Connectivity::fixedProbability(int64_t numPre, int64_t numPost, double p,
                                            uint64_t seed, float weight) {
  if (!(p >= 0 && p <= 1))
    fail(absl::StrCat("the connection probability must be in [0, 1], got ", p));
  std::mt19937_64 rng(seed);
  // Uniform in (0, 1], from the top 53 bits: the same on every platform.
  auto uniform = [&] { return (static_cast<double>(rng() >> 11) + 1.0) * 0x1p-53; };
  std::vector<int32_t> rowPtr{0}, cols;
  for (int64_t i = 0; i < numPre; ++i) {
    if (p > 0) {
      // Skip to the next connected target with geometrically distributed gaps.
      double logq = std::log1p(-p);
      for (int64_t j = p >= 1 ? 0 : static_cast<int64_t>(std::floor(std::log(uniform()) / logq));
           j < numPost;) {
        cols.push_back(static_cast<int32_t>(j));
        j += p >= 1 ? 1 : 1 + static_cast<int64_t>(std::floor(std::log(uniform()) / logq));
      }
    }
    if (cols.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max()))
      fail("more than 2^31 synapses");
    rowPtr.push_back(static_cast<int32_t>(cols.size()));
  }
  int64_t nnz = static_cast<int64_t>(cols.size());
  return Connectivity(numPre, numPost, Array::fromVector(rowPtr, {numPre + 1}),
                      Array::fromVector(cols, {nnz}), full({nnz}, weight, DType::f32));
}

Array Connectivity::toDense() const {
  Array dense({numPre_, numPost_}, weights_.dtype());
  const int32_t *r = rowPtr_.data<int32_t>(), *c = cols_.data<int32_t>();
  auto fill = [&](auto *out, const auto *w) {
    for (int64_t i = 0; i < numPre_; ++i)
      for (int64_t j = r[i]; j < r[i + 1]; ++j)
        out[i * numPost_ + c[j]] += w[j];
  };
  if (weights_.dtype() == DType::f32)
    fill(dense.mutableData<float>(), weights_.data<float>());
  else
    fill(dense.mutableData<double>(), weights_.data<double>());
  return dense;
}

Tensor eventSum(const Connectivity &c, const Tensor &spikes) {
  if (spikes.abstract() != AbstractArray{Shape{c.numPre()}, DType::boolean})
    throw Error(ErrorCode::InvalidArgument,
                absl::StrCat("eventSum: spikes must be bool[", c.numPre(),
                             "] (one per presynaptic neuron), got ",
                             spikes.abstract().toString(),
                             "; compare the membrane potential with the threshold, and slice "
                             "out the presynaptic population"));
  return detail::apply(OpKind::EventSum, {spikes, c.rowPtr(), c.cols(), c.weights()},
                       OpAttrs{.shape = {c.numPost()}});
}

} // namespace bst
