"""goot vs POT on minibatch exact OT couplings, same inputs, one process.

Case (issue 7, "Speed"): 64 minibatch pairs of 256 x 256 points, d = 2 and
d = 784 (the size of an MNIST image), source x0 ~ N(0, I), target
x1 ~ N(1, I/4), squared Euclidean cost, uniform weights, exact plans.

- POT: a Python loop over the 64 pairs of ``M = ot.dist(x0[c], x1[c])`` and
  ``ot.emd([], [], M)`` (what torchcfm's OTPlanSampler does per batch).
- goot: one call, ``goot.minibatch.couplings(x0, x1)``: the 64 problems are
  solved by the Go network simplex on every core, each worker building the
  cost matrix of the problem it solves.

Both return the 64 plans. Before timing, the plans are checked to agree
(max |difference| <= 1e-12) and the costs <P, M> to 1e-10 relative; the run
fails otherwise. Both solvers get numItermax = 10**7 (neither needs it).

Timing: one warm-up call each, then POT and goot alternate (A B A B ...); the
table shows the median and the minimum of the runs and the ratio of medians.

Run: ``python benchmarks/bench_minibatch.py [--runs 5] [--dims 2 784]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np
import ot

import goot
from goot.minibatch import couplings

K, N = 64, 256
ITERS = 10**7


def batches(d: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1000 + d)
    x0 = rng.standard_normal((K, N, d))
    x1 = 0.5 * rng.standard_normal((K, N, d)) + 1
    return x0, x1


def pot_loop(x0: np.ndarray, x1: np.ndarray) -> np.ndarray:
    plans = np.empty((K, N, N))
    for c in range(K):
        M = ot.dist(x0[c], x1[c])
        plans[c] = ot.emd([], [], M, numItermax=ITERS)
    return plans


def goot_batched(x0: np.ndarray, x1: np.ndarray) -> np.ndarray:
    return couplings(x0, x1, numItermax=ITERS)


def check(x0, x1, plans_pot, plans_goot) -> tuple[float, float]:
    """Largest plan difference and largest relative cost difference."""
    diff = float(np.abs(plans_pot - plans_goot).max())
    rel = 0.0
    for c in range(K):
        M = ot.dist(x0[c], x1[c])
        cp, cg = float(np.sum(plans_pot[c] * M)), float(np.sum(plans_goot[c] * M))
        rel = max(rel, abs(cp - cg) / abs(cp))
    if diff > 1e-12 or rel > 1e-10:
        raise SystemExit(f"plans differ: max |dP| = {diff:.2e}, cost rel {rel:.2e}")
    return diff, rel


def bench(d: int, runs: int) -> dict:
    x0, x1 = batches(d)
    diff, rel = check(x0, x1, pot_loop(x0, x1), goot_batched(x0, x1))
    t_pot, t_goot = [], []
    for _ in range(runs):
        for fn, times in ((pot_loop, t_pot), (goot_batched, t_goot)):
            start = time.perf_counter()
            fn(x0, x1)
            times.append(time.perf_counter() - start)
    return {"d": d, "pot": t_pot, "goot": t_goot, "diff": diff, "rel": rel}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--dims", type=int, nargs="+", default=[2, 784])
    args = parser.parse_args()

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, numpy {np.__version__}, "
        f"POT {ot.__version__}, goot {goot.__version__}"
    )
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    print()
    print(
        "| minibatches | d | POT loop median (min) s | goot batched median (min) s "
        "| goot/POT (medians) | max plan diff | max cost rel. diff |"
    )
    print("|---|---|---|---|---|---|---|")
    for d in args.dims:
        r = bench(d, args.runs)
        mp, mg = statistics.median(r["pot"]), statistics.median(r["goot"])
        print(
            f"| {K} x {N}x{N} | {d} | {mp:.3f} ({min(r['pot']):.3f}) "
            f"| {mg:.3f} ({min(r['goot']):.3f}) | {mg / mp:.3f} "
            f"| {r['diff']:.1e} | {r['rel']:.1e} |",
            flush=True,
        )
    print()
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
