//===- MatmulHandwritten.cpp - The hand-written matmul loop ---------------===//
//
// c = x @ y in the loop order that vectorises (i, k, j: the innermost loop streams a row of y
// into a row of c), restrict pointers, compiled -O3 -march=native (benchmarks/CMakeLists.txt).
//
//===----------------------------------------------------------------------===//
#include "Handwritten.h"

#include <cstdint>

void bst::bench::matmulHandwritten(const float *__restrict x, const float *__restrict y,
                                   float *__restrict c, int64_t m, int64_t k, int64_t n) {
  for (int64_t i = 0; i < m; ++i) {
    float *__restrict row = c + i * n;
    for (int64_t j = 0; j < n; ++j)
      row[j] = 0.f;
    for (int64_t p = 0; p < k; ++p) {
      float a = x[i * k + p];
      const float *__restrict yrow = y + p * n;
      for (int64_t j = 0; j < n; ++j)
        row[j] += a * yrow[j];
    }
  }
}
