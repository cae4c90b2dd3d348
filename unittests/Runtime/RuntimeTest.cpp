//===- RuntimeTest.cpp - Modules and bindings
//------------------------------===//
#include "bst/Runtime/Runtime.h"
#include "RuntimeTestUtil.h"
#include "bst/Support/Error.h"

#include "../TestUtil.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

namespace bst::runtime {
namespace {

using bst::testing::accumulateEntry;
using bst::testing::errorOf;
using bst::testing::kAccumulateManifest;

/// A 64-byte aligned, zeroed buffer of `n` T.
template <class T> std::shared_ptr<T> buffer(size_t n) {
  void *p = std::aligned_alloc(64, (n * sizeof(T) + 63) / 64 * 64);
  std::memset(p, 0, n * sizeof(T));
  return std::shared_ptr<T>(static_cast<T *>(p), [](T *q) { std::free(q); });
}

Module accumulate() {
  return Module::fromStatic(kAccumulateManifest, 1, accumulateEntry);
}

struct AccumulateTest : ::testing::Test {
  Module module = accumulate();
  Bindings call{module};
  std::shared_ptr<float> x = buffer<float>(4), s = buffer<float>(4);
  std::shared_ptr<int64_t> r = buffer<int64_t>(6);
  void bindAll() {
    for (int i = 0; i < 4; ++i)
      x.get()[i] = static_cast<float>(i);
    call.bind("arg0", static_cast<const void *>(x.get()), DType::f32, {4});
    call.bind("net.s", s.get(), DType::f32, {4});
    call.bind(size_t{3}, r.get(), DType::i64, {2, 3});
  }
};

TEST_F(AccumulateTest, BindsByPathAndIndexAndCallsInPlace) {
  bindAll();
  EXPECT_TRUE(call.isBound(0) && call.isBound(1) && call.isBound(3));
  EXPECT_TRUE(call.isBound(2)) << "captures need no binding";
  call.call();
  call.call();
  EXPECT_EQ(std::vector<float>(s.get(), s.get() + 4),
            (std::vector<float>{0, 2, 4, 6}));
  EXPECT_EQ(r.get()[5], 2);
  EXPECT_EQ(module.source(), "<static>");
  EXPECT_EQ(module.manifest().function, "acc");
}

TEST_F(AccumulateTest, ChecksEveryBindingAndKeepsThePreviousOne) {
  bindAll();
  auto other = buffer<float>(8);
  EXPECT_EQ(errorOf([&] { call.bind("net.s", other.get(), DType::f32, {5}); }),
            "cannot bind slot 1 'net.s' of 'acc': it is f32[4], the buffer is "
            "f32[5]");
  EXPECT_EQ(errorOf([&] { call.bind("net.s", other.get(), DType::f64, {4}); }),
            "cannot bind slot 1 'net.s' of 'acc': it is f32[4], the buffer is "
            "f64[4]");
  EXPECT_EQ(
      errorOf([&] { call.bind("net.s", other.get() + 1, DType::f32, {4}); }),
      "cannot bind slot 1 'net.s' of 'acc': the buffer is not 64-byte aligned "
      "(allocate "
      "it with bst_aligned_alloc or aligned_alloc(64, ...))");
  EXPECT_EQ(errorOf([&] {
              call.bind("net.s", static_cast<void *>(nullptr), DType::f32, {4});
            }),
            "cannot bind slot 1 'net.s' of 'acc': the buffer is null");
  EXPECT_EQ(errorOf([&] {
              call.bind("net.s", static_cast<const void *>(other.get()),
                        DType::f32, {4});
            }),
            "cannot bind slot 1 'net.s' of 'acc': the function writes this "
            "slot, but the buffer "
            "is read-only (const)");
  EXPECT_EQ(
      errorOf([&] { call.bind("capture0", other.get(), DType::f32, {2}); }),
      "cannot bind slot 2 'capture0' of 'acc': it is a capture, whose values "
      "are embedded "
      "in the compiled code; bind nothing");
  EXPECT_EQ(
      errorOf([&] { call.bind("net.v", other.get(), DType::f32, {4}); }),
      "'acc' has no slot named 'net.v'; its slots are: arg0, net.s, result");
  EXPECT_EQ(
      errorOf([&] { call.bind(size_t{9}, other.get(), DType::f32, {4}); }),
      "'acc' has 4 slots; there is no slot 9");
  // The failed binds left the first ones in place.
  call.call();
  EXPECT_EQ(s.get()[3], 3.f);
  EXPECT_EQ(other.get()[3], 0.f);
}

TEST_F(AccumulateTest, RefusesToCallWithUnboundSlots) {
  call.bind("net.s", s.get(), DType::f32, {4});
  EXPECT_EQ(errorOf([&] { call.call(); }),
            "cannot call 'acc': 2 slots are not bound: 'arg0', 'result'");
  EXPECT_EQ(s.get()[0], 0.f);
}

TEST_F(AccumulateTest, RefusesWrittenBuffersThatOverlapOthers) {
  bindAll();
  // The state's buffer is also the argument's: the code assumes they do not
  // alias.
  call.bind("arg0", static_cast<const void *>(s.get()), DType::f32, {4});
  EXPECT_EQ(errorOf([&] { call.call(); }),
            "cannot call 'acc': the buffer of slot 'net.s', which the function "
            "writes, overlaps "
            "the buffer of slot 'arg0'; bind distinct buffers");
  // Rebinding fixes it; the check runs again after every change.
  call.bind("arg0", static_cast<const void *>(x.get()), DType::f32, {4});
  call.call();
  EXPECT_EQ(s.get()[1], 1.f);
}

TEST(RuntimeTest, FromStaticChecksTheFormatVersion) {
  try {
    Module::fromStatic(kAccumulateManifest, 2, accumulateEntry);
    ADD_FAILURE() << "no error";
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), ErrorCode::Incompatible);
    EXPECT_EQ(std::string(e.what()),
              "cannot load '<static>': it was built for manifest format 2, "
              "this runtime reads "
              "format 1. Rebuild it with a matching bstc");
  }
  EXPECT_EQ(
      errorOf([] { Module::fromStatic("{}", 1, accumulateEntry); }),
      "cannot load '<static>': bst manifest: missing field \"format_version\"");
  EXPECT_EQ(
      errorOf([] { Module::fromStatic(kAccumulateManifest, 1, nullptr); }),
      "Module::fromStatic needs the manifest and the entry point");
}

TEST(RuntimeTest, LoadReportsMissingLibraries) {
  try {
    Module::load("/no/such/liblif.so");
    ADD_FAILURE() << "no error";
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), ErrorCode::Load);
    EXPECT_NE(std::string(e.what()).find("cannot load '/no/such/liblif.so': "),
              std::string::npos);
  }
}

TEST(RuntimeTest, CpuFeaturesTheRuntimeCannotQueryAreNotMissing) {
  EXPECT_TRUE(
      missingCpuFeatures({"x86_64-pc-linux-gnu", "x", {"no-such-feature"}})
          .empty());
#if defined(__x86_64__)
  // Every x86-64 CPU has SSE3 since 2005 (and this test process was compiled
  // for it).
  EXPECT_TRUE(
      missingCpuFeatures({"x86_64-pc-linux-gnu", "x86-64", {"sse3"}}).empty());
#endif
}

} // namespace
} // namespace bst::runtime
