//===- OpsTest.cpp - The public op API: values, broadcasting, promotion ---===//
#include "bst/Trace/Ops.h"

#include "bst/Support/Tree.h"

#include "../TestUtil.h"
#include "OpTestUtil.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <cmath>
#include <limits>

using namespace bst;
using namespace bst::testing;
using ::testing::HasSubstr;

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

//===----------------------------------------------------------------------===//
// Arithmetic, operators and broadcasting
//===----------------------------------------------------------------------===//

TEST(OpsArithmeticTest, OperatorsAndFunctionsAgree) {
  Tensor x = f32s({1, 2, 3}), y = f32s({4, 5, 6});
  EXPECT_EQ((x + y).toVector<float>(), (std::vector<float>{5, 7, 9}));
  EXPECT_EQ((x - y).toVector<float>(), (std::vector<float>{-3, -3, -3}));
  EXPECT_EQ((x * y).toVector<float>(), (std::vector<float>{4, 10, 18}));
  EXPECT_EQ((y / x).toVector<float>(), (std::vector<float>{4, 2.5f, 2}));
  EXPECT_EQ((-x).toVector<float>(), (std::vector<float>{-1, -2, -3}));
  EXPECT_EQ(add(x, y).toVector<float>(), (x + y).toVector<float>());
  EXPECT_EQ(sub(x, y).toVector<float>(), (x - y).toVector<float>());
  EXPECT_EQ(mul(x, y).toVector<float>(), (x * y).toVector<float>());
  EXPECT_EQ(div(y, x).toVector<float>(), (y / x).toVector<float>());
  EXPECT_EQ(neg(x).toVector<float>(), (-x).toVector<float>());
}

TEST(OpsArithmeticTest, EveryNumericDType) {
  EXPECT_EQ((f64s({1.5, 2}) * f64s({2, 0.25})).toVector<double>(),
            (std::vector<double>{3, 0.5}));
  EXPECT_EQ((i32s({7, -7}) / i32s({2, 2})).toVector<int32_t>(),
            (std::vector<int32_t>{3, -3})); // C++ integer division
  EXPECT_EQ((i64s({5, 9}) / i64s({0, 3})).toVector<int64_t>(),
            (std::vector<int64_t>{0, 3})); // x / 0 is 0
  EXPECT_EQ((i64s({5}) - i64s({9})).toVector<int64_t>(),
            (std::vector<int64_t>{-4}));
  EXPECT_EQ(pow(i32s({2, 3}), i32s({10, 2})).toVector<int32_t>(),
            (std::vector<int32_t>{1024, 9}));
  EXPECT_EQ(pow(f32s({2, 9}), 0.5f).toVector<float>()[1], 3.f);
  EXPECT_EQ(pow(2.f, f32s({3})).toVector<float>(), (std::vector<float>{8}));
  EXPECT_EQ(pow(i32s({2, 3}), 2).toVector<int32_t>(),
            (std::vector<int32_t>{4, 9}));
}

TEST(OpsArithmeticTest, BoolArithmeticIsAnError) {
  Tensor b = bools({true, false});
  EXPECT_EQ(errorOf([&] { b + b; }),
            "add: arithmetic is not defined on bool (operands bool[2] and "
            "bool[2]); cast to i32 or f32 first, or use logicalOr / "
            "logicalAnd");
  EXPECT_THAT(errorOf([&] { b * true; }),
              HasSubstr("mul: arithmetic is not defined on bool (operands "
                        "bool[2] and scalar true)"));
  EXPECT_THAT(errorOf([&] { -b; }),
              HasSubstr("neg: is not defined on bool (got bool[2]); cast to "
                        "i32 or f32 first, or use logicalNot"));
  EXPECT_THAT(errorOf([&] { abs(b); }),
              HasSubstr("abs: is not defined on bool"));
  EXPECT_THAT(errorOf([&] { sign(b); }), HasSubstr("sign: is not defined"));
  EXPECT_THAT(errorOf([&] { relu(b); }),
              HasSubstr("relu: is not defined on bool (got bool[2])"));
  // Mixed with a number, bool promotes.
  EXPECT_EQ((b + i32s({5, 5})).toVector<int32_t>(),
            (std::vector<int32_t>{6, 5}));
}

TEST(OpsBroadcastTest, NumPyRules) {
  Tensor col = tensor<float>({1, 2}, {2, 1});
  Tensor row = f32s({10, 20, 30});
  Tensor r = col + row;
  EXPECT_EQ(typeOf(r), "f32[2,3]");
  EXPECT_EQ(r.toVector<float>(), (std::vector<float>{11, 21, 31, 12, 22, 32}));
  Tensor s = Array::scalar<float>(2.f);
  EXPECT_EQ((s * tensor<float>({1, 2, 3, 4}, {2, 2})).toVector<float>(),
            (std::vector<float>{2, 4, 6, 8}));
  EXPECT_EQ(typeOf(s + s), "f32[]");
  Tensor empty = tensor<float>({}, {0, 3});
  EXPECT_EQ(typeOf(empty + row), "f32[0,3]");
  EXPECT_EQ(typeOf(tensor<float>({}, {0, 1}) * 2u), "f32[0,1]");
  Tensor b3 = tensor<int32_t>({1, 2}, {2, 1, 1});
  EXPECT_EQ(typeOf(b3 * tensor<int32_t>({1, 2, 3}, {1, 3})), "i32[2,1,3]");
}

TEST(OpsBroadcastTest, IncompatibleShapesNameBothAndTheOp) {
  EXPECT_EQ(errorOf([] {
              f32s({1, 2, 3, 4}) + f32s({1, 2, 3});
            }),
            "add: cannot broadcast f32[4] and f32[3]: axis -1 has extents 4 "
            "and 3 and neither is 1; make trailing extents equal or 1 (NumPy "
            "broadcasting), e.g. with reshape or broadcastTo");
  EXPECT_THAT(errorOf([] {
                tensor<float>({1, 2, 3, 4, 5, 6}, {2, 3}) < f32s({1, 2});
              }),
              HasSubstr("lt: cannot broadcast f32[2,3] and f32[2]"));
  EXPECT_THAT(errorOf([] {
                where(bools({true, false}), f32s({1, 2, 3}), 0.f);
              }),
              HasSubstr("where: cannot broadcast bool[2], f32[3] and scalar 0: "
                        "axis -1 has extents 2 and 3"));
  EXPECT_THAT(errorOf([] {
                tensor<double>({1, 2, 3, 4}, {2, 2}) * f64s({1, 2, 3});
              }),
              HasSubstr("mul: cannot broadcast f64[2,2] and f64[3]"));
}

//===----------------------------------------------------------------------===//
// Dtype promotion and weak scalars
//===----------------------------------------------------------------------===//

Tensor ofDType(DType d) {
  switch (d) {
  case DType::f32:
    return f32s({1});
  case DType::f64:
    return f64s({1});
  case DType::i32:
    return i32s({1});
  case DType::i64:
    return i64s({1});
  case DType::boolean:
    return bools({true});
  }
  return {};
}

TEST(OpsPromotionTest, TwoTensorTable) {
  const DType order[] = {boolean, i32, i64, f32, f64};
  // expected[i][j]: the dtype of order[i] + order[j] (bool + bool is an error).
  const char *expected[5][5] = {
      {"", "i32", "i64", "f32", "f64"},    {"i32", "i32", "i64", "f32", "f64"},
      {"i64", "i64", "i64", "f32", "f64"}, {"f32", "f32", "f32", "f32", "f64"},
      {"f64", "f64", "f64", "f64", "f64"},
  };
  for (int i = 0; i < 5; ++i) {
    for (int j = 0; j < 5; ++j) {
      if (i == 0 && j == 0)
        continue;
      Tensor r = ofDType(order[i]) + ofDType(order[j]);
      EXPECT_EQ(dtypeName(r.dtype()), std::string(expected[i][j]))
          << dtypeName(order[i]) << " + " << dtypeName(order[j]);
      // Comparisons promote the same way and return bool.
      EXPECT_EQ((ofDType(order[i]) == ofDType(order[j])).dtype(), boolean);
      EXPECT_EQ(max(ofDType(order[i]), ofDType(order[j])).dtype(), r.dtype());
    }
  }
  EXPECT_EQ(max(bools({true}), bools({false})).dtype(), boolean);
  // i64 with f32 gives f32, computed in f32.
  EXPECT_EQ((i64s({16777217}) + f32s({0})).toVector<float>(),
            (std::vector<float>{16777216.f}));
}

TEST(OpsPromotionTest, WeakScalarsKeepAFloatingTensorsDType) {
  Tensor x32 = f32s({2}), x64 = f64s({2});
  EXPECT_EQ(typeOf(x32 * 0.5f), "f32[1]");
  EXPECT_EQ(typeOf(x32 * 0.5), "f32[1]");
  EXPECT_EQ(typeOf(2.0 * x32), "f32[1]");
  EXPECT_EQ(typeOf(x32 + 2), "f32[1]");
  EXPECT_EQ(typeOf(x32 + int64_t(2)), "f32[1]");
  EXPECT_EQ(typeOf(x32 + true), "f32[1]");
  EXPECT_EQ(typeOf(x64 * 0.5f), "f64[1]");
  EXPECT_EQ(typeOf(1 - x64), "f64[1]");
  EXPECT_EQ((x32 * 0.5f).toVector<float>(), (std::vector<float>{1}));
  EXPECT_EQ((1.f / x32).toVector<float>(), (std::vector<float>{0.5f}));
  EXPECT_EQ((x64 - 0.1).toVector<double>(), (std::vector<double>{2 - 0.1}));
}

TEST(OpsPromotionTest, WeakScalarsWithIntegerAndBoolTensors) {
  Tensor i = i32s({3}), l = i64s({3}), b = bools({true});
  EXPECT_EQ(typeOf(i + 2), "i32[1]");
  EXPECT_EQ(typeOf(l * 2), "i64[1]");
  EXPECT_EQ(typeOf(i + int64_t(2)), "i32[1]");
  EXPECT_EQ(typeOf(i * 0.5f), "f32[1]"); // float scalar with int: f32
  EXPECT_EQ(typeOf(l * 0.5), "f32[1]");  // no silent f64
  EXPECT_EQ((i * 0.5f).toVector<float>(), (std::vector<float>{1.5f}));
  EXPECT_EQ(typeOf(b + 1), "i32[1]");
  EXPECT_EQ((b + 1).toVector<int32_t>(), (std::vector<int32_t>{2}));
  EXPECT_EQ(typeOf(b * 1.5), "f32[1]");
  EXPECT_EQ(typeOf(b && true), "bool[1]");
  EXPECT_EQ(typeOf(b == false), "bool[1]");
  EXPECT_EQ(typeOf(i + 'a'), "i32[1]");
  EXPECT_EQ(typeOf(i + 7u), "i32[1]");
  EXPECT_EQ((i / 2).toVector<int32_t>(), (std::vector<int32_t>{1}));
}

TEST(OpsPromotionTest, WeakScalarsThatDoNotFitAreErrors) {
  EXPECT_EQ(errorOf([] { i32s({1}) + int64_t(3000000000); }),
            "add: the scalar 3000000000 does not fit i32; use a wider dtype "
            "(i64) or a smaller value");
  EXPECT_EQ((i64s({1}) + int64_t(3000000000)).toVector<int64_t>(),
            (std::vector<int64_t>{3000000001}));
  EXPECT_THAT(errorOf([] { i64s({1}) + 18446744073709551615ull; }),
              HasSubstr("scalar: the unsigned value 18446744073709551615 does "
                        "not fit i64"));
}

TEST(OpsPromotionTest, StatesValuesAndArraysWorkWithOperators) {
  Tree leaf(f32s({1, 2}));
  EXPECT_EQ((leaf * 0.5f).toVector<float>(), (std::vector<float>{0.5f, 1}));
  EXPECT_EQ((2.f * leaf + leaf).toVector<float>(), (std::vector<float>{3, 6}));
  Array a = Array::fromVector<float>({1, 2}, {2});
  EXPECT_EQ((a + a).toVector<float>(), (std::vector<float>{2, 4}));
  EXPECT_EQ((a > 1.f).toVector<bool>(), (std::vector<bool>{false, true}));
  EXPECT_EQ((zeros({2}) + ones({2})).toVector<float>(),
            (std::vector<float>{1, 1}));
}

//===----------------------------------------------------------------------===//
// Elementwise functions
//===----------------------------------------------------------------------===//

TEST(OpsElementwiseTest, MinMaxAndAliases) {
  Tensor x = f32s({1, 5, kNaN}), y = f32s({3, 2, 0});
  std::vector<float> mn = min(x, y).toVector<float>();
  EXPECT_EQ(mn[0], 1.f);
  EXPECT_EQ(mn[1], 2.f);
  EXPECT_TRUE(std::isnan(mn[2]));
  EXPECT_EQ(max(x, 4.f).toVector<float>()[0], 4.f);
  EXPECT_EQ(minimum(i32s({4, -4}), 0).toVector<int32_t>(),
            (std::vector<int32_t>{0, -4}));
  EXPECT_EQ(maximum(0, i64s({4, -4})).toVector<int64_t>(),
            (std::vector<int64_t>{4, 0}));
  EXPECT_EQ(max(bools({true, false}), bools({false, false})).toVector<bool>(),
            (std::vector<bool>{true, false}));
}

TEST(OpsElementwiseTest, AbsSignRelu) {
  EXPECT_EQ(abs(f32s({-1.5f, 2})).toVector<float>(),
            (std::vector<float>{1.5f, 2}));
  EXPECT_EQ(abs(i32s({-3, 3})).toVector<int32_t>(),
            (std::vector<int32_t>{3, 3}));
  EXPECT_EQ(sign(f64s({-2, 0, 7})).toVector<double>(),
            (std::vector<double>{-1, 0, 1}));
  EXPECT_EQ(sign(i64s({-2, 0, 7})).toVector<int64_t>(),
            (std::vector<int64_t>{-1, 0, 1}));
  EXPECT_EQ(relu(f32s({-1, 0, 2})).toVector<float>(),
            (std::vector<float>{0, 0, 2}));
  EXPECT_EQ(relu(i32s({-1, 3})).toVector<int32_t>(),
            (std::vector<int32_t>{0, 3}));
  EXPECT_EQ(typeOf(relu(f64s({1}))), "f64[1]");
}

TEST(OpsElementwiseTest, RealFunctionsKeepFloatsAndPromoteIntegersToF32) {
  Tensor x = f32s({0.5f, 1, 2});
  EXPECT_EQ(typeOf(exp(x)), "f32[3]");
  EXPECT_EQ(typeOf(exp(f64s({1}))), "f64[1]");
  EXPECT_EQ(typeOf(exp(i32s({1}))), "f32[1]");
  EXPECT_EQ(typeOf(sqrt(i64s({4}))), "f32[1]");
  EXPECT_EQ(typeOf(floor(bools({true}))), "f32[1]");
  EXPECT_EQ(sqrt(i32s({4, 9})).toVector<float>(), (std::vector<float>{2, 3}));
  struct Case {
    Tensor (*fn)(const Tensor &);
    double (*ref)(double);
  };
  const Case cases[] = {
      {bst::exp, [](double v) { return std::exp(v); }},
      {bst::log, [](double v) { return std::log(v); }},
      {bst::log1p, [](double v) { return std::log1p(v); }},
      {bst::expm1, [](double v) { return std::expm1(v); }},
      {bst::sqrt, [](double v) { return std::sqrt(v); }},
      {bst::rsqrt, [](double v) { return 1 / std::sqrt(v); }},
      {bst::tanh, [](double v) { return std::tanh(v); }},
      {bst::sigmoid, [](double v) { return 1 / (1 + std::exp(-v)); }},
      {bst::sin, [](double v) { return std::sin(v); }},
      {bst::cos, [](double v) { return std::cos(v); }},
  };
  for (const Case &c : cases) {
    std::vector<float> r = c.fn(x).toVector<float>();
    for (size_t i = 0; i < r.size(); ++i)
      EXPECT_NEAR(r[i], c.ref(x.toVector<float>()[i]), 1e-6);
  }
  EXPECT_EQ(floor(f32s({-1.5f, 1.5f})).toVector<float>(),
            (std::vector<float>{-2, 1}));
  EXPECT_EQ(ceil(f64s({-1.5, 1.5})).toVector<double>(),
            (std::vector<double>{-1, 2}));
  EXPECT_EQ(round(f32s({0.5f, 1.5f, 2.5f, -2.5f, 2.6f})).toVector<float>(),
            (std::vector<float>{0, 2, 2, -2, 3}));
}

TEST(OpsElementwiseTest, Clip) {
  Tensor x = f32s({-2, 0.5f, 3});
  EXPECT_EQ(clip(x, 0.f, 1.f).toVector<float>(),
            (std::vector<float>{0, 0.5f, 1}));
  EXPECT_EQ(clip(x, f32s({-1, 1, -1}), 2).toVector<float>(),
            (std::vector<float>{-1, 1, 2}));
  EXPECT_EQ(clip(x, -1, f32s({0})).toVector<float>(),
            (std::vector<float>{-1, 0, 0}));
  EXPECT_EQ(clip(x, f32s({0}), f32s({1})).toVector<float>(),
            (std::vector<float>{0, 0.5f, 1}));
  EXPECT_EQ(clip(i32s({-5, 5, 50}), 0, 10).toVector<int32_t>(),
            (std::vector<int32_t>{0, 5, 10}));
  EXPECT_EQ(typeOf(clip(i32s({1}), 0.f, 1.f)), "f32[1]");
  EXPECT_EQ(typeOf(clip(tensor<float>({1, 2}, {2, 1}), f32s({0, 0, 0}), 1.f)),
            "f32[2,3]");
}

TEST(OpsElementwiseTest, Comparisons) {
  Tensor x = i32s({1, 2, 3});
  EXPECT_EQ((x < 2).toVector<bool>(), (std::vector<bool>{true, false, false}));
  EXPECT_EQ((x <= 2).toVector<bool>(), (std::vector<bool>{true, true, false}));
  EXPECT_EQ((x > 2).toVector<bool>(), (std::vector<bool>{false, false, true}));
  EXPECT_EQ((x >= 2).toVector<bool>(), (std::vector<bool>{false, true, true}));
  EXPECT_EQ((x == 2).toVector<bool>(), (std::vector<bool>{false, true, false}));
  EXPECT_EQ((x != 2).toVector<bool>(), (std::vector<bool>{true, false, true}));
  EXPECT_EQ((2 < x).toVector<bool>(), (std::vector<bool>{false, false, true}));
  EXPECT_EQ((x > 1.5f).toVector<bool>(),
            (std::vector<bool>{false, true, true}));
  Tensor f = f32s({1, kNaN});
  EXPECT_EQ(lt(f, f32s({2, 2})).toVector<bool>(),
            (std::vector<bool>{true, false}));
  EXPECT_EQ(le(f, 1.f).toVector<bool>(), (std::vector<bool>{true, false}));
  EXPECT_EQ(gt(f, 0.f).toVector<bool>(), (std::vector<bool>{true, false}));
  EXPECT_EQ(ge(f, 1.f).toVector<bool>(), (std::vector<bool>{true, false}));
  EXPECT_EQ(eq(f, f).toVector<bool>(), (std::vector<bool>{true, false}));
  EXPECT_EQ(ne(f, f).toVector<bool>(), (std::vector<bool>{false, true}));
  EXPECT_EQ(typeOf(f64s({1, 2}) > i64s({1, 1})), "bool[2]");
}

TEST(OpsElementwiseTest, Logical) {
  Tensor a = bools({true, true, false, false});
  Tensor b = bools({true, false, true, false});
  EXPECT_EQ((a && b).toVector<bool>(),
            (std::vector<bool>{true, false, false, false}));
  EXPECT_EQ((a || b).toVector<bool>(),
            (std::vector<bool>{true, true, true, false}));
  EXPECT_EQ((!a).toVector<bool>(),
            (std::vector<bool>{false, false, true, true}));
  EXPECT_EQ(logicalAnd(a, true).toVector<bool>(), a.toVector<bool>());
  EXPECT_EQ(logicalOr(false, b).toVector<bool>(), b.toVector<bool>());
  EXPECT_EQ(logicalNot(b).toVector<bool>(), (!b).toVector<bool>());
  Tensor x = f32s({0.5f, 2, 3, 0});
  EXPECT_EQ(((x > 1.f) && (x < 2.5f)).toVector<bool>(),
            (std::vector<bool>{false, true, false, false}));
  EXPECT_EQ(errorOf([&] { a &&x; }),
            "logicalAnd: needs bool operands, got bool[4] and f32[4]; compare "
            "first (e.g. x != 0) or cast to bool");
  EXPECT_THAT(errorOf([&] { a || 1; }),
              HasSubstr("logicalOr: needs bool operands, got bool[4] and "
                        "scalar 1"));
  EXPECT_EQ(errorOf([&] { !x; }),
            "logicalNot: needs a bool operand, got f32[4]; compare first (e.g. "
            "x == 0) or cast to bool");
}

TEST(OpsElementwiseTest, Where) {
  Tensor c = bools({true, false, true});
  Tensor nv = f32s({1.5f, 0.5f, 2});
  EXPECT_EQ(where(c, 0.f, nv).toVector<float>(),
            (std::vector<float>{0, 0.5f, 0}));
  EXPECT_EQ(where(c, nv, -1).toVector<float>(),
            (std::vector<float>{1.5f, -1, 2}));
  EXPECT_EQ(where(c, 1.f, 0.f).toVector<float>(),
            (std::vector<float>{1, 0, 1}));
  EXPECT_EQ(typeOf(where(c, 1, 0)), "i32[3]");
  EXPECT_EQ(typeOf(where(c, 1.0, 0)), "f32[3]");
  EXPECT_EQ(where(c, i32s({1, 2, 3}), f64s({9, 9, 9})).toVector<double>(),
            (std::vector<double>{1, 9, 3}));
  // The condition broadcasts too.
  Tensor row = bools({true, false});
  Tensor m = tensor<int64_t>({1, 2, 3, 4}, {2, 2});
  EXPECT_EQ(where(row, m, int64_t(0)).toVector<int64_t>(),
            (std::vector<int64_t>{1, 0, 3, 0}));
  EXPECT_EQ(typeOf(where(Array::scalar<bool>(true), f32s({1, 2}), 0.f)),
            "f32[2]");
  EXPECT_EQ(errorOf([&] { where(nv, 1.f, 0.f); }),
            "where: the condition must be bool, got f32[3]; compare first "
            "(e.g. where(x > 0, ...)) or use cast(cond, bool)");
}

TEST(OpsElementwiseTest, Cast) {
  Tensor x = f32s({-1.7f, 2.9f});
  EXPECT_EQ(cast(x, i32).toVector<int32_t>(), (std::vector<int32_t>{-1, 2}));
  EXPECT_EQ(cast(x, i64).toVector<int64_t>(), (std::vector<int64_t>{-1, 2}));
  EXPECT_EQ(cast(x, boolean).toVector<bool>(), (std::vector<bool>{true, true}));
  EXPECT_EQ(cast(bools({true, false}), f32).toVector<float>(),
            (std::vector<float>{1, 0}));
  EXPECT_EQ(typeOf(cast(x, f64)), "f64[2]");
  Tensor same = cast(x, f32);
  EXPECT_TRUE(same.array().sharesBufferWith(x.array()));
}

//===----------------------------------------------------------------------===//
// Creation
//===----------------------------------------------------------------------===//

TEST(OpsCreationTest, ConstantAndScalar) {
  Array a = Array::fromVector<int32_t>({1, 2}, {2});
  EXPECT_TRUE(constant(a).array().equals(a));
  EXPECT_EQ(typeOf(scalar(1.5f)), "f32[]");
  EXPECT_EQ(typeOf(scalar(1.5)), "f64[]");
  EXPECT_EQ(typeOf(scalar(3)), "i32[]");
  EXPECT_EQ(typeOf(scalar(int64_t(3))), "i64[]");
  EXPECT_EQ(typeOf(scalar(3u)), "i64[]");
  EXPECT_EQ(typeOf(scalar(true)), "bool[]");
  EXPECT_EQ(scalar(2.7, i32).item<int32_t>(), 2);
  EXPECT_EQ(scalar(-2.7f, i64).item<int64_t>(), -2);
  EXPECT_EQ(scalar(5, f32).item<float>(), 5.f);
  EXPECT_EQ(scalar(0.5, boolean).item<bool>(), true);
  EXPECT_EQ(scalar(int64_t(-7), f64).item<double>(), -7.0);
  EXPECT_EQ(errorOf([] { scalar(int64_t(1) << 40, i32); }),
            "scalar: the scalar 1099511627776 does not fit i32; use a wider "
            "dtype (i64) or a smaller value");
  EXPECT_THAT(errorOf([] { scalar(std::nan(""), i64); }),
              HasSubstr("scalar: the scalar nan cannot be represented as i64"));
}

TEST(OpsCreationTest, Arange) {
  EXPECT_EQ(arange(0, 5).toVector<float>(),
            (std::vector<float>{0, 1, 2, 3, 4}));
  EXPECT_EQ(arange(4).toVector<float>(), (std::vector<float>{0, 1, 2, 3}));
  EXPECT_EQ(arange(3, i32).toVector<int32_t>(),
            (std::vector<int32_t>{0, 1, 2}));
  EXPECT_EQ(arange(1, 2, 0.25).toVector<float>(),
            (std::vector<float>{1, 1.25f, 1.5f, 1.75f}));
  EXPECT_EQ(arange(5, 0, -2, i64).toVector<int64_t>(),
            (std::vector<int64_t>{5, 3, 1}));
  EXPECT_EQ(arange(-1, 2, 1, f64).toVector<double>(),
            (std::vector<double>{-1, 0, 1}));
  EXPECT_EQ(arange(0, 1, 0.5, f64).toVector<double>(),
            (std::vector<double>{0, 0.5}));
  EXPECT_EQ(typeOf(arange(3, 1)), "f32[0]");
  EXPECT_EQ(typeOf(arange(0)), "f32[0]");
  EXPECT_EQ(errorOf([] { arange(0, 1, 0); }),
            "arange: step is 0, so the range never ends; use a non-zero step");
  EXPECT_THAT(errorOf([] { arange(0, 3, 1, boolean); }),
              HasSubstr("arange: cannot produce bool"));
  EXPECT_EQ(errorOf([] { arange(0, 2, 0.5, i32); }),
            "arange: start 0 and step 0.5 must be integers for i32; use f32 "
            "or f64 for fractional ranges");
  EXPECT_THAT(errorOf([] { arange(0, 3e9, 1, i32); }),
              HasSubstr("does not fit i32"));
  EXPECT_THAT(errorOf([] { arange(0, INFINITY); }),
              HasSubstr("arange: start 0, stop inf and step 1 must be finite"));
}

//===----------------------------------------------------------------------===//
// Shapes
//===----------------------------------------------------------------------===//

TEST(OpsShapeTest, Reshape) {
  Tensor x = tensor<int32_t>({0, 1, 2, 3, 4, 5}, {2, 3});
  EXPECT_EQ(typeOf(reshape(x, {3, 2})), "i32[3,2]");
  EXPECT_EQ(typeOf(reshape(x, {-1})), "i32[6]");
  EXPECT_EQ(typeOf(reshape(x, {3, -1})), "i32[3,2]");
  EXPECT_EQ(typeOf(reshape(x, {1, -1, 1})), "i32[1,6,1]");
  EXPECT_EQ(reshape(x, {6}).toVector<int32_t>(), x.toVector<int32_t>());
  EXPECT_EQ(typeOf(reshape(Array::scalar<float>(1), {1, 1})), "f32[1,1]");
  EXPECT_EQ(typeOf(reshape(f32s({7}), {})), "f32[]");
  EXPECT_EQ(typeOf(reshape(tensor<float>({}, {0, 4}), {4, -1})), "f32[4,0]");
  EXPECT_EQ(errorOf([&] {
              reshape(x, {4, 2});
            }),
            "reshape: cannot reshape i32[2,3] (6 elements) to [4,2] (8 "
            "elements); choose a shape with the same number of elements, or "
            "use -1 for one extent");
  EXPECT_THAT(errorOf([&] {
                reshape(x, {-1, -1});
              }),
              HasSubstr("reshape: cannot reshape i32[2,3] to [-1,-1]: extents "
                        "must be non-negative, with at most one -1 to infer"));
  EXPECT_THAT(errorOf([&] {
                reshape(x, {4, -1});
              }),
              HasSubstr("reshape: cannot reshape i32[2,3] (6 elements) to "
                        "[4,-1]: the -1 extent cannot be inferred"));
  EXPECT_THAT(errorOf([] {
                reshape(tensor<float>({}, {0, 4}), {0, -1});
              }),
              HasSubstr("the -1 extent cannot be inferred"));
  EXPECT_THAT(errorOf([&] {
                reshape(x, {-2, -3});
              }),
              HasSubstr("extents must be non-negative"));
}

TEST(OpsShapeTest, Transpose) {
  Tensor x = tensor<float>({0, 1, 2, 3, 4, 5}, {2, 3});
  Tensor t = transpose(x);
  EXPECT_EQ(typeOf(t), "f32[3,2]");
  EXPECT_EQ(t.toVector<float>(), (std::vector<float>{0, 3, 1, 4, 2, 5}));
  EXPECT_EQ(transpose(x, {-1, 0}).toVector<float>(), t.toVector<float>());
  EXPECT_TRUE(transpose(x, {0, 1}).array().sharesBufferWith(x.array()));
  Tensor y = tensor<int32_t>({0, 1, 2, 3, 4, 5, 6, 7}, {2, 2, 2});
  // y[i,j,k] = 4i + 2j + k; transpose(y, {1, 2, 0})[j,k,i]
  EXPECT_EQ(transpose(y, {1, -1, 0}).toVector<int32_t>(),
            (std::vector<int32_t>{0, 4, 1, 5, 2, 6, 3, 7}));
  EXPECT_EQ(typeOf(transpose(scalar(1.f))), "f32[]");
  EXPECT_EQ(errorOf([&] {
              transpose(x, {0, 0});
            }),
            "transpose: axes [0,0] are not a permutation of the 2 axes of "
            "f32[2,3]; list each axis once");
  EXPECT_THAT(errorOf([&] { transpose(x, {0}); }),
              HasSubstr("axes [0] are not a permutation"));
  EXPECT_THAT(errorOf([&] {
                transpose(x, {0, 2});
              }),
              HasSubstr("axes [0,2] are not a permutation"));
}

TEST(OpsShapeTest, BroadcastTo) {
  EXPECT_EQ(broadcastTo(i64s({1, 2}), {2, 2}).toVector<int64_t>(),
            (std::vector<int64_t>{1, 2, 1, 2}));
  EXPECT_EQ(
      broadcastTo(tensor<float>({1, 2}, {2, 1}), {2, 3}).toVector<float>(),
      (std::vector<float>{1, 1, 1, 2, 2, 2}));
  EXPECT_EQ(typeOf(broadcastTo(scalar(true), {0, 2})), "bool[0,2]");
  EXPECT_EQ(errorOf([] {
              broadcastTo(f32s({1, 2, 3}), {4, 2});
            }),
            "broadcastTo: cannot broadcast f32[3] to [4,2]; align trailing "
            "axes: each extent of x must equal the target extent or be 1, and "
            "the target rank must be at least x's");
  EXPECT_THAT(errorOf([] {
                broadcastTo(tensor<float>({1, 2}, {1, 2}), {2});
              }),
              HasSubstr("cannot broadcast f32[1,2] to [2]"));
  EXPECT_THAT(errorOf([] {
                broadcastTo(f32s({1, 2}), {1});
              }),
              HasSubstr("cannot broadcast f32[2] to [1]"));
}

TEST(OpsShapeTest, Concatenate) {
  Tensor a = tensor<int32_t>({1, 2, 3, 4}, {2, 2});
  Tensor b = tensor<int32_t>({5, 6}, {2, 1});
  EXPECT_EQ(concatenate({a, b}, 1).toVector<int32_t>(),
            (std::vector<int32_t>{1, 2, 5, 3, 4, 6}));
  EXPECT_EQ(concatenate({a, b}, -1).toVector<int32_t>(),
            (std::vector<int32_t>{1, 2, 5, 3, 4, 6}));
  EXPECT_EQ(concatenate({i32s({1}), f32s({2.5f}), i64s({})}).toVector<float>(),
            (std::vector<float>{1, 2.5f}));
  EXPECT_EQ(typeOf(concatenate({a})), "i32[2,2]");
  EXPECT_EQ(typeOf(concatenate({a, tensor<double>({1, 2}, {1, 2})})),
            "f64[3,2]");
  EXPECT_EQ(errorOf([] { concatenate({}); }),
            "concatenate: needs at least one tensor");
  EXPECT_EQ(errorOf([&] {
              concatenate({a, b}, 0);
            }),
            "concatenate: along axis 0, i32[2,2] and i32[2,1] must have equal "
            "ranks and equal extents on every other axis");
  EXPECT_THAT(errorOf([&] {
                concatenate({a, i32s({1})}, 0);
              }),
              HasSubstr("must have equal ranks"));
  EXPECT_EQ(errorOf([] {
              concatenate({scalar(1.f), scalar(2.f)});
            }),
            "concatenate: cannot concatenate rank-0 tensors (f32[] and f32[]); "
            "reshape them to [1] first");
  EXPECT_EQ(errorOf([&] {
              concatenate({a, a}, 2);
            }),
            "concatenate: axis 2 is out of range for i32[2,2] (rank 2); use an "
            "axis in [-2, 2)");
}

TEST(OpsShapeTest, Slice) {
  Tensor x = tensor<int32_t>({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, {3, 4});
  EXPECT_EQ(slice(x, {1, 1}, {3, 3}).toVector<int32_t>(),
            (std::vector<int32_t>{5, 6, 9, 10}));
  EXPECT_EQ(slice(x, {0, 0}, {3, 4}, {2, 3}).toVector<int32_t>(),
            (std::vector<int32_t>{0, 3, 8, 11}));
  EXPECT_EQ(typeOf(slice(x, {1, 4}, {1, 4})), "i32[0,0]");
  EXPECT_TRUE(slice(x, {0, 0}, {3, 4}).array().sharesBufferWith(x.array()));
  EXPECT_EQ(errorOf([&] {
              slice(x, {0, 2}, {3, 5});
            }),
            "slice: axis 1 of i32[3,4] needs 0 <= start <= limit <= 4, got "
            "start 2 and limit 5; clamp the bounds into the tensor");
  EXPECT_THAT(errorOf([&] {
                slice(x, {2, 0}, {1, 4});
              }),
              HasSubstr("axis 0 of i32[3,4] needs 0 <= start <= limit <= 3, "
                        "got start 2 and limit 1"));
  EXPECT_THAT(errorOf([&] {
                slice(x, {-1, 0}, {1, 4});
              }),
              HasSubstr("got start -1"));
  EXPECT_THAT(errorOf([&] {
                slice(x, {0, 0}, {1, 4}, {1, 0});
              }),
              HasSubstr("slice: stride 0 of axis 1 of i32[3,4] is not "
                        "positive; use strides >= 1"));
  EXPECT_THAT(errorOf([&] { slice(x, {0}, {1}); }),
              HasSubstr("slice: needs one start, limit and stride per axis of "
                        "i32[3,4] (2), got starts [0], limits [1], strides "
                        "[1,1]"));
}

TEST(OpsShapeTest, DynamicSliceClampsStarts) {
  Tensor x = tensor<float>({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, {3, 4});
  EXPECT_EQ(dynamicSlice(x, {1, 2}, {2, 2}).toVector<float>(),
            (std::vector<float>{6, 7, 10, 11}));
  Tensor row = scalar(2, i64), col = scalar(-5);
  EXPECT_EQ(
      dynamicSlice(x, {row, col}, {2, 3}).toVector<float>(),
      (std::vector<float>{4, 5, 6, 8, 9, 10})); // row clamped to 1, col to 0
  EXPECT_EQ(dynamicSlice(f32s({1, 2, 3}), {scalar(1)}, {0}).numElements(), 0);
  EXPECT_EQ(errorOf([&] {
              dynamicSlice(x, {1}, {2, 2});
            }),
            "dynamicSlice: needs one start per axis of f32[3,4] (2), got 1");
  EXPECT_EQ(errorOf([&] {
              dynamicSlice(x, {scalar(1.f), 0}, {2, 2});
            }),
            "dynamicSlice: start 0 must be a rank-0 i32 or i64 tensor or a C++ "
            "integer, got f32[]");
  EXPECT_THAT(errorOf([&] {
                dynamicSlice(x, {i32s({1}), 0}, {2, 2});
              }),
              HasSubstr("start 0 must be a rank-0 i32 or i64 tensor"));
  EXPECT_EQ(errorOf([&] {
              dynamicSlice(x, {0, 0}, {4, 1});
            }),
            "dynamicSlice: sizes [4,1] do not fit f32[3,4]; give one size per "
            "axis, each between 0 and that axis's extent");
  EXPECT_THAT(errorOf([&] {
                dynamicSlice(x, {0, 0}, {1});
              }),
              HasSubstr("sizes [1] do not fit f32[3,4]"));
}

TEST(OpsShapeTest, DynamicUpdateSlice) {
  Tensor x = zeros({2, 3});
  Tensor r = dynamicUpdateSlice(x, tensor<float>({1, 2}, {1, 2}), {1, 5});
  EXPECT_EQ(r.toVector<float>(), (std::vector<float>{0, 0, 0, 0, 1, 2}));
  EXPECT_EQ(x.toVector<float>(), std::vector<float>(6, 0.f));
  r = dynamicUpdateSlice(x, tensor<int32_t>({7}, {1, 1}),
                         {scalar(0), scalar(1)});
  EXPECT_EQ(r.toVector<float>(), (std::vector<float>{0, 7, 0, 0, 0, 0}));
  EXPECT_EQ(errorOf([&] {
              dynamicUpdateSlice(x, tensor<double>({1}, {1, 1}), {0, 0});
            }),
            "dynamicUpdateSlice: the update f64[1,1] would be narrowed to the "
            "dtype of f32[2,3]; cast it explicitly with cast(update, f32)");
  EXPECT_EQ(errorOf([&] {
              dynamicUpdateSlice(x, f32s({1}), {0, 0});
            }),
            "dynamicUpdateSlice: the update f32[1] does not fit in f32[2,3]; "
            "it needs the same rank and no larger extent");
  EXPECT_THAT(errorOf([&] {
                dynamicUpdateSlice(x, zeros({3, 1}), {0, 0});
              }),
              HasSubstr("the update f32[3,1] does not fit in f32[2,3]"));
  EXPECT_THAT(errorOf([&] {
                dynamicUpdateSlice(x, zeros({1, 1}), {0});
              }),
              HasSubstr("needs one start per axis of f32[2,3] (2), got 1"));
}

//===----------------------------------------------------------------------===//
// Indexing
//===----------------------------------------------------------------------===//

TEST(OpsIndexTest, Gather) {
  Tensor x = tensor<float>({10, 11, 12, 20, 21, 22}, {2, 3});
  EXPECT_EQ(gather(x, i32s({1, 0, 1})).toVector<float>(),
            (std::vector<float>{20, 21, 22, 10, 11, 12, 20, 21, 22}));
  EXPECT_EQ(gather(x, i64s({2, -1, 9}), -1).toVector<float>(),
            (std::vector<float>{12, 10, 12, 22, 20, 22})); // clamped
  EXPECT_EQ(typeOf(gather(x, tensor<int32_t>({0, 1, 2, 0}, {2, 2}), 1)),
            "f32[2,2,2]");
  EXPECT_EQ(typeOf(gather(x, scalar(1), 0)), "f32[3]");
  EXPECT_EQ(gather(bools({true, false}), i32s({1, 1})).toVector<bool>(),
            (std::vector<bool>{false, false}));
  EXPECT_EQ(errorOf([&] { gather(x, f32s({1})); }),
            "gather: indices must be i32 or i64, got f32[1]; convert them with "
            "cast(indices, i32)");
  EXPECT_EQ(errorOf([&] { gather(x, i32s({1}), 2); }),
            "gather: axis 2 is out of range for f32[2,3] (rank 2); use an axis "
            "in [-2, 2)");
  EXPECT_EQ(errorOf([] { gather(scalar(1.f), i32s({0})); }),
            "gather: axis 0 is out of range for f32[], which has no axes; "
            "reshape it to rank 1 first");
}

TEST(OpsIndexTest, ScatterAdd) {
  Tensor counts = i32s({0, 0, 0});
  EXPECT_EQ(scatterAdd(counts, i32s({0, 2, 2, 5, -1}), 1).toVector<int32_t>(),
            (std::vector<int32_t>{1, 0, 2})); // histogram; out of range dropped
  Tensor x = zeros({2, 3});
  EXPECT_EQ(scatterAdd(x, i64s({1, 1}), tensor<float>({1, 2, 3, 4}, {2, 2}), -1)
                .toVector<float>(),
            (std::vector<float>{0, 3, 0, 0, 7, 0}));
  EXPECT_EQ(scatterAdd(x, i32s({1}), f32s({1, 2, 3})).toVector<float>(),
            (std::vector<float>{0, 0, 0, 1, 2, 3}));
  // Updates broadcast to the gather shape and are cast up to x's dtype.
  EXPECT_EQ(scatterAdd(x, i32s({0, 0}), i32s({1, 2, 3})).toVector<float>(),
            (std::vector<float>{2, 4, 6, 0, 0, 0}));
  EXPECT_EQ(scatterAdd(x, i32s({0}), 0.5f).toVector<float>(),
            (std::vector<float>{0.5f, 0.5f, 0.5f, 0, 0, 0}));
  EXPECT_EQ(errorOf([&] { scatterAdd(counts, i32s({0}), 0.5f); }),
            "scatterAdd: the scalar 0.5 would be narrowed to the dtype of "
            "i32[3]; pass an integer scalar or cast x to f32");
  EXPECT_EQ(errorOf([&] { scatterAdd(counts, i32s({0}), f32s({1})); }),
            "scatterAdd: the updates f32[1] would be narrowed to the dtype of "
            "i32[3]; cast it explicitly with cast(updates, i32)");
  EXPECT_EQ(errorOf([&] {
              scatterAdd(x, i32s({0}), f32s({1, 2}));
            }),
            "scatterAdd: updates f32[2] do not broadcast to the shape [1,3] "
            "that gather(x, indices, 0) has for x f32[2,3] and indices i32[1]; "
            "give updates that shape or one that broadcasts to it");
  EXPECT_EQ(errorOf([] { scatterAdd(bools({true}), i32s({0}), true); }),
            "scatterAdd: cannot add into bool[1]; cast it to i32 or f32 first");
  EXPECT_THAT(errorOf([&] { scatterAdd(x, f32s({0}), 1.f); }),
              HasSubstr("scatterAdd: indices must be i32 or i64, got f32[1]"));
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

TEST(OpsReduceTest, SumAxesAndKeepDims) {
  Tensor x = tensor<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_EQ(sum(x).item<float>(), 21.f);
  EXPECT_EQ(typeOf(sum(x)), "f32[]");
  EXPECT_EQ(sum(x, 0).toVector<float>(), (std::vector<float>{5, 7, 9}));
  EXPECT_EQ(sum(x, -1).toVector<float>(), (std::vector<float>{6, 15}));
  EXPECT_EQ(sum(x, {0, 1}).item<float>(), 21.f);
  EXPECT_EQ(sum(x, {-1, 0}).item<float>(), 21.f);
  EXPECT_EQ(typeOf(sum(x, 1, true)), "f32[2,1]");
  EXPECT_EQ(typeOf(sum(x, {}, true)), "f32[1,1]");
  EXPECT_EQ(typeOf(sum(x, std::vector<int64_t>{})), "f32[2,3]"); // over none
  EXPECT_EQ(sum(i64s({1, 2, 3})).item<int64_t>(), 6);
  EXPECT_EQ(sum(scalar(2.5)).item<double>(), 2.5);
  EXPECT_EQ(sum(tensor<float>({}, {0, 2}), 0).toVector<float>(),
            (std::vector<float>{0, 0}));
  Tensor spikes = bools({true, false, true, true});
  EXPECT_EQ(typeOf(sum(spikes)), "i32[]"); // bool counts as i32
  EXPECT_EQ(sum(spikes).item<int32_t>(), 3);
  EXPECT_EQ(errorOf([&] { sum(x, 2); }),
            "sum: axis 2 is out of range for f32[2,3] (rank 2); use an axis in "
            "[-2, 2)");
  EXPECT_EQ(errorOf([&] {
              sum(x, {1, -1});
            }),
            "sum: axes [1,-1] name an axis of f32[2,3] twice; list each axis "
            "once");
}

TEST(OpsReduceTest, Mean) {
  Tensor x = tensor<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_EQ(mean(x).item<float>(), 3.5f);
  EXPECT_EQ(mean(x, 0).toVector<float>(),
            (std::vector<float>{2.5f, 3.5f, 4.5f}));
  EXPECT_EQ(typeOf(mean(x, 1, true)), "f32[2,1]");
  EXPECT_EQ(typeOf(mean(f64s({1, 2}))), "f64[]");
  EXPECT_EQ(typeOf(mean(i32s({1, 2}))), "f32[]");
  EXPECT_EQ(mean(i64s({1, 2})).item<float>(), 1.5f);
  EXPECT_EQ(mean(bools({true, false, false, false})).item<float>(), 0.25f);
  EXPECT_TRUE(std::isnan(mean(tensor<float>({}, {0})).item<float>()));
  EXPECT_THAT(errorOf([&] { mean(x, 5); }),
              HasSubstr("mean: axis 5 is out of range"));
}

TEST(OpsReduceTest, ReduceMaxMin) {
  Tensor x = tensor<int32_t>({3, -1, 7, 2, 9, -4}, {2, 3});
  EXPECT_EQ(reduceMax(x).item<int32_t>(), 9);
  EXPECT_EQ(reduceMin(x).item<int32_t>(), -4);
  EXPECT_EQ(reduceMax(x, 0).toVector<int32_t>(),
            (std::vector<int32_t>{3, 9, 7}));
  EXPECT_EQ(reduceMin(x, -1, true).toVector<int32_t>(),
            (std::vector<int32_t>{-1, -4}));
  EXPECT_EQ(typeOf(reduceMin(x, -1, true)), "i32[2,1]");
  EXPECT_TRUE(std::isnan(reduceMax(f32s({1, kNaN, 3})).item<float>()));
  EXPECT_EQ(reduceMax(bools({false, true})).item<bool>(), true);  // any
  EXPECT_EQ(reduceMin(bools({false, true})).item<bool>(), false); // all
  EXPECT_EQ(typeOf(reduceMax(tensor<float>({}, {0, 2}), 1)), "f32[0]");
  EXPECT_EQ(errorOf([] {
              reduceMax(tensor<float>({}, {0, 2}), 0);
            }),
            "reduceMax: axis 0 of f32[0,2] has extent 0, so it has no maximum; "
            "reduce only non-empty axes");
  EXPECT_THAT(errorOf([] { reduceMin(tensor<float>({}, {0})); }),
              HasSubstr("reduceMin: axis 0 of f32[0] has extent 0, so it has "
                        "no minimum"));
}

TEST(OpsReduceTest, ArgMax) {
  Tensor x = tensor<float>({1, 5, 5, 9, 0, 9}, {2, 3});
  EXPECT_EQ(typeOf(argmax(x)), "i64[]");
  EXPECT_EQ(argmax(x).item<int64_t>(), 3); // first maximum of the flattened x
  EXPECT_EQ(argmax(x, 1).toVector<int64_t>(), (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(argmax(x, -2).toVector<int64_t>(), (std::vector<int64_t>{1, 0, 1}));
  EXPECT_EQ(typeOf(argmax(x, 0, true)), "i64[1,3]");
  EXPECT_EQ(argmax(scalar(3)).item<int64_t>(), 0);
  EXPECT_EQ(argmax(f32s({1, kNaN, 2})).item<int64_t>(), 1);
  EXPECT_EQ(errorOf([] {
              argmax(tensor<float>({}, {2, 0}));
            }),
            "argmax: f32[2,0] is empty, so it has no maximum; check for "
            "emptiness first");
  EXPECT_EQ(errorOf([] {
              argmax(tensor<float>({}, {2, 0}), 1);
            }),
            "argmax: axis 1 of f32[2,0] has extent 0, so it has no maximum; "
            "take argmax over a non-empty axis");
  EXPECT_THAT(errorOf([] { argmax(scalar(1.f), 0); }),
              HasSubstr("argmax: axis 0 is out of range for f32[], which has "
                        "no axes"));
}

//===----------------------------------------------------------------------===//
// Matmul
//===----------------------------------------------------------------------===//

TEST(OpsMatMulTest, MatricesAndVectors) {
  Tensor a = tensor<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor b = tensor<float>({1, 0, 0, 1, 1, 1}, {3, 2});
  EXPECT_EQ(matmul(a, b).toVector<float>(), (std::vector<float>{4, 5, 10, 11}));
  Tensor v = f32s({1, 1, 2});
  EXPECT_EQ(typeOf(matmul(a, v)), "f32[2]");
  EXPECT_EQ(matmul(a, v).toVector<float>(), (std::vector<float>{9, 21}));
  EXPECT_EQ(typeOf(matmul(f32s({1, 2}), a)), "f32[3]");
  EXPECT_EQ(matmul(f32s({1, 2}), a).toVector<float>(),
            (std::vector<float>{9, 12, 15}));
  EXPECT_EQ(typeOf(matmul(v, v)), "f32[]");
  EXPECT_EQ(matmul(v, v).item<float>(), 6.f);
  EXPECT_EQ(matmul(i32s({1, 2}), i32s({3, 4})).item<int32_t>(), 11);
  EXPECT_EQ(typeOf(matmul(i32s({1, 2}), f64s({3, 4}))), "f64[]");
}

TEST(OpsMatMulTest, BatchedWithBroadcasting) {
  // Two stacked 2x2 matrices.
  Tensor a = tensor<int64_t>({1, 2, 3, 4, 1, 0, 0, 1}, {2, 2, 2});
  Tensor b = tensor<int64_t>({5, 6, 7, 8, 2, 3, 4, 5}, {2, 2, 2});
  EXPECT_EQ(matmul(a, b).toVector<int64_t>(),
            (std::vector<int64_t>{19, 22, 43, 50, 2, 3, 4, 5}));
  // A stack times one matrix: [2,2,2] x [2,2].
  Tensor m = tensor<int64_t>({5, 6, 7, 8}, {2, 2});
  EXPECT_EQ(matmul(a, m).toVector<int64_t>(),
            (std::vector<int64_t>{19, 22, 43, 50, 5, 6, 7, 8}));
  // One matrix times a stack: [2,2] x [2,2,2].
  EXPECT_EQ(matmul(m, b).toVector<int64_t>(),
            (std::vector<int64_t>{67, 78, 91, 106, 34, 45, 46, 61}));
  // Batch dimensions broadcast: [2,1,2,2] x [3,2,2] -> [2,3,2,2].
  Tensor a4 = reshape(a, {2, 1, 2, 2});
  Tensor b3 = concatenate({reshape(m, {1, 2, 2}), b});
  Tensor r = matmul(a4, b3);
  EXPECT_EQ(typeOf(r), "i64[2,3,2,2]");
  EXPECT_EQ(
      r.toVector<int64_t>(),
      (std::vector<int64_t>{19, 22, 43, 50, 19, 22, 43, 50, 10, 13, 22, 29,
                            5,  6,  7,  8,  5,  6,  7,  8,  2,  3,  4,  5}));
  // A vector times a stack: [2] x [2,2,2] -> [2,2].
  EXPECT_EQ(matmul(i64s({1, 1}), b).toVector<int64_t>(),
            (std::vector<int64_t>{12, 14, 6, 8}));
  // A stack times a vector: [2,2,2] x [2] -> [2,2].
  EXPECT_EQ(matmul(a, i64s({1, 1})).toVector<int64_t>(),
            (std::vector<int64_t>{3, 7, 1, 1}));
  EXPECT_EQ(typeOf(matmul(zeros({0, 2, 3}), zeros({3, 4}))), "f32[0,2,4]");
}

TEST(OpsMatMulTest, Errors) {
  EXPECT_EQ(errorOf([] {
              matmul(zeros({2, 3}), zeros({2, 3}));
            }),
            "matmul: contracting extents differ in f32[2,3] and f32[2,3] (3 vs "
            "2); the last extent of x must equal the second-to-last of y (or "
            "y's only extent)");
  EXPECT_THAT(errorOf([] {
                matmul(f32s({1, 2}), f32s({1, 2, 3}));
              }),
              HasSubstr("contracting extents differ in f32[2] and f32[3]"));
  EXPECT_EQ(errorOf([] { matmul(scalar(1.f), f32s({1})); }),
            "matmul: operands must have rank >= 1, got f32[] and f32[1]; use "
            "mul for scalars");
  EXPECT_EQ(errorOf([] { matmul(bools({true}), bools({true})); }),
            "matmul: is not defined on bool (bool[1] and bool[1]); cast to "
            "i32 or f32 first");
  EXPECT_EQ(errorOf([] {
              matmul(zeros({2, 2, 3}), zeros({3, 3, 4}));
            }),
            "matmul: batch dimensions [2] and [3] of f32[2,2,3] and f32[3,3,4] "
            "cannot broadcast: axis -1 has extents 2 and 3 and neither is 1; "
            "make them equal or 1");
}

} // namespace
