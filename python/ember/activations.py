"""Activation functions by Keras name, applied to ember Tensors.

Example:
    >>> from ember import activations
    >>> activations.get("relu")(ember.tensor([-1.0, 1.0])).numpy()
    array([0., 1.], dtype=float32)
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from ember.autograd import Tensor
from ember.ops import activations as act_ops
from ember.saving.object_registration import (
    CustomObjectScope,
    get_registered_object,
    register_builtin,
)


def linear(x: Any) -> Tensor:
    return act_ops.activation(x, "linear")


def relu(
    x: Any, negative_slope: float = 0.0, max_value: float | None = None, threshold: float = 0.0
) -> Tensor:
    return act_ops.relu(x, negative_slope, max_value, threshold)


def relu6(x: Any) -> Tensor:
    return act_ops.activation(x, "relu6")


def sigmoid(x: Any) -> Tensor:
    return act_ops.activation(x, "sigmoid")


def tanh(x: Any) -> Tensor:
    return act_ops.activation(x, "tanh")


def softmax(x: Any, axis: int = -1) -> Tensor:
    return act_ops.softmax(x, axis)


def log_softmax(x: Any, axis: int = -1) -> Tensor:
    return act_ops.log_softmax(x, axis)


def elu(x: Any, alpha: float = 1.0) -> Tensor:
    return act_ops.activation(x, "elu", alpha)


def selu(x: Any) -> Tensor:
    return act_ops.activation(x, "selu")


def softplus(x: Any) -> Tensor:
    return act_ops.activation(x, "softplus")


def softsign(x: Any) -> Tensor:
    return act_ops.activation(x, "softsign")


def silu(x: Any) -> Tensor:
    return act_ops.activation(x, "swish")


swish = silu


def gelu(x: Any, approximate: bool = False) -> Tensor:
    return act_ops.activation(x, "gelu_tanh" if approximate else "gelu")


def leaky_relu(x: Any, negative_slope: float = 0.2) -> Tensor:
    return act_ops.activation(x, "leaky_relu", negative_slope)


def hard_sigmoid(x: Any) -> Tensor:
    return act_ops.activation(x, "hard_sigmoid")


def exponential(x: Any) -> Tensor:
    return act_ops.activation(x, "exponential")


def mish(x: Any) -> Tensor:
    """x * tanh(softplus(x))."""
    return act_ops.to_float(x) * tanh(softplus(x))


def hard_silu(x: Any) -> Tensor:
    """x * hard_sigmoid(x) (also called hard_swish)."""
    return act_ops.to_float(x) * hard_sigmoid(x)


hard_swish = hard_silu


def log_sigmoid(x: Any) -> Tensor:
    """log(sigmoid(x)) = -softplus(-x), stable for large |x|."""
    return -softplus(-act_ops.to_float(x))


_BY_NAME: dict[str, Callable[..., Tensor]] = {
    "linear": linear,
    "relu": relu,
    "relu6": relu6,
    "sigmoid": sigmoid,
    "tanh": tanh,
    "softmax": softmax,
    "log_softmax": log_softmax,
    "elu": elu,
    "selu": selu,
    "softplus": softplus,
    "softsign": softsign,
    "swish": swish,
    "silu": silu,
    "gelu": gelu,
    "leaky_relu": leaky_relu,
    "hard_sigmoid": hard_sigmoid,
    "exponential": exponential,
    "mish": mish,
    "hard_silu": hard_silu,
    "hard_swish": hard_swish,
    "log_sigmoid": log_sigmoid,
}


def get(identifier: Any) -> Callable[..., Tensor]:
    """Resolve None, a Keras activation name, a config or a callable to a callable.

    A name that is not a built-in is looked up among custom objects (the active
    ``custom_object_scope``, then ``register_keras_serializable`` registrations), which also
    take precedence over a built-in of the same name.

    Example:
        >>> activations.get(None) is activations.linear
        True
    """
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        custom = get_registered_object(identifier)
        if custom is not None:
            if not callable(custom):
                raise TypeError(
                    f"The custom object '{identifier}' is {custom!r}, which is not callable, "
                    "so it cannot be an activation"
                )
            return custom
        fn = _BY_NAME.get(identifier.lower())
        if fn is None:
            raise ValueError(
                f"Unknown activation '{identifier}'; expected one of {sorted(_BY_NAME)} or a "
                "callable. A custom activation loads when it is passed in `custom_objects`, "
                "registered with `@ember.saving.register_keras_serializable()` or given in a "
                "`custom_object_scope`."
            )
        return fn
    if isinstance(identifier, dict):
        from ember.saving.serialization_lib import deserialize_keras_object

        fn = deserialize_keras_object(identifier)
        if not callable(fn):
            raise TypeError(f"The config {identifier!r} does not describe an activation")
        return fn
    if callable(identifier):
        return identifier
    raise TypeError(f"activation must be a string, a callable or None, received {identifier!r}")


def deserialize(config: Any, custom_objects: dict[str, Any] | None = None) -> Callable[..., Tensor]:
    """An activation from its saved name or config; ``custom_objects`` come first.

    Example:
        >>> activations.deserialize("tanh") is activations.tanh
        True
    """
    with CustomObjectScope(custom_objects):
        return get(config)


def serialize(fn: Any) -> Any:
    """What a config stores for an activation: the Keras name of a built-in, else the
    registered ``"package>name"`` or the ``__name__`` of a custom function (loading it then
    needs registration or ``custom_objects``), or the config dict of a callable object with
    ``get_config``. A lambda cannot be saved.

    Example:
        >>> activations.serialize(activations.relu)
        'relu'
    """
    name = name_of(fn)
    if name is not None:
        return name
    from ember.saving.serialization_lib import function_name, serialize_keras_object

    if not inspect.isroutine(fn) and hasattr(fn, "get_config"):
        return serialize_keras_object(fn)
    try:
        return function_name(fn)
    except ValueError:
        raise ValueError(
            f"Cannot serialize the custom activation {fn!r}: a config saves activations by "
            "name, so use a named function (register it with "
            "`@ember.saving.register_keras_serializable()` to reload it without "
            "custom_objects)"
        ) from None


def name_of(fn: Callable[..., Tensor]) -> str | None:
    """The Keras name of a built-in activation fn, or None for a custom callable (a user's
    own function named like a built-in, e.g. ``def swish(x)``, is custom)."""
    for name, f in _BY_NAME.items():
        if f is fn:
            return name
    name = getattr(fn, "__name__", None)
    module = getattr(fn, "__module__", None) or ""
    return name if name in _BY_NAME and module.startswith("ember.") else None


for _name, _fn in _BY_NAME.items():
    register_builtin(_fn, "activations", name=_name)
