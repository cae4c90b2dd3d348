//===- bst/Trace/Apply.h - The one entry point of every op ----------*- C++ -*-===//
#ifndef BST_TRACE_APPLY_H
#define BST_TRACE_APPLY_H

#include "bst/Support/Tensor.h"
#include "bst/Trace/Op.h"

#include <vector>

namespace bst::detail {

/// Applies primitive `kind`: checks the operand types with inferType, then either evaluates it
/// eagerly (all operands concrete) or records it in the trace the operands belong to. A traced
/// operand whose trace has ended, or that belongs to another thread's trace, is a "leaked
/// tracer" bst::Error. Every public op of bst/Trace/Ops.h ends here.
Tensor apply(OpKind kind, const std::vector<Tensor> &operands, const OpAttrs &attrs = {});

} // namespace bst::detail

#endif // BST_TRACE_APPLY_H
