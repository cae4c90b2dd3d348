//===- bst/State/TraceContext.h - Trace frames and levels -------*- C++ -*-===//
//
// Each thread keeps a stack of trace frames. Eager execution is frame 0, always at the bottom;
// each trace (jit, grad, a loop body, ...) pushes a frame with a fresh id that is never reused in
// the process. A State belongs to the frame it was created in and may be written only while that
// frame is on the writing thread's stack (see State::setValue).
//
//===----------------------------------------------------------------------===//
#ifndef BST_STATE_TRACECONTEXT_H
#define BST_STATE_TRACECONTEXT_H

#include <cstdint>
#include <vector>

namespace bst {

class State;
class Tree;

/// Identifies a trace frame; unique for the life of the process.
using FrameId = uint64_t;

/// The frame of eager execution, at the bottom of every thread's stack.
inline constexpr FrameId kEagerFrame = 0;

/// The innermost frame on this thread's stack.
FrameId currentTraceFrame();
/// True if `frame` is on this thread's stack (the current frame or one of its ancestors).
bool isTraceFrameActive(FrameId frame);
/// This thread's stack, outermost (frame 0) first.
std::vector<FrameId> activeTraceFrames();

/// What a tracer sees of the states its function touches. While a frame with an observer is the
/// innermost frame, reads and writes of states that belong to an outer frame go to the observer
/// instead of the stored value: the tracer turns them into inputs and in-place outputs of the
/// traced program, and the stored value stays as it was.
class FrameObserver {
public:
  virtual ~FrameObserver();
  /// A read of `state` (whose stored value is `stored`); returns the value the read sees.
  virtual Tree readState(const State &state, const Tree &stored) = 0;
  /// A write of `value` to `state`, already checked against its frame and signature (and passed
  /// through write_before hooks).
  virtual void writeState(const State &state, const Tree &value) = 0;
};

/// The observer of the innermost frame on this thread, or null (eager execution, or a frame
/// pushed without one).
FrameObserver *currentFrameObserver();

/// Pushes a new frame on this thread's stack for its lifetime (RAII). Used by the tracer and by
/// every transformation that traces a function.
///
/// Thread safety: a TraceFrame must be created and destroyed on the same thread.
class TraceFrame {
public:
  /// `observer` (optional, not owned, must outlive the frame) sees the state accesses of code
  /// running in this frame; see FrameObserver.
  explicit TraceFrame(FrameObserver *observer = nullptr);
  ~TraceFrame();
  TraceFrame(const TraceFrame &) = delete;
  TraceFrame &operator=(const TraceFrame &) = delete;

  FrameId id() const { return id_; }

private:
  FrameId id_;
  FrameObserver *observer_;
};

} // namespace bst

#endif // BST_STATE_TRACECONTEXT_H
