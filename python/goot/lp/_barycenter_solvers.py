"""Free-support Wasserstein barycenter on top of goot's exact solver."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._backend import tensor_io
from .._core import InputError, as_float64
from ..utils import dist
from ._network_simplex import emd

__all__ = ["free_support_barycenter"]


@tensor_io()
def free_support_barycenter(
    measures_locations: Any,
    measures_weights: Any,
    X_init: Any,
    b: Any = None,
    weights: Any = None,
    numItermax: int = 100,
    stopThr: float = 1e-7,
    verbose: bool = False,
    log: Any = None,
    numThreads: int = 1,
):
    r"""Wasserstein-2 barycenter with free support (fixed weights ``b``).

    .. math::
        \min_X \sum_i w_i W_2^2\Big(\sum_k b_k \delta_{X_k},
        \sum_j a_{ij} \delta_{Y_{ij}}\Big)

    solved as in POT (Cuturi and Doucet 2014, algorithm 2): each iteration
    computes the exact plans :math:`T_i` from the current points to every
    measure with :func:`goot.emd` and moves each point to the weighted mean of
    its images, :math:`X \leftarrow \sum_i w_i\, \mathrm{diag}(1/b)\, T_i Y_i`,
    until the squared displacement :math:`\|X_{new} - X\|^2` is at most
    ``stopThr`` or ``numItermax`` iterations have run.

    Parameters
    ----------
    measures_locations : list of arrays, each (n_i, d)
    measures_weights : list of arrays, each (n_i,)
    X_init : array, shape (k, d)
        Starting support of the barycenter.
    b : array, shape (k,), optional
        Weights of the barycenter (uniform by default).
    weights : array, shape (N,), optional
        Weights of the measures (uniform by default).
    numItermax, stopThr, verbose, log, numThreads
        As in POT; ``log=True`` also returns ``{"displacement_square_norms"}``.

    Returns
    -------
    X : ndarray, shape (k, d)

    Examples
    --------
    >>> import numpy as np, goot
    >>> Y = [np.array([[-1.0]]), np.array([[1.0]])]
    >>> w = [np.array([1.0]), np.array([1.0])]
    >>> goot.lp.free_support_barycenter(Y, w, np.array([[-12.0]]))
    array([[0.]])

    References
    ----------
    .. [1] Cuturi, M., Doucet, A. (2014). Fast computation of Wasserstein
       barycenters. International Conference on Machine Learning (ICML).
    """
    return fixed_point_barycenter(
        lambda b, a, M: emd(b, a, M, numThreads=numThreads), measures_locations,
        measures_weights, X_init, b, weights, numItermax, stopThr, verbose, log,
    )  # fmt: skip


def fixed_point_barycenter(plan, measures_locations, measures_weights, X_init, b,
                           weights, numItermax, stopThr, verbose, log):  # fmt: skip
    """The free-support fixed point, with ``plan(b, a_i, M_i)`` giving each
    plan (exact here, entropic in goot.bregman)."""
    X = as_float64(X_init, "X_init")
    if X.ndim != 2:
        raise InputError(f"X_init must be 2-D (k, d), got shape {X.shape}")
    if len(measures_locations) != len(measures_weights):
        raise InputError("measures_locations and measures_weights differ in length")
    k = X.shape[0]
    N = len(measures_locations)
    b = np.full(k, 1.0 / k) if b is None else as_float64(b, "b")
    weights = np.full(N, 1.0 / N) if weights is None else as_float64(weights, "weights")
    locations = [as_float64(Y, "measures_locations") for Y in measures_locations]
    norms = []
    displacement = stopThr + 1.0
    it = 0
    while displacement > stopThr and it < numItermax:
        T_sum = np.zeros_like(X)
        for Y, a, w in zip(locations, measures_weights, weights):
            T = plan(b, a, dist(X, Y))
            T_sum = T_sum + w * 1.0 / b[:, None] * (T @ Y)
        displacement = float(np.sum((T_sum - X) ** 2))
        norms.append(displacement)
        X = T_sum
        if verbose:
            print(f"iteration {it}, displacement_square_norm={displacement:f}")
        it += 1
    if log:
        return X, {"displacement_square_norms": norms}
    return X
