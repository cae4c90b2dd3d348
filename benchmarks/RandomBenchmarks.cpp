//===- RandomBenchmarks.cpp - RandomState draws against hand-written Philox -===//
//
// BM_RandomUniform_Jit/N: a compiled step that draws N uniform floats from a RandomState into a
//   state (the Philox4x32-10 block of each element computed inside the loop that stores it).
// BM_RandomUniform_HandwrittenPerBlock/N: Philox4x32-10 by hand, four floats per block (every
//   word used): the fastest hand-written uniform generator, a quarter of bst's Philox work.
// BM_RandomUniform_HandwrittenPerElement/N: by hand, one block per element, word 0: exactly bst's
//   numbers (checked), so the ratio to BM_RandomUniform_Jit is the code generator's.
// BM_RandomNormal_Jit/N: N normal floats (two words of each block, Box-Muller).
// BM_NoisyLifStep_Jit/N vs BM_LifStep_Jit/N (JitBenchmarks.cpp): the LIF step plus a normal
//   noise current drawn inside the same loop.
//
//===----------------------------------------------------------------------===//
#include "../examples/lif/Lif.h"
#include "AllocCounter.h"
#include "Handwritten.h"

#include "bst/bst.h"

#include "benchmark/benchmark.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace {

/// Times a compiled step that stores `draw(rng, n)` into a state; `check` sees the first result.
template <class Draw, class Check>
void compiledDraw(benchmark::State &state, Draw draw, Check check) {
  int64_t n = state.range(0);
  bst::RandomState rng(1);
  bst::HiddenState out(bst::zeros({n}));
  auto step = bst::jit([&] { out.setValue(draw(rng, n)); });
  step();
  check(out.value().toVector<float>());
  uint64_t start = bst::bench::allocationCount();
  for (auto _ : state)
    step();
  bst::bench::reportAllocations(state, start);
  state.SetItemsProcessed(state.iterations() * n);
}

void BM_RandomUniform_Jit(benchmark::State &state) {
  compiledDraw(
      state, [](bst::RandomState &rng, int64_t n) { return rng.uniform({n}); },
      [](const std::vector<float> &got) {
        // The numbers are the hand-written per-element loop's.
        std::vector<float> want(got.size());
        bst::bench::uniformOnePerElementHandwritten(want.data(), want.size(), 1, 0);
        if (got != want) {
          std::fprintf(stderr, "BM_RandomUniform_Jit: bst and the hand-written loop disagree\n");
          std::abort();
        }
      });
}
BENCHMARK(BM_RandomUniform_Jit)->Arg(4096)->Arg(1048576);

template <void (*Fill)(float *, int64_t, uint64_t, uint64_t)>
void handwritten(benchmark::State &state) {
  int64_t n = state.range(0);
  bst::Array out = bst::zeros({n}); // 64-byte aligned, as bst's state buffers
  float *p = out.mutableData<float>();
  uint64_t counter = 0;
  for (auto _ : state) {
    Fill(p, n, 1, counter);
    counter += static_cast<uint64_t>(n);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * n);
}

void BM_RandomUniform_HandwrittenPerBlock(benchmark::State &state) {
  handwritten<bst::bench::uniformFourPerBlockHandwritten>(state);
}
BENCHMARK(BM_RandomUniform_HandwrittenPerBlock)->Arg(4096)->Arg(1048576);

void BM_RandomUniform_HandwrittenPerElement(benchmark::State &state) {
  handwritten<bst::bench::uniformOnePerElementHandwritten>(state);
}
BENCHMARK(BM_RandomUniform_HandwrittenPerElement)->Arg(4096)->Arg(1048576);

void BM_RandomNormal_Jit(benchmark::State &state) {
  compiledDraw(
      state, [](bst::RandomState &rng, int64_t n) { return rng.normal({n}); },
      [](const std::vector<float> &) {});
}
BENCHMARK(BM_RandomNormal_Jit)->Arg(4096)->Arg(1048576);

void BM_NoisyLifStep_Jit(benchmark::State &state) {
  int64_t n = state.range(0);
  Lif lif(n);
  bst::RandomState rng(1);
  bst::Array input = lifDrive(n);
  auto step = bst::jit([&](const bst::Tensor &i) { lif(i + rng.normal({n}, 0.0, 0.1)); });
  step(input);
  uint64_t start = bst::bench::allocationCount();
  for (auto _ : state)
    step(input);
  bst::bench::reportAllocations(state, start);
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_NoisyLifStep_Jit)->Arg(4096)->Arg(1048576);

} // namespace
