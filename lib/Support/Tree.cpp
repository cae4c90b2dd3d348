//===- Tree.cpp -----------------------------------------------------------===//
#include "bst/Support/Tree.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include <algorithm>
#include <sstream>

namespace bst {

//===----------------------------------------------------------------------===//
// Tree
//===----------------------------------------------------------------------===//

Tree Tree::list(std::vector<Tree> elements) {
  Tree t;
  t.kind_ = Kind::List;
  t.children_ = std::move(elements);
  return t;
}

Tree Tree::dict(std::vector<Item> items) {
  std::sort(items.begin(), items.end(),
            [](const Item &a, const Item &b) { return a.first < b.first; });
  Tree t;
  t.kind_ = Kind::Dict;
  for (size_t i = 0; i < items.size(); ++i) {
    if (!t.keys_.empty() && items[i].first == t.keys_.back())
      throw Error(ErrorCode::InvalidArgument,
                  absl::StrCat("Tree::dict: the key '", items[i].first,
                               "' appears twice; dict keys must be unique"));
    t.keys_.push_back(std::move(items[i].first));
    t.children_.push_back(std::move(items[i].second));
  }
  return t;
}

static const char *kindName(Tree::Kind kind) {
  switch (kind) {
  case Tree::Kind::Leaf:
    return "leaf";
  case Tree::Kind::List:
    return "list";
  case Tree::Kind::Dict:
    return "dict";
  }
  return "?";
}

const Tensor &Tree::leaf() const {
  if (kind_ != Kind::Leaf)
    throw Error(ErrorCode::InvalidArgument,
                absl::StrCat("this tree is a ", kindName(kind_), " with signature ",
                             signature().toString(),
                             ", not a single tensor; index it (tree[\"key\"] or tree[i]) first"));
  return leaf_;
}

const Tree &Tree::operator[](size_t i) const {
  if (i >= children_.size())
    throw Error(ErrorCode::InvalidArgument,
                absl::StrCat("index ", i, " is out of range for a ", kindName(kind_), " of ",
                             children_.size(), " children"));
  return children_[i];
}

const Tree &Tree::operator[](std::string_view key) const {
  if (kind_ == Kind::Dict) {
    auto it = std::lower_bound(keys_.begin(), keys_.end(), key);
    if (it != keys_.end() && *it == key)
      return children_[it - keys_.begin()];
  }
  throw Error(ErrorCode::InvalidArgument,
              absl::StrCat("no key '", std::string(key), "' in this ", kindName(kind_),
                           " (signature ", signature().toString(), ")"));
}


Tensor *Tree::findLeaf(size_t &i) {
  if (kind_ == Kind::Leaf)
    return i-- == 0 ? &leaf_ : nullptr;
  for (Tree &child : children_)
    if (Tensor *found = child.findLeaf(i))
      return found;
  return nullptr;
}

Tensor &Tree::mutableLeafAt(size_t i) {
  size_t remaining = i;
  Tensor *found = findLeaf(remaining);
  if (!found)
    throw Error(ErrorCode::InvalidArgument,
                absl::StrCat("leaf index ", i, " is out of range for a tree of ", numLeaves(),
                             " leaves"));
  return *found;
}

const Tensor &Tree::leafAt(size_t i) const { return const_cast<Tree *>(this)->mutableLeafAt(i); }

std::vector<Tensor> Tree::leaves() const {
  std::vector<Tensor> out;
  forEachLeaf([&](const std::string &, const Tensor &t) { out.push_back(t); });
  return out;
}

size_t Tree::numLeaves() const {
  if (kind_ == Kind::Leaf)
    return 1;
  size_t n = 0;
  for (const Tree &c : children_)
    n += c.numLeaves();
  return n;
}

Tree Tree::map(const std::function<Tensor(const Tensor &)> &fn) const {
  if (kind_ == Kind::Leaf)
    return Tree(fn(leaf_));
  Tree t;
  t.kind_ = kind_;
  t.keys_ = keys_;
  t.children_.reserve(children_.size());
  for (const Tree &c : children_)
    t.children_.push_back(c.map(fn));
  return t;
}

static std::string childPath(const std::string &parent, const Tree::Kind kind,
                             const std::vector<std::string> &keys, size_t i) {
  if (kind == Tree::Kind::List)
    return absl::StrCat(parent, "[", i, "]");
  return parent.empty() ? keys[i] : absl::StrCat(parent, ".", keys[i]);
}

static void forEachLeafImpl(const Tree &tree, const std::string &path,
                            const std::function<void(const std::string &, const Tensor &)> &fn) {
  if (tree.isLeaf()) {
    fn(path, tree.leaf());
    return;
  }
  const std::vector<std::string> &keys = tree.keys();
  for (size_t i = 0; i < tree.size(); ++i)
    forEachLeafImpl(tree[i], childPath(path, tree.kind(), keys, i), fn);
}

void Tree::forEachLeaf(
    const std::function<void(const std::string &, const Tensor &)> &fn) const {
  forEachLeafImpl(*this, "", fn);
}

TreeDef Tree::def() const {
  TreeDef d;
  d.nodes_.clear();
  d.numLeaves_ = 0;
  std::function<void(const Tree &)> walk = [&](const Tree &t) {
    d.nodes_.push_back({t.kind_, t.children_.size(), t.keys_});
    if (t.kind_ == Kind::Leaf)
      ++d.numLeaves_;
    for (const Tree &c : t.children_)
      walk(c);
  };
  walk(*this);
  return d;
}

Signature Tree::signature() const {
  std::vector<AbstractArray> leaves;
  forEachLeaf([&](const std::string &, const Tensor &t) { leaves.push_back(t.abstract()); });
  return Signature(def(), std::move(leaves));
}

bool Tree::equals(const Tree &other) const {
  if (kind_ != other.kind_ || keys_ != other.keys_ || children_.size() != other.children_.size())
    return false;
  if (kind_ == Kind::Leaf)
    return leaf_.isTraced() || other.leaf_.isTraced()
               ? leaf_.traced() == other.leaf_.traced()
               : leaf_.array().equals(other.leaf_.array());
  for (size_t i = 0; i < children_.size(); ++i)
    if (!children_[i].equals(other.children_[i]))
      return false;
  return true;
}

std::string Tree::toString() const {
  if (kind_ == Kind::Leaf)
    return leaf_.toString();
  std::string s = kind_ == Kind::List ? "[" : "{";
  for (size_t i = 0; i < children_.size(); ++i) {
    if (i)
      s += ", ";
    if (kind_ == Kind::Dict)
      absl::StrAppend(&s, keys_[i], ": ");
    s += children_[i].toString();
  }
  s += kind_ == Kind::List ? "]" : "}";
  return s;
}

std::ostream &operator<<(std::ostream &os, const Tree &tree) { return os << tree.toString(); }

//===----------------------------------------------------------------------===//
// TreeDef
//===----------------------------------------------------------------------===//

TreeDef::TreeDef() : nodes_{{Tree::Kind::Leaf, 0, {}}}, numLeaves_(1) {}

Tree TreeDef::unflatten(std::vector<Tensor> leaves) const {
  if (leaves.size() != numLeaves_)
    throw Error(ErrorCode::InvalidArgument,
                absl::StrCat("TreeDef::unflatten: the structure ", toString(), " has ",
                             numLeaves_, " leaves but ", leaves.size(), " were given"));
  size_t node = 0, leaf = 0;
  std::function<Tree()> build = [&]() -> Tree {
    const Node &n = nodes_[node++];
    if (n.kind == Tree::Kind::Leaf)
      return Tree(std::move(leaves[leaf++]));
    Tree t;
    t.kind_ = n.kind;
    t.keys_ = n.keys;
    t.children_.reserve(n.arity);
    for (size_t i = 0; i < n.arity; ++i)
      t.children_.push_back(build());
    return t;
  };
  return build();
}

/// Prints the subtree rooted at nodes[node] (advancing `node`), calling `leaf` for each leaf.
template <class LeafPrinter>
static void printDef(std::string &out, size_t &node,
                     const auto &nodes, LeafPrinter &&leaf) {
  const auto &n = nodes[node++];
  if (n.kind == Tree::Kind::Leaf) {
    out += leaf();
    return;
  }
  out += n.kind == Tree::Kind::List ? "[" : "{";
  for (size_t i = 0; i < n.arity; ++i) {
    if (i)
      out += ", ";
    if (n.kind == Tree::Kind::Dict)
      absl::StrAppend(&out, n.keys[i], ": ");
    printDef(out, node, nodes, leaf);
  }
  out += n.kind == Tree::Kind::List ? "]" : "}";
}

std::string TreeDef::toString() const {
  std::string out;
  size_t node = 0;
  printDef(out, node, nodes_, [] { return std::string("*"); });
  return out;
}

std::ostream &operator<<(std::ostream &os, const TreeDef &def) { return os << def.toString(); }

//===----------------------------------------------------------------------===//
// Signature
//===----------------------------------------------------------------------===//

Signature::Signature(TreeDef def, std::vector<AbstractArray> leaves)
    : def_(std::move(def)), leaves_(std::move(leaves)) {
  if (leaves_.size() != def_.numLeaves())
    throw Error(ErrorCode::InvalidArgument,
                absl::StrCat("Signature: the structure ", def_.toString(), " has ",
                             def_.numLeaves(), " leaves but ", leaves_.size(),
                             " abstract arrays were given"));
}

namespace {
/// Walks a Tree against a Signature in pre-order. Returns false at the first difference; when
/// `why` is set, describes it there.
struct Matcher {
  const std::vector<TreeDef::Node> &nodes;
  const std::vector<AbstractArray> &leaves;
  std::string *why;
  size_t node = 0, leaf = 0;

  bool match(const Tree &t, const std::string &path) {
    const auto &n = nodes[node++];
    if (n.kind != t.kind() || n.arity != t.size()) {
      if (why)
        *why = absl::StrCat(where(path), "expected a ", describe(n), ", received a ",
                            describe(t));
      return false;
    }
    if (n.kind == Tree::Kind::Leaf) {
      const AbstractArray &want = leaves[leaf++];
      const Tensor &got = t.leaf();
      if (want.dtype == got.dtype() && want.shape == got.shape())
        return true;
      if (why)
        *why = absl::StrCat(where(path), "expected ", want.toString(), ", received ",
                            got.abstract().toString());
      return false;
    }
    if (n.kind == Tree::Kind::Dict) {
      const std::vector<std::string> &keys = t.keys();
      if (keys != n.keys) {
        if (why)
          *why = absl::StrCat(where(path), "expected keys {", absl::StrJoin(n.keys, ", "),
                              "}, received keys {", absl::StrJoin(keys, ", "), "}");
        return false;
      }
    }
    for (size_t i = 0; i < n.arity; ++i) {
      std::string child;
      if (why)
        child = n.kind == Tree::Kind::List ? absl::StrCat(path, "[", i, "]")
                : path.empty()             ? n.keys[i]
                                           : absl::StrCat(path, ".", n.keys[i]);
      if (!match(t[i], child))
        return false;
    }
    return true;
  }

  static std::string where(const std::string &path) {
    return path.empty() ? "" : absl::StrCat("at '", path, "': ");
  }
  static std::string describe(const TreeDef::Node &n) {
    if (n.kind == Tree::Kind::Leaf)
      return "single tensor";
    return absl::StrCat(n.kind == Tree::Kind::List ? "list" : "dict", " of ", n.arity);
  }
  static std::string describe(const Tree &t) {
    if (t.isLeaf())
      return "single tensor";
    return absl::StrCat(t.kind() == Tree::Kind::List ? "list" : "dict", " of ", t.size());
  }
};
} // namespace

bool Signature::matches(const Tree &tree) const {
  // Fast path for the common one-leaf state: no walk state at all.
  if (def_.nodes_.size() == 1 && tree.isLeaf()) {
    const AbstractArray &want = leaves_[0];
    const Tensor &got = tree.leaf();
    return want.dtype == got.dtype() && want.shape == got.shape();
  }
  Matcher m{def_.nodes_, leaves_, nullptr};
  return m.match(tree, "");
}

std::string Signature::describeMismatch(const Tree &tree) const {
  std::string why;
  Matcher m{def_.nodes_, leaves_, &why};
  m.match(tree, "");
  return why;
}

std::string Signature::toString() const {
  std::string out;
  size_t node = 0, leaf = 0;
  printDef(out, node, def_.nodes_, [&] { return leaves_[leaf++].toString(); });
  return out;
}

std::ostream &operator<<(std::ostream &os, const Signature &sig) { return os << sig.toString(); }

} // namespace bst
