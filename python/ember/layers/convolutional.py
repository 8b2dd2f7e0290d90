"""Convolution layers (channels-last, HWIO kernels as Keras) and spatial reshaping layers:
Conv2D, Conv2DTranspose, UpSampling2D, ZeroPadding2D, Cropping2D.

Example:
    >>> conv = ember.layers.Conv2D(8, 3, padding="same", activation="relu")
    >>> conv(np.ones((1, 5, 5, 3))).shape, conv.kernel.shape
    ((1, 5, 5, 8), (3, 3, 3, 8))
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ember import _C
from ember import activations as activations_module
from ember import initializers as initializers_module
from ember.autograd import Tensor
from ember.layers.base import Layer
from ember.layers.core import check_data_format, fused_or_none, incompatible, reject
from ember.ops import convolutional as conv_ops
from ember.ops import math as math_ops


def normalize_tuple(value: Any, n: int, name: str, layer: str) -> tuple[int, ...]:
    """An int or an n-tuple of ints, as Keras accepts for kernel_size, strides, ..."""
    if isinstance(value, (int, np.integer)):
        out = (int(value),) * n
    else:
        try:
            out = tuple(int(v) for v in value)
        except TypeError:
            raise ValueError(
                f"{layer}: the `{name}` argument must be a tuple of {n} integers. "
                f"Received {name}={value!r}"
            ) from None
        if len(out) != n:
            raise ValueError(
                f"{layer}: the `{name}` argument must be a tuple of {n} integers. "
                f"Received {name}={value!r}"
            )
    if any(v < 1 for v in out):
        raise ValueError(
            f"{layer}: the `{name}` argument must be a tuple of {n} positive "
            f"integers. Received {name}={value!r}"
        )
    return out


def normalize_padding(value: Any, layer: str, allowed: tuple[str, ...] = ("valid", "same")) -> str:
    if not isinstance(value, str) or value.lower() not in allowed:
        raise ValueError(
            f"{layer}: the `padding` argument must be one of {list(allowed)}. "
            f"Received: padding={value!r}"
        )
    return value.lower()


def conv_output_length(
    length: int | None, kernel: int, padding: str, stride: int, dilation: int = 1
) -> int | None:
    if length is None:
        return None
    extent = dilation * (kernel - 1) + 1
    if padding == "same":
        return math.ceil(length / stride)
    return (length - extent) // stride + 1


def deconv_output_length(
    length: int | None,
    kernel: int,
    padding: str,
    output_padding: int | None,
    stride: int,
    dilation: int = 1,
) -> int | None:
    """Keras' output size of a transposed convolution."""
    if length is None:
        return None
    kernel = kernel + (kernel - 1) * (dilation - 1)
    if output_padding is None:
        if padding == "valid":
            return length * stride + max(kernel - stride, 0)
        return length * stride
    pad = kernel // 2 if padding == "same" else 0
    return (length - 1) * stride + kernel - 2 * pad + output_padding


class Conv2D(Layer, aliases=("Convolution2D",)):
    """2-D convolution: ``activation(conv2d(inputs, kernel) + bias)``, kernel
    (kernel_h, kernel_w, in_channels, filters)."""

    def __init__(
        self,
        filters: int,
        kernel_size: Any,
        strides: Any = (1, 1),
        padding: str = "valid",
        data_format: Any = None,
        dilation_rate: Any = (1, 1),
        groups: int = 1,
        activation: Any = None,
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        reject(
            self.name,
            kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint,
        )
        check_data_format(self.name, data_format)
        if groups != 1:
            raise NotImplementedError(
                f"{self.name}: groups={groups} (grouped convolution) is not supported"
            )
        if not isinstance(filters, (int, np.integer)) or filters < 1:
            raise ValueError(
                f"Invalid value for argument `filters`. Expected a strictly "
                f"positive value. Received filters={filters}."
            )
        self.filters = int(filters)
        self.kernel_size = normalize_tuple(kernel_size, 2, "kernel_size", self.name)
        self.strides = normalize_tuple(strides, 2, "strides", self.name)
        self.dilation_rate = normalize_tuple(dilation_rate, 2, "dilation_rate", self.name)
        self.padding = normalize_padding(padding, self.name)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                f"{self.name}: `strides > 1` not supported in conjunction with "
                f"`dilation_rate > 1`. Received: strides={self.strides} and "
                f"dilation_rate={self.dilation_rate}"
            )
        self.activation = activations_module.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers_module.get(kernel_initializer)
        self.bias_initializer = initializers_module.get(bias_initializer)

    def _check_input_compatible(self, shapes: Any) -> None:
        if len(shapes) != 4:
            raise incompatible(
                self,
                f"expected min_ndim=4, found ndim={len(shapes)}. Full "
                f"shape received: {tuple(shapes)}",
                shapes,
            )
        if self.built and shapes[-1] is not None and shapes[-1] != self.kernel.shape[2]:
            raise incompatible(
                self,
                f"expected axis -1 of input shape to have value {self.kernel.shape[2]}",
                shapes,
            )

    def build(self, input_shape: Any) -> None:
        self._check_input_compatible(input_shape)
        channels = input_shape[-1]
        if channels is None:
            raise ValueError(
                f"{self.name}: the channel dimension of the inputs should be defined. Found None."
            )
        shape = (*self.kernel_size, channels, self.filters)
        self.kernel = self.add_weight("kernel", shape, self.kernel_initializer)
        self.bias = (
            self.add_weight("bias", (self.filters,), self.bias_initializer)
            if self.use_bias
            else None
        )
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        self._check_input_compatible(inputs.shape)
        fused = fused_or_none(self.activation)
        y = conv_ops.conv2d(
            inputs,
            self.kernel,
            self.bias,
            self.strides,
            self.padding,
            self.dilation_rate,
            fused or "linear",
        )
        return y if fused else self.activation(y)

    def _inference_fn(self) -> Any:
        fused = fused_or_none(self.activation)
        if type(self) is not Conv2D or not fused:
            return None
        kernel, bias, check = self.kernel, self.bias, self._check_input_compatible
        geom = dict(strides=self.strides, padding=self.padding, dilation_rate=self.dilation_rate)

        def run(x: np.ndarray) -> np.ndarray:
            check(x.shape)
            b = None if bias is None else bias.data
            return _C.conv2d_forward(x, kernel.data, b, activation=fused, **geom)

        return run

    def compute_output_shape(self, input_shape: Any) -> tuple:
        n, h, w, _ = input_shape
        return (
            n,
            conv_output_length(
                h, self.kernel_size[0], self.padding, self.strides[0], self.dilation_rate[0]
            ),
            conv_output_length(
                w, self.kernel_size[1], self.padding, self.strides[1], self.dilation_rate[1]
            ),
            self.filters,
        )

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": list(self.kernel_size),
            "strides": list(self.strides),
            "padding": self.padding,
            "data_format": "channels_last",
            "dilation_rate": list(self.dilation_rate),
            "groups": 1,
            "activation": activations_module.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers_module.serialize(self.kernel_initializer),
            "bias_initializer": initializers_module.serialize(self.bias_initializer),
        }


class Conv2DTranspose(Layer, aliases=("Convolution2DTranspose", "Deconvolution2D")):
    """Transposed convolution (the gradient of Conv2D as a layer); kernel
    (kernel_h, kernel_w, filters, in_channels), as Keras."""

    def __init__(
        self,
        filters: int,
        kernel_size: Any,
        strides: Any = (1, 1),
        padding: str = "valid",
        output_padding: Any = None,
        data_format: Any = None,
        dilation_rate: Any = (1, 1),
        activation: Any = None,
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        reject(
            self.name,
            kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint,
        )
        check_data_format(self.name, data_format)
        if not isinstance(filters, (int, np.integer)) or filters < 1:
            raise ValueError(
                f"Invalid value for argument `filters`. Expected a strictly "
                f"positive value. Received filters={filters}."
            )
        self.filters = int(filters)
        self.kernel_size = normalize_tuple(kernel_size, 2, "kernel_size", self.name)
        self.strides = normalize_tuple(strides, 2, "strides", self.name)
        self.dilation_rate = normalize_tuple(dilation_rate, 2, "dilation_rate", self.name)
        self.padding = normalize_padding(padding, self.name)
        if output_padding is None:
            self.output_padding = None
        else:
            pads = (output_padding,) * 2 if isinstance(output_padding, int) else output_padding
            self.output_padding = tuple(int(p) for p in pads)
            for p, s in zip(self.output_padding, self.strides):
                if not 0 <= p < s:
                    raise ValueError(
                        f"{self.name}: output_padding must be smaller than the "
                        f"stride; received output_padding={self.output_padding}, "
                        f"strides={self.strides}"
                    )
        self.activation = activations_module.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers_module.get(kernel_initializer)
        self.bias_initializer = initializers_module.get(bias_initializer)

    def _check_input_compatible(self, shapes: Any) -> None:
        if len(shapes) != 4:
            raise incompatible(self, f"expected ndim=4, found ndim={len(shapes)}", shapes)
        if self.built and shapes[-1] is not None and shapes[-1] != self.kernel.shape[3]:
            raise incompatible(
                self,
                f"expected axis -1 of input shape to have value {self.kernel.shape[3]}",
                shapes,
            )

    def build(self, input_shape: Any) -> None:
        self._check_input_compatible(input_shape)
        shape = (*self.kernel_size, self.filters, input_shape[-1])
        self.kernel = self.add_weight("kernel", shape, self.kernel_initializer)
        self.bias = (
            self.add_weight("bias", (self.filters,), self.bias_initializer)
            if self.use_bias
            else None
        )
        self.built = True

    def compute_output_shape(self, input_shape: Any) -> tuple:
        n, h, w, _ = input_shape
        op = self.output_padding or (None, None)
        return (
            n,
            deconv_output_length(
                h, self.kernel_size[0], self.padding, op[0], self.strides[0], self.dilation_rate[0]
            ),
            deconv_output_length(
                w, self.kernel_size[1], self.padding, op[1], self.strides[1], self.dilation_rate[1]
            ),
            self.filters,
        )

    def call(self, inputs: Tensor) -> Tensor:
        self._check_input_compatible(inputs.shape)
        out_shape = self.compute_output_shape(inputs.shape)
        y = conv_ops.conv2d_transpose(
            inputs, self.kernel, out_shape, self.strides, self.padding, self.dilation_rate
        )
        if self.bias is not None:
            y = y + self.bias
        return self.activation(y)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": list(self.kernel_size),
            "strides": list(self.strides),
            "padding": self.padding,
            "output_padding": None if self.output_padding is None else list(self.output_padding),
            "data_format": "channels_last",
            "dilation_rate": list(self.dilation_rate),
            "activation": activations_module.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers_module.serialize(self.kernel_initializer),
            "bias_initializer": initializers_module.serialize(self.bias_initializer),
        }


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

    def call(self, inputs: Tensor) -> Tensor:
        if inputs.ndim != 4:
            raise incompatible(self, f"expected ndim=4, found ndim={inputs.ndim}", inputs.shape)
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

    def call(self, inputs: Tensor) -> Tensor:
        if inputs.ndim != 4:
            raise incompatible(self, f"expected ndim=4, found ndim={inputs.ndim}", inputs.shape)
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


class Conv1D(Layer, aliases=("Convolution1D",)):
    """1-D convolution over (batch, steps, channels), kernel (kernel_size, in_channels,
    filters); padding 'valid', 'same' or 'causal' (left-padded, for sequences). Runs on the
    2-D convolution kernels."""

    def __init__(
        self,
        filters: int,
        kernel_size: Any,
        strides: Any = 1,
        padding: str = "valid",
        data_format: Any = None,
        dilation_rate: Any = 1,
        groups: int = 1,
        activation: Any = None,
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        reject(
            self.name,
            kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint,
        )
        check_data_format(self.name, data_format)
        if groups != 1:
            raise NotImplementedError(f"{self.name}: groups={groups} is not supported")
        if not isinstance(filters, (int, np.integer)) or filters < 1:
            raise ValueError(
                f"Invalid value for argument `filters`. Expected a strictly "
                f"positive value. Received filters={filters}."
            )
        self.filters = int(filters)
        self.kernel_size = normalize_tuple(kernel_size, 1, "kernel_size", self.name)
        self.strides = normalize_tuple(strides, 1, "strides", self.name)
        self.dilation_rate = normalize_tuple(dilation_rate, 1, "dilation_rate", self.name)
        self.padding = normalize_padding(padding, self.name, ("valid", "same", "causal"))
        self.activation = activations_module.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers_module.get(kernel_initializer)
        self.bias_initializer = initializers_module.get(bias_initializer)

    def _check_input_compatible(self, shapes: Any) -> None:
        if len(shapes) != 3:
            raise incompatible(
                self,
                f"expected min_ndim=3, found ndim={len(shapes)}. Full "
                f"shape received: {tuple(shapes)}",
                shapes,
            )
        if self.built and shapes[-1] is not None and shapes[-1] != self.kernel.shape[1]:
            raise incompatible(
                self,
                f"expected axis -1 of input shape to have value {self.kernel.shape[1]}",
                shapes,
            )

    def build(self, input_shape: Any) -> None:
        self._check_input_compatible(input_shape)
        shape = (self.kernel_size[0], input_shape[-1], self.filters)
        self.kernel = self.add_weight("kernel", shape, self.kernel_initializer)
        self.bias = (
            self.add_weight("bias", (self.filters,), self.bias_initializer)
            if self.use_bias
            else None
        )
        self.built = True

    def _length(self, steps: int | None) -> int | None:
        if steps is None:
            return None
        k, s, d = self.kernel_size[0], self.strides[0], self.dilation_rate[0]
        if self.padding == "causal":
            return (steps - 1) // s + 1
        return conv_output_length(steps, k, self.padding, s, d)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        return (input_shape[0], self._length(input_shape[1]), self.filters)

    def call(self, inputs: Tensor) -> Tensor:
        self._check_input_compatible(inputs.shape)
        batch, steps, channels = inputs.shape
        k, d = self.kernel_size[0], self.dilation_rate[0]
        padding: Any = self.padding
        if padding == "causal":  # the output at t sees only steps <= t
            padding = (0, 0, d * (k - 1), 0)
        image = math_ops.reshape(inputs, (batch, 1, steps, channels))
        kernel = math_ops.reshape(self.kernel, (1, k, channels, self.filters))
        fused = fused_or_none(self.activation)
        y = conv_ops.conv2d(
            image, kernel, self.bias, (1, self.strides[0]), padding, (1, d), fused or "linear"
        )
        y = math_ops.reshape(y, (batch, y.shape[2], self.filters))
        return y if fused else self.activation(y)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": list(self.kernel_size),
            "strides": list(self.strides),
            "padding": self.padding,
            "data_format": "channels_last",
            "dilation_rate": list(self.dilation_rate),
            "groups": 1,
            "activation": activations_module.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers_module.serialize(self.kernel_initializer),
            "bias_initializer": initializers_module.serialize(self.bias_initializer),
        }
