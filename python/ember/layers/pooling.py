"""Pooling layers: MaxPooling2D / AveragePooling2D (aliases MaxPool2D / AvgPool2D) and the
global forms, channels-last.

Example:
    >>> ember.layers.MaxPooling2D()(np.ones((1, 4, 4, 3))).shape
    (1, 2, 2, 3)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ember import _C
from ember.autograd import Tensor
from ember.layers.base import Layer
from ember.layers.base_conv import conv_output_length, normalize_padding, normalize_tuple
from ember.layers.core import check_data_format
from ember.layers.input_spec import InputSpec
from ember.ops import math as math_ops
from ember.ops import pooling as pool_ops


class _Pooling2D(Layer):
    _op: Any = None

    def __init__(
        self,
        pool_size: Any = (2, 2),
        strides: Any = None,
        padding: str = "valid",
        data_format: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        check_data_format(self.name, data_format)
        self.pool_size = normalize_tuple(pool_size, 2, "pool_size", self.name)
        self.strides = (
            self.pool_size if strides is None else normalize_tuple(strides, 2, "strides", self.name)
        )
        self.padding = normalize_padding(padding, self.name)
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs: Tensor) -> Tensor:
        return type(self)._op(inputs, self.pool_size, self.strides, self.padding)

    def _inference_fn(self) -> Any:
        kernel = getattr(_C, getattr(type(self), "_kernel", ""), None)
        if kernel is None:
            return None
        spec, name = self.input_spec, self.name
        fits = spec._fits or spec._predicate()
        geom = dict(pool_size=self.pool_size, strides=self.strides, padding=self.padding)

        def run(x: np.ndarray) -> np.ndarray:
            if not fits(x.shape):
                spec._check(name, x.shape)
            return kernel(x, **geom)  # no argmax indices: nothing will go backward

        return run

    def compute_output_shape(self, input_shape: Any) -> tuple:
        n, h, w, c = input_shape
        return (
            n,
            conv_output_length(h, self.pool_size[0], self.padding, self.strides[0]),
            conv_output_length(w, self.pool_size[1], self.padding, self.strides[1]),
            c,
        )

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "pool_size": list(self.pool_size),
            "strides": list(self.strides),
            "padding": self.padding,
            "data_format": "channels_last",
        }


class MaxPooling2D(_Pooling2D, aliases=("MaxPool2D",)):
    """Max over ``pool_size`` windows (strides default to pool_size)."""

    _op = staticmethod(pool_ops.max_pool2d)
    _kernel = "max_pool2d_forward"


class AveragePooling2D(_Pooling2D, aliases=("AvgPool2D",)):
    """Mean over ``pool_size`` windows; with 'same' padding only real cells count."""

    _op = staticmethod(pool_ops.avg_pool2d)
    _kernel = "avg_pool2d_forward"


MaxPool2D = MaxPooling2D
AvgPool2D = AveragePooling2D


class _GlobalPooling2D(Layer):
    _op: Any = None

    def __init__(self, data_format: Any = None, keepdims: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        check_data_format(self.name, data_format)
        self.keepdims = bool(keepdims)
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs: Tensor) -> Tensor:
        y = type(self)._op(inputs)
        if self.keepdims:
            y = math_ops.reshape(y, (y.shape[0], 1, 1, y.shape[1]))
        return y

    def compute_output_shape(self, input_shape: Any) -> tuple:
        n, _, _, c = input_shape
        return (n, 1, 1, c) if self.keepdims else (n, c)

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": "channels_last", "keepdims": self.keepdims}


class GlobalAveragePooling2D(_GlobalPooling2D, aliases=("GlobalAvgPool2D",)):
    _op = staticmethod(pool_ops.global_avg_pool2d)


class GlobalMaxPooling2D(_GlobalPooling2D, aliases=("GlobalMaxPool2D",)):
    _op = staticmethod(pool_ops.global_max_pool2d)


GlobalAvgPool2D = GlobalAveragePooling2D
GlobalMaxPool2D = GlobalMaxPooling2D


class _Pooling1D(Layer):
    _op: Any = None

    def __init__(
        self,
        pool_size: Any = 2,
        strides: Any = None,
        padding: str = "valid",
        data_format: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        check_data_format(self.name, data_format)
        self.pool_size = normalize_tuple(pool_size, 1, "pool_size", self.name)
        self.strides = (
            self.pool_size if strides is None else normalize_tuple(strides, 1, "strides", self.name)
        )
        self.padding = normalize_padding(padding, self.name)
        self.input_spec = InputSpec(ndim=3)

    def call(self, inputs: Tensor) -> Tensor:
        batch, steps, channels = inputs.shape
        image = math_ops.reshape(inputs, (batch, 1, steps, channels))
        y = type(self)._op(image, (1, self.pool_size[0]), (1, self.strides[0]), self.padding)
        return math_ops.reshape(y, (batch, y.shape[2], channels))

    def compute_output_shape(self, input_shape: Any) -> tuple:
        n, steps, c = input_shape
        return (n, conv_output_length(steps, self.pool_size[0], self.padding, self.strides[0]), c)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "pool_size": list(self.pool_size),
            "strides": list(self.strides),
            "padding": self.padding,
            "data_format": "channels_last",
        }


class MaxPooling1D(_Pooling1D, aliases=("MaxPool1D",)):
    _op = staticmethod(pool_ops.max_pool2d)


class AveragePooling1D(_Pooling1D, aliases=("AvgPool1D",)):
    _op = staticmethod(pool_ops.avg_pool2d)


MaxPool1D = MaxPooling1D
AvgPool1D = AveragePooling1D


class GlobalAveragePooling1D(Layer, aliases=("GlobalAvgPool1D",)):
    """Mean over time; with a mask, the mean over the unmasked steps (as Keras)."""

    def __init__(self, data_format: Any = None, keepdims: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        check_data_format(self.name, data_format)
        self.keepdims = bool(keepdims)
        self.supports_masking = True
        self.input_spec = InputSpec(ndim=3)

    def call(self, inputs: Tensor, mask: Any = None) -> Tensor:
        if mask is not None:
            weights = np.asarray(mask, np.float32)[..., None]
            total = math_ops.sum(math_ops.multiply(inputs, weights), axis=1, keepdims=self.keepdims)
            count = np.maximum(weights.sum(axis=1, keepdims=self.keepdims), 1e-7)
            return math_ops.divide(total, count.astype(np.float32))
        return math_ops.mean(inputs, axis=1, keepdims=self.keepdims)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return None

    def compute_output_shape(self, input_shape: Any) -> tuple:
        n, _, c = input_shape
        return (n, 1, c) if self.keepdims else (n, c)

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": "channels_last", "keepdims": self.keepdims}


class GlobalMaxPooling1D(Layer, aliases=("GlobalMaxPool1D",)):
    def __init__(self, data_format: Any = None, keepdims: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        check_data_format(self.name, data_format)
        self.keepdims = bool(keepdims)
        self.input_spec = InputSpec(ndim=3)

    def call(self, inputs: Tensor) -> Tensor:
        batch, steps, channels = inputs.shape
        y = pool_ops.global_max_pool2d(math_ops.reshape(inputs, (batch, 1, steps, channels)))
        return math_ops.reshape(y, (batch, 1, channels)) if self.keepdims else y

    def compute_output_shape(self, input_shape: Any) -> tuple:
        n, _, c = input_shape
        return (n, 1, c) if self.keepdims else (n, c)

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": "channels_last", "keepdims": self.keepdims}


GlobalAvgPool1D = GlobalAveragePooling1D
GlobalMaxPool1D = GlobalMaxPooling1D
