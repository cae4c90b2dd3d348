//===- Vmap.cpp - Batching a traced program primitive by primitive --------===//
//
// vmapCall traces the function on one element of the batch (a nested trace; batched states are
// shown one element through the state access listener), then replays the program here with a
// batching rule per primitive, written with the public ops: eagerly that computes, under an
// enclosing jit it records. Every batched value carries its batch axis at 0; inputs are moved
// there first and results moved to their outAxes last.
//
//===----------------------------------------------------------------------===//
#include "bst/Transform/Vmap.h"
#include "bst/Trace/Apply.h"
#include "bst/Trace/Ops.h"
#include "bst/Transform/ControlFlow.h"
#include "bst/Transform/ErrorIf.h"

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"

#include <optional>

namespace bst {
namespace detail {
namespace {

//===----------------------------------------------------------------------===//
// Shapes and axes
//===----------------------------------------------------------------------===//

std::vector<int64_t> dims(const Tensor &t) { return t.shape().toVector(); }

std::vector<int64_t> prepend(int64_t first, std::vector<int64_t> rest) {
  rest.insert(rest.begin(), first);
  return rest;
}

std::vector<int64_t> shifted(std::vector<int64_t> axes) {
  for (int64_t &a : axes)
    ++a;
  return axes;
}

/// `t` with its axis `from` moved to position `to`.
Tensor moveAxis(const Tensor &t, int64_t from, int64_t to) {
  if (from == to)
    return t;
  std::vector<int64_t> perm;
  for (int64_t a = 0; a < static_cast<int64_t>(t.rank()); ++a)
    if (a != from)
      perm.push_back(a);
  perm.insert(perm.begin() + to, from);
  return transpose(t, perm);
}

/// A Python-style axis of a rank-`rank` array, made non-negative; throws naming `what`.
int64_t normalizeAxis(int64_t axis, int64_t rank, const std::string &what) {
  if (axis < -rank || axis >= rank)
    throw Error(ErrorCode::InvalidArgument,
                absl::StrCat("vmap: batch axis ", axis, " is out of range for ", what, " of rank ",
                             rank, ": use an axis in [", -rank, ", ", rank,
                             ") or bst::notBatched"));
  return axis < 0 ? axis + rank : axis;
}

//===----------------------------------------------------------------------===//
// The batched replay
//===----------------------------------------------------------------------===//

/// The values of a replay: one per program value, and whether it carries the batch (at axis 0).
struct Batch {
  int64_t size = 0;
  std::vector<Tensor> env;
  std::vector<char> batched;

  void set(ValueId v, Tensor t, bool b) {
    env[v] = std::move(t);
    batched[v] = b;
  }
  /// `t` with the batch axis: itself if `b`, else broadcast along a new axis 0.
  Tensor withBatch(const Tensor &t, bool b) const {
    if (b)
      return t;
    return broadcastTo(t, Shape(prepend(size, dims(t))));
  }
  Tensor batchedValue(ValueId v) const { return withBatch(env[v], batched[v]); }
};

void replay(const std::vector<Instruction> &body, Batch &batch);

bool anyBatched(const std::vector<ValueId> &ids, const Batch &batch) {
  for (ValueId v : ids)
    if (batch.batched[v])
      return true;
  return false;
}

/// True if a region of `regions` (at any depth) uses or yields a batched value. Values defined
/// inside keep the flags of an earlier replay, which can only make the answer conservative.
bool touchesBatch(const std::vector<Region> &regions, const Batch &batch) {
  for (const Region &r : regions) {
    if (anyBatched(r.yields, batch))
      return true;
    for (const Instruction &inst : r.body)
      if (anyBatched(inst.operands, batch) || touchesBatch(inst.regions, batch))
        return true;
  }
  return false;
}

/// One state per carried value (the public control-flow constructs carry states).
std::vector<State> carryStates(const std::vector<Tensor> &values) {
  std::vector<State> out;
  for (const Tensor &v : values)
    out.emplace_back(Tree(v));
  return out;
}

std::vector<Tensor> valuesOf(const std::vector<State> &states) {
  std::vector<Tensor> out;
  for (const State &s : states)
    out.push_back(s.value().leaf());
  return out;
}

/// The fallback rule, correct for any primitive: a scan over the batch applying the primitive to
/// one element at a time (a loop of `size` steps; eagerly, `size` calls).
Tensor perElement(const Instruction &inst, const std::vector<Tensor> &x,
                  const std::vector<bool> &b) {
  std::vector<Tree> xs;
  for (size_t k = 0; k < x.size(); ++k)
    if (b[k])
      xs.push_back(Tree(x[k]));
  ScanResult r = scan(
      [&](const Tree &carry, const Tree &element) {
        std::vector<Tensor> ops = x;
        size_t j = 0;
        for (size_t k = 0; k < x.size(); ++k)
          if (b[k])
            ops[k] = element[j++].leaf();
        return ScanResult{carry, Tree(apply(inst.kind, ops, inst.attrs))};
      },
      Tree(scalar(0)), Tree::list(std::move(xs)));
  return r.ys.leaf();
}

/// MatMul: [m,k] x [k,n] per element, or [b,m,k] x [b,k,n].
Tensor batchMatMul(const Batch &batch, const std::vector<Tensor> &x, const std::vector<bool> &b) {
  int64_t n = batch.size;
  if (b[0] && !b[1] && x[0].rank() == 3) {
    // [B,m,k] x [k,n]: one matmul of [B*m, k] rows.
    std::vector<int64_t> s = dims(x[0]);
    Tensor rows = apply(OpKind::MatMul, {reshape(x[0], {n * s[1], s[2]}), x[1]});
    return reshape(rows, {n, s[1], dims(x[1])[1]});
  }
  Tensor lhs = batch.withBatch(x[0], b[0]), rhs = batch.withBatch(x[1], b[1]);
  if (lhs.rank() == 3)
    return apply(OpKind::MatMul, {lhs, rhs}); // [B,m,k] x [B,k,n]: the batched primitive
  std::vector<int64_t> l = dims(lhs), r = dims(rhs);
  Tensor out = apply(OpKind::MatMul,
                     {reshape(lhs, {n * l[1], l[2], l[3]}), reshape(rhs, {n * r[1], r[2], r[3]})});
  return reshape(out, {n, l[1], l[2], r[3]});
}

/// A zero start index of the dtype of the other indices of a dynamic slice.
Tensor zeroIndexLike(const std::vector<Tensor> &x, size_t firstIndex) {
  DType type = x.size() > firstIndex ? x[firstIndex].dtype() : DType::i64;
  return scalar(0, type);
}

/// The batching rule of one primitive (not control flow) some of whose operands are batched.
Tensor batchPrimitive(const Instruction &inst, const Batch &batch, const std::vector<Tensor> &x,
                      const std::vector<bool> &b) {
  OpKind kind = inst.kind;
  OpAttrs attrs = inst.attrs;
  auto allBatched = [&] {
    std::vector<Tensor> out;
    for (size_t k = 0; k < x.size(); ++k)
      out.push_back(batch.withBatch(x[k], b[k]));
    return out;
  };
  bool indicesBatched = false; // DynamicSlice / DynamicUpdateSlice start indices
  switch (kind) {
  case OpKind::BroadcastInDim:
    attrs.shape = prepend(batch.size, attrs.shape);
    attrs.axes = prepend(0, shifted(attrs.axes));
    return apply(kind, x, attrs);
  case OpKind::Reshape:
    attrs.shape = prepend(batch.size, attrs.shape);
    return apply(kind, x, attrs);
  case OpKind::Transpose:
    attrs.axes = prepend(0, shifted(attrs.axes));
    return apply(kind, x, attrs);
  case OpKind::Concatenate:
    attrs.axis += 1;
    return apply(kind, allBatched(), attrs);
  case OpKind::Slice:
    attrs.starts = prepend(0, attrs.starts);
    attrs.limits = prepend(batch.size, attrs.limits);
    attrs.strides = prepend(1, attrs.strides);
    return apply(kind, x, attrs);
  case OpKind::ReduceSum:
  case OpKind::ReduceMax:
  case OpKind::ReduceMin:
    attrs.axes = shifted(attrs.axes);
    return apply(kind, x, attrs);
  case OpKind::ArgMax:
    attrs.axis += 1;
    return apply(kind, x, attrs);
  case OpKind::MatMul:
    return batchMatMul(batch, x, b);
  case OpKind::Gather:
    if (b[0] && !b[1]) {
      attrs.axis += 1;
      return apply(kind, x, attrs);
    }
    if (!b[0]) // x[:axis] + [B, ...indices] + x[axis+1:]: move the batch axis to the front
      return moveAxis(apply(kind, x, attrs), attrs.axis, 0);
    return perElement(inst, x, b);
  case OpKind::ScatterAdd:
    if (b[1])
      return perElement(inst, x, b);
    attrs.axis += 1;
    return apply(kind, {batch.withBatch(x[0], b[0]), x[1], batch.withBatch(x[2], b[2])}, attrs);
  case OpKind::DynamicSlice:
  case OpKind::DynamicUpdateSlice: {
    size_t firstIndex = kind == OpKind::DynamicSlice ? 1 : 2;
    for (size_t k = firstIndex; k < x.size(); ++k)
      indicesBatched |= b[k];
    if (indicesBatched)
      return perElement(inst, x, b);
    std::vector<Tensor> ops;
    for (size_t k = 0; k < firstIndex; ++k)
      ops.push_back(batch.withBatch(x[k], b[k]));
    ops.push_back(zeroIndexLike(x, firstIndex));
    ops.insert(ops.end(), x.begin() + firstIndex, x.end());
    if (kind == OpKind::DynamicSlice)
      attrs.shape = prepend(batch.size, attrs.shape);
    return apply(kind, ops, attrs);
  }
  case OpKind::EventSum:
  case OpKind::Philox:
  case OpKind::Progress:
    return perElement(inst, x, b);
  default:
    break;
  }
  if (kind <= OpKind::Cast) // elementwise, comparisons, select, cast: equal shapes
    return apply(kind, allBatched(), attrs);
  throw Error(ErrorCode::Internal,
              absl::StrCat("vmap: no batching rule for the primitive '", opName(kind), "'"));
}

void replayPrimitive(const Instruction &inst, Batch &batch) {
  if (inst.kind == OpKind::Constant) {
    batch.set(inst.result(), Tensor(inst.attrs.constant), false);
    return;
  }
  std::vector<Tensor> x;
  std::vector<bool> b;
  for (ValueId v : inst.operands) {
    x.push_back(batch.env[v]);
    b.push_back(batch.batched[v]);
  }
  if (!anyBatched(inst.operands, batch)) {
    batch.set(inst.result(), apply(inst.kind, x, inst.attrs), false);
    return;
  }
  batch.set(inst.result(), batchPrimitive(inst, batch, x, b), true);
}

/// Replays region `r` and returns its yields, batched if `batched`.
std::vector<Tensor> runRegion(const Region &r, Batch &batch, bool batched) {
  replay(r.body, batch);
  std::vector<Tensor> out;
  for (ValueId y : r.yields)
    out.push_back(batched ? batch.batchedValue(y) : batch.env[y]);
  return out;
}

void bindParams(const std::vector<ValueId> &params, size_t from, const std::vector<Tensor> &values,
                Batch &batch, bool batched) {
  for (size_t k = 0; k < values.size(); ++k)
    batch.set(params[from + k], values[k], batched);
}

std::vector<Tensor> operandValues(const Instruction &inst, size_t from, const Batch &batch,
                                  bool batched) {
  std::vector<Tensor> out;
  for (size_t k = from; k < inst.operands.size(); ++k)
    out.push_back(batched ? batch.batchedValue(inst.operands[k]) : batch.env[inst.operands[k]]);
  return out;
}

/// ForLoop: if anything the loop touches is batched, every carry is.
std::vector<Tensor> replayForLoop(const Instruction &inst, Batch &batch, bool batched) {
  const Region &r = inst.regions[0];
  auto step = [&](const Tensor &i, const std::vector<Tensor> &carries) {
    batch.set(r.params[0], i, false);
    bindParams(r.params, 1, carries, batch, batched);
    return runRegion(r, batch, batched);
  };
  std::vector<Tensor> carries = operandValues(inst, 0, batch, batched);
  if (!isTracing()) {
    for (int64_t i = 0; i < inst.attrs.count; ++i)
      carries = step(Array::scalar<int64_t>(i), carries);
    return carries;
  }
  return traceForLoop(inst.attrs.count, carries,
                      [&](const Tensor &i, const std::vector<Tensor> &c) {
                        return LoopValues{step(i, c), {}};
                      })
      .carry;
}

/// `pred` ([B] bool) reshaped to broadcast against a batched value of rank `rank`.
Tensor laneMask(const Tensor &pred, size_t rank) {
  std::vector<int64_t> shape(rank, 1);
  shape[0] = dims(pred)[0];
  return reshape(pred, shape);
}

/// WhileLoop. With a batched predicate, the loop runs while any element's predicate holds and an
/// element whose predicate is false keeps its carries.
std::vector<Tensor> replayWhileLoop(const Instruction &inst, Batch &batch, bool batched) {
  const Region &c = inst.regions[0], &body = inst.regions[1];
  std::vector<State> carries = carryStates(operandValues(inst, 0, batch, batched));
  auto predicate = [&] {
    bindParams(c.params, 0, valuesOf(carries), batch, batched);
    replay(c.body, batch);
    return batch.env[c.yields[0]];
  };
  whileLoop(
      [&] {
        Tensor p = predicate();
        return batched ? reduceMax(batch.withBatch(p, batch.batched[c.yields[0]])) : p;
      },
      [&] {
        std::optional<Tensor> lanes;
        if (batched)
          lanes = batch.withBatch(predicate(), batch.batched[c.yields[0]]);
        std::vector<Tensor> old = valuesOf(carries);
        bindParams(body.params, 0, old, batch, batched);
        std::vector<Tensor> next = runRegion(body, batch, batched);
        for (size_t k = 0; k < carries.size(); ++k)
          carries[k].setValue(
              Tree(lanes ? where(laneMask(*lanes, next[k].rank()), next[k], old[k]) : next[k]));
      });
  return valuesOf(carries);
}

/// Switch. With a batched index every branch runs and each element selects its branch's values.
std::vector<Tensor> replaySwitch(const Instruction &inst, Batch &batch, bool batched) {
  const Tensor &index = batch.env[inst.operands[0]];
  if (batch.batched[inst.operands[0]]) {
    int64_t last = static_cast<int64_t>(inst.regions.size()) - 1;
    Tensor clamped = clip(index, 0, last);
    std::vector<Tensor> out = runRegion(inst.regions[last], batch, true);
    for (int64_t k = last - 1; k >= 0; --k) {
      std::vector<Tensor> ys = runRegion(inst.regions[k], batch, true);
      for (size_t j = 0; j < out.size(); ++j)
        out[j] = where(laneMask(clamped == k, ys[j].rank()), ys[j], out[j]);
    }
    return out;
  }
  std::vector<State> carries = carryStates(operandValues(inst, 1, batch, batched));
  std::vector<std::function<void()>> branches;
  for (const Region &r : inst.regions)
    branches.push_back([&] {
      std::vector<Tensor> ys = runRegion(r, batch, batched);
      for (size_t k = 0; k < carries.size(); ++k)
        carries[k].setValue(Tree(ys[k]));
    });
  switchCase(index, branches);
  return valuesOf(carries);
}

void replay(const std::vector<Instruction> &body, Batch &batch) {
  for (const Instruction &inst : body) {
    if (!isControlFlow(inst.kind)) {
      replayPrimitive(inst, batch);
      continue;
    }
    // If anything the construct touches is batched, all of its results are.
    bool batched = anyBatched(inst.operands, batch) || touchesBatch(inst.regions, batch);
    std::vector<Tensor> results;
    if (inst.kind == OpKind::ForLoop)
      results = replayForLoop(inst, batch, batched);
    else if (inst.kind == OpKind::WhileLoop)
      results = replayWhileLoop(inst, batch, batched);
    else
      results = replaySwitch(inst, batch, batched);
    for (size_t k = 0; k < results.size(); ++k)
      batch.set(inst.results[k], results[k], batched);
  }
}

//===----------------------------------------------------------------------===//
// Batched states: shown one element while the function is traced
//===----------------------------------------------------------------------===//

/// While alive, the states vmap batches (BatchStates, inStates, outStates) that the traced
/// function touches hold one element's signature (and a zero value of it); the destructor puts
/// their values and signatures back.
class StateViews {
public:
  StateViews(const VmapOptions &options, std::optional<int64_t> &size) : size_(size) {
    for (const StateMap *m : {&options.inStates, &options.outStates})
      for (const auto &[path, state] : *m)
        declared_.try_emplace(StateAccess::identity(state), path);
    previous_ = StateAccess::setAccessListener({&StateViews::onAccess, this});
  }
  ~StateViews() {
    StateAccess::setAccessListener(previous_);
    for (Saved &s : saved_) {
      StateAccess::stored(s.state) = std::move(s.value);
      StateAccess::frozenSignature(s.state) = std::move(s.signature);
    }
  }
  StateViews(const StateViews &) = delete;
  StateViews &operator=(const StateViews &) = delete;

  /// True if `state` is batched (it was shown one element).
  bool isBatched(const State &state) const { return shown_.contains(StateAccess::identity(state)); }
  /// True if `state` is batched by declaration or kind, whether or not f touched it.
  bool isDeclared(const State &state) const {
    return state.is<BatchState>() || declared_.contains(StateAccess::identity(state));
  }

private:
  struct Saved {
    State state;
    Tree value;
    Signature signature;
  };

  static void onAccess(void *context, const State &state) {
    auto *self = static_cast<StateViews *>(context);
    if (self->isDeclared(state) && self->shown_.insert(StateAccess::identity(state)).second)
      self->show(state);
  }

  void show(const State &state) {
    const Signature &sig = state.signature();
    std::vector<AbstractArray> leaves;
    std::vector<Tensor> zeroLeaves;
    for (const AbstractArray &leaf : sig.leaves()) {
      std::vector<int64_t> shape = leaf.shape.toVector();
      if (shape.empty())
        throw Error(ErrorCode::InvalidArgument,
                    absl::StrCat("vmap: ", state.describe(), " is batched (",
                                 state.signature().toString(),
                                 ") but has a scalar leaf, which has no batch axis: batched "
                                 "states carry the batch at axis 0 of every leaf. Give it a "
                                 "leading batch axis, or leave it out of inStates/outStates"));
      if (size_ && shape[0] != *size_)
        throw Error(ErrorCode::InvalidArgument,
                    absl::StrCat("vmap: ", state.describe(), " is batched, but its value ",
                                 sig.toString(), " has ", shape[0],
                                 " elements along axis 0 where the batch has ", *size_,
                                 ". Give every batched state and argument the same batch size"));
      size_ = shape[0];
      shape.erase(shape.begin());
      leaves.push_back({Shape(shape), leaf.dtype});
      zeroLeaves.push_back(zeros(Shape(shape), leaf.dtype));
    }
    saved_.push_back({state, StateAccess::stored(state), sig});
    StateAccess::frozenSignature(state) = Signature(sig.def(), std::move(leaves));
    StateAccess::stored(state) = sig.def().unflatten(std::move(zeroLeaves));
  }

  std::optional<int64_t> &size_;
  absl::flat_hash_map<const void *, std::string> declared_;
  absl::flat_hash_set<const void *> shown_;
  std::vector<Saved> saved_;
  StateAccess::AccessListener previous_;
};

[[noreturn]] void throwBatchAxis(const State &state) {
  throw BatchAxisError(absl::StrCat(
      "vmap: the function writes a value that depends on the batch to ", state.describe(), " (",
      state.signature().toString(),
      "), which is not batched: each element would need its own value, and the state holds one. "
      "Declare it batched (VmapOptions::outStates or inStates, or make it a BatchState) and give "
      "its value a leading batch axis, or write it a value that does not depend on the batch "
      "(e.g. reduce over the batch outside vmap). No state was changed"));
}

/// The errorIf calls of the traced function, raised from the replayed check state. A batched
/// check fires if it fires for any element, with that first element's values.
void raiseChecks(const TracedFunction &traced, const Tree &check, bool batched) {
  Tensor code = check["code"].leaf();
  for (size_t k = 0; k < traced.checks.size(); ++k) {
    const CheckSite &site = traced.checks[k];
    Tensor fired = code == static_cast<int32_t>(k + 1);
    Tensor first = batched ? argmax(cast(fired, DType::i32)) : Tensor();
    std::vector<Tensor> values;
    for (size_t v = 0; v < site.valueTypes.size(); ++v) {
      DType type = site.valueTypes[v];
      Tensor all = check[isFloating(type) ? "f64" : "i64"].leaf();
      if (batched)
        all = gather(all, first, 0);
      int64_t at = static_cast<int64_t>(v);
      values.push_back(cast(reshape(slice(all, {at}, {at + 1}), {}), type));
    }
    errorIfImpl(fired, site.message, values);
  }
}

} // namespace

Tree vmapCall(const TreeFunction &fn, const std::vector<Tree> &args, const VmapOptions &options) {
  std::vector<std::optional<int64_t>> inAxes = options.inAxes;
  if (inAxes.empty())
    inAxes.assign(args.size(), 0);
  if (inAxes.size() != args.size())
    throw Error(ErrorCode::InvalidArgument,
                absl::StrCat("vmap: VmapOptions::inAxes has ", inAxes.size(),
                             " entries but the function has ", args.size(),
                             " traced arguments: give one axis (or bst::notBatched) per "
                             "Tensor, Array or Tree argument"));
  // The arguments' batch size, their leaves with the batch at axis 0, one element's signatures.
  std::optional<int64_t> size;
  std::vector<Signature> sigs;
  std::vector<Tensor> argLeaves;
  std::vector<char> argBatched;
  for (size_t a = 0; a < args.size(); ++a) {
    std::vector<AbstractArray> leaves;
    for (const Tensor &t : args[a].leaves()) {
      std::vector<int64_t> shape = dims(t);
      if (!inAxes[a]) {
        leaves.push_back(t.abstract());
        argLeaves.push_back(t);
        argBatched.push_back(false);
        continue;
      }
      std::string what = absl::StrCat("argument ", a, " (", args[a].signature().toString(), ")");
      int64_t axis = normalizeAxis(*inAxes[a], static_cast<int64_t>(shape.size()), what);
      if (size && shape[axis] != *size)
        throw Error(ErrorCode::InvalidArgument,
                    absl::StrCat("vmap: ", what, " has ", shape[axis],
                                 " elements along its batch axis ", axis, " where the batch has ",
                                 *size,
                                 ": give every batched argument and state the same batch size"));
      size = shape[axis];
      argLeaves.push_back(moveAxis(t, axis, 0));
      argBatched.push_back(true);
      shape.erase(shape.begin() + axis);
      leaves.push_back({Shape(shape), t.dtype()});
    }
    sigs.push_back(Signature(args[a].signature().def(), std::move(leaves)));
  }

  TracedFunction traced;
  std::vector<Tensor> lifted;
  std::vector<char> stateBatched;
  {
    StateViews views(options, size);
    traced = traceNested(fn, sigs, lifted);
    for (const State &s : traced.states)
      stateBatched.push_back(views.isBatched(s));
  }
  if (!size)
    throw Error(ErrorCode::InvalidArgument,
                "vmap: nothing is batched: no argument has a batch axis (VmapOptions::inAxes) and "
                "the function reads no batched state (a BatchState, or one in inStates or "
                "outStates). Give an argument a batch axis, or call the function directly");
  const Program &p = traced.program;
  const std::vector<State> &states = traced.states;

  Batch batch;
  batch.size = *size;
  batch.env.assign(p.numValues(), Tensor());
  batch.batched.assign(p.numValues(), false);
  std::vector<std::optional<Tree>> stateValues =
      bindInputs(traced, argLeaves, lifted, [&](const Slot &s, const Tensor &value) {
        bool batched = s.role == SlotRole::State ? stateBatched[s.index]
                       : s.role == SlotRole::Argument && s.index < argLeaves.size()
                           ? argBatched[s.index]
                           : false; // lifted tensors and captures are shared
        batch.set(s.input, value, batched);
      });
  replay(p.instructions(), batch);

  // Results, moved to their outAxes.
  size_t numOut = traced.resultDef.numLeaves();
  if (options.outAxes.size() > 1 && options.outAxes.size() != numOut)
    throw Error(ErrorCode::InvalidArgument,
                absl::StrCat("vmap: VmapOptions::outAxes has ", options.outAxes.size(),
                             " entries but the function returns ", numOut,
                             " leaves: give one axis per leaf, or one for all"));
  std::vector<Tensor> outLeaves(numOut);
  // State writes: check them all before writing any.
  std::vector<std::vector<Tensor>> written(states.size());
  std::vector<char> writtenBatched(states.size(), false);
  for (const Slot &s : p.slots()) {
    if (s.output == kNoValue)
      continue;
    if (s.role == SlotRole::Result) {
      Tensor leaf = batch.batchedValue(s.output);
      int64_t axis =
          options.outAxes.empty() ? 0 : options.outAxes[options.outAxes.size() == 1 ? 0 : s.index];
      axis = normalizeAxis(
          axis, static_cast<int64_t>(leaf.rank()),
          absl::StrCat("result leaf ", s.index, " (", leaf.abstract().toString(), ")"));
      outLeaves[s.index] = moveAxis(leaf, 0, axis);
      continue;
    }
    std::vector<Tensor> &leaves = written[s.index];
    if (leaves.empty()) // a leaf written back unchanged has no output: it keeps its value
      leaves = (stateValues[s.index] ? *stateValues[s.index] : states[s.index].value()).leaves();
    leaves[s.leaf] = stateBatched[s.index] ? batch.batchedValue(s.output) : batch.env[s.output];
    writtenBatched[s.index] |= batch.batched[s.output];
  }
  std::optional<size_t> checks = traced.checkState;
  for (size_t i = 0; i < states.size(); ++i)
    if (writtenBatched[i] && !stateBatched[i] && i != checks)
      throwBatchAxis(states[i]);
  if (checks && !written[*checks].empty())
    raiseChecks(traced, states[*checks].signature().def().unflatten(written[*checks]),
                writtenBatched[*checks]);
  for (size_t i = 0; i < states.size(); ++i)
    if (!written[i].empty() && i != checks)
      State(states[i]).setValue(states[i].signature().def().unflatten(std::move(written[i])));
  return traced.resultDef.unflatten(std::move(outLeaves));
}

} // namespace detail

Tree stackStates(const std::vector<StateMap> &copies) {
  if (copies.empty())
    throw Error(ErrorCode::InvalidArgument, "stackStates: no copies to stack");
  std::vector<Tree::Item> items;
  for (const auto &[path, state] : copies.front()) {
    std::vector<std::vector<Tensor>> perLeaf(state.signature().leaves().size());
    for (const StateMap &copy : copies) {
      const State &s = copy.at(path);
      if (s.signature() != state.signature())
        throw Error(ErrorCode::InvalidArgument,
                    absl::StrCat("stackStates: the copies differ at '", path,
                                 "': ", state.signature().toString(), " and ",
                                 s.signature().toString(), ". Stack copies of one model"));
      std::vector<Tensor> leaves = s.value().leaves();
      for (size_t k = 0; k < leaves.size(); ++k)
        perLeaf[k].push_back(reshape(leaves[k], detail::prepend(1, detail::dims(leaves[k]))));
    }
    std::vector<Tensor> stacked;
    for (const std::vector<Tensor> &leaf : perLeaf)
      stacked.push_back(concatenate(leaf, 0));
    items.emplace_back(path, state.signature().def().unflatten(std::move(stacked)));
  }
  return Tree::dict(std::move(items));
}

StateMap statesFromValues(const Tree &values) {
  StateMap out;
  for (const std::string &path : values.keys())
    out.insert(path, State(values[path]));
  return out;
}

Tree stateValues(const StateMap &states) {
  std::vector<Tree::Item> items;
  for (const auto &[path, state] : states)
    items.emplace_back(path, state.value());
  return Tree::dict(std::move(items));
}

} // namespace bst
