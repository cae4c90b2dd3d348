//===- CubaBenchmarks.cpp - 1 s of the CUBA network -----------------------===//
//
// BM_CubaSecond_Jit: 1 s of simulated time (10,000 steps) as one jitted bst::forLoop.
// BM_CubaSecond_Handwritten: the same model and connectivity written by hand in C++.
// BM_CubaSecond_StepCalls: 10,000 separate calls of the jitted single step: what the compiled
//   loop saves.
// Each reports the spikes per second of simulated time ("spikes"), so equal work is visible.
// BM_CubaCompile: trace, lower, MLIR pipeline, LLVM and JIT of BM_CubaSecond_Jit's loop (the
//   time is bst::jit's own measurement, CompileStats::totalMs).
// BM_CubaScaling_Jit/N, BM_CubaScaling_Handwritten/N: the network at N neurons with ~80 inputs
//   per neuron (CubaParams::withNeurons), after 40 ms of simulated warm-up, timed over chunks of
//   20 ms (200 steps); "step" is the time per step, "rate_hz" the mean rate. utils/bench.sh runs
//   N = 4000, 40000, 400000.
//
//===----------------------------------------------------------------------===//
#include "../examples/cuba/Cuba.h"
#include "AllocCounter.h"
#include "Handwritten.h"

#include "benchmark/benchmark.h"

namespace {

int32_t spikeCount(Cuba &net) { return net.spikeCount.value().leaf().item<int32_t>(); }

constexpr int64_t kScalingWarmupSteps = 400, kScalingChunkSteps = 200; // 40 ms, 20 ms

/// The per-step time, the spike count per chunk and the mean rate of a scaling benchmark.
void reportScaling(benchmark::State &state, const CubaParams &p, int64_t spikes) {
  double chunks = static_cast<double>(state.iterations());
  state.counters["step"] = benchmark::Counter(static_cast<double>(kScalingChunkSteps),
                                              benchmark::Counter::kIsIterationInvariantRate |
                                                  benchmark::Counter::kInvert);
  state.counters["spikes"] = static_cast<double>(spikes) / chunks;
  state.counters["rate_hz"] = static_cast<double>(spikes) / chunks / static_cast<double>(p.n) /
                              (static_cast<double>(kScalingChunkSteps) * p.dt / 1000);
}

/// The hand-written loop's buffers: its own copies of `net`'s initial state (mutableData copies
/// a buffer the state shares) and net's connectivity.
struct HandwrittenCuba {
  bst::Array v, ge, gi, ref, spikes;
  bst::bench::CubaArrays a;
  explicit HandwrittenCuba(const Cuba &net)
      : v(leaf(net.v)), ge(leaf(net.ge)), gi(leaf(net.gi)), ref(leaf(net.refractoryLeft)),
        spikes(leaf(net.spikes)) {
    const CubaParams &p = net.prm;
    a = {{p.n, p.excitatory, p.we, p.wi, p.taum, p.taue, p.taui, p.vt, p.vr, p.el, p.refractory,
          p.dt},
         v.mutableData<float>(),
         ge.mutableData<float>(),
         gi.mutableData<float>(),
         ref.mutableData<float>(),
         spikes.mutableData<bool>(),
         net.exc.rowPtr().data<int32_t>(),
         net.exc.cols().data<int32_t>(),
         net.inh.rowPtr().data<int32_t>(),
         net.inh.cols().data<int32_t>()};
  }
  static bst::Array leaf(const bst::State &s) { return s.value().leaf().array(); }
};

void BM_CubaSecond_Jit(benchmark::State &state) {
  Cuba net;
  int64_t steps = net.stepsFor(1.0);
  auto run = bst::jit([&](const bst::Tensor &) { bst::forLoop(steps, [&] { net.step(); }); });
  bst::Array unused = bst::zeros({1});
  run.lower(unused); // compile outside the timed loop
  int32_t before = spikeCount(net);
  for (auto _ : state)
    run(unused);
  state.counters["spikes"] =
      static_cast<double>(spikeCount(net) - before) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_CubaSecond_Jit)->Unit(benchmark::kMillisecond);

void BM_CubaSecond_Handwritten(benchmark::State &state) {
  Cuba net; // the same initial state and connectivity
  HandwrittenCuba h(net);
  int64_t steps = net.stepsFor(1.0), total = 0;
  for (auto _ : state) {
    total += bst::bench::cubaHandwritten(h.a, steps);
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
  state.counters["spikes"] =
      static_cast<double>(spikeCount(net) - before) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_CubaSecond_StepCalls)->Unit(benchmark::kMillisecond);

void BM_CubaCompile(benchmark::State &state) {
  Cuba net;
  int64_t steps = net.stepsFor(1.0);
  auto run = bst::jit([&](const bst::Tensor &) { bst::forLoop(steps, [&] { net.step(); }); });
  bst::Array unused = bst::zeros({1});
  run.lower(unused); // the first compile of a process also creates this thread's MLIR context
  for (auto _ : state) {
    run.clearCache();
    run.lower(unused);
    state.SetIterationTime(run.lastCompile().totalMs() / 1000);
  }
  state.SetLabel("trace + lower + MLIR pipeline + LLVM + JIT");
}
BENCHMARK(BM_CubaCompile)->Unit(benchmark::kMillisecond)->UseManualTime()->Iterations(5);

void BM_CubaScaling_Jit(benchmark::State &state) {
  Cuba net(CubaParams::withNeurons(state.range(0)));
  auto chunk =
      bst::jit([&](const bst::Tensor &) { bst::forLoop(kScalingChunkSteps, [&] { net.step(); }); });
  bst::Array unused = bst::zeros({1});
  for (int64_t k = 0; k < kScalingWarmupSteps / kScalingChunkSteps; ++k)
    chunk(unused); // compiles on the first call
  int32_t before = spikeCount(net);
  for (auto _ : state)
    chunk(unused);
  reportScaling(state, net.prm, spikeCount(net) - before);
}
BENCHMARK(BM_CubaScaling_Jit)->Arg(4000)->Arg(40000)->Arg(400000)->Unit(benchmark::kMillisecond);

void BM_CubaScaling_Handwritten(benchmark::State &state) {
  Cuba net(CubaParams::withNeurons(state.range(0)));
  HandwrittenCuba h(net);
  bst::bench::cubaHandwritten(h.a, kScalingWarmupSteps);
  int64_t total = 0;
  for (auto _ : state) {
    total += bst::bench::cubaHandwritten(h.a, kScalingChunkSteps);
    benchmark::ClobberMemory();
  }
  reportScaling(state, net.prm, total);
}
BENCHMARK(BM_CubaScaling_Handwritten)
    ->Arg(4000)
    ->Arg(40000)
    ->Arg(400000)
    ->Unit(benchmark::kMillisecond);

} // namespace
