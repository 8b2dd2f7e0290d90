"""Image segmentation losses: Dice and Tversky, over ``axis`` (all axes by default, which
gives one value for the whole batch).

Example:
    >>> loss = ember.losses.Dice(axis=(1, 2))
    >>> y = np.ones((2, 3, 3, 1))
    >>> round(float(loss(y, y * 0.5).numpy()), 4)
    0.3333
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ember.autograd import Tensor
from ember.losses.loss import (
    EPSILON,
    LossFunctionWrapper,
    as_float_tensor,
    check_axis,
    check_number,
    float_array,
    on_device_of,
)
from ember.ops import math as m

__all__ = ["Dice", "Tversky", "dice", "tversky"]


def _axis(fn: str, axis: Any, ndim: int) -> Any:
    return check_axis(fn, axis, ndim, allow_none=True)


def dice(y_true: Any, y_pred: Any, axis: Any = None) -> Tensor:
    """``1 - 2 sum(y_true * y_pred) / (sum(y_true) + sum(y_pred))`` over ``axis`` (an int,
    a tuple of ints, or None for all axes).

    Example:
        >>> round(float(ember.losses.dice([[1.0, 1.0]], [[0.5, 0.5]]).numpy()), 4)
        0.3333
    """
    y_pred = as_float_tensor(y_pred)
    t = float_array(y_true)
    axis = _axis("dice", axis, y_pred.ndim)
    inter = m.sum(m.multiply(on_device_of(y_pred, t), y_pred), axis=axis)
    t_sum = np.asarray(np.sum(t, axis=axis, dtype=np.float32))
    denom = m.add(m.add(on_device_of(y_pred, t_sum), m.sum(y_pred, axis=axis)), EPSILON)
    return m.subtract(1.0, m.divide(m.multiply(inter, 2.0), denom))


def tversky(
    y_true: Any, y_pred: Any, alpha: float = 0.5, beta: float = 0.5, axis: Any = None
) -> Tensor:
    """``1 - TP / (TP + alpha FP + beta FN)`` with soft counts ``TP = sum(t p)``, ``FP =
    sum(t (1 - p))`` and ``FN = sum(p (1 - t))`` over ``axis`` (as Keras names them).
    ``alpha = beta = 0.5`` is the Dice loss.

    Example:
        >>> round(float(ember.losses.tversky([[1.0, 1.0]], [[0.5, 0.5]]).numpy()), 4)
        0.3333
    """
    y_pred = as_float_tensor(y_pred)
    t = float_array(y_true)
    axis = _axis("tversky", axis, y_pred.ndim)
    td = on_device_of(y_pred, t)
    inter = m.sum(m.multiply(td, y_pred), axis=axis)
    fp = m.sum(m.multiply(m.subtract(1.0, y_pred), td), axis=axis)
    fn = m.sum(m.multiply(y_pred, on_device_of(y_pred, 1.0 - t)), axis=axis)
    denom = m.add(
        m.add(m.add(inter, m.multiply(fp, float(alpha))), m.multiply(fn, float(beta))), EPSILON
    )
    return m.subtract(1.0, m.divide(inter, denom))


class Dice(LossFunctionWrapper):
    """Dice loss ``1 - 2 |A n B| / (|A| + |B|)`` between a target mask and predicted
    probabilities, over ``axis`` (None: all axes, one value for the batch).

    Example:
        >>> round(float(ember.losses.Dice()([[1.0, 1.0]], [[0.5, 0.5]]).numpy()), 4)
        0.3333
    """

    def __init__(
        self,
        reduction: str | None = "sum_over_batch_size",
        name: str = "dice",
        axis: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(dice, name=name, reduction=reduction, dtype=dtype, axis=axis)
        self.axis = axis

    def get_config(self) -> dict:
        return {**super(LossFunctionWrapper, self).get_config(), "axis": self.axis}


class Tversky(LossFunctionWrapper):
    """Tversky loss: Dice with separate weights ``alpha`` (false positives, as Keras counts
    them) and ``beta`` (false negatives).

    Example:
        >>> loss = ember.losses.Tversky(alpha=0.3, beta=0.7)
        >>> round(float(loss([[1.0, 1.0]], [[0.5, 0.5]]).numpy()), 4)
        0.2308
    """

    def __init__(
        self,
        alpha: float = 0.5,
        beta: float = 0.5,
        reduction: str | None = "sum_over_batch_size",
        name: str = "tversky",
        axis: Any = None,
        dtype: Any = None,
    ) -> None:
        alpha = check_number(type(self).__name__, "alpha", alpha)
        beta = check_number(type(self).__name__, "beta", beta)
        super().__init__(
            tversky, name=name, reduction=reduction, dtype=dtype, alpha=alpha, beta=beta, axis=axis
        )
        self.alpha = alpha
        self.beta = beta
        self.axis = axis

    def get_config(self) -> dict:
        return {
            **super(LossFunctionWrapper, self).get_config(),
            "alpha": self.alpha,
            "beta": self.beta,
            "axis": self.axis,
        }
