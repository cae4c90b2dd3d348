//===- Checkpoint.cpp - bst::save and bst::restore ------------------------===//
#include "bst/Checkpoint/Checkpoint.h"
#include "SafeTensors.h"

#include "bst/State/TraceContext.h"

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <functional>
#include <sys/stat.h>
#include <unistd.h>

namespace bst {

using nlohmann::json;

namespace {

constexpr const char *kVersionKey = "bst.format_version";
constexpr const char *kKindPrefix = "bst.kind.";

/// The safetensors name of `dtype`.
const char *safetensorsName(DType dtype) {
  switch (dtype) {
  case DType::f32:
    return "F32";
  case DType::f64:
    return "F64";
  case DType::i32:
    return "I32";
  case DType::i64:
    return "I64";
  case DType::boolean:
    return "BOOL";
  }
  return "?";
}

/// A state to save or restore: its path, and one key per leaf in flatten order.
struct Target {
  std::string path;
  State state;
  std::vector<std::string> keys;
};

/// The leaf paths of a tree of structure `def`, in flatten order.
std::vector<std::string> leafPaths(const TreeDef &def) {
  // Unflattening default (shared, never allocated) leaves gives a tree to walk.
  Tree shape = def.unflatten(std::vector<Tensor>(def.numLeaves()));
  std::vector<std::string> paths;
  shape.forEachLeaf(
      [&](const std::string &p, const Tensor &) { paths.push_back(p); });
  return paths;
}

/// The targets of `states`, checking that keys are usable and unique.
/// `fail(problem, fix)` throws.
template <class Fail>
std::vector<Target> targetsOf(const StateMap &states, Fail fail) {
  std::vector<Target> targets;
  absl::flat_hash_map<std::string, std::string> keyOwner; // key -> state path
  absl::flat_hash_map<State, std::string> seen;
  for (const auto &[path, state] : states) {
    if (path.empty())
      fail(absl::StrCat(state.describe(), " has an empty path"),
           "Give every state of the StateMap a non-empty path");
    auto [it, fresh] = seen.try_emplace(state, path);
    if (!fresh)
      fail(absl::StrCat(state.describe(), " appears twice, at '", it->second,
                        "' and '", path, "'"),
           "Put each state in the StateMap once (Module::states() lists a "
           "shared state once)");
    Target t{path, state, {}};
    for (const std::string &leaf : leafPaths(state.signature().def())) {
      std::string key = checkpointKey(path, leaf);
      if (key == "__metadata__")
        fail(absl::StrCat("the state at '", path,
                          "' would be stored under the key '", key,
                          "', which safetensors reserves"),
             "Rename the state");
      auto [owner, unique] = keyOwner.try_emplace(key, path);
      if (!unique)
        fail(absl::StrCat("the states at '", owner->second, "' and '", path,
                          "' would both be stored under the key '", key, "'"),
             "Rename one of them (a dict key containing '.' or '[' can collide "
             "with a path)");
      t.keys.push_back(std::move(key));
    }
    targets.push_back(std::move(t));
  }
  return targets;
}

/// "HiddenState 'l1.v'" when the state is named after its path, else "the
/// HiddenState at 'l1.v'" or "HiddenState 'v' at 'l1.v'".
std::string describeAt(const std::string &path, const State &state) {
  if (state.name() == path)
    return state.describe();
  if (state.name().empty())
    return absl::StrCat("the ", state.kind().name(), " at '", path, "'");
  return absl::StrCat(state.describe(), " at '", path, "'");
}

/// True if `state` may be written from this thread now.
bool writable(const State &state) {
  return state.traceFrame() == kEagerFrame ||
         isTraceFrameActive(state.traceFrame());
}

//===----------------------------------------------------------------------===//
// Atomic writes
//===----------------------------------------------------------------------===//

/// A temporary file next to the destination, renamed over it by commit() and
/// removed by the destructor otherwise.
class AtomicFile {
public:
  using FailFn = std::function<void(const std::string &, const std::string &)>;

  AtomicFile(const std::filesystem::path &target, FailFn fail)
      : target_(target), fail_(std::move(fail)) {
    std::filesystem::path dir = target.parent_path();
    dir_ = dir.empty() ? std::filesystem::path(".") : dir;
    static std::atomic<uint64_t> counter{0};
    for (int attempt = 0; fd_ < 0; ++attempt) {
      temp_ = dir_ / absl::StrCat(".", target.filename().string(), ".tmp-",
                                  ::getpid(), "-", counter.fetch_add(1));
      // 0666 less the umask, like any new file.
      fd_ =
          ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
      if (fd_ < 0 && (errno != EEXIST || attempt > 100))
        fail_(absl::StrCat("cannot create a temporary file in '", dir_.string(),
                           "': ", std::strerror(errno)),
              "Check that the directory exists and is writable");
    }
    // Replacing a file keeps its permissions.
    struct stat st;
    if (::stat(target_.c_str(), &st) == 0 && S_ISREG(st.st_mode))
      ::fchmod(fd_, st.st_mode & 07777);
  }

  ~AtomicFile() {
    if (fd_ >= 0)
      ::close(fd_);
    if (!committed_)
      ::unlink(temp_.c_str());
  }

  AtomicFile(const AtomicFile &) = delete;
  AtomicFile &operator=(const AtomicFile &) = delete;

  void write(const void *data, size_t n) {
    const char *p = static_cast<const char *>(data);
    while (n > 0) {
      ssize_t put = ::write(fd_, p, n);
      if (put < 0 && errno == EINTR)
        continue;
      if (put <= 0)
        fail_(absl::StrCat(
                  "writing the temporary file '", temp_.string(),
                  "' failed: ", put < 0 ? std::strerror(errno) : "no progress"),
              "Free disk space (or raise the file size limit) and save again");
      p += put;
      n -= static_cast<size_t>(put);
    }
  }

  /// fsync, close, rename over the target, fsync the directory.
  void commit() {
    if (::fsync(fd_) != 0)
      fail_(absl::StrCat("fsync of '", temp_.string(),
                         "' failed: ", std::strerror(errno)),
            "Check the disk and save again");
    int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0)
      fail_(absl::StrCat("closing '", temp_.string(),
                         "' failed: ", std::strerror(errno)),
            "Check the disk and save again");
    if (::rename(temp_.c_str(), target_.c_str()) != 0)
      fail_(absl::StrCat("renaming the temporary file over it failed: ",
                         std::strerror(errno)),
            "Check that the path names a file (not a directory) in a writable "
            "directory");
    committed_ = true;
    // Make the rename durable. Some file systems cannot fsync a directory
    // (EINVAL): then the rename is as durable as they make it.
    int dirFd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirFd < 0)
      return;
    int rc = ::fsync(dirFd);
    int err = errno;
    ::close(dirFd);
    if (rc != 0 && err != EINVAL && err != EROFS)
      fail_(absl::StrCat("the file was written, but fsync of its directory '",
                         dir_.string(), "' failed: ", std::strerror(err)),
            "The new checkpoint may not survive a power loss; check the disk "
            "and save again");
  }

private:
  std::filesystem::path target_, dir_, temp_;
  FailFn fail_;
  int fd_ = -1;
  bool committed_ = false;
};

} // namespace

std::string checkpointKey(const std::string &statePath,
                          const std::string &leafPath) {
  if (leafPath.empty())
    return statePath;
  if (leafPath.front() == '[')
    return statePath + leafPath;
  return absl::StrCat(statePath, ".", leafPath);
}

//===----------------------------------------------------------------------===//
// save
//===----------------------------------------------------------------------===//

void save(const std::filesystem::path &path, const StateMap &states,
          const SaveOptions &options) {
  auto fail = [&](const std::string &problem, const std::string &fix) {
    throw CheckpointError(absl::StrCat(
        "cannot save checkpoint '", path.string(), "': ", problem, ". ", fix));
  };
  if (currentTraceFrame() != kEagerFrame)
    fail("bst::save was called inside a traced function, where states hold "
         "traced values",
         "Save outside the jitted or transformed function");
  if (path.filename().empty())
    fail("the path names no file",
         "Give a file name, e.g. 'model.safetensors'");

  json metadata = json::object();
  metadata[kVersionKey] = std::to_string(kCheckpointFormatVersion);
  for (const auto &[key, value] : options.metadata) {
    if (key.empty() || key.rfind("bst.", 0) == 0)
      fail(absl::StrCat("the metadata key '", key, "' is ",
                        key.empty() ? "empty"
                                    : "reserved (it starts with 'bst.')"),
           "Choose another key for SaveOptions::metadata");
    metadata[key] = value;
  }

  struct Leaf {
    const std::string *key;
    Array array;
  };
  std::vector<Target> targets = targetsOf(states, fail);
  std::vector<Leaf> leaves;
  for (const Target &t : targets) {
    metadata[absl::StrCat(kKindPrefix, t.path)] = t.state.kind().name();
    Tree value = t.state.value();
    for (size_t i = 0; i < t.keys.size(); ++i) {
      const Tensor &leaf = value.leafAt(i);
      if (leaf.isTraced())
        fail(absl::StrCat(t.state.describe(), " holds a traced value"),
             "Save outside the jitted or transformed function");
      leaves.push_back({&t.keys[i], leaf.array()});
    }
  }

  // Widest elements first: with the header padded to 8 bytes, every tensor is
  // then aligned to its element size in the file (safetensors' own writer does
  // the same).
  std::stable_sort(leaves.begin(), leaves.end(),
                   [](const Leaf &a, const Leaf &b) {
                     return sizeOf(a.array.dtype()) > sizeOf(b.array.dtype());
                   });
  json header = json::object();
  uint64_t offset = 0;
  for (const Leaf &leaf : leaves) {
    uint64_t end = offset + leaf.array.nbytes();
    header[*leaf.key] = {{"dtype", safetensorsName(leaf.array.dtype())},
                         {"shape", leaf.array.shape().toVector()},
                         {"data_offsets", {offset, end}}};
    offset = end;
  }
  header["__metadata__"] = std::move(metadata);
  std::string text;
  try {
    text = header.dump(-1, ' ', false, json::error_handler_t::strict);
  } catch (const json::exception &e) {
    fail(absl::StrCat(
             "a state path, tree key or metadata entry is not valid UTF-8 (",
             e.what(), ")"),
         "Use UTF-8 names");
  }
  text.append((8 - (8 + text.size()) % 8) % 8,
              ' '); // Pad: the data starts 8-byte aligned.
  if (text.size() > kCheckpointMaxHeaderBytes)
    fail(absl::StrCat("the header would be ", text.size(),
                      " bytes, more than the ", kCheckpointMaxHeaderBytes,
                      " safetensors allows"),
         "Save the states in several checkpoints");

  AtomicFile file(path, fail);
  unsigned char length[8];
  for (int i = 0; i < 8; ++i)
    length[i] = static_cast<unsigned char>(static_cast<uint64_t>(text.size()) >>
                                           (8 * i));
  file.write(length, sizeof length);
  file.write(text.data(), text.size());
  for (const Leaf &leaf : leaves)
    file.write(leaf.array.rawData(), leaf.array.nbytes());
  file.commit();
}

void save(const std::filesystem::path &path, const Module &module,
          const SaveOptions &options) {
  save(path, module.states(), options);
}

//===----------------------------------------------------------------------===//
// restore
//===----------------------------------------------------------------------===//

namespace detail::checkpoint {

RestoreResult restoreFrom(const ByteSource &source, const StateMap &states,
                          const RestoreOptions &options) {
  auto fail = [&](const std::string &problem, const std::string &fix) {
    throw CheckpointError(absl::StrCat("cannot restore checkpoint '",
                                       source.name(), "': ", problem, ". ",
                                       fix));
  };
  if (currentTraceFrame() != kEagerFrame)
    fail("bst::restore was called inside a traced function",
         "Restore outside the jitted or transformed function");
  std::vector<Target> targets = targetsOf(states, fail);
  Layout layout = parseLayout(source);

  if (auto v = layout.metadata.find(kVersionKey); v != layout.metadata.end()) {
    int version = 0;
    if (!absl::SimpleAtoi(v->second, &version) || version < 1)
      fail(absl::StrCat("its metadata '", kVersionKey, "' is '", v->second,
                        "', not a format version"),
           "The file is damaged or was not written by bst");
    if (version > kCheckpointFormatVersion)
      fail(absl::StrCat("it has format version ", version,
                        ", newer than the version ", kCheckpointFormatVersion,
                        " this bst reads"),
           "Restore it with the newer bst that wrote it");
  }

  absl::flat_hash_map<std::string_view, size_t> index;
  for (size_t i = 0; i < layout.entries.size(); ++i)
    index.emplace(layout.entries[i].key, i);
  std::vector<bool> used(layout.entries.size(), false);
  RestoreResult result;
  std::vector<const Target *> restoring;
  for (const Target &t : targets) {
    std::vector<const Entry *> found;
    std::string firstMissing;
    for (const std::string &key : t.keys) {
      auto it = index.find(key);
      if (it == index.end()) {
        if (firstMissing.empty())
          firstMissing = key;
        continue;
      }
      found.push_back(&layout.entries[it->second]);
    }
    std::string what = describeAt(t.path, t.state);
    if (found.empty()) {
      if (options.allowMissing) {
        result.missing.push_back(t.path);
        continue;
      }
      fail(absl::StrCat("it has no entry '", firstMissing, "' for ", what, " (",
                        t.state.signature().toString(), ")"),
           "Restore into a model of the structure that was saved, or pass "
           "RestoreOptions{.allowMissing = true} to keep the values of states "
           "the file lacks");
    }
    if (!firstMissing.empty())
      fail(absl::StrCat("it has entries for some leaves of ", what,
                        " but not '", firstMissing, "'"),
           "A state is restored whole: the file is damaged or comes from a "
           "model whose state "
           "has another tree structure");
    const std::vector<AbstractArray> &expected = t.state.signature().leaves();
    for (size_t i = 0; i < found.size(); ++i) {
      AbstractArray got{found[i]->shape, found[i]->dtype};
      if (got != expected[i])
        fail(absl::StrCat("entry '", t.keys[i], "' is ", got.toString(),
                          " but ", what, " is frozen as ",
                          t.state.signature().toString(),
                          t.keys.size() == 1 &&
                                  t.state.signature().def().numLeaves() == 1 &&
                                  t.keys[i] == t.path
                              ? ""
                              : absl::StrCat(", with ", expected[i].toString(),
                                             " there")),
             "The checkpoint comes from a model with other shapes or dtypes: "
             "restore into a "
             "model built like the one saved");
    }
    if (auto kind = layout.metadata.find(absl::StrCat(kKindPrefix, t.path));
        options.checkKinds && kind != layout.metadata.end() &&
        kind->second != t.state.kind().name())
      fail(absl::StrCat("it records the state at '", t.path, "' as a ",
                        kind->second, " but ", what, " is a ",
                        t.state.kind().name()),
           "Restore into the model that was saved, or pass "
           "RestoreOptions{.checkKinds = false}");
    if (!writable(t.state))
      fail(absl::StrCat(what, " belongs to trace frame ", t.state.traceFrame(),
                        ", which is not active on this thread"),
           "Restore states created outside of any trace");
    for (size_t i = 0; i < found.size(); ++i)
      used[static_cast<size_t>(found[i] - layout.entries.data())] = true;
    restoring.push_back(&t);
  }
  std::vector<std::string> extra;
  for (size_t i = 0; i < layout.entries.size(); ++i)
    if (!used[i])
      extra.push_back(layout.entries[i].key);
  if (!extra.empty() && !options.allowExtra) {
    std::vector<std::string> shown(
        extra.begin(), extra.begin() + std::min<size_t>(extra.size(), 5));
    fail(absl::StrCat("it has ", extra.size(), " entr",
                      extra.size() == 1 ? "y" : "ies",
                      extra.size() == 1 ? " that matches" : " that match",
                      " no state: '", absl::StrJoin(shown, "', '"), "'",
                      extra.size() > shown.size() ? ", ..." : ""),
         "Restore into a model of the structure that was saved, or pass "
         "RestoreOptions{.allowExtra = true} to ignore them");
  }
  if (options.allowExtra)
    result.ignored = std::move(extra);

  // Read every value before writing any state. Each entry's size was checked
  // against the file.
  std::vector<Tree> values;
  values.reserve(restoring.size());
  for (const Target *t : restoring) {
    std::vector<Tensor> leaves;
    for (const std::string &key : t->keys)
      leaves.push_back(
          readEntry(source, layout, layout.entries[index.at(key)]));
    values.push_back(t->state.signature().def().unflatten(std::move(leaves)));
  }

  // All or nothing: remember the old values (without running read hooks) and
  // put them back if a restore hook throws.
  std::vector<Tree> old;
  old.reserve(restoring.size());
  for (const Target *t : restoring)
    old.push_back(StateAccess::stored(t->state));
  size_t done = 0;
  try {
    for (; done < restoring.size(); ++done) {
      State s = restoring[done]->state;
      s.restore(std::move(values[done]));
    }
  } catch (...) {
    for (size_t j = done; j-- > 0;) {
      State s = restoring[j]->state;
      try {
        s.restore(old[j]);
      } catch (...) {
        // A hook refused the roll-back too: put the value back without hooks.
        StateAccess::stored(s) = old[j];
      }
    }
    throw;
  }
  for (const Target *t : restoring)
    result.restored.push_back(t->path);
  return result;
}

} // namespace detail::checkpoint

RestoreResult restore(const std::filesystem::path &path, const StateMap &states,
                      const RestoreOptions &options) {
  detail::checkpoint::FileSource source(path.string());
  return detail::checkpoint::restoreFrom(source, states, options);
}

RestoreResult restore(const std::filesystem::path &path, const Module &module,
                      const RestoreOptions &options) {
  return restore(path, module.states(), options);
}

CheckpointContents readCheckpoint(const std::filesystem::path &path) {
  detail::checkpoint::FileSource source(path.string());
  return detail::checkpoint::readContents(source);
}

} // namespace bst
