//===- StateMap.cpp -------------------------------------------------------===//
#include "bst/Graph/StateMap.h"
#include "GraphInternals.h"
#include "bst/Support/Error.h"

#include "absl/strings/str_cat.h"

#include <sstream>

namespace bst {

void detail::throwMissingPath(const char *noun, const std::string &path,
                              const std::vector<std::string> &known) {
  throw Error(ErrorCode::InvalidArgument,
              absl::StrCat("no ", noun, " at path '", path,
                           "' in this map; its paths are: ", listNames(known),
                           ". Check the spelling, or that the map came from "
                           "the module you mean"));
}

void detail::throwDuplicatePath(const char *noun, const std::string &path) {
  throw Error(ErrorCode::InvalidArgument,
              absl::StrCat("the path '", path, "' is already in this map; a ",
                           noun, " map holds each path once"));
}

StateMap StateMap::select(const Filter &filter) const {
  StateMap out;
  for (const auto &[path, state] : *this)
    if (filter(path, state))
      out.insert(path, state);
  return out;
}

std::vector<Tree> StateMap::values() const {
  std::vector<Tree> out;
  out.reserve(size());
  for (const auto &entry : *this)
    out.push_back(entry.second.value());
  return out;
}

std::string StateMap::toString() const {
  std::string out;
  for (const auto &[path, state] : *this)
    absl::StrAppend(&out, path, ": ", state.kind().name(), " ",
                    state.signature().toString(), "\n");
  return out;
}

std::ostream &operator<<(std::ostream &os, const StateMap &map) {
  return os << map.toString();
}

} // namespace bst
