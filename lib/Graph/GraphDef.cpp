//===- GraphDef.cpp -------------------------------------------------------===//
#include "bst/Graph/GraphDef.h"
#include "GraphInternals.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace bst {

GraphDef::GraphDef()
    : notMergeable_("this GraphDef is empty; take one from graph::split") {}

const GraphDef::StateDef *GraphDef::findState(const std::string &path) const {
  for (const StateDef &s : states_)
    if (s.path == path)
      return &s;
  return nullptr;
}

static std::string attributesToString(
    const std::vector<std::pair<std::string, Attribute>> &attributes) {
  if (attributes.empty())
    return "";
  return absl::StrCat(" {",
                      absl::StrJoin(attributes, ", ",
                                    [](std::string *out, const auto &a) {
                                      absl::StrAppend(out, a.first, " = ",
                                                      a.second.toString());
                                    }),
                      "}");
}

std::string GraphDef::toString() const {
  if (nodes_.empty())
    return "<empty GraphDef>\n";
  std::string out;
  auto print = [&](auto &self, size_t nodeIndex, size_t depth) -> void {
    const NodeDef &node = nodes_[nodeIndex];
    std::string indent(2 * (depth + 1), ' ');
    for (const EntryDef &e : node.entries) {
      std::string path = detail::joinPath(node.path, e.name);
      if (e.isState) {
        const StateDef &s = states_[e.index];
        if (s.path != path) {
          absl::StrAppend(&out, indent, e.name, ": same state as '", s.path,
                          "'\n");
          continue;
        }
        absl::StrAppend(&out, indent, e.name, ": ", s.kind->name(), " ",
                        s.signature.toString());
        if (!s.tags.empty())
          absl::StrAppend(&out, " tags(", absl::StrJoin(s.tags, ", "), ")");
        absl::StrAppend(&out, "\n");
        continue;
      }
      const NodeDef &child = nodes_[e.index];
      if (child.path != path) {
        absl::StrAppend(&out, indent, e.name, ": same module as '", child.path,
                        "'\n");
        continue;
      }
      absl::StrAppend(&out, indent, e.name, ": ", child.typeName,
                      attributesToString(child.attributes), "\n");
      self(self, e.index, depth + 1);
    }
  };
  absl::StrAppend(&out, nodes_[0].typeName,
                  attributesToString(nodes_[0].attributes), "\n");
  print(print, 0, 0);
  return out;
}

std::ostream &operator<<(std::ostream &os, const GraphDef &def) {
  return os << def.toString();
}

} // namespace bst
