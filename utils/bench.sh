#!/usr/bin/env bash
# Runs bst's CUBA and RNN benchmarks and the peers in benchmarks/peers/ in one
# go and prints markdown tables: each system's median, its ratio to bst, build or compile time
# apart, the CUBA scaling table (time per step at N = 4,000, 40,000, 400,000) and the issue's
# targets checked. Installs the peers with utils/bootstrap.sh --peers.
#   utils/bench.sh            the full run (about 10 minutes on 2 cores)
#   utils/bench.sh --quick    a smoke run: every system once, 0.1 s simulated, scaling to
#                             N = 40,000 for bst and NumPy only (< 2 minutes once bst is built)
#   utils/bench.sh --no-peers bst's benchmarks only
#   --out DIR                 where the raw results go (default $BST_BUILD_DIR/bench)
# Every system runs on one thread; run times are CPU times of the simulating process (build and
# compile times are wall times). A shared machine is noisy: run it twice, compare.
# docs/performance.md has the latest table and what it means.
set -euo pipefail
source "$(dirname "$0")/common.sh"

quick=0
with_peers=1
out=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) quick=1 ;;
    --no-peers) with_peers=0 ;;
    --out) out=${2:?--out needs a directory}; shift ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done
out=${out:-$BST_BUILD_DIR/bench}
mkdir -p "$out"
peers_dir=$BST_ROOT/benchmarks/peers
py=/usr/bin/python3
# One thread everywhere: bst and Brian2's targets are single-threaded.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

if [[ $with_peers -eq 1 ]]; then
  "$BST_ROOT/utils/bootstrap.sh" --peers
else
  "$BST_ROOT/utils/bootstrap.sh"
fi
bst_configure
bst_build bst-benchmarks cuba >"$out/build.log" 2>&1 || { tail -n 30 "$out/build.log" >&2; exit 1; }

log() { echo "bench.sh: $*" >&2; }
start=$SECONDS

# --- bst ---------------------------------------------------------------------------------------
if [[ $quick -eq 1 ]]; then
  filter='^BM_(CubaSecond_(Jit|Handwritten)|CubaCompile.*|CubaScaling_(Jit|Handwritten)/(4000|40000)|RnnTrainStep_Jit)$'
  bst_args=(--benchmark_repetitions=1 --benchmark_min_time=0.05)
else
  filter='^BM_(CubaSecond_(Jit|Handwritten|StepCalls)|CubaCompile.*|CubaScaling_(Jit|Handwritten)/[0-9]+|RnnTrainStep_Jit)$'
  bst_args=(--benchmark_repetitions=5 --benchmark_report_aggregates_only=true)
fi
log "bst-benchmarks --benchmark_filter='$filter' ${bst_args[*]}"
"$BST_BUILD_DIR/bin/bst-benchmarks" --benchmark_filter="$filter" "${bst_args[@]}" \
  --benchmark_out="$out/bst.json" --benchmark_out_format=json >"$out/bst.txt" 2>&1 ||
  { cat "$out/bst.txt" >&2; exit 1; }

# --- peers -------------------------------------------------------------------------------------
peers=$out/peers.jsonl
: >"$peers"
peer() { # peer SCRIPT ARGS...: one JSON line into $peers, the rest into $out/peers.log
  log "$*"
  (cd "$peers_dir" && "$py" "$@") >>"$peers" 2>>"$out/peers.log" ||
    { tail -n 20 "$out/peers.log" >&2; log "FAILED: $*"; exit 1; }
}
if [[ $with_peers -eq 1 ]]; then
  : >"$out/peers.log"
  if [[ $quick -eq 1 ]]; then
    one=(--seconds 0.1 --repeats 1)
    scaling_ns=(4000 40000)
    scaling=(--seconds 0.02 --warmup 0.04 --repeats 1 --workload cuba-scaling)
    rnn=(--steps 5 --repeats 1 --warmup 3)
  else
    one=(--seconds 1 --repeats 5)
    scaling_ns=(4000 40000 400000)
    scaling=(--seconds 0.02 --warmup 0.04 --repeats 3 --workload cuba-scaling)
    rnn=(--steps 50 --repeats 5)
  fi
  # CUBA, 4,000 neurons, 1 s (--quick: 0.1 s).
  for target in cpp_standalone cython numpy; do
    peer cuba_brian2.py --target "$target" "${one[@]}"
  done
  peer cuba_numpy.py "${one[@]}"
  peer cuba_torch.py --mode eager "${one[@]}"
  peer cuba_torch.py --mode script "${one[@]}"
  # Scaling: NumPy and the compiled peers (Brian2's numpy target and PyTorch eager are slower than
  # NumPy at every N; they are in the 4,000-neuron table). --quick: NumPy only.
  cache=$out/cython-cache
  for n in "${scaling_ns[@]}"; do
    peer cuba_numpy.py --n "$n" "${scaling[@]}"
    [[ $quick -eq 1 ]] && continue
    peer cuba_brian2.py --target cpp_standalone --n "$n" "${scaling[@]}"
    peer cuba_brian2.py --target cython --cython-cache "$cache" --n "$n" "${scaling[@]}"
    peer cuba_torch.py --mode script --n "$n" "${scaling[@]}"
  done
  # The RNN training step.
  for mode in eager nn script; do
    peer rnn_torch.py --mode "$mode" "${rnn[@]}"
  done
fi

# --- report ------------------------------------------------------------------------------------
{
  echo "## utils/bench.sh$([[ $quick -eq 1 ]] && echo ' --quick')"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), bst $(git -C "$BST_ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$BST_ROOT" diff --quiet HEAD 2>/dev/null || echo ' (with local changes)'), $(lscpu | sed -n 's/^Model name: *//p'), $(nproc --all) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end; took $((SECONDS - start)) s."
  echo
  "$py" "$peers_dir/report.py" "$out/bst.json" "$peers"
} | tee "$out/report.md"
log "raw results in $out (bst.json, bst.txt, peers.jsonl, peers.log, report.md)"
