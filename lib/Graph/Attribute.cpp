//===- Attribute.cpp ------------------------------------------------------===//
#include "bst/Graph/Attribute.h"
#include "bst/Support/Error.h"

#include "absl/strings/str_cat.h"

#include <cmath>
#include <sstream>

namespace bst {

static const char *heldTypeName(const Attribute::Value &value) {
  static const char *const kNames[] = {"bool", "int64_t", "double",
                                       "std::string"};
  return kNames[value.index()];
}

void Attribute::throwWrongType(const char *wanted) const {
  throw Error(ErrorCode::InvalidArgument,
              absl::StrCat("attribute ", toString(), " holds a ",
                           heldTypeName(value_), ", not a ", wanted,
                           "; read it with get<", heldTypeName(value_), ">()"));
}

std::string Attribute::toString() const {
  if (const bool *b = std::get_if<bool>(&value_))
    return *b ? "true" : "false";
  if (const int64_t *i = std::get_if<int64_t>(&value_))
    return std::to_string(*i);
  if (const double *d = std::get_if<double>(&value_)) {
    std::ostringstream os;
    os.precision(17);
    os << *d;
    std::string s = os.str();
    // Keep doubles recognisable: 10 prints as "10.0".
    if (std::isfinite(*d) && s.find_first_of(".e") == std::string::npos)
      s += ".0";
    return s;
  }
  return absl::StrCat("\"", std::get<std::string>(value_), "\"");
}

std::ostream &operator<<(std::ostream &os, const Attribute &attribute) {
  return os << attribute.toString();
}

} // namespace bst
