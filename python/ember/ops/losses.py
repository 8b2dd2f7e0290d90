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

from ember import _C
from ember.autograd import Function, Tensor
from ember.ops.math import to_tensor


class SoftmaxCrossEntropy(Function):
    """-sum(t * log_softmax(logits)) per row of a 2-D logits array."""

    def forward(self, logits: np.ndarray, targets: np.ndarray) -> np.ndarray:
        loss, self.probs = _C.softmax_xent_forward(logits, targets)
        self.targets = targets
        return loss

    def backward(self, g: np.ndarray):
        return (_C.softmax_xent_backward(self.probs, self.targets, g),)


class SigmoidCrossEntropy(Function):
    """Elementwise binary crossentropy of sigmoid(logits) against targets."""

    def forward(self, logits: np.ndarray, targets: np.ndarray) -> np.ndarray:
        self.logits, self.targets = logits, targets
        return _C.sigmoid_xent_forward(logits, targets)

    def backward(self, g: np.ndarray):
        return (_C.sigmoid_xent_backward(self.logits, self.targets, g),)


def softmax_cross_entropy(logits: Any, targets: np.ndarray) -> Tensor:
    """Per-sample categorical crossentropy from logits over the last axis.

    ``targets`` holds integer class ids (shape = logits' leading shape) or probabilities
    (logits' shape). Leading axes beyond the batch are flattened and restored.
    """
    t = to_tensor(logits)
    lead = t.shape[:-1]
    flat = t if t.ndim == 2 else t.reshape(-1, t.shape[-1])
    tgt = np.asarray(targets)
    tgt = tgt.reshape(-1) if tgt.ndim == len(lead) else tgt.reshape(-1, t.shape[-1])
    loss = SoftmaxCrossEntropy.apply(flat, tgt)
    return loss if t.ndim == 2 else loss.reshape(lead)


def sigmoid_cross_entropy(logits: Any, targets: np.ndarray) -> Tensor:
    t = to_tensor(logits)
    return SigmoidCrossEntropy.apply(
        t, np.broadcast_to(np.asarray(targets, np.float32), t.shape).astype(np.float32)
    )
