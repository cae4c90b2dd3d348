//===- ReadFile.h - Reading an exported module (private to the Jit layer) -===//
#ifndef BST_LIB_JIT_READFILE_H
#define BST_LIB_JIT_READFILE_H

#include <string>

namespace bst::detail {

/// The whole contents of the regular file `path`; throws bst::Error (ErrorCode::Load) naming
/// the file and the reason if it is missing, not a regular file or unreadable.
std::string readFileForLoad(const std::string &path);

} // namespace bst::detail

#endif // BST_LIB_JIT_READFILE_H
