//===- GraphInternals.h - Walking module trees (private to Graph) ---------===//
#ifndef BST_LIB_GRAPH_GRAPHINTERNALS_H
#define BST_LIB_GRAPH_GRAPHINTERNALS_H

#include "bst/Graph/Module.h"

#include <string>
#include <utility>
#include <vector>

namespace bst::detail {

/// The Graph layer's access to a module's registrations.
struct ModuleAccess {
  using Entry = Module::Entry;
  static std::vector<Entry> &entries(Module &m) { return m.entries_; }
  static const std::vector<Entry> &entries(const Module &m) {
    return m.entries_;
  }
  static void setHasParent(Module &m, bool value) { m.hasParent_ = value; }
};

/// A depth-first walk of a module tree in registration order. Every module and
/// every state gets an index at its first visit, with that first path.
struct GraphWalk {
  struct EntryRef {
    std::string name;
    bool isState;
    size_t index;
  };
  struct NodeRec {
    Module *module;
    std::string path;
    std::vector<EntryRef> entries;
  };
  struct StateRec {
    State state;
    std::string path;
  };
  std::vector<NodeRec> nodes;
  std::vector<StateRec> states;
  /// Every path that reaches a state, aliases of shared states included, in
  /// walk order, with the state's index.
  std::vector<std::pair<std::string, size_t>> statePaths;
};

/// Walks the tree below `root`. Throws bst::Error if it finds a cycle.
GraphWalk walkGraph(const Module &root);

/// "a.b" from "a" and "b"; "b" from "" and "b".
std::string joinPath(const std::string &prefix, const std::string &name);

/// "a, b, c" for up to `limit` items, then "... (N more)"; "none" if empty.
std::string listNames(const std::vector<std::string> &names, size_t limit = 10);

} // namespace bst::detail

#endif // BST_LIB_GRAPH_GRAPHINTERNALS_H
