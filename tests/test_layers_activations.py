"""Identity, Lambda, ELU and PReLU: Keras' numbers (fixtures from real Keras with the same
weights), float64 formulas, finite-difference gradients, configs, saving and bad arguments."""

from __future__ import annotations

import base64
import marshal

import numpy as np
import pytest
from gradcheck import check_gradients
from keras_layer_fixtures import assert_config_matches_keras, check, load, names, save_and_reload

import ember
from ember import layers


# ---------------------------------------------------------------------- Keras fixtures
@pytest.mark.parametrize("name", names("elu") + names("prelu"))
def test_matches_keras(name):
    layer = check(name)
    assert_config_matches_keras(layer, load(name)[0])


def test_fixture_set_is_complete():
    assert len(names("elu")) == 2 and len(names("prelu")) == 3


# ---------------------------------------------------------------------- ELU
def test_elu_float64_formula(rng):
    x = rng.standard_normal((4, 7)).astype(np.float32) * 3
    for alpha in (1.0, 0.2, 2.5):
        y = layers.ELU(alpha=alpha)(x).numpy()
        x64 = x.astype(np.float64)
        expected = np.where(x64 > 0, x64, alpha * np.expm1(x64))
        np.testing.assert_allclose(y, expected, atol=1e-5, rtol=1e-4)


def test_elu_gradient(rng):
    x = rng.standard_normal((3, 5)).astype(np.float32)
    x[np.abs(x) < 0.05] += 0.1
    layer = layers.ELU(alpha=0.7)
    check_gradients(lambda t: layer(t), [x])


def test_elu_config_and_errors():
    layer = layers.ELU(alpha=0.25, name="e")
    config = layer.get_config()
    assert config["alpha"] == 0.25
    assert layers.ELU.from_config(config).get_config() == config
    assert layer.compute_output_shape((None, 3, 2)) == (None, 3, 2)
    with pytest.raises(TypeError, match="ELU.*alpha"):
        layers.ELU(alpha="big")


# ---------------------------------------------------------------------- PReLU
def test_prelu_float64_formula_and_shared_axes(rng):
    x = rng.standard_normal((2, 3, 4, 5)).astype(np.float32)
    layer = layers.PReLU(shared_axes=[1, 2])
    layer.build((None, 3, 4, 5))
    assert layer.alpha.shape == (1, 1, 5)
    alpha = rng.uniform(-0.5, 0.8, (1, 1, 5)).astype(np.float32)
    layer.set_weights([alpha])
    y = layer(x).numpy()
    x64 = x.astype(np.float64)
    expected = np.where(x64 >= 0, x64, alpha.astype(np.float64)[None] * x64)
    np.testing.assert_allclose(y, expected, atol=1e-6, rtol=1e-5)
    # The default alpha is zeros: plain relu.
    plain = layers.PReLU()
    np.testing.assert_array_equal(plain(x).numpy(), np.maximum(x, 0))
    assert plain.alpha.shape == (3, 4, 5)


def test_prelu_gradients_reach_input_and_alpha(rng):
    x = rng.standard_normal((3, 4, 2)).astype(np.float32)
    x[np.abs(x) < 0.05] += 0.1
    layer = layers.PReLU(alpha_initializer="random_normal", shared_axes=1)
    layer(x)
    check_gradients(lambda t: layer(t), [x], params=layer.trainable_weights, eps=1e-3)


def test_prelu_regularizer_constraint_and_input_spec():
    layer = layers.PReLU(
        alpha_initializer="ones", alpha_regularizer="l2", alpha_constraint="non_neg"
    )
    layer(np.ones((2, 3), np.float32))
    assert [round(float(t), 6) for t in layer.losses] == [0.03]  # 0.01 * 3 ones
    config = layer.get_config()
    clone = layers.PReLU.from_config(config)
    assert clone.get_config() == config
    with pytest.raises(ValueError, match="p_re_lu|PReLU|input"):
        layer(np.ones((2, 4), np.float32))  # alpha was built for 3 features


@pytest.mark.parametrize("bad", [0, [0, 1], -1, "1", [1.5]])
def test_prelu_bad_shared_axes(bad):
    with pytest.raises(ValueError, match="PReLU.*shared_axes"):
        layers.PReLU(shared_axes=bad)


def test_prelu_shared_axis_out_of_range():
    with pytest.raises(ValueError, match="shared axis 3"):
        layers.PReLU(shared_axes=3)(np.ones((2, 4), np.float32))


# ---------------------------------------------------------------------- Identity
def test_identity_returns_inputs_and_passes_the_mask():
    x = np.arange(6, dtype=np.float32).reshape(2, 3, 1)
    emb = layers.Embedding(5, 2, mask_zero=True)
    ids = np.array([[1, 2, 0], [3, 0, 0]])
    h = emb(ids)
    out = layers.Identity()(h)
    np.testing.assert_array_equal(out.numpy(), h.numpy())
    np.testing.assert_array_equal(out._keras_mask, ids != 0)
    pair = layers.Identity()([x, x + 1])
    np.testing.assert_array_equal(pair[1].numpy(), x + 1)
    assert layers.Identity().compute_output_shape((None, 4)) == (None, 4)


def test_identity_gradient_and_model_save(tmp_path, rng):
    x = rng.standard_normal((2, 3)).astype(np.float32)
    check_gradients(lambda t: layers.Identity()(t) * 2.0, [x])
    inputs = ember.Input((3,))
    model = ember.Model(inputs, layers.Dense(2)(layers.Identity(name="same")(inputs)))
    loaded = save_and_reload(model, tmp_path)
    assert isinstance(loaded.get_layer("same"), layers.Identity)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


# ---------------------------------------------------------------------- Lambda
def cube(x):
    return x * x * x


def scaled(x, factor=1.0, offset=0.0):
    return x * factor + offset


def keep_first(inputs, mask=None):
    return None if mask is None else mask[:, :1]


def shape_fn(input_shape):
    return (input_shape[0], 2 * input_shape[1])


def twice(x):
    return ember.ops.concatenate([x, x], axis=1)


def test_lambda_calls_the_function_with_arguments(rng):
    x = rng.standard_normal((3, 4)).astype(np.float32)
    y = layers.Lambda(scaled, arguments={"factor": 2.0, "offset": -1.0})(x).numpy()
    np.testing.assert_allclose(y, x.astype(np.float64) * 2 - 1, rtol=1e-6)
    np.testing.assert_allclose(layers.Lambda(cube)(x).numpy(), x.astype(np.float64) ** 3, rtol=1e-5)


def test_lambda_passes_training_and_mask_when_the_function_takes_them():
    seen = {}

    def spy(x, mask=None, training=None):
        seen["mask"], seen["training"] = mask, training
        return x

    mask = np.array([[True, False]])
    layers.Lambda(spy)(np.ones((1, 2, 3), np.float32), mask=mask, training=True)
    assert seen["training"] is True
    np.testing.assert_array_equal(seen["mask"], mask)


def test_lambda_masks():
    x = np.ones((2, 3, 1), np.float32)
    mask = np.array([[True, False, True], [False, True, True]])
    # No `mask` argument: the output has no mask (Keras: supports_masking is False).
    assert layers.Lambda(cube).compute_mask(x, mask) is None
    np.testing.assert_array_equal(
        layers.Lambda(cube, mask=keep_first).compute_mask(x, mask), mask[:, :1]
    )
    fixed = np.array([[True], [False]])
    out = layers.Lambda(cube, mask=fixed)(x)
    np.testing.assert_array_equal(out._keras_mask, fixed)


def test_lambda_output_shapes():
    assert layers.Lambda(twice, output_shape=(8,)).compute_output_shape((None, 4)) == (None, 8)
    assert layers.Lambda(twice, output_shape=shape_fn).compute_output_shape((5, 4)) == (5, 8)
    # Inferred by running the function.
    assert layers.Lambda(twice).compute_output_shape((None, 4)) == (None, 8)
    sym = layers.Lambda(twice)(ember.Input((3,)))
    assert sym.shape == (None, 6)
    sym = layers.Lambda(twice, output_shape=(6,))(ember.Input((3,)))
    assert sym.shape == (None, 6)


def test_lambda_gradient(rng):
    x = rng.standard_normal((2, 3)).astype(np.float32)
    layer = layers.Lambda(scaled, arguments={"factor": 3.0})
    check_gradients(lambda t: layers.Lambda(cube)(layer(t)), [x])


def test_lambda_config_records_names_and_round_trips():
    layer = layers.Lambda(
        scaled, output_shape=(4,), mask=keep_first, arguments={"factor": 2.0}, name="lam"
    )
    config = layer.get_config()
    assert config["function"]["class_name"] == "function"
    assert config["function"]["config"] == "scaled"
    assert config["mask"]["config"] == "keep_first"
    assert config["output_shape"] == [4]
    assert config["arguments"] == {"factor": 2.0}
    clone = layers.Lambda.from_config(
        config, custom_objects={"scaled": scaled, "keep_first": keep_first}
    )
    assert clone.function is scaled and clone.mask is keep_first
    assert clone.get_config() == config
    with ember.saving.custom_object_scope({"scaled": scaled, "keep_first": keep_first}):
        assert layers.Lambda.from_config(config).function is scaled
    shaped = layers.Lambda(twice, output_shape=shape_fn).get_config()
    assert shaped["output_shape"]["config"] == "shape_fn"
    clone = layers.Lambda.from_config(shaped, custom_objects={"twice": twice, "shape_fn": shape_fn})
    assert clone.compute_output_shape((2, 3)) == (2, 6)


def test_lambda_from_config_never_runs_code():
    # An unknown name: ValueError, nothing imported.
    config = layers.Lambda(cube).get_config()
    with pytest.raises(ValueError, match="cube.*never loads code|name"):
        layers.Lambda.from_config(config)
    # A Python lambda is recorded without code and refused on load.
    config = layers.Lambda(lambda x: x + 1).get_config()
    assert "code" not in config["function"]["config"]
    with pytest.raises(ValueError, match="Python lambda"):
        layers.Lambda.from_config(config)
    # A Keras file's lambda (marshalled bytecode) is refused, and the code does not run.
    ran = []

    def evil(x):
        ran.append(1)
        return x

    code = base64.b64encode(marshal.dumps(evil.__code__)).decode("ascii")
    keras_config = {
        "name": "lambda",
        "function": {
            "class_name": "__lambda__",
            "config": {"code": code, "defaults": None, "closure": None},
        },
        "arguments": {},
    }
    with pytest.raises(ValueError, match="Python lambda.*bytecode"):
        layers.Lambda.from_config(keras_config)
    with pytest.raises(ValueError, match="Python lambda"):
        layers.deserialize({"class_name": "Lambda", "config": keras_config})
    assert ran == []
    # Something that is not a function reference.
    with pytest.raises(ValueError, match="Lambda.*function"):
        layers.Lambda.from_config({"function": {"class_name": "Dense", "config": {"units": 1}}})


def test_lambda_model_save_and_load(tmp_path, rng):
    x = rng.standard_normal((3, 4)).astype(np.float32)
    inputs = ember.Input((4,))
    h = layers.Lambda(scaled, arguments={"factor": 0.5}, name="lam")(inputs)
    model = ember.Model(inputs, layers.Dense(2)(h))
    loaded = save_and_reload(model, tmp_path, custom_objects={"scaled": scaled})
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert loaded.get_layer("lam").function is scaled
    with pytest.raises(ValueError, match="scaled"):
        save_and_reload(model, tmp_path)


def test_lambda_bad_arguments():
    with pytest.raises(TypeError, match="Lambda.*function"):
        layers.Lambda(3)
    with pytest.raises(TypeError, match="Lambda.*arguments"):
        layers.Lambda(cube, arguments=[1])
    with pytest.raises(TypeError, match="Lambda.*output_shape"):
        layers.Lambda(cube, output_shape="abc")


@pytest.mark.parametrize(
    "make",
    [lambda: layers.ELU(0.5), lambda: layers.PReLU(shared_axes=[1]), lambda: layers.Identity()],
)
def test_model_with_layer_saves_and_loads(make, tmp_path, rng):
    x = rng.standard_normal((3, 4, 2)).astype(np.float32)
    inputs = ember.Input((4, 2))
    model = ember.Model(inputs, layers.Dense(1)(make()(inputs)))
    for w in model.weights:
        w.assign(rng.standard_normal(w.shape).astype(np.float32))
    loaded = save_and_reload(model, tmp_path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
