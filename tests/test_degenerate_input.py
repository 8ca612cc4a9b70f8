"""Degenerate input found by adversarial trials: each gives a clear
ValueError naming the argument instead of NaN results or a foreign error."""

from __future__ import annotations

import numpy as np
import pytest

import goot
from goot import minibatch as mb

A = np.full(4, 0.25)
M = np.random.default_rng(0).random((4, 4))
METHODS = ["sinkhorn", "sinkhorn_log", "sinkhorn_stabilized", "greenkhorn", "sns"]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("which", ["a", "b"])
def test_sinkhorn_refuses_a_histogram_without_mass(method, which):
    args = {"a": A, "b": A, which: np.zeros(4)}
    with pytest.raises(ValueError, match=f"{which}: all weights are 0"):
        goot.sinkhorn(args["a"], args["b"], M, 0.1, method=method)


def test_sinkhorn2_refuses_a_column_without_mass():
    b = np.stack([A, np.zeros(4)], axis=1)
    with pytest.raises(ValueError, match="b: all weights are 0"):
        goot.sinkhorn2(A, b, M, 0.1)


@pytest.mark.parametrize("method", ["sinkhorn", "sinkhorn_log", "sns"])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_warmstart_refuses_nan_and_plus_inf(method, bad):
    warm = (np.full(4, bad), np.zeros(4))
    with pytest.raises(ValueError, match="warmstart"):
        goot.sinkhorn(A, A, M, 0.1, method=method, warmstart=warm)
    with pytest.raises(ValueError, match="warmstart"):
        goot.sinkhorn(A, A, M, 0.1, method=method, warmstart=(np.full(4, -np.inf),) * 2)


def test_warmstart_keeps_minus_inf_of_zero_weight_bins():
    """A previous log's log_u is -inf on zero-weight bins: a valid restart."""
    a = np.array([0.5, 0.5, 0.0, 0.0])
    G0, log = goot.sinkhorn(a, A, M, 0.1, method="sinkhorn_log", log=True)
    G1 = goot.sinkhorn(
        a, A, M, 0.1, method="sinkhorn_log", warmstart=(log["log_u"], log["log_v"])
    )
    assert np.isfinite(G1).all()
    np.testing.assert_allclose(G1, G0, atol=1e-8)


@pytest.mark.parametrize("name", ["a", "b", "c", "G0"])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -1.0])
def test_lbfgsb_unbalanced_checks_its_inputs(name, bad):
    args = {"a": A.copy(), "b": A.copy(), "c": None, "G0": None}
    if name in ("c", "G0"):
        args[name] = np.full((4, 4), 1 / 16)
    args[name][(0,) * args[name].ndim] = bad
    with pytest.raises(ValueError, match=name):
        goot.unbalanced.lbfgsb_unbalanced(
            args["a"], args["b"], M, 0.1, 1.0, c=args["c"], G0=args["G0"]
        )


def test_minibatch_numitermax_and_threads():
    x = np.random.default_rng(1).random((5, 2))
    want = mb.coupling(x, x)
    np.testing.assert_allclose(mb.coupling(x, x, numItermax=2**64), want)
    with pytest.raises(ValueError, match="numItermax"):
        mb.coupling(x, x, numItermax=-1)
    with pytest.raises(TypeError, match="numItermax"):
        mb.coupling(x, x, numItermax="many")
    for bad in (0, -1, 1.5, "x", True):
        with pytest.raises(ValueError, match="num_threads"):
            mb.couplings(x[None], x[None], method="sinkhorn", num_threads=bad)


@pytest.mark.parametrize("reg_m", [-1.0, 0.0, np.inf, np.nan])
def test_lbfgsb_unbalanced_checks_reg_m_and_costs(reg_m):
    with pytest.raises(ValueError, match="reg_m"):
        goot.unbalanced.lbfgsb_unbalanced2(A, A, M, 0.1, reg_m)
    with pytest.raises(ValueError, match="M"):
        goot.unbalanced.lbfgsb_unbalanced2(A, A, np.where(M > 0.5, np.inf, M), 0.1, 1.0)


@pytest.mark.parametrize("method", METHODS)
def test_sinkhorn_refuses_zero_iterations(method):
    """numItermax=0 ran to the default cap (0 means "no cap" for emd); POT
    returns its starting plan, or fails with log=True."""
    with pytest.raises(ValueError, match="numItermax must be at least 1"):
        goot.sinkhorn(A, A, M, 0.1, method=method, numItermax=0)
    with pytest.raises(ValueError, match="numItermax must be at least 1"):
        goot.sinkhorn2(A, A, M, 0.1, method=method, numItermax=0)


def test_entropic_callers_refuse_zero_iterations():
    x = np.random.default_rng(2).random((5, 2))
    for lazy in (False, True):
        with pytest.raises(ValueError, match="(?i)numitermax"):
            goot.bregman.empirical_sinkhorn(x, x, 0.1, numIterMax=0, isLazy=lazy)
    with pytest.raises(ValueError, match="numItermax"):
        mb.coupling(x, x, method="sinkhorn", numItermax=0)
    with pytest.raises(ValueError, match="numItermax"):
        goot.monge_gap(x, x, reg=0.1, numItermax=0)
