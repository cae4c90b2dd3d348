//===- bst/State/State.h - Typed, mutable, fixed-signature slots -*- C++ -*-===//
//
// A State holds a Tree of tensors that a model overwrites step after step. Its first value
// freezes its signature (tree structure, shapes, dtypes); every later write is checked against it.
// Its kind (ParamState, HiddenState, ...) is a label that filters select on. A State is a handle:
// copies share one state, whose identity is the object behind the handle.
//
//===----------------------------------------------------------------------===//
#ifndef BST_STATE_STATE_H
#define BST_STATE_STATE_H

#include "bst/State/Hooks.h"
#include "bst/State/TraceContext.h"
#include "bst/Support/SpinLock.h"
#include "bst/Support/Tree.h"

#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <vector>

namespace bst {

/// The runtime description of a state kind: a name and a parent, forming the hierarchy
/// State > ShortTermState > HiddenState, State > LongTermState > ParamState, BatchState, and
/// State > RandomState (declared with its generator in bst/Transform/Random.h, since its draws
/// are ops). One object per kind, alive for the whole process.
class StateKind {
public:
  StateKind(std::string name, const StateKind *parent) : name_(std::move(name)), parent_(parent) {}
  StateKind(const StateKind &) = delete;
  StateKind &operator=(const StateKind &) = delete;

  /// "HiddenState" for bst's kinds; the qualified C++ name for user kinds.
  const std::string &name() const { return name_; }
  const StateKind *parent() const { return parent_; }
  /// True if this kind is `other` or derives from it.
  bool isA(const StateKind &other) const {
    for (const StateKind *k = this; k; k = k->parent_)
      if (k == &other)
        return true;
    return false;
  }

private:
  std::string name_;
  const StateKind *parent_;
};

namespace detail {
struct StateImpl;
/// Wraps an existing state object in a handle of another kind type (see State::as).
struct AdoptState {
  std::shared_ptr<StateImpl> impl;
};
/// The printable name of C++ type `name` (demangled; "bst::" dropped).
std::string kindNameFromTypeId(const char *mangled);

/// Access for the Runtime and Jit layers, which bind state buffers to compiled slots. Not for
/// model code: it bypasses hooks, trace frames and signature checks.
struct StateAccess {
  /// The stored value. The caller keeps its signature unchanged.
  static Tree &stored(const State &state);
  /// The frozen signature. Only for a transformation that traces a function on another view of
  /// the state (bst::vmap shows it one batch element) and puts value and signature back after.
  static Signature &frozenSignature(const State &state);
  /// Called on this thread just before a read, write or restore of a state of an outer frame
  /// goes to the innermost frame's observer (a tracer), before the signature check. bst::vmap
  /// uses it to show batched states one element while it traces.
  struct AccessListener {
    void (*fn)(void *context, const State &state) = nullptr;
    void *context = nullptr;
  };
  /// Installs `listener` for this thread; returns the previous one (to be put back).
  static AccessListener setAccessListener(AccessListener listener);
  /// Held while a compiled call reads or writes the state's buffers.
  static SpinLock &lock(const State &state);
  /// A key unique to the state while it lives.
  static const void *identity(const State &state);
  /// A new state of `kind` belonging to trace frame `frame`, created without running init hooks:
  /// for states bst keeps for its own bookkeeping (errorIf's CheckState), which users' hooks
  /// should not see.
  static AdoptState createInternal(const StateKind &kind, Tree value, std::string name,
                                   FrameId frame);
};
} // namespace detail

/// Options given when a state is created.
struct StateOptions {
  /// Used in error messages; the graph model sets it to the state's path when empty.
  std::string name;
  /// Free-form labels that filters can select on.
  std::vector<std::string> tags;
};

/// A mutable slot with a frozen signature.
///
/// Ownership: a handle; the state lives while any handle (or a module holding one) does.
/// Thread safety: one state must not be used from two threads at once without synchronisation;
/// different states may be used concurrently.
class State {
public:
  /// Creates a plain State holding `value`, which freezes its signature, in the current trace
  /// frame. Runs the global init hooks.
  explicit State(Tree value, StateOptions options = {});
  /// Adopts an existing state (see as()).
  explicit State(detail::AdoptState adopt);

  static const StateKind &staticKind();

  /// The current value (a cheap copy that never changes when the state is written later).
  /// Runs read hooks.
  Tree value() const;
  /// Replaces the value. Checks, in order, that the state's trace frame is active on this thread
  /// (else TraceContextError), runs write_before hooks (which may replace the value or cancel with
  /// HookCancelled), checks the result against the frozen signature (else SignatureError), stores
  /// it, runs write_after hooks. On any error the state keeps its value.
  void setValue(Tree value);
  /// A State is not a value: write `other.value()` to copy another state's value.
  void setValue(const State &other) = delete;
  /// Replaces the value from a checkpoint: checks trace frame and signature like setValue, runs
  /// restore hooks and no write hooks. On any error the state keeps its value.
  void restore(Tree value);

  /// The frozen signature of the value.
  const Signature &signature() const;
  const StateKind &kind() const;
  /// True if this state's kind is K or derives from K.
  template <class K> bool is() const { return kind().isA(K::staticKind()); }
  /// A K handle to this same state; throws bst::Error if the state is not a K.
  template <class K> K as() const {
    checkKind(K::staticKind());
    return K(detail::AdoptState{impl_});
  }

  const std::string &name() const;
  void setName(std::string name);
  const std::vector<std::string> &tags() const;
  bool hasTag(std::string_view tag) const;
  void addTag(std::string tag);
  /// "HiddenState 'net.v'", as error messages name it.
  std::string describe() const;

  /// The trace frame this state belongs to (kEagerFrame for states created eagerly).
  FrameId traceFrame() const;
  /// A new state — fresh identity — with this state's kind, name, tags and current value,
  /// belonging to the current trace frame and so writable there. Per-state hooks are not carried
  /// over. The graph model's merge uses this.
  State rebind() const;

  /// Registers a hook on this state only; see bst/State/Hooks.h.
  HookHandle addHook(HookPoint point, HookFn fn, int priority = 0);

  /// Identity: true if both handles refer to the same state.
  bool sameAs(const State &other) const { return impl_ == other.impl_; }
  friend bool operator==(const State &a, const State &b) { return a.sameAs(b); }
  friend bool operator!=(const State &a, const State &b) { return !a.sameAs(b); }
  template <class H> friend H AbslHashValue(H h, const State &s) {
    return H::combine(std::move(h), s.impl_.get());
  }

protected:
  State(const StateKind &kind, Tree value, StateOptions options);

private:
  friend struct detail::StateAccess;
  void checkKind(const StateKind &wanted) const;
  std::shared_ptr<detail::StateImpl> impl_;
};

/// Defines a state kind `Derived` below `Base` in the hierarchy. bst's kinds use it, and so do
/// users:
///
///   struct SynapticCurrent : bst::DefineStateKind<SynapticCurrent, bst::ShortTermState> {
///     using DefineStateKind::DefineStateKind;
///   };
///
/// Then `SynapticCurrent s(bst::zeros({n}));`, `s.is<bst::ShortTermState>()` is true, and
/// filters on ShortTermState select it.
template <class Derived, class Base> class DefineStateKind : public Base {
  static_assert(std::is_base_of_v<State, Base>, "a state kind must derive from bst::State");

public:
  explicit DefineStateKind(Tree value, StateOptions options = {})
      : Base(staticKind(), std::move(value), std::move(options)) {}
  explicit DefineStateKind(detail::AdoptState adopt) : Base(std::move(adopt)) {}

  static const StateKind &staticKind() {
    static const StateKind kind(detail::kindNameFromTypeId(typeid(Derived).name()),
                                &Base::staticKind());
    return kind;
  }

protected:
  DefineStateKind(const StateKind &kind, Tree value, StateOptions options)
      : Base(kind, std::move(value), std::move(options)) {}
};

/// Transient values that live for one step, such as synaptic currents.
class ShortTermState : public DefineStateKind<ShortTermState, State> {
public:
  using DefineStateKind::DefineStateKind;
};
/// Dynamical, recurrent state: membrane potentials, hidden activations.
class HiddenState : public DefineStateKind<HiddenState, ShortTermState> {
public:
  using DefineStateKind::DefineStateKind;
};
/// Persistent buffers that accumulate across steps, such as running statistics.
class LongTermState : public DefineStateKind<LongTermState, State> {
public:
  using DefineStateKind::DefineStateKind;
};
/// Trainable parameters: what an optimizer updates and grad differentiates.
class ParamState : public DefineStateKind<ParamState, LongTermState> {
public:
  using DefineStateKind::DefineStateKind;
};
/// Values whose leading axis is a batch dimension.
class BatchState : public DefineStateKind<BatchState, LongTermState> {
public:
  using DefineStateKind::DefineStateKind;
};
} // namespace bst

#endif // BST_STATE_STATE_H
