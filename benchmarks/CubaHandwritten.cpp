//===- CubaHandwritten.cpp - The CUBA network written by hand -------------===//
//
// The same model as examples/cuba/Cuba.h, event-driven over the same CSR connectivity, as an
// expert writes it: one fused, vectorised pass over the neurons per step, then the synaptic
// events of the blocks of 64 neurons that spiked. Compiled
// with -O3 -march=native -fno-trapping-math (benchmarks/CMakeLists.txt).
//
//===----------------------------------------------------------------------===//
#include "Handwritten.h"

#include <algorithm>
#include <cmath>

namespace {
/// The neuron update of one step. The restrict parameters tell g++ the arrays are distinct:
/// without them it needs more than 10 run-time alias checks, gives up and vectorises nothing.
/// The constants come by value, or every store might change them.
void updateNeurons(const bst::bench::CubaConstants c, float dv, float de, float di,
                   float *__restrict v, float *__restrict ge, float *__restrict gi,
                   float *__restrict refractory, bool *__restrict spikes) {
  for (int64_t i = 0; i < c.n; ++i) {
    bool active = refractory[i] <= 0.f;
    float vInf = ge[i] + gi[i] + c.el;
    float vNew = active ? vInf + (v[i] - vInf) * dv : v[i];
    bool fired = active && vNew > c.vt;
    v[i] = fired ? c.vr : vNew;
    refractory[i] = fired ? c.refractory : refractory[i] - c.dt;
    spikes[i] = fired;
    ge[i] *= de;
    gi[i] *= di;
  }
}
} // namespace

int64_t bst::bench::cubaHandwritten(const CubaArrays &a, int64_t steps) {
  const CubaConstants &c = a.c;
  const float dv = std::exp(-c.dt / c.taum), de = std::exp(-c.dt / c.taue),
              di = std::exp(-c.dt / c.taui);
  const bool *spikes = a.spikes;
  int64_t count = 0;
  for (int64_t k = 0; k < steps; ++k) {
    updateNeurons(c, dv, de, di, a.v, a.ge, a.gi, a.refractory, a.spikes);
    // Spikes are rare: test 64 flags at once (a vectorised or) and scan only blocks with one.
    for (int64_t block = 0; block < c.n; block += 64) {
      int64_t end = std::min<int64_t>(block + 64, c.n);
      unsigned char any = 0;
      for (int64_t i = block; i < end; ++i)
        any |= static_cast<unsigned char>(spikes[i]);
      if (!any)
        continue;
      for (int64_t i = block; i < end; ++i) {
        if (!spikes[i])
          continue;
        ++count;
        bool exc = i < c.excitatory;
        const int32_t *rowPtr = exc ? a.excRowPtr : a.inhRowPtr;
        const int32_t *cols = exc ? a.excCols : a.inhCols;
        float *g = exc ? a.ge : a.gi;
        float w = exc ? c.we : c.wi;
        int64_t row = exc ? i : i - c.excitatory;
        for (int32_t j = rowPtr[row]; j < rowPtr[row + 1]; ++j)
          g[cols[j]] += w;
      }
    }
  }
  return count;
}
