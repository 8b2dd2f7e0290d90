"""Max, average and global pooling on NHWC tensors.

Example:
    >>> x = ember.tensor(np.arange(16.0).reshape(1, 4, 4, 1))
    >>> ember.ops.pooling.max_pool2d(x, (2, 2), (2, 2), "valid").numpy().ravel()
    array([ 5.,  7., 13., 15.], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ember.autograd import Function, Tensor
from ember.device import kernels
from ember.ops.convolutional import Conv2D
from ember.ops.math import to_float


class MaxPool2D(Function):
    def forward(self, x: np.ndarray, geom: dict) -> np.ndarray:
        self.shape, self.geom = x.shape, geom
        self.y, self.indices = kernels(x).max_pool2d_forward(x, return_indices=True, **geom)
        return self.y

    def backward(self, g: np.ndarray):
        producer = self.inputs[0]._ctx
        k = kernels(g)
        if isinstance(producer, Conv2D) and producer.act == "relu":
            # Conv + ReLU + max pooling: the ReLU gradient only matters at the window maxima,
            # where relu(z) > 0 is y > 0. Masking the pooled gradient (a quarter of the size
            # for 2x2 windows) replaces the conv's pass over its whole output; the results are
            # identical. Only when the pool is the conv output's one consumer (set every time:
            # a retained graph may gain consumers between two backward passes).
            fused = self.inputs[0]._uses == 1
            if fused:
                g = k.activation_backward(g, None, self.y, "relu")
            producer.act_grad_done = fused
        return k.max_pool2d_backward(g, self.indices, self.shape, **self.geom), None


class AvgPool2D(Function):
    def forward(self, x: np.ndarray, geom: dict) -> np.ndarray:
        self.shape, self.geom = x.shape, geom
        return kernels(x).avg_pool2d_forward(x, **geom)

    def backward(self, g: np.ndarray):
        return kernels(g).avg_pool2d_backward(g, self.shape, **self.geom), None


class GlobalAvgPool2D(Function):
    def forward(self, x: np.ndarray) -> np.ndarray:
        self.shape = x.shape
        return kernels(x).global_avg_pool2d_forward(x)

    def backward(self, g: np.ndarray):
        return (kernels(g).global_avg_pool2d_backward(g, self.shape),)


class GlobalMaxPool2D(Function):
    """Keras' GlobalMaxPooling2D is a max reduction, whose gradient TensorFlow shares equally
    among tied maxima (unlike windowed max pooling, which picks the first); so does this op.
    Without ties this equals the kernel's one-position backward."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.x = x
        self.y = kernels(x).global_max_pool2d_forward(x)
        return self.y

    def backward(self, g: np.ndarray):
        hits = self.x == self.y[:, None, None, :]
        count = hits.sum(axis=(1, 2), dtype=np.float32)
        with np.errstate(divide="ignore", invalid="ignore"):
            share = g / count
        return ((hits * share[:, None, None, :]).astype(np.float32),)


def max_pool2d(x: Any, pool_size: Any, strides: Any, padding: str) -> Tensor:
    return MaxPool2D.apply(to_float(x), dict(pool_size=pool_size, strides=strides, padding=padding))


def avg_pool2d(x: Any, pool_size: Any, strides: Any, padding: str) -> Tensor:
    return AvgPool2D.apply(to_float(x), dict(pool_size=pool_size, strides=strides, padding=padding))


def global_avg_pool2d(x: Any) -> Tensor:
    """Mean over height and width: (N, H, W, C) -> (N, C)."""
    return GlobalAvgPool2D.apply(to_float(x))


def global_max_pool2d(x: Any) -> Tensor:
    """Max over height and width: (N, H, W, C) -> (N, C)."""
    return GlobalMaxPool2D.apply(to_float(x))
