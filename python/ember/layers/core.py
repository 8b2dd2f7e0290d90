"""Core layers: Dense, Activation and its named forms, Dropout, Flatten, Reshape, Rescaling,
RepeatVector and Permute.

Example:
    >>> layer = ember.layers.Dense(3, activation="relu")
    >>> layer(np.ones((2, 4))).shape, len(layer.get_weights())
    ((2, 3), 2)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ember import _C, _random
from ember import activations as activations_module
from ember import constraints as constraints_module
from ember import initializers as initializers_module
from ember import regularizers as regularizers_module
from ember.autograd import Tensor
from ember.layers.base import Layer
from ember.layers.input_spec import InputSpec
from ember.ops import activations as act_ops
from ember.ops import core as core_ops
from ember.ops import math as math_ops


def reject(layer_name: str, **unsupported: Any) -> None:
    """NotImplementedError for a Keras argument ember does not implement (when it is set)."""
    for arg, value in unsupported.items():
        if value is not None:
            raise NotImplementedError(f"{layer_name}: the argument `{arg}` is not supported")


def check_data_format(layer_name: str, data_format: Any) -> None:
    if data_format not in (None, "channels_last"):
        raise NotImplementedError(
            f"{layer_name}: data_format={data_format!r} is not supported; ember works "
            "channels_last (NHWC)"
        )


def fused_or_none(activation: Any) -> str | None:
    """The name of an activation the GEMM epilogue can apply, or None."""
    name = activations_module.name_of(activation)
    return name if name in core_ops.FUSED_ACTIVATIONS else None


class Dense(Layer):
    """``activation(inputs @ kernel + bias)`` on the last axis; kernel is (input_dim, units).

    Example:
        >>> layer = ember.layers.Dense(3, kernel_regularizer="l2", bias_constraint="non_neg")
        >>> layer(np.ones((2, 4))).shape, len(layer.losses)
        ((2, 3), 1)
    """

    def __init__(
        self,
        units: int,
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
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if not isinstance(units, (int, np.integer)) or units < 1:
            raise ValueError(
                f"Received an invalid value for `units`, expected a positive integer. "
                f"Received: units={units}"
            )
        self.units = int(units)
        self.activation = activations_module.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers_module.get(kernel_initializer)
        self.bias_initializer = initializers_module.get(bias_initializer)
        self.kernel_regularizer = regularizers_module.get(kernel_regularizer)
        self.bias_regularizer = regularizers_module.get(bias_regularizer)
        self.kernel_constraint = constraints_module.get(kernel_constraint)
        self.bias_constraint = constraints_module.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)

    def build(self, input_shape: Any) -> None:
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(
                f"{self.name}: the last dimension of the inputs to a Dense layer should be "
                f"defined. Found None. Full input shape received: {tuple(input_shape)}"
            )
        self.kernel = self.add_weight(
            "kernel",
            (input_dim, self.units),
            self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.bias = (
            self.add_weight(
                "bias",
                (self.units,),
                self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
            if self.use_bias
            else None
        )
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_dim})
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        fused = fused_or_none(self.activation)
        y = core_ops.dense(inputs, self.kernel, self.bias, fused or "linear")
        return y if fused else self.activation(y)

    def _inference_fn(self) -> Any:
        fused = fused_or_none(self.activation)
        softmax = self.activation is activations_module.softmax
        if type(self) is not Dense or not (fused or softmax):
            return None
        kernel, bias, units = self.kernel, self.bias, self.units
        spec, name = self.input_spec, self.name
        fits = spec._fits or spec._predicate()

        def run(x: np.ndarray) -> np.ndarray:
            if not fits(x.shape):
                spec._check(name, x.shape)
            b = None if bias is None else bias.data
            y = _C.gemm(x.reshape(-1, x.shape[-1]), kernel.data, bias=b, activation=fused)
            y = _C.softmax_forward(y) if softmax else y
            return y.reshape(*x.shape[:-1], units)

        return run

    def compute_output_shape(self, input_shape: Any) -> tuple:
        return (*tuple(input_shape)[:-1], self.units)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations_module.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers_module.serialize(self.kernel_initializer),
            "bias_initializer": initializers_module.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers_module.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers_module.serialize(self.bias_regularizer),
            "kernel_constraint": constraints_module.serialize(self.kernel_constraint),
            "bias_constraint": constraints_module.serialize(self.bias_constraint),
        }


class Activation(Layer):
    """Applies a named (or callable) activation.

    Example:
        >>> ember.layers.Activation("tanh")(np.zeros((1, 2))).numpy()
        array([[0., 0.]], dtype=float32)
    """

    def __init__(self, activation: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.activation = activations_module.get(activation)
        self.supports_masking = True

    def call(self, inputs: Tensor) -> Tensor:
        return self.activation(inputs)

    def get_config(self) -> dict:
        return {**super().get_config(), "activation": activations_module.serialize(self.activation)}


class ReLU(Layer):
    """Keras' ReLU: ``max_value`` cap, ``negative_slope`` below ``threshold``."""

    def __init__(
        self,
        max_value: float | None = None,
        negative_slope: float = 0.0,
        threshold: float = 0.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0:
            raise ValueError(
                f"max_value of a ReLU layer cannot be a negative value. Received: {max_value}"
            )
        if negative_slope is None or negative_slope < 0:
            raise ValueError(
                f"negative_slope of a ReLU layer cannot be a negative value. "
                f"Received: {negative_slope}"
            )
        self.max_value = None if max_value is None else float(max_value)
        self.negative_slope = float(negative_slope)
        self.threshold = float(threshold)
        self.supports_masking = True

    def call(self, inputs: Tensor) -> Tensor:
        return act_ops.relu(inputs, self.negative_slope, self.max_value, self.threshold)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "max_value": self.max_value,
            "negative_slope": self.negative_slope,
            "threshold": self.threshold,
        }


class LeakyReLU(Layer):
    """``x`` for x >= 0, ``negative_slope * x`` otherwise (Keras default slope 0.3)."""

    def __init__(self, negative_slope: float = 0.3, **kwargs: Any) -> None:
        if "alpha" in kwargs:  # Keras 2's name
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        if negative_slope is None or negative_slope < 0:
            raise ValueError(
                f"The negative_slope value of a Leaky ReLU layer cannot be None "
                f"or negative. Received: negative_slope={negative_slope}"
            )
        self.negative_slope = float(negative_slope)
        self.supports_masking = True

    def call(self, inputs: Tensor) -> Tensor:
        return act_ops.activation(inputs, "leaky_relu", self.negative_slope)

    def get_config(self) -> dict:
        return {**super().get_config(), "negative_slope": self.negative_slope}


class Softmax(Layer):
    def __init__(self, axis: int = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = axis
        self.supports_masking = True

    def call(self, inputs: Tensor, mask: Any = None) -> Tensor:
        if mask is not None:
            raise NotImplementedError(f"{self.name}: a masked softmax is not supported")
        return act_ops.softmax(inputs, self.axis)

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis}


class Dropout(Layer):
    """Zeroes a fraction ``rate`` of the inputs during training, scaling the rest by
    ``1 / (1 - rate)``; identity at inference.

    Example:
        >>> layer = ember.layers.Dropout(0.5)
        >>> bool((layer(np.ones((100,)), training=False).numpy() == 1).all())
        True
    """

    def __init__(
        self, rate: float, noise_shape: Any = None, seed: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        if not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
            raise ValueError(
                f"Invalid value received for argument `rate`. Expected a float "
                f"value between 0 and 1. Received: rate={rate}"
            )
        reject(self.name, noise_shape=noise_shape)
        self.rate = float(rate)
        self.seed = seed
        self._seeds = np.random.default_rng(seed) if seed is not None else None
        self.supports_masking = True

    def _inference_fn(self) -> Any:
        return lambda x: x  # dropout is the identity outside training

    def call(self, inputs: Tensor, training: bool | None = None) -> Tensor:
        if not training or self.rate == 0.0:
            return inputs
        if self.rate == 1.0:
            return math_ops.multiply(inputs, 0.0)
        seed = (
            int(self._seeds.integers(0, 2**63 - 1))
            if self._seeds is not None
            else _random.next_seed()
        )
        return core_ops.dropout(inputs, self.rate, seed)

    def get_config(self) -> dict:
        return {**super().get_config(), "rate": self.rate, "seed": self.seed, "noise_shape": None}


class Flatten(Layer):
    """Flattens every axis but the batch axis."""

    def __init__(self, data_format: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        check_data_format(self.name, data_format)

    def call(self, inputs: Tensor) -> Tensor:
        return math_ops.reshape(inputs, (inputs.shape[0], -1))

    def _inference_fn(self) -> Any:
        return lambda x: x.reshape(x.shape[0], -1)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        rest = tuple(input_shape)[1:]
        size = None if any(d is None for d in rest) else int(np.prod(rest, dtype=np.int64))
        return (input_shape[0], size)


class Reshape(Layer):
    """Reshapes each sample to ``target_shape`` (one entry may be -1)."""

    def __init__(self, target_shape: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.target_shape = tuple(int(d) for d in target_shape)
        if sum(d == -1 for d in self.target_shape) > 1 or any(
            d < -1 or d == 0 for d in self.target_shape
        ):
            raise ValueError(f"{self.name}: invalid target_shape {self.target_shape}")

    def _resolve(self, input_shape: Any) -> tuple:
        rest = tuple(input_shape)[1:]
        if any(d is None for d in rest):
            return self.target_shape
        size = int(np.prod(rest, dtype=np.int64))
        known = int(np.prod([d for d in self.target_shape if d != -1], dtype=np.int64))
        if -1 in self.target_shape:
            if known == 0 or size % known:
                raise ValueError(
                    f"The total size of the input shape {rest} cannot be reshaped into the "
                    f"target shape {self.target_shape} in layer '{self.name}'"
                )
            return tuple(size // known if d == -1 else d for d in self.target_shape)
        if known != size:
            raise ValueError(
                f"total size of new array must be unchanged, input_shape = {list(rest)}, "
                f"output_shape = {list(self.target_shape)} (layer '{self.name}')"
            )
        return self.target_shape

    def call(self, inputs: Tensor) -> Tensor:
        return math_ops.reshape(inputs, (inputs.shape[0], *self._resolve(inputs.shape)))

    def compute_output_shape(self, input_shape: Any) -> tuple:
        return (input_shape[0], *self._resolve(input_shape))

    def get_config(self) -> dict:
        return {**super().get_config(), "target_shape": list(self.target_shape)}


class Permute(Layer):
    """Permutes the non-batch axes (1-based ``dims``, as Keras)."""

    def __init__(self, dims: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.dims = tuple(int(d) for d in dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(
                f"Invalid permutation argument `dims` for Permute Layer. The set "
                f"of indices in `dims` must be consecutive and start from 1. "
                f"Received dims={self.dims}"
            )
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)

    def call(self, inputs: Tensor) -> Tensor:
        return math_ops.transpose(inputs, (0, *self.dims))

    def compute_output_shape(self, input_shape: Any) -> tuple:
        return (input_shape[0], *(input_shape[d] for d in self.dims))

    def get_config(self) -> dict:
        return {**super().get_config(), "dims": list(self.dims)}


class Rescaling(Layer):
    """``inputs * scale + offset`` (e.g. ``Rescaling(1. / 255)`` for images)."""

    def __init__(self, scale: Any, offset: Any = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scale = scale
        self.offset = offset

    def call(self, inputs: Tensor) -> Tensor:
        return core_ops.rescale(inputs, self.scale, self.offset)

    def get_config(self) -> dict:
        return {**super().get_config(), "scale": self.scale, "offset": self.offset}


class RepeatVector(Layer):
    """(batch, features) -> (batch, n, features): repeats the input n times."""

    def __init__(self, n: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"Expected an integer value for `n`, received {n!r}")
        self.n = int(n)
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs: Tensor) -> Tensor:
        expanded = math_ops.reshape(inputs, (inputs.shape[0], 1, inputs.shape[1]))
        return math_ops.multiply(expanded, np.ones((1, self.n, 1), np.float32))

    def compute_output_shape(self, input_shape: Any) -> tuple:
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self) -> dict:
        return {**super().get_config(), "n": self.n}


def as_ids(values: Any, layer: str, vocabulary: int) -> np.ndarray:
    """Integer ids from int or integral float input; a ValueError names any out of range."""
    arr = values.data if isinstance(values, Tensor) else np.asarray(values)
    if arr.dtype.kind == "f":
        rounded = np.rint(arr)
        if not np.all(np.isfinite(arr)) or np.any(rounded != arr):
            raise ValueError(f"{layer}: inputs must be integer ids, received non-integral values")
        arr = rounded
    ids = arr.astype(np.int64)
    if ids.size and (ids.min() < 0 or ids.max() >= vocabulary):
        bad = ids.min() if ids.min() < 0 else ids.max()
        raise ValueError(
            f"{layer}: id {bad} is out of range for input_dim={vocabulary} (ids must "
            f"lie in [0, {vocabulary}))"
        )
    return ids


class Embedding(Layer):
    """Maps integer ids in [0, input_dim) to ``output_dim``-vectors; with ``mask_zero`` id 0
    is padding and produces a mask for the layers that follow (e.g. an LSTM).

    Example:
        >>> emb = ember.layers.Embedding(10, 4, mask_zero=True)
        >>> emb(np.array([[1, 2, 0]])).shape
        (1, 3, 4)
    """

    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        embeddings_initializer: Any = "uniform",
        embeddings_regularizer: Any = None,
        embeddings_constraint: Any = None,
        mask_zero: bool = False,
        input_length: int | None = None,
        **kwargs: Any,
    ) -> None:
        if input_length is not None and "input_shape" not in kwargs:
            kwargs["input_shape"] = (input_length,)
        super().__init__(**kwargs)
        for arg, v in (("input_dim", input_dim), ("output_dim", output_dim)):
            if not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(
                    f"Both `input_dim` and `output_dim` should be positive, Received {arg}={v}"
                )
        self.input_dim, self.output_dim = int(input_dim), int(output_dim)
        self.embeddings_initializer = initializers_module.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers_module.get(embeddings_regularizer)
        self.embeddings_constraint = constraints_module.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        self._produces_mask = self.mask_zero

    def build(self, input_shape: Any) -> None:
        self.embeddings = self.add_weight(
            "embeddings",
            (self.input_dim, self.output_dim),
            self.embeddings_initializer,
            regularizer=self.embeddings_regularizer,
            constraint=self.embeddings_constraint,
        )
        self.built = True

    def call(self, inputs: Any) -> Tensor:
        ids = as_ids(inputs, self.name, self.input_dim)
        return core_ops.embedding(self.embeddings, ids)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        if not self.mask_zero:
            return None
        arr = inputs.data if isinstance(inputs, Tensor) else np.asarray(inputs)
        return arr != 0

    def compute_output_shape(self, input_shape: Any) -> tuple:
        return (*tuple(input_shape), self.output_dim)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": initializers_module.serialize(self.embeddings_initializer),
            "embeddings_regularizer": regularizers_module.serialize(self.embeddings_regularizer),
            "activity_regularizer": regularizers_module.serialize(self.activity_regularizer),
            "embeddings_constraint": constraints_module.serialize(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
        }


class Masking(Layer):
    """Masks time steps whose features all equal ``mask_value``: they are zeroed and skipped by
    the recurrent layers that follow.

    Example:
        >>> ember.layers.Masking()(np.array([[[1.0], [0.0]]]))._keras_mask
        array([[ True, False]])
    """

    def __init__(self, mask_value: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mask_value = mask_value
        self.supports_masking = True
        self._produces_mask = True

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        arr = inputs.data if isinstance(inputs, Tensor) else np.asarray(inputs)
        return np.any(arr != self.mask_value, axis=-1)

    def call(self, inputs: Tensor) -> Tensor:
        keep = self.compute_mask(inputs)
        return math_ops.multiply(inputs, keep[..., None].astype(np.float32))

    def get_config(self) -> dict:
        return {**super().get_config(), "mask_value": self.mask_value}
