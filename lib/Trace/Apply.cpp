//===- Apply.cpp - Eager evaluation or recording of one primitive ---------===//
#include "bst/Trace/Apply.h"
#include "TracerImpl.h"

namespace bst::detail {

Tensor apply(OpKind kind, const std::vector<Tensor> &operands, const OpAttrs &attrs) {
  std::vector<AbstractArray> types;
  types.reserve(operands.size());
  const TracedValueImpl *traced = nullptr;
  for (const Tensor &t : operands) {
    types.push_back(t.abstract());
    if (t.isTraced())
      traced = static_cast<const TracedValueImpl *>(t.traced().get());
  }
  AbstractArray type = inferType(kind, types, attrs);
  if (traced) {
    // Every traced operand must belong to the innermost trace of this thread; valueOf checks the
    // others, this checks one before touching its tracer.
    Tracer *tracer = Tracer::current();
    if (!tracer || !tracer->accepts(*traced))
      throwLeakedTracer(*traced);
    return tracer->record(kind, operands, attrs, std::move(type));
  }
  // While tracing, a broadcast, iota or random draw of constants is recorded rather than
  // materialised: a weak scalar meeting a million-element traced tensor stays one scalar
  // constant, and a draw from a generator created inside the trace is computed in the loop.
  if ((kind == OpKind::BroadcastInDim || kind == OpKind::Iota || kind == OpKind::Philox) &&
      type.shape.numElements() > 16)
    if (Tracer *tracer = Tracer::current())
      return tracer->record(kind, operands, attrs, std::move(type));
  std::vector<Array> arrays;
  arrays.reserve(operands.size());
  for (const Tensor &t : operands)
    arrays.push_back(t.array());
  return evaluate(kind, arrays, attrs, type);
}

} // namespace bst::detail
