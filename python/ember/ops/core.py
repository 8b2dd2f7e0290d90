"""Dense (GEMM with fused bias and activation), dropout and rescaling.

Example:
    >>> x = ember.tensor(np.ones((2, 3)))
    >>> w = ember.Variable(np.ones((3, 4)))
    >>> ember.ops.core.dense(x, w, None, "relu").shape
    (2, 4)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ember.autograd import Function, Tensor
from ember.device import kernels
from ember.ops.math import to_float

# Activations the GEMM epilogue applies while the tile is in registers or cache.
FUSED_ACTIVATIONS = ("linear", "relu", "tanh", "sigmoid")


def fused_activation_backward(g: np.ndarray, y: np.ndarray, act: str) -> np.ndarray:
    """Gradient through an epilogue activation, from its output y."""
    if act == "linear":
        return g
    return kernels(g).activation_backward(g, None, y, act)


class Dense(Function):
    """y = act(x @ kernel + bias) over the last axis of x; bias may be None."""

    def forward(
        self, x: np.ndarray, kernel: np.ndarray, bias: np.ndarray | None, act: str
    ) -> np.ndarray:
        units = kernel.shape[1]
        if x.shape[-1] != kernel.shape[0]:
            raise ValueError(
                f"dense: input's last axis must be {kernel.shape[0]}, received shape {x.shape}"
            )
        self.lead = x.shape[:-1]
        self.x2 = x.reshape(-1, x.shape[-1])
        self.kernel, self.act = kernel, act
        y = kernels(x).gemm(self.x2, kernel, bias=bias, activation=act)
        self.y = y
        return y.reshape(*self.lead, units)

    def backward(self, g: np.ndarray):
        units = self.kernel.shape[1]
        dz = fused_activation_backward(g.reshape(-1, units), self.y, self.act)
        need_x, need_kernel, need_bias, _ = self.needs_input_grad
        k = kernels(dz)
        dx = dw = db = None
        if need_x:
            dx = k.gemm(dz, self.kernel, trans_b=True).reshape(*self.lead, self.kernel.shape[0])
        if need_kernel:
            dw = k.gemm(self.x2, dz, trans_a=True)
        if need_bias:
            db = k.column_sums(dz)
        return dx, dw, db, None


def dense(x: Any, kernel: Tensor, bias: Tensor | None, activation: str = "linear") -> Tensor:
    """``act(x @ kernel + bias)``; activation must be one of FUSED_ACTIVATIONS."""
    return Dense.apply(to_float(x), kernel, bias, activation)


class Dropout(Function):
    def forward(self, x: np.ndarray, rate: float, seed: int) -> np.ndarray:
        self.rate, self.seed = rate, seed
        return kernels(x).dropout_forward(x, rate, seed)

    def backward(self, g: np.ndarray):
        return kernels(g).dropout_backward(g, self.rate, self.seed), None, None


def dropout(x: Any, rate: float, seed: int) -> Tensor:
    """Zero each element with probability ``rate``; scale the rest by 1 / (1 - rate)."""
    return Dropout.apply(to_float(x), float(rate), int(seed))


class Rescale(Function):
    def forward(self, x: np.ndarray, scale: Any, offset: Any) -> np.ndarray:
        self.scale = np.float32(scale) if np.isscalar(scale) else np.asarray(scale, np.float32)
        return (x * self.scale + np.asarray(offset, np.float32)).astype(np.float32)

    def backward(self, g: np.ndarray):
        return (g * self.scale).astype(np.float32), None, None


def rescale(x: Any, scale: Any, offset: Any = 0.0) -> Tensor:
    return Rescale.apply(to_float(x), scale, offset)


class Embedding(Function):
    """Rows of ``table`` picked by integer ids; the gradient is scattered back into the rows."""

    def forward(self, table: np.ndarray, ids: np.ndarray) -> np.ndarray:
        self.ids, self.shape = ids, table.shape
        return table[ids]

    def backward(self, g: np.ndarray):
        grad = np.zeros(self.shape, np.float32)
        np.add.at(grad, self.ids.reshape(-1), g.reshape(-1, self.shape[1]))
        return grad, None


def embedding(table: Tensor, ids: np.ndarray) -> Tensor:
    """``table[ids]`` with ``ids`` integer class ids in [0, len(table))."""
    return Embedding.apply(table, ids)
