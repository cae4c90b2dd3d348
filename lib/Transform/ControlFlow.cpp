//===- ControlFlow.cpp - Eager and traced control flow --------------------===//
#include "bst/Transform/ControlFlow.h"
#include "bst/Trace/Apply.h"
#include "bst/Trace/Environ.h"
#include "bst/Trace/Ops.h"
#include "bst/Trace/Tracer.h"

#include "absl/strings/str_cat.h"

#include <algorithm>

namespace bst {

namespace {
/// Checks that `t` is a scalar of an accepted dtype; `what` names the construct and argument.
void checkScalar(const Tensor &t, const char *what, bool integer) {
  bool ok = t.rank() == 0 &&
            (integer ? (t.dtype() == DType::i32 || t.dtype() == DType::i64)
                     : t.dtype() == DType::boolean);
  if (!ok)
    throw Error(ErrorCode::InvalidArgument,
                absl::StrCat(what, " must be ", integer ? "an i32 or i64" : "a bool",
                             " scalar, but it is ", t.abstract().toString(), "; ",
                             integer ? "cast it with bst::cast(x, bst::i32)"
                                     : "compare it (x > 0.f) or reduce it (bst::reduceMax)"));
}

int64_t integerValue(const Tensor &t) {
  return t.dtype() == DType::i32 ? t.item<int32_t>() : t.item<int64_t>();
}
} // namespace

void detail::forLoopImpl(int64_t n, const std::function<void(const Tensor &)> &body,
                         const ForLoopOptions &options) {
  if (n < 0)
    throw Error(ErrorCode::InvalidArgument,
                absl::StrCat("forLoop: the number of steps must not be negative, got ", n));
  if (detail::isTracing()) {
    detail::traceForLoop(n, {}, [&](const Tensor &i, const std::vector<Tensor> &) {
      environ::Scope step({.i = i});
      if (options.progress)
        detail::apply(OpKind::Progress, {i}, {.count = n});
      body(i);
      return detail::LoopValues{};
    });
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    Tensor index = Array::scalar<int64_t>(i);
    environ::Scope step({.i = index});
    if (options.progress)
      detail::apply(OpKind::Progress, {index}, {.count = n});
    body(index);
  }
}

namespace {
/// Row i of every leaf of `xs` (each of rank >= 1), as a tree of the same structure.
Tree rowOf(const Tree &xs, const Tensor &i) {
  return xs.map([&](const Tensor &x) {
    std::vector<int64_t> sizes = x.shape().toVector();
    sizes[0] = 1;
    std::vector<DynamicIndex> at(sizes.size(), DynamicIndex(int64_t{0}));
    at[0] = DynamicIndex(i);
    std::vector<int64_t> rest(sizes.begin() + 1, sizes.end());
    return reshape(dynamicSlice(x, at, sizes), rest);
  });
}

/// The signature of one row of `xs` (each leaf without its leading axis).
Signature rowSignature(const Tree &xs) {
  return xs.map([](const Tensor &x) {
             std::vector<int64_t> rest = x.shape().toVector();
             rest.erase(rest.begin());
             return Tensor(Array(Shape(rest), x.dtype()));
           })
      .signature();
}

/// The number of steps a scan over `xs` takes: the common first extent of its leaves.
int64_t scanLength(const Tree &xs) {
  int64_t n = -1;
  std::string first;
  xs.forEachLeaf([&](const std::string &path, const Tensor &x) {
    std::string name = absl::StrCat("xs", path.empty() || path[0] == '[' ? "" : ".", path);
    if (x.rank() == 0)
      throw Error(ErrorCode::InvalidArgument,
                  absl::StrCat("scan: ", name, " is a scalar (", x.abstract().toString(),
                               "); every leaf of xs needs a leading axis to scan over (use "
                               "scan(body, init, length) to scan without xs)"));
    int64_t len = x.shape().toVector()[0];
    if (n >= 0 && len != n)
      throw Error(ErrorCode::InvalidArgument,
                  absl::StrCat("scan: the leaves of xs must have the same leading extent, but ",
                               first, " has ", n, " and ", name, " has ", len));
    if (n < 0) {
      n = len;
      first = name;
    }
  });
  if (n < 0)
    throw Error(ErrorCode::InvalidArgument,
                "scan: xs has no leaves, so the number of steps is unknown; use "
                "scan(body, init, length)");
  return n;
}

/// Checks that a step's carry has init's structure and leaf types.
void checkCarry(const Signature &init, const Tree &carry) {
  if (!init.matches(carry))
    throw Error(ErrorCode::InvalidArgument,
                absl::StrCat("scan: the body must return a carry like init (", init.toString(),
                             "), but ", init.describeMismatch(carry),
                             "; cast or reshape it in the body"));
}

/// Stacks per-step trees of equal structure along a new leading axis.
Tree stack(const std::vector<Tree> &steps) {
  TreeDef def = steps.front().def();
  std::vector<Tensor> out;
  for (size_t leaf = 0; leaf < def.numLeaves(); ++leaf) {
    std::vector<Tensor> rows;
    for (const Tree &t : steps) {
      if (t.def() != def || t.leafAt(leaf).abstract() != steps.front().leafAt(leaf).abstract())
        throw Error(ErrorCode::InvalidArgument,
                    absl::StrCat("scan: the body returned ", t.signature().toString(),
                                 " as y at one step and ", steps.front().signature().toString(),
                                 " at step 0; y must keep its structure, shapes and dtypes"));
      std::vector<int64_t> row{1};
      for (int64_t d : t.leafAt(leaf).shape().toVector())
        row.push_back(d);
      rows.push_back(reshape(t.leafAt(leaf), row));
    }
    out.push_back(concatenate(rows, 0));
  }
  return def.unflatten(std::move(out));
}
} // namespace

ScanResult detail::scanImpl(const Tree &init, const Tree *xs, int64_t length,
                            const ScanBody &body) {
  int64_t n = xs ? scanLength(*xs) : length;
  if (n < 0)
    throw Error(ErrorCode::InvalidArgument,
                absl::StrCat("scan: the number of steps must not be negative, got ", n));
  Signature initSig = init.signature();
  auto step = [&](const Tree &carry, const Tensor &i) {
    environ::Scope stepIndex({.i = i});
    ScanResult r = xs ? body(carry, rowOf(*xs, i)) : body(carry, i);
    checkCarry(initSig, r.carry);
    return r;
  };
  if (detail::isTracing()) {
    TreeDef yDef;
    detail::LoopValues out = detail::traceForLoop(
        n, init.leaves(), [&](const Tensor &i, const std::vector<Tensor> &carry) {
          ScanResult r = step(initSig.def().unflatten(carry), i);
          yDef = r.ys.def();
          return detail::LoopValues{r.carry.leaves(), r.ys.leaves()};
        });
    return {initSig.def().unflatten(std::move(out.carry)), yDef.unflatten(std::move(out.stacked))};
  }
  if (n == 0) {
    // No step runs, but ys still needs its structure and types: trace one step (tracing
    // changes no state) and return zero-length arrays of them.
    TreeDef yDef;
    TracedFunction probe = traceFunction(
        [&](const std::vector<Tree> &args) {
          Tree x = xs ? args[1] : Tree(Tensor(Array::scalar<int64_t>(0)));
          ScanResult r = xs ? body(args[0], x) : body(args[0], x.leaf());
          checkCarry(initSig, r.carry);
          yDef = r.ys.def();
          return r.ys;
        },
        xs ? std::vector<Signature>{initSig, rowSignature(*xs)} : std::vector<Signature>{initSig});
    std::vector<Tensor> empty(yDef.numLeaves());
    for (const Slot &s : probe.program.slots())
      if (s.role == SlotRole::Result) {
        std::vector<int64_t> dims{0};
        for (int64_t d : s.type.shape.toVector())
          dims.push_back(d);
        empty[s.index] = Array(Shape(dims), s.type.dtype);
      }
    return {init, yDef.unflatten(std::move(empty))};
  }
  Tree carry = init;
  std::vector<Tree> ys;
  for (int64_t i = 0; i < n; ++i) {
    ScanResult r = step(carry, Array::scalar<int64_t>(i));
    carry = std::move(r.carry);
    ys.push_back(std::move(r.ys));
  }
  return {carry, stack(ys)};
}

void whileLoop(const std::function<Tensor()> &cond, const std::function<void()> &body) {
  if (detail::isTracing()) {
    detail::traceWhileLoop(cond, body);
    return;
  }
  while (true) {
    Tensor keepGoing = cond();
    checkScalar(keepGoing, "whileLoop: the condition's result", false);
    if (!keepGoing.item<bool>())
      return;
    body();
  }
}

void switchCase(const Tensor &index, const std::vector<std::function<void()>> &branches) {
  if (branches.empty())
    throw Error(ErrorCode::InvalidArgument, "switchCase: give at least one branch");
  checkScalar(index, "switchCase: the index", true);
  if (index.isTraced()) {
    detail::traceSwitch(index, branches);
    return;
  }
  int64_t last = static_cast<int64_t>(branches.size()) - 1;
  branches[std::clamp<int64_t>(integerValue(index), 0, last)]();
}

void cond(const Tensor &pred, const std::function<void()> &thenBody,
          const std::function<void()> &elseBody) {
  checkScalar(pred, "cond: the predicate", false);
  if (pred.isTraced()) {
    // Branch 0 runs for index 0 (false), branch 1 for index 1 (true).
    detail::traceSwitch(cast(pred, DType::i32), {elseBody, thenBody});
    return;
  }
  if (pred.item<bool>())
    thenBody();
  else
    elseBody();
}

} // namespace bst
