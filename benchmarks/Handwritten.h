//===- Handwritten.h - Hand-written baselines ------------------------------===//
#ifndef BST_BENCHMARKS_HANDWRITTEN_H
#define BST_BENCHMARKS_HANDWRITTEN_H

#include <cstdint>

namespace bst::bench {
/// The LIF step of examples/lif/Lif.h over raw arrays.
void lifStepHandwritten(float *v, const float *tau, float *spike, const float *input, int64_t n,
                        float dt);
/// The work of BM_JitDispatch (four one-element states, one argument), hand-written.
void dispatchWorkHandwritten(float *a, float *b, float *c, float *d, const float *x);
} // namespace bst::bench

#endif // BST_BENCHMARKS_HANDWRITTEN_H
