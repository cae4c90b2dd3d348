//===- CApi.cpp - bst-c/bst.h over the C++ runtime
//-------------------------===//
#include "bst-c/bst.h"
#include "bst/Runtime/CInterop.h"
#include "bst/Support/Error.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>
#include <optional>
#include <string>
#include <vector>

using namespace bst;
using namespace bst::runtime;

struct bst_module {
  Module module;
  std::atomic<int> references{1};
  std::vector<bst_slot_info> infos;
};

struct bst_bindings {
  bst_module *module;
  Bindings bindings;
};

static_assert(BST_ERROR_INVALID_ARGUMENT == int(ErrorCode::InvalidArgument));
static_assert(BST_ERROR_OUT_OF_MEMORY == int(ErrorCode::OutOfMemory));
static_assert(BST_ERROR_INTERNAL == int(ErrorCode::Internal));
static_assert(BST_ERROR_COMPILE == int(ErrorCode::Compile));
static_assert(BST_ERROR_LOAD == int(ErrorCode::Load));
static_assert(BST_ERROR_INCOMPATIBLE == int(ErrorCode::Incompatible));
static_assert(BST_ERROR_CHECK == int(ErrorCode::Check));
static_assert(BST_F32 == int(DType::f32) && BST_F64 == int(DType::f64) &&
              BST_I32 == int(DType::i32) && BST_I64 == int(DType::i64) &&
              BST_BOOL == int(DType::boolean));
static_assert(BST_ROLE_ARGUMENT == int(SlotRole::Argument) &&
              BST_ROLE_STATE == int(SlotRole::State) &&
              BST_ROLE_CAPTURE == int(SlotRole::Capture) &&
              BST_ROLE_RESULT == int(SlotRole::Result));
static_assert(BST_MANIFEST_FORMAT_VERSION == kManifestFormatVersion);
static_assert(BST_BUFFER_ALIGNMENT == kBufferAlignment);

namespace {

thread_local std::string lastError;

bst_status fail(bst_status status, std::string message) {
  lastError = std::move(message);
  return status;
}

bst_status fromError(const Error &e) {
  switch (e.code()) {
  case ErrorCode::OutOfMemory:
  case ErrorCode::Internal:
  case ErrorCode::Compile:
  case ErrorCode::Load:
  case ErrorCode::Incompatible:
  case ErrorCode::Check:
    return fail(static_cast<bst_status>(e.code()), e.what());
  default:
    return fail(BST_ERROR_INVALID_ARGUMENT, e.what());
  }
}

/// Converts exceptions thrown by `fn` into statuses.
template <class Fn> bst_status guarded(Fn &&fn) {
  try {
    fn();
    return BST_OK;
  } catch (const Error &e) {
    return fromError(e);
  } catch (const std::bad_alloc &) {
    return fail(BST_ERROR_OUT_OF_MEMORY, "out of memory");
  } catch (const std::exception &e) {
    return fail(BST_ERROR_INTERNAL, e.what());
  }
}

bst_status nullArgument(const char *function, const char *argument) {
  return fail(BST_ERROR_INVALID_ARGUMENT,
              std::string(function) + ": " + argument + " is null");
}

std::optional<DType> dtypeFromC(bst_dtype d) {
  if (d < BST_F32 || d > BST_BOOL)
    return std::nullopt;
  return static_cast<DType>(d);
}

/// The Shape of a C (shape, rank) pair; throws for negative extents.
Shape shapeFromC(const int64_t *shape, size_t rank) {
  if (rank && !shape)
    throw Error(ErrorCode::InvalidArgument, "shape is null but rank is not 0");
  std::vector<int64_t> dims(shape, shape + rank);
  for (int64_t d : dims)
    if (d < 0)
      throw Error(ErrorCode::InvalidArgument,
                  "shape has a negative extent " + std::to_string(d));
  return Shape(dims);
}

bst_status bindC(bst_bindings *b, const char *path, const size_t *index,
                 void *data, bst_dtype dtype, const int64_t *shape,
                 size_t rank) {
  if (!b)
    return nullArgument("bst_bind", "bindings");
  if (!index && !path)
    return nullArgument("bst_bind", "path");
  std::optional<DType> d = dtypeFromC(dtype);
  if (!d)
    return fail(BST_ERROR_INVALID_ARGUMENT,
                "bst_bind: unknown dtype " + std::to_string(int(dtype)));
  return guarded([&] {
    Shape s = shapeFromC(shape, rank);
    if (index)
      b->bindings.bind(*index, data, *d, s);
    else
      b->bindings.bind(std::string_view(path), data, *d, s);
  });
}

} // namespace

bst_module *bst::runtime::toC(Module module) {
  auto *m = new bst_module{std::move(module), {1}, {}};
  for (const SlotInfo &s : m->module.manifest().slots) {
    bst_slot_info info{};
    info.index = s.index;
    info.role = static_cast<bst_slot_role>(s.role);
    info.name = s.name.c_str();
    info.kind = s.kind.c_str();
    info.dtype = static_cast<bst_dtype>(s.type.dtype);
    info.rank = s.type.shape.rank();
    info.shape = s.type.shape.begin();
    info.num_elements = s.type.shape.numElements();
    info.nbytes = s.nbytes();
    info.read = s.read;
    info.written = s.written;
    m->infos.push_back(info);
  }
  return m;
}

bst_status bst::runtime::catchForC(const std::function<void()> &fn) {
  return guarded(fn);
}

extern "C" {

const char *bst_last_error_message(void) { return lastError.c_str(); }

const char *bst_status_name(bst_status status) {
  if (status == BST_OK)
    return "ok";
  return errorCodeName(static_cast<ErrorCode>(status));
}

bst_status bst_module_load(const char *library_path, bst_module **out) {
  if (!library_path)
    return nullArgument("bst_module_load", "library_path");
  if (!out)
    return nullArgument("bst_module_load", "out");
  *out = nullptr;
  return guarded([&] { *out = toC(Module::load(library_path)); });
}

bst_status bst_module_from_static(const char *manifest_json,
                                  int32_t format_version, bst_entry_fn entry,
                                  bst_module **out) {
  if (!out)
    return nullArgument("bst_module_from_static", "out");
  *out = nullptr;
  if (!manifest_json)
    return nullArgument("bst_module_from_static", "manifest_json");
  if (!entry)
    return nullArgument("bst_module_from_static", "entry");
  return guarded([&] {
    *out = toC(Module::fromStatic(manifest_json, format_version, entry));
  });
}

void bst_module_retain(bst_module *module) {
  if (module)
    module->references.fetch_add(1, std::memory_order_relaxed);
}

void bst_module_release(bst_module *module) {
  if (module && module->references.fetch_sub(1, std::memory_order_acq_rel) == 1)
    delete module;
}

const char *bst_module_function(const bst_module *module) {
  return module ? module->module.manifest().function.c_str() : "";
}

const char *bst_module_manifest_json(const bst_module *module) {
  return module ? module->module.manifestJson().c_str() : "";
}

const char *bst_module_source(const bst_module *module) {
  return module ? module->module.source().c_str() : "";
}

size_t bst_module_slot_count(const bst_module *module) {
  return module ? module->infos.size() : 0;
}

bst_status bst_module_slot_info(const bst_module *module, size_t index,
                                bst_slot_info *out) {
  if (!module)
    return nullArgument("bst_module_slot_info", "module");
  if (!out)
    return nullArgument("bst_module_slot_info", "out");
  if (index >= module->infos.size())
    return fail(BST_ERROR_INVALID_ARGUMENT,
                "bst_module_slot_info: '" + module->module.manifest().function +
                    "' has " + std::to_string(module->infos.size()) +
                    " slots; there is no slot " + std::to_string(index));
  *out = module->infos[index];
  return BST_OK;
}

bst_status bst_module_find_slot(const bst_module *module, const char *path,
                                size_t *index) {
  if (!module)
    return nullArgument("bst_module_find_slot", "module");
  if (!path)
    return nullArgument("bst_module_find_slot", "path");
  if (!index)
    return nullArgument("bst_module_find_slot", "index");
  return guarded([&] {
    const Manifest &m = module->module.manifest();
    const SlotInfo *s = m.find(path);
    if (!s)
      throw Error(ErrorCode::InvalidArgument,
                  "'" + m.function + "' has no slot named '" + path + "'");
    *index = s->index;
  });
}

bst_entry_fn bst_module_entry(const bst_module *module) {
  return module ? module->module.entry() : nullptr;
}

bst_status bst_bindings_create(bst_module *module, bst_bindings **out) {
  if (!out)
    return nullArgument("bst_bindings_create", "out");
  *out = nullptr;
  if (!module)
    return nullArgument("bst_bindings_create", "module");
  return guarded([&] {
    auto *b = new bst_bindings{module, Bindings(module->module)};
    bst_module_retain(module);
    *out = b;
  });
}

void bst_bindings_release(bst_bindings *bindings) {
  if (!bindings)
    return;
  bst_module *module = bindings->module;
  delete bindings;
  bst_module_release(module);
}

bst_status bst_bind(bst_bindings *bindings, const char *path, void *data,
                    bst_dtype dtype, const int64_t *shape, size_t rank) {
  return bindC(bindings, path, nullptr, data, dtype, shape, rank);
}

bst_status bst_bind_index(bst_bindings *bindings, size_t index, void *data,
                          bst_dtype dtype, const int64_t *shape, size_t rank) {
  return bindC(bindings, nullptr, &index, data, dtype, shape, rank);
}

bst_status bst_call(bst_bindings *bindings) {
  if (!bindings) [[unlikely]]
    return nullArgument("bst_call", "bindings");
  try {
    bindings->bindings.call();
    return BST_OK;
  } catch (const Error &e) {
    return fromError(e);
  }
}

void *bst_aligned_alloc(size_t nbytes) {
  size_t rounded = (nbytes + BST_BUFFER_ALIGNMENT - 1) / BST_BUFFER_ALIGNMENT *
                   BST_BUFFER_ALIGNMENT;
  if (rounded < nbytes)
    return nullptr;
  void *p = std::aligned_alloc(BST_BUFFER_ALIGNMENT,
                               rounded ? rounded : BST_BUFFER_ALIGNMENT);
  if (p)
    std::memset(p, 0, rounded);
  return p;
}

void bst_aligned_free(void *buffer) { std::free(buffer); }

} // extern "C"
