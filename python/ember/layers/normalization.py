"""Normalization layers with Keras' defaults and semantics.

BatchNormalization over the last axis (channels-last): momentum 0.99, epsilon 1e-3, biased
batch variance, moving = moving * m + batch * (1 - m), and inference behaviour whenever the
layer is frozen (``trainable = False``), even inside fit. LayerNormalization,
GroupNormalization, RMSNormalization and UnitNormalization normalize each sample on its own
(no batch statistics, the same in training and inference), composed of differentiable
``ember.ops``.

Example:
    >>> bn = ember.layers.BatchNormalization()
    >>> y = bn(np.random.rand(8, 3), training=True)
    >>> [w.shape for w in bn.get_weights()]
    [(3,), (3,), (3,), (3,)]
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ember import constraints as constraints_module
from ember import initializers as initializers_module
from ember import regularizers as regularizers_module
from ember.autograd import Tensor
from ember.layers.base import Layer
from ember.layers.input_spec import InputSpec
from ember.ops import elementwise as ew
from ember.ops import math as math_ops
from ember.ops import nn as nn_ops
from ember.ops import normalization as norm_ops
from ember.ops import shaping


class BatchNormalization(Layer):
    """Normalizes with the batch's mean and variance while training (and updates moving
    averages of them), with the moving averages at inference.

    Example:
        >>> bn = ember.layers.BatchNormalization(momentum=0.9)
        >>> bn(np.ones((4, 2)), training=True).shape
        (4, 2)
    """

    def __init__(
        self,
        axis: int = -1,
        momentum: float = 0.99,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer: Any = "zeros",
        gamma_initializer: Any = "ones",
        moving_mean_initializer: Any = "zeros",
        moving_variance_initializer: Any = "ones",
        beta_regularizer: Any = None,
        gamma_regularizer: Any = None,
        beta_constraint: Any = None,
        gamma_constraint: Any = None,
        synchronized: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.axis = int(axis) if isinstance(axis, (int, np.integer)) else axis
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = initializers_module.get(beta_initializer)
        self.gamma_initializer = initializers_module.get(gamma_initializer)
        self.moving_mean_initializer = initializers_module.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers_module.get(moving_variance_initializer)
        self.beta_regularizer = regularizers_module.get(beta_regularizer)
        self.gamma_regularizer = regularizers_module.get(gamma_regularizer)
        self.beta_constraint = constraints_module.get(beta_constraint)
        self.gamma_constraint = constraints_module.get(gamma_constraint)
        self.synchronized = synchronized
        self.supports_masking = True

    def build(self, input_shape: Any) -> None:
        rank = len(input_shape)
        if not isinstance(self.axis, int) or not -rank <= self.axis < rank:
            raise ValueError(
                f"{self.name}: axis={self.axis} is out of range for inputs of rank {rank}"
            )
        self._axis = self.axis % rank
        channels = input_shape[self._axis]
        if channels is None:
            raise ValueError(
                f"{self.name}: the normalized axis must be defined, received "
                f"input shape {tuple(input_shape)}"
            )
        shape = (channels,)
        self.gamma = (
            self.add_weight(
                "gamma",
                shape,
                self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
            )
            if self.scale
            else None
        )
        self.beta = (
            self.add_weight(
                "beta",
                shape,
                self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
            )
            if self.center
            else None
        )
        self.moving_mean = self.add_weight(
            "moving_mean", shape, self.moving_mean_initializer, trainable=False
        )
        self.moving_variance = self.add_weight(
            "moving_variance", shape, self.moving_variance_initializer, trainable=False
        )
        self.input_spec = InputSpec(ndim=rank, axes={self.axis: channels})
        self.built = True

    def call(self, inputs: Tensor, training: bool | None = None) -> Tensor:
        axis = self._axis
        if axis != inputs.ndim - 1:
            # The kernels normalize the last axis: move the normalized axis there and back.
            perm = [i for i in range(inputs.ndim) if i != axis] + [axis]
            moved = self._normalize(math_ops.transpose(inputs, perm), training)
            return math_ops.transpose(moved, list(np.argsort(perm)))
        return self._normalize(inputs, training)

    def _normalize(self, inputs: Tensor, training: bool | None) -> Tensor:
        if training and self.trainable:
            y, mean, var = norm_ops.batch_norm_train(inputs, self.gamma, self.beta, self.epsilon)
            m = np.float32(self.momentum)
            self.moving_mean.assign(self.moving_mean.data * m + mean * (np.float32(1) - m))
            self.moving_variance.assign(self.moving_variance.data * m + var * (np.float32(1) - m))
            return y
        return norm_ops.batch_norm_inference(
            inputs,
            self.gamma,
            self.beta,
            self.moving_mean.data,
            self.moving_variance.data,
            self.epsilon,
        )

    def get_config(self) -> dict:
        ser = initializers_module.serialize
        return {
            **super().get_config(),
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": ser(self.beta_initializer),
            "gamma_initializer": ser(self.gamma_initializer),
            "moving_mean_initializer": ser(self.moving_mean_initializer),
            "moving_variance_initializer": ser(self.moving_variance_initializer),
            "beta_regularizer": regularizers_module.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers_module.serialize(self.gamma_regularizer),
            "beta_constraint": constraints_module.serialize(self.beta_constraint),
            "gamma_constraint": constraints_module.serialize(self.gamma_constraint),
            "synchronized": self.synchronized,
        }


def _axis_argument(layer: str, axis: Any) -> int | list[int]:
    """Keras' ``axis``: an int, or a list of ints (a tuple becomes a list)."""
    if isinstance(axis, (list, tuple)) and all(
        isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in axis
    ):
        if not axis:
            raise ValueError(f"{layer}: `axis` must not be empty")
        return [int(a) for a in axis]
    if isinstance(axis, (int, np.integer)) and not isinstance(axis, bool):
        return int(axis)
    raise TypeError(
        f"{layer}: expected an int or a list/tuple of ints for the argument 'axis', but "
        f"received: axis={axis!r}"
    )


def _check_axes(layer: str, axis: Any, rank: int) -> list[int]:
    """The axes as non-negative ints, checked against the input rank."""
    axes = [axis] if isinstance(axis, int) else list(axis)
    for a in axes:
        if not -rank <= a < rank:
            raise ValueError(
                f"{layer}: axis {a} is out of bounds for inputs of rank {rank}. "
                f"Received: axis={axis}"
            )
    normalized = sorted(a % rank for a in axes)
    if len(set(normalized)) != len(normalized):
        raise ValueError(f"{layer}: `axis` names an axis twice. Received: axis={axis}")
    return normalized


def _check_epsilon(layer: str, epsilon: Any) -> float:
    if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float, np.number)):
        raise TypeError(f"{layer}: `epsilon` must be a number, received epsilon={epsilon!r}")
    if epsilon < 0:
        raise ValueError(f"{layer}: `epsilon` must be >= 0, received epsilon={epsilon}")
    return float(epsilon)


def _param_shape(layer: Layer, input_shape: Any, axes: list[int]) -> tuple[int, ...]:
    shape = tuple(input_shape[a] for a in axes)
    if any(d is None for d in shape):
        raise ValueError(
            f"{layer.name}: the normalized axes {axes} must have known sizes; received input "
            f"shape {tuple(input_shape)}"
        )
    return shape


def _broadcastable(v: Tensor, rank: int, axes: list[int], input_shape: tuple) -> Tensor:
    """A weight over ``axes`` reshaped to broadcast against a rank-``rank`` input."""
    if axes == list(range(rank - len(axes), rank)):
        return v  # trailing axes broadcast as they are
    shape = [1] * rank
    for a in axes:
        shape[a] = input_shape[a]
    return shaping.reshape(v, tuple(shape))


class LayerNormalization(Layer):
    """Normalizes each sample to zero mean and unit variance over ``axis`` (the last one by
    default; an int or a list of ints), then scales by ``gamma`` and shifts by ``beta``
    (weights over the normalized axes): ``(x - mean) / sqrt(var + epsilon) * gamma + beta``.

    ``rms_scaling=True`` is Keras' deprecated option, kept for loading old configs with the
    same numbers: ``x / sqrt(var + epsilon) * gamma`` (no centering, no beta); prefer
    ``RMSNormalization``.

    Example:
        >>> ln = ember.layers.LayerNormalization()
        >>> ln(np.array([[1.0, 3.0]])).numpy().round(4)  # epsilon 1e-3 keeps it below 1
        array([[-0.9995,  0.9995]], dtype=float32)
    """

    def __init__(
        self,
        axis: int | list[int] = -1,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer: Any = "zeros",
        gamma_initializer: Any = "ones",
        beta_regularizer: Any = None,
        gamma_regularizer: Any = None,
        beta_constraint: Any = None,
        gamma_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        rms_scaling = bool(kwargs.pop("rms_scaling", False))
        if rms_scaling:
            warnings.warn(
                "LayerNormalization: `rms_scaling=True` is deprecated in Keras (it scales the "
                "inputs by the variance, not the root mean square); ember keeps Keras' numbers. "
                "Use `ember.layers.RMSNormalization` instead.",
                stacklevel=2,
            )
        super().__init__(**kwargs)
        self.axis = _axis_argument("LayerNormalization", axis)
        self.epsilon = _check_epsilon("LayerNormalization", epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.rms_scaling = rms_scaling
        self.beta_initializer = initializers_module.get(beta_initializer)
        self.gamma_initializer = initializers_module.get(gamma_initializer)
        self.beta_regularizer = regularizers_module.get(beta_regularizer)
        self.gamma_regularizer = regularizers_module.get(gamma_regularizer)
        self.beta_constraint = constraints_module.get(beta_constraint)
        self.gamma_constraint = constraints_module.get(gamma_constraint)
        self.supports_masking = True

    def build(self, input_shape: Any) -> None:
        rank = len(input_shape)
        self._axes = _check_axes(self.name, self.axis, rank)
        # As Keras: after building, `axis` is a sorted list (as given, signs kept).
        self.axis = sorted([self.axis] if isinstance(self.axis, int) else self.axis)
        shape = _param_shape(self, input_shape, self._axes)
        self.gamma = None
        self.beta = None
        if self.scale or self.rms_scaling:
            self.gamma = self.add_weight(
                shape=shape,
                name="gamma",
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
            )
        if self.center and not self.rms_scaling:
            self.beta = self.add_weight(
                shape=shape,
                name="beta",
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
            )
        self.input_spec = InputSpec(ndim=rank, axes={a: input_shape[a] for a in self._axes})
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        rank, axes = inputs.ndim, self._axes
        if self.rms_scaling:
            _, var = nn_ops.moments(inputs, axes, keepdims=True)
            out = ew.multiply(inputs, ew.rsqrt(ew.add(var, self.epsilon)))
            if self.gamma is not None:
                out = ew.multiply(out, _broadcastable(self.gamma, rank, axes, inputs.shape))
            return out
        return nn_ops.layer_normalization(inputs, self.gamma, self.beta, axes, self.epsilon)

    def compute_output_shape(self, input_shape: Any) -> Any:
        _check_axes(self.name, self.axis, len(input_shape))
        return input_shape

    def get_config(self) -> dict:
        ser = initializers_module.serialize
        return {
            **super().get_config(),
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "rms_scaling": self.rms_scaling,
            "beta_initializer": ser(self.beta_initializer),
            "gamma_initializer": ser(self.gamma_initializer),
            "beta_regularizer": regularizers_module.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers_module.serialize(self.gamma_regularizer),
            "beta_constraint": constraints_module.serialize(self.beta_constraint),
            "gamma_constraint": constraints_module.serialize(self.gamma_constraint),
        }


class RMSNormalization(Layer):
    """Root-mean-square normalization: ``x / sqrt(mean(x**2 over axis) + epsilon) * scale``,
    with a learned ``scale`` over the normalized axes (initialized to ones).

    Example:
        >>> ember.layers.RMSNormalization()(np.array([[3.0, 4.0]])).numpy().round(4)
        array([[0.8485, 1.1314]], dtype=float32)
    """

    def __init__(self, axis: int | list[int] = -1, epsilon: float = 1e-6, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = _axis_argument("RMSNormalization", axis)
        self.epsilon = _check_epsilon("RMSNormalization", epsilon)
        self.supports_masking = True

    def build(self, input_shape: Any) -> None:
        rank = len(input_shape)
        self._axes = _check_axes(self.name, self.axis, rank)
        self.axis = sorted([self.axis] if isinstance(self.axis, int) else self.axis)
        shape = _param_shape(self, input_shape, self._axes)
        self.scale = self.add_weight(name="scale", shape=shape, initializer="ones")
        self.input_spec = InputSpec(ndim=rank, axes={a: input_shape[a] for a in self._axes})
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        scale = _broadcastable(self.scale, inputs.ndim, self._axes, inputs.shape)
        return nn_ops.rms_normalization(inputs, scale, self._axes, self.epsilon)

    def compute_output_shape(self, input_shape: Any) -> Any:
        _check_axes(self.name, self.axis, len(input_shape))
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon}


class UnitNormalization(Layer):
    """Scales each sample to unit L2 norm over ``axis``: ``x / max(||x||, 1e-12)``.

    Example:
        >>> ember.layers.UnitNormalization()(np.array([[3.0, 4.0]])).numpy()
        array([[0.6, 0.8]], dtype=float32)
    """

    def __init__(self, axis: int | list[int] = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = _axis_argument("UnitNormalization", axis)
        self.supports_masking = True

    def build(self, input_shape: Any) -> None:
        _check_axes(self.name, self.axis, len(input_shape))
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        axes = tuple(_check_axes(self.name, self.axis, inputs.ndim))
        return nn_ops.normalize(inputs, axis=axes, order=2, epsilon=1e-12)

    def compute_output_shape(self, input_shape: Any) -> Any:
        _check_axes(self.name, self.axis, len(input_shape))
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis}


class GroupNormalization(Layer):
    """Splits the channels (``axis``) into ``groups`` groups and normalizes each sample's
    group over its channels and all other non-batch axes, then applies per-channel ``gamma``
    and ``beta``. ``groups=1`` is layer normalization over all axes, ``groups=-1`` (one
    channel per group) is instance normalization.

    Example:
        >>> gn = ember.layers.GroupNormalization(groups=2)
        >>> gn(np.random.rand(2, 5, 4)).shape, [w.shape for w in gn.weights]
        ((2, 5, 4), [(4,), (4,)])
    """

    def __init__(
        self,
        groups: int = 32,
        axis: int = -1,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer: Any = "zeros",
        gamma_initializer: Any = "ones",
        beta_regularizer: Any = None,
        gamma_regularizer: Any = None,
        beta_constraint: Any = None,
        gamma_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        if (
            isinstance(groups, bool)
            or not isinstance(groups, (int, np.integer))
            or (groups <= 0 and groups != -1)
        ):
            raise ValueError(
                "GroupNormalization: received an invalid value for argument `groups`, expected "
                f"a positive integer (or -1 for instance normalization). Received: groups={groups}"
            )
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise TypeError(f"GroupNormalization: `axis` must be an int, received axis={axis!r}")
        super().__init__(**kwargs)
        self.groups = int(groups)
        self.axis = int(axis)
        self.epsilon = _check_epsilon("GroupNormalization", epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = initializers_module.get(beta_initializer)
        self.gamma_initializer = initializers_module.get(gamma_initializer)
        self.beta_regularizer = regularizers_module.get(beta_regularizer)
        self.gamma_regularizer = regularizers_module.get(gamma_regularizer)
        self.beta_constraint = constraints_module.get(beta_constraint)
        self.gamma_constraint = constraints_module.get(gamma_constraint)
        self.supports_masking = True

    def build(self, input_shape: Any) -> None:
        rank = len(input_shape)
        (axis,) = _check_axes(self.name, self.axis, rank)
        if axis == 0:
            raise ValueError(f"{self.name}: `axis` cannot be the batch axis (0)")
        channels = input_shape[axis]
        if channels is None:
            raise ValueError(
                f"{self.name}: axis {self.axis} of the input should have a defined dimension, "
                f"but the layer received an input with shape {tuple(input_shape)}"
            )
        if self.groups == -1:
            self.groups = channels
        if channels < self.groups:
            raise ValueError(
                f"{self.name}: the number of groups ({self.groups}) cannot be more than the "
                f"number of channels ({channels})."
            )
        if channels % self.groups:
            raise ValueError(
                f"{self.name}: the number of channels ({channels}) must be a multiple of the "
                f"number of groups ({self.groups})."
            )
        self._axis = axis
        self.gamma = None
        self.beta = None
        if self.scale:
            self.gamma = self.add_weight(
                shape=(channels,),
                name="gamma",
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
            )
        if self.center:
            self.beta = self.add_weight(
                shape=(channels,),
                name="beta",
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
            )
        self.input_spec = InputSpec(ndim=rank, axes={self.axis: channels})
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        axis, groups = self._axis, self.groups
        shape = inputs.shape
        # (..., C, ...) -> (..., groups, C // groups, ...): statistics over all axes but the
        # batch and the group axis.
        grouped_shape = (*shape[:axis], groups, shape[axis] // groups, *shape[axis + 1 :])
        grouped = shaping.reshape(inputs, grouped_shape)
        reduce = tuple(a for a in range(1, len(grouped_shape)) if a != axis)
        mean, var = nn_ops.moments(grouped, reduce, keepdims=True)
        inv = ew.rsqrt(ew.add(var, self.epsilon))
        param_shape = [1] * len(grouped_shape)
        param_shape[axis], param_shape[axis + 1] = groups, shape[axis] // groups
        if self.gamma is not None:
            inv = ew.multiply(inv, shaping.reshape(self.gamma, tuple(param_shape)))
        shift = ew.multiply(ew.negative(mean), inv)
        if self.beta is not None:
            shift = ew.add(shift, shaping.reshape(self.beta, tuple(param_shape)))
        out = ew.add(ew.multiply(grouped, inv), shift)
        return shaping.reshape(out, shape)

    def compute_output_shape(self, input_shape: Any) -> Any:
        _check_axes(self.name, self.axis, len(input_shape))
        return input_shape

    def get_config(self) -> dict:
        ser = initializers_module.serialize
        return {
            **super().get_config(),
            "groups": self.groups,
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": ser(self.beta_initializer),
            "gamma_initializer": ser(self.gamma_initializer),
            "beta_regularizer": regularizers_module.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers_module.serialize(self.gamma_regularizer),
            "beta_constraint": constraints_module.serialize(self.beta_constraint),
            "gamma_constraint": constraints_module.serialize(self.gamma_constraint),
        }
