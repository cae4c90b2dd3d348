//===- Surrogate.cpp - Spikes with surrogate gradients --------------------===//
#include "bst/Transform/Surrogate.h"
#include "bst/Trace/Ops.h"
#include "bst/Transform/Autodiff.h"

namespace bst::surrogate {

namespace {
/// x as a floating tensor (f32 for integers and bool).
Tensor floating(const Tensor &x) { return isFloating(x.dtype()) ? x : cast(x, DType::f32); }

/// The step x > 0 in x's dtype, with `derivative(x)` as its gradient.
template <class D> Tensor step(const Tensor &x, D derivative) {
  auto heaviside = [](const Tensor &v) { return cast(v > 0, v.dtype()); };
  auto rule = [derivative](const std::vector<Tensor> &in, const Tensor &, const Tensor &g) {
    return std::vector<Tensor>{g * derivative(in[0])};
  };
  return customVjp(heaviside, rule)(floating(x));
}
} // namespace

Tensor sigmoid(const Tensor &x, double alpha) {
  return step(x, [alpha](const Tensor &v) {
    Tensor s = bst::sigmoid(v * alpha);
    return s * (1 - s) * alpha;
  });
}

Tensor fastSigmoid(const Tensor &x, double alpha) {
  return step(x, [alpha](const Tensor &v) {
    Tensor d = abs(v) * alpha + 1;
    return 1 / (d * d);
  });
}

} // namespace bst::surrogate
