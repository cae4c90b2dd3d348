//===- lif/Lif.h - A population of leaky integrate-and-fire neurons -------===//
//
// dv/dt = (input - v) / tau, spike and reset to 0 when v > 1. The membrane potential is a
// HiddenState, the time constants a ParamState, the spikes a ShortTermState. Shared by the
// example and the benchmarks.
//
//===----------------------------------------------------------------------===//
#ifndef BST_EXAMPLES_LIF_LIF_H
#define BST_EXAMPLES_LIF_LIF_H

#include "bst/bst.h"

struct Lif {
  bst::HiddenState v;
  bst::ParamState tau;
  bst::ShortTermState spike;
  float dt;

  explicit Lif(int64_t n, float dt = 0.1f)
      : v(bst::zeros({n}), {.name = "lif.v"}), tau(bst::full({n}, 10.f), {.name = "lif.tau"}),
        spike(bst::zeros({n}), {.name = "lif.spike"}), dt(dt) {}

  /// One step; updates v and spike.
  void operator()(const bst::Tensor &input) {
    bst::Tensor v0 = v.value();
    bst::Tensor nv = v0 + dt * (input - v0) / tau.value();
    bst::Tensor fired = nv > 1.f;
    v.setValue(bst::where(fired, 0.f, nv));
    spike.setValue(bst::cast(fired, bst::f32));
  }
};

/// A ramp of input currents: neuron i receives 1 + 2 i / n, so most neurons fire periodically.
inline bst::Array lifDrive(int64_t n) {
  std::vector<float> drive(n);
  for (int64_t i = 0; i < n; ++i)
    drive[i] = 1.f + 2.f * static_cast<float>(i) / static_cast<float>(n);
  return bst::Array::fromVector(drive, {n});
}

#endif // BST_EXAMPLES_LIF_LIF_H
