"""Activation functions as differentiable ops, computed by ember's vectorized kernels.

``softmax`` and ``sigmoid`` outputs remember their input (``_keras_logits``) so that a
crossentropy loss can be computed from the logits, exactly as Keras does.

Example:
    >>> y = ember.ops.activations.activation(ember.tensor([-1.0, 2.0]), "relu")
    >>> y.numpy()
    array([0., 2.], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ember.autograd import Function, Tensor
from ember.device import kernels
from ember.ops.math import to_float

# Activations whose gradient is a function of the output alone, so backward keeps only y.
_NEEDS_X = {
    "elu",
    "selu",
    "softplus",
    "softsign",
    "swish",
    "silu",
    "gelu",
    "gelu_tanh",
    "leaky_relu",
    "exponential",
    "relu6",
    "hard_sigmoid",
}


class Activation(Function):
    def forward(self, x: np.ndarray, name: str, alpha: float) -> np.ndarray:
        y = kernels(x).activation_forward(x, name, alpha=alpha)
        self.name, self.alpha = name, alpha
        self.x = x if name in _NEEDS_X else None
        self.y = y
        return y

    def backward(self, g: np.ndarray):
        dx = kernels(g).activation_backward(g, self.x, self.y, self.name, alpha=self.alpha)
        return dx, None, None


class Relu(Function):
    """Keras' general relu: slope below threshold, capped at max_value."""

    def forward(self, x, negative_slope: float, max_value: float | None, threshold: float):
        self.x = x
        self.args = dict(negative_slope=negative_slope, max_value=max_value, threshold=threshold)
        return kernels(x).relu_forward(x, **self.args)

    def backward(self, g):
        return kernels(g).relu_backward(g, self.x, **self.args), None, None, None


class Softmax(Function):
    def forward(self, x: np.ndarray) -> np.ndarray:
        self.y = kernels(x).softmax_forward(x)
        return self.y

    def backward(self, g: np.ndarray):
        return (kernels(g).softmax_backward(g, self.y),)


class LogSoftmax(Function):
    def forward(self, x: np.ndarray) -> np.ndarray:
        self.y = kernels(x).log_softmax_forward(x)
        return self.y

    def backward(self, g: np.ndarray):
        return (kernels(g).log_softmax_backward(g, self.y),)


def activation(x: Any, name: str, alpha: float = 0.0) -> Tensor:
    """Apply a named elementwise activation (see ``ember.activations``)."""
    t = to_float(x)
    if name == "linear":
        return t
    y = Activation.apply(t, name, float(alpha))
    if name == "sigmoid":
        y._keras_logits = t
    return y


def relu(
    x: Any, negative_slope: float = 0.0, max_value: float | None = None, threshold: float = 0.0
) -> Tensor:
    t = to_float(x)
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return Activation.apply(t, "relu", 0.0)
    return Relu.apply(t, float(negative_slope), max_value, float(threshold))


def softmax(x: Any, axis: int = -1) -> Tensor:
    """Softmax over ``axis`` (computed over the last axis; other axes are moved there)."""
    t = to_float(x)
    axis = axis % t.ndim
    if axis == t.ndim - 1:
        y = Softmax.apply(t)
    else:
        from ember.ops.math import transpose

        perm = [i for i in range(t.ndim) if i != axis] + [axis]
        inverse = list(np.argsort(perm))
        y = transpose(Softmax.apply(transpose(t, perm)), inverse)
    y._keras_logits = t if axis == t.ndim - 1 else None
    return y


def log_softmax(x: Any, axis: int = -1) -> Tensor:
    t = to_float(x)
    axis = axis % t.ndim
    if axis == t.ndim - 1:
        return LogSoftmax.apply(t)
    from ember.ops.math import transpose

    perm = [i for i in range(t.ndim) if i != axis] + [axis]
    return transpose(LogSoftmax.apply(transpose(t, perm)), list(np.argsort(perm)))
