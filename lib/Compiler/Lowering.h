//===- Lowering.h - Program to MLIR (private to the Compiler layer) -------===//
#ifndef BST_LIB_COMPILER_LOWERING_H
#define BST_LIB_COMPILER_LOWERING_H

#include "bst/Trace/Program.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/OwningOpRef.h"
#include "mlir/Pass/PassManager.h"

namespace bst::compiler::detail {

/// Registers every dialect, interface and translation bst's modules and pipeline use.
void registerDialects(mlir::DialectRegistry &registry);

/// The tensor-level module of `program` with one function `name` (see Compiler.h). With
/// `hostCallbacks`, Progress ops call `bst_progress`, which the in-process JIT provides;
/// without, they are dropped (exported modules).
mlir::OwningOpRef<mlir::ModuleOp> buildModule(mlir::MLIRContext &ctx, const Program &program,
                                              llvm::StringRef name, bool hostCallbacks);

/// bst's CPU pipeline: elementwise fusion, empty-tensor elimination, one-shot bufferization over
/// function boundaries (state slots updated in place), lowering to loops and to the LLVM dialect
/// with the bare-pointer calling convention, and the `bst_entry_<name>` wrappers that take an
/// array of slot pointers.
void buildBstCpuPipeline(mlir::OpPassManager &pm);

/// Registers `--bst-cpu-pipeline` and the passes it uses with MLIR's pass registry (bst-opt).
void registerBstPasses();

} // namespace bst::compiler::detail

#endif // BST_LIB_COMPILER_LOWERING_H
