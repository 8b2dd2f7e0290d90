"""``Sequential``: a plain stack of layers, each feeding the next.

The input shape comes from ``input_shape=`` on the first layer, an ``Input``/``InputLayer``
added first, or the first data the model sees; once known, ``model.input`` / ``model.output``
exist and every layer is built (so shape errors surface at ``add`` time, as in Keras).

Example:
    >>> model = ember.Sequential([ember.layers.Dense(4, input_shape=(3,)), ember.layers.Dense(1)])
    >>> model.output_shape, model.count_params()
    ((None, 1), 21)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ember.layers.base import Layer, unique_name
from ember.layers.input_layer import InputLayer, as_input_dtype
from ember.layers.node import SymbolicTensor
from ember.models import serialization
from ember.models.functional import Model, _ordered_nodes


class Sequential(Model):
    def __init__(
        self,
        layers: list[Layer] | None = None,
        trainable: bool = True,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name or unique_name("sequential"), trainable=trainable, **kwargs)
        self._stack: list[Layer] = []
        self._chain_blocker: Layer | None = None  # see _inference_chain
        self._input_layer: InputLayer | None = None
        for layer in layers or []:
            self.add(layer)

    @property
    def layers(self) -> list[Layer]:
        return list(self._stack)

    def add(self, layer: Any, rebuild: bool = True) -> None:
        """Append a layer (or an ``Input`` tensor, which sets the input shape)."""
        if isinstance(layer, SymbolicTensor) and isinstance(layer.node.layer, InputLayer):
            layer = layer.node.layer
        if not isinstance(layer, Layer):
            raise TypeError(
                f"Only instances of `ember.layers.Layer` can be added to a "
                f"Sequential model. Received: {layer!r} (of type {type(layer)})"
            )
        if isinstance(layer, InputLayer):
            if self._stack or self._input_layer is not None:
                raise ValueError(f"{self.name}: an InputLayer can only be the first layer")
            self._input_layer = layer
        else:
            if layer in self._stack:
                raise ValueError(f"{self.name}: layer {layer.name} is already in the model")
            self._stack.append(layer)
            self._track_layers([layer])
            if self._input_layer is None and len(self._stack) == 1:
                shape = layer._batch_input_shape
                if shape is None and isinstance(layer, Model) and len(layer.inputs) == 1:
                    shape = layer.inputs[0].shape  # a built model brings its input shape
                if shape is not None:
                    self._input_layer = InputLayer(
                        batch_shape=shape, name=unique_name("input_layer")
                    )
        if rebuild and self._input_layer is not None:
            self._build_graph()

    def pop(self, rebuild: bool = True) -> Layer:
        """Remove and return the last layer."""
        if not self._stack:
            raise TypeError("There are no layers in the model.")
        layer = self._stack.pop()
        if layer in self._sublayers:
            self._sublayers.remove(layer)
        if rebuild:
            if self._stack and self._input_layer is not None:
                self._build_graph()
            else:
                self.inputs_struct = self.outputs_struct = None
                self._nodes = []
                self.built = False
        return layer

    def _build_graph(self) -> None:
        assert self._input_layer is not None
        x = self._input_layer.output_tensor
        start = x
        for layer in self._stack:
            x = layer(x)
        self.inputs_struct, self.outputs_struct = start, x
        self._nodes = _ordered_nodes([x], {id(start)})
        self._graph_layers = [self._input_layer, *self._stack]
        self.built = True

    def build(self, input_shape: Any = None) -> None:
        """Build every layer for per-batch ``input_shape`` (batch axis included)."""
        if self._input_layer is None:
            if input_shape is None:
                raise ValueError(f"{self.name}: build() needs an input shape")
            self._input_layer = InputLayer(
                batch_shape=tuple(input_shape), name=unique_name("input_layer")
            )
        if self._stack:
            self._build_graph()
        self.built = True

    def _maybe_build(self, input_shape: Any) -> None:
        # Built from the first real batch: the batch size stays open (None).
        if not self.built or self.inputs_struct is None:
            self.build((None, *tuple(input_shape)[1:]))

    def call(self, inputs: Any, training: bool | None = None, mask: Any = None) -> Any:
        if not self._stack:
            raise ValueError(f"{self.name}: the model has no layers")
        if not self.built or self.inputs_struct is None:
            shape = tuple(inputs.shape)
            self.build((None, *shape[1:]))
        x = as_input_dtype(inputs, self._input_layer.dtype)
        for layer in self._stack:
            x = layer(x, training=training)
        return x

    def _inference_chain(self) -> list[Callable[[np.ndarray], np.ndarray]] | None:
        """Per-layer numpy functions for predict when every layer has one (see
        Layer._inference_fn), else None: the regular Tensor path then runs."""
        if not self.built or not self._stack:
            return None
        # Called on every predict: ask the layer that had no function last time first, so a
        # model without the numpy path does not build (and drop) the other layers' functions.
        blocker = self._chain_blocker
        if blocker is not None and blocker in self._stack and blocker._inference_fn() is None:
            return None
        chain = []
        for layer in self._stack:
            fn = layer._inference_fn()
            if fn is None:
                object.__setattr__(self, "_chain_blocker", layer)  # not a sub-layer to track
                return None
            chain.append(fn)
        if blocker is not None:
            object.__setattr__(self, "_chain_blocker", None)
        return chain

    def compute_output_shape(self, input_shape: Any) -> Any:
        shape = tuple(input_shape)
        for layer in self._stack:
            shape = layer.compute_output_shape(shape)
        return shape

    def get_config(self) -> dict:
        return serialization.sequential_config(self)

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> Sequential:
        """Rebuild from ``get_config``; layer classes resolve through ``custom_objects``, the
        active custom_object_scope, registration or ember's built-ins.

        Example:
            >>> model = ember.Sequential([ember.layers.Dense(2, input_shape=(3,))])
            >>> ember.Sequential.from_config(model.get_config()).output_shape
            (None, 2)
        """
        return serialization.sequential_from_config(cls, config, custom_objects)
