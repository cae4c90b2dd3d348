#!/usr/bin/env bash
# Installs what is missing, configures, builds, and runs every bst test: GoogleTest unit tests
# through ctest, then the lit + FileCheck suite. Exits non-zero on any failure.
#   utils/test.sh                 Release build in build/
#   BST_BUILD_DIR=dir utils/test.sh
set -uo pipefail
source "$(dirname "$0")/common.sh"

"$BST_ROOT/utils/bootstrap.sh" || exit 1
bst_configure || exit 1
bst_build || exit 1

status=0
echo "== unit tests (ctest)"
log="$BST_BUILD_DIR/ctest.log"
if (cd "$BST_BUILD_DIR" && ctest --output-on-failure -j2 --timeout 300) >"$log" 2>&1; then
  tail -n 3 "$log"
else
  grep -v -E '^ *(Start +[0-9]+|[0-9]+/[0-9]+ Test +#[0-9]+: .* Passed)' "$log"
  status=1
fi
echo "== lit tests"
/usr/bin/python3 /usr/lib/llvm-19/build/utils/lit/lit.py -sv "$BST_BUILD_DIR/test" || status=1
if [[ $status -ne 0 ]]; then
  echo "utils/test.sh: FAILED" >&2
else
  echo "utils/test.sh: all tests passed"
fi
exit $status
