"""Regression metrics: mean squared / absolute / absolute percentage / squared logarithmic
error, root mean squared error, log-cosh, cosine similarity, Huber and R2.

The per-sample functions compute in float32 with Keras' formulas (means over the last axis)
and return float32 Tensors.

Example:
    >>> m = ember.metrics.MeanAbsolutePercentageError()
    >>> m.update_state([[1.0, 2.0]], [[1.5, 2.0]]); float(m.result())
    25.0
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from ember.autograd import Tensor
from ember.metrics.base import (
    EPSILON,
    Metric,
    as_float32,
    result_tensor,
    squeeze_or_expand,
    to_numpy,
)
from ember.metrics.reduction import STATE_DTYPE, Mean, _Wrapper

__all__ = [
    "CosineSimilarity",
    "LogCoshError",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanSquaredError",
    "MeanSquaredLogarithmicError",
    "R2Score",
    "RootMeanSquaredError",
    "cosine_similarity",
    "huber",
    "log_cosh",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_error",
    "mean_squared_logarithmic_error",
]

_F32_EPS = np.float32(EPSILON)


def _pair(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    """float32 targets and predictions with matching ranks."""
    return squeeze_or_expand(as_float32(y_true), as_float32(y_pred))


# ---------------------------------------------------------------------- functions
def mean_squared_error(y_true: Any, y_pred: Any) -> Tensor:
    """``mean((y_true - y_pred) ** 2, axis=-1)``.

    Example:
        >>> ember.metrics.mean_squared_error([[0.0, 1.0]], [[1.0, 1.0]]).numpy()
        array([0.5], dtype=float32)
    """
    y_true, y_pred = squeeze_or_expand(to_numpy(y_true), to_numpy(y_pred))
    d = y_pred - y_true
    return Tensor((d * d).mean(axis=-1, dtype=np.float32))


def mean_absolute_error(y_true: Any, y_pred: Any) -> Tensor:
    """``mean(|y_true - y_pred|, axis=-1)``.

    Example:
        >>> ember.metrics.mean_absolute_error([[0.0, 1.0]], [[1.0, 3.0]]).numpy()
        array([1.5], dtype=float32)
    """
    y_true, y_pred = squeeze_or_expand(to_numpy(y_true), to_numpy(y_pred))
    return Tensor(np.abs(y_pred - y_true).mean(axis=-1, dtype=np.float32))


def mean_absolute_percentage_error(y_true: Any, y_pred: Any) -> Tensor:
    """``100 * mean(|(y_true - y_pred) / max(|y_true|, epsilon)|, axis=-1)``.

    Example:
        >>> ember.metrics.mean_absolute_percentage_error([[2.0, 4.0]], [[1.0, 4.0]]).numpy()
        array([25.], dtype=float32)
    """
    y_true, y_pred = _pair(y_true, y_pred)
    diff = np.abs((y_true - y_pred) / np.maximum(np.abs(y_true), _F32_EPS))
    return Tensor(np.float32(100.0) * diff.mean(axis=-1, dtype=np.float32))


def mean_squared_logarithmic_error(y_true: Any, y_pred: Any) -> Tensor:
    """``mean((log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1)) ** 2, axis=-1)``.

    Example:
        >>> ember.metrics.mean_squared_logarithmic_error([[0.0]], [[np.e - 1]]).numpy().round(4)
        array([1.], dtype=float32)
    """
    y_true, y_pred = _pair(y_true, y_pred)
    first = np.log(np.maximum(y_pred, _F32_EPS) + np.float32(1.0))
    second = np.log(np.maximum(y_true, _F32_EPS) + np.float32(1.0))
    d = first - second
    return Tensor((d * d).mean(axis=-1, dtype=np.float32))


def _softplus(x: np.ndarray) -> np.ndarray:
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(x, np.float32(0.0))


def log_cosh(y_true: Any, y_pred: Any) -> Tensor:
    """``mean(log(cosh(y_pred - y_true)), axis=-1)``, computed without overflow.

    Example:
        >>> round(float(ember.metrics.log_cosh([[0.0]], [[1.0]]).numpy()[0]), 4)
        0.4338
    """
    y_true, y_pred = _pair(y_true, y_pred)
    x = y_pred - y_true
    value = x + _softplus(np.float32(-2.0) * x) - np.float32(math.log(2.0))
    return Tensor(value.mean(axis=-1, dtype=np.float32))


def huber(y_true: Any, y_pred: Any, delta: float = 1.0) -> Tensor:
    """``0.5 e**2`` where ``|e| <= delta``, else ``delta * |e| - 0.5 delta**2``; mean over
    the last axis.

    Example:
        >>> ember.metrics.huber([[0.0, 0.0]], [[0.5, 3.0]]).numpy()
        array([1.3125], dtype=float32)
    """
    y_true, y_pred = _pair(y_true, y_pred)
    d = np.float32(delta)
    err = y_pred - y_true
    abs_err = np.abs(err)
    half = np.float32(0.5)
    value = np.where(abs_err <= d, half * err * err, d * abs_err - half * d * d)
    return Tensor(value.mean(axis=-1, dtype=np.float32))


def _l2_normalize(x: np.ndarray, axis: int) -> np.ndarray:
    square_sum = np.sum(x * x, axis=axis, keepdims=True)
    with np.errstate(divide="ignore"):
        inv_norm = np.float32(1.0) / np.sqrt(square_sum)
    return x * np.minimum(inv_norm, np.float32(1.0 / EPSILON))


def cosine_similarity(y_true: Any, y_pred: Any, axis: int = -1) -> Tensor:
    """The cosine of the angle between ``y_true`` and ``y_pred`` along ``axis``.

    Example:
        >>> ember.metrics.regression.cosine_similarity([[0.0, 1.0]], [[1.0, 1.0]]).numpy()
        array([0.70710677], dtype=float32)
    """
    y_true, y_pred = _pair(y_true, y_pred)
    value = np.sum(_l2_normalize(y_true, axis) * _l2_normalize(y_pred, axis), axis=axis)
    return Tensor(value.astype(np.float32))


# ---------------------------------------------------------------------- classes
class MeanSquaredError(_Wrapper):
    """The mean of ``mean_squared_error`` over samples.

    Example:
        >>> m = ember.metrics.MeanSquaredError()
        >>> m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]]); float(m.result())
        0.25
    """

    _direction = "down"

    def __init__(self, name: str = "mean_squared_error", dtype: Any = None) -> None:
        super().__init__(mean_squared_error, name=name, dtype=dtype)


class MeanAbsoluteError(_Wrapper):
    """The mean of ``mean_absolute_error`` over samples.

    Example:
        >>> m = ember.metrics.MeanAbsoluteError()
        >>> m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]]); float(m.result())
        0.25
    """

    _direction = "down"

    def __init__(self, name: str = "mean_absolute_error", dtype: Any = None) -> None:
        super().__init__(mean_absolute_error, name=name, dtype=dtype)


class MeanAbsolutePercentageError(_Wrapper):
    """The mean of ``mean_absolute_percentage_error`` over samples.

    Example:
        >>> m = ember.metrics.MeanAbsolutePercentageError()
        >>> m.update_state([[2.0, 4.0]], [[1.0, 4.0]]); float(m.result())
        25.0
    """

    _direction = "down"

    def __init__(self, name: str = "mean_absolute_percentage_error", dtype: Any = None) -> None:
        super().__init__(mean_absolute_percentage_error, name=name, dtype=dtype)


class MeanSquaredLogarithmicError(_Wrapper):
    """The mean of ``mean_squared_logarithmic_error`` over samples.

    Example:
        >>> m = ember.metrics.MeanSquaredLogarithmicError()
        >>> m.update_state([[0.0]], [[np.e - 1]]); round(float(m.result()), 5)
        1.0
    """

    _direction = "down"

    def __init__(self, name: str = "mean_squared_logarithmic_error", dtype: Any = None) -> None:
        super().__init__(mean_squared_logarithmic_error, name=name, dtype=dtype)


class LogCoshError(_Wrapper):
    """The mean of ``log_cosh`` over samples.

    Example:
        >>> m = ember.metrics.LogCoshError()
        >>> m.update_state([[0.0]], [[1.0]]); round(float(m.result()), 4)
        0.4338
    """

    _direction = "down"

    def __init__(self, name: str = "logcosh", dtype: Any = None) -> None:
        super().__init__(log_cosh, name=name, dtype=dtype)


class CosineSimilarity(_Wrapper):
    """The mean cosine similarity between labels and predictions along ``axis``.

    Example:
        >>> m = ember.metrics.CosineSimilarity()
        >>> m.update_state([[0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]])
        >>> round(float(m.result()), 4)
        0.5
    """

    _direction = "up"
    _config_keys = ("axis",)

    def __init__(self, name: str = "cosine_similarity", dtype: Any = None, axis: int = -1) -> None:
        super().__init__(cosine_similarity, name=name, dtype=dtype, axis=axis)
        self.axis = axis


class RootMeanSquaredError(Mean):
    """The square root of the (weighted) mean squared error.

    Example:
        >>> m = ember.metrics.RootMeanSquaredError()
        >>> m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]]); float(m.result())
        0.5
    """

    _direction = "down"

    def __init__(self, name: str = "root_mean_squared_error", dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_true, y_pred = squeeze_or_expand(to_numpy(y_true), to_numpy(y_pred))
        d = y_pred - y_true
        super().update_state(d * d, sample_weight)

    def result(self) -> Any:
        mean = super().result()
        return result_tensor(np.sqrt(mean.numpy()), self.dtype)


class R2Score(Metric):
    """The coefficient of determination, per output column, aggregated by
    ``class_aggregation`` (``"uniform_average"``, ``"variance_weighted_average"`` or None for
    one score per column); ``num_regressors > 0`` gives the adjusted R2. Inputs are 2-D
    ``(batch, outputs)``.

    Example:
        >>> m = ember.metrics.R2Score()
        >>> m.update_state([[1.0], [4.0], [3.0]], [[2.0], [4.0], [4.0]])
        >>> round(float(m.result()), 4)
        0.5714
    """

    _direction = "up"

    def __init__(
        self,
        class_aggregation: str | None = "uniform_average",
        num_regressors: int = 0,
        name: str = "r2_score",
        dtype: Any = None,
    ) -> None:
        super().__init__(name=name, dtype=dtype)
        valid = (None, "uniform_average", "variance_weighted_average")
        if class_aggregation not in valid:
            raise ValueError(
                f"Invalid value for argument `class_aggregation`. Expected one of {valid}. "
                f"Received: class_aggregation={class_aggregation}"
            )
        if num_regressors < 0:
            raise ValueError(
                "Invalid value for argument `num_regressors`. Expected a value >= 0. "
                f"Received: num_regressors={num_regressors}"
            )
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors
        self.num_samples = self.add_variable(
            shape=(), initializer="zeros", dtype=STATE_DTYPE, name="num_samples"
        )
        self._built = False

    def _build(self, y_true_shape: tuple, y_pred_shape: tuple) -> None:
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError(
                "R2Score expects 2D inputs with shape (batch_size, output_dim). Received input "
                f"shapes: y_pred.shape={y_pred_shape} and y_true.shape={y_true_shape}."
            )
        width = y_pred_shape[-1]
        for name in ("squared_sum", "sum", "residual", "count"):
            variable = self.add_variable(
                shape=(width,), initializer="zeros", dtype=STATE_DTYPE, name=name
            )
            object.__setattr__(self, "total_mse" if name == "residual" else name, variable)
        self._built = True

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_true, y_pred = _pair(y_true, y_pred)
        if not self._built:
            self._build(y_true.shape, y_pred.shape)
        if y_true.ndim != 2 or y_true.shape[-1] != self.sum.shape[0]:
            raise ValueError(
                f"R2Score: expected inputs of shape (batch, {self.sum.shape[0]}), received "
                f"y_true.shape={y_true.shape}, y_pred.shape={y_pred.shape}"
            )
        sw = np.float32(1.0) if sample_weight is None else as_float32(sample_weight)
        if sw.ndim == 1:
            sw = sw[:, None]
        sw = np.broadcast_to(sw, y_true.shape).astype(np.float64)
        t, p = y_true.astype(np.float64), y_pred.astype(np.float64)
        weighted = t * sw
        self.sum.assign_add(weighted.sum(axis=0))
        self.squared_sum.assign_add((t * weighted).sum(axis=0))
        self.total_mse.assign_add(((t - p) ** 2 * sw).sum(axis=0))
        self.count.assign_add(sw.sum(axis=0))
        self.num_samples.assign_add(t.size)

    def result(self) -> Any:
        if not self._built:
            return result_tensor(np.nan, self.dtype)
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = self.sum.data / self.count.data
            total = self.squared_sum.data - self.sum.data * mean
            raw = 1.0 - self.total_mse.data / total
        raw = np.where(np.isinf(raw), 0.0, raw)
        if self.class_aggregation == "uniform_average":
            score = np.mean(raw)
        elif self.class_aggregation == "variance_weighted_average":
            score = np.sum(total * raw) / np.sum(total)
        else:
            score = raw
        if self.num_regressors != 0:
            n, p = float(self.num_samples.data), float(self.num_regressors)
            if p > n - 1:
                warnings.warn(
                    "More independent predictors than datapoints in adjusted R2 score. "
                    "Falling back to standard R2 score.",
                    stacklevel=2,
                )
            elif p == n - 1:
                warnings.warn(
                    "Division by zero in Adjusted R2 score. Falling back to standard R2 score.",
                    stacklevel=2,
                )
            else:
                score = 1.0 - (1.0 - score) * (n - 1.0) / (n - p - 1.0)
        return result_tensor(score, self.dtype)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "class_aggregation": self.class_aggregation,
            "num_regressors": self.num_regressors,
        }
