//===- ErrorIfTest.cpp - errorIf eagerly and in compiled code --------------===//
#include "bst/Transform/ErrorIf.h"
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

namespace {

/// The message of the CheckError `fn` throws ("" if it throws none; fails on another error).
template <class F> std::string checkMessage(F fn) {
  try {
    fn();
  } catch (const CheckError &e) {
    EXPECT_EQ(e.code(), ErrorCode::Check);
    return e.what();
  }
  return "";
}

struct Neuron {
  HiddenState v{vec({0, 0, 0}), {.name = "v"}};
  LongTermState steps{Array::scalar<int32_t>(0), {.name = "steps"}};
  ShortTermState untouched{vec({7}), {.name = "untouched"}};
  /// v += input; counts steps; fails when v exceeds 10.
  void step(const Tensor &input) {
    v.setValue(v.value() + input);
    steps.setValue(steps.value() + 1);
    errorIf(reduceMax(v.value()) > 10.f, "v = {} exceeded 10 after {} steps",
            reduceMax(v.value()), steps.value());
  }
};

} // namespace

TEST(ErrorIfTest, EagerThrowsAtOnceWithTheFormattedMessage) {
  Neuron n;
  n.step(vec({1, 2, 3}));
  EXPECT_EQ(checkMessage([&] { n.step(vec({1, 9, 3})); }), "v = 11 exceeded 10 after 2 steps");
  EXPECT_EQ(checkMessage([] { errorIf(Array::scalar(false), "never"); }), "");
  EXPECT_EQ(checkMessage([] {
              errorIf(Array::fromVector<bool>({false, true}, {2}), "any {} {} {} {}", 1.5f, true,
                      int64_t{-3}, 0.25);
            }),
            "any 1.5 true -3 0.25");
}

TEST(ErrorIfTest, CompiledRaisesAfterTheCallAndRestoresEveryState) {
  Neuron n;
  auto step = jit([&](const Tensor &input) { n.step(input); });
  step(vec({1, 2, 3}));
  EXPECT_EQ(floatsOf(n.v), (std::vector<float>{1, 2, 3}));
  Array heldV = n.v.value().leaf().array(); // a reference held by the caller stays intact too
  EXPECT_EQ(checkMessage([&] { step(vec({1, 9, 3})); }), "v = 11 exceeded 10 after 2 steps");
  EXPECT_EQ(floatsOf(n.v), (std::vector<float>{1, 2, 3}));
  EXPECT_EQ(n.steps.value().leaf().item<int32_t>(), 1);
  EXPECT_EQ(heldV.toVector<float>(), (std::vector<float>{1, 2, 3}));
  EXPECT_EQ(floatsOf(n.untouched), (std::vector<float>{7}));
  // The next call starts clean, and a passing call commits.
  step(vec({1, 1, 1}));
  EXPECT_EQ(floatsOf(n.v), (std::vector<float>{2, 3, 4}));
  EXPECT_EQ(n.steps.value().leaf().item<int32_t>(), 2);
  EXPECT_EQ(step.cacheSize(), 1u);
}

TEST(ErrorIfTest, InsideACompiledLoopTheWholeCallIsUndone) {
  Neuron n;
  auto run = jit([&](const Tensor &input) { forLoop(100, [&] { n.step(input); }); });
  // 1 per step: v reaches 11 at step 11, inside the loop.
  EXPECT_EQ(checkMessage([&] { run(vec({1, 0, 0})); }), "v = 11 exceeded 10 after 11 steps");
  EXPECT_EQ(floatsOf(n.v), (std::vector<float>{0, 0, 0}));
  EXPECT_EQ(n.steps.value().leaf().item<int32_t>(), 0);
  run(vec({0.05f, 0, 0}));
  EXPECT_NEAR(floatsOf(n.v)[0], 5.f, 1e-4);
  EXPECT_EQ(n.steps.value().leaf().item<int32_t>(), 100);
}

TEST(ErrorIfTest, TheFirstCheckToFireIsReported) {
  HiddenState x{vec({0}), {.name = "x"}};
  auto run = jit([&](const Tensor &limit) {
    forLoop(10, [&](const Tensor &i) {
      x.setValue(x.value() + 1.f);
      errorIf(reduceMax(x.value()) > reduceMax(limit), "first: step {}", i);
      errorIf(i >= 5, "second: step {}", i);
    });
  });
  EXPECT_EQ(checkMessage([&] { run(vec({3})); }), "first: step 3");
  EXPECT_EQ(checkMessage([&] { run(vec({100})); }), "second: step 5");
  EXPECT_EQ(floatsOf(x), (std::vector<float>{0}));
}

TEST(ErrorIfTest, InBranchesAndWithEveryValueType) {
  HiddenState x{vec({1}), {.name = "x"}};
  auto run = jit([&](const Tensor &a) {
    cond(reduceMax(a) > 0.f,
         [&] {
           x.setValue(x.value() * 2.f);
           errorIf(reduceMax(a) > 5.f, "{} {} {} {} {}", reduceMax(a), cast(reduceMax(a), f64),
                   cast(reduceMax(a), i32), cast(reduceMax(a), i64), reduceMax(a) > 6.f);
         },
         [&] { x.setValue(x.value() - 1.f); });
  });
  run(vec({1}));
  EXPECT_EQ(floatsOf(x), (std::vector<float>{2}));
  EXPECT_EQ(checkMessage([&] { run(vec({7.5f})); }), "7.5 7.5 7 7 true");
  EXPECT_EQ(floatsOf(x), (std::vector<float>{2}));
  run(vec({-1}));
  EXPECT_EQ(floatsOf(x), (std::vector<float>{1}));
}

TEST(ErrorIfTest, AConstantConditionIsDecidedWhileTracing) {
  HiddenState x{vec({1}), {.name = "x"}};
  auto never = jit([&](const Tensor &a) {
    x.setValue(x.value() + a);
    errorIf(Array::scalar(false), "never");
  });
  never(vec({1}));
  EXPECT_EQ(floatsOf(x), (std::vector<float>{2}));
  auto always = jit([&](const Tensor &a) {
    x.setValue(x.value() + a);
    errorIf(Array::scalar(true), "always {}", 3);
  });
  EXPECT_EQ(checkMessage([&] { always(vec({1})); }), "always 3");
  EXPECT_EQ(floatsOf(x), (std::vector<float>{2}));
}

TEST(ErrorIfTest, MistakesAreNamed) {
  EXPECT_THAT(errorOf([] { errorIf(Array::scalar(1.f), "x"); }),
              HasSubstr("errorIf(\"x\"): the condition must be a bool tensor, but it is f32[]"));
  EXPECT_THAT(errorOf([] { errorIf(Array::scalar(false), "a {} b {}", 1); }),
              HasSubstr("the message \"a {} b {}\" has 2 {} placeholders but 1 value was given"));
  EXPECT_THAT(errorOf([] { errorIf(Array::scalar(false), "v {}", vec({1, 2})); }),
              HasSubstr("value 0 is f32[2]; values must be scalars"));
  EXPECT_THAT(errorOf([] {
                errorIf(Array::scalar(false), "{}{}{}{}{}{}{}{}{}", 1, 2, 3, 4, 5, 6, 7, 8, 9);
              }),
              HasSubstr("9 values given, at most 8"));
}
