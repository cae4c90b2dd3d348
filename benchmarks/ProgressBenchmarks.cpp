//===- ProgressBenchmarks.cpp - What a progress bar costs a compiled loop --===//
//
// BM_CubaSecond_JitProgress: BM_CubaSecond_Jit (1 s of the CUBA network in one jitted forLoop)
// with forLoop's progress bar on, stderr sent to /dev/null (as in a batch job: 10 plain lines
// per run). Compare the two in the same run: the bar must cost at most 2%.
//
//===----------------------------------------------------------------------===//
#include "../examples/cuba/Cuba.h"

#include "benchmark/benchmark.h"

#include <fcntl.h>
#include <unistd.h>

namespace {

/// Sends stderr to /dev/null while alive.
class SilenceStderr {
public:
  SilenceStderr() : saved_(dup(STDERR_FILENO)) {
    int null = open("/dev/null", O_WRONLY);
    dup2(null, STDERR_FILENO);
    close(null);
  }
  ~SilenceStderr() {
    dup2(saved_, STDERR_FILENO);
    close(saved_);
  }

private:
  int saved_;
};

void BM_CubaSecond_JitProgress(benchmark::State &state) {
  Cuba net;
  int64_t steps = net.stepsFor(1.0);
  auto run = bst::jit([&](const bst::Tensor &) {
    bst::forLoop(steps, [&] { net.step(); }, {.progress = true});
  });
  bst::Array unused = bst::zeros({1});
  run.lower(unused); // compile outside the timed loop
  int32_t before = net.spikeCount.value().leaf().item<int32_t>();
  {
    SilenceStderr quiet;
    for (auto _ : state)
      run(unused);
  }
  state.counters["spikes"] =
      static_cast<double>(net.spikeCount.value().leaf().item<int32_t>() - before) /
      static_cast<double>(state.iterations());
}
BENCHMARK(BM_CubaSecond_JitProgress)->Unit(benchmark::kMillisecond);

} // namespace
