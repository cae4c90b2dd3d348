//===- bst/Trace/Tracer.h - Turning a C++ function into a Program ---*- C++ -*-===//
#ifndef BST_TRACE_TRACER_H
#define BST_TRACE_TRACER_H

#include "bst/State/State.h"
#include "bst/Trace/Program.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace bst {

/// The state in which a traced function's bst::errorIf calls record the first error of a
/// compiled call: {code: i32[] (0: none, else the check's index + 1), f64: f64[8], i64: i64[8]}
/// (the check's values, floats and integers in their own vector at their position). Each trace
/// creates its own, outside of its frame; bst::jit zeroes the code before each call and reads it
/// after.
class CheckState : public DefineStateKind<CheckState, ShortTermState> {
public:
  using DefineStateKind::DefineStateKind;
};

/// At most this many values per errorIf message.
inline constexpr int kMaxCheckValues = 8;

/// What tracing a function produced: the program and the buffers its slots bind to.
struct TracedFunction {
  Program program;
  /// The states the function touched; State slots index into this.
  std::vector<State> states;
  /// Concrete arrays the function closed over; Capture slots index into this.
  std::vector<Array> captures;
  /// The structure of the function's return value (a Tree; an empty list for none).
  TreeDef resultDef;
  /// The errorIf calls traced, in order, and the index in `states` of their CheckState (only
  /// when there are checks).
  std::vector<CheckSite> checks;
  std::optional<size_t> checkState;
};

/// A function as bst::jit sees it: trees of tensors in, a tree of tensors out.
using TreeFunction = std::function<Tree(const std::vector<Tree> &)>;

/// Traces `fn` on arguments of signatures `args`: pushes a trace frame whose observer records
/// every op, state read and state write, calls `fn` once with traced arguments, and returns the
/// simplified (dead-code and common-subexpression eliminated), verified program. No state is
/// changed. Errors `fn` throws propagate unchanged.
TracedFunction traceFunction(const TreeFunction &fn, const std::vector<Signature> &args);

namespace detail {
/// True while a function is being traced on this thread (the innermost frame has a tracer).
bool isTracing();
/// Control flow under tracing (bst/Transform/ControlFlow.h calls these; eager execution does
/// not): each records one control-flow primitive whose bodies are traced once, with the states
/// they write as carries.
/// What a traced loop body returns, and what the loop returns: the carried values (the next
/// ones from a body, the final ones from the loop) and the values stacked over the steps (one per
/// step from a body; [count, ...] arrays from the loop, step k's value at index k).
struct LoopValues {
  std::vector<Tensor> carry;
  std::vector<Tensor> stacked;
};
/// A loop body: the step index (i64 scalar) and the current carries in, LoopValues out.
using LoopBody = std::function<LoopValues(const Tensor &, const std::vector<Tensor> &)>;
/// Records a ForLoop of `count` steps carrying `init` (the body must return carries of the same
/// types) and the states the body writes; returns the final carries and the stacked values.
/// Records a bst::errorIf: if any element of the bool tensor `pred` is true and no earlier check
/// fired in this call, the CheckState gets this check's code and `values` (scalars).
void traceCheck(const Tensor &pred, const std::string &message, const std::vector<Tensor> &values);
LoopValues traceForLoop(int64_t count, const std::vector<Tensor> &init, const LoopBody &body);
void traceWhileLoop(const std::function<Tensor()> &cond, const std::function<void()> &body);
/// traceFunction for transformations that replay the traced program where they are called
/// (autodiff): a traced tensor of an enclosing trace on this thread that `fn` uses (closes over)
/// is not a leaked tracer but becomes an extra Argument slot after the argument leaves (index
/// numArgLeaves + k, named "lifted<k>"); `lifted` receives those tensors in order, to be bound
/// to the slots on replay.
TracedFunction traceNested(const TreeFunction &fn, const std::vector<Signature> &args,
                           std::vector<Tensor> &lifted);
/// Binds the input slots of `traced` (a traceNested result) for a replay: calls `bind(slot,
/// value)` for each with its value -- the argument leaf, the lifted tensor, the state's leaf, the
/// capture. Each state read is read once, where the replay runs; its value is returned (indexed
/// like traced.states, empty for states the program does not read).
std::vector<std::optional<Tree>>
bindInputs(const TracedFunction &traced, const std::vector<Tensor> &argLeaves,
           const std::vector<Tensor> &lifted,
           const std::function<void(const Slot &, const Tensor &)> &bind);
void traceSwitch(const Tensor &index, const std::vector<std::function<void()>> &branches);
} // namespace detail

} // namespace bst

#endif // BST_TRACE_TRACER_H
