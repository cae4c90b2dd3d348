//===- GraphTest.cpp - split, merge, update, clone, GraphDef --------------===//
#include "../TestUtil.h"
#include "Models.h"

#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

using namespace bst;
using namespace bst::testing;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

namespace {

using Floats = std::vector<float>;

/// Gives every state of `net` a distinct value.
void fill(Net &net) {
  net.exc.v.setValue(full({2}, 0.25));
  net.exc.tau.setValue(full({2}, 5.0));
  net.inh.v.setValue(full({2}, 0.75));
  net.w.setValue(Array::fromVector<float>({1, 2, 3, 4}, {2, 2}));
}

//===----------------------------------------------------------------------===//
// split / merge
//===----------------------------------------------------------------------===//

TEST(GraphTest, SplitPartitionsStatesByFirstMatchingFilter) {
  Net net(2);
  auto [def, params, hidden, rest] =
      graph::split(net, filter::kind<ParamState>(), filter::kind<HiddenState>(),
                   filter::everything());
  EXPECT_THAT(params.paths(), ElementsAre("exc.tau", "inh.tau", "inh.w_in"));
  EXPECT_THAT(hidden.paths(), ElementsAre("exc.v", "inh.v"));
  EXPECT_THAT(rest.paths(), ElementsAre("exc.spike", "inh.spike"));
  // The maps hold the module's own states.
  EXPECT_TRUE(params.at("inh.w_in").sameAs(net.w));
  EXPECT_EQ(def.states().size(), 7u);
  EXPECT_EQ(def.nodes().size(), 3u);
  EXPECT_TRUE(def.isMergeable());

  auto [def2, all] = graph::split(net);
  EXPECT_EQ(all.size(), 7u);
  EXPECT_EQ(def, def2);
}

TEST(GraphTest, SplitRejectsStatesNoFilterSelects) {
  Net net(2);
  EXPECT_EQ(errorOf([&] { graph::split(net, filter::kind<ParamState>()); }),
            "graph::split: 4 states are selected by none of the filters "
            "[kind(ParamState)]: 'exc.v' (bst::testing::Membrane), "
            "'exc.spike' (ShortTermState), 'inh.v' (bst::testing::Membrane), "
            "'inh.spike' (ShortTermState). Every state must go to exactly one "
            "StateMap: add bst::filter::everything() as the last filter to "
            "collect the rest, or widen the filters");
  // Filters that together cover every state need no catch-all.
  auto [def, params, shortTerm, exc] =
      graph::split(net, filter::kind<ParamState>(),
                   filter::kind<ShortTermState>(), filter::pathContains("exc"));
  EXPECT_EQ(params.size() + shortTerm.size(), 7u);
  EXPECT_TRUE(exc.empty());
}

TEST(GraphTest, MergeRoundTripKeepsValuesStructureAndSharing) {
  Net net(2);
  fill(net);
  auto [def, params, rest] =
      graph::split(net, filter::kind<ParamState>(), filter::everything());
  std::shared_ptr<Net> copy = graph::merge<Net>(def, params, rest);

  // Same structure and values, new states.
  EXPECT_EQ(copy->states().paths(), net.states().paths());
  for (const auto &[path, state] : net.states()) {
    State other = copy->state(path);
    EXPECT_FALSE(other.sameAs(state)) << path;
    EXPECT_TRUE(other.value().equals(state.value())) << path;
    EXPECT_EQ(&other.kind(), &state.kind()) << path;
    EXPECT_EQ(other.tags(), state.tags()) << path;
    EXPECT_EQ(other.name(), state.name()) << path;
  }
  EXPECT_EQ(graph::graphDef(*copy), def);

  // The copy's data members are its new states, shared as in the original.
  EXPECT_TRUE(copy->exc.v.sameAs(copy->state("exc.v")));
  EXPECT_TRUE(copy->exc.v.is<Membrane>());
  EXPECT_TRUE(copy->w.sameAs(copy->state("inh.w_in")));
  EXPECT_TRUE(copy->w.sameAs(copy->state("w")));
  EXPECT_EQ(&copy->child("inh"), &copy->inh);
  EXPECT_NE(&copy->inh, &net.inh);
  EXPECT_EQ(copy->inh.threshold, 2.f); // non-state members are copied

  // Writing the copy leaves the original alone, and the other way round.
  copy->w.setValue(zeros({2, 2}));
  EXPECT_EQ(vals(copy->state("inh.w_in")), Floats(4, 0.f));
  EXPECT_EQ(vals(net.w), (Floats{1, 2, 3, 4}));
  copy->exc.step(100.f);
  EXPECT_EQ(vals(copy->exc.spike), (Floats{1, 1}));
  EXPECT_EQ(vals(net.exc.spike), (Floats{0, 0}));
  net.exc.v.setValue(zeros({2}));
  EXPECT_EQ(vals(copy->exc.v), (Floats{0, 0})); // reset after the spike
  EXPECT_EQ(vals(net.exc.tau), (Floats{5, 5}));
}

TEST(GraphTest, MergeTakesKindsAndTagsFromTheGraphDef) {
  // A checkpoint holds plain values; the GraphDef brings back the kinds.
  Net net(2);
  fill(net);
  auto [def, all] = graph::split(net);
  StateMap checkpoint;
  for (const auto &[path, state] : all)
    checkpoint.insert(path, State(state.value()));
  auto copy = graph::merge<Net>(def, checkpoint);
  EXPECT_TRUE(copy->exc.v.is<Membrane>());
  EXPECT_TRUE(copy->w.is<ParamState>());
  EXPECT_TRUE(copy->w.hasTag("trainable"));
  EXPECT_EQ(vals(copy->w), (Floats{1, 2, 3, 4}));
}

TEST(GraphTest, MergeInsideATraceFrameGivesStatesOfThatFrame) {
  Net net(2);
  auto [def, all] = graph::split(net);
  std::shared_ptr<Net> inner;
  FrameId frameId;
  {
    TraceFrame frame;
    frameId = frame.id();
    inner = graph::merge<Net>(def, all);
    for (const auto &[path, state] : inner->states())
      EXPECT_EQ(state.traceFrame(), frame.id()) << path;
    // Writable here, through the members and by path ...
    inner->exc.step(100.f);
    inner->w.setValue(full({2, 2}, 3.0));
    EXPECT_EQ(vals(inner->exc.spike), (Floats{1, 1}));
    EXPECT_EQ(vals(inner->state("inh.w_in")), Floats(4, 3.f));
    // ... while the originals are not written.
    EXPECT_EQ(vals(net.exc.spike), (Floats{0, 0}));
    EXPECT_EQ(vals(net.w), Floats(4, 1.f));
    EXPECT_EQ(net.exc.v.traceFrame(), kEagerFrame);
  }
  // After the frame ends the merged states have leaked out of it.
  std::string error =
      errorOf<TraceContextError>([&] { inner->exc.v.setValue(ones({2})); });
  EXPECT_THAT(error, HasSubstr("cannot write bst::testing::Membrane 'exc.v'"));
  EXPECT_THAT(
      error, HasSubstr("it belongs to trace frame " + std::to_string(frameId)));
  EXPECT_EQ(vals(inner->exc.v), (Floats{0, 0}));
  // update checks frames before writing anything.
  StateMap values{{"exc.spike", State(ones({2}))}, {"exc.v", State(ones({2}))}};
  EXPECT_THAT(
      errorOf<TraceContextError>([&] { graph::update(*inner, values); }),
      HasSubstr("graph::update: cannot write ShortTermState 'exc.spike' "
                "at 'exc.spike': it belongs to trace frame"));
  EXPECT_EQ(vals(inner->exc.spike), (Floats{1, 1}));
  // Rebuilding it in the current frame makes it usable again.
  auto rebuilt = graph::clone(*inner);
  rebuilt->exc.v.setValue(ones({2}));
  EXPECT_EQ(vals(rebuilt->exc.spike), (Floats{1, 1}));
}

/// Stands in for the tracer: reads of outer states see 42, writes of outer
/// states are recorded instead of stored.
struct FakeTracer : FrameObserver {
  std::vector<std::string> written;
  Tree readState(const State &, const Tree &stored) override {
    return stored.map([](const Tensor &t) -> Tensor {
      return full(t.shape(), 42.0, t.dtype());
    });
  }
  void writeState(const State &state, const Tree &) override {
    written.push_back(state.name());
  }
};

TEST(GraphTest, MergeUnderATracerSeesTracedValuesAndOwnsItsStates) {
  Net net(1);
  auto [def, all] = graph::split(net);
  FakeTracer tracer;
  {
    TraceFrame frame(&tracer);
    auto inner = graph::merge<Net>(def, all);
    // The new states hold what the trace sees of the originals ...
    EXPECT_EQ(vals(inner->exc.tau), Floats{42});
    // ... and belong to this frame: their writes are stored, not traced.
    inner->exc.v.setValue(full({1}, 3.0));
    EXPECT_EQ(vals(inner->exc.v), Floats{3});
    EXPECT_TRUE(tracer.written.empty());
    // Writing the originals back is traced.
    graph::update(net, inner->states<HiddenState>());
    EXPECT_THAT(tracer.written, ElementsAre("exc.v", "inh.v"));
  }
  EXPECT_EQ(vals(net.exc.v), Floats{0});
}

TEST(GraphTest, MergeInNestedFramesBindsToTheInnermost) {
  Net net(1);
  auto [def, all] = graph::split(net);
  TraceFrame outer;
  std::shared_ptr<Net> inner;
  {
    TraceFrame nested;
    inner = graph::merge<Net>(def, all);
    EXPECT_EQ(inner->exc.v.traceFrame(), nested.id());
  }
  EXPECT_THAT(errorOf<TraceContextError>([&] {
                inner->w.setValue(ones({1, 1}));
              }),
              HasSubstr("cannot write ParamState 'w'"));
  // States merged in the outer frame stay writable there.
  auto here = graph::merge<Net>(def, all);
  here->w.setValue(ones({1, 1}));
  EXPECT_EQ(here->w.traceFrame(), outer.id());
}

TEST(GraphTest, MergeValidatesBeforeCreatingAnything) {
  Net net(2);
  auto [def, params, rest] =
      graph::split(net, filter::kind<ParamState>(), filter::everything());
  StateMap extra = rest;
  extra.insert("exc.nope", State(zeros({2})));
  StateMap wrong = rest.select(filter::not_(filter::pathGlob("exc.v")));
  wrong.insert("exc.v", State(zeros({3})));
  int created = 0;
  HookHandle counter =
      hooks::add(HookPoint::init, [&](HookEvent &) { ++created; });

  EXPECT_EQ(errorOf([&] { graph::merge(def, params, extra); }),
            "graph::merge: the state maps hold 'exc.nope', which is not a "
            "state of this GraphDef (its states are 'exc.v', 'exc.tau', "
            "'exc.spike', 'inh.v', 'inh.tau', 'inh.spike', 'inh.w_in'). Pass "
            "the maps that graph::split returned with this GraphDef; no module "
            "was created");
  EXPECT_EQ(errorOf([&] { graph::merge(def, params); }),
            "graph::merge: no value for 'exc.v', 'exc.spike', 'inh.v', "
            "'inh.spike'; the state maps must hold every state of the GraphDef "
            "(pass all the maps graph::split returned). No module was created");
  EXPECT_EQ(errorOf([&] { graph::merge(def, params, rest, params); }),
            "graph::merge: 'exc.tau', 'inh.tau', 'inh.w_in' appear in more "
            "than one state map; give each state once. No module was created");
  EXPECT_EQ(errorOf<SignatureError>([&] { graph::merge(def, params, wrong); }),
            "graph::merge: 'exc.v' expects f32[2] but was given f32[3]. A "
            "state's signature is part of the GraphDef: give values of the "
            "same tree structure, shapes and dtypes, or split the module "
            "again. No module was created");
  EXPECT_EQ(created, 0);
  // A merge whose root is not the type asked for fails after merging.
  EXPECT_EQ(errorOf([&] { graph::merge<LIF>(def, params, rest); }),
            "graph: the merged root module is a bst::testing::Net, not a "
            "bst::testing::LIF; ask for merge<bst::testing::Net>");
  EXPECT_EQ(created, 7);
  // A run-time number of maps.
  auto copy = graph::merge<Net>(def, std::vector<StateMap>{params, rest});
  EXPECT_EQ(copy->states().size(), 7u);
}

TEST(GraphTest, GraphDefIsPrintableComparableHashable) {
  Net net(2);
  GraphDef def = graph::graphDef(net);
  EXPECT_EQ(def.toString(), "bst::testing::Net\n"
                            "  exc: bst::testing::LIF {n = 2}\n"
                            "    v: bst::testing::Membrane f32[2]\n"
                            "    tau: ParamState f32[2]\n"
                            "    spike: ShortTermState f32[2]\n"
                            "  inh: bst::testing::LIF {n = 2}\n"
                            "    v: bst::testing::Membrane f32[2]\n"
                            "    tau: ParamState f32[2]\n"
                            "    spike: ShortTermState f32[2]\n"
                            "    w_in: ParamState f32[2,2] tags(trainable)\n"
                            "  w: same state as 'inh.w_in'\n");
  // Values do not matter; structure, signatures and attributes do.
  Net other(2);
  fill(other);
  GraphDef same = graph::graphDef(other);
  GraphDef wider = graph::graphDef(Net(3));
  EXPECT_EQ(def, same);
  EXPECT_NE(def, wider);
  EXPECT_EQ(absl::HashOf(def), absl::HashOf(same));
  absl::flat_hash_set<GraphDef> cache{def, same, wider};
  EXPECT_EQ(cache.size(), 2u);
  // A different attribute alone makes a different GraphDef.
  LIF a(2), b(2);
  b.registerAttribute("mode", "exp");
  EXPECT_NE(graph::graphDef(a), graph::graphDef(b));
  // So does sharing: the same shapes without the shared weight differ.
  struct Unshared : Module {
    BST_MODULE(Unshared)
    LIF exc, inh;
    ParamState w, w2;
    Unshared()
        : exc(2), inh(2, 2.f), w(ones({2, 2}), {.tags = {"trainable"}}),
          w2(ones({2, 2}), {.tags = {"trainable"}}) {
      registerModule("exc", exc);
      registerModule("inh", inh);
      registerState("w", w2);
      inh.registerState("w_in", w);
    }
  };
  GraphDef unshared = graph::graphDef(Unshared());
  EXPECT_EQ(unshared.states().size(), 8u);
  EXPECT_NE(unshared, def);
}

//===----------------------------------------------------------------------===//
// Mergeability
//===----------------------------------------------------------------------===//

/// A module without BST_MODULE.
struct Opaque : Module {
  HiddenState h;
  Opaque() : h(zeros({1})) { registerState("h", h); }
};

/// A module that registers a state it does not hold as a data member.
struct Borrower : Module {
  BST_MODULE(Borrower)
  explicit Borrower(State &elsewhere) { registerState("x", elsewhere); }
};

TEST(GraphTest, UnmergeableModulesSplitButDoNotMerge) {
  Module root;
  auto opaque = std::make_shared<Opaque>();
  root.registerModule("opaque", opaque);
  auto [def, all] = graph::split(root);
  EXPECT_EQ(all.size(), 1u);
  EXPECT_FALSE(def.isMergeable());
  std::string why =
      "cannot re-create the module at 'opaque': module type Opaque is not "
      "mergeable. Add the line BST_MODULE(Opaque) to the body of Opaque "
      "(which must be copy-constructible)";
  EXPECT_EQ(def.notMergeableReason(), why);
  EXPECT_EQ(errorOf([&] { graph::merge(def, all); }), "graph::merge: " + why);
  EXPECT_EQ(errorOf([&] { graph::clone(root); }), why);

  GraphDef empty;
  EXPECT_FALSE(empty.isMergeable());
  EXPECT_EQ(errorOf([&] { graph::merge(empty); }),
            "graph::merge: this GraphDef is empty; take one from graph::split");

  State outside(zeros({1}));
  Borrower borrower(outside);
  EXPECT_EQ(errorOf([&] { graph::clone(borrower); }),
            "cannot re-create the root module: module Borrower registers "
            "state 'x' from a State handle that is not a data member of the "
            "module (a local variable, or storage on the heap such as a "
            "std::vector), so a copy of the module could not point it at the "
            "copy's state. Keep each registered State handle as a data "
            "member, or hold a variable number of values in one state whose "
            "value is a list Tree");
  // The net's inh layer registers the net's weight: it cannot be cloned
  // alone, only as part of the net.
  Net net(1);
  EXPECT_THAT(errorOf([&] { graph::clone(net.inh); }),
              HasSubstr("module bst::testing::LIF registers state 'w_in' from "
                        "a State handle that is not a data member"));
  Module holder;
  EXPECT_NO_THROW(holder.registerModule("net", net));
  EXPECT_THAT(errorOf([&] { graph::clone(holder); }),
              HasSubstr("module Module registers submodule 'net' "
                        "(bst::testing::Net) by reference, but it is not a "
                        "data member of the module"));
}

TEST(GraphTest, InheritedBstModuleIsCaught) {
  struct Derived : LIF {
    Derived() : LIF(1) {}
  };
  Derived d;
  EXPECT_THAT(errorOf([&] { graph::clone<LIF>(d); }),
              HasSubstr("inherits BST_MODULE(bst::testing::LIF) from a base "
                        "class, which would copy only the base. Add "
                        "BST_MODULE("));
}

//===----------------------------------------------------------------------===//
// Co-owned submodules, ModuleList, plain Module containers
//===----------------------------------------------------------------------===//

TEST(GraphTest, SharedOwnedSubmodulesStayShared) {
  auto root = std::make_shared<Module>();
  auto layer = std::make_shared<LIF>(2);
  root->registerModule("a", layer);
  root->registerModule("b", layer);
  auto stack = std::make_shared<ModuleList<LIF>>();
  stack->append(std::make_shared<LIF>(1));
  stack->append(layer);
  root->registerModule("stack", stack);
  layer->v.setValue(full({2}, 0.5));

  EXPECT_THAT(root->nodes().paths(), ElementsAre("a", "stack", "stack.0"));
  auto [def, all] = graph::split(*root);
  EXPECT_EQ(def.toString(), "Module\n"
                            "  a: bst::testing::LIF {n = 2}\n"
                            "    v: bst::testing::Membrane f32[2]\n"
                            "    tau: ParamState f32[2]\n"
                            "    spike: ShortTermState f32[2]\n"
                            "  b: same module as 'a'\n"
                            "  stack: bst::ModuleList<bst::testing::LIF>\n"
                            "    0: bst::testing::LIF {n = 1}\n"
                            "      v: bst::testing::Membrane f32[1]\n"
                            "      tau: ParamState f32[1]\n"
                            "      spike: ShortTermState f32[1]\n"
                            "    1: same module as 'a'\n");
  std::shared_ptr<Module> copy = graph::merge(def, all);
  Module &a = copy->child("a");
  EXPECT_EQ(&a, &copy->child("b"));
  EXPECT_EQ(&a, &copy->child("stack.1"));
  EXPECT_NE(&a, layer.get());
  auto &list = copy->child<ModuleList<LIF>>("stack");
  EXPECT_EQ(&list[1], &a);
  EXPECT_EQ(vals(list[1].v), (Floats{0.5, 0.5}));
  list[1].v.setValue(zeros({2}));
  EXPECT_EQ(vals(layer->v), (Floats{0.5, 0.5}));
  EXPECT_EQ(graph::graphDef(*copy), def);
}

TEST(GraphTest, TheGraphDefOutlivesTheModule) {
  GraphDef def = [] {
    Net net(2);
    fill(net);
    return graph::graphDef(net);
  }();
  StateMap values;
  for (const GraphDef::StateDef &s : def.states())
    values.insert(s.path, State(full(s.signature.leaves()[0].shape, 7.0)));
  auto net = graph::merge<Net>(def, values);
  EXPECT_EQ(vals(net->w), Floats(4, 7.f));
  EXPECT_EQ(vals(net->exc.v), Floats(2, 7.f));
  net->exc.step(0.f);
  EXPECT_EQ(vals(net->exc.spike), (Floats{1, 1}));
}

//===----------------------------------------------------------------------===//
// clone
//===----------------------------------------------------------------------===//

TEST(GraphTest, CloneIsIndependentAndKeepsSharing) {
  Net net(2);
  fill(net);
  std::shared_ptr<Net> copy = graph::clone(net);
  EXPECT_EQ(graph::graphDef(*copy), graph::graphDef(net));
  EXPECT_TRUE(copy->w.sameAs(copy->inh.state("w_in")));
  EXPECT_FALSE(copy->w.sameAs(net.w));
  EXPECT_EQ(vals(copy->w), (Floats{1, 2, 3, 4}));
  copy->w.setValue(zeros({2, 2}));
  EXPECT_EQ(vals(net.w), (Floats{1, 2, 3, 4}));
  // Registering the clone somewhere names its states after the new paths.
  Module holder;
  holder.registerModule("copy", copy);
  EXPECT_EQ(copy->exc.v.name(), "copy.exc.v");
  EXPECT_EQ(net.exc.v.name(), "exc.v");
  // A clone of a clone works, and names stay the paths.
  auto again = graph::clone(*copy);
  EXPECT_EQ(again->exc.v.name(), "copy.exc.v");
  EXPECT_EQ(vals(again->w), Floats(4, 0.f));
}

//===----------------------------------------------------------------------===//
// update
//===----------------------------------------------------------------------===//

TEST(GraphTest, UpdateWritesValuesByPath) {
  Net net(2);
  std::shared_ptr<Net> trained = graph::clone(net);
  fill(*trained);
  graph::update(net, trained->states<ParamState>(),
                trained->states(filter::not_(filter::kind<ParamState>())));
  for (const auto &[path, state] : net.states())
    EXPECT_TRUE(state.value().equals(trained->state(path).value())) << path;
  EXPECT_FALSE(net.w.sameAs(trained->w));
  // Any path of a shared state works.
  graph::update(net, StateMap{{"w", State(zeros({2, 2}))}});
  EXPECT_EQ(vals(net.state("inh.w_in")), Floats(4, 0.f));
}

TEST(GraphTest, UpdateIsAllOrNothing) {
  Net net(2);
  fill(net);
  auto before = [&] {
    std::vector<Floats> out;
    for (const auto &entry : net.states())
      out.push_back(vals(entry.second));
    return out;
  }();
  auto unchanged = [&] {
    size_t i = 0;
    for (const auto &entry : net.states())
      if (vals(entry.second) != before[i++])
        return false;
    return true;
  };

  StateMap unknown{{"exc.v", State(ones({2}))},
                   {"exc.x", State(ones({2}))},
                   {"inhh.v", State(ones({2}))}};
  EXPECT_EQ(errorOf([&] { graph::update(net, unknown); }),
            "graph::update: module bst::testing::Net has no state at 'exc.x', "
            "'inhh.v' (its state paths are 'exc.v', 'exc.tau', 'exc.spike', "
            "'inh.v', 'inh.tau', 'inh.spike', 'inh.w_in', 'w'). No state was "
            "written; check the paths, or that the map comes from a module of "
            "the same structure");
  EXPECT_TRUE(unchanged());

  StateMap mismatch{{"exc.v", State(ones({2}))}, {"exc.tau", State(ones({3}))}};
  EXPECT_EQ(errorOf<SignatureError>([&] { graph::update(net, mismatch); }),
            "graph::update: ParamState 'exc.tau' at 'exc.tau' is frozen as "
            "f32[2] but the value given is f32[3]. No state was written: give "
            "values with the same tree structure, shapes and dtypes");
  EXPECT_TRUE(unchanged());

  StateMap twice{{"w", State(ones({2, 2}))}, {"inh.w_in", State(ones({2, 2}))}};
  EXPECT_EQ(errorOf([&] { graph::update(net, twice); }),
            "graph::update: 'w' and 'inh.w_in' name the same shared state; "
            "give each state once. No state was written");
  EXPECT_TRUE(unchanged());

  // A hook that cancels a write half-way: the earlier writes are undone.
  HookHandle guard =
      net.inh.v.addHook(HookPoint::writeBefore, [](HookEvent &e) {
        e.cancel("inh.v is read-only in this test");
      });
  StateMap values{{"exc.v", State(ones({2}))},
                  {"exc.tau", State(ones({2}))},
                  {"inh.v", State(ones({2}))}};
  EXPECT_THAT(errorOf<HookCancelled>([&] { graph::update(net, values); }),
              HasSubstr("inh.v is read-only in this test"));
  EXPECT_TRUE(unchanged());
  guard.reset();
  graph::update(net, values);
  EXPECT_EQ(vals(net.inh.v), (Floats{1, 1}));
}

} // namespace
