"""goot vs POT on entropic Wasserstein barycenters, same inputs, one process.

Cases (issue 3):

1. ``barycenter`` of k = 4 histograms on n bins of [0, 1] (mixtures of two
   Gaussians each), cost M = squared distance / its maximum, reg = 0.01,
   ``method`` = "sinkhorn" and "sinkhorn_log", n = 500, 1000, 2000.
2. ``convolutional_barycenter2d`` of k = 3 images of w x w pixels (a disk, a
   square and a ring, each normalised to mass 1), reg = 0.004 (POT's example),
   ``method`` = "sinkhorn" and "sinkhorn_log", w = 50, 100, 200.

Both libraries run the same iterations: stopThr = 0 and the same numItermax
(``--iters`` for the kernel methods; ``--log-iters`` for the log methods,
whose POT form costs one n x n x k log-sum-exp per half-iteration), and the
returned barycenters must agree to ``--rtol`` (max |goot - POT| / max |POT|)
or the script fails. Timing: one warm-up call each, then POT and goot
alternate; the table shows the median and the minimum of the runs and the
ratio of medians.

Run: ``python benchmarks/bench_barycenter.py [--sizes 500 1000] [--widths 50]``.
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

warnings.simplefilter("ignore")  # capped runs do not converge, by design


def histograms(n: int, k: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """(A (n, k), M (n, n)): k Gaussian mixtures on n bins, squared cost."""
    rng = np.random.default_rng(n)
    x = np.arange(n, dtype=np.float64)
    A = np.empty((n, k))
    for c in range(k):
        means, sds = rng.uniform(0.1, 0.9, 2) * n, rng.uniform(0.02, 0.08, 2) * n
        A[:, c] = ot.datasets.make_1D_gauss(n, means[0], sds[0])
        A[:, c] += 0.5 * ot.datasets.make_1D_gauss(n, means[1], sds[1])
        A[:, c] /= A[:, c].sum()
    M = ot.dist(x.reshape(-1, 1), x.reshape(-1, 1))
    return A, M / M.max()


def images(w: int) -> np.ndarray:
    """(3, w, w): a disk, a square and a ring, each of mass 1."""
    t = np.linspace(-1, 1, w)
    X, Y = np.meshgrid(t, t, indexing="ij")
    r = np.hypot(X, Y)
    shapes = [r < 0.6, (np.abs(X) < 0.5) & (np.abs(Y) < 0.5), (r > 0.4) & (r < 0.8)]
    A = np.array([s.astype(np.float64) + 1e-6 for s in shapes])
    return A / A.sum(axis=(1, 2), keepdims=True)


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - start, out


def compare(name: str, args: tuple, kwargs: dict, runs: int, rtol: float):
    """Alternating runs of ot.bregman.<name> and goot.bregman.<name> after one
    warm-up each; checks that the barycenters agree."""

    def call_pot():
        return getattr(ot.bregman, name)(*args, **kwargs)

    def call_goot():
        return getattr(goot.bregman, name)(*args, **kwargs)

    want, got = call_pot(), call_goot()
    diff = float(np.max(np.abs(got - want)) / np.max(np.abs(want)))
    if not diff <= rtol:
        raise SystemExit(f"barycenters differ: max rel diff {diff:.2e} > {rtol:.0e}")
    t_pot, t_goot = [], []
    for _ in range(runs):
        t_pot.append(timed(call_pot)[0])
        t_goot.append(timed(call_goot)[0])
    return t_goot, t_pot, diff


def fmt(times):
    return f"{statistics.median(times):.4f} ({min(times):.4f})"


def row(label, size, method, iters, t_goot, t_pot, diff):
    ratio = statistics.median(t_goot) / statistics.median(t_pot)
    print(
        f"| {label} | {size} | {method} | {iters} | {fmt(t_goot)} | {fmt(t_pot)} "
        f"| {ratio:.3f} | {diff:.1e} |",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[500, 1000, 2000])
    parser.add_argument("--widths", type=int, nargs="*", default=[50, 100, 200])
    parser.add_argument("--iters", type=int, default=100)
    parser.add_argument("--log-iters", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rtol", type=float, default=1e-6)
    args = parser.parse_args()

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, numpy {np.__version__}, "
        f"POT {ot.__version__}, goot {goot.__version__}"
    )
    print(f"load average before: {os.getloadavg()[0]:.2f}\n")
    print(
        "| function | size | method | iterations | goot s median (min) "
        "| POT s median (min) | goot/POT | max rel diff |"
    )
    print("|---|---|---|---|---|---|---|---|")

    for n in args.sizes:
        A, M = histograms(n)
        for method in ("sinkhorn", "sinkhorn_log"):
            iters = args.iters if method == "sinkhorn" else args.log_iters
            kw = dict(method=method, numItermax=iters, stopThr=0.0)
            t_goot, t_pot, diff = compare(
                "barycenter", (A, M, 0.01), kw, args.runs, args.rtol
            )
            row("barycenter", f"n={n}, k=4", method, iters, t_goot, t_pot, diff)

    for w in args.widths:
        A = images(w)
        for method in ("sinkhorn", "sinkhorn_log"):
            iters = args.iters if method == "sinkhorn" else args.log_iters
            kw = dict(method=method, numItermax=iters, stopThr=0.0)
            t_goot, t_pot, diff = compare(
                "convolutional_barycenter2d", (A, 0.004), kw, args.runs, args.rtol
            )
            size = f"{w}x{w}, k=3"
            row("convolutional_barycenter2d", size, method, iters, t_goot, t_pot, diff)
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
