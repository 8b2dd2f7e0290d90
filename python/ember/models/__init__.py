"""Models: ``Sequential``, the functional ``Model``, and saving/loading.

Example:
    >>> from ember.models import Sequential, Model, load_model
"""

from typing import Any

from ember.models.functional import Model
from ember.models.sequential import Sequential


def load_model(*args: Any, **kwargs: Any) -> Model:
    """Load a model saved with ``model.save``; see ``ember.saving.load_model``."""
    # Imported here: saving pulls in zipfile/tempfile, which `import ember` need not pay for.
    from ember.saving.saving_lib import load_model as _load_model

    return _load_model(*args, **kwargs)


def save_model(model: Model, filepath: Any, overwrite: bool = True, **kwargs: Any) -> None:
    """Save a model to one ``.keras`` file; see ``ember.saving.save_model``.

    Example:
        >>> model = ember.Sequential([ember.layers.Dense(2, input_shape=(3,))])
        >>> ember.models.save_model(model, tempfile.mkdtemp() + "/m.keras")
    """
    from ember.saving import save_model as _save_model

    _save_model(model, filepath, overwrite=overwrite, **kwargs)


def model_from_json(json_string: str, custom_objects: dict | None = None) -> Model:
    """Rebuild an (untrained) model from ``model.to_json()``; custom classes come from
    ``custom_objects``, the active custom_object_scope or registration.

    Example:
        >>> model = ember.Sequential([ember.layers.Dense(2, input_shape=(3,))])
        >>> ember.models.model_from_json(model.to_json()).output_shape
        (None, 2)
    """
    import json

    from ember.saving.serialization_lib import deserialize_layer

    return deserialize_layer(json.loads(json_string), custom_objects)


def clone_model(model: Model) -> Model:
    """A new model with the same architecture and freshly initialized weights. The model's
    own layer classes are known to the copy, so custom layers clone without registration.

    Example:
        >>> model = ember.Sequential([ember.layers.Dense(2, input_shape=(3,))])
        >>> ember.models.clone_model(model).count_params() == model.count_params()
        True
    """
    from ember.saving.object_registration import builtin_name, get_registered_name
    from ember.saving.serialization_lib import deserialize_layer, serialize_layer

    classes: dict[str, type] = {}
    stack: list[Any] = [model]
    while stack:
        layer = stack.pop()
        if builtin_name(type(layer)) is None:
            classes[get_registered_name(type(layer))] = type(layer)
        stack.extend(layer._sublayers)
    return deserialize_layer(serialize_layer(model), custom_objects=classes)


__all__ = ["Model", "Sequential", "clone_model", "load_model", "model_from_json", "save_model"]
