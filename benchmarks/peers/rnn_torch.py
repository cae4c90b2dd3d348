"""The RNN training step in PyTorch on the CPU (Debian's python3-torch 1.13), the peer of bst's
BM_RnnTrainStep_Jit. The workload (README.md in this folder, the same in both):

    x: f32[T=50, B=32, I=128] and target: f32[B, O=10], fixed, from a seeded generator
    h_0 = 0;  h_t = tanh(x_t @ W_x + h_{t-1} @ W_h + b)      W_x: [I, H], W_h: [H, H], b: [H], H=128
    y = h_T @ W_o + b_o                                       W_o: [H, O], b_o: [O]
    loss = mean((y - target)^2)
    one step = forward, backward (through all 50 time steps), Adam (lr 1e-3, betas 0.9, 0.999,
    eps 1e-8) on W_x, W_h, b, W_o, b_o

    /usr/bin/python3 benchmarks/peers/rnn_torch.py [--mode eager|nn|script] [--steps 100]
        [--repeats 5]

Modes: eager, the recurrence written out as above (what a user writing the model by hand runs);
nn, torch.nn.RNN (ATen's fused RNN) with the readout; script, the written-out model compiled
with TorchScript (torch.jit.script), build_s covering scripting and the warm-up steps the
profiling executor needs. One thread (torch.set_num_threads(1)). Prints one JSON line: the
median CPU time per training step over `repeats` timed blocks of `steps` steps, after warm-up
(build_s is wall time).
"""
import argparse
import json
import os
import statistics
import time

# One thread: torch.set_num_threads covers ATen's own pool; OpenBLAS (Debian's pthreads build)
# reads its thread count from the environment when torch loads it.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch

T, B, I, H, O = 50, 32, 128, 128, 10


class Rnn(torch.nn.Module):
    def __init__(self):
        super().__init__()
        s = 1.0 / H ** 0.5
        self.w_x = torch.nn.Parameter(torch.empty(I, H).uniform_(-s, s))
        self.w_h = torch.nn.Parameter(torch.empty(H, H).uniform_(-s, s))
        self.b = torch.nn.Parameter(torch.zeros(H))
        self.w_o = torch.nn.Parameter(torch.empty(H, O).uniform_(-s, s))
        self.b_o = torch.nn.Parameter(torch.zeros(O))

    def forward(self, x: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        h = torch.zeros(x.shape[1], self.w_h.shape[0])
        for t in range(x.shape[0]):
            h = torch.tanh(x[t] @ self.w_x + h @ self.w_h + self.b)
        y = h @ self.w_o + self.b_o
        return ((y - target) ** 2).mean()


class NnRnn(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = torch.nn.RNN(I, H, nonlinearity="tanh")
        self.out = torch.nn.Linear(H, O)

    def forward(self, x: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        _, h = self.rnn(x)
        return ((self.out(h[0]) - target) ** 2).mean()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mode", default="eager", choices=["eager", "nn", "script"])
    ap.add_argument("--steps", type=int, default=100, help="training steps per timed block")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=10)
    args = ap.parse_args()
    if args.mode == "script":
        args.warmup = max(args.warmup, 10)  # the profiling executor optimises after a few runs
    torch.set_num_threads(1)
    torch.manual_seed(0)
    x = torch.randn(T, B, I)
    target = torch.randn(B, O)
    model = NnRnn() if args.mode == "nn" else Rnn()
    build = None
    t0 = time.perf_counter()
    if args.mode == "script":
        model = torch.jit.script(model)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)

    def train_step():
        opt.zero_grad(set_to_none=True)
        loss = model(x, target)
        loss.backward()
        opt.step()
        return loss

    first = float(train_step())
    for _ in range(args.warmup - 1):
        train_step()
    if args.mode == "script":
        build = time.perf_counter() - t0
    times = []
    for _ in range(args.repeats):
        t0 = time.process_time()
        for _ in range(args.steps):
            loss = train_step()
        times.append((time.process_time() - t0) / args.steps)
    system = {"eager": "pytorch-eager", "nn": "pytorch-nn.RNN", "script": "torchscript"}
    print(json.dumps({
        "system": system[args.mode],
        "workload": "rnn-train-step",
        "shape": {"T": T, "B": B, "I": I, "H": H, "O": O},
        "run_s": statistics.median(times),
        "run_s_all": [round(t, 7) for t in times],
        "build_s": build,
        "loss_first": first,
        "loss_last": float(loss),
        "steps": args.warmup + args.repeats * args.steps,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
    }), flush=True)


if __name__ == "__main__":
    main()
