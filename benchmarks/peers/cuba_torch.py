"""The CUBA network in PyTorch on the CPU (Debian's python3-torch 1.13), float32, event-driven
over CSR connectivity: the algorithm of cuba_numpy.py in torch operations, the spikes' targets
gathered with repeat_interleave and added with index_add_. One thread (torch.set_num_threads(1)),
as every system in the comparison.

    /usr/bin/python3 benchmarks/peers/cuba_torch.py [--mode eager|script] [--n 4000]
        [--seconds 1] [--repeats 3]

--mode script compiles the whole simulation loop with TorchScript (torch.jit.script); its
build_s is the scripting plus the first (profiling) runs of the loop, which the TorchScript
executor needs before it optimises.
"""
import os
import time
from typing import List

# One thread: torch.set_num_threads covers ATen's own pool; OpenBLAS (Debian's pthreads build)
# reads its thread count from the environment when torch loads it.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch

import cuba_common as cc


def deliver(rows: torch.Tensor, csr: List[torch.Tensor], g: torch.Tensor, w: float):
    """Adds w to g at the targets of the CSR rows `rows`."""
    if rows.numel() == 0:
        return
    starts = csr[0][rows]
    lens = csr[0][rows + 1] - starts
    ends = torch.cumsum(lens, 0)
    offsets = torch.repeat_interleave(starts - ends + lens, lens) + \
        torch.arange(int(ends[-1]), dtype=starts.dtype)
    targets = csr[1][offsets]
    g.index_add_(0, targets, torch.full(targets.shape, w, dtype=g.dtype))


def step(v: torch.Tensor, ge: torch.Tensor, gi: torch.Tensor, ref: torch.Tensor,
         exc: List[torch.Tensor], inh: List[torch.Tensor], ne: int,
         c: List[float]) -> int:
    """One step in place; returns the number of spikes. c: dv, de, di, El, Vt, Vr, refractory,
    dt, we, wi."""
    active = ref <= 0
    vinf = ge + gi + c[3]
    v.copy_(torch.where(active, vinf + (v - vinf) * c[0], v))
    fired = (v > c[4]) & active
    v.masked_fill_(fired, c[5])
    ref.sub_(c[7]).masked_fill_(fired, c[6])
    ge.mul_(c[1])
    gi.mul_(c[2])
    idx = torch.nonzero(fired).flatten()
    count = idx.numel()
    if count == 0:
        return 0
    split = int((idx < ne).sum())
    deliver(idx[:split], exc, ge, c[8])
    deliver(idx[split:] - ne, inh, gi, c[9])
    return count


def run_loop(steps: int, v: torch.Tensor, ge: torch.Tensor, gi: torch.Tensor,
             ref: torch.Tensor, exc: List[torch.Tensor], inh: List[torch.Tensor], ne: int,
             c: List[float]) -> int:
    count = 0
    for _ in range(steps):
        count += step(v, ge, gi, ref, exc, inh, ne, c)
    return count


def main():
    args = cc.parse_args(__doc__.splitlines()[0],
                         lambda ap: ap.add_argument("--mode", default="eager",
                                                    choices=["eager", "script"]))
    torch.set_num_threads(1)
    t0 = time.perf_counter()
    exc, inh, v0 = cc.network(args)
    to = lambda csr: [torch.from_numpy(csr[0]), torch.from_numpy(csr[1]).long()]
    exc, inh = to(exc), to(inh)
    n = args.n
    v = torch.from_numpy(v0.copy())
    ge, gi, ref = torch.zeros(n), torch.zeros(n), torch.zeros(n)
    dv, de, di = cc.decays()
    c = [float(dv), float(de), float(di), cc.EL, cc.VT, cc.VR, cc.REFRACTORY, cc.DT, cc.WE,
         cc.WI]
    network_s = time.perf_counter() - t0
    synapses = len(exc[1]) + len(inh[1])
    loop, build = run_loop, None
    if args.mode == "script":
        t0 = time.perf_counter()
        loop = torch.jit.script(run_loop)
        # The profiling executor specialises after a couple of runs: do them on copies.
        for _ in range(3):
            loop(10, v.clone(), ge.clone(), gi.clone(), ref.clone(), exc, inh,
                 args.excitatory, c)
        build = time.perf_counter() - t0
    times, spikes = [], []
    with torch.no_grad():
        loop(args.warmup_steps, v, ge, gi, ref, exc, inh, args.excitatory, c)
        for _ in range(args.repeats):
            t0 = time.process_time()
            count = loop(args.steps, v, ge, gi, ref, exc, inh, args.excitatory, c)
            times.append(time.process_time() - t0)
            spikes.append(count)
    system = "pytorch-eager" if args.mode == "eager" else "torchscript"
    cc.report(system, args, times, spikes, build_seconds=build, network_s=network_s,
              synapses=synapses, torch=torch.__version__, threads=torch.get_num_threads(),
              notes="float32, event-driven CSR, index_add_")


if __name__ == "__main__":
    main()
