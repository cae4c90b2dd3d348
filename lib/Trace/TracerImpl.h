//===- TracerImpl.h - The tracer behind traced Tensors (private) ----------===//
#ifndef BST_LIB_TRACE_TRACERIMPL_H
#define BST_LIB_TRACE_TRACERIMPL_H

#include "bst/Trace/Tracer.h"

#include "absl/container/flat_hash_map.h"

#include <functional>
#include <memory>
#include <optional>

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
  /// True if an op of this tracer may use `v`: a value of this trace whose frame is active, or
  /// (in a trace that lifts) a value of an enclosing trace.
  bool accepts(const TracedValueImpl &v) const {
    return isTraceFrameActive(v.frame) && (v.tracer == this || lifted_);
  }
  /// Makes this trace lift the values of enclosing traces it uses into Argument slots numbered
  /// from `base`, appending them to `lifted` (see traceNested).
  void liftInto(std::vector<Tensor> *lifted, size_t base) {
    lifted_ = lifted;
    liftBase_ = base;
  }

  // Control flow: each body is traced once, in a nested scope with its own trace frame.
  LoopValues forLoop(int64_t count, const std::vector<Tensor> &init, const LoopBody &body);
  void whileLoop(const std::function<Tensor()> &cond, const std::function<void()> &body);
  void check(const Tensor &pred, const std::string &message, const std::vector<Tensor> &values);
  void switchOf(const Tensor &index, const std::vector<std::function<void()>> &branches);

  /// A region being traced. In a loop scope, a state first touched inside becomes a region
  /// parameter (a carry if the body writes it; replaced by the value from outside if not); in a
  /// branch scope, reads see the value from outside.
  struct Scope {
    explicit Scope(Tracer *tracer, bool isLoop)
        : frame(std::make_unique<TraceFrame>(tracer)), frameId(frame->id()), isLoop(isLoop) {}
    std::unique_ptr<TraceFrame> frame; // reset when the scope closes
    FrameId frameId;
    bool isLoop;
    std::vector<Instruction> body;
    struct Entry {
      State state;
      Tree value;                 // what reads in this scope see
      std::vector<ValueId> params; // loop scopes: the placeholder parameter per leaf
      bool written = false;
      std::vector<ValueId> yields; // written entries: the leaves of `value`, set by closeScope
    };
    std::vector<Entry> entries;
    absl::flat_hash_map<const void *, size_t> index;
  };
private:
  std::vector<Instruction> &currentBody();
  ValueId emit(OpKind kind, std::vector<ValueId> operands, OpAttrs attrs, AbstractArray type);
  /// The value of `state` as seen at scope `k` (-1: the function's top level).
  Tree valueIn(const State &state, int k);
  void setIn(const State &state, int k, const Tree &value);
  Scope::Entry &entryIn(const State &state, int k);
  std::vector<ValueId> leafValues(const Tree &t);
  /// Closes the innermost scope: records the yields of the states it wrote (while its values are
  /// still alive), then ends its frame, so its local values cannot leak.
  std::unique_ptr<Scope> popScope();
  /// Replaces the loop placeholders of states that `scope` only read by their values outside;
  /// returns the entries it wrote (the carries), in order.
  std::vector<Scope::Entry> resolveLoopScope(Scope &scope);


  struct StateRecord {
    State state;
    size_t firstSlot;
    Tree current; // The value reads see: inputs, or the last write.
    bool written = false;
  };
  StateRecord &recordFor(const State &state, const Tree &stored);
  /// The program value for `t`: its id if traced here, else a constant or capture.
  ValueId valueOf(const Tensor &t);
  /// A traced tensor for `id`, owned by frame `owner` (default: the current frame).
  Tensor traced(ValueId id, FrameId owner = kEagerFrame);

  /// The Argument slot of a lifted value of an enclosing trace.
  ValueId lift(const Tensor &t, const TracedValueImpl &v);

  /// The frame the trace runs in (set before frame_ is pushed).
  FrameId outerFrame_;
  /// Created by the first errorIf, in outerFrame_, so it becomes a slot like any state the
  /// function writes.
  std::optional<CheckState> checkState_;
  TraceFrame frame_;
  TracedFunction out_;
  std::vector<Tensor> *lifted_ = nullptr; // set by liftInto
  size_t liftBase_ = 0;
  absl::flat_hash_map<std::pair<const void *, ValueId>, ValueId> liftedValue_;
  std::vector<std::unique_ptr<Scope>> scopes_;
  std::vector<StateRecord> records_;
  absl::flat_hash_map<const void *, size_t> recordIndex_;  // by state identity
  absl::flat_hash_map<const void *, ValueId> captureValue_; // by buffer address
};

/// Throws the "leaked tracer" error for `value` (whose frame is not this thread's innermost).
[[noreturn]] void throwLeakedTracer(const TracedValueImpl &value);

} // namespace bst::detail

#endif // BST_LIB_TRACE_TRACERIMPL_H
