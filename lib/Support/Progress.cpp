//===- Progress.cpp - Progress bars on stderr -------------------------------===//
#include "bst/Support/Progress.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <unistd.h>

namespace bst::detail {

namespace {
using Clock = std::chrono::steady_clock;

struct Bar {
  int64_t total = 0;
  int64_t stride = 1;      // the clock is read every `stride` steps
  int64_t nextLine = 0;    // plain output: the next step that prints a line
  Clock::time_point start, lastDraw;
  bool terminal = false;
  bool active = false; // between a loop's first and last report
};
thread_local Bar bar;

/// "1.5 s", "2 min 5 s", "1 h 3 min".
void formatDuration(char *out, size_t n, double s) {
  if (s < 60)
    std::snprintf(out, n, "%.1f s", s);
  else if (s < 3600)
    std::snprintf(out, n, "%d min %d s", static_cast<int>(s / 60), static_cast<int>(s) % 60);
  else
    std::snprintf(out, n, "%d h %d min", static_cast<int>(s / 3600),
                  static_cast<int>(s / 60) % 60);
}

void draw(int64_t done, bool last) {
  double elapsed = std::chrono::duration<double>(Clock::now() - bar.start).count();
  double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
  double fraction = bar.total ? static_cast<double>(done) / static_cast<double>(bar.total) : 1;
  char time[32];
  formatDuration(time, sizeof time, last ? elapsed : (rate > 0 ? (bar.total - done) / rate : 0));
  const char *what = last ? "took" : "ETA";
  if (bar.terminal) {
    constexpr int kWidth = 30;
    char cells[kWidth + 1];
    int filled = static_cast<int>(fraction * kWidth);
    for (int k = 0; k < kWidth; ++k)
      cells[k] = k < filled ? '#' : '.';
    cells[kWidth] = '\0';
    std::fprintf(stderr, "\r[%s] %3d%% %lld/%lld steps, %.4g steps/s, %s %s%s", cells,
                 static_cast<int>(fraction * 100), static_cast<long long>(done),
                 static_cast<long long>(bar.total), rate, what, time, last ? "\n" : "   ");
  } else {
    std::fprintf(stderr, "bst progress: %3d%% (%lld/%lld steps), %.4g steps/s, %s %s\n",
                 static_cast<int>(fraction * 100), static_cast<long long>(done),
                 static_cast<long long>(bar.total), rate, what, time);
  }
  std::fflush(stderr);
}
} // namespace

void progressTick(int64_t step, int64_t total) {
  // A loop starting inside another one with a bar (a nested progress loop) does not take the
  // bar over: the outer loop's bar is shown.
  if (step == 0 && (!bar.active || bar.total == total)) {
    bar.active = true;
    bar.total = total;
    bar.stride = std::max<int64_t>(1, total / 200);
    bar.terminal = isatty(fileno(stderr));
    bar.nextLine = std::max<int64_t>(1, total / 10);
    bar.start = bar.lastDraw = Clock::now();
  }
  if (!bar.active || bar.total != total)
    return;
  int64_t done = step + 1;
  if (done == total) {
    bar.active = false;
    draw(done, true);
    return;
  }
  if (done % bar.stride != 0)
    return;
  if (bar.terminal) {
    Clock::time_point now = Clock::now();
    if (now - bar.lastDraw < std::chrono::milliseconds(100))
      return;
    bar.lastDraw = now;
    draw(done, false);
  } else if (done >= bar.nextLine) {
    bar.nextLine += std::max<int64_t>(1, total / 10);
    draw(done, false);
  }
}

} // namespace bst::detail

extern "C" void bst_progress(int64_t step, int64_t total) {
  bst::detail::progressTick(step, total);
}
