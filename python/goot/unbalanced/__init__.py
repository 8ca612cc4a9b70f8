"""Unbalanced optimal transport (POT's ``ot.unbalanced``)."""

from ._sinkhorn import (
    sinkhorn_knopp_unbalanced,
    sinkhorn_stabilized_unbalanced,
    sinkhorn_unbalanced,
    sinkhorn_unbalanced2,
    sinkhorn_unbalanced_translation_invariant,
)

# TODO(goot): barycenter_unbalanced (+ _sinkhorn, _stabilized), mm_unbalanced(2),
# lbfgsb_unbalanced(2), uot_1d and the sliced variants of POT's ot.unbalanced
# (issue 7).

__all__ = [
    "sinkhorn_unbalanced",
    "sinkhorn_unbalanced2",
    "sinkhorn_knopp_unbalanced",
    "sinkhorn_stabilized_unbalanced",
    "sinkhorn_unbalanced_translation_invariant",
]
