//===- TsanAbslMutex.cpp - absl::Mutex made visible to ThreadSanitizer ----===//
//
// Linked into the unit tests of a ThreadSanitizer build only
// (BST_SANITIZE=thread).
//
// Debian's Abseil is not built with -fsanitize=thread, so its absl::Mutex
// synchronises through atomics and futexes that ThreadSanitizer cannot see, and
// every access that an absl::Mutex protects would be reported as a race. These
// definitions take the place of the library's Lock/Unlock/... for the test
// executable (an executable's definitions come first in symbol lookup), tell
// ThreadSanitizer about the mutex operation, and call the library's own
// function (found with dlsym(RTLD_NEXT)). The annotations are the ones Abseil
// itself makes when it is built with ThreadSanitizer.
//
//===----------------------------------------------------------------------===//
#include "absl/base/options.h"
#include "absl/synchronization/mutex.h"

#include <sanitizer/tsan_interface.h>

#include <cstdio>
#include <cstdlib>
#include <dlfcn.h>
#include <string>

#define BST_STRINGIFY2(x) #x
#define BST_STRINGIFY(x) BST_STRINGIFY2(x)

namespace {

/// The library's definition of absl::Mutex::<method>, whose Itanium mangling
/// ends in `suffix`.
template <class Fn> Fn real(const char *suffix) {
  std::string ns = BST_STRINGIFY(ABSL_OPTION_INLINE_NAMESPACE_NAME);
  std::string name =
      "_ZN4absl" + std::to_string(ns.size()) + ns + "5Mutex" + suffix;
  void *p = dlsym(RTLD_NEXT, name.c_str());
  if (!p) {
    std::fprintf(stderr, "TsanAbslMutex: %s not found: %s\n", name.c_str(),
                 dlerror());
    std::abort();
  }
  return reinterpret_cast<Fn>(p);
}

using VoidFn = void (*)(absl::Mutex *);
using BoolFn = bool (*)(absl::Mutex *);

} // namespace

namespace absl {
ABSL_NAMESPACE_BEGIN

Mutex::~Mutex() {
  static const VoidFn fn = real<VoidFn>("D1Ev");
  __tsan_mutex_destroy(this, 0);
  fn(this);
}

void Mutex::Lock() {
  static const VoidFn fn = real<VoidFn>("4LockEv");
  __tsan_mutex_pre_lock(this, 0);
  fn(this);
  __tsan_mutex_post_lock(this, 0, 0);
}

bool Mutex::TryLock() {
  static const BoolFn fn = real<BoolFn>("7TryLockEv");
  __tsan_mutex_pre_lock(this, __tsan_mutex_try_lock);
  bool locked = fn(this);
  __tsan_mutex_post_lock(this,
                         locked ? __tsan_mutex_try_lock
                                : __tsan_mutex_try_lock |
                                      __tsan_mutex_try_lock_failed,
                         0);
  return locked;
}

void Mutex::Unlock() {
  static const VoidFn fn = real<VoidFn>("6UnlockEv");
  __tsan_mutex_pre_unlock(this, 0);
  fn(this);
  __tsan_mutex_post_unlock(this, 0);
}

void Mutex::ReaderLock() {
  static const VoidFn fn = real<VoidFn>("10ReaderLockEv");
  __tsan_mutex_pre_lock(this, __tsan_mutex_read_lock);
  fn(this);
  __tsan_mutex_post_lock(this, __tsan_mutex_read_lock, 0);
}

void Mutex::ReaderUnlock() {
  static const VoidFn fn = real<VoidFn>("12ReaderUnlockEv");
  __tsan_mutex_pre_unlock(this, __tsan_mutex_read_lock);
  fn(this);
  __tsan_mutex_post_unlock(this, __tsan_mutex_read_lock);
}

ABSL_NAMESPACE_END
} // namespace absl
