"""Utilities of POT's ``ot.utils`` that goot provides: `dist` and `unif`."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.spatial.distance import cdist

from ._backend import tensor_io
from ._core import InputError, address, as_float64, call

__all__ = ["dist", "unif", "list_to_array"]

# Metrics computed by goot's Go kernels; every other scipy metric goes to cdist.
_GO_METRICS = ("sqeuclidean", "euclidean", "cityblock", "minkowski")


def cost_gradients(metric, X, Y, G, M):
    """The gradients of <G, dist(X, Y, metric)> in X and Y, for a fixed (n, m)
    weight G (a plan, or the incoming gradient of M) and M = dist(X, Y)."""
    if metric == "sqeuclidean":
        W = 2.0 * G
    elif metric == "euclidean":
        with np.errstate(divide="ignore", invalid="ignore"):
            W = np.where(M > 0, G / M, 0.0)  # 0 at coincident points
    else:
        # TODO(goot): gradients through the other metrics (issue 7).
        raise NotImplementedError(
            f"goot's gradients go through metric 'sqeuclidean' or 'euclidean', "
            f"not {metric!r}"
        )
    return W.sum(1)[:, None] * X - W @ Y, W.sum(0)[:, None] * Y - W.T @ X


def _dist_grad(args: dict, attach: Any) -> Any:
    """dist with its vector-Jacobian products in x1 and x2."""
    M = dist(**args)
    if args["w"] is not None:
        raise NotImplementedError("goot has no gradients for dist with weights w")
    x1, x2, metric = args["x1"], args["x2"], args["metric"]
    X = _points(x1, "x1")
    Y = X if x2 is None else _points(x2, "x2")
    M64 = np.asarray(M, dtype=np.float64)
    cost_gradients(metric, X[:1], Y[:1], M64[:1, :1], M64[:1, :1])  # metric check

    def in_x1(grad_output):
        gX, gY = cost_gradients(metric, X, Y, grad_output, M64)
        return (gX if x2 is not None else gX + gY).reshape(np.shape(x1))

    def in_x2(grad_output):
        return cost_gradients(metric, X, Y, grad_output, M64)[1].reshape(np.shape(x2))

    return attach(M, x1=in_x1, x2=in_x2)


@tensor_io(grad=_dist_grad)
def dist(
    x1: Any,
    x2: Any = None,
    metric: str = "sqeuclidean",
    p: float = 2,
    w: Any = None,
    backend: str = "auto",
    nx: Any = None,
    use_tensor: bool = False,
) -> np.ndarray:
    r"""Cost matrix between two point clouds: ``M[i, j] = d(x1[i], x2[j])``.

    ``'sqeuclidean'`` (default), ``'euclidean'``, ``'cityblock'`` and
    ``'minkowski'`` are computed by goot in parallel, from coordinate
    differences (no cancellation: equal points give exactly 0). Any other metric
    of :func:`scipy.spatial.distance.cdist` is accepted and delegated to scipy,
    as is a weighted minkowski metric (``w``).

    Parameters
    ----------
    x1 : array-like, shape (n1, d)
    x2 : array-like, shape (n2, d), optional
        Defaults to ``x1``.
    metric : str or callable, optional
    p : float, optional
        Exponent of the minkowski metric (default 2).
    w : array-like, shape (d,), optional
        Weights of a weighted minkowski metric (scipy).
    backend, nx, use_tensor
        Accepted for compatibility with POT; ``backend="scipy"`` forces
        :func:`scipy.spatial.distance.cdist`.

    Returns
    -------
    M : ndarray, shape (n1, n2)
        float32 when ``x1`` is float32, else float64.

    With torch tensors, for ``'sqeuclidean'`` and ``'euclidean'``, the matrix
    has gradients in ``x1`` and ``x2``.

    Examples
    --------
    >>> import numpy as np, goot
    >>> goot.dist(np.array([[0.0, 0.0]]), np.array([[3.0, 4.0]]))
    array([[25.]])
    """
    dtype = _float_dtype(x1, x1 if x2 is None else x2)
    X = _points(x1, "x1")
    Y = X if x2 is None else _points(x2, "x2")
    if X.shape[1] != Y.shape[1]:
        raise InputError(
            f"x1 and x2 have different dimensions ({X.shape[1]} and {Y.shape[1]})"
        )
    go_metric = isinstance(metric, str) and metric in _GO_METRICS
    if not (go_metric or callable(metric) or isinstance(metric, str)):
        raise TypeError(f"metric must be a string or a callable, got {metric!r}")
    if backend == "scipy" or w is not None or not go_metric:
        kwargs = {"w": w} if w is not None else {}
        if isinstance(metric, str) and metric.endswith("minkowski"):
            kwargs["p"] = p
        return cdist(X, Y, metric=metric, **kwargs).astype(dtype, copy=False)
    if metric == "minkowski" and not p > 0:
        raise ValueError(f"p must be positive for the minkowski metric, got {p}")
    n, m, d = X.shape[0], Y.shape[0], X.shape[1]
    out = np.empty((n, m))
    call("Dist", address(X), n, address(Y), m, d, metric, float(p), address(out))
    return out.astype(dtype, copy=False)


def _float_dtype(x1: Any, x2: Any) -> np.dtype:
    """float32 when both point clouds are float32 (numpy's promotion, as POT
    gets it), float64 otherwise; integer coordinates give float64."""
    f32 = np.dtype(np.float32)
    if getattr(x1, "dtype", None) == f32 and getattr(x2, "dtype", None) == f32:
        return f32
    return np.dtype(np.float64)


def _points(x: Any, name: str) -> np.ndarray:
    arr = as_float64(x, name)
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2:
        raise InputError(f"{name} must be a 2-D array of points, got shape {arr.shape}")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise InputError(f"{name}: empty point cloud of shape {arr.shape}")
    return arr


@tensor_io()
def unif(n: int, type_as: Any = None) -> np.ndarray:
    r"""Uniform histogram of length ``n``: every entry is ``1/n``.

    Examples
    --------
    >>> import goot
    >>> goot.unif(4)
    array([0.25, 0.25, 0.25, 0.25])
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n must be a non-negative integer, got {n!r}")
    dtype = getattr(type_as, "dtype", np.dtype(np.float64))
    if dtype.kind != "f":  # POT divides ones by n: integers become floats
        dtype = np.dtype(np.float64)
    if n == 0:
        return np.zeros(0, dtype=dtype)
    return np.full(int(n), 1.0 / n, dtype=dtype)


@tensor_io()
def list_to_array(*lst: Any, nx: Any = None):
    """Convert the lists among the arguments to numpy arrays (POT's helper).

    Lists take the dtype of the first argument that is not a list, as in POT.
    """
    ref = next((a for a in lst if not isinstance(a, list) and a is not None), None)
    dtype = getattr(ref, "dtype", None)
    out = [np.array(a, dtype=dtype) if isinstance(a, list) else a for a in lst]
    return out[0] if len(out) == 1 else out
