"""goot with PyTorch tensors: types, dtypes and devices out, and gradients.

Gradients are checked three ways: torch.autograd.gradcheck in double precision
where the function is smooth at the test point; against POT's torch backend
where POT differentiates the same quantity; and against finite differences
along directions that keep the total mass (balanced OT is defined only there).
torch is required in CI: test_torch_required.py fails there when it is missing.
"""

from __future__ import annotations

import numpy as np
import ot
import pytest

import goot
from conftest import load_cases, random_problem

torch = pytest.importorskip("torch")  # required in CI: see test_torch_required.py

F64 = torch.float64


def t(x, dtype=F64, grad=False):
    return torch.tensor(np.array(x), dtype=dtype, requires_grad=grad)


def problem(n=6, m=5, seed=0, dtype=F64, grad=False):
    a, b, M = random_problem(n, m, seed)
    return t(a, dtype, grad), t(b, dtype, grad), t(M, dtype, grad)


def clouds(n=7, m=6, d=2, seed=0, grad=False):
    rng = np.random.default_rng(seed)
    return t(rng.standard_normal((n, d)), grad=grad), t(
        rng.standard_normal((m, d)) + 0.5, grad=grad
    )


def spd(d, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((d, d))
    return X @ X.T + 0.5 * np.eye(d)


def numpy_of(x):
    """The numpy twin of a result (tensors → arrays, recursively)."""
    if isinstance(x, torch.Tensor):
        return x.detach().numpy()
    if isinstance(x, (list, tuple)):
        return type(x)(numpy_of(y) for y in x) if not hasattr(x, "_fields") else x
    if isinstance(x, dict):
        return {k: numpy_of(v) for k, v in x.items()}
    return x


def assert_same_result(got, want):
    """A tensor result matches goot's numpy result, entry by entry."""
    if isinstance(want, (list, tuple)):
        assert isinstance(got, (list, tuple)) and len(got) == len(want)
        for g, w in zip(got, want):
            assert_same_result(g, w)
    elif isinstance(want, dict):
        assert set(got) == set(want)
        for k in want:
            assert_same_result(got[k], want[k])
    elif isinstance(want, (np.ndarray, np.generic, float)):
        assert isinstance(got, torch.Tensor), type(got)
        np.testing.assert_allclose(got.detach().numpy(), want, rtol=1e-12, atol=0)
    else:
        assert got == want or (got is None and want is None)


# ---------------------------------------------------------------------------
# Tensors in, tensors out: every public function.


def _cases():
    a, b, M = random_problem(6, 5, 0)
    rng = np.random.default_rng(1)
    X, Y = rng.standard_normal((7, 2)), rng.standard_normal((6, 2)) + 0.5
    u, v = rng.standard_normal(7), rng.standard_normal(6)
    Cs, Ct = spd(2, 2), spd(2, 3)
    ms, mt = rng.standard_normal(2), rng.standard_normal(2)
    A = rng.random((5, 3))
    A /= A.sum(0)
    Mb = (np.arange(5)[:, None] - np.arange(5)[None, :]) ** 2 / 25.0
    imgs = rng.random((2, 6, 6))
    imgs /= imgs.sum((1, 2), keepdims=True)
    P = rng.standard_normal((2, 4))
    P /= np.linalg.norm(P, axis=0)
    sphere = rng.standard_normal((6, 3))
    sphere /= np.linalg.norm(sphere, axis=1, keepdims=True)
    sphere2 = rng.standard_normal((5, 3))
    sphere2 /= np.linalg.norm(sphere2, axis=1, keepdims=True)
    gm = rng.standard_normal((2, 2))
    gC = np.stack([spd(2, 4), spd(2, 5)])
    gw = np.array([0.3, 0.7])
    return [
        ("emd", goot.emd, (a, b, M), {"log": True}),
        ("emd2", goot.emd2, (a, b, M), {"log": True, "return_matrix": True}),
        ("emd2 multi-b", goot.emd2, (a, np.stack([b, b[::-1]], 1), M), {}),
        ("emd_1d", goot.emd_1d, (u, v), {}),
        ("emd2_1d", goot.emd2_1d, (u, v), {}),
        ("wasserstein_1d", goot.wasserstein_1d, (u, v), {"p": 2}),
        ("sinkhorn", goot.sinkhorn, (a, b, M, 0.5), {"log": True}),
        ("sinkhorn log", goot.sinkhorn, (a, b, M, 0.5), {"method": "sinkhorn_log"}),
        ("sinkhorn2", goot.sinkhorn2, (a, b, M, 0.5), {"log": True}),
        ("sns", goot.bregman.sinkhorn_newton_sparse, (a, b, M, 0.5), {}),
        ("greenkhorn", goot.bregman.greenkhorn, (a, b, M, 0.5), {}),
        ("empirical_sinkhorn", goot.bregman.empirical_sinkhorn, (X, Y, 1.0), {}),
        ("empirical_sinkhorn2", goot.bregman.empirical_sinkhorn2, (X, Y, 1.0), {}),
        (
            "empirical_sinkhorn_divergence",
            goot.bregman.empirical_sinkhorn_divergence,
            (X, Y, 1.0),
            {"log": True},
        ),
        ("barycenter", goot.barycenter, (A, Mb, 0.1), {}),
        ("barycenter_debiased", goot.bregman.barycenter_debiased, (A, Mb, 0.1), {}),
        (
            "convolutional_barycenter2d",
            goot.bregman.convolutional_barycenter2d,
            (imgs, 0.05),
            {},
        ),
        ("dist", goot.dist, (X, Y), {}),
        ("unif", goot.unif, (4,), {"type_as": X}),
        (
            "sliced",
            goot.sliced_wasserstein_distance,
            (X, Y),
            {"projections": P, "log": True},
        ),
        ("max_sliced", goot.max_sliced_wasserstein_distance, (X, Y), {"seed": 0}),
        (
            "sliced_sphere",
            goot.sliced_wasserstein_sphere,
            (sphere, sphere2),
            {"seed": 0},
        ),
        (
            "sliced_sphere_unif",
            goot.sliced_wasserstein_sphere_unif,
            (sphere,),
            {"seed": 0},
        ),
        ("bures_distance", goot.gaussian.bures_distance, (Cs, Ct), {}),
        ("bw_distance", goot.gaussian.bures_wasserstein_distance, (ms, mt, Cs, Ct), {}),
        ("bw_mapping", goot.gaussian.bures_wasserstein_mapping, (ms, mt, Cs, Ct), {}),
        (
            "empirical_bw",
            goot.gaussian.empirical_bures_wasserstein_distance,
            (X, Y),
            {},
        ),
        ("sqrtm", goot.gaussian.sqrtm, (Cs,), {}),
        ("gmm_ot_loss", goot.gmm.gmm_ot_loss, (gm, gm + 1, gC, gC, gw, gw[::-1]), {}),
        ("gmm_ot_plan", goot.gmm.gmm_ot_plan, (gm, gm + 1, gC, gC, gw, gw[::-1]), {}),
        ("gaussian_pdf", goot.gmm.gaussian_pdf, (X, ms, Cs), {}),
        ("sinkhorn_unbalanced", goot.sinkhorn_unbalanced, (a, b, M, 0.5, 1.0), {}),
        (
            "sinkhorn_unbalanced2",
            goot.sinkhorn_unbalanced2,
            (a, b, M, 0.5, 1.0),
            {"log": True},
        ),
        (
            "sinkhorn_unbalanced ti",
            goot.sinkhorn_unbalanced,
            (a, b, M, 0.5, 1.0),
            {"method": "sinkhorn_translation_invariant"},
        ),
        (
            "barycenter_unbalanced",
            goot.unbalanced.barycenter_unbalanced,
            (A, Mb, 0.1, 1.0),
            {},
        ),
        ("mm_unbalanced", goot.unbalanced.mm_unbalanced, (a, b, M, 1.0), {}),
        ("mm_unbalanced2", goot.unbalanced.mm_unbalanced2, (a, b, M, 1.0), {}),
        (
            "lbfgsb_unbalanced",
            goot.unbalanced.lbfgsb_unbalanced,
            (a, b, M, 0.5, 1.0),
            {},
        ),
        (
            "lbfgsb_unbalanced2",
            goot.unbalanced.lbfgsb_unbalanced2,
            (a, b, M, 0.5, 1.0),
            {},
        ),
        ("monge_gap", goot.monge_gap, (X, X + 0.1), {}),
        ("minibatch coupling", goot.minibatch.coupling, (X, Y), {}),
        (
            "gibbs_pair_weights",
            goot.minibatch.gibbs_pair_weights,
            (X, X + 0.1, 0.5),
            {},
        ),
    ]


CASES = _cases()


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_tensor_in_tensor_out(case):
    """Tensors in give the numpy result as tensors (float64 in, float64 out)."""
    _, fn, args, kwargs = case
    want = fn(*args, **kwargs)
    targs = [t(x) if isinstance(x, np.ndarray) else x for x in args]
    tkw = {k: t(x) if isinstance(x, np.ndarray) else x for k, x in kwargs.items()}
    got = fn(*targs, **tkw)
    assert_same_result(got, want)


# Functions that take tensors without the tensor_io wrapper (they convert
# themselves), and names that are not solvers.
_CONVERTS_ITSELF = {"monge_gap"}
_NOT_FUNCTIONS = {
    "GootError",
    "GootForkError",
    "InputError",
    "LazyPlan",
    "check_result",
}


def _public_functions():
    import inspect

    modules = [goot, goot.lp, goot.bregman, goot.unbalanced, goot.sliced]
    modules += [goot.gaussian, goot.gmm, goot.utils]
    for module in modules:
        for name in module.__all__:
            fn = getattr(module, name)
            if inspect.isfunction(fn) and name not in _NOT_FUNCTIONS:
                yield f"{module.__name__}.{name}", fn


@pytest.mark.parametrize("name,fn", list(_public_functions()))
def test_every_public_function_converts_tensors(name, fn):
    """The kind behind issue 7's first bullet: a new public function that
    forgets the tensor wrapper fails here, not in a user's training loop."""
    short = name.rsplit(".", 1)[1]
    assert hasattr(fn, "__wrapped__") or short in _CONVERTS_ITSELF, name


def test_a_function_without_gradients_says_so():
    a, b, M = problem(grad=True)
    with pytest.warns(UserWarning, match="mm_unbalanced2 gives no gradient.*M"):
        value = goot.unbalanced.mm_unbalanced2(a, b, M, 1.0)
    assert not value.requires_grad
    with torch.no_grad():  # nothing asked: nothing said
        goot.unbalanced.mm_unbalanced2(a, b, M, 1.0)
    B = torch.stack([b.detach(), b.detach()], 1)
    with pytest.warns(
        UserWarning, match="sinkhorn_unbalanced2 gives no gradient in a, M"
    ):
        goot.sinkhorn_unbalanced2(a, B, M, 0.5, 1.0)


def test_emd_plan_is_detached_silently_as_in_pot():
    import warnings

    a, b, M = problem(grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plan = goot.emd(a, b, M)
    assert not plan.requires_grad


def _float_leaves(x):
    if isinstance(x, torch.Tensor):
        return [x] if x.dtype.is_floating_point else []
    if isinstance(x, (list, tuple)):
        return [y for z in x for y in _float_leaves(z)]
    if isinstance(x, dict):
        return [y for z in x.values() for y in _float_leaves(z)]
    return []


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_float32_tensors_in_float32_tensors_out(case):
    """As POT's torch backend: float32 in, float32 out (every float output)."""
    _, fn, args, kwargs = case
    f32 = torch.float32
    targs = [t(x, f32) if isinstance(x, np.ndarray) else x for x in args]
    tkw = {k: t(x, f32) if isinstance(x, np.ndarray) else x for k, x in kwargs.items()}
    leaves = _float_leaves(fn(*targs, **tkw))
    assert leaves and all(x.dtype == f32 for x in leaves)


@pytest.mark.filterwarnings("ignore:Sinkhorn did not converge")  # POT in float32
@pytest.mark.parametrize(
    "fn, args",
    [
        (goot.emd, (0, 1, 2)),
        (goot.emd2, (0, 1, 2)),
        (goot.sinkhorn, (0, 1, 2, 0.5)),
        (goot.sinkhorn2, (0, 1, 2, 0.5)),
    ],
)
def test_float32_in_float32_out_as_pot(fn, args):
    """dtype and type as POT's torch backend gives them (float32 stays float32)."""
    a, b, M = problem(dtype=torch.float32)
    inputs = [(a, b, M)[x] if isinstance(x, int) else x for x in args]
    got = fn(*inputs)
    want = getattr(ot, fn.__name__)(*inputs)
    assert isinstance(got, torch.Tensor)
    assert got.dtype == want.dtype == torch.float32
    assert got.shape == want.shape
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-4, atol=1e-6)


def test_zero_copy_for_float64_contiguous_tensors():
    """A float64 contiguous tensor reaches the solver without a copy, and the
    plan comes back in the memory numpy allocated for it."""
    from goot import _backend, _core

    _, _, M = problem()
    arr = _core.as_float64(_backend.to_numpy(M), "M")
    assert np.shares_memory(arr, M.numpy())
    plan = goot.emd([], [], M)
    assert plan.dtype == F64 and plan.is_contiguous()


def test_inputs_are_not_modified():
    a, b, M = problem(grad=True)
    X, Y = clouds(grad=True)
    copies = [x.detach().clone() for x in (a, b, M, X, Y)]
    goot.emd2(a, b, M).backward()
    goot.sinkhorn2(a, b, M, 0.5).backward()
    goot.bregman.empirical_sinkhorn_divergence(X, Y, 1.0).backward()
    goot.sliced_wasserstein_distance(X, Y, seed=0).backward()
    for x, c in zip((a, b, M, X, Y), copies):
        assert torch.equal(x.detach(), c)


def test_mixing_numpy_and_torch_is_an_error():
    a, b, M = problem()
    goot.sinkhorn2(a, b, M, np.float64(0.5))  # a numpy scalar is no array
    with pytest.raises(ValueError, match="same type/backend"):
        goot.emd2(a.numpy(), b, M)
    with pytest.raises(ValueError, match="same type/backend"):
        goot.sinkhorn(a, b, M.numpy(), 1.0)


def test_other_devices_are_refused_naming_the_argument():
    a, b, M = problem()
    with pytest.raises(ValueError, match="M is a tensor on device 'meta'"):
        goot.emd2(a, b, M.to("meta"))
    with pytest.raises(ValueError, match="X_t is a tensor on device 'meta'"):
        goot.sliced_wasserstein_distance(M, M.to("meta"))


def test_bad_input_keeps_its_error():
    a, b, M = problem()
    with pytest.raises(ValueError, match="[Dd]imension"):
        goot.emd2(a[:-1], b, M)
    with pytest.raises(TypeError, match="M"):
        goot.emd2(a, b, M.to(torch.complex128))


def test_no_grad_gives_plain_tensors():
    a, b, M = problem(grad=True)
    with torch.no_grad():
        value = goot.emd2(a, b, M)
    assert isinstance(value, torch.Tensor) and not value.requires_grad
    plan = goot.emd(a, b, M)  # emd has no gradient, as in POT
    assert not plan.requires_grad


# ---------------------------------------------------------------------------
# emd2


def _grads(value, inputs):
    return torch.autograd.grad(value, inputs, allow_unused=True)


def test_emd2_gradients_match_pot_and_scale():
    """∂a = u − mean u, ∂b = v − mean v, ∂M = plan, times the incoming
    gradient (POT #309: the scale must propagate)."""
    for seed in range(3):
        a, b, M = problem(8, 6, seed, grad=True)
        got = _grads(3.0 * goot.emd2(a, b, M), (a, b, M))
        want = _grads(3.0 * ot.emd2(a, b, M), (a, b, M))
        for g, w in zip(got, want):
            np.testing.assert_allclose(g.numpy(), w.numpy(), atol=1e-12)


def test_emd2_gradcheck_in_M():
    """A generic random cost has a unique plan: emd2 is linear in M nearby."""
    a, b, M = problem(6, 5, 3)
    M.requires_grad_()
    assert torch.autograd.gradcheck(lambda M: goot.emd2(a, b, M), (M,))


def test_emd2_gradient_in_weights_is_a_directional_derivative():
    """Along a direction that keeps the mass, d emd2 = <∂a, d> (unique duals
    of a non-degenerate problem)."""
    a, b, M = problem(5, 4, 4, grad=True)
    da, db = _grads(goot.emd2(a, b, M), (a, b))
    a, b, M = a.detach(), b.detach(), M.detach()
    h = 1e-7
    rng = np.random.default_rng(0)
    for _ in range(3):
        d = rng.standard_normal(5)
        d -= d.mean()
        d = t(d)
        fd = (goot.emd2(a + h * d, b, M) - goot.emd2(a - h * d, b, M)) / (2 * h)
        assert float(fd) == pytest.approx(float(da @ d), rel=1e-5, abs=1e-9)
        e = t(rng.standard_normal(4))
        e = e - e.mean()
        fd = (goot.emd2(a, b + h * e, M) - goot.emd2(a, b - h * e, M)) / (2 * h)
        assert float(fd) == pytest.approx(float(db @ e), rel=1e-5, abs=1e-9)


def test_emd2_multiple_histograms():
    """With k columns in b, each value has the gradients of its own problem."""
    a, b, M = problem(6, 5, 5)
    _, b2, _ = problem(6, 5, 6)
    B = torch.stack([b, b2], 1).requires_grad_()
    A, C = a.clone().requires_grad_(), M.clone().requires_grad_()
    values = goot.emd2(A, B, C)
    assert isinstance(values, list) and len(values) == 2
    (values[0] + 2 * values[1]).backward()
    for c, w in ((0, 1.0), (1, 2.0)):
        a_, b_, M_ = a.clone().requires_grad_(), B[:, c].detach().clone(), M.clone()
        b_.requires_grad_()
        M_.requires_grad_()
        ga, gb, gM = _grads(w * goot.emd2(a_, b_, M_), (a_, b_, M_))
        np.testing.assert_allclose(B.grad[:, c].numpy(), gb.numpy(), atol=1e-12)
    one = [goot.emd2(a, B[:, c].detach(), M) for c in range(2)]
    np.testing.assert_allclose([v.item() for v in values], [v.item() for v in one])


def test_emd2_float32_gradients_keep_dtype():
    a, b, M = problem(dtype=torch.float32, grad=True)
    goot.emd2(a, b, M).backward()
    for x in (a, b, M):
        assert x.grad.dtype == torch.float32


# ---------------------------------------------------------------------------
# Sinkhorn: the gradients of the returned (linear) value, by implicit
# differentiation at the fixed point.


SINKHORN_METHODS = [
    "sinkhorn",
    "sinkhorn_log",
    "sinkhorn_stabilized",
    "sinkhorn_epsilon_scaling",
    "greenkhorn",
    "sns",
]


def _centred(g):
    return g - g.mean()


@pytest.mark.parametrize("method", SINKHORN_METHODS)
def test_sinkhorn2_gradients_match_pot_autodiff(method):
    """POT's torch backend differentiates sinkhorn2 by unrolling its
    iterations; run to convergence, that is the gradient goot computes by one
    adjoint solve (in a and b up to a constant: they live on the simplex)."""
    reg = 0.3
    a, b, M = problem(7, 5, 1, grad=True)
    value = goot.sinkhorn2(a, b, M, reg, method=method, stopThr=1e-13, numItermax=10**5)
    got = _grads(2.0 * value, (a, b, M))
    pot = ot.sinkhorn2(a, b, M, reg, method="sinkhorn_log", stopThr=1e-13,
                       numItermax=10**5)  # fmt: skip
    want = _grads(2.0 * pot, (a, b, M))
    np.testing.assert_allclose(got[2].numpy(), want[2].numpy(), atol=1e-8)
    for g, w in zip(got[:2], want[:2]):
        np.testing.assert_allclose(_centred(g).numpy(), _centred(w).numpy(), atol=1e-8)


@pytest.mark.parametrize("method", ["sinkhorn", "sinkhorn_log", "sinkhorn_stabilized"])
def test_sinkhorn2_gradcheck(method):
    reg = 0.5
    a, b, M = problem(5, 4, 2)
    M.requires_grad_()

    def value(M):
        return goot.sinkhorn2(a, b, M, reg, method=method, stopThr=1e-14,
                              numItermax=100000)  # fmt: skip

    assert torch.autograd.gradcheck(value, (M,), atol=1e-6)


def test_sinkhorn2_gradients_with_zero_weight_bins_and_n_below_m():
    reg = 0.4
    rng = np.random.default_rng(11)
    a = np.array([0.3, 0.0, 0.7])
    b = np.array([0.2, 0.2, 0.0, 0.3, 0.3])
    M = t(rng.random((3, 5)), grad=True)
    value = goot.sinkhorn2(t(a), t(b), M, reg, stopThr=1e-14, numItermax=100000)
    (gM,) = _grads(value, (M,))
    pot = ot.sinkhorn2(t(a), t(b), M, reg, method="sinkhorn_log", stopThr=1e-14,
                       numItermax=100000)  # fmt: skip
    (wM,) = _grads(pot, (M,))
    np.testing.assert_allclose(gM.numpy(), wM.numpy(), atol=1e-8)


@pytest.mark.parametrize("method", SINKHORN_METHODS)
def test_sinkhorn_plan_gradients_match_pot_autodiff(method):
    """The plan's vector-Jacobian product (one adjoint solve) against POT's
    torch backend, which unrolls sinkhorn_log's iterations to convergence."""
    reg = 0.3
    W = t(np.random.default_rng(5).standard_normal((7, 5)))
    a, b, M = problem(7, 5, 4, grad=True)
    P = goot.sinkhorn(a, b, M, reg, method=method, stopThr=1e-13, numItermax=10**5)
    got = _grads((P * W).sum(), (a, b, M))
    Q = ot.sinkhorn(a, b, M, reg, method="sinkhorn_log", stopThr=1e-13,
                    numItermax=10**5)  # fmt: skip
    want = _grads((Q * W).sum(), (a, b, M))
    np.testing.assert_allclose(got[2].numpy(), want[2].numpy(), atol=1e-9)
    for g, w in zip(got[:2], want[:2]):
        np.testing.assert_allclose(_centred(g).numpy(), _centred(w).numpy(), atol=1e-9)


@pytest.mark.parametrize(
    "fn", [goot.bregman.sinkhorn_knopp, goot.bregman.sinkhorn_log, goot.sinkhorn]
)
def test_sinkhorn_plan_gradcheck(fn):
    a, b, M = problem(5, 4, 6)
    W = t(np.random.default_rng(6).standard_normal((5, 4)))
    M.requires_grad_()

    def loss(M):
        return (fn(a, b, M, 0.5, stopThr=1e-14, numItermax=100000) * W).sum()

    assert torch.autograd.gradcheck(loss, (M,), atol=1e-6)


def test_sinkhorn_plan_with_log_and_several_histograms():
    a, b, M = problem(5, 4, 7, grad=True)
    P, log = goot.bregman.sinkhorn_log(a, b, M, 0.5, log=True)
    assert isinstance(log["log_u"], torch.Tensor)
    P.sum().backward()  # P sums to 1 whatever M: no gradient in M
    np.testing.assert_allclose(M.grad.numpy(), 0.0, atol=1e-9)
    B = torch.stack([b.detach(), b.detach()], 1)
    with pytest.warns(UserWarning, match="gives no gradient in a, M"):
        goot.sinkhorn(a, B, M, 0.5)


def test_sinkhorn2_weight_gradient_is_a_directional_derivative():
    reg = 0.5
    a, b, M = problem(5, 4, 2, grad=True)
    da, db = _grads(goot.sinkhorn2(a, b, M, reg, stopThr=1e-14), (a, b))

    a, b = a.detach(), b.detach()

    def objective(a, b):
        return float(goot.sinkhorn2(a, b, M.detach(), reg, stopThr=1e-14))

    h = 1e-6
    d = t([1.0, -1.0, 0.5, -0.25, -0.25])
    fd = (objective(a + h * d, b) - objective(a - h * d, b)) / (2 * h)
    assert fd == pytest.approx(float(da @ d), rel=1e-5)
    e = t([0.5, -1.0, 0.25, 0.25])
    fd = (objective(a, b + h * e) - objective(a, b - h * e)) / (2 * h)
    assert fd == pytest.approx(float(db @ e), rel=1e-5)


def test_sinkhorn2_multiple_histograms():
    reg = 0.5
    a, b, M = problem(5, 4, 2)
    _, b2, _ = problem(5, 4, 3)
    B = torch.stack([b, b2], 1).requires_grad_()
    A, C = a.clone().requires_grad_(), M.clone().requires_grad_()
    values = goot.sinkhorn2(A, B, C, reg, stopThr=1e-13)
    assert values.shape == (2,)
    (values * t([1.0, 3.0])).sum().backward()
    gM = sum(
        w * _grads(goot.sinkhorn2(a, B[:, c].detach(), C, reg, stopThr=1e-13), C)[0]
        for c, w in ((0, 1.0), (1, 3.0))
    )
    np.testing.assert_allclose(C.grad.numpy(), gM.numpy(), atol=1e-10)


@pytest.mark.parametrize("metric", ["sqeuclidean", "euclidean"])
def test_empirical_sinkhorn2_gradients_match_pot(metric):
    X, Y = clouds(grad=True)
    got = _grads(goot.bregman.empirical_sinkhorn2(X, Y, 1.0, metric=metric,
                                                  stopThr=1e-13), (X, Y))  # fmt: skip
    want = _grads(ot.bregman.empirical_sinkhorn2(X, Y, 1.0, metric=metric,
                                                 stopThr=1e-13), (X, Y))  # fmt: skip
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.numpy(), w.numpy(), atol=1e-8)


def test_b23_divergence_gradient_of_the_linear_value():
    """Reported case B23: the debiased divergence of linear values on torch
    tensors, its value and its gradient in X_s (central differences)."""
    case = load_cases()["B23"]
    rng = np.random.RandomState(0)
    Xs = t(rng.randn(10, 2), grad=True)
    Xt = t(rng.randn(12, 2) + 0.5)
    S = goot.bregman.empirical_sinkhorn_divergence(Xs, Xt, 1.0, stopThr=1e-13,
                                                   numIterMax=100000)  # fmt: skip
    expected = case["expected"]
    assert S.item() == pytest.approx(expected["value"], rel=expected["rtol"])
    S.backward()
    np.testing.assert_allclose(
        Xs.grad.numpy(), np.array(expected["gradient_wrt_Xs"]),
        atol=expected["grad_atol"],
    )  # fmt: skip


def test_sinkhorn_divergence_gradcheck():
    """The debiased divergence of the entropic objectives (value="regularized")
    is smooth, and its envelope gradients are exact at convergence."""
    X, Y = clouds(5, 4, grad=True)
    a = t(np.random.default_rng(3).random(5))
    a = (a / a.sum()).requires_grad_()

    def divergence(X, Y):
        return goot.bregman.empirical_sinkhorn_divergence(
            X, Y, 0.7, a=a.detach(), value="regularized", stopThr=1e-14,
            numIterMax=100000,
        )  # fmt: skip

    assert torch.autograd.gradcheck(divergence, (X, Y), atol=1e-6)
    S = goot.bregman.empirical_sinkhorn_divergence(X, X.detach(), 0.7)
    assert S.item() == 0.0


@pytest.mark.parametrize("metric", ["sqeuclidean", "euclidean"])
def test_lazy_gradients_equal_the_dense_ones(metric):
    """isLazy=True rebuilds the plan by blocks: same values; the same
    gradients for the regularized divergence (envelope gradients, exact), and
    for the linear value the envelope ones (goot does not solve the implicit
    system on lazy plans yet)."""
    X, Y = clouds(9, 7, 2, seed=8, grad=True)
    options = dict(metric=metric, stopThr=1e-13, numIterMax=100000)
    fn = goot.bregman.empirical_sinkhorn_divergence
    dense = fn(X, Y, 0.8, value="regularized", **options)
    lazy = fn(X, Y, 0.8, value="regularized", isLazy=True, batchSize=3, **options)
    assert lazy.item() == pytest.approx(dense.item(), rel=1e-9)
    for g, w in zip(_grads(lazy, (X, Y)), _grads(dense, (X, Y))):
        np.testing.assert_allclose(g.numpy(), w.numpy(), atol=1e-9)
    lazy = goot.bregman.empirical_sinkhorn2(X, Y, 0.8, isLazy=True, batchSize=3,
                                            **options)  # fmt: skip
    P = goot.bregman.empirical_sinkhorn(X.detach(), Y.detach(), 0.8, **options)
    D = ((X[:, None] - Y[None]) ** 2).sum(-1)
    D = D if metric == "sqeuclidean" else D.sqrt()
    for g, w in zip(_grads(lazy, (X, Y)), _grads((P * D).sum(), (X, Y))):
        np.testing.assert_allclose(g.numpy(), w.numpy(), atol=1e-9)


# ---------------------------------------------------------------------------
# 1-D and sliced: through the sorted matchings.


@pytest.mark.filterwarnings("ignore:The use of `x.T`")  # inside POT
@pytest.mark.parametrize("p", [1, 1.5, 2, 3])
def test_wasserstein_1d_gradients_match_pot(p):
    rng = np.random.default_rng(int(p * 10))
    u, v = rng.standard_normal(9), rng.standard_normal(7)
    wu, wv = rng.random(9), rng.random(7)
    inputs = [t(x, grad=True) for x in (u, v, wu / wu.sum(), wv / wv.sum())]
    got = _grads(2.0 * goot.wasserstein_1d(*inputs, p=p), inputs)
    want = _grads(2.0 * ot.wasserstein_1d(*inputs, p=p), inputs)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.numpy(), w.numpy(), atol=1e-12)


def test_wasserstein_1d_batched_gradients_match_pot():
    rng = np.random.default_rng(7)
    U, V = t(rng.standard_normal((8, 3)), grad=True), t(rng.standard_normal((5, 3)))
    V.requires_grad_()
    w = rng.random(8)
    wu = t(w / w.sum(), grad=True)
    scale = t([1.0, -2.0, 0.5])
    got = _grads((goot.wasserstein_1d(U, V, wu, p=2) * scale).sum(), (U, V, wu))
    want = _grads((ot.wasserstein_1d(U, V, wu, p=2) * scale).sum(), (U, V, wu))
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.numpy(), w.numpy(), atol=1e-12)


@pytest.mark.parametrize("p", [1, 2])
def test_wasserstein_1d_gradcheck_in_values(p):
    """Away from ties, W_p^p is smooth in the values (p = 1: piecewise linear)."""
    rng = np.random.default_rng(11)
    u, v = t(rng.standard_normal(6), grad=True), t(rng.standard_normal(4), grad=True)
    wv = t(rng.dirichlet(np.ones(4)))
    assert torch.autograd.gradcheck(
        lambda u, v: goot.wasserstein_1d(u, v, None, wv, p=p), (u, v)
    )


@pytest.mark.parametrize(
    "name", ["sliced_wasserstein_distance", "max_sliced_wasserstein_distance"]
)
def test_sliced_gradients_match_pot(name):
    """Given the same directions, the gradients are POT's."""
    X, Y = clouds(9, 7, 3, seed=1, grad=True)
    rng = np.random.default_rng(2)
    P = rng.standard_normal((3, 12))
    P = t(P / np.linalg.norm(P, axis=0))
    a = t(rng.dirichlet(np.ones(9)), grad=True)
    for p in (1, 2):
        inputs = (X, Y, a)
        got = _grads(getattr(goot, name)(X, Y, a, projections=P, p=p), inputs)
        want = _grads(getattr(ot, name)(X, Y, a, projections=P, p=p), inputs)
        for g, w in zip(got, want):
            np.testing.assert_allclose(g.numpy(), w.numpy(), atol=1e-12)


def test_sliced_gradcheck():
    X, Y = clouds(6, 5, 2, seed=4, grad=True)
    P = np.random.default_rng(5).standard_normal((2, 8))
    P = t(P / np.linalg.norm(P, axis=0))
    assert torch.autograd.gradcheck(
        lambda X, Y: goot.sliced_wasserstein_distance(X, Y, projections=P), (X, Y)
    )


# ---------------------------------------------------------------------------
# Gaussians.


def test_bures_wasserstein_gradients_match_pot():
    ms, mt = t([0.3, -1.0, 0.5], grad=True), t([1.0, 0.0, -0.5], grad=True)
    Cs, Ct = t(spd(3, 0), grad=True), t(spd(3, 1), grad=True)
    inputs = (ms, mt, Cs, Ct)
    got = _grads(2.0 * goot.gaussian.bures_wasserstein_distance(*inputs), inputs)
    want = _grads(2.0 * ot.gaussian.bures_wasserstein_distance(*inputs)[0], inputs)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.numpy(), w.numpy(), atol=1e-10)


@pytest.mark.parametrize("paired", [False, True])
def test_batched_bures_wasserstein_gradients_match_pot(paired):
    """All pairs (n, m) or the paired ones (n,): POT's torch gradients."""
    rng = np.random.default_rng(14)
    n, m = (2, 2) if paired else (3, 2)
    base = [
        rng.standard_normal((n, 2)),
        rng.standard_normal((m, 2)),
        np.stack([spd(2, 20 + i) for i in range(n)]),
        np.stack([spd(2, 30 + i) for i in range(m)]),
    ]
    grads = []
    for lib in (goot, ot):
        inputs = [t(x, grad=True) for x in base]
        W = lib.gaussian.bures_wasserstein_distance(*inputs, paired=paired)
        weights = torch.arange(1.0, W.numel() + 1, dtype=F64).reshape(W.shape)
        grads.append(_grads((W * weights).sum(), inputs))
    for g, w in zip(*grads):
        np.testing.assert_allclose(g.numpy(), w.numpy(), atol=1e-10)


def test_bures_wasserstein_gradcheck_on_spd_matrices():
    """Through a symmetric parametrisation C = L Lᵀ + I, so every perturbation
    gradcheck makes stays symmetric positive definite."""
    rng = np.random.default_rng(9)
    Ls, Lt = t(rng.standard_normal((3, 3)), grad=True), t(rng.standard_normal((3, 3)))
    Lt.requires_grad_()
    ms, mt = t(rng.standard_normal(3), grad=True), t(rng.standard_normal(3))
    eye = torch.eye(3, dtype=F64)

    def distance(ms, Ls, Lt):
        return goot.gaussian.bures_wasserstein_distance(
            ms, mt, Ls @ Ls.T + eye, Lt @ Lt.T + eye
        )

    assert torch.autograd.gradcheck(distance, (ms, Ls, Lt))


# ---------------------------------------------------------------------------
# dist: the cost matrix carries gradients to the points.


@pytest.mark.parametrize("metric", ["sqeuclidean", "euclidean"])
def test_dist_gradcheck(metric):
    X, Y = clouds(5, 4, 3, seed=6, grad=True)
    assert torch.autograd.gradcheck(lambda X, Y: goot.dist(X, Y, metric=metric), (X, Y))
    assert torch.autograd.gradcheck(lambda X: goot.dist(X, metric=metric), (X,))


def test_emd2_through_dist_matches_pot():
    """The usual training loss: exact OT between a batch and its targets."""
    X, Y = clouds(8, 8, 2, seed=7, grad=True)
    got = _grads(goot.emd2([], [], goot.dist(X, Y)), (X, Y))
    want = _grads(ot.emd2([], [], ot.dist(X, Y)), (X, Y))
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.numpy(), w.numpy(), atol=1e-12)


def test_dist_gradients_for_other_metrics_are_refused_clearly():
    X, Y = clouds(grad=True)
    with pytest.raises(NotImplementedError, match="cityblock"):
        goot.dist(X, Y, metric="cityblock")
    assert goot.dist(X.detach(), Y.detach(), metric="cityblock").shape == (7, 6)


@pytest.mark.filterwarnings("ignore:The use of `x.T`")  # inside POT
@pytest.mark.parametrize("bias", [True, False])
def test_empirical_bures_wasserstein_gradients(bias):
    """Through the weighted mean and covariance to the samples: POT's torch
    gradients, and gradcheck."""
    rng = np.random.default_rng(12)
    xs, xt = t(rng.standard_normal((12, 3)), grad=True), t(rng.standard_normal((9, 3)))
    xt.requires_grad_()
    ws = t(rng.random((12, 1)))

    def distance(xs, xt, lib=goot):
        W = lib.gaussian.empirical_bures_wasserstein_distance(xs, xt, ws=ws, bias=bias)
        return W.reshape(())

    got = _grads(2.0 * distance(xs, xt), (xs, xt))
    want = _grads(2.0 * distance(xs, xt, ot), (xs, xt))
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.numpy(), w.numpy(), atol=1e-12)
    assert torch.autograd.gradcheck(distance, (xs, xt))


@pytest.mark.parametrize("unbiased", [True, False])
def test_gaussian_w2_from_samples_gradcheck(unbiased):
    """Through the sample means and covariances (n > d; and n < d with reg)."""
    rng = np.random.default_rng(13)
    X, Y = t(rng.standard_normal((10, 3)), grad=True), t(rng.standard_normal((8, 3)))
    Y = (1.5 * Y + 1).detach().requires_grad_()

    def w2(X, Y, reg=0.0):
        return goot.gaussian.gaussian_w2_from_samples(X, Y, unbiased=unbiased, reg=reg)

    assert torch.autograd.gradcheck(w2, (X, Y))
    Xs, Ys = X[:3].detach().T.contiguous(), Y[:3].detach().T.contiguous()
    Xs.requires_grad_()
    assert torch.autograd.gradcheck(lambda X: w2(X, Ys, 0.1), (Xs,))
    with pytest.raises(NotImplementedError, match="reg > 0"):
        w2(Xs, Ys)


# ---------------------------------------------------------------------------
# Unbalanced Sinkhorn: gradients in M by the adjoint of the KL-relaxed
# optimality conditions.

UNBALANCED_CASES = [
    (method, reg_m, reg_type)
    for method in ("sinkhorn", "sinkhorn_stabilized", "sinkhorn_translation_invariant")
    for reg_m in (1.0, (0.5, 2.0), (float("inf"), 1.0))
    for reg_type in ("kl", "entropy")
    if not (method == "sinkhorn_translation_invariant" and reg_m == (0.5, 2.0))
]


@pytest.mark.parametrize("method,reg_m,reg_type", UNBALANCED_CASES)
@pytest.mark.parametrize("returnCost", ["linear", "total"])
def test_unbalanced_gradients_match_pot_autodiff(method, reg_m, reg_type, returnCost):
    """Plan (vector-Jacobian product) and cost, in M, a and b. POT's total
    cost has no mass terms in its KL, so the plan is not its gradient."""
    rng = np.random.default_rng(12)
    a0, b0 = rng.random(7), rng.random(5)
    a0, b0 = a0 / a0.sum(), b0 / (0.7 * b0.sum())
    M0, W = rng.random((7, 5)), t(rng.standard_normal((7, 5)))
    options = dict(reg_type=reg_type, stopThr=1e-14, numItermax=100000)
    grads = []
    for lib, meth in ((goot, method), (ot, "sinkhorn")):
        inputs = [t(x, grad=True) for x in (a0, b0, M0)]
        P = lib.sinkhorn_unbalanced(*inputs, 0.3, reg_m, method=meth, **options)
        gP = _grads((P * W).sum(), inputs)
        inputs = [t(x, grad=True) for x in (a0, b0, M0)]
        loss = lib.sinkhorn_unbalanced2(
            *inputs, 0.3, reg_m, method=meth, returnCost=returnCost, **options
        )
        grads.append((*gP, *_grads(loss, inputs)))
    for g, w in zip(*grads):
        np.testing.assert_allclose(g.numpy(), w.numpy(), atol=1e-9)


def test_unbalanced_translation_invariant_asymmetric_gives_no_gradient():
    a, b, M = problem(5, 4, 10)
    M.requires_grad_()
    with pytest.warns(UserWarning, match="no gradient in M"):
        value = goot.sinkhorn_unbalanced2(
            a, b, M, 0.4, (0.5, 2.0), method="sinkhorn_translation_invariant"
        )
    assert not value.requires_grad
