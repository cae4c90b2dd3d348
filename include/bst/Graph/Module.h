//===- bst/Graph/Module.h - Modules: trees of states ------------*- C++ -*-===//
//
// A Module is a node of a model's tree: it registers its states and its
// submodules under names, which gives every state a path ("exc.v"). The graph
// operations (bst/Graph/Graph.h) take a module tree apart into a GraphDef and
// StateMaps and put it back together.
//
//   struct LIF : bst::Module {
//     BST_MODULE(LIF) // makes LIF mergeable and clonable
//     bst::HiddenState v;
//     bst::ParamState tau;
//     explicit LIF(int64_t n) : v(bst::zeros({n})), tau(bst::full({n}, 10.f)) {
//       registerState("v", v);
//       registerState("tau", tau);
//       registerAttribute("n", n);
//     }
//   };
//
//===----------------------------------------------------------------------===//
#ifndef BST_GRAPH_MODULE_H
#define BST_GRAPH_MODULE_H

#include "bst/Graph/Attribute.h"
#include "bst/Graph/Filter.h"
#include "bst/Graph/StateMap.h"
#include "bst/State/State.h"

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

namespace bst {

class Module;

namespace detail {
struct ModuleAccess;
class ModuleCopyScope;
template <class T> std::unique_ptr<Module> cloneModule(const T &source);
[[noreturn]] void throwSlicedClone(const Module &source,
                                   const std::type_info &declared);
[[noreturn]] void throwWrongModuleType(const Module &module,
                                       const std::string &path,
                                       const std::type_info &wanted);
} // namespace detail

/// Makes a module type mergeable: put `BST_MODULE(MyModule)` in the body of
/// every module class that bst::graph::merge or bst::graph::clone should be
/// able to re-create. The class must be copy-constructible; merge copies the
/// module (its non-state members are its static configuration) and points the
/// copy's registered State members and by-value submodules at the new states.
#define BST_MODULE(Type)                                                       \
  std::unique_ptr<::bst::Module> cloneStructure() const override {             \
    return ::bst::detail::cloneModule<Type>(*this);                            \
  }

/// A node of a model: named states, named submodules and static attributes,
/// in registration order.
///
/// Rules for registration (checked, with an error naming the entry):
///  - names are non-empty and contain no '.', '*' or '?'; a name is used once
///    per module;
///  - registerState(name, s) and registerModule(name, m) take a data member of
///    this module (a State handle, a submodule held by value); a submodule that
///    lives elsewhere is registered as a std::shared_ptr, which the module then
///    co-owns;
///  - the same state or submodule may be registered in several places: it is
///    one object, and stays one object through split, merge and clone;
///  - a module may not (transitively) contain itself.
///
/// Ownership: a module owns its std::shared_ptr submodules; by-reference
/// submodules must outlive it (as data members do). Modules are not copied
/// with their copy constructor (it throws bst::Error unless BST_MODULE's clone
/// runs it); use bst::graph::clone.
/// Thread safety: none; a module tree is used by one thread at a time.
class Module {
public:
  Module();
  virtual ~Module();
  Module &operator=(const Module &) = delete;

  /// Registers the State handle `state` (a data member) under `name`. If the
  /// state has no name, it is named after its path, which follows the module
  /// as it is registered into parents ("v", then "exc.v", ...). Write the
  /// member with setValue; do not assign another state to it afterwards (the
  /// module would keep the one registered).
  void registerState(std::string name, State &state);
  /// Registers `child` (a data member held by value) as a submodule.
  void registerModule(std::string name, Module &child);
  /// Registers `child` as a submodule this module co-owns. Reach it through
  /// child<M>(name): a merged or cloned module holds a new copy of it.
  void registerModule(std::string name, std::shared_ptr<Module> child);
  /// Declares a static attribute (a width, a time constant, a mode) that
  /// becomes part of the GraphDef; it should not change after construction.
  void registerAttribute(std::string name, Attribute value);

  /// The states of kind K (or derived from it) in this tree, by first path,
  /// in depth-first registration order. states() returns them all.
  template <class K = State> StateMap states() const {
    return states(filter::kind<K>());
  }
  /// The states `filter` selects, by first path, in depth-first order. A
  /// shared state appears once.
  StateMap states(const Filter &filter) const;
  /// Every submodule (not this module), by first path, in depth-first order.
  NodeMap nodes() const;
  /// The submodules `filter` selects (see filter::pathGlob,
  /// filter::moduleType).
  NodeMap nodes(const Filter &filter) const;
  /// The submodules whose dynamic type is M or derives from M.
  template <class M> NodeMap nodes() const {
    return nodes(filter::moduleType<M>());
  }

  /// The state at `path` ("exc.v"); throws bst::Error naming the path and the
  /// entries there are if none is registered there.
  State state(const std::string &path) const;
  /// The submodule at `path`; throws bst::Error like state().
  Module &child(const std::string &path) const;
  /// The submodule at `path` as an M; throws bst::Error if it is another
  /// type.
  template <class M> M &child(const std::string &path) const {
    Module &m = child(path);
    if (M *typed = dynamic_cast<M *>(&m))
      return *typed;
    detail::throwWrongModuleType(m, path, typeid(M));
  }
  /// The static attributes, in registration order.
  const std::vector<std::pair<std::string, Attribute>> &attributes() const {
    return attributes_;
  }
  /// The names of the states and submodules registered directly here, in
  /// order.
  std::vector<std::string> entryNames() const;

  /// The name of the module's C++ type ("LIF"), as GraphDefs and messages
  /// show it.
  virtual std::string typeName() const;
  /// A copy of this module (of its dynamic type) whose registrations point at
  /// the copy's own members; shared_ptr submodules are still the originals'.
  /// BST_MODULE(Type) implements it; the default copies a plain bst::Module
  /// and returns null for any other type (not mergeable).
  virtual std::unique_ptr<Module> cloneStructure() const;

protected:
  /// Runs only inside cloneStructure (BST_MODULE); anywhere else it throws
  /// bst::Error, because the copy's registrations would still point into
  /// `other`.
  Module(const Module &other);

private:
  friend struct detail::ModuleAccess;
  friend class detail::ModuleCopyScope;

  /// One registration.
  struct Entry {
    std::string name;
    /// A state entry: the handle, the registered data member, and the name
    /// registration gave the state (empty if it had one).
    std::optional<State> state;
    State *slot = nullptr;
    std::string autoName;
    /// A submodule entry: the submodule, and its co-owner if registered as a
    /// std::shared_ptr.
    Module *child = nullptr;
    std::shared_ptr<Module> owned;
  };

  void checkNewName(const std::string &name, const char *what) const;
  void addChild(std::string name, Module &child, std::shared_ptr<Module> owned);

  std::vector<Entry> entries_;
  std::vector<std::pair<std::string, Attribute>> attributes_;
  /// Set once the module is registered as a submodule; later registrations
  /// (sharing it) leave its states' names alone.
  bool hasParent_ = false;
};

/// An ordered list of co-owned submodules named "0", "1", ...: how a module
/// holds a number of layers chosen at run time. Mergeable.
template <class M = Module> class ModuleList : public Module {
public:
  BST_MODULE(ModuleList)
  ModuleList() = default;

  /// Appends `module` and returns it.
  M &append(std::shared_ptr<M> module) {
    M &ref = *module;
    registerModule(std::to_string(size_), std::move(module));
    ++size_;
    return ref;
  }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  /// The i-th module; throws bst::Error if i >= size().
  M &operator[](size_t i) const { return child<M>(std::to_string(i)); }

private:
  size_t size_ = 0;
};

namespace detail {

/// Lets Module's copy constructor run while a module of `size` bytes at
/// `source` is copied, and re-points the copies' registrations afterwards.
/// Used by cloneModule; one per thread at a time, innermost wins.
class ModuleCopyScope {
public:
  ModuleCopyScope(const void *source, size_t size);
  ~ModuleCopyScope();
  ModuleCopyScope(const ModuleCopyScope &) = delete;
  ModuleCopyScope &operator=(const ModuleCopyScope &) = delete;

  /// Re-points the registrations of every module copied in this scope from
  /// the source object to the copy at `copy`. Throws bst::Error if a
  /// registered state or by-reference submodule is not stored inside the
  /// source object (it could not be re-pointed).
  void finish(const void *copy);

private:
  friend class bst::Module;
  const void *source_;
  size_t size_;
  std::vector<std::pair<Module *, const Module *>> copies_;
  ModuleCopyScope *outer_;
};

/// The body of BST_MODULE(T)::cloneStructure.
template <class T> std::unique_ptr<Module> cloneModule(const T &source) {
  static_assert(std::is_base_of_v<Module, T>,
                "BST_MODULE(T): T must derive from bst::Module");
  static_assert(std::is_copy_constructible_v<T>,
                "BST_MODULE(T): T must be copy-constructible, because merge "
                "and clone copy the module's non-state members");
  if (typeid(source) != typeid(T))
    throwSlicedClone(source, typeid(T));
  ModuleCopyScope scope(&source, sizeof(T));
  std::unique_ptr<T> copy(new T(source));
  scope.finish(copy.get());
  return copy;
}

} // namespace detail

} // namespace bst

#endif // BST_GRAPH_MODULE_H
