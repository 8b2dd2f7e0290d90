"""Regression losses: mean squared / absolute / absolute percentage / squared logarithmic
error, cosine similarity, Huber and log-cosh. Each is averaged over the last axis (cosine
similarity sums over ``axis``).

Example:
    >>> loss = ember.losses.MeanSquaredError()
    >>> float(loss([[0.0, 1.0]], [[1.0, 1.0]]).numpy())
    0.5
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ember.autograd import Tensor
from ember.losses.loss import (
    EPSILON,
    LossFunctionWrapper,
    as_float_tensor,
    check_number,
    float_array,
    on_device_of,
    squeeze_or_expand_to_same_rank,
)
from ember.ops import activations as act
from ember.ops import math as m

__all__ = [
    "CosineSimilarity",
    "Huber",
    "LogCosh",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanSquaredError",
    "MeanSquaredLogarithmicError",
    "cosine_similarity",
    "huber",
    "log_cosh",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_error",
    "mean_squared_logarithmic_error",
]


def _pair(fn: str, y_true: Any, y_pred: Any) -> tuple[np.ndarray, Tensor]:
    """(targets as a float32 array, predictions as a Tensor) after Keras' rank rule, with
    shapes that broadcast."""
    y_pred = as_float_tensor(y_pred)
    target, y_pred = squeeze_or_expand_to_same_rank(float_array(y_true), y_pred)
    try:
        np.broadcast_shapes(target.shape, y_pred.shape)
    except ValueError:
        raise ValueError(
            f"{fn}: y_true and y_pred have incompatible shapes {target.shape} and "
            f"{y_pred.shape}; expected equal (or broadcastable) shapes"
        ) from None
    return target, y_pred


def _l2_normalize(x: Tensor, axis: Any) -> Tensor:
    """``x * min(1 / ||x||, 1e7)`` along ``axis`` (Keras' normalize)."""
    square_sum = m.sum(m.multiply(x, x), axis=axis, keepdims=True)
    return m.multiply(x, m.power(m.clip(square_sum, EPSILON * EPSILON, np.inf), -0.5))


def _l2_normalize_array(x: np.ndarray, axis: Any) -> np.ndarray:
    square_sum = np.sum(x * x, axis=axis, keepdims=True, dtype=np.float32)
    with np.errstate(divide="ignore"):
        inv = np.minimum(np.float32(1.0) / np.sqrt(square_sum), np.float32(1.0 / EPSILON))
    return (x * inv).astype(np.float32)


# ---------------------------------------------------------------------- functions
def mean_squared_error(y_true: Any, y_pred: Any) -> Tensor:
    """``mean((y_true - y_pred) ** 2)`` over the last axis.

    Example:
        >>> ember.losses.mean_squared_error([[0.0, 1.0]], [[1.0, 1.0]]).numpy()
        array([0.5], dtype=float32)
    """
    target, y_pred = _pair("mean_squared_error", y_true, y_pred)
    diff = m.subtract(on_device_of(y_pred, target), y_pred)
    return m.mean(m.multiply(diff, diff), axis=-1)


def mean_absolute_error(y_true: Any, y_pred: Any) -> Tensor:
    """``mean(|y_true - y_pred|)`` over the last axis.

    Example:
        >>> ember.losses.mean_absolute_error([[0.0, 1.0]], [[1.0, 1.0]]).numpy()
        array([0.5], dtype=float32)
    """
    target, y_pred = _pair("mean_absolute_error", y_true, y_pred)
    return m.mean(m.abs(m.subtract(on_device_of(y_pred, target), y_pred)), axis=-1)


def mean_absolute_percentage_error(y_true: Any, y_pred: Any) -> Tensor:
    """``100 * mean(|(y_true - y_pred) / max(|y_true|, 1e-7)|)`` over the last axis.

    Example:
        >>> ember.losses.mean_absolute_percentage_error([[2.0, 4.0]], [[1.0, 5.0]]).numpy()
        array([37.5], dtype=float32)
    """
    target, y_pred = _pair("mean_absolute_percentage_error", y_true, y_pred)
    scale = np.maximum(np.abs(target), np.float32(EPSILON))
    diff = m.divide(m.subtract(on_device_of(y_pred, target), y_pred), on_device_of(y_pred, scale))
    return m.multiply(m.mean(m.abs(diff), axis=-1), 100.0)


def mean_squared_logarithmic_error(y_true: Any, y_pred: Any) -> Tensor:
    """``mean((log(1 + y_pred) - log(1 + y_true)) ** 2)`` over the last axis, with values
    below 1e-7 raised to 1e-7.

    Example:
        >>> y = ember.losses.mean_squared_logarithmic_error([[0.0, 1.0]], [[1.0, 1.0]])
        >>> y.numpy().round(4)
        array([0.2402], dtype=float32)
    """
    target, y_pred = _pair("mean_squared_logarithmic_error", y_true, y_pred)
    first = m.log(m.add(m.clip(y_pred, EPSILON, np.inf), 1.0))
    second = np.log(np.maximum(target, np.float32(EPSILON)) + np.float32(1.0))
    diff = m.subtract(first, on_device_of(y_pred, second.astype(np.float32)))
    return m.mean(m.multiply(diff, diff), axis=-1)


def cosine_similarity(y_true: Any, y_pred: Any, axis: int = -1) -> Tensor:
    """The negative cosine similarity ``-sum(l2_normalize(y_true) * l2_normalize(y_pred))``
    along ``axis``: -1 for parallel vectors, 0 for orthogonal ones (or a zero vector).

    Example:
        >>> y = ember.losses.cosine_similarity([[0.0, 2.0], [1.0, 1.0]], [[3.0, 0.0], [2.0, 2.0]])
        >>> y.numpy().round(4) + 0.0
        array([ 0., -1.], dtype=float32)
    """
    target, y_pred = _pair("cosine_similarity", y_true, y_pred)
    if isinstance(axis, list):
        axis = tuple(axis)
    t = _l2_normalize_array(target, axis)
    p = _l2_normalize(y_pred, axis)
    return m.negative(m.sum(m.multiply(on_device_of(y_pred, t), p), axis=axis))


def huber(y_true: Any, y_pred: Any, delta: float = 1.0) -> Tensor:
    """Huber loss: ``0.5 e ** 2`` where ``|e| <= delta``, else ``delta * (|e| - 0.5 delta)``;
    averaged over the last axis.

    Example:
        >>> ember.losses.huber([[0.0, 0.0]], [[0.5, 2.0]]).numpy()
        array([0.8125], dtype=float32)
    """
    target, y_pred = _pair("huber", y_true, y_pred)
    delta = float(delta)
    err = m.abs(m.subtract(y_pred, on_device_of(y_pred, target)))
    small = m.clip(err, 0.0, delta)  # min(|e|, delta), gradient 1 below delta
    linear = m.subtract(err, small)
    per = m.add(m.multiply(m.multiply(small, small), 0.5), m.multiply(linear, delta))
    return m.mean(per, axis=-1)


def log_cosh(y_true: Any, y_pred: Any) -> Tensor:
    """``mean(log(cosh(y_pred - y_true)))`` over the last axis, computed stably as
    ``x + softplus(-2x) - log(2)``.

    Example:
        >>> ember.losses.log_cosh([[0.0, 0.0]], [[1.0, -1.0]]).numpy().round(4)
        array([0.4338], dtype=float32)
    """
    target, y_pred = _pair("log_cosh", y_true, y_pred)
    x = m.subtract(y_pred, on_device_of(y_pred, target))
    soft = act.activation(m.multiply(x, -2.0), "softplus")
    return m.mean(m.subtract(m.add(x, soft), math.log(2.0)), axis=-1)


# ---------------------------------------------------------------------- classes
class MeanSquaredError(LossFunctionWrapper):
    """Mean of the squared errors: ``mean((y_true - y_pred) ** 2)``.

    Example:
        >>> float(ember.losses.MeanSquaredError()([[0.0, 1.0]], [[1.0, 1.0]]).numpy())
        0.5
    """

    def __init__(
        self,
        reduction: str | None = "sum_over_batch_size",
        name: str = "mean_squared_error",
        dtype: Any = None,
    ) -> None:
        super().__init__(mean_squared_error, name=name, reduction=reduction, dtype=dtype)

    def get_config(self) -> dict:
        return super(LossFunctionWrapper, self).get_config()


class MeanAbsoluteError(LossFunctionWrapper):
    """Mean of the absolute errors: ``mean(|y_true - y_pred|)``.

    Example:
        >>> float(ember.losses.MeanAbsoluteError()([[0.0, 1.0]], [[1.0, 1.0]]).numpy())
        0.5
    """

    def __init__(
        self,
        reduction: str | None = "sum_over_batch_size",
        name: str = "mean_absolute_error",
        dtype: Any = None,
    ) -> None:
        super().__init__(mean_absolute_error, name=name, reduction=reduction, dtype=dtype)

    def get_config(self) -> dict:
        return super(LossFunctionWrapper, self).get_config()


class MeanAbsolutePercentageError(LossFunctionWrapper):
    """Mean absolute percentage error: ``100 * mean(|(y_true - y_pred) / y_true|)``.

    Example:
        >>> loss = ember.losses.MeanAbsolutePercentageError()
        >>> float(loss([[2.0, 4.0]], [[1.0, 5.0]]).numpy())
        37.5
    """

    def __init__(
        self,
        reduction: str | None = "sum_over_batch_size",
        name: str = "mean_absolute_percentage_error",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            mean_absolute_percentage_error, name=name, reduction=reduction, dtype=dtype
        )

    def get_config(self) -> dict:
        return super(LossFunctionWrapper, self).get_config()


class MeanSquaredLogarithmicError(LossFunctionWrapper):
    """Mean squared logarithmic error: ``mean((log(1 + y_pred) - log(1 + y_true)) ** 2)``.

    Example:
        >>> loss = ember.losses.MeanSquaredLogarithmicError()
        >>> round(float(loss([[0.0, 1.0]], [[1.0, 1.0]]).numpy()), 4)
        0.2402
    """

    def __init__(
        self,
        reduction: str | None = "sum_over_batch_size",
        name: str = "mean_squared_logarithmic_error",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            mean_squared_logarithmic_error, name=name, reduction=reduction, dtype=dtype
        )

    def get_config(self) -> dict:
        return super(LossFunctionWrapper, self).get_config()


class CosineSimilarity(LossFunctionWrapper):
    """Negative cosine similarity along ``axis`` (-1 when prediction and target point the
    same way), so minimizing it aligns them.

    ``get_config`` also records ``axis`` (Keras 3.15 leaves it out, so its round trip loses
    a non-default axis).

    Example:
        >>> loss = ember.losses.CosineSimilarity()
        >>> round(float(loss([[0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]]).numpy()), 4)
        -0.5
    """

    def __init__(
        self,
        axis: int = -1,
        reduction: str | None = "sum_over_batch_size",
        name: str = "cosine_similarity",
        dtype: Any = None,
    ) -> None:
        super().__init__(cosine_similarity, name=name, reduction=reduction, dtype=dtype, axis=axis)
        self.axis = axis

    def get_config(self) -> dict:
        return {**super(LossFunctionWrapper, self).get_config(), "axis": self.axis}


class Huber(LossFunctionWrapper):
    """Huber loss: quadratic for errors up to ``delta``, linear beyond.

    ``get_config`` also records ``delta`` (Keras 3.15 leaves it out, so its round trip
    loses a non-default delta).

    Example:
        >>> float(ember.losses.Huber()([[0.0, 0.0]], [[0.5, 2.0]]).numpy())
        0.8125
    """

    def __init__(
        self,
        delta: float = 1.0,
        reduction: str | None = "sum_over_batch_size",
        name: str = "huber_loss",
        dtype: Any = None,
    ) -> None:
        delta = check_number(type(self).__name__, "delta", delta)
        super().__init__(huber, name=name, reduction=reduction, dtype=dtype, delta=delta)
        self.delta = delta

    def get_config(self) -> dict:
        return {**super(LossFunctionWrapper, self).get_config(), "delta": self.delta}


class LogCosh(LossFunctionWrapper):
    """Logarithm of the hyperbolic cosine of the error: about ``x ** 2 / 2`` for small
    errors and ``|x| - log(2)`` for large ones.

    Example:
        >>> round(float(ember.losses.LogCosh()([[0.0, 0.0]], [[1.0, -1.0]]).numpy()), 4)
        0.4338
    """

    def __init__(
        self,
        reduction: str | None = "sum_over_batch_size",
        name: str = "log_cosh",
        dtype: Any = None,
    ) -> None:
        super().__init__(log_cosh, name=name, reduction=reduction, dtype=dtype)

    def get_config(self) -> dict:
        return super(LossFunctionWrapper, self).get_config()
