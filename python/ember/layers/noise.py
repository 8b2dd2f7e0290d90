"""Noise layers that regularize while training and are the identity at inference (as in
Keras, they act only when called with ``training=True``): GaussianNoise (additive),
GaussianDropout (multiplicative, mean 1) and AlphaDropout (keeps SELU's mean and variance).

Draws come from ``ember.random`` with a ``SeedGenerator`` per layer: a ``seed`` makes the
sequence of masks repeatable; without one the generator is seeded from ember's global
generator, so ``ember.utils.set_random_seed`` makes it repeatable too. The distributions
match Keras; the bits do not.

Example:
    >>> layer = ember.layers.GaussianNoise(0.1, seed=0)
    >>> x = np.ones((2, 3))
    >>> bool((layer(x, training=False).numpy() == 1).all())
    True
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ember import random as random_module
from ember.autograd import Tensor
from ember.layers.base import Layer
from ember.ops import elementwise as ew

# SELU's constants (Klambauer et al., 2017).
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def check_fraction(layer: str, arg: str, value: Any) -> float:
    """A float in [0, 1] (``rate``, ``stddev``), else ValueError/TypeError naming both."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
        raise TypeError(
            f"{layer}: `{arg}` must be a float between 0 and 1. Received: {arg}={value!r}"
        )
    if not 0 <= value <= 1:
        raise ValueError(
            f"{layer}: invalid value received for argument `{arg}`. Expected a float value "
            f"between 0 and 1. Received: {arg}={value}"
        )
    return float(value)


def check_seed(layer: str, seed: Any) -> int | None:
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"{layer}: `seed` must be an int or None. Received: seed={seed!r}")
    return int(seed)


class GaussianNoise(Layer):
    """Adds zero-mean Gaussian noise of standard deviation ``stddev`` while training.

    Example:
        >>> layer = ember.layers.GaussianNoise(0.5, seed=1)
        >>> y = layer(np.zeros((1000,)), training=True).numpy()
        >>> bool(abs(y.std() - 0.5) < 0.05)
        True
    """

    def __init__(self, stddev: float, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.stddev = check_fraction("GaussianNoise", "stddev", stddev)
        self.seed = check_seed("GaussianNoise", seed)
        self.seed_generator = random_module.SeedGenerator(seed) if self.stddev > 0 else None
        self.supports_masking = True
        self.built = True

    def call(self, inputs: Tensor, training: bool | None = False) -> Tensor:
        if not training or self.stddev == 0:
            return inputs
        noise = random_module.normal(
            inputs.shape, mean=0.0, stddev=self.stddev, seed=self.seed_generator
        )
        return ew.add(inputs, noise)

    def _inference_fn(self) -> Any:
        return lambda x: x

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}


class GaussianDropout(Layer):
    """Multiplies the inputs by Gaussian noise of mean 1 and standard deviation
    ``sqrt(rate / (1 - rate))`` while training.

    Example:
        >>> layer = ember.layers.GaussianDropout(0.2, seed=1)
        >>> y = layer(np.ones((4000,)), training=True).numpy()
        >>> bool(abs(y.mean() - 1) < 0.05 and abs(y.std() - 0.5) < 0.05)
        True
    """

    def __init__(self, rate: float, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rate = check_fraction("GaussianDropout", "rate", rate)
        self.seed = check_seed("GaussianDropout", seed)
        self.seed_generator = random_module.SeedGenerator(seed) if self.rate > 0 else None
        self.supports_masking = True
        self.built = True

    def call(self, inputs: Tensor, training: bool | None = False) -> Tensor:
        if not training or self.rate == 0:
            return inputs
        if self.rate == 1:
            # stddev sqrt(rate / (1 - rate)) is infinite; Keras gives NaN/inf. Dropping every
            # unit is the limit that keeps the output finite.
            return ew.multiply(inputs, 0.0)
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        noise = random_module.normal(
            inputs.shape, mean=1.0, stddev=stddev, seed=self.seed_generator
        )
        return ew.multiply(inputs, noise)

    def _inference_fn(self) -> Any:
        return lambda x: x

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


def concrete_noise_shape(layer: str, noise_shape: Any, shape: tuple) -> tuple[int, ...]:
    """``noise_shape`` with None entries taken from the input's shape, checked to broadcast."""
    if noise_shape is None:
        return tuple(shape)
    if len(noise_shape) != len(shape):
        raise ValueError(
            f"{layer}: `noise_shape` {tuple(noise_shape)} must have the rank of the inputs "
            f"{tuple(shape)}"
        )
    out = tuple(s if n is None else int(n) for n, s in zip(noise_shape, shape))
    for n, s in zip(out, shape):
        if n not in (1, s):
            raise ValueError(
                f"{layer}: `noise_shape` {tuple(noise_shape)} does not broadcast to the input "
                f"shape {tuple(shape)}"
            )
    return out


def check_noise_shape(layer: str, noise_shape: Any) -> list | None:
    if noise_shape is None:
        return None
    try:
        dims = list(noise_shape)
    except TypeError:
        raise TypeError(
            f"{layer}: `noise_shape` must be a tuple of ints (or None entries). Received: "
            f"noise_shape={noise_shape!r}"
        ) from None
    for d in dims:
        if d is not None and (isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 1):
            raise ValueError(
                f"{layer}: `noise_shape` entries must be positive ints or None. Received: "
                f"noise_shape={noise_shape!r}"
            )
    return [None if d is None else int(d) for d in dims]


class AlphaDropout(Layer):
    """Dropout for SELU networks: while training, dropped units are set to SELU's negative
    saturation value ``-scale * alpha`` and the result is affinely rescaled so that inputs of
    zero mean and unit variance keep them. ``noise_shape`` shares one draw along axes of size 1.

    Example:
        >>> layer = ember.layers.AlphaDropout(0.1, seed=3)
        >>> x = np.random.default_rng(0).standard_normal((200, 100))
        >>> y = layer(x, training=True).numpy()
        >>> bool(abs(y.mean()) < 0.05 and abs(y.std() - 1) < 0.05)
        True
    """

    def __init__(
        self, rate: float, noise_shape: Any = None, seed: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.rate = check_fraction("AlphaDropout", "rate", rate)
        self.noise_shape = check_noise_shape("AlphaDropout", noise_shape)
        self.seed = check_seed("AlphaDropout", seed)
        self.seed_generator = random_module.SeedGenerator(seed) if self.rate > 0 else None
        self.supports_masking = True
        self.built = True

    def call(self, inputs: Tensor, training: bool | None = False) -> Tensor:
        if not training or self.rate == 0:
            return inputs
        rate = self.rate
        shape = concrete_noise_shape(self.name, self.noise_shape, inputs.shape)
        kept = (random_module.uniform(shape, seed=self.seed_generator).numpy() >= rate).astype(
            np.float32
        )
        alpha_p = -_SELU_ALPHA * _SELU_SCALE
        if rate == 1:
            a = 0.0  # the limit of the affine map as rate -> 1 (Keras divides by zero)
        else:
            a = ((1 - rate) * (1 + rate * alpha_p**2)) ** -0.5
        b = -a * alpha_p * rate
        # a * (x * kept + alpha_p * (1 - kept)) + b, with the constant part precomputed.
        return ew.add(
            ew.multiply(inputs, a * kept), (a * alpha_p * (1 - kept) + b).astype(np.float32)
        )

    def _inference_fn(self) -> Any:
        return lambda x: x

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "rate": self.rate,
            "seed": self.seed,
            "noise_shape": self.noise_shape,
        }
