"""Unbalanced optimal transport (POT's ``ot.unbalanced``)."""

from ._barycenter import (
    barycenter_unbalanced,
    barycenter_unbalanced_sinkhorn,
    barycenter_unbalanced_stabilized,
)
from ._lbfgs import lbfgsb_unbalanced, lbfgsb_unbalanced2
from ._mm import mm_unbalanced, mm_unbalanced2
from ._sinkhorn import (
    sinkhorn_knopp_unbalanced,
    sinkhorn_stabilized_unbalanced,
    sinkhorn_unbalanced,
    sinkhorn_unbalanced2,
    sinkhorn_unbalanced_translation_invariant,
)

# TODO(goot): uot_1d and the sliced variants of POT's ot.unbalanced (issue 7).

__all__ = [
    "sinkhorn_unbalanced",
    "sinkhorn_unbalanced2",
    "sinkhorn_knopp_unbalanced",
    "sinkhorn_stabilized_unbalanced",
    "sinkhorn_unbalanced_translation_invariant",
    "barycenter_unbalanced",
    "barycenter_unbalanced_sinkhorn",
    "barycenter_unbalanced_stabilized",
    "mm_unbalanced",
    "mm_unbalanced2",
    "lbfgsb_unbalanced",
    "lbfgsb_unbalanced2",
]
