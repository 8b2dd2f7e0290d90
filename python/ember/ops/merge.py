"""Ops that merge several tensors: concatenate, and elementwise add/multiply/average/max/min.

Example:
    >>> a, b = ember.tensor(np.ones((2, 3))), ember.tensor(np.zeros((2, 2)))
    >>> ember.ops.merge.concatenate([a, b], axis=-1).shape
    (2, 5)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ember.autograd import Function, Tensor
from ember.ops.math import to_tensor, unbroadcast


class Concatenate(Function):
    """Join along ``axis`` (a keyword, so every positional argument is a tensor)."""

    def forward(self, *arrays: np.ndarray, axis: int) -> np.ndarray:
        self.axis = axis
        self.splits = np.cumsum([a.shape[axis] for a in arrays])[:-1]
        return np.concatenate(arrays, axis=axis)

    def backward(self, g: np.ndarray):
        return tuple(np.ascontiguousarray(p) for p in np.split(g, self.splits, axis=self.axis))


class Sum(Function):
    def forward(self, *arrays: np.ndarray) -> np.ndarray:
        self.shapes = [a.shape for a in arrays]
        out = arrays[0].astype(np.float32, copy=True)
        for a in arrays[1:]:
            out = out + a
        return out

    def backward(self, g: np.ndarray):
        return tuple(unbroadcast(g, s) for s in self.shapes)


class Product(Function):
    def forward(self, *arrays: np.ndarray) -> np.ndarray:
        self.arrays = arrays
        out = arrays[0].astype(np.float32, copy=True)
        for a in arrays[1:]:
            out = out * a
        return out

    def backward(self, g: np.ndarray):
        grads = []
        for i, (a, need) in enumerate(zip(self.arrays, self.needs_input_grad)):
            if not need:
                grads.append(None)
                continue
            others = np.ones_like(g)
            for j, b in enumerate(self.arrays):
                if j != i:
                    others = others * b
            grads.append(unbroadcast(g * others, a.shape))
        return tuple(grads)


class Extreme(Function):
    """Elementwise maximum (or minimum) of several tensors; ties go to the first."""

    def forward(self, *arrays: np.ndarray, take_max: bool) -> np.ndarray:
        stacked = np.stack(np.broadcast_arrays(*arrays))
        self.pick = stacked.argmax(axis=0) if take_max else stacked.argmin(axis=0)
        self.shapes = [a.shape for a in arrays]
        return np.take_along_axis(stacked, self.pick[None], axis=0)[0]

    def backward(self, g: np.ndarray):
        return tuple(unbroadcast(g * (self.pick == i), s) for i, s in enumerate(self.shapes))


def concatenate(tensors: Sequence[Any], axis: int = -1) -> Tensor:
    ts = [to_tensor(t) for t in tensors]
    return Concatenate.apply(*ts, axis=axis % ts[0].ndim)


def add(tensors: Sequence[Any]) -> Tensor:
    return Sum.apply(*[to_tensor(t) for t in tensors])


def multiply(tensors: Sequence[Any]) -> Tensor:
    return Product.apply(*[to_tensor(t) for t in tensors])


def maximum(tensors: Sequence[Any]) -> Tensor:
    return Extreme.apply(*[to_tensor(t) for t in tensors], take_max=True)


def minimum(tensors: Sequence[Any]) -> Tensor:
    return Extreme.apply(*[to_tensor(t) for t in tensors], take_max=False)
