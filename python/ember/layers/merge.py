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


_LETTERS = "bcdefghijklmnopqrstuvwxyz"


def _dot_axes(layer: str, axes: Any) -> int | list[int]:
    def is_int(v: Any) -> bool:
        return isinstance(v, int) and not isinstance(v, bool)

    if is_int(axes):
        return axes
    if not isinstance(axes, (list, tuple)):
        raise TypeError(
            f"{layer}: invalid type for argument `axes`: it should be a list or an int. "
            f"Received: axes={axes!r}"
        )
    if len(axes) != 2 or not all(is_int(a) for a in axes):
        raise ValueError(
            f"{layer}: invalid format for argument `axes`: it should contain two integers. "
            f"Received: axes={axes!r}"
        )
    return list(axes)


class Dot(_Merge):
    """The dot product of two batched inputs along one axis of each (``axes``: an int for
    both, or a pair), as Keras' ``batch_dot``: the output keeps the first input's other axes,
    then the second's (without its batch axis); a rank-1 result becomes (batch, 1). With
    ``normalize=True`` the inputs are L2-normalized along the axes first (cosine proximity).

    Example:
        >>> a, b = np.ones((2, 3)), np.full((2, 3), 2.0)
        >>> ember.layers.Dot(axes=1)([a, b]).numpy()
        array([[6.],
               [6.]], dtype=float32)
    """

    def __init__(self, axes: int | list[int], normalize: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axes = _dot_axes("Dot", axes)
        self.normalize = bool(normalize)

    def _resolve(self, shapes: Any) -> tuple[int, int]:
        if (
            not isinstance(shapes, (list, tuple))
            or len(shapes) != 2
            or not all(isinstance(s, (list, tuple)) for s in shapes)
        ):
            raise ValueError(
                f"{self.name}: a `Dot` layer should be called on a list of 2 inputs. "
                f"Received: input_shape={shapes}"
            )
        pair = [self.axes] * 2 if isinstance(self.axes, int) else self.axes
        out = []
        for shape, axis in zip(shapes, pair):
            rank = len(shape)
            if rank < 2:
                raise ValueError(
                    f"{self.name}: `Dot` needs inputs of rank >= 2; received shapes {shapes}"
                )
            if not -rank <= axis < rank:
                raise ValueError(
                    f"{self.name}: axis {axis} is out of range for an input of shape "
                    f"{tuple(shape)}. Received: axes={self.axes}"
                )
            out.append(axis % rank)
        if 0 in out:
            raise ValueError(
                f"{self.name}: cannot take the dot product over axis 0 (the batch axis). "
                f"Received: axes={self.axes}"
            )
        d1, d2 = shapes[0][out[0]], shapes[1][out[1]]
        if d1 is not None and d2 is not None and d1 != d2:
            raise ValueError(
                f"{self.name}: incompatible input shapes: axis values {d1} (at axis {out[0]}) "
                f"!= {d2} (at axis {out[1]}). Full input shapes: {tuple(shapes[0])}, "
                f"{tuple(shapes[1])}"
            )
        b1, b2 = shapes[0][0], shapes[1][0]
        if b1 is not None and b2 is not None and b1 != b2:
            raise ValueError(
                f"{self.name}: the inputs have different batch sizes. Received shapes "
                f"{tuple(shapes[0])} and {tuple(shapes[1])}"
            )
        return out[0], out[1]

    def build(self, input_shape: Any) -> None:
        self._resolve(input_shape)
        self.built = True

    def call(self, inputs: list[Tensor]) -> Tensor:
        from ember.ops import nn as nn_ops
        from ember.ops import products

        x, y = inputs
        a0, a1 = self._resolve([x.shape, y.shape])
        if self.normalize:
            x = nn_ops.normalize(x, axis=a0)
            y = nn_ops.normalize(y, axis=a1)
        # Subscripts: "a" is the batch axis, "z" the contracted one.
        letters = iter(_LETTERS[:-1])
        xs = ["a"] + [("z" if i == a0 else next(letters)) for i in range(1, x.ndim)]
        ys = ["a"] + [("z" if i == a1 else next(letters)) for i in range(1, y.ndim)]
        out = [c for c in xs if c != "z"] + [c for c in ys[1:] if c != "z"]
        result = products.einsum(f"{''.join(xs)},{''.join(ys)}->{''.join(out)}", x, y)
        if result.ndim == 1:
            result = math_ops.reshape(result, (result.shape[0], 1))
        return result

    def compute_output_shape(self, input_shape: Any) -> tuple:
        a0, a1 = self._resolve(input_shape)
        first = [d for i, d in enumerate(input_shape[0]) if i != a0]
        second = [d for i, d in enumerate(input_shape[1]) if i not in (0, a1)]
        out = first + second
        return tuple(out + [1] if len(out) == 1 else out)

    def get_config(self) -> dict:
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


def dot(
    inputs: list[Any], axes: int | list[int] = -1, normalize: bool = False, **kwargs: Any
) -> Any:
    """Functional form of Dot: ``Dot(axes, normalize, **kwargs)(inputs)``.

    Example:
        >>> ember.layers.dot([np.ones((2, 3)), np.ones((2, 3))], axes=1).shape
        (2, 1)
    """
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
