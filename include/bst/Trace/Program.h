//===- bst/Trace/Program.h - The trace IR ---------------------------*- C++ -*-===//
//
// A Program is what tracing a function produces, in the spirit of a jaxpr: a list of primitive
// instructions in SSA form over abstractly typed values, plus the slots through which the
// compiled function exchanges buffers with the world.
//
// Slots are the calling convention. Each slot is one buffer: an argument leaf, a state leaf, a
// captured constant array, or a result leaf. A slot may be read (it has an input value in the
// program), written (an output value is stored into it), or both — a state that the function
// reads and updates is one slot, updated in place.
//
//===----------------------------------------------------------------------===//
#ifndef BST_TRACE_PROGRAM_H
#define BST_TRACE_PROGRAM_H

#include "bst/Trace/Op.h"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace bst {

/// Index of a value in its Program.
using ValueId = uint32_t;
inline constexpr ValueId kNoValue = std::numeric_limits<ValueId>::max();

struct Instruction;

/// A nested block of a control-flow primitive: its parameters (values defined on entry), its
/// instructions, and the values it yields. Instructions inside may also use values defined
/// before the primitive that owns the region (as in MLIR's scf dialect).
struct Region {
  std::vector<ValueId> params;
  std::vector<Instruction> body;
  std::vector<ValueId> yields;
};

/// One primitive application: `results = kind(operands...) {attrs} (regions)`. Every primitive
/// of the op set has one result and no region; control-flow primitives have one result per
/// carried value and one region per body.
struct Instruction {
  OpKind kind;
  std::vector<ValueId> operands;
  OpAttrs attrs;
  std::vector<ValueId> results;
  std::vector<Region> regions;

  /// The result of a single-result primitive.
  ValueId result() const { return results.front(); }
};

/// What a slot carries.
enum class SlotRole : uint8_t {
  Argument, ///< A leaf of the function's arguments (read only).
  State,    ///< A leaf of a State's value (read, written, or both: updated in place).
  Capture,  ///< A concrete array the function closed over (read only).
  Result,   ///< A leaf of the function's return value (written).
};

/// "argument", "state", "capture", "result".
const char *slotRoleName(SlotRole role);

/// One buffer of the calling convention.
struct Slot {
  SlotRole role;
  /// "arg0", "arg1.w", "net.v", "net.fc.w", "capture0", "result0", ...
  std::string name;
  /// The state kind's name (HiddenState, ...) for State slots, empty otherwise.
  std::string stateKind;
  AbstractArray type;
  /// Which buffer binds to the slot: the argument leaf (Argument), the state (State, with `leaf`
  /// its leaf in flatten order), the capture (Capture) or the result leaf (Result).
  size_t index = 0;
  size_t leaf = 0;
  ValueId input = kNoValue;  ///< The value the function reads from the slot, if it reads it.
  ValueId output = kNoValue; ///< The value the function stores into the slot, if it writes it.
};

/// A traced function: values, instructions in order, slots.
/// Thread safety: a Program is a plain value; concurrent reads are safe.
class Program {
public:
  /// Adds a value of `type`; returns its id.
  ValueId addValue(AbstractArray type);
  /// Appends an instruction producing a new value of `type`; returns the value.
  ValueId addInstruction(OpKind kind, std::vector<ValueId> operands, OpAttrs attrs,
                         AbstractArray type);
  /// Adds a slot; returns its index.
  size_t addSlot(Slot slot);

  const AbstractArray &type(ValueId v) const { return types_[v]; }
  size_t numValues() const { return types_.size(); }
  const std::vector<Instruction> &instructions() const { return instructions_; }
  /// The top-level instructions, for builders that append control flow (the tracer).
  std::vector<Instruction> &mutableInstructions() { return instructions_; }
  const std::vector<Slot> &slots() const { return slots_; }
  std::vector<Slot> &mutableSlots() { return slots_; }

  /// Checks the invariants: operands defined before use, instruction types equal to what
  /// inferType gives, each value defined once, slot values defined and of the slot's type, read
  /// slots' inputs not produced by instructions. Throws bst::Error (Internal) describing the first
  /// violation.
  void verify() const;

  /// Removes instructions whose results no slot output needs (transitively).
  void eliminateDeadCode();
  /// Replaces instructions equal to an earlier one (same op, operands, attributes) by it.
  void eliminateCommonSubexpressions();
  /// Forwards values that pass through unchanged: a loop carry whose body yields it back as it
  /// received it is removed from the loop and replaced by its initial value, as is the result
  /// of a switch of two or more branches that all yield the value from before it; then a state
  /// slot that would store its own input is not written (a state written back with the value
  /// it had, e.g. a RandomState's key).
  void forwardUnchangedValues();
  /// Renumbers values densely in definition order (inputs first), dropping unused ones.
  void compact();

  /// A stable, readable text form, e.g.
  ///   slots:
  ///     %0 = state "lif.v" HiddenState f32[4096] -> %5
  ///   %3 = mul %1, %2 : f32[4096]
  std::string toString() const;

private:
  std::vector<AbstractArray> types_;
  std::vector<Instruction> instructions_;
  std::vector<Slot> slots_;
};

} // namespace bst

#endif // BST_TRACE_PROGRAM_H
