"""Hinge losses for maximum-margin classifiers: hinge, squared hinge and categorical hinge.
Binary targets given as 0/1 are read as -1/1 (when every target in the batch is 0 or 1).

Example:
    >>> loss = ember.losses.Hinge()
    >>> round(float(loss([[0.0, 1.0]], [[-0.5, 0.8]]).numpy()), 4)
    0.35
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ember.autograd import Tensor
from ember.losses import _ops
from ember.losses.loss import LossFunctionWrapper, as_float_tensor, float_array, on_device_of
from ember.ops import math as m

__all__ = [
    "CategoricalHinge",
    "Hinge",
    "SquaredHinge",
    "categorical_hinge",
    "hinge",
    "squared_hinge",
]


def convert_binary_labels_to_hinge(y_true: np.ndarray) -> np.ndarray:
    """0/1 labels as -1/1; labels that are not all 0 or 1 are returned unchanged."""
    if np.all((y_true == 0) | (y_true == 1)):
        return np.float32(2.0) * y_true - np.float32(1.0)
    return y_true


def _margin(y_true: Any, y_pred: Any) -> Tensor:
    y_pred = as_float_tensor(y_pred)
    t = convert_binary_labels_to_hinge(float_array(y_true))
    return m.clip(m.subtract(1.0, m.multiply(on_device_of(y_pred, t), y_pred)), 0.0, np.inf)


def hinge(y_true: Any, y_pred: Any) -> Tensor:
    """``mean(max(1 - y_true * y_pred, 0))`` over the last axis (targets -1/1, or 0/1).

    Example:
        >>> ember.losses.hinge([[0.0, 1.0]], [[-0.5, 0.8]]).numpy()
        array([0.35], dtype=float32)
    """
    return m.mean(_margin(y_true, y_pred), axis=-1)


def squared_hinge(y_true: Any, y_pred: Any) -> Tensor:
    """``mean(max(1 - y_true * y_pred, 0) ** 2)`` over the last axis.

    Example:
        >>> ember.losses.squared_hinge([[0.0, 1.0]], [[-0.5, 0.8]]).numpy().round(4)
        array([0.145], dtype=float32)
    """
    margin = _margin(y_true, y_pred)
    return m.mean(m.multiply(margin, margin), axis=-1)


def categorical_hinge(y_true: Any, y_pred: Any) -> Tensor:
    """``max(neg - pos + 1, 0)`` with ``pos = sum(y_true * y_pred)`` and ``neg =
    max((1 - y_true) * y_pred)`` over the last axis (one-hot targets).

    Example:
        >>> ember.losses.categorical_hinge([[0.0, 1.0, 0.0]], [[0.3, 0.6, 0.1]]).numpy()
        array([0.7], dtype=float32)
    """
    y_pred = as_float_tensor(y_pred)
    t = float_array(y_true)
    pos = m.sum(m.multiply(on_device_of(y_pred, t), y_pred), axis=-1)
    neg = _ops.reduce_max(m.multiply(on_device_of(y_pred, 1.0 - t), y_pred), axis=-1)
    return m.clip(m.add(m.subtract(neg, pos), 1.0), 0.0, np.inf)


class Hinge(LossFunctionWrapper):
    """Hinge loss ``max(1 - y_true * y_pred, 0)`` for targets -1/1 (0/1 are converted).

    Example:
        >>> round(float(ember.losses.Hinge()([[0.0, 1.0]], [[-0.5, 0.8]]).numpy()), 4)
        0.35
    """

    def __init__(
        self,
        reduction: str | None = "sum_over_batch_size",
        name: str = "hinge",
        dtype: Any = None,
    ) -> None:
        super().__init__(hinge, name=name, reduction=reduction, dtype=dtype)

    def get_config(self) -> dict:
        return super(LossFunctionWrapper, self).get_config()


class SquaredHinge(LossFunctionWrapper):
    """Squared hinge loss ``max(1 - y_true * y_pred, 0) ** 2``.

    Example:
        >>> round(float(ember.losses.SquaredHinge()([[0.0, 1.0]], [[-0.5, 0.8]]).numpy()), 4)
        0.145
    """

    def __init__(
        self,
        reduction: str | None = "sum_over_batch_size",
        name: str = "squared_hinge",
        dtype: Any = None,
    ) -> None:
        super().__init__(squared_hinge, name=name, reduction=reduction, dtype=dtype)

    def get_config(self) -> dict:
        return super(LossFunctionWrapper, self).get_config()


class CategoricalHinge(LossFunctionWrapper):
    """Categorical hinge loss: the best wrong class should score at least 1 below the true
    class.

    Example:
        >>> loss = ember.losses.CategoricalHinge()
        >>> round(float(loss([[0.0, 1.0, 0.0]], [[0.3, 0.6, 0.1]]).numpy()), 4)
        0.7
    """

    def __init__(
        self,
        reduction: str | None = "sum_over_batch_size",
        name: str = "categorical_hinge",
        dtype: Any = None,
    ) -> None:
        super().__init__(categorical_hinge, name=name, reduction=reduction, dtype=dtype)

    def get_config(self) -> dict:
        return super(LossFunctionWrapper, self).get_config()
