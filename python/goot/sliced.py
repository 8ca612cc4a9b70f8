"""Sliced optimal transport (POT's ``ot.sliced``), plus goot's own estimators.

Random directions are drawn here with numpy exactly as POT draws them, so a
given ``seed`` gives POT's directions and POT's value; the projected 1-D
problems are solved in Go (``goot/sliced``), in parallel over the directions,
one direction at a time per thread: the memory in use is O(n + m) per thread,
never the (n, n_projections) arrays POT forms.

POT's functions: :func:`sliced_wasserstein_distance`,
:func:`max_sliced_wasserstein_distance`, :func:`get_random_projections`,
:func:`sliced_wasserstein_sphere`, :func:`sliced_wasserstein_sphere_unif`,
:func:`get_projections_sphere`. goot's own: :func:`max_sliced_wasserstein_ascent`
(max-sliced by gradient ascent), :func:`sample_vmf`,
:func:`vmf_sliced_wasserstein_distance` (v-DSW) and
:func:`cv_sliced_wasserstein_distance` (control variates).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._backend import tensor_io
from ._core import InputError, address, as_float64, call, is_empty
from .lp.solver_1d import quantile_gradients

__all__ = [
    "get_random_projections",
    "sliced_wasserstein_distance",
    "max_sliced_wasserstein_distance",
    "max_sliced_wasserstein_ascent",
    "sample_vmf",
    "vmf_sliced_wasserstein_distance",
    "cv_sliced_wasserstein_distance",
    "get_projections_sphere",
    "sliced_wasserstein_sphere",
    "sliced_wasserstein_sphere_unif",
]


# ---------------------------------------------------------------------------
# Directions.


def _random_state(seed: Any) -> np.random.RandomState:
    """POT's generator for `seed`: a RandomState is used as it is; anything else
    seeds a fresh one (POT reseeds its backend's shared RandomState, which gives
    the same stream; goot keeps no shared generator, so threads are safe)."""
    if isinstance(seed, np.random.RandomState):
        return seed
    return np.random.RandomState(seed)


@tensor_io()
def get_random_projections(
    d: int, n_projections: int, seed: Any = None, backend: Any = None, type_as=None
) -> np.ndarray:
    r"""Directions drawn uniformly on the unit sphere :math:`S^{d-1}`.

    Normal vectors normalised to unit length, drawn exactly as POT draws them,
    so the same ``seed`` gives the same directions as
    ``ot.sliced.get_random_projections``.

    Parameters
    ----------
    d : int
        Dimension of the space.
    n_projections : int
        Number of directions.
    seed : int, array of ints, RandomState or None, optional
        A RandomState is used (and advanced) as it is; anything else seeds a new
        ``np.random.RandomState``. None draws fresh entropy.
    backend, type_as : optional
        Accepted for POT compatibility; the result is a float64 numpy array.

    Returns
    -------
    projections : ndarray, shape (d, n_projections)
        Unit directions in the columns.

    Examples
    --------
    >>> import numpy as np, goot
    >>> P = goot.sliced.get_random_projections(3, 4, seed=0)
    >>> P.shape, bool(np.allclose((P**2).sum(0), 1))
    ((3, 4), True)
    """
    P = _random_state(seed).randn(d, n_projections)
    return P / np.sqrt(np.sum(P**2, 0, keepdims=True))


# ---------------------------------------------------------------------------
# Inputs.


def _cloud(x: Any, name: str) -> np.ndarray:
    arr = as_float64(x, name)
    if arr.ndim != 2:
        raise InputError(f"{name} must be a 2-D array (n_samples, dim), got shape "
                         f"{arr.shape}")  # fmt: skip
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise InputError(f"{name} must hold at least one point of dimension >= 1")
    return arr


def _weights(w: Any, n: int, name: str) -> np.ndarray | None:
    """None for uniform weights (Go then uses 1/n), else float64 of length n."""
    if is_empty(w):
        return None
    arr = as_float64(w, name)
    if arr.shape != (n,):
        raise InputError(f"{name} has shape {arr.shape}, expected ({n},)")
    return arr


def _clouds(X_s, X_t, a, b, scaler=None):
    if scaler is not None:
        if hasattr(scaler, "transform") and callable(scaler.transform):
            X_s, X_t = scaler.transform(X_s), scaler.transform(X_t)
        elif callable(scaler):
            X_s, X_t = scaler(X_s), scaler(X_t)
        else:
            raise ValueError(
                "scaler must be None, an object with a .transform() method or a "
                f"callable, got {type(scaler).__name__}"
            )
    X = _cloud(X_s, "X_s")
    Y = _cloud(X_t, "X_t")
    if X.shape[1] != Y.shape[1]:
        raise InputError(
            "X_s and X_t must have the same number of dimensions, got "
            f"{X.shape[1]} and {Y.shape[1]}"
        )
    return X, Y, _weights(a, X.shape[0], "a"), _weights(b, Y.shape[0], "b")


def _directions(projections, d, n_projections, seed):
    if projections is None:
        if not (isinstance(n_projections, (int, np.integer)) and n_projections >= 1):
            raise InputError(
                f"n_projections must be a positive integer, got {n_projections!r}"
            )
        return get_random_projections(d, int(n_projections), seed)
    P = as_float64(projections, "projections")
    if P.ndim != 2 or P.shape[0] != d or P.shape[1] == 0:
        raise InputError(
            f"projections must have shape (dim, n_projections) = ({d}, L), got "
            f"{P.shape}"
        )
    return P


def _projected(X, Y, a, b, P, p) -> np.ndarray:
    """W_p^p along every column of P, solved in Go."""
    if not (np.isfinite(p) and p >= 1):
        raise InputError(f"p must be a finite number >= 1, got {p}")
    n, d = X.shape
    m, L = Y.shape[0], P.shape[1]
    out = np.empty(L)
    call(
        "SlicedProjected", address(X), address(a), n, address(Y), address(b), m, d,
        address(P), L, float(p), address(out),
    )  # fmt: skip
    return out


# ---------------------------------------------------------------------------
# POT's sliced distances.


def _sliced_grad(args: dict, attach: Any, reduce: str) -> Any:
    """A sliced distance with gradients in the points and weights, through the
    sorted matching of each projection (the directions held fixed)."""
    if args["scaler"] is not None:
        # TODO(goot): gradients through a scaler (issue 7).
        raise NotImplementedError(
            "goot has no gradients through scaler: scale the tensors before the call"
        )
    X, Y, a, b = _clouds(args["X_s"], args["X_t"], args["a"], args["b"])
    P = _directions(
        args["projections"], X.shape[1], args["n_projections"], args["seed"]
    )
    p = args["p"]
    projected = _projected(X, Y, a, b, P, p)
    L = P.shape[1]
    if reduce == "mean":
        res = (np.sum(projected) / L) ** (1.0 / p)
        weight = np.full(L, 1.0 / L)
    else:
        res = np.max(projected) ** (1.0 / p)
        weight = np.zeros(L)
        weight[np.argmax(projected)] = 1.0
    # d res / d projected_l = weight_l · res^(1-p) / p (taken as 0 at res = 0).
    if res > 0:
        weight *= res ** (1.0 - p) / p
    else:
        weight[:] = 0.0
    dU, dV, dWa, dWb = quantile_gradients(X @ P, Y @ P, a, b, float(p), True)
    value = attach(
        res,
        X_s=(dU * weight) @ P.T,
        X_t=(dV * weight) @ P.T,
        a=dWa @ weight,
        b=dWb @ weight,
    )
    if args["log"]:
        return value, {"projections": P, "projected_emds": projected}
    return value


@tensor_io(grad=lambda args, attach: _sliced_grad(args, attach, "mean"))
def sliced_wasserstein_distance(
    X_s: Any,
    X_t: Any,
    a: Any = None,
    b: Any = None,
    n_projections: int = 50,
    p: float = 2,
    projections: Any = None,
    seed: Any = None,
    log: bool = False,
    scaler: Any = None,
):
    r"""Monte-Carlo estimate of the sliced p-Wasserstein distance.

    .. math::
        SW_p(\mu, \nu) = \Big(\mathbb{E}_{\theta \sim \mathcal{U}(S^{d-1})}
        W_p^p(\theta_\# \mu, \theta_\# \nu)\Big)^{1/p}
        \approx \Big(\frac{1}{L} \sum_{l=1}^{L}
        W_p^p(\theta_{l\#} \mu, \theta_{l\#} \nu)\Big)^{1/p}

    where :math:`\theta_\#\mu` is the law of :math:`\langle \theta, x\rangle`
    for :math:`x \sim \mu`. Each 1-D cost is exact (sorting), computed in Go in
    :math:`O(L (n+m) d)` time and :math:`O(n+m)` memory per thread.

    Parameters
    ----------
    X_s : array-like, shape (n_samples_a, dim)
        Source samples.
    X_t : array-like, shape (n_samples_b, dim)
        Target samples.
    a, b : array-like, optional
        Sample weights (uniform if None), used as given, as POT does.
    n_projections : int, optional
        Number of random directions (default 50).
    p : float, optional
        Order, at least 1 (default 2).
    projections : array-like, shape (dim, L), optional
        Directions in the columns; then ``n_projections`` and ``seed`` are not
        used and the average is over the L given columns.
    seed : int, RandomState or None, optional
        Seed of the directions; the same seed gives POT's directions.
    log : bool, optional
        Also return a dict with ``projections`` and ``projected_emds`` (the L
        values :math:`W_p^p`).
    scaler : None, object with ``.transform()``, or callable, optional
        Applied to X_s and X_t first.

    Returns
    -------
    cost : float
    log : dict, only if ``log`` is True

    Raises
    ------
    ValueError
        If X_s and X_t have different dimensions, the weights or projections have
        the wrong shape, or an input holds NaN or infinity.

    With torch tensors the value has gradients in ``X_s``, ``X_t``, ``a`` and
    ``b`` through the sorted matching of each direction (the directions held
    fixed), equal to POT's torch gradients for the same ``projections``.

    Examples
    --------
    >>> import numpy as np, goot
    >>> X = np.random.RandomState(0).randn(20, 5)
    >>> float(goot.sliced_wasserstein_distance(X, X, seed=0))
    0.0
    >>> P = np.eye(2)  # the two axes: translate by (3, 4)
    >>> round(float(goot.sliced_wasserstein_distance([[0.0, 0.0]], [[3.0, 4.0]],
    ...                                        projections=P) ** 2), 12)
    12.5

    References
    ----------
    .. [1] Bonneel, N., Rabin, J., Peyré, G., Pfister, H. (2015). Sliced and
       Radon Wasserstein barycenters of measures. Journal of Mathematical Imaging
       and Vision, 51(1), 22-45.
    """
    X, Y, a_, b_ = _clouds(X_s, X_t, a, b, scaler)
    P = _directions(projections, X.shape[1], n_projections, seed)
    projected = _projected(X, Y, a_, b_, P, p)
    res = (np.sum(projected) / P.shape[1]) ** (1.0 / p)
    if log:
        return res, {"projections": P, "projected_emds": projected}
    return res


@tensor_io(grad=lambda args, attach: _sliced_grad(args, attach, "max"))
def max_sliced_wasserstein_distance(
    X_s: Any,
    X_t: Any,
    a: Any = None,
    b: Any = None,
    n_projections: int = 50,
    p: float = 2,
    projections: Any = None,
    seed: Any = None,
    log: bool = False,
    scaler: Any = None,
):
    r"""Max-sliced p-Wasserstein distance over random directions (POT's rule).

    .. math::
        \max_{l} \, W_p(\theta_{l\#} \mu, \theta_{l\#} \nu)

    over the L random (or given) directions: no optimisation, as in POT. For the
    maximum over the whole sphere, see :func:`max_sliced_wasserstein_ascent`.
    Arguments, returns and errors are those of
    :func:`sliced_wasserstein_distance`.

    With torch tensors the value has gradients through the sorted matching of
    the maximising direction, as :func:`sliced_wasserstein_distance`.

    Examples
    --------
    >>> import numpy as np, goot
    >>> float(goot.max_sliced_wasserstein_distance([[0.0, 0.0]], [[3.0, 4.0]],
    ...                                            projections=np.eye(2)))
    4.0

    References
    ----------
    .. [1] Deshpande, I., Hu, Y.-T., Sun, R., Pyrros, A., Siddiqui, N., Koyejo,
       S., Zhao, Z., Forsyth, D., Schwing, A. (2019). Max-sliced Wasserstein
       distance and its use for GANs. CVPR 2019.
    """
    X, Y, a_, b_ = _clouds(X_s, X_t, a, b, scaler)
    P = _directions(projections, X.shape[1], n_projections, seed)
    projected = _projected(X, Y, a_, b_, P, p)
    res = np.max(projected) ** (1.0 / p)
    if log:
        return res, {"projections": P, "projected_emds": projected}
    return res


# ---------------------------------------------------------------------------
# goot's own: ascent, vMF, control variates.


def _starts(theta_init, d, count, seed):
    if theta_init is None:
        return np.ascontiguousarray(get_random_projections(d, count, seed).T)
    T = as_float64(theta_init, "theta_init")
    if T.ndim == 1:
        T = T.reshape(1, -1)
    if T.ndim != 2 or T.shape[1] != d:
        raise InputError(
            f"theta_init must have shape ({d},) or (n_starts, {d}), got {T.shape}"
        )
    if not np.isfinite(T).all() or not (np.linalg.norm(T, axis=1) > 0).all():
        raise InputError("theta_init: every start must be a finite non-zero vector")
    return T


@tensor_io()
def max_sliced_wasserstein_ascent(
    X_s: Any,
    X_t: Any,
    a: Any = None,
    b: Any = None,
    p: float = 2,
    theta_init: Any = None,
    n_restarts: int = 0,
    max_iter: int = 100,
    step_size: float = 1.0,
    tol: float = 1e-12,
    seed: Any = None,
    log: bool = False,
):
    r"""Max-sliced p-Wasserstein distance by projected gradient ascent.

    .. math::
        \text{Max-SW}_p(\mu, \nu) = \max_{\theta \in S^{d-1}}
        W_p(\theta_\# \mu, \theta_\# \nu)

    Each step evaluates :math:`W_p^p(\theta)` and its gradient from the sorted
    matching along :math:`\theta`, and moves to
    :math:`\theta \leftarrow (\theta + s\, g / \langle\theta, g\rangle) /
    \|\cdot\|` (scale-free, since :math:`\langle\theta, g\rangle = p W_p^p`),
    halving the step when the cost does not increase. The problem is not
    concave: restarts from other random directions (run in parallel) lower
    the risk of a poor local maximum. The value is never below that of the
    start.

    Parameters
    ----------
    X_s, X_t, a, b, p :
        As in :func:`sliced_wasserstein_distance`.
    theta_init : array-like, shape (dim,) or (k, dim), optional
        Starting direction(s); by default random (``seed``).
    n_restarts : int, optional
        Extra random starts (default 0).
    max_iter : int, optional
        Ascent steps per start (default 100).
    step_size : float, optional
        The step s (default 1).
    tol : float, optional
        Stop a start when a step gains less than ``tol`` times the cost.
    seed : int, RandomState or None, optional
        Seed of the random starts.
    log : bool, optional
        Also return a dict with ``theta`` (the best direction), ``n_iter`` and
        ``start`` (which start reached it).

    Returns
    -------
    cost : float
    log : dict, only if ``log`` is True

    Examples
    --------
    >>> import numpy as np, goot
    >>> X = np.random.RandomState(0).randn(50, 3)
    >>> d = goot.sliced.max_sliced_wasserstein_ascent(X, X + [1.0, 2.0, 2.0], seed=0)
    >>> round(float(d), 6)  # the length of the translation
    3.0

    References
    ----------
    .. [1] Deshpande, I. et al. (2019). Max-sliced Wasserstein distance and its
       use for GANs. CVPR 2019.
    .. [2] Nguyen, K., Nguyen, D., Ho, N. (2023). Self-attention amortized
       distributional projection optimization for sliced Wasserstein point-cloud
       reconstruction. ICML 2023.
    """
    X, Y, a_, b_ = _clouds(X_s, X_t, a, b)
    d = X.shape[1]
    if not (np.isfinite(p) and p >= 1):
        raise InputError(f"p must be a finite number >= 1, got {p}")
    rs = _random_state(seed)
    starts = _starts(theta_init, d, 1, rs)
    if n_restarts > 0:
        starts = np.vstack([starts, get_random_projections(d, n_restarts, rs).T])
    starts = np.ascontiguousarray(starts)
    theta, info = np.empty(d), np.empty(3)
    call(
        "SlicedMaxAscent", address(X), address(a_), X.shape[0], address(Y),
        address(b_), Y.shape[0], d, address(starts), starts.shape[0], float(p),
        int(max_iter), float(step_size), float(tol), address(theta), address(info),
    )  # fmt: skip
    res = np.float64(info[0]) ** (1.0 / p)
    if log:
        return res, {"theta": theta, "n_iter": int(info[2]), "start": int(info[1])}
    return res


def _go_seed(seed: Any) -> tuple[int, int]:
    """Two 63-bit integers for Go's PCG generator, from numpy's seeding rules."""
    if isinstance(seed, np.random.Generator):
        words = seed.integers(0, 2**63, size=2)
    else:
        words = _random_state(seed).randint(0, 2**63 - 1, size=2, dtype=np.int64)
    return int(words[0]), int(words[1])


@tensor_io()
def sample_vmf(mu: Any, kappa: float, n_samples: int = 1, seed: Any = None):
    r"""Directions drawn from the von Mises-Fisher distribution on the sphere.

    .. math::
        p(\theta) \propto \exp(\kappa \langle \mu, \theta \rangle), \quad
        \theta \in S^{d-1}

    by Wood's rejection sampler (any d); ``mu`` is normalised first and
    ``kappa = 0`` gives the uniform distribution. Sampling runs in Go (PCG
    generator seeded from ``seed``), so the stream differs from numpy's.

    Parameters
    ----------
    mu : array-like, shape (dim,)
        Mean direction.
    kappa : float
        Concentration, >= 0.
    n_samples : int, optional
    seed : int, RandomState, Generator or None, optional

    Returns
    -------
    samples : ndarray, shape (n_samples, dim)

    Examples
    --------
    >>> import numpy as np, goot
    >>> S = goot.sliced.sample_vmf([0.0, 0.0, 1.0], kappa=1e6, n_samples=3, seed=0)
    >>> bool(np.allclose(S, [0, 0, 1], atol=1e-2))
    True

    References
    ----------
    .. [1] Wood, A. T. A. (1994). Simulation of the von Mises Fisher
       distribution. Communications in Statistics - Simulation and Computation,
       23(1), 157-164.
    """
    m = as_float64(mu, "mu")
    if m.ndim != 1 or m.shape[0] == 0:
        raise InputError(f"mu must be a non-empty vector, got shape {m.shape}")
    n_samples = int(n_samples)
    if n_samples < 0:
        raise InputError(f"n_samples must be >= 0, got {n_samples}")
    out = np.empty((n_samples, m.shape[0]))
    s1, s2 = _go_seed(seed)
    call(
        "SlicedSampleVMF", address(m), m.shape[0], float(kappa), n_samples, s1, s2,
        address(out),
    )  # fmt: skip
    return out


@tensor_io()
def vmf_sliced_wasserstein_distance(
    X_s: Any,
    X_t: Any,
    a: Any = None,
    b: Any = None,
    kappa: float = 1.0,
    n_projections: int = 100,
    p: float = 2,
    theta_init: Any = None,
    max_iter: int = 100,
    step_size: float = 1.0,
    tol: float = 1e-12,
    seed: Any = None,
    log: bool = False,
):
    r"""von Mises-Fisher distributional sliced Wasserstein distance (v-DSW).

    .. math::
        \text{v-DSW}_p(\mu, \nu; \kappa) = \max_{\epsilon \in S^{d-1}}
        \Big(\mathbb{E}_{\theta \sim \text{vMF}(\epsilon, \kappa)}
        W_p^p(\theta_\# \mu, \theta_\# \nu)\Big)^{1/p}

    :math:`\kappa \to 0` gives the sliced and :math:`\kappa \to \infty` the
    max-sliced distance. The expectation is an average over ``n_projections``
    vMF samples drawn once (Wood's sampler, reparameterised so that they move
    with :math:`\epsilon`), and :math:`\epsilon` follows projected gradient
    ascent on that average (step ``step_size`` times the tangent gradient over
    :math:`p` times the value, halved when the value does not increase). The
    value at the best location is returned; being the maximum of a sample
    average it is biased upwards by O(1/sqrt(n_projections)).

    Parameters
    ----------
    X_s, X_t, a, b, p :
        As in :func:`sliced_wasserstein_distance`.
    kappa : float, optional
        Concentration (default 1, as in Nguyen et al.).
    n_projections : int, optional
        vMF samples (default 100).
    theta_init : array-like, shape (dim,), optional
        Starting location (random by default).
    max_iter, step_size, tol :
        As in :func:`max_sliced_wasserstein_ascent`.
    seed : int, RandomState, Generator or None, optional
    log : bool, optional
        Also return a dict with ``location`` (the best :math:`\epsilon`) and
        ``n_iter``.

    Returns
    -------
    cost : float
    log : dict, only if ``log`` is True

    Examples
    --------
    >>> import numpy as np, goot
    >>> X = np.random.RandomState(0).randn(30, 3)
    >>> v = goot.sliced.vmf_sliced_wasserstein_distance(X, X, kappa=10, seed=0)
    >>> float(v)
    0.0

    References
    ----------
    .. [1] Nguyen, K., Nguyen, D., Ho, N. (2023). Self-attention amortized
       distributional projection optimization for sliced Wasserstein point-cloud
       reconstruction. ICML 2023.
    .. [2] Nguyen, K., Ho, N., Pham, T., Bui, H. (2021). Distributional sliced
       Wasserstein and applications to generative modeling. ICLR 2021.
    """
    X, Y, a_, b_ = _clouds(X_s, X_t, a, b)
    d = X.shape[1]
    if not (np.isfinite(p) and p >= 1):
        raise InputError(f"p must be a finite number >= 1, got {p}")
    rs = seed if isinstance(seed, np.random.Generator) else _random_state(seed)
    if theta_init is None:
        if isinstance(rs, np.random.Generator):
            start = rs.standard_normal(d)
        else:
            start = get_random_projections(d, 1, rs)[:, 0]
    else:
        start = _starts(theta_init, d, 1, None)
        if start.shape[0] != 1:
            raise InputError("theta_init must be one direction of shape (dim,)")
        start = start[0]
    start = np.ascontiguousarray(start, dtype=np.float64)
    s1, s2 = _go_seed(rs)
    eps, info = np.empty(d), np.empty(3)
    call(
        "SlicedVMFAscent", address(X), address(a_), X.shape[0], address(Y),
        address(b_), Y.shape[0], d, address(start), float(kappa),
        int(n_projections), s1, s2, float(p), int(max_iter), float(step_size),
        float(tol), address(eps), address(info),
    )  # fmt: skip
    res = np.float64(info[0]) ** (1.0 / p)
    if log:
        return res, {"location": eps, "n_iter": int(info[2])}
    return res


_VARIATES = ("lower", "upper")


@tensor_io()
def cv_sliced_wasserstein_distance(
    X_s: Any,
    X_t: Any,
    a: Any = None,
    b: Any = None,
    n_projections: int = 50,
    p: float = 2,
    variate: str = "lower",
    centred: bool = False,
    seed: Any = None,
    log: bool = False,
):
    r"""Sliced Wasserstein distance estimated with a Gaussian control variate.

    The plain estimate :math:`A = \frac1L \sum_l W_l`, :math:`W_l =
    W_p^p(\theta_{l\#}\mu, \theta_{l\#}\nu)`, is corrected with a control
    variate :math:`G(\theta)` of known mean over the uniform sphere, built
    from Gaussian fits of the projected measures (means :math:`m_\mu,
    m_\nu`, covariances :math:`S_\mu, S_\nu`, weighted, 1/n normalised):

    - ``"lower"``: :math:`G = (\theta^T \Delta m)^2`,
      :math:`\mathbb{E}G = \|\Delta m\|^2 / d`;
    - ``"upper"``: :math:`G = (\theta^T \Delta m)^2 + \theta^T S_\mu \theta +
      \theta^T S_\nu \theta`, :math:`\mathbb{E}G = (\|\Delta m\|^2 +
      \operatorname{tr} S_\mu + \operatorname{tr} S_\nu) / d`.

    With :math:`D_l = G(\theta_l) - \mathbb{E}G`, the estimate is
    :math:`Z = A - \alpha \bar D` and the result :math:`\max(Z, 0)^{1/p}`.
    The reference coefficient (``centred=False``, the form of Nguyen & Ho's
    code) is :math:`\alpha = \frac{\frac1L\sum_l (W_l - A) D_l}{\frac1L\sum_l
    D_l^2 + 10^{-24}}`, its denominator using the known mean :math:`\mathbb{E}G`.
    The sample-centred coefficient (``centred=True``) uses :math:`D_l - \bar
    D` in the denominator, the least-squares fit of W on G; it returns
    :math:`\mathbb{E}G` exactly when W is an affine function of G (e.g. a
    translated copy, ``"lower"``), where the reference form does not. The
    variates are designed for p = 2. The directions are those of
    :func:`sliced_wasserstein_distance` for the same ``seed``, so ``A`` is
    POT's estimate.

    Parameters
    ----------
    X_s, X_t, a, b, n_projections, p, seed :
        As in :func:`sliced_wasserstein_distance`.
    variate : {"lower", "upper"}, optional
    centred : bool, optional
        Sample-centred coefficient (default False: the reference form).
    log : bool, optional
        Also return a dict with ``projections``, ``projected_emds``,
        ``mc_estimate`` (the plain estimate :math:`A^{1/p}`), ``coefficient``
        (:math:`\alpha`), ``control_variates`` (:math:`G(\theta_l)`) and
        ``control_variate_mean`` (:math:`\mathbb{E}G`).

    Returns
    -------
    cost : float
    log : dict, only if ``log`` is True

    Examples
    --------
    >>> import numpy as np, goot
    >>> X = np.random.RandomState(0).randn(200, 3)
    >>> Y = X + [1.0, 2.0, 2.0]  # SW_2^2 = |v|^2 / d = 3 exactly
    >>> sw = goot.sliced.cv_sliced_wasserstein_distance(X, Y, centred=True, seed=0)
    >>> round(float(sw) ** 2, 10)
    3.0

    References
    ----------
    .. [1] Nguyen, K., Ho, N. (2024). Sliced Wasserstein estimation with control
       variates. ICLR 2024.
    """
    if variate not in _VARIATES:
        raise ValueError(f"variate must be one of {_VARIATES}, got {variate!r}")
    X, Y, a_, b_ = _clouds(X_s, X_t, a, b)
    d = X.shape[1]
    P = _directions(None, d, n_projections, seed)
    W = _projected(X, Y, a_, b_, P, p)
    L = P.shape[1]

    # Gaussian fits of both clouds and the control variate at each direction.
    wa = np.full(X.shape[0], 1.0 / X.shape[0]) if a_ is None else a_ / a_.sum()
    wb = np.full(Y.shape[0], 1.0 / Y.shape[0]) if b_ is None else b_ / b_.sum()
    mx, my = wa @ X, wb @ Y
    dm = mx - my
    G = (dm @ P) ** 2
    EG = dm @ dm
    if variate == "upper":
        for Z, w, m in ((X, wa, mx), (Y, wb, my)):
            C = Z - m
            S = C.T @ (C * w[:, None])
            G = G + np.einsum("kl,kj,jl->l", P, S, P)
            EG = EG + np.trace(S)
    EG = EG / d

    # Control-variate correction.
    A = np.sum(W) / L
    D = G - EG
    Dbar = np.sum(D) / L
    denom = D - Dbar if centred else D
    alpha = (np.sum((W - A) * D) / L) / (np.sum(denom * denom) / L + 1e-24)
    Z = A - alpha * Dbar
    res = np.float64(max(Z, 0.0)) ** (1.0 / p)
    if log:
        return res, {
            "projections": P,
            "projected_emds": W,
            "mc_estimate": A ** (1.0 / p),
            "coefficient": float(alpha),
            "control_variates": G,
            "control_variate_mean": float(EG),
        }
    return res


# ---------------------------------------------------------------------------
# Spherical sliced Wasserstein (POT's ot.sliced, since 0.9.0).


@tensor_io()
def get_projections_sphere(
    d: int, n_projections: int, seed: Any = None, backend: Any = None, type_as=None
) -> np.ndarray:
    r"""Projections drawn uniformly on the Stiefel manifold :math:`V_{d,2}`.

    :math:`d \times 2` matrices with orthonormal columns (QR factors of normal
    matrices), drawn exactly as POT draws them, so the same ``seed`` gives
    ``ot.sliced.get_projections_sphere``'s matrices.

    Returns
    -------
    projections : ndarray, shape (n_projections, d, 2)

    Examples
    --------
    >>> import numpy as np, goot
    >>> U = goot.sliced.get_projections_sphere(4, 3, seed=0)
    >>> bool(np.allclose(np.einsum("nij,nik->njk", U, U), np.eye(2)))
    True
    """
    Z = _random_state(seed).randn(n_projections, d, 2)
    return np.linalg.qr(Z)[0]


# POT's tolerance on |x|^2 - 1 for points on the sphere.
_SPHERE_TOL = 1e-4


def _on_sphere(X: np.ndarray, name: str) -> None:
    if np.any(np.abs(np.sum(X**2, axis=-1) - 1) > _SPHERE_TOL):
        raise InputError(f"{name} is not on the sphere.")


def _stiefel(projections, d, n_projections, seed):
    if projections is None:
        if not (isinstance(n_projections, (int, np.integer)) and n_projections >= 1):
            raise InputError(
                f"n_projections must be a positive integer, got {n_projections!r}"
            )
        return get_projections_sphere(d, int(n_projections), seed)
    U = as_float64(projections, "projections")
    if U.ndim != 3 or U.shape[1:] != (d, 2) or U.shape[0] == 0:
        raise InputError(
            f"projections must have shape (n_projections, {d}, 2), got {U.shape}"
        )
    return U


@tensor_io()
def sliced_wasserstein_sphere(
    X_s: Any,
    X_t: Any,
    a: Any = None,
    b: Any = None,
    n_projections: int = 50,
    p: float = 2,
    projections: Any = None,
    seed: Any = None,
    log: bool = False,
):
    r"""Spherical sliced Wasserstein discrepancy between measures on the sphere.

    .. math::
        SSW_p(\mu, \nu) = \Big(\int_{V_{d,2}} W_p^p(P^U_\# \mu,
        P^U_\# \nu)\, d\sigma(U)\Big)^{1/p}, \quad
        P^U(x) = \frac{U^T x}{\|U^T x\|_2}

    estimated with ``n_projections`` random :math:`U`. Each term is an OT
    problem on the circle, solved in Go by the binary search of Delon et al.
    with POT's settings (bracket [-1, 1], stop below 1e-7, final secant step),
    so a seed reproduces POT's value.

    Parameters
    ----------
    X_s : array-like, shape (n_samples_a, dim)
        Source samples on the unit sphere (``|x|^2 = 1`` within 1e-4).
    X_t : array-like, shape (n_samples_b, dim)
        Target samples on the unit sphere.
    a, b : array-like, optional
        Sample weights (uniform if None).
    n_projections : int, optional
        Number of random projections (default 50).
    p : float, optional
        Order, at least 1 (default 2).
    projections : array-like, shape (n_projections, dim, 2), optional
        Projections to use instead of random ones.
    seed : int, RandomState or None, optional
    log : bool, optional
        Also return a dict with ``projections`` and ``projected_emds``.

    Returns
    -------
    cost : float
    log : dict, only if ``log`` is True

    Raises
    ------
    ValueError
        If the dimensions differ, a point is off the sphere, or an argument has
        the wrong shape.

    Examples
    --------
    >>> import numpy as np, goot
    >>> X = np.random.RandomState(0).randn(20, 3)
    >>> X /= np.linalg.norm(X, axis=1, keepdims=True)
    >>> float(goot.sliced_wasserstein_sphere(X, X, seed=0))
    0.0

    References
    ----------
    .. [1] Bonet, C., Berg, P., Courty, N., Septier, F., Drumetz, L., Pham, M.-T.
       (2023). Spherical sliced-Wasserstein. ICLR 2023.
    .. [2] Delon, J., Salomon, J., Sobolevski, A. (2010). Fast transport
       optimization for Monge costs on the circle. SIAM Journal on Applied
       Mathematics, 70(7), 2239-2258.
    """
    X, Y, a_, b_ = _clouds(X_s, X_t, a, b)
    _on_sphere(X, "X_s")
    _on_sphere(Y, "X_t")
    if not (np.isfinite(p) and p >= 1):
        raise InputError(f"p must be a finite number >= 1, got {p}")
    d = X.shape[1]
    U = _stiefel(projections, d, n_projections, seed)
    L = U.shape[0]
    out = np.empty(L)
    call(
        "SlicedSpherical", address(X), address(a_), X.shape[0], address(Y),
        address(b_), Y.shape[0], d, address(U), L, float(p), address(out),
    )  # fmt: skip
    res = np.mean(out) ** (1 / p)
    if log:
        return res, {"projections": U, "projected_emds": out}
    return res


@tensor_io()
def sliced_wasserstein_sphere_unif(
    X_s: Any,
    a: Any = None,
    n_projections: int = 50,
    projections: Any = None,
    seed: Any = None,
    log: bool = False,
):
    r"""Spherical sliced 2-Wasserstein distance to the uniform measure.

    :math:`SSW_2(\mu_n, \mathcal{U}(S^{d-1}))`: every projection of the uniform
    measure on the sphere is uniform on the circle, so each term has the closed
    form of Bonet et al. (computed in Go). Unlike POT 0.9.7, which sorts the
    circle coordinates but not their weights, the weights follow their points
    (the two agree for uniform weights).

    Parameters
    ----------
    X_s : array-like, shape (n_samples_a, dim)
        Samples on the unit sphere.
    a : array-like, optional
        Sample weights (uniform if None).
    n_projections, projections, seed, log :
        As in :func:`sliced_wasserstein_sphere`.

    Returns
    -------
    cost : float
    log : dict, only if ``log`` is True

    Examples
    --------
    >>> import numpy as np, goot
    >>> x0 = np.random.RandomState(42).randn(500, 3)
    >>> x0 /= np.linalg.norm(x0, axis=1, keepdims=True)
    >>> bool(goot.sliced_wasserstein_sphere_unif(x0, seed=42) < 0.05)
    True

    References
    ----------
    .. [1] Bonet, C., Berg, P., Courty, N., Septier, F., Drumetz, L., Pham, M.-T.
       (2023). Spherical sliced-Wasserstein. ICLR 2023.
    """
    X = _cloud(X_s, "X_s")
    a_ = _weights(a, X.shape[0], "a")
    _on_sphere(X, "X_s")
    d = X.shape[1]
    U = _stiefel(projections, d, n_projections, seed)
    L = U.shape[0]
    out = np.empty(L)
    call(
        "SlicedSphericalUniform", address(X), address(a_), X.shape[0], d,
        address(U), L, address(out),
    )  # fmt: skip
    res = np.mean(out) ** (1 / 2)
    if log:
        return res, {"projections": U, "projected_emds": out}
    return res


# TODO(goot): POT's linear_sliced_wasserstein_sphere, min_sliced_transport_plan,
# expected_sliced_plan and the mesh_to_measure helper of reference/algorithms.md
# §A9 (area samples, vertices, varifolds -> weighted point sets for the weighted
# SW above) are not implemented yet (issue 5).
