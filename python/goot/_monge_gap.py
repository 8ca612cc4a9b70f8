"""The Monge gap of a map from samples (Uscidda & Cuturi, 2023)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._backend import check_same_backend, is_tensor, to_numpy
from ._core import InputError, as_float64

__all__ = ["monge_gap"]

_COSTS = ("sqeuclidean", "euclidean", "cityblock")


def _points(x: Any, name: str) -> np.ndarray:
    arr = as_float64(to_numpy(x, name), name)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or 0 in arr.shape:
        raise InputError(
            f"{name} must have shape (n, d) with n, d > 0, got {arr.shape}"
        )
    if not np.isfinite(arr).all():
        raise InputError(f"{name} holds NaN or infinite coordinates")
    return np.ascontiguousarray(arr)


def monge_gap(
    x: Any,
    y: Any,
    cost: str = "sqeuclidean",
    reg: float | None = None,
    numItermax: int = 10000,
    stopThr: float = 1e-9,
):
    r"""Monge gap of a map T from samples x_i and their images y_i = T(x_i).

    For the empirical measure :math:`\rho_n = \frac1n\sum_i \delta_{x_i}` and
    a ground cost :math:`c`, the Monge gap [1]_ is

    .. math::
        \mathcal{M}^c_{\rho_n}(T) = \frac1n \sum_{i=1}^n c(x_i, T(x_i))
        - W_c(\rho_n, T_\sharp\rho_n) \;\ge\; 0,

    the excess cost of the pairing :math:`i \mapsto T(x_i)` over the optimal
    coupling of the two samples. It is 0 exactly when that pairing is
    c-cyclically monotone, i.e. when T is a c-OT map on the sample (the
    identity, or for the squared Euclidean cost the gradient of any convex
    function, such as :math:`x \mapsto Ax + b` with A positive definite).

    With ``reg = None`` :math:`W_c` is the exact OT cost (goot's network
    simplex) and the gap is computed as :math:`\langle D - P^\star, C\rangle`
    with :math:`D = I/n`, so it is exactly 0.0 when the optimal plan is the
    pairing itself. With ``reg = ε`` it is replaced by the entropic cost
    :math:`\min_P \langle P, C\rangle - \varepsilon H(P)`,
    :math:`H(P) = -\sum P_{ij}\log P_{ij}` (the convention of OTT-JAX's
    ``monge_gap_from_samples``), solved by log-domain Sinkhorn; this gap is
    biased upwards: it is at least :math:`\varepsilon \log n` even for an
    optimal map.

    Gradients: for torch inputs the value is differentiable in ``y`` (and
    ``x``). The plan is computed without gradient and the value formed with
    torch operations against the detached plan: by the envelope theorem this
    is the gradient of the gap wherever the optimal plan is unique (exact
    form) or the Sinkhorn solve has converged (entropic form).

    Parameters
    ----------
    x : array-like or tensor, shape (n, d)
        Reference samples :math:`x_i`.
    y : array-like or tensor, shape (n, d)
        Their images :math:`T(x_i)`, in the same order.
    cost : {'sqeuclidean', 'euclidean', 'cityblock'}
        Ground cost :math:`c`.
    reg : float, optional
        Entropic regularization ε (> 0); None for the exact gap.
    numItermax : int
        Iteration cap of the Sinkhorn solve (entropic form).
    stopThr : float
        Stopping threshold of the Sinkhorn solve (entropic form).

    Returns
    -------
    gap : float or tensor
        The Monge gap (a 0-d tensor for torch input, with gradient).

    Examples
    --------
    >>> import numpy as np
    >>> import goot
    >>> x = np.array([[-1.0], [0.0], [1.0]])
    >>> round(goot.monge_gap(x, -x), 10)
    2.6666666667
    >>> goot.monge_gap(x, 2 * x + 1)
    0.0

    References
    ----------
    .. [1] Uscidda, T., Cuturi, M. (2023). The Monge gap: a regularizer to
       learn all transport maps. International Conference on Machine
       Learning (ICML).
    .. [2] Cuturi, M., Meng-Papaxanthos, L., Tian, Y., Bunne, C., Davis, G.,
       Teboul, O. (2022). Optimal transport tools (OTT): a JAX toolbox for
       all things Wasserstein. arXiv 2201.12324.
    """
    if not isinstance(cost, str):
        raise TypeError(f"cost must be a string, one of {_COSTS}, got {cost!r}")
    if cost not in _COSTS:
        raise ValueError(f"cost must be one of {_COSTS}, got {cost!r}")
    if reg is not None:
        try:
            reg = float(reg)
        except (TypeError, ValueError):
            raise TypeError(
                f"reg must be None or a positive number, got {reg!r}"
            ) from None
        if not 0 < reg < np.inf:
            raise ValueError(f"reg must be positive and finite, got {reg!r}")
    check_same_backend(x, y)
    px, py = _points(x, "x"), _points(y, "y")
    if px.shape != py.shape:
        raise InputError(
            f"x and y must have the same shape (y = T(x)), got {px.shape} and "
            f"{py.shape}"
        )

    # The plan, without gradient.
    from .utils import dist

    n = px.shape[0]
    C = dist(px, py, metric=cost)
    if not np.isfinite(C).all():
        raise InputError("x and y: the costs overflow to +inf (coordinates too large)")
    u = np.full(n, 1.0 / n)
    if reg is None:
        from .lp import emd

        P = emd(u, u, C, numItermax=10**8)
        entropy_term = 0.0
    else:
        from .bregman import sinkhorn_log

        P = sinkhorn_log(u, u, C, reg, numItermax=numItermax, stopThr=stopThr)
        support = P > 0
        entropy_term = -reg * float(np.sum(P[support] * np.log(P[support])))
    W = np.diag(u) - P  # D - P: exactly 0 where the plan is the pairing

    # The value, against the detached plan.
    if is_tensor(x):
        return _torch_value(x, y, W, cost) + entropy_term
    return float(np.sum(W * C)) + entropy_term


def _torch_value(x: Any, y: Any, W: np.ndarray, cost: str):
    import torch

    dtype = x.dtype if x.is_floating_point() else torch.float64
    tx, ty = x.to(dtype), y.to(dtype)
    if tx.ndim == 1:
        tx, ty = tx[:, None], ty[:, None]
    w = torch.as_tensor(W, dtype=dtype, device=x.device)
    if cost == "sqeuclidean":
        # sum_ij W_ij |x_i - y_j|^2, expanded: O(n^2 + n^2 d) without the
        # n×n×d differences. The rows and columns of W sum to ~0, so the terms
        # cancel: they are formed in float64 on points moved to a common
        # centre (the value does not depend on a common shift), else float32
        # points far from the origin lose every digit.
        centre = torch.cat([tx, ty]).detach().to(torch.float64).mean(dim=0)
        cx, cy = tx.to(torch.float64) - centre, ty.to(torch.float64) - centre
        w64 = w.to(torch.float64)
        sx = (cx * cx).sum(dim=1)
        sy = (cy * cy).sum(dim=1)
        cross = (cx @ cy.T * w64).sum()
        value = (w64.sum(dim=1) * sx).sum() + (w64.sum(dim=0) * sy).sum() - 2 * cross
        return value.to(dtype)
    p = 2.0 if cost == "euclidean" else 1.0
    C = torch.cdist(tx, ty, p=p, compute_mode="donot_use_mm_for_euclid_dist")
    return (w * C).sum()
