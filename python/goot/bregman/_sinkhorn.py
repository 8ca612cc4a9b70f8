"""Entropic optimal transport (POT's ``ot.bregman`` Sinkhorn solvers).

The iterations run in goot's Go package ``goot/bregman``; this module checks the
input, allocates the outputs and builds POT's return values, log dicts, printed
tables and warnings around them. Each solver follows the iterate sequence and
stopping rule of POT's method of the same name, so plans agree with POT's to
rounding wherever POT's own iteration stays finite.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

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
    result_dtype,
    target_weights,
    weights_or_uniform,
)
from .._warnings import user_warning
from ..lp._network_simplex import _check_iter

__all__ = [
    "sinkhorn",
    "sinkhorn2",
    "sinkhorn_knopp",
    "sinkhorn_log",
    "sinkhorn_stabilized",
    "sinkhorn_epsilon_scaling",
    "greenkhorn",
    "sinkhorn_newton_sparse",
]

_NOT_CONVERGED = (
    "Sinkhorn did not converge. You might want to increase the number of "
    "iterations `numItermax` or the regularization parameter `reg`."
)
_LOG_DOMAIN_NOTE = (
    " (exp(-M/reg) under- or overflows in float64); goot solved the problem "
    "again in the log domain"
)
_INFO_LEN = 6  # capi: status, iter, breakdown, log domain, errors, inner limits
_OPTIMAL = 0  # goot.Optimal


class _Outcome:
    """What one Go solve returns: plan and/or linear costs, log dict, dtype."""

    def __init__(self, plan, costs, log, dtype, multi):
        self.plan, self.costs, self.log = plan, costs, log
        self.dtype, self.multi = dtype, multi

    def _cast(self, x):
        return x if self.dtype == np.float64 else x.astype(self.dtype)

    def result(self, log: bool):
        """POT's return of ``sinkhorn``: the plan, or the losses for 2-D b."""
        out = self._cast(self.costs if self.multi else self.plan)
        return (out, self.log) if log else out

    def loss(self, log: bool):
        """POT's return of ``sinkhorn2``: the linear cost <P, M> (a numpy scalar),
        or a vector of them for 2-D b."""
        costs = self._cast(np.asarray(self.costs))
        out = costs if self.multi else costs[0]
        return (out, self.log) if log else out


# ---------------------------------------------------------------------------
# Input handling shared by every method.


def _prepare(a, b, M, multi_ok: bool):
    """Float64 (a, b, M) with shapes checked; b is (m,) or (m, k)."""
    dtype = result_dtype(M, a, b)
    M = cost_matrix(M)
    n, m = M.shape
    a = weights_or_uniform(a, n, "a")
    b = target_weights(b, m)
    if b.ndim == 2 and not multi_ok:
        raise InputError("b: this method takes one target histogram (1-D b)")
    # A histogram without mass has no balanced plan (POT returns NaN).
    # (NaN and negative weights are reported by the Go solvers.)
    if a.sum() == 0:
        raise InputError("a: all weights are 0 (a histogram needs mass)")
    if (b.sum(0) == 0).any():
        raise InputError("b: all weights are 0 (a histogram needs mass)")
    if dtype == np.float32:
        # float32 weights carry their own rounding: two histograms meant to be
        # equal in mass differ by ~1e-8, more than the default stopThr, and POT
        # then runs to numItermax and warns. goot computes in float64 and puts b
        # on a's mass, so the float64 stopping rule is met as it is for float64.
        sb = b.sum(0)
        b = b * (a.sum() / np.where(sb == 0, 1.0, sb))
    return a, b, M, dtype


def _reg(reg: Any) -> float:
    try:
        return float(reg)
    except (TypeError, ValueError):
        raise TypeError(f"reg must be a number, got {reg!r}") from None


def _iterations(numItermax: Any, name: str = "numItermax") -> int:
    """The iteration cap of a Sinkhorn-type solve: at least 1. (For the
    network simplex 0 means "no cap"; here POT would run no iteration and
    return its starting plan, or fail with log=True, so goot refuses it.)"""
    cap = _check_iter(numItermax)
    if cap < 1:
        raise InputError(f"{name} must be at least 1, got {numItermax!r}")
    return cap


def _warm(warmstart, shapes, name="warmstart"):
    """The two warm-start arrays as float64 copies of the expected shapes."""
    if warmstart is None:
        return None
    try:
        first, second = warmstart
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a pair of arrays") from None
    out = []
    for x, shape in zip((first, second), shapes):
        arr = np.array(as_float64(x, name), dtype=np.float64)
        if arr.shape != shape:
            raise InputError(f"{name}: expected an array of shape {shape}")
        # -inf is a log-scaling of a zero-weight bin (a previous log's
        # log_u/log_v); NaN and +inf have no meaning.
        if np.isnan(arr).any() or np.isposinf(arr).any():
            raise InputError(f"{name} holds NaN or +inf values")
        if arr.size and np.isneginf(arr).all():
            raise InputError(f"{name}: every entry is -inf (a scaling of zero)")
        out.append(arr)
    return out


def _info(info, errs):
    status, it, breakdown, log_domain, n_err, inner = (int(x) for x in info)
    return status, it, breakdown, bool(log_domain), [float(e) for e in errs[:n_err]]


def _print_table(errors, period, header_every):
    """POT's verbose table, printed after the solve from the error history."""
    for k, err in enumerate(errors):
        it = k * period
        if it % header_every == 0:
            print(f"{'It.':5s}|{'Err':12s}" + "\n" + "-" * 19)
        print(f"{it:5d}|{err:8e}|")


def _warn_outcome(status, breakdown, log_domain, warn, text):
    if breakdown >= 0:
        message = text % breakdown
        if log_domain:
            message += _LOG_DOMAIN_NOTE
        user_warning(message)
        if not log_domain:
            return
    if status != _OPTIMAL and warn:
        user_warning(_NOT_CONVERGED)


# ---------------------------------------------------------------------------
# One private solver per method: all return an _Outcome.


def _omega(omega) -> float:
    """goot's opt-in over-relaxation: None (POT's iterates), a factor in
    (0, 2), or "auto" (chosen from the observed rate)."""
    if omega is None:
        return 0.0
    if isinstance(omega, str) and omega == "auto":
        return -1.0
    try:
        value = float(omega)
    except (TypeError, ValueError):
        raise TypeError(f"omega must be a number or 'auto', got {omega!r}") from None
    if not 0 < value < 2:
        raise InputError(f"omega must be in (0, 2) or 'auto', got {omega!r}")
    return value


def _knopp(
    a, b, M, reg, numItermax, stopThr, verbose, warn, warmstart, want_plan,
    omega=None,
):  # fmt: skip
    a, b, M, dtype = _prepare(a, b, M, multi_ok=True)
    n, m = M.shape
    multi = b.ndim == 2
    k = b.shape[1] if multi else 1
    numItermax = _iterations(numItermax)
    shape_u, shape_v = ((n, k), (m, k)) if multi else ((n,), (m,))
    warm = _warm(warmstart, (shape_u, shape_v))
    if warm is None:
        u, v = np.empty(shape_u), np.empty(shape_v)
    else:
        u, v = _exp(warm[0]), _exp(warm[1])
    plan = np.empty((n, m)) if want_plan and not multi else None
    costs = np.empty(k)
    errs, info = history_buffer(numItermax), np.empty(_INFO_LEN)
    call(
        "BregmanSinkhorn", address(a), n, address(b), m, k, address(M),
        _reg(reg), address(u), address(v), address(plan), address(costs),
        numItermax, float(stopThr), _omega(omega), warm is not None, address(errs),
        errs.shape[0], address(info),
    )  # fmt: skip
    status, it, breakdown, log_domain, errors = _info(info, errs)
    if verbose:
        # POT's Sinkhorn-Knopp breaks before printing the converged error.
        converged = status == _OPTIMAL and not log_domain
        _print_table(errors[:-1] if converged else errors, 10, 200)
    _warn_outcome(
        status, breakdown, log_domain, warn, "Warning: numerical errors at iteration %d"
    )
    cast = _caster(dtype)
    log = {"err": errors, "niter": it, "u": cast(u), "v": cast(v)}
    return _Outcome(plan, costs, log, dtype, multi)


def _caster(dtype) -> Callable:
    if dtype == np.float64:
        return lambda x: x
    return _to_float32


def _to_float32(x):
    with np.errstate(over="ignore"):
        return x.astype(np.float32)


def _exp(x):
    """exp without numpy's overflow warning: scalings of a log-domain solve may
    not fit in float64 although the plan does."""
    with np.errstate(over="ignore"):
        return np.exp(x)


def _log_domain(
    a, b, M, reg, numItermax, stopThr, verbose, warn, warmstart, want_plan,
    omega=None,
):  # fmt: skip
    a, b, M, dtype = _prepare(a, b, M, multi_ok=True)
    n, m = M.shape
    numItermax = _iterations(numItermax)
    if b.ndim == 2:
        # POT solves the histograms one after another, each with its own
        # stopping test and default warnings.
        k = b.shape[1]
        starts = [None] * k if warmstart is None else list(zip(*warmstart))
        outs = [
            _log_domain(
                a,
                np.ascontiguousarray(b[:, c]),
                M,
                reg,
                numItermax,
                stopThr,
                verbose,
                True,
                None
                if starts[c] is None
                else (np.asarray(starts[c][0]), np.asarray(starts[c][1])),
                False,
                omega,
            )  # fmt: skip
            for c in range(k)
        ]
        costs = np.array([o.costs[0] for o in outs])
        log_u = np.stack([o.log["log_u"] for o in outs], 1)
        log_v = np.stack([o.log["log_v"] for o in outs], 1)
        log = {"log_u": log_u, "log_v": log_v, "u": _exp(log_u), "v": _exp(log_v)}
        return _Outcome(None, costs, log, dtype, True)

    warm = _warm(warmstart, ((n,), (m,)))
    f, g = (np.empty(n), np.empty(m)) if warm is None else warm
    plan = np.empty((n, m)) if want_plan else None
    costs = np.empty(1)
    errs, info = history_buffer(numItermax), np.empty(_INFO_LEN)
    call(
        "BregmanSinkhornLog", address(a), n, address(b), m, address(M), _reg(reg),
        address(f), address(g), address(plan), address(costs), numItermax,
        float(stopThr), _omega(omega), warm is not None, address(errs), errs.shape[0],
        address(info),
    )  # fmt: skip
    status, it, _, _, errors = _info(info, errs)
    if verbose:
        _print_table(errors, 10, 200)
    if status != _OPTIMAL and warn:
        user_warning(_NOT_CONVERGED)
    cast = _caster(dtype)
    log = {
        "err": errors,
        "niter": it,
        "log_u": cast(f),
        "log_v": cast(g),
        "u": cast(_exp(f)),
        "v": cast(_exp(g)),
    }
    return _Outcome(plan, costs, log, dtype, False)


def _stabilized(
    a, b, M, reg, numItermax, stopThr, verbose, warn, warmstart, want_plan,
    tau=1e3, print_period=20,
):  # fmt: skip
    a, b, M, dtype = _prepare(a, b, M, multi_ok=True)
    n, m = M.shape
    numItermax = _iterations(numItermax)
    if b.ndim == 2:
        # TODO(goot): POT iterates all histograms jointly with a relative-change
        # stopping rule; goot solves them one after another (issue 3).
        outs = [
            _stabilized(
                a,
                np.ascontiguousarray(b[:, c]),
                M,
                reg,
                numItermax,
                stopThr,
                verbose,
                warn,
                warmstart,
                False,
                tau,
                print_period,
            )  # fmt: skip
            for c in range(b.shape[1])
        ]
        costs = np.array([o.costs[0] for o in outs])
        log = {"err": outs[-1].log["err"]}
        log["n_iter"] = max(o.log["n_iter"] for o in outs)
        for key in ("logu", "logv", "alpha", "beta"):
            log[key] = np.stack([o.log[key] for o in outs], 1)
        log["warmstart"] = (log["alpha"], log["beta"])
        return _Outcome(None, costs, log, dtype, True)

    warm = _warm(warmstart, ((n,), (m,)))
    alpha, beta = (np.empty(n), np.empty(m)) if warm is None else warm
    u, v = np.empty(n), np.empty(m)
    plan = np.empty((n, m)) if want_plan else None
    costs = np.empty(1)
    period = int(print_period)
    errs, info = history_buffer(numItermax, period), np.empty(_INFO_LEN)
    call(
        "BregmanSinkhornStabilized", address(a), n, address(b), m, address(M),
        _reg(reg), address(alpha), address(beta), address(u), address(v),
        address(plan), address(costs), numItermax, float(stopThr), float(tau),
        period, warm is not None, address(errs), errs.shape[0], address(info),
    )  # fmt: skip
    status, it, breakdown, log_domain, errors = _info(info, errs)
    if verbose:
        _print_table(errors, period, period * 20)
    _warn_outcome(
        status, breakdown, log_domain, warn, "Numerical errors at iteration %d"
    )
    reg = _reg(reg)
    with np.errstate(divide="ignore"):
        log_u, log_v = np.log(u), np.log(v)
    cast = _caster(dtype)
    log = {
        "err": errors,
        "n_iter": it,
        "logu": cast(alpha / reg + log_u),
        "logv": cast(beta / reg + log_v),
        "alpha": cast(alpha + reg * log_u),
        "beta": cast(beta + reg * log_v),
    }
    log["warmstart"] = (log["alpha"], log["beta"])
    return _Outcome(plan, costs, log, dtype, False)


def _epsilon_scaling(
    a, b, M, reg, numItermax, stopThr, verbose, warn, warmstart, want_plan,
    epsilon0=1e4, numInnerItermax=100, tau=1e3, print_period=10,
):  # fmt: skip
    a, b, M, dtype = _prepare(a, b, M, multi_ok=True)
    if b.ndim == 2:
        return _per_column(
            _epsilon_scaling, a, b, M, reg, numItermax, stopThr, verbose, warn,
            warmstart, epsilon0, numInnerItermax, tau, print_period,
        )  # fmt: skip
    n, m = M.shape
    numItermax = max(35, _check_iter(numItermax))
    warm = _warm(warmstart, ((n,), (m,)))
    alpha, beta = (np.empty(n), np.empty(m)) if warm is None else warm
    plan = np.empty((n, m))
    period = int(print_period)
    errs, info = history_buffer(numItermax, period), np.empty(_INFO_LEN)
    call(
        "BregmanSinkhornEpsilonScaling", address(a), n, address(b), m, address(M),
        _reg(reg), address(alpha), address(beta), address(plan), numItermax,
        _check_iter(numInnerItermax), float(epsilon0), float(tau), float(stopThr),
        period, warm is not None, address(errs), errs.shape[0], address(info),
    )  # fmt: skip
    status, it, _, _, errors = _info(info, errs)
    for _ in range(int(info[5])):
        # POT's inner stabilized solves warn each time they hit their cap.
        user_warning(_NOT_CONVERGED)
    if verbose:
        _print_table(errors, period, period * 10)
    if status != _OPTIMAL and warn:
        user_warning(_NOT_CONVERGED)
    cast = _caster(dtype)
    log = {"err": errors, "alpha": cast(alpha), "beta": cast(beta)}
    log["warmstart"] = (log["alpha"], log["beta"])
    log["niter"] = it
    return _Outcome(plan, np.array([_linear(plan, M)]), log, dtype, False)


def _greenkhorn(a, b, M, reg, numItermax, stopThr, verbose, warn, warmstart, want_plan):
    a, b, M, dtype = _prepare(a, b, M, multi_ok=True)
    if b.ndim == 2:
        return _per_column(
            _greenkhorn, a, b, M, reg, numItermax, stopThr, verbose, warn, warmstart
        )
    n, m = M.shape
    numItermax = _iterations(numItermax)
    warm = _warm(warmstart, ((n,), (m,)))
    u, v = (np.empty(n), np.empty(m)) if warm is None else map(_exp, warm)
    u, v = np.ascontiguousarray(u), np.ascontiguousarray(v)
    plan = np.empty((n, m))
    info = np.empty(_INFO_LEN)
    call(
        "BregmanGreenkhorn", address(a), n, address(b), m, address(M), _reg(reg),
        address(u), address(v), address(plan), numItermax, float(stopThr),
        warm is not None, address(info),
    )  # fmt: skip
    status, it, breakdown, log_domain, _ = _info(info, np.empty(0))
    _warn_outcome(
        status, breakdown, log_domain, warn, "Warning: numerical errors at iteration %d"
    )
    cast = _caster(dtype)
    log = {"u": cast(u), "v": cast(v), "n_iter": it}
    return _Outcome(plan, np.array([_linear(plan, M)]), log, dtype, False)


def _linear(plan, M) -> float:
    """<P, M> with 0 * inf counted as 0 (forbidden pairs carry no mass)."""
    return float(np.sum(plan * M, where=plan != 0))


def _sns(
    a, b, M, reg, numItermax, stopThr, verbose, warn, warmstart, want_plan,
    n_sinkhorn=20, sparsity=None, cg_tol=1e-10,
):  # fmt: skip
    a, b, M, dtype = _prepare(a, b, M, multi_ok=True)
    if b.ndim == 2:
        return _sns_columns(
            a, b, M, dtype, reg, numItermax, stopThr, verbose, warn, warmstart,
            n_sinkhorn, sparsity, cg_tol,
        )  # fmt: skip
    n, m = M.shape
    numItermax = _iterations(numItermax)
    warmup = _count(n_sinkhorn, "n_sinkhorn")
    density = 0.0 if sparsity is None else _fraction(sparsity, "sparsity")
    cg_tol = _nonnegative(cg_tol, "cg_tol")
    warm = _warm(warmstart, ((n,), (m,)))
    f, g = (np.empty(n), np.empty(m)) if warm is None else warm
    plan = np.empty((n, m)) if want_plan else None
    costs = np.empty(1)
    errs, info = history_buffer(numItermax, 1), np.empty(_INFO_LEN)
    call(
        "BregmanSNS", address(a), n, address(b), m, address(M), _reg(reg),
        address(f), address(g), address(plan), address(costs), numItermax,
        float(stopThr), warmup if warmup > 0 else -1, density, cg_tol,
        warm is not None, address(errs), errs.shape[0], address(info),
    )  # fmt: skip
    status, it, it_sinkhorn, it_newton = (int(x) for x in info[:4])
    errors = [float(e) for e in errs[: int(info[5])]]
    if verbose:
        _print_table(errors, 1, 200)
    if status != _OPTIMAL and warn:
        user_warning(_NOT_CONVERGED)
    cast = _caster(dtype)
    log = {
        "err": errors,
        "niter": it,
        "niter_sinkhorn": it_sinkhorn,
        "niter_newton": it_newton,
        "sparsity": float(info[4]),
        "log_u": cast(f),
        "log_v": cast(g),
        "u": cast(_exp(f)),
        "v": cast(_exp(g)),
    }
    out = _Outcome(plan, costs, log, dtype, False)
    out.converged = status == _OPTIMAL
    return out


def _sns_columns(
    a, b, M, dtype, reg, numItermax, stopThr, verbose, warn, warmstart, *extra
):  # fmt: skip
    """2-D b: one SNS solve per column, run in threads (each Go call releases
    the GIL). The log holds the columns' scalings side by side, (n, k) and
    (m, k) as POT's log-domain Sinkhorn gives them, and per-column lists of
    the iteration counts, sparsities and error histories."""
    k = b.shape[1]

    def solve(c):
        column = np.ascontiguousarray(b[:, c])
        return _sns(a, column, M, reg, numItermax, stopThr, False, False, warmstart,
                    False, *extra)  # fmt: skip

    with ThreadPoolExecutor(max_workers=min(k, os.cpu_count() or 1)) as pool:
        outs = list(pool.map(solve, range(k)))
    if verbose:
        for out in outs:
            _print_table(out.log["err"], 1, 200)
    if warn and not all(out.converged for out in outs):
        user_warning(_NOT_CONVERGED)
    cast = _caster(dtype)
    log: dict[str, Any] = {
        key: [out.log[key] for out in outs]
        for key in ("err", "niter", "niter_sinkhorn", "niter_newton", "sparsity")
    }
    for key in ("log_u", "log_v", "u", "v"):
        log[key] = cast(np.stack([out.log[key] for out in outs], 1))
    costs = np.array([out.costs[0] for out in outs])
    return _Outcome(None, costs, log, dtype, True)


def _count(x: Any, name: str) -> int:
    if isinstance(x, bool) or not isinstance(x, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {x!r}")
    if x < 0:
        raise InputError(f"{name} must be non-negative, got {x}")
    return int(x)


def _nonnegative(x: Any, name: str) -> float:
    try:
        value = float(x)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number, got {x!r}") from None
    if not value >= 0:
        raise InputError(f"{name} must be non-negative, got {x!r}")
    return value


def _fraction(x: Any, name: str) -> float:
    value = _nonnegative(x, name)
    if not 0 < value <= 1:
        raise InputError(f"{name} must be in (0, 1], got {x!r}")
    return value


def _per_column(solver, a, b, M, reg, numItermax, stopThr, verbose, warn, warmstart,
                *extra):  # fmt: skip
    """Several histograms for the methods POT only runs on one: one solve each."""
    outs = [
        solver(
            a,
            np.ascontiguousarray(b[:, c]),
            M,
            reg,
            numItermax,
            stopThr,
            verbose,
            warn,
            warmstart,
            False,
            *extra,
        )  # fmt: skip
        for c in range(b.shape[1])
    ]
    costs = np.array([o.costs[0] for o in outs])
    return _Outcome(None, costs, outs[-1].log, outs[0].dtype, True)


# ---------------------------------------------------------------------------
# Public API (POT's signatures and defaults).


def _plan_grad(name: str) -> Callable:
    """A tensor_io gradient hook for the public plan function `name`: the
    plan carries the vector-Jacobian products of plan_vjp (one adjoint solve
    per backward pass, shared by M, a and b), as POT's torch backend gives
    by unrolling the iterations. Several target histograms (2-D b) give
    losses, not a plan: those get no gradient (tensor_io warns)."""

    def hook(args: dict, attach: Callable) -> Any:
        fn = globals()[name].__wrapped__
        options = {k: v for k, v in args.items() if k != "kwargs"}
        out = fn(**options, **args.get("kwargs", {}))
        plan, log = out if args.get("log") else (out, None)
        if np.ndim(plan) != 2 or (not is_empty(args["b"]) and np.ndim(args["b"]) == 2):
            return out  # several b: losses, no gradient (tensor_io warns)
        P = np.asarray(plan, dtype=np.float64)
        reg = _reg(args["reg"])
        memo: dict = {}

        def vjp(index: int) -> Callable:
            def part(grad_output: np.ndarray) -> np.ndarray:
                if "G" not in memo or not np.array_equal(memo["G"], grad_output):
                    memo["G"], memo["out"] = grad_output, plan_vjp(P, grad_output, reg)
                return memo["out"][index]

            return part

        value = attach(plan, M=vjp(0), a=vjp(1), b=vjp(2))
        return (value, log) if log is not None else value

    return hook


@tensor_io(grad=_plan_grad("sinkhorn_knopp"))
def sinkhorn_knopp(
    a: Any,
    b: Any,
    M: Any,
    reg: float,
    numItermax: int = 1000,
    stopThr: float = 1e-9,
    verbose: bool = False,
    log: bool = False,
    warn: bool = True,
    warmstart: Any = None,
    **kwargs: Any,
):
    r"""Entropic OT by Sinkhorn–Knopp matrix scaling; return the plan.

    .. math::
        \gamma = \arg\min_{\gamma \ge 0} \langle \gamma, \mathbf{M} \rangle_F
        + \mathrm{reg} \sum_{ij} \gamma_{ij} (\log \gamma_{ij} - 1)
        \quad \text{s.t.} \quad \gamma \mathbf{1} = \mathbf{a}, \;
        \gamma^T \mathbf{1} = \mathbf{b}

    The plan is :math:`\mathrm{diag}(u) K \mathrm{diag}(v)` with
    :math:`K = e^{-M/\mathrm{reg}}`; POT's iterations (``v = b / K^T u`` then
    ``u = a / K v`` from ``u = 1/n, v = 1/m``) run in Go, one pass over ``K``
    per iteration on all cores. Every 10th iteration the error
    :math:`\|\gamma^T \mathbf{1} - \mathbf{b}\|_2` is recorded and the solve
    stops when it is below ``stopThr``.

    When the kernel under- or overflows (costs far above ``reg``), POT stops
    with "numerical errors"; goot warns with the same text and solves the
    problem again in the log domain, so the plan is still right. Zero weights
    give zero rows or columns; ``M = +inf`` forbids a pair.

    Parameters
    ----------
    a : array-like, shape (ns,)
        Source weights; ``[]`` means uniform.
    b : array-like, shape (nt,) or (nt, k)
        Target weights; with k columns, k problems share ``K`` and the k
        linear losses :math:`\langle \gamma_c, M \rangle` are returned.
    M : array-like, shape (ns, nt)
        Ground cost (no NaN or -inf).
    reg : float
        Entropic regularisation, > 0.
    numItermax : int, optional
        Maximum number of iterations (default 1000).
    stopThr : float, optional
        Threshold on the marginal error (default 1e-9).
    verbose : bool, optional
        Print the error table (after the solve).
    log : bool, optional
        Also return a dict with ``err``, ``niter``, ``u`` and ``v``.
    warn : bool, optional
        Warn when the solve did not converge (default True).
    warmstart : tuple of arrays, optional
        Starting log-scalings ``(log u, log v)``.
    omega : float or "auto", optional
        goot only, opt-in (through ``**kwargs``): over-relaxation, each scaling
        moves ``omega`` times the Sinkhorn step in the log domain
        (:math:`u \leftarrow u^{1-\omega} (a / K v)^\omega`). Values in (1, 2)
        usually reach the same fixed point in fewer iterations; ``"auto"``
        picks :math:`\omega = 2 / (1 + \sqrt{1 - r})` (at most 1.9) from the
        rate r observed over iterations 10-20. Default None: POT's iterates.
        Also accepted by :func:`sinkhorn_log`.

    Returns
    -------
    gamma : ndarray, shape (ns, nt)
        The plan (the k losses for 2-D ``b``); float32 if ``M`` is.
    log : dict
        Only if ``log`` is True.

    Examples
    --------
    >>> import goot
    >>> goot.bregman.sinkhorn_knopp([.5, .5], [.5, .5], [[0., 1.], [1., 0.]], 1)
    array([[0.36552929, 0.13447071],
           [0.13447071, 0.36552929]])

    References
    ----------
    .. [1] Cuturi, M. (2013). Sinkhorn distances: lightspeed computation of
       optimal transport. Advances in Neural Information Processing Systems
       (NeurIPS) 26.
    .. [2] Peyré, G., Cuturi, M. (2019). Computational optimal transport.
       Foundations and Trends in Machine Learning 11(5-6).
    """
    omega = kwargs.get("omega")
    out = _knopp(
        a, b, M, reg, numItermax, stopThr, verbose, warn, warmstart, True, omega
    )
    return out.result(log)


@tensor_io(grad=_plan_grad("sinkhorn_log"))
def sinkhorn_log(
    a: Any,
    b: Any,
    M: Any,
    reg: float,
    numItermax: int = 1000,
    stopThr: float = 1e-9,
    verbose: bool = False,
    log: bool = False,
    warn: bool = True,
    warmstart: Any = None,
    **kwargs: Any,
):
    r"""Entropic OT by Sinkhorn iterations in the log domain; return the plan.

    Solves the problem of :func:`sinkhorn_knopp` on the log-scalings
    ``f = log u``, ``g = log v``:
    :math:`g = \log b - \mathrm{LSE}_i(-M_{ij}/\mathrm{reg} + f_i)`, then
    :math:`f = \log a - \mathrm{LSE}_j(-M_{ij}/\mathrm{reg} + g_j)`, from
    zeros, with POT's stopping rule. goot runs these iterates in kernel form:
    :math:`\tilde K = e^{-M/\mathrm{reg} + f_0 + g_0}` holds the current plan
    and each update is a Sinkhorn-Knopp update on scalings near 1 (one pass
    without exp), the scalings being folded into ``f, g`` when they leave
    [1e-50, 1e50]; the first iteration, and any in which a row or column of
    :math:`\tilde K` vanishes, use a shifted log-sum-exp that cannot
    underflow. Costs of 1e3 with reg 1, reg 1e-4 on costs in [0, 1], zero
    weights and ``+inf`` costs all give finite, right answers.

    Parameters are those of :func:`sinkhorn_knopp`; ``warmstart`` is
    ``(log u, log v)``. With 2-D ``b`` the histograms are solved one after
    another (as POT does) and their losses returned.

    Returns
    -------
    gamma : ndarray, shape (ns, nt)
        The plan (the k losses for 2-D ``b``).
    log : dict
        ``err``, ``niter``, ``log_u``, ``log_v``, ``u``, ``v`` (2-D ``b``:
        ``log_u``, ``log_v``, ``u``, ``v`` only).

    Examples
    --------
    >>> import goot
    >>> goot.bregman.sinkhorn_log([.5, .5], [.5, .5], [[0., 1.], [1., 0.]], 1)
    array([[0.36552929, 0.13447071],
           [0.13447071, 0.36552929]])

    References
    ----------
    .. [1] Cuturi, M. (2013). Sinkhorn distances: lightspeed computation of
       optimal transport. Advances in Neural Information Processing Systems
       (NeurIPS) 26.
    .. [2] Peyré, G., Cuturi, M. (2019). Computational optimal transport.
       Foundations and Trends in Machine Learning 11(5-6).
    """
    omega = kwargs.get("omega")
    out = _log_domain(
        a, b, M, reg, numItermax, stopThr, verbose, warn, warmstart, True, omega
    )
    return out.result(log)


@tensor_io(grad=_plan_grad("sinkhorn_stabilized"))
def sinkhorn_stabilized(
    a: Any,
    b: Any,
    M: Any,
    reg: float,
    numItermax: int = 1000,
    tau: float = 1e3,
    stopThr: float = 1e-9,
    warmstart: Any = None,
    verbose: bool = False,
    print_period: int = 20,
    log: bool = False,
    warn: bool = True,
    **kwargs: Any,
):
    r"""Entropic OT by stabilized Sinkhorn (absorption); return the plan.

    Sinkhorn–Knopp on :math:`K_{ij} = e^{-(M_{ij} - \alpha_i - \beta_j)/\mathrm{reg}}`;
    when a scaling exceeds ``tau`` it is absorbed into the potentials
    (:math:`\alpha \mathrel{+}= \mathrm{reg}\log u`, same for β) and ``K`` is
    rebuilt. The error is recomputed every ``print_period`` iterations and
    tested at each one (POT's rule). Non-finite scalings ("Numerical errors")
    make goot solve the problem again in the log domain.

    Parameters are those of :func:`sinkhorn_knopp`, plus ``tau`` (absorption
    threshold, default 1e3) and ``print_period`` (default 20);
    ``warmstart`` is the pair of dual potentials ``(alpha, beta)``.

    Returns
    -------
    gamma : ndarray, shape (ns, nt)
        The plan (the k losses for 2-D ``b``).
    log : dict
        ``err``, ``n_iter``, ``logu``, ``logv``, ``alpha``, ``beta``,
        ``warmstart``.

    Examples
    --------
    >>> import goot
    >>> M = [[0., 1.], [1., 0.]]
    >>> goot.bregman.sinkhorn_stabilized([.5, .5], [.5, .5], M, 1)
    array([[0.36552929, 0.13447071],
           [0.13447071, 0.36552929]])

    References
    ----------
    .. [1] Schmitzer, B. (2019). Stabilized sparse scaling algorithms for
       entropy regularized transport problems. SIAM Journal on Scientific
       Computing 41(3).
    """
    out = _stabilized(
        a, b, M, reg, numItermax, stopThr, verbose, warn, warmstart, True,
        tau, print_period,
    )  # fmt: skip
    return out.result(log)


@tensor_io(grad=_plan_grad("sinkhorn_epsilon_scaling"))
def sinkhorn_epsilon_scaling(
    a: Any,
    b: Any,
    M: Any,
    reg: float,
    numItermax: int = 100,
    epsilon0: float = 1e4,
    numInnerItermax: int = 100,
    tau: float = 1e3,
    stopThr: float = 1e-9,
    warmstart: Any = None,
    verbose: bool = False,
    print_period: int = 10,
    log: bool = False,
    warn: bool = True,
    **kwargs: Any,
):
    r"""Entropic OT by ε-scaling of stabilized Sinkhorn; return the plan.

    Outer iteration i solves the problem at
    :math:`\mathrm{reg}_i = (\epsilon_0 - \mathrm{reg}) e^{-i} + \mathrm{reg}`
    with :func:`sinkhorn_stabilized` (``numInnerItermax`` iterations),
    warm-started from the previous potentials. Every ``print_period`` outer
    iterations :math:`\|\gamma^T 1 - b\|^2 + \|\gamma 1 - a\|^2` is recorded;
    the solve stops when it is ≤ ``stopThr`` after at least 35 outer
    iterations (POT's minimum).

    Returns
    -------
    gamma : ndarray, shape (ns, nt)
    log : dict
        ``err``, ``alpha``, ``beta``, ``warmstart``, ``niter``.

    Examples
    --------
    >>> import goot
    >>> M = [[0., 1.], [1., 0.]]
    >>> goot.bregman.sinkhorn_epsilon_scaling([.5, .5], [.5, .5], M, 1)
    array([[0.36552929, 0.13447071],
           [0.13447071, 0.36552929]])

    References
    ----------
    .. [1] Schmitzer, B. (2019). Stabilized sparse scaling algorithms for
       entropy regularized transport problems. SIAM Journal on Scientific
       Computing 41(3).
    """
    out = _epsilon_scaling(
        a, b, M, reg, numItermax, stopThr, verbose, warn, warmstart, True,
        epsilon0, numInnerItermax, tau, print_period,
    )  # fmt: skip
    return out.result(log)


@tensor_io(grad=_plan_grad("greenkhorn"))
def greenkhorn(
    a: Any,
    b: Any,
    M: Any,
    reg: float,
    numItermax: int = 10000,
    stopThr: float = 1e-9,
    verbose: bool = False,
    log: bool = False,
    warn: bool = True,
    warmstart: Any = None,
):
    r"""Entropic OT by Greenkhorn (greedy coordinate Sinkhorn); return the plan.

    Each iteration rescales the single row or column of
    :math:`\mathrm{diag}(u) K \mathrm{diag}(v)` whose marginal is violated
    most; the solve stops once the largest violation is ≤ ``stopThr``.

    Returns
    -------
    gamma : ndarray, shape (ns, nt)
    log : dict
        ``u``, ``v``, ``n_iter``.

    Examples
    --------
    >>> import goot
    >>> goot.bregman.greenkhorn([.5, .5], [.5, .5], [[0., 1.], [1., 0.]], 1)
    array([[0.36552929, 0.13447071],
           [0.13447071, 0.36552929]])

    References
    ----------
    .. [1] Altschuler, J., Weed, J., Rigollet, P. (2017). Near-linear time
       approximation algorithms for optimal transport via Sinkhorn iteration.
       Advances in Neural Information Processing Systems (NeurIPS) 30.
    """
    out = _greenkhorn(a, b, M, reg, numItermax, stopThr, verbose, warn, warmstart, True)
    return out.result(log)


@tensor_io(grad=_plan_grad("sinkhorn_newton_sparse"))
def sinkhorn_newton_sparse(
    a: Any,
    b: Any,
    M: Any,
    reg: float,
    numItermax: int = 1000,
    stopThr: float = 1e-9,
    n_sinkhorn: int = 20,
    sparsity: float | None = None,
    cg_tol: float = 1e-10,
    verbose: bool = False,
    log: bool = False,
    warn: bool = True,
    warmstart: Any = None,
    **kwargs: Any,
):
    r"""Entropic OT by Sinkhorn-Newton-Sparse (SNS); return the plan.

    Solves the problem of :func:`sinkhorn_knopp` (same plan as
    :func:`sinkhorn_log` at the same ``reg``) in two stages:
    ``n_sinkhorn`` log-domain Sinkhorn iterations, then Newton steps on the
    concave dual

    .. math::
        F(f, g) = \langle a, f\rangle + \langle b, g\rangle
        - \sum_{ij} e^{-M_{ij}/\mathrm{reg} + f_i + g_j},

    whose Hessian :math:`-[[\mathrm{diag}(P1), P], [P^T, \mathrm{diag}(P^T1)]]`
    is sparsified: both diagonal blocks are kept exactly, of ``P`` only the
    largest entries (at most a fraction ``sparsity`` of them, fewer when the
    rest weigh less than 1e-12 of the plan; each row's and column's largest
    always). The sparse system is solved by conjugate gradient on its Schur
    complement (the ``f`` block eliminated, preconditioned by the diagonal),
    then a backtracking line search on :math:`F` picks the step.
    Safeguards: one potential is fixed (the dual is invariant under
    :math:`f + t, g - t`), an adaptive diagonal shift, a denser Hessian and a
    Sinkhorn iteration after a step that fails. When Sinkhorn makes little
    progress (L1 error above 0.5 after 5 warm-up iterations) the two stages
    run first at ``reg`` times 4^k, ..., 4, each to an error of 0.1 (k the
    least with ``(max M - min M) / (reg 4^k) <= 50``), which cuts the damped
    global phase of Newton's method. Each iteration costs :math:`O(nm)`. Far fewer
    iterations than Sinkhorn at small ``reg`` (the random assignment problem
    of [1]_ at ``reg = 1/1200``: ~28 against tens of thousands; L1 ground
    distance between two 28 x 28 images: ~50 against ~30,000); at large
    ``reg`` the warm-up alone converges and SNS is Sinkhorn.

    With 2-D ``b`` (k histograms) each column is solved on its own, in
    threads, and the k linear losses are returned (as :func:`sinkhorn_log`
    does).

    The solve stops when :math:`\|\gamma 1 - a\|_1 + \|\gamma^T 1 - b\|_1`
    is below ``stopThr`` (down to ~1e-13), checked after every iteration.

    Parameters
    ----------
    a : array-like, shape (ns,)
        Source weights; ``[]`` means uniform.
    b : array-like, shape (nt,) or (nt, k)
        Target weights, or k target histograms; ``[]`` means uniform.
    M : array-like, shape (ns, nt)
        Ground cost (no NaN or -inf).
    reg : float
        Entropic regularisation, > 0.
    numItermax : int, optional
        Maximum number of iterations, Sinkhorn and Newton together
        (default 1000).
    stopThr : float, optional
        Threshold on the L1 marginal error (default 1e-9).
    n_sinkhorn : int, optional
        Sinkhorn iterations before the Newton stage (default 20, as in [1]_).
    sparsity : float, optional
        Starting fraction of the entries of ``P`` kept in the Hessian, in
        (0, 1]; default ``2 / min(ns, nt)`` (the paper's 2/n). It doubles
        after a slow or failed Newton step and decays back after fast ones.
    cg_tol : float, optional
        Floor of the relative residual of conjugate gradient (default 1e-10;
        the residual asked for is ``max(cg_tol, min(err, 1e-2))``).
    verbose : bool, optional
        Print the error after each iteration (after the solve).
    log : bool, optional
        Also return a dict with ``err`` (error after each iteration),
        ``niter`` (total iterations), ``niter_sinkhorn``, ``niter_newton``,
        ``sparsity`` (fraction of ``P`` in the last sparse Hessian),
        ``log_u``, ``log_v``, ``u``, ``v``. With 2-D ``b``: the scalings
        of the k solves as columns, the other entries as lists of k.
    warn : bool, optional
        Warn when the solve did not converge (default True).
    warmstart : tuple of arrays, optional
        Starting log-scalings ``(log u, log v)``.

    Returns
    -------
    gamma : ndarray, shape (ns, nt) or (k,)
        The plan; float32 if ``M`` is. With 2-D ``b``, the k linear losses
        :math:`\langle \gamma_c, M\rangle` instead.
    log : dict
        Only if ``log`` is True.

    Examples
    --------
    >>> import goot
    >>> M = [[0., 1.], [1., 0.]]
    >>> goot.bregman.sinkhorn_newton_sparse([.5, .5], [.5, .5], M, 1)
    array([[0.36552929, 0.13447071],
           [0.13447071, 0.36552929]])

    References
    ----------
    .. [1] Tang, X., Shavlovsky, M., Rahmanian, H., Tardini, E.,
       Thekumparampil, K. K., Xiao, T., Ying, L. (2024). Accelerating
       Sinkhorn algorithm with sparse Newton iterations. International
       Conference on Learning Representations (ICLR).
    """
    out = _sns(
        a, b, M, reg, numItermax, stopThr, verbose, warn, warmstart, True,
        n_sinkhorn, sparsity, cg_tol,
    )  # fmt: skip
    return out.result(log)


# ---------------------------------------------------------------------------
# Gradients for PyTorch callers (see goot._backend.tensor_io).
#
# sinkhorn2 returns the linear value L = <P, M> (POT's), and its gradients are
# those of L itself at the Sinkhorn fixed point, as POT's torch backend gives
# by unrolling the iterations, but by implicit differentiation: with the plan
# P_ij = exp((f_i + g_j - M_ij) / reg) and its marginal constraints, one
# adjoint solve H [x; y] = [(P∘M)1; (P∘M)ᵀ1], H = [[diag(P1), P], [Pᵀ,
# diag(Pᵀ1)]], gives
#     ∂L/∂M = P + P ∘ (x_i + y_j - M_ij) / reg,   ∂L/∂a = x,   ∂L/∂b = y
# (x, y centred: a and b move on the simplex). Memory is one plan and the
# solve's (min(n, m))² Schur complement, whatever the number of iterations.
# The envelope gradients (P in M, the potentials in a and b; POT's
# ot.solve(..., grad="envelope")) are the exact ones of the entropic value
# <P, M> + reg·Σ P(log P - 1) and serve the "regularized" divergence and the
# lazy point-cloud solves.
# The plans of sinkhorn (every method) carry the vector-Jacobian product of
# plan_vjp, from the same adjoint system with the incoming gradient for M.
# TODO(goot): gradients of the barycenters (POT's torch backend has them by
# unrolling) (issue 7).


def _potentials(log: dict, reg: float):
    """The dual potentials (f, g) = reg·(log u, log v) from any method's log."""
    if "log_u" in log:
        return reg * log["log_u"], reg * log["log_v"]
    if "alpha" in log:  # stabilised and epsilon scaling: absorbed potentials
        return log["alpha"], log["beta"]
    with np.errstate(divide="ignore"):
        return reg * np.log(log["u"]), reg * np.log(log["v"])


def _envelope(a, b, M, reg, method, numItermax, stopThr, verbose, warn, warmstart,
              **kwargs):  # fmt: skip
    """One solve with 1-D b, keeping the plan: (outcome, f, g), the potentials
    centred to mean 0 (POT's convention for the gradients in a and b)."""
    solver, _, forwards = _method(method)
    extra = kwargs if forwards else {}
    out = solver(
        a, b, M, reg, numItermax, stopThr, verbose, warn, warmstart, True, **extra
    )  # fmt: skip
    f, g = (np.asarray(x, dtype=np.float64) for x in _potentials(out.log, _reg(reg)))
    # Zero-weight bins have potential -inf (log 0): centre on the others.
    return out, f - _finite_mean(f), g - _finite_mean(g)


def _finite_mean(x: np.ndarray) -> float:
    finite = np.isfinite(x)
    return float(x[finite].mean()) if finite.any() else 0.0


def _adjoint(
    P: np.ndarray, q: np.ndarray, s: np.ndarray, ka: float = 1.0, kb: float = 1.0
):
    """A solution (x, y) of [[diag(P1), P], [Pᵀ, diag(Pᵀ1)]] [x; y] = [q; s]
    (Σq = Σs), the adjoint system of the Sinkhorn marginal constraints. It is
    unique up to (x + t, y − t): only x_i + y_j is meaningful, so the two are
    not centred separately here. Rows and columns of P without mass
    (zero-weight bins) get 0. With KL-relaxed marginals (unbalanced OT,
    ka = 1 + reg/reg_m_a > 1, kb likewise) the diagonal blocks are
    diag(ka·P1) and diag(kb·Pᵀ1), and the system is nonsingular."""
    if P.shape[0] < P.shape[1]:  # eliminate the longer side
        y, x = _adjoint(P.T, s, q, kb, ka)
        return x, y
    r, c = P.sum(1), P.sum(0)
    rows, cols = r > 0, c > 0
    Pk = P[np.ix_(rows, cols)]
    rk, ck, qk, sk = ka * r[rows], kb * c[cols], q[rows], s[cols]
    # Schur complement on the (shorter) column side: S y = s - Pᵀ(q / r),
    # S = diag(c) - Pᵀ diag(1/r) P, whose null space is the constants (the
    # gauge x + t, y - t); adding a multiple of 11ᵀ fixes y to mean 0.
    Pr = Pk / rk[:, None]
    S = np.diag(ck) - Pk.T @ Pr
    if ka == 1.0 and kb == 1.0:
        S += np.mean(ck)
    yk = np.linalg.solve(S, sk - Pr.T @ qk)
    xk = (qk - Pk @ yk) / rk
    x, y = np.zeros(P.shape[0]), np.zeros(P.shape[1])
    x[rows], y[cols] = xk, yk
    return x, y


def plan_vjp(
    P: np.ndarray, G: np.ndarray, reg: float, ka: float = 1.0, kb: float = 1.0
):
    """The vector-Jacobian product of a converged Sinkhorn plan P with an
    incoming gradient G (n×m): the gradients of <G, P> in M, a and b,
    P∘(x_i + y_j − G_ij)/reg, x and y (centred), with (x, y) from one adjoint
    solve."""
    P = np.asarray(P, dtype=np.float64)
    PG = P * G
    x, y = _adjoint(P, PG.sum(1), PG.sum(0), ka, kb)
    # a and b move on the simplex: their gradients are centred (POT's
    # convention for emd2 and the envelope gradients).
    return P * (x[:, None] + y[None, :] - G) / reg, x - x.mean(), y - y.mean()


def linear_value_gradients(P: np.ndarray, M: np.ndarray, reg: float):
    """Gradients (in M, a, b) of <P, M> at a Sinkhorn fixed point P (see the
    comment above): the direct term P plus the plan's own response."""
    P = np.asarray(P, dtype=np.float64)
    gM, ga, gb = plan_vjp(P, M, reg)
    return P + gM, ga, gb


def _sinkhorn2_grad(args: dict, attach: Callable) -> Any:
    """sinkhorn2 with the gradients of its value in M, a and b (see above)."""
    a, b, M, reg, log = args["a"], args["b"], args["M"], args["reg"], args["log"]
    options = {
        k: args[k]
        for k in ("method", "numItermax", "stopThr", "verbose", "warn", "warmstart")
    }
    if is_empty(b) or np.ndim(b) == 1:
        out, _, _ = _envelope(a, b, M, reg, **options, **args["kwargs"])
        gM, ga, gb = linear_value_gradients(out.plan, as_float64(M, "M"), _reg(reg))
        value = attach(out.loss(False), M=gM, a=ga, b=gb)
        return (value, out.log) if log else value

    # k target histograms: one solve per column, a vector of k values whose
    # Jacobian in b has column c in row c.
    # TODO(goot): solve the columns in one batched call here too (issue 7).
    b = np.asarray(b)
    k = b.shape[1]
    Mf = as_float64(M, "M")
    columns = []
    for c in range(k):
        out, _, _ = _envelope(a, b[:, c], M, reg, **options, **args["kwargs"])
        columns.append((out, *linear_value_gradients(out.plan, Mf, _reg(reg))))
    jac_b = np.zeros((k, *b.shape))
    for c, (_, _, _, gb) in enumerate(columns):
        jac_b[c, :, c] = gb
    value = attach(
        np.array([out.loss(False) for out, _, _, _ in columns]),
        M=np.stack([gM for _, gM, _, _ in columns]),
        a=np.stack([ga for _, _, ga, _ in columns]),
        b=jac_b,
    )
    if not log:
        return value
    options["log"] = True
    return value, sinkhorn2(a, b, M, reg, **options, **args["kwargs"])[1]


# method name → (private solver, public function, whether POT forwards **kwargs).
_METHODS: dict[str, tuple[Callable, Callable, bool]] = {
    "sinkhorn": (_knopp, sinkhorn_knopp, True),
    "sinkhorn_log": (_log_domain, sinkhorn_log, True),
    "greenkhorn": (_greenkhorn, greenkhorn, False),
    "sinkhorn_stabilized": (_stabilized, sinkhorn_stabilized, True),
    "sinkhorn_epsilon_scaling": (_epsilon_scaling, sinkhorn_epsilon_scaling, True),
    "sns": (_sns, sinkhorn_newton_sparse, True),
}


def _method(method: Any):
    entry = _METHODS.get(method.lower()) if isinstance(method, str) else None
    if entry is None:
        raise ValueError(f"Unknown method '{method}'.")
    return entry


@tensor_io(grad=_plan_grad("sinkhorn"))
def sinkhorn(
    a: Any,
    b: Any,
    M: Any,
    reg: float,
    method: str = "sinkhorn",
    numItermax: int = 1000,
    stopThr: float = 1e-9,
    verbose: bool = False,
    log: bool = False,
    warn: bool = True,
    warmstart: Any = None,
    **kwargs: Any,
):
    r"""Solve entropic OT and return the plan (POT's ``ot.sinkhorn``).

    .. math::
        \gamma = \arg\min_{\gamma \ge 0} \langle \gamma, \mathbf{M} \rangle_F
        + \mathrm{reg} \sum_{ij} \gamma_{ij} (\log \gamma_{ij} - 1)
        \quad \text{s.t.} \quad \gamma \mathbf{1} = \mathbf{a}, \;
        \gamma^T \mathbf{1} = \mathbf{b}

    ``method`` (case-insensitive) is one of ``'sinkhorn'``
    (:func:`sinkhorn_knopp`), ``'sinkhorn_log'``, ``'greenkhorn'``,
    ``'sinkhorn_stabilized'``, ``'sinkhorn_epsilon_scaling'``, or goot's
    ``'sns'`` (:func:`sinkhorn_newton_sparse`); anything else raises
    ``ValueError``. ``**kwargs`` go to the method (e.g. ``tau``).
    With 2-D ``b`` the linear losses are returned instead of plans.

    Examples
    --------
    >>> import goot
    >>> goot.sinkhorn([.5, .5], [.5, .5], [[0., 1.], [1., 0.]], 1)
    array([[0.36552929, 0.13447071],
           [0.13447071, 0.36552929]])

    References
    ----------
    .. [1] Cuturi, M. (2013). Sinkhorn distances: lightspeed computation of
       optimal transport. Advances in Neural Information Processing Systems
       (NeurIPS) 26.
    .. [2] Peyré, G., Cuturi, M. (2019). Computational optimal transport.
       Foundations and Trends in Machine Learning 11(5-6).
    """
    _, public, forwards = _method(method)
    extra = kwargs if forwards else {}
    return public(
        a, b, M, reg, numItermax=numItermax, stopThr=stopThr, verbose=verbose,
        log=log, warn=warn, warmstart=warmstart, **extra,
    )  # fmt: skip


@tensor_io(grad=_sinkhorn2_grad)
def sinkhorn2(
    a: Any,
    b: Any,
    M: Any,
    reg: float,
    method: str = "sinkhorn",
    numItermax: int = 1000,
    stopThr: float = 1e-9,
    verbose: bool = False,
    log: bool = False,
    warn: bool = False,
    warmstart: Any = None,
    **kwargs: Any,
):
    r"""Solve entropic OT and return the linear cost :math:`\langle\gamma, M\rangle`.

    The value omits the entropy term (as POT's ``sinkhorn2`` does): the full
    regularised objective is
    :math:`\langle\gamma, M\rangle + \mathrm{reg}\sum\gamma(\log\gamma - 1)`.
    Pairs with ``M = +inf`` carry no mass and count 0 (POT returns NaN).
    Unlike POT, every method of :func:`sinkhorn` is accepted here, including
    ``'greenkhorn'`` and ``'sinkhorn_epsilon_scaling'``. With 2-D ``b`` a
    vector of k losses is returned.

    With torch tensors the loss carries its own gradients in ``M``, ``a``
    and ``b`` at the converged plan, those POT's torch backend gets by
    unrolling the iterations, computed instead by implicit differentiation
    (one linear solve of size min(n, m) after the solve, memory independent
    of the number of iterations); in ``a`` and ``b`` they are centred to mean
    0.

    Examples
    --------
    >>> import goot
    >>> round(float(goot.sinkhorn2([.5, .5], [.5, .5], [[0., 1.], [1., 0.]], 1)), 10)
    0.2689414214

    References
    ----------
    .. [1] Cuturi, M. (2013). Sinkhorn distances: lightspeed computation of
       optimal transport. Advances in Neural Information Processing Systems
       (NeurIPS) 26.
    .. [2] Peyré, G., Cuturi, M. (2019). Computational optimal transport.
       Foundations and Trends in Machine Learning 11(5-6).
    """
    solver, _, forwards = _method(method)
    extra = kwargs if forwards else {}
    out = solver(
        a, b, M, reg, numItermax, stopThr, verbose, warn, warmstart, False, **extra
    )
    return out.loss(log)
