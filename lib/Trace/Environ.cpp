//===- Environ.cpp - dt, t and i --------------------------------------------===//
#include "bst/Trace/Environ.h"
#include "bst/Trace/Ops.h"

#include "absl/strings/str_cat.h"

#include <cmath>
#include <mutex>

namespace bst::environ {

namespace {
std::mutex globalMutex;
Settings globalSettings; // guarded by globalMutex
thread_local std::vector<Settings> scopes;
thread_local detail::Recorder *recorder = nullptr;

void validate(const Settings &s) {
  if (s.dt && !(std::isfinite(*s.dt) && *s.dt > 0))
    throw Error(ErrorCode::InvalidArgument,
                absl::StrCat("environ: dt must be finite and positive, got ", *s.dt));
  if (s.t && (s.t->rank() != 0 || !(s.t->dtype() == DType::f32 || s.t->dtype() == DType::f64)))
    throw Error(ErrorCode::InvalidArgument,
                absl::StrCat("environ: t must be a floating scalar, got ",
                             s.t->abstract().toString()));
  if (s.i && (s.i->rank() != 0 || !(s.i->dtype() == DType::i32 || s.i->dtype() == DType::i64)))
    throw Error(ErrorCode::InvalidArgument,
                absl::StrCat("environ: i must be an i32 or i64 scalar, got ",
                             s.i->abstract().toString()));
  if (s.precision && *s.precision != 32 && *s.precision != 64)
    throw Error(ErrorCode::InvalidArgument,
                absl::StrCat("environ: precision must be 32 or 64, got ", *s.precision));
}

double asDouble(const Tensor &t) { return cast(t, DType::f64).item<double>(); }
} // namespace

/// Finds values from the innermost scope outwards; `globals` is a copy taken under the mutex.
/// Reads resolved in scopes opened before the recorder started (or in the globals) are recorded
/// when `record` is set: the compiled code depends on them.
struct detail::Lookup {
  Settings globals;
  bool recording;

  Lookup(bool record) : recording(record && recorder) {
    std::lock_guard<std::mutex> lock(globalMutex);
    globals = globalSettings;
  }
  bool outside(int k) const { return k < static_cast<int>(recorder->depth_); }
  void note(int k, const char *name, const Tensor &value) {
    if (recording && outside(k) && !value.isTraced())
      note(k, name, asDouble(value));
  }
  void note(int k, const char *name, double value) {
    if (!recording || !outside(k))
      return;
    for (const Read &r : recorder->reads_)
      if (r.name == name)
        return;
    recorder->reads_.push_back({name, value});
  }

  /// Index -1 is the globals.
  const Settings &at(int k) const { return k < 0 ? globals : scopes[k]; }

  std::optional<double> dt() {
    for (int k = static_cast<int>(scopes.size()) - 1; k >= -1; --k)
      if (at(k).dt) {
        note(k, "dt", *at(k).dt);
        return at(k).dt;
      }
    return std::nullopt;
  }
  int precision() {
    for (int k = static_cast<int>(scopes.size()) - 1; k >= -1; --k)
      if (at(k).precision) {
        note(k, "precision", *at(k).precision);
        return *at(k).precision;
      }
    return 32;
  }
  std::optional<Tensor> i() {
    for (int k = static_cast<int>(scopes.size()) - 1; k >= -1; --k)
      if (at(k).i) {
        note(k, "i", *at(k).i);
        return at(k).i;
      }
    return std::nullopt;
  }
  /// t as seen from scope k and below: an explicit t, or the t below plus i * dt.
  std::optional<Tensor> t(int k, DType type) {
    for (; k >= -1; --k) {
      const Settings &s = at(k);
      if (s.t) {
        note(k, "t", *s.t);
        return cast(*s.t, type);
      }
      if (s.i) {
        note(k, "i", *s.i);
        std::optional<double> step = dt();
        if (!step)
          throw Error(ErrorCode::InvalidArgument,
                      "environ::t(): t is counted from the step index i, but dt is not set; "
                      "set it with bst::environ::set({.dt = ...}) or a bst::environ::Scope");
        std::optional<Tensor> base = t(k - 1, type);
        Tensor elapsed = cast(*s.i, type) * *step;
        return base ? *base + elapsed : elapsed;
      }
    }
    return std::nullopt;
  }
};

void set(const Settings &settings) {
  validate(settings);
  std::lock_guard<std::mutex> lock(globalMutex);
  if (settings.dt)
    globalSettings.dt = settings.dt;
  if (settings.t)
    globalSettings.t = settings.t;
  if (settings.i)
    globalSettings.i = settings.i;
  if (settings.precision)
    globalSettings.precision = settings.precision;
}

Scope::Scope(const Settings &settings) {
  validate(settings);
  scopes.push_back(settings);
}

Scope::~Scope() { scopes.pop_back(); }

double dt() {
  if (std::optional<double> v = detail::Lookup(true).dt())
    return *v;
  throw Error(ErrorCode::InvalidArgument,
              "environ::dt() is not set: set it with bst::environ::set({.dt = 0.1}) or "
              "bst::environ::Scope scope({.dt = 0.1})");
}

DType floatType() { return detail::Lookup(true).precision() == 64 ? DType::f64 : DType::f32; }

Tensor i() {
  if (std::optional<Tensor> v = detail::Lookup(true).i())
    return *v;
  throw Error(ErrorCode::InvalidArgument,
              "environ::i() is not set: it is the step index inside bst::forLoop, or set it with "
              "bst::environ::Scope scope({.i = ...})");
}

Tensor t() {
  detail::Lookup lookup(true);
  DType type = lookup.precision() == 64 ? DType::f64 : DType::f32;
  if (std::optional<Tensor> v = lookup.t(static_cast<int>(scopes.size()) - 1, type))
    return *v;
  throw Error(ErrorCode::InvalidArgument,
              "environ::t() is not set: read it inside bst::forLoop (t = t0 + i * dt) or set it "
              "with bst::environ::set({.t = ...}) or a bst::environ::Scope");
}

detail::Recorder::Recorder() : outer_(recorder), depth_(scopes.size()) { recorder = this; }

detail::Recorder::~Recorder() { recorder = outer_; }

std::vector<detail::Read> detail::Recorder::take() { return std::move(reads_); }

bool detail::unchanged(const std::vector<Read> &reads) {
  Lookup lookup(false);
  for (const Read &r : reads) {
    std::optional<double> now;
    if (r.name == "dt") {
      now = lookup.dt();
    } else if (r.name == "precision") {
      now = lookup.precision();
    } else if (r.name == "i") {
      std::optional<Tensor> i = lookup.i();
      if (i && !i->isTraced())
        now = asDouble(*i);
    } else if (r.name == "t") {
      // The t a traced read resolved to: the innermost explicit one.
      for (int k = static_cast<int>(scopes.size()) - 1; k >= -1 && !now; --k)
        if (lookup.at(k).t && !lookup.at(k).t->isTraced())
          now = asDouble(*lookup.at(k).t);
    }
    if (!now || *now != r.value)
      return false;
  }
  return true;
}

} // namespace bst::environ
