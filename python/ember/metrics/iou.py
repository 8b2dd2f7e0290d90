"""Intersection-over-union metrics for segmentation and classification: ``IoU`` (for chosen
classes), ``MeanIoU`` (all classes), ``BinaryIoU`` (thresholded scores) and the one-hot
variants, from a confusion matrix accumulated over batches.

As Keras, the default dtype is an integer one, so sample weights are truncated to integers;
pass ``dtype="float32"`` for fractional weights.

Example:
    >>> m = ember.metrics.MeanIoU(num_classes=2)
    >>> m.update_state([0, 0, 1, 1], [0, 1, 0, 1]); round(float(m.result()), 4)
    0.3333
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ember.metrics.base import EPSILON, Metric, result_tensor, to_numpy

__all__ = ["BinaryIoU", "IoU", "MeanIoU", "OneHotIoU", "OneHotMeanIoU"]


class _IoUBase(Metric):
    """The running confusion matrix (rows: true class, columns: predicted class)."""

    _direction = "up"

    def __init__(
        self,
        num_classes: int,
        name: str | None = None,
        dtype: Any = None,
        ignore_class: int | None = None,
        sparse_y_true: bool = True,
        sparse_y_pred: bool = True,
        axis: int = -1,
    ) -> None:
        super().__init__(name=name, dtype=dtype if dtype is not None else "int")
        if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)):
            raise TypeError(
                f"{type(self).__name__}: `num_classes` must be an int, received {num_classes!r}"
            )
        if num_classes < 1:
            raise ValueError(
                f"{type(self).__name__}: `num_classes` must be >= 1, received {num_classes}"
            )
        self.num_classes = int(num_classes)
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        state = "float64" if np.dtype(self.dtype).kind == "f" else "int64"
        self.total_cm = self.add_variable(
            shape=(self.num_classes, self.num_classes),
            initializer="zeros",
            dtype=state,
            name="total_confusion_matrix",
        )

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_true = to_numpy(y_true)
        y_pred = to_numpy(y_pred)
        if not self.sparse_y_true:
            y_true = np.argmax(y_true, axis=self.axis)
        if not self.sparse_y_pred:
            y_pred = np.argmax(y_pred, axis=self.axis)
        dt = np.dtype(self.dtype)
        y_true = y_true.astype(dt).ravel()
        y_pred = y_pred.astype(dt).ravel()
        if y_true.shape != y_pred.shape:
            raise ValueError(
                f"{type(self).__name__}: y_true and y_pred must hold as many entries; received "
                f"{y_true.size} and {y_pred.size}"
            )
        if sample_weight is None:
            sw = np.ones_like(y_true)
        else:
            raw = to_numpy(sample_weight)
            if raw.dtype.kind == "f" and dt.kind in "iu":
                warnings.warn(
                    "You are passing weight as `float`, but dtype is `int`. This may result in "
                    "an incorrect weight due to type casting Consider using integer weights.",
                    stacklevel=2,
                )
            sw = np.broadcast_to(raw.astype(dt).ravel(), y_true.shape)
        n = self.num_classes
        valid = (y_true >= 0) & (y_true < n) & (y_pred >= 0) & (y_pred < n)
        if self.ignore_class is not None:
            valid &= y_true != self.ignore_class
        rows = np.where(valid, y_true, 0).astype(np.int64)
        cols = np.where(valid, y_pred, 0).astype(np.int64)
        weights = np.where(valid, sw, 0).astype(np.float64)
        counts = np.bincount(rows * n + cols, weights=weights, minlength=n * n).reshape(n, n)
        self.total_cm.assign_add(counts.astype(self.total_cm.dtype))


class IoU(_IoUBase):
    """The mean IoU ``tp / (tp + fp + fn)`` over ``target_class_ids`` (classes never seen
    are left out of the mean).

    Example:
        >>> m = ember.metrics.IoU(num_classes=2, target_class_ids=[0])
        >>> m.update_state([0, 0, 1, 1], [0, 1, 0, 1]); round(float(m.result()), 4)
        0.3333
    """

    def __init__(
        self,
        num_classes: int,
        target_class_ids: Any,
        name: str | None = None,
        dtype: Any = None,
        ignore_class: int | None = None,
        sparse_y_true: bool = True,
        sparse_y_pred: bool = True,
        axis: int = -1,
    ) -> None:
        super().__init__(
            num_classes=num_classes,
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=sparse_y_true,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )
        ids = [int(i) for i in target_class_ids]
        if not ids:
            raise ValueError(f"{type(self).__name__}: `target_class_ids` must not be empty")
        if max(ids) >= num_classes:
            raise ValueError(
                f"Target class id {max(ids)} is out of range, which is [0, {num_classes})."
            )
        self.target_class_ids = ids

    def result(self) -> Any:
        cm = self.total_cm.data.astype(np.float64)
        tp = np.diag(cm)
        denominator = cm.sum(axis=0) + cm.sum(axis=1) - tp
        ids = np.asarray(self.target_class_ids)
        tp = tp[ids].astype(np.float32)
        denominator = denominator[ids].astype(np.float32)
        valid = denominator > np.float32(1e-9)
        iou = tp / (denominator + np.float32(EPSILON))
        iou = np.where(valid, iou, np.float32(0.0))
        value = np.sum(iou) / (np.sum(valid.astype(np.float32)) + np.float32(EPSILON))
        return result_tensor(value, "float32")

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "target_class_ids": self.target_class_ids,
            "ignore_class": self.ignore_class,
            "sparse_y_true": self.sparse_y_true,
            "sparse_y_pred": self.sparse_y_pred,
            "axis": self.axis,
        }


class BinaryIoU(IoU):
    """IoU of two classes from scores: ``y_pred >= threshold`` predicts class 1.

    Example:
        >>> m = ember.metrics.BinaryIoU(target_class_ids=[0, 1], threshold=0.3)
        >>> m.update_state([0, 1, 0, 1], [0.1, 0.2, 0.4, 0.7]); round(float(m.result()), 4)
        0.3333
    """

    def __init__(
        self,
        target_class_ids: Any = (0, 1),
        threshold: float = 0.5,
        name: str | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(num_classes=2, target_class_ids=target_class_ids, name=name, dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_true = to_numpy(y_true).astype(np.dtype(self.dtype))
        y_pred = (to_numpy(y_pred).astype(np.float32) >= self.threshold).astype(np.int64)
        super().update_state(y_true, y_pred, sample_weight)

    def get_config(self) -> dict:
        return {
            "target_class_ids": self.target_class_ids,
            "threshold": self.threshold,
            "name": self.name,
            "dtype": self.dtype,
        }


class MeanIoU(IoU):
    """The mean IoU over all ``num_classes`` classes.

    Example:
        >>> m = ember.metrics.MeanIoU(num_classes=2)
        >>> m.update_state([0, 0, 1, 1], [0, 1, 0, 1]); round(float(m.result()), 4)
        0.3333
    """

    def __init__(
        self,
        num_classes: int,
        name: str | None = None,
        dtype: Any = None,
        ignore_class: int | None = None,
        sparse_y_true: bool = True,
        sparse_y_pred: bool = True,
        axis: int = -1,
    ) -> None:
        super().__init__(
            num_classes=num_classes,
            target_class_ids=list(range(num_classes)) if isinstance(num_classes, int) else [0],
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=sparse_y_true,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )

    def get_config(self) -> dict:
        return {
            "num_classes": self.num_classes,
            "name": self.name,
            "dtype": self.dtype,
            "ignore_class": self.ignore_class,
            "sparse_y_true": self.sparse_y_true,
            "sparse_y_pred": self.sparse_y_pred,
            "axis": self.axis,
        }


class OneHotIoU(IoU):
    """``IoU`` for one-hot labels (and, unless ``sparse_y_pred``, scores): the argmax along
    ``axis`` is the class.

    Example:
        >>> m = ember.metrics.OneHotIoU(num_classes=3, target_class_ids=[0, 2])
        >>> m.update_state(
        ...     [[0, 0, 1], [1, 0, 0], [0, 1, 0], [1, 0, 0]],
        ...     [[0.2, 0.3, 0.5], [0.1, 0.2, 0.7], [0.5, 0.3, 0.1], [0.1, 0.4, 0.5]],
        ... )
        >>> round(float(m.result()), 4)
        0.1667
    """

    def __init__(
        self,
        num_classes: int,
        target_class_ids: Any,
        name: str | None = None,
        dtype: Any = None,
        ignore_class: int | None = None,
        sparse_y_pred: bool = False,
        axis: int = -1,
    ) -> None:
        super().__init__(
            num_classes=num_classes,
            target_class_ids=target_class_ids,
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=False,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )

    def get_config(self) -> dict:
        return {
            "num_classes": self.num_classes,
            "target_class_ids": self.target_class_ids,
            "name": self.name,
            "dtype": self.dtype,
            "ignore_class": self.ignore_class,
            "sparse_y_pred": self.sparse_y_pred,
            "axis": self.axis,
        }


class OneHotMeanIoU(MeanIoU):
    """``MeanIoU`` for one-hot labels (and, unless ``sparse_y_pred``, scores).

    Example:
        >>> m = ember.metrics.OneHotMeanIoU(num_classes=3)
        >>> m.update_state(
        ...     [[0, 0, 1], [1, 0, 0], [0, 1, 0], [1, 0, 0]],
        ...     [[0.2, 0.3, 0.5], [0.1, 0.2, 0.7], [0.5, 0.3, 0.1], [0.1, 0.4, 0.5]],
        ... )
        >>> round(float(m.result()), 4)
        0.1111
    """

    def __init__(
        self,
        num_classes: int,
        name: str | None = None,
        dtype: Any = None,
        ignore_class: int | None = None,
        sparse_y_pred: bool = False,
        axis: int = -1,
    ) -> None:
        super().__init__(
            num_classes=num_classes,
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=False,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )

    def get_config(self) -> dict:
        return {
            "num_classes": self.num_classes,
            "name": self.name,
            "dtype": self.dtype,
            "ignore_class": self.ignore_class,
            "sparse_y_pred": self.sparse_y_pred,
            "axis": self.axis,
        }
