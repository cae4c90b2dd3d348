//===- bst/Graph/Filter.h - Selecting states and modules -------*- C++ -*-===//
//
// A Filter decides, for a state at a path in a module tree, whether it is
// selected. Module::states(filter) and graph::split(module, filters...) use
// them; the constructors live in namespace bst::filter:
//
//   net.states(bst::filter::kind<bst::ParamState>());
//   net.states(bst::filter::allOf(bst::filter::pathGlob("exc.*"),
//                                 bst::filter::not_(bst::filter::tag("frozen"))));
//
// Path and module-type filters also select submodules (Module::nodes); kind,
// tag and state predicates never match a module.
//
//===----------------------------------------------------------------------===//
#ifndef BST_GRAPH_FILTER_H
#define BST_GRAPH_FILTER_H

#include "bst/State/State.h"

#include <concepts>
#include <functional>
#include <memory>
#include <string>
#include <typeinfo>
#include <vector>

namespace bst {

class Module;
class Filter;
namespace filter {
Filter everything();
} // namespace filter

/// A predicate on (path, state) and on (path, module), with a printable
/// description used in error messages ("kind(ParamState)").
///
/// Ownership: a cheap handle; copies share one immutable filter.
/// Thread safety: safe to copy and evaluate from several threads if the
/// user predicates it holds are.
class Filter {
public:
  /// Decides for a state at `path` (its first path in the tree).
  using StatePredicate =
      std::function<bool(const std::string &path, const State &state)>;
  /// Decides for a submodule at `path`.
  using ModulePredicate =
      std::function<bool(const std::string &path, const Module &module)>;

  /// A filter with the given behaviour; a null `onModule` matches no module.
  /// Prefer the constructors in bst::filter.
  Filter(std::string description, StatePredicate onState,
         ModulePredicate onModule = nullptr);

  /// True if the state at `path` is selected.
  bool operator()(const std::string &path, const State &state) const;
  /// True if the submodule at `path` is selected.
  bool matchesModule(const std::string &path, const Module &module) const;
  /// "anyOf(kind(ParamState), tag(\"frozen\"))".
  const std::string &toString() const;
  /// True for filter::everything() (which split accepts as a catch-all).
  bool isEverything() const;

private:
  struct Impl;
  explicit Filter(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  friend Filter filter::everything();
  std::shared_ptr<const Impl> impl_;
};

std::ostream &operator<<(std::ostream &os, const Filter &filter);

namespace detail {
std::string moduleTypeNameOf(const std::type_info &type);
}

namespace filter {

/// States of kind `kind` or of a kind derived from it.
Filter kind(const StateKind &kind);
/// States of kind K or of a kind derived from K: kind<ShortTermState>()
/// selects HiddenStates too.
template <class K> Filter kind() { return kind(K::staticKind()); }

/// States carrying `tag` (StateOptions::tags, State::addTag).
Filter tag(std::string tag);

/// States and modules whose path contains `text`.
Filter pathContains(std::string text);

/// States and modules whose whole path matches `pattern`, where `*` matches
/// any run of characters within one path segment, `**` any run including
/// dots, and `?` one character other than a dot: "exc.*" selects "exc.v" but
/// not "exc.syn.g"; "**.v" selects every "v" below the root.
Filter pathGlob(std::string pattern);

/// States for which `fn(path, state)` is true; `description` names it in
/// messages.
Filter predicate(Filter::StatePredicate fn,
                 std::string description = "predicate");

/// Modules for which `fn(path, module)` is true (for Module::nodes).
Filter modulePredicate(Filter::ModulePredicate fn,
                       std::string description = "modulePredicate");

/// Modules whose dynamic type is M or derives from it (for Module::nodes).
template <class M> Filter moduleType() {
  return modulePredicate(
      [](const std::string &, const Module &m) {
        return dynamic_cast<const M *>(&m) != nullptr;
      },
      "moduleType(" + detail::moduleTypeNameOf(typeid(M)) + ")");
}

/// Selects what any of `filters` selects (nothing if empty).
Filter anyOf(std::vector<Filter> filters);
template <class... Fs>
requires(sizeof...(Fs) >= 1 && (std::convertible_to<Fs, Filter> && ...)) Filter
    anyOf(Fs... filters) {
  return anyOf(std::vector<Filter>{Filter(std::move(filters))...});
}

/// Selects what all of `filters` select (everything if empty).
Filter allOf(std::vector<Filter> filters);
template <class... Fs>
requires(sizeof...(Fs) >= 1 && (std::convertible_to<Fs, Filter> && ...)) Filter
    allOf(Fs... filters) {
  return allOf(std::vector<Filter>{Filter(std::move(filters))...});
}

/// Selects what `filter` does not.
Filter not_(Filter filter);

/// Selects every state and module; as split's last filter it collects all
/// states the earlier filters left.
Filter everything();
/// Selects nothing.
Filter nothing();

} // namespace filter
} // namespace bst

#endif // BST_GRAPH_FILTER_H
