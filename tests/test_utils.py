"""goot.dist and goot.unif against scipy and POT."""

from __future__ import annotations

import numpy as np
import ot
import pytest
from scipy.spatial.distance import cdist

import goot

GO_METRICS = [
    ("sqeuclidean", 2),
    ("euclidean", 2),
    ("cityblock", 2),
    ("minkowski", 1),
    ("minkowski", 1.5),
    ("minkowski", 3),
]


@pytest.mark.parametrize("metric,p", GO_METRICS)
@pytest.mark.parametrize(
    "n,m,d", [(1, 1, 1), (5, 7, 2), (30, 20, 3), (64, 65, 17), (300, 200, 5)]
)
def test_dist_matches_cdist(metric, p, n, m, d):
    rng = np.random.default_rng(n + m + d)
    X, Y = rng.standard_normal((n, d)), rng.standard_normal((m, d))
    kwargs = {"p": p} if metric == "minkowski" else {}
    got = goot.dist(X, Y, metric=metric, p=p)
    np.testing.assert_allclose(
        got, cdist(X, Y, metric=metric, **kwargs), rtol=1e-13, atol=1e-15
    )
    # POT computes sqeuclidean through the Gram matrix (cancellation), so the
    # agreement with POT is looser than with scipy.
    np.testing.assert_allclose(
        got, ot.dist(X, Y, metric=metric, p=p), rtol=1e-9, atol=1e-12
    )


def test_dist_self_has_zero_diagonal():
    X = np.random.default_rng(0).standard_normal((50, 3)) * 1e4
    assert np.all(np.diag(goot.dist(X)) == 0)


@pytest.mark.parametrize("metric", ["cosine", "correlation", "chebyshev", "jaccard"])
def test_dist_other_metrics_through_scipy(metric):
    rng = np.random.default_rng(1)
    X, Y = rng.random((6, 4)), rng.random((5, 4))
    np.testing.assert_allclose(goot.dist(X, Y, metric=metric), cdist(X, Y, metric))


def test_dist_weighted_minkowski_and_dtypes():
    rng = np.random.default_rng(2)
    X, Y = rng.random((6, 3)), rng.random((5, 3))
    w = np.array([1.0, 2.0, 0.5])
    np.testing.assert_allclose(
        goot.dist(X, Y, "minkowski", p=3, w=w), cdist(X, Y, "minkowski", p=3, w=w)
    )
    assert goot.dist(X.astype(np.float32)).dtype == np.float32
    assert goot.dist(X.astype(np.float32), Y).dtype == np.float64
    assert goot.dist(X.astype(int)).dtype == np.float64


def test_unif():
    np.testing.assert_array_equal(goot.unif(4), ot.unif(4))
    assert goot.unif(3, type_as=np.zeros(1, np.float32)).dtype == np.float32
    assert goot.utils.unif is goot.unif and goot.utils.dist is goot.dist
