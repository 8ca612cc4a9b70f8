"""Sliced Wasserstein: parity with POT, closed forms, control variates, cases.

Expected values come from POT 0.9.7 (same seed, same directions), from exact
LPs (ot.emd2) or from closed forms (reference/algorithms.md §A2, §A4), never
from goot itself.
"""

from __future__ import annotations

import threading
import time
import tracemalloc

import numpy as np
import ot
import pytest

import goot
from conftest import case_inputs, clouds

# Parity with POT: both sides compute the same sums in a different order
# (BLAS dot products, pairwise vs blocked sums), so they agree to rounding.
PARITY_RTOL = 1e-12


def _weights(rng, n):
    w = rng.random(n) + 0.05
    return w / w.sum()


# ---------------------------------------------------------------------------
# POT parity.


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_random_projections_equal_pot(seed):
    np.testing.assert_array_equal(
        goot.sliced.get_random_projections(4, 30, seed=seed),
        ot.sliced.get_random_projections(4, 30, seed=seed),
    )
    np.testing.assert_array_equal(
        goot.sliced.get_random_projections(4, 30, seed=np.random.RandomState(seed)),
        ot.sliced.get_random_projections(4, 30, seed=np.random.RandomState(seed)),
    )


@pytest.mark.parametrize(
    "n, m, d, weighted, p",
    [
        (1, 1, 2, False, 2),
        (5, 3, 2, True, 1),
        (100, 100, 3, False, 2),
        (200, 150, 5, False, 1.5),
        (300, 300, 10, True, 2),
        (1000, 700, 3, True, 3),
        (2000, 2000, 50, False, 2),
    ],
)
@pytest.mark.parametrize("seed", [0, 42])
def test_sliced_matches_pot(n, m, d, weighted, p, seed):
    X, Y = clouds(n, m, d, seed=100 * n + d)
    rng = np.random.default_rng(seed)
    a, b = (_weights(rng, n), _weights(rng, m)) if weighted else (None, None)
    for fn in ("sliced_wasserstein_distance", "max_sliced_wasserstein_distance"):
        got, glog = getattr(goot, fn)(X, Y, a, b, n_projections=40, p=p, seed=seed,
                                      log=True)  # fmt: skip
        want, wlog = getattr(ot, fn)(X, Y, a, b, n_projections=40, p=p, seed=seed,
                                     log=True)  # fmt: skip
        assert got == pytest.approx(want, rel=PARITY_RTOL), fn
        assert type(got) is type(want)
        assert set(glog) == set(wlog) == {"projections", "projected_emds"}
        np.testing.assert_array_equal(glog["projections"], wlog["projections"])
        np.testing.assert_allclose(
            glog["projected_emds"], wlog["projected_emds"], rtol=PARITY_RTOL
        )


def test_given_projections_and_random_state_match_pot():
    X, Y = clouds(300, 200, 4, seed=3)
    P = np.random.default_rng(0).standard_normal((4, 17))  # not unit norm
    for fn in ("sliced_wasserstein_distance", "max_sliced_wasserstein_distance"):
        got = getattr(goot, fn)(X, Y, projections=P)
        assert got == pytest.approx(getattr(ot, fn)(X, Y, projections=P), rel=1e-12)
        got = getattr(goot, fn)(X, Y, seed=np.random.RandomState(5))
        want = getattr(ot, fn)(X, Y, seed=np.random.RandomState(5))
        assert got == pytest.approx(want, rel=PARITY_RTOL)


def test_float32_lists_and_scaler_like_pot():
    X, Y = clouds(50, 40, 3, seed=9)
    got = goot.sliced_wasserstein_distance(X.astype(np.float32), Y.tolist(), seed=1)
    want = ot.sliced_wasserstein_distance(
        X.astype(np.float32), Y.astype(np.float32), seed=1
    )
    assert got.dtype == np.float64
    assert got == pytest.approx(want, rel=1e-6)  # float32 input: rounding
    got = goot.sliced_wasserstein_distance(X, Y, seed=1, scaler=lambda z: 2 * z)
    assert got == pytest.approx(
        2 * ot.sliced_wasserstein_distance(X, Y, seed=1), rel=PARITY_RTOL
    )


def test_identical_clouds_give_zero():
    X = np.random.RandomState(0).randn(64, 6)
    assert goot.sliced_wasserstein_distance(X, X, seed=0) == 0.0
    assert goot.max_sliced_wasserstein_distance(X, X, seed=0) == 0.0


# ---------------------------------------------------------------------------
# Closed forms.


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("p", [1, 2])
def test_dimension_one_equals_exact_wasserstein(seed, p):
    """In d = 1 every direction is ±1: SW_p = W_p for any seed (exact LP)."""
    rng = np.random.RandomState(seed)
    X, Y = rng.randn(30, 1), rng.randn(45, 1) * 2 + 1
    M = ot.dist(X, Y, metric="sqeuclidean" if p == 2 else "cityblock")
    exact = ot.emd2([], [], M) ** (1 / p)
    for L in (1, 20, 200):
        got = goot.sliced_wasserstein_distance(X, Y, n_projections=L, p=p, seed=seed)
        assert got == pytest.approx(exact, rel=1e-10)


def test_translation_per_direction_and_mean():
    """Y = X + v: W_2^2(θ) = <θ, v>^2 for every θ, so SW_2^2 = |v|^2/d in
    expectation (§A2 example: X ~ N(0, I_3), 200 points, v = (1, 2, 2) -> 3)."""
    X = np.random.RandomState(0).randn(200, 3)
    v = np.array([1.0, 2.0, 2.0])
    sw, log = goot.sliced_wasserstein_distance(
        X, X + v, n_projections=50_000, seed=1, log=True
    )
    np.testing.assert_allclose(
        log["projected_emds"], (v @ log["projections"]) ** 2, rtol=1e-9, atol=1e-12
    )
    W = log["projected_emds"]
    assert sw**2 == pytest.approx(3.0, abs=3 * W.std() / np.sqrt(W.size))


@pytest.mark.parametrize("d", [2, 3, 10, 50])
@pytest.mark.parametrize("seed", [0, 1])
def test_max_sliced_ascent_reaches_translation(d, seed):
    """Max-SW_2(X, X + v) = |v|, attained along v (§A4: >= 0.999 |v|)."""
    rng = np.random.RandomState(seed)
    X, v = rng.randn(300, d), rng.randn(d)
    got, log = goot.sliced.max_sliced_wasserstein_ascent(X, X + v, seed=seed, log=True)
    assert got >= 0.999 * np.linalg.norm(v)
    assert got <= np.linalg.norm(v) * (1 + 1e-12)
    assert abs(log["theta"] @ v) / np.linalg.norm(v) == pytest.approx(1, abs=1e-3)


def test_max_sliced_ascent_at_least_random_max_and_restarts():
    X, Y = clouds(400, 400, 6, seed=5)
    Y = Y * np.linspace(0.5, 3, 6)
    best_random = goot.max_sliced_wasserstein_distance(X, Y, n_projections=500, seed=0)
    one = goot.sliced.max_sliced_wasserstein_ascent(X, Y, seed=0)
    more = goot.sliced.max_sliced_wasserstein_ascent(X, Y, seed=0, n_restarts=4)
    assert one >= best_random
    assert more >= one  # the first start is the same, so restarts only add


# v-DSW closed form for a translated copy (§A4): F = |v|^2 (1 - (d-1) A/κ).
VMF_CASES = [(3, 1.0, 0.313035285499), (3, 10.0, 0.900000004122),
             (10, 50.0, 0.913209599874)]  # fmt: skip


@pytest.mark.parametrize("d, kappa, A", VMF_CASES)
def test_vmf_sliced_translation_closed_form(d, kappa, A):
    L = 4000
    rng = np.random.RandomState(d)
    v = np.array([1.0, 2.0, 2.0]) if d == 3 else rng.randn(d)
    X = rng.randn(40, d)
    want = v @ v * (1 - (d - 1) * A / kappa)
    got = goot.sliced.vmf_sliced_wasserstein_distance(
        X, X + v, kappa=kappa, n_projections=L, seed=0
    )
    # (θ·v)^2 <= |v|^2: the relative standard error of the average is < 1/sqrt(L).
    assert got**2 == pytest.approx(want, rel=3 / np.sqrt(L))
    if d == 3 and kappa == 1.0:
        assert want == pytest.approx(3.365364861, rel=1e-9)


def test_vmf_sliced_limits():
    """κ = 0 gives SW (uniform directions), large κ gives Max-SW (|v| here)."""
    rng = np.random.RandomState(3)
    X, v = rng.randn(60, 4), np.array([1.0, -1.0, 2.0, 0.5])
    L = 4000
    flat = goot.sliced.vmf_sliced_wasserstein_distance(
        X, X + v, kappa=0.0, n_projections=L, seed=1
    )
    assert flat**2 == pytest.approx(v @ v / 4, rel=3 / np.sqrt(L))
    sharp = goot.sliced.vmf_sliced_wasserstein_distance(
        X, X + v, kappa=1e5, n_projections=200, seed=1
    )
    assert sharp == pytest.approx(np.linalg.norm(v), rel=1e-3)


def test_weighted_unequal_sizes():
    """§A8 oracles: weighted {0: 1/4, 1: 3/4} vs {0.5} has W_2^2 = 1/4 in d = 1;
    a weighted cloud and its translate by v: W_2^2(θ) = <θ, v>^2 per direction."""
    sw = goot.sliced_wasserstein_distance(
        [[0.0], [1.0]], [[0.5]], a=[0.25, 0.75], n_projections=3, seed=0
    )
    assert sw**2 == pytest.approx(0.25, rel=1e-15)
    rng = np.random.RandomState(4)
    X, v = rng.randn(70, 3), np.array([0.5, -1.0, 2.0])
    a = _weights(np.random.default_rng(1), 70)
    _, log = goot.sliced_wasserstein_distance(X, X + v, a, a, seed=2, log=True)
    np.testing.assert_allclose(
        log["projected_emds"], (v @ log["projections"]) ** 2, rtol=1e-9
    )


@pytest.mark.parametrize("d, kappa, A", VMF_CASES + [(10, 1.0, 0.0991783824)])
def test_sample_vmf_moments(d, kappa, A):
    """E<μ,θ> = A_d(κ) and E<μ,θ>^2 = 1 - (d-1)A/κ, within 5 standard errors."""
    mu = np.random.RandomState(1).randn(d)
    S = goot.sliced.sample_vmf(mu, kappa, n_samples=100_000, seed=3)
    np.testing.assert_allclose(np.linalg.norm(S, axis=1), 1, rtol=1e-12)
    w = S @ mu / np.linalg.norm(mu)
    se = w.std() / np.sqrt(w.size)
    assert w.mean() == pytest.approx(A, abs=5 * se)
    assert (w**2).mean() == pytest.approx(
        1 - (d - 1) * A / kappa, abs=5 * (w**2).std() / np.sqrt(w.size)
    )


def test_sample_vmf_seeded_and_uniform_at_zero_kappa():
    a = goot.sliced.sample_vmf([1.0, 0.0, 0.0, 0.0], 2.0, 10, seed=4)
    np.testing.assert_array_equal(a, goot.sliced.sample_vmf([1, 0, 0, 0], 2.0, 10, 4))
    S = goot.sliced.sample_vmf([0.0, 1.0, 0.0], 0.0, 50_000, seed=5)
    assert np.abs(S.mean(0)).max() < 5 / np.sqrt(3 * 50_000)


# ---------------------------------------------------------------------------
# Control variates.


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("L", [10, 100])
def test_centred_lcv_exact_on_translation(seed, L):
    """W(θ) = G_low(θ) for Y = X + v: the centred estimate is |v|^2/d exactly."""
    rng = np.random.RandomState(seed)
    X, v = rng.randn(200, 10), rng.randn(10)
    got, log = goot.sliced.cv_sliced_wasserstein_distance(
        X, X + v, n_projections=L, centred=True, seed=seed, log=True
    )
    assert got**2 == pytest.approx(v @ v / 10, rel=1e-9)
    assert log["coefficient"] == pytest.approx(1, rel=1e-9)
    assert log["control_variate_mean"] == pytest.approx(v @ v / 10, rel=1e-12)
    # The plain estimate is POT's for the same seed.
    assert log["mc_estimate"] == pytest.approx(
        ot.sliced_wasserstein_distance(X, X + v, n_projections=L, seed=seed),
        rel=PARITY_RTOL,
    )


def test_control_variate_means_by_monte_carlo():
    """E[G_low] = |Δm|^2/d and E[G_up] = (|Δm|^2 + tr S1 + tr S2)/d (§A2)."""
    X, Y = clouds(60, 40, 5, seed=11)
    for variate in ("lower", "upper"):
        _, log = goot.sliced.cv_sliced_wasserstein_distance(
            X, Y, n_projections=50_000, variate=variate, seed=0, log=True
        )
        G = log["control_variates"]
        assert G.mean() == pytest.approx(
            log["control_variate_mean"], abs=4 * G.std() / np.sqrt(G.size)
        )


def _a2_setting(seed=0):
    """§A2: d = 10, n = 500, X ~ N(0, I), Y = X' diag(0.5..2) + (-1..1)."""
    rng = np.random.RandomState(seed)
    X = rng.randn(500, 10)
    Y = rng.randn(500, 10) * np.linspace(0.5, 2, 10) + np.linspace(-1, 1, 10)
    return X, Y


def cv_repetitions(X, Y, L, reps, centred=False):
    """SW_2^2 estimates (plain, lower, upper) over `reps` seeds."""
    out = np.empty((reps, 3))
    for r in range(reps):
        low, log = goot.sliced.cv_sliced_wasserstein_distance(
            X, Y, n_projections=L, seed=r, centred=centred, log=True
        )
        up = goot.sliced.cv_sliced_wasserstein_distance(
            X, Y, n_projections=L, variate="upper", seed=r, centred=centred
        )
        out[r] = log["mc_estimate"] ** 2, low**2, up**2
    return out


def test_control_variates_reduce_variance_unbiased():
    """≥ 500 repetitions on the §A2 setting: LCV cuts the variance at least 4x at
    L = 100 (the paper's setting measured 10x), UCV cuts it too, and both stay
    within 3 standard deviations of the true SW_2^2 (2e5 directions)."""
    start = time.perf_counter()
    X, Y = _a2_setting()
    truth = goot.sliced_wasserstein_distance(X, Y, n_projections=200_000, seed=12345)
    truth = truth**2
    est = cv_repetitions(X, Y, L=100, reps=500)
    var = est.var(axis=0, ddof=1)
    assert var[0] / var[1] >= 4, var
    assert var[0] / var[2] > 1.5, var
    for k in range(3):
        assert abs(est[:, k].mean() - truth) <= 3 * np.sqrt(var[k] / 500) + 1e-3
    assert time.perf_counter() - start < 60


# ---------------------------------------------------------------------------
# Spherical sliced Wasserstein.


def _sphere(rng, n, d, shift=0.0):
    X = rng.randn(n, d) + shift
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def test_projections_sphere_equal_pot():
    np.testing.assert_array_equal(
        goot.sliced.get_projections_sphere(5, 7, seed=3),
        ot.sliced.get_projections_sphere(5, 7, seed=3),
    )


@pytest.mark.parametrize("seed", range(6))
def test_sliced_sphere_matches_pot(seed):
    rng = np.random.RandomState(seed)
    n, m, d = rng.randint(1, 120), rng.randint(1, 120), rng.randint(2, 8)
    X, Y = _sphere(rng, n, d), _sphere(rng, m, d, 0.5)
    a, b = _weights(np.random.default_rng(seed), n), _weights(rng, m) * 0 + 1 / m
    for p in (1, 2, 3):
        for w in ((None, None), (a, b)):
            got, glog = goot.sliced_wasserstein_sphere(X, Y, *w, p=p, seed=seed,
                                                       log=True)  # fmt: skip
            want, wlog = ot.sliced_wasserstein_sphere(X, Y, *w, p=p, seed=seed,
                                                      log=True)  # fmt: skip
            assert got == pytest.approx(want, rel=PARITY_RTOL)
            np.testing.assert_allclose(
                glog["projected_emds"], wlog["projected_emds"], rtol=1e-10, atol=1e-15
            )
    got = goot.sliced_wasserstein_sphere_unif(X, seed=seed)
    assert got == pytest.approx(ot.sliced_wasserstein_sphere_unif(X, seed=seed),
                                rel=1e-10)  # fmt: skip


def test_sliced_sphere_on_circle_equals_circle_ot():
    """d = 2: each projection is a rotation or reflection of the circle, so SSW_p
    is the circle OT cost (exact LP on the geodesic cost)."""
    rng = np.random.RandomState(0)
    X, Y = _sphere(rng, 30, 2), _sphere(rng, 40, 2, 1.0)
    cx = (np.arctan2(-X[:, 1], -X[:, 0]) + np.pi) / (2 * np.pi)
    cy = (np.arctan2(-Y[:, 1], -Y[:, 0]) + np.pi) / (2 * np.pi)
    D = np.abs(cx[:, None] - cy[None, :])
    for p in (1, 2):
        exact = ot.emd2([], [], np.minimum(D, 1 - D) ** p)
        got = goot.sliced_wasserstein_sphere(X, Y, p=p, n_projections=5, seed=1)
        assert got**p == pytest.approx(exact, rel=1e-6)


def test_sliced_sphere_bad_input():
    rng = np.random.RandomState(0)
    X = _sphere(rng, 10, 3)
    with pytest.raises(ValueError, match="X_t is not on the sphere"):
        goot.sliced_wasserstein_sphere(X, 2 * X)
    with pytest.raises(ValueError, match="X_s is not on the sphere"):
        goot.sliced_wasserstein_sphere_unif(X * 1.1)
    with pytest.raises(ValueError, match="X_s and X_t"):
        goot.sliced_wasserstein_sphere(X, _sphere(rng, 10, 4))
    with pytest.raises(ValueError, match="projections"):
        goot.sliced_wasserstein_sphere(X, X, projections=np.ones((4, 3, 3)))
    assert goot.sliced_wasserstein_sphere(X, X, seed=0) == 0.0


# ---------------------------------------------------------------------------
# Reported cases.


def test_b21_given_projections_divide_by_their_count(cases):
    case = cases["B21"]
    v = case_inputs(case)
    got = goot.sliced_wasserstein_distance(v["X"], v["Y"], projections=v["P"])
    assert got == pytest.approx(case["expected"]["value"], rel=case["expected"]["rtol"])
    same = goot.sliced_wasserstein_distance(v["X"], v["Y"], n_projections=10, seed=12)
    assert same == pytest.approx(got, rel=1e-15)


@pytest.mark.parametrize("L, seed", [(1, 0), (20, 0), (200, 7)])
def test_b29_dimension_one_any_seed(cases, L, seed):
    case = cases["B29"]
    v = case_inputs(case)
    got = goot.sliced_wasserstein_distance(v["X"], v["Y"], n_projections=L, seed=seed)
    assert got == pytest.approx(case["expected"]["value"], rel=case["expected"]["rtol"])


def test_b31_large_cloud_fast_and_small(cases):
    case = cases["B31"]
    v = case_inputs(case)
    X, Y = v["X"], v["Y"]
    tracemalloc.start()
    start = time.perf_counter()
    got = goot.sliced_wasserstein_distance(X, Y, n_projections=100, seed=0)
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert got == pytest.approx(case["expected"]["value"], rel=case["expected"]["rtol"])
    # Soft resource checks (the case allows 1 GB and ~10 s): numpy-side peak is
    # the (3, 100) directions and the result; Go's buffers are O(n) per thread.
    assert peak < 1e6
    assert seconds < 60


# ---------------------------------------------------------------------------
# Bad input and threads.


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"X_t": np.zeros((4, 2))}, "X_s and X_t"),
        ({"X_s": np.zeros(5)}, "X_s"),
        ({"X_t": np.zeros((0, 3))}, "X_t"),
        ({"a": np.ones(4)}, "a"),
        ({"b": -np.ones(6) / 6}, "b"),
        ({"projections": np.ones((2, 5))}, "projections"),
        ({"X_s": np.full((5, 3), np.nan)}, "X_s"),
        ({"p": 0.5}, "p"),
        ({"n_projections": 0}, "n_projections"),
    ],
)
def test_bad_input_names_argument(kwargs, match):
    args = {"X_s": np.zeros((5, 3)), "X_t": np.ones((6, 3))}
    args.update(kwargs)
    for fn in (goot.sliced_wasserstein_distance, goot.max_sliced_wasserstein_distance):
        with pytest.raises(ValueError, match=match):
            fn(**args)


def test_bad_input_goot_functions():
    X = np.zeros((5, 3))
    with pytest.raises(ValueError, match="X_s and X_t"):
        goot.sliced.max_sliced_wasserstein_ascent(X, np.zeros((5, 2)))
    with pytest.raises(ValueError, match="theta_init"):
        goot.sliced.max_sliced_wasserstein_ascent(X, X, theta_init=np.zeros(3))
    with pytest.raises(ValueError, match="kappa"):
        goot.sliced.vmf_sliced_wasserstein_distance(X, X + 1, kappa=-1)
    with pytest.raises(ValueError, match="variate"):
        goot.sliced.cv_sliced_wasserstein_distance(X, X, variate="middle")
    with pytest.raises(ValueError, match="mu"):
        goot.sliced.sample_vmf(np.zeros(3), 1.0)


def test_inputs_not_modified():
    X, Y = clouds(50, 60, 3, seed=2)
    a = _weights(np.random.default_rng(0), 50)
    copies = [X.copy(), Y.copy(), a.copy()]
    goot.sliced_wasserstein_distance(X, Y, a, seed=0)
    goot.sliced.max_sliced_wasserstein_ascent(X, Y, a, seed=0)
    for before, after in zip(copies, [X, Y, a]):
        np.testing.assert_array_equal(before, after)


def test_threads_give_the_same_values():
    X, Y = clouds(3000, 2000, 5, seed=4)
    want = [goot.sliced_wasserstein_distance(X, Y, seed=s) for s in range(8)]
    got = [None] * 8

    def work(s):
        got[s] = goot.sliced_wasserstein_distance(X, Y, seed=s)

    threads = [threading.Thread(target=work, args=(s,)) for s in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == want
