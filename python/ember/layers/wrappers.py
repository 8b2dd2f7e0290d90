"""Layer wrappers: Wrapper (the base of layers that wrap one), Bidirectional (a recurrent layer
run both ways) and TimeDistributed (a layer applied to every time step).

Example:
    >>> bi = ember.layers.Bidirectional(ember.layers.LSTM(4, return_sequences=True))
    >>> bi(np.zeros((2, 5, 3))).shape
    (2, 5, 8)
"""

from __future__ import annotations

from typing import Any

from ember.autograd import Tensor
from ember.layers.base import Layer
from ember.layers.input_spec import InputSpec
from ember.ops import math as math_ops
from ember.ops import merge as merge_ops
from ember.saving.object_registration import CustomObjectScope
from ember.saving.serialization_lib import deserialize_layer, serialize_layer

MERGE_MODES = ("concat", "sum", "mul", "ave", None)


def _reverse_time(t: Tensor) -> Tensor:
    return math_ops.getitem(t, (slice(None), slice(None, None, -1)))


def _cell_classes(layer: Layer) -> dict[str, type]:
    """The classes of an RNN's cell and of the cells stacked in it, by class name."""
    found: dict[str, type] = {}
    todo = [getattr(layer, "cell", None)]
    while todo:
        cell = todo.pop()
        if cell is None:
            continue
        found[type(cell).__name__] = type(cell)
        todo.extend(getattr(cell, "cells", None) or [])
    return found


class Bidirectional(Layer):
    """Runs ``layer`` forwards and a copy of it backwards over the sequence and merges the two
    outputs (the backward output sequence is reversed back into input order first, as Keras).
    Weights: the forward layer's, then the backward layer's."""

    def __init__(
        self,
        layer: Layer,
        merge_mode: str | None = "concat",
        weights: Any = None,
        backward_layer: Layer | None = None,
        **kwargs: Any,
    ) -> None:
        from ember.layers.recurrent import RNN

        if not isinstance(layer, RNN):
            raise ValueError(
                "Please initialize `Bidirectional` layer with a recurrent layer "
                f"(RNN, SimpleRNN, LSTM or GRU). Received: {layer!r}"
            )
        if merge_mode not in MERGE_MODES:
            raise ValueError(
                f"Invalid merge mode. Received: {merge_mode}. Merge mode should be "
                "one of {'sum', 'mul', 'ave', 'concat', None}"
            )
        super().__init__(**kwargs)
        config = layer.get_config()
        config["name"] = f"forward_{layer.name}"
        # The copies are made from the config, where the layer's own cell classes (a user's
        # cell in RNN(cell)) resolve as the layer's class itself does: by the objects in hand.
        with CustomObjectScope(_cell_classes(layer)):
            self.forward_layer = type(layer).from_config(config)
            if backward_layer is None:
                back = dict(
                    config, name=f"backward_{layer.name}", go_backwards=not layer.go_backwards
                )
                backward_layer = type(layer).from_config(back)
        if backward_layer.go_backwards == layer.go_backwards:
            raise ValueError(
                "Forward layer and backward layer should have different `go_backwards` value."
            )
        self.backward_layer = backward_layer
        # As Keras: when returning sequences, masked steps output zeros in both directions.
        for half in (self.forward_layer, self.backward_layer):
            half.zero_output_for_mask = half.return_sequences
        self.merge_mode = merge_mode
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True
        self._initial_weights = weights

    @property
    def input_spec(self) -> Any:  # type: ignore[override]
        """The wrapped layer's: rank 3, and after build its feature size."""
        return self.forward_layer.input_spec

    def build(self, input_shape: Any) -> None:
        self.forward_layer._maybe_build(input_shape)
        self.backward_layer._maybe_build(input_shape)
        self.built = True
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def _merge(self, a: Any, b: Any) -> Any:
        if self.merge_mode == "concat":
            return merge_ops.concatenate([a, b], axis=-1)
        if self.merge_mode == "sum":
            return merge_ops.add([a, b])
        if self.merge_mode == "mul":
            return merge_ops.multiply([a, b])
        if self.merge_mode == "ave":
            return math_ops.multiply(merge_ops.add([a, b]), 0.5)
        return [a, b]

    def call(
        self,
        inputs: Tensor,
        mask: Any = None,
        training: bool | None = None,
        initial_state: Any = None,
    ) -> Any:
        f_state = b_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            f_state, b_state = initial_state[:half], initial_state[half:]
        forward = self.forward_layer.call(
            inputs, mask=mask, training=training, initial_state=f_state
        )
        backward = self.backward_layer.call(
            inputs, mask=mask, training=training, initial_state=b_state
        )
        for layer, out in ((self.forward_layer, forward), (self.backward_layer, backward)):
            if layer.activity_regularizer is not None:  # as Keras, which calls each half
                layer._add_activity_losses(out)
        f_states = b_states = []
        if self.return_state:
            forward, *f_states = forward
            backward, *b_states = backward
        if self.return_sequences:
            backward = _reverse_time(backward)
        merged = self._merge(forward, backward)
        if self.return_state:
            outputs = merged if isinstance(merged, list) else [merged]
            return [*outputs, *f_states, *b_states]
        return merged

    def compute_output_shape(self, input_shape: Any) -> Any:
        one = self.forward_layer.compute_output_shape(input_shape)
        states: list = []
        if self.return_state:
            one, *states = one
        if self.merge_mode == "concat":
            out: Any = (*one[:-1], None if one[-1] is None else 2 * one[-1])
        elif self.merge_mode is None:
            out = [one, one]
        else:
            out = one
        if self.return_state:
            outs = out if isinstance(out, list) else [out]
            return [*outs, *states, *states]
        return out

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        if mask is None or not self.return_sequences:
            return None
        return mask[0] if isinstance(mask, list) else mask

    def reset_states(self) -> None:
        self.forward_layer.reset_states()
        self.backward_layer.reset_states()

    def get_config(self) -> dict:
        config = {**super().get_config(), "merge_mode": self.merge_mode}
        layer_config = serialize_layer(self.forward_layer)
        name = self.forward_layer.name.removeprefix("forward_")
        layer_config["name"] = name
        if "name" in layer_config["config"]:
            layer_config["config"]["name"] = name
        config["layer"] = layer_config
        return config

    @classmethod
    def from_config(
        cls, config: dict, custom_objects: dict[str, Any] | None = None
    ) -> Bidirectional:
        """Rebuild from ``get_config``; the wrapped layer's class resolves through
        ``custom_objects``, the active custom_object_scope, registration or ember's built-ins.

        Example:
            >>> bi = ember.layers.Bidirectional(ember.layers.GRU(2))
            >>> type(ember.layers.Bidirectional.from_config(bi.get_config()).forward_layer)
            <class 'ember.layers.recurrent.GRU'>
        """
        config = dict(config)
        layer = deserialize_layer(config.pop("layer"), custom_objects)
        return cls(layer, **config)


class Wrapper(Layer):
    """Keras' base of layers that wrap another layer (``self.layer``): it builds the wrapped
    layer with the wrapper's input shape, saves it in the config under ``"layer"`` and rebuilds
    it on load (its class resolving as any layer's does). Subclass it and write ``call``.

    Example:
        >>> class Twice(ember.layers.Wrapper):
        ...     def call(self, inputs):
        ...         return self.layer(inputs) * 2.0
        >>> twice = Twice(ember.layers.Dense(3, kernel_initializer="ones"))
        >>> twice(np.ones((1, 2))).numpy()
        array([[4., 4., 4.]], dtype=float32)
        >>> type(Twice.from_config(twice.get_config()).layer).__name__
        'Dense'
    """

    def __init__(self, layer: Layer, **kwargs: Any) -> None:
        if not isinstance(layer, Layer):
            raise ValueError(
                f"Please initialize `{type(self).__name__}` layer with a `Layer` "
                f"instance. Received: {layer!r}"
            )
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape: Any = None) -> None:
        if not self.layer.built:
            self.layer._maybe_build(input_shape)
        self.built = True

    def compute_output_shape(self, input_shape: Any) -> Any:
        return self.layer.compute_output_shape(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "layer": serialize_layer(self.layer)}

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict[str, Any] | None = None) -> Wrapper:
        """Rebuild from ``get_config``; the wrapped layer's class resolves through
        ``custom_objects``, the active custom_object_scope, registration or ember's built-ins.

        Example:
            >>> td = ember.layers.TimeDistributed(ember.layers.Dense(3))
            >>> ember.layers.TimeDistributed.from_config(td.get_config()).layer.units
            3
        """
        config = dict(config)
        layer = deserialize_layer(config.pop("layer"), custom_objects)
        return cls(layer, **config)


class TimeDistributed(Wrapper):
    """Applies ``layer`` to every time step: (batch, time, ...) -> (batch, time, ...)."""

    def __init__(self, layer: Layer, **kwargs: Any) -> None:
        super().__init__(layer, **kwargs)
        self.supports_masking = True
        self.input_spec = InputSpec(min_ndim=3)

    def _inner(self, shape: Any) -> tuple:
        return (None, *tuple(shape)[2:])

    def build(self, input_shape: Any) -> None:
        self.layer._maybe_build(self._inner(input_shape))
        self.built = True

    def compute_output_shape(self, input_shape: Any) -> tuple:
        inner = self.layer.compute_output_shape(self._inner(input_shape))
        return (input_shape[0], input_shape[1], *tuple(inner)[1:])

    def call(self, inputs: Tensor, training: bool | None = None, mask: Any = None) -> Tensor:
        batch, time = inputs.shape[0], inputs.shape[1]
        flat = math_ops.reshape(inputs, (batch * time, *inputs.shape[2:]))
        out = self.layer(flat, training=training)
        return math_ops.reshape(out, (batch, time, *out.shape[1:]))
