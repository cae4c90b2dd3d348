//===- bst/Transform/Surrogate.h - Spikes with surrogate gradients -*- C++ -*-===//
//
// A spike is a Heaviside step of the membrane potential above threshold: its derivative is zero
// almost everywhere, so a spiking network cannot be trained by plain backpropagation. A surrogate
// gradient keeps the exact step in the forward pass and uses the derivative of a smooth function
// in the backward pass (Neftci, Mostafa & Zenke 2019):
//
//   bst::Tensor spike = bst::surrogate::sigmoid(v - threshold);   // 0 or 1, as v's dtype
//
// Both functions are bst::customVjp rules; outside of grad/valueAndGrad/vjp they are the step.
//
//===----------------------------------------------------------------------===//
#ifndef BST_TRANSFORM_SURROGATE_H
#define BST_TRANSFORM_SURROGATE_H

#include "bst/Support/Tensor.h"

namespace bst::surrogate {

/// Heaviside step `x > 0` (1 or 0, in x's floating dtype; integer and bool x give f32) whose
/// gradient is the derivative of sigmoid(alpha x): alpha s (1 - s) with s = sigmoid(alpha x).
/// A larger alpha is a sharper surrogate (4 is BrainPy's default).
Tensor sigmoid(const Tensor &x, double alpha = 4.0);

/// Heaviside step `x > 0` whose gradient is that of the fast sigmoid x / (1 + alpha |x|):
/// 1 / (1 + alpha |x|)^2 (SuperSpike, Zenke & Ganguli 2018; 25 is snnTorch's default slope).
Tensor fastSigmoid(const Tensor &x, double alpha = 25.0);

} // namespace bst::surrogate

#endif // BST_TRANSFORM_SURROGATE_H
