"""Similarity (metric learning) losses: Circle loss over the pairs of a batch of embeddings.

Example:
    >>> emb = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    >>> loss = ember.losses.Circle()
    >>> float(loss(np.array([0, 0, 1, 1]), emb).numpy()) < 1e-3
    True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ember.autograd import Tensor
from ember.losses import _ops
from ember.losses.loss import (
    LossFunctionWrapper,
    as_float_tensor,
    check_number,
    float_array,
    host_of,
    on_device_of,
)
from ember.ops import activations as act
from ember.ops import math as m

__all__ = ["Circle", "circle"]


def _labels(fn: str, what: str, labels: Any) -> np.ndarray:
    arr = np.asarray(host_of(labels))
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2 or arr.shape[1] != 1:
        raise ValueError(
            f"{fn}: `{what}` must hold one integer label per embedding, of shape (batch,) or "
            f"(batch, 1); received shape {np.shape(labels)}"
        )
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise ValueError(f"{fn}: `{what}` must hold finite integer labels")
    return arr.astype(np.int64)


def circle(
    y_true: Any,
    y_pred: Any,
    ref_labels: Any = None,
    ref_embeddings: Any = None,
    remove_diagonal: bool = True,
    gamma: float = 80,
    margin: float = 0.4,
) -> Tensor:
    """Circle loss (Sun et al., 2020) of each embedding in ``y_pred`` against the reference
    embeddings (``ref_embeddings``, default: the batch itself): pairs with the same label
    are pulled to cosine distance below ``margin``, the others pushed beyond ``1 - margin``,
    each pair weighted by how far it is from its optimum, scaled by ``gamma``.

    Embeddings are expected to be L2-normalized. Samples whose loss is 0 (no pair to learn
    from) are masked out of the mean, as in Keras.

    Example:
        >>> emb = np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0]])
        >>> ember.losses.circle(np.array([0, 0, 1]), emb).shape
        (3,)
    """
    fn = "circle"
    y_pred = as_float_tensor(y_pred)
    if y_pred.ndim != 2:
        raise ValueError(
            f"{fn}: `y_pred` must be a batch of embeddings of shape (batch, dim); received "
            f"shape {y_pred.shape}"
        )
    query = _labels(fn, "y_true", y_true)
    if ref_embeddings is None:
        ref = y_pred
    elif isinstance(ref_embeddings, Tensor):
        ref = as_float_tensor(ref_embeddings)
    else:  # host data: put it where the embeddings are
        ref = Tensor(on_device_of(y_pred, float_array(ref_embeddings)))
    keys = query if ref_labels is None else _labels(fn, "ref_labels", ref_labels)
    if query.shape[0] != y_pred.shape[0] or keys.shape[0] != ref.shape[0]:
        raise ValueError(
            f"{fn}: expected one label per embedding; received {query.shape[0]} labels for "
            f"{y_pred.shape[0]} embeddings and {keys.shape[0]} reference labels for "
            f"{ref.shape[0]} reference embeddings"
        )
    gamma = float(gamma)
    margin = float(margin)
    same = query == keys.T
    positive = same & ~np.eye(same.shape[0], same.shape[1], dtype=bool) if remove_diagonal else same
    negative = ~same
    dist = m.clip(m.subtract(1.0, m.matmul(y_pred, m.transpose(ref))), 0.0, np.inf)
    pos_mask = on_device_of(y_pred, positive.astype(np.float32))
    neg_mask = on_device_of(y_pred, negative.astype(np.float32))
    pos_weights = m.clip(m.multiply(m.add(dist, margin), pos_mask), 0.0, np.inf)
    neg_weights = m.clip(m.multiply(m.subtract(1.0 + margin, dist), neg_mask), 0.0, np.inf)
    pos_scaled = m.multiply(m.multiply(pos_weights, -gamma), m.subtract(margin, dist))
    neg_scaled = m.multiply(m.multiply(neg_weights, gamma), m.subtract(1.0 - margin, dist))
    p_loss = _ops.masked_logsumexp(pos_scaled, positive, axis=1)
    n_loss = _ops.masked_logsumexp(neg_scaled, negative, axis=1)
    loss = act.activation(m.add(p_loss, n_loss), "softplus")
    loss._keras_mask = np.asarray(host_of(loss)) > 0
    return loss


class Circle(LossFunctionWrapper):
    """Circle loss for metric learning: same-label embeddings are pulled together and
    different-label ones pushed apart, with self-paced pair weights (``gamma`` scales them,
    ``margin`` sets the optima).

    Example:
        >>> emb = np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0]])
        >>> loss = ember.losses.Circle(gamma=10.0)
        >>> float(loss(np.array([0, 0, 1]), emb).numpy()) > 0
        True
    """

    def __init__(
        self,
        gamma: float = 80.0,
        margin: float = 0.4,
        remove_diagonal: bool = True,
        reduction: str | None = "sum_over_batch_size",
        name: str = "circle",
        dtype: Any = None,
    ) -> None:
        gamma = check_number(type(self).__name__, "gamma", gamma)
        margin = check_number(type(self).__name__, "margin", margin)
        super().__init__(
            circle,
            name=name,
            reduction=reduction,
            dtype=dtype,
            gamma=gamma,
            margin=margin,
            remove_diagonal=remove_diagonal,
        )
        self.gamma = gamma
        self.margin = margin
        self.remove_diagonal = remove_diagonal

    def get_config(self) -> dict:
        return {
            **super(LossFunctionWrapper, self).get_config(),
            "gamma": self.gamma,
            "margin": self.margin,
            "remove_diagonal": self.remove_diagonal,
        }
