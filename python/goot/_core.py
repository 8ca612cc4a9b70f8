"""The one place where goot's Python code meets the Go extension.

Everything that touches raw memory or the extension module lives here:

- loading the extension lazily, once, behind a lock; in a process forked after
  it was loaded (the Go runtime does not survive fork), sending each call to a
  helper process instead (see _forkworker);
- turning user input into float64 C-contiguous arrays, copying only when needed;
- passing buffer addresses while holding the arrays alive for the whole call;
- mapping the error prefixes written by capi to Python exceptions.

The rest of the package is plain numpy on top of these helpers.
"""

from __future__ import annotations

import math
import os
import sys
import threading
from typing import Any

import numpy as np

from . import _address, _forkworker

__all__ = [
    "GootError",
    "GootForkError",
    "InputError",
    "call",
    "address",
    "as_float64",
    "weights_or_uniform",
    "total",
    "rescale",
    "result_dtype",
    "history_buffer",
]


class GootError(RuntimeError):
    """An internal failure of goot's Go code (a bug: please report it)."""


class GootForkError(RuntimeError):
    """goot cannot compute in a child forked after its parent had used it.

    Such a child normally computes through a helper process (the Go runtime does
    not survive fork()); this is raised only when that helper cannot be used,
    with the fixes in the message.
    """


class InputError(ValueError, AssertionError):
    """An argument goot cannot accept (shape, NaN, negative weight, mass).

    It is a ``ValueError``. It is also an ``AssertionError`` because POT reports
    the same problems (dimension and mass mismatch) with ``assert``, so code that
    catches POT's ``AssertionError`` keeps working with goot.
    """


# ---------------------------------------------------------------------------
# Loading the extension.

# Reentrant, so that a signal handler calling goot while this thread loads the
# extension gets an error instead of a deadlock; held across fork() (see below)
# so that a child never inherits it locked by a thread that does not exist there.
_lock = threading.RLock()
_capi: Any = None
_loading = False
# Set in a child forked after the extension was loaded: calls go to a helper.
_remote: _forkworker.Remote | None = None

_FORK_MESSAGE = (
    "goot cannot run in this process: it was forked from a parent that had already "
    "called goot, Go's runtime does not survive fork(), and goot could not start "
    "its helper process ({reason}). Start the worker processes with the 'spawn' "
    "or 'forkserver' method instead, e.g. multiprocessing.get_context('spawn') or "
    "DataLoader(..., multiprocessing_context='spawn')."
)


def _after_fork_in_child() -> None:
    global _remote, _lock
    if _remote is not None:
        _remote.forget()  # the helpers are the parent's
    if _capi is not None:
        _remote = _forkworker.Remote()
    _lock = threading.RLock()


def _after_fork_in_parent() -> None:
    _lock.release()


# A fork waits for a load in progress to finish, so the child sees either no
# extension (and loads its own) or a loaded one (and uses a helper process).
os.register_at_fork(
    before=lambda: _lock.acquire(),
    after_in_parent=_after_fork_in_parent,
    after_in_child=_after_fork_in_child,
)


def capi() -> Any:
    """Return the extension module, loading it on first use.

    Not usable in a child forked after the parent loaded it (use `call`).
    """
    ext = _capi
    if ext is None or _remote is not None:
        ext = _load()
    return ext


def _load() -> Any:
    global _capi, _loading
    with _lock:
        if _remote is not None:
            raise GootForkError(_FORK_MESSAGE.format(reason="direct use of capi()"))
        if _capi is None:
            if _loading:
                raise GootError(
                    "goot was called while this thread was loading its extension "
                    "(from a signal handler?); call goot once before installing "
                    "the handler"
                )
            _loading = True
            try:
                from ._gopy import capi as module

                version = module.Version()
            finally:
                _loading = False
            if version != _EXPECTED_VERSION:
                raise GootError(
                    f"goot's extension is version {version}, the Python package "
                    f"expects {_EXPECTED_VERSION}: reinstall goot"
                )
            _capi = module
        return _capi


_EXPECTED_VERSION = "0.1.0"


# ---------------------------------------------------------------------------
# Calling it.

_PREFIXES = (
    ("EINVAL: ", InputError),
    ("EPANIC: ", GootError),
    ("EINTERN: ", GootError),
)


def call(name: str, *args: Any) -> Any:
    """Call capi function `name`, mapping its error prefixes to exceptions.

    Every array whose address is among `args` must be held in a local variable
    of a caller in goot until this returns (an address does not keep its array
    alive, and a forked child finds the arrays to ship to its helper there).
    """
    remote = _remote
    try:
        if remote is None:
            return getattr(capi(), name)(*args)
        return remote.call(name, args, sys._getframe(1))
    except (GootError, GootForkError):
        raise
    except RuntimeError as err:
        raise _translate(err) from None
    except OSError as err:
        raise GootForkError(_FORK_MESSAGE.format(reason=err)) from None


def _translate(err: RuntimeError) -> Exception:
    text = str(err)
    for prefix, kind in _PREFIXES:
        if text.startswith(prefix):
            return kind(text[len(prefix) :])
    return GootError(text)


# address(arr) -> int: the data address of a C-contiguous array, 0 for None.
# A small C function (goot/_address.c): reading it through numpy costs ~1.5 us,
# most of the overhead of a small solve.
address = _address.address


# ---------------------------------------------------------------------------
# Arrays.


def as_float64(x: Any, name: str) -> np.ndarray:
    """`x` as a C-contiguous float64 array, copied only when it is not one.

    Booleans, integers and floats are accepted; anything else (complex, strings,
    objects) raises a TypeError naming the argument.
    """
    if type(x) is np.ndarray:
        arr = x
    else:
        try:
            arr = np.asarray(x)
        except (TypeError, ValueError) as err:
            raise TypeError(f"{name} must be an array of numbers: {err}") from None
    if arr.dtype == _FLOAT64:  # native byte order only ('>f8' is not equal)
        if arr.flags.c_contiguous and arr.flags.aligned:
            return arr
    elif arr.dtype.kind not in "biuf":
        raise TypeError(
            f"{name} must hold real numbers, got an array of dtype {arr.dtype}"
        )
    # np.require also copies misaligned data (ascontiguousarray would not).
    return np.require(arr, dtype=_FLOAT64, requirements=("C", "A"))


def is_empty(x: Any) -> bool:
    """POT's convention: None, or anything of length 0 ([], an array of shape
    (0,) or (0, k)), stands for uniform weights. An array of shape (m, 0) is
    not empty: it is m rows of no histogram."""
    if x is None:
        return True
    if type(x) is np.ndarray:
        return x.ndim > 0 and x.shape[0] == 0
    try:
        return len(x) == 0
    except TypeError:
        return False


def weights_or_uniform(
    w: Any, n: int, name: str, needed_by: str = "the cost matrix needs"
) -> np.ndarray:
    """Float64 weights of length `n`, uniform when `w` is empty.

    Only the shape is checked here (InputError); the values (NaN, infinite,
    negative) are checked by the Go solvers, which read them anyway.
    `needed_by` completes the mismatch message ("... {needed_by} {n}").
    """
    if w is None or (type(w) is list and not w):
        return np.full(n, 1.0 / n)
    arr = as_float64(w, name)
    if arr.ndim != 1 or arr.shape[0] != n:
        if arr.size == 0:
            return np.full(n, 1.0 / n)
        if arr.ndim != 1:
            raise InputError(
                f"{name} must be a one-dimensional histogram, got shape {arr.shape}"
            )
        raise InputError(
            f"Dimension mismatch: {name} has {arr.shape[0]} weights, {needed_by} {n}"
        )
    return arr


def cost_matrix(M: Any) -> np.ndarray:
    """`M` as a non-empty 2-D float64 cost matrix (InputError otherwise)."""
    M = as_float64(M, "M")
    if M.ndim != 2:
        raise InputError(f"M must be a 2-D cost matrix, got shape {M.shape}")
    if M.shape[0] == 0 or M.shape[1] == 0:
        raise InputError(f"M: empty cost matrix of shape {M.shape}")
    return M


def target_weights(b: Any, m: int) -> np.ndarray:
    """`b` as float64 target weights for m columns of a cost matrix: one
    histogram (m,), uniform when empty, or several as the columns of (m, k)."""
    if is_empty(b) or np.ndim(b) != 2:
        return weights_or_uniform(b, m, "b")
    b = as_float64(b, "b")
    if b.shape[0] != m or b.shape[1] == 0:
        raise InputError(
            f"Dimension mismatch: b has shape {b.shape}, the cost matrix needs "
            f"{m} rows and at least one column"
        )
    return b


def barycenter_inputs(
    A: Any, M: Any, weights: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Float64 histograms A (dim, k), costs M (dim, dim) and barycentric
    weights (k,), uniform when None, with their shapes checked."""
    A = as_float64(A, "A")
    if A.ndim != 2 or A.shape[0] == 0 or A.shape[1] == 0:
        raise InputError(f"A must be a non-empty (dim, n_hists) array, got {A.shape}")
    dim, k = A.shape
    M = as_float64(M, "M")
    if M.shape != (dim, dim):
        raise InputError(f"M must have shape ({dim}, {dim}) to match A, got {M.shape}")
    if weights is None:
        return A, M, np.full(k, 1.0 / k)
    weights = as_float64(weights, "weights")
    if weights.shape != (k,):
        raise InputError(
            f"weights must have one value per histogram ({k}), got shape "
            f"{weights.shape}"
        )
    return A, M, weights


def total(w: np.ndarray, name: str) -> float:
    """Sum of a weight vector; math.fsum is exact and much cheaper on short ones.

    Raises InputError naming `name` if the sum overflows.
    """
    try:
        s = _fsum(w.tolist()) if w.shape[0] <= 64 else float(w.sum())
    except OverflowError:
        s = math.inf
    if s == math.inf and np.isfinite(w).all():
        raise InputError(f"{name}: the weights overflow when summed")
    return s


_fsum = math.fsum


def rescale(b: np.ndarray, sa: float, sb: float) -> np.ndarray:
    """b scaled to total mass sa (its own mass is sb), without overflowing when
    the two masses are far apart."""
    ratio = sa / sb
    if 0 < ratio < math.inf:
        return b * ratio
    return (b / sb) * sa


# Relative tolerance on the total masses of a and b (POT asserts equality to six
# decimals; a relative rule treats counts and probabilities alike).
MASS_RTOL = 1e-6


def check_same_mass(sa: float, sb: float, names: str = "a and b") -> None:
    """Raise InputError when two total masses differ beyond MASS_RTOL, or are
    both zero (nothing to transport)."""
    if sa == sb and sa != 0:
        return
    if abs(sa - sb) > MASS_RTOL * max(abs(sa), abs(sb)):
        ta, tb = f"{sa:.6g}", f"{sb:.6g}"
        if ta == tb:
            ta, tb = repr(sa), repr(sb)
        raise InputError(
            f"{names}: the two histograms have different total mass ({ta} vs "
            f"{tb}); balanced OT needs equal masses (relative tolerance "
            f"{MASS_RTOL:g}). Normalise them, or use an unbalanced solver."
        )
    if sa == 0 and sb == 0:
        raise InputError(f"{names}: both histograms have total mass 0")


def result_dtype(*candidates: Any) -> np.dtype:
    """The dtype POT gives its outputs: that of the first non-empty array among
    the candidates (lists are skipped, as POT converts them to that array's
    type). float32 stays float32; everything else gives float64, so integer
    inputs never produce a truncated plan.
    """
    for c in candidates:
        if type(c) is np.ndarray:
            if c.size == 0:
                continue
            return _FLOAT32 if c.dtype == _FLOAT32 else _FLOAT64
        if isinstance(c, (list, tuple)) or is_empty(c):
            continue
        return _FLOAT32 if getattr(c, "dtype", None) == _FLOAT32 else _FLOAT64
    return _FLOAT64


_FLOAT32 = np.dtype(np.float32)
_FLOAT64 = np.dtype(np.float64)


# The longest error history a log keeps (8 MB). POT's users pass huge iteration
# caps (1e9, 1e12) to mean "until convergence"; the buffer Go writes the
# history into must not be sized by the cap.
HISTORY_MAX = 10**6


def history_buffer(num_iter: int, every: int = 10) -> np.ndarray:
    """The buffer for the error history of a solve of at most `num_iter`
    iterations that records the error every `every` iterations (at most
    HISTORY_MAX entries are kept)."""
    return np.empty(min(num_iter // max(every, 1), HISTORY_MAX) + 2)
