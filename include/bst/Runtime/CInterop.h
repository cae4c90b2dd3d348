//===- bst/Runtime/CInterop.h - For C API functions of other layers -*- C++
//-*-===//
//
// The C API of bst-c/bst.h is implemented in the Runtime layer, except for
// functions that need a layer below it (bst_engine_load needs the compiler).
// Those use these helpers to create C handles and report errors the same way.
//
//===----------------------------------------------------------------------===//
#ifndef BST_RUNTIME_CINTEROP_H
#define BST_RUNTIME_CINTEROP_H

#include "bst-c/bst.h"
#include "bst/Runtime/Runtime.h"

#include <functional>

namespace bst::runtime {

/// A new C handle (one reference) for `module`.
bst_module *toC(Module module);

/// Runs `fn`; converts a bst::Error (or any exception) into its status and this
/// thread's last error message. Returns BST_OK if `fn` returns normally.
bst_status catchForC(const std::function<void()> &fn);

} // namespace bst::runtime

#endif // BST_RUNTIME_CINTEROP_H
