"""Peak memory of goot's lazy empirical_sinkhorn on large point clouds.

Case (issue 3): ``goot.bregman.empirical_sinkhorn(X_s, X_t, reg, isLazy=True)``
at n = m = 10^5 points in d = 3 must run within 200 MB; a dense cost matrix
would take 80 GB. The run is capped at a few iterations (``--iters``): memory
does not grow with the iteration count (each iteration reuses the same
per-worker row buffers), and one iteration already makes the n x m passes.

The script reports the process's peak resident set size from
``resource.getrusage`` (``ru_maxrss``, the high-water mark since the process
started) before and after the call, so the total includes the interpreter,
numpy and the Go runtime. POT is not imported (it would add its own baseline);
POT's lazy mode is not timed here.

Inputs: X_s ~ N(0, I), X_t ~ N(1, I/4) (``default_rng(n)``), squared Euclidean
cost, uniform weights, reg = 0.05 x the median cost of a 1000-point sample.

Run: ``python benchmarks/bench_lazy_memory.py [--n 100000] [--iters 2]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import time
import warnings

import numpy as np

import goot


def peak_rss_mb() -> float:
    # Linux reports ru_maxrss in kilobytes.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--d", type=int, default=3)
    parser.add_argument("--iters", type=int, default=2)
    parser.add_argument("--limit-mb", type=float, default=200.0)
    args = parser.parse_args()
    n, d = args.n, args.d

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, numpy {np.__version__}, "
        f"goot {goot.__version__}"
    )
    print(f"load average before: {os.getloadavg()[0]:.2f}")

    rng = np.random.default_rng(n)
    X_s = rng.standard_normal((n, d))
    X_t = 0.5 * rng.standard_normal((n, d)) + 1
    sample = min(n, 1000)
    reg = 0.05 * float(np.median(goot.dist(X_s[:sample], X_t[:sample])))

    warnings.simplefilter("ignore")  # the capped runs do not converge
    # Load the extension and start the Go runtime before the baseline.
    goot.bregman.empirical_sinkhorn(X_s[:10], X_t[:10], reg, isLazy=True, numIterMax=1)
    before = peak_rss_mb()
    start = time.perf_counter()
    f, g, log = goot.bregman.empirical_sinkhorn(
        X_s, X_t, reg, isLazy=True, numIterMax=args.iters, log=True
    )
    seconds = time.perf_counter() - start
    after = peak_rss_mb()
    assert np.all(np.isfinite(f)) and np.all(np.isfinite(g))

    print(
        "\n| n = m | d | iterations | seconds | peak RSS before call MB "
        "| peak RSS after MB | extra MB | dense M would take MB | within limit |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    dense = 8 * n * n / 2**20
    ok = "yes" if after <= args.limit_mb else f"**no** (> {args.limit_mb:.0f} MB)"
    print(
        f"| {n} | {d} | {log['niter']} | {seconds:.1f} | {before:.1f} | {after:.1f} "
        f"| {after - before:.1f} | {dense:.0f} | {ok} |"
    )
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
