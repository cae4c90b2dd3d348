//===- Export.cpp - Lowered::save and Lowered::load
//------------------------===//
#include "bst/Compiler/Aot.h"
#include "bst/Jit/Jit.h"
#include "ReadFile.h"
#include "bst/Support/Error.h"

#include "absl/strings/str_cat.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace bst {

namespace {

[[noreturn]] void ioError(const std::string &what, const std::string &path) {
  throw Error(
      ErrorCode::InvalidArgument,
      absl::StrCat("cannot ", what, " '", path, "': ", std::strerror(errno)));
}

} // namespace

void Lowered::save(const std::string &path) const {
  std::vector<compiler::CaptureValue> values;
  for (const auto &[slot, value] : captures)
    values.push_back({slot, value});
  std::string text = compiler::exportModule(mlir, manifestJson(), values);
  // Write next to the destination, then rename: readers never see half a file.
  std::string tmp = absl::StrCat(path, ".tmp.", ::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out)
      ioError("write", tmp);
    out << text;
    out.flush();
    if (!out) {
      std::remove(tmp.c_str());
      ioError("write", tmp);
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    int saved = errno;
    std::remove(tmp.c_str());
    errno = saved;
    ioError("write", path);
  }
}

std::string detail::readFileForLoad(const std::string &path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw Error(ErrorCode::Load,
                absl::StrCat("cannot load '", path, "': no such regular file"));
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error(ErrorCode::Load, absl::StrCat("cannot load '", path,
                                              "': ", std::strerror(errno)));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

Lowered Lowered::load(const std::string &path) {
  Lowered out;
  out.mlir = detail::readFileForLoad(path);
  runtime::Manifest m = compiler::readExportedManifest(out.mlir, path);
  out.name = m.function;
  for (const runtime::SlotInfo &s : m.slots)
    out.slots.push_back(
        {runtime::roleName(s.role), s.name, s.kind, s.type, s.read, s.written});
  out.checks = m.checks;
  return out;
}

} // namespace bst
