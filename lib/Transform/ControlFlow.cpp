//===- ControlFlow.cpp - Eager and traced control flow --------------------===//
#include "bst/Transform/ControlFlow.h"
#include "bst/Trace/Ops.h"
#include "bst/Trace/Tracer.h"

#include "absl/strings/str_cat.h"

#include <algorithm>

namespace bst {

namespace {
/// Checks that `t` is a scalar of an accepted dtype; `what` names the construct and argument.
void checkScalar(const Tensor &t, const char *what, bool integer) {
  bool ok = t.rank() == 0 &&
            (integer ? (t.dtype() == DType::i32 || t.dtype() == DType::i64)
                     : t.dtype() == DType::boolean);
  if (!ok)
    throw Error(ErrorCode::InvalidArgument,
                absl::StrCat(what, " must be ", integer ? "an i32 or i64" : "a bool",
                             " scalar, but it is ", t.abstract().toString(), "; ",
                             integer ? "cast it with bst::cast(x, bst::i32)"
                                     : "compare it (x > 0.f) or reduce it (bst::reduceMax)"));
}

int64_t integerValue(const Tensor &t) {
  return t.dtype() == DType::i32 ? t.item<int32_t>() : t.item<int64_t>();
}
} // namespace

void detail::forLoopImpl(int64_t n, const std::function<void(const Tensor &)> &body) {
  if (n < 0)
    throw Error(ErrorCode::InvalidArgument,
                absl::StrCat("forLoop: the number of steps must not be negative, got ", n));
  if (detail::isTracing()) {
    detail::traceForLoop(n, body);
    return;
  }
  for (int64_t i = 0; i < n; ++i)
    body(Array::scalar<int64_t>(i));
}

void whileLoop(const std::function<Tensor()> &cond, const std::function<void()> &body) {
  if (detail::isTracing()) {
    detail::traceWhileLoop(cond, body);
    return;
  }
  while (true) {
    Tensor keepGoing = cond();
    checkScalar(keepGoing, "whileLoop: the condition's result", false);
    if (!keepGoing.item<bool>())
      return;
    body();
  }
}

void switchCase(const Tensor &index, const std::vector<std::function<void()>> &branches) {
  if (branches.empty())
    throw Error(ErrorCode::InvalidArgument, "switchCase: give at least one branch");
  checkScalar(index, "switchCase: the index", true);
  if (index.isTraced()) {
    detail::traceSwitch(index, branches);
    return;
  }
  int64_t last = static_cast<int64_t>(branches.size()) - 1;
  branches[std::clamp<int64_t>(integerValue(index), 0, last)]();
}

void cond(const Tensor &pred, const std::function<void()> &thenBody,
          const std::function<void()> &elseBody) {
  checkScalar(pred, "cond: the predicate", false);
  if (pred.isTraced()) {
    // Branch 0 runs for index 0 (false), branch 1 for index 1 (true).
    detail::traceSwitch(cast(pred, DType::i32), {elseBody, thenBody});
    return;
  }
  if (pred.item<bool>())
    thenBody();
  else
    elseBody();
}

} // namespace bst
