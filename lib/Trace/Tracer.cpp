//===- Tracer.cpp - Recording a function into a Program -------------------===//
#include "TracerImpl.h"
#include "bst/Trace/Apply.h"

#include "absl/strings/str_cat.h"

#include <cstring>

namespace bst {

namespace detail {

/// Concrete arrays up to this many elements become Constant instructions; larger ones are
/// passed to the compiled function as Capture slots (unless all elements are equal).
static constexpr int64_t kMaxInlineConstant = 16;

Tracer::Tracer() : frame_(this) {}

Tracer *Tracer::current() { return dynamic_cast<Tracer *>(currentFrameObserver()); }

Tensor Tracer::traced(ValueId id) {
  return Tensor(std::make_shared<TracedValueImpl>(out_.program.type(id), this, frame(), id));
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
    if (v.tracer != this || v.frame != frame())
      throwLeakedTracer(v);
    return v.id;
  }
  const Array &a = t.array();
  Program &p = out_.program;
  if (a.numElements() <= kMaxInlineConstant)
    return p.addInstruction(OpKind::Constant, {}, OpAttrs{.constant = a}, a.abstract());
  if (isSplat(a)) {
    Array scalar = Array(Shape{}, a.dtype());
    std::memcpy(scalar.mutableRawData(), a.rawData(), sizeOf(a.dtype()));
    ValueId s = p.addInstruction(OpKind::Constant, {}, OpAttrs{.constant = scalar},
                                 scalar.abstract());
    return p.addInstruction(OpKind::BroadcastInDim, {s},
                            OpAttrs{.shape = a.shape().toVector()}, a.abstract());
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

Tensor Tracer::record(OpKind kind, const std::vector<Tensor> &operands, const OpAttrs &attrs,
                      AbstractArray type) {
  std::vector<ValueId> ids;
  ids.reserve(operands.size());
  for (const Tensor &t : operands)
    ids.push_back(valueOf(t));
  return traced(out_.program.addInstruction(kind, std::move(ids), attrs, std::move(type)));
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
    inputs.push_back(traced(id));
  });
  records_.push_back({state, firstSlot, stored.def().unflatten(std::move(inputs))});
  return records_.back();
}

Tree Tracer::readState(const State &state, const Tree &stored) {
  return recordFor(state, stored).current;
}

void Tracer::writeState(const State &state, const Tree &value) {
  StateRecord &r = recordFor(state, StateAccess::stored(state));
  r.current = value;
  r.written = true;
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
  p.eliminateCommonSubexpressions();
  p.eliminateDeadCode();
  // A slot read by nothing and written by nothing need not be bound at all.
  std::vector<bool> used(p.numValues(), false);
  for (const Instruction &inst : p.instructions())
    for (ValueId v : inst.operands)
      used[v] = true;
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
  p.verify();
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

} // namespace detail

TracedFunction traceFunction(const TreeFunction &fn, const std::vector<Signature> &args) {
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
  Tree result = fn(traced);
  return tracer.finish(result);
}

} // namespace bst
