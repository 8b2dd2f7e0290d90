"""``MonitorCallback``: the shared base of callbacks that watch one logged quantity
(EarlyStopping, ReduceLROnPlateau, ModelCheckpoint): its mode, its best value so far and
whether a new value is an improvement.

In ``mode="auto"`` the direction comes from the monitored name: ``loss`` (and ``val_loss``)
is minimized; a compiled metric is minimized or maximized by its kind (accuracy, AUC,
precision, recall... up; errors, crossentropies... down). A name whose direction cannot be
told raises ValueError at the first epoch end, as in Keras: pass ``mode="min"`` or ``"max"``.

Example:
    >>> from ember.callbacks import EarlyStopping
    >>> EarlyStopping(monitor="val_auc", mode="max").mode
    'max'
"""

from __future__ import annotations

import operator
import warnings
from collections.abc import Callable
from typing import Any

from ember.callbacks.callback import Callback

__all__ = ["MonitorCallback", "metric_direction"]

_UP_WORDS = (
    "accuracy",
    "auc",
    "precision",
    "recall",
    "iou",
    "f1",
    "fbeta",
    "r2",
    "cosine",
    "correlation",
    "sensitivity",
    "specificity",
)
_DOWN_WORDS = (
    "error",
    "crossentropy",
    "hinge",
    "divergence",
    "poisson",
    "logcosh",
    "log_cosh",
    "huber",
    "loss",
)


def metric_direction(metric: Any) -> str | None:
    """``"up"`` for a metric to maximize, ``"down"`` for one to minimize, None when unknown
    (a metric's own ``_direction`` wins; otherwise its class or wrapped function's name).

    Example:
        >>> from ember import metrics
        >>> metric_direction(metrics.SparseCategoricalAccuracy())
        'up'
    """
    direction = getattr(metric, "_direction", None)
    if direction in ("up", "down"):
        return direction
    fn = getattr(metric, "_fn", None)
    text = f"{type(metric).__name__} {getattr(fn, '__name__', '')}".lower()
    if any(word in text for word in _UP_WORDS):
        return "up"
    if any(word in text for word in _DOWN_WORDS):
        return "down"
    return None


def _check_mode(owner: str, mode: Any) -> str:
    if mode not in ("auto", "min", "max"):
        warnings.warn(f"{owner} mode '{mode}' is unknown, fallback to auto mode.", stacklevel=3)
        return "auto"
    return mode


class MonitorCallback(Callback):
    """Base of callbacks that track the best value of ``monitor``.

    Args:
        monitor: the logged quantity, e.g. ``"val_loss"``.
        mode: ``"min"``, ``"max"`` or ``"auto"`` (from the quantity's name; see the module).
        baseline: the starting best value (None: the first value is an improvement).
        min_delta: the smallest change counted as an improvement.

    Example:
        >>> class Best(MonitorCallback):
        ...     def on_epoch_end(self, epoch, logs=None):
        ...         if self.monitor_op is None:
        ...             self._set_monitor_op()
        ...         if self._is_improvement(logs[self.monitor], self.best):
        ...             self.best = logs[self.monitor]
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        mode: str = "auto",
        baseline: float | None = None,
        min_delta: float = 0,
    ) -> None:
        super().__init__()
        if not isinstance(monitor, str):
            raise TypeError(
                f"{type(self).__name__}: `monitor` must be the name of a logged quantity "
                f"(a str), received {monitor!r} of type {type(monitor).__name__}"
            )
        self.monitor = monitor
        self.mode = _check_mode(type(self).__name__, mode)
        self.best = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op: Callable[[Any, Any], Any] | None = None

    def _set_monitor_op(self) -> None:
        if self.mode == "min":
            self.monitor_op = operator.lt
        elif self.mode == "max":
            self.monitor_op = operator.gt
        else:
            name = self.monitor.removeprefix("val_")
            if name == "loss":
                self.monitor_op = operator.lt
            for metric in _compiled_metrics(self.model):
                if name in metric[0]:
                    direction = metric_direction(metric[1])
                    if direction is not None:
                        self.monitor_op = operator.gt if direction == "up" else operator.lt
            if self.monitor_op is None:
                raise ValueError(
                    f"{type(self).__name__} callback received monitor={self.monitor}, but "
                    "ember isn't able to automatically determine whether that metric should "
                    "be maximized or minimized. Pass `mode='max'` in order to monitor based "
                    "on the highest metric value, or pass `mode='min'` in order to use the "
                    "lowest value."
                )
        if self.monitor_op is operator.lt:
            self.min_delta *= -1

    def _is_improvement(self, monitor_value: Any, reference_value: Any) -> bool:
        if reference_value is None:
            return True
        return bool(self.monitor_op(monitor_value - self.min_delta, reference_value))


def _compiled_metrics(model: Any) -> list[tuple[set[str], Any]]:
    """(names, metric) for each compiled metric of ``model`` (its name and its log key)."""
    out = []
    outputs = getattr(model, "_outputs_compiled", None) or []
    for output in outputs:
        for metric in output.metrics or []:
            names = {metric.name}
            key_of = getattr(model, "_metric_key", None)
            if key_of is not None:
                names.add(key_of(output, metric))
            out.append((names, metric))
    return out
