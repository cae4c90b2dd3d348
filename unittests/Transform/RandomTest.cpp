//===- RandomTest.cpp - RandomState eager, compiled and in compiled loops --===//
//
// The stream guarantee of bst::RandomState: the same seed gives the same numbers eagerly,
// compiled, in 100 single compiled calls and in one compiled forLoop(100) (bit for bit except
// normal, which compiled f32 code computes with approximations of log and cos: see
// kNormalToleranceF32); the distributions' moments; split; seed; errors.
//
//===----------------------------------------------------------------------===//
#include "bst/Transform/Random.h"
#include "../TestUtil.h"
#include "bst/Jit/Jit.h"
#include "bst/Trace/Ops.h"
#include "bst/Transform/ControlFlow.h"

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <optional>

using namespace bst;
using bst::testing::errorOf;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;

namespace {

/// |compiled - eager| <= tolerance * (1 + |eager|) for normal draws (docs/random.md): compiled
/// f32 code computes log and cos with polynomial approximations (measured worst 5.4e-7 over 2^20
/// draws); f64 calls the C library's, as the eager kernels do.
constexpr double kNormalToleranceF32 = 2e-6;
constexpr double kNormalToleranceF64 = 1e-12;

int64_t counterOf(const RandomState &r) { return r.counter().item<int64_t>(); }

/// Every draw of `draws(rng)`, eager and compiled, from two generators seeded alike.
void expectEagerEqualsCompiled(const std::function<Tensor(RandomState &)> &draws) {
  RandomState eager(42), compiled(42);
  Array want = draws(eager).array();
  auto f = jit([&] { return draws(compiled); });
  Array got = f().array();
  EXPECT_TRUE(got.equals(want)) << "compiled " << got.toString() << "\neager " << want.toString();
  EXPECT_EQ(counterOf(compiled), counterOf(eager));
}

TEST(RandomStateTest, EagerAndCompiledDrawTheSameBits) {
  expectEagerEqualsCompiled([](RandomState &r) { return r.bits({1000}); });
  expectEagerEqualsCompiled([](RandomState &r) { return r.bits({7, 9}, i64); });
  expectEagerEqualsCompiled([](RandomState &r) { return r.uniform({1000}); });
  expectEagerEqualsCompiled([](RandomState &r) { return r.uniform({3, 5, 7}, -2.0, 3.5); });
  expectEagerEqualsCompiled([](RandomState &r) { return r.uniform({1000}, 0, 1, f64); });
  expectEagerEqualsCompiled([](RandomState &r) { return r.uniform({}, 10, 20, f64); });
  expectEagerEqualsCompiled([](RandomState &r) { return r.bernoulli(0.3, {1000}); });
  expectEagerEqualsCompiled([](RandomState &r) { return r.randint(-5, 17, {1000}); });
  expectEagerEqualsCompiled(
      [](RandomState &r) { return r.randint(0, int64_t{1} << 40, {99}, i64); });
  expectEagerEqualsCompiled([](RandomState &r) {
    Array p = Array::fromVector(std::vector<float>{0.f, 0.25f, 0.5f, 1.f}, {4});
    return r.bernoulli(broadcastTo(reshape(Tensor(p), {1, 4}), {256, 4}));
  });
  // Several draws from one generator: each continues where the previous one stopped.
  expectEagerEqualsCompiled([](RandomState &r) {
    Tensor a = r.uniform({100});
    Tensor b = r.uniform({100});
    return concatenate({a, b, cast(r.bernoulli(0.5, {100}), f32)});
  });
}

TEST(RandomStateTest, CompiledNormalMatchesEagerWithinTheTolerance) {
  for (DType dtype : {f32, f64}) {
    RandomState eager(7), compiled(7);
    const int64_t n = 1 << 20;
    Array want = cast(eager.normal({n}, 0, 1, dtype), f64).array();
    auto f = jit([&] { return cast(compiled.normal({n}, 0, 1, dtype), f64); });
    Array got = f().array();
    const double *g = got.data<double>(), *w = want.data<double>();
    double worst = 0;
    for (int64_t i = 0; i < n; ++i)
      worst = std::max(worst, std::abs(g[i] - w[i]) / (1 + std::abs(w[i])));
    EXPECT_LE(worst, dtype == f32 ? kNormalToleranceF32 : kNormalToleranceF64) << dtypeName(dtype);
    RecordProperty(absl::StrCat("worst_", dtypeName(dtype)).c_str(), absl::StrCat(worst));
    EXPECT_EQ(counterOf(compiled), n);
  }
}

/// A model drawing from one generator at each step and keeping every step's numbers.
struct Noisy {
  static constexpr int64_t kSteps = 100, kN = 64;
  RandomState rng{2024, {.name = "rng"}};
  HiddenState history{zeros({kSteps, 3 * kN}), {.name = "history"}};
  void step(const Tensor &i) {
    Tensor row = concatenate(
        {rng.uniform({kN}), rng.normal({kN}, 1.0, 0.5), cast(rng.bernoulli(0.2, {kN}), f32)});
    history.setValue(dynamicUpdateSlice(history.value(), reshape(row, {1, 3 * kN}),
                                        {DynamicIndex(i), DynamicIndex(int64_t{0})}));
  }
};

TEST(RandomStateTest, HundredCompiledCallsEqualOneCompiledLoopAndEagerSteps) {
  Noisy eager, calls, loop;
  for (int64_t i = 0; i < Noisy::kSteps; ++i)
    eager.step(Array::scalar<int64_t>(i));
  auto step = jit([&](const Tensor &i) { calls.step(i); });
  for (int64_t i = 0; i < Noisy::kSteps; ++i)
    step(Array::scalar<int64_t>(i));
  auto run = jit([&] { forLoop(Noisy::kSteps, [&](const Tensor &i) { loop.step(i); }); });
  run();
  Array h = loop.history.value().leaf().array();
  // The two compiled runs agree bit for bit, normals included.
  EXPECT_TRUE(h.equals(calls.history.value().leaf().array()));
  // Eager: uniform and bernoulli bit for bit, normal within the tolerance.
  const float *c = h.data<float>();
  const float *e = eager.history.value().leaf().array().data<float>();
  for (int64_t s = 0; s < Noisy::kSteps; ++s) {
    for (int64_t j = 0; j < 3 * Noisy::kN; ++j) {
      int64_t k = s * 3 * Noisy::kN + j;
      bool isNormal = j >= Noisy::kN && j < 2 * Noisy::kN;
      if (isNormal)
        EXPECT_NEAR(c[k], e[k], kNormalToleranceF32 * (1 + std::abs(e[k]))) << s << " " << j;
      else
        EXPECT_EQ(c[k], e[k]) << s << " " << j;
    }
  }
  int64_t drawn = Noisy::kSteps * 3 * Noisy::kN;
  EXPECT_EQ(counterOf(eager.rng), drawn);
  EXPECT_EQ(counterOf(calls.rng), drawn);
  EXPECT_EQ(counterOf(loop.rng), drawn);
  EXPECT_EQ(eager.rng.key().item<int64_t>(), 2024);
  EXPECT_EQ(loop.rng.key().item<int64_t>(), 2024);
  // Steps differ from one another: the counter advanced.
  EXPECT_NE(c[0], c[3 * Noisy::kN]);
}

/// Mean, variance and tails of 10^6 compiled draws, each within 5 standard errors.
TEST(RandomStateTest, DistributionsHaveTheirMoments) {
  const int64_t n = 1000000;
  RandomState rng(11);
  auto f = jit([&] {
    return Tree::list({rng.uniform({n}, 0, 1, f64), rng.normal({n}, 0, 1, f64),
                       cast(rng.normal({n}), f64), rng.bernoulli(0.3, {n}),
                       rng.randint(0, 10, {n})});
  });
  Tree out = f();
  auto moments = [&](const std::vector<double> &x) {
    double mean = 0, var = 0, lag = 0;
    for (double v : x)
      mean += v;
    mean /= n;
    for (int64_t i = 0; i < n; ++i) {
      var += (x[i] - mean) * (x[i] - mean);
      if (i > 0)
        lag += (x[i] - mean) * (x[i - 1] - mean);
    }
    return std::array<double, 3>{mean, var / n, lag / var};
  };
  double se = 1 / std::sqrt(static_cast<double>(n));
  // Uniform [0, 1): mean 1/2, variance 1/12 (standard error sqrt((1/80 - 1/144) / n)).
  std::vector<double> u = out[0].toVector<double>();
  auto [um, uv, ul] = moments(u);
  EXPECT_NEAR(um, 0.5, 5 * std::sqrt(1.0 / 12) * se);
  EXPECT_NEAR(uv, 1.0 / 12, 5 * std::sqrt(1.0 / 80 - 1.0 / 144) * se);
  EXPECT_NEAR(ul, 0, 5 * se); // no correlation between neighbours
  std::vector<int64_t> bins(10);
  for (double v : u)
    ++bins[static_cast<int>(v * 10)];
  for (int64_t b : bins)
    EXPECT_NEAR(b, n / 10, 5 * std::sqrt(n * 0.1 * 0.9));
  // Normal, f64 and f32: mean 0, variance 1 (standard error sqrt(2 / n)), P(|z| > 2) = 0.0455.
  for (int k : {1, 2}) {
    std::vector<double> z = out[k].toVector<double>();
    auto [zm, zv, zl] = moments(z);
    EXPECT_NEAR(zm, 0, 5 * se) << k;
    EXPECT_NEAR(zv, 1, 5 * std::sqrt(2.0) * se) << k;
    EXPECT_NEAR(zl, 0, 5 * se) << k;
    double tail = 0;
    for (double v : z)
      tail += std::abs(v) > 2;
    double p2 = std::erfc(2 / std::sqrt(2.0));
    EXPECT_NEAR(tail / n, p2, 5 * std::sqrt(p2 * (1 - p2)) * se) << k;
  }
  // Bernoulli(0.3): the rate.
  std::vector<bool> hits = out[3].toVector<bool>();
  double rate = static_cast<double>(std::count(hits.begin(), hits.end(), true)) / n;
  EXPECT_NEAR(rate, 0.3, 5 * std::sqrt(0.3 * 0.7) * se);
  // randint(0, 10): every value in range, each about a tenth.
  std::vector<int64_t> counts(10);
  for (int32_t v : out[4].toVector<int32_t>()) {
    ASSERT_TRUE(v >= 0 && v < 10) << v;
    ++counts[v];
  }
  for (int64_t c : counts)
    EXPECT_NEAR(c, n / 10, 5 * std::sqrt(n * 0.1 * 0.9));
}

TEST(RandomStateTest, ShapesAndDtypes) {
  RandomState rng(1);
  EXPECT_EQ(rng.uniform({2, 3}).abstract().toString(), "f32[2,3]");
  EXPECT_EQ(rng.normal({4}, 0, 1, f64).abstract().toString(), "f64[4]");
  EXPECT_EQ(rng.bernoulli(0.5, {}).abstract().toString(), "bool[]");
  EXPECT_EQ(rng.randint(0, 3, {5}, i64).abstract().toString(), "i64[5]");
  EXPECT_EQ(rng.bits({0}).abstract().toString(), "i32[0]");
  EXPECT_EQ(counterOf(rng), 6 + 4 + 1 + 5 + 0);
  EXPECT_EQ(rng.signature().toString(), "{counter: i64[], key: i64[]}");
  for (float v : rng.uniform({1000}, -1, 1).toVector<float>())
    ASSERT_TRUE(v >= -1 && v < 1) << v;
  EXPECT_EQ(rng.bernoulli(0.0, {100}).toVector<bool>(), std::vector<bool>(100, false));
  EXPECT_EQ(rng.bernoulli(1.0, {100}).toVector<bool>(), std::vector<bool>(100, true));
}

TEST(RandomStateTest, SeedRestartsTheStream) {
  RandomState a(5), b(5);
  std::vector<float> first = a.uniform({10}).toVector<float>();
  EXPECT_EQ(b.uniform({10}).toVector<float>(), first);
  EXPECT_NE(a.uniform({10}).toVector<float>(), first);
  a.seed(5);
  EXPECT_EQ(counterOf(a), 0);
  EXPECT_EQ(a.uniform({10}).toVector<float>(), first);
  EXPECT_NE(RandomState(6).uniform({10}).toVector<float>(), first);
  // Under jit, seed() writes constants: every call draws the same numbers.
  auto f = jit([&] {
    a.seed(5);
    return a.uniform({10});
  });
  EXPECT_EQ(f().toVector<float>(), first);
  EXPECT_EQ(f().toVector<float>(), first);
}

TEST(RandomStateTest, SplitGivesIndependentReproducibleGenerators) {
  RandomState parent(3);
  RandomState child = parent.split({.name = "child"});
  EXPECT_EQ(counterOf(parent), 1);
  EXPECT_EQ(counterOf(child), 0);
  EXPECT_NE(child.key().item<int64_t>(), parent.key().item<int64_t>());
  EXPECT_EQ(child.name(), "child");
  EXPECT_TRUE(child.is<RandomState>());
  // The child's key is the parent's next 64 bits.
  RandomState same(3);
  EXPECT_EQ(child.key().item<int64_t>(), same.bits({}, i64).item<int64_t>());
  // Splitting again gives another generator; splitting is reproducible from the seed.
  RandomState second = parent.split();
  EXPECT_NE(second.key().item<int64_t>(), child.key().item<int64_t>());
  RandomState again(3);
  EXPECT_EQ(again.split().key().item<int64_t>(), child.key().item<int64_t>());
  // The streams are uncorrelated.
  const int64_t n = 100000;
  std::vector<float> x = parent.uniform({n}).toVector<float>();
  std::vector<float> y = child.uniform({n}).toVector<float>();
  double sxy = 0;
  for (int64_t i = 0; i < n; ++i)
    sxy += (x[i] - 0.5) * (y[i] - 0.5);
  EXPECT_NEAR(sxy / n * 12, 0, 5 / std::sqrt(static_cast<double>(n)));
}

TEST(RandomStateTest, SplitInsideJitMatchesEager) {
  RandomState eager(9), compiled(9);
  auto draw = [](RandomState &r) {
    RandomState child = r.split();
    return concatenate({child.uniform({50}), r.uniform({50})});
  };
  Array want = draw(eager).array();
  auto f = jit([&] { return draw(compiled); });
  EXPECT_TRUE(f().array().equals(want));
  EXPECT_EQ(counterOf(compiled), 51);
  // A generator split inside a trace belongs to it: using it afterwards is an error.
  std::optional<RandomState> leaked;
  auto g = jit([&] {
    leaked.emplace(compiled.split());
    return leaked->uniform({4});
  });
  g();
  EXPECT_THAT(errorOf([&] { leaked->uniform({4}); }), HasSubstr("trace"));
}

TEST(RandomStateTest, UnusedDrawsStillAdvanceTheCounter) {
  RandomState rng(1);
  auto f = jit([&] { rng.uniform({1000}); });
  f();
  EXPECT_EQ(counterOf(rng), 1000);
  EXPECT_THAT(f.lower().program, ::testing::Not(HasSubstr("philox")));
  // Two draws of one shape in one trace are two draws (different counters), not one.
  auto g = jit([&] { return rng.uniform({8}) - rng.uniform({8}); });
  EXPECT_NE(g().toVector<float>(), std::vector<float>(8, 0.f));
  EXPECT_EQ(counterOf(rng), 1000 + 16);
}

TEST(RandomStateTest, TheKeyIsOnlyRead) {
  // A draw writes the key back unchanged: the compiled function does not write its slot, so
  // the key can be returned too, and a loop does not carry it.
  RandomState rng(5, {.name = "rng"});
  auto f = jit([&] {
    Tensor u = rng.uniform({4});
    return Tree::list({u, rng.key()});
  });
  EXPECT_EQ(f()[1].leaf().item<int64_t>(), 5);
  EXPECT_THAT(f.lower().program,
              ContainsRegex("state \"rng.key\" RandomState i64\\[\\] in %[0-9]+\n"));
  auto g = jit([&] {
    forLoop(3, [&] { rng.uniform({4}); });
    return rng.key();
  });
  EXPECT_EQ(g().item<int64_t>(), 5);
  EXPECT_EQ(counterOf(rng), 4 + 12);
  EXPECT_THAT(g.lower().program, ContainsRegex("= for_loop %[0-9]+ \\{count=3\\} : i64\\[\\] \\{"));
  // A draw in one branch of a cond: the key passes through the branch unchanged too.
  auto h = jit([&](const Tensor &x) {
    cond(
        x > 0.f, [&] { rng.uniform({4}); }, [] {});
    return rng.key();
  });
  EXPECT_EQ(h(Array::scalar<float>(1.f)).item<int64_t>(), 5);
  EXPECT_EQ(h(Array::scalar<float>(-1.f)).item<int64_t>(), 5);
  EXPECT_EQ(counterOf(rng), 4 + 12 + 4);
}

TEST(RandomStateTest, Errors) {
  EXPECT_EQ(errorOf([] { RandomState r(Tree(zeros({2}, i64))); }),
            "RandomState: the value must be {counter: i64[], key: i64[]}, but it does not "
            "(expected a dict of 2, received a single tensor); create it with RandomState(seed) "
            "or RandomState::seedValue(seed)");
  RandomState rng(1, {.name = "net.rng"});
  EXPECT_EQ(errorOf([&] { rng.uniform({3}, 0, 1, i32); }),
            "RandomState::uniform: dtype must be f32 or f64, got i32");
  EXPECT_THAT(errorOf([&] { rng.bernoulli(1.5, {3}); }),
              HasSubstr("the probability must be in [0, 1], got 1.5"));
  EXPECT_THAT(errorOf([&] { rng.bernoulli(zeros({3}, i32)); }),
              HasSubstr("the probabilities must be f32 or f64, got i32[3]"));
  EXPECT_THAT(errorOf([&] { rng.randint(3, 3, {2}); }), HasSubstr("needs low < high"));
  EXPECT_THAT(errorOf([&] { rng.randint(0, int64_t{1} << 40, {2}); }),
              HasSubstr("does not fit i32"));
  EXPECT_THAT(errorOf([&] { rng.normal({2}, 0, -1); }), HasSubstr("non-negative"));
  EXPECT_THAT(errorOf([&] { rng.bits({2}, f32); }), HasSubstr("dtype must be i32 or i64"));
  EXPECT_EQ(counterOf(rng), 0); // failed draws draw nothing
  // A state of kind RandomState with another value (e.g. adopted) is rejected by name.
  State other(zeros({2}, i64), {.name = "bad"});
  EXPECT_THAT(errorOf([&] { other.as<RandomState>(); }), HasSubstr("bad"));
}

} // namespace
