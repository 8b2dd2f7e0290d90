"""LayerNormalization, RMSNormalization, UnitNormalization and GroupNormalization: Keras'
numbers (fixtures from real Keras with the same weights), float64 formulas, finite-difference
gradients, configs, saving and bad arguments."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from gradcheck import check_gradients
from keras_layer_fixtures import assert_config_matches_keras, check, load, names, save_and_reload

import ember
from ember import layers

CASES = names("layernorm") + names("rmsnorm") + names("unitnorm") + names("groupnorm")


@pytest.mark.parametrize("name", CASES)
def test_matches_keras(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # rms_scaling's deprecation
        layer = check(name)
    assert_config_matches_keras(layer, load(name)[0])


def test_fixture_set_is_complete():
    assert len(CASES) == 15


# ---------------------------------------------------------------------- float64 references
def layer_norm64(x, axes, gamma, beta, eps):
    x = x.astype(np.float64)
    mean = x.mean(axis=tuple(axes), keepdims=True)
    var = x.var(axis=tuple(axes), keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


def test_layer_norm_float64(rng):
    x = (rng.standard_normal((3, 4, 5)) * 3 + 2).astype(np.float32)
    layer = layers.LayerNormalization(axis=[1, 2], epsilon=1e-2)
    layer.build(x.shape)
    gamma = rng.uniform(0.5, 1.5, (4, 5)).astype(np.float32)
    beta = rng.standard_normal((4, 5)).astype(np.float32)
    layer.set_weights([gamma, beta])
    expected = layer_norm64(x, (1, 2), gamma, beta, 1e-2)
    np.testing.assert_allclose(layer(x).numpy(), expected, atol=1e-5, rtol=1e-4)
    # axis=1 alone: the weights broadcast along axis 1 only.
    layer = layers.LayerNormalization(axis=1, center=False)
    layer.build(x.shape)
    g = rng.uniform(0.5, 1.5, (4,)).astype(np.float32)
    layer.set_weights([g])
    expected = layer_norm64(x, (1,), g[None, :, None], 0.0, 1e-3)
    np.testing.assert_allclose(layer(x).numpy(), expected, atol=1e-5, rtol=1e-4)


def test_rms_norm_float64(rng):
    x = rng.standard_normal((2, 3, 6)).astype(np.float32)
    layer = layers.RMSNormalization(axis=1, epsilon=1e-3)
    layer.build(x.shape)
    s = rng.uniform(0.5, 1.5, (3,)).astype(np.float32)
    layer.set_weights([s])
    x64 = x.astype(np.float64)
    expected = x64 / np.sqrt((x64**2).mean(axis=1, keepdims=True) + 1e-3) * s[None, :, None]
    np.testing.assert_allclose(layer(x).numpy(), expected, atol=1e-5, rtol=1e-4)


def test_unit_norm_float64(rng):
    x = rng.standard_normal((3, 4, 2)).astype(np.float32)
    y = layers.UnitNormalization(axis=(1, 2))(x).numpy()
    x64 = x.astype(np.float64)
    expected = x64 / np.sqrt((x64**2).sum(axis=(1, 2), keepdims=True))
    np.testing.assert_allclose(y, expected, atol=1e-6, rtol=1e-5)
    # A zero vector stays zero (the norm is clamped at 1e-12), no NaN.
    assert np.all(layers.UnitNormalization()(np.zeros((1, 3), np.float32)).numpy() == 0)


def test_group_norm_float64(rng):
    x = (rng.standard_normal((2, 3, 5, 6)) * 2 + 1).astype(np.float32)
    layer = layers.GroupNormalization(groups=3, epsilon=1e-3)
    layer.build(x.shape)
    gamma = rng.uniform(0.5, 1.5, (6,)).astype(np.float32)
    beta = rng.standard_normal((6,)).astype(np.float32)
    layer.set_weights([gamma, beta])
    g = x.astype(np.float64).reshape(2, 3, 5, 3, 2)
    mean = g.mean(axis=(1, 2, 4), keepdims=True)
    var = g.var(axis=(1, 2, 4), keepdims=True)
    expected = ((g - mean) / np.sqrt(var + 1e-3)).reshape(x.shape) * gamma + beta
    np.testing.assert_allclose(layer(x).numpy(), expected, atol=1e-5, rtol=1e-4)


def test_group_norm_instance_and_axis(rng):
    x = rng.standard_normal((2, 4, 3)).astype(np.float32)
    layer = layers.GroupNormalization(groups=-1, axis=1, center=False, scale=False)
    y = layer(x).numpy()
    assert layer.groups == 4 and layer.get_config()["groups"] == 4 and not layer.weights
    x64 = x.astype(np.float64)
    expected = (x64 - x64.mean(axis=2, keepdims=True)) / np.sqrt(
        x64.var(axis=2, keepdims=True) + 1e-3
    )
    np.testing.assert_allclose(y, expected, atol=1e-5, rtol=1e-4)


# ---------------------------------------------------------------------- gradients
@pytest.mark.parametrize(
    "make,shape",
    [
        (lambda: layers.LayerNormalization(), (3, 5)),
        (lambda: layers.LayerNormalization(axis=[1, 2], epsilon=0.1), (2, 3, 4)),
        (lambda: layers.LayerNormalization(axis=1), (2, 3, 4)),
        (lambda: layers.RMSNormalization(epsilon=1e-3), (3, 4)),
        (lambda: layers.RMSNormalization(axis=1), (2, 3, 4)),
        (lambda: layers.UnitNormalization(), (3, 4)),
        (lambda: layers.UnitNormalization(axis=[1, 2]), (2, 3, 2)),
        (lambda: layers.GroupNormalization(groups=2), (2, 3, 4)),
        (lambda: layers.GroupNormalization(groups=3, axis=1, epsilon=0.1), (2, 6, 2)),
    ],
)
def test_gradients(make, shape, rng):
    x = (rng.standard_normal(shape) * 2).astype(np.float32)
    layer = make()
    layer(x)
    for w in layer.weights:
        w.assign(rng.uniform(0.5, 1.5, w.shape).astype(np.float32))
    check_gradients(lambda t: layer(t), [x], params=layer.trainable_weights)


# ---------------------------------------------------------------------- config and saving
@pytest.mark.parametrize(
    "make",
    [
        lambda: layers.LayerNormalization(axis=(1, 2), epsilon=0.01, center=False),
        lambda: layers.LayerNormalization(gamma_regularizer="l2", beta_constraint="non_neg"),
        lambda: layers.RMSNormalization(axis=-1, epsilon=1e-4),
        lambda: layers.UnitNormalization(axis=[1, 2]),
        lambda: layers.GroupNormalization(groups=2, gamma_initializer="random_normal"),
    ],
)
def test_config_round_trip_and_model_save(make, tmp_path, rng):
    layer = make()
    config = layer.get_config()
    assert type(layer).from_config(config).get_config() == config
    x = (rng.standard_normal((3, 2, 4)) + 1).astype(np.float32)
    inputs = ember.Input((2, 4))
    model = ember.Model(inputs, layers.Dense(2)(layers.Flatten()(layer(inputs))))
    for w in model.weights:
        w.assign(rng.uniform(0.5, 1.5, w.shape).astype(np.float32))
    loaded = save_and_reload(model, tmp_path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5)
    assert [w.shape for w in loaded.weights] == [w.shape for w in model.weights]


def test_layer_norm_trains_and_regularizes(rng):
    layer = layers.LayerNormalization(gamma_regularizer="l2")
    layer(np.ones((2, 3), np.float32))
    assert [round(float(t), 6) for t in layer.losses] == [0.03]
    model = ember.Sequential([ember.Input((4,)), layers.LayerNormalization(), layers.Dense(1)])
    model.compile(optimizer=ember.optimizers.SGD(0.05), loss="mse")
    x = rng.standard_normal((16, 4)).astype(np.float32)
    y = x[:, :1] - x[:, 1:2]
    first = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=5, verbose=0)
    assert model.evaluate(x, y, verbose=0) < first


def test_masks_pass_through():
    mask = np.array([[True, False]])
    x = ember.tensor(np.ones((1, 2, 4), np.float32))
    x._keras_mask = mask
    for layer in (
        layers.LayerNormalization(),
        layers.RMSNormalization(),
        layers.UnitNormalization(),
        layers.GroupNormalization(groups=2),
    ):
        np.testing.assert_array_equal(layer(x)._keras_mask, mask)


# ---------------------------------------------------------------------- bad arguments
def test_bad_arguments():
    with pytest.raises(TypeError, match="LayerNormalization.*axis"):
        layers.LayerNormalization(axis="last")
    with pytest.raises(ValueError, match="axis 3 is out of bounds"):
        layers.LayerNormalization(axis=3)(np.ones((2, 3), np.float32))
    with pytest.raises(TypeError, match="RMSNormalization.*epsilon"):
        layers.RMSNormalization(epsilon="small")
    with pytest.raises(ValueError, match="UnitNormalization.*epsilon|out of bounds"):
        layers.UnitNormalization(axis=-4)(np.ones((2, 3), np.float32))
    with pytest.raises(TypeError, match="UnitNormalization.*axis"):
        layers.UnitNormalization(axis=1.5)
    with pytest.raises(ValueError, match="GroupNormalization.*groups"):
        layers.GroupNormalization(groups=0)
    with pytest.raises(ValueError, match="multiple of the number of groups"):
        layers.GroupNormalization(groups=4)(np.ones((2, 6), np.float32))
    with pytest.raises(ValueError, match="cannot be more than"):
        layers.GroupNormalization(groups=8)(np.ones((2, 6), np.float32))
    with pytest.raises(ValueError, match="LayerNormalization.*epsilon"):
        layers.LayerNormalization(epsilon=-1.0)
    with pytest.raises(ValueError, match="names an axis twice"):
        layers.LayerNormalization(axis=[1, -1])(np.ones((2, 3), np.float32))
