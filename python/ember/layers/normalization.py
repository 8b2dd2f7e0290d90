"""BatchNormalization over the last axis (channels-last), with Keras' defaults and semantics:
momentum 0.99, epsilon 1e-3, biased batch variance, moving = moving * m + batch * (1 - m), and
inference behaviour whenever the layer is frozen (``trainable = False``), even inside fit.

Example:
    >>> bn = ember.layers.BatchNormalization()
    >>> y = bn(np.random.rand(8, 3), training=True)
    >>> [w.shape for w in bn.get_weights()]
    [(3,), (3,), (3,), (3,)]
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
from ember.ops import math as math_ops
from ember.ops import normalization as norm_ops


class BatchNormalization(Layer):
    def __init__(
        self,
        axis: int = -1,
        momentum: float = 0.99,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer: Any = "zeros",
        gamma_initializer: Any = "ones",
        moving_mean_initializer: Any = "zeros",
        moving_variance_initializer: Any = "ones",
        beta_regularizer: Any = None,
        gamma_regularizer: Any = None,
        beta_constraint: Any = None,
        gamma_constraint: Any = None,
        synchronized: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.axis = int(axis) if isinstance(axis, (int, np.integer)) else axis
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = initializers_module.get(beta_initializer)
        self.gamma_initializer = initializers_module.get(gamma_initializer)
        self.moving_mean_initializer = initializers_module.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers_module.get(moving_variance_initializer)
        self.beta_regularizer = regularizers_module.get(beta_regularizer)
        self.gamma_regularizer = regularizers_module.get(gamma_regularizer)
        self.beta_constraint = constraints_module.get(beta_constraint)
        self.gamma_constraint = constraints_module.get(gamma_constraint)
        self.synchronized = synchronized
        self.supports_masking = True

    def build(self, input_shape: Any) -> None:
        rank = len(input_shape)
        if not isinstance(self.axis, int) or not -rank <= self.axis < rank:
            raise ValueError(
                f"{self.name}: axis={self.axis} is out of range for inputs of rank {rank}"
            )
        self._axis = self.axis % rank
        channels = input_shape[self._axis]
        if channels is None:
            raise ValueError(
                f"{self.name}: the normalized axis must be defined, received "
                f"input shape {tuple(input_shape)}"
            )
        shape = (channels,)
        self.gamma = (
            self.add_weight(
                "gamma",
                shape,
                self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
            )
            if self.scale
            else None
        )
        self.beta = (
            self.add_weight(
                "beta",
                shape,
                self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
            )
            if self.center
            else None
        )
        self.moving_mean = self.add_weight(
            "moving_mean", shape, self.moving_mean_initializer, trainable=False
        )
        self.moving_variance = self.add_weight(
            "moving_variance", shape, self.moving_variance_initializer, trainable=False
        )
        self.input_spec = InputSpec(ndim=rank, axes={self.axis: channels})
        self.built = True

    def call(self, inputs: Tensor, training: bool | None = None) -> Tensor:
        axis = self._axis
        if axis != inputs.ndim - 1:
            # The kernels normalize the last axis: move the normalized axis there and back.
            perm = [i for i in range(inputs.ndim) if i != axis] + [axis]
            moved = self._normalize(math_ops.transpose(inputs, perm), training)
            return math_ops.transpose(moved, list(np.argsort(perm)))
        return self._normalize(inputs, training)

    def _normalize(self, inputs: Tensor, training: bool | None) -> Tensor:
        if training and self.trainable:
            y, mean, var = norm_ops.batch_norm_train(inputs, self.gamma, self.beta, self.epsilon)
            m = np.float32(self.momentum)
            self.moving_mean.assign(self.moving_mean.data * m + mean * (np.float32(1) - m))
            self.moving_variance.assign(self.moving_variance.data * m + var * (np.float32(1) - m))
            return y
        return norm_ops.batch_norm_inference(
            inputs,
            self.gamma,
            self.beta,
            self.moving_mean.data,
            self.moving_variance.data,
            self.epsilon,
        )

    def get_config(self) -> dict:
        ser = initializers_module.serialize
        return {
            **super().get_config(),
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": ser(self.beta_initializer),
            "gamma_initializer": ser(self.gamma_initializer),
            "moving_mean_initializer": ser(self.moving_mean_initializer),
            "moving_variance_initializer": ser(self.moving_variance_initializer),
            "beta_regularizer": regularizers_module.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers_module.serialize(self.gamma_regularizer),
            "beta_constraint": constraints_module.serialize(self.beta_constraint),
            "gamma_constraint": constraints_module.serialize(self.gamma_constraint),
            "synchronized": self.synchronized,
        }
