//===- VmapTest.cpp - vmap's batching rules, states and ensembles ---------===//
//
// Every batching rule is checked against the eager reference: the function called on each
// element of the batch in a loop, the results stacked. Each case runs with random shapes and
// random in/out axes, eagerly and under bst::jit. Then batched states (BatchState, inStates,
// outStates), BatchAxisError, ensembles through split/merge, and composition with grad.
//
//===----------------------------------------------------------------------===//
#include "bst/Transform/Vmap.h"
#include "../TestUtil.h"
#include "bst/Graph/Graph.h"
#include "bst/Graph/Module.h"
#include "bst/Jit/Jit.h"
#include "bst/Trace/Apply.h"
#include "bst/Trace/Connectivity.h"
#include "bst/Trace/Ops.h"
#include "bst/Transform/Autodiff.h"
#include "bst/Transform/ControlFlow.h"
#include "bst/Transform/ErrorIf.h"
#include "bst/Transform/Random.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <functional>
#include <random>

using namespace bst;
using bst::testing::errorOf;
using ::testing::HasSubstr;

namespace {

//===----------------------------------------------------------------------===//
// The per-element reference
//===----------------------------------------------------------------------===//

using Fn3 = std::function<Tensor(const Tensor &, const Tensor &, const Tensor &)>;

Array randomArray(std::mt19937 &rng, const Shape &shape, DType dtype) {
  std::uniform_real_distribution<double> dist(-2, 2);
  std::vector<double> v(shape.numElements());
  for (double &x : v)
    x = dist(rng);
  return cast(Array::fromVector(v, shape), dtype).array();
}

/// Element `b` of `t` along `axis`.
Tensor elementOf(const Tensor &t, int64_t axis, int64_t b) {
  std::vector<int64_t> starts(t.rank(), 0), limits = t.shape().toVector();
  starts[axis] = b;
  limits[axis] = b + 1;
  std::vector<int64_t> shape = t.shape().toVector();
  shape.erase(shape.begin() + axis);
  return reshape(slice(t, starts, limits), shape);
}

/// `parts` stacked along a new axis `axis`.
Tensor stackAlong(const std::vector<Tensor> &parts, int64_t axis) {
  std::vector<Tensor> expanded;
  for (const Tensor &p : parts) {
    std::vector<int64_t> shape = p.shape().toVector();
    shape.insert(shape.begin() + axis, 1);
    expanded.push_back(reshape(p, shape));
  }
  return concatenate(expanded, axis);
}

void expectNear(const Tensor &got, const Tensor &want, const std::string &what, double tol) {
  ASSERT_EQ(got.abstract(), want.abstract()) << what;
  std::vector<double> g = cast(got, DType::f64).toVector<double>();
  std::vector<double> w = cast(want, DType::f64).toVector<double>();
  for (size_t i = 0; i < g.size(); ++i)
    ASSERT_NEAR(g[i], w[i], tol * (1 + std::abs(w[i]))) << what << " at " << i;
}

/// A rule-table case: a function of up to three inputs, each of a per-element shape and dtype.
struct Case {
  std::string name;
  std::vector<Shape> shapes;
  std::vector<DType> dtypes; // default f64
  Fn3 fn;
  /// Integer inputs are drawn in [0, intRange).
  int64_t intRange = 4;
};

Array inputFor(std::mt19937 &rng, const Shape &shape, DType dtype, int64_t intRange) {
  if (dtype == DType::i32 || dtype == DType::i64) {
    std::uniform_int_distribution<int64_t> d(0, intRange - 1);
    std::vector<int64_t> v(shape.numElements());
    for (int64_t &x : v)
      x = d(rng);
    return cast(Array::fromVector(v, shape), dtype).array();
  }
  if (dtype == DType::boolean)
    return (randomArray(rng, shape, DType::f64) > 0).array();
  return randomArray(rng, shape, dtype);
}

/// Runs `c` batched with random axes (eagerly and under jit) and compares with the loop.
void checkCase(const Case &c, std::mt19937 &rng) {
  std::uniform_int_distribution<int64_t> sizes(1, 4);
  int64_t batch = sizes(rng) + 1;
  std::vector<std::optional<int64_t>> inAxes;
  std::vector<Tensor> args, elements[3];
  for (size_t k = 0; k < 3; ++k) {
    Shape shape = k < c.shapes.size() ? c.shapes[k] : Shape{};
    DType dtype = k < c.dtypes.size() ? c.dtypes[k] : DType::f64;
    // Each input: unbatched one time in four, else batched at a random axis.
    int64_t rank = static_cast<int64_t>(shape.rank());
    bool batched = k < c.shapes.size() && std::uniform_int_distribution<int>(0, 3)(rng) != 0;
    if (!batched) {
      Tensor a = inputFor(rng, shape, dtype, c.intRange);
      inAxes.push_back(notBatched);
      args.push_back(a);
      for (int64_t b = 0; b < batch; ++b)
        elements[k].push_back(a);
      continue;
    }
    int64_t axis = std::uniform_int_distribution<int64_t>(0, rank)(rng);
    for (int64_t b = 0; b < batch; ++b)
      elements[k].push_back(inputFor(rng, shape, dtype, c.intRange));
    args.push_back(stackAlong(elements[k], axis));
    // Negative axes half of the time.
    inAxes.push_back(std::uniform_int_distribution<int>(0, 1)(rng) ? axis : axis - rank - 1);
  }
  std::vector<Tensor> perElement;
  for (int64_t b = 0; b < batch; ++b)
    perElement.push_back(c.fn(elements[0][b], elements[1][b], elements[2][b]));
  int64_t outRank = static_cast<int64_t>(perElement[0].rank());
  int64_t outAxis = std::uniform_int_distribution<int64_t>(0, outRank)(rng);
  Tensor want = stackAlong(perElement, outAxis);
  std::string what =
      c.name + " (batch " + std::to_string(batch) + ", out axis " + std::to_string(outAxis) + ")";

  auto vm = vmap(c.fn, {.inAxes = inAxes, .outAxes = {outAxis}});
  if (std::all_of(inAxes.begin(), inAxes.end(), [](auto a) { return !a; })) {
    EXPECT_THAT(errorOf([&] { vm(args[0], args[1], args[2]); }), HasSubstr("nothing is batched"));
    return;
  }
  expectNear(vm(args[0], args[1], args[2]), want, what + " eager", 1e-9);
  auto compiled =
      jit([&](const Tensor &x, const Tensor &y, const Tensor &z) { return vm(x, y, z); });
  expectNear(compiled(args[0], args[1], args[2]), want, what + " jit", 1e-9);
}

std::vector<Case> ruleCases() {
  using T = const Tensor &;
  const DType f = DType::f64, i = DType::i32, b = DType::boolean;
  return {
      {"unary", {{3, 2}}, {}, [](T x, T, T) { return tanh(x) + exp(-abs(x)) + floor(x); }},
      {"binary-broadcast", {{3, 2}, {2}}, {}, [](T x, T y, T) { return x * y - max(x, y) / 3.0; }},
      {"scalar-ops", {{4}, {}}, {}, [](T x, T y, T) { return pow(abs(x) + 1.0, y) + y; }},
      {"compare-select", {{3}, {3}}, {}, [](T x, T y, T) { return where(x > y, x, y * 2.0); }},
      {"logic", {{5}, {5}}, {b, b}, [](T x, T y, T) { return cast(x && !y, DType::f64); }},
      {"cast-int",
       {{4}},
       {},
       [](T x, T, T) { return cast(cast(x * 3.0, DType::i32) + 1, DType::f64); }},
      {"reduce",
       {{3, 4}},
       {},
       [](T x, T, T) {
         return sum(x, {1}) + reduceMax(x, 1) - reduceMin(x, {0, 1});
       }},
      {"mean-all", {{2, 3}}, {}, [](T x, T, T) { return mean(x) + 0.0 * x; }},
      {"argmax", {{3, 4}}, {}, [](T x, T, T) { return cast(argmax(x, 1), DType::f64); }},
      {"matmul", {{3, 4}, {4, 2}}, {}, [](T x, T y, T) { return matmul(x, y); }},
      {"matmul-vector", {{4}, {4, 3}}, {}, [](T x, T y, T) { return matmul(x, y); }},
      {"matmul-stack", {{2, 3, 4}, {2, 4, 2}}, {}, [](T x, T y, T) { return matmul(x, y); }},
      {"reshape-transpose",
       {{2, 3, 2}},
       {},
       [](T x, T, T) {
         return transpose(reshape(x, {3, 4}), {1, 0});
       }},
      {"broadcast",
       {{3}},
       {},
       [](T x, T, T) {
         return broadcastTo(x, {2, 3});
       }},
      {"concat-slice",
       {{4, 3}, {2, 3}},
       {},
       [](T x, T y, T) {
         return slice(concatenate({x, y}, 0), {1, 0}, {6, 3}, {2, 1});
       }},
      {"gather", {{5, 3}, {4}}, {f, i}, [](T x, T idx, T) { return gather(x, idx, 0); }, 5},
      {"gather-axis1", {{2, 4}, {3}}, {f, i}, [](T x, T idx, T) { return gather(x, idx, 1); }, 4},
      {"scatter-add",
       {{5}, {3}, {3}},
       {f, i, f},
       [](T x, T idx, T u) { return scatterAdd(x, idx, u); },
       5},
      {"dynamic-slice",
       {{6, 2}, {}},
       {f, i},
       [](T x, T s, T) {
         return dynamicSlice(x, {s, 0}, {3, 2});
       },
       6},
      {"dynamic-update",
       {{6}, {2}, {}},
       {f, f, i},
       [](T x, T u, T s) { return dynamicUpdateSlice(x, u, {s}); },
       6},
      {"iota-constant", {{3}}, {}, [](T x, T, T) { return x + arange(3, DType::f64) + 1.5; }},
      {"philox",
       {{}, {}},
       {DType::i64, DType::i64},
       [](T key, T ctr, T) {
         OpAttrs attrs;
         attrs.shape = {3};
         attrs.dtype = DType::f64;
         return detail::apply(OpKind::Philox, {key, ctr}, attrs);
       },
       1000},
      {"event-sum",
       {{4}, {4}},
       {b, f},
       [](T spikes, T w, T) {
         Connectivity c(4, 3, Array::fromVector<int32_t>({0, 1, 2, 3, 4}, {5}),
                        Array::fromVector<int32_t>({0, 2, 1, 0}, {4}),
                        Array::fromVector<double>({1, 2, 3, 4}, {4}));
         return eventSum(c, spikes) * sum(w);
       }},
      {"for-loop",
       {{3}, {3}},
       {},
       [](T x, T y, T) {
         State acc{Tree(x)};
         forLoop(3, [&](const Tensor &k) {
           acc.setValue(acc.value().leaf() * 0.5 + y * cast(k, DType::f64));
         });
         return acc.value().leaf();
       }},
      {"scan",
       {{4, 2}, {2}},
       {},
       [](T xs, T c0, T) {
         ScanResult r = scan(
             [](const Tree &c, const Tree &x) {
               Tensor next = c.leaf() + x.leaf();
               return ScanResult{next, next * 2.0};
             },
             c0, xs);
         return r.ys.leaf() + r.carry.leaf();
       }},
      {"while-batched-predicate",
       {{}, {}},
       {},
       [](T x, T limit, T) {
         State v{Tree(abs(x) + 0.1)};
         whileLoop([&] { return v.value().leaf() < abs(limit) * 10.0; },
                   [&] { v.setValue(v.value().leaf() * 2.0); });
         return v.value().leaf();
       }},
      {"cond-batched-predicate",
       {{}, {3}},
       {},
       [](T p, T x, T) {
         State out{Tree(x)};
         cond(
             p > 0.0, [&] { out.setValue(out.value().leaf() + 1.0); },
             [&] { out.setValue(out.value().leaf() * x); });
         return out.value().leaf();
       }},
      {"switch",
       {{}, {2}},
       {i, f},
       [](T k, T x, T) {
         State out{Tree(x)};
         switchCase(k, {[&] { out.setValue(x + 1.0); }, [&] { out.setValue(x * 3.0); },
                        [&] { out.setValue(-x); }});
         return out.value().leaf();
       },
       4},
  };
}

TEST(VmapRules, EveryPrimitiveFamilyMatchesThePerElementLoop) {
  std::mt19937 rng(7);
  for (const Case &c : ruleCases())
    for (int trial = 0; trial < 4; ++trial) {
      SCOPED_TRACE(c.name + " trial " + std::to_string(trial));
      checkCase(c, rng);
      if (::testing::Test::HasFatalFailure())
        return;
    }
}

TEST(VmapRules, NestedVmapMapsBothAxes) {
  std::mt19937 rng(5);
  Tensor xs = randomArray(rng, {3, 4, 2}, DType::f64), w = randomArray(rng, {2, 2}, DType::f64);
  auto row = [&](const Tensor &x) { return sum(tanh(matmul(x, w))); };
  auto inner = vmap(row);                                                         // [4, 2] -> [4]
  auto outer = vmap([&](const Tensor &x) { return inner(x); }, {.outAxes = {1}}); // -> [4, 3]
  Tensor got = outer(xs);
  ASSERT_EQ(got.shape(), Shape({4, 3}));
  for (int64_t a = 0; a < 3; ++a)
    for (int64_t b = 0; b < 4; ++b)
      EXPECT_NEAR(got.toVector<double>()[b * 3 + a],
                  row(elementOf(elementOf(xs, 0, a), 0, b)).item<double>(), 1e-12);
}

TEST(VmapRules, TreeArgumentsAndOneOutAxisPerResultLeaf) {
  // A Tree argument batched at axis 1 of both leaves; a vector result with its own out axes.
  Tensor a = Array::fromVector<double>({1, 2, 3, 4, 5, 6}, {2, 3}); // batch of 3 along axis 1
  Tensor b = Array::fromVector<double>({10, 20, 30}, {1, 3});
  Tree tree = Tree::dict({{"a", a}, {"b", b}});
  auto f = [](const Tree &t, double scale) {
    return std::vector<Tensor>{t["a"].leaf() * scale + t["b"].leaf(), sum(t["a"].leaf())};
  };
  std::vector<Tensor> out = vmap(f, {.inAxes = {1}, .outAxes = {-1, 0}})(tree, 2.0);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].shape(), Shape({2, 3})); // per element [2], batch last
  EXPECT_EQ(out[0].toVector<double>(), (std::vector<double>{12, 24, 36, 18, 30, 42}));
  EXPECT_EQ(out[1].toVector<double>(), (std::vector<double>{5, 7, 9}));
  EXPECT_THAT(errorOf([&] {
                vmap(f, {.inAxes = {1}, .outAxes = {0, 0, 0}})(tree, 2.0);
              }),
              HasSubstr("outAxes has 3 entries but the function returns 2 leaves"));
}

//===----------------------------------------------------------------------===//
// Batched states
//===----------------------------------------------------------------------===//

/// A leaky integrator over a batch: `v` carries the batch (a BatchState), `tau` is shared, and
/// `steps` counts calls (not batched).
struct Integrator : Module {
  BST_MODULE(Integrator)
  BatchState v;
  ParamState tau;
  HiddenState steps;
  Integrator(int64_t batch, int64_t n)
      : v(zeros({batch, n}, DType::f64)), tau(full({n}, 4.0, DType::f64)),
        steps(Array::scalar<int32_t>(0)) {
    registerState("v", v);
    registerState("tau", tau);
    registerState("steps", steps);
  }
  /// One element: v has shape [n] here.
  Tensor operator()(const Tensor &x) {
    Tensor nv = v.value().leaf() + (x - v.value().leaf()) / tau.value().leaf();
    v.setValue(nv);
    steps.setValue(steps.value().leaf() + 1);
    return sum(nv);
  }
};

/// The expected v after one step on xs ([B, n]) from v0 ([B, n]), element by element.
Tensor integratorStep(const Tensor &v0, const Tensor &xs, const Tensor &tau) {
  std::vector<Tensor> rows;
  for (int64_t b = 0; b < v0.shape()[0]; ++b) {
    Tensor v = elementOf(v0, 0, b);
    rows.push_back(v + (elementOf(xs, 0, b) - v) / tau);
  }
  return stackAlong(rows, 0);
}

TEST(VmapStates, BatchStateIsBatchedAlongAxisZeroByDefault) {
  std::mt19937 rng(1);
  Integrator net(5, 3);
  Tensor xs = randomArray(rng, {5, 3}, DType::f64);
  auto step = vmap([&](const Tensor &x) { return net(x); });
  for (int k = 0; k < 2; ++k) {
    Tensor v0 = net.v.value().leaf();
    Tensor want = integratorStep(v0, xs, net.tau.value().leaf());
    Tensor out = step(xs);
    expectNear(net.v.value().leaf(), want, "v", 1e-12);
    expectNear(out, sum(want, {1}), "out", 1e-12);
  }
  // The unbatched counter was written once per call, as a value that does not depend on the batch.
  EXPECT_EQ(net.steps.value().leaf().item<int32_t>(), 2);
}

TEST(VmapStates, BatchStateUnderJit) {
  std::mt19937 rng(2);
  Integrator net(4, 6);
  Tensor xs = randomArray(rng, {4, 6}, DType::f64);
  auto step =
      jit([&](const Tensor &x) { return vmap([&](const Tensor &e) { return net(e); })(x); });
  Tensor v0 = net.v.value().leaf();
  Tensor out = step(xs);
  Tensor want = integratorStep(v0, xs, net.tau.value().leaf());
  expectNear(net.v.value().leaf(), want, "v", 1e-12);
  expectNear(out, sum(want, {1}), "out", 1e-12);
  step(xs); // the cached compiled call
  expectNear(net.v.value().leaf(), integratorStep(want, xs, net.tau.value().leaf()), "v2", 1e-12);
  EXPECT_EQ(net.steps.value().leaf().item<int32_t>(), 2);
}

TEST(VmapStates, InStatesBatchOtherKinds) {
  // A HiddenState holding [B, n] and a shared, unbatched input.
  HiddenState h(Array::fromVector<double>({1, 2, 3, 4, 5, 6}, {3, 2}));
  Tensor x = Array::fromVector<double>({10, 20}, {2});
  auto f = [&](const Tensor &in) {
    h.setValue(h.value().leaf() * 2.0 + in);
    return h.value().leaf();
  };
  Tensor out = vmap(f, {.inAxes = {notBatched}, .outAxes = {1}, .inStates = {{"h", h}}})(x);
  std::vector<double> want = {12, 24, 16, 28, 20, 32};
  EXPECT_EQ(h.value().leaf().toVector<double>(), want);
  EXPECT_EQ(out.shape(), Shape({2, 3}));
  EXPECT_EQ(out.toVector<double>(),
            transpose(Tensor(Array::fromVector(want, {3, 2}))).toVector<double>());
  // outStates are batched states as well.
  HiddenState g(Array::fromVector<double>({1, 2, 3}, {3}));
  vmap([&](const Tensor &in) { g.setValue(g.value().leaf() + in); },
       {.outStates = {{"g", g}}})(Tensor(Array::fromVector<double>({1, 1, 1}, {3})));
  EXPECT_EQ(g.value().leaf().toVector<double>(), (std::vector<double>{2, 3, 4}));
}

TEST(VmapStates, BatchedWriteToAnUnbatchedStateThrowsAndChangesNothing) {
  Integrator net(3, 2);
  HiddenState last(zeros({2}, DType::f64), {.name = "net.last"});
  net.v.setValue(Tree(Tensor(Array::fromVector<double>({1, 2, 3, 4, 5, 6}, {3, 2}))));
  auto f = [&](const Tensor &x) {
    Tensor out = net(x);
    last.setValue(x * 2.0); // depends on the batch: each element would need its own `last`
    return out;
  };
  Tensor xs = Array::fromVector<double>({1, 1, 1, 1, 1, 1}, {3, 2});
  std::vector<Tree> before = {net.v.value(), net.tau.value(), net.steps.value(), last.value()};
  auto check = [&](const std::function<void()> &call) {
    std::string message = errorOf<BatchAxisError>(call);
    EXPECT_THAT(message, HasSubstr("HiddenState 'net.last'"));
    EXPECT_THAT(message, HasSubstr("not batched"));
    EXPECT_THAT(message, HasSubstr("VmapOptions::outStates"));
    std::vector<Tree> after = {net.v.value(), net.tau.value(), net.steps.value(), last.value()};
    for (size_t k = 0; k < before.size(); ++k)
      EXPECT_EQ(after[k].signature(), before[k].signature());
    EXPECT_EQ(net.v.value().leaf().toVector<double>(), before[0].leaf().toVector<double>());
    EXPECT_EQ(net.steps.value().leaf().item<int32_t>(), 0);
    EXPECT_EQ(last.value().leaf().toVector<double>(), before[3].leaf().toVector<double>());
  };
  check([&] { vmap(f)(xs); });
  check([&] { jit([&](const Tensor &x) { return vmap(f)(x); })(xs); });
  try {
    vmap(f)(xs);
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), ErrorCode::BatchAxis);
    EXPECT_STREQ(errorCodeName(e.code()), "batch-axis");
  }
  // Declared batched, the same write is accepted (once `last` carries the batch axis).
  HiddenState lastBatched(zeros({3, 2}, DType::f64));
  vmap([&](const Tensor &x) { lastBatched.setValue(x * 2.0); },
       {.outStates = {{"last", lastBatched}}})(xs);
  EXPECT_EQ(lastBatched.value().leaf().toVector<double>(), std::vector<double>(6, 2.0));
}

TEST(VmapStates, RandomDrawsAreSharedUnlessTheKeyIsBatched) {
  // An unbatched RandomState: every element sees the same draw; the counter advances once.
  RandomState rng(11);
  Tensor xs = zeros({4, 3}, DType::f64);
  Tensor shared = vmap([&](const Tensor &x) { return x + rng.uniform({3}, 0, 1, DType::f64); })(xs);
  RandomState reference(11);
  Tensor once = reference.uniform({3}, 0, 1, DType::f64);
  for (int64_t b = 0; b < 4; ++b)
    expectNear(elementOf(shared, 0, b), once, "shared draw", 0);
  EXPECT_EQ(rng.counter().item<int64_t>(), reference.counter().item<int64_t>());
  // Per-element generators from a batched key argument: element b draws what a generator with
  // key b draws.
  Tensor keys = Array::fromVector<int64_t>({5, 6, 7}, {3});
  auto draw = [](const Tensor &key) {
    RandomState g(Tree::dict({{"counter", Array::scalar<int64_t>(0)}, {"key", key}}));
    return g.normal({2}, 0, 1, DType::f64);
  };
  for (bool underJit : {false, true}) {
    Tensor got =
        underJit ? jit([&](const Tensor &k) { return vmap(draw)(k); })(keys) : vmap(draw)(keys);
    for (int64_t b = 0; b < 3; ++b) {
      RandomState g(5 + b);
      expectNear(elementOf(got, 0, b), g.normal({2}, 0, 1, DType::f64), "per-element key", 0);
    }
  }
}

TEST(VmapErrors, AxesAndSizes) {
  Tensor a = zeros({3, 2}), b = zeros({4, 2});
  auto add = [](const Tensor &x, const Tensor &y) { return x + y; };
  EXPECT_THAT(errorOf([&] { vmap(add)(a, b); }), HasSubstr("the same batch size"));
  EXPECT_THAT(errorOf([&] { vmap(add, {.inAxes = {0}})(a, b); }),
              HasSubstr("inAxes has 1 entries but the function has 2 traced arguments"));
  EXPECT_THAT(errorOf([&] {
                vmap(add, {.inAxes = {2, 0}})(a, a);
              }),
              HasSubstr("batch axis 2 is out of range for argument 0 (f32[3,2]) of rank 2"));
  EXPECT_THAT(errorOf([&] {
                vmap(add, {.inAxes = {notBatched, notBatched}})(a, a);
              }),
              HasSubstr("nothing is batched"));
  BatchState wrongSize(zeros({5, 2}));
  EXPECT_THAT(
      errorOf([&] { vmap([&](const Tensor &x) { return x + wrongSize.value().leaf(); })(a); }),
      HasSubstr("has 5 elements along axis 0 where the batch has 3"));
  EXPECT_EQ(wrongSize.value().leaf().shape(), Shape({5, 2})); // the view was put back
}

TEST(VmapStates, ErrorIfInsideVmapReportsTheFirstFiringElement) {
  Tensor xs = Array::fromVector<double>({1, -2, 3, -4}, {4});
  auto f = [](const Tensor &x) {
    errorIf(x < 0.0, "negative input {}", x);
    return x * 2.0;
  };
  EXPECT_THAT(errorOf<CheckError>([&] { vmap(f)(xs); }), HasSubstr("negative input -2"));
  auto compiled = jit([&](const Tensor &x) { return vmap(f)(x); });
  EXPECT_THAT(errorOf<CheckError>([&] { compiled(xs); }), HasSubstr("negative input -2"));
  EXPECT_EQ(compiled(Tensor(Array::fromVector<double>({3, 1, 2, 5}, {4}))).toVector<double>(),
            (std::vector<double>{6, 2, 4, 10}));
  EXPECT_EQ(vmap(f)(Tensor(Array::fromVector<double>({1, 2}, {2}))).toVector<double>(),
            (std::vector<double>{2, 4}));
}

//===----------------------------------------------------------------------===//
// Ensembles through split / merge
//===----------------------------------------------------------------------===//

struct Linear : Module {
  BST_MODULE(Linear)
  ParamState w, b;
  HiddenState calls;
  Linear(Array w0, Array b0)
      : w(std::move(w0)), b(std::move(b0)), calls(Array::scalar<int32_t>(0)) {
    registerState("w", w);
    registerState("b", b);
    registerState("calls", calls);
  }
  Tensor operator()(const Tensor &x) {
    calls.setValue(calls.value().leaf() + 1);
    return tanh(matmul(x, w.value().leaf()) + b.value().leaf());
  }
};

TEST(VmapEnsemble, EightCopiesThroughSplitAndMerge) {
  std::mt19937 rng(3);
  std::vector<std::shared_ptr<Linear>> copies;
  std::vector<StateMap> maps;
  for (int k = 0; k < 8; ++k) {
    copies.push_back(std::make_shared<Linear>(randomArray(rng, {3, 2}, DType::f64),
                                              randomArray(rng, {2}, DType::f64)));
    maps.push_back(copies.back()->states());
  }
  GraphDef def = graph::graphDef(*copies.front());
  Tree stacked = stackStates(maps);
  Tensor x = randomArray(rng, {5, 3}, DType::f64); // one input for every copy

  // The model is merged inside the vmapped function: its states belong to vmap's trace frame
  // and hold one copy's values; the function returns the output and the new state values.
  auto ensemble = [&](const Tree &values, const Tensor &in) {
    std::shared_ptr<Linear> model = graph::merge<Linear>(def, statesFromValues(values));
    Tensor y = (*model)(in);
    return std::pair<Tensor, Tree>(y, stateValues(model->states()));
  };
  auto run = vmap(ensemble, {.inAxes = {0, notBatched}});
  auto compiled = jit([&](const Tree &v, const Tensor &in) {
    auto [ys, next] = run(v, in);
    return Tree::list({ys, next});
  });
  for (bool underJit : {false, true}) {
    Tree both;
    if (underJit) {
      both = compiled(stacked, x);
    } else {
      auto [ys, next] = run(stacked, x);
      both = Tree::list({ys, next});
    }
    Tensor ys = both[0].leaf();
    const Tree &next = both[1];
    ASSERT_EQ(ys.shape(), Shape({8, 5, 2}));
    for (int k = 0; k < 8; ++k) {
      expectNear(elementOf(ys, 0, k),
                 tanh(matmul(x, copies[k]->w.value().leaf()) + copies[k]->b.value().leaf()),
                 "copy " + std::to_string(k), 1e-12);
    }
    EXPECT_EQ(next["calls"].leaf().toVector<int32_t>(), std::vector<int32_t>(8, 1));
    expectNear(next["w"].leaf(), stacked["w"].leaf(), "w unchanged", 0);
  }
}

//===----------------------------------------------------------------------===//
// Composition with grad
//===----------------------------------------------------------------------===//

TEST(VmapGrad, PerExampleGradientsAndGradientOfABatchedLoss) {
  std::mt19937 rng(4);
  ParamState w(randomArray(rng, {3}, DType::f64));
  Tensor xs = randomArray(rng, {6, 3}, DType::f64), ys = randomArray(rng, {6}, DType::f64);
  auto loss = [&](const Tensor &x, const Tensor &y) {
    Tensor err = sum(x * w.value().leaf()) - y;
    return err * err;
  };
  // vmap of grad: one gradient per example, d/dw (x.w - y)^2 = 2 (x.w - y) x.
  auto perExample = vmap([&](const Tensor &x, const Tensor &y) {
    return grad(loss, StateMap{{"w", w}})(x, y).at("w").value().leaf();
  });
  std::vector<Tensor> rows;
  for (int64_t b = 0; b < 6; ++b) {
    Tensor x = elementOf(xs, 0, b), y = elementOf(ys, 0, b);
    rows.push_back(2.0 * (sum(x * w.value().leaf()) - y) * x);
  }
  Tensor want = stackAlong(rows, 0);
  expectNear(perExample(xs, ys), want, "per-example eager", 1e-12);
  expectNear(jit([&](const Tensor &x, const Tensor &y) { return perExample(x, y); })(xs, ys), want,
             "per-example jit", 1e-12);
  // grad of vmap: the gradient of the mean loss is the mean of the per-example gradients.
  auto meanLoss = [&](const Tensor &x, const Tensor &y) { return mean(vmap(loss)(x, y)); };
  Tensor g = grad(meanLoss, StateMap{{"w", w}})(xs, ys).at("w").value().leaf();
  expectNear(g, mean(want, {0}), "grad of vmap", 1e-12);
}

} // namespace
