//===- JitBenchmarks.cpp - bst::jit against hand-written C++ --------------===//
//
// BM_LifStep_Jit/N vs BM_LifStep_Handwritten/N: the compiled LIF step against the same loop
//   written by hand (-O3 -march=native -fno-trapping-math). "allocs" counts heap allocations per
//   call (target 0).
// BM_JitDispatch vs BM_DirectCall: a cached call of a tiny step (1 argument, 4 one-element
//   states) against the same work called through a function pointer: the cost of bst's call path.
// BM_LifCompile: the first call of the LIF step (trace, lower, MLIR pipeline, LLVM, JIT).
//
//===----------------------------------------------------------------------===//
#include "../examples/lif/Lif.h"
#include "AllocCounter.h"
#include "Handwritten.h"
#include "Tiny.h"

#include "benchmark/benchmark.h"

namespace {

void BM_LifStep_Jit(benchmark::State &state) {
  int64_t n = state.range(0);
  Lif lif(n);
  bst::Array input = lifDrive(n);
  auto step = bst::jit([&](const bst::Tensor &i) { lif(i); });
  step(input); // compile outside the timed loop
  uint64_t start = bst::bench::allocationCount();
  for (auto _ : state)
    step(input);
  bst::bench::reportAllocations(state, start);
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_LifStep_Jit)->Arg(4096)->Arg(1048576);

void BM_LifStep_Handwritten(benchmark::State &state) {
  int64_t n = state.range(0);
  Lif lif(n); // the same buffers as the jitted step: 64-byte aligned Arrays
  bst::Array input = lifDrive(n);
  bst::Tree v = lif.v.value(), tau = lif.tau.value(), spike = lif.spike.value();
  bst::Array va = v.leaf().array(), sa = spike.leaf().array();
  float *pv = va.mutableData<float>(), *ps = sa.mutableData<float>();
  const float *pt = tau.leaf().array().data<float>(), *pi = input.data<float>();
  for (auto _ : state) {
    bst::bench::lifStepHandwritten(pv, pt, ps, pi, n, lif.dt);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_LifStep_Handwritten)->Arg(4096)->Arg(1048576);

void BM_JitDispatch(benchmark::State &state) {
  Tiny t;
  bst::Array x = bst::ones({1});
  auto step = bst::jit([&](const bst::Tensor &i) { t(i); });
  step(x);
  uint64_t start = bst::bench::allocationCount();
  for (auto _ : state)
    step(x);
  bst::bench::reportAllocations(state, start);
}
BENCHMARK(BM_JitDispatch);

void BM_DirectCall(benchmark::State &state) {
  alignas(64) float a[1] = {0}, b[1] = {0}, c[1] = {0}, d[1] = {0}, x[1] = {1};
  void (*volatile fn)(float *, float *, float *, float *, const float *) =
      bst::bench::dispatchWorkHandwritten;
  for (auto _ : state) {
    fn(a, b, c, d, x);
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_DirectCall);

void BM_LifCompile(benchmark::State &state) {
  Lif lif(4096);
  bst::Array input = lifDrive(4096);
  auto step = bst::jit([&](const bst::Tensor &i) { lif(i); });
  step(input); // the first compile of a process also creates this thread's MLIR context
  for (auto _ : state) {
    step.clearCache();
    step(input);
  }
  state.SetLabel("trace + lower + MLIR pipeline + LLVM + JIT");
}
BENCHMARK(BM_LifCompile)->Unit(benchmark::kMillisecond)->Iterations(20);

} // namespace
