"""Optimal transport between Gaussian measures (POT's ``ot.gaussian``).

Closed forms for :math:`\\mathcal{N}(m_s, C_s)` and :math:`\\mathcal{N}(m_t, C_t)`:
the Bures and Bures-Wasserstein distances (batched over pairs in Go, in
parallel), the Monge map, the Bures-Wasserstein barycenter, and goot's
additions: the Riemannian logarithm, exponential and geodesics of the
Bures-Wasserstein metric, the generalised Bures-Wasserstein metric with its
matrix-power deformation, and W2 between the Gaussian fits of two sample
batches.

Numerical policy (differs from POT on purpose, see the Go package
``goot/gaussian``): covariances must be symmetric (to 1e-6 relative) and
positive semi-definite (smallest eigenvalue at least -1e-6 times the largest);
eigenvalues in between are round-off and are set to 0 before any square root,
so results are never NaN or complex. Inverse square roots are pseudo-inverses,
so a singular source covariance gives a map that is exact on its support
instead of ``inf``. Anything else raises a ``ValueError`` naming the argument.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ._backend import tensor_io
from ._core import InputError, address, as_float64, call

__all__ = [
    "bures_distance",
    "bures_wasserstein_distance",
    "bures_wasserstein_mapping",
    "empirical_bures_wasserstein_distance",
    "empirical_bures_wasserstein_mapping",
    "bures_barycenter_fixpoint",
    "bures_barycenter_gradient_descent",
    "bures_wasserstein_barycenter",
    "empirical_bures_wasserstein_barycenter",
    "bures_wasserstein_log",
    "bures_wasserstein_exp",
    "bures_wasserstein_geodesic",
    "generalized_bures_wasserstein_distance",
    "gaussian_w2_from_samples",
    "sqrtm",
]

_METHODS = {"fixed_point": 0, "gradient_descent": 1}
# Stochastic methods of bures_wasserstein_barycenter -> averaged or not.
_STOCHASTIC = {
    "stochastic_gradient_descent": False,
    "averaged_stochastic_gradient_descent": True,
}


# ---------------------------------------------------------------------------
# Input handling.


def _dtype(*xs: Any) -> np.dtype:
    """float32 when every array input is float32 (numpy keeps it), else float64."""
    arrays = [x for x in xs if isinstance(x, np.ndarray)]
    if arrays and all(x.dtype == np.float32 for x in arrays):
        return np.dtype(np.float32)
    return np.dtype(np.float64)


def _covs(C: Any, name: str) -> tuple[np.ndarray, bool]:
    """C as float64 (k, d, d) plus whether it was batched (3-D)."""
    arr = as_float64(C, name)
    if arr.ndim not in (2, 3) or arr.shape[-1] != arr.shape[-2] or arr.shape[-1] == 0:
        raise InputError(
            f"{name} must be a (d, d) or (n, d, d) covariance array, got shape "
            f"{arr.shape}"
        )
    batched = arr.ndim == 3
    return (arr if batched else arr[None]), batched


def _means(m: Any, name: str) -> tuple[np.ndarray, bool]:
    arr = as_float64(m, name)
    if arr.ndim not in (1, 2):
        raise InputError(f"{name} must be a (d,) or (n, d) array, got {arr.shape}")
    batched = arr.ndim == 2
    return (arr if batched else arr[None]), batched


def _samples(x: Any, name: str) -> np.ndarray:
    arr = as_float64(x, name)
    if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise InputError(f"{name} must be a non-empty (n, d) array, got {arr.shape}")
    return arr


def _same_dim(**named: np.ndarray) -> int:
    dims = {name: arr.shape[-1] for name, arr in named.items()}
    if len(set(dims.values())) != 1:
        raise InputError(f"All Gaussian must have the same dimension: {dims}")
    return next(iter(dims.values()))


@tensor_io()
def sqrtm(C: Any, inverse: bool = False):
    r"""Principal square root of PSD matrices, robust to singular input.

    Parameters
    ----------
    C : array-like, shape (d, d) or (k, d, d)
    inverse : bool, optional
        Also return the pseudo-inverse square roots.

    Returns
    -------
    S : ndarray, same shape as ``C``
    Sinv : ndarray, only if ``inverse``

    Examples
    --------
    >>> import numpy as np
    >>> from goot.gaussian import sqrtm
    >>> sqrtm(np.diag([4.0, 9.0, 0.0]))
    array([[2., 0., 0.],
           [0., 3., 0.],
           [0., 0., 0.]])
    """
    dtype = _dtype(C)
    Cs, batched = _covs(C, "C")
    k, d = Cs.shape[0], Cs.shape[-1]
    out = np.empty_like(Cs)
    inv = np.empty_like(Cs) if inverse else None
    call("GaussianSqrtm", address(Cs), k, d, address(out), address(inv))
    shape = Cs.shape if batched else Cs.shape[1:]
    out = out.reshape(shape).astype(dtype, copy=False)
    if inverse:
        return out, inv.reshape(shape).astype(dtype, copy=False)
    return out


def _squared(ms, mt, Cs, Ct, paired: bool) -> np.ndarray:
    """Squared (Bures-)Wasserstein distances from Go, and the output shape."""
    n, m, d = Cs.shape[0], Ct.shape[0], Cs.shape[-1]
    is_paired = bool(paired) and n == m
    out = np.empty(n if is_paired else (n, m))
    call(
        "GaussianDistances",
        address(ms),
        n,
        address(mt),
        m,
        address(Cs),
        address(Ct),
        d,
        is_paired,
        address(out),
    )
    return out


# ---------------------------------------------------------------------------
# Distances.


@tensor_io()
def bures_distance(Cs: Any, Ct: Any, paired: bool = False, log: bool = False, nx=None):
    r"""Bures distance between centred Gaussians (not squared).

    .. math::
        \mathcal{B}(\Sigma_s, \Sigma_t)^2 = \mathrm{Tr}\left(\Sigma_s + \Sigma_t
        - 2 (\Sigma_s^{1/2}\Sigma_t\Sigma_s^{1/2})^{1/2}\right)

    computed as :math:`\mathrm{Tr}\,\Sigma_s + \mathrm{Tr}\,\Sigma_t - 2\sum_i
    \sqrt{\lambda_i}` with :math:`\lambda_i` the eigenvalues of
    :math:`\Sigma_s^{1/2}\Sigma_t\Sigma_s^{1/2}`, for every pair in parallel.

    Parameters
    ----------
    Cs : array-like, shape (d, d) or (n, d, d)
        Source covariances.
    Ct : array-like, shape (d, d) or (m, d, d)
        Target covariances (batched iff ``Cs`` is).
    paired : bool, optional
        With batches of equal length, return the ``n`` distances of the pairs
        ``(Cs[i], Ct[i])`` instead of the ``(n, m)`` matrix.
    log : bool, optional
        Also return ``{"Cs12": Cs^{1/2}}``.
    nx : optional
        Accepted for compatibility with POT (numpy only).

    Returns
    -------
    W : float, or ndarray of shape (n, m), or (n,) when paired
    log : dict, only if ``log``

    Examples
    --------
    >>> import numpy as np, goot
    >>> round(float(goot.gaussian.bures_distance(np.eye(2) * 4, np.eye(2))), 12)
    1.414213562373

    References
    ----------
    .. [1] Peyré, G. & Cuturi, M. "Computational Optimal Transport",
       Foundations and Trends in Machine Learning, 2019, Remark 2.31.
    """
    dtype = _dtype(Cs, Ct)
    S, bs = _covs(Cs, "Cs")
    T, bt = _covs(Ct, "Ct")
    _same_dim(Cs=S, Ct=T)
    if bs != bt:
        raise InputError("Cs and Ct: Both Cs and Ct should be batched (or neither)")
    W = np.sqrt(_squared(None, None, S, T, paired)).astype(dtype, copy=False)
    W = W if bs else W[0, 0]
    if log:
        root = sqrtm(S if bs else S[0]).astype(dtype, copy=False)
        return W, {"Cs12": root}
    return W


def _pair_gradients(ms, mt, Cs, Ct, W):
    """Gradients of W = W_2(N(ms, Cs), N(mt, Ct)) in (ms, mt, Cs, Ct).

    W^2 = |ms - mt|^2 + B^2; the gradient of B^2 in Cs is I - A with A the
    Monge map from N(0, Cs) to N(0, Ct) (symmetric), and likewise in Ct.
    """
    scale = 0.0 if W == 0 else 1.0 / W
    eye = np.eye(Cs.shape[0])
    A_st = bures_wasserstein_mapping(ms, mt, Cs, Ct)[0]
    A_ts = bures_wasserstein_mapping(mt, ms, Ct, Cs)[0]
    return (
        scale * (ms - mt),
        scale * (mt - ms),
        0.5 * scale * (eye - 0.5 * (A_st + A_st.T)),
        0.5 * scale * (eye - 0.5 * (A_ts + A_ts.T)),
    )


def _bures_wasserstein_grad(args: dict, attach: Any) -> Any:
    """bures_wasserstein_distance with its gradients (one pair of Gaussians)."""
    result = bures_wasserstein_distance(**args)
    ms, mt, Cs, Ct = (as_float64(args[k], k) for k in ("ms", "mt", "Cs", "Ct"))
    if Cs.ndim == 3 or Ct.ndim == 3 or ms.ndim == 2 or mt.ndim == 2:
        # TODO(goot): gradients of the batched distances (issue 7).
        raise NotImplementedError(
            "goot has gradients for one pair of Gaussians, not batches"
        )
    value = result[0] if args["log"] else result
    grads = _pair_gradients(ms, mt, Cs, Ct, float(value))
    value = attach(value, **dict(zip(("ms", "mt", "Cs", "Ct"), grads)))
    return (value, result[1]) if args["log"] else value


@tensor_io(grad=_bures_wasserstein_grad)
def bures_wasserstein_distance(
    ms: Any, mt: Any, Cs: Any, Ct: Any, paired: bool = False, log: bool = False
):
    r"""2-Wasserstein distance between Gaussians (not squared).

    .. math::
        W_2(\mathcal{N}(m_s, \Sigma_s), \mathcal{N}(m_t, \Sigma_t))^2 =
        \|m_s - m_t\|^2 + \mathcal{B}(\Sigma_s, \Sigma_t)^2

    Parameters
    ----------
    ms : array-like, shape (d,) or (n, d)
    mt : array-like, shape (d,) or (m, d)
    Cs : array-like, shape (d, d) or (n, d, d)
    Ct : array-like, shape (d, d) or (m, d, d)
    paired : bool, optional
        With ``n == m``, return the ``n`` distances of the pairs ``i``.
    log : bool, optional
        Also return ``{"Cs12": Cs^{1/2}}``.

    Returns
    -------
    W : float, or ndarray of shape (n, m), or (n,) when paired
    log : dict, only if ``log``

    With torch tensors, for one pair of Gaussians, the value has its
    closed-form gradients (in ``Cs``: :math:`(I - A)/(2W)`, ``A`` the Monge map
    of :func:`bures_wasserstein_mapping`).

    Examples
    --------
    >>> import numpy as np, goot
    >>> W = goot.gaussian.bures_wasserstein_distance(
    ...     np.zeros(2), np.array([1.0, 2.0]), np.eye(2), np.diag([4.0, 9.0]))
    >>> round(float(W) ** 2, 12)
    10.0

    References
    ----------
    .. [1] Peyré, G. & Cuturi, M. "Computational Optimal Transport",
       Foundations and Trends in Machine Learning, 2019, Remark 2.31.
    """
    dtype = _dtype(ms, mt, Cs, Ct)
    a, ba = _means(ms, "ms")
    b, bb = _means(mt, "mt")
    S, bs = _covs(Cs, "Cs")
    T, bt = _covs(Ct, "Ct")
    if (bs and a.shape[0] != S.shape[0]) or (not bs and ba):
        raise InputError(
            "ms and Cs: Source Gaussians has different amount of components"
        )
    if (bt and b.shape[0] != T.shape[0]) or (not bt and bb):
        raise InputError(
            "mt and Ct: Target Gaussians has different amount of components"
        )
    _same_dim(ms=a, mt=b, Cs=S, Ct=T)
    if ba != bb or bs != bt:
        raise InputError("ms and mt: Both ms and mt should be batched (or neither)")
    W = np.sqrt(_squared(a, b, S, T, paired)).astype(dtype, copy=False)
    W = W if bs else W[0, 0]
    if log:
        return W, {"Cs12": sqrtm(S if bs else S[0]).astype(dtype, copy=False)}
    return W


@tensor_io()
def bures_wasserstein_mapping(ms: Any, mt: Any, Cs: Any, Ct: Any, log: bool = False):
    r"""Monge map between two Gaussians, :math:`x \mapsto x A + b`.

    .. math::
        A = \Sigma_s^{-1/2}(\Sigma_s^{1/2}\Sigma_t\Sigma_s^{1/2})^{1/2}
        \Sigma_s^{-1/2}, \qquad b = m_t - m_s A

    :math:`\Sigma_s^{-1/2}` is a pseudo-inverse: for a singular
    :math:`\Sigma_s` the map is exact on the support of the source.

    Parameters
    ----------
    ms : array-like, shape (d,) or (1, d)
    mt : array-like, shape (d,) or (1, d)
    Cs : array-like, shape (d, d)
    Ct : array-like, shape (d, d)
    log : bool, optional
        Also return ``{"Cs12": ..., "Cs12inv": ...}``.

    Returns
    -------
    A : ndarray, shape (d, d)
    b : ndarray, shape of ``mt - ms @ A``
    log : dict, only if ``log``

    Examples
    --------
    >>> import numpy as np, goot
    >>> A, b = goot.gaussian.bures_wasserstein_mapping(
    ...     np.zeros(2), np.ones(2), np.eye(2), np.diag([4.0, 9.0]))
    >>> A
    array([[2., 0.],
           [0., 3.]])
    >>> b
    array([1., 1.])

    References
    ----------
    .. [1] Knott, M. & Smith, C. S. "On the optimal mapping of distributions",
       Journal of Optimization Theory and Applications, 1984.
    .. [2] Peyré, G. & Cuturi, M. "Computational Optimal Transport", 2019,
       Remark 2.29.
    """
    dtype = _dtype(ms, mt, Cs, Ct)
    a = as_float64(ms, "ms")
    b = as_float64(mt, "mt")
    S, bs = _covs(Cs, "Cs")
    T, bt = _covs(Ct, "Ct")
    if bs or bt:
        raise InputError("Cs and Ct must be single (d, d) covariances")
    d = _same_dim(ms=a, mt=b, Cs=S, Ct=T)
    if a.size != d or b.size != d:
        raise InputError(f"ms and mt must hold one mean of dimension {d}")
    A = np.empty((d, d))
    bias = np.empty(d)
    root = np.empty((d, d))
    inv = np.empty((d, d))
    a1 = np.ascontiguousarray(a.reshape(d))
    b1 = np.ascontiguousarray(b.reshape(d))
    call(
        "GaussianMapping",
        address(a1),
        address(b1),
        address(S),
        address(T),
        d,
        address(A),
        address(bias),
        address(root),
        address(inv),
    )
    shape = np.broadcast_shapes(np.shape(mt), np.shape(ms))
    A = A.astype(dtype, copy=False)
    bias = bias.reshape(shape).astype(dtype, copy=False)
    if log:
        return A, bias, {"Cs12": root.astype(dtype), "Cs12inv": inv.astype(dtype)}
    return A, bias


# ---------------------------------------------------------------------------
# Empirical versions.


def _weights_column(w: Any, n: int, name: str) -> np.ndarray:
    if w is None:
        return np.full((n, 1), 1.0 / n)
    arr = as_float64(w, name).reshape(-1, 1)
    if arr.shape[0] != n:
        raise InputError(f"{name} has {arr.shape[0]} weights for {n} samples")
    if not np.all(np.isfinite(arr)) or np.any(arr < 0) or arr.sum() <= 0:
        raise InputError(f"{name} must be finite, non-negative, with a positive sum")
    return arr


def _fit(x: np.ndarray, w: np.ndarray, reg: float, bias: bool):
    """Weighted mean (1, d) and covariance + reg I, as POT estimates them."""
    total = w.sum()
    if bias:
        mean = (w.T @ x) / total
        x = x - mean
    else:
        mean = np.zeros((1, x.shape[1]))
    cov = (x * w).T @ x / total + reg * np.eye(x.shape[1])
    return mean, cov


def _fits(xs, xt, reg, ws, wt, bias):
    S = _samples(xs, "xs")
    T = _samples(xt, "xt")
    _same_dim(xs=S, xt=T)
    ms, Cs = _fit(S, _weights_column(ws, S.shape[0], "ws"), reg, bias)
    mt, Ct = _fit(T, _weights_column(wt, T.shape[0], "wt"), reg, bias)
    return ms, mt, Cs, Ct


@tensor_io()
def empirical_bures_wasserstein_mapping(
    xs: Any,
    xt: Any,
    reg: float = 1e-6,
    ws: Any = None,
    wt: Any = None,
    bias: bool = True,
    log: bool = False,
):
    r"""Monge map between the Gaussian fits of two sample sets.

    The weighted means and covariances (divided by the total weight, plus
    ``reg`` times the identity) are plugged into
    :func:`bures_wasserstein_mapping`.

    Parameters
    ----------
    xs : array-like, shape (ns, d)
    xt : array-like, shape (nt, d)
    reg : float, optional
        Added to the diagonal of both covariances (default 1e-6).
    ws : array-like, shape (ns,) or (ns, 1), optional
        Sample weights (uniform by default); likewise ``wt``.
    wt : array-like, shape (nt,) or (nt, 1), optional
    bias : bool, optional
        Estimate the means (default); otherwise they are taken as 0.
    log : bool, optional
        Also return ``{"Cs12", "Cs12inv", "Cs", "Ct"}``.

    Returns
    -------
    A : ndarray, shape (d, d)
    b : ndarray, shape (1, d)
    log : dict, only if ``log``

    Examples
    --------
    >>> import numpy as np, goot
    >>> xs = np.array([[0.0], [2.0]])
    >>> A, b = goot.gaussian.empirical_bures_wasserstein_mapping(xs, 3 * xs + 1, reg=0)
    >>> np.round(A, 12), np.round(b, 12)
    (array([[3.]]), array([[1.]]))

    References
    ----------
    .. [1] Knott, M. & Smith, C. S. "On the optimal mapping of distributions",
       Journal of Optimization Theory and Applications, 1984.
    """
    dtype = _dtype(xs, xt)
    ms, mt, Cs, Ct = _fits(xs, xt, reg, ws, wt, bias)
    A, b, lg = bures_wasserstein_mapping(ms, mt, Cs, Ct, log=True)
    A, b = A.astype(dtype, copy=False), b.astype(dtype, copy=False)
    if log:
        lg["Cs"] = Cs.astype(dtype, copy=False)
        lg["Ct"] = Ct.astype(dtype, copy=False)
        return A, b, lg
    return A, b


def _empirical_distance_grad(args: dict, attach: Any) -> Any:
    """empirical_bures_wasserstein_distance with its gradients in the samples,
    through the fitted means and covariances (the weights held fixed)."""
    result = empirical_bures_wasserstein_distance(**args)
    value = result[0] if args["log"] else result
    xs, xt, reg, bias = (args[k] for k in ("xs", "xt", "reg", "bias"))
    ms, mt, Cs, Ct = _fits(xs, xt, reg, args["ws"], args["wt"], bias)
    g_ms, g_mt, g_Cs, g_Ct = _pair_gradients(ms[0], mt[0], Cs, Ct, float(value))

    # m = sum p_i x_i and C = sum p_i (x_i - m)(x_i - m)^T + reg I, p = w / sum w:
    # d/dx_i = p_i (dm + 2 dC (x_i - m)) (the path through m in C sums to 0).
    # Without bias, m = 0 and C = sum p_i x_i x_i^T.
    def in_samples(x, w, m, g_m, g_C):
        x = _samples(x, "xs")
        p = w / w.sum()
        if not bias:
            return p * (2.0 * x @ g_C)
        return p * (g_m + 2.0 * (x - m) @ g_C)

    ws = _weights_column(args["ws"], np.shape(xs)[0], "ws")
    wt = _weights_column(args["wt"], np.shape(xt)[0], "wt")
    value = attach(
        value,
        xs=in_samples(xs, ws, ms, g_ms, g_Cs),
        xt=in_samples(xt, wt, mt, g_mt, g_Ct),
    )
    return (value, result[1]) if args["log"] else value


@tensor_io(grad=_empirical_distance_grad)
def empirical_bures_wasserstein_distance(
    xs: Any,
    xt: Any,
    reg: float = 1e-6,
    ws: Any = None,
    wt: Any = None,
    bias: bool = True,
    log: bool = False,
):
    r"""W2 between the Gaussian fits of two sample sets (not squared).

    The weighted means and covariances (divided by the total weight, plus
    ``reg`` times the identity) are plugged into
    :func:`bures_wasserstein_distance`. See :func:`gaussian_w2_from_samples`
    for the unbiased estimate without regularisation.

    Parameters
    ----------
    xs : array-like, shape (ns, d)
    xt : array-like, shape (nt, d)
    reg : float, optional
        Added to the diagonal of both covariances (default 1e-6).
    ws : array-like, shape (ns,) or (ns, 1), optional
    wt : array-like, shape (nt,) or (nt, 1), optional
    bias : bool, optional
        Estimate the means (default); otherwise they are taken as 0.
    log : bool, optional
        Also return ``{"Cs12", "Cs", "Ct"}``.

    Returns
    -------
    W : float
    log : dict, only if ``log``

    With torch tensors the distance has gradients in ``xs`` and ``xt``
    through the fitted means and covariances (the weights held fixed).

    Examples
    --------
    >>> import numpy as np, goot
    >>> xs = np.array([[0.0, 0.0], [1.0, 1.0]])
    >>> W = goot.gaussian.empirical_bures_wasserstein_distance(xs, xs + [3.0, 4.0])
    >>> round(float(W), 10)
    5.0
    """
    dtype = _dtype(xs, xt)
    ms, mt, Cs, Ct = _fits(xs, xt, reg, ws, wt, bias)
    W, lg = bures_wasserstein_distance(ms[0], mt[0], Cs, Ct, log=True)
    W = dtype.type(W)
    if log:
        lg["Cs12"] = lg["Cs12"].astype(dtype, copy=False)
        lg["Cs"] = Cs.astype(dtype, copy=False)
        lg["Ct"] = Ct.astype(dtype, copy=False)
        return W, lg
    return W


# ---------------------------------------------------------------------------
# Barycenters.


def _barycenter_cov(C, weights, method, num_iter, eps, step_size, log, where):
    dtype = _dtype(C, weights)
    Cs, batched = _covs(C, "C")
    if not batched:
        raise InputError(
            f"C must be a (k, d, d) array of covariances, got {Cs.shape[1:]}"
        )
    k, d = Cs.shape[0], Cs.shape[-1]
    w = np.full(k, 1.0 / k) if weights is None else as_float64(weights, "weights")
    if w.shape != (k,):
        raise InputError(f"weights has shape {w.shape}, expected ({k},)")
    Cb = np.empty((d, d))
    info = np.empty(3)
    call(
        "GaussianBarycenter",
        address(Cs),
        k,
        d,
        address(w),
        _METHODS[method],
        int(num_iter),
        float(eps),
        float(step_size),
        address(Cb),
        address(info),
    )
    if info[2] != 0:
        warnings.warn(
            f"{where} did not converge in {int(info[0])} iterations "
            f"(last change {info[1]:.3g} > eps = {eps:g}); increase num_iter.",
            UserWarning,
            stacklevel=3,
        )
    Cb = Cb.astype(dtype, copy=False)
    if log:
        # POT's num_iter is the index of the last iteration.
        return Cb, {"num_iter": int(info[0]) - 1, "final_diff": float(info[1])}
    return Cb


@tensor_io()
def bures_barycenter_fixpoint(
    C: Any,
    weights: Any = None,
    num_iter: int = 1000,
    eps: float = 1e-7,
    log: bool = False,
    nx=None,
):
    r"""Bures-Wasserstein barycenter of centred Gaussians by a fixed point.

    .. math::
        \Sigma_b = \mathrm{argmin}_\Sigma \sum_i w_i \mathcal{B}(\Sigma, C_i)^2,
        \quad\text{i.e.}\quad \Sigma_b = \sum_i w_i
        (\Sigma_b^{1/2} C_i \Sigma_b^{1/2})^{1/2}.

    goot iterates the fixed point of Álvarez-Esteban et al. [2],
    :math:`\Sigma \leftarrow \Sigma^{-1/2}(\sum_i w_i (\Sigma^{1/2} C_i
    \Sigma^{1/2})^{1/2})^2 \Sigma^{-1/2}`, from POT's start
    :math:`\frac1k\sum_i w_i C_i`, until the Frobenius norm of the change is at
    most ``eps``. POT iterates the plainer map :math:`\Sigma \leftarrow \sum_i
    w_i(\Sigma^{1/2}C_i\Sigma^{1/2})^{1/2}`, which has the same fixed point but
    converges linearly (it needs ~25 iterations where goot needs ~5): the
    barycenter agrees to ``eps``, ``log["num_iter"]`` does not.

    Parameters
    ----------
    C : array-like, shape (k, d, d)
    weights : array-like, shape (k,), optional
        Uniform by default.
    num_iter : int, optional
        Iteration cap (default 1000).
    eps : float, optional
        Stopping threshold on the change (default 1e-7).
    log : bool, optional
        Also return ``{"num_iter", "final_diff"}``.
    nx : optional
        Accepted for compatibility with POT.

    Returns
    -------
    Cb : ndarray, shape (d, d)
    log : dict, only if ``log``

    Examples
    --------
    >>> import numpy as np, goot
    >>> C = np.array([np.diag([1.0, 4.0]), np.diag([9.0, 16.0])])
    >>> np.round(goot.gaussian.bures_barycenter_fixpoint(C), 10)
    array([[4., 0.],
           [0., 9.]])

    References
    ----------
    .. [1] Agueh, M. & Carlier, G. "Barycenters in the Wasserstein space",
       SIAM Journal on Mathematical Analysis, 2011.
    .. [2] Álvarez-Esteban, P. C., del Barrio, E., Cuesta-Albertos, J. A. &
       Matrán, C. "A fixed-point approach to barycenters in Wasserstein
       space", Journal of Mathematical Analysis and Applications, 2016.
    """
    return _barycenter_cov(
        C, weights, "fixed_point", num_iter, eps, 1.0, log, "bures_barycenter_fixpoint"
    )


@tensor_io()
def bures_barycenter_gradient_descent(
    C: Any,
    weights: Any = None,
    num_iter: int = 1000,
    eps: float = 1e-7,
    log: bool = False,
    step_size: float = 1,
    batch_size: Any = None,
    averaged: bool = False,
    nx=None,
):
    r"""Bures-Wasserstein barycenter by Riemannian gradient descent.

    Minimises :math:`\sum_i w_i \mathcal{B}(\Sigma, C_i)^2` by
    :math:`\Sigma \leftarrow (I + \eta(\bar T - I))\,\Sigma\,(I + \eta(\bar T -
    I))` with :math:`\bar T = \sum_i w_i T_i` the mean Monge map from
    :math:`\Sigma` to the :math:`C_i` and :math:`\eta` the step size, from
    POT's start and with POT's stopping rule (mean of the last 100 changes at
    most ``eps``), so the iterates are POT's.

    Parameters
    ----------
    C : array-like, shape (k, d, d)
    weights : array-like, shape (k,), optional
    num_iter : int, optional
    eps : float, optional
    log : bool, optional
        Also return ``{"num_iter", "final_diff"}``.
    step_size : float, optional
        :math:`\eta` (default 1).
    batch_size : int, optional
        With ``batch_size < k``: stochastic gradient descent, each step on
        ``batch_size`` covariances drawn with replacement with probabilities
        ``weights`` from numpy's global generator (``np.random.choice``, as
        POT draws them: the same ``np.random.seed`` gives POT's iterates) and
        the step size :math:`2 / (0.7 (t + 2/0.7 + 1))` of [2].
    averaged : bool, optional
        Return the running geodesic average of the iterates [2].
    nx : optional
        Accepted for compatibility with POT.

    Returns
    -------
    Cb : ndarray, shape (d, d)
    log : dict, only if ``log``

    Examples
    --------
    >>> import numpy as np, goot
    >>> C = np.array([np.diag([1.0, 4.0]), np.diag([9.0, 16.0])])
    >>> Cb = goot.gaussian.bures_barycenter_gradient_descent(C, step_size=0.5)
    >>> np.round(Cb, 6)
    array([[4., 0.],
           [0., 9.]])

    References
    ----------
    .. [1] Chewi, S., Maunu, T., Rigollet, P. & Stromme, A. J. "Gradient
       descent algorithms for Bures-Wasserstein barycenters", COLT 2020.
    .. [2] Altschuler, J., Chewi, S., Gerber, P. & Stromme, A. J. "Averaging
       on the Bures-Wasserstein manifold: dimension-free convergence of
       gradient descent", NeurIPS 2021.
    """
    k = np.shape(C)[0] if np.ndim(C) == 3 else 1
    if (batch_size is not None and batch_size < k) or averaged:
        return _stochastic_barycenter(
            C, weights, num_iter, eps, log, step_size, batch_size, averaged
        )
    return _barycenter_cov(
        C,
        weights,
        "gradient_descent",
        num_iter,
        eps,
        step_size,
        log,
        "bures_barycenter_gradient_descent",
    )


def _stochastic_barycenter(
    C, weights, num_iter, eps, log, step_size, batch_size, averaged
):
    """Stochastic and/or averaged Riemannian gradient descent, POT's iterates.

    The steps run in Python (numpy products) around goot's batched matrix
    square roots; the random draws must come from numpy's global generator to
    reproduce POT, so this loop is not in Go.
    """
    dtype = _dtype(C, weights)
    Cs, batched = _covs(C, "C")
    if not batched:
        raise InputError(f"C must be a (k, d, d) array, got {Cs.shape[1:]}")
    k, d = Cs.shape[0], Cs.shape[-1]
    w = np.full(k, 1.0 / k) if weights is None else as_float64(weights, "weights")
    if w.shape != (k,):
        raise InputError(f"weights has shape {w.shape}, expected ({k},)")
    stochastic = batch_size is not None and batch_size < k
    if stochastic and batch_size <= 0:
        raise ValueError(f"batch_size must be an integer between 0 and {k}")
    eye = np.eye(d)
    Cb = np.mean(Cs * w[:, None, None], axis=0)
    Cb_avg = Cb.copy()
    diffs: list = []
    for it in range(num_iter):
        root, inv = sqrtm(Cb, inverse=True)
        if stochastic:
            chosen = Cs[np.random.choice(k, batch_size, replace=True, p=w)]
            maps = inv @ sqrtm(_sym(root @ chosen @ root)) @ inv
            grad = eye - maps.mean(axis=0)
            step_size = 2 / (0.7 * (it + 2 / 0.7 + 1))
        else:
            maps = inv @ sqrtm(_sym(root @ Cs @ root)) @ inv
            grad = eye - np.einsum("k,kij->ij", w, maps)
        move = eye - step_size * grad
        Cnew = _sym(move @ Cb @ move)
        if averaged:
            aroot, ainv = sqrtm(Cb_avg, inverse=True)
            to_new = ainv @ sqrtm(_sym(aroot @ Cnew @ aroot)) @ ainv
            step = eye * step_size / (step_size + 1) + to_new / (step_size + 1)
            Cb_avg = _sym(step @ Cb_avg @ step)
        diffs.append(np.linalg.norm(Cb - Cnew))
        if np.mean(diffs[-100:]) <= eps:
            break
        Cb = Cnew
    if averaged:
        Cb = Cb_avg
    Cb = Cb.astype(dtype, copy=False)
    if log:
        return Cb, {"num_iter": it, "final_diff": diffs[-1]}
    return Cb


def _sym(A: np.ndarray) -> np.ndarray:
    """(A + A^T)/2 over the last two axes: products of symmetric matrices are
    symmetric only up to round-off."""
    return np.ascontiguousarray(0.5 * (A + np.swapaxes(A, -1, -2)))


@tensor_io()
def bures_wasserstein_barycenter(
    m: Any,
    C: Any,
    weights: Any = None,
    method: str = "fixed_point",
    num_iter: int = 1000,
    eps: float = 1e-7,
    log: bool = False,
    step_size: float = 1,
    batch_size: Any = None,
):
    r"""Bures-Wasserstein barycenter of Gaussians :math:`\mathcal{N}(m_i, C_i)`.

    .. math::
        (m_b, \Sigma_b) = \mathrm{argmin}_{m, \Sigma} \sum_i w_i
        W_2^2(\mathcal{N}(m, \Sigma), \mathcal{N}(m_i, C_i)),

    so :math:`m_b = \sum_i w_i m_i` and :math:`\Sigma_b` is computed by
    :func:`bures_barycenter_fixpoint` (``method='fixed_point'``) or
    :func:`bures_barycenter_gradient_descent` (``'gradient_descent'``).

    Parameters
    ----------
    m : array-like, shape (k, d)
    C : array-like, shape (k, d, d)
    weights : array-like, shape (k,), optional
    method : str, optional
        ``'fixed_point'`` (default), ``'gradient_descent'``,
        ``'stochastic_gradient_descent'`` or
        ``'averaged_stochastic_gradient_descent'`` (``batch_size`` 1 unless
        given; see :func:`bures_barycenter_gradient_descent`).
    num_iter, eps, log, step_size, batch_size
        As in the two solvers.

    Returns
    -------
    mb : ndarray, shape (d,)
    Cb : ndarray, shape (d, d)
    log : dict, only if ``log``

    Examples
    --------
    >>> import numpy as np, goot
    >>> m = np.array([[0.0, 0.0], [2.0, 4.0]])
    >>> C = np.array([np.diag([1.0, 4.0]), np.diag([9.0, 16.0])])
    >>> mb, Cb = goot.gaussian.bures_wasserstein_barycenter(m, C)
    >>> mb
    array([1., 2.])
    >>> np.round(Cb, 10)
    array([[4., 0.],
           [0., 9.]])

    References
    ----------
    .. [1] Agueh, M. & Carlier, G. "Barycenters in the Wasserstein space",
       SIAM Journal on Mathematical Analysis, 2011.
    .. [2] Chewi, S., Maunu, T., Rigollet, P. & Stromme, A. J. "Gradient
       descent algorithms for Bures-Wasserstein barycenters", COLT 2020.
    """
    if method not in _METHODS and method not in _STOCHASTIC:
        raise ValueError(f"Unknown method '{method}'.")
    dtype = _dtype(m, C, weights)
    means, _ = _means(m, "m")
    k = means.shape[0]
    if np.ndim(C) != 3 or np.shape(C)[0] != k:
        raise InputError(f"m and C: {k} means for C of shape {np.shape(C)}")
    w = np.full(k, 1.0 / k) if weights is None else as_float64(weights, "weights")
    if w.shape != (k,):
        raise InputError(f"weights has shape {w.shape}, expected ({k},)")
    if method == "fixed_point":
        out = bures_barycenter_fixpoint(C, w, num_iter, eps, log)
    elif method == "gradient_descent":
        out = bures_barycenter_gradient_descent(
            C, w, num_iter, eps, log, step_size, batch_size
        )
    else:
        out = bures_barycenter_gradient_descent(
            C,
            w,
            num_iter,
            eps,
            log,
            batch_size=1 if batch_size is None else batch_size,
            averaged=_STOCHASTIC[method],
        )
    mb = (w @ means).astype(dtype, copy=False)
    if log:
        return mb, out[0].astype(dtype, copy=False), out[1]
    return mb, out.astype(dtype, copy=False)


@tensor_io()
def empirical_bures_wasserstein_barycenter(
    X: Any,
    reg: float = 1e-6,
    weights: Any = None,
    num_iter: int = 1000,
    eps: float = 1e-7,
    w: Any = None,
    bias: bool = True,
    log: bool = False,
):
    r"""Bures-Wasserstein barycenter of the Gaussian fits of sample sets.

    Each ``X[i]`` is fitted as in :func:`empirical_bures_wasserstein_distance`
    (sample weights ``w[i]``, ``reg`` on the diagonal, means estimated when
    ``bias``) and the fits go to :func:`bures_wasserstein_barycenter` with the
    fixed point.

    Parameters
    ----------
    X : list of array-like, each of shape (n_i, d)
    reg : float, optional
    weights : array-like, shape (k,), optional
        Barycenter weights (uniform by default).
    num_iter, eps, log
        As in :func:`bures_barycenter_fixpoint`.
    w : list of array-like, optional
        Sample weights of each set, shapes (n_i,) or (n_i, 1).
    bias : bool, optional

    Returns
    -------
    mb : ndarray, shape (d,)
    Cb : ndarray, shape (d, d)
    log : dict, only if ``log``

    Examples
    --------
    >>> import numpy as np, goot
    >>> X = [np.array([[-1.0], [1.0]]), np.array([[-3.0], [3.0]])]
    >>> mb, Cb = goot.gaussian.empirical_bures_wasserstein_barycenter(X, reg=0)
    >>> mb, np.round(Cb, 10)
    (array([0.]), array([[4.]]))
    """
    if len(X) == 0:
        raise InputError("X: no sample set given")
    dtype = _dtype(*X)
    sets = [_samples(x, f"X[{i}]") for i, x in enumerate(X)]
    _same_dim(**{f"X[{i}]": x for i, x in enumerate(sets)})
    ws = [None] * len(sets) if w is None else list(w)
    if len(ws) != len(sets):
        raise InputError(f"w has {len(ws)} weight vectors for {len(sets)} sample sets")
    fits = [
        _fit(x, _weights_column(wi, x.shape[0], f"w[{i}]"), reg, bias)
        for i, (x, wi) in enumerate(zip(sets, ws))
    ]
    m = np.stack([f[0][0] for f in fits])
    C = np.stack([f[1] for f in fits])
    out = bures_wasserstein_barycenter(
        m, C, weights, num_iter=num_iter, eps=eps, log=log
    )
    return tuple(
        x.astype(dtype, copy=False) if isinstance(x, np.ndarray) else x for x in out
    )


# ---------------------------------------------------------------------------
# goot's additions: Riemannian geometry and the generalised metric.


def _one_cov(C: Any, name: str) -> np.ndarray:
    arr, batched = _covs(C, name)
    if batched:
        raise InputError(f"{name} must be a single (d, d) matrix, got {arr.shape}")
    return arr[0]


def _pair_op(name: str, X: Any, Y: Any, names: tuple) -> np.ndarray:
    dtype = _dtype(X, Y)
    A = _one_cov(X, names[0])
    B = as_float64(Y, names[1])
    if B.shape != A.shape:
        raise InputError(
            f"{names[0]} and {names[1]}: shapes {A.shape} and {B.shape} differ"
        )
    out = np.empty_like(A)
    call(name, address(A), address(B), A.shape[0], address(out))
    return out.astype(dtype, copy=False)


@tensor_io()
def bures_wasserstein_log(X: Any, S: Any) -> np.ndarray:
    r"""Riemannian logarithm of the Bures-Wasserstein metric at ``X``.

    .. math::
        \mathrm{Log}_X(S) = (XS)^{1/2} + (SX)^{1/2} - 2X = X T + T X - 2X

    with :math:`T` the Monge map from :math:`\mathcal{N}(0, X)` to
    :math:`\mathcal{N}(0, S)`; at the identity it is :math:`2S^{1/2} - 2I`.
    The inverse of :func:`bures_wasserstein_exp`.

    Parameters
    ----------
    X : array-like, shape (d, d)
        Base point (PSD; pseudo-inverses are used when it is singular).
    S : array-like, shape (d, d)
        PSD matrix to map to the tangent space at ``X``.

    Returns
    -------
    V : ndarray, shape (d, d), symmetric

    Examples
    --------
    >>> import numpy as np, goot
    >>> goot.gaussian.bures_wasserstein_log(np.eye(2), np.diag([4.0, 9.0]))
    array([[2., 0.],
           [0., 4.]])

    References
    ----------
    .. [1] Bhatia, R., Jain, T. & Lim, Y. "On the Bures-Wasserstein distance
       between positive definite matrices", Expositiones Mathematicae, 2019.
    .. [2] Wang, Z., Jin, Y., Chen, Z., Luo, Y. & Wu, X. "GBWBN: Generalized
       Bures-Wasserstein batch normalization", CVPR 2025.
    """
    return _pair_op("GaussianLog", X, S, ("X", "S"))


@tensor_io()
def bures_wasserstein_exp(X: Any, V: Any) -> np.ndarray:
    r"""Riemannian exponential of the Bures-Wasserstein metric at ``X``.

    .. math::
        \mathrm{Exp}_X(V) = (I + L)\,X\,(I + L), \qquad XL + LX = V,

    the Lyapunov equation being solved in the eigenbasis of ``X``; at the
    identity it is :math:`(I + V/2)^2`. The result is PSD for any symmetric
    ``V``. (POT's ``ot.utils.exp_bures(X, S)`` is :math:`(I+S)X(I+S)`, that
    is this map with :math:`L = S` given directly.)

    Parameters
    ----------
    X : array-like, shape (d, d)
    V : array-like, shape (d, d), symmetric tangent vector

    Returns
    -------
    S : ndarray, shape (d, d)

    Examples
    --------
    >>> import numpy as np, goot
    >>> goot.gaussian.bures_wasserstein_exp(np.eye(2), np.diag([2.0, 4.0]))
    array([[4., 0.],
           [0., 9.]])

    References
    ----------
    .. [1] Bhatia, R., Jain, T. & Lim, Y. "On the Bures-Wasserstein distance
       between positive definite matrices", Expositiones Mathematicae, 2019.
    """
    return _pair_op("GaussianExp", X, V, ("X", "V"))


@tensor_io()
def bures_wasserstein_geodesic(A: Any, B: Any, t: Any) -> np.ndarray:
    r"""Points of the Bures-Wasserstein geodesic from ``A`` to ``B``.

    .. math::
        \gamma(t) = (1-t)^2 A + t^2 B + t(1-t)\left[(AB)^{1/2} + (BA)^{1/2}\right],

    the covariance of McCann's interpolation between :math:`\mathcal{N}(0,A)`
    and :math:`\mathcal{N}(0,B)`; :math:`\gamma(0) = A`, :math:`\gamma(1) = B`
    exactly. For Gaussians with means, interpolate the means linearly.

    Parameters
    ----------
    A, B : array-like, shape (d, d)
    t : float or array-like of shape (nt,)

    Returns
    -------
    G : ndarray, shape (d, d) for a scalar ``t``, else (nt, d, d)

    Examples
    --------
    >>> import numpy as np, goot
    >>> goot.gaussian.bures_wasserstein_geodesic(
    ...     np.diag([1.0, 4.0]), np.diag([9.0, 16.0]), 0.5)
    array([[4., 0.],
           [0., 9.]])
    """
    dtype = _dtype(A, B)
    X = _one_cov(A, "A")
    Y = as_float64(B, "B")
    if Y.shape != X.shape:
        raise InputError(f"A and B: shapes {X.shape} and {Y.shape} differ")
    ts = np.ascontiguousarray(np.atleast_1d(as_float64(t, "t")).ravel())
    if not np.all(np.isfinite(ts)):
        raise InputError("t must be finite")
    d = X.shape[0]
    out = np.empty((ts.size, d, d))
    call(
        "GaussianGeodesic",
        address(X),
        address(Y),
        d,
        address(ts),
        ts.size,
        address(out),
    )
    out = out.astype(dtype, copy=False)
    return out[0] if np.ndim(t) == 0 else out


@tensor_io()
def generalized_bures_wasserstein_distance(
    X: Any, Y: Any, M: Any = None, theta: float = 1.0, paired: bool = False
):
    r"""Generalised Bures-Wasserstein distance with a power deformation.

    .. math::
        d_{M,\theta}(X, Y) = \frac{1}{|\theta|}\,\mathcal{B}\left(
        M^{-1/2} X^\theta M^{-1/2},\; M^{-1/2} Y^\theta M^{-1/2}\right),

    the metric of Han et al. [1] (SPD parameter ``M``) with the matrix-power
    deformation used by GBWBN [2]. ``M = I`` and ``theta = 1`` give
    :func:`bures_distance`. Returned not squared, batched like
    :func:`bures_distance`.

    Parameters
    ----------
    X : array-like, shape (d, d) or (n, d, d), PSD
    Y : array-like, shape (d, d) or (m, d, d), PSD
    M : array-like, shape (d, d), optional
        Positive definite metric parameter (identity by default).
    theta : float, optional
        Non-zero power (default 1); a negative one needs positive definite
        ``X`` and ``Y``.
    paired : bool, optional

    Returns
    -------
    W : float, or ndarray of shape (n, m), or (n,) when paired

    Examples
    --------
    >>> import numpy as np, goot
    >>> d = goot.gaussian.generalized_bures_wasserstein_distance(
    ...     np.diag([1.0, 4.0]), np.diag([4.0, 16.0]), M=np.diag([1.0, 4.0]))
    >>> round(float(d), 12)
    1.414213562373

    References
    ----------
    .. [1] Han, A., Mishra, B., Jawanpuria, P. & Gao, J. "Learning with
       symmetric positive definite matrices via generalized Bures-Wasserstein
       geometry", GSI 2023.
    .. [2] Wang, Z., Jin, Y., Chen, Z., Luo, Y. & Wu, X. "GBWBN: Generalized
       Bures-Wasserstein batch normalization", CVPR 2025.
    """
    dtype = _dtype(X, Y)
    S, bs = _covs(X, "X")
    T, bt = _covs(Y, "Y")
    d = _same_dim(X=S, Y=T)
    if bs != bt:
        raise InputError("X and Y: both should be batched (or neither)")
    Mm = np.eye(d) if M is None else _one_cov(M, "M")
    _same_dim(X=S, M=Mm)
    n, m = S.shape[0], T.shape[0]
    is_paired = bool(paired) and n == m
    out = np.empty(n if is_paired else (n, m))
    call(
        "GaussianGeneralizedDistances",
        address(S),
        n,
        address(T),
        m,
        d,
        address(Mm),
        float(theta),
        is_paired,
        address(out),
    )
    W = np.sqrt(out).astype(dtype, copy=False)
    return W if bs else W[0, 0]


@tensor_io()
def gaussian_w2_from_samples(
    X: Any, Y: Any, unbiased: bool = True, reg: float = 0.0
) -> float:
    r"""Squared W2 between the Gaussian fits of two sample batches (Fréchet).

    .. math::
        \|\mu_X - \mu_Y\|^2 + \mathrm{Tr}\,\Sigma_X + \mathrm{Tr}\,\Sigma_Y
        - 2\,\mathrm{Tr}(\Sigma_X^{1/2}\Sigma_Y\Sigma_X^{1/2})^{1/2}

    with covariances divided by ``n - 1`` (``unbiased``, default) or ``n``,
    plus ``reg`` times the identity: the Fréchet distance of FID and the
    list-wise loss of SyCL [1]. Unlike :func:`empirical_bures_wasserstein_distance`
    it returns the **square** and adds no regularisation by default. When a
    batch has fewer samples than dimensions (and ``reg = 0``) the trace term
    is computed from a ``min(n, m)``-sized matrix [2].

    Parameters
    ----------
    X : array-like, shape (n, d)
    Y : array-like, shape (m, d)
    unbiased : bool, optional
    reg : float, optional

    Returns
    -------
    w2 : float

    Examples
    --------
    >>> import numpy as np, goot
    >>> X = np.random.default_rng(0).standard_normal((8, 4))
    >>> round(goot.gaussian.gaussian_w2_from_samples(X, X + [0.1, -0.2, 0.3, 0]), 12)
    0.14

    References
    ----------
    .. [1] Esfandiarpoor, R. et al. "Beyond contrastive learning: synthetic
       data enables list-wise training with multiple levels of relevance", 2025.
    .. [2] Mathiasen, A. & Hvilshøj, F. "Backpropagating through Fréchet
       Inception Distance", 2020.
    """
    A = _samples(X, "X")
    B = _samples(Y, "Y")
    d = _same_dim(X=A, Y=B)
    return float(
        call(
            "GaussianSamplesW2",
            address(A),
            A.shape[0],
            address(B),
            B.shape[0],
            d,
            bool(unbiased),
            float(reg),
        )
    )
