"""Stand-ins for Keras 3 names ember does not implement.

Every public name of the Keras namespaces ember mirrors (``keras.layers``, ``keras.ops``,
``keras.metrics``, ...) exists in ember: either implemented, or as a stand-in made here that
raises ``NotImplementedError`` saying what is missing and why, the moment it is called or
instantiated. A stand-in carries its reason in ``__ember_not_implemented__``, which
tests/test_keras_coverage.py reads to tell "not implemented, and said so" from "missing".

Example:
    >>> from ember._not_implemented import stub_function
    >>> fft = stub_function("ops", "fft", "ember has no complex dtype")
    >>> fft.__ember_not_implemented__
    'ember has no complex dtype'
    >>> fft(1.0)
    Traceback (most recent call last):
    ...
    NotImplementedError: keras.ops.fft is not implemented in ember: ember has no complex dtype
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

MARKER = "__ember_not_implemented__"


def message(namespace: str, name: str, reason: str) -> str:
    """The NotImplementedError text for ``keras.<namespace>.<name>``."""
    return f"keras.{namespace}.{name} is not implemented in ember: {reason}"


def stub_function(namespace: str, name: str, reason: str) -> Callable[..., Any]:
    """A function that raises NotImplementedError naming ``keras.<namespace>.<name>``."""

    def stub(*args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(message(namespace, name, reason))

    stub.__name__ = stub.__qualname__ = name
    stub.__doc__ = f"Not implemented in ember ({reason}); raises NotImplementedError."
    setattr(stub, MARKER, reason)
    return stub


def stub_class(
    namespace: str, name: str, reason: str, base: type = object, module: str = ""
) -> type:
    """A class (subclass of ``base``, so ``isinstance`` checks and subclass statements work)
    whose instantiation raises NotImplementedError naming ``keras.<namespace>.<name>``."""

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError(message(namespace, name, reason))

    attrs = {
        "__init__": __init__,
        "__doc__": f"Not implemented in ember ({reason}); raises NotImplementedError.",
        "__module__": module or f"ember.{namespace}",
        MARKER: reason,
    }
    return type(name, (base,), attrs)


def install(
    namespace_globals: dict[str, Any],
    namespace: str,
    classes: Mapping[str, str] = (),  # type: ignore[assignment]
    functions: Mapping[str, str] = (),  # type: ignore[assignment]
    base: type = object,
) -> list[str]:
    """Define the stand-ins of ``classes`` and ``functions`` (name -> reason) in a namespace
    module's globals, skipping names the module already defines; returns the names added
    (for its ``__all__``)."""
    added = []
    module = namespace_globals.get("__name__", f"ember.{namespace}")
    for name, reason in dict(classes).items():
        if name not in namespace_globals:
            namespace_globals[name] = stub_class(namespace, name, reason, base, module)
            added.append(name)
    for name, reason in dict(functions).items():
        if name not in namespace_globals:
            namespace_globals[name] = stub_function(namespace, name, reason)
            added.append(name)
    return added


def reason_of(obj: Any) -> str | None:
    """The reason ``obj`` is a stand-in, or None for an implemented name."""
    return getattr(obj, MARKER, None)
