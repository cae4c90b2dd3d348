//===- AotBenchmarks.cpp - Ahead-of-time compiled steps and bstc ----------===//
//
// BM_AotCall vs BM_JitDispatch: a call of the tiny step (Tiny.h) compiled by
// bstc into a shared
//   library and loaded by the runtime (bind once, Bindings::call per
//   iteration), against the jitted call. BM_AotCall_C goes through the C API
//   (bst_call); BM_AotEntry calls the entry point with a prepared slot array
//   (the floor: what a host that manages slots itself pays); BM_EngineCall runs
//   the same export JIT-compiled by bst::Engine.
// BM_LifStep_Aot/N vs BM_LifStep_Jit/N: the LIF step's code, AOT against JIT
//   (BM_LifStep_Engine: the same export JIT-compiled by bst::Engine, bound like
//   the AOT one).
// BM_Bstc_Lif, BM_Bstc_CubaStep: bstc's work (parse, pipeline, LLVM O3, object,
// `cc -shared`)
//   for the LIF step (4096 neurons) and one CUBA step (examples/cuba: 4000
//   neurons, its connectivity embedded), in process; BM_Bstc_CubaStep_Obj stops
//   at the object file. The bstc process adds its start-up (about 20 ms here:
//   `time bstc cuba.mlir`).
//
// Every library is compiled for the host CPU into a temporary directory at the
// first use.
//
//===----------------------------------------------------------------------===//
#include "../examples/cuba/Cuba.h"
#include "../examples/lif/Lif.h"
#include "AllocCounter.h"
#include "Tiny.h"

#include "bst-c/bst.h"
#include "bst/Compiler/Aot.h"
#include "bst/Jit/Engine.h"
#include "bst/Runtime/Runtime.h"

#include "benchmark/benchmark.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;

/// A directory for this process's artifacts, removed at exit.
const fs::path &workDir() {
  static const fs::path dir = [] {
    fs::path d = fs::temp_directory_path() /
                 ("bst-aot-bench-" + std::to_string(::getpid()));
    fs::create_directories(d);
    std::atexit([] { fs::remove_all(workDir()); });
    return d;
  }();
  return dir;
}

std::string readFile(const fs::path &path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Saves `lowered` as `stem`.mlir and compiles it into lib`stem`.so as bstc
/// does; returns the library's path.
fs::path compileShared(const bst::Lowered &lowered, const std::string &stem) {
  fs::path mlir = workDir() / (stem + ".mlir");
  fs::path library = workDir() / ("lib" + stem + ".so");
  lowered.save(mlir);
  bst::compiler::compileAotToFile(readFile(mlir), mlir.string(),
                                  bst::compiler::EmitKind::Shared,
                                  library.string(), {});
  return library;
}

/// Binds one buffer per slot (zeros, or `input` for arg0) and keeps them alive.
struct Bound {
  explicit Bound(bst::runtime::Module module, const bst::Array *input = nullptr)
      : call(module) {
    for (const bst::runtime::SlotInfo &s : module.manifest().slots) {
      if (!s.needsBinding())
        continue;
      bst::Array a = s.name == "arg0" && input
                         ? *input
                         : bst::Array(s.type.shape, s.type.dtype);
      buffers.push_back(a);
      call.bind(s.index, buffers.back().mutableRawData(), s.type.dtype,
                s.type.shape);
    }
  }
  bst::runtime::Bindings call;
  std::vector<bst::Array> buffers;
};

bst::Lowered tinyLowered() {
  Tiny t;
  auto step = bst::jit([&](const bst::Tensor &i) { t(i); }, {.name = "tiny"});
  return step.lower(bst::ones({1}));
}

const fs::path &tinyLibrary() {
  static const fs::path path = compileShared(tinyLowered(), "tiny");
  return path;
}

void BM_AotCall(benchmark::State &state) {
  Bound b(bst::runtime::Module::load(tinyLibrary()));
  b.buffers.front().mutableData<float>()[0] = 1.f;
  uint64_t start = bst::bench::allocationCount();
  for (auto _ : state)
    b.call.call();
  bst::bench::reportAllocations(state, start);
}
BENCHMARK(BM_AotCall);

void BM_AotCall_C(benchmark::State &state) {
  bst_module *module = nullptr;
  bst_bindings *call = nullptr;
  if (bst_module_load(tinyLibrary().c_str(), &module) != BST_OK ||
      bst_bindings_create(module, &call) != BST_OK) {
    state.SkipWithError(bst_last_error_message());
    return;
  }
  std::vector<void *> buffers;
  int64_t one = 1;
  for (size_t i = 0; i < bst_module_slot_count(module); ++i) {
    bst_slot_info info;
    bst_module_slot_info(module, i, &info);
    buffers.push_back(bst_aligned_alloc(64));
    bst_bind_index(call, i, buffers.back(), BST_F32, &one, 1);
  }
  for (auto _ : state)
    bst_call(call);
  for (void *p : buffers)
    bst_aligned_free(p);
  bst_bindings_release(call);
  bst_module_release(module);
}
BENCHMARK(BM_AotCall_C);

void BM_AotEntry(benchmark::State &state) {
  bst::runtime::Module module = bst::runtime::Module::load(tinyLibrary());
  Bound b(module);
  std::vector<void *> slots;
  for (bst::Array &a : b.buffers)
    slots.push_back(a.mutableRawData());
  bst::runtime::EntryFunction entry = module.entry();
  for (auto _ : state) {
    entry(slots.data());
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_AotEntry);

void BM_EngineCall(benchmark::State &state) {
  fs::path mlir = workDir() / "tiny-engine.mlir";
  tinyLowered().save(mlir);
  Bound b(bst::Engine().load(mlir));
  for (auto _ : state)
    b.call.call();
}
BENCHMARK(BM_EngineCall);

/// Runs the LIF step of `module` (n neurons) with buffers bound by path.
void runLif(benchmark::State &state, bst::runtime::Module module, int64_t n) {
  bst::runtime::Bindings call(module);
  bst::Array input = lifDrive(n), tau = bst::full({n}, 10.f),
             v(bst::Shape{n}, bst::f32), spike(bst::Shape{n}, bst::f32);
  call.bind("arg0", input.rawData(), bst::f32, {n});
  call.bind("lif.v", v.mutableRawData(), bst::f32, {n});
  call.bind("lif.tau", tau.rawData(), bst::f32, {n});
  call.bind("lif.spike", spike.mutableRawData(), bst::f32, {n});
  for (auto _ : state)
    call.call();
  state.SetItemsProcessed(state.iterations() * n);
}

bst::Lowered lifLowered(int64_t n) {
  Lif lif(n);
  auto step = bst::jit([&](const bst::Tensor &i) { lif(i); }, {.name = "lif"});
  return step.lower(lifDrive(n));
}

void BM_LifStep_Aot(benchmark::State &state) {
  int64_t n = state.range(0);
  fs::path library = compileShared(lifLowered(n), "lif-" + std::to_string(n));
  runLif(state, bst::runtime::Module::load(library), n);
}
BENCHMARK(BM_LifStep_Aot)->Arg(4096)->Arg(1048576);

void BM_LifStep_Engine(benchmark::State &state) {
  int64_t n = state.range(0);
  fs::path mlir = workDir() / ("lif-engine-" + std::to_string(n) + ".mlir");
  lifLowered(n).save(mlir);
  runLif(state, bst::Engine().load(mlir), n);
}
BENCHMARK(BM_LifStep_Engine)->Arg(4096)->Arg(1048576);

/// The exported text of the LIF step (4096 neurons) or of one CUBA step.
const std::string &exported(const std::string &which) {
  static std::map<std::string, std::string> cache;
  if (auto it = cache.find(which); it != cache.end())
    return it->second;
  fs::path mlir = workDir() / (which + "-bstc.mlir");
  if (which == "lif") {
    Lif lif(4096);
    auto step =
        bst::jit([&](const bst::Tensor &i) { lif(i); }, {.name = "lif"});
    step.lower(lifDrive(4096)).save(mlir);
  } else {
    Cuba net;
    auto step =
        bst::jit([&](const bst::Tensor &) { net.step(); }, {.name = "cuba"});
    step.lower(bst::zeros({1})).save(mlir);
  }
  return cache[which] = readFile(mlir);
}

void bstcBenchmark(benchmark::State &state, const std::string &which,
                   bst::compiler::EmitKind kind) {
  const std::string &text = exported(which);
  fs::path out =
      workDir() /
      (which + (kind == bst::compiler::EmitKind::Shared ? ".so" : ".o"));
  for (auto _ : state)
    bst::compiler::compileAotToFile(text, which + ".mlir", kind, out.string(),
                                    {});
  state.counters["mlir_bytes"] = static_cast<double>(text.size());
}

void BM_Bstc_Lif(benchmark::State &state) {
  bstcBenchmark(state, "lif", bst::compiler::EmitKind::Shared);
}
BENCHMARK(BM_Bstc_Lif)->Unit(benchmark::kMillisecond);

void BM_Bstc_CubaStep(benchmark::State &state) {
  bstcBenchmark(state, "cuba", bst::compiler::EmitKind::Shared);
}
BENCHMARK(BM_Bstc_CubaStep)->Unit(benchmark::kMillisecond);

void BM_Bstc_CubaStep_Obj(benchmark::State &state) {
  bstcBenchmark(state, "cuba", bst::compiler::EmitKind::Object);
}
BENCHMARK(BM_Bstc_CubaStep_Obj)->Unit(benchmark::kMillisecond);

} // namespace
