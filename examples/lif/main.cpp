//===- lif/main.cpp - A spiking population compiled with bst::jit ---------===//
//
//   lif [neurons=4000] [steps=10000]
//
// Builds a LIF population (examples/lif/Lif.h), compiles its step with bst::jit, runs it, and
// prints the compile time, the time per step and the spike count, and checks the compiled run
// against eager execution of the same step on a copy.
//
//===----------------------------------------------------------------------===//
#include "Lif.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>

int main(int argc, char **argv) {
  const int64_t n = argc > 1 ? std::atoll(argv[1]) : 4000;
  const int steps = argc > 2 ? std::atoi(argv[2]) : 10000;
  if (n <= 0 || steps <= 0) {
    std::fprintf(stderr, "usage: lif [neurons > 0] [steps > 0]\n");
    return 2;
  }
  Lif lif(n);
  bst::Array input = lifDrive(n);
  auto step = bst::jit([&](const bst::Tensor &i) { lif(i); });

  using Clock = std::chrono::steady_clock;
  auto start = Clock::now();
  step(input); // traces, lowers to MLIR, compiles with LLVM
  double firstMs = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  bst::CompileStats c = step.lastCompile();

  double spikes = 0;
  start = Clock::now();
  for (int k = 1; k < steps; ++k) {
    step(input);
    for (float s : lif.spike.value().toVector<float>()) // counting is not part of the step
      spikes += s;
  }
  double totalUs = std::chrono::duration<double, std::micro>(Clock::now() - start).count();
  // Time the steps alone, without the host-side counting above.
  start = Clock::now();
  for (int k = 0; k < 1000; ++k)
    step(input);
  double stepUs = std::chrono::duration<double, std::micro>(Clock::now() - start).count() / 1000;

  // The same steps as one compiled loop: one call, the states carried in place.
  Lif looped(n);
  auto run = bst::jit([&](const bst::Tensor &i) { bst::forLoop(steps, [&] { looped(i); }); });
  run(input); // compile
  looped.v.setValue(bst::zeros({n}));
  start = Clock::now();
  run(input);
  double loopUs = std::chrono::duration<double, std::micro>(Clock::now() - start).count() / steps;

  // The same number of steps, eagerly, from a fresh population: the oracle.
  Lif eager(n);
  double eagerSpikes = 0;
  for (int k = 0; k < steps; ++k) {
    eager(input);
    if (k > 0)
      for (float s : eager.spike.value().toVector<float>())
        eagerSpikes += s;
  }

  std::printf("LIF population: %lld neurons, %d steps of 0.1 ms\n", static_cast<long long>(n),
              steps);
  std::printf("compile: %.1f ms (trace %.1f, lower %.1f, MLIR pipeline %.1f, LLVM %.1f)\n",
              firstMs, c.traceMs, c.lowerMs, c.pipelineMs, c.llvmMs);
  std::printf("step: %.3f us (%.3f ns per neuron)\n", stepUs, 1000 * stepUs / n);
  std::printf("step in one compiled forLoop: %.3f us\n", loopUs);
  std::printf("spikes: %.0f (eager: %.0f) in %.1f ms with counting\n", spikes, eagerSpikes,
              totalUs / 1000);
  if (spikes != eagerSpikes) {
    std::fprintf(stderr, "error: compiled and eager spike counts differ\n");
    return 1;
  }
  return 0;
}
