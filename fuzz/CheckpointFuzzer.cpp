//===- CheckpointFuzzer.cpp - libFuzzer target for the checkpoint reader --===//
//
// Feeds arbitrary bytes to the safetensors reader behind bst::readCheckpoint
// and bst::restore. Any crash, sanitizer report, leak or exception other than
// bst::CheckpointError is a bug, and so is a failed restore that changed a
// state. The model matches the seed corpus (fuzz/corpus/checkpoint/, written by
// test/tools/bst-checkpoint-test and numpy), so mutations reach the matching of
// entries to states as well as the parser.
//
//===----------------------------------------------------------------------===//
#include "SafeTensors.h"

#include "bst/Checkpoint/Checkpoint.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

namespace {

struct Layer : bst::Module {
  BST_MODULE(Layer)
  bst::ParamState fc;
  bst::HiddenState v;
  Layer()
      : fc(bst::Tree::dict(
            {{"w", bst::zeros({2, 3})}, {"b", bst::zeros({3})}})),
        v(bst::zeros({4})) {
    registerState("fc", fc);
    registerState("v", v);
  }
};

/// The model of test/tools/bst-checkpoint-test.
struct Model : bst::Module {
  BST_MODULE(Model)
  Layer layer;
  bst::LongTermState counts;
  bst::State mask;
  bst::ParamState scale;
  bst::ShortTermState history;
  Model()
      : counts(bst::zeros({3}, bst::i64)), mask(bst::zeros({5}, bst::boolean)),
        scale(bst::zeros({}, bst::f64)),
        history(bst::Tree::list({bst::Tree(bst::zeros({2, 2}, bst::i32)),
                                 bst::Tree(bst::zeros({0}))})) {
    registerModule("layer", layer);
    registerState("counts", counts);
    registerState("mask", mask);
    registerState("scale", scale);
    registerState("history", history);
  }
};

bool sameValues(const std::vector<bst::Tree> &a,
                const std::vector<bst::Tree> &b) {
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!a[i].equals(b[i]))
      return false;
  return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace bst::detail::checkpoint;
  MemorySource source(
      "fuzz-input",
      std::string_view(reinterpret_cast<const char *>(data), size));
  try {
    readContents(source);
  } catch (const bst::CheckpointError &) {
  }

  Model model;
  bst::StateMap states = model.states();
  for (bool lenient : {false, true}) {
    bst::RestoreOptions options;
    options.allowMissing = options.allowExtra = lenient;
    options.checkKinds = !lenient;
    std::vector<bst::Tree> before = states.values();
    try {
      restoreFrom(source, states, options);
    } catch (const bst::CheckpointError &) {
      if (!sameValues(before, states.values())) {
        std::fprintf(stderr, "a failed restore changed a state\n");
        std::abort();
      }
    }
  }
  return 0;
}
