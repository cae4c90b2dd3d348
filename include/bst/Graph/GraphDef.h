//===- bst/Graph/GraphDef.h - The structure of a module tree ---*- C++ -*-===//
//
// A GraphDef is what graph::split leaves once the states are taken out: the
// module types, their attributes and entry names, and for every state its
// path, kind, tags and frozen signature, with sharing recorded (two entries
// that name one state or one submodule point at the same index). It holds no
// values, so it is small, printable, comparable and hashable: the Jit layer
// uses it in compile-cache keys.
//
//===----------------------------------------------------------------------===//
#ifndef BST_GRAPH_GRAPHDEF_H
#define BST_GRAPH_GRAPHDEF_H

#include "bst/Graph/Attribute.h"
#include "bst/State/State.h"
#include "bst/Support/Tree.h"

#include <memory>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace bst {

class Module;

namespace detail {
struct GraphDefBuilder;
} // namespace detail

/// The structure and static attributes of a module tree.
///
/// Ownership: a value; copies share an immutable prototype of the module tree
/// (the module objects without their states) from which graph::merge builds
/// new modules.
/// Thread safety: immutable; safe to share, compare, hash and merge from
/// several threads.
class GraphDef {
public:
  /// An empty GraphDef (no modules), which merge rejects; graph::split
  /// returns real ones.
  GraphDef();

  /// One state of the tree, at its first path.
  struct StateDef {
    std::string path;
    const StateKind *kind = nullptr;
    Signature signature;
    std::vector<std::string> tags;
    /// The state's name (for messages); not part of == or the hash.
    std::string name;

    friend bool operator==(const StateDef &a, const StateDef &b) {
      return a.path == b.path && a.kind == b.kind &&
             a.signature == b.signature && a.tags == b.tags;
    }
  };
  /// One registration of a module: a state (index into states()) or a
  /// submodule (index into nodes()).
  struct EntryDef {
    std::string name;
    bool isState = false;
    size_t index = 0;

    friend bool operator==(const EntryDef &, const EntryDef &) = default;
  };
  /// One module of the tree, at its first path ("" for the root).
  struct NodeDef {
    std::string path;
    std::string typeName;
    std::vector<std::pair<std::string, Attribute>> attributes;
    std::vector<EntryDef> entries;

    friend bool operator==(const NodeDef &, const NodeDef &) = default;
  };

  /// The modules in depth-first order of first visit; nodes()[0] is the root.
  const std::vector<NodeDef> &nodes() const { return nodes_; }
  /// The states in depth-first order of first visit (the order of
  /// Module::states()).
  const std::vector<StateDef> &states() const { return states_; }
  /// The state at first path `path`, or null.
  const StateDef *findState(const std::string &path) const;

  /// True if graph::merge can build modules from this GraphDef (every module
  /// type has BST_MODULE and registers only data members).
  bool isMergeable() const { return prototype_ != nullptr; }
  /// Why it is not mergeable (empty if it is).
  const std::string &notMergeableReason() const { return notMergeable_; }

  /// An indented tree, one line per entry:
  ///   Net {width = 4}
  ///     exc: LIF {n = 4}
  ///       v: HiddenState f32[4]
  ///     tied: same state as 'exc.w'
  std::string toString() const;

  friend bool operator==(const GraphDef &a, const GraphDef &b) {
    return a.nodes_ == b.nodes_ && a.states_ == b.states_;
  }
  friend bool operator!=(const GraphDef &a, const GraphDef &b) {
    return !(a == b);
  }
  template <class H> friend H AbslHashValue(H h, const GraphDef &g) {
    for (const NodeDef &n : g.nodes_) {
      h = H::combine(std::move(h), n.path, n.typeName, n.attributes);
      for (const EntryDef &e : n.entries)
        h = H::combine(std::move(h), e.name, e.isState, e.index);
    }
    for (const StateDef &s : g.states_)
      h = H::combine(std::move(h), s.path, s.kind->name(), s.signature, s.tags);
    return H::combine(std::move(h), g.nodes_.size(), g.states_.size());
  }

private:
  friend struct detail::GraphDefBuilder;

  std::vector<NodeDef> nodes_;
  std::vector<StateDef> states_;
  std::shared_ptr<const Module> prototype_;
  std::string notMergeable_;
};

std::ostream &operator<<(std::ostream &os, const GraphDef &def);

} // namespace bst

#endif // BST_GRAPH_GRAPHDEF_H
