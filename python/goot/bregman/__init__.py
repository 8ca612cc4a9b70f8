"""Entropic optimal transport (POT's ``ot.bregman``)."""

from ._barycenter import (
    barycenter,
    barycenter_debiased,
    barycenter_sinkhorn,
    barycenter_stabilized,
    free_support_sinkhorn_barycenter,
)
from ._convolutional import (
    convolutional_barycenter2d,
    convolutional_barycenter2d_debiased,
)
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
    "barycenter",
    "barycenter_sinkhorn",
    "barycenter_stabilized",
    "barycenter_debiased",
    "free_support_sinkhorn_barycenter",
    "convolutional_barycenter2d",
    "convolutional_barycenter2d_debiased",
]
