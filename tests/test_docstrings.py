"""Every example in goot's docstrings runs and prints what it shows."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "goot",
    "goot.lp._network_simplex",
    "goot.lp.solver_1d",
    "goot.utils",
    "goot.gaussian",
    "goot.gmm",
    "goot.bregman._sinkhorn",
    "goot.bregman._empirical",
    "goot.bregman._barycenter",
    "goot.bregman._convolutional",
    "goot.lp._barycenter_solvers",
    "goot.sliced",
    "goot.minibatch",
    "goot._monge_gap",
    "goot.unbalanced._sinkhorn",
    "goot.unbalanced._barycenter",
    "goot.unbalanced._mm",
    "goot.unbalanced._lbfgs",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


def test_public_functions_have_examples():
    import goot

    names = ["emd", "emd2", "emd_1d", "emd2_1d", "wasserstein_1d", "dist", "unif"]
    names += ["sinkhorn", "sinkhorn2", "barycenter"]
    names += ["sinkhorn_unbalanced", "sinkhorn_unbalanced2"]
    names += ["sliced_wasserstein_distance", "max_sliced_wasserstein_distance"]
    names += ["sliced_wasserstein_sphere", "sliced_wasserstein_sphere_unif"]
    names += ["monge_gap"]
    for name in names:
        doc = getattr(goot, name).__doc__
        assert doc and ">>> " in doc, name
