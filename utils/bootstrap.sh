#!/usr/bin/env bash
# Installs everything bst needs to build and test on Debian 12, with apt-get.
# Idempotent: when every package is present it prints nothing and exits 0.
#   utils/bootstrap.sh            build and test dependencies
#   utils/bootstrap.sh --peers    also the peers that utils/bench.sh compares against
set -euo pipefail

packages=(
  cmake ninja-build ccache g++ python3
  llvm-19-dev llvm-19-tools libmlir-19-dev mlir-19-tools
  libabsl-dev libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev python3-numpy
  clang-14 libclang-rt-14-dev
)
for arg in "$@"; do
  case "$arg" in
    # Brian2's cython target compiles extension modules (Python.h from python3-dev, g++);
    # its cpp_standalone target builds a program with make and g++.
    --peers) packages+=(python3-brian python3-numpy python3-torch python3-matplotlib
                        python3-dev cython3 g++ make libopenblas0-pthread) ;;
    -h|--help) sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bootstrap.sh: unknown option '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "bootstrap.sh: installing ${missing[*]}"
sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "bootstrap.sh: run as root or install sudo" >&2; exit 1; }
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists only when they are missing or a first attempt fails.
if ! "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/tmp/bst-apt.log 2>&1; then
  "${sudo[@]}" apt-get update -qq >>/tmp/bst-apt.log 2>&1
  "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >>/tmp/bst-apt.log 2>&1 || {
    tail -n 30 /tmp/bst-apt.log >&2
    echo "bootstrap.sh: apt-get failed; the full log is /tmp/bst-apt.log" >&2
    exit 1
  }
fi
