"""``ActivityRegularization``: a layer that passes its input through and adds an L1/L2
penalty of it to the model's losses.

Example:
    >>> layer = ember.layers.ActivityRegularization(l1=0.1, l2=0.2)
    >>> y = layer(np.arange(6.0).reshape(2, 3))
    >>> [round(float(t), 4) for t in layer.losses]   # (0.1 |x| + 0.2 x^2).sum() / batch
    [6.25]
"""

from __future__ import annotations

from typing import Any

from ember import regularizers as regularizers_module
from ember.layers.base import Layer


class ActivityRegularization(Layer):
    """Identity on its input, with ``L1L2(l1, l2)`` as activity regularizer: the penalty of
    each batch's output (divided by the batch size, as Keras) joins ``losses``."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0, **kwargs: Any) -> None:
        if "activity_regularizer" in kwargs:
            raise TypeError(
                "ActivityRegularization sets its own activity_regularizer from `l1` and `l2`"
            )
        super().__init__(activity_regularizer=regularizers_module.L1L2(l1=l1, l2=l2), **kwargs)
        self.l1, self.l2 = float(l1), float(l2)
        self.supports_masking = True

    def call(self, inputs: Any) -> Any:
        return inputs

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict:
        config = super().get_config()
        config.pop("activity_regularizer", None)
        return {**config, "l1": self.l1, "l2": self.l2}
