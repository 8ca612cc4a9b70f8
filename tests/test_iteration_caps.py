"""A huge iteration cap means "until convergence", as in POT: it must not
size any buffer (found by an adversarial trial: numItermax=10**12 raised
MemoryError, 2**70 a Go panic)."""

from __future__ import annotations

import numpy as np
import ot
import pytest

import goot

HUGE = [10**12, 2**62]


@pytest.fixture
def problem():
    rng = np.random.default_rng(0)
    a = rng.random(6) + 0.1
    b = rng.random(5) + 0.1
    return a / a.sum(), b / b.sum(), rng.random((6, 5))


@pytest.mark.parametrize("cap", HUGE)
@pytest.mark.parametrize(
    "method",
    ["sinkhorn", "sinkhorn_log", "sinkhorn_stabilized", "greenkhorn",
     "sinkhorn_epsilon_scaling", "sns"],
)  # fmt: skip
def test_sinkhorn_with_a_huge_cap_converges(problem, method, cap):
    a, b, M = problem
    G, log = goot.sinkhorn(a, b, M, 0.5, method=method, numItermax=cap, log=True)
    want = ot.sinkhorn(a, b, M, 0.5, method="sinkhorn_log", stopThr=1e-12)
    np.testing.assert_allclose(G, want, atol=1e-6)
    assert len(log.get("err", [])) < 10**4  # greenkhorn keeps no history


@pytest.mark.parametrize("cap", HUGE)
def test_other_sinkhorn_solvers_with_a_huge_cap(problem, cap):
    a, b, M = problem
    rng = np.random.default_rng(1)
    X, Y = rng.random((6, 2)), rng.random((5, 2))
    want = ot.bregman.empirical_sinkhorn2(X, Y, 1.0, a=a, b=b)
    got = goot.bregman.empirical_sinkhorn2(X, Y, 1.0, a=a, b=b, numIterMax=cap)
    np.testing.assert_allclose(got, want, rtol=1e-6)

    A = np.stack([a, a[::-1]], axis=1)
    M6 = rng.random((6, 6))
    want = ot.barycenter(A, M6, 1.0, numItermax=10**4)
    np.testing.assert_allclose(goot.barycenter(A, M6, 1.0, numItermax=cap), want)

    images = np.stack([np.eye(4) / 4, np.ones((4, 4)) / 16])
    want = ot.bregman.convolutional_barycenter2d(images, 0.1, numItermax=10**4)
    got = goot.bregman.convolutional_barycenter2d(images, 0.1, numItermax=cap)
    np.testing.assert_allclose(got, want, atol=1e-7)


@pytest.mark.parametrize("cap", HUGE)
@pytest.mark.parametrize(
    "method", ["sinkhorn", "sinkhorn_stabilized", "sinkhorn_translation_invariant"]
)
def test_unbalanced_with_a_huge_cap(problem, method, cap):
    a, b, M = problem
    want = ot.sinkhorn_unbalanced(a, b, M, 0.5, 1.0, method=method, numItermax=10**4)
    got, log = goot.sinkhorn_unbalanced(
        a, b, M, 0.5, 1.0, method=method, numItermax=cap, log=True
    )
    np.testing.assert_allclose(got, want, atol=1e-7)
    assert len(log["err"]) < 10**4


@pytest.mark.parametrize("cap", HUGE)
def test_unbalanced_barycenter_and_mm_with_a_huge_cap(problem, cap):
    a, b, M = problem
    rng = np.random.default_rng(2)
    A = np.stack([a, a[::-1]], axis=1)
    M6 = rng.random((6, 6))
    for method in ["sinkhorn", "sinkhorn_stabilized"]:
        want = ot.unbalanced.barycenter_unbalanced(
            A, M6, 1.0, 1.0, method=method, numItermax=10**4
        )
        got = goot.unbalanced.barycenter_unbalanced(
            A, M6, 1.0, 1.0, method=method, numItermax=cap
        )
        np.testing.assert_allclose(got, want, atol=1e-7)
    want = ot.unbalanced.mm_unbalanced(a, b, M, 1.0, numItermax=10**4)
    got = goot.unbalanced.mm_unbalanced(a, b, M, 1.0, numItermax=cap)
    np.testing.assert_allclose(got, want, atol=1e-7)
