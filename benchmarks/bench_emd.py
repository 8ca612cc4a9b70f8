"""goot vs POT on exact OT (network simplex), same inputs, one process.

Cases (reference/performance.md §6, case 5):
- emd2 on two 2-D Gaussian clouds (X ~ N(0, I), Y ~ N(1, I/4), seed 100 n + d),
  squared Euclidean cost, uniform weights, n = 500, 1000, 2000, 4000. POT gets
  numItermax = 10**8, as does goot, so that both reach the optimum (POT's
  default of 100000 pivots stops short at n = 4000); the costs must
  agree to 1e-10 relative or the run fails.
- emd2 on very unequal sizes (uniform random costs, uniform weights): 2 x 40000
  and 100 x 10000, where a poor greedy start once made goot slow.
- the Python call overhead on a 2 x 2 problem.

Timing: one warm-up call each, then POT and goot alternate (A B A B ...); the
table shows the median and the minimum of the runs and the ratio of medians.

Run: ``make bench`` or ``python benchmarks/bench_emd.py [--sizes 500 1000]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
import timeit

import numpy as np
import ot

import goot


def clouds(n: int, d: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(100 * n + d)
    return rng.standard_normal((n, d)), 0.5 * rng.standard_normal((n, d)) + 1


def runs_for(n: int) -> int:
    return 7 if n <= 1000 else (5 if n <= 2000 else 3)


def bench_size(n: int, m: int | None = None, d: int = 2) -> dict:
    """Time emd2 on 2-D clouds (m None) or on an n x m uniform random cost."""
    if m is None:
        X, Y = clouds(n, d)
        M = ot.dist(X, Y)
    else:
        M = np.random.default_rng(n + m).random((n, m))
    pot = lambda: ot.emd2([], [], M, numItermax=10**8)  # noqa: E731
    ours = lambda: goot.emd2([], [], M, numItermax=10**8)  # noqa: E731
    cost_pot, cost = pot(), ours()  # warm-up, and the agreement check
    rel = abs(cost - cost_pot) / abs(cost_pot)
    if rel > 1e-10:
        raise SystemExit(f"n={n}: costs differ: goot {cost!r} POT {cost_pot!r}")
    t_pot, t_goot = [], []
    for _ in range(runs_for(n)):
        for fn, times in ((pot, t_pot), (ours, t_goot)):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
    return {
        "shape": f"{n} x {m or n}",
        "kind": "2-D clouds, sqeuclidean" if m is None else "uniform random",
        "pot": t_pot,
        "goot": t_goot,
        "cost": cost,
        "rel": rel,
    }


def overhead() -> tuple[float, float]:
    """Best per-call time (µs) of emd2 on a 2 x 2 problem, goot and POT."""
    a = np.array([0.5, 0.5])
    M = np.array([[0.0, 1.0], [1.0, 0.0]])
    goot.emd2(a, a, M)
    per_call = []
    for fn in (goot.emd2, ot.emd2):
        timer = timeit.Timer(lambda fn=fn: fn(a, a, M))
        per_call.append(min(timer.repeat(repeat=7, number=2000)) / 2000 * 1e6)
    return per_call[0], per_call[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 1000, 2000, 4000])
    args = parser.parse_args()

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, numpy {np.__version__}, "
        f"POT {ot.__version__}, goot {goot.__version__}"
    )
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    print()
    print(
        "| n x m | cost | POT emd2 median (min) s | goot emd2 median (min) s "
        "| POT/goot (medians) | optimal cost | rel. diff |"
    )
    print("|---|---|---|---|---|---|---|")
    for n, m in [(n, None) for n in args.sizes] + [(2, 40000), (100, 10000)]:
        r = bench_size(n, m)
        mp, mg = statistics.median(r["pot"]), statistics.median(r["goot"])
        print(
            f"| {r['shape']} | {r['kind']} | {mp:.4f} ({min(r['pot']):.4f}) "
            f"| {mg:.4f} ({min(r['goot']):.4f}) | {mp / mg:.2f}x "
            f"| {r['cost']:.10f} | {r['rel']:.1e} |",
            flush=True,
        )
    ours, theirs = overhead()
    print()
    print(
        f"call overhead, emd2 on 2 x 2: goot {ours:.1f} µs, POT {theirs:.1f} µs "
        f"per call"
    )
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
