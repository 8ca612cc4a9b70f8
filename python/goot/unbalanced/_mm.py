"""Unbalanced OT by majorisation-minimisation (POT's ``mm_unbalanced``).

The iterations run in goot's Go package ``goot/unbalanced`` (``MM``); this
module checks the input and builds POT's return values and log dicts.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._backend import tensor_io
from .._core import (
    InputError,
    address,
    as_float64,
    call,
    cost_matrix,
    history_buffer,
    weights_or_uniform,
)
from ..lp._network_simplex import _check_iter
from ._sinkhorn import _GIVEN, _PRODUCT, _dtype, _number, _pair

__all__ = ["mm_unbalanced", "mm_unbalanced2"]

_INFO_LEN = 6
_OPTIMAL = 0
_DIVERGENCES = {"kl": 0, "l2": 1}
# With log=True POT keeps every iterate; goot runs the solve in chunks of this
# many iterations so that the history buffer grows with the iterations run.
_CHUNK = 64


def _kl(p, q):
    """POT's kl_div(p, q, mass=True): sum p log(p/q + 1e-16) + sum (q - p)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.sum(p * np.log(p / q + 1e-16)) + np.sum(q - p)


@tensor_io()
def mm_unbalanced(
    a: Any,
    b: Any,
    M: Any,
    reg_m: Any,
    c: Any = None,
    reg: float = 0,
    div: str = "kl",
    G0: Any = None,
    numItermax: int = 1000,
    stopThr: float = 1e-15,
    verbose: bool = False,
    log: bool = False,
):
    r"""Unbalanced OT by majorisation-minimisation; return the plan.

    Solves

    .. math::
        \min_{\gamma \ge 0} \langle \gamma, M \rangle
        + \mathrm{reg_{m1}}\, D(\gamma \mathbf{1}, a)
        + \mathrm{reg_{m2}}\, D(\gamma^\top \mathbf{1}, b)
        + \mathrm{reg}\, D(\gamma, c)

    with D the KL divergence (``div="kl"``) or half the squared L2 distance
    (``div="l2"``), by the multiplicative updates of Chapel et al. (2021),
    from ``G0`` (default ``a b^T``), until the Frobenius norm of the change
    is below ``stopThr``.

    Parameters
    ----------
    a : array-like, shape (dim_a,)
        Source weights (uniform if empty).
    b : array-like, shape (dim_b,)
        Target weights (uniform if empty).
    M : array-like, shape (dim_a, dim_b)
        Cost matrix.
    reg_m : float or pair of floats
        Marginal relaxation (> 0, finite).
    c : array-like, shape (dim_a, dim_b), optional
        Reference measure of the regularisation (default ``a b^T``).
    reg : float
        Weight of the regularisation (≥ 0, default 0).
    div : str
        ``"kl"`` or ``"l2"``; anything else raises ValueError.
    G0 : array-like, shape (dim_a, dim_b), optional
        Starting plan.
    numItermax : int
        Maximum number of iterations.
    stopThr : float
        Threshold on the change of the plan.
    verbose : bool
        Print the error of each iteration.
    log : bool
        Also return a dict with ``err``, ``G`` (every iterate), ``cost`` and
        ``total_cost``.

    Returns
    -------
    gamma : ndarray, shape (dim_a, dim_b)
        The plan.
    log : dict
        Only if ``log`` is True.

    Examples
    --------
    >>> import goot
    >>> G = goot.unbalanced.mm_unbalanced([.5, .5], [.5, .5], [[1., 36.], [9., 4.]], 5)
    >>> G.round(4)
    array([[0.4524, 0.    ],
           [0.    , 0.3352]])

    References
    ----------
    .. [1] Chapel, L., Flamary, R., Wu, H., Févotte, C., Gasso, G. (2021).
       Unbalanced optimal transport through non-negative penalized linear
       regression. Advances in Neural Information Processing Systems
       (NeurIPS) 34.
    """
    dtype = _dtype(M, a, b)
    M = cost_matrix(M)
    n, m = M.shape
    a = weights_or_uniform(a, n, "a")
    b = weights_or_uniform(b, m, "b")
    reg_a, reg_b = _pair(reg_m)
    reg = _number(reg, "reg")
    if not isinstance(div, str) or div.lower() not in _DIVERGENCES:
        raise ValueError(f"Unknown div = {div}. Must be either 'kl' or 'l2'")
    ref, cc = _PRODUCT, None
    if c is not None and reg > 0:
        ref, cc = _GIVEN, as_float64(c, "c")
        if cc.shape != (n, m):
            raise InputError(f"c must have the shape of M {M.shape}, got {cc.shape}")
    if G0 is None:
        G = np.empty((n, m))
    else:
        G = np.array(as_float64(G0, "G0"), dtype=np.float64)
        if G.shape != (n, m):
            raise InputError(f"G0 must have the shape of M {M.shape}, got {G.shape}")
    numItermax = _check_iter(numItermax)
    stopThr = _number(stopThr, "stopThr")
    divergence = _DIVERGENCES[div.lower()]

    errors: list = []
    history: list = []
    warm = G0 is not None
    if numItermax == 0 and not warm:
        G = a[:, None] * b[None, :]
    remaining = numItermax
    while remaining > 0:
        step = min(remaining, _CHUNK) if log else remaining
        hist = np.empty((step, n, m)) if log else None
        errs, info = history_buffer(step, every=1), np.empty(_INFO_LEN)
        call(
            "UnbalancedMM", address(a), n, address(b), m, address(M), reg, reg_a,
            reg_b, divergence, ref, address(cc), address(G), address(hist),
            0 if hist is None else hist.size, step, stopThr, warm, address(errs),
            errs.size, address(info),
        )  # fmt: skip
        status, iters, n_err = int(info[0]), int(info[1]), int(info[3])
        errors += [float(e) for e in errs[:n_err]]
        if log:
            history += [h.astype(dtype) for h in hist[:iters]]
        remaining -= iters
        warm = True
        if status == _OPTIMAL:
            break
    if verbose:
        for i, err in enumerate(errors):
            print(f"{i:5d}|{err:8e}|")

    out = G if dtype == np.float64 else G.astype(dtype)
    if not log:
        return out
    with np.errstate(invalid="ignore"):
        linear = np.sum(np.where(G > 0, G * M, 0.0))
    m1, m2 = G.sum(1), G.sum(0)
    if divergence == 0:
        total = linear + reg_a * _kl(m1, a) + reg_b * _kl(m2, b)
        if reg > 0:
            total += reg * _kl(G, a[:, None] * b[None, :] if cc is None else cc)
    else:
        total = linear + reg_a * 0.5 * np.sum((m1 - a) ** 2)
        total += reg_b * 0.5 * np.sum((m2 - b) ** 2)
        if reg > 0:
            ref_c = a[:, None] * b[None, :] if cc is None else cc
            total += reg * 0.5 * np.sum((G - ref_c) ** 2)
    log_dict = {
        "err": errors,
        "G": history,
        "cost": dtype.type(linear),
        "total_cost": dtype.type(total),
    }
    return out, log_dict


@tensor_io()
def mm_unbalanced2(
    a: Any,
    b: Any,
    M: Any,
    reg_m: Any,
    c: Any = None,
    reg: float = 0,
    div: str = "kl",
    G0: Any = None,
    returnCost: str = "linear",
    numItermax: int = 1000,
    stopThr: float = 1e-15,
    verbose: bool = False,
    log: bool = False,
):
    r"""Unbalanced OT by majorisation-minimisation; return its cost.

    Solves the problem of :func:`mm_unbalanced` and returns the linear cost
    :math:`\langle \gamma, M \rangle` (``returnCost="linear"``) or the whole
    objective (``returnCost="total"``); anything else raises ValueError.

    Parameters
    ----------
    a, b, M, reg_m, c, reg, div, G0, numItermax, stopThr, verbose, log
        As in :func:`mm_unbalanced`.
    returnCost : str
        ``"linear"`` or ``"total"``.

    Returns
    -------
    cost : float
        The cost (a numpy scalar).
    log : dict
        Only if ``log`` is True.

    Examples
    --------
    >>> import goot
    >>> cost = goot.unbalanced.mm_unbalanced2([.5, .5], [.5, .5],
    ...                                       [[1., 36.], [9., 4.]], 5)
    >>> print(f"{cost:.6f}")
    1.793059

    References
    ----------
    .. [1] Chapel, L., Flamary, R., Wu, H., Févotte, C., Gasso, G. (2021).
       Unbalanced optimal transport through non-negative penalized linear
       regression. Advances in Neural Information Processing Systems
       (NeurIPS) 34.
    """
    _, log_mm = mm_unbalanced(
        a, b, M, reg_m, c=c, reg=reg, div=div, G0=G0, numItermax=numItermax,
        stopThr=stopThr, verbose=verbose, log=True,
    )  # fmt: skip
    if returnCost == "linear":
        cost = log_mm["cost"]
    elif returnCost == "total":
        cost = log_mm["total_cost"]
    else:
        raise ValueError(f"Unknown returnCost = {returnCost}")
    return (cost, log_mm) if log else cost
