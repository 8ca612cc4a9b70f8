"""Entropic OT between point clouds (POT's ``ot.bregman`` empirical solvers).

The cost matrix is built by :func:`goot.dist` (in parallel, in Go) and the
problem solved by :func:`goot.sinkhorn`; the argument spelling ``numIterMax``
(capital I) is POT's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..utils import dist, unif
from ._sinkhorn import sinkhorn, sinkhorn2

__all__ = [
    "empirical_sinkhorn",
    "empirical_sinkhorn2",
    "empirical_sinkhorn_divergence",
]


def _lazy_unsupported(isLazy: Any) -> None:
    if isLazy:
        # TODO(goot): lazy mode in linear memory, costs computed on the fly in
        # parallel row blocks in Go (n = m = 1e5, d = 3 within 200 MB) (issue 3).
        raise NotImplementedError(
            "isLazy=True is not implemented in goot yet; use isLazy=False (the "
            "n x m cost matrix is stored) or POT's lazy mode"
        )


def _weights(w, X):
    return unif(np.shape(X)[0]) if w is None else w


def empirical_sinkhorn(
    X_s: Any,
    X_t: Any,
    reg: float,
    a: Any = None,
    b: Any = None,
    metric: str = "sqeuclidean",
    numIterMax: int = 10000,
    stopThr: float = 1e-9,
    isLazy: bool = False,
    batchSize: Any = 100,
    verbose: bool = False,
    log: bool = False,
    warn: bool = True,
    warmstart: Any = None,
    **kwargs: Any,
):
    r"""Entropic OT plan between two point clouds.

    Solves :func:`goot.sinkhorn` with :math:`M_{ij} = d(x^s_i, x^t_j)`
    (``metric``, squared Euclidean by default) and uniform weights when ``a``
    or ``b`` is None. ``**kwargs`` go to :func:`goot.sinkhorn` (e.g.
    ``method``). ``isLazy=True`` is not implemented yet (NotImplementedError).

    Returns
    -------
    gamma : ndarray, shape (ns, nt)
    log : dict
        Only if ``log`` is True: the log of the Sinkhorn method.

    Examples
    --------
    >>> import numpy as np, goot
    >>> X = np.array([[0.0], [1.0]])
    >>> goot.bregman.empirical_sinkhorn(X, X, 1.0)
    array([[0.36552929, 0.13447071],
           [0.13447071, 0.36552929]])

    References
    ----------
    .. [1] Genevay, A., Peyré, G., Cuturi, M. (2018). Learning generative
       models with Sinkhorn divergences. AISTATS.
    """
    _lazy_unsupported(isLazy)
    M = dist(X_s, X_t, metric=metric)
    return sinkhorn(
        _weights(a, X_s), _weights(b, X_t), M, reg, numItermax=numIterMax,
        stopThr=stopThr, verbose=verbose, log=log, warmstart=warmstart, **kwargs,
    )  # fmt: skip


def empirical_sinkhorn2(
    X_s: Any,
    X_t: Any,
    reg: float,
    a: Any = None,
    b: Any = None,
    metric: str = "sqeuclidean",
    numIterMax: int = 10000,
    stopThr: float = 1e-9,
    isLazy: bool = False,
    batchSize: Any = 100,
    verbose: bool = False,
    log: bool = False,
    warn: bool = True,
    warmstart: Any = None,
    **kwargs: Any,
):
    r"""Linear entropic OT loss :math:`\langle \gamma, M \rangle` between two
    point clouds (the entropy term is not included, as in POT).

    See :func:`empirical_sinkhorn` for the arguments.

    Examples
    --------
    >>> import numpy as np, goot
    >>> X = np.array([[0.0], [1.0]])
    >>> round(float(goot.bregman.empirical_sinkhorn2(X, X, 1.0)), 10)
    0.2689414214
    """
    _lazy_unsupported(isLazy)
    M = dist(X_s, X_t, metric=metric)
    return sinkhorn2(
        _weights(a, X_s), _weights(b, X_t), M, reg, numItermax=numIterMax,
        stopThr=stopThr, verbose=verbose, log=log, warn=warn, warmstart=warmstart,
        **kwargs,
    )  # fmt: skip


def empirical_sinkhorn_divergence(
    X_s: Any,
    X_t: Any,
    reg: float,
    a: Any = None,
    b: Any = None,
    metric: str = "sqeuclidean",
    numIterMax: int = 10000,
    stopThr: float = 1e-9,
    verbose: bool = False,
    log: bool = False,
    warn: bool = True,
    warmstart: Any = None,
    **kwargs: Any,
):
    r"""Sinkhorn divergence between two point clouds, from linear costs.

    .. math::
        S(\alpha, \beta) = \max\left(0, W(\alpha, \beta)
        - \tfrac12 W(\alpha, \alpha) - \tfrac12 W(\beta, \beta)\right)

    where :math:`W = \langle \gamma^\star, M \rangle` is the **linear** cost of
    the entropic plan (what :func:`empirical_sinkhorn2` returns, as in POT).
    The debiased divergence of Genevay et al. and Feydy et al. uses the full
    regularised value :math:`\langle\gamma, M\rangle + \mathrm{reg}\,
    \mathrm{KL}(\gamma \,|\, a b^T)` instead; the two differ by a term of
    order ``reg``.

    Log keys: ``sinkhorn_loss_ab``, ``sinkhorn_loss_a``, ``sinkhorn_loss_b``,
    ``log_sinkhorn_ab``, ``log_sinkhorn_a``, ``log_sinkhorn_b``.

    Examples
    --------
    >>> import numpy as np, goot
    >>> X = np.array([[0.0], [1.0]])
    >>> float(goot.bregman.empirical_sinkhorn_divergence(X, X, 1.0))
    0.0

    References
    ----------
    .. [1] Genevay, A., Peyré, G., Cuturi, M. (2018). Learning generative
       models with Sinkhorn divergences. AISTATS.
    .. [2] Feydy, J., Séjourné, T., Vialard, F.-X., Amari, S., Trouvé, A.,
       Peyré, G. (2019). Interpolating between optimal transport and MMD using
       Sinkhorn divergences. AISTATS.
    """
    # TODO(goot): the full regularised (debiased) value as an opt-in, and a
    # matrix-input divergence (issue 3).
    if warmstart is None:
        start_ab, start_a, start_b = None, None, None
    else:
        u, v = warmstart
        start_ab, start_a, start_b = warmstart, (u, u), (v, v)
    common = dict(metric=metric, numIterMax=numIterMax, stopThr=stopThr,
                  verbose=verbose, log=log, warn=warn, **kwargs)  # fmt: skip
    ab = empirical_sinkhorn2(X_s, X_t, reg, a, b, warmstart=start_ab, **common)
    aa = empirical_sinkhorn2(X_s, X_s, reg, a, a, warmstart=start_a, **common)
    bb = empirical_sinkhorn2(X_t, X_t, reg, b, b, warmstart=start_b, **common)
    if not log:
        return np.maximum(0.0, ab - 0.5 * (aa + bb))
    (ab, log_ab), (aa, log_a), (bb, log_b) = ab, aa, bb
    out = {
        "sinkhorn_loss_ab": ab,
        "sinkhorn_loss_a": aa,
        "sinkhorn_loss_b": bb,
        "log_sinkhorn_ab": log_ab,
        "log_sinkhorn_a": log_a,
        "log_sinkhorn_b": log_b,
    }
    return np.maximum(0.0, ab - 0.5 * (aa + bb)), out
