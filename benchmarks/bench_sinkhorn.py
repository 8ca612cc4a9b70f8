"""goot vs POT on entropic OT (Sinkhorn), same inputs, one process.

Cases (issue 3, reference/performance.md §3.4 and §6):

1. Memory bandwidth of this machine, measured here: numpy/OpenBLAS ``A @ x`` on
   an n x n float64 matrix (a read stream on all cores) and a numpy triad
   ``a = b + s * c`` (one core). One fused Sinkhorn-Knopp iteration reads K
   once, so 8 n^2 bytes / read bandwidth is its lower bound. The "paired"
   ratio measures the read bandwidth again just before each goot run.
2. Time per iteration at n = 2000, 4000 for ``sinkhorn`` (kernel) and
   ``sinkhorn_log``: the difference between runs of k1 and k2 iterations
   (stopThr = 0), which cancels the set-up, divided by k2 - k1 (10 -> 60; POT's
   sinkhorn_log 2 -> 6, at 0.1-0.5 s per iteration).
3. Time to stopThr = 1e-9 at n = 1000, 2000, 4000 and reg = 0.05 and 0.005 of
   the median cost, for both methods. goot and POT follow the same iterates, so
   POT is run with the same cap; when POT's projected time (its time per
   iteration x goot's iteration count) exceeds --budget, POT's time is that
   projection and is marked "est.". The marginal errors of both plans are
   computed afterwards from the returned plans (L2 of row and column sums).
   Runs stop at --max-iter iterations ("(cap)" in the table when not converged).

Inputs: two 2-D Gaussian clouds (X ~ N(0, I), Y ~ N(1, I/4), seed n), squared
Euclidean cost, uniform weights. Timing: POT and goot alternate; medians (and
minima) of the runs.

Run: ``make bench`` or ``python benchmarks/bench_sinkhorn.py [--sizes 1000 2000]
[--methods sinkhorn]`` (``--sizes`` with no value skips the time-to-solution
table, ``--iter-sizes`` with no value the per-iteration one).
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

warnings.simplefilter("ignore")  # unconverged POT runs and capped goot runs warn


def clouds(n: int) -> np.ndarray:
    rng = np.random.default_rng(n)
    X = rng.standard_normal((n, 2))
    Y = 0.5 * rng.standard_normal((n, 2)) + 1
    return ot.dist(X, Y)


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - start, out


def bandwidth(n: int, runs: int = 5) -> tuple[float, float]:
    """(read GB/s with A @ x on all cores, triad GB/s on one core)."""
    rng = np.random.default_rng(0)
    A, x = rng.random((n, n)), rng.random(n)
    b, c = rng.random(n * n // 2), rng.random(n * n // 2)
    out = np.empty_like(b)
    read, triad = [], []
    for _ in range(runs):
        t, _ = timed(np.dot, A, x)
        read.append(A.nbytes / t / 1e9)
        start = time.perf_counter()
        np.multiply(c, 3.0, out=out)
        np.add(out, b, out=out)
        triad.append(3 * b.nbytes / (time.perf_counter() - start) / 1e9)
    return max(read), max(triad)


def read_now(A, x, tries: int = 3) -> float:
    """Read bandwidth (GB/s) of A @ x right now: the best of a few products."""
    return max(A.nbytes / timed(np.dot, A, x)[0] / 1e9 for _ in range(tries))


def paired_bound_ratios(M, reg, method, runs, A, x):
    """goot's time per iteration over the bound 8 n^2 / read, with the read
    bandwidth measured just before each goot run: on a shared machine the
    bandwidth left to one process changes from minute to minute."""
    n = M.shape[0]
    ratios = []
    for _ in range(runs):
        bound = 8 * n * n / (read_now(A, x) * 1e9)
        (t,) = per_iteration(goot, M, reg, method, 10, 60, 1)
        ratios.append(t / bound)
    return ratios


def per_iteration(lib, M, reg, method, k1, k2, runs):
    u = ot.unif(M.shape[0])
    diffs = []
    for _ in range(runs):
        t1, _ = timed(lib.sinkhorn, u, u, M, reg, method=method, numItermax=k1,
                      stopThr=0)  # fmt: skip
        t2, _ = timed(lib.sinkhorn, u, u, M, reg, method=method, numItermax=k2,
                      stopThr=0)  # fmt: skip
        diffs.append((t2 - t1) / (k2 - k1))
    return diffs


def pot_breaks_down(M, reg, method) -> bool:
    """Whether POT stops on "numerical errors" (its kernel underflows) within
    its first 20 iterations; goot then solves in the log domain instead."""
    u = ot.unif(M.shape[0])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ot.sinkhorn(u, u, M, reg, method=method, numItermax=20)
    return any("numerical errors" in str(w.message) for w in caught)


def marginal_error(G, u):
    return max(np.linalg.norm(G.sum(0) - u), np.linalg.norm(G.sum(1) - u))


def to_solution(M, reg, method, budget, runs, pot_per_iter, cap):
    u = ot.unif(M.shape[0])
    t_goot, t_pot = [], []
    t, (G, log) = timed(goot.sinkhorn, u, u, M, reg, method=method, numItermax=cap,
                        log=True)  # fmt: skip
    t_goot.append(t)
    niter = log["niter"]
    converged = log["err"][-1] < 1e-9
    projected = pot_per_iter * (niter + 1)
    row = {"niter": niter, "converged": converged, "err_goot": marginal_error(G, u)}
    row["pot_fails"] = pot_breaks_down(M, reg, method)
    if projected > budget:
        row.update(t_pot=[projected], estimated=True, err_pot=float("nan"))
        for _ in range(runs - 1):
            t_goot.append(timed(goot.sinkhorn, u, u, M, reg, method=method,
                                numItermax=cap)[0])  # fmt: skip
    else:
        for r in range(runs):
            t, Gp = timed(ot.sinkhorn, u, u, M, reg, method=method,
                          numItermax=niter + 1)  # fmt: skip
            t_pot.append(t)
            if r:
                t_goot.append(timed(goot.sinkhorn, u, u, M, reg, method=method,
                                    numItermax=cap)[0])  # fmt: skip
        row.update(t_pot=t_pot, estimated=False, err_pot=marginal_error(Gp, u))
    row["t_goot"] = t_goot
    return row


def fmt(times):
    return f"{statistics.median(times):.3f} ({min(times):.3f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 2000, 4000])
    parser.add_argument("--iter-sizes", type=int, nargs="*", default=[2000, 4000])
    parser.add_argument("--regs", type=float, nargs="+", default=[0.05, 0.005])
    parser.add_argument("--budget", type=float, default=60.0,
                        help="seconds allowed for one POT run to solution")  # fmt: skip
    parser.add_argument("--methods", nargs="+", default=["sinkhorn", "sinkhorn_log"],
                        help="methods of the time-to-solution table")  # fmt: skip
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--max-iter", type=int, default=100000,
                        help="iteration cap of every run to solution")  # fmt: skip
    args = parser.parse_args()

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, numpy {np.__version__}, "
        f"POT {ot.__version__}, goot {goot.__version__}"
    )
    print(f"load average before: {os.getloadavg()[0]:.2f}")

    read, triad = bandwidth(4000)
    print(f"\nstream: read (A @ x, 4000^2, all cores) {read:.1f} GB/s; "
          f"triad (one core) {triad:.1f} GB/s\n")  # fmt: skip

    rng = np.random.default_rng(0)
    A, x = rng.random((4000, 4000)), rng.random(4000)
    print("| n | method | bound 8n²/read ms | goot ms/iter median (min) "
          "| POT ms/iter median (min) | goot/bound | goot/bound paired median (min) "
          "| POT/goot |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    pot_iter = {}
    for n in args.iter_sizes:
        M = clouds(n)
        reg = 0.05 * np.median(M)
        bound = 8 * n * n / (read * 1e9) * 1e3
        for method, pot_ks in (("sinkhorn", (10, 60)), ("sinkhorn_log", (2, 6))):
            # goot's sinkhorn_log iterates in kernel form: a long difference
            # (10 -> 60) so that its K~ build does not swamp the iterations.
            g = per_iteration(goot, M, reg, method, 10, 60, args.runs)
            p = per_iteration(ot, M, reg, method, *pot_ks, args.runs)
            g, p = [1e3 * t for t in g], [1e3 * t for t in p]
            pot_iter[n, method] = statistics.median(p) / 1e3
            ratio = statistics.median(g) / bound
            paired = paired_bound_ratios(M, reg, method, args.runs, A, x)
            speedup = statistics.median(p) / statistics.median(g)
            pair = f"{statistics.median(paired):.2f} ({min(paired):.2f})"
            print(f"| {n} | {method} | {bound:.2f} | {fmt(g)} | {fmt(p)} "
                  f"| {ratio:.2f} | {pair} | {speedup:.1f}x |", flush=True)  # fmt: skip

    print("\n| n | reg/median | method | iterations | goot s median (min) "
          "| POT s median (min) | goot/POT | marginal err goot / POT |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for n in args.sizes:
        M = clouds(n)
        med = np.median(M)
        for method in args.methods:
            if (n, method) not in pot_iter:
                k1, k2 = (10, 60) if method == "sinkhorn" else (2, 6)
                p = per_iteration(ot, M, 0.05 * med, method, k1, k2, 1)
                pot_iter[n, method] = statistics.median(p)
            for rel in args.regs:
                r = to_solution(M, rel * med, method, args.budget, args.runs,
                                pot_iter[n, method], args.max_iter)  # fmt: skip
                mg, mp = statistics.median(r["t_goot"]), statistics.median(r["t_pot"])
                pot = ("est. " + f"{mp:.3f}") if r["estimated"] else fmt(r["t_pot"])
                if r["pot_fails"]:
                    pot += " (POT: numerical errors, stops early)"
                its = f"{r['niter']}" + ("" if r["converged"] else " (cap)")
                print(f"| {n} | {rel} | {method} | {its} | {fmt(r['t_goot'])} | {pot} "
                      f"| {mg / mp:.3f} | {r['err_goot']:.1e} / {r['err_pot']:.1e} |",
                      flush=True)  # fmt: skip
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
