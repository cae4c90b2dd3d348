//===- bst/Transform/Vmap.h - Vectorizing a function over a batch axis -*- C++ -*-===//
//
// vmap(f, options) is f applied to every element of a batch at once, as JAX's vmap:
//
//   auto step = bst::vmap([&](const bst::Tensor &x) { return net(x); },
//                         {.inAxes = {0}, .inStates = net.states<bst::HiddenState>()});
//   bst::Tensor y = step(xs);   // xs: [B, n]; y: [B, ...]; every HiddenState holds [B, ...]
//
// f is traced once on one element (a nested trace, as grad does), then the program is replayed
// where vmap is called with one batching rule per primitive, written with the public ops: eagerly
// that computes, under bst::jit it records, so the batch becomes one compiled function. See
// docs/vmap.md for the rules, states, ensembles and costs.
//
//===----------------------------------------------------------------------===//
#ifndef BST_TRANSFORM_VMAP_H
#define BST_TRANSFORM_VMAP_H

#include "bst/Graph/StateMap.h"
#include "bst/Support/Tree.h"
#include "bst/Trace/Tracer.h"
#include "bst/Transform/Autodiff.h"

#include <cstdint>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

namespace bst {

/// "Not batched" in VmapOptions::inAxes: the argument is the same for every element.
inline constexpr std::optional<int64_t> notBatched = std::nullopt;

/// Options of vmap.
struct VmapOptions {
  /// One entry per traced parameter of f (Tensor, Array or Tree; static parameters take none):
  /// the axis of every leaf of that argument that is the batch axis (negative counts from the
  /// end), or bst::notBatched. Empty: axis 0 for every traced parameter.
  std::vector<std::optional<int64_t>> inAxes;
  /// Where the batch axis goes in each leaf of f's result (in flatten order; negative counts from
  /// the end of the batched leaf). Empty: 0 for every leaf; one entry: that axis for every leaf.
  /// A leaf that does not depend on the batch is broadcast along it.
  std::vector<int64_t> outAxes;
  /// States whose values carry the batch axis (axis 0 of every leaf): f reads one element of
  /// them, and what it writes is stored per element.
  StateMap inStates;
  /// States f may write batched values to. A state's signature is frozen, so a state written
  /// batched carries the batch axis in its value and is read per element too: inStates,
  /// outStates and every BatchState are the batched states. Writing a value that depends on the
  /// batch to any other state throws bst::BatchAxisError.
  StateMap outStates;
};

namespace detail {

/// Traces `fn` on one element of `args` and replays it batched (see vmap). `options.inAxes` has
/// one entry per `args` (already expanded).
Tree vmapCall(const TreeFunction &fn, const std::vector<Tree> &args, const VmapOptions &options);

/// f's batched result back as the type f returns (a pair returns as a pair).
template <class R> R vmapResult(const Tree &t) {
  if constexpr (IsPair<R>::value)
    return R{fromTree<std::decay_t<typename R::first_type>>(t[0]),
             fromTree<std::decay_t<typename R::second_type>>(t[1])};
  else
    return fromTree<R>(t);
}

} // namespace detail

/// The function vmap returns: the parameters of f, each traced one carrying the batch axis its
/// inAxes entry names.
template <class F> class VmapFn {
public:
  VmapFn(F fn, VmapOptions options) : fn_(std::move(fn)), options_(std::move(options)) {}

  /// Evaluates f on every element of the batch (eagerly, or into the enclosing trace) and returns
  /// its results stacked along outAxes, as f's result type (a Tensor, a Tree, a vector of Tensors
  /// or a pair of those). The batched states are updated per element; the others as f writes
  /// them. Throws bst::BatchAxisError (a batched write to a state that is not batched), or
  /// bst::Error (InvalidArgument) for axes out of range or batch sizes that disagree; every
  /// state is then unchanged.
  template <class... Args> auto operator()(const Args &...args) {
    using R = std::decay_t<detail::ResultOf<F, Args...>>;
    if constexpr (std::is_void_v<R>) {
      auto noResult = [&](const auto &...p) {
        fn_(p...);
        return Tree::list({});
      };
      call(noResult, args...);
    } else {
      return detail::vmapResult<R>(call(fn_, args...));
    }
  }

private:
  template <class G, class... Args> Tree call(G &g, const Args &...args) {
    detail::BoundFunction<G, Args...> bound(g, args...);
    return detail::vmapCall([&](const std::vector<Tree> &t) { return bound(t); }, bound.treeArgs(),
                            options_);
  }

  F fn_;
  VmapOptions options_;
};

/// vmap(f, options)(args...): f mapped over the batch axis of its arguments and states; see
/// VmapOptions and docs/vmap.md. Composes with jit, grad and the control-flow constructs.
template <class F> VmapFn<F> vmap(F fn, VmapOptions options = {}) {
  return VmapFn<F>(std::move(fn), std::move(options));
}

/// The values of `copies` (StateMaps of models of one structure, e.g. from graph::split of each
/// copy) stacked along a new axis 0: a dict from path to the stacked value, to pass to a vmapped
/// function with inAxes 0. Throws bst::Error if the maps' paths or signatures differ.
Tree stackStates(const std::vector<StateMap> &copies);

/// New plain States holding the values of `values` (a dict from path to value, such as
/// stackStates gives, or one element of it inside vmap), keyed by path: merge them with a
/// GraphDef (graph::merge) to build a model inside a vmapped function. The states belong to the
/// current trace frame.
StateMap statesFromValues(const Tree &values);

/// The current values of `states` as a dict from path to value (statesFromValues' inverse).
Tree stateValues(const StateMap &states);

} // namespace bst

#endif // BST_TRANSFORM_VMAP_H
