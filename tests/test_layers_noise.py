"""GaussianNoise, GaussianDropout, AlphaDropout and SpatialDropout1D/2D/3D: identity at
inference, the statistics of their noise at fixed seeds while training, repeatable seeds,
gradients through the drawn noise, configs, saving and bad arguments."""

from __future__ import annotations

import math

import numpy as np
import pytest
from gradcheck import check_gradients
from keras_layer_fixtures import save_and_reload

import ember
from ember import layers

ALPHA_P = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946

ALL = [
    lambda: layers.GaussianNoise(0.3, seed=1),
    lambda: layers.GaussianDropout(0.4, seed=1),
    lambda: layers.AlphaDropout(0.2, seed=1),
    lambda: layers.SpatialDropout1D(0.5, seed=1),
    lambda: layers.SpatialDropout2D(0.5, seed=1),
    lambda: layers.SpatialDropout3D(0.5, seed=1),
]
SHAPES = [(4, 5), (4, 5), (4, 5), (2, 3, 4), (2, 3, 3, 4), (2, 2, 2, 2, 3)]


@pytest.mark.parametrize("make,shape", list(zip(ALL, SHAPES)))
def test_inference_is_the_identity(make, shape, rng):
    x = rng.standard_normal(shape).astype(np.float32)
    layer = make()
    for kwargs in ({}, {"training": False}, {"training": None}):
        np.testing.assert_array_equal(layer(x, **kwargs).numpy(), x)
    model = ember.Sequential([ember.Input(shape[1:]), make()])
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)
    assert layer.compute_output_shape((None, *shape[1:])) == (None, *shape[1:])
    assert not layer.weights


@pytest.mark.parametrize("make,shape", list(zip(ALL, SHAPES)))
def test_training_changes_the_output_and_seeds_repeat(make, shape, rng):
    x = rng.standard_normal(shape).astype(np.float32)
    first, again = make(), make()
    a = first(x, training=True).numpy()
    assert not np.array_equal(a, x)
    np.testing.assert_array_equal(again(x, training=True).numpy(), a)  # same seed, same draw
    assert not np.array_equal(first(x, training=True).numpy(), a)  # the generator advances


def test_unseeded_layers_follow_set_random_seed(rng):
    x = rng.standard_normal((8, 8)).astype(np.float32)
    runs = []
    for _ in range(2):
        ember.utils.set_random_seed(11)
        runs.append(layers.GaussianNoise(0.5)(x, training=True).numpy())
    np.testing.assert_array_equal(*runs)


# ---------------------------------------------------------------------- statistics
def test_gaussian_noise_statistics():
    n, stddev = 200_000, 0.3
    x = np.full(n, 2.0, np.float32)
    noise = layers.GaussianNoise(stddev, seed=7)(x, training=True).numpy() - 2.0
    assert abs(noise.mean()) < 6 * stddev / math.sqrt(n)
    assert abs(noise.std() - stddev) < 6 * stddev / math.sqrt(2 * n)


@pytest.mark.parametrize("rate", [0.1, 0.5])
def test_gaussian_dropout_statistics(rate):
    n = 200_000
    x = np.full(n, 3.0, np.float32)
    factor = layers.GaussianDropout(rate, seed=3)(x, training=True).numpy() / 3.0
    sd = math.sqrt(rate / (1 - rate))
    assert abs(factor.mean() - 1.0) < 6 * sd / math.sqrt(n)
    assert abs(factor.std() - sd) < 6 * sd / math.sqrt(2 * n)


@pytest.mark.parametrize("rate", [0.05, 0.3])
def test_alpha_dropout_statistics_and_values(rate, rng):
    n = 200_000
    x = rng.standard_normal(n).astype(np.float32)
    y = layers.AlphaDropout(rate, seed=5)(x, training=True).numpy().astype(np.float64)
    a = ((1 - rate) * (1 + rate * ALPHA_P**2)) ** -0.5
    b = -a * ALPHA_P * rate
    dropped = np.isclose(y, a * ALPHA_P + b, atol=1e-6)
    # The dropped fraction is Binomial(n, rate); kept values are the affine map of x.
    assert abs(dropped.mean() - rate) < 6 * math.sqrt(rate * (1 - rate) / n)
    expected = a * x[~dropped].astype(np.float64) + b
    np.testing.assert_allclose(y[~dropped], expected, rtol=1e-5, atol=1e-6)
    # Zero mean and unit variance are preserved (the point of alpha dropout).
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1.0) < 0.02


def test_alpha_dropout_noise_shape_shares_draws(rng):
    x = rng.standard_normal((6, 50, 4)).astype(np.float32)
    y = layers.AlphaDropout(0.5, noise_shape=(None, 1, 4), seed=2)(x, training=True).numpy()
    rate = 0.5
    a = ((1 - rate) * (1 + rate * ALPHA_P**2)) ** -0.5
    dropped = np.isclose(y, a * ALPHA_P - a * ALPHA_P * rate, atol=1e-6)
    # One decision per (sample, channel), shared along the 50 steps.
    assert (dropped == dropped[:, :1, :]).all()
    assert 0 < dropped[:, 0, :].sum() < 24


@pytest.mark.parametrize(
    "cls,shape,fmt",
    [
        (layers.SpatialDropout1D, (40, 6, 30), None),
        (layers.SpatialDropout2D, (40, 3, 4, 30), "channels_last"),
        (layers.SpatialDropout2D, (40, 30, 3, 4), "channels_first"),
        (layers.SpatialDropout3D, (20, 2, 2, 3, 30), None),
        (layers.SpatialDropout3D, (20, 30, 2, 2, 3), "channels_first"),
    ],
)
def test_spatial_dropout_drops_whole_feature_maps(cls, shape, fmt, rng):
    rate = 0.4
    x = rng.uniform(0.5, 2.0, shape).astype(np.float32)
    kwargs = {} if fmt is None else {"data_format": fmt}
    y = cls(rate, seed=9, **kwargs)(x, training=True).numpy()
    kept = y != 0
    channel_axis = 1 if fmt == "channels_first" else len(shape) - 1
    spatial = tuple(a for a in range(1, len(shape)) if a != channel_axis)
    per_map = kept.all(axis=spatial) | (~kept).all(axis=spatial)
    assert per_map.all(), "a feature map was partly dropped"
    maps = kept.any(axis=spatial)
    m = maps.size
    assert abs(maps.mean() - (1 - rate)) < 6 * math.sqrt(rate * (1 - rate) / m)
    np.testing.assert_allclose(y[kept], x[kept] / (1 - rate), rtol=1e-6)


def test_rate_one_and_zero(rng):
    x = rng.standard_normal((2, 3, 4)).astype(np.float32)
    assert (layers.SpatialDropout1D(1.0, seed=0)(x, training=True).numpy() == 0).all()
    np.testing.assert_array_equal(layers.SpatialDropout1D(0.0)(x, training=True).numpy(), x)
    np.testing.assert_array_equal(layers.GaussianNoise(0.0)(x, training=True).numpy(), x)
    np.testing.assert_array_equal(layers.AlphaDropout(0.0)(x, training=True).numpy(), x)
    y = layers.AlphaDropout(1.0, seed=0)(x, training=True).numpy()
    assert np.isfinite(y).all()


# ---------------------------------------------------------------------- gradients
@pytest.mark.parametrize(
    "make,shape",
    [
        (lambda: layers.GaussianNoise(0.5, seed=4), (3, 4)),
        (lambda: layers.GaussianDropout(0.3, seed=4), (3, 4)),
        (lambda: layers.AlphaDropout(0.3, seed=4), (3, 4)),
        (lambda: layers.SpatialDropout1D(0.5, seed=4), (3, 4, 5)),
        (lambda: layers.SpatialDropout2D(0.5, seed=4), (2, 3, 2, 4)),
    ],
)
def test_gradients_through_the_drawn_noise(make, shape, rng):
    x = rng.standard_normal(shape).astype(np.float32)
    # A fresh layer with the same seed per evaluation: the same noise every time.
    check_gradients(lambda t: make()(t, training=True), [x])


def test_fit_with_noise_layers_lowers_the_loss(rng):
    ember.utils.set_random_seed(0)
    x = rng.standard_normal((64, 3, 4)).astype(np.float32)
    y = x.sum(axis=(1, 2))[:, None]
    model = ember.Sequential(
        [
            ember.Input((3, 4)),
            layers.GaussianNoise(0.05),
            layers.SpatialDropout1D(0.1),
            layers.Flatten(),
            layers.GaussianDropout(0.05),
            layers.Dense(1),
        ]
    )
    model.compile(optimizer=ember.optimizers.SGD(0.02), loss="mse")
    first = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=5, verbose=0)
    assert model.evaluate(x, y, verbose=0) < 0.5 * first


# ---------------------------------------------------------------------- config and saving
@pytest.mark.parametrize(
    "make,keys",
    [
        (lambda: layers.GaussianNoise(0.2, seed=3), {"stddev": 0.2, "seed": 3}),
        (lambda: layers.GaussianDropout(0.1), {"rate": 0.1, "seed": None}),
        (
            lambda: layers.AlphaDropout(0.3, noise_shape=(None, 1, 4), seed=2),
            {"rate": 0.3, "seed": 2, "noise_shape": [None, 1, 4]},
        ),
        (lambda: layers.SpatialDropout1D(0.2, seed=1), {"rate": 0.2, "seed": 1}),
        (
            lambda: layers.SpatialDropout2D(0.2, data_format="channels_first"),
            {"rate": 0.2, "data_format": "channels_first"},
        ),
        (lambda: layers.SpatialDropout3D(0.5), {"rate": 0.5, "data_format": "channels_last"}),
    ],
)
def test_config_round_trip(make, keys):
    layer = make()
    config = layer.get_config()
    assert {k: config[k] for k in keys} == keys
    assert type(layer).from_config(config).get_config() == config
    assert isinstance(layers.deserialize(layers.serialize(layer)), type(layer))


def test_model_with_noise_layers_saves_and_loads(tmp_path, rng):
    x = rng.standard_normal((3, 4, 2)).astype(np.float32)
    inputs = ember.Input((4, 2))
    h = layers.SpatialDropout1D(0.3, seed=1)(layers.GaussianNoise(0.1)(inputs))
    h = layers.AlphaDropout(0.1)(layers.GaussianDropout(0.2)(h))
    model = ember.Model(inputs, layers.Dense(1)(h))
    loaded = save_and_reload(model, tmp_path)
    assert [type(layer).__name__ for layer in loaded.layers][1:5] == [
        "GaussianNoise",
        "SpatialDropout1D",
        "GaussianDropout",
        "AlphaDropout",
    ]
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_spatial_dropout_is_a_dropout_and_checks_rank():
    assert isinstance(layers.SpatialDropout2D(0.1), layers.Dropout)
    with pytest.raises(ValueError, match="spatial_dropout1d|ndim|rank"):
        layers.SpatialDropout1D(0.1)(np.ones((2, 3), np.float32), training=True)


# ---------------------------------------------------------------------- bad arguments
@pytest.mark.parametrize(
    "make,error,match",
    [
        (lambda: layers.GaussianNoise(1.5), ValueError, "GaussianNoise.*stddev"),
        (lambda: layers.GaussianNoise(-0.1), ValueError, "GaussianNoise.*stddev"),
        (lambda: layers.GaussianNoise("a"), TypeError, "GaussianNoise.*stddev"),
        (lambda: layers.GaussianNoise(0.1, seed="x"), TypeError, "GaussianNoise.*seed"),
        (lambda: layers.GaussianDropout(2.0), ValueError, "GaussianDropout.*rate"),
        (lambda: layers.AlphaDropout(-1), ValueError, "AlphaDropout.*rate"),
        (lambda: layers.AlphaDropout(0.1, noise_shape=(0, 1)), ValueError, "noise_shape"),
        (lambda: layers.AlphaDropout(0.1, noise_shape=3), TypeError, "noise_shape"),
        (lambda: layers.SpatialDropout1D(1.1), ValueError, "SpatialDropout1D.*rate"),
        (
            lambda: layers.SpatialDropout2D(0.1, data_format="NHWC"),
            ValueError,
            "SpatialDropout2D.*data_format",
        ),
    ],
)
def test_bad_arguments(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_alpha_dropout_noise_shape_must_broadcast():
    with pytest.raises(ValueError, match="noise_shape"):
        layers.AlphaDropout(0.5, noise_shape=(2, 3))(np.ones((4, 3), np.float32), training=True)
