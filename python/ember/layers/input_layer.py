"""``Input`` and ``InputLayer``: the entry points of a functional graph.

Example:
    >>> x = ember.Input(shape=(32, 32, 3), name="image")
    >>> x.shape, x.name
    ((None, 32, 32, 3), 'image')
"""

from __future__ import annotations

from typing import Any

from ember.autograd import Tensor, cast_array, numpy_dtype, standardize_dtype
from ember.layers.base import Layer
from ember.layers.node import Node, SymbolicTensor


class InputLayer(Layer):
    """Holds the symbolic input tensor of a model (``shape`` excludes the batch axis) and its
    dtype: float32 by default; integer, boolean and string dtypes for ids, masks and text.

    Example:
        >>> ember.layers.InputLayer(shape=(None,), dtype="int32").dtype
        'int32'
    """

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
        self._input_dtype = standardize_dtype(dtype)
        super().__init__(name=name, **kwargs)
        self._batch_input_shape = tuple(None if d is None else int(d) for d in batch_shape)
        self.built = True
        node = Node(self, (), {}, None)
        tensor = SymbolicTensor(
            self._batch_input_shape, dtype=self._input_dtype, node=node, name=self.name
        )
        node.outputs = tensor
        self._inbound_nodes.append(node)
        self.output_tensor = tensor

    def call(self, inputs: Any) -> Any:
        return inputs

    @property
    def batch_shape(self) -> tuple:
        return self._batch_input_shape

    @property
    def dtype(self) -> str:
        """The dtype model inputs fed here are converted to (``"float32"``, ``"int32"``, ...)."""
        return self._input_dtype

    def get_config(self) -> dict:
        return {
            "batch_shape": list(self._batch_input_shape),
            "dtype": self._input_dtype,
            "name": self.name,
        }


def as_input_dtype(value: Any, dtype: str) -> Any:
    """A model input converted to its Input's dtype, as Keras converts the data it is fed
    (integer data for a float input becomes float32, float ids for an int32 input become
    int32); a Tensor that already has it passes through unchanged."""
    data = value.data if isinstance(value, Tensor) else value
    if data is None:
        return value
    target = numpy_dtype(dtype)
    current = getattr(data, "dtype", None)
    if current == target or (target.kind == "U" and current is not None and current.kind == "U"):
        return value
    return Tensor(cast_array(data, dtype))


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
