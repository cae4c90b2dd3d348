//===- ManifestTest.cpp - Parsing and validating manifests
//-----------------===//
#include "bst/Runtime/Manifest.h"
#include "RuntimeTestUtil.h"
#include "bst/Support/Error.h"

#include "../TestUtil.h"

#include <gtest/gtest.h>

#include <string>

namespace bst::runtime {
namespace {

using bst::testing::errorOf;

TEST(ManifestTest, ParsesEverySlotField) {
  Manifest m = Manifest::parse(bst::testing::kAccumulateManifest);
  EXPECT_EQ(m.formatVersion, 1);
  EXPECT_EQ(m.function, "acc");
  ASSERT_EQ(m.slots.size(), 4u);
  const SlotInfo &s = m.slots[1];
  EXPECT_EQ(s.index, 1u);
  EXPECT_EQ(s.role, SlotRole::State);
  EXPECT_EQ(s.name, "net.s");
  EXPECT_EQ(s.kind, "HiddenState");
  EXPECT_EQ(s.type, (AbstractArray{Shape{4}, DType::f32}));
  EXPECT_TRUE(s.read && s.written);
  EXPECT_EQ(s.nbytes(), 16u);
  EXPECT_EQ(m.slots[3].type, (AbstractArray{Shape{2, 3}, DType::i64}));
  EXPECT_EQ(m.slots[3].nbytes(), 48u);
  EXPECT_FALSE(m.slots[2].needsBinding());
  EXPECT_FALSE(m.target.has_value());
  EXPECT_EQ(m.describe(),
            "acc(arg0: f32[4] (argument, read), net.s: f32[4] (state, read, "
            "written), capture0: f32[2] (capture, read), result: i64[2,3] "
            "(result, written))");
}

TEST(ManifestTest, RoundTripsThroughJsonWithTarget) {
  Manifest m = Manifest::parse(bst::testing::kAccumulateManifest);
  m.target = TargetInfo{"x86_64-pc-linux-gnu", "znver3", {"avx2", "fma"}};
  Manifest again = Manifest::parse(m.toJson());
  EXPECT_EQ(again.toJson(), m.toJson());
  ASSERT_TRUE(again.target.has_value());
  EXPECT_EQ(again.target->cpu, "znver3");
  EXPECT_EQ(again.target->features, (std::vector<std::string>{"avx2", "fma"}));
}

TEST(ManifestTest, FindsSlotsByPathAndRejectsAmbiguousNames) {
  Manifest m = Manifest::parse(bst::testing::kAccumulateManifest);
  ASSERT_NE(m.find("net.s"), nullptr);
  EXPECT_EQ(m.find("net.s")->index, 1u);
  EXPECT_EQ(m.find("nope"), nullptr);
  m.slots[3].name = "net.s";
  EXPECT_EQ(
      errorOf([&] { m.find("net.s"); }),
      "slots 1 and 3 of 'acc' are both named 'net.s'; bind them by index");
}

std::string slot(const std::string &fields) {
  return R"({"format_version": 1, "function": "f", "slots": [{)" + fields +
         "}]}";
}

const std::string kGoodSlot =
    R"("index": 0, "role": "state", "name": "x", "dtype": "f32", )"
    R"("shape": [4], "read": true, "written": true)";

struct BadManifest {
  std::string json;
  ErrorCode code;
  std::string message;
};

TEST(ManifestTest, RejectsMalformedManifestsNamingTheField) {
  const BadManifest cases[] = {
      {"", ErrorCode::Load, "bst manifest: not valid JSON: "},
      {"{", ErrorCode::Load, "bst manifest: not valid JSON: "},
      {"[]", ErrorCode::Load, "bst manifest: expected a JSON object"},
      {R"({"function": "f", "slots": []})", ErrorCode::Load,
       "bst manifest: missing field \"format_version\""},
      {R"({"format_version": "1", "function": "f", "slots": []})",
       ErrorCode::Load, "bst manifest: format_version: expected an integer"},
      {R"({"format_version": 7, "function": "f", "slots": []})",
       ErrorCode::Incompatible,
       "bst manifest: format version 7 is not supported: this runtime reads "
       "format 1. "
       "Rebuild the artifact with a matching bstc"},
      {R"({"format_version": 1, "function": "2f", "slots": []})",
       ErrorCode::Load, "bst manifest: function: \"2f\" is not a C identifier"},
      {R"({"format_version": 1, "function": "f", "slots": {}})",
       ErrorCode::Load, "bst manifest: slots: expected an array"},
      {R"({"format_version": 1, "function": "f", "slots": [3]})",
       ErrorCode::Load, "bst manifest: slots[0]: expected an object"},
      {slot(
           R"("index": 1, "role": "state", "name": "x", "dtype": "f32", "shape": [4],)"
           R"( "read": true, "written": true)"),
       ErrorCode::Load, "bst manifest: slots[0].index: expected 0"},
      {slot(
           R"("index": 0, "role": "weight", "name": "x", "dtype": "f32", "shape": [4],)"
           R"( "read": true, "written": true)"),
       ErrorCode::Load,
       "bst manifest: slots[0].role: unknown role \"weight\" (argument, state, "
       "capture or "
       "result)"},
      {slot(
           R"("index": 0, "role": "state", "name": "", "dtype": "f32", "shape": [4],)"
           R"( "read": true, "written": true)"),
       ErrorCode::Load,
       "bst manifest: slots[0].name: the slot has an empty name"},
      {slot(
           R"("index": 0, "role": "state", "name": "x", "dtype": "bf16", "shape": [4],)"
           R"( "read": true, "written": true)"),
       ErrorCode::Load, "bst manifest: slots[0].dtype: unknown dtype \"bf16\""},
      {slot(
           R"("index": 0, "role": "state", "name": "x", "dtype": "f32", "shape": [1.5],)"
           R"( "read": true, "written": true)"),
       ErrorCode::Load,
       "bst manifest: slots[0].shape: extent 1.5 is not a non-negative "
       "integer"},
      {slot(
           R"("index": 0, "role": "state", "name": "x", "dtype": "f64",)"
           R"( "shape": [1099511627776, 1099511627776], "read": true, "written": true)"),
       ErrorCode::Load,
       "bst manifest: slots[0].shape: the buffer would exceed 2^63 bytes"},
      {slot(
           R"("index": 0, "role": "state", "name": "x", "dtype": "f32", "shape": [4],)"
           R"( "read": 1, "written": true)"),
       ErrorCode::Load,
       "bst manifest: slots[0].read: expected true or false, got 1"},
      {slot(
           R"("index": 0, "role": "argument", "name": "x", "dtype": "f32", "shape": [4],)"
           R"( "read": true, "written": true)"),
       ErrorCode::Load,
       "bst manifest: slots[0]: a argument slot cannot be written"},
      {R"({"format_version": 1, "function": "f", "slots": [], "target": {"cpu": "x"}})",
       ErrorCode::Load, "bst manifest: target: missing field \"triple\""},
      {std::string(100, '[') + std::string(100, ']'), ErrorCode::Load,
       "bst manifest: nests deeper than 8 levels"},
  };
  for (const BadManifest &c : cases) {
    SCOPED_TRACE(c.json);
    try {
      Manifest::parse(c.json);
      ADD_FAILURE() << "no error";
    } catch (const Error &e) {
      EXPECT_EQ(e.code(), c.code);
      EXPECT_EQ(std::string(e.what()).substr(0, c.message.size()), c.message);
    }
  }
  // The well-formed slot the cases vary parses.
  EXPECT_EQ(Manifest::parse(slot(kGoodSlot)).slots.size(), 1u);
}

TEST(ManifestTest, CIdentifiers) {
  EXPECT_TRUE(isCIdentifier("step"));
  EXPECT_TRUE(isCIdentifier("_lif_2"));
  EXPECT_FALSE(isCIdentifier(""));
  EXPECT_FALSE(isCIdentifier("2lif"));
  EXPECT_FALSE(isCIdentifier("lif.v"));
  EXPECT_FALSE(isCIdentifier("l\xc3\xa9"));
}

} // namespace
} // namespace bst::runtime

namespace bst::runtime {
namespace {

/// A manifest with one errorIf check and the bst.errors slots (as bst::jit writes them), with
/// `checks` replaced by the given JSON.
std::string checkedManifest(const std::string &checks, bool withErrorSlots = true) {
  std::string slots = R"({"index": 0, "role": "state", "name": "v", "kind": "HiddenState",
      "dtype": "f32", "shape": [4], "read": true, "written": true})";
  if (withErrorSlots)
    slots += R"(,
    {"index": 1, "role": "state", "name": "bst.errors.code", "kind": "CheckState",
     "dtype": "i32", "shape": [], "read": true, "written": true},
    {"index": 2, "role": "state", "name": "bst.errors.f64", "kind": "CheckState",
     "dtype": "f64", "shape": [8], "read": true, "written": true},
    {"index": 3, "role": "state", "name": "bst.errors.i64", "kind": "CheckState",
     "dtype": "i64", "shape": [8], "read": true, "written": true})";
  return R"({"format_version": 1, "function": "f", "slots": [)" + slots +
         R"(], "checks": )" + checks + "}";
}

TEST(ManifestTest, ChecksParseAndRoundTrip) {
  Manifest m = Manifest::parse(
      checkedManifest(R"([{"message": "v = {} at {}", "values": ["f32", "i64"]}])"));
  ASSERT_EQ(m.checks.size(), 1u);
  EXPECT_EQ(m.checks[0].message, "v = {} at {}");
  EXPECT_EQ(m.checks[0].valueTypes, (std::vector<DType>{DType::f32, DType::i64}));
  Manifest again = Manifest::parse(m.toJson());
  ASSERT_EQ(again.checks.size(), 1u);
  EXPECT_EQ(again.checks[0].message, m.checks[0].message);
  EXPECT_EQ(again.checks[0].valueTypes, m.checks[0].valueTypes);
}

TEST(ManifestTest, MalformedChecksAreRejected) {
  EXPECT_NE(errorOf([] {
              Manifest::parse(checkedManifest(R"([{"message": "a {}", "values": []}])"));
            }).find("checks[0]"),
            std::string::npos);
  EXPECT_NE(errorOf([] {
              Manifest::parse(checkedManifest(R"([{"message": "a", "values": ["f16"]}])"));
            }).find("checks[0].values: \"f16\" is not a dtype name"),
            std::string::npos);
  EXPECT_NE(errorOf([] {
              Manifest::parse(checkedManifest(R"([{"message": "a", "values": []}])", false));
            }).find("no state slot 'bst.errors.code'"),
            std::string::npos);
  EXPECT_NE(errorOf([] { Manifest::parse(checkedManifest(R"({"message": "a"})")); })
                .find("checks: expected an array"),
            std::string::npos);
}

} // namespace
} // namespace bst::runtime
