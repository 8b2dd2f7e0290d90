"""1-D reshaping layers over (batch, steps, features) sequences: Cropping1D, ZeroPadding1D
and UpSampling1D (their 2-D forms live in convolutional.py).

Example:
    >>> x = np.arange(12.0).reshape(1, 4, 3)
    >>> ember.layers.Cropping1D((1, 2))(x).shape, ember.layers.ZeroPadding1D(2)(x).shape
    ((1, 1, 3), (1, 8, 3))
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ember.autograd import Tensor
from ember.layers.base import Layer
from ember.layers.input_spec import InputSpec
from ember.ops import shaping


def _pair(layer: str, arg: str, value: Any) -> tuple[int, int]:
    """An int or a pair of ints, each >= 0, as a pair."""

    def is_int(v: Any) -> bool:
        return isinstance(v, (int, np.integer)) and not isinstance(v, bool)

    if is_int(value):
        pair = (int(value), int(value))
    elif isinstance(value, (list, tuple)) and len(value) == 2 and all(map(is_int, value)):
        pair = (int(value[0]), int(value[1]))
    else:
        raise ValueError(
            f"{layer}: the `{arg}` argument must be an int or a tuple of 2 ints. "
            f"Received: {arg}={value!r}"
        )
    if min(pair) < 0:
        raise ValueError(f"{layer}: `{arg}` must be >= 0. Received: {arg}={value!r}")
    return pair


class Cropping1D(Layer):
    """Removes ``cropping[0]`` steps from the start and ``cropping[1]`` from the end of
    each sequence (an int crops both ends by the same amount).

    Example:
        >>> ember.layers.Cropping1D(1)(np.arange(8.0).reshape(1, 4, 2)).numpy()
        array([[[2., 3.],
                [4., 5.]]], dtype=float32)
    """

    def __init__(self, cropping: Any = (1, 1), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cropping = _pair("Cropping1D", "cropping", cropping)
        self.input_spec = InputSpec(ndim=3)

    def _length(self, steps: int | None, shape: Any) -> int | None:
        if steps is None:
            return None
        length = steps - sum(self.cropping)
        if length <= 0:
            raise ValueError(
                f"{self.name}: `cropping` must be smaller than the input length. Received: "
                f"input_shape={tuple(shape)}, cropping={self.cropping}"
            )
        return length

    def call(self, inputs: Tensor) -> Tensor:
        steps = self._length(inputs.shape[1], inputs.shape) or 0
        start = self.cropping[0]
        return inputs[:, start : start + steps, :]

    def compute_output_shape(self, input_shape: Any) -> tuple:
        return (input_shape[0], self._length(input_shape[1], input_shape), input_shape[2])

    def get_config(self) -> dict:
        return {**super().get_config(), "cropping": list(self.cropping)}


class ZeroPadding1D(Layer):
    """Adds ``padding[0]`` zero steps at the start and ``padding[1]`` at the end of each
    sequence (an int pads both ends by the same amount). With
    ``data_format="channels_first"`` the inputs are (batch, features, steps).

    Example:
        >>> ember.layers.ZeroPadding1D((1, 0))(np.ones((1, 2, 1))).numpy()[0, :, 0]
        array([0., 1., 1.], dtype=float32)
    """

    def __init__(self, padding: Any = 1, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.padding = _pair("ZeroPadding1D", "padding", padding)
        if data_format not in (None, "channels_last", "channels_first"):
            raise ValueError(
                "ZeroPadding1D: `data_format` must be 'channels_last' or 'channels_first'. "
                f"Received: data_format={data_format!r}"
            )
        self.data_format = data_format or "channels_last"
        self.input_spec = InputSpec(ndim=3)

    def _axis(self) -> int:
        return 2 if self.data_format == "channels_first" else 1

    def call(self, inputs: Tensor) -> Tensor:
        width = [(0, 0), (0, 0), (0, 0)]
        width[self._axis()] = self.padding
        return shaping.pad(inputs, width)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        out = list(input_shape)
        axis = self._axis()
        if out[axis] is not None:
            out[axis] += sum(self.padding)
        return tuple(out)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "padding": list(self.padding),
            "data_format": self.data_format,
        }


class UpSampling1D(Layer):
    """Repeats each time step ``size`` times.

    Example:
        >>> ember.layers.UpSampling1D(2)(np.array([[[1.0], [2.0]]])).numpy()[0, :, 0]
        array([1., 1., 2., 2.], dtype=float32)
    """

    def __init__(self, size: int = 2, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(size, bool) or not isinstance(size, (int, np.integer)):
            raise TypeError(
                f"UpSampling1D: expected an integer value for `size`, received size={size!r}"
            )
        if size <= 0:
            raise ValueError(
                f"UpSampling1D: argument `size` should be a positive integer. Received: size={size}"
            )
        self.size = int(size)
        self.input_spec = InputSpec(ndim=3)

    def call(self, inputs: Tensor) -> Tensor:
        return shaping.repeat(inputs, self.size, axis=1)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        steps = None if input_shape[1] is None else input_shape[1] * self.size
        return (input_shape[0], steps, input_shape[2])

    def get_config(self) -> dict:
        return {**super().get_config(), "size": self.size}
