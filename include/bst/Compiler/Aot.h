//===- bst/Compiler/Aot.h - Exported modules and ahead-of-time compilation -*-
//C++ -*-===//
//
// An exported module is the tensor-level MLIR of a step function (Compiler.h's
// lowerToMlir) with its manifest as the module attribute `bst.manifest` and the
// values of captured arrays embedded as constants: one self-contained `.mlir`
// file. `bstc` compiles it ahead of time into an object, a shared or static
// library, LLVM IR, assembly or a C header; bst::Engine compiles it in-process.
// Nothing here exposes MLIR or LLVM types.
//
//===----------------------------------------------------------------------===//
#ifndef BST_COMPILER_AOT_H
#define BST_COMPILER_AOT_H

#include "bst/Compiler/Compiler.h"
#include "bst/Runtime/Manifest.h"
#include "bst/Support/Array.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace bst::compiler {

/// The module attribute holding the manifest JSON in an exported module.
inline constexpr const char *kManifestAttribute = "bst.manifest";

/// The value of a capture slot, embedded by exportModule.
struct CaptureValue {
  size_t slot = 0;
  Array value;
};

/// Turns a tensor-level module (from lowerToMlir) into an exported module:
/// checks `manifestJson` against the function's signature, replaces each
/// capture argument's uses by a constant of its value (the argument stays, so
/// slot indices are unchanged, but nothing needs binding), and attaches the
/// manifest. Throws bst::Error if the manifest and module disagree or a
/// capture's value is missing or mistyped.
std::string exportModule(std::string_view mlirText,
                         std::string_view manifestJson,
                         const std::vector<CaptureValue> &captures);

/// Parses an exported module and returns its validated manifest. Throws
/// bst::Error (code Load) with `bufferName:line:col: error: ...` diagnostics.
runtime::Manifest readExportedManifest(std::string_view text,
                                       std::string_view bufferName);

/// An exported module JIT-compiled in this process.
struct CompiledExport {
  std::unique_ptr<Executable> executable;
  runtime::Manifest manifest;
};

/// Parses, validates and JIT-compiles an exported module for the host CPU.
/// Throws bst::Error (Load for a malformed file or manifest, Compile for
/// compiler failures) with `bufferName:line:col:` diagnostics.
CompiledExport compileExported(std::string_view text,
                               std::string_view bufferName,
                               const CompileOptions &options = {});

/// What bstc produces.
enum class EmitKind {
  Object,   ///< a relocatable object file (ELF .o)
  Shared,   ///< a shared library, linked by the system C compiler driver
  Static,   ///< a static library (ar archive) holding the object
  Llvm,     ///< optimised LLVM IR (text)
  Asm,      ///< assembly
  Mlir,     ///< the module after bst's pipeline (LLVM dialect)
  Header,   ///< the C header: entry prototype, slots, manifest constants
  Manifest, ///< the manifest JSON, as embedded in the object
};

/// "obj", "shared", "static", "llvm", "asm", "mlir", "header" or "manifest".
const char *emitKindName(EmitKind kind);

/// How bstc compiles.
struct AotOptions {
  /// LLVM optimisation level, 0 to 3.
  int optLevel = 3;
  /// "native" (the host CPU and its features), "generic" (the architecture's
  /// baseline), "x86-64-v3", or any CPU name LLVM knows for the host
  /// architecture.
  std::string targetCpu = "native";
  /// The C compiler driver that links shared libraries; empty: $CC, else cc,
  /// gcc or clang.
  std::string cc;
};

/// One compiled artifact in memory (everything but Shared, which needs a
/// linker).
struct AotArtifact {
  std::string bytes;
  /// The manifest embedded in the code (with the target it was compiled for).
  runtime::Manifest manifest;
};

/// Compiles exported module text to `kind` (not Shared). Throws bst::Error
/// whose message is the diagnostics (`bufferName:line:col: error: ...`).
AotArtifact compileAot(std::string_view text, std::string_view bufferName,
                       EmitKind kind, const AotOptions &options);

/// Compiles exported module text to `outputPath`; for Shared, links a shared
/// library with the C compiler driver. Outputs are written atomically (nothing
/// is left behind on failure). Returns the embedded manifest.
runtime::Manifest compileAotToFile(std::string_view text,
                                   std::string_view bufferName, EmitKind kind,
                                   const std::string &outputPath,
                                   const AotOptions &options);

/// The C header bstc writes for `manifest`; `sourceName` is mentioned in its
/// first line.
std::string generateHeader(const runtime::Manifest &manifest,
                           std::string_view sourceName);

/// The main function of tools/bstc; returns the process exit code (0, or 1 on
/// any error).
int bstcMain(int argc, char **argv);

} // namespace bst::compiler

#endif // BST_COMPILER_AOT_H
