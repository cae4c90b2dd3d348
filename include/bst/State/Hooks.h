//===- bst/State/Hooks.h - State lifecycle hooks ----------------*- C++ -*-===//
//
// Hooks are callbacks at five points of a state's life: init, read, write_before, write_after and
// restore; registered globally (bst::hooks::add) or on one state (State::addHook). They run in
// priority order (higher first), then in registration order, and stay registered as long as the
// returned HookHandle lives.
//
// write_before hooks may replace the incoming value (each hook sees the value left by the previous
// one; the result is still checked against the state's signature) or cancel the write. All other
// points only observe. If any hook throws, the state keeps the value it had before the operation.
// Hooks are for eager execution and debugging; while a function is traced they run once, with
// traced values, and adding or removing a hook changes bst::hooks::version(), which compiled
// functions use to know they must be rebuilt.
//
//===----------------------------------------------------------------------===//
#ifndef BST_STATE_HOOKS_H
#define BST_STATE_HOOKS_H

#include "bst/Support/Tree.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

namespace bst {

class State;
namespace detail {
class HookRegistry;
struct HookEntry;
} // namespace detail

/// Where in a state's lifecycle a hook runs.
enum class HookPoint : uint8_t { init, read, writeBefore, writeAfter, restore };

/// "init", "read", "write_before", "write_after", "restore".
const char *hookPointName(HookPoint point);

/// What a hook sees. Valid only during the callback.
class HookEvent {
public:
  HookEvent(HookPoint point, const State &state, Tree &value, const Tree *oldValue)
      : point_(point), state_(state), value_(value), oldValue_(oldValue) {}

  HookPoint point() const { return point_; }
  /// The state the event is about.
  const State &state() const { return state_; }
  /// init, read: the state's value. write_before: the incoming value as left by earlier hooks.
  /// write_after, restore: the value just stored.
  const Tree &value() const { return value_; }
  /// write_before, write_after, restore: the value before the operation; throws bst::Error at
  /// init and read.
  const Tree &oldValue() const;
  /// write_before only: replaces the incoming value; later hooks see `v`. Throws bst::Error at
  /// other points.
  void replaceValue(Tree v);
  /// write_before only: cancels the write by throwing bst::HookCancelled with `reason`; the state
  /// keeps its value.
  [[noreturn]] void cancel(std::string_view reason);
  /// True once a hook has called replaceValue during this event.
  bool replaced() const { return replaced_; }

private:
  HookPoint point_;
  const State &state_;
  Tree &value_;
  const Tree *oldValue_;
  bool replaced_ = false;
};

/// A hook callback.
using HookFn = std::function<void(HookEvent &)>;

/// Owns one registered hook: destroying (or reset()) removes it. Movable, not copyable.
/// Thread safety: hooks may be added, removed, enabled and disabled from any thread.
class HookHandle {
public:
  HookHandle() = default;
  HookHandle(std::weak_ptr<detail::HookRegistry> registry,
             std::shared_ptr<detail::HookEntry> entry);
  ~HookHandle() { reset(); }
  HookHandle(HookHandle &&other) noexcept = default;
  HookHandle &operator=(HookHandle &&other) noexcept;
  HookHandle(const HookHandle &) = delete;
  HookHandle &operator=(const HookHandle &) = delete;

  /// Stops the hook from running until enable(); it stays registered.
  void disable();
  void enable();
  bool enabled() const;
  /// True while the hook is registered (not reset, and its state, if any, still exists).
  bool active() const;
  /// Removes the hook now.
  void reset();

private:
  std::weak_ptr<detail::HookRegistry> registry_;
  std::shared_ptr<detail::HookEntry> entry_;
};

namespace hooks {
/// Registers `fn` for every state at `point`. Higher `priority` runs earlier.
HookHandle add(HookPoint point, HookFn fn, int priority = 0);
/// Changes whenever any hook (global or per state) is added, removed, enabled or disabled.
uint64_t version();
} // namespace hooks

} // namespace bst

#endif // BST_STATE_HOOKS_H
