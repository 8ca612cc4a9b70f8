"""Unbalanced OT by L-BFGS-B on the primal (POT's ``lbfgsb_unbalanced``).

scipy's ``minimize`` drives the optimisation as in POT; the objective and its
gradient are evaluated in one pass by goot's Go package ``goot/unbalanced``
(``PrimalLoss``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.optimize import Bounds, minimize

from .._backend import tensor_io
from .._core import (
    InputError,
    address,
    as_float64,
    call,
    cost_matrix,
    weights_or_uniform,
)
from ._sinkhorn import _dtype, _number, _pair

__all__ = ["lbfgsb_unbalanced", "lbfgsb_unbalanced2"]

# goot/unbalanced's Penalty values.
_PENALTIES = {"kl": 0, "l2": 1, "tv": 2, "entropy": 3}


def _loss(a, b, M, c, reg, reg_a, reg_b, plan, marg, custom):
    """The objective and gradient scipy calls, flat in and out."""
    n, m = M.shape
    grad = np.empty((n, m))

    def fun(x):
        G = np.ascontiguousarray(x, dtype=np.float64).reshape(n, m)
        go_reg = 0.0 if custom else reg
        value = call(
            "UnbalancedPrimalLoss", address(a), n, address(b), m, address(M),
            address(c), address(G), address(grad), go_reg, reg_a, reg_b, plan, marg,
        )  # fmt: skip
        out = grad.ravel().copy()
        if custom and reg > 0:
            f, df = custom
            value += reg * f(G)
            out += reg * np.asarray(df(G), dtype=np.float64).ravel()
        return value, out

    return fun


@tensor_io()
def lbfgsb_unbalanced(
    a: Any,
    b: Any,
    M: Any,
    reg: float,
    reg_m: Any,
    c: Any = None,
    reg_div: Any = "kl",
    regm_div: str = "kl",
    G0: Any = None,
    numItermax: int = 1000,
    stopThr: float = 1e-15,
    method: str = "L-BFGS-B",
    verbose: bool = False,
    log: bool = False,
):
    r"""Unbalanced OT by a bounded quasi-Newton method; return the plan.

    Solves

    .. math::
        \min_{\gamma \ge 0} \langle \gamma, M \rangle
        + \mathrm{reg_{m1}}\, D_m(\gamma \mathbf{1}, a)
        + \mathrm{reg_{m2}}\, D_m(\gamma^\top \mathbf{1}, b)
        + \mathrm{reg}\, D(\gamma, c)

    with ``scipy.optimize.minimize`` (``method``, bounds ``[0, inf)``,
    ``tol=stopThr``) from ``G0`` (default ``a b^T``), as POT does; goot
    evaluates the objective and its gradient in one pass in Go.

    Parameters
    ----------
    a : array-like, shape (dim_a,)
        Source weights (uniform if empty).
    b : array-like, shape (dim_b,)
        Target weights (uniform if empty).
    M : array-like, shape (dim_a, dim_b)
        Cost matrix.
    reg : float
        Weight of the regularisation D (≥ 0).
    reg_m : float or pair of floats
        Marginal relaxation.
    c : array-like, shape (dim_a, dim_b), optional
        Reference measure (default ``a b^T``).
    reg_div : str or tuple
        D: ``"kl"``, ``"l2"``, ``"entropy"``, or a pair of callables
        ``(f, df)`` giving its value and gradient at a plan.
    regm_div : str
        D_m: ``"kl"``, ``"l2"`` or ``"tv"``.
    G0 : array-like, shape (dim_a, dim_b), optional
        Starting plan.
    numItermax : int
        Maximum number of iterations of the minimiser.
    stopThr : float
        Its tolerance.
    method : str
        The scipy method (default ``"L-BFGS-B"``).
    verbose : bool
        Let scipy print its progress.
    log : bool
        Also return a dict with ``cost``, ``res`` (scipy's result) and
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
    >>> G = goot.unbalanced.lbfgsb_unbalanced(
    ...     [.5, .5], [.5, .5], [[1., 36.], [9., 4.]], 0., 5, regm_div="l2")
    >>> G.round(4)
    array([[0.4, 0. ],
           [0. , 0.1]])

    References
    ----------
    .. [1] Chapel, L., Flamary, R., Wu, H., Févotte, C., Gasso, G. (2021).
       Unbalanced optimal transport through non-negative penalized linear
       regression. Advances in Neural Information Processing Systems
       (NeurIPS) 34.
    .. [2] Byrd, R. H., Lu, P., Nocedal, J., Zhu, C. (1995). A limited memory
       algorithm for bound constrained optimization. SIAM Journal on
       Scientific Computing 16(5), 1190-1208.
    """
    if not isinstance(regm_div, str) or regm_div.lower() not in ("kl", "l2", "tv"):
        raise ValueError(
            f"Unknown regm_div = {regm_div}. Must be either 'kl', 'l2' or 'tv'"
        )
    custom = None
    if isinstance(reg_div, tuple):
        custom, plan = reg_div, _PENALTIES["kl"]
    elif isinstance(reg_div, str) and reg_div.lower() in ("entropy", "kl", "l2"):
        plan = _PENALTIES[reg_div.lower()]
    else:
        raise ValueError(
            f"Unknown reg_div = {reg_div}. Must be either 'entropy', 'kl' or "
            "'l2', or a tuple"
        )
    marg = _PENALTIES[regm_div.lower()]
    dtype = _dtype(M, a, b)
    M = cost_matrix(M)
    n, m = M.shape
    a = weights_or_uniform(a, n, "a")
    b = weights_or_uniform(b, m, "b")
    reg_a, reg_b = _pair(reg_m)
    if not (0 < reg_a < np.inf and 0 < reg_b < np.inf):
        raise InputError(
            f"reg_m must be positive and finite for lbfgsb_unbalanced, got {reg_m!r}"
        )
    reg = _number(reg, "reg")
    if reg < 0 or reg != reg:
        raise InputError(f"reg must be non-negative, got {reg}")
    cc = np.outer(a, b) if c is None else as_float64(c, "c")
    G0 = np.outer(a, b) if G0 is None else as_float64(G0, "G0")
    if cc.shape != (n, m) or G0.shape != (n, m):
        raise InputError(f"c and G0 must have the shape of M {M.shape}")
    # The objective is evaluated as given (no Go solver checks the values).
    for x, name in ((a, "a"), (b, "b"), (cc, "c"), (G0, "G0")):
        if not np.isfinite(x).all() or (x < 0).any():
            raise InputError(f"{name} must hold finite nonnegative values")
    if not np.isfinite(M).all():
        raise InputError("M must hold finite costs for lbfgsb_unbalanced")

    fun = _loss(a, b, M, cc, reg, reg_a, reg_b, plan, marg, custom)
    res = minimize(
        fun,
        G0.ravel(),
        method=method,
        jac=True,
        bounds=Bounds(0, np.inf),
        tol=stopThr,
        options=dict(maxiter=numItermax, disp=True)
        if verbose
        else {"maxiter": numItermax},
    )
    G = res.x.reshape(n, m)
    out = G if dtype == np.float64 else G.astype(dtype)
    if not log:
        return out
    cost = dtype.type(np.sum(out * M))
    return out, {"cost": cost, "res": res, "total_cost": dtype.type(res.fun)}


@tensor_io()
def lbfgsb_unbalanced2(
    a: Any,
    b: Any,
    M: Any,
    reg: float,
    reg_m: Any,
    c: Any = None,
    reg_div: Any = "kl",
    regm_div: str = "kl",
    G0: Any = None,
    returnCost: str = "linear",
    numItermax: int = 1000,
    stopThr: float = 1e-15,
    method: str = "L-BFGS-B",
    verbose: bool = False,
    log: bool = False,
):
    r"""Unbalanced OT by L-BFGS-B; return its cost.

    Solves the problem of :func:`lbfgsb_unbalanced` and returns the linear
    cost (``returnCost="linear"``) or the objective (``"total"``); anything
    else raises ValueError.

    Parameters
    ----------
    a, b, M, reg, reg_m, c, reg_div, regm_div, G0, numItermax, stopThr, \
method, verbose, log
        As in :func:`lbfgsb_unbalanced`.
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
    >>> cost = goot.unbalanced.lbfgsb_unbalanced2(
    ...     [.5, .5], [.5, .5], [[1., 36.], [9., 4.]], 0., 5, regm_div="l2")
    >>> print(f"{cost:.4f}")
    0.8000

    References
    ----------
    .. [1] Chapel, L., Flamary, R., Wu, H., Févotte, C., Gasso, G. (2021).
       Unbalanced optimal transport through non-negative penalized linear
       regression. Advances in Neural Information Processing Systems
       (NeurIPS) 34.
    """
    _, log_lbfgs = lbfgsb_unbalanced(
        a, b, M, reg, reg_m, c=c, reg_div=reg_div, regm_div=regm_div, G0=G0,
        numItermax=numItermax, stopThr=stopThr, method=method, verbose=verbose,
        log=True,
    )  # fmt: skip
    if returnCost == "linear":
        cost = log_lbfgs["cost"]
    elif returnCost == "total":
        cost = log_lbfgs["total_cost"]
    else:
        raise ValueError(f"Unknown returnCost = {returnCost}")
    return (cost, log_lbfgs) if log else cost
