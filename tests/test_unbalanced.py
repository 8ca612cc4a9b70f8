"""goot.unbalanced against POT 0.9.7's ot.unbalanced: parity, properties, bad
input, threads."""

from __future__ import annotations

import threading
import warnings

import numpy as np
import ot
import pytest

import goot
from conftest import case_inputs

METHODS = ["sinkhorn", "sinkhorn_stabilized", "sinkhorn_translation_invariant"]
REG_TYPES = ["kl", "entropy"]
INF = float("inf")

# goot's stabilized absorption keeps the plan; POT's resets v to 1 and then
# leaves the fixed point (reported case B18, POT issue #711). Parity with
# POT's stabilized iterates is checked without absorption (this tau).
NO_ABSORPTION = {"tau": 1e300}

# Tolerances. Plans: both libraries run the same iterates; goot's are on
# log-scalings, so they differ from POT's by rounding amplified by the
# iteration count (measured ~1e-15; the brief's bound). Values: relative.
PLAN_ATOL = 1e-7
VALUE_RTOL = 1e-9


def problem(n, m, seed, mass_b=1.3):
    """Random weights of different masses (a sums to 1, b to mass_b)."""
    rng = np.random.default_rng(seed)
    a = rng.random(n) + 0.05
    b = rng.random(m) + 0.05
    a /= a.sum()
    b *= mass_b / b.sum()
    return a, b, rng.random((n, m))


def both(fn, *args, **kwargs):
    """Call POT's and goot's `fn` with the same arguments; return both
    results and the texts of the warnings each raised."""
    out = []
    for lib in (ot, goot):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            target = lib.unbalanced if hasattr(lib.unbalanced, fn) else lib
            res = getattr(target, fn)(*args, **kwargs)
        texts = [str(w.message) for w in caught if w.category is UserWarning]
        out.append((res, texts))
    return out


def assert_same_log(log_pot, log_goot):
    assert list(log_goot) == list(log_pot)
    assert len(log_goot["err"]) == len(log_pot["err"])
    np.testing.assert_allclose(log_goot["err"], log_pot["err"], rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(log_goot["logu"], log_pot["logu"], atol=1e-6)
    np.testing.assert_allclose(log_goot["logv"], log_pot["logv"], atol=1e-6)
    if "cost" in log_pot:
        scale = abs(log_pot["cost"])
        np.testing.assert_allclose(log_goot["cost"], log_pot["cost"], rtol=VALUE_RTOL)
        # The total cost sums terms of the size of the linear cost and may
        # cancel to ~0: relative to that size.
        np.testing.assert_allclose(
            log_goot["total_cost"], log_pot["total_cost"], rtol=VALUE_RTOL,
            atol=VALUE_RTOL * scale,
        )  # fmt: skip


# ---------------------------------------------------------------------------
# Parity with POT.


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("reg_type", REG_TYPES)
@pytest.mark.parametrize("size", [(3, 4), (25, 18), (120, 90)])
@pytest.mark.parametrize("reg_m", [1.0, (0.5, 2.0), (0.7, INF), (INF, 3.0)])
def test_sinkhorn_unbalanced_matches_pot(method, reg_type, size, reg_m):
    a, b, M = problem(*size, seed=sum(size))
    for reg in (0.05, 0.5):
        (P, lp), (G, lg) = both(
            "sinkhorn_unbalanced", a, b, M, reg, reg_m, method=method,
            reg_type=reg_type, log=True, **NO_ABSORPTION,
        )  # fmt: skip
        np.testing.assert_allclose(G[0], P[0], atol=PLAN_ATOL, rtol=0)
        assert_same_log(P[1], G[1])
        assert lg == lp


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("returnCost", ["linear", "total"])
def test_sinkhorn_unbalanced2_matches_pot(method, returnCost):
    a, b, M = problem(30, 20, 5)
    (P, wp), (G, wg) = both(
        "sinkhorn_unbalanced2", a, b, M, 0.1, (1.0, 2.0), method=method,
        returnCost=returnCost,
    )  # fmt: skip
    assert np.ndim(G) == 0 and isinstance(G, np.floating)
    # The total cost may cancel to ~0: compare relative to the linear cost.
    scale = ot.sinkhorn_unbalanced2(a, b, M, 0.1, (1.0, 2.0), method=method)
    np.testing.assert_allclose(G, P, rtol=VALUE_RTOL, atol=VALUE_RTOL * scale)
    assert wg == wp


@pytest.mark.parametrize("method", METHODS)
def test_direct_solvers_match_pot(method):
    a, b, M = problem(15, 12, 6)
    name = {
        "sinkhorn": "sinkhorn_knopp_unbalanced",
        "sinkhorn_stabilized": "sinkhorn_stabilized_unbalanced",
        "sinkhorn_translation_invariant": "sinkhorn_unbalanced_translation_invariant",
    }[method]
    (P, wp), (G, wg) = both(name, a, b, M, 0.2, 0.8, log=True)
    np.testing.assert_allclose(G[0], P[0], atol=PLAN_ATOL, rtol=0)
    assert_same_log(P[1], G[1])
    assert wg == wp


@pytest.mark.parametrize("method", METHODS)
def test_multiple_histograms_match_pot(method):
    a, b, M = problem(20, 15, 7)
    B = np.stack([b, b[::-1], 0.5 * b], axis=1)
    (P, wp), (G, wg) = both(
        "sinkhorn_unbalanced", a, B, M, 0.1, 1.0, method=method, log=True
    )
    np.testing.assert_allclose(G[0], P[0], rtol=VALUE_RTOL)
    assert_same_log(P[1], G[1])
    assert wg == wp
    (P, wp), (G, wg) = both("sinkhorn_unbalanced2", a, B, M, 0.1, 1.0, method=method)
    np.testing.assert_allclose(G, P, rtol=VALUE_RTOL)
    assert wg == wp and "Reg_type not implemented yet. Use entropy." in wg


@pytest.mark.parametrize("method", METHODS)
def test_reference_measure_and_warmstart_match_pot(method):
    a, b, M = problem(18, 14, 8)
    c = np.random.default_rng(8).random(M.shape) + 0.1
    (P, _), (G, _) = both("sinkhorn_unbalanced", a, b, M, 0.1, 1.0, method=method, c=c)
    np.testing.assert_allclose(G, P, atol=PLAN_ATOL, rtol=0)
    _, log = ot.sinkhorn_unbalanced(a, b, M, 0.1, 1.0, method=method, log=True)
    warm = (0.9 * log["logu"], 1.1 * log["logv"])
    (P, _), (G, _) = both(
        "sinkhorn_unbalanced", a, b, M, 0.1, 1.0, method=method, warmstart=warm,
        log=True,
    )  # fmt: skip
    np.testing.assert_allclose(G[0], P[0], atol=PLAN_ATOL, rtol=0)
    assert len(G[1]["err"]) == len(P[1]["err"])


def test_uniform_weights_when_empty():
    _, _, M = problem(6, 5, 9)
    G = goot.sinkhorn_unbalanced([], [], M, 0.1, 1.0)
    np.testing.assert_allclose(
        G, goot.sinkhorn_unbalanced(np.full(6, 1 / 6), np.full(5, 0.2), M, 0.1, 1.0)
    )


def test_float32_in_float32_out():
    a, b, M = (x.astype(np.float32) for x in problem(10, 8, 10))
    for method in METHODS:
        G, log = goot.sinkhorn_unbalanced(a, b, M, 0.1, 1.0, method=method, log=True)
        P = ot.sinkhorn_unbalanced(a, b, M, 0.1, 1.0, method=method)
        assert G.dtype == np.float32 and log["cost"].dtype == np.float32
        np.testing.assert_allclose(G, P, atol=1e-6)


@pytest.mark.parametrize("reg_type", REG_TYPES)
def test_stabilized_absorption_keeps_the_fixed_point(cases, reg_type):
    """Reported case B18 (POT issue #711): with reg = 0.01 and reg_m = 100
    the scalings are absorbed, and POT's stabilized solver returns row sums
    ~(0.70, 0.30) instead of ~(0.30, 0.70). goot's absorption keeps the plan,
    so its stabilized plan is Knopp's (and the case's, for reg_type
    "entropy", to its atol 1e-4)."""
    v = case_inputs(cases["B18"])
    args = (v["a"], v["b"], v["M"], v["reg"], v["reg_m"])
    kw = dict(reg_type=reg_type, stopThr=1e-13, numItermax=200000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        G = goot.sinkhorn_unbalanced(
            *args, method="sinkhorn_stabilized", tau=1000, **kw
        )
        K = goot.sinkhorn_unbalanced(*args, **kw)
        P = ot.sinkhorn_unbalanced(*args, method="sinkhorn_stabilized", tau=1000)
    np.testing.assert_allclose(G, K, atol=1e-10)
    assert abs(P.sum(1)[0] - 0.7) < 0.01  # POT's plan is the reported one
    if reg_type == "entropy":
        expected = cases["B18"]["expected"]
        np.testing.assert_allclose(G, expected["plan"], atol=expected["atol"])


def test_stabilized_with_absorption_agrees_with_knopp():
    a, b, M = problem(30, 20, 26)
    kw = dict(stopThr=1e-13, numItermax=100000)
    G = goot.sinkhorn_unbalanced(a, b, M, 0.005, 1.0, method="sinkhorn_stabilized",
                                 tau=1e3, **kw)  # fmt: skip
    K = goot.sinkhorn_unbalanced(a, b, M, 0.005, 1.0, **kw)
    np.testing.assert_allclose(G, K, atol=1e-9)


def test_reg_scaling_warns_and_runs_knopp():
    a, b, M = problem(8, 6, 11)
    (P, wp), (G, wg) = both(
        "sinkhorn_unbalanced", a, b, M, 0.1, 1.0, method="sinkhorn_reg_scaling"
    )
    np.testing.assert_allclose(G, P, atol=PLAN_ATOL, rtol=0)
    assert wg == wp == ["Method not implemented yet. Using classic Sinkhorn-Knopp"]


def test_stabilized_warnings_match_pot():
    """A tiny iteration cap: POT's non-convergence warning, same text."""
    a, b, M = problem(12, 10, 12)
    (P, wp), (G, wg) = both(
        "sinkhorn_unbalanced", a, b, M, 0.01, 1.0, method="sinkhorn_stabilized",
        numItermax=5, **NO_ABSORPTION,
    )  # fmt: skip
    np.testing.assert_allclose(G, P, atol=PLAN_ATOL, rtol=0)
    assert wg == wp and len(wg) == 1


# ---------------------------------------------------------------------------
# Properties.


def test_closed_form_2x2():
    """a = b = (1/2, 1/2), M = [[0, 1], [1, 0]], reg = reg_m = 1, c = a b^T:
    by symmetry u = v = x with x^3 = (1/2) / ((1 + e^-1)/4), P = x^2 K."""
    x2 = (0.5 / ((1 + np.exp(-1)) / 4)) ** (2 / 3)
    want = x2 / 4 * np.array([[1, np.exp(-1)], [np.exp(-1), 1]])
    for method in METHODS:
        G = goot.sinkhorn_unbalanced(
            [0.5, 0.5], [0.5, 0.5], [[0, 1], [1, 0]], 1, 1, method=method,
            stopThr=1e-15, numItermax=10000,
        )  # fmt: skip
        np.testing.assert_allclose(G, want, rtol=1e-12)


def test_mass_grows_as_reg_m_grows():
    """With |a| = 1 < |b| = 1.3, the plan's mass grows with reg_m (destroying
    mass costs more) and ends between the two masses."""
    a, b, M = problem(20, 15, 13)
    masses = []
    for reg_m in (0.01, 0.1, 1.0, 10.0, 100.0):
        G = goot.sinkhorn_unbalanced(
            a, b, M, 0.05, reg_m, stopThr=1e-12, numItermax=100000
        )
        masses.append(G.sum())
    assert all(np.diff(masses) > 0)
    assert masses[0] < 0.5 and 1.0 <= masses[-1] <= 1.3


def test_marginals_approach_a_and_b_as_reg_m_grows():
    """Equal masses: the marginal errors shrink as reg_m grows, towards the
    balanced problem (POT's test_mm checks the same limit to 1e-3)."""
    a, b, M = problem(20, 15, 14, mass_b=1.0)
    errors = []
    for reg_m in (0.1, 1.0, 10.0, 100.0, 1000.0):
        G = goot.sinkhorn_unbalanced(
            a, b, M, 0.05, reg_m, stopThr=1e-13, numItermax=200000
        )
        errors.append(np.abs(G.sum(1) - a).sum() + np.abs(G.sum(0) - b).sum())
    assert all(np.diff(errors) < 0)
    assert errors[-1] < 1e-3


def test_hard_marginal_with_infinite_reg_m():
    a, b, M = problem(10, 9, 14)
    G = goot.sinkhorn_unbalanced(a, b, M, 0.1, (INF, 1.0), stopThr=1e-13)
    np.testing.assert_allclose(G.sum(1), a, rtol=1e-10)
    G = goot.sinkhorn_unbalanced(a, b, M, 0.1, (1.0, INF), stopThr=1e-13)
    np.testing.assert_allclose(G.sum(0), b, rtol=1e-10)


def test_symmetry():
    """Swapping the roles of a and b transposes the plan."""
    a, b, M = problem(9, 7, 15)
    for method in METHODS:
        G = goot.sinkhorn_unbalanced(a, b, M, 0.1, 1.0, method=method, stopThr=1e-14)
        H = goot.sinkhorn_unbalanced(b, a, M.T, 0.1, 1.0, method=method, stopThr=1e-14)
        np.testing.assert_allclose(H.T, G, atol=1e-10)


@pytest.mark.parametrize("method", ["sinkhorn", "sinkhorn_translation_invariant"])
def test_small_reg_does_not_underflow(method):
    """reg = 1e-3 on costs in [0.8, 1]: exp(-M/reg) < 1e-347 underflows to 0,
    so POT stops at iteration 0 with numerical errors; goot's log-domain
    iterates converge and meet the KL optimality conditions
    P 1 = a exp(-logu reg / reg_m), P^T 1 = b exp(-logv reg / reg_m)."""
    a, b, _ = problem(25, 20, 16, mass_b=1.0)
    M = 0.8 + 0.2 * np.random.default_rng(16).random((25, 20))
    reg, reg_m = 1e-3, 0.05
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ot.sinkhorn_unbalanced(a, b, M, reg, reg_m, method=method)
    assert any("Numerical errors" in str(w.message) for w in caught)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        G, log = goot.sinkhorn_unbalanced(
            a, b, M, reg, reg_m, method=method, stopThr=1e-13, numItermax=100000,
            log=True,
        )  # fmt: skip
    assert np.isfinite(G).all() and G.sum() > 0
    np.testing.assert_allclose(
        G.sum(1), a * np.exp(-log["logu"] * reg / reg_m), rtol=1e-8
    )
    np.testing.assert_allclose(
        G.sum(0), b * np.exp(-log["logv"] * reg / reg_m), rtol=1e-8
    )


def test_zero_weights_and_infinite_costs():
    """Zero weights give zero rows and columns; +inf costs zero entries, and
    the costs stay finite (0 * inf counts 0). (The stabilized method keeps
    POT's scaling domain, where the zero column of K for b_j = 0 is POT's
    "Numerical errors at iteration 0": it warns as POT does.)"""
    a, b, M = problem(8, 7, 17)
    a[[1, 4]] = 0
    b[2] = 0
    M[0, 3] = INF
    for method in METHODS:
        with warnings.catch_warnings():
            warnings.simplefilter(
                "ignore" if method == "sinkhorn_stabilized" else "error"
            )
            G, log = goot.sinkhorn_unbalanced(
                a, b, M, 0.1, 1.0, method=method, log=True
            )
        assert np.isfinite(G).all()
        assert not G[[1, 4]].any() and not G[:, 2].any() and G[0, 3] == 0
        assert np.isfinite(log["cost"]) and np.isfinite(log["total_cost"])


def test_cost_is_linear_cost_of_the_plan():
    a, b, M = problem(12, 11, 18)
    for method in METHODS:
        G = goot.sinkhorn_unbalanced(a, b, M, 0.1, 1.0, method=method)
        cost = goot.sinkhorn_unbalanced2(a, b, M, 0.1, 1.0, method=method)
        np.testing.assert_allclose(cost, np.sum(G * M), rtol=1e-12)


def test_inputs_are_not_modified():
    a, b, M = problem(6, 5, 19)
    copies = [x.copy() for x in (a, b, M)]
    warm = (np.zeros(6), np.zeros(5))
    goot.sinkhorn_unbalanced(a, b, M, 0.1, 1.0, warmstart=warm)
    for x, y in zip((a, b, M), copies):
        np.testing.assert_array_equal(x, y)
    assert not warm[0].any()


# ---------------------------------------------------------------------------
# Bad input.


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"reg": -1.0}, "reg"),
        ({"reg": 0.0}, "reg"),
        ({"reg": float("nan")}, "reg"),
        ({"reg_m": -1.0}, "reg_m"),
        ({"reg_m": (1.0, -2.0)}, "reg_m"),
        ({"reg_m": float("nan")}, "reg_m"),
        ({"reg_m": (1.0, 2.0, 3.0)}, "Parameter"),
        ({"a": np.ones(3)}, "Dimension mismatch"),
        ({"b": np.ones(7)}, "Dimension mismatch"),
        ({"a": np.array([np.nan, 1, 1, 1])}, "NaN"),
        ({"b": np.array([1, -1, 1, 1, 1.0])}, "negative"),
        ({"c": np.ones((3, 3))}, "c"),
        ({"method": "foo"}, "Unknown method 'foo'."),
    ],
)
def test_bad_input_raises_value_error(kwargs, match):
    args = dict(zip(("a", "b", "M"), problem(4, 5, 20)), reg=0.1, reg_m=1.0)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        goot.sinkhorn_unbalanced(**args)


def test_bad_return_cost_and_method_in_unbalanced2():
    a, b, M = problem(4, 5, 21)
    with pytest.raises(ValueError, match="Unknown returnCost"):
        goot.sinkhorn_unbalanced2(a, b, M, 0.1, 1.0, returnCost="foo")
    with pytest.raises(ValueError, match="Unknown method foo."):
        goot.sinkhorn_unbalanced2(a, b, M, 0.1, 1.0, method="foo")


def test_nan_cost_raises():
    a, b, M = problem(4, 5, 22)
    M[1, 1] = np.nan
    with pytest.raises(ValueError, match="M"):
        goot.sinkhorn_unbalanced(a, b, M, 0.1, 1.0)
    with pytest.raises(ValueError, match="M must be a 2-D"):
        goot.sinkhorn_unbalanced(a, b, M.ravel(), 0.1, 1.0)


# ---------------------------------------------------------------------------
# Threads.


def test_threads_give_the_same_answers():
    problems = [problem(120, 100, s) for s in range(6)]
    methods = [METHODS[s % 3] for s in range(6)]
    expected = [
        goot.sinkhorn_unbalanced(a, b, M, 0.05, 1.0, method=meth)
        for (a, b, M), meth in zip(problems, methods)
    ]
    results: list = [None] * len(problems)

    def work(i):
        a, b, M = problems[i]
        results[i] = goot.sinkhorn_unbalanced(a, b, M, 0.05, 1.0, method=methods[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(problems))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for got, want in zip(results, expected):
        np.testing.assert_array_equal(got, want)


# ---------------------------------------------------------------------------
# Barycenters.


def histograms(dim, k, seed):
    rng = np.random.default_rng(seed)
    A = rng.random((dim, k)) + 0.05
    x = np.linspace(0, 1, dim)
    return A, (x[:, None] - x[None, :]) ** 2


@pytest.mark.parametrize("method", ["sinkhorn", "sinkhorn_stabilized"])
@pytest.mark.parametrize("dim, k", [(5, 2), (30, 3), (80, 4)])
def test_barycenter_matches_pot(method, dim, k):
    A, M = histograms(dim, k, dim + k)
    weights = np.random.default_rng(k).random(k)
    weights /= weights.sum()
    for reg, reg_m in ((0.05, 1.0), (0.2, 0.3)):
        (P, wp), (G, wg) = both(
            "barycenter_unbalanced", A, M, reg, reg_m, method=method,
            weights=weights, log=True,
        )  # fmt: skip
        np.testing.assert_allclose(G[0], P[0], rtol=1e-7, atol=1e-12)
        assert list(G[1]) == list(P[1])
        assert G[1]["niter"] == P[1]["niter"]
        assert len(G[1]["err"]) == len(P[1]["err"])
        np.testing.assert_allclose(G[1]["logu"], P[1]["logu"], atol=1e-6)
        np.testing.assert_allclose(G[1]["logv"], P[1]["logv"], atol=1e-6)
        assert wg == wp


def test_barycenter_method_dispatch_matches_pot():
    A, M = histograms(6, 2, 1)
    for method in ("sinkhorn_translation_invariant", "sinkhorn_reg_scaling"):
        (P, wp), (G, wg) = both("barycenter_unbalanced", A, M, 0.1, 1.0, method=method)
        np.testing.assert_allclose(G, P, rtol=1e-7)
        assert wg == wp and len(wg) == 1
    with pytest.raises(ValueError, match="Unknown method 'foo'."):
        goot.barycenter_unbalanced(A, M, 0.1, 1.0, method="foo")
    with pytest.raises(ValueError, match="weights"):
        goot.barycenter_unbalanced(A, M, 0.1, 1.0, weights=[1.0])
    with pytest.raises(ValueError, match="reg_m"):
        goot.barycenter_unbalanced(A, M, 0.1, -1.0)


def test_barycenter_of_one_histogram_with_large_reg_m_is_close_to_it():
    """With one histogram and large reg_m, the barycenter is the histogram
    blurred by the entropy only: its mass tends to the histogram's."""
    A, M = histograms(20, 1, 3)
    q = goot.barycenter_unbalanced(A, M, 0.01, 1e3, stopThr=1e-12, numItermax=100000)
    assert abs(q.sum() - A.sum()) < 1e-2 * A.sum()


# ---------------------------------------------------------------------------
# Majorisation-minimisation.


@pytest.mark.parametrize("div", ["kl", "l2"])
@pytest.mark.parametrize("reg", [0, 0.1])
@pytest.mark.parametrize("size", [(4, 5), (30, 20)])
def test_mm_unbalanced_matches_pot(div, reg, size):
    a, b, M = problem(*size, seed=sum(size))
    c = np.random.default_rng(1).random(M.shape)
    for cc in (None, c):
        (P, wp), (G, wg) = both(
            "mm_unbalanced", a, b, M, (1.0, 2.0), c=cc, reg=reg, div=div,
            numItermax=150, log=True,
        )  # fmt: skip
        np.testing.assert_allclose(G[0], P[0], atol=PLAN_ATOL, rtol=0)
        assert list(G[1]) == list(P[1])
        assert len(G[1]["err"]) == len(P[1]["err"]) == len(G[1]["G"])
        np.testing.assert_allclose(G[1]["G"][-1], P[1]["G"][-1], atol=PLAN_ATOL)
        np.testing.assert_allclose(G[1]["G"][70], P[1]["G"][70], atol=PLAN_ATOL)
        for key in ("cost", "total_cost"):
            np.testing.assert_allclose(G[1][key], P[1][key], rtol=VALUE_RTOL)
        assert wg == wp


@pytest.mark.parametrize("returnCost", ["linear", "total"])
def test_mm_unbalanced2_matches_pot(returnCost):
    a, b, M = problem(12, 9, 3)
    (P, _), (G, _) = both("mm_unbalanced2", a, b, M, 2.0, returnCost=returnCost)
    np.testing.assert_allclose(G, P, rtol=VALUE_RTOL)
    with pytest.raises(ValueError, match="Unknown returnCost"):
        goot.unbalanced.mm_unbalanced2(a, b, M, 2.0, returnCost="foo")
    with pytest.raises(ValueError, match="Unknown div"):
        goot.unbalanced.mm_unbalanced(a, b, M, 2.0, div="tv")
    with pytest.raises(ValueError, match="reg_m"):
        goot.unbalanced.mm_unbalanced(a, b, M, -2.0)


def test_mm_large_reg_m_keeps_the_marginals():
    """POT's test_mm: a large reg_m gives marginals a, b to 1e-3, and the
    iterates decrease the objective (the plan costs less than the start)."""
    a, b, M = problem(10, 8, 4, mass_b=1.0)
    G, log = goot.unbalanced.mm_unbalanced(a, b, M, 100, numItermax=5000, log=True)
    np.testing.assert_allclose(G.sum(1), a, atol=1e-3)
    np.testing.assert_allclose(G.sum(0), b, atol=1e-3)
    start = np.outer(a, b)
    assert log["cost"] < np.sum(start * M)


def test_mm_warm_start_matches_pot():
    a, b, M = problem(8, 6, 5)
    G0 = np.random.default_rng(5).random(M.shape)
    (P, _), (G, _) = both("mm_unbalanced", a, b, M, 1.0, G0=G0, numItermax=100)
    np.testing.assert_allclose(G, P, atol=PLAN_ATOL)


# ---------------------------------------------------------------------------
# L-BFGS-B on the primal.
#
# scipy drives both runs; goot evaluates the objective in Go, summing in
# another order than numpy, and L-BFGS-B's path reacts to last-bit changes of
# the objective. So plans agree to 1e-7 where the minimiser converges (smooth
# L2 terms); elsewhere both stop at numItermax near the same optimum and the
# objectives are compared.
# TODO(goot): objective in numpy's summation order, for iterate parity with
# POT in the unconverged KL and TV cases (issue 7).

LBFGS_DIVS = [(r, m) for r in ("kl", "l2", "entropy") for m in ("kl", "l2", "tv")]


def test_lbfgsb_matches_pot_when_converged():
    a, b, M = problem(12, 9, 23)
    (P, wp), (G, wg) = both(
        "lbfgsb_unbalanced", a, b, M, 0.1, 1.0, reg_div="l2", regm_div="l2", log=True
    )
    assert P[1]["res"].success and G[1]["res"].success
    np.testing.assert_allclose(G[0], P[0], atol=PLAN_ATOL)
    assert list(G[1]) == list(P[1])
    np.testing.assert_allclose(G[1]["total_cost"], P[1]["total_cost"], rtol=1e-9)
    np.testing.assert_allclose(G[1]["cost"], P[1]["cost"], rtol=1e-9)
    assert wg == wp


@pytest.mark.parametrize("reg_div, regm_div", LBFGS_DIVS)
def test_lbfgsb_objective_matches_pot(reg_div, regm_div):
    """Both minimise the same objective: goot's value is POT's to 1e-4
    relative for the smooth penalties; with TV, whose kinks stall L-BFGS-B
    wherever its path leads, both stop within 5% of each other (measured:
    up to 2.2%, either way)."""
    a, b, M = problem(6, 5, 24)
    args = dict(reg_div=reg_div, regm_div=regm_div, returnCost="total", numItermax=300)
    P = ot.unbalanced.lbfgsb_unbalanced2(a, b, M, 0.1, 1.0, **args)
    G = goot.unbalanced.lbfgsb_unbalanced2(a, b, M, 0.1, 1.0, **args)
    if regm_div == "tv":
        np.testing.assert_allclose(G, P, rtol=5e-2)
    else:
        np.testing.assert_allclose(G, P, rtol=1e-4)


def test_lbfgsb_custom_regulariser_and_bad_input():
    """A (f, df) pair equal to the entropy gives the entropy's objective."""
    a, b, M = problem(8, 7, 25)

    def f(G):
        return np.sum(G * np.log(G + 1e-16)) - np.sum(G)

    def df(G):
        return np.log(G + 1e-16)

    want = goot.unbalanced.lbfgsb_unbalanced2(
        a, b, M, 0.1, 1.0, reg_div="entropy", regm_div="l2", returnCost="total"
    )
    got = goot.unbalanced.lbfgsb_unbalanced2(
        a, b, M, 0.1, 1.0, reg_div=(f, df), regm_div="l2", returnCost="total"
    )
    np.testing.assert_allclose(got, want, rtol=1e-6)
    with pytest.raises(ValueError, match="Unknown regm_div"):
        goot.unbalanced.lbfgsb_unbalanced(a, b, M, 0.1, 1.0, regm_div="foo")
    with pytest.raises(ValueError, match="Unknown reg_div"):
        goot.unbalanced.lbfgsb_unbalanced(a, b, M, 0.1, 1.0, reg_div="foo")
    with pytest.raises(ValueError, match="Unknown returnCost"):
        goot.unbalanced.lbfgsb_unbalanced2(a, b, M, 0.1, 1.0, returnCost="foo")


def test_b30_single_identical_point(cases):
    """Reported case B30: a Dirac against itself costs exactly 0 (POT 0.8.2
    returned array([0.])); goot returns a numpy scalar 0."""
    v = case_inputs(cases["B30"])
    for method in METHODS:
        cost = goot.sinkhorn_unbalanced2(v["a1"], v["b1"], v["M1"], 0.05, 1.0,
                                         method=method)  # fmt: skip
        assert np.ndim(cost) == 0 and cost == 0.0


@pytest.mark.parametrize("method", METHODS)
def test_zero_iterations_give_the_starting_plan_as_pot(method):
    a, b, M = problem(6, 5, 27)
    (P, wp), (G, wg) = both(
        "sinkhorn_unbalanced", a, b, M, 0.1, 1.0, method=method, numItermax=0,
        log=True,
    )  # fmt: skip
    np.testing.assert_allclose(G[0], P[0], rtol=1e-12)
    assert G[1]["err"] == [] and P[1]["err"] == []
    assert wg == wp


@pytest.mark.parametrize(
    "method", ["sinkhorn", "sinkhorn_stabilized", "sinkhorn_translation_invariant"]
)
@pytest.mark.parametrize("reg", [1e-30, 1e-300])
def test_reg_below_the_resolution_of_reg_m_is_reported(method, reg):
    """Adversarial trial: at reg = 1e-30 the iteration stopped at once with a
    balanced plan (mass 1 where the answer has 0.89), or returned inf, silently."""
    a = np.array([0.5, 0.5])
    M = np.array([[0.0, 1.0], [2.0, 0.5]])
    with pytest.warns(UserWarning, match="resolution of reg_m"):
        goot.sinkhorn_unbalanced(a, a, M, reg, 1.0, method=method)


def test_bad_tau_and_warm_start_are_refused():
    a = np.array([0.5, 0.5])
    M = np.array([[0.0, 1.0], [2.0, 0.5]])
    with pytest.raises(ValueError, match="tau"):
        goot.sinkhorn_unbalanced(
            a, a, M, 0.1, 1.0, method="sinkhorn_stabilized", tau=-1
        )
    with pytest.raises(ValueError, match="tau"):
        goot.unbalanced.barycenter_unbalanced(
            np.stack([a, a], 1), M, 0.1, 1.0, method="sinkhorn_stabilized", tau=0
        )
    for bad in (np.nan, np.inf):
        with pytest.raises(ValueError, match="warmstart"):
            goot.sinkhorn_unbalanced(
                a, a, M, 0.1, 1.0, warmstart=(np.full(2, bad), np.zeros(2))
            )
