"""goot.gmm: parity with POT's ot.gmm, closed forms of the mixture distance.

Closed forms from algorithms.md §B1 (derived by hand), never goot's output.
"""

from __future__ import annotations

import numpy as np
import ot
import pytest

from goot import gmm


def random_gmm(rng, k, d, shift=0.0):
    m = rng.standard_normal((k, d)) * 3 + shift
    G = rng.standard_normal((k, d, d))
    C = G @ G.transpose(0, 2, 1) / d + 0.2 * np.eye(d)
    w = rng.random(k) + 0.1
    return m, C, w / w.sum()


@pytest.fixture
def pair():
    rng = np.random.default_rng(0)
    return random_gmm(rng, 3, 2), random_gmm(rng, 4, 2, shift=1.0)


# ---------------------------------------------------------------------------
# Closed forms.


def test_single_components_give_gaussian_w2():
    ms, mt = np.zeros((1, 2)), np.array([[1.0, 2.0]])
    Cs, Ct = np.eye(2)[None], np.diag([4.0, 9.0])[None]
    loss = gmm.gmm_ot_loss(ms, mt, Cs, Ct, np.ones(1), np.ones(1))
    assert loss == pytest.approx(10.0, rel=1e-14)


def test_translation_and_permutation():
    rng = np.random.default_rng(1)
    m, C, w = random_gmm(rng, 3, 3)
    v = np.array([0.5, -1.0, 2.0])
    assert gmm.gmm_ot_loss(m, m + v, C, C, w, w) == pytest.approx(v @ v, rel=1e-10)
    perm = [2, 0, 1]
    loss = gmm.gmm_ot_loss(m, m[perm], C, C[perm], w, w[perm])
    assert loss == pytest.approx(0.0, abs=1e-10)


def test_mixture_distance_exceeds_w2():
    """{1/2 N(0,I), 1/2 N((2,0),I)} vs N((1,0),I): MW2^2 = 1."""
    ms = np.array([[0.0, 0.0], [2.0, 0.0]])
    Cs = np.array([np.eye(2), np.eye(2)])
    loss = gmm.gmm_ot_loss(
        ms, np.array([[1.0, 0.0]]), Cs, np.eye(2)[None], np.full(2, 0.5), np.ones(1)
    )
    assert loss == pytest.approx(1.0, rel=1e-14)


def test_dist_bures_squared_closed_form():
    D = gmm.dist_bures_squared(
        np.zeros((2, 2)),
        np.zeros((1, 2)),
        np.array([[[2.0, 1.0], [1.0, 2.0]], np.diag([1.0, 4.0])]),
        np.eye(2)[None],
    )
    np.testing.assert_allclose(D, [[4 - 2 * np.sqrt(3)], [1.0]], rtol=1e-12)


def test_apply_map_single_component_is_gaussian_map():
    m, C, w = np.zeros((1, 2)), np.eye(2)[None], np.ones(1)
    x = np.random.default_rng(2).standard_normal((5, 2))
    y = gmm.gmm_ot_apply_map(x, m, m + 1, C, 4 * C, w, w)
    np.testing.assert_allclose(y, 2 * x + 1, atol=1e-14)


# ---------------------------------------------------------------------------
# Parity with POT.


@pytest.mark.parametrize("d", [1, 2, 5, 16])
def test_parity_loss_plan_dist(d):
    rng = np.random.default_rng(d)
    (ms, Cs, ws), (mt, Ct, wt) = random_gmm(rng, 3, d), random_gmm(rng, 5, d, 1.0)
    np.testing.assert_allclose(
        gmm.dist_bures_squared(ms, mt, Cs, Ct),
        ot.gmm.dist_bures_squared(ms, mt, Cs, Ct),
        rtol=1e-9,
        atol=1e-12,
    )
    assert gmm.gmm_ot_loss(ms, mt, Cs, Ct, ws, wt) == pytest.approx(
        ot.gmm.gmm_ot_loss(ms, mt, Cs, Ct, ws, wt), rel=1e-9
    )
    np.testing.assert_allclose(
        gmm.gmm_ot_plan(ms, mt, Cs, Ct, ws, wt),
        ot.gmm.gmm_ot_plan(ms, mt, Cs, Ct, ws, wt),
        atol=1e-12,
    )
    loss, log = gmm.gmm_ot_loss(ms, mt, Cs, Ct, ws, wt, log=True)
    _, plog = ot.gmm.gmm_ot_loss(ms, mt, Cs, Ct, ws, wt, log=True)
    assert set(log) == set(plog)


def test_parity_pdfs(pair):
    (ms, Cs, ws), _ = pair
    x = np.random.default_rng(3).standard_normal((7, 2))
    np.testing.assert_allclose(
        gmm.gaussian_pdf(x, ms[0], Cs[0]),
        ot.gmm.gaussian_pdf(x, ms[0], Cs[0]),
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        gmm.gmm_pdf(x, ms, Cs, ws), ot.gmm.gmm_pdf(x, ms, Cs, ws), rtol=1e-12
    )


@pytest.mark.parametrize("method", ["bary", "rand"])
def test_parity_apply_map(pair, method):
    (ms, Cs, ws), (mt, Ct, wt) = pair
    x = np.random.default_rng(4).standard_normal((40, 2)) * 3
    got = gmm.gmm_ot_apply_map(x, ms, mt, Cs, Ct, ws, wt, method=method, seed=7)
    want = ot.gmm.gmm_ot_apply_map(x, ms, mt, Cs, Ct, ws, wt, method=method, seed=7)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-10)


def test_parity_plan_density(pair):
    (ms, Cs, ws), (mt, Ct, wt) = pair
    rng = np.random.default_rng(5)
    x = rng.standard_normal((6, 2))
    plan = ot.gmm.gmm_ot_plan(ms, mt, Cs, Ct, ws, wt)
    A, b = ot.gaussian.bures_wasserstein_mapping(ms[0], mt[1], Cs[0], Ct[1])
    y = np.concatenate([x @ A + b, rng.standard_normal((4, 2))])
    got = gmm.gmm_ot_plan_density(x, y, ms, mt, Cs, Ct, ws, wt, plan=plan)
    want = ot.gmm.gmm_ot_plan_density(x, y, ms, mt, Cs, Ct, ws, wt, plan=plan)
    np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.parametrize("proj", ["euclidean", "bures"])
def test_parity_barycenter(proj):
    rng = np.random.default_rng(6)
    mixtures = [random_gmm(rng, 3, 2, shift=s) for s in (0.0, 2.0)]
    init_m, init_C, _ = random_gmm(rng, 2, 2)
    args = (
        [g[0] for g in mixtures],
        [g[1] for g in mixtures],
        [g[2] for g in mixtures],
    )
    keep = init_m.copy(), init_C.copy()
    got = gmm.gmm_barycenter_fixed_point(
        *args,
        init_m,
        init_C,
        np.array([0.3, 0.7]),
        iterations=3,
        barycentric_proj_method=proj,
        log=True,
    )
    np.testing.assert_array_equal(init_m, keep[0])  # goot leaves inputs alone
    want = ot.gmm.gmm_barycenter_fixed_point(
        *args,
        init_m.copy(),
        init_C.copy(),
        np.array([0.3, 0.7]),
        iterations=3,
        barycentric_proj_method=proj,
        log=True,
    )
    np.testing.assert_allclose(got[0], want[0], atol=1e-6)
    np.testing.assert_allclose(got[1], want[1], atol=1e-6)
    assert set(got[2]) == set(want[2]) and len(got[2]["means_its"]) == 4


# ---------------------------------------------------------------------------
# Bad input.


def test_bad_input(pair):
    (ms, Cs, ws), (mt, Ct, wt) = pair
    with pytest.raises(ValueError, match="m_s and C_s"):
        gmm.gmm_ot_loss(ms[:2], mt, Cs, Ct, ws, wt)
    with pytest.raises(ValueError, match="w_t"):
        gmm.gmm_ot_plan(ms, mt, Cs, Ct, ws, wt[:2])
    with pytest.raises(ValueError, match="same dimension"):
        gmm.dist_bures_squared(ms, mt[:, :1], Cs, Ct[:, :1, :1])
    with pytest.raises(ValueError, match="C_t.*symmetric"):
        bad = Ct.copy()
        bad[0, 0, 1] += 1
        gmm.dist_bures_squared(ms, mt, Cs, bad)
    with pytest.raises(ValueError, match="method"):
        gmm.gmm_ot_apply_map(ms, ms, mt, Cs, Ct, ws, wt, method="nearest")
    with pytest.raises(ValueError, match="barycentric_proj_method"):
        gmm.gmm_barycenter_fixed_point(
            [ms], [Cs], [ws], ms, Cs, np.ones(1), barycentric_proj_method="x"
        )
