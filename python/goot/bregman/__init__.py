"""Entropic optimal transport (POT's ``ot.bregman``)."""

from ._barycenter import free_support_sinkhorn_barycenter
from ._empirical import (
    empirical_sinkhorn,
    empirical_sinkhorn2,
    empirical_sinkhorn_divergence,
)
from ._sinkhorn import (
    greenkhorn,
    sinkhorn,
    sinkhorn2,
    sinkhorn_epsilon_scaling,
    sinkhorn_knopp,
    sinkhorn_log,
    sinkhorn_newton_sparse,
    sinkhorn_stabilized,
)

__all__ = [
    "sinkhorn",
    "sinkhorn2",
    "sinkhorn_knopp",
    "sinkhorn_log",
    "sinkhorn_stabilized",
    "sinkhorn_epsilon_scaling",
    "greenkhorn",
    "sinkhorn_newton_sparse",
    "empirical_sinkhorn",
    "empirical_sinkhorn2",
    "empirical_sinkhorn_divergence",
    "free_support_sinkhorn_barycenter",
]
