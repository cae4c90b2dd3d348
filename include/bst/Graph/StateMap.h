//===- bst/Graph/StateMap.h - Ordered maps from paths ----------*- C++ -*-===//
//
// A StateMap maps paths ("exc.v") to State handles in a deterministic order:
// the order in which a depth-first walk of the module tree meets the states,
// registration order at every level. Module::states, graph::split and
// graph::merge exchange them. A NodeMap maps paths to submodules.
//
//===----------------------------------------------------------------------===//
#ifndef BST_GRAPH_STATEMAP_H
#define BST_GRAPH_STATEMAP_H

#include "bst/Graph/Filter.h"
#include "bst/State/State.h"

#include "absl/container/flat_hash_map.h"

#include <initializer_list>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace bst {

class Module;

namespace detail {
/// Throws bst::Error: no `noun` at `path`; lists the paths there are.
[[noreturn]] void throwMissingPath(const char *noun, const std::string &path,
                                   const std::vector<std::string> &known);
/// Throws bst::Error: `path` inserted twice.
[[noreturn]] void throwDuplicatePath(const char *noun, const std::string &path);

template <class V> struct PathMapNoun;
template <> struct PathMapNoun<State> {
  static constexpr const char *value = "state";
};
template <> struct PathMapNoun<Module *> {
  static constexpr const char *value = "module";
};
} // namespace detail

/// An insertion-ordered map from path to V with unique paths.
///
/// Ownership: holds V by value (State handles share their states; Module
/// pointers do not own their modules). Thread safety: const methods may run
/// concurrently; mutation needs exclusive access.
template <class V> class PathMap {
public:
  using value_type = std::pair<std::string, V>;
  using const_iterator = typename std::vector<value_type>::const_iterator;

  PathMap() = default;
  /// Throws bst::Error if a path appears twice.
  PathMap(std::initializer_list<value_type> entries) {
    for (const value_type &e : entries)
      insert(e.first, e.second);
  }

  /// Appends `value` at `path`; throws bst::Error if `path` is present.
  void insert(std::string path, V value) {
    auto [it, inserted] = index_.try_emplace(path, entries_.size());
    if (!inserted)
      detail::throwDuplicatePath(detail::PathMapNoun<V>::value, path);
    entries_.emplace_back(std::move(path), std::move(value));
  }
  bool contains(const std::string &path) const { return index_.contains(path); }
  /// The value at `path`, or null.
  const V *find(const std::string &path) const {
    auto it = index_.find(path);
    return it == index_.end() ? nullptr : &entries_[it->second].second;
  }
  /// The value at `path`; throws bst::Error naming `path` and listing the
  /// paths present if it is absent.
  const V &at(const std::string &path) const {
    if (const V *v = find(path))
      return *v;
    detail::throwMissingPath(detail::PathMapNoun<V>::value, path, paths());
  }

  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  const_iterator begin() const { return entries_.begin(); }
  const_iterator end() const { return entries_.end(); }
  /// The paths in order.
  std::vector<std::string> paths() const {
    std::vector<std::string> out;
    out.reserve(entries_.size());
    for (const value_type &e : entries_)
      out.push_back(e.first);
    return out;
  }

  /// Same paths in the same order with equal values (for States: the same
  /// state objects).
  friend bool operator==(const PathMap &a, const PathMap &b) {
    return a.entries_ == b.entries_;
  }
  friend bool operator!=(const PathMap &a, const PathMap &b) {
    return !(a == b);
  }

private:
  std::vector<value_type> entries_;
  absl::flat_hash_map<std::string, size_t> index_;
};

/// An ordered map from path to State handle.
class StateMap : public PathMap<State> {
public:
  using PathMap::PathMap;

  /// The entries `filter` selects, in order.
  StateMap select(const Filter &filter) const;
  /// Each state's current value, in order (runs read hooks).
  std::vector<Tree> values() const;
  /// One line per state: "exc.v: HiddenState f32[4]".
  std::string toString() const;
};

std::ostream &operator<<(std::ostream &os, const StateMap &map);

/// An ordered map from path to submodule. The pointers do not own: they stay
/// valid while the module tree they came from lives.
using NodeMap = PathMap<Module *>;

} // namespace bst

#endif // BST_GRAPH_STATEMAP_H
