"""Model configs as plain JSON data, and models rebuilt from them.

Only classes ember knows (its layers and models, plus ``custom_objects`` the caller passes)
can be rebuilt: a config never names code to import or run.

Example:
    >>> model = ember.Sequential([ember.layers.Dense(2, input_shape=(3,))])
    >>> clone = ember.Sequential.from_config(model.get_config())
    >>> clone.output_shape
    (None, 2)
"""

from __future__ import annotations

from typing import Any

from ember.layers.base import Layer
from ember.layers.input_layer import InputLayer
from ember.layers.node import SymbolicTensor


def registry(custom_objects: dict[str, Any] | None = None) -> dict[str, type]:
    """Layer and model classes a config may name."""
    import ember.layers as layers_module
    from ember.models.functional import Model
    from ember.models.sequential import Sequential

    out: dict[str, type] = {}
    for name in dir(layers_module):
        obj = getattr(layers_module, name)
        if isinstance(obj, type) and issubclass(obj, Layer):
            out[obj.__name__] = obj
            out[name] = obj
    out.update({"Functional": Model, "Model": Model, "Sequential": Sequential})
    for name, obj in (custom_objects or {}).items():
        out[name] = obj
    return out


def serialize_layer(layer: Layer) -> dict:
    from ember.models.functional import Model
    from ember.models.sequential import Sequential

    if type(layer) is Model:
        class_name = "Functional"
    elif type(layer) is Sequential:
        class_name = "Sequential"
    else:
        class_name = type(layer).__name__
    return {"class_name": class_name, "config": layer.get_config()}


def deserialize_layer(data: Any, custom_objects: dict[str, Any] | None = None) -> Layer:
    if not isinstance(data, dict) or "class_name" not in data:
        raise ValueError(f"Invalid layer config: {str(data)[:200]}")
    class_name = data["class_name"]
    cls = registry(custom_objects).get(class_name)
    if cls is None:
        raise ValueError(
            f"Unknown layer class '{class_name}' in the config. Pass custom layer classes with "
            "`custom_objects={'Name': cls}`."
        )
    config = dict(data.get("config") or {})
    from ember.models.functional import Model

    if isinstance(cls, type) and issubclass(cls, Model):
        return cls.from_config(config, custom_objects=custom_objects)
    return cls.from_config(config)


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


def sequential_from_config(config: dict, custom_objects: dict[str, Any] | None = None) -> Any:
    from ember.models.sequential import Sequential

    model = Sequential(name=config.get("name"), trainable=config.get("trainable", True))
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
        if isinstance(value, (list, tuple)):
            return [encode(v) for v in value]
        if isinstance(value, dict):
            return {str(k): encode(v) for k, v in value.items()}
        return value

    return {
        "name": model.name,
        "trainable": model.trainable,
        "layers": [serialize_layer(layer) for layer in model.layers],
        "nodes": [
            {
                "layer": node.layer.name,
                "args": encode(list(node.args)),
                "kwargs": encode(node.kwargs),
            }
            for node in model._nodes
        ],
        "inputs": encode(model.inputs_struct),
        "outputs": encode(model.outputs_struct),
    }


def functional_from_config(config: dict, custom_objects: dict[str, Any] | None = None) -> Any:
    from ember.models.functional import Model

    layers: dict[str, Layer] = {}
    for data in config.get("layers", []):
        layer = deserialize_layer(data, custom_objects)
        name = data.get("config", {}).get("name", layer.name)
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
    model = Model(inputs=inputs, outputs=outputs, name=config.get("name"))
    model.trainable = config.get("trainable", True)
    return model
