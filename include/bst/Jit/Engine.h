//===- bst/Jit/Engine.h - JIT-compiling exported modules in-process -*- C++
//-*-===//
//
// bst::Engine runs an exported step function (a `.mlir` file written by
// `bst::jit(f).lower(args).save(path)`) without bstc: it compiles the module
// with LLVM in this process and returns a runtime module, bound and called
// exactly like an AOT library:
//
//   bst::Engine engine;
//   bst::runtime::Module lif = engine.load("lif.mlir");
//   bst::runtime::Bindings call(lif);
//   call.bind("lif.v", v, bst::f32, {4000});   // ... every slot
//   call.call();
//
// The C API twin is bst_engine_load in bst-c/bst.h.
//
//===----------------------------------------------------------------------===//
#ifndef BST_JIT_ENGINE_H
#define BST_JIT_ENGINE_H

#include "bst/Runtime/Runtime.h"

#include <string>
#include <string_view>

namespace bst {

/// How Engine compiles.
struct EngineOptions {
  /// LLVM optimisation level, 0 to 3.
  int optLevel = 3;
};

/// Loads exported modules and JIT-compiles them for the host CPU.
///
/// Thread safety: load() may be called from several threads at once (each
/// compile uses its own MLIR context). The modules it returns own their machine
/// code and live as long as any copy of them or any Bindings using them.
class Engine {
public:
  explicit Engine(EngineOptions options = {}) : options_(options) {}

  /// Compiles the exported module in `path`. Throws bst::Error: Load for a
  /// missing or malformed file or manifest (with `path:line:col:` diagnostics),
  /// Compile if the compiler fails.
  runtime::Module load(const std::string &path) const;
  /// The same for module text; `name` is used in diagnostics and as the
  /// module's source.
  runtime::Module loadText(std::string_view text,
                           std::string_view name = "<text>") const;

private:
  EngineOptions options_;
};

} // namespace bst

#endif // BST_JIT_ENGINE_H
