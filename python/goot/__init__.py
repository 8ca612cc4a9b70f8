"""goot: optimal transport solvers written in Go.

The functions mirror POT's ``ot`` namespace (same names, arguments, defaults,
return values, log dicts and warnings), so ``import goot as ot`` works for the
functions goot covers. See the README for what is covered.
"""

from . import bregman, gaussian, gmm, lp, minibatch, sliced, unbalanced, utils
from ._core import GootError, GootForkError, InputError
from ._monge_gap import monge_gap
from .bregman import barycenter, sinkhorn, sinkhorn2
from .lp import emd, emd2, emd2_1d, emd_1d, wasserstein_1d
from .sliced import (
    max_sliced_wasserstein_distance,
    sliced_wasserstein_distance,
    sliced_wasserstein_sphere,
    sliced_wasserstein_sphere_unif,
)
from .unbalanced import (
    barycenter_unbalanced,
    sinkhorn_unbalanced,
    sinkhorn_unbalanced2,
)
from .utils import dist, unif

__version__ = "0.1.0"

__all__ = [
    "bregman",
    "gaussian",
    "gmm",
    "lp",
    "minibatch",
    "sliced",
    "unbalanced",
    "utils",
    "sinkhorn",
    "sinkhorn2",
    "barycenter",
    "sinkhorn_unbalanced",
    "sinkhorn_unbalanced2",
    "barycenter_unbalanced",
    "emd",
    "emd2",
    "emd_1d",
    "emd2_1d",
    "wasserstein_1d",
    "sliced_wasserstein_distance",
    "max_sliced_wasserstein_distance",
    "sliced_wasserstein_sphere",
    "sliced_wasserstein_sphere_unif",
    "dist",
    "unif",
    "monge_gap",
    "GootError",
    "GootForkError",
    "InputError",
]
