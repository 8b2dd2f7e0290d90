"""Activation layers with a parameter: ELU (a fixed ``alpha``) and PReLU (a learned slope
for the negative part, optionally shared across axes).

Example:
    >>> ember.layers.ELU(alpha=0.5)(np.array([[-1.0, 2.0]])).numpy().round(4)
    array([[-0.3161,  2.    ]], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ember import constraints as constraints_module
from ember import initializers as initializers_module
from ember import regularizers as regularizers_module
from ember.autograd import Tensor
from ember.layers.base import Layer
from ember.layers.input_spec import InputSpec
from ember.ops import elementwise as ew
from ember.ops import nn as nn_ops


class ELU(Layer):
    """The exponential linear unit: ``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise.

    Example:
        >>> ember.layers.ELU()(np.array([0.0, 1.0])).numpy()
        array([0., 1.], dtype=float32)
    """

    def __init__(self, alpha: float = 1.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float, np.number)):
            raise TypeError(f"ELU: `alpha` must be a number, received alpha={alpha!r}")
        self.alpha = float(alpha)
        self.supports_masking = True

    def call(self, inputs: Tensor) -> Tensor:
        return nn_ops.elu(inputs, self.alpha)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "alpha": self.alpha}


def _shared_axes(value: Any) -> list[int] | None:
    if value is None:
        return None
    axes = [value] if isinstance(value, (int, np.integer)) else list(value)
    for a in axes:
        if isinstance(a, bool) or not isinstance(a, (int, np.integer)) or a < 1:
            raise ValueError(
                "PReLU: `shared_axes` must be None, an int or a list of ints >= 1 (axis 0 is "
                f"the batch axis). Received: shared_axes={value!r}"
            )
    return [int(a) for a in axes]


class PReLU(Layer):
    """Parametric ReLU: ``x`` for ``x >= 0`` and ``alpha * x`` below, where ``alpha`` is a
    learned weight of shape ``input_shape[1:]`` (size 1 on the ``shared_axes``, which count
    from 1 after the batch axis, as Keras).

    Example:
        >>> layer = ember.layers.PReLU(alpha_initializer="ones", shared_axes=[1])
        >>> layer(np.array([[[-2.0, 3.0]]])).numpy(), layer.alpha.shape
        (array([[[-2.,  3.]]], dtype=float32), (1, 2))
    """

    def __init__(
        self,
        alpha_initializer: Any = "Zeros",
        alpha_regularizer: Any = None,
        alpha_constraint: Any = None,
        shared_axes: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.alpha_initializer = initializers_module.get(alpha_initializer)
        self.alpha_regularizer = regularizers_module.get(alpha_regularizer)
        self.alpha_constraint = constraints_module.get(alpha_constraint)
        self.shared_axes = _shared_axes(shared_axes)
        self.supports_masking = True
        self.input_spec = InputSpec(min_ndim=2)

    def build(self, input_shape: Any) -> None:
        shape = list(input_shape[1:])
        for axis in self.shared_axes or ():
            if axis >= len(input_shape):
                raise ValueError(
                    f"{self.name}: shared axis {axis} is out of range for inputs of rank "
                    f"{len(input_shape)} (shape {tuple(input_shape)})"
                )
            shape[axis - 1] = 1
        if any(d is None for d in shape):
            raise ValueError(
                f"{self.name}: every non-shared axis must have a known size to build alpha; "
                f"received input shape {tuple(input_shape)} with shared_axes={self.shared_axes}"
            )
        self.alpha = self.add_weight(
            shape=tuple(shape),
            name="alpha",
            initializer=self.alpha_initializer,
            regularizer=self.alpha_regularizer,
            constraint=self.alpha_constraint,
        )
        self.input_spec = InputSpec(
            ndim=len(input_shape),
            axes={i: input_shape[i] for i in range(1, len(input_shape)) if shape[i - 1] != 1},
        )
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        positive = nn_ops.relu(inputs)
        negative = ew.multiply(self.alpha, ew.negative(nn_ops.relu(ew.negative(inputs))))
        return ew.add(positive, negative)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "alpha_initializer": initializers_module.serialize(self.alpha_initializer),
            "alpha_regularizer": regularizers_module.serialize(self.alpha_regularizer),
            "alpha_constraint": constraints_module.serialize(self.alpha_constraint),
            "shared_axes": self.shared_axes,
        }
