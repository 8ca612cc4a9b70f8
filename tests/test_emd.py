"""goot.emd / goot.emd2 against the installed POT and against LP theory."""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import ot
import ot.lp._network_simplex as pot_ns
import pytest

import goot
from conftest import clouds, random_problem

# Relative agreement of optimal costs between two exact solvers: both are
# optimal, so only summation order differs (~1e-15); 1e-10 is the bar.
COST_RTOL = 1e-10
# Dual feasibility u_i + v_j <= M_ij, as POT's test_dual_variables requires.
DUAL_TOL = 1e-8


def assert_optimal_pair(a, b, M, G, log):
    """Marginals, dual feasibility, complementary slackness, zero duality gap."""
    u, v = log["u"], log["v"]
    scale = max(1.0, np.abs(M[np.isfinite(M)]).max())
    np.testing.assert_allclose(G.sum(1), a, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(G.sum(0), b, rtol=1e-10, atol=1e-14)
    slack = M - u[:, None] - v[None, :]
    assert slack.min() >= -DUAL_TOL * scale
    assert np.all(np.abs(slack[G > 0]) <= 1e-9 * scale)
    np.testing.assert_allclose(a @ u + b @ v, log["cost"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(a @ u, b @ v, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(
    "n,m", [(2, 2), (3, 7), (10, 10), (50, 40), (200, 300), (1000, 800)]
)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_parity_random_weights(n, m, seed):
    """Random weights and costs: the optimum is unique, so plans must match."""
    a, b, M = random_problem(n, m, seed)
    G, log = goot.emd(a, b, M, log=True)
    G_pot, log_pot = ot.emd(a, b, M, log=True)
    np.testing.assert_allclose(log["cost"], log_pot["cost"], rtol=COST_RTOL)
    np.testing.assert_allclose(G, G_pot, atol=1e-12)
    assert set(log) == set(log_pot)
    assert log["result_code"] == log_pot["result_code"] == 1
    assert log["warning"] is None
    assert_optimal_pair(a, b, M, G, log)


@pytest.mark.parametrize("n", [100, 500, 1000])
@pytest.mark.parametrize("d", [2, 10])
def test_parity_clouds_uniform(n, d):
    """The benchmark setting (degenerate: uniform weights, an assignment)."""
    X, Y = clouds(n, n, d, seed=100 * n + d)
    M = ot.dist(X, Y)
    cost = goot.emd2([], [], M)
    cost_pot = ot.emd2([], [], M, numItermax=10**8)
    np.testing.assert_allclose(cost, cost_pot, rtol=COST_RTOL)
    G, log = goot.emd(None, None, M, log=True)
    a = np.full(n, 1.0 / n)
    assert_optimal_pair(a, a, M, G, log)
    # An optimal vertex of an assignment polytope is a permutation / n.
    assert np.count_nonzero(G) == n


@pytest.mark.parametrize("seed", range(4))
def test_zero_weights_duals_match_pot(seed):
    """Zero-weight rows/columns: plan zero there, duals feasible and as POT's."""
    a, b, M = random_problem(30, 25, seed, zeros=True)
    G, log = goot.emd(a, b, M, log=True)
    G_pot, log_pot = ot.emd(a, b, M, log=True)
    np.testing.assert_allclose(G, G_pot, atol=1e-12)
    assert np.all(G[a == 0] == 0) and np.all(G[:, b == 0] == 0)
    assert_optimal_pair(a, b, M, G, log)
    # With a unique, non-degenerate optimum the centred duals of the points with
    # weight are unique, so they must match POT's. Those of zero-weight points
    # are not (any value below their tightest constraint is optimal); they are
    # only required to be feasible, which assert_optimal_pair checked.
    np.testing.assert_allclose(log["u"][a > 0], log_pot["u"][a > 0], atol=1e-9)
    np.testing.assert_allclose(log["v"][b > 0], log_pot["v"][b > 0], atol=1e-9)


@pytest.mark.parametrize("n,m", [(2, 5000), (5000, 3), (7, 3000), (40, 4000)])
def test_parity_wide_and_tall(n, m):
    """Very unequal sizes (once slow: the greedy start let the short side
    choose); plans and costs must still be POT's."""
    rng = np.random.default_rng(n + m)
    M = rng.random((n, m))
    G, log = goot.emd([], [], M, log=True)
    G_pot = ot.emd([], [], M, numItermax=10**8)
    np.testing.assert_allclose(G, G_pot, atol=1e-12)
    a, b = np.full(n, 1 / n), np.full(m, 1 / m)
    assert_optimal_pair(a, b, M, G, log)


def test_emd_emd2_identity_plan():
    """POT's test_emd_emd2: M = dist(x, x) gives the identity plan / n."""
    n = 100
    x = np.random.default_rng(0).standard_normal((n, 2))
    M = goot.dist(x, x)
    G = goot.emd([], [], M)
    np.testing.assert_allclose(G, np.eye(n) / n, rtol=1e-7)
    assert goot.emd2([], [], M) == 0.0


def test_dual_variables_closed_form():
    """POT's test_dual_variables: shifted 1-D samples under |x - y|."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal(500)
    y = rng.standard_normal(500) + 100
    M = np.abs(x[:, None] - y[None, :])
    G, log = goot.emd([], [], M, log=True)
    np.testing.assert_allclose(log["cost"], abs(x.mean() - y.mean()), rtol=1e-12)
    a = np.full(500, 1 / 500)
    assert_optimal_pair(a, a, M, G, log)
    G2 = goot.emd([], [], M.T)
    np.testing.assert_allclose(G2.T, G, atol=1e-14)


def test_emd2_multi_b_matches_single():
    a, b, M = random_problem(40, 30, 3)
    B = np.stack([b, np.roll(b, 3), np.full(30, 1 / 30)], axis=1)
    costs = goot.emd2(a, B, M)
    assert isinstance(costs, list) and len(costs) == 3
    for c in range(3):
        single = goot.emd2(a, np.ascontiguousarray(B[:, c]), M)
        np.testing.assert_allclose(costs[c], single, rtol=1e-14)
    pot = ot.emd2(a, B, M, 1)  # 4th positional argument is `processes`
    np.testing.assert_allclose(costs, pot, rtol=COST_RTOL)


def test_emd2_multi_b_log_and_return_matrix():
    a, b, M = random_problem(12, 9, 4)
    B = np.stack([b, b[::-1]], axis=1)
    res = goot.emd2(a, B, M, log=True)
    res_pot = ot.emd2(a, B, M, log=True)
    for (cost, log), (cost_pot, log_pot) in zip(res, res_pot):
        np.testing.assert_allclose(cost, cost_pot, rtol=COST_RTOL)
        assert set(log) == set(log_pot)
        np.testing.assert_allclose(log["u"], log_pot["u"], atol=1e-10)
    res = goot.emd2(a, B, M, return_matrix=True)
    for c, (_cost, log) in enumerate(res):
        np.testing.assert_allclose(log["G"], ot.emd(a, B[:, c].copy(), M), atol=1e-12)


def test_emd2_return_matrix_and_log_keys():
    a, b, M = random_problem(6, 5, 5)
    cost, log = goot.emd2(a, b, M, return_matrix=True)
    cost_pot, log_pot = ot.emd2(a, b, M, return_matrix=True)
    assert set(log) == set(log_pot) == {"cost", "u", "v", "warning", "result_code", "G"}
    np.testing.assert_allclose(log["G"], log_pot["G"], atol=1e-14)
    assert isinstance(cost, float) and isinstance(log["result_code"], int)


def test_iteration_limit_warns_like_pot():
    """POT's test_warnings: numItermax=1 warns with 'numItermax' in the text."""
    a, b, M = random_problem(30, 30, 6)
    with pytest.warns(UserWarning) as record:
        G, log = goot.emd(a, b, M, numItermax=1, log=True)
    with pytest.warns(UserWarning) as record_pot:
        ot.emd(a, b, M, numItermax=1, log=True)
    assert "numItermax" in str(record[-1].message)
    assert str(record[-1].message) == str(record_pot[-1].message)
    assert log["result_code"] == 3 and log["warning"] == str(record[-1].message)
    # The returned plan is still feasible.
    np.testing.assert_allclose(G.sum(1), a, rtol=1e-10)
    np.testing.assert_allclose(G.sum(0), b, rtol=1e-10)


def test_num_threads_accepted():
    """POT's test_omp_emd2: numThreads=2 gives the result of numThreads=1."""
    a, b, M = random_problem(20, 20, 7)
    with pytest.warns(DeprecationWarning):
        c2 = goot.emd2(a, b, M, numThreads=2)
    assert c2 == goot.emd2(a, b, M)
    with pytest.raises(ValueError):
        goot.emd2(a, b, M, numThreads=0)


def test_lists_and_docstring_example():
    G = goot.emd([0.5, 0.5], [0.5, 0.5], [[0.0, 1.0], [1.0, 0.0]])
    np.testing.assert_array_equal(G, [[0.5, 0], [0, 0.5]])
    assert goot.emd2([0.5, 0.5], [0.5, 0.5], [[0.0, 1.0], [1.0, 0.0]]) == 0.0


@pytest.mark.parametrize(
    "dtypes,expected",
    [
        ((np.float32, np.float32, np.float32), np.float32),
        ((np.float64, np.float32, np.float32), np.float64),
        ((np.float32, np.float64, np.float64), np.float32),
        ((np.float64, np.float64, np.float32), np.float64),
    ],
)
def test_dtype_follows_pot(dtypes, expected):
    a, b, M = random_problem(5, 4, 8)
    a, b, M = (x.astype(t) for x, t in zip((a, b, M), dtypes))
    G, log = goot.emd(a, b, M, log=True)
    G_pot = ot.emd(a, b, M)
    assert G.dtype == G_pot.dtype == expected
    assert log["u"].dtype == expected
    np.testing.assert_allclose(G, G_pot, atol=1e-6)


def test_empty_weights_take_dtype_of_M():
    M = np.random.default_rng(0).random((3, 4)).astype(np.float32)
    assert goot.emd([], [], M).dtype == ot.emd([], [], M).dtype == np.float32


def test_integer_histograms_not_truncated():
    """Reported case B01 kind: integer weights give a float plan."""
    a = np.array([1, 3])
    b = np.array([2, 2])
    M = np.array([[0.0, 1.0], [1.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        G = goot.emd(a, b, M)
    assert G.dtype == np.float64
    np.testing.assert_allclose(G, [[1, 0], [1, 2]])
    assert goot.emd2(a, b, M) == 1.0


@pytest.mark.parametrize("order", ["F", "strided"])
def test_non_contiguous_inputs(order):
    a, b, M = random_problem(15, 12, 9)
    expected = goot.emd2(a, b, M)
    if order == "F":
        M2 = np.asfortranarray(M)
        a2 = a
    else:
        M2 = np.repeat(M, 2, axis=1)[:, ::2]
        a2 = np.repeat(a, 2)[::2]
    assert not M2.flags.c_contiguous
    assert goot.emd2(a2, b, M2) == expected


def test_inputs_not_modified():
    a, b, M = random_problem(10, 8, 10)
    b = b * 1.0000001  # within the mass tolerance: emd rescales a copy of b
    copies = [x.copy() for x in (a, b, M)]
    goot.emd(a, b, M, log=True)
    goot.emd2(a, np.stack([b, b], 1), M)
    for x, x0 in zip((a, b, M), copies):
        np.testing.assert_array_equal(x, x0)


def test_center_dual_false_still_optimal():
    a, b, M = random_problem(20, 15, 11)
    G, log = goot.emd(a, b, M, log=True, center_dual=False)
    u, v = log["u"], log["v"]
    assert (M - u[:, None] - v[None, :]).min() >= -1e-10
    np.testing.assert_allclose(a @ u + b @ v, log["cost"], rtol=1e-10)


def test_center_ot_dual_and_null_weights_helpers_match_pot():
    rng = np.random.default_rng(12)
    u, v = rng.random(5), rng.random(4)
    a, b = rng.random(5), rng.random(4)
    a[1] = 0
    M = rng.random((5, 4)) + 2
    for got, want in zip(
        goot.lp.center_ot_dual(u, v, a, b), pot_ns.center_ot_dual(u, v, a, b)
    ):
        np.testing.assert_allclose(got, want, rtol=1e-14)
    for got, want in zip(
        goot.lp.estimate_dual_null_weights(u, v, a, b, M),
        pot_ns.estimate_dual_null_weights(u, v, a, b, M),
    ):
        np.testing.assert_allclose(got, want, rtol=1e-14)


def test_huge_and_forbidden_costs():
    """Costs near 1e300 and +inf (forbidden pairs) give the exact optimum."""
    a, b, M = random_problem(25, 20, 13)
    base = goot.emd(a, b, M)
    G = goot.emd(a, b, M * 1e300)
    np.testing.assert_allclose(G, base, atol=1e-14)
    np.testing.assert_allclose(
        goot.emd2(a, b, M * 1e300), 1e300 * goot.emd2(a, b, M), rtol=1e-12
    )
    F = M.copy()
    F[M > 0.7] = np.inf  # forbid 30% of the pairs; the rest stays feasible here
    finite = np.where(np.isinf(F), 1e6, F)  # a big finite stand-in, same optimum
    G_inf, log = goot.emd(a, b, F, log=True)
    assert np.all(G_inf[np.isinf(F)] == 0)
    np.testing.assert_allclose(log["cost"], goot.emd2(a, b, finite), rtol=1e-10)


def test_forbidden_pairs_infeasible():
    M = np.array([[np.inf, 1.0], [np.inf, 2.0]])
    with pytest.warns(UserWarning, match="infeasible"):
        G, log = goot.emd([0.5, 0.5], [0.5, 0.5], M, log=True)
    assert log["result_code"] == 0


def test_costs_spanning_many_magnitudes_are_optimal():
    """A 1e12 penalty next to costs of 1e-3 once hid an improving pivot
    (found by an adversarial trial): compare with brute force over the
    permutations, which are the vertices of the uniform n x n problem."""
    M = np.array([[1e12, 0, 0], [1e12, 0, 1e-3], [1, 0, 100.0]])
    assert goot.emd2([], [], M) == pytest.approx(1 / 3, rel=1e-12)

    rng = np.random.default_rng(21)
    for _ in range(200):
        n = int(rng.integers(2, 6))
        M = 10.0 ** rng.uniform(-12, 12, size=(n, n))
        best = min(
            math.fsum(M[i, p[i]] for i in range(n)) / n
            for p in itertools.permutations(range(n))
        )
        assert goot.emd2([], [], M) == pytest.approx(best, rel=1e-9)
