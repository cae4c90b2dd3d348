//===- CApiTest.cpp - bst-c/bst.h
//------------------------------------------===//
#include "RuntimeTestUtil.h"
#include "bst-c/bst.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace {

using bst::testing::accumulateEntry;
using bst::testing::kAccumulateManifest;

struct CApiTest : ::testing::Test {
  bst_module *module = nullptr;
  bst_bindings *call = nullptr;
  void SetUp() override {
    ASSERT_EQ(bst_module_from_static(kAccumulateManifest,
                                     BST_MANIFEST_FORMAT_VERSION,
                                     accumulateEntry, &module),
              BST_OK);
    ASSERT_EQ(bst_bindings_create(module, &call), BST_OK);
  }
  void TearDown() override {
    bst_bindings_release(call);
    bst_module_release(module);
  }
};

TEST_F(CApiTest, DescribesTheModule) {
  EXPECT_STREQ(bst_module_function(module), "acc");
  EXPECT_STREQ(bst_module_source(module), "<static>");
  EXPECT_EQ(bst_module_slot_count(module), 4u);
  bst_slot_info info;
  ASSERT_EQ(bst_module_slot_info(module, 3, &info), BST_OK);
  EXPECT_STREQ(info.name, "result");
  EXPECT_STREQ(info.kind, "");
  EXPECT_EQ(info.role, BST_ROLE_RESULT);
  EXPECT_EQ(info.dtype, BST_I64);
  ASSERT_EQ(info.rank, 2u);
  EXPECT_EQ(info.shape[0], 2);
  EXPECT_EQ(info.shape[1], 3);
  EXPECT_EQ(info.num_elements, 6);
  EXPECT_EQ(info.nbytes, 48u);
  EXPECT_FALSE(info.read);
  EXPECT_TRUE(info.written);
  size_t index = 0;
  ASSERT_EQ(bst_module_find_slot(module, "net.s", &index), BST_OK);
  EXPECT_EQ(index, 1u);
  EXPECT_EQ(bst_module_find_slot(module, "net.v", &index),
            BST_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(bst_last_error_message(), "'acc' has no slot named 'net.v'");
  EXPECT_EQ(bst_module_slot_info(module, 4, &info), BST_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(bst_module_entry(module), &accumulateEntry);
  EXPECT_NE(std::string(bst_module_manifest_json(module))
                .find("\"function\":\"acc\""),
            std::string::npos);
}

TEST_F(CApiTest, BindsChecksAndCalls) {
  auto *x = static_cast<float *>(bst_aligned_alloc(16));
  auto *s = static_cast<float *>(bst_aligned_alloc(16));
  auto *r = static_cast<int64_t *>(bst_aligned_alloc(48));
  ASSERT_TRUE(x && s && r);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(x) % BST_BUFFER_ALIGNMENT, 0u);
  x[2] = 5.f;
  int64_t four = 4, shape[2] = {2, 3};
  EXPECT_EQ(bst_call(call), BST_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(
      bst_last_error_message(),
      "cannot call 'acc': 3 slots are not bound: 'arg0', 'net.s', 'result'");
  EXPECT_EQ(bst_bind(call, "arg0", x, BST_F32, &four, 1), BST_OK);
  EXPECT_EQ(bst_bind(call, "net.s", s, BST_I32, &four, 1),
            BST_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(bst_last_error_message(), "cannot bind slot 1 'net.s' of 'acc': "
                                         "it is f32[4], the buffer is i32[4]");
  EXPECT_EQ(bst_bind(call, "net.s", s, static_cast<bst_dtype>(17), &four, 1),
            BST_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(bst_last_error_message(), "bst_bind: unknown dtype 17");
  int64_t negative = -4;
  EXPECT_EQ(bst_bind(call, "net.s", s, BST_F32, &negative, 1),
            BST_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(bst_last_error_message(), "shape has a negative extent -4");
  EXPECT_EQ(bst_bind(call, "net.s", s, BST_F32, nullptr, 1),
            BST_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(bst_bind(call, nullptr, s, BST_F32, &four, 1),
            BST_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(bst_last_error_message(), "bst_bind: path is null");
  EXPECT_EQ(bst_bind(call, "net.s", s, BST_F32, &four, 1), BST_OK);
  EXPECT_EQ(bst_bind_index(call, 3, r, BST_I64, shape, 2), BST_OK);
  EXPECT_EQ(bst_call(call), BST_OK);
  EXPECT_EQ(bst_call(call), BST_OK);
  EXPECT_EQ(s[2], 10.f);
  EXPECT_EQ(r[0], 2);
  bst_aligned_free(x);
  bst_aligned_free(s);
  bst_aligned_free(r);
}

TEST_F(CApiTest, BindingsKeepTheModuleAlive) {
  bst_module_release(module);
  module = nullptr;
  EXPECT_EQ(bst_call(call),
            BST_ERROR_INVALID_ARGUMENT); // unbound, but the module is alive
}

TEST(CApi, ErrorsAndNullArguments) {
  bst_module *m = reinterpret_cast<bst_module *>(1);
  EXPECT_EQ(bst_module_load("/no/such.so", &m), BST_ERROR_LOAD);
  EXPECT_EQ(m, nullptr);
  EXPECT_NE(
      std::string(bst_last_error_message()).find("cannot load '/no/such.so'"),
      std::string::npos);
  EXPECT_EQ(bst_module_load(nullptr, &m), BST_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(bst_last_error_message(),
               "bst_module_load: library_path is null");
  EXPECT_EQ(bst_module_from_static(kAccumulateManifest, 3, accumulateEntry, &m),
            BST_ERROR_INCOMPATIBLE);
  EXPECT_EQ(bst_module_from_static("{", 1, accumulateEntry, &m),
            BST_ERROR_LOAD);
  EXPECT_EQ(bst_bindings_create(nullptr, nullptr), BST_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(bst_call(nullptr), BST_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(bst_last_error_message(), "bst_call: bindings is null");
  EXPECT_STREQ(bst_status_name(BST_OK), "ok");
  EXPECT_STREQ(bst_status_name(BST_ERROR_INCOMPATIBLE), "incompatible");
  EXPECT_STREQ(bst_status_name(BST_ERROR_LOAD), "load");
  bst_module_release(nullptr);
  bst_bindings_release(nullptr);
  EXPECT_EQ(bst_module_slot_count(nullptr), 0u);
}

} // namespace
