//===- StateBenchmarks.cpp - The cost of a checked state write ------------===//
//
// BM_StateWrite: State::setValue of an f32[4096] array — trace-frame check, hook check, signature
// check, store — with no hooks registered. BM_ArrayAssign: plain assignment of the same Array,
// the floor. The difference is what the state model's checks cost (target: at most 30 ns).
//
//===----------------------------------------------------------------------===//
#include "AllocCounter.h"
#include "bst/bst.h"

#include "benchmark/benchmark.h"

namespace {

void BM_StateWrite(benchmark::State &state) {
  bst::HiddenState v(bst::zeros({4096}), {.name = "v"});
  bst::Array a = bst::ones({4096});
  uint64_t start = bst::bench::allocationCount();
  for (auto _ : state) {
    v.setValue(a);
    benchmark::ClobberMemory();
  }
  bst::bench::reportAllocations(state, start);
}
BENCHMARK(BM_StateWrite);

void BM_ArrayAssign(benchmark::State &state) {
  bst::Array slot = bst::zeros({4096});
  bst::Array a = bst::ones({4096});
  uint64_t start = bst::bench::allocationCount();
  for (auto _ : state) {
    slot = a;
    benchmark::DoNotOptimize(slot);
    benchmark::ClobberMemory();
  }
  bst::bench::reportAllocations(state, start);
}
BENCHMARK(BM_ArrayAssign);

/// A write of a two-leaf dict state ({b, w}), the common shape of a layer's parameters.
void BM_StateWriteDict(benchmark::State &state) {
  bst::ParamState p(bst::Tree::dict({{"w", bst::zeros({64, 64})}, {"b", bst::zeros({64})}}));
  bst::Tree value = bst::Tree::dict({{"w", bst::ones({64, 64})}, {"b", bst::ones({64})}});
  for (auto _ : state) {
    p.setValue(value);
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_StateWriteDict);

/// Reading a state's value (a cheap copy), no hooks.
void BM_StateRead(benchmark::State &state) {
  bst::HiddenState v(bst::zeros({4096}));
  for (auto _ : state) {
    bst::Tree t = v.value();
    benchmark::DoNotOptimize(t);
  }
}
BENCHMARK(BM_StateRead);

} // namespace
