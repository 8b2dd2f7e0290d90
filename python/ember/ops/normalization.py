"""Batch normalization over every axis but the last (channels-last), Keras semantics:
normalize by the biased batch variance in training, by the moving statistics otherwise.

Example:
    >>> x = ember.tensor(np.random.rand(4, 3))
    >>> y, mean, var = ember.ops.normalization.batch_norm_train(x, None, None, 1e-3)
    >>> np.allclose(y.numpy().mean(axis=0), 0, atol=1e-5)
    True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ember.autograd import Function, Tensor
from ember.device import kernels
from ember.ops.math import to_float


class BatchNormTrain(Function):
    """Normalize with the batch statistics, which it also reports in ``stats``; gamma and
    beta may be None (``scale=False`` / ``center=False``)."""

    def forward(self, x, gamma, beta, epsilon: float, stats: dict) -> np.ndarray:
        y, mean, var, invstd = kernels(x).batchnorm_train_forward(x, gamma, beta, epsilon)
        self.x, self.gamma, self.mean, self.invstd = x, gamma, mean, invstd
        stats["mean"], stats["var"] = mean, var
        return y

    def backward(self, g):
        dx, dgamma, dbeta = kernels(g).batchnorm_train_backward(
            g, self.x, self.gamma, self.mean, self.invstd
        )
        return dx, dgamma, dbeta, None, None


class BatchNormInference(Function):
    """Normalize with the moving statistics (arrays, not trained by gradient)."""

    def forward(self, x, gamma, beta, moving_mean, moving_var, epsilon: float) -> np.ndarray:
        self.x, self.gamma = x, gamma
        self.moving = (moving_mean, moving_var, epsilon)
        return kernels(x).batchnorm_inference_forward(
            x, gamma, beta, moving_mean, moving_var, epsilon
        )

    def backward(self, g):
        mean, var, eps = self.moving
        dx, dgamma, dbeta = kernels(g).batchnorm_inference_backward(
            g, self.x, self.gamma, mean, var, eps
        )
        return dx, dgamma, dbeta, None, None, None


def batch_norm_train(
    x: Any, gamma: Tensor | None, beta: Tensor | None, epsilon: float
) -> tuple[Tensor, np.ndarray, np.ndarray]:
    """Normalize with batch statistics; returns (y, batch mean, biased batch variance)."""
    stats: dict = {}
    y = BatchNormTrain.apply(to_float(x), gamma, beta, float(epsilon), stats)
    return y, stats["mean"], stats["var"]


def batch_norm_inference(
    x: Any,
    gamma: Tensor | None,
    beta: Tensor | None,
    moving_mean: np.ndarray,
    moving_var: np.ndarray,
    epsilon: float,
) -> Tensor:
    """Normalize with the moving statistics."""
    return BatchNormInference.apply(
        to_float(x), gamma, beta, moving_mean, moving_var, float(epsilon)
    )
