//===- TestUtil.h - Helpers shared by bst's unit tests --------------------===//
#ifndef BST_UNITTESTS_TESTUTIL_H
#define BST_UNITTESTS_TESTUTIL_H

#include "bst/Support/Error.h"

#include <string>

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

} // namespace bst::testing

#endif // BST_UNITTESTS_TESTUTIL_H
