//===- Tracer.cpp - Recording a function into a Program -------------------===//
#include "TracerImpl.h"
#include "bst/Trace/Apply.h"
#include "bst/Trace/Ops.h"

#include "absl/strings/str_cat.h"

#include <cstring>

namespace bst {

namespace detail {

/// Concrete arrays up to this many elements become Constant instructions; larger ones are
/// passed to the compiled function as Capture slots (unless all elements are equal).
static constexpr int64_t kMaxInlineConstant = 16;

Tracer::Tracer() : outerFrame_(currentTraceFrame()), frame_(this) {}

Tracer *Tracer::current() { return dynamic_cast<Tracer *>(currentFrameObserver()); }

Tensor Tracer::traced(ValueId id, FrameId owner) {
  // A value belongs to the frame of the scope that defines it: one made in a loop body cannot
  // leak out of it, while a function input first read inside a body belongs to the function.
  return Tensor(std::make_shared<TracedValueImpl>(
      out_.program.type(id), this, owner == kEagerFrame ? currentTraceFrame() : owner, id));
}

std::vector<Instruction> &Tracer::currentBody() {
  return scopes_.empty() ? out_.program.mutableInstructions() : scopes_.back()->body;
}

ValueId Tracer::emit(OpKind kind, std::vector<ValueId> operands, OpAttrs attrs,
                     AbstractArray type) {
  ValueId result = out_.program.addValue(std::move(type));
  currentBody().push_back({kind, std::move(operands), std::move(attrs), {result}, {}});
  return result;
}

Tensor Tracer::argument(const AbstractArray &type, std::string name, size_t leafIndex) {
  ValueId id = out_.program.addValue(type);
  out_.program.addSlot({.role = SlotRole::Argument,
                        .name = std::move(name),
                        .type = type,
                        .index = leafIndex,
                        .input = id});
  return traced(id);
}

/// True if every element of `a` has the same bytes as the first.
static bool isSplat(const Array &a) {
  size_t elem = sizeOf(a.dtype());
  const auto *p = static_cast<const char *>(a.rawData());
  for (int64_t i = 1; i < a.numElements(); ++i)
    if (std::memcmp(p, p + i * elem, elem) != 0)
      return false;
  return true;
}

ValueId Tracer::valueOf(const Tensor &t) {
  if (t.isTraced()) {
    const auto &v = static_cast<const TracedValueImpl &>(*t.traced());
    if (v.tracer != this || !isTraceFrameActive(v.frame)) {
      if (accepts(v))
        return lift(t, v);
      throwLeakedTracer(v);
    }
    return v.id;
  }
  const Array &a = t.array();
  Program &p = out_.program;
  if (a.numElements() <= kMaxInlineConstant)
    return emit(OpKind::Constant, {}, OpAttrs{.constant = a}, a.abstract());
  if (isSplat(a)) {
    Array scalar = Array(Shape{}, a.dtype());
    std::memcpy(scalar.mutableRawData(), a.rawData(), sizeOf(a.dtype()));
    ValueId s = emit(OpKind::Constant, {}, OpAttrs{.constant = scalar}, scalar.abstract());
    return emit(OpKind::BroadcastInDim, {s}, OpAttrs{.shape = a.shape().toVector()},
                a.abstract());
  }
  auto [it, inserted] = captureValue_.try_emplace(a.rawData(), kNoValue);
  if (inserted) {
    it->second = p.addValue(a.abstract());
    p.addSlot({.role = SlotRole::Capture,
               .name = absl::StrCat("capture", out_.captures.size()),
               .type = a.abstract(),
               .index = out_.captures.size(),
               .input = it->second});
    out_.captures.push_back(a);
  }
  return it->second;
}

ValueId Tracer::lift(const Tensor &t, const TracedValueImpl &v) {
  auto [it, inserted] = liftedValue_.try_emplace(std::make_pair(v.tracer, v.id), kNoValue);
  if (inserted) {
    size_t k = lifted_->size();
    it->second = out_.program.addValue(v.type());
    out_.program.addSlot({.role = SlotRole::Argument,
                          .name = absl::StrCat("lifted", k),
                          .type = v.type(),
                          .index = liftBase_ + k,
                          .input = it->second});
    lifted_->push_back(t);
  }
  return it->second;
}

Tensor Tracer::record(OpKind kind, const std::vector<Tensor> &operands, const OpAttrs &attrs,
                      AbstractArray type) {
  std::vector<ValueId> ids;
  ids.reserve(operands.size());
  for (const Tensor &t : operands)
    ids.push_back(valueOf(t));
  return traced(emit(kind, std::move(ids), attrs, std::move(type)));
}

Tracer::StateRecord &Tracer::recordFor(const State &state, const Tree &stored) {
  auto [it, inserted] = recordIndex_.try_emplace(StateAccess::identity(state), records_.size());
  if (!inserted)
    return records_[it->second];
  size_t stateIndex = out_.states.size();
  out_.states.push_back(state);
  size_t firstSlot = out_.program.slots().size();
  std::vector<Tensor> inputs;
  size_t leaf = 0;
  std::string base = state.name().empty() ? absl::StrCat("state", stateIndex) : state.name();
  stored.forEachLeaf([&](const std::string &path, const Tensor &t) {
    ValueId id = out_.program.addValue(t.abstract());
    out_.program.addSlot({.role = SlotRole::State,
                          .name = path.empty() ? base : absl::StrCat(base, ".", path),
                          .stateKind = state.kind().name(),
                          .type = t.abstract(),
                          .index = stateIndex,
                          .leaf = leaf++,
                          .input = id});
    inputs.push_back(traced(id, frame()));
  });
  records_.push_back({state, firstSlot, stored.def().unflatten(std::move(inputs))});
  return records_.back();
}

Tree Tracer::readState(const State &state, const Tree &stored) {
  if (scopes_.empty())
    return recordFor(state, stored).current;
  return valueIn(state, static_cast<int>(scopes_.size()) - 1);
}

void Tracer::writeState(const State &state, const Tree &value) {
  setIn(state, static_cast<int>(scopes_.size()) - 1, value);
}

//===----------------------------------------------------------------------===//
// Scopes and control flow
//===----------------------------------------------------------------------===//

Tree Tracer::valueIn(const State &state, int k) {
  if (k < 0) {
    // A state created by the traced function itself holds its (traced) value directly.
    if (state.traceFrame() == frame())
      return StateAccess::stored(state);
    return recordFor(state, StateAccess::stored(state)).current;
  }
  if (scopes_[k]->frameId == state.traceFrame())
    return StateAccess::stored(state); // created in this scope
  return entryIn(state, k).value;
}

Tracer::Scope::Entry &Tracer::entryIn(const State &state, int k) {
  Scope &scope = *scopes_[k];
  auto [it, inserted] = scope.index.try_emplace(StateAccess::identity(state), 0);
  if (!inserted)
    return scope.entries[it->second];
  // Computed before the entry exists: the outer value may create entries further out.
  Scope::Entry entry{state, {}, {}, false};
  if (scope.isLoop) {
    std::vector<Tensor> leaves;
    const Signature &sig = state.signature();
    for (const AbstractArray &leaf : sig.leaves()) {
      ValueId p = out_.program.addValue(leaf);
      entry.params.push_back(p);
      leaves.push_back(traced(p, scope.frameId));
    }
    entry.value = sig.def().unflatten(std::move(leaves));
  } else {
    entry.value = valueIn(state, k - 1);
  }
  it->second = scope.entries.size();
  scope.entries.push_back(std::move(entry));
  return scope.entries.back();
}

void Tracer::setIn(const State &state, int k, const Tree &value) {
  if (k < 0) {
    if (state.traceFrame() == frame()) {
      StateAccess::stored(state) = value;
      return;
    }
    StateRecord &r = recordFor(state, StateAccess::stored(state));
    r.current = value;
    r.written = true;
    return;
  }
  if (scopes_[k]->frameId == state.traceFrame()) {
    StateAccess::stored(state) = value;
    return;
  }
  Scope::Entry &e = entryIn(state, k);
  e.value = value;
  e.written = true;
}

std::vector<ValueId> Tracer::leafValues(const Tree &t) {
  std::vector<ValueId> out;
  for (const Tensor &leaf : t.leaves())
    out.push_back(valueOf(leaf));
  return out;
}

std::unique_ptr<Tracer::Scope> Tracer::popScope() {
  for (Scope::Entry &e : scopes_.back()->entries)
    if (e.written)
      e.yields = leafValues(e.value);
  std::unique_ptr<Scope> scope = std::move(scopes_.back());
  scopes_.pop_back();
  scope->frame.reset();
  return scope;
}

/// Replaces values per `map` in the operands and yields of `body`, recursively.
static void substitute(std::vector<Instruction> &body,
                       const absl::flat_hash_map<ValueId, ValueId> &map) {
  auto fix = [&](ValueId &v) {
    if (auto it = map.find(v); it != map.end())
      v = it->second;
  };
  for (Instruction &inst : body) {
    for (ValueId &v : inst.operands)
      fix(v);
    for (Region &r : inst.regions) {
      substitute(r.body, map);
      for (ValueId &v : r.yields)
        fix(v);
    }
  }
}

static bool containsState(const std::vector<Tracer::Scope::Entry> &entries,
                               const State &state) {
  for (const auto &e : entries)
    if (e.state.sameAs(state))
      return true;
  return false;
}

std::vector<Tracer::Scope::Entry> Tracer::resolveLoopScope(Scope &scope) {
  int outer = static_cast<int>(scopes_.size()) - 1;
  absl::flat_hash_map<ValueId, ValueId> map;
  std::vector<Scope::Entry> carries;
  for (Scope::Entry &e : scope.entries) {
    if (e.written) {
      carries.push_back(e);
      continue;
    }
    std::vector<ValueId> outside = leafValues(valueIn(e.state, outer));
    for (size_t i = 0; i < e.params.size(); ++i)
      map[e.params[i]] = outside[i];
  }
  substitute(scope.body, map);
  return carries;
}

LoopValues Tracer::forLoop(int64_t count, const std::vector<Tensor> &init,
                           const LoopBody &body) {
  scopes_.push_back(std::make_unique<Scope>(this, /*isLoop=*/true));
  FrameId inner = scopes_.back()->frameId;
  ValueId index = out_.program.addValue(AbstractArray{Shape{}, DType::i64});
  std::vector<ValueId> carryParams;
  std::vector<Tensor> carryIn;
  for (const Tensor &t : init) {
    carryParams.push_back(out_.program.addValue(t.abstract()));
    carryIn.push_back(traced(carryParams.back(), inner));
  }
  Tensor i = traced(index, inner);
  LoopValues stepped = body(i, carryIn);
  if (stepped.carry.size() != init.size())
    throw Error(ErrorCode::InvalidArgument,
                absl::StrCat("loop body: it returned ", stepped.carry.size(),
                             " carried values for ", init.size(), " initial ones"));
  Region region;
  region.params.push_back(index);
  region.params.insert(region.params.end(), carryParams.begin(), carryParams.end());
  for (size_t k = 0; k < init.size(); ++k) {
    if (stepped.carry[k].abstract() != init[k].abstract())
      throw Error(ErrorCode::InvalidArgument,
                  absl::StrCat("loop body: carried value ", k, " enters the loop as ",
                               init[k].abstract().toString(), " but the body returns ",
                               stepped.carry[k].abstract().toString(),
                               "; a carry keeps its shape and dtype from step to step (cast or "
                               "reshape it in the body)"));
    region.yields.push_back(valueOf(stepped.carry[k]));
  }
  // Each stacked value is carried as a [count, ...] array the body writes row i of.
  std::vector<AbstractArray> stackTypes;
  for (const Tensor &y : stepped.stacked) {
    std::vector<int64_t> dims{count};
    std::vector<int64_t> row{1};
    for (int64_t d : y.shape().toVector()) {
      dims.push_back(d);
      row.push_back(d);
    }
    stackTypes.push_back({Shape(dims), y.dtype()});
    ValueId param = out_.program.addValue(stackTypes.back());
    region.params.push_back(param);
    std::vector<DynamicIndex> at(dims.size(), DynamicIndex(int64_t{0}));
    at[0] = DynamicIndex(i);
    region.yields.push_back(
        valueOf(dynamicUpdateSlice(traced(param, inner), reshape(y, row), at)));
  }
  std::unique_ptr<Scope> scope = popScope();
  std::vector<Scope::Entry> carries = resolveLoopScope(*scope);
  int outer = static_cast<int>(scopes_.size()) - 1;
  std::vector<ValueId> inits;
  for (const Tensor &t : init)
    inits.push_back(valueOf(t));
  for (const AbstractArray &type : stackTypes) {
    ValueId zero = emit(OpKind::Constant, {}, OpAttrs{.constant = Array(Shape{}, type.dtype)},
                        AbstractArray{Shape{}, type.dtype});
    inits.push_back(emit(OpKind::BroadcastInDim, {zero},
                         OpAttrs{.shape = type.shape.toVector()}, type));
  }
  for (Scope::Entry &e : carries) {
    for (ValueId v : leafValues(valueIn(e.state, outer)))
      inits.push_back(v);
    region.params.insert(region.params.end(), e.params.begin(), e.params.end());
    region.yields.insert(region.yields.end(), e.yields.begin(), e.yields.end());
  }
  region.body = std::move(scope->body);
  Instruction loop{OpKind::ForLoop, inits, OpAttrs{.count = count}, {}, {}};
  for (ValueId v : inits)
    loop.results.push_back(out_.program.addValue(out_.program.type(v)));
  loop.regions.push_back(std::move(region));
  std::vector<ValueId> results = loop.results;
  currentBody().push_back(std::move(loop));
  LoopValues out;
  size_t next = 0;
  for (size_t k = 0; k < init.size(); ++k)
    out.carry.push_back(traced(results[next++]));
  for (size_t k = 0; k < stackTypes.size(); ++k)
    out.stacked.push_back(traced(results[next++]));
  for (Scope::Entry &e : carries) {
    std::vector<Tensor> leaves;
    for (size_t i = 0; i < e.params.size(); ++i)
      leaves.push_back(traced(results[next++]));
    setIn(e.state, outer, e.state.signature().def().unflatten(std::move(leaves)));
  }
  return out;
}

void Tracer::whileLoop(const std::function<Tensor()> &cond, const std::function<void()> &body) {
  // Trace the condition and the body, each as a loop scope.
  scopes_.push_back(std::make_unique<Scope>(this, /*isLoop=*/true));
  Tensor keepGoing = cond();
  ValueId condValue = valueOf(keepGoing);
  std::unique_ptr<Scope> condScope = popScope();
  if (keepGoing.shape().rank() != 0 || keepGoing.dtype() != DType::boolean)
    throw Error(ErrorCode::InvalidArgument,
                absl::StrCat("whileLoop: the condition must return a bool scalar, but it returned ",
                             keepGoing.abstract().toString(), "; reduce it (e.g. with "
                             "reduceMax) or compare a scalar"));
  for (const Scope::Entry &e : condScope->entries)
    if (e.written)
      throw Error(ErrorCode::InvalidArgument,
                  absl::StrCat("whileLoop: the condition writes ", e.state.describe(),
                               "; a condition may only read states. Move the write into the "
                               "body"));
  scopes_.push_back(std::make_unique<Scope>(this, /*isLoop=*/true));
  body();
  std::unique_ptr<Scope> bodyScope = popScope();
  std::vector<Scope::Entry> carries = resolveLoopScope(*bodyScope);
  int outer = static_cast<int>(scopes_.size()) - 1;

  // The condition's parameters for the carried states (fresh ones where it does not read them);
  // states it only reads are replaced by their values outside.
  absl::flat_hash_map<ValueId, ValueId> condMap;
  Region condRegion, bodyRegion;
  std::vector<ValueId> inits;
  for (Scope::Entry &e : carries) {
    for (ValueId v : leafValues(valueIn(e.state, outer)))
      inits.push_back(v);
    auto it = condScope->index.find(StateAccess::identity(e.state));
    for (size_t i = 0; i < e.params.size(); ++i) {
      ValueId p = it != condScope->index.end() ? condScope->entries[it->second].params[i]
                                               : out_.program.addValue(
                                                     out_.program.type(e.params[i]));
      condRegion.params.push_back(p);
    }
    bodyRegion.params.insert(bodyRegion.params.end(), e.params.begin(), e.params.end());
    bodyRegion.yields.insert(bodyRegion.yields.end(), e.yields.begin(), e.yields.end());
  }
  for (Scope::Entry &e : condScope->entries) {
    bool carried = containsState(carries, e.state);
    if (carried)
      continue;
    std::vector<ValueId> outside = leafValues(valueIn(e.state, outer));
    for (size_t i = 0; i < e.params.size(); ++i)
      condMap[e.params[i]] = outside[i];
  }
  substitute(condScope->body, condMap);
  if (auto it = condMap.find(condValue); it != condMap.end())
    condValue = it->second;
  condRegion.body = std::move(condScope->body);
  condRegion.yields.push_back(condValue);
  bodyRegion.body = std::move(bodyScope->body);
  Instruction loop{OpKind::WhileLoop, inits, {}, {}, {}};
  for (ValueId v : inits)
    loop.results.push_back(out_.program.addValue(out_.program.type(v)));
  loop.regions.push_back(std::move(condRegion));
  loop.regions.push_back(std::move(bodyRegion));
  std::vector<ValueId> results = loop.results;
  currentBody().push_back(std::move(loop));
  size_t next = 0;
  for (Scope::Entry &e : carries) {
    std::vector<Tensor> leaves;
    for (size_t i = 0; i < e.params.size(); ++i)
      leaves.push_back(traced(results[next++]));
    setIn(e.state, outer, e.state.signature().def().unflatten(std::move(leaves)));
  }
}

void Tracer::switchOf(const Tensor &index, const std::vector<std::function<void()>> &branches) {
  ValueId indexValue = valueOf(index);
  std::vector<std::unique_ptr<Scope>> scopes;
  for (const auto &branch : branches) {
    scopes_.push_back(std::make_unique<Scope>(this, /*isLoop=*/false));
    branch();
    scopes.push_back(popScope());
  }
  int outer = static_cast<int>(scopes_.size()) - 1;
  // The carries: every state some branch writes, in order of first write.
  std::vector<State> carried;
  absl::flat_hash_map<const void *, bool> seen;
  for (auto &scope : scopes)
    for (Scope::Entry &e : scope->entries)
      if (e.written && seen.try_emplace(StateAccess::identity(e.state), true).second)
        carried.push_back(e.state);
  std::vector<ValueId> before;
  for (const State &st : carried)
    for (ValueId v : leafValues(valueIn(st, outer)))
      before.push_back(v);
  Instruction sw{OpKind::Switch, {indexValue}, {}, {}, {}};
  sw.operands.insert(sw.operands.end(), before.begin(), before.end());
  for (auto &scope : scopes) {
    Region r;
    // A branch that does not write a state yields the value it had before the switch.
    for (size_t c = 0, leaf = 0; c < carried.size(); ++c) {
      auto it = scope->index.find(StateAccess::identity(carried[c]));
      size_t n = carried[c].signature().leaves().size();
      if (it != scope->index.end() && scope->entries[it->second].written) {
        const auto &y = scope->entries[it->second].yields;
        r.yields.insert(r.yields.end(), y.begin(), y.end());
      } else {
        r.yields.insert(r.yields.end(), before.begin() + leaf, before.begin() + leaf + n);
      }
      leaf += n;
    }
    r.body = std::move(scope->body);
    sw.regions.push_back(std::move(r));
  }
  for (ValueId v : before)
    sw.results.push_back(out_.program.addValue(out_.program.type(v)));
  std::vector<ValueId> results = sw.results;
  currentBody().push_back(std::move(sw));
  size_t next = 0;
  for (const State &st : carried) {
    std::vector<Tensor> leaves;
    for (size_t i = 0; i < st.signature().leaves().size(); ++i)
      leaves.push_back(traced(results[next++]));
    setIn(st, outer, st.signature().def().unflatten(std::move(leaves)));
  }
}

//===----------------------------------------------------------------------===//
// errorIf
//===----------------------------------------------------------------------===//

void Tracer::check(const Tensor &pred, const std::string &message,
                   const std::vector<Tensor> &values) {
  CheckSite site{message, {}};
  std::vector<Tensor> floats(kMaxCheckValues, Tensor(Array::scalar<double>(0)));
  std::vector<Tensor> ints(kMaxCheckValues, Tensor(Array::scalar<int64_t>(0)));
  for (size_t k = 0; k < values.size(); ++k) {
    DType t = values[k].dtype();
    site.valueTypes.push_back(t);
    if (t == DType::f32 || t == DType::f64)
      floats[k] = reshape(cast(values[k], DType::f64), {1});
    else
      ints[k] = reshape(cast(values[k], DType::i64), {1});
  }
  for (size_t k = 0; k < kMaxCheckValues; ++k) {
    floats[k] = reshape(floats[k], {1});
    ints[k] = reshape(ints[k], {1});
  }
  if (!checkState_)
    checkState_.emplace(StateAccess::createInternal(
        CheckState::staticKind(),
        Tree::dict({{"code", Array::scalar<int32_t>(0)},
                    {"f64", Array(Shape({kMaxCheckValues}), DType::f64)},
                    {"i64", Array(Shape({kMaxCheckValues}), DType::i64)}}),
        "bst.errors", outerFrame_));
  // Read and written through the tracer directly: users' hooks do not see bst's bookkeeping.
  // The first check to fire in a call wins: later ones leave the state as it is.
  Tree current = readState(*checkState_, StateAccess::stored(*checkState_));
  const Tensor &code = current["code"].leaf();
  Tensor fire = logicalAnd(pred.rank() == 0 ? pred : reduceMax(pred), eq(code, 0));
  int32_t ownCode = static_cast<int32_t>(out_.checks.size()) + 1;
  writeState(*checkState_, Tree::dict(
      {{"code", where(fire, ownCode, code)},
       {"f64", where(fire, concatenate(floats, 0), current["f64"].leaf())},
       {"i64", where(fire, concatenate(ints, 0), current["i64"].leaf())}}));
  out_.checks.push_back(std::move(site));
}

TracedFunction Tracer::finish(const Tree &result) {
  Program &p = out_.program;
  for (StateRecord &r : records_) {
    if (!r.written)
      continue;
    std::vector<Tensor> leaves = r.current.leaves();
    for (size_t i = 0; i < leaves.size(); ++i)
      p.mutableSlots()[r.firstSlot + i].output = valueOf(leaves[i]);
  }
  size_t leafIndex = 0;
  result.forEachLeaf([&](const std::string &path, const Tensor &t) {
    ValueId v = valueOf(t);
    p.addSlot({.role = SlotRole::Result,
               .name = path.empty() ? "result" : absl::StrCat("result.", path),
               .type = t.abstract(),
               .index = leafIndex++,
               .output = v});
  });
  out_.resultDef = result.def();
  if (!out_.checks.empty())
    out_.checkState = recordIndex_.at(StateAccess::identity(*checkState_));
  p.eliminateCommonSubexpressions();
  p.forwardUnchangedValues();
  p.eliminateDeadCode();
  // A slot read by nothing and written by nothing need not be bound at all.
  std::vector<bool> used(p.numValues(), false);
  std::function<void(const std::vector<Instruction> &)> markUses =
      [&](const std::vector<Instruction> &body) {
        for (const Instruction &inst : body) {
          for (ValueId v : inst.operands)
            used[v] = true;
          for (const Region &r : inst.regions) {
            markUses(r.body);
            for (ValueId v : r.yields)
              used[v] = true;
          }
        }
      };
  markUses(p.instructions());
  for (const Slot &s : p.slots())
    if (s.output != kNoValue)
      used[s.output] = true;
  std::erase_if(p.mutableSlots(), [&](const Slot &s) {
    return s.output == kNoValue && (s.input == kNoValue || !used[s.input]);
  });
  for (Slot &s : p.mutableSlots())
    if (s.input != kNoValue && !used[s.input] && s.role == SlotRole::State)
      s.input = kNoValue; // Written without being read: no input needed.
  p.compact();
  try {
    p.verify();
  } catch (const Error &e) {
    // A bug in bst: show the program, so the report can be acted on.
    throw Error(ErrorCode::Internal, absl::StrCat(e.what(), "\n", p.toString()));
  }
  return std::move(out_);
}

void throwLeakedTracer(const TracedValueImpl &value) {
  bool active = isTraceFrameActive(value.frame);
  throw Error(
      ErrorCode::TraceContext,
      absl::StrCat(
          "leaked tracer: a traced tensor (", value.type().toString(), ") of trace frame ",
          value.frame,
          active ? " was used inside a nested trace (current frame "
                 : " was used after its trace ended (current frame ",
          currentTraceFrame(),
          "). Traced values exist only while their function is being traced: do not keep them "
          "in globals, members or captured variables. Return the value from the jitted "
          "function, keep it in a State, or pass it to the inner function as an argument."));
}

bool isTracing() { return Tracer::current() != nullptr; }

static Tracer &currentTracer(const char *what) {
  Tracer *t = Tracer::current();
  if (!t)
    throw Error(ErrorCode::Internal, absl::StrCat(what, " called while not tracing"));
  return *t;
}

LoopValues traceForLoop(int64_t count, const std::vector<Tensor> &init, const LoopBody &body) {
  return currentTracer("traceForLoop").forLoop(count, init, body);
}

void traceWhileLoop(const std::function<Tensor()> &cond, const std::function<void()> &body) {
  currentTracer("traceWhileLoop").whileLoop(cond, body);
}

void traceCheck(const Tensor &pred, const std::string &message, const std::vector<Tensor> &values) {
  currentTracer("traceCheck").check(pred, message, values);
}

void traceSwitch(const Tensor &index, const std::vector<std::function<void()>> &branches) {
  currentTracer("traceSwitch").switchOf(index, branches);
}

} // namespace detail

/// Traces `fn` with `tracer` (see traceFunction); `lifted`, if given, receives the values of
/// enclosing traces that `fn` uses (see traceNested).
static TracedFunction traceWith(const TreeFunction &fn, const std::vector<Signature> &args,
                                std::vector<Tensor> *lifted) {
  detail::Tracer tracer;
  std::vector<Tree> traced;
  traced.reserve(args.size());
  size_t leafIndex = 0;
  for (size_t a = 0; a < args.size(); ++a) {
    std::vector<Tensor> leaves;
    size_t i = 0;
    Tree shape = args[a].def().unflatten(std::vector<Tensor>(args[a].def().numLeaves()));
    shape.forEachLeaf([&](const std::string &path, const Tensor &) {
      leaves.push_back(tracer.argument(
          args[a].leaves()[i++],
          path.empty() ? absl::StrCat("arg", a) : absl::StrCat("arg", a, ".", path),
          leafIndex++));
    });
    traced.push_back(args[a].def().unflatten(std::move(leaves)));
  }
  if (lifted)
    tracer.liftInto(lifted, leafIndex);
  Tree result = fn(traced);
  return tracer.finish(result);
}

TracedFunction traceFunction(const TreeFunction &fn, const std::vector<Signature> &args) {
  return traceWith(fn, args, nullptr);
}

std::vector<std::optional<Tree>>
detail::bindInputs(const TracedFunction &traced, const std::vector<Tensor> &argLeaves,
                   const std::vector<Tensor> &lifted,
                   const std::function<void(const Slot &, const Tensor &)> &bind) {
  std::vector<std::optional<Tree>> stateValues(traced.states.size());
  for (const Slot &s : traced.program.slots()) {
    if (s.input == kNoValue)
      continue;
    switch (s.role) {
    case SlotRole::Argument:
      bind(s, s.index < argLeaves.size() ? argLeaves[s.index] : lifted[s.index - argLeaves.size()]);
      break;
    case SlotRole::State:
      if (!stateValues[s.index])
        stateValues[s.index] = traced.states[s.index].value();
      bind(s, stateValues[s.index]->leafAt(s.leaf));
      break;
    case SlotRole::Capture:
      bind(s, Tensor(traced.captures[s.index]));
      break;
    case SlotRole::Result:
      break;
    }
  }
  return stateValues;
}

TracedFunction detail::traceNested(const TreeFunction &fn, const std::vector<Signature> &args,
                                   std::vector<Tensor> &lifted) {
  return traceWith(fn, args, &lifted);
}

} // namespace bst
