//===- Hooks.cpp ----------------------------------------------------------===//
#include "bst/State/Hooks.h"
#include "HookRegistry.h"
#include "bst/State/State.h"

#include "absl/strings/str_cat.h"

namespace bst {

namespace detail {

static std::atomic<uint64_t> hookVersion{0};
static std::atomic<uint64_t> hookSequence{0};

void hooksChanged() { hookVersion.fetch_add(1, std::memory_order_acq_rel); }

const std::shared_ptr<HookRegistry> &globalHooks() {
  // Never destroyed, so hooks may be removed during static destruction.
  static const auto *registry = new std::shared_ptr<HookRegistry>(std::make_shared<HookRegistry>());
  return *registry;
}

HookHandle HookRegistry::add(const std::shared_ptr<HookRegistry> &self, HookPoint point,
                             HookFn fn, int priority) {
  if (!fn)
    throw Error(ErrorCode::InvalidArgument,
                absl::StrCat("cannot add an empty ", hookPointName(point), " hook"));
  auto entry = std::make_shared<HookEntry>();
  entry->point = point;
  entry->fn = std::move(fn);
  entry->priority = priority;
  entry->sequence = hookSequence.fetch_add(1, std::memory_order_relaxed);
  {
    absl::MutexLock lock(&mu_);
    entries_.push_back(entry);
    counts_[static_cast<size_t>(point)].fetch_add(1, std::memory_order_acq_rel);
  }
  hooksChanged();
  return HookHandle(self, std::move(entry));
}

void HookRegistry::remove(const HookEntry *entry) {
  {
    absl::MutexLock lock(&mu_);
    auto it = std::find_if(entries_.begin(), entries_.end(),
                           [&](const auto &e) { return e.get() == entry; });
    if (it == entries_.end())
      return;
    counts_[static_cast<size_t>(entry->point)].fetch_sub(1, std::memory_order_acq_rel);
    entries_.erase(it);
  }
  hooksChanged();
}

void HookRegistry::collect(HookPoint point, HookList &out) const {
  absl::MutexLock lock(&mu_);
  for (const auto &e : entries_)
    if (e->point == point && e->enabled.load(std::memory_order_acquire))
      out.push_back(e);
}

} // namespace detail

const char *hookPointName(HookPoint point) {
  switch (point) {
  case HookPoint::init:
    return "init";
  case HookPoint::read:
    return "read";
  case HookPoint::writeBefore:
    return "write_before";
  case HookPoint::writeAfter:
    return "write_after";
  case HookPoint::restore:
    return "restore";
  }
  return "?";
}

const Tree &HookEvent::oldValue() const {
  if (!oldValue_)
    throw Error(ErrorCode::InvalidArgument,
                absl::StrCat("a ", hookPointName(point_), " hook on ", state_.describe(),
                             " has no old value; only write_before, write_after and restore "
                             "hooks do"));
  return *oldValue_;
}

void HookEvent::replaceValue(Tree v) {
  if (point_ != HookPoint::writeBefore)
    throw Error(ErrorCode::InvalidArgument,
                absl::StrCat("a ", hookPointName(point_), " hook on ", state_.describe(),
                             " tried to replace the value; only write_before hooks may"));
  value_ = std::move(v);
  replaced_ = true;
}

void HookEvent::cancel(std::string_view reason) {
  if (point_ != HookPoint::writeBefore)
    throw Error(ErrorCode::InvalidArgument,
                absl::StrCat("a ", hookPointName(point_), " hook on ", state_.describe(),
                             " tried to cancel; only write_before hooks may cancel a write"));
  throw HookCancelled(absl::StrCat("the write to ", state_.describe(),
                                   " was cancelled by a write_before hook: ", std::string(reason),
                                   "; the state keeps its value"));
}

HookHandle::HookHandle(std::weak_ptr<detail::HookRegistry> registry,
                       std::shared_ptr<detail::HookEntry> entry)
    : registry_(std::move(registry)), entry_(std::move(entry)) {}

HookHandle &HookHandle::operator=(HookHandle &&other) noexcept {
  if (this != &other) {
    reset();
    registry_ = std::move(other.registry_);
    entry_ = std::move(other.entry_);
  }
  return *this;
}

void HookHandle::disable() {
  if (entry_ && entry_->enabled.exchange(false))
    detail::hooksChanged();
}

void HookHandle::enable() {
  if (entry_ && !entry_->enabled.exchange(true))
    detail::hooksChanged();
}

bool HookHandle::enabled() const { return entry_ && entry_->enabled.load(); }

bool HookHandle::active() const { return entry_ && !registry_.expired(); }

void HookHandle::reset() {
  if (!entry_)
    return;
  if (auto registry = registry_.lock())
    registry->remove(entry_.get());
  registry_.reset();
  entry_.reset();
}

namespace hooks {
HookHandle add(HookPoint point, HookFn fn, int priority) {
  const auto &global = detail::globalHooks();
  return global->add(global, point, std::move(fn), priority);
}

uint64_t version() { return detail::hookVersion.load(std::memory_order_acquire); }
} // namespace hooks

} // namespace bst
