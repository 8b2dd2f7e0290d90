"""Metrics with Keras' names: stateful objects (update_state / result / reset_state) and the
per-sample functions behind them. The string 'accuracy' resolves the Keras way, from the
shapes of targets and predictions (binary, sparse categorical or categorical).

Example:
    >>> from ember import metrics
    >>> acc = metrics.SparseCategoricalAccuracy()
    >>> acc.update_state(np.array([1, 0]), np.array([[0.1, 0.9], [0.2, 0.8]]))
    >>> float(acc.result())
    0.5
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ember.autograd import Tensor
from ember.saving.object_registration import (
    CustomObjectScope,
    find_custom,
    get_registered_name,
    register_builtin,
    unknown_object_error,
)

__all__ = [
    "BinaryAccuracy",
    "CategoricalAccuracy",
    "Mean",
    "MeanAbsoluteError",
    "MeanMetricWrapper",
    "MeanSquaredError",
    "Metric",
    "RootMeanSquaredError",
    "SparseCategoricalAccuracy",
    "SparseTopKCategoricalAccuracy",
    "TopKCategoricalAccuracy",
    "binary_accuracy",
    "categorical_accuracy",
    "get",
    "mean_absolute_error",
    "mean_squared_error",
    "sparse_categorical_accuracy",
    "sparse_top_k_categorical_accuracy",
    "top_k_categorical_accuracy",
]


def _np(x: Any) -> np.ndarray:
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def _squeeze_labels(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        return y_true[..., 0]
    return y_true


# ---------------------------------------------------------------------- per-sample functions
def sparse_categorical_accuracy(y_true: Any, y_pred: Any) -> np.ndarray:
    y_pred = _np(y_pred)
    y_true = _squeeze_labels(_np(y_true), y_pred)
    return (np.argmax(y_pred, axis=-1) == y_true.astype(np.int64)).astype(np.float32)


def categorical_accuracy(y_true: Any, y_pred: Any) -> np.ndarray:
    return (np.argmax(_np(y_pred), axis=-1) == np.argmax(_np(y_true), axis=-1)).astype(np.float32)


def binary_accuracy(y_true: Any, y_pred: Any, threshold: float = 0.5) -> np.ndarray:
    y_pred = _np(y_pred)
    y_true = _np(y_true)
    if y_true.ndim == y_pred.ndim - 1 and y_pred.shape[-1] == 1:
        y_true = y_true[..., None]
    hits = (y_pred > threshold).astype(np.float32) == y_true.astype(np.float32)
    return hits.mean(axis=-1, dtype=np.float32)


def _in_top_k(targets: np.ndarray, y_pred: np.ndarray, k: int) -> np.ndarray:
    target_scores = np.take_along_axis(y_pred, targets[..., None], axis=-1)
    better = (y_pred > target_scores).sum(axis=-1)
    return (better < k).astype(np.float32)


def top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5) -> np.ndarray:
    y_pred = _np(y_pred)
    return _in_top_k(np.argmax(_np(y_true), axis=-1), y_pred, k)


def sparse_top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5) -> np.ndarray:
    y_pred = _np(y_pred)
    y_true = _squeeze_labels(_np(y_true), y_pred).astype(np.int64)
    return _in_top_k(y_true, y_pred, k)


def _match(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    if y_true.ndim == y_pred.ndim - 1 and y_pred.shape[-1] == 1:
        return y_true[..., None]
    return y_true


def mean_absolute_error(y_true: Any, y_pred: Any) -> np.ndarray:
    y_pred = _np(y_pred)
    return np.abs(y_pred - _match(_np(y_true), y_pred)).mean(axis=-1, dtype=np.float32)


def mean_squared_error(y_true: Any, y_pred: Any) -> np.ndarray:
    y_pred = _np(y_pred)
    d = y_pred - _match(_np(y_true), y_pred)
    return (d * d).mean(axis=-1, dtype=np.float32)


# ---------------------------------------------------------------------- stateful metrics
class Metric:
    """Base class of stateful metrics."""

    def __init__(self, name: str | None = None, dtype: Any = None) -> None:
        from ember.layers.base import to_snake_case

        self.name = name or to_snake_case(type(self).__name__)
        self.reset_state()

    def reset_state(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def update_state(self, *args: Any, **kwargs: Any) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def result(self) -> np.float32:  # pragma: no cover - abstract
        raise NotImplementedError

    def get_config(self) -> dict:
        return {"name": self.name}

    @classmethod
    def from_config(cls, config: dict) -> Metric:
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


class Mean(Metric):
    """The (weighted) mean of every value seen since the last reset."""

    def reset_state(self) -> None:
        self.total = 0.0
        self.count = 0.0

    def update_state(self, values: Any, sample_weight: Any = None) -> None:
        values = np.asarray(_np(values), np.float64)
        if sample_weight is None:
            self.total += float(values.sum())
            self.count += float(values.size)
            return
        sw = np.asarray(_np(sample_weight), np.float64)
        while sw.ndim > values.ndim and sw.shape[-1] == 1:
            sw = sw[..., 0]
        while sw.ndim < values.ndim:
            sw = sw[..., None]
        sw = np.broadcast_to(sw, values.shape)
        self.total += float((values * sw).sum())
        self.count += float(sw.sum())

    def result(self) -> np.float32:
        return np.float32(self.total / self.count) if self.count else np.float32(0.0)


class MeanMetricWrapper(Mean):
    """Averages a per-sample function ``fn(y_true, y_pred, **kwargs)``."""

    def __init__(
        self,
        fn: Callable[..., np.ndarray],
        name: str | None = None,
        dtype: Any = None,
        **kwargs: Any,
    ) -> None:
        self._fn = fn
        self._fn_kwargs = kwargs
        super().__init__(name=name or getattr(fn, "__name__", "metric"))

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        super().update_state(self._fn(y_true, y_pred, **self._fn_kwargs), sample_weight)

    def get_config(self) -> dict:
        return {"name": self.name, **self._fn_kwargs}


class SparseCategoricalAccuracy(MeanMetricWrapper):
    def __init__(self, name: str = "sparse_categorical_accuracy", dtype: Any = None) -> None:
        super().__init__(sparse_categorical_accuracy, name)

    def get_config(self) -> dict:
        return {"name": self.name}


class CategoricalAccuracy(MeanMetricWrapper):
    def __init__(self, name: str = "categorical_accuracy", dtype: Any = None) -> None:
        super().__init__(categorical_accuracy, name)

    def get_config(self) -> dict:
        return {"name": self.name}


class BinaryAccuracy(MeanMetricWrapper):
    def __init__(
        self, name: str = "binary_accuracy", dtype: Any = None, threshold: float = 0.5
    ) -> None:
        super().__init__(binary_accuracy, name, threshold=threshold)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    def __init__(
        self, k: int = 5, name: str = "top_k_categorical_accuracy", dtype: Any = None
    ) -> None:
        super().__init__(top_k_categorical_accuracy, name, k=k)


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    def __init__(
        self, k: int = 5, name: str = "sparse_top_k_categorical_accuracy", dtype: Any = None
    ) -> None:
        super().__init__(sparse_top_k_categorical_accuracy, name, k=k)


class MeanAbsoluteError(MeanMetricWrapper):
    def __init__(self, name: str = "mean_absolute_error", dtype: Any = None) -> None:
        super().__init__(mean_absolute_error, name)

    def get_config(self) -> dict:
        return {"name": self.name}


class MeanSquaredError(MeanMetricWrapper):
    def __init__(self, name: str = "mean_squared_error", dtype: Any = None) -> None:
        super().__init__(mean_squared_error, name)

    def get_config(self) -> dict:
        return {"name": self.name}


class RootMeanSquaredError(Mean):
    def __init__(self, name: str = "root_mean_squared_error", dtype: Any = None) -> None:
        super().__init__(name)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_pred = _np(y_pred)
        d = y_pred - _match(_np(y_true), y_pred)
        super().update_state(d * d, sample_weight)

    def result(self) -> np.float32:
        return np.float32(np.sqrt(super().result()))


_FUNCTIONS: dict[str, Callable[..., np.ndarray]] = {
    "sparse_categorical_accuracy": sparse_categorical_accuracy,
    "categorical_accuracy": categorical_accuracy,
    "binary_accuracy": binary_accuracy,
    "top_k_categorical_accuracy": top_k_categorical_accuracy,
    "sparse_top_k_categorical_accuracy": sparse_top_k_categorical_accuracy,
    "mean_absolute_error": mean_absolute_error,
    "mae": mean_absolute_error,
    "mean_squared_error": mean_squared_error,
    "mse": mean_squared_error,
}
_CLASSES: dict[str, type[Metric]] = {
    cls.__name__: cls
    for cls in (
        Mean,
        SparseCategoricalAccuracy,
        CategoricalAccuracy,
        BinaryAccuracy,
        TopKCategoricalAccuracy,
        SparseTopKCategoricalAccuracy,
        MeanAbsoluteError,
        MeanSquaredError,
        RootMeanSquaredError,
    )
}


def resolve_accuracy(name: str, y_true_shape: tuple, y_pred_shape: tuple) -> Metric:
    """Keras' reading of 'accuracy' / 'acc' from the shapes of targets and predictions."""
    if y_pred_shape[-1] == 1:
        return BinaryAccuracy(name=name)
    if len(y_true_shape) < len(y_pred_shape) or y_true_shape[-1] == 1:
        return SparseCategoricalAccuracy(name=name)
    return CategoricalAccuracy(name=name)


def get(
    identifier: Any, y_true_shape: tuple | None = None, y_pred_shape: tuple | None = None
) -> Metric:
    """Resolve a metric name, class name, function, config or Metric to a fresh Metric.

    Names that are not built-in (and registered names ``"package>name"``) resolve through
    the active ``custom_object_scope`` and registered objects, which come first.

    Example:
        >>> metrics.get("mae").name
        'mae'
    """
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if isinstance(identifier, str):
        custom = find_custom([identifier])
        if custom is not None:
            return _from_custom(custom, identifier, None)
        if identifier.lower() in ("accuracy", "acc"):
            if y_true_shape is None or y_pred_shape is None:
                raise ValueError("'accuracy' needs the target and prediction shapes to resolve")
            return resolve_accuracy(identifier, y_true_shape, y_pred_shape)
        fn = _FUNCTIONS.get(identifier)
        if fn is not None:
            return MeanMetricWrapper(fn, name=identifier)
        cls = _CLASSES.get(identifier)
        if cls is not None:
            return cls()
        raise ValueError(
            f"Could not interpret metric identifier: {identifier}. A custom metric loads "
            "when it is passed in `custom_objects`, registered with "
            "`@ember.saving.register_keras_serializable()` or given in a `custom_object_scope`"
        )
    if isinstance(identifier, dict) and "class_name" in identifier:
        class_name = identifier["class_name"]
        config = identifier.get("config") or {}
        if class_name == "function" and isinstance(config, str):
            return get(config, y_true_shape, y_pred_shape)
        registered = identifier.get("registered_name")
        custom = find_custom([registered, class_name])
        if custom is not None:
            return _from_custom(custom, class_name, config)
        cls = _CLASSES.get(class_name)
        if cls is None:
            raise unknown_object_error("metric class", registered or class_name)
        return cls.from_config(config)
    if callable(identifier):
        return MeanMetricWrapper(identifier, name=getattr(identifier, "__name__", None))
    raise ValueError(f"Could not interpret metric identifier: {identifier!r}")


def _from_custom(obj: Any, name: str, config: dict | None) -> Metric:
    if isinstance(obj, Metric):
        return obj
    if isinstance(obj, type) and issubclass(obj, Metric):
        return obj.from_config(config) if config is not None else obj()
    if callable(obj) and not isinstance(obj, type):
        return MeanMetricWrapper(obj, name=getattr(obj, "__name__", None))
    raise TypeError(f"The custom object '{name}' is {obj!r}, which is not a metric")


def deserialize(config: Any, custom_objects: dict[str, Any] | None = None) -> Metric:
    """A metric from its saved name or config; ``custom_objects`` come first.

    Example:
        >>> metrics.deserialize({"class_name": "Mean", "config": {"name": "m"}}).name
        'm'
    """
    with CustomObjectScope(custom_objects):
        return get(config)


def serialize(metric: Any) -> Any:
    """What a saved compile config stores for a metric: ``{"class_name", "config"}`` for a
    Metric object (plus ``registered_name`` for a registered class), or the name of a
    function (its registered ``"package>name"`` when registered). A lambda cannot be saved.

    Example:
        >>> metrics.serialize(metrics.MeanSquaredError())["class_name"]
        'MeanSquaredError'
    """
    from ember.saving.serialization_lib import function_name

    if isinstance(metric, Metric):
        config: dict[str, Any] = {
            "class_name": type(metric).__name__,
            "config": metric.get_config(),
        }
        registered = get_registered_name(type(metric))
        if registered != type(metric).__name__:
            config["registered_name"] = registered
        return config
    if callable(metric) and not isinstance(metric, type):
        return function_name(metric)
    raise ValueError(f"Cannot serialize the metric {metric!r}: expected a Metric or a function")


for _cls in _CLASSES.values():
    register_builtin(_cls, "metrics")
for _name, _fn in _FUNCTIONS.items():  # "mae" -> mean_absolute_error, ...
    register_builtin(_fn, "metrics", name=_fn.__name__, aliases=(_name,))


mae = MAE = mean_absolute_error
mse = MSE = mean_squared_error
