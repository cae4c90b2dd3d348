//===- KernelsTest.cpp - The eager reference kernels of the primitives ----===//
//
// Each primitive run eagerly (detail::apply: inferType, then evaluate) on small
// arrays whose results are computed by hand, with the conventions of
// bst/Trace/Op.h: integer wrap-around and division, NaN handling, rounding,
// clamping.
//
//===----------------------------------------------------------------------===//
#include "bst/Trace/Apply.h"
#include "bst/Trace/Op.h"

#include "OpTestUtil.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <cmath>
#include <limits>

using namespace bst;
using namespace bst::testing;

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr int32_t kI32Min = std::numeric_limits<int32_t>::min();
constexpr int32_t kI32Max = std::numeric_limits<int32_t>::max();
constexpr int64_t kI64Min = std::numeric_limits<int64_t>::min();
constexpr int64_t kI64Max = std::numeric_limits<int64_t>::max();

Tensor run(OpKind kind, std::vector<Tensor> operands,
           const OpAttrs &attrs = {}) {
  return detail::apply(kind, operands, attrs);
}

template <class T> std::vector<T> unary(OpKind kind, std::vector<T> values) {
  return run(kind, {vec<T>(values)}).template toVector<T>();
}

template <class T>
std::vector<T> binary(OpKind kind, std::vector<T> a, std::vector<T> b) {
  return run(kind, {vec<T>(a), vec<T>(b)}).template toVector<T>();
}

OpAttrs withAxes(std::vector<int64_t> axes) {
  OpAttrs a;
  a.axes = std::move(axes);
  return a;
}
OpAttrs withAxis(int64_t axis) {
  OpAttrs a;
  a.axis = axis;
  return a;
}
OpAttrs withShape(std::vector<int64_t> shape) {
  OpAttrs a;
  a.shape = std::move(shape);
  return a;
}

TEST(KernelTest, NegAbsSignEveryNumericDType) {
  EXPECT_EQ(unary<float>(OpKind::Neg, {1.5f, -2.f}),
            (std::vector<float>{-1.5f, 2.f}));
  EXPECT_EQ(unary<double>(OpKind::Abs, {-1.5, 2.0}),
            (std::vector<double>{1.5, 2.0}));
  EXPECT_EQ(unary<int32_t>(OpKind::Neg, {3, kI32Min}),
            (std::vector<int32_t>{-3, kI32Min})); // wraps
  EXPECT_EQ(unary<int64_t>(OpKind::Abs, {-3, kI64Min}),
            (std::vector<int64_t>{3, kI64Min})); // wraps
  EXPECT_EQ(unary<int32_t>(OpKind::Sign, {-7, 0, 9}),
            (std::vector<int32_t>{-1, 0, 1}));
  EXPECT_EQ(unary<int64_t>(OpKind::Sign, {-7, 0, 9}),
            (std::vector<int64_t>{-1, 0, 1}));
  std::vector<float> s =
      unary<float>(OpKind::Sign, {-2.5f, 0.f, -0.f, 3.f, kNaN});
  EXPECT_EQ(s[0], -1.f);
  EXPECT_EQ(s[1], 0.f);
  EXPECT_FALSE(std::signbit(s[1]));
  EXPECT_TRUE(std::signbit(s[2]));
  EXPECT_EQ(s[3], 1.f);
  EXPECT_TRUE(std::isnan(s[4]));
}

TEST(KernelTest, TranscendentalsMatchTheCLibrary) {
  std::vector<float> x{-1.5f, -0.25f, 0.f, 0.5f, 2.f};
  struct Case {
    OpKind kind;
    double (*ref)(double);
  };
  const Case cases[] = {
      {OpKind::Exp, [](double v) { return std::exp(v); }},
      {OpKind::Expm1, [](double v) { return std::expm1(v); }},
      {OpKind::Tanh, [](double v) { return std::tanh(v); }},
      {OpKind::Sigmoid, [](double v) { return 1 / (1 + std::exp(-v)); }},
      {OpKind::Sin, [](double v) { return std::sin(v); }},
      {OpKind::Cos, [](double v) { return std::cos(v); }},
      {OpKind::Floor, [](double v) { return std::floor(v); }},
      {OpKind::Ceil, [](double v) { return std::ceil(v); }},
  };
  for (const Case &c : cases) {
    std::vector<float> f = unary<float>(c.kind, x);
    std::vector<double> d =
        unary<double>(c.kind, std::vector<double>(x.begin(), x.end()));
    for (size_t i = 0; i < x.size(); ++i) {
      EXPECT_NEAR(f[i], c.ref(x[i]), 1e-6) << opName(c.kind) << " " << x[i];
      EXPECT_NEAR(d[i], c.ref(x[i]), 1e-14) << opName(c.kind) << " " << x[i];
    }
  }
  std::vector<double> pos{0.25, 1.0, 4.0};
  std::vector<double> lg = unary<double>(OpKind::Log, pos);
  std::vector<double> l1 = unary<double>(OpKind::Log1p, pos);
  std::vector<double> sq = unary<double>(OpKind::Sqrt, pos);
  std::vector<double> rs = unary<double>(OpKind::Rsqrt, pos);
  for (size_t i = 0; i < pos.size(); ++i) {
    EXPECT_DOUBLE_EQ(lg[i], std::log(pos[i]));
    EXPECT_DOUBLE_EQ(l1[i], std::log1p(pos[i]));
    EXPECT_DOUBLE_EQ(sq[i], std::sqrt(pos[i]));
    EXPECT_DOUBLE_EQ(rs[i], 1 / std::sqrt(pos[i]));
  }
  std::vector<float> edge = unary<float>(OpKind::Log, {0.f, -1.f});
  EXPECT_EQ(edge[0], -kInf);
  EXPECT_TRUE(std::isnan(edge[1]));
  // Sigmoid stays finite and accurate at the tails.
  std::vector<float> sg = unary<float>(OpKind::Sigmoid, {-200.f, 200.f});
  EXPECT_EQ(sg[0], 0.f);
  EXPECT_EQ(sg[1], 1.f);
}

TEST(KernelTest, RoundIsHalfToEven) {
  std::vector<float> in{0.5f,  1.5f, 2.5f, -0.5f, -1.5f,
                        -2.5f, 2.4f, 2.6f, -2.6f};
  std::vector<float> r = unary<float>(OpKind::Round, in);
  EXPECT_EQ(r, (std::vector<float>{0, 2, 2, -0.f, -2, -2, 2, 3, -3}));
  EXPECT_TRUE(std::signbit(r[3])); // -0.5 rounds to -0, as in NumPy
  EXPECT_EQ(unary<double>(OpKind::Round,
                          {0.5, 3.5, -3.5, 1e300, 0.49999999999999994}),
            (std::vector<double>{0, 4, -4, 1e300, 0}));
  std::vector<float> special = unary<float>(OpKind::Round, {kInf, kNaN});
  EXPECT_EQ(special[0], kInf);
  EXPECT_TRUE(std::isnan(special[1]));
}

TEST(KernelTest, NotAndOrOnBool) {
  EXPECT_EQ(unary<bool>(OpKind::Not, {true, false}),
            (std::vector<bool>{false, true}));
  EXPECT_EQ(
      binary<bool>(OpKind::And, {true, true, false}, {true, false, false}),
      (std::vector<bool>{true, false, false}));
  EXPECT_EQ(
      binary<bool>(OpKind::Or, {true, false, false}, {false, false, true}),
      (std::vector<bool>{true, false, true}));
}

TEST(KernelTest, ArithmeticEveryNumericDType) {
  EXPECT_EQ(binary<float>(OpKind::Add, {1.5f, 2}, {0.25f, -3}),
            (std::vector<float>{1.75f, -1}));
  EXPECT_EQ(binary<double>(OpKind::Sub, {1.5, 2}, {0.25, -3}),
            (std::vector<double>{1.25, 5}));
  EXPECT_EQ(binary<int32_t>(OpKind::Mul, {3, -4}, {5, 6}),
            (std::vector<int32_t>{15, -24}));
  EXPECT_EQ(binary<int64_t>(OpKind::Add, {kI64Max, 1}, {1, 2}),
            (std::vector<int64_t>{kI64Min, 3})); // wraps
  EXPECT_EQ(binary<int32_t>(OpKind::Mul, {65536}, {65536}),
            (std::vector<int32_t>{0})); // wraps
  EXPECT_EQ(binary<int32_t>(OpKind::Sub, {kI32Min}, {1}),
            (std::vector<int32_t>{kI32Max}));
}

TEST(KernelTest, DivisionTruncatesAndZeroDivisorGivesZero) {
  EXPECT_EQ(binary<int32_t>(OpKind::Div, {7, -7, 7, -7, 5, kI32Min, 0},
                            {2, 2, -2, -2, 0, -1, 3}),
            (std::vector<int32_t>{3, -3, -3, 3, 0, kI32Min, 0}));
  EXPECT_EQ(binary<int64_t>(OpKind::Div, {9, kI64Min, -1}, {0, -1, 2}),
            (std::vector<int64_t>{0, kI64Min, 0}));
  std::vector<float> f =
      binary<float>(OpKind::Div, {1, -1, 0, 7}, {0, 0, 0, 2});
  EXPECT_EQ(f[0], kInf);
  EXPECT_EQ(f[1], -kInf);
  EXPECT_TRUE(std::isnan(f[2]));
  EXPECT_EQ(f[3], 3.5f);
}

TEST(KernelTest, PowOfIntegersAndFloats) {
  EXPECT_EQ(binary<int32_t>(OpKind::Pow, {2, 3, -2, 2, 7}, {10, 0, 3, 31, 1}),
            (std::vector<int32_t>{1024, 1, -8, kI32Min, 7}));
  // Negative exponents: trunc(1 / x^-e).
  EXPECT_EQ(binary<int64_t>(OpKind::Pow, {2, 1, -1, -1, 0, -5},
                            {-1, -5, -3, -2, -1, -2}),
            (std::vector<int64_t>{0, 1, -1, 1, 0, 0}));
  EXPECT_EQ(binary<float>(OpKind::Pow, {2, 4, 4}, {3, 0.5f, -1}),
            (std::vector<float>{8, 2, 0.25f}));
  EXPECT_EQ(binary<double>(OpKind::Pow, {0, -8}, {0, 1.0 / 3})[0], 1.0);
}

TEST(KernelTest, MinMaxPropagateNaNAndWorkOnBool) {
  std::vector<float> mn =
      binary<float>(OpKind::Min, {1, kNaN, 3}, {2, 0, kNaN});
  EXPECT_EQ(mn[0], 1.f);
  EXPECT_TRUE(std::isnan(mn[1]));
  EXPECT_TRUE(std::isnan(mn[2]));
  std::vector<double> mx = binary<double>(OpKind::Max, {1, NAN}, {2, 0});
  EXPECT_EQ(mx[0], 2.0);
  EXPECT_TRUE(std::isnan(mx[1]));
  EXPECT_EQ(binary<int64_t>(OpKind::Max, {-5, 7}, {3, 2}),
            (std::vector<int64_t>{3, 7}));
  EXPECT_EQ(binary<int32_t>(OpKind::Min, {-5, 7}, {3, 2}),
            (std::vector<int32_t>{-5, 2}));
  EXPECT_EQ(
      binary<bool>(OpKind::Min, {true, true, false}, {true, false, false}),
      (std::vector<bool>{true, false, false}));
  EXPECT_EQ(
      binary<bool>(OpKind::Max, {true, false, false}, {false, false, true}),
      (std::vector<bool>{true, false, true}));
}

TEST(KernelTest, ComparisonsFollowIEEE) {
  Tensor a = f32s({1, 2, 3, kNaN}), b = f32s({2, 2, 2, kNaN});
  auto cmp = [&](OpKind k) { return run(k, {a, b}).toVector<bool>(); };
  EXPECT_EQ(cmp(OpKind::Lt), (std::vector<bool>{true, false, false, false}));
  EXPECT_EQ(cmp(OpKind::Le), (std::vector<bool>{true, true, false, false}));
  EXPECT_EQ(cmp(OpKind::Gt), (std::vector<bool>{false, false, true, false}));
  EXPECT_EQ(cmp(OpKind::Ge), (std::vector<bool>{false, true, true, false}));
  EXPECT_EQ(cmp(OpKind::Eq), (std::vector<bool>{false, true, false, false}));
  EXPECT_EQ(cmp(OpKind::Ne), (std::vector<bool>{true, false, true, true}));
  EXPECT_EQ(run(OpKind::Lt, {i64s({-1, 5}), i64s({0, 5})}).toVector<bool>(),
            (std::vector<bool>{true, false}));
  EXPECT_EQ(run(OpKind::Lt, {bools({false, true}), bools({true, true})})
                .toVector<bool>(),
            (std::vector<bool>{true, false}));
  EXPECT_EQ(typeOf(run(OpKind::Eq, {i32s({1}), i32s({1})})), "bool[1]");
}

TEST(KernelTest, Select) {
  Tensor r = run(OpKind::Select, {bools({true, false, true}), i64s({1, 2, 3}),
                                  i64s({-1, -2, -3})});
  EXPECT_EQ(r.toVector<int64_t>(), (std::vector<int64_t>{1, -2, 3}));
}

TEST(KernelTest, CastConventions) {
  OpAttrs toI32;
  toI32.dtype = i32;
  EXPECT_EQ(run(OpKind::Cast,
                {f32s({-1.7f, 1.7f, 2.5f, -0.f, 1e10f, -1e10f, kNaN, kInf})},
                toI32)
                .toVector<int32_t>(),
            (std::vector<int32_t>{-1, 1, 2, 0, kI32Max, kI32Min, 0, kI32Max}));
  OpAttrs toI64;
  toI64.dtype = i64;
  EXPECT_EQ(
      run(OpKind::Cast, {f64s({-2.9, 1e19, -1e19, 9007199254740993.0})}, toI64)
          .toVector<int64_t>(),
      (std::vector<int64_t>{-2, kI64Max, kI64Min, 9007199254740992}));
  EXPECT_EQ(run(OpKind::Cast, {i64s({(int64_t(1) << 32) + 5, -1})}, toI32)
                .toVector<int32_t>(),
            (std::vector<int32_t>{5, -1})); // wraps
  OpAttrs toBool;
  toBool.dtype = boolean;
  EXPECT_EQ(run(OpKind::Cast, {f32s({0.f, -0.f, 0.5f, kNaN})}, toBool)
                .toVector<bool>(),
            (std::vector<bool>{false, false, true, true}));
  EXPECT_EQ(run(OpKind::Cast, {i32s({0, -3})}, toBool).toVector<bool>(),
            (std::vector<bool>{false, true}));
  OpAttrs toF32;
  toF32.dtype = f32;
  EXPECT_EQ(run(OpKind::Cast, {bools({true, false})}, toF32).toVector<float>(),
            (std::vector<float>{1, 0}));
  EXPECT_EQ(run(OpKind::Cast, {i64s({16777217, -3})}, toF32).toVector<float>(),
            (std::vector<float>{16777216.f, -3.f}));
  OpAttrs toF64;
  toF64.dtype = f64;
  EXPECT_EQ(run(OpKind::Cast, {f32s({0.1f})}, toF64).toVector<double>(),
            (std::vector<double>{static_cast<double>(0.1f)}));
  EXPECT_EQ(run(OpKind::Cast, {bools({true})}, toI64).toVector<int64_t>(),
            (std::vector<int64_t>{1}));
}

TEST(KernelTest, ConstantAndIota) {
  OpAttrs c;
  c.constant = Array::fromVector<int32_t>({4, 5}, {2});
  Tensor t = run(OpKind::Constant, {}, c);
  EXPECT_EQ(t.toVector<int32_t>(), (std::vector<int32_t>{4, 5}));

  OpAttrs iota = withShape({2, 3});
  iota.dtype = f64;
  iota.axis = 1;
  EXPECT_EQ(run(OpKind::Iota, {}, iota).toVector<double>(),
            (std::vector<double>{0, 1, 2, 0, 1, 2}));
  iota.axis = 0;
  iota.dtype = i32;
  EXPECT_EQ(run(OpKind::Iota, {}, iota).toVector<int32_t>(),
            (std::vector<int32_t>{0, 0, 0, 1, 1, 1}));
  iota.shape = {0};
  EXPECT_EQ(run(OpKind::Iota, {}, iota).numElements(), 0);
}

TEST(KernelTest, BroadcastInDim) {
  OpAttrs a = withShape({2, 3, 2});
  a.axes = {1};
  Tensor r = run(OpKind::BroadcastInDim, {i32s({1, 2, 3})}, a);
  EXPECT_EQ(r.toVector<int32_t>(),
            (std::vector<int32_t>{1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3}));
  a.shape = {2, 3};
  a.axes = {0, 1};
  r = run(OpKind::BroadcastInDim, {tensor<float>({7, 8}, {2, 1})}, a);
  EXPECT_EQ(r.toVector<float>(), (std::vector<float>{7, 7, 7, 8, 8, 8}));
  a.axes = {};
  r = run(OpKind::BroadcastInDim, {Array::scalar<bool>(true)}, a);
  EXPECT_EQ(r.toVector<bool>(), std::vector<bool>(6, true));
  a.shape = {0, 3};
  r = run(OpKind::BroadcastInDim, {Array::scalar<bool>(true)}, a);
  EXPECT_EQ(typeOf(r), "bool[0,3]");
}

TEST(KernelTest, ReshapeAndTranspose) {
  Tensor x = tensor<int64_t>({0, 1, 2, 3, 4, 5}, {2, 3});
  Tensor r = run(OpKind::Reshape, {x}, withShape({3, 2}));
  EXPECT_EQ(typeOf(r), "i64[3,2]");
  EXPECT_EQ(r.toVector<int64_t>(), x.toVector<int64_t>());
  EXPECT_EQ(run(OpKind::Transpose, {x}, withAxes({1, 0})).toVector<int64_t>(),
            (std::vector<int64_t>{0, 3, 1, 4, 2, 5}));
  // [2,3,2] -> axes [2,0,1] -> [2,2,3]
  std::vector<double> v(12);
  for (int i = 0; i < 12; ++i)
    v[i] = i;
  Tensor y = tensor<double>(v, {2, 3, 2});
  Tensor t = run(OpKind::Transpose, {y}, withAxes({2, 0, 1}));
  EXPECT_EQ(typeOf(t), "f64[2,2,3]");
  // t[k,i,j] = y[i,j,k] = 6i + 2j + k
  EXPECT_EQ(t.toVector<double>(),
            (std::vector<double>{0, 2, 4, 6, 8, 10, 1, 3, 5, 7, 9, 11}));
  Tensor s = run(OpKind::Transpose, {Array::scalar<float>(3.f)}, withAxes({}));
  EXPECT_EQ(s.toVector<float>(), (std::vector<float>{3.f}));
}

TEST(KernelTest, Concatenate) {
  Tensor a = tensor<int32_t>({1, 2, 3, 4}, {2, 2});
  Tensor b = tensor<int32_t>({5, 6}, {2, 1});
  Tensor e = tensor<int32_t>({}, {2, 0});
  Tensor r = run(OpKind::Concatenate, {a, e, b, a}, withAxis(1));
  EXPECT_EQ(typeOf(r), "i32[2,5]");
  EXPECT_EQ(r.toVector<int32_t>(),
            (std::vector<int32_t>{1, 2, 5, 1, 2, 3, 4, 6, 3, 4}));
  r = run(OpKind::Concatenate, {a, tensor<int32_t>({9, 9}, {1, 2})},
          withAxis(0));
  EXPECT_EQ(r.toVector<int32_t>(), (std::vector<int32_t>{1, 2, 3, 4, 9, 9}));
}

TEST(KernelTest, SliceWithStrides) {
  std::vector<float> v(20);
  for (int i = 0; i < 20; ++i)
    v[i] = i;
  Tensor x = tensor<float>(v, {4, 5});
  OpAttrs s;
  s.starts = {1, 0};
  s.limits = {4, 5};
  s.strides = {2, 3};
  Tensor r = run(OpKind::Slice, {x}, s);
  EXPECT_EQ(typeOf(r), "f32[2,2]");
  EXPECT_EQ(r.toVector<float>(), (std::vector<float>{5, 8, 15, 18}));
  s.starts = {2, 2};
  s.limits = {2, 5};
  s.strides = {1, 1};
  EXPECT_EQ(typeOf(run(OpKind::Slice, {x}, s)), "f32[0,3]");
}

TEST(KernelTest, DynamicSliceClampsStarts) {
  std::vector<int32_t> v(12);
  for (int i = 0; i < 12; ++i)
    v[i] = i;
  Tensor x = tensor<int32_t>(v, {3, 4});
  auto at = [&](int64_t r, int32_t c) {
    return run(OpKind::DynamicSlice,
               {x, Array::scalar<int64_t>(r), Array::scalar<int32_t>(c)},
               withShape({2, 2}))
        .toVector<int32_t>();
  };
  EXPECT_EQ(at(0, 1), (std::vector<int32_t>{1, 2, 5, 6}));
  EXPECT_EQ(at(1, 2), (std::vector<int32_t>{6, 7, 10, 11}));
  EXPECT_EQ(at(5, 3),
            (std::vector<int32_t>{6, 7, 10, 11})); // clamped to (1, 2)
  EXPECT_EQ(at(-4, -1),
            (std::vector<int32_t>{0, 1, 4, 5})); // clamped to (0, 0)
  Tensor all = run(OpKind::DynamicSlice,
                   {x, Array::scalar<int64_t>(9), Array::scalar<int64_t>(9)},
                   withShape({3, 4}));
  EXPECT_EQ(all.toVector<int32_t>(), v);
}

TEST(KernelTest, DynamicUpdateSliceClampsAndLeavesOperandAlone) {
  Tensor x = tensor<float>({0, 0, 0, 0, 0, 0}, {2, 3});
  Tensor u = tensor<float>({1, 2}, {1, 2});
  auto at = [&](int32_t r, int64_t c) {
    return run(OpKind::DynamicUpdateSlice,
               {x, u, Array::scalar<int32_t>(r), Array::scalar<int64_t>(c)})
        .toVector<float>();
  };
  EXPECT_EQ(at(1, 0), (std::vector<float>{0, 0, 0, 1, 2, 0}));
  EXPECT_EQ(at(0, 7), (std::vector<float>{0, 1, 2, 0, 0, 0}));
  EXPECT_EQ(at(-3, -3), (std::vector<float>{1, 2, 0, 0, 0, 0}));
  EXPECT_EQ(x.toVector<float>(), std::vector<float>(6, 0.f));
}

TEST(KernelTest, GatherClampsIndices) {
  Tensor x = tensor<int64_t>({10, 11, 12, 20, 21, 22}, {2, 3});
  Tensor r = run(OpKind::Gather, {x, i32s({2, 0, -1, 7})}, withAxis(1));
  EXPECT_EQ(typeOf(r), "i64[2,4]");
  EXPECT_EQ(r.toVector<int64_t>(),
            (std::vector<int64_t>{12, 10, 10, 12, 22, 20, 20, 22}));
  r = run(OpKind::Gather, {x, tensor<int64_t>({1, 0, 1, 1}, {2, 2})},
          withAxis(0));
  EXPECT_EQ(typeOf(r), "i64[2,2,3]");
  EXPECT_EQ(
      r.toVector<int64_t>(),
      (std::vector<int64_t>{20, 21, 22, 10, 11, 12, 20, 21, 22, 20, 21, 22}));
  r = run(OpKind::Gather, {x, Array::scalar<int32_t>(1)}, withAxis(1));
  EXPECT_EQ(r.toVector<int64_t>(), (std::vector<int64_t>{11, 21}));
  r = run(OpKind::Gather, {x, i32s({})}, withAxis(1));
  EXPECT_EQ(typeOf(r), "i64[2,0]");
}

TEST(KernelTest, ScatterAddAccumulatesAndDropsOutOfRange) {
  Tensor x = f32s({1, 1, 1, 1});
  Tensor r = run(OpKind::ScatterAdd,
                 {x, i64s({0, 2, 2, 4, -1}), f32s({10, 20, 30, 40, 50})});
  EXPECT_EQ(r.toVector<float>(), (std::vector<float>{11, 1, 51, 1}));
  EXPECT_EQ(x.toVector<float>(), (std::vector<float>{1, 1, 1, 1}));
  Tensor m = tensor<int32_t>({0, 0, 0, 0, 0, 0}, {2, 3});
  r = run(OpKind::ScatterAdd,
          {m, i32s({1, 1}), tensor<int32_t>({1, 2, 3, 4}, {2, 2})},
          withAxis(1));
  EXPECT_EQ(r.toVector<int32_t>(), (std::vector<int32_t>{0, 3, 0, 0, 7, 0}));
  r = run(OpKind::ScatterAdd, {i32s({kI32Max}), i32s({0}), i32s({1})});
  EXPECT_EQ(r.toVector<int32_t>(), (std::vector<int32_t>{kI32Min})); // wraps
}

TEST(KernelTest, ReductionsOverAxes) {
  std::vector<int32_t> v(24);
  for (int i = 0; i < 24; ++i)
    v[i] = i;
  Tensor x = tensor<int32_t>(v, {2, 3, 4});
  // Sum over axis 1: r[i,k] = sum_j (12i + 4j + k) = 36i + 12 + 3k
  EXPECT_EQ(run(OpKind::ReduceSum, {x}, withAxes({1})).toVector<int32_t>(),
            (std::vector<int32_t>{12, 15, 18, 21, 48, 51, 54, 57}));
  // Over axes 0 and 2: r[j] = sum_{i,k} = 4*(0+12) + 2*16j + 2*6 = 60 + 32j
  EXPECT_EQ(run(OpKind::ReduceSum, {x}, withAxes({0, 2})).toVector<int32_t>(),
            (std::vector<int32_t>{60, 92, 124}));
  EXPECT_EQ(run(OpKind::ReduceMax, {x}, withAxes({0, 1})).toVector<int32_t>(),
            (std::vector<int32_t>{20, 21, 22, 23}));
  EXPECT_EQ(run(OpKind::ReduceMin, {x}, withAxes({2})).toVector<int32_t>(),
            (std::vector<int32_t>{0, 4, 8, 12, 16, 20}));
  EXPECT_EQ(run(OpKind::ReduceSum, {x}, withAxes({})).toVector<int32_t>(), v);
  // Every axis, and empty operands.
  EXPECT_EQ(run(OpKind::ReduceSum, {x}, withAxes({0, 1, 2})).item<int32_t>(),
            276);
  Tensor empty = tensor<double>({}, {0, 3});
  EXPECT_EQ(run(OpKind::ReduceSum, {empty}, withAxes({0})).toVector<double>(),
            (std::vector<double>{0, 0, 0}));
  EXPECT_EQ(typeOf(run(OpKind::ReduceMax, {empty}, withAxes({1}))), "f64[0]");
  // Integer sums wrap.
  EXPECT_EQ(run(OpKind::ReduceSum, {i32s({kI32Max, 2})}, withAxes({0}))
                .item<int32_t>(),
            kI32Min + 1);
  // f32 sums are accurate (accumulated in double).
  std::vector<float> many(10001, 1e-4f);
  many[0] = 1e4f;
  float total =
      run(OpKind::ReduceSum, {f32s(many)}, withAxes({0})).item<float>();
  EXPECT_FLOAT_EQ(total, 10001.f);
}

TEST(KernelTest, MaxMinReductionsPropagateNaNAndWorkOnBool) {
  Tensor x = tensor<float>({1, kNaN, 3, 4, 5, 6}, {2, 3});
  std::vector<float> mx =
      run(OpKind::ReduceMax, {x}, withAxes({1})).toVector<float>();
  EXPECT_TRUE(std::isnan(mx[0]));
  EXPECT_EQ(mx[1], 6.f);
  std::vector<float> mn =
      run(OpKind::ReduceMin, {x}, withAxes({0})).toVector<float>();
  EXPECT_EQ(mn[0], 1.f);
  EXPECT_TRUE(std::isnan(mn[1]));
  EXPECT_EQ(mn[2], 3.f);
  Tensor neg = f32s({-kInf, -kInf});
  EXPECT_EQ(run(OpKind::ReduceMax, {neg}, withAxes({0})).item<float>(), -kInf);
  Tensor b = tensor<bool>({false, false, true, true}, {2, 2});
  EXPECT_EQ(run(OpKind::ReduceMax, {b}, withAxes({1})).toVector<bool>(),
            (std::vector<bool>{false, true}));
  EXPECT_EQ(run(OpKind::ReduceMin, {b}, withAxes({0})).toVector<bool>(),
            (std::vector<bool>{false, false}));
  EXPECT_EQ(run(OpKind::ReduceMax, {i64s({kI64Min, kI64Min})}, withAxes({0}))
                .item<int64_t>(),
            kI64Min);
}

TEST(KernelTest, ArgMaxFirstMaximumAndNaN) {
  Tensor x = tensor<float>({1, 5, 5, 2, 7, 7, 0, 9}, {2, 4});
  Tensor r = run(OpKind::ArgMax, {x}, withAxis(1));
  EXPECT_EQ(typeOf(r), "i64[2]");
  EXPECT_EQ(r.toVector<int64_t>(), (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(run(OpKind::ArgMax, {x}, withAxis(0)).toVector<int64_t>(),
            (std::vector<int64_t>{1, 1, 0, 1}));
  EXPECT_EQ(run(OpKind::ArgMax, {f32s({1, kNaN, 9, kNaN})}, withAxis(0))
                .item<int64_t>(),
            1);
  EXPECT_EQ(
      run(OpKind::ArgMax, {f32s({-kInf, -kInf})}, withAxis(0)).item<int64_t>(),
      0);
  EXPECT_EQ(
      run(OpKind::ArgMax, {i32s({-3, -1, -1})}, withAxis(0)).item<int64_t>(),
      1);
  EXPECT_EQ(run(OpKind::ArgMax, {bools({false, true, true})}, withAxis(0))
                .item<int64_t>(),
            1);
  EXPECT_EQ(
      typeOf(run(OpKind::ArgMax, {tensor<float>({}, {0, 2})}, withAxis(1))),
      "i64[0]");
}

TEST(KernelTest, MatMul) {
  Tensor a = tensor<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor b = tensor<float>({1, 0, 0, 1, 1, 1}, {3, 2});
  EXPECT_EQ(run(OpKind::MatMul, {a, b}).toVector<float>(),
            (std::vector<float>{4, 5, 10, 11}));
  Tensor ai = tensor<int64_t>({1, 2, 3, 4, 1, 0, 0, 1}, {2, 2, 2});
  Tensor bi = tensor<int64_t>({5, 6, 7, 8, 2, 3, 4, 5}, {2, 2, 2});
  EXPECT_EQ(run(OpKind::MatMul, {ai, bi}).toVector<int64_t>(),
            (std::vector<int64_t>{19, 22, 43, 50, 2, 3, 4, 5}));
  Tensor wrap = run(OpKind::MatMul, {tensor<int32_t>({65536, 1}, {1, 2}),
                                     tensor<int32_t>({65536, 3}, {2, 1})});
  EXPECT_EQ(wrap.item<int32_t>(), 3); // 2^32 wraps to 0
  // k = 0 gives zeros; m = 0 gives an empty result.
  EXPECT_EQ(run(OpKind::MatMul,
                {tensor<double>({}, {2, 0}), tensor<double>({}, {0, 2})})
                .toVector<double>(),
            (std::vector<double>{0, 0, 0, 0}));
  EXPECT_EQ(typeOf(run(OpKind::MatMul, {tensor<double>({}, {0, 2}),
                                        tensor<double>({1, 2}, {2, 1})})),
            "f64[0,1]");
}

} // namespace
