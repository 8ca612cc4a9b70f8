"""Entropic barycenters (POT's ``ot.bregman`` barycenter functions)."""

from __future__ import annotations

from typing import Any

from ..lp._barycenter_solvers import fixed_point_barycenter
from ._sinkhorn import sinkhorn

__all__ = ["free_support_sinkhorn_barycenter"]

# TODO(goot): barycenter (sinkhorn, stabilized, log), barycenter_debiased,
# convolutional_barycenter2d (+ debiased) in Go (issue 3).


def free_support_sinkhorn_barycenter(
    measures_locations: Any,
    measures_weights: Any,
    X_init: Any,
    reg: float,
    b: Any = None,
    weights: Any = None,
    numItermax: int = 100,
    numInnerItermax: int = 1000,
    stopThr: float = 1e-7,
    verbose: bool = False,
    log: Any = None,
    **kwargs: Any,
):
    r"""Free-support barycenter with entropic plans.

    The fixed point of :func:`goot.lp.free_support_barycenter`, each plan
    computed by :func:`goot.sinkhorn` (``reg``, ``numInnerItermax`` iterations;
    ``**kwargs`` such as ``method`` go to it): every iteration moves the points
    to :math:`\sum_i w_i\, \mathrm{diag}(1/b)\, T_i Y_i` until the squared
    displacement is at most ``stopThr``.

    Returns
    -------
    X : ndarray, shape (k, d)
    log : dict
        ``displacement_square_norms``, only if ``log`` is True.

    Examples
    --------
    >>> import numpy as np, goot
    >>> Y = [np.array([[-1.0]]), np.array([[1.0]])]
    >>> w = [np.array([1.0]), np.array([1.0])]
    >>> X = goot.bregman.free_support_sinkhorn_barycenter(Y, w, np.array([[-12.0]]), 1)
    >>> np.round(X, 12)
    array([[0.]])

    References
    ----------
    .. [1] Cuturi, M., Doucet, A. (2014). Fast computation of Wasserstein
       barycenters. International Conference on Machine Learning (ICML).
    """
    return fixed_point_barycenter(
        lambda b, a, M: sinkhorn(b, a, M, reg, numItermax=numInnerItermax, **kwargs),
        measures_locations, measures_weights, X_init, b, weights, numItermax,
        stopThr, verbose, log,
    )  # fmt: skip
