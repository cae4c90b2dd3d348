//===- bst/Checkpoint/Checkpoint.h - Saving and restoring states -*- C++
//-*-===//
//
// Checkpoints in the safetensors format, so Python tools (safetensors, numpy)
// read them:
//
//   bst::save("net.safetensors", net);      // atomic: a crash never leaves a
//   half file
//   ...
//   bst::restore("net.safetensors", net);   // all states or none; restore
//   hooks run
//
// A file holds one entry per state leaf, keyed by the state's path plus the
// leaf's path inside the state's tree ("l1.v", "fc.w", "opt.moments[0]"), and
// bst's format version and each state's kind in the string-valued
// `__metadata__`. Restore checks the whole file against the states' frozen
// signatures before it writes any state. See docs/checkpoints.md.
//
//===----------------------------------------------------------------------===//
#ifndef BST_CHECKPOINT_CHECKPOINT_H
#define BST_CHECKPOINT_CHECKPOINT_H

#include "bst/Graph/Module.h"
#include "bst/Graph/StateMap.h"
#include "bst/Support/Array.h"
#include "bst/Support/Error.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace bst {

/// A checkpoint that could not be written, read, or matched to the states. The
/// message names the file, the entry and the fix. When restore throws it, no
/// state has changed; when save throws it, the file at the destination is as it
/// was before.
class CheckpointError : public Error {
public:
  explicit CheckpointError(const std::string &message)
      : Error(ErrorCode::Checkpoint, message) {}
};

/// The version of bst's checkpoint layout, stored as
/// `__metadata__["bst.format_version"]`. Bumped when the meaning of keys or
/// metadata changes incompatibly.
inline constexpr int kCheckpointFormatVersion = 1;

/// The largest JSON header bst reads or writes (as in the safetensors library):
/// 100 MB.
inline constexpr uint64_t kCheckpointMaxHeaderBytes = 100'000'000;

/// How bst::save writes.
struct SaveOptions {
  /// Extra string entries for `__metadata__` (e.g. {"step", "1000"}). Keys must
  /// not start with "bst." (bst's own) and must not be empty.
  std::map<std::string, std::string> metadata;
};

/// How bst::restore matches the file to the states.
struct RestoreOptions {
  /// States the file has no entry for keep their values (listed in
  /// RestoreResult::missing) instead of failing the restore. A tree-valued
  /// state is restored whole or not at all: a file holding some but not all of
  /// its leaves is always an error.
  bool allowMissing = false;
  /// Entries of the file that match no state are ignored (listed in
  /// RestoreResult::ignored) instead of failing the restore. They are still
  /// checked for format errors.
  bool allowExtra = false;
  /// Require each state's kind to equal the kind the file records for its path
  /// (when the file records one: files written by other tools do not).
  bool checkKinds = true;
};

/// What bst::restore did.
struct RestoreResult {
  /// Paths of the states restored, in the order of the StateMap.
  std::vector<std::string> restored;
  /// Paths of the states the file has no entry for (only with allowMissing).
  std::vector<std::string> missing;
  /// Keys of file entries that matched no state (only with allowExtra).
  std::vector<std::string> ignored;
};

/// A checkpoint read without states to restore into (see readCheckpoint).
struct CheckpointContents {
  /// `__metadata__`, bst's own entries ("bst.format_version",
  /// "bst.kind.<path>") included.
  std::map<std::string, std::string> metadata;
  /// Every tensor entry by key.
  std::map<std::string, Array> tensors;
};

/// Writes the current values of `states` to `path` in the safetensors format.
///
/// Keys are the state's path, followed for a tree-valued state by the leaf's
/// path in the tree
/// ("fc" with leaves w, b gives "fc.w", "fc.b"; a list gives "fc[0]", "fc[1]").
/// The write is atomic: the data goes to a temporary file in the same
/// directory, which is fsync'ed and then renamed over `path`, and the directory
/// is fsync'ed. On any failure the temporary file is removed, an existing file
/// at `path` is left as it was, and a CheckpointError names the cause. Reads
/// the states' values (read hooks run). Must be called outside of any traced
/// function. Throws CheckpointError if two entries would get the same key, a
/// path is empty or
/// "__metadata__", or a state appears twice in `states`.
/// Thread safety: the states must not be written by another thread during the
/// call.
void save(const std::filesystem::path &path, const StateMap &states,
          const SaveOptions &options = {});
/// Saves every state of `module` (module.states()), by first path.
void save(const std::filesystem::path &path, const Module &module,
          const SaveOptions &options = {});

/// Restores `states` from the checkpoint at `path`.
///
/// Validates everything first: the header length against the file size, the
/// JSON header, every entry's dtype, shape and data offsets (in range, not
/// overlapping, covering the data with no holes), each state's entries against
/// its frozen signature, that every state has its entries and every entry a
/// state (see RestoreOptions), and the recorded kinds. Memory allocated is
/// bounded by the file's real size, whatever its header claims. Only then does
/// it write each state with State::restore (which runs restore hooks and no
/// write hooks). All or nothing: if a restore hook throws, the states already
/// restored get their previous values back (through State::restore again, so
/// their hooks see the roll-back) and the hook's error propagates. Throws
/// CheckpointError (or the hook's error) and leaves every state unchanged on
/// failure. Must be called outside of any traced function.
RestoreResult restore(const std::filesystem::path &path, const StateMap &states,
                      const RestoreOptions &options = {});
/// Restores every state of `module` (module.states()), by first path.
RestoreResult restore(const std::filesystem::path &path, const Module &module,
                      const RestoreOptions &options = {});

/// Reads and validates a whole safetensors file without restoring it: its
/// metadata and every tensor as an Array. Accepts the dtypes bst has (F32, F64,
/// I32, I64, BOOL). Throws CheckpointError like restore for a malformed file.
CheckpointContents readCheckpoint(const std::filesystem::path &path);

/// The key of the leaf at `leafPath` (as Tree::forEachLeaf gives it: "" for a
/// leaf state, "w",
/// "[1]", "layer.b") of the state at `statePath`.
std::string checkpointKey(const std::string &statePath,
                          const std::string &leafPath);

} // namespace bst

#endif // BST_CHECKPOINT_CHECKPOINT_H
