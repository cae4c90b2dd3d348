#!/usr/bin/env bash
# Builds bst's libFuzzer targets with clang-14 (-fsanitize=fuzzer,address,undefined) in
# build-fuzz/ and runs each for SECONDS (default 60) from its seed corpus fuzz/corpus/<name>/.
# New inputs go to build-fuzz/corpus/<name>/ (the committed seeds are not modified); a crash,
# sanitizer report, leak or timeout stops that fuzzer, saves the input as
# build-fuzz/artifacts/<name>-crash-* (or leak-*, timeout-*) and makes the script exit 1.
#   utils/fuzz.sh [SECONDS]
#   BST_FUZZ_BUILD_DIR=dir utils/fuzz.sh 20
# Reproduce a crash: build-fuzz/bin/bst-fuzz-<name> build-fuzz/artifacts/<name>-crash-...
#
# Fuzzers: checkpoint (the safetensors reader behind bst::readCheckpoint / bst::restore),
# manifest (bst::runtime::Manifest::parse, the manifest reader of AOT artifacts),
# bstc (bstc's input path: an exported .mlir through its checks and bst's pipeline to the LLVM
# dialect, bst::compiler::compileAot with --emit=mlir).
set -uo pipefail
source "$(dirname "$0")/common.sh"

seconds=${1:-60}
if ! [[ "$seconds" =~ ^[0-9]+$ ]]; then
  echo "usage: utils/fuzz.sh [SECONDS]" >&2
  exit 2
fi
fuzzers=(checkpoint manifest bstc)

"$BST_ROOT/utils/bootstrap.sh" || exit 1
BST_BUILD_DIR=${BST_FUZZ_BUILD_DIR:-$BST_ROOT/build-fuzz}
export CCACHE_NOHASHDIR=1
CC=clang-14 CXX=clang++-14 bst_configure -DBST_SANITIZE=fuzzer -DBST_ENABLE_BENCHMARKS=OFF \
  -DBST_ENABLE_EXAMPLES=OFF || exit 1
bst_build "${fuzzers[@]/#/bst-fuzz-}" || exit 1

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
mkdir -p "$BST_BUILD_DIR/artifacts"
for name in "${fuzzers[@]}"; do
  corpus="$BST_BUILD_DIR/corpus/$name"
  mkdir -p "$corpus"
  dict=()
  [[ -f "$BST_ROOT/fuzz/$name.dict" ]] && dict=(-dict="$BST_ROOT/fuzz/$name.dict")
  echo "== fuzzing $name for ${seconds}s"
  log="$BST_BUILD_DIR/fuzz-$name.log"
  if "$BST_BUILD_DIR/bin/bst-fuzz-$name" -max_total_time="$seconds" -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 "${dict[@]}" \
      -artifact_prefix="$BST_BUILD_DIR/artifacts/$name-" "$corpus" "$BST_ROOT/fuzz/corpus/$name" \
      >"$log" 2>&1; then
    grep -E '^stat::number_of_executed_units|^#[0-9]+ +DONE' "$log" | tail -n 2
  else
    tail -n 60 "$log"
    echo "utils/fuzz.sh: fuzzer $name failed (log: $log)" >&2
    status=1
  fi
done
[[ $status -eq 0 ]] && echo "utils/fuzz.sh: no failures in ${#fuzzers[@]} fuzzer(s)"
exit $status
