//===- bst/Support/Tree.h - PyTrees of tensors and their signatures -*- C++ -*-===//
//
// A Tree is a PyTree: a leaf (one Tensor), an ordered list of Trees, or a dict from string keys
// to Trees (kept sorted by key, as JAX does, so equal dicts have equal structure whatever order
// they were written in). A TreeDef is a Tree's structure without its leaves; a Signature is the
// TreeDef plus each leaf's AbstractArray — what a State freezes and a compiled function is
// specialised to.
//
//===----------------------------------------------------------------------===//
#ifndef BST_SUPPORT_TREE_H
#define BST_SUPPORT_TREE_H

#include "bst/Support/Tensor.h"

#include <functional>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

namespace bst {

class TreeDef;
class Signature;

/// A PyTree of Tensors with value semantics (copies share leaf buffers copy-on-write).
class Tree {
public:
  enum class Kind : uint8_t { Leaf, List, Dict };
  using Item = std::pair<std::string, Tree>;

  /// A leaf holding a zero f32 scalar.
  Tree() = default;
  /// A leaf (implicit: a Tensor or an Array is a one-leaf Tree).
  Tree(Tensor leaf) : leaf_(std::move(leaf)) {}
  Tree(Array leaf) : leaf_(std::move(leaf)) {}

  /// An ordered list.
  static Tree list(std::vector<Tree> elements);
  /// A dict; keys are sorted. Throws bst::Error on a duplicate key.
  static Tree dict(std::vector<Item> items);

  Kind kind() const { return kind_; }
  bool isLeaf() const { return kind_ == Kind::Leaf; }
  /// The tensor of a leaf; throws bst::Error for a list or dict.
  const Tensor &leaf() const;
  /// Implicit use of a one-leaf Tree as its Tensor, e.g. `state.value().toVector<float>()`.
  operator const Tensor &() const { return leaf(); }
  template <class T> std::vector<T> toVector() const { return leaf().toVector<T>(); }

  /// Number of direct children (0 for a leaf).
  size_t size() const { return children_.size(); }
  /// The i-th element of a list or the i-th (key-sorted) item of a dict.
  const Tree &operator[](size_t i) const;
  /// (So that tree[0] is not ambiguous with the key overloads.)
  const Tree &operator[](int i) const { return (*this)[static_cast<size_t>(i)]; }
  /// The value under `key` of a dict; throws bst::Error naming the key if it is absent.
  const Tree &operator[](std::string_view key) const;
  const Tree &operator[](const char *key) const { return (*this)[std::string_view(key)]; }
  /// The keys of a dict in order (empty for a leaf or list).
  const std::vector<std::string> &keys() const { return keys_; }

  /// The i-th leaf in flatten order, and a writable reference to it (for binding buffers; the
  /// caller keeps the leaf's shape and dtype). Throw bst::Error if i >= numLeaves().
  const Tensor &leafAt(size_t i) const;
  Tensor &mutableLeafAt(size_t i);

  /// All leaves, depth first, in list / sorted-key order.
  std::vector<Tensor> leaves() const;
  size_t numLeaves() const;
  /// The structure of this tree.
  TreeDef def() const;
  /// Structure plus each leaf's shape and dtype.
  Signature signature() const;
  /// A tree of the same structure with `fn` applied to each leaf.
  Tree map(const std::function<Tensor(const Tensor &)> &fn) const;
  /// Calls `fn(path, leaf)` for each leaf; the path is e.g. "w", "[1]", "layer.b" ("" at a root leaf).
  void forEachLeaf(const std::function<void(const std::string &, const Tensor &)> &fn) const;

  /// Structural and elementwise equality.
  bool equals(const Tree &other) const;
  /// "{b: f32[3]{...}, w: ...}".
  std::string toString() const;

private:
  friend class TreeDef;
  friend class Signature;
  /// The leaf `i` places further in flatten order (counting `i` down), or null.
  Tensor *findLeaf(size_t &i);
  Kind kind_ = Kind::Leaf;
  Tensor leaf_;
  std::vector<std::string> keys_; // Dict only, sorted, parallel to children_.
  std::vector<Tree> children_;
};

std::ostream &operator<<(std::ostream &os, const Tree &tree);

/// The structure of a Tree without its leaves. Comparable and hashable; immutable.
class TreeDef {
public:
  /// The structure of a single leaf.
  TreeDef();

  size_t numLeaves() const { return numLeaves_; }
  /// Rebuilds a tree of this structure from `leaves` in flatten order; throws bst::Error if the
  /// count differs.
  Tree unflatten(std::vector<Tensor> leaves) const;
  /// "*" for a leaf, "[*, *]", "{b: *, w: *}".
  std::string toString() const;

  friend bool operator==(const TreeDef &a, const TreeDef &b) { return a.nodes_ == b.nodes_; }
  friend bool operator!=(const TreeDef &a, const TreeDef &b) { return !(a == b); }
  template <class H> friend H AbslHashValue(H h, const TreeDef &d) {
    for (const Node &n : d.nodes_)
      h = H::combine(std::move(h), n.kind, n.keys, n.arity);
    return h;
  }

  /// One node of the pre-order encoding (an implementation detail of Tree and Signature).
  struct Node {
    Tree::Kind kind;
    size_t arity;                   // number of children
    std::vector<std::string> keys;  // Dict only
    friend bool operator==(const Node &a, const Node &b) {
      return a.kind == b.kind && a.arity == b.arity && a.keys == b.keys;
    }
  };
private:
  friend class Tree;
  friend class Signature;
  std::vector<Node> nodes_; // pre-order
  size_t numLeaves_ = 1;
};

std::ostream &operator<<(std::ostream &os, const TreeDef &def);

/// A TreeDef plus the AbstractArray of each leaf: "{b: f32[3], w: f32[4,3]}".
class Signature {
public:
  Signature() = default;
  Signature(TreeDef def, std::vector<AbstractArray> leaves);

  const TreeDef &def() const { return def_; }
  const std::vector<AbstractArray> &leaves() const { return leaves_; }

  /// True if `tree` has exactly this structure, shapes and dtypes. Allocation-free.
  bool matches(const Tree &tree) const;
  /// Why `tree` does not match, naming the first differing place, e.g.
  /// "at 'w': expected f32[4,3], received f32[3,4]"; empty if it matches.
  std::string describeMismatch(const Tree &tree) const;

  std::string toString() const;

  friend bool operator==(const Signature &a, const Signature &b) {
    return a.def_ == b.def_ && a.leaves_ == b.leaves_;
  }
  friend bool operator!=(const Signature &a, const Signature &b) { return !(a == b); }
  template <class H> friend H AbslHashValue(H h, const Signature &s) {
    return H::combine(std::move(h), s.def_, s.leaves_);
  }

private:
  TreeDef def_;
  std::vector<AbstractArray> leaves_;
};

std::ostream &operator<<(std::ostream &os, const Signature &sig);

} // namespace bst

#endif // BST_SUPPORT_TREE_H
