"""``Identity``: a placeholder layer that returns its inputs unchanged (masks pass through).

Example:
    >>> ember.layers.Identity()(np.array([[1.0, 2.0]])).numpy()
    array([[1., 2.]], dtype=float32)
"""

from __future__ import annotations

from typing import Any

from ember.layers.base import Layer


class Identity(Layer):
    """Returns its inputs (a tensor or a nested structure of them) as they are.

    Example:
        >>> layer = ember.layers.Identity()
        >>> layer.compute_output_shape((None, 3))
        (None, 3)
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True
        self.built = True

    def call(self, inputs: Any) -> Any:
        return inputs

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape
