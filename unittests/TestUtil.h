//===- TestUtil.h - Helpers shared by bst's unit tests --------------------===//
#ifndef BST_UNITTESTS_TESTUTIL_H
#define BST_UNITTESTS_TESTUTIL_H

#include "bst/State/State.h"
#include "bst/Support/Array.h"
#include "bst/Support/Error.h"

#include <string>
#include <vector>

namespace bst::testing {

/// The message of the bst::Error that `fn` throws; "<no error>" if it throws none, and a
/// "<wrong error type>" prefix if the error is not an E.
template <class E = Error, class Fn> std::string errorOf(Fn &&fn) {
  try {
    fn();
  } catch (const Error &e) {
    if (dynamic_cast<const E *>(&e))
      return e.what();
    return std::string("<wrong error type> ") + e.what();
  }
  return "<no error>";
}

/// A 1-D f32 array of `values`.
inline Array vec(std::vector<float> values) {
  int64_t n = static_cast<int64_t>(values.size());
  return Array::fromVector(values, {n});
}

/// The elements of a state holding one f32 leaf.
inline std::vector<float> floatsOf(const State &s) { return s.value().toVector<float>(); }

} // namespace bst::testing

#endif // BST_UNITTESTS_TESTUTIL_H
