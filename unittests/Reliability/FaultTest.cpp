//===- FaultTest.cpp - Failures leave bst usable and states unchanged -----===//
#include "../TestUtil.h"
#include "JitTesting.h"
#include "bst/Jit/Jit.h"
#include "bst/Trace/Ops.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace bst::testing {
namespace {

using ::testing::HasSubstr;

Array vec(std::vector<float> v) {
  int64_t n = static_cast<int64_t>(v.size());
  return Array::fromVector(v, {n});
}

TEST(FaultTest, ACompileFailureLeavesTheCacheUsableAndARetryWorks) {
  HiddenState acc(zeros({4}), {.name = "acc"});
  auto add = jit([&](const Tensor &x) { acc.setValue(acc.value() + sum(x)); });
  add(ones({4}));
  EXPECT_EQ(add.cacheSize(), 1u);
  EXPECT_EQ(acc.value().toVector<float>(), std::vector<float>(4, 4.f));

  detail::failNextCompilesForTesting(1);
  try {
    add(ones({8}));
    FAIL() << "the injected compile failure did not surface";
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), ErrorCode::Compile);
    EXPECT_THAT(e.what(), HasSubstr("injected failure"));
  }
  EXPECT_EQ(add.cacheSize(), 1u) << "a failed compile adds no entry";
  EXPECT_EQ(acc.value().toVector<float>(), std::vector<float>(4, 4.f))
      << "no state changed";

  add(ones({4})); // The compiled version still works...
  EXPECT_EQ(acc.value().toVector<float>(), std::vector<float>(4, 8.f));
  add(ones({8})); // ...and the retry compiles.
  EXPECT_EQ(add.cacheSize(), 2u);
  EXPECT_EQ(acc.value().toVector<float>(), std::vector<float>(4, 16.f));
}

TEST(FaultTest, ACompileFailureOnTheFirstCallCanBeRetried) {
  HiddenState s(zeros({2}), {.name = "s"});
  auto inc = jit([&](const Tensor &x) { s.setValue(s.value() + x); });
  detail::failNextCompilesForTesting(2);
  EXPECT_EQ(errorOf([&] { inc(ones({2})); }).find("injected failure") !=
                std::string::npos,
            true);
  EXPECT_EQ(errorOf([&] { inc(ones({2})); }).find("injected failure") !=
                std::string::npos,
            true);
  EXPECT_EQ(inc.cacheSize(), 0u);
  inc(ones({2}));
  EXPECT_EQ(s.value().toVector<float>(), (std::vector<float>{1, 1}));
}

TEST(FaultTest, AStateTooLargeToAllocateIsAnErrorNotAnAbort) {
  // 2^42 floats (16 TiB). Sanitizer builds run with allocator_may_return_null=1
  // so the failed allocation reaches Array, as it does in a production process.
  try {
    HiddenState huge(zeros({int64_t{1} << 42}));
    FAIL() << "allocated 16 TiB";
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), ErrorCode::OutOfMemory);
    EXPECT_THAT(
        e.what(),
        HasSubstr("cannot allocate 17592186044416 bytes for an array of "
                  "f32[4398046511104]"));
  }
  // 2^62 doubles do not even fit in the address space.
  EXPECT_THAT(errorOf([] { HiddenState s(zeros({int64_t{1} << 62}, f64)); }),
              HasSubstr("needs more bytes than this machine can address"));
}

TEST(FaultTest, AResultTooLargeToAllocateIsAnErrorAndTheFunctionStaysUsable) {
  HiddenState s(zeros({2}), {.name = "s"});
  auto big =
      jit([&](const Tensor &x) { return broadcastTo(x, {int64_t{1} << 42}); });
  try {
    big(ones({1}));
    FAIL() << "allocated a 16 TiB result";
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), ErrorCode::OutOfMemory);
  }
  auto inc = jit([&](const Tensor &x) { s.setValue(s.value() + x); });
  inc(ones({2}));
  EXPECT_EQ(s.value().toVector<float>(), (std::vector<float>{1, 1}));
}

} // namespace
} // namespace bst::testing
