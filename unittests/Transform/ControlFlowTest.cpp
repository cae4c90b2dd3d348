//===- ControlFlowTest.cpp - forLoop, whileLoop, cond, switchCase ----------===//
//
// Every construct runs eagerly and compiled (under bst::jit) on fresh states with the same
// initial values, and both must agree.
//
//===----------------------------------------------------------------------===//
#include "bst/Transform/ControlFlow.h"
#include "bst/Jit/Jit.h"
#include "bst/Trace/Ops.h"
#include "../TestUtil.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <optional>

using namespace bst;
using bst::testing::errorOf;
using bst::testing::floatsOf;
using bst::testing::vec;
using ::testing::HasSubstr;

namespace {

/// Runs `step` (which uses the states of a fresh model M) eagerly and compiled, and returns both
/// models for comparison.
template <class M, class F> std::pair<M, M> eagerAndCompiled(F step) {
  std::pair<M, M> out;
  step(out.first);
  auto compiled = jit([&](const Tensor &) { step(out.second); });
  compiled(vec({0}));
  return out;
}

struct Counter {
  HiddenState x{vec({0, 0}), {.name = "x"}};
  ParamState y{vec({1, 2}), {.name = "y"}};
  HiddenState n{Array::scalar<int32_t>(0), {.name = "n"}};
};

TEST(ForLoopTest, CarriesWrittenStatesAndPassesReadOnes) {
  auto [eager, compiled] = eagerAndCompiled<Counter>([](Counter &c) {
    forLoop(10, [&](const Tensor &i) { c.x.setValue(c.x.value() + c.y.value() * cast(i, f32)); });
  });
  EXPECT_EQ(floatsOf(eager.x), (std::vector<float>{45, 90}));
  EXPECT_EQ(floatsOf(compiled.x), floatsOf(eager.x));
  EXPECT_EQ(floatsOf(compiled.y), (std::vector<float>{1, 2}));
}

TEST(ForLoopTest, NestedLoops) {
  auto [eager, compiled] = eagerAndCompiled<Counter>([](Counter &c) {
    forLoop(3, [&](const Tensor &i) {
      forLoop(4, [&](const Tensor &j) {
        c.n.setValue(c.n.value() + 1);
        c.x.setValue(c.x.value() + cast(i * 10 + j, f32));
      });
    });
  });
  EXPECT_EQ(eager.n.value().leaf().item<int32_t>(), 12);
  EXPECT_EQ(compiled.n.value().leaf().item<int32_t>(), 12);
  EXPECT_EQ(floatsOf(compiled.x), floatsOf(eager.x));
}

TEST(ForLoopTest, ZeroStepsChangeNothing) {
  auto [eager, compiled] = eagerAndCompiled<Counter>(
      [](Counter &c) { forLoop(0, [&] { c.x.setValue(c.x.value() + 1.f); }); });
  EXPECT_EQ(floatsOf(compiled.x), (std::vector<float>{0, 0}));
}

struct Lif {
  HiddenState v{zeros({256}), {.name = "lif.v"}};
  ParamState tau{full({256}, 10.f), {.name = "lif.tau"}};
  ShortTermState spike{zeros({256}), {.name = "lif.spike"}};
  HiddenState count{zeros({256}), {.name = "lif.count"}};
  void step(const Tensor &input) {
    Tensor v0 = v.value();
    Tensor nv = v0 + 0.1f * (input - v0) / tau.value();
    Tensor fired = nv > 1.f;
    v.setValue(where(fired, 0.f, nv));
    spike.setValue(cast(fired, f32));
    count.setValue(count.value() + spike.value());
  }
};

TEST(ForLoopTest, OneCompiledLoopEqualsManySteps) {
  std::vector<float> d(256);
  for (int i = 0; i < 256; ++i)
    d[i] = 1.f + 2.f * i / 256.f;
  Array input = vec(d);
  Lif stepped, looped;
  for (int k = 0; k < 500; ++k)
    stepped.step(input);
  auto run = jit([&](const Tensor &in) { forLoop(500, [&] { looped.step(in); }); });
  run(input);
  EXPECT_EQ(floatsOf(looped.v), floatsOf(stepped.v));
  EXPECT_EQ(floatsOf(looped.count), floatsOf(stepped.count));
  EXPECT_GT(floatsOf(looped.count)[255], 10.f);
  EXPECT_THAT(run.lower(input).program, HasSubstr("for_loop"));
}

TEST(ForLoopTest, AStateCreatedInTheJittedFunctionIsCarried) {
  Counter c;
  auto f = jit([&](const Tensor &x) {
    HiddenState acc(zeros({2}), {.name = "acc"}); // local to this trace
    forLoop(5, [&] { acc.setValue(acc.value() + x); });
    c.x.setValue(acc.value());
  });
  f(vec({1, 2}));
  EXPECT_EQ(floatsOf(c.x), (std::vector<float>{5, 10}));
}

TEST(ForLoopTest, ValuesOfTheBodyCannotLeakOut) {
  Counter c;
  std::optional<Tensor> leaked;
  auto f = jit([&](const Tensor &) {
    forLoop(2, [&](const Tensor &i) { leaked = cast(i, f32); });
    c.x.setValue(c.x.value() + *leaked);
  });
  EXPECT_THAT(errorOf<TraceContextError>([&] { f(vec({0})); }),
              HasSubstr("leaked tracer"));
  EXPECT_EQ(floatsOf(c.x), (std::vector<float>{0, 0}));
}

TEST(ForLoopTest, NegativeCountIsAnError) {
  EXPECT_EQ(errorOf([] { forLoop(-1, [] {}); }),
            "forLoop: the number of steps must not be negative, got -1");
}

TEST(CondTest, AStateWrittenInOneBranchKeepsItsValueOnTheOther) {
  for (float threshold : {0.5f, 5.f}) {
    auto [eager, compiled] = eagerAndCompiled<Counter>([&](Counter &c) {
      Tensor pred = reduceMax(c.y.value()) > threshold;
      cond(pred, [&] { c.x.setValue(c.x.value() + 1.f); },
           [&] { c.n.setValue(c.n.value() + 7); });
    });
    EXPECT_EQ(floatsOf(compiled.x), floatsOf(eager.x)) << threshold;
    EXPECT_EQ(compiled.n.value().leaf().item<int32_t>(), eager.n.value().leaf().item<int32_t>());
    if (threshold < 1) {
      EXPECT_EQ(floatsOf(compiled.x), (std::vector<float>{1, 1}));
      EXPECT_EQ(compiled.n.value().leaf().item<int32_t>(), 0);
    } else {
      EXPECT_EQ(floatsOf(compiled.x), (std::vector<float>{0, 0}));
      EXPECT_EQ(compiled.n.value().leaf().item<int32_t>(), 7);
    }
  }
}

TEST(CondTest, InsideALoop) {
  auto [eager, compiled] = eagerAndCompiled<Counter>([](Counter &c) {
    forLoop(10, [&](const Tensor &i) {
      cond(i - (i / int64_t{3}) * int64_t{3} == int64_t{0}, [&] { c.n.setValue(c.n.value() + 1); },
           [&] { c.x.setValue(c.x.value() + 1.f); });
    });
  });
  EXPECT_EQ(eager.n.value().leaf().item<int32_t>(), 4);
  EXPECT_EQ(compiled.n.value().leaf().item<int32_t>(), 4);
  EXPECT_EQ(floatsOf(compiled.x), (std::vector<float>{6, 6}));
}

TEST(CondTest, PredicateMustBeABoolScalar) {
  EXPECT_EQ(errorOf([] { cond(vec({1, 2}) > 0.f, [] {}, [] {}); }),
            "cond: the predicate must be a bool scalar, but it is bool[2]; compare it (x > 0.f) "
            "or reduce it (bst::reduceMax)");
}

TEST(SwitchCaseTest, IndexIsClamped) {
  for (int32_t index : {-3, 0, 1, 2, 9}) {
    auto [eager, compiled] = eagerAndCompiled<Counter>([&](Counter &c) {
      Tensor i = c.n.value().leaf() + index; // traced under jit
      switchCase(i, {[&] { c.x.setValue(c.x.value() + 1.f); },
                     [&] { c.x.setValue(c.x.value() + 10.f); },
                     [&] { c.y.setValue(c.y.value() * 0.f); }});
    });
    EXPECT_EQ(floatsOf(compiled.x), floatsOf(eager.x)) << index;
    EXPECT_EQ(floatsOf(compiled.y), floatsOf(eager.y)) << index;
  }
}

TEST(WhileLoopTest, RunsUntilTheConditionFails) {
  auto [eager, compiled] = eagerAndCompiled<Counter>([](Counter &c) {
    whileLoop([&] { return c.n.value().leaf() < 10; },
              [&] {
                c.n.setValue(c.n.value() + 3);
                c.x.setValue(c.x.value() + c.y.value());
              });
  });
  EXPECT_EQ(eager.n.value().leaf().item<int32_t>(), 12);
  EXPECT_EQ(compiled.n.value().leaf().item<int32_t>(), 12);
  EXPECT_EQ(floatsOf(compiled.x), (std::vector<float>{4, 8}));
}

TEST(WhileLoopTest, ConditionMayNotWriteStates) {
  Counter c;
  auto f = jit([&](const Tensor &) {
    whileLoop(
        [&] {
          c.x.setValue(c.x.value() + 1.f);
          return c.n.value().leaf() < 3;
        },
        [&] { c.n.setValue(c.n.value() + 1); });
  });
  EXPECT_THAT(errorOf([&] { f(vec({0})); }),
              HasSubstr("whileLoop: the condition writes HiddenState 'x'"));
  EXPECT_EQ(floatsOf(c.x), (std::vector<float>{0, 0}));
}

} // namespace

//===----------------------------------------------------------------------===//
// scan
//===----------------------------------------------------------------------===//

namespace {
/// A cumulative sum with a running product as a second carry leaf, and two stacked outputs.
ScanResult cumsumStep(const Tree &carry, const Tree &x) {
  Tensor sum = carry["sum"].leaf() + x.leaf();
  Tensor prod = carry["prod"].leaf() * 2.f;
  return {Tree::dict({{"sum", sum}, {"prod", prod}}), Tree::list({sum, sum * prod})};
}
Tree cumsumInit() { return Tree::dict({{"sum", vec({0, 1})}, {"prod", Array::scalar(1.f)}}); }
Array steps3x2() { return Array::fromVector<float>({1, 2, 3, 4, 5, 6}, {3, 2}); }
} // namespace

TEST(ScanTest, EagerStacksOutputsAndReturnsTheLastCarry) {
  ScanResult r = scan(cumsumStep, cumsumInit(), steps3x2());
  EXPECT_EQ(r.carry["sum"].toVector<float>(), (std::vector<float>{9, 13}));
  EXPECT_EQ(r.carry["prod"].leaf().item<float>(), 8.f);
  EXPECT_EQ(r.ys[0].leaf().shape(), Shape({3, 2}));
  EXPECT_EQ(r.ys[0].toVector<float>(), (std::vector<float>{1, 3, 4, 7, 9, 13}));
  EXPECT_EQ(r.ys[1].toVector<float>(), (std::vector<float>{2, 6, 16, 28, 72, 104}));
}

TEST(ScanTest, CompiledEqualsEager) {
  ScanResult eager = scan(cumsumStep, cumsumInit(), steps3x2());
  auto compiled = jit([](const Tensor &xs) {
    ScanResult r = scan(cumsumStep, cumsumInit(), xs);
    return Tree::list({r.carry, r.ys});
  });
  Tree out = compiled(steps3x2());
  EXPECT_TRUE(out[0].equals(eager.carry)) << out[0].toString();
  EXPECT_TRUE(out[1].equals(eager.ys)) << out[1].toString();
}

TEST(ScanTest, CarriesStatesAndReadsOthersLikeForLoop) {
  // y = x * gain (a read-only state); the state acc accumulates; the carry counts steps.
  auto run = [](Counter &c, const Tensor &xs) {
    ScanResult r = scan(
        [&](const Tensor &k, const Tensor &x) -> ScanResult {
          c.x.setValue(c.x.value() + x);
          return {k + 1, x * c.y.value()};
        },
        Array::scalar<int32_t>(0), xs);
    return Tree::list({r.carry, r.ys});
  };
  Counter eager, compiled;
  Tree e = run(eager, steps3x2());
  Tree j = jit([&](const Tensor &xs) { return run(compiled, xs); })(steps3x2());
  EXPECT_EQ(e[0].leaf().item<int32_t>(), 3);
  EXPECT_TRUE(j.equals(e)) << j.toString();
  EXPECT_EQ(floatsOf(eager.x), (std::vector<float>{9, 12}));
  EXPECT_EQ(floatsOf(compiled.x), floatsOf(eager.x));
  EXPECT_EQ(e[1].toVector<float>(), (std::vector<float>{1, 4, 3, 8, 5, 12}));
}

TEST(ScanTest, LengthOnlyScanGetsTheStepIndex) {
  auto body = [](const Tensor &c, const Tensor &i) -> ScanResult {
    return {c + cast(i, f32), cast(i, f32) * c};
  };
  ScanResult eager = scan(body, Array::scalar(1.f), 5);
  EXPECT_EQ(eager.carry.leaf().item<float>(), 11.f);
  EXPECT_EQ(eager.ys.toVector<float>(), (std::vector<float>{0, 1, 4, 12, 28}));
  Tree j = jit([&](const Tensor &c0) {
    ScanResult r = scan(body, c0, 5);
    return Tree::list({r.carry, r.ys});
  })(Array::scalar(1.f));
  EXPECT_TRUE(j[0].equals(eager.carry));
  EXPECT_TRUE(j[1].equals(eager.ys));
}

TEST(ScanTest, NestedInForLoopAndZeroLength) {
  Counter eager, compiled;
  auto run = [](Counter &c) {
    forLoop(3, [&] {
      ScanResult r = scan(
          [&](const Tensor &s, const Tensor &x) -> ScanResult { return {s + x, s}; },
          c.x.value(), steps3x2());
      c.x.setValue(r.carry.leaf());
    });
  };
  run(eager);
  jit([&](const Tensor &) { run(compiled); })(vec({0}));
  EXPECT_EQ(floatsOf(eager.x), (std::vector<float>{27, 36}));
  EXPECT_EQ(floatsOf(compiled.x), floatsOf(eager.x));

  Array none(Shape({0, 2}), f32);
  ScanResult e = scan(cumsumStep, cumsumInit(), none);
  EXPECT_TRUE(e.carry.equals(cumsumInit()));
  EXPECT_EQ(e.ys[0].leaf().shape(), Shape({0, 2}));
  EXPECT_EQ(e.ys[1].leaf().shape(), Shape({0, 2}));
}

TEST(ScanTest, ErrorsNameTheLeafAndTheFix) {
  auto badCarry = [](const Tensor &c, const Tensor &x) -> ScanResult {
    return {cast(c + x, f64), x};
  };
  EXPECT_THAT(errorOf([&] { scan(badCarry, Array::scalar(0.f), vec({1, 2})); }),
              HasSubstr("scan: the body must return a carry like init (f32[])"));
  EXPECT_THAT(errorOf([&] {
                jit([&](const Tensor &xs) { return scan(badCarry, Array::scalar(0.f), xs).ys; })(
                    vec({1, 2}));
              }),
              HasSubstr("cast or reshape it in the body"));
  EXPECT_THAT(errorOf([&] {
                scan([](const Tree &c, const Tree &) -> ScanResult { return {c, c}; },
                     Array::scalar(0.f),
                     Tree::list({vec({1, 2}), Tensor(Array::fromVector<float>({1}, {1}))}));
              }),
              HasSubstr("the leaves of xs must have the same leading extent, but xs[0] has 2 and "
                        "xs[1] has 1"));
  EXPECT_THAT(errorOf([&] {
                scan([](const Tree &c, const Tree &) -> ScanResult { return {c, c}; },
                     Array::scalar(0.f), Array::scalar(1.f));
              }),
              HasSubstr("xs is a scalar (f32[])"));
}

//===----------------------------------------------------------------------===//
// Progress
//===----------------------------------------------------------------------===//

namespace {
/// What a forLoop of 1000 steps with a progress bar prints to a stderr that is not a terminal.
std::string progressOutput(bool compiled) {
  Counter c;
  auto run = [&] {
    forLoop(1000, [&] { c.n.setValue(c.n.value() + 1); }, {.progress = true});
  };
  ::testing::internal::CaptureStderr();
  if (compiled)
    jit([&](const Tensor &) { run(); })(vec({0}));
  else
    run();
  std::string out = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(c.n.value().leaf().item<int32_t>(), 1000);
  return out;
}
} // namespace

TEST(ProgressTest, EagerAndCompiledLoopsPrintTheSameLines) {
  for (bool compiled : {false, true}) {
    std::string out = progressOutput(compiled);
    SCOPED_TRACE(out);
    EXPECT_THAT(out, HasSubstr("bst progress:  10% (100/1000 steps)"));
    EXPECT_THAT(out, HasSubstr("bst progress:  90% (900/1000 steps)"));
    EXPECT_THAT(out, HasSubstr("bst progress: 100% (1000/1000 steps)"));
    EXPECT_THAT(out, HasSubstr("steps/s, took "));
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 10);
  }
}

TEST(ProgressTest, ProgressKeepsALoopThatWritesNothing) {
  // The loop body has no effect but the bar: dead-code elimination must keep it.
  ::testing::internal::CaptureStderr();
  jit([](const Tensor &) { forLoop(10, [] {}, {.progress = true}); })(vec({0}));
  EXPECT_THAT(::testing::internal::GetCapturedStderr(), HasSubstr("100% (10/10 steps)"));
}
