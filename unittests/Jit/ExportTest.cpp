//===- ExportTest.cpp - Lowered::save / load and bst::Engine
//---------------===//
#include "bst-c/bst.h"
#include "bst/Jit/Engine.h"
#include "bst/Jit/Jit.h"
#include "bst/State/State.h"
#include "bst/Support/Error.h"
#include "bst/Trace/Ops.h"
#include "bst/Transform/ErrorIf.h"

#include "../TestUtil.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

namespace bst {
namespace {

using bst::testing::errorOf;

/// A file in a fresh temporary directory, removed with the fixture.
struct ExportTest : ::testing::Test {
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("bst-export-test-" + std::to_string(::getpid()));
  void SetUp() override { std::filesystem::create_directories(dir); }
  void TearDown() override { std::filesystem::remove_all(dir); }
  std::string file(const std::string &name) { return (dir / name).string(); }
  void write(const std::string &name, const std::string &text) {
    std::ofstream(file(name)) << text;
  }
};

/// acc += x * w (w captured, 20 distinct values); returns acc * 2.
struct Accumulator {
  HiddenState acc{zeros({20}), {.name = "acc"}};
  Array w = [] {
    std::vector<float> v(20);
    for (int i = 0; i < 20; ++i)
      v[i] = static_cast<float>(i);
    return Array::fromVector(v, {20});
  }();
  Tensor operator()(const Tensor &x) {
    Tensor y = acc.value().leaf() + x * Tensor(w);
    acc.setValue(y);
    return y * 2.f;
  }
};

TEST_F(ExportTest, SavedModulesLoadBackWithTheirManifest) {
  Accumulator a;
  auto step =
      jit([&](const Tensor &x) { return a(x); }, {.name = "accumulate"});
  Lowered lowered = step.lower(ones({20}));
  ASSERT_EQ(lowered.captures.size(), 1u);
  EXPECT_EQ(lowered.slots[lowered.captures[0].first].role, "capture");
  lowered.save(file("acc.mlir"));
  Lowered loaded = Lowered::load(file("acc.mlir"));
  EXPECT_EQ(loaded.name, "accumulate");
  ASSERT_EQ(loaded.slots.size(), lowered.slots.size());
  for (size_t i = 0; i < loaded.slots.size(); ++i) {
    EXPECT_EQ(loaded.slots[i].name, lowered.slots[i].name);
    EXPECT_EQ(loaded.slots[i].role, lowered.slots[i].role);
    EXPECT_EQ(loaded.slots[i].type, lowered.slots[i].type);
    EXPECT_EQ(loaded.slots[i].written, lowered.slots[i].written);
  }
  EXPECT_TRUE(loaded.captures.empty()) << "captures are embedded in the module";
  EXPECT_NE(loaded.mlir.find("bst.manifest"), std::string::npos);
  // Saving again over the file replaces it; no temporary file stays behind.
  lowered.save(file("acc.mlir"));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir),
                          std::filesystem::directory_iterator()),
            1);
}

TEST_F(ExportTest, EngineRunsTheExportLikeTheJit) {
  Accumulator jitted, exported;
  auto step =
      jit([&](const Tensor &x) { return jitted(x); }, {.name = "accumulate"});
  Array x = ones({20});
  step.lower(x).save(file("acc.mlir"));
  runtime::Module m = Engine().load(file("acc.mlir"));
  EXPECT_EQ(m.source(), file("acc.mlir"));
  runtime::Bindings call(m);
  Array acc = zeros({20}), result = zeros({20});
  call.bind("arg0", x.rawData(), f32, {20});
  call.bind("acc", acc.mutableRawData(), f32, {20});
  call.bind("result", result.mutableRawData(), f32, {20});
  Tensor expected;
  for (int k = 0; k < 3; ++k) {
    expected = step(x);
    call.call();
  }
  EXPECT_TRUE(acc.equals(jitted.acc.value().leaf().array()));
  EXPECT_TRUE(result.equals(expected.array()));
  EXPECT_EQ(acc.toVector<float>()[19], 57.f);
}

TEST_F(ExportTest, ErrorIfInAnExportedFunctionLeavesEveryStateUnchanged) {
  HiddenState v{zeros({4}), {.name = "v"}};
  auto step = jit(
      [&](const Tensor &x) {
        v.setValue(v.value() + x);
        errorIf(reduceMax(v.value()) > 10.f, "v = {} exceeds 10", reduceMax(v.value()));
      },
      {.name = "guarded"});
  Array x = full({4}, 4.f);
  Lowered lowered = step.lower(x);
  ASSERT_EQ(lowered.checks.size(), 1u);
  EXPECT_NE(lowered.manifestJson().find(R"("checks": [{"message": "v = {} exceeds 10", )"
                                        R"("values": ["f32"]}])"),
            std::string::npos)
      << lowered.manifestJson();
  lowered.save(file("guarded.mlir"));
  EXPECT_EQ(Lowered::load(file("guarded.mlir")).checks[0].message, "v = {} exceeds 10");

  runtime::Module m = Engine().load(file("guarded.mlir"));
  ASSERT_EQ(m.manifest().checks.size(), 1u);
  runtime::Bindings call(m);
  Array state = zeros({4});
  call.bind("arg0", x.rawData(), f32, {4});
  call.bind("v", state.mutableRawData(), f32, {4}); // the bst.errors slots are the runtime's
  EXPECT_NE(errorOf([&] {
              Array own = zeros({});
              call.bind("bst.errors.code", own.mutableRawData(), i32, Shape{});
            }).find("the runtime binds itself"),
            std::string::npos);
  call.call();
  call.call();
  EXPECT_EQ(state.toVector<float>(), std::vector<float>(4, 8.f));
  EXPECT_EQ(errorOf<CheckError>([&] { call.call(); }), "v = 12 exceeds 10");
  EXPECT_EQ(state.toVector<float>(), std::vector<float>(4, 8.f));

  // The C API reports it as BST_ERROR_CHECK.
  bst_module *cm = nullptr;
  ASSERT_EQ(bst_engine_load(file("guarded.mlir").c_str(), 2, &cm), BST_OK)
      << bst_last_error_message();
  bst_bindings *cb = nullptr;
  ASSERT_EQ(bst_bindings_create(cm, &cb), BST_OK);
  int64_t n = 4;
  Array cstate = full({4}, 9.f);
  ASSERT_EQ(bst_bind(cb, "arg0", const_cast<void *>(x.rawData()), BST_F32, &n, 1), BST_OK);
  ASSERT_EQ(bst_bind(cb, "v", cstate.mutableRawData(), BST_F32, &n, 1), BST_OK);
  EXPECT_EQ(bst_call(cb), BST_ERROR_CHECK);
  EXPECT_STREQ(bst_last_error_message(), "v = 13 exceeds 10");
  EXPECT_EQ(cstate.toVector<float>(), std::vector<float>(4, 9.f));
  bst_bindings_release(cb);
  bst_module_release(cm);
}

TEST_F(ExportTest, EngineErrorsNameTheFileAndPosition) {
  try {
    Engine().load(file("missing.mlir"));
    ADD_FAILURE() << "no error";
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), ErrorCode::Load);
    EXPECT_EQ(std::string(e.what()), "cannot load '" + file("missing.mlir") +
                                         "': no such regular file");
  }
  write("plain.mlir", "module {\n  func.func @f() {\n    return\n  }\n}\n");
  EXPECT_NE(errorOf([&] { Engine().load(file("plain.mlir")); })
                .find(file("plain.mlir") +
                      ":1:1: error: the module has no 'bst.manifest'"),
            std::string::npos);
  EXPECT_NE(errorOf([&] { Lowered::load(file("plain.mlir")); })
                .find(file("plain.mlir") +
                      ":1:1: error: the module has no 'bst.manifest'"),
            std::string::npos);
  EXPECT_EQ(errorOf([] { Engine({.optLevel = 4}).loadText("", "x"); }),
            "EngineOptions::optLevel is 4; it must be 0 to 3");
}

TEST_F(ExportTest, CApiEngineLoad) {
  Accumulator a;
  auto step =
      jit([&](const Tensor &x) { return a(x); }, {.name = "accumulate"});
  step.lower(ones({20})).save(file("acc.mlir"));
  bst_module *m = nullptr;
  ASSERT_EQ(bst_engine_load(file("acc.mlir").c_str(), 2, &m), BST_OK)
      << bst_last_error_message();
  EXPECT_STREQ(bst_module_function(m), "accumulate");
  EXPECT_EQ(bst_module_slot_count(m), 4u);
  bst_module_release(m);
  EXPECT_EQ(bst_engine_load(file("missing.mlir").c_str(), 3, &m),
            BST_ERROR_LOAD);
  EXPECT_EQ(m, nullptr);
  EXPECT_EQ(bst_engine_load(nullptr, 3, &m), BST_ERROR_INVALID_ARGUMENT);
}

TEST_F(ExportTest, SaveReportsUnwritablePaths) {
  Accumulator a;
  auto step =
      jit([&](const Tensor &x) { return a(x); }, {.name = "accumulate"});
  Lowered lowered = step.lower(ones({20}));
  EXPECT_NE(errorOf([&] {
              lowered.save(file("no-such-dir/acc.mlir"));
            }).find("cannot write"),
            std::string::npos);
  // A function name that cannot name an entry point is refused when saving.
  auto bad = jit([&](const Tensor &x) { return a(x); }, {.name = "my step"});
  EXPECT_NE(errorOf([&] {
              bad.lower(ones({20})).save(file("bad.mlir"));
            }).find("\"my step\" is not a C identifier"),
            std::string::npos);
}

} // namespace
} // namespace bst
