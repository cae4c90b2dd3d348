//===- Engine.cpp - bst::Engine and bst_engine_load
//------------------------===//
#include "bst/Jit/Engine.h"
#include "ReadFile.h"
#include "bst/Compiler/Aot.h"
#include "bst/Runtime/CInterop.h"
#include "bst/Support/Error.h"

#include "absl/strings/str_cat.h"


namespace bst {

runtime::Module Engine::load(const std::string &path) const {
  return loadText(detail::readFileForLoad(path), path);
}

runtime::Module Engine::loadText(std::string_view text,
                                 std::string_view name) const {
  if (options_.optLevel < 0 || options_.optLevel > 3)
    throw Error(ErrorCode::InvalidArgument,
                absl::StrCat("EngineOptions::optLevel is ", options_.optLevel,
                             "; it must be 0 to 3"));
  compiler::CompileOptions options;
  options.optLevel = options_.optLevel;
  compiler::CompiledExport compiled =
      compiler::compileExported(text, name, options);
  std::shared_ptr<const compiler::Executable> owner =
      std::move(compiled.executable);
  runtime::EntryFunction entry = owner->entry();
  return runtime::Module::fromEntry(std::move(compiled.manifest), entry,
                                    std::move(owner), std::string(name));
}

} // namespace bst

extern "C" bst_status bst_engine_load(const char *mlir_path, int opt_level,
                                      bst_module **out) {
  if (!out || !mlir_path) {
    if (out)
      *out = nullptr;
    return bst::runtime::catchForC([] {
      throw bst::Error(bst::ErrorCode::InvalidArgument,
                       "bst_engine_load: mlir_path and out must not be null");
    });
  }
  *out = nullptr;
  return bst::runtime::catchForC([&] {
    bst::Engine engine({.optLevel = opt_level});
    *out = bst::runtime::toC(engine.load(mlir_path));
  });
}
