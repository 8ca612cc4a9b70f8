"""goot vs POT on entropic unbalanced OT, same inputs, one process.

For each size n (n x n problem), reg and method of ``sinkhorn_unbalanced``,
goot and POT solve the same problem with POT's defaults (stopThr = 1e-6,
numItermax = 1000, reg_type = "kl"), alternating, ``--runs`` times each; the
table gives the median (and min) time of each, their ratio, the iteration counts
(length of log["err"]) and the largest difference between the two plans, which
must stay below 1e-7 (both follow the same iterates) or the script fails.

Inputs: two 2-D Gaussian clouds (X ~ N(0, I), Y ~ N(1, I/4), seed n), squared
Euclidean cost divided by its maximum (costs in [0, 1]), uniform a of mass 1
and uniform b of mass 1.5, reg_m = 1.

A last row per size runs reg = 1e-3, where POT's kernel exp(-M/reg)
underflows: POT stops with "Numerical errors" and returns a wrong plan, goot
solves on log-scalings; it reports goot's time and the marginal optimality
residual of goot's plan (max relative error of P1 = a exp(-logu reg/reg_m)).

Run: ``python benchmarks/bench_unbalanced.py [--sizes 200 1000 2000] [--runs 5]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
import warnings

import numpy as np
import ot

import goot

METHODS = ["sinkhorn", "sinkhorn_stabilized", "sinkhorn_translation_invariant"]
PLAN_TOL = 1e-7


def problem(n: int):
    rng = np.random.default_rng(n)
    X = rng.standard_normal((n, 2))
    Y = 0.5 * rng.standard_normal((n, 2)) + 1
    M = ot.dist(X, Y)
    M /= M.max()
    return np.full(n, 1.0 / n), np.full(n, 1.5 / n), M


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - start, out


def compare(n, reg, method, runs):
    a, b, M = problem(n)
    t_goot, t_pot = [], []
    for _ in range(runs):
        t, (P, lp) = timed(ot.sinkhorn_unbalanced, a, b, M, reg, 1.0, method=method,
                           log=True)  # fmt: skip
        t_pot.append(t)
        t, (G, lg) = timed(goot.sinkhorn_unbalanced, a, b, M, reg, 1.0,
                           method=method, log=True)  # fmt: skip
        t_goot.append(t)
    diff = float(np.abs(G - P).max())
    if not diff < PLAN_TOL or len(lg["err"]) != len(lp["err"]):
        raise SystemExit(
            f"n={n} reg={reg} {method}: plans differ by {diff:.2e}, iterations "
            f"{len(lg['err'])} vs {len(lp['err'])}"
        )
    return t_goot, t_pot, len(lg["err"]), diff


def small_reg(n, runs):
    a, b, M = problem(n)
    reg, reg_m = 1e-3, 1.0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ot.sinkhorn_unbalanced(a, b, M, reg, reg_m)
    pot_fails = any("Numerical errors" in str(w.message) for w in caught)
    times = []
    for _ in range(runs):
        t, (G, log) = timed(goot.sinkhorn_unbalanced, a, b, M, reg, reg_m, log=True)
        times.append(t)
    want = a * np.exp(-log["logu"] * reg / reg_m)
    residual = float(np.max(np.abs(G.sum(1) - want) / want))
    return times, pot_fails, len(log["err"]), residual


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 1000, 2000])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    warnings.simplefilter("ignore")

    print(f"machine: {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, {platform.system()}; numpy {np.__version__}, "
          f"POT {ot.__version__}")  # fmt: skip
    print()
    print("| n | reg | method | iters | goot median (min) ms | POT median (min) ms "
          "| goot/POT | max plan diff |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for n in args.sizes:
        for reg in (0.05, 0.01):
            for method in METHODS:
                tg, tp, iters, diff = compare(n, reg, method, args.runs)
                mg, mp = statistics.median(tg), statistics.median(tp)
                print(f"| {n} | {reg} | {method} | {iters} | {1e3 * mg:.1f} "
                      f"({1e3 * min(tg):.1f}) | {1e3 * mp:.1f} ({1e3 * min(tp):.1f}) "
                      f"| {mg / mp:.2f} | {diff:.1e} |")  # fmt: skip
        times, pot_fails, iters, residual = small_reg(n, args.runs)
        pot = "POT: numerical errors" if pot_fails else "POT ok"
        print(f"| {n} | 0.001 | sinkhorn | {iters} | "
              f"{1e3 * statistics.median(times):.1f} ({1e3 * min(times):.1f}) | "
              f"{pot} | – | residual {residual:.1e} |")  # fmt: skip


if __name__ == "__main__":
    main()
