"""``MultiHeadAttention``, as Keras 3: query, key and value are projected per head by
EinsumDense layers named ``query``, ``key``, ``value`` (and ``gate`` with ``use_gate``), the
heads attend with scaled dot products over ``attention_axes``, and ``attention_output``
projects the heads back. Weights are created, named and ordered as Keras', so
``set_weights(keras_layer.get_weights())`` gives Keras' numbers.

Masks: the query's and value's (and key's) masks (from the tensors, e.g. an Embedding with
``mask_zero``, or the ``query_mask``/``value_mask``/``key_mask`` arguments), an explicit
``attention_mask`` (batch, T, S) and ``use_causal_mask`` are combined with logical and;
masked scores are replaced by -1e9 before the softmax. Unlike Keras 3.15, which reads the
query mask only from the query tensor and silently ignores an explicit ``query_mask``
argument, ember applies an explicit ``query_mask`` too.

Example:
    >>> mha = ember.layers.MultiHeadAttention(num_heads=2, key_dim=4)
    >>> x = np.ones((1, 3, 8))
    >>> out, scores = mha(x, x, return_attention_scores=True)
    >>> out.shape, scores.shape, [w.path for w in mha.weights][:2]
    ((1, 3, 8), (1, 2, 3, 3), ['query/kernel', 'query/bias'])
"""

from __future__ import annotations

import math
import string
from typing import Any

import numpy as np

from ember import constraints as constraints_module
from ember import initializers as initializers_module
from ember import random as random_module
from ember import regularizers as regularizers_module
from ember.autograd import Tensor
from ember.layers.attention import as_mask
from ember.layers.base import Layer
from ember.layers.einsum_dense import EinsumDense
from ember.layers.noise import check_fraction, check_seed
from ember.ops import elementwise as ew
from ember.ops import nn as nn_ops
from ember.ops import products

_LARGE_NEGATIVE = -1.0e9  # what masked scores become (Keras' value for float32)


def _positive_int(arg: str, value: Any, allow_none: bool = False) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(
            f"MultiHeadAttention: received an invalid value for argument `{arg}`, expected a "
            f"positive integer{' or None' if allow_none else ''}. Received: {arg}={value!r}"
        )
    return int(value)


def projection_equation(free_dims: int, bound_dims: int, output_dims: int) -> tuple[str, str, int]:
    """The einsum of a projection: ``free_dims`` axes kept, ``bound_dims`` contracted with
    the kernel, ``output_dims`` made by it; also the bias letters and the output rank."""
    letters = string.ascii_lowercase
    free = letters[:free_dims]
    bound = letters[free_dims : free_dims + bound_dims]
    made = letters[free_dims + bound_dims : free_dims + bound_dims + output_dims]
    return f"{free}{bound},{bound}{made}->{free}{made}", made, free_dims + output_dims


def attention_equations(rank: int, attn_axes: tuple[int, ...]) -> tuple[str, str, int]:
    """Einsums for projected (batch..., attention axes..., heads, channels) tensors of
    ``rank``: key x query -> scores (batch..., heads, query axes..., key axes...), and
    scores x value -> output; also the scores' rank."""
    letters = string.ascii_lowercase
    target = letters[:rank]
    batch = [i for i in range(rank) if i not in attn_axes and i != rank - 1]
    source = list(target)
    nxt = rank
    for i in range(rank):
        if i not in batch and i != rank - 1:
            source[i] = letters[nxt]
            nxt += 1
    source_s = "".join(source)
    product = (
        "".join(target[i] for i in batch)
        + "".join(target[i] for i in attn_axes)
        + "".join(source[i] for i in attn_axes)
    )
    return f"{source_s},{target}->{product}", f"{product},{source_s}->{target}", len(product)


def _output_shape_for(rank: int, last: list) -> list:
    return [None] * (rank - len(last)) + list(last)


class MultiHeadAttention(Layer):
    """Multi-head attention (Vaswani et al., 2017) with Keras' arguments: ``num_heads``,
    ``key_dim`` (per head, for query and key), ``value_dim`` (per head, default key_dim),
    ``dropout`` on the attention weights while training, ``use_bias``, ``output_shape``
    (default: the query's last size), ``attention_axes`` (default: every axis between the
    batch and the features), ``use_gate`` (a sigmoid gate on the heads), ``sliding_window``
    and the kernel/bias initializers, regularizers and constraints.

    Call: ``layer(query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
    attention_mask=None, return_attention_scores=False, training=None,
    use_causal_mask=False)``; the scores are (batch, heads, query steps, key steps).

    Example:
        >>> mha = ember.layers.MultiHeadAttention(2, 3, output_shape=5)
        >>> q, v = np.ones((2, 4, 6)), np.ones((2, 7, 6))
        >>> mha(q, v).shape, [tuple(w.shape) for w in mha.weights][-2:]
        ((2, 4, 5), [(2, 3, 5), (5,)])
    """

    def __init__(
        self,
        num_heads: int,
        key_dim: int,
        value_dim: int | None = None,
        dropout: float = 0.0,
        use_bias: bool = True,
        output_shape: Any = None,
        attention_axes: Any = None,
        sliding_window: int | None = None,
        flash_attention: bool | None = None,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        use_gate: bool = False,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        num_heads = _positive_int("num_heads", num_heads)
        key_dim = _positive_int("key_dim", key_dim)
        value_dim = _positive_int("value_dim", value_dim, allow_none=True)
        super().__init__(**kwargs)
        self.supports_masking = True
        self._num_heads = num_heads
        self._key_dim = key_dim
        self._value_dim = value_dim if value_dim else key_dim
        self._dropout = check_fraction("MultiHeadAttention", "dropout", dropout)
        self._use_bias = bool(use_bias)
        self._use_gate = bool(use_gate)
        if output_shape:
            if isinstance(output_shape, (int, np.integer)):
                output_shape = (int(output_shape),)
            try:
                output_shape = tuple(int(d) for d in output_shape)
            except (TypeError, ValueError):
                raise ValueError(
                    f"MultiHeadAttention: invalid `output_shape`: {output_shape!r}. When "
                    "specified, the `output_shape` should be of type tuple, list, or int."
                ) from None
        self._output_shape = output_shape or None
        if isinstance(attention_axes, (int, np.integer)) and not isinstance(attention_axes, bool):
            attention_axes = (int(attention_axes),)
        elif attention_axes is not None:
            if not isinstance(attention_axes, (list, tuple)) or not all(
                isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in attention_axes
            ):
                raise ValueError(
                    "MultiHeadAttention: `attention_axes` must be an int, list, or tuple of "
                    f"ints. Received: attention_axes={attention_axes!r}"
                )
            attention_axes = tuple(int(a) for a in attention_axes)
        self._attention_axes = attention_axes
        self._sliding_window = _positive_int("sliding_window", sliding_window, allow_none=True)
        if flash_attention and self._dropout > 0:
            raise ValueError(
                "MultiHeadAttention: dropout is not supported when flash attention is enabled. "
                "Please set dropout to 0.0 to use flash attention."
            )
        self._flash_attention = flash_attention
        self._kernel_initializer = initializers_module.get(kernel_initializer)
        self._bias_initializer = initializers_module.get(bias_initializer)
        self._kernel_regularizer = regularizers_module.get(kernel_regularizer)
        self._bias_regularizer = regularizers_module.get(bias_regularizer)
        self._mha_activity_regularizer = regularizers_module.get(activity_regularizer)
        self._kernel_constraint = constraints_module.get(kernel_constraint)
        self._bias_constraint = constraints_module.get(bias_constraint)
        self.seed = check_seed("MultiHeadAttention", seed)
        self.seed_generator = random_module.SeedGenerator(seed) if self._dropout > 0 else None
        self._inverse_sqrt_key_dim = 1.0 / math.sqrt(float(self._key_dim))
        self._projections_built = False

    # ------------------------------------------------------------------ properties
    num_heads = property(lambda self: self._num_heads)
    key_dim = property(lambda self: self._key_dim)
    value_dim = property(lambda self: self._value_dim)
    dropout = property(lambda self: self._dropout)
    use_bias = property(lambda self: self._use_bias)
    attention_axes = property(lambda self: self._attention_axes)

    @property
    def query_dense(self) -> EinsumDense:
        return self._query_dense

    @property
    def key_dense(self) -> EinsumDense:
        return self._key_dense

    @property
    def value_dense(self) -> EinsumDense:
        return self._value_dense

    @property
    def output_dense(self) -> EinsumDense:
        return self._output_dense

    # ------------------------------------------------------------------ build
    def _sublayer_kwargs(self) -> dict:
        def fresh(init: Any) -> Any:
            return type(init).from_config(init.get_config())

        return {
            "kernel_initializer": fresh(self._kernel_initializer),
            "bias_initializer": fresh(self._bias_initializer),
            "kernel_regularizer": self._kernel_regularizer,
            "bias_regularizer": self._bias_regularizer,
            "activity_regularizer": self._mha_activity_regularizer,
            "kernel_constraint": self._kernel_constraint,
            "bias_constraint": self._bias_constraint,
        }

    def _projection(self, rank: int, last: list, name: str, **extra: Any) -> EinsumDense:
        equation, bias_axes, out_rank = projection_equation(rank - 1, 1, 2)
        return EinsumDense(
            equation,
            output_shape=_output_shape_for(out_rank - 1, last),
            bias_axes=bias_axes if self._use_bias else None,
            name=name,
            **extra,
            **self._sublayer_kwargs(),
        )

    def build(self, query_shape: Any, value_shape: Any = None, key_shape: Any = None) -> None:
        """Create the projections. ``__call__`` passes only the query's shape; the layer
        then builds on its first call, when the value's and key's shapes are known (or
        call ``build(query_shape, value_shape, key_shape)`` yourself)."""
        if value_shape is None:
            return
        query_shape, value_shape = tuple(query_shape), tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        self._check_shapes(query_shape, value_shape, key_shape)
        heads = self._num_heads
        self._query_dense = self._projection(len(query_shape), [heads, self._key_dim], "query")
        self._query_dense.build(query_shape)
        self._key_dense = self._projection(len(key_shape), [heads, self._key_dim], "key")
        self._key_dense.build(key_shape)
        if self._use_gate:
            self._gate_dense = self._projection(
                len(query_shape), [heads, self._value_dim], "gate", activation="sigmoid"
            )
            self._gate_dense.build(query_shape)
        self._value_dense = self._projection(len(value_shape), [heads, self._value_dim], "value")
        self._value_dense.build(value_shape)
        rank = len(value_shape) + 1  # the projected tensors have a heads axis
        if self._attention_axes is None:
            axes = tuple(range(1, rank - 2))
        else:
            axes = tuple(a if a >= 0 else (rank - 1) + a for a in self._attention_axes)
            if any(not 0 < a < rank - 2 for a in axes):
                raise ValueError(
                    f"{self.name}: `attention_axes` {self._attention_axes} must lie between the "
                    f"batch axis and the feature axis of inputs of rank {len(query_shape)}"
                )
        self._attention_axes = axes
        self._dot_product_equation, self._combine_equation, scores_rank = attention_equations(
            rank, axes
        )
        self._norm_axes = tuple(range(scores_rank - len(axes), scores_rank))
        out_last = list(self._output_shape) if self._output_shape else [query_shape[-1]]
        equation, bias_axes, out_rank = projection_equation(len(query_shape) - 1, 2, len(out_last))
        self._output_dense = EinsumDense(
            equation,
            output_shape=_output_shape_for(out_rank - 1, out_last),
            bias_axes=bias_axes if self._use_bias else None,
            name="attention_output",
            **self._sublayer_kwargs(),
        )
        dense_input = list(self._query_dense.compute_output_shape(query_shape))
        dense_input[-1] = self._value_dim
        self._output_dense.build(tuple(dense_input))
        self._projections_built = True
        self.built = True

    def _check_shapes(self, query: tuple, value: tuple, key: tuple) -> None:
        if value[1:-1] != key[1:-1]:
            raise ValueError(
                f"{self.name}: all dimensions of `value` and `key`, except the last one, must "
                f"be equal. Received: value_shape={value} and key_shape={key}"
            )
        if len(query) < 3 or len(query) != len(value):
            raise ValueError(
                f"{self.name}: `query` and `value` must have the same rank, at least 3 "
                f"(batch, steps..., features). Received: query_shape={query}, "
                f"value_shape={value}"
            )
        for name, shape in (("query", query), ("value", value), ("key", key)):
            if shape[-1] is None:
                raise ValueError(
                    f"{self.name}: the last dimension of `{name}` must be known; received "
                    f"{name}_shape={shape}"
                )

    def _traces_output(self) -> bool:
        return True  # symbolic calls run call on stand-ins (it builds on its first call)

    # ------------------------------------------------------------------ masks
    def _attention_mask(
        self,
        query: Tensor,
        value: Tensor,
        query_mask: Any,
        value_mask: Any,
        key_mask: Any,
        attention_mask: Any,
        use_causal_mask: bool,
    ) -> np.ndarray | None:
        """The combined boolean (batch or 1, T, S) mask, or None."""
        masks = []
        if query_mask is not None:
            masks.append(as_mask(query_mask)[..., None])  # (B, T, 1)
        if value_mask is not None:
            masks.append(as_mask(value_mask)[..., None, :])  # (B, 1, S)
        if key_mask is not None:
            masks.append(as_mask(key_mask)[..., None, :])
        t, s = query.shape[1], value.shape[1]
        rows, cols = np.arange(t)[:, None], np.arange(s)[None, :]
        if use_causal_mask:
            masks.append((rows >= cols)[None])
        if self._sliding_window is not None:
            masks.append((np.abs(rows - cols) < self._sliding_window)[None])
        if attention_mask is not None:
            masks.append(as_mask(attention_mask))
        if not masks:
            return None
        out = masks[0]
        for m in masks[1:]:
            out = out & m
        return out

    def _masked_softmax(self, scores: Tensor, mask: np.ndarray | None) -> Tensor:
        if mask is not None:
            expand_at = -len(self._attention_axes) * 2 - 1
            while mask.ndim < scores.ndim:
                mask = np.expand_dims(mask, expand_at)
            try:
                mask = np.broadcast_to(mask, scores.shape)
            except ValueError:
                raise ValueError(
                    f"{self.name}: the attention mask of shape {mask.shape} does not broadcast "
                    f"to the attention scores of shape {tuple(scores.shape)}"
                ) from None
            # where(mask, scores, -1e9), as Keras' masked softmax.
            keep = mask.astype(np.float32)
            fill = np.where(mask, np.float32(0), np.float32(_LARGE_NEGATIVE))
            scores = ew.add(ew.multiply(scores, keep), fill)
        return nn_ops.softmax(scores, axis=self._norm_axes)

    # ------------------------------------------------------------------ call
    def call(
        self,
        query: Tensor,
        value: Any,
        key: Any = None,
        query_mask: Any = None,
        value_mask: Any = None,
        key_mask: Any = None,
        attention_mask: Any = None,
        return_attention_scores: bool = False,
        training: bool | None = None,
        use_causal_mask: bool = False,
    ) -> Any:
        value = value if isinstance(value, Tensor) else Tensor(np.asarray(value, np.float32))
        key_given = key is not None
        if key is None:
            key = value
        elif not isinstance(key, Tensor):
            key = Tensor(np.asarray(key, np.float32))
        if query_mask is None:
            query_mask = getattr(query, "_keras_mask", None)
        if value_mask is None:
            value_mask = getattr(value, "_keras_mask", None)
        if key_mask is None and key_given and key is not value:
            key_mask = getattr(key, "_keras_mask", None)
        if not self._projections_built:
            self.build(query.shape, value.shape, key.shape)
        self._check_shapes(tuple(query.shape), tuple(value.shape), tuple(key.shape))
        mask = self._attention_mask(
            query, value, query_mask, value_mask, key_mask, attention_mask, use_causal_mask
        )
        gate = self._gate_dense(query) if self._use_gate else None
        q = self._query_dense(query)
        k = self._key_dense(key)
        v = self._value_dense(value)
        q = ew.multiply(q, np.float32(self._inverse_sqrt_key_dim))
        scores = products.einsum(self._dot_product_equation, k, q)
        scores = self._masked_softmax(scores, mask)
        weights = scores
        if training and self._dropout > 0:
            weights = random_module.dropout(scores, self._dropout, seed=self.seed_generator)
        output = products.einsum(self._combine_equation, weights, v)
        if gate is not None:
            output = ew.multiply(output, gate)
        output = self._output_dense(output)
        if query_mask is not None:
            output._keras_mask = as_mask(query_mask)
        if return_attention_scores:
            return output, scores
        return output

    def compute_output_shape(
        self, query_shape: Any, value_shape: Any = None, key_shape: Any = None
    ) -> tuple:
        query_shape = tuple(query_shape)
        if value_shape is not None:
            value_shape = tuple(value_shape)
            key_shape = value_shape if key_shape is None else tuple(key_shape)
            if value_shape[1:-1] != key_shape[1:-1]:
                raise ValueError(
                    f"{self.name}: all dimensions of `value` and `key`, except the last one, "
                    f"must be equal. Received: value_shape={value_shape} and "
                    f"key_shape={key_shape}"
                )
        if self._output_shape:
            return query_shape[:-1] + tuple(self._output_shape)
        return query_shape

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "num_heads": self._num_heads,
            "key_dim": self._key_dim,
            "value_dim": self._value_dim,
            "dropout": self._dropout,
            "use_bias": self._use_bias,
            "use_gate": self._use_gate,
            "output_shape": None if self._output_shape is None else list(self._output_shape),
            "attention_axes": (
                None if self._attention_axes is None else list(self._attention_axes)
            ),
            "sliding_window": self._sliding_window,
            "kernel_initializer": initializers_module.serialize(self._kernel_initializer),
            "bias_initializer": initializers_module.serialize(self._bias_initializer),
            "kernel_regularizer": regularizers_module.serialize(self._kernel_regularizer),
            "bias_regularizer": regularizers_module.serialize(self._bias_regularizer),
            "activity_regularizer": regularizers_module.serialize(self._mha_activity_regularizer),
            "kernel_constraint": constraints_module.serialize(self._kernel_constraint),
            "bias_constraint": constraints_module.serialize(self._bias_constraint),
            "seed": self.seed,
        }
