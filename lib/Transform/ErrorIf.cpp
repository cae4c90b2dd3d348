//===- ErrorIf.cpp - Checks in eager and compiled code --------------------===//
#include "bst/Transform/ErrorIf.h"
#include "bst/Trace/Ops.h"
#include "bst/Trace/Tracer.h"

#include "absl/strings/str_cat.h"

namespace bst {

namespace {
std::string show(const Tensor &v) {
  bool isFloat = v.dtype() == DType::f32 || v.dtype() == DType::f64;
  return formatCheckValue(v.dtype(), isFloat ? cast(v, DType::f64).item<double>() : 0,
                          isFloat ? 0 : cast(v, DType::i64).item<int64_t>());
}
} // namespace

void detail::errorIfImpl(const Tensor &pred, const std::string &message,
                         const std::vector<Tensor> &values) {
  if (pred.dtype() != DType::boolean)
    throw Error(ErrorCode::InvalidArgument,
                absl::StrCat("errorIf(\"", message, "\"): the condition must be a bool tensor, "
                             "but it is ", pred.abstract().toString(),
                             "; compare it (x > 0.f, isnan-style x != x)"));
  if (values.size() > static_cast<size_t>(kMaxCheckValues))
    throw Error(ErrorCode::InvalidArgument,
                absl::StrCat("errorIf(\"", message, "\"): ", values.size(),
                             " values given, at most ", kMaxCheckValues, " are supported"));
  bool concrete = !pred.isTraced();
  for (size_t k = 0; k < values.size(); ++k) {
    if (values[k].rank() != 0)
      throw Error(ErrorCode::InvalidArgument,
                  absl::StrCat("errorIf(\"", message, "\"): value ", k, " is ",
                               values[k].abstract().toString(),
                               "; values must be scalars (reduce it, e.g. bst::reduceMax(x), "
                               "or pick an element)"));
    concrete = concrete && !values[k].isTraced();
  }
  // Checks the placeholders even when the check does not fire.
  formatCheckMessage(message, std::vector<std::string>(values.size()));
  if (!pred.isTraced()) {
    bool fires = pred.rank() == 0 ? pred.item<bool>() : reduceMax(pred).item<bool>();
    if (!fires)
      return;
    if (concrete) {
      std::vector<std::string> shown;
      for (const Tensor &v : values)
        shown.push_back(show(v));
      throw CheckError(formatCheckMessage(message, shown));
    }
  }
  detail::traceCheck(pred, message, values);
}

} // namespace bst
