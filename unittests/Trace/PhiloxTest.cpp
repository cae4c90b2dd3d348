//===- PhiloxTest.cpp - The Philox4x32-10 block and the philox primitive --===//
//
// The block function against Random123's known-answer vectors (tests/kat_vectors, the three
// "philox4x32 10" lines: counter, key, expected output, in 32-bit hex words), and the primitive's
// type rule, eager kernel and printed form.
//
//===----------------------------------------------------------------------===//
#include "bst/Trace/Philox.h"
#include "bst/Trace/Apply.h"
#include "bst/Trace/Op.h"
#include "bst/Trace/Program.h"

#include "../TestUtil.h"
#include "OpTestUtil.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <array>
#include <cstdint>

using namespace bst;
using namespace bst::testing;
using ::testing::HasSubstr;

namespace {

using Words = std::array<uint32_t, 4>;

TEST(PhiloxTest, KnownAnswerVectorsOfRandom123) {
  EXPECT_EQ(philox4x32_10({0, 0, 0, 0}, {0, 0}),
            (Words{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}));
  EXPECT_EQ(
      philox4x32_10({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff}),
      (Words{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}));
  EXPECT_EQ(
      philox4x32_10({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0}),
      (Words{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}));
  // Usable at compile time.
  static_assert(philox4x32_10({0, 0, 0, 0}, {0, 0})[0] == 0x6627e8d5);
}

TEST(PhiloxTest, BlockSplitsKeyAndCounterIntoLowAndHighWords) {
  EXPECT_EQ(philoxBlock(0, 0), philox4x32_10({0, 0, 0, 0}, {0, 0}));
  EXPECT_EQ(philoxBlock(0x299f31d0a4093822, 0x85a308d3243f6a88),
            philox4x32_10({0x243f6a88, 0x85a308d3, 0, 0}, {0xa4093822, 0x299f31d0}));
}

Tensor key(int64_t k) { return Array::scalar<int64_t>(k); }
Tensor draw(int64_t k, int64_t counter, std::vector<int64_t> shape, DType dtype, int64_t word = 0) {
  return detail::apply(OpKind::Philox, {key(k), Array::scalar<int64_t>(counter)},
                       OpAttrs{.shape = shape, .axis = word, .dtype = dtype});
}

TEST(PhiloxKernelTest, ZeroKeyAndCounterGiveTheFirstKnownAnswer) {
  std::vector<int32_t> words;
  for (int64_t w = 0; w < 4; ++w)
    words.push_back(draw(0, 0, {}, i32, w).item<int32_t>());
  EXPECT_EQ(words, (std::vector<int32_t>{
                       static_cast<int32_t>(0x6627e8d5), static_cast<int32_t>(0xe169c58d),
                       static_cast<int32_t>(0xbc57ac4c), static_cast<int32_t>(0x9b00dbd8)}));
  EXPECT_EQ(draw(0, 0, {}, i64, 1).item<int64_t>(), static_cast<int64_t>(0x9b00dbd8bc57ac4c));
}

TEST(PhiloxKernelTest, ElementIUsesPositionCounterPlusIInRowMajorOrder) {
  int64_t k = 0x0123456789abcdef, c = -3; // the counter wraps through 2^64
  std::vector<int32_t> got = draw(k, c, {2, 3}, i32, 2).toVector<int32_t>();
  for (int64_t i = 0; i < 6; ++i)
    EXPECT_EQ(static_cast<uint32_t>(got[i]),
              philoxBlock(static_cast<uint64_t>(k), static_cast<uint64_t>(c + i))[2])
        << i;
  // A longer draw starts with a shorter one: positions, not shapes, decide the numbers.
  std::vector<int32_t> prefix = draw(k, c, {4}, i32, 2).toVector<int32_t>();
  EXPECT_EQ(prefix, std::vector<int32_t>(got.begin(), got.begin() + 4));
  EXPECT_EQ(draw(k, c + 4, {2}, i32, 2).toVector<int32_t>(),
            std::vector<int32_t>(got.begin() + 4, got.end()));
}

TEST(PhiloxKernelTest, UnitDrawsUseTheTopBitsOfTheWords) {
  Words x = philoxBlock(7, 100);
  EXPECT_EQ(draw(7, 100, {}, f32, 3).item<float>(), static_cast<float>(x[3] >> 8) * 0x1p-24f);
  uint64_t pair = uint64_t{x[2]} | uint64_t{x[3]} << 32;
  EXPECT_EQ(draw(7, 100, {}, f64, 1).item<double>(), static_cast<double>(pair >> 11) * 0x1p-53);
  for (float u : draw(7, 0, {4096}, f32).toVector<float>())
    ASSERT_TRUE(u >= 0.f && u < 1.f) << u;
  EXPECT_EQ(draw(7, 0, {0}, f32).numElements(), 0);
}

TEST(PhiloxTypeTest, Rules) {
  AbstractArray s64{Shape{}, i64};
  EXPECT_EQ(
      inferType(OpKind::Philox, {s64, s64}, OpAttrs{.shape = {3, 2}, .dtype = f64}).toString(),
      "f64[3,2]");
  auto error = [&](std::vector<AbstractArray> ops, OpAttrs attrs) {
    return errorOf([&] { inferType(OpKind::Philox, ops, attrs); });
  };
  EXPECT_EQ(error({s64, AbstractArray{Shape{1}, i64}}, OpAttrs{.dtype = f32}),
            "philox(i64[], i64[1]): the counter must be an i64 scalar; pass the key and counter "
            "of a bst::RandomState");
  EXPECT_THAT(error({s64, s64}, OpAttrs{.dtype = boolean}), HasSubstr("cannot produce bool"));
  EXPECT_EQ(error({s64, s64}, OpAttrs{.axis = 2, .dtype = i64}),
            "philox(i64[], i64[]): word 2 is out of range for i64; use a word in [0, 2): a block "
            "has four 32-bit words");
  EXPECT_THAT(error({s64, s64}, OpAttrs{.shape = {-1}, .dtype = f32}),
              HasSubstr("negative extent"));
}

TEST(PhiloxTypeTest, PrintedWithShapeWordAndDtype) {
  Program p;
  ValueId k = p.addValue({Shape{}, i64}), c = p.addValue({Shape{}, i64});
  p.addSlot({.role = SlotRole::Argument, .name = "k", .type = {Shape{}, i64}, .input = k});
  p.addSlot({.role = SlotRole::Argument, .name = "c", .type = {Shape{}, i64}, .input = c});
  p.addInstruction(OpKind::Philox, {k, c}, OpAttrs{.shape = {}, .axis = 1, .dtype = f32},
                   {Shape{}, f32});
  p.verify();
  EXPECT_THAT(p.toString(), HasSubstr("%2 = philox %0, %1 {shape=[] word=1 dtype=f32} : f32[]"));
}

} // namespace
