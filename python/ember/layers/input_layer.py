"""``Input`` and ``InputLayer``: the entry points of a functional graph.

Example:
    >>> x = ember.Input(shape=(32, 32, 3), name="image")
    >>> x.shape, x.name
    ((None, 32, 32, 3), 'image')
"""

from __future__ import annotations

from typing import Any

from ember.layers.base import Layer
from ember.layers.node import Node, SymbolicTensor


class InputLayer(Layer):
    """Holds the symbolic input tensor of a model (``shape`` excludes the batch axis)."""

    def __init__(
        self,
        shape: Any = None,
        batch_size: int | None = None,
        dtype: Any = None,
        sparse: bool | None = None,
        batch_shape: Any = None,
        input_tensor: Any = None,
        name: str | None = None,
        input_shape: Any = None,
        batch_input_shape: Any = None,
        **kwargs: Any,
    ) -> None:
        if sparse:
            raise NotImplementedError("InputLayer: sparse inputs are not supported")
        if input_tensor is not None:
            raise NotImplementedError("InputLayer: input_tensor is not supported")
        shape = shape if shape is not None else input_shape
        batch_shape = batch_shape if batch_shape is not None else batch_input_shape
        if shape is None and batch_shape is None:
            raise ValueError("You must pass a `shape` argument.")
        if batch_shape is None:
            if isinstance(shape, int):
                shape = (shape,)
            batch_shape = (batch_size, *tuple(shape))
        super().__init__(name=name, dtype=dtype, **kwargs)
        self._batch_input_shape = tuple(None if d is None else int(d) for d in batch_shape)
        self.built = True
        node = Node(self, (), {}, None)
        tensor = SymbolicTensor(self._batch_input_shape, node=node, name=self.name)
        node.outputs = tensor
        self._inbound_nodes.append(node)
        self.output_tensor = tensor

    def call(self, inputs: Any) -> Any:
        return inputs

    @property
    def batch_shape(self) -> tuple:
        return self._batch_input_shape

    def get_config(self) -> dict:
        return {"batch_shape": list(self._batch_input_shape), "dtype": "float32", "name": self.name}


def Input(  # noqa: N802 - Keras' name
    shape: Any = None,
    batch_size: int | None = None,
    dtype: Any = None,
    sparse: bool | None = None,
    batch_shape: Any = None,
    name: str | None = None,
    tensor: Any = None,
    **kwargs: Any,
) -> SymbolicTensor:
    """A symbolic input of the given per-sample ``shape`` for the functional API.

    Example:
        >>> inputs = ember.Input(shape=(4,))
        >>> outputs = ember.layers.Dense(2)(inputs)
        >>> ember.Model(inputs, outputs).output_shape
        (None, 2)
    """
    layer = InputLayer(
        shape=shape,
        batch_size=batch_size,
        dtype=dtype,
        sparse=sparse,
        batch_shape=batch_shape,
        name=name,
        input_tensor=tensor,
        **kwargs,
    )
    return layer.output_tensor
