"""``Model``: a graph of layers from symbolic inputs to outputs (the functional API), or a
subclass that defines ``call`` itself. Training methods come from ``Trainer``.

Example:
    >>> inputs = ember.Input(shape=(8,))
    >>> hidden = ember.layers.Dense(4, activation="relu")(inputs)
    >>> model = ember.Model(inputs=inputs, outputs=ember.layers.Dense(1)(hidden))
    >>> model.predict(np.ones((2, 8)), verbose=0).shape
    (2, 1)
"""

from __future__ import annotations

import inspect
from typing import Any

from ember.autograd import Tensor
from ember.layers.base import Layer, shape_of, unique_name
from ember.layers.input_layer import InputLayer, as_input_dtype
from ember.layers.node import Node, SymbolicTensor, flatten, map_structure
from ember.models import serialization
from ember.models.training import Trainer
from ember.saving.serialization_lib import serialize_layer


def _is_input_tensor(t: SymbolicTensor) -> bool:
    return t.node is not None and isinstance(t.node.layer, InputLayer)


class Model(Trainer, Layer, serialized_name="Functional", aliases=("Model",)):
    """A trainable graph of layers. ``Model(inputs, outputs)`` builds a functional model;
    subclasses may instead create layers in ``__init__`` and override ``call``."""

    def __init__(
        self,
        inputs: Any = None,
        outputs: Any = None,
        name: str | None = None,
        trainable: bool = True,
        **kwargs: Any,
    ) -> None:
        if name is None:
            name = unique_name("functional" if inputs is not None else _snake(type(self).__name__))
        Layer.__init__(self, name=name, trainable=trainable, **kwargs)
        Trainer.__init__(self)
        self._nodes: list[Node] = []
        self._graph_layers: list[Layer] = []
        self.inputs_struct: Any = None
        self.outputs_struct: Any = None
        if inputs is not None or outputs is not None:
            if inputs is None or outputs is None:
                raise ValueError("A functional Model needs both `inputs` and `outputs`")
            self._init_graph(inputs, outputs)

    # ------------------------------------------------------------------ graph
    def _init_graph(self, inputs: Any, outputs: Any) -> None:
        for t in flatten(inputs):
            if not isinstance(t, SymbolicTensor) or not _is_input_tensor(t):
                raise ValueError(
                    f"{self.name}: all `inputs` must come from `ember.Input()` (an InputLayer); "
                    f"received {t!r}"
                )
        for t in flatten(outputs):
            if not isinstance(t, SymbolicTensor):
                raise ValueError(
                    f"{self.name}: all `outputs` must be symbolic tensors produced "
                    f"by layers; received {t!r}"
                )
        self.inputs_struct = inputs
        self.outputs_struct = outputs
        input_ids = {id(t) for t in flatten(inputs)}
        self._nodes = _ordered_nodes(flatten(outputs), input_ids)
        layers = _layers_by_depth(self._nodes, flatten(inputs), flatten(outputs))
        self._graph_layers = layers
        self._track_layers(layers)
        self.built = True

    @property
    def layers(self) -> list[Layer]:
        return list(self._graph_layers)

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """A layer by name or by index into ``layers``."""
        if index is not None:
            if not -len(self.layers) <= index < len(self.layers):
                raise ValueError(
                    f"Was asked to retrieve layer at index {index} but model only "
                    f"has {len(self.layers)} layers."
                )
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(
            f"No such layer: {name}. Existing layers are: {[layer.name for layer in self.layers]}."
        )

    @property
    def inputs(self) -> list[SymbolicTensor]:
        return [t for t in flatten(self.inputs_struct)] if self.inputs_struct is not None else []

    @property
    def outputs(self) -> list[SymbolicTensor]:
        return [t for t in flatten(self.outputs_struct)] if self.outputs_struct is not None else []

    @property
    def input(self) -> Any:
        if self.inputs_struct is None:
            raise AttributeError(f"Model {self.name} has no defined input (it is not built)")
        return self.inputs_struct

    @property
    def output(self) -> Any:
        if self.outputs_struct is None:
            raise AttributeError(f"Model {self.name} has no defined output (it is not built)")
        return self.outputs_struct

    @property
    def input_shape(self) -> Any:
        return shape_of(self.input)

    @property
    def output_shape(self) -> Any:
        return shape_of(self.output)

    @property
    def input_names(self) -> list[str]:
        return [t.node.layer.name for t in self.inputs]

    @property
    def output_names(self) -> list[str]:
        return [t.node.layer.name for t in self.outputs]

    # ------------------------------------------------------------------ running
    def _bind_inputs(self, inputs: Any) -> dict[int, Any]:
        model_inputs = self.inputs
        if isinstance(inputs, dict):
            by_name = {t.node.layer.name: t for t in model_inputs}
            missing = [n for n in by_name if n not in inputs]
            if missing:
                raise ValueError(
                    f"{self.name}: missing input(s) {missing}; the model's inputs "
                    f"are {list(by_name)}"
                )
            return {id(by_name[n]): inputs[n] for n in by_name}
        given = flatten(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        if len(given) != len(model_inputs):
            raise ValueError(
                f"{self.name} expects {len(model_inputs)} input(s), but it "
                f"received {len(given)} input tensors."
            )
        return {id(s): v for s, v in zip(model_inputs, given)}

    def call(self, inputs: Any, training: bool | None = None, mask: Any = None) -> Any:
        if not self._nodes and self.inputs_struct is None:
            raise NotImplementedError(
                f"{type(self).__name__}.call is not implemented: a "
                "subclassed Model must define call()"
            )
        values: dict[int, Any] = self._bind_inputs(inputs)
        for t in self.inputs:
            v = values[id(t)] = as_input_dtype(values[id(t)], t.dtype)
            expected = t.shape[1:]
            got = tuple(v.shape)[1:]
            if len(got) != len(expected) or any(
                e is not None and e != g for e, g in zip(expected, got)
            ):
                raise ValueError(
                    f'Input "{t.node.layer.name}" of model "{self.name}" is incompatible: '
                    f"expected shape {t.shape}, but received input with shape {tuple(v.shape)}"
                )
        for node in self._nodes:
            args = map_structure(
                lambda s: values[id(s)] if isinstance(s, SymbolicTensor) else s, node.args
            )
            kwargs = map_structure(
                lambda s: values[id(s)] if isinstance(s, SymbolicTensor) else s, node.kwargs
            )
            kwargs = {k: v for k, v in kwargs.items() if k != "training"}
            out = node.layer(*args, training=training, **kwargs)
            for sym, real in zip(flatten(node.outputs), flatten(out)):
                values[id(sym)] = real
        return map_structure(lambda s: values[id(s)], self.outputs_struct)

    def _traces_output(self) -> bool:
        # A subclassed Model (no graph of its own) is traced like a user's layer.
        if self.inputs_struct is None and type(self).__module__.startswith("ember."):
            return False
        return self.inputs_struct is None and "compute_output_shape" not in {
            k
            for c in type(self).__mro__
            if not c.__module__.startswith("ember.")
            for k in c.__dict__
        }

    def compute_output_shape(self, input_shape: Any) -> Any:
        if self.inputs_struct is None:
            return Layer.compute_output_shape(self, input_shape)
        model_inputs = self.inputs
        if len(model_inputs) == 1:
            shapes: dict[int, Any] = {id(model_inputs[0]): tuple(input_shape)}
        elif isinstance(input_shape, dict):
            shapes = {id(t): tuple(input_shape[t.node.layer.name]) for t in model_inputs}
        else:
            shapes = {id(t): tuple(s) for t, s in zip(model_inputs, input_shape)}
        for node in self._nodes:
            arg_shapes = map_structure(
                lambda s: shapes[id(s)] if isinstance(s, SymbolicTensor) else s, node.args[0]
            )
            syms = flatten(node.outputs)
            if node.layer._traces_output():
                # Its shapes were traced when the graph was made: the batch axis is all that
                # can differ, and it stays unknown.
                out = [s.shape for s in syms] if len(syms) > 1 else syms[0].shape
            else:
                out = node.layer.compute_output_shape(arg_shapes)
            outs = out if isinstance(out, list) and out and isinstance(out[0], tuple) else [out]
            for sym, shape in zip(syms, outs):
                shapes[id(sym)] = tuple(shape)
        result = map_structure(lambda s: shapes[id(s)], self.outputs_struct)
        return result

    def build(self, input_shape: Any) -> None:
        self.built = True

    # ------------------------------------------------------------------ saving and display
    def save(
        self, filepath: Any, overwrite: bool = True, include_optimizer: bool = True, **kwargs: Any
    ) -> None:
        """Save architecture, weights and optimizer state to one file (a zip, no pickle)."""
        from ember.saving.saving_lib import save_model

        save_model(self, filepath, overwrite=overwrite, include_optimizer=include_optimizer)

    def save_weights(self, filepath: Any, overwrite: bool = True, **kwargs: Any) -> None:
        from ember.saving.saving_lib import save_weights

        save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath: Any, skip_mismatch: bool = False, **kwargs: Any) -> None:
        from ember.saving.saving_lib import load_weights

        load_weights(self, filepath, skip_mismatch=skip_mismatch)

    def to_json(self, **kwargs: Any) -> str:
        """The architecture as a JSON string (``ember.models.model_from_json`` reads it)."""
        import json

        return json.dumps(serialize_layer(self), **kwargs)

    def summary(
        self,
        line_length: int | None = None,
        positions: Any = None,
        print_fn: Any = None,
        expand_nested: bool = False,
        show_trainable: bool = False,
        layer_range: Any = None,
    ) -> None:
        """Print a table of layers, output shapes and parameter counts, as Keras prints it
        (an unbuilt model's layers show "?" and "0 (unbuilt)"). ``print_fn`` receives the
        whole text in one call; see ``ember.utils.summary.print_summary`` for the arguments.

        Example:
            >>> model.summary(show_trainable=True, expand_nested=True)  # doctest: +SKIP
        """
        from ember.utils.summary import print_summary

        print_summary(
            self, line_length, positions, print_fn, expand_nested, show_trainable, layer_range
        )

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict:
        """The graph as plain data: layers with their configs and the nodes connecting them."""
        if self.inputs_struct is None:
            raise NotImplementedError(
                f"{type(self).__name__}: a subclassed Model cannot be "
                "saved as a config; save its weights instead"
            )
        return serialization.functional_config(self)

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> Model:
        """Rebuild a model from ``get_config``. A functional config (layers and the nodes
        linking them) is rebuilt as a graph of ``cls``, when ``cls`` takes ``inputs`` and
        ``outputs`` as Model does; any other config is passed to ``cls(**config)``, for
        subclassed models with their own ``get_config``. Layer classes resolve through
        ``custom_objects``, the active custom_object_scope, registration or ember's built-ins.

        Example:
            >>> inputs = ember.Input((3,))
            >>> model = ember.Model(inputs, ember.layers.Dense(2)(inputs))
            >>> ember.Model.from_config(model.get_config()).output_shape
            (None, 2)
        """
        if "layers" in config and "nodes" in config and _takes_graph(cls):
            return serialization.functional_from_config(cls, config, custom_objects)
        try:
            return cls(**config)
        except TypeError as exc:
            raise TypeError(
                f"{cls.__name__}.from_config: could not rebuild the model from its config "
                f"({exc}). A subclassed model needs a get_config() whose keys are arguments "
                "of its __init__, or its own from_config()."
            ) from exc


def _takes_graph(cls: type) -> bool:
    """Whether ``cls(inputs=..., outputs=..., name=...)`` builds a functional model."""
    if cls.__init__ is Model.__init__:
        return True
    try:
        params = inspect.signature(cls.__init__).parameters
    except (TypeError, ValueError):
        return False
    kinds = {p.kind for p in params.values()}
    return ("inputs" in params and "outputs" in params) or (
        inspect.Parameter.VAR_POSITIONAL in kinds and inspect.Parameter.VAR_KEYWORD in kinds
    )


def _snake(name: str) -> str:
    from ember.layers.base import to_snake_case

    return to_snake_case(name)


def _ordered_nodes(outputs: list[SymbolicTensor], input_ids: set[int]) -> list[Node]:
    """Nodes from the model inputs to ``outputs`` in execution order; raises Keras' 'Graph
    disconnected' error when an output depends on an input the model was not given."""
    order: list[Node] = []
    done: set[int] = set()
    visiting: set[int] = set()
    reached: list[str] = []

    def visit(t: SymbolicTensor) -> None:
        if id(t) in input_ids:
            return
        node = t.node
        if node is None:
            raise ValueError(f"Tensor {t!r} was not produced by a layer")
        if isinstance(node.layer, InputLayer):
            raise ValueError(
                f"Graph disconnected: cannot find parents for tensor {t!r} at layer "
                f'"{node.layer.name}". The following previous layers were accessed without '
                f"issue: {reached}"
            )
        if id(node) in done:
            return
        if id(node) in visiting:
            raise ValueError("The layer graph has a cycle")
        visiting.add(id(node))
        for parent in node.input_tensors:
            visit(parent)
        visiting.discard(id(node))
        done.add(id(node))
        order.append(node)
        reached.append(node.layer.name)

    for t in outputs:
        visit(t)
    return order


def _layers_by_depth(
    nodes: list[Node], inputs: list[SymbolicTensor], outputs: list[SymbolicTensor]
) -> list[Layer]:
    """Keras' layer order: by depth from the outputs (deepest, i.e. the inputs, first), ties
    in creation order. It is also the order of ``model.weights`` and ``get_weights()``."""
    depth: dict[int, int] = {}
    for t in outputs:
        depth[id(t.node)] = 0
    for node in reversed(nodes):  # consumers before producers
        d = depth.get(id(node), 0)
        for parent in node.input_tensors:
            key = id(parent.node)
            depth[key] = max(depth.get(key, 0), d + 1)
    layer_depth: dict[int, int] = {}
    layer_of: dict[int, Layer] = {}
    for node in [*(t.node for t in inputs), *nodes]:
        layer = node.layer
        layer_of[id(layer)] = layer
        layer_depth[id(layer)] = max(layer_depth.get(id(layer), 0), depth.get(id(node), 0))
    return sorted(layer_of.values(), key=lambda la: (-layer_depth[id(la)], la._created))


def run_layer(layer: Layer, inputs: Any, training: bool | None) -> Any:
    """Calls a layer on real inputs (arrays are converted to Tensors)."""
    inputs = map_structure(lambda v: v if isinstance(v, Tensor) else Tensor(v), inputs)
    return layer(inputs, training=training)
