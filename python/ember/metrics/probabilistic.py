"""Probabilistic metrics: binary / categorical / sparse categorical crossentropy (and the
focal variants as functions), Kullback-Leibler divergence and Poisson.

The functions compute in float32 with Keras' formulas: probabilities are clipped to
``[1e-7, 1 - 1e-7]`` (categorical ones renormalized first), logits go through a stable
log-softmax / log-sigmoid.

Example:
    >>> m = ember.metrics.BinaryCrossentropy()
    >>> m.update_state([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
    >>> round(float(m.result()), 4)
    0.8149
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ember.autograd import Tensor
from ember.metrics.base import EPSILON, as_float32, squeeze_or_expand, to_numpy
from ember.metrics.reduction import _Wrapper

__all__ = [
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "KLDivergence",
    "Poisson",
    "SparseCategoricalCrossentropy",
    "binary_crossentropy",
    "binary_focal_crossentropy",
    "categorical_crossentropy",
    "categorical_focal_crossentropy",
    "kl_divergence",
    "poisson",
    "sparse_categorical_crossentropy",
]

_EPS = np.float32(EPSILON)
_ONE = np.float32(1.0)


def _log_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def _elementwise_bce(target: np.ndarray, output: np.ndarray, from_logits: bool) -> np.ndarray:
    if from_logits:
        # max(x, 0) - x * z + log(1 + exp(-|x|))
        return (
            np.maximum(output, np.float32(0.0))
            - output * target
            + np.log1p(np.exp(-np.abs(output)))
        )
    p = np.clip(output, _EPS, _ONE - _EPS)
    return -(target * np.log(p) + (_ONE - target) * np.log(_ONE - p))


def _check_axis(axis: Any, ndim: int, fn: str) -> int:
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise ValueError(f"{fn}: `axis` must be of type `int`. Received: axis={axis}")
    if not -ndim <= axis < ndim:
        raise ValueError(f"{fn}: axis {axis} is out of range for inputs of rank {ndim}")
    return int(axis)


# ---------------------------------------------------------------------- functions
def binary_crossentropy(
    y_true: Any,
    y_pred: Any,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> Tensor:
    """Binary crossentropy, averaged over ``axis``.

    Example:
        >>> ember.metrics.binary_crossentropy([[0, 1]], [[0.4, 0.6]]).numpy().round(4)
        array([0.5108], dtype=float32)
    """
    output = as_float32(y_pred)
    target = as_float32(y_true)
    # (N,) targets against (N, 1) predictions are matched, as ember's loss does; other
    # shape differences raise as Keras.
    target, output = squeeze_or_expand(target, output)
    if target.shape != output.shape:
        raise ValueError(
            "Arguments `target` and `output` must have the same shape. Received: "
            f"target.shape={target.shape}, output.shape={output.shape}"
        )
    if label_smoothing:
        target = target * np.float32(1.0 - label_smoothing) + np.float32(0.5 * label_smoothing)
    axis = _check_axis(axis, output.ndim, "binary_crossentropy")
    return Tensor(_elementwise_bce(target, output, from_logits).mean(axis=axis, dtype=np.float32))


def categorical_crossentropy(
    y_true: Any,
    y_pred: Any,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> Tensor:
    """Crossentropy against one-hot (or probability) targets along ``axis``.

    Example:
        >>> ember.metrics.categorical_crossentropy([[0, 1, 0]], [[0.05, 0.95, 0]]).numpy()
        array([0.05129331], dtype=float32)
    """
    output = as_float32(y_pred)
    target = as_float32(y_true)
    if target.shape != output.shape:
        raise ValueError(
            "Arguments `target` and `output` must have the same shape. Received: "
            f"target.shape={target.shape}, output.shape={output.shape}"
        )
    axis = _check_axis(axis, output.ndim, "categorical_crossentropy")
    if label_smoothing:
        classes = np.float32(target.shape[-1])
        target = target * np.float32(1.0 - label_smoothing) + np.float32(label_smoothing) / classes
    if from_logits:
        value = -np.sum(target * _log_softmax(output, axis), axis=axis)
    else:
        output = output / np.sum(output, axis=axis, keepdims=True)
        output = np.clip(output, _EPS, _ONE - _EPS)
        value = -np.sum(target * np.log(output), axis=axis)
    return Tensor(value.astype(np.float32))


def sparse_categorical_crossentropy(
    y_true: Any,
    y_pred: Any,
    from_logits: bool = False,
    ignore_class: int | None = None,
    axis: int = -1,
) -> Tensor:
    """Crossentropy against integer class ids. With ``ignore_class``, entries of that class
    give 0 and are masked (the returned Tensor's ``_keras_mask``), as Keras.

    Example:
        >>> ember.metrics.sparse_categorical_crossentropy([1], [[0.05, 0.95, 0]]).numpy()
        array([0.05129344], dtype=float32)
    """
    output = as_float32(y_pred)
    labels = to_numpy(y_true)
    if labels.ndim == output.ndim and labels.shape[-1] == 1:
        labels = labels[..., 0]
    axis = _check_axis(axis, output.ndim, "sparse_categorical_crossentropy")
    if axis not in (-1, output.ndim - 1):
        raise ValueError(f"Only axis=-1 is currently supported. Received: axis={axis}")
    if labels.shape != output.shape[:-1]:
        raise ValueError(
            "Arguments `target` and `output` must have the same shape up until the last "
            f"dimension: target.shape={labels.shape}, output.shape={output.shape}"
        )
    valid = None
    if ignore_class is not None:
        valid = labels != ignore_class
        labels = np.where(valid, labels, 0)
    ids = labels.astype(np.int64)
    classes = output.shape[-1]
    if np.any(ids < 0) or np.any(ids >= classes):
        raise ValueError(
            f"sparse_categorical_crossentropy: labels must be in [0, {classes}); received "
            f"values from {int(ids.min())} to {int(ids.max())}"
        )
    logits = output if from_logits else np.log(np.clip(output, _EPS, _ONE - _EPS))
    log_probs = _log_softmax(logits, -1)
    value = -np.take_along_axis(log_probs, ids[..., None], axis=-1)[..., 0]
    if valid is not None:
        value = np.where(valid, value, np.float32(0.0))
    out = Tensor(value.astype(np.float32))
    if valid is not None:
        out._keras_mask = valid
    return out


def binary_focal_crossentropy(
    y_true: Any,
    y_pred: Any,
    apply_class_balancing: bool = False,
    alpha: float = 0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> Tensor:
    """Binary crossentropy scaled by ``(1 - p_t) ** gamma`` (and ``alpha`` class weights with
    ``apply_class_balancing``), averaged over ``axis``.

    Example:
        >>> ember.metrics.binary_focal_crossentropy([[0, 1]], [[0.4, 0.6]]).numpy().round(4)
        array([0.0817], dtype=float32)
    """
    output = as_float32(y_pred)
    target = as_float32(y_true)
    if label_smoothing:
        target = target * np.float32(1.0 - label_smoothing) + np.float32(0.5 * label_smoothing)
    if from_logits:
        output = _ONE / (_ONE + np.exp(-output))
    bce = _elementwise_bce(target, output, from_logits=False)
    p_t = target * output + (_ONE - target) * (_ONE - output)
    focal = np.power(_ONE - p_t, np.float32(gamma)) * bce
    if apply_class_balancing:
        weight = target * np.float32(alpha) + (_ONE - target) * np.float32(1.0 - alpha)
        focal = weight * focal
    axis = _check_axis(axis, output.ndim, "binary_focal_crossentropy")
    return Tensor(focal.mean(axis=axis, dtype=np.float32))


def categorical_focal_crossentropy(
    y_true: Any,
    y_pred: Any,
    alpha: float = 0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> Tensor:
    """Categorical crossentropy with each class term scaled by ``alpha * (1 - p) ** gamma``.

    Example:
        >>> ember.metrics.categorical_focal_crossentropy([[0, 1, 0]], [[0.1, 0.8, 0.1]]).numpy()
        array([0.00223144], dtype=float32)
    """
    output = as_float32(y_pred)
    target = as_float32(y_true)
    axis = _check_axis(axis, output.ndim, "categorical_focal_crossentropy")
    if label_smoothing:
        classes = np.float32(target.shape[-1])
        target = target * np.float32(1.0 - label_smoothing) + np.float32(label_smoothing) / classes
    if from_logits:
        output = np.exp(_log_softmax(output, axis))
    output = output / np.sum(output, axis=axis, keepdims=True)
    output = np.clip(output, _EPS, _ONE - _EPS)
    cce = -target * np.log(output)
    focal = np.power(_ONE - output, np.float32(gamma)) * np.float32(alpha) * cce
    return Tensor(np.sum(focal, axis=axis).astype(np.float32))


def kl_divergence(y_true: Any, y_pred: Any) -> Tensor:
    """``sum(y_true * log(y_true / y_pred), axis=-1)`` with both clipped to ``[1e-7, 1]``.

    Example:
        >>> ember.metrics.kl_divergence([[0, 1]], [[0.4, 0.6]]).numpy().round(4)
        array([0.5108], dtype=float32)
    """
    output = np.clip(as_float32(y_pred), _EPS, _ONE)
    target = np.clip(as_float32(y_true), _EPS, _ONE)
    return Tensor(np.sum(target * np.log(target / output), axis=-1).astype(np.float32))


def poisson(y_true: Any, y_pred: Any) -> Tensor:
    """``mean(y_pred - y_true * log(y_pred + 1e-7), axis=-1)``.

    Example:
        >>> ember.metrics.poisson([[0, 1]], [[1.0, 1.0]]).numpy().round(4)
        array([1.], dtype=float32)
    """
    output = as_float32(y_pred)
    target = as_float32(y_true)
    return Tensor((output - target * np.log(output + _EPS)).mean(axis=-1, dtype=np.float32))


# ---------------------------------------------------------------------- classes
class KLDivergence(_Wrapper):
    """The mean Kullback-Leibler divergence between labels and predictions.

    Example:
        >>> m = ember.metrics.KLDivergence()
        >>> m.update_state([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
        >>> round(float(m.result()), 4)
        0.4581
    """

    def __init__(self, name: str = "kl_divergence", dtype: Any = None) -> None:
        super().__init__(kl_divergence, name=name, dtype=dtype)


class Poisson(_Wrapper):
    """The mean Poisson loss between labels and predictions.

    Example:
        >>> m = ember.metrics.Poisson()
        >>> m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]]); round(float(m.result()), 4)
        0.5
    """

    def __init__(self, name: str = "poisson", dtype: Any = None) -> None:
        super().__init__(poisson, name=name, dtype=dtype)


class BinaryCrossentropy(_Wrapper):
    """The mean binary crossentropy (``from_logits``, ``label_smoothing`` as the loss).

    Example:
        >>> m = ember.metrics.BinaryCrossentropy()
        >>> m.update_state([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
        >>> round(float(m.result()), 4)
        0.8149
    """

    _direction = "down"
    _config_keys = ("from_logits", "label_smoothing")

    def __init__(
        self,
        name: str = "binary_crossentropy",
        dtype: Any = None,
        from_logits: bool = False,
        label_smoothing: float = 0,
    ) -> None:
        super().__init__(
            binary_crossentropy,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
        )
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing


class CategoricalCrossentropy(_Wrapper):
    """The mean categorical crossentropy against one-hot targets.

    Example:
        >>> m = ember.metrics.CategoricalCrossentropy()
        >>> m.update_state([[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
        >>> round(float(m.result()), 4)
        1.1769
    """

    _direction = "down"
    _config_keys = ("from_logits", "label_smoothing", "axis")

    def __init__(
        self,
        name: str = "categorical_crossentropy",
        dtype: Any = None,
        from_logits: bool = False,
        label_smoothing: float = 0,
        axis: int = -1,
    ) -> None:
        super().__init__(
            categorical_crossentropy,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis


class SparseCategoricalCrossentropy(_Wrapper):
    """The mean crossentropy against integer class ids.

    Example:
        >>> m = ember.metrics.SparseCategoricalCrossentropy()
        >>> m.update_state([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
        >>> round(float(m.result()), 4)
        1.1769
    """

    _direction = "down"
    _config_keys = ("from_logits", "ignore_class", "axis")

    def __init__(
        self,
        name: str = "sparse_categorical_crossentropy",
        dtype: Any = None,
        from_logits: bool = False,
        ignore_class: int | None = None,
        axis: int = -1,
    ) -> None:
        super().__init__(
            sparse_categorical_crossentropy,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            ignore_class=ignore_class,
            axis=axis,
        )
        self.from_logits = from_logits
        self.ignore_class = ignore_class
        self.axis = axis
