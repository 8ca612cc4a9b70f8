"""goot.gaussian: parity with POT's ot.gaussian, closed forms, robustness.

Closed-form values come from algorithms.md §A7/§B2 (derived by hand), never
from goot's own output.
"""

from __future__ import annotations

import threading
import warnings

import numpy as np
import ot
import pytest

import goot
from conftest import case_inputs
from goot import gaussian as gg

# Agreement with POT on the same eigen-based formulas: both sum a few
# eigenvalues of well-conditioned matrices (backward error ~d*eps*|A|).
PARITY_RTOL = 1e-9
# The fixed point runs a different (faster) iteration than POT's; both stop
# at a change below eps = 1e-7 in Frobenius norm, so they agree to ~1e-6.
BARY_ATOL = 1e-6


def spd(rng, k, d, shift=0.1):
    G = rng.standard_normal((k, d, d))
    return G @ G.transpose(0, 2, 1) / d + shift * np.eye(d)


@pytest.fixture
def rng():
    return np.random.default_rng(42)


# ---------------------------------------------------------------------------
# Closed forms.


def test_w2_closed_form_means_and_diagonal():
    W = gg.bures_wasserstein_distance(
        np.zeros(2), np.array([1.0, 2.0]), np.eye(2), np.diag([4.0, 9.0])
    )
    assert W**2 == pytest.approx(10.0, rel=1e-14)


def test_bures_closed_form_non_diagonal():
    B = gg.bures_distance(np.array([[2.0, 1.0], [1.0, 2.0]]), np.eye(2))
    assert B**2 == pytest.approx(4 - 2 * np.sqrt(3), rel=1e-12)
    B = gg.bures_distance(np.diag([1.0, 4.0]), np.array([[2.0, 1.0], [1.0, 2.0]]))
    assert B**2 == pytest.approx(9 - 2 * np.sqrt(10 + 4 * np.sqrt(3)), rel=1e-12)


def test_1d_gaussians_pot_test():
    """POT's own test: W(N(0,1), N(10,1)) = 10 and the Bures part is 0."""
    W, log = gg.bures_wasserstein_distance(
        np.zeros(1), np.full(1, 10.0), np.eye(1), np.eye(1), log=True
    )
    assert W == pytest.approx(10.0, rel=1e-15)
    assert gg.bures_distance(np.eye(1), np.eye(1)) == 0
    assert set(log) == {"Cs12"}


@pytest.mark.parametrize("method", ["fixed_point", "gradient_descent"])
def test_barycenter_commuting_closed_form(method):
    C = np.array([np.diag([1.0, 4.0]), np.diag([9.0, 16.0])])
    m = np.array([[0.0, 1.0], [2.0, 3.0]])
    mb, Cb = gg.bures_wasserstein_barycenter(m, C, method=method, eps=1e-12)
    np.testing.assert_allclose(Cb, np.diag([4.0, 9.0]), atol=1e-10)
    np.testing.assert_allclose(mb, [1.0, 2.0], atol=1e-15)


@pytest.mark.parametrize("method", ["fixed_point", "gradient_descent"])
def test_barycenter_non_commuting_reference(method):
    C = np.array([[[2.0, 1.0], [1.0, 2.0]], np.diag([1.0, 4.0]), [[3, -1], [-1, 1]]])
    want = [[2.017165917078, -0.347294936914], [-0.347294936914, 1.805265425453]]
    Cb = gg.bures_barycenter_fixpoint(C, np.array([0.2, 0.3, 0.5]), eps=1e-13)
    if method == "gradient_descent":
        Cb = gg.bures_barycenter_gradient_descent(
            C, np.array([0.2, 0.3, 0.5]), eps=1e-13
        )
    np.testing.assert_allclose(Cb, want, atol=1e-11)


@pytest.mark.parametrize("d", [1, 2, 5, 16])
def test_mapping_pushes_source_to_target(rng, d):
    Cs, Ct = spd(rng, 2, d)
    ms, mt = rng.standard_normal((2, d))
    A, b = gg.bures_wasserstein_mapping(ms, mt, Cs, Ct)
    np.testing.assert_allclose(A @ Cs @ A, Ct, rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(ms @ A + b, mt, atol=1e-12)
    np.testing.assert_allclose(A, A.T, atol=0)


def test_gaussian_w2_from_samples_shift():
    X = np.random.default_rng(1).standard_normal((16, 4))
    v = np.array([0.1, -0.2, 0.3, 0.0])
    assert gg.gaussian_w2_from_samples(X, X + v) == pytest.approx(0.14, abs=1e-12)
    assert gg.gaussian_w2_from_samples(X, X) == pytest.approx(0.0, abs=1e-12)


def test_gaussian_w2_from_samples_low_rank_path():
    """n < d takes the small-matrix path; it must equal the d x d formula."""
    rng = np.random.default_rng(2)
    X, Y = rng.standard_normal((5, 12)), rng.standard_normal((7, 12)) + 0.3
    got = gg.gaussian_w2_from_samples(X, Y, unbiased=True)
    Cx, Cy = np.cov(X.T), np.cov(Y.T)  # unbiased, rank-deficient
    sx = _psd_sqrt(Cx)
    tr = np.sqrt(np.clip(np.linalg.eigvalsh(sx @ Cy @ sx), 0, None))
    tr = tr[tr > 1e-7].sum()  # drop round-off of the zero eigenvalues
    want = np.sum((X.mean(0) - Y.mean(0)) ** 2) + np.trace(Cx) + np.trace(Cy) - 2 * tr
    assert got == pytest.approx(want, rel=1e-7)


def _psd_sqrt(C):
    lam, V = np.linalg.eigh(C)
    return (V * np.sqrt(np.clip(lam, 0, None))) @ V.T


# ---------------------------------------------------------------------------
# Parity with POT.


@pytest.mark.parametrize("d", [2, 3, 8, 16, 32, 64])
def test_parity_batched_and_paired(rng, d):
    Cs, Ct = spd(rng, 5, d), spd(rng, 4, d)
    ms, mt = rng.standard_normal((5, d)), rng.standard_normal((4, d))
    got = gg.bures_wasserstein_distance(ms, mt, Cs, Ct)
    want = ot.gaussian.bures_wasserstein_distance(ms, mt, Cs, Ct)
    assert got.shape == want.shape == (5, 4)
    np.testing.assert_allclose(got, want, rtol=PARITY_RTOL)

    got = gg.bures_distance(Cs[:4], Ct, paired=True)
    want = ot.gaussian.bures_distance(Cs[:4], Ct, paired=True)
    assert got.shape == want.shape == (4,)
    np.testing.assert_allclose(got, want, rtol=PARITY_RTOL)

    # paired with different lengths: POT falls back to the full matrix.
    got = gg.bures_distance(Cs, Ct, paired=True)
    assert got.shape == ot.gaussian.bures_distance(Cs, Ct, paired=True).shape

    got = gg.bures_wasserstein_distance(ms[:4], mt, Cs[:4], Ct, paired=True)
    want = ot.gaussian.bures_wasserstein_distance(ms[:4], mt, Cs[:4], Ct, paired=True)
    np.testing.assert_allclose(got, want, rtol=PARITY_RTOL)

    got, log = gg.bures_distance(Cs[0], Ct[0], log=True)
    want, plog = ot.gaussian.bures_distance(Cs[0], Ct[0], log=True)
    assert np.ndim(got) == 0 and type(got) is type(want)
    assert got == pytest.approx(want, rel=PARITY_RTOL)
    assert set(log) == set(plog)
    np.testing.assert_allclose(log["Cs12"], plog["Cs12"], atol=1e-12)


@pytest.mark.parametrize("d", [2, 8, 64])
def test_parity_mapping(rng, d):
    Cs, Ct = spd(rng, 2, d)
    ms, mt = rng.standard_normal((2, d))
    A, b, log = gg.bures_wasserstein_mapping(ms, mt, Cs, Ct, log=True)
    pA, pb, plog = ot.gaussian.bures_wasserstein_mapping(ms, mt, Cs, Ct, log=True)
    np.testing.assert_allclose(A, pA, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(b, pb, rtol=1e-8, atol=1e-10)
    assert b.shape == pb.shape and set(log) == set(plog)
    np.testing.assert_allclose(log["Cs12inv"], plog["Cs12inv"], rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("d", [2, 5, 16])
@pytest.mark.parametrize("bias", [True, False])
def test_parity_empirical(rng, d, bias):
    xs = rng.standard_normal((50, d))
    xt = rng.standard_normal((60, d)) @ rng.standard_normal((d, d)) + 1
    ws = rng.random((50, 1))
    W, log = gg.empirical_bures_wasserstein_distance(xs, xt, ws=ws, bias=bias, log=True)
    pW, plog = ot.gaussian.empirical_bures_wasserstein_distance(
        xs, xt, ws=ws, bias=bias, log=True
    )
    assert W == pytest.approx(pW, rel=1e-9)
    assert set(log) == set(plog)
    A, b, log = gg.empirical_bures_wasserstein_mapping(xs, xt, bias=bias, log=True)
    pA, pb, plog = ot.gaussian.empirical_bures_wasserstein_mapping(
        xs, xt, bias=bias, log=True
    )
    np.testing.assert_allclose(A, pA, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(b, pb, rtol=1e-7, atol=1e-9)
    assert b.shape == pb.shape == (1, d) and set(log) == set(plog)


@pytest.mark.parametrize(
    "d, method",
    # POT's gradient descent takes ~20 s at d = 32 (a 3-operand einsum per step).
    [(2, "fixed_point"), (8, "fixed_point"), (32, "fixed_point"), (64, "fixed_point")]
    + [(2, "gradient_descent"), (8, "gradient_descent"), (12, "gradient_descent")],
)
def test_parity_barycenter(rng, d, method):
    k = 6
    C, m = spd(rng, k, d), rng.standard_normal((k, d))
    w = rng.random(k)
    w /= w.sum()
    mb, Cb, log = gg.bures_wasserstein_barycenter(m, C, w, method=method, log=True)
    pmb, pCb, plog = ot.gaussian.bures_wasserstein_barycenter(
        m, C, w, method=method, log=True
    )
    np.testing.assert_allclose(mb, pmb, atol=1e-14)
    np.testing.assert_allclose(Cb, pCb, atol=BARY_ATOL)
    assert set(log) == set(plog) == {"num_iter", "final_diff"}
    if method == "gradient_descent":
        # Same start, step and stopping rule as POT: the same iterations.
        assert log["num_iter"] == plog["num_iter"]
    else:
        assert log["num_iter"] < plog["num_iter"]


@pytest.mark.parametrize(
    "method", ["stochastic_gradient_descent", "averaged_stochastic_gradient_descent"]
)
def test_parity_stochastic_barycenter(rng, method):
    """Same numpy global seed, same draws: POT's iterates exactly."""
    C, m = spd(rng, 8, 3), rng.standard_normal((8, 3))
    np.random.seed(3)
    mb, Cb, log = gg.bures_wasserstein_barycenter(
        m, C, method=method, num_iter=150, log=True
    )
    np.random.seed(3)
    pmb, pCb, plog = ot.gaussian.bures_wasserstein_barycenter(
        m, C, method=method, num_iter=150, log=True
    )
    np.testing.assert_allclose(Cb, pCb, atol=1e-12)
    assert log["num_iter"] == plog["num_iter"]


def test_parity_averaged_full_batch(rng):
    C = spd(rng, 5, 4)
    Cb = gg.bures_barycenter_gradient_descent(C, averaged=True)
    np.testing.assert_allclose(
        Cb, ot.gaussian.bures_barycenter_gradient_descent(C, averaged=True), atol=1e-12
    )


def test_fixed_point_and_gradient_descent_agree(rng):
    """POT's test: the two solvers agree to 1e-5."""
    C = spd(rng, 10, 4)
    a = gg.bures_barycenter_fixpoint(C)
    b = gg.bures_barycenter_gradient_descent(C)
    np.testing.assert_allclose(a, b, atol=1e-5)


def test_parity_empirical_barycenter(rng):
    X = [rng.standard_normal((40, 3)) * s + s for s in (1.0, 2.0, 0.5)]
    mb, Cb = gg.empirical_bures_wasserstein_barycenter(X)
    pmb, pCb = ot.gaussian.empirical_bures_wasserstein_barycenter(X)
    np.testing.assert_allclose(mb, pmb, atol=1e-12)
    np.testing.assert_allclose(Cb, pCb, atol=BARY_ATOL)


def test_float32_like_pot(rng):
    Cs, Ct = spd(rng, 3, 4).astype(np.float32), spd(rng, 2, 4).astype(np.float32)
    ms, mt = np.zeros((3, 4), np.float32), np.ones((2, 4), np.float32)
    got = gg.bures_wasserstein_distance(ms, mt, Cs, Ct)
    want = ot.gaussian.bures_wasserstein_distance(ms, mt, Cs, Ct)
    assert got.dtype == want.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-5)
    A, b = gg.bures_wasserstein_mapping(ms[0], mt[0], Cs[0], Ct[0])
    pA, pb = ot.gaussian.bures_wasserstein_mapping(ms[0], mt[0], Cs[0], Ct[0])
    assert A.dtype == pA.dtype and b.dtype == pb.dtype
    Cb = gg.bures_barycenter_fixpoint(Cs)
    assert Cb.dtype == ot.gaussian.bures_barycenter_fixpoint(Cs).dtype


# ---------------------------------------------------------------------------
# Reported cases and their kinds: singular, rank-deficient, nearly equal.


def test_b25_diagonal_barycenter(cases):
    case = cases["B25"]
    v = case_inputs(case)
    mb, Cb = goot.gaussian.bures_wasserstein_barycenter(v["mus"], v["Cs"], v["w"])
    atol = case["expected"]["atol"]
    np.testing.assert_allclose(mb, case["expected"]["mean"], atol=atol)
    np.testing.assert_allclose(Cb, case["expected"]["cov"], atol=atol)


@pytest.mark.parametrize("method", ["fixed_point", "gradient_descent"])
def test_barycenter_commuting_with_tiny_variances(method):
    """The B25 kind, harder: variances spanning 8 orders of magnitude."""
    rng = np.random.default_rng(7)
    S = rng.uniform(1e-8, 1.0, size=(3, 6))
    w = np.array([0.2, 0.5, 0.3])
    C = np.array([np.diag(s) for s in S])
    Cb = (
        gg.bures_barycenter_fixpoint(C, w, eps=1e-14)
        if method == "fixed_point"
        else (gg.bures_barycenter_gradient_descent(C, w, eps=1e-14))
    )
    np.testing.assert_allclose(Cb, np.diag((w @ np.sqrt(S)) ** 2), atol=1e-10)
    assert np.all(np.diag(Cb) > 0)


def test_singular_covariances_no_nan():
    v = np.array([1.0, 2.0, 3.0])
    R = np.outer(v, v)  # rank 1: POT's sqrtm gives NaN from eigenvalues ~ -1e-16
    assert gg.bures_distance(R, R) == pytest.approx(0.0, abs=1e-7)
    assert gg.bures_distance(R, np.zeros((3, 3))) ** 2 == pytest.approx(14.0)
    # Orthogonal rank-1 supports: B^2 = tr A + tr B.
    D = gg.bures_distance(np.diag([1.0, 0.0]), np.diag([0.0, 1.0]))
    assert D**2 == pytest.approx(2.0, rel=1e-14)
    # The map from a singular source is exact on its support, 0 off it.
    A, b = gg.bures_wasserstein_mapping(
        np.zeros(3), np.zeros(3), np.diag([1.0, 4.0, 0.0]), np.diag([4.0, 9.0, 1.0])
    )
    np.testing.assert_allclose(A, np.diag([2.0, 1.5, 0.0]), atol=1e-14)
    assert np.all(np.isfinite(A))


def test_rank_deficient_empirical_covariances():
    """Fewer samples than dimensions and reg=0: singular fits, finite results."""
    rng = np.random.default_rng(3)
    xs, xt = rng.standard_normal((4, 10)), rng.standard_normal((5, 10))
    W = gg.empirical_bures_wasserstein_distance(xs, xt, reg=0)
    assert np.isfinite(W) and W > 0
    A, b = gg.empirical_bures_wasserstein_mapping(xs, xt, reg=0)
    assert np.all(np.isfinite(A)) and np.all(np.isfinite(b))


def test_nearly_equal_covariances():
    rng = np.random.default_rng(4)
    C = spd(rng, 1, 6, shift=1e-3)[0]
    C2 = C + 1e-12 * np.eye(6)
    for D in (gg.bures_distance(C, C2), gg.bures_distance(C, C)):
        assert np.isfinite(D) and 0 <= D < 1e-5
    Ds = gg.bures_distance(np.array([C, C2]), np.array([C, C2]))
    assert np.all(np.isfinite(Ds)) and np.all(Ds >= 0)


def test_round_off_negative_eigenvalues_are_clipped():
    """A PSD matrix stored in float32 has eigenvalues ~ -1e-8 * max."""
    rng = np.random.default_rng(5)
    G = rng.standard_normal((8, 3))
    C = (G @ G.T).astype(np.float32)  # rank 3 in d = 8
    assert np.linalg.eigvalsh(C.astype(np.float64)).min() < 0
    D = gg.bures_distance(C, C)
    assert np.isfinite(D) and D < 1e-2


# ---------------------------------------------------------------------------
# Riemannian tools and the generalised metric (goot only).


@pytest.mark.parametrize("d", [1, 2, 4, 10])
def test_log_exp_round_trip(rng, d):
    X, S = spd(rng, 2, d)
    V = gg.bures_wasserstein_log(X, S)
    np.testing.assert_allclose(V, V.T, atol=0)
    np.testing.assert_allclose(gg.bures_wasserstein_exp(X, V), S, rtol=1e-8, atol=1e-10)
    # At the identity: Log_I(S) = 2 S^{1/2} - 2I and Exp_I(V) = (I + V/2)^2.
    np.testing.assert_allclose(
        gg.bures_wasserstein_log(np.eye(d), S),
        2 * _psd_sqrt(S) - 2 * np.eye(d),
        atol=1e-11,
    )
    half = np.eye(d) + V / 2
    np.testing.assert_allclose(
        gg.bures_wasserstein_exp(np.eye(d), V), half @ half, atol=1e-11
    )


def test_log_norm_is_distance(rng):
    """|Log_X(S)|_X = B(X, S): at X = I the metric is <U, V> = tr(L_U V)/... ;
    check instead that the geodesic through Exp(t Log) has the right length."""
    X, S = spd(rng, 2, 3)
    V = gg.bures_wasserstein_log(X, S)
    mid = gg.bures_wasserstein_exp(X, 0.5 * V)
    np.testing.assert_allclose(
        mid, gg.bures_wasserstein_geodesic(X, S, 0.5), atol=1e-10
    )


def test_geodesic(rng):
    A, B = spd(rng, 2, 5)
    G = gg.bures_wasserstein_geodesic(A, B, [0.0, 0.25, 1.0])
    assert G.shape == (3, 5, 5)
    np.testing.assert_array_equal(G[0], A)
    np.testing.assert_array_equal(G[2], B)
    full = gg.bures_distance(A, B)
    assert gg.bures_distance(A, G[1]) == pytest.approx(0.25 * full, rel=1e-7)
    mid = gg.bures_wasserstein_geodesic(np.diag([1.0, 4.0]), np.diag([9.0, 16.0]), 0.5)
    np.testing.assert_allclose(mid, np.diag([4.0, 9.0]), atol=1e-14)


def test_generalized_metric(rng):
    X, Y = spd(rng, 2, 4)
    M = spd(rng, 1, 4, shift=0.5)[0]
    assert gg.generalized_bures_wasserstein_distance(X, Y) == pytest.approx(
        gg.bures_distance(X, Y), rel=1e-12
    )
    lam, V = np.linalg.eigh(M)
    K = (V / np.sqrt(lam)) @ V.T
    assert gg.generalized_bures_wasserstein_distance(X, Y, M) == pytest.approx(
        gg.bures_distance(K @ X @ K, K @ Y @ K), rel=1e-10
    )
    # theta = 2 on commuting matrices: |X - Y|_F / 2.
    d2 = gg.generalized_bures_wasserstein_distance(
        np.diag([1.0, 2.0]), np.diag([3.0, 2.0]), theta=2
    )
    assert d2 == pytest.approx(1.0, rel=1e-12)
    batch = gg.generalized_bures_wasserstein_distance(
        np.array([X, Y]), np.array([Y]), M
    )
    assert batch.shape == (2, 1)


# ---------------------------------------------------------------------------
# Bad input, threads, inputs untouched.


def test_bad_input_names_the_argument():
    I2 = np.eye(2)
    with pytest.raises(ValueError, match="Cs.*symmetric"):
        gg.bures_distance(np.array([[1.0, 2.0], [0.0, 1.0]]), I2)
    with pytest.raises(ValueError, match="Ct.*positive semi-definite"):
        gg.bures_distance(I2, np.diag([1.0, -1.0]))
    with pytest.raises(ValueError, match="same dimension"):
        gg.bures_distance(I2, np.eye(3))
    with pytest.raises(ValueError, match="Cs.*non-finite"):
        gg.bures_wasserstein_distance(
            np.zeros(2), np.zeros(2), np.diag([np.nan, 1]), I2
        )
    with pytest.raises(ValueError, match="Cs"):
        gg.bures_distance(np.ones((2, 3)), I2)
    with pytest.raises(ValueError, match="ms"):
        gg.bures_wasserstein_distance(
            np.zeros((3, 2)), np.zeros(2), np.eye(2)[None], I2
        )
    with pytest.raises(ValueError, match="weights"):
        gg.bures_barycenter_fixpoint(np.array([I2, I2]), np.array([0.5, -0.5]))
    with pytest.raises(ValueError, match="Unknown method"):
        gg.bures_wasserstein_barycenter(np.zeros((1, 2)), I2[None], method="newton")
    with pytest.raises(ValueError, match="batch_size"):
        gg.bures_barycenter_gradient_descent(np.array([I2, I2]), batch_size=-1)
    with pytest.raises(ValueError, match="M"):
        gg.generalized_bures_wasserstein_distance(I2, I2, M=np.diag([1.0, 0.0]))
    with pytest.raises(ValueError, match="theta"):
        gg.generalized_bures_wasserstein_distance(I2, I2, theta=0)
    with pytest.raises(TypeError, match="Cs"):
        gg.bures_distance(np.array([["a", "b"], ["c", "d"]]), I2)


def test_iteration_limit_warns():
    C = np.array([np.diag([1.0, 4.0]), [[2.0, 1.0], [1.0, 3.0]]])
    with pytest.warns(UserWarning, match="num_iter"):
        Cb, log = gg.bures_barycenter_gradient_descent(
            C, num_iter=3, step_size=0.1, log=True
        )
    assert log["num_iter"] == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gg.bures_barycenter_fixpoint(C)


def test_inputs_not_modified(rng):
    Cs, Ct = spd(rng, 3, 3), spd(rng, 2, 3)
    keep = Cs.copy(), Ct.copy()
    gg.bures_distance(Cs, Ct)
    gg.bures_barycenter_fixpoint(Cs)
    gg.bures_wasserstein_log(Cs[0], Ct[0])
    np.testing.assert_array_equal(Cs, keep[0])
    np.testing.assert_array_equal(Ct, keep[1])


def test_threads_give_serial_results(rng):
    problems = [(spd(rng, 20, 6), spd(rng, 15, 6)) for _ in range(8)]
    serial = [gg.bures_distance(a, b) for a, b in problems]
    results: dict = {}

    def work(k):
        for i in range(k, len(problems), 4):
            results[i] = gg.bures_distance(*problems[i])

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, want in enumerate(serial):
        np.testing.assert_array_equal(results[i], want)
