//===- Error.cpp ----------------------------------------------------------===//
#include "bst/Support/Error.h"
#include "bst/Support/DType.h"

#include "absl/strings/str_cat.h"

namespace bst {

const char *errorCodeName(ErrorCode code) {
  switch (code) {
  case ErrorCode::InvalidArgument:
    return "invalid-argument";
  case ErrorCode::Signature:
    return "signature";
  case ErrorCode::TraceContext:
    return "trace-context";
  case ErrorCode::HookCancelled:
    return "hook-cancelled";
  case ErrorCode::OutOfMemory:
    return "out-of-memory";
  case ErrorCode::Internal:
    return "internal";
  case ErrorCode::Compile:
    return "compile";
  case ErrorCode::Checkpoint:
    return "checkpoint";
  case ErrorCode::Load:
    return "load";
  case ErrorCode::Check:
    return "check";
  case ErrorCode::Incompatible:
    return "incompatible";
  case ErrorCode::BatchAxis:
    return "batch-axis";
  }
  return "unknown";
}

const char *dtypeName(DType dtype) {
  switch (dtype) {
  case DType::f32:
    return "f32";
  case DType::f64:
    return "f64";
  case DType::i32:
    return "i32";
  case DType::i64:
    return "i64";
  case DType::boolean:
    return "bool";
  }
  return "?";
}

std::string formatCheckValue(DType type, double f, int64_t i) {
  switch (type) {
  case DType::boolean:
    return i ? "true" : "false";
  case DType::f32:
    return absl::StrCat(static_cast<float>(f));
  case DType::f64:
    return absl::StrCat(f);
  default:
    return absl::StrCat(i);
  }
}

std::string formatCheckMessage(const std::string &message, const std::vector<std::string> &values) {
  std::string out;
  size_t next = 0, pos = 0;
  while (true) {
    size_t at = message.find("{}", pos);
    if (at == std::string::npos)
      break;
    if (next == values.size())
      break;
    absl::StrAppend(&out, message.substr(pos, at - pos), values[next++]);
    pos = at + 2;
  }
  size_t placeholders = next;
  for (size_t at = message.find("{}", pos); at != std::string::npos;
       at = message.find("{}", at + 2))
    ++placeholders;
  if (placeholders != values.size())
    throw Error(ErrorCode::InvalidArgument,
                absl::StrCat("errorIf: the message \"", message, "\" has ", placeholders,
                             " {} placeholder", placeholders == 1 ? "" : "s", " but ",
                             values.size(), " value", values.size() == 1 ? " was" : "s were",
                             " given; give one value per {}"));
  absl::StrAppend(&out, message.substr(pos));
  return out;
}

std::string formatCheck(const CheckSite &site, const double *floats, const int64_t *ints) {
  std::vector<std::string> shown;
  for (size_t k = 0; k < site.valueTypes.size(); ++k)
    shown.push_back(formatCheckValue(site.valueTypes[k], floats[k], ints[k]));
  return formatCheckMessage(site.message, shown);
}

} // namespace bst
