"""Fused crossentropy ops on logits: softmax (categorical, sparse or dense targets) and
sigmoid (binary). Both return per-element losses; reductions happen in ember.losses.

Example:
    >>> logits = ember.tensor(np.array([[2.0, 0.5]]), requires_grad=True)
    >>> loss = ember.ops.losses.softmax_cross_entropy(logits, np.array([0]))
    >>> loss.sum().backward(); logits.grad.round(3)
    array([[-0.182,  0.182]], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ember import device
from ember.autograd import Function, Tensor
from ember.device import kernels
from ember.ops.math import to_float


class SoftmaxCrossEntropy(Function):
    """-sum(t * log_softmax(logits)) per row of a 2-D logits array."""

    def forward(self, logits: np.ndarray, targets: np.ndarray) -> np.ndarray:
        loss, self.probs = kernels(logits).softmax_xent_forward(logits, targets)
        self.targets = targets
        return loss

    def backward(self, g: np.ndarray):
        return kernels(g).softmax_xent_backward(self.probs, self.targets, g), None


class SigmoidCrossEntropy(Function):
    """Elementwise binary crossentropy of sigmoid(logits) against targets."""

    def forward(self, logits: np.ndarray, targets: np.ndarray) -> np.ndarray:
        self.logits, self.targets = logits, targets
        return kernels(logits).sigmoid_xent_forward(logits, targets)

    def backward(self, g: np.ndarray):
        return kernels(g).sigmoid_xent_backward(self.logits, self.targets, g), None


def _on_device_of(t: Tensor, targets: Any) -> Any:
    """Targets where the logits are: labels and target arrays are data that comes from the host
    (one copy per loss call, i.e. per training step, when the model is on a GPU)."""
    if type(t.data) is np.ndarray or isinstance(targets, device.DeviceArray):
        return targets
    return device.to(targets, device.of(t.data))


def softmax_cross_entropy(logits: Any, targets: np.ndarray) -> Tensor:
    """Per-sample categorical crossentropy from logits over the last axis.

    ``targets`` holds integer class ids (shape = logits' leading shape) or probabilities
    (logits' shape). Leading axes beyond the batch are flattened and restored.
    """
    t = to_float(logits)
    lead = t.shape[:-1]
    flat = t if t.ndim == 2 else t.reshape(-1, t.shape[-1])
    tgt = targets if isinstance(targets, device.DeviceArray) else np.asarray(targets)
    tgt = tgt.reshape(-1) if tgt.ndim == len(lead) else tgt.reshape(-1, t.shape[-1])
    loss = SoftmaxCrossEntropy.apply(flat, _on_device_of(t, tgt))
    return loss if t.ndim == 2 else loss.reshape(lead)


def sigmoid_cross_entropy(logits: Any, targets: np.ndarray) -> Tensor:
    t = to_float(logits)
    if isinstance(targets, device.DeviceArray):
        return SigmoidCrossEntropy.apply(t, np.broadcast_to(targets, t.shape))
    tgt = np.broadcast_to(np.asarray(targets, np.float32), t.shape).astype(np.float32)
    return SigmoidCrossEntropy.apply(t, _on_device_of(t, tgt))
