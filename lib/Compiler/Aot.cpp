//===- Aot.cpp - Ahead-of-time compilation of exported modules
//-------------===//
//
// bst's pipeline, LLVM optimisation for the chosen CPU, then object emission
// through llvm::TargetMachine. The object carries the manifest next to the
// entry point:
//
//   void bst_entry_<f>(void **slots);          the step function
//   const char bst_manifest_<f>[];             the manifest JSON (with the
//   target), NUL-terminated const int32_t bst_format_version_<f>;      the
//   manifest format version const char bst_library_function[];         shared
//   libraries only: "<f>", so the runtime
//                                              finds the symbols above without
//                                              being told <f>
//
// Every other function is internal, so a library's code never interposes with
// the host's.
//
//===----------------------------------------------------------------------===//
#include "bst/Compiler/Aot.h"
#include "Codegen.h"
#include "Exported.h"
#include "Lowering.h"
#include "bst/Support/Error.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Object/Archive.h"
#include "llvm/Object/ArchiveWriter.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

#include <cstdlib>

#include <unistd.h>

namespace bst::compiler {

using namespace mlir;

namespace {

/// A target machine for AOT code and what the manifest records about it.
struct Target {
  std::unique_ptr<llvm::TargetMachine> tm;
  runtime::TargetInfo info;
};

[[noreturn]] void aotError(ErrorCode code, const std::string &message) {
  throw Error(code, message);
}

Target aotTarget(const std::string &cpuOption, int level) {
  detail::initializeNativeTarget();
  std::string triple = llvm::sys::getProcessTriple();
  llvm::Triple parsed(triple);
  std::string error;
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    aotError(ErrorCode::Compile,
             absl::StrCat("no LLVM target for ", triple, ": ", error));
  std::string cpu = cpuOption, features;
  if (cpuOption == "native") {
    cpu = llvm::sys::getHostCPUName().str();
    for (const auto &f : llvm::sys::getHostCPUFeatures())
      absl::StrAppend(&features, features.empty() ? "" : ",",
                      f.second ? "+" : "-", f.first().str());
  } else if (cpuOption == "generic") {
    cpu = parsed.getArch() == llvm::Triple::x86_64 ? "x86-64" : "generic";
  }
  // (Asked with the default CPU: creating one for an unknown CPU prints a
  // warning.)
  std::unique_ptr<llvm::MCSubtargetInfo> sti(
      target->createMCSubtargetInfo(triple, "", ""));
  if (!sti || !sti->isCPUStringValid(cpu))
    aotError(ErrorCode::InvalidArgument,
             absl::StrCat(
                 "unknown --target-cpu=", cpuOption, " for ", triple,
                 " (use native, generic, x86-64-v3 or a CPU LLVM knows, e.g. "
                 "skylake, znver3)"));
  llvm::TargetOptions options;
  auto codegenLevel = level >= 3   ? llvm::CodeGenOptLevel::Aggressive
                      : level == 2 ? llvm::CodeGenOptLevel::Default
                      : level == 1 ? llvm::CodeGenOptLevel::Less
                                   : llvm::CodeGenOptLevel::None;
  Target out;
  out.tm.reset(target->createTargetMachine(triple, cpu, features, options,
                                           llvm::Reloc::PIC_, std::nullopt,
                                           codegenLevel));
  if (!out.tm)
    aotError(ErrorCode::Compile,
             absl::StrCat("cannot create a target machine for ", triple,
                          " CPU ", cpu));
  out.info.triple = triple;
  out.info.cpu = cpu;
  const llvm::MCSubtargetInfo *subtarget = out.tm->getMCSubtargetInfo();
  for (const llvm::SubtargetFeatureKV &kv :
       subtarget->getAllProcessorFeatures())
    if (subtarget->checkFeatures(absl::StrCat("+", kv.Key)))
      out.info.features.push_back(kv.Key);
  return out;
}

/// Adds a constant global `name` holding `value` (NUL-terminated) with external
/// linkage.
void addString(llvm::Module &m, const std::string &name,
               const std::string &value) {
  llvm::Constant *init =
      llvm::ConstantDataArray::getString(m.getContext(), value, true);
  new llvm::GlobalVariable(m, init->getType(), true,
                           llvm::GlobalValue::ExternalLinkage, init, name);
}

/// Internal linkage for everything but the entry points (before optimisation,
/// which then inlines and drops the inner functions).
void internalize(llvm::Module &m) {
  for (llvm::Function &f : m)
    if (!f.isDeclaration() && !f.getName().starts_with("bst_entry_"))
      f.setLinkage(llvm::GlobalValue::InternalLinkage);
  for (llvm::GlobalVariable &g : m.globals())
    if (!g.isDeclaration())
      g.setLinkage(llvm::GlobalValue::InternalLinkage);
}

/// The manifest symbols (after optimisation, which leaves them as declared).
void addManifestSymbols(llvm::Module &m, const runtime::Manifest &manifest,
                        bool shared) {
  const std::string &fn = manifest.function;
  addString(m, "bst_manifest_" + fn, manifest.toJson());
  auto *i32 = llvm::Type::getInt32Ty(m.getContext());
  new llvm::GlobalVariable(
      m, i32, true, llvm::GlobalValue::ExternalLinkage,
      llvm::ConstantInt::get(i32, runtime::kManifestFormatVersion),
      "bst_format_version_" + fn);
  if (shared)
    addString(m, "bst_library_function", fn);
}

std::string printModule(ModuleOp module) {
  std::string text;
  llvm::raw_string_ostream os(text);
  module->print(os);
  return os.str();
}

/// compileAot, with the Shared kind giving the object to link.
AotArtifact compile(std::string_view text, std::string_view bufferName,
                    EmitKind kind, const AotOptions &options) {
  if (options.optLevel < 0 || options.optLevel > 3)
    aotError(ErrorCode::InvalidArgument,
             absl::StrCat("optimisation level ", options.optLevel,
                          " is not 0 to 3"));
  MLIRContext ctx(detail::dialectRegistry(), MLIRContext::Threading::DISABLED);
  llvm::SourceMgr sourceMgr;
  detail::DiagnosticCollector diags(ctx, &sourceMgr);
  std::optional<runtime::Manifest> parsed;
  OwningOpRef<ModuleOp> module =
      detail::parseExported(ctx, sourceMgr, text, bufferName, parsed);
  if (!module)
    aotError(ErrorCode::Load, diags.text());
  AotArtifact out;
  out.manifest = std::move(*parsed);
  Target target = aotTarget(options.targetCpu, options.optLevel);
  out.manifest.target = target.info;
  if (kind == EmitKind::Manifest) {
    out.bytes = out.manifest.toJson() + "\n";
    return out;
  }
  if (kind == EmitKind::Header) {
    out.bytes = generateHeader(out.manifest, bufferName);
    return out;
  }

  PassManager pm(&ctx);
  detail::buildBstCpuPipeline(pm);
  if (failed(pm.run(*module)))
    aotError(ErrorCode::Compile, diags.text());
  if (kind == EmitKind::Mlir) {
    out.bytes = printModule(*module);
    return out;
  }

  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(*module, llvmContext, out.manifest.function);
  if (!llvmModule)
    aotError(ErrorCode::Compile,
             absl::StrCat(diags.text(), "translation to LLVM IR failed"));
  llvmModule->setDataLayout(target.tm->createDataLayout());
  llvmModule->setTargetTriple(target.tm->getTargetTriple().str());
  internalize(*llvmModule);
  if (llvm::Error e =
          detail::optimizeModule(*llvmModule, *target.tm, options.optLevel))
    aotError(ErrorCode::Compile, llvm::toString(std::move(e)));
  addManifestSymbols(*llvmModule, out.manifest, kind == EmitKind::Shared);
  if (kind == EmitKind::Llvm) {
    llvm::raw_string_ostream os(out.bytes);
    llvmModule->print(os, nullptr);
    os.flush();
    return out;
  }

  llvm::SmallString<0> code;
  {
    llvm::raw_svector_ostream os(code);
    llvm::legacy::PassManager codegen;
    auto type = kind == EmitKind::Asm ? llvm::CodeGenFileType::AssemblyFile
                                      : llvm::CodeGenFileType::ObjectFile;
    if (target.tm->addPassesToEmitFile(codegen, os, nullptr, type))
      aotError(ErrorCode::Compile, "the target cannot emit this file type");
    codegen.run(*llvmModule);
  }
  if (kind != EmitKind::Static) {
    out.bytes.assign(code.begin(), code.end());
    return out;
  }
  std::string memberName = out.manifest.function + ".o";
  llvm::NewArchiveMember member(llvm::MemoryBufferRef(code, memberName));
  member.MemberName = memberName;
  llvm::raw_string_ostream os(out.bytes);
  if (llvm::Error e = llvm::writeArchiveToStream(
          os, {std::move(member)}, llvm::SymtabWritingMode::NormalSymtab,
          llvm::object::Archive::K_GNU, true, false))
    aotError(ErrorCode::Compile, absl::StrCat("writing the archive: ",
                                              llvm::toString(std::move(e))));
  os.flush();
  return out;
}

/// Whether an output may replace `path` by renaming a temporary file onto it:
/// `path` does not exist or is a regular file. Anything else (/dev/null, a
/// FIFO, a terminal) is written in place, as compilers do: renaming onto
/// /dev/null would replace the device by a regular file.
bool replaceableByRename(const std::string &path) {
  llvm::sys::fs::file_status status;
  if (llvm::sys::fs::status(path, status))
    return true;
  return status.type() == llvm::sys::fs::file_type::regular_file;
}

/// Writes `bytes` into the existing non-regular file `path`.
void writeInPlace(const std::string &path, std::string_view bytes) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (!ec) {
    os << bytes;
    os.close();
    ec = os.error();
  }
  if (ec)
    aotError(ErrorCode::InvalidArgument,
             absl::StrCat("cannot write '", path, "': ", ec.message()));
}

/// Writes `bytes` to `path` through a temporary file in the same directory, so
/// a failure never leaves a partial output; "-" is stdout, and a path that is
/// not a regular file (/dev/null) is written in place.
void writeOutput(const std::string &path, std::string_view bytes) {
  if (path == "-") {
    llvm::outs() << bytes;
    llvm::outs().flush();
    return;
  }
  if (!replaceableByRename(path))
    return writeInPlace(path, bytes);
  llvm::SmallString<256> tmp;
  int fd = -1;
  if (std::error_code ec =
          llvm::sys::fs::createUniqueFile(path + "-%%%%%%.tmp", fd, tmp))
    aotError(ErrorCode::InvalidArgument,
             absl::StrCat("cannot write '", path, "': ", ec.message()));
  llvm::FileRemover remover(tmp);
  {
    llvm::raw_fd_ostream os(fd, true);
    os << bytes;
    os.close();
    if (os.has_error())
      aotError(
          ErrorCode::InvalidArgument,
          absl::StrCat("cannot write '", path, "': ", os.error().message()));
  }
  if (std::error_code ec = llvm::sys::fs::rename(tmp, path))
    aotError(ErrorCode::InvalidArgument,
             absl::StrCat("cannot write '", path, "': ", ec.message()));
  remover.releaseFile();
}

/// The C compiler driver and its leading arguments: `explicitCc`, else $CC,
/// else the first of cc, gcc, clang on PATH.
std::vector<std::string> findCompilerDriver(const std::string &explicitCc) {
  std::vector<std::string> candidates;
  if (!explicitCc.empty())
    candidates.push_back(explicitCc);
  else if (const char *env = std::getenv("CC"); env && *env)
    candidates.push_back(env);
  else
    candidates = {"cc", "gcc", "clang"};
  for (const std::string &c : candidates) {
    std::vector<std::string> words =
        absl::StrSplit(c, ' ', absl::SkipWhitespace());
    if (words.empty())
      continue;
    llvm::ErrorOr<std::string> path = llvm::sys::findProgramByName(words[0]);
    if (path && llvm::sys::fs::can_execute(*path)) {
      words[0] = *path;
      return words;
    }
  }
  aotError(
      ErrorCode::Compile,
      absl::StrCat("linking a shared library needs a C compiler driver, but ",
                   explicitCc.empty()
                       ? "none of $CC, cc, gcc, clang was found"
                       : absl::StrCat("'", explicitCc, "' was not found"),
                   ". Install gcc (apt-get install gcc), pass --cc=PATH, or "
                   "emit --emit=obj / --emit=static and link it yourself"));
}

/// Links `object` into the shared library `path` with the C compiler driver.
void linkShared(const std::string &object, const std::string &path,
                const AotOptions &options) {
  std::vector<std::string> driver = findCompilerDriver(options.cc);
  llvm::SmallString<256> objPath, logPath, outPath;
  int fd = -1;
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("bstc", "o", fd, objPath))
    aotError(ErrorCode::Compile,
             "cannot create a temporary file: " + ec.message());
  llvm::FileRemover objRemover(objPath);
  {
    llvm::raw_fd_ostream os(fd, true);
    os << object;
  }
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("bstc-link", "log", logPath))
    aotError(ErrorCode::Compile,
             "cannot create a temporary file: " + ec.message());
  llvm::FileRemover logRemover(logPath);
  // Next to `path`, to be renamed onto it; in the temporary directory when it
  // is written in place.
  bool byRename = replaceableByRename(path);
  if (std::error_code ec =
          byRename
              ? llvm::sys::fs::createUniqueFile(path + "-%%%%%%.tmp", fd,
                                                outPath)
              : llvm::sys::fs::createTemporaryFile("bstc", "so", fd, outPath))
    aotError(ErrorCode::InvalidArgument,
             absl::StrCat("cannot write '", path, "': ", ec.message()));
  ::close(fd);
  llvm::FileRemover outRemover(outPath);

  std::vector<std::string> args = driver;
  for (const char *a : {"-shared", "-o"})
    args.push_back(a);
  args.push_back(outPath.str().str());
  args.push_back(objPath.str().str());
  // Undefined symbols are errors now rather than when the host loads the
  // library.
  for (const char *a : {"-lm", "-Wl,-z,defs"})
    args.push_back(a);
  std::vector<llvm::StringRef> argRefs(args.begin(), args.end());
  std::optional<llvm::StringRef> redirects[] = {llvm::StringRef(""),
                                                logPath.str(), logPath.str()};
  std::string message;
  int rc = llvm::sys::ExecuteAndWait(argRefs[0], argRefs, std::nullopt,
                                     redirects, 300, 0, &message);
  if (rc != 0) {
    std::string log;
    if (auto buffer = llvm::MemoryBuffer::getFile(logPath))
      log = (*buffer)->getBuffer().str();
    aotError(ErrorCode::Compile,
             absl::StrCat("linking the shared library with '", args[0],
                          "' failed",
                          rc < 0 ? absl::StrCat(" (", message, ")")
                                 : absl::StrCat(" (exit ", rc, ")"),
                          log.empty() ? "" : ":\n", log));
  }
  if (!byRename) {
    llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> linked =
        llvm::MemoryBuffer::getFile(outPath, /*IsText=*/false,
                                    /*RequiresNullTerminator=*/false);
    if (!linked)
      aotError(ErrorCode::Compile,
               absl::StrCat("cannot read the linked library: ",
                            linked.getError().message()));
    return writeInPlace(path, (*linked)->getBuffer());
  }
  if (std::error_code ec = llvm::sys::fs::rename(outPath, path))
    aotError(ErrorCode::InvalidArgument,
             absl::StrCat("cannot write '", path, "': ", ec.message()));
  outRemover.releaseFile();
}

} // namespace

const char *emitKindName(EmitKind kind) {
  switch (kind) {
  case EmitKind::Object:
    return "obj";
  case EmitKind::Shared:
    return "shared";
  case EmitKind::Static:
    return "static";
  case EmitKind::Llvm:
    return "llvm";
  case EmitKind::Asm:
    return "asm";
  case EmitKind::Mlir:
    return "mlir";
  case EmitKind::Header:
    return "header";
  case EmitKind::Manifest:
    return "manifest";
  }
  return "?";
}

AotArtifact compileAot(std::string_view text, std::string_view bufferName,
                       EmitKind kind, const AotOptions &options) {
  if (kind == EmitKind::Shared)
    aotError(ErrorCode::InvalidArgument,
             "compileAot cannot make a shared library in memory; use "
             "compileAotToFile");
  return compile(text, bufferName, kind, options);
}

runtime::Manifest compileAotToFile(std::string_view text,
                                   std::string_view bufferName, EmitKind kind,
                                   const std::string &outputPath,
                                   const AotOptions &options) {
  AotArtifact artifact = compile(text, bufferName, kind, options);
  if (kind == EmitKind::Shared) {
    if (outputPath == "-")
      aotError(ErrorCode::InvalidArgument,
               "a shared library cannot be written to stdout");
    linkShared(artifact.bytes, outputPath, options);
  } else {
    writeOutput(outputPath, artifact.bytes);
  }
  return std::move(artifact.manifest);
}

} // namespace bst::compiler
