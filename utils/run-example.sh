#!/usr/bin/env bash
# Installs what is missing, builds, and runs bst's main example.
set -euo pipefail
source "$(dirname "$0")/common.sh"

"$BST_ROOT/utils/bootstrap.sh"
bst_configure
bst_build state-demo >/dev/null
"$BST_BUILD_DIR/bin/state-demo" "$@"
