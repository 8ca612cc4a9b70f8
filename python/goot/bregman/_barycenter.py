"""Entropic barycenters (POT's ``ot.bregman`` barycenter functions)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._backend import tensor_io
from .._core import (
    address,
    barycenter_inputs,
    call,
    history_buffer,
    result_dtype,
)
from .._warnings import user_warning
from ..lp._barycenter_solvers import fixed_point_barycenter
from ..lp._network_simplex import _check_iter
from ._sinkhorn import _INFO_LEN, _NOT_CONVERGED, _OPTIMAL, _info, _reg, sinkhorn

__all__ = [
    "barycenter",
    "barycenter_sinkhorn",
    "barycenter_stabilized",
    "barycenter_debiased",
    "free_support_sinkhorn_barycenter",
]

_STABILIZED_NOT_CONVERGED = (
    "Stabilized Sinkhorn did not converge."
    "Try a larger entropy `reg`"
    "Or a larger absorption threshold `tau`."
)
_LOG_DOMAIN_NOTE = (
    "Warning: numerical errors at iteration %d (exp(-M/reg) under- or "
    "overflows in float64); goot computed the barycenter again in the log domain"
)


# ---------------------------------------------------------------------------
# Shared input handling and reporting.


def _prepare(A, M, weights, numItermax):
    """Float64 (A, M, weights) with shapes checked, the result dtype and the
    iteration cap."""
    dtype = result_dtype(A, M)
    A, M, weights = barycenter_inputs(A, M, weights)
    numItermax = _check_iter(numItermax)
    if numItermax < 1:
        raise ValueError(f"numItermax must be at least 1, got {numItermax}")
    return A, M, weights, dtype, numItermax


def _buffers(numItermax):
    return history_buffer(numItermax), np.empty(_INFO_LEN)


def _print_table(errors, first, period, header_every):
    """POT's verbose table (printed after the solve from the error history)."""
    for k, err in enumerate(errors):
        it = first + k * period
        if it % header_every == 0:
            print(f"{'It.':5s}|{'Err':12s}" + "\n" + "-" * 19)
        print(f"{it:5d}|{err:8e}|")


def _finish(bar, dtype, it, errors, log, extra=None):
    bar = bar if dtype == np.float64 else bar.astype(dtype)
    if not log:
        return bar
    out = {"err": errors, "niter": it}
    out.update(extra or {})
    return bar, out


def _kernel_or_log(export, A, M, reg, weights, numItermax, stopThr, verbose, log,
                   warn, first):  # fmt: skip
    """Run one of the four barycenter exports sharing a signature."""
    A, M, weights, dtype, numItermax = _prepare(A, M, weights, numItermax)
    dim, k = A.shape
    bar = np.empty(dim)
    errs, info = _buffers(numItermax)
    call(
        export, address(A), dim, k, address(M), _reg(reg), address(weights),
        address(bar), numItermax, float(stopThr), address(errs), errs.shape[0],
        address(info),
    )  # fmt: skip
    status, it, breakdown, log_domain, errors = _info(info, errs)
    if verbose:
        # POT prints after its stopping test, so not the error it stops on.
        stopped = status == _OPTIMAL
        _print_table(errors[:-1] if stopped else errors, first, 10, 200)
    if breakdown >= 0 and log_domain:
        user_warning(_LOG_DOMAIN_NOTE % breakdown)
    if status != _OPTIMAL and warn:
        user_warning(_NOT_CONVERGED)
    return _finish(bar, dtype, it, errors, log)


# ---------------------------------------------------------------------------
# Fixed-support barycenters.


@tensor_io()
def barycenter_sinkhorn(
    A: Any,
    M: Any,
    reg: float,
    weights: Any = None,
    numItermax: int = 1000,
    stopThr: float = 1e-4,
    verbose: bool = False,
    log: bool = False,
    warn: bool = True,
):
    r"""Entropic Wasserstein barycenter by iterative Bregman projections.

    .. math::
        \mathbf{a} = \arg\min_{\mathbf{a}} \sum_c w_c
        W_{\mathrm{reg}}(\mathbf{a}, \mathbf{a}_c)

    where :math:`W_{\mathrm{reg}}` is the entropic OT cost with ground cost
    ``M`` and :math:`\mathbf{a}_c` are the columns of ``A``. POT's iterations
    (Benamou et al. 2015) run in Go: each one forms
    :math:`K^T(\mathbf{a}_c / K u_c)` for all histograms in one fused pass over
    :math:`K = e^{-M/\mathrm{reg}}`, and rescales each histogram's barycentre
    towards their weighted geometric mean. At iterations 1, 11, 21, … the sum
    over bins of the standard deviation of the per-histogram barycentres is
    recorded and the solve stops once it is below ``stopThr``.

    The scalings start from the *weighted* geometric mean of the first
    barycentres. POT starts from the unweighted one, which its update never
    corrects: with non-uniform ``weights`` POT's ``'sinkhorn'`` method converges
    to another point than its ``'sinkhorn_log'`` and ``'sinkhorn_stabilized'``
    methods; goot's reaches theirs (with uniform weights the two starts are
    the same and goot follows POT's iterates).

    When the kernel underflows (costs far above ``reg``), POT returns NaN;
    goot warns "numerical errors" and computes the barycenter again in the log
    domain (:func:`barycenter` with ``method='sinkhorn_log'``).

    Parameters
    ----------
    A : array-like, shape (dim, n_hists)
        The histograms, one per column.
    M : array-like, shape (dim, dim)
        Ground cost (no NaN or -inf).
    reg : float
        Entropic regularisation, > 0.
    weights : array-like, shape (n_hists,), optional
        Weights of the histograms (uniform by default).
    numItermax : int, optional
        Maximum number of iterations (default 1000).
    stopThr : float, optional
        Threshold on the spread of the barycentres (default 1e-4).
    verbose : bool, optional
        Print POT's error table (after the solve).
    log : bool, optional
        Also return a dict with ``err`` and ``niter``.
    warn : bool, optional
        Warn when the solve did not converge (default True).

    Returns
    -------
    a : ndarray, shape (dim,)
        The barycenter (float32 if ``A`` and ``M`` are).
    log : dict
        Only if ``log`` is True.

    Examples
    --------
    >>> import numpy as np, goot
    >>> A = np.array([[.5, 0.], [.5, .5], [0., .5]])
    >>> M = np.array([[0., 1., 4.], [1., 0., 1.], [4., 1., 0.]])
    >>> np.round(goot.bregman.barycenter_sinkhorn(A, M, 0.5), 6)
    array([0.252269, 0.495463, 0.252269])

    References
    ----------
    .. [1] Benamou, J.-D., Carlier, G., Cuturi, M., Nenna, L., Peyré, G.
       (2015). Iterative Bregman projections for regularized transportation
       problems. SIAM Journal on Scientific Computing 37(2).
    """
    return _kernel_or_log(
        "BregmanBarycenter", A, M, reg, weights, numItermax, stopThr, verbose, log,
        warn, 1,
    )  # fmt: skip


def _barycenter_sinkhorn_log(
    A: Any,
    M: Any,
    reg: float,
    weights: Any = None,
    numItermax: int = 1000,
    stopThr: float = 1e-4,
    verbose: bool = False,
    log: bool = False,
    warn: bool = True,
):
    """Log-domain barycenter (``barycenter(..., method='sinkhorn_log')``)."""
    return _kernel_or_log(
        "BregmanBarycenterLog", A, M, reg, weights, numItermax, stopThr, verbose,
        log, warn, 1,
    )  # fmt: skip


@tensor_io()
def barycenter_stabilized(
    A: Any,
    M: Any,
    reg: float,
    tau: float = 1e10,
    weights: Any = None,
    numItermax: int = 1000,
    stopThr: float = 1e-4,
    verbose: bool = False,
    log: bool = False,
    warn: bool = True,
):
    r"""Entropic Wasserstein barycenter with absorption of large scalings.

    The problem of :func:`barycenter_sinkhorn`, by POT's stabilized iterations
    (Schmitzer 2019): :math:`u_c = a_c / K v_c`, the barycenter :math:`q` is
    the weighted geometric mean of the :math:`K^T u_c`, and
    :math:`v_c = q / K^T u_c`, with
    :math:`K_{ij} = e^{-(M_{ij} - \alpha_i - \beta_j)/\mathrm{reg}}`; when a
    scaling exceeds ``tau`` its row maximum is absorbed into the potentials
    :math:`\alpha, \beta` and ``K`` is rebuilt. At iteration 0 and every 10th
    iteration without absorption the error :math:`\max |u \odot Kv - A|` is
    recorded and the solve stops below ``stopThr``. Non-finite scalings warn
    "Numerical errors at iteration i" and return the previous barycenter.

    Parameters are those of :func:`barycenter_sinkhorn`, plus ``tau``
    (absorption threshold, default 1e10).

    Returns
    -------
    a : ndarray, shape (dim,)
    log : dict
        ``err``, ``niter``, ``logu``, ``logv`` (shape (dim, n_hists),
        :math:`\log(u + 10^{-16})`), only if ``log`` is True.

    Examples
    --------
    >>> import numpy as np, goot
    >>> A = np.array([[.5, 0.], [.5, .5], [0., .5]])
    >>> M = np.array([[0., 1., 4.], [1., 0., 1.], [4., 1., 0.]])
    >>> np.round(goot.bregman.barycenter_stabilized(A, M, 0.5), 6)
    array([0.252269, 0.495463, 0.252269])

    References
    ----------
    .. [1] Schmitzer, B. (2019). Stabilized sparse scaling algorithms for
       entropy regularized transport problems. SIAM Journal on Scientific
       Computing 41(3).
    """
    A, M, weights, dtype, numItermax = _prepare(A, M, weights, numItermax)
    dim, k = A.shape
    bar, logu, logv = np.empty(dim), np.empty((dim, k)), np.empty((dim, k))
    errs, info = _buffers(numItermax)
    call(
        "BregmanBarycenterStabilized", address(A), dim, k, address(M), _reg(reg),
        address(weights), address(bar), address(logu), address(logv), numItermax,
        float(stopThr), float(tau), address(errs), errs.shape[0], address(info),
    )  # fmt: skip
    status, it, breakdown, _, errors = _info(info, errs)
    if verbose:
        stopped = status == _OPTIMAL
        for e, err in enumerate(errors[:-1] if stopped else errors):
            # Errors come from iteration 0, then every 10th without absorption.
            # TODO(goot): after an absorption the printed iteration numbers
            # drift from POT's (Go does not report which checks it skipped)
            # (issue 3).
            it_e = 10 * e
            if it_e % 50 == 0:
                print(f"{'It.':5s}|{'Err':12s}" + "\n" + "-" * 19)
            print(f"{it_e:5d}|{err:8e}|")
    if breakdown >= 0:
        user_warning(f"Numerical errors at iteration {breakdown}")
    elif status != _OPTIMAL and warn:
        user_warning(_STABILIZED_NOT_CONVERGED)
    cast = (lambda x: x) if dtype == np.float64 else (lambda x: x.astype(dtype))
    return _finish(
        bar, dtype, it, errors, log, {"logu": cast(logu), "logv": cast(logv)}
    )


# method name → the function POT's barycenter dispatches to.
_BARYCENTER_METHODS = {
    "sinkhorn": barycenter_sinkhorn,
    "sinkhorn_stabilized": barycenter_stabilized,
    "sinkhorn_log": _barycenter_sinkhorn_log,
}


def _dispatch(table, method):
    fn = table.get(method.lower()) if isinstance(method, str) else None
    if fn is None:
        raise ValueError(f"Unknown method '{method}'.")
    return fn


@tensor_io()
def barycenter(
    A: Any,
    M: Any,
    reg: float,
    weights: Any = None,
    method: str = "sinkhorn",
    numItermax: int = 10000,
    stopThr: float = 1e-4,
    verbose: bool = False,
    log: bool = False,
    warn: bool = True,
    **kwargs: Any,
):
    r"""Entropic Wasserstein barycenter of histograms (POT's ``ot.barycenter``).

    .. math::
        \mathbf{a} = \arg\min_{\mathbf{a}} \sum_c w_c
        W_{\mathrm{reg}}(\mathbf{a}, \mathbf{a}_c)

    ``method`` (case-insensitive) is ``'sinkhorn'``
    (:func:`barycenter_sinkhorn`), ``'sinkhorn_stabilized'``
    (:func:`barycenter_stabilized`; ``tau`` through ``**kwargs``) or
    ``'sinkhorn_log'`` (the same iterations on log-scalings, with max-shifted
    log-sum-exps that cannot underflow at small ``reg``); anything else raises
    ``ValueError``. All run in Go over the histograms, the columns of ``A``.

    Parameters
    ----------
    A : array-like, shape (dim, n_hists)
        The histograms, one per column.
    M : array-like, shape (dim, dim)
        Ground cost.
    reg : float
        Entropic regularisation, > 0.
    weights : array-like, shape (n_hists,), optional
        Weights of the histograms (uniform by default).
    method : str, optional
        See above (default ``'sinkhorn'``).
    numItermax : int, optional
        Maximum number of iterations (default 10000).
    stopThr : float, optional
        Stopping threshold (default 1e-4; see each method).
    verbose, log, warn : bool, optional
        Print the error table; also return the log dict (``err``, ``niter``,
        plus ``logu``, ``logv`` for the stabilized method); warn when the
        solve did not converge.

    Returns
    -------
    a : ndarray, shape (dim,)
    log : dict
        Only if ``log`` is True.

    Examples
    --------
    >>> import numpy as np, goot
    >>> A = np.array([[.5, 0.], [.5, .5], [0., .5]])
    >>> M = np.array([[0., 1., 4.], [1., 0., 1.], [4., 1., 0.]])
    >>> np.round(goot.barycenter(A, M, 0.5, method="sinkhorn_log"), 6)
    array([0.252269, 0.495463, 0.252269])

    References
    ----------
    .. [1] Benamou, J.-D., Carlier, G., Cuturi, M., Nenna, L., Peyré, G.
       (2015). Iterative Bregman projections for regularized transportation
       problems. SIAM Journal on Scientific Computing 37(2).
    """
    fn = _dispatch(_BARYCENTER_METHODS, method)
    return fn(
        A, M, reg, weights=weights, numItermax=numItermax, stopThr=stopThr,
        verbose=verbose, log=log, warn=warn, **kwargs,
    )  # fmt: skip


def _barycenter_debiased(
    A: Any,
    M: Any,
    reg: float,
    weights: Any = None,
    numItermax: int = 1000,
    stopThr: float = 1e-4,
    verbose: bool = False,
    log: bool = False,
    warn: bool = True,
):
    return _kernel_or_log(
        "BregmanBarycenterDebiased", A, M, reg, weights, numItermax, stopThr,
        verbose, log, warn, 9,
    )  # fmt: skip


def _barycenter_debiased_log(
    A: Any,
    M: Any,
    reg: float,
    weights: Any = None,
    numItermax: int = 1000,
    stopThr: float = 1e-4,
    verbose: bool = False,
    log: bool = False,
    warn: bool = True,
):
    return _kernel_or_log(
        "BregmanBarycenterDebiasedLog", A, M, reg, weights, numItermax, stopThr,
        verbose, log, warn, 1,
    )  # fmt: skip


_DEBIASED_METHODS = {
    "sinkhorn": _barycenter_debiased,
    "sinkhorn_log": _barycenter_debiased_log,
}


@tensor_io()
def barycenter_debiased(
    A: Any,
    M: Any,
    reg: float,
    weights: Any = None,
    method: str = "sinkhorn",
    numItermax: int = 10000,
    stopThr: float = 1e-4,
    verbose: bool = False,
    log: bool = False,
    warn: bool = True,
    **kwargs: Any,
):
    r"""Debiased entropic Wasserstein barycenter (Janati et al. 2020).

    .. math::
        \mathbf{a} = \arg\min_{\mathbf{a}} \sum_c w_c
        S_{\mathrm{reg}}(\mathbf{a}, \mathbf{a}_c)

    with :math:`S_{\mathrm{reg}}` the Sinkhorn divergence, which removes the
    blur of :func:`barycenter`. POT's iterations run in Go: those of
    :func:`barycenter_sinkhorn` with the geometric mean multiplied by a
    debiasing vector ``c`` updated by :math:`c \leftarrow \sqrt{c \odot
    \mathbf{a} / K c}` (``method='sinkhorn'``, error
    :math:`\max|a - a_{prev}| / \max(\max a, 1)` at iterations 9, 19, …), or
    their log-domain form (``method='sinkhorn_log'``, 10 steps on ``log c``
    per iteration, error as :func:`barycenter`). The iteration is not
    monotone: the solve stops below ``stopThr`` only after iteration 20.
    Other methods raise ``ValueError``.

    Parameters are those of :func:`barycenter`.

    Returns
    -------
    a : ndarray, shape (dim,)
    log : dict
        ``err``, ``niter``, only if ``log`` is True.

    Examples
    --------
    >>> import numpy as np, goot
    >>> A = np.array([[.5, 0.], [.5, .5], [0., .5]])
    >>> M = np.array([[0., 1., 4.], [1., 0., 1.], [4., 1., 0.]])
    >>> np.round(goot.bregman.barycenter_debiased(A, M, 0.5), 6)
    array([0.153106, 0.693811, 0.153106])

    References
    ----------
    .. [1] Janati, H., Cuturi, M., Gramfort, A. (2020). Debiased Sinkhorn
       barycenters. International Conference on Machine Learning (ICML).
    """
    fn = _dispatch(_DEBIASED_METHODS, method)
    return fn(
        A, M, reg, weights=weights, numItermax=numItermax, stopThr=stopThr,
        verbose=verbose, log=log, warn=warn, **kwargs,
    )  # fmt: skip


@tensor_io()
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
