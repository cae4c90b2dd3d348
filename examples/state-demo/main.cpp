//===- state-demo/main.cpp - The state model in one page ------------------===//
//
// A population of leaky integrate-and-fire neurons stepped eagerly, its membrane potential kept in
// a HiddenState and its time constants in a ParamState. Shows what the state model guarantees:
// fixed-signature writes, value semantics, kinds as labels, hooks, and trace frames.
//
// (Until bst::jit lands, the step is plain C++ over the states' arrays.)
//
//===----------------------------------------------------------------------===//
#include "bst/bst.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

namespace {

struct Lif {
  bst::HiddenState v;
  bst::ParamState tau;
  bst::ShortTermState spike;

  explicit Lif(int64_t n)
      : v(bst::zeros({n}), {.name = "lif.v"}), tau(bst::full({n}, 10.f), {.name = "lif.tau"}),
        spike(bst::zeros({n}, bst::boolean), {.name = "lif.spike"}) {}

  /// One step of dv/dt = (input - v) / tau with threshold 1 and reset to 0. Returns the spikes.
  int64_t step(const bst::Array &input, float dt) {
    bst::Array nv = v.value().leaf().array();
    bst::Array fired = bst::zeros(nv.shape(), bst::boolean);
    const float *in = input.data<float>();
    const float *tc = tau.value().leaf().array().data<float>();
    float *x = nv.mutableData<float>(); // copy-on-write: the state's buffer is shared with nv
    bool *f = fired.mutableData<bool>();
    int64_t count = 0;
    for (int64_t i = 0; i < nv.numElements(); ++i) {
      x[i] += dt * (in[i] - x[i]) / tc[i];
      f[i] = x[i] > 1.f;
      if (f[i]) {
        x[i] = 0.f;
        ++count;
      }
    }
    v.setValue(nv); // checked against v's frozen signature f32[n]
    spike.setValue(fired);
    return count;
  }
};

} // namespace

int main(int argc, char **argv) {
  const int64_t n = argc > 1 ? std::atoll(argv[1]) : 4000;
  const int steps = argc > 2 ? std::atoi(argv[2]) : 1000;
  Lif lif(n);

  // A ramp of input currents: neuron i receives 1 + 2 * i / n.
  std::vector<float> drive(n);
  for (int64_t i = 0; i < n; ++i)
    drive[i] = 1.f + 2.f * static_cast<float>(i) / static_cast<float>(n);
  bst::Array input = bst::Array::fromVector(drive, {n});

  // Hooks observe writes; this one counts them.
  int64_t writes = 0;
  bst::HookHandle counter =
      lif.v.addHook(bst::HookPoint::writeAfter, [&](bst::HookEvent &) { ++writes; });

  auto start = std::chrono::steady_clock::now();
  int64_t spikes = 0;
  for (int k = 0; k < steps; ++k)
    spikes += lif.step(input, 0.1f);
  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::printf("neurons: %lld  steps: %d  spikes: %lld  writes to lif.v: %lld\n",
              static_cast<long long>(n), steps, static_cast<long long>(spikes),
              static_cast<long long>(writes));
  std::printf("eager step: %.2f us\n", 1000.0 * ms / steps);
  std::printf("signature of lif.v: %s\n", lif.v.signature().toString().c_str());

  // Kinds are labels that select states.
  std::printf("lif.tau is a ParamState: %s, a LongTermState: %s, a ShortTermState: %s\n",
              lif.tau.is<bst::ParamState>() ? "yes" : "no",
              lif.tau.is<bst::LongTermState>() ? "yes" : "no",
              lif.tau.is<bst::ShortTermState>() ? "yes" : "no");

  // A state is a fixed-shape slot: a write of another shape is refused, the value kept.
  bst::Tree before = lif.v.value();
  try {
    lif.v.setValue(bst::zeros({n + 1}));
  } catch (const bst::SignatureError &e) {
    std::printf("SignatureError: %s\n", e.what());
  }
  std::printf("lif.v unchanged: %s\n", lif.v.value().equals(before) ? "yes" : "no");

  // A state created inside a trace frame cannot be written after the frame ends.
  std::optional<bst::HiddenState> leaked;
  {
    bst::TraceFrame frame;
    leaked.emplace(bst::zeros({2}), bst::StateOptions{.name = "scratch"});
  }
  try {
    leaked->setValue(bst::ones({2}));
  } catch (const bst::TraceContextError &e) {
    std::printf("TraceContextError: %s\n", e.what());
  }
  return spikes > 0 ? 0 : 1;
}
