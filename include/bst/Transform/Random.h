//===- bst/Transform/Random.h - Counter-based random numbers -------*- C++ -*-===//
//
// A RandomState is a generator held in a State: a 64-bit key and a 64-bit counter. Every draw of
// n numbers reads the state, computes them from (key, counter + 0 ... counter + n - 1) with
// Philox4x32-10 (bst/Trace/Philox.h), and writes the counter back advanced by n. A draw is thus
// an ordinary pure op plus a state write: it runs eagerly, inside bst::jit (fused into the
// elementwise loop that consumes it, no temporary array) and inside a compiled forLoop (the
// counter is a carry), and all three give the same numbers. See docs/random.md.
//
//===----------------------------------------------------------------------===//
#ifndef BST_TRANSFORM_RANDOM_H
#define BST_TRANSFORM_RANDOM_H

#include "bst/State/State.h"
#include "bst/Support/Array.h"
#include "bst/Support/Shape.h"
#include "bst/Support/Tensor.h"
#include "bst/Support/Tree.h"

#include <cstdint>
#include <utility>

namespace bst {

/// A counter-based random number generator (Philox4x32-10) kept in a state of kind
/// RandomState (directly below State, as in BrainState: it is neither a per-step value nor a
/// parameter; filters select it with filter::kind<RandomState>()).
///
/// Its value is the tree {counter: i64[], key: i64[]} (both read as unsigned 64-bit numbers).
/// Number k of the stream of a key is a function of (key, k) alone, so:
/// - the same seed gives the same numbers eagerly, under bst::jit and in a compiled forLoop,
///   bit for bit for bits, uniform, bernoulli and randint; normal agrees within the tolerance of
///   docs/random.md (compiled code computes log and cos with polynomial approximations);
/// - 100 jitted calls that each draw n numbers give the same numbers as one forLoop(100) around
///   the same draw, and as 100 eager calls;
/// - each key has 2^64 counter positions; the stream of a split() key never meets the parent's
///   (a different key) unless the 64-bit keys collide.
///
/// A draw of shape S consumes S.numElements() positions whatever its distribution (normal uses
/// two words of each position's 128-bit block).
///
/// Ownership and thread safety: a handle, like every State (copies share the generator); one
/// generator must not draw from two threads at once.
class RandomState : public DefineStateKind<RandomState, State> {
public:
  /// A generator whose key is `seed` and whose counter is 0.
  explicit RandomState(int64_t seed, StateOptions options = {})
      : DefineStateKind(seedValue(seed), std::move(options)) {}
  /// A generator holding `value`, which must have the layout of seedValue(); throws bst::Error
  /// otherwise.
  explicit RandomState(Tree value, StateOptions options = {});
  /// Adopts an existing state of kind RandomState (see State::as).
  explicit RandomState(detail::AdoptState adopt) : DefineStateKind(std::move(adopt)) {}

  /// The value of a fresh generator: {counter: 0, key: seed}.
  static Tree seedValue(int64_t seed) {
    return Tree::dict(
        {{"counter", Array::scalar<int64_t>(0)}, {"key", Array::scalar<int64_t>(seed)}});
  }

  /// Restarts the generator: key `seed`, counter 0 (a state write: checked like setValue).
  void seed(int64_t seed);
  /// The key (an i64 scalar tensor; traced under bst::jit).
  Tensor key() const;
  /// The counter: how many positions of the key's stream have been drawn (mod 2^64).
  Tensor counter() const;

  /// A new, independent generator: its key is the 64-bit Philox output at the parent's next
  /// position (which the parent consumes), its counter 0. Works eagerly and under bst::jit; a
  /// generator split inside a traced function belongs to that trace, like any state created
  /// there.
  RandomState split(StateOptions options = {});

  /// Raw random bits: i32 (one 32-bit word per element) or i64 (64 bits).
  Tensor bits(const Shape &shape, DType dtype = DType::i32);
  /// Uniform in [low, high) (up to the rounding of low + (high - low) * u), f32 or f64. The unit
  /// draw u is a multiple of 2^-24 (f32) or 2^-53 (f64) in [0, 1).
  Tensor uniform(const Shape &shape, double low = 0.0, double high = 1.0, DType dtype = DType::f32);
  /// Normal with `mean` and standard deviation `stddev` (Box-Muller on two words of each
  /// position's block: sqrt(-2 log(1 - u1)) cos(2 pi u2)), f32 or f64.
  Tensor normal(const Shape &shape, double mean = 0.0, double stddev = 1.0,
                DType dtype = DType::f32);
  /// true with probability p (0 <= p <= 1): u < p for an f64 unit draw u.
  Tensor bernoulli(double p, const Shape &shape);
  /// One bool per element of the f32 or f64 tensor `p` (probabilities), true with probability
  /// p[i]: u < p[i] for a unit draw u of p's dtype.
  Tensor bernoulli(const Tensor &p);
  /// Integers uniform in [low, high) (low < high), i32 or i64: low + floor(u (high - low)) for an
  /// f64 unit draw u, so the bias is at most (high - low) / 2^53; high - low at most 2^53.
  Tensor randint(int64_t low, int64_t high, const Shape &shape, DType dtype = DType::i32);

protected:
  RandomState(const StateKind &kind, Tree value, StateOptions options);

private:
  /// The key and counter, after checking the layout; `what` names the calling method.
  std::pair<Tensor, Tensor> read(const char *what) const;
  /// Writes the counter advanced by n.
  void advance(const Tensor &key, const Tensor &counter, int64_t n);
};

} // namespace bst

#endif // BST_TRANSFORM_RANDOM_H
