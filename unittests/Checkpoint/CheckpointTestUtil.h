//===- CheckpointTestUtil.h - Models and files for the checkpoint tests ---===//
#ifndef BST_UNITTESTS_CHECKPOINT_CHECKPOINTTESTUTIL_H
#define BST_UNITTESTS_CHECKPOINT_CHECKPOINTTESTUTIL_H

#include "bst/Checkpoint/Checkpoint.h"
#include "bst/Graph/Graph.h"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace bst::testing {

/// A layer with a leaf state and a dict-valued state.
struct Dense : Module {
  BST_MODULE(Dense)
  ParamState fc;
  HiddenState v;
  Dense()
      : fc(Tree::dict({{"w", zeros({2, 3})}, {"b", zeros({3})}})),
        v(zeros({3})) {
    registerState("fc", fc);
    registerState("v", v);
  }
};

/// A model with every dtype, a scalar, an empty array, a list-valued state and
/// a submodule.
struct Model : Module {
  BST_MODULE(Model)
  Dense layer;
  LongTermState counts;
  State mask;
  ParamState rate;
  ShortTermState history;
  Model()
      : counts(zeros({2}, i64)), mask(zeros({4}, boolean)),
        rate(zeros({}, f64)),
        history(Tree::list({Tree(zeros({2}, i32)), Tree(zeros({0}))})) {
    registerModule("layer", layer);
    registerState("counts", counts);
    registerState("mask", mask);
    registerState("rate", rate);
    registerState("history", history);
  }

  /// Writes values that depend on `seed` into every state.
  void fill(int seed) {
    auto f = [&](int64_t n, float scale) {
      std::vector<float> out(n);
      for (int64_t i = 0; i < n; ++i)
        out[i] = seed * scale + static_cast<float>(i) * 0.25f;
      return out;
    };
    layer.fc.setValue(Tree::dict({{"w", Array::fromVector(f(6, 1.f), {2, 3})},
                                  {"b", Array::fromVector(f(3, -2.f), {3})}}));
    layer.v.setValue(Array::fromVector(f(3, 0.5f), {3}));
    counts.setValue(
        Array::fromVector<int64_t>({seed * 1000000000000LL, -seed}, {2}));
    mask.setValue(Array::fromVector<bool>(
        {seed % 2 == 1, true, false, seed % 3 == 0}, {4}));
    rate.setValue(Array::scalar<double>(seed / 3.0));
    history.setValue(
        Tree::list({Tree(Array::fromVector<int32_t>({seed, -seed}, {2})),
                    Tree(zeros({0}))}));
  }

  /// Every state's value, in order.
  std::vector<Tree> snapshot() const { return states().values(); }
};

/// True if every tree of `a` equals the one of `b`.
inline bool sameValues(const std::vector<Tree> &a, const std::vector<Tree> &b) {
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!a[i].equals(b[i]))
      return false;
  return true;
}

/// A fresh directory under the test temp dir, removed with its contents at the
/// end.
class TempDir {
public:
  TempDir() {
    std::string tmpl = ::testing::TempDir() + "bst-ckpt-XXXXXX";
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path &path() const { return path_; }
  std::filesystem::path operator/(const std::string &name) const {
    return path_ / name;
  }
  /// The names of the files in the directory, sorted.
  std::vector<std::string> files() const {
    std::vector<std::string> out;
    for (const auto &e : std::filesystem::directory_iterator(path_))
      out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }

private:
  std::filesystem::path path_;
};

inline std::string readBytes(const std::filesystem::path &p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void writeBytes(const std::filesystem::path &p,
                       const std::string &bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

/// The 8-byte little-endian length field for `n`.
inline std::string lengthField(uint64_t n) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i)
    out[i] = static_cast<char>(n >> (8 * i));
  return out;
}

/// The header length a file's first 8 bytes give.
inline uint64_t headerLength(const std::string &file) {
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i)
    n = n << 8 | static_cast<unsigned char>(file[i]);
  return n;
}

/// The JSON header text of a file.
inline std::string headerText(const std::string &file) {
  return file.substr(8, headerLength(file));
}

/// The data section of a file.
inline std::string dataSection(const std::string &file) {
  return file.substr(8 + headerLength(file));
}

/// A file with header `text` and data `data`.
inline std::string makeFile(const std::string &text, const std::string &data) {
  return lengthField(text.size()) + text + data;
}

/// The file `file` with its header parsed, changed by `edit`, and written back.
template <class Edit>
std::string editHeader(const std::string &file, Edit edit) {
  nlohmann::json header = nlohmann::json::parse(headerText(file));
  edit(header);
  return makeFile(header.dump(), dataSection(file));
}

} // namespace bst::testing

#endif // BST_UNITTESTS_CHECKPOINT_CHECKPOINTTESTUTIL_H
