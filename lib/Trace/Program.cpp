//===- Program.cpp - The trace IR: building, verifying, simplifying, printing ===//
#include "bst/Trace/Program.h"

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

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
  instructions_.push_back({kind, std::move(operands), std::move(attrs), result});
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

void Program::verify() const {
  std::vector<bool> defined(types_.size(), false);
  auto define = [&](ValueId v, const std::string &by) {
    if (v >= types_.size())
      fail(absl::StrCat(by, " defines %", v, ", which does not exist"));
    if (defined[v])
      fail(absl::StrCat("%", v, " is defined twice (again by ", by, ")"));
    defined[v] = true;
  };
  for (size_t i = 0; i < slots_.size(); ++i) {
    const Slot &s = slots_[i];
    if (s.input == kNoValue)
      continue;
    define(s.input, absl::StrCat("slot ", i, " '", s.name, "'"));
    if (types_[s.input] != s.type)
      fail(absl::StrCat("slot '", s.name, "' is ", s.type.toString(), " but its input %", s.input,
                        " is ", types_[s.input].toString()));
    if (s.role == SlotRole::Result)
      fail(absl::StrCat("result slot '", s.name, "' has an input"));
  }
  for (const Instruction &inst : instructions_) {
    std::vector<AbstractArray> operandTypes;
    for (ValueId v : inst.operands) {
      if (v >= types_.size() || !defined[v])
        fail(absl::StrCat(opName(inst.kind), " producing %", inst.result, " uses %", v,
                          " before it is defined"));
      operandTypes.push_back(types_[v]);
    }
    define(inst.result, opName(inst.kind));
    AbstractArray expected;
    try {
      expected = inferType(inst.kind, operandTypes, inst.attrs);
    } catch (const Error &e) {
      fail(absl::StrCat("%", inst.result, " = ", opName(inst.kind), ": ", e.what()));
    }
    if (expected != types_[inst.result])
      fail(absl::StrCat("%", inst.result, " = ", opName(inst.kind), " is typed ",
                        types_[inst.result].toString(), " but its operands give ",
                        expected.toString()));
  }
  for (const Slot &s : slots_) {
    if (s.output == kNoValue)
      continue;
    if (s.role == SlotRole::Argument || s.role == SlotRole::Capture)
      fail(absl::StrCat(slotRoleName(s.role), " slot '", s.name, "' is written"));
    if (s.output >= types_.size() || !defined[s.output])
      fail(absl::StrCat("slot '", s.name, "' stores %", s.output, ", which is never defined"));
    if (types_[s.output] != s.type)
      fail(absl::StrCat("slot '", s.name, "' is ", s.type.toString(), " but stores %", s.output,
                        " of type ", types_[s.output].toString()));
  }
}

//===----------------------------------------------------------------------===//
// Simplification
//===----------------------------------------------------------------------===//

void Program::eliminateDeadCode() {
  std::vector<bool> live(types_.size(), false);
  for (const Slot &s : slots_)
    if (s.output != kNoValue)
      live[s.output] = true;
  for (auto it = instructions_.rbegin(); it != instructions_.rend(); ++it)
    if (live[it->result])
      for (ValueId v : it->operands)
        live[v] = true;
  std::erase_if(instructions_, [&](const Instruction &inst) { return !live[inst.result]; });
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
                   a.limits, a.strides, a.axis, a.dtype);
    if (k.inst->kind == OpKind::Constant)
      h = H::combine(std::move(h), a.constant.abstract(), a.constant.numElements() == 1
                                                              ? a.constant.toString()
                                                              : std::string());
    return h;
  }
};
} // namespace

void Program::eliminateCommonSubexpressions() {
  std::vector<ValueId> replacement(types_.size());
  for (ValueId v = 0; v < replacement.size(); ++v)
    replacement[v] = v;
  std::vector<Instruction> kept;
  kept.reserve(instructions_.size()); // Keys point into `kept`: it must never reallocate.
  absl::flat_hash_map<InstructionKey, ValueId> seen;
  for (Instruction &inst : instructions_) {
    for (ValueId &v : inst.operands)
      v = replacement[v];
    if (auto it = seen.find(InstructionKey{&inst}); it != seen.end()) {
      replacement[inst.result] = it->second;
      continue;
    }
    kept.push_back(std::move(inst));
    seen.emplace(InstructionKey{&kept.back()}, kept.back().result);
  }
  instructions_ = std::move(kept);
  for (Slot &s : slots_)
    if (s.output != kNoValue)
      s.output = replacement[s.output];
}

void Program::compact() {
  std::vector<ValueId> newId(types_.size(), kNoValue);
  std::vector<AbstractArray> types;
  auto renumber = [&](ValueId v) {
    if (newId[v] == kNoValue) {
      newId[v] = static_cast<ValueId>(types.size());
      types.push_back(types_[v]);
    }
    return newId[v];
  };
  for (Slot &s : slots_)
    if (s.input != kNoValue)
      s.input = renumber(s.input);
  for (Instruction &inst : instructions_) {
    for (ValueId &v : inst.operands)
      v = newId[v];
    inst.result = renumber(inst.result);
  }
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
  if (!a.shape.empty() || inst.kind == OpKind::Reshape || inst.kind == OpKind::BroadcastInDim)
    parts.push_back(absl::StrCat("shape=", ints(a.shape)));
  if (!a.axes.empty())
    parts.push_back(absl::StrCat("axes=", ints(a.axes)));
  if (inst.kind == OpKind::Slice)
    parts.push_back(absl::StrCat("starts=", ints(a.starts), " limits=", ints(a.limits),
                                 " strides=", ints(a.strides)));
  if (usesAxis(inst.kind))
    parts.push_back(absl::StrCat("axis=", a.axis));
  if (inst.kind == OpKind::Cast || inst.kind == OpKind::Iota)
    parts.push_back(absl::StrCat("dtype=", dtypeName(a.dtype)));
  return parts.empty() ? "" : absl::StrCat(" {", absl::StrJoin(parts, " "), "}");
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
  for (const Instruction &inst : instructions_) {
    absl::StrAppend(&out, "  %", inst.result, " = ", opName(inst.kind));
    for (size_t i = 0; i < inst.operands.size(); ++i)
      absl::StrAppend(&out, i ? ", %" : " %", inst.operands[i]);
    absl::StrAppend(&out, attrsToString(inst), " : ", types_[inst.result].toString(), "\n");
  }
  out += "}\n";
  return out;
}

} // namespace bst
