//===- LifHandwritten.cpp - The hand-written limit for the LIF step -------===//
//
// Compiled the way an expert would: -O3 -march=native -fno-trapping-math (see
// benchmarks/CMakeLists.txt; DESIGN.md section 6 shows why the last flag matters for g++).
//
//===----------------------------------------------------------------------===//
#include "Handwritten.h"

#include <cstdint>

void bst::bench::lifStepHandwritten(float *__restrict v, const float *__restrict tau,
                                    float *__restrict spike, const float *__restrict input,
                                    int64_t n, float dt) {
  for (int64_t i = 0; i < n; ++i) {
    float nv = v[i] + dt * (input[i] - v[i]) / tau[i];
    bool fired = nv > 1.f;
    v[i] = fired ? 0.f : nv;
    spike[i] = fired ? 1.f : 0.f;
  }
}

void bst::bench::dispatchWorkHandwritten(float *a, float *b, float *c, float *d, const float *x) {
  a[0] += x[0];
  b[0] = b[0] * 0.5f + a[0];
  c[0] = c[0] > b[0] ? c[0] : b[0];
  d[0] += 1.f;
}
