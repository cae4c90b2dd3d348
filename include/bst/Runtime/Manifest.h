//===- bst/Runtime/Manifest.h - What a compiled step function expects -*- C++
//-*-===//
//
// The manifest describes the calling convention of a compiled step function:
// its name and, in slot order, every buffer the entry point
// `bst_entry_<name>(void **slots)` takes (arguments, states, captured
// constants, results) with its path, role, state kind, dtype and shape.
// `bst::jit(f).lower(args)` writes it, `bstc` embeds it in the artifacts it
// builds and the runtime checks host buffers against it. The format is JSON:
//
//   {"format_version": 1, "function": "lif",
//    "slots": [{"index": 0, "role": "argument", "name": "arg0", "dtype": "f32",
//               "shape": [4000], "read": true, "written": false}, ...],
//    "target": {"triple": "x86_64-pc-linux-gnu", "cpu": "znver3", "features":
//    ["avx2", ...]}}
//
// "kind" appears on state slots; "target" only in manifests bstc embedded in
// machine code.
//
//===----------------------------------------------------------------------===//
#ifndef BST_RUNTIME_MANIFEST_H
#define BST_RUNTIME_MANIFEST_H

#include "bst/Support/AbstractArray.h"
#include "bst/Support/Error.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bst::runtime {

/// The manifest format this runtime reads and bstc writes; bumped on
/// incompatible changes.
inline constexpr int kManifestFormatVersion = 1;

/// The alignment in bytes of every buffer bound to a slot: compiled code
/// assumes it.
inline constexpr size_t kBufferAlignment = 64;

/// What a slot holds.
enum class SlotRole {
  Argument, ///< A leaf of a call argument (read only).
  State,    ///< A leaf of a state: read, written in place, or both.
  Capture,  ///< An array the function closed over. In an exported module its
           ///< values are embedded in the code: nothing needs to be bound.
  Result, ///< A leaf of the function's result (written).
};

/// "argument", "state", "capture" or "result".
const char *roleName(SlotRole role);

/// One buffer of the calling convention.
struct SlotInfo {
  size_t index = 0;
  SlotRole role = SlotRole::Argument;
  /// The slot's path: "arg0", "lif.v", "result", ...
  std::string name;
  /// The state kind ("HiddenState", ...) for state slots; empty otherwise.
  std::string kind;
  AbstractArray type;
  bool read = false;
  bool written = false;

  /// Bytes of the dense row-major buffer.
  size_t nbytes() const;
  /// True if the host must bind a buffer to this slot (every role but Capture).
  bool needsBinding() const { return role != SlotRole::Capture; }
};

/// The CPU an AOT artifact was compiled for.
struct TargetInfo {
  std::string triple;
  std::string cpu;
  /// The target features enabled in the code ("avx2", "fma", ...).
  std::vector<std::string> features;
};

/// One bst::errorIf compiled into the function: the message (with `{}` placeholders) and the
/// dtypes of its values. The function records the first check that fires in a call in three state
/// slots, "bst.errors.code" (i32[], 0 or the check's index + 1), "bst.errors.f64" (f64[8]) and
/// "bst.errors.i64" (i64[8]); the runtime binds them itself, and a call in which a check fires
/// throws bst::CheckError with every state buffer as it was before the call.
using CheckInfo = CheckSite;

/// The slot names of the errorIf state.
inline constexpr const char *kCheckSlotNames[3] = {"bst.errors.code", "bst.errors.f64",
                                                   "bst.errors.i64"};

/// A parsed, validated manifest. A plain value: copy it freely.
struct Manifest {
  int formatVersion = kManifestFormatVersion;
  /// The function's name: a C identifier; the entry point is
  /// `bst_entry_<function>`.
  std::string function;
  std::vector<SlotInfo> slots;
  /// Set in manifests embedded by bstc.
  std::optional<TargetInfo> target;
  /// The errorIf checks, in the order their codes number them (empty: none). When present, the
  /// three bst.errors slots are too.
  std::vector<CheckInfo> checks;

  /// Parses and validates `json`. Throws bst::Error: code Incompatible for
  /// another format version, Load for anything malformed (the message names the
  /// offending field, e.g. "slots[2].dtype").
  static Manifest parse(std::string_view json);

  /// The manifest as compact JSON (parse(toJson()) gives back an equal
  /// manifest).
  std::string toJson() const;

  /// The slot named `path`, or null. Throws bst::Error (InvalidArgument) if
  /// several slots have that name.
  const SlotInfo *find(std::string_view path) const;

  /// "lif(arg0: f32[4000], lif.v: f32[4000] (state, read, written), ...)", for
  /// messages.
  std::string describe() const;
};

/// True if `name` is a C identifier (`[A-Za-z_][A-Za-z0-9_]*`).
bool isCIdentifier(std::string_view name);

} // namespace bst::runtime

#endif // BST_RUNTIME_MANIFEST_H
