"""goot vs POT on Gaussian OT (ot.gaussian), same inputs, one process.

Cases (issue 6):
- batched W2 between Gaussians in d = 16 (random SPD covariances G G^T/d + 0.1 I,
  standard normal means, seed 16): ``bures_wasserstein_distance`` on 1000
  sources x ``--targets`` targets (default 50; POT's batched call materialises
  (n, m, d, d) arrays, so 1000 x 1000 would need four 2 GB intermediates and
  ~5 minutes per call: that size is timed for goot alone), and the paired call
  on 1000 pairs;
- the Bures-Wasserstein barycenter of 100 Gaussians in d = 64
  (``bures_wasserstein_barycenter``, method 'fixed_point', eps 1e-7). goot
  iterates the Álvarez-Esteban fixed point, POT its plainer map: both stop at a
  change below eps and the barycenters must agree; the iteration counts are
  printed beside the times.

Values are checked after the warm-up call (distances to 1e-6 absolute: the
diagonal of a self-distance is sqrt of round-off; barycenters to 1e-5).
Timing: POT and goot alternate (A B A B ...); median and min of the runs.

Run: ``make bench`` or ``python benchmarks/bench_gaussian.py [--runs 3]``.
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


def gaussians(n: int, d: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    G = rng.standard_normal((n, d, d))
    return rng.standard_normal((n, d)), G @ G.transpose(0, 2, 1) / d + 0.1 * np.eye(d)


def timed(pot, ours, runs: int) -> tuple[list, list]:
    t_pot, t_goot = [], []
    for _ in range(runs):
        for fn, times in ((pot, t_pot), (ours, t_goot)):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
    return t_pot, t_goot


def row(case: str, t_pot: list, t_goot: list, check: str) -> None:
    if t_pot:
        mp, mg = statistics.median(t_pot), statistics.median(t_goot)
        pot = f"{mp:.3f} ({min(t_pot):.3f})"
        ratio = f"{mg / mp:.3f}"
    else:
        mg, pot, ratio = statistics.median(t_goot), "not run", "-"
    print(
        f"| {case} | {pot} | {mg:.3f} ({min(t_goot):.3f}) | {ratio} | {check} |",
        flush=True,
    )


def bench_distances(targets: int, runs: int) -> None:
    ms, Cs = gaussians(1000, 16, 16)
    mt, Ct = ms[:targets], Cs[:targets]
    pot = lambda: ot.gaussian.bures_wasserstein_distance(ms, mt, Cs, Ct)  # noqa: E731
    ours = lambda: goot.gaussian.bures_wasserstein_distance(ms, mt, Cs, Ct)  # noqa: E731
    diff = np.abs(pot() - ours()).max()
    if diff > 1e-6:
        raise SystemExit(f"batched distances differ by {diff:.3g}")
    row(f"W2 batch 1000 x {targets}, d=16", *timed(pot, ours, runs), f"{diff:.1e}")

    pot = lambda: ot.gaussian.bures_wasserstein_distance(  # noqa: E731
        ms, ms[::-1], Cs, Cs[::-1], paired=True
    )
    ours = lambda: goot.gaussian.bures_wasserstein_distance(  # noqa: E731
        ms, ms[::-1], Cs, Cs[::-1], paired=True
    )
    diff = np.abs(pot() - ours()).max()
    if diff > 1e-6:
        raise SystemExit(f"paired distances differ by {diff:.3g}")
    row("W2 paired 1000 pairs, d=16", *timed(pot, ours, runs), f"{diff:.1e}")

    full = lambda: goot.gaussian.bures_wasserstein_distance(ms, ms, Cs, Cs)  # noqa: E731
    W = full()
    sym = np.abs(W - W.T).max()
    _, t_goot = timed(lambda: None, full, max(1, runs - 1))
    row("W2 batch 1000 x 1000, d=16", [], t_goot, f"symmetric to {sym:.1e}")


def bench_barycenter(runs: int) -> None:
    m, C = gaussians(100, 64, 64)
    pot_log, goot_log = {}, {}

    def pot():
        _, Cb, lg = ot.gaussian.bures_wasserstein_barycenter(m, C, log=True)
        pot_log.update(lg)
        return Cb

    def ours():
        _, Cb, lg = goot.gaussian.bures_wasserstein_barycenter(m, C, log=True)
        goot_log.update(lg)
        return Cb

    diff = np.abs(pot() - ours()).max()
    if diff > 1e-5:
        raise SystemExit(f"barycenters differ by {diff:.3g}")
    t_pot, t_goot = timed(pot, ours, runs)
    check = (
        f"{diff:.1e}; iterations POT {pot_log['num_iter'] + 1}, "
        f"goot {goot_log['num_iter'] + 1}"
    )
    row("barycenter of 100, d=64 (fixed point)", t_pot, t_goot, check)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--targets", type=int, default=50)
    args = parser.parse_args()

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, numpy {np.__version__}, "
        f"POT {ot.__version__}, goot {goot.__version__}"
    )
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    print()
    print("| case | POT median (min) s | goot median (min) s | goot/POT | max diff |")
    print("|---|---|---|---|---|")
    bench_distances(args.targets, args.runs)
    bench_barycenter(args.runs)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
