"""The CUBA network of examples/cuba/Cuba.h, shared by the peers: parameters, options, the
connectivity and the initial state, and the one-line JSON result.

Units: mV and ms. The model (Vogels & Abbott 2005, Brian2's examples/CUBA.py):

    dv/dt  = (ge + gi - (v - El)) / taum   (not while refractory)
    dge/dt = -ge / taue,   dgi/dt = -gi / taui
    spike when v > Vt (and not refractory): v = Vr, refractory for 5 ms
    a spike of an excitatory neuron adds we to ge of its targets, of an inhibitory one wi to gi

One step of dt, as bst's Cuba::step: v is integrated with exponential Euler (ge, gi held over
the step), ge and gi decay exactly, then the spikes of this step are delivered.
"""
import argparse
import json
import math
import statistics
import sys

import numpy as np

N = 4000
FAN_IN = 80  # p = 80 / N: 0.02 at N = 4000, the same mean fan-in at every N
WE = 60 * 0.27 / 10  # mV
WI = -20 * 4.5 / 10  # mV
TAUM, TAUE, TAUI = 20.0, 5.0, 10.0  # ms
VT, VR, EL = -50.0, -60.0, -49.0  # mV
REFRACTORY, DT = 5.0, 0.1  # ms


def parse_args(description, extra=None):
    """Options every CUBA peer takes; `extra(parser)` adds its own."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--n", type=int, default=N, help="neurons (default 4000)")
    ap.add_argument("--p", type=float, default=None,
                    help="connection probability (default 80/N: 0.02 at N = 4000)")
    ap.add_argument("--seconds", type=float, default=1.0, help="simulated time per run")
    ap.add_argument("--repeats", type=int, default=3, help="timed runs; the median is reported")
    ap.add_argument("--warmup", type=float, default=0.0,
                    help="simulated seconds run untimed before the timed runs")
    ap.add_argument("--seed", type=int, default=2005)
    ap.add_argument("--workload", default=None,
                    help="name in the result (default cuba-<seconds>s)")
    if extra:
        extra(ap)
    args = ap.parse_args()
    if args.p is None:
        args.p = min(1.0, FAN_IN / args.n)
    args.excitatory = args.n * 4 // 5  # as CubaParams::withNeurons
    args.steps = int(round(args.seconds * 1000 / DT))
    args.warmup_steps = int(round(args.warmup * 1000 / DT))
    if args.workload is None:
        args.workload = f"cuba-{args.seconds:g}s"
    return args


def fixed_probability(num_pre, num_post, p, rng):
    """CSR (row_ptr int64[num_pre + 1], cols int32[nnz]): each (pre, post) pair, self-pairs
    included, connected independently with probability p, drawn as geometric gaps over the
    flattened matrix (the same law as bst::Connectivity::fixedProbability, another stream)."""
    total = num_pre * num_post
    pos = []
    last = -1
    while True:
        chunk = int(1.1 * p * (total - last)) + 1024
        gaps = rng.geometric(p, size=chunk)  # >= 1
        nxt = last + np.cumsum(gaps, dtype=np.int64)
        pos.append(nxt[nxt < total])
        if nxt[-1] >= total:
            break
        last = int(nxt[-1])
    pos = np.concatenate(pos)
    rows = pos // num_post
    cols = (pos - rows * num_post).astype(np.int32)
    row_ptr = np.zeros(num_pre + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=num_pre), out=row_ptr[1:])
    return row_ptr, cols


def network(args):
    """(exc CSR, inh CSR, initial v as float32) for args.n neurons."""
    rng = np.random.default_rng(args.seed)
    exc = fixed_probability(args.excitatory, args.n, args.p, rng)
    inh = fixed_probability(args.n - args.excitatory, args.n, args.p, rng)
    v0 = (VR + rng.random(args.n) * (VT - VR)).astype(np.float32)
    return exc, inh, v0


def decays():
    """exp(-dt/taum), exp(-dt/taue), exp(-dt/taui) in float32, as bst computes them."""
    f = np.float32
    return (f(math.exp(-DT / TAUM)), f(math.exp(-DT / TAUE)), f(math.exp(-DT / TAUI)))


def report(system, args, run_seconds, spikes, build_seconds=None, **extra):
    """Prints one JSON line: the median run time, each run, spikes per run and the rate."""
    median_spikes = statistics.median(spikes)
    result = {
        "system": system,
        "workload": args.workload,
        "n": args.n,
        "p": args.p,
        "seconds_simulated": args.seconds,
        "steps": args.steps,
        "warmup_steps": args.warmup_steps,
        "run_s": statistics.median(run_seconds),
        "run_s_all": [round(t, 6) for t in run_seconds],
        "step_us": 1e6 * statistics.median(run_seconds) / args.steps,
        "build_s": build_seconds,
        "spikes": median_spikes,
        "rate_hz": median_spikes / args.n / args.seconds,
    }
    result.update(extra)
    print(json.dumps(result), flush=True)


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)
