//===- Autodiff.cpp - Reverse-mode differentiation by replaying a trace ---===//
//
// linearize traces the user's function once (a nested trace: values of enclosing traces it uses
// become arguments), then replays the program here, one primitive at a time through the public
// ops and detail::apply: eagerly that computes, under an enclosing jit it records. The backward
// pass walks the program in reverse and applies one VJP rule per primitive, again through the
// public ops, so it too is eager or recorded. Only values that depend on what is differentiated
// ("active" values) get cotangents.
//
//===----------------------------------------------------------------------===//
#include "bst/Transform/Autodiff.h"
#include "bst/Trace/Apply.h"
#include "bst/Trace/Ops.h"
#include "bst/Transform/ControlFlow.h"
#include "bst/Transform/ErrorIf.h"

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include <algorithm>
#include <optional>

namespace bst {
namespace detail {

using Cotangent = std::optional<Tensor>;

/// A customVjp rule, referred to by the markers of the program that traced its calls.
struct CustomRule {
  CustomVjpRule bwd;
  size_t numInputs;
};
using CustomRules = std::vector<std::shared_ptr<const CustomRule>>;

/// The rules of the nested trace running on this thread (null outside of one): customVjp calls
/// traced there append their rule and mark their output with its index.
static thread_local CustomRules *tracedRules = nullptr;

/// What the backward pass of an active ForLoop needs from its forward replay: the carries at the
/// start of every step (those whose values its rules need).
struct LoopTape {
  /// The body values kept per step (after the step's body ran): with `residual`, the values the
  /// VJP rules read (the backward then replays only the body's parameter-free instructions);
  /// else the carry parameters whose values the backward needs to recompute the body.
  std::vector<ValueId> values;
  bool residual = false;
  /// Residual tapes: the instructions of the body that depend on no parameter.
  std::vector<const Instruction *> invariant;
  /// Eager replay: per step, the kept values.
  std::vector<std::vector<Tensor>> steps;
  /// Traced replay: per kept value, its values stacked over the steps ([count, ...]).
  std::vector<Tensor> stacked;
};

struct Linearization {
  const char *what = "";
  TracedFunction traced;
  /// Values of enclosing traces the function closed over (Argument slots from numArgLeaves).
  std::vector<Tensor> lifted;
  size_t numArgLeaves = 0;
  /// The primal value of every top-level program value the replay computed.
  std::vector<Tensor> primal;
  /// Values that depend on what is differentiated.
  std::vector<bool> active;
  Tree output;
  std::vector<ValueId> outputLeaves;
  struct WrtState {
    std::string path;
    State state;
    std::vector<ValueId> leaves; // the input value of each leaf, kNoValue if unused
  };
  std::vector<WrtState> states;
  struct WrtArg {
    Signature signature;
    std::vector<ValueId> leaves;
  };
  std::vector<WrtArg> args;
  /// The customVjp rules of the program's markers, by index.
  CustomRules customs;
  /// The tapes of the program's active top-level loops.
  absl::flat_hash_map<const Instruction *, LoopTape> tapes;
};

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

static Tensor zerosOf(const AbstractArray &type) {
  return broadcastTo(scalar(0, type.dtype), type.shape);
}

static std::vector<int64_t> dims(const Tensor &t) { return t.shape().toVector(); }

/// `shape` with the extents at `axes` set to 1 (a reduction's keepDims shape).
static std::vector<int64_t> keptShape(std::vector<int64_t> shape,
                                      const std::vector<int64_t> &axes) {
  for (int64_t a : axes)
    shape[a] = 1;
  return shape;
}

static bool isFloatType(const AbstractArray &t) { return isFloating(t.dtype); }

static std::string argName(size_t i) { return absl::StrCat("argument ", i); }

//===----------------------------------------------------------------------===//
// Replays: the forward pass, and the recomputation of loop and branch bodies in the backward
//===----------------------------------------------------------------------===//

/// One replay of a program or region: the values (indexed by ValueId; region values are
/// overwritten by each step), the active flags, the customVjp rules of its markers, and the
/// tapes of the active loops it ran at its own level (not inside their bodies).
struct Pass {
  std::vector<Tensor> &env;
  const std::vector<bool> &active;
  const CustomRules &rules;
  absl::flat_hash_map<const Instruction *, LoopTape> tapes;

  /// A pass for the body of a construct of this one (same values, its own tapes).
  Pass sub() const { return Pass{env, active, rules, {}}; }
};

static void replay(const std::vector<Instruction> &body, Pass &pass);

//===----------------------------------------------------------------------===//
// customVjp markers
//===----------------------------------------------------------------------===//
//
// A customVjp call traced for autodiff computes its output y = f(x) inside a one-branch Switch
// whose (constant) index is -1 - k, k the rule's index in the trace's CustomRules:
// Switch(-1 - k, x..., zeros like y) whose branch yields x unchanged and f(x). The Switch means
// exactly "x..., f(x)" to any consumer (the index is clamped to branch 0), and since its branch
// computes y, no simplification forwards y past it; the backward pass recognizes it and applies
// the rule to y's cotangent instead of differentiating f.

/// One local state per carried value: the public control-flow constructs carry states, eagerly
/// and traced alike.
static std::vector<State> carryStates(const std::vector<Tensor> &values) {
  std::vector<State> out;
  out.reserve(values.size());
  for (const Tensor &v : values)
    out.emplace_back(Tree(v), StateOptions{.name = "autodiff.carry", .tags = {}});
  return out;
}

static Tensor zerosOf(const AbstractArray &type);

/// The output of a customVjp call on `xs` with `rule`: `compute()` (of type `yType`), marked
/// with the rule if a nested trace for autodiff is running.
static Tensor markCustom(const std::shared_ptr<const CustomRule> &rule,
                         const std::vector<Tensor> &xs, const AbstractArray &yType,
                         const std::function<Tensor()> &compute) {
  if (!tracedRules || !isTracing())
    return compute();
  int64_t index = -1 - static_cast<int64_t>(tracedRules->size());
  tracedRules->push_back(rule);
  std::vector<Tensor> values = xs;
  values.push_back(zerosOf(yType));
  std::vector<State> carried = carryStates(values);
  traceSwitch(scalar(index), {[&] {
                for (size_t k = 0; k < xs.size(); ++k)
                  carried[k].setValue(carried[k].value());
                carried.back().setValue(Tree(compute()));
              }});
  return carried.back().value().leaf();
}

/// The rule of `inst` if it is a customVjp marker of `rules`, given the value of its index
/// operand if it is a constant.
static const CustomRule *markerRule(const Instruction &inst, std::optional<int64_t> index,
                                   const CustomRules &rules) {
  if (inst.kind != OpKind::Switch || inst.regions.size() != 1 || !index)
    return nullptr;
  int64_t k = -1 - *index;
  if (k < 0 || k >= static_cast<int64_t>(rules.size()) ||
      inst.operands.size() != rules[k]->numInputs + 2)
    return nullptr;
  return rules[k].get();
}

/// markerRule with the index read from the primal values `env`.
static const CustomRule *markerRule(const Instruction &inst, const std::vector<Tensor> &env,
                                   const CustomRules &rules) {
  if (inst.kind != OpKind::Switch)
    return nullptr;
  const Tensor &index = env[inst.operands[0]];
  if (index.isTraced() || index.dtype() != DType::i64 || index.rank() != 0)
    return nullptr;
  return markerRule(inst, index.item<int64_t>(), rules);
}

/// The i64 scalar constants of `body` (at any depth), by value: candidate marker indices.
static void collectIndexConstants(const std::vector<Instruction> &body,
                                  absl::flat_hash_map<ValueId, int64_t> &out) {
  for (const Instruction &inst : body) {
    const Array &c = inst.attrs.constant;
    if (inst.kind == OpKind::Constant && c.dtype() == DType::i64 && c.shape().rank() == 0)
      out[inst.result()] = c.item<int64_t>();
    for (const Region &r : inst.regions)
      collectIndexConstants(r.body, out);
  }
}

static std::vector<Tensor> operandsOf(const Instruction &inst, const std::vector<Tensor> &env) {
  std::vector<Tensor> out;
  out.reserve(inst.operands.size());
  for (ValueId v : inst.operands)
    out.push_back(env[v]);
  return out;
}

static std::vector<Tensor> valuesOf(const std::vector<ValueId> &ids,
                                    const std::vector<Tensor> &env) {
  std::vector<Tensor> out;
  out.reserve(ids.size());
  for (ValueId v : ids)
    out.push_back(env[v]);
  return out;
}

static std::vector<Tensor> valuesOf(const std::vector<State> &states) {
  std::vector<Tensor> out;
  for (const State &s : states)
    out.push_back(s.value().leaf());
  return out;
}

static bool anyActive(const std::vector<ValueId> &ids, const std::vector<bool> &active) {
  for (ValueId v : ids)
    if (active[v])
      return true;
  return false;
}

/// True if `v` is used by an instruction of `body` (at any depth) or yielded by a nested region.
static bool usedIn(const std::vector<Instruction> &body, ValueId v) {
  for (const Instruction &inst : body) {
    for (ValueId u : inst.operands)
      if (u == v)
        return true;
    for (const Region &r : inst.regions) {
      if (usedIn(r.body, v))
        return true;
      for (ValueId y : r.yields)
        if (y == v)
          return true;
    }
  }
  return false;
}

/// True if the backward pass of loop region `r` needs the value of its carry parameter `param`
/// at each step. Not when the body only writes into it with dynamic_update_slice whose result is
/// only yielded (scan's stacked outputs): that rule needs no value of its destination.
static bool needsValue(const Region &r, ValueId param) {
  for (const Instruction &inst : r.body) {
    for (size_t k = 0; k < inst.operands.size(); ++k) {
      if (inst.operands[k] != param)
        continue;
      bool destination = inst.kind == OpKind::DynamicUpdateSlice && k == 0 &&
                         !usedIn(r.body, inst.result());
      if (!destination)
        return true;
    }
    for (const Region &nested : inst.regions) {
      if (usedIn(nested.body, param))
        return true;
      for (ValueId y : nested.yields)
        if (y == param)
          return true;
    }
  }
  return false;
}

/// Replays a ForLoop; if any of its results is active, records its tape in `pass`.
static LoopTape planTape(const Region &r, const std::vector<bool> &active);

static std::vector<Tensor> replayForLoop(const Instruction &inst, Pass &pass) {
  const Region &r = inst.regions[0];
  bool taped = anyActive(inst.results, pass.active);
  LoopTape tape;
  if (taped)
    tape = planTape(r, pass.active);
  size_t numCarries = inst.operands.size();
  auto taping = [&] { return valuesOf(tape.values, pass.env); };
  auto step = [&](const Tensor &i, const std::vector<Tensor> &carries) {
    pass.env[r.params[0]] = i;
    for (size_t j = 0; j < numCarries; ++j)
      pass.env[r.params[1 + j]] = carries[j];
    Pass body = pass.sub();
    replay(r.body, body);
    return valuesOf(r.yields, pass.env);
  };
  std::vector<Tensor> carries = operandsOf(inst, pass.env);
  if (!isTracing()) {
    for (int64_t i = 0; i < inst.attrs.count; ++i) {
      carries = step(Array::scalar<int64_t>(i), carries);
      if (taped)
        tape.steps.push_back(taping());
    }
  } else {
    LoopValues out = traceForLoop(inst.attrs.count, carries,
                                  [&](const Tensor &i, const std::vector<Tensor> &c) {
                                    std::vector<Tensor> next = step(i, c);
                                    return LoopValues{std::move(next), taping()};
                                  });
    carries = std::move(out.carry);
    tape.stacked = std::move(out.stacked);
  }
  if (taped)
    pass.tapes[&inst] = std::move(tape);
  return carries;
}

/// Replays a WhileLoop or a Switch with the public constructs (states as carries).
static std::vector<Tensor> replayStateful(const Instruction &inst, Pass &pass) {
  std::vector<Tensor> &env = pass.env;
  std::vector<Tensor> operands = operandsOf(inst, env);
  auto bindParams = [&](const std::vector<ValueId> &ids, const std::vector<State> &states) {
    for (size_t k = 0; k < states.size(); ++k)
      env[ids[k]] = states[k].value().leaf();
  };
  auto yieldTo = [&](const std::vector<ValueId> &ids, std::vector<State> &states) {
    for (size_t k = 0; k < states.size(); ++k)
      states[k].setValue(Tree(env[ids[k]]));
  };
  auto run = [&](const Region &r) {
    Pass body = pass.sub();
    replay(r.body, body);
  };
  if (inst.kind == OpKind::WhileLoop) {
    const Region &c = inst.regions[0], &b = inst.regions[1];
    std::vector<State> carries = carryStates(operands);
    whileLoop(
        [&] {
          bindParams(c.params, carries);
          run(c);
          return env[c.yields[0]];
        },
        [&] {
          bindParams(b.params, carries);
          run(b);
          yieldTo(b.yields, carries);
        });
    return valuesOf(carries);
  }
  std::vector<State> carries =
      carryStates(std::vector<Tensor>(operands.begin() + 1, operands.end()));
  std::vector<std::function<void()>> branches;
  for (const Region &r : inst.regions)
    branches.push_back([&] {
      run(r);
      yieldTo(r.yields, carries);
    });
  switchCase(operands[0], branches);
  return valuesOf(carries);
}

/// Replays one primitive (not control flow).
static void replayPrimitive(const Instruction &inst, std::vector<Tensor> &env) {
  if (inst.kind == OpKind::Constant) {
    env[inst.result()] = Tensor(inst.attrs.constant);
    return;
  }
  env[inst.result()] = apply(inst.kind, operandsOf(inst, env), inst.attrs);
}

static void replay(const std::vector<Instruction> &body, Pass &pass) {
  std::vector<Tensor> &env = pass.env;
  for (const Instruction &inst : body) {
    if (const CustomRule *rule = markerRule(inst, env, pass.rules)) {
      // Pass x and y through, marked again for an enclosing autodiff trace (higher order).
      std::vector<Tensor> xs;
      for (size_t k = 0; k < rule->numInputs; ++k)
        xs.push_back(env[inst.operands[1 + k]]);
      for (size_t k = 0; k < rule->numInputs; ++k)
        env[inst.results[k]] = xs[k];
      const Region &r = inst.regions[0];
      env[inst.results.back()] =
          markCustom(std::make_shared<CustomRule>(*rule), xs,
                     env[inst.operands.back()].abstract(), [&] {
                       Pass body = pass.sub();
                       replay(r.body, body);
                       return env[r.yields.back()];
                     });
      continue;
    }
    if (isControlFlow(inst.kind)) {
      std::vector<Tensor> results = inst.kind == OpKind::ForLoop ? replayForLoop(inst, pass)
                                                                   : replayStateful(inst, pass);
      for (size_t k = 0; k < results.size(); ++k)
        env[inst.results[k]] = results[k];
      continue;
    }
    replayPrimitive(inst, env);
  }
}


//===----------------------------------------------------------------------===//
// Which primitives carry gradients
//===----------------------------------------------------------------------===//

/// True if `kind` passes gradients from (some of) its operands to its result. Comparisons,
/// logic, integer-valued and piecewise-constant functions (sign, floor, ceil, round) do not.
static bool isDifferentiable(OpKind kind) {
  switch (kind) {
  case OpKind::Sign:
  case OpKind::Floor:
  case OpKind::Ceil:
  case OpKind::Round:
  case OpKind::Not:
  case OpKind::And:
  case OpKind::Or:
  case OpKind::Lt:
  case OpKind::Le:
  case OpKind::Gt:
  case OpKind::Ge:
  case OpKind::Eq:
  case OpKind::Ne:
  case OpKind::Constant:
  case OpKind::Iota:
  case OpKind::ArgMax:
    return false;
  default:
    return true;
  }
}

static void setActive(const Program &p, ValueId v, std::vector<bool> &active) {
  if (isFloatType(p.type(v)))
    active[v] = true;
}

/// What markActive needs to know of a program besides its values: its customVjp markers.
struct ActivityContext {
  const Program &p;
  const CustomRules &rules;
  absl::flat_hash_map<ValueId, int64_t> indexConstants;
};

/// Marks the values of `body` that depend on active values (those already marked).
static void markActive(ActivityContext &cx, const std::vector<Instruction> &body,
                       std::vector<bool> &active) {
  const Program &p = cx.p;
  for (const Instruction &inst : body) {
    if (!isDifferentiable(inst.kind))
      continue;
    std::optional<int64_t> index;
    if (inst.kind == OpKind::Switch)
      if (auto it = cx.indexConstants.find(inst.operands[0]); it != cx.indexConstants.end())
        index = it->second;
    if (const CustomRule *rule = markerRule(inst, index, cx.rules)) {
      // The marked output depends on the marked inputs through the rule.
      for (size_t k = 0; k < rule->numInputs; ++k)
        if (active[inst.operands[1 + k]]) {
          setActive(p, inst.results[k], active);
          setActive(p, inst.results.back(), active);
        }
      continue;
    }
    if (inst.kind == OpKind::ForLoop || inst.kind == OpKind::WhileLoop) {
      // A carry is active if its initial value is, or (to a fixed point) what the body yields
      // for it is.
      const Region &b = inst.regions.back();
      size_t first = inst.kind == OpKind::ForLoop ? 1 : 0;
      auto params = [&](size_t j) {
        setActive(p, b.params[first + j], active);
        if (inst.kind == OpKind::WhileLoop)
          setActive(p, inst.regions[0].params[j], active);
      };
      for (size_t j = 0; j < inst.operands.size(); ++j)
        if (active[inst.operands[j]])
          params(j);
      for (bool changed = true; changed;) {
        changed = false;
        for (const Region &r : inst.regions)
          markActive(cx, r.body, active);
        for (size_t j = 0; j < inst.operands.size(); ++j)
          if (active[b.yields[j]] && !active[b.params[first + j]] &&
              isFloatType(p.type(b.params[first + j]))) {
            params(j);
            changed = true;
          }
      }
      for (size_t j = 0; j < inst.results.size(); ++j)
        if (active[b.params[first + j]] || active[b.yields[j]])
          setActive(p, inst.results[j], active);
      continue;
    }
    if (inst.kind == OpKind::Switch) {
      for (const Region &r : inst.regions) {
        markActive(cx, r.body, active);
        for (size_t j = 0; j < inst.results.size(); ++j)
          if (active[r.yields[j]])
            setActive(p, inst.results[j], active);
      }
      continue;
    }
    if (anyActive(inst.operands, active))
      setActive(p, inst.result(), active);
  }
}


//===----------------------------------------------------------------------===//
// VJP rules
//===----------------------------------------------------------------------===//

/// The cotangents of `inst`'s operands for cotangent `g` of its result `r`; `x` are the primal
/// operands. Only operands with need[k] get one (the others may be left empty).
static void vjpRule(const Instruction &inst, const std::vector<Tensor> &x, const Tensor &r,
                    const Tensor &g, const std::vector<bool> &need,
                    std::vector<Cotangent> &out) {
  const OpAttrs &attrs = inst.attrs;
  switch (inst.kind) {
  case OpKind::Neg:
    out[0] = -g;
    return;
  case OpKind::Abs:
    out[0] = g * sign(x[0]);
    return;
  case OpKind::Exp:
    out[0] = g * r;
    return;
  case OpKind::Log:
    out[0] = g / x[0];
    return;
  case OpKind::Log1p:
    out[0] = g / (x[0] + 1);
    return;
  case OpKind::Expm1:
    out[0] = g * (r + 1);
    return;
  case OpKind::Sqrt:
    out[0] = g * 0.5 / r;
    return;
  case OpKind::Rsqrt:
    out[0] = g * -0.5 * r / x[0];
    return;
  case OpKind::Tanh:
    out[0] = g * (1 - r * r);
    return;
  case OpKind::Sigmoid:
    out[0] = g * r * (1 - r);
    return;
  case OpKind::Sin:
    out[0] = g * cos(x[0]);
    return;
  case OpKind::Cos:
    out[0] = -g * sin(x[0]);
    return;
  case OpKind::Add:
    out[0] = g;
    out[1] = g;
    return;
  case OpKind::Sub:
    out[0] = g;
    if (need[1])
      out[1] = -g;
    return;
  case OpKind::Mul:
    if (need[0])
      out[0] = g * x[1];
    if (need[1])
      out[1] = g * x[0];
    return;
  case OpKind::Div:
    if (need[0])
      out[0] = g / x[1];
    if (need[1])
      out[1] = -g * r / x[1];
    return;
  case OpKind::Pow:
    // As JAX: d/dx is 0 where y == 0 (also at x == 0), d/dy uses log(1) where x == 0.
    if (need[0])
      out[0] = g * where(x[1] == 0, 0, x[1] * pow(x[0], x[1] - 1));
    if (need[1])
      out[1] = g * r * log(where(x[0] == 0, 1, x[0]));
    return;
  case OpKind::Min:
  case OpKind::Max: {
    // The operand that wins gets the gradient; ties split it equally (as JAX).
    Tensor xWins = inst.kind == OpKind::Max ? x[0] > x[1] : x[0] < x[1];
    Tensor tie = x[0] == x[1];
    Tensor half = g * 0.5;
    if (need[0])
      out[0] = where(xWins, g, where(tie, half, 0));
    if (need[1])
      out[1] = where(xWins || tie, where(tie, half, 0), g);
    return;
  }
  case OpKind::Select:
    if (need[1])
      out[1] = where(x[0], g, 0);
    if (need[2])
      out[2] = where(x[0], 0, g);
    return;
  case OpKind::Cast:
    out[0] = cast(g, x[0].dtype());
    return;
  case OpKind::BroadcastInDim: {
    std::vector<int64_t> in = dims(x[0]);
    std::vector<bool> kept(attrs.shape.size(), false);
    std::vector<int64_t> sumAxes;
    for (size_t i = 0; i < attrs.axes.size(); ++i) {
      kept[attrs.axes[i]] = true;
      if (in[i] == 1 && attrs.shape[attrs.axes[i]] != 1)
        sumAxes.push_back(attrs.axes[i]);
    }
    for (size_t d = 0; d < kept.size(); ++d)
      if (!kept[d])
        sumAxes.push_back(static_cast<int64_t>(d));
    std::sort(sumAxes.begin(), sumAxes.end());
    out[0] = reshape(sumAxes.empty() ? g : sum(g, sumAxes), in);
    return;
  }
  case OpKind::Reshape:
    out[0] = reshape(g, dims(x[0]));
    return;
  case OpKind::Transpose: {
    std::vector<int64_t> inverse(attrs.axes.size());
    for (size_t i = 0; i < attrs.axes.size(); ++i)
      inverse[attrs.axes[i]] = static_cast<int64_t>(i);
    out[0] = transpose(g, inverse);
    return;
  }
  case OpKind::Concatenate: {
    std::vector<int64_t> shape = dims(g);
    int64_t offset = 0;
    for (size_t k = 0; k < x.size(); ++k) {
      int64_t extent = x[k].shape()[attrs.axis];
      if (need[k]) {
        std::vector<int64_t> starts(shape.size(), 0), limits = shape;
        starts[attrs.axis] = offset;
        limits[attrs.axis] = offset + extent;
        out[k] = slice(g, starts, limits);
      }
      offset += extent;
    }
    return;
  }
  case OpKind::Slice: {
    if (g.numElements() == 0) {
      out[0] = zerosOf(x[0].abstract());
      return;
    }
    // Spread strided axes out with zeros in between, then place the block at the starts.
    Tensor spread = g;
    for (size_t a = 0; a < attrs.strides.size(); ++a) {
      int64_t stride = attrs.strides[a];
      if (stride == 1)
        continue;
      std::vector<int64_t> shape = dims(spread);
      std::vector<int64_t> split(shape.begin(), shape.begin() + a + 1);
      split.push_back(1);
      split.insert(split.end(), shape.begin() + a + 1, shape.end());
      std::vector<int64_t> gapShape = split;
      gapShape[a + 1] = stride - 1;
      Tensor interleaved = concatenate(
          {reshape(spread, split), zerosOf({Shape(gapShape), g.dtype()})}, a + 1);
      std::vector<int64_t> merged = shape;
      merged[a] = shape[a] * stride;
      std::vector<int64_t> starts(shape.size(), 0), limits = merged;
      limits[a] = attrs.limits[a] - attrs.starts[a];
      spread = slice(reshape(interleaved, merged), starts, limits);
    }
    std::vector<DynamicIndex> at(attrs.starts.begin(), attrs.starts.end());
    out[0] = dynamicUpdateSlice(zerosOf(x[0].abstract()), spread, at);
    return;
  }
  case OpKind::DynamicSlice: {
    std::vector<DynamicIndex> at(x.begin() + 1, x.end());
    out[0] = dynamicUpdateSlice(zerosOf(x[0].abstract()), g, at);
    return;
  }
  case OpKind::DynamicUpdateSlice: {
    std::vector<DynamicIndex> at(x.begin() + 2, x.end());
    if (need[0])
      out[0] = dynamicUpdateSlice(g, zerosOf(x[1].abstract()), at);
    if (need[1])
      out[1] = dynamicSlice(g, at, dims(x[1]));
    return;
  }
  case OpKind::Gather: {
    // Gather clamps its indices; scatterAdd drops out-of-range ones: clamp first.
    int64_t extent = x[0].shape()[attrs.axis];
    out[0] = scatterAdd(zerosOf(x[0].abstract()), clip(x[1], 0, extent - 1), g, attrs.axis);
    return;
  }
  case OpKind::ScatterAdd: {
    if (need[0])
      out[0] = g;
    if (need[2]) {
      // Updates at dropped (out-of-range) indices get no gradient.
      int64_t extent = x[0].shape()[attrs.axis];
      Tensor inRange = (x[1] >= 0) && (x[1] < extent);
      std::vector<int64_t> maskShape(attrs.axis, 1);
      for (int64_t d : dims(x[1]))
        maskShape.push_back(d);
      maskShape.resize(x[2].rank(), 1);
      out[2] = where(reshape(inRange, maskShape),
                     gather(g, clip(x[1], 0, extent - 1), attrs.axis), 0);
    }
    return;
  }
  case OpKind::ReduceSum:
    out[0] = broadcastTo(reshape(g, keptShape(dims(x[0]), attrs.axes)), x[0].shape());
    return;
  case OpKind::ReduceMax:
  case OpKind::ReduceMin: {
    // The gradient goes to the positions equal to the result, split equally among ties.
    std::vector<int64_t> kept = keptShape(dims(x[0]), attrs.axes);
    Tensor hit = cast(x[0] == reshape(r, kept), x[0].dtype());
    Tensor count = sum(hit, attrs.axes, /*keepDims=*/true);
    out[0] = hit * reshape(g, kept) / count;
    return;
  }
  case OpKind::MatMul: {
    std::vector<int64_t> swap =
        x[0].rank() == 2 ? std::vector<int64_t>{1, 0} : std::vector<int64_t>{0, 2, 1};
    if (need[0])
      out[0] = matmul(g, transpose(x[1], swap));
    if (need[1])
      out[1] = matmul(transpose(x[0], swap), g);
    return;
  }
  case OpKind::EventSum: {
    // d/dweights[k] = g[cols[k]] if entry k's row spiked and its column is in range. The row of
    // each entry comes from rowPtr (assumed non-decreasing, as Connectivity builds it): the
    // number of rows after the first that start at or before k, by a log-step prefix sum.
    const Tensor &spikes = x[0], &rowPtr = x[1], &cols = x[2];
    int64_t pre = spikes.numElements(), nnz = cols.numElements(), post = g.numElements();
    if (nnz == 0 || pre == 0 || post == 0) {
      out[3] = zerosOf(x[3].abstract());
      return;
    }
    Tensor rp = clip(rowPtr, 0, nnz);
    Tensor starts = slice(rp, {1}, {pre});
    Tensor rowOf = scatterAdd(zerosOf({Shape{nnz}, DType::i32}), starts, 1);
    for (int64_t s = 1; s < nnz; s *= 2)
      rowOf = rowOf + concatenate({zerosOf({Shape{s}, DType::i32}),
                                   slice(rowOf, {0}, {nnz - s})});
    Tensor k = arange(nnz, DType::i32);
    Tensor inRows = (k >= slice(rp, {0}, {1})) && (k < slice(rp, {pre}, {pre + 1}));
    Tensor fired = gather(spikes, clip(rowOf, 0, pre - 1));
    Tensor colOk = (cols >= 0) && (cols < post);
    out[3] = where(inRows && fired && colOk, gather(g, clip(cols, 0, post - 1)), 0);
    return;
  }
  default:
    throw Error(ErrorCode::InvalidArgument,
                absl::StrCat("gradient: the primitive ", opName(inst.kind),
                             " has no differentiation rule yet; compute this part outside "
                             "the differentiated function, or stop the gradient before it"));
  }
}

static void accumulate(Cotangent &into, const Tensor &g) {
  if (!into) {
    into = g;
    return;
  }
  *into = *into + g;
}

static void backward(const std::vector<Instruction> &body, Pass &pass,
                     std::vector<Cotangent> &ct);

/// Applies a customVjp rule: the cotangent of the marked output to the marked inputs.
static void customBackward(const Instruction &inst, const CustomRule &rule, Pass &pass,
                           std::vector<Cotangent> &ct) {
  ValueId y = inst.results.back();
  if (!ct[y])
    return;
  std::vector<Tensor> xs;
  for (size_t k = 0; k < rule.numInputs; ++k)
    xs.push_back(pass.env[inst.operands[1 + k]]);
  std::vector<Tensor> out = rule.bwd(xs, pass.env[y], *ct[y]);
  if (out.size() != xs.size())
    throw Error(ErrorCode::InvalidArgument,
                absl::StrCat("customVjp: the backward rule returned ", out.size(),
                             " cotangents for ", xs.size(),
                             " inputs; return one per input (a zero tensor for none)"));
  for (size_t k = 0; k < xs.size(); ++k) {
    ValueId x = inst.operands[1 + k];
    if (!pass.active[x])
      continue;
    if (out[k].abstract() != xs[k].abstract())
      throw Error(ErrorCode::InvalidArgument,
                  absl::StrCat("customVjp: the backward rule returned ",
                               out[k].abstract().toString(), " as the cotangent of input ", k,
                               ", which is ", xs[k].abstract().toString(),
                               "; a cotangent has its input's shape and dtype"));
    accumulate(ct[x], out[k]);
  }
}

/// Collects into `defined` the values a region defines (its parameters and the results of its
/// instructions, nested ones included).
static void collectDefined(const Region &r, absl::flat_hash_set<ValueId> &defined) {
  defined.insert(r.params.begin(), r.params.end());
  for (const Instruction &inst : r.body) {
    defined.insert(inst.results.begin(), inst.results.end());
    for (const Region &nested : inst.regions)
      collectDefined(nested, defined);
  }
}

static void collectUses(const Region &r, std::vector<ValueId> &uses) {
  for (const Instruction &inst : r.body) {
    uses.insert(uses.end(), inst.operands.begin(), inst.operands.end());
    for (const Region &nested : inst.regions)
      collectUses(nested, uses);
  }
  uses.insert(uses.end(), r.yields.begin(), r.yields.end());
}

/// The active values defined outside of `regions` that they use, in order of first use: the
/// values a loop or branch body sends cotangents to besides its carries.
static std::vector<ValueId> activeOuterValues(const std::vector<Region> &regions,
                                              const std::vector<bool> &active) {
  absl::flat_hash_set<ValueId> defined, seen;
  std::vector<ValueId> uses, out;
  for (const Region &r : regions) {
    collectDefined(r, defined);
    collectUses(r, uses);
  }
  for (ValueId v : uses)
    if (active[v] && !defined.contains(v) && seen.insert(v).second)
      out.push_back(v);
  return out;
}

/// The cotangents of one run of region `r` (recomputed from the values bound to its parameters):
/// `seeds` (one per yield, possibly empty) flow back to the parameters and the outer values.
static std::vector<Cotangent> regionBackward(const Region &r, Pass &pass,
                                             const std::vector<Cotangent> &seeds,
                                             bool recompute = true) {
  Pass body = pass.sub();
  if (recompute)
    replay(r.body, body);
  std::vector<Cotangent> local(pass.env.size());
  for (size_t j = 0; j < seeds.size(); ++j)
    if (seeds[j] && pass.active[r.yields[j]])
      accumulate(local[r.yields[j]], *seeds[j]);
  backward(r.body, body, local);
  return local;
}

/// Appends the values (operands or result) whose elements the VJP rule of `inst` reads, beyond
/// their types; false if the rule is not known to this list (then nothing is assumed).
static bool ruleNeeds(const Instruction &inst, std::vector<ValueId> &out) {
  const std::vector<ValueId> &x = inst.operands;
  ValueId r = inst.results.empty() ? kNoValue : inst.results[0];
  switch (inst.kind) {
  case OpKind::Neg:
  case OpKind::Add:
  case OpKind::Sub:
  case OpKind::Cast:
  case OpKind::BroadcastInDim:
  case OpKind::Reshape:
  case OpKind::Transpose:
  case OpKind::Concatenate:
  case OpKind::Slice:
  case OpKind::ReduceSum:
    return true;
  case OpKind::Abs:
  case OpKind::Log:
  case OpKind::Log1p:
  case OpKind::Sin:
  case OpKind::Cos:
  case OpKind::Select:
    out.push_back(x[0]);
    return true;
  case OpKind::Exp:
  case OpKind::Expm1:
  case OpKind::Sqrt:
  case OpKind::Tanh:
  case OpKind::Sigmoid:
    out.push_back(r);
    return true;
  case OpKind::Rsqrt:
  case OpKind::ReduceMax:
  case OpKind::ReduceMin:
    out.insert(out.end(), {x[0], r});
    return true;
  case OpKind::Mul:
  case OpKind::Min:
  case OpKind::Max:
  case OpKind::MatMul:
    out.insert(out.end(), {x[0], x[1]});
    return true;
  case OpKind::Div:
    out.insert(out.end(), {x[1], r});
    return true;
  case OpKind::Pow:
    out.insert(out.end(), {x[0], x[1], r});
    return true;
  case OpKind::DynamicSlice:
    out.insert(out.end(), x.begin() + 1, x.end());
    return true;
  case OpKind::DynamicUpdateSlice:
    out.insert(out.end(), x.begin() + 2, x.end());
    return true;
  case OpKind::Gather:
  case OpKind::ScatterAdd:
    out.push_back(x[1]);
    return true;
  case OpKind::EventSum:
    out.insert(out.end(), {x[0], x[1], x[2]});
    return true;
  default:
    return false;
  }
}

/// What the forward replay of an active loop keeps per step. A body of primitives keeps the
/// values its VJP rules read that depend on the step (a residual tape: the backward does not
/// recompute the body); a body with control flow keeps the carries whose values it needs.
static LoopTape planTape(const Region &r, const std::vector<bool> &active) {
  LoopTape tape;
  absl::flat_hash_set<ValueId> variant(r.params.begin(), r.params.end());
  bool flat = true;
  for (const Instruction &inst : r.body)
    flat = flat && !isControlFlow(inst.kind);
  if (flat) {
    absl::flat_hash_set<ValueId> kept;
    std::vector<ValueId> needs;
    for (const Instruction &inst : r.body) {
      bool dependent = false;
      for (ValueId v : inst.operands)
        dependent = dependent || variant.contains(v);
      if (dependent)
        variant.insert(inst.result());
      else
        tape.invariant.push_back(&inst);
      if (active[inst.result()] && !ruleNeeds(inst, needs)) {
        flat = false;
        break;
      }
    }
    for (ValueId v : needs)
      if (flat && v != r.params[0] && variant.contains(v) && kept.insert(v).second)
        tape.values.push_back(v);
  }
  if (flat) {
    tape.residual = true;
    return tape;
  }
  tape.values.clear();
  tape.invariant.clear();
  for (size_t j = 1; j < r.params.size(); ++j)
    if (needsValue(r, r.params[j]))
      tape.values.push_back(r.params[j]);
  return tape;
}

/// Backpropagation through time: a reverse loop over the steps, each recomputing its step's
/// body from the carries the forward replay taped and backpropagating through it. The carries'
/// and the outer values' cotangents are the reverse loop's carries.
static void forLoopBackward(const Instruction &inst, Pass &pass, std::vector<Cotangent> &ct) {
  const Region &r = inst.regions[0];
  const std::vector<bool> &active = pass.active;
  std::vector<Tensor> &env = pass.env;
  const LoopTape &tape = pass.tapes.at(&inst);
  int64_t count = inst.attrs.count;
  size_t numCarries = inst.operands.size();
  std::vector<size_t> carried; // the active carries
  for (size_t j = 0; j < numCarries; ++j)
    if (active[r.params[1 + j]])
      carried.push_back(j);
  std::vector<ValueId> outer = activeOuterValues(inst.regions, active);
  std::vector<Tensor> acc;
  for (size_t j : carried)
    acc.push_back(ct[inst.results[j]] ? *ct[inst.results[j]]
                                       : zerosOf(env[r.params[1 + j]].abstract()));
  for (ValueId o : outer)
    acc.push_back(zerosOf(env[o].abstract()));

  auto step = [&](const Tensor &k, int64_t eagerK, const std::vector<Tensor> &in) {
    env[r.params[0]] = k;
    if (!tape.residual)
      for (size_t j = 1; j < r.params.size(); ++j) // carries the backward reads no value of
        env[r.params[j]] = zerosOf(env[r.params[j]].abstract());
    for (const Instruction *inst : tape.invariant)
      replayPrimitive(*inst, env);
    for (size_t s = 0; s < tape.values.size(); ++s) {
      ValueId v = tape.values[s];
      if (eagerK >= 0) {
        env[v] = tape.steps[eagerK][s];
        continue;
      }
      const Tensor &stack = tape.stacked[s];
      std::vector<int64_t> sizes = dims(stack);
      sizes[0] = 1;
      std::vector<DynamicIndex> at(sizes.size(), DynamicIndex(int64_t{0}));
      at[0] = DynamicIndex(k);
      env[v] = reshape(dynamicSlice(stack, at, sizes), dims(env[v]));
    }
    std::vector<Cotangent> seeds(numCarries);
    for (size_t c = 0; c < carried.size(); ++c)
      seeds[carried[c]] = in[c];
    std::vector<Cotangent> local = regionBackward(r, pass, seeds, /*recompute=*/!tape.residual);
    std::vector<Tensor> out;
    for (size_t j : carried) {
      const Cotangent &g = local[r.params[1 + j]];
      out.push_back(g ? *g : zerosOf(env[r.params[1 + j]].abstract()));
    }
    for (size_t o = 0; o < outer.size(); ++o) {
      const Cotangent &g = local[outer[o]];
      out.push_back(g ? in[carried.size() + o] + *g : in[carried.size() + o]);
    }
    return out;
  };
  if (!isTracing()) {
    for (int64_t k = count - 1; k >= 0; --k)
      acc = step(Array::scalar<int64_t>(k), k, acc);
  } else {
    acc = traceForLoop(count, acc, [&](const Tensor &i, const std::vector<Tensor> &in) {
            return LoopValues{step((count - 1) - i, -1, in), {}};
          }).carry;
  }
  for (size_t c = 0; c < carried.size(); ++c)
    if (active[inst.operands[carried[c]]])
      accumulate(ct[inst.operands[carried[c]]], acc[c]);
  for (size_t o = 0; o < outer.size(); ++o)
    accumulate(ct[outer[o]], acc[carried.size() + o]);
}

/// A branch's backward runs in the same branch: each branch recomputes its body and sends the
/// results' cotangents to the values it used; the taken one's are the switch's.
static void switchBackward(const Instruction &inst, Pass &pass, std::vector<Cotangent> &ct) {
  std::vector<ValueId> outer = activeOuterValues(inst.regions, pass.active);
  if (outer.empty())
    return;
  std::vector<Cotangent> seeds;
  for (ValueId v : inst.results)
    seeds.push_back(ct[v]);
  std::vector<Tensor> zeros;
  for (ValueId o : outer)
    zeros.push_back(zerosOf(pass.env[o].abstract()));
  std::vector<State> acc = carryStates(zeros);
  std::vector<std::function<void()>> branches;
  for (const Region &r : inst.regions)
    branches.push_back([&] {
      std::vector<Cotangent> local = regionBackward(r, pass, seeds);
      for (size_t o = 0; o < outer.size(); ++o)
        acc[o].setValue(Tree(local[outer[o]] ? *local[outer[o]] : zeros[o]));
    });
  switchCase(pass.env[inst.operands[0]], branches);
  for (size_t o = 0; o < outer.size(); ++o)
    accumulate(ct[outer[o]], acc[o].value().leaf());
}

static void backward(const std::vector<Instruction> &body, Pass &pass,
                     std::vector<Cotangent> &ct) {
  const std::vector<bool> &active = pass.active;
  for (auto it = body.rbegin(); it != body.rend(); ++it) {
    const Instruction &inst = *it;
    bool flows = false;
    for (ValueId v : inst.results)
      flows = flows || (active[v] && ct[v]);
    if (!flows)
      continue;
    if (const CustomRule *rule = markerRule(inst, pass.env, pass.rules)) {
      customBackward(inst, *rule, pass, ct);
      continue;
    }
    switch (inst.kind) {
    case OpKind::ForLoop:
      forLoopBackward(inst, pass, ct);
      continue;
    case OpKind::Switch:
      switchBackward(inst, pass, ct);
      continue;
    case OpKind::WhileLoop:
      throw Error(ErrorCode::InvalidArgument,
                  "gradient: whileLoop is not differentiable: its number of steps is known "
                  "only when it runs, so the backward pass cannot keep the carries of every "
                  "step. Use forLoop with a fixed number of steps (freezing finished steps with "
                  "bst::where), or compute the loop outside the differentiated function");
    default:
      break;
    }
    ValueId res = inst.result();
    std::vector<Tensor> x = operandsOf(inst, pass.env);
    std::vector<bool> need;
    for (ValueId v : inst.operands)
      need.push_back(active[v]);
    std::vector<Cotangent> out(inst.operands.size());
    vjpRule(inst, x, pass.env[res], *ct[res], need, out);
    for (size_t k = 0; k < out.size(); ++k)
      if (need[k] && out[k])
        accumulate(ct[inst.operands[k]], *out[k]);
  }
}


//===----------------------------------------------------------------------===//
// linearize and pullback
//===----------------------------------------------------------------------===//

static std::string describeIn(const std::string &path, const State &state) {
  return state.name() == path ? state.describe()
                              : absl::StrCat(state.describe(), " (at '", path, "')");
}

static void checkFloatState(const char *what, const std::string &path, const State &state) {
  for (const AbstractArray &leaf : state.signature().leaves())
    if (!isFloatType(leaf))
      throw Error(ErrorCode::InvalidArgument,
                  absl::StrCat(what, ": cannot differentiate with respect to ",
                               describeIn(path, state), ": its value is ",
                               state.signature().toString(),
                               ", and gradients exist only for f32 and f64 values. Leave it "
                               "out of the collection (select the states with a filter, e.g. "
                               "model.states<bst::ParamState>()), or keep it as f32"));
}

[[noreturn]] static void throwUnused(const char *what, const std::string &path,
                                     const State &state) {
  throw Error(ErrorCode::InvalidArgument,
              absl::StrCat(what, ": ", describeIn(path, state),
                           " does not affect the result: the function never reads it, or what "
                           "it reads does not reach the result. Leave it out of the collection "
                           "(select the states the function uses with a filter), or set "
                           "GradOptions::allowUnused to get a zero gradient for it"));
}

/// The errorIf calls of the traced function, raised here from the replayed value of its check
/// state: eagerly a firing check throws bst::CheckError now (before any state is written), under
/// an enclosing trace the check is traced again.
static void raiseChecks(const TracedFunction &traced, const Tree &check) {
  const Tensor &code = check["code"].leaf();
  for (size_t k = 0; k < traced.checks.size(); ++k) {
    const CheckSite &site = traced.checks[k];
    std::vector<Tensor> values;
    for (size_t v = 0; v < site.valueTypes.size(); ++v) {
      DType type = site.valueTypes[v];
      const Tensor &all = check[isFloating(type) ? "f64" : "i64"].leaf();
      int64_t at = static_cast<int64_t>(v);
      values.push_back(cast(reshape(slice(all, {at}, {at + 1}), {}), type));
    }
    errorIfImpl(code == static_cast<int32_t>(k + 1), site.message, values);
  }
}

std::shared_ptr<const Linearization> linearize(const char *what, const TreeFunction &fn,
                                               const std::vector<Tree> &args,
                                               const StateMap &wrt,
                                               const std::vector<size_t> &argnums,
                                               bool allowUnused) {
  for (const auto &[path, state] : wrt)
    checkFloatState(what, path, state);
  for (size_t n : argnums)
    for (const Tensor &leaf : args[n].leaves())
      if (!isFloating(leaf.dtype()))
        throw Error(ErrorCode::InvalidArgument,
                    absl::StrCat(what, ": cannot differentiate with respect to ", argName(n),
                                 " of the function (", args[n].signature().toString(),
                                 "): gradients exist only for f32 and f64 values. Remove it "
                                 "from GradOptions::argnums, or cast it to f32"));

  auto lin = std::make_shared<Linearization>();
  lin->what = what;
  std::vector<Signature> sigs;
  std::vector<Tensor> argLeaves;
  std::vector<size_t> firstLeaf;
  for (const Tree &a : args) {
    sigs.push_back(a.signature());
    firstLeaf.push_back(argLeaves.size());
    for (const Tensor &t : a.leaves())
      argLeaves.push_back(t);
  }
  lin->numArgLeaves = argLeaves.size();
  {
    CustomRules *outer = tracedRules;
    tracedRules = &lin->customs;
    try {
      lin->traced = traceNested(fn, sigs, lin->lifted);
    } catch (...) {
      tracedRules = outer;
      throw;
    }
    tracedRules = outer;
  }
  const Program &p = lin->traced.program;
  const std::vector<State> &states = lin->traced.states;

  // Bind the inputs: arguments, lifted values, states (read once each), captures.
  std::vector<Tensor> &env = lin->primal;
  env.assign(p.numValues(), Tensor());
  std::vector<std::optional<Tree>> stateValues = bindInputs(
      lin->traced, argLeaves, lin->lifted,
      [&](const Slot &s, const Tensor &value) { env[s.input] = value; });

  // What is differentiated: the collection's states and the chosen arguments.
  absl::flat_hash_map<const void *, size_t> stateIndex;
  for (size_t i = 0; i < states.size(); ++i)
    stateIndex[StateAccess::identity(states[i])] = i;
  std::vector<std::vector<ValueId>> leafInputs(states.size());
  for (size_t i = 0; i < states.size(); ++i)
    leafInputs[i].assign(states[i].signature().leaves().size(), kNoValue);
  std::vector<ValueId> argInputs(argLeaves.size(), kNoValue);
  for (const Slot &s : p.slots()) {
    if (s.input == kNoValue)
      continue;
    if (s.role == SlotRole::State)
      leafInputs[s.index][s.leaf] = s.input;
    else if (s.role == SlotRole::Argument && s.index < argLeaves.size())
      argInputs[s.index] = s.input;
  }
  lin->active.assign(p.numValues(), false);
  for (const auto &[path, state] : wrt) {
    Linearization::WrtState w{path, state, {}};
    auto it = stateIndex.find(StateAccess::identity(state));
    if (it == stateIndex.end())
      w.leaves.assign(state.signature().leaves().size(), kNoValue);
    else
      w.leaves = leafInputs[it->second];
    bool used = false;
    for (ValueId v : w.leaves)
      if (v != kNoValue) {
        used = true;
        lin->active[v] = true;
      }
    if (!used && !allowUnused)
      throwUnused(what, path, state);
    lin->states.push_back(std::move(w));
  }
  for (size_t n : argnums) {
    Linearization::WrtArg a{sigs[n], {}};
    for (size_t k = 0; k < args[n].numLeaves(); ++k) {
      ValueId v = argInputs[firstLeaf[n] + k];
      a.leaves.push_back(v);
      if (v != kNoValue)
        lin->active[v] = true;
    }
    lin->args.push_back(std::move(a));
  }
  ActivityContext activity{p, lin->customs, {}};
  collectIndexConstants(p.instructions(), activity.indexConstants);
  markActive(activity, p.instructions(), lin->active);

  // Replay, then apply the state writes and collect the output.
  Pass pass{env, lin->active, lin->customs, {}};
  replay(p.instructions(), pass);
  lin->tapes = std::move(pass.tapes);
  std::vector<std::vector<Tensor>> written(states.size());
  lin->outputLeaves.assign(lin->traced.resultDef.numLeaves(), kNoValue);
  for (const Slot &s : p.slots()) {
    if (s.output == kNoValue)
      continue;
    if (s.role == SlotRole::Result) {
      lin->outputLeaves[s.index] = s.output;
      continue;
    }
    std::vector<Tensor> &leaves = written[s.index];
    if (leaves.empty()) // a leaf written back unchanged has no output: it keeps its value
      leaves = (stateValues[s.index] ? *stateValues[s.index] : states[s.index].value()).leaves();
    leaves[s.leaf] = env[s.output];
  }
  std::optional<size_t> checks = lin->traced.checkState;
  if (checks && !written[*checks].empty())
    raiseChecks(lin->traced, states[*checks].signature().def().unflatten(written[*checks]));
  for (size_t i = 0; i < states.size(); ++i)
    if (!written[i].empty() && i != checks)
      State(states[i]).setValue(states[i].signature().def().unflatten(std::move(written[i])));
  std::vector<Tensor> outLeaves;
  for (ValueId v : lin->outputLeaves)
    outLeaves.push_back(env[v]);
  lin->output = lin->traced.resultDef.unflatten(std::move(outLeaves));
  return lin;
}

const Tree &linearizedOutput(const Linearization &lin) { return lin.output; }

void checkScalarLoss(const char *what, const Linearization &lin) {
  const Tree &out = lin.output;
  const Tensor *loss = nullptr;
  if (out.isLeaf())
    loss = &out.leaf();
  else if (out.kind() == Tree::Kind::List && out.size() == 2 && out[0].isLeaf())
    loss = &out[0].leaf(); // (loss, aux)
  if (loss && loss->rank() == 0 && isFloating(loss->dtype()))
    return;
  throw Error(ErrorCode::InvalidArgument,
              absl::StrCat(what, ": the function must return a f32 or f64 scalar loss (or "
                                 "std::pair<loss, aux>), but it returned ",
                           loss ? loss->abstract().toString() : out.signature().toString(),
                           ". Reduce it (bst::sum, bst::mean), or use bst::vjp for a "
                           "non-scalar output"));
}

static Gradients run(const Linearization &lin, std::vector<Cotangent> seeds) {
  std::vector<Cotangent> ct(lin.primal.size());
  for (size_t k = 0; k < seeds.size(); ++k) {
    ValueId v = lin.outputLeaves[k];
    if (seeds[k] && lin.active[v])
      accumulate(ct[v], *seeds[k]);
  }
  std::vector<Tensor> env = lin.primal;
  Pass pass{env, lin.active, lin.customs, lin.tapes};
  backward(lin.traced.program.instructions(), pass, ct);
  auto leafGrad = [&](ValueId v, const AbstractArray &type) {
    return v != kNoValue && ct[v] ? *ct[v] : zerosOf(type);
  };
  Gradients out;
  for (const Linearization::WrtState &w : lin.states) {
    const Signature &sig = w.state.signature();
    std::vector<Tensor> leaves;
    for (size_t k = 0; k < w.leaves.size(); ++k)
      leaves.push_back(leafGrad(w.leaves[k], sig.leaves()[k]));
    out.insert(w.path, State(sig.def().unflatten(std::move(leaves)),
                             {.name = absl::StrCat("grad(", w.path, ")"), .tags = {}}));
  }
  for (const Linearization::WrtArg &a : lin.args) {
    std::vector<Tensor> leaves;
    for (size_t k = 0; k < a.leaves.size(); ++k)
      leaves.push_back(leafGrad(a.leaves[k], a.signature.leaves()[k]));
    out.args.push_back(a.signature.def().unflatten(std::move(leaves)));
  }
  return out;
}

Gradients pullbackScalar(const Linearization &lin, size_t leaf) {
  std::vector<Cotangent> seeds(lin.outputLeaves.size());
  const Tensor &loss = lin.primal[lin.outputLeaves[leaf]];
  seeds[leaf] = scalar(1, loss.dtype());
  return run(lin, std::move(seeds));
}

Gradients pullback(const Linearization &lin, const Tree &cotangent) {
  Signature want = lin.output.signature();
  if (!want.matches(cotangent))
    throw Error(ErrorCode::InvalidArgument,
                absl::StrCat(lin.what, ": the cotangent must be like the output (",
                             want.toString(), "), but ", want.describeMismatch(cotangent)));
  std::vector<Cotangent> seeds;
  for (const Tensor &t : cotangent.leaves())
    seeds.emplace_back(t);
  return run(lin, std::move(seeds));
}

Tensor customVjpCall(const std::function<Tensor(const std::vector<Tensor> &)> &f,
                     const CustomVjpRule &bwd, const std::vector<Tensor> &inputs) {
  if (!tracedRules || !isTracing())
    return f(inputs);
  // A first call gives y's type (and is dead code); the marked call computes y in the branch.
  AbstractArray yType = f(inputs).abstract();
  return markCustom(std::make_shared<CustomRule>(CustomRule{bwd, inputs.size()}), inputs, yType,
                    [&] { return f(inputs); });
}

void throwBadArgnum(const char *what, size_t n, size_t numParams, bool isStatic) {
  if (isStatic)
    throw Error(ErrorCode::InvalidArgument,
                absl::StrCat(what, ": GradOptions::argnums names parameter ", n,
                             ", which is a static (arithmetic) argument; only Tensor, Array and "
                             "Tree parameters have gradients"));
  throw Error(ErrorCode::InvalidArgument,
              absl::StrCat(what, ": GradOptions::argnums names parameter ", n,
                           ", but the function is called with ", numParams, " arguments"));
}

} // namespace detail
} // namespace bst
