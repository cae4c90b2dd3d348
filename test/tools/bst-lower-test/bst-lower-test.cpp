//===- bst-lower-test.cpp - Lower example step functions for lit tests ----===//
//
// A test-only tool: a registry of small step functions written with bst's
// public ops and states, one or more per op family. `bst-lower-test NAME`
// traces and lowers one of them with bst::jit(...).lower(args) and prints what
// the lit tests in test/Compiler check:
//
//   --emit=mlir      the tensor-level module (Lowered::mlir), the default
//   --emit=program   the trace IR (Lowered::program)
//   --emit=manifest  the manifest (Lowered::manifestJson())
//   --emit=llvm      the LLVM-dialect module after bst's pipeline
//                    (compiler::runCpuPipeline on Lowered::mlir)
//
// `--list` prints the names. Each function is compiled under the name of its
// example with '-' replaced by '_': `lif` gives func.func @lif and llvm.func
// @bst_entry_lif. An error (unknown name, failed compile) exits with 1.
//
//===----------------------------------------------------------------------===//
#include "bst/Compiler/Compiler.h"
#include "bst/Jit/Jit.h"
#include "bst/State/State.h"
#include "bst/Support/Error.h"
#include "bst/Trace/Connectivity.h"
#include "bst/Trace/Ops.h"
#include "bst/Transform/ControlFlow.h"
#include "bst/Transform/Random.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

namespace {

using bst::Array;
using bst::DType;
using bst::Lowered;
using bst::Tensor;

/// One example: its name, what it shows, and how to lower it.
struct Example {
  const char *name;
  const char *description;
  std::function<Lowered(const bst::JitOptions &)> lower;
};

/// n floats 1, 2, 3, ... (positive, so log and sqrt are defined). The examples
/// use more than 16 elements where scalars meet tensors: the tracer evaluates
/// broadcasts of up to 16 elements eagerly, which would turn each weak scalar
/// into a dense constant operand.
Array ramp(int64_t n) {
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i)
    v[i] = static_cast<float>(i + 1);
  return Array::fromVector(v, {n});
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

/// Every floating unary op in one chain on a state: one linalg.generic writing
/// the slot.
Lowered unaryFloat(const bst::JitOptions &options) {
  bst::HiddenState s(ramp(64), {.name = "u.s"});
  auto f = bst::jit(
      [&] {
        Tensor t = s.value();
        t = bst::exp(t) + bst::log(t) + bst::log1p(t) + bst::expm1(t);
        t = bst::sqrt(bst::abs(t)) + bst::rsqrt(t) + bst::tanh(t) +
            bst::sigmoid(t);
        t = bst::sin(t) + bst::cos(t) + bst::floor(t) + bst::ceil(t) +
            bst::round(t);
        t = bst::relu(-t) + bst::sign(t);
        s.setValue(t);
      },
      options);
  return f.lower();
}

/// Integer and bool unary ops.
Lowered unaryInt(const bst::JitOptions &options) {
  bst::HiddenState i(bst::zeros({64}, DType::i32), {.name = "u.i"});
  bst::HiddenState b(bst::zeros({64}, DType::boolean), {.name = "u.b"});
  auto f = bst::jit(
      [&] {
        i.setValue(bst::sign(bst::abs(-static_cast<Tensor>(i.value()))));
        b.setValue(!static_cast<Tensor>(b.value()));
      },
      options);
  return f.lower();
}

/// Binary float ops with weakly typed C++ scalars: everything stays f32.
Lowered binaryWeak(const bst::JitOptions &options) {
  bst::ShortTermState out(bst::zeros({64}), {.name = "b.out"});
  auto f = bst::jit(
      [&](const Tensor &x, const Tensor &y) {
        Tensor t = x * 0.5f + 2 - 1.0 / y;
        t = bst::pow(t, 2.0) + bst::min(x, y) * bst::max(x, 3);
        out.setValue(bst::clip(t - y, 0.f, 10.0));
      },
      options);
  return f.lower(ramp(64), ramp(64));
}

/// Binary integer ops: safe division, integer pow, and an i32 tensor meeting a
/// float scalar.
Lowered binaryInt(const bst::JitOptions &options) {
  bst::ShortTermState q(bst::zeros({64}, DType::i32), {.name = "b.q"});
  bst::ShortTermState r(bst::zeros({64}), {.name = "b.r"});
  auto f = bst::jit(
      [&](const Tensor &x, const Tensor &y) {
        q.setValue(bst::pow(x / y, 2) - x * 3);
        r.setValue(x * 0.5f);
      },
      options);
  Array x = bst::full({64}, 7, DType::i32), y = bst::full({64}, 2, DType::i32);
  return f.lower(x, y);
}

/// Comparisons, logic, where and casts.
Lowered compareSelect(const bst::JitOptions &options) {
  bst::ShortTermState out(bst::zeros({64}), {.name = "c.out"});
  bst::ShortTermState count(bst::zeros({64}, DType::i32), {.name = "c.count"});
  auto f = bst::jit(
      [&](const Tensor &x, const Tensor &y) {
        Tensor m = ((x < y) && !(x >= 2.f)) || (x == y) || (x != 3) ||
                   (x <= y) || (y > 1);
        out.setValue(bst::where(m, x, bst::cast(y > 0.f, DType::f32)));
        count.setValue(bst::cast(x, DType::i32) + bst::cast(m, DType::i32));
      },
      options);
  return f.lower(ramp(64), ramp(64));
}

//===----------------------------------------------------------------------===//
// Shapes
//===----------------------------------------------------------------------===//

/// NumPy broadcasting: [4,1] + [3] -> [4,3], and a broadcast scalar.
Lowered broadcast(const bst::JitOptions &options) {
  bst::HiddenState acc(bst::zeros({4, 3}), {.name = "bc.acc"});
  auto f = bst::jit(
      [&](const Tensor &col, const Tensor &row, const Tensor &k) {
        acc.setValue(static_cast<Tensor>(acc.value()) + col * row +
                     bst::broadcastTo(k, bst::Shape{4, 3}));
      },
      options);
  return f.lower(bst::zeros({4, 1}), bst::zeros({3}), Array::scalar(1.f));
}

/// reshape through rank 1, and a transpose.
Lowered reshapeTranspose(const bst::JitOptions &options) {
  auto f = bst::jit(
      [&](const Tensor &x) {
        Tensor m = bst::reshape(x, {6, 4});
        return bst::transpose(m) * 2.f;
      },
      options);
  return f.lower(bst::zeros({2, 3, 4}));
}

/// concatenate along an axis, then a strided static slice.
Lowered concatSlice(const bst::JitOptions &options) {
  auto f = bst::jit(
      [&](const Tensor &a, const Tensor &b) {
        Tensor c = bst::concatenate({a, b}, 1);
        return bst::slice(c, {0, 1}, {2, 7}, {1, 2});
      },
      options);
  return f.lower(bst::zeros({2, 3}), bst::zeros({2, 4}));
}

/// A ring buffer: the step writes one element of `hist` at a run-time position
/// and advances the position. Both states are updated in place.
Lowered dynamicUpdate(const bst::JitOptions &options) {
  bst::HiddenState hist(bst::zeros({8}), {.name = "ring.hist"});
  bst::HiddenState pos(Array::scalar(int32_t{0}), {.name = "ring.pos"});
  auto f = bst::jit(
      [&](const Tensor &x) {
        Tensor p = pos.value();
        hist.setValue(bst::dynamicUpdateSlice(hist.value(), x, {p}));
        pos.setValue(p + 1);
      },
      options);
  return f.lower(bst::zeros({1}));
}

/// dynamicSlice at a run-time start (clamped), read from a state.
Lowered dynamicSlice(const bst::JitOptions &options) {
  bst::ParamState table(bst::zeros({8, 4}), {.name = "ds.table"});
  auto f = bst::jit(
      [&](const Tensor &row) {
        return bst::dynamicSlice(table.value(), {row, 1}, {2, 3});
      },
      options);
  return f.lower(Array::scalar(int64_t{3}));
}

//===----------------------------------------------------------------------===//
// Indexing
//===----------------------------------------------------------------------===//

/// gather (take along axis 1) and a scatter-add histogram into a state.
Lowered gatherScatter(const bst::JitOptions &options) {
  bst::LongTermState counts(bst::zeros({10}), {.name = "gs.counts"});
  auto f = bst::jit(
      [&](const Tensor &x, const Tensor &idx) {
        counts.setValue(bst::scatterAdd(counts.value(), idx, 1.f));
        return bst::gather(x, idx, 1);
      },
      options);
  return f.lower(bst::zeros({3, 10}), bst::zeros({4}, DType::i32));
}

//===----------------------------------------------------------------------===//
// Reductions and matmul
//===----------------------------------------------------------------------===//

/// sum, mean, max, min and argmax.
Lowered reductions(const bst::JitOptions &options) {
  auto f = bst::jit(
      [&](const Tensor &x) {
        return std::vector<Tensor>{
            bst::sum(x, 1), bst::mean(x), bst::reduceMax(x, 0),
            bst::reduceMin(x, {}, true), bst::argmax(x, 1)};
      },
      options);
  return f.lower(bst::zeros({4, 8}));
}

/// 2-D matmul.
Lowered matmul(const bst::JitOptions &options) {
  auto f = bst::jit(
      [&](const Tensor &a, const Tensor &b) { return bst::matmul(a, b); },
      options);
  return f.lower(bst::zeros({4, 8}), bst::zeros({8, 3}));
}

/// Batched matmul.
Lowered batchMatmul(const bst::JitOptions &options) {
  auto f = bst::jit(
      [&](const Tensor &a, const Tensor &b) { return bst::matmul(a, b); },
      options);
  return f.lower(bst::zeros({2, 4, 8}), bst::zeros({2, 8, 3}));
}

//===----------------------------------------------------------------------===//
// Creation
//===----------------------------------------------------------------------===//

/// Creation ops as a trace records them: arange of more than 16 elements is an
/// iota (smaller ones are evaluated eagerly and become constants), a small
/// array is a dense constant, a large splat is a scalar constant broadcast, and
/// a large non-splat array is a capture slot.
Lowered iotaConstants(const bst::JitOptions &options) {
  Array small =
      Array::fromVector(std::vector<float>{0.5f, 1.5f, 2.5f, 3.5f}, {4});
  Array big = ramp(32);
  auto f = bst::jit(
      [&](const Tensor &x, const Tensor &y) {
        Tensor r = bst::arange(0.0, 8.0, 0.25) * bst::constant(big) + x +
                   bst::constant(bst::full({32}, 3.f));
        return std::vector<Tensor>{r, bst::arange(20, DType::i32),
                                   y * bst::constant(small)};
      },
      options);
  return f.lower(bst::zeros({32}), bst::zeros({4}));
}

//===----------------------------------------------------------------------===//
// Whole steps
//===----------------------------------------------------------------------===//

/// The LIF step of examples/lif: v and spike updated in place.
Lowered lif(const bst::JitOptions &options) {
  const int64_t n = 4096;
  const float dt = 0.1f;
  bst::HiddenState v(bst::zeros({n}), {.name = "lif.v"});
  bst::ParamState tau(bst::full({n}, 10.f), {.name = "lif.tau"});
  bst::ShortTermState spike(bst::zeros({n}), {.name = "lif.spike"});
  auto f = bst::jit(
      [&](const Tensor &input) {
        Tensor v0 = v.value();
        Tensor nv = v0 + dt * (input - v0) / static_cast<Tensor>(tau.value());
        Tensor fired = nv > 1.f;
        v.setValue(bst::where(fired, 0.f, nv));
        spike.setValue(bst::cast(fired, DType::f32));
      },
      options);
  return f.lower(bst::zeros({n}));
}

/// The LIF step with a noise current: v += sigma * sqrt(dt) * N(0, 1) drawn from
/// a RandomState. The draw (Philox, Box-Muller) is computed inside the step's one
/// elementwise loop; the generator's counter is advanced in place.
Lowered noisyLif(const bst::JitOptions &options) {
  const int64_t n = 4096;
  const float dt = 0.1f;
  bst::HiddenState v(bst::zeros({n}), {.name = "lif.v"});
  bst::ParamState tau(bst::full({n}, 10.f), {.name = "lif.tau"});
  bst::ShortTermState spike(bst::zeros({n}), {.name = "lif.spike"});
  bst::RandomState rng(7, {.name = "lif.rng"});
  auto f = bst::jit(
      [&](const Tensor &input) {
        Tensor v0 = v.value();
        Tensor noise = rng.normal({n}, 0.0, 0.5 * std::sqrt(dt));
        Tensor nv = v0 + dt * (input - v0) / static_cast<Tensor>(tau.value()) + noise;
        Tensor fired = nv > 1.f;
        v.setValue(bst::where(fired, 0.f, nv));
        spike.setValue(bst::cast(fired, DType::f32));
      },
      options);
  return f.lower(bst::zeros({n}));
}

/// Two states swapped: each new value is the other's old value, so at least one
/// of them must go through a temporary.
Lowered swap(const bst::JitOptions &options) {
  bst::HiddenState a(bst::zeros({8}), {.name = "sw.a"});
  bst::HiddenState b(bst::ones({8}), {.name = "sw.b"});
  auto f = bst::jit(
      [&] {
        Tensor va = a.value(), vb = b.value();
        a.setValue(vb);
        b.setValue(va);
      },
      options);
  return f.lower();
}

/// Two states that read each other through arithmetic (a' = b + 1, b' = a * 2).
Lowered crossUpdate(const bst::JitOptions &options) {
  bst::HiddenState a(bst::zeros({64}), {.name = "cu.a"});
  bst::HiddenState b(bst::ones({64}), {.name = "cu.b"});
  auto f = bst::jit(
      [&] {
        Tensor va = a.value(), vb = b.value();
        a.setValue(vb + 1.f);
        b.setValue(va * 2.f);
      },
      options);
  return f.lower();
}

/// A step that reads a state and an argument and returns a result.
Lowered result(const bst::JitOptions &options) {
  bst::ParamState w(bst::ones({64}), {.name = "r.w"});
  auto f = bst::jit(
      [&](const Tensor &x) { return x * 2.f + static_cast<Tensor>(w.value()); },
      options);
  return f.lower(ramp(64));
}

//===----------------------------------------------------------------------===//
// Control flow
//===----------------------------------------------------------------------===//

/// The LIF step of `lif` run 100 times by one bst::forLoop: v and spike are the
/// loop's carries, updated in place in the slots; tau is only read.
Lowered forLif(const bst::JitOptions &options) {
  const int64_t n = 256;
  const float dt = 0.1f;
  bst::HiddenState v(bst::zeros({n}), {.name = "lif.v"});
  bst::ParamState tau(bst::full({n}, 10.f), {.name = "lif.tau"});
  bst::ShortTermState spike(bst::zeros({n}), {.name = "lif.spike"});
  auto f = bst::jit(
      [&](const Tensor &input) {
        bst::forLoop(100, [&] {
          Tensor v0 = v.value();
          Tensor nv = v0 + dt * (input - v0) / static_cast<Tensor>(tau.value());
          Tensor fired = nv > 1.f;
          v.setValue(bst::where(fired, 0.f, nv));
          spike.setValue(bst::cast(fired, DType::f32));
        });
      },
      options);
  return f.lower(bst::zeros({n}));
}

/// bst::cond on a run-time predicate: the then branch integrates the input into
/// v and counts, the else branch decays v (the count keeps its value).
Lowered cond(const bst::JitOptions &options) {
  bst::HiddenState v(ramp(64), {.name = "c.v"});
  bst::HiddenState count(Array::scalar<int32_t>(0), {.name = "c.count"});
  auto f = bst::jit(
      [&](const Tensor &x) {
        bst::cond(
            bst::reduceMax(x) > 0.f,
            [&] {
              v.setValue(v.value() + x);
              count.setValue(count.value() + 1);
            },
            [&] { v.setValue(v.value() * 0.5f); });
      },
      options);
  return f.lower(ramp(64));
}

/// bst::whileLoop: halves v and adds the input until a counter state reaches
/// 10; the condition reads the counter.
Lowered whileLoop(const bst::JitOptions &options) {
  bst::HiddenState n(Array::scalar<int32_t>(0), {.name = "w.n"});
  bst::HiddenState v(ramp(64), {.name = "w.v"});
  auto f = bst::jit(
      [&](const Tensor &x) {
        bst::whileLoop([&] { return static_cast<Tensor>(n.value()) < 10; },
                       [&] {
                         n.setValue(n.value() + 1);
                         v.setValue(v.value() * 0.5f + x);
                       });
      },
      options);
  return f.lower(ramp(64));
}

/// Synaptic currents: g decays and gains the events of a spike vector (x + eventSum, which
/// accumulates into x); h gains them without decay (x is the slot itself). Before, a flag
/// computed from g is sliced (a non-elementwise use), and only then is the decay traced.
Lowered eventSumInto(const bst::JitOptions &options) {
  bst::Connectivity c = bst::Connectivity::fixedProbability(64, 32, 0.25, 7, 0.5f);
  bst::Connectivity d = bst::Connectivity::fixedProbability(64, 32, 0.25, 8, -1.f);
  bst::HiddenState g(bst::zeros({32}), {.name = "syn.g"});
  bst::HiddenState h(bst::zeros({32}), {.name = "syn.h"});
  bst::HiddenState high(bst::zeros({16}, DType::boolean), {.name = "syn.high"});
  auto f = bst::jit(
      [&](const Tensor &spikes) {
        Tensor g0 = g.value();
        high.setValue(bst::slice(g0 > 1.f, {0}, {16}));
        g.setValue(g0 * 0.9f + bst::eventSum(c, spikes));
        h.setValue(static_cast<Tensor>(h.value()) + bst::eventSum(d, spikes));
      },
      options);
  return f.lower(bst::zeros({64}, DType::boolean));
}

const std::vector<Example> &examples() {
  static const std::vector<Example> all = {
      {"unary-float", "every floating unary op, chained on a state",
       unaryFloat},
      {"unary-int", "neg, abs, sign on i32 and not on bool", unaryInt},
      {"binary-weak", "binary float ops with weakly typed scalars", binaryWeak},
      {"binary-int", "integer div, pow, and an i32 tensor times 0.5f",
       binaryInt},
      {"compare-select", "comparisons, logic, where, cast", compareSelect},
      {"broadcast", "[4,1] * [3] and broadcastTo into a [4,3] state",
       broadcast},
      {"reshape-transpose", "reshape [2,3,4] -> [6,4], transpose",
       reshapeTranspose},
      {"concat-slice", "concatenate along axis 1, strided slice", concatSlice},
      {"dynamic-update", "ring buffer: dynamicUpdateSlice into a state",
       dynamicUpdate},
      {"dynamic-slice", "dynamicSlice of a state at a run-time row",
       dynamicSlice},
      {"gather-scatter", "gather along axis 1, scatterAdd into a state",
       gatherScatter},
      {"reductions", "sum, mean, reduceMax, reduceMin, argmax", reductions},
      {"matmul", "[4,8] x [8,3]", matmul},
      {"batch-matmul", "[2,4,8] x [2,8,3]", batchMatmul},
      {"iota-constants", "arange, an array constant, scalar constants",
       iotaConstants},
      {"lif", "the LIF step: v and spike updated in place", lif},
      {"noisy-lif", "the LIF step with a normal noise current", noisyLif},
      {"swap", "two states swapped", swap},
      {"cross-update", "two states updated from each other", crossUpdate},
      {"result", "a step returning a result", result},
      {"for-lif", "the LIF step 100 times in one forLoop", forLif},
      {"cond", "cond: one state written in both branches, one in one", cond},
      {"while-loop", "whileLoop counting in a state", whileLoop},
      {"event-sum-into", "x + eventSum accumulating into x", eventSumInto},
  };
  return all;
}

void printNames(std::FILE *out) {
  for (const Example &e : examples())
    std::fprintf(out, "  %-18s %s\n", e.name, e.description);
}

int usage(std::FILE *out, int code) {
  std::fprintf(
      out, "usage: bst-lower-test NAME [--emit=mlir|program|manifest|llvm]\n"
           "       bst-lower-test --list\nexamples:\n");
  printNames(out);
  return code;
}

} // namespace

int main(int argc, char **argv) {
  std::string name, emit = "mlir";
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--list") {
      for (const Example &e : examples())
        std::printf("%s\n", e.name);
      return 0;
    }
    if (arg == "--help" || arg == "-h")
      return usage(stdout, 0);
    if (arg.starts_with("--emit=")) {
      emit = arg.substr(7);
      continue;
    }
    if (arg.starts_with("-") || !name.empty()) {
      std::fprintf(stderr, "bst-lower-test: unexpected argument '%s'\n",
                   argv[i]);
      return usage(stderr, 1);
    }
    name = arg;
  }
  if (emit != "mlir" && emit != "program" && emit != "manifest" &&
      emit != "llvm") {
    std::fprintf(
        stderr,
        "bst-lower-test: unknown --emit=%s (mlir, program, manifest, llvm)\n",
        emit.c_str());
    return 1;
  }
  if (name.empty())
    return usage(stderr, 1);
  auto it = std::find_if(examples().begin(), examples().end(),
                         [&](const Example &e) { return name == e.name; });
  if (it == examples().end()) {
    std::fprintf(stderr,
                 "bst-lower-test: unknown example '%s'; the examples are:\n",
                 name.c_str());
    printNames(stderr);
    return 1;
  }

  bst::JitOptions options;
  options.name = name;
  std::replace(options.name.begin(), options.name.end(), '-', '_');
  try {
    Lowered lowered = it->lower(options);
    if (emit == "mlir")
      std::cout << lowered.mlir;
    else if (emit == "program")
      std::cout << lowered.program;
    else if (emit == "manifest")
      std::cout << lowered.manifestJson() << "\n";
    else
      std::cout << bst::compiler::runCpuPipeline(lowered.mlir);
  } catch (const bst::Error &e) {
    std::fprintf(stderr, "bst-lower-test: %s: %s\n", name.c_str(), e.what());
    return 1;
  }
  return 0;
}
