//===- Runtime.cpp - Loading AOT libraries, binding buffers, calling
//-------===//
#include "bst/Runtime/Runtime.h"
#include "bst/Support/Error.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include <dlfcn.h>

#include <cstdint>
#include <cstring>
#include <mutex>
#include <utility>

namespace bst::runtime {

struct Module::Impl {
  Manifest manifest;
  std::string manifestJson;
  EntryFunction entry = nullptr;
  std::shared_ptr<const void> owner;
  std::string source;
};

namespace {

[[noreturn]] void loadError(const std::string &source,
                            const std::string &what) {
  throw Error(ErrorCode::Load,
              absl::StrCat("cannot load '", source, "': ", what));
}

/// Parses `json` as the manifest of `source`, prefixing errors with the source.
Manifest parseManifest(const std::string &source, const char *json) {
  try {
    return Manifest::parse(json);
  } catch (const Error &e) {
    throw Error(e.code(),
                absl::StrCat("cannot load '", source, "': ", e.what()));
  }
}

void checkCompatible(const std::string &source, const Manifest &m,
                     int formatVersion) {
  if (formatVersion != kManifestFormatVersion)
    throw Error(ErrorCode::Incompatible,
                absl::StrCat("cannot load '", source,
                             "': it was built for manifest format ",
                             formatVersion, ", this runtime reads format ",
                             kManifestFormatVersion,
                             ". Rebuild it with a matching bstc"));
  if (!m.target)
    return;
  std::vector<std::string> missing = missingCpuFeatures(*m.target);
  if (!missing.empty())
    throw Error(ErrorCode::Incompatible,
                absl::StrCat(
                    "cannot load '", source, "': it was compiled for CPU '",
                    m.target->cpu, "' and needs ", absl::StrJoin(missing, ", "),
                    ", which this CPU lacks. Rebuild it with bstc "
                    "--target-cpu=generic (or the CPU you deploy on)"));
}

/// The dlerror() text, or `fallback`.
std::string dlError(const char *fallback) {
  const char *e = dlerror();
  return e ? e : fallback;
}

} // namespace

Module Module::load(const std::string &path) {
  // dlerror() is process-global state: serialise our dl* sequences.
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  dlerror();
  // A path, never a name to look up in the library search path.
  std::string file = path.find('/') == std::string::npos ? "./" + path : path;
  void *handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    loadError(path, dlError("dlopen failed"));
  std::shared_ptr<void> owner(handle, [](void *h) { dlclose(h); });
  auto symbol = [&](const std::string &name) -> void * {
    dlerror();
    void *p = dlsym(handle, name.c_str());
    return dlerror() ? nullptr : p;
  };
  auto *name = static_cast<const char *>(symbol("bst_library_function"));
  if (!name)
    loadError(path, "it is not a bst library (it has no symbol "
                    "bst_library_function); build "
                    "it with bstc --emit=shared");
  std::string function(name, strnlen(name, 256));
  if (!isCIdentifier(function))
    loadError(path, "its bst_library_function is not a C identifier");
  auto *version =
      static_cast<const int32_t *>(symbol("bst_format_version_" + function));
  auto *json = static_cast<const char *>(symbol("bst_manifest_" + function));
  auto entry = reinterpret_cast<EntryFunction>(symbol("bst_entry_" + function));
  if (!version || !json || !entry)
    loadError(path, absl::StrCat("it lacks bst_format_version_", function,
                                 ", bst_manifest_", function, " or bst_entry_",
                                 function));
  if (*version != kManifestFormatVersion)
    checkCompatible(path, Manifest{}, *version);
  Manifest manifest = parseManifest(path, json);
  if (manifest.function != function)
    loadError(path, absl::StrCat("its manifest describes function '",
                                 manifest.function,
                                 "' but the library exports '", function, "'"));
  checkCompatible(path, manifest, *version);
  return fromEntry(std::move(manifest), entry, std::move(owner), path);
}

Module Module::fromStatic(const char *manifestJson, int formatVersion,
                          EntryFunction entry) {
  const std::string source = "<static>";
  if (!manifestJson || !entry)
    throw Error(ErrorCode::InvalidArgument,
                "Module::fromStatic needs the manifest and the entry point");
  if (formatVersion != kManifestFormatVersion)
    checkCompatible(source, Manifest{}, formatVersion);
  Manifest manifest = parseManifest(source, manifestJson);
  checkCompatible(source, manifest, formatVersion);
  return fromEntry(std::move(manifest), entry, nullptr, source);
}

Module Module::fromEntry(Manifest manifest, EntryFunction entry,
                         std::shared_ptr<const void> owner,
                         std::string source) {
  if (!entry)
    throw Error(ErrorCode::InvalidArgument,
                "a bst module needs an entry point");
  auto impl = std::make_shared<Impl>();
  impl->manifestJson = manifest.toJson();
  impl->manifest = std::move(manifest);
  impl->entry = entry;
  impl->owner = std::move(owner);
  impl->source = std::move(source);
  return Module(std::move(impl));
}

const Manifest &Module::manifest() const { return impl_->manifest; }
const std::string &Module::manifestJson() const { return impl_->manifestJson; }
EntryFunction Module::entry() const { return impl_->entry; }
const std::string &Module::source() const { return impl_->source; }

//===----------------------------------------------------------------------===//
// Bindings
//===----------------------------------------------------------------------===//

Bindings::Bindings(Module module)
    : module_(std::move(module)), entry_(module_.entry()) {
  const std::vector<SlotInfo> &slots = module_.manifest().slots;
  slots_.assign(slots.size(), nullptr);
  bound_.assign(slots.size(), 0);
  for (const SlotInfo &s : slots) {
    bound_[s.index] = !s.needsBinding();
    unbound_ += s.needsBinding();
  }
  const Manifest &m = module_.manifest();
  if (m.checks.empty())
    return;
  for (int k = 0; k < 3; ++k) {
    const SlotInfo &s = *m.find(kCheckSlotNames[k]); // Manifest::parse checked it is there
    checkBuffers_.emplace_back(s.type.shape, s.type.dtype);
    checkSlots_[k] = s.index;
    slots_[s.index] = checkBuffers_.back().mutableRawData();
    bound_[s.index] = 1;
    --unbound_;
  }
  for (const SlotInfo &s : slots)
    if (s.role == SlotRole::State && s.written && !isCheckSlot(s.index))
      snapshots_.push_back({s.index, Array(s.type.shape, s.type.dtype)});
}

bool Bindings::isCheckSlot(size_t index) const {
  return !checkBuffers_.empty() && (index == checkSlots_[0] || index == checkSlots_[1] ||
                                    index == checkSlots_[2]);
}

const SlotInfo &Bindings::slotAt(size_t index) const {
  const Manifest &m = module_.manifest();
  if (index >= m.slots.size())
    throw Error(ErrorCode::InvalidArgument,
                absl::StrCat("'", m.function, "' has ", m.slots.size(),
                             " slots; there is no slot ", index));
  return m.slots[index];
}

const SlotInfo &Bindings::slotNamed(std::string_view path) const {
  const Manifest &m = module_.manifest();
  if (const SlotInfo *s = m.find(path))
    return *s;
  std::vector<std::string> names;
  for (const SlotInfo &s : m.slots)
    if (s.needsBinding())
      names.push_back(s.name);
  throw Error(ErrorCode::InvalidArgument,
              absl::StrCat("'", m.function, "' has no slot named '",
                           std::string(path),
                           "'; its slots are: ", absl::StrJoin(names, ", ")));
}

void Bindings::bindChecked(const SlotInfo &slot, void *data, bool readOnly,
                           DType dtype, const Shape &shape) {
  const std::string &fn = module_.manifest().function;
  auto fail = [&](const std::string &what) {
    throw Error(ErrorCode::InvalidArgument,
                absl::StrCat("cannot bind slot ", slot.index, " '", slot.name,
                             "' of '", fn, "': ", what));
  };
  if (!slot.needsBinding())
    fail("it is a capture, whose values are embedded in the compiled code; "
         "bind nothing");
  if (isCheckSlot(slot.index))
    fail("it holds the function's errorIf state, which the runtime binds "
         "itself; bind nothing");
  AbstractArray given{shape, dtype};
  if (given != slot.type)
    fail(absl::StrCat("it is ", slot.type.toString(), ", the buffer is ",
                      given.toString()));
  if (readOnly && slot.written)
    fail("the function writes this slot, but the buffer is read-only (const)");
  if (!data && slot.nbytes() != 0)
    fail("the buffer is null");
  if (reinterpret_cast<uintptr_t>(data) % kBufferAlignment != 0)
    fail(absl::StrCat("the buffer is not ", kBufferAlignment,
                      "-byte aligned (allocate it with bst_aligned_alloc or "
                      "aligned_alloc(64, ...))"));
  if (!bound_[slot.index]) {
    bound_[slot.index] = 1;
    --unbound_;
  }
  slots_[slot.index] = data;
  checked_ = false;
}

void Bindings::bind(std::string_view path, void *data, DType dtype,
                    const Shape &shape) {
  bindChecked(slotNamed(path), data, false, dtype, shape);
}
void Bindings::bind(std::string_view path, const void *data, DType dtype,
                    const Shape &shape) {
  bindChecked(slotNamed(path), const_cast<void *>(data), true, dtype, shape);
}
void Bindings::bind(size_t index, void *data, DType dtype, const Shape &shape) {
  bindChecked(slotAt(index), data, false, dtype, shape);
}
void Bindings::bind(size_t index, const void *data, DType dtype,
                    const Shape &shape) {
  bindChecked(slotAt(index), const_cast<void *>(data), true, dtype, shape);
}

bool Bindings::isBound(size_t index) const {
  return index < bound_.size() && bound_[index];
}

void Bindings::checkBeforeCall() {
  const Manifest &m = module_.manifest();
  if (unbound_) {
    std::vector<std::string> names;
    for (const SlotInfo &s : m.slots)
      if (!bound_[s.index])
        names.push_back(absl::StrCat("'", s.name, "'"));
    throw Error(ErrorCode::InvalidArgument,
                absl::StrCat("cannot call '", m.function, "': ", unbound_,
                             unbound_ == 1 ? " slot is" : " slots are",
                             " not bound: ", absl::StrJoin(names, ", ")));
  }
  // A written buffer must not overlap any other (the code assumes noalias).
  for (const SlotInfo &w : m.slots) {
    if (!w.written || w.nbytes() == 0)
      continue;
    auto wBegin = reinterpret_cast<uintptr_t>(slots_[w.index]);
    for (const SlotInfo &o : m.slots) {
      if (o.index == w.index || !o.needsBinding() || o.nbytes() == 0)
        continue;
      auto oBegin = reinterpret_cast<uintptr_t>(slots_[o.index]);
      if (wBegin < oBegin + o.nbytes() && oBegin < wBegin + w.nbytes())
        throw Error(
            ErrorCode::InvalidArgument,
            absl::StrCat("cannot call '", m.function, "': the buffer of slot '",
                         w.name,
                         "', which the function writes, overlaps the buffer "
                         "of slot '",
                         o.name, "'; bind distinct buffers"));
    }
  }
  checked_ = true;
}

void Bindings::call() {
  if (!checked_) [[unlikely]]
    checkBeforeCall();
  if (checkBuffers_.empty()) {
    entry_(slots_.data());
    return;
  }
  *static_cast<int32_t *>(slots_[checkSlots_[0]]) = 0;
  for (Snapshot &s : snapshots_)
    if (s.copy.nbytes())
      std::memcpy(s.copy.mutableRawData(), slots_[s.slot], s.copy.nbytes());
  entry_(slots_.data());
  int32_t code = *static_cast<const int32_t *>(slots_[checkSlots_[0]]);
  if (code == 0)
    return;
  for (Snapshot &s : snapshots_)
    if (s.copy.nbytes())
      std::memcpy(slots_[s.slot], s.copy.rawData(), s.copy.nbytes());
  const std::vector<CheckInfo> &checks = module_.manifest().checks;
  if (code < 0 || static_cast<size_t>(code) > checks.size())
    throw Error(ErrorCode::Internal,
                absl::StrCat("'", module_.manifest().function, "' reported errorIf code ", code,
                             " but has ", checks.size(), " checks"));
  throw CheckError(formatCheck(checks[static_cast<size_t>(code - 1)],
                               static_cast<const double *>(slots_[checkSlots_[1]]),
                               static_cast<const int64_t *>(slots_[checkSlots_[2]])));
}

//===----------------------------------------------------------------------===//
// CPU features
//===----------------------------------------------------------------------===//

std::vector<std::string> missingCpuFeatures(const TargetInfo &target) {
  std::vector<std::string> missing;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  // __builtin_cpu_supports takes a string literal: one entry per feature it
  // knows.
#define BST_FEATURE(name)                                                      \
  { name, __builtin_cpu_supports(name) != 0 }
  static const std::pair<const char *, bool> known[] = {
      BST_FEATURE("sse3"),     BST_FEATURE("ssse3"),
      BST_FEATURE("sse4.1"),   BST_FEATURE("sse4.2"),
      BST_FEATURE("popcnt"),   BST_FEATURE("avx"),
      BST_FEATURE("avx2"),     BST_FEATURE("fma"),
      BST_FEATURE("bmi"),      BST_FEATURE("bmi2"),
      BST_FEATURE("avx512f"),  BST_FEATURE("avx512vl"),
      BST_FEATURE("avx512bw"), BST_FEATURE("avx512dq"),
      BST_FEATURE("avx512cd"), BST_FEATURE("avx512vnni"),
  };
#undef BST_FEATURE
  for (const std::string &f : target.features)
    for (const auto &[name, present] : known)
      if (f == name && !present)
        missing.push_back(f);
#endif
  return missing;
}

} // namespace bst::runtime
