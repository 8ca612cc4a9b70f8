"""The Monge gap from samples (goot.monge_gap): oracles of Uscidda & Cuturi."""

from __future__ import annotations

import numpy as np
import ot
import pytest

import goot

# Exact gaps built from rounded costs: a few ulps of the costs.
EXACT_TOL = 1e-12


def points(n, d, seed):
    return np.random.default_rng(seed).standard_normal((n, d))


def test_three_points_oracles():
    """x = (-1, 0, 1): T = -x has gap 8/3; T = 2x + 1 and T = id have 0."""
    x = np.array([[-1.0], [0.0], [1.0]])
    assert goot.monge_gap(x, -x) == pytest.approx(8 / 3, rel=1e-15)
    assert goot.monge_gap(x, 2 * x + 1) == 0.0
    assert goot.monge_gap(x, x) == 0.0


@pytest.mark.parametrize("d", [1, 2, 5])
def test_gradient_of_convex_maps_has_zero_gap(d):
    """T(x) = A x + b with A symmetric positive definite is the gradient of a
    convex function: an OT map for the squared Euclidean cost."""
    rng = np.random.default_rng(d)
    x = points(30, d, seed=d)
    B = rng.standard_normal((d, d))
    A = B @ B.T + 0.1 * np.eye(d)
    assert goot.monge_gap(x, x @ A + rng.standard_normal(d)) == 0.0
    assert goot.monge_gap(x, x) == 0.0


def test_one_dimensional_closed_form():
    """On the line the gap is the pairing's cost minus the sorted one."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal(40)
    y = np.sin(3 * x) + 0.3 * rng.standard_normal(40)
    want = np.mean((x - y) ** 2) - np.mean((np.sort(x) - np.sort(y)) ** 2)
    got = goot.monge_gap(x[:, None], y[:, None])
    assert got == pytest.approx(want, rel=1e-12, abs=EXACT_TOL)


@pytest.mark.parametrize("n,d", [(5, 10), (25, 50), (25, 100)])
def test_nonnegative_and_equals_pot(n, d):
    rng = np.random.default_rng(n + d)
    x = rng.standard_normal((n, d))
    y = rng.standard_normal((n, d))
    gap = goot.monge_gap(x, y)
    M = ot.dist(x, y)
    want = np.mean(np.diag(M)) - ot.emd2(ot.unif(n), ot.unif(n), M)
    assert gap >= 0
    assert gap == pytest.approx(want, rel=1e-10, abs=EXACT_TOL)
    for cost in ("euclidean", "cityblock"):
        M = ot.dist(x, y, metric=cost)
        want = np.mean(np.diag(M)) - ot.emd2(ot.unif(n), ot.unif(n), M)
        assert goot.monge_gap(x, y, cost=cost) == pytest.approx(want, rel=1e-10)


def test_entropic_floor():
    """OTT's convention: gap(id) >= eps log n (the entropic bias), and close
    to it for small eps (the optimal entropic plan is near the diagonal)."""
    n, eps = 50, 0.01
    x = np.random.default_rng(4).random((n, 2))
    gap = goot.monge_gap(x, x, reg=eps, stopThr=1e-12)
    assert gap >= eps * np.log(n)
    assert gap - eps * np.log(n) < eps
    # Independent check of the value: <D - P, C> + eps H(P) with POT's plan.
    M = ot.dist(x, x)
    P = ot.sinkhorn(
        ot.unif(n),
        ot.unif(n),
        M,
        eps,
        method="sinkhorn_log",
        stopThr=1e-12,
        numItermax=10000,
    )
    H = -np.sum(P[P > 0] * np.log(P[P > 0]))
    want = np.mean(np.diag(M)) - (np.sum(P * M) - eps * H)
    assert gap == pytest.approx(want, rel=1e-8)


def test_entropic_minus_exact_is_bracketed():
    """H(P) lies in [log n, 2 log n] for plans with uniform marginals, so the
    entropic gap exceeds the exact one by between eps log n and 2 eps log n."""
    n = 20
    x = np.random.default_rng(5).random((n, 2))
    y = np.tanh(x) + 0.5 * x[:, ::-1]
    exact = goot.monge_gap(x, y)
    for eps in (0.05, 0.2):
        ent = goot.monge_gap(x, y, reg=eps, numItermax=100000)
        assert eps * np.log(n) - 1e-9 <= ent - exact <= 2 * eps * np.log(n) + 1e-9


@pytest.mark.parametrize(
    "kwargs,exc,word",
    [
        (dict(x=np.zeros((3, 2)), y=np.zeros((4, 2))), ValueError, "x and y"),
        (dict(x=np.zeros((3, 2)), y=np.zeros((3, 2)), cost="l2"), ValueError, "cost"),
        (dict(x=np.zeros((3, 2)), y=np.zeros((3, 2)), cost=2), TypeError, "cost"),
        (dict(x=np.zeros((3, 2)), y=np.zeros((3, 2)), reg=-1.0), ValueError, "reg"),
        (dict(x=np.zeros((3, 2)), y=np.zeros((3, 2)), reg="a"), TypeError, "reg"),
        (dict(x=[[np.nan]], y=[[1.0]]), ValueError, "x"),
        (dict(x=[[1.0]], y=[["a"]]), TypeError, "y"),
        (dict(x=np.zeros((0, 2)), y=np.zeros((0, 2))), ValueError, "x"),
    ],
)
def test_bad_input(kwargs, exc, word):
    with pytest.raises(exc, match=word):
        goot.monge_gap(**kwargs)


# ---------------------------------------------------------------------------
# torch (installed by `make setup-torch`; these tests must not skip).


def test_torch_value_and_type():
    import torch

    x = points(12, 3, seed=6)
    y = np.cos(x)
    for reg in (None, 1.0):
        want = goot.monge_gap(x, y, reg=reg)
        got = goot.monge_gap(torch.from_numpy(x), torch.from_numpy(y), reg=reg)
        assert isinstance(got, torch.Tensor) and got.dtype == torch.float64
        assert float(got) == pytest.approx(want, rel=1e-10, abs=1e-13)
    xt = torch.from_numpy(np.array([[-1.0], [0.0], [1.0]]))
    assert float(goot.monge_gap(xt, 2 * xt + 1)) == 0.0


def test_mixed_numpy_and_torch_is_refused():
    import torch

    with pytest.raises(ValueError):
        goot.monge_gap(np.zeros((3, 2)), torch.zeros(3, 2))


@pytest.mark.parametrize("cost", ["sqeuclidean", "euclidean", "cityblock"])
def test_gradcheck_exact(cost):
    """Envelope gradient of the exact gap on inputs with a unique optimal
    plan (random continuous points): gradcheck in float64."""
    import torch

    rng = np.random.default_rng(7)
    x = torch.from_numpy(rng.standard_normal((7, 2)))
    y = torch.from_numpy(rng.standard_normal((7, 2))).requires_grad_(True)
    assert torch.autograd.gradcheck(
        lambda y: goot.monge_gap(x, y, cost=cost), (y,), eps=1e-6, atol=1e-5
    )


def test_gradcheck_entropic():
    import torch

    rng = np.random.default_rng(8)
    x = torch.from_numpy(rng.standard_normal((6, 2)))
    y = torch.from_numpy(rng.standard_normal((6, 2))).requires_grad_(True)
    assert torch.autograd.gradcheck(
        lambda y: goot.monge_gap(x, y, reg=0.5, stopThr=1e-13),
        (y,),
        eps=1e-6,
        atol=1e-5,
    )


def test_gradient_drives_gap_down():
    """A few gradient steps on T(x) = x W reduce the gap (a training use)."""
    import torch

    x = torch.from_numpy(points(32, 2, seed=9))
    W = torch.tensor([[0.0, -1.0], [1.0, 0.3]], dtype=torch.float64, requires_grad=True)
    start = float(goot.monge_gap(x, x @ W).detach())
    opt = torch.optim.SGD([W], lr=0.05)
    for _ in range(30):
        opt.zero_grad()
        gap = goot.monge_gap(x, x @ W)
        gap.backward()
        opt.step()
    assert float(goot.monge_gap(x, x @ W).detach()) < 0.5 * start


def test_torch_float32_far_from_the_origin():
    """Adversarial trial: float32 points around 1e4 lost every digit in the
    expanded |x|² + |y|² − 2⟨x, y⟩ form (14.0 instead of 5.40)."""
    import torch

    rng = np.random.RandomState(0)
    x, y = rng.randn(50, 3), np.random.RandomState(1).randn(50, 3)
    want = goot.monge_gap(x, y)
    for shift in (0.0, 1e3, 1e4):
        got = goot.monge_gap(
            torch.tensor(x + shift, dtype=torch.float32),
            torch.tensor(y + shift, dtype=torch.float32),
        )
        assert got.dtype == torch.float32
        assert float(got) == pytest.approx(want, rel=1e-3)


@pytest.mark.parametrize("reg", [None, 0.1])
def test_overflowing_costs_are_refused(reg):
    x = np.random.default_rng(0).standard_normal((6, 2)) * 1e160
    with pytest.raises(ValueError, match="overflow"):
        goot.monge_gap(x, -x, reg=reg)
