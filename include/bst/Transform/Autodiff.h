//===- bst/Transform/Autodiff.h - Reverse-mode gradients over states -*- C++ -*-===//
//
// grad, valueAndGrad and vjp differentiate a function with respect to a collection of states
// (a StateMap, e.g. `model.states<ParamState>()`) and, optionally, some of its arguments:
//
//   auto lossFn = [&](const bst::Tensor &x, const bst::Tensor &y) {
//     return bst::mean((net(x) - y) * (net(x) - y));
//   };
//   auto [loss, grads] = bst::valueAndGrad(lossFn, net.states<bst::ParamState>())(x, y);
//   grads.at("fc1.w").value();   // d loss / d fc1.w, a tree like fc1.w's value
//
// The function is traced once into a Program (a nested trace), which is then replayed primitive
// by primitive where the transformation is called, followed by the backward pass, one VJP rule
// per primitive written with the public ops. So the same code computes gradients eagerly and
// inside bst::jit, where forward, backward and the optimizer update become one compiled
// function. See docs/autodiff.md.
//
//===----------------------------------------------------------------------===//
#ifndef BST_TRANSFORM_AUTODIFF_H
#define BST_TRANSFORM_AUTODIFF_H

#include "bst/Graph/StateMap.h"
#include "bst/Support/Tree.h"
#include "bst/Trace/Tracer.h"

#include <cstddef>
#include <functional>
#include <memory>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace bst {

/// Options of grad, valueAndGrad and vjp.
struct GradOptions {
  /// Also differentiate with respect to these parameters of f: 0-based positions in f's
  /// parameter list, each a Tensor, Array or Tree parameter with f32/f64 leaves. Their gradients
  /// come back in Gradients::args, in this order.
  std::vector<size_t> argnums;
  /// A state of the collection whose value does not reach f's result gets a zero gradient
  /// instead of an error.
  bool allowUnused = false;
};

/// Gradients: a StateMap keyed like the collection differentiated (same paths, same order), each
/// entry a new plain State holding the gradient, a tree of the same structure, shapes and dtypes
/// as the state's value; plus the gradients of the arguments named by GradOptions::argnums.
/// The gradient States belong to the trace frame they were computed in (under jit: the jitted
/// function's), like any state created there.
struct Gradients : StateMap {
  /// One per GradOptions::argnums entry, in order; each like the argument.
  std::vector<Tree> args;
};

/// The backward rule of customVjp: the cotangents of the inputs (one per input, each of its
/// input's shape and dtype) given the inputs, the output and the output's cotangent.
using CustomVjpRule = std::function<std::vector<Tensor>(
    const std::vector<Tensor> &inputs, const Tensor &output, const Tensor &cotangent)>;

namespace detail {

/// Calls `f` on `inputs`; under a trace for grad/valueAndGrad/vjp, marks the output so that the
/// backward pass applies `bwd` to it instead of differentiating `f`.
Tensor customVjpCall(const std::function<Tensor(const std::vector<Tensor> &)> &f,
                     const CustomVjpRule &bwd, const std::vector<Tensor> &inputs);

/// A function linearized at its arguments: the traced program, the primal values of its replay,
/// and what the backward pass differentiates with respect to. Defined in Autodiff.cpp.
struct Linearization;

/// Traces `fn` on `args` (a nested trace), replays it here (eagerly, or into the enclosing trace),
/// applies the state writes it made, and returns the linearization. `what` names the public
/// function in errors; `argnums` indexes `args`, `argNames` describes each of `args` for errors.
std::shared_ptr<const Linearization> linearize(const char *what, const TreeFunction &fn,
                                               const std::vector<Tree> &args,
                                               const StateMap &wrt,
                                               const std::vector<size_t> &argnums,
                                               bool allowUnused);
/// f's result (a Tree) as replayed.
const Tree &linearizedOutput(const Linearization &lin);
/// The backward pass for `cotangent` (a tree like the output). Emits the VJP rules where it is
/// called and returns the gradients.
Gradients pullback(const Linearization &lin, const Tree &cotangent);
/// The backward pass of a scalar loss: output leaf `leaf` gets cotangent 1, the others none.
Gradients pullbackScalar(const Linearization &lin, size_t leaf);
/// Throws the "f must return a scalar loss" error of `what` if output leaf 0 is not an f32/f64
/// scalar.
void checkScalarLoss(const char *what, const Linearization &lin);

template <class T> constexpr bool isTensorParam() {
  return std::is_same_v<T, Tensor> || std::is_same_v<T, Array>;
}
template <class T> constexpr bool isTracedParam() {
  return isTensorParam<T>() || std::is_same_v<T, Tree>;
}

/// True for std::pair<A, B>.
template <class T> struct IsPair : std::false_type {};
template <class A, class B> struct IsPair<std::pair<A, B>> : std::true_type {};

/// The user's function as a TreeFunction over its Tensor, Array and Tree parameters (static
/// parameters are passed as given); the result (a Tensor, a Tree, or a pair of them) becomes a
/// list Tree [first, second] for pairs and a single Tree otherwise.
template <class F, class... Args> class BoundFunction {
public:
  BoundFunction(F &fn, const Args &...args) : fn_(fn), args_(args...) {}

  /// Tensor and Tree arguments as Trees, in order.
  std::vector<Tree> treeArgs() const {
    std::vector<Tree> out;
    std::apply(
        [&](const auto &...a) {
          auto add = [&](const auto &x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (isTracedParam<T>())
              out.push_back(Tree(x));
          };
          (add(a), ...);
        },
        args_);
    return out;
  }

  /// Maps parameter positions to positions in treeArgs(); throws bst::Error for a position out of
  /// range or naming a static parameter.
  std::vector<size_t> treeArgnums(const char *what, const std::vector<size_t> &argnums) const {
    std::vector<int> map;
    int next = 0;
    std::apply(
        [&](const auto &...a) {
          auto add = [&](const auto &x) {
            using T = std::decay_t<decltype(x)>;
            map.push_back(isTracedParam<T>() ? next++ : -1);
          };
          (add(a), ...);
        },
        args_);
    std::vector<size_t> out;
    for (size_t n : argnums)
      out.push_back(checkArgnum(what, n, map));
    return out;
  }

  Tree operator()(const std::vector<Tree> &traced) const {
    size_t next = 0;
    auto param = [&](const auto &original) -> decltype(auto) {
      using T = std::decay_t<decltype(original)>;
      if constexpr (isTensorParam<T>())
        return static_cast<Tensor>(traced[next++].leaf());
      else if constexpr (std::is_same_v<T, Tree>)
        return Tree(traced[next++]);
      else
        return original;
    };
    return std::apply(
        [&](const auto &...a) {
          return std::apply([&](auto &&...p) { return toTree(fn_(p...)); },
                            std::tuple{param(a)...});
        },
        args_);
  }

private:
  template <class R> static Tree toTree(R &&r) {
    using T = std::decay_t<R>;
    if constexpr (IsPair<T>::value)
      return Tree::list({toTree(std::forward<R>(r).first), toTree(std::forward<R>(r).second)});
    else if constexpr (std::is_same_v<T, std::vector<Tensor>>)
      return Tree::list(std::vector<Tree>(r.begin(), r.end()));
    else
      return Tree(std::forward<R>(r));
  }
  static size_t checkArgnum(const char *what, size_t n, const std::vector<int> &map);

  F &fn_;
  std::tuple<const Args &...> args_;
};

/// Throws the argnums error (out of range or static parameter).
[[noreturn]] void throwBadArgnum(const char *what, size_t n, size_t numParams, bool isStatic);

template <class F, class... Args>
size_t BoundFunction<F, Args...>::checkArgnum(const char *what, size_t n,
                                              const std::vector<int> &map) {
  if (n >= map.size() || map[n] < 0)
    throwBadArgnum(what, n, map.size(), n < map.size());
  return static_cast<size_t>(map[n]);
}

/// The result type of F on the parameters bst passes for Args.
template <class F, class... Args>
using ResultOf = std::invoke_result_t<
    F &, std::conditional_t<isTensorParam<Args>(), const Tensor &, const Args &>...>;

/// Converts an output subtree back to the type f returned it as.
template <class T> T fromTree(const Tree &t) {
  if constexpr (std::is_same_v<T, Tensor> || std::is_same_v<T, Array>)
    return static_cast<Tensor>(t.leaf());
  else if constexpr (std::is_same_v<T, std::vector<Tensor>>)
    return t.leaves();
  else
    return t;
}

} // namespace detail

/// What valueAndGrad(f, states)(args...) returns when f returns the loss alone:
/// `auto [loss, grads] = ...`.
struct ValueAndGradResult {
  /// f's result: a f32 or f64 scalar.
  Tensor value;
  Gradients grads;
};

/// What valueAndGrad returns when f returns std::pair<Tensor, Aux> (the loss and an auxiliary
/// output, which is not differentiated): `auto [loss, grads, aux] = ...`.
template <class Aux> struct ValueAndGradAuxResult {
  Tensor value;
  Gradients grads;
  Aux aux;
};

/// The pullback of vjp: maps a cotangent of f's output (a tree like the output; a Tensor for a
/// Tensor output) to the gradients. It emits the backward pass where it is called, so call it in
/// the same trace as vjp (or eagerly); it may be called several times.
class Pullback {
public:
  explicit Pullback(std::shared_ptr<const detail::Linearization> lin) : lin_(std::move(lin)) {}
  Gradients operator()(const Tree &cotangent) const {
    return detail::pullback(*lin_, cotangent);
  }

private:
  std::shared_ptr<const detail::Linearization> lin_;
};

/// What vjp(f, states)(args...) returns: `auto [out, pullback] = ...`.
template <class Out> struct VjpResult {
  Out out;
  Pullback pullback;
};

/// A function of the same parameters as f returning the value of f and its gradients with
/// respect to `states` (and to the parameters named by options.argnums); see the class
/// templates below.
template <class F> class ValueAndGradFn {
public:
  ValueAndGradFn(F fn, StateMap states, GradOptions options)
      : fn_(std::move(fn)), states_(std::move(states)), options_(std::move(options)) {}

  /// Evaluates f on args (eagerly, or into the enclosing trace), applies the state writes f made
  /// and returns the value and gradients. f must return a f32/f64 scalar, or
  /// std::pair<scalar Tensor, Aux> (Aux a Tensor or a Tree).
  template <class... Args> auto operator()(const Args &...args) {
    using R = std::decay_t<detail::ResultOf<F, Args...>>;
    detail::BoundFunction<F, Args...> bound(fn_, args...);
    auto lin = detail::linearize(
        "valueAndGrad", [&](const std::vector<Tree> &t) { return bound(t); }, bound.treeArgs(),
        states_, bound.treeArgnums("valueAndGrad", options_.argnums), options_.allowUnused);
    detail::checkScalarLoss("valueAndGrad", *lin);
    const Tree &out = detail::linearizedOutput(*lin);
    if constexpr (detail::IsPair<R>::value) {
      using Aux = std::decay_t<typename R::second_type>;
      return ValueAndGradAuxResult<Aux>{out[0].leaf(), detail::pullbackScalar(*lin, 0),
                                        detail::fromTree<Aux>(out[1])};
    } else {
      return ValueAndGradResult{out.leaf(), detail::pullbackScalar(*lin, 0)};
    }
  }

private:
  F fn_;
  StateMap states_;
  GradOptions options_;
};

/// Like ValueAndGradFn, returning only the gradients.
template <class F> class GradFn {
public:
  GradFn(F fn, StateMap states, GradOptions options)
      : inner_(std::move(fn), std::move(states), std::move(options)) {}
  template <class... Args> Gradients operator()(const Args &...args) {
    return inner_(args...).grads;
  }

private:
  ValueAndGradFn<F> inner_;
};

/// Like ValueAndGradFn for a function with any output (a Tensor, a Tree, a pair, or a vector of
/// Tensors): returns the output and its Pullback.
template <class F> class VjpFn {
public:
  VjpFn(F fn, StateMap states, GradOptions options)
      : fn_(std::move(fn)), states_(std::move(states)), options_(std::move(options)) {}
  template <class... Args> auto operator()(const Args &...args) {
    using R = std::decay_t<detail::ResultOf<F, Args...>>;
    detail::BoundFunction<F, Args...> bound(fn_, args...);
    auto lin = detail::linearize(
        "vjp", [&](const std::vector<Tree> &t) { return bound(t); }, bound.treeArgs(), states_,
        bound.treeArgnums("vjp", options_.argnums), options_.allowUnused);
    if constexpr (detail::IsPair<R>::value)
      return VjpResult<Tree>{detail::linearizedOutput(*lin), Pullback(lin)};
    else
      return VjpResult<R>{detail::fromTree<R>(detail::linearizedOutput(*lin)), Pullback(lin)};
  }

private:
  F fn_;
  StateMap states_;
  GradOptions options_;
};

/// A function of Tensors whose gradient is given by a rule; see customVjp.
template <class F> class CustomVjpFn {
public:
  CustomVjpFn(F fn, CustomVjpRule bwd) : fn_(std::move(fn)), bwd_(std::move(bwd)) {}
  /// f(xs...): one Tensor per input, one Tensor out.
  template <class... Ts> Tensor operator()(const Ts &...xs) const {
    return detail::customVjpCall(
        [&](const std::vector<Tensor> &v) {
          return call(v, std::index_sequence_for<Ts...>{});
        },
        bwd_, {Tensor(xs)...});
  }

private:
  template <size_t... I>
  Tensor call(const std::vector<Tensor> &v, std::index_sequence<I...>) const {
    return fn_(v[I]...);
  }
  F fn_;
  CustomVjpRule bwd_;
};

/// customVjp(f, bwd): a function like f (Tensors in, one Tensor out) whose gradient under grad,
/// valueAndGrad and vjp is given by `bwd` instead of by differentiating f — for surrogate
/// gradients of spikes (see bst/Transform/Surrogate.h), straight-through estimators, or
/// numerically better rules. Outside of a gradient it is f. Example, a straight-through round:
///
///   auto roundSte = bst::customVjp([](const bst::Tensor &x) { return bst::round(x); },
///       [](const std::vector<bst::Tensor> &, const bst::Tensor &, const bst::Tensor &g) {
///         return std::vector<bst::Tensor>{g};
///       });
///
/// Second-order gradients use the rule's own derivative (it is written with the public ops).
template <class F> CustomVjpFn<F> customVjp(F fn, CustomVjpRule bwd) {
  return CustomVjpFn<F>(std::move(fn), std::move(bwd));
}

/// valueAndGrad(f, states, options)(args...): f's value and its gradients with respect to the
/// values `states` hold when f is called (and to the arguments named by options.argnums).
/// f is a C++ callable taking Tensors, Trees and static arithmetic arguments, returning a scalar
/// loss or std::pair<loss, aux>. Its state writes are applied after the call, as for any
/// function (they are not differentiated through). Errors (bst::Error, InvalidArgument): a state
/// of `states` that does not affect the result (unless options.allowUnused), a state or argument
/// that is not f32/f64, a loss that is not a float scalar.
template <class F>
ValueAndGradFn<F> valueAndGrad(F fn, StateMap states, GradOptions options = {}) {
  return ValueAndGradFn<F>(std::move(fn), std::move(states), std::move(options));
}

/// grad(f, states, options)(args...): the gradients of valueAndGrad.
template <class F> GradFn<F> grad(F fn, StateMap states, GradOptions options = {}) {
  return GradFn<F>(std::move(fn), std::move(states), std::move(options));
}

/// vjp(f, states, options)(args...): f's output and its Pullback, for outputs that are not
/// scalars (a Jacobian row at a time) or several cotangents.
template <class F> VjpFn<F> vjp(F fn, StateMap states, GradOptions options = {}) {
  return VjpFn<F>(std::move(fn), std::move(states), std::move(options));
}

} // namespace bst

#endif // BST_TRANSFORM_AUTODIFF_H
