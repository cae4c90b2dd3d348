//===- Tiny.h - The step whose call overhead the benchmarks measure
//--------===//
//
// One argument and four one-element states: the work is negligible, so the time
// per call is the cost of the call path (BM_JitDispatch, BM_AotCall,
// BM_EngineCall, BM_DirectCall).
//
//===----------------------------------------------------------------------===//
#ifndef BST_BENCHMARKS_TINY_H
#define BST_BENCHMARKS_TINY_H

#include "bst/bst.h"

struct Tiny {
  bst::HiddenState a{bst::zeros({1}), {.name = "a"}};
  bst::HiddenState b{bst::zeros({1}), {.name = "b"}};
  bst::HiddenState c{bst::zeros({1}), {.name = "c"}};
  bst::HiddenState d{bst::zeros({1}), {.name = "d"}};
  void operator()(const bst::Tensor &x) {
    bst::Tensor na = a.value() + x;
    a.setValue(na);
    bst::Tensor nb = b.value() * 0.5f + na;
    b.setValue(nb);
    c.setValue(bst::maximum(c.value(), nb));
    d.setValue(d.value() + 1.f);
  }
};

#endif // BST_BENCHMARKS_TINY_H
