//===- Codegen.h - Shared by the JIT and bstc (private to the Compiler layer)
//-===//
//
// What the in-process JIT (Engine.cpp) and ahead-of-time compilation (Aot.cpp)
// share: the dialect registry, diagnostics collected as text, bst's pipeline
// run on a module, target machines and the LLVM optimisation pipeline.
//
//===----------------------------------------------------------------------===//
#ifndef BST_LIB_COMPILER_CODEGEN_H
#define BST_LIB_COMPILER_CODEGEN_H

#include "bst/Compiler/Compiler.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace llvm {
class Module;
class TargetMachine;
} // namespace llvm

namespace bst::compiler::detail {

/// The registry of every dialect, interface and translation bst uses (built
/// once).
const mlir::DialectRegistry &dialectRegistry();

/// Collects diagnostics as text while alive, so failures become bst::Error
/// messages. With a SourceMgr, messages carry `file:line:col:` locations.
class DiagnosticCollector {
public:
  explicit DiagnosticCollector(mlir::MLIRContext &ctx,
                               llvm::SourceMgr *sourceMgr = nullptr);
  std::string text() { return os_.str(); }

private:
  std::string text_;
  llvm::raw_string_ostream os_;
  std::optional<mlir::ScopedDiagnosticHandler> handler_;
  std::optional<mlir::SourceMgrDiagnosticHandler> sourceHandler_;
};

/// Throws bst::Error (code Compile): "bst compiler: <stage>
/// failed:\n<diagnostics>".
[[noreturn]] void fail(const std::string &stage,
                       const std::string &diagnostics);

/// Parses `text` (named `bufferName` in diagnostics) into `ctx`; null on
/// failure, with the diagnostics reported to the context's handler.
mlir::OwningOpRef<mlir::ModuleOp> parseModule(mlir::MLIRContext &ctx,
                                              llvm::SourceMgr &sourceMgr,
                                              std::string_view text,
                                              std::string_view bufferName);

/// Verifies `module` and runs bst's CPU pipeline on it; throws bst::Error on
/// failure. With `dump`, prints the module before and after to stderr.
void runPipeline(mlir::MLIRContext &ctx, mlir::ModuleOp module,
                 DiagnosticCollector &diags, bool dump);

/// Runs LLVM's O0-O3 pipeline (vectorisers on from O2) for `tm` on `m`. Prints
/// the result when BST_DUMP_LLVM=1. (Built here rather than with
/// mlir::makeOptimizingTransformer, which was seen leaving modules unoptimised
/// in processes that registered MLIR passes; DESIGN.md section 6.)
llvm::Error optimizeModule(llvm::Module &m, llvm::TargetMachine &tm, int level);

/// Registers the native target with LLVM once per process.
void initializeNativeTarget();

/// The target machine of the host CPU, for the JIT; throws bst::Error on
/// failure.
std::unique_ptr<llvm::TargetMachine> hostTargetMachine(int level);

} // namespace bst::compiler::detail

namespace bst::compiler {

/// Pipeline, LLVM and JIT for a tensor-level module (Engine.cpp).
struct ExecutableBuilder {
  static std::unique_ptr<Executable>
  finish(mlir::MLIRContext &ctx, mlir::ModuleOp module, const std::string &name,
         const CompileOptions &options, detail::DiagnosticCollector &diags,
         double lowerMs);
};

} // namespace bst::compiler

#endif // BST_LIB_COMPILER_CODEGEN_H
