//===- bst/Graph/Graph.h - split, merge, update, clone ---------*- C++ -*-===//
//
// The graph model: a module tree is a GraphDef (structure) plus StateMaps
// (states by path).
//
//   auto [def, params, rest] = bst::graph::split(
//       net, bst::filter::kind<bst::ParamState>(), bst::filter::everything());
//   std::shared_ptr<Net> copy = bst::graph::merge<Net>(def, params, rest);
//   bst::graph::update(net, copy->states());
//
// merge builds new module objects holding new states, created in the current
// trace frame (a fresh trace identity, writable there); the original module
// is untouched. See docs/graph-model.md.
//
//===----------------------------------------------------------------------===//
#ifndef BST_GRAPH_GRAPH_H
#define BST_GRAPH_GRAPH_H

#include "bst/Graph/Filter.h"
#include "bst/Graph/GraphDef.h"
#include "bst/Graph/Module.h"
#include "bst/Graph/StateMap.h"

#include <concepts>
#include <memory>
#include <tuple>
#include <utility>
#include <vector>

namespace bst::graph {

/// What splitBy returns: the structure and one StateMap per filter.
struct SplitResult {
  GraphDef graphDef;
  std::vector<StateMap> stateMaps;
};

/// Splits `module` into its GraphDef and one StateMap per filter: each state
/// (at its first path) goes to the map of the first filter that selects it.
/// With no filters, all states go to one map. Throws bst::Error, naming the
/// states, if a state is selected by no filter (end with filter::everything()
/// to collect the rest). The maps hold the module's own State handles.
SplitResult splitBy(const Module &module, const std::vector<Filter> &filters);

/// The GraphDef that split(module) would return, without the StateMaps.
GraphDef graphDef(const Module &module);

namespace detail {
template <size_t> using StateMapAt = StateMap;
template <size_t... I>
std::tuple<GraphDef, StateMapAt<I>...> splitTuple(SplitResult &&r,
                                                  std::index_sequence<I...>) {
  return {std::move(r.graphDef), std::move(r.stateMaps[I])...};
}
std::shared_ptr<Module> merge(const GraphDef &def,
                              const std::vector<const StateMap *> &maps);
std::shared_ptr<Module> clone(const Module &module);
void update(Module &module, const std::vector<const StateMap *> &maps);
[[noreturn]] void throwMergedType(const Module &module,
                                  const std::type_info &wanted);

template <class M> std::shared_ptr<M> downcast(std::shared_ptr<Module> m) {
  if constexpr (std::is_same_v<M, Module>) {
    return m;
  } else {
    std::shared_ptr<M> typed = std::dynamic_pointer_cast<M>(m);
    if (!typed)
      throwMergedType(*m, typeid(M));
    return typed;
  }
}
} // namespace detail

/// split(module, f1, ..., fn) returns a std::tuple of the GraphDef and n
/// StateMaps (one per filter, see splitBy); split(module) returns the GraphDef
/// and one map of all states.
template <class... Fs>
requires(std::convertible_to<const Fs &, Filter> &&...) auto split(
    const Module &module, const Fs &...filters) {
  if constexpr (sizeof...(Fs) == 0) {
    return detail::splitTuple(splitBy(module, {}), std::index_sequence<0>{});
  } else {
    return detail::splitTuple(splitBy(module, {Filter(filters)...}),
                              std::index_sequence_for<Fs...>{});
  }
}

/// Builds a new module tree of `def`'s structure from copies of the modules
/// that `def` was split from. Its states are new State objects created in the
/// current trace frame (writable there, a fresh trace identity) with the kinds
/// and tags of `def` and the values of the states in `maps`; a state shared in
/// the original is one new state, shared the same way. Validates everything
/// before creating anything and throws bst::Error naming the paths for: an
/// unmergeable GraphDef, a path in the maps that `def` lacks, a path in two
/// maps, a state of `def` in no map, or a value whose signature differs from
/// `def`'s (SignatureError). Returns the root as an M (bst::Error if it is
/// not one).
template <class M = Module, class... Maps>
requires(std::same_as<Maps, StateMap> &&...) std::shared_ptr<M> merge(
    const GraphDef &def, const Maps &...maps) {
  return detail::downcast<M>(detail::merge(def, {&maps...}));
}
/// merge with a run-time number of maps.
template <class M = Module>
std::shared_ptr<M> merge(const GraphDef &def,
                         const std::vector<StateMap> &maps) {
  std::vector<const StateMap *> ptrs;
  for (const StateMap &m : maps)
    ptrs.push_back(&m);
  return detail::downcast<M>(detail::merge(def, ptrs));
}

/// A new, independent module tree like `module`: the same structure and
/// sharing, copies of its modules, and new states (in the current trace
/// frame) holding its states' current values. Equivalent to split then merge.
template <class M> std::shared_ptr<M> clone(const M &module) {
  return detail::downcast<M>(detail::clone(module));
}

/// Writes the values of the states in `maps` into `module`'s states at the
/// same paths (any path of a shared state), all or nothing: an unknown path, a
/// state named twice, a signature mismatch (SignatureError) or a state whose
/// trace frame is not active (TraceContextError) throws before anything is
/// written. The writes run hooks as State::setValue does; if a hook cancels
/// one, the states already written get their old values back (through
/// State::restore) and the error propagates.
template <class... Maps>
requires(sizeof...(Maps) >= 1 && (std::same_as<Maps, StateMap> &&
                                  ...)) void update(Module &module,
                                                    const Maps &...maps) {
  detail::update(module, {&maps...});
}

} // namespace bst::graph

#endif // BST_GRAPH_GRAPH_H
