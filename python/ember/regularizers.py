"""Weight and activity regularizers, as ``keras.regularizers``: penalties added to the loss.

A regularizer is a callable taking a tensor (a layer's weight, or its output for an
``activity_regularizer``) and returning a scalar Tensor. Layers take them as
``kernel_regularizer=``, ``bias_regularizer=``, ``activity_regularizer=`` (and the like), or
``add_weight(regularizer=...)``; their penalties appear in ``layer.losses`` and ``fit``
minimizes the compiled loss plus their sum. An activity penalty is divided by the batch size.

Built-ins: ``L1`` (``l1 * sum(|x|)``), ``L2`` (``l2 * sum(x**2)``), ``L1L2`` (both) and
``OrthogonalRegularizer``, with Keras' lowercase aliases; the strings ``"l1"``, ``"l2"`` and
``"l1_l2"`` give factors of 0.01. A plain function ``fn(x) -> scalar`` works too, and so does
a ``Regularizer`` subclass defining ``__call__`` and ``get_config``; register either with
``@ember.saving.register_keras_serializable()`` to reload it from a saved config.

Example:
    >>> layer = ember.layers.Dense(2, kernel_initializer="ones", kernel_regularizer=L1(0.1))
    >>> _ = layer(np.ones((1, 3)))
    >>> [round(float(t), 4) for t in layer.losses]
    [0.6]
    >>> float(L2(2.0)(np.ones((5, 5))))
    50.0
"""

from __future__ import annotations

import inspect
import math
from typing import Any

import numpy as np

from ember import device
from ember.autograd import Tensor
from ember.ops import math as math_ops
from ember.saving.object_registration import (
    CustomObjectScope,
    builtin_name,
    find_custom,
    get_registered_name,
    register_builtin,
    unknown_object_error,
)


def _float32(value: float) -> float:
    """``value`` rounded to float32, as Keras stores ``L1.l1`` and ``factor`` (a tensor) and so
    writes them in configs (0.01 -> 0.009999999776482582)."""
    return float(np.float32(value))


def _validate_float_arg(value: Any, name: str) -> float:
    """A penalty factor as a float; ValueError unless a finite number >= 0."""
    if (
        not isinstance(value, (int, float, np.integer, np.floating))
        or math.isinf(value)
        or math.isnan(value)
        or value < 0
    ):
        raise ValueError(
            f"Invalid value for argument {name}: expected a non-negative float."
            f"Received: {name}={value}"
        )
    return float(value)


class Regularizer:
    """Base class of regularizers: ``__call__(x)`` returns the penalty for the tensor ``x``
    (0.0 here), ``get_config`` the arguments that rebuild it through ``from_config``.

    Example:
        >>> class Sum(ember.regularizers.Regularizer):
        ...     def __init__(self, factor=1.0):
        ...         self.factor = factor
        ...     def __call__(self, x):
        ...         return self.factor * ember.ops.math.sum(x)
        ...     def get_config(self):
        ...         return {"factor": self.factor}
        >>> float(Sum(0.5)(np.ones((2, 2))))
        2.0
    """

    def __call__(self, x: Any) -> Any:
        return 0.0

    def get_config(self) -> dict:
        raise NotImplementedError(f"{self} does not implement get_config()")

    @classmethod
    def from_config(cls, config: dict) -> Regularizer:
        return cls(**config)


class L1L2(Regularizer):
    """``l1 * sum(|x|) + l2 * sum(x**2)``; both factors default to 0 (the string ``"l1_l2"``
    gives 0.01 for both).

    Example:
        >>> float(L1L2(l1=1.0, l2=1.0)(np.array([[1.0, -2.0]])))
        8.0
    """

    def __init__(self, l1: float | None = 0.0, l2: float | None = 0.0) -> None:
        self.l1 = _validate_float_arg(0.0 if l1 is None else l1, name="l1")
        self.l2 = _validate_float_arg(0.0 if l2 is None else l2, name="l2")

    def __call__(self, x: Any) -> Tensor:
        total: Tensor | None = None
        if self.l1 != 0.0:
            total = math_ops.multiply(math_ops.sum(math_ops.abs(x)), self.l1)
        if self.l2 != 0.0:
            penalty = math_ops.multiply(math_ops.sum(math_ops.square(x)), self.l2)
            total = penalty if total is None else math_ops.add(total, penalty)
        return total if total is not None else math_ops.constant(0.0)

    def get_config(self) -> dict:
        return {"l1": self.l1, "l2": self.l2}


class L1(Regularizer):
    """``l1 * sum(|x|)`` (default factor 0.01, kept in float32 as Keras keeps it).

    Example:
        >>> float(L1(0.5)(np.array([1.0, -3.0])))
        2.0
    """

    def __init__(self, l1: float | None = 0.01) -> None:
        self.l1 = _float32(_validate_float_arg(0.01 if l1 is None else l1, name="l1"))

    def __call__(self, x: Any) -> Tensor:
        return math_ops.multiply(math_ops.sum(math_ops.abs(x)), self.l1)

    def get_config(self) -> dict:
        return {"l1": self.l1}


class L2(Regularizer):
    """``l2 * sum(x**2)`` (default factor 0.01).

    Example:
        >>> float(L2(0.5)(np.array([1.0, -3.0])))
        5.0
    """

    def __init__(self, l2: float | None = 0.01) -> None:
        self.l2 = _validate_float_arg(0.01 if l2 is None else l2, name="l2")

    def __call__(self, x: Any) -> Tensor:
        return math_ops.multiply(math_ops.sum(math_ops.square(x)), self.l2)

    def get_config(self) -> dict:
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """Pushes the rows (``mode="rows"``) or columns (``"columns"``) of a rank-2 weight
    towards orthogonality: ``factor * 0.5 * sum(|P - diag(P)|) / (n (n - 1) / 2)``, where P
    holds the dot products of the L2-normalized rows (columns) and n is their number.

    Example:
        >>> float(OrthogonalRegularizer(factor=1.0)(np.eye(3)))
        0.0
        >>> round(float(OrthogonalRegularizer(factor=1.0)(np.ones((2, 2)))), 4)
        1.0
    """

    def __init__(self, factor: float = 0.01, mode: str = "rows") -> None:
        self.factor = _float32(_validate_float_arg(factor, name="factor"))
        if mode not in {"rows", "columns"}:
            raise ValueError(
                "Invalid value for argument `mode`. Expected one of "
                f'{{"rows", "columns"}}. Received: mode={mode}'
            )
        self.mode = mode

    def __call__(self, inputs: Any) -> Tensor:
        x = math_ops.to_tensor(inputs)
        if x.ndim != 2:
            raise ValueError(
                "Inputs to OrthogonalRegularizer must have rank 2. Received: "
                f"inputs.shape={tuple(x.shape)}"
            )
        axis = 1 if self.mode == "rows" else 0
        x = _l2_normalize(x, axis)
        if self.mode == "rows":
            product = math_ops.matmul(x, math_ops.transpose(x))
            size = x.shape[0]
        else:
            product = math_ops.matmul(math_ops.transpose(x), x)
            size = x.shape[1]
        mask = device.to(1.0 - np.eye(size, dtype=np.float32), device.of(x.data))
        off_diagonal = math_ops.multiply(product, mask)
        pairs = size * (size - 1.0) / 2.0  # 0 for a single row: nan, as in Keras
        total = math_ops.multiply(math_ops.sum(math_ops.abs(off_diagonal)), self.factor * 0.5)
        with np.errstate(divide="ignore", invalid="ignore"):
            return math_ops.divide(total, pairs)

    def get_config(self) -> dict:
        return {"factor": self.factor, "mode": self.mode}


_EPSILON = 1e-7  # ember.backend.epsilon()


def _l2_normalize(x: Tensor, axis: int) -> Tensor:
    """``x * min(1 / ||x||, 1 / epsilon)`` along ``axis`` (Keras' ``ops.normalize``)."""
    square_sum = math_ops.sum(math_ops.square(x), axis=axis, keepdims=True)
    with np.errstate(divide="ignore"):
        inverse = math_ops.clip(math_ops.power(square_sum, -0.5), 0.0, 1.0 / _EPSILON)
    return math_ops.multiply(x, inverse)


# Keras' lowercase names are the classes themselves.
l1 = L1
l2 = L2
l1_l2 = L1L2
orthogonal_regularizer = OrthogonalRegularizer

_CLASSES: dict[str, type[Regularizer]] = {
    cls.__name__: cls for cls in (Regularizer, L1, L2, L1L2, OrthogonalRegularizer)
}
# Keras' snake-case names of the classes ("l1l2" too), resolved by `get` and in configs.
_SNAKE = {
    "regularizer": Regularizer,
    "l1": L1,
    "l2": L2,
    "l1l2": L1L2,
    "orthogonal_regularizer": OrthogonalRegularizer,
}


def _unknown(identifier: Any) -> ValueError:
    return ValueError(
        f"Could not interpret regularizer identifier: {identifier}. Expected None, one of "
        f"{sorted({*_SNAKE, 'l1_l2', *_CLASSES})}, a config dict, a Regularizer or a "
        "callable; a custom regularizer loads when it is passed in `custom_objects`, "
        "registered with `@ember.saving.register_keras_serializable()` or given in a "
        "`custom_object_scope`."
    )


def _instance(obj: Any, identifier: Any, config: dict | None = None) -> Any:
    if inspect.isclass(obj):
        return obj.from_config(config) if config is not None else obj()
    if callable(obj):
        return obj
    raise _unknown(identifier)


def get(identifier: Any) -> Any:
    """The regularizer for ``identifier``: None stays None; a name (``"l2"``, ``"L1L2"``,
    ``"l1_l2"``, a registered ``"package>Name"``), a config dict, a class (instantiated with
    its defaults), a Regularizer or any callable. Custom objects (``custom_objects``, the
    active scope, registrations) come before the built-ins. Anything else: ValueError.

    Example:
        >>> get("l2").get_config()
        {'l2': 0.01}
        >>> get("l1_l2").get_config()
        {'l1': 0.01, 'l2': 0.01}
        >>> get(None) is None
        True
    """
    if identifier is None:
        return None
    if isinstance(identifier, str):
        custom = find_custom([identifier])
        if custom is not None:
            return _instance(custom, identifier)
        if identifier == "l1_l2":  # Keras documents this string with both factors at 0.01
            return L1L2(l1=0.01, l2=0.01)
        cls = _CLASSES.get(identifier) or _SNAKE.get(identifier)
        if cls is None:
            raise _unknown(identifier)
        return cls()
    if isinstance(identifier, dict):
        return _from_dict(identifier)
    if callable(identifier):
        return _instance(identifier, identifier)
    raise _unknown(identifier)


def _from_dict(config: dict) -> Any:
    class_name = config.get("class_name")
    inner = config.get("config")
    if not isinstance(class_name, str):
        raise _unknown(config)
    if class_name == "function":
        if not isinstance(inner, str):
            raise _unknown(config)
        fn = find_custom([inner])
        if fn is None:
            raise unknown_object_error("regularizer function", inner)
        return fn
    registered = config.get("registered_name")
    custom = find_custom([registered, class_name])
    if custom is not None:
        return _instance(custom, config, dict(inner or {}))
    cls = _CLASSES.get(class_name) or _SNAKE.get(class_name)
    if cls is None:
        raise unknown_object_error("regularizer class", registered or class_name)
    return cls.from_config(dict(inner or {}))


def deserialize(config: Any, custom_objects: dict[str, Any] | None = None) -> Any:
    """A regularizer from its saved config (or name); ``custom_objects`` come first.

    Example:
        >>> deserialize({"class_name": "L2", "config": {"l2": 0.5}}).l2
        0.5
    """
    with CustomObjectScope(custom_objects):
        return get(config)


def serialize(regularizer: Any) -> Any:
    """The config Keras writes for a regularizer: ``{"module", "class_name", "config",
    "registered_name"}`` (module ``"keras.regularizers"`` for the built-ins), a function's
    ``{"class_name": "function", "config": name, ...}``; None stays None. A lambda cannot
    be saved.

    Example:
        >>> serialize(L2(0.1))
        {'module': 'keras.regularizers', 'class_name': 'L2', 'config': {'l2': 0.1}, \
'registered_name': None}
    """
    return serialize_object(regularizer, "regularizers")


def serialize_object(obj: Any, kind: str) -> Any:
    """Keras' config of a regularizer or constraint (``kind``: ``"regularizers"`` or
    ``"constraints"``, the Keras module built-ins are written under); None stays None.

    Example:
        >>> serialize_object(L1L2(0.5, 0.25), "regularizers")["config"]
        {'l1': 0.5, 'l2': 0.25}
    """
    if obj is None:
        return None
    from ember.saving.serialization_lib import function_name

    if inspect.isroutine(obj) or not hasattr(obj, "get_config"):
        if not callable(obj):
            raise ValueError(f"Cannot serialize {obj!r}: expected a {kind[:-1]} or a function")
        return {
            "module": "builtins",
            "class_name": "function",
            "config": function_name(obj),
            "registered_name": "function",
        }
    cls = type(obj)
    config = obj.get_config()
    if builtin_name(cls) is not None:
        return {
            "module": f"keras.{kind}",
            "class_name": cls.__name__,
            "config": config,
            "registered_name": None,
        }
    registered = get_registered_name(cls)
    return {
        "module": None if registered != cls.__name__ else cls.__module__,
        "class_name": cls.__name__,
        "config": config,
        "registered_name": registered,
    }


for _cls in _CLASSES.values():
    register_builtin(_cls, "regularizers")

__all__ = [
    "L1",
    "L1L2",
    "L2",
    "OrthogonalRegularizer",
    "Regularizer",
    "deserialize",
    "get",
    "l1",
    "l1_l2",
    "l2",
    "orthogonal_regularizer",
    "serialize",
]
