//===- CubaBenchmarks.cpp - 1 s of the CUBA network -----------------------===//
//
// BM_CubaSecond_Jit: 1 s of simulated time (10,000 steps) as one jitted bst::forLoop.
// BM_CubaSecond_Handwritten: the same model and connectivity written by hand in C++.
// BM_CubaSecond_StepCalls: 10,000 separate calls of the jitted single step: what the compiled
//   loop saves.
// Each reports the spikes per second of simulated time ("spikes"), so equal work is visible.
//
//===----------------------------------------------------------------------===//
#include "../examples/cuba/Cuba.h"
#include "AllocCounter.h"
#include "Handwritten.h"

#include "benchmark/benchmark.h"

namespace {

int32_t spikeCount(Cuba &net) { return net.spikeCount.value().leaf().item<int32_t>(); }

void BM_CubaSecond_Jit(benchmark::State &state) {
  Cuba net;
  int64_t steps = net.stepsFor(1.0);
  auto run = bst::jit([&](const bst::Tensor &) { bst::forLoop(steps, [&] { net.step(); }); });
  bst::Array unused = bst::zeros({1});
  run.lower(unused); // compile outside the timed loop
  int32_t before = spikeCount(net);
  for (auto _ : state)
    run(unused);
  state.counters["spikes"] = static_cast<double>(spikeCount(net) - before) /
                             static_cast<double>(state.iterations());
}
BENCHMARK(BM_CubaSecond_Jit)->Unit(benchmark::kMillisecond);

void BM_CubaSecond_Handwritten(benchmark::State &state) {
  Cuba net; // the same initial state and connectivity
  const CubaParams &p = net.prm;
  bst::Array v = net.v.value().leaf().array(), ge = net.ge.value().leaf().array(),
             gi = net.gi.value().leaf().array(), ref = net.refractoryLeft.value().leaf().array(),
             spikes = net.spikes.value().leaf().array();
  bst::bench::CubaArrays a{{p.n, p.excitatory, p.we, p.wi, p.taum, p.taue, p.taui, p.vt, p.vr,
                            p.el, p.refractory, p.dt},
                           v.mutableData<float>(),
                           ge.mutableData<float>(),
                           gi.mutableData<float>(),
                           ref.mutableData<float>(),
                           spikes.mutableData<bool>(),
                           net.exc.rowPtr().data<int32_t>(),
                           net.exc.cols().data<int32_t>(),
                           net.inh.rowPtr().data<int32_t>(),
                           net.inh.cols().data<int32_t>()};
  int64_t steps = net.stepsFor(1.0), total = 0;
  for (auto _ : state) {
    total += bst::bench::cubaHandwritten(a, steps);
    benchmark::ClobberMemory();
  }
  state.counters["spikes"] = static_cast<double>(total) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_CubaSecond_Handwritten)->Unit(benchmark::kMillisecond);

void BM_CubaSecond_StepCalls(benchmark::State &state) {
  Cuba net;
  int64_t steps = net.stepsFor(1.0);
  auto step = bst::jit([&](const bst::Tensor &) { net.step(); });
  bst::Array unused = bst::zeros({1});
  step(unused);
  int32_t before = spikeCount(net);
  for (auto _ : state)
    for (int64_t k = 0; k < steps; ++k)
      step(unused);
  state.counters["spikes"] = static_cast<double>(spikeCount(net) - before) /
                             static_cast<double>(state.iterations());
}
BENCHMARK(BM_CubaSecond_StepCalls)->Unit(benchmark::kMillisecond);

} // namespace
