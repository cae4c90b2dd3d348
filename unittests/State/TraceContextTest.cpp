//===- TraceContextTest.cpp -----------------------------------------------===//
#include "bst/State/State.h"
#include "bst/State/TraceContext.h"
#include "../TestUtil.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <optional>
#include <thread>

using namespace bst;
using bst::testing::errorOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

namespace {

std::vector<float> vals(const State &s) { return s.value().toVector<float>(); }

TEST(TraceContextTest, EagerIsFrameZero) {
  EXPECT_EQ(currentTraceFrame(), kEagerFrame);
  EXPECT_TRUE(isTraceFrameActive(kEagerFrame));
  EXPECT_THAT(activeTraceFrames(), ElementsAre(kEagerFrame));
  EXPECT_EQ(HiddenState(zeros({1})).traceFrame(), kEagerFrame);
}

TEST(TraceContextTest, FramesNestAndIdsAreNeverReused) {
  FrameId first;
  {
    TraceFrame outer;
    first = outer.id();
    EXPECT_NE(first, kEagerFrame);
    EXPECT_EQ(currentTraceFrame(), first);
    {
      TraceFrame inner;
      EXPECT_GT(inner.id(), first);
      EXPECT_THAT(activeTraceFrames(), ElementsAre(kEagerFrame, first, inner.id()));
    }
    EXPECT_EQ(currentTraceFrame(), first);
  }
  EXPECT_EQ(currentTraceFrame(), kEagerFrame);
  EXPECT_FALSE(isTraceFrameActive(first));
  TraceFrame again;
  EXPECT_GT(again.id(), first);
}

TEST(TraceContextTest, EagerStatesAreWritableInsideTraces) {
  HiddenState v(zeros({1}));
  TraceFrame outer;
  TraceFrame inner;
  v.setValue(ones({1}));
  EXPECT_EQ(vals(v), std::vector<float>{1});
}

TEST(TraceContextTest, StateBelongsToItsFrameAndNestedFrames) {
  TraceFrame frame;
  HiddenState v(zeros({1}));
  EXPECT_EQ(v.traceFrame(), frame.id());
  {
    TraceFrame inner;
    v.setValue(ones({1}));
  }
  EXPECT_EQ(vals(v), std::vector<float>{1});
}

TEST(TraceContextTest, LeakedStateWriteIsAnErrorAndChangesNothing) {
  std::optional<HiddenState> leaked;
  FrameId leakedFrame;
  {
    TraceFrame frame;
    leakedFrame = frame.id();
    leaked.emplace(full({2}, 3.f), StateOptions{.name = "net.v"});
  }
  std::string expected = "cannot write HiddenState 'net.v': it belongs to trace frame " +
                         std::to_string(leakedFrame) +
                         ", which is not active on this thread (current frame 0, active frames "
                         "[0]). The state was created inside a trace that has ended or that this "
                         "code does not run in, so a value written now could never reach it "
                         "correctly. Create the state outside the traced function, or rebuild it "
                         "in the current trace (bst::graph::merge, or State::rebind()).";
  EXPECT_EQ(errorOf<TraceContextError>([&] { leaked->setValue(ones({2})); }), expected);
  EXPECT_THAT(errorOf<TraceContextError>([&] { leaked->restore(ones({2})); }),
              HasSubstr("cannot restore HiddenState 'net.v'"));
  EXPECT_EQ(vals(*leaked), (std::vector<float>{3, 3}));
}

TEST(TraceContextTest, StateOfASiblingTraceIsNotWritable) {
  std::optional<HiddenState> fromFirst;
  {
    TraceFrame first;
    fromFirst.emplace(zeros({1}));
  }
  TraceFrame second;
  EXPECT_THAT(errorOf<TraceContextError>([&] { fromFirst->setValue(ones({1})); }),
              HasSubstr("(current frame " + std::to_string(second.id()) + ", active frames [0, " +
                        std::to_string(second.id()) + "])"));
}

TEST(TraceContextTest, RebindGivesAFreshIdentityInTheCurrentFrame) {
  std::optional<HiddenState> leaked;
  {
    TraceFrame frame;
    leaked.emplace(full({1}, 4.f), StateOptions{.name = "v", .tags = {"t"}});
  }
  TraceFrame now;
  State fresh = leaked->rebind();
  EXPECT_FALSE(fresh.sameAs(*leaked));
  EXPECT_EQ(fresh.traceFrame(), now.id());
  EXPECT_TRUE(fresh.is<HiddenState>());
  EXPECT_EQ(fresh.name(), "v");
  EXPECT_TRUE(fresh.hasTag("t"));
  EXPECT_EQ(vals(fresh), std::vector<float>{4});
  fresh.setValue(ones({1}));
  EXPECT_EQ(vals(fresh), std::vector<float>{1});
  EXPECT_EQ(vals(*leaked), std::vector<float>{4});
}

TEST(TraceContextTest, ThreadsHaveIndependentFrameStacks) {
  TraceFrame mine;
  HiddenState tracedHere(zeros({1}));
  FrameId otherFrame = 0, otherCurrentAtStart = 99;
  std::string otherError;
  std::thread t([&] {
    otherCurrentAtStart = currentTraceFrame();
    TraceFrame theirs;
    otherFrame = theirs.id();
    otherError = errorOf<TraceContextError>([&] { tracedHere.setValue(ones({1})); });
  });
  t.join();
  EXPECT_EQ(otherCurrentAtStart, kEagerFrame);
  EXPECT_NE(otherFrame, mine.id());
  EXPECT_EQ(currentTraceFrame(), mine.id());
  EXPECT_THAT(otherError, HasSubstr("which is not active on this thread"));
  EXPECT_EQ(vals(tracedHere), std::vector<float>{0});
  tracedHere.setValue(ones({1})); // still fine on the owning thread
}

} // namespace
