//===- MatmulBenchmarks.cpp - A compiled matmul against a hand-written loop ------===//
//
// BM_Matmul_Jit/32x128x128: c = x @ y for x f32[32, 128], y f32[128, 128] (the RNN's product
//   per time step, benchmarks/RnnBenchmarks.cpp), jitted, written into a ShortTermState so that
//   no result is allocated per call. "GFLOPS" counts 2*m*k*n per call.
// BM_Matmul_Handwritten/32x128x128: the same product as the loop an expert writes without
//   intrinsics (i, k, j order, restrict pointers; -O3 -march=native), over the same buffers.
//
//===----------------------------------------------------------------------===//
#include "Handwritten.h"

#include "bst/bst.h"

#include "benchmark/benchmark.h"

#include <random>
#include <vector>

namespace {

constexpr int64_t M = 32, K = 128, N = 128;

bst::Array uniform(const bst::Shape &shape, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  std::vector<float> v(shape.numElements());
  for (float &e : v)
    e = dist(rng);
  return bst::Array::fromVector(v, shape);
}

void setFlops(benchmark::State &state) {
  state.counters["GFLOPS"] = benchmark::Counter(
      static_cast<double>(2 * M * K * N) * static_cast<double>(state.iterations()) * 1e-9,
      benchmark::Counter::kIsRate);
}

void BM_Matmul_Jit(benchmark::State &state) {
  bst::Array x = uniform({M, K}, 1), y = uniform({K, N}, 2);
  bst::ShortTermState c(bst::zeros({M, N}), {.name = "c"});
  auto step = bst::jit(
      [&](const bst::Tensor &a, const bst::Tensor &b) { c.setValue(bst::matmul(a, b)); });
  step(x, y); // compile outside the timed loop
  for (auto _ : state)
    step(x, y);
  setFlops(state);
}
BENCHMARK(BM_Matmul_Jit)->Name("BM_Matmul_Jit/32x128x128");

void BM_Matmul_Handwritten(benchmark::State &state) {
  bst::Array x = uniform({M, K}, 1), y = uniform({K, N}, 2), c = bst::zeros({M, N});
  const float *px = x.data<float>(), *py = y.data<float>();
  float *pc = c.mutableData<float>();
  for (auto _ : state) {
    bst::bench::matmulHandwritten(px, py, pc, M, K, N);
    benchmark::ClobberMemory();
  }
  setFlops(state);
}
BENCHMARK(BM_Matmul_Handwritten)->Name("BM_Matmul_Handwritten/32x128x128");

} // namespace
