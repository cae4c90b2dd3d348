//===- AllocCounter.h - Count heap allocations in benchmarks --------------===//
//
// bst-benchmarks replaces the global operator new with a counting one, so a benchmark can report
// heap allocations per iteration (the "allocs" counter) and prove a steady state allocates nothing.
//
//===----------------------------------------------------------------------===//
#ifndef BST_BENCHMARKS_ALLOCCOUNTER_H
#define BST_BENCHMARKS_ALLOCCOUNTER_H

#include "benchmark/benchmark.h"

#include <cstdint>

namespace bst::bench {

/// Heap allocations made by this process so far (all threads).
uint64_t allocationCount();

/// Sets state.counters["allocs"] to the allocations per iteration since `startCount`.
inline void reportAllocations(benchmark::State &state, uint64_t startCount) {
  state.counters["allocs"] = benchmark::Counter(
      static_cast<double>(allocationCount() - startCount) / static_cast<double>(state.iterations()));
}

} // namespace bst::bench

#endif // BST_BENCHMARKS_ALLOCCOUNTER_H
