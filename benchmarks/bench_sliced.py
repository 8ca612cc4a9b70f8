"""goot vs POT on sliced Wasserstein, same inputs and directions, one process.

Cases (reference/performance.md §2.4 and §6 case 8; issue 5):
- ``sliced_wasserstein_distance`` between two Gaussian clouds (X ~ N(0, I),
  Y ~ N(1, I/4), numpy default_rng(100 n + d)) of n points in d = 3 and 50,
  with L = 50 and 500 directions drawn once and passed to both libraries as
  ``projections=P``, p = 2, uniform weights. The values must agree to 1e-10
  relative or the run fails.
- time: one warm-up call each where a call takes under 10 s, then POT and goot
  alternate; median and minimum. POT calls over 10 s run once (no warm-up), and
  POT is skipped where its (n, L) temporaries cannot fit in this machine's
  memory (performance.md §2.4: MemoryError at n = 10^6, L = 500).
- memory: peak extra memory of one call over the memory in use before it.
  POT: tracemalloc (all of POT's memory is numpy's). goot: peak RSS (VmHWM
  after resetting it through /proc/self/clear_refs) of a fresh subprocess that
  loads goot, warms up on a tiny problem, then makes the call; plus
  tracemalloc for its numpy side. Both are compared with the input size
  (X and Y in bytes).
- ``--cv``: the control-variate variance reproduction (reference/algorithms.md
  §A2: d = 10, n = 500, 500 repetitions, L = 10 and 100).

Run: ``make bench`` (full table), ``python benchmarks/bench_sliced.py --quick``
(n <= 10^5), ``python benchmarks/bench_sliced.py --cv`` (variance table only).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc

import numpy as np
import ot

import goot

# POT needs several float64 (n, L) arrays per cloud (projections, argsort,
# sorted copies, cumulative weights, the merged (n + m, L) levels): about 12 of
# them measured at n = 2*10^5, L = 100 (reported case B31: 3.4 GB). Skip POT
# where that exceeds the machine's memory.
POT_ARRAYS = 12


def clouds(n: int, d: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(100 * n + d)
    return rng.standard_normal((n, d)), 0.5 * rng.standard_normal((n, d)) + 1


def directions(d: int, L: int) -> np.ndarray:
    return goot.sliced.get_random_projections(d, L, seed=0)


def machine_memory() -> int:
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    return 1 << 62


def pot_fits(n: int, L: int) -> bool:
    return POT_ARRAYS * 2 * n * L * 8 < 0.8 * machine_memory()


def status_kb(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def goot_peak_child(n: int, d: int, L: int) -> None:
    """Subprocess body: print the peak extra RSS (bytes) of one goot call."""
    X, Y = clouds(n, d)
    P = directions(d, L)
    goot.sliced_wasserstein_distance(X[:10], Y[:10], projections=P)  # load Go
    before = status_kb("VmRSS")
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # reset VmHWM to the current RSS
    tracemalloc.start()
    goot.sliced_wasserstein_distance(X, Y, projections=P)
    _, numpy_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print((status_kb("VmHWM") - before) * 1024, numpy_peak)


def goot_peak(n: int, d: int, L: int) -> tuple[int, int]:
    out = subprocess.run(
        [sys.executable, __file__, "--peak-child", str(n), str(d), str(L)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return int(out[0]), int(out[1])


def timed(fn) -> tuple[float, float]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def bench_case(n: int, d: int, L: int, runs: int) -> dict:
    X, Y = clouds(n, d)
    P = directions(d, L)
    ours = lambda: goot.sliced_wasserstein_distance(X, Y, projections=P)  # noqa: E731
    pot = lambda: ot.sliced_wasserstein_distance(X, Y, projections=P)  # noqa: E731
    t_goot, t_pot = [], []
    value_pot = pot_peak = None

    # goot alone first: a warm-up, and the value.
    t, value = timed(ours)
    if t < 10:
        t, value = timed(ours)
    t_goot.append(t)

    if pot_fits(n, L):
        # One traced POT call gives its value and peak extra memory
        # (tracemalloc adds little to a few large allocations).
        tracemalloc.start()
        t, value_pot = timed(pot)
        _, pot_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        slow = t > 10
        if not slow:
            t, value_pot = timed(pot)  # the traced call was the warm-up
        t_pot.append(t)
        for _ in range(runs - 1 if not slow else 0):
            t_pot.append(timed(pot)[0])
            t_goot.append(timed(ours)[0])
        rel = abs(value - value_pot) / abs(value_pot)
        if rel > 1e-10:
            raise SystemExit(f"n={n} d={d} L={L}: goot {value!r} != POT {value_pot!r}")
    else:
        rel = None
    while len(t_goot) < runs:
        t_goot.append(timed(ours)[0])

    rss, numpy_side = goot_peak(n, d, L)
    return {
        "n": n, "d": d, "L": L, "value": value, "rel": rel,
        "pot": t_pot, "goot": t_goot, "pot_peak": pot_peak,
        "goot_peak": rss, "goot_numpy": numpy_side, "input": X.nbytes + Y.nbytes,
    }  # fmt: skip


def fmt_times(ts: list[float]) -> str:
    if not ts:
        return "—"
    if len(ts) == 1:
        return f"{ts[0]:.3f} (1 run)"
    return f"{statistics.median(ts):.3f} ({min(ts):.3f})"


def mb(x: float | None) -> str:
    return "—" if x is None else f"{x / 2**20:.1f}"


def speed_table(sizes, dims, projs, runs) -> None:
    print(
        "| n | d | L | POT median (min) s | goot median (min) s | goot/POT time "
        "| input MB | POT peak extra MB | goot peak extra MB (RSS) | goot/input "
        "| SW_2 | rel. diff |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for d in dims:
        for L in projs:
            for n in sizes:
                r = bench_case(n, d, L, runs)
                mp = statistics.median(r["pot"]) if r["pot"] else None
                mg = statistics.median(r["goot"])
                ratio = "POT skipped: out of memory" if mp is None else f"{mg / mp:.3f}"
                rel = "—" if r["rel"] is None else f"{r['rel']:.1e}"
                print(
                    f"| {n} | {d} | {L} | {fmt_times(r['pot'])} "
                    f"| {fmt_times(r['goot'])} | {ratio} | {mb(r['input'])} "
                    f"| {mb(r['pot_peak'])} | {mb(r['goot_peak'])} "
                    f"| {r['goot_peak'] / r['input']:.2f} | {r['value']:.10f} "
                    f"| {rel} |",
                    flush=True,
                )


def cv_table(reps: int = 500) -> None:
    """Variance of SW_2^2 estimates over `reps` seeds on the §A2 setting."""
    rng = np.random.RandomState(0)
    X = rng.randn(500, 10)
    Y = rng.randn(500, 10) * np.linspace(0.5, 2, 10) + np.linspace(-1, 1, 10)
    truth = goot.sliced_wasserstein_distance(X, Y, n_projections=200_000, seed=12345)
    print(f"true SW_2^2 (200 000 directions): {truth**2:.4f}")
    print()
    print(
        "| L | form | var SW | var LCV (reduction) | var UCV (reduction) "
        "| mean SW | mean LCV | mean UCV |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for L in (10, 100):
        for centred in (False, True):
            est = np.empty((reps, 3))
            for r in range(reps):
                low, log = goot.sliced.cv_sliced_wasserstein_distance(
                    X, Y, n_projections=L, seed=r, centred=centred, log=True
                )
                up = goot.sliced.cv_sliced_wasserstein_distance(
                    X, Y, n_projections=L, variate="upper", seed=r, centred=centred
                )
                est[r] = log["mc_estimate"] ** 2, low**2, up**2
            v = est.var(axis=0, ddof=1)
            m = est.mean(axis=0)
            form = "centred" if centred else "reference"
            print(
                f"| {L} | {form} | {v[0]:.3g} | {v[1]:.3g} ({v[0] / v[1]:.1f}x) "
                f"| {v[2]:.3g} ({v[0] / v[2]:.1f}x) | {m[0]:.4f} | {m[1]:.4f} "
                f"| {m[2]:.4f} |",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10**4, 10**5, 10**6])
    parser.add_argument("--dims", type=int, nargs="+", default=[3, 50])
    parser.add_argument("--projs", type=int, nargs="+", default=[50, 500])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="n <= 10^5 only")
    parser.add_argument("--cv", action="store_true", help="variance table only")
    parser.add_argument("--peak-child", type=int, nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peak_child:
        goot_peak_child(*args.peak_child)
        return

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"{machine_memory() / 2**30:.0f} GiB, Python {platform.python_version()}, "
        f"numpy {np.__version__}, POT {ot.__version__}, goot {goot.__version__}"
    )
    print(f"command: python benchmarks/bench_sliced.py {' '.join(sys.argv[1:])}")
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    print()
    if not args.cv:
        sizes = [n for n in args.sizes if n <= 10**5] if args.quick else args.sizes
        speed_table(sizes, args.dims, args.projs, args.runs)
        print()
    cv_table()
    print()
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
