"""Tensor conversion and inspection (Keras' core ops): ``cast``, ``saturate_cast``,
``convert_to_tensor``, ``convert_to_numpy``, ``is_tensor``, ``dtype``, ``shape``, ``ndim``,
``size``, ``stop_gradient`` and ``custom_gradient``.

``shape``, ``ndim`` and ``dtype`` answer for the symbolic tensors of a functional model too
(with None for unknown sizes), as Keras' do, instead of adding a graph node.

Example:
    >>> from ember import ops
    >>> x = ops.convert_to_tensor([[1, 2, 3]])
    >>> ops.shape(x), ops.dtype(x), ops.dtype(ops.cast(x, "float32"))
    ((1, 3), 'int32', 'float32')
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from ember.autograd import Function, Tensor, as_array, numpy_dtype, standardize_dtype
from ember.device import DeviceArray
from ember.device import host as _host
from ember.ops import dispatch
from ember.ops.base import cast as _cast
from ember.ops.base import convert, keras_op


def _symbolic(x: Any) -> bool:
    return getattr(type(x), "_ember_symbolic", False)


@keras_op
def cast(x: Any, dtype: Any) -> Tensor:
    """x converted to ``dtype`` ("int32", "bool", ...); floats become integers by truncation
    toward zero. The gradient flows from float to float only (ember computes in float32:
    other float types raise NotImplementedError).

    Example:
        >>> ember.ops.cast([1.9, -1.9], "int32").numpy()
        array([ 1, -1], dtype=int32)
    """
    return _cast(convert(x), dtype)


@keras_op
def saturate_cast(x: Any, dtype: Any) -> Tensor:
    """``cast`` that first clips x to the range ``dtype`` can hold (no wrap-around).

    Example:
        >>> ember.ops.saturate_cast([-5, 300], "uint8").numpy()
        array([  0, 255], dtype=uint8)
    """
    t = convert(x)
    name = standardize_dtype(dtype)
    target = numpy_dtype(name)
    if target.kind in "iu" and t.dtype.kind in "iuf":
        info = np.iinfo(target)
        data = t.data
        if data.dtype.kind == "f":
            data = np.nan_to_num(data.astype(np.float64), nan=0.0)
        return Tensor(np.clip(data, info.min, info.max).astype(target))
    return _cast(t, name)


@keras_op
def convert_to_tensor(x: Any, dtype: Any = None, sparse: Any = None, ragged: Any = None) -> Tensor:
    """x as an ember Tensor (Python ints become int32, floats float32; numpy arrays keep
    integer and boolean dtypes), optionally cast to ``dtype``. Sparse and ragged tensors are
    not supported.

    Example:
        >>> ember.ops.convert_to_tensor([1, 2]).dtype
        dtype('int32')
    """
    if sparse:
        raise NotImplementedError("convert_to_tensor: `sparse=True` is not supported")
    if ragged:
        raise NotImplementedError("convert_to_tensor: `ragged=True` is not supported")
    return convert(x, dtype)


def convert_to_numpy(x: Any) -> np.ndarray:
    """x as a numpy array (copied from the GPU when it lives there).

    Example:
        >>> ember.ops.convert_to_numpy(ember.tensor([1.0]))
        array([1.], dtype=float32)
    """
    if _symbolic(x):
        raise ValueError(
            "convert_to_numpy: a symbolic tensor of a functional model has no values yet"
        )
    if isinstance(x, Tensor):
        return x.numpy()
    if isinstance(x, DeviceArray):
        return _host(x)
    return np.asarray(as_array(x)) if not isinstance(x, np.ndarray) else x


def is_tensor(x: Any) -> bool:
    """Whether x is an ember Tensor (or a symbolic tensor of a functional model).

    Example:
        >>> ember.ops.is_tensor(ember.tensor([1.0])), ember.ops.is_tensor([1.0])
        (True, False)
    """
    return isinstance(x, Tensor) or _symbolic(x)


def dtype(x: Any) -> str:
    """Keras' name of x's dtype ("float32", "int32", ...).

    Example:
        >>> ember.ops.dtype([1, 2])
        'int32'
    """
    if _symbolic(x):
        return standardize_dtype(x.dtype)
    return standardize_dtype(convert(x).dtype)


def shape(x: Any) -> tuple:
    """x's shape as a tuple (None for the unknown sizes of a symbolic tensor).

    Example:
        >>> ember.ops.shape(ember.ops.zeros((2, 3)))
        (2, 3)
    """
    if _symbolic(x):
        return tuple(x.shape)
    return tuple(convert(x).shape)


def ndim(x: Any) -> int:
    """x's number of axes.

    Example:
        >>> ember.ops.ndim([[1, 2]])
        2
    """
    if _symbolic(x):
        return len(x.shape)
    return convert(x).ndim


@keras_op
def size(x: Any) -> Tensor:
    """The number of elements of x (an int32 scalar tensor).

    Example:
        >>> ember.ops.size(ember.ops.zeros((2, 3))).numpy()
        array(6, dtype=int32)
    """
    return Tensor(np.asarray(convert(x).size, np.int32))


@keras_op
def stop_gradient(variable: Any) -> Tensor:
    """The same values, cut from the gradient graph.

    Example:
        >>> x = ember.tensor([2.0], requires_grad=True)
        >>> ember.ops.stop_gradient(x).requires_grad
        False
    """
    t = convert(variable)
    return Tensor(t.data)


class CustomGradient(Function):
    """Runs a user's ``f`` (which returns ``(output, grad_fn)``) without recording, and uses
    ``grad_fn(upstream)`` for the gradient."""

    def forward(self, *arrays: Any, f: Callable[..., Any], kinds: tuple) -> Any:
        from ember.autograd import no_grad

        with no_grad():
            args = [Tensor(a) if k else a for a, k in zip(arrays, kinds)]
            out, self.grad_fn = f(*args)
        if isinstance(out, (list, tuple)):
            self.multi = True
            return tuple(convert(o).data for o in out)
        self.multi = False
        return convert(out).data

    def backward(self, *grads: Any):
        from ember.autograd import no_grad

        upstream: Any = [Tensor(g) if g is not None else None for g in grads]
        if not self.multi:
            upstream = upstream[0]
        with no_grad():
            result = self.grad_fn(upstream)
        if not isinstance(result, (list, tuple)):
            result = (result,)
        out = []
        for r, need in zip(result, self.needs_input_grad):
            if r is None or not need:
                out.append(None)
            else:
                out.append(np.asarray(convert(r).data, np.float32))
        out += [None] * (len(self.needs_input_grad) - len(out))
        return tuple(out)


def custom_gradient(f: Callable[..., Any]) -> Callable[..., Any]:
    """Decorator: ``f(*args)`` returns ``(output, grad_fn)``; the decorated function returns
    ``output`` and backpropagates through ``grad_fn(upstream)``, which returns one gradient
    per argument.

    Example:
        >>> @ember.ops.custom_gradient
        ... def clip_grad(x):
        ...     return x * 1.0, lambda upstream: ember.ops.clip(upstream, -0.1, 0.1)
        >>> x = ember.tensor([3.0], requires_grad=True)
        >>> ember.ops.sum(clip_grad(x) * 5.0).backward(); x.grad
        array([0.1], dtype=float32)
    """

    @functools.wraps(f)
    def wrapped(*args: Any) -> Any:
        kinds = tuple(isinstance(a, Tensor) for a in args)
        out = CustomGradient.apply(*args, f=f, kinds=kinds)
        return list(out) if isinstance(out, tuple) else out

    return wrapped


# The symbol-aware inspectors above answer directly; registering them lets a saved graph
# that names them still resolve.
for _fn in (convert_to_numpy, is_tensor, dtype, shape, ndim, custom_gradient):
    dispatch.register(_fn.__name__, _fn)


# The Keras names this module provides (ember.ops gathers them).
__all__ = [
    "cast",
    "convert_to_numpy",
    "convert_to_tensor",
    "custom_gradient",
    "dtype",
    "is_tensor",
    "ndim",
    "saturate_cast",
    "shape",
    "size",
    "stop_gradient",
]
