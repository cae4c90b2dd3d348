//===- cuba/main.cpp - 1 s of the CUBA network in one compiled loop -------===//
//
//   cuba [seconds=1]
//
// Builds the CUBA network (examples/cuba/Cuba.h), compiles one bst::forLoop over all its steps
// with bst::jit, runs it, and prints the spike count, the mean firing rate, the compile time and
// the run time.
//
//===----------------------------------------------------------------------===//
#include "Cuba.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>

int main(int argc, char **argv) {
  double seconds = argc > 1 ? std::atof(argv[1]) : 1.0;
  if (!(seconds > 0)) {
    std::fprintf(stderr, "usage: cuba [seconds > 0]\n");
    return 2;
  }
  using Clock = std::chrono::steady_clock;
  auto t0 = Clock::now();
  Cuba net;
  double buildMs = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  int64_t steps = net.stepsFor(seconds);
  auto run = bst::jit([&](const bst::Tensor &) { bst::forLoop(steps, [&] { net.step(); }); });
  bst::Array unused = bst::zeros({1});

  t0 = Clock::now();
  bst::Lowered lowered = run.lower(unused); // trace and compile, without running
  double compileMs = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  t0 = Clock::now();
  run(unused);
  double runMs = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();

  int64_t count = net.spikeCount.value().leaf().item<int32_t>();
  std::printf("CUBA: %lld neurons, %lld + %lld synapses, %.3g s simulated (%lld steps)\n",
              static_cast<long long>(net.prm.n), static_cast<long long>(net.exc.numSynapses()),
              static_cast<long long>(net.inh.numSynapses()), seconds,
              static_cast<long long>(steps));
  std::printf("spikes: %lld, mean rate: %.2f Hz\n", static_cast<long long>(count),
              static_cast<double>(count) / net.prm.n / seconds);
  std::printf("network built in %.1f ms, compiled in %.1f ms, ran in %.1f ms (%.2f us per step)\n",
              buildMs, compileMs, runMs, 1000 * runMs / static_cast<double>(steps));
  (void)lowered;
  return count > 0 ? 0 : 1;
}
