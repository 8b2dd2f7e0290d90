"""Adaptive pooling layers: pool to a fixed ``output_size`` whatever the input's size
(AdaptiveAveragePooling1D/2D, AdaptiveMaxPooling1D/2D), as Keras 3. Output cell i along an
axis of length n covers input cells floor(i * n / out) to ceil((i + 1) * n / out) - 1, the
windows ``ember.ops.adaptive_average_pool`` / ``adaptive_max_pool`` use.

Example:
    >>> pool = ember.layers.AdaptiveAveragePooling2D((2, 3))
    >>> pool(np.ones((1, 7, 5, 4))).shape
    (1, 2, 3, 4)
"""

from __future__ import annotations

from typing import Any

from ember.autograd import Tensor
from ember.layers.base import Layer
from ember.layers.base_conv import normalize_tuple
from ember.layers.input_spec import InputSpec
from ember.ops import nn as nn_ops


class _AdaptivePooling(Layer):
    """Shared body: ``rank`` spatial axes, ``largest`` picks max over average."""

    rank = 2
    largest = False

    def __init__(self, output_size: Any, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.output_size = normalize_tuple(output_size, self.rank, "output_size", self.name)
        if any(n < 1 for n in self.output_size):
            raise ValueError(
                f"{self.name}: `output_size` must be positive integers, received {output_size}"
            )
        fmt = "channels_last" if data_format is None else data_format
        if fmt not in ("channels_last", "channels_first"):
            raise ValueError(
                f"{self.name}: `data_format` must be 'channels_last' or 'channels_first', "
                f"received {data_format!r}"
            )
        self.data_format = fmt
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs: Tensor) -> Tensor:
        pool = nn_ops.adaptive_max_pool if self.largest else nn_ops.adaptive_average_pool
        return pool(inputs, self.output_size, data_format=self.data_format)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        shape = tuple(input_shape)
        self._assert_input_compatible(shape)
        if self.data_format == "channels_first":
            return (*shape[:2], *self.output_size)
        return (shape[0], *self.output_size, shape[-1])

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "output_size": self.output_size,
            "data_format": self.data_format,
        }


class AdaptiveAveragePooling1D(_AdaptivePooling):
    """Average pooling of (batch, steps, channels) to ``output_size`` steps.

    Example:
        >>> pool = ember.layers.AdaptiveAveragePooling1D(2)
        >>> pool(np.arange(4.0).reshape(1, 4, 1)).numpy().ravel()
        array([0.5, 2.5], dtype=float32)
    """

    rank = 1


class AdaptiveMaxPooling1D(_AdaptivePooling):
    """Max pooling of (batch, steps, channels) to ``output_size`` steps.

    Example:
        >>> pool = ember.layers.AdaptiveMaxPooling1D(2)
        >>> pool(np.arange(4.0).reshape(1, 4, 1)).numpy().ravel()
        array([1., 3.], dtype=float32)
    """

    rank = 1
    largest = True


class AdaptiveAveragePooling2D(_AdaptivePooling):
    """Average pooling of (batch, height, width, channels) to ``output_size`` (an int or a
    pair).

    Example:
        >>> ember.layers.AdaptiveAveragePooling2D(1)(np.ones((2, 5, 5, 3))).shape
        (2, 1, 1, 3)
    """


class AdaptiveMaxPooling2D(_AdaptivePooling):
    """Max pooling of (batch, height, width, channels) to ``output_size`` (an int or a pair).

    Example:
        >>> ember.layers.AdaptiveMaxPooling2D((2, 2))(np.ones((2, 5, 4, 3))).shape
        (2, 2, 2, 3)
    """

    largest = True
