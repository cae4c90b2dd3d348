"""The CUBA network in plain NumPy, float32, event-driven over CSR connectivity.

Each step is a handful of whole-array operations written in place (out=, copyto(where=)) over
the neurons, then the targets of this step's spikes are gathered from the CSR rows and added
with bincount. Dense matrices are not an option past a few thousand neurons (N^2 floats), and a
dense matrix-vector product per step does ~N^2 work where the events do ~80 per spike.

    /usr/bin/python3 benchmarks/peers/cuba_numpy.py [--n 4000] [--seconds 1] [--repeats 3]
"""
import time

import numpy as np

import cuba_common as cc


def targets(row_ptr, cols, rows):
    """The concatenated CSR rows `rows` of (row_ptr, cols)."""
    starts = row_ptr[rows]
    lens = row_ptr[rows + 1] - starts
    total = int(lens.sum())
    ends = np.cumsum(lens)
    offsets = np.repeat(starts - ends + lens, lens) + np.arange(total)
    return cols[offsets]


class Cuba:
    def __init__(self, args):
        self.n, self.ne = args.n, args.excitatory
        (self.exc, self.inh, v0) = cc.network(args)
        self.synapses = len(self.exc[1]) + len(self.inh[1])
        n, f = args.n, np.float32
        self.v = v0
        self.ge = np.zeros(n, f)
        self.gi = np.zeros(n, f)
        self.ref = np.zeros(n, f)
        self.vinf = np.empty(n, f)
        self.vnew = np.empty(n, f)
        self.active = np.empty(n, bool)
        self.fired = np.empty(n, bool)
        self.dv, self.de, self.di = cc.decays()
        self.count = 0

    def step(self):
        v, ge, gi, ref = self.v, self.ge, self.gi, self.ref
        vinf, vnew, active, fired = self.vinf, self.vnew, self.active, self.fired
        np.less_equal(ref, 0, out=active)
        np.add(ge, gi, out=vinf)
        vinf += np.float32(cc.EL)
        np.subtract(v, vinf, out=vnew)
        vnew *= self.dv
        vnew += vinf
        np.copyto(v, vnew, where=active)
        np.greater(v, np.float32(cc.VT), out=fired)
        fired &= active
        np.copyto(v, np.float32(cc.VR), where=fired)
        ref -= np.float32(cc.DT)
        np.copyto(ref, np.float32(cc.REFRACTORY), where=fired)
        ge *= self.de
        gi *= self.di
        idx = np.flatnonzero(fired)
        if len(idx) == 0:
            return
        self.count += len(idx)
        split = np.searchsorted(idx, self.ne)
        if split > 0:
            t = targets(*self.exc, idx[:split])
            ge += np.float32(cc.WE) * np.bincount(t, minlength=self.n).astype(np.float32)
        if split < len(idx):
            t = targets(*self.inh, idx[split:] - self.ne)
            gi += np.float32(cc.WI) * np.bincount(t, minlength=self.n).astype(np.float32)

    def run(self, steps):
        for _ in range(steps):
            self.step()


def main():
    args = cc.parse_args(__doc__.splitlines()[0])
    t0 = time.perf_counter()
    net = Cuba(args)
    build = time.perf_counter() - t0
    cc.log(f"numpy: N={args.n}, {net.synapses} synapses, built in {build:.2f} s")
    net.run(args.warmup_steps)
    times, spikes = [], []
    for _ in range(args.repeats):
        before = net.count
        t0 = time.process_time()
        net.run(args.steps)
        times.append(time.process_time() - t0)
        spikes.append(net.count - before)
    cc.report("numpy", args, times, spikes, build_seconds=None, network_s=build,
              synapses=net.synapses, notes="float32, event-driven CSR, bincount")


if __name__ == "__main__":
    main()
