//===- OpTypes.cpp - Names, attributes and type rules of the primitives ---===//
//
// inferType is the single place that decides which operands a primitive
// accepts. The public ops of Ops.cpp check user input first and give messages
// in the user's terms; these checks are the backstop for the tracer, the
// verifier and direct users of detail::apply, so their messages name the
// primitive, every operand type and the attributes involved.
//
//===----------------------------------------------------------------------===//
#include "bst/Trace/Op.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include <algorithm>
#include <string>

namespace bst {

const char *opName(OpKind kind) {
  switch (kind) {
  case OpKind::Neg:
    return "neg";
  case OpKind::Abs:
    return "abs";
  case OpKind::Sign:
    return "sign";
  case OpKind::Exp:
    return "exp";
  case OpKind::Log:
    return "log";
  case OpKind::Log1p:
    return "log1p";
  case OpKind::Expm1:
    return "expm1";
  case OpKind::Sqrt:
    return "sqrt";
  case OpKind::Rsqrt:
    return "rsqrt";
  case OpKind::Tanh:
    return "tanh";
  case OpKind::Sigmoid:
    return "sigmoid";
  case OpKind::Sin:
    return "sin";
  case OpKind::Cos:
    return "cos";
  case OpKind::Floor:
    return "floor";
  case OpKind::Ceil:
    return "ceil";
  case OpKind::Round:
    return "round";
  case OpKind::Not:
    return "not";
  case OpKind::Add:
    return "add";
  case OpKind::Sub:
    return "sub";
  case OpKind::Mul:
    return "mul";
  case OpKind::Div:
    return "div";
  case OpKind::Pow:
    return "pow";
  case OpKind::Min:
    return "min";
  case OpKind::Max:
    return "max";
  case OpKind::And:
    return "and";
  case OpKind::Or:
    return "or";
  case OpKind::Lt:
    return "lt";
  case OpKind::Le:
    return "le";
  case OpKind::Gt:
    return "gt";
  case OpKind::Ge:
    return "ge";
  case OpKind::Eq:
    return "eq";
  case OpKind::Ne:
    return "ne";
  case OpKind::Select:
    return "select";
  case OpKind::Cast:
    return "cast";
  case OpKind::Constant:
    return "constant";
  case OpKind::Iota:
    return "iota";
  case OpKind::BroadcastInDim:
    return "broadcast_in_dim";
  case OpKind::Reshape:
    return "reshape";
  case OpKind::Transpose:
    return "transpose";
  case OpKind::Concatenate:
    return "concatenate";
  case OpKind::Slice:
    return "slice";
  case OpKind::DynamicSlice:
    return "dynamic_slice";
  case OpKind::DynamicUpdateSlice:
    return "dynamic_update_slice";
  case OpKind::Gather:
    return "gather";
  case OpKind::ScatterAdd:
    return "scatter_add";
  case OpKind::ReduceSum:
    return "reduce_sum";
  case OpKind::ReduceMax:
    return "reduce_max";
  case OpKind::ReduceMin:
    return "reduce_min";
  case OpKind::ArgMax:
    return "argmax";
  case OpKind::MatMul:
    return "matmul";
  case OpKind::EventSum:
    return "event_sum";
  case OpKind::Philox:
    return "philox";
  case OpKind::Progress:
    return "progress";
  case OpKind::ForLoop:
    return "for_loop";
  case OpKind::WhileLoop:
    return "while_loop";
  case OpKind::Switch:
    return "switch";
  }
  return "<unknown op>";
}

bool operator==(const OpAttrs &a, const OpAttrs &b) {
  return a.shape == b.shape && a.axes == b.axes && a.starts == b.starts &&
         a.limits == b.limits && a.strides == b.strides && a.axis == b.axis &&
         a.dtype == b.dtype && a.count == b.count && a.constant.equals(b.constant);
}

namespace {

/// "[0,2,1]".
std::string listStr(const std::vector<int64_t> &v) {
  return absl::StrCat("[", absl::StrJoin(v, ","), "]");
}

/// Builds the errors of one inferType call: "op(f32[4], f32[3]): problem; fix".
class TypeChecker {
public:
  TypeChecker(OpKind kind, const std::vector<AbstractArray> &operands,
              const OpAttrs &attrs)
      : kind(kind), ops(operands), attrs(attrs) {}

  [[noreturn]] void fail(const std::string &problem,
                         const std::string &fix) const {
    std::vector<std::string> types;
    for (const AbstractArray &t : ops)
      types.push_back(t.toString());
    throw Error(ErrorCode::InvalidArgument,
                absl::StrCat(opName(kind), "(", absl::StrJoin(types, ", "),
                             "): ", problem, "; ", fix));
  }

  void expectCount(size_t n) const {
    if (ops.size() != n)
      fail(absl::StrCat("takes ", n, " operand", n == 1 ? "" : "s", ", got ",
                        ops.size()),
           "pass exactly the operands listed in bst/Trace/Op.h");
  }

  void expectSameShapes() const {
    for (size_t i = 1; i < ops.size(); ++i)
      if (ops[i].shape != ops[0].shape)
        fail("operands must have equal shapes",
             "broadcast them first (the public ops such as bst::add and "
             "bst::where do this for you)");
  }

  void expectSameDTypes(size_t from = 0) const {
    for (size_t i = from + 1; i < ops.size(); ++i)
      if (ops[i].dtype != ops[from].dtype)
        fail("operands must have equal dtypes",
             "cast them to a common dtype first (the public ops promote for "
             "you)");
  }

  void expectFloating(const AbstractArray &t) const {
    if (!isFloating(t.dtype))
      fail(absl::StrCat("needs a floating operand (f32 or f64), got ",
                        dtypeName(t.dtype)),
           "cast to f32 or f64 first");
  }

  void expectBool(const AbstractArray &t) const {
    if (t.dtype != DType::boolean)
      fail(absl::StrCat("needs bool operands, got ", dtypeName(t.dtype)),
           "compare first (e.g. x != 0) or cast to bool");
  }

  void expectNumeric(const AbstractArray &t) const {
    if (t.dtype == DType::boolean)
      fail("is not defined on bool",
           "cast to i32 or f32 first, or use the logical ops");
  }

  void expectIndexType(const AbstractArray &t, const char *what) const {
    if (t.dtype != DType::i32 && t.dtype != DType::i64)
      fail(absl::StrCat(what, " must be i32 or i64, got ", t.toString()),
           "cast the indices to i32 or i64");
  }

  /// Checks a single axis attribute against `rank`.
  void expectAxis(int64_t axis, size_t rank, const char *what) const {
    if (axis < 0 || axis >= static_cast<int64_t>(rank))
      fail(absl::StrCat(what, " ", axis, " is out of range for rank ", rank),
           rank == 0 ? "this op needs an operand of rank >= 1"
                     : absl::StrCat("use an axis in [0, ", rank, ")"));
  }

  /// Checks that `shape` has no negative extent and returns it as a Shape.
  Shape checkedShape(const std::vector<int64_t> &shape) const {
    for (int64_t d : shape)
      if (d < 0)
        fail(absl::StrCat("result shape ", listStr(shape),
                          " has a negative extent"),
             "give every extent as a non-negative number");
    return Shape(shape);
  }

  OpKind kind;
  const std::vector<AbstractArray> &ops;
  const OpAttrs &attrs;
};

bool isUnary(OpKind k) { return k >= OpKind::Neg && k <= OpKind::Not; }
bool isBinary(OpKind k) { return k >= OpKind::Add && k <= OpKind::Or; }
bool isCompare(OpKind k) { return k >= OpKind::Lt && k <= OpKind::Ne; }

AbstractArray inferUnary(const TypeChecker &c) {
  c.expectCount(1);
  const AbstractArray &x = c.ops[0];
  switch (c.kind) {
  case OpKind::Not:
    c.expectBool(x);
    break;
  case OpKind::Neg:
  case OpKind::Abs:
  case OpKind::Sign:
    c.expectNumeric(x);
    break;
  default:
    c.expectFloating(x);
    break;
  }
  return x;
}

AbstractArray inferBinary(const TypeChecker &c) {
  c.expectCount(2);
  c.expectSameShapes();
  c.expectSameDTypes();
  const AbstractArray &x = c.ops[0];
  if (c.kind == OpKind::And || c.kind == OpKind::Or)
    c.expectBool(x);
  else if (c.kind != OpKind::Min && c.kind != OpKind::Max && !isCompare(c.kind))
    c.expectNumeric(x);
  if (isCompare(c.kind))
    return {x.shape, DType::boolean};
  return x;
}

AbstractArray inferSelect(const TypeChecker &c) {
  c.expectCount(3);
  if (c.ops[0].dtype != DType::boolean)
    c.fail(
        absl::StrCat("the condition must be bool, got ", c.ops[0].toString()),
        "compare first (e.g. x != 0) or cast the condition to bool");
  c.expectSameShapes();
  c.expectSameDTypes(1);
  return c.ops[1];
}

AbstractArray inferIota(const TypeChecker &c) {
  c.expectCount(0);
  Shape shape = c.checkedShape(c.attrs.shape);
  if (c.attrs.dtype == DType::boolean)
    c.fail("cannot produce bool", "use i32, i64, f32 or f64");
  c.expectAxis(c.attrs.axis, shape.rank(), "axis");
  return {shape, c.attrs.dtype};
}

AbstractArray inferBroadcastInDim(const TypeChecker &c) {
  c.expectCount(1);
  const AbstractArray &x = c.ops[0];
  Shape shape = c.checkedShape(c.attrs.shape);
  const std::vector<int64_t> &axes = c.attrs.axes;
  std::string where =
      absl::StrCat("to ", shape.toString(), " with axes ", listStr(axes));
  if (axes.size() != x.shape.rank())
    c.fail(absl::StrCat(where, ": needs one axis per operand dimension (",
                        x.shape.rank(), ")"),
           "list, for each operand dimension, the result dimension it maps to");
  for (size_t i = 0; i < axes.size(); ++i) {
    if (axes[i] < 0 || axes[i] >= static_cast<int64_t>(shape.rank()))
      c.fail(absl::StrCat(where, ": axis ", axes[i],
                          " is out of range for result rank ", shape.rank()),
             "use result dimensions in [0, result rank)");
    if (i > 0 && axes[i] <= axes[i - 1])
      c.fail(absl::StrCat(where, ": axes must be strictly increasing"),
             "keep the operand's dimensions in order (transpose first if "
             "needed)");
    int64_t from = x.shape[i], to = shape[axes[i]];
    if (from != to && from != 1)
      c.fail(absl::StrCat(where, ": operand dimension ", i, " has extent ",
                          from, " but result dimension ", axes[i],
                          " has extent ", to),
             "an operand extent must equal the result extent or be 1");
  }
  return {shape, x.dtype};
}

AbstractArray inferReshape(const TypeChecker &c) {
  c.expectCount(1);
  const AbstractArray &x = c.ops[0];
  Shape shape = c.checkedShape(c.attrs.shape);
  if (shape.numElements() != x.shape.numElements())
    c.fail(absl::StrCat("cannot reshape ", x.shape.numElements(),
                        " elements to ", shape.toString(), " (",
                        shape.numElements(), " elements)"),
           "choose a shape with the same number of elements");
  return {shape, x.dtype};
}

AbstractArray inferTranspose(const TypeChecker &c) {
  c.expectCount(1);
  const AbstractArray &x = c.ops[0];
  const std::vector<int64_t> &perm = c.attrs.axes;
  size_t rank = x.shape.rank();
  std::vector<bool> seen(rank, false);
  bool ok = perm.size() == rank;
  for (size_t i = 0; ok && i < perm.size(); ++i) {
    ok = perm[i] >= 0 && perm[i] < static_cast<int64_t>(rank) && !seen[perm[i]];
    if (ok)
      seen[perm[i]] = true;
  }
  if (!ok)
    c.fail(absl::StrCat("axes ", listStr(perm), " are not a permutation of 0..",
                        static_cast<int64_t>(rank) - 1),
           absl::StrCat("list each of the ", rank, " axes exactly once"));
  std::vector<int64_t> dims(rank);
  for (size_t i = 0; i < rank; ++i)
    dims[i] = x.shape[perm[i]];
  return {Shape(dims), x.dtype};
}

AbstractArray inferConcatenate(const TypeChecker &c) {
  if (c.ops.empty())
    c.fail("needs at least one operand", "pass one or more arrays");
  const AbstractArray &x = c.ops[0];
  size_t rank = x.shape.rank();
  c.expectAxis(c.attrs.axis, rank, "axis");
  c.expectSameDTypes();
  std::vector<int64_t> dims = x.shape.toVector();
  for (size_t i = 1; i < c.ops.size(); ++i) {
    const Shape &s = c.ops[i].shape;
    bool ok = s.rank() == rank;
    for (size_t d = 0; ok && d < rank; ++d)
      ok = static_cast<int64_t>(d) == c.attrs.axis || s[d] == x.shape[d];
    if (!ok)
      c.fail(absl::StrCat("along axis ", c.attrs.axis,
                          ", operands must have equal ranks and equal extents "
                          "on every other axis"),
             "reshape or slice the operands so only the concatenation axis "
             "differs");
    dims[c.attrs.axis] += s[c.attrs.axis];
  }
  return {Shape(dims), x.dtype};
}

AbstractArray inferSlice(const TypeChecker &c) {
  c.expectCount(1);
  const AbstractArray &x = c.ops[0];
  const OpAttrs &a = c.attrs;
  size_t rank = x.shape.rank();
  std::string what =
      absl::StrCat("starts ", listStr(a.starts), ", limits ", listStr(a.limits),
                   ", strides ", listStr(a.strides));
  if (a.starts.size() != rank || a.limits.size() != rank ||
      a.strides.size() != rank)
    c.fail(absl::StrCat(what,
                        ": needs one start, limit and stride per "
                        "dimension (",
                        rank, ")"),
           "give every list one entry per dimension");
  std::vector<int64_t> dims(rank);
  for (size_t d = 0; d < rank; ++d) {
    if (!(0 <= a.starts[d] && a.starts[d] <= a.limits[d] &&
          a.limits[d] <= x.shape[d]))
      c.fail(absl::StrCat(what, ": dimension ", d, " needs 0 <= start (",
                          a.starts[d], ") <= limit (", a.limits[d],
                          ") <= extent (", x.shape[d], ")"),
             "clamp the bounds into the array");
    if (a.strides[d] < 1)
      c.fail(absl::StrCat(what, ": stride ", a.strides[d], " of dimension ", d,
                          " is not positive"),
             "use strides >= 1 (reverse with a gather instead)");
    dims[d] = (a.limits[d] - a.starts[d] + a.strides[d] - 1) / a.strides[d];
  }
  return {Shape(dims), x.dtype};
}

/// Checks the start-index operands of DynamicSlice / DynamicUpdateSlice.
void checkStartIndices(const TypeChecker &c, size_t first, size_t rank) {
  if (c.ops.size() != first + rank)
    c.fail(absl::StrCat("needs ", first, first == 1 ? " array" : " arrays",
                        " and one start index per dimension (", rank, "), got ",
                        c.ops.size(), " operands"),
           "pass one scalar i32/i64 start per dimension");
  for (size_t i = first; i < c.ops.size(); ++i) {
    const AbstractArray &t = c.ops[i];
    if (t.shape.rank() != 0 || (t.dtype != DType::i32 && t.dtype != DType::i64))
      c.fail(absl::StrCat("start index ", i - first,
                          " must be an i32 or i64 scalar, got ", t.toString()),
             "pass rank-0 integer tensors as starts");
  }
}

AbstractArray inferDynamicSlice(const TypeChecker &c) {
  if (c.ops.empty())
    c.expectCount(1);
  const AbstractArray &x = c.ops[0];
  size_t rank = x.shape.rank();
  checkStartIndices(c, 1, rank);
  Shape shape = c.checkedShape(c.attrs.shape);
  bool ok = shape.rank() == rank;
  for (size_t d = 0; ok && d < rank; ++d)
    ok = shape[d] <= x.shape[d];
  if (!ok)
    c.fail(absl::StrCat("slice sizes ", shape.toString(),
                        " must have one entry per dimension, none larger "
                        "than the operand's extent"),
           "choose sizes between 0 and the extents of the operand");
  return {shape, x.dtype};
}

AbstractArray inferDynamicUpdateSlice(const TypeChecker &c) {
  if (c.ops.size() < 2)
    c.fail("needs an array, an update and one start per dimension",
           "pass x, update, then the starts");
  const AbstractArray &x = c.ops[0], &u = c.ops[1];
  size_t rank = x.shape.rank();
  checkStartIndices(c, 2, rank);
  if (u.dtype != x.dtype)
    c.fail("the update must have the array's dtype",
           absl::StrCat("cast the update to ", dtypeName(x.dtype)));
  bool ok = u.shape.rank() == rank;
  for (size_t d = 0; ok && d < rank; ++d)
    ok = u.shape[d] <= x.shape[d];
  if (!ok)
    c.fail("the update must have the array's rank and no larger extent",
           "slice or reshape the update to fit inside the array");
  return x;
}

AbstractArray inferGather(const TypeChecker &c) {
  c.expectCount(2);
  const AbstractArray &x = c.ops[0], &ind = c.ops[1];
  c.expectAxis(c.attrs.axis, x.shape.rank(), "axis");
  c.expectIndexType(ind, "indices");
  std::vector<int64_t> dims(x.shape.begin(), x.shape.begin() + c.attrs.axis);
  dims.insert(dims.end(), ind.shape.begin(), ind.shape.end());
  dims.insert(dims.end(), x.shape.begin() + c.attrs.axis + 1, x.shape.end());
  return {Shape(dims), x.dtype};
}

AbstractArray inferScatterAdd(const TypeChecker &c) {
  c.expectCount(3);
  const AbstractArray &x = c.ops[0], &ind = c.ops[1], &upd = c.ops[2];
  c.expectAxis(c.attrs.axis, x.shape.rank(), "axis");
  c.expectIndexType(ind, "indices");
  c.expectNumeric(x);
  std::vector<int64_t> dims(x.shape.begin(), x.shape.begin() + c.attrs.axis);
  dims.insert(dims.end(), ind.shape.begin(), ind.shape.end());
  dims.insert(dims.end(), x.shape.begin() + c.attrs.axis + 1, x.shape.end());
  AbstractArray expected{Shape(dims), x.dtype};
  if (upd != expected)
    c.fail(absl::StrCat("updates must be ", expected.toString(),
                        " (what gather(x, indices) along axis ", c.attrs.axis,
                        " would give)"),
           "broadcast and cast the updates to that type");
  return x;
}

AbstractArray inferReduce(const TypeChecker &c) {
  c.expectCount(1);
  const AbstractArray &x = c.ops[0];
  const std::vector<int64_t> &axes = c.attrs.axes;
  size_t rank = x.shape.rank();
  for (size_t i = 0; i < axes.size(); ++i) {
    if (axes[i] < 0 || axes[i] >= static_cast<int64_t>(rank))
      c.fail(absl::StrCat("axis ", axes[i], " of axes ", listStr(axes),
                          " is out of range for rank ", rank),
             absl::StrCat("use axes in [0, ", rank, ")"));
    if (i > 0 && axes[i] <= axes[i - 1])
      c.fail(absl::StrCat("axes ", listStr(axes), " must be sorted and unique"),
             "sort the axes and remove duplicates");
  }
  if (c.kind == OpKind::ReduceSum)
    c.expectNumeric(x);
  std::vector<int64_t> dims;
  size_t next = 0;
  for (size_t d = 0; d < rank; ++d) {
    if (next < axes.size() && axes[next] == static_cast<int64_t>(d)) {
      ++next;
      if (x.shape[d] == 0 && c.kind != OpKind::ReduceSum)
        c.fail(absl::StrCat("axis ", d, " has extent 0 and ", opName(c.kind),
                            " has no identity"),
               "reduce a non-empty axis, or handle the empty case before");
      continue;
    }
    dims.push_back(x.shape[d]);
  }
  return {Shape(dims), x.dtype};
}

AbstractArray inferArgMax(const TypeChecker &c) {
  c.expectCount(1);
  const AbstractArray &x = c.ops[0];
  c.expectAxis(c.attrs.axis, x.shape.rank(), "axis");
  if (x.shape[c.attrs.axis] == 0)
    c.fail(absl::StrCat("axis ", c.attrs.axis,
                        " has extent 0, so there is no maximum"),
           "take argmax over a non-empty axis");
  std::vector<int64_t> dims = x.shape.toVector();
  dims.erase(dims.begin() + c.attrs.axis);
  return {Shape(dims), DType::i64};
}

AbstractArray inferMatMul(const TypeChecker &c) {
  c.expectCount(2);
  const AbstractArray &x = c.ops[0], &y = c.ops[1];
  c.expectSameDTypes();
  c.expectNumeric(x);
  size_t rank = x.shape.rank();
  if (rank != y.shape.rank() || (rank != 2 && rank != 3))
    c.fail("operands must both have rank 2, or both rank 3",
           "use bst::matmul, which reshapes and broadcasts other ranks");
  if (rank == 3 && x.shape[0] != y.shape[0])
    c.fail(absl::StrCat("batch extents ", x.shape[0], " and ", y.shape[0],
                        " differ"),
           "broadcast the batch dimensions first (bst::matmul does)");
  if (x.shape[rank - 1] != y.shape[rank - 2])
    c.fail(absl::StrCat("contracting extents differ (", x.shape[rank - 1],
                        " vs ", y.shape[rank - 2], ")"),
           "the last extent of x must equal the second-to-last of y");
  if (rank == 2)
    return {Shape{x.shape[0], y.shape[1]}, x.dtype};
  return {Shape{x.shape[0], x.shape[1], y.shape[2]}, x.dtype};
}

} // namespace

AbstractArray inferEventSum(const TypeChecker &c) {
  c.expectCount(4);
  const AbstractArray &spikes = c.ops[0], &rowPtr = c.ops[1], &cols = c.ops[2], &w = c.ops[3];
  if (spikes.shape.rank() != 1 || spikes.dtype != DType::boolean)
    c.fail("spikes must be a bool vector", "compare the membrane potential with the threshold");
  if (rowPtr.shape != Shape{spikes.shape[0] + 1} || rowPtr.dtype != DType::i32)
    c.fail(absl::StrCat("rowPtr must be i32[", spikes.shape[0] + 1, "], one more than spikes"),
           "build the connectivity with bst::Connectivity");
  if (cols.shape.rank() != 1 || cols.dtype != DType::i32 || w.shape != cols.shape ||
      !isFloating(w.dtype))
    c.fail("cols must be an i32 vector and weights a floating vector of the same length",
           "build the connectivity with bst::Connectivity");
  if (c.attrs.shape.size() != 1 || c.attrs.shape[0] < 0)
    c.fail("the result shape must be [post]", "pass the number of postsynaptic neurons");
  return {Shape(c.attrs.shape), w.dtype};
}

static AbstractArray inferPhilox(const TypeChecker &c) {
  c.expectCount(2);
  for (size_t i = 0; i < 2; ++i)
    if (c.ops[i] != AbstractArray{Shape{}, DType::i64})
      c.fail(absl::StrCat(i == 0 ? "the key" : "the counter", " must be an i64 scalar"),
             "pass the key and counter of a bst::RandomState");
  Shape shape = c.checkedShape(c.attrs.shape);
  DType d = c.attrs.dtype;
  if (d == DType::boolean)
    c.fail("cannot produce bool", "use i32 or i64 (bits) or f32 or f64 (uniform in [0, 1))");
  int64_t words = d == DType::i32 || d == DType::f32 ? 4 : 2;
  if (c.attrs.axis < 0 || c.attrs.axis >= words)
    c.fail(absl::StrCat("word ", c.attrs.axis, " is out of range for ", dtypeName(d)),
           absl::StrCat("use a word in [0, ", words, "): a block has four 32-bit words"));
  return {shape, d};
}

static AbstractArray inferProgress(const TypeChecker &c) {
  c.expectCount(1);
  if (c.ops[0] != AbstractArray{Shape{}, DType::i64})
    c.fail("the step must be an i64 scalar", "pass the loop's step index");
  if (c.attrs.count < 0)
    c.fail(absl::StrCat("the total ", c.attrs.count, " is negative"), "pass the loop's count");
  return c.ops[0];
}

AbstractArray inferType(OpKind kind, const std::vector<AbstractArray> &operands,
                        const OpAttrs &attrs) {
  TypeChecker c(kind, operands, attrs);
  if (isUnary(kind))
    return inferUnary(c);
  if (isBinary(kind) || isCompare(kind))
    return inferBinary(c);
  switch (kind) {
  case OpKind::Select:
    return inferSelect(c);
  case OpKind::Cast:
    c.expectCount(1);
    return {operands[0].shape, attrs.dtype};
  case OpKind::Constant:
    c.expectCount(0);
    return attrs.constant.abstract();
  case OpKind::Iota:
    return inferIota(c);
  case OpKind::BroadcastInDim:
    return inferBroadcastInDim(c);
  case OpKind::Reshape:
    return inferReshape(c);
  case OpKind::Transpose:
    return inferTranspose(c);
  case OpKind::Concatenate:
    return inferConcatenate(c);
  case OpKind::Slice:
    return inferSlice(c);
  case OpKind::DynamicSlice:
    return inferDynamicSlice(c);
  case OpKind::DynamicUpdateSlice:
    return inferDynamicUpdateSlice(c);
  case OpKind::Gather:
    return inferGather(c);
  case OpKind::ScatterAdd:
    return inferScatterAdd(c);
  case OpKind::ReduceSum:
  case OpKind::ReduceMax:
  case OpKind::ReduceMin:
    return inferReduce(c);
  case OpKind::ArgMax:
    return inferArgMax(c);
  case OpKind::MatMul:
    return inferMatMul(c);
  case OpKind::EventSum:
    return inferEventSum(c);
  case OpKind::Philox:
    return inferPhilox(c);
  case OpKind::Progress:
    return inferProgress(c);
  case OpKind::ForLoop:
  case OpKind::WhileLoop:
  case OpKind::Switch:
    throw Error(ErrorCode::Internal, absl::StrCat(opName(kind), " is typed by its regions, not "
                                                                "by inferType"));
  default:
    break;
  }
  throw Error(ErrorCode::Internal, absl::StrCat("inferType: unknown op kind ",
                                                static_cast<int>(kind)));
}

} // namespace bst
