"""Convolutional barycenters on 2-D grids (POT's ``ot.bregman`` convolutional
functions).

The iterations run in Go (``goot/bregman/convolutional.go``): the Gaussian
kernel of the grid is separable, so it is applied as one small matrix product
along each axis of every image, in parallel over the images.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .._backend import tensor_io
from .._core import InputError, address, as_float64, call, result_dtype
from ..lp._network_simplex import _check_iter
from ._sinkhorn import _INFO_LEN, _OPTIMAL, _info, _reg

__all__ = ["convolutional_barycenter2d", "convolutional_barycenter2d_debiased"]

_NOT_CONVERGED = (
    "Convolutional Sinkhorn did not converge. "
    "Try a larger number of iterations `numItermax` "
    "or a larger entropy `reg`."
)
_METHODS = {"sinkhorn": False, "sinkhorn_log": True}


def _solve(A, reg, weights, method, numItermax, stopThr, verbose, log, warn,
           debiased, stabThr):  # fmt: skip
    log_domain = _METHODS.get(method.lower()) if isinstance(method, str) else None
    if log_domain is None:
        raise ValueError(f"Unknown method '{method}'.")
    dtype = result_dtype(A)
    A = as_float64(A, "A")
    if A.ndim != 3 or 0 in A.shape:
        raise InputError(
            f"A must be a non-empty (n_hists, width, height) array, got {A.shape}"
        )
    k, w, h = A.shape
    if weights is None:
        weights = np.full(k, 1.0 / k)
    else:
        weights = as_float64(weights, "weights")
        if weights.shape != (k,):
            raise InputError(
                f"weights must have one value per image ({k}), got {weights.shape}"
            )
    numItermax = _check_iter(numItermax)
    if numItermax < 1:
        raise ValueError(f"numItermax must be at least 1, got {numItermax}")
    if stabThr is None:
        stabThr = 1e-15 if debiased and not log_domain else 1e-30
    bar = np.empty((w, h))
    U = None if log_domain else np.empty((k, w, h))
    V = None if log_domain else np.empty((k, w, h))
    errs = np.empty(min(numItermax, 10**7) // 10 + 2)
    info = np.empty(_INFO_LEN)
    call(
        "BregmanConvolutionalBarycenter2D", address(A), k, w, h, _reg(reg),
        address(weights), address(bar), address(U), address(V), numItermax,
        float(stopThr), float(stabThr), debiased, log_domain, address(errs),
        errs.shape[0], address(info),
    )  # fmt: skip
    status, it, _, _, errors = _info(info, errs)
    if verbose:
        # POT prints every recorded error (iterations 9, 19, ...).
        for e, err in enumerate(errors):
            ii = 9 + 10 * e
            if ii % 200 == 0:
                print(f"{'It.':5s}|{'Err':12s}" + "\n" + "-" * 19)
            print(f"{ii:5d}|{err:8e}|")
    if status != _OPTIMAL and warn:
        warnings.warn(_NOT_CONVERGED, UserWarning, stacklevel=3)

    def cast(x):
        return x if dtype == np.float64 else x.astype(dtype)

    if not log:
        return cast(bar)
    out = {"err": errors, "niter": it}
    if not log_domain:
        out["U"], out["V"] = cast(U), cast(V)
    return cast(bar), out


@tensor_io()
def convolutional_barycenter2d(
    A: Any,
    reg: float,
    weights: Any = None,
    method: str = "sinkhorn",
    numItermax: int = 10000,
    stopThr: float = 1e-4,
    verbose: bool = False,
    log: bool = False,
    warn: bool = True,
    **kwargs: Any,
):
    r"""Entropic Wasserstein barycenter of 2-D images by convolutions.

    .. math::
        \mathbf{a} = \arg\min_{\mathbf{a}} \sum_c w_c
        W_{\mathrm{reg}}(\mathbf{a}, \mathbf{a}_c)

    for images :math:`\mathbf{a}_c` on the grid :math:`[0, 1]^2` with
    ``width`` × ``height`` pixels and the squared Euclidean cost (Solomon et
    al. 2015). The Gibbs kernel :math:`e^{-|x - y|^2/\mathrm{reg}}` is
    separable: it is applied as a Gaussian matrix along each axis, so an
    iteration costs :math:`O(wh(w + h))` per image instead of
    :math:`O(w^2 h^2)`. ``method='sinkhorn'`` runs POT's scaling iterations,
    ``'sinkhorn_log'`` the same on log-scalings with shifted log-sum-exps
    (no underflow at small ``reg``); other methods raise ``ValueError``. At
    iterations 9, 19, … the sum over pixels of the standard deviation of the
    per-image barycentres is recorded and the solve stops below ``stopThr``.
    ``stabThr`` (through ``**kwargs``, default 1e-30) is added before each
    logarithm, as in POT.

    Parameters
    ----------
    A : array-like, shape (n_hists, width, height)
        The images (non-negative, each of mass 1).
    reg : float
        Entropic regularisation, > 0 (the grid spans [0, 1]).
    weights : array-like, shape (n_hists,), optional
        Weights of the images (uniform by default).
    method : str, optional
        ``'sinkhorn'`` (default) or ``'sinkhorn_log'``.
    numItermax : int, optional
        Maximum number of iterations (default 10000).
    stopThr : float, optional
        Threshold on the spread of the barycentres (default 1e-4).
    verbose, log, warn : bool, optional
        Print POT's error table; also return the log dict (``err``,
        ``niter``, plus the scalings ``U`` and ``V`` for ``'sinkhorn'``); warn
        when the solve did not converge.

    Returns
    -------
    a : ndarray, shape (width, height)
    log : dict
        Only if ``log`` is True.

    Examples
    --------
    >>> import numpy as np, goot
    >>> A = np.ones((2, 2, 3)) / 6
    >>> np.round(goot.bregman.convolutional_barycenter2d(A, 1e-3), 6)
    array([[0.166667, 0.166667, 0.166667],
           [0.166667, 0.166667, 0.166667]])

    References
    ----------
    .. [1] Solomon, J., de Goes, F., Peyré, G., Cuturi, M., Butscher, A.,
       Nguyen, A., Du, T., Guibas, L. (2015). Convolutional Wasserstein
       distances: efficient optimal transportation on geometric domains. ACM
       Transactions on Graphics 34(4).
    """
    stabThr = kwargs.pop("stabThr", None)
    if kwargs:
        raise TypeError(f"unexpected keyword arguments {sorted(kwargs)}")
    return _solve(A, reg, weights, method, numItermax, stopThr, verbose, log, warn,
                  False, stabThr)  # fmt: skip


@tensor_io()
def convolutional_barycenter2d_debiased(
    A: Any,
    reg: float,
    weights: Any = None,
    method: str = "sinkhorn",
    numItermax: int = 10000,
    stopThr: float = 1e-3,
    verbose: bool = False,
    log: bool = False,
    warn: bool = True,
    **kwargs: Any,
):
    r"""Debiased entropic barycenter of 2-D images by convolutions.

    :func:`convolutional_barycenter2d` with the Sinkhorn divergence instead of
    the entropic cost (Janati et al. 2020): the geometric mean is multiplied
    by a debiasing image ``c`` that takes 10 steps
    :math:`c \leftarrow \sqrt{c \odot \mathbf{a} / K c}` (log domain:
    :math:`c \leftarrow (c + \log \mathbf{a} - \log K e^c)/2`) per iteration,
    which removes the blur of the entropic barycenter. The iteration is not
    monotone: the solve stops below ``stopThr`` (default 1e-3) only after
    iteration 20. ``stabThr`` (``**kwargs``) defaults to 1e-15 for
    ``'sinkhorn'`` and 1e-30 for ``'sinkhorn_log'``, as in POT.

    Parameters are those of :func:`convolutional_barycenter2d`.

    Returns
    -------
    a : ndarray, shape (width, height)
    log : dict
        Only if ``log`` is True.

    Examples
    --------
    >>> import numpy as np, goot
    >>> A = np.ones((2, 2, 3)) / 6
    >>> bar = goot.bregman.convolutional_barycenter2d_debiased(A, 0.1)
    >>> bar.shape
    (2, 3)

    References
    ----------
    .. [1] Janati, H., Cuturi, M., Gramfort, A. (2020). Debiased Sinkhorn
       barycenters. International Conference on Machine Learning (ICML).
    """
    stabThr = kwargs.pop("stabThr", None)
    if kwargs:
        raise TypeError(f"unexpected keyword arguments {sorted(kwargs)}")
    return _solve(A, reg, weights, method, numItermax, stopThr, verbose, log, warn,
                  True, stabThr)  # fmt: skip
