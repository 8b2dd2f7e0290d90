"""Activation functions by Keras name, applied to ember Tensors.

Example:
    >>> from ember import activations
    >>> activations.get("relu")(ember.tensor([-1.0, 1.0])).numpy()
    array([0., 1.], dtype=float32)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ember.autograd import Tensor
from ember.ops import activations as act_ops


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
    return act_ops.to_tensor(x) * tanh(softplus(x))


def hard_silu(x: Any) -> Tensor:
    """x * hard_sigmoid(x) (also called hard_swish)."""
    return act_ops.to_tensor(x) * hard_sigmoid(x)


hard_swish = hard_silu


def log_sigmoid(x: Any) -> Tensor:
    """log(sigmoid(x)) = -softplus(-x), stable for large |x|."""
    return -softplus(-act_ops.to_tensor(x))


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
    """Resolve None, a Keras activation name or a callable to a callable.

    Example:
        >>> activations.get(None) is activations.linear
        True
    """
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        fn = _BY_NAME.get(identifier.lower())
        if fn is None:
            raise ValueError(
                f"Unknown activation '{identifier}'; expected one of {sorted(_BY_NAME)} or a "
                "callable"
            )
        return fn
    if callable(identifier):
        return identifier
    raise TypeError(f"activation must be a string, a callable or None, received {identifier!r}")


def serialize(fn: Callable[..., Tensor]) -> str:
    """The Keras name of an activation function (for get_config)."""
    for name, f in _BY_NAME.items():
        if f is fn:
            return name
    name = getattr(fn, "__name__", None)
    if name in _BY_NAME:
        return name
    raise ValueError(
        f"Cannot serialize the custom activation {fn!r}: only named Keras activations can be "
        "saved in a config"
    )


def name_of(fn: Callable[..., Tensor]) -> str | None:
    """The Keras name of fn, or None for a custom callable."""
    try:
        return serialize(fn)
    except ValueError:
        return None
