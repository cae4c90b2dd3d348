//===- HookTest.cpp -------------------------------------------------------===//
#include "bst/State/State.h"
#include "../TestUtil.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

using namespace bst;
using bst::testing::errorOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

namespace {

std::vector<float> vals(const State &s) { return s.value().toVector<float>(); }

TEST(HookTest, EveryPointFires) {
  std::vector<std::string> seen;
  auto record = [&](HookEvent &e) {
    seen.push_back(std::string(hookPointName(e.point())) + ":" + e.state().name());
  };
  std::vector<HookHandle> handles;
  for (HookPoint p : {HookPoint::init, HookPoint::read, HookPoint::writeBefore,
                      HookPoint::writeAfter, HookPoint::restore})
    handles.push_back(hooks::add(p, record));
  HiddenState v(zeros({1}), {.name = "v"});
  v.value();
  v.setValue(ones({1}));
  v.restore(zeros({1}));
  EXPECT_THAT(seen, ElementsAre("init:v", "read:v", "write_before:v", "write_after:v",
                                "restore:v"));
}

TEST(HookTest, RestoreFiresNoWriteHooks) {
  HiddenState v(zeros({1}));
  int writes = 0, restores = 0;
  HookHandle w = v.addHook(HookPoint::writeBefore, [&](HookEvent &) { ++writes; });
  HookHandle r = v.addHook(HookPoint::restore, [&](HookEvent &e) {
    ++restores;
    EXPECT_EQ(e.oldValue().toVector<float>(), std::vector<float>{0});
    EXPECT_EQ(e.value().toVector<float>(), std::vector<float>{1});
  });
  v.restore(ones({1}));
  EXPECT_EQ(writes, 0);
  EXPECT_EQ(restores, 1);
}

TEST(HookTest, OrderedByPriorityThenRegistrationAcrossGlobalAndState) {
  HiddenState v(zeros({1}));
  std::vector<std::string> order;
  auto tag = [&](std::string s) { return [&order, s](HookEvent &) { order.push_back(s); }; };
  HookHandle a = v.addHook(HookPoint::writeAfter, tag("state-p0-first"));
  HookHandle b = hooks::add(HookPoint::writeAfter, tag("global-p5"), 5);
  HookHandle c = hooks::add(HookPoint::writeAfter, tag("global-p0-second"));
  HookHandle d = v.addHook(HookPoint::writeAfter, tag("state-p10"), 10);
  HookHandle e = v.addHook(HookPoint::writeAfter, tag("state-p-1"), -1);
  v.setValue(ones({1}));
  EXPECT_THAT(order, ElementsAre("state-p10", "global-p5", "state-p0-first", "global-p0-second",
                                 "state-p-1"));
}

TEST(HookTest, WriteBeforeReplacementsChain) {
  HiddenState v(zeros({2}));
  HookHandle plusOne = v.addHook(HookPoint::writeBefore, [](HookEvent &e) {
    std::vector<float> x = e.value().toVector<float>();
    for (float &f : x)
      f += 1;
    e.replaceValue(Array::fromVector(x, {2}));
  }, 10);
  HookHandle timesTen = v.addHook(HookPoint::writeBefore, [](HookEvent &e) {
    std::vector<float> x = e.value().toVector<float>();
    for (float &f : x)
      f *= 10;
    e.replaceValue(Array::fromVector(x, {2}));
  });
  v.setValue(Array::fromVector<float>({1, 2}, {2}));
  EXPECT_EQ(vals(v), (std::vector<float>{20, 30}));
}

TEST(HookTest, ReplacementIsStillSignatureChecked) {
  HiddenState v(zeros({2}), {.name = "v"});
  HookHandle bad = v.addHook(HookPoint::writeBefore,
                             [](HookEvent &e) { e.replaceValue(zeros({3})); });
  EXPECT_THAT(errorOf<SignatureError>([&] { v.setValue(ones({2})); }),
              HasSubstr("the value left by write_before hooks is f32[3]"));
  EXPECT_EQ(vals(v), (std::vector<float>{0, 0}));
}

TEST(HookTest, CancelKeepsTheValue) {
  HiddenState v(zeros({1}), {.name = "v"});
  HookHandle guard = v.addHook(HookPoint::writeBefore, [](HookEvent &e) {
    if (e.value().toVector<float>()[0] > 1)
      e.cancel("values above 1 are not allowed");
  });
  int after = 0;
  HookHandle a = v.addHook(HookPoint::writeAfter, [&](HookEvent &) { ++after; });
  v.setValue(ones({1}));
  EXPECT_EQ(errorOf<HookCancelled>([&] { v.setValue(full({1}, 5.f)); }),
            "the write to HiddenState 'v' was cancelled by a write_before hook: values above 1 "
            "are not allowed; the state keeps its value");
  EXPECT_EQ(vals(v), std::vector<float>{1});
  EXPECT_EQ(after, 1);
}

TEST(HookTest, AThrowingHookLeavesTheStateUnchanged) {
  HiddenState v(zeros({1}));
  auto fail = [](HookEvent &) { throw std::runtime_error("hook failed"); };
  {
    HookHandle h = v.addHook(HookPoint::writeBefore, fail);
    EXPECT_THROW(v.setValue(ones({1})), std::runtime_error);
    EXPECT_EQ(vals(v), std::vector<float>{0});
  }
  {
    HookHandle h = v.addHook(HookPoint::writeAfter, fail);
    EXPECT_THROW(v.setValue(ones({1})), std::runtime_error);
    EXPECT_EQ(vals(v), std::vector<float>{0});
  }
  {
    HookHandle h = v.addHook(HookPoint::restore, fail);
    EXPECT_THROW(v.restore(ones({1})), std::runtime_error);
    EXPECT_EQ(vals(v), std::vector<float>{0});
  }
  v.setValue(ones({1})); // all removed again
  EXPECT_EQ(vals(v), std::vector<float>{1});
}

TEST(HookTest, OnlyWriteBeforeMayReplaceOrCancel) {
  HiddenState v(zeros({1}), {.name = "v"});
  std::string replaceError, cancelError, oldError;
  HookHandle h = v.addHook(HookPoint::writeAfter, [&](HookEvent &e) {
    replaceError = errorOf([&] { e.replaceValue(ones({1})); });
    cancelError = errorOf([&] { e.cancel("no"); });
  });
  HookHandle r = v.addHook(HookPoint::read, [&](HookEvent &e) {
    oldError = errorOf([&] { e.oldValue(); });
  });
  v.setValue(full({1}, 3.f));
  EXPECT_EQ(replaceError, "a write_after hook on HiddenState 'v' tried to replace the value; only "
                          "write_before hooks may");
  EXPECT_THAT(cancelError, HasSubstr("only write_before hooks may cancel a write"));
  EXPECT_EQ(vals(v), std::vector<float>{3});
  EXPECT_THAT(oldError, HasSubstr("a read hook on HiddenState 'v' has no old value"));
}

TEST(HookTest, HandleRemovesDisablesAndEnables) {
  HiddenState v(zeros({1}));
  int n = 0;
  {
    HookHandle h = v.addHook(HookPoint::writeAfter, [&](HookEvent &) { ++n; });
    EXPECT_TRUE(h.active());
    v.setValue(ones({1}));
    h.disable();
    EXPECT_FALSE(h.enabled());
    v.setValue(ones({1}));
    h.enable();
    v.setValue(ones({1}));
    HookHandle moved = std::move(h);
    v.setValue(ones({1}));
  }
  v.setValue(ones({1}));
  EXPECT_EQ(n, 3);
  HookHandle g = hooks::add(HookPoint::writeAfter, [&](HookEvent &) { ++n; });
  g.reset();
  EXPECT_FALSE(g.active());
  v.setValue(ones({1}));
  EXPECT_EQ(n, 3);
}

TEST(HookTest, VersionChangesWithTheHookSet) {
  HiddenState v(zeros({1}));
  uint64_t v0 = hooks::version();
  HookHandle h = v.addHook(HookPoint::read, [](HookEvent &) {});
  uint64_t v1 = hooks::version();
  EXPECT_NE(v0, v1);
  h.disable();
  uint64_t v2 = hooks::version();
  EXPECT_NE(v1, v2);
  h.reset();
  EXPECT_NE(v2, hooks::version());
}

TEST(HookTest, HandleMayOutliveItsState) {
  HookHandle h;
  {
    HiddenState v(zeros({1}));
    h = v.addHook(HookPoint::read, [](HookEvent &) {});
  }
  EXPECT_FALSE(h.active());
  h.reset(); // no crash
}

TEST(HookTest, ReadingInsideAHookDoesNotRecurse) {
  HiddenState v(zeros({1}));
  int reads = 0;
  HookHandle h = v.addHook(HookPoint::read, [&](HookEvent &e) {
    ++reads;
    e.state().value();
  });
  v.value();
  EXPECT_EQ(reads, 1);
}

TEST(HookTest, EmptyCallbackIsRejected) {
  EXPECT_THAT(errorOf([] { hooks::add(HookPoint::read, nullptr); }),
              HasSubstr("cannot add an empty read hook"));
}

} // namespace
