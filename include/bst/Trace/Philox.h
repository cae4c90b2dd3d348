//===- bst/Trace/Philox.h - The Philox4x32-10 block function ---------*- C++ -*-===//
//
// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011; the
// Random123 library): a keyed bijection of 128-bit counters, ten rounds of two 32x32->64-bit
// multiplications. bst's Philox primitive (bst/Trace/Op.h) and RandomState
// (bst/Transform/Random.h) are built on it; host code can reproduce bst's random streams with it.
//
//===----------------------------------------------------------------------===//
#ifndef BST_TRACE_PHILOX_H
#define BST_TRACE_PHILOX_H

#include <array>
#include <cstdint>

namespace bst {

/// The 4 x 32-bit output block of Philox4x32-10 for counter `ctr` and key `key`, exactly as
/// Random123's philox4x32(ctr, key) (its known-answer vectors hold). Pure and thread-safe.
constexpr std::array<uint32_t, 4> philox4x32_10(std::array<uint32_t, 4> ctr,
                                                std::array<uint32_t, 2> key) {
  constexpr uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u; // round multipliers
  constexpr uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u; // key schedule (Weyl sequence)
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      key[0] += kW0;
      key[1] += kW1;
    }
    uint64_t p0 = uint64_t{kM0} * ctr[0], p1 = uint64_t{kM1} * ctr[2];
    ctr = {static_cast<uint32_t>(p1 >> 32) ^ ctr[1] ^ key[0], static_cast<uint32_t>(p1),
           static_cast<uint32_t>(p0 >> 32) ^ ctr[3] ^ key[1], static_cast<uint32_t>(p0)};
  }
  return ctr;
}

/// The block bst uses for stream position `counter` under `key`: philox4x32_10 of the counter
/// {lo(counter), hi(counter), 0, 0} and the key {lo(key), hi(key)}, both read as unsigned 64-bit
/// numbers.
constexpr std::array<uint32_t, 4> philoxBlock(uint64_t key, uint64_t counter) {
  return philox4x32_10({static_cast<uint32_t>(counter), static_cast<uint32_t>(counter >> 32), 0, 0},
                       {static_cast<uint32_t>(key), static_cast<uint32_t>(key >> 32)});
}

} // namespace bst

#endif // BST_TRACE_PHILOX_H
