"""Max, average and global pooling on NHWC tensors.

Example:
    >>> x = ember.tensor(np.arange(16.0).reshape(1, 4, 4, 1))
    >>> ember.ops.pooling.max_pool2d(x, (2, 2), (2, 2), "valid").numpy().ravel()
    array([ 5.,  7., 13., 15.], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ember import _C
from ember.autograd import Function, Tensor
from ember.ops.math import to_tensor


class MaxPool2D(Function):
    def forward(self, x: np.ndarray, geom: dict) -> np.ndarray:
        self.shape, self.geom = x.shape, geom
        y, self.indices = _C.max_pool2d_forward(x, return_indices=True, **geom)
        return y

    def backward(self, g: np.ndarray):
        return (_C.max_pool2d_backward(g, self.indices, self.shape, **self.geom),)


class AvgPool2D(Function):
    def forward(self, x: np.ndarray, geom: dict) -> np.ndarray:
        self.shape, self.geom = x.shape, geom
        return _C.avg_pool2d_forward(x, **geom)

    def backward(self, g: np.ndarray):
        return (_C.avg_pool2d_backward(g, self.shape, **self.geom),)


class GlobalAvgPool2D(Function):
    def forward(self, x: np.ndarray) -> np.ndarray:
        self.shape = x.shape
        return _C.global_avg_pool2d_forward(x)

    def backward(self, g: np.ndarray):
        return (_C.global_avg_pool2d_backward(g, self.shape),)


class GlobalMaxPool2D(Function):
    def forward(self, x: np.ndarray) -> np.ndarray:
        self.shape = x.shape
        y, self.indices = _C.global_max_pool2d_forward(x, return_indices=True)
        return y

    def backward(self, g: np.ndarray):
        return (_C.global_max_pool2d_backward(g, self.indices, self.shape),)


def max_pool2d(x: Any, pool_size: Any, strides: Any, padding: str) -> Tensor:
    return MaxPool2D.apply(
        to_tensor(x), dict(pool_size=pool_size, strides=strides, padding=padding)
    )


def avg_pool2d(x: Any, pool_size: Any, strides: Any, padding: str) -> Tensor:
    return AvgPool2D.apply(
        to_tensor(x), dict(pool_size=pool_size, strides=strides, padding=padding)
    )


def global_avg_pool2d(x: Any) -> Tensor:
    """Mean over height and width: (N, H, W, C) -> (N, C)."""
    return GlobalAvgPool2D.apply(to_tensor(x))


def global_max_pool2d(x: Any) -> Tensor:
    """Max over height and width: (N, H, W, C) -> (N, C)."""
    return GlobalMaxPool2D.apply(to_tensor(x))
