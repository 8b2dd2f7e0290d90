"""Merge layers: Concatenate, Add, Subtract, Multiply, Average, Maximum, Minimum, and the
functional forms (``concatenate``, ``add``, ...) that build and call them in one step.

Example:
    >>> a, b = ember.Input((3,)), ember.Input((2,))
    >>> ember.layers.concatenate([a, b]).shape
    (None, 5)
"""

from __future__ import annotations

from typing import Any

from ember.autograd import Tensor
from ember.layers.base import Layer
from ember.ops import math as math_ops
from ember.ops import merge as merge_ops


def _broadcast_shape(layer: Layer, shapes: list[tuple]) -> tuple:
    out: list[Any] = []
    rank = max(len(s) for s in shapes)
    padded = [(1,) * (rank - len(s)) + tuple(s) for s in shapes]
    for dims in zip(*padded):
        known = {d for d in dims if d not in (None, 1)}
        if len(known) > 1:
            raise ValueError(
                f"{layer.name}: inputs must have compatible shapes; received "
                f"{[tuple(s) for s in shapes]}"
            )
        out.append(known.pop() if known else (None if None in dims else 1))
    return tuple(out)


class _Merge(Layer):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True

    def _check(self, shapes: Any) -> None:
        if (
            not isinstance(shapes, (list, tuple))
            or len(shapes) < 1
            or not all(isinstance(s, tuple) for s in shapes)
        ):
            raise ValueError(
                f"A merge layer ({self.name}) should be called on a list of "
                f"inputs. Received: input_shape={shapes}"
            )

    def build(self, input_shape: Any) -> None:
        self._check(input_shape)
        self.built = True

    def compute_output_shape(self, input_shape: Any) -> tuple:
        self._check(input_shape)
        return _broadcast_shape(self, list(input_shape))

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return None


class Add(_Merge):
    def call(self, inputs: list[Tensor]) -> Tensor:
        return merge_ops.add(inputs)


class Multiply(_Merge):
    def call(self, inputs: list[Tensor]) -> Tensor:
        return merge_ops.multiply(inputs)


class Average(_Merge):
    def call(self, inputs: list[Tensor]) -> Tensor:
        return math_ops.multiply(merge_ops.add(inputs), 1.0 / len(inputs))


class Maximum(_Merge):
    def call(self, inputs: list[Tensor]) -> Tensor:
        return merge_ops.maximum(inputs)


class Minimum(_Merge):
    def call(self, inputs: list[Tensor]) -> Tensor:
        return merge_ops.minimum(inputs)


class Subtract(_Merge):
    def _check(self, shapes: Any) -> None:
        super()._check(shapes)
        if len(shapes) != 2:
            raise ValueError(
                f"A `Subtract` layer should be called on exactly 2 inputs. "
                f"Received: input_shape={shapes}"
            )

    def call(self, inputs: list[Tensor]) -> Tensor:
        return math_ops.subtract(inputs[0], inputs[1])


class Concatenate(_Merge):
    """Joins inputs along ``axis``; all other axes must match."""

    def __init__(self, axis: int = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = int(axis)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        self._check(input_shape)
        shapes = [tuple(s) for s in input_shape]
        rank = len(shapes[0])
        axis = self.axis % rank
        for s in shapes:
            if len(s) != rank or any(
                a != b and None not in (a, b)
                for i, (a, b) in enumerate(zip(s, shapes[0]))
                if i != axis
            ):
                raise ValueError(
                    "A `Concatenate` layer requires inputs with matching shapes except for "
                    f"the concatenation axis. Received: input_shape={shapes}"
                )
        total = None if any(s[axis] is None for s in shapes) else sum(s[axis] for s in shapes)
        out = list(shapes[0])
        out[axis] = total
        return tuple(out)

    def call(self, inputs: list[Tensor]) -> Tensor:
        self.compute_output_shape([t.shape for t in inputs])
        return merge_ops.concatenate(inputs, self.axis)

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis}


def concatenate(inputs: list[Any], axis: int = -1, **kwargs: Any) -> Any:
    """Functional form of Concatenate."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def add(inputs: list[Any], **kwargs: Any) -> Any:
    return Add(**kwargs)(inputs)


def subtract(inputs: list[Any], **kwargs: Any) -> Any:
    return Subtract(**kwargs)(inputs)


def multiply(inputs: list[Any], **kwargs: Any) -> Any:
    return Multiply(**kwargs)(inputs)


def average(inputs: list[Any], **kwargs: Any) -> Any:
    return Average(**kwargs)(inputs)


def maximum(inputs: list[Any], **kwargs: Any) -> Any:
    return Maximum(**kwargs)(inputs)


def minimum(inputs: list[Any], **kwargs: Any) -> Any:
    return Minimum(**kwargs)(inputs)
