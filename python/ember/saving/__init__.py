"""Saving and loading with ``keras.saving``'s names: the registry of custom objects,
config (de)serialization, and whole-model / weights files.

Example:
    >>> import ember as keras
    >>> @keras.saving.register_keras_serializable(package="my_layers")
    ... class Double(keras.layers.Layer):
    ...     def call(self, x):
    ...         return x * 2
    ...     def get_config(self):
    ...         return super().get_config()
    >>> keras.saving.get_registered_name(Double)
    'my_layers>Double'
"""

from __future__ import annotations

import os
from typing import Any

from ember.saving.object_registration import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from ember.saving.serialization_lib import deserialize_keras_object, serialize_keras_object


# The file format lives in ember.saving.saving_lib; it is imported on first use so that
# `import ember.saving` (which every layer does, for the registry) stays light.
def save_model(
    model: Any,
    filepath: str | os.PathLike,
    overwrite: bool = True,
    zipped: bool | None = None,
    **kwargs: Any,
) -> None:
    """Save a model's architecture, weights and optimizer state to one ``.keras`` file.

    Example:
        >>> model = ember.Sequential([ember.layers.Dense(2, input_shape=(3,))])
        >>> ember.saving.save_model(model, tempfile.mkdtemp() + "/m.keras")
    """
    from ember.saving.saving_lib import save_model as _save_model

    if zipped is False:
        raise NotImplementedError("save_model: ember always writes a zipped .keras file")
    include_optimizer = kwargs.pop("include_optimizer", True)
    if kwargs:
        raise TypeError(f"save_model: unexpected argument(s) {sorted(kwargs)}")
    _save_model(model, filepath, overwrite=overwrite, include_optimizer=include_optimizer)


def load_model(
    filepath: str | os.PathLike,
    custom_objects: dict[str, Any] | None = None,
    compile: bool = True,
    safe_mode: bool = True,
) -> Any:
    """Load a model written by ``save_model`` / ``model.save``; custom classes and functions
    come from ``custom_objects``, the active ``custom_object_scope`` or registration.

    Example:
        >>> model = ember.saving.load_model("model.keras")  # doctest: +SKIP
    """
    from ember.saving.saving_lib import load_model as _load_model

    return _load_model(
        filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode
    )


def save_weights(
    model: Any, filepath: str | os.PathLike, overwrite: bool = True, **kwargs: Any
) -> None:
    """Save only the weights of ``model`` (``model.save_weights``).

    Example:
        >>> model = ember.Sequential([ember.layers.Dense(2, input_shape=(3,))])
        >>> ember.saving.save_weights(model, tempfile.mkdtemp() + "/m.weights.h5")
    """
    from ember.saving.saving_lib import save_weights as _save_weights

    _save_weights(model, filepath, overwrite=overwrite)


def load_weights(
    model: Any, filepath: str | os.PathLike, skip_mismatch: bool = False, **kwargs: Any
) -> None:
    """Load weights written by ``save_weights`` into a built ``model``.

    Example:
        >>> ember.saving.load_weights(model, "m.weights.h5")  # doctest: +SKIP
    """
    from ember.saving.saving_lib import load_weights as _load_weights

    _load_weights(model, filepath, skip_mismatch=skip_mismatch)


__all__ = [
    "CustomObjectScope",
    "custom_object_scope",
    "deserialize_keras_object",
    "get_custom_objects",
    "get_registered_name",
    "get_registered_object",
    "load_model",
    "load_weights",
    "register_keras_serializable",
    "save_model",
    "save_weights",
    "serialize_keras_object",
]
