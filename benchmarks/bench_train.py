"""Training-step throughput: course_lib (numpy) against PyTorch (CPU), in one process.

One *step* is the same work on both sides: forward on a mini-batch, the cost,
backward, and an Adam update (lr = 1e-3, default betas/eps).

* MLP 784-256-128-10, ReLU hidden layers, softmax cross-entropy, with and without
  batch norm (before the activation; the Linear layers feeding a batch norm have no
  bias), float32 and float64, mini-batches of 128 and 1024 random examples.
* A tiny 2-10-1 network (tanh hidden, sigmoid output, binary cross-entropy) trained
  full batch on 300 points, float64 and float32.

course_lib uses its native column layout (``X`` is ``(n, m)``), PyTorch its row layout
(``(m, n)``); data is generated and converted before any timing. Both libraries run
with their default thread settings. After a warm-up, each configuration runs R
rounds; a round times a block of N steps of course_lib and a block of N steps of
PyTorch (the order alternates between rounds). The table shows the median steps/s
over the rounds and the ratio course_lib / PyTorch.

Usage::

    python benchmarks/bench_train.py                 # full run (~3 minutes)
    python benchmarks/bench_train.py --quick         # a rough run (~40 s)
    python benchmarks/bench_train.py --markdown results.md
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from course_lib import network as net_mod
from course_lib.network import Network
from course_lib.optimizers import Adam, Workspace

try:
    import torch
    import torch.nn.functional as F
    from torch import nn
except ImportError:  # pragma: no cover - the benchmark needs torch
    torch = None


@dataclass(frozen=True)
class Config:
    name: str
    dims: tuple[int, ...]
    batch_norm: bool
    dtype: type
    batch: int
    tiny: bool = False

    @property
    def label(self) -> str:
        dt = "f32" if self.dtype == np.float32 else "f64"
        bn = " +BN" if self.batch_norm else ""
        return f"{self.name}{bn} {dt} m={self.batch}"


MLP = (784, 256, 128, 10)
TINY = (2, 10, 1)


def all_configs() -> list[Config]:
    configs = []
    for bn in (False, True):
        for dtype in (np.float64, np.float32):
            for batch in (128, 1024):
                configs.append(Config("mlp", MLP, bn, dtype, batch))
    for dtype in (np.float64, np.float32):
        configs.append(Config("tiny", TINY, False, dtype, 300, tiny=True))
    return configs


# ---- data ----------------------------------------------------------------------------


def make_data(cfg: Config, seed: int = 0, n_batches: int = 8):
    """Pre-generated mini-batches: column layout for course_lib, row layout for torch."""
    rng = np.random.default_rng(seed)
    n_in, n_out = cfg.dims[0], cfg.dims[-1]
    if cfg.tiny:
        n_batches = 1  # full batch
    cols, rows = [], []
    for _ in range(n_batches):
        Xr = rng.standard_normal((cfg.batch, n_in)).astype(cfg.dtype)
        if cfg.tiny:
            labels = (Xr[:, 0] * Xr[:, 1] > 0).astype(np.int64)  # XOR-like quadrants
            Yc = labels.reshape(1, -1).astype(cfg.dtype)
            y_torch = labels.astype(cfg.dtype).reshape(-1, 1)
        else:
            labels = rng.integers(0, n_out, cfg.batch)
            Yc = np.zeros((n_out, cfg.batch), dtype=cfg.dtype)
            Yc[labels, np.arange(cfg.batch)] = 1
            y_torch = labels
        cols.append((np.ascontiguousarray(Xr.T), Yc))
        rows.append((Xr, y_torch))
    return cols, rows


# ---- the two sides ---------------------------------------------------------------------


def course_step_fn(cfg: Config, batches, seed: int = 0, four_calls: bool = False):
    """A closure running one course_lib training step per call.

    ``network.train_step``, or with ``four_calls`` the public functions a training
    loop calls: forward, compute_cost, backward (check=False), update_inplace (with
    the loop's own optimizer workspace).
    """
    net = Network(
        cfg.dims,
        hidden_activation="tanh" if cfg.tiny else "relu",
        output="sigmoid" if cfg.tiny else "softmax",
        batch_norm=cfg.batch_norm,
        bn_unbiased=True,  # same running-variance update as torch's BatchNorm1d
    )
    rng = np.random.default_rng(seed)
    params = net.init_params(rng, "he", dtype=cfg.dtype)
    opt = Adam(lr=1e-3)
    opt_state = opt.init(params)
    workspace = Workspace()
    holder = {"state": net.init_state(cfg.dtype), "i": 0}
    n = len(batches)

    def step() -> None:
        X, Y = batches[holder["i"] % n]
        holder["i"] += 1
        _, holder["state"] = net_mod.train_step(
            net, params, opt, opt_state, X, Y, state=holder["state"]
        )

    def step_four_calls() -> None:
        X, Y = batches[holder["i"] % n]
        holder["i"] += 1
        ZL, caches, holder["state"] = net_mod.forward(
            net, params, X, state=holder["state"], check=False
        )
        net_mod.compute_cost(net, params, ZL, Y, check=False)
        grads = net_mod.backward(net, params, ZL, Y, caches, check=False)
        opt.update_inplace(params, grads, opt_state, workspace=workspace)

    return step_four_calls if four_calls else step


def torch_step_fn(cfg: Config, batches, seed: int = 0):
    """A closure running one PyTorch training step per call."""
    torch.manual_seed(seed)
    tdtype = torch.float32 if cfg.dtype == np.float32 else torch.float64
    layers: list = []
    dims = cfg.dims
    for l in range(1, len(dims)):
        hidden = l < len(dims) - 1
        bn = cfg.batch_norm and hidden
        layers.append(nn.Linear(dims[l - 1], dims[l], bias=not bn))
        if bn:
            layers.append(nn.BatchNorm1d(dims[l]))
        if hidden:
            layers.append(nn.Tanh() if cfg.tiny else nn.ReLU())
    model = nn.Sequential(*layers).to(tdtype)
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    tb = [(torch.from_numpy(X), torch.from_numpy(y)) for X, y in batches]
    loss_fn = F.binary_cross_entropy_with_logits if cfg.tiny else F.cross_entropy
    holder = {"i": 0}
    n = len(tb)

    def step() -> None:
        X, y = tb[holder["i"] % n]
        holder["i"] += 1
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(X), y)
        loss.backward()
        opt.step()

    return step


# ---- timing ------------------------------------------------------------------------------


def time_block(step, n: int) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        step()
    return time.perf_counter() - t0


def calibrate(step, target_s: float) -> int:
    """Steps per block so that a block takes about ``target_s`` (after a warm-up)."""
    n = 1
    while True:
        dt = time_block(step, n)
        if dt >= target_s / 4 or n >= 1 << 20:
            return max(1, round(n * target_s / max(dt, 1e-9)))
        n *= 2


def _busy_seconds() -> float | None:
    """CPU seconds the whole machine has been busy (all processes), from /proc/stat."""
    try:
        with open("/proc/stat") as f:
            fields = f.readline().split()[1:]
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _own_seconds() -> float:
    t = os.times()
    return t.user + t.system


class LoadMeter:
    """How many cores OTHER processes kept busy while a round ran (None: unknown)."""

    def start(self) -> None:
        self.t, self.busy, self.own = time.perf_counter(), _busy_seconds(), _own_seconds()

    def stop(self) -> float | None:
        busy = _busy_seconds()
        if busy is None or self.busy is None:
            return None
        wall = time.perf_counter() - self.t
        return max(0.0, (busy - self.busy) - (_own_seconds() - self.own)) / max(wall, 1e-9)


def measure(cfg: Config, rounds: int, block_s: float, warmup_s: float,
            max_load: float = 0.15, four_calls: bool = False, pause_s: float = 0.12,
            budget_s: float | None = None) -> dict:
    """Median steps/s of each side over ``rounds`` kept blocks, the sides interleaved.

    Rounds run one block of N steps per side, the order alternating. A block during
    which other processes on the machine kept more than ``max_load`` cores busy is
    thrown away and run again: with 2 cores, a busy neighbour stalls multithreaded
    BLAS/OpenMP code and the numbers mean nothing. After ``budget_s`` seconds (default:
    twice the undisturbed time) every block is kept; the result shows the worst load
    a kept block was measured under.
    Each block starts ``pause_s`` after the previous one: after its last call, a
    library's worker threads keep spinning for a while (OpenBLAS: up to 2^28 cycles,
    about 0.1 s; OpenMP: less) and would compete with the other library's threads.
    """
    cols, rows = make_data(cfg)
    sides = {"course_lib": course_step_fn(cfg, cols), "torch": torch_step_fn(cfg, rows)}
    if four_calls:
        sides["4 calls"] = course_step_fn(cfg, cols, four_calls=True)
    n_steps = {}
    for name, step in sides.items():
        t_end = time.perf_counter() + warmup_s
        while time.perf_counter() < t_end:
            step()
        n_steps[name] = calibrate(step, block_s)
    rates: dict[str, list[float]] = {name: [] for name in sides}
    order = list(sides)
    meter = LoadMeter()
    loads, discarded, r = [], 0, 0
    if budget_s is None:
        budget_s = 2 * rounds * len(sides) * (block_s + pause_s)
    deadline = time.perf_counter() + budget_s
    while min(len(v) for v in rates.values()) < rounds:
        for name in order if r % 2 == 0 else order[::-1]:  # alternate the order
            if len(rates[name]) >= rounds:
                continue
            n = n_steps[name]
            time.sleep(pause_s)
            meter.start()
            rate = n / time_block(sides[name], n)
            load = meter.stop()
            if load is not None and load > max_load and time.perf_counter() < deadline:
                discarded += 1
                continue
            loads.append(load or 0.0)
            rates[name].append(rate)
        r += 1
    med = {name: statistics.median(v) for name, v in rates.items()}
    return {"config": cfg, **med, "ratio": med["course_lib"] / med["torch"],
            "rounds": rates, "discarded": discarded, "load": max(loads)}


# ---- report ------------------------------------------------------------------------------


def blas_threads() -> str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        env = [f"{k}={os.environ[k]}" for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")
               if k in os.environ]
        return "unknown (threadpoolctl not installed)" + (f", {', '.join(env)}" if env else "")
    infos = [i for i in threadpool_info() if i.get("user_api") == "blas"
             and "numpy" in i.get("filepath", "")]
    if not infos:
        infos = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    return ", ".join(
        f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture')}): "
        f"{i.get('num_threads')} threads" for i in infos
    ) or "unknown"


def machine_info() -> list[str]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return [
        f"CPU: {cpu}, {os.cpu_count()} logical cores",
        f"Python {platform.python_version()}, numpy {np.__version__}, torch {torch.__version__}",
        f"numpy BLAS: {blas_threads()}",
        f"torch threads: {torch.get_num_threads()} (interop {torch.get_num_interop_threads()}),"
        f" BLAS: {'MKL' if torch.backends.mkl.is_available() else 'not MKL'},"
        f" oneDNN: {torch.backends.mkldnn.is_available()}",
    ]


def markdown_table(results: list[dict]) -> str:
    four = "4 calls" in results[0]
    lines = [
        "| configuration | course_lib steps/s | torch steps/s | ratio course_lib/torch |"
        + (" 4 calls steps/s | ratio 4 calls/torch |" if four else "")
        + " other load |",
        "|---|---:|---:|---:|" + ("---:|---:|" if four else "") + "---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['config'].label} | {r['course_lib']:.1f} | {r['torch']:.1f} "
            f"| {r['ratio']:.2f}x |"
            + (f" {r['4 calls']:.1f} | {r['4 calls'] / r['torch']:.2f}x |" if four else "")
            + f" {r['load']:.2f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter rounds")
    parser.add_argument("--markdown", metavar="OUT", help="also write the table to OUT")
    parser.add_argument("--only", metavar="TEXT", help="only configurations whose label "
                        "contains TEXT (e.g. 'tiny', 'f32 m=128', '+BN')")
    parser.add_argument("--rounds", type=int, help="rounds per configuration")
    parser.add_argument("--budget", type=float, metavar="SECONDS",
                        help="per configuration, how long blocks disturbed by other "
                        "processes are redone (default: twice the undisturbed time)")
    parser.add_argument("--four-calls", action="store_true",
                        help="also time course_lib through forward/compute_cost/backward/"
                        "update_inplace (what a hand-written training loop calls)")
    args = parser.parse_args(argv)
    if torch is None:
        print("PyTorch is not installed: pip install torch==2.13.0", file=sys.stderr)
        return 1
    rounds = args.rounds or (5 if args.quick else 11)
    block_s = 0.15 if args.quick else 0.35
    warmup_s = 0.3 if args.quick else 1.0
    configs = [c for c in all_configs() if not args.only or args.only in c.label]
    info = machine_info()
    for line in info:
        print(line)
    print(f"{rounds} rounds per configuration, blocks of ~{block_s}s per side, "
          f"medians of steps/s\n")
    results = []
    t0 = time.perf_counter()
    for cfg in configs:
        res = measure(cfg, rounds, block_s, warmup_s, four_calls=args.four_calls,
                      budget_s=args.budget)
        results.append(res)
        spread = "/".join(
            f"{min(v) / statistics.median(v) - 1:+.0%}..{max(v) / statistics.median(v) - 1:+.0%}"
            for v in res["rounds"].values())
        print(f"{cfg.label:24s} course_lib {res['course_lib']:9.1f}/s  torch "
              f"{res['torch']:9.1f}/s  ratio {res['ratio']:.2f}x   (spread {spread}, "
              f"{res['discarded']} blocks redone, max other load {res['load']:.2f} cores)"
              + (f"  4 calls {res['4 calls']:.1f}/s" if args.four_calls else ""),
              flush=True)
    print(f"\n(total {time.perf_counter() - t0:.0f} s)\n")
    table = markdown_table(results)
    print(table)
    if args.markdown:
        text = "\n".join(["# bench_train results", "", *[f"- {s}" for s in info], "",
                          f"{rounds} rounds, blocks of ~{block_s}s per side, medians; "
                          "'other load': the largest CPU load (cores) of other processes "
                          "in a round that was kept.", "", table, ""])
        Path(args.markdown).write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
