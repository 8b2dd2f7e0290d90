"""Accuracy metrics: exact match, binary (thresholded), categorical (argmax), sparse
categorical (integer labels) and top-k, as functions (one value per sample, a float32
Tensor) and as Mean metrics.

Example:
    >>> m = ember.metrics.SparseCategoricalAccuracy()
    >>> m.update_state(np.array([1, 0]), np.array([[0.1, 0.9], [0.2, 0.8]]))
    >>> float(m.result())
    0.5
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ember.autograd import Tensor
from ember.metrics.base import squeeze_or_expand, to_numpy
from ember.metrics.reduction import _Wrapper

__all__ = [
    "Accuracy",
    "BinaryAccuracy",
    "CategoricalAccuracy",
    "SparseCategoricalAccuracy",
    "SparseTopKCategoricalAccuracy",
    "TopKCategoricalAccuracy",
    "accuracy",
    "binary_accuracy",
    "categorical_accuracy",
    "sparse_categorical_accuracy",
    "sparse_top_k_categorical_accuracy",
    "top_k_categorical_accuracy",
]


def _squeeze_labels(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        return y_true[..., 0]
    return y_true


# ---------------------------------------------------------------------- functions
def accuracy(y_true: Any, y_pred: Any) -> Tensor:
    """1 where ``y_true == y_pred`` (element by element), else 0.

    Example:
        >>> ember.metrics.accuracy([1, 2, 3], [1, 2, 4]).numpy()
        array([1., 1., 0.], dtype=float32)
    """
    y_pred = to_numpy(y_pred)
    y_true = to_numpy(y_true).astype(y_pred.dtype, copy=False)
    y_true, y_pred = squeeze_or_expand(y_true, y_pred)
    return Tensor((y_true == y_pred).astype(np.float32))


def sparse_categorical_accuracy(y_true: Any, y_pred: Any) -> Tensor:
    """1 where the integer label ``y_true`` is the argmax of ``y_pred``, else 0.

    Example:
        >>> ember.metrics.sparse_categorical_accuracy([1, 0], [[0.1, 0.9], [0.2, 0.8]]).numpy()
        array([1., 0.], dtype=float32)
    """
    y_pred = to_numpy(y_pred)
    y_true = _squeeze_labels(to_numpy(y_true), y_pred)
    return Tensor((np.argmax(y_pred, axis=-1) == y_true.astype(np.int64)).astype(np.float32))


def categorical_accuracy(y_true: Any, y_pred: Any) -> Tensor:
    """1 where the argmax of one-hot ``y_true`` is the argmax of ``y_pred``, else 0.

    Example:
        >>> ember.metrics.categorical_accuracy([[0, 1], [1, 0]], [[0.1, 0.9], [0.2, 0.8]]).numpy()
        array([1., 0.], dtype=float32)
    """
    hits = np.argmax(to_numpy(y_pred), axis=-1) == np.argmax(to_numpy(y_true), axis=-1)
    return Tensor(hits.astype(np.float32))


def binary_accuracy(y_true: Any, y_pred: Any, threshold: float = 0.5) -> Tensor:
    """1 where ``(y_pred > threshold) == y_true`` (element by element), else 0.

    Example:
        >>> ember.metrics.binary_accuracy([[1], [0]], [[0.9], [0.7]]).numpy()
        array([[1.],
               [0.]], dtype=float32)
    """
    y_pred = to_numpy(y_pred)
    y_true = to_numpy(y_true)
    y_true, y_pred = squeeze_or_expand(y_true, y_pred)
    hits = (y_pred > threshold).astype(np.float32) == y_true.astype(np.float32)
    return Tensor(hits.astype(np.float32))


def _in_top_k(targets: np.ndarray, y_pred: np.ndarray, k: int) -> np.ndarray:
    # Ties at the k-th score count as in the top k, as TensorFlow's in_top_k.
    target_scores = np.take_along_axis(y_pred, targets[..., None], axis=-1)
    better = (y_pred > target_scores).sum(axis=-1)
    return (better < k).astype(np.float32)


def top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5) -> Tensor:
    """1 where the class of one-hot ``y_true`` is among the ``k`` highest scores of
    ``y_pred``, else 0.

    Example:
        >>> ember.metrics.top_k_categorical_accuracy(
        ...     [[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], k=1
        ... ).numpy()
        array([0., 1.], dtype=float32)
    """
    y_pred = to_numpy(y_pred)
    return Tensor(_in_top_k(np.argmax(to_numpy(y_true), axis=-1), y_pred, k))


def sparse_top_k_categorical_accuracy(
    y_true: Any, y_pred: Any, k: int = 5, from_sorted_ids: bool = False
) -> Tensor:
    """1 where the integer label ``y_true`` is among the ``k`` highest scores of ``y_pred``
    (or, with ``from_sorted_ids=True``, among the first ``k`` ids of ``y_pred``, which then
    holds class ids sorted by score), else 0.

    Example:
        >>> ember.metrics.sparse_top_k_categorical_accuracy(
        ...     [2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], k=1
        ... ).numpy()
        array([0., 1.], dtype=float32)
    """
    y_pred = to_numpy(y_pred)
    y_true = _squeeze_labels(to_numpy(y_true), y_pred).astype(np.int64)
    if from_sorted_ids:
        hits = (y_true[..., None] == y_pred[..., :k].astype(np.int64)).any(axis=-1)
        return Tensor(hits.astype(np.float32))
    return Tensor(_in_top_k(y_true, y_pred, k))


# ---------------------------------------------------------------------- classes
class Accuracy(_Wrapper):
    """How often predictions equal labels.

    Example:
        >>> m = ember.metrics.Accuracy()
        >>> m.update_state([[1], [2], [3], [4]], [[0], [2], [3], [4]]); float(m.result())
        0.75
    """

    _direction = "up"

    def __init__(self, name: str = "accuracy", dtype: Any = None) -> None:
        super().__init__(accuracy, name=name, dtype=dtype)


class BinaryAccuracy(_Wrapper):
    """How often ``y_pred > threshold`` matches binary labels.

    Example:
        >>> m = ember.metrics.BinaryAccuracy()
        >>> m.update_state([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]]); float(m.result())
        0.75
    """

    _direction = "up"
    _config_keys = ("threshold",)

    def __init__(
        self, name: str = "binary_accuracy", dtype: Any = None, threshold: float = 0.5
    ) -> None:
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold


class CategoricalAccuracy(_Wrapper):
    """How often the argmax of ``y_pred`` matches the argmax of one-hot labels.

    Example:
        >>> m = ember.metrics.CategoricalAccuracy()
        >>> m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
        >>> float(m.result())
        0.5
    """

    _direction = "up"

    def __init__(self, name: str = "categorical_accuracy", dtype: Any = None) -> None:
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(_Wrapper):
    """How often the argmax of ``y_pred`` equals integer labels.

    Example:
        >>> m = ember.metrics.SparseCategoricalAccuracy()
        >>> m.update_state([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]]); float(m.result())
        0.5
    """

    _direction = "up"

    def __init__(self, name: str = "sparse_categorical_accuracy", dtype: Any = None) -> None:
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)


class TopKCategoricalAccuracy(_Wrapper):
    """How often one-hot labels are among the ``k`` highest scores.

    Example:
        >>> m = ember.metrics.TopKCategoricalAccuracy(k=1)
        >>> m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
        >>> float(m.result())
        0.5
    """

    _direction = "up"
    _config_keys = ("k",)

    def __init__(
        self, k: int = 5, name: str = "top_k_categorical_accuracy", dtype: Any = None
    ) -> None:
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k


class SparseTopKCategoricalAccuracy(_Wrapper):
    """How often integer labels are among the ``k`` highest scores.

    Example:
        >>> m = ember.metrics.SparseTopKCategoricalAccuracy(k=1)
        >>> m.update_state([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]); float(m.result())
        0.5
    """

    _direction = "up"

    def __init__(
        self,
        k: int = 5,
        name: str = "sparse_top_k_categorical_accuracy",
        dtype: Any = None,
        from_sorted_ids: bool = False,
    ) -> None:
        super().__init__(
            sparse_top_k_categorical_accuracy,
            name=name,
            dtype=dtype,
            k=k,
            from_sorted_ids=from_sorted_ids,
        )
        self.k = k
        self.from_sorted_ids = from_sorted_ids

    def get_config(self) -> dict:
        config = {"name": self.name, "dtype": self.dtype, "k": self.k}
        if self.from_sorted_ids:
            config["from_sorted_ids"] = True
        return config
