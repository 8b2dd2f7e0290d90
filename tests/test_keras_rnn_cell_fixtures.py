"""Keras numerics for ``layers.RNN(cell)``, the cells and StackedRNNCells: ember against
fixtures that real Keras 3 wrote for the same weights
(tests/fixtures/make_keras_rnn_cell_fixtures.py; CI needs no TensorFlow).

Every case: the returned structure (output, then the final states, nested per cell for a
stack), every value, and the gradients of L = sum_i sum(y_i * proj_i) w.r.t. the inputs, the
initial states and every weight. Built-in cells, stacks of them, the user cells written in
the generator (re-written here with ember ops, registered under the same names), stacks
mixing both, Bidirectional, stateful layers and single cell steps.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import ember
from ember import layers

FIXTURES = Path(__file__).parent / "fixtures" / "keras_rnn_cells"
FWD = dict(atol=2e-5, rtol=1e-4)
GRAD = dict(atol=1e-4, rtol=1e-3)


# ----------------------------------------------------------------- the generator's user cells
@ember.saving.register_keras_serializable(package="ember_tests")
class MinimalRNNCell(layers.Layer):
    """h = x W + h_prev U; output h (the Keras guide's minimal cell)."""

    def __init__(self, units: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(
            shape=(input_shape[-1], self.units), initializer="uniform", name="kernel"
        )
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, self.units), initializer="uniform", name="recurrent_kernel"
        )

    def call(self, inputs, states):
        h = inputs @ self.kernel + states[0] @ self.recurrent_kernel
        return h, [h]

    def get_config(self):
        return {**super().get_config(), "units": self.units}


@ember.saving.register_keras_serializable(package="ember_tests")
class TwoStateCell(layers.Layer):
    """h' = tanh(x W + h U + b); s' = 0.5 s + h'; output h' * s'."""

    def __init__(self, units: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.units = units
        self.state_size = [units, units]
        self.output_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, self.units), name="recurrent_kernel"
        )
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")

    def call(self, inputs, states):
        h, s = states
        h_new = ember.activations.tanh(inputs @ self.kernel + h @ self.recurrent_kernel + self.bias)
        s_new = 0.5 * s + h_new
        return h_new * s_new, [h_new, s_new]

    def get_config(self):
        return {**super().get_config(), "units": self.units}


USER_CELLS = {"MinimalRNNCell": MinimalRNNCell, "TwoStateCell": TwoStateCell}


# ----------------------------------------------------------------- helpers
def load(name: str) -> tuple[dict, dict]:
    with np.load(FIXTURES / f"{name}.npz", allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    return json.loads(str(arrays.pop("config"))), arrays


def names(prefix: str) -> list[str]:
    return sorted(p.stem for p in FIXTURES.glob(f"{prefix}_*.npz"))


def indexed(arrays: dict, key: str) -> list[np.ndarray]:
    out, i = [], 0
    while f"{key}{i}" in arrays:
        out.append(arrays[f"{key}{i}"])
        i += 1
    return out


def make(spec: Any) -> Any:
    """An ember object from a fixture spec (lists of specs become lists of cells)."""
    if isinstance(spec, list):
        return [make(s) for s in spec]
    config = dict(spec["config"])
    for key in ("cell", "layer"):
        if key in config:
            config[key] = make(config[key])
    if "cells" in config:
        config["cells"] = make(config["cells"])
    cls = USER_CELLS.get(spec["class_name"]) or getattr(layers, spec["class_name"])
    return cls(**config)


def pack(structure: Any, leaves: list) -> Any:
    if isinstance(structure, list):
        return [pack(s, leaves) for s in structure]
    return leaves[structure]


def structure_of(value: Any, counter: list[int] | None = None) -> Any:
    """The nesting of a returned value with each tensor replaced by its flat index."""
    counter = counter if counter is not None else [0]
    if isinstance(value, (list, tuple)):
        return [structure_of(v, counter) for v in value]
    assert isinstance(value, ember.Tensor), type(value)
    counter[0] += 1
    return counter[0] - 1


def flat(value: Any) -> list:
    if isinstance(value, (list, tuple)):
        return [leaf for v in value for leaf in flat(v)]
    return [value]


def check_outputs_and_gradients(config, a, outputs, inputs, weights) -> None:
    """outputs vs y_i; then backward of sum(y_i * proj_i) and dx/ds_i/dw_i."""
    assert structure_of(outputs) == config["outputs"], "returned structure"
    got = flat(outputs)
    wants = indexed(a, "y")
    assert len(got) == len(wants)
    loss = None
    for i, (g, want, proj) in enumerate(zip(got, wants, indexed(a, "proj"))):
        np.testing.assert_allclose(g.numpy(), want, **FWD, err_msg=f"output {i}")
        term = (g * ember.tensor(proj)).sum()
        loss = term if loss is None else loss + term
    loss.backward()
    x, *states = inputs
    np.testing.assert_allclose(x.grad, a["dx"], **GRAD, err_msg="dL/dx")
    for i, (s, want) in enumerate(zip(states, indexed(a, "ds"))):
        got_grad = np.zeros_like(want) if s.grad is None else s.grad
        np.testing.assert_allclose(got_grad, want, **GRAD, err_msg=f"dL/ds{i}")
    wants = indexed(a, "dw")
    assert len(weights) == len(wants)
    for i, (w, want) in enumerate(zip(weights, wants)):
        np.testing.assert_allclose(w.grad, want, **GRAD, err_msg=f"dL/dw{i} ({w.name})")


@pytest.fixture(autouse=True)
def fresh_session():
    ember.backend.clear_session()


# ----------------------------------------------------------------- RNN(cell) layers
@pytest.mark.parametrize("name", names("rnn") + names("bi"))
def test_rnn_layer_matches_keras(name):
    config, a = load(name)
    layer = make(config["layer"])
    x = ember.tensor(a["x"], requires_grad=True)
    states = [ember.tensor(s, requires_grad=True) for s in indexed(a, "s")]
    kwargs: dict[str, Any] = {}
    if config["call"]["mask"]:
        kwargs["mask"] = a["mask"]
    if config["call"]["initial_state"] is not None:
        kwargs["initial_state"] = pack(config["call"]["initial_state"], states)
    layer(x, **kwargs)  # builds
    weights = indexed(a, "w")
    assert [tuple(w.shape) for w in layer.weights] == [tuple(w["shape"]) for w in config["weights"]]
    assert [w.name for w in layer.weights] == [w["path"].split("/")[-1] for w in config["weights"]]
    layer.set_weights(weights)
    for w in layer.weights:
        w.grad = None
    outputs = layer(x, **kwargs)
    check_outputs_and_gradients(config, a, outputs, [x, *states], layer.weights)


@pytest.mark.parametrize("name", names("rnn"))
def test_rnn_config_has_keras_keys_and_rebuilds(name):
    config, _ = load(name)
    keras_config = config["keras_get_config"]
    layer = make(config["layer"])
    ours = layer.get_config()
    assert set(ours) == set(keras_config)
    cells_ours = ours["cell"]["config"].get("cells", [ours["cell"]])
    cells_keras = keras_config["cell"]["config"].get("cells", [keras_config["cell"]])
    for c_ours, c_keras in zip(cells_ours, cells_keras, strict=True):
        assert c_ours["class_name"] == c_keras["class_name"]
        assert set(c_ours["config"]) == set(c_keras["config"])
    # Keras' own config rebuilds the same layer in ember (less what ember's base Layer and
    # initializers do not read yet: Keras' DTypePolicy dicts and Keras 3.15's new
    # input_axes/output_axes of the variance-scaling initializers).
    rebuilt = layers.deserialize(
        {"class_name": "RNN", "config": _without_dtype(keras_config)},
        custom_objects=USER_CELLS,
    )
    assert rebuilt.get_config()["cell"]["class_name"] == ours["cell"]["class_name"]
    again = layers.RNN.from_config(ours)
    assert again.get_config() == ours


def _without_dtype(config: Any) -> Any:
    if isinstance(config, dict):
        drop = ("dtype", "input_axes", "output_axes")
        return {k: _without_dtype(v) for k, v in config.items() if k not in drop}
    if isinstance(config, list):
        return [_without_dtype(v) for v in config]
    return config


# ----------------------------------------------------------------- single cell steps
@pytest.mark.parametrize("name", names("step"))
def test_cell_step_matches_keras(name):
    config, a = load(name)
    cell = make(config["cell"])
    x = ember.tensor(a["x"], requires_grad=True)
    states = [ember.tensor(s, requires_grad=True) for s in indexed(a, "s")]
    given = states if config["states_as"] == "list" else states[0]
    cell(x, given)  # builds
    cell.set_weights(indexed(a, "w"))
    assert set(cell.get_config()) == set(config["keras_get_config"])
    out, new = cell(x, given)
    check_outputs_and_gradients(config, a, [out, new], [x, *states], cell.weights)


# ----------------------------------------------------------------- stateful
@pytest.mark.parametrize("name", names("stateful"))
def test_stateful_rnn_matches_keras(name):
    config, a = load(name)
    layer = make(config["layer"])
    model = ember.Sequential([layers.Input(batch_shape=tuple(config["batch_shape"])), layer])
    model.set_weights(indexed(a, "w"))

    def check_states(k: int) -> None:
        assert structure_of(layer.states) == config["states"]
        for i, s in enumerate(flat(layer.states)):
            np.testing.assert_allclose(s.numpy(), a[f"state{k}_{i}"], **FWD, err_msg=f"state{k}")

    np.testing.assert_allclose(model(ember.tensor(a["x0"])).numpy(), a["y0"], **FWD)
    check_states(0)
    x1 = ember.tensor(a["x1"], requires_grad=True)
    y1 = model(x1, training=True)
    np.testing.assert_allclose(y1.numpy(), a["y1"], **FWD, err_msg="continued batch")
    check_states(1)
    (y1 * ember.tensor(a["proj1"])).sum().backward()
    np.testing.assert_allclose(x1.grad, a["dx1"], **GRAD)
    for w, want in zip(layer.weights, indexed(a, "dw")):
        np.testing.assert_allclose(w.grad, want, **GRAD, err_msg=w.name)
    layer.reset_states()
    np.testing.assert_allclose(model(ember.tensor(a["x0"])).numpy(), a["y2"], **FWD)
    check_states(2)
