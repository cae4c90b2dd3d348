//===- bst/Transform/ControlFlow.h - Loops and branches over states -*- C++ -*-===//
//
// forLoop, whileLoop, cond and switchCase run their bodies step by step in eager code. Under
// bst::jit each body is traced once and becomes one compiled loop or branch: the states a body
// writes are its carries (updated in place from one iteration to the next), the states it only
// reads are passed in. See docs/control-flow.md.
//
//===----------------------------------------------------------------------===//
#ifndef BST_TRANSFORM_CONTROLFLOW_H
#define BST_TRANSFORM_CONTROLFLOW_H

#include "bst/Support/Tensor.h"

#include <cstdint>
#include <functional>
#include <type_traits>
#include <vector>

namespace bst {

/// Options of forLoop.
struct ForLoopOptions {};

namespace detail {
void forLoopImpl(int64_t n, const std::function<void(const Tensor &)> &body);
} // namespace detail

/// Runs `body` n times. `body` takes the step index (an i64 scalar tensor: concrete in eager
/// code, traced under jit) or nothing. Throws bst::Error if n < 0.
template <class F> void forLoop(int64_t n, F &&body, ForLoopOptions options = {}) {
  (void)options;
  if constexpr (std::is_invocable_v<F &, const Tensor &>)
    detail::forLoopImpl(n, [&](const Tensor &i) { body(i); });
  else
    detail::forLoopImpl(n, [&](const Tensor &) { body(); });
}

/// Runs `body` while `cond` returns true (a bool scalar tensor). `cond` may read states but not
/// write them.
void whileLoop(const std::function<Tensor()> &cond, const std::function<void()> &body);

/// Runs `thenBody` if `pred` (a bool scalar tensor) is true, else `elseBody`. A state written in
/// only one branch keeps its value on the other.
void cond(const Tensor &pred, const std::function<void()> &thenBody,
          const std::function<void()> &elseBody);

/// Runs branches[clamp(index, 0, n - 1)] for an integer scalar `index` (as JAX's lax.switch).
void switchCase(const Tensor &index, const std::vector<std::function<void()>> &branches);

} // namespace bst

#endif // BST_TRANSFORM_CONTROLFLOW_H
