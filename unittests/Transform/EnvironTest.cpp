//===- EnvironTest.cpp - bst::environ: dt, t, i ----------------------------===//
#include "bst/Trace/Environ.h"
#include "bst/Jit/Jit.h"
#include "bst/Trace/Ops.h"
#include "bst/Transform/ControlFlow.h"
#include "../TestUtil.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

using namespace bst;
using bst::testing::errorOf;
using bst::testing::floatsOf;
using bst::testing::vec;
using ::testing::HasSubstr;

TEST(EnvironTest, ScopesNestAndOverrideTheDefaults) {
  environ::set({.dt = 0.1});
  EXPECT_EQ(environ::dt(), 0.1);
  {
    environ::Scope fine({.dt = 0.01});
    EXPECT_EQ(environ::dt(), 0.01);
    {
      environ::Scope time({.t = Tensor(Array::scalar(5.0))});
      EXPECT_EQ(environ::dt(), 0.01);
      EXPECT_EQ(environ::t().dtype(), f32);
      EXPECT_EQ(environ::t().item<float>(), 5.f);
    }
  }
  EXPECT_EQ(environ::dt(), 0.1);
  EXPECT_THAT(errorOf([] { environ::i(); }), HasSubstr("environ::i() is not set"));
  EXPECT_THAT(errorOf([] { environ::t(); }), HasSubstr("environ::t() is not set"));
  EXPECT_THAT(errorOf([] { environ::Scope bad({.dt = -1}); }),
              HasSubstr("dt must be finite and positive, got -1"));
  EXPECT_THAT(errorOf([] { environ::Scope bad({.i = Tensor(Array::scalar(1.f))}); }),
              HasSubstr("i must be an i32 or i64 scalar, got f32[]"));
  EXPECT_THAT(errorOf([] { environ::Scope bad({.precision = 16}); }),
              HasSubstr("precision must be 32 or 64"));
}

TEST(EnvironTest, ForLoopBindsTheStepIndexAndTime) {
  environ::Scope dt({.dt = 0.5});
  HiddenState sumI{Array::scalar<int64_t>(0), {.name = "sum_i"}};
  HiddenState sumT{vec({0}), {.name = "sum_t"}};
  auto body = [&] {
    sumI.setValue(sumI.value() + environ::i());
    sumT.setValue(sumT.value() + environ::t());
  };
  auto run = [&] {
    environ::Scope start({.t = Tensor(Array::scalar(10.f))});
    forLoop(4, body);
  };
  run(); // t = 10 + i * 0.5 for i = 0..3: 10 + 10.5 + 11 + 11.5
  EXPECT_EQ(sumI.value().leaf().item<int64_t>(), 6);
  EXPECT_EQ(floatsOf(sumT), (std::vector<float>{43}));
  jit([&](const Tensor &) { run(); })(vec({0}));
  EXPECT_EQ(sumI.value().leaf().item<int64_t>(), 12);
  EXPECT_EQ(floatsOf(sumT), (std::vector<float>{86}));
}

TEST(EnvironTest, JitRecompilesWhenAValueItReadChanges) {
  HiddenState v{vec({1}), {.name = "v"}};
  auto step = jit([&](const Tensor &x) { v.setValue(v.value() + x * environ::dt()); });
  environ::Scope a({.dt = 0.5});
  step(vec({2}));
  EXPECT_EQ(floatsOf(v), (std::vector<float>{2}));
  step(vec({2}));
  EXPECT_EQ(step.cacheSize(), 1u);
  {
    environ::Scope b({.dt = 0.25});
    step(vec({4}));
    EXPECT_EQ(floatsOf(v), (std::vector<float>{4}));
    EXPECT_EQ(step.cacheSize(), 2u);
  }
  step(vec({2})); // back to dt = 0.5: the first version again
  EXPECT_EQ(floatsOf(v), (std::vector<float>{5}));
  EXPECT_EQ(step.cacheSize(), 2u);
}

TEST(EnvironTest, AScopeInsideTheJittedFunctionIsPartOfIt) {
  HiddenState v{vec({0}), {.name = "v"}};
  auto step = jit([&](const Tensor &x) {
    environ::Scope inner({.dt = 2});
    v.setValue(v.value() + x * environ::dt());
  });
  environ::Scope a({.dt = 0.5});
  step(vec({1}));
  {
    environ::Scope b({.dt = 0.25}); // not read by the function: no recompile
    step(vec({1}));
  }
  EXPECT_EQ(floatsOf(v), (std::vector<float>{4}));
  EXPECT_EQ(step.cacheSize(), 1u);
}

TEST(EnvironTest, ScanBindsTheStepIndexToo) {
  auto body = [](const Tensor &c, const Tensor &) -> ScanResult {
    return {c + environ::i(), environ::i()};
  };
  ScanResult r = scan(body, Array::scalar<int64_t>(0), 4);
  EXPECT_EQ(r.carry.leaf().item<int64_t>(), 6);
  EXPECT_EQ(r.ys.toVector<int64_t>(), (std::vector<int64_t>{0, 1, 2, 3}));
}
