#!/usr/bin/env bash
# Installs what is missing, builds, and runs bst's main example: the CUBA network (4000 spiking
# neurons, Vogels & Abbott 2005) simulated for 1 s in one loop compiled with bst::jit, printing
# the spike count, the mean rate, the compile time and the time per step. Arguments go to the
# example: [seconds=1] [--n N] [--spikes FILE.csv] [--raster FILE.png]; --raster also installs
# matplotlib (utils/bootstrap.sh --peers). (examples/lif, a smaller population, is built too:
# build/bin/lif.)
set -euo pipefail
source "$(dirname "$0")/common.sh"

peers=()
for arg in "$@"; do [[ $arg == --raster ]] && peers=(--peers); done
"$BST_ROOT/utils/bootstrap.sh" "${peers[@]}"
bst_configure
bst_build cuba lif >/dev/null
"$BST_BUILD_DIR/bin/cuba" "$@"
