//===- ModuleTest.cpp - Registration, paths, sharing, cycles --------------===//
#include "../TestUtil.h"
#include "Models.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

using namespace bst;
using namespace bst::testing;
using bst::testing::errorOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

namespace {

TEST(ModuleTest, PathsFollowRegistrationOrderDepthFirst) {
  Net net(3);
  StateMap all = net.states();
  EXPECT_THAT(all.paths(), ElementsAre("exc.v", "exc.tau", "exc.spike", "inh.v",
                                       "inh.tau", "inh.spike", "inh.w_in"));
  EXPECT_TRUE(all.at("exc.v").sameAs(net.exc.v));
  EXPECT_TRUE(all.at("inh.w_in").sameAs(net.w));
  NodeMap nodes = net.nodes();
  EXPECT_THAT(nodes.paths(), ElementsAre("exc", "inh"));
  EXPECT_EQ(nodes.at("inh"), &net.inh);
}

TEST(ModuleTest, SharedStateAppearsOnceUnderItsFirstPath) {
  Net net(2);
  StateMap params = net.states<ParamState>();
  EXPECT_THAT(params.paths(), ElementsAre("exc.tau", "inh.tau", "inh.w_in"));
  // Both paths reach the one state.
  EXPECT_TRUE(net.state("w").sameAs(net.state("inh.w_in")));
}

TEST(ModuleTest, UnnamedStatesAreNamedAfterTheirPath) {
  Net net(2);
  EXPECT_EQ(net.exc.v.name(), "exc.v");
  EXPECT_EQ(net.inh.tau.name(), "inh.tau");
  // The net registered w first, as "w"; the later alias keeps that name.
  EXPECT_EQ(net.w.name(), "w");
  // Names follow the tree as it grows.
  Module root;
  root.registerModule("net", net);
  EXPECT_EQ(net.exc.v.name(), "net.exc.v");
  // w's first path in the tree is inh.w_in.
  EXPECT_EQ(net.w.name(), "net.inh.w_in");
  // A name the user chose is kept.
  HiddenState named(zeros({1}), {.name = "mine"});
  Module m;
  m.registerState("x", named);
  Module outer;
  outer.registerModule("m", m);
  EXPECT_EQ(named.name(), "mine");
}

TEST(ModuleTest, SharedSubmoduleKeepsTheNamesFromItsFirstParent) {
  LIF shared(1);
  Module a, b;
  a.registerModule("x", shared);
  b.registerModule("y", shared);
  EXPECT_EQ(shared.v.name(), "x.v");
  EXPECT_TRUE(b.state("y.v").sameAs(a.state("x.v")));
}

TEST(ModuleTest, LookupByPath) {
  Net net(2);
  EXPECT_TRUE(net.state("exc.tau").sameAs(net.exc.tau));
  EXPECT_EQ(&net.child("inh"), &net.inh);
  EXPECT_EQ(&net.child<LIF>("exc"), &net.exc);
  EXPECT_EQ(errorOf([&] { net.state("exc.x"); }),
            "module bst::testing::Net has no state at path 'exc.x': "
            "bst::testing::LIF at 'exc' has no "
            "entry 'x' (its entries are 'v', 'tau', 'spike')");
  EXPECT_EQ(errorOf([&] { net.state("exc"); }),
            "module bst::testing::Net has no state at path 'exc': 'exc' is a "
            "submodule, not "
            "a state");
  EXPECT_EQ(errorOf([&] { net.child("exc.v"); }),
            "module bst::testing::Net has no submodule at path 'exc.v': "
            "'exc.v' is a state, "
            "not a submodule");
  EXPECT_EQ(errorOf([&] { net.child<Net>("exc"); }),
            "the submodule at 'exc' is a bst::testing::LIF, not a "
            "bst::testing::Net");
}

TEST(ModuleTest, TypeNamesAndAttributes) {
  LIF lif(4);
  EXPECT_EQ(lif.typeName(), "bst::testing::LIF");
  ASSERT_EQ(lif.attributes().size(), 1u);
  EXPECT_EQ(lif.attributes()[0].first, "n");
  EXPECT_EQ(lif.attributes()[0].second.get<int64_t>(), 4);
  EXPECT_EQ(Attribute(0.5).toString(), "0.5");
  EXPECT_EQ(Attribute(10.0).toString(), "10.0");
  EXPECT_EQ(Attribute("exp").toString(), "\"exp\"");
  EXPECT_EQ(Attribute(true).toString(), "true");
  EXPECT_EQ(errorOf([&] { Attribute(3).get<std::string>(); }),
            "attribute 3 holds a int64_t, not a std::string; read it with "
            "get<int64_t>()");
  EXPECT_EQ(errorOf([&] { lif.registerAttribute("n", 5); }),
            "cannot register attribute 'n' in module bst::testing::LIF: it "
            "already has one with that name");
}

TEST(ModuleTest, BadNamesAreRejected) {
  Module m;
  HiddenState s(zeros({1}));
  EXPECT_EQ(errorOf([&] { m.registerState("a.b", s); }),
            "cannot register state 'a.b' in module Module: a name must be "
            "non-empty and contain no '.', '*' or '?' (the path separator and "
            "glob characters)");
  EXPECT_THAT(errorOf([&] { m.registerState("", s); }),
              HasSubstr("a name must be non-empty"));
  m.registerState("s", s);
  Module child;
  EXPECT_EQ(errorOf([&] { m.registerModule("s", child); }),
            "cannot register submodule 's' in module Module: it already has a "
            "state named 's'. Use another name; to share one state or "
            "submodule in two places, register the same object under two "
            "names");
  EXPECT_THAT(m.entryNames(), ElementsAre("s"));
  EXPECT_THAT(
      errorOf([&] { m.registerModule("p", std::shared_ptr<Module>()); }),
      HasSubstr("the std::shared_ptr is null"));
}

TEST(ModuleTest, CyclesAreRejected) {
  Module a, b, c;
  a.registerModule("b", b);
  b.registerModule("c", c);
  EXPECT_EQ(errorOf([&] { c.registerModule("a", a); }),
            "cannot register Module as submodule 'a' of Module: Module is "
            "already inside it (at 'b.c'), so the module tree would contain a "
            "cycle. A module cannot contain itself; share a state or a "
            "submodule instead");
  EXPECT_EQ(errorOf([&] { a.registerModule("self", a); }),
            "cannot register Module as submodule 'self' of Module: that is "
            "the module itself, so the module tree would contain a cycle. A "
            "module cannot contain itself; share a state or a submodule "
            "instead");
  // Nothing was registered by the failed calls.
  EXPECT_TRUE(c.entryNames().empty());
  EXPECT_THAT(a.entryNames(), ElementsAre("b"));
  // Sharing without a cycle is fine: a diamond.
  Module d;
  a.registerModule("d", d);
  c.registerModule("d", d);
  EXPECT_THAT(a.nodes().paths(), ElementsAre("b", "b.c", "b.c.d"));
}

TEST(ModuleTest, CopyConstructorIsNotAWayToCopyModules) {
  LIF lif(2);
  EXPECT_EQ(errorOf([&] { LIF copy = lif; }),
            "a bst::Module (bst::testing::LIF) cannot be copied with its copy "
            "constructor: the copy's registrations would still point into the "
            "original. Share the module by reference or std::shared_ptr, or "
            "make an independent copy with bst::graph::clone(module) (which "
            "needs BST_MODULE(bst::testing::LIF) in the class body)");
}

TEST(ModuleTest, ModuleListHoldsARunTimeNumberOfLayers) {
  ModuleList<LIF> layers;
  for (int i = 0; i < 3; ++i)
    layers.append(std::make_shared<LIF>(2));
  EXPECT_EQ(layers.size(), 3u);
  EXPECT_THAT(layers.states<Membrane>().paths(),
              ElementsAre("0.v", "1.v", "2.v"));
  EXPECT_TRUE(layers[1].v.sameAs(layers.state("1.v")));
  EXPECT_THAT(errorOf([&] { layers[3]; }), HasSubstr("has no entry '3'"));
}

} // namespace
