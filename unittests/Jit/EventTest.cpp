//===- EventTest.cpp - Connectivity and the event-driven eventSum ---------===//
#include "bst/Jit/Jit.h"
#include "bst/Trace/Connectivity.h"
#include "bst/Trace/Ops.h"
#include "bst/Transform/ControlFlow.h"
#include "../../examples/cuba/Cuba.h"
#include "../TestUtil.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <random>

using namespace bst;
using bst::testing::errorOf;
using ::testing::HasSubstr;

namespace {

Array randomSpikes(int64_t n, double rate, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<bool> s(n);
  for (int64_t i = 0; i < n; ++i)
    s[i] = (rng() % 1000) < rate * 1000;
  return Array::fromVector(s, {n});
}

/// The dense reference: out[j] = sum_i spikes[i] * W[i, j].
std::vector<float> denseReference(const Connectivity &c, const Array &spikes) {
  Array w = c.toDense();
  std::vector<bool> s = spikes.toVector<bool>();
  std::vector<float> out(c.numPost(), 0.f);
  const float *p = w.data<float>();
  for (int64_t i = 0; i < c.numPre(); ++i)
    if (s[i])
      for (int64_t j = 0; j < c.numPost(); ++j)
        out[j] += p[i * c.numPost() + j];
  return out;
}

TEST(ConnectivityTest, FixedProbabilityIsReproducibleAndHasTheRightDensity) {
  Connectivity a = Connectivity::fixedProbability(1000, 800, 0.02, 42, 0.5f);
  Connectivity b = Connectivity::fixedProbability(1000, 800, 0.02, 42, 0.5f);
  Connectivity c = Connectivity::fixedProbability(1000, 800, 0.02, 43, 0.5f);
  EXPECT_TRUE(a.cols().equals(b.cols()));
  EXPECT_TRUE(a.rowPtr().equals(b.rowPtr()));
  EXPECT_FALSE(a.cols().equals(c.cols()));
  // 16,000 expected synapses; the standard deviation is about 125.
  EXPECT_NEAR(static_cast<double>(a.numSynapses()), 16000, 700);
  EXPECT_EQ(a.weights().toVector<float>()[0], 0.5f);
  EXPECT_EQ(Connectivity::fixedProbability(10, 10, 0, 1).numSynapses(), 0);
  EXPECT_EQ(Connectivity::fixedProbability(10, 7, 1, 1).numSynapses(), 70);
}

TEST(ConnectivityTest, InvalidCsrIsRejected) {
  auto make = [](std::vector<int32_t> rowPtr, std::vector<int32_t> cols) {
    int64_t pre = static_cast<int64_t>(rowPtr.size()) - 1, nnz = cols.size();
    return Connectivity(pre, 3, Array::fromVector(rowPtr, {pre + 1}),
                        Array::fromVector(cols, {nnz}), full({nnz}, 1.f));
  };
  EXPECT_EQ(errorOf([&] { make({0, 2, 1}, {0, 1}); }),
            "Connectivity: rowPtr must start at 0 and end at the number of synapses (2), got 0 "
            "and 1");
  EXPECT_EQ(errorOf([&] { make({0, 2, 1, 2}, {0, 1}); }),
            "Connectivity: rowPtr must not decrease, but rowPtr[2] = 1 < rowPtr[1] = 2");
  EXPECT_EQ(errorOf([&] { make({0, 1, 2}, {0, 5}); }),
            "Connectivity: cols[1] = 5 is not a neuron of the 3 postsynaptic ones");
  EXPECT_THAT(errorOf([] { Connectivity::fixedProbability(2, 2, 1.5, 0); }),
              HasSubstr("the connection probability must be in [0, 1], got 1.5"));
}

TEST(EventSumTest, EagerMatchesTheDenseProduct) {
  Connectivity c = Connectivity::fixedProbability(300, 200, 0.1, 7, 1.f);
  // Non-uniform weights, too.
  std::vector<float> w(c.numSynapses());
  for (size_t k = 0; k < w.size(); ++k)
    w[k] = 0.25f * static_cast<float>(k % 7) - 0.5f;
  Connectivity weighted(c.numPre(), c.numPost(), c.rowPtr(), c.cols(),
                        Array::fromVector(w, {c.numSynapses()}));
  for (const Connectivity *conn : {&c, &weighted}) {
    Array spikes = randomSpikes(300, 0.2, 3);
    std::vector<float> got = eventSum(*conn, spikes).toVector<float>();
    std::vector<float> want = denseReference(*conn, spikes);
    for (int64_t j = 0; j < conn->numPost(); ++j)
      EXPECT_NEAR(got[j], want[j], 1e-4) << j;
  }
}

TEST(EventSumTest, CompiledMatchesEagerAlsoInsideALoop) {
  Connectivity c = Connectivity::fixedProbability(400, 300, 0.05, 11, 0.75f);
  HiddenState g(zeros({300}), {.name = "g"});
  HiddenState gEager(zeros({300}), {.name = "g"});
  auto step = [&](HiddenState &state, const Tensor &spikes) {
    state.setValue(state.value() * 0.9f + eventSum(c, spikes));
  };
  Array spikes = randomSpikes(400, 0.1, 5);
  auto compiled = jit([&](const Tensor &s) { forLoop(20, [&] { step(g, s); }); });
  compiled(spikes);
  for (int k = 0; k < 20; ++k)
    step(gEager, spikes);
  std::vector<float> got = g.value().toVector<float>(), want = gEager.value().toVector<float>();
  for (size_t j = 0; j < got.size(); ++j)
    EXPECT_NEAR(got[j], want[j], 1e-4 * (1 + std::abs(want[j]))) << j;
  EXPECT_THAT(compiled.lower(spikes).program, HasSubstr("event_sum"));
}

TEST(EventSumTest, SpikesMustMatchThePresynapticPopulation) {
  Connectivity c = Connectivity::fixedProbability(4, 3, 0.5, 1);
  EXPECT_EQ(errorOf([&] { eventSum(c, zeros({5}, boolean)); }),
            "eventSum: spikes must be bool[4] (one per presynaptic neuron), got bool[5]; compare "
            "the membrane potential with the threshold, and slice out the presynaptic "
            "population");
}

} // namespace

namespace {

TEST(CubaTest, OneCompiledLoopMatchesEagerSteps) {
  CubaParams small;
  small.n = 1000;
  small.excitatory = 800;
  small.p = 0.05; // keep the activity of the original at a quarter of its size
  Cuba eager(small), compiled(small);
  int64_t steps = 300;
  for (int64_t k = 0; k < steps; ++k)
    eager.step();
  auto run = jit([&](const Tensor &) { forLoop(steps, [&] { compiled.step(); }); });
  run(zeros({1}));
  int32_t eagerCount = eager.spikeCount.value().leaf().item<int32_t>();
  EXPECT_GT(eagerCount, 50);
  EXPECT_EQ(compiled.spikeCount.value().leaf().item<int32_t>(), eagerCount);
  std::vector<float> ve = eager.v.value().toVector<float>(), vc = compiled.v.value().toVector<float>();
  for (size_t i = 0; i < ve.size(); ++i)
    ASSERT_NEAR(vc[i], ve[i], 1e-3) << i;
  EXPECT_EQ(compiled.spikes.value().toVector<bool>(), eager.spikes.value().toVector<bool>());
}
} // namespace
