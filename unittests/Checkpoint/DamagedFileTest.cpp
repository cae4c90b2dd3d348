//===- DamagedFileTest.cpp - Every damaged file is an error, nothing changes
//===//
//
// A table of damaged, truncated and hostile files. Each must give a
// CheckpointError naming the file and the problem, run no restore hook, and
// leave every state of the model unchanged.
//
//===----------------------------------------------------------------------===//
#include "../TestUtil.h"
#include "CheckpointTestUtil.h"

#include "bst/State/Hooks.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

namespace bst::testing {
namespace {

using ::testing::HasSubstr;
using json = nlohmann::json;

/// One damaged file: how to make it from a good one, and what the error must
/// say.
struct Damage {
  const char *name;
  std::function<std::string(const std::string &good)> make;
  const char *error;
};

std::string withLength(const std::string &file, uint64_t n) {
  return lengthField(n) + file.substr(8);
}

/// Replaces the first `from` in the header with `to`, keeping the length field
/// right.
std::string replaceInHeader(const std::string &file, const std::string &from,
                            const std::string &to) {
  std::string text = headerText(file);
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos)
    text.replace(at, from.size(), to);
  return makeFile(text, dataSection(file));
}

/// The entry `key`'s data_offsets.
std::pair<uint64_t, uint64_t> offsetsOf(const json &header,
                                        const std::string &key) {
  return {header.at(key).at("data_offsets")[0],
          header.at(key).at("data_offsets")[1]};
}

const std::vector<Damage> &damages() {
  static const std::vector<Damage> table = {
      // Truncated at each section.
      {"Empty", [](const std::string &) { return std::string(); },
       "it is 0 bytes long, shorter than the 8-byte header length"},
      {"TruncatedInLength", [](const std::string &f) { return f.substr(0, 5); },
       "it is 5 bytes long"},
      {"TruncatedAfterLength",
       [](const std::string &f) { return f.substr(0, 8); },
       "only 0 bytes follow it"},
      {"TruncatedInHeader",
       [](const std::string &f) {
         return f.substr(0, 8 + headerLength(f) / 2);
       },
       "its header length field says"},
      {"TruncatedAfterHeader",
       [](const std::string &f) { return f.substr(0, 8 + headerLength(f)); },
       "but the data section holds only 0 bytes"},
      {"TruncatedInData",
       [](const std::string &f) { return f.substr(0, f.size() - 1); },
       "but the data section holds only"},
      // Lying lengths.
      {"HeaderLengthLargerThanFile",
       [](const std::string &f) { return withLength(f, f.size()); },
       "its header length field says"},
      {"HeaderLengthHuge",
       [](const std::string &f) { return withLength(f, ~uint64_t{0}); },
       "its header length field says 18446744073709551615 bytes"},
      {"NaNLength",
       [](const std::string &f) {
         double nan = std::nan("");
         uint64_t bits;
         std::memcpy(&bits, &nan, 8);
         return withLength(f, bits);
       },
       "its header length field says 9221120237041090560 bytes"},
      {"HeaderLengthShort",
       [](const std::string &f) { return withLength(f, headerLength(f) - 20); },
       "its header is not valid JSON"},
      {"HeaderLengthZero",
       [](const std::string &f) { return withLength(f, 0); },
       "too short for {}"},
      // Invalid JSON.
      {"InvalidJson",
       [](const std::string &f) {
         return replaceInHeader(f, "\"dtype\"", "\"dtype\"::");
       },
       "its header is not valid JSON"},
      {"NaNInShape",
       [](const std::string &f) {
         return replaceInHeader(f, "\"shape\":[2,3]", "\"shape\":[NaN,3]");
       },
       "its header is not valid JSON"},
      {"NotAnObject",
       [](const std::string &f) { return makeFile("[1, 2]", dataSection(f)); },
       "its header does not start with '{'"},
      {"DuplicateKey",
       [](const std::string &f) {
         return replaceInHeader(f, "\"counts\":{",
                                "\"counts\":{},\"counts\":{");
       },
       "the JSON header has the key 'counts' twice"},
      {"TooDeep",
       [](const std::string &f) {
         return replaceInHeader(f, "\"shape\":[2,3]", "\"shape\":[[2],3]");
       },
       "nests deeper than 3 levels"},
      {"InvalidUtf8",
       [](const std::string &f) {
         return replaceInHeader(f, "\"mask\"", "\"m\xff\"");
       },
       "its header is not valid JSON"},
      // Offsets.
      {"OverlappingOffsets",
       [](const std::string &f) {
         return editHeader(f, [](json &h) {
           auto [b, e] = offsetsOf(h, "layer.fc.b");
           h["layer.fc.b"]["data_offsets"] = {b - 4, e - 4};
         });
       },
       "overlap"},
      {"Hole",
       [](const std::string &f) {
         return editHeader(f, [](json &h) {
           h["history[1]"]["data_offsets"] = {0, 0};
           h["counts"]["data_offsets"] = {
               4, 20}; // counts was at 0..16 with the rest after it
         });
       },
       "of the data section belong to no entry"},
      {"OffsetBeyondData",
       [](const std::string &f) {
         return editHeader(f, [](json &h) {
           h["layer.v"]["data_offsets"] = {1000, 1012};
         });
       },
       "has data_offsets [1000, 1012] but the data section holds only"},
      {"TrailingBytes", [](const std::string &f) { return f + "junk"; },
       "but the entries cover"},
      {"NegativeOffset",
       [](const std::string &f) {
         return editHeader(
             f, [](json &h) { h["layer.v"]["data_offsets"][0] = -1; });
       },
       "has no data_offsets pair of non-negative integers"},
      {"FloatOffset",
       [](const std::string &f) {
         return editHeader(
             f, [](json &h) { h["layer.v"]["data_offsets"][0] = 1.5; });
       },
       "has no data_offsets pair of non-negative integers"},
      {"EndBeforeBegin",
       [](const std::string &f) {
         return editHeader(f, [](json &h) {
           auto [b, e] = offsetsOf(h, "layer.v");
           h["layer.v"]["data_offsets"] = {e, b};
         });
       },
       "whose end is before its begin"},
      {"SizeDisagreesWithShape",
       [](const std::string &f) {
         return editHeader(f, [](json &h) { h["layer.v"]["shape"] = {4}; });
       },
       "holds 12 bytes (data_offsets"},
      {"ShapeOverflows",
       [](const std::string &f) {
         return editHeader(f, [](json &h) {
           h["layer.v"]["shape"] = {uint64_t{1} << 62, uint64_t{1} << 62};
         });
       },
       "has a shape whose size overflows 64 bits"},
      {"NegativeExtent",
       [](const std::string &f) {
         return editHeader(f, [](json &h) { h["layer.v"]["shape"] = {-3}; });
       },
       "has the shape entry -3, which is not a non-negative integer"},
      // Types and shapes against the states.
      {"UnsupportedDType",
       [](const std::string &f) {
         return editHeader(f, [](json &h) {
           h["layer.v"]["dtype"] = "F16";
           h["layer.v"]["shape"] = {6};
         });
       },
       "has dtype 'F16', which bst does not support"},
      {"WrongDType",
       [](const std::string &f) {
         return editHeader(f, [](json &h) { h["layer.v"]["dtype"] = "I32"; });
       },
       "entry 'layer.v' is i32[3] but HiddenState 'layer.v' is frozen as "
       "f32[3]. The checkpoint "
       "comes from a model with other shapes"},
      {"WrongShape",
       [](const std::string &f) {
         return editHeader(f, [](json &h) {
           h["layer.fc.w"]["shape"] = {3, 2};
         });
       },
       "entry 'layer.fc.w' is f32[3,2] but ParamState 'layer.fc' is frozen as "
       "{b: f32[3], w: "
       "f32[2,3]}, with f32[2,3] there"},
      {"BoolNotZeroOrOne",
       [](const std::string &f) {
         json h = json::parse(headerText(f));
         std::string out = f;
         out[8 + headerLength(f) + offsetsOf(h, "mask").first] = 2;
         return out;
       },
       "entry 'mask' is BOOL but element 0 holds the byte 2"},
      {"PartOfATreeMissing",
       [](const std::string &f) {
         return editHeader(f, [](json &h) {
           // Rename the leaf: the data is still covered, but layer.fc lacks
           // 'b'.
           h["layer.fc.c"] = h["layer.fc.b"];
           h.erase("layer.fc.b");
         });
       },
       "has entries for some leaves of ParamState 'layer.fc'"},
      {"StateMissing",
       [](const std::string &f) {
         return editHeader(f, [](json &h) {
           h["other"] = h["rate"];
           h.erase("rate");
         });
       },
       "it has no entry 'rate'"},
      // Metadata.
      {"MetadataNotString",
       [](const std::string &f) {
         return editHeader(f, [](json &h) { h["__metadata__"]["step"] = 3; });
       },
       "its __metadata__ entry 'step' is a JSON number, not a string"},
      {"MetadataNotObject",
       [](const std::string &f) {
         return editHeader(f, [](json &h) { h["__metadata__"] = "x"; });
       },
       "its __metadata__ is not a JSON object"},
      {"NewerFormat",
       [](const std::string &f) {
         return editHeader(f, [](json &h) {
           h["__metadata__"]["bst.format_version"] = "99";
         });
       },
       "it has format version 99, newer than the version 1 this bst reads"},
      {"BadFormatVersion",
       [](const std::string &f) {
         return editHeader(f, [](json &h) {
           h["__metadata__"]["bst.format_version"] = "one";
         });
       },
       "is 'one', not a format version"},
      {"WrongKind",
       [](const std::string &f) {
         return editHeader(f, [](json &h) {
           h["__metadata__"]["bst.kind.rate"] = "HiddenState";
         });
       },
       "records the state at 'rate' as a HiddenState but ParamState 'rate'"},
      {"UnknownField",
       [](const std::string &f) {
         return editHeader(f, [](json &h) { h["rate"]["offset"] = 0; });
       },
       "has the unknown field 'offset'"},
      {"EntryNotAnObject",
       [](const std::string &f) {
         return editHeader(f, [](json &h) { h["zzz"] = 1; });
       },
       "entry 'zzz' is a JSON number, not an object"},
  };
  return table;
}

class DamagedFileTest : public ::testing::TestWithParam<size_t> {};

TEST_P(DamagedFileTest, GivesItsErrorAndChangesNoState) {
  const Damage &damage = damages()[GetParam()];
  TempDir dir;
  Model saved;
  saved.fill(3);
  save(dir / "good.safetensors", saved, {.metadata = {{"step", "12"}}});
  std::string good = readBytes(dir / "good.safetensors");
  std::filesystem::path bad = dir / "bad.safetensors";
  writeBytes(bad, damage.make(good));

  Model model;
  model.fill(8);
  std::vector<Tree> before = model.snapshot();
  int hooksRun = 0;
  HookHandle watch =
      hooks::add(HookPoint::restore, [&](HookEvent &) { ++hooksRun; });
  std::string error = errorOf<CheckpointError>([&] { restore(bad, model); });
  EXPECT_THAT(error, HasSubstr(damage.error));
  EXPECT_THAT(error, HasSubstr(bad.string())) << "the message names the file";
  EXPECT_TRUE(sameValues(model.snapshot(), before)) << "a state changed";
  EXPECT_EQ(hooksRun, 0);
  // Reading the file without states fails the same way for every format error.
  if (std::string(damage.error).find("frozen as") == std::string::npos &&
      std::string(damage.error).find("records the state") ==
          std::string::npos &&
      std::string(damage.error).find("no entry") == std::string::npos &&
      std::string(damage.error).find("some leaves") == std::string::npos &&
      std::string(damage.error).find("format version") == std::string::npos)
    EXPECT_THAT(errorOf<CheckpointError>([&] { readCheckpoint(bad); }),
                HasSubstr(damage.error));
}

INSTANTIATE_TEST_SUITE_P(Table, DamagedFileTest,
                         ::testing::Range<size_t>(0, damages().size()),
                         [](const ::testing::TestParamInfo<size_t> &info) {
                           return std::string(damages()[info.param].name);
                         });

TEST(DamagedFileTest, EveryTruncationIsAnError) {
  TempDir dir;
  Model saved;
  saved.fill(3);
  save(dir / "good.safetensors", saved);
  std::string good = readBytes(dir / "good.safetensors");
  Model model;
  model.fill(8);
  std::vector<Tree> before = model.snapshot();
  for (size_t n = 0; n < good.size(); ++n) {
    writeBytes(dir / "cut.safetensors", good.substr(0, n));
    EXPECT_THAT(errorOf<CheckpointError>(
                    [&] { restore(dir / "cut.safetensors", model); }),
                HasSubstr("cannot read checkpoint"))
        << "truncated to " << n << " bytes";
  }
  EXPECT_TRUE(sameValues(model.snapshot(), before));
}

TEST(DamagedFileTest, ALyingHeaderIsNotAllocated) {
  // The header claims a tensor of 2^40 floats; the file is 100 bytes. The error
  // comes from the offsets check, before any allocation.
  TempDir dir;
  writeBytes(dir / "lie.safetensors",
             makeFile(R"({"x":{"dtype":"F32","shape":[1099511627776],)"
                      R"("data_offsets":[0,4398046511104]}})",
                      std::string(16, '\0')));
  State x(zeros({4}));
  EXPECT_THAT(errorOf<CheckpointError>([&] {
                restore(dir / "lie.safetensors", StateMap{{"x", x}});
              }),
              HasSubstr("has data_offsets [0, 4398046511104] but the data "
                        "section holds only 16 "
                        "bytes"));
}

TEST(DamagedFileTest, ADirectoryOrMissingFileIsAnError) {
  TempDir dir;
  State x(zeros({4}));
  EXPECT_THAT(errorOf<CheckpointError>([&] {
                restore(dir.path(), StateMap{{"x", x}});
              }),
              HasSubstr("it is not a regular file"));
  EXPECT_THAT(errorOf<CheckpointError>([&] {
                restore(dir / "missing.safetensors", StateMap{{"x", x}});
              }),
              HasSubstr("cannot open it: No such file or directory"));
}

} // namespace
} // namespace bst::testing
