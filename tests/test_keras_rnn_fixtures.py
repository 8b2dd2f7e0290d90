"""Keras numerics for recurrent and sequence layers: ember against fixtures that real Keras 3
wrote for the same weights (tests/fixtures/make_keras_rnn_fixtures.py; CI needs no
TensorFlow).

Layer chains (Embedding -> Bidirectional(LSTM), Masking -> SimpleRNN, ...): every output,
including returned states, and the gradients of L = sum_i sum(y_i * proj_i) w.r.t. the
inputs (initial states too) and every trainable weight. A stateful LSTM across two batches
and a reset. Whole training runs through fit: per-epoch and per-batch losses, weights after
the first step and at the end, predict and evaluate.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import ember
from ember import layers

FIXTURES = Path(__file__).parent / "fixtures" / "keras"
FWD = dict(atol=2e-5, rtol=1e-4)
GRAD = dict(atol=1e-4, rtol=1e-3)


def load(name: str) -> tuple[dict, dict]:
    with np.load(FIXTURES / f"{name}.npz", allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    return json.loads(str(arrays.pop("config"))), arrays


def names(kind: str) -> list[str]:
    return sorted(p.stem for p in FIXTURES.glob(f"rnn_{kind}_*.npz"))


def indexed(arrays: dict, key: str) -> list[np.ndarray]:
    out, i = [], 0
    while f"{key}{i}" in arrays:
        out.append(arrays[f"{key}{i}"])
        i += 1
    return out


def one_or_indexed(arrays: dict, key: str) -> list[np.ndarray]:
    return [arrays[key]] if key in arrays else indexed(arrays, key)


def make_layer(spec: dict) -> layers.Layer:
    """Build a layer from a fixture's {class_name, config}; wrappers nest their layer."""
    config = dict(spec["config"])
    if "layer" in config:
        config["layer"] = make_layer(config["layer"])
    if "backward_layer" in config:
        config["backward_layer"] = make_layer(config["backward_layer"])
    return getattr(layers, spec["class_name"])(**config)


@pytest.fixture(autouse=True)
def fresh_session():
    ember.backend.clear_session()


def _run_chain(chain: list, inputs: list, call: dict, training: bool):
    """Apply the chain in order; fixture inputs x1, x2.. are the first layer's initial states."""
    kwargs = {}
    if "initial_state" in call:
        kwargs["initial_state"] = inputs[1:]
    out = chain[0](inputs[0], training=training, **kwargs)
    for layer in chain[1:]:
        out = layer(out, training=training)
    return out if isinstance(out, (list, tuple)) else [out]


@pytest.mark.parametrize("name", names("layer"))
def test_sequence_layer_matches_keras(name):
    config, a = load(name)
    chain = [make_layer(spec) for spec in config["layers"]]
    raw = one_or_indexed(a, "x")
    is_float = [dtype.startswith("float") for dtype in config["input_dtypes"]]
    inputs = [ember.tensor(x, requires_grad=f) for x, f in zip(raw, is_float)]
    _run_chain(chain, inputs, config["call"], training=False)  # build
    weights = indexed(a, "w")
    for layer in chain:
        count = len(layer.get_weights())
        layer.set_weights(weights[:count])
        weights = weights[count:]
    assert not weights, "fixture has more weights than the ember chain"

    outputs = _run_chain(chain, inputs, config["call"], training=config["training"])
    wants = one_or_indexed(a, "y")
    assert len(outputs) == len(wants) == config["n_outputs"]
    loss = None
    for i, (got, want, proj) in enumerate(zip(outputs, wants, one_or_indexed(a, "proj"))):
        np.testing.assert_allclose(got.numpy(), want, **FWD, err_msg=config["outputs"][i])
        term = (got * ember.tensor(proj)).sum()
        loss = term if loss is None else loss + term
    if "mask" in a:
        mask = getattr(chain[0](inputs[0]), "_keras_mask", None)
        assert mask is not None, "the first layer should produce a mask"
        np.testing.assert_array_equal(np.asarray(mask), a["mask"])
    loss.backward()

    for t, f, want in zip(inputs, is_float, one_or_indexed(a, "dx")):
        assert f
        np.testing.assert_allclose(t.grad, want, **GRAD, err_msg="input gradient")
    all_weights = [w for layer in chain for w in layer.weights]
    for i, want in zip(a["trainable_indices"], indexed(a, "dw")):
        np.testing.assert_allclose(
            all_weights[int(i)].grad, want, **GRAD, err_msg=f"gradient of weight {i}"
        )


def _states(layer) -> list[np.ndarray]:
    return [np.asarray(s.numpy()) for s in layer.states]


@pytest.mark.parametrize("name", names("stateful"))
def test_stateful_rnn_matches_keras(name):
    config, a = load(name)
    model = ember.Sequential([make_layer(spec) for spec in config["layers"]])
    model.set_weights(indexed(a, "w"))
    rnn = model.layers[-1]

    np.testing.assert_allclose(model(ember.tensor(a["x0"])).numpy(), a["y0"], **FWD)
    for got, want in zip(_states(rnn), (a["states0_h"], a["states0_c"])):
        np.testing.assert_allclose(got, want, **FWD, err_msg="states after batch 0")

    x1 = ember.tensor(a["x1"], requires_grad=True)
    y1 = model(x1, training=True)
    np.testing.assert_allclose(y1.numpy(), a["y1"], **FWD, err_msg="continued batch")
    for got, want in zip(_states(rnn), (a["states1_h"], a["states1_c"])):
        np.testing.assert_allclose(got, want, **FWD, err_msg="states after batch 1")
    (y1 * ember.tensor(a["proj1"])).sum().backward()
    np.testing.assert_allclose(x1.grad, a["dx1"], **GRAD)
    for w, want in zip(rnn.weights, indexed(a, "dw")):
        np.testing.assert_allclose(w.grad, want, **GRAD)

    rnn.reset_states()
    np.testing.assert_allclose(model(ember.tensor(a["x0"])).numpy(), a["y2"], **FWD)
    for got, want in zip(_states(rnn), (a["states2_h"], a["states2_c"])):
        np.testing.assert_allclose(got, want, **FWD, err_msg="states after reset")


class _BatchLosses(ember.callbacks.Callback):
    def __init__(self) -> None:
        super().__init__()
        self.losses: list[float] = []

    def on_train_batch_end(self, batch, logs=None):
        self.losses.append(logs["loss"])


@pytest.mark.parametrize("name", names("train"))
def test_rnn_training_matches_keras(name):
    config, a = load(name)
    model = ember.Sequential([make_layer(spec) for spec in config["model"]])
    model.build(a["x"].shape)
    model.set_weights(indexed(a, "w_init"))
    compile_cfg = config["compile"]
    model.compile(
        optimizer=ember.optimizers.get(compile_cfg["optimizer"]),
        loss=compile_cfg["loss"],
        metrics=compile_cfg["metrics"],
    )
    batches = _BatchLosses()
    history = model.fit(a["x"], a["y"], callbacks=[batches], **config["fit"])
    np.testing.assert_allclose(history.history["loss"], a["history_loss"], atol=1e-5, rtol=1e-4)
    np.testing.assert_allclose(batches.losses, a["batch_loss"], atol=1e-5, rtol=1e-4)
    if "history_accuracy" in a:
        np.testing.assert_allclose(history.history["accuracy"], a["history_accuracy"], atol=1e-6)
    for got, want in zip(model.get_weights(), indexed(a, "w_final")):
        np.testing.assert_allclose(got, want, atol=1e-4, rtol=1e-3)
    np.testing.assert_allclose(model.predict(a["x"], verbose=0), a["predict"], atol=1e-4)
    np.testing.assert_allclose(
        model.evaluate(a["x"], a["y"], verbose=0), a["evaluate"], atol=1e-5, rtol=1e-4
    )


@pytest.mark.parametrize("name", names("train"))
def test_rnn_first_training_step_matches_keras(name):
    """One optimizer step isolates gradient and update errors from their compounding."""
    config, a = load(name)
    model = ember.Sequential([make_layer(spec) for spec in config["model"]])
    model.build(a["x"].shape)
    model.set_weights(indexed(a, "w_init"))
    compile_cfg = config["compile"]
    model.compile(
        optimizer=ember.optimizers.get(compile_cfg["optimizer"]),
        loss=compile_cfg["loss"],
        metrics=compile_cfg["metrics"],
    )
    batch = config["fit"]["batch_size"]
    model.train_on_batch(a["x"][:batch], a["y"][:batch])
    for got, want in zip(model.get_weights(), indexed(a, "w_step1_")):
        np.testing.assert_allclose(got, want, atol=1e-5, rtol=1e-4)
