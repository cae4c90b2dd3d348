//===- Models.h - Small modules shared by the Graph unit tests ------------===//
#ifndef BST_UNITTESTS_GRAPH_MODELS_H
#define BST_UNITTESTS_GRAPH_MODELS_H

#include "bst/Graph/Graph.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace bst::testing {

/// A user-defined kind below HiddenState.
struct Membrane : DefineStateKind<Membrane, HiddenState> {
  using DefineStateKind::DefineStateKind;
};

/// A leaky integrate-and-fire layer.
struct LIF : Module {
  BST_MODULE(LIF)
  Membrane v;
  ParamState tau;
  ShortTermState spike;
  float threshold;

  explicit LIF(int64_t n, float threshold = 1.f)
      : v(zeros({n})), tau(full({n}, 10.0)), spike(zeros({n})),
        threshold(threshold) {
    registerState("v", v);
    registerState("tau", tau);
    registerState("spike", spike);
    registerAttribute("n", n);
  }

  /// v += (input - v) / tau; spike where v > threshold, then reset.
  void step(float input) {
    std::vector<float> nv = v.value().toVector<float>();
    std::vector<float> t = tau.value().toVector<float>();
    std::vector<float> s(nv.size());
    for (size_t i = 0; i < nv.size(); ++i) {
      nv[i] += (input - nv[i]) / t[i];
      s[i] = nv[i] > threshold ? 1.f : 0.f;
      if (s[i] > 0)
        nv[i] = 0;
    }
    int64_t n = static_cast<int64_t>(nv.size());
    v.setValue(Array::fromVector(nv, {n}));
    spike.setValue(Array::fromVector(s, {n}));
  }
};

/// Two LIF layers and a weight the second layer shares with the net.
struct Net : Module {
  BST_MODULE(Net)
  LIF exc;
  LIF inh;
  ParamState w;

  explicit Net(int64_t n)
      : exc(n), inh(n, 2.f), w(ones({n, n}), {.tags = {"trainable"}}) {
    registerModule("exc", exc);
    registerModule("inh", inh);
    registerState("w", w);
    inh.registerState("w_in", w); // the same state, reachable twice
  }
};

inline std::vector<float> vals(const State &s) {
  return s.value().toVector<float>();
}

} // namespace bst::testing

#endif // BST_UNITTESTS_GRAPH_MODELS_H
