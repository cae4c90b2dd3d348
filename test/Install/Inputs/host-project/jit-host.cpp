// Jits a counter step, saves it for bstc, and runs the export through
// bst::Engine.
#include "bst/Jit/Engine.h"
#include "bst/bst.h"

#include <cstdio>

int main(int argc, char **argv) {
  bst::HiddenState count{bst::zeros({16}), {.name = "count"}};
  auto step =
      bst::jit([&](const bst::Tensor &x) { count.setValue(count.value() + x); },
               {.name = "counter"});
  bst::Array one = bst::ones({16});
  step(one);
  step(one);
  step.lower(one).save(argc > 1 ? argv[1] : "counter.mlir");
  bst::runtime::Module m =
      bst::Engine().load(argc > 1 ? argv[1] : "counter.mlir");
  bst::Array c = bst::zeros({16}), x = bst::ones({16});
  bst::runtime::Bindings call(m);
  call.bind("arg0", x.rawData(), bst::f32, {16});
  call.bind("count", c.mutableRawData(), bst::f32, {16});
  call.call();
  call.call();
  std::printf("jit: %g, engine: %g\n",
              count.value().leaf().array().toVector<float>()[0],
              c.toVector<float>()[0]);
  return 0;
}
