"""Models: ``Sequential``, the functional ``Model``, and saving/loading.

Example:
    >>> from ember.models import Sequential, Model, load_model
"""

from typing import Any

from ember.models.functional import Model
from ember.models.sequential import Sequential


def load_model(*args: Any, **kwargs: Any) -> Model:
    """Load a model saved with ``model.save``; see ``ember.models.saving.load_model``."""
    # Imported here: saving pulls in zipfile/tempfile, which `import ember` need not pay for.
    from ember.models.saving import load_model as _load_model

    return _load_model(*args, **kwargs)


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
