"""Sequential and functional model configs as plain JSON data, and models rebuilt from them.

Layer entries are written and read by ``ember.saving.serialization_lib``, so only classes
the registry knows can be rebuilt (ember's built-ins, registered classes, ``custom_objects``
and the active ``custom_object_scope``): a config never names code to import or run. This
module imports no model class; ``from_config`` passes the class to build.

Example:
    >>> model = ember.Sequential([ember.layers.Dense(2, input_shape=(3,))])
    >>> clone = ember.Sequential.from_config(model.get_config())
    >>> clone.output_shape
    (None, 2)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ember.layers.base import Layer
from ember.layers.input_layer import InputLayer
from ember.layers.node import SymbolicTensor
from ember.layers.op_layer import OpLayer
from ember.saving.serialization_lib import deserialize_layer, serialize_layer


# ---------------------------------------------------------------------- Sequential
def sequential_config(model: Any) -> dict:
    config: dict[str, Any] = {
        "name": model.name,
        "trainable": model.trainable,
        "layers": [serialize_layer(layer) for layer in model.layers],
    }
    if model._input_layer is not None:
        config["build_input_shape"] = list(model._input_layer.batch_shape)
    return config


def sequential_from_config(
    cls: type, config: dict, custom_objects: dict[str, Any] | None = None
) -> Any:
    """A ``cls`` (Sequential or a subclass) holding the layers of ``config``."""
    model = cls(name=config.get("name"), trainable=config.get("trainable", True))
    shape = config.get("build_input_shape")
    if shape is not None:
        model.add(InputLayer(batch_shape=tuple(shape)), rebuild=False)
    for layer_data in config.get("layers", []):
        layer = deserialize_layer(layer_data, custom_objects)
        if isinstance(layer, InputLayer):
            if model._input_layer is None:
                model.add(layer, rebuild=False)
            continue
        model.add(layer, rebuild=False)
    if model._input_layer is not None and model._stack:
        model._build_graph()
    return model


# ---------------------------------------------------------------------- functional
def functional_config(model: Any) -> dict:
    node_index = {id(node): i for i, node in enumerate(model._nodes)}

    def encode(value: Any) -> Any:
        if isinstance(value, SymbolicTensor):
            if isinstance(value.node.layer, InputLayer):
                return {"__input__": value.node.layer.name}
            if id(value.node) not in node_index:
                raise ValueError(f"{model.name}: tensor {value!r} is not part of the model")
            return {"__node__": node_index[id(value.node)], "__index__": value.index}
        if isinstance(value, slice):  # indexing nodes (x[:, 0]): slices, ..., tuples kept
            return {"__slice__": [encode(value.start), encode(value.stop), encode(value.step)]}
        if value is Ellipsis:
            return {"__ellipsis__": True}
        if isinstance(value, tuple) and isinstance(node_layer, OpLayer):
            return {"__tuple__": [encode(v) for v in value]}
        if isinstance(value, (list, tuple)):
            return [encode(v) for v in value]
        if isinstance(value, dict):
            return {str(k): encode(v) for k, v in value.items()}
        if isinstance(value, np.generic):
            return value.item()
        if isinstance(value, np.ndarray):
            raise ValueError(
                f"{model.name}: layer {node_layer.name} was called with a numpy array argument, "
                "which a model config cannot hold; pass it as a Python list or make it a weight"
            )
        return value

    node_layer: Any = None

    def encode_node(node: Any) -> dict:
        nonlocal node_layer
        node_layer = node.layer
        return {
            "layer": node.layer.name,
            "args": encode(list(node.args)),
            "kwargs": encode(node.kwargs),
        }

    return {
        "name": model.name,
        "trainable": model.trainable,
        "layers": [serialize_layer(layer) for layer in model.layers],
        "nodes": [encode_node(node) for node in model._nodes],
        "inputs": encode(model.inputs_struct),
        "outputs": encode(model.outputs_struct),
    }


def functional_from_config(
    cls: type, config: dict, custom_objects: dict[str, Any] | None = None
) -> Any:
    """A ``cls`` (Model or a functional subclass) with the graph of ``config``. Nodes name
    their layer by the entry's ``name`` (files from ember 0.1 keep it only in the layer's
    config), so a custom layer whose get_config leaves out ``name`` still links up."""
    layers: dict[str, Layer] = {}
    for data in config.get("layers", []):
        layer = deserialize_layer(data, custom_objects)
        name = data.get("name")
        if not isinstance(name, str):
            name = (data.get("config") or {}).get("name", layer.name)
        layers[name] = layer
    produced: list[Any] = []

    def decode(value: Any) -> Any:
        if isinstance(value, dict) and "__input__" in value:
            layer = layers.get(value["__input__"])
            if not isinstance(layer, InputLayer):
                raise ValueError(f"Unknown model input {value['__input__']!r} in the config")
            return layer.output_tensor
        if isinstance(value, dict) and "__node__" in value:
            i = value["__node__"]
            if not 0 <= i < len(produced):
                raise ValueError(f"The config refers to node {i} before it is defined")
            out = produced[i]
            return out[value["__index__"]] if isinstance(out, list) else out
        if isinstance(value, dict) and "__slice__" in value:
            return slice(*[decode(v) for v in value["__slice__"]])
        if isinstance(value, dict) and "__ellipsis__" in value:
            return Ellipsis
        if isinstance(value, dict) and "__tuple__" in value:
            return tuple(decode(v) for v in value["__tuple__"])
        if isinstance(value, list):
            return [decode(v) for v in value]
        if isinstance(value, dict):
            return {k: decode(v) for k, v in value.items()}
        return value

    for node in config.get("nodes", []):
        layer = layers.get(node.get("layer"))
        if layer is None:
            raise ValueError(f"The config's graph uses an unknown layer {node.get('layer')!r}")
        args = decode(node.get("args", []))
        kwargs = decode(node.get("kwargs", {}))
        out = layer(*args, **kwargs)
        produced.append(out if isinstance(out, list) else out)
    inputs = decode(config["inputs"])
    outputs = decode(config["outputs"])
    model = cls(inputs=inputs, outputs=outputs, name=config.get("name"))
    model.trainable = config.get("trainable", True)
    return model
