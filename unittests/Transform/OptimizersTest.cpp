//===- OptimizersTest.cpp - SGD and Adam over StateMaps -------------------===//
#include "bst/Transform/Optimizers.h"
#include "bst/Jit/Jit.h"
#include "bst/Trace/Ops.h"
#include "bst/Transform/Autodiff.h"
#include "bst/Transform/ControlFlow.h"
#include "../TestUtil.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <cmath>

using namespace bst;
using bst::testing::errorOf;
using ::testing::HasSubstr;

namespace {

std::vector<double> doubles(const State &s) { return s.value().toVector<double>(); }
Array vec(std::vector<double> v) {
  int64_t n = static_cast<int64_t>(v.size());
  return Array::fromVector(v, {n});
}
StateMap gradsOf(std::vector<double> g) { return StateMap{{"w", State(vec(std::move(g)))}}; }

TEST(SgdTest, PlainAndMomentum) {
  ParamState w(vec({1, 2}), {.name = "w"});
  optim::Sgd plain(StateMap{{"w", w}}, {.lr = 0.5});
  plain.update(gradsOf({2, -4}));
  EXPECT_EQ(doubles(w), (std::vector<double>{0, 4}));
  EXPECT_TRUE(plain.states().empty());

  ParamState v(vec({0, 0}), {.name = "v"});
  optim::Sgd sgd(StateMap{{"w", v}}, {.lr = 0.1, .momentum = 0.9});
  sgd.update(gradsOf({1, 2}));     // b = g
  sgd.update(gradsOf({1, 2}));     // b = 0.9 b + g = 1.9 g
  EXPECT_NEAR(doubles(v)[0], -0.1 - 0.19, 1e-15);
  EXPECT_NEAR(doubles(v)[1], -0.2 - 0.38, 1e-15);
  ASSERT_EQ(sgd.states().paths(), (std::vector<std::string>{"momentum.w"}));
  EXPECT_TRUE(sgd.states().at("momentum.w").is<LongTermState>());
  EXPECT_NEAR(doubles(sgd.states().at("momentum.w"))[1], 3.8, 1e-15);
}

TEST(AdamTest, MatchesTheReferenceFormulas) {
  ParamState w(vec({1, -1}), {.name = "w"});
  optim::Adam adam(StateMap{{"w", w}}, {.lr = 0.1});
  std::vector<double> p{1, -1}, m{0, 0}, v{0, 0};
  std::vector<std::vector<double>> gs{{0.5, -2}, {0.1, 3}, {-1, 0.2}};
  for (size_t t = 1; t <= gs.size(); ++t) {
    adam.update(gradsOf(gs[t - 1]));
    for (int i = 0; i < 2; ++i) {
      double g = gs[t - 1][i];
      m[i] = 0.9 * m[i] + 0.1 * g;
      v[i] = 0.999 * v[i] + 0.001 * g * g;
      double mh = m[i] / (1 - std::pow(0.9, t)), vh = v[i] / (1 - std::pow(0.999, t));
      p[i] -= 0.1 * mh / (std::sqrt(vh) + 1e-8);
      EXPECT_NEAR(doubles(w)[i], p[i], 1e-12) << "step " << t;
    }
  }
  EXPECT_EQ(adam.states().paths(),
            (std::vector<std::string>{"adam.mu.w", "adam.nu.w", "adam.step"}));
  EXPECT_EQ(adam.states().at("adam.step").value().leaf().item<double>(), 3);
}

TEST(AdamTest, JittedTrainStepUpdatesInPlaceLikeEager) {
  auto run = [](bool compiled) {
    ParamState w(Tree::dict({{"a", Array::fromVector<float>({1, 2, 3}, {3})},
                             {"b", Array::scalar<float>(0.5f)}}),
                 {.name = "w"});
    optim::Adam adam(StateMap{{"w", w}}, {.lr = 0.05});
    Array x = Array::fromVector<float>({0.5f, -1, 2}, {3});
    auto loss = [&](const Tensor &x) {
      Tree v = w.value();
      Tensor d = sum(v["a"].leaf() * x) + v["b"].leaf() - 1.f;
      return d * d;
    };
    auto step = [&](const Tensor &x) {
      auto [l, g] = valueAndGrad(loss, adam.params())(x);
      adam.update(g);
      return l;
    };
    std::vector<float> losses;
    if (compiled) {
      auto jitted = jit(step);
      for (int k = 0; k < 20; ++k)
        losses.push_back(jitted(x).item<float>());
      EXPECT_EQ(jitted.cacheSize(), 1u);
    } else {
      for (int k = 0; k < 20; ++k)
        losses.push_back(step(x).item<float>());
    }
    return losses;
  };
  std::vector<float> eager = run(false), jitted = run(true);
  EXPECT_LT(eager.back(), eager.front() * 0.1f);
  for (size_t k = 0; k < eager.size(); ++k)
    EXPECT_NEAR(jitted[k], eager[k], 1e-4f * (1 + eager[k])) << k;
}

TEST(AdamTest, AWholeTrainingRunAsOneCompiledLoop) {
  // forLoop over training steps inside jit: the gradient and the update are traced into the
  // loop body; parameters and moments are the loop's carries.
  auto run = [](bool compiled) {
    ParamState w(Array::fromVector<float>({1, -1}, {2}), {.name = "w"});
    optim::Adam adam(StateMap{{"w", w}}, {.lr = 0.1});
    auto train = [&](const Tensor &target) {
      forLoop(30, [&] {
        auto [l, g] = valueAndGrad(
            [&] {
              Tensor d = w.value().leaf() - target;
              return sum(d * d);
            },
            adam.params())();
        adam.update(g);
      });
    };
    Array target = Array::fromVector<float>({0.5f, 2}, {2});
    if (compiled)
      jit(train)(target);
    else
      train(target);
    return w.value().toVector<float>();
  };
  std::vector<float> eager = run(false), jitted = run(true);
  for (size_t k = 0; k < 2; ++k)
    EXPECT_NEAR(jitted[k], eager[k], 1e-5f);
  EXPECT_NEAR(eager[0], 0.5f, 0.3f);
}

TEST(OptimizerTest, Errors) {
  ParamState w(vec({1, 2}), {.name = "w"});
  optim::Sgd sgd(StateMap{{"w", w}});
  EXPECT_THAT(errorOf([&] { sgd.update(StateMap{}); }),
              HasSubstr("optimizer update: no gradient for 'w'"));
  EXPECT_THAT(errorOf([&] { sgd.update(StateMap{{"w", State(vec({1}))}}); }),
              HasSubstr("the gradient for 'w' is f64[1] but the parameter is f64[2]"));
  EXPECT_THAT(errorOf([&] {
                sgd.update(StateMap{{"w", State(vec({1, 1}))}, {"u", State(vec({1}))}});
              }),
              HasSubstr("a gradient for 'u', which is not a parameter"));
  EXPECT_EQ(doubles(w), (std::vector<double>{1, 2}));
  ParamState n(Array::scalar<int32_t>(3), {.name = "n"});
  EXPECT_THAT(errorOf([&] { optim::Adam(StateMap{{"n", n}}); }),
              HasSubstr("only f32 and f64 parameters can be optimized"));
}

} // namespace
