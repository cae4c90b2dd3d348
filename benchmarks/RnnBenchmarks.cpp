//===- RnnBenchmarks.cpp - A tanh RNN training step, compiled -------------===//
//
// BM_RnnTrainStep_Jit: one jitted training step of the RNN of examples/train-rnn (forward over
// 50 steps as one compiled loop, backpropagation through time, Adam on the ParamStates, all
// updated in place) on the workload of benchmarks/peers/rnn_torch.py: x f32[50, 32, 128],
// target f32[32, 10], 128 hidden units, Adam lr 1e-3.
//
//===----------------------------------------------------------------------===//
#include "../examples/train-rnn/TrainRnn.h"

#include "benchmark/benchmark.h"

#include <random>

namespace {

bst::Array normal(const bst::Shape &shape, std::mt19937_64 &rng) {
  std::normal_distribution<float> dist;
  std::vector<float> v(shape.numElements());
  for (float &x : v)
    x = dist(rng);
  return bst::Array::fromVector(v, shape);
}

void BM_RnnTrainStep_Jit(benchmark::State &state) {
  const int64_t T = 50, B = 32, I = 128, H = 128, O = 10;
  Rnn net(I, H, O, /*seed=*/0);
  bst::optim::Adam opt(net.states<bst::ParamState>(), {.lr = 1e-3});
  auto trainStep = makeTrainStep(net, opt);
  std::mt19937_64 rng(0);
  bst::Array x = normal({T, B, I}, rng), target = normal({B, O}, rng);
  float first = trainStep(x, target).item<float>(); // compiles
  float loss = first;
  for (auto _ : state)
    loss = trainStep(x, target).item<float>();
  state.counters["loss_first"] = first;
  state.counters["loss_last"] = loss;
  state.counters["compile_ms"] = trainStep.lastCompile().totalMs();
}
BENCHMARK(BM_RnnTrainStep_Jit)->Unit(benchmark::kMillisecond);

} // namespace
