//===- CheckpointTest.cpp - bst::save and bst::restore --------------------===//
#include "../TestUtil.h"
#include "CheckpointTestUtil.h"

#include "bst/State/Hooks.h"
#include "bst/State/TraceContext.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <sys/resource.h>

namespace bst::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using json = nlohmann::json;

TEST(CheckpointTest, RoundTripRestoresEveryDTypeAndTree) {
  TempDir dir;
  Model saved;
  saved.fill(7);
  save(dir / "m.safetensors", saved);

  Model loaded;
  loaded.fill(1);
  RestoreResult r = restore(dir / "m.safetensors", loaded);
  EXPECT_TRUE(sameValues(loaded.snapshot(), saved.snapshot()));
  EXPECT_THAT(r.restored, ElementsAre("layer.fc", "layer.v", "counts", "mask",
                                      "rate", "history"));
  EXPECT_TRUE(r.missing.empty());
  EXPECT_TRUE(r.ignored.empty());
}

TEST(CheckpointTest, KeysAreStatePathPlusLeafPath) {
  EXPECT_EQ(checkpointKey("l1.v", ""), "l1.v");
  EXPECT_EQ(checkpointKey("fc", "w"), "fc.w");
  EXPECT_EQ(checkpointKey("opt", "[1]"), "opt[1]");
  EXPECT_EQ(checkpointKey("opt", "[1].m"), "opt[1].m");

  TempDir dir;
  Model m;
  m.fill(3);
  save(dir / "m.safetensors", m);
  CheckpointContents c = readCheckpoint(dir / "m.safetensors");
  std::vector<std::string> keys;
  for (const auto &[key, array] : c.tensors)
    keys.push_back(key);
  EXPECT_THAT(keys,
              ElementsAre("counts", "history[0]", "history[1]", "layer.fc.b",
                          "layer.fc.w", "layer.v", "mask", "rate"));
  EXPECT_EQ(c.tensors.at("layer.fc.w").toVector<float>(),
            m.layer.fc.value()["w"].toVector<float>());
  EXPECT_EQ(c.tensors.at("counts").toVector<int64_t>(),
            (std::vector<int64_t>{3000000000000LL, -3}));
  EXPECT_EQ(c.tensors.at("rate").shape(), Shape{});
  EXPECT_EQ(c.tensors.at("history[1]").shape(), Shape{0});
}

TEST(CheckpointTest, FileIsSafetensorsWithKindsAndVersionInMetadata) {
  TempDir dir;
  Model m;
  m.fill(2);
  save(dir / "m.safetensors", m, {.metadata = {{"step", "1000"}}});
  std::string file = readBytes(dir / "m.safetensors");
  uint64_t n = headerLength(file);
  EXPECT_EQ((8 + n) % 8, 0u) << "the data section starts 8-byte aligned";
  json header = json::parse(headerText(file));
  const json &meta = header.at("__metadata__");
  EXPECT_EQ(meta.at("bst.format_version"), "1");
  EXPECT_EQ(meta.at("bst.kind.layer.fc"), "ParamState");
  EXPECT_EQ(meta.at("bst.kind.layer.v"), "HiddenState");
  EXPECT_EQ(meta.at("bst.kind.mask"), "State");
  EXPECT_EQ(meta.at("step"), "1000");
  for (const auto &[key, value] : meta.items())
    EXPECT_TRUE(value.is_string()) << key;

  const json &w = header.at("layer.fc.w");
  EXPECT_EQ(w.at("dtype"), "F32");
  EXPECT_EQ(w.at("shape"), json({2, 3}));
  EXPECT_EQ(header.at("counts").at("dtype"), "I64");
  EXPECT_EQ(header.at("rate").at("dtype"), "F64");
  EXPECT_EQ(header.at("rate").at("shape"), json::array());
  EXPECT_EQ(header.at("history[0]").at("dtype"), "I32");
  EXPECT_EQ(header.at("mask").at("dtype"), "BOOL");

  // Offsets tile the data section, and each tensor is aligned to its element
  // size.
  std::string data = dataSection(file);
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (const auto &[key, value] : header.items()) {
    if (key == "__metadata__")
      continue;
    uint64_t begin = value.at("data_offsets")[0],
             end = value.at("data_offsets")[1];
    ranges.push_back({begin, end});
    size_t elem = value.at("dtype") == "F64" || value.at("dtype") == "I64" ? 8
                  : value.at("dtype") == "F32" || value.at("dtype") == "I32"
                      ? 4
                      : 1;
    EXPECT_EQ(begin % elem, 0u) << key;
  }
  std::sort(ranges.begin(), ranges.end());
  uint64_t covered = 0;
  for (auto [begin, end] : ranges) {
    EXPECT_EQ(begin, covered);
    covered = end;
  }
  EXPECT_EQ(covered, data.size());
  // Raw little-endian data.
  uint64_t b = header.at("counts").at("data_offsets")[0];
  int64_t first;
  std::memcpy(&first, data.data() + b, 8);
  EXPECT_EQ(first, 2000000000000LL);

  EXPECT_EQ(readCheckpoint(dir / "m.safetensors").metadata.at("step"), "1000");
}

TEST(CheckpointTest, SavesAndRestoresAStateMap) {
  TempDir dir;
  Model a;
  a.fill(4);
  save(dir / "params.safetensors", a.states<ParamState>());
  EXPECT_EQ(readCheckpoint(dir / "params.safetensors").tensors.size(), 3u);

  Model b;
  b.fill(9);
  std::vector<Tree> before = b.snapshot();
  restore(dir / "params.safetensors", b.states<ParamState>());
  EXPECT_TRUE(b.layer.fc.value().equals(a.layer.fc.value()));
  EXPECT_TRUE(b.rate.value().equals(a.rate.value()));
  EXPECT_TRUE(b.layer.v.value().equals(before[1]))
      << "states outside the map are untouched";
}

TEST(CheckpointTest, SaveReplacesAFileAndLeavesNoTemporaryFile) {
  TempDir dir;
  Model m;
  m.fill(1);
  save(dir / "m.safetensors", m);
  m.fill(2);
  save(dir / "m.safetensors", m);
  EXPECT_THAT(dir.files(), ElementsAre("m.safetensors"));
  Model back;
  restore(dir / "m.safetensors", back);
  EXPECT_TRUE(sameValues(back.snapshot(), m.snapshot()));
}

TEST(CheckpointTest, FailedWriteLeavesThePreviousFileAndNoTemporaryFile) {
  TempDir dir;
  Model m;
  m.fill(1);
  save(dir / "m.safetensors", m);
  std::string previous = readBytes(dir / "m.safetensors");

  // A file size limit makes write() fail half-way through the data (EFBIG) even
  // as root.
  HiddenState big(zeros({100000}));
  StateMap map{{"big", big}};
  struct rlimit old;
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old), 0);
  auto oldHandler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = old;
  small.rlim_cur = 4096;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  std::string error =
      errorOf<CheckpointError>([&] { save(dir / "m.safetensors", map); });
  setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, oldHandler);

  EXPECT_THAT(error, HasSubstr("cannot save checkpoint"));
  EXPECT_THAT(error, HasSubstr("m.safetensors"));
  EXPECT_THAT(error, HasSubstr("File too large"));
  EXPECT_EQ(readBytes(dir / "m.safetensors"), previous);
  EXPECT_THAT(dir.files(), ElementsAre("m.safetensors"));
}

TEST(CheckpointTest, FailedRenameLeavesNoTemporaryFile) {
  TempDir dir;
  std::filesystem::create_directory(dir / "taken");
  Model m;
  std::string error = errorOf<CheckpointError>([&] { save(dir / "taken", m); });
  EXPECT_THAT(error, HasSubstr("renaming the temporary file over it failed"));
  EXPECT_THAT(dir.files(), ElementsAre("taken"));
}

TEST(CheckpointTest, SaveIntoAMissingDirectoryNamesIt) {
  TempDir dir;
  Model m;
  std::string error = errorOf<CheckpointError>(
      [&] { save(dir / "nope" / "m.safetensors", m); });
  EXPECT_THAT(error, HasSubstr("cannot create a temporary file in"));
  EXPECT_THAT(error, HasSubstr("nope"));
  EXPECT_THAT(error, HasSubstr("No such file or directory"));
}

TEST(CheckpointTest, RestoreRunsRestoreHooksAndNoWriteHooks) {
  TempDir dir;
  Model a;
  a.fill(5);
  save(dir / "m.safetensors", a);
  Model b;
  std::vector<std::string> restored;
  int writes = 0;
  HookHandle h1 = hooks::add(HookPoint::restore, [&](HookEvent &e) {
    restored.push_back(e.state().name());
  });
  HookHandle h2 =
      hooks::add(HookPoint::writeBefore, [&](HookEvent &) { ++writes; });
  HookHandle h3 = b.layer.v.addHook(HookPoint::restore, [&](HookEvent &e) {
    EXPECT_TRUE(e.value().equals(a.layer.v.value()));
    EXPECT_TRUE(e.oldValue().equals(Tree(zeros({3}))));
  });
  restore(dir / "m.safetensors", b);
  EXPECT_THAT(restored, ElementsAre("layer.fc", "layer.v", "counts", "mask",
                                    "rate", "history"));
  EXPECT_EQ(writes, 0);
}

TEST(CheckpointTest, AHookThrowingHalfWayRollsBackTheStatesAlreadyRestored) {
  TempDir dir;
  Model a;
  a.fill(5);
  save(dir / "m.safetensors", a);
  Model b;
  b.fill(8);
  std::vector<Tree> before = b.snapshot();
  int rollbacks = 0;
  HookHandle watch = b.layer.fc.addHook(HookPoint::restore, [&](HookEvent &e) {
    if (e.value().equals(before[0]))
      ++rollbacks;
  });
  HookHandle refuse = b.mask.addHook(HookPoint::restore, [](HookEvent &) {
    throw Error(ErrorCode::InvalidArgument, "mask refused");
  });
  EXPECT_EQ(errorOf([&] { restore(dir / "m.safetensors", b); }),
            "mask refused");
  EXPECT_TRUE(sameValues(b.snapshot(), before));
  EXPECT_EQ(rollbacks, 1)
      << "the roll-back goes through State::restore, so hooks see it";
}

TEST(CheckpointTest, RollBackHoldsEvenIfAHookRefusesTheRollBack) {
  TempDir dir;
  Model a;
  a.fill(5);
  save(dir / "m.safetensors", a);
  Model b;
  b.fill(8);
  std::vector<Tree> before = b.snapshot();
  int calls = 0;
  // Accepts the first restore of layer.fc, refuses the roll-back.
  HookHandle stubborn =
      b.layer.fc.addHook(HookPoint::restore, [&](HookEvent &) {
        if (++calls > 1)
          throw Error(ErrorCode::InvalidArgument, "no roll-back");
      });
  HookHandle refuse = b.rate.addHook(HookPoint::restore, [](HookEvent &) {
    throw Error(ErrorCode::InvalidArgument, "rate refused");
  });
  EXPECT_EQ(errorOf([&] { restore(dir / "m.safetensors", b); }),
            "rate refused");
  EXPECT_TRUE(sameValues(b.snapshot(), before));
}

TEST(CheckpointTest, MissingStatesAreAnErrorUnlessAllowed) {
  TempDir dir;
  Model a;
  a.fill(2);
  save(dir / "part.safetensors", a.states<ParamState>());
  Model b;
  b.fill(6);
  std::vector<Tree> before = b.snapshot();
  std::string error =
      errorOf<CheckpointError>([&] { restore(dir / "part.safetensors", b); });
  EXPECT_THAT(
      error,
      HasSubstr(
          "it has no entry 'layer.v' for HiddenState 'layer.v' (f32[3])"));
  EXPECT_THAT(error, HasSubstr("allowMissing"));
  EXPECT_TRUE(sameValues(b.snapshot(), before));

  RestoreResult r =
      restore(dir / "part.safetensors", b, {.allowMissing = true});
  EXPECT_THAT(r.restored, ElementsAre("layer.fc", "rate"));
  EXPECT_THAT(r.missing, ElementsAre("layer.v", "counts", "mask", "history"));
  EXPECT_TRUE(b.layer.fc.value().equals(a.layer.fc.value()));
  EXPECT_TRUE(b.counts.value().equals(before[2]));
}

TEST(CheckpointTest, ExtraEntriesAreAnErrorUnlessAllowed) {
  TempDir dir;
  Model a;
  a.fill(2);
  save(dir / "m.safetensors", a);
  Model b;
  b.fill(6);
  std::vector<Tree> before = b.snapshot();
  StateMap params = b.states<ParamState>();
  std::string error =
      errorOf<CheckpointError>([&] { restore(dir / "m.safetensors", params); });
  EXPECT_THAT(
      error,
      HasSubstr("it has 5 entries that match no state: 'counts', 'history[0]', "
                "'history[1]', 'layer.v', 'mask'"));
  EXPECT_THAT(error, HasSubstr("allowExtra"));
  EXPECT_TRUE(sameValues(b.snapshot(), before));

  RestoreResult r =
      restore(dir / "m.safetensors", params, {.allowExtra = true});
  EXPECT_THAT(r.restored, ElementsAre("layer.fc", "rate"));
  EXPECT_THAT(r.ignored, ElementsAre("counts", "history[0]", "history[1]",
                                     "layer.v", "mask"));
  EXPECT_TRUE(b.rate.value().equals(a.rate.value()));
}

TEST(CheckpointTest, KindsMustMatchUnlessUnchecked) {
  TempDir dir;
  HiddenState v(full({3}, 2.0));
  save(dir / "v.safetensors", StateMap{{"v", v}});
  ParamState p(zeros({3}));
  std::string error = errorOf<CheckpointError>([&] {
    restore(dir / "v.safetensors", StateMap{{"v", p}});
  });
  EXPECT_THAT(error, HasSubstr("it records the state at 'v' as a HiddenState "
                               "but the ParamState at 'v' "
                               "is a ParamState"));
  EXPECT_TRUE(p.value().equals(Tree(zeros({3}))));
  restore(dir / "v.safetensors", StateMap{{"v", p}}, {.checkKinds = false});
  EXPECT_TRUE(p.value().equals(v.value()));
}

TEST(CheckpointTest, ReadsFilesWithoutBstMetadata) {
  // As written by another safetensors writer: no __metadata__ at all.
  TempDir dir;
  std::string data(12, '\0');
  float values[3] = {1.5f, -2.f, 3.25f};
  std::memcpy(data.data(), values, 12);
  writeBytes(
      dir / "x.safetensors",
      makeFile(R"({"x":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}}   )",
               data));
  State x(zeros({3}));
  restore(dir / "x.safetensors", StateMap{{"x", x}});
  EXPECT_EQ(x.value().toVector<float>(),
            (std::vector<float>{1.5f, -2.f, 3.25f}));
}

TEST(CheckpointTest, StatesThatCannotBeKeyedAreRejected) {
  TempDir dir;
  State a(Tree::dict({{"b", zeros({1})}}));
  State ab(zeros({1}));
  std::string error = errorOf<CheckpointError>([&] {
    save(dir / "x.safetensors", StateMap{{"a", a}, {"a.b", ab}});
  });
  EXPECT_THAT(
      error,
      HasSubstr(
          "the states at 'a' and 'a.b' would both be stored under the key "
          "'a.b'"));
  error = errorOf<CheckpointError>([&] {
    save(dir / "x.safetensors", StateMap{{"a", ab}, {"b", ab}});
  });
  EXPECT_THAT(error, HasSubstr("appears twice, at 'a' and 'b'"));
  error = errorOf<CheckpointError>([&] {
    save(dir / "x.safetensors", StateMap{{"__metadata__", ab}});
  });
  EXPECT_THAT(error, HasSubstr("which safetensors reserves"));
  error = errorOf<CheckpointError>([&] {
    save(dir / "x.safetensors", StateMap{{"a", ab}},
         {.metadata = {{"bst.x", "1"}}});
  });
  EXPECT_THAT(error, HasSubstr("the metadata key 'bst.x' is reserved"));
  EXPECT_TRUE(dir.files().empty());
}

TEST(CheckpointTest, SaveAndRestoreAreEagerOnly) {
  TempDir dir;
  State a(zeros({1}));
  save(dir / "a.safetensors", StateMap{{"a", a}});
  TraceFrame frame;
  EXPECT_THAT(errorOf<CheckpointError>([&] {
                save(dir / "b.safetensors", StateMap{{"a", a}});
              }),
              HasSubstr("inside a traced function"));
  EXPECT_THAT(errorOf<CheckpointError>([&] {
                restore(dir / "a.safetensors", StateMap{{"a", a}});
              }),
              HasSubstr("inside a traced function"));
}

TEST(CheckpointTest, RestoringAStateOfAnEndedTraceFrameChangesNothing) {
  TempDir dir;
  State a(full({1}, 3.0));
  State b(full({1}, 4.0));
  save(dir / "ab.safetensors", StateMap{{"a", a}, {"b", b}});
  std::optional<State> leaked;
  {
    TraceFrame frame;
    leaked.emplace(zeros({1}));
  }
  State fresh(zeros({1}));
  std::string error = errorOf<CheckpointError>([&] {
    restore(dir / "ab.safetensors", StateMap{{"a", fresh}, {"b", *leaked}});
  });
  EXPECT_THAT(error, HasSubstr("which is not active on this thread"));
  EXPECT_TRUE(fresh.value().equals(Tree(zeros({1}))));
}

TEST(CheckpointTest, ErrorCodeIsCheckpoint) {
  EXPECT_EQ(CheckpointError("x").code(), ErrorCode::Checkpoint);
  EXPECT_STREQ(errorCodeName(ErrorCode::Checkpoint), "checkpoint");
}

} // namespace
} // namespace bst::testing
