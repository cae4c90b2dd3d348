//===- Error.cpp ----------------------------------------------------------===//
#include "bst/Support/Error.h"
#include "bst/Support/DType.h"

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

} // namespace bst
