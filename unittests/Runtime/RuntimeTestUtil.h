//===- RuntimeTestUtil.h - A hand-written step function for runtime tests -===//
#ifndef BST_UNITTESTS_RUNTIME_RUNTIMETESTUTIL_H
#define BST_UNITTESTS_RUNTIME_RUNTIMETESTUTIL_H

#include <cstdint>

namespace bst::testing {

/// The manifest of accumulateEntry: s (f32[4], read and written) += x (f32[4]);
/// a capture c (f32[2], embedded) and an i64[2, 3] result r = call count.
inline constexpr const char *kAccumulateManifest = R"({
  "format_version": 1, "function": "acc",
  "slots": [
    {"index": 0, "role": "argument", "name": "arg0", "dtype": "f32", "shape": [4],
     "read": true, "written": false},
    {"index": 1, "role": "state", "name": "net.s", "kind": "HiddenState", "dtype": "f32",
     "shape": [4], "read": true, "written": true},
    {"index": 2, "role": "capture", "name": "capture0", "dtype": "f32", "shape": [2],
     "read": true, "written": false},
    {"index": 3, "role": "result", "name": "result", "dtype": "i64", "shape": [2, 3],
     "read": false, "written": true}]})";

/// The compiled code of kAccumulateManifest, by hand.
inline void accumulateEntry(void **slots) {
  auto *x = static_cast<const float *>(slots[0]);
  auto *s = static_cast<float *>(slots[1]);
  auto *r = static_cast<int64_t *>(slots[3]);
  for (int i = 0; i < 4; ++i)
    s[i] += x[i];
  for (int i = 0; i < 6; ++i)
    r[i] += 1;
}

} // namespace bst::testing

#endif // BST_UNITTESTS_RUNTIME_RUNTIMETESTUTIL_H
