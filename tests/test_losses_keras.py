"""ember.losses against real Keras 3: values with every reduction, sample weights and masks,
gradients d loss / d y_pred (or d loss / d logits through a softmax/sigmoid output),
get_config, function forms, the names keras.losses.get accepts, and compile(loss=name) with
one SGD step. The fixtures come from tests/fixtures/make_keras_losses_fixtures.py (CI needs
no TensorFlow).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

import ember
from ember import losses

FIXTURES = Path(__file__).parent / "fixtures" / "keras_losses"
NAMES = Path(__file__).parent / "fixtures" / "keras_api" / "names.json"
FWD = dict(atol=1e-5, rtol=1e-4)
GRAD = dict(atol=1e-4, rtol=1e-3)
# get_config keys ember writes and Keras 3.15 leaves out (its round trip loses them).
EXTRA_CONFIG = {
    "Huber": {"delta"},
    "CosineSimilarity": {"axis"},
    "SparseCategoricalCrossentropy": {"axis"},
}


def load(name: str) -> tuple[dict, dict]:
    with np.load(FIXTURES / f"{name}.npz", allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    return json.loads(str(arrays.pop("config"))), arrays


def names(prefix: str) -> list[str]:
    return sorted(p.stem for p in FIXTURES.glob(f"{prefix}_*.npz"))


def _json(x):
    return json.loads(json.dumps(x))


@pytest.fixture(autouse=True)
def fresh_session():
    ember.backend.clear_session()


def _call(config: dict, a: dict, **override):
    """(loss value, the Tensor the gradient is taken for) for one fixture call."""
    cls = getattr(losses, config["class_name"])
    loss = cls(**{**config["kwargs"], **override})
    if config["activation"]:
        x = ember.tensor(a["logits"], requires_grad=True)
        y_pred = getattr(ember.activations, config["activation"])(x)
    else:
        x = y_pred = ember.tensor(a["y_pred"], requires_grad=True)
    if config["masked"]:
        if y_pred is x:
            y_pred = x * 1.0
        y_pred._keras_mask = a["mask"]
    return loss(a["y_true"], y_pred, sample_weight=a.get("sample_weight")), x


@pytest.mark.parametrize("name", names("class"))
def test_loss_class_matches_keras(name):
    config, a = load(name)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value, x = _call(config, a)
    np.testing.assert_allclose(value.numpy(), a["loss"], **FWD, err_msg="loss")
    assert value.shape == a["loss"].shape
    if "grad" in a:
        value.backward() if value.ndim == 0 else value.sum().backward()
        np.testing.assert_allclose(x.grad, a["grad"], **GRAD, err_msg="gradient")
    for key, reduction in (("loss_none", None), ("loss_sum", "sum")):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out, _ = _call(config, a, reduction=reduction)
        assert out.shape == a[key].shape, key
        np.testing.assert_allclose(out.numpy(), a[key], **FWD, err_msg=key)
    if config["weighted"]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out, _ = _call(config, a, reduction="mean_with_sample_weight")
        np.testing.assert_allclose(out.numpy(), a["loss_mws"], **FWD, err_msg="loss_mws")
    # Keras warns when from_logits=True is given for a softmax/sigmoid output; so does ember.
    ours = sorted({f"{type(w.message).__name__}: {str(w.message)[:60]}" for w in caught})
    assert ours == config["warns"]


@pytest.mark.parametrize("name", names("class"))
def test_loss_config_matches_keras_and_round_trips(name):
    config, _ = load(name)
    cls = getattr(losses, config["class_name"])
    loss = cls(**config["kwargs"])
    ours, theirs = _json(loss.get_config()), config["get_config"]
    extra = set(ours) - set(theirs)
    assert extra == EXTRA_CONFIG.get(config["class_name"], set()), extra
    assert {k: ours[k] for k in theirs} == theirs
    # Round trips: ember's own config, and a config Keras wrote.
    for source in (ours, theirs):
        rebuilt = cls.from_config(dict(source))
        assert type(rebuilt) is cls
        assert {k: v for k, v in _json(rebuilt.get_config()).items() if k in source} == source
    again = losses.deserialize(json.loads(json.dumps(losses.serialize(loss))))
    assert type(again) is cls and _json(again.get_config()) == ours


@pytest.mark.parametrize("name", names("function"))
def test_loss_function_matches_keras(name):
    config, a = load(name)
    fn = getattr(losses, config["function"])
    kwargs = dict(config["kwargs"])
    kwargs.update({k: a[k] for k in config["array_kwargs"]})
    if isinstance(kwargs.get("axis"), list):
        kwargs["axis"] = tuple(kwargs["axis"])
    y_pred = ember.tensor(a["y_pred"], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = fn(a["y_true"], y_pred, **kwargs)
    assert value.shape == a["value"].shape
    np.testing.assert_allclose(value.numpy(), a["value"], **FWD)


def _model(config: dict, a: dict) -> ember.Model:
    layers = [getattr(ember.layers, s["class_name"])(**s["config"]) for s in config["model"]]
    model = ember.Sequential(layers)
    model.build((None, *config["input_shape"]))
    model.set_weights([a[f"w{i}"] for i in range(len(model.get_weights()))])
    return model


@pytest.mark.parametrize("name", names("compile"))
def test_compile_with_loss_name_matches_keras(name):
    config, a = load(name)
    model = _model(config, a)
    model.compile(optimizer=ember.optimizers.SGD(learning_rate=0.1), loss=config["loss"])
    x, y = a["x"], a["y"]
    np.testing.assert_allclose(
        model.evaluate(x, y, batch_size=len(x), verbose=0), a["evaluate"], **FWD
    )
    model.train_on_batch(x, y)
    for i, w in enumerate(model.get_weights()):
        np.testing.assert_allclose(w, a[f"w_after{i}"], **GRAD, err_msg=f"weight {i} after a step")
    after = model.evaluate(x, y, batch_size=len(x), verbose=0)
    np.testing.assert_allclose(after, a["evaluate_after"], **GRAD)


# ---------------------------------------------------------------------- names
def test_every_keras_loss_name_exists_with_its_kind():
    keras_names = json.loads(NAMES.read_text())["namespaces"]["losses"]
    assert len(keras_names) == 48
    for name, kind in keras_names.items():
        obj = getattr(losses, name, None)
        assert obj is not None, f"ember.losses.{name} is missing"
        if kind == "class":
            assert isinstance(obj, type) and issubclass(obj, losses.Loss), name
        else:
            assert callable(obj) and not isinstance(obj, type), name


# Strings Keras 3.15's keras.losses.get rejects and ember accepts on purpose: the legacy
# tf.keras names, compile's "crossentropy"/"ce" (Keras resolves those in compile, ember's
# compile asks get), and the generalized crossentropy, which Keras 3.15 forgot to list.
EMBER_ONLY_NAMES = {
    "CategoricalGeneralizedCrossEntropy",
    "categorical_generalized_cross_entropy",
    "huber_loss",
    "logcosh",
    "kullback_leibler_divergence",
    "crossentropy",
    "ce",
}


def test_get_accepts_the_strings_keras_accepts():
    manifest = json.loads((FIXTURES / "MANIFEST.json").read_text())
    for name, got in manifest["get"].items():
        if "class" in got:
            assert type(losses.get(name)).__name__ == got["class"], name
        elif "function" in got:
            loss = losses.get(name)
            assert isinstance(loss, losses.LossFunctionWrapper), name
            assert loss.fn is getattr(losses, got["function"]), name
        elif name in EMBER_ONLY_NAMES:
            assert isinstance(losses.get(name), losses.Loss), name
        else:
            with pytest.raises(Exception) as info:
                losses.get(name)
            assert type(info.value).__name__ == got["error"], name
