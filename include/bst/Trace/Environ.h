//===- bst/Trace/Environ.h - dt, t and i for the model code ---------*- C++ -*-===//
//
// The simulation environment a model reads instead of passing dt, the current time and the step
// index through every call (BrainState's `environ`):
//
//   bst::environ::set({.dt = 0.1});               // process-wide default
//   {
//     bst::environ::Scope fine({.dt = 0.01});     // this thread, until the end of the block
//     model.step();                               // reads bst::environ::dt()
//   }
//   bst::forLoop(n, [&] { ... bst::environ::i() ... bst::environ::t() ... });
//
// Inside forLoop (eager or compiled) i() is the step index and t() = t0 + i * dt, where t0 is
// the t() in force when the loop started (0 if none). dt is a C++ number, folded into the
// compiled code as a constant; bst::jit recompiles when a value it read changes. See
// docs/environ.md.
//
//===----------------------------------------------------------------------===//
#ifndef BST_TRACE_ENVIRON_H
#define BST_TRACE_ENVIRON_H

#include "bst/Support/Tensor.h"

#include <optional>
#include <string>
#include <vector>

namespace bst::environ {

/// Values to set; unset fields leave the current value in force.
struct Settings {
  /// The time step (in the model's time unit, e.g. ms).
  std::optional<double> dt;
  /// The current time (a scalar tensor; may be traced).
  std::optional<Tensor> t;
  /// The current step index (an integer scalar tensor; may be traced).
  std::optional<Tensor> i;
  /// 32 or 64: the floating dtype of t() (f32 or f64). Default 32.
  std::optional<int> precision;
};

/// Sets process-wide defaults (seen by every thread under its scopes). Throws bst::Error for a
/// dt that is not finite and positive, a t or i that is not a scalar (i: an integer), or a
/// precision other than 32 or 64.
void set(const Settings &settings);

/// Overrides values on this thread until destroyed (scopes nest; the innermost wins).
class Scope {
public:
  explicit Scope(const Settings &settings);
  ~Scope();
  Scope(const Scope &) = delete;
  Scope &operator=(const Scope &) = delete;
};

/// The time step. Throws bst::Error if none is set.
double dt();
/// The current time: the innermost t set, or inside forLoop t0 + i * dt (see above), as a scalar
/// of floatType(). Throws bst::Error if neither applies.
Tensor t();
/// The current step index: the innermost forLoop's, or the innermost i set. Throws bst::Error if
/// none.
Tensor i();
/// f32 or f64, from the precision setting.
DType floatType();

namespace detail {
/// A value read while tracing that the compiled code depends on (dt, or a concrete t, i or
/// precision), for bst::jit's cache key.
struct Read {
  std::string name;
  double value;
  friend bool operator==(const Read &, const Read &) = default;
};
struct Lookup;
/// Records the reads of this thread while alive (bst::jit wraps tracing in one).
class Recorder {
public:
  Recorder();
  ~Recorder();
  Recorder(const Recorder &) = delete;
  Recorder &operator=(const Recorder &) = delete;
  std::vector<Read> take();

private:
  std::vector<Read> reads_;
  Recorder *outer_;
  size_t depth_; // scopes opened before recording began: reads from them are recorded
  friend struct Lookup;
};
/// True if each read would give the same value now (for bst::jit's cache hits).
bool unchanged(const std::vector<Read> &reads);
} // namespace detail

} // namespace bst::environ

#endif // BST_TRACE_ENVIRON_H
