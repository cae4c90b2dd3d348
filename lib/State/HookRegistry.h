//===- HookRegistry.h - Storage of hooks (private to the State layer) -----===//
#ifndef BST_LIB_STATE_HOOKREGISTRY_H
#define BST_LIB_STATE_HOOKREGISTRY_H

#include "bst/State/Hooks.h"

#include "absl/container/inlined_vector.h"
#include "absl/synchronization/mutex.h"

#include <array>
#include <atomic>
#include <memory>
#include <vector>

namespace bst::detail {

struct HookEntry {
  HookPoint point;
  HookFn fn;
  int priority;
  uint64_t sequence; // global registration order
  std::atomic<bool> enabled{true};
};

using HookList = absl::InlinedVector<std::shared_ptr<HookEntry>, 4>;

/// A set of hooks: the global one, or one state's. One mechanism for both.
class HookRegistry {
public:
  HookHandle add(const std::shared_ptr<HookRegistry> &self, HookPoint point, HookFn fn,
                 int priority);
  void remove(const HookEntry *entry);
  /// True if a hook is registered at `point` (enabled or not); lock-free.
  bool has(HookPoint point) const {
    return counts_[static_cast<size_t>(point)].load(std::memory_order_acquire) != 0;
  }
  /// Appends the enabled hooks at `point` to `out`.
  void collect(HookPoint point, HookList &out) const;

private:
  mutable absl::Mutex mu_;
  std::vector<std::shared_ptr<HookEntry>> entries_ ABSL_GUARDED_BY(mu_);
  std::array<std::atomic<int>, 5> counts_{};
};

/// The registry of global hooks; lives for the whole process.
const std::shared_ptr<HookRegistry> &globalHooks();

/// Bumps hooks::version().
void hooksChanged();

} // namespace bst::detail

#endif // BST_LIB_STATE_HOOKREGISTRY_H
