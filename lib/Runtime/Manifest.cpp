//===- Manifest.cpp - Parsing and validating manifests
//---------------------===//
#include "bst/Runtime/Manifest.h"
#include "bst/Support/Error.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include <nlohmann/json.hpp>

#include <limits>

namespace bst::runtime {

using nlohmann::json;

namespace {

/// Manifests hold a few slots of small shapes; these limits only stop hostile
/// input.
constexpr size_t kMaxDepth = 8;
constexpr size_t kMaxBytes = 64 << 20;
constexpr size_t kMaxRank = 64;

[[noreturn]] void malformed(const std::string &where, const std::string &what) {
  throw Error(ErrorCode::Load,
              absl::StrCat("bst manifest: ", where.empty() ? "" : where,
                           where.empty() ? "" : ": ", what));
}

/// Stops nlohmann at kMaxDepth levels of nesting.
struct DepthLimit {
  size_t depth = 0;
  bool operator()(int, json::parse_event_t event, json &) {
    if (event == json::parse_event_t::object_start ||
        event == json::parse_event_t::array_start) {
      if (++depth > kMaxDepth)
        malformed("", absl::StrCat("nests deeper than ", kMaxDepth,
                                   " levels, which no manifest does"));
    } else if (event == json::parse_event_t::object_end ||
               event == json::parse_event_t::array_end) {
      --depth;
    }
    return true;
  }
};

const json &field(const json &object, const char *key,
                  const std::string &where) {
  auto it = object.find(key);
  if (it == object.end())
    malformed(where, absl::StrCat("missing field \"", key, "\""));
  return *it;
}

std::string stringField(const json &object, const char *key,
                        const std::string &where) {
  const json &v = field(object, key, where);
  if (!v.is_string())
    malformed(absl::StrCat(where, where.empty() ? "" : ".", key),
              absl::StrCat("expected a string, got ", v.dump()));
  return v.get<std::string>();
}

bool boolField(const json &object, const char *key, const std::string &where) {
  const json &v = field(object, key, where);
  if (!v.is_boolean())
    malformed(absl::StrCat(where, ".", key),
              absl::StrCat("expected true or false, got ", v.dump()));
  return v.get<bool>();
}

std::optional<DType> parseDType(std::string_view name) {
  for (DType d :
       {DType::f32, DType::f64, DType::i32, DType::i64, DType::boolean})
    if (name == dtypeName(d))
      return d;
  return std::nullopt;
}

std::optional<SlotRole> parseRole(std::string_view name) {
  for (SlotRole r : {SlotRole::Argument, SlotRole::State, SlotRole::Capture,
                     SlotRole::Result})
    if (name == roleName(r))
      return r;
  return std::nullopt;
}

Shape parseShape(const json &v, DType dtype, const std::string &where) {
  if (!v.is_array())
    malformed(where, absl::StrCat("expected an array of extents, got ",
                                  v.size() > 8 ? "a long value" : v.dump()));
  if (v.size() > kMaxRank)
    malformed(where, absl::StrCat("rank ", v.size(), " exceeds ", kMaxRank));
  std::vector<int64_t> dims;
  // Every buffer's byte size must fit in an int64_t.
  uint64_t limit = static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) /
                   sizeOf(dtype);
  uint64_t elements = 1;
  for (const json &d : v) {
    if (!d.is_number_integer() || d.get<int64_t>() < 0)
      malformed(where, absl::StrCat("extent ", d.dump(),
                                    " is not a non-negative integer"));
    auto extent = static_cast<uint64_t>(d.get<int64_t>());
    if (extent != 0 && elements > limit / extent)
      malformed(where, "the buffer would exceed 2^63 bytes");
    elements *= extent;
    dims.push_back(static_cast<int64_t>(extent));
  }
  return Shape(dims);
}

SlotInfo parseSlot(const json &v, size_t position) {
  std::string where = absl::StrCat("slots[", position, "]");
  if (!v.is_object())
    malformed(where, "expected an object");
  SlotInfo slot;
  const json &index = field(v, "index", where);
  if (!index.is_number_integer() || index.get<int64_t>() < 0 ||
      static_cast<size_t>(index.get<int64_t>()) != position)
    malformed(where + ".index", absl::StrCat("expected ", position,
                                             " (slots are listed in "
                                             "calling-convention order), got ",
                                             index.dump()));
  slot.index = position;
  std::string role = stringField(v, "role", where);
  std::optional<SlotRole> r = parseRole(role);
  if (!r)
    malformed(where + ".role",
              absl::StrCat("unknown role \"", role,
                           "\" (argument, state, capture or result)"));
  slot.role = *r;
  slot.name = stringField(v, "name", where);
  if (slot.name.empty())
    malformed(where + ".name", "the slot has an empty name");
  if (v.contains("kind"))
    slot.kind = stringField(v, "kind", where);
  std::string dtype = stringField(v, "dtype", where);
  std::optional<DType> d = parseDType(dtype);
  if (!d)
    malformed(where + ".dtype",
              absl::StrCat("unknown dtype \"", dtype,
                           "\" (f32, f64, i32, i64 or bool)"));
  slot.type.dtype = *d;
  slot.type.shape = parseShape(field(v, "shape", where), *d, where + ".shape");
  slot.read = boolField(v, "read", where);
  slot.written = boolField(v, "written", where);
  if (slot.written &&
      (slot.role == SlotRole::Argument || slot.role == SlotRole::Capture))
    malformed(where, absl::StrCat("a ", role, " slot cannot be written"));
  return slot;
}

TargetInfo parseTarget(const json &v) {
  if (!v.is_object())
    malformed("target", "expected an object");
  TargetInfo t;
  t.triple = stringField(v, "triple", "target");
  t.cpu = stringField(v, "cpu", "target");
  const json &features = field(v, "features", "target");
  if (!features.is_array())
    malformed("target.features", "expected an array of strings");
  for (const json &f : features) {
    if (!f.is_string())
      malformed("target.features", "expected an array of strings");
    t.features.push_back(f.get<std::string>());
  }
  return t;
}

CheckInfo parseCheck(const json &v, size_t position) {
  std::string where = absl::StrCat("checks[", position, "]");
  if (!v.is_object())
    malformed(where, "expected an object");
  CheckInfo check;
  check.message = stringField(v, "message", where);
  if (check.message.size() > 4096)
    malformed(where + ".message", "is longer than 4096 bytes");
  const json &values = field(v, "values", where);
  if (!values.is_array() || values.size() > 8)
    malformed(where + ".values", "expected an array of at most 8 dtype names");
  for (const json &d : values) {
    std::optional<DType> t = d.is_string() ? parseDType(d.get<std::string>()) : std::nullopt;
    if (!t)
      malformed(where + ".values", absl::StrCat(d.dump(), " is not a dtype name"));
    check.valueTypes.push_back(*t);
  }
  try {
    formatCheckMessage(check.message, std::vector<std::string>(check.valueTypes.size()));
  } catch (const Error &e) {
    malformed(where, e.what());
  }
  return check;
}

/// With checks, the three bst.errors state slots must be there with their types.
void validateCheckSlots(const Manifest &m) {
  const AbstractArray types[3] = {{Shape{}, DType::i32},
                                  {Shape{8}, DType::f64},
                                  {Shape{8}, DType::i64}};
  for (int k = 0; k < 3; ++k) {
    const SlotInfo *s = m.find(kCheckSlotNames[k]);
    if (!s || s->role != SlotRole::State || s->type != types[k] || !s->read || !s->written)
      malformed("checks", absl::StrCat("the manifest lists checks but no state slot '",
                                       kCheckSlotNames[k], "' of type ", types[k].toString(),
                                       ", read and written"));
  }
}

} // namespace

const char *roleName(SlotRole role) {
  switch (role) {
  case SlotRole::Argument:
    return "argument";
  case SlotRole::State:
    return "state";
  case SlotRole::Capture:
    return "capture";
  case SlotRole::Result:
    return "result";
  }
  return "?";
}

size_t SlotInfo::nbytes() const {
  return static_cast<size_t>(type.shape.numElements()) * sizeOf(type.dtype);
}

bool isCIdentifier(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9'))
    return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9') || c == '_'))
      return false;
  return true;
}

Manifest Manifest::parse(std::string_view text) {
  if (text.size() > kMaxBytes)
    malformed("", absl::StrCat("is ", text.size(), " bytes; the limit is ",
                               kMaxBytes));
  json root;
  try {
    root = json::parse(text.begin(), text.end(), DepthLimit());
  } catch (const json::exception &e) {
    // nlohmann's messages start with "[json.exception.parse_error.101] ".
    std::string what = e.what();
    if (size_t end = what.find("] ");
        what.starts_with("[json.") && end != std::string::npos)
      what = what.substr(end + 2);
    malformed("", absl::StrCat("not valid JSON: ", what));
  }
  if (!root.is_object())
    malformed("", "expected a JSON object");
  Manifest m;
  const json &version = field(root, "format_version", "");
  if (!version.is_number_integer())
    malformed("format_version", "expected an integer");
  if (version.get<int64_t>() != kManifestFormatVersion)
    throw Error(ErrorCode::Incompatible,
                absl::StrCat("bst manifest: format version ", version.dump(),
                             " is not supported: this runtime reads format ",
                             kManifestFormatVersion,
                             ". Rebuild the artifact with a matching bstc"));
  m.formatVersion = kManifestFormatVersion;
  m.function = stringField(root, "function", "");
  if (!isCIdentifier(m.function) || m.function.size() > 200)
    malformed("function",
              absl::StrCat("\"", m.function,
                           "\" is not a C identifier of at most 200 "
                           "characters (it names the entry point "
                           "bst_entry_<function>)"));
  const json &slots = field(root, "slots", "");
  if (!slots.is_array())
    malformed("slots", "expected an array");
  for (size_t i = 0; i < slots.size(); ++i)
    m.slots.push_back(parseSlot(slots[i], i));
  if (auto it = root.find("target"); it != root.end())
    m.target = parseTarget(*it);
  if (auto it = root.find("checks"); it != root.end()) {
    if (!it->is_array() || it->size() > 1000000)
      malformed("checks", "expected an array");
    for (size_t i = 0; i < it->size(); ++i)
      m.checks.push_back(parseCheck((*it)[i], i));
    if (!m.checks.empty())
      validateCheckSlots(m);
  }
  return m;
}

std::string Manifest::toJson() const {
  json root = json::object();
  root["format_version"] = formatVersion;
  root["function"] = function;
  json list = json::array();
  for (const SlotInfo &s : slots) {
    json slot = json::object();
    slot["index"] = s.index;
    slot["role"] = roleName(s.role);
    slot["name"] = s.name;
    if (!s.kind.empty())
      slot["kind"] = s.kind;
    slot["dtype"] = dtypeName(s.type.dtype);
    slot["shape"] = s.type.shape.toVector();
    slot["read"] = s.read;
    slot["written"] = s.written;
    list.push_back(std::move(slot));
  }
  root["slots"] = std::move(list);
  if (!checks.empty()) {
    json list = json::array();
    for (const CheckInfo &c : checks) {
      json values = json::array();
      for (DType t : c.valueTypes)
        values.push_back(dtypeName(t));
      list.push_back({{"message", c.message}, {"values", std::move(values)}});
    }
    root["checks"] = std::move(list);
  }
  if (target)
    root["target"] = {{"triple", target->triple},
                      {"cpu", target->cpu},
                      {"features", target->features}};
  // Names are arbitrary bytes; replace invalid UTF-8 rather than throw.
  return root.dump(-1, ' ', false, json::error_handler_t::replace);
}

const SlotInfo *Manifest::find(std::string_view path) const {
  const SlotInfo *found = nullptr;
  for (const SlotInfo &s : slots) {
    if (s.name != path)
      continue;
    if (found)
      throw Error(ErrorCode::InvalidArgument,
                  absl::StrCat("slots ", found->index, " and ", s.index,
                               " of '", function, "' are both named '",
                               std::string(path), "'; bind them by index"));
    found = &s;
  }
  return found;
}

std::string Manifest::describe() const {
  std::vector<std::string> parts;
  for (const SlotInfo &s : slots) {
    std::string flags = roleName(s.role);
    if (s.read)
      flags += ", read";
    if (s.written)
      flags += ", written";
    parts.push_back(
        absl::StrCat(s.name, ": ", s.type.toString(), " (", flags, ")"));
  }
  return absl::StrCat(function, "(", absl::StrJoin(parts, ", "), ")");
}

} // namespace bst::runtime
