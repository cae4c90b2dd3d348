//===- State.cpp ----------------------------------------------------------===//
#include "bst/State/State.h"
#include "HookRegistry.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include <algorithm>
#include <cxxabi.h>
#include <mutex>

namespace bst {

namespace detail {

struct StateImpl {
  const StateKind *kind;
  std::string name;
  std::vector<std::string> tags;
  Tree value;
  Signature signature;
  FrameId frame;
  std::shared_ptr<HookRegistry> hooks; // Created by the first addHook.
  SpinLock lock;                       // Serialises compiled calls that touch this state.
};

std::string kindNameFromTypeId(const char *mangled) {
  int status = 0;
  char *demangled = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  std::string name = status == 0 && demangled ? demangled : mangled;
  std::free(demangled);
  constexpr std::string_view kPrefix = "bst::";
  if (name.rfind(kPrefix, 0) == 0 && name.find("::", kPrefix.size()) == std::string::npos)
    name.erase(0, kPrefix.size());
  return name;
}

} // namespace detail

namespace {

using detail::HookList;
using detail::StateImpl;

/// Depth of hook callbacks running on this thread; read hooks do not fire inside a hook, so a
/// hook may read a state without recursing into itself.
thread_local int hookDepth = 0;

bool hasHooks(const StateImpl &s, HookPoint point) {
  return detail::globalHooks()->has(point) || (s.hooks && s.hooks->has(point));
}

/// Runs the enabled hooks at `point`, global and per-state merged by priority (higher first)
/// and registration order.
/// Returns true if a hook replaced the value.
bool fire(const State &state, const StateImpl &s, HookPoint point, Tree &value,
          const Tree *oldValue) {
  HookList list;
  detail::globalHooks()->collect(point, list);
  if (s.hooks)
    s.hooks->collect(point, list);
  std::stable_sort(list.begin(), list.end(), [](const auto &a, const auto &b) {
    return a->priority != b->priority ? a->priority > b->priority : a->sequence < b->sequence;
  });
  HookEvent event(point, state, value, oldValue);
  ++hookDepth;
  try {
    for (const auto &entry : list)
      entry->fn(event);
  } catch (...) {
    --hookDepth;
    throw;
  }
  --hookDepth;
  return event.replaced();
}

std::string describeImpl(const StateImpl &s) {
  return absl::StrCat(s.kind->name(), " '", s.name.empty() ? "<unnamed>" : s.name, "'");
}

std::string framesToString() { return absl::StrJoin(activeTraceFrames(), ", "); }

void checkFrame(const StateImpl &s, std::string_view verb) {
  if (s.frame == kEagerFrame || isTraceFrameActive(s.frame)) [[likely]]
    return;
  throw TraceContextError(absl::StrCat(
      "cannot ", std::string(verb), " ", describeImpl(s), ": it belongs to trace frame ", s.frame,
      ", which is not active on this thread (current frame ", currentTraceFrame(),
      ", active frames [", framesToString(),
      "]). The state was created inside a trace that has ended or that this code does not run "
      "in, so a value written now could never reach it correctly. Create the state outside the "
      "traced function, or rebuild it in the current trace (bst::graph::merge, or "
      "State::rebind())."));
}

[[noreturn]] void throwSignatureError(const StateImpl &s, const Tree &value,
                                      std::string_view verb, bool replacedByHook) {
  throw SignatureError(absl::StrCat(
      "cannot ", std::string(verb), " ", describeImpl(s), ": its signature is frozen as ",
      s.signature.toString(), " but the ", replacedByHook ? "value left by write_before hooks" : "new value",
      " is ", value.signature().toString(), " (", s.signature.describeMismatch(value),
      "). A state is a fixed-shape slot: write a value with the same tree structure, shapes "
      "and dtypes, or create a new state for the new shape. The state keeps its value."));
}

} // namespace

State::State(Tree value, StateOptions options)
    : State(staticKind(), std::move(value), std::move(options)) {}

State::State(detail::AdoptState adopt) : impl_(std::move(adopt.impl)) {
  if (!impl_)
    throw Error(ErrorCode::InvalidArgument, "cannot adopt a null state");
}

State::State(const StateKind &kind, Tree value, StateOptions options) {
  auto impl = std::make_shared<StateImpl>();
  impl->kind = &kind;
  impl->name = std::move(options.name);
  impl->tags = std::move(options.tags);
  impl->signature = value.signature();
  impl->value = std::move(value);
  impl->frame = currentTraceFrame();
  impl_ = std::move(impl);
  if (hasHooks(*impl_, HookPoint::init))
    fire(*this, *impl_, HookPoint::init, impl_->value, nullptr);
}

const StateKind &State::staticKind() {
  static const StateKind kind("State", nullptr);
  return kind;
}

/// See StateAccess::setAccessListener.
static thread_local detail::StateAccess::AccessListener accessListener;

Tree State::value() const {
  const StateImpl &s = *impl_;
  if (s.frame != currentTraceFrame()) [[unlikely]] {
    if (FrameObserver *observer = currentFrameObserver()) {
      if (accessListener.fn) [[unlikely]]
        accessListener.fn(accessListener.context, *this);
      Tree v = observer->readState(*this, s.value);
      if (hookDepth == 0 && hasHooks(s, HookPoint::read))
        fire(*this, s, HookPoint::read, v, nullptr);
      return v;
    }
  }
  if (hookDepth == 0 && hasHooks(s, HookPoint::read)) [[unlikely]] {
    Tree v = s.value;
    fire(*this, s, HookPoint::read, v, nullptr);
    return v;
  }
  return s.value;
}

/// The observer that a write of `state` from the current frame goes to, if any; tells the access
/// listener first.
static FrameObserver *observerFor(const State &state, const StateImpl &s) {
  if (s.frame == currentTraceFrame())
    return nullptr;
  FrameObserver *observer = currentFrameObserver();
  if (observer && accessListener.fn) [[unlikely]]
    accessListener.fn(accessListener.context, state);
  return observer;
}

static bool hasTracedLeaf(const Tree &t) {
  if (t.isLeaf())
    return t.leaf().isTraced();
  for (size_t i = 0; i < t.size(); ++i)
    if (hasTracedLeaf(t[i]))
      return true;
  return false;
}

/// Storing a traced value outside of any trace would leave a leaked tracer in the state.
static void checkNotLeaked(const StateImpl &s, const Tree &value, std::string_view verb) {
  if (currentTraceFrame() != kEagerFrame || !hasTracedLeaf(value)) [[likely]]
    return;
  throw TraceContextError(absl::StrCat(
      "cannot ", std::string(verb), " ", describeImpl(s),
      " with a traced value outside of any trace (leaked tracer): the value was computed "
      "inside a traced function and kept after it returned. Return it from the jitted function "
      "instead, and write the state with the result."));
}

void State::setValue(Tree value) {
  StateImpl &s = *impl_;
  checkFrame(s, "write");
  FrameObserver *observer = observerFor(*this, s);
  bool before = hasHooks(s, HookPoint::writeBefore);
  bool after = hasHooks(s, HookPoint::writeAfter);
  if (!observer)
    checkNotLeaked(s, value, "write");
  if (!before && !after && !observer) [[likely]] {
    if (!s.signature.matches(value)) [[unlikely]]
      throwSignatureError(s, value, "write", false);
    s.value = std::move(value);
    return;
  }
  Tree running = std::move(value);
  bool replaced = before && fire(*this, s, HookPoint::writeBefore, running, &s.value);
  if (!s.signature.matches(running))
    throwSignatureError(s, running, "write", replaced);
  if (observer) {
    // Traced: the tracer records the write; the stored value stays as it is.
    observer->writeState(*this, running);
    if (after)
      fire(*this, s, HookPoint::writeAfter, running, &s.value);
    return;
  }
  Tree old = std::move(s.value);
  s.value = std::move(running);
  if (!after)
    return;
  try {
    fire(*this, s, HookPoint::writeAfter, s.value, &old);
  } catch (...) {
    s.value = std::move(old);
    throw;
  }
}

void State::restore(Tree value) {
  StateImpl &s = *impl_;
  checkFrame(s, "restore");
  FrameObserver *observer = observerFor(*this, s);
  if (!s.signature.matches(value))
    throwSignatureError(s, value, "restore", false);
  checkNotLeaked(s, value, "restore");
  if (observer) {
    observer->writeState(*this, value);
    if (hasHooks(s, HookPoint::restore))
      fire(*this, s, HookPoint::restore, value, &s.value);
    return;
  }
  Tree old = std::move(s.value);
  s.value = std::move(value);
  if (!hasHooks(s, HookPoint::restore))
    return;
  try {
    fire(*this, s, HookPoint::restore, s.value, &old);
  } catch (...) {
    s.value = std::move(old);
    throw;
  }
}

const Signature &State::signature() const { return impl_->signature; }
const StateKind &State::kind() const { return *impl_->kind; }
const std::string &State::name() const { return impl_->name; }
void State::setName(std::string name) { impl_->name = std::move(name); }
const std::vector<std::string> &State::tags() const { return impl_->tags; }

bool State::hasTag(std::string_view tag) const {
  return std::find(impl_->tags.begin(), impl_->tags.end(), tag) != impl_->tags.end();
}

void State::addTag(std::string tag) {
  if (!hasTag(tag))
    impl_->tags.push_back(std::move(tag));
}

std::string State::describe() const { return describeImpl(*impl_); }

FrameId State::traceFrame() const { return impl_->frame; }

State State::rebind() const {
  return State(kind(), impl_->value, StateOptions{impl_->name, impl_->tags});
}

HookHandle State::addHook(HookPoint point, HookFn fn, int priority) {
  if (!impl_->hooks)
    impl_->hooks = std::make_shared<detail::HookRegistry>();
  return impl_->hooks->add(impl_->hooks, point, std::move(fn), priority);
}

Tree &detail::StateAccess::stored(const State &state) { return state.impl_->value; }

Signature &detail::StateAccess::frozenSignature(const State &state) {
  return state.impl_->signature;
}

detail::StateAccess::AccessListener
detail::StateAccess::setAccessListener(AccessListener listener) {
  AccessListener previous = accessListener;
  accessListener = listener;
  return previous;
}

detail::SpinLock &detail::StateAccess::lock(const State &state) { return state.impl_->lock; }

const void *detail::StateAccess::identity(const State &state) { return state.impl_.get(); }

detail::AdoptState detail::StateAccess::createInternal(const StateKind &kind, Tree value,
                                                       std::string name, FrameId frame) {
  auto impl = std::make_shared<StateImpl>();
  impl->kind = &kind;
  impl->name = std::move(name);
  impl->signature = value.signature();
  impl->value = std::move(value);
  impl->frame = frame;
  return {std::move(impl)};
}

void State::checkKind(const StateKind &wanted) const {
  if (!kind().isA(wanted))
    throw Error(ErrorCode::InvalidArgument,
                absl::StrCat(describe(), " is not a ", wanted.name(),
                             "; check its kind with is<", wanted.name(), ">() before as<>()"));
}

} // namespace bst
