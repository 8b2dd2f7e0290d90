"""``Lambda``: wraps a function of the inputs as a layer.

Saving records the function by name only (its built-in or registered name, or
``__name__``); ember never stores code and never runs code from a config. Loading a
``Lambda`` therefore finds its function by that name through ``custom_objects``, the active
``custom_object_scope``, registered objects (``@ember.saving.register_keras_serializable()``)
or ember's built-in functions; a Python ``lambda`` (which has no name), or a Keras file that
holds one as bytecode, cannot be loaded and raises ValueError saying so.

Example:
    >>> def double(x):
    ...     return x * 2
    >>> ember.layers.Lambda(double)(np.array([[1.0, 2.0]])).numpy()
    array([[2., 4.]], dtype=float32)
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from ember.autograd import Tensor
from ember.layers.base import Layer
from ember.layers.node import map_structure
from ember.saving import serialization_lib

_LAMBDA_REFUSED = (
    "Lambda.from_config: the config's `{what}` is a Python lambda ({detail}). ember never "
    "stores or runs code from a config, so it cannot be rebuilt. Replace the lambda by a named "
    "function (def ...), and pass that function in `custom_objects` when loading (or register "
    "it with `@ember.saving.register_keras_serializable()`)."
)


def _takes(fn: Callable, arg: str) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return arg in params


def _serialize_function(fn: Callable) -> dict:
    """``{"class_name": "function", "config": name, ...}``, or a ``__lambda__`` marker
    without code for a Python lambda (which has no name to load it by)."""
    if getattr(fn, "__name__", None) == "<lambda>":
        return {"class_name": "__lambda__", "config": {"name": "<lambda>"}}
    return serialization_lib.serialize_keras_object(fn)


def _deserialize_function(
    config: Any, what: str, custom_objects: Mapping[str, Any] | None
) -> Callable:
    """The function a config names, found by name only; never code."""
    if isinstance(config, Mapping) and config.get("class_name") == "__lambda__":
        inner = config.get("config")
        detail = (
            "saved by Keras as bytecode"
            if isinstance(inner, Mapping) and "code" in inner
            else "saved without a name"
        )
        raise ValueError(_LAMBDA_REFUSED.format(what=what, detail=detail))
    if isinstance(config, str):
        config = {"class_name": "function", "config": config}
    if not (isinstance(config, Mapping) and config.get("class_name") == "function"):
        raise ValueError(
            f"Lambda.from_config: `{what}` must name a function ({{'class_name': 'function', "
            f"'config': name}} or a name); received {str(config)[:200]}"
        )
    try:
        fn = serialization_lib.deserialize_keras_object(dict(config), custom_objects)
    except ValueError as err:
        raise ValueError(
            f"Lambda.from_config: cannot find the function {config.get('config')!r} given as "
            f"`{what}`. ember looks functions up by name only and never loads code. {err}"
        ) from None
    if not callable(fn):
        raise ValueError(f"Lambda.from_config: `{what}` resolved to {fn!r}, not a function")
    return fn


class Lambda(Layer):
    """Applies ``function(inputs, **arguments)``; the function also receives ``mask=`` and
    ``training=`` when its signature names them.

    ``output_shape`` is a shape without the batch axis (a tuple), or a function of the full
    input shape; when None, the output shape is found by running the function on stand-in
    data. ``mask`` is None (the layer outputs no mask), a function ``mask(inputs,
    previous_mask)``, or a fixed mask.

    Example:
        >>> def scale(x, factor):
        ...     return x * factor
        >>> layer = ember.layers.Lambda(scale, arguments={"factor": 3.0})
        >>> layer(np.array([[1.0, 2.0]])).numpy(), layer.get_config()["function"]["config"]
        (array([[3., 6.]], dtype=float32), 'scale')
    """

    def __init__(
        self,
        function: Callable,
        output_shape: Any = None,
        mask: Any = None,
        arguments: dict | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(
                f"Lambda: `function` must be callable, received function={function!r} "
                f"(of type {type(function).__name__})"
            )
        if arguments is not None and not isinstance(arguments, Mapping):
            raise TypeError(
                f"Lambda: `arguments` must be a dict of keyword arguments, received "
                f"arguments={arguments!r}"
            )
        if output_shape is not None and not callable(output_shape):
            output_shape = _as_shape(output_shape)
        self.function = function
        self.arguments = dict(arguments or {})
        self.mask = mask
        self.supports_masking = mask is not None
        self._output_shape = output_shape
        self._fn_expects_training_arg = _takes(function, "training")
        self._fn_expects_mask_arg = _takes(function, "mask")

    def _traces_output(self) -> bool:
        return self._output_shape is None

    def call(self, inputs: Any, mask: Any = None, training: bool | None = None) -> Any:
        kwargs = dict(self.arguments)
        if self._fn_expects_mask_arg:
            kwargs["mask"] = mask
        if self._fn_expects_training_arg:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def compute_output_shape(self, input_shape: Any) -> Any:
        if self._output_shape is None:
            from ember.autograd import no_grad
            from ember.layers.node import flatten

            # Run the function on zeros with size 1 for unknown axes (what tracing does).
            def stand_in(shape: Any) -> Tensor:
                import numpy as np

                return Tensor(np.zeros(tuple(1 if d is None else d for d in shape), np.float32))

            sample = _map_shapes(stand_in, input_shape)
            with no_grad():
                out = self.call(sample)
            shapes = map_structure(lambda t: tuple(t.shape), out)
            batch = flatten(_map_shapes(lambda s: s[0] if s else None, input_shape))
            if batch and batch[0] is None:
                shapes = _map_shapes(lambda s: (None, *s[1:]) if s else s, shapes)
            return shapes
        if callable(self._output_shape):
            return self._output_shape(input_shape)
        first = input_shape
        while isinstance(first, (list, tuple)) and first and isinstance(first[0], (list, tuple)):
            first = first[0]
        batch = first[0] if first else None
        return _map_shapes(lambda s: (batch, *s), self._output_shape)

    def get_config(self) -> dict:
        config = {**super().get_config(), "function": _serialize_function(self.function)}
        if self._output_shape is not None:
            config["output_shape"] = (
                _serialize_function(self._output_shape)
                if callable(self._output_shape)
                else _shape_lists(self._output_shape)
            )
        if self.mask is not None:
            config["mask"] = (
                _serialize_function(self.mask)
                if callable(self.mask)
                else serialization_lib.serialize_keras_object(self.mask)
            )
        config["arguments"] = serialization_lib.serialize_keras_object(self.arguments)
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects: Mapping[str, Any] | None = None) -> Lambda:
        config = dict(config)
        if "function" not in config:
            raise ValueError("Lambda.from_config: the config has no `function`")
        config["function"] = _deserialize_function(config["function"], "function", custom_objects)
        shape = config.get("output_shape")
        if _names_function(shape):
            config["output_shape"] = _deserialize_function(shape, "output_shape", custom_objects)
        mask = config.get("mask")
        if _names_function(mask):
            config["mask"] = _deserialize_function(mask, "mask", custom_objects)
        elif mask is not None:
            config["mask"] = serialization_lib.deserialize_keras_object(mask, custom_objects)
        if config.get("arguments") is not None:
            config["arguments"] = serialization_lib.deserialize_keras_object(
                config["arguments"], custom_objects
            )
        return cls(**config)


def _names_function(value: Any) -> bool:
    return isinstance(value, Mapping) and value.get("class_name") in ("function", "__lambda__")


def _is_shape(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and all(
        v is None or (isinstance(v, int) and not isinstance(v, bool)) for v in value
    )


def _as_shape(value: Any) -> Any:
    """A shape (tuple) or a nested list/tuple of shapes, from tuples or JSON lists."""
    if _is_shape(value):
        return tuple(value)
    if isinstance(value, (list, tuple)) and value:
        return [_as_shape(v) for v in value]
    raise TypeError(
        f"Lambda: `output_shape` must be a shape tuple (without the batch axis), a list of "
        f"them or a function; received output_shape={value!r}"
    )


def _map_shapes(fn: Callable, shapes: Any) -> Any:
    if _is_shape(shapes):
        return fn(tuple(shapes))
    return [_map_shapes(fn, s) for s in shapes]


def _shape_lists(shapes: Any) -> Any:
    if _is_shape(shapes):
        return list(shapes)
    return [_shape_lists(s) for s in shapes]
