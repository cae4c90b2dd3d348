"""Draws the spike raster and the population rate of a CUBA run (Debian's python3-matplotlib).

    cuba 1 --spikes spikes.csv && /usr/bin/python3 examples/cuba/plot_raster.py spikes.csv out.png
    cuba 1 --raster out.png          # the same in one command

The input is what `cuba --spikes` writes: a comment line "# CUBA n=... excitatory=... dt_ms=...
steps=...", a header "time_ms,neuron", then one spike per line. The raster shows at most
--max-neurons neurons (the first ones; excitatory in blue, inhibitory in red), the rate panel the
whole population's rate in --bin ms bins.
"""
import argparse
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def read(path):
    with open(path) as f:
        meta = dict(re.findall(r"(\w+)=(\S+)", f.readline()))
    data = np.loadtxt(path, delimiter=",", skiprows=2, ndmin=2)
    if data.size == 0:
        data = np.zeros((0, 2))
    return meta, data[:, 0], data[:, 1].astype(np.int64)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("spikes")
    ap.add_argument("out")
    ap.add_argument("--max-neurons", type=int, default=4000)
    ap.add_argument("--bin", type=float, default=1.0, help="rate bin width in ms")
    args = ap.parse_args()
    meta, t, i = read(args.spikes)
    n, ne = int(meta["n"]), int(meta["excitatory"])
    duration = int(meta["steps"]) * float(meta["dt_ms"])
    shown = i < args.max_neurons

    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(9, 6), sharex=True,
                                   gridspec_kw={"height_ratios": [3, 1]})
    exc = shown & (i < ne)
    inh = shown & (i >= ne)
    ax1.plot(t[exc], i[exc], ",", color="tab:blue")
    ax1.plot(t[inh], i[inh], ",", color="tab:red")
    ax1.set_ylabel("neuron")
    ax1.set_ylim(-0.5, min(n, args.max_neurons) - 0.5)
    rate_hz = len(t) / n / (duration / 1000) if duration > 0 else 0.0
    ax1.set_title(f"CUBA, {n} neurons ({ne} excitatory): {len(t)} spikes, {rate_hz:.2f} Hz mean"
                  + ("" if n <= args.max_neurons else f"; raster of the first {args.max_neurons}"))

    edges = np.arange(0, duration + args.bin, args.bin)
    counts, _ = np.histogram(t, bins=edges)
    ax2.plot(edges[:-1] + args.bin / 2, counts / n / (args.bin / 1000), color="black", lw=0.8)
    ax2.set_xlabel("time (ms)")
    ax2.set_ylabel("rate (Hz)")
    ax2.set_xlim(0, duration)
    fig.tight_layout()
    fig.savefig(args.out, dpi=120)
    print(f"plot_raster: wrote {args.out}")


if __name__ == "__main__":
    main()
