//===- DifferentialTest.cpp - Eager against compiled ----------------------===//
#include "bst/Jit/Jit.h"
#include "bst/Trace/Ops.h"

#include "gtest/gtest.h"

#include <cstdio>
#include <limits>

using namespace bst;

namespace {

template <class F> void show(const char *what, F f, Array a, Array b) {
  Tensor e = f(Tensor(a), Tensor(b));
  auto j = jit([&](const Tensor &x, const Tensor &y) { return f(x, y); });
  std::printf("%s\n  eager    %s\n", what, e.toString().c_str());
  std::fflush(stdout);
  Tensor c = j(a, b);
  std::printf("  compiled %s\n", c.toString().c_str());
  std::fflush(stdout);
}

TEST(DifferentialProbe, Probe) {
  float nan = std::numeric_limits<float>::quiet_NaN(),
        inf = std::numeric_limits<float>::infinity();
  Array fx = Array::fromVector<float>(
      {nan, inf, -inf, 3e9f, -3e9f, 2.5f, -2.5f, 1e20f}, {8});
  show("cast f32->i32", [](Tensor x, Tensor) { return cast(x, i32); }, fx, fx);
  show("cast f32->i64", [](Tensor x, Tensor) { return cast(x, i64); }, fx, fx);
  Array ix = Array::fromVector<int32_t>({0, 1, -1, 2, -2, 5, 0, 7}, {8});
  Array ie = Array::fromVector<int32_t>({-1, -1, -3, -2, -1, 0, 0, 3}, {8});
  Array imin = Array::fromVector<int32_t>(
      {std::numeric_limits<int32_t>::min(), 7, -7, 5}, {4});
  Array neg1 = Array::fromVector<int32_t>({-1, -1, 2, 0}, {4});
  show("idiv", [](Tensor x, Tensor y) { return x / y; }, imin, neg1);
  show("ipow", [](Tensor x, Tensor y) { return pow(x, y); }, ix, ie);
}

} // namespace
