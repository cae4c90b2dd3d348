//===- ConcurrencyTest.cpp - Threads tracing, compiling and calling -------===//
//
// A stress test for utils/test.sh --tsan: several threads trace, compile and
// call their own jitted models and one shared model at the same time. Every
// result is checked against eager execution, and trace frames must stay per
// thread.
//
//===----------------------------------------------------------------------===//
#include "../TestUtil.h"
#include "bst/Jit/Jit.h"
#include "bst/State/TraceContext.h"
#include "bst/Trace/Ops.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace bst::testing {
namespace {

using ::testing::HasSubstr;

constexpr int kThreads = 4;

std::vector<float> vals(const State &s) { return s.value().toVector<float>(); }

/// A small LIF population; `decay` makes each thread's model compute something
/// different.
struct Lif {
  HiddenState v;
  ShortTermState spike;
  float decay;
  Lif(int64_t n, float decay)
      : v(zeros({n}), {.name = "lif.v"}),
        spike(zeros({n}), {.name = "lif.spike"}), decay(decay) {}
  Tensor operator()(const Tensor &input) {
    Tensor nv = v.value() * decay + input;
    Tensor fired = nv > 1.f;
    v.setValue(where(fired, 0.f, nv));
    spike.setValue(cast(fired, f32));
    return sum(spike.value());
  }
};

Array ramp(int64_t n, float scale) {
  std::vector<float> d(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    d[static_cast<size_t>(i)] =
        scale * static_cast<float>(i + 1) / static_cast<float>(n);
  return Array::fromVector(d, {n});
}

TEST(ConcurrencyTest,
     ThreadsTraceCompileAndCallDifferentModelsAndTheSameModel) {
  // The shared model: one jitted function, one state, called from every thread.
  HiddenState counter(zeros({1}), {.name = "counter"});
  auto increment =
      jit([&](const Tensor &x) { counter.setValue(counter.value() + x); },
          {.name = "increment"});
  // A shared stateless function that every thread compiles new versions of (one
  // per shape).
  auto affine =
      jit([](const Tensor &x) { return x * 2.f + 1.f; }, {.name = "affine"});

  std::mutex framesMutex;
  std::vector<FrameId> frames; // Every trace frame any thread traced in.
  std::atomic<int> failures{0};
  constexpr int kSteps = 40, kIncrements = 300;

  auto work = [&](int t) {
    // This thread's own model, compiled here while the other threads compile
    // theirs.
    Lif own(32 + 8 * t, 0.5f + 0.1f * static_cast<float>(t));
    Lif reference(32 + 8 * t, 0.5f + 0.1f * static_cast<float>(t));
    std::vector<FrameId> seen;
    auto step = jit(
        [&](const Tensor &input) {
          // Tracing runs on this thread, in a frame of its own.
          seen.push_back(currentTraceFrame());
          if (currentTraceFrame() == kEagerFrame ||
              activeTraceFrames().size() != 2)
            failures.fetch_add(1);
          return own(input);
        },
        {.name = "step" + std::to_string(t)});
    Array input = ramp(32 + 8 * t, 1.5f);
    for (int k = 0; k < kSteps; ++k) {
      float compiled = step(input).item<float>();
      float eager = reference(input).item<float>();
      if (compiled != eager || vals(own.v) != vals(reference.v))
        failures.fetch_add(1);
      increment(ones({1}));
      // New shapes: cache misses (compiles) racing with other threads' hits.
      int64_t n = 1 + (k + t) % 6;
      Tensor y = affine(ramp(n, 1.f));
      std::vector<float> want = ramp(n, 1.f).toVector<float>();
      for (float &w : want)
        w = w * 2.f + 1.f;
      if (y.toVector<float>() != want)
        failures.fetch_add(1);
    }
    for (int k = 0; k < kIncrements; ++k)
      increment(ones({1}));
    if (currentTraceFrame() != kEagerFrame || activeTraceFrames().size() != 1)
      failures.fetch_add(1);
    std::lock_guard<std::mutex> lock(framesMutex);
    frames.insert(frames.end(), seen.begin(), seen.end());
  };

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back(work, t);
  for (std::thread &th : threads)
    th.join();

  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(vals(counter),
            std::vector<float>{kThreads * (kSteps + kIncrements) * 1.f});
  EXPECT_EQ(std::set<FrameId>(frames.begin(), frames.end()).size(),
            frames.size())
      << "trace frame ids are never shared or reused across threads";
  EXPECT_EQ(frames.size(), static_cast<size_t>(kThreads))
      << "each own model traced once";
  EXPECT_LE(affine.cacheSize(), 6u)
      << "one version per shape, whichever thread compiled it";
}

TEST(ConcurrencyTest, TraceFramesArePerThread) {
  // While thread A traces, a state created in A's trace cannot be written from
  // thread B (B does not run in A's frame), and B's eager writes are unaffected
  // by A's trace.
  std::promise<State *> created;
  std::promise<void> checked;
  HiddenState eagerOnB(zeros({1}), {.name = "eagerOnB"});
  std::string errorOnB;
  std::thread b([&] {
    State *inner = created.get_future().get();
    errorOnB = errorOf<TraceContextError>([&] { inner->setValue(ones({1})); });
    eagerOnB.setValue(ones({1})); // frame 0 on B: fine
    checked.set_value();
  });
  {
    TraceFrame frame; // Thread A's trace.
    State inner(zeros({1}), {.name = "inner"});
    created.set_value(&inner);
    checked.get_future().wait();
    inner.setValue(full({1}, 2.0)); // A may write it
    EXPECT_EQ(vals(inner), std::vector<float>{2});
  }
  b.join();
  EXPECT_THAT(
      errorOnB,
      HasSubstr("cannot write State 'inner': it belongs to trace frame"));
  EXPECT_THAT(errorOnB,
              HasSubstr("which is not active on this thread (current frame 0"));
  EXPECT_EQ(vals(eagerOnB), std::vector<float>{1});
}

TEST(ConcurrencyTest, ManyThreadsCompileTheSameFunctionOnce) {
  HiddenState s(zeros({16}), {.name = "s"});
  auto f = jit([&](const Tensor &x) { s.setValue(s.value() + x); });
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      for (int k = 0; k < 50; ++k)
        f(ones({16}));
    });
  for (std::thread &th : threads)
    th.join();
  EXPECT_EQ(f.cacheSize(), 1u);
  EXPECT_EQ(vals(s), std::vector<float>(16, kThreads * 50.f));
}

} // namespace
} // namespace bst::testing
