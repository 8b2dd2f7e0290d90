"""Loss functions and classes with Keras' names, defaults and reductions.

As in Keras, a crossentropy given probabilities that came straight out of a softmax (or
sigmoid) activation is computed from that activation's logits, which is both exact and fast;
other probabilities are normalized and clipped to [1e-7, 1 - 1e-7].

Example:
    >>> from ember import losses
    >>> loss = losses.SparseCategoricalCrossentropy(from_logits=True)
    >>> round(float(loss(np.array([1]), np.array([[0.0, 0.0]])).numpy()), 4)
    0.6931
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ember import device
from ember.autograd import Tensor
from ember.ops import losses as loss_ops
from ember.ops import math as m
from ember.saving.object_registration import (
    CustomObjectScope,
    find_custom,
    get_registered_name,
    register_builtin,
    unknown_object_error,
)

EPSILON = 1e-7

__all__ = [
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "Huber",
    "Loss",
    "MeanAbsoluteError",
    "MeanSquaredError",
    "SparseCategoricalCrossentropy",
    "binary_crossentropy",
    "categorical_crossentropy",
    "get",
    "huber",
    "mean_absolute_error",
    "mean_squared_error",
    "sparse_categorical_crossentropy",
]


def _values(y: Any) -> np.ndarray:
    return y.data if isinstance(y, Tensor) else np.asarray(y)


def _like(y_pred: Tensor, arr: Any) -> Any:
    """Host targets (or weights) on y_pred's device: they are data, copied once per loss call
    (once per training step) when the model runs on a GPU."""
    data = y_pred.data
    if type(data) is np.ndarray:
        return arr
    return device.to(arr, device.of(data))


def match_rank(y_true: np.ndarray, y_pred: Tensor) -> np.ndarray:
    """Keras' squeeze-or-expand: (N,) targets against (N, 1) predictions and vice versa."""
    if y_true.ndim == y_pred.ndim - 1 and y_pred.shape[-1] == 1:
        return y_true[..., None]
    if y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1] == 1:
        return y_true[..., 0]
    return y_true


def _check_same_shape(fn: str, y_true: np.ndarray, y_pred: Tensor) -> None:
    if y_true.shape != y_pred.shape:
        try:
            np.broadcast_shapes(y_true.shape, y_pred.shape)
        except ValueError:
            raise ValueError(
                f"{fn}: y_true and y_pred have incompatible shapes {y_true.shape} and "
                f"{y_pred.shape}"
            ) from None


# ---------------------------------------------------------------------- per-sample functions
def categorical_crossentropy(
    y_true: Any,
    y_pred: Any,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> Tensor:
    """Per-sample crossentropy against one-hot (or probability) targets."""
    y_pred = m.to_float(y_pred)
    target = _values(y_true).astype(np.float32)
    if target.shape != y_pred.shape:
        raise ValueError(
            f"categorical_crossentropy: arguments `target` and `output` must have the same "
            f"shape. Received: target.shape={target.shape}, output.shape={y_pred.shape}"
        )
    if axis not in (-1, y_pred.ndim - 1):
        raise NotImplementedError("categorical_crossentropy: only axis=-1 is supported")
    if label_smoothing:
        target = target * (1.0 - label_smoothing) + label_smoothing / target.shape[-1]
    if not from_logits and y_pred._keras_logits is not None:
        y_pred, from_logits = y_pred._keras_logits, True
    if from_logits:
        return loss_ops.softmax_cross_entropy(y_pred, target)
    probs = m.divide(y_pred, m.sum(y_pred, axis=-1, keepdims=True))
    probs = m.clip(probs, EPSILON, 1.0 - EPSILON)
    return m.negative(m.sum(m.multiply(_like(y_pred, target), m.log(probs)), axis=-1))


def sparse_categorical_crossentropy(
    y_true: Any,
    y_pred: Any,
    from_logits: bool = False,
    ignore_class: int | None = None,
    axis: int = -1,
) -> Tensor:
    """Per-sample crossentropy against integer class ids."""
    if ignore_class is not None:
        raise NotImplementedError("sparse_categorical_crossentropy: ignore_class is not supported")
    y_pred = m.to_float(y_pred)
    labels = _values(y_true)
    if labels.ndim == y_pred.ndim and labels.shape[-1] == 1:
        labels = labels[..., 0]
    if labels.shape != y_pred.shape[:-1]:
        raise ValueError(
            f"sparse_categorical_crossentropy: y_true must have shape {y_pred.shape[:-1]} (or "
            f"with a trailing 1) for y_pred of shape {y_pred.shape}; received {labels.shape}"
        )
    if labels.dtype.kind == "f":
        if not np.all(np.isfinite(labels)) or np.any(labels != np.round(labels)):
            raise ValueError("sparse_categorical_crossentropy: y_true must hold integer class ids")
    labels = labels.astype(np.int64)
    if not from_logits and y_pred._keras_logits is not None:
        y_pred, from_logits = y_pred._keras_logits, True
    if from_logits:
        return loss_ops.softmax_cross_entropy(y_pred, labels)
    # Keras 3: clip, take logs and treat them as logits, which also renormalizes the rows.
    log_probs = m.log(m.clip(y_pred, EPSILON, 1.0 - EPSILON))
    return loss_ops.softmax_cross_entropy(log_probs, labels)


def binary_crossentropy(
    y_true: Any,
    y_pred: Any,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> Tensor:
    """Per-sample binary crossentropy (mean over the last axis)."""
    y_pred = m.to_float(y_pred)
    target = match_rank(_values(y_true).astype(np.float32), y_pred)
    _check_same_shape("binary_crossentropy", target, y_pred)
    if label_smoothing:
        target = target * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if not from_logits and y_pred._keras_logits is not None:
        y_pred, from_logits = y_pred._keras_logits, True
    if from_logits:
        elementwise = loss_ops.sigmoid_cross_entropy(y_pred, target)
    else:
        # Keras 3: clip, then the plain logs (no second epsilon inside them).
        target = _like(y_pred, target)
        p = m.clip(y_pred, EPSILON, 1.0 - EPSILON)
        pos = m.multiply(target, m.log(p))
        neg = m.multiply(1.0 - target, m.log(m.subtract(1.0, p)))
        elementwise = m.negative(m.add(pos, neg))
    return m.mean(elementwise, axis=-1)


def mean_squared_error(y_true: Any, y_pred: Any) -> Tensor:
    y_pred = m.to_float(y_pred)
    target = match_rank(_values(y_true).astype(np.float32), y_pred)
    _check_same_shape("mean_squared_error", target, y_pred)
    diff = m.subtract(y_pred, _like(y_pred, target))
    return m.mean(m.multiply(diff, diff), axis=-1)


def mean_absolute_error(y_true: Any, y_pred: Any) -> Tensor:
    y_pred = m.to_float(y_pred)
    target = match_rank(_values(y_true).astype(np.float32), y_pred)
    _check_same_shape("mean_absolute_error", target, y_pred)
    return m.mean(m.abs(m.subtract(y_pred, _like(y_pred, target))), axis=-1)


def huber(y_true: Any, y_pred: Any, delta: float = 1.0) -> Tensor:
    """0.5 e^2 where |e| <= delta, else delta * (|e| - 0.5 delta); mean over the last axis."""
    y_pred = m.to_float(y_pred)
    target = match_rank(_values(y_true).astype(np.float32), y_pred)
    _check_same_shape("huber", target, y_pred)
    err = m.abs(m.subtract(y_pred, _like(y_pred, target)))
    small = m.clip(err, 0.0, delta)  # min(|e|, delta), gradient 1 below delta
    linear = m.subtract(err, small)
    per = m.add(m.multiply(m.multiply(small, small), 0.5), m.multiply(linear, delta))
    return m.mean(per, axis=-1)


# ---------------------------------------------------------------------- reductions and classes
REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


def reduce_loss(values: Tensor, sample_weight: Any, reduction: str | None) -> Tensor:
    """Apply per-sample weights, then Keras' reduction."""
    if sample_weight is not None:
        sw = np.asarray(device.host(_values(sample_weight)), np.float32)
        while sw.ndim > values.ndim and sw.shape[-1] == 1:
            sw = sw[..., 0]
        while sw.ndim < values.ndim:
            sw = sw[..., None]
        values = m.multiply(values, _like(values, sw))
    else:
        sw = None
    if reduction in (None, "none"):
        return values
    total = m.sum(values)
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and sw is not None:
        return m.divide(total, max(float(np.broadcast_to(sw, values.shape).sum()), EPSILON))
    return m.divide(total, max(values.size, 1))


class Loss:
    """Base class: ``loss(y_true, y_pred, sample_weight=None)`` -> reduced scalar Tensor."""

    fn: Callable[..., Tensor] | None = None

    def __init__(
        self,
        name: str | None = None,
        reduction: str | None = "sum_over_batch_size",
        dtype: Any = None,
        **kwargs: Any,
    ) -> None:
        if reduction not in REDUCTIONS:
            raise ValueError(
                f"Invalid value for argument `reduction`. Expected one of "
                f"{list(REDUCTIONS)}. Received: reduction={reduction}"
            )
        self.name = name or _snake(type(self).__name__)
        self.reduction = reduction
        self.fn_kwargs = kwargs

    def call(self, y_true: Any, y_pred: Any) -> Tensor:
        assert self.fn is not None
        return type(self).fn(y_true, y_pred, **self.fn_kwargs)

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Tensor:
        return reduce_loss(self.call(y_true, y_pred), sample_weight, self.reduction)

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction, **self.fn_kwargs}

    @classmethod
    def from_config(cls, config: dict) -> Loss:
        return cls(**config)


def _snake(name: str) -> str:
    from ember.layers.base import to_snake_case

    return to_snake_case(name)


class CategoricalCrossentropy(Loss):
    fn = staticmethod(categorical_crossentropy)

    def __init__(
        self,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: str | None = "sum_over_batch_size",
        name: str = "categorical_crossentropy",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            name,
            reduction,
            dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )


class SparseCategoricalCrossentropy(Loss):
    fn = staticmethod(sparse_categorical_crossentropy)

    def __init__(
        self,
        from_logits: bool = False,
        ignore_class: int | None = None,
        reduction: str | None = "sum_over_batch_size",
        name: str = "sparse_categorical_crossentropy",
        dtype: Any = None,
    ) -> None:
        super().__init__(name, reduction, dtype, from_logits=from_logits, ignore_class=ignore_class)


class BinaryCrossentropy(Loss):
    fn = staticmethod(binary_crossentropy)

    def __init__(
        self,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: str | None = "sum_over_batch_size",
        name: str = "binary_crossentropy",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            name,
            reduction,
            dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )


class MeanSquaredError(Loss):
    fn = staticmethod(mean_squared_error)

    def __init__(
        self,
        reduction: str | None = "sum_over_batch_size",
        name: str = "mean_squared_error",
        dtype: Any = None,
    ) -> None:
        super().__init__(name, reduction, dtype)


class MeanAbsoluteError(Loss):
    fn = staticmethod(mean_absolute_error)

    def __init__(
        self,
        reduction: str | None = "sum_over_batch_size",
        name: str = "mean_absolute_error",
        dtype: Any = None,
    ) -> None:
        super().__init__(name, reduction, dtype)


class Huber(Loss):
    fn = staticmethod(huber)

    def __init__(
        self,
        delta: float = 1.0,
        reduction: str | None = "sum_over_batch_size",
        name: str = "huber_loss",
        dtype: Any = None,
    ) -> None:
        super().__init__(name, reduction, dtype, delta=delta)


class _FunctionLoss(Loss):
    """A plain function wrapped as a Loss (for custom callables)."""

    def __init__(self, fn: Callable[..., Tensor], name: str | None = None) -> None:
        super().__init__(name or getattr(fn, "__name__", "loss"))
        self._fn = fn

    def call(self, y_true: Any, y_pred: Any) -> Tensor:
        return m.to_tensor(self._fn(y_true, y_pred))


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error

_FUNCTIONS: dict[str, Callable[..., Tensor]] = {
    "categorical_crossentropy": categorical_crossentropy,
    "sparse_categorical_crossentropy": sparse_categorical_crossentropy,
    "binary_crossentropy": binary_crossentropy,
    "mean_squared_error": mean_squared_error,
    "mse": mean_squared_error,
    "mean_absolute_error": mean_absolute_error,
    "mae": mean_absolute_error,
    "huber": huber,
    "huber_loss": huber,
}
_CLASSES: dict[str, type[Loss]] = {
    cls.__name__: cls
    for cls in (
        CategoricalCrossentropy,
        SparseCategoricalCrossentropy,
        BinaryCrossentropy,
        MeanSquaredError,
        MeanAbsoluteError,
        Huber,
    )
}
_CLASS_FOR_FUNCTION = {
    categorical_crossentropy: CategoricalCrossentropy,
    sparse_categorical_crossentropy: SparseCategoricalCrossentropy,
    binary_crossentropy: BinaryCrossentropy,
    mean_squared_error: MeanSquaredError,
    mean_absolute_error: MeanAbsoluteError,
    huber: Huber,
}


def get(identifier: Any) -> Loss:
    """Resolve a Keras loss name, class name, config, function or Loss to a Loss object.

    Names that are not built-in (and registered names ``"package>name"``) resolve through
    the active ``custom_object_scope`` and registered objects, which come first.

    Example:
        >>> losses.get("mse").name
        'mean_squared_error'
    """
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if isinstance(identifier, str):
        custom = find_custom([identifier])
        if custom is not None:
            return _from_custom(custom, identifier, None)
        fn = _FUNCTIONS.get(identifier)
        if fn is not None:
            return _CLASS_FOR_FUNCTION[fn]()
        cls = _CLASSES.get(identifier)
        if cls is not None:
            return cls()
        raise ValueError(
            f"Could not interpret loss identifier: {identifier}; expected one of "
            f"{sorted(_FUNCTIONS)}, or a custom loss passed in `custom_objects`, registered "
            "with `@ember.saving.register_keras_serializable()` or given in a "
            "`custom_object_scope`"
        )
    if isinstance(identifier, dict) and "class_name" in identifier:
        class_name = identifier["class_name"]
        config = identifier.get("config") or {}
        if class_name == "function" and isinstance(config, str):
            return get(config)
        registered = identifier.get("registered_name")
        custom = find_custom([registered, class_name])
        if custom is not None:
            return _from_custom(custom, class_name, config)
        cls = _CLASSES.get(class_name)
        if cls is None:
            raise unknown_object_error("loss class", registered or class_name)
        return cls.from_config(config)
    if callable(identifier):
        cls = _CLASS_FOR_FUNCTION.get(identifier)
        return cls() if cls is not None else _FunctionLoss(identifier)
    raise ValueError(f"Could not interpret loss identifier: {identifier!r}")


def _from_custom(obj: Any, name: str, config: dict | None) -> Loss:
    if isinstance(obj, Loss):
        return obj
    if isinstance(obj, type) and issubclass(obj, Loss):
        return obj.from_config(config) if config is not None else obj()
    if callable(obj) and not isinstance(obj, type):
        return _FunctionLoss(obj)
    raise TypeError(f"The custom object '{name}' is {obj!r}, which is not a loss")


def deserialize(name: Any, custom_objects: dict[str, Any] | None = None) -> Loss:
    """A loss from its saved name or config; ``custom_objects`` come first.

    Example:
        >>> losses.deserialize({"class_name": "Huber", "config": {"delta": 2.0}}).name
        'huber_loss'
    """
    with CustomObjectScope(custom_objects):
        return get(name)


def serialize(loss: Any) -> Any:
    """What a saved compile config stores for a loss: ``{"class_name", "config"}`` for a
    Loss object (plus ``registered_name`` for a registered class), the name of a built-in
    or custom loss function (its registered ``"package>name"`` when registered). A lambda
    cannot be saved.

    Example:
        >>> losses.serialize(losses.MeanSquaredError())["class_name"]
        'MeanSquaredError'
    """
    from ember.saving.serialization_lib import function_name

    if isinstance(loss, _FunctionLoss):
        return function_name(loss._fn)
    if isinstance(loss, Loss):
        config: dict[str, Any] = {"class_name": type(loss).__name__, "config": loss.get_config()}
        registered = get_registered_name(type(loss))
        if registered != type(loss).__name__:
            config["registered_name"] = registered
        return config
    if callable(loss) and not isinstance(loss, type):
        return function_name(loss)
    raise ValueError(f"Cannot serialize the loss {loss!r}: expected a Loss or a function")


for _cls in _CLASSES.values():
    register_builtin(_cls, "losses")
for _name, _fn in _FUNCTIONS.items():  # "mse" -> mean_squared_error, ...
    register_builtin(_fn, "losses", name=_fn.__name__, aliases=(_name,))
