"""Metrics with Keras 3's names, arguments and results: stateful ``Metric`` objects
(``update_state`` / ``result`` / ``reset_state``) and the per-sample functions behind them.

One file per family: ``base`` (Metric), ``reduction`` (Sum, Mean, MeanMetricWrapper),
``accuracy``, ``regression``, ``probabilistic``, ``hinge``, ``correlation``, ``confusion``
(counts, precision/recall, AUC), ``f_score`` and ``iou``.

``compile(metrics=[...])`` takes Metric objects, metric functions and names: class names
(``"AUC"``), their snake-case forms (``"auc"``, ``"precision"``), the short names ``"mae"``,
``"mse"``, ``"mape"``, ``"msle"``, ``"bce"``, and ``"accuracy"`` / ``"acc"``, which resolve
from the shapes of targets and predictions (binary, sparse categorical or categorical).

Example:
    >>> from ember import metrics
    >>> acc = metrics.SparseCategoricalAccuracy()
    >>> acc.update_state(np.array([1, 0]), np.array([[0.1, 0.9], [0.2, 0.8]]))
    >>> float(acc.result())
    0.5
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from ember.metrics.accuracy import (
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
    accuracy,
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)
from ember.metrics.base import Metric, to_numpy
from ember.metrics.confusion import (
    AUC,
    FalseNegatives,
    FalsePositives,
    Precision,
    PrecisionAtRecall,
    Recall,
    RecallAtPrecision,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
    TrueNegatives,
    TruePositives,
)
from ember.metrics.correlation import (
    ConcordanceCorrelation,
    PearsonCorrelation,
    concordance_correlation,
    pearson_correlation,
)
from ember.metrics.f_score import F1Score, FBetaScore
from ember.metrics.hinge import (
    CategoricalHinge,
    Hinge,
    SquaredHinge,
    categorical_hinge,
    hinge,
    squared_hinge,
)
from ember.metrics.iou import BinaryIoU, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU
from ember.metrics.probabilistic import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    KLDivergence,
    Poisson,
    SparseCategoricalCrossentropy,
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    kl_divergence,
    poisson,
    sparse_categorical_crossentropy,
)
from ember.metrics.reduction import Mean, MeanMetricWrapper, Sum
from ember.metrics.regression import (
    CosineSimilarity,
    LogCoshError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    R2Score,
    RootMeanSquaredError,
    huber,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
)
from ember.saving.object_registration import (
    CustomObjectScope,
    find_custom,
    get_registered_name,
    register_builtin,
    unknown_object_error,
)

__all__ = [
    "AUC",
    "Accuracy",
    "BinaryAccuracy",
    "BinaryCrossentropy",
    "BinaryIoU",
    "CategoricalAccuracy",
    "CategoricalCrossentropy",
    "CategoricalHinge",
    "ConcordanceCorrelation",
    "CosineSimilarity",
    "F1Score",
    "FBetaScore",
    "FalseNegatives",
    "FalsePositives",
    "Hinge",
    "IoU",
    "KLDivergence",
    "LogCoshError",
    "Mean",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanIoU",
    "MeanMetricWrapper",
    "MeanSquaredError",
    "MeanSquaredLogarithmicError",
    "Metric",
    "OneHotIoU",
    "OneHotMeanIoU",
    "PearsonCorrelation",
    "Poisson",
    "Precision",
    "PrecisionAtRecall",
    "R2Score",
    "Recall",
    "RecallAtPrecision",
    "RootMeanSquaredError",
    "SensitivityAtSpecificity",
    "SparseCategoricalAccuracy",
    "SparseCategoricalCrossentropy",
    "SparseTopKCategoricalAccuracy",
    "SpecificityAtSensitivity",
    "SquaredHinge",
    "Sum",
    "TopKCategoricalAccuracy",
    "TrueNegatives",
    "TruePositives",
    "binary_accuracy",
    "binary_crossentropy",
    "binary_focal_crossentropy",
    "categorical_accuracy",
    "categorical_crossentropy",
    "categorical_focal_crossentropy",
    "categorical_hinge",
    "concordance_correlation",
    "deserialize",
    "get",
    "hinge",
    "huber",
    "kl_divergence",
    "log_cosh",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_error",
    "mean_squared_logarithmic_error",
    "pearson_correlation",
    "poisson",
    "serialize",
    "sparse_categorical_accuracy",
    "sparse_categorical_crossentropy",
    "sparse_top_k_categorical_accuracy",
    "squared_hinge",
    "top_k_categorical_accuracy",
]

_CLASS_LIST: tuple[type[Metric], ...] = (
    Metric,
    Mean,
    Sum,
    MeanMetricWrapper,
    MeanSquaredError,
    RootMeanSquaredError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError,
    CosineSimilarity,
    LogCoshError,
    R2Score,
    AUC,
    FalseNegatives,
    FalsePositives,
    Precision,
    PrecisionAtRecall,
    Recall,
    RecallAtPrecision,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
    TrueNegatives,
    TruePositives,
    ConcordanceCorrelation,
    PearsonCorrelation,
    Hinge,
    SquaredHinge,
    CategoricalHinge,
    KLDivergence,
    Poisson,
    BinaryCrossentropy,
    CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    TopKCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    F1Score,
    FBetaScore,
    IoU,
    BinaryIoU,
    MeanIoU,
    OneHotIoU,
    OneHotMeanIoU,
)


def _snake(name: str) -> str:
    from ember.layers.base import to_snake_case

    return to_snake_case(name)


# The names a string may give (Keras' table): class names, their snake-case forms and the
# short aliases.
_CLASSES: dict[str, type[Metric]] = {cls.__name__: cls for cls in _CLASS_LIST}
_NAMED: dict[str, type[Metric]] = {
    **_CLASSES,
    **{_snake(cls.__name__): cls for cls in _CLASS_LIST},
    "bce": BinaryCrossentropy,
    "BCE": BinaryCrossentropy,
    "mse": MeanSquaredError,
    "MSE": MeanSquaredError,
    "mae": MeanAbsoluteError,
    "MAE": MeanAbsoluteError,
    "mape": MeanAbsolutePercentageError,
    "MAPE": MeanAbsolutePercentageError,
    "msle": MeanSquaredLogarithmicError,
    "MSLE": MeanSquaredLogarithmicError,
}
# Metric functions by name (with Keras 2's short names): saved compile configs name them.
_FUNCTIONS: dict[str, Callable[..., Any]] = {
    fn.__name__: fn
    for fn in (
        accuracy,
        binary_accuracy,
        categorical_accuracy,
        sparse_categorical_accuracy,
        top_k_categorical_accuracy,
        sparse_top_k_categorical_accuracy,
        mean_squared_error,
        mean_absolute_error,
        mean_absolute_percentage_error,
        mean_squared_logarithmic_error,
        log_cosh,
        huber,
        binary_crossentropy,
        categorical_crossentropy,
        sparse_categorical_crossentropy,
        binary_focal_crossentropy,
        categorical_focal_crossentropy,
        kl_divergence,
        poisson,
        hinge,
        squared_hinge,
        categorical_hinge,
        pearson_correlation,
        concordance_correlation,
    )
}
_FUNCTION_ALIASES = {
    "mae": mean_absolute_error,
    "mse": mean_squared_error,
    "mape": mean_absolute_percentage_error,
    "msle": mean_squared_logarithmic_error,
    "logcosh": log_cosh,
    "kld": kl_divergence,
    "kullback_leibler_divergence": kl_divergence,
}


def _function_named(name: Any) -> Callable[..., Any]:
    """A metric function from its saved name (custom ones first)."""
    if isinstance(name, dict) and name.get("class_name") == "function":
        name = name.get("config")
    if not isinstance(name, str):
        raise ValueError(f"Could not interpret metric function {name!r}")
    custom = find_custom([name])
    if custom is not None:
        return custom
    fn = _FUNCTIONS.get(name) or _FUNCTION_ALIASES.get(name)
    if fn is None:
        raise unknown_object_error("metric function", name)
    return fn


def get(
    identifier: Any, y_true_shape: tuple | None = None, y_pred_shape: tuple | None = None
) -> Any:
    """A metric from a name, config, class, function or Metric, as ``keras.metrics.get``:
    names of classes (``"AUC"``, ``"auc"``, ``"mae"``, ...) give a new instance, a function
    or Metric comes back as it is, None gives None.

    Given ``y_true_shape`` and ``y_pred_shape`` it resolves as ``compile(metrics=...)``
    does: ``"accuracy"`` / ``"acc"`` pick binary, sparse categorical or categorical accuracy
    from the shapes, a function is wrapped in a ``MeanMetricWrapper``, and a name becomes the
    metric's name. Custom objects (``custom_object_scope``, registered names) come first.

    Example:
        >>> type(metrics.get("mae")).__name__
        'MeanAbsoluteError'
        >>> metrics.get("mae", (2, 1), (2, 1)).name
        'mae'
    """
    if y_true_shape is not None and y_pred_shape is not None:
        return resolve(identifier, y_true_shape, y_pred_shape)
    if identifier is None:
        return None
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if isinstance(identifier, dict):
        return _from_config_dict(identifier)
    if isinstance(identifier, str):
        custom = find_custom([identifier])
        if custom is not None:
            return _from_custom(custom, identifier, None)
        cls = _NAMED.get(identifier)
        if cls is not None:
            return cls()
        fn = _FUNCTIONS.get(identifier) or _FUNCTION_ALIASES.get(identifier)
        if fn is not None:  # ember also knows its metric functions by name
            return fn
        raise ValueError(
            f"Could not interpret metric identifier: {identifier}. A custom metric loads "
            "when it is passed in `custom_objects`, registered with "
            "`@ember.saving.register_keras_serializable()` or given in a `custom_object_scope`"
        )
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret metric identifier: {identifier!r}")


def resolve(identifier: Any, y_true_shape: tuple, y_pred_shape: tuple) -> Metric:
    """The Metric ``compile(metrics=[identifier])`` uses for an output whose targets and
    predictions have these shapes (Keras' ``get_metric``)."""
    if identifier is None:
        raise ValueError("Expected metric, received `None`")
    if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc"):
        return resolve_accuracy(identifier, y_true_shape, y_pred_shape)
    obj = get(identifier)
    if isinstance(obj, Metric):
        if isinstance(identifier, str):
            obj.name = identifier
        return obj
    if callable(obj):
        name = identifier if isinstance(identifier, str) else getattr(obj, "__name__", None)
        return MeanMetricWrapper(obj, name=name)
    raise ValueError(f"Could not interpret metric identifier: {identifier!r}")


def resolve_accuracy(name: str, y_true_shape: tuple, y_pred_shape: tuple) -> Metric:
    """Keras' reading of 'accuracy' / 'acc' from the shapes of targets and predictions."""
    y_true_shape, y_pred_shape = tuple(y_true_shape), tuple(y_pred_shape)
    if y_pred_shape and y_pred_shape[-1] == 1:
        return BinaryAccuracy(name=name)
    if len(y_true_shape) < len(y_pred_shape) or (y_true_shape and y_true_shape[-1] == 1):
        return SparseCategoricalAccuracy(name=name)
    return CategoricalAccuracy(name=name)


def _from_config_dict(identifier: dict) -> Any:
    if "class_name" not in identifier:
        raise ValueError(f"Could not interpret metric identifier: {identifier!r}")
    class_name = identifier["class_name"]
    config = identifier.get("config") or {}
    if class_name == "function":
        return _function_named(config)
    registered = identifier.get("registered_name")
    custom = find_custom([registered, class_name])
    if custom is not None:
        return _from_custom(custom, class_name, config)
    cls = _CLASSES.get(class_name)
    if cls is None:
        raise unknown_object_error("metric class", registered or class_name)
    return cls.from_config(config)


def _from_custom(obj: Any, name: str, config: dict | None) -> Any:
    if isinstance(obj, Metric):
        return obj
    if inspect.isclass(obj) and issubclass(obj, Metric):
        return obj.from_config(config) if config is not None else obj()
    if callable(obj) and not inspect.isclass(obj):
        return obj
    raise TypeError(f"The custom object '{name}' is {obj!r}, which is not a metric")


def log_value(value: Any) -> Any:
    """A metric result as training logs hold it: a float for a single value, else a numpy
    array (e.g. per-threshold precision, per-class F1), as Keras' logs."""
    arr = to_numpy(value)
    return float(arr) if arr.ndim == 0 else arr


def deserialize(config: Any, custom_objects: dict[str, Any] | None = None) -> Any:
    """A metric (or metric function) from its saved name or config; ``custom_objects``
    come first.

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
    if callable(metric) and not inspect.isclass(metric):
        return function_name(metric)
    raise ValueError(f"Cannot serialize the metric {metric!r}: expected a Metric or a function")


for _cls in _CLASS_LIST:
    register_builtin(_cls, "metrics")
for _name, _fn in _FUNCTIONS.items():
    _aliases = tuple(a for a, f in _FUNCTION_ALIASES.items() if f is _fn)
    register_builtin(_fn, "metrics", name=_name, aliases=_aliases)


mae = MAE = mean_absolute_error
mse = MSE = mean_squared_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
logcosh = log_cosh
kld = KLD = kullback_leibler_divergence = kl_divergence
