"""``OpLayer``: one call of an ember op on symbolic tensors, as a node of a functional model.

Keras 3 lets ``keras.ops`` functions and Python operators take the symbolic tensors of a
functional model; ember records each such call as an OpLayer that runs the op, by name, when
the model runs. Its output shapes and dtypes come from running the op on stand-in data. Only
ops registered in ``ember.ops.dispatch`` can be named, so a saved model never runs other code.

Example:
    >>> x = ember.Input((3,))
    >>> y = x * 2.0 + 1.0
    >>> model = ember.Model(x, y)
    >>> model.predict(np.ones((1, 3)), verbose=0)
    array([[3., 3., 3.]], dtype=float32)
"""

from __future__ import annotations

from typing import Any

from ember.layers.base import Layer, trace_output_specs, unique_name
from ember.layers.node import Node, SymbolicTensor, flatten
from ember.ops import dispatch


class OpLayer(Layer):
    """Runs the registered op ``op`` on its arguments (tensors and constants)."""

    def __init__(self, op: str, name: str | None = None, **kwargs: Any) -> None:
        self._fn = dispatch.get_op(op)  # ValueError for a name ember does not have
        super().__init__(name=name or unique_name(op), **kwargs)
        self.op = op
        self._call_takes_training = False
        self._call_takes_mask = False
        self.built = True

    def call(self, *args: Any, **kwargs: Any) -> Any:
        return self._fn(*args, **kwargs)

    def _traces_output(self) -> bool:
        return True

    def _symbolic_call(self, inputs: Any, args: tuple, kwargs: dict) -> Any:
        # The first argument need not be a tensor (``ops.add(2.0, x)``): no input checks, the
        # outputs are traced.
        node = Node(self, args, kwargs, None)
        specs = trace_output_specs(self, args, kwargs)

        def make(spec: tuple, i: int) -> SymbolicTensor:
            return SymbolicTensor(spec[0], dtype=spec[1], node=node, index=i, name=self.name)

        outputs: Any = (
            [make(s, i) for i, s in enumerate(specs)] if isinstance(specs, list) else make(specs, 0)
        )
        node.outputs = outputs
        self._inbound_nodes.append(node)
        return outputs

    def compute_output_shape(self, input_shape: Any) -> Any:
        node = self._node()
        shapes = [t.shape for t in flatten(node.outputs)]
        return shapes if len(shapes) > 1 else shapes[0]

    def get_config(self) -> dict:
        return {"name": self.name, "op": self.op}

    def __repr__(self) -> str:
        return f"<OpLayer {self.op} name={self.name}>"
