"""Sinkhorn-Newton-Sparse (goot) vs Sinkhorn-log (goot, POT): the paper's table.

Tang et al., "Accelerating Sinkhorn algorithm with sparse Newton iterations",
ICLR 2024, Table 1: iterations and time to reach machine accuracy. Here the
target is an L1 marginal error ||P1 - a||_1 + ||P^T 1 - b||_1 below --tol
(default 1e-10), computed afterwards from each returned plan.

Cases:

1. Random assignment (the paper's): costs uniform in [0, 1], uniform weights,
   reg = 1/1200, n = 500 (the paper's size), 1000, 2000.
2. Images (the paper's MNIST setting): two scikit-learn digits (8 x 8, bundled
   with scikit-learn) upsampled to 28 x 28 (784 bins) by linear
   interpolation, normalised; pixel grid scaled to [0, 1]^2; squared and
   absolute (L1) grid distance; reg = 1/1200. Zero pixels are zero weights.
3. A sweep of reg at n = 500 on the random assignment problem.

Methods:

- goot SNS: ``goot.bregman.sinkhorn_newton_sparse(stopThr=tol)`` with its
  defaults (20 Sinkhorn iterations, sparsity 2/n); median (min) of --runs runs.
- goot Sinkhorn-log: ``goot.sinkhorn(method="sinkhorn_log")`` stops on the L2
  error of the column sums (rows are exact after each iteration), checked every
  10 iterations; stopThr = tol / sqrt(m) makes the L1 error below tol. One run,
  capped at --budget seconds: the cap in iterations is budget / (time per
  iteration measured on a 200-iteration run); a capped run is marked
  "(cap)" and its time is a lower bound ("> t").
- POT Sinkhorn-log: ``ot.sinkhorn(method="sinkhorn_log")`` runs the same
  iterates as goot's sinkhorn_log (same plan to rounding, tested in
  tests/test_bregman.py), at 0.1-1 s per iteration; it is run for 5 iterations
  (stopThr = 0, twice) and its time to tol projected as (its time per
  iteration) x (goot sinkhorn_log's iteration count), marked "est.". Where
  goot's run was capped the projection is a lower bound too.

Run: ``make bench`` or ``python benchmarks/bench_sns.py [--sizes 500 1000]``.
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

warnings.simplefilter("ignore")  # capped Sinkhorn runs warn


def l1_error(P, a, b) -> float:
    return float(np.abs(P.sum(1) - a).sum() + np.abs(P.sum(0) - b).sum())


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - start, out


def assignment(n: int, seed: int = 0):
    M = np.random.default_rng(seed).random((n, n))
    w = np.full(n, 1.0 / n)
    return w, w.copy(), M


def digits_pair(metric: str):
    """Two 28 x 28 digit histograms and the grid cost ('sqeuclidean' or
    'cityblock') on [0, 1]^2."""
    from scipy.ndimage import zoom
    from sklearn.datasets import load_digits

    images = load_digits().images
    hists = []
    for k in (0, 1):  # a "0" and a "1"
        img = np.clip(zoom(images[k], 28 / 8, order=1), 0, None)
        hists.append(img.ravel() / img.sum())
    g = np.arange(28) / 27
    X = np.stack(np.meshgrid(g, g, indexing="ij"), -1).reshape(-1, 2)
    return hists[0], hists[1], ot.dist(X, X, metric=metric)


def run_sns(a, b, M, reg, tol, runs):
    times, log, P = [], None, None
    for _ in range(runs):
        t, (P, log) = timed(
            goot.bregman.sinkhorn_newton_sparse, a, b, M, reg, stopThr=tol,
            numItermax=2000, log=True,
        )  # fmt: skip
        times.append(t)
    return times, log, l1_error(P, a, b), P


def run_goot_log(a, b, M, reg, tol, budget):
    m = M.shape[1]
    t200, _ = timed(goot.sinkhorn, a, b, M, reg, method="sinkhorn_log",
                    numItermax=200, stopThr=0)  # fmt: skip
    cap = max(1000, int(budget / (t200 / 200)))
    t, (P, log) = timed(
        goot.sinkhorn, a, b, M, reg, method="sinkhorn_log", numItermax=cap,
        stopThr=tol / np.sqrt(m), log=True,
    )  # fmt: skip
    err = l1_error(P, a, b)
    return t, log["niter"] + 1, err, err >= tol, P


def pot_per_iteration(a, b, M, reg):
    per = []
    for _ in range(2):
        t, _ = timed(ot.sinkhorn, a, b, M, reg, method="sinkhorn_log", numItermax=5,
                     stopThr=0)  # fmt: skip
        per.append(t / 5)
    return min(per)


def fmt_times(times):
    return f"{statistics.median(times):.3f} ({min(times):.3f})"


def row(name, a, b, M, reg, args):
    sns_t, log, sns_err, P_sns = run_sns(a, b, M, reg, args.tol, args.runs)
    lg_t, lg_it, lg_err, capped, P_log = run_goot_log(a, b, M, reg, args.tol,
                                                      args.budget)  # fmt: skip
    pot_t = pot_per_iteration(a, b, M, reg) * lg_it
    diff = float(np.abs(P_sns - P_log).max())
    mark = "> " if capped else ""
    sns_med = statistics.median(sns_t)
    its = f"{log['niter']} ({log['niter_sinkhorn']} + {log['niter_newton']})"
    print(
        f"| {name} | {reg:.3g} | {its} | {fmt_times(sns_t)} | {sns_err:.1e} | "
        f"{log['sparsity']:.4f} | {lg_it}{' (cap)' if capped else ''} | "
        f"{mark}{lg_t:.2f} | {lg_err:.1e} | {mark}{lg_t / sns_med:.3g}x | "
        f"est. {mark}{pot_t:.1f} | {mark}{pot_t / sns_med:.3g}x | {diff:.1e} |",
        flush=True,
    )


HEADER = (
    "| case | reg | SNS iterations (Sinkhorn + Newton) | SNS s median (min) | "
    "SNS L1 err | SNS sparsity | goot sinkhorn_log iterations | goot log s | "
    "goot log L1 err | goot log / SNS | POT sinkhorn_log s | POT / SNS | "
    "max plan diff |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 1000, 2000])
    parser.add_argument("--tol", type=float, default=1e-10)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--budget", type=float, default=60.0,
                        help="seconds per goot sinkhorn_log run")  # fmt: skip
    parser.add_argument("--sweep", type=float, nargs="+",
                        default=[50, 200, 600, 1200, 3000],
                        help="values of 1/reg for the sweep at n = 500")  # fmt: skip
    parser.add_argument("--no-images", action="store_true")
    args = parser.parse_args()

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, numpy {np.__version__}, "
        f"POT {ot.__version__}; tol {args.tol:g} (L1 marginal error), "
        f"goot sinkhorn_log budget {args.budget:g} s\n"
    )
    print("Random assignment (costs U[0, 1], uniform weights):\n")
    print(HEADER)
    for n in args.sizes:
        row(f"assignment n={n}", *assignment(n), 1 / 1200, args)
    if not args.no_images:
        print("\nDigits upsampled to 28 x 28 (784 bins), grid on [0, 1]^2:\n")
        print(HEADER)
        for metric, label in (("sqeuclidean", "squared"), ("cityblock", "L1")):
            row(f"digits 0 vs 1, {label}", *digits_pair(metric), 1 / 1200, args)
    print("\nreg sweep, random assignment n = 500:\n")
    print(HEADER)
    for inv in args.sweep:
        row("assignment n=500", *assignment(500), 1 / inv, args)


if __name__ == "__main__":
    main()
