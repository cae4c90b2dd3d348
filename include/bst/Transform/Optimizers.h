//===- bst/Transform/Optimizers.h - SGD and Adam over StateMaps -*- C++ -*-===//
//
// Optimizers update a collection of parameter states (a StateMap, usually
// `model.states<bst::ParamState>()`) from gradients keyed like it (what bst::grad returns).
// Their moments are LongTermStates, so a jitted training step updates parameters and moments in
// place, in one compiled function with the forward and backward passes:
//
//   bst::optim::Adam opt(net.states<bst::ParamState>(), {.lr = 1e-3});
//   auto trainStep = bst::jit([&](const bst::Tensor &x, const bst::Tensor &y) {
//     auto [loss, grads] = bst::valueAndGrad(lossFn, opt.params())(x, y);
//     opt.update(grads);
//     return loss;
//   });
//
// The update rules are PyTorch's (torch.optim.SGD and torch.optim.Adam), leaf by leaf.
//
//===----------------------------------------------------------------------===//
#ifndef BST_TRANSFORM_OPTIMIZERS_H
#define BST_TRANSFORM_OPTIMIZERS_H

#include "bst/Graph/StateMap.h"

#include <vector>

namespace bst::optim {

/// Options of Sgd.
struct SgdOptions {
  double lr = 1e-2;
  /// 0 for plain SGD; else the momentum buffer b <- momentum b + g is what is applied.
  double momentum = 0;
  /// With momentum: apply g + momentum b (Nesterov) instead of b.
  bool nesterov = false;
  /// L2 penalty: g <- g + weightDecay p before the update.
  double weightDecay = 0;
};

/// Options of Adam.
struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  /// L2 penalty added to the gradient (torch.optim.Adam's weight_decay, not AdamW).
  double weightDecay = 0;
};

/// What every optimizer shares: the parameters, its states, the checks of update().
/// Ownership: holds handles to the parameter states (the model's) and owns its moment states.
/// Thread safety: as the states; one thread at a time.
class Optimizer {
public:
  virtual ~Optimizer();
  /// The parameters this optimizer updates (the StateMap it was created with).
  const StateMap &params() const { return params_; }
  /// Its own states (moments, step count), by path: "momentum.fc1.w", "adam.mu.fc1.w", ...
  /// LongTermStates, to checkpoint with the model.
  const StateMap &states() const { return states_; }
  /// Applies one step: `grads` holds a gradient for every parameter path (more paths are an
  /// error too), each of the parameter's signature. Writes the parameters and the moments (so
  /// inside bst::jit they are updated in place). Throws bst::Error naming the path on a missing
  /// or mismatched gradient, before writing anything.
  void update(const StateMap &grads);

protected:
  explicit Optimizer(StateMap params);
  /// A LongTermState of the signature of `like`, zero-filled, registered in states() at `path`.
  State addMoment(const std::string &path, const State &like);
  /// Registers another state of the optimizer in states().
  void addState(const std::string &path, const State &state) { states_.insert(path, state); }
  /// One step of the rule on the leaves of one parameter (all of equal shape and dtype);
  /// `moments` are this parameter's moment leaves, updated in place.
  virtual Tensor step(size_t param, const Tensor &p, const Tensor &g,
                      std::vector<Tensor> &moments) = 0;
  /// Called once per update() before the parameters (Adam advances its step count).
  virtual void beginStep() {}
  /// The moment states of parameter `param`, in order.
  std::vector<State> &momentsOf(size_t param) { return moments_[param]; }

private:
  StateMap params_;
  StateMap states_;
  std::vector<std::vector<State>> moments_;
};

/// Stochastic gradient descent with optional (Nesterov) momentum, as torch.optim.SGD:
/// b <- momentum b + g;  p <- p - lr (nesterov ? g + momentum b : b)  (b is g without momentum).
class Sgd : public Optimizer {
public:
  Sgd(StateMap params, SgdOptions options = {});
  const SgdOptions &options() const { return options_; }

private:
  Tensor step(size_t param, const Tensor &p, const Tensor &g,
              std::vector<Tensor> &moments) override;
  SgdOptions options_;
};

/// Adam, as torch.optim.Adam: with t the step count (from 1),
///   m <- beta1 m + (1 - beta1) g;  v <- beta2 v + (1 - beta2) g^2;
///   p <- p - lr (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps).
/// The moments are LongTermStates "adam.mu.<path>", "adam.nu.<path>"; the count "adam.step" is
/// an f64 scalar LongTermState.
class Adam : public Optimizer {
public:
  Adam(StateMap params, AdamOptions options = {});
  const AdamOptions &options() const { return options_; }

private:
  void beginStep() override;
  Tensor step(size_t param, const Tensor &p, const Tensor &g,
              std::vector<Tensor> &moments) override;
  AdamOptions options_;
  State count_;
  Tensor correction1_, correction2_; // 1 - beta^t of the current step (f64 scalars)
};

} // namespace bst::optim

#endif // BST_TRANSFORM_OPTIMIZERS_H
