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
#include "bst/Support/Tree.h"

#include <cstdint>
#include <functional>
#include <type_traits>
#include <vector>

namespace bst {

/// Options of forLoop.
struct ForLoopOptions {
  /// Draw a progress bar on stderr (rate and time left; plain lines every 10% when stderr is not
  /// a terminal), also from inside a compiled loop, which reports each step to the host.
  bool progress = false;
};

namespace detail {
void forLoopImpl(int64_t n, const std::function<void(const Tensor &)> &body,
                 const ForLoopOptions &options);
} // namespace detail

/// Runs `body` n times. `body` takes the step index (an i64 scalar tensor: concrete in eager
/// code, traced under jit) or nothing; bst::environ::i() gives it too. Throws bst::Error if
/// n < 0.
template <class F> void forLoop(int64_t n, F &&body, ForLoopOptions options = {}) {
  if constexpr (std::is_invocable_v<F &, const Tensor &>)
    detail::forLoopImpl(n, [&](const Tensor &i) { body(i); }, options);
  else
    detail::forLoopImpl(n, [&](const Tensor &) { body(); }, options);
}

/// What a scan body returns for one step, and what scan returns: the carry, and y (per step from
/// a body; stacked along a new leading axis by scan, step k's y at index k).
struct ScanResult {
  Tree carry;
  Tree ys;
};

namespace detail {
using ScanBody = std::function<ScanResult(const Tree &, const Tree &)>;
ScanResult scanImpl(const Tree &init, const Tree *xs, int64_t length, const ScanBody &body);
} // namespace detail

/// Scans `body` over the leading axis of every leaf of `xs` (as JAX's lax.scan):
///   carry = init;  for k in [0, n):  {carry, ys[k]} = body(carry, xs[k])
/// and returns {carry, ys}. `body` takes (carry, x) as Trees or Tensors and returns a ScanResult
/// {next carry (init's structure, shapes and dtypes), y}. Under jit it is one compiled loop
/// whose body is traced once; the states it writes are carried as in forLoop.
template <class F> ScanResult scan(F &&body, const Tree &init, const Tree &xs) {
  return detail::scanImpl(init, &xs, 0, [&](const Tree &c, const Tree &x) { return body(c, x); });
}

/// Scans `length` steps without xs: body(carry, i) gets the step index (an i64 scalar).
template <class F> ScanResult scan(F &&body, const Tree &init, int64_t length) {
  return detail::scanImpl(init, nullptr, length,
                          [&](const Tree &c, const Tree &i) { return body(c, i.leaf()); });
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
