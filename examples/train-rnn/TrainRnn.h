//===- train-rnn/TrainRnn.h - A tanh RNN trained with Adam -----------------===//
//
// A recurrent network read out at the last step, trained end to end with bst::valueAndGrad
// and bst::optim::Adam in one jitted training step (forward over the sequence, backpropagation
// through time, update of the ParamStates and Adam's moments, all in place):
//
//   h_0 = 0;  h_t = tanh(x_t W_x + h_{t-1} W_h + b);   y = h_T W_o + b_o
//   loss = mean((y - target)^2)
//
// The sequence runs as a bst::scan (one compiled loop). The synthetic task: the target is the
// sum of the sequence's inputs scaled by 1/sqrt(T) — the network has to integrate over time.
//
//===----------------------------------------------------------------------===//
#ifndef BST_EXAMPLES_TRAINRNN_TRAINRNN_H
#define BST_EXAMPLES_TRAINRNN_TRAINRNN_H

#include "bst/bst.h"

#include <cmath>
#include <random>
#include <vector>

/// A tanh RNN with a linear readout of its last hidden state.
struct Rnn : bst::Module {
  BST_MODULE(Rnn)
  bst::ParamState wx, wh, b, wo, bo;

  /// Weights uniform in [-1/sqrt(hidden), 1/sqrt(hidden)] from `seed` (as PyTorch initialises
  /// nn.RNN), biases zero.
  Rnn(int64_t inputs, int64_t hidden, int64_t outputs, uint64_t seed)
      : wx(uniform({inputs, hidden}, hidden, seed)), wh(uniform({hidden, hidden}, hidden, seed + 1)),
        b(bst::zeros({hidden})), wo(uniform({hidden, outputs}, hidden, seed + 2)),
        bo(bst::zeros({outputs})) {
    registerState("wx", wx);
    registerState("wh", wh);
    registerState("b", b);
    registerState("wo", wo);
    registerState("bo", bo);
  }

  /// The readout after running over xs: f32[T, batch, inputs] -> f32[batch, outputs].
  bst::Tensor operator()(const bst::Tensor &xs) {
    int64_t batch = xs.shape()[1], hidden = wh.value().leaf().shape()[0];
    bst::Tensor wxv = wx.value().leaf(), whv = wh.value().leaf(), bv = b.value().leaf();
    bst::ScanResult r = bst::scan(
        [&](const bst::Tensor &h, const bst::Tensor &x) {
          bst::Tensor next = bst::tanh(bst::matmul(x, wxv) + bst::matmul(h, whv) + bv);
          return bst::ScanResult{next, bst::Tree::list({})};
        },
        bst::zeros({batch, hidden}), xs);
    return bst::matmul(r.carry.leaf(), wo.value().leaf()) + bo.value().leaf();
  }

  static bst::Array uniform(const bst::Shape &shape, int64_t fanIn, uint64_t seed) {
    std::mt19937_64 rng(seed);
    float s = 1.f / std::sqrt(static_cast<float>(fanIn));
    std::uniform_real_distribution<float> dist(-s, s);
    std::vector<float> v(shape.numElements());
    for (float &x : v)
      x = dist(rng);
    return bst::Array::fromVector(v, shape);
  }
};

/// Mean squared error.
inline bst::Tensor mse(const bst::Tensor &y, const bst::Tensor &target) {
  bst::Tensor d = y - target;
  return bst::mean(d * d);
}

/// One batch of the integration task: xs uniform in [-1, 1] of [steps, batch, 1], target the sum
/// over the steps divided by sqrt(steps), [batch, 1].
struct Batch {
  bst::Array xs, target;
};

inline Batch integrationBatch(int64_t steps, int64_t batch, std::mt19937_64 &rng) {
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  std::vector<float> xs(steps * batch), target(batch, 0.f);
  for (int64_t t = 0; t < steps; ++t)
    for (int64_t i = 0; i < batch; ++i) {
      xs[t * batch + i] = dist(rng);
      target[i] += xs[t * batch + i] / std::sqrt(static_cast<float>(steps));
    }
  return {bst::Array::fromVector(xs, {steps, batch, 1}), bst::Array::fromVector(target, {batch, 1})};
}

/// A compiled training step for `net` with `opt`: returns the loss before the update.
inline auto makeTrainStep(Rnn &net, bst::optim::Adam &opt) {
  return bst::jit([&net, &opt](const bst::Tensor &xs, const bst::Tensor &target) {
    auto [loss, grads] = bst::valueAndGrad(
        [&](const bst::Tensor &x, const bst::Tensor &t) { return mse(net(x), t); },
        opt.params())(xs, target);
    opt.update(grads);
    return loss;
  });
}

#endif // BST_EXAMPLES_TRAINRNN_TRAINRNN_H
