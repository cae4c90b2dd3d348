//===- ArrayTest.cpp ------------------------------------------------------===//
#include "bst/Support/Array.h"

#include "../TestUtil.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <cstdint>

using namespace bst;
using bst::testing::errorOf;
using ::testing::HasSubstr;

namespace {

TEST(ShapeTest, CountsAndPrints) {
  Shape s{4, 3};
  EXPECT_EQ(s.rank(), 2u);
  EXPECT_EQ(s.numElements(), 12);
  EXPECT_EQ(s.toString(), "[4,3]");
  EXPECT_EQ(Shape{}.numElements(), 1);
  EXPECT_EQ(Shape{}.toString(), "[]");
  EXPECT_EQ(Shape({0, 5}).numElements(), 0);
  EXPECT_EQ(Shape(std::vector<int64_t>{2, 2}), (Shape{2, 2}));
}

TEST(ShapeTest, RejectsNegativeAndOverflowingExtents) {
  EXPECT_THAT(errorOf([] { Shape{3, -1}; }), HasSubstr("invalid shape [3,-1]"));
  EXPECT_THAT(errorOf([] { Shape{INT64_MAX, 4}; }), HasSubstr("more elements than an int64"));
}

TEST(ArrayTest, ZerosOnesFull) {
  EXPECT_EQ(zeros({3}).toVector<float>(), (std::vector<float>{0, 0, 0}));
  EXPECT_EQ(ones({2}, i32).toVector<int32_t>(), (std::vector<int32_t>{1, 1}));
  EXPECT_EQ(full({2}, 2.5, f64).toVector<double>(), (std::vector<double>{2.5, 2.5}));
  EXPECT_EQ(full({2}, 2.9, i64).toVector<int64_t>(), (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(full({2}, 3.0, boolean).toVector<bool>(), (std::vector<bool>{true, true}));
  EXPECT_EQ(zeros({2, 3}).abstract().toString(), "f32[2,3]");
}

TEST(ArrayTest, FullRejectsUnrepresentableIntegers) {
  EXPECT_THAT(errorOf([] { full({1}, 1e12, i32); }), HasSubstr("cannot be represented as i32"));
  EXPECT_THAT(errorOf([] { full({1}, std::nan(""), i64); }),
              HasSubstr("cannot be represented as i64"));
}

TEST(ArrayTest, BuffersAre64ByteAligned) {
  for (int64_t n : {1, 3, 17, 1000}) {
    Array a = zeros({n}, f64);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(a.rawData()) % kArrayAlignment, 0u) << n;
  }
}

TEST(ArrayTest, FromVectorRoundTripsEveryDType) {
  EXPECT_EQ(Array::fromVector<float>({1, 2, 3}, {3}).toVector<float>(),
            (std::vector<float>{1, 2, 3}));
  EXPECT_EQ(Array::fromVector<double>({1, 2}, {2}).toVector<double>(),
            (std::vector<double>{1, 2}));
  EXPECT_EQ(Array::fromVector<int32_t>({-1, 2}, {1, 2}).toVector<int32_t>(),
            (std::vector<int32_t>{-1, 2}));
  EXPECT_EQ(Array::fromVector<int64_t>({7}, {}).item<int64_t>(), 7);
  EXPECT_EQ(Array::fromVector<bool>({true, false, true}, {3}).toVector<bool>(),
            (std::vector<bool>{true, false, true}));
}

TEST(ArrayTest, FromVectorRejectsWrongCount) {
  EXPECT_THAT(errorOf([] { Array::fromVector<float>({1, 2, 3}, {2, 2}); }),
              HasSubstr("3 values cannot fill shape [2,2], which holds 4 elements"));
}

TEST(ArrayTest, ElementAccessChecksDType) {
  Array a = zeros({2}, f32);
  EXPECT_THAT(errorOf([&] { a.toVector<double>(); }),
              HasSubstr("the array is f32[2] but its elements were accessed as f64"));
  EXPECT_THAT(errorOf([&] { a.item<float>(); }), HasSubstr("needs an array of one element"));
}

TEST(ArrayTest, CopiesShareUntilWrittenThenDiverge) {
  Array a = Array::fromVector<float>({1, 2, 3}, {3});
  Array b = a;
  EXPECT_TRUE(a.sharesBufferWith(b));
  EXPECT_EQ(a.useCount(), 2);
  b.mutableData<float>()[0] = 42;
  EXPECT_FALSE(a.sharesBufferWith(b));
  EXPECT_EQ(a.toVector<float>(), (std::vector<float>{1, 2, 3}));
  EXPECT_EQ(b.toVector<float>(), (std::vector<float>{42, 2, 3}));
}

TEST(ArrayTest, SoleOwnerWritesInPlace) {
  Array a = zeros({4});
  const void *before = a.rawData();
  a.mutableData<float>()[1] = 5;
  EXPECT_EQ(a.rawData(), before);
}

TEST(ArrayTest, HugeAllocationIsAnErrorNotAnAbort) {
  try {
    Array a({int64_t{1} << 60}, f64);
    FAIL() << "allocated 2^63 bytes";
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), ErrorCode::OutOfMemory);
    EXPECT_THAT(e.what(), HasSubstr("f64[1152921504606846976]"));
  }
}

TEST(ArrayTest, EqualsAndPrints) {
  Array a = Array::fromVector<float>({1, 2, 3}, {3});
  EXPECT_TRUE(a.equals(Array::fromVector<float>({1, 2, 3}, {3})));
  EXPECT_FALSE(a.equals(Array::fromVector<float>({1, 2, 4}, {3})));
  EXPECT_FALSE(a.equals(Array::fromVector<float>({1, 2, 3}, {3, 1})));
  EXPECT_EQ(a.toString(), "f32[3]{1, 2, 3}");
  EXPECT_EQ(zeros({10}, i32).toString(), "i32[10]{0, 0, 0, ..., 0, 0, 0}");
  EXPECT_EQ(Array::scalar(true).toString(), "bool[]{true}");
}

} // namespace
