"""goot's warnings point at the caller's line, whatever the path inside goot
(public functions calling each other, the tensor wrapper)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import goot

a = np.array([0.5, 0.5])
M = np.array([[0.0, 1.0], [1.0, 0.0]])
A = np.array([[0.5, 0.2], [0.5, 0.8]])
CALLS = {
    "sinkhorn": lambda: goot.sinkhorn(a, a, M, 0.01, numItermax=1, stopThr=0),
    "sinkhorn2": lambda: goot.sinkhorn2(
        a, a, M, 0.01, numItermax=1, stopThr=0, warn=True
    ),
    "greenkhorn": lambda: goot.sinkhorn(
        a, a, M, 0.01, method="greenkhorn", numItermax=1, stopThr=0
    ),
    "emd numThreads": lambda: goot.emd(a, a, M, numThreads=2),
    "barycenter": lambda: goot.barycenter(A, M, 0.01, numItermax=1, stopThr=0),
    "empirical lazy": lambda: goot.bregman.empirical_sinkhorn(
        M, M, 0.01, numIterMax=1, stopThr=0, isLazy=True
    ),
}


@pytest.mark.parametrize("name", list(CALLS))
def test_warnings_point_at_the_caller(name):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        CALLS[name]()
    assert caught
    assert all(w.filename == __file__ for w in caught), [w.filename for w in caught]
