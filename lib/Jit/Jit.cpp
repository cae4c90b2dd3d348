//===- Jit.cpp - The compile cache and the call path of bst::jit ----------===//
#include "bst/Jit/Jit.h"
#include "JitTesting.h"
#include "bst/Compiler/Compiler.h"
#include "bst/Trace/Environ.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <optional>

namespace bst {

namespace detail {

namespace {
using Clock = std::chrono::steady_clock;

bool explainCacheMisses() {
  static const bool on = [] {
    const char *env = std::getenv("BST_EXPLAIN_CACHE_MISSES");
    return env && *env && std::string(env) != "0";
  }();
  return on;
}

std::string escapeJson(const std::string &s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      absl::StrAppend(&out, "\\u00", absl::Hex(static_cast<unsigned char>(c), absl::kZeroPad2));
      continue;
    }
    out += c;
  }
  return out;
}
} // namespace

/// Compiles still to fail on this thread (failNextCompilesForTesting).
static thread_local int injectedCompileFailures = 0;

void failNextCompilesForTesting(int n) { injectedCompileFailures = n; }

/// One compiled version: the key it was compiled for and what a call needs.
struct JitCore::Entry {
  // Key (besides the function itself): argument leaves, argument trees, static values, hooks.
  std::vector<AbstractArray> argLeaves;
  std::vector<std::optional<TreeDef>> argDefs;
  std::vector<StaticArg> statics;
  uint64_t hookVersion = 0;
  /// bst::environ values the trace read from outside it (dt, ...): folded into the code.
  std::vector<environ::detail::Read> environReads;

  TracedFunction traced;
  std::unique_ptr<compiler::Executable> exe;
  /// The states' locks, sorted by address and unique, taken in that order by every call, and
  /// this entry's own lock (for `results`), always taken last.
  std::vector<SpinLock *> locks;
  SpinLock ownLock;
  bool hasResults = false;
  /// Result buffers of the previous call, reused when the caller has dropped them.
  std::vector<Array> results;
  /// errorIf (when traced.checkState is set): the CheckState's slots (code, f64, i64), and a copy
  /// of every written state slot taken before each call, put back if a check fires.
  bool hasChecks = false;
  size_t checkSlots[3] = {0, 0, 0};
  struct Snapshot {
    size_t slot;
    Array copy;
  };
  std::vector<Snapshot> snapshots;
};

/// Finds the CheckState's slots and allocates the snapshots of the written state slots.
static void prepareChecks(JitCore::Entry &entry) {
  const TracedFunction &tf = entry.traced;
  if (!tf.checkState)
    return;
  int found = 0;
  const std::vector<Slot> &slots = tf.program.slots();
  for (size_t i = 0; i < slots.size(); ++i) {
    const Slot &slot = slots[i];
    if (slot.role != SlotRole::State)
      continue;
    if (slot.index == *tf.checkState) {
      entry.checkSlots[slot.leaf] = i;
      ++found;
    } else if (slot.output != kNoValue) {
      entry.snapshots.push_back({i, Array(slot.type.shape, slot.type.dtype)});
    }
  }
  if (found != 3)
    throw Error(ErrorCode::Internal, absl::StrCat("jit: the errorIf state has ", found,
                                                  " slots instead of 3\n",
                                                  tf.program.toString()));
  entry.hasChecks = true;
}



struct JitCore::State {
  JitOptions options;
  mutable absl::Mutex mutex;
  std::vector<std::unique_ptr<Entry>> entries ABSL_GUARDED_BY(mutex);
  /// Entries dropped by clearCache, kept alive until the function dies: a call on another thread
  /// may still be running one.
  std::vector<std::unique_ptr<Entry>> retired ABSL_GUARDED_BY(mutex);
  /// The entry of the latest call: the common hit is checked without taking `mutex`.
  std::atomic<Entry *> latest{nullptr};
  CompileStats last ABSL_GUARDED_BY(mutex);
};

JitCore::JitCore(JitOptions options) : state_(std::make_unique<State>()) {
  state_->options = std::move(options);
}

JitCore::~JitCore() = default;

/// Does the key (argLeaves, argDefs, statics) hold for `args`? Allocation-free.
static bool sameKey(const std::vector<AbstractArray> &argLeaves,
                    const std::vector<std::optional<TreeDef>> &argDefs,
                    const std::vector<StaticArg> &statics, const CallArgs &args) {
  if (argLeaves.size() != args.leaves.size() || argDefs.size() != args.trees.size() ||
      statics.size() != args.statics.size())
    return false;
  for (size_t i = 0; i < argLeaves.size(); ++i) {
    const Array &a = *args.leaves[i];
    if (argLeaves[i].dtype != a.dtype() || argLeaves[i].shape != a.shape())
      return false;
  }
  for (size_t i = 0; i < argDefs.size(); ++i)
    if (args.trees[i] ? (!argDefs[i] || *argDefs[i] != args.trees[i]->def())
                      : argDefs[i].has_value())
      return false;
  return std::equal(statics.begin(), statics.end(), args.statics.begin());
}

/// Why `args` missed `entry`, for BST_EXPLAIN_CACHE_MISSES.
static std::string explainMiss(const JitCore::Entry &e, const CallArgs &args, uint64_t hooks) {
  if (e.hookVersion != hooks)
    return "the set of hooks changed";
  if (!environ::detail::unchanged(e.environReads)) {
    std::string read;
    for (const environ::detail::Read &r : e.environReads)
      absl::StrAppend(&read, read.empty() ? "" : ", ", r.name, " = ", r.value);
    return absl::StrCat("a bst::environ value it read changed (it read ", read, ")");
  }
  if (e.argLeaves.size() != args.leaves.size())
    return absl::StrCat("the number of argument leaves changed from ", e.argLeaves.size(), " to ",
                        args.leaves.size());
  for (size_t i = 0; i < e.argLeaves.size(); ++i)
    if (e.argLeaves[i] != args.leaves[i]->abstract())
      return absl::StrCat("argument leaf ", i, " changed from ", e.argLeaves[i].toString(), " to ",
                          args.leaves[i]->abstract().toString());
  for (size_t i = 0; i < e.argDefs.size() && i < args.trees.size(); ++i)
    if (args.trees[i] && (!e.argDefs[i] || *e.argDefs[i] != args.trees[i]->def()))
      return absl::StrCat("the tree structure of argument ", i, " changed to ",
                          args.trees[i]->def().toString());
  return "a static argument changed";
}

JitCore::Entry &JitCore::lookup(const CallArgs &args, TraceRef trace) {
  State &s = *state_;
  uint64_t hooks = bst::hooks::version();
  Entry *latest = s.latest.load(std::memory_order_acquire);
  if (latest && latest->hookVersion == hooks &&
      sameKey(latest->argLeaves, latest->argDefs, latest->statics, args) &&
      (latest->environReads.empty() || environ::detail::unchanged(latest->environReads)))
      [[likely]]
    return *latest;
  absl::MutexLock lock(&s.mutex);
  for (auto &e : s.entries)
    if (e->hookVersion == hooks && sameKey(e->argLeaves, e->argDefs, e->statics, args) &&
        environ::detail::unchanged(e->environReads)) {
      s.latest.store(e.get(), std::memory_order_release);
      return *e;
    }

  // Miss: trace and compile while holding the lock, so a function compiles once.
  if (explainCacheMisses()) {
    std::string why = s.entries.empty() ? "first call" : explainMiss(*s.entries.back(), args, hooks);
    std::fprintf(stderr, "bst: jit '%s' compiles a new version: %s\n", s.options.name.c_str(),
                 why.c_str());
  }
  auto entry = std::make_unique<Entry>();
  for (const Array *a : args.leaves)
    entry->argLeaves.push_back(a->abstract());
  for (const Tree *t : args.trees)
    entry->argDefs.push_back(t ? std::optional<TreeDef>(t->def()) : std::nullopt);
  entry->statics.assign(args.statics.begin(), args.statics.end());
  entry->hookVersion = hooks;

  std::vector<Signature> signatures;
  size_t leaf = 0;
  for (const Tree *t : args.trees) {
    if (t) {
      signatures.push_back(t->signature());
      leaf += t->numLeaves();
    } else {
      signatures.push_back(Tree(*args.leaves[leaf++]).signature());
    }
  }
  auto start = Clock::now();
  {
    environ::detail::Recorder reads;
    entry->traced = traceFunction(TreeFunction(trace), signatures);
    entry->environReads = reads.take();
  }
  double traceMs = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  compiler::CompileOptions options;
  options.optLevel = s.options.optLevel;
  if (injectedCompileFailures > 0) {
    --injectedCompileFailures;
    throw Error(ErrorCode::Compile, "bst compiler: injected failure (failNextCompilesForTesting)");
  }
  entry->exe = compiler::compile(entry->traced.program, s.options.name, options);
  for (const bst::State &st : entry->traced.states)
    entry->locks.push_back(&StateAccess::lock(st));
  std::sort(entry->locks.begin(), entry->locks.end());
  entry->hasResults = entry->traced.resultDef.numLeaves() > 0;
  prepareChecks(*entry);
  entry->locks.erase(std::unique(entry->locks.begin(), entry->locks.end()), entry->locks.end());
  s.last = {traceMs, entry->exe->lowerMs(), entry->exe->pipelineMs(), entry->exe->llvmMs()};
  Entry &result = *entry;
  s.entries.push_back(std::move(entry));
  s.latest.store(&result, std::memory_order_release);
  return result;
}

namespace {
/// Holds an entry's locks for one call: its states' (sorted), then its own.
class CallLocks {
public:
  explicit CallLocks(JitCore::Entry &entry) : entry_(entry) {
    for (SpinLock *l : entry_.locks)
      l->lock();
    if (entry_.hasResults)
      entry_.ownLock.lock();
  }
  ~CallLocks() {
    if (entry_.hasResults)
      entry_.ownLock.unlock();
    for (auto it = entry_.locks.rbegin(); it != entry_.locks.rend(); ++it)
      (*it)->unlock();
  }

private:
  JitCore::Entry &entry_;
};
} // namespace

void JitCore::run(Entry &entry, const CallArgs &args, Tensor *results) {
  const TracedFunction &tf = entry.traced;
  const std::vector<Slot> &slots = tf.program.slots();
  for (const bst::State &st : tf.states)
    if (!isTraceFrameActive(st.traceFrame()))
      throw TraceContextError(absl::StrCat(
          "cannot call jitted function '", state_->options.name, "': it reads or writes ",
          st.describe(), ", which belongs to trace frame ", st.traceFrame(),
          " that is not active on this thread. Create the states a jitted function uses outside "
          "of any trace."));
  absl::InlinedVector<void *, 16> buffers(slots.size());
  CallLocks locks(entry);
  size_t numResults = 0;
  for (size_t i = 0; i < slots.size(); ++i) {
    const Slot &slot = slots[i];
    switch (slot.role) {
    case SlotRole::Argument:
      buffers[i] = const_cast<void *>(args.leaves[slot.index]->rawData());
      break;
    case SlotRole::Capture:
      buffers[i] = const_cast<void *>(tf.captures[slot.index].rawData());
      break;
    case SlotRole::State: {
      Tensor &leaf = StateAccess::stored(tf.states[slot.index]).mutableLeafAt(slot.leaf);
      // A written slot must be this state's alone: copy-on-write if anyone else holds it.
      buffers[i] = slot.output != kNoValue ? leaf.mutableArray().mutableRawData()
                                           : const_cast<void *>(leaf.array().rawData());
      break;
    }
    case SlotRole::Result: {
      if (entry.results.size() <= slot.index)
        entry.results.resize(slot.index + 1);
      Array &r = entry.results[slot.index];
      // Reuse the previous call's buffer when the caller has let go of it.
      if (r.useCount() != 1 || r.abstract() != slot.type)
        r = Array(slot.type.shape, slot.type.dtype);
      buffers[i] = r.mutableRawData();
      numResults = std::max(numResults, slot.index + 1);
      break;
    }
    }
  }
  if (entry.hasChecks) {
    *static_cast<int32_t *>(buffers[entry.checkSlots[0]]) = 0;
    for (JitCore::Entry::Snapshot &snap : entry.snapshots)
      std::memcpy(snap.copy.mutableRawData(), buffers[snap.slot], snap.copy.nbytes());
  }
  entry.exe->entry()(buffers.data());
  if (entry.hasChecks) {
    if (int32_t code = *static_cast<int32_t *>(buffers[entry.checkSlots[0]])) {
      for (JitCore::Entry::Snapshot &snap : entry.snapshots)
        std::memcpy(buffers[snap.slot], snap.copy.rawData(), snap.copy.nbytes());
      throw CheckError(formatCheck(tf.checks.at(static_cast<size_t>(code - 1)),
                                   static_cast<const double *>(buffers[entry.checkSlots[1]]),
                                   static_cast<const int64_t *>(buffers[entry.checkSlots[2]])));
    }
  }
  for (size_t k = 0; k < numResults; ++k)
    results[k] = entry.results[k];
}

Tree JitCore::call(const CallArgs &args, TraceRef trace) {
  Entry &entry = lookup(args, trace);
  size_t n = entry.traced.resultDef.numLeaves();
  std::vector<Tensor> results(n);
  run(entry, args, results.data());
  return entry.traced.resultDef.unflatten(std::move(results));
}

Tensor JitCore::callSingle(const CallArgs &args, TraceRef trace) {
  Entry &entry = lookup(args, trace);
  Tensor result;
  run(entry, args, &result);
  return result;
}

void JitCore::callVoid(const CallArgs &args, TraceRef trace) {
  run(lookup(args, trace), args, nullptr);
}

Lowered JitCore::lower(const CallArgs &args, TraceRef trace) {
  Entry &entry = lookup(args, trace);
  const Program &p = entry.traced.program;
  Lowered out;
  out.name = state_->options.name;
  out.mlir = compiler::lowerToMlir(p, out.name);
  out.program = p.toString();
  for (const Slot &s : p.slots())
    out.slots.push_back({slotRoleName(s.role), s.name, s.stateKind, s.type, s.input != kNoValue,
                         s.output != kNoValue});
  out.checks = entry.traced.checks;
  for (size_t i = 0; i < p.slots().size(); ++i)
    if (p.slots()[i].role == SlotRole::Capture)
      out.captures.emplace_back(i, entry.traced.captures[p.slots()[i].index]);
  return out;
}

size_t JitCore::cacheSize() const {
  absl::MutexLock lock(&state_->mutex);
  return state_->entries.size();
}

void JitCore::clearCache() {
  absl::MutexLock lock(&state_->mutex);
  state_->latest.store(nullptr, std::memory_order_release);
  for (auto &e : state_->entries)
    state_->retired.push_back(std::move(e));
  state_->entries.clear();
}

CompileStats JitCore::lastCompile() const {
  absl::MutexLock lock(&state_->mutex);
  return state_->last;
}

} // namespace detail

std::string Lowered::manifestJson() const {
  std::string out = absl::StrCat("{\"format_version\": ", kFormatVersion, ", \"function\": \"",
                                 detail::escapeJson(name), "\", \"slots\": [");
  for (size_t i = 0; i < slots.size(); ++i) {
    const ManifestSlot &s = slots[i];
    absl::StrAppend(&out, i ? ", " : "", "{\"index\": ", i, ", \"role\": \"", s.role,
                    "\", \"name\": \"", detail::escapeJson(s.name), "\"");
    if (!s.kind.empty())
      absl::StrAppend(&out, ", \"kind\": \"", s.kind, "\"");
    absl::StrAppend(&out, ", \"dtype\": \"", dtypeName(s.type.dtype), "\", \"shape\": [",
                    absl::StrJoin(s.type.shape, ", "), "], \"read\": ", s.read ? "true" : "false",
                    ", \"written\": ", s.written ? "true" : "false", "}");
  }
  out += "]";
  if (!checks.empty()) {
    out += ", \"checks\": [";
    for (size_t i = 0; i < checks.size(); ++i) {
      absl::StrAppend(&out, i ? ", " : "", "{\"message\": \"", detail::escapeJson(checks[i].message),
                      "\", \"values\": [");
      for (size_t k = 0; k < checks[i].valueTypes.size(); ++k)
        absl::StrAppend(&out, k ? ", " : "", "\"", dtypeName(checks[i].valueTypes[k]), "\"");
      out += "]}";
    }
    out += "]";
  }
  out += "}";
  return out;
}

} // namespace bst
