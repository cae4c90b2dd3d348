//===- bst-checkpoint-test.cpp - Checkpoints for the numpy round-trip tests
//===//
//
//   bst-checkpoint-test save FILE      saves a model with known values to FILE
//   and prints, as
//                                      JSON, each entry's dtype, shape and
//                                      values
//   bst-checkpoint-test restore FILE   restores that model from FILE and prints
//   each state
//
// test/Checkpoint/*.test read the saved file with numpy and write files numpy
// made for restore.
//
//===----------------------------------------------------------------------===//
#include "bst/Checkpoint/Checkpoint.h"

#include <nlohmann/json.hpp>

#include <iostream>
#include <string>
#include <vector>

namespace {

/// Every dtype, a scalar, an empty array, dict- and list-valued states, a
/// submodule.
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

  void fill() {
    std::vector<float> w;
    for (int i = 0; i < 6; ++i)
      w.push_back(0.1f * static_cast<float>(i) - 0.35f);
    layer.fc.setValue(bst::Tree::dict(
        {{"w", bst::Array::fromVector(w, {2, 3})},
         {"b",
          bst::Array::fromVector<float>({3.0e38f, -1.5e-40f, 0.f}, {3})}}));
    layer.v.setValue(
        bst::Array::fromVector<float>({1.f, -2.5f, 1e-3f, 65504.f}, {4}));
    counts.setValue(bst::Array::fromVector<int64_t>(
        {-(int64_t{1} << 40), 0, 9007199254740993LL}, {3}));
    mask.setValue(
        bst::Array::fromVector<bool>({true, false, false, true, true}, {5}));
    scale.setValue(bst::Array::scalar<double>(1.0 / 3.0));
    history.setValue(
        bst::Tree::list({bst::Tree(bst::Array::fromVector<int32_t>(
                             {-7, 2147483647, -2147483647 - 1, 0}, {2, 2})),
                         bst::Tree(bst::zeros({0}))}));
  }
};

const char *numpyName(bst::DType d) {
  switch (d) {
  case bst::DType::f32:
    return "F32";
  case bst::DType::f64:
    return "F64";
  case bst::DType::i32:
    return "I32";
  case bst::DType::i64:
    return "I64";
  case bst::DType::boolean:
    return "BOOL";
  }
  return "?";
}

nlohmann::json values(const bst::Array &a) {
  switch (a.dtype()) {
  case bst::DType::f32:
    return a.toVector<float>();
  case bst::DType::f64:
    return a.toVector<double>();
  case bst::DType::i32:
    return a.toVector<int32_t>();
  case bst::DType::i64:
    return a.toVector<int64_t>();
  case bst::DType::boolean: {
    std::vector<bool> v = a.toVector<bool>();
    return nlohmann::json(std::vector<int>(v.begin(), v.end()));
  }
  }
  return nullptr;
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 3 ||
      (std::string(argv[1]) != "save" && std::string(argv[1]) != "restore")) {
    std::cerr << "usage: bst-checkpoint-test save|restore FILE\n";
    return 2;
  }
  Model model;
  try {
    if (std::string(argv[1]) == "save") {
      model.fill();
      bst::save(argv[2], model,
                {.metadata = {{"producer", "bst-checkpoint-test"}}});
      nlohmann::json expected = nlohmann::json::object();
      for (const auto &[path, state] : model.states())
        state.value().forEachLeaf(
            [&](const std::string &leaf, const bst::Tensor &t) {
              expected[bst::checkpointKey(path, leaf)] = {
                  {"dtype", numpyName(t.dtype())},
                  {"shape", t.shape().toVector()},
                  {"values", values(t.array())}};
            });
      std::cout << expected.dump(1) << "\n";
      return 0;
    }
    bst::RestoreResult r = bst::restore(argv[2], model);
    for (const std::string &path : r.restored)
      model.state(path).value().forEachLeaf(
          [&](const std::string &leaf, const bst::Tensor &t) {
            std::cout << bst::checkpointKey(path, leaf) << ": " << t.array()
                      << "\n";
          });
  } catch (const bst::Error &e) {
    std::cout << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
