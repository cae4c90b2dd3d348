//===- CubaHandwritten.cpp - The CUBA network written by hand -------------===//
//
// The same model as examples/cuba/Cuba.h, event-driven over the same CSR connectivity, as an
// expert writes it: one fused pass over the neurons per step, then the synaptic events. Compiled
// with -O3 -march=native -fno-trapping-math (benchmarks/CMakeLists.txt).
//
//===----------------------------------------------------------------------===//
#include "Handwritten.h"

#include <cmath>

int64_t bst::bench::cubaHandwritten(const CubaArrays &a, int64_t steps) {
  const CubaConstants &c = a.c;
  const float dv = std::exp(-c.dt / c.taum), de = std::exp(-c.dt / c.taue),
              di = std::exp(-c.dt / c.taui);
  int64_t count = 0;
  for (int64_t k = 0; k < steps; ++k) {
    for (int64_t i = 0; i < c.n; ++i) {
      bool active = a.refractory[i] <= 0.f;
      float vInf = a.ge[i] + a.gi[i] + c.el;
      float v = active ? vInf + (a.v[i] - vInf) * dv : a.v[i];
      bool fired = active && v > c.vt;
      a.v[i] = fired ? c.vr : v;
      a.refractory[i] = fired ? c.refractory : a.refractory[i] - c.dt;
      a.spikes[i] = fired;
      a.ge[i] *= de;
      a.gi[i] *= di;
    }
    for (int64_t i = 0; i < c.n; ++i) {
      if (!a.spikes[i])
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
  return count;
}
