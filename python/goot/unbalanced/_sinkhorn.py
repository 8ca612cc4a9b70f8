"""Entropic unbalanced optimal transport (POT's ``ot.unbalanced`` Sinkhorn
solvers).

The iterations run in goot's Go package ``goot/unbalanced``; this module checks
the input, allocates the outputs and builds POT's return values, log dicts and
warnings around them. Each solver follows the iterate sequence and stopping rule
of POT's function of the same name, so plans agree with POT's to rounding
wherever POT's own iteration stays finite; ``sinkhorn_knopp_unbalanced`` and the
translation-invariant solver run on log-scalings and also give the right answer
where POT's kernel ``exp(-M/reg)`` underflows (small ``reg``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._backend import tensor_io
from .._core import (
    InputError,
    address,
    as_float64,
    call,
    cost_matrix,
    history_buffer,
    is_empty,
    target_weights,
    weights_or_uniform,
)
from .._warnings import user_warning
from ..lp._network_simplex import _check_iter

__all__ = [
    "sinkhorn_unbalanced",
    "sinkhorn_unbalanced2",
    "sinkhorn_knopp_unbalanced",
    "sinkhorn_stabilized_unbalanced",
    "sinkhorn_unbalanced_translation_invariant",
]

# goot/unbalanced's Method and Reference values.
_KNOPP, _STABILIZED, _TRANSLATION_INVARIANT = 0, 1, 2
_PRODUCT, _ONES, _GIVEN = 0, 1, 2
_METHODS = {
    "sinkhorn": _KNOPP,
    "sinkhorn_stabilized": _STABILIZED,
    "sinkhorn_translation_invariant": _TRANSLATION_INVARIANT,
}
_INFO_LEN = 6  # capi: status, iterations, breakdown, errors, cost, total cost
_OPTIMAL = 0
_LOG_TINY = math.log(1e-300)  # POT reports log(u + 1e-300)

_ENTROPY_WARNING = (
    "If reg_type = entropy, then the matrix c is overwritten by the one matrix."
)
_STABILIZED_NOT_CONVERGED = (
    "Stabilized Unbalanced Sinkhorn did not converge."
    "Try a larger entropy `reg` or a lower mass `reg_m`."
    "Or a larger absorption threshold `tau`."
)
_NOT_IMPLEMENTED = "Method not implemented yet. Using classic Sinkhorn-Knopp"


def _pair(reg_m: Any) -> tuple[float, float]:
    """POT's get_parameter_pair: a scalar, or a sequence of one or two."""
    if isinstance(reg_m, (float, int, np.floating, np.integer)) and not isinstance(
        reg_m, bool
    ):
        return float(reg_m), float(reg_m)
    try:
        values = [float(x) for x in np.asarray(reg_m, dtype=float).ravel()]
    except (TypeError, ValueError):
        raise TypeError(f"reg_m must be a number or a pair, got {reg_m!r}") from None
    if len(values) == 1:
        return values[0], values[0]
    if len(values) != 2:
        raise ValueError(
            "Parameter must be either a scalar, or an indexable object of length "
            "1 or 2."
        )
    return values[0], values[1]


def _number(x: Any, name: str) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number, got {x!r}") from None


def _tau(x: Any) -> float:
    """The absorption threshold of the stabilized methods: positive."""
    tau = _number(x, "tau")
    if not tau > 0:
        raise InputError(f"tau must be positive, got {x!r}")
    return tau


def _dtype(*arrays: Any) -> np.dtype:
    """float32 when every array given as float32 is float32 and none is
    float64 (numpy's promotion of POT's computation); float64 otherwise."""
    kinds = [np.asarray(x).dtype for x in arrays if not is_empty(x)]
    floats = [d for d in kinds if d.kind == "f"]
    if floats and all(d == np.float32 for d in floats):
        return np.dtype(np.float32)
    return np.dtype(np.float64)


class _Outcome:
    """One Go solve: the plan (1-D b) or the losses (2-D b) and POT's log."""

    def __init__(self, out, log, dtype):
        self.out, self.log, self.dtype = out, log, dtype

    def result(self, log: bool):
        out = self.out if self.dtype == np.float64 else self.out.astype(self.dtype)
        return (out, self.log) if log else out


def _solve(
    method, a, b, M, reg, reg_m, reg_type, c, warmstart, numItermax, stopThr,
    verbose, tau=1e5, entropy_exact=False, want_log=True,
):  # fmt: skip
    """Run one method; return an _Outcome. `entropy_exact` is POT's
    ``reg_type == "entropy"`` test (stabilized, translation invariant) as
    opposed to knopp's case-insensitive one; without `want_log` the total cost
    (a log per entry of the plan) is not computed."""
    dtype = _dtype(M, a, b)
    M = cost_matrix(M)
    n, m = M.shape
    a = weights_or_uniform(a, n, "a")
    b = target_weights(b, m)
    multi = b.ndim == 2
    k = b.shape[1] if multi else 1
    reg = _number(reg, "reg")
    reg_a, reg_b = _pair(reg_m)
    numItermax = _check_iter(numItermax)  # 0 is passed to Go as -1: no iteration

    # The reference measure c: POT uses exp(-M/reg) alone for 2-D b.
    if not isinstance(reg_type, str):
        raise TypeError(f"reg_type must be a string, got {reg_type!r}")
    entropy = (reg_type if entropy_exact else reg_type.lower()) == "entropy"
    if entropy:
        user_warning(_ENTROPY_WARNING)
    ref, cc = _PRODUCT, None
    if multi or entropy:
        ref = _ONES
    elif c is not None:
        ref, cc = _GIVEN, as_float64(c, "c")
        if cc.shape != (n, m):
            raise InputError(f"c must have the shape of M {M.shape}, got {cc.shape}")

    shape_u, shape_v = ((n, k), (m, k)) if multi else ((n,), (m,))
    warm = warmstart is not None
    if warm:
        try:
            first, second = warmstart
        except (TypeError, ValueError):
            raise InputError("warmstart must be a pair (log u, log v)") from None
        f = _broadcast(first, shape_u, "warmstart")
        g = _broadcast(second, shape_v, "warmstart")
    else:
        f, g = np.empty(shape_u), np.empty(shape_v)
    plan = None if multi else np.empty((n, m))
    costs = np.empty(k)
    errs, info = history_buffer(numItermax, every=1), np.empty(_INFO_LEN)
    call(
        "UnbalancedSinkhorn", method, address(a), n, address(b), m, k, address(M),
        reg, reg_a, reg_b, ref, address(cc), address(f), address(g),
        address(plan), address(costs), numItermax or -1, _number(stopThr, "stopThr"),
        _tau(tau), warm, bool(want_log), address(errs), errs.size,
        address(info),
    )  # fmt: skip
    status, _, breakdown, n_err = (int(x) for x in info[:4])
    errors = [float(e) for e in errs[:n_err]]

    if breakdown >= 0:
        user_warning(f"Numerical errors at iteration {breakdown}")
    if method == _STABILIZED and status != _OPTIMAL:
        user_warning(_STABILIZED_NOT_CONVERGED)
    _warn_unreliable(reg, reg_a, reg_b, plan if plan is not None else costs)
    if verbose:
        period, header = (10, 200) if method == _STABILIZED else (1, 50)
        for i, err in enumerate(errors):
            it = i * period
            if it % header == 0:
                print(f"{'It.':5s}|{'Err':12s}" + "\n" + "-" * 19)
            print(f"{it:5d}|{err:8e}|")

    if method != _STABILIZED:
        f, g = np.logaddexp(f, _LOG_TINY), np.logaddexp(g, _LOG_TINY)
    cast = (lambda x: x) if dtype == np.float64 else (lambda x: x.astype(dtype))
    log = {"err": errors, "logu": cast(f), "logv": cast(g)}
    if multi:
        return _Outcome(costs, log, dtype)
    log["cost"] = dtype.type(info[4])
    log["total_cost"] = dtype.type(info[5])
    return _Outcome(plan, log, dtype)


def _warn_unreliable(reg, reg_a, reg_b, result) -> None:
    """Two failures the iteration itself cannot see (adversarial trials):
    with reg below float64's resolution of reg_m the scaling exponent
    reg_m / (reg_m + reg) rounds to 1, so the iteration drops the marginal
    penalty and stops at once on a zero change; and non-finite output."""
    if any(r < np.inf and r / (r + reg) == 1.0 for r in (reg_a, reg_b)):
        user_warning(
            f"reg = {reg:g} is below the float64 resolution of reg_m: the "
            "scaling exponent reg_m / (reg_m + reg) rounds to 1 and the "
            "iteration ignores the marginal penalty; use a larger reg or "
            "goot.unbalanced.mm_unbalanced"
        )
    if not np.isfinite(result).all():
        user_warning("Numerical errors: the result has non-finite entries")


def _broadcast(x, shape, name):
    arr = as_float64(x, name)
    try:
        if len(shape) == 2 and arr.ndim == 1:
            arr = arr[:, None]
        out = np.array(np.broadcast_to(arr, shape), dtype=np.float64)
    except ValueError:
        raise InputError(
            f"{name}: expected arrays broadcastable to {shape}, got {arr.shape}"
        ) from None
    # -inf is the log-scaling of a zero-weight bin; NaN and +inf mean nothing.
    if np.isnan(out).any() or np.isposinf(out).any():
        raise InputError(f"{name} holds NaN or +inf values")
    return out


# ---------------------------------------------------------------------------
# Public API.


# ---------------------------------------------------------------------------
# Gradients for PyTorch callers (see goot._backend.tensor_io), by implicit
# differentiation of the optimality conditions of the KL-relaxed problem
#     M_ij + reg·log(P_ij / c_ij) + reg_a·log(r_i / a_i) + reg_b·log(s_j / b_j) = 0
# (r, s the plan's marginals, c = a⊗b, a given c, or 1 for reg_type
# "entropy"). For an incoming gradient G of the plan, one adjoint solve
#     [[ka·diag(r), P], [Pᵀ, kb·diag(s)]] [x; y] = [(P∘G)1; (P∘G)ᵀ1],
# ka = 1 + reg/reg_a, kb = 1 + reg/reg_b (goot.bregman._sinkhorn._adjoint),
# gives ∂M = P∘(x_i + y_j − G_ij)/reg, ∂a_i = x_i·r_i·(1 + reg·κ/reg_a)/a_i and
# ∂b_j likewise, κ = 1 when c = a⊗b, else 0. Checked against POT's unrolled
# gradients in tests/test_torch.py.


def _relaxation(reg: float, reg_m: Any) -> tuple[float, float]:
    reg_a, reg_b = _pair(reg_m)
    return 1.0 + reg / reg_a, 1.0 + reg / reg_b  # reg/inf = 0: a hard marginal


def _has_adjoint(method: Any, reg_m: Any) -> bool:
    """The translation-invariant iteration with two different finite reg_m
    stops at another point than the others (as POT's does), whose optimality
    conditions the adjoint system does not describe: no gradient there."""
    reg_a, reg_b = _pair(reg_m)
    ti = isinstance(method, str) and method.lower() == "sinkhorn_translation_invariant"
    return not ti or reg_a == reg_b or math.isinf(reg_a) or math.isinf(reg_b)


class _Adjoint:
    """The plan P of one solve and what its vector-Jacobian products need."""

    def __init__(self, P: np.ndarray, args: dict):
        from ..bregman._sinkhorn import _adjoint

        self.solve = _adjoint
        self.P = np.asarray(P, dtype=np.float64)
        n, m = self.P.shape
        self.reg = float(args["reg"])
        self.reg_a, self.reg_b = _pair(args["reg_m"])
        self.ka, self.kb = _relaxation(self.reg, args["reg_m"])
        self.a = weights_or_uniform(args["a"], n, "a")
        self.b = weights_or_uniform(args["b"], m, "b")
        self.M = as_float64(args["M"], "M")
        self.entropy = str(args["reg_type"]).lower() == "entropy"
        self.product = not self.entropy and args["c"] is None
        if self.entropy:
            self.ref = np.ones((n, m))
        elif args["c"] is not None:
            self.ref = as_float64(args["c"], "c")
        else:
            self.ref = np.outer(self.a, self.b)

    def vjp(self, G: np.ndarray):
        """(∂M, ∂a, ∂b) of <G, P>."""
        P, reg = self.P, self.reg
        PG = P * G
        x, y = self.solve(P, PG.sum(1), PG.sum(0), self.ka, self.kb)
        kappa = 1.0 if self.product else 0.0
        with np.errstate(divide="ignore", invalid="ignore"):
            ga = x * P.sum(1) * (1 + reg * kappa / self.reg_a) / self.a
            gb = y * P.sum(0) * (1 + reg * kappa / self.reg_b) / self.b
        ga[self.a == 0], gb[self.b == 0] = 0.0, 0.0
        return P * (x[:, None] + y[None, :] - G) / reg, ga, gb

    def total_cost_gradients(self):
        """(∂M, ∂a, ∂b) of POT's total cost T = <P, M> + reg·KL(P|c) +
        reg_a·KL(P1|a) + reg_b·KL(Pᵀ1|b), KL(x|y) = Σ x log(x/y + 1e-16): no
        mass terms, so P is not its stationary point and the plan's response
        to G = ∂T/∂P counts, plus T's explicit dependence on a and b."""
        P, reg = self.P, self.reg
        r, s = P.sum(1), P.sum(0)
        G = self.M + reg * _kl_dx(P, self.ref)
        ea, eb = np.zeros_like(self.a), np.zeros_like(self.b)
        if self.product:
            dref = reg * _kl_dy(P, self.ref)
            ea += dref @ self.b
            eb += self.a @ dref
        if not math.isinf(self.reg_a):
            G += self.reg_a * _kl_dx(r, self.a)[:, None]
            ea += self.reg_a * _kl_dy(r, self.a)
        if not math.isinf(self.reg_b):
            G += self.reg_b * _kl_dx(s, self.b)[None, :]
            eb += self.reg_b * _kl_dy(s, self.b)
        gM, ga, gb = self.vjp(G)
        return P + gM, ga + ea, gb + eb


def _kl_dx(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """∂/∂x of x log(x/y + 1e-16), entrywise (0 where x = 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        t = x / y
        g = np.log(t + 1e-16) + t / (t + 1e-16)
    return np.where(x > 0, g, 0.0)


def _kl_dy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """∂/∂y of x log(x/y + 1e-16), entrywise (0 where x = 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        t = x / y
        g = -t * t / (t + 1e-16)
    return np.where(x > 0, g, 0.0)


def _unbalanced_plan_grad(name: str) -> Any:
    def hook(args: dict, attach: Any) -> Any:
        fn = globals()[name].__wrapped__
        options = {k: v for k, v in args.items() if k != "kwargs"}
        out = fn(**options, **args.get("kwargs", {}))
        plan, log = out if args.get("log") else (out, None)
        method = (
            "sinkhorn_translation_invariant"
            if name == "sinkhorn_unbalanced_translation_invariant"
            else args.get("method", "sinkhorn")
        )
        if np.ndim(plan) != 2 or not _has_adjoint(method, args["reg_m"]):
            return out  # several b: losses; or see _has_adjoint (tensor_io warns)
        adjoint = _Adjoint(plan, args)
        memo: dict = {}

        def part(index: int) -> Any:
            def vjp(grad_output: np.ndarray) -> np.ndarray:
                if "G" not in memo or not np.array_equal(memo["G"], grad_output):
                    memo["G"], memo["out"] = grad_output, adjoint.vjp(grad_output)
                return memo["out"][index]

            return vjp

        value = attach(plan, M=part(0), a=part(1), b=part(2))
        return (value, log) if log is not None else value

    return hook


def _unbalanced2_grad(args: dict, attach: Any) -> Any:
    b = args["b"]
    multi = not is_empty(b) and np.ndim(b) == 2
    if multi or not _has_adjoint(args["method"], args["reg_m"]):
        options = {k: v for k, v in args.items() if k != "kwargs"}  # tensor_io warns
        return sinkhorn_unbalanced2.__wrapped__(**options, **args.get("kwargs", {}))
    if args["returnCost"] not in ("linear", "total"):
        raise ValueError(f"Unknown returnCost = {args['returnCost']}")
    solver = _dispatch(args["method"], "Unknown method %s.")
    P, res = solver(
        args["a"], b, args["M"], args["reg"], args["reg_m"], args["reg_type"],
        args["c"], args["warmstart"], numItermax=args["numItermax"],
        stopThr=args["stopThr"], verbose=args["verbose"], log=True,
        **args.get("kwargs", {}),
    )  # fmt: skip
    adjoint = _Adjoint(P, args)
    if args["returnCost"] == "linear":
        cost = res["cost"]
        gM, ga, gb = adjoint.vjp(adjoint.M)
        gM = adjoint.P + gM
    else:
        cost = res["total_cost"]
        gM, ga, gb = adjoint.total_cost_gradients()
    value = attach(cost, M=gM, a=ga, b=gb)
    return (value, res) if args["log"] else value


@tensor_io(grad=_unbalanced_plan_grad("sinkhorn_unbalanced"))
def sinkhorn_unbalanced(
    a: Any,
    b: Any,
    M: Any,
    reg: float,
    reg_m: Any,
    method: str = "sinkhorn",
    reg_type: str = "kl",
    c: Any = None,
    warmstart: Any = None,
    numItermax: int = 1000,
    stopThr: float = 1e-6,
    verbose: bool = False,
    log: bool = False,
    **kwargs: Any,
):
    r"""Entropic unbalanced OT; return the plan (the losses for 2-D ``b``).

    Solves

    .. math::
        \min_{\gamma \ge 0} \langle \gamma, M \rangle
        + \mathrm{reg}\,\mathrm{KL}(\gamma \,|\, c)
        + \mathrm{reg_{m1}}\,\mathrm{KL}(\gamma \mathbf{1} \,|\, a)
        + \mathrm{reg_{m2}}\,\mathrm{KL}(\gamma^\top \mathbf{1} \,|\, b)

    with KL the generalised Kullback-Leibler divergence and the reference
    ``c = a b^T`` (``reg_type="kl"``, the default since POT 0.9.5) or the
    all-ones matrix (``reg_type="entropy"``, which warns that ``c`` is
    overwritten). ``reg_m`` is a scalar or a pair ``(reg_m1, reg_m2)``; an
    infinite value makes that marginal a hard constraint.

    Parameters
    ----------
    a : array-like, shape (ns,)
        Source weights (uniform if empty).
    b : array-like, shape (nt,) or (nt, k)
        Target weights (uniform if empty), or k histograms, which are solved
        together with the kernel ``exp(-M/reg)`` and one stopping rule, as POT
        does; their linear losses are returned.
    M : array-like, shape (ns, nt)
        Cost matrix.
    reg : float
        Entropic regularisation (> 0).
    reg_m : float or pair of floats
        Marginal relaxation (> 0, ``inf`` allowed).
    method : str
        ``"sinkhorn"`` (:func:`sinkhorn_knopp_unbalanced`),
        ``"sinkhorn_stabilized"`` (:func:`sinkhorn_stabilized_unbalanced`) or
        ``"sinkhorn_translation_invariant"``
        (:func:`sinkhorn_unbalanced_translation_invariant`);
        ``"sinkhorn_reg_scaling"`` warns and runs ``"sinkhorn"``.
    reg_type : str
        ``"kl"`` or ``"entropy"``.
    c : array-like, shape (ns, nt), optional
        Reference measure of the KL term (default ``a b^T``).
    warmstart : pair of arrays, optional
        Starting log-scalings ``(log u, log v)``.
    numItermax : int
        Maximum number of iterations.
    stopThr : float
        Stop when the relative change of the scalings falls below it.
    verbose : bool
        Print the error history.
    log : bool
        Also return a dict with ``err``, ``logu``, ``logv`` and, for 1-D
        ``b``, ``cost`` (linear) and ``total_cost`` (objective).

    Returns
    -------
    gamma : ndarray, shape (ns, nt)
        The plan (the k losses for 2-D ``b``).
    log : dict
        Only if ``log`` is True.

    Examples
    --------
    >>> import goot
    >>> goot.sinkhorn_unbalanced([.5, .5], [.5, .5], [[0., 1.], [1., 0.]], 1., 1.)
    array([[0.32205361, 0.1184769 ],
           [0.1184769 , 0.32205361]])

    References
    ----------
    .. [1] Chizat, L., Peyré, G., Schmitzer, B., Vialard, F.-X. (2018).
       Scaling algorithms for unbalanced optimal transport problems.
       Mathematics of Computation 87(314), 2563-2609.
    .. [2] Frogner, C., Zhang, C., Mobahi, H., Araya-Polo, M., Poggio, T.
       (2015). Learning with a Wasserstein loss. Advances in Neural
       Information Processing Systems (NeurIPS) 28.
    .. [3] Séjourné, T., Vialard, F.-X., Peyré, G. (2022). Faster unbalanced
       optimal transport: translation invariant Sinkhorn and 1-D Frank-Wolfe.
       AISTATS 2022.
    """
    solver = _dispatch(method, "Unknown method '%s'.")
    return solver(
        a, b, M, reg, reg_m, reg_type, c, warmstart, numItermax=numItermax,
        stopThr=stopThr, verbose=verbose, log=log, **kwargs,
    )  # fmt: skip


def _dispatch(method: Any, unknown: str):
    if not isinstance(method, str):
        raise TypeError(f"method must be a string, got {method!r}")
    name = method.lower()
    if name == "sinkhorn_reg_scaling":
        user_warning(_NOT_IMPLEMENTED)
        name = "sinkhorn"
    solvers = {
        "sinkhorn": sinkhorn_knopp_unbalanced,
        "sinkhorn_stabilized": sinkhorn_stabilized_unbalanced,
        "sinkhorn_translation_invariant": sinkhorn_unbalanced_translation_invariant,
    }
    if name not in solvers:
        raise ValueError(unknown % method)
    return solvers[name]


@tensor_io(grad=_unbalanced2_grad)
def sinkhorn_unbalanced2(
    a: Any,
    b: Any,
    M: Any,
    reg: float,
    reg_m: Any,
    method: str = "sinkhorn",
    reg_type: str = "kl",
    c: Any = None,
    warmstart: Any = None,
    returnCost: str = "linear",
    numItermax: int = 1000,
    stopThr: float = 1e-6,
    verbose: bool = False,
    log: bool = False,
    **kwargs: Any,
):
    r"""Entropic unbalanced OT; return its cost.

    Solves the problem of :func:`sinkhorn_unbalanced` and returns the linear
    cost :math:`\langle \gamma, M \rangle` (``returnCost="linear"``) or the
    whole objective (``returnCost="total"``, with POT's
    :math:`\mathrm{KL}(x|y) = \sum x \log(x/y + 10^{-16})`, without the mass
    terms). With 2-D ``b`` it returns the k linear losses, and warns for
    ``reg_type="kl"`` that the entropy kernel is used, as POT does.

    Parameters
    ----------
    a, b, M, reg, reg_m, method, reg_type, c, warmstart, numItermax, stopThr, \
verbose, log
        As in :func:`sinkhorn_unbalanced`.
    returnCost : str
        ``"linear"`` or ``"total"``; anything else raises ValueError.

    Returns
    -------
    cost : float or ndarray, shape (k,)
        The cost (a numpy scalar), or the k losses for 2-D ``b``.
    log : dict
        Only if ``log`` is True.

    Examples
    --------
    >>> import goot
    >>> cost = goot.sinkhorn_unbalanced2([.5, .5], [.5, .5], [[0., 1.], [1., 0.]],
    ...                                  1., 1.)
    >>> print(f"{cost:.6f}")
    0.236954

    References
    ----------
    .. [1] Chizat, L., Peyré, G., Schmitzer, B., Vialard, F.-X. (2018).
       Scaling algorithms for unbalanced optimal transport problems.
       Mathematics of Computation 87(314), 2563-2609.
    .. [2] Frogner, C., Zhang, C., Mobahi, H., Araya-Polo, M., Poggio, T.
       (2015). Learning with a Wasserstein loss. NeurIPS 28.
    """
    multi = not is_empty(b) and np.ndim(b) == 2
    if multi and reg_type == "kl":
        user_warning("Reg_type not implemented yet. Use entropy.")
    solver = _dispatch(method, "Unknown method %s.")
    if multi:
        return solver(
            a, b, M, reg, reg_m, reg_type, c, warmstart, numItermax=numItermax,
            stopThr=stopThr, verbose=verbose, log=log, **kwargs,
        )  # fmt: skip
    _, res = solver(
        a, b, M, reg, reg_m, reg_type, c, warmstart, numItermax=numItermax,
        stopThr=stopThr, verbose=verbose, log=True, **kwargs,
    )  # fmt: skip
    if returnCost == "linear":
        cost = res["cost"]
    elif returnCost == "total":
        cost = res["total_cost"]
    else:
        raise ValueError(f"Unknown returnCost = {returnCost}")
    return (cost, res) if log else cost


@tensor_io(grad=_unbalanced_plan_grad("sinkhorn_knopp_unbalanced"))
def sinkhorn_knopp_unbalanced(
    a: Any,
    b: Any,
    M: Any,
    reg: float,
    reg_m: Any,
    reg_type: str = "kl",
    c: Any = None,
    warmstart: Any = None,
    numItermax: int = 1000,
    stopThr: float = 1e-6,
    verbose: bool = False,
    log: bool = False,
    **kwargs: Any,
):
    r"""Unbalanced Sinkhorn-Knopp (Chizat et al. 2018); return the plan.

    Solves the problem of :func:`sinkhorn_unbalanced` by the scaling
    iteration :math:`u = (a / K v)^{\mathrm{fi}_1}`,
    :math:`v = (b / K^\top u)^{\mathrm{fi}_2}` with
    :math:`K = e^{-M/\mathrm{reg}} \odot c` and
    :math:`\mathrm{fi}_i = \mathrm{reg_{mi}} / (\mathrm{reg_{mi}} + \mathrm{reg})`
    (1 for an infinite weight), from ``u = v = 1``, stopping when
    :math:`(\Delta u + \Delta v)/2 <` ``stopThr`` with
    :math:`\Delta u = \max|u - u'| / \max(\max|u|, \max|u'|, 1)`, as POT does.
    goot runs these iterates on log-scalings (in kernel form, with an exact
    log-sum-exp whenever a sum leaves [1e-100, 1e100]), so reg = 1e-3 on costs
    in [0, 1], zero weights and ``+inf`` costs give finite, right answers
    where POT's kernel underflows.

    Parameters and returns are those of :func:`sinkhorn_unbalanced`.

    Examples
    --------
    >>> import goot
    >>> G = goot.unbalanced.sinkhorn_knopp_unbalanced(
    ...     [.5, .5], [.5, .5], [[0., 1.], [1., 0.]], 1., (1., float("inf")))
    >>> G.sum(0)  # the second marginal is hard
    array([0.5, 0.5])

    References
    ----------
    .. [1] Chizat, L., Peyré, G., Schmitzer, B., Vialard, F.-X. (2018).
       Scaling algorithms for unbalanced optimal transport problems.
       Mathematics of Computation 87(314), 2563-2609.
    .. [2] Frogner, C., Zhang, C., Mobahi, H., Araya-Polo, M., Poggio, T.
       (2015). Learning with a Wasserstein loss. NeurIPS 28.
    """
    out = _solve(
        _KNOPP, a, b, M, reg, reg_m, reg_type, c, warmstart, numItermax, stopThr,
        verbose, want_log=log,
    )  # fmt: skip
    return out.result(log)


@tensor_io(grad=_unbalanced_plan_grad("sinkhorn_stabilized_unbalanced"))
def sinkhorn_stabilized_unbalanced(
    a: Any,
    b: Any,
    M: Any,
    reg: float,
    reg_m: Any,
    reg_type: str = "kl",
    c: Any = None,
    warmstart: Any = None,
    tau: float = 1e5,
    numItermax: int = 1000,
    stopThr: float = 1e-6,
    verbose: bool = False,
    log: bool = False,
    **kwargs: Any,
):
    r"""Unbalanced Sinkhorn with absorption (Schmitzer 2019); return the plan.

    POT's stabilized scaling iteration: with dual potentials α, β (from 0)
    and :math:`K = e^{(\alpha_i + \beta_j - M^0_{ij})/\mathrm{reg}}`,
    :math:`M^0 = M - \mathrm{reg}\log c`,
    :math:`u = (a / (K v + 10^{-16}))^{\mathrm{fi}_1} e^{-\alpha/(\mathrm{reg}
    + \mathrm{reg_{m1}})}` and likewise for v; when a scaling exceeds ``tau``
    the log of its largest value is absorbed into the potentials. The error
    (relative change of u) is checked on iteration 0 and every 10th iteration
    without absorption. goot keeps this scaling domain so that its iterates
    are POT's, warnings included ("Numerical errors at iteration", and the
    non-convergence warning), with one deliberate difference: after an
    absorption goot divides the scalings by the absorbed value, which keeps
    the plan, where POT resets v to 1 and then converges to a wrong plan
    (POT issue #711, goot's reported case B18). So the two agree until the
    first absorption, and goot's result is that of
    :func:`sinkhorn_knopp_unbalanced` throughout.

    Parameters are those of :func:`sinkhorn_unbalanced`, plus ``tau``
    (absorption threshold, default 1e5).

    Returns
    -------
    gamma : ndarray, shape (ns, nt)
        The plan (the k losses for 2-D ``b``).
    log : dict
        ``err``, ``logu`` (α/reg + log u), ``logv``, and for 1-D ``b``
        ``cost`` and ``total_cost``.

    Examples
    --------
    >>> import goot
    >>> goot.unbalanced.sinkhorn_stabilized_unbalanced(
    ...     [.5, .5], [.5, .5], [[0., 1.], [1., 0.]], 1., 1.)
    array([[0.32205358, 0.11847689],
           [0.11847689, 0.32205358]])

    References
    ----------
    .. [1] Schmitzer, B. (2019). Stabilized sparse scaling algorithms for
       entropy regularized transport problems. SIAM Journal on Scientific
       Computing 41(3), A1443-A1481.
    .. [2] Chizat, L., Peyré, G., Schmitzer, B., Vialard, F.-X. (2018).
       Scaling algorithms for unbalanced optimal transport problems.
       Mathematics of Computation 87(314), 2563-2609.
    """
    out = _solve(
        _STABILIZED, a, b, M, reg, reg_m, reg_type, c, warmstart, numItermax,
        stopThr, verbose, tau=tau, entropy_exact=True, want_log=log,
    )  # fmt: skip
    return out.result(log)


@tensor_io(grad=_unbalanced_plan_grad("sinkhorn_unbalanced_translation_invariant"))
def sinkhorn_unbalanced_translation_invariant(
    a: Any,
    b: Any,
    M: Any,
    reg: float,
    reg_m: Any,
    reg_type: str = "kl",
    c: Any = None,
    warmstart: Any = None,
    numItermax: int = 1000,
    stopThr: float = 1e-6,
    verbose: bool = False,
    log: bool = False,
    **kwargs: Any,
):
    r"""Translation-invariant unbalanced Sinkhorn (Séjourné et al. 2022).

    The scaling iteration of :func:`sinkhorn_knopp_unbalanced`, each half
    step scaled by powers of the sums :math:`\sum a u^{-\mathrm{reg}/
    \mathrm{reg_{m1}}}` and :math:`\sum b v^{-\mathrm{reg}/\mathrm{reg_{m2}}}`,
    followed by the optimal translation of the dual potentials, which speeds
    up convergence when ``reg_m`` is large. goot follows POT's iterates and
    stopping rule, on log-scalings (no under- or overflow). As in POT 0.9.7,
    with ``reg_m1 != reg_m2`` the fixed point differs from that of
    :func:`sinkhorn_knopp_unbalanced`.

    Parameters and returns are those of :func:`sinkhorn_unbalanced`.

    Examples
    --------
    >>> import goot
    >>> goot.unbalanced.sinkhorn_unbalanced_translation_invariant(
    ...     [.5, .5], [.5, .5], [[0., 1.], [1., 0.]], 1., 1.)
    array([[0.32205357, 0.11847689],
           [0.11847689, 0.32205357]])

    References
    ----------
    .. [1] Séjourné, T., Vialard, F.-X., Peyré, G. (2022). Faster unbalanced
       optimal transport: translation invariant Sinkhorn and 1-D Frank-Wolfe.
       International Conference on Artificial Intelligence and Statistics
       (AISTATS).
    .. [2] Chizat, L., Peyré, G., Schmitzer, B., Vialard, F.-X. (2018).
       Scaling algorithms for unbalanced optimal transport problems.
       Mathematics of Computation 87(314), 2563-2609.
    """
    out = _solve(
        _TRANSLATION_INVARIANT, a, b, M, reg, reg_m, reg_type, c, warmstart,
        numItermax, stopThr, verbose, entropy_exact=True, want_log=log,
    )  # fmt: skip
    return out.result(log)
