//===- BstcFuzzer.cpp - libFuzzer target for bstc's input path ------------===//
//
// Feeds arbitrary bytes to what bstc does with an exported `.mlir` file before
// LLVM: bst::compiler::compileAot with EmitKind::Mlir runs the checks that
// refuse binary input, bytecode and deep nesting, MLIR's parser, the manifest
// (bst.manifest) and its agreement with the function's signature, the
// verifier, then bst's whole MLIR pipeline down to the LLVM dialect, and prints
// the result. A module that gets through also gets its C header generated
// (what bstc writes by default). LLVM translation, optimisation, code emission
// and linking are left out: they take tens of milliseconds per input, and
// their input is the pipeline's output rather than the file.
//
// Any crash, sanitizer report, leak, out-of-memory or exception other than
// bst::Error is a bug; so is a bst::Error whose code is not Load (the file is
// not a valid exported module) or Compile (the pipeline rejected it), or whose
// message is empty: bstc would print nothing useful.
//
//===----------------------------------------------------------------------===//
#include "bst/Compiler/Aot.h"
#include "bst/Support/Error.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace bst::compiler;
  std::string_view text(reinterpret_cast<const char *>(data), size);
  AotOptions options;
  // The architecture's baseline: the same every run, and no host queries.
  options.targetCpu = "generic";
  AotArtifact artifact;
  try {
    artifact = compileAot(text, "fuzz.mlir", EmitKind::Mlir, options);
  } catch (const bst::Error &e) {
    bool expected =
        e.code() == bst::ErrorCode::Load || e.code() == bst::ErrorCode::Compile;
    if (!expected || std::string_view(e.what()).empty()) {
      std::fprintf(stderr, "compileAot threw code %s with message '%s'\n",
                   bst::errorCodeName(e.code()), e.what());
      std::abort();
    }
    return 0;
  }
  if (artifact.bytes.empty() || artifact.manifest.function.empty()) {
    std::fprintf(stderr, "compileAot succeeded without a module or a name\n");
    std::abort();
  }
  (void)generateHeader(artifact.manifest, "fuzz.mlir");
  return 0;
}
