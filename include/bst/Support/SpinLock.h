//===- bst/Support/SpinLock.h - A small lock for short critical sections -*- C++ -*-===//
#ifndef BST_SUPPORT_SPINLOCK_H
#define BST_SUPPORT_SPINLOCK_H

#include <atomic>

namespace bst::detail {

/// A one-byte lock for critical sections of a few hundred nanoseconds (a compiled call): an
/// uncontended lock is one exchange and an unlock one store; a waiter sleeps in the kernel
/// (std::atomic::wait) instead of spinning. Satisfies Lockable.
class SpinLock {
public:
  void lock() {
    while (locked_.exchange(true, std::memory_order_acquire))
      locked_.wait(true, std::memory_order_relaxed);
  }
  bool try_lock() { return !locked_.exchange(true, std::memory_order_acquire); }
  void unlock() {
    locked_.store(false, std::memory_order_release);
    locked_.notify_one();
  }

private:
  std::atomic<bool> locked_{false};
};

} // namespace bst::detail

#endif // BST_SUPPORT_SPINLOCK_H
