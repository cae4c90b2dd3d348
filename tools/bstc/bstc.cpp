//===- bstc.cpp - bst's ahead-of-time compiler
//-----------------------------===//
//
// Compiles a step function exported with bst::jit(f).lower(args).save(path)
// into an object, a shared or static library, LLVM IR, assembly or a C header.
// See docs/bstc.md.
//
//===----------------------------------------------------------------------===//
#include "bst/Compiler/Aot.h"

int main(int argc, char **argv) { return bst::compiler::bstcMain(argc, argv); }
