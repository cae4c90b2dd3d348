#!/usr/bin/env bash
# Installs what is missing, configures, builds, and runs bst's tests. Exits non-zero on any
# failure.
#   utils/test.sh                  Release build in build/: every unit test (ctest) and lit test
#   utils/test.sh --sanitize       AddressSanitizer + UndefinedBehaviorSanitizer build in
#                                  build-asan/: every unit test, leak checking on
#   utils/test.sh --tsan           ThreadSanitizer build in build-tsan/: every unit test
#   utils/test.sh [--sanitize|--tsan] --tests REGEX   only the unit tests ctest -R selects
#   BST_BUILD_DIR=dir utils/test.sh, BST_SANITIZE_BUILD_DIR=dir utils/test.sh --sanitize|--tsan
# Any sanitizer report fails the test that caused it; see docs/reliability.md for what the
# sanitizer builds instrument.
set -uo pipefail
source "$(dirname "$0")/common.sh"

mode=release
tests=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --sanitize) mode=address ;;
    --tsan) mode=thread ;;
    --tests) tests=${2:-}; shift ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "test.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done

"$BST_ROOT/utils/bootstrap.sh" || exit 1
configure_args=()
ctest_args=()
if [[ $mode != release ]]; then
  [[ $mode == address ]] && default_dir=build-asan || default_dir=build-tsan
  BST_BUILD_DIR=${BST_SANITIZE_BUILD_DIR:-$BST_ROOT/$default_dir}
  configure_args=(-DBST_SANITIZE=$mode -DBST_ENABLE_BENCHMARKS=OFF -DBST_ENABLE_EXAMPLES=OFF)
  # Sanitizer builds carry line tables (-g1): let ccache reuse objects across checkouts anyway.
  export CCACHE_NOHASHDIR=1
  # allocator_may_return_null: an allocation too large for the machine returns null, as malloc
  # does in production, so bst reports it as an OutOfMemory error (FaultTest checks it).
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
  # The suppressions cover the uninstrumented libMLIR.so and libLLVM.so only (read the file).
  export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:allocator_may_return_null=1:suppressions=$BST_ROOT/utils/sanitizers/tsan.supp}
fi
[[ -n "$tests" ]] && ctest_args=(-R "$tests")
bst_configure "${configure_args[@]}" || exit 1
bst_build || exit 1

status=0
label=""
[[ $mode != release ]] && label=", $mode sanitizer build"
echo "== unit tests (ctest$label${tests:+, -R $tests})"
log="$BST_BUILD_DIR/ctest.log"
if (cd "$BST_BUILD_DIR" && ctest --output-on-failure -j2 --timeout 600 "${ctest_args[@]}") \
    >"$log" 2>&1; then
  sed -n '/tests passed/,$p' "$log" # the summary: counts, tests not run, total time
else
  grep -v -E '^ *(Start +[0-9]+|[0-9]+/[0-9]+ Test +#[0-9]+: .* Passed)' "$log"
  status=1
fi
if [[ $mode == release ]]; then
  echo "== lit tests"
  /usr/bin/python3 /usr/lib/llvm-19/build/utils/lit/lit.py -sv "$BST_BUILD_DIR/test" || status=1
fi
if [[ $status -ne 0 ]]; then
  echo "utils/test.sh: FAILED" >&2
else
  echo "utils/test.sh: all tests passed"
fi
exit $status
