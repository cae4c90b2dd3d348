"""The CUBA network in Brian2 (Debian's python3-brian), on one of its code generation targets.

    /usr/bin/python3 benchmarks/peers/cuba_brian2.py --target {numpy,cython,cpp_standalone}
        [--n 4000] [--seconds 1] [--repeats 3] [--method exponential_euler]

The model is Brian2's examples/CUBA.py with bst's numerics: method exponential_euler integrates
v with ge and gi held over a step and lets ge, gi decay exactly, as examples/cuba/Cuba.h does
(--method exact gives the example's own linear solver). Brian2's default float64 is kept
(--float32 switches it). Spikes are counted by a SpikeMonitor with record=False.

Timing, one JSON line (cuba_common.report):
- run_s: CPU time of the simulation loop. numpy and cython targets: Brian2's own timing of
  Network.run's loop (its code generation, compilation and per-run set-up happen before it),
  made to read CPU time; repeats continue one network after a first, untimed run (the warm-up,
  or one more run of the workload) that compiles the code.
  cpp_standalone: the loop's CPU time as the compiled program measures it (std::clock) and
  writes to results/last_run_info.txt; each repeat runs the program again from t = 0 (after
  --warmup simulated seconds inside the program, when given).
- build_s (wall time): numpy and cython, network construction plus the first run less its loop
  (code generation, for cython the compilation into an empty cache unless --cython-cache, synapse
  creation). cpp_standalone: code generation and `make` (the program builds the connectivity
  itself, timed in neither).
All targets are single-threaded (standalone: devices.cpp_standalone.openmp_threads = 0).
"""
import os
import tempfile
import time
import types

import cuba_common as cc


def extra(ap):
    ap.add_argument("--target", required=True, choices=["numpy", "cython", "cpp_standalone"])
    ap.add_argument("--method", default="exponential_euler")
    ap.add_argument("--float32", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the build directories")
    ap.add_argument("--cython-cache", default=None,
                    help="Cython cache directory to reuse (default: a new empty one, so build_s "
                         "includes the compilation)")


def build_network(b2, args):
    taum, taue, taui = cc.TAUM * b2.ms, cc.TAUE * b2.ms, cc.TAUI * b2.ms
    Vt, Vr, El = cc.VT * b2.mV, cc.VR * b2.mV, cc.EL * b2.mV
    we, wi = cc.WE * b2.mV, cc.WI * b2.mV
    eqs = """
    dv/dt  = (ge+gi-(v-El))/taum : volt (unless refractory)
    dge/dt = -ge/taue : volt
    dgi/dt = -gi/taui : volt
    """
    P = b2.NeuronGroup(args.n, eqs, threshold="v>Vt", reset="v = Vr",
                       refractory=cc.REFRACTORY * b2.ms, method=args.method,
                       namespace=dict(taum=taum, taue=taue, taui=taui, Vt=Vt, Vr=Vr, El=El))
    P.v = "Vr + rand() * (Vt - Vr)"
    P.ge = 0 * b2.mV
    P.gi = 0 * b2.mV
    Ce = b2.Synapses(P, P, on_pre="ge += we", namespace=dict(we=we))
    Ci = b2.Synapses(P, P, on_pre="gi += wi", namespace=dict(wi=wi))
    Ce.connect(f"i<{args.excitatory}", p=args.p)
    Ci.connect(f"i>={args.excitatory}", p=args.p)
    mon = b2.SpikeMonitor(P, record=False)
    return b2.Network(P, Ce, Ci, mon), mon, (Ce, Ci)


def run_runtime(b2, args, workdir):
    if args.target == "cython":
        b2.prefs.codegen.runtime.cython.cache_dir = (
            args.cython_cache or os.path.join(workdir, "cython-cache"))
        b2.prefs.codegen.runtime.cython.multiprocess_safe = False
    t0 = time.perf_counter()
    net, mon, syn = build_network(b2, args)
    # The first run generates and compiles the code: untimed (a warm-up when asked for one,
    # else one more run of the workload). Spikes are counted by difference: toggling the
    # monitor's `active` would make the next run set up again.
    net.run((args.warmup if args.warmup > 0 else args.seconds) * b2.second)
    build = time.perf_counter() - t0 - b2.device._last_run_time
    # Brian2 times its loop with time.time(); let it read the process's CPU time instead.
    import brian2.core.network
    brian2.core.network.time = types.SimpleNamespace(time=time.process_time)
    times, spikes = [], []
    for r in range(args.repeats):
        before = int(mon.num_spikes)
        net.run(args.seconds * b2.second)
        times.append(b2.device._last_run_time)
        spikes.append(int(mon.num_spikes) - before)
    return times, spikes, build, sum(len(s) for s in syn)


def run_standalone(b2, args, workdir):
    directory = os.path.join(workdir, "standalone")
    b2.set_device("cpp_standalone", directory=directory, build_on_run=False)
    b2.prefs.devices.cpp_standalone.openmp_threads = 0
    b2.seed(args.seed)
    net, mon, syn = build_network(b2, args)
    if args.warmup > 0:
        mon.active = False
        net.run(args.warmup * b2.second)
        mon.active = True
    net.run(args.seconds * b2.second)  # last_run_info.txt times this run
    t0 = time.perf_counter()
    b2.device.build(directory=directory, compile=True, run=False, with_output=False)
    build = time.perf_counter() - t0
    times, spikes = [], []
    for _ in range(args.repeats):
        b2.device.run(directory, False, [])
        times.append(b2.device._last_run_time)
        spikes.append(int(mon.num_spikes))
    return times, spikes, build, sum(len(s) for s in syn)


def main():
    args = cc.parse_args(__doc__.splitlines()[0], extra)
    import brian2 as b2
    b2.prefs.codegen.target = "numpy" if args.target == "cpp_standalone" else args.target
    b2.defaultclock.dt = cc.DT * b2.ms
    if args.float32:
        import numpy as np
        b2.prefs.core.default_float_dtype = np.float32
    if args.target != "cpp_standalone":
        b2.seed(args.seed)
    with tempfile.TemporaryDirectory(prefix="bst-brian2-") as workdir:
        if args.keep:
            workdir = tempfile.mkdtemp(prefix="bst-brian2-keep-")
            cc.log(f"brian2: build directories kept in {workdir}")
        run = run_standalone if args.target == "cpp_standalone" else run_runtime
        times, spikes, build, synapses = run(b2, args, workdir)
    cc.report(f"brian2-{args.target}", args, times, spikes, build_seconds=build,
              synapses=synapses, brian2=b2.__version__, method=args.method,
              dtype="float32" if args.float32 else "float64")


if __name__ == "__main__":
    main()
