"""Objects to plain JSON-able configs and back, through the registry.

``serialize_keras_object`` / ``deserialize_keras_object`` handle any ember object with a
``get_config`` (layers, models, losses, metrics, optimizers, initializers), functions, numpy
arrays and nested lists/dicts of them, in Keras 3's config shape (``module``,
``class_name``, ``config``, ``registered_name``). ``serialize_layer`` /
``deserialize_layer`` write and read the layer entries of ember's model files.

Names resolve only through ``object_registration`` (custom_objects, scope, registered
objects, ember's built-ins): the ``module`` field of a config is read as a hint of the kind
of object (``keras.losses`` -> a loss) and is never imported, and no string is ever run as
code (a serialized lambda is refused).

This module imports nothing from ``ember.layers`` or ``ember.models`` at import time.

Example:
    >>> config = ember.saving.serialize_keras_object(ember.layers.Dense(3))
    >>> config["class_name"], config["config"]["units"]
    ('Dense', 3)
    >>> ember.saving.deserialize_keras_object(config).units
    3
"""

from __future__ import annotations

import importlib
import inspect
import types
from collections.abc import Mapping
from typing import Any

import numpy as np

from ember.saving.object_registration import (
    _CUSTOM_NAMES,
    CustomObjectScope,
    builtin_name,
    builtin_objects,
    get_registered_name,
    get_registered_object,
    resolve,
    unknown_object_error,
)

PLAIN_TYPES = (str, int, float, bool)

# Kinds of built-ins, and ember's own module whose import registers each kind. A config's
# `module` only ever selects a key of this table; the module imported is always ember's.
_KIND_MODULES: dict[str, tuple[str, ...]] = {
    "layers": ("ember.layers", "ember.models"),
    "activations": ("ember.activations",),
    "initializers": ("ember.initializers",),
    "losses": ("ember.losses",),
    "metrics": ("ember.metrics",),
    "optimizers": ("ember.optimizers",),
    "regularizers": ("ember.regularizers",),
    "constraints": ("ember.constraints",),
}
_KIND_OF_MODULE_PART = {**{k: k for k in _KIND_MODULES}, "models": "layers"}
# Searched in this order for a class config without a (known) module.
_CLASS_KINDS = (
    "layers",
    "losses",
    "metrics",
    "optimizers",
    "initializers",
    "regularizers",
    "constraints",
)
# Searched in this order for a function named in a config (as Keras' built-in modules).
_FUNCTION_KINDS = ("activations", "losses", "metrics")


def builtins_of(kind: str) -> Mapping[str, Any]:
    """ember's built-ins of ``kind`` (importing ember's module for that kind first)."""
    for module in _KIND_MODULES[kind]:
        importlib.import_module(module)
    return builtin_objects(kind)


def _resolve_kind(
    names: tuple[Any, ...], kind: str, custom_objects: Mapping[str, Any] | None
) -> Any:
    """``resolve`` for ``kind``, importing ember's modules of that kind one at a time until
    one knows the name (a layer config imports ember.models only when it names a model)."""
    found = None
    for module in _KIND_MODULES[kind]:
        importlib.import_module(module)
        found = resolve(names, kind, custom_objects)
        if found is not None:
            break
    return found


def _kind_of_module(module: Any) -> str | None:
    """The kind named by a config's ``module`` hint, e.g. 'keras.src.losses.losses' ->
    'losses'; None when the hint names no kind ember has (a user's module, 'builtins')."""
    if not isinstance(module, str):
        return None
    parts = module.split(".")
    if parts[0] not in ("keras", "ember", "tf_keras"):
        return None
    rest = parts[2:] if parts[1:2] == ["src"] else parts[1:]
    if not rest:  # "keras" itself: Keras writes it for Sequential and Functional
        return "layers"
    return _KIND_OF_MODULE_PART.get(rest[0])


class FromConfigError(TypeError):
    """A class's from_config rejected its own config (a TypeError, as in Keras)."""


def _from_config(cls: Any, config: dict, custom_objects: Mapping[str, Any] | None) -> Any:
    """``cls.from_config(config)``, passing custom_objects where from_config takes it, inside
    a scope that makes custom_objects visible to nested lookups (wrapped layers,
    activations, initializers)."""
    from_config = cls.from_config
    try:
        takes = "custom_objects" in inspect.signature(from_config).parameters
    except (TypeError, ValueError):
        takes = False
    with CustomObjectScope(custom_objects):
        try:
            if takes:
                return from_config(config, custom_objects=custom_objects)
            return from_config(config)
        except FromConfigError:
            raise  # from a nested object: already says which class and config
        except TypeError as exc:
            raise FromConfigError(
                f"{cls.__name__}.from_config could not rebuild the object from its config "
                f"({exc}). The config holds what {cls.__name__}.get_config returned; its "
                "keys must be arguments of __init__ (or override from_config). "
                f"Config: {str(config)[:300]}"
            ) from exc


def _check_class(obj: Any, what: str, name: str) -> None:
    if not (isinstance(obj, type) and callable(getattr(obj, "from_config", None))):
        raise TypeError(
            f"The {what} '{name}' resolved to {obj!r}, which is not a class with a "
            "from_config() method, so it cannot be rebuilt from a config"
        )


# ---------------------------------------------------------------------- layers
def serialize_layer(layer: Any) -> dict:
    """The entry of one layer (or model) in ember's model files: ``class_name`` (the
    built-in name, else the class name), ``config`` (``get_config()``), ``name`` (the layer's
    name, kept here too so a graph still links up when get_config leaves it out) and
    ``registered_name`` for a registered custom class.

    Example:
        >>> entry = serialize_layer(ember.layers.Dense(2, name="out"))
        >>> entry["class_name"], entry["name"]
        ('Dense', 'out')
    """
    cls = type(layer)
    entry: dict[str, Any] = {
        "class_name": builtin_name(cls) or cls.__name__,
        "config": layer.get_config(),
        "name": layer.name,
    }
    if cls in _CUSTOM_NAMES:
        entry["registered_name"] = _CUSTOM_NAMES[cls]
    return entry


def deserialize_layer(data: Any, custom_objects: Mapping[str, Any] | None = None) -> Any:
    """Rebuild a layer (or model) from ``serialize_layer``'s entry, or from a Keras-shaped
    ``{"class_name", "config", "registered_name"}`` dict.

    The class is looked up by ``registered_name`` and ``class_name`` in custom_objects, the
    active scope, the registered objects, then ember's built-in layers and models. A layer
    whose config has no ``name`` gets the entry's ``name``.

    Example:
        >>> deserialize_layer({"class_name": "Dense", "config": {"units": 2}}).units
        2
    """
    if not isinstance(data, Mapping) or not isinstance(data.get("class_name"), str):
        raise ValueError(
            "Invalid layer config: expected a dict with a 'class_name' string and a 'config' "
            f"dict; received {str(data)[:200]}"
        )
    class_name = data["class_name"]
    cls = _resolve_kind((data.get("registered_name"), class_name), "layers", custom_objects)
    if cls is None:
        raise unknown_object_error("layer class", data.get("registered_name") or class_name)
    _check_class(cls, "layer class", class_name)
    config = data.get("config")
    if config is None:
        config = {}
    if not isinstance(config, Mapping):
        raise ValueError(
            f"Invalid config of layer class '{class_name}': expected a dict; received "
            f"{str(config)[:200]}"
        )
    layer = _from_config(cls, dict(config), custom_objects)
    name = data.get("name")
    if isinstance(name, str) and "name" not in config and hasattr(layer, "name"):
        layer.name = name
    return layer


# ---------------------------------------------------------------------- any object
def serialize_keras_object(obj: Any) -> Any:
    """A JSON-able config of ``obj``, the reverse of ``deserialize_keras_object``.

    Objects with ``get_config`` become ``{"module", "class_name", "config",
    "registered_name"}``; functions become ``{"class_name": "function", "config": name}``
    (their registered name when registered); numpy arrays, lists, tuples and dicts are
    converted element by element; None and plain values stay as they are.

    Example:
        >>> ember.saving.serialize_keras_object(ember.activations.relu)["config"]
        'relu'
        >>> ember.saving.serialize_keras_object(ember.losses.MeanSquaredError())["class_name"]
        'MeanSquaredError'
    """
    if obj is None or isinstance(obj, PLAIN_TYPES):
        return obj
    if isinstance(obj, (list, tuple)):
        items = [serialize_keras_object(x) for x in obj]
        return tuple(items) if isinstance(obj, tuple) else items
    if isinstance(obj, Mapping):
        return {str(k): serialize_keras_object(v) for k, v in obj.items()}
    if isinstance(obj, np.ndarray):
        return {
            "class_name": "__numpy__",
            "config": {"value": obj.tolist(), "dtype": obj.dtype.name},
        }
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, bytes):
        return {"class_name": "__bytes__", "config": {"value": obj.decode("utf-8")}}
    if inspect.isclass(obj):
        raise TypeError(
            f"serialize_keras_object: cannot serialize the class {obj.__name__} itself; "
            "pass an instance"
        )
    if hasattr(obj, "get_config"):
        cls = type(obj)
        return {
            "module": cls.__module__,
            "class_name": builtin_name(cls) or cls.__name__,
            "config": serialize_keras_object(obj.get_config()),
            "registered_name": _CUSTOM_NAMES.get(cls),
        }
    if callable(obj):
        return {
            "module": "builtins",
            "class_name": "function",
            "config": function_name(obj),
            "registered_name": "function",
        }
    raise TypeError(
        f"serialize_keras_object: cannot serialize {obj!r} (of type {type(obj).__name__}): "
        "expected a value, a list/dict of values, a function or an object with get_config()"
    )


def function_name(fn: Any) -> str:
    """The name a function is saved under: ember's built-in name, its registered
    ``"package>name"``, or its ``__name__``. A lambda cannot be saved (ember never stores
    code), so it raises ValueError.

    Example:
        >>> function_name(ember.activations.tanh)
        'tanh'
    """
    name = builtin_name(fn)
    if name is not None:
        return name
    name = get_registered_name(fn) if hasattr(fn, "__name__") else None
    if not isinstance(name, str) or name == "<lambda>":
        raise ValueError(
            f"Cannot save {fn!r}: ember saves functions by name and never stores code. Use a "
            "named function (def ...), and register it with "
            "`@ember.saving.register_keras_serializable()` or pass it in `custom_objects` "
            "when loading."
        )
    return name


def deserialize_keras_object(
    config: Any,
    custom_objects: Mapping[str, Any] | None = None,
    safe_mode: bool = True,
    **kwargs: Any,
) -> Any:
    """Rebuild what ``serialize_keras_object`` (or Keras 3) wrote.

    Class and function names resolve through ``custom_objects``, the active
    ``custom_object_scope``, registered objects, then ember's built-ins of the kind the
    ``module`` hint names (layers and models when there is none). An unknown name raises
    ValueError saying how to make it known. ``safe_mode`` is accepted for Keras
    compatibility: ember never deserializes code, whatever its value.

    Example:
        >>> layer = ember.saving.deserialize_keras_object(
        ...     {"class_name": "Dense", "config": {"units": 4}}
        ... )
        >>> layer.units
        4
    """
    module_objects = kwargs.pop("module_objects", None)
    if kwargs:
        raise TypeError(f"deserialize_keras_object: unexpected argument(s) {sorted(kwargs)}")
    if config is None:
        return None
    if isinstance(config, str):
        found = get_registered_object(config, custom_objects, module_objects)
        return config if found is None else found
    if isinstance(config, PLAIN_TYPES):
        return config
    if isinstance(config, (list, tuple)):
        return [deserialize_keras_object(x, custom_objects, safe_mode) for x in config]
    if not isinstance(config, Mapping):
        raise TypeError(f"deserialize_keras_object: cannot read the config {config!r}")
    if "class_name" not in config or "config" not in config:
        return {
            k: deserialize_keras_object(v, custom_objects, safe_mode) for k, v in config.items()
        }
    class_name = config["class_name"]
    inner = config["config"] if config["config"] is not None else {}
    if not isinstance(class_name, str):
        raise ValueError(f"Invalid config: 'class_name' must be a string; received {class_name!r}")
    if class_name.startswith("__") and class_name.endswith("__"):
        return _special(class_name, inner)
    if class_name == "function":
        return _function(inner, config, custom_objects, module_objects)
    if not isinstance(inner, Mapping):
        raise TypeError(
            f"Invalid config of '{class_name}': 'config' must be a dict; received {inner!r}"
        )
    registered = config.get("registered_name")
    obj = _lookup_class((registered, class_name), config.get("module"), custom_objects)
    if obj is None and module_objects is not None:
        obj = module_objects.get(class_name)
    if obj is None:
        raise unknown_object_error("class", registered or class_name)
    if isinstance(obj, types.FunctionType):
        return obj
    _check_class(obj, "class", class_name)
    return _from_config(obj, dict(inner), custom_objects)


def _lookup_class(
    names: tuple[Any, ...], module: Any, custom_objects: Mapping[str, Any] | None
) -> Any:
    kind = _kind_of_module(module)
    if kind is not None:
        return _resolve_kind(names, kind, custom_objects)
    found = resolve(names, "", custom_objects)  # custom sources only
    if found is not None or module is not None:
        return found  # a user's module: never ember's built-ins by coincidence of name
    class_name = names[-1]
    for kind in _CLASS_KINDS:
        obj = builtins_of(kind).get(class_name)
        if obj is not None:
            return obj
    return None


def _function(
    name: Any,
    config: Mapping[str, Any],
    custom_objects: Mapping[str, Any] | None,
    module_objects: Mapping[str, Any] | None,
) -> Any:
    if not isinstance(name, str):
        raise TypeError(
            f"Invalid function config: 'config' must be the function's name; received {name!r}"
        )
    found = get_registered_object(name, custom_objects, module_objects)
    if found is not None:
        return found
    kind = _kind_of_module(config.get("module"))
    for k in (kind,) if kind in _FUNCTION_KINDS else _FUNCTION_KINDS:
        fn = builtins_of(k).get(name)
        if fn is not None and not inspect.isclass(fn):
            return fn
    raise unknown_object_error("function", name)


_NUMERIC_KINDS = frozenset("biuf")


def _special(class_name: str, inner: Any) -> Any:
    if class_name == "__numpy__":
        dtype = np.dtype(str(inner.get("dtype", "float32")))
        if dtype.kind not in _NUMERIC_KINDS:
            raise ValueError(f"Refusing a numpy array of dtype {dtype} in a config")
        return np.array(inner["value"], dtype=dtype)
    if class_name == "__bytes__":
        return str(inner["value"]).encode("utf-8")
    if class_name == "__lambda__":
        raise ValueError(
            "The config holds a serialized Python lambda. ember never runs code from a "
            "config, whatever `safe_mode` says: replace the lambda by a named function and "
            "pass it in `custom_objects` (or register it)."
        )
    raise ValueError(f"Unknown special object '{class_name}' in the config")
