//===- bst/Trace/Connectivity.h - Sparse synapses and event-driven ops ---*- C++ -*-===//
//
// A Connectivity is a sparse synapse matrix in CSR form: row i lists the postsynaptic targets of
// presynaptic neuron i, with one weight per synapse. eventSum(c, spikes) adds the rows of the
// neurons that spiked into a postsynaptic vector, at a cost of spikes x fan-out (not pre x post).
//
//===----------------------------------------------------------------------===//
#ifndef BST_TRACE_CONNECTIVITY_H
#define BST_TRACE_CONNECTIVITY_H

#include "bst/Support/Tensor.h"

#include <cstdint>

namespace bst {

/// Synapses from `numPre` to `numPost` neurons, in CSR form. Immutable value (copies share the
/// arrays); thread-safe to read.
class Connectivity {
public:
  /// From CSR arrays: rowPtr i32[numPre + 1] (non-decreasing, from 0 to nnz), cols i32[nnz]
  /// (each in [0, numPost)), weights f32 or f64 [nnz]. Throws bst::Error naming the first
  /// problem.
  Connectivity(int64_t numPre, int64_t numPost, Array rowPtr, Array cols, Array weights);

  /// Each of the numPre x numPost pairs connected independently with probability `p`, as
  /// Brian2's `Synapses.connect(p=...)`, all with weight `weight` (f32). The same seed gives the
  /// same synapses on every machine.
  static Connectivity fixedProbability(int64_t numPre, int64_t numPost, double p, uint64_t seed,
                                       float weight = 1.f);

  int64_t numPre() const { return numPre_; }
  int64_t numPost() const { return numPost_; }
  int64_t numSynapses() const { return cols_.numElements(); }
  const Array &rowPtr() const { return rowPtr_; }
  const Array &cols() const { return cols_; }
  const Array &weights() const { return weights_; }
  /// The same weights as a dense [numPre, numPost] matrix (summing repeated pairs).
  Array toDense() const;

private:
  int64_t numPre_, numPost_;
  Array rowPtr_, cols_, weights_;
};

/// out[post] = sum of weights of synapses (pre -> post) whose presynaptic neuron spiked.
/// `spikes` is bool[numPre]; the result has the weights' dtype and shape [numPost].
Tensor eventSum(const Connectivity &c, const Tensor &spikes);

} // namespace bst

#endif // BST_TRACE_CONNECTIVITY_H
