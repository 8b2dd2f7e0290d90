"""Op functions by name, and how a call with symbolic arguments becomes a graph node.

Keras 3 code calls ``keras.ops`` functions on the symbolic tensors of a functional model
(``x = ops.mean(inputs, axis=1)``) and uses operators on them (``inputs * 2``, ``x[:, 0]``).
Each such call becomes a node of the graph: an ``OpLayer`` (ember.layers.op_layer) that runs
the op by name when the model runs. This module is the registry those names resolve in (only
ember's own op functions are in it, so a saved model never names code to import) and the
decorator that routes a symbolic call there. It imports nothing from layers or models.

Example:
    >>> from ember.ops import dispatch
    >>> dispatch.get_op("add") is not None
    True
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

__all__ = ["get_op", "has_symbolic", "op_names", "public_op", "register", "symbolic_call"]

# Op name -> the eager function (Tensors and arrays in, Tensors out).
_OPS: dict[str, Callable[..., Any]] = {}


def register(name: str, fn: Callable[..., Any]) -> None:
    """Make ``fn`` the eager function of the op ``name`` (a later registration replaces an
    earlier one: the public ``ember.ops`` functions take over the internal ones)."""
    _OPS[name] = fn


def get_op(name: str) -> Callable[..., Any]:
    """The eager function of the op ``name``; ValueError for a name ember does not have.
    The public ``ember.ops`` namespace is loaded first, so a name always means its public op
    (never the internal function registered before it)."""
    import ember.ops

    ember.ops._load()
    try:
        return _OPS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"Unknown op {name!r}: a graph node can only run one of ember's ops"
        ) from None


def op_names() -> list[str]:
    """Every registered op name, sorted."""
    return sorted(_OPS)


def _is_symbolic(value: Any) -> bool:
    # SymbolicTensor sets this class attribute; testing it avoids importing ember.layers here.
    return getattr(type(value), "_ember_symbolic", False)


def has_symbolic(args: tuple, kwargs: dict) -> bool:
    """Whether a symbolic tensor is among the arguments (top level, or inside a list or tuple
    argument such as ``concatenate([a, b])``)."""
    for value in (*args, *kwargs.values()):
        if _is_symbolic(value):
            return True
        if isinstance(value, (list, tuple)) and any(_is_symbolic(v) for v in value):
            return True
    return False


def symbolic_call(name: str, args: tuple, kwargs: dict) -> Any:
    """Add a node running op ``name`` on these (partly symbolic) arguments to the graph and
    return its symbolic output(s)."""
    from ember.layers.op_layer import OpLayer

    return OpLayer(name)(*args, **kwargs)


def public_op(fn: Callable[..., Any] | None = None, *, name: str | None = None) -> Any:
    """Decorator for a public op function: registers it under ``name`` (default: its own
    name) and makes a call with symbolic arguments add a graph node instead of computing.

    Example:
        >>> @public_op
        ... def twice(x):
        ...     return x * 2
        >>> float(twice(ember.tensor(1.5)).numpy())
        3.0
    """

    def wrap(f: Callable[..., Any]) -> Callable[..., Any]:
        op_name = name or f.__name__
        register(op_name, f)

        @functools.wraps(f)
        def op(*args: Any, **kwargs: Any) -> Any:
            if has_symbolic(args, kwargs):
                return symbolic_call(op_name, args, kwargs)
            return f(*args, **kwargs)

        op.op_name = op_name  # type: ignore[attr-defined]
        return op

    return wrap(fn) if fn is not None else wrap
