//===- StateTest.cpp ------------------------------------------------------===//
#include "bst/State/State.h"
#include "bst/Transform/Random.h" // RandomState
#include "../TestUtil.h"

#include "absl/hash/hash.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

using namespace bst;
using bst::testing::errorOf;
using ::testing::HasSubstr;

namespace {

/// A user-defined kind below HiddenState.
struct Membrane : DefineStateKind<Membrane, HiddenState> {
  using DefineStateKind::DefineStateKind;
};

std::vector<float> vals(const State &s) { return s.value().toVector<float>(); }

TEST(StateTest, HandlesShareOneState) {
  HiddenState a(zeros({3}), {.name = "v"});
  HiddenState b = a;
  State base = a;
  b.setValue(ones({3}));
  EXPECT_EQ(vals(a), (std::vector<float>{1, 1, 1}));
  EXPECT_EQ(vals(base), (std::vector<float>{1, 1, 1}));
  EXPECT_TRUE(a.sameAs(base));
  EXPECT_EQ(absl::HashOf(a), absl::HashOf(base));
  HiddenState other(zeros({3}));
  EXPECT_NE(a, other);
}

TEST(StateTest, KindsFormAHierarchy) {
  HiddenState h(zeros({1}));
  ParamState p(zeros({1}));
  BatchState b(zeros({1}));
  RandomState r(1);
  EXPECT_TRUE(h.is<HiddenState>());
  EXPECT_TRUE(h.is<ShortTermState>());
  EXPECT_TRUE(h.is<State>());
  EXPECT_FALSE(h.is<LongTermState>());
  EXPECT_TRUE(p.is<LongTermState>());
  EXPECT_FALSE(p.is<ShortTermState>());
  EXPECT_TRUE(b.is<LongTermState>());
  EXPECT_FALSE(b.is<ParamState>());
  EXPECT_FALSE(r.is<LongTermState>());
  EXPECT_EQ(h.kind().name(), "HiddenState");
  EXPECT_EQ(ShortTermState::staticKind().name(), "ShortTermState");
  EXPECT_EQ(State(zeros({1})).kind().name(), "State");
}

TEST(StateTest, UserKindsJoinTheHierarchy) {
  Membrane m(zeros({2}), {.name = "net.v"});
  EXPECT_TRUE(m.is<Membrane>());
  EXPECT_TRUE(m.is<HiddenState>());
  EXPECT_TRUE(m.is<ShortTermState>());
  EXPECT_FALSE(m.is<ParamState>());
  EXPECT_FALSE(HiddenState(zeros({1})).is<Membrane>());
  EXPECT_THAT(m.kind().name(), HasSubstr("Membrane"));
  EXPECT_EQ(m.kind().parent(), &HiddenState::staticKind());
}

TEST(StateTest, AsGivesATypedHandleOrAClearError) {
  State s = ParamState(zeros({2}), {.name = "w"});
  ParamState p = s.as<ParamState>();
  EXPECT_TRUE(p.sameAs(s));
  EXPECT_EQ(errorOf([&] { s.as<HiddenState>(); }),
            "ParamState 'w' is not a HiddenState; check its kind with is<HiddenState>() before "
            "as<>()");
}

TEST(StateTest, NameAndTags) {
  ParamState w(zeros({2}), {.name = "w", .tags = {"trainable"}});
  EXPECT_EQ(w.name(), "w");
  EXPECT_TRUE(w.hasTag("trainable"));
  w.addTag("frozen");
  w.addTag("frozen");
  EXPECT_EQ(w.tags().size(), 2u);
  w.setName("layer.w");
  EXPECT_EQ(w.describe(), "ParamState 'layer.w'");
  EXPECT_EQ(HiddenState(zeros({1})).describe(), "HiddenState '<unnamed>'");
}

TEST(StateTest, FirstValueFreezesSignature) {
  State s(Tree::dict({{"w", zeros({4, 3})}, {"b", zeros({3})}}));
  EXPECT_EQ(s.signature().toString(), "{b: f32[3], w: f32[4,3]}");
  s.setValue(Tree::dict({{"w", ones({4, 3})}, {"b", ones({3})}}));
  EXPECT_EQ(s.value()["b"].toVector<float>(), (std::vector<float>{1, 1, 1}));
}

TEST(StateTest, ShapeMismatchThrowsAndKeepsValue) {
  HiddenState v(full({4}, 2.f), {.name = "net.v"});
  EXPECT_EQ(errorOf<SignatureError>([&] { v.setValue(zeros({5})); }),
            "cannot write HiddenState 'net.v': its signature is frozen as f32[4] but the new "
            "value is f32[5] (expected f32[4], received f32[5]). A state is a fixed-shape slot: "
            "write a value with the same tree structure, shapes and dtypes, or create a new state "
            "for the new shape. The state keeps its value.");
  EXPECT_EQ(vals(v), (std::vector<float>{2, 2, 2, 2}));
}

TEST(StateTest, DTypeAndTreeMismatchThrowAndKeepValue) {
  ParamState p(Tree::dict({{"w", full({2, 2}, 1.f)}, {"b", full({2}, 1.f)}}), {.name = "fc"});
  Tree before = p.value();
  EXPECT_THAT(errorOf<SignatureError>([&] {
                p.setValue(Tree::dict({{"w", zeros({2, 2}, f64)}, {"b", zeros({2})}}));
              }),
              HasSubstr("(at 'w': expected f32[2,2], received f64[2,2])"));
  EXPECT_THAT(errorOf<SignatureError>([&] { p.setValue(Tree::list({zeros({2, 2}), zeros({2})})); }),
              HasSubstr("expected a dict of 2, received a list of 2"));
  EXPECT_THAT(errorOf<SignatureError>([&] { p.setValue(zeros({2})); }),
              HasSubstr("the new value is f32[2]"));
  EXPECT_TRUE(p.value().equals(before));
}

template <class S, class V>
concept CanSetValue = requires(S s, V v) { s.setValue(v); };

TEST(StateTest, AStateIsNotAValue) {
  // Writing a State as a value does not compile: setValue(const State&) is deleted.
  static_assert(CanSetValue<State &, Array>);
  static_assert(CanSetValue<State &, Tree>);
  static_assert(!CanSetValue<State &, const HiddenState &>);
  static_assert(!CanSetValue<HiddenState &, State>);
  static_assert(!std::is_convertible_v<HiddenState, Tree>);
}

TEST(StateTest, ReadValuesNeverChangeWhenTheStateIsWritten) {
  HiddenState v(Array::fromVector<float>({1, 2}, {2}));
  Tree old = v.value();
  Array held = old.leaf().array();
  v.setValue(Array::fromVector<float>({3, 4}, {2}));
  EXPECT_EQ(old.toVector<float>(), (std::vector<float>{1, 2}));
  EXPECT_EQ(held.toVector<float>(), (std::vector<float>{1, 2}));
  EXPECT_EQ(vals(v), (std::vector<float>{3, 4}));
}

TEST(StateTest, WritingStoresTheCallersBufferWithoutCopy) {
  HiddenState v(zeros({1000}));
  Array a = ones({1000});
  v.setValue(a);
  EXPECT_TRUE(v.value().leaf().array().sharesBufferWith(a));
  a.mutableData<float>()[0] = 7; // copy-on-write: the state does not see it
  EXPECT_EQ(vals(v)[0], 1.f);
}

TEST(StateTest, RestoreChecksSignature) {
  LongTermState s(zeros({2}), {.name = "stats"});
  s.restore(ones({2}));
  EXPECT_EQ(vals(s), (std::vector<float>{1, 1}));
  EXPECT_THAT(errorOf<SignatureError>([&] { s.restore(zeros({3})); }),
              HasSubstr("cannot restore LongTermState 'stats'"));
  EXPECT_EQ(vals(s), (std::vector<float>{1, 1}));
}

} // namespace
