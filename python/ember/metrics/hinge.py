"""Hinge metrics: hinge, squared hinge and categorical hinge. Binary labels in {0, 1} are
read as {-1, 1}, as Keras.

Example:
    >>> m = ember.metrics.Hinge()
    >>> m.update_state([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]); round(float(m.result()), 4)
    1.3
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ember.autograd import Tensor
from ember.metrics.base import as_float32
from ember.metrics.reduction import _Wrapper

__all__ = [
    "CategoricalHinge",
    "Hinge",
    "SquaredHinge",
    "categorical_hinge",
    "hinge",
    "squared_hinge",
]

_ONE = np.float32(1.0)
_ZERO = np.float32(0.0)


def _signed_labels(y_true: np.ndarray) -> np.ndarray:
    """Labels that are all 0 or 1 become -1 / 1; other labels are used as they are."""
    if np.all((y_true == 0) | (y_true == 1)):
        return np.float32(2.0) * y_true - _ONE
    return y_true


def hinge(y_true: Any, y_pred: Any) -> Tensor:
    """``mean(max(1 - y_true * y_pred, 0), axis=-1)``.

    Example:
        >>> ember.metrics.hinge([[0, 1]], [[0.6, 0.4]]).numpy()
        array([1.1], dtype=float32)
    """
    y_pred = as_float32(y_pred)
    y_true = _signed_labels(as_float32(y_true))
    return Tensor(np.maximum(_ONE - y_true * y_pred, _ZERO).mean(axis=-1, dtype=np.float32))


def squared_hinge(y_true: Any, y_pred: Any) -> Tensor:
    """``mean(max(1 - y_true * y_pred, 0) ** 2, axis=-1)``.

    Example:
        >>> ember.metrics.squared_hinge([[0, 1]], [[0.6, 0.4]]).numpy()
        array([1.46], dtype=float32)
    """
    y_pred = as_float32(y_pred)
    y_true = _signed_labels(as_float32(y_true))
    margin = np.maximum(_ONE - y_true * y_pred, _ZERO)
    return Tensor((margin * margin).mean(axis=-1, dtype=np.float32))


def categorical_hinge(y_true: Any, y_pred: Any) -> Tensor:
    """``max(neg - pos + 1, 0)`` with ``pos = sum(y_true * y_pred)`` and
    ``neg = max((1 - y_true) * y_pred)`` over the last axis.

    Example:
        >>> ember.metrics.categorical_hinge([[0, 1]], [[0.6, 0.4]]).numpy()
        array([1.2], dtype=float32)
    """
    y_pred = as_float32(y_pred)
    y_true = as_float32(y_true)
    pos = np.sum(y_true * y_pred, axis=-1)
    neg = np.max((_ONE - y_true) * y_pred, axis=-1)
    return Tensor(np.maximum(neg - pos + _ONE, _ZERO).astype(np.float32))


class Hinge(_Wrapper):
    """The mean hinge loss.

    Example:
        >>> m = ember.metrics.Hinge()
        >>> m.update_state([[0, 1]], [[0.6, 0.4]]); round(float(m.result()), 4)
        1.1
    """

    _direction = "down"

    def __init__(self, name: str = "hinge", dtype: Any = None) -> None:
        super().__init__(hinge, name=name, dtype=dtype)


class SquaredHinge(_Wrapper):
    """The mean squared hinge loss.

    Example:
        >>> m = ember.metrics.SquaredHinge()
        >>> m.update_state([[0, 1]], [[0.6, 0.4]]); round(float(m.result()), 4)
        1.46
    """

    _direction = "down"

    def __init__(self, name: str = "squared_hinge", dtype: Any = None) -> None:
        super().__init__(squared_hinge, name=name, dtype=dtype)


class CategoricalHinge(_Wrapper):
    """The mean categorical hinge loss.

    Example:
        >>> m = ember.metrics.CategoricalHinge()
        >>> m.update_state([[0, 1]], [[0.6, 0.4]]); round(float(m.result()), 4)
        1.2
    """

    _direction = "down"

    def __init__(self, name: str = "categorical_hinge", dtype: Any = None) -> None:
        super().__init__(categorical_hinge, name=name, dtype=dtype)
