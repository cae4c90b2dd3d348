//===- TracerImpl.h - The tracer behind traced Tensors (private) ----------===//
#ifndef BST_LIB_TRACE_TRACERIMPL_H
#define BST_LIB_TRACE_TRACERIMPL_H

#include "bst/Trace/Tracer.h"

#include "absl/container/flat_hash_map.h"

#include <memory>

namespace bst::detail {

class Tracer;

/// A value of the program a Tracer is building.
class TracedValueImpl : public TracedValue {
public:
  TracedValueImpl(AbstractArray type, const Tracer *tracer, FrameId frame, ValueId id)
      : TracedValue(std::move(type)), tracer(tracer), frame(frame), id(id) {}
  const Tracer *tracer; // Valid only while `frame` is active.
  FrameId frame;
  ValueId id;
};

/// Records one function's ops and state accesses into a Program while its frame is innermost.
/// Created and destroyed on one thread; not copyable.
class Tracer final : public FrameObserver {
public:
  Tracer();
  Tracer(const Tracer &) = delete;
  Tracer &operator=(const Tracer &) = delete;

  FrameId frame() const { return frame_.id(); }
  /// A new Argument slot read as a traced tensor.
  Tensor argument(const AbstractArray &type, std::string name, size_t leafIndex);
  /// Appends an instruction; the operands may be concrete (they become constants or captures).
  Tensor record(OpKind kind, const std::vector<Tensor> &operands, const OpAttrs &attrs,
                AbstractArray type);
  /// Ends tracing with `result` as the return value and produces the traced function.
  TracedFunction finish(const Tree &result);

  Tree readState(const State &state, const Tree &stored) override;
  void writeState(const State &state, const Tree &value) override;

  /// The tracer of the innermost frame of this thread, or null.
  static Tracer *current();

private:
  struct StateRecord {
    State state;
    size_t firstSlot;
    Tree current; // The value reads see: inputs, or the last write.
    bool written = false;
  };
  StateRecord &recordFor(const State &state, const Tree &stored);
  /// The program value for `t`: its id if traced here, else a constant or capture.
  ValueId valueOf(const Tensor &t);
  Tensor traced(ValueId id);

  TraceFrame frame_;
  TracedFunction out_;
  std::vector<StateRecord> records_;
  absl::flat_hash_map<const void *, size_t> recordIndex_;  // by state identity
  absl::flat_hash_map<const void *, ValueId> captureValue_; // by buffer address
};

/// Throws the "leaked tracer" error for `value` (whose frame is not this thread's innermost).
[[noreturn]] void throwLeakedTracer(const TracedValueImpl &value);

} // namespace bst::detail

#endif // BST_LIB_TRACE_TRACERIMPL_H
