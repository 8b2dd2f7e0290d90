"""Keras numerics: ember against fixtures that real Keras 3 produced for the same weights
(tests/fixtures/make_keras_fixtures.py writes them; CI needs no TensorFlow).

Layers: outputs and gradients of L = sum(y * proj) w.r.t. inputs and trainable weights (and
BatchNormalization's moving statistics after a training call). Losses, the logits rule for
softmax/sigmoid outputs, metrics, optimizers over 5 steps, whole training runs through fit,
and model summaries.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import ember
from ember import layers

FIXTURES = Path(__file__).parent / "fixtures" / "keras"
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


@pytest.mark.parametrize("name", names("layer"))
def test_layer_matches_keras(name):
    config, a = load(name)
    layer = getattr(layers, config["class_name"])(**config["config"])
    raw = indexed(a, "x") if config["n_inputs"] > 1 else [a["x"]]
    inputs = [ember.tensor(x, requires_grad=True) for x in raw]
    arg = inputs if config["n_inputs"] > 1 else inputs[0]
    layer(arg, training=False)  # build
    weights = indexed(a, "w")
    if weights:
        layer.set_weights(weights)
    y = layer(arg, training=config["training"])
    np.testing.assert_allclose(y.numpy(), a["y"], **FWD, err_msg="output")
    (y * ember.tensor(a["proj"])).sum().backward()
    dxs = indexed(a, "dx") if config["n_inputs"] > 1 else [a["dx"]]
    for t, want in zip(inputs, dxs):
        np.testing.assert_allclose(t.grad, want, **GRAD, err_msg="input gradient")
    all_weights = layer.weights
    for i, want in zip(a["trainable_indices"], indexed(a, "dw")):
        np.testing.assert_allclose(
            all_weights[int(i)].grad, want, **GRAD, err_msg=f"gradient of weight {i}"
        )
    for got, want in zip(layer.get_weights(), indexed(a, "w_after")):
        np.testing.assert_allclose(got, want, **FWD, err_msg="weights after the call")


def _loss_object(config: dict) -> ember.losses.Loss:
    return getattr(ember.losses, config["class_name"])(**config.get("kwargs", {}))


@pytest.mark.parametrize("name", names("loss"))
def test_loss_matches_keras(name):
    config, a = load(name)
    y_pred = ember.tensor(a["y_pred"], requires_grad=True)
    loss = _loss_object(config)(a["y_true"], y_pred)
    np.testing.assert_allclose(float(loss.numpy()), float(a["loss"]), **FWD)
    loss.backward()
    np.testing.assert_allclose(y_pred.grad, a["dy_pred"], **GRAD)


@pytest.mark.parametrize("name", [n for n in names("logits") if not n.startswith("logits_model")])
def test_crossentropy_after_softmax_or_sigmoid_uses_the_logits(name):
    """Keras computes the loss of a softmax/sigmoid output from the logits, not from clipped
    probabilities; ember must give Keras' value and gradient."""
    config, a = load(name)
    logits = ember.tensor(a["logits"], requires_grad=True)
    how = config["activation"]
    if how == "Softmax_layer":
        probs = layers.Softmax()(logits)
    else:
        probs = ember.activations.get(how.removeprefix("ops_"))(logits)
    np.testing.assert_allclose(probs.numpy(), a["probabilities"], **FWD)
    loss = getattr(ember.losses, config["loss_class"])(**config.get("kwargs", {}))(
        a["y_true"], probs
    )
    np.testing.assert_allclose(float(loss.numpy()), float(a["loss"]), **FWD)
    assert config["uses_logits"]
    assert abs(float(a["loss"]) - float(a["loss_if_probabilities_clipped"])) > 1.0
    loss.backward()
    np.testing.assert_allclose(logits.grad, a["dlogits"], **GRAD)


@pytest.mark.parametrize("name", [n for n in names("logits") if n.startswith("logits_model")])
def test_evaluate_of_a_softmax_model_uses_the_logits(name):
    config, a = load(name)
    spec = [
        {
            "class_name": d["class_name"],
            "config": {
                k: v for k, v in d["config"].items() if k in ("units", "activation", "axis")
            },
        }
        for d in config["model"]
    ]
    model = ember.Sequential([getattr(layers, d["class_name"])(**d["config"]) for d in spec])
    model.build((None, a["x"].shape[1]))
    model.set_weights(indexed(a, "w"))
    model.compile(optimizer="sgd", loss=config["loss"])
    loss = model.evaluate(a["x"], a["y_true"], verbose=0)
    np.testing.assert_allclose(loss, float(a["evaluate_loss"]), **FWD)


@pytest.mark.parametrize("name", names("metric"))
def test_metric_matches_keras(name):
    config, a = load(name)
    metric = ember.metrics.get(config["metric"], a["y_true"].shape, a["y_pred"].shape)
    if "resolved_to" in config:
        expected = {
            "binary_accuracy": "BinaryAccuracy",
            "categorical_accuracy": "CategoricalAccuracy",
            "sparse_categorical_accuracy": "SparseCategoricalAccuracy",
        }
        assert type(metric).__name__ == expected[config["resolved_to"]]
    if config.get("kwargs"):
        metric = ember.metrics.MeanMetricWrapper(
            getattr(ember.metrics, config["metric"]), **config["kwargs"]
        )
    metric.update_state(a["y_true"], a["y_pred"])
    np.testing.assert_allclose(float(metric.result()), float(a["value"]), **FWD)


@pytest.mark.parametrize("name", names("optimizer"))
def test_optimizer_matches_keras_over_five_steps(name):
    config, a = load(name)
    opt = ember.optimizers.get({"class_name": config["class_name"], "config": config["config"]})
    w = ember.Variable(a["w0"], name="w")
    b = ember.Variable(a["b0"], name="b")
    for step in range(config["steps"]):
        opt.apply_gradients([(a[f"g{step}"], w), (a[f"gb{step}"], b)])
        np.testing.assert_allclose(
            w.numpy(), a[f"w_after{step}"], atol=1e-6, rtol=1e-5, err_msg=f"w after step {step}"
        )
        np.testing.assert_allclose(
            b.numpy(), a[f"b_after{step}"], atol=1e-6, rtol=1e-5, err_msg=f"b after step {step}"
        )
    assert opt.iterations == config["steps"]


def _build_sequential(spec: list[dict]) -> ember.Sequential:
    return ember.Sequential([getattr(layers, d["class_name"])(**d["config"]) for d in spec])


@pytest.mark.parametrize("name", names("train"))
def test_fit_evaluate_predict_match_keras(name):
    config, a = load(name)
    model = _build_sequential(config["model"])
    model.set_weights(indexed(a, "w_init"))
    compile_cfg = config["compile"]
    model.compile(
        optimizer=ember.optimizers.get(compile_cfg["optimizer"]),
        loss=compile_cfg["loss"],
        metrics=compile_cfg["metrics"],
    )
    history = model.fit(a["x"], a["y"], **config["fit"])
    np.testing.assert_allclose(history.history["loss"], a["history_loss"], atol=1e-5, rtol=1e-4)
    np.testing.assert_allclose(history.history["accuracy"], a["history_accuracy"], atol=1e-6)
    for got, want in zip(model.get_weights(), indexed(a, "w_final")):
        np.testing.assert_allclose(got, want, atol=1e-5, rtol=1e-4)
    np.testing.assert_allclose(model.predict(a["x"], verbose=0), a["predict"], **FWD)
    np.testing.assert_allclose(
        model.evaluate(a["x"], a["y"], verbose=0), a["evaluate"], atol=1e-5, rtol=1e-4
    )


def _summary_models() -> dict:
    from test_models import lenet, shared_input_model

    def cifar() -> ember.Sequential:
        return ember.Sequential(
            [
                layers.Conv2D(32, (3, 3), activation="relu", input_shape=(32, 32, 3)),
                layers.MaxPooling2D((2, 2)),
                layers.Conv2D(64, (3, 3), activation="relu"),
                layers.MaxPooling2D((2, 2)),
                layers.Conv2D(64, (3, 3), activation="relu"),
                layers.Flatten(),
                layers.Dense(64, activation="relu"),
                layers.Dense(10),
            ]
        )

    return {
        "summary_lenet5": lenet,
        "summary_cifar_cnn": cifar,
        "summary_shared_input": shared_input_model,
    }


@pytest.mark.parametrize("name", ["summary_lenet5", "summary_cifar_cnn", "summary_shared_input"])
def test_summary_totals_shapes_and_layer_order_match_keras(name):
    want = json.loads((FIXTURES / f"{name}.json").read_text())
    model = _summary_models()[name]()
    model_layers = model.layers
    assert [la.name for la in model_layers] == [la["name"] for la in want["layers"]]
    for layer, expected in zip(model_layers, want["layers"]):
        assert type(layer).__name__ == expected["class_name"]
        assert list(layer.output_shape) == expected["output_shape"]
        assert layer.count_params() == expected["params"]
    lines: list[str] = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    for key, label in (
        ("total_params", "Total"),
        ("trainable_params", "Trainable"),
        ("non_trainable_params", "Non-trainable"),
    ):
        assert f" {label} params: {want[key]:,} " in text
    keras_text = (FIXTURES / f"{name}.txt").read_text()
    for line in keras_text.splitlines():
        if "params:" in line:
            assert line.strip() in text  # byte-for-byte the same totals lines
