//===- bst/Jit/Jit.h - bst::jit -------------------------------------*- C++ -*-===//
//
// bst::jit(f) turns a step function written against bst's tensor API into a compiled one. The
// first call with a new argument signature traces f (states read become inputs, states written
// become in-place outputs), lowers the trace to MLIR, compiles it with LLVM for the host CPU and
// caches it; later calls with the same argument signature only bind buffers and call the machine
// code, updating the states in place.
//
//   auto step = bst::jit([&](const bst::Tensor &input) { return lif(input); });
//   for (int k = 0; k < 10000; ++k) step(input);
//
//===----------------------------------------------------------------------===//
#ifndef BST_JIT_JIT_H
#define BST_JIT_JIT_H

#include "bst/Runtime/Manifest.h"
#include "bst/Trace/Tracer.h"

#include "absl/container/inlined_vector.h"
#include "absl/functional/function_ref.h"

#include <cstring>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace bst {

/// How bst::jit compiles.
struct JitOptions {
  /// The name of the compiled function (MLIR symbol, manifest, AOT library entry point).
  std::string name = "step";
  /// LLVM optimisation level, 0 to 3.
  int optLevel = 3;
};

/// One buffer of a compiled function's calling convention, as exported.
struct ManifestSlot {
  std::string role; ///< "argument", "state", "capture" or "result"
  std::string name; ///< e.g. "arg0", "lif.v", "result"
  std::string kind; ///< state kind for state slots
  AbstractArray type;
  bool read = false, written = false;
};

/// What `jitted.lower(args)` returns: the tensor-level MLIR module and its manifest.
struct Lowered {
  /// Version of the manifest format; bumped on incompatible changes.
  static constexpr int kFormatVersion = 1;
  std::string name;
  std::string mlir;
  /// The slots in calling-convention order (the compiled entry takes one pointer per slot).
  std::vector<ManifestSlot> slots;
  /// The errorIf checks compiled into the function (see bst/Runtime/Manifest.h).
  std::vector<runtime::CheckInfo> checks;
  /// The trace IR, for inspection.
  std::string program;
  /// The manifest as JSON: {"format_version": 1, "function": ..., "slots": [...]}.
  std::string manifestJson() const;
  /// The values of the capture slots (arrays the function closed over), by slot
  /// index.
  std::vector<std::pair<size_t, Array>> captures;

  /// Writes the exported module to `path` (atomically): one `.mlir` file whose
  /// module carries the manifest as the attribute `bst.manifest` and the
  /// captures' values as constants. `bstc` compiles it ahead of time;
  /// bst::Engine JIT-compiles it. Throws bst::Error if the file cannot be
  /// written.
  void save(const std::string &path) const;
  /// Reads a file written by save(): `mlir` is the exported module, `slots` its
  /// manifest's; `program` and `captures` are empty (the captures are
  /// embedded). Throws bst::Error (code Load) with `path:line:col:` diagnostics
  /// for a missing or malformed file.
  static Lowered load(const std::string &path);
};

/// Timings of the most recent compile of a jitted function, in milliseconds.
struct CompileStats {
  double traceMs = 0, lowerMs = 0, pipelineMs = 0, llvmMs = 0;
  double totalMs() const { return traceMs + lowerMs + pipelineMs + llvmMs; }
};

namespace detail {

/// A static (non-tensor) argument: part of the cache key by value.
struct StaticArg {
  uint64_t bits;
  uint8_t type; // 0 bool, 1 signed integer, 2 unsigned integer, 3 floating
  friend bool operator==(const StaticArg &a, const StaticArg &b) {
    return a.bits == b.bits && a.type == b.type;
  }
};

/// The call arguments flattened: concrete leaves (pointing into the caller's arguments, which
/// outlive the call), their tree structures, static values. Building it never allocates for up
/// to 8 leaves.
struct CallArgs {
  absl::InlinedVector<const Array *, 8> leaves;
  absl::InlinedVector<const Tree *, 4> trees; // Tree arguments, in order (null for a Tensor)
  absl::InlinedVector<StaticArg, 4> statics;
  bool traced = false; // Some argument is traced: the call traces through instead.
};

/// Calls the user's function on traced trees (used only on a cache miss).
using TraceRef = absl::FunctionRef<Tree(const std::vector<Tree> &)>;

/// The type-erased core of a jitted function: the cache and the call path.
/// Thread safety: calls and compiles may come from several threads; compiles are serialised per
/// function, and calls that touch the same states are serialised by the states' locks.
class JitCore {
public:
  JitCore(JitOptions options);
  ~JitCore();

  /// Calls the compiled function for `args`, compiling on a cache miss with `trace` (which
  /// calls the user's function on traced trees). Returns the result leaves' tree.
  Tree call(const CallArgs &args, TraceRef trace);
  /// The result of a call whose result is a single tensor, without building a Tree.
  Tensor callSingle(const CallArgs &args, TraceRef trace);
  /// A call whose function returns nothing.
  void callVoid(const CallArgs &args, TraceRef trace);
  Lowered lower(const CallArgs &args, TraceRef trace);
  size_t cacheSize() const;
  void clearCache();
  CompileStats lastCompile() const;

  struct Entry; // One compiled version (defined in Jit.cpp).

private:
  struct State;
  Entry &lookup(const CallArgs &args, TraceRef trace);
  void run(Entry &entry, const CallArgs &args, Tensor *results);
  std::unique_ptr<State> state_;
};

template <class T> constexpr bool isTensorLike() {
  return std::is_same_v<T, Tensor> || std::is_same_v<T, Array>;
}

template <class T> void addArg(CallArgs &out, const T &arg) {
  if constexpr (std::is_same_v<T, Array>) {
    out.leaves.push_back(&arg);
    out.trees.push_back(nullptr);
  } else if constexpr (std::is_same_v<T, Tensor>) {
    out.traced |= arg.isTraced();
    out.leaves.push_back(arg.isTraced() ? nullptr : &arg.array());
    out.trees.push_back(nullptr);
  } else if constexpr (std::is_same_v<T, Tree>) {
    for (size_t i = 0, n = arg.numLeaves(); i < n; ++i) {
      const Tensor &t = arg.leafAt(i);
      out.traced |= t.isTraced();
      out.leaves.push_back(t.isTraced() ? nullptr : &t.array());
    }
    out.trees.push_back(&arg);
  } else if constexpr (std::is_arithmetic_v<T>) {
    StaticArg s{0, 0};
    if constexpr (std::is_same_v<T, bool>) {
      s = {arg ? 1u : 0u, 0};
    } else if constexpr (std::is_floating_point_v<T>) {
      double d = arg;
      std::memcpy(&s.bits, &d, sizeof d);
      s.type = 3;
    } else if constexpr (std::is_signed_v<T>) {
      s = {static_cast<uint64_t>(static_cast<int64_t>(arg)), 1};
    } else {
      s = {static_cast<uint64_t>(arg), 2};
    }
    out.statics.push_back(s);
  } else {
    static_assert(!sizeof(T), "bst::jit arguments are Tensors, Arrays, Trees or arithmetic "
                              "static arguments");
  }
}

/// Converts the i-th traced tree back to the type the user's function takes.
template <class T> decltype(auto) toParam(const Tree &traced, const T &original) {
  if constexpr (isTensorLike<T>())
    return static_cast<Tensor>(traced.leaf());
  else if constexpr (std::is_same_v<T, Tree>)
    return traced;
  else
    return original; // a static argument is passed as it was given
}

template <class R> Tree resultToTree(R &&r) {
  using T = std::decay_t<R>;
  if constexpr (std::is_same_v<T, std::vector<Tensor>>)
    return Tree::list(std::vector<Tree>(r.begin(), r.end()));
  else
    return Tree(std::forward<R>(r));
}

} // namespace detail

/// A jitted function: call it like the original. Copies share one compile cache.
template <class F> class Jitted {
public:
  Jitted(F fn, JitOptions options)
      : fn_(std::make_shared<F>(std::move(fn))),
        core_(std::make_shared<detail::JitCore>(std::move(options))) {}

  /// Runs the compiled function (compiling it first for a new argument signature). Arguments
  /// are Tensors or Arrays (traced), Trees (traced leaf by leaf) or arithmetic values (static:
  /// each distinct value compiles its own version). Returns what `fn` returns: nothing, a
  /// Tensor, or a Tree.
  template <class... Args> auto operator()(const Args &...args) {
    detail::CallArgs call = collect(args...);
    using R = std::invoke_result_t<F &, decltype(detail::toParam(
                                            std::declval<const Tree &>(), args))...>;
    auto trace = makeTrace<R>(args...);
    if constexpr (std::is_void_v<R>) {
      if (call.traced) // Inside another trace: trace through, nothing to compile.
        return (void)trace(tracedArgs(args...));
      core_->callVoid(call, trace);
    } else if constexpr (detail::isTensorLike<std::decay_t<R>>()) {
      if (call.traced)
        return trace(tracedArgs(args...)).leaf();
      return core_->callSingle(call, trace);
    } else {
      if (call.traced)
        return trace(tracedArgs(args...));
      return core_->call(call, trace);
    }
  }

  /// The MLIR module and manifest for arguments like `args` (compiling if needed).
  template <class... Args> Lowered lower(const Args &...args) {
    using R = std::invoke_result_t<F &, decltype(detail::toParam(
                                            std::declval<const Tree &>(), args))...>;
    return core_->lower(collect(args...), makeTrace<R>(args...));
  }

  /// Number of compiled versions in the cache.
  size_t cacheSize() const { return core_->cacheSize(); }
  /// Drops every compiled version; the next call compiles again.
  void clearCache() { core_->clearCache(); }
  /// Timings of the most recent compile.
  CompileStats lastCompile() const { return core_->lastCompile(); }

private:
  template <class... Args> static detail::CallArgs collect(const Args &...args) {
    detail::CallArgs call;
    (detail::addArg(call, args), ...);
    return call;
  }

  /// The tensor and tree arguments as trees, for calling the trace function directly.
  template <class... Args> static std::vector<Tree> tracedArgs(const Args &...args) {
    std::vector<Tree> out;
    auto add = [&](const auto &a) {
      using T = std::decay_t<decltype(a)>;
      if constexpr (detail::isTensorLike<T>() || std::is_same_v<T, Tree>)
        out.push_back(Tree(a));
    };
    (add(args), ...);
    return out;
  }

  template <class R, class... Args> auto makeTrace(const Args &...args) {
    return [this, &args...](const std::vector<Tree> &traced) -> Tree {
      return invoke<R>(traced, std::index_sequence_for<Args...>{}, args...);
    };
  }

  template <class R, size_t... I, class... Args>
  Tree invoke(const std::vector<Tree> &traced, std::index_sequence<I...>, const Args &...args) {
    // `traced` holds one tree per tensor or Tree argument; static arguments have none.
    size_t next = 0;
    auto param = [&](const auto &original) -> decltype(auto) {
      using T = std::decay_t<decltype(original)>;
      if constexpr (detail::isTensorLike<T>() || std::is_same_v<T, Tree>)
        return detail::toParam(traced[next++], original);
      else
        return detail::toParam(Tree(), original);
    };
    if constexpr (std::is_void_v<R>) {
      std::apply([&](auto &&...p) { (*fn_)(p...); }, std::tuple{param(args)...});
      return Tree::list({});
    } else {
      return std::apply([&](auto &&...p) { return detail::resultToTree((*fn_)(p...)); },
                        std::tuple{param(args)...});
    }
  }

  std::shared_ptr<F> fn_;
  std::shared_ptr<detail::JitCore> core_;
};

/// Compiles `fn` on first call; see Jitted.
template <class F> Jitted<F> jit(F fn, JitOptions options = {}) {
  return Jitted<F>(std::move(fn), std::move(options));
}

} // namespace bst

#endif // BST_JIT_JIT_H
