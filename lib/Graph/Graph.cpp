//===- Graph.cpp - split, merge, update, clone ----------------------------===//
#include "bst/Graph/Graph.h"
#include "GraphInternals.h"
#include "bst/Support/Error.h"

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace bst {

using detail::GraphWalk;
using detail::ModuleAccess;
using Entry = ModuleAccess::Entry;

namespace detail {

/// Builds GraphDefs (a friend of GraphDef).
struct GraphDefBuilder {
  static GraphDef fromWalk(const GraphWalk &walk) {
    GraphDef def;
    for (const GraphWalk::NodeRec &n : walk.nodes) {
      GraphDef::NodeDef node;
      node.path = n.path;
      node.typeName = n.module->typeName();
      node.attributes = n.module->attributes();
      for (const GraphWalk::EntryRef &e : n.entries)
        node.entries.push_back({e.name, e.isState, e.index});
      def.nodes_.push_back(std::move(node));
    }
    for (const GraphWalk::StateRec &s : walk.states)
      def.states_.push_back({s.path, &s.state.kind(), s.state.signature(),
                             s.state.tags(), s.state.name()});
    return def;
  }
  static void setPrototype(GraphDef &def, std::shared_ptr<const Module> p) {
    def.prototype_ = std::move(p);
    def.notMergeable_.clear();
  }
  static void setNotMergeable(GraphDef &def, std::string reason) {
    def.notMergeable_ = std::move(reason);
  }
  static const Module *prototype(const GraphDef &def) {
    return def.prototype_.get();
  }
};

} // namespace detail

namespace {

using detail::GraphDefBuilder;
using detail::joinPath;
using detail::listNames;

std::string describePath(const std::string &path) {
  return path.empty() ? std::string("the root module")
                      : absl::StrCat("the module at '", path, "'");
}

/// A State of any kind: State's kind-taking constructor is protected.
struct StateFactory : State {
  StateFactory(const StateKind &kind, Tree value, StateOptions options)
      : State(kind, std::move(value), std::move(options)) {}
};

/// The state that prototypes hold in place of the original states, so that a
/// GraphDef keeps no model state alive. Created when the library loads, before
/// user code can register init hooks that would see it.
const State &detachedState() {
  static const State *placeholder =
      new State(StateFactory(State::staticKind(), Tree(),
                             StateOptions{"<detached from its GraphDef>", {}}));
  return *placeholder;
}
[[maybe_unused]] const bool kDetachedStateReady = (detachedState(), true);

using CloneMemo = absl::flat_hash_map<const Module *, std::shared_ptr<Module>>;

std::shared_ptr<Module> cloneTree(const Module &original,
                                  const std::string &path, CloneMemo &memo);

/// Replaces the co-owned submodules below `m` (a fresh copy, whose owned
/// entries still point at the originals) with copies, once per original.
void replaceOwned(Module &m, const std::string &path, CloneMemo &memo,
                  absl::flat_hash_set<const Module *> &visited) {
  if (!visited.insert(&m).second)
    return;
  for (Entry &e : ModuleAccess::entries(m)) {
    if (e.state)
      continue;
    std::string childPath = joinPath(path, e.name);
    if (!e.owned) {
      replaceOwned(*e.child, childPath, memo, visited);
      continue;
    }
    const Module *original = e.owned.get();
    std::shared_ptr<Module> copy;
    if (auto it = memo.find(original); it != memo.end()) {
      copy = it->second;
    } else {
      copy = cloneTree(*original, childPath, memo);
      memo.emplace(original, copy);
    }
    e.owned = copy;
    e.child = copy.get();
  }
}

/// A copy of the tree below `original`: new module objects (shared the same
/// way) whose registrations still hold the original states.
std::shared_ptr<Module> cloneTree(const Module &original,
                                  const std::string &path, CloneMemo &memo) {
  std::unique_ptr<Module> copy;
  try {
    copy = original.cloneStructure();
  } catch (const Error &e) {
    throw Error(e.code(), absl::StrCat("cannot re-create ", describePath(path),
                                       ": ", e.what()));
  }
  if (!copy) {
    std::string type = original.typeName();
    throw Error(ErrorCode::InvalidArgument,
                absl::StrCat("cannot re-create ", describePath(path),
                             ": module type ", type,
                             " is not mergeable. Add the line BST_MODULE(",
                             type, ") to the body of ", type,
                             " (which must be copy-constructible)"));
  }
  std::shared_ptr<Module> root(std::move(copy));
  // The copy has no parent yet: registering it somewhere names its states.
  ModuleAccess::setHasParent(*root, false);
  absl::flat_hash_set<const Module *> visited;
  replaceOwned(*root, path, memo, visited);
  return root;
}

/// Points every registered state below `m` at the detached placeholder.
void detach(Module &m, absl::flat_hash_set<const Module *> &visited) {
  if (!visited.insert(&m).second)
    return;
  for (Entry &e : ModuleAccess::entries(m)) {
    if (e.child) {
      detach(*e.child, visited);
      continue;
    }
    e.state = detachedState();
    if (e.slot)
      *e.slot = detachedState();
  }
}

[[noreturn]] void throwInternal(const std::string &what) {
  throw Error(ErrorCode::Internal,
              absl::StrCat("graph: a copied module tree differs from its "
                           "GraphDef (",
                           what, "); please report this bug"));
}

/// Points the registrations of `root` (a copy of the tree `def` describes)
/// and the data members they name at `fresh` (one new state per state of
/// `def`).
void bindStates(Module &root, const GraphDef &def,
                const std::vector<State> &fresh) {
  std::vector<Module *> bound(def.nodes().size(), nullptr);
  bound[0] = &root;
  auto visit = [&](auto &self, Module &m, size_t index) -> void {
    std::vector<Entry> &entries = ModuleAccess::entries(m);
    const GraphDef::NodeDef &node = def.nodes()[index];
    if (entries.size() != node.entries.size())
      throwInternal(absl::StrCat("entry count at '", node.path, "'"));
    for (size_t k = 0; k < entries.size(); ++k) {
      Entry &e = entries[k];
      const GraphDef::EntryDef &d = node.entries[k];
      if (e.name != d.name || e.state.has_value() != d.isState)
        throwInternal(
            absl::StrCat("entry '", d.name, "' at '", node.path, "'"));
      if (d.isState) {
        e.state = fresh[d.index];
        if (e.slot)
          *e.slot = fresh[d.index];
        continue;
      }
      if (bound[d.index]) {
        if (bound[d.index] != e.child)
          throwInternal(
              absl::StrCat("sharing of '", d.name, "' at '", node.path, "'"));
        continue;
      }
      bound[d.index] = e.child;
      self(self, *e.child, d.index);
    }
  };
  visit(visit, root, 0);
}

/// New states, in the current trace frame, for the states of `def`.
std::vector<State> makeStates(const GraphDef &def, std::vector<Tree> values) {
  std::vector<State> fresh;
  fresh.reserve(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    const GraphDef::StateDef &s = def.states()[i];
    fresh.push_back(StateFactory(*s.kind, std::move(values[i]),
                                 StateOptions{s.name, s.tags}));
  }
  return fresh;
}

std::string quotedPaths(const std::vector<std::string> &paths) {
  return listNames(paths);
}

} // namespace

//===----------------------------------------------------------------------===//
// split
//===----------------------------------------------------------------------===//

graph::SplitResult graph::splitBy(const Module &module,
                                  const std::vector<Filter> &filters) {
  GraphWalk walk = bst::detail::walkGraph(module);
  std::vector<Filter> chosen = filters;
  if (chosen.empty())
    chosen.push_back(filter::everything());
  std::vector<StateMap> maps(chosen.size());
  std::vector<std::string> unmatched;
  for (const GraphWalk::StateRec &s : walk.states) {
    bool placed = false;
    for (size_t i = 0; i < chosen.size() && !placed; ++i)
      if (chosen[i](s.path, s.state)) {
        maps[i].insert(s.path, s.state);
        placed = true;
      }
    if (!placed)
      unmatched.push_back(
          absl::StrCat(s.path, "' (", s.state.kind().name(), ")"));
  }
  if (!unmatched.empty()) {
    std::string listed;
    for (size_t i = 0; i < unmatched.size() && i < 10; ++i)
      absl::StrAppend(&listed, i ? ", '" : "'", unmatched[i]);
    if (unmatched.size() > 10)
      absl::StrAppend(&listed, " ... (", unmatched.size() - 10, " more)");
    throw Error(
        ErrorCode::InvalidArgument,
        absl::StrCat(
            "graph::split: ", unmatched.size(),
            unmatched.size() == 1 ? " state is" : " states are",
            " selected by none of the filters [",
            absl::StrJoin(chosen, ", ",
                          [](std::string *out, const Filter &f) {
                            out->append(f.toString());
                          }),
            "]: ", listed,
            ". Every state must go to exactly one StateMap: add "
            "bst::filter::everything() as the last filter to collect the "
            "rest, or widen the filters"));
  }

  GraphDef def = GraphDefBuilder::fromWalk(walk);
  try {
    CloneMemo memo;
    std::shared_ptr<Module> prototype = cloneTree(module, "", memo);
    absl::flat_hash_set<const Module *> visited;
    detach(*prototype, visited);
    GraphDefBuilder::setPrototype(def, std::move(prototype));
  } catch (const Error &e) {
    // split itself needs no copy: the GraphDef is still good for
    // comparisons and cache keys, and merge reports why it cannot merge.
    GraphDefBuilder::setNotMergeable(def, e.what());
  }
  return {std::move(def), std::move(maps)};
}

GraphDef graph::graphDef(const Module &module) {
  return splitBy(module, {}).graphDef;
}

//===----------------------------------------------------------------------===//
// merge, clone
//===----------------------------------------------------------------------===//

std::shared_ptr<Module>
graph::detail::merge(const GraphDef &def,
                     const std::vector<const StateMap *> &maps) {
  const Module *prototype = GraphDefBuilder::prototype(def);
  if (!prototype)
    throw Error(ErrorCode::InvalidArgument,
                absl::StrCat("graph::merge: ", def.notMergeableReason()));

  absl::flat_hash_map<std::string, size_t> index;
  for (size_t i = 0; i < def.states().size(); ++i)
    index.emplace(def.states()[i].path, i);
  std::vector<const State *> given(def.states().size(), nullptr);
  std::vector<std::string> unknown, twice;
  for (const StateMap *map : maps)
    for (const auto &[path, state] : *map) {
      auto it = index.find(path);
      if (it == index.end())
        unknown.push_back(path);
      else if (given[it->second])
        twice.push_back(path);
      else
        given[it->second] = &state;
    }
  std::vector<std::string> known;
  for (const GraphDef::StateDef &s : def.states())
    known.push_back(s.path);
  if (!unknown.empty())
    throw Error(
        ErrorCode::InvalidArgument,
        absl::StrCat("graph::merge: the state maps hold ", quotedPaths(unknown),
                     unknown.size() == 1 ? ", which is not a state"
                                         : ", which are not states",
                     " of this GraphDef (its states are ", quotedPaths(known),
                     "). Pass the maps that graph::split returned "
                     "with this GraphDef; no module was created"));
  if (!twice.empty())
    throw Error(ErrorCode::InvalidArgument,
                absl::StrCat("graph::merge: ", quotedPaths(twice),
                             " appear in more than one state map; give each "
                             "state once. No module was created"));
  std::vector<std::string> missing;
  for (size_t i = 0; i < given.size(); ++i)
    if (!given[i])
      missing.push_back(def.states()[i].path);
  if (!missing.empty())
    throw Error(ErrorCode::InvalidArgument,
                absl::StrCat("graph::merge: no value for ",
                             quotedPaths(missing),
                             "; the state maps must hold every state of the "
                             "GraphDef (pass all the maps graph::split "
                             "returned). No module was created"));
  std::vector<std::string> mismatched;
  for (size_t i = 0; i < given.size(); ++i) {
    const GraphDef::StateDef &s = def.states()[i];
    if (given[i]->signature() != s.signature)
      mismatched.push_back(
          absl::StrCat("'", s.path, "' expects ", s.signature.toString(),
                       " but was given ", given[i]->signature().toString()));
  }
  if (!mismatched.empty())
    throw SignatureError(absl::StrCat(
        "graph::merge: ", absl::StrJoin(mismatched, "; "),
        ". A state's signature is part of the GraphDef: give values of the "
        "same tree structure, shapes and dtypes, or split the module again. "
        "No module was created"));

  std::vector<Tree> values;
  values.reserve(given.size());
  for (const State *s : given)
    values.push_back(s->value());
  CloneMemo memo;
  std::shared_ptr<Module> root = cloneTree(*prototype, "", memo);
  bindStates(*root, def, makeStates(def, std::move(values)));
  return root;
}

std::shared_ptr<Module> graph::detail::clone(const Module &module) {
  GraphWalk walk = bst::detail::walkGraph(module);
  GraphDef def = GraphDefBuilder::fromWalk(walk);
  CloneMemo memo;
  std::shared_ptr<Module> root = cloneTree(module, "", memo);
  std::vector<Tree> values;
  values.reserve(walk.states.size());
  for (const GraphWalk::StateRec &s : walk.states)
    values.push_back(s.state.value());
  bindStates(*root, def, makeStates(def, std::move(values)));
  return root;
}

void graph::detail::throwMergedType(const Module &module,
                                    const std::type_info &wanted) {
  throw Error(ErrorCode::InvalidArgument,
              absl::StrCat("graph: the merged root module is a ",
                           module.typeName(), ", not a ",
                           bst::detail::moduleTypeNameOf(wanted),
                           "; ask for merge<", module.typeName(), ">"));
}

//===----------------------------------------------------------------------===//
// update
//===----------------------------------------------------------------------===//

void graph::detail::update(Module &module,
                           const std::vector<const StateMap *> &maps) {
  GraphWalk walk = bst::detail::walkGraph(module);
  absl::flat_hash_map<std::string, size_t> index;
  std::vector<std::string> known;
  for (const auto &[path, i] : walk.statePaths) {
    index.emplace(path, i);
    known.push_back(path);
  }

  struct Write {
    size_t target;
    std::string path;
    const State *source;
  };
  std::vector<Write> writes;
  std::vector<std::string> unknown;
  absl::flat_hash_map<size_t, std::string> seen;
  for (const StateMap *map : maps)
    for (const auto &[path, state] : *map) {
      auto it = index.find(path);
      if (it == index.end()) {
        unknown.push_back(path);
        continue;
      }
      auto [prior, fresh] = seen.try_emplace(it->second, path);
      if (!fresh)
        throw Error(
            ErrorCode::InvalidArgument,
            absl::StrCat("graph::update: '", prior->second, "' and '", path,
                         "' name the same ",
                         prior->second == path ? "path" : "shared state",
                         "; give each state once. No state was written"));
      writes.push_back({it->second, path, &state});
    }
  if (!unknown.empty())
    throw Error(ErrorCode::InvalidArgument,
                absl::StrCat("graph::update: module ", module.typeName(),
                             " has no state at ", quotedPaths(unknown),
                             " (its state paths are ", quotedPaths(known),
                             "). No state was written; check the paths, or "
                             "that the map comes from a module of the same "
                             "structure"));
  std::vector<std::string> mismatched;
  for (const Write &w : writes) {
    const State &target = walk.states[w.target].state;
    if (w.source->signature() != target.signature())
      mismatched.push_back(absl::StrCat(
          target.describe(), " at '", w.path, "' is frozen as ",
          target.signature().toString(), " but the value given is ",
          w.source->signature().toString()));
  }
  if (!mismatched.empty())
    throw SignatureError(absl::StrCat(
        "graph::update: ", absl::StrJoin(mismatched, "; "),
        ". No state was written: give values with the same tree structure, "
        "shapes and dtypes"));
  for (const Write &w : writes) {
    const State &target = walk.states[w.target].state;
    FrameId frame = target.traceFrame();
    if (!isTraceFrameActive(frame))
      throw TraceContextError(absl::StrCat(
          "graph::update: cannot write ", target.describe(), " at '", w.path,
          "': it belongs to trace frame ", frame,
          ", which is not active on this thread (current frame ",
          currentTraceFrame(),
          "). No state was written. Update the module inside the trace that "
          "created it, or rebuild it in the current trace with graph::merge"));
  }

  // Read every value before writing any, so that maps drawn from the module
  // itself see consistent values.
  std::vector<Tree> values;
  values.reserve(writes.size());
  for (const Write &w : writes)
    values.push_back(w.source->value());
  std::vector<std::pair<State, Tree>> written;
  try {
    for (size_t i = 0; i < writes.size(); ++i) {
      State target = walk.states[writes[i].target].state;
      Tree old = target.value();
      target.setValue(std::move(values[i]));
      written.emplace_back(target, std::move(old));
    }
  } catch (...) {
    for (auto it = written.rbegin(); it != written.rend(); ++it) {
      try {
        it->first.restore(std::move(it->second));
      } catch (...) {
        // Keep the original error; a restore hook that throws has already
        // seen the value.
      }
    }
    throw;
  }
}

} // namespace bst
