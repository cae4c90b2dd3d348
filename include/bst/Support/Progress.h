//===- bst/Support/Progress.h - Progress bars of long loops ---------*- C++ -*-===//
//
// bst::forLoop(n, body, {.progress = true}) reports each step here, eagerly and from inside
// compiled code (which calls bst_progress). On a terminal, stderr shows one bar redrawn in
// place with the rate and the time left; otherwise a plain line every 10%. See
// docs/control-flow.md.
//
//===----------------------------------------------------------------------===//
#ifndef BST_SUPPORT_PROGRESS_H
#define BST_SUPPORT_PROGRESS_H

#include <cstdint>

namespace bst::detail {
/// Step `step` (0-based) of a loop of `total` steps is starting on this thread. Step 0 starts a
/// new bar; the last step's report ends it. Cheap when nothing is drawn (a few integer
/// operations; the clock is read at most ~200 times per loop).
void progressTick(int64_t step, int64_t total);
} // namespace bst::detail

/// The symbol compiled code calls (the JIT resolves it to this function).
extern "C" void bst_progress(int64_t step, int64_t total);

#endif // BST_SUPPORT_PROGRESS_H
