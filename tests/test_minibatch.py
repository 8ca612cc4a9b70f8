"""Minibatch OT couplings, pair sampling and W-CFM weights (goot.minibatch)."""

from __future__ import annotations

import threading

import numpy as np
import ot
import pytest
from scipy import stats

import goot
from conftest import clouds
from goot import minibatch as mb

# Exact plans: the same network simplex vertex up to rounding of the costs
# (goot builds them from differences, POT by a matrix product), so plans of
# problems without ties agree to rounding.
PLAN_ATOL = 1e-12
# Entropic plans: both solvers stop at marginal error 1e-9 (stopThr).
SINKHORN_ATOL = 1e-8


def batches(k, n, m, d, seed):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((k, n, d)), rng.standard_normal((k, m, d)) + 0.5


@pytest.mark.parametrize(
    "k,n,m,d",
    [(1, 5, 5, 2), (6, 16, 16, 2), (4, 12, 9, 7), (5, 12, 9, 64), (3, 20, 20, 300)],
)  # d >= 64: costs by BLAS in blocks, solved from costs
def test_exact_couplings_equal_pot_per_problem(k, n, m, d):
    """Each plan of the batched call is POT's ot.emd plan of that problem."""
    x0, x1 = batches(k, n, m, d, seed=k + n)
    plans = mb.couplings(x0, x1)
    assert plans.shape == (k, n, m)
    for c in range(k):
        want = ot.emd([], [], ot.dist(x0[c], x1[c]))
        np.testing.assert_allclose(plans[c], want, rtol=0, atol=PLAN_ATOL)
        np.testing.assert_allclose(
            mb.coupling(x0[c], x1[c]), want, rtol=0, atol=PLAN_ATOL
        )


def test_gram_path_in_several_blocks_with_weights(monkeypatch):
    """Problems split over blocks (a tiny block size) give each problem's POT
    plan, with per-minibatch weights."""
    monkeypatch.setattr(mb, "_GRAM_BLOCK_BYTES", 8 * 10 * 7 * 2)  # 2 per block
    k, n, m, d = 5, 10, 7, 80
    x0, x1 = batches(k, n, m, d, seed=3)
    rng = np.random.default_rng(4)
    a, b = rng.random((k, n)) + 0.1, rng.random((k, m)) + 0.1
    plans = mb.couplings(x0, x1, a=a, b=b)
    for c in range(k):
        want = ot.emd(a[c] / a[c].sum(), b[c] / b[c].sum(), ot.dist(x0[c], x1[c]))
        np.testing.assert_allclose(plans[c], want, rtol=0, atol=PLAN_ATOL)


@pytest.mark.parametrize("bad", [np.nan, np.inf, 1e200])
@pytest.mark.parametrize("which", ["x0", "x1"])
def test_gram_path_refuses_non_finite_points(bad, which):
    x0, x1 = batches(3, 6, 6, 70, seed=5)
    (x0 if which == "x0" else x1)[2, 1, 3] = bad
    with pytest.raises(ValueError, match=which):
        mb.couplings(x0, x1)


def test_exact_couplings_with_weights_and_metrics():
    k, n, m, d = 3, 7, 5, 3
    x0, x1 = batches(k, n, m, d, seed=1)
    rng = np.random.default_rng(2)
    a, b = rng.random((k, n)) + 0.1, rng.random((k, m)) + 0.1
    for metric in ("sqeuclidean", "euclidean", "cityblock"):
        plans = mb.couplings(x0, x1, a=a, b=b, metric=metric)
        for c in range(k):
            M = ot.dist(x0[c], x1[c], metric=metric)
            want = ot.emd(a[c] / a[c].sum(), b[c] / b[c].sum(), M)
            np.testing.assert_allclose(plans[c], want, rtol=0, atol=PLAN_ATOL)


def test_image_shaped_points_are_flattened():
    x0, x1 = batches(2, 6, 6, 12, seed=3)
    images0, images1 = x0.reshape(2, 6, 3, 4), x1.reshape(2, 6, 2, 6)
    np.testing.assert_array_equal(mb.couplings(images0, images1), mb.couplings(x0, x1))


def test_sinkhorn_coupling_equals_pot():
    x0, x1 = clouds(20, 15, 2, seed=4)
    M = ot.dist(x0, x1)
    for normalize in (False, True):
        Mn = M / M.max() if normalize else M
        want = ot.sinkhorn(
            ot.unif(20), ot.unif(15), Mn, 0.5, method="sinkhorn_log", stopThr=1e-9
        )
        got = mb.coupling(x0, x1, method="sinkhorn", reg=0.5, normalize_cost=normalize)
        np.testing.assert_allclose(got, want, rtol=0, atol=SINKHORN_ATOL)


@pytest.mark.filterwarnings(
    "ignore:Sinkhorn did not converge"
)  # reg 0.2, 1000 iterations
def test_sinkhorn_couplings_threads_equal_serial():
    x0, x1 = batches(5, 10, 10, 2, seed=5)
    serial = mb.couplings(x0, x1, method="sinkhorn", reg=0.2, num_threads=1)
    threaded = mb.couplings(x0, x1, method="sinkhorn", reg=0.2, num_threads=3)
    np.testing.assert_array_equal(serial, threaded)
    for c in range(5):
        np.testing.assert_array_equal(
            serial[c], mb.coupling(x0[c], x1[c], method="sinkhorn", reg=0.2)
        )


def test_unbalanced_coupling_equals_pot():
    """torchcfm's unbalanced plan: POT's KL-relaxed Sinkhorn on the batch."""
    x0, x1 = clouds(12, 9, 2, seed=6)
    M = ot.dist(x0, x1)
    want = ot.unbalanced.sinkhorn_unbalanced(
        ot.unif(12), ot.unif(9), M, 0.5, 2.0, stopThr=1e-9
    )
    got = mb.coupling(x0, x1, method="unbalanced", reg=0.5, reg_m=2.0)
    np.testing.assert_allclose(got, want, rtol=0, atol=SINKHORN_ATOL)
    assert abs(got.sum() - 1) > 1e-6  # mass is not conserved
    batch = mb.couplings(x0[None], x1[None], method="unbalanced", reg=0.5, reg_m=2.0)
    np.testing.assert_array_equal(batch[0], got)


def chi_square_pvalue(counts, probs):
    keep = probs > 0
    assert counts[~keep].sum() == 0, "a pair outside the plan's support was drawn"
    return stats.chisquare(counts[keep], probs[keep] * counts.sum()).pvalue


def test_sampled_pairs_follow_the_plan():
    """Chi-square goodness of fit of 200000 draws against the plan."""
    x0, x1 = clouds(6, 5, 2, seed=7)
    pi = mb.coupling(x0, x1, method="sinkhorn", reg=1.0)
    i, j = mb.sample_map(pi, 200_000, rng=np.random.default_rng(8))
    counts = np.bincount(i * 5 + j, minlength=30).astype(float)
    assert chi_square_pvalue(counts, (pi / pi.sum()).ravel()) > 1e-3

    # And a draw from an exact plan never leaves its support.
    pe = mb.coupling(x0, x1)
    i, j = mb.sample_map(pe, 50_000, rng=9)
    counts = np.bincount(i * 5 + j, minlength=30).astype(float)
    assert chi_square_pvalue(counts, (pe / pe.sum()).ravel()) > 1e-3


def test_sampling_is_seeded():
    pi = np.random.default_rng(0).random((5, 6))
    first = mb.sample_map(pi, 20, rng=3)
    again = mb.sample_map(pi, 20, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(first[0], again[0])
    np.testing.assert_array_equal(first[1], again[1])


@pytest.mark.parametrize("method", ["exact", "sinkhorn"])
def test_without_replacement_is_a_permutation(method):
    n = 32
    x0, x1 = clouds(n, n, 2, seed=10)
    pi = mb.coupling(x0, x1, method=method, reg=0.1)
    for seed in range(5):
        i, j = mb.sample_map(pi, replace=False, rng=seed)
        assert sorted(i.tolist()) == list(range(n))
        assert sorted(j.tolist()) == list(range(n))
    if method == "exact":
        # The exact plan of a square uniform batch is a permutation / n: the
        # matching is that permutation.
        perm = pi.argmax(axis=1)
        np.testing.assert_array_equal(j, perm[i])


def test_matching_follows_the_plan_marginally():
    """Without replacement on a 2×2 plan the first pair drawn is (0, 0) or
    (1, 1) with probability pi_00 + pi_11 ... checked as the matching law:
    the identity matching appears with probability p, the swap with 1 - p."""
    pi = np.array([[0.4, 0.1], [0.1, 0.4]])
    rng = np.random.default_rng(11)
    draws = 20_000
    identity = 0
    for _ in range(draws):
        i, j = mb.sample_map(pi, replace=False, rng=rng)
        identity += int(i[0] == j[0])
    # Row 0 or 1 first (each 1/2); its column is the diagonal with
    # probability 0.8; the other row then has one free column.
    p = 0.8
    assert abs(identity / draws - p) < 4 * np.sqrt(p * (1 - p) / draws)


def test_sample_plan_and_sampler_pair_rows():
    x0, x1 = clouds(16, 16, 3, seed=12)
    pi = mb.coupling(x0, x1)
    s0, s1 = mb.sample_plan(x0, x1, replace=False, rng=0)
    for u, v in zip(s0, s1):
        i = np.flatnonzero((x0 == u).all(axis=1))[0]
        j = np.flatnonzero((x1 == v).all(axis=1))[0]
        assert pi[i, j] > 0

    sampler = mb.OTPlanSampler("exact", rng=1)
    np.testing.assert_array_equal(sampler.get_map(x0, x1), pi)
    labels0, labels1 = np.arange(16), np.arange(16) + 100
    t0, t1, y0, y1 = sampler.sample_plan_with_labels(x0, x1, labels0, labels1)
    np.testing.assert_array_equal(t0, x0[y0])
    np.testing.assert_array_equal(t1, x1[y1 - 100])

    X0, X1 = batches(4, 8, 8, 2, seed=13)
    b0, b1 = sampler.sample_plan_batch(X0, X1, replace=False)
    plans = mb.couplings(X0, X1)
    for c in range(4):
        for u, v in zip(b0[c], b1[c]):
            i = np.flatnonzero((X0[c] == u).all(axis=1))[0]
            j = np.flatnonzero((X1[c] == v).all(axis=1))[0]
            assert plans[c, i, j] > 0


def test_sample_trajectory():
    """With exact plans of square uniform snapshots the chains follow the
    permutations of the plans; with entropic ones they stay in their support."""
    rng = np.random.default_rng(20)
    n, T, d = 10, 4, 2
    X = rng.standard_normal((n, T, d)) + np.arange(T)[None, :, None]
    traj = mb.OTPlanSampler("exact", rng=0).sample_trajectory(X)
    assert traj.shape == (n, T, d)
    np.testing.assert_array_equal(traj[:, 0], X[:, 0])
    for t in range(T - 1):
        perm = mb.coupling(X[:, t], X[:, t + 1]).argmax(axis=1)
        i = [np.flatnonzero((X[:, t] == p).all(axis=1))[0] for p in traj[:, t]]
        np.testing.assert_array_equal(traj[:, t + 1], X[perm[i], t + 1])

    sampler = mb.OTPlanSampler("sinkhorn", reg=0.5, rng=1)
    traj = sampler.sample_trajectory(X)
    for t in range(T):
        for p in traj[:, t]:
            assert (X[:, t] == p).all(axis=1).any()

    import torch

    tt = mb.OTPlanSampler("exact", rng=0).sample_trajectory(torch.from_numpy(X))
    assert isinstance(tt, torch.Tensor) and tt.shape == (n, T, d)
    with pytest.raises(ValueError, match="X"):
        sampler.sample_trajectory(X[:, :1])


def test_gibbs_weights():
    x0, x1 = clouds(50, 50, 3, seed=14)
    w = mb.gibbs_pair_weights(x0, x1, eps=2.0)
    np.testing.assert_allclose(w, np.exp(-((x0 - x1) ** 2).sum(axis=1) / 2.0))
    wn = mb.gibbs_pair_weights(x0, x1, eps=2.0, normalize=True)
    np.testing.assert_allclose(wn, w * 50 / w.sum())
    # Tiny eps: the plain weights underflow, the normalised ones do not.
    wt = mb.gibbs_pair_weights(x0, x1, eps=1e-4, normalize=True)
    assert np.isfinite(wt).all() and abs(wt.mean() - 1) < 1e-12
    we = mb.gibbs_pair_weights(x0, x1, eps=1.0, metric="euclidean")
    np.testing.assert_allclose(we, np.exp(-np.linalg.norm(x0 - x1, axis=1)))


def test_gibbs_tilt_is_zero_on_a_circle():
    """Equally spaced points on a circle, rotation-invariant cost: the kernel
    is circulant, the tilt is 0 and the coupling is Sinkhorn's converged
    plan."""
    n, eps = 12, 0.3
    t = 2 * np.pi * np.arange(n) / n
    x = np.stack([np.cos(t), np.sin(t)], axis=1)
    y = np.stack([np.cos(t + 0.2), np.sin(t + 0.2)], axis=1)  # rotated copy
    d = mb.gibbs_tilt(x, y, eps)
    assert d["kl_source"] < 1e-15 and d["kl_target"] < 1e-15
    assert d["tv_source"] < 1e-14 and d["tv_target"] < 1e-14
    want = ot.sinkhorn(ot.unif(n), ot.unif(n), ot.dist(x, y), eps, stopThr=1e-14)
    np.testing.assert_allclose(d["plan"], want, rtol=1e-10, atol=0)


def test_gibbs_tilt_limits():
    """Zero Sinkhorn iterations; eps -> inf removes the tilt; small eps makes
    it large."""
    x0, x1 = clouds(10, 8, 2, seed=15)
    M = ot.dist(x0, x1)
    d = mb.gibbs_tilt(x0, x1, eps=1.5)
    K = np.exp(-M / 1.5)
    np.testing.assert_allclose(d["plan"], K / K.sum(), rtol=1e-12)
    ta = d["plan"].sum(axis=1)
    np.testing.assert_allclose(d["kl_source"], np.sum(ta * np.log(ta * 10)), rtol=1e-12)
    far = mb.gibbs_tilt(x0, x1, eps=1e6)
    near = mb.gibbs_tilt(x0, x1, eps=1e-2)
    assert far["tv_source"] < 1e-5 and far["tv_target"] < 1e-5
    assert near["tv_source"] > 0.3
    assert near["kl_source"] > d["kl_source"] > far["kl_source"]


@pytest.mark.parametrize(
    "call,exc,word",
    [
        (lambda: mb.coupling(np.zeros((3, 2)), np.zeros((3, 4))), ValueError, "x0"),
        (lambda: mb.coupling(np.zeros((0, 2)), np.zeros((3, 2))), ValueError, "x0"),
        (lambda: mb.coupling([[np.nan]], [[1.0]]), ValueError, "x0"),
        (lambda: mb.coupling([[1.0]], [["a"]]), TypeError, "x1"),
        (lambda: mb.coupling([[1.0]], [[1.0]], method="lp"), ValueError, "method"),
        (lambda: mb.coupling([[1.0]], [[1.0]], metric=3), TypeError, "metric"),
        (
            lambda: mb.coupling([[1.0]], [[1.0]], method="sinkhorn", reg=0),
            ValueError,
            "reg",
        ),
        (lambda: mb.coupling([[1.0]], [[1.0]], a=[1.0, 2.0]), ValueError, "a"),
        (lambda: mb.coupling([[1.0]], [[1.0]], b=[-1.0]), ValueError, "b"),
        (
            lambda: mb.couplings(np.zeros((2, 3, 1)), np.zeros((3, 3, 1))),
            ValueError,
            "x0",
        ),
        (lambda: mb.sample_map([[0.0]]), ValueError, "pi"),
        (lambda: mb.sample_map([[1.0, -1.0]]), ValueError, "pi"),
        (lambda: mb.sample_map(np.eye(2), 3, replace=False), ValueError, "batch_size"),
        (lambda: mb.sample_map(np.eye(2), 1.5), TypeError, "batch_size"),
        (lambda: mb.sample_map(np.eye(2), rng="x"), TypeError, "rng"),
        (lambda: mb.gibbs_pair_weights([[1.0]], [[1.0], [2.0]], 1.0), ValueError, "x0"),
        (lambda: mb.gibbs_pair_weights([[1.0]], [[1.0]], -1.0), ValueError, "eps"),
        (lambda: mb.gibbs_tilt([[1.0]], [[1.0]], "x"), TypeError, "eps"),
        (lambda: mb.OTPlanSampler("emd"), ValueError, "method"),
    ],
)
def test_bad_input(call, exc, word):
    with pytest.raises(exc, match=word):
        call()


def test_inputs_not_modified():
    x0, x1 = batches(3, 5, 5, 2, seed=16)
    c0, c1 = x0.copy(), x1.copy()
    mb.couplings(x0, x1)
    mb.sample_plans(x0, x1, rng=0)
    np.testing.assert_array_equal(x0, c0)
    np.testing.assert_array_equal(x1, c1)


def test_threads():
    """Batched calls from several Python threads at once give the serial
    answers (the Go call releases the GIL; no shared state)."""
    x0, x1 = batches(8, 24, 24, 2, seed=17)
    want = mb.couplings(x0, x1)
    out = [None] * 4

    def work(t):
        out[t] = mb.couplings(x0, x1)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for got in out:
        np.testing.assert_array_equal(got, want)


def test_float32_in_float32_out():
    x0, x1 = batches(2, 6, 6, 2, seed=18)
    plans = mb.couplings(x0.astype(np.float32), x1.astype(np.float32))
    assert plans.dtype == np.float32


# ---------------------------------------------------------------------------
# torch (installed by `make setup-torch`; these tests must not skip).


def test_torch_in_torch_out():
    import torch

    x0, x1 = batches(3, 8, 8, 2, seed=19)
    t0, t1 = torch.from_numpy(x0), torch.from_numpy(x1).float()
    plans = mb.couplings(t0, t1)
    assert isinstance(plans, torch.Tensor) and plans.dtype == torch.float64
    np.testing.assert_allclose(plans.numpy(), mb.couplings(x0, x1), atol=1e-6)

    pi = mb.coupling(t0[0].float(), t1[0])
    assert isinstance(pi, torch.Tensor) and pi.dtype == torch.float32

    s0, s1 = mb.sample_plan(t0[0], t1[0], replace=False, rng=0)
    assert isinstance(s0, torch.Tensor) and s0.shape == (8, 2)
    b0, b1 = mb.sample_plans(t0, t1, rng=0)
    assert isinstance(b1, torch.Tensor) and b1.shape == (3, 8, 2)
    assert b1.dtype == torch.float32

    sampler = mb.OTPlanSampler("sinkhorn", reg=0.5, rng=0)
    u0, u1 = sampler.sample_plan(t0[0], t1[0])
    assert isinstance(u0, torch.Tensor)

    w = mb.gibbs_pair_weights(t0[0], t1[0], eps=1.0)
    assert isinstance(w, torch.Tensor) and w.shape == (8,)
    np.testing.assert_allclose(
        w.numpy(), mb.gibbs_pair_weights(x0[0], x1[0], eps=1.0), rtol=1e-6
    )


def test_mixed_numpy_and_torch_is_refused():
    import torch

    x = np.zeros((3, 2))
    with pytest.raises(ValueError):
        mb.coupling(x, torch.zeros(3, 2))


def test_goot_namespace():
    assert goot.minibatch.coupling is mb.coupling


def test_gibbs_degenerate_input_is_refused():
    """Adversarial trials: NaN plans reported as zero tilt."""
    rng = np.random.default_rng(7)
    x0, x1 = rng.standard_normal((5, 2)), rng.standard_normal((5, 2))
    with pytest.raises(ValueError, match="a: the weights sum to 0"):
        mb.gibbs_tilt(x0, x1, 1.0, a=np.zeros(5))
    with pytest.raises(ValueError, match="overflow"):
        mb.gibbs_tilt(x0 * 1e160, x1, 1.0)
    with pytest.raises(ValueError, match="overflow"):
        mb.gibbs_pair_weights(x0 * 1e160, x1, 1.0, normalize=True)
    huge = mb.gibbs_tilt(x0, x1, 1.0, a=np.full(5, 1e308))
    want = mb.gibbs_tilt(x0, x1, 1.0)
    np.testing.assert_allclose(huge["plan"], want["plan"], rtol=1e-12)


def test_huge_weights_are_normalised_without_overflow():
    rng = np.random.default_rng(8)
    x0, x1 = rng.standard_normal((5, 2)), rng.standard_normal((5, 2))
    want = mb.coupling(x0, x1)
    np.testing.assert_allclose(mb.coupling(x0, x1, a=np.full(5, 1e308)), want)


def test_entropic_coupling_reports_non_convergence():
    rng = np.random.default_rng(9)
    x0, x1 = rng.standard_normal((5, 2)) * 1e3, rng.standard_normal((5, 2))
    with pytest.warns(UserWarning, match="did not converge"):
        mb.coupling(x0, x1, method="sinkhorn", numItermax=3)
