"""Entropic OT between point clouds (POT's ``ot.bregman`` empirical solvers).

The cost matrix is built by :func:`goot.dist` (in parallel, in Go) and the
problem solved by :func:`goot.sinkhorn`; the argument spelling ``numIterMax``
(capital I) is POT's.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .._backend import tensor_io
from .._core import (
    InputError,
    address,
    as_float64,
    call,
    history_buffer,
    weights_or_uniform,
)
from .._warnings import user_warning
from ..utils import cost_gradients, dist, unif
from ._sinkhorn import (
    _INFO_LEN,
    _NOT_CONVERGED,
    _OPTIMAL,
    _envelope,
    _info,
    _iterations,
    _reg,
    _warm,
    linear_value_gradients,
    sinkhorn,
    sinkhorn2,
)

__all__ = [
    "LazyPlan",
    "empirical_sinkhorn",
    "empirical_sinkhorn2",
    "empirical_sinkhorn_divergence",
]


# TODO(goot): a LazyPlan of tensors when the clouds are tensors (its blocks
# are numpy arrays for now) (issue 7).
class LazyPlan:
    """The entropic plan ``exp(f_i + g_j - C_ij / reg)`` of a lazy solve,
    computed block by block when indexed (``plan[i0:i1, j0:j1]``), never stored
    whole. (POT returns its ``LazyTensor`` here.)"""

    def __init__(self, X_s, X_t, f, g, metric, reg):
        self.X_s, self.X_t, self.f, self.g = X_s, X_t, f, g
        self.metric, self.reg = metric, reg
        self.shape = (X_s.shape[0], X_t.shape[0])

    def __getitem__(self, key):
        i, j = key if isinstance(key, tuple) else (key, slice(None))
        i = slice(i, i + 1) if isinstance(i, (int, np.integer)) else i
        j = slice(j, j + 1) if isinstance(j, (int, np.integer)) else j
        C = dist(self.X_s[i], self.X_t[j], metric=self.metric)
        return np.exp(self.f[i, None] + self.g[None, j] - C / self.reg)


def _lazy(X_s, X_t, reg, a, b, metric, numIterMax, stopThr, batchSize, warmstart):
    """POT's lazy mode, in Go: costs computed on the fly, O(n + m) memory."""
    if not (
        isinstance(batchSize, int)
        or (isinstance(batchSize, tuple) and len(batchSize) == 2)
    ):
        raise ValueError("Batch size must be in integer or a tuple of two integers")
    Xs, Xt = as_float64(X_s, "X_s"), as_float64(X_t, "X_t")
    if Xs.ndim != 2 or Xt.ndim != 2 or Xs.shape[1] != Xt.shape[1]:
        raise InputError(
            f"X_s and X_t must be 2-D with the same dimension, got {Xs.shape} "
            f"and {Xt.shape}"
        )
    (n, d), m = Xs.shape, Xt.shape[0]
    a, b = weights_or_uniform(a, n, "a"), weights_or_uniform(b, m, "b")
    numIterMax = _iterations(numIterMax, "numIterMax")
    warm = _warm(warmstart, ((n,), (m,)))
    f, g = (np.empty(n), np.empty(m)) if warm is None else warm
    cost, info = np.empty(1), np.empty(_INFO_LEN)
    errs = history_buffer(numIterMax)
    call(
        "BregmanSinkhornLazy", address(Xs), n, address(Xt), m, d, str(metric), 2.0,
        address(a), address(b), _reg(reg), address(f), address(g), address(cost),
        numIterMax, float(stopThr), warm is not None, address(errs),
        errs.shape[0], address(info),
    )  # fmt: skip
    status, it, _, _, errors = _info(info, errs)
    return Xs, Xt, f, g, float(cost[0]), status, it, errors


def _lazy_outcome(X_s, X_t, reg, a, b, metric, numIterMax, stopThr, batchSize,
                  verbose, warn, warmstart):  # fmt: skip
    Xs, Xt, f, g, cost, status, it, errors = _lazy(
        X_s, X_t, reg, a, b, metric, numIterMax, stopThr, batchSize, warmstart
    )
    if verbose:
        for k, err in enumerate(errors):
            if (10 * (k + 1)) % 100 == 0:
                print(f"Error in marginal at iteration {10 * (k + 1)} = {err}")
    if status != _OPTIMAL and warn:
        user_warning(_NOT_CONVERGED)
    log = {"err": errors, "u": f, "v": g, "niter": it}
    log["lazy_plan"] = LazyPlan(Xs, Xt, f, g, metric, _reg(reg))
    return f, g, cost, log


def _weights(w, X):
    return unif(np.shape(X)[0]) if w is None else w


# ---------------------------------------------------------------------------
# Gradients for PyTorch callers (see goot._backend.tensor_io): the gradients
# of _sinkhorn (implicit for the linear value, envelope for the regularized
# one), chained through the cost to the points.


class _CloudValue(NamedTuple):
    value: Any
    log: dict
    grad_s: np.ndarray  # in X_s
    grad_t: np.ndarray  # in X_t
    f: np.ndarray  # in a
    g: np.ndarray  # in b


def _cloud_envelope(X_s, X_t, reg, a, b, regularized, metric, numIterMax,
                    stopThr, verbose, warn, warmstart, isLazy=False,
                    batchSize=None, **kwargs):  # fmt: skip
    """An entropic OT value between two clouds with its envelope gradients."""
    if isLazy:
        return _lazy_cloud_envelope(
            X_s, X_t, reg, a, b, regularized, metric, numIterMax, stopThr,
            verbose, warn, warmstart, batchSize,
        )  # fmt: skip
    X_s, X_t = as_float64(X_s, "X_s"), as_float64(X_t, "X_t")
    a = as_float64(_weights(a, X_s), "a")
    b = as_float64(_weights(b, X_t), "b")
    M = dist(X_s, X_t, metric=metric)
    method = kwargs.pop("method", "sinkhorn")
    out, f, g = _envelope(
        a, b, M, reg, method, numIterMax, stopThr, verbose, warn, warmstart, **kwargs
    )  # fmt: skip
    P = np.asarray(out.plan, dtype=np.float64)
    if regularized:  # the envelope gradients are exact for the entropic value
        value = _entropic_value(P, M, a, b, _reg(reg))
    else:  # the linear value <P, M>: its own gradients (implicit)
        value = out.loss(False)
        P, f, g = linear_value_gradients(P, M, _reg(reg))
    grad_s, grad_t = cost_gradients(metric, X_s, X_t, P, M)
    return _CloudValue(value, out.log, grad_s, grad_t, f, g)


def _lazy_cloud_envelope(X_s, X_t, reg, a, b, regularized, metric, numIterMax,
                         stopThr, verbose, warn, warmstart, batchSize):  # fmt: skip
    """`_cloud_envelope` with isLazy=True: the plan exp(f_i + g_j - C_ij / reg)
    is rebuilt by blocks of rows for the point gradients, in O(block) memory.
    These are the envelope gradients also for the linear value (off from its
    own by O(reg)): its implicit gradients need a dense adjoint solve.
    TODO(goot): the implicit gradients of the linear value by CG on lazy plan
    products (issue 7)."""
    f, g, cost, log = _lazy_outcome(
        X_s, X_t, reg, a, b, metric, numIterMax, stopThr, batchSize, verbose, warn,
        warmstart,
    )  # fmt: skip
    reg = _reg(reg)
    Xs, Xt = as_float64(X_s, "X_s"), as_float64(X_t, "X_t")
    a = as_float64(_weights(a, Xs), "a")
    b = as_float64(_weights(b, Xt), "b")
    value = _lazy_entropic_value(a, b, f, g, reg) if regularized else cost
    grad_s, grad_t = np.empty_like(Xs), np.zeros_like(Xt)
    rows = max(1, _BLOCK // Xt.shape[0])
    for i in range(0, Xs.shape[0], rows):
        C = dist(Xs[i : i + rows], Xt, metric=metric)
        P = np.exp(f[i : i + rows, None] + g[None, :] - C / reg)
        gs, gt = cost_gradients(metric, Xs[i : i + rows], Xt, P, C)
        grad_s[i : i + rows] = gs
        grad_t += gt
    # f, g are log-scalings: the potentials are reg·f and reg·g.
    return _CloudValue(
        value, log, grad_s, grad_t, reg * (f - f.mean()), reg * (g - g.mean())
    )


_BLOCK = 1 << 20  # plan entries per block of rows in the lazy gradients


def _empirical_sinkhorn2_grad(args: dict, attach: Any) -> Any:
    options = {k: v for k, v in args.items() if k not in ("log", "kwargs")}
    c = _cloud_envelope(regularized=False, **options, **args["kwargs"])
    value = attach(c.value, X_s=c.grad_s, X_t=c.grad_t, a=c.f, b=c.g)
    return (value, c.log) if args["log"] else value


def _divergence_grad(args: dict, attach: Any) -> Any:
    X_s, X_t, a, b, log = (args[k] for k in ("X_s", "X_t", "a", "b", "log"))
    if args["value"] not in ("linear", "regularized"):
        raise ValueError(
            f"value must be 'linear' or 'regularized', got {args['value']!r}"
        )
    warm = args["warmstart"]
    starts = (None,) * 3 if warm is None else (warm, (warm[0],) * 2, (warm[1],) * 2)
    options = {
        k: args[k]
        for k in ("reg", "metric", "numIterMax", "stopThr", "verbose", "warn")
    }
    options.update(args["kwargs"], regularized=args["value"] == "regularized")
    ab = _cloud_envelope(X_s, X_t, a=a, b=b, warmstart=starts[0], **options)
    aa = _cloud_envelope(X_s, X_s, a=a, b=a, warmstart=starts[1], **options)
    bb = _cloud_envelope(X_t, X_t, a=b, b=b, warmstart=starts[2], **options)

    # S = max(0, W_ab - (W_aa + W_bb) / 2); the self terms see their cloud twice.
    raw = ab.value - 0.5 * (aa.value + bb.value)
    live = 1.0 if raw > 0 else 0.0
    value = attach(
        np.maximum(0.0, raw),
        X_s=live * (ab.grad_s - 0.5 * (aa.grad_s + aa.grad_t)),
        X_t=live * (ab.grad_t - 0.5 * (bb.grad_s + bb.grad_t)),
        a=live * (ab.f - 0.5 * (aa.f + aa.g)),
        b=live * (ab.g - 0.5 * (bb.f + bb.g)),
    )
    if not log:
        return value
    return value, {
        "sinkhorn_loss_ab": ab.value,
        "sinkhorn_loss_a": aa.value,
        "sinkhorn_loss_b": bb.value,
        "log_sinkhorn_ab": ab.log,
        "log_sinkhorn_a": aa.log,
        "log_sinkhorn_b": bb.log,
    }


@tensor_io()
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
    ``method``).

    With ``isLazy=True`` the costs are computed on the fly in Go, in parallel
    row blocks, and never stored (memory O(ns + nt)); the iteration is POT's
    lazy one (f then g in the log domain, L1 error of the row marginal every
    10 iterations) and the log-potentials ``(f, g)`` are returned instead of
    the plan. ``batchSize`` is accepted for compatibility (goot's blocks are
    its own). Lazy metrics: 'sqeuclidean', 'euclidean', 'cityblock'.

    Returns
    -------
    gamma : ndarray, shape (ns, nt)
        Or ``(f, g)`` with ``isLazy=True``.
    log : dict
        Only if ``log`` is True: the log of the Sinkhorn method; lazy: ``err``,
        ``u``, ``v`` (= f, g), ``niter``, ``lazy_plan`` (a :class:`LazyPlan`).

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
    if isLazy:
        f, g, _, out = _lazy_outcome(
            X_s, X_t, reg, a, b, metric, numIterMax, stopThr, batchSize, verbose,
            warn, warmstart,
        )  # fmt: skip
        return (f, g, out) if log else (f, g)
    M = dist(X_s, X_t, metric=metric)
    return sinkhorn(
        _weights(a, X_s), _weights(b, X_t), M, reg, numItermax=numIterMax,
        stopThr=stopThr, verbose=verbose, log=log, warmstart=warmstart, **kwargs,
    )  # fmt: skip


@tensor_io(grad=_empirical_sinkhorn2_grad)
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

    See :func:`empirical_sinkhorn` for the arguments; with ``isLazy=True`` the
    loss is summed block by block in Go, in O(ns + nt) memory.

    With torch tensors the loss has the gradients of :func:`goot.sinkhorn2`,
    chained to ``X_s`` and ``X_t`` through the ``'sqeuclidean'`` or
    ``'euclidean'`` cost. With ``isLazy=True`` they are the envelope
    gradients (the plan in the cost, by blocks of rows, in memory independent
    of the plan's size), which differ from the loss's own by O(reg).

    Examples
    --------
    >>> import numpy as np, goot
    >>> X = np.array([[0.0], [1.0]])
    >>> round(float(goot.bregman.empirical_sinkhorn2(X, X, 1.0)), 10)
    0.2689414214
    """
    if isLazy:
        _, _, cost, out = _lazy_outcome(
            X_s, X_t, reg, a, b, metric, numIterMax, stopThr, batchSize, verbose,
            warn, warmstart,
        )  # fmt: skip
        return (cost, out) if log else cost
    M = dist(X_s, X_t, metric=metric)
    return sinkhorn2(
        _weights(a, X_s), _weights(b, X_t), M, reg, numItermax=numIterMax,
        stopThr=stopThr, verbose=verbose, log=log, warn=warn, warmstart=warmstart,
        **kwargs,
    )  # fmt: skip


def _regularized_value(X_s, X_t, reg, a, b, metric, numIterMax, stopThr, verbose,
                       log, warn, warmstart, **kwargs):  # fmt: skip
    r"""The full entropic OT value :math:`\langle\gamma, M\rangle + \mathrm{reg}\,
    \mathrm{KL}(\gamma \,|\, a b^T)` of the plan between two clouds."""
    a, b = _weights(a, X_s), _weights(b, X_t)
    a, b = as_float64(a, "a"), as_float64(b, "b")
    reg = _reg(reg)
    common = dict(numItermax=numIterMax, stopThr=stopThr, verbose=verbose, log=True,
                  warn=warn, warmstart=warmstart)  # fmt: skip
    if kwargs.pop("isLazy", False):
        kwargs.pop("batchSize", None)
        # P = exp(f_i + g_j - C_ij / reg): log P / (a b^T) is affine in C, so the
        # KL term follows from the potentials (its marginals are a and b to
        # stopThr), and the value needs no second pass over the costs.
        f, g, out = empirical_sinkhorn(
            X_s, X_t, reg, a, b, metric=metric, numIterMax=numIterMax,
            stopThr=stopThr, isLazy=True, verbose=verbose, log=True, warn=warn,
            warmstart=warmstart,
        )  # fmt: skip
        value = _lazy_entropic_value(a, b, f, g, reg)
        return (value, out) if log else value
    M = dist(X_s, X_t, metric=metric)
    P, out = sinkhorn(a, b, M, reg, **common, **kwargs)
    value = _entropic_value(P, M, a, b, reg)
    return (value, out) if log else value


def _lazy_entropic_value(a, b, f, g, reg):
    """<P, M> + reg·KL(P | a b^T) from the log-scalings of P = exp(f + g - M/reg)
    (log P / (a b^T) is affine in M, and P's marginals are a and b)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        dual = np.sum(np.where(a > 0, a * (f - np.log(a)), 0.0))
        dual += np.sum(np.where(b > 0, b * (g - np.log(b)), 0.0))
    return reg * (dual - b.sum() + a.sum() * b.sum())


def _entropic_value(P, M, a, b, reg):
    """<P, M> + reg·KL(P | a b^T), the terms where P = 0 counting 0."""
    support = P > 0
    ab = np.outer(a, b)
    with np.errstate(divide="ignore", invalid="ignore"):
        kl = np.sum(P * np.log(P / ab), where=support) - P.sum() + ab.sum()
    return np.float64(np.sum(P * M, where=support) + reg * kl)


@tensor_io(grad=_divergence_grad)
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
    *,
    value: str = "linear",
    **kwargs: Any,
):
    r"""Sinkhorn divergence between two point clouds.

    .. math::
        S(\alpha, \beta) = \max\left(0, W(\alpha, \beta)
        - \tfrac12 W(\alpha, \alpha) - \tfrac12 W(\beta, \beta)\right)

    ``value`` (goot only, keyword) chooses :math:`W`:

    - ``"linear"`` (default, POT's value): :math:`W = \langle \gamma^\star, M
      \rangle`, the **linear** cost of the entropic plan (what
      :func:`empirical_sinkhorn2` returns). This is not the Sinkhorn divergence
      of the literature: it lacks the entropy term, and for distinct but close
      clouds the difference can be negative (then clamped to 0).
    - ``"regularized"``: the full entropic OT value
      :math:`W = \langle\gamma^\star, M\rangle + \mathrm{reg}\,
      \mathrm{KL}(\gamma^\star \,|\, a b^T)`, which gives the debiased
      Sinkhorn divergence of Genevay et al. (2018) and Feydy et al. (2019):
      zero when the clouds are equal, positive otherwise, and tending to the
      OT cost as ``reg`` → 0 and to an MMD as ``reg`` → ∞. (With
      :math:`\Omega(\gamma) = \sum \gamma \log \gamma` in place of the KL
      the divergence is the same: the extra terms cancel in S.) With
      ``isLazy=True`` the KL term is computed from the potentials, in
      O(ns + nt) memory.

    The two differ by a term of order ``reg``. Log keys (both modes):
    ``sinkhorn_loss_ab``, ``sinkhorn_loss_a``, ``sinkhorn_loss_b`` (the three
    values W), ``log_sinkhorn_ab``, ``log_sinkhorn_a``, ``log_sinkhorn_b``.

    With torch tensors the divergence has the gradients of its three terms
    (see :func:`goot.sinkhorn2`); with ``value="regularized"`` those of the
    entropic values (the envelope gradients, exact at convergence).

    Examples
    --------
    >>> import numpy as np, goot
    >>> X = np.array([[0.0], [1.0]])
    >>> float(goot.bregman.empirical_sinkhorn_divergence(X, X, 1.0))
    0.0
    >>> Y = np.array([[0.0], [2.0]])
    >>> S = goot.bregman.empirical_sinkhorn_divergence(X, Y, 1.0, value="regularized")
    >>> round(float(S), 6)
    0.538778

    References
    ----------
    .. [1] Genevay, A., Peyré, G., Cuturi, M. (2018). Learning generative
       models with Sinkhorn divergences. AISTATS.
    .. [2] Feydy, J., Séjourné, T., Vialard, F.-X., Amari, S., Trouvé, A.,
       Peyré, G. (2019). Interpolating between optimal transport and MMD using
       Sinkhorn divergences. AISTATS.
    """
    # TODO(goot): a matrix-input divergence (issue 3).
    if value not in ("linear", "regularized"):
        raise ValueError(f"value must be 'linear' or 'regularized', got {value!r}")
    loss = empirical_sinkhorn2 if value == "linear" else _regularized_value
    if warmstart is None:
        start_ab, start_a, start_b = None, None, None
    else:
        u, v = warmstart
        start_ab, start_a, start_b = warmstart, (u, u), (v, v)
    common = dict(metric=metric, numIterMax=numIterMax, stopThr=stopThr,
                  verbose=verbose, log=log, warn=warn, **kwargs)  # fmt: skip
    ab = loss(X_s, X_t, reg, a, b, warmstart=start_ab, **common)
    aa = loss(X_s, X_s, reg, a, a, warmstart=start_a, **common)
    bb = loss(X_t, X_t, reg, b, b, warmstart=start_b, **common)
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
