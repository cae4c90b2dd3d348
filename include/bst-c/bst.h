/*===- bst-c/bst.h - bst's C API ---------------------------------*- C -*-===*
 *
 * Run bst step functions from C (or any language with a C FFI): load a
 * shared library built by `bstc`, bind the host's buffers to its slots by
 * path or index (each checked against the manifest's dtype and shape), call.
 *
 *   bst_module *lif;
 *   if (bst_module_load("./liblif.so", &lif) != BST_OK) {
 *     fprintf(stderr, "%s\n", bst_last_error_message());
 *     return 1;
 *   }
 *   bst_bindings *call;
 *   bst_bindings_create(lif, &call);
 *   int64_t n = 4000;
 *   bst_bind(call, "lif.v", v, BST_F32, &n, 1);   ... every slot
 *   for (int k = 0; k < steps; ++k)
 *     bst_call(call);
 *   bst_bindings_release(call);
 *   bst_module_release(lif);
 *
 * Linking: the runtime functions are in bst::runtime (libbstRuntime, no
 * LLVM). bst_engine_load, which JIT-compiles an exported .mlir in-process,
 * is in bst::bst (it links LLVM and MLIR).
 *
 * Errors: every function that can fail returns a bst_status; on failure the
 * message is available from bst_last_error_message() on the same thread.
 * Handles are opaque and reference counted; a bindings object keeps its
 * module alive. Nothing in this header is C++.
 *
 *===----------------------------------------------------------------------===*/
#ifndef BST_C_BST_H
#define BST_C_BST_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The manifest format version this runtime reads (bst_format_version_<f>
 *  of an artifact must equal it). */
#define BST_MANIFEST_FORMAT_VERSION 1
/** The alignment in bytes every bound buffer needs. */
#define BST_BUFFER_ALIGNMENT 64

/** Result of a call; the values are stable across releases. */
typedef enum bst_status {
  BST_OK = 0,
  /** A null pointer, an unknown slot, a wrong dtype, shape or alignment, an
   *  unbound slot, overlapping written buffers. */
  BST_ERROR_INVALID_ARGUMENT = 1,
  /** A buffer could not be allocated. */
  BST_ERROR_OUT_OF_MEMORY = 5,
  /** A bug in bst; please report it. */
  BST_ERROR_INTERNAL = 6,
  /** The compiler rejected a module (bst_engine_load), with its diagnostics. */
  BST_ERROR_COMPILE = 7,
  /** A file that is missing, not a bst artifact, or has a malformed manifest.
   */
  BST_ERROR_LOAD = 9,
  /** An artifact built for another manifest format version or another CPU. */
  BST_ERROR_INCOMPATIBLE = 10,
  /** An errorIf check in the compiled function fired (bst_call): every state
   *  buffer holds its value from before the call; bst_last_error_message gives the
   *  message. */
  BST_ERROR_CHECK = 11
} bst_status;

/** Element types; bool is one byte holding 0 or 1. */
typedef enum bst_dtype {
  BST_F32 = 0,
  BST_F64 = 1,
  BST_I32 = 2,
  BST_I64 = 3,
  BST_BOOL = 4
} bst_dtype;

/** What a slot holds. Capture slots need no buffer: their values are
 *  embedded in the compiled code. */
typedef enum bst_slot_role {
  BST_ROLE_ARGUMENT = 0,
  BST_ROLE_STATE = 1,
  BST_ROLE_CAPTURE = 2,
  BST_ROLE_RESULT = 3
} bst_slot_role;

/** A loaded compiled step function (opaque, reference counted). */
typedef struct bst_module bst_module;
/** The buffers bound to a module's slots (opaque). Not thread-safe: use one
 *  per thread. */
typedef struct bst_bindings bst_bindings;
/** The entry point of every compiled step function: slots[i] points to the
 *  buffer of slot i. */
typedef void (*bst_entry_fn)(void **slots);

/** One slot of a module's manifest. The pointers stay valid while the
 *  module lives. */
typedef struct bst_slot_info {
  size_t index;
  bst_slot_role role;
  const char *name; /**< path: "arg0", "lif.v", "result", ... */
  const char *kind; /**< state kind ("HiddenState"), "" for other roles */
  bst_dtype dtype;
  size_t rank;
  const int64_t *shape; /**< rank extents */
  int64_t num_elements;
  size_t nbytes;
  int read;    /**< nonzero if the function reads the slot */
  int written; /**< nonzero if the function writes the slot */
} bst_slot_info;

/** The message of the last failed call on this thread ("" if none). Valid
 *  until the next failing call on this thread. */
const char *bst_last_error_message(void);
/** A stable lower-case name for `status`, e.g. "invalid-argument". */
const char *bst_status_name(bst_status status);

/** Loads a shared library built by `bstc --emit=shared` and checks its
 *  manifest (format version, CPU features). On success *out holds a new
 *  reference. */
bst_status bst_module_load(const char *library_path, bst_module **out);
/** A module for an AOT object or static library linked into the program:
 *  pass its bst_manifest_<f>, bst_format_version_<f> and bst_entry_<f>
 *  symbols (declared in the header bstc generates). Checked as
 *  bst_module_load checks. */
bst_status bst_module_from_static(const char *manifest_json,
                                  int32_t format_version, bst_entry_fn entry,
                                  bst_module **out);
/** JIT-compiles an exported .mlir file (written by Lowered::save) in-process
 *  at LLVM optimisation level `opt_level` (0-3). Implemented in bst::bst,
 *  not bst::runtime. */
bst_status bst_engine_load(const char *mlir_path, int opt_level,
                           bst_module **out);
/** Adds a reference to `module`. */
void bst_module_retain(bst_module *module);
/** Drops a reference; the code is unloaded with the last one. Null is a
 *  no-op. */
void bst_module_release(bst_module *module);

/** The function's name (the entry point is bst_entry_<name>). */
const char *bst_module_function(const bst_module *module);
/** The manifest as JSON. */
const char *bst_module_manifest_json(const bst_module *module);
/** Where the code came from: a library path, "<static>", a .mlir path. */
const char *bst_module_source(const bst_module *module);
/** Number of slots of the calling convention. */
size_t bst_module_slot_count(const bst_module *module);
/** Fills *out with slot `index`. */
bst_status bst_module_slot_info(const bst_module *module, size_t index,
                                bst_slot_info *out);
/** The index of the slot named `path`. BST_ERROR_INVALID_ARGUMENT if there is
 *  none (or several). */
bst_status bst_module_find_slot(const bst_module *module, const char *path,
                                size_t *index);
/** The raw entry point, for hosts that manage the slot array themselves (no
 *  checks at all). */
bst_entry_fn bst_module_entry(const bst_module *module);

/** New, empty bindings for `module` (which they keep alive). */
bst_status bst_bindings_create(bst_module *module, bst_bindings **out);
/** Frees `bindings`; null is a no-op. */
void bst_bindings_release(bst_bindings *bindings);
/** Binds `data` to the slot named `path`: the slot must exist and have
 *  `dtype` and the `rank` extents in `shape`; `data` must be 64-byte aligned
 *  (null only for an empty buffer) and stay valid while bound. On failure the
 *  previous binding stays. */
bst_status bst_bind(bst_bindings *bindings, const char *path, void *data,
                    bst_dtype dtype, const int64_t *shape, size_t rank);
/** The same by slot index. */
bst_status bst_bind_index(bst_bindings *bindings, size_t index, void *data,
                          bst_dtype dtype, const int64_t *shape, size_t rank);
/** Calls the function once, updating written slots in place. Fails if a slot
 *  is unbound or a written buffer overlaps another, and with BST_ERROR_CHECK
 *  (no state changed) if an errorIf check fired. */
bst_status bst_call(bst_bindings *bindings);

/** A zero-filled buffer of `nbytes` aligned to BST_BUFFER_ALIGNMENT, or null
 *  if out of memory. Free it with bst_aligned_free. */
void *bst_aligned_alloc(size_t nbytes);
void bst_aligned_free(void *buffer);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* BST_C_BST_H */
