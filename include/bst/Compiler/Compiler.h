//===- bst/Compiler/Compiler.h - Program to machine code --------------*- C++ -*-===//
//
// The Compiler layer lowers a Program to MLIR (func, arith, math, linalg, tensor, bufferization),
// runs bst's CPU pipeline (elementwise fusion, one-shot bufferization with state slots updated
// in place, lowering to the LLVM dialect), optimises the LLVM IR at O3 for the host CPU and JITs
// it. This header exposes no MLIR or LLVM type: everything MLIR stays inside lib/Compiler.
//
//===----------------------------------------------------------------------===//
#ifndef BST_COMPILER_COMPILER_H
#define BST_COMPILER_COMPILER_H

#include "bst/Trace/Program.h"

#include <memory>
#include <string>
#include <string_view>

namespace bst::compiler {

/// How to compile.
struct CompileOptions {
  /// LLVM optimisation level, 0 to 3.
  int optLevel = 3;
  /// Set by BST_DUMP_MLIR=1: print the module before and after the pipeline to stderr.
  bool dumpMlir = false;
};

/// The MLIR module (tensor level, before the pipeline) of `program` as function `name`. Each slot
/// is one function argument, annotated with its role, name and state kind; written slots are
/// `bufferization.writable`.
std::string lowerToMlir(const Program &program, const std::string &name);

/// Runs bst's CPU pipeline on MLIR text (as `bst-opt --bst-cpu-pipeline` does) and returns the
/// LLVM-dialect module text. Throws bst::Error with the MLIR diagnostics on failure.
std::string runCpuPipeline(std::string_view mlirText);

struct ExecutableBuilder;

/// A compiled function in memory.
///
/// Calling convention: `entry()(buffers)` where buffers[i] is the data pointer of slot i of the
/// Program (64-byte aligned, dense row-major, of the slot's type). Written slots must not alias
/// any other slot. The function is reentrant; the Executable must outlive every call.
class Executable {
public:
  using Entry = void (*)(void **buffers);
  ~Executable();
  Executable(const Executable &) = delete;
  Executable &operator=(const Executable &) = delete;

  Entry entry() const { return entry_; }
  /// Milliseconds spent lowering, in the MLIR pipeline, and in LLVM (optimisation + codegen).
  double lowerMs() const { return lowerMs_; }
  double pipelineMs() const { return pipelineMs_; }
  double llvmMs() const { return llvmMs_; }

private:
  friend struct ExecutableBuilder;
  struct Impl;
  Executable();
  std::unique_ptr<Impl> impl_;
  Entry entry_ = nullptr;
  double lowerMs_ = 0, pipelineMs_ = 0, llvmMs_ = 0;
};

/// Compiles `program` as function `name`. Thread-safe: concurrent compiles use separate
/// contexts. Throws bst::Error (with MLIR's diagnostic) if any stage fails.
std::unique_ptr<Executable> compile(const Program &program, const std::string &name,
                                    const CompileOptions &options = {});

/// Compiles a tensor-level module as produced by lowerToMlir (e.g. read from a file); `name` is
/// the function to call. `lowerMs` is reported as the Executable's lowering time.
std::unique_ptr<Executable> compileModule(std::string_view mlirText, const std::string &name,
                                          const CompileOptions &options = {},
                                          double lowerMs = 0);

/// The main function of tools/bst-opt: mlir-opt with bst's dialects and the pass pipeline
/// `--bst-cpu-pipeline`.
int bstOptMain(int argc, char **argv);

} // namespace bst::compiler

#endif // BST_COMPILER_COMPILER_H
