"""Weight constraints, as ``keras.constraints``: projections applied to a variable after each
optimizer update.

A constraint is a callable taking a weight and returning its projected value. Layers take them
as ``kernel_constraint=``, ``bias_constraint=`` (and the like), or
``add_weight(constraint=...)``; the optimizer assigns ``constraint(variable)`` to each variable
it has just updated (variables without a gradient in that step are left alone), as Keras does.

Built-ins: ``MaxNorm``, ``MinMaxNorm``, ``NonNeg``, ``UnitNorm`` with Keras' lowercase aliases
(``max_norm``, ...). Norms are taken over ``axis`` (default 0: for a Dense kernel
``(input_dim, units)`` each unit's incoming weights; ``[0, 1, 2]`` for a Conv2D kernel's
filters). A plain function, or a ``Constraint`` subclass defining ``__call__`` (and
``get_config`` when it has arguments), works too.

Example:
    >>> NonNeg()(np.array([-1.0, 2.0])).numpy()
    array([0., 2.], dtype=float32)
    >>> layer = ember.layers.Dense(2, kernel_constraint="max_norm")
    >>> layer.get_config()["kernel_constraint"]["config"]
    {'max_value': 2, 'axis': 0}
"""

from __future__ import annotations

import inspect
from typing import Any

from ember.autograd import Tensor
from ember.ops import math as math_ops
from ember.regularizers import serialize_object
from ember.saving.object_registration import (
    CustomObjectScope,
    find_custom,
    register_builtin,
    unknown_object_error,
)

_EPSILON = 1e-7  # ember.backend.epsilon()


class Constraint:
    """Base class of weight constraints: ``__call__(w)`` returns the projected weight (``w``
    unchanged here), ``get_config`` the arguments that rebuild it.

    Example:
        >>> class Clip(ember.constraints.Constraint):
        ...     def __call__(self, w):
        ...         return ember.ops.math.clip(w, -1.0, 1.0)
        >>> Clip()(np.array([-3.0, 0.5])).numpy()
        array([-1. ,  0.5], dtype=float32)
    """

    def __call__(self, w: Any) -> Any:
        return w

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict) -> Constraint:
        return cls(**config)


def _axes(axis: Any) -> Any:
    return tuple(axis) if isinstance(axis, (list, tuple)) else axis


def _norms(w: Tensor, axis: Any) -> Tensor:
    return math_ops.sqrt(math_ops.sum(math_ops.square(w), axis=_axes(axis), keepdims=True))


def _rescale(w: Tensor, desired: Tensor, norms: Tensor) -> Tensor:
    return math_ops.multiply(w, math_ops.divide(desired, math_ops.add(norms, _EPSILON)))


class MaxNorm(Constraint):
    """Rescales the weights along ``axis`` whose L2 norm exceeds ``max_value`` down to it.

    Example:
        >>> MaxNorm(max_value=1.0)(np.array([[3.0], [4.0]])).numpy().round(4)
        array([[0.6],
               [0.8]], dtype=float32)
    """

    def __init__(self, max_value: float = 2, axis: Any = 0) -> None:
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w: Any) -> Tensor:
        w = math_ops.to_float(w)
        norms = _norms(w, self.axis)
        return _rescale(w, math_ops.clip(norms, 0, self.max_value), norms)

    def get_config(self) -> dict:
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Sets negative weights to 0.

    Example:
        >>> NonNeg()(np.array([-0.5, 0.5])).numpy()
        array([0. , 0.5], dtype=float32)
    """

    def __call__(self, w: Any) -> Tensor:
        return math_ops.maximum(math_ops.to_float(w), 0.0)


class UnitNorm(Constraint):
    """Rescales the weights along ``axis`` to unit L2 norm.

    Example:
        >>> UnitNorm()(np.array([[3.0], [4.0]])).numpy().round(4)
        array([[0.6],
               [0.8]], dtype=float32)
    """

    def __init__(self, axis: Any = 0) -> None:
        self.axis = axis

    def __call__(self, w: Any) -> Tensor:
        w = math_ops.to_float(w)
        return math_ops.divide(w, math_ops.add(_norms(w, self.axis), _EPSILON))

    def get_config(self) -> dict:
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Moves the L2 norm of the weights along ``axis`` into ``[min_value, max_value]``: the
    new norm is ``rate * clip(norm, min_value, max_value) + (1 - rate) * norm``.

    Example:
        >>> MinMaxNorm(min_value=1.0, max_value=2.0)(np.array([[0.3], [0.4]])).numpy().round(4)
        array([[0.6],
               [0.8]], dtype=float32)
    """

    def __init__(
        self, min_value: float = 0.0, max_value: float = 1.0, rate: float = 1.0, axis: Any = 0
    ) -> None:
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w: Any) -> Tensor:
        w = math_ops.to_float(w)
        norms = _norms(w, self.axis)
        clipped = math_ops.clip(norms, self.min_value, self.max_value)
        desired = math_ops.add(
            math_ops.multiply(clipped, self.rate), math_ops.multiply(norms, 1 - self.rate)
        )
        return _rescale(w, desired, norms)

    def get_config(self) -> dict:
        return {
            "min_value": self.min_value,
            "max_value": self.max_value,
            "rate": self.rate,
            "axis": self.axis,
        }


# Keras' lowercase names are the classes themselves.
max_norm = MaxNorm
min_max_norm = MinMaxNorm
non_neg = NonNeg
unit_norm = UnitNorm

_CLASSES: dict[str, type[Constraint]] = {
    cls.__name__: cls for cls in (Constraint, MaxNorm, MinMaxNorm, NonNeg, UnitNorm)
}
_SNAKE = {
    "constraint": Constraint,
    "max_norm": MaxNorm,
    "min_max_norm": MinMaxNorm,
    "non_neg": NonNeg,
    "unit_norm": UnitNorm,
}


def _unknown(identifier: Any) -> ValueError:
    return ValueError(
        f"Could not interpret constraint identifier: {identifier}. Expected None, one of "
        f"{sorted({*_SNAKE, *_CLASSES})}, a config dict, a Constraint or a callable; a "
        "custom constraint loads when it is passed in `custom_objects`, registered with "
        "`@ember.saving.register_keras_serializable()` or given in a `custom_object_scope`."
    )


def _instance(obj: Any, identifier: Any, config: dict | None = None) -> Any:
    if inspect.isclass(obj):
        return obj.from_config(config) if config is not None else obj()
    if callable(obj):
        return obj
    raise _unknown(identifier)


def get(identifier: Any) -> Any:
    """The constraint for ``identifier``: None stays None; a name (``"max_norm"``,
    ``"NonNeg"``, a registered ``"package>Name"``), a config dict, a class (instantiated with
    its defaults), a Constraint or any callable. Custom objects come before the built-ins.
    Anything else: ValueError.

    Example:
        >>> get("unit_norm").get_config()
        {'axis': 0}
    """
    if identifier is None:
        return None
    if isinstance(identifier, str):
        custom = find_custom([identifier])
        if custom is not None:
            return _instance(custom, identifier)
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
            raise unknown_object_error("constraint function", inner)
        return fn
    registered = config.get("registered_name")
    custom = find_custom([registered, class_name])
    if custom is not None:
        return _instance(custom, config, dict(inner or {}))
    cls = _CLASSES.get(class_name) or _SNAKE.get(class_name)
    if cls is None:
        raise unknown_object_error("constraint class", registered or class_name)
    return cls.from_config(dict(inner or {}))


def deserialize(config: Any, custom_objects: dict[str, Any] | None = None) -> Any:
    """A constraint from its saved config (or name); ``custom_objects`` come first.

    Example:
        >>> deserialize({"class_name": "MaxNorm", "config": {"max_value": 3}}).max_value
        3
    """
    with CustomObjectScope(custom_objects):
        return get(config)


def serialize(constraint: Any) -> Any:
    """The config Keras writes for a constraint: ``{"module": "keras.constraints",
    "class_name", "config", "registered_name"}`` for a built-in (a registered or custom class,
    a function: as ``regularizers.serialize``); None stays None.

    Example:
        >>> serialize(NonNeg())["class_name"]
        'NonNeg'
    """
    return serialize_object(constraint, "constraints")


for _cls in _CLASSES.values():
    register_builtin(_cls, "constraints")

__all__ = [
    "Constraint",
    "MaxNorm",
    "MinMaxNorm",
    "NonNeg",
    "UnitNorm",
    "deserialize",
    "get",
    "max_norm",
    "min_max_norm",
    "non_neg",
    "serialize",
    "unit_norm",
]
