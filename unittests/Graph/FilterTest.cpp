//===- FilterTest.cpp - bst::filter ---------------------------------------===//
#include "../TestUtil.h"
#include "Models.h"
#include "bst/Transform/Random.h" // RandomState

#include "gmock/gmock.h"
#include "gtest/gtest.h"

using namespace bst;
using namespace bst::testing;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

namespace {

/// A model with one state of every flavour a filter can see.
struct Mixed : Module {
  BST_MODULE(Mixed)
  LIF layer;
  BatchState batch;
  RandomState key;
  State plain;
  Mixed()
      : layer(2), batch(zeros({4, 2})), key(1),
        plain(zeros({1}), {.tags = {"frozen", "aux"}}) {
    registerModule("layer", layer);
    registerState("batch", batch);
    registerState("key", key);
    registerState("plain", plain);
    layer.tau.addTag("frozen");
  }
};

std::vector<std::string> paths(const Module &m, const Filter &f) {
  return m.states(f).paths();
}

TEST(FilterTest, KindMatchesSubclasses) {
  Mixed m;
  EXPECT_THAT(paths(m, filter::kind<ShortTermState>()),
              ElementsAre("layer.v", "layer.spike"));
  EXPECT_THAT(paths(m, filter::kind<HiddenState>()), ElementsAre("layer.v"));
  EXPECT_THAT(paths(m, filter::kind<Membrane>()), ElementsAre("layer.v"));
  EXPECT_THAT(paths(m, filter::kind<LongTermState>()),
              ElementsAre("layer.tau", "batch"));
  EXPECT_THAT(paths(m, filter::kind<RandomState>()), ElementsAre("key"));
  EXPECT_EQ(m.states<State>().size(), 6u);
  EXPECT_THAT(m.states<ParamState>().paths(), ElementsAre("layer.tau"));
  EXPECT_EQ(filter::kind<ParamState>().toString(), "kind(ParamState)");
}

TEST(FilterTest, Tag) {
  Mixed m;
  EXPECT_THAT(paths(m, filter::tag("frozen")),
              ElementsAre("layer.tau", "plain"));
  EXPECT_THAT(paths(m, filter::tag("aux")), ElementsAre("plain"));
  EXPECT_THAT(paths(m, filter::tag("none")), IsEmpty());
  EXPECT_EQ(filter::tag("aux").toString(), "tag(\"aux\")");
}

TEST(FilterTest, PathContainsAndGlob) {
  Mixed m;
  EXPECT_THAT(paths(m, filter::pathContains("layer")),
              ElementsAre("layer.v", "layer.tau", "layer.spike"));
  EXPECT_THAT(paths(m, filter::pathGlob("layer.*")),
              ElementsAre("layer.v", "layer.tau", "layer.spike"));
  EXPECT_THAT(paths(m, filter::pathGlob("*")),
              ElementsAre("batch", "key", "plain"));
  EXPECT_THAT(paths(m, filter::pathGlob("**")).size(), 6u);
  EXPECT_THAT(paths(m, filter::pathGlob("**.v")), ElementsAre("layer.v"));
  EXPECT_THAT(paths(m, filter::pathGlob("*.?")), ElementsAre("layer.v"));
  EXPECT_THAT(paths(m, filter::pathGlob("layer.t*")), ElementsAre("layer.tau"));
  EXPECT_THAT(paths(m, filter::pathGlob("*a*")), ElementsAre("batch", "plain"));
  EXPECT_THAT(paths(m, filter::pathGlob("layer")), IsEmpty());
  // Globs match whole paths; '*' never crosses a dot.
  Net net(1);
  Module root;
  root.registerModule("net", net);
  EXPECT_THAT(paths(root, filter::pathGlob("net.*.v")),
              ElementsAre("net.exc.v", "net.inh.v"));
  EXPECT_THAT(paths(root, filter::pathGlob("net.*")), IsEmpty());
  EXPECT_THAT(paths(root, filter::pathGlob("net.**")).size(), 7u);
  EXPECT_THAT(paths(root, filter::pathGlob("**.w*")),
              ElementsAre("net.inh.w_in"));
}

TEST(FilterTest, Predicate) {
  Mixed m;
  Filter wide = filter::predicate(
      [](const std::string &, const State &s) {
        return s.signature().leaves()[0].shape.rank() == 2;
      },
      "rank2");
  EXPECT_THAT(paths(m, wide), ElementsAre("batch"));
  EXPECT_EQ(wide.toString(), "rank2");
  Filter byPath = filter::predicate(
      [](const std::string &path, const State &) { return path.size() == 3; });
  EXPECT_THAT(paths(m, byPath), ElementsAre("key"));
}

TEST(FilterTest, Combinators) {
  Mixed m;
  Filter f = filter::anyOf(filter::kind<RandomState>(), filter::tag("aux"));
  EXPECT_THAT(paths(m, f), ElementsAre("key", "plain"));
  EXPECT_EQ(f.toString(), "anyOf(kind(RandomState), tag(\"aux\"))");
  Filter g = filter::allOf(filter::pathContains("layer"),
                           filter::not_(filter::tag("frozen")));
  EXPECT_THAT(paths(m, g), ElementsAre("layer.v", "layer.spike"));
  EXPECT_EQ(g.toString(),
            "allOf(pathContains(\"layer\"), not_(tag(\"frozen\")))");
  EXPECT_EQ(m.states(filter::everything()).size(), 6u);
  EXPECT_THAT(paths(m, filter::nothing()), IsEmpty());
  EXPECT_THAT(paths(m, filter::not_(filter::everything())), IsEmpty());
  EXPECT_THAT(paths(m, filter::anyOf(std::vector<Filter>{})), IsEmpty());
  EXPECT_EQ(m.states(filter::allOf(std::vector<Filter>{})).size(), 6u);
  EXPECT_TRUE(filter::everything().isEverything());
  EXPECT_FALSE(filter::nothing().isEverything());
  EXPECT_FALSE(filter::allOf(std::vector<Filter>{}).isEverything());
}

TEST(FilterTest, StateMapSelect) {
  Mixed m;
  StateMap all = m.states();
  EXPECT_THAT(all.select(filter::tag("frozen")).paths(),
              ElementsAre("layer.tau", "plain"));
}

TEST(FilterTest, NodesByPathAndType) {
  Net net(1);
  Module root;
  root.registerModule("net", net);
  auto lifs = std::make_shared<ModuleList<LIF>>();
  lifs->append(std::make_shared<LIF>(1));
  root.registerModule("extra", lifs);
  EXPECT_THAT(root.nodes().paths(),
              ElementsAre("net", "net.exc", "net.inh", "extra", "extra.0"));
  EXPECT_THAT(root.nodes<LIF>().paths(),
              ElementsAre("net.exc", "net.inh", "extra.0"));
  EXPECT_THAT(root.nodes(filter::pathGlob("net.*")).paths(),
              ElementsAre("net.exc", "net.inh"));
  EXPECT_THAT(
      root.nodes(filter::allOf(filter::moduleType<LIF>(),
                               filter::not_(filter::pathContains("inh"))))
          .paths(),
      ElementsAre("net.exc", "extra.0"));
  // State-only filters select no module.
  EXPECT_THAT(root.nodes(filter::kind<State>()).paths(), IsEmpty());
  EXPECT_THAT(root.nodes(filter::modulePredicate(
                             [](const std::string &, const Module &m) {
                               return m.entryNames().size() == 4;
                             }))
                  .paths(),
              ElementsAre("net.inh"));
}

} // namespace
