"""Confusion-matrix metrics: true/false positive/negative counts, precision, recall, the
sensitivity/specificity/precision/recall trade-off metrics and AUC (ROC, PR, PR-gain).

A prediction counts as positive at a threshold ``t`` when ``y_pred > t``; labels are positive
when non-zero. Counts over all thresholds come from one vectorized pass: a comparison matrix
(thresholds x predictions) in general, or, for evenly spaced thresholds (``AUC``'s default
and the ``...At...`` metrics), one bucket index per prediction and a cumulative sum, as Keras
does. Counts are accumulated in float64; results are computed in the metric's dtype.

Example:
    >>> m = ember.metrics.Precision()
    >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1]); round(float(m.result()), 4)
    0.6667
    >>> m = ember.metrics.AUC(num_thresholds=3)
    >>> m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9]); round(float(m.result()), 4)
    0.75
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ember.autograd import Variable
from ember.metrics.base import EPSILON, Metric, result_tensor, squeeze_or_expand, to_numpy
from ember.metrics.reduction import STATE_DTYPE

__all__ = [
    "AUC",
    "FalseNegatives",
    "FalsePositives",
    "Precision",
    "PrecisionAtRecall",
    "Recall",
    "RecallAtPrecision",
    "SensitivityAtSpecificity",
    "SpecificityAtSensitivity",
    "TrueNegatives",
    "TruePositives",
]

NEG_INF = -1e10
TP, FP, TN, FN = "tp", "fp", "tn", "fn"


# ---------------------------------------------------------------------- helpers
def _to_list(x: Any) -> list:
    if isinstance(x, (list, tuple)):
        return list(x)
    if isinstance(x, np.ndarray):
        return x.tolist()
    return [x]


def parse_thresholds(thresholds: Any, default: float) -> list[float]:
    """The thresholds as a list (``default`` when None); given ones must be in [0, 1]."""
    if thresholds is not None:
        bad = [t for t in _to_list(thresholds) if t is None or t < 0 or t > 1]
        if bad:
            raise ValueError(f"Threshold values must be in [0, 1]. Received: {bad}")
    return _to_list(default if thresholds is None else thresholds)


def evenly_distributed(thresholds: Any) -> bool:
    """Whether the thresholds are 0, 1/(n-1), ..., 1 (n >= 3)."""
    n = len(thresholds)
    if n < 3:
        return False
    even = np.arange(n, dtype=np.float32) / (n - 1)
    return bool(np.allclose(thresholds, even, atol=EPSILON))


def _filter_top_k(x: np.ndarray, k: int) -> np.ndarray:
    """Scores outside each row's top k become -1e10 (ties: the lower index wins)."""
    top = np.argsort(-x, axis=-1, kind="stable")[..., :k]
    mask = np.zeros_like(x, dtype=np.float32)
    np.put_along_axis(mask, top, np.float32(1.0), axis=-1)
    return x * mask + np.float32(NEG_INF) * (np.float32(1.0) - mask)


def update_confusion_matrix(
    variables: dict[str, Variable],
    y_true: Any,
    y_pred: Any,
    thresholds: list[float],
    *,
    top_k: int | None = None,
    class_id: int | None = None,
    sample_weight: Any = None,
    multi_label: bool = False,
    label_weights: np.ndarray | None = None,
    evenly: bool = False,
    what: str = "metric",
) -> None:
    """Add this batch's weighted TP/FP/TN/FN counts, one per threshold (per threshold and
    label with ``multi_label``), to the variables given under "tp", "fp", "tn", "fn"."""
    y_pred = to_numpy(y_pred).astype(np.float32)
    y_true = to_numpy(y_true).astype(np.float32)
    y_pred, y_true = squeeze_or_expand(y_pred, y_true)
    sw = None
    if sample_weight is not None:
        sw = to_numpy(sample_weight).astype(np.float32)[..., None]
        _, sw = squeeze_or_expand(y_true, sw, expand_rank_1=False)
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.ndim == 1:
            raise ValueError(
                "When class_id is provided, y_pred must be a 2D array with shape "
                f"(num_samples, num_classes), found shape: {y_pred.shape}"
            )
        y_true = y_true[..., class_id, None]
        y_pred = y_pred[..., class_id, None]
    try:
        y_true = np.broadcast_to(y_true, y_pred.shape)
        weights = np.ones_like(y_pred) if sw is None else np.broadcast_to(sw, y_pred.shape)
    except ValueError:
        raise ValueError(
            f"{what}: y_true of shape {y_true.shape} (and sample_weight) must match y_pred "
            f"of shape {y_pred.shape}"
        ) from None
    if label_weights is not None and not multi_label:
        weights = weights * np.broadcast_to(label_weights[None], y_pred.shape)
    labels = (y_true != 0).astype(np.float32)
    if not multi_label:
        y_pred, labels, weights = y_pred.ravel(), labels.ravel(), weights.ravel()
    elif y_pred.ndim != 2:
        raise ValueError(f"{what}: with multi_label=True, y_pred must be 2-D (batch, labels)")
    true_w = (labels * weights).astype(np.float64)
    false_w = ((np.float32(1.0) - labels) * weights).astype(np.float64)
    n = len(thresholds)
    if evenly:
        with_epsilon = thresholds[0] < 0.0 or thresholds[-1] > 1.0
        p = np.clip(y_pred, np.float32(0.0), np.float32(1.0))
        bucket = np.ceil(p * np.float32(n - 1)) - np.float32(1.0)
        if with_epsilon:
            bucket = np.maximum(bucket, np.float32(0.0))
        bucket = bucket.astype(np.int64)
        keep = bucket >= 0  # a bucket of -1 (a prediction of 0) is above no threshold
        if multi_label:
            width = y_pred.shape[1]
            index = (bucket * width + np.arange(width))[keep]
            size, shape = n * width, (n, width)
        else:
            index, size, shape = bucket[keep], n, (n,)

        def above(w: np.ndarray) -> np.ndarray:
            per_bucket = np.bincount(index, weights=w[keep], minlength=size).reshape(shape)
            return np.cumsum(per_bucket[::-1], axis=0)[::-1]

        tp = above(true_w) if TP in variables or FN in variables else None
        fp = above(false_w) if FP in variables or TN in variables else None
    else:
        thr = np.asarray(thresholds, np.float32)
        if multi_label:
            positive = (y_pred[None] > thr[:, None, None]).astype(np.float64)
            tp = np.einsum("tnl,nl->tl", positive, true_w)
            fp = np.einsum("tnl,nl->tl", positive, false_w)
        else:
            positive = (y_pred[None, :] > thr[:, None]).astype(np.float64)
            tp = positive @ true_w
            fp = positive @ false_w
    if TP in variables:
        variables[TP].assign_add(tp)
    if FP in variables:
        variables[FP].assign_add(fp)
    if TN in variables:
        variables[TN].assign_add(false_w.sum(axis=0) - fp)
    if FN in variables:
        variables[FN].assign_add(true_w.sum(axis=0) - tp)


# ---------------------------------------------------------------------- counts
class _ConfusionMatrixConditionCount(Metric):
    """One count (TP, FP, TN or FN) per threshold."""

    _condition = TP

    def __init__(self, thresholds: Any = None, name: str | None = None, dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = parse_thresholds(thresholds, 0.5)
        self._evenly = evenly_distributed(self.thresholds)
        self.accumulator = self.add_variable(
            shape=(len(self.thresholds),),
            initializer="zeros",
            dtype=STATE_DTYPE,
            name="accumulator",
        )

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        update_confusion_matrix(
            {self._condition: self.accumulator},
            y_true,
            y_pred,
            self.thresholds,
            sample_weight=sample_weight,
            evenly=self._evenly,
            what=type(self).__name__,
        )

    def result(self) -> Any:
        counts = self.accumulator.data
        return result_tensor(counts[0] if len(self.thresholds) == 1 else counts, self.dtype)

    def get_config(self) -> dict:
        return {**super().get_config(), "thresholds": self.init_thresholds}


class TruePositives(_ConfusionMatrixConditionCount):
    """The (weighted) number of true positives, per threshold.

    Example:
        >>> m = ember.metrics.TruePositives()
        >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1]); float(m.result())
        2.0
    """

    _condition = TP


class FalsePositives(_ConfusionMatrixConditionCount):
    """The (weighted) number of false positives, per threshold.

    Example:
        >>> m = ember.metrics.FalsePositives()
        >>> m.update_state([0, 1, 0, 0], [0, 0, 1, 1]); float(m.result())
        2.0
    """

    _condition = FP


class TrueNegatives(_ConfusionMatrixConditionCount):
    """The (weighted) number of true negatives, per threshold.

    Example:
        >>> m = ember.metrics.TrueNegatives()
        >>> m.update_state([0, 1, 0, 0], [1, 1, 0, 0]); float(m.result())
        2.0
    """

    _condition = TN


class FalseNegatives(_ConfusionMatrixConditionCount):
    """The (weighted) number of false negatives, per threshold.

    Example:
        >>> m = ember.metrics.FalseNegatives()
        >>> m.update_state([0, 1, 1, 1], [0, 1, 0, 0]); float(m.result())
        2.0
    """

    _condition = FN


# ---------------------------------------------------------------------- precision / recall
class _PrecisionRecall(Metric):
    _direction = "up"
    _second = FP

    def __init__(
        self,
        thresholds: Any = None,
        top_k: int | None = None,
        class_id: int | None = None,
        name: str | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        self.thresholds = parse_thresholds(thresholds, 0.5 if top_k is None else NEG_INF)
        self._evenly = evenly_distributed(self.thresholds)
        size = (len(self.thresholds),)
        self.true_positives = self.add_variable(
            shape=size, initializer="zeros", dtype=STATE_DTYPE, name="true_positives"
        )
        second = "false_positives" if self._second == FP else "false_negatives"
        setattr(
            self,
            second,
            self.add_variable(shape=size, initializer="zeros", dtype=STATE_DTYPE, name=second),
        )
        self._second_variable = getattr(self, second)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        update_confusion_matrix(
            {TP: self.true_positives, self._second: self._second_variable},
            y_true,
            y_pred,
            self.thresholds,
            top_k=self.top_k,
            class_id=self.class_id,
            sample_weight=sample_weight,
            evenly=self._evenly,
            what=type(self).__name__,
        )

    def result(self) -> Any:
        tp = self.true_positives.data.astype(self.dtype)
        other = self._second_variable.data.astype(self.dtype)
        value = _divide_no_nan(tp, tp + other)
        return result_tensor(value[0] if len(self.thresholds) == 1 else value, self.dtype)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "thresholds": self.init_thresholds,
            "top_k": self.top_k,
            "class_id": self.class_id,
        }


def _divide_no_nan(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(y == 0, np.zeros_like(x), x / np.where(y == 0, 1, y).astype(y.dtype))


class Precision(_PrecisionRecall):
    """Precision ``tp / (tp + fp)`` at ``thresholds`` (default 0.5; one value per threshold
    when several are given), optionally over the ``top_k`` scores of each row or for one
    ``class_id``.

    Example:
        >>> m = ember.metrics.Precision(top_k=1)
        >>> m.update_state([[0, 0, 1, 1]], [[1, 1, 1, 1]]); float(m.result())
        0.0
    """

    _second = FP


class Recall(_PrecisionRecall):
    """Recall ``tp / (tp + fn)`` at ``thresholds``, optionally over the ``top_k`` scores of
    each row or for one ``class_id``.

    Example:
        >>> m = ember.metrics.Recall()
        >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1]); round(float(m.result()), 4)
        0.6667
    """

    _second = FN


# ---------------------------------------------------------------------- trade-offs
class _SensitivitySpecificityBase(Metric):
    """TP/FP/TN/FN at ``num_thresholds`` evenly spaced thresholds, and a constrained
    maximum over them."""

    _direction = "up"
    _value_name = "value"

    def __init__(
        self,
        value: float,
        num_thresholds: int = 200,
        class_id: int | None = None,
        name: str | None = None,
        dtype: Any = None,
    ) -> None:
        if value < 0 or value > 1:
            raise ValueError(
                f"Argument `{self._value_name}` must be in the range [0, 1]. "
                f"Received: {self._value_name}={value}"
            )
        super().__init__(name=name, dtype=dtype)
        if num_thresholds <= 0:
            raise ValueError(
                "Argument `num_thresholds` must be an integer > 0. "
                f"Received: num_thresholds={num_thresholds}"
            )
        self.value = value
        self.num_thresholds = num_thresholds
        self.class_id = class_id
        setattr(self, self._value_name, value)
        if num_thresholds == 1:
            self.thresholds = [0.5]
            self._evenly = False
        else:
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self.thresholds = [0.0, *inner, 1.0]
            self._evenly = True
        size = (len(self.thresholds),)
        for attr in ("true_positives", "false_positives", "true_negatives", "false_negatives"):
            variable = self.add_variable(
                shape=size, initializer="zeros", dtype=STATE_DTYPE, name=attr
            )
            setattr(self, attr, variable)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        update_confusion_matrix(
            {
                TP: self.true_positives,
                TN: self.true_negatives,
                FP: self.false_positives,
                FN: self.false_negatives,
            },
            y_true,
            y_pred,
            self.thresholds,
            class_id=self.class_id,
            sample_weight=sample_weight,
            evenly=self._evenly,
            what=type(self).__name__,
        )

    def _rates(self) -> dict[str, np.ndarray]:
        tp, fp, tn, fn = (
            v.data.astype(self.dtype)
            for v in (
                self.true_positives,
                self.false_positives,
                self.true_negatives,
                self.false_negatives,
            )
        )
        return {
            "sensitivity": _divide_no_nan(tp, tp + fn),  # = recall
            "specificity": _divide_no_nan(tn, tn + fp),
            "precision": _divide_no_nan(tp, tp + fp),
        }

    def _max_under_constraint(self, constrained: np.ndarray, dependent: np.ndarray) -> Any:
        feasible = constrained >= np.asarray(self.value, constrained.dtype)
        best = np.max(np.where(feasible, dependent, 0), initial=0)
        return result_tensor(best, self.dtype)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "class_id": self.class_id,
            "num_thresholds": self.num_thresholds,
            self._value_name: self.value,
        }


class SensitivityAtSpecificity(_SensitivitySpecificityBase):
    """The best sensitivity (recall) over thresholds whose specificity is at least
    ``specificity``.

    Example:
        >>> m = ember.metrics.SensitivityAtSpecificity(0.5)
        >>> m.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8]); float(m.result())
        0.5
    """

    _value_name = "specificity"

    def __init__(
        self,
        specificity: float,
        num_thresholds: int = 200,
        class_id: int | None = None,
        name: str | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(specificity, num_thresholds, class_id, name, dtype)

    def result(self) -> Any:
        r = self._rates()
        return self._max_under_constraint(r["specificity"], r["sensitivity"])


class SpecificityAtSensitivity(_SensitivitySpecificityBase):
    """The best specificity over thresholds whose sensitivity is at least ``sensitivity``.

    Example:
        >>> m = ember.metrics.SpecificityAtSensitivity(0.5)
        >>> m.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8]); round(float(m.result()), 4)
        0.6667
    """

    _value_name = "sensitivity"

    def __init__(
        self,
        sensitivity: float,
        num_thresholds: int = 200,
        class_id: int | None = None,
        name: str | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)

    def result(self) -> Any:
        r = self._rates()
        return self._max_under_constraint(r["sensitivity"], r["specificity"])


class PrecisionAtRecall(_SensitivitySpecificityBase):
    """The best precision over thresholds whose recall is at least ``recall``.

    Example:
        >>> m = ember.metrics.PrecisionAtRecall(0.5)
        >>> m.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8]); float(m.result())
        0.5
    """

    _value_name = "recall"

    def __init__(
        self,
        recall: float,
        num_thresholds: int = 200,
        class_id: int | None = None,
        name: str | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(recall, num_thresholds, class_id, name, dtype)

    def result(self) -> Any:
        r = self._rates()
        return self._max_under_constraint(r["sensitivity"], r["precision"])


class RecallAtPrecision(_SensitivitySpecificityBase):
    """The best recall over thresholds whose precision is at least ``precision``.

    Example:
        >>> m = ember.metrics.RecallAtPrecision(0.8)
        >>> m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9]); float(m.result())
        0.5
    """

    _value_name = "precision"

    def __init__(
        self,
        precision: float,
        num_thresholds: int = 200,
        class_id: int | None = None,
        name: str | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(precision, num_thresholds, class_id, name, dtype)

    def result(self) -> Any:
        r = self._rates()
        return self._max_under_constraint(r["precision"], r["sensitivity"])


# ---------------------------------------------------------------------- AUC
_CURVES = {"roc": "ROC", "pr": "PR", "prgain": "PRGAIN"}
_SUMMATIONS = {"interpolation": "interpolation", "majoring": "majoring", "minoring": "minoring"}


def _curve_name(curve: Any) -> str:
    value = getattr(curve, "value", curve)  # Keras' AUCCurve enum members have .value
    if isinstance(value, str) and value in ("roc", "ROC", "pr", "PR", "prgain", "PRGAIN"):
        return _CURVES[value.lower()]
    raise ValueError(
        f'Invalid AUC curve value: "{curve}". Expected values are ["PR", "ROC", "PRGAIN"]'
    )


def _summation_name(method: Any) -> str:
    value = getattr(method, "value", method)
    if isinstance(value, str) and value in (
        "interpolation",
        "Interpolation",
        "majoring",
        "Majoring",
        "minoring",
        "Minoring",
    ):
        return _SUMMATIONS[value.lower()]
    raise ValueError(
        f'Invalid AUC summation method value: "{method}". Expected values are '
        '["interpolation", "majoring", "minoring"]'
    )


class AUC(Metric):
    """The area under the ROC curve (``curve="ROC"``), the precision-recall curve ("PR") or
    the precision-recall-gain curve ("PRGAIN"), from TP/FP/TN/FN counts at
    ``num_thresholds`` evenly spaced thresholds (or the given ``thresholds``), summed by
    ``summation_method`` ("interpolation", "minoring", "majoring"). With ``multi_label``, one
    curve per label (column), averaged (weighted by ``label_weights``); ``from_logits``
    applies a sigmoid to the predictions first.

    Example:
        >>> m = ember.metrics.AUC(num_thresholds=3)
        >>> m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9]); round(float(m.result()), 4)
        0.75
    """

    _direction = "up"

    def __init__(
        self,
        num_thresholds: int = 200,
        curve: str = "ROC",
        summation_method: str = "interpolation",
        name: str | None = None,
        dtype: Any = None,
        thresholds: Any = None,
        multi_label: bool = False,
        num_labels: int | None = None,
        label_weights: Any = None,
        from_logits: bool = False,
    ) -> None:
        self_curve = _curve_name(curve)
        self_summation = _summation_name(summation_method)
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            inner = sorted(parse_thresholds(thresholds, 0.5))
            self.num_thresholds = len(inner) + 2
            self._evenly = evenly_distributed(np.array([0.0, *inner, 1.0]))
        else:
            if num_thresholds <= 1:
                raise ValueError(
                    "Argument `num_thresholds` must be an integer > 1. "
                    f"Received: num_thresholds={num_thresholds}"
                )
            self.num_thresholds = num_thresholds
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._evenly = True
        self._thresholds = np.array([0.0 - EPSILON, *inner, 1.0 + EPSILON])
        super().__init__(name=name, dtype=dtype)
        self.curve = self_curve
        self.summation_method = self_summation
        self.multi_label = bool(multi_label)
        self.num_labels = num_labels
        self.label_weights = (
            None if label_weights is None else np.asarray(to_numpy(label_weights), self.dtype)
        )
        self._from_logits = from_logits
        self._built = False
        if self.multi_label:
            if num_labels:
                self._build((None, num_labels))
        else:
            if num_labels:
                raise ValueError("`num_labels` is needed only when `multi_label` is True.")
            self._build(None)

    @property
    def thresholds(self) -> list[float]:
        """The thresholds, including the two just outside [0, 1]."""
        return list(self._thresholds)

    def _build(self, shape: Any) -> None:
        if self.multi_label:
            if len(shape) != 2:
                raise ValueError(
                    "`y_pred` must have rank 2 when `multi_label=True`. Found rank "
                    f"{len(shape)}. Full shape received for `y_pred`: {shape}"
                )
            self._num_labels = shape[1]
            size: tuple[int, ...] = (self.num_thresholds, self._num_labels)
        else:
            size = (self.num_thresholds,)
        for attr in ("true_positives", "false_positives", "true_negatives", "false_negatives"):
            variable = self.add_variable(
                shape=size, initializer="zeros", dtype=STATE_DTYPE, name=attr
            )
            setattr(self, attr, variable)
        self._built = True

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_pred = to_numpy(y_pred).astype(np.float32)
        if not self._built:
            self._build(y_pred.shape)
        if self._from_logits:
            y_pred = np.float32(1.0) / (np.float32(1.0) + np.exp(-y_pred))
        update_confusion_matrix(
            {
                TP: self.true_positives,
                TN: self.true_negatives,
                FP: self.false_positives,
                FN: self.false_negatives,
            },
            y_true,
            y_pred,
            list(self._thresholds),
            sample_weight=sample_weight,
            multi_label=self.multi_label,
            label_weights=None if self.multi_label else self.label_weights,
            evenly=self._evenly,
            what="AUC",
        )

    def _counts(self) -> tuple[np.ndarray, ...]:
        return tuple(
            v.data.astype(self.dtype)
            for v in (
                self.true_positives,
                self.false_positives,
                self.true_negatives,
                self.false_negatives,
            )
        )

    def _by_label(self, terms: np.ndarray) -> Any:
        if not self.multi_label:
            return result_tensor(np.sum(terms), self.dtype)
        by_label = np.sum(terms, axis=0)
        if self.label_weights is None:
            return result_tensor(np.mean(by_label), self.dtype)
        weights = self.label_weights
        return result_tensor(
            _divide_no_nan(np.sum(by_label * weights), np.sum(weights)), self.dtype
        )

    def interpolate_pr_auc(self) -> Any:
        """The PR AUC by the interpolation of Davis & Goadrich (2006), as Keras."""
        tp, fp, _, fn = self._counts()
        n = self.num_thresholds
        dtp = tp[: n - 1] - tp[1:]
        p = tp + fp
        dp = p[: n - 1] - p[1:]
        prec_slope = _divide_no_nan(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - prec_slope * p[1:]
        ratio = _divide_no_nan(p[: n - 1], np.maximum(p[1:], 0))
        safe_ratio = np.where((p[: n - 1] > 0) & (p[1:] > 0), ratio, np.ones_like(p[1:]))
        with np.errstate(divide="ignore"):
            log_ratio = np.log(safe_ratio)
        increments = _divide_no_nan(
            prec_slope * (dtp + intercept * log_ratio), np.maximum(tp[1:] + fn[1:], 0)
        )
        return self._by_label(increments)

    def result(self) -> Any:
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self.interpolate_pr_auc()
        tp, fp, tn, fn = self._counts()
        recall = _divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = _divide_no_nan(fp, fp + tn), recall
        elif self.curve == "PR":
            x, y = recall, _divide_no_nan(tp, tp + fp)
        else:  # PRGAIN
            one = np.asarray(1.0, tp.dtype)
            scaling = _divide_no_nan(tp + fn, tn + fp)
            recall_gain = one - scaling * _divide_no_nan(fn, tp)
            precision_gain = one - scaling * _divide_no_nan(fp, tp)
            recall_gain = np.where(tp == 0, np.zeros_like(tp), recall_gain)
            precision_gain = np.where(tp == 0, np.ones_like(tp), precision_gain)
            x, y = np.maximum(recall_gain, 0), precision_gain
        n = self.num_thresholds
        if self.summation_method == "interpolation":
            heights = (y[: n - 1] + y[1:]) / np.asarray(2.0, y.dtype)
        elif self.summation_method == "minoring":
            heights = np.minimum(y[: n - 1], y[1:])
        else:
            heights = np.maximum(y[: n - 1], y[1:])
        return self._by_label((x[: n - 1] - x[1:]) * heights)

    def reset_state(self) -> None:
        if self._built:
            super().reset_state()

    def get_config(self) -> dict:
        config = {
            **super().get_config(),
            "num_thresholds": self.num_thresholds,
            "curve": self.curve,
            "summation_method": self.summation_method,
            "multi_label": self.multi_label,
            "num_labels": self.num_labels,
            "label_weights": None if self.label_weights is None else self.label_weights.tolist(),
            "from_logits": self._from_logits,
        }
        if self._init_from_thresholds:
            config["thresholds"] = [float(t) for t in self.thresholds[1:-1]]
        return config
