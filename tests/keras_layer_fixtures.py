"""Load the Keras layer fixtures of tests/fixtures/keras_layers/ (written by
make_keras_layer_fixtures.py with real Keras) and run the same layer with ember: same
constructor arguments, same weights (set_weights of Keras' get_weights), same call."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

import ember
from ember import layers

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "keras_layers"


def names(prefix: str = "") -> list[str]:
    return sorted(p.stem for p in FIXTURES.glob(f"{prefix}*.npz"))


def load(name: str) -> tuple[dict, dict[str, np.ndarray]]:
    with np.load(FIXTURES / f"{name}.npz", allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    return json.loads(str(arrays.pop("config"))), arrays


def call_args(meta: dict, arrays: dict, wrap: Any = np.asarray) -> tuple[list, dict]:
    """The positional and keyword arguments of the fixture's call."""
    xs = [wrap(arrays[f"x{i}"]) for i in range(meta["n_inputs"])]
    kwargs = dict(meta["call"]["kwargs"])
    for key, ref in meta["call"]["array_kwargs"].items():
        if isinstance(ref, list):
            kwargs[key] = [None if r is None else arrays[r] for r in ref]
        else:
            kwargs[key] = arrays[ref]
    args = [xs] if meta["call"]["list"] else xs
    return args, kwargs


def run(name: str, **overrides: Any) -> tuple[Any, list[np.ndarray], dict, dict]:
    """(ember layer, its outputs as arrays, the fixture's arrays, the fixture's meta)."""
    meta, arrays = load(name)
    config = {**meta["config"], **overrides}
    layer = getattr(layers, meta["class_name"])(**config)
    args, kwargs = call_args(meta, arrays)
    layer(*args, **kwargs)  # build
    weights = [arrays[f"w{i}"] for i in range(len(meta["weights"]))]
    assert [tuple(w.shape) for w in layer.get_weights()] == [tuple(s) for _, s in meta["weights"]]
    if weights:
        layer.set_weights(weights)
    out = layer(*args, **kwargs)
    outs = list(out) if isinstance(out, (list, tuple)) else [out]
    assert len(outs) == meta["n_outputs"]
    return (
        layer,
        [o.numpy() if isinstance(o, ember.Tensor) else np.asarray(o) for o in outs],
        (arrays),
        meta,
    )


def check(name: str, atol: float = 1e-5, rtol: float = 1e-4, **overrides: Any) -> Any:
    """Assert ember's outputs equal Keras' (float32 tolerances); return the layer."""
    layer, outs, arrays, meta = run(name, **overrides)
    for i, y in enumerate(outs):
        expected = arrays[f"y{i}"]
        assert y.shape == expected.shape, (name, i, y.shape, expected.shape)
        np.testing.assert_allclose(y, expected, atol=atol, rtol=rtol, err_msg=f"{name} y{i}")
    return layer


def weight_suffixes(meta: dict) -> list[str]:
    """Keras' weight paths without the layer's own name (e.g. 'query/kernel')."""
    return [path.split("/", 1)[1] if "/" in path else path for path, _ in meta["weights"]]


def save_and_reload(model: Any, tmp_path: Path, **kwargs: Any) -> Any:
    path = tmp_path / "model.keras"
    ember.models.save_model(model, path)
    return ember.models.load_model(path, **kwargs)


def _plain(value: Any) -> Any:
    """A config value reduced to what both libraries must agree on: serialized objects as
    (class_name, config), tuples as lists."""
    if isinstance(value, dict):
        if "class_name" in value and "config" in value:
            return (value["class_name"], _plain(value["config"]))
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def assert_config_matches_keras(layer: Any, meta: dict, skip: tuple[str, ...] = ()) -> None:
    """Every key of Keras' get_config (but the base Layer's and ``skip``) is in ember's, with
    the same value."""
    base = {"name", "trainable", "dtype", "batch_input_shape", "activity_regularizer"}
    ours = layer.get_config()
    for key, value in meta["keras_config"].items():
        if key in base or key in skip:
            continue
        assert key in ours, f"{type(layer).__name__}.get_config() lacks Keras' key {key!r}"
        mine, theirs = _plain(ours[key]), _plain(value)
        if isinstance(mine, tuple) and isinstance(theirs, tuple):
            # A serialized object (initializer, ...): the same class, and the same values for
            # the config entries ember writes (Keras may write more, e.g. input_axes).
            assert mine[0] == theirs[0], (key, ours[key], value)
            assert all(theirs[1].get(k) == v for k, v in mine[1].items()), (key, mine, theirs)
        else:
            assert mine == theirs, (key, ours[key], value)
