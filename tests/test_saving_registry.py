"""Serialization by registry: registration names and errors, lookup precedence, scopes,
custom layers/activations/losses through configs and .keras files (wrapped ones included),
old files, and configs that name code (never imported, never run)."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import numpy as np
import pytest

import ember
import ember as keras  # the import line of Keras code: `import keras`
from ember import layers
from ember.saving import object_registration
from ember.saving.serialization_lib import deserialize_layer, serialize_layer

FIXTURES = Path(__file__).parent / "fixtures" / "ember_v1"


@pytest.fixture(autouse=True)
def clean_registry():
    """Each test starts with the registry as it found it and leaves it so."""
    ember.backend.clear_session()
    objects = dict(object_registration._CUSTOM_OBJECTS)
    names = dict(object_registration._CUSTOM_NAMES)
    yield
    object_registration._CUSTOM_OBJECTS.clear()
    object_registration._CUSTOM_OBJECTS.update(objects)
    object_registration._CUSTOM_NAMES.clear()
    object_registration._CUSTOM_NAMES.update(names)


# ---------------------------------------------------------------------- custom classes
class Scale(layers.Layer):
    """Same class as in tests/fixtures/make_ember_v1_models.py."""

    def __init__(self, factor: float = 2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.w = self.add_weight(name="w", shape=(input_shape[-1],), initializer="ones")

    def call(self, x):
        return x * self.w * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


class Linear(layers.Layer):
    """The Keras guide's pattern: no **kwargs, and get_config without a name."""

    def __init__(self, units: int = 4):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal")
        self.b = self.add_weight(shape=(self.units,), initializer="random_normal")

    def call(self, x):
        return x @ self.w + self.b

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        return {"units": self.units}


class ScaledLSTM(layers.LSTM):
    """A custom recurrent layer: an LSTM whose output is scaled."""

    def __init__(self, units: int, gain: float = 1.0, **kwargs):
        super().__init__(units, **kwargs)
        self.gain = gain

    def call(self, inputs, **kwargs):
        out = super().call(inputs, **kwargs)
        if isinstance(out, list):
            return [out[0] * self.gain, *out[1:]]
        return out * self.gain

    def get_config(self):
        return {**super().get_config(), "gain": self.gain}


def cube(x):
    return x * x * x


def scaled_mse(y_true, y_pred):
    d = y_pred - y_true
    return (d * d).mean(axis=-1) * 2.0


def max_error(y_true, y_pred):
    return np.abs(np.asarray(y_pred) - np.asarray(y_true)).max(axis=-1)


def _rand(*shape, seed=0):
    return np.random.default_rng(seed).random(shape, dtype=np.float32)


def _same_weights(a, b):
    wa, wb = a.get_weights(), b.get_weights()
    assert len(wa) == len(wb) and wa
    for x, y in zip(wa, wb):
        np.testing.assert_array_equal(x, y)


# ---------------------------------------------------------------------- public names
KERAS_SAVING = [  # dir(keras.saving) in Keras 3.15.1, without KerasFileEditor
    "CustomObjectScope",
    "custom_object_scope",
    "deserialize_keras_object",
    "get_custom_objects",
    "get_registered_name",
    "get_registered_object",
    "load_model",
    "load_weights",
    "register_keras_serializable",
    "save_model",
    "save_weights",
    "serialize_keras_object",
]
KERAS_UTILS_SAVING = [  # the serialization names Keras 3.15.1 also has in keras.utils
    "CustomObjectScope",
    "custom_object_scope",
    "deserialize_keras_object",
    "get_custom_objects",
    "get_registered_name",
    "get_registered_object",
    "register_keras_serializable",
    "serialize_keras_object",
]


def test_keras_names_exist_in_saving_utils_and_models():
    for name in KERAS_SAVING:
        assert callable(getattr(keras.saving, name)), name
    for name in KERAS_UTILS_SAVING:
        assert getattr(keras.utils, name) is getattr(keras.saving, name), name
    assert keras.saving.custom_object_scope is keras.saving.CustomObjectScope
    assert callable(keras.models.save_model) and callable(keras.models.load_model)
    assert "saving" in dir(ember)


# ---------------------------------------------------------------------- registration
def test_register_with_and_without_arguments_names_package_and_name():
    registered = keras.saving.register_keras_serializable()(Scale)
    assert registered is Scale
    assert keras.saving.get_registered_name(Scale) == "Custom>Scale"
    assert keras.saving.get_registered_object("Custom>Scale") is Scale
    assert keras.saving.get_custom_objects()["Custom>Scale"] is Scale

    @keras.saving.register_keras_serializable(package="my_pkg", name="Lin")
    class Renamed(Linear):
        pass

    assert keras.saving.get_registered_name(Renamed) == "my_pkg>Lin"
    assert keras.saving.get_registered_object("my_pkg>Lin") is Renamed

    @keras.saving.register_keras_serializable("fns")
    def squash(x):
        return x / (1 + abs(x))

    assert keras.saving.get_registered_name(squash) == "fns>squash"
    assert keras.saving.get_registered_object("fns>squash") is squash


def test_unregistered_and_builtin_names_follow_keras():
    assert keras.saving.get_registered_name(Scale) == "Scale"  # not registered: __name__
    assert keras.saving.get_registered_name(layers.Dense) == "Dense"
    assert keras.saving.get_registered_object("Scale") is None
    # As in Keras, get_registered_object knows custom objects only, not built-ins.
    assert keras.saving.get_registered_object("Dense") is None
    assert keras.saving.get_registered_object("Dense", custom_objects={"Dense": Scale}) is Scale


def test_registering_a_non_class_a_class_without_get_config_or_a_bare_decorator_fails():
    with pytest.raises(TypeError, match=r"class or a function; received 5 \(of type int\)"):
        keras.saving.register_keras_serializable()(5)

    class NoConfig:
        pass

    with pytest.raises(ValueError, match="NoConfig: it has no get_config"):
        keras.saving.register_keras_serializable()(NoConfig)
    with pytest.raises(TypeError, match=r"`package` must be a string.*with parentheses"):
        keras.saving.register_keras_serializable(Scale)  # @register_keras_serializable
    with pytest.raises(TypeError, match="`name` must be a string or None; received 3"):
        keras.saving.register_keras_serializable(name=3)
    assert "Custom>NoConfig" not in keras.saving.get_custom_objects()


def test_registering_a_name_again_replaces_it_as_keras_does():
    first = keras.saving.register_keras_serializable(name="Thing")(Scale)
    second = keras.saving.register_keras_serializable(name="Thing")(Linear)
    assert (first, second) == (Scale, Linear)
    assert keras.saving.get_registered_object("Custom>Thing") is Linear


def test_get_custom_objects_is_the_live_registry():
    keras.saving.get_custom_objects()["cube"] = cube
    assert ember.activations.get("cube") is cube
    keras.saving.get_custom_objects().pop("cube")
    with pytest.raises(ValueError, match="Unknown activation 'cube'"):
        ember.activations.get("cube")


def test_builtins_register_themselves_with_keras_aliases():
    import ember.models  # noqa: F401  (the model classes register when it is imported)

    table = object_registration.builtin_objects("layers")
    assert table["MaxPool2D"] is table["MaxPooling2D"] is layers.MaxPooling2D
    assert table["Convolution2D"] is layers.Conv2D
    assert table["Convolution1D"] is layers.Conv1D
    assert table["GlobalAvgPool2D"] is layers.GlobalAveragePooling2D
    assert table["Deconvolution2D"] is table["Convolution2DTranspose"] is layers.Conv2DTranspose
    assert table["Functional"] is table["Model"] is ember.Model
    assert table["Sequential"] is ember.Sequential
    assert table["Layer"] is layers.Layer
    # Every public layer class ember exports is a built-in under its own name.
    for name in layers.__all__:
        obj = getattr(layers, name)
        if isinstance(obj, type) and issubclass(obj, layers.Layer):
            assert table[obj.__name__] is obj
    assert not any(name.startswith("_") for name in table)
    # A user's subclass is not: it needs registration, custom_objects or a scope.
    assert "Scale" not in table and "Linear" not in table
    assert isinstance(
        deserialize_layer({"class_name": "MaxPool2D", "config": {}}), layers.MaxPooling2D
    )


def test_user_subclass_is_not_resolvable_just_by_subclassing_layer():
    entry = serialize_layer(Scale(3.0))
    with pytest.raises(ValueError, match="Unknown layer class 'Scale'") as info:
        deserialize_layer(entry)
    message = str(info.value)
    assert "custom_objects={'Scale': Scale}" in message
    assert "register_keras_serializable" in message and "custom_object_scope" in message
    assert deserialize_layer(entry, custom_objects={"Scale": Scale}).factor == 3.0


# ---------------------------------------------------------------------- precedence
def test_lookup_precedence_custom_objects_then_scope_then_registered_then_builtins():
    class FromArgument(layers.Dense):
        pass

    class FromScope(layers.Dense):
        pass

    class FromRegistry(layers.Dense):
        pass

    keras.saving.register_keras_serializable(package="p", name="Dense")(FromRegistry)
    entry = {"class_name": "Dense", "registered_name": "p>Dense", "config": {"units": 2}}
    same_name = {"p>Dense": FromArgument}

    def loaded(**kwargs):
        return type(deserialize_layer(entry, **kwargs))

    with keras.saving.custom_object_scope({"p>Dense": FromScope}):
        assert loaded(custom_objects=same_name) is FromArgument
        assert loaded() is FromScope
    assert loaded() is FromRegistry
    keras.saving.get_custom_objects().pop("p>Dense")
    assert loaded() is layers.Dense  # the built-in answers last
    # A plain class name: custom objects and scopes come before the built-in too.
    plain = {"class_name": "Dense", "config": {"units": 2}}
    assert type(deserialize_layer(plain, {"Dense": FromArgument})) is FromArgument
    with keras.saving.custom_object_scope({"Dense": FromScope}):
        assert type(deserialize_layer(plain)) is FromScope
        assert type(deserialize_layer(plain, {"Dense": FromArgument})) is FromArgument
    assert type(deserialize_layer(plain)) is layers.Dense
    assert (
        keras.saving.get_registered_object("x", custom_objects={"x": 1}, module_objects={"x": 2})
        == 1
    )


def test_scopes_nest_restore_on_exit_and_are_per_thread():
    get = keras.saving.get_registered_object
    with keras.saving.custom_object_scope({"a": 1, "b": 2}) as outer:
        assert isinstance(outer, keras.saving.CustomObjectScope)
        with keras.saving.CustomObjectScope({"b": 20, "c": 30}):
            assert (get("a"), get("b"), get("c")) == (1, 20, 30)
            seen = []
            worker = threading.Thread(target=lambda: seen.append(get("a")))
            worker.start()
            worker.join()
            assert seen == [None]  # another thread does not see this thread's scopes
        assert (get("a"), get("b"), get("c")) == (1, 2, None)
        with pytest.raises(RuntimeError), keras.saving.custom_object_scope({"d": 4}):
            raise RuntimeError("leaving by an exception restores the outer scope too")
        assert get("d") is None
    assert (get("a"), get("b")) == (None, None)
    scope = keras.saving.custom_object_scope({"e": 5})
    with scope, scope:  # the same scope object entered twice
        assert get("e") == 5
    assert get("e") is None
    with pytest.raises(TypeError, match="`custom_objects` must be a dict"):
        keras.saving.custom_object_scope(["Scale"])


# ---------------------------------------------------------------------- custom layers
def test_registered_custom_layer_round_trips_through_config_and_file(tmp_path):
    keras.saving.register_keras_serializable(package="tests")(Scale)
    model = ember.Sequential([Scale(1.5, input_shape=(4,)), layers.Dense(3)])
    model.layers[0].set_weights([np.array([1.0, -2.0, 0.5, 3.0], np.float32)])
    x = _rand(5, 4)

    clone = ember.Sequential.from_config(model.get_config())
    assert type(clone.layers[0]) is Scale and clone.layers[0].factor == 1.5
    clone.set_weights(model.get_weights())
    np.testing.assert_array_equal(clone.predict(x, verbose=0), model.predict(x, verbose=0))

    path = tmp_path / "scale.keras"
    model.save(path)
    entry = json.loads(zipfile.ZipFile(path).read("config.json"))["model"]["config"]["layers"][0]
    assert (entry["class_name"], entry["registered_name"]) == ("Scale", "tests>Scale")
    loaded = keras.saving.load_model(path)  # found by registration alone
    assert type(loaded.layers[0]) is Scale
    _same_weights(loaded, model)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_unregistered_custom_layer_loads_with_custom_objects_or_a_scope(tmp_path):
    inputs = ember.Input((4,))
    model = ember.Model(inputs, layers.Dense(2)(Scale(0.5)(inputs)))
    path = tmp_path / "m.keras"
    keras.saving.save_model(model, path)
    x = _rand(3, 4)
    with pytest.raises(ValueError, match="Unknown layer class 'Scale'"):
        keras.models.load_model(path)
    by_argument = keras.models.load_model(path, custom_objects={"Scale": Scale})
    with keras.saving.custom_object_scope({"Scale": Scale}):
        by_scope = keras.models.load_model(path)
    for loaded in (by_argument, by_scope):
        _same_weights(loaded, model)
        np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


@pytest.mark.parametrize("how", ["registered", "custom_objects", "scope"])
def test_bidirectional_of_a_custom_rnn_subclass_saves_and_reloads(tmp_path, how):
    if how == "registered":
        keras.saving.register_keras_serializable(package="tests")(ScaledLSTM)
    model = ember.Sequential(
        [
            layers.Bidirectional(
                ScaledLSTM(3, gain=2.0, return_sequences=True), input_shape=(5, 4)
            ),
            layers.Dense(1),
        ]
    )
    x = _rand(2, 5, 4)
    config = model.layers[0].get_config()
    objects = {"ScaledLSTM": ScaledLSTM} if how == "custom_objects" else None
    if how == "scope":
        scope = keras.saving.custom_object_scope({"ScaledLSTM": ScaledLSTM})
    else:
        scope = keras.saving.custom_object_scope({})
    with scope:
        rebuilt = layers.Bidirectional.from_config(config, custom_objects=objects)
        path = tmp_path / "bi.keras"
        model.save(path)
        loaded = keras.models.load_model(path, custom_objects=objects)
    for layer in (rebuilt.forward_layer, rebuilt.backward_layer):
        assert type(layer) is ScaledLSTM and layer.gain == 2.0
    assert rebuilt.backward_layer.go_backwards
    bi = loaded.layers[0]
    assert type(bi.forward_layer) is ScaledLSTM and type(bi.backward_layer) is ScaledLSTM
    _same_weights(loaded, model)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_bidirectional_of_an_unknown_custom_rnn_names_it():
    config = layers.Bidirectional(ScaledLSTM(2)).get_config()
    with pytest.raises(ValueError, match="Unknown layer class 'ScaledLSTM'"):
        layers.Bidirectional.from_config(config)


@pytest.mark.parametrize("how", ["registered", "custom_objects", "scope"])
def test_time_distributed_of_a_custom_layer_saves_and_reloads(tmp_path, how):
    if how == "registered":
        keras.saving.register_keras_serializable(package="tests")(Linear)
    inputs = ember.Input((6, 3))
    outputs = layers.TimeDistributed(Linear(2))(inputs)
    model = ember.Model(inputs, layers.GRU(4)(outputs))
    x = _rand(2, 6, 3)
    config = model.layers[1].get_config()
    objects = {"Linear": Linear} if how == "custom_objects" else None
    scope = keras.saving.custom_object_scope({"Linear": Linear} if how == "scope" else {})
    with scope:
        rebuilt = layers.TimeDistributed.from_config(config, custom_objects=objects)
        model.save(tmp_path / "td.keras")
        loaded = keras.models.load_model(tmp_path / "td.keras", custom_objects=objects)
    assert type(rebuilt.layer) is Linear and rebuilt.layer.units == 2
    assert type(loaded.layers[1].layer) is Linear
    _same_weights(loaded, model)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_custom_layer_without_name_in_get_config_links_up_in_a_functional_model(tmp_path):
    inputs = ember.Input((5,), name="features")
    first = Linear(4)
    second = Linear(4)
    a = first(inputs)
    b = second(inputs)
    merged = layers.Add()([a, Linear(4)(a), b])
    model = ember.Model(inputs, Linear(2)(merged))
    names = [layer.name for layer in model.layers]
    assert "name" not in first.get_config()
    x = _rand(3, 5)
    expected = model.predict(x, verbose=0)
    objects = {"Linear": Linear}

    clone = ember.Model.from_config(model.get_config(), custom_objects=objects)
    assert [layer.name for layer in clone.layers] == names
    clone.set_weights(model.get_weights())
    np.testing.assert_array_equal(clone.predict(x, verbose=0), expected)

    model.save(tmp_path / "linear.keras")
    loaded = keras.models.load_model(tmp_path / "linear.keras", custom_objects=objects)
    assert [layer.name for layer in loaded.layers] == names
    assert [type(layer) for layer in loaded.layers] == [type(layer) for layer in model.layers]
    _same_weights(loaded, model)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), expected)
    assert loaded.get_layer(first.name).units == 4


def test_custom_layer_without_name_in_a_sequential_model(tmp_path):
    model = ember.Sequential([ember.Input((3,)), Linear(4), Linear(2)])
    x = _rand(2, 3)
    model.save(tmp_path / "seq.keras")
    loaded = keras.models.load_model(tmp_path / "seq.keras", custom_objects={"Linear": Linear})
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    _same_weights(loaded, model)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_clone_model_knows_the_models_own_custom_classes():
    inputs = ember.Input((4,))
    model = ember.Model(inputs, Linear(2)(Scale(2.0)(inputs)))
    clone = keras.models.clone_model(model)
    assert [type(layer) for layer in clone.layers] == [type(layer) for layer in model.layers]
    assert clone.count_params() == model.count_params()


def test_subclassed_model_with_its_own_get_config_rebuilds_with_cls_kwargs():
    class TwoLayer(ember.Model):
        def __init__(self, hidden: int = 3, **kwargs):
            super().__init__(**kwargs)
            self.hidden = hidden
            self.inner = layers.Dense(hidden)
            self.out = layers.Dense(1)

        def call(self, x):
            return self.out(self.inner(x))

        def get_config(self):
            return {"hidden": self.hidden, "name": self.name}

    model = TwoLayer(5, name="two")
    clone = TwoLayer.from_config(model.get_config())
    assert (type(clone), clone.hidden, clone.name) == (TwoLayer, 5, "two")


# ---------------------------------------------------------------------- activations, losses
def test_registered_custom_activation_reloads_and_an_unknown_one_is_named(tmp_path):
    model = ember.Sequential([layers.Dense(3, activation=cube, input_shape=(2,))])
    x = _rand(4, 2)
    path = tmp_path / "act.keras"
    model.save(path)  # saved by name; the function itself is never stored
    with pytest.raises(ValueError, match="Unknown activation 'cube'.*custom_objects"):
        keras.models.load_model(path)
    loaded = keras.models.load_model(path, custom_objects={"cube": cube})
    assert loaded.layers[0].activation is cube
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))

    keras.saving.register_keras_serializable(package="acts")(cube)
    registered = ember.Sequential([layers.Dense(3, activation=cube, input_shape=(2,))])
    assert registered.layers[0].get_config()["activation"] == "acts>cube"
    registered.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.layers[0].activation is cube
    assert ember.activations.deserialize("cube", custom_objects={"cube": cube}) is cube


def test_a_users_function_named_like_a_builtin_stays_the_users():
    def swish(x):  # not ember's swish
        return x * 0.0 + 1.0

    keras.saving.register_keras_serializable(package="mine")(swish)
    assert ember.activations.name_of(swish) is None
    config = layers.Dense(2, activation=swish).get_config()
    assert config["activation"] == "mine>swish"
    rebuilt = layers.Dense.from_config(config)
    assert rebuilt.activation is swish
    y = rebuilt(_rand(2, 3))
    np.testing.assert_array_equal(y.numpy(), np.ones((2, 2), np.float32))


def test_a_lambda_activation_cannot_be_saved():
    layer = layers.Dense(2, activation=lambda x: x)
    with pytest.raises(ValueError, match="Cannot serialize the custom activation"):
        layer.get_config()


def test_registered_custom_loss_and_metric_reload_and_training_resumes(tmp_path):
    keras.saving.register_keras_serializable(package="train")(scaled_mse)
    keras.saving.register_keras_serializable(package="train")(max_error)
    model = ember.Sequential([layers.Dense(2, input_shape=(3,))])
    model.compile(optimizer="adam", loss=scaled_mse, metrics=[max_error, "mae"])
    x, y = _rand(16, 3), _rand(16, 2, seed=1)
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    path = tmp_path / "loss.keras"
    model.save(path)
    compile_config = json.loads(zipfile.ZipFile(path).read("config.json"))["compile"]
    assert compile_config["loss"] == "train>scaled_mse"
    assert compile_config["metrics"] == ["train>max_error", "mae"]

    loaded = keras.models.load_model(path)
    assert loaded._loss_spec is scaled_mse
    _same_weights(loaded, model)
    for a, b in zip(
        loaded.optimizer.variables_for(loaded.trainable_weights),
        model.optimizer.variables_for(model.trainable_weights),
    ):
        np.testing.assert_array_equal(a, b)
    before = model.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0).history
    after = loaded.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0).history
    assert set(after) == {"loss", "max_error", "mae"}
    np.testing.assert_allclose(after["loss"], before["loss"], rtol=1e-6)
    _same_weights(loaded, model)


def test_unregistered_custom_loss_needs_custom_objects_or_compile_false(tmp_path):
    model = ember.Sequential([layers.Dense(2, input_shape=(3,))])
    model.compile(optimizer="sgd", loss=scaled_mse)
    path = tmp_path / "loss.keras"
    model.save(path)
    with pytest.raises(ValueError, match=r"loss identifier: scaled_mse.*compile=False"):
        keras.models.load_model(path)
    assert not keras.models.load_model(path, compile=False).compiled
    loaded = keras.models.load_model(path, custom_objects={"scaled_mse": scaled_mse})
    assert loaded.compiled and loaded._loss_spec is scaled_mse
    y = loaded.evaluate(_rand(4, 3), _rand(4, 2), verbose=0)
    assert np.isfinite(y)


def test_registered_loss_class_and_optimizer_subclass_reload(tmp_path):
    @keras.saving.register_keras_serializable(package="train")
    class Doubled(ember.losses.Loss):
        def __init__(self, weight: float = 2.0, **kwargs):
            super().__init__(**kwargs)
            self.weight = weight

        def call(self, y_true, y_pred):
            d = y_pred - y_true
            return (d * d).mean(axis=-1) * self.weight

        def get_config(self):
            return {**super().get_config(), "weight": self.weight}

    @keras.saving.register_keras_serializable(package="train")
    class SlowSGD(ember.optimizers.SGD):
        pass

    model = ember.Sequential([layers.Dense(1, input_shape=(2,))])
    model.compile(optimizer=SlowSGD(learning_rate=0.05), loss=Doubled(3.0))
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert type(loaded.optimizer) is SlowSGD and loaded.optimizer.learning_rate == 0.05
    assert isinstance(loaded._loss_spec, Doubled) and loaded._loss_spec.weight == 3.0


def test_builtin_loss_and_metric_objects_keep_the_compile_settings(tmp_path):
    # ember 0.1 dropped the compile settings of a model compiled with Loss/Metric objects.
    model = ember.Sequential([layers.Dense(2, input_shape=(3,))])
    model.compile(
        optimizer="adam",
        loss=ember.losses.Huber(delta=0.5),
        metrics=[ember.metrics.MeanAbsoluteError(), ember.metrics.mean_squared_error],
    )
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert loaded.compiled
    assert type(loaded._loss_spec) is ember.losses.Huber
    assert loaded._loss_spec.get_config()["delta"] == 0.5
    assert type(loaded._metrics_spec[0]) is ember.metrics.MeanAbsoluteError
    assert loaded._metrics_spec[1] == "mean_squared_error"


def test_custom_initializer_function_reloads_through_the_registry():
    def halves(shape, dtype=None):
        return np.full(shape, 0.5, np.float32)

    config = layers.Dense(2, kernel_initializer=halves).get_config()
    assert config["kernel_initializer"] == "halves"
    with keras.saving.custom_object_scope({"halves": halves}):
        rebuilt = layers.Dense.from_config(config)
    rebuilt.build((None, 3))
    np.testing.assert_array_equal(rebuilt.kernel.numpy(), np.full((3, 2), 0.5, np.float32))


# ---------------------------------------------------------------------- generic (de)serialize
def test_serialize_and_deserialize_keras_object_round_trip():
    keras.saving.register_keras_serializable(package="tests")(Scale)
    objects = {
        "dense": layers.Dense(3, activation="relu"),
        "scale": Scale(4.0),
        "loss": ember.losses.Huber(delta=2.0),
        "metric": ember.metrics.MeanSquaredError(),
        "optimizer": ember.optimizers.SGD(learning_rate=0.5),
        "init": ember.initializers.Constant(3.0),
        "fn": ember.activations.tanh,
        "array": np.arange(4, dtype=np.int32),
        "items": [1, "two", None, (3.0,)],
    }
    config = keras.saving.serialize_keras_object(objects)
    json.dumps(config)  # plain JSON data
    assert config["scale"]["registered_name"] == "tests>Scale"
    assert config["fn"] == {
        "module": "builtins",
        "class_name": "function",
        "config": "tanh",
        "registered_name": "function",
    }
    back = keras.saving.deserialize_keras_object(json.loads(json.dumps(config)))
    assert type(back["dense"]) is layers.Dense and back["dense"].units == 3
    assert type(back["scale"]) is Scale and back["scale"].factor == 4.0
    assert type(back["loss"]) is ember.losses.Huber and back["loss"].get_config()["delta"] == 2.0
    assert type(back["metric"]) is ember.metrics.MeanSquaredError  # not the loss of that name
    assert type(back["optimizer"]) is ember.optimizers.SGD
    assert back["init"].get_config() == {"value": 3.0}
    assert back["fn"] is ember.activations.tanh
    np.testing.assert_array_equal(back["array"], np.arange(4))
    assert back["items"] == [1, "two", None, [3.0]]


def test_deserialize_reads_keras_shaped_configs():
    dense = {
        "module": "keras.layers",
        "class_name": "Dense",
        "config": {"name": "d", "units": 2, "activation": "relu"},
        "registered_name": None,
    }
    assert keras.saving.deserialize_keras_object(dense).units == 2
    loss = {"module": "keras.losses", "class_name": "MeanSquaredError", "config": {}}
    assert type(keras.saving.deserialize_keras_object(loss)) is ember.losses.MeanSquaredError
    relu = {"module": "builtins", "class_name": "function", "config": "relu"}
    assert keras.saving.deserialize_keras_object(relu) is ember.activations.relu
    assert ember.activations.get(relu) is ember.activations.relu
    assert keras.layers.deserialize(keras.layers.serialize(layers.Dense(5))).units == 5


# ---------------------------------------------------------------------- unsafe configs
def test_unknown_class_error_names_the_class_and_how_to_pass_it():
    with pytest.raises(ValueError) as info:
        keras.saving.deserialize_keras_object({"class_name": "MyBlock", "config": {}})
    message = str(info.value)
    assert "Unknown class 'MyBlock'" in message
    assert "custom_objects={'MyBlock': MyBlock}" in message
    assert "@ember.saving.register_keras_serializable()" in message
    with pytest.raises(ValueError, match=r"Unknown layer class 'pkg>MyBlock'.*'pkg>MyBlock'"):
        deserialize_layer({"class_name": "MyBlock", "registered_name": "pkg>MyBlock"})


def test_configs_naming_modules_or_functions_never_import_or_call_them(tmp_path, monkeypatch):
    probe = tmp_path / "ember_import_probe.py"
    probe.write_text("raise SystemExit('ember imported a module named in a config')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    calls = []
    monkeypatch.setattr(os, "system", lambda *a: calls.append(a))
    monkeypatch.setattr(os, "popen", lambda *a: calls.append(a))
    configs = [
        {"class_name": "os.system", "config": {}},
        {"module": "os", "class_name": "system", "config": {"command": "echo hi"}},
        {"module": "ember_import_probe", "class_name": "Boom", "config": {}},
        {"class_name": "ember_import_probe.Boom", "config": {}, "registered_name": "x>Boom"},
        {"module": "os", "class_name": "function", "config": "system"},
        {"class_name": "function", "config": "os.system"},
        {"class_name": "__lambda__", "config": {"value": "YWJj"}},
    ]
    for config in configs:
        with pytest.raises(ValueError):
            keras.saving.deserialize_keras_object(config)
        with pytest.raises(ValueError):
            keras.saving.deserialize_keras_object(config, safe_mode=False)
    with pytest.raises(ValueError, match="Unknown layer class 'os.system'"):
        deserialize_layer({"class_name": "os.system", "config": {}})
    for get in (ember.activations.get, ember.initializers.get, ember.losses.get):
        with pytest.raises(ValueError):
            get("os.system")
    with pytest.raises(ValueError):
        ember.optimizers.get({"class_name": "os.system", "config": {}})
    with pytest.raises(ValueError):
        ember.metrics.get({"class_name": "ember_import_probe.Boom", "config": {}})
    # A model file whose layer names a module path.
    model = ember.Sequential([layers.Dense(2, input_shape=(3,))])
    model.save(tmp_path / "m.keras")
    config = json.loads(zipfile.ZipFile(tmp_path / "m.keras").read("config.json"))
    config["model"]["config"]["layers"][0]["class_name"] = "ember_import_probe.Boom"
    with zipfile.ZipFile(tmp_path / "evil.keras", "w") as z:
        z.writestr("config.json", json.dumps(config))
        z.writestr("weights.npz", zipfile.ZipFile(tmp_path / "m.keras").read("weights.npz"))
    with pytest.raises(ValueError, match="Unknown layer class 'ember_import_probe.Boom'"):
        keras.models.load_model(tmp_path / "evil.keras")
    assert calls == []
    assert "ember_import_probe" not in sys.modules


# ---------------------------------------------------------------------- structure
def test_layers_never_import_models_and_nothing_scans_modules():
    code = (
        "import sys, ember.layers, ember.saving\n"
        "bad = sorted(m for m in sys.modules if m.startswith('ember.models'))\n"
        "assert not bad, bad\n"
        "l = ember.layers.deserialize({'class_name': 'Bidirectional', 'config': {'layer': "
        "{'class_name': 'LSTM', 'config': {'units': 2}}}})\n"
        "assert type(l.forward_layer).__name__ == 'LSTM'\n"
        "bad = sorted(m for m in sys.modules if m.startswith('ember.models'))\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
    package = Path(ember.__file__).parent
    for path in [*(package / "layers").glob("*.py"), *(package / "saving").glob("*.py")]:
        text = path.read_text()
        imported = {
            alias.name if isinstance(node, ast.Import) else node.module or ""
            for node in ast.walk(ast.parse(text))
            if isinstance(node, (ast.Import, ast.ImportFrom))
            for alias in node.names
        }
        assert not any(name.startswith("ember.models") for name in imported), path
        assert "dir(" not in text, path
    tree = ast.parse((package / "saving" / "object_registration.py").read_text())
    imported = {
        alias.name if isinstance(node, ast.Import) else node.module
        for node in tree.body
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    }
    assert all(not name.startswith("ember") for name in imported), imported  # a leaf


# ---------------------------------------------------------------------- files from ember 0.1
def _fixture(name):
    data = np.load(FIXTURES / f"{name}.npz")
    xs = [data[k] for k in sorted(data.files) if k.startswith("x")]
    return FIXTURES / f"{name}.keras", (xs if len(xs) > 1 else xs[0]), data["y"]


@pytest.mark.parametrize("name", ["cnn", "functional", "recurrent", "custom"])
def test_files_saved_by_ember_0_1_still_load(name):
    path, x, expected = _fixture(name)
    config = json.loads(zipfile.ZipFile(path).read("config.json"))
    assert config["ember_version"] == "0.1.0" and config["format_version"] == 1
    assert "name" not in config["model"]["config"]["layers"][0]  # written before the change
    objects = {"Scale": Scale} if name == "custom" else None
    model = keras.models.load_model(path, custom_objects=objects)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-6, atol=1e-7)
    # Saved again by this ember, it still loads to the same model.
    clone = ember.models.model_from_json(model.to_json(), custom_objects=objects)
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone.predict(x, verbose=0), expected, rtol=1e-6, atol=1e-7)


def test_compiled_file_from_ember_0_1_resumes_training():
    path, x, _ = _fixture("cnn")
    model = keras.models.load_model(path)
    assert model.compiled and type(model.optimizer).__name__ == "Adam"
    assert model.optimizer.iterations > 0  # the optimizer state came back
    y = np.random.default_rng(5).integers(0, 3, len(x))
    history = model.fit(x, y, epochs=1, verbose=0).history
    assert np.isfinite(history["loss"][0]) and "accuracy" in history


def test_file_from_ember_0_1_custom_layer_needs_its_class():
    path, _, _ = _fixture("custom")
    with pytest.raises(ValueError, match="Unknown layer class 'Scale'"):
        keras.models.load_model(path)


def test_old_style_alias_class_names_still_resolve():
    path, x, expected = _fixture("cnn")
    config = json.loads(zipfile.ZipFile(path).read("config.json"))["model"]
    for entry in config["config"]["layers"]:
        if entry["class_name"] == "MaxPooling2D":
            entry["class_name"] = "MaxPool2D"
        elif entry["class_name"] == "Conv2D":
            entry["class_name"] = "Convolution2D"
    model = ember.models.model_from_json(json.dumps(config))
    assert [type(layer).__name__ for layer in model.layers][:2] == ["Conv2D", "MaxPooling2D"]
    model.set_weights(keras.models.load_model(path).get_weights())
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-6, atol=1e-7)
