//===- TreeTest.cpp -------------------------------------------------------===//
#include "bst/Support/Tree.h"

#include "absl/hash/hash.h"
#include "../TestUtil.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

using namespace bst;
using bst::testing::errorOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

namespace {

Tree layer() {
  return Tree::dict({{"w", zeros({4, 3})}, {"b", zeros({3})}});
}

TEST(TreeTest, LeafListDict) {
  Tree leaf = Array::fromVector<float>({1, 2}, {2});
  EXPECT_TRUE(leaf.isLeaf());
  EXPECT_EQ(leaf.toVector<float>(), (std::vector<float>{1, 2}));

  Tree list = Tree::list({zeros({1}), ones({2}, i32)});
  EXPECT_EQ(list.kind(), Tree::Kind::List);
  EXPECT_EQ(list.size(), 2u);
  EXPECT_EQ(list[1].leaf().dtype(), i32);

  Tree dict = layer();
  EXPECT_THAT(dict.keys(), ElementsAre("b", "w")); // sorted, whatever the written order
  EXPECT_EQ(dict["w"].leaf().shape(), (Shape{4, 3}));
}

TEST(TreeTest, AccessErrorsNameTheProblem) {
  Tree dict = layer();
  EXPECT_THAT(errorOf([&] { dict["v"]; }),
              HasSubstr("no key 'v' in this dict (signature {b: f32[3], w: f32[4,3]})"));
  EXPECT_THAT(errorOf([&] { dict.leaf(); }), HasSubstr("this tree is a dict"));
  EXPECT_THAT(errorOf([&] { dict[5]; }), HasSubstr("index 5 is out of range for a dict of 2"));
  EXPECT_THAT(errorOf([] { Tree::dict({{"a", zeros({1})}, {"a", zeros({1})}}); }),
              HasSubstr("the key 'a' appears twice"));
}

TEST(TreeTest, SignaturePrints) {
  EXPECT_EQ(layer().signature().toString(), "{b: f32[3], w: f32[4,3]}");
  EXPECT_EQ(Tree(zeros({})).signature().toString(), "f32[]");
  Tree nested = Tree::list({layer(), Tree::list({}), ones({2}, boolean)});
  EXPECT_EQ(nested.signature().toString(), "[{b: f32[3], w: f32[4,3]}, [], bool[2]]");
  EXPECT_EQ(nested.def().toString(), "[{b: *, w: *}, [], *]");
  EXPECT_EQ(nested.numLeaves(), 3u);
}

TEST(TreeTest, FlattenUnflattenRoundTrip) {
  Tree nested = Tree::list({layer(), Array::fromVector<int64_t>({5}, {1})});
  std::vector<Tensor> leaves = nested.leaves();
  ASSERT_EQ(leaves.size(), 3u);
  EXPECT_EQ(leaves[0].shape(), (Shape{3}));    // b
  EXPECT_EQ(leaves[1].shape(), (Shape{4, 3})); // w
  Tree back = nested.def().unflatten(leaves);
  EXPECT_TRUE(back.equals(nested));
  EXPECT_EQ(back.def(), nested.def());
}

TEST(TreeTest, LeafAtIndexesInFlattenOrder) {
  Tree t = Tree::list({layer(), Array::fromVector<int64_t>({5}, {1})});
  EXPECT_EQ(t.leafAt(0).shape(), (Shape{3}));    // b
  EXPECT_EQ(t.leafAt(1).shape(), (Shape{4, 3})); // w
  EXPECT_EQ(t.leafAt(2).dtype(), i64);
  t.mutableLeafAt(2) = Tensor(Array::fromVector<int64_t>({9}, {1}));
  EXPECT_EQ(t[1].leaf().item<int64_t>(), 9);
  EXPECT_THAT(errorOf([&] { t.leafAt(3); }),
              HasSubstr("leaf index 3 is out of range for a tree of 3 leaves"));
}

TEST(TreeTest, UnflattenChecksLeafCount) {
  EXPECT_THAT(errorOf([] { layer().def().unflatten({zeros({1})}); }),
              HasSubstr("the structure {b: *, w: *} has 2 leaves but 1 were given"));
}

TEST(TreeTest, MapKeepsStructure) {
  Tree doubled = layer().map([](const Tensor &t) { return Tensor(ones(t.shape(), f64)); });
  EXPECT_EQ(doubled.signature().toString(), "{b: f64[3], w: f64[4,3]}");
}

TEST(TreeTest, ForEachLeafGivesPaths) {
  Tree t = Tree::dict({{"layers", Tree::list({layer(), layer()})}, {"scale", zeros({})}});
  std::vector<std::string> paths;
  t.forEachLeaf([&](const std::string &p, const Tensor &) { paths.push_back(p); });
  EXPECT_THAT(paths, ElementsAre("layers[0].b", "layers[0].w", "layers[1].b", "layers[1].w",
                                 "scale"));
}

TEST(SignatureTest, EqualityAndHash) {
  Signature a = layer().signature();
  Signature b = Tree::dict({{"b", ones({3})}, {"w", ones({4, 3})}}).signature();
  Signature c = Tree::dict({{"b", ones({3})}, {"w", ones({3, 4})}}).signature();
  Signature d = Tree::list({ones({3}), ones({4, 3})}).signature();
  EXPECT_EQ(a, b);
  EXPECT_EQ(absl::HashOf(a), absl::HashOf(b));
  EXPECT_NE(a, c);
  EXPECT_NE(a, d);
  EXPECT_NE(absl::HashOf(a), absl::HashOf(c));
  EXPECT_NE(a.def(), d.def());
}

TEST(SignatureTest, MatchesAndDescribesMismatch) {
  Signature s = layer().signature();
  EXPECT_TRUE(s.matches(layer()));
  EXPECT_EQ(s.describeMismatch(layer()), "");
  Tree transposed = Tree::dict({{"b", zeros({3})}, {"w", zeros({3, 4})}});
  EXPECT_FALSE(s.matches(transposed));
  EXPECT_EQ(s.describeMismatch(transposed), "at 'w': expected f32[4,3], received f32[3,4]");
  Tree wrongDType = Tree::dict({{"b", zeros({3}, f64)}, {"w", zeros({4, 3})}});
  EXPECT_EQ(s.describeMismatch(wrongDType), "at 'b': expected f32[3], received f64[3]");
  Tree wrongKeys = Tree::dict({{"b", zeros({3})}, {"v", zeros({4, 3})}});
  EXPECT_EQ(s.describeMismatch(wrongKeys), "expected keys {b, w}, received keys {b, v}");
  EXPECT_EQ(s.describeMismatch(zeros({3})), "expected a dict of 2, received a single tensor");
  Signature leaf = Tree(zeros({2})).signature();
  EXPECT_FALSE(leaf.matches(zeros({3})));
  EXPECT_FALSE(leaf.matches(layer()));
}

} // namespace
