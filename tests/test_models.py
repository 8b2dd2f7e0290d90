"""Sequential and functional models: building, shapes, errors, weights, configs, summary,
saving (atomic, no pickle, corrupt files) and plot_model."""

from __future__ import annotations

import json
import os
import zipfile

import numpy as np
import pytest

import ember
from ember import layers


@pytest.fixture(autouse=True)
def fresh_names():
    ember.backend.clear_session()


def lenet() -> ember.Sequential:
    return ember.Sequential(
        [
            layers.Conv2D(
                6,
                (5, 5),
                strides=(1, 1),
                activation="tanh",
                padding="valid",
                input_shape=(32, 32, 1),
            ),
            layers.AveragePooling2D(pool_size=(2, 2), strides=(2, 2)),
            layers.Conv2D(16, (5, 5), strides=(1, 1), activation="tanh", padding="valid"),
            layers.AveragePooling2D(pool_size=(2, 2), strides=(2, 2)),
            layers.Conv2D(120, (5, 5), strides=(1, 1), activation="tanh", padding="valid"),
            layers.Flatten(),
            layers.Dense(84, activation="tanh"),
            layers.Dense(10, activation="softmax"),
        ]
    )


def shared_input_model() -> ember.Model:
    visible = ember.Input(shape=(64, 64, 1))
    conv1 = layers.Conv2D(32, kernel_size=4, activation="relu")(visible)
    pool1 = layers.MaxPooling2D(pool_size=(2, 2))(conv1)
    flat1 = layers.Flatten()(pool1)
    conv2 = layers.Conv2D(16, kernel_size=8, activation="relu")(visible)
    pool2 = layers.MaxPooling2D(pool_size=(2, 2))(conv2)
    flat2 = layers.Flatten()(pool2)
    merge = layers.concatenate([flat1, flat2])
    hidden1 = layers.Dense(10, activation="relu")(merge)
    output = layers.Dense(1, activation="sigmoid")(hidden1)
    return ember.Model(inputs=visible, outputs=output)


def test_lenet_has_keras_parameter_count_and_shapes():
    model = lenet()
    assert model.count_params() == 61_706
    assert model.output_shape == (None, 10)
    assert [layer.output_shape for layer in model.layers][:3] == [
        (None, 28, 28, 6),
        (None, 14, 14, 6),
        (None, 10, 10, 16),
    ]
    assert model.input.shape == (None, 32, 32, 1)
    assert len(model.get_weights()) == 10


def test_sequential_add_pop_and_deferred_build():
    model = ember.Sequential()
    model.add(layers.Dense(4))
    model.add(layers.Dense(2))
    assert not model.built
    lines: list[str] = []
    model.summary(print_fn=lines.append)  # Keras prints an unbuilt model's table too
    assert "│ dense (Dense)" in lines[0] and "0 (unbuilt)" in lines[0]
    y = model(np.ones((3, 5), np.float32))
    assert y.shape == (3, 2) and model.built and model.output_shape == (None, 2)
    popped = model.pop()
    assert popped.units == 2 and model.output_shape == (None, 4)
    model.add(ember.layers.Dense(7))
    assert model.output_shape == (None, 7)


def test_sequential_accepts_an_input_first():
    model = ember.Sequential([ember.Input(shape=(6,)), layers.Dense(3)])
    assert model.output_shape == (None, 3)
    assert [layer.name for layer in model.layers] == ["dense"]


def test_shape_errors_read_like_keras():
    model = ember.Sequential([layers.Dense(4, input_shape=(3,))])
    with pytest.raises(
        ValueError,
        match=r'layer "dense" is incompatible.*expected axis -1 of '
        r"input shape to have value 3.*\(2, 5\)",
    ):
        model(np.ones((2, 5), np.float32))
    with pytest.raises(ValueError, match=r"expected min_ndim=4, found ndim=3"):
        ember.Sequential([layers.Conv2D(2, 3, input_shape=(28, 28))])
    with pytest.raises(ValueError, match=r"`units`"):
        layers.Dense(0)
    with pytest.raises(TypeError, match=r"unexpected keyword argument"):
        layers.Dense(3, kernel_size=3)
    with pytest.raises(NotImplementedError, match="data_format"):
        layers.Conv2D(2, 3, data_format="channels_first")


def test_functional_graph_shared_input_summary_and_names():
    model = shared_input_model()
    assert model.count_params() == 415_045
    names = [layer.name for layer in model.layers]
    assert names[0] == "input_layer" and names[-1] == "dense_1"
    lines: list[str] = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "Total params: 415,045" in text and "Connected to" in text
    # (cells wrap as in Keras: at 80 columns "concatenate" and "(Concatenate)" take 2 lines)
    assert "flatten[0][0]" in text and "│ concatenate " in text and "(Concatenate)" in text
    y = model.predict(np.random.rand(2, 64, 64, 1), verbose=0)
    assert y.shape == (2, 1) and ((y > 0) & (y < 1)).all()


def test_functional_multiple_inputs_outputs_and_shared_layers():
    a, b = ember.Input((4,), name="a"), ember.Input((4,), name="b")
    shared = layers.Dense(3, name="shared")
    ha, hb = shared(a), shared(b)
    out1 = layers.Dense(1, name="sum")(layers.add([ha, hb]))
    out2 = layers.Dense(2, name="cat")(layers.concatenate([ha, hb]))
    model = ember.Model([a, b], [out1, out2])
    assert model.output_names == ["sum", "cat"]
    assert len(model.layers) == 7 and model.count_params() == 15 + 4 + 14
    xa, xb = np.random.rand(5, 4), np.random.rand(5, 4)
    y1, y2 = model.predict([xa, xb], verbose=0)
    assert y1.shape == (5, 1) and y2.shape == (5, 2)
    d1, d2 = model.predict({"a": xa, "b": xb}, verbose=0)
    np.testing.assert_allclose(d1, y1)
    with pytest.raises(ValueError, match="expects 2 input"):
        model.predict(xa, verbose=0)


def test_graph_disconnected_is_reported():
    a, b = ember.Input((3,)), ember.Input((3,))
    out = layers.add([layers.Dense(2)(a), layers.Dense(2)(b)])
    with pytest.raises(ValueError, match="Graph disconnected"):
        ember.Model(a, out)


def test_model_used_as_a_layer():
    inner = ember.Sequential([layers.Dense(3, input_shape=(4,)), layers.Dense(2)], name="inner")
    x = ember.Input((4,))
    outer = ember.Model(x, layers.Dense(1)(inner(x)))
    assert outer.output_shape == (None, 1)
    assert outer.count_params() == inner.count_params() + 3
    assert outer.predict(np.ones((2, 4)), verbose=0).shape == (2, 1)
    seq = ember.Sequential([inner, layers.Dense(5)])
    assert seq.output_shape == (None, 5)


def test_get_set_weights_round_trip_and_errors():
    model = lenet()
    weights = [np.random.rand(*w.shape).astype(np.float32) for w in model.get_weights()]
    model.set_weights(weights)
    for got, want in zip(model.get_weights(), weights):
        np.testing.assert_array_equal(got, want)
    with pytest.raises(ValueError, match="weight list of length 1"):
        model.layers[0].set_weights([weights[0]])
    with pytest.raises(ValueError, match="not compatible with provided weight shape"):
        model.layers[0].set_weights([weights[0], np.zeros(5)])


def test_trainable_flag_moves_weights():
    model = lenet()
    model.layers[0].trainable = False
    assert len(model.trainable_weights) == 8 and len(model.non_trainable_weights) == 2
    assert not model.layers[0].kernel.requires_grad
    model.trainable = False
    assert model.trainable_weights == [] and len(model.weights) == 10


@pytest.mark.parametrize("build", [lenet, shared_input_model])
def test_config_round_trip_rebuilds_the_same_model(build):
    model = build()
    clone = ember.models.model_from_json(model.to_json())
    assert [type(a) for a in clone.layers] == [type(b) for b in model.layers]
    assert clone.count_params() == model.count_params()
    clone.set_weights(model.get_weights())
    x = np.random.rand(2, *model.input_shape[1:]).astype(np.float32)
    np.testing.assert_allclose(clone.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_save_and_load_model_keep_predictions(tmp_path):
    model = shared_input_model()
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = ember.models.load_model(path)
    x = np.random.rand(3, 64, 64, 1).astype(np.float32)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    with zipfile.ZipFile(path) as z:
        assert sorted(z.namelist()) == ["config.json", "weights.npz"]
        assert json.loads(z.read("config.json"))["format"] == "ember-model"


def test_save_weights_and_load_weights(tmp_path):
    model, other = lenet(), lenet()
    model.save_weights(tmp_path / "w.weights.h5")
    other.load_weights(tmp_path / "w.weights.h5")
    for a, b in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(a, b)
    small = ember.Sequential([layers.Dense(2, input_shape=(3,))])
    with pytest.raises(ValueError, match="holds 10 weights but the model has 2"):
        small.load_weights(tmp_path / "w.weights.h5")


def test_corrupt_truncated_and_foreign_files_are_rejected(tmp_path):
    model = lenet()
    path = tmp_path / "m.keras"
    model.save(path)
    data = path.read_bytes()
    (tmp_path / "trunc.keras").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="corrupt|truncated|not an ember"):
        ember.models.load_model(tmp_path / "trunc.keras")
    (tmp_path / "junk.keras").write_bytes(b"not a zip at all")
    with pytest.raises(ValueError, match="not an ember model file"):
        ember.models.load_model(tmp_path / "junk.keras")
    with zipfile.ZipFile(tmp_path / "foreign.keras", "w") as z:
        z.writestr("config.json", json.dumps({"format": "something-else"}))
    with pytest.raises(ValueError, match="no 'ember-model' marker"):
        ember.models.load_model(tmp_path / "foreign.keras")
    config = json.loads(zipfile.ZipFile(path).read("config.json"))
    config["model"]["config"]["layers"][0]["class_name"] = "os.system"
    with zipfile.ZipFile(tmp_path / "evil.keras", "w") as z:
        z.writestr("config.json", json.dumps(config))
        z.writestr("weights.npz", zipfile.ZipFile(path).read("weights.npz"))
    with pytest.raises(ValueError, match="Unknown layer class 'os.system'"):
        ember.models.load_model(tmp_path / "evil.keras")
    with pytest.raises(FileNotFoundError):
        ember.models.load_model(tmp_path / "missing.keras")


def test_object_arrays_in_weights_are_never_unpickled(tmp_path):
    model = ember.Sequential([layers.Dense(2, input_shape=(3,))])
    path = tmp_path / "m.keras"
    model.save(path)
    import io

    buf = io.BytesIO()
    np.savez(buf, a00000=np.array([object()], dtype=object), a00001=np.zeros(2))
    with zipfile.ZipFile(path) as z:
        config = z.read("config.json")
    with zipfile.ZipFile(tmp_path / "pickled.keras", "w") as z:
        z.writestr("config.json", config)
        z.writestr("weights.npz", buf.getvalue())
    with pytest.raises(ValueError, match="corrupt or not ember arrays"):
        ember.models.load_model(tmp_path / "pickled.keras")


def test_interrupted_save_keeps_the_previous_file(tmp_path, monkeypatch):
    model = lenet()
    path = tmp_path / "m.keras"
    model.save(path)
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        model.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.keras"]  # no temporary left behind


@pytest.mark.parametrize("ext", [".svg", ".dot", ".png"])
def test_plot_model_writes_files(tmp_path, ext):
    if ext == ".png":
        pytest.importorskip("matplotlib")
    model = shared_input_model()
    path = tmp_path / f"shared_input_layer{ext}"
    ember.utils.plot_model(model, to_file=str(path), show_shapes=True)
    data = path.read_bytes()
    if ext == ".svg":
        assert data.startswith(b"<svg") and b"concatenate (Concatenate)" in data
        assert data.count(b"<line") == 10  # one arrow per connection
    elif ext == ".dot":
        assert b'"flatten" -> "concatenate"' in data and b"(None, 41344)" in data
    else:
        assert data[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_model_png_without_renderers_suggests_svg(tmp_path, monkeypatch):
    import builtins
    import shutil

    real_import = builtins.__import__
    monkeypatch.setattr(shutil, "which", lambda name: None)

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    with pytest.raises(ImportError, match=r"\.svg"):
        ember.utils.plot_model(lenet(), to_file=str(tmp_path / "m.png"))
