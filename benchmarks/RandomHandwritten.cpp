//===- RandomHandwritten.cpp - Hand-written Philox4x32-10 uniform loops ----===//
//
// The baselines of BM_RandomUniform_Jit, compiled as an expert would (-O3 -march=native, see
// benchmarks/CMakeLists.txt). Both are Philox4x32-10 written out by hand over plain uint32
// arithmetic; the loops have no dependence between blocks, so the compiler vectorises across them.
//
//===----------------------------------------------------------------------===//
#include "Handwritten.h"

#include <cstdint>

namespace {
/// One Philox4x32-10 block, in place.
inline void philox(uint32_t &c0, uint32_t &c1, uint32_t &c2, uint32_t &c3, uint32_t k0,
                   uint32_t k1) {
  for (int round = 0; round < 10; ++round) {
    uint64_t p0 = uint64_t{0xD2511F53u} * c0, p1 = uint64_t{0xCD9E8D57u} * c2;
    uint32_t n0 = static_cast<uint32_t>(p1 >> 32) ^ c1 ^ k0;
    uint32_t n2 = static_cast<uint32_t>(p0 >> 32) ^ c3 ^ k1;
    c1 = static_cast<uint32_t>(p1);
    c3 = static_cast<uint32_t>(p0);
    c0 = n0;
    c2 = n2;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
}

inline float unit(uint32_t w) { return static_cast<float>(w >> 8) * 0x1p-24f; }
} // namespace

void bst::bench::uniformFourPerBlockHandwritten(float *__restrict out, int64_t n, uint64_t key,
                                                uint64_t counter) {
  uint32_t k0 = static_cast<uint32_t>(key), k1 = static_cast<uint32_t>(key >> 32);
  int64_t blocks = n / 4;
  for (int64_t j = 0; j < blocks; ++j) {
    uint64_t c = counter + static_cast<uint64_t>(j);
    uint32_t c0 = static_cast<uint32_t>(c), c1 = static_cast<uint32_t>(c >> 32), c2 = 0, c3 = 0;
    philox(c0, c1, c2, c3, k0, k1);
    out[4 * j] = unit(c0);
    out[4 * j + 1] = unit(c1);
    out[4 * j + 2] = unit(c2);
    out[4 * j + 3] = unit(c3);
  }
  for (int64_t i = 4 * blocks; i < n; ++i) {
    uint64_t c = counter + static_cast<uint64_t>(blocks);
    uint32_t c0 = static_cast<uint32_t>(c), c1 = static_cast<uint32_t>(c >> 32), c2 = 0, c3 = 0;
    philox(c0, c1, c2, c3, k0, k1);
    uint32_t w[4] = {c0, c1, c2, c3};
    out[i] = unit(w[i - 4 * blocks]);
  }
}

void bst::bench::uniformOnePerElementHandwritten(float *__restrict out, int64_t n, uint64_t key,
                                                 uint64_t counter) {
  uint32_t k0 = static_cast<uint32_t>(key), k1 = static_cast<uint32_t>(key >> 32);
  for (int64_t i = 0; i < n; ++i) {
    uint64_t c = counter + static_cast<uint64_t>(i);
    uint32_t c0 = static_cast<uint32_t>(c), c1 = static_cast<uint32_t>(c >> 32), c2 = 0, c3 = 0;
    philox(c0, c1, c2, c3, k0, k1);
    out[i] = unit(c0);
  }
}
