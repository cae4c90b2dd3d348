//===- bst/Support/Error.h - The exceptions of bst's C++ API ----*- C++ -*-===//
//
// Every mistake a user can make surfaces as a bst::Error (or a subclass) whose message says what
// went wrong, where (the state's name, the op) and how to fix it. An operation that throws leaves
// every state as it was.
//
//===----------------------------------------------------------------------===//
#ifndef BST_SUPPORT_ERROR_H
#define BST_SUPPORT_ERROR_H

#include "bst/Support/DType.h"

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace bst {

/// What kind of failure an Error reports; stable across releases (the C API returns it).
enum class ErrorCode {
  InvalidArgument = 1, ///< A value, shape or dtype that the operation does not accept.
  Signature = 2,       ///< A write whose tree, shape or dtype differs from the frozen one.
  TraceContext = 3,    ///< A write from a trace frame the state does not belong to.
  HookCancelled = 4,   ///< A write_before hook cancelled the write.
  OutOfMemory = 5,     ///< A buffer could not be allocated.
  Internal = 6,        ///< A bug in bst; please report it.
  Compile = 7,         ///< The compiler rejected a program or module (with its diagnostics).
  Checkpoint = 8,      ///< A checkpoint file could not be written, read or matched to the states.
  Load = 9,            ///< An AOT library or exported module is missing, not a bst artifact, or
                       ///< has a malformed manifest.
  Incompatible = 10,   ///< An artifact built for another manifest format version or CPU.
  Check = 11,          ///< A bst::errorIf condition held (eagerly, or in a compiled call).
  BatchAxis = 12,      ///< Under bst::vmap, a batched value written to a state not declared batched.
};

/// Returns a stable lower-case name for `code`, e.g. "signature".
const char *errorCodeName(ErrorCode code);

/// Base of every exception bst throws. Thread-safe to copy and read.
class Error : public std::runtime_error {
public:
  Error(ErrorCode code, const std::string &message)
      : std::runtime_error(message), code_(code) {}
  ErrorCode code() const { return code_; }

private:
  ErrorCode code_;
};

/// A state write whose value does not match the state's frozen signature.
class SignatureError : public Error {
public:
  explicit SignatureError(const std::string &message)
      : Error(ErrorCode::Signature, message) {}
};

/// A state written from a trace frame it does not belong to (a state leaked out of, or carried
/// into, another trace).
class TraceContextError : public Error {
public:
  explicit TraceContextError(const std::string &message)
      : Error(ErrorCode::TraceContext, message) {}
};

/// Thrown when a write_before hook cancels a write; the state keeps its value.
class HookCancelled : public Error {
public:
  explicit HookCancelled(const std::string &message)
      : Error(ErrorCode::HookCancelled, message) {}
};

/// Under bst::vmap, a value that carries the batch axis written to a state that is neither a
/// BatchState nor in VmapOptions::inStates or outStates (bst/Transform/Vmap.h); every state keeps
/// its value.
class BatchAxisError : public Error {
public:
  explicit BatchAxisError(const std::string &message) : Error(ErrorCode::BatchAxis, message) {}
};

/// One bst::errorIf compiled into a function: its message (with `{}` placeholders) and the
/// dtypes of its values. Compiled code records the first check that fires in a call as a code
/// (the check's index + 1) and the values (floats in an f64[8], the others in an i64[8]).
struct CheckSite {
  std::string message;
  std::vector<DType> valueTypes;
};

/// The message of `site` fired with the recorded values `floats` and `ints` (8 each).
std::string formatCheck(const CheckSite &site, const double *floats, const int64_t *ints);

/// `message` with its `{}` placeholders replaced by `values` in order (bst::errorIf messages).
/// Throws bst::Error (InvalidArgument) naming the message if the counts differ.
std::string formatCheckMessage(const std::string &message, const std::vector<std::string> &values);

/// An errorIf value as messages print it: `f` for f32 and f64 (printed as the type's value),
/// `i` for i32, i64 and bool.
std::string formatCheckValue(DType type, double f, int64_t i);

/// A bst::errorIf condition held. Eagerly it is thrown at once; from a compiled call it is thrown
/// after the call, with every state holding the value it had before the call. what() is the
/// errorIf message with its `{}` placeholders replaced by the values.
class CheckError : public Error {
public:
  explicit CheckError(const std::string &message) : Error(ErrorCode::Check, message) {}
};

} // namespace bst

#endif // BST_SUPPORT_ERROR_H
