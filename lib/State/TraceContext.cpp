//===- TraceContext.cpp ---------------------------------------------------===//
#include "bst/State/TraceContext.h"

#include "absl/container/inlined_vector.h"

#include <algorithm>
#include <atomic>

namespace bst {

namespace {
std::atomic<FrameId> nextFrameId{1};

struct FrameEntry {
  FrameId id;
  FrameObserver *observer;
};

/// This thread's frames above frame 0 (which is implicit at the bottom), innermost last.
absl::InlinedVector<FrameEntry, 8> &frameStack() {
  thread_local absl::InlinedVector<FrameEntry, 8> stack;
  return stack;
}

auto findFrame(absl::InlinedVector<FrameEntry, 8> &stack, FrameId frame) {
  // Innermost first: the frame asked about is almost always the current one.
  return std::find_if(stack.rbegin(), stack.rend(),
                      [&](const FrameEntry &e) { return e.id == frame; });
}
} // namespace

FrameObserver::~FrameObserver() = default;

FrameId currentTraceFrame() {
  const auto &stack = frameStack();
  return stack.empty() ? kEagerFrame : stack.back().id;
}

FrameObserver *currentFrameObserver() {
  const auto &stack = frameStack();
  return stack.empty() ? nullptr : stack.back().observer;
}

bool isTraceFrameActive(FrameId frame) {
  if (frame == kEagerFrame)
    return true;
  auto &stack = frameStack();
  return findFrame(stack, frame) != stack.rend();
}

std::vector<FrameId> activeTraceFrames() {
  std::vector<FrameId> out{kEagerFrame};
  for (const FrameEntry &e : frameStack())
    out.push_back(e.id);
  return out;
}

TraceFrame::TraceFrame(FrameObserver *observer)
    : id_(nextFrameId.fetch_add(1, std::memory_order_relaxed)), observer_(observer) {
  frameStack().push_back({id_, observer_});
}

TraceFrame::~TraceFrame() {
  // Frames are normally popped innermost first; remove this one wherever it is so that an
  // unusual destruction order cannot leave a dead frame active.
  auto &stack = frameStack();
  auto it = findFrame(stack, id_);
  if (it != stack.rend())
    stack.erase(std::next(it).base());
}

} // namespace bst
