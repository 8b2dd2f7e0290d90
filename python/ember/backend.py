"""``keras.backend``-style helpers.

Example:
    >>> ember.backend.clear_session()
    >>> ember.backend.epsilon()
    1e-07
"""

from ember.layers.base import clear_session


def epsilon() -> float:
    """The fuzz factor used in crossentropy clipping."""
    return 1e-7


def floatx() -> str:
    return "float32"


def image_data_format() -> str:
    return "channels_last"


__all__ = ["clear_session", "epsilon", "floatx", "image_data_format"]
