//===- Module.cpp ---------------------------------------------------------===//
#include "bst/Graph/Module.h"
#include "GraphInternals.h"
#include "bst/Support/Error.h"

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

#include <cstdint>

namespace bst {

using detail::GraphWalk;
using detail::ModuleAccess;
using Entry = ModuleAccess::Entry;

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

std::string detail::joinPath(const std::string &prefix,
                             const std::string &name) {
  return prefix.empty() ? name : absl::StrCat(prefix, ".", name);
}

std::string detail::listNames(const std::vector<std::string> &names,
                              size_t limit) {
  if (names.empty())
    return "none";
  std::string out;
  for (size_t i = 0; i < names.size() && i < limit; ++i)
    absl::StrAppend(&out, i ? ", " : "", "'", names[i], "'");
  if (names.size() > limit)
    absl::StrAppend(&out, " ... (", names.size() - limit, " more)");
  return out;
}

static std::string describePath(const std::string &path) {
  return path.empty() ? std::string("the root") : absl::StrCat("'", path, "'");
}

GraphWalk detail::walkGraph(const Module &root) {
  GraphWalk walk;
  absl::flat_hash_map<const Module *, size_t> nodeIndex;
  absl::flat_hash_map<State, size_t> stateIndex;
  absl::flat_hash_set<const Module *> onStack;

  auto visit = [&](auto &self, Module *module,
                   const std::string &path) -> size_t {
    size_t index = walk.nodes.size();
    walk.nodes.push_back({module, path, {}});
    nodeIndex.emplace(module, index);
    onStack.insert(module);
    for (const Entry &e : ModuleAccess::entries(*module)) {
      std::string childPath = joinPath(path, e.name);
      if (e.state) {
        auto [it, inserted] =
            stateIndex.try_emplace(*e.state, walk.states.size());
        if (inserted)
          walk.states.push_back({*e.state, childPath});
        walk.statePaths.emplace_back(childPath, it->second);
        walk.nodes[index].entries.push_back({e.name, true, it->second});
        continue;
      }
      if (onStack.contains(e.child))
        throw Error(
            ErrorCode::InvalidArgument,
            absl::StrCat("the module tree has a cycle: ", e.child->typeName(),
                         " at ", describePath(childPath),
                         " contains itself. A module cannot contain "
                         "itself; share states or submodules instead"));
      size_t childIndex;
      if (auto it = nodeIndex.find(e.child); it != nodeIndex.end())
        childIndex = it->second;
      else
        childIndex = self(self, e.child, childPath);
      walk.nodes[index].entries.push_back({e.name, false, childIndex});
    }
    onStack.erase(module);
    return index;
  };
  visit(visit, const_cast<Module *>(&root), "");
  return walk;
}

void detail::throwSlicedClone(const Module &source,
                              const std::type_info &declared) {
  std::string type = source.typeName();
  throw Error(ErrorCode::InvalidArgument,
              absl::StrCat("cannot copy module ", type,
                           " for merge or clone: it inherits BST_MODULE(",
                           moduleTypeNameOf(declared),
                           ") from a base class, which would copy only the "
                           "base. Add BST_MODULE(",
                           type, ") to the body of ", type));
}

void detail::throwWrongModuleType(const Module &module, const std::string &path,
                                  const std::type_info &wanted) {
  throw Error(ErrorCode::InvalidArgument,
              absl::StrCat("the submodule at '", path, "' is a ",
                           module.typeName(), ", not a ",
                           moduleTypeNameOf(wanted)));
}

//===----------------------------------------------------------------------===//
// Copies (cloneStructure)
//===----------------------------------------------------------------------===//

namespace detail {
static thread_local ModuleCopyScope *currentCopyScope = nullptr;

ModuleCopyScope::ModuleCopyScope(const void *source, size_t size)
    : source_(source), size_(size), outer_(currentCopyScope) {
  currentCopyScope = this;
}

ModuleCopyScope::~ModuleCopyScope() { currentCopyScope = outer_; }

void ModuleCopyScope::finish(const void *copy) {
  uintptr_t begin = reinterpret_cast<uintptr_t>(source_);
  uintptr_t end = begin + size_;
  uintptr_t delta = reinterpret_cast<uintptr_t>(copy) - begin;
  auto inside = [&](const void *p, size_t bytes) {
    uintptr_t a = reinterpret_cast<uintptr_t>(p);
    return a >= begin && a + bytes <= end;
  };
  auto moved = [&](auto *p) {
    return reinterpret_cast<decltype(p)>(reinterpret_cast<uintptr_t>(p) +
                                         delta);
  };
  for (auto [copied, original] : copies_) {
    // A module copied from outside the source object (by a user copy
    // constructor) keeps pointing at what its original points at.
    if (!inside(original, sizeof(Module)))
      continue;
    for (Entry &e : copied->entries_) {
      if (e.state) {
        if (inside(e.slot, sizeof(State))) {
          e.slot = moved(e.slot);
          continue;
        }
        throw Error(
            ErrorCode::InvalidArgument,
            absl::StrCat(
                "module ", copied->typeName(), " registers state '", e.name,
                "' from a State handle that is not a data member of the module "
                "(a local variable, or storage on the heap such as a "
                "std::vector), "
                "so a copy of the module could not point it at the copy's "
                "state. "
                "Keep each registered State handle as a data member, or hold a "
                "variable number of values in one state whose value is a list "
                "Tree"));
      }
      if (e.owned)
        continue; // The caller re-creates co-owned submodules.
      if (inside(e.child, sizeof(Module))) {
        e.child = moved(e.child);
        continue;
      }
      throw Error(
          ErrorCode::InvalidArgument,
          absl::StrCat(
              "module ", copied->typeName(), " registers submodule '", e.name,
              "' (", e.child->typeName(),
              ") by reference, but it is not a data member of the module, so a "
              "copy of the module could not point at the copy's submodule. "
              "Make "
              "it a data member, or register it as a std::shared_ptr "
              "(registerModule(name, std::make_shared<T>(...))) or through a "
              "bst::ModuleList"));
    }
  }
}
} // namespace detail

Module::Module() = default;
Module::~Module() = default;

Module::Module(const Module &other)
    : entries_(other.entries_), attributes_(other.attributes_),
      hasParent_(other.hasParent_) {
  detail::ModuleCopyScope *scope = detail::currentCopyScope;
  if (!scope) {
    std::string type = other.typeName();
    throw Error(
        ErrorCode::InvalidArgument,
        absl::StrCat(
            "a bst::Module (", type,
            ") cannot be copied with its copy constructor: the copy's "
            "registrations would still point into the original. Share the "
            "module "
            "by reference or std::shared_ptr, or make an independent copy with "
            "bst::graph::clone(module) (which needs BST_MODULE(",
            type, ") in the class body)"));
  }
  scope->copies_.emplace_back(this, &other);
}

std::unique_ptr<Module> Module::cloneStructure() const {
  if (typeid(*this) != typeid(Module))
    return nullptr;
  detail::ModuleCopyScope scope(this, sizeof(Module));
  std::unique_ptr<Module> copy(new Module(*this));
  scope.finish(copy.get());
  return copy;
}

std::string Module::typeName() const {
  return detail::moduleTypeNameOf(typeid(*this));
}

//===----------------------------------------------------------------------===//
// Registration
//===----------------------------------------------------------------------===//

void Module::checkNewName(const std::string &name, const char *what) const {
  if (name.empty() || name.find_first_of(".*?") != std::string::npos)
    throw Error(
        ErrorCode::InvalidArgument,
        absl::StrCat(
            "cannot register ", what, " '", name, "' in module ", typeName(),
            ": a name must be non-empty and contain no '.', '*' or '?' (the "
            "path separator and glob characters)"));
  for (const Entry &e : entries_)
    if (e.name == name)
      throw Error(
          ErrorCode::InvalidArgument,
          absl::StrCat(
              "cannot register ", what, " '", name, "' in module ", typeName(),
              ": it already has a ", e.state ? "state" : "submodule",
              " named '", name,
              "'. Use another name; to share one state or submodule in two "
              "places, register the same object under two names"));
}

void Module::registerState(std::string name, State &state) {
  checkNewName(name, "state");
  Entry e;
  if (state.name().empty()) {
    state.setName(name);
    e.autoName = name;
  }
  e.name = std::move(name);
  e.state = state;
  e.slot = &state;
  entries_.push_back(std::move(e));
}

void Module::registerModule(std::string name, Module &child) {
  addChild(std::move(name), child, nullptr);
}

void Module::registerModule(std::string name, std::shared_ptr<Module> child) {
  if (!child)
    throw Error(ErrorCode::InvalidArgument,
                absl::StrCat("cannot register submodule '", name,
                             "' in module ", typeName(),
                             ": the std::shared_ptr is null"));
  Module &ref = *child;
  addChild(std::move(name), ref, std::move(child));
}

/// The path from `from` to `target` through registered submodules, or
/// nullopt if `target` is not below `from`.
static std::optional<std::string> findBelow(const Module &from,
                                            const Module *target) {
  absl::flat_hash_set<const Module *> seen;
  auto search = [&](auto &self, const Module &m,
                    const std::string &path) -> std::optional<std::string> {
    if (!seen.insert(&m).second)
      return std::nullopt;
    for (const Entry &e : ModuleAccess::entries(m)) {
      if (!e.child)
        continue;
      std::string p = detail::joinPath(path, e.name);
      if (e.child == target)
        return p;
      if (auto found = self(self, *e.child, p))
        return found;
    }
    return std::nullopt;
  };
  return search(search, from, "");
}

void Module::addChild(std::string name, Module &child,
                      std::shared_ptr<Module> owned) {
  checkNewName(name, "submodule");
  std::optional<std::string> cycle;
  if (&child == this)
    cycle = "";
  else
    cycle = findBelow(child, this);
  if (cycle)
    throw Error(
        ErrorCode::InvalidArgument,
        absl::StrCat(
            "cannot register ", child.typeName(), " as submodule '", name,
            "' of ", typeName(), ": ",
            cycle->empty()
                ? std::string("that is the module itself")
                : absl::StrCat(typeName(), " is already inside it (at '",
                               *cycle, "')"),
            ", so the module tree would contain a cycle. A module cannot "
            "contain itself; share a state or a submodule instead"));
  // States named after their path within `child` get the path within this
  // module, unless `child` already has a parent: then they keep the name of
  // their first path there.
  if (!child.hasParent_) {
    GraphWalk walk = detail::walkGraph(child);
    for (const GraphWalk::NodeRec &node : walk.nodes) {
      std::vector<Entry> &entries = ModuleAccess::entries(*node.module);
      for (size_t k = 0; k < entries.size(); ++k) {
        Entry &e = entries[k];
        if (!e.state || e.autoName.empty() || e.state->name() != e.autoName)
          continue;
        e.autoName =
            detail::joinPath(name, walk.states[node.entries[k].index].path);
        e.state->setName(e.autoName);
      }
    }
  }
  Entry e;
  e.name = std::move(name);
  e.child = &child;
  e.owned = std::move(owned);
  entries_.push_back(std::move(e));
  child.hasParent_ = true;
}

void Module::registerAttribute(std::string name, Attribute value) {
  for (const auto &a : attributes_)
    if (a.first == name)
      throw Error(ErrorCode::InvalidArgument,
                  absl::StrCat("cannot register attribute '", name,
                               "' in module ", typeName(),
                               ": it already has one with that name"));
  if (name.empty())
    throw Error(
        ErrorCode::InvalidArgument,
        absl::StrCat(
            "cannot register an attribute with an empty name in module ",
            typeName()));
  attributes_.emplace_back(std::move(name), std::move(value));
}

//===----------------------------------------------------------------------===//
// Queries
//===----------------------------------------------------------------------===//

StateMap Module::states(const Filter &filter) const {
  GraphWalk walk = detail::walkGraph(*this);
  StateMap out;
  for (const GraphWalk::StateRec &s : walk.states)
    if (filter(s.path, s.state))
      out.insert(s.path, s.state);
  return out;
}

NodeMap Module::nodes() const { return nodes(filter::everything()); }

NodeMap Module::nodes(const Filter &filter) const {
  GraphWalk walk = detail::walkGraph(*this);
  NodeMap out;
  for (size_t i = 1; i < walk.nodes.size(); ++i)
    if (filter.matchesModule(walk.nodes[i].path, *walk.nodes[i].module))
      out.insert(walk.nodes[i].path, walk.nodes[i].module);
  return out;
}

std::vector<std::string> Module::entryNames() const {
  std::vector<std::string> names;
  for (const Entry &e : entries_)
    names.push_back(e.name);
  return names;
}

/// The entry at dotted `path` below `root`; throws naming the path.
static const Entry &resolve(const Module &root, const std::string &path,
                            bool wantState) {
  const char *noun = wantState ? "state" : "submodule";
  std::vector<std::string> parts = absl::StrSplit(path, '.');
  const Module *current = &root;
  std::string at;
  for (size_t i = 0; i < parts.size(); ++i) {
    const Entry *found = nullptr;
    for (const Entry &e : ModuleAccess::entries(*current))
      if (e.name == parts[i])
        found = &e;
    bool last = i + 1 == parts.size();
    std::string where =
        absl::StrCat(current->typeName(), " at ", describePath(at));
    if (!found)
      throw Error(ErrorCode::InvalidArgument,
                  absl::StrCat("module ", root.typeName(), " has no ", noun,
                               " at path '", path, "': ", where,
                               " has no entry '", parts[i],
                               "' (its entries are ",
                               detail::listNames(current->entryNames()), ")"));
    if (last && found->state.has_value() == wantState)
      return *found;
    if (found->state || last)
      throw Error(ErrorCode::InvalidArgument,
                  absl::StrCat("module ", root.typeName(), " has no ", noun,
                               " at path '", path, "': '",
                               detail::joinPath(at, parts[i]), "' is a ",
                               found->state ? "state" : "submodule", ", not a ",
                               last ? noun : "submodule"));
    current = found->child;
    at = detail::joinPath(at, parts[i]);
  }
  throw Error(ErrorCode::Internal, "resolve: empty path");
}

State Module::state(const std::string &path) const {
  return *resolve(*this, path, /*wantState=*/true).state;
}

Module &Module::child(const std::string &path) const {
  return *resolve(*this, path, /*wantState=*/false).child;
}

} // namespace bst
