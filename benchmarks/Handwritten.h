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

/// The constants of examples/cuba/Cuba.h (mV, ms).
struct CubaConstants {
  int64_t n, excitatory;
  float we, wi, taum, taue, taui, vt, vr, el, refractory, dt;
};
/// The CUBA network's buffers: neuron state and the two CSR connectivities.
struct CubaArrays {
  CubaConstants c;
  float *v, *ge, *gi, *refractory;
  bool *spikes;
  const int32_t *excRowPtr, *excCols, *inhRowPtr, *inhCols;
};
/// Runs `steps` steps of the CUBA network in place; returns the number of spikes.
int64_t cubaHandwritten(const CubaArrays &a, int64_t steps);

/// n uniform floats in [0, 1) from Philox4x32-10 blocks at counter, counter + 1, ... of `key`,
/// four per block (every 32-bit word used): the fastest way to write it by hand.
void uniformFourPerBlockHandwritten(float *out, int64_t n, uint64_t key, uint64_t counter);
/// The same with one block per element (word 0), which is what bst computes: bst's numbers.
void uniformOnePerElementHandwritten(float *out, int64_t n, uint64_t key, uint64_t counter);

/// c[m, n] = x[m, k] @ y[k, n], row-major, in the (i, k, j) loop order.
void matmulHandwritten(const float *x, const float *y, float *c, int64_t m, int64_t k, int64_t n);
} // namespace bst::bench

#endif // BST_BENCHMARKS_HANDWRITTEN_H
