"""The model file format: saving and loading models and weights (``ember.saving``,
``ember.models`` and ``Model.save`` call these).

A saved model is a zip holding ``config.json`` (architecture, compile settings, versions),
``weights.npz`` (every weight in ``model.weights`` order) and, when compiled,
``optimizer.npz`` (step count and slots), so training resumes exactly. No pickle anywhere:
arrays load with ``allow_pickle=False`` and only known classes are rebuilt. Every write goes
to a temporary file in the same folder, is flushed and fsynced, then renamed over the target,
so an interrupted save never destroys the previous file.

Format 1 is read as written by every ember release: layer entries are ``{"class_name",
"config"}``, to which ember 0.2 adds ``name`` (so a graph links up when a custom layer's
get_config has no name) and, for a registered class, ``registered_name``; readers ignore
keys they do not know, so this stays format 1.

Example:
    >>> model = ember.Sequential([ember.layers.Dense(2, input_shape=(3,))])
    >>> path = tempfile.mkdtemp() + "/model.keras"
    >>> model.save(path)
    >>> ember.models.load_model(path).output_shape
    (None, 2)
"""

from __future__ import annotations

import inspect
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Callable
from typing import Any

import numpy as np

from ember._version import __version__

FORMAT = "ember-model"
FORMAT_VERSION = 1
_MAX_CONFIG_BYTES = 64 << 20


# ---------------------------------------------------------------------- atomic files
def atomic_write(path: str | os.PathLike, write: Callable[[Any], None]) -> None:
    """Write a file through ``write(fileobj)`` so that readers see the old or the new file,
    never a partial one."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".ember-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:  # make the rename itself durable
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass


def _npz_bytes(arrays: list[np.ndarray]) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **{f"a{i:05d}": np.asarray(a) for i, a in enumerate(arrays)})
    return buf.getvalue()


def _npz_arrays(data: bytes, what: str, path: str) -> list[np.ndarray]:
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            keys = sorted(npz.files)
            if keys != [f"a{i:05d}" for i in range(len(keys))]:
                raise ValueError("unexpected array names")
            return [npz[k] for k in keys]
    except Exception as exc:  # zipfile, numpy and format errors alike
        raise ValueError(f"{path}: the {what} are corrupt or not ember arrays ({exc})") from None


# ---------------------------------------------------------------------- compile settings
def _spec_to_json(spec: Any, serialize: Callable[[Any], Any]) -> Any:
    if spec is None or isinstance(spec, (str, int, float)):
        return spec
    if isinstance(spec, (list, tuple)):
        return [_spec_to_json(s, serialize) for s in spec]
    if isinstance(spec, dict):
        return {k: _spec_to_json(v, serialize) for k, v in spec.items()}
    if inspect.isroutine(spec) and getattr(spec, "__module__", "").startswith("ember."):
        return spec.__name__  # ember's own loss or metric function, by its Keras name
    return serialize(spec)


def compile_config(model: Any) -> dict | None:
    """The compile() arguments as JSON data. Custom losses and metrics are saved by name
    (their registered ``"package>name"`` when registered); a lambda cannot be, and then no
    compile settings are saved (the architecture and weights still are)."""
    if not getattr(model, "compiled", False):
        return None
    from ember import losses, metrics, optimizers

    try:
        return {
            "optimizer": optimizers.serialize(model.optimizer),
            "loss": _spec_to_json(model._loss_spec, losses.serialize),
            "loss_weights": model._loss_weights_spec,
            "metrics": _spec_to_json(model._metrics_spec, metrics.serialize),
        }
    except (ValueError, TypeError, AttributeError):
        return None


def _spec_from_json(spec: Any, get: Callable[[Any], Any]) -> Any:
    """compile() arguments back from JSON. Names of custom objects are resolved here (the
    caller holds the custom_objects scope); built-in names stay names, as they were given."""
    from ember.saving.object_registration import get_registered_object

    if isinstance(spec, list):
        return [_spec_from_json(s, get) for s in spec]
    if isinstance(spec, dict) and "class_name" not in spec:
        return {k: _spec_from_json(v, get) for k, v in spec.items()}
    if isinstance(spec, dict):
        return get(spec)
    if isinstance(spec, str):
        custom = get_registered_object(spec)
        return spec if custom is None else custom
    return spec


# ---------------------------------------------------------------------- models
def save_model(
    model: Any, filepath: str | os.PathLike, overwrite: bool = True, include_optimizer: bool = True
) -> None:
    from ember.saving.serialization_lib import serialize_layer

    path = os.fspath(filepath)
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"{path} exists and overwrite=False")
    config = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "ember_version": __version__,
        "model": serialize_layer(model),
        "compile": compile_config(model),
    }
    text = json.dumps(config)  # fails here, before touching the file, if not serializable
    weights = _npz_bytes([w.numpy() for w in model.weights])
    opt_state = None
    if include_optimizer and config["compile"] is not None and model.optimizer is not None:
        opt_state = _npz_bytes(model.optimizer.variables_for(model.trainable_weights))

    def write(f: Any) -> None:
        with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_DEFLATED) as z:
            z.writestr("config.json", text)
            z.writestr("weights.npz", weights)
            if opt_state is not None:
                z.writestr("optimizer.npz", opt_state)

    atomic_write(path, write)


def _open_archive(path: str) -> zipfile.ZipFile:
    if not os.path.exists(path):
        raise FileNotFoundError(f"No file or directory found at {path}")
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ValueError(
            f"{path} is not an ember model file (corrupt or truncated: {exc})"
        ) from None


def _read(z: zipfile.ZipFile, name: str, path: str) -> bytes:
    try:
        info = z.getinfo(name)
    except KeyError:
        raise ValueError(
            f"{path} is not a complete ember model file: '{name}' is missing"
        ) from None
    if name == "config.json" and info.file_size > _MAX_CONFIG_BYTES:
        raise ValueError(f"{path}: config.json is implausibly large ({info.file_size} bytes)")
    try:
        return z.read(name)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise ValueError(f"{path}: '{name}' is corrupt ({exc})") from None


def load_model(
    filepath: str | os.PathLike,
    custom_objects: dict[str, Any] | None = None,
    compile: bool = True,
    safe_mode: bool = True,
) -> Any:
    """Rebuild a model saved with ``model.save``: architecture, weights and (when it was
    compiled) optimizer state, ready to predict or to resume training.

    Custom layers, activations, losses, metrics and optimizers resolve through
    ``custom_objects``, the active ``custom_object_scope`` and registered objects, in that
    order, then ember's built-ins. ``compile=False`` skips the saved compile settings (for
    a model whose custom loss is not at hand). ``safe_mode`` is accepted for Keras: ember
    never runs code from a file.

    Example:
        >>> model = ember.models.load_model("model.keras")  # doctest: +SKIP
    """
    from ember import losses, metrics, optimizers
    from ember.saving.object_registration import CustomObjectScope
    from ember.saving.serialization_lib import deserialize_layer

    path = os.fspath(filepath)
    with _open_archive(path) as z:
        try:
            config = json.loads(_read(z, "config.json", path).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"{path}: config.json is not valid JSON ({exc})") from None
        if not isinstance(config, dict) or config.get("format") != FORMAT:
            raise ValueError(f"{path} is not an ember model file (no '{FORMAT}' marker)")
        if config.get("format_version", 0) > FORMAT_VERSION:
            raise ValueError(
                f"{path} was written by a newer ember (format "
                f"{config.get('format_version')}); upgrade ember to load it"
            )
        weights = _npz_arrays(_read(z, "weights.npz", path), "weights", path)
        opt_state = (
            _npz_arrays(_read(z, "optimizer.npz", path), "optimizer state", path)
            if "optimizer.npz" in z.namelist()
            else None
        )
    model = deserialize_layer(config["model"], custom_objects)
    if not model.built:
        raise ValueError(f"{path}: the saved model has no input shape, so it cannot be rebuilt")
    _assign(model, weights, path)
    spec = config.get("compile")
    if compile and spec is not None:
        try:
            with CustomObjectScope(custom_objects):
                model.compile(
                    optimizer=optimizers.get(spec["optimizer"]),
                    loss=_spec_from_json(spec["loss"], losses.get),
                    loss_weights=spec.get("loss_weights"),
                    metrics=_spec_from_json(spec.get("metrics"), metrics.get),
                )
        except ValueError as exc:
            raise ValueError(
                f"{path}: the saved compile settings cannot be restored: {exc} (or pass "
                "`compile=False` to load the model without them)"
            ) from None
        if opt_state is not None:
            model.optimizer.set_variables_for(model.trainable_weights, opt_state)
    return model


def _assign(model: Any, arrays: list[np.ndarray], path: str) -> None:
    weights = model.weights
    if len(arrays) != len(weights):
        raise ValueError(
            f"{path}: the file holds {len(arrays)} weights but the model has {len(weights)}"
        )
    for w, a in zip(weights, arrays):
        if a.shape != w.shape:
            raise ValueError(
                f"{path}: weight '{w.name}' has shape {a.shape} in the file but "
                f"{w.shape} in the model"
            )
    for w, a in zip(weights, arrays):
        w.assign(a)


# ---------------------------------------------------------------------- weights only
def save_weights(model: Any, filepath: str | os.PathLike, overwrite: bool = True) -> None:
    path = os.fspath(filepath)
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"{path} exists and overwrite=False")
    meta = json.dumps(
        {
            "format": FORMAT + "-weights",
            "format_version": FORMAT_VERSION,
            "ember_version": __version__,
            "names": [w.name for w in model.weights],
        }
    )
    weights = _npz_bytes([w.numpy() for w in model.weights])

    def write(f: Any) -> None:
        with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_DEFLATED) as z:
            z.writestr("weights.json", meta)
            z.writestr("weights.npz", weights)

    atomic_write(path, write)


def load_weights(model: Any, filepath: str | os.PathLike, skip_mismatch: bool = False) -> None:
    path = os.fspath(filepath)
    with _open_archive(path) as z:
        weights = _npz_arrays(_read(z, "weights.npz", path), "weights", path)
    if not model.built:
        raise ValueError(f"Model {model.name} must be built before loading weights into it")
    if skip_mismatch:
        for w, a in zip(model.weights, weights):
            if a.shape == w.shape:
                w.assign(a)
        return
    _assign(model, weights, path)
