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

#include "absl/container/flat_hash_map.h"
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
// Forward replay
//===----------------------------------------------------------------------===//

static void replay(const std::vector<Instruction> &body, std::vector<Tensor> &env);

//===----------------------------------------------------------------------===//
// customVjp markers
//===----------------------------------------------------------------------===//
//
// A customVjp call traced for autodiff computes its output y = f(x) as usual and then passes x
// and y through a one-branch Switch whose (constant) index is -1 - k, k the rule's index in the
// trace's CustomRules: Switch(-1 - k, x..., y) yielding its operands unchanged. The Switch
// means exactly "x..., y" to any consumer (the index is clamped to branch 0); the backward pass
// recognizes it and applies the rule to y's cotangent instead of differentiating f.

static std::vector<State> carryStates(const std::vector<Tensor> &values);

/// Marks `y` as the output of a customVjp call on `xs` with `rule`, if a nested trace for
/// autodiff is running; returns the marked y (or y itself).
static Tensor markCustom(const std::shared_ptr<const CustomRule> &rule,
                         const std::vector<Tensor> &xs, const Tensor &y) {
  if (!tracedRules || !isTracing())
    return y;
  int64_t index = -1 - static_cast<int64_t>(tracedRules->size());
  tracedRules->push_back(rule);
  std::vector<Tensor> values = xs;
  values.push_back(y);
  std::vector<State> carried = carryStates(values);
  traceSwitch(scalar(index), {[&] {
                for (State &s : carried)
                  s.setValue(s.value());
              }});
  return carried.back().value().leaf();
}

/// The rule of `inst` if it is a customVjp marker of `rules` (with primal values `env`).
static const CustomRule *markerRule(const Instruction &inst, const std::vector<Tensor> &env,
                                   const CustomRules &rules) {
  if (inst.kind != OpKind::Switch || inst.regions.size() != 1)
    return nullptr;
  const Tensor &index = env[inst.operands[0]];
  if (index.isTraced() || index.dtype() != DType::i64 || index.rank() != 0)
    return nullptr;
  int64_t k = -1 - index.item<int64_t>();
  if (k < 0 || k >= static_cast<int64_t>(rules.size()) ||
      inst.operands.size() != rules[k]->numInputs + 2)
    return nullptr;
  return rules[k].get();
}

/// The customVjp rules of the program being replayed (markers are recognized by them).
static thread_local const CustomRules *replayedRules = nullptr;

static std::vector<Tensor> operandsOf(const Instruction &inst, const std::vector<Tensor> &env) {
  std::vector<Tensor> out;
  out.reserve(inst.operands.size());
  for (ValueId v : inst.operands)
    out.push_back(env[v]);
  return out;
}

/// One local state per carried value: the public control-flow constructs carry states, eagerly
/// and traced alike.
static std::vector<State> carryStates(const std::vector<Tensor> &values) {
  std::vector<State> out;
  out.reserve(values.size());
  for (const Tensor &v : values)
    out.emplace_back(Tree(v), StateOptions{.name = "autodiff.carry"});
  return out;
}

static void bindParams(const std::vector<ValueId> &ids, const std::vector<State> &states, size_t first,
                 std::vector<Tensor> &env) {
  for (size_t k = 0; k < states.size(); ++k)
    env[ids[first + k]] = states[k].value().leaf();
}

static void yieldTo(const std::vector<ValueId> &ids, std::vector<State> &states,
                    const std::vector<Tensor> &env) {
  for (size_t k = 0; k < states.size(); ++k)
    states[k].setValue(Tree(env[ids[k]]));
}

static std::vector<Tensor> valuesOf(const std::vector<State> &states) {
  std::vector<Tensor> out;
  for (const State &s : states)
    out.push_back(s.value().leaf());
  return out;
}

/// Replays a control-flow instruction with the public constructs; returns its results.
static std::vector<Tensor> replayControlFlow(const Instruction &inst, std::vector<Tensor> &env) {
  std::vector<Tensor> operands = operandsOf(inst, env);
  switch (inst.kind) {
  case OpKind::ForLoop: {
    const Region &r = inst.regions[0];
    std::vector<State> carries = carryStates(operands);
    forLoop(inst.attrs.count, [&](const Tensor &i) {
      env[r.params[0]] = i;
      bindParams(r.params, carries, 1, env);
      replay(r.body, env);
      yieldTo(r.yields, carries, env);
    });
    return valuesOf(carries);
  }
  case OpKind::WhileLoop: {
    const Region &c = inst.regions[0], &b = inst.regions[1];
    std::vector<State> carries = carryStates(operands);
    whileLoop(
        [&] {
          bindParams(c.params, carries, 0, env);
          replay(c.body, env);
          return env[c.yields[0]];
        },
        [&] {
          bindParams(b.params, carries, 0, env);
          replay(b.body, env);
          yieldTo(b.yields, carries, env);
        });
    return valuesOf(carries);
  }
  case OpKind::Switch: {
    std::vector<Tensor> before(operands.begin() + 1, operands.end());
    std::vector<State> carries = carryStates(before);
    std::vector<std::function<void()>> branches;
    for (const Region &r : inst.regions)
      branches.push_back([&] {
        replay(r.body, env);
        yieldTo(r.yields, carries, env);
      });
    switchCase(operands[0], branches);
    return valuesOf(carries);
  }
  default:
    throw Error(ErrorCode::Internal, absl::StrCat("replay: ", opName(inst.kind),
                                                  " is not a control-flow primitive"));
  }
}

static void replay(const std::vector<Instruction> &body, std::vector<Tensor> &env) {
  for (const Instruction &inst : body) {
    if (const CustomRule *rule = replayedRules ? markerRule(inst, env, *replayedRules) : nullptr) {
      // Pass x and y through, marked again for an enclosing autodiff trace (higher order).
      std::vector<Tensor> xs;
      for (size_t k = 0; k < rule->numInputs; ++k)
        xs.push_back(env[inst.operands[1 + k]]);
      for (size_t k = 0; k < rule->numInputs; ++k)
        env[inst.results[k]] = xs[k];
      env[inst.results.back()] = markCustom(std::make_shared<CustomRule>(*rule), xs,
                                            env[inst.operands.back()]);
      continue;
    }
    if (isControlFlow(inst.kind)) {
      std::vector<Tensor> results = replayControlFlow(inst, env);
      for (size_t k = 0; k < results.size(); ++k)
        env[inst.results[k]] = results[k];
      continue;
    }
    if (inst.kind == OpKind::Constant) {
      env[inst.result()] = Tensor(inst.attrs.constant);
      continue;
    }
    env[inst.result()] = apply(inst.kind, operandsOf(inst, env), inst.attrs);
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

static void markActive(const Program &p, const std::vector<Instruction> &body,
                       std::vector<bool> &active) {
  for (const Instruction &inst : body) {
    if (!isDifferentiable(inst.kind))
      continue;
    bool any = false;
    for (ValueId v : inst.operands)
      any = any || active[v];
    // Values used from outside inside a region make the construct active too.
    std::function<void(const std::vector<Instruction> &)> scan =
        [&](const std::vector<Instruction> &b) {
          for (const Instruction &i : b) {
            for (ValueId v : i.operands)
              any = any || active[v];
            for (const Region &r : i.regions)
              scan(r.body);
          }
        };
    for (const Region &r : inst.regions)
      scan(r.body);
    if (!any)
      continue;
    for (ValueId v : inst.results)
      active[v] = isFloatType(p.type(v));
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

/// Applies a customVjp rule: the cotangent of the marked output to the marked inputs.
static void customBackward(const Instruction &inst, const CustomRule &rule,
                           const std::vector<Tensor> &primal, const std::vector<bool> &active,
                           std::vector<Cotangent> &ct) {
  ValueId y = inst.results.back();
  if (!ct[y])
    return;
  std::vector<Tensor> xs;
  for (size_t k = 0; k < rule.numInputs; ++k)
    xs.push_back(primal[inst.operands[1 + k]]);
  std::vector<Tensor> out = rule.bwd(xs, primal[y], *ct[y]);
  if (out.size() != xs.size())
    throw Error(ErrorCode::InvalidArgument,
                absl::StrCat("customVjp: the backward rule returned ", out.size(),
                             " cotangents for ", xs.size(),
                             " inputs; return one per input (a zero tensor for none)"));
  for (size_t k = 0; k < xs.size(); ++k) {
    ValueId x = inst.operands[1 + k];
    if (!active[x])
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

static void backward(const std::vector<Instruction> &body, const std::vector<Tensor> &primal,
                     const std::vector<bool> &active, const CustomRules &rules,
                     std::vector<Cotangent> &ct) {
  for (auto it = body.rbegin(); it != body.rend(); ++it) {
    const Instruction &inst = *it;
    if (const CustomRule *rule = markerRule(inst, primal, rules)) {
      customBackward(inst, *rule, primal, active, ct);
      continue;
    }
    if (isControlFlow(inst.kind)) {
      bool any = false;
      for (ValueId v : inst.results)
        any = any || (active[v] && ct[v]);
      if (any)
        throw Error(ErrorCode::InvalidArgument,
                    absl::StrCat("gradient: differentiating through ", opName(inst.kind),
                                 " (a compiled loop or branch) is not supported yet"));
      continue;
    }
    ValueId res = inst.result();
    if (!active[res] || !ct[res])
      continue;
    std::vector<Tensor> x;
    x.reserve(inst.operands.size());
    std::vector<bool> need;
    bool any = false;
    for (ValueId v : inst.operands) {
      x.push_back(primal[v]);
      need.push_back(active[v]);
      any = any || active[v];
    }
    if (!any)
      continue;
    std::vector<Cotangent> out(inst.operands.size());
    vjpRule(inst, x, primal[res], *ct[res], need, out);
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
  std::vector<std::optional<Tree>> stateValues(states.size());
  for (const Slot &s : p.slots()) {
    if (s.input == kNoValue)
      continue;
    switch (s.role) {
    case SlotRole::Argument:
      env[s.input] = s.index < argLeaves.size() ? argLeaves[s.index]
                                                : lin->lifted[s.index - argLeaves.size()];
      break;
    case SlotRole::State:
      if (!stateValues[s.index])
        stateValues[s.index] = states[s.index].value();
      env[s.input] = stateValues[s.index]->leafAt(s.leaf);
      break;
    case SlotRole::Capture:
      env[s.input] = lin->traced.captures[s.index];
      break;
    case SlotRole::Result:
      break;
    }
  }

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
  markActive(p, p.instructions(), lin->active);

  // Replay, then apply the state writes and collect the output.
  const CustomRules *outerReplayed = replayedRules;
  replayedRules = &lin->customs;
  try {
    replay(p.instructions(), env);
  } catch (...) {
    replayedRules = outerReplayed;
    throw;
  }
  replayedRules = outerReplayed;
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
    leaves.resize(states[s.index].signature().leaves().size());
    leaves[s.leaf] = env[s.output];
  }
  for (size_t i = 0; i < states.size(); ++i)
    if (!written[i].empty())
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
  backward(lin.traced.program.instructions(), lin.primal, lin.active, lin.customs, ct);
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
                             {.name = absl::StrCat("grad(", w.path, ")")}));
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
  Tensor y = f(inputs);
  if (!tracedRules)
    return y;
  return markCustom(std::make_shared<CustomRule>(CustomRule{bwd, inputs.size()}), inputs, y);
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
