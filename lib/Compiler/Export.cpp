//===- Export.cpp - Exported modules: writing, reading, JIT-compiling
//------===//
#include "Codegen.h"
#include "Exported.h"
#include "bst/Compiler/Aot.h"
#include "bst/Support/Error.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include "absl/strings/str_cat.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>

namespace bst::compiler {

using namespace mlir;

namespace {

/// Brackets nested deeper than this are refused before parsing: MLIR's parser
/// recurses per level and would exhaust the stack. bst's modules nest a dozen
/// levels at most. An alias counts as deep as its definition: a chain of them
/// (#a1 = [#a0], #a2 = [#a1], ...) nests attributes and types without nesting
/// the text, and MLIR's verifier and printer recurse per level (a chain of
/// 30,000 overflowed the stack).
constexpr int kMaxNesting = 256;

/// More '+' and '-' than this in one expression are refused: MLIR's parser
/// recurses per operator of an affine expression (`d0 + d0 + ...`, or `- - d0`:
/// 10,000 unary minuses overflowed the stack). bst's modules have a few.
constexpr int kMaxOperators = 256;

/// The element type of `d`'s tensors in bst's modules; bools are stored as bytes (i8), see
/// Lowering.cpp's storageType.
Type elementType(MLIRContext &ctx, DType d) {
  Builder b(&ctx);
  switch (d) {
  case DType::f32:
    return b.getF32Type();
  case DType::f64:
    return b.getF64Type();
  case DType::i32:
    return b.getI32Type();
  case DType::i64:
    return b.getI64Type();
  case DType::boolean:
    return b.getI8Type();
  }
  return {};
}

RankedTensorType tensorType(MLIRContext &ctx, const AbstractArray &a) {
  return RankedTensorType::get(
      llvm::ArrayRef<int64_t>(a.shape.begin(), a.shape.end()),
      elementType(ctx, a.dtype));
}

/// The location of byte `offset` of `text` in buffer `name`.
Location locationAt(MLIRContext &ctx, std::string_view name,
                    std::string_view text, size_t offset) {
  unsigned line = 1, col = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return FileLineColLoc::get(&ctx, llvm::StringRef(name.data(), name.size()),
                             line, col);
}

/// The offset of the first byte that makes `text` binary rather than UTF-8 text
/// (a control character other than tab, newline and carriage return, or a
/// malformed UTF-8 sequence), or npos.
size_t firstBinaryByte(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
        return i;
      ++i;
      continue;
    }
    size_t length = (c & 0xE0) == 0xC0   ? 2
                    : (c & 0xF0) == 0xE0 ? 3
                    : (c & 0xF8) == 0xF0 ? 4
                                         : 0;
    if (length == 0 || c == 0xC0 || c == 0xC1 || c > 0xF4 ||
        i + length > text.size())
      return i;
    for (size_t k = 1; k < length; ++k)
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80)
        return i;
    i += length;
  }
  return std::string_view::npos;
}

bool isSuffixIdChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '$' || c == '.' ||
         c == '_' || c == '-';
}

/// Refuses nesting beyond kMaxNesting (brackets, and aliases as deep as their
/// definitions) and runs of more than kMaxOperators '+' and '-', outside string
/// literals and comments. A conservative scan of the text, not a parse: an
/// alias definition (`#name =` or `!name =` outside brackets) is taken to last
/// until the next one or the first use of its own name, so anything between
/// them counts towards its depth.
LogicalResult checkNesting(MLIRContext &ctx, std::string_view text,
                           std::string_view name) {
  llvm::StringMap<int> aliasDepth;
  auto defining = aliasDepth.end();
  int depth = 0, operators = 0;
  auto tooDeep = [&](size_t at, int level) -> LogicalResult {
    if (level <= kMaxNesting) {
      if (defining != aliasDepth.end())
        defining->second = std::max(defining->second, level);
      return success();
    }
    return emitError(locationAt(ctx, name, text, at))
           << (level > depth ? "aliases and brackets" : "brackets")
           << " nest deeper than " << kMaxNesting
           << " levels; this is not a module bst exported";
  };
  bool inString = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (inString) {
      if (c == '\\')
        ++i;
      else if (c == '"' || c == '\n')
        inString = false;
      continue;
    }
    switch (c) {
    case '"':
      inString = true;
      operators = 0;
      break;
    case '/':
      if (i + 1 < text.size() && text[i + 1] == '/')
        while (i < text.size() && text[i] != '\n')
          ++i;
      break;
    case '(':
    case '[':
    case '{':
    case '<':
      if (c != '(')
        operators = 0;
      if (failed(tooDeep(i, ++depth)))
        return failure();
      break;
    case ')':
    case ']':
    case '}':
    case '>':
      if (c == '>' && ((i > 0 && text[i - 1] == '-') ||
                       (i + 1 < text.size() && text[i + 1] == '=')))
        break; // `->` and `>=`
      if (c != ')')
        operators = 0;
      if (depth > 0)
        --depth;
      break;
    case '=':
    case ':':
    case ',':
    case ';':
      operators = 0;
      break;
    case '+':
    case '-':
      if (c == '-' && i + 1 < text.size() && text[i + 1] == '>')
        break;
      if (++operators > kMaxOperators)
        return emitError(locationAt(ctx, name, text, i))
               << "more than " << kMaxOperators
               << " '+' and '-' in one expression; this is not a module bst "
                  "exported";
      break;
    case '#':
    case '!':
    case '%':
    case '^':
    case '@': {
      // A name: its '-' and '.' are not operators.
      size_t end = i + 1;
      while (end < text.size() && isSuffixIdChar(text[end]))
        ++end;
      llvm::StringRef id(text.data() + i, end - i);
      if ((c != '#' && c != '!') || id.size() == 1) {
        i = end - 1;
        break;
      }
      size_t next = text.find_first_not_of(" \t\r\n", end);
      if (depth == 0 && next != std::string_view::npos && text[next] == '=' &&
          (next + 1 == text.size() || text[next + 1] != '=')) {
        defining = aliasDepth.try_emplace(id, 0).first;
        i = next;
        operators = 0;
        break;
      }
      auto alias = aliasDepth.find(id);
      if (alias != aliasDepth.end()) {
        if (alias == defining)
          defining = aliasDepth.end();
        if (failed(tooDeep(i, depth + alias->second)))
          return failure();
      }
      i = end - 1;
      break;
    }
    default:
      break;
    }
  }
  return success();
}

/// Reports what MLIR's parser must not see: binary data, bytecode (exported
/// modules are text) and what checkNesting refuses. Adds the buffer to
/// `sourceMgr`, binary bytes replaced, so diagnostics quote printable lines.
LogicalResult precheck(MLIRContext &ctx, llvm::SourceMgr &sourceMgr,
                       std::string_view text, std::string_view name) {
  size_t binary = firstBinaryByte(text);
  std::string quoted(text);
  if (binary != std::string_view::npos)
    for (char &c : quoted)
      if (static_cast<unsigned char>(c) >= 0x80 ||
          (static_cast<unsigned char>(c) < 0x20 && c != '\n') || c == 0x7f)
        c = '?';
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(
          quoted, llvm::StringRef(name.data(), name.size())),
      llvm::SMLoc());
  if (text.starts_with("ML\xEFR"))
    return emitError(locationAt(ctx, name, text, 0))
           << "this is MLIR bytecode; bst reads the textual .mlir that "
              "Lowered::save writes";
  if (binary != std::string_view::npos) {
    char byte[8];
    std::snprintf(byte, sizeof byte, "0x%02x",
                  static_cast<unsigned char>(text[binary]));
    return emitError(locationAt(ctx, name, text, binary))
           << "this is not a text file (byte " << byte << " at offset "
           << binary
           << "); bst reads the textual .mlir that Lowered::save writes";
  }
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return emitError(locationAt(ctx, name, text, 0))
           << "the file is empty; bst reads the .mlir that Lowered::save "
              "writes";
  return checkNesting(ctx, text, name);
}

/// Checks that `func`'s arguments are the manifest's slots.
LogicalResult checkSignature(func::FuncOp func, const runtime::Manifest &m) {
  MLIRContext &ctx = *func.getContext();
  if (func.getNumArguments() != m.slots.size())
    return func.emitError()
           << "function '" << m.function << "' has " << func.getNumArguments()
           << " arguments but the manifest lists " << m.slots.size()
           << " slots";
  for (const runtime::SlotInfo &s : m.slots) {
    Type actual = func.getArgument(s.index).getType();
    Type expected = tensorType(ctx, s.type);
    // Modules saved before bools were stored as bytes have i1 bool tensors; they still compile.
    Type legacy = s.type.dtype == DType::boolean
                      ? RankedTensorType::get(llvm::ArrayRef<int64_t>(s.type.shape.begin(),
                                                                      s.type.shape.end()),
                                              Builder(&ctx).getI1Type())
                      : expected;
    if (actual != expected && actual != legacy)
      return func.emitError()
             << "argument " << s.index << " of '" << m.function << "' is "
             << actual << " but the manifest's slot '" << s.name << "' is "
             << s.type.toString() << " (" << expected << ")";
  }
  return success();
}

func::FuncOp findFunction(ModuleOp module, const runtime::Manifest &m) {
  auto func = module.lookupSymbol<func::FuncOp>(m.function);
  if (!func || func.isExternal()) {
    emitError(module.getLoc()) << "the module has no function '" << m.function
                               << "' (the manifest's \"function\") with a body";
    return {};
  }
  return func;
}

/// Throws bst::Error(Load) carrying the diagnostics.
[[noreturn]] void loadFailed(const std::string &what,
                             const std::string &diagnostics) {
  throw Error(ErrorCode::Load, diagnostics.empty() ? what : diagnostics);
}

} // namespace

OwningOpRef<ModuleOp>
detail::parseExported(MLIRContext &ctx, llvm::SourceMgr &sourceMgr,
                      std::string_view text, std::string_view bufferName,
                      std::optional<runtime::Manifest> &manifest) {
  manifest.reset();
  // Diagnostics name the location only; the operation is long and adds nothing.
  ctx.printOpOnDiagnostic(false);
  if (failed(precheck(ctx, sourceMgr, text, bufferName)))
    return nullptr;
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &ctx);
  if (!module)
    return nullptr;
  // A file without operations gets a module with an unknown location: point at
  // its start.
  auto moduleLoc = dyn_cast<FileLineColLoc>(module->getLoc());
  if (!moduleLoc || moduleLoc.getLine() == 0)
    module->getOperation()->setLoc(locationAt(ctx, bufferName, text, 0));
  auto attr = (*module)->getAttrOfType<StringAttr>(kManifestAttribute);
  if (!attr) {
    emitError(module->getLoc()) << "the module has no '" << kManifestAttribute
                                << "' string attribute: it is not a module bst "
                                   "exported (write one with "
                                   "bst::jit(f).lower(args).save(path))";
    return nullptr;
  }
  runtime::Manifest m;
  try {
    m = runtime::Manifest::parse(attr.getValue().str());
  } catch (const Error &e) {
    emitError(module->getLoc()) << e.what();
    return nullptr;
  }
  func::FuncOp func = findFunction(*module, m);
  if (!func || failed(checkSignature(func, m)) || failed(verify(*module)))
    return nullptr;
  manifest = std::move(m);
  return module;
}

std::string exportModule(std::string_view mlirText,
                         std::string_view manifestJson,
                         const std::vector<CaptureValue> &captures) {
  MLIRContext ctx(detail::dialectRegistry(), MLIRContext::Threading::DISABLED);
  llvm::SourceMgr sourceMgr;
  detail::DiagnosticCollector diags(ctx, &sourceMgr);
  OwningOpRef<ModuleOp> module =
      detail::parseModule(ctx, sourceMgr, mlirText, "<lowered>");
  if (!module)
    detail::fail("parsing the lowered module", diags.text());
  runtime::Manifest m = runtime::Manifest::parse(manifestJson);
  func::FuncOp func = findFunction(*module, m);
  if (!func || failed(checkSignature(func, m)))
    detail::fail("matching the manifest to the module", diags.text());

  OpBuilder b = OpBuilder::atBlockBegin(&func.getBody().front());
  std::vector<bool> embedded(m.slots.size(), false);
  for (const CaptureValue &c : captures) {
    if (c.slot >= m.slots.size() ||
        m.slots[c.slot].role != runtime::SlotRole::Capture)
      throw Error(ErrorCode::InvalidArgument,
                  absl::StrCat("exporting '", m.function, "': slot ", c.slot,
                               " is not a capture slot"));
    const runtime::SlotInfo &s = m.slots[c.slot];
    if (c.value.abstract() != s.type)
      throw Error(ErrorCode::InvalidArgument,
                  absl::StrCat("exporting '", m.function, "': capture '",
                               s.name, "' is ", s.type.toString(),
                               " but its value is ",
                               c.value.abstract().toString()));
    auto type = cast<RankedTensorType>(func.getArgument(s.index).getType());
    DenseElementsAttr value;
    if (type.getElementType().isInteger(1)) { // a module from before bools were bytes
      auto bytes = static_cast<const uint8_t *>(c.value.rawData());
      llvm::SmallVector<bool> bits(bytes, bytes + c.value.numElements());
      value = DenseElementsAttr::get(type, llvm::ArrayRef<bool>(bits));
    } else {
      value = DenseElementsAttr::getFromRawBuffer(
          type,
          llvm::ArrayRef<char>(static_cast<const char *>(c.value.rawData()),
                               c.value.nbytes()));
    }
    Value cst = b.create<arith::ConstantOp>(func.getLoc(), value);
    func.getArgument(s.index).replaceAllUsesWith(cst);
    embedded[s.index] = true;
  }
  for (const runtime::SlotInfo &s : m.slots)
    if (s.role == runtime::SlotRole::Capture && !embedded[s.index])
      throw Error(ErrorCode::InvalidArgument,
                  absl::StrCat("exporting '", m.function,
                               "': the value of capture '", s.name,
                               "' is missing"));
  (*module)->setAttr(kManifestAttribute, b.getStringAttr(m.toJson()));
  if (failed(verify(*module)))
    detail::fail("verifying the exported module", diags.text());
  std::string text;
  llvm::raw_string_ostream os(text);
  module->print(os);
  return os.str();
}

runtime::Manifest readExportedManifest(std::string_view text,
                                       std::string_view bufferName) {
  MLIRContext ctx(detail::dialectRegistry(), MLIRContext::Threading::DISABLED);
  llvm::SourceMgr sourceMgr;
  detail::DiagnosticCollector diags(ctx, &sourceMgr);
  std::optional<runtime::Manifest> manifest;
  OwningOpRef<ModuleOp> module =
      detail::parseExported(ctx, sourceMgr, text, bufferName, manifest);
  if (!module)
    loadFailed("cannot read the exported module", diags.text());
  return std::move(*manifest);
}

CompiledExport compileExported(std::string_view text,
                               std::string_view bufferName,
                               const CompileOptions &options) {
  auto start = std::chrono::steady_clock::now();
  MLIRContext ctx(detail::dialectRegistry(), MLIRContext::Threading::DISABLED);
  llvm::SourceMgr sourceMgr;
  detail::DiagnosticCollector diags(ctx, &sourceMgr);
  std::optional<runtime::Manifest> manifest;
  OwningOpRef<ModuleOp> module =
      detail::parseExported(ctx, sourceMgr, text, bufferName, manifest);
  if (!module)
    loadFailed("cannot read the exported module", diags.text());
  double parseMs = std::chrono::duration<double, std::milli>(
                       std::chrono::steady_clock::now() - start)
                       .count();
  CompiledExport out;
  out.executable = ExecutableBuilder::finish(ctx, *module, manifest->function,
                                             options, diags, parseMs);
  out.manifest = std::move(*manifest);
  return out;
}

} // namespace bst::compiler
