"""Exact optimal transport on the line: `emd_1d`, `emd2_1d`, `wasserstein_1d`.

Sorting and the monotone (north-west) coupling run in Go; this module validates
the input and shapes POT's return values.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np
import scipy.sparse

from .._backend import tensor_io
from .._core import (
    InputError,
    address,
    as_float64,
    call,
    check_same_mass,
    rescale,
    total,
    weights_or_uniform,
)

__all__ = ["emd_1d", "emd2_1d", "wasserstein_1d", "PlanTuple"]

# A coupling in coordinate form, as POT's wasserstein_1d(return_plans="coo_tuple").
PlanTuple = namedtuple("PlanTuple", ["data", "rows", "cols"])

_METRICS_1D = ("sqeuclidean", "minkowski", "cityblock", "euclidean")


def _points(x: Any, name: str) -> np.ndarray:
    arr = as_float64(x, name)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr.reshape(-1)
    if arr.ndim != 1:
        raise InputError(
            f"{name}: emd_1d needs one-dimensional points (shape (n,) or (n, 1)), "
            f"got shape {arr.shape}"
        )
    if arr.shape[0] == 0:
        raise InputError(f"{name}: no points")
    if not np.isfinite(arr).all():
        raise InputError(f"{name}: NaN or infinite point coordinates")
    return arr


def _solve_1d(x_a, x_b, a, b, metric, p, check_marginals, want_plan):
    if not isinstance(metric, str) or metric not in _METRICS_1D:
        raise ValueError(
            f"metric {metric!r} is not supported by the 1-D solver: use one of "
            f"{list(_METRICS_1D)}, or goot.emd2 on goot.dist(x_a, x_b, metric)"
        )
    dtype = x_a.dtype if getattr(x_a, "dtype", None) == np.float32 else np.float64
    x = _points(x_a, "x_a")
    y = _points(x_b, "x_b")
    n, m = x.shape[0], y.shape[0]
    a = weights_or_uniform(a, n, "a", "x_a has")
    b = weights_or_uniform(b, m, "b", "x_b has")
    sa, sb = total(a, "a"), total(b, "b")
    if check_marginals:
        check_same_mass(sa, sb)
    if sb != 0 and sa != sb:
        b = rescale(b, sa, sb)
    if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)):
        raise TypeError(f"p must be a real number, got {p!r}")
    if metric == "minkowski" and not p > 0:
        raise ValueError(f"p must be positive for the minkowski metric, got {p}")

    k = n + m - 1
    rows = np.empty(k, dtype=np.int64) if want_plan else None
    cols = np.empty(k, dtype=np.int64) if want_plan else None
    mass = np.empty(k) if want_plan else None
    info = np.empty(1)
    nnz = call(
        "LPEMD1D",
        address(x),
        address(a),
        n,
        address(y),
        address(b),
        m,
        metric,
        float(p),
        address(rows),
        address(cols),
        address(mass),
        address(info),
    )
    cost = float(info[0])
    if not want_plan:
        return cost, None, dtype, (n, m)
    return cost, (rows[:nnz], cols[:nnz], mass[:nnz]), dtype, (n, m)


@tensor_io()
def emd_1d(
    x_a: Any,
    x_b: Any,
    a: Any = None,
    b: Any = None,
    metric: str = "sqeuclidean",
    p: float = 1.0,
    dense: bool = True,
    log: bool = False,
    check_marginals: bool = True,
):
    r"""Exact optimal transport plan between two weighted point sets on the line.

    .. math::
        \gamma^\star = \arg\min_{\gamma \ge 0}
        \sum_{i,j} \gamma_{ij}\, d(x_a[i], x_b[j])
        \quad \text{s.t.} \quad \gamma \mathbf{1} = \mathbf{a}, \;
        \gamma^T \mathbf{1} = \mathbf{b}

    For a convex ground cost the monotone coupling of the sorted points is
    optimal, so the problem is solved by two sorts and one merge,
    :math:`O((n+m)\log(n+m))`.

    Parameters
    ----------
    x_a : array-like, shape (ns,) or (ns, 1)
        Source points.
    x_b : array-like, shape (nt,) or (nt, 1)
        Target points.
    a, b : array-like, optional
        Weights (uniform if ``None`` or empty); equal masses (relative
        tolerance 1e-6; ``b`` is rescaled to ``a``'s mass).
    metric : str, optional
        ``'sqeuclidean'`` (default), ``'euclidean'``, ``'cityblock'`` or
        ``'minkowski'`` (cost ``|x - y|**p``). Others raise ValueError.
    p : float, optional
        Exponent of the minkowski metric (default 1).
    dense : bool, optional
        Return a dense array (default) or a ``scipy.sparse.coo_array``.
    log : bool, optional
        Also return a dict with ``cost`` and the row and column indices of the
        plan's entries (``perms_x_a``, ``perms_x_b``).
    check_marginals : bool, optional
        Check that ``a`` and ``b`` have the same mass (default True).

    Returns
    -------
    gamma : ndarray or coo_array, shape (ns, nt)
    log : dict
        Only if ``log`` is True.

    Examples
    --------
    >>> import goot
    >>> goot.emd_1d([2.0, 0.0], [0.0, 3.0])
    array([[0. , 0.5],
           [0.5, 0. ]])

    References
    ----------
    .. [1] Peyré, G., Cuturi, M. (2019). Computational Optimal Transport.
       Foundations and Trends in Machine Learning, 11(5-6), §2.6.
    """
    cost, (rows, cols, mass), dtype, shape = _solve_1d(
        x_a, x_b, a, b, metric, p, check_marginals, want_plan=True
    )
    G = scipy.sparse.coo_array((mass.astype(dtype), (rows, cols)), shape=shape)
    if dense:
        G = G.toarray()
    if log:
        return G, {"cost": cost, "perms_x_a": rows, "perms_x_b": cols}
    return G


@tensor_io()
def emd2_1d(
    x_a: Any,
    x_b: Any,
    a: Any = None,
    b: Any = None,
    metric: str = "sqeuclidean",
    p: float = 1.0,
    dense: bool = True,
    log: bool = False,
):
    r"""Exact optimal transport cost between two weighted point sets on the line.

    The cost of :func:`emd_1d`'s plan: :math:`\sum_{ij} \gamma^\star_{ij}
    d(x_a[i], x_b[j])`, computed without forming the plan unless ``log`` is
    True (then ``log["G"]`` holds it, dense or sparse as ``dense`` says).

    Examples
    --------
    >>> import goot
    >>> goot.emd2_1d([0.0, 1.0], [1.0, 2.0])
    1.0
    """
    if not log:
        return _solve_1d(x_a, x_b, a, b, metric, p, True, want_plan=False)[0]
    G, info = emd_1d(x_a, x_b, a, b, metric=metric, p=p, dense=dense, log=True)
    return info["cost"], {"G": G}


# ---------------------------------------------------------------------------
# Gradients for PyTorch callers (see goot._backend.tensor_io).


def quantile_gradients(U, V, uw, vw, p, require_sort):
    """Gradients of W_p^p through the sorted matching, column by column.

    W_p^p = sum_k (q_k - q_{k-1}) |u_(i_k) - v_(j_k)|^p over the merged
    cumulative weights q (the quantile merge of `wasserstein_1d`). Held fixed:
    the matching (i_k, j_k); differentiated: the matched values and, through
    the cumulative sums, the weights: the gradients POT's torch backend gives
    (it sorts and searches with the same rule). U (n, k), V (m, k); uw, vw None
    (uniform), 1-D (shared) or (n, k). Returns (dU, dV, dWu, dWv), all (·, k).
    """
    (n, k), m = U.shape, V.shape[0]
    grads = np.zeros((n, k)), np.zeros((m, k)), np.zeros((n, k)), np.zeros((m, k))
    for c in range(k):
        wu = np.full(n, 1.0 / n) if uw is None else (uw if uw.ndim == 1 else uw[:, c])
        wv = np.full(m, 1.0 / m) if vw is None else (vw if vw.ndim == 1 else vw[:, c])
        column = _quantile_gradients(U[:, c], V[:, c], wu, wv, p, require_sort)
        for g, gc in zip(grads, column):
            g[:, c] = gc
    return grads


def _quantile_gradients(u, v, wu, wv, p, require_sort):
    n, m = u.shape[0], v.shape[0]
    su = np.argsort(u, kind="stable") if require_sort else np.arange(n)
    sv = np.argsort(v, kind="stable") if require_sort else np.arange(m)
    both = np.concatenate((np.cumsum(wu[su]), np.cumsum(wv[sv])))
    order = np.argsort(both, kind="stable")
    qs = both[order]
    iu = np.minimum(np.searchsorted(both[:n], qs, side="left"), n - 1)
    iv = np.minimum(np.searchsorted(both[n:], qs, side="left"), m - 1)
    delta = np.diff(qs, prepend=0.0)
    d = u[su][iu] - v[sv][iv]
    cost = np.abs(d) ** p
    slope = np.sign(d) if p == 1 else p * np.abs(d) ** (p - 1) * np.sign(d)

    # In the values: each level moves its two matched points.
    du, dv = np.zeros(n), np.zeros(m)
    du[su] = np.bincount(iu, delta * slope, minlength=n)
    dv[sv] = np.bincount(iv, -delta * slope, minlength=m)

    # In the weights: d/dq_k = cost_k - cost_(k+1); a cumulative sum passes its
    # gradient to every weight before it (a reversed cumulative sum).
    dq = np.empty(n + m)
    dq[order] = cost - np.append(cost[1:], 0.0)
    dwu, dwv = np.zeros(n), np.zeros(m)
    dwu[su] = np.cumsum(dq[:n][::-1])[::-1]
    dwv[sv] = np.cumsum(dq[n:][::-1])[::-1]
    return du, dv, dwu, dwv


def _wasserstein_1d_grad(args: dict, attach: Any) -> Any:
    """wasserstein_1d with gradients in the values and the weights."""
    result = wasserstein_1d(**args)
    value = result[0] if args["return_plans"] else result
    U = as_float64(args["u_values"], "u_values")
    V = as_float64(args["v_values"], "v_values")
    (n, *batch), m = U.shape, V.shape[0]
    k = int(np.prod(batch))
    if k == 0:
        return result
    U2, V2 = U.reshape(n, k), V.reshape(m, k)
    uw = _weights_1d(args["u_weights"], n, k, U.shape, "u_weights")
    vw = _weights_1d(args["v_weights"], m, k, V.shape, "v_weights")
    dU, dV, dWu, dWv = quantile_gradients(
        U2, V2, uw, vw, float(args["p"]), args["require_sort"]
    )

    # The value has one entry per column: vector-Jacobian products.
    def per_column(g, shape):
        return lambda grad_output: (g * grad_output.reshape(1, k)).reshape(shape)

    def weights(g, w, shape):
        if w is not None and w.ndim == 1:  # shared by the columns
            return lambda grad_output: g @ grad_output.reshape(k)
        return per_column(g, shape)

    value = attach(
        value,
        u_values=per_column(dU, U.shape),
        v_values=per_column(dV, V.shape),
        u_weights=weights(dWu, uw, U.shape),
        v_weights=weights(dWv, vw, V.shape),
    )
    return (value, result[1]) if args["return_plans"] else value


@tensor_io(grad=_wasserstein_1d_grad)
def wasserstein_1d(
    u_values: Any,
    v_values: Any,
    u_weights: Any = None,
    v_weights: Any = None,
    p: float = 1,
    require_sort: bool = True,
    return_plans: bool = False,
):
    r"""The p-th power of the p-Wasserstein distance between measures on the line.

    .. math::
        W_p^p(u, v) = \int_0^1 |F_u^{-1}(q) - F_v^{-1}(q)|^p \, dq

    computed exactly from the merged cumulative weights. Batched: with values of
    shape (n, k) the k columns are k independent problems (weights of shape
    (n,) are shared by all columns, (n, k) are per column). Weights are not
    normalised: measures of equal mass s give s times the normalised value.

    Parameters
    ----------
    u_values : array-like, shape (n, ...)
    v_values : array-like, shape (m, ...)
    u_weights, v_weights : array-like, optional
        Uniform (1/n, 1/m) if None.
    p : float, optional
        Order, at least 1 (default 1).
    require_sort : bool, optional
        Sort the values first (default True). With False they must already be
        sorted along the first axis.
    return_plans : bool or "coo_tuple", optional
        Also return the optimal couplings, one per column, as
        ``scipy.sparse.coo_array`` (or as ``PlanTuple(data, rows, cols)`` with
        ``"coo_tuple"``).

    Returns
    -------
    cost : float or ndarray of shape (...)

    Raises
    ------
    ValueError
        If the two measures have different total masses, p < 1, or a value or
        weight is NaN.

    With torch tensors the value has gradients in the values and the weights
    through the sorted matching (POT's torch gradients).

    Examples
    --------
    >>> import numpy as np, goot
    >>> float(goot.wasserstein_1d(np.array([0.0, 1.0]), np.array([1.0, 2.0]), p=2))
    1.0

    References
    ----------
    .. [1] Peyré, G., Cuturi, M. (2019). Computational Optimal Transport.
       Foundations and Trends in Machine Learning, 11(5-6), Remark 2.30.
    """
    if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)):
        raise TypeError(f"p must be a real number, got {p!r}")
    if not p >= 1:
        # InputError: POT asserts here, so this is an AssertionError too.
        raise InputError(f"p must be at least 1 for a Wasserstein distance, got {p}")
    dtype = np.float32 if getattr(u_values, "dtype", None) == np.float32 else np.float64
    U = as_float64(u_values, "u_values")
    V = as_float64(v_values, "v_values")
    if U.ndim == 0 or V.ndim == 0:
        raise InputError("u_values and v_values must have at least one dimension")
    if U.shape[1:] != V.shape[1:]:
        raise InputError(
            f"u_values and v_values have different batch shapes {U.shape[1:]} and "
            f"{V.shape[1:]}"
        )
    n, m = U.shape[0], V.shape[0]
    if n == 0 or m == 0:
        raise InputError("u_values and v_values must not be empty")
    batch_shape = U.shape[1:]
    k = int(np.prod(batch_shape)) if batch_shape else 1
    if k == 0:  # an empty batch, as POT returns it
        return (
            (np.zeros(batch_shape, dtype=dtype), [])
            if return_plans
            else (np.zeros(batch_shape, dtype=dtype))
        )
    U2 = U.reshape(n, k)
    V2 = V.reshape(m, k)
    if not (np.isfinite(U2).all() and np.isfinite(V2).all()):
        raise InputError("u_values and v_values: NaN or infinite values")
    uw = _weights_1d(u_weights, n, k, U.shape, "u_weights")
    vw = _weights_1d(v_weights, m, k, V.shape, "v_weights")
    _check_masses_1d(uw, vw, n, m, k)

    values = np.empty(k)
    call(
        "LPWasserstein1D", address(U2), n, address(V2), m, k,
        address(uw), 0 if uw is None else uw.size,
        address(vw), 0 if vw is None else vw.size,
        float(p), not require_sort, address(values),
    )  # fmt: skip
    values = values.astype(dtype, copy=False)
    result = values.reshape(batch_shape) if batch_shape else values[0]
    if return_plans:
        plans = _wasserstein_1d_plans(U2, V2, uw, vw, n, m, k, require_sort)
        if return_plans == "coo_tuple":
            plans = [PlanTuple(G.data, G.row, G.col) for G in plans]
        return result, plans
    return result


def _weights_1d(w, n, k, values_shape, name):
    if w is None:
        return None
    arr = as_float64(w, name)
    if arr.ndim == 1 and arr.shape[0] == n:
        return arr
    if arr.shape == values_shape:
        return np.ascontiguousarray(arr.reshape(n, k))
    shapes = f"({n},)" if values_shape == (n,) else f"({n},) or {values_shape}"
    raise InputError(f"{name} has shape {arr.shape}; it must have shape {shapes}")


def _check_masses_1d(uw, vw, n, m, k):
    su = _masses_1d(uw, n, k, "u_weights")
    sv = _masses_1d(vw, m, k, "v_weights")
    names = "u_weights and v_weights"
    for c in range(k):
        check_same_mass(
            float(su[c]), float(sv[c]), names if k == 1 else f"{names} [{c}]"
        )


def _masses_1d(w, n, k, name):
    if w is None:
        return np.ones(k)
    with np.errstate(over="ignore"):
        s = np.broadcast_to(w.reshape(n, -1).sum(0), k)
    if not np.isfinite(s).all() and np.isfinite(w).all():
        raise InputError(f"{name}: the weights overflow when summed")
    return s


def _wasserstein_1d_plans(U, V, uw, vw, n, m, k, require_sort):
    """The optimal couplings, by the quantile merge in numpy (POT's layout:
    one entry per merged quantile level, with row and column indices)."""
    plans = []
    for c in range(k):
        u, v = U[:, c], V[:, c]
        wu = np.full(n, 1.0 / n) if uw is None else (uw if uw.ndim == 1 else uw[:, c])
        wv = np.full(m, 1.0 / m) if vw is None else (vw if vw.ndim == 1 else vw[:, c])
        su = np.argsort(u, kind="stable") if require_sort else np.arange(n)
        sv = np.argsort(v, kind="stable") if require_sort else np.arange(m)
        cu, cv = np.cumsum(wu[su]), np.cumsum(wv[sv])
        qs = np.sort(np.concatenate((cu, cv)))
        iu = np.minimum(np.searchsorted(cu, qs, side="left"), n - 1)
        iv = np.minimum(np.searchsorted(cv, qs, side="left"), m - 1)
        delta = np.diff(qs, prepend=0.0)
        plans.append(scipy.sparse.coo_array((delta, (su[iu], sv[iv])), shape=(n, m)))
    return plans
