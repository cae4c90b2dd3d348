//===- Program.cpp - The trace IR: building, verifying, simplifying, printing ===//
#include "bst/Trace/Program.h"

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include <algorithm>
#include <functional>

namespace bst {

const char *slotRoleName(SlotRole role) {
  switch (role) {
  case SlotRole::Argument:
    return "argument";
  case SlotRole::State:
    return "state";
  case SlotRole::Capture:
    return "capture";
  case SlotRole::Result:
    return "result";
  }
  return "?";
}

ValueId Program::addValue(AbstractArray type) {
  types_.push_back(std::move(type));
  return static_cast<ValueId>(types_.size() - 1);
}

ValueId Program::addInstruction(OpKind kind, std::vector<ValueId> operands, OpAttrs attrs,
                                AbstractArray type) {
  ValueId result = addValue(std::move(type));
  instructions_.push_back({kind, std::move(operands), std::move(attrs), {result}, {}});
  return result;
}

size_t Program::addSlot(Slot slot) {
  slots_.push_back(std::move(slot));
  return slots_.size() - 1;
}

//===----------------------------------------------------------------------===//
// Verifier
//===----------------------------------------------------------------------===//

[[noreturn]] static void fail(const std::string &what) {
  throw Error(ErrorCode::Internal, absl::StrCat("invalid bst program: ", what));
}

namespace {
/// Checks a list of instructions with the values visible in its scope (`visible`): SSA order,
/// types, and the region structure of control-flow primitives.
class Verifier {
public:
  explicit Verifier(const std::vector<AbstractArray> &types)
      : types_(types), defined_(types.size(), false), visible_(types.size(), false) {}

  void define(ValueId v, const std::string &by) {
    if (v >= types_.size())
      fail(absl::StrCat(by, " defines %", v, ", which does not exist"));
    if (defined_[v])
      fail(absl::StrCat("%", v, " is defined twice (again by ", by, ")"));
    defined_[v] = visible_[v] = true;
  }

  void use(ValueId v, const std::string &by) {
    if (v >= types_.size() || !visible_[v])
      fail(absl::StrCat(by, " uses %", v, ", which is not defined before it in its scope"));
  }

  void block(const std::vector<Instruction> &body) {
    for (const Instruction &inst : body)
      instruction(inst);
  }

  /// Verifies `r` with `paramTypes` and checks it yields `yieldTypes`; values defined inside
  /// are invisible afterwards.
  void region(const Region &r, const std::string &owner, const std::vector<AbstractArray> &paramTypes,
              const std::vector<AbstractArray> &yieldTypes) {
    std::vector<ValueId> scoped;
    if (r.params.size() != paramTypes.size())
      fail(absl::StrCat(owner, ": a region has ", r.params.size(), " parameters, expected ",
                        paramTypes.size()));
    for (size_t i = 0; i < r.params.size(); ++i) {
      define(r.params[i], owner);
      scoped.push_back(r.params[i]);
      if (types_[r.params[i]] != paramTypes[i])
        fail(absl::StrCat(owner, ": region parameter %", r.params[i], " is ",
                          types_[r.params[i]].toString(), ", expected ", paramTypes[i].toString()));
    }
    inRegion_.push_back(&scoped);
    block(r.body);
    inRegion_.pop_back();
    if (r.yields.size() != yieldTypes.size())
      fail(absl::StrCat(owner, ": a region yields ", r.yields.size(), " values, expected ",
                        yieldTypes.size()));
    for (size_t i = 0; i < r.yields.size(); ++i) {
      use(r.yields[i], owner);
      if (types_[r.yields[i]] != yieldTypes[i])
        fail(absl::StrCat(owner, ": region yields %", r.yields[i], " of type ",
                          types_[r.yields[i]].toString(), ", expected ", yieldTypes[i].toString()));
    }
    for (ValueId v : scoped)
      visible_[v] = false;
  }

  void instruction(const Instruction &inst) {
    std::string name = absl::StrCat(opName(inst.kind), " producing %",
                                    inst.results.empty() ? kNoValue : inst.results.front());
    std::vector<AbstractArray> operandTypes;
    for (ValueId v : inst.operands) {
      use(v, name);
      operandTypes.push_back(types_[v]);
    }
    if (isControlFlow(inst.kind)) {
      controlFlow(inst, name, operandTypes);
    } else {
      if (inst.results.size() != 1 || !inst.regions.empty())
        fail(absl::StrCat(name, " must have one result and no region"));
      AbstractArray expected;
      try {
        expected = inferType(inst.kind, operandTypes, inst.attrs);
      } catch (const Error &e) {
        fail(absl::StrCat("%", inst.result(), " = ", opName(inst.kind), ": ", e.what()));
      }
      if (expected != types_[inst.result()])
        fail(absl::StrCat("%", inst.result(), " = ", opName(inst.kind), " is typed ",
                          types_[inst.result()].toString(), " but its operands give ",
                          expected.toString()));
    }
    for (ValueId r : inst.results) {
      define(r, name);
      if (!inRegion_.empty())
        inRegion_.back()->push_back(r);
    }
  }

  void controlFlow(const Instruction &inst, const std::string &name,
                   const std::vector<AbstractArray> &operandTypes) {
    std::vector<AbstractArray> resultTypes;
    for (ValueId r : inst.results)
      resultTypes.push_back(r < types_.size() ? types_[r] : AbstractArray{});
    AbstractArray indexType{Shape{}, DType::i64}, boolType{Shape{}, DType::boolean};
    switch (inst.kind) {
    case OpKind::ForLoop: {
      if (operandTypes != resultTypes || inst.regions.size() != 1 || inst.attrs.count < 0)
        fail(absl::StrCat(name, ": a for_loop carries its operands to its results, has one "
                                "region and a non-negative count"));
      std::vector<AbstractArray> params{indexType};
      params.insert(params.end(), resultTypes.begin(), resultTypes.end());
      region(inst.regions[0], name, params, resultTypes);
      return;
    }
    case OpKind::WhileLoop:
      if (operandTypes != resultTypes || inst.regions.size() != 2)
        fail(absl::StrCat(name, ": a while_loop carries its operands to its results and has a "
                                "condition and a body region"));
      region(inst.regions[0], name, resultTypes, {boolType});
      region(inst.regions[1], name, resultTypes, resultTypes);
      return;
    case OpKind::Switch: {
      if (operandTypes.empty() || operandTypes[0].shape.rank() != 0 ||
          (operandTypes[0].dtype != DType::i32 && operandTypes[0].dtype != DType::i64) ||
          std::vector<AbstractArray>(operandTypes.begin() + 1, operandTypes.end()) != resultTypes ||
          inst.regions.empty())
        fail(absl::StrCat(name, ": a switch takes an integer scalar index and the carries, has "
                                "at least one region, and yields the carries"));
      for (const Region &r : inst.regions)
        region(r, name, {}, resultTypes);
      return;
    }
    default:
      fail(absl::StrCat(name, " is not a control-flow primitive"));
    }
  }

private:
  const std::vector<AbstractArray> &types_;
  std::vector<bool> defined_, visible_;
  std::vector<std::vector<ValueId> *> inRegion_; // values defined in each open region
};
} // namespace

void Program::verify() const {
  Verifier v(types_);
  for (size_t i = 0; i < slots_.size(); ++i) {
    const Slot &s = slots_[i];
    if (s.input == kNoValue)
      continue;
    v.define(s.input, absl::StrCat("slot ", i, " '", s.name, "'"));
    if (types_[s.input] != s.type)
      fail(absl::StrCat("slot '", s.name, "' is ", s.type.toString(), " but its input %", s.input,
                        " is ", types_[s.input].toString()));
    if (s.role == SlotRole::Result)
      fail(absl::StrCat("result slot '", s.name, "' has an input"));
  }
  v.block(instructions_);
  for (const Slot &s : slots_) {
    if (s.output == kNoValue)
      continue;
    if (s.role == SlotRole::Argument || s.role == SlotRole::Capture)
      fail(absl::StrCat(slotRoleName(s.role), " slot '", s.name, "' is written"));
    v.use(s.output, absl::StrCat("slot '", s.name, "'"));
    if (types_[s.output] != s.type)
      fail(absl::StrCat("slot '", s.name, "' is ", s.type.toString(), " but stores %", s.output,
                        " of type ", types_[s.output].toString()));
  }
}

//===----------------------------------------------------------------------===//
// Simplification
//===----------------------------------------------------------------------===//

/// Marks what `body` needs for the values already marked live; removes the rest. Control-flow
/// instructions are live if any result is, and then their whole regions' yields are.
static bool anyLive(const std::vector<ValueId> &values, const std::vector<bool> &live) {
  for (ValueId v : values)
    if (live[v])
      return true;
  return false;
}

/// True if `inst`, or an instruction in its regions, has an effect (see hasEffect(OpKind)).
static bool hasEffect(const Instruction &inst) {
  if (hasEffect(inst.kind))
    return true;
  for (const Region &r : inst.regions)
    for (const Instruction &i : r.body)
      if (hasEffect(i))
        return true;
  return false;
}

/// Keeps an instruction if a result is live or it has an effect.
static bool keep(const Instruction &inst, const std::vector<bool> &live) {
  return anyLive(inst.results, live) || hasEffect(inst);
}

static void eliminateDeadCode(std::vector<Instruction> &body, std::vector<bool> &live) {
  for (auto it = body.rbegin(); it != body.rend(); ++it) {
    if (!keep(*it, live))
      continue;
    for (Region &r : it->regions) {
      for (ValueId v : r.yields)
        live[v] = true;
      eliminateDeadCode(r.body, live);
    }
    for (ValueId v : it->operands)
      live[v] = true;
  }
  std::erase_if(body, [&](const Instruction &inst) { return !keep(inst, live); });
}

void Program::eliminateDeadCode() {
  std::vector<bool> live(types_.size(), false);
  for (const Slot &s : slots_)
    if (s.output != kNoValue)
      live[s.output] = true;
  bst::eliminateDeadCode(instructions_, live);
}

namespace {
/// The identity of an instruction up to its result, for CSE.
struct InstructionKey {
  const Instruction *inst;
  friend bool operator==(const InstructionKey &a, const InstructionKey &b) {
    return a.inst->kind == b.inst->kind && a.inst->operands == b.inst->operands &&
           a.inst->attrs == b.inst->attrs;
  }
  template <class H> friend H AbslHashValue(H h, const InstructionKey &k) {
    const OpAttrs &a = k.inst->attrs;
    h = H::combine(std::move(h), k.inst->kind, k.inst->operands, a.shape, a.axes, a.starts,
                   a.limits, a.strides, a.axis, a.dtype, a.count);
    if (k.inst->kind == OpKind::Constant)
      h = H::combine(std::move(h), a.constant.abstract(), a.constant.numElements() == 1
                                                              ? a.constant.toString()
                                                              : std::string());
    return h;
  }
};
using SeenMap = absl::flat_hash_map<InstructionKey, ValueId>;

/// CSE of one block: an instruction equal to one seen before in this block or an enclosing one
/// is replaced by it. Control-flow instructions are never merged; their regions are simplified
/// with a copy of `seen`, so nothing defined inside a region is reused outside it.
void cse(std::vector<Instruction> &body, std::vector<ValueId> &replacement, SeenMap seen) {
  std::vector<Instruction> kept;
  kept.reserve(body.size()); // Keys point into `kept`: it must never reallocate.
  for (Instruction &inst : body) {
    for (ValueId &v : inst.operands)
      v = replacement[v];
    if (isControlFlow(inst.kind)) {
      for (Region &r : inst.regions) {
        cse(r.body, replacement, seen);
        for (ValueId &v : r.yields)
          v = replacement[v];
      }
      kept.push_back(std::move(inst));
      continue;
    }
    if (auto it = seen.find(InstructionKey{&inst}); it != seen.end()) {
      replacement[inst.result()] = it->second;
      continue;
    }
    kept.push_back(std::move(inst));
    seen.emplace(InstructionKey{&kept.back()}, kept.back().result());
  }
  body = std::move(kept);
}
} // namespace

void Program::eliminateCommonSubexpressions() {
  std::vector<ValueId> replacement(types_.size());
  for (ValueId v = 0; v < replacement.size(); ++v)
    replacement[v] = v;
  cse(instructions_, replacement, SeenMap());
  for (Slot &s : slots_)
    if (s.output != kNoValue)
      s.output = replacement[s.output];
}

/// `v` renamed through `replacement`, following chains (a value forwarded to a loop parameter
/// that is forwarded in turn).
static ValueId resolve(const std::vector<ValueId> &replacement, ValueId v) {
  while (replacement[v] != v)
    v = replacement[v];
  return v;
}

static void forwardUnchanged(std::vector<Instruction> &body, std::vector<ValueId> &replacement);

/// Removes carry j of a loop whose body yields it unchanged: the loop's result j is its initial
/// value, which also replaces the carry's parameters inside the regions.
static void dropInvariantCarry(Instruction &loop, size_t j, std::vector<ValueId> &replacement) {
  ValueId init = loop.operands[j];
  replacement[loop.results[j]] = init;
  size_t first = loop.kind == OpKind::ForLoop ? 1 : 0; // a for_loop's first param is the index
  for (Region &r : loop.regions) {
    replacement[r.params[first + j]] = init;
    r.params.erase(r.params.begin() + first + j);
  }
  Region &body = loop.regions.back();
  body.yields.erase(body.yields.begin() + j);
  loop.operands.erase(loop.operands.begin() + j);
  loop.results.erase(loop.results.begin() + j);
}

/// forwardUnchangedValues on one block: operands and yields are renamed through `replacement`,
/// which records each control-flow result that is its initial value unchanged.
static void forwardUnchanged(std::vector<Instruction> &body, std::vector<ValueId> &replacement) {
  for (Instruction &inst : body) {
    for (ValueId &v : inst.operands)
      v = resolve(replacement, v);
    for (Region &r : inst.regions) {
      forwardUnchanged(r.body, replacement);
      for (ValueId &v : r.yields)
        v = resolve(replacement, v);
    }
    if (inst.kind == OpKind::ForLoop || inst.kind == OpKind::WhileLoop) {
      // A for_loop's params are the index and the carries, a while_loop's regions' params the
      // carries; the last region yields the next carries.
      size_t first = inst.kind == OpKind::ForLoop ? 1 : 0;
      bool dropped = false;
      for (size_t j = inst.results.size(); j-- > 0;) {
        const Region &loopBody = inst.regions.back();
        if (loopBody.yields[j] == loopBody.params[first + j]) {
          dropInvariantCarry(inst, j, replacement);
          dropped = true;
        }
      }
      // The regions again, with the dropped carries' parameters renamed (idempotent otherwise).
      for (Region &r : inst.regions) {
        if (!dropped)
          break;
        forwardUnchanged(r.body, replacement);
        for (ValueId &v : r.yields)
          v = resolve(replacement, v);
      }
    } else if (inst.kind == OpKind::Switch && inst.regions.size() > 1) {
      // Operands: the index, then each carry's value before the switch. (A one-region switch
      // is left alone: autodiff's customVjp markers are such identity switches.)
      for (size_t j = 0; j < inst.results.size(); ++j)
        if (std::all_of(inst.regions.begin(), inst.regions.end(),
                        [&](const Region &r) { return r.yields[j] == inst.operands[j + 1]; }))
          replacement[inst.results[j]] = inst.operands[j + 1];
    }
  }
}

void Program::forwardUnchangedValues() {
  std::vector<ValueId> replacement(types_.size());
  for (ValueId v = 0; v < replacement.size(); ++v)
    replacement[v] = v;
  forwardUnchanged(instructions_, replacement);
  for (Slot &s : slots_) {
    if (s.output == kNoValue)
      continue;
    s.output = resolve(replacement, s.output);
    if (s.role == SlotRole::State && s.output == s.input)
      s.output = kNoValue;
  }
}

void Program::compact() {
  std::vector<ValueId> newId(types_.size(), kNoValue);
  std::vector<AbstractArray> types;
  auto renumber = [&](ValueId &v) {
    if (newId[v] == kNoValue) {
      newId[v] = static_cast<ValueId>(types.size());
      types.push_back(types_[v]);
    }
    v = newId[v];
  };
  for (Slot &s : slots_)
    if (s.input != kNoValue)
      renumber(s.input);
  std::function<void(std::vector<Instruction> &)> walk = [&](std::vector<Instruction> &body) {
    for (Instruction &inst : body) {
      for (ValueId &v : inst.operands)
        v = newId[v];
      for (Region &r : inst.regions) {
        for (ValueId &p : r.params)
          renumber(p);
        walk(r.body);
        for (ValueId &y : r.yields)
          y = newId[y];
      }
      for (ValueId &r : inst.results)
        renumber(r);
    }
  };
  walk(instructions_);
  for (Slot &s : slots_)
    if (s.output != kNoValue)
      s.output = newId[s.output];
  types_ = std::move(types);
}

//===----------------------------------------------------------------------===//
// Printer
//===----------------------------------------------------------------------===//

static std::string ints(const std::vector<int64_t> &v) {
  return absl::StrCat("[", absl::StrJoin(v, ","), "]");
}

static bool usesAxis(OpKind kind) {
  return kind == OpKind::Iota || kind == OpKind::Concatenate || kind == OpKind::Gather ||
         kind == OpKind::ScatterAdd || kind == OpKind::ArgMax;
}

static std::string attrsToString(const Instruction &inst) {
  const OpAttrs &a = inst.attrs;
  std::vector<std::string> parts;
  if (inst.kind == OpKind::Constant)
    parts.push_back(absl::StrCat("value=", a.constant.toString()));
  if (!a.shape.empty() || inst.kind == OpKind::Reshape || inst.kind == OpKind::BroadcastInDim ||
      inst.kind == OpKind::Philox)
    parts.push_back(absl::StrCat("shape=", ints(a.shape)));
  if (!a.axes.empty())
    parts.push_back(absl::StrCat("axes=", ints(a.axes)));
  if (inst.kind == OpKind::Slice)
    parts.push_back(absl::StrCat("starts=", ints(a.starts), " limits=", ints(a.limits),
                                 " strides=", ints(a.strides)));
  if (usesAxis(inst.kind))
    parts.push_back(absl::StrCat("axis=", a.axis));
  if (inst.kind == OpKind::Philox)
    parts.push_back(absl::StrCat("word=", a.axis));
  if (inst.kind == OpKind::Cast || inst.kind == OpKind::Iota || inst.kind == OpKind::Philox)
    parts.push_back(absl::StrCat("dtype=", dtypeName(a.dtype)));
  if (inst.kind == OpKind::ForLoop || inst.kind == OpKind::Progress)
    parts.push_back(absl::StrCat("count=", a.count));
  return parts.empty() ? "" : absl::StrCat(" {", absl::StrJoin(parts, " "), "}");
}

static void printBlock(std::string &out, const std::vector<Instruction> &body,
                       const std::vector<AbstractArray> &types, int indent) {
  std::string pad(indent, ' ');
  for (const Instruction &inst : body) {
    absl::StrAppend(&out, pad);
    for (size_t i = 0; i < inst.results.size(); ++i)
      absl::StrAppend(&out, i ? ", %" : "%", inst.results[i]);
    absl::StrAppend(&out, inst.results.empty() ? "" : " = ", opName(inst.kind));
    for (size_t i = 0; i < inst.operands.size(); ++i)
      absl::StrAppend(&out, i ? ", %" : " %", inst.operands[i]);
    absl::StrAppend(&out, attrsToString(inst));
    std::vector<std::string> resultTypes;
    for (ValueId r : inst.results)
      resultTypes.push_back(types[r].toString());
    absl::StrAppend(&out, " : ", absl::StrJoin(resultTypes, ", "));
    for (const Region &r : inst.regions) {
      absl::StrAppend(&out, " {\n", pad, "  ^(");
      for (size_t i = 0; i < r.params.size(); ++i)
        absl::StrAppend(&out, i ? ", %" : "%", r.params[i]);
      absl::StrAppend(&out, "):\n");
      printBlock(out, r.body, types, indent + 4);
      absl::StrAppend(&out, pad, "    yield");
      for (size_t i = 0; i < r.yields.size(); ++i)
        absl::StrAppend(&out, i ? ", %" : " %", r.yields[i]);
      absl::StrAppend(&out, "\n", pad, "}");
    }
    out += "\n";
  }
}

std::string Program::toString() const {
  std::string out = "program {\n";
  for (size_t i = 0; i < slots_.size(); ++i) {
    const Slot &s = slots_[i];
    absl::StrAppend(&out, "  slot ", i, ": ", slotRoleName(s.role), " \"", s.name, "\"",
                    s.stateKind.empty() ? "" : " ", s.stateKind, " ", s.type.toString());
    if (s.input != kNoValue)
      absl::StrAppend(&out, " in %", s.input);
    if (s.output != kNoValue)
      absl::StrAppend(&out, " out %", s.output);
    out += "\n";
  }
  printBlock(out, instructions_, types_, 2);
  out += "}\n";
  return out;
}

} // namespace bst
