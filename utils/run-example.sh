#!/usr/bin/env bash
# Installs what is missing, builds, and runs bst's main example: a population of spiking
# (leaky integrate-and-fire) neurons compiled with bst::jit, printing the spike count, the compile
# time and the time per step. Arguments go to the example: [neurons=4000] [steps=10000].
set -euo pipefail
source "$(dirname "$0")/common.sh"

"$BST_ROOT/utils/bootstrap.sh"
bst_configure
bst_build lif >/dev/null
"$BST_BUILD_DIR/bin/lif" "$@"
