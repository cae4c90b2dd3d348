//===- cuba/main.cpp - 1 s of the CUBA network in one compiled loop -------===//
//
//   cuba [seconds=1] [--n N] [--spikes FILE.csv] [--raster FILE.png]
//
// Builds the CUBA network (examples/cuba/Cuba.h) of N neurons (default 4000; N != 4000 keeps
// about 80 inputs per neuron, CubaParams::withNeurons), compiles one bst::forLoop over all its
// steps with bst::jit, runs it, and prints the spike count, the mean firing rate, the compile
// time and the run time.
//
// --spikes FILE.csv records every spike (time in ms, neuron) instead: the jitted single step is
// called once per step and the spikes read after each. --raster FILE.png also records them (to
// FILE.spikes.csv) and draws the spike raster and the population rate with plot_raster.py
// (Debian's python3-matplotlib; the interpreter is $BST_PYTHON, default /usr/bin/python3).
//
//===----------------------------------------------------------------------===//
#include "Cuba.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#ifndef BST_CUBA_PLOT_SCRIPT
#define BST_CUBA_PLOT_SCRIPT "plot_raster.py"
#endif

namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

struct Options {
  double seconds = 1.0;
  int64_t n = 4000;
  std::string spikes, raster;
};

int usage() {
  std::fprintf(stderr,
               "usage: cuba [seconds > 0] [--n N >= 5] [--spikes FILE.csv] [--raster FILE.png]\n");
  return 2;
}

bool parse(int argc, char **argv, Options &o) {
  bool positional = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    bool hasValue = i + 1 < argc;
    if (a == "--n" && hasValue) {
      char *end = nullptr;
      o.n = std::strtoll(argv[++i], &end, 10);
      if (*end != '\0' || o.n < 5)
        return false;
    } else if (a == "--spikes" && hasValue) {
      o.spikes = argv[++i];
    } else if (a == "--raster" && hasValue) {
      o.raster = argv[++i];
    } else if (!positional && !a.empty() && a[0] != '-') {
      o.seconds = std::atof(a.c_str());
      positional = true;
    } else {
      return false;
    }
  }
  // The plot command quotes paths with single quotes.
  for (const std::string *path : {&o.spikes, &o.raster})
    if (path->find('\'') != std::string::npos)
      return false;
  return o.seconds > 0;
}

/// Runs the network step by step, writing each spike as "time_ms,neuron" to `path`; returns the
/// run time in ms.
double runRecording(Cuba &net, int64_t steps, const std::string &path) {
  std::ofstream out(path);
  if (!out) {
    std::fprintf(stderr, "cuba: cannot write %s\n", path.c_str());
    std::exit(1);
  }
  out << "# CUBA n=" << net.prm.n << " excitatory=" << net.prm.excitatory << " dt_ms=" << net.prm.dt
      << " steps=" << steps << "\ntime_ms,neuron\n";
  auto step = bst::jit([&](const bst::Tensor &) { net.step(); });
  bst::Array unused = bst::zeros({1});
  step.lower(unused);
  auto t0 = Clock::now();
  for (int64_t k = 0; k < steps; ++k) {
    step(unused);
    bst::Tree spikes = net.spikes.value(); // dropped before the next step: no copy-on-write
    const bool *fired = spikes.leaf().array().data<bool>();
    for (int64_t i = 0; i < net.prm.n; ++i)
      if (fired[i])
        out << static_cast<double>(k + 1) * net.prm.dt << ',' << i << '\n';
  }
  double ms = msSince(t0);
  if (!out.flush()) {
    std::fprintf(stderr, "cuba: writing %s failed\n", path.c_str());
    std::exit(1);
  }
  return ms;
}

} // namespace

int main(int argc, char **argv) {
  Options o;
  if (!parse(argc, argv, o))
    return usage();
  std::string spikesPath = o.spikes;
  if (!o.raster.empty() && spikesPath.empty()) {
    std::string stem = o.raster;
    if (stem.size() > 4 && stem.compare(stem.size() - 4, 4, ".png") == 0)
      stem.resize(stem.size() - 4);
    spikesPath = stem + ".spikes.csv";
  }

  auto t0 = Clock::now();
  Cuba net(CubaParams::withNeurons(o.n)); // at 4000: the defaults
  double buildMs = msSince(t0);
  int64_t steps = net.stepsFor(o.seconds);
  auto run = bst::jit([&](const bst::Tensor &) { bst::forLoop(steps, [&] { net.step(); }); });
  bst::Array unused = bst::zeros({1});

  double compileMs = 0, runMs = 0;
  if (spikesPath.empty()) {
    t0 = Clock::now();
    bst::Lowered lowered = run.lower(unused); // trace and compile, without running
    compileMs = msSince(t0);
    t0 = Clock::now();
    run(unused);
    runMs = msSince(t0);
  } else {
    runMs = runRecording(net, steps, spikesPath);
  }

  int64_t count = net.spikeCount.value().leaf().item<int32_t>();
  std::printf("CUBA: %lld neurons, %lld + %lld synapses, %.3g s simulated (%lld steps)\n",
              static_cast<long long>(net.prm.n), static_cast<long long>(net.exc.numSynapses()),
              static_cast<long long>(net.inh.numSynapses()), o.seconds,
              static_cast<long long>(steps));
  std::printf("spikes: %lld, mean rate: %.2f Hz\n", static_cast<long long>(count),
              static_cast<double>(count) / static_cast<double>(net.prm.n) / o.seconds);
  if (spikesPath.empty()) {
    std::printf(
        "network built in %.1f ms, compiled in %.1f ms, ran in %.1f ms (%.2f us per step)\n",
        buildMs, compileMs, runMs, 1000 * runMs / static_cast<double>(steps));
  } else {
    std::printf("network built in %.1f ms, ran step by step in %.1f ms, spikes written to %s\n",
                buildMs, runMs, spikesPath.c_str());
  }
  if (!o.raster.empty()) {
    const char *python = std::getenv("BST_PYTHON");
    std::string cmd = std::string(python ? python : "/usr/bin/python3") + " '" +
                      BST_CUBA_PLOT_SCRIPT + "' '" + spikesPath + "' '" + o.raster + "'";
    std::fflush(stdout);
    if (std::system(cmd.c_str()) != 0) {
      std::fprintf(stderr, "cuba: plotting failed: %s\n", cmd.c_str());
      return 1;
    }
  }
  return count > 0 ? 0 : 1;
}
