//===- bst/Runtime/Runtime.h - Loading and calling compiled step functions -*-
//C++ -*-===//
//
// The runtime runs compiled step functions without LLVM: it loads a shared
// library built by `bstc` (or takes the entry point of a statically linked one,
// or of a function bst::Engine JIT-compiled), checks its manifest, binds the
// host's buffers to its slots by path or index, checking each against the
// manifest's dtype and shape, and calls it.
//
//   bst::runtime::Module lif = bst::runtime::Module::load("./liblif.so");
//   bst::runtime::Bindings call(lif);
//   call.bind("lif.v", v, bst::f32, {4000});   // ... every slot the manifest
//   lists for (int k = 0; k < steps; ++k)
//     call.call();                             // updates v in place
//
// The C API in bst-c/bst.h wraps this header one to one.
//
//===----------------------------------------------------------------------===//
#ifndef BST_RUNTIME_RUNTIME_H
#define BST_RUNTIME_RUNTIME_H

#include "bst/Runtime/Manifest.h"
#include "bst/Support/Array.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace bst::runtime {

/// The entry point of every compiled step function: slots[i] is the data
/// pointer of slot i.
using EntryFunction = void (*)(void **slots);

/// A loaded compiled step function: its manifest and entry point, and whatever
/// keeps the code alive (a dlopen handle, a JIT engine).
///
/// Ownership: a shared handle; copies refer to the same loaded code, which is
/// unloaded with the last copy (and the last Bindings using it). Thread safety:
/// immutable, safe to share.
class Module {
public:
  /// Loads the shared library at `path` (a file path: "lif.so" is "./lif.so",
  /// the library search path is not used) built by `bstc --emit=shared`. Checks
  /// that it is a bst library, that its manifest format version is this
  /// runtime's and that this CPU has the features it was compiled for. Throws
  /// bst::Error: Load (missing file, not a bst library, malformed manifest) or
  /// Incompatible (format version, CPU features).
  static Module load(const std::string &path);

  /// A module for an AOT object or static library linked into the host:
  /// `manifestJson` and `formatVersion` are its `bst_manifest_<name>` and
  /// `bst_format_version_<name>` symbols, `entry` its `bst_entry_<name>`.
  /// Checks them as load() does.
  static Module fromStatic(const char *manifestJson, int formatVersion,
                           EntryFunction entry);

  /// A module for code compiled some other way (bst::Engine): `owner` keeps
  /// `entry` valid. The manifest is trusted as given.
  static Module fromEntry(Manifest manifest, EntryFunction entry,
                          std::shared_ptr<const void> owner,
                          std::string source);

  const Manifest &manifest() const;
  /// The manifest as JSON.
  const std::string &manifestJson() const;
  /// Calls the function with `slots` directly, without any check (see
  /// Bindings).
  EntryFunction entry() const;
  /// Where the code came from: the library's path, "<static>", or the .mlir
  /// file.
  const std::string &source() const;

private:
  struct Impl;
  explicit Module(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

/// The buffers bound to a module's slots, for calling it.
///
/// The host owns every buffer: it must stay valid, 64-byte aligned, dense
/// row-major and of the slot's dtype and shape while bound. A written slot must
/// not overlap any other slot (checked on the next call). Capture slots need no
/// buffer: their values are embedded in the code.
///
/// Thread safety: one Bindings object must not be used from two threads at
/// once; different Bindings of one module may call concurrently when their
/// written buffers are distinct.
class Bindings {
public:
  explicit Bindings(Module module);
  // Slot pointers refer to buffers this object owns (the errorIf state): movable, not copyable.
  Bindings(Bindings &&) = default;
  Bindings &operator=(Bindings &&) = default;
  Bindings(const Bindings &) = delete;
  Bindings &operator=(const Bindings &) = delete;

  /// Binds `data` to the slot named `path`, after checking that the slot exists
  /// and that `dtype` and `shape` are the slot's and `data` is 64-byte aligned
  /// (null only for an empty buffer). Throws bst::Error (InvalidArgument)
  /// naming the slot, the expected and the given type; the previous binding
  /// stays.
  void bind(std::string_view path, void *data, DType dtype, const Shape &shape);
  /// Binds a read-only buffer; throws if the slot is written.
  void bind(std::string_view path, const void *data, DType dtype,
            const Shape &shape);
  /// The same by slot index.
  void bind(size_t index, void *data, DType dtype, const Shape &shape);
  void bind(size_t index, const void *data, DType dtype, const Shape &shape);

  /// Calls the function once. Throws bst::Error (InvalidArgument) if a slot is
  /// unbound or a written slot overlaps another (checked when bindings changed
  /// since the last call). For a function with errorIf checks (manifest
  /// `checks`), the runtime binds the bst.errors slots itself and copies the
  /// written state buffers before each call; if a check fires, it copies them
  /// back and throws bst::CheckError with the check's message: the call changes
  /// no state.
  void call();

  bool isBound(size_t index) const;
  const Module &module() const { return module_; }

private:
  void bindChecked(const SlotInfo &slot, void *data, bool readOnly, DType dtype,
                   const Shape &shape);
  const SlotInfo &slotAt(size_t index) const;
  const SlotInfo &slotNamed(std::string_view path) const;
  void checkBeforeCall();
  bool isCheckSlot(size_t index) const;

  Module module_;
  EntryFunction entry_;
  std::vector<void *> slots_;
  std::vector<char> bound_;
  size_t unbound_ = 0;
  bool checked_ = false;
  // errorIf: the bst.errors slots' buffers (owned) and a copy per written state slot.
  std::vector<Array> checkBuffers_;
  size_t checkSlots_[3] = {0, 0, 0};
  struct Snapshot {
    size_t slot;
    Array copy;
  };
  std::vector<Snapshot> snapshots_;
};

/// The CPU features (LLVM names, e.g. "avx2") an artifact needs that this CPU
/// lacks; only the features the runtime can query are checked (x86-64: SSE3 to
/// AVX-512).
std::vector<std::string> missingCpuFeatures(const TargetInfo &target);

} // namespace bst::runtime

#endif // BST_RUNTIME_RUNTIME_H
