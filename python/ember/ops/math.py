"""Arithmetic, reductions and shape ops with numpy broadcasting semantics.

Gradients of broadcast operands are summed back to the operand's shape.

Example:
    >>> a = ember.tensor([[1.0, 2.0]], requires_grad=True)
    >>> (a * 3 + 1).sum().backward(); a.grad
    array([[3., 3.]], dtype=float32)
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from ember.autograd import Function, Tensor, as_float32
from ember.ops import dispatch


def to_tensor(x: Any) -> Tensor:
    """``x`` as a Tensor (float data as float32; integer, boolean and string data keep their
    dtype)."""
    return x if isinstance(x, Tensor) else Tensor(x)


def to_float(x: Any) -> Tensor:
    """``x`` as a float32 Tensor, for the ops that compute in float32 (the kernels): integer
    and boolean data is converted, as Keras layers cast their inputs to their float dtype.
    The conversion carries no gradient (integers have none)."""
    t = x if isinstance(x, Tensor) else Tensor(x)
    data = t.data
    if data.dtype == np.float32:
        return t
    return Tensor(as_float32(data))


# Python numbers stay Python numbers in binary ops: numpy then treats them as "weak" and keeps
# the Tensor's dtype (int32 tensor + 1 is int32, float32 tensor * 0.5 is float32), as Keras.
_PY_NUMBERS = (int, float, bool)


def _operand(x: Any) -> Any:
    return x if isinstance(x, (Tensor, *_PY_NUMBERS)) else Tensor(x)


def _float32_result(out: Any) -> Any:
    """Elementwise results: integer and boolean results stay, float results are float32."""
    dtype = out.dtype
    if dtype.kind == "f" and dtype != np.float32:
        return out.astype(np.float32)
    return out


def _array(x: Any) -> Any:
    """numpy returns a scalar for a full reduction: make it a 0-d array (device arrays already
    are arrays)."""
    return np.asarray(x) if isinstance(x, np.generic) else x


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` over the axes numpy broadcasting added or stretched to reach its shape."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad.reshape(shape)


class Add(Function):
    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        self.shapes = (np.shape(a), np.shape(b))
        return _array(_float32_result(np.add(a, b)))

    def backward(self, g: np.ndarray):
        need_a, need_b = self.needs_input_grad
        ga = unbroadcast(g, self.shapes[0]) if need_a else None
        gb = unbroadcast(g, self.shapes[1]) if need_b else None
        return ga, gb


class Subtract(Function):
    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        self.shapes = (np.shape(a), np.shape(b))
        return _array(_float32_result(np.subtract(a, b)))

    def backward(self, g: np.ndarray):
        need_a, need_b = self.needs_input_grad
        ga = unbroadcast(g, self.shapes[0]) if need_a else None
        gb = unbroadcast(-g, self.shapes[1]) if need_b else None
        return ga, gb


class Multiply(Function):
    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        self.a, self.b = a, b
        return _array(_float32_result(np.multiply(a, b)))

    def backward(self, g: np.ndarray):
        need_a, need_b = self.needs_input_grad
        ga = unbroadcast(g * self.b, np.shape(self.a)) if need_a else None
        gb = unbroadcast(g * self.a, np.shape(self.b)) if need_b else None
        return ga, gb


class Divide(Function):
    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        self.a, self.b = a, b
        return _array(_float32_result(np.divide(a, b)))

    def backward(self, g: np.ndarray):
        need_a, need_b = self.needs_input_grad
        ga = unbroadcast(g / self.b, np.shape(self.a)) if need_a else None
        gb = unbroadcast(-g * self.a / (self.b * self.b), np.shape(self.b)) if need_b else None
        return ga, gb


class Negative(Function):
    def forward(self, a: np.ndarray) -> np.ndarray:
        return np.negative(a)

    def backward(self, g: np.ndarray):
        return (-g,)


class Power(Function):
    def forward(self, a: np.ndarray, exponent: float) -> np.ndarray:
        self.a, self.exponent = a, exponent
        return np.power(a, exponent, dtype=np.float32)

    def backward(self, g: np.ndarray):
        return g * self.exponent * np.power(self.a, self.exponent - 1, dtype=np.float32), None


class MatMul(Function):
    """a @ b for 2-D operands (batched operands broadcast as in numpy)."""

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        if a.ndim < 1 or b.ndim < 1:
            raise ValueError("matmul: operands must be at least 1-D")
        self.a, self.b = a, b
        return np.matmul(a, b)

    def backward(self, g: np.ndarray):
        a, b = self.a, self.b
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        g2 = g
        if b.ndim == 1:
            g2 = g2[..., None]
        if a.ndim == 1:
            g2 = g2[..., None, :]
        need_a, need_b = self.needs_input_grad
        ga = gb = None
        if need_a:
            ga = unbroadcast(np.matmul(g2, np.swapaxes(b2, -1, -2)), a2.shape).reshape(a.shape)
        if need_b:
            gb = unbroadcast(np.matmul(np.swapaxes(a2, -1, -2), g2), b2.shape).reshape(b.shape)
        return ga, gb


def _normalize_axis(axis: Any, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    return tuple(a % ndim if ndim else 0 for a in axes)


class Sum(Function):
    def forward(self, a: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
        self.shape = a.shape
        self.axes = _normalize_axis(axis, a.ndim)
        self.keepdims = keepdims
        # Integers sum in their own type and booleans as int32 (as Keras); floats in float32.
        kind = a.dtype.kind
        dtype = np.float32 if kind == "f" else np.int32 if kind == "b" else a.dtype
        return _array(a.sum(axis=axis, keepdims=keepdims, dtype=dtype))

    def backward(self, g: np.ndarray):
        if not self.keepdims:
            g = np.expand_dims(g, self.axes) if self.axes else g
        return (np.broadcast_to(g, self.shape).astype(np.float32),)


class Mean(Function):
    def forward(self, a: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
        self.shape = a.shape
        self.axes = _normalize_axis(axis, a.ndim)
        self.keepdims = keepdims
        self.count = int(np.prod([a.shape[i] for i in self.axes])) if self.axes else 1
        return _array(a.mean(axis=axis, keepdims=keepdims, dtype=np.float32))

    def backward(self, g: np.ndarray):
        if not self.keepdims:
            g = np.expand_dims(g, self.axes) if self.axes else g
        return (np.broadcast_to(g / np.float32(self.count), self.shape).astype(np.float32),)


class Reshape(Function):
    def forward(self, a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        self.shape = a.shape
        return a.reshape(shape)

    def backward(self, g: np.ndarray):
        return g.reshape(self.shape), None


class Transpose(Function):
    def forward(self, a: np.ndarray, axes: tuple[int, ...] | None) -> np.ndarray:
        self.axes = axes
        return np.transpose(a, axes)

    def backward(self, g: np.ndarray):
        if self.axes is None:
            return np.transpose(g), None
        return np.transpose(g, np.argsort(self.axes)), None


class GetItem(Function):
    def forward(self, a: np.ndarray, index: Any) -> np.ndarray:
        self.shape, self.index = a.shape, index
        return _array(a[index])

    def backward(self, g: np.ndarray):
        out = np.zeros(self.shape, np.float32)
        np.add.at(out, self.index, g)
        return out, None


class Exp(Function):
    def forward(self, a: np.ndarray) -> np.ndarray:
        self.y = np.exp(a)
        return self.y

    def backward(self, g: np.ndarray):
        return (g * self.y,)


class Log(Function):
    def forward(self, a: np.ndarray) -> np.ndarray:
        self.a = a
        return np.log(a)

    def backward(self, g: np.ndarray):
        return (g / self.a,)


class Sqrt(Function):
    def forward(self, a: np.ndarray) -> np.ndarray:
        self.y = np.sqrt(a)
        return self.y

    def backward(self, g: np.ndarray):
        return (g / (2 * self.y),)


class Abs(Function):
    def forward(self, a: np.ndarray) -> np.ndarray:
        self.a = a
        return np.abs(a)

    def backward(self, g: np.ndarray):
        return (g * np.sign(self.a).astype(np.float32),)


class Clip(Function):
    """Clamp to [lo, hi]; the gradient passes where the value was inside."""

    def forward(self, a: np.ndarray, lo: float, hi: float) -> np.ndarray:
        self.inside = (a >= lo) & (a <= hi)
        return np.clip(a, lo, hi).astype(np.float32)

    def backward(self, g: np.ndarray):
        return g * self.inside, None, None


class Maximum(Function):
    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        self.a, self.b = a, b
        return np.maximum(a, b).astype(np.float32)

    def backward(self, g: np.ndarray):
        take_a = self.a >= self.b
        need_a, need_b = self.needs_input_grad
        ga = unbroadcast(g * take_a, self.a.shape) if need_a else None
        gb = unbroadcast(g * ~take_a, self.b.shape) if need_b else None
        return ga, gb


def add(a: Any, b: Any) -> Tensor:
    """a + b with broadcasting."""
    return Add.apply(_operand(a), _operand(b))


def subtract(a: Any, b: Any) -> Tensor:
    return Subtract.apply(_operand(a), _operand(b))


def multiply(a: Any, b: Any) -> Tensor:
    return Multiply.apply(_operand(a), _operand(b))


def divide(a: Any, b: Any) -> Tensor:
    return Divide.apply(_operand(a), _operand(b))


def negative(a: Any) -> Tensor:
    return Negative.apply(to_tensor(a))


def power(a: Any, exponent: float) -> Tensor:
    return Power.apply(to_tensor(a), float(exponent))


def matmul(a: Any, b: Any) -> Tensor:
    return MatMul.apply(to_tensor(a), to_tensor(b))


def sum(a: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return Sum.apply(to_tensor(a), axis=axis, keepdims=keepdims)


def mean(a: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    return Mean.apply(to_tensor(a), axis=axis, keepdims=keepdims)


def reshape(a: Any, shape: Any) -> Tensor:
    return Reshape.apply(to_tensor(a), tuple(builtins.int(s) for s in shape))


def transpose(a: Any, axes: Any = None) -> Tensor:
    return Transpose.apply(to_tensor(a), None if axes is None else tuple(axes))


def getitem(a: Any, index: Any) -> Tensor:
    if isinstance(index, Tensor):
        index = index.data
    return GetItem.apply(to_tensor(a), index)


def exp(a: Any) -> Tensor:
    return Exp.apply(to_tensor(a))


def log(a: Any) -> Tensor:
    return Log.apply(to_tensor(a))


def sqrt(a: Any) -> Tensor:
    return Sqrt.apply(to_tensor(a))


def abs(a: Any) -> Tensor:  # noqa: A001
    return Abs.apply(to_tensor(a))


def square(a: Any) -> Tensor:
    t = to_tensor(a)
    return Multiply.apply(t, t)


def clip(a: Any, lo: float, hi: float) -> Tensor:
    return Clip.apply(to_tensor(a), float(lo), float(hi))


def maximum(a: Any, b: Any) -> Tensor:
    return Maximum.apply(to_tensor(a), to_tensor(b))


def constant(value: Any) -> Tensor:
    """A Tensor that never needs a gradient."""
    return Tensor(as_float32(value))


# The ops Python operators on symbolic tensors turn into graph nodes (ember.layers.op_layer).
for _name, _fn in (
    ("add", add),
    ("subtract", subtract),
    ("multiply", multiply),
    ("divide", divide),
    ("negative", negative),
    ("power", power),
    ("matmul", matmul),
    ("getitem", getitem),
):
    dispatch.register(_name, _fn)
