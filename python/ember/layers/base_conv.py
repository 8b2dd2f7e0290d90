"""``BaseConv``: what every convolution layer shares, written once. A public convolution class
only names its rank, whether it is transposed, and (when Keras orders its arguments
differently) its signature:

    class Conv1D(BaseConv, rank=1): ...
    class Conv2D(BaseConv, rank=2): ...
    class Conv2DTranspose(BaseConvTranspose, rank=2): ...  # BaseConv, transpose=True, with
                                                           # Keras' transposed argument order

The base holds the constructor arguments and their validation, the regularizer and
constraint arguments (stored here and handed to ``add_weight`` in one spot), the input spec
(rank ``rank + 2``, channel axis pinned at build), kernel and bias creation, the output-shape
arithmetic (valid/same/causal, dilation, transposed sizes with ``output_padding``), the call
with the bias and activation fused into the kernel's epilogue where the kernel can, the
numpy-only inference function for batch-1 predict, and ``get_config``.

Rank-1 layers run on the 2-D kernels: (batch, steps, channels) is viewed as an image of
height 1 and the kernel as (1, kernel_size, in, out).

Layers with other weights (separable, depthwise) override the hooks: ``_kernel_shape``,
``_output_channels``, ``_create_weights``, ``_convolve``, ``_fused_activation`` and extend
``get_config``; everything else is inherited.

Example:
    >>> conv = ember.layers.Conv1D(4, 3, padding="causal", activation="relu")
    >>> conv(np.ones((2, 10, 3))).shape, conv.kernel.shape
    ((2, 10, 4), (3, 3, 4))
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ember import _C
from ember import activations as activations_module
from ember import constraints as constraints_module
from ember import initializers as initializers_module
from ember import regularizers as regularizers_module
from ember.autograd import Tensor, Variable
from ember.layers.base import Layer
from ember.layers.core import check_data_format, fused_or_none
from ember.layers.input_spec import InputSpec
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
    if padding in ("same", "causal"):
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


def _output_padding(value: Any, rank: int, strides: tuple[int, ...], layer: str) -> Any:
    if value is None:
        return None
    pads = (value,) * rank if isinstance(value, (int, np.integer)) else value
    try:
        out = tuple(int(p) for p in pads)
    except TypeError:
        out = ()
    if len(out) != rank:
        raise ValueError(
            f"{layer}: the `output_padding` argument must be a tuple of {rank} integers. "
            f"Received output_padding={value!r}"
        )
    for p, s in zip(out, strides):
        if not 0 <= p < s:
            raise ValueError(
                f"{layer}: output_padding must be smaller than the stride; received "
                f"output_padding={out}, strides={strides}"
            )
    return out


def _unexpected(layer: Layer, arg: str) -> TypeError:
    return TypeError(f"{type(layer).__name__}: unexpected keyword argument(s) ['{arg}']")


class BaseConv(Layer):
    """Shared base of the convolution layers, parameterised by ``rank`` (spatial axes: 1 or 2)
    and ``transpose`` (a transposed convolution), given as class keywords:
    ``class Conv2D(BaseConv, rank=2)``.

    Arguments are Keras' (channels-last only): ``filters``, ``kernel_size``, ``strides``,
    ``padding`` ("valid", "same"; "causal" for rank-1 forward convolutions),
    ``data_format``, ``dilation_rate``, ``groups`` (1), ``activation``, ``use_bias``, the
    kernel/bias initializers, regularizers and constraints, ``activity_regularizer``, and for
    transposed layers ``output_padding``.

    Example:
        >>> class Conv1D(BaseConv, rank=1):
        ...     pass
        >>> Conv1D(2, 3, strides=2)(np.ones((1, 9, 3))).shape
        (1, 4, 2)
    """

    rank: int = 2
    transpose: bool = False
    #: The class computes what BaseConv's forward convolution computes, so the batch-1
    #: inference function below applies (set per class by __init_subclass__).
    _plain_forward: bool = True
    _fused_memo: tuple[Any, str | None] | None = None
    #: False for layers that take their output width from the input (depthwise).
    _needs_filters: bool = True

    def __init_subclass__(
        cls, rank: int | None = None, transpose: bool | None = None, **kwargs: Any
    ) -> None:
        super().__init_subclass__(**kwargs)
        if rank is not None:
            if rank not in (1, 2):
                raise ValueError(f"{cls.__name__}: rank must be 1 or 2 (spatial axes), got {rank}")
            cls.rank = rank
        if transpose is not None:
            cls.transpose = bool(transpose)
        cls._plain_forward = not cls.transpose and all(
            getattr(cls, hook) is getattr(BaseConv, hook)
            for hook in ("call", "_convolve", "_fused_activation", "_geometry_2d")
        )

    def __init__(
        self,
        filters: int | None,
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
        *,
        output_padding: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        rank, name = self.rank, self.name
        self.kernel_regularizer = regularizers_module.get(kernel_regularizer)
        self.bias_regularizer = regularizers_module.get(bias_regularizer)
        self.kernel_constraint = constraints_module.get(kernel_constraint)
        self.bias_constraint = constraints_module.get(bias_constraint)
        check_data_format(name, data_format)
        self.data_format = "channels_last"
        if self.transpose and groups != 1:
            raise _unexpected(self, "groups")
        if not self.transpose and output_padding is not None:
            raise _unexpected(self, "output_padding")
        if not isinstance(groups, (int, np.integer)) or groups < 1:
            raise ValueError(
                f"{name}: The number of groups must be a positive integer. "
                f"Received: groups={groups}."
            )
        if groups != 1:
            raise NotImplementedError(
                f"{name}: groups={groups} (grouped convolution) is not supported"
            )
        self.groups = 1
        if self._needs_filters and (not isinstance(filters, (int, np.integer)) or filters < 1):
            raise ValueError(
                f"Invalid value for argument `filters`. Expected a strictly "
                f"positive value. Received filters={filters}."
            )
        self.filters = None if filters is None else int(filters)
        self.kernel_size = normalize_tuple(kernel_size, rank, "kernel_size", name)
        self.strides = normalize_tuple(strides, rank, "strides", name)
        self.dilation_rate = normalize_tuple(dilation_rate, rank, "dilation_rate", name)
        causal = ("causal",) if rank == 1 and not self.transpose else ()
        self.padding = normalize_padding(padding, name, ("valid", "same", *causal))
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                f"{name}: `strides > 1` not supported in conjunction with "
                f"`dilation_rate > 1`. Received: strides={self.strides} and "
                f"dilation_rate={self.dilation_rate}"
            )
        if self.transpose:
            self.output_padding = _output_padding(output_padding, rank, self.strides, name)
        self.activation = activations_module.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers_module.get(kernel_initializer)
        self.bias_initializer = initializers_module.get(bias_initializer)
        self.input_spec = InputSpec(min_ndim=rank + 2, max_ndim=rank + 2)

    # ------------------------------------------------------------------ weights
    def _kernel_shape(self, channels: int | None) -> tuple:
        """Keras' layout: (*kernel_size, in, filters); transposed (*kernel_size, filters, in)."""
        if self.transpose:
            return (*self.kernel_size, self.filters, channels)
        return (*self.kernel_size, channels, self.filters)

    def _output_channels(self, channels: int | None) -> int | None:
        return self.filters

    def _add_kernel(self, name: str, shape: tuple, initializer: Any = None) -> Variable:
        return self.add_weight(
            name,
            shape,
            initializer if initializer is not None else self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )

    def _add_bias(self, size: int) -> Variable:
        return self.add_weight(
            "bias",
            (size,),
            self.bias_initializer,
            regularizer=self.bias_regularizer,
            constraint=self.bias_constraint,
        )

    def _create_weights(self, channels: int) -> None:
        self.kernel = self._add_kernel("kernel", self._kernel_shape(channels))
        self.bias = self._add_bias(self._output_channels(channels)) if self.use_bias else None

    def build(self, input_shape: Any) -> None:
        channels = input_shape[-1]
        if channels is None:
            raise ValueError(
                f"{self.name}: the channel dimension of the inputs should be defined. Found None."
            )
        self.compute_output_shape(input_shape)  # too-small inputs fail before any weight exists
        self._create_weights(int(channels))
        rank = self.rank
        self.input_spec = InputSpec(min_ndim=rank + 2, max_ndim=rank + 2, axes={-1: channels})
        self.built = True

    # ------------------------------------------------------------------ shapes
    def _output_length(self, axis: int, length: int | None) -> int | None:
        k, s, d = self.kernel_size[axis], self.strides[axis], self.dilation_rate[axis]
        if self.transpose:
            op = None if self.output_padding is None else self.output_padding[axis]
            return deconv_output_length(length, k, self.padding, op, s, d)
        return conv_output_length(length, k, self.padding, s, d)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        shape = tuple(input_shape)
        self._assert_input_compatible(shape)
        spatial = tuple(self._output_length(i, n) for i, n in enumerate(shape[1:-1]))
        if any(n is not None and n < 1 for n in spatial):
            raise ValueError(
                f"{self.name}: Computed output size would be zero or negative. Received "
                f"`inputs shape={shape}`, `kernel shape={self._kernel_shape(shape[-1])}`, "
                f"`dilation_rate={self.dilation_rate}`, `strides={self.strides}`, "
                f"`padding={self.padding}`."
            )
        return (shape[0], *spatial, self._output_channels(shape[-1]))

    # ------------------------------------------------------------------ running
    def _fused_activation(self) -> str | None:
        """The activation ``_convolve`` applies in the kernel's epilogue, or None (then
        ``call`` applies ``self.activation`` after it)."""
        if self.transpose:
            return None
        activation, memo = self.activation, self._fused_memo
        if memo is None or memo[0] is not activation:  # looked up once per activation
            memo = self._fused_memo = (activation, fused_or_none(activation))
        return memo[1]

    def _geometry_2d(self) -> tuple[tuple[int, int], Any, tuple[int, int]]:
        """(strides, padding, dilation) for the 2-D kernels; a rank-1 layer's height is 1."""
        if self.rank == 2:
            return self.strides, self.padding, self.dilation_rate  # type: ignore[return-value]
        padding: Any = self.padding
        if padding == "causal":  # the output at t sees only steps <= t: pad on the left
            padding = (0, 0, self.dilation_rate[0] * (self.kernel_size[0] - 1), 0)
        return (1, self.strides[0]), padding, (1, self.dilation_rate[0])

    def _convolve(self, x: Tensor, activation: str) -> Tensor:
        """The convolution of a (batch, height, width, channels) input (height 1 for rank-1
        layers), with the bias added and ``activation`` (from ``_fused_activation``, else
        "linear") applied; returns a 4-D tensor."""
        strides, padding, dilation = self._geometry_2d()
        kernel = self.kernel
        if self.rank == 1:
            kernel = math_ops.reshape(kernel, (1, *kernel.shape))
        if not self.transpose:
            return conv_ops.conv2d(x, kernel, self.bias, strides, padding, dilation, activation)
        n, h, w, _ = x.shape
        if self.rank == 1:
            out_hw = (1, self._output_length(0, w))
        else:
            out_hw = (self._output_length(0, h), self._output_length(1, w))
        y = conv_ops.conv2d_transpose(
            x, kernel, (n, *out_hw, self.filters), strides, padding, dilation
        )
        return y if self.bias is None else y + self.bias

    def call(self, inputs: Tensor) -> Tensor:
        fused = self._fused_activation()
        x = inputs
        if self.rank == 1:
            batch, steps, channels = inputs.shape
            x = math_ops.reshape(inputs, (batch, 1, steps, channels))
        y = self._convolve(x, fused or "linear")
        if self.rank == 1:
            y = math_ops.reshape(y, (y.shape[0], y.shape[2], y.shape[3]))
        return y if fused else self.activation(y)

    def _inference_fn(self) -> Callable[[np.ndarray], np.ndarray] | None:
        # Rebuilt on every predict_on_batch (Sequential._inference_chain): keep it lean.
        if not self._plain_forward:
            return None  # a subclass computing something else takes the Tensor path
        fused = self._fused_activation()
        if not fused:
            return None
        spec, name, kernel, bias = self.input_spec, self.name, self.kernel, self.bias
        fits = spec._fits or spec._predicate()
        conv = _C.conv2d_forward
        if self.rank == 2:
            geom = dict(
                activation=fused,
                strides=self.strides,
                padding=self.padding,
                dilation_rate=self.dilation_rate,
            )

            def run(x: np.ndarray) -> np.ndarray:
                if not fits(x.shape):
                    spec._check(name, x.shape)
                return conv(x, kernel.data, None if bias is None else bias.data, **geom)

            return run

        strides, padding, dilation = self._geometry_2d()
        geom = dict(activation=fused, strides=strides, padding=padding, dilation_rate=dilation)

        def run_1d(x: np.ndarray) -> np.ndarray:
            if not fits(x.shape):
                spec._check(name, x.shape)
            n, steps, channels = x.shape
            b = None if bias is None else bias.data
            y = conv(x.reshape(n, 1, steps, channels), kernel.data[None], b, **geom)
            return y.reshape(n, y.shape[2], y.shape[3])

        return run_1d

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict:
        config = {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": list(self.kernel_size),
            "strides": list(self.strides),
            "padding": self.padding,
        }
        if self.transpose:
            config["output_padding"] = (
                None if self.output_padding is None else list(self.output_padding)
            )
        config["data_format"] = self.data_format
        config["dilation_rate"] = list(self.dilation_rate)
        if not self.transpose:
            config["groups"] = self.groups
        return {
            **config,
            "activation": activations_module.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers_module.serialize(self.kernel_initializer),
            "bias_initializer": initializers_module.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers_module.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers_module.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers_module.serialize(self.activity_regularizer),
            "kernel_constraint": constraints_module.serialize(self.kernel_constraint),
            "bias_constraint": constraints_module.serialize(self.bias_constraint),
        }


class BaseConvTranspose(BaseConv, transpose=True):
    """``BaseConv`` with ``transpose=True`` and Keras' argument order for transposed
    convolutions (``output_padding`` fifth, no ``groups``); nothing else.

    Example:
        >>> class Conv1DTranspose(BaseConvTranspose, rank=1):
        ...     pass
        >>> Conv1DTranspose(2, 3, 2, "same", 1)(np.ones((1, 4, 3))).shape
        (1, 8, 2)
    """

    def __init__(
        self,
        filters: int,
        kernel_size: Any,
        strides: Any = 1,
        padding: str = "valid",
        output_padding: Any = None,
        data_format: Any = None,
        dilation_rate: Any = 1,
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
        super().__init__(
            filters,
            kernel_size,
            strides=strides,
            padding=padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
            activation=activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint,
            output_padding=output_padding,
            **kwargs,
        )
