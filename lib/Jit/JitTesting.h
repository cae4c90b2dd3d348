//===- JitTesting.h - Fault injection for bst::jit's tests ------*- C++ -*-===//
//
// Not part of bst's API (it is not under include/): unit tests that check how
// bst::jit behaves when the compiler fails include it from lib/Jit.
//
//===----------------------------------------------------------------------===//
#ifndef BST_LIB_JIT_JITTESTING_H
#define BST_LIB_JIT_JITTESTING_H

namespace bst::detail {

/// Makes the next `n` compiles that bst::jit starts on the calling thread fail
/// after tracing, with the bst::Error (code Compile) that a failing compiler
/// gives. 0 turns it off.
void failNextCompilesForTesting(int n);

} // namespace bst::detail

#endif // BST_LIB_JIT_JITTESTING_H
