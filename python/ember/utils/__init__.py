"""Utilities with ``keras.utils`` names: to_categorical, normalize, set_random_seed,
plot_model, Progbar, clear_session, and the serialization names Keras also exports here
(register_keras_serializable, custom_object_scope, get_custom_objects, ...; the same objects
as in ``ember.saving``).

Example:
    >>> ember.utils.set_random_seed(0)
    >>> ember.utils.to_categorical([1], 2)
    array([[0., 1.]], dtype=float32)
"""

from __future__ import annotations

from ember import _random
from ember.layers.base import clear_session
from ember.saving import (
    CustomObjectScope,
    custom_object_scope,
    deserialize_keras_object,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
    serialize_keras_object,
)
from ember.utils.arrays import normalize, to_categorical
from ember.utils.progbar import Progbar
from ember.utils.sequences import pad_sequences


def set_random_seed(seed: int) -> None:
    """Seed ember's global generator (initializers, dropout, shuffling) and numpy's legacy
    global generator, so that the same seed gives a bit-identical training run.

    Example:
        >>> ember.utils.set_random_seed(42)
    """
    import random

    import numpy as np

    if not isinstance(seed, int):
        raise ValueError(
            f"Expected `seed` argument to be an integer. Received: seed={seed} "
            f"(of type {type(seed)})"
        )
    random.seed(seed)
    np.random.seed(seed % 2**32)
    _random.set_seed(seed)


def plot_model(*args, **kwargs):  # noqa: ANN002, ANN003 - forwards to the implementation
    """Draw a model's graph to .dot/.svg (and .png with Graphviz or matplotlib); see
    ``ember.utils.plotting.plot_model``."""
    from ember.utils.plotting import plot_model as _plot_model

    return _plot_model(*args, **kwargs)


__all__ = [
    "CustomObjectScope",
    "Progbar",
    "clear_session",
    "custom_object_scope",
    "deserialize_keras_object",
    "get_custom_objects",
    "get_registered_name",
    "get_registered_object",
    "normalize",
    "pad_sequences",
    "plot_model",
    "register_keras_serializable",
    "serialize_keras_object",
    "set_random_seed",
    "to_categorical",
]
