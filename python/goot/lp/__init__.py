"""Exact optimal transport solvers (POT's ``ot.lp``)."""

from ._barycenter_solvers import free_support_barycenter
from ._network_simplex import (
    center_ot_dual,
    check_result,
    emd,
    emd2,
    estimate_dual_null_weights,
)
from .solver_1d import emd2_1d, emd_1d, wasserstein_1d

__all__ = [
    "emd",
    "emd2",
    "emd_1d",
    "emd2_1d",
    "wasserstein_1d",
    "center_ot_dual",
    "estimate_dual_null_weights",
    "check_result",
    "free_support_barycenter",
]
