//===- bst-export-test.cpp - Export step functions and compare AOT with JIT
//-===//
//
// A test-only tool for test/bstc and test/Runtime:
//
//   bst-export-test NAME OUT.mlir       saves example NAME (Lowered::save)
//   bst-export-test NAME --aot LIB.so   runs NAME for 5 steps (CUBA: 2000) with
//   bst::jit and with the library
//                                       (runtime::Module::load), and compares
//                                       every state and result bit for bit
//   bst-export-test NAME --engine F.mlir  the same with bst::Engine on an
//   exported module bst-export-test --list              the example names
//
// Prints "NAME: N slots, K steps: AOT matches JIT" or what differs (exit 1).
//
//===----------------------------------------------------------------------===//
#include "../../../examples/cuba/Cuba.h"
#include "bst/Jit/Engine.h"
#include "bst/Jit/Jit.h"
#include "bst/Runtime/Runtime.h"
#include "bst/State/State.h"
#include "bst/Support/Error.h"
#include "bst/Trace/Ops.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace {

using bst::Array;
using bst::Tensor;

/// n values 0.5, 1, 1.5, ... of `dtype`, not all equal (so a closed-over copy
/// is a capture).
Array ramp(bst::Shape shape, bst::DType dtype = bst::f32) {
  int64_t n = shape.numElements();
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i)
    v[i] = 0.5f * static_cast<float>(i % 13 + 1);
  Array a = Array::fromVector(v, shape);
  return dtype == bst::f32 ? a : bst::cast(Tensor(a), dtype).array();
}

/// A model: its states by name, one step with one argument, and that argument.
struct Model {
  std::map<std::string, bst::State> states;
  Array input;
  /// The step, to be jitted; returns a result or an empty tree.
  std::function<bst::Tree(const Tensor &)> step;
  /// Steps run by --aot and --engine.
  int steps = 5;
};

using Factory = std::function<Model()>;

Model lif() {
  struct Lif {
    bst::HiddenState v{bst::zeros({64}), {.name = "lif.v"}};
    bst::ParamState tau{bst::full({64}, 10.f), {.name = "lif.tau"}};
    bst::ShortTermState spike{bst::zeros({64}), {.name = "lif.spike"}};
  };
  auto m = std::make_shared<Lif>();
  Model out;
  out.states = {{"lif.v", m->v}, {"lif.tau", m->tau}, {"lif.spike", m->spike}};
  out.input = ramp({64});
  out.step = [m](const Tensor &i) -> bst::Tree {
    Tensor v0 = m->v.value().leaf();
    Tensor nv = v0 + 0.5f * (i - v0) / m->tau.value().leaf();
    Tensor fired = nv > 1.f;
    m->v.setValue(bst::where(fired, 0.f, nv));
    m->spike.setValue(bst::cast(fired, bst::f32));
    return bst::Tree::list({});
  };
  return out;
}

/// Closes over a non-uniform array (a capture slot) and returns a result.
Model capture() {
  auto acc = std::make_shared<bst::HiddenState>(
      bst::zeros({48}), bst::StateOptions{.name = "acc"});
  Array w = ramp({48});
  Model out;
  out.states = {{"acc", *acc}};
  out.input = ramp({48});
  out.step = [acc, w](const Tensor &x) -> bst::Tree {
    Tensor y = x * Tensor(w) + acc->value().leaf();
    acc->setValue(y);
    return bst::Tree(y * 2.f);
  };
  return out;
}

/// States of every dtype; an integer argument.
Model dtypes() {
  struct S {
    bst::HiddenState f{bst::zeros({40}, bst::f64), {.name = "f64"}};
    bst::HiddenState i{bst::zeros({40}, bst::i32), {.name = "i32"}};
    bst::HiddenState l{bst::zeros({40}, bst::i64), {.name = "i64"}};
    bst::HiddenState b{bst::zeros({40}, bst::boolean), {.name = "flag"}};
  };
  auto s = std::make_shared<S>();
  Model out;
  out.states = {{"f64", s->f}, {"i32", s->i}, {"i64", s->l}, {"flag", s->b}};
  out.input = ramp({40}, bst::i32);
  out.step = [s](const Tensor &x) -> bst::Tree {
    Tensor ni = s->i.value().leaf() + x;
    s->i.setValue(ni);
    s->l.setValue(s->l.value().leaf() + bst::cast(ni, bst::i64));
    s->f.setValue(s->f.value().leaf() * 0.5 + bst::cast(ni, bst::f64));
    s->b.setValue(ni > 10);
    return bst::Tree::list({});
  };
  return out;
}

/// Names a C header must escape or rename: a keyword, quotes, a comment end, a
/// clash.
Model names() {
  struct S {
    bst::HiddenState kw{bst::zeros({20}), {.name = "int"}};
    bst::HiddenState odd{bst::zeros({20}), {.name = "a\"b*/c\\d"}};
    bst::HiddenState dot{bst::zeros({20}), {.name = "x.y"}};
    bst::HiddenState under{bst::zeros({20}), {.name = "x_y"}};
  };
  auto s = std::make_shared<S>();
  Model out;
  out.states = {{"int", s->kw},
                {"a\"b*/c\\d", s->odd},
                {"x.y", s->dot},
                {"x_y", s->under}};
  out.input = ramp({20});
  out.step = [s](const Tensor &x) -> bst::Tree {
    s->kw.setValue(s->kw.value().leaf() + x);
    s->odd.setValue(s->odd.value().leaf() - x);
    s->dot.setValue(s->dot.value().leaf() * 0.5f + x);
    s->under.setValue(bst::maximum(s->under.value().leaf(), x));
    return bst::Tree::list({});
  };
  return out;
}

/// Two-dimensional state updated through a matmul.
Model matmul() {
  auto h = std::make_shared<bst::HiddenState>(bst::zeros({8, 16}),
                                              bst::StateOptions{.name = "h"});
  auto w = std::make_shared<bst::ParamState>(ramp({16, 16}),
                                             bst::StateOptions{.name = "w"});
  Model out;
  out.states = {{"h", *h}, {"w", *w}};
  out.input = ramp({8, 16});
  out.step = [h, w](const Tensor &x) -> bst::Tree {
    h->setValue(bst::tanh(
        bst::matmul(h->value().leaf(), w->value().leaf()) * 0.01f + x));
    return bst::Tree::list({});
  };
  return out;
}

/// The CUBA network (examples/cuba): its connectivity is captured (embedded in
/// the code); the argument is unused.
Model cuba() {
  auto net = std::make_shared<Cuba>();
  Model out;
  out.states = {
      {"cuba.v", net->v},           {"cuba.ge", net->ge},
      {"cuba.gi", net->gi},         {"cuba.refractory", net->refractoryLeft},
      {"cuba.spikes", net->spikes}, {"cuba.spike_count", net->spikeCount}};
  out.input = bst::zeros({1});
  out.steps = 2000; // 200 ms of simulated time: the network spikes
  out.step = [net](const Tensor &) -> bst::Tree {
    net->step();
    return bst::Tree::list({});
  };
  return out;
}

/// 1000 CUBA steps as one compiled loop (bst::forLoop): the states are loop
/// carries.
Model cubaLoop() {
  Model out = cuba();
  auto step = out.step;
  out.steps = 2;
  out.step = [step](const Tensor &x) -> bst::Tree {
    bst::forLoop(1000, [&] { step(x); });
    return bst::Tree::list({});
  };
  return out;
}

const std::map<std::string, Factory> &examples() {
  static const std::map<std::string, Factory> all = {
      {"capture", capture}, {"cuba", cuba}, {"cuba-loop", cubaLoop},
      {"dtypes", dtypes},   {"lif", lif},   {"matmul", matmul},
      {"names", names}};
  return all;
}

/// The step jitted as function NAME ('-' replaced by '_': the name must be a C identifier).
auto jitted(const Model &m, std::string name) {
  auto step = m.step;
  std::replace(name.begin(), name.end(), '-', '_');
  return bst::jit([step](const Tensor &i) { return step(i); }, {.name = name});
}

/// The bytes of `a`.
std::string bytesOf(const Array &a) {
  return std::string(static_cast<const char *>(a.rawData()), a.nbytes());
}

/// Runs the model with the JIT and with `module`; compares states and results.
int compare(const std::string &name, bst::runtime::Module module) {
  Model jitModel = examples().at(name)(), aotModel = examples().at(name)();
  auto step = jitted(jitModel, name);
  // The AOT side binds buffers it owns: copies of the fresh model's state
  // values.
  bst::runtime::Bindings call(module);
  std::map<std::string, Array> buffers;
  const bst::runtime::Manifest &manifest = module.manifest();
  for (const bst::runtime::SlotInfo &s : manifest.slots) {
    Array source;
    switch (s.role) {
    case bst::runtime::SlotRole::Argument:
      source = aotModel.input;
      break;
    case bst::runtime::SlotRole::State:
      source = aotModel.states.at(s.name).value().leaf().array();
      break;
    case bst::runtime::SlotRole::Result:
      source = Array(s.type.shape, s.type.dtype);
      break;
    case bst::runtime::SlotRole::Capture:
      continue;
    }
    // A private copy: writing it must not touch the model's arrays.
    Array buffer(source.shape(), source.dtype());
    std::memcpy(buffer.mutableRawData(), source.rawData(), source.nbytes());
    void *data = buffer.mutableRawData();
    buffers[s.name] = buffer;
    call.bind(s.index, data, s.type.dtype, s.type.shape);
  }
  bst::Tree result;
  for (int k = 0; k < jitModel.steps; ++k) {
    result = step(jitModel.input);
    call.call();
  }
  int failures = 0;
  for (const bst::runtime::SlotInfo &s : manifest.slots) {
    Array expected;
    if (s.role == bst::runtime::SlotRole::State)
      expected = jitModel.states.at(s.name).value().leaf().array();
    else if (s.role == bst::runtime::SlotRole::Result)
      expected = result.leaf().array();
    else
      continue;
    if (bytesOf(expected) != bytesOf(buffers.at(s.name))) {
      std::printf("%s: slot '%s' differs:\n  JIT %s\n  AOT %s\n", name.c_str(),
                  s.name.c_str(), expected.toString().c_str(),
                  buffers.at(s.name).toString().c_str());
      ++failures;
    }
  }
  if (failures)
    return 1;
  std::printf("%s: %zu slots, %d steps: AOT matches JIT\n", name.c_str(),
              manifest.slots.size(), jitModel.steps);
  // Scalar states (CUBA's spike count) show the run did something.
  for (const bst::runtime::SlotInfo &s : manifest.slots)
    if (s.role == bst::runtime::SlotRole::State && s.type.shape.rank() == 0)
      std::printf("  %s = %s\n", s.name.c_str(),
                  buffers.at(s.name).toString().c_str());
  return 0;
}

int run(int argc, char **argv) {
  if (argc == 2 && std::strcmp(argv[1], "--list") == 0) {
    for (const auto &[name, factory] : examples())
      std::printf("%s\n", name.c_str());
    return 0;
  }
  if (argc < 3 || !examples().count(argv[1])) {
    std::fprintf(
        stderr,
        "usage: bst-export-test NAME (OUT.mlir | --aot LIB | --engine MLIR); "
        "bst-export-test --list\n");
    return 2;
  }
  std::string name = argv[1], mode = argv[2];
  if (mode == "--aot" && argc == 4)
    return compare(name, bst::runtime::Module::load(argv[3]));
  if (mode == "--engine" && argc == 4)
    return compare(name, bst::Engine().load(argv[3]));
  Model m = examples().at(name)();
  jitted(m, name).lower(m.input).save(mode);
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  try {
    return run(argc, argv);
  } catch (const bst::Error &e) {
    std::fprintf(stderr, "bst-export-test: %s\n", e.what());
    return 1;
  }
}
