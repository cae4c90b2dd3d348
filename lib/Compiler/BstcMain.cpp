//===- BstcMain.cpp - bstc: the ahead-of-time compiler's command line
//------===//
#include "bst/Compiler/Aot.h"
#include "bst/Support/Error.h"

#include "llvm/Config/llvm-config.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/TargetParser/Host.h"

#include "absl/strings/str_cat.h"

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#ifndef BST_VERSION
#define BST_VERSION "unknown"
#endif

namespace bst::compiler {

namespace {

constexpr const char *kUsage =
    R"(usage: bstc INPUT.mlir [-o OUTPUT] [--emit=KIND] [-O0|-O1|-O2|-O3]
            [--target-cpu=CPU] [--cc=DRIVER]

Compiles a step function exported by bst (bst::jit(f).lower(args).save("f.mlir")) ahead of
time. By default writes a shared library and its C header: OUTPUT (default INPUT's stem + .so)
and OUTPUT with its extension replaced by .h.

options:
  -o OUTPUT          the output file; '-' writes text kinds to stdout
  --emit=KIND        what to write instead of the library and header:
                       obj       relocatable object file (.o)
                       shared    shared library (.so), linked with the C compiler driver
                       static    static library (.a)
                       llvm      optimised LLVM IR (.ll)
                       asm       assembly (.s)
                       mlir      the module after bst's pipeline, LLVM dialect (.llvm.mlir)
                       header    the C header (.h)
                       manifest  the manifest embedded in the code (.json)
  -O0 .. -O3         LLVM optimisation level (default -O3)
  --target-cpu=CPU   native (default: this machine's CPU and features), generic (the
                     architecture's baseline), x86-64-v3, or any CPU name LLVM knows
  --cc=DRIVER        the C compiler driver that links shared libraries (default: $CC, else
                     cc, gcc or clang on PATH)
  --help             this text
  --version          bstc's, LLVM's and the manifest format's versions

Errors are printed as FILE:LINE:COL: error: ... and make bstc exit with status 1.
)";

struct Options {
  std::string input;
  std::string output;
  std::optional<EmitKind> emit;
  AotOptions aot;
};

std::optional<EmitKind> parseEmit(std::string_view name) {
  for (EmitKind k :
       {EmitKind::Object, EmitKind::Shared, EmitKind::Static, EmitKind::Llvm,
        EmitKind::Asm, EmitKind::Mlir, EmitKind::Header, EmitKind::Manifest})
    if (name == emitKindName(k))
      return k;
  return std::nullopt;
}

const char *extension(EmitKind kind) {
  switch (kind) {
  case EmitKind::Object:
    return ".o";
  case EmitKind::Shared:
    return ".so";
  case EmitKind::Static:
    return ".a";
  case EmitKind::Llvm:
    return ".ll";
  case EmitKind::Asm:
    return ".s";
  case EmitKind::Mlir:
    return ".llvm.mlir";
  case EmitKind::Header:
    return ".h";
  case EmitKind::Manifest:
    return ".json";
  }
  return "";
}

int usageError(const std::string &message) {
  std::fprintf(stderr, "bstc: error: %s (see bstc --help)\n", message.c_str());
  return 1;
}

/// Prints `message`: as it is when it is a located diagnostic, else after
/// "bstc: error: ".
void printError(const std::string &message, const std::string &input) {
  std::string text = message;
  if (!text.ends_with("\n"))
    text += "\n";
  if (text.starts_with(input + ":"))
    std::fputs(text.c_str(), stderr);
  else
    std::fprintf(stderr, "bstc: error: %s", text.c_str());
}

/// Reads the input: a regular file (not a device or FIFO that could block
/// forever), or stdin.
std::string readInput(const std::string &path) {
  std::unique_ptr<llvm::MemoryBuffer> buffer;
  if (path == "-") {
    auto b = llvm::MemoryBuffer::getSTDIN();
    if (!b)
      throw Error(ErrorCode::Load,
                  "cannot read stdin: " + b.getError().message());
    buffer = std::move(*b);
  } else {
    llvm::sys::fs::file_status status;
    if (std::error_code ec = llvm::sys::fs::status(path, status))
      throw Error(ErrorCode::Load,
                  absl::StrCat("cannot open '", path, "': ", ec.message()));
    if (status.type() != llvm::sys::fs::file_type::regular_file)
      throw Error(ErrorCode::Load,
                  absl::StrCat("cannot read '", path, "': not a regular file"));
    auto b = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                         /*RequiresNullTerminator=*/false);
    if (!b)
      throw Error(ErrorCode::Load, absl::StrCat("cannot read '", path,
                                                "': ", b.getError().message()));
    buffer = std::move(*b);
  }
  return buffer->getBuffer().str();
}

/// `path` with its extension (after the last '.' of the file name) replaced by
/// `ext`.
std::string replaceExtension(const std::string &path, const char *ext) {
  llvm::SmallString<256> p(path);
  llvm::sys::path::replace_extension(p, ext);
  return p.str().str();
}

int run(const Options &o) {
  std::string text = readInput(o.input);
  std::string bufferName = o.input == "-" ? "<stdin>" : o.input;
  std::string stem = llvm::sys::path::stem(o.input).str();
  auto outputFor = [&](EmitKind kind) -> std::string {
    if (!o.output.empty())
      return o.output;
    if (o.input == "-") {
      if (kind == EmitKind::Object || kind == EmitKind::Shared ||
          kind == EmitKind::Static)
        throw Error(ErrorCode::InvalidArgument,
                    absl::StrCat("-o is required for --emit=",
                                 emitKindName(kind), " when reading stdin"));
      return "-";
    }
    return stem + extension(kind);
  };
  if (o.emit) {
    compileAotToFile(text, bufferName, *o.emit, outputFor(*o.emit), o.aot);
    return 0;
  }
  // The default: a shared library and its header.
  std::string library = outputFor(EmitKind::Shared);
  if (library == "-")
    throw Error(ErrorCode::InvalidArgument,
                "the default output (a shared library and its header) cannot "
                "be stdout; "
                "use -o FILE or --emit");
  compileAotToFile(text, bufferName, EmitKind::Shared, library, o.aot);
  // (Parsing again costs a few milliseconds; the header needs no code
  // generation.)
  compileAotToFile(text, bufferName, EmitKind::Header,
                   replaceExtension(library, ".h"), o.aot);
  return 0;
}

} // namespace

int bstcMain(int argc, char **argv) {
  Options o;
  bool inputsOnly = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (inputsOnly || a == "-" || !a.starts_with("-")) {
      if (!o.input.empty())
        return usageError(absl::StrCat("more than one input file ('", o.input,
                                       "' and '", std::string(a), "')"));
      o.input = a;
    } else if (a == "--") {
      inputsOnly = true;
    } else if (a == "--help" || a == "-help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (a == "--version") {
      std::printf(
          "bstc (bst %s), LLVM %s, manifest format %d, default target %s\n",
          BST_VERSION, LLVM_VERSION_STRING, runtime::kManifestFormatVersion,
          llvm::sys::getProcessTriple().c_str());
      return 0;
    } else if (a == "-o") {
      if (i + 1 >= argc)
        return usageError("-o needs a file name");
      o.output = argv[++i];
    } else if (a.starts_with("-o") && !a.starts_with("--")) {
      o.output = a.substr(2);
    } else if (a.starts_with("--emit=")) {
      o.emit = parseEmit(a.substr(7));
      if (!o.emit)
        return usageError(
            absl::StrCat("unknown --emit kind '", std::string(a.substr(7)),
                         "' (obj, shared, static, llvm, asm, mlir, header, "
                         "manifest)"));
    } else if (a.size() == 3 && a.starts_with("-O") && a[2] >= '0' &&
               a[2] <= '3') {
      o.aot.optLevel = a[2] - '0';
    } else if (a.starts_with("--target-cpu=")) {
      o.aot.targetCpu = a.substr(13);
      if (o.aot.targetCpu.empty())
        return usageError("--target-cpu needs a CPU name");
    } else if (a.starts_with("--cc=")) {
      o.aot.cc = a.substr(5);
    } else if (a.starts_with("-O")) {
      return usageError(absl::StrCat("unknown optimisation level '",
                                     std::string(a),
                                     "' (-O0, -O1, -O2 or -O3)"));
    } else {
      return usageError(absl::StrCat("unknown option '", std::string(a), "'"));
    }
  }
  if (o.input.empty())
    return usageError("no input file");
  try {
    return run(o);
  } catch (const Error &e) {
    printError(e.what(), o.input == "-" ? "<stdin>" : o.input);
  } catch (const std::exception &e) {
    printError(absl::StrCat("internal error: ", e.what()), "");
  }
  return 1;
}

} // namespace bst::compiler
