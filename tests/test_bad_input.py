"""Bad input gets a clear ValueError/TypeError naming the argument, never a crash."""

from __future__ import annotations

import numpy as np
import pytest

import goot

A = np.array([0.5, 0.5])
M = np.array([[0.0, 1.0], [1.0, 0.0]])


@pytest.mark.parametrize(
    "fn",
    [goot.emd, goot.emd2],
)
@pytest.mark.parametrize(
    "args,error,match",
    [
        ((A, np.ones(3) / 3, M), ValueError, "Dimension mismatch"),
        ((np.ones(3) / 3, A, M), ValueError, "Dimension mismatch"),
        ((A, A, np.ones(4)), ValueError, "2-D cost matrix"),
        ((A, A, np.zeros((0, 2))), ValueError, "empty"),
        ((A, A, [[0.0, np.nan], [1.0, 0.0]]), ValueError, "NaN in the cost matrix"),
        ((A, A, [[0.0, -np.inf], [1.0, 0.0]]), ValueError, "M"),
        ((np.array([1.5, -0.5]), A, M), ValueError, "a: negative weight"),
        ((A, np.array([np.nan, 0.5]), M), ValueError, "b: NaN"),
        ((A, np.array([np.inf, 0.5]), M), ValueError, "b: infinite"),
        ((np.array([1.0, 1.0]), A, M), ValueError, "different total mass"),
        ((A, A, [["a", "b"], ["c", "d"]]), TypeError, "M"),
        ((A, A, np.ones((2, 2), dtype=complex)), TypeError, "M"),
        ((A, A, [[0.0, 1.0], [1.0]]), TypeError, "M"),
    ],
)
def test_emd_bad_input(fn, args, error, match):
    with pytest.raises(error, match=match):
        fn(*args)


def test_mass_mismatch_is_also_assertion_error():
    """POT raises AssertionError there; goot's error is both, for drop-in use."""
    with pytest.raises(AssertionError):
        goot.emd(np.array([1.0, 1.0]), A, M)


def test_mass_tolerance_is_relative():
    # Counts instead of probabilities: a relative mismatch of 1e-8 is accepted.
    a = np.array([600.0, 400.0])
    b = np.array([500.0, 500.0 + 1e-5])
    assert goot.emd2(a, b, M) == pytest.approx(100.0)
    with pytest.raises(ValueError, match="different total mass"):
        goot.emd2(a, np.array([500.0, 600.0]), M)


def test_check_marginals_false_rescales():
    cost = goot.emd2(A, np.array([1.0, 1.0]), M, check_marginals=False)
    assert cost == 0.0


@pytest.mark.parametrize("bad", [-3, 1.5, "many", None])
def test_num_itermax_checked(bad):
    with pytest.raises((ValueError, TypeError), match="numItermax"):
        goot.emd(A, A, M, numItermax=bad)


def test_num_itermax_zero_means_no_limit():
    """As in POT: numItermax=0 solves to optimality."""
    a, b, M2 = (
        np.full(30, 1 / 30),
        np.full(30, 1 / 30),
        np.random.default_rng(0).random((30, 30)),
    )
    G, log = goot.emd(a, b, M2, numItermax=0, log=True)
    assert log["result_code"] == 1
    assert log["cost"] == goot.emd2(a, b, M2)


def test_emd_rejects_2d_b():
    with pytest.raises(ValueError, match="emd2"):
        goot.emd(A, np.stack([A, A], 1), M)


def test_1d_bad_input():
    x = np.array([0.0, 1.0])
    with pytest.raises(ValueError, match="metric"):
        goot.emd_1d(x, x, metric="cosine")
    with pytest.raises(ValueError, match="one-dimensional"):
        goot.emd_1d(np.ones((2, 2)), x)
    with pytest.raises(ValueError, match="x_a: NaN"):
        goot.emd2_1d(np.array([np.nan, 1.0]), x)
    with pytest.raises(ValueError, match="different total mass"):
        goot.emd2_1d(x, x, [1.0, 1.0], [0.5, 0.5])
    with pytest.raises(ValueError, match="p must be at least 1"):
        goot.wasserstein_1d(x, x, p=0.5)
    with pytest.raises(ValueError, match="different total mass"):
        goot.wasserstein_1d(x, x, np.array([1.0, 1.0]), np.array([0.5, 0.5]))
    with pytest.raises(ValueError, match="u_weights"):
        goot.wasserstein_1d(x, x, np.array([0.5, 0.5, 0.0]))
    with pytest.raises(ValueError, match="batch shapes"):
        goot.wasserstein_1d(np.ones((3, 2)), np.ones((3, 4)))


def test_dist_bad_input():
    with pytest.raises(ValueError, match="different dimensions"):
        goot.dist(np.ones((3, 2)), np.ones((3, 3)))
    with pytest.raises(ValueError, match="empty"):
        goot.dist(np.ones((0, 2)))
    with pytest.raises(TypeError, match="x1"):
        goot.dist(np.array([["a"]]))


def test_unif_bad_input():
    with pytest.raises(ValueError):
        goot.unif(-1)
    assert goot.unif(0).shape == (0,)


def test_zero_total_mass():
    with pytest.raises(ValueError, match="total mass 0"):
        goot.emd([0.0, 0.0], [0.0, 0.0], M)


def test_multi_b_errors_name_the_column():
    B = np.array([[0.5, 0.5], [0.5, -0.5]])
    with pytest.raises(ValueError, match="row 1, column 1"):
        goot.emd2(A, B, M)
    B = np.array([[0.5, 0.5], [0.5, 1.5]])
    with pytest.raises(ValueError, match=r"b\[:, 1\]: the two histograms"):
        goot.emd2(A, B, M)


def test_weight_shape_messages():
    with pytest.raises(ValueError, match="one-dimensional"):
        goot.emd(np.array([[0.5, 0.5]]), A, M)
    with pytest.raises(ValueError, match="x_a has 3"):
        goot.emd_1d(np.arange(3.0), np.arange(2.0), [0.5, 0.5])
    with pytest.raises(ValueError, match=r"must have shape \(3,\)$"):
        goot.wasserstein_1d(np.arange(3.0), np.arange(2.0), [0.5, 0.5], [0.5, 0.5])
    with pytest.raises(AssertionError):  # POT asserts p >= 1
        goot.wasserstein_1d(np.arange(3.0), np.arange(3.0), p=0.5)


def test_big_endian_and_misaligned_arrays():
    """Found by an adversarial trial: '>f8' arrays were read as native."""
    rng = np.random.default_rng(3)
    a, b, M2 = np.full(4, 0.25), np.full(3, 1 / 3), rng.random((4, 3))
    x, y = rng.standard_normal(6), rng.standard_normal(6)
    expected = goot.emd2(a, b, M2)
    assert goot.emd2(a.astype(">f8"), b, M2.astype(">f8")) == expected
    np.testing.assert_array_equal(goot.dist(M2.astype(">f8")), goot.dist(M2))
    w = goot.wasserstein_1d(x, y)
    assert goot.wasserstein_1d(x.astype(">f8"), y) == w
    assert goot.emd2_1d(x.astype(">f8"), y.astype(">f8")) == goot.emd2_1d(x, y)
    buf = bytearray(b"\0" + M2.tobytes())
    unaligned = np.frombuffer(buf, np.float64, offset=1).reshape(M2.shape)
    assert not unaligned.flags.aligned
    assert goot.emd2(a, b, unaligned) == expected


def test_overflowing_weight_sums_are_named():
    w = np.array([1e308, 1e308, 0.0])
    M3 = np.ones((3, 3))
    with pytest.raises(ValueError, match="a: the weights overflow"):
        goot.emd2(w, w, M3)
    with pytest.raises(ValueError, match="u_weights: the weights overflow"):
        goot.wasserstein_1d(np.arange(3.0), np.arange(3.0), w, w)


def test_rescale_far_apart_masses_without_overflow():
    M3 = np.array([[0.0, 1, 2], [1, 0, 1], [2, 1, 0]])
    expected = goot.emd2(np.full(3, 1 / 3), np.full(3, 1 / 3), M3)
    big = goot.emd2(np.ones(3) * 1e300, np.ones(3) * 1e-300, M3, check_marginals=False)
    assert big == pytest.approx(3e300 * expected, rel=1e-12)
    small = goot.emd2(
        np.ones(3) * 1e-300, np.ones(3) * 1e300, M3, check_marginals=False
    )
    assert small == pytest.approx(3e-300 * expected, rel=1e-12)


def test_empty_columns_and_ragged_b():
    assert goot.emd2(A, np.ones((2, 0)), M) == []
    with pytest.raises(ValueError, match="one-dimensional"):
        goot.emd(A, np.ones((2, 0)), M)
    with pytest.raises(TypeError, match="b"):
        goot.emd(A, [[0.5], [0.5, 0.0]], M)
    with pytest.raises(TypeError, match="p must be a real number"):
        goot.wasserstein_1d(np.arange(3.0), np.arange(3.0), p="2")
    with pytest.raises(TypeError, match="metric"):
        goot.dist(np.ones((2, 2)), metric=np.array(["euclidean"]))
    assert goot.wasserstein_1d(np.ones((3, 0)), np.ones((4, 0))).shape == (0,)


def test_unif_integer_type_as():
    np.testing.assert_allclose(goot.unif(3, type_as=np.ones(2, int)), np.full(3, 1 / 3))


def test_mass_message_shows_the_difference():
    # 1 and 1.000002 differ beyond the tolerance but print alike with 6 digits.
    with pytest.raises(ValueError, match=r"\(1.0 vs 1.00000199"):
        goot.emd2([1.0, 0.0], [0.5, 0.500002], M)
