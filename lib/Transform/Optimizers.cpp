//===- Optimizers.cpp - SGD and Adam over StateMaps -----------------------===//
#include "bst/Transform/Optimizers.h"
#include "bst/Trace/Ops.h"

#include "absl/strings/str_cat.h"

namespace bst::optim {

Optimizer::~Optimizer() = default;

Optimizer::Optimizer(StateMap params) : params_(std::move(params)) {
  for (const auto &[path, p] : params_)
    for (const AbstractArray &leaf : p.signature().leaves())
      if (!isFloating(leaf.dtype))
        throw Error(ErrorCode::InvalidArgument,
                    absl::StrCat("optimizer: ", p.describe(), " at '", path, "' is ",
                                 p.signature().toString(),
                                 "; only f32 and f64 parameters can be optimized. Leave it out of "
                                 "the StateMap (e.g. model.states<bst::ParamState>())"));
  moments_.resize(params_.size());
}

State Optimizer::addMoment(const std::string &path, const State &like) {
  Tree zero = like.signature().def().unflatten([&] {
    std::vector<Tensor> leaves;
    for (const AbstractArray &leaf : like.signature().leaves())
      leaves.push_back(zeros(leaf.shape, leaf.dtype));
    return leaves;
  }());
  LongTermState s(zero, {.name = path, .tags = {}});
  states_.insert(path, s);
  return s;
}

void Optimizer::update(const StateMap &grads) {
  for (const auto &[path, p] : params_) {
    const State *g = grads.find(path);
    if (!g)
      throw Error(ErrorCode::InvalidArgument,
                  absl::StrCat("optimizer update: no gradient for '", path,
                               "'; give the gradients of the optimizer's parameters (e.g. "
                               "bst::grad(loss, opt.params()))"));
    if (g->signature() != p.signature())
      throw Error(ErrorCode::InvalidArgument,
                  absl::StrCat("optimizer update: the gradient for '", path, "' is ",
                               g->signature().toString(), " but the parameter is ",
                               p.signature().toString()));
  }
  if (grads.size() != params_.size())
    for (const auto &[path, g] : grads)
      if (!params_.contains(path))
        throw Error(ErrorCode::InvalidArgument,
                    absl::StrCat("optimizer update: a gradient for '", path,
                                 "', which is not a parameter of this optimizer"));
  beginStep();
  size_t index = 0;
  for (const auto &[path, param] : params_) {
    State p = param;
    std::vector<Tensor> pLeaves = p.value().leaves();
    std::vector<Tensor> gLeaves = grads.at(path).value().leaves();
    std::vector<State> &ms = moments_[index];
    std::vector<std::vector<Tensor>> mLeaves;
    for (const State &m : ms)
      mLeaves.push_back(m.value().leaves());
    for (size_t leaf = 0; leaf < pLeaves.size(); ++leaf) {
      std::vector<Tensor> moments;
      for (auto &m : mLeaves)
        moments.push_back(m[leaf]);
      pLeaves[leaf] = step(index, pLeaves[leaf], gLeaves[leaf], moments);
      for (size_t k = 0; k < mLeaves.size(); ++k)
        mLeaves[k][leaf] = moments[k];
    }
    const TreeDef def = p.signature().def();
    for (size_t k = 0; k < ms.size(); ++k)
      ms[k].setValue(def.unflatten(std::move(mLeaves[k])));
    p.setValue(def.unflatten(std::move(pLeaves)));
    ++index;
  }
}

Sgd::Sgd(StateMap params, SgdOptions options)
    : Optimizer(std::move(params)), options_(options) {
  if (options_.momentum == 0)
    return;
  size_t index = 0;
  for (const auto &[path, p] : this->params())
    momentsOf(index++).push_back(addMoment(absl::StrCat("momentum.", path), p));
}

Tensor Sgd::step(size_t, const Tensor &p, const Tensor &g, std::vector<Tensor> &moments) {
  Tensor grad = options_.weightDecay != 0 ? g + p * options_.weightDecay : g;
  if (options_.momentum == 0)
    return p - grad * options_.lr;
  Tensor buf = moments[0] * options_.momentum + grad;
  moments[0] = buf;
  Tensor dir = options_.nesterov ? grad + buf * options_.momentum : buf;
  return p - dir * options_.lr;
}

Adam::Adam(StateMap params, AdamOptions options)
    : Optimizer(std::move(params)), options_(options),
      count_(LongTermState(Array::scalar<double>(0), {.name = "adam.step", .tags = {}})) {
  size_t index = 0;
  for (const auto &[path, p] : this->params()) {
    momentsOf(index).push_back(addMoment(absl::StrCat("adam.mu.", path), p));
    momentsOf(index).push_back(addMoment(absl::StrCat("adam.nu.", path), p));
    ++index;
  }
  addState("adam.step", count_);
}

void Adam::beginStep() {
  Tensor t = count_.value().leaf() + 1.0;
  count_.setValue(t);
  correction1_ = 1.0 - pow(scalar(options_.beta1), t);
  correction2_ = 1.0 - pow(scalar(options_.beta2), t);
}

Tensor Adam::step(size_t, const Tensor &p, const Tensor &g, std::vector<Tensor> &moments) {
  const AdamOptions &o = options_;
  Tensor grad = o.weightDecay != 0 ? g + p * o.weightDecay : g;
  Tensor m = moments[0] * o.beta1 + grad * (1 - o.beta1);
  Tensor v = moments[1] * o.beta2 + grad * grad * (1 - o.beta2);
  moments[0] = m;
  moments[1] = v;
  Tensor c1 = cast(correction1_, p.dtype()), c2 = cast(correction2_, p.dtype());
  return p - (m / c1) / (sqrt(v / c2) + o.eps) * o.lr;
}

} // namespace bst::optim
