//===- SafeTensors.cpp - Reading and validating safetensors files ---------===//
//
// The format (https://github.com/huggingface/safetensors): an unsigned
// little-endian 64-bit header length N, N bytes of UTF-8 JSON (an object;
// padding with trailing spaces allowed), then the data section. Each header key
// except "__metadata__" names a tensor:
//   {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}
// with offsets relative to the data section; the tensors cover it exactly,
// without holes or overlaps. "__metadata__" maps strings to strings.
//
//===----------------------------------------------------------------------===//
#include "SafeTensors.h"

#include "absl/strings/str_cat.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <set>
#include <sys/stat.h>
#include <unistd.h>

namespace bst::detail::checkpoint {

static_assert(std::endian::native == std::endian::little,
              "bst checkpoints store little-endian data; add byte swapping for "
              "this host");

using nlohmann::json;

namespace {

/// The most dimensions an entry may have, and the deepest JSON nesting a header
/// may use (the root object, a tensor object, its shape array, the numbers in
/// it).
constexpr size_t kMaxRank = 64;
constexpr size_t kMaxDepth = 3;

/// `text` quoted for a message: control bytes escaped, long texts cut.
std::string quote(std::string_view text) {
  constexpr size_t kMax = 120;
  std::string out = "'";
  for (size_t i = 0; i < text.size() && i < kMax; ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7f)
      absl::StrAppend(&out, "\\x", absl::Hex(c, absl::kZeroPad2));
    else
      out += static_cast<char>(c);
  }
  if (text.size() > kMax)
    absl::StrAppend(&out, "...' (", text.size(), " bytes)");
  else
    out += "'";
  return out;
}

[[noreturn]] void fail(const ByteSource &source, const std::string &problem,
                       const std::string &fix) {
  throw CheckpointError(absl::StrCat("cannot read checkpoint ",
                                     quote(source.name()), ": ", problem, ". ",
                                     fix));
}

constexpr const char *kDamaged = "The file is damaged or was not written "
                                 "completely: restore from another checkpoint";

struct DTypeName {
  const char *name;
  DType dtype;
};
constexpr DTypeName kDTypes[] = {{"F32", DType::f32},
                                 {"F64", DType::f64},
                                 {"I32", DType::i32},
                                 {"I64", DType::i64},
                                 {"BOOL", DType::boolean}};

/// Thrown by the parse callback to stop at a structural limit.
struct LimitExceeded {
  std::string what;
};

/// Enforces limits while nlohmann parses, so a hostile header cannot nest
/// deeply or blow up: duplicate keys (the JSON spec leaves them undefined;
/// safetensors rejects them), nesting deeper than kMaxDepth, arrays longer than
/// kMaxRank.
class HeaderLimits {
public:
  bool operator()(int, json::parse_event_t event, json &parsed) {
    switch (event) {
    case json::parse_event_t::object_start:
    case json::parse_event_t::array_start:
      countElement();
      if (stack_.size() >= kMaxDepth)
        throw LimitExceeded{
            absl::StrCat("the JSON header nests deeper than ", kMaxDepth,
                         " levels, which no safetensors header does")};
      stack_.push_back({event == json::parse_event_t::array_start, 0, {}});
      break;
    case json::parse_event_t::object_end:
    case json::parse_event_t::array_end:
      if (!stack_.empty())
        stack_.pop_back();
      break;
    case json::parse_event_t::key:
      if (!stack_.empty() &&
          !stack_.back().keys.insert(parsed.get<std::string>()).second)
        throw LimitExceeded{absl::StrCat("the JSON header has the key ",
                                         quote(parsed.get<std::string>()),
                                         " twice in one object")};
      break;
    case json::parse_event_t::value:
      countElement();
      break;
    }
    return true;
  }

private:
  void countElement() {
    if (stack_.empty() || !stack_.back().isArray)
      return;
    if (++stack_.back().count > kMaxRank)
      throw LimitExceeded{
          absl::StrCat("the JSON header has an array of more than ", kMaxRank,
                       " elements (shapes have at most ", kMaxRank,
                       " dimensions, data_offsets has 2)")};
  }

  struct Level {
    bool isArray;
    size_t count;
    std::set<std::string> keys;
  };
  std::vector<Level> stack_;
};

/// A JSON value that must be an unsigned integer.
bool asUnsigned(const json &v, uint64_t &out) {
  if (!v.is_number_unsigned())
    return false;
  out = v.get<uint64_t>();
  return true;
}

Entry parseEntry(const ByteSource &source, const std::string &key,
                 const json &info) {
  std::string where = absl::StrCat("entry ", quote(key));
  if (!info.is_object())
    fail(
        source,
        absl::StrCat(where, " is a JSON ", info.type_name(), ", not an object"),
        kDamaged);
  for (const auto &[field, value] : info.items())
    if (field != "dtype" && field != "shape" && field != "data_offsets")
      fail(source, absl::StrCat(where, " has the unknown field ", quote(field)),
           "A safetensors entry has exactly the fields dtype, shape and "
           "data_offsets");
  Entry e;
  e.key = key;

  auto dtype = info.find("dtype");
  if (dtype == info.end() || !dtype->is_string())
    fail(source, absl::StrCat(where, " has no dtype string"), kDamaged);
  const std::string &name = dtype->get_ref<const std::string &>();
  auto known = std::find_if(std::begin(kDTypes), std::end(kDTypes),
                            [&](const DTypeName &d) { return name == d.name; });
  if (known == std::end(kDTypes))
    fail(source,
         absl::StrCat(where, " has dtype ", quote(name),
                      ", which bst does not support"),
         "bst reads F32, F64, I32, I64 and BOOL; convert the tensor to one of "
         "them");
  e.dtype = known->dtype;

  auto shape = info.find("shape");
  if (shape == info.end() || !shape->is_array())
    fail(source, absl::StrCat(where, " has no shape array"), kDamaged);
  std::vector<int64_t> dims;
  uint64_t elements = 1;
  bool overflow = false;
  for (const json &d : *shape) {
    uint64_t extent;
    if (!asUnsigned(d, extent) || extent > static_cast<uint64_t>(INT64_MAX))
      fail(source,
           absl::StrCat(where, " has the shape entry ",
                        d.dump(-1, ' ', true, json::error_handler_t::replace),
                        ", which is not a non-negative integer"),
           kDamaged);
    dims.push_back(static_cast<int64_t>(extent));
    overflow |= __builtin_mul_overflow(elements, extent, &elements);
  }
  uint64_t nbytes = 0;
  overflow |= __builtin_mul_overflow(elements, sizeOf(e.dtype), &nbytes);
  if (overflow || elements > static_cast<uint64_t>(INT64_MAX))
    fail(source,
         absl::StrCat(where, " has a shape whose size overflows 64 bits"),
         kDamaged);
  e.shape = Shape(dims);

  auto offsets = info.find("data_offsets");
  if (offsets == info.end() || !offsets->is_array() || offsets->size() != 2 ||
      !asUnsigned((*offsets)[0], e.begin) || !asUnsigned((*offsets)[1], e.end))
    fail(source,
         absl::StrCat(where,
                      " has no data_offsets pair of non-negative integers"),
         kDamaged);
  if (e.end < e.begin)
    fail(source,
         absl::StrCat(where, " has data_offsets [", e.begin, ", ", e.end,
                      "] whose end is before its begin"),
         kDamaged);
  if (e.end - e.begin != nbytes)
    fail(source,
         absl::StrCat(where, " holds ", e.end - e.begin,
                      " bytes (data_offsets [", e.begin, ", ", e.end,
                      "]) but its dtype ", name, " and shape ",
                      e.shape.toString(), " need ", nbytes),
         kDamaged);
  return e;
}

} // namespace

ByteSource::~ByteSource() = default;

FileSource::FileSource(const std::string &path) : ByteSource(path) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0)
    fail(*this, absl::StrCat("cannot open it: ", std::strerror(errno)),
         "Check the path and its permissions");
  struct stat st;
  if (::fstat(fd_, &st) != 0) {
    int err = errno;
    ::close(fd_);
    fd_ = -1;
    fail(*this, absl::StrCat("cannot stat it: ", std::strerror(err)),
         "Check the file");
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd_);
    fd_ = -1;
    fail(*this, "it is not a regular file",
         "Give the path of a .safetensors file");
  }
  size_ = static_cast<uint64_t>(st.st_size);
}

FileSource::~FileSource() {
  if (fd_ >= 0)
    ::close(fd_);
}

void FileSource::read(uint64_t offset, void *dst, size_t n) const {
  auto *out = static_cast<char *>(dst);
  while (n > 0) {
    ssize_t got = ::pread(fd_, out, n, static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0)
      fail(*this,
           absl::StrCat("reading ", n, " bytes at offset ", offset,
                        " failed: ", std::strerror(errno)),
           "Check the disk and the file");
    if (got == 0)
      fail(*this,
           absl::StrCat("it ended at byte ", offset,
                        " while being read (it was ", size_,
                        " bytes when opened)"),
           "Another process truncated the file; restore when it is complete");
    out += got;
    offset += static_cast<uint64_t>(got);
    n -= static_cast<size_t>(got);
  }
}

void MemorySource::read(uint64_t offset, void *dst, size_t n) const {
  if (offset > bytes_.size() || n > bytes_.size() - offset)
    fail(*this,
         absl::StrCat("reading ", n, " bytes at offset ", offset,
                      " is out of range"),
         kDamaged);
  std::memcpy(dst, bytes_.data() + offset, n);
}

Layout parseLayout(const ByteSource &source) {
  uint64_t size = source.size();
  if (size < 8)
    fail(source,
         absl::StrCat("it is ", size,
                      " bytes long, shorter than the 8-byte header length that "
                      "starts every "
                      "safetensors file"),
         kDamaged);
  unsigned char lengthBytes[8];
  source.read(0, lengthBytes, 8);
  uint64_t headerLength = 0;
  for (int i = 7; i >= 0; --i)
    headerLength = headerLength << 8 | lengthBytes[i];
  if (headerLength > size - 8)
    fail(source,
         absl::StrCat("its header length field says ", headerLength,
                      " bytes, but only ", size - 8, " bytes follow it"),
         absl::StrCat(kDamaged, " (or this is not a safetensors file)"));
  if (headerLength > kCheckpointMaxHeaderBytes)
    fail(source,
         absl::StrCat("its JSON header is ", headerLength,
                      " bytes, more than the ", kCheckpointMaxHeaderBytes,
                      " a safetensors header may have"),
         "Split the model's states into several checkpoints");
  if (headerLength < 2)
    fail(source,
         absl::StrCat("its JSON header is ", headerLength,
                      " bytes, too short for {}"),
         kDamaged);

  std::string text(headerLength, '\0');
  source.read(8, text.data(), text.size());
  if (text[0] != '{')
    fail(source, "its header does not start with '{'",
         absl::StrCat(kDamaged, " (or this is not a safetensors file)"));
  json header;
  try {
    header = json::parse(text.begin(), text.end(), HeaderLimits());
  } catch (const json::exception &e) {
    fail(source, absl::StrCat("its header is not valid JSON: ", e.what()),
         kDamaged);
  } catch (const LimitExceeded &e) {
    fail(source, e.what, kDamaged);
  }
  if (!header.is_object())
    fail(source, "its header is not a JSON object", kDamaged);

  Layout layout;
  layout.dataStart = 8 + headerLength;
  uint64_t dataSize = size - layout.dataStart;
  for (const auto &[key, value] : header.items()) {
    if (key != "__metadata__") {
      layout.entries.push_back(parseEntry(source, key, value));
      continue;
    }
    if (!value.is_object())
      fail(source, "its __metadata__ is not a JSON object",
           "safetensors metadata maps strings to strings");
    for (const auto &[mkey, mvalue] : value.items()) {
      if (!mvalue.is_string())
        fail(source,
             absl::StrCat("its __metadata__ entry ", quote(mkey), " is a JSON ",
                          mvalue.type_name(), ", not a string"),
             "safetensors metadata maps strings to strings");
      layout.metadata.emplace(mkey, mvalue.get<std::string>());
    }
  }
  header = json(); // Free the parsed header before the data is read.

  for (const Entry &e : layout.entries)
    if (e.end > dataSize)
      fail(source,
           absl::StrCat("entry ", quote(e.key), " has data_offsets [", e.begin,
                        ", ", e.end, "] but the data section holds only ",
                        dataSize, " bytes"),
           kDamaged);

  // The entries must tile [0, dataSize) exactly.
  std::vector<const Entry *> byOffset;
  byOffset.reserve(layout.entries.size());
  for (const Entry &e : layout.entries)
    byOffset.push_back(&e);
  std::sort(
      byOffset.begin(), byOffset.end(), [](const Entry *a, const Entry *b) {
        return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
      });
  uint64_t covered = 0;
  const Entry *previous = nullptr;
  for (const Entry *e : byOffset) {
    if (e->begin < covered)
      fail(source,
           absl::StrCat("entries ", quote(previous->key), " (bytes ",
                        previous->begin, " to ", previous->end, ") and ",
                        quote(e->key), " (bytes ", e->begin, " to ", e->end,
                        ") overlap"),
           kDamaged);
    if (e->begin > covered)
      fail(
          source,
          absl::StrCat("bytes ", covered, " to ", e->begin,
                       " of the data section belong to no entry (before entry ",
                       quote(e->key), ")"),
          kDamaged);
    covered = e->end;
    previous = e;
  }
  if (covered != dataSize)
    fail(source,
         absl::StrCat("its data section has ", dataSize,
                      " bytes but the entries cover ", covered),
         kDamaged);

  std::sort(layout.entries.begin(), layout.entries.end(),
            [](const Entry &a, const Entry &b) { return a.key < b.key; });
  return layout;
}

Array readEntry(const ByteSource &source, const Layout &layout,
                const Entry &entry) {
  // The size was checked against the file, so this allocates at most the file's
  // size.
  Array array(entry.shape, entry.dtype);
  if (array.nbytes() == 0)
    return array;
  source.read(layout.dataStart + entry.begin, array.mutableRawData(),
              array.nbytes());
  if (entry.dtype == DType::boolean) {
    const auto *bytes = static_cast<const unsigned char *>(array.rawData());
    for (size_t i = 0; i < array.nbytes(); ++i)
      if (bytes[i] > 1)
        fail(source,
             absl::StrCat("entry ", quote(entry.key), " is BOOL but element ",
                          i, " holds the byte ", static_cast<int>(bytes[i]),
                          " (BOOL elements are 0 or 1)"),
             kDamaged);
  }
  return array;
}

CheckpointContents readContents(const ByteSource &source) {
  Layout layout = parseLayout(source);
  CheckpointContents out;
  out.metadata = layout.metadata;
  for (const Entry &e : layout.entries)
    out.tensors.emplace(e.key, readEntry(source, layout, e));
  return out;
}

} // namespace bst::detail::checkpoint
