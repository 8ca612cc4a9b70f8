"""Exact optimal transport by network simplex: `emd`, `emd2` and dual helpers.

The solver is goot's Go network simplex (``goot/lp``); this module validates the
input, allocates the outputs and builds POT's return values, log dicts and
warnings around it.
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
    check_same_mass,
    cost_matrix,
    is_empty,
    rescale,
    result_dtype,
    total,
    weights_or_uniform,
)
from .._warnings import user_warning

__all__ = ["emd", "emd2", "center_ot_dual", "estimate_dual_null_weights"]

# POT's result codes (log["result_code"]) and the warning each one raises.
INFEASIBLE, OPTIMAL, UNBOUNDED, MAX_ITER_REACHED = 0, 1, 2, 3
_RESULT_WARNINGS = {
    INFEASIBLE: "Problem infeasible. Check that a and b are in the simplex",
    UNBOUNDED: "Problem unbounded",
    MAX_ITER_REACHED: (
        "numItermax reached before optimality. Try to increase numItermax."
    ),
}
# goot.Status (Go) → POT's result code.
_STATUS_TO_CODE = (OPTIMAL, INFEASIBLE, UNBOUNDED, MAX_ITER_REACHED)


def check_result(result_code: int) -> str | None:
    """Warn (UserWarning) about a non-optimal result and return the message."""
    message = _RESULT_WARNINGS.get(result_code)
    if message is not None:
        user_warning(message)
    return message


def _check_threads(numThreads: Any) -> None:
    if numThreads == 1 and type(numThreads) is int:
        return
    if numThreads is None or (
        isinstance(numThreads, str) and numThreads.lower() == "max"
    ):
        numThreads = -1
    elif not isinstance(numThreads, int) or numThreads < 1:
        raise ValueError(
            'numThreads should either be "max" or a strictly positive integer'
        )
    if numThreads != 1:
        user_warning(
            "numThreads is accepted for compatibility with POT and ignored: goot's "
            "network simplex runs on one core per problem (emd2 with several "
            "target histograms solves them in parallel).",
            DeprecationWarning,
        )


def _check_iter(numItermax: Any) -> int:
    """The pivot cap for Go; 0 means no cap, as in POT."""
    if type(numItermax) is int and numItermax >= 0:
        return min(numItermax, 2**62)
    if isinstance(numItermax, bool) or not isinstance(
        numItermax, (int, np.integer, float)
    ):
        raise TypeError(f"numItermax must be an integer, got {numItermax!r}")
    if isinstance(numItermax, float) and not numItermax.is_integer():
        raise TypeError(f"numItermax must be an integer, got {numItermax!r}")
    if numItermax < 0:
        raise ValueError(f"numItermax must be non-negative, got {numItermax}")
    return min(int(numItermax), 2**62)


# Relative mass mismatch below which b is passed as it is: the Go solver
# absorbs rounding-level differences (up to 1e-9) by itself.
_RESCALE_RTOL = 1e-12


def _prepare(a: Any, b: Any, M: Any, check_marginals: bool, multi_b: bool):
    """Validate shapes and masses of (a, b, M); return float64 arrays and the
    output dtype. The Go solver checks the values (NaN, -inf, negative).

    b is rescaled to a's mass as POT does (after the mass check, so only a
    small mismatch is ever rescaled unless check_marginals is False).
    """
    dtype = result_dtype(a, b, M)
    M = cost_matrix(M)
    n, m = M.shape
    a = weights_or_uniform(a, n, "a")
    if type(b) is np.ndarray and b.ndim == 1:
        pass  # the common case: weights_or_uniform below does the rest
    elif not is_empty(b):
        b = as_float64(b, "b")
        if b.ndim == 2 and not multi_b:
            raise InputError(
                f"b must be one-dimensional for emd, got shape {b.shape}; "
                "emd2 accepts several target histograms as columns of b"
            )
    if multi_b and type(b) is np.ndarray and b.ndim == 2:
        if b.shape[0] != m:
            raise InputError(
                f"Dimension mismatch: b has shape {b.shape}, the cost matrix needs "
                f"{m} rows"
            )
        _check_columns(b)
        sa, sb = total(a, "a"), b.sum(0)
        if check_marginals:
            for c, s in enumerate(sb):
                check_same_mass(sa, float(s), f"a and b[:, {c}]")
        columns = [rescale(b[:, c], sa, s) if s else b[:, c] for c, s in enumerate(sb)]
        return a, np.stack(columns, 1) if columns else b, M, dtype
    b = weights_or_uniform(b, m, "b")
    sa, sb = total(a, "a"), total(b, "b")
    if check_marginals:
        check_same_mass(sa, sb)
    if sb != 0 and abs(sa - sb) > _RESCALE_RTOL * max(sa, sb):
        b = rescale(b, sa, sb)
    return a, b, M, dtype


def _check_columns(b: np.ndarray) -> None:
    """Name the (row, column) of a bad weight in a 2-D b (Go would give a flat
    index)."""
    bad = ~np.isfinite(b) | (b < 0)
    if bad.any():
        i, c = (int(k) for k in np.argwhere(bad)[0])
        x = b[i, c]
        problem = "NaN" if np.isnan(x) else ("infinite" if np.isinf(x) else "negative")
        raise InputError(f"b: {problem} weight {x:g} at row {i}, column {c}")


@tensor_io(detached=True)  # POT: the plan carries no gradient
def emd(
    a: Any,
    b: Any,
    M: Any,
    numItermax: int = 100000,
    log: bool = False,
    center_dual: bool = True,
    numThreads: int | str = 1,
    check_marginals: bool = True,
    potentials_init: Any = None,
):
    r"""Solve the exact (Earth Mover's) optimal transport problem; return the plan.

    .. math::
        \gamma^\star = \arg\min_{\gamma \ge 0} \langle \gamma, \mathbf{M} \rangle_F
        \quad \text{s.t.} \quad \gamma \mathbf{1} = \mathbf{a}, \;
        \gamma^T \mathbf{1} = \mathbf{b}

    solved by goot's network simplex (block-search pricing, strongly feasible
    trees, exact handling of zero weights and of forbidden pairs ``M = +inf``).

    Parameters
    ----------
    a : array-like, shape (ns,)
        Source weights (non-negative). ``None`` or ``[]`` means uniform ``1/ns``.
    b : array-like, shape (nt,)
        Target weights, same total mass as ``a`` (relative tolerance 1e-6; ``b``
        is then rescaled to ``a``'s mass). ``None`` or ``[]`` means uniform.
    M : array-like, shape (ns, nt)
        Ground cost. ``+inf`` forbids a pair; NaN and ``-inf`` are errors.
    numItermax : int, optional
        Maximum number of simplex pivots (default 100000, as POT). When it is
        reached a ``UserWarning`` is raised and the current plan is returned.
    log : bool, optional
        If True also return a dict with ``cost``, ``u``, ``v`` (dual
        potentials), ``warning`` and ``result_code`` (0 infeasible, 1 optimal,
        2 unbounded, 3 iteration limit).
    center_dual : bool, optional
        Shift the potentials so that ``a @ u == b @ v`` (default True).
    numThreads : int or "max", optional
        Accepted for compatibility with POT and ignored (a DeprecationWarning
        is raised when it is not 1).
    check_marginals : bool, optional
        Check that ``a`` and ``b`` have the same mass (default True).
    potentials_init : tuple of arrays, optional
        Accepted for compatibility with POT's warm start; goot starts from its
        own initial basis, so the result is the same optimum.

    Returns
    -------
    gamma : ndarray, shape (ns, nt)
        Optimal plan, float32 if the weights (or ``M`` when both are empty) are
        float32, else float64. Integer inputs give a float64 plan, never a
        truncated one.
    log : dict
        Only if ``log`` is True.

    Raises
    ------
    ValueError
        On a shape mismatch, NaN, negative weights or different masses (the
        exception is also an ``AssertionError``, as POT raises there).

    Examples
    --------
    >>> import goot
    >>> goot.emd([0.5, 0.5], [0.5, 0.5], [[0.0, 1.0], [1.0, 0.0]])
    array([[0.5, 0. ],
           [0. , 0.5]])

    References
    ----------
    .. [1] Bonneel, N., van de Panne, M., Paris, S., Heidrich, W. (2011).
       Displacement interpolation using Lagrangian mass transport. ACM
       Transactions on Graphics (SIGGRAPH Asia), 30(6).
    .. [2] Ahuja, R. K., Magnanti, T. L., Orlin, J. B. (1993). Network Flows.
       Prentice Hall.
    """
    numItermax = _check_iter(numItermax)
    _check_threads(numThreads)
    a, b, M, dtype = _prepare(a, b, M, check_marginals, multi_b=False)
    G, cost, u, v, code = _solve(a, b, M, numItermax, center_dual, want_plan=True)
    message = check_result(code)
    if dtype != np.float64:
        G = G.astype(dtype)
    if log:
        return G, _log(cost, u, v, message, code, dtype)
    return G


def _emd2_grad(args: dict, attach: Any) -> Any:
    """emd2 with POT's gradients (see goot._backend.tensor_io): the plan in M,
    the dual potentials centred to mean 0 in a and b. With 2-D b, a list of
    values as emd2 returns, each with the plan and potentials of its column."""
    a, b, M = args["a"], args["b"], args["M"]
    want_log = args["log"] or args["return_matrix"]
    options = {k: v for k, v in args.items() if k not in ("a", "b", "M")}
    options.update(log=True, return_matrix=True)

    def solve(column: Any, grad_b: Any) -> Any:
        cost, out = emd2(a, column, M, **options)
        u, v = (np.asarray(out[key], dtype=np.float64) for key in ("u", "v"))
        value = attach(cost, a=u - u.mean(), b=grad_b(v - v.mean()), M=out["G"])
        if not args["return_matrix"]:
            del out["G"]
        out["cost"] = value
        return [value, out] if want_log else value

    if is_empty(b) or np.ndim(b) == 1:
        return solve(b, lambda dv: dv)
    # TODO(goot): one batched call returning the k plans, as without gradients
    # (issue 7).
    b = np.asarray(b)

    def in_column(c: int) -> Any:
        def grad_b(dv: np.ndarray) -> np.ndarray:
            full = np.zeros(b.shape)
            full[:, c] = dv
            return full

        return grad_b

    return [
        solve(np.ascontiguousarray(b[:, c]), in_column(c)) for c in range(b.shape[1])
    ]


@tensor_io(grad=_emd2_grad)
def emd2(
    a: Any,
    b: Any,
    M: Any,
    processes: int = 1,
    numItermax: int = 100000,
    log: bool = False,
    return_matrix: bool = False,
    center_dual: bool = True,
    numThreads: int | str = 1,
    check_marginals: bool = True,
    potentials_init: Any = None,
):
    r"""Solve the exact optimal transport problem; return its cost.

    .. math::
        W = \min_{\gamma \ge 0} \langle \gamma, \mathbf{M} \rangle_F
        \quad \text{s.t.} \quad \gamma \mathbf{1} = \mathbf{a}, \;
        \gamma^T \mathbf{1} = \mathbf{b}

    Parameters are those of :func:`emd`, plus:

    b : array-like, shape (nt,) or (nt, k)
        Target weights; with k columns, k problems are solved (in parallel on
        all cores) and a list of k results is returned.
    processes : int, optional
        Deprecated in POT, accepted and ignored (a UserWarning when it is > 1
        and ``b`` has several columns, as in POT).
    return_matrix : bool, optional
        If True, return ``[cost, log]`` with the plan in ``log["G"]``.

    With torch tensors the cost has POT's gradients: the plan in ``M`` and the
    dual potentials minus their mean in ``a`` and ``b`` (for each column of a
    2-D ``b``), scaled by the incoming gradient.

    Returns
    -------
    W : float
        The optimal cost, or ``[W, log]`` when ``log`` or ``return_matrix``
        is True, or a list of those when ``b`` has several columns.

    Examples
    --------
    >>> import goot
    >>> goot.emd2([0.5, 0.5], [0.5, 0.5], [[0.0, 1.0], [1.0, 0.0]])
    0.0

    References
    ----------
    .. [1] Bonneel, N., van de Panne, M., Paris, S., Heidrich, W. (2011).
       Displacement interpolation using Lagrangian mass transport. ACM
       Transactions on Graphics (SIGGRAPH Asia), 30(6).
    """
    numItermax = _check_iter(numItermax)
    _check_threads(numThreads)
    a, b, M, dtype = _prepare(a, b, M, check_marginals, multi_b=True)
    with_log = log or return_matrix

    if b.ndim == 1:
        G, cost, u, v, code = _solve(
            a, b, M, numItermax, center_dual, want_plan=return_matrix
        )
        message = check_result(code)
        if not with_log:
            return cost
        out = _log(cost, u, v, message, code, dtype)
        if return_matrix:
            out["G"] = G if dtype == np.float64 else G.astype(dtype)
        return [cost, out]

    if b.shape[1] == 0:
        return []
    if processes > 1:
        user_warning(
            "processes is deprecated (as in POT) and ignored: goot already solves "
            "the columns of b in parallel."
        )
    if return_matrix:
        columns = [np.ascontiguousarray(b[:, c]) for c in range(b.shape[1])]
        return [
            emd2(
                a,
                col,
                M,
                numItermax=numItermax,
                log=log,
                return_matrix=True,
                center_dual=center_dual,
                check_marginals=False,
            )
            for col in columns
        ]
    costs, codes, U, V = _solve_batch(a, b, M, numItermax, center_dual, with_log)
    results = []
    for c in range(b.shape[1]):
        message = check_result(codes[c])
        if with_log:
            results.append(
                [costs[c], _log(costs[c], U[:, c], V[:, c], message, codes[c], dtype)]
            )
        else:
            results.append(costs[c])
    return results


def _solve(a, b, M, numItermax, center_dual, want_plan):
    """One network-simplex solve in Go; returns (G, cost, u, v, result_code)."""
    n, m = M.shape
    G = np.empty((n, m)) if want_plan else None
    out = np.empty(n + m + 3)  # u, v and [cost, status, pivots] in one buffer
    base = address(out)
    call(
        "LPEMD", address(a), n, address(b), m, address(M), address(G),
        base, base + 8 * n, numItermax, not center_dual, base + 8 * (n + m),
    )  # fmt: skip
    cost, status = float(out[n + m]), int(out[n + m + 1])
    return G, cost, out[:n], out[n : n + m], _STATUS_TO_CODE[status]


def _solve_batch(a, b, M, numItermax, center_dual, want_duals):
    """Solve one problem per column of b in parallel in Go."""
    n, m = M.shape
    k = b.shape[1]
    U = np.empty((n, k)) if want_duals else None
    V = np.empty((m, k)) if want_duals else None
    info = np.empty((k, 3))
    call(
        "LPEMDBatch", address(a), n, address(b), m, k, address(M), address(U),
        address(V), numItermax, not center_dual, address(info),
    )  # fmt: skip
    costs = [float(c) for c in info[:, 0]]
    codes = [_STATUS_TO_CODE[int(s)] for s in info[:, 1]]
    return costs, codes, U, V


def _log(cost, u, v, message, code, dtype):
    if dtype != np.float64:
        u, v = u.astype(dtype), v.astype(dtype)
    return {"cost": cost, "u": u, "v": v, "warning": message, "result_code": code}


@tensor_io()
def center_ot_dual(alpha0, beta0, a=None, b=None):
    r"""Shift dual potentials by a constant so that both sides weigh the same.

    Returns ``(alpha0 + c, beta0 - c)`` with ``c`` chosen so that
    :math:`\mathbf{a}^T\alpha = \mathbf{b}^T\beta`; the objective
    :math:`\mathbf{a}^T\alpha + \mathbf{b}^T\beta` does not change. ``a`` and
    ``b`` default to uniform weights.
    """
    alpha0 = np.asarray(alpha0, dtype=np.float64)
    beta0 = np.asarray(beta0, dtype=np.float64)
    a = np.full(alpha0.shape[0], 1.0 / alpha0.shape[0]) if is_empty(a) else a
    b = np.full(beta0.shape[0], 1.0 / beta0.shape[0]) if is_empty(b) else b
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.ndim != alpha0.ndim:
        a = np.repeat(a[..., None], alpha0.shape[-1], -1)
    if b.ndim != beta0.ndim:
        b = np.repeat(b[..., None], beta0.shape[-1], -1)
    c = ((b * beta0).sum(0) - (a * alpha0).sum(0)) / (a.sum(0) + b.sum(0))
    return alpha0 + c, beta0 - c


@tensor_io()
def estimate_dual_null_weights(alpha0, beta0, a, b, M):
    r"""Make the potentials of zero-weight points feasible, then centre them.

    For each point of zero weight the potential is lowered by its largest
    violation of :math:`\alpha_i + \beta_j \le M_{ij}` (if any); points with
    weight keep their potentials, so the objective does not change.
    """
    alpha0 = np.asarray(alpha0, dtype=np.float64)
    beta0 = np.asarray(beta0, dtype=np.float64)
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    violation = alpha0[:, None] + beta0[None, :] - np.asarray(M, dtype=np.float64)
    alpha = alpha0 - (a == 0) * np.maximum(violation.max(1), 0)
    beta = beta0 - (b == 0) * np.maximum(violation.max(0), 0)
    return center_ot_dual(alpha, beta, a, b)
