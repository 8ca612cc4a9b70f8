"""Entropic optimal transport (POT's ``ot.bregman``)."""

from ._sinkhorn import (
    greenkhorn,
    sinkhorn,
    sinkhorn2,
    sinkhorn_epsilon_scaling,
    sinkhorn_knopp,
    sinkhorn_log,
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
]
