"""Optimal transport between Gaussian mixtures (POT's ``ot.gmm``).

The mixture-Wasserstein distance of Delon & Desolneux restricts couplings to
Gaussian mixtures, which makes it a discrete OT problem between the
components with the squared Bures-Wasserstein cost:

.. math::
    MW_2^2(\\mu_s, \\mu_t) = \\min_{P \\in U(w_s, w_t)} \\sum_{k,l} P_{kl}\\,
    W_2^2(\\mathcal{N}(m_{s,k}, C_{s,k}), \\mathcal{N}(m_{t,l}, C_{t,l})).

The component costs come from goot's Go Bures kernel (all pairs in parallel),
the plan from goot's exact solver (:func:`goot.emd`).

References
----------
.. [1] Delon, J. & Desolneux, A. "A Wasserstein-type distance in the space of
   Gaussian mixture models", SIAM Journal on Imaging Sciences, 2020.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._backend import tensor_io
from ._core import InputError, as_float64
from .gaussian import (
    _covs,
    _means,
    _same_dim,
    _squared,
    bures_wasserstein_barycenter,
    bures_wasserstein_mapping,
)
from .lp import emd, emd2

__all__ = [
    "gaussian_logpdf",
    "gaussian_pdf",
    "gmm_pdf",
    "dist_bures_squared",
    "gmm_ot_loss",
    "gmm_ot_plan",
    "gmm_ot_apply_map",
    "gmm_ot_plan_density",
    "gmm_barycenter_fixed_point",
]


def _mixture(m: Any, C: Any, w: Any, side: str):
    """Means (k, d), covariances (k, d, d) and weights (k,) of one mixture."""
    means, _ = _means(m, f"m_{side}")
    covs, _ = _covs(C, f"C_{side}")
    if means.shape[0] != covs.shape[0]:
        raise InputError(
            f"m_{side} and C_{side}: {means.shape[0]} means for {covs.shape[0]} "
            "covariances (different amount of components)"
        )
    weights = None
    if w is not None:
        weights = as_float64(w, f"w_{side}")
        if weights.shape != (means.shape[0],):
            raise InputError(
                f"w_{side} has shape {weights.shape}, the mixture has "
                f"{means.shape[0]} components"
            )
    return means, covs, weights


@tensor_io()
def gaussian_logpdf(x: Any, m: Any, C: Any) -> np.ndarray:
    r"""Log-density of :math:`\mathcal{N}(m, C)` at the points ``x``.

    Parameters
    ----------
    x : array-like, shape (..., d)
    m : array-like, shape (d,)
    C : array-like, shape (d, d), positive definite

    Returns
    -------
    logpdf : ndarray, shape (...)

    Examples
    --------
    >>> import numpy as np
    >>> from goot.gmm import gaussian_logpdf
    >>> round(float(gaussian_logpdf(np.zeros(1), np.zeros(1), np.eye(1))), 12)
    -0.918938533205
    """
    X = as_float64(x, "x")
    mean = as_float64(m, "m")
    cov = as_float64(C, "C")
    d = mean.shape[-1]
    if X.shape[-1] != d or cov.shape != (d, d):
        raise InputError(
            f"x, m and C: dimension mismatch ({X.shape}, {mean.shape}, {cov.shape})"
        )
    sign, logdet = np.linalg.slogdet(cov)
    if sign <= 0:
        raise InputError("C must be positive definite for a density")
    diff = X - mean
    z = np.sum(
        diff * np.linalg.solve(cov, diff.reshape(-1, d).T).T.reshape(diff.shape), -1
    )
    return -0.5 * (d * np.log(2 * np.pi) + logdet + z)


@tensor_io()
def gaussian_pdf(x: Any, m: Any, C: Any) -> np.ndarray:
    r"""Density of :math:`\mathcal{N}(m, C)` at the points ``x``.

    Parameters
    ----------
    x : array-like, shape (..., d)
    m : array-like, shape (d,)
    C : array-like, shape (d, d)

    Returns
    -------
    pdf : ndarray, shape (...)

    Examples
    --------
    >>> import numpy as np
    >>> from goot.gmm import gaussian_pdf
    >>> round(float(gaussian_pdf(np.zeros(2), np.zeros(2), np.eye(2))), 12)
    0.159154943092
    """
    return np.exp(gaussian_logpdf(x, m, C))


@tensor_io()
def gmm_pdf(x: Any, m: Any, C: Any, w: Any) -> np.ndarray:
    r"""Density of the mixture :math:`\sum_k w_k \mathcal{N}(m_k, C_k)` at ``x``.

    Parameters
    ----------
    x : array-like, shape (..., d)
    m : array-like, shape (k, d)
    C : array-like, shape (k, d, d)
    w : array-like, shape (k,)

    Returns
    -------
    pdf : ndarray, shape (...)

    Examples
    --------
    >>> import numpy as np
    >>> from goot.gmm import gmm_pdf
    >>> m, C = np.array([[0.0], [0.0]]), np.array([[[1.0]], [[1.0]]])
    >>> round(float(gmm_pdf(np.zeros((1, 1)), m, C, np.array([0.5, 0.5]))[0]), 12)
    0.398942280401
    """
    means, covs, weights = _mixture(m, C, w, "s")
    X = as_float64(x, "x")
    out = np.zeros(X.shape[:-1])
    for k in range(means.shape[0]):
        out = out + weights[k] * gaussian_pdf(X, means[k], covs[k])
    return out


@tensor_io()
def dist_bures_squared(m_s: Any, m_t: Any, C_s: Any, C_t: Any) -> np.ndarray:
    r"""Squared Bures-Wasserstein distances between mixture components.

    .. math::
        D_{kl} = \|m_{s,k} - m_{t,l}\|^2 + \mathcal{B}(C_{s,k}, C_{t,l})^2

    Parameters
    ----------
    m_s : array-like, shape (k_s, d)
    m_t : array-like, shape (k_t, d)
    C_s : array-like, shape (k_s, d, d)
    C_t : array-like, shape (k_t, d, d)

    Returns
    -------
    D : ndarray, shape (k_s, k_t)

    Examples
    --------
    >>> import numpy as np
    >>> from goot.gmm import dist_bures_squared
    >>> dist_bures_squared(np.zeros((1, 2)), np.array([[1.0, 2.0]]),
    ...                    np.eye(2)[None], np.diag([4.0, 9.0])[None])
    array([[10.]])
    """
    ms, Cs, _ = _mixture(m_s, C_s, None, "s")
    mt, Ct, _ = _mixture(m_t, C_t, None, "t")
    _same_dim(m_s=ms, m_t=mt, C_s=Cs, C_t=Ct)
    dtype = np.float32 if getattr(m_s, "dtype", None) == np.float32 else np.float64
    try:
        D = _squared(ms, mt, Cs, Ct, False)
    except InputError as err:
        # The Go kernel names POT's gaussian arguments; use ot.gmm's names.
        text = str(err)
        for go, py in (("Cs", "C_s"), ("Ct", "C_t"), ("ms", "m_s"), ("mt", "m_t")):
            if text.startswith(go + ":"):
                text = py + text[len(go) :]
        raise InputError(text) from None
    return D.astype(dtype, copy=False)


@tensor_io()
def gmm_ot_loss(
    m_s: Any, m_t: Any, C_s: Any, C_t: Any, w_s: Any, w_t: Any, log: bool = False
):
    r"""Mixture-Wasserstein loss :math:`MW_2^2` between two Gaussian mixtures.

    ``emd2(w_s, w_t, D)`` with ``D`` from :func:`dist_bures_squared`.

    Parameters
    ----------
    m_s, m_t : array-like, shapes (k_s, d) and (k_t, d)
        Component means.
    C_s, C_t : array-like, shapes (k_s, d, d) and (k_t, d, d)
        Component covariances.
    w_s, w_t : array-like, shapes (k_s,) and (k_t,)
        Component weights (equal total mass).
    log : bool, optional
        Also return :func:`goot.emd2`'s log (cost, duals, warning).

    Returns
    -------
    loss : float
    log : dict, only if ``log``

    Examples
    --------
    >>> import numpy as np
    >>> from goot.gmm import gmm_ot_loss
    >>> m_s = np.array([[0.0, 0.0], [2.0, 0.0]])
    >>> m_t = m_s + [0.0, 1.0]
    >>> C = np.array([np.eye(2), np.eye(2)])
    >>> float(gmm_ot_loss(m_s, m_t, C, C, np.array([0.5, 0.5]), np.array([0.5, 0.5])))
    1.0

    References
    ----------
    .. [1] Delon, J. & Desolneux, A. "A Wasserstein-type distance in the space
       of Gaussian mixture models", SIAM Journal on Imaging Sciences, 2020.
    """
    ms, _, ws = _mixture(m_s, C_s, w_s, "s")
    mt, _, wt = _mixture(m_t, C_t, w_t, "t")
    D = dist_bures_squared(m_s, m_t, C_s, C_t)
    return emd2(w_s, w_t, D, log=log)


@tensor_io()
def gmm_ot_plan(
    m_s: Any, m_t: Any, C_s: Any, C_t: Any, w_s: Any, w_t: Any, log: bool = False
):
    r"""Optimal plan between the components of two Gaussian mixtures.

    ``emd(w_s, w_t, D)`` with ``D`` from :func:`dist_bures_squared`.

    Parameters
    ----------
    m_s, m_t, C_s, C_t, w_s, w_t
        As in :func:`gmm_ot_loss`.
    log : bool, optional
        Also return :func:`goot.emd`'s log.

    Returns
    -------
    plan : ndarray, shape (k_s, k_t)
    log : dict, only if ``log``

    Examples
    --------
    >>> import numpy as np
    >>> from goot.gmm import gmm_ot_plan
    >>> m_s = np.array([[0.0], [5.0]])
    >>> C = np.array([[[1.0]], [[1.0]]])
    >>> gmm_ot_plan(m_s, m_s[::-1], C, C, np.array([0.5, 0.5]), np.array([0.5, 0.5]))
    array([[0. , 0.5],
           [0.5, 0. ]])
    """
    _mixture(m_s, C_s, w_s, "s")
    _mixture(m_t, C_t, w_t, "t")
    D = dist_bures_squared(m_s, m_t, C_s, C_t)
    return emd(w_s, w_t, D, log=log)


def _component_logpdfs(X: np.ndarray, ms: np.ndarray, Cs: np.ndarray) -> np.ndarray:
    """(n, k_s) log-densities of the source components at the points."""
    return np.stack([gaussian_logpdf(X, ms[k], Cs[k]) for k in range(ms.shape[0])], -1)


def _maps(ms, mt, Cs, Ct, support):
    """Monge maps (A, b) of the component pairs (i, j) in ``support``."""
    return {
        (i, j): bures_wasserstein_mapping(ms[i], mt[j], Cs[i], Ct[j])
        for i, j in support
    }


@tensor_io()
def gmm_ot_apply_map(
    x: Any,
    m_s: Any,
    m_t: Any,
    C_s: Any,
    C_t: Any,
    w_s: Any,
    w_t: Any,
    plan: Any = None,
    method: str = "bary",
    seed: Any = None,
) -> np.ndarray:
    r"""Map points with the GMM-OT plan, barycentrically or at random.

    With :math:`P` the component plan, :math:`T_{ij}` the Gaussian Monge map
    between components :math:`i` and :math:`j` and
    :math:`p_i(x) = w_{s,i} g_i(x) / \sum_k w_{s,k} g_k(x)`:

    - ``'bary'`` (:math:`T_{bary}`): :math:`x \mapsto \sum_{ij} P_{ij}\,
      \frac{g_i(x)}{\sum_k w_{s,k} g_k(x)}\, T_{ij}(x)`;
    - ``'rand'`` (:math:`T_{rand}`): each point draws a pair :math:`(i, j)`
      with probability :math:`P_{ij} g_i(x) / \sum_k w_{s,k} g_k(x)` and moves
      by :math:`T_{ij}`. The draws use ``np.random.RandomState(seed)`` exactly
      as POT does, so a given ``seed`` gives POT's points.

    Parameters
    ----------
    x : array-like, shape (n, d)
    m_s, m_t, C_s, C_t, w_s, w_t
        As in :func:`gmm_ot_loss`.
    plan : array-like, shape (k_s, k_t), optional
        Computed by :func:`gmm_ot_plan` when not given.
    method : {'bary', 'rand'}, optional
    seed : int, optional
        Seed of the ``'rand'`` draws.

    Returns
    -------
    y : ndarray, shape (n, d)

    Examples
    --------
    >>> import numpy as np
    >>> from goot.gmm import gmm_ot_apply_map
    >>> m, C, w = np.zeros((1, 1)), np.ones((1, 1, 1)), np.ones(1)
    >>> gmm_ot_apply_map(np.array([[1.0], [2.0]]), m, m + 3, C, 4 * C, w, w)
    array([[5.],
           [7.]])

    References
    ----------
    .. [1] Delon, J. & Desolneux, A. "A Wasserstein-type distance in the space
       of Gaussian mixture models", SIAM Journal on Imaging Sciences, 2020.
    """
    if method not in ("bary", "rand"):
        raise ValueError(f"method must be 'bary' or 'rand', got {method!r}")
    ms, Cs, ws = _mixture(m_s, C_s, w_s, "s")
    mt, Ct, _ = _mixture(m_t, C_t, w_t, "t")
    X = as_float64(x, "x")
    if X.ndim != 2 or X.shape[1] != ms.shape[1]:
        raise InputError(f"x must have shape (n, {ms.shape[1]}), got {X.shape}")
    P = gmm_ot_plan(m_s, m_t, C_s, C_t, w_s, w_t) if plan is None else plan
    P = as_float64(P, "plan")
    if P.shape != (ms.shape[0], mt.shape[0]):
        raise InputError(
            f"plan has shape {P.shape}, expected {(ms.shape[0], mt.shape[0])}"
        )
    support = list(zip(*np.nonzero(P > 0)))
    maps = _maps(ms, mt, Cs, Ct, support)

    # q[:, i] = g_i(x) / sum_k w_k g_k(x), computed from log-densities.
    logg = _component_logpdfs(X, ms, Cs)
    shift = logg.max(axis=1, keepdims=True)
    g = np.exp(logg - shift)
    q = g / (g @ ws)[:, None]

    if method == "bary":
        out = np.zeros_like(X)
        for i, j in support:
            A, b = maps[i, j]
            out += (P[i, j] * q[:, i])[:, None] * (X @ A + b)
        return out

    # 'rand': one uniform per point, inverted through the cumulative
    # probabilities of the flattened (i, j) grid, as RandomState.choice does.
    rng = np.random.RandomState(seed)
    out = np.empty_like(X)
    u = rng.random_sample(X.shape[0])
    probs = (q[:, :, None] * P[None]).reshape(X.shape[0], -1)
    cdf = np.cumsum(probs, axis=1)
    cdf /= cdf[:, -1:]
    k_t = mt.shape[0]
    for s in range(X.shape[0]):
        ij = int(np.searchsorted(cdf[s], u[s], side="right"))
        A, b = maps[ij // k_t, ij % k_t]
        out[s] = X[s] @ A + b
    return out


@tensor_io()
def gmm_ot_plan_density(
    x: Any,
    y: Any,
    m_s: Any,
    m_t: Any,
    C_s: Any,
    C_t: Any,
    w_s: Any,
    w_t: Any,
    plan: Any = None,
    atol: float = 1e-2,
) -> np.ndarray:
    r"""Density of the GMM-OT coupling at the pairs ``(x[i], y[j])``.

    The coupling is :math:`\sum_{kl} P_{kl}\, (\mathrm{Id}, T_{kl})_\#
    \mathcal{N}(m_{s,k}, C_{s,k})`, concentrated on the graphs of the maps; a
    pair counts as on the graph of :math:`T_{kl}` when
    :math:`\|T_{kl}(x_i) - y_j\| <` ``atol``, and then contributes
    :math:`P_{kl}\, g_k(x_i)`.

    Parameters
    ----------
    x : array-like, shape (n, d)
    y : array-like, shape (m, d)
    m_s, m_t, C_s, C_t, w_s, w_t
        As in :func:`gmm_ot_loss`.
    plan : array-like, shape (k_s, k_t), optional
    atol : float, optional
        Tolerance on the graph (default 1e-2).

    Returns
    -------
    density : ndarray, shape (n, m)

    Examples
    --------
    >>> import numpy as np
    >>> from goot.gmm import gmm_ot_plan_density
    >>> m, C, w = np.zeros((1, 1)), np.ones((1, 1, 1)), np.ones(1)
    >>> D = gmm_ot_plan_density(np.zeros((1, 1)), np.array([[0.0], [1.0]]),
    ...                         m, m, C, C, w, w)
    >>> np.round(D, 6)
    array([[0.398942, 0.      ]])
    """
    ms, Cs, _ = _mixture(m_s, C_s, w_s, "s")
    mt, Ct, _ = _mixture(m_t, C_t, w_t, "t")
    X = as_float64(x, "x")
    Y = as_float64(y, "y")
    if X.ndim != 2 or Y.ndim != 2 or X.shape[1] != Y.shape[1]:
        raise InputError(
            "x (n, d) and y (m, d) must have the same dimension d: "
            f"{X.shape}, {Y.shape}"
        )
    P = gmm_ot_plan(m_s, m_t, C_s, C_t, w_s, w_t) if plan is None else plan
    P = as_float64(P, "plan")
    out = np.zeros((X.shape[0], Y.shape[0]))
    for k0 in range(ms.shape[0]):
        g = gaussian_pdf(X, ms[k0], Cs[k0])
        for k1 in range(mt.shape[0]):
            A, b = bures_wasserstein_mapping(ms[k0], mt[k1], Cs[k0], Ct[k1])
            TX = X @ A + b
            near = np.linalg.norm(TX[:, None, :] - Y[None, :, :], axis=-1) < atol
            out += (P[k0, k1] * g)[:, None] * near
    return out


@tensor_io()
def gmm_barycenter_fixed_point(
    means_list: Any,
    covs_list: Any,
    w_list: Any,
    means_init: Any,
    covs_init: Any,
    weights: Any,
    w_bar: Any = None,
    iterations: int = 100,
    log: bool = False,
    barycentric_proj_method: str = "euclidean",
):
    r"""GMM-OT barycenter of mixtures by the fixed point of Tanguy et al.

    Each iteration computes the GMM-OT plans :math:`\pi_k` from the current
    barycenter (``n`` components, weights ``w_bar``, kept fixed) to the
    ``K`` mixtures, projects them barycentrically (``'euclidean'``: convex
    combinations :math:`\frac{1}{w_{bar,i}} \sum_j \pi_{k,ij} (m_{k,j},
    C_{k,j})`; ``'bures'``: Bures barycenters with those coefficients), then
    sets each barycenter component to the Bures barycenter of its ``K``
    projections with ``weights``.

    The inputs are not modified (POT overwrites ``means_init`` and
    ``covs_init``). For non-uniform ``w_bar`` goot divides by
    :math:`w_{bar,i}` where POT multiplies by ``n``; they agree for the
    default uniform ``w_bar``.

    Parameters
    ----------
    means_list : list of K arrays of shape (m_k, d)
    covs_list : list of K arrays of shape (m_k, d, d)
    w_list : list of K arrays of shape (m_k,)
    means_init : array-like, shape (n, d)
    covs_init : array-like, shape (n, d, d)
    weights : array-like, shape (K,)
        Barycentric coefficients.
    w_bar : array-like, shape (n,), optional
        Weights of the barycenter's components (uniform by default).
    iterations : int, optional
        Number of iterations (default 100).
    log : bool, optional
        Also return ``{"means_its", "covs_its"}``.
    barycentric_proj_method : {'euclidean', 'bures'}, optional

    Returns
    -------
    means : ndarray, shape (n, d)
    covs : ndarray, shape (n, d, d)
    log : dict, only if ``log``

    Examples
    --------
    >>> import numpy as np
    >>> from goot.gmm import gmm_barycenter_fixed_point
    >>> C = np.array([np.eye(1)])
    >>> means, covs = gmm_barycenter_fixed_point(
    ...     [np.array([[0.0]]), np.array([[4.0]])], [C, 9 * C],
    ...     [np.ones(1), np.ones(1)], np.array([[1.0]]), C, np.array([0.5, 0.5]),
    ...     iterations=2)
    >>> means, np.round(covs, 10)
    (array([[2.]]), array([[[4.]]]))

    References
    ----------
    .. [1] Delon, J. & Desolneux, A. "A Wasserstein-type distance in the space
       of Gaussian mixture models", SIAM Journal on Imaging Sciences, 2020.
    .. [2] Tanguy, E., Delon, J. & Gozlan, N. "Computing barycenters of
       measures for generic transport costs", arXiv:2501.04016, 2024.
    """
    if barycentric_proj_method not in ("euclidean", "bures"):
        raise ValueError("Unknown barycentric_proj_method")
    K = len(means_list)
    if not (len(covs_list) == len(w_list) == K) or K == 0:
        raise InputError("means_list, covs_list and w_list must have the same length")
    mixtures = [
        _mixture(means_list[k], covs_list[k], w_list[k], f"list[{k}]") for k in range(K)
    ]
    means, covs, _ = _mixture(means_init, covs_init, None, "init")
    means, covs = means.copy(), covs.copy()
    lam = as_float64(weights, "weights")
    if lam.shape != (K,):
        raise InputError(f"weights has shape {lam.shape}, expected ({K},)")
    n, d = means.shape
    wb = np.full(n, 1.0 / n) if w_bar is None else as_float64(w_bar, "w_bar")
    means_its, covs_its = [means.copy()], [covs.copy()]

    for _ in range(iterations):
        # 1. Plans from the current barycenter to each mixture.
        plans = [gmm_ot_plan(means, mk, covs, Ck, wb, wk) for mk, Ck, wk in mixtures]

        # 2. Each component: Bures barycenter of its K projections.
        new_means, new_covs = np.empty_like(means), np.empty_like(covs)
        for i in range(n):
            sel_m, sel_C = np.empty((K, d)), np.empty((K, d, d))
            for k, (mk, Ck, _) in enumerate(mixtures):
                coef = plans[k][i] / wb[i]
                if barycentric_proj_method == "euclidean":
                    sel_m[k] = coef @ mk
                    sel_C[k] = np.einsum("j,jab->ab", coef, Ck)
                else:
                    sel_m[k], sel_C[k] = bures_wasserstein_barycenter(mk, Ck, coef)
            new_means[i], new_covs[i] = bures_wasserstein_barycenter(sel_m, sel_C, lam)
        means, covs = new_means, new_covs
        if log:
            means_its.append(means.copy())
            covs_its.append(covs.copy())

    if log:
        return means, covs, {"means_its": means_its, "covs_its": covs_its}
    return means, covs
