"""Probabilistic losses: binary, categorical and sparse categorical crossentropy, their focal
variants, the generalized crossentropy, Kullback-Leibler divergence and Poisson.

As in Keras, a crossentropy given probabilities that came straight out of a softmax (or
sigmoid) activation is computed from that activation's logits, which is both exact and fast;
other probabilities are clipped to [1e-7, 1 - 1e-7] (categorical ones renormalized first).

Example:
    >>> loss = ember.losses.SparseCategoricalCrossentropy(from_logits=True)
    >>> round(float(loss(np.array([1]), np.array([[0.0, 0.0]])).numpy()), 4)
    0.6931
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ember.autograd import Tensor
from ember.losses import _ops
from ember.losses.loss import (
    EPSILON,
    LossFunctionWrapper,
    as_float_tensor,
    check_axis,
    check_number,
    float_array,
    host_of,
    on_device_of,
)
from ember.ops import activations as act
from ember.ops import losses as loss_ops
from ember.ops import math as m

__all__ = [
    "BinaryCrossentropy",
    "BinaryFocalCrossentropy",
    "CategoricalCrossentropy",
    "CategoricalFocalCrossentropy",
    "CategoricalGeneralizedCrossEntropy",
    "KLDivergence",
    "Poisson",
    "SparseCategoricalCrossentropy",
    "binary_crossentropy",
    "binary_focal_crossentropy",
    "categorical_crossentropy",
    "categorical_focal_crossentropy",
    "categorical_generalized_cross_entropy",
    "kl_divergence",
    "poisson",
    "sparse_categorical_crossentropy",
]


# ---------------------------------------------------------------------- shared pieces
def _logits_of(y_pred: Tensor, from_logits: bool, op: str, fn: str) -> tuple[Tensor, bool]:
    """Keras' rule: the output of a softmax/sigmoid activation is replaced by its logits
    (with a warning when ``from_logits=True`` was passed for it)."""
    logits = y_pred._keras_logits
    if logits is None:
        return y_pred, from_logits
    if from_logits:
        warnings.warn(
            f'"`{fn}` received `from_logits=True`, but the `output` argument was produced by '
            f"a {op} activation and thus does not represent logits. Was this intended?",
            stacklevel=3,
        )
    return logits, True


def _same_shape(fn: str, target: Any, output: Tensor) -> None:
    if target.ndim != output.ndim:
        raise ValueError(
            f"{fn}: arguments `target` and `output` must have the same rank (ndim). Received: "
            f"target.shape={target.shape}, output.shape={output.shape}"
        )
    if target.shape != output.shape:
        raise ValueError(
            f"{fn}: arguments `target` and `output` must have the same shape. Received: "
            f"target.shape={target.shape}, output.shape={output.shape}"
        )


def _warn_one_class(fn: str, y_pred: Tensor) -> None:
    if y_pred.ndim and y_pred.shape[-1] == 1:
        warnings.warn(
            f"In loss {fn}, expected y_pred.shape to be (batch_size, num_classes) with "
            f"num_classes > 1. Received: y_pred.shape={y_pred.shape}. Consider using "
            "'binary_crossentropy' if you only have 2 classes.",
            SyntaxWarning,
            stacklevel=3,
        )


def _move_axis_last(x: Any, axis: int) -> Any:
    """``x`` with ``axis`` moved to the end (a Tensor through a differentiable transpose)."""
    if axis == x.ndim - 1:
        return x
    perm = [i for i in range(x.ndim) if i != axis] + [axis]
    return m.transpose(x, perm) if isinstance(x, Tensor) else np.transpose(x, perm)


def elementwise_binary_crossentropy(
    target: np.ndarray, output: Tensor, from_logits: bool, fn: str = "binary_crossentropy"
) -> Tensor:
    """Keras' ``ops.binary_crossentropy``: elementwise, same shapes, sigmoid logits used."""
    _same_shape(fn, target, output)
    output, from_logits = _logits_of(output, from_logits, "Sigmoid", fn)
    if from_logits:
        return loss_ops.sigmoid_cross_entropy(output, target)
    t = on_device_of(output, target)
    p = m.clip(output, EPSILON, 1.0 - EPSILON)
    pos = m.multiply(t, m.log(p))
    neg = m.multiply(on_device_of(output, 1.0 - target), m.log(m.subtract(1.0, p)))
    return m.negative(m.add(pos, neg))


def _integer_labels(fn: str, labels: np.ndarray) -> np.ndarray:
    if labels.dtype.kind in "iu":
        return labels.astype(np.int64, copy=False)
    if labels.dtype.kind == "f":
        if not np.all(np.isfinite(labels)) or np.any(labels != np.round(labels)):
            raise ValueError(f"{fn}: y_true must hold integer class ids; received {labels!r}")
    elif labels.dtype.kind not in "iub":
        raise TypeError(f"{fn}: y_true must hold integer class ids; received dtype {labels.dtype}")
    return labels.astype(np.int64)


# ---------------------------------------------------------------------- functions
def binary_crossentropy(
    y_true: Any,
    y_pred: Any,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> Tensor:
    """Binary crossentropy, averaged over ``axis``: ``-mean(t log p + (1 - t) log(1 - p))``.

    ``y_true`` and ``y_pred`` must have the same shape. ``label_smoothing`` moves targets
    towards 0.5: ``t * (1 - s) + 0.5 * s``.

    Example:
        >>> ember.losses.binary_crossentropy([[0.0, 1.0]], [[0.4, 0.6]]).numpy().round(4)
        array([0.5108], dtype=float32)
    """
    y_pred = as_float_tensor(y_pred)
    target = float_array(y_true)
    if label_smoothing:
        target = target * np.float32(1.0 - label_smoothing) + np.float32(0.5 * label_smoothing)
    axis = check_axis("binary_crossentropy", axis, y_pred.ndim, allow_none=True)
    per = elementwise_binary_crossentropy(target, y_pred, from_logits)
    return m.mean(per, axis=axis)


def categorical_crossentropy(
    y_true: Any,
    y_pred: Any,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> Tensor:
    """Crossentropy against one-hot (or probability) targets over the class ``axis``.

    Probabilities are renormalized to sum to 1 and clipped to [1e-7, 1 - 1e-7];
    ``label_smoothing`` mixes targets with the uniform distribution.

    Example:
        >>> ember.losses.categorical_crossentropy([[0, 1, 0]], [[0.1, 0.8, 0.1]]).numpy().round(4)
        array([0.2231], dtype=float32)
    """
    fn = "categorical_crossentropy"
    if isinstance(axis, (bool, np.bool_)):
        raise ValueError(
            f"`axis` must be of type `int`. Received: axis={axis} of type {type(axis)}"
        )
    y_pred = as_float_tensor(y_pred)
    target = float_array(y_true)
    _warn_one_class(fn, y_pred)
    if target.ndim < 1:
        raise ValueError(
            f"{fn}: arguments `target` and `output` must be at least rank 1. Received: "
            f"target.shape={target.shape}, output.shape={y_pred.shape}"
        )
    _same_shape(fn, target, y_pred)
    if label_smoothing:
        num_classes = np.float32(target.shape[-1])
        target = target * np.float32(1.0 - label_smoothing) + np.float32(label_smoothing) / (
            num_classes
        )
    axis = check_axis(fn, axis, y_pred.ndim)
    y_pred, from_logits = _logits_of(y_pred, from_logits, "Softmax", fn)
    if from_logits:
        return loss_ops.softmax_cross_entropy(
            _move_axis_last(y_pred, axis), on_device_of(y_pred, _move_axis_last(target, axis))
        )
    probs = m.divide(y_pred, m.sum(y_pred, axis=axis, keepdims=True))
    probs = m.clip(probs, EPSILON, 1.0 - EPSILON)
    return m.negative(m.sum(m.multiply(on_device_of(y_pred, target), m.log(probs)), axis=axis))


def sparse_categorical_crossentropy(
    y_true: Any,
    y_pred: Any,
    from_logits: bool = False,
    ignore_class: int | None = None,
    axis: int = -1,
) -> Tensor:
    """Crossentropy against integer class ids (``y_true`` shaped as ``y_pred`` without its
    class axis, or with a trailing 1).

    ``ignore_class``: targets equal to it give a loss of 0 and are masked out of the
    reduction (the returned Tensor carries the mask, as Keras).

    Example:
        >>> ember.losses.sparse_categorical_crossentropy([1], [[0.2, 0.8]]).numpy()
        array([0.22314355], dtype=float32)
    """
    fn = "sparse_categorical_crossentropy"
    y_pred = as_float_tensor(y_pred)
    labels = host_of(y_true)
    if y_pred.ndim < 1:
        raise ValueError(
            f"{fn}: argument `output` must be at least rank 1. Received: "
            f"output.shape={y_pred.shape}"
        )
    if isinstance(axis, (bool, np.bool_)) or axis not in (-1, y_pred.ndim - 1):
        raise ValueError(f"{fn}: only axis=-1 is currently supported. Received: axis={axis}")
    if labels.ndim == y_pred.ndim and labels.shape[-1] == 1:
        labels = labels[..., 0]
    if labels.ndim != y_pred.ndim - 1:
        raise ValueError(
            f"{fn}: argument `output` must have rank (ndim) `target.ndim - 1`. Received: "
            f"target.shape={labels.shape}, output.shape={y_pred.shape}"
        )
    if labels.shape != y_pred.shape[:-1]:
        raise ValueError(
            f"{fn}: arguments `target` and `output` must have the same shape up until the "
            f"last dimension: target.shape={labels.shape}, output.shape={y_pred.shape}"
        )
    valid = None
    if ignore_class is not None:
        valid = labels != ignore_class
        labels = np.where(valid, labels, 0)
        y_pred = _ops.where(valid[..., None], y_pred, 0.0)
    labels = _integer_labels(fn, labels)
    y_pred, from_logits = _logits_of(y_pred, from_logits, "Softmax", fn)
    if not from_logits:
        # Keras 3: clip, take logs and treat them as logits (which renormalizes the rows).
        y_pred = m.log(m.clip(y_pred, EPSILON, 1.0 - EPSILON))
    res = loss_ops.softmax_cross_entropy(y_pred, labels)
    if valid is not None:
        res = _ops.where(valid, res, 0.0)
        res._keras_mask = valid
    return res


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
    """Binary crossentropy down-weighted on easy examples: ``(1 - p_t) ** gamma * bce`` with
    ``p_t = t p + (1 - t)(1 - p)``, times ``alpha`` (positives) / ``1 - alpha`` (negatives)
    when ``apply_class_balancing``; averaged over ``axis``.

    Example:
        >>> ember.losses.binary_focal_crossentropy([[0.0, 1.0]], [[0.4, 0.6]]).numpy().round(4)
        array([0.0817], dtype=float32)
    """
    fn = "binary_focal_crossentropy"
    y_pred = as_float_tensor(y_pred)
    target = float_array(y_true)
    if label_smoothing:
        target = target * np.float32(1.0 - label_smoothing) + np.float32(0.5 * label_smoothing)
    axis = check_axis(fn, axis, y_pred.ndim, allow_none=True)
    if from_logits:
        y_pred = act.activation(y_pred, "sigmoid")
    bce = elementwise_binary_crossentropy(target, y_pred, False, fn)
    t = on_device_of(y_pred, target)
    p_t = m.add(
        m.multiply(t, y_pred),
        m.multiply(on_device_of(y_pred, 1.0 - target), m.subtract(1.0, y_pred)),
    )
    focal = m.multiply(m.power(m.subtract(1.0, p_t), gamma), bce)
    if apply_class_balancing:
        weight = target * np.float32(alpha) + (np.float32(1.0) - target) * np.float32(1.0 - alpha)
        focal = m.multiply(on_device_of(y_pred, weight), focal)
    return m.mean(focal, axis=axis)


def categorical_focal_crossentropy(
    y_true: Any,
    y_pred: Any,
    alpha: float = 0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> Tensor:
    """Categorical crossentropy with each class term weighted by ``alpha * (1 - p) ** gamma``
    (probabilities renormalized and clipped to [1e-7, 1 - 1e-7], after a softmax when
    ``from_logits``).

    Example:
        >>> y = ember.losses.categorical_focal_crossentropy([[0, 1, 0]], [[0.1, 0.8, 0.1]])
        >>> y.numpy().round(5)
        array([0.00223], dtype=float32)
    """
    fn = "categorical_focal_crossentropy"
    if isinstance(axis, (bool, np.bool_)):
        raise ValueError(
            f"`axis` must be of type `int`. Received: axis={axis} of type {type(axis)}"
        )
    y_pred = as_float_tensor(y_pred)
    target = float_array(y_true)
    _warn_one_class(fn, y_pred)
    if label_smoothing:
        num_classes = np.float32(target.shape[-1])
        target = target * np.float32(1.0 - label_smoothing) + np.float32(label_smoothing) / (
            num_classes
        )
    axis = check_axis(fn, axis, y_pred.ndim)
    if from_logits:
        y_pred = act.softmax(y_pred, axis=axis)
    out = m.divide(y_pred, m.sum(y_pred, axis=axis, keepdims=True))
    out = m.clip(out, EPSILON, 1.0 - EPSILON)
    cce = m.multiply(on_device_of(y_pred, -target), m.log(out))
    weighting = m.multiply(m.power(m.subtract(1.0, out), gamma), float(alpha))
    return m.sum(m.multiply(weighting, cce), axis=axis)


def categorical_generalized_cross_entropy(y_true: Any, y_pred: Any, q: float) -> Tensor:
    """Generalized crossentropy ``(1 - p ** q) / q`` of the probability ``p`` given to the true
    class (``y_true`` holds integer class ids); it moves from crossentropy (q -> 0) towards
    mean absolute error (q = 1), which makes it robust to noisy labels.

    Example:
        >>> y = ember.losses.categorical_generalized_cross_entropy([1], [[0.36, 0.64]], q=0.5)
        >>> y.numpy().round(4)
        array([0.4], dtype=float32)
    """
    fn = "categorical_generalized_cross_entropy"
    y_pred = as_float_tensor(y_pred)
    num_classes = y_pred.shape[-1] if y_pred.ndim else 1
    labels = _integer_labels(fn, host_of(y_true))
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(
            f"{fn}: y_true holds class ids outside [0, {num_classes}) (the number of classes "
            f"in y_pred of shape {y_pred.shape}): min {labels.min()}, max {labels.max()}"
        )
    onehot = _ops.one_hot(labels, num_classes)
    p = m.sum(m.multiply(y_pred, on_device_of(y_pred, onehot)), axis=-1)
    q = float(q)
    return m.divide(m.subtract(1.0, m.power(p, q)), q)


def kl_divergence(y_true: Any, y_pred: Any) -> Tensor:
    """Kullback-Leibler divergence ``sum(t * log(t / p))`` over the last axis, with ``t`` and
    ``p`` clipped to [1e-7, 1].

    Example:
        >>> ember.losses.kl_divergence([[0.5, 0.5]], [[0.25, 0.75]]).numpy().round(4)
        array([0.1438], dtype=float32)
    """
    y_pred = as_float_tensor(y_pred)
    t = np.clip(float_array(y_true), np.float32(EPSILON), np.float32(1.0))
    p = m.clip(y_pred, EPSILON, 1.0)
    ratio = m.divide(on_device_of(y_pred, t), p)
    return m.sum(m.multiply(on_device_of(y_pred, t), m.log(ratio)), axis=-1)


def poisson(y_true: Any, y_pred: Any) -> Tensor:
    """Poisson loss ``mean(p - t * log(p + 1e-7))`` over the last axis.

    Example:
        >>> ember.losses.poisson([[1.0, 0.0]], [[1.0, 1.0]]).numpy().round(4)
        array([1.], dtype=float32)
    """
    y_pred = as_float_tensor(y_pred)
    t = on_device_of(y_pred, float_array(y_true))
    return m.mean(m.subtract(y_pred, m.multiply(t, m.log(m.add(y_pred, EPSILON)))), axis=-1)


# ---------------------------------------------------------------------- classes
class BinaryCrossentropy(LossFunctionWrapper):
    """Binary crossentropy between targets in [0, 1] and predicted probabilities (or logits
    with ``from_logits=True``), averaged over ``axis``.

    Example:
        >>> loss = ember.losses.BinaryCrossentropy(from_logits=True)
        >>> round(float(loss([[1.0], [0.0]], [[2.0], [-1.0]]).numpy()), 4)
        0.2201
    """

    def __init__(
        self,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: str | None = "sum_over_batch_size",
        name: str = "binary_crossentropy",
        dtype: Any = None,
    ) -> None:
        label_smoothing = check_number(type(self).__name__, "label_smoothing", label_smoothing)
        super().__init__(
            binary_crossentropy,
            name=name,
            reduction=reduction,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def get_config(self) -> dict:
        return {
            **super(LossFunctionWrapper, self).get_config(),
            "from_logits": self.from_logits,
            "label_smoothing": self.label_smoothing,
            "axis": self.axis,
        }


class BinaryFocalCrossentropy(LossFunctionWrapper):
    """Focal binary crossentropy (Lin et al., 2017): easy, well-classified examples weigh
    less (``gamma``), optionally with class balancing (``alpha``).

    Example:
        >>> loss = ember.losses.BinaryFocalCrossentropy(gamma=2.0)
        >>> round(float(loss([[0.0, 1.0]], [[0.4, 0.6]]).numpy()), 4)
        0.0817
    """

    def __init__(
        self,
        apply_class_balancing: bool = False,
        alpha: float = 0.25,
        gamma: float = 2.0,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: str | None = "sum_over_batch_size",
        name: str = "binary_focal_crossentropy",
        dtype: Any = None,
    ) -> None:
        owner = type(self).__name__
        alpha = check_number(owner, "alpha", alpha)
        gamma = check_number(owner, "gamma", gamma)
        label_smoothing = check_number(owner, "label_smoothing", label_smoothing)
        super().__init__(
            binary_focal_crossentropy,
            name=name,
            reduction=reduction,
            dtype=dtype,
            apply_class_balancing=apply_class_balancing,
            alpha=alpha,
            gamma=gamma,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis
        self.apply_class_balancing = apply_class_balancing
        self.alpha = alpha
        self.gamma = gamma

    def get_config(self) -> dict:
        return {
            **super(LossFunctionWrapper, self).get_config(),
            "from_logits": self.from_logits,
            "label_smoothing": self.label_smoothing,
            "axis": self.axis,
            "apply_class_balancing": self.apply_class_balancing,
            "alpha": self.alpha,
            "gamma": self.gamma,
        }


class CategoricalCrossentropy(LossFunctionWrapper):
    """Crossentropy between one-hot (or probability) targets and predicted class
    probabilities (or logits with ``from_logits=True``) over the class ``axis``.

    Example:
        >>> loss = ember.losses.CategoricalCrossentropy()
        >>> round(float(loss([[0, 1, 0]], [[0.1, 0.8, 0.1]]).numpy()), 4)
        0.2231
    """

    def __init__(
        self,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: str | None = "sum_over_batch_size",
        name: str = "categorical_crossentropy",
        dtype: Any = None,
    ) -> None:
        label_smoothing = check_number(type(self).__name__, "label_smoothing", label_smoothing)
        super().__init__(
            categorical_crossentropy,
            name=name,
            reduction=reduction,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def get_config(self) -> dict:
        return {
            **super(LossFunctionWrapper, self).get_config(),
            "from_logits": self.from_logits,
            "label_smoothing": self.label_smoothing,
            "axis": self.axis,
        }


class CategoricalFocalCrossentropy(LossFunctionWrapper):
    """Focal categorical crossentropy: each class term weighted by ``alpha * (1 - p) **
    gamma``, so well-classified examples weigh less.

    Example:
        >>> loss = ember.losses.CategoricalFocalCrossentropy()
        >>> round(float(loss([[0, 1, 0]], [[0.1, 0.8, 0.1]]).numpy()), 5)
        0.00223
    """

    def __init__(
        self,
        alpha: float = 0.25,
        gamma: float = 2.0,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: str | None = "sum_over_batch_size",
        name: str = "categorical_focal_crossentropy",
        dtype: Any = None,
    ) -> None:
        owner = type(self).__name__
        alpha = check_number(owner, "alpha", alpha)
        gamma = check_number(owner, "gamma", gamma)
        label_smoothing = check_number(owner, "label_smoothing", label_smoothing)
        super().__init__(
            categorical_focal_crossentropy,
            name=name,
            reduction=reduction,
            dtype=dtype,
            alpha=alpha,
            gamma=gamma,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis
        self.alpha = alpha
        self.gamma = gamma

    def get_config(self) -> dict:
        return {
            **super(LossFunctionWrapper, self).get_config(),
            "from_logits": self.from_logits,
            "label_smoothing": self.label_smoothing,
            "axis": self.axis,
            "alpha": self.alpha,
            "gamma": self.gamma,
        }


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Crossentropy between integer class ids and predicted class probabilities (or logits
    with ``from_logits=True``); targets equal to ``ignore_class`` are left out.

    Example:
        >>> loss = ember.losses.SparseCategoricalCrossentropy(ignore_class=-1)
        >>> round(float(loss([1, -1], [[0.2, 0.8], [0.5, 0.5]]).numpy()), 4)
        0.2231
    """

    def __init__(
        self,
        from_logits: bool = False,
        ignore_class: int | None = None,
        reduction: str | None = "sum_over_batch_size",
        axis: int = -1,
        name: str = "sparse_categorical_crossentropy",
        dtype: Any = None,
    ) -> None:
        if ignore_class is not None and (
            isinstance(ignore_class, (bool, np.bool_))
            or not isinstance(ignore_class, (int, np.integer))
        ):
            raise TypeError(
                f"{type(self).__name__}: `ignore_class` must be an int or None; received "
                f"ignore_class={ignore_class!r}"
            )
        super().__init__(
            sparse_categorical_crossentropy,
            name=name,
            reduction=reduction,
            dtype=dtype,
            from_logits=from_logits,
            ignore_class=ignore_class,
            axis=axis,
        )
        self.from_logits = from_logits
        self.ignore_class = ignore_class
        self.axis = axis

    def get_config(self) -> dict:
        return {
            **super(LossFunctionWrapper, self).get_config(),
            "from_logits": self.from_logits,
            "ignore_class": self.ignore_class,
            "axis": self.axis,
        }


class CategoricalGeneralizedCrossEntropy(LossFunctionWrapper):
    """Generalized crossentropy (Zhang & Sabuncu, 2018) for integer class ids: ``(1 - p **
    q) / q`` with ``q`` in (0, 1), robust to noisy labels.

    Example:
        >>> loss = ember.losses.CategoricalGeneralizedCrossEntropy(q=0.5)
        >>> round(float(loss([1], [[0.36, 0.64]]).numpy()), 4)
        0.4
    """

    def __init__(
        self,
        q: float = 0.5,
        reduction: str | None = "sum_over_batch_size",
        name: str = "categorical_generalized_cross_entropy",
        dtype: Any = None,
    ) -> None:
        q = check_number(type(self).__name__, "q", q)
        if not 0 < q < 1:
            raise ValueError(
                f"{type(self).__name__}: q must be in the interval (0, 1). Received: q={q}"
            )
        super().__init__(
            categorical_generalized_cross_entropy,
            name=name,
            reduction=reduction,
            dtype=dtype,
            q=q,
        )
        self.q = q

    def get_config(self) -> dict:
        return {**super(LossFunctionWrapper, self).get_config(), "q": self.q}


class KLDivergence(LossFunctionWrapper):
    """Kullback-Leibler divergence ``sum(t * log(t / p))`` between target and predicted
    distributions.

    Example:
        >>> loss = ember.losses.KLDivergence()
        >>> round(float(loss([[0.5, 0.5]], [[0.25, 0.75]]).numpy()), 4)
        0.1438
    """

    def __init__(
        self,
        reduction: str | None = "sum_over_batch_size",
        name: str = "kl_divergence",
        dtype: Any = None,
    ) -> None:
        super().__init__(kl_divergence, name=name, reduction=reduction, dtype=dtype)

    def get_config(self) -> dict:
        return super(LossFunctionWrapper, self).get_config()


class Poisson(LossFunctionWrapper):
    """Poisson loss ``mean(p - t * log(p))`` for predicted rates ``p`` of counts ``t``.

    Example:
        >>> loss = ember.losses.Poisson()
        >>> round(float(loss([[1.0, 0.0]], [[1.0, 1.0]]).numpy()), 4)
        1.0
    """

    def __init__(
        self,
        reduction: str | None = "sum_over_batch_size",
        name: str = "poisson",
        dtype: Any = None,
    ) -> None:
        super().__init__(poisson, name=name, reduction=reduction, dtype=dtype)

    def get_config(self) -> dict:
        return super(LossFunctionWrapper, self).get_config()
