//===- JitTest.cpp - bst::jit: results, cache, in-place updates, errors ----===//
#include "bst/Jit/Jit.h"
#include "bst/Compiler/Compiler.h"
#include "bst/Trace/Ops.h"
#include "../TestUtil.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <cmath>
#include <limits>
#include <optional>
#include <thread>

using namespace bst;
using bst::testing::errorOf;
using ::testing::HasSubstr;

namespace {

std::vector<float> vals(const State &s) { return s.value().toVector<float>(); }
Array vec(std::vector<float> v) {
  int64_t n = static_cast<int64_t>(v.size());
  return Array::fromVector(v, {n});
}

struct Lif {
  HiddenState v{zeros({64}), {.name = "lif.v"}};
  ParamState tau{full({64}, 10.f), {.name = "lif.tau"}};
  ShortTermState spike{zeros({64}), {.name = "lif.spike"}};
  void operator()(const Tensor &input) {
    Tensor v0 = v.value();
    Tensor nv = v0 + 0.1f * (input - v0) / tau.value();
    Tensor fired = nv > 1.f;
    v.setValue(where(fired, 0.f, nv));
    spike.setValue(cast(fired, f32));
  }
};

Array drive() {
  std::vector<float> d(64);
  for (int i = 0; i < 64; ++i)
    d[i] = 1.f + 2.f * i / 64.f;
  return vec(d);
}

TEST(JitTest, CompiledStepMatchesEagerStep) {
  Lif compiled, eager;
  Array input = drive();
  auto step = jit([&](const Tensor &i) { compiled(i); });
  for (int k = 0; k < 200; ++k) {
    step(input);
    eager(input);
    ASSERT_EQ(vals(compiled.v), vals(eager.v)) << "step " << k;
    ASSERT_EQ(vals(compiled.spike), vals(eager.spike)) << "step " << k;
  }
  EXPECT_EQ(step.cacheSize(), 1u);
}

TEST(JitTest, StatesAreUpdatedInPlace) {
  Lif lif;
  Array input = drive();
  auto step = jit([&](const Tensor &i) { lif(i); });
  step(input);
  const void *before = lif.v.value().leaf().array().rawData();
  step(input);
  EXPECT_EQ(lif.v.value().leaf().array().rawData(), before);
}

TEST(JitTest, AHeldArrayIsNeverWritten) {
  HiddenState s(vec({1, 2, 3}), {.name = "s"});
  auto step = jit([&](const Tensor &x) { s.setValue(s.value() + x); });
  Array held = s.value().leaf().array();
  Tree old = s.value();
  step(vec({10, 10, 10}));
  EXPECT_EQ(held.toVector<float>(), (std::vector<float>{1, 2, 3}));
  EXPECT_EQ(old.toVector<float>(), (std::vector<float>{1, 2, 3}));
  EXPECT_EQ(vals(s), (std::vector<float>{11, 12, 13}));
}

TEST(JitTest, TracingChangesNoState) {
  HiddenState s(vec({1, 2}), {.name = "s"});
  bool sawTraced = false;
  auto step = jit([&](const Tensor &x) {
    s.setValue(s.value() * x);
    sawTraced = s.value().leaf().isTraced();
    // While tracing, the stored value is untouched: the write is recorded, not performed.
    EXPECT_EQ(detail::StateAccess::stored(s).toVector<float>(), (std::vector<float>{1, 2}));
  });
  step(vec({3, 3}));
  EXPECT_TRUE(sawTraced);
  EXPECT_EQ(vals(s), (std::vector<float>{3, 6}));
}

// Compiled code keeps bools as bytes (0 or 1) and reads any nonzero byte as true, as a C host
// may pass one; reductions, argmax, casts, selects and slices agree with the eager kernels
// on canonical bools, and treat the byte 2 as true.
TEST(JitTest, BoolsAreBytesAndAnyNonzeroByteIsTrue) {
  std::vector<bool> bits{false, true, true, false, false, true, false, false, true, true, false,
                         false, true, false, true, true, false, false, false, true};
  Array flags = zeros({20}, boolean);
  for (size_t i = 0; i < bits.size(); ++i)
    flags.mutableData<bool>()[i] = bits[i];
  auto f = [](const Tensor &b) {
    Tensor m = reshape(b, {4, 5});
    return std::vector<Tensor>{
        reduceMax(m, {1}),   reduceMin(m, {0}),       cast(sum(b), i32),
        argmax(m, 1),        cast(b, f32) * 2.f,      where(b, 1.f, -1.f),
        logicalNot(b),       slice(b, {3}, {9})};
  };
  auto compiled = jit([&](const Tensor &b) { return f(b); });
  std::vector<Tensor> eager = f(Tensor(flags));
  std::vector<Tensor> got = compiled(flags).leaves();
  ASSERT_EQ(got.size(), eager.size());
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_TRUE(got[i].array().equals(eager[i].array())) << "result " << i;
  // The byte 2 where a 1 was: the same results.
  Array twos = flags;
  auto *bytes = static_cast<uint8_t *>(twos.mutableRawData()); // copies: flags is unchanged
  for (size_t i = 0; i < bits.size(); ++i)
    if (bits[i])
      bytes[i] = 2;
  std::vector<Tensor> fromTwos = compiled(twos).leaves();
  for (size_t i = 0; i + 1 < got.size(); ++i)
    EXPECT_TRUE(fromTwos[i].array().equals(eager[i].array())) << "result " << i;
  // Data movement (the slice) copies the bytes as they are.
  const auto *sliced = static_cast<const uint8_t *>(fromTwos.back().array().rawData());
  for (size_t i = 3; i < 9; ++i)
    EXPECT_EQ(sliced[i - 3], bits[i] ? 2 : 0) << "element " << i;
}

// A state updated in place to a value its own old value cannot change (cast(bool) >= 1.5 is
// always false): MLIR 19's canonicalizer erased a linalg.generic reading and writing the same
// buffer once its body folded to a constant, and the state kept its old value (found by the
// differential test, seed 200330). The lowering reads such an input through the output.
TEST(JitTest, AStateOverwrittenWithAConstantFoldedValueIsWritten) {
  HiddenState flag(Array::scalar<bool>(true), {.name = "flag"});
  HiddenState x(vec({1, 2, 3}), {.name = "x"});
  auto step = jit([&] {
    flag.setValue(cast(static_cast<Tensor>(flag.value()), f32) >= 1.5f);
    x.setValue(static_cast<Tensor>(x.value()) * 0.f);
  });
  step();
  EXPECT_FALSE(flag.value().leaf().item<bool>());
  EXPECT_EQ(vals(x), (std::vector<float>{0, 0, 0}));
}

// Signed zeros and non-finite inputs, where compiled code once disagreed with the eager kernels
// (differential seeds 200166 and 100516): max/min order -0 below +0 (relu(-0) is +0), and the
// f32 sin/cos polynomials give NaN for NaN and infinite inputs.
TEST(JitTest, SignedZerosAndNonFiniteInputsMatchEager) {
  float inf = std::numeric_limits<float>::infinity(), nan = std::nanf("");
  Array zeros = vec({-0.f, 0.f, -1.f}), specials = vec({nan, inf, -inf, 0.f});
  auto f = [](const Tensor &z, const Tensor &x) {
    return std::vector<Tensor>{relu(z), max(z, 0.f), min(0.f, z), reduceMax(z), sin(x), cos(x)};
  };
  std::vector<Tensor> eager = f(Tensor(zeros), Tensor(specials));
  std::vector<Tensor> got =
      jit([&](const Tensor &z, const Tensor &x) { return f(z, x); })(zeros, specials).leaves();
  ASSERT_EQ(got.size(), eager.size());
  for (size_t i = 0; i < got.size(); ++i) {
    std::vector<float> g = got[i].toVector<float>(), e = eager[i].toVector<float>();
    ASSERT_EQ(g.size(), e.size());
    for (size_t j = 0; j < g.size(); ++j) {
      EXPECT_EQ(std::isnan(g[j]), std::isnan(e[j])) << "result " << i << "[" << j << "]";
      if (!std::isnan(e[j])) {
        EXPECT_NEAR(g[j], e[j], 1e-6) << "result " << i << "[" << j << "]";
        EXPECT_EQ(std::signbit(g[j]), std::signbit(e[j])) << "result " << i << "[" << j << "]";
      }
    }
  }
  EXPECT_FALSE(std::signbit(eager[0].toVector<float>()[0])); // relu(-0) = +0
  EXPECT_TRUE(std::signbit(eager[2].toVector<float>()[0]));  // min(+0, -0) = -0
  EXPECT_TRUE(std::isnan(got[5].toVector<float>()[1]));      // cos(inf) = NaN
}

TEST(JitTest, ResultsOfEveryShape) {
  HiddenState s(vec({1, 2}));
  auto single = jit([&](const Tensor &x) { return s.value() + x; });
  EXPECT_EQ(single(vec({1, 1})).toVector<float>(), (std::vector<float>{2, 3}));
  auto tree = jit([&](const Tensor &x) {
    return Tree::dict({{"sum", sum(x)}, {"twice", x * 2.f}});
  });
  Tree r = tree(vec({1, 2}));
  EXPECT_EQ(r["sum"].leaf().item<float>(), 3.f);
  EXPECT_EQ(r["twice"].toVector<float>(), (std::vector<float>{2, 4}));
  auto none = jit([&](const Tensor &x) { s.setValue(x); });
  none(vec({5, 6}));
  EXPECT_EQ(vals(s), (std::vector<float>{5, 6}));
}

TEST(JitTest, AReturnedResultIsNotOverwrittenByTheNextCall) {
  auto f = jit([](const Tensor &x) { return x + 1.f; });
  Tensor r1 = f(vec({1}));
  Tensor r2 = f(vec({5}));
  EXPECT_EQ(r1.toVector<float>(), std::vector<float>{2});
  EXPECT_EQ(r2.toVector<float>(), std::vector<float>{6});
}

TEST(JitTest, CacheHitsAndMisses) {
  int traces = 0;
  auto f = jit([&](const Tensor &x) {
    ++traces;
    return x * 2.f;
  });
  f(vec({1, 2}));
  f(vec({3, 4}));
  EXPECT_EQ(traces, 1);
  EXPECT_EQ(f.cacheSize(), 1u);
  f(vec({1, 2, 3})); // new shape
  EXPECT_EQ(f.cacheSize(), 2u);
  EXPECT_EQ(f(Array::fromVector<double>({1, 2}, {2})).dtype(), f64); // new dtype
  EXPECT_EQ(f.cacheSize(), 3u);
  EXPECT_EQ(traces, 3);
  f(vec({9, 9}));
  EXPECT_EQ(traces, 3);
  f.clearCache();
  EXPECT_EQ(f.cacheSize(), 0u);
  EXPECT_EQ(f(vec({1, 2})).toVector<float>(), (std::vector<float>{2, 4}));
  EXPECT_EQ(traces, 4);
}

TEST(JitTest, ChangingHooksRecompiles) {
  HiddenState s(vec({0}), {.name = "s"});
  auto f = jit([&](const Tensor &x) { s.setValue(x); });
  f(vec({1}));
  EXPECT_EQ(f.cacheSize(), 1u);
  {
    // A write_before hook runs once during tracing: its transform is compiled in.
    HookHandle h = s.addHook(HookPoint::writeBefore,
                             [](HookEvent &e) { e.replaceValue(e.value().leaf() * 10.f); });
    f(vec({2}));
    EXPECT_EQ(f.cacheSize(), 2u);
    EXPECT_EQ(vals(s), std::vector<float>{20});
  }
  f(vec({3})); // hook removed: a third version
  EXPECT_EQ(vals(s), std::vector<float>{3});
  EXPECT_EQ(f.cacheSize(), 3u);
}

TEST(JitTest, StaticArgumentsAreKeysByValue) {
  auto f = jit([](const Tensor &x, int k) { return x * static_cast<float>(k); });
  EXPECT_EQ(f(vec({1}), 2).toVector<float>(), std::vector<float>{2});
  EXPECT_EQ(f(vec({1}), 3).toVector<float>(), std::vector<float>{3});
  EXPECT_EQ(f(vec({2}), 2).toVector<float>(), std::vector<float>{4});
  EXPECT_EQ(f.cacheSize(), 2u);
}

TEST(JitTest, TreeArguments) {
  auto f = jit([](const Tree &p, const Tensor &x) { return p["w"].leaf() * x + p["b"].leaf(); });
  Tree params = Tree::dict({{"w", vec({2, 3})}, {"b", vec({1, 1})}});
  EXPECT_EQ(f(params, vec({1, 2})).toVector<float>(), (std::vector<float>{3, 7}));
}

TEST(JitTest, ClosedOverArraysAreCaptured) {
  std::vector<float> big(100);
  for (int i = 0; i < 100; ++i)
    big[i] = static_cast<float>(i);
  Array weights = vec(big);
  auto f = jit([&](const Tensor &x) { return x * weights; });
  Tensor r = f(full({100}, 2.f));
  EXPECT_EQ(r.toVector<float>()[99], 198.f);
  EXPECT_THAT(f.lower(full({100}, 2.f)).program, HasSubstr("capture"));
}

TEST(JitTest, JitInsideJitTracesThrough) {
  auto inner = jit([](const Tensor &x) { return x + 1.f; });
  auto outer = jit([&](const Tensor &x) { return inner(x) * 2.f; });
  EXPECT_EQ(outer(vec({1})).toVector<float>(), std::vector<float>{4});
  EXPECT_EQ(inner.cacheSize(), 0u);
}

TEST(JitTest, LeakedTracerIsAnError) {
  std::optional<Tensor> leaked;
  auto f = jit([&](const Tensor &x) {
    leaked = x * 2.f;
    return x;
  });
  f(vec({1}));
  ASSERT_TRUE(leaked->isTraced());
  EXPECT_THAT(errorOf<TraceContextError>([&] { exp(*leaked); }),
              HasSubstr("leaked tracer: a traced tensor (f32[1]) of trace frame"));
  EXPECT_THAT(errorOf<TraceContextError>([&] { exp(*leaked); }),
              HasSubstr("was used after its trace ended"));
  EXPECT_THAT(errorOf([&] { leaked->toVector<float>(); }),
              HasSubstr("are not known while its function is being traced"));
  HiddenState s(vec({5}), {.name = "s"});
  EXPECT_THAT(errorOf<TraceContextError>([&] { s.setValue(*leaked); }),
              HasSubstr("cannot write HiddenState 's' with a traced value outside of any trace "
                        "(leaked tracer)"));
  EXPECT_EQ(vals(s), std::vector<float>{5});
}

TEST(JitTest, SignatureErrorWhileTracingChangesNothingAndKeepsTheCacheUsable) {
  HiddenState s(vec({1, 2}), {.name = "s"});
  auto bad = jit([&](const Tensor &x) { s.setValue(x); });
  EXPECT_THAT(errorOf<SignatureError>([&] { bad(vec({1, 2, 3})); }),
              HasSubstr("cannot write HiddenState 's': its signature is frozen as f32[2]"));
  EXPECT_EQ(vals(s), (std::vector<float>{1, 2}));
  EXPECT_EQ(bad.cacheSize(), 0u);
  bad(vec({7, 8}));
  EXPECT_EQ(vals(s), (std::vector<float>{7, 8}));
}

TEST(JitTest, ReadsAfterWritesSeeTheWrittenValue) {
  HiddenState a(vec({1}), {.name = "a"}), b(vec({0}), {.name = "b"});
  auto f = jit([&](const Tensor &) {
    a.setValue(a.value() + 1.f);
    b.setValue(a.value() * 10.f); // sees a + 1
  });
  f(vec({0}));
  EXPECT_EQ(vals(a), std::vector<float>{2});
  EXPECT_EQ(vals(b), std::vector<float>{20});
}

TEST(JitTest, SwappingTwoStatesNeedsNoTemporaryFromTheUser) {
  HiddenState a(vec({1, 2}), {.name = "a"}), b(vec({3, 4}), {.name = "b"});
  auto swap = jit([&](const Tensor &) {
    Tensor av = a.value(), bv = b.value();
    a.setValue(bv);
    b.setValue(av);
  });
  swap(vec({0}));
  EXPECT_EQ(vals(a), (std::vector<float>{3, 4}));
  EXPECT_EQ(vals(b), (std::vector<float>{1, 2}));
  swap(vec({0}));
  EXPECT_EQ(vals(a), (std::vector<float>{1, 2}));
}

TEST(JitTest, ConcurrentCallsOnSharedStatesAreSerialised) {
  HiddenState count(vec({0}), {.name = "count"});
  auto inc = jit([&](const Tensor &x) { count.setValue(count.value() + x); });
  inc(vec({0}));
  auto work = [&] {
    for (int i = 0; i < 2000; ++i)
      inc(vec({1}));
  };
  std::thread t1(work), t2(work);
  t1.join();
  t2.join();
  EXPECT_EQ(vals(count), std::vector<float>{4000});
}

TEST(JitTest, StateOfAnEndedFrameCannotBeCalled) {
  std::optional<HiddenState> s;
  std::optional<Jitted<std::function<void(const Tensor &)>>> f;
  {
    TraceFrame frame;
    s.emplace(vec({1}), StateOptions{.name = "scratch"});
    f.emplace(std::function<void(const Tensor &)>([&](const Tensor &x) { s->setValue(x); }),
              JitOptions{});
    (*f)(vec({2}));
    EXPECT_EQ(vals(*s), std::vector<float>{2});
  }
  EXPECT_THAT(errorOf<TraceContextError>([&] { (*f)(vec({3})); }),
              HasSubstr("it reads or writes HiddenState 'scratch', which belongs to trace frame"));
  EXPECT_EQ(vals(*s), std::vector<float>{2});
}

TEST(JitTest, LowerGivesMlirAndManifest) {
  Lif lif;
  auto step = jit([&](const Tensor &i) { lif(i); }, {.name = "lif_step"});
  Lowered l = step.lower(drive());
  EXPECT_THAT(l.mlir, HasSubstr("func.func @lif_step("));
  EXPECT_THAT(l.mlir, HasSubstr("bst.slot = \"lif.v\""));
  EXPECT_THAT(l.manifestJson(),
              HasSubstr("{\"index\": 1, \"role\": \"state\", \"name\": \"lif.v\", \"kind\": "
                        "\"HiddenState\", \"dtype\": \"f32\", \"shape\": [64], \"read\": true, "
                        "\"written\": true}"));
  EXPECT_THAT(l.manifestJson(), HasSubstr("\"format_version\": 1"));
}

TEST(JitTest, ReshapeOfAOneElementVectorToAScalar) {
  // Lowering once returned the f32[1] operand unchanged for an f32[] result.
  auto f = jit([](const Tensor &x) { return reshape(x, {}) + 1.f; });
  Tensor r = f(vec({41}));
  EXPECT_EQ(r.rank(), 0u);
  EXPECT_EQ(r.item<float>(), 42.f);
}

TEST(CompilerTest, MalformedModuleIsAnErrorWithItsLocation) {
  try {
    compiler::compileModule("func.func @f(%x: tensor<4xf32>) {\n  return %y\n}\n", "f");
    FAIL() << "compiled a malformed module";
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), ErrorCode::Compile);
    EXPECT_THAT(e.what(), HasSubstr("parsing the MLIR module failed"));
    EXPECT_THAT(e.what(), HasSubstr("<module>:2:"));
  }
}

} // namespace
