"""Attention layers over (batch, steps, features) sequences, as Keras 3: ``Attention``
(Luong-style dot-product, or "concat" scores) and ``AdditiveAttention`` (Bahdanau-style).

Both are called on ``[query, value]`` or ``[query, value, key]`` (key defaults to value),
with ``mask=[query_mask, value_mask]`` (or the masks the inputs carry), ``use_causal_mask``,
``return_attention_scores`` and ``training`` (dropout on the attention weights only while
training). Scores at masked-out value steps get ``-1e9`` before the softmax; output steps
where the query is masked are zero, and the output carries the query's mask.

Example:
    >>> q, v = np.ones((2, 3, 4)), np.ones((2, 5, 4))
    >>> out, scores = ember.layers.Attention()([q, v], return_attention_scores=True)
    >>> out.shape, scores.shape
    ((2, 3, 4), (2, 3, 5))
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ember import random as random_module
from ember.autograd import Tensor
from ember.layers.base import Layer
from ember.layers.noise import check_fraction, check_seed
from ember.ops import elementwise as ew
from ember.ops import nn as nn_ops
from ember.ops import products, shaping
from ember.ops import reduction as red

#: What masked-out scores lose before the softmax (Keras' value for float32).
MASK_PENALTY = 1.0e9


def as_mask(mask: Any) -> np.ndarray | None:
    """A boolean numpy array from a mask given as an array, a Tensor or None."""
    if mask is None:
        return None
    data = mask.data if isinstance(mask, Tensor) else np.asarray(mask)
    return data.astype(bool)


def causal_mask(tq: int, tv: int) -> np.ndarray:
    """(1, tq, tv): query step i may attend to value steps j <= i."""
    return (np.arange(tq)[:, None] >= np.arange(tv)[None, :])[None]


class Attention(Layer):
    """Dot-product attention: ``softmax(query @ key^T) @ value``, the scores optionally
    multiplied by a learned scalar ``scale`` (``use_scale``). ``score_mode="concat"`` scores
    with ``concat_score_weight * sum(tanh(scale * (query_i + key_j)))`` instead.

    Example:
        >>> layer = ember.layers.Attention(use_scale=True)
        >>> layer([np.ones((1, 2, 3)), np.ones((1, 4, 3))]).shape, layer.scale.shape
        ((1, 2, 3), ())
    """

    def __init__(
        self,
        use_scale: bool = False,
        score_mode: str = "dot",
        dropout: float = 0.0,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        layer = type(self).__name__
        if score_mode not in ("dot", "concat"):
            raise ValueError(
                f"{layer}: invalid value for argument score_mode. Expected one of "
                f"{{'dot', 'concat'}}. Received: score_mode={score_mode!r}"
            )
        self.use_scale = bool(use_scale)
        self.score_mode = score_mode
        self.dropout = check_fraction(layer, "dropout", dropout)
        self.seed = check_seed(layer, seed)
        self.seed_generator = random_module.SeedGenerator(seed) if self.dropout > 0 else None
        self.supports_masking = True

    # ------------------------------------------------------------------ checks
    def _validate_inputs(self, inputs: Any, mask: Any = None) -> None:
        layer = type(self).__name__
        if not isinstance(inputs, (list, tuple)) or not all(
            isinstance(x, (list, tuple)) or hasattr(x, "shape") for x in inputs
        ):
            raise ValueError(
                f"{layer} layer must be called on a list of inputs, namely [query, value] or "
                f"[query, value, key]. Received: inputs of type {type(inputs).__name__}."
            )
        if not 2 <= len(inputs) <= 3:
            raise ValueError(
                f"{layer} layer accepts inputs list of length 2 or 3, namely [query, value] or "
                f"[query, value, key]. Received length: {len(inputs)}."
            )
        if mask is not None:
            if not isinstance(mask, (list, tuple)):
                raise ValueError(
                    f"{layer} layer mask must be a list, namely [query_mask, value_mask]. "
                    f"Received: mask of type {type(mask).__name__}."
                )
            if not 2 <= len(mask) <= 3:
                raise ValueError(
                    f"{layer} layer accepts mask list of length 2 or 3. Received length: "
                    f"{len(mask)}."
                )

    def _check_shapes(self, shapes: list) -> None:
        query, value = shapes[0], shapes[1]
        key = shapes[2] if len(shapes) > 2 else value
        layer = type(self).__name__
        for name, shape in (("query", query), ("value", value), ("key", key)):
            if len(shape) < 3:
                raise ValueError(
                    f"{layer}: `{name}` must have shape (batch, steps, features); received "
                    f"{tuple(shape)}"
                )
        if key[-2] is not None and value[-2] is not None and key[-2] != value[-2]:
            raise ValueError(
                f"{layer}: `key` and `value` must have the same number of steps; received "
                f"key {tuple(key)} and value {tuple(value)}"
            )
        if self.score_mode == "dot" or isinstance(self, AdditiveAttention):
            if query[-1] is not None and key[-1] is not None and query[-1] != key[-1]:
                raise ValueError(
                    f"{layer}: `query` and `key` must have the same last dimension; received "
                    f"query {tuple(query)} and key {tuple(key)}"
                )

    # ------------------------------------------------------------------ lifecycle
    def build(self, input_shape: Any) -> None:
        self._validate_inputs(input_shape)
        self._check_shapes(list(input_shape))
        self.scale = None
        self.concat_score_weight = None
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(), initializer="ones")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(
                name="concat_score_weight", shape=(), initializer="ones"
            )
        self.built = True

    def _traces_output(self) -> bool:
        return True  # one output or two (return_attention_scores): learned by running call

    def _calculate_scores(self, query: Tensor, key: Tensor) -> Tensor:
        """(..., Tq, Tv) scores."""
        if self.score_mode == "dot":
            scores = products.matmul(query, shaping.swapaxes(key, -2, -1))
            if self.scale is not None:
                scores = ew.multiply(scores, self.scale)
            return scores
        pairs = ew.add(shaping.expand_dims(query, -2), shaping.expand_dims(key, -3))
        if self.scale is not None:
            pairs = ew.multiply(self.scale, pairs)
        return ew.multiply(self.concat_score_weight, red.sum(ew.tanh(pairs), axis=-1))

    def call(
        self,
        inputs: list[Tensor],
        mask: Any = None,
        training: bool | None = False,
        return_attention_scores: bool = False,
        use_causal_mask: bool = False,
    ) -> Any:
        self._validate_inputs(inputs, mask)
        self._check_shapes([t.shape for t in inputs])
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        q_mask = as_mask(mask[0]) if mask else None
        v_mask = as_mask(mask[1]) if mask else None
        scores = self._calculate_scores(query, key)
        allowed = None
        if v_mask is not None:
            allowed = np.expand_dims(v_mask, -2)  # (..., 1, Tv)
        if use_causal_mask:
            causal = causal_mask(scores.shape[-2], scores.shape[-1])
            allowed = causal if allowed is None else allowed & causal
        if allowed is not None:
            penalty = np.where(allowed, np.float32(0), np.float32(-MASK_PENALTY))
            scores = ew.add(scores, penalty)
        weights = nn_ops.softmax(scores, axis=-1)
        if training and self.dropout > 0:
            weights = random_module.dropout(weights, self.dropout, seed=self.seed_generator)
        output = products.matmul(weights, value)
        if q_mask is not None:
            output = ew.multiply(output, np.expand_dims(q_mask, -1).astype(np.float32))
        if return_attention_scores:
            return output, weights
        return output

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        self._validate_inputs(inputs, mask)
        if mask is None or mask[0] is None:
            return None
        return as_mask(mask[0])

    def compute_output_shape(self, input_shape: Any) -> tuple:
        self._validate_inputs(input_shape)
        query, value = input_shape[0], input_shape[1]
        return (*tuple(query)[:-1], value[-1])

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "use_scale": self.use_scale,
            "score_mode": self.score_mode,
            "dropout": self.dropout,
            "seed": self.seed,
        }


class AdditiveAttention(Attention):
    """Additive (Bahdanau-style) attention: scores ``sum(scale * tanh(query_i + key_j))``
    over the features, with a learned per-feature ``scale`` (``use_scale``, the default), then
    ``softmax(scores) @ value`` as ``Attention``.

    Example:
        >>> layer = ember.layers.AdditiveAttention()
        >>> layer([np.ones((1, 2, 3)), np.ones((1, 4, 3))]).shape, layer.scale.shape
        ((1, 2, 3), (3,))
    """

    def __init__(
        self, use_scale: bool = True, dropout: float = 0.0, seed: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(use_scale=use_scale, dropout=dropout, seed=seed, **kwargs)

    def build(self, input_shape: Any) -> None:
        self._validate_inputs(input_shape)
        self._check_shapes(list(input_shape))
        dim = input_shape[0][-1]
        if dim is None:
            raise ValueError(
                f"{self.name}: the last dimension of the query must be known; received "
                f"{tuple(input_shape[0])}"
            )
        self.scale = None
        self.concat_score_weight = None
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(dim,), initializer="glorot_uniform")
        self.built = True

    def _calculate_scores(self, query: Tensor, key: Tensor) -> Tensor:
        pairs = ew.tanh(ew.add(shaping.expand_dims(query, -2), shaping.expand_dims(key, -3)))
        if self.scale is not None:
            pairs = ew.multiply(self.scale, pairs)
        return red.sum(pairs, axis=-1)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["score_mode"]
        return config
