"""Correlation metrics: Pearson's and Lin's concordance correlation between labels and
predictions along an axis (per sample), averaged over samples.

Example:
    >>> m = ember.metrics.PearsonCorrelation()
    >>> m.update_state([[1.0, 2.0, 3.0]], [[2.0, 4.0, 7.0]]); round(float(m.result()), 4)
    0.9934
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ember.autograd import Tensor
from ember.metrics.base import EPSILON, as_float32, squeeze_or_expand
from ember.metrics.reduction import _Wrapper

__all__ = [
    "ConcordanceCorrelation",
    "PearsonCorrelation",
    "concordance_correlation",
    "pearson_correlation",
]


def pearson_correlation(y_true: Any, y_pred: Any, axis: int = -1) -> Tensor:
    """Pearson's correlation coefficient of ``y_true`` and ``y_pred`` along ``axis``.

    Example:
        >>> ember.metrics.pearson_correlation([[1.0, 2.0, 3.0]], [[3.0, 2.0, 1.0]]).numpy().round(4)
        array([-1.], dtype=float32)
    """
    y_true, y_pred = squeeze_or_expand(as_float32(y_true), as_float32(y_pred))
    t = y_true - np.mean(y_true, axis=axis, keepdims=True)
    p = y_pred - np.mean(y_pred, axis=axis, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = t / np.std(t, axis=axis, keepdims=True)
        p = p / np.std(p, axis=axis, keepdims=True)
    return Tensor(np.mean(t * p, axis=axis).astype(np.float32))


def concordance_correlation(y_true: Any, y_pred: Any, axis: int = -1) -> Tensor:
    """Lin's concordance correlation coefficient of ``y_true`` and ``y_pred`` along ``axis``
    (Keras' formula: ``mean(2 (t - mean_p)(p - mean_p) / (var_t + var_p + (mean_t -
    mean_p)**2 + eps))``).

    Example:
        >>> t = [[1.0, 2.0, 3.0]]
        >>> ember.metrics.concordance_correlation(t, t).numpy().round(4)
        array([1.], dtype=float32)
    """
    y_true, y_pred = squeeze_or_expand(as_float32(y_true), as_float32(y_pred))
    mean_t = np.mean(y_true, axis=axis, keepdims=True)
    mean_p = np.mean(y_pred, axis=axis, keepdims=True)
    var_t = np.var(y_true - mean_t, axis=axis, keepdims=True)
    var_p = np.var(y_pred - mean_p, axis=axis, keepdims=True)
    covar = (y_true - mean_p) * (y_pred - mean_p)
    norm = var_t + var_p + np.square(mean_t - mean_p)
    value = np.mean(np.float32(2.0) * covar / (norm + np.float32(EPSILON)), axis=axis)
    return Tensor(value.astype(np.float32))


class PearsonCorrelation(_Wrapper):
    """The mean Pearson correlation (per sample along ``axis``).

    Example:
        >>> m = ember.metrics.PearsonCorrelation()
        >>> m.update_state([[1.0, 2.0, 3.0]], [[3.0, 2.0, 1.0]]); round(float(m.result()), 4)
        -1.0
    """

    _direction = "up"
    _config_keys = ("axis",)

    def __init__(
        self, name: str = "pearson_correlation", dtype: Any = None, axis: int = -1
    ) -> None:
        super().__init__(pearson_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis


class ConcordanceCorrelation(_Wrapper):
    """The mean concordance correlation (per sample along ``axis``).

    Example:
        >>> m = ember.metrics.ConcordanceCorrelation()
        >>> m.update_state([[1.0, 2.0, 3.0]], [[1.0, 2.0, 3.0]]); round(float(m.result()), 4)
        1.0
    """

    _direction = "up"
    _config_keys = ("axis",)

    def __init__(
        self, name: str = "concordance_correlation", dtype: Any = None, axis: int = -1
    ) -> None:
        super().__init__(concordance_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis
