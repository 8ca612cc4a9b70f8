"""Entropic fixed-support barycenters (goot.bregman.barycenter*) against POT.

Parity: goot runs POT's iterations and stopping rules, so barycentres agree to
rounding (tested at the brief's 1e-7) with the same iteration counts, error
histories, log keys and warnings. Property tests restate POT's test_barycenter,
test_barycenter_stabilization and test_barycenter_debiased.
"""

from __future__ import annotations

import threading
import warnings

import numpy as np
import ot
import pytest

import goot

BAR_ATOL = 1e-7  # the brief's elementwise bound for barycentres
METHODS = ["sinkhorn", "sinkhorn_stabilized", "sinkhorn_log"]
DEBIASED = ["sinkhorn", "sinkhorn_log"]


def _run(fn, *args, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fn(*args, **kwargs)
    return out, [str(w.message) for w in caught if w.category is UserWarning]


def _histograms(n, k, seed):
    rng = np.random.default_rng(seed)
    A = rng.random((n, k)) + 0.05
    x = np.arange(n, dtype=float).reshape(-1, 1)
    M = ot.dist(x, x)
    weights = rng.random(k) + 0.1
    return A / A.sum(0), M / M.max(), weights / weights.sum()


def _pot_problem():
    """POT's test_barycenter problem: two Gaussians on 100 bins."""
    n = 100
    a1 = ot.datasets.make_1D_gauss(n, m=30, s=10)
    a2 = ot.datasets.make_1D_gauss(n, m=40, s=10)
    A = np.vstack((a1, a2)).T
    M = ot.utils.dist0(n)
    return A, M / M.max(), np.array([0.5, 0.5])


# ---------------------------------------------------------------------------
# Parity with POT.


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("n,k,reg,seed", [(8, 2, 0.1, 0), (60, 3, 0.05, 1),
                                          (150, 4, 0.01, 2)])  # fmt: skip
def test_barycenter_matches_pot(method, n, k, reg, seed):
    A, M, w = _histograms(n, k, seed)
    if method == "sinkhorn":
        w = None  # POT's kernel method is wrong for other weights (next test)
    (bar, log), ours = _run(goot.barycenter, A, M, reg, w, method=method, log=True)
    (barp, logp), theirs = _run(ot.barycenter, A, M, reg, w, method=method, log=True)
    np.testing.assert_allclose(bar, barp, rtol=0, atol=BAR_ATOL)
    assert sorted(log) == sorted(logp)
    assert log["niter"] == logp["niter"]
    np.testing.assert_allclose(log["err"], logp["err"], rtol=1e-6, atol=1e-14)
    assert ours == theirs
    if method == "sinkhorn_stabilized":
        np.testing.assert_allclose(log["logu"], logp["logu"], rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(log["logv"], logp["logv"], rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("method", DEBIASED)
@pytest.mark.parametrize("n,k,reg,seed", [(8, 2, 0.1, 3), (60, 3, 0.05, 4),
                                          (150, 2, 0.01, 5)])  # fmt: skip
def test_barycenter_debiased_matches_pot(method, n, k, reg, seed):
    A, M, w = _histograms(n, k, seed)
    fn, ref = goot.bregman.barycenter_debiased, ot.bregman.barycenter_debiased
    (bar, log), ours = _run(fn, A, M, reg, w, method=method, log=True)
    (barp, logp), theirs = _run(ref, A, M, reg, w, method=method, log=True)
    np.testing.assert_allclose(bar, barp, rtol=0, atol=BAR_ATOL)
    assert sorted(log) == sorted(logp)
    assert log["niter"] == logp["niter"]
    np.testing.assert_allclose(log["err"], logp["err"], rtol=1e-6, atol=1e-14)
    assert ours == theirs


def test_kernel_method_with_weights_reaches_the_true_barycenter():
    """POT's barycenter_sinkhorn starts from the unweighted geometric mean, a
    start its update cannot correct: with non-uniform weights it converges to
    another point than its own log and stabilized methods. goot starts from the
    weighted mean and reaches theirs."""
    A, M, w = _histograms(30, 3, 13)
    kw = dict(stopThr=1e-12, numItermax=100000)
    ours = goot.barycenter(A, M, 0.1, w, **kw)
    log_pot = ot.barycenter(A, M, 0.1, w, method="sinkhorn_log", **kw)
    stab_pot = ot.barycenter(A, M, 0.1, w, method="sinkhorn_stabilized", **kw)
    np.testing.assert_allclose(ours, log_pot, rtol=0, atol=1e-9)
    np.testing.assert_allclose(ours, stab_pot, rtol=0, atol=1e-9)
    assert np.abs(ot.barycenter(A, M, 0.1, w, **kw) - log_pot).max() > 1e-4


def test_direct_functions_match_pot():
    A, M, w = _histograms(40, 3, 6)
    for name, weights in (("barycenter_sinkhorn", None), ("barycenter_stabilized", w)):
        ours = getattr(goot.bregman, name)(A, M, 0.05, weights=weights)
        theirs = getattr(ot.bregman, name)(A, M, 0.05, weights=weights)
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=BAR_ATOL)
    ours = goot.bregman.barycenter_stabilized(A, M, 0.05, tau=10.0, stopThr=1e-9)
    theirs = ot.bregman.barycenter_stabilized(A, M, 0.05, tau=10.0, stopThr=1e-9)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=BAR_ATOL)


@pytest.mark.parametrize("method", METHODS)
def test_verbose_prints_pot_table(method, capsys):
    A, M, w = _histograms(20, 2, 7)
    w = None if method == "sinkhorn" else w
    goot.barycenter(A, M, 0.05, w, method=method, verbose=True)
    ours = capsys.readouterr().out
    ot.barycenter(A, M, 0.05, w, method=method, verbose=True)
    assert ours == capsys.readouterr().out


# ---------------------------------------------------------------------------
# POT's properties.


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("verbose", [False, True])
@pytest.mark.parametrize("warn", [False, True])
def test_barycenter_sums_to_one(method, verbose, warn):
    """POT's test_barycenter."""
    A, M, w = _pot_problem()
    bar = goot.bregman.barycenter(A, M, 1e-2, w, method=method, verbose=verbose,
                                  warn=warn)  # fmt: skip
    np.testing.assert_allclose(1, np.sum(bar))
    _, log = goot.bregman.barycenter(A, M, 1e-2, w, method=method, log=True)
    assert log["niter"] >= 0 and log["err"]


def test_stabilized_equals_plain():
    """POT's test_barycenter_stabilization."""
    A, M, w = _pot_problem()
    plain = goot.bregman.barycenter(A, M, 1e-2, w, method="sinkhorn", stopThr=1e-8)
    stable = goot.bregman.barycenter(
        A, M, 1e-2, w, method="sinkhorn_stabilized", stopThr=1e-8
    )
    np.testing.assert_allclose(plain, stable)


@pytest.mark.parametrize("method", DEBIASED)
def test_debiased_sums_to_one_and_is_sharper(method):
    """POT's test_barycenter_debiased, and the point of debiasing: with the
    two inputs equal, the debiased barycentre is that input, the plain one is
    blurred."""
    A, M, w = _pot_problem()
    bar = goot.bregman.barycenter_debiased(A, M, 1e-2, w, method=method)
    np.testing.assert_allclose(1, np.sum(bar), rtol=1e-3)  # POT's bound
    same = np.stack([A[:, 0], A[:, 0]], 1)
    debiased = goot.bregman.barycenter_debiased(same, M, 1e-2, method=method,
                                                stopThr=1e-8)  # fmt: skip
    blurred = goot.bregman.barycenter(same, M, 1e-2, method=method, stopThr=1e-8)
    error = np.abs(debiased - A[:, 0]).max()
    assert error < 1e-2 * A[:, 0].max()
    assert error < 0.1 * np.abs(blurred - A[:, 0]).max()


def test_identical_histograms_give_that_histogram_for_log_methods():
    """All columns equal: every method's barycentre is the same histogram."""
    A, M, _ = _pot_problem()
    A = np.stack([A[:, 0]] * 3, 1)
    ref = goot.barycenter(A, M, 1e-2, stopThr=1e-9)
    for method in METHODS[1:]:
        np.testing.assert_allclose(
            goot.barycenter(A, M, 1e-2, method=method, stopThr=1e-9), ref, atol=1e-8
        )


def test_small_reg_log_domain_stays_finite():
    """exp(-M/reg) underflows at reg 1e-3 on costs in [0, 1]: the log method
    stays finite and matches POT's; the kernel method warns and falls back to
    the log domain instead of returning NaN."""
    A, M, w = _histograms(60, 2, 8)
    bar = goot.barycenter(A, M, 1e-3, w, method="sinkhorn_log", numItermax=200,
                          warn=False)  # fmt: skip
    ref = ot.barycenter(A, M, 1e-3, w, method="sinkhorn_log", numItermax=200,
                        warn=False)  # fmt: skip
    assert np.all(np.isfinite(bar))
    np.testing.assert_allclose(bar, ref, rtol=0, atol=BAR_ATOL)
    diracs = np.zeros((60, 2))
    diracs[0, 0] = diracs[-1, 1] = 1.0  # POT's kernel iteration gives NaN here
    assert np.isnan(ot.barycenter(diracs, M, 1e-3, numItermax=20, warn=False)).all()
    fallback, caught = _run(goot.barycenter, diracs, M, 1e-3, numItermax=20,
                            warn=False)  # fmt: skip
    assert caught and "numerical errors at iteration 0" in caught[0]
    logbar = goot.barycenter(diracs, M, 1e-3, method="sinkhorn_log", numItermax=20,
                             warn=False)  # fmt: skip
    assert np.all(np.isfinite(logbar))
    np.testing.assert_array_equal(fallback, logbar)


def test_float32_in_float32_out():
    A, M, w = _histograms(20, 2, 9)
    bar = goot.barycenter(A.astype(np.float32), M.astype(np.float32), 0.1)
    assert bar.dtype == np.float32
    np.testing.assert_allclose(bar, goot.barycenter(A, M, 0.1), rtol=1e-5)


def test_inputs_not_modified():
    A, M, w = _histograms(15, 3, 10)
    copies = [x.copy() for x in (A, M, w)]
    for method in METHODS:
        goot.barycenter(A, M, 0.1, w, method=method)
    for method in DEBIASED:
        goot.bregman.barycenter_debiased(A, M, 0.1, w, method=method)
    for x, y in zip((A, M, w), copies):
        np.testing.assert_array_equal(x, y)


def test_threads_give_the_same_answers():
    A, M, w = _histograms(80, 3, 11)
    expected = {m: goot.barycenter(A, M, 0.05, w, method=m) for m in METHODS}
    results, errors = [], []

    def work(method):
        try:
            for _ in range(5):
                out = goot.barycenter(A, M, 0.05, w, method=method)
                results.append(np.array_equal(out, expected[method]))
        except Exception as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=work, args=(m,)) for m in METHODS * 2]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and all(results) and len(results) == 30


# ---------------------------------------------------------------------------
# Warnings and bad input.


@pytest.mark.parametrize("method", METHODS)
def test_convergence_warning_like_pot(method):
    A, M, w = _histograms(20, 2, 12)
    _, ours = _run(goot.barycenter, A, M, 0.01, w, method=method, numItermax=3)
    _, theirs = _run(ot.barycenter, A, M, 0.01, w, method=method, numItermax=3)
    assert ours == theirs and ours
    _, quiet = _run(goot.barycenter, A, M, 0.01, w, method=method, numItermax=3,
                    warn=False)  # fmt: skip
    assert not quiet


@pytest.mark.parametrize("fn", [goot.barycenter, goot.bregman.barycenter_debiased])
def test_unknown_method_raises_like_pot(fn):
    A, M, _ = _histograms(5, 2, 0)
    with pytest.raises(ValueError, match="Unknown method 'greenkhorn'"):
        fn(A, M, 0.1, method="greenkhorn")
    fn(A, M, 0.1, method="SINKHORN_LOG")  # case-insensitive, as POT


@pytest.mark.parametrize("reg", [-1.0, 0.0, np.nan, np.inf])
@pytest.mark.parametrize("method", METHODS)
def test_bad_reg_raises(reg, method):
    A, M, _ = _histograms(5, 2, 0)
    with pytest.raises(ValueError, match="reg"):
        goot.barycenter(A, M, reg, method=method)


def test_bad_shapes_and_values_raise():
    A, M, w = _histograms(5, 2, 0)
    with pytest.raises(ValueError, match="M"):
        goot.barycenter(A, M[:4], 0.1)
    with pytest.raises(ValueError, match="weights"):
        goot.barycenter(A, M, 0.1, weights=[1.0, 0.0, 0.0])
    with pytest.raises(AssertionError):  # POT asserts the number of weights
        goot.barycenter(A, M, 0.1, weights=[1.0])
    with pytest.raises(ValueError, match="A"):
        goot.barycenter(A.ravel(), M, 0.1)
    with pytest.raises(ValueError, match="negative"):
        goot.barycenter(-A, M, 0.1)
    bad = M.copy()
    bad[1, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        goot.barycenter(A, bad, 0.1, method="sinkhorn_log")
    with pytest.raises(TypeError):
        goot.barycenter(A, M, "one")
    with pytest.raises(TypeError):  # POT: tau is the stabilized method's only
        goot.barycenter(A, M, 0.1, method="sinkhorn", tau=10.0)


# ---------------------------------------------------------------------------
# Convolutional barycenters on 2-D grids.

CONV = ["convolutional_barycenter2d", "convolutional_barycenter2d_debiased"]


def _images(k, w, h, seed):
    rng = np.random.default_rng(seed)
    A = rng.random((k, w, h)) + 0.01
    weights = rng.random(k) + 0.1
    return A / A.sum((1, 2), keepdims=True), weights / weights.sum()


@pytest.mark.parametrize("name", CONV)
@pytest.mark.parametrize("method", DEBIASED)
@pytest.mark.parametrize("k,w,h,reg,seed", [(2, 6, 9, 0.02, 0), (3, 25, 18, 0.004, 1)])
def test_convolutional_matches_pot(name, method, k, w, h, reg, seed):
    A, weights = _images(k, w, h, seed)
    fn, ref = getattr(goot.bregman, name), getattr(ot.bregman, name)
    (bar, log), ours = _run(fn, A, reg, weights, method=method, log=True)
    (barp, logp), theirs = _run(ref, A, reg, weights, method=method, log=True)
    np.testing.assert_allclose(bar, barp, rtol=0, atol=BAR_ATOL)
    assert sorted(log) == sorted(logp)
    assert log["niter"] == logp["niter"]
    np.testing.assert_allclose(log["err"], logp["err"], rtol=1e-6, atol=1e-14)
    for key in ("U", "V"):
        if key in logp:
            np.testing.assert_allclose(log[key], logp[key], rtol=1e-6)
    assert ours == theirs


def _pot_2d_problem(size=20):
    """POT's test_wasserstein_bary_2d: a square and a smaller centred square."""
    A = np.zeros((2, size, size))
    A[0, size // 4 : 3 * size // 4, size // 4 : 3 * size // 4] = 1
    A[1, 2 * size // 5 : 3 * size // 5, 2 * size // 5 : 3 * size // 5] = 1
    return A / A.sum((1, 2), keepdims=True)


@pytest.mark.parametrize("name", CONV)
@pytest.mark.parametrize("method", DEBIASED)
def test_wasserstein_bary_2d_sums_to_one(name, method):
    """POT's test_wasserstein_bary_2d (and _debiased)."""
    A = _pot_2d_problem()
    bar = getattr(goot.bregman, name)(A, 2e-3, method=method)
    np.testing.assert_allclose(1, np.sum(bar), rtol=1e-3)
    with pytest.raises(ValueError, match="Unknown method"):
        getattr(goot.bregman, name)(A, 2e-3, method="sinkhorn_stabilized")


@pytest.mark.parametrize("method", DEBIASED)
def test_convolutional_non_square_uniform_in_uniform_out(method):
    """POT's test_convolutional_barycenter_non_square."""
    A = np.ones((2, 2, 3)) / 6
    bar = goot.bregman.convolutional_barycenter2d(A, 1e-3, method=method)
    np.testing.assert_allclose(np.ones((2, 3)) / 6, bar, atol=1e-12)


def test_convolutional_verbose_and_warning_like_pot(capsys):
    A, weights = _images(2, 8, 7, 2)
    goot.bregman.convolutional_barycenter2d(A, 0.01, verbose=True)
    ours = capsys.readouterr().out
    ot.bregman.convolutional_barycenter2d(A, 0.01, verbose=True)
    assert ours == capsys.readouterr().out
    _, caught = _run(goot.bregman.convolutional_barycenter2d, A, 0.01, numItermax=5)
    _, theirs = _run(ot.bregman.convolutional_barycenter2d, A, 0.01, numItermax=5)
    assert caught == theirs and caught
    _, quiet = _run(
        goot.bregman.convolutional_barycenter2d, A, 0.01, numItermax=5, warn=False
    )
    assert not quiet


def test_convolutional_bad_input():
    A, weights = _images(2, 4, 5, 3)
    fn = goot.bregman.convolutional_barycenter2d
    with pytest.raises(ValueError, match="reg"):
        fn(A, -1.0)
    with pytest.raises(ValueError, match="A"):
        fn(A[0], 0.1)
    with pytest.raises(ValueError, match="negative"):
        fn(-A, 0.1)
    with pytest.raises(AssertionError):
        fn(A, 0.1, weights=[1.0])
    copy = A.copy()
    fn(A, 0.1, method="sinkhorn_log", stabThr=1e-20)
    np.testing.assert_array_equal(A, copy)
    bar32 = fn(A.astype(np.float32), 0.1)
    assert bar32.dtype == np.float32
