"""Convolution layers (channels-last, HWIO kernels as Keras) and spatial reshaping layers:
Conv1D, Conv2D, Conv1DTranspose, Conv2DTranspose (thin classes over ``BaseConv`` in base_conv.py),
UpSampling2D, ZeroPadding2D, Cropping2D.

Example:
    >>> conv = ember.layers.Conv2D(8, 3, padding="same", activation="relu")
    >>> conv(np.ones((1, 5, 5, 3))).shape, conv.kernel.shape
    ((1, 5, 5, 8), (3, 3, 3, 8))
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ember.autograd import Tensor
from ember.layers.base import Layer
from ember.layers.base_conv import (  # noqa: F401 - conv_output_length & co. were defined here
    BaseConv,
    BaseConvTranspose,
    conv_output_length,
    deconv_output_length,
    normalize_padding,
    normalize_tuple,
)
from ember.layers.core import check_data_format
from ember.layers.input_spec import InputSpec
from ember.ops import convolutional as conv_ops


class Conv1D(BaseConv, rank=1, aliases=("Convolution1D",)):
    """1-D convolution over (batch, steps, channels): ``activation(conv1d(inputs, kernel) +
    bias)``, kernel (kernel_size, in_channels, filters); padding 'valid', 'same' or 'causal'
    (left-padded, for sequences). Runs on the 2-D convolution kernels.

    Example:
        >>> conv = ember.layers.Conv1D(4, 3, padding="causal")
        >>> conv(np.ones((2, 10, 3))).shape, conv.kernel.shape
        ((2, 10, 4), (3, 3, 4))
    """


class Conv2D(BaseConv, rank=2, aliases=("Convolution2D",)):
    """2-D convolution: ``activation(conv2d(inputs, kernel) + bias)``, kernel
    (kernel_h, kernel_w, in_channels, filters).

    Example:
        >>> conv = ember.layers.Conv2D(8, 3, strides=2, activation="relu")
        >>> conv(np.ones((1, 9, 9, 3))).shape, conv.kernel.shape
        ((1, 4, 4, 8), (3, 3, 3, 8))
    """


class Conv2DTranspose(
    BaseConvTranspose, rank=2, aliases=("Convolution2DTranspose", "Deconvolution2D")
):
    """Transposed convolution (the gradient of Conv2D as a layer); kernel
    (kernel_h, kernel_w, filters, in_channels), as Keras.

    Example:
        >>> up = ember.layers.Conv2DTranspose(4, 3, strides=2, padding="same")
        >>> up(np.ones((1, 5, 5, 3))).shape, up.kernel.shape
        ((1, 10, 10, 4), (3, 3, 4, 3))
    """


class Conv1DTranspose(BaseConvTranspose, rank=1, aliases=("Convolution1DTranspose",)):
    """Transposed 1-D convolution over (batch, steps, channels); kernel
    (kernel_size, filters, in_channels), as Keras. Runs on the 2-D transposed kernels with a
    height of 1.

    Example:
        >>> up = ember.layers.Conv1DTranspose(4, 3, strides=2, padding="same")
        >>> up(np.ones((2, 5, 3))).shape, up.kernel.shape
        ((2, 10, 4), (3, 4, 3))
    """


class UpSampling2D(Layer):
    """Repeats rows and columns ``size`` times (nearest) or resizes bilinearly with
    half-pixel centres (``interpolation="bilinear"``), as Keras."""

    def __init__(
        self,
        size: Any = (2, 2),
        data_format: Any = None,
        interpolation: str = "nearest",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        check_data_format(self.name, data_format)
        self.size = normalize_tuple(size, 2, "size", self.name)
        if interpolation not in ("nearest", "bilinear"):
            raise NotImplementedError(
                f"{self.name}: interpolation={interpolation!r} is not supported (use 'nearest' "
                "or 'bilinear')"
            )
        self.interpolation = interpolation
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs: Tensor) -> Tensor:
        return conv_ops.upsampling2d(inputs, self.size, self.interpolation)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        n, h, w, c = input_shape
        return (
            n,
            None if h is None else h * self.size[0],
            None if w is None else w * self.size[1],
            c,
        )

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "size": list(self.size),
            "data_format": "channels_last",
            "interpolation": self.interpolation,
        }


def _normalize_pairs(value: Any, name: str, layer: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """int -> ((v, v), (v, v)); (a, b) -> ((a, a), (b, b)); ((t, b), (l, r)) as is."""
    if isinstance(value, (int, np.integer)):
        v = int(value)
        out = ((v, v), (v, v))
    elif len(value) == 2 and all(isinstance(p, (int, np.integer)) for p in value):
        out = ((int(value[0]),) * 2, (int(value[1]),) * 2)
    elif len(value) == 2 and all(len(p) == 2 for p in value):
        out = tuple(tuple(int(x) for x in p) for p in value)  # type: ignore[assignment]
    else:
        raise ValueError(
            f"{layer}: `{name}` should be an int, a tuple of 2 ints or a tuple of "
            f"2 tuples of 2 ints. Received: {name}={value!r}"
        )
    if any(x < 0 for p in out for x in p):
        raise ValueError(f"{layer}: `{name}` must be >= 0, received {value!r}")
    return out  # type: ignore[return-value]


class ZeroPadding2D(Layer):
    def __init__(self, padding: Any = (1, 1), data_format: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        check_data_format(self.name, data_format)
        self.padding = _normalize_pairs(padding, "padding", self.name)
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs: Tensor) -> Tensor:
        return conv_ops.zero_padding2d(inputs, self.padding)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        n, h, w, c = input_shape
        (t, b), (left, r) = self.padding
        return (n, None if h is None else h + t + b, None if w is None else w + left + r, c)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "padding": [list(p) for p in self.padding],
            "data_format": "channels_last",
        }


class Cropping2D(Layer):
    def __init__(
        self, cropping: Any = ((0, 0), (0, 0)), data_format: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        check_data_format(self.name, data_format)
        self.cropping = _normalize_pairs(cropping, "cropping", self.name)
        self.input_spec = InputSpec(ndim=4)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        n, h, w, c = input_shape
        (t, b), (left, r) = self.cropping
        oh = None if h is None else h - t - b
        ow = None if w is None else w - left - r
        if (oh is not None and oh < 1) or (ow is not None and ow < 1):
            raise ValueError(
                f"{self.name}: cropping {self.cropping} leaves nothing of input "
                f"shape {tuple(input_shape)}"
            )
        return (n, oh, ow, c)

    def call(self, inputs: Tensor) -> Tensor:
        self.compute_output_shape(inputs.shape)
        return conv_ops.cropping2d(inputs, self.cropping)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "cropping": [list(p) for p in self.cropping],
            "data_format": "channels_last",
        }
