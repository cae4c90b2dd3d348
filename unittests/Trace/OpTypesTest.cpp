//===- OpTypesTest.cpp - opName, OpAttrs and the type rules ---------------===//
#include "bst/Trace/Op.h"

#include "../TestUtil.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <set>
#include <string>

using namespace bst;
using bst::testing::errorOf;
using ::testing::HasSubstr;

namespace {

AbstractArray ty(DType dtype, Shape shape) { return {shape, dtype}; }

std::string typeOf(OpKind kind, std::vector<AbstractArray> operands,
                   const OpAttrs &attrs = {}) {
  return inferType(kind, operands, attrs).toString();
}

std::string errorOfType(OpKind kind, std::vector<AbstractArray> operands,
                        const OpAttrs &attrs = {}) {
  return errorOf([&] { inferType(kind, operands, attrs); });
}

TEST(OpNameTest, EveryKindHasAUniqueSnakeCaseName) {
  std::set<std::string> names;
  for (int k = 0; k < kNumOpKinds; ++k) {
    std::string name = opName(static_cast<OpKind>(k));
    EXPECT_FALSE(name.empty());
    for (char c : name)
      EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')
          << name;
    EXPECT_NE(name, "<unknown op>");
    names.insert(name);
  }
  EXPECT_EQ(names.size(), static_cast<size_t>(kNumOpKinds));
}

TEST(OpNameTest, SpellingsUsedByThePrinter) {
  EXPECT_STREQ(opName(OpKind::Add), "add");
  EXPECT_STREQ(opName(OpKind::Log1p), "log1p");
  EXPECT_STREQ(opName(OpKind::Not), "not");
  EXPECT_STREQ(opName(OpKind::Select), "select");
  EXPECT_STREQ(opName(OpKind::BroadcastInDim), "broadcast_in_dim");
  EXPECT_STREQ(opName(OpKind::DynamicUpdateSlice), "dynamic_update_slice");
  EXPECT_STREQ(opName(OpKind::ScatterAdd), "scatter_add");
  EXPECT_STREQ(opName(OpKind::ReduceSum), "reduce_sum");
  EXPECT_STREQ(opName(OpKind::ArgMax), "argmax");
  EXPECT_STREQ(opName(OpKind::MatMul), "matmul");
}

TEST(OpAttrsTest, EqualityComparesEveryField) {
  OpAttrs a, b;
  EXPECT_TRUE(a == b);
  b.shape = {2};
  EXPECT_FALSE(a == b);
  b = {};
  b.axes = {0};
  EXPECT_FALSE(a == b);
  b = {};
  b.starts = {1};
  EXPECT_FALSE(a == b);
  b = {};
  b.limits = {1};
  EXPECT_FALSE(a == b);
  b = {};
  b.strides = {1};
  EXPECT_FALSE(a == b);
  b = {};
  b.axis = 1;
  EXPECT_FALSE(a == b);
  b = {};
  b.dtype = DType::i32;
  EXPECT_FALSE(a == b);
  a.constant = Array::scalar<float>(2.f);
  b = {};
  b.constant = Array::scalar<float>(2.f);
  EXPECT_TRUE(a == b); // equal values in distinct buffers
  b.constant = Array::scalar<float>(3.f);
  EXPECT_FALSE(a == b);
  b.constant = Array::scalar<double>(2.0);
  EXPECT_FALSE(a == b);
}

TEST(InferTypeTest, Elementwise) {
  EXPECT_EQ(typeOf(OpKind::Exp, {ty(f64, {2, 3})}), "f64[2,3]");
  EXPECT_EQ(typeOf(OpKind::Neg, {ty(i32, {})}), "i32[]");
  EXPECT_EQ(typeOf(OpKind::Not, {ty(boolean, {4})}), "bool[4]");
  EXPECT_EQ(typeOf(OpKind::Add, {ty(i64, {4}), ty(i64, {4})}), "i64[4]");
  EXPECT_EQ(typeOf(OpKind::Max, {ty(boolean, {4}), ty(boolean, {4})}),
            "bool[4]");
  EXPECT_EQ(typeOf(OpKind::Lt, {ty(f32, {0, 2}), ty(f32, {0, 2})}),
            "bool[0,2]");
  EXPECT_EQ(
      typeOf(OpKind::Select, {ty(boolean, {3}), ty(i32, {3}), ty(i32, {3})}),
      "i32[3]");
}

TEST(InferTypeTest, ElementwiseErrorsNameOpTypesAndFix) {
  EXPECT_EQ(errorOfType(OpKind::Add, {ty(f32, {4}), ty(f32, {3})}),
            "add(f32[4], f32[3]): operands must have equal shapes; broadcast "
            "them first (the public ops such as bst::add and bst::where do "
            "this for you)");
  EXPECT_THAT(errorOfType(OpKind::Mul, {ty(f32, {4}), ty(i32, {4})}),
              HasSubstr("mul(f32[4], i32[4]): operands must have equal dtypes; "
                        "cast them"));
  EXPECT_THAT(errorOfType(OpKind::Exp, {ty(i32, {2})}),
              HasSubstr("exp(i32[2]): needs a floating operand (f32 or f64), "
                        "got i32; cast to f32 or f64 first"));
  EXPECT_THAT(errorOfType(OpKind::Round, {ty(i64, {2})}),
              HasSubstr("round(i64[2]): needs a floating operand"));
  EXPECT_THAT(errorOfType(OpKind::Not, {ty(f32, {2})}),
              HasSubstr("not(f32[2]): needs bool operands, got f32"));
  EXPECT_THAT(errorOfType(OpKind::And, {ty(i32, {2}), ty(i32, {2})}),
              HasSubstr("and(i32[2], i32[2]): needs bool operands"));
  EXPECT_THAT(errorOfType(OpKind::Add, {ty(boolean, {2}), ty(boolean, {2})}),
              HasSubstr("add(bool[2], bool[2]): is not defined on bool; cast "
                        "to i32 or f32 first"));
  EXPECT_THAT(errorOfType(OpKind::Neg, {ty(boolean, {2})}),
              HasSubstr("neg(bool[2]): is not defined on bool"));
  EXPECT_THAT(errorOfType(OpKind::Sub, {ty(f32, {2})}),
              HasSubstr("sub(f32[2]): takes 2 operands, got 1"));
  EXPECT_THAT(
      errorOfType(OpKind::Select, {ty(f32, {3}), ty(f32, {3}), ty(f32, {3})}),
      HasSubstr("select(f32[3], f32[3], f32[3]): the condition must be "
                "bool, got f32[3]"));
  EXPECT_THAT(errorOfType(OpKind::Select,
                          {ty(boolean, {3}), ty(f32, {3}), ty(f64, {3})}),
              HasSubstr("operands must have equal dtypes"));
  EXPECT_THAT(errorOfType(OpKind::Select,
                          {ty(boolean, {2}), ty(f32, {3}), ty(f32, {3})}),
              HasSubstr("operands must have equal shapes"));
}

TEST(InferTypeTest, CastConstantIota) {
  OpAttrs cast;
  cast.dtype = i64;
  EXPECT_EQ(typeOf(OpKind::Cast, {ty(f32, {2})}, cast), "i64[2]");
  OpAttrs c;
  c.constant = Array::fromVector<int32_t>({1, 2}, {2});
  EXPECT_EQ(typeOf(OpKind::Constant, {}, c), "i32[2]");
  EXPECT_THAT(errorOfType(OpKind::Constant, {ty(f32, {})}, c),
              HasSubstr("constant(f32[]): takes 0 operands, got 1"));
  OpAttrs iota;
  iota.shape = {2, 3};
  iota.axis = 1;
  iota.dtype = i32;
  EXPECT_EQ(typeOf(OpKind::Iota, {}, iota), "i32[2,3]");
  iota.axis = 2;
  EXPECT_THAT(errorOfType(OpKind::Iota, {}, iota),
              HasSubstr("iota(): axis 2 is out of range for rank 2; use an "
                        "axis in [0, 2)"));
  iota.axis = 0;
  iota.dtype = boolean;
  EXPECT_THAT(errorOfType(OpKind::Iota, {}, iota),
              HasSubstr("iota(): cannot produce bool"));
  iota.dtype = f32;
  iota.shape = {-2};
  EXPECT_THAT(errorOfType(OpKind::Iota, {}, iota),
              HasSubstr("result shape [-2] has a negative extent"));
}

TEST(InferTypeTest, BroadcastInDim) {
  OpAttrs a;
  a.shape = {2, 3, 4};
  a.axes = {1};
  EXPECT_EQ(typeOf(OpKind::BroadcastInDim, {ty(f32, {3})}, a), "f32[2,3,4]");
  a.axes = {0, 2};
  EXPECT_EQ(typeOf(OpKind::BroadcastInDim, {ty(i32, {1, 4})}, a), "i32[2,3,4]");
  EXPECT_THAT(errorOfType(OpKind::BroadcastInDim, {ty(f32, {3, 4})}, a),
              HasSubstr("broadcast_in_dim(f32[3,4]): to [2,3,4] with axes "
                        "[0,2]: operand dimension 0 has extent 3 but result "
                        "dimension 0 has extent 2"));
  a.axes = {2, 0};
  EXPECT_THAT(errorOfType(OpKind::BroadcastInDim, {ty(f32, {1, 1})}, a),
              HasSubstr("axes must be strictly increasing"));
  a.axes = {0};
  EXPECT_THAT(errorOfType(OpKind::BroadcastInDim, {ty(f32, {1, 1})}, a),
              HasSubstr("needs one axis per operand dimension (2)"));
  a.axes = {0, 3};
  EXPECT_THAT(errorOfType(OpKind::BroadcastInDim, {ty(f32, {1, 1})}, a),
              HasSubstr("axis 3 is out of range for result rank 3"));
}

TEST(InferTypeTest, ReshapeTransposeConcatenate) {
  OpAttrs r;
  r.shape = {3, 2};
  EXPECT_EQ(typeOf(OpKind::Reshape, {ty(f32, {2, 3})}, r), "f32[3,2]");
  r.shape = {4};
  EXPECT_THAT(errorOfType(OpKind::Reshape, {ty(f32, {2, 3})}, r),
              HasSubstr("reshape(f32[2,3]): cannot reshape 6 elements to [4] "
                        "(4 elements)"));

  OpAttrs t;
  t.axes = {2, 0, 1};
  EXPECT_EQ(typeOf(OpKind::Transpose, {ty(i64, {2, 3, 4})}, t), "i64[4,2,3]");
  t.axes = {0, 0, 1};
  EXPECT_THAT(errorOfType(OpKind::Transpose, {ty(i64, {2, 3, 4})}, t),
              HasSubstr("transpose(i64[2,3,4]): axes [0,0,1] are not a "
                        "permutation of 0..2; list each of the 3 axes exactly "
                        "once"));

  OpAttrs c;
  c.axis = 1;
  EXPECT_EQ(typeOf(OpKind::Concatenate,
                   {ty(f32, {2, 1}), ty(f32, {2, 3}), ty(f32, {2, 0})}, c),
            "f32[2,4]");
  EXPECT_THAT(
      errorOfType(OpKind::Concatenate, {ty(f32, {2, 1}), ty(f32, {3, 1})}, c),
      HasSubstr("concatenate(f32[2,1], f32[3,1]): along axis 1, operands must "
                "have equal ranks and equal extents on every other axis"));
  EXPECT_THAT(
      errorOfType(OpKind::Concatenate, {ty(f32, {2, 1}), ty(i32, {2, 1})}, c),
      HasSubstr("operands must have equal dtypes"));
  EXPECT_THAT(errorOfType(OpKind::Concatenate, {}, c),
              HasSubstr("concatenate(): needs at least one operand"));
  c.axis = 0;
  EXPECT_THAT(errorOfType(OpKind::Concatenate, {ty(f32, {})}, c),
              HasSubstr("axis 0 is out of range for rank 0; this op needs an "
                        "operand of rank >= 1"));
}

TEST(InferTypeTest, Slice) {
  OpAttrs s;
  s.starts = {1, 0};
  s.limits = {4, 5};
  s.strides = {2, 3};
  EXPECT_EQ(typeOf(OpKind::Slice, {ty(f32, {4, 5})}, s), "f32[2,2]");
  s.limits = {4, 6};
  EXPECT_THAT(errorOfType(OpKind::Slice, {ty(f32, {4, 5})}, s),
              HasSubstr("slice(f32[4,5]): starts [1,0], limits [4,6], strides "
                        "[2,3]: dimension 1 needs 0 <= start (0) <= limit (6) "
                        "<= extent (5)"));
  s.limits = {4, 5};
  s.strides = {0, 1};
  EXPECT_THAT(errorOfType(OpKind::Slice, {ty(f32, {4, 5})}, s),
              HasSubstr("stride 0 of dimension 0 is not positive"));
  s.strides = {1};
  EXPECT_THAT(errorOfType(OpKind::Slice, {ty(f32, {4, 5})}, s),
              HasSubstr("needs one start, limit and stride per dimension (2)"));
}

TEST(InferTypeTest, DynamicSliceAndUpdate) {
  OpAttrs d;
  d.shape = {2, 2};
  EXPECT_EQ(typeOf(OpKind::DynamicSlice,
                   {ty(f32, {4, 5}), ty(i32, {}), ty(i64, {})}, d),
            "f32[2,2]");
  EXPECT_THAT(
      errorOfType(OpKind::DynamicSlice, {ty(f32, {4, 5}), ty(i32, {})}, d),
      HasSubstr("dynamic_slice(f32[4,5], i32[]): needs 1 array and one start "
                "index per dimension (2), got 2 operands"));
  EXPECT_THAT(
      errorOfType(OpKind::DynamicSlice,
                  {ty(f32, {4, 5}), ty(f32, {}), ty(i32, {})}, d),
      HasSubstr("start index 0 must be an i32 or i64 scalar, got f32[]"));
  EXPECT_THAT(errorOfType(OpKind::DynamicSlice,
                          {ty(f32, {4, 5}), ty(i32, {1}), ty(i32, {})}, d),
              HasSubstr("start index 0 must be an i32 or i64 scalar, got "
                        "i32[1]"));
  d.shape = {5, 2};
  EXPECT_THAT(errorOfType(OpKind::DynamicSlice,
                          {ty(f32, {4, 5}), ty(i32, {}), ty(i32, {})}, d),
              HasSubstr("slice sizes [5,2] must have one entry per dimension, "
                        "none larger than the operand's extent"));

  EXPECT_EQ(typeOf(OpKind::DynamicUpdateSlice,
                   {ty(i32, {4}), ty(i32, {2}), ty(i64, {})}),
            "i32[4]");
  EXPECT_THAT(errorOfType(OpKind::DynamicUpdateSlice,
                          {ty(i32, {4}), ty(f32, {2}), ty(i64, {})}),
              HasSubstr("dynamic_update_slice(i32[4], f32[2], i64[]): the "
                        "update must have the array's dtype; cast the update "
                        "to i32"));
  EXPECT_THAT(errorOfType(OpKind::DynamicUpdateSlice,
                          {ty(i32, {4}), ty(i32, {5}), ty(i64, {})}),
              HasSubstr("the update must have the array's rank and no larger "
                        "extent"));
  EXPECT_THAT(errorOfType(OpKind::DynamicUpdateSlice, {ty(i32, {4})}),
              HasSubstr("needs an array, an update and one start per "
                        "dimension"));
}

TEST(InferTypeTest, GatherAndScatterAdd) {
  OpAttrs g;
  g.axis = 1;
  EXPECT_EQ(typeOf(OpKind::Gather, {ty(f32, {2, 5, 3}), ty(i32, {4, 1})}, g),
            "f32[2,4,1,3]");
  EXPECT_EQ(typeOf(OpKind::Gather, {ty(f32, {2, 5}), ty(i64, {})}, g),
            "f32[2]");
  EXPECT_THAT(errorOfType(OpKind::Gather, {ty(f32, {2, 5}), ty(f32, {3})}, g),
              HasSubstr("gather(f32[2,5], f32[3]): indices must be i32 or i64, "
                        "got f32[3]; cast the indices to i32 or i64"));
  g.axis = 2;
  EXPECT_THAT(errorOfType(OpKind::Gather, {ty(f32, {2, 5}), ty(i32, {3})}, g),
              HasSubstr("axis 2 is out of range for rank 2"));

  OpAttrs s;
  EXPECT_EQ(typeOf(OpKind::ScatterAdd,
                   {ty(f32, {5, 2}), ty(i32, {3}), ty(f32, {3, 2})}, s),
            "f32[5,2]");
  EXPECT_THAT(errorOfType(OpKind::ScatterAdd,
                          {ty(f32, {5, 2}), ty(i32, {3}), ty(f32, {3})}, s),
              HasSubstr("scatter_add(f32[5,2], i32[3], f32[3]): updates must "
                        "be f32[3,2] (what gather(x, indices) along axis 0 "
                        "would give)"));
  EXPECT_THAT(errorOfType(OpKind::ScatterAdd,
                          {ty(boolean, {5}), ty(i32, {3}), ty(boolean, {3})}),
              HasSubstr("is not defined on bool"));
}

TEST(InferTypeTest, Reductions) {
  OpAttrs r;
  r.axes = {0, 2};
  EXPECT_EQ(typeOf(OpKind::ReduceSum, {ty(f32, {2, 3, 4})}, r), "f32[3]");
  EXPECT_EQ(typeOf(OpKind::ReduceMax, {ty(boolean, {2, 3, 4})}, r), "bool[3]");
  r.axes = {};
  EXPECT_EQ(typeOf(OpKind::ReduceMin, {ty(i32, {2, 3})}, r), "i32[2,3]");
  r.axes = {0, 1, 2};
  EXPECT_EQ(typeOf(OpKind::ReduceSum, {ty(f32, {0, 3, 4})}, r), "f32[]");
  EXPECT_THAT(errorOfType(OpKind::ReduceMax, {ty(f32, {0, 3, 4})}, r),
              HasSubstr("reduce_max(f32[0,3,4]): axis 0 has extent 0 and "
                        "reduce_max has no identity"));
  r.axes = {1, 0};
  EXPECT_THAT(errorOfType(OpKind::ReduceSum, {ty(f32, {2, 3})}, r),
              HasSubstr("axes [1,0] must be sorted and unique"));
  r.axes = {2};
  EXPECT_THAT(errorOfType(OpKind::ReduceSum, {ty(f32, {2, 3})}, r),
              HasSubstr("axis 2 of axes [2] is out of range for rank 2"));
  r.axes = {0};
  EXPECT_THAT(errorOfType(OpKind::ReduceSum, {ty(boolean, {2})}, r),
              HasSubstr("reduce_sum(bool[2]): is not defined on bool"));

  OpAttrs a;
  a.axis = 1;
  EXPECT_EQ(typeOf(OpKind::ArgMax, {ty(f32, {2, 3})}, a), "i64[2]");
  EXPECT_THAT(errorOfType(OpKind::ArgMax, {ty(f32, {2, 0})}, a),
              HasSubstr("argmax(f32[2,0]): axis 1 has extent 0, so there is no "
                        "maximum"));
}

TEST(InferTypeTest, MatMul) {
  EXPECT_EQ(typeOf(OpKind::MatMul, {ty(f32, {2, 3}), ty(f32, {3, 4})}),
            "f32[2,4]");
  EXPECT_EQ(typeOf(OpKind::MatMul, {ty(i64, {5, 2, 3}), ty(i64, {5, 3, 4})}),
            "i64[5,2,4]");
  EXPECT_THAT(errorOfType(OpKind::MatMul, {ty(f32, {2, 3}), ty(f32, {4, 3})}),
              HasSubstr("matmul(f32[2,3], f32[4,3]): contracting extents "
                        "differ (3 vs 4)"));
  EXPECT_THAT(
      errorOfType(OpKind::MatMul, {ty(f32, {2, 2, 3}), ty(f32, {3, 3, 4})}),
      HasSubstr("batch extents 2 and 3 differ"));
  EXPECT_THAT(errorOfType(OpKind::MatMul, {ty(f32, {3}), ty(f32, {3})}),
              HasSubstr("operands must both have rank 2, or both rank 3; use "
                        "bst::matmul"));
  EXPECT_THAT(errorOfType(OpKind::MatMul, {ty(f32, {2, 3}), ty(f64, {3, 4})}),
              HasSubstr("operands must have equal dtypes"));
  EXPECT_THAT(
      errorOfType(OpKind::MatMul, {ty(boolean, {2, 3}), ty(boolean, {3, 4})}),
      HasSubstr("is not defined on bool"));
}

} // namespace
