"""F-scores: ``FBetaScore`` and ``F1Score`` for multi-class / multi-label predictions of
shape (batch, classes), per class or averaged ("micro", "macro", "weighted").

Without a ``threshold``, each row's highest score counts as its predicted class (ties all
count); with one, every score above it does.

Example:
    >>> m = ember.metrics.F1Score(average="micro", threshold=0.5)
    >>> m.update_state([[1, 0], [1, 1]], [[0.9, 0.2], [0.3, 0.8]])
    >>> round(float(m.result()), 4)
    0.8
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ember.metrics.base import EPSILON, Metric, as_float32, result_tensor
from ember.metrics.reduction import STATE_DTYPE

__all__ = ["F1Score", "FBetaScore"]


class FBetaScore(Metric):
    """The F-beta score ``(1 + beta**2) * precision * recall / (beta**2 * precision +
    recall)``.

    Args:
        average: None (one score per class), "micro" (from counts over all classes),
            "macro" (the mean of the per-class scores) or "weighted" (their mean weighted by
            each class's number of true instances).
        beta: the weight of recall (a float > 0).
        threshold: scores above it are positive; None: each row's maximum is positive.

    Example:
        >>> m = ember.metrics.FBetaScore(beta=2.0, threshold=0.5)
        >>> m.update_state([[1, 0], [1, 1]], [[0.9, 0.2], [0.3, 0.8]])
        >>> m.result().numpy().round(4)
        array([0.5556, 1.    ], dtype=float32)
    """

    _direction = "up"

    def __init__(
        self,
        average: str | None = None,
        beta: float = 1.0,
        threshold: float | None = None,
        name: str = "fbeta_score",
        dtype: Any = None,
    ) -> None:
        super().__init__(name=name, dtype=dtype)
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError(
                "Invalid `average` argument value. Expected one of: {None, 'micro', 'macro', "
                f"'weighted'}}. Received: average={average}"
            )
        if not isinstance(beta, float):
            raise ValueError(
                "Invalid `beta` argument value. It should be a Python float. "
                f"Received: beta={beta} of type '{type(beta)}'"
            )
        if beta <= 0.0:
            raise ValueError(
                f"Invalid `beta` argument value. It should be > 0. Received: beta={beta}"
            )
        if threshold is not None:
            if not isinstance(threshold, float):
                raise ValueError(
                    "Invalid `threshold` argument value. It should be a Python float. "
                    f"Received: threshold={threshold} of type '{type(threshold)}'"
                )
            if threshold > 1.0 or threshold <= 0.0:
                raise ValueError(
                    "Invalid `threshold` argument value. It should verify 0 < threshold <= 1. "
                    f"Received: threshold={threshold}"
                )
        self.average = average
        self.beta = beta
        self.threshold = threshold
        self.axis = None if average == "micro" else 0
        self._built = False

    def _build(self, y_true_shape: tuple, y_pred_shape: tuple) -> None:
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError(
                f"{type(self).__name__} expects 2D inputs with shape (batch_size, output_dim). "
                f"Received input shapes: y_pred.shape={y_pred_shape} and "
                f"y_true.shape={y_true_shape}."
            )
        size = () if self.average == "micro" else (y_pred_shape[-1],)
        names = ("true_positives", "false_positives", "false_negatives", "intermediate_weights")
        for attr in names:
            variable = self.add_variable(
                shape=size, initializer="zeros", dtype=STATE_DTYPE, name=attr
            )
            setattr(self, attr, variable)
        self._built = True

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_true = as_float32(y_true)
        y_pred = as_float32(y_pred)
        if not self._built:
            self._build(y_true.shape, y_pred.shape)
        if y_pred.shape != y_true.shape or y_pred.ndim != 2:
            raise ValueError(
                f"{type(self).__name__}: y_true and y_pred must both have shape "
                f"(batch, {self.true_positives.shape[0] if self.average != 'micro' else 'n'}); "
                f"received {y_true.shape} and {y_pred.shape}"
            )
        if self.threshold is None:
            top = np.max(y_pred, axis=-1, keepdims=True)
            positive = (y_pred >= top) & (np.abs(y_pred) > 1e-9)
        else:
            positive = y_pred > self.threshold
        pred = positive.astype(np.float64)
        true = y_true.astype(np.float64)
        sw = None if sample_weight is None else as_float32(sample_weight).astype(np.float64)

        def weighted_sum(values: np.ndarray) -> np.ndarray:
            if sw is not None:
                values = values * sw[:, None]
            return np.sum(values, axis=self.axis)

        self.true_positives.assign_add(weighted_sum(pred * true))
        self.false_positives.assign_add(weighted_sum(pred * (1.0 - true)))
        self.false_negatives.assign_add(weighted_sum((1.0 - pred) * true))
        self.intermediate_weights.assign_add(weighted_sum(true))

    def result(self) -> Any:
        if not self._built:
            return result_tensor(0.0, self.dtype)
        dt = np.dtype(self.dtype)
        eps = np.asarray(EPSILON, dt)
        tp = self.true_positives.data.astype(dt)
        fp = self.false_positives.data.astype(dt)
        fn = self.false_negatives.data.astype(dt)
        precision = tp / (tp + fp + eps)
        recall = tp / (tp + fn + eps)
        beta2 = np.asarray(self.beta**2, dt)
        score = precision * recall / (beta2 * precision + recall + eps) * (1 + beta2)
        if self.average == "weighted":
            w = self.intermediate_weights.data.astype(dt)
            score = np.sum(score * (w / (np.sum(w) + eps)))
        elif self.average is not None:
            score = np.mean(score)
        return result_tensor(score, self.dtype)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "average": self.average,
            "beta": self.beta,
            "threshold": self.threshold,
        }


class F1Score(FBetaScore):
    """The F1 score (``FBetaScore`` with ``beta=1``): the harmonic mean of precision and
    recall.

    Example:
        >>> m = ember.metrics.F1Score(threshold=0.5)
        >>> m.update_state([[1, 0], [1, 1]], [[0.9, 0.2], [0.3, 0.8]])
        >>> m.result().numpy().round(4)
        array([0.6667, 1.    ], dtype=float32)
    """

    def __init__(
        self,
        average: str | None = None,
        threshold: float | None = None,
        name: str = "f1_score",
        dtype: Any = None,
    ) -> None:
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["beta"]
        return config
