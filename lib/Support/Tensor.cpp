//===- Tensor.cpp ---------------------------------------------------------===//
#include "bst/Support/Tensor.h"

#include "absl/strings/str_cat.h"

namespace bst {

detail::TracedValue::~TracedValue() = default;

Tensor::Tensor(std::shared_ptr<detail::TracedValue> traced) : traced_(std::move(traced)) {
  if (!traced_)
    throw Error(ErrorCode::Internal, "Tensor: null traced value");
}

void Tensor::throwTraced() const {
  throw Error(ErrorCode::InvalidArgument,
              absl::StrCat("the elements of a traced tensor (", traced_->type().toString(),
                           ") are not known while its function is being traced; compute with "
                           "bst ops instead of reading elements, or return the tensor from the "
                           "jitted function to get its value"));
}

std::string Tensor::toString() const {
  return traced_ ? absl::StrCat("traced ", traced_->type().toString()) : array_.toString();
}

} // namespace bst
