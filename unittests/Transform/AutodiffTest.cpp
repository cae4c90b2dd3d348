//===- AutodiffTest.cpp - grad, valueAndGrad and vjp ---------------------===//
//
// Every VJP rule is checked against central finite differences in f64 on random shapes and
// values (a table of cases, each differentiated eagerly and under bst::jit); then gradients of a
// small module's ParamState collection, the API's options and its errors.
//
//===----------------------------------------------------------------------===//
#include "bst/Transform/Autodiff.h"
#include "bst/Graph/Module.h"
#include "bst/Jit/Jit.h"
#include "bst/Trace/Apply.h"
#include "bst/Trace/Ops.h"
#include "bst/Transform/ControlFlow.h"
#include "bst/Transform/ErrorIf.h"
#include "bst/Transform/Random.h"
#include "bst/Transform/Surrogate.h"
#include "../TestUtil.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <cmath>
#include <functional>
#include <random>

using namespace bst;
using bst::testing::errorOf;
using ::testing::HasSubstr;

namespace {

//===----------------------------------------------------------------------===//
// Finite-difference checks
//===----------------------------------------------------------------------===//

using Fn = std::function<Tensor(const std::vector<Tensor> &)>;

/// Uniform values in [lo, hi) of `shape`, f64.
Array randomArray(std::mt19937 &rng, const Shape &shape, double lo = -2, double hi = 2) {
  std::uniform_real_distribution<double> dist(lo, hi);
  std::vector<double> v(shape.numElements());
  for (double &x : v)
    x = dist(rng);
  return Array::fromVector(v, shape);
}

std::vector<double> doubles(const Tensor &t) { return t.toVector<double>(); }

/// A case of the rule table: inputs (f64, differentiated) and a function of them.
struct Case {
  std::string name;
  std::vector<Array> inputs;
  Fn fn;
  double tolerance = 1e-6;
  double eps = 1e-6; ///< The finite-difference step.
};

/// sum(fn(xs) * w): a scalar that weighs every output element differently.
Tensor weighted(const Fn &fn, const std::vector<Tensor> &xs, const Array &w) {
  Tensor y = fn(xs);
  return sum(cast(y, DType::f64) * w);
}

/// d loss / d inputs by central differences.
std::vector<std::vector<double>> finiteDifferences(const Case &c, const Array &w) {
  const double eps = c.eps;
  std::vector<std::vector<double>> out;
  for (size_t k = 0; k < c.inputs.size(); ++k) {
    std::vector<double> grad;
    std::vector<double> base = c.inputs[k].toVector<double>();
    for (size_t e = 0; e < base.size(); ++e) {
      auto at = [&](double delta) {
        std::vector<Tensor> xs(c.inputs.begin(), c.inputs.end());
        std::vector<double> moved = base;
        moved[e] += delta;
        xs[k] = Array::fromVector(moved, c.inputs[k].shape());
        return weighted(c.fn, xs, w).item<double>();
      };
      grad.push_back((at(eps) - at(-eps)) / (2 * eps));
    }
    out.push_back(grad);
  }
  return out;
}

void expectClose(const std::vector<double> &got, const std::vector<double> &want, double tol,
                 const std::string &what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], want[i], tol * (1 + std::abs(want[i]))) << what << " element " << i;
}

/// Checks one case: grad with respect to states holding the inputs, eagerly (and under jit if
/// `compiled`) against finite differences; eager and jitted gradients must agree.
void checkCase(const Case &c, std::mt19937 &rng, bool compiled) {
  SCOPED_TRACE(c.name);
  std::vector<Tensor> xs(c.inputs.begin(), c.inputs.end());
  Array w = randomArray(rng, c.fn(xs).shape());
  std::vector<std::vector<double>> want = finiteDifferences(c, w);

  std::vector<ParamState> states;
  StateMap map;
  for (size_t k = 0; k < c.inputs.size(); ++k)
    states.emplace_back(c.inputs[k], StateOptions{.name = "x" + std::to_string(k)});
  for (size_t k = 0; k < states.size(); ++k)
    map.insert("x" + std::to_string(k), states[k]);
  auto loss = [&] {
    std::vector<Tensor> vs;
    for (const ParamState &s : states)
      vs.push_back(s.value().leaf());
    return weighted(c.fn, vs, w);
  };
  Gradients eager = grad(loss, map)();
  for (size_t k = 0; k < states.size(); ++k)
    expectClose(doubles(eager.at("x" + std::to_string(k)).value()), want[k], c.tolerance,
                "eager d/dx" + std::to_string(k));
  if (!compiled)
    return;

  std::vector<ParamState> out;
  for (size_t k = 0; k < states.size(); ++k)
    out.emplace_back(zeros(c.inputs[k].shape(), DType::f64));
  auto step = jit([&](const Tensor &) {
    Gradients g = grad(loss, map)();
    for (size_t k = 0; k < out.size(); ++k)
      out[k].setValue(g.at("x" + std::to_string(k)).value());
  });
  step(Array::scalar<float>(0));
  for (size_t k = 0; k < states.size(); ++k) {
    std::vector<double> e = doubles(eager.at("x" + std::to_string(k)).value());
    expectClose(doubles(out[k].value()), e, 1e-9, "jit vs eager d/dx" + std::to_string(k));
  }
}

/// A random shape of `rank` with extents in [1, 4].
Shape randomShape(std::mt19937 &rng, size_t rank) {
  std::uniform_int_distribution<int64_t> extent(1, 4);
  std::vector<int64_t> d(rank);
  for (int64_t &x : d)
    x = extent(rng);
  return Shape(d);
}

Tensor unary(OpKind kind, const Tensor &x) { return detail::apply(kind, {x}); }

std::vector<Case> ruleCases(std::mt19937 &rng) {
  std::vector<Case> cases;
  auto shape = [&](size_t rank) { return randomShape(rng, rank); };
  auto add = [&](std::string name, std::vector<Array> inputs, Fn fn, double tol = 1e-6,
                 double eps = 1e-6) {
    cases.push_back({std::move(name), std::move(inputs), std::move(fn), tol, eps});
  };
  Shape s = shape(2);
  auto r = [&](const Shape &sh, double lo = -2, double hi = 2) {
    return randomArray(rng, sh, lo, hi);
  };
  // Unary elementwise.
  for (OpKind k : {OpKind::Neg, OpKind::Abs, OpKind::Exp, OpKind::Expm1, OpKind::Tanh,
                   OpKind::Sigmoid, OpKind::Sin, OpKind::Cos})
    add(opName(k), {r(s)}, [k](auto &x) { return unary(k, x[0]); });
  for (OpKind k : {OpKind::Log, OpKind::Log1p, OpKind::Sqrt, OpKind::Rsqrt})
    add(opName(k), {r(s, 0.5, 3)}, [k](auto &x) { return unary(k, x[0]); });
  // Binary elementwise, with broadcasting on the second operand.
  Shape row{1, s[1]};
  add("add", {r(s), r(row)}, [](auto &x) { return x[0] + x[1]; });
  add("sub", {r(s), r(row)}, [](auto &x) { return x[0] - x[1]; });
  add("mul", {r(s), r(s)}, [](auto &x) { return x[0] * x[1]; });
  add("div", {r(s), r(s, 0.5, 2)}, [](auto &x) { return x[0] / x[1]; });
  add("pow", {r(s, 0.5, 2), r(s)}, [](auto &x) { return pow(x[0], x[1]); });
  add("min", {r(s), r(s)}, [](auto &x) { return min(x[0], x[1]); });
  add("max", {r(s), r(row)}, [](auto &x) { return max(x[0], x[1]); });
  add("select", {r(s), r(s)}, [](auto &x) { return where(x[0] > 0.f, x[0], x[1]); });
  // Linear in x, so a large step is exact up to f32 rounding.
  add("cast f64->f32->f64", {r(s)}, [](auto &x) { return cast(cast(x[0], f32) * 3.f, f64); },
      1e-4, 1e-2);
  add("cast through int (no gradient)", {r(s)},
      [](auto &x) { return x[0] * cast(cast(x[0] * 10.0, i32), f64); });
  add("sign floor round carry none", {r(s)},
      [](auto &x) { return x[0] * (sign(x[0]) + floor(x[0]) + round(x[0]) + ceil(x[0])); });
  // Shapes.
  Shape b3 = shape(3);
  add("broadcast_in_dim", {r(Shape{b3[1], 1})},
      [b3](auto &x) { return broadcastTo(x[0], Shape{b3[0], b3[1], b3[2]}); });
  add("reshape", {r(b3)}, [b3](auto &x) { return reshape(x[0], {b3[2], -1}); });
  add("transpose", {r(b3)}, [](auto &x) { return transpose(x[0], {2, 0, 1}); });
  add("concatenate", {r(Shape{2, 3}), r(Shape{2, 1}), r(Shape{2, 2})},
      [](auto &x) { return concatenate({x[0], x[1], x[2]}, 1); });
  add("slice", {r(Shape{7, 5})}, [](auto &x) { return slice(x[0], {1, 0}, {7, 4}, {2, 3}); });
  add("dynamic_slice", {r(Shape{5, 4})},
      [](auto &x) { return dynamicSlice(x[0], {scalar(1), scalar(3)}, {3, 2}); });
  add("dynamic_update_slice", {r(Shape{5, 4}), r(Shape{2, 3})},
      [](auto &x) { return dynamicUpdateSlice(x[0], x[1], {scalar(4), scalar(1)}); });
  // Indexing: repeated, negative (clamped) and too large indices.
  Array idx = Array::fromVector<int32_t>({0, 2, 2, -1, 9, 1}, {2, 3});
  add("gather", {r(Shape{3, 4})}, [idx](auto &x) { return gather(x[0], idx, 1); });
  add("scatter_add", {r(Shape{3, 4}), r(Shape{3, 2, 3})},
      [idx](auto &x) { return scatterAdd(x[0], idx, x[1], 1); });
  // Reductions and matmul.
  add("reduce_sum", {r(b3)}, [](auto &x) { return sum(x[0], {0, 2}); });
  add("mean", {r(b3)}, [](auto &x) { return mean(x[0], 1, true); });
  add("reduce_max", {r(b3)}, [](auto &x) { return reduceMax(x[0], {1}); });
  add("reduce_min", {r(b3)}, [](auto &x) { return reduceMin(x[0]); });
  add("matmul", {r(Shape{3, 4}), r(Shape{4, 2})}, [](auto &x) { return matmul(x[0], x[1]); });
  add("matmul batched", {r(Shape{2, 3, 4}), r(Shape{2, 4, 5})},
      [](auto &x) { return matmul(x[0], x[1]); });
  add("matmul vector", {r(Shape{4}), r(Shape{4, 3})}, [](auto &x) { return matmul(x[0], x[1]); });
  // EventSum: rows 0 (2 synapses), 1 (none), 2 (3), 3 (1), of which 0, 2 and 3 spike.
  Array spikes = Array::fromVector<bool>({true, true, true, true}, {4});
  spikes.mutableData<bool>()[1] = false;
  Array rowPtr = Array::fromVector<int32_t>({0, 2, 2, 5, 6}, {5});
  Array cols = Array::fromVector<int32_t>({1, 0, 2, 2, 1, 0}, {6});
  add("event_sum", {r(Shape{6})}, [=](auto &x) {
    return detail::apply(OpKind::EventSum, {spikes, rowPtr, cols, x[0]}, {.shape = {3}});
  });
  // Compositions.
  add("softmax", {r(Shape{3, 5})}, [](auto &x) {
    Tensor e = exp(x[0] - reduceMax(x[0], {1}, true));
    return e / sum(e, {1}, true);
  });
  add("same value used twice", {r(s)}, [](auto &x) { return tanh(x[0]) * x[0] + x[0]; });
  return cases;
}

TEST(AutodiffRuleTest, EveryRuleMatchesFiniteDifferences) {
  for (uint32_t seed : {1u, 2u, 3u}) {
    std::mt19937 rng(seed);
    for (const Case &c : ruleCases(rng))
      checkCase(c, rng, /*compiled=*/seed == 1);
  }
}

TEST(AutodiffRuleTest, TiesSplitTheGradient) {
  ParamState x(Array::fromVector<double>({1, 3, 3}, {3}), {.name = "x"});
  ParamState y(Array::fromVector<double>({2, 3, 1}, {3}), {.name = "y"});
  Gradients g = grad([&] { return sum(max(x.value().leaf(), y.value().leaf())); },
                     StateMap{{"x", x}, {"y", y}})();
  EXPECT_EQ(doubles(g.at("x").value()), (std::vector<double>{0, 0.5, 1}));
  EXPECT_EQ(doubles(g.at("y").value()), (std::vector<double>{1, 0.5, 0}));
  Gradients m = grad([&] { return reduceMax(x.value().leaf()); }, StateMap{{"x", x}})();
  EXPECT_EQ(doubles(m.at("x").value()), (std::vector<double>{0, 0.5, 0.5}));
}

//===----------------------------------------------------------------------===//
// A model's ParamState collection
//===----------------------------------------------------------------------===//

struct Dense : Module {
  BST_MODULE(Dense)
  ParamState w, b;
  Dense(Array w0, Array b0) : w(std::move(w0)), b(std::move(b0)) {
    registerState("w", w);
    registerState("b", b);
  }
  Tensor operator()(const Tensor &x) { return matmul(x, w.value()) + b.value(); }
};

/// Two dense layers with a tanh between them, and a HiddenState counting the calls.
struct Mlp : Module {
  BST_MODULE(Mlp)
  Dense fc1, fc2;
  HiddenState calls;
  Mlp(std::mt19937 &rng, DType dtype = DType::f64)
      : fc1(cast(randomArray(rng, {3, 5}), dtype).array(), cast(randomArray(rng, {5}), dtype).array()),
        fc2(cast(randomArray(rng, {5, 2}), dtype).array(), cast(randomArray(rng, {2}), dtype).array()),
        calls(Array::scalar<int32_t>(0)) {
    registerModule("fc1", fc1);
    registerModule("fc2", fc2);
    registerState("calls", calls);
  }
  Tensor operator()(const Tensor &x) {
    calls.setValue(calls.value().leaf() + 1);
    return fc2(tanh(fc1(x)));
  }
};

Tensor mse(const Tensor &a, const Tensor &b) { return mean((a - b) * (a - b)); }

TEST(AutodiffModelTest, ParamGradientsMatchFiniteDifferences) {
  std::mt19937 rng(7);
  Mlp net(rng);
  Array x = randomArray(rng, {4, 3}), y = randomArray(rng, {4, 2});
  StateMap params = net.states<ParamState>();
  auto lossFn = [&](const Tensor &x, const Tensor &y) { return mse(net(x), y); };
  auto [loss, grads] = valueAndGrad(lossFn, params)(x, y);
  EXPECT_EQ(grads.paths(), params.paths());
  EXPECT_EQ(net.calls.value().leaf().item<int32_t>(), 1); // the write in the loss was applied

  double l0 = loss.item<double>();
  for (const auto &[path, state] : params) {
    std::vector<double> base = doubles(state.value());
    std::vector<double> fd;
    for (size_t e = 0; e < base.size(); ++e) {
      auto at = [&](double d) {
        std::vector<double> moved = base;
        moved[e] += d;
        State(state).setValue(Array::fromVector(moved, state.signature().leaves()[0].shape));
        double l = lossFn(x, y).item<double>();
        State(state).setValue(Array::fromVector(base, state.signature().leaves()[0].shape));
        return l;
      };
      fd.push_back((at(1e-6) - at(-1e-6)) / 2e-6);
    }
    expectClose(doubles(grads.at(path).value()), fd, 1e-6, path);
    EXPECT_EQ(grads.at(path).signature(), state.signature()) << path;
  }
  EXPECT_NEAR(lossFn(x, y).item<double>(), l0, 1e-12);
}

TEST(AutodiffModelTest, JittedTrainStepMatchesEager) {
  // The same SGD steps eagerly and as one compiled function (forward, backward, update).
  std::mt19937 rngA(11), rngB(11);
  Mlp eagerNet(rngA, DType::f32), jitNet(rngB, DType::f32);
  std::mt19937 data(3);
  Array x = cast(randomArray(data, {8, 3}), f32).array();
  Array y = cast(randomArray(data, {8, 2}), f32).array();
  auto trainStep = [](Mlp &net, const Tensor &x, const Tensor &y) {
    StateMap params = net.states<ParamState>();
    auto [loss, grads] =
        valueAndGrad([&](const Tensor &x) { return mse(net(x), y); }, params)(x);
    for (const auto &[path, p] : params)
      State(p).setValue(p.value().leaf() - 0.1f * grads.at(path).value().leaf());
    return loss;
  };
  auto compiled = jit([&](const Tensor &x, const Tensor &y) { return trainStep(jitNet, x, y); });
  std::vector<float> eagerLoss, jitLoss;
  for (int k = 0; k < 5; ++k) {
    eagerLoss.push_back(trainStep(eagerNet, x, y).item<float>());
    jitLoss.push_back(compiled(x, y).item<float>());
  }
  EXPECT_EQ(compiled.cacheSize(), 1u);
  EXPECT_LT(eagerLoss.back(), eagerLoss.front());
  for (int k = 0; k < 5; ++k)
    EXPECT_NEAR(jitLoss[k], eagerLoss[k], 1e-5 * (1 + std::abs(eagerLoss[k])));
  for (const auto &[path, p] : eagerNet.states<ParamState>())
    expectClose(cast(jitNet.state(path).value().leaf(), f64).toVector<double>(),
                cast(p.value().leaf(), f64).toVector<double>(), 1e-5, path);
  EXPECT_EQ(jitNet.calls.value().leaf().item<int32_t>(), 5);
}

//===----------------------------------------------------------------------===//
// Options, outputs and closures
//===----------------------------------------------------------------------===//

TEST(AutodiffTest, ArgumentGradientsAndAux) {
  ParamState w(Array::fromVector<double>({1, 2}, {2}), {.name = "w"});
  auto f = [&](const Tensor &x, int scale, const Tensor &y) {
    Tensor l = sum(w.value().leaf() * x * y) * scale;
    return std::make_pair(l, x * 2.0);
  };
  Array x = Array::fromVector<double>({3, 4}, {2}), y = Array::fromVector<double>({5, 6}, {2});
  auto [loss, grads, aux] = valueAndGrad(f, StateMap{{"w", w}}, {.argnums = {2, 0}})(x, 10, y);
  EXPECT_EQ(loss.item<double>(), 10 * (15 + 48));
  EXPECT_EQ(doubles(aux), (std::vector<double>{6, 8}));
  EXPECT_EQ(doubles(grads.at("w").value()), (std::vector<double>{150, 240}));
  ASSERT_EQ(grads.args.size(), 2u);
  EXPECT_EQ(doubles(grads.args[0].leaf()), (std::vector<double>{30, 80})); // d/dy
  EXPECT_EQ(doubles(grads.args[1].leaf()), (std::vector<double>{50, 120})); // d/dx
}

TEST(AutodiffTest, VjpOfAVectorOutput) {
  ParamState w(Array::fromVector<double>({1, 2, 3}, {3}), {.name = "w"});
  auto [out, pullback] = vjp([&] { return w.value().leaf() * w.value().leaf(); },
                             StateMap{{"w", w}})();
  EXPECT_EQ(doubles(out), (std::vector<double>{1, 4, 9}));
  Gradients g = pullback(Array::fromVector<double>({1, 0, 10}, {3}));
  EXPECT_EQ(doubles(g.at("w").value()), (std::vector<double>{2, 0, 60}));
  EXPECT_THAT(errorOf([&] { pullback(Array::fromVector<double>({1}, {1})); }),
              HasSubstr("vjp: the cotangent must be like the output (f64[3])"));
}

TEST(AutodiffTest, AllowUnusedGivesZeros) {
  ParamState a(Array::fromVector<float>({1, 2}, {2}), {.name = "a"});
  ParamState b(Array::fromVector<float>({5}, {1}), {.name = "b"});
  Gradients g = grad([&] { return sum(a.value().leaf() * 3.f); }, StateMap{{"a", a}, {"b", b}},
                     {.allowUnused = true})();
  EXPECT_EQ(g.at("a").value().toVector<float>(), (std::vector<float>{3, 3}));
  EXPECT_EQ(g.at("b").value().toVector<float>(), (std::vector<float>{0}));
}

TEST(AutodiffTest, TreeValuedStates) {
  ParamState layer(Tree::dict({{"w", Array::fromVector<double>({1, 2}, {2})},
                               {"b", Array::fromVector<double>({3}, {1})}}),
                   {.name = "layer"});
  Gradients g = grad(
      [&] {
        Tree v = layer.value();
        return sum(v["w"].leaf() * v["w"].leaf()) + sum(v["b"].leaf() * 2.0);
      },
      StateMap{{"layer", layer}})();
  Tree t = g.at("layer").value();
  EXPECT_EQ(doubles(t["w"].leaf()), (std::vector<double>{2, 4}));
  EXPECT_EQ(doubles(t["b"].leaf()), (std::vector<double>{2}));
}

TEST(AutodiffTest, ClosuresOverJittedValuesAreLifted) {
  // The loss closes over x, a traced value of the enclosing jit: it enters the inner trace as an
  // argument rather than leaking.
  ParamState w(Array::fromVector<float>({1, 2}, {2}), {.name = "w"});
  ParamState out(zeros({2}));
  auto step = jit([&](const Tensor &x) {
    Tensor x2 = x * 2.f;
    Gradients g = grad([&] { return sum(w.value().leaf() * x2); }, StateMap{{"w", w}})();
    out.setValue(g.at("w").value());
  });
  step(Array::fromVector<float>({3, 4}, {2}));
  EXPECT_EQ(out.value().toVector<float>(), (std::vector<float>{6, 8}));
}

TEST(AutodiffTest, SecondOrder) {
  ParamState x(Array::scalar<double>(1.5), {.name = "x"});
  StateMap m{{"x", x}};
  Gradients g2 = grad(
      [&] {
        Gradients g = grad([&] { return pow(x.value().leaf(), 3.0); }, m)();
        return g.at("x").value().leaf(); // 3 x^2
      },
      m)();
  EXPECT_NEAR(g2.at("x").value().leaf().item<double>(), 6 * 1.5, 1e-12);
}

TEST(AutodiffTest, ErrorIfInsideTheFunctionIsRaised) {
  ParamState w(Array::fromVector<float>({1, 2}, {2}), {.name = "w"});
  HiddenState n(Array::scalar<int32_t>(0), {.name = "n"});
  auto loss = [&](const Tensor &limit) {
    n.setValue(n.value().leaf() + 1);
    Tensor s = sum(w.value().leaf() * w.value().leaf());
    errorIf(s > limit, "loss {} above {} (call {})", s, limit, n.value().leaf());
    return s;
  };
  Gradients g = grad(loss, StateMap{{"w", w}})(Array::scalar<float>(10));
  EXPECT_EQ(g.at("w").value().toVector<float>(), (std::vector<float>{2, 4}));
  EXPECT_EQ(n.value().leaf().item<int32_t>(), 1);
  EXPECT_THAT(errorOf<CheckError>(
                  [&] { grad(loss, StateMap{{"w", w}})(Array::scalar<float>(1)); }),
              HasSubstr("loss 5 above 1 (call 2)"));
  EXPECT_EQ(n.value().leaf().item<int32_t>(), 1); // nothing written
  auto step = jit([&](const Tensor &limit) {
    return grad(loss, StateMap{{"w", w}})(limit).at("w").value().leaf();
  });
  EXPECT_EQ(step(Array::scalar<float>(10)).toVector<float>(), (std::vector<float>{2, 4}));
  EXPECT_EQ(n.value().leaf().item<int32_t>(), 2);
  EXPECT_THAT(errorOf<CheckError>([&] { step(Array::scalar<float>(1)); }),
              HasSubstr("loss 5 above 1 (call 3)"));
  EXPECT_EQ(n.value().leaf().item<int32_t>(), 2); // the compiled call changed nothing
}

TEST(AutodiffTest, ForwardThroughLoopsWithoutDifferentiatingThem) {
  // A loop that only counts, next to a differentiated expression.
  ParamState w(Array::fromVector<float>({2}, {1}), {.name = "w"});
  HiddenState n(Array::scalar<int32_t>(0), {.name = "n"});
  auto f = [&] {
    forLoop(4, [&] { n.setValue(n.value().leaf() + 1); });
    return sum(w.value().leaf() * w.value().leaf());
  };
  Gradients g = grad(f, StateMap{{"w", w}})();
  EXPECT_EQ(g.at("w").value().toVector<float>(), (std::vector<float>{4}));
  EXPECT_EQ(n.value().leaf().item<int32_t>(), 4);
}

//===----------------------------------------------------------------------===//
// customVjp and surrogate gradients
//===----------------------------------------------------------------------===//

/// A straight-through round: round forward, identity backward.
auto roundSte = customVjp([](const Tensor &x) { return round(x); },
                          [](const std::vector<Tensor> &, const Tensor &, const Tensor &g) {
                            return std::vector<Tensor>{g};
                          });

TEST(CustomVjpTest, TheRuleReplacesTheDerivative) {
  ParamState w(Array::fromVector<float>({0.4f, 1.6f}, {2}), {.name = "w"});
  Array c = Array::fromVector<float>({3, 5}, {2});
  auto loss = [&] { return sum(roundSte(w.value().leaf()) * c); };
  auto [value, g] = valueAndGrad(loss, StateMap{{"w", w}})();
  EXPECT_EQ(value.item<float>(), 10.f); // round(0.4) * 3 + round(1.6) * 5
  EXPECT_EQ(g.at("w").value().toVector<float>(), (std::vector<float>{3, 5}));
  ParamState out(zeros({2}));
  jit([&](const Tensor &) { out.setValue(grad(loss, StateMap{{"w", w}})().at("w").value()); })(
      Array::scalar<float>(0));
  EXPECT_EQ(out.value().toVector<float>(), (std::vector<float>{3, 5}));
  // Outside of a gradient it is the function itself, eagerly and compiled.
  EXPECT_EQ(roundSte(c * 0.3f).toVector<float>(), (std::vector<float>{1, 2}));
  EXPECT_EQ(jit([&](const Tensor &x) { return roundSte(x); })(c * 0.3f).toVector<float>(),
            (std::vector<float>{1, 2}));
}

TEST(CustomVjpTest, SeveralInputsAndSecondOrder) {
  // f(x, y) = x * y with a rule that scales the true cotangents: checks the inputs' order.
  auto scaled = customVjp([](const Tensor &x, const Tensor &y) { return x * y; },
                          [](const std::vector<Tensor> &in, const Tensor &, const Tensor &g) {
                            return std::vector<Tensor>{g * in[1] * 10.0, g * in[0] * 100.0};
                          });
  ParamState x(Array::scalar<double>(2), {.name = "x"}), y(Array::scalar<double>(3), {.name = "y"});
  Gradients g = grad([&] { return scaled(x.value().leaf(), y.value().leaf()); },
                     StateMap{{"x", x}, {"y", y}})();
  EXPECT_EQ(g.at("x").value().leaf().item<double>(), 30);
  EXPECT_EQ(g.at("y").value().leaf().item<double>(), 200);
  // The second derivative differentiates the rule: d/dx (10 g y) = 0, d/dy (10 g y) = 10.
  Gradients g2 = grad(
      [&] {
        return grad([&] { return scaled(x.value().leaf(), y.value().leaf()); },
                    StateMap{{"x", x}})()
            .at("x")
            .value()
            .leaf();
      },
      StateMap{{"y", y}})();
  EXPECT_EQ(g2.at("y").value().leaf().item<double>(), 10);
}

TEST(CustomVjpTest, BadRulesAreErrors) {
  ParamState x(Array::fromVector<float>({1, 2}, {2}), {.name = "x"});
  auto twoCotangents = customVjp([](const Tensor &v) { return v * 2.f; },
                                 [](const std::vector<Tensor> &, const Tensor &, const Tensor &g) {
                                   return std::vector<Tensor>{g, g};
                                 });
  EXPECT_THAT(errorOf([&] { grad([&] { return sum(twoCotangents(x.value().leaf())); },
                                 StateMap{{"x", x}})(); }),
              HasSubstr("customVjp: the backward rule returned 2 cotangents for 1 inputs"));
  auto wrongShape = customVjp([](const Tensor &v) { return v * 2.f; },
                              [](const std::vector<Tensor> &, const Tensor &, const Tensor &g) {
                                return std::vector<Tensor>{sum(g)};
                              });
  EXPECT_THAT(errorOf([&] { grad([&] { return sum(wrongShape(x.value().leaf())); },
                                 StateMap{{"x", x}})(); }),
              HasSubstr("returned f32[] as the cotangent of input 0, which is f32[2]"));
}

TEST(SurrogateTest, ForwardIsTheStepAndGradientTheSurrogate) {
  std::vector<double> xs{-1.5, -0.2, 0, 0.1, 2};
  ParamState w(Array::fromVector<double>(xs, {5}), {.name = "w"});
  for (bool fast : {false, true}) {
    double alpha = fast ? 25 : 4;
    auto spike = [&](const Tensor &v) {
      return fast ? surrogate::fastSigmoid(v) : surrogate::sigmoid(v);
    };
    auto [value, g] = valueAndGrad([&] { return sum(spike(w.value().leaf()) * 2.0); },
                                   StateMap{{"w", w}})();
    EXPECT_EQ(value.item<double>(), 4); // two positive entries, x = 0 does not spike
    std::vector<double> got = doubles(g.at("w").value());
    for (size_t i = 0; i < xs.size(); ++i) {
      double s = 1 / (1 + std::exp(-alpha * xs[i]));
      double d = fast ? 1 / ((1 + alpha * std::abs(xs[i])) * (1 + alpha * std::abs(xs[i])))
                      : alpha * s * (1 - s);
      EXPECT_NEAR(got[i], 2 * d, 1e-12) << (fast ? "fastSigmoid " : "sigmoid ") << xs[i];
    }
  }
  EXPECT_EQ(surrogate::sigmoid(Array::fromVector<float>({-1, 0, 3}, {3})).toVector<float>(),
            (std::vector<float>{0, 0, 1}));
  EXPECT_EQ(surrogate::fastSigmoid(Array::fromVector<int32_t>({-1, 0, 3}, {3})).dtype(), f32);
}

TEST(SurrogateTest, SpikingLayerTrainsEagerAndJitAlike) {
  // One LIF-like step: spikes of (x w - 1); gradients of the spike count with respect to w.
  std::mt19937 rng(5);
  Array x = cast(randomArray(rng, {4, 3}, 0, 1), f32).array();
  Array w0 = cast(randomArray(rng, {3, 6}, 0, 1), f32).array();
  ParamState eagerW(w0, {.name = "w"}), jitW(w0, {.name = "w"});
  auto step = [&](ParamState &w) {
    auto loss = [&] {
      Tensor spikes = surrogate::sigmoid(matmul(x, w.value().leaf()) - 1.f);
      Tensor d = sum(spikes, 0) - 2.f; // two spikes per neuron
      return sum(d * d);
    };
    auto [l, g] = valueAndGrad(loss, StateMap{{"w", w}})();
    w.setValue(w.value().leaf() - 0.05f * g.at("w").value().leaf());
    return l;
  };
  auto compiled = jit([&](const Tensor &) { return step(jitW); });
  for (int k = 0; k < 3; ++k) {
    float e = step(eagerW).item<float>();
    EXPECT_NEAR(compiled(Array::scalar<float>(0)).item<float>(), e, 1e-4);
  }
  expectClose(cast(jitW.value().leaf(), f64).toVector<double>(),
              cast(eagerW.value().leaf(), f64).toVector<double>(), 1e-5, "w");
}

//===----------------------------------------------------------------------===//
// Control flow
//===----------------------------------------------------------------------===//

/// Checks grad(loss, params) against central finite differences (f64 params), eagerly and under
/// jit; `loss` must reset any state it carries so that each call starts alike.
void checkStateGradients(const std::function<Tensor()> &loss, const StateMap &params,
                         double tol = 1e-6) {
  Gradients eager = grad(loss, params)();
  std::vector<State> out;
  for (const auto &[path, p] : params)
    out.emplace_back(zeros(p.signature().leaves()[0].shape, DType::f64));
  auto compiled = jit([&](const Tensor &) {
    Gradients g = grad(loss, params)();
    size_t k = 0;
    for (const auto &[path, p] : params)
      out[k++].setValue(g.at(path).value());
  });
  compiled(Array::scalar<float>(0));
  size_t k = 0;
  for (const auto &[path, p] : params) {
    State state = p;
    std::vector<double> base = doubles(state.value());
    const Shape &shape = state.signature().leaves()[0].shape;
    std::vector<double> fd;
    for (size_t e = 0; e < base.size(); ++e) {
      auto at = [&](double d) {
        std::vector<double> moved = base;
        moved[e] += d;
        state.setValue(Array::fromVector(moved, shape));
        double l = loss().item<double>();
        state.setValue(Array::fromVector(base, shape));
        return l;
      };
      fd.push_back((at(1e-6) - at(-1e-6)) / 2e-6);
    }
    std::vector<double> got = doubles(eager.at(path).value());
    expectClose(got, fd, tol, "eager d/d" + path);
    expectClose(doubles(out[k++].value()), got, 1e-9, "jit vs eager d/d" + path);
  }
}

/// A small tanh RNN's weights and inputs.
struct Rnn {
  std::mt19937 rng{21};
  ParamState w{randomArray(rng, {3, 3}, -0.8, 0.8), {.name = "w"}};
  ParamState u{randomArray(rng, {2, 3}, -1, 1), {.name = "u"}};
  HiddenState h{zeros({1, 3}, DType::f64), {.name = "h"}};
  HiddenState energy{Array::scalar<double>(0), {.name = "energy"}};
  Array xs = randomArray(rng, {20, 2});
  Array c = randomArray(rng, {1, 3});
  StateMap params{{"w", w}, {"u", u}};
};

TEST(AutodiffControlFlowTest, TwentyStepForLoopMatchesFiniteDifferences) {
  Rnn m;
  auto loss = [&] {
    m.h.setValue(zeros({1, 3}, DType::f64));
    m.energy.setValue(Array::scalar<double>(0));
    forLoop(20, [&](const Tensor &i) {
      Tensor x = dynamicSlice(m.xs, {i, scalar(0)}, {1, 2});
      Tensor h = tanh(matmul(m.h.value().leaf(), m.w.value().leaf()) +
                      matmul(x, m.u.value().leaf()));
      m.h.setValue(h);
      m.energy.setValue(m.energy.value().leaf() + sum(h * h) * 0.1);
    });
    return sum(m.h.value().leaf() * m.c) + m.energy.value().leaf();
  };
  checkStateGradients(loss, m.params);
}

TEST(AutodiffControlFlowTest, TwentyStepScanMatchesFiniteDifferences) {
  Rnn m;
  auto loss = [&] {
    ScanResult r = scan(
        [&](const Tensor &h, const Tensor &x) {
          Tensor next = tanh(matmul(h, m.w.value().leaf()) +
                             matmul(reshape(x, {1, 2}), m.u.value().leaf()));
          return ScanResult{next, next * 2.0};
        },
        zeros({1, 3}, DType::f64), m.xs);
    // ys is [20, 1, 3]: weigh every step differently.
    return sum(r.ys.leaf() * reshape(arange(20, DType::f64), {20, 1, 1})) +
           sum(r.carry.leaf() * m.c);
  };
  checkStateGradients(loss, m.params);
}

TEST(AutodiffControlFlowTest, NestedLoopsAndCarriedIntegers) {
  Rnn m;
  HiddenState n(Array::scalar<int32_t>(0), {.name = "n"});
  auto loss = [&] {
    m.h.setValue(Array::fromVector<double>({0.1, -0.2, 0.3}, {1, 3}));
    n.setValue(Array::scalar<int32_t>(0));
    forLoop(3, [&] {
      forLoop(4, [&] {
        n.setValue(n.value().leaf() + 1);
        m.h.setValue(sin(matmul(m.h.value().leaf(), m.w.value().leaf())) *
                     cast(n.value().leaf(), f64) * 0.2);
      });
    });
    return sum(m.h.value().leaf() * m.c);
  };
  checkStateGradients(loss, StateMap{{"w", m.w}});
}

TEST(AutodiffControlFlowTest, CondAndSwitchCase) {
  Rnn m;
  for (int branch = 0; branch < 3; ++branch) {
    auto loss = [&] {
      m.h.setValue(Array::fromVector<double>({0.5, -0.2, 0.3}, {1, 3}));
      Tensor pre = matmul(m.h.value().leaf(), m.w.value().leaf());
      switchCase(scalar(branch), {[&] { m.h.setValue(tanh(pre)); },
                                  [&] { m.h.setValue(pre * pre); },
                                  [&] { /* keeps h */ }});
      cond(sum(pre) > 0.0, [&] { m.energy.setValue(sum(exp(pre))); },
           [&] { m.energy.setValue(sum(pre) * 3.0); });
      return sum(m.h.value().leaf() * m.c) + m.energy.value().leaf();
    };
    SCOPED_TRACE(branch);
    checkStateGradients(loss, StateMap{{"w", m.w}});
  }
  // A traced index: under jit the branches are compiled and the backward switches the same way.
  ParamState x(Array::fromVector<double>({1, 2}, {2}), {.name = "x"});
  ParamState out(zeros({2}, DType::f64));
  auto step = jit([&](const Tensor &k) {
    auto loss = [&] {
      HiddenState y(zeros({2}, DType::f64));
      switchCase(k, {[&] { y.setValue(x.value().leaf() * 3.0); },
                     [&] { y.setValue(x.value().leaf() * x.value().leaf()); }});
      return sum(y.value().leaf());
    };
    out.setValue(grad(loss, StateMap{{"x", x}})().at("x").value());
  });
  step(Array::scalar<int32_t>(0));
  EXPECT_EQ(doubles(out.value()), (std::vector<double>{3, 3}));
  step(Array::scalar<int32_t>(1));
  EXPECT_EQ(doubles(out.value()), (std::vector<double>{2, 4}));
}

TEST(AutodiffControlFlowTest, SurrogateSpikesThroughTime) {
  // A LIF layer over 20 steps: the spikes' surrogate gradients flow back through the loop.
  std::mt19937 rng(9);
  ParamState w(cast(randomArray(rng, {2, 4}, 0, 1), f32).array(), {.name = "w"});
  HiddenState v(zeros({4}), {.name = "v"}), count(zeros({4}), {.name = "count"});
  Array drive = cast(randomArray(rng, {20, 2}, 0, 2), f32).array();
  auto loss = [&] {
    v.setValue(zeros({4}));
    count.setValue(zeros({4}));
    forLoop(20, [&](const Tensor &i) {
      Tensor x = reshape(dynamicSlice(drive, {i, scalar(0)}, {1, 2}), {2});
      Tensor nv = v.value().leaf() * 0.9f + matmul(x, w.value().leaf());
      Tensor spike = surrogate::fastSigmoid(nv - 1.f);
      v.setValue(nv * (1 - spike));
      count.setValue(count.value().leaf() + spike);
    });
    Tensor d = count.value().leaf() - 5.f;
    return sum(d * d);
  };
  Gradients eager = grad(loss, StateMap{{"w", w}})();
  ParamState out(zeros({2, 4}));
  jit([&](const Tensor &) { out.setValue(grad(loss, StateMap{{"w", w}})().at("w").value()); })(
      Array::scalar<float>(0));
  std::vector<float> e = eager.at("w").value().toVector<float>();
  std::vector<float> c = out.value().toVector<float>();
  float norm = 0;
  for (size_t k = 0; k < e.size(); ++k) {
    EXPECT_NEAR(c[k], e[k], 1e-4f * (1 + std::abs(e[k])));
    norm += std::abs(e[k]);
  }
  EXPECT_GT(norm, 0.f);
}

TEST(AutodiffControlFlowTest, WhileLoopIsNotDifferentiable) {
  ParamState x(Array::scalar<double>(1), {.name = "x"});
  HiddenState y(Array::scalar<double>(0), {.name = "y"});
  auto loss = [&] {
    y.setValue(x.value().leaf());
    whileLoop([&] { return y.value().leaf() < 10.0; },
              [&] { y.setValue(y.value().leaf() * 2.0); });
    return y.value().leaf();
  };
  std::string msg = errorOf([&] { grad(loss, StateMap{{"x", x}})(); });
  EXPECT_THAT(msg, HasSubstr("whileLoop is not differentiable"));
  EXPECT_THAT(msg, HasSubstr("Use forLoop with a fixed number of steps"));
}

// A RandomState draw writes the counter and writes the key back unchanged (not a slot output):
// the state keeps its key and advances its counter, as without grad.
TEST(AutodiffStatesTest, PartlyWrittenStateKeepsItsOtherLeaves) {
  RandomState rng(11), reference(11);
  ParamState w(full({3}, 2.0, DType::f64));
  auto loss = [&] { return sum(w.value().leaf() * rng.uniform({3}, 0, 1, DType::f64)); };
  Tensor g = grad(loss, StateMap{{"w", w}})().at("w").value().leaf();
  EXPECT_EQ(g.toVector<double>(), reference.uniform({3}, 0, 1, DType::f64).toVector<double>());
  EXPECT_EQ(rng.key().item<int64_t>(), 11);
  EXPECT_EQ(rng.counter().item<int64_t>(), reference.counter().item<int64_t>());
}

//===----------------------------------------------------------------------===//
// Errors
//===----------------------------------------------------------------------===//

TEST(AutodiffErrorTest, UnusedStateIsNamed) {
  std::mt19937 rng(1);
  Mlp net(rng);
  auto loss = [&](const Tensor &x) { return sum(net.fc1(x)); }; // fc2 unused
  std::string msg = errorOf([&] { grad(loss, net.states<ParamState>())(randomArray(rng, {1, 3})); });
  EXPECT_THAT(msg, HasSubstr("valueAndGrad: ParamState 'fc2.w' does not affect the result"));
  EXPECT_THAT(msg, HasSubstr("GradOptions::allowUnused"));
}

TEST(AutodiffErrorTest, NonFloatStateIsNamed) {
  std::mt19937 rng(1);
  Mlp net(rng);
  std::string msg = errorOf(
      [&] { grad([&] { return sum(net.fc1.w.value().leaf()); }, net.states())(); });
  EXPECT_THAT(msg, HasSubstr("cannot differentiate with respect to HiddenState 'calls': its "
                             "value is i32[]"));
  EXPECT_THAT(msg, HasSubstr("model.states<bst::ParamState>()"));
}

TEST(AutodiffErrorTest, NonScalarLoss) {
  ParamState w(Array::fromVector<float>({1, 2}, {2}), {.name = "w"});
  std::string msg = errorOf([&] { grad([&] { return w.value().leaf() * 2.f; }, {{"w", w}})(); });
  EXPECT_THAT(msg, HasSubstr("must return a f32 or f64 scalar loss"));
  EXPECT_THAT(msg, HasSubstr("returned f32[2]"));
  EXPECT_THAT(msg, HasSubstr("bst::vjp"));
}

TEST(AutodiffErrorTest, BadArgnums) {
  ParamState w(Array::fromVector<float>({1, 2}, {2}), {.name = "w"});
  auto f = [&](const Tensor &x, int) { return sum(w.value().leaf() * x); };
  Array x = Array::fromVector<float>({1, 2}, {2});
  EXPECT_THAT(errorOf([&] { grad(f, {{"w", w}}, {.argnums = {1}})(x, 3); }),
              HasSubstr("names parameter 1, which is a static"));
  EXPECT_THAT(errorOf([&] { grad(f, {{"w", w}}, {.argnums = {5}})(x, 3); }),
              HasSubstr("names parameter 5, but the function is called with 2 arguments"));
  Array i = Array::fromVector<int32_t>({1, 2}, {2});
  EXPECT_THAT(errorOf([&] { grad(f, {{"w", w}}, {.argnums = {0}})(i, 3); }),
              HasSubstr("argument 0 of the function (i32[2])"));
}

} // namespace
