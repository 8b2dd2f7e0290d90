"""The few differentiable pieces the losses need beyond ``ember.ops``: a max reduction, a
select with a constant condition and a masked log-sum-exp. Private to ``ember.losses``.

Example:
    >>> from ember.losses import _ops
    >>> x = ember.tensor([[1.0, 3.0, 3.0]], requires_grad=True)
    >>> _ops.reduce_max(x, axis=-1).sum().backward(); x.grad
    array([[0. , 0.5, 0.5]], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ember import device
from ember.autograd import Function, Tensor
from ember.ops import math as m
from ember.ops.math import unbroadcast


class _HostFunction(Function):
    """A Function computed with numpy on the host: device inputs are copied in, and results
    and gradients go back to the device of the first input."""

    def host(self, a: Any) -> np.ndarray:
        self.device = None if type(a) is np.ndarray else device.of(a)
        return device.host(a)

    def out(self, arr: np.ndarray) -> Any:
        arr = np.ascontiguousarray(arr, dtype=np.float32)
        return arr if self.device is None else device.to(arr, self.device)


class ReduceMax(_HostFunction):
    """max over one axis; the gradient is shared equally by the entries that tie for the max
    (as TensorFlow's reduce_max)."""

    def forward(self, a: Any, axis: int) -> Any:
        x = self.host(a)
        top = x.max(axis=axis, keepdims=True)
        hits = (x == top).astype(np.float32)
        self.hits = hits / hits.sum(axis=axis, keepdims=True)
        self.axis = axis
        return self.out(np.squeeze(top, axis=axis))

    def backward(self, g: Any):
        return self.out(np.expand_dims(device.host(g), self.axis) * self.hits), None


class Where(_HostFunction):
    """``cond ? a : b`` elementwise for a constant boolean ``cond`` (broadcasting)."""

    def forward(self, a: Any, b: Any, cond: np.ndarray) -> Any:
        a = self.host(a)
        b = device.host(b)
        self.shapes = (a.shape, b.shape)
        self.cond = cond
        return self.out(np.where(cond, a, b))

    def backward(self, g: Any):
        need_a, need_b = self.needs_input_grad[:2]
        g = device.host(g)
        zero = np.float32(0.0)
        ga = self.out(unbroadcast(np.where(self.cond, g, zero), self.shapes[0])) if need_a else None
        gb = self.out(unbroadcast(np.where(self.cond, zero, g), self.shapes[1])) if need_b else None
        return ga, gb, None


class MaskedLogSumExp(_HostFunction):
    """log(sum(exp(x) over the entries where ``mask`` holds)) along ``axis``; -inf (with a zero
    gradient) where no entry is selected."""

    def forward(self, x: Any, mask: np.ndarray, axis: int) -> Any:
        x64 = np.where(mask, self.host(x).astype(np.float64), -np.inf)
        top = x64.max(axis=axis, keepdims=True)
        top = np.where(np.isfinite(top), top, 0.0)
        e = np.exp(x64 - top)
        s = e.sum(axis=axis, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.log(s) + top
            self.weights = np.where(s > 0, e / s, 0.0)
        self.axis = axis
        return self.out(np.squeeze(out, axis=axis))

    def backward(self, g: Any):
        g = device.host(g)
        grad = np.expand_dims(np.where(np.isfinite(g), g, 0.0), self.axis) * self.weights
        return self.out(grad), None, None


def reduce_max(x: Any, axis: int = -1) -> Tensor:
    t = m.to_float(x)
    return ReduceMax.apply(t, axis % max(t.ndim, 1))


def where(cond: np.ndarray, a: Any, b: Any) -> Tensor:
    a = a if isinstance(a, Tensor) else m.to_float(np.asarray(a, np.float32))
    b = b if isinstance(b, Tensor) else m.to_float(np.asarray(b, np.float32))
    return Where.apply(a, b, np.asarray(cond, dtype=bool))


def masked_logsumexp(x: Any, mask: np.ndarray, axis: int) -> Tensor:
    t = m.to_float(x)
    return MaskedLogSumExp.apply(t, np.asarray(mask, dtype=bool), axis % t.ndim)


def one_hot(labels: np.ndarray, depth: int) -> np.ndarray:
    """float32 one-hot rows of ``labels`` (shape ``labels.shape + (depth,)``)."""
    return (labels[..., None] == np.arange(depth)).astype(np.float32)
