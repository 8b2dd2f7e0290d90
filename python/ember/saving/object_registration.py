"""The names a saved config may use, and the classes and functions they stand for.

Four sources answer a name, in this order (the first that knows it wins):

1. the ``custom_objects`` dict passed to the call (``load_model(..., custom_objects=...)``),
2. the active ``custom_object_scope`` (nested scopes add to the outer ones),
3. objects registered with ``@register_keras_serializable()`` (or put into
   ``get_custom_objects()``), under ``"package>Name"``,
4. ember's built-ins of the kind asked for: every public ``Layer`` subclass defined in ember
   registers itself when its class is created (``Layer.__init_subclass__``), under its class
   name and Keras' aliases (``MaxPool2D``, ``Convolution2D``, ...).

A user's ``Layer`` subclass is *not* resolvable just because it subclasses ``Layer``: as in
Keras it needs registration, ``custom_objects`` or a scope. Nothing here imports a module or
evaluates a string; a name either maps to an object already known or it is unknown.

This module is a leaf: it imports only the standard library, so layers, models, losses and
the rest can all depend on it.

Example:
    >>> @ember.saving.register_keras_serializable(package="demo")
    ... class Scale(ember.layers.Layer):
    ...     def get_config(self):
    ...         return super().get_config()
    >>> ember.saving.get_registered_name(Scale)
    'demo>Scale'
    >>> ember.saving.get_registered_object("demo>Scale") is Scale
    True
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any, TypeVar

T = TypeVar("T")

# "package>Name" -> object, and back; get_custom_objects() hands out the first, live.
_CUSTOM_OBJECTS: dict[str, Any] = {}
_CUSTOM_NAMES: dict[Any, str] = {}
# kind ("layers", "losses", ...) -> name -> ember's own object of that kind.
_BUILTINS: dict[str, dict[str, Any]] = {}
# ember's own object -> the name its configs are written under (e.g. Model -> "Functional").
_BUILTIN_NAMES: dict[Any, str] = {}
_scope = threading.local()  # .objects: the merged dict of the active custom_object_scopes


# ---------------------------------------------------------------------- built-ins
def register_builtin(
    obj: Any, kind: str, name: str | None = None, aliases: Iterable[str] = ()
) -> None:
    """Record one of ember's own classes or functions as a built-in of ``kind``.

    ``name`` (default ``obj.__name__``) is the name configs are written under; ``aliases``
    are further names a config may use for it (Keras' ``MaxPool2D`` for ``MaxPooling2D``).
    For ember's modules only: user code registers with ``register_keras_serializable``.

    Example:
        >>> from ember.saving import object_registration
        >>> object_registration.builtin_objects("layers")["MaxPool2D"].__name__
        'MaxPooling2D'
    """
    table = _BUILTINS.setdefault(kind, {})
    primary = name or obj.__name__
    for key in (primary, *aliases):
        table[key] = obj
    _BUILTIN_NAMES[obj] = primary


def builtin_objects(kind: str) -> Mapping[str, Any]:
    """A read-only view of the built-ins of ``kind`` by name (empty for an unknown kind)."""
    return MappingProxyType(_BUILTINS.get(kind, {}))


def builtin_name(obj: Any) -> str | None:
    """The name configs use for one of ember's built-ins, or None if ``obj`` is not one."""
    try:
        return _BUILTIN_NAMES.get(obj)
    except TypeError:  # unhashable
        return None


# ---------------------------------------------------------------------- custom objects
class CustomObjectScope:
    """Makes custom classes and functions known to deserialization inside a ``with`` block.

    Inside ``with custom_object_scope({"MyLayer": MyLayer}):``, ``load_model``,
    ``Model.from_config``, ``layers.deserialize``, ``activations.get`` and the other lookups
    resolve the names in the dict. Scopes nest: an inner scope adds its names to those of the
    outer ones (and wins where they clash); leaving it restores the outer set exactly. The
    scope is per thread, as in Keras.

    Example:
        >>> def double(x):
        ...     return x * 2
        >>> with ember.saving.custom_object_scope({"double": double}):
        ...     ember.activations.get("double") is double
        True
    """

    def __init__(self, custom_objects: Mapping[str, Any] | None = None) -> None:
        if custom_objects is not None and not isinstance(custom_objects, Mapping):
            raise TypeError(
                "CustomObjectScope: `custom_objects` must be a dict of {name: object}; "
                f"received {custom_objects!r} (of type {type(custom_objects).__name__})"
            )
        self.custom_objects = dict(custom_objects or {})
        self._saved: list[dict[str, Any]] = []

    def __enter__(self) -> CustomObjectScope:
        outer = _scope_objects()
        self._saved.append(outer)
        _scope.objects = {**outer, **self.custom_objects}
        return self

    def __exit__(self, *exc: Any) -> None:
        _scope.objects = self._saved.pop()


# Keras exports the class under both names.
custom_object_scope = CustomObjectScope


def _scope_objects() -> dict[str, Any]:
    return getattr(_scope, "objects", {})


def get_custom_objects() -> dict[str, Any]:
    """The live global dict of registered custom objects (``"package>Name" -> object``).

    Entries added to it directly (``get_custom_objects()["swish2"] = fn``) are resolvable
    too. Names from ``custom_object_scope`` are not in it; ember's built-ins are not either.

    Example:
        >>> def triple(x):
        ...     return x * 3
        >>> ember.saving.get_custom_objects()["triple"] = triple
        >>> ember.activations.get("triple") is triple
        True
    """
    return _CUSTOM_OBJECTS


def register_keras_serializable(
    package: str = "Custom", name: str | None = None
) -> Callable[[T], T]:
    """A decorator that registers a class or function for saving and loading, under the
    name ``"package>name"`` (``name`` defaults to the object's ``__name__``).

    A registered class is found again by ``load_model`` and ``from_config`` without
    ``custom_objects``. Classes must define ``get_config``. Registering a name again replaces
    the earlier object, as in Keras (so re-running a notebook cell works).

    Example:
        >>> @ember.saving.register_keras_serializable()
        ... def squash(x):
        ...     return x / (1 + abs(x))
        >>> ember.saving.get_registered_name(squash)
        'Custom>squash'
    """
    if not isinstance(package, str):
        raise TypeError(
            "register_keras_serializable: `package` must be a string; received "
            f"{package!r} (of type {type(package).__name__}). Use the decorator with "
            "parentheses: `@register_keras_serializable()` or "
            "`@register_keras_serializable(package='my_package')`."
        )
    if name is not None and not isinstance(name, str):
        raise TypeError(
            f"register_keras_serializable: `name` must be a string or None; received "
            f"{name!r} (of type {type(name).__name__})"
        )

    def decorator(obj: T) -> T:
        if not (inspect.isclass(obj) or callable(obj)):
            raise TypeError(
                "register_keras_serializable can only register a class or a function; "
                f"received {obj!r} (of type {type(obj).__name__})"
            )
        if inspect.isclass(obj) and not hasattr(obj, "get_config"):
            raise ValueError(
                f"Cannot register the class {obj.__name__}: it has no get_config() method, so "
                "it could not be saved in a config."
            )
        object_name = name if name is not None else getattr(obj, "__name__", None)
        if not isinstance(object_name, str):
            raise TypeError(f"register_keras_serializable: {obj!r} has no __name__; pass `name=`")
        key = f"{package}>{object_name}"
        _CUSTOM_OBJECTS[key] = obj
        _CUSTOM_NAMES[obj] = key
        return obj

    return decorator


def get_registered_name(obj: Any) -> str:
    """The name ``obj`` is saved under: ``"package>Name"`` when it was registered with
    ``register_keras_serializable``, else its ``__name__``.

    Example:
        >>> ember.saving.get_registered_name(ember.layers.Dense)
        'Dense'
    """
    try:
        registered = _CUSTOM_NAMES.get(obj)
    except TypeError:  # unhashable
        registered = None
    if registered is not None:
        return registered
    return obj.__name__


def get_registered_object(
    name: str,
    custom_objects: Mapping[str, Any] | None = None,
    module_objects: Mapping[str, Any] | None = None,
) -> Any | None:
    """The object a saved name stands for, or None: looked up in ``custom_objects``, then
    the active ``custom_object_scope``, then the registered objects, then
    ``module_objects``. ember's built-ins are not consulted (as Keras: use
    ``layers.deserialize`` & co. for them).

    Example:
        >>> def halve(x):
        ...     return x / 2
        >>> ember.saving.get_registered_object("halve", custom_objects={"halve": halve}) is halve
        True
        >>> ember.saving.get_registered_object("nothing_by_this_name") is None
        True
    """
    if not isinstance(name, str):
        return None
    for source in (custom_objects, _scope_objects(), _CUSTOM_OBJECTS, module_objects):
        if source and name in source:
            return source[name]
    return None


def resolve(
    names: Iterable[str | None], kind: str, custom_objects: Mapping[str, Any] | None = None
) -> Any | None:
    """The object for the first of ``names`` a source knows, trying each source in order
    (custom_objects, scope, registered) for all names before ember's built-ins of ``kind``.
    None when nothing knows any of them."""
    wanted = [n for n in names if isinstance(n, str)]
    for source in (custom_objects, _scope_objects(), _CUSTOM_OBJECTS, _BUILTINS.get(kind)):
        if source:
            for n in wanted:
                if n in source:
                    return source[n]
    return None


def find_custom(
    names: Iterable[str | None], custom_objects: Mapping[str, Any] | None = None
) -> Any | None:
    """Like ``resolve`` without the built-ins: custom_objects, scope, registered objects."""
    return resolve(names, "", custom_objects)


def unknown_object_error(what: str, name: Any) -> ValueError:
    """The ValueError for a name nothing resolves, saying how to make it known."""
    shown = name if isinstance(name, str) else repr(name)
    short = shown.rsplit(">", 1)[-1] or "Name"
    return ValueError(
        f"Unknown {what} '{shown}'. ember never imports code named in a config: if it is "
        f"your own, pass it as `custom_objects={{'{shown}': {short}}}`, decorate it with "
        "`@ember.saving.register_keras_serializable()` before loading, or load inside "
        f"`with ember.saving.custom_object_scope({{'{shown}': {short}}}):`."
    )
