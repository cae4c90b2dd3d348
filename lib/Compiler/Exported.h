//===- Exported.h - Reading exported modules (private to the Compiler layer)
//-===//
#ifndef BST_LIB_COMPILER_EXPORTED_H
#define BST_LIB_COMPILER_EXPORTED_H

#include "bst/Runtime/Manifest.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"

#include "llvm/Support/SourceMgr.h"

#include <optional>
#include <string_view>

namespace bst::compiler::detail {

/// Parses exported module text for bstc and bst::Engine, refusing what MLIR's
/// parser should not see (bytecode, nesting deep enough to exhaust the stack)
/// and then checking the module: a `bst.manifest` attribute holding a valid
/// manifest, and a function of the manifest's name whose arguments are
/// statically shaped tensors matching the manifest's slots. Every error is
/// reported as a diagnostic located in `bufferName`; returns null (and no
/// manifest) on failure.
mlir::OwningOpRef<mlir::ModuleOp>
parseExported(mlir::MLIRContext &ctx, llvm::SourceMgr &sourceMgr,
              std::string_view text, std::string_view bufferName,
              std::optional<runtime::Manifest> &manifest);

} // namespace bst::compiler::detail

#endif // BST_LIB_COMPILER_EXPORTED_H
