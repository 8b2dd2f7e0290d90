"""Spatial dropout: like Dropout, but each draw drops a whole feature map (one channel of
one sample, over all its time steps or pixels) rather than single elements. Active only with
``training=True``; kept channels are scaled by ``1 / (1 - rate)``, as Keras.

Example:
    >>> layer = ember.layers.SpatialDropout1D(0.5, seed=0)
    >>> y = layer(np.ones((2, 5, 8)), training=True).numpy()
    >>> bool(all(len(set(y[b, :, c])) == 1 for b in range(2) for c in range(8)))
    True
"""

from __future__ import annotations

from typing import Any

from ember import random as random_module
from ember.autograd import Tensor
from ember.layers.base import Layer
from ember.layers.core import Dropout
from ember.layers.input_spec import InputSpec
from ember.layers.noise import check_fraction, check_seed
from ember.ops import elementwise as ew


def _data_format(layer: str, data_format: Any) -> str:
    if data_format is None:
        return "channels_last"
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(
            f"{layer}: `data_format` must be 'channels_last' or 'channels_first'. Received: "
            f"data_format={data_format!r}"
        )
    return data_format


class _SpatialDropout(Dropout):
    rank = 1  # the number of spatial axes

    def __init__(
        self, rate: float, data_format: Any = None, seed: int | None = None, **kwargs: Any
    ) -> None:
        layer = type(self).__name__
        rate = check_fraction(layer, "rate", rate)
        seed = check_seed(layer, seed)
        super().__init__(rate, seed=seed, **kwargs)
        self.data_format = _data_format(layer, data_format)
        self.seed_generator = random_module.SeedGenerator(seed) if self.rate > 0 else None
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _noise_shape(self, shape: tuple) -> tuple:
        if self.data_format == "channels_first":
            return (shape[0], shape[1], *([1] * self.rank))
        return (shape[0], *([1] * self.rank), shape[-1])

    def call(self, inputs: Tensor, training: bool | None = None) -> Tensor:
        if not training or self.rate == 0:
            return inputs
        if self.rate == 1:
            return ew.multiply(inputs, 0.0)  # every feature map dropped
        return random_module.dropout(
            inputs, self.rate, noise_shape=self._noise_shape(inputs.shape), seed=self.seed_generator
        )

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict:
        return {**Layer.get_config(self), "rate": self.rate, "seed": self.seed}


class SpatialDropout1D(_SpatialDropout):
    """Drops whole channels of (batch, steps, channels) inputs while training.

    Example:
        >>> ember.layers.SpatialDropout1D(0.3)(np.ones((1, 4, 2)), training=False).shape
        (1, 4, 2)
    """

    rank = 1

    def __init__(self, rate: float, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(rate, data_format=None, seed=seed, **kwargs)


class SpatialDropout2D(_SpatialDropout):
    """Drops whole channels of (batch, rows, cols, channels) inputs while training
    (``data_format="channels_first"``: (batch, channels, rows, cols)).

    Example:
        >>> ember.layers.SpatialDropout2D(0.3)(np.ones((1, 4, 4, 2)), training=False).shape
        (1, 4, 4, 2)
    """

    rank = 2

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format}


class SpatialDropout3D(_SpatialDropout):
    """Drops whole channels of (batch, d1, d2, d3, channels) inputs while training
    (``data_format="channels_first"``: (batch, channels, d1, d2, d3)).

    Example:
        >>> ember.layers.SpatialDropout3D(0.3)(np.ones((1, 2, 2, 2, 3)), training=False).shape
        (1, 2, 2, 2, 3)
    """

    rank = 3

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format}
