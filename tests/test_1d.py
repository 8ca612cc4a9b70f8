"""1-D exact OT: emd_1d, emd2_1d, wasserstein_1d against POT and closed forms."""

from __future__ import annotations

import numpy as np
import ot
import pytest
import scipy.stats

import goot

METRICS = [
    ("sqeuclidean", 1.0),
    ("euclidean", 1.0),
    ("cityblock", 1.0),
    ("minkowski", 1.0),
    ("minkowski", 1.5),
    ("minkowski", 3.0),
]


def weighted_points(n, seed, unsorted=True):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    w = rng.random(n) + 0.01
    return x, w / w.sum()


@pytest.mark.parametrize("metric,p", METRICS)
@pytest.mark.parametrize("n,m", [(1, 1), (2, 3), (20, 20), (100, 70), (1000, 1500)])
def test_emd_1d_matches_pot(metric, p, n, m):
    x, a = weighted_points(n, n)
    y, b = weighted_points(m, m + 1)
    G, log = goot.emd_1d(x, y, a, b, metric=metric, p=p, log=True)
    G_pot, log_pot = ot.emd_1d(x, y, a, b, metric=metric, p=p, log=True)
    np.testing.assert_allclose(G, G_pot, atol=1e-14)
    np.testing.assert_allclose(log["cost"], log_pot["cost"], rtol=1e-12)
    assert set(log) == set(log_pot)
    cost = goot.emd2_1d(x, y, a, b, metric=metric, p=p)
    np.testing.assert_allclose(
        cost, ot.emd2_1d(x, y, a, b, metric=metric, p=p), rtol=1e-12
    )
    assert isinstance(cost, float)


def test_emd_1d_equals_emd_on_dist():
    """POT's test_emd_1d_emd2_1d: the 1-D solver equals the network simplex.

    Under sqeuclidean (strictly convex) the optimal plan is unique, so plans
    must be equal; under |x - y| it is not, so only the costs are compared.
    """
    x, a = weighted_points(60, 3)
    y, b = weighted_points(50, 4)
    M = goot.dist(x[:, None], y[:, None])
    np.testing.assert_allclose(goot.emd_1d(x, y, a, b), goot.emd(a, b, M), atol=1e-14)
    M1 = goot.dist(x[:, None], y[:, None], metric="cityblock")
    np.testing.assert_allclose(
        goot.emd2_1d(x, y, a, b, metric="cityblock"), goot.emd2(a, b, M1), rtol=1e-12
    )


def test_emd_1d_sparse_and_log():
    x, a = weighted_points(10, 5)
    y, b = weighted_points(7, 6)
    G = goot.emd_1d(x, y, a, b, dense=False)
    G_pot = ot.emd_1d(x, y, a, b, dense=False)
    assert type(G) is type(G_pot)
    np.testing.assert_allclose(G.toarray(), G_pot.toarray(), atol=1e-15)
    cost, log = goot.emd2_1d(x, y, a, b, log=True)
    np.testing.assert_allclose(log["G"], G_pot.toarray(), atol=1e-15)


def test_emd_1d_float32_and_column_input():
    x = np.arange(4.0, dtype=np.float32)[:, None]
    G = goot.emd_1d(x, x + 1)
    assert G.dtype == ot.emd_1d(x, x + 1).dtype == np.float32
    np.testing.assert_allclose(G, np.eye(4) / 4, atol=1e-7)


@pytest.mark.parametrize("p", [1, 2, 3.5])
@pytest.mark.parametrize("n,m", [(1, 1), (5, 9), (300, 200), (10000, 8000)])
def test_wasserstein_1d_matches_pot(p, n, m):
    u, uw = weighted_points(n, 7)
    v, vw = weighted_points(m, 8)
    got = goot.wasserstein_1d(u, v, uw, vw, p=p)
    np.testing.assert_allclose(got, ot.wasserstein_1d(u, v, uw, vw, p=p), rtol=1e-11)
    np.testing.assert_allclose(
        goot.wasserstein_1d(u, v, p=p), ot.wasserstein_1d(u, v, p=p), rtol=1e-11
    )


def test_wasserstein_1d_scipy_p1():
    u, uw = weighted_points(100, 9)
    v, vw = weighted_points(80, 10)
    np.testing.assert_allclose(
        goot.wasserstein_1d(u, v, uw, vw, p=1),
        scipy.stats.wasserstein_distance(u, v, uw, vw),
        rtol=1e-12,
    )


@pytest.mark.parametrize("p", [1, 2])
def test_wasserstein_1d_shift(p):
    x = np.random.default_rng(0).standard_normal(50)
    assert goot.wasserstein_1d(x, x + 1, p=p) == pytest.approx(1.0, rel=1e-12)


def test_wasserstein_1d_batched():
    rng = np.random.default_rng(11)
    U = rng.standard_normal((40, 6))
    V = rng.standard_normal((30, 6)) + 1
    uw = rng.random(40)
    uw /= uw.sum()
    vw = rng.random((30, 6))
    vw /= vw.sum(0)
    got = goot.wasserstein_1d(U, V, uw, vw, p=2)
    assert got.shape == (6,)
    np.testing.assert_allclose(got, ot.wasserstein_1d(U, V, uw, vw, p=2), rtol=1e-12)
    for c in range(6):
        np.testing.assert_allclose(
            got[c], goot.wasserstein_1d(U[:, c], V[:, c], uw, vw[:, c], p=2), rtol=1e-14
        )


def test_wasserstein_1d_presorted_and_plans():
    u, uw = weighted_points(20, 12)
    v, vw = weighted_points(15, 13)
    iu, iv = np.argsort(u), np.argsort(v)
    sorted_value = goot.wasserstein_1d(
        u[iu], v[iv], uw[iu], vw[iv], p=2, require_sort=False
    )
    np.testing.assert_allclose(
        sorted_value, goot.wasserstein_1d(u, v, uw, vw, p=2), rtol=1e-13
    )
    value, plans = goot.wasserstein_1d(u, v, uw, vw, p=2, return_plans=True)
    G = plans[0].toarray()
    np.testing.assert_allclose(G.sum(1), uw, atol=1e-14)
    np.testing.assert_allclose(G.sum(0), vw, atol=1e-14)
    np.testing.assert_allclose(
        value, np.sum(G * (u[:, None] - v[None, :]) ** 2), rtol=1e-12
    )
    np.testing.assert_allclose(G, goot.emd_1d(u, v, uw, vw), atol=1e-14)


def test_wasserstein_1d_float32():
    u = np.arange(5, dtype=np.float32)
    out = goot.wasserstein_1d(u, u + 2, p=2)
    assert out.dtype == ot.wasserstein_1d(u, u + 2, p=2).dtype == np.float32
    assert out == pytest.approx(4.0)


def test_wasserstein_1d_coo_tuple_plans():
    u, uw = weighted_points(12, 14)
    v, vw = weighted_points(9, 15)
    value, plans = goot.wasserstein_1d(u, v, uw, vw, p=2, return_plans="coo_tuple")
    # POT's plans need 2-D values (it indexes delta[:, k]); goot takes both.
    _, plans_pot = ot.wasserstein_1d(
        u[:, None], v[:, None], uw[:, None], vw[:, None], p=2, return_plans="coo_tuple"
    )
    assert type(plans[0]).__name__ == type(plans_pot[0]).__name__ == "PlanTuple"
    G = np.zeros((12, 9))
    np.add.at(G, (plans[0].rows, plans[0].cols), plans[0].data)
    np.testing.assert_allclose(G, goot.emd_1d(u, v, uw, vw), atol=1e-14)
