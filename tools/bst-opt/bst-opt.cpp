//===- bst-opt.cpp - mlir-opt with bst's passes and pipeline --------------===//
#include "bst/Compiler/Compiler.h"

int main(int argc, char **argv) { return bst::compiler::bstOptMain(argc, argv); }
