//===- TraceContext.cpp ---------------------------------------------------===//
#include "bst/State/TraceContext.h"

#include "absl/container/inlined_vector.h"

#include <algorithm>
#include <atomic>

namespace bst {

namespace {
std::atomic<FrameId> nextFrameId{1};

/// This thread's frames above frame 0 (which is implicit at the bottom).
absl::InlinedVector<FrameId, 8> &frameStack() {
  thread_local absl::InlinedVector<FrameId, 8> stack;
  return stack;
}
} // namespace

FrameId currentTraceFrame() {
  const auto &stack = frameStack();
  return stack.empty() ? kEagerFrame : stack.back();
}

bool isTraceFrameActive(FrameId frame) {
  if (frame == kEagerFrame)
    return true;
  const auto &stack = frameStack();
  // Innermost first: the frame being written is almost always the current one.
  return std::find(stack.rbegin(), stack.rend(), frame) != stack.rend();
}

std::vector<FrameId> activeTraceFrames() {
  std::vector<FrameId> out{kEagerFrame};
  const auto &stack = frameStack();
  out.insert(out.end(), stack.begin(), stack.end());
  return out;
}

TraceFrame::TraceFrame() : id_(nextFrameId.fetch_add(1, std::memory_order_relaxed)) {
  frameStack().push_back(id_);
}

TraceFrame::~TraceFrame() {
  // Frames are normally popped innermost first; remove this one wherever it is so that an
  // unusual destruction order cannot leave a dead frame active.
  auto &stack = frameStack();
  auto it = std::find(stack.rbegin(), stack.rend(), id_);
  if (it != stack.rend())
    stack.erase(std::next(it).base());
}

} // namespace bst
