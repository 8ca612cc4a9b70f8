"""The reported cases of ../shared/cases that concern exact and 1-D OT.

Each test runs the case's own input generator and checks goot against the
case's independently established answer (never against goot's own output).
"""

from __future__ import annotations

import time

import numpy as np
import pytest

import goot
from conftest import case_inputs


def test_b01_integer_histogram_not_truncated(cases):
    case = cases["B01"]
    v = case_inputs(case)
    G = goot.emd(v["a"], v["b"], v["M"])
    assert G.dtype.kind == "f"
    np.testing.assert_allclose(
        G, case["expected"]["plan"], atol=case["expected"]["atol"]
    )
    assert goot.emd2(v["a"], v["b"], v["M"]) == pytest.approx(0.5, rel=1e-12)


@pytest.mark.parametrize(
    "call",
    [
        lambda v: goot.emd(v["a"], v["b"], v["M"]),
        lambda v: goot.emd2(v["a"], v["b"], v["M"]),
        lambda v: goot.emd_1d(v["x"], v["x"], v["a"], v["b"]),
        lambda v: goot.emd2_1d(v["x"], v["x"], v["a"], v["b"], metric="minkowski", p=1),
        lambda v: goot.wasserstein_1d(v["x"], v["x"], v["a"], v["b"], p=1),
    ],
)
def test_b04_different_masses_raise(cases, call):
    case = cases["B04"]
    v = case_inputs(case)
    with pytest.raises(ValueError, match=r"different total mass \(2 vs 1\)"):
        call(v)


def test_b05_strided_and_fortran_inputs(cases):
    case = cases["B05"]
    v = case_inputs(case)
    assert not v["a"].flags.c_contiguous and v["M"].flags.f_contiguous
    value = goot.emd2(v["a"], v["b"], v["M"])
    assert value == pytest.approx(
        case["expected"]["value"], rel=case["expected"]["rtol"]
    )
    G = goot.emd(v["a"], v["b"], v["M"])
    np.testing.assert_allclose(G.sum(1), v["a"], rtol=1e-12)


@pytest.mark.parametrize("name", ["M_all_nan", "M_one_nan"])
def test_b07_nan_costs_rejected(cases, name):
    v = case_inputs(cases["B07"])
    with pytest.raises(ValueError, match="NaN in the cost matrix"):
        goot.emd2(v["a"], v["b"], v[name])
    with pytest.raises(ValueError, match="NaN in the cost matrix"):
        goot.emd(v["a"], v["b"], v[name])


def test_b10_unsorted_weighted_1d(cases):
    case = cases["B10"]
    v = case_inputs(case)
    got = goot.emd2_1d(
        v["x_s"], v["y_s"], v["wx_s"], v["wy_s"], metric="minkowski", p=1
    )
    assert got == pytest.approx(case["expected"]["value"], rel=1e-12)
    also = case["expected"]["also"][0]
    got = goot.wasserstein_1d(v["x_s"], v["y_s"], v["wx_s"], v["wy_s"], p=2)
    assert got == pytest.approx(also["value"], rel=also["rtol"])


def test_b11_unnormalised_1d_weights(cases):
    case = cases["B11"]
    v = case_inputs(case)
    h1, h2, pos = v["h1"], v["h2"], v["pos"]
    expected = case["expected"]["cases"]
    assert goot.wasserstein_1d(h1, h2, p=1) == pytest.approx(
        expected["ot.wasserstein_1d(h1,h2,p=1)"], abs=1e-12
    )
    assert goot.wasserstein_1d(pos, pos, h1 / 10, h2 / 10, p=1) == pytest.approx(
        expected["ot.wasserstein_1d(pos,pos,h1/10,h2/10,p=1)"], rel=1e-12
    )
    assert goot.wasserstein_1d(pos, pos, h1, h2, p=1) == pytest.approx(
        expected["ot.wasserstein_1d(pos,pos,h1,h2,p=1)"], rel=1e-12
    )
    # The same convention as the network simplex on the raw counts.
    M = np.abs(pos[:, None] - pos[None, :])
    assert goot.emd2(h1, h2, M) == pytest.approx(5.0, rel=1e-12)


def test_b26_duplicates_and_zero_bins_terminate(cases):
    case = cases["B26"]
    v = case_inputs(case)
    start = time.perf_counter()
    value = goot.emd2(v["a"], v["b"], v["D"])
    assert time.perf_counter() - start < case["expected"]["time_limit_seconds"]
    assert value == pytest.approx(0.0, abs=1e-12)


def test_b27_all_equal_costs_unequal_sizes(cases):
    case = cases["B27"]
    v = case_inputs(case)
    assert goot.emd2([], [], v["M"]) == pytest.approx(1.0, rel=1e-12)
    assert goot.emd2([], [], np.ones((313, 3))) == pytest.approx(1.0, rel=1e-12)


def test_b28_unsupported_1d_metric(cases):
    v = case_inputs(cases["B28"])
    with pytest.raises(ValueError, match="cosine"):
        goot.emd2_1d(v["x"], v["y"], metric="cosine")
    # The documented route gives the case's value.
    M = goot.dist(v["x"][:, None], v["y"][:, None], metric="cosine")
    assert goot.emd2([], [], M) == pytest.approx(0.0, abs=1e-12)


def test_b30_single_identical_point(cases):
    v = case_inputs(cases["B30"])
    assert goot.emd2(v["a1"], v["b1"], v["M1"]) == 0.0
    assert float(goot.wasserstein_1d(v["x1"][:, 0], v["y1"][:, 0], p=2)) == 0.0
    assert goot.emd2_1d(v["x1"][:, 0], v["y1"][:, 0]) == 0.0
    G = goot.emd(v["a1"], v["b1"], v["M1"])
    assert G.dtype == np.float64 and G.shape == (1, 1) and G[0, 0] == 1.0
