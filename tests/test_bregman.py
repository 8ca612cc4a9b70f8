"""Entropic OT (goot.bregman) against POT 0.9.7 and against known answers.

Parity: goot follows POT's iterate sequence and stopping rule for every method,
so plans agree to rounding (tested at 1e-7 elementwise, losses at 1e-9
relative, the brief's bounds), with the same iteration counts, log keys and
warnings. Property tests restate those of POT's test_bregman.py.
"""

from __future__ import annotations

import threading
import warnings

import numpy as np
import ot
import pytest

import goot
from conftest import case_inputs, clouds, random_problem

METHODS = [
    "sinkhorn",
    "sinkhorn_log",
    "sinkhorn_stabilized",
    "sinkhorn_epsilon_scaling",
    "greenkhorn",
]
PLAN_ATOL = 1e-7  # the brief's elementwise bound for plans
LOSS_RTOL = 1e-9  # the brief's relative bound for losses
ITER_KEYS = ("niter", "n_iter")


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fn(*args, **kwargs)
    return out, [(w.category, str(w.message)) for w in caught]


def _user_warnings(caught):
    return [text for category, text in caught if category is UserWarning]


# ---------------------------------------------------------------------------
# Parity with POT.


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("n,m,seed", [(5, 7, 0), (40, 30, 1), (150, 120, 2)])
@pytest.mark.parametrize("reg", [1.0, 0.1, 0.02])
def test_plan_and_log_match_pot(method, n, m, seed, reg):
    a, b, M = random_problem(n, m, seed)
    (G, log), ours = _quiet(goot.sinkhorn, a, b, M, reg, method=method, log=True)
    (Gp, logp), theirs = _quiet(ot.sinkhorn, a, b, M, reg, method=method, log=True)
    np.testing.assert_allclose(G, Gp, rtol=0, atol=PLAN_ATOL)
    assert sorted(log) == sorted(logp)
    for key in ITER_KEYS:
        if key in logp:
            assert log[key] == logp[key]
    if "err" in logp:
        np.testing.assert_allclose(log["err"], logp["err"], rtol=1e-6, atol=1e-12)
    assert _user_warnings(ours) == _user_warnings(theirs)


@pytest.mark.parametrize("method", ["sinkhorn", "sinkhorn_log", "sinkhorn_stabilized"])
@pytest.mark.parametrize("n,d,seed", [(60, 2, 3), (300, 3, 4)])
def test_sinkhorn2_matches_pot_on_clouds(method, n, d, seed):
    X, Y = clouds(n, n + 7, d, seed)
    M = ot.dist(X, Y)
    reg = 0.05 * np.median(M)
    loss = goot.sinkhorn2([], [], M, reg, method=method)
    expected = ot.sinkhorn2([], [], M, reg, method=method)
    assert loss == pytest.approx(float(expected), rel=LOSS_RTOL)
    assert isinstance(loss, np.floating)


@pytest.mark.parametrize("method", ["sinkhorn", "sinkhorn_log", "sinkhorn_stabilized"])
def test_multi_b_matches_pot(method):
    a, b, M = random_problem(30, 20, 5)
    B = np.stack([b, random_problem(30, 20, 6)[1], np.full(20, 0.05)], 1)
    losses = goot.sinkhorn(a, B, M, 0.1, method=method, stopThr=1e-12)
    expected = ot.sinkhorn(a, B, M, 0.1, method=method, stopThr=1e-12)
    assert losses.shape == (3,)
    np.testing.assert_allclose(losses, expected, rtol=LOSS_RTOL)
    np.testing.assert_allclose(
        goot.sinkhorn2(a, B, M, 0.1, method=method, stopThr=1e-12), losses
    )


@pytest.mark.parametrize("method", ["sinkhorn", "sinkhorn_log"])
def test_multi_b_log_keys_match_pot(method):
    a, b, M = random_problem(12, 9, 7)
    B = np.stack([b, b[::-1] / b.sum()], 1)
    _, log = goot.sinkhorn(a, B, M, 0.5, method=method, log=True)
    _, logp = ot.sinkhorn(a, B, M, 0.5, method=method, log=True)
    assert sorted(log) == sorted(logp)
    np.testing.assert_allclose(log["u"], logp["u"], rtol=1e-9)


@pytest.mark.parametrize("method", METHODS)
def test_convergence_warning_like_pot(method):
    """POT's test_convergence_warning: numItermax=1 warns 'numItermax'."""
    a, b, M = random_problem(20, 15, 8)
    _, ours = _quiet(goot.sinkhorn, a, b, M, 0.01, method=method, numItermax=1)
    _, theirs = _quiet(ot.sinkhorn, a, b, M, 0.01, method=method, numItermax=1)
    assert _user_warnings(ours) == _user_warnings(theirs)
    assert any("numItermax" in text for text in _user_warnings(ours))
    _, quiet = _quiet(
        goot.sinkhorn, a, b, M, 0.01, method=method, numItermax=1, warn=False
    )
    if method != "sinkhorn_epsilon_scaling":  # POT's inner solves warn regardless
        assert not _user_warnings(quiet)


def test_sinkhorn2_warns_only_when_asked():
    a, b, M = random_problem(20, 15, 8)
    _, caught = _quiet(goot.sinkhorn2, a, b, M, 0.01, numItermax=2)
    assert not _user_warnings(caught)
    with pytest.warns(UserWarning, match="numItermax"):
        goot.sinkhorn2(a, b, M, 0.01, numItermax=2, warn=True)


@pytest.mark.parametrize("method", METHODS)
def test_warmstart_from_converged_potentials(method):
    """POT's test_sinkhorn_warmstart: each method's own warm-start convention."""
    a, b, M = random_problem(25, 20, 9)
    G, log = goot.sinkhorn(a, b, M, 0.1, method=method, log=True, stopThr=1e-12,
                           numItermax=5000)  # fmt: skip
    if method in ("sinkhorn_stabilized", "sinkhorn_epsilon_scaling"):
        start = (log["alpha"], log["beta"])
    elif method == "sinkhorn_log":
        start = (log["log_u"], log["log_v"])
    else:
        start = (np.log(log["u"]), np.log(log["v"]))
    G2 = goot.sinkhorn(a, b, M, 0.1, method=method, warmstart=start, numItermax=5000)
    np.testing.assert_allclose(G2, G, atol=1e-9)
    Gp = ot.sinkhorn(a, b, M, 0.1, method=method, warmstart=start, numItermax=5000)
    np.testing.assert_allclose(G2, Gp, atol=PLAN_ATOL)


def test_verbose_prints_pot_table(capsys):
    a, b, M = random_problem(10, 8, 1)
    goot.sinkhorn(a, b, M, 0.1, verbose=True)
    ours = capsys.readouterr().out
    ot.sinkhorn(a, b, M, 0.1, verbose=True)
    theirs = capsys.readouterr().out
    assert ours.splitlines()[:3] == theirs.splitlines()[:3]
    assert len(ours.splitlines()) == len(theirs.splitlines())


# ---------------------------------------------------------------------------
# POT's property checks for ot.bregman.


def test_sinkhorn_marginals_and_empty_weights():
    X, _ = clouds(100, 100, 2, 0)
    M = ot.dist(X, X)
    u = goot.unif(100)
    G = goot.sinkhorn(u, u, M, 1, stopThr=1e-10)
    np.testing.assert_allclose(G.sum(0), u, atol=1e-5)
    np.testing.assert_allclose(G.sum(1), u, atol=1e-5)
    np.testing.assert_allclose(goot.sinkhorn([], [], M, 1, stopThr=1e-10), G)
    with pytest.warns(UserWarning):
        goot.sinkhorn(u, u, M, 1, numItermax=1)


def test_variants_agree():
    X, _ = clouds(50, 50, 2, 1)
    M = ot.dist(X, X)
    u = goot.unif(50)
    G0 = goot.sinkhorn(u, u, M, 1, method="sinkhorn", stopThr=1e-10)
    for method in METHODS[1:]:
        G = goot.sinkhorn(u, u, M, 1, method=method, stopThr=1e-10)
        np.testing.assert_allclose(G, G0, atol=1e-5)


def test_stabilized_with_small_tau_matches_log():
    x = np.arange(20.0)[:, None]
    M = ot.dist(x, x)
    M /= M.max()
    u = goot.unif(20)
    reg = 1e-3
    loss_log = goot.sinkhorn2(u, u, M, reg, method="sinkhorn_log", numItermax=5000)
    loss_stab = goot.sinkhorn2(u, u, M, reg, method="sinkhorn_stabilized", tau=1,
                               numItermax=5000)  # fmt: skip
    assert loss_stab == pytest.approx(loss_log, abs=1e-6)


@pytest.mark.parametrize("method", METHODS)
def test_multi_b_equals_single(method):
    a, b, M = random_problem(20, 15, 2)
    B = np.stack([b, np.full(15, 1 / 15)], 1)
    losses = goot.sinkhorn2(a, B, M, 0.2, method=method, stopThr=1e-12)
    single = [goot.sinkhorn2(a, B[:, c], M, 0.2, method=method, stopThr=1e-12)
              for c in range(2)]  # fmt: skip
    np.testing.assert_allclose(losses, single, rtol=1e-7)


@pytest.mark.parametrize("fn", [goot.sinkhorn, goot.sinkhorn2])
@pytest.mark.parametrize("method", ["screenkhorn", "sinkhorn_unknown", 3])
def test_unknown_method_raises_like_pot(fn, method):
    a, b, M = random_problem(3, 3, 0)
    with pytest.raises(ValueError, match="Unknown method"):
        fn(a, b, M, 1.0, method=method)


def test_method_is_case_insensitive():
    a, b, M = random_problem(4, 3, 0)
    np.testing.assert_allclose(
        goot.sinkhorn(a, b, M, 1, method="Sinkhorn_LOG"),
        goot.sinkhorn(a, b, M, 1, method="sinkhorn_log"),
    )


def test_kwargs_reach_the_method():
    a, b, M = random_problem(10, 8, 0)
    _, log = goot.sinkhorn(a, b, M, 0.01, method="sinkhorn_stabilized", tau=1,
                           print_period=1, log=True)  # fmt: skip
    _, logp = ot.sinkhorn(a, b, M, 0.01, method="sinkhorn_stabilized", tau=1,
                          print_period=1, log=True)  # fmt: skip
    assert log["n_iter"] == logp["n_iter"]
    np.testing.assert_allclose(log["alpha"], logp["alpha"], atol=1e-9)


def test_float32_in_float32_out_and_converges():
    a, b, M = random_problem(20, 15, 3)
    a32, b32, M32 = (x.astype(np.float32) for x in (a, b, M))
    (G, log), caught = _quiet(goot.sinkhorn, a32, b32, M32, 0.1, log=True)
    assert G.dtype == np.float32
    assert not _user_warnings(caught)
    loss = goot.sinkhorn2(a32, b32, M32, 0.1)
    assert loss.dtype == np.float32
    assert float(loss) == pytest.approx(ot.sinkhorn2(a, b, M, 0.1), rel=1e-6)


def test_inputs_not_modified():
    a, b, M = random_problem(10, 8, 4)
    copies = [x.copy() for x in (a, b, M)]
    for method in METHODS:
        goot.sinkhorn(a, b, M, 0.1, method=method)
    for x, y in zip((a, b, M), copies):
        np.testing.assert_array_equal(x, y)


# ---------------------------------------------------------------------------
# Bad input.


@pytest.mark.parametrize("reg", [-1.0, 0.0, np.nan, np.inf])
@pytest.mark.parametrize("method", METHODS)
def test_bad_reg_raises(reg, method):
    a, b, M = random_problem(4, 3, 0)
    with pytest.raises(ValueError, match="reg"):
        goot.sinkhorn(a, b, M, reg, method=method)


@pytest.mark.parametrize("method", METHODS)
def test_nan_cost_raises(method):
    a, b, M = random_problem(4, 3, 0)
    M[1, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        goot.sinkhorn(a, b, M, 1.0, method=method)


def test_shape_mismatch_and_bad_weights_raise():
    a, b, M = random_problem(4, 3, 0)
    with pytest.raises(ValueError, match="Dimension mismatch"):
        goot.sinkhorn(a[:3], b, M, 1.0)
    with pytest.raises(ValueError, match="Dimension mismatch"):
        goot.sinkhorn2(a, np.ones((4, 2)), M, 1.0)
    with pytest.raises(ValueError, match="negative"):
        goot.sinkhorn(-a, b, M, 1.0)
    with pytest.raises(ValueError, match="2-D"):
        goot.sinkhorn(a, b, M.ravel(), 1.0)
    with pytest.raises(TypeError):
        goot.sinkhorn(a, b, M, "one")
    with pytest.raises(ValueError, match="warmstart"):
        goot.sinkhorn(a, b, M, 1.0, warmstart=(np.zeros(2), np.zeros(3)))


# ---------------------------------------------------------------------------
# Reported cases.


@pytest.mark.parametrize("method", METHODS)
def test_b13_huge_costs_never_zero_or_nan(cases, method):
    case = cases["B13"]
    v = case_inputs(case)
    value = goot.sinkhorn2(v["a"], v["b"], v["M"], v["reg"], method=method)
    assert value == pytest.approx(case["expected"]["value"], rel=1e-8)


@pytest.mark.parametrize("method", ["sinkhorn", "sinkhorn_log", "sinkhorn_stabilized"])
def test_b14_float32_small_reg(cases, method):
    case = cases["B14"]
    v = case_inputs(case)
    value = goot.sinkhorn2(v["a32"], v["b32"], v["M32"], v["reg"], method=method)
    assert np.isfinite(value)
    assert float(value) == pytest.approx(case["expected"]["value"], rel=1e-4)


def test_b15_float32_no_spurious_warning(cases):
    case = cases["B15"]
    v = case_inputs(case)
    (value, log), caught = _quiet(
        goot.sinkhorn2, v["a32"], v["b32"], v["M32"], 0.1, log=True, warn=True
    )
    assert not _user_warnings(caught)
    assert log["niter"] <= 20
    assert float(value) == pytest.approx(case["expected"]["value"], rel=1e-6)


@pytest.mark.parametrize("method", ["sinkhorn", "sinkhorn_log", "sinkhorn_stabilized"])
def test_b16_forbidden_pairs_finite_cost(cases, method):
    case = cases["B16"]
    v = case_inputs(case)
    G = goot.sinkhorn(v["a"], v["b"], v["M"], v["reg"], method=method,
                      numItermax=100000)  # fmt: skip
    assert np.all(G[np.isinf(v["M"])] == 0)
    np.testing.assert_allclose(G, case["expected"]["plan"], atol=1e-4)
    value = goot.sinkhorn2(v["a"], v["b"], v["M"], v["reg"], method=method)
    assert value == pytest.approx(case["expected"]["value"], rel=1e-4)


@pytest.mark.parametrize("method", METHODS)
def test_b17_sinkhorn2_accepts_every_method(cases, method):
    case = cases["B17"]
    v = case_inputs(case)
    value = goot.sinkhorn2(v["a"], v["b"], v["M"], v["reg"], method=method)
    assert value == pytest.approx(case["expected"]["value"], rel=1e-6)


@pytest.mark.parametrize("method", METHODS)
def test_b26_zero_weight_bins(cases, method):
    v = case_inputs(cases["B26"])
    (value, caught) = _quiet(
        goot.sinkhorn2, v["a"], v["b"], v["D"], 0.01, method=method
    )
    assert value == pytest.approx(0.0, abs=1e-12)
    assert not _user_warnings(caught)


def test_b27_all_equal_costs(cases):
    M = np.ones((292, 2))
    for method in METHODS:
        value = goot.sinkhorn2(goot.unif(292), goot.unif(2), M, 0.1, method=method)
        assert value == pytest.approx(1.0, rel=1e-12)
    assert goot.sinkhorn2([], [], np.ones((313, 3)), 0.1) == pytest.approx(1.0)


@pytest.mark.parametrize("method", METHODS)
def test_b30_single_point(cases, method):
    v = case_inputs(cases["B30"])
    value = goot.sinkhorn2(v["a1"], v["b1"], v["M1"], 0.05, method=method)
    assert value == 0.0
    assert isinstance(float(value), float)


def test_tiny_reg_log_domain_stays_finite():
    """reg 1e-4 on costs in [0, 1]: finite plan, rows exact, cost near EMD."""
    a, b, M = random_problem(30, 20, 10)
    G = goot.sinkhorn(a, b, M, 1e-4, method="sinkhorn_log", numItermax=20000)
    assert np.all(np.isfinite(G))
    np.testing.assert_allclose(G.sum(1), a, atol=1e-12)
    assert np.sum(G * M) == pytest.approx(goot.emd2(a, b, M), abs=1e-3)


# ---------------------------------------------------------------------------
# Threads.


def test_threads_give_the_same_answers():
    problems = [random_problem(120, 100, s) for s in range(6)]
    expected = [goot.sinkhorn(a, b, M, 0.05) for a, b, M in problems]
    results: list = [None] * len(problems)

    def work(i):
        a, b, M = problems[i]
        results[i] = goot.sinkhorn(a, b, M, 0.05)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(problems))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for got, want in zip(results, expected):
        np.testing.assert_array_equal(got, want)


# ---------------------------------------------------------------------------
# Point clouds.


def test_empirical_sinkhorn_matches_pot():
    X, Y = clouds(40, 30, 2, 11)
    G = goot.bregman.empirical_sinkhorn(X, Y, 1.0)
    np.testing.assert_allclose(G, ot.bregman.empirical_sinkhorn(X, Y, 1.0), atol=1e-12)
    np.testing.assert_allclose(G, goot.sinkhorn([], [], ot.dist(X, Y), 1.0))
    loss = goot.bregman.empirical_sinkhorn2(X, Y, 1.0, metric="euclidean")
    expected = ot.bregman.empirical_sinkhorn2(X, Y, 1.0, metric="euclidean")
    assert loss == pytest.approx(float(expected), rel=LOSS_RTOL)


def test_empirical_sinkhorn_divergence_matches_pot_and_formula():
    X, Y = clouds(30, 25, 2, 12)
    div, log = goot.bregman.empirical_sinkhorn_divergence(X, Y, 1.0, log=True)
    expected = ot.bregman.empirical_sinkhorn_divergence(X, Y, 1.0)
    assert div == pytest.approx(float(expected), rel=LOSS_RTOL)
    w = [
        goot.sinkhorn2([], [], ot.dist(P, Q), 1.0) for P, Q in ((X, Y), (X, X), (Y, Y))
    ]
    assert div == pytest.approx(w[0] - 0.5 * (w[1] + w[2]), abs=1e-5)
    _, logp = ot.bregman.empirical_sinkhorn_divergence(X, Y, 1.0, log=True)
    assert sorted(log) == sorted(logp)


def test_b30_empirical_divergence_single_point(cases):
    v = case_inputs(cases["B30"])
    value = goot.bregman.empirical_sinkhorn_divergence(v["x1"], v["y1"], 0.05)
    assert value == 0.0
    assert isinstance(float(value), float)


@pytest.mark.parametrize("reg", [1.0, 0.3])
def test_lazy_mode_matches_pot(reg):
    """Same iterates as POT's lazy mode: potentials, iteration count, log keys."""
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((60, 3)), rng.standard_normal((50, 3)) + 1
    f, g, log = goot.bregman.empirical_sinkhorn(X, Y, reg, isLazy=True, log=True)
    fp, gp, logp = ot.bregman.empirical_sinkhorn(X, Y, reg, isLazy=True, log=True)
    np.testing.assert_allclose(f, fp, atol=1e-10)
    np.testing.assert_allclose(g, gp, atol=1e-10)
    assert log["niter"] == logp["niter"]
    assert sorted(log) == sorted(logp)
    np.testing.assert_allclose(
        log["lazy_plan"][:, :], logp["lazy_plan"][:, :], atol=1e-12
    )
    loss = goot.bregman.empirical_sinkhorn2(X, Y, reg, isLazy=True)
    expected = ot.bregman.empirical_sinkhorn2(X, Y, reg, isLazy=True)
    assert loss == pytest.approx(float(expected), rel=LOSS_RTOL)


def test_lazy_mode_bad_batch_size_like_pot():
    X, Y = clouds(5, 4, 2, 0)
    with pytest.raises(ValueError, match="Batch size"):
        goot.bregman.empirical_sinkhorn(X, Y, 1.0, isLazy=True, batchSize=[1, 2, 3])


_LAZY_MEMORY = """
import resource, numpy as np, goot
n = 15000
rng = np.random.default_rng(0)
X, Y = rng.standard_normal((n, 3)), rng.standard_normal((n, 3)) + 1
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
goot.bregman.empirical_sinkhorn2(X, Y, 1.0, isLazy=True, numIterMax=1)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print((after - before) / 1024)
"""


def test_lazy_mode_never_stores_the_cost_matrix():
    """n = m = 15000: the cost matrix would take 1.8 GB; the lazy solve adds
    a few MB (O(n + m) buffers per worker)."""
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", _LAZY_MEMORY], capture_output=True, text=True,
        check=True, timeout=300,
    )  # fmt: skip
    assert float(out.stdout) < 200


# ---------------------------------------------------------------------------
# Opt-in acceleration (goot only).


@pytest.mark.parametrize("method", ["sinkhorn", "sinkhorn_log"])
@pytest.mark.parametrize("omega", [1.5, "auto"])
def test_over_relaxation_reaches_the_same_plan_faster(method, omega):
    a, b, M = random_problem(120, 90, 13)
    G, log = goot.sinkhorn(a, b, M, 0.005, method=method, log=True, stopThr=1e-11,
                           numItermax=20000)  # fmt: skip
    Gw, logw = goot.sinkhorn(a, b, M, 0.005, method=method, log=True, stopThr=1e-11,
                             numItermax=20000, omega=omega)  # fmt: skip
    assert logw["niter"] < log["niter"]
    np.testing.assert_allclose(Gw, G, atol=1e-9)


@pytest.mark.parametrize("omega", [0, 2, -1, "fast"])
def test_bad_omega_raises(omega):
    a, b, M = random_problem(4, 3, 0)
    with pytest.raises((ValueError, TypeError), match="omega"):
        goot.sinkhorn(a, b, M, 1.0, omega=omega)


# ---------------------------------------------------------------------------
# Free-support barycenters.


def _measures():
    rng = np.random.default_rng(0)
    Ys = [rng.standard_normal((20, 2)), rng.standard_normal((15, 2)) + 2]
    return Ys, [goot.unif(20), goot.unif(15)], rng.standard_normal((10, 2))


def test_free_support_barycenter_matches_pot():
    Ys, ws, X0 = _measures()
    X, log = goot.lp.free_support_barycenter(Ys, ws, X0, log=True)
    Xp, logp = ot.lp.free_support_barycenter(Ys, ws, X0, log=True)
    np.testing.assert_allclose(X, Xp, atol=1e-12)
    assert len(log["displacement_square_norms"]) == len(
        logp["displacement_square_norms"]
    )


def test_free_support_barycenter_of_two_diracs_is_their_midpoint():
    """POT's test_free_support_barycenter: Diracs at -1 and 1 give 0."""
    Ys = [np.array([[-1.0]]), np.array([[1.0]])]
    ws = [np.array([1.0]), np.array([1.0])]
    X = goot.lp.free_support_barycenter(Ys, ws, np.array([[-12.0]]))
    np.testing.assert_allclose(X, [[0.0]], atol=1e-12)


def test_free_support_sinkhorn_barycenter_matches_pot():
    Ys, ws, X0 = _measures()
    X = goot.bregman.free_support_sinkhorn_barycenter(Ys, ws, X0, 0.5)
    Xp = ot.bregman.free_support_sinkhorn_barycenter(Ys, ws, X0, 0.5)
    np.testing.assert_allclose(X, Xp, atol=1e-9)


# ---------------------------------------------------------------------------
# The full regularised Sinkhorn divergence (goot's opt-in).


def _pot_regularized(X, Y, reg):
    """W = <P, M> + reg KL(P | a b^T): the value of POT's ot.solve(reg=...)."""
    return ot.solve(ot.dist(X, Y), reg=reg, max_iter=100000, tol=1e-13).value


@pytest.mark.parametrize("lazy", [False, True])
@pytest.mark.parametrize("n,m,d,reg,seed", [(30, 40, 2, 0.5, 1), (80, 60, 3, 1.0, 2)])
def test_regularized_divergence_matches_pot_solve(lazy, n, m, d, reg, seed):
    X, Y = clouds(n, m, d, seed)
    expected = _pot_regularized(X, Y, reg) - 0.5 * (
        _pot_regularized(X, X, reg) + _pot_regularized(Y, Y, reg)
    )
    S, log = goot.bregman.empirical_sinkhorn_divergence(
        X, Y, reg, value="regularized", isLazy=lazy, stopThr=1e-13, log=True
    )
    assert float(S) == pytest.approx(expected, rel=1e-7)
    assert log["sinkhorn_loss_ab"] == pytest.approx(
        _pot_regularized(X, Y, reg), rel=1e-7
    )


def test_regularized_divergence_vanishes_on_equal_clouds_linear_does_not():
    """The debiased divergence is 0 between a cloud and itself and positive
    otherwise; POT's linear value is only clamped at 0."""
    X, Y = clouds(25, 25, 2, 3)
    reg = 1.0
    same = goot.bregman.empirical_sinkhorn_divergence(X, X, reg, value="regularized")
    assert abs(float(same)) < 1e-12
    assert (
        goot.bregman.empirical_sinkhorn_divergence(X, Y, reg, value="regularized") > 0
    )
    # The default stays POT's linear value.
    linear = goot.bregman.empirical_sinkhorn_divergence(X, Y, reg)
    assert float(linear) == pytest.approx(
        float(ot.bregman.empirical_sinkhorn_divergence(X, Y, reg)), rel=1e-9
    )
    with pytest.raises(ValueError, match="value"):
        goot.bregman.empirical_sinkhorn_divergence(X, Y, reg, value="entropic")
