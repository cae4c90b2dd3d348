//===- cuba/Cuba.h - The CUBA network of Vogels & Abbott (2005) -----------===//
//
// The current-based network of Brian2's examples/CUBA.py: 4000 leaky integrate-and-fire
// neurons (3200 excitatory, 800 inhibitory; CubaParams::withNeurons scales it), random
// connectivity with probability 0.02,
// exponentially decaying synaptic currents, a 5 ms refractory period. Units: mV and ms.
//
//   dv/dt  = (ge + gi - (v - El)) / taum   (not while refractory)
//   dge/dt = -ge / taue,   dgi/dt = -gi / taui
//   spike when v > Vt (and not refractory): v = Vr, refractory for 5 ms
//   a spike of an excitatory neuron adds we = 1.62 mV to ge of its targets; inhibitory: wi = -9 mV
//
// The synaptic currents decay exactly; v is integrated with exponential Euler (ge and gi held
// over one step of 0.1 ms), which matches Brian2's "exact" method to first order in dt.
//
//===----------------------------------------------------------------------===//
#ifndef BST_EXAMPLES_CUBA_CUBA_H
#define BST_EXAMPLES_CUBA_CUBA_H

#include "bst/bst.h"

#include <algorithm>
#include <cmath>
#include <random>

struct CubaParams {
  int64_t n = 4000, excitatory = 3200;
  double p = 0.02;
  float we = 60 * 0.27f / 10, wi = -20 * 4.5f / 10; // mV
  float taum = 20, taue = 5, taui = 10;             // ms
  float vt = -50, vr = -60, el = -49;               // mV
  float refractory = 5, dt = 0.1f;                  // ms
  uint64_t seed = 2005;

  /// The network at `neurons` neurons as Brian2's CUBA scaling runs grow it: 80 % excitatory, and
  /// a connection probability of 80 / neurons, so each neuron keeps about 80 inputs (p = 0.02 at
  /// 4000: the default network).
  static CubaParams withNeurons(int64_t neurons) {
    CubaParams p;
    p.n = neurons;
    p.excitatory = neurons * 4 / 5;
    p.p = std::min(1.0, 80.0 / static_cast<double>(neurons));
    return p;
  }
};

struct Cuba {
  CubaParams prm;
  bst::Connectivity exc, inh; // from the excitatory / inhibitory neurons to all
  bst::HiddenState v, ge, gi, refractoryLeft;
  bst::ShortTermState spikes;
  bst::LongTermState spikeCount; // i32 scalar, spikes since the start

  explicit Cuba(CubaParams p = {})
      : prm(p), exc(bst::Connectivity::fixedProbability(p.excitatory, p.n, p.p, p.seed, p.we)),
        inh(bst::Connectivity::fixedProbability(p.n - p.excitatory, p.n, p.p, p.seed + 1, p.wi)),
        v(initialPotential(p), {.name = "cuba.v"}), ge(bst::zeros({p.n}), {.name = "cuba.ge"}),
        gi(bst::zeros({p.n}), {.name = "cuba.gi"}),
        refractoryLeft(bst::zeros({p.n}), {.name = "cuba.refractory"}),
        spikes(bst::zeros({p.n}, bst::boolean), {.name = "cuba.spikes"}),
        spikeCount(bst::Array::scalar<int32_t>(0), {.name = "cuba.spike_count"}) {}

  /// v = Vr + rand() * (Vt - Vr), as Brian2's example.
  static bst::Array initialPotential(const CubaParams &p) {
    std::mt19937_64 rng(p.seed + 2);
    std::vector<float> v(p.n);
    for (float &x : v)
      x = p.vr + static_cast<float>((rng() >> 11) * 0x1p-53) * (p.vt - p.vr);
    return bst::Array::fromVector(v, {p.n});
  }

  /// One step of dt.
  void step() {
    const CubaParams &c = prm;
    bst::Tensor v0 = v.value(), ge0 = ge.value(), gi0 = gi.value();
    bst::Tensor ref = refractoryLeft.value();
    bst::Tensor active = ref <= 0.f;
    bst::Tensor vInf = ge0 + gi0 + c.el;
    bst::Tensor vNew = bst::where(active, vInf + (v0 - vInf) * std::exp(-c.dt / c.taum), v0);
    bst::Tensor fired = bst::logicalAnd(vNew > c.vt, active);
    v.setValue(bst::where(fired, c.vr, vNew));
    refractoryLeft.setValue(bst::where(fired, c.refractory, ref - c.dt));
    spikes.setValue(fired);
    bst::Tensor fromExc = bst::slice(fired, {0}, {c.excitatory});
    bst::Tensor fromInh = bst::slice(fired, {c.excitatory}, {c.n});
    ge.setValue(ge0 * std::exp(-c.dt / c.taue) + bst::eventSum(exc, fromExc));
    gi.setValue(gi0 * std::exp(-c.dt / c.taui) + bst::eventSum(inh, fromInh));
    spikeCount.setValue(spikeCount.value() + bst::sum(fired));
  }

  /// Steps for `seconds` of simulated time.
  int64_t stepsFor(double seconds) const { return std::llround(seconds * 1000 / prm.dt); }
};

#endif // BST_EXAMPLES_CUBA_CUBA_H
