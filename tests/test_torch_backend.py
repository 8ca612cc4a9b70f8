"""goot._backend: tensors in and out, and POT's set_gradients convention."""

from __future__ import annotations

import numpy as np
import pytest

from goot import _backend as B

torch = pytest.importorskip("torch")  # required in CI: see test_torch_required.py


def test_is_tensor():
    assert B.is_tensor(torch.ones(2))
    assert B.is_tensor(torch.tensor(1.0))
    assert not B.is_tensor(np.ones(2))
    assert not B.is_tensor([1.0])
    assert not B.is_tensor(None)


def test_to_numpy_shares_memory_and_keeps_dtype():
    for dtype in (torch.float64, torch.float32, torch.int64):
        t = torch.arange(6, dtype=dtype).reshape(2, 3)
        a = B.to_numpy(t)
        assert isinstance(a, np.ndarray)
        assert a.dtype == np.dtype(str(dtype).removeprefix("torch."))
        assert np.shares_memory(a, t.numpy())
        np.testing.assert_array_equal(a, t.numpy())


def test_to_numpy_detaches_and_handles_views():
    t = torch.arange(6.0, dtype=torch.float64, requires_grad=True)
    a = B.to_numpy(t)
    np.testing.assert_array_equal(a, np.arange(6.0))
    u = torch.arange(6.0, dtype=torch.float64).reshape(2, 3).T
    np.testing.assert_array_equal(B.to_numpy(u), np.arange(6.0).reshape(2, 3).T)
    n = torch.neg(torch.ones(3, dtype=torch.complex128).conj()).real
    np.testing.assert_array_equal(B.to_numpy(n), -np.ones(3))
    bf = torch.ones(3, dtype=torch.bfloat16)
    assert B.to_numpy(bf).dtype == np.float32


def test_to_numpy_leaves_other_types():
    x = np.ones(3)
    assert B.to_numpy(x) is x
    assert B.to_numpy([1, 2]) == [1, 2]
    assert B.to_numpy(None) is None


def test_to_numpy_refuses_other_devices():
    t = torch.ones(3, device="meta")
    with pytest.raises(ValueError, match="M is a tensor on device 'meta'"):
        B.to_numpy(t, "M")


def test_from_numpy():
    like32 = torch.ones(2, dtype=torch.float32)
    like64 = torch.ones(2, dtype=torch.float64)
    arr = np.arange(3.0)
    t = B.from_numpy(arr, like64)
    assert t.dtype == torch.float64
    assert np.shares_memory(t.numpy(), arr)
    t = B.from_numpy(arr, like32)
    assert t.dtype == torch.float32
    np.testing.assert_array_equal(t.numpy(), arr)
    assert B.from_numpy(arr, like32, dtype=torch.float64).dtype == torch.float64
    assert B.from_numpy(np.arange(3), like32).dtype == torch.int64
    s = B.from_numpy(1.5, like64)
    assert s.ndim == 0 and float(s) == 1.5
    assert B.from_numpy(arr[::-1], like64).tolist() == [2.0, 1.0, 0.0]
    int_like = torch.ones(2, dtype=torch.int64)
    assert B.from_numpy(arr, int_like).dtype == torch.float64


def test_from_numpy_leaves_numpy():
    arr = np.arange(3.0)
    assert B.from_numpy(arr, np.ones(2)) is arr
    assert B.from_numpy(1.5, None) == 1.5


def test_check_same_backend():
    B.check_same_backend(np.ones(2), None, [1.0], np.ones(3))
    B.check_same_backend(torch.ones(2), None, [1.0], torch.ones(3))
    with pytest.raises(ValueError, match="same type/backend"):
        B.check_same_backend(torch.ones(2), np.ones(2))
    with pytest.raises(ValueError, match="same type/backend"):
        B.check_same_backend(np.ones(2), None, torch.ones(2))


def test_set_gradients_scales_by_grad_output():
    """POT #309: backward must multiply the stored gradient by grad_output."""
    x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    y = torch.tensor([[3.0]], dtype=torch.float64, requires_grad=True)
    value = B.set_gradients(5.0, (x, y), (np.array([0.5, -1.0]), np.array([[2.0]])))
    assert value.ndim == 0 and value.dtype == torch.float64
    assert value.item() == 5.0
    (3 * value).backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.5, -3.0])
    np.testing.assert_allclose(y.grad.numpy(), [[6.0]])


def test_set_gradients_dtype_and_untracked_inputs():
    x = torch.ones(2, dtype=torch.float32, requires_grad=True)
    z = torch.ones(2, dtype=torch.float32)  # no gradient wanted
    value = B.set_gradients(
        np.float64(2.0), (z, x, None), (np.ones(2), 2 * np.ones(2), None)
    )
    assert value.dtype == torch.float32
    value.backward()
    assert x.grad.dtype == torch.float32
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])
    assert z.grad is None
    plain = B.set_gradients(1.0, (z,), (np.ones(2),))
    assert not plain.requires_grad


def test_set_gradients_vector_value():
    """A vector value takes Jacobians, contracted with grad_output."""
    x = torch.ones(3, dtype=torch.float64, requires_grad=True)
    J = np.arange(6.0).reshape(2, 3)
    value = B.set_gradients(np.array([1.0, 2.0]), (x,), (J,))
    assert value.shape == (2,)
    (value * torch.tensor([1.0, 10.0], dtype=torch.float64)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), J[0] + 10 * J[1])


def test_set_gradients_gradcheck():
    """The stored gradient of a linear function is its exact gradient."""
    w = np.array([0.3, -1.2, 2.0])

    def f(x):
        v = float(w @ x.detach().numpy())
        return B.set_gradients(v, (x,), (w,))

    x = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(f, (x,))


def test_set_gradients_shape_mismatch():
    x = torch.ones(3, dtype=torch.float64, requires_grad=True)
    with pytest.raises(ValueError, match="gradient of shape"):
        B.set_gradients(1.0, (x,), (np.ones(2),))


def test_set_gradients_vector_jacobian_product():
    """A callable gradient receives grad_output and returns the input's grad."""
    x = torch.ones(3, dtype=torch.float32, requires_grad=True)
    seen = []

    def vjp(grad_output):
        seen.append(grad_output)
        return np.full(3, grad_output.sum())

    value = B.set_gradients(np.array([1.0, 2.0]), (x,), (vjp,))
    (value * torch.tensor([2.0, 5.0])).sum().backward()
    assert seen[0].dtype == np.float64
    np.testing.assert_array_equal(seen[0], [2.0, 5.0])
    assert x.grad.dtype == torch.float32
    np.testing.assert_array_equal(x.grad.numpy(), [7.0, 7.0, 7.0])
