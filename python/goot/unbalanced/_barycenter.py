"""Entropic unbalanced barycenters (POT's ``barycenter_unbalanced`` family).

The iterations run in goot's Go package ``goot/unbalanced``; this module checks
the input and builds POT's return values, log dicts and warnings.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._backend import tensor_io
from .._core import (
    address,
    barycenter_inputs,
    call,
    history_buffer,
)
from .._warnings import user_warning
from ..lp._network_simplex import _check_iter
from ._sinkhorn import _STABILIZED_NOT_CONVERGED, _dtype, _number, _tau

__all__ = [
    "barycenter_unbalanced",
    "barycenter_unbalanced_sinkhorn",
    "barycenter_unbalanced_stabilized",
]

_INFO_LEN = 6
_OPTIMAL = 0
_LOG_TINY = math.log(1e-300)  # POT reports log(u + 1e-300)


def _barycenter(stabilized, A, M, reg, reg_m, weights, tau, numItermax, stopThr,
                verbose, log):  # fmt: skip
    dtype = _dtype(A, M)
    A, M, w = barycenter_inputs(A, M, weights)
    dim, k = A.shape
    numItermax = _check_iter(numItermax)
    q, f, g = np.empty(dim), np.empty((dim, k)), np.empty((dim, k))
    errs, info = history_buffer(numItermax, every=1), np.empty(_INFO_LEN)
    call(
        "UnbalancedBarycenter", stabilized, address(A), dim, k, address(M),
        address(w), _number(reg, "reg"), _number(reg_m, "reg_m"), address(q),
        address(f), address(g), numItermax, _number(stopThr, "stopThr"),
        _tau(tau), address(errs), errs.size, address(info),
    )  # fmt: skip
    status, niter, breakdown, n_err = (int(x) for x in info[:4])
    errors = [float(e) for e in errs[:n_err]]
    if breakdown >= 0:
        # POT's stabilized barycenter prints its counter, which stays at 0.
        at = 0 if stabilized else breakdown
        user_warning(f"Numerical errors at iteration {at}")
    if stabilized and status != _OPTIMAL:
        user_warning(_STABILIZED_NOT_CONVERGED)
    if verbose:
        period = 10 if stabilized else 1
        for i, err in enumerate(errors):
            if (i * period) % 50 == 0:
                print(f"{'It.':5s}|{'Err':12s}" + "\n" + "-" * 19)
            print(f"{i * period:5d}|{err:8e}|")
    q = q if dtype == np.float64 else q.astype(dtype)
    if not log:
        return q
    logu, logv = np.logaddexp(f, _LOG_TINY), np.logaddexp(g, _LOG_TINY)
    if dtype != np.float64:
        logu, logv = logu.astype(dtype), logv.astype(dtype)
    return q, {"err": errors, "niter": niter, "logu": logu, "logv": logv}


@tensor_io()
def barycenter_unbalanced_sinkhorn(
    A: Any,
    M: Any,
    reg: float,
    reg_m: float,
    weights: Any = None,
    numItermax: int = 1000,
    stopThr: float = 1e-6,
    verbose: bool = False,
    log: bool = False,
):
    r"""Entropic unbalanced barycenter by Sinkhorn scaling; return it.

    Computes the barycenter :math:`q` of the columns :math:`a_c` of ``A``:

    .. math::
        q = \arg\min_q \sum_c w_c\, \mathrm{UOT}(q, a_c)

    where UOT is the problem of :func:`sinkhorn_unbalanced` with reference
    ``c = 1``, ``reg`` and ``reg_m`` on both marginals, by the iteration of
    Chizat et al. (2018): :math:`u = (A / K v)^{\mathrm{fi}}`,
    :math:`q = (\sum_c w_c (K^\top u_c)^{1-\mathrm{fi}})^{1/(1-\mathrm{fi})}`,
    :math:`v = (q / K^\top u)^{\mathrm{fi}}`, stopping when the relative change
    of ``q`` is below ``stopThr`` after more than 10 iterations (POT's rule).
    goot runs it on log-scalings, so a small ``reg`` does not underflow.

    Parameters
    ----------
    A : array-like, shape (dim, n_hists)
        The histograms, one per column.
    M : array-like, shape (dim, dim)
        Cost matrix.
    reg : float
        Entropic regularisation (> 0).
    reg_m : float
        Marginal relaxation (> 0, finite).
    weights : array-like, shape (n_hists,), optional
        Barycentric coordinates (uniform by default).
    numItermax : int
        Maximum number of iterations.
    stopThr : float
        Threshold on the relative change of the barycenter.
    verbose : bool
        Print the error history.
    log : bool
        Also return a dict with ``err``, ``niter``, ``logu``, ``logv``.

    Returns
    -------
    q : ndarray, shape (dim,)
        The barycenter.
    log : dict
        Only if ``log`` is True.

    Examples
    --------
    >>> import numpy as np, goot
    >>> A = np.array([[0.5, 0.1], [0.5, 0.9]])
    >>> goot.unbalanced.barycenter_unbalanced_sinkhorn(A, [[0., 1.], [1., 0.]], 1., 1.)
    array([0.69457502, 0.868529  ])

    References
    ----------
    .. [1] Chizat, L., Peyré, G., Schmitzer, B., Vialard, F.-X. (2018).
       Scaling algorithms for unbalanced optimal transport problems.
       Mathematics of Computation 87(314), 2563-2609.
    .. [2] Benamou, J.-D., Carlier, G., Cuturi, M., Nenna, L., Peyré, G.
       (2015). Iterative Bregman projections for regularized transportation
       problems. SIAM Journal on Scientific Computing 37(2), A1111-A1138.
    """
    return _barycenter(False, A, M, reg, reg_m, weights, 1e3, numItermax, stopThr,
                       verbose, log)  # fmt: skip


@tensor_io()
def barycenter_unbalanced_stabilized(
    A: Any,
    M: Any,
    reg: float,
    reg_m: float,
    weights: Any = None,
    tau: float = 1e3,
    numItermax: int = 1000,
    stopThr: float = 1e-6,
    verbose: bool = False,
    log: bool = False,
):
    r"""Entropic unbalanced barycenter with absorption; return it.

    The iteration of :func:`barycenter_unbalanced_sinkhorn` on the kernel
    :math:`K = e^{(\alpha_i + \beta_j - M_{ij})/\mathrm{reg}}`, the scalings
    being absorbed into the potentials α, β when one exceeds ``tau``; the
    error is checked on iteration 0 and every 10th iteration without
    absorption, as POT does, whose iterates goot follows (scaling domain and
    warnings included) until the first absorption: there goot divides the
    scalings by the absorbed values, which keeps the iterate, where POT
    resets v to 1 (see :func:`sinkhorn_stabilized_unbalanced`).

    Parameters are those of :func:`barycenter_unbalanced_sinkhorn`, plus
    ``tau`` (absorption threshold, default 1e3).

    Returns
    -------
    q : ndarray, shape (dim,)
        The barycenter.
    log : dict
        ``err``, ``niter``, ``logu``, ``logv`` (logs of the scalings).

    Examples
    --------
    >>> import numpy as np, goot
    >>> A = np.array([[0.5, 0.1], [0.5, 0.9]])
    >>> goot.unbalanced.barycenter_unbalanced_stabilized(
    ...     A, [[0., 1.], [1., 0.]], 1., 1.)
    array([0.69457502, 0.868529  ])

    References
    ----------
    .. [1] Schmitzer, B. (2019). Stabilized sparse scaling algorithms for
       entropy regularized transport problems. SIAM Journal on Scientific
       Computing 41(3), A1443-A1481.
    .. [2] Chizat, L., Peyré, G., Schmitzer, B., Vialard, F.-X. (2018).
       Scaling algorithms for unbalanced optimal transport problems.
       Mathematics of Computation 87(314), 2563-2609.
    """
    return _barycenter(True, A, M, reg, reg_m, weights, tau, numItermax, stopThr,
                       verbose, log)  # fmt: skip


@tensor_io()
def barycenter_unbalanced(
    A: Any,
    M: Any,
    reg: float,
    reg_m: float,
    method: str = "sinkhorn",
    weights: Any = None,
    numItermax: int = 1000,
    stopThr: float = 1e-6,
    verbose: bool = False,
    log: bool = False,
    **kwargs: Any,
):
    r"""Entropic unbalanced barycenter; dispatch on ``method``.

    ``method`` is ``"sinkhorn"`` (:func:`barycenter_unbalanced_sinkhorn`) or
    ``"sinkhorn_stabilized"`` (:func:`barycenter_unbalanced_stabilized`, which
    takes ``tau`` in ``kwargs``); ``"sinkhorn_reg_scaling"`` and
    ``"sinkhorn_translation_invariant"`` warn and run ``"sinkhorn"``, and any
    other value raises ValueError, as in POT.

    Parameters
    ----------
    A, M, reg, reg_m, weights, numItermax, stopThr, verbose, log
        As in :func:`barycenter_unbalanced_sinkhorn`.
    method : str
        The solver.

    Returns
    -------
    q : ndarray, shape (dim,)
        The barycenter.
    log : dict
        Only if ``log`` is True.

    Examples
    --------
    >>> import numpy as np, goot
    >>> A = np.array([[0.5, 0.1], [0.5, 0.9]])
    >>> goot.unbalanced.barycenter_unbalanced(A, [[0., 1.], [1., 0.]], 1., 1.)
    array([0.69457502, 0.868529  ])

    References
    ----------
    .. [1] Chizat, L., Peyré, G., Schmitzer, B., Vialard, F.-X. (2018).
       Scaling algorithms for unbalanced optimal transport problems.
       Mathematics of Computation 87(314), 2563-2609.
    """
    if not isinstance(method, str):
        raise TypeError(f"method must be a string, got {method!r}")
    name = method.lower()
    args = dict(weights=weights, numItermax=numItermax, stopThr=stopThr,
                verbose=verbose, log=log)  # fmt: skip
    if name == "sinkhorn":
        return barycenter_unbalanced_sinkhorn(A, M, reg, reg_m, **args, **kwargs)
    if name == "sinkhorn_stabilized":
        return barycenter_unbalanced_stabilized(A, M, reg, reg_m, **args, **kwargs)
    if name in ("sinkhorn_reg_scaling", "sinkhorn_translation_invariant"):
        user_warning(
            "Method not implemented yet. Using classic Sinkhorn Knopp",
        )
        return barycenter_unbalanced(A, M, reg, reg_m, **args, **kwargs)
    raise ValueError(f"Unknown method '{method}'.")
