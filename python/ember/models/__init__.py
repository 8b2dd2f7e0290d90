"""Models: ``Sequential``, the functional ``Model``, and saving/loading.

Example:
    >>> from ember.models import Sequential, Model, load_model
"""

from ember.models.functional import Model
from ember.models.saving import load_model
from ember.models.sequential import Sequential


def model_from_json(json_string: str, custom_objects: dict | None = None) -> Model:
    """Rebuild an (untrained) model from ``model.to_json()``."""
    import json

    from ember.models.serialization import deserialize_layer

    return deserialize_layer(json.loads(json_string), custom_objects)


def clone_model(model: Model) -> Model:
    """A new model with the same architecture and freshly initialized weights."""
    from ember.models.serialization import deserialize_layer, serialize_layer

    return deserialize_layer(serialize_layer(model))


__all__ = ["Model", "Sequential", "clone_model", "load_model", "model_from_json"]
