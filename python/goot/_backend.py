"""PyTorch tensors in and out, with gradients, without importing torch.

goot's solvers read and write float64 numpy buffers. This module is the one
place that knows about ``torch.Tensor``:

- `is_tensor` recognises a tensor by looking for torch in ``sys.modules``: a
  caller who holds a tensor has imported torch already, so goot never needs to
  import it (``import goot`` stays torch-free, and so does any call on numpy);
- `to_numpy` / `from_numpy` cross between the two, sharing memory where the
  dtypes allow it (a CPU float64 contiguous tensor is never copied);
- `check_same_backend` refuses numpy arrays mixed with tensors, as POT does;
- `set_gradients` attaches gradients computed by goot (duals, plans, sorted
  matchings) to a value, as POT's ``nx.set_gradients``: the backward pass
  returns ``grad_output * g`` for each input, so upstream scaling propagates
  (the bug of POT #309, fixed in #364);
- `tensor_io` is the decorator every public function of goot wears: tensors in,
  tensors out, and, through a per-function hook, POT's gradients.

Only CPU tensors are accepted: goot computes on the CPU and this module does not
move data between devices behind the caller's back.
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np

from ._warnings import user_warning

__all__ = [
    "is_tensor",
    "to_numpy",
    "from_numpy",
    "check_same_backend",
    "set_gradients",
    "first_tensor",
    "tensor_io",
]

F = TypeVar("F", bound=Callable[..., Any])


def _torch() -> Any:
    """The torch module if the caller has imported it, else None."""
    return sys.modules.get("torch")


def is_tensor(x: Any) -> bool:
    """True when `x` is a ``torch.Tensor`` (never imports torch)."""
    torch = _torch()
    return torch is not None and isinstance(x, torch.Tensor)


def first_tensor(*xs: Any) -> Any:
    """The first tensor among `xs`, or None when there is none."""
    torch = _torch()
    if torch is None:
        return None
    for x in xs:
        if isinstance(x, torch.Tensor):
            return x
    return None


def to_numpy(x: Any, name: str = "input") -> Any:
    """A tensor as a numpy array (detached, same dtype); anything else unchanged.

    A CPU tensor shares its memory with the array (no copy, whatever its
    strides); the array must therefore not be written to. bfloat16, which numpy
    lacks, becomes float32. A tensor on another device raises a ValueError
    naming the argument `name`.
    """
    if not is_tensor(x):
        return x
    if x.device.type != "cpu":
        raise ValueError(
            f"{name} is a tensor on device '{x.device}': goot computes on the "
            f"CPU only; move it with {name}.cpu() (and the result back with "
            ".to(device))"
        )
    if x.layout is not _torch().strided:
        raise TypeError(f"{name} must be a dense tensor, got layout {x.layout}")
    t = x.detach()
    if t.is_neg():
        t = t.resolve_neg()
    if t.is_conj():
        t = t.resolve_conj()
    if t.dtype is _torch().bfloat16:
        t = t.float()
    return t.numpy()


def from_numpy(arr: Any, like: Any, dtype: Any = None) -> Any:
    """`arr` as a tensor on the device of `like` when `like` is a tensor.

    The tensor has dtype `dtype` when given, else the dtype of `like` if that is
    a floating dtype, else float64. Integer and boolean arrays (indices, masks)
    keep their own dtype. The memory of `arr` is shared when the dtypes agree
    and `like` is on the CPU. Python and numpy scalars become 0-d tensors.

    When `like` is not a tensor, `arr` is returned unchanged (numpy stays
    numpy; scalars stay what goot returns for numpy input).
    """
    if not is_tensor(like) or arr is None:
        return arr
    torch = _torch()
    if is_tensor(arr):
        return arr
    a = np.asarray(arr)
    if a.dtype.kind in "biu":
        target = None
    elif dtype is not None:
        target = dtype
    elif like.dtype.is_floating_point:
        target = like.dtype
    else:
        target = torch.float64
    # torch.from_numpy shares memory but refuses negative strides and warns on
    # read-only arrays: copy those two rare cases.
    if not a.flags.writeable or any(s < 0 for s in a.strides):
        a = a.copy()
    t = torch.from_numpy(a)
    return t.to(device=like.device, dtype=target)


def check_same_backend(*xs: Any) -> None:
    """Raise a ValueError when numpy arrays and tensors are mixed (None,
    Python and numpy scalars and lists are ignored: goot converts them either
    way, and a numpy scalar ``reg`` next to tensors is common)."""
    torch = _torch()
    if torch is None:
        return
    tensors = [x for x in xs if isinstance(x, torch.Tensor)]
    arrays = [x for x in xs if isinstance(x, np.ndarray)]
    if tensors and arrays:
        kinds = sorted(
            {type(x).__module__ + "." + type(x).__name__ for x in tensors + arrays}
        )
        raise ValueError(
            "All arrays should be from the same type/backend (all numpy or all "
            f"torch.Tensor). Current types are: {', '.join(kinds)}"
        )


def set_gradients(
    value: Any, inputs: Sequence[Any], grads: Sequence[Any], dtype: Any = None
) -> Any:
    """`value` as a tensor whose backward pass gives ``grad_output * g`` to each
    input, as POT's ``nx.set_gradients``.

    Parameters
    ----------
    value : float, numpy scalar or array
        The forward value (a scalar, or e.g. one cost per target histogram).
    inputs : sequence of tensors (or None)
        The tensors the value depends on; those that do not require a gradient
        are skipped, and None entries are ignored.
    grads : sequence of numpy arrays (or None), one per input
        The gradient of `value` with respect to each input: of the input's shape
        when `value` is a scalar, else of shape ``value.shape + input.shape``
        (a Jacobian, contracted with ``grad_output`` in the backward pass).
        A callable instead is a vector-Jacobian product: given ``grad_output``
        as a float64 numpy array it returns the input's gradient (for values
        whose Jacobian is too large to store, e.g. block-diagonal ones).

    dtype : torch.dtype, optional
        The dtype of the result; by default that of the first tensor input.

    Returns
    -------
    torch.Tensor
        `value` with the dtype and device of the first tensor input, detached
        from any graph unless some input requires a gradient.
    """
    like = first_tensor(*inputs)
    if like is None:
        return value
    torch = _torch()
    out = from_numpy(np.asarray(value, dtype=np.float64), like, dtype)
    tracked = [
        (x, g)
        for x, g in zip(inputs, grads, strict=True)
        if is_tensor(x) and x.requires_grad and g is not None
    ]
    if not tracked or not torch.is_grad_enabled():
        return out
    tensors = tuple(x for x, _ in tracked)
    jacobians = tuple(_jacobian(g, x, out.shape) for x, g in tracked)
    return _value_function().apply(out, jacobians, *tensors)


def _jacobian(g: Any, x: Any, value_shape: Any) -> Any:
    """A gradient for `set_gradients`: a tensor like `x`, or a callable that
    maps grad_output (numpy) to one."""
    if callable(g):
        return lambda grad_output: from_numpy(
            np.asarray(g(grad_output), dtype=np.float64), x, dtype=x.dtype
        )
    j = from_numpy(g, x, dtype=x.dtype)
    if tuple(j.shape) != tuple(value_shape) + tuple(x.shape):
        raise ValueError(
            f"set_gradients: gradient of shape {tuple(j.shape)} for an input "
            f"of shape {tuple(x.shape)} and a value of shape {tuple(value_shape)}"
        )
    return j


@functools.cache
def _value_function() -> Any:
    """The autograd Function behind `set_gradients` (torch imported by then)."""
    import torch
    from torch.autograd.function import once_differentiable

    class GootValue(torch.autograd.Function):
        """A precomputed value with precomputed gradients (vector-Jacobian
        product: ``grad_output`` contracted with each Jacobian)."""

        @staticmethod
        def forward(ctx: Any, value: Any, jacobians: Any, *inputs: Any) -> Any:
            ctx.jacobians = jacobians
            return value.clone()

        @staticmethod
        @once_differentiable
        def backward(ctx: Any, grad_output: Any) -> Any:
            dims = grad_output.ndim
            grads = tuple(
                j(grad_output.detach().cpu().double().numpy())
                if callable(j)
                else torch.tensordot(grad_output.to(j.dtype), j, dims=dims)
                for j in ctx.jacobians
            )
            return (None, None, *grads)

    return GootValue


# ---------------------------------------------------------------------------
# The decorator that gives every public function tensor input and output.


def tensor_io(
    grad: Callable[..., Any] | None = None, detached: bool = False
) -> Callable[[F], F]:
    """Let a numpy function of goot take tensors and return tensors.

    Without tensor arguments the function runs unchanged (the only cost is a
    look into ``sys.modules`` and over the arguments). With tensors: numpy and
    tensors must not be mixed; each tensor argument (also inside a list or a
    tuple) is viewed as a numpy array (`to_numpy`, named after its parameter);
    the function runs on those; every array or scalar in its result (also inside
    lists, tuples and log dicts) comes back as a tensor on the device of the
    first tensor argument. When every float tensor argument is float32, every
    float result is float32 (as POT); otherwise float arrays keep the dtype
    goot's numpy code gives them (POT's rules) and Python floats take the
    dtype of the first tensor argument.

    `grad`, when given, is called instead of the function when some tensor
    argument requires a gradient (and grad mode is on), as
    ``grad(args, attach)``: `args` maps parameter names to the numpy arguments
    (defaults filled in) and ``attach(value, **grads)`` returns `value` as a
    tensor carrying the gradients ``grads[name]`` for the tensor arguments
    (see `set_gradients`). It returns the function's result with the
    differentiable value(s) already attached.

    Without `grad`, a tensor argument that requires a gradient gets a
    UserWarning saying the result is detached from it, unless `detached` says
    POT gives no gradient there either (``emd``'s plan).
    """

    def decorate(fn: F) -> F:
        signature = inspect.signature(fn)

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            torch = _torch()
            if torch is None:
                return fn(*args, **kwargs)
            like = _find_tensor(args, kwargs.values(), torch.Tensor)
            if like is None:
                return fn(*args, **kwargs)
            bound = signature.bind(*args, **kwargs)
            check_same_backend(*_flatten(bound.arguments.values()))
            originals = dict(bound.arguments)
            for name, value in originals.items():
                bound.arguments[name] = _arg_to_numpy(value, name)
            tracked = [
                name
                for name, value in originals.items()
                if isinstance(value, torch.Tensor) and value.requires_grad
            ]
            # float32 tensors in, float32 tensors out (POT), even where goot's
            # numpy code returns a float64 scalar.
            floats = [
                x.dtype
                for x in _flatten(originals.values())
                if isinstance(x, torch.Tensor) and x.dtype.is_floating_point
            ]
            single = (
                torch.float32 if floats and set(floats) == {torch.float32} else None
            )
            if grad is None or not tracked or not torch.is_grad_enabled():
                if tracked and not detached and torch.is_grad_enabled():
                    user_warning(
                        f"goot.{fn.__name__} gives no gradient: its result is "
                        f"detached from {', '.join(tracked)}"
                    )
                out = fn(*bound.args, **bound.kwargs)
                return _result_to_tensor(out, like, single)

            attached: set = set()

            def attach(value: Any, **grads: Any) -> Any:
                attached.update(n for n, g in grads.items() if g is not None)
                inputs = [originals.get(n) for n in grads]
                dtype = single or _torch_float(value)
                return set_gradients(value, inputs, list(grads.values()), dtype)

            bound.apply_defaults()
            out = grad(dict(bound.arguments), attach)
            missing = [name for name in tracked if name not in attached]
            if missing and not detached:
                user_warning(
                    f"goot.{fn.__name__} gives no gradient in {', '.join(missing)} "
                    "here: the result is detached from it"
                )
            return _result_to_tensor(out, like, single)

        return wrapper  # type: ignore[return-value]

    return decorate


def _find_tensor(args: Any, more: Any, tensor_type: type) -> Any:
    for x in (*args, *more):
        if isinstance(x, tensor_type):
            return x
        if isinstance(x, (list, tuple)):
            for y in x:
                if isinstance(y, tensor_type):
                    return y
    return None


def _flatten(values: Any) -> list:
    flat = []
    for v in values:
        if isinstance(v, (list, tuple)):
            flat.extend(v)
        elif isinstance(v, dict):
            flat.extend(v.values())
        else:
            flat.append(v)
    return flat


def _arg_to_numpy(value: Any, name: str) -> Any:
    if isinstance(value, list):
        return [to_numpy(v, f"{name}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, tuple):
        return tuple(to_numpy(v, f"{name}[{i}]") for i, v in enumerate(value))
    if isinstance(value, dict):  # **kwargs
        return {k: to_numpy(v, k) for k, v in value.items()}
    return to_numpy(value, name)


_TORCH_FLOATS = {np.dtype(np.float32): "float32", np.dtype(np.float64): "float64"}


def _torch_float(x: Any) -> Any:
    """The torch dtype of a numpy float array or scalar (None otherwise)."""
    if isinstance(x, np.ndarray | np.generic) and x.dtype in _TORCH_FLOATS:
        return getattr(_torch(), _TORCH_FLOATS[x.dtype])
    return None


def _result_to_tensor(out: Any, like: Any, single: Any = None) -> Any:
    """Arrays and numbers in `out` as tensors like `like` (recursively); float
    ones in dtype `single` when given, else in their own float dtype (Python
    floats: in that of `like`)."""
    torch = _torch()
    if isinstance(out, torch.Tensor) or out is None or isinstance(out, (str, bool)):
        return out
    if isinstance(out, np.ndarray | np.generic):
        if out.dtype.kind == "f":
            return from_numpy(out, like, single or _torch_float(out))
        if out.dtype.kind in "biu":
            return from_numpy(out, like)
        return out
    if isinstance(out, float):
        return from_numpy(out, like, single)
    if isinstance(out, list):
        return [_result_to_tensor(x, like, single) for x in out]
    if isinstance(out, tuple):
        converted = tuple(_result_to_tensor(x, like, single) for x in out)
        return type(out)(*converted) if hasattr(out, "_fields") else converted
    if isinstance(out, dict):
        return {k: _result_to_tensor(v, like, single) for k, v in out.items()}
    return out
