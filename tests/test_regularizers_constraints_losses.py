"""Regularizers, constraints, ``add_loss`` / ``losses`` and training with them.

References: real Keras 3 fixtures (tests/fixtures/make_keras_regularization_fixtures.py
writes tests/fixtures/keras_regularization/: penalties and their gradients, constrained
weights, ``layer.losses`` after a call with the gradient of their sum, and whole fit runs
with the weights after every step), numpy float64 formulas, and central finite differences
in float64 (tests/gradcheck.py).
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import numpy as np
import pytest
from gradcheck import check_gradients

import ember
from ember import constraints, layers, regularizers
from ember.layers import base as layer_base
from ember.ops import math as math_ops

FIXTURES = Path(__file__).parent / "fixtures" / "keras_regularization"
API = Path(__file__).parent / "fixtures" / "keras_api" / "names.json"
FWD = dict(atol=1e-5, rtol=1e-4)
GRAD = dict(atol=1e-4, rtol=1e-3)


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


@pytest.fixture(autouse=True)
def fresh_session():
    ember.backend.clear_session()


# --------------------------------------------------------------------------- custom layers
# The same layers as the fixture script's, written with Tensor methods and ember.ops.math.


@ember.saving.register_keras_serializable(package="Custom")
class ActivityRegularizationLayer(layers.Layer):
    def __init__(self, rate: float = 1e-2, **kwargs):
        super().__init__(**kwargs)
        self.rate = rate

    def call(self, inputs):
        self.add_loss(self.rate * inputs.sum())
        return inputs

    def get_config(self):
        return {**super().get_config(), "rate": self.rate}


@ember.saving.register_keras_serializable(package="Custom")
class MeanPenalty(layers.Layer):
    def call(self, inputs):
        self.add_loss(1e-2 * inputs.mean())
        return inputs


@ember.saving.register_keras_serializable(package="Custom")
class ReconstructionLoss(layers.Layer):
    def call(self, inputs):
        x, r = inputs
        self.add_loss(math_ops.square(x - r).mean() + 0.1 * math_ops.square(r).mean())
        return r


def build_add_loss_model(graph: str) -> ember.Model:
    if graph == "activity_layer":
        inp = ember.Input((4,))
        h = layers.Dense(6, activation="relu")(inp)
        h = ActivityRegularizationLayer(rate=1e-2)(h)
        return ember.Model(inp, layers.Dense(2)(h))
    if graph == "mean_penalty":
        inp = ember.Input((4,))
        h = layers.Dense(5, activation="tanh", kernel_regularizer=regularizers.L2(0.01))(inp)
        h = MeanPenalty()(h)
        return ember.Model(inp, layers.Dense(1)(h))
    assert graph == "autoencoder"
    inp = ember.Input((6,))
    code = layers.Dense(3, activation="tanh")(inp)
    recon = layers.Dense(6)(code)
    return ember.Model(inp, ReconstructionLoss()([inp, recon]))


class WeightsPerStep(ember.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.weights, self.losses = [], []

    def on_train_batch_end(self, batch, logs=None):
        self.weights.append(self.model.get_weights())
        self.losses.append(logs["loss"])


def check_fit_against(model, config: dict, a: dict, x, y) -> None:
    """compile + fit as the fixture did, then compare each step's weights and logged loss,
    the history, evaluate and the final ``model.losses``."""
    model.set_weights(indexed(a, "w_init"))
    compile_cfg = config["compile"]
    model.compile(
        optimizer=ember.optimizers.get(compile_cfg["optimizer"]), loss=compile_cfg["loss"]
    )
    rec = WeightsPerStep()
    fit_y = {} if y is None else {"y": y}
    history = model.fit(x, **fit_y, **config["fit"], callbacks=[rec])
    assert len(rec.weights) == config["steps"]
    for k, got in enumerate(rec.weights):
        want = [a[f"w_step{k}_{i}"] for i in range(len(got))]
        for i, (g, w) in enumerate(zip(got, want)):
            np.testing.assert_allclose(g, w, err_msg=f"weight {i} after step {k}", **FWD)
    np.testing.assert_allclose(rec.losses, a["batch_loss"], **FWD)
    np.testing.assert_allclose(history.history["loss"], a["history_loss"], **FWD)
    evaluated = model.evaluate(x, *([] if y is None else [y]), verbose=0)
    np.testing.assert_allclose(evaluated, a["evaluate"], **FWD)
    model(x, training=False)
    np.testing.assert_allclose([float(t) for t in model.losses], a["losses"], **FWD)


# --------------------------------------------------------------------------- Keras fixtures


@pytest.mark.parametrize("name", names("reg"))
def test_regularizer_penalty_and_gradient_match_keras(name):
    config, a = load(name)
    if config["identifier"] is not None:
        reg = regularizers.get(config["identifier"])
    else:
        reg = regularizers.deserialize(config["regularizer"])
    assert regularizers.serialize(reg) == config["regularizer"]
    x = ember.tensor(a["x"], requires_grad=True)
    value = reg(x)
    assert value.shape == ()
    np.testing.assert_allclose(value.numpy(), a["value"], **FWD)
    value.backward()
    np.testing.assert_allclose(x.grad, a["dx"], **GRAD)


@pytest.mark.parametrize("name", names("con"))
def test_constraint_matches_keras(name):
    config, a = load(name)
    constraint = constraints.deserialize(config["constraint"])
    assert constraints.serialize(constraint) == config["constraint"]
    out = constraint(ember.Variable(a["w"]))
    np.testing.assert_allclose(out.numpy(), a["out"], **FWD)


@pytest.mark.parametrize("name", names("layer"))
def test_layer_losses_and_their_gradients_match_keras(name):
    config, a = load(name)
    wrapped = config.get("wrapped")
    inner = (
        () if wrapped is None else (getattr(layers, wrapped["class_name"])(**wrapped["config"]),)
    )
    layer = getattr(layers, config["class_name"])(*inner, **config["config"])
    x = a["x"]
    layer.build(x.shape)
    layer.set_weights(indexed(a, "w"))
    y = layer(x, training=config["training"])
    y = y[0] if isinstance(y, list) else y
    np.testing.assert_allclose(y.numpy(), a["y"], **FWD)
    losses = layer.losses
    np.testing.assert_allclose([float(t) for t in losses], a["losses"], **FWD)
    total = losses[0]
    for t in losses[1:]:
        total = total + t
    if layer.trainable_weights:
        total.backward()
    for i, (w, want) in enumerate(zip(layer.trainable_weights, indexed(a, "dw"))):
        got = np.zeros(w.shape, np.float32) if w.grad is None else w.grad
        np.testing.assert_allclose(got, want, err_msg=f"d losses / d weight {i}", **GRAD)
    written = {
        k: v
        for k, v in layer.get_config().items()
        if k.endswith("_regularizer") or k.endswith("_constraint")
    }
    assert written == config["keras_get_config"]


@pytest.mark.parametrize("name", names("train"))
def test_fit_with_regularizers_and_constraints_matches_keras_step_by_step(name):
    config, a = load(name)
    model = ember.Sequential(
        [ember.Input(tuple(config["input_shape"][1:]), dtype=config["input_dtype"])]
        + [getattr(layers, d["class_name"])(**d["config"]) for d in config["model"]]
    )
    check_fit_against(model, config, a, a["x"], a["y"])


@pytest.mark.parametrize("name", names("addloss"))
def test_fit_with_added_losses_matches_keras_step_by_step(name):
    config, a = load(name)
    model = build_add_loss_model(config["graph"])
    check_fit_against(model, config, a, a["x"], a.get("y"))


# --------------------------------------------------------------------------- regularizers


def test_penalties_against_numpy_float64():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 4)).astype(np.float32)
    x64 = x.astype(np.float64)
    cases = [
        (regularizers.L1(0.3), 0.3 * np.abs(x64).sum()),
        (regularizers.L2(0.2), 0.2 * (x64**2).sum()),
        (regularizers.L1L2(0.1, 0.4), 0.1 * np.abs(x64).sum() + 0.4 * (x64**2).sum()),
        (regularizers.L1L2(), 0.0),
        (regularizers.Regularizer(), 0.0),
    ]
    for mode, axis in (("rows", 1), ("columns", 0)):
        unit = x64 / np.linalg.norm(x64, axis=axis, keepdims=True)
        product = unit @ unit.T if mode == "rows" else unit.T @ unit
        n = product.shape[0]
        off = np.abs(product * (1 - np.eye(n))).sum()
        cases.append(
            (regularizers.OrthogonalRegularizer(0.7, mode), 0.7 * 0.5 * off / (n * (n - 1) / 2))
        )
    for reg, want in cases:
        np.testing.assert_allclose(float(reg(x)), want, rtol=1e-5, atol=1e-6, err_msg=repr(reg))


@pytest.mark.parametrize(
    "reg",
    [
        regularizers.L1(0.3),
        regularizers.L2(0.2),
        regularizers.L1L2(0.1, 0.4),
        regularizers.OrthogonalRegularizer(0.7),
        regularizers.OrthogonalRegularizer(0.7, mode="columns"),
    ],
    ids=lambda r: type(r).__name__ + str(r.get_config().get("mode", "")),
)
def test_penalty_gradients_against_finite_differences(reg):
    x = np.random.default_rng(1).standard_normal((4, 3)).astype(np.float32)
    check_gradients(lambda t: math_ops.reshape(reg(t), (1,)), [x], eps=1e-3)


def test_get_resolves_names_classes_configs_and_callables():
    assert regularizers.get(None) is None
    assert regularizers.get("l1").get_config() == {"l1": float(np.float32(0.01))}
    assert regularizers.get("l2").get_config() == {"l2": 0.01}
    assert regularizers.get("l1_l2").get_config() == {"l1": 0.01, "l2": 0.01}
    assert regularizers.get("L1L2").get_config() == {"l1": 0.0, "l2": 0.0}
    assert regularizers.get("l1l2").get_config() == {"l1": 0.0, "l2": 0.0}
    assert isinstance(
        regularizers.get("orthogonal_regularizer"), regularizers.OrthogonalRegularizer
    )
    assert isinstance(regularizers.get(regularizers.L2), regularizers.L2)
    reg = regularizers.L1(0.5)
    assert regularizers.get(reg) is reg

    def fn(x):
        return x.sum()

    assert regularizers.get(fn) is fn
    assert regularizers.get({"class_name": "L2", "config": {"l2": 0.5}}).l2 == 0.5
    assert (regularizers.l1, regularizers.l2) == (regularizers.L1, regularizers.L2)
    assert regularizers.l1_l2 is regularizers.L1L2
    assert regularizers.orthogonal_regularizer is regularizers.OrthogonalRegularizer
    assert constraints.get(None) is None
    assert isinstance(constraints.get("max_norm"), constraints.MaxNorm)
    assert isinstance(constraints.get("NonNeg"), constraints.NonNeg)
    assert constraints.get("min_max_norm").get_config() == {
        "min_value": 0.0,
        "max_value": 1.0,
        "rate": 1.0,
        "axis": 0,
    }
    assert constraints.max_norm is constraints.MaxNorm
    assert constraints.unit_norm is constraints.UnitNorm
    assert constraints.non_neg is constraints.NonNeg
    assert constraints.min_max_norm is constraints.MinMaxNorm


@pytest.mark.parametrize("bad", ["foo", 3, {"class_name": "Nope", "config": {}}])
def test_unknown_identifiers_are_value_errors(bad):
    with pytest.raises(ValueError, match="regularizer"):
        regularizers.get(bad)
    with pytest.raises(ValueError, match="constraint"):
        constraints.get(bad)
    with pytest.raises(ValueError, match="regularizer"):
        layers.Dense(2, kernel_regularizer=bad)
    with pytest.raises(ValueError, match="constraint"):
        layers.Dense(2, kernel_constraint=bad)


def test_bad_factors_and_modes_raise_keras_errors():
    for bad in (-1, "a", float("nan"), float("inf")):
        with pytest.raises(ValueError, match=r"Invalid value for argument l1: expected a non-neg"):
            regularizers.L1(bad)
    with pytest.raises(ValueError, match="argument l2"):
        regularizers.L1L2(l2=-0.5)
    with pytest.raises(ValueError, match="argument factor"):
        regularizers.OrthogonalRegularizer(factor=-1.0)
    with pytest.raises(ValueError, match=r"Expected one of \{\"rows\", \"columns\"\}.*mode=x"):
        regularizers.OrthogonalRegularizer(mode="x")
    with pytest.raises(ValueError, match=r"must have rank 2. Received: inputs.shape=\(2, 2, 2\)"):
        regularizers.OrthogonalRegularizer()(np.ones((2, 2, 2)))
    assert regularizers.L1L2(l1=None, l2=None).get_config() == {"l1": 0.0, "l2": 0.0}
    with pytest.raises(NotImplementedError, match="does not implement get_config"):
        regularizers.Regularizer().get_config()


def test_every_keras_name_of_both_namespaces_exists_with_its_kind():
    namespaces = json.loads(API.read_text())["namespaces"]
    for label, module in (("regularizers", regularizers), ("constraints", constraints)):
        for name, kind in namespaces[label].items():
            obj = getattr(module, name)
            assert kind == ("class" if isinstance(obj, type) else "function"), (label, name)


# --------------------------------------------------------------------------- constraints


def test_constraints_against_numpy_float64():
    rng = np.random.default_rng(2)
    w = rng.standard_normal((3, 3, 2, 4)).astype(np.float32)
    w64 = w.astype(np.float64)

    def norms(axis):
        return np.sqrt((w64**2).sum(axis=axis, keepdims=True))

    n0, nf = norms(0), norms((0, 1, 2))
    cases = [
        (constraints.MaxNorm(1.2), w64 * np.clip(n0, 0, 1.2) / (1e-7 + n0)),
        (constraints.MaxNorm(2.0, axis=[0, 1, 2]), w64 * np.clip(nf, 0, 2.0) / (1e-7 + nf)),
        (constraints.UnitNorm(axis=(0, 1, 2)), w64 / (1e-7 + nf)),
        (constraints.NonNeg(), np.maximum(w64, 0)),
        (
            constraints.MinMaxNorm(1.0, 1.5, rate=0.3),
            w64 * (0.3 * np.clip(n0, 1.0, 1.5) + 0.7 * n0) / (1e-7 + n0),
        ),
        (constraints.Constraint(), w64),
    ]
    for constraint, want in cases:
        got = constraint(ember.Variable(w))
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-5, atol=1e-6)


def test_constraints_apply_after_each_update_to_updated_variables_only():
    layer = layers.Dense(
        3, kernel_constraint=constraints.MaxNorm(0.5), bias_constraint=constraints.NonNeg()
    )
    layer.build((None, 4))
    rng = np.random.default_rng(3)
    layer.set_weights([rng.standard_normal((4, 3)), -np.ones(3)])
    opt = ember.optimizers.SGD(0.1)
    g = rng.standard_normal((4, 3)).astype(np.float32)
    before = layer.kernel.numpy().astype(np.float64)
    opt.apply_gradients([(g, layer.kernel), (None, layer.bias)])
    stepped = before - 0.1 * g
    norms = np.sqrt((stepped**2).sum(axis=0, keepdims=True))
    np.testing.assert_allclose(
        layer.kernel.numpy(), stepped * np.clip(norms, 0, 0.5) / (1e-7 + norms), **FWD
    )
    # No gradient for the bias in this step: Keras leaves it (and its constraint) alone.
    np.testing.assert_array_equal(layer.bias.numpy(), -np.ones(3, np.float32))
    opt.apply_gradients([(np.zeros(3, np.float32), layer.bias)])
    np.testing.assert_array_equal(layer.bias.numpy(), np.zeros(3, np.float32))


def test_custom_constraint_in_add_weight_runs_after_the_update():
    class Clip(constraints.Constraint):
        def __init__(self, limit):
            self.limit = limit

        def __call__(self, w):
            return math_ops.clip(w, -self.limit, self.limit)

        def get_config(self):
            return {"limit": self.limit}

    class Scale(layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(
                name="w", shape=(input_shape[-1],), initializer="ones", constraint=Clip(1.1)
            )

        def call(self, x):
            return x * self.w

    model = ember.Sequential([ember.Input((2,)), Scale()])
    model.compile(ember.optimizers.SGD(1.0), loss="mse")
    model.fit(np.ones((4, 2)), np.full((4, 2), 5.0), epochs=1, batch_size=4, verbose=0)
    # mse gradient on w: 2 * (w - 5) = -8 per element -> w = 9, clipped to 1.1
    np.testing.assert_allclose(model.layers[0].w.numpy(), [1.1, 1.1], rtol=1e-6)


def test_a_frozen_layer_has_no_weight_penalties_and_is_not_constrained():
    layer = layers.Dense(2, kernel_regularizer="l2", kernel_constraint="non_neg")
    layer.build((None, 3))
    assert len(layer.losses) == 1
    layer.trainable = False
    assert layer.losses == []
    assert layer.trainable_weights == []


# --------------------------------------------------------------------------- add_loss, losses


def test_add_loss_is_cleared_at_the_next_outermost_call_and_collected_recursively():
    class Outer(layers.Layer):
        def __init__(self):
            super().__init__()
            self.inner = layers.Dense(
                2, kernel_initializer="ones", kernel_regularizer=regularizers.L1(0.5)
            )
            self.penalty = MeanPenalty()

        def call(self, x):
            self.add_loss(x.sum())
            return self.penalty(self.inner(x))

    outer = Outer()
    x = np.ones((1, 3), np.float32)
    outer(x)
    # own add_loss, then the sub-layer's, then the weight penalty (0.5 * 6 ones)
    np.testing.assert_allclose([float(t) for t in outer.losses], [3.0, 0.03, 3.0], rtol=1e-6)
    outer(2 * x)
    np.testing.assert_allclose([float(t) for t in outer.losses], [6.0, 0.06, 3.0], rtol=1e-6)
    outer.penalty(np.zeros((1, 2)))  # a call of the sub-layer alone clears only its own
    np.testing.assert_allclose([float(t) for t in outer.losses], [6.0, 0.0, 3.0], rtol=1e-6)


def test_a_shared_layer_called_twice_keeps_both_activity_penalties():
    dense = layers.Dense(3, activity_regularizer=regularizers.L1(1.0), kernel_initializer="ones")
    inp = ember.Input((3,))
    model = ember.Model(inp, dense(dense(inp)))
    model(np.ones((2, 3), np.float32))
    assert [float(t) for t in model.losses] == [9.0, 27.0]  # as Keras


def test_activity_penalty_is_divided_by_the_batch_and_counts_each_output():
    lstm = layers.LSTM(2, return_state=True, activity_regularizer=regularizers.L2(1.0))
    outputs = lstm(np.random.default_rng(4).standard_normal((3, 4, 2)))
    want = [float((t.numpy().astype(np.float64) ** 2).sum()) / 3 for t in outputs]
    np.testing.assert_allclose([float(t) for t in lstm.losses], want, rtol=1e-5)


def test_activity_regularizer_is_a_base_layer_argument_and_property():
    flat = layers.Flatten(activity_regularizer="l2")
    assert flat.get_config()["activity_regularizer"]["class_name"] == "L2"
    flat(np.ones((2, 2, 2)))
    np.testing.assert_allclose(float(flat.losses[0]), 0.01 * 8 / 2, rtol=1e-6)
    relu = layers.ReLU()
    assert "activity_regularizer" not in relu.get_config()
    relu.activity_regularizer = regularizers.L1(1.0)
    relu(-np.ones((2, 2)))
    assert float(relu.losses[0]) == 0.0
    relu(np.ones((2, 2)))
    assert float(relu.losses[0]) == 2.0  # 4 ones, per sample of the batch of 2
    assert layers.ReLU.from_config(relu.get_config()).activity_regularizer.l1 == 1.0


def test_add_loss_outside_call_stays_until_the_next_call_and_refuses_non_tensors():
    layer = MeanPenalty()
    with pytest.raises(ValueError, match=r"`add_loss\(\)` can only be called .* Received invalid"):
        layer.add_loss(1.0)
    layer.add_loss(ember.tensor(2.0))
    assert [float(t) for t in layer.losses] == [2.0]
    layer(np.full((1, 2), 3.0))
    np.testing.assert_allclose([float(t) for t in layer.losses], [0.03], rtol=1e-6)
    with pytest.raises(ValueError, match="add_loss"):
        layer.add_loss(ember.Input((2,)))


def test_a_new_functional_model_reports_only_weight_penalties():
    inp = ember.Input((3,))
    h = layers.Dense(4, kernel_regularizer="l2", activity_regularizer="l1")(inp)
    model = ember.Model(inp, MeanPenalty()(h))
    assert len(model.losses) == 1  # the symbolic construction adds no losses (as Keras)
    model(np.ones((2, 3)))
    assert len(model.losses) == 3


def test_losses_are_differentiable_and_join_a_custom_training_loop():
    dense = layers.Dense(2, kernel_regularizer=regularizers.L2(0.5), kernel_initializer="ones")
    model = ember.Sequential([ember.Input((3,)), dense, MeanPenalty()])
    y = model(np.ones((4, 3)), training=True)
    loss = y.sum() + sum(model.losses)
    loss.backward()
    # d/dk [sum(x @ k) + 0.5 sum(k^2) + 0.01 mean(x @ k)] = 4 + k + 0.01 * 4 / 8
    np.testing.assert_allclose(dense.kernel.grad, np.full((3, 2), 5.005), rtol=1e-6)


def test_fit_adds_model_losses_to_the_compiled_loss_and_evaluate_reports_the_same_total():
    model = ember.Sequential(
        [
            ember.Input((3,)),
            layers.Dense(2, kernel_initializer="ones", kernel_regularizer=regularizers.L1(0.1)),
        ]
    )
    model.compile(ember.optimizers.SGD(0.0), loss="mse")
    x, y = np.ones((4, 3), np.float32), np.zeros((4, 2), np.float32)
    history = model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    want = 9.0 + 0.1 * 6  # mse of 3s, plus the L1 penalty of six ones
    np.testing.assert_allclose(history.history["loss"], [want], rtol=1e-6)
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0), want, rtol=1e-6)


def test_non_scalar_added_losses_count_with_their_sum():
    class Whole(layers.Layer):
        def call(self, x):
            self.add_loss(x)
            return x

    model = ember.Sequential(
        [ember.Input((2,)), layers.Dense(2, kernel_initializer="zeros"), Whole()]
    )
    model.compile("sgd")
    history = model.fit(np.ones((4, 2)), epochs=1, batch_size=4, verbose=0)
    np.testing.assert_allclose(history.history["loss"], [0.0], atol=1e-7)
    model.layers[0].bias.assign(np.ones(2))
    want = model.predict(np.ones((4, 2)), verbose=0).astype(np.float64).sum()
    np.testing.assert_allclose(model.evaluate(np.ones((4, 2)), verbose=0), want, rtol=1e-6)


def test_compile_without_loss_needs_the_model_to_add_some():
    model = ember.Sequential([ember.Input((3,)), layers.Dense(1)])
    model.compile("sgd")
    x = np.ones((5, 3), np.float32)
    message = r"No loss to compute. Provide a `loss` argument in `compile\(\)`."
    with pytest.raises(ValueError, match=message):
        model.fit(x, np.ones((5, 1)), verbose=0)
    with pytest.raises(ValueError, match=message):
        model.fit(x, verbose=0)
    with pytest.raises(ValueError, match=message):
        model.evaluate(x, np.ones((5, 1)), verbose=0)
    penalized = ember.Sequential([ember.Input((3,)), layers.Dense(1), MeanPenalty()])
    penalized.compile("sgd")
    history = penalized.fit(x, epochs=2, verbose=0)
    assert list(history.history) == ["loss"]
    assert isinstance(penalized.evaluate(x, verbose=0), float)
    assert isinstance(penalized.train_on_batch(x), float)


def test_training_without_losses_never_collects_them(monkeypatch):
    # The per-step cost guarantee: with no added losses and no regularized weight alive, fit
    # does not walk the layers for losses (Layer.losses is never read).
    monkeypatch.setattr(layer_base, "_LOSSES", layer_base._LossTracking())

    def refuse(self):
        raise AssertionError("losses collected")

    monkeypatch.setattr(layers.Layer, "losses", property(refuse))
    model = ember.Sequential(
        [ember.Input((3,)), layers.Dense(4, activation="relu"), layers.Dense(1)]
    )
    assert not any(layer._loss_hooks for layer in model.layers)
    model.compile("sgd", loss="mse")
    model.fit(np.ones((8, 3)), np.ones((8, 1)), epochs=1, batch_size=4, verbose=0)
    model.evaluate(np.ones((8, 3)), np.ones((8, 1)), verbose=0)


# --------------------------------------------------------------------------- serialization


@ember.saving.register_keras_serializable(package="tests")
class ScaledL1(regularizers.Regularizer):
    def __init__(self, scale: float = 1.0):
        self.scale = scale

    def __call__(self, x):
        return self.scale * math_ops.abs(x).sum()

    def get_config(self):
        return {"scale": self.scale}


@ember.saving.register_keras_serializable(package="tests")
def sum_penalty(x):
    return 0.5 * x.sum()


@ember.saving.register_keras_serializable(package="tests")
class AtMost(constraints.Constraint):
    def __init__(self, limit: float = 1.0):
        self.limit = limit

    def __call__(self, w):
        return math_ops.clip(w, -1e9, self.limit)

    def get_config(self):
        return {"limit": self.limit}


def _regularized_model() -> ember.Sequential:
    return ember.Sequential(
        [
            ember.Input((5,)),
            layers.Dense(
                4,
                kernel_regularizer=ScaledL1(0.2),
                bias_regularizer=sum_penalty,
                activity_regularizer=regularizers.OrthogonalRegularizer(0.1, "columns"),
                kernel_constraint=AtMost(0.3),
                bias_constraint="non_neg",
            ),
            layers.BatchNormalization(gamma_regularizer="l1_l2", beta_constraint="max_norm"),
            layers.Dense(2, kernel_regularizer="l2", kernel_constraint=constraints.UnitNorm(0)),
            ActivityRegularizationLayer(0.05),
        ]
    )


def test_custom_regularizers_and_constraints_are_written_as_keras_writes_them():
    config = _regularized_model().layers[0].get_config()
    assert config["kernel_regularizer"] == {
        "module": None,
        "class_name": "ScaledL1",
        "config": {"scale": 0.2},
        "registered_name": "tests>ScaledL1",
    }
    assert config["bias_regularizer"] == {
        "module": "builtins",
        "class_name": "function",
        "config": "tests>sum_penalty",
        "registered_name": "function",
    }
    assert config["kernel_constraint"]["registered_name"] == "tests>AtMost"

    def unnamed(x):
        return x.sum()

    class Unregistered(regularizers.L2):
        pass

    written = regularizers.serialize(Unregistered(0.3))
    assert (written["module"], written["registered_name"]) == (__name__, "Unregistered")
    with pytest.raises(ValueError, match="Unknown regularizer class 'Unregistered'"):
        regularizers.deserialize(written)
    assert type(regularizers.deserialize(written, {"Unregistered": Unregistered})) is Unregistered
    assert (
        regularizers.deserialize(regularizers.serialize(unnamed), {"unnamed": unnamed}) is unnamed
    )
    with pytest.raises(ValueError, match="lambda"):
        layers.Dense(2, kernel_regularizer=lambda x: x.sum()).get_config()


def test_from_config_and_keras_file_round_trip_keep_penalties_and_constraints(tmp_path):
    model = _regularized_model()
    x = np.random.default_rng(5).standard_normal((6, 5)).astype(np.float32)
    model(x, training=False)
    want = [float(t) for t in model.losses]
    assert len(want) == 6  # activity, the custom layer's add_loss, then 4 weight penalties
    clone = ember.Sequential.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    clone(x, training=False)
    np.testing.assert_allclose([float(t) for t in clone.losses], want, rtol=1e-6)
    path = tmp_path / "regularized.keras"
    model.compile(ember.optimizers.SGD(0.1), loss="mse")
    model.save(path)
    loaded = ember.models.load_model(path)
    loaded(x, training=False)
    np.testing.assert_allclose([float(t) for t in loaded.losses], want, rtol=1e-6)
    for original, restored in zip(model.layers, loaded.layers):
        assert restored.get_config() == original.get_config()
    assert isinstance(loaded.layers[0].kernel.constraint, AtMost)
    y = np.zeros((6, 2), np.float32)
    model.fit(x, y, epochs=1, batch_size=6, shuffle=False, verbose=0)
    loaded.fit(x, y, epochs=1, batch_size=6, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_allclose(a, b, **FWD)
    assert model.layers[0].kernel.numpy().max() <= 0.3 + 1e-7


def test_every_layer_argument_is_accepted_and_round_trips():
    cases = [
        (layers.Dense, dict(units=2)),
        (layers.Conv1D, dict(filters=2, kernel_size=2)),
        (layers.Conv2D, dict(filters=2, kernel_size=2)),
        (layers.Conv2DTranspose, dict(filters=2, kernel_size=2)),
        (layers.SimpleRNN, dict(units=2)),
        (layers.LSTM, dict(units=2)),
        (layers.GRU, dict(units=2)),
        (layers.Embedding, dict(input_dim=4, output_dim=2)),
        (layers.BatchNormalization, {}),
    ]
    for cls, base in cases:
        params = set(inspect.signature(cls.__init__).parameters)
        args = sorted(p for p in params if p.endswith("_regularizer") or p.endswith("_constraint"))
        assert args, cls
        given = {a: ("l2" if a.endswith("_regularizer") else "non_neg") for a in args}
        layer = cls(**base, **given)
        config = layer.get_config()
        for a in args:
            assert config[a]["class_name"] == ("L2" if a.endswith("_regularizer") else "NonNeg")
        assert cls.from_config(config).get_config() == config


# --------------------------------------------------------------------------- device


def test_penalties_and_constraints_run_on_the_device_stand_in():
    # The CUDA code paths (weights and batches on the device, ops through CudaArray) on the
    # host stand-in of the extension: training matches the CPU run.
    import fake_cuda

    def build() -> ember.Sequential:
        ember.utils.set_random_seed(0)
        return ember.Sequential(
            [
                ember.Input((5,)),
                layers.Dense(
                    4,
                    activation="tanh",
                    kernel_regularizer=regularizers.L1L2(0.01, 0.02),
                    bias_regularizer="l2",
                    activity_regularizer=regularizers.L2(0.01),
                    kernel_constraint=constraints.MaxNorm(0.7),
                    bias_constraint=constraints.NonNeg(),
                ),
                MeanPenalty(),
                layers.Dense(
                    2,
                    kernel_regularizer=regularizers.OrthogonalRegularizer(0.1),
                    kernel_constraint=constraints.MinMaxNorm(0.5, 0.9, rate=0.5),
                ),
            ]
        )

    rng = np.random.default_rng(6)
    x, y = rng.random((8, 5), dtype=np.float32), rng.random((8, 2), dtype=np.float32)
    results = {}
    ember.cuda._use_backend(fake_cuda)
    try:
        for device in ("cpu", "cuda"):
            model = build()
            model.compile("adam", loss="mse", device=device)
            history = model.fit(x, y, epochs=2, batch_size=4, shuffle=False, verbose=0)
            results[device] = (history.history["loss"], model.get_weights())
    finally:
        ember.cuda._reset()
    np.testing.assert_allclose(results["cuda"][0], results["cpu"][0], rtol=1e-5)
    for a, b in zip(results["cuda"][1], results["cpu"][1]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_the_keras_guide_on_add_loss_runs_unchanged():
    # "Making new layers and models via subclassing", section "The add_loss() method".
    class ActivityRegularization(layers.Layer):
        def __init__(self, rate=1e-2):
            super().__init__()
            self.rate = rate

        def call(self, inputs):
            self.add_loss(self.rate * inputs.mean())
            return inputs

    class OuterLayer(layers.Layer):
        def __init__(self):
            super().__init__()
            self.activity_reg = ActivityRegularization(1e-2)

        def call(self, inputs):
            return self.activity_reg(inputs)

    layer = OuterLayer()
    assert len(layer.losses) == 0  # never called yet
    _ = layer(np.zeros((1, 1)))
    assert len(layer.losses) == 1
    _ = layer(np.zeros((1, 1)))
    assert len(layer.losses) == 1  # reset at the start of each __call__

    class OuterLayerWithKernelRegularizer(layers.Layer):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(32, kernel_regularizer=regularizers.l2(1e-3))

        def call(self, inputs):
            return self.dense(inputs)

    layer = OuterLayerWithKernelRegularizer()
    _ = layer(np.zeros((1, 1)))
    kernel = layer.dense.kernel.numpy().astype(np.float64)
    np.testing.assert_allclose(
        [float(t) for t in layer.losses], [1e-3 * (kernel**2).sum()], rtol=1e-5
    )

    inputs = ember.Input(shape=(3,))
    outputs = ActivityRegularization()(inputs)
    model = ember.Model(inputs, outputs)
    x, y = np.random.random((2, 3)), np.random.random((2, 3))
    model.compile(optimizer="adam", loss="mse")
    with_mse = model.fit(x, y, verbose=0).history["loss"][0]
    np.testing.assert_allclose(with_mse, ((x - y) ** 2).mean() + 1e-2 * x.mean(), rtol=1e-5)
    # The guide says the model can now train on its own loss alone; Keras 3.15 though keeps
    # the loss of the earlier compile() when compile() gets none, and so does ember.
    model.compile(optimizer="adam")
    again = model.fit(x, y, verbose=0).history["loss"][0]
    np.testing.assert_allclose(again, with_mse, rtol=1e-5)
    fresh = ember.Model(inputs, outputs)
    fresh.compile(optimizer="adam")  # never given a loss: its own is minimized, y is unused
    alone = fresh.fit(x, y, verbose=0).history["loss"][0]
    np.testing.assert_allclose(alone, 1e-2 * x.mean(), rtol=1e-5)
