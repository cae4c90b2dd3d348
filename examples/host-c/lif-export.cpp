//===- host-c/lif-export.cpp - Export the LIF step for bstc
//----------------===//
//
//   lif-export [neurons=4000] [out=lif.mlir]
//
// Traces the LIF step of examples/lif/Lif.h for `neurons` neurons and saves it
// as an exported module: the tensor-level MLIR with the manifest (slots arg0,
// lif.v, lif.tau, lif.spike) as a module attribute. `bstc lif.mlir -o
// liblif.so` then compiles it ahead of time.
//
//===----------------------------------------------------------------------===//
#include "../lif/Lif.h"

#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char **argv) {
  const int64_t n = argc > 1 ? std::atoll(argv[1]) : 4000;
  const std::string out = argc > 2 ? argv[2] : "lif.mlir";
  if (n <= 0) {
    std::fprintf(stderr, "usage: lif-export [neurons > 0] [out.mlir]\n");
    return 2;
  }
  try {
    Lif lif(n);
    auto step =
        bst::jit([&](const bst::Tensor &i) { lif(i); }, {.name = "lif"});
    step.lower(lifDrive(n)).save(out);
  } catch (const bst::Error &e) {
    std::fprintf(stderr, "lif-export: %s\n", e.what());
    return 1;
  }
  std::printf("wrote %s: the LIF step for %lld neurons\n", out.c_str(),
              static_cast<long long>(n));
  return 0;
}
