"""Cropping1D, ZeroPadding1D, UpSampling1D, Dot and ``dot``: Keras' numbers (fixtures from
real Keras), numpy float64 references, finite-difference gradients, configs, saving and bad
arguments."""

from __future__ import annotations

import numpy as np
import pytest
from gradcheck import check_gradients
from keras_layer_fixtures import assert_config_matches_keras, check, load, names, save_and_reload

import ember
from ember import layers

CASES = names("cropping1d") + names("zeropadding1d") + names("upsampling1d") + names("dot_")


@pytest.mark.parametrize("name", CASES)
def test_matches_keras(name):
    layer = check(name)
    assert_config_matches_keras(layer, load(name)[0])


def test_fixture_set_is_complete():
    assert len(CASES) == 10


# ---------------------------------------------------------------------- numpy references
def test_cropping_padding_upsampling_numpy(rng):
    x = rng.standard_normal((2, 6, 3)).astype(np.float32)
    np.testing.assert_array_equal(layers.Cropping1D((2, 1))(x).numpy(), x[:, 2:5])
    np.testing.assert_array_equal(layers.Cropping1D((0, 0))(x).numpy(), x)
    np.testing.assert_array_equal(layers.Cropping1D((3, 0))(x).numpy(), x[:, 3:])
    np.testing.assert_array_equal(
        layers.ZeroPadding1D((1, 2))(x).numpy(), np.pad(x, ((0, 0), (1, 2), (0, 0)))
    )
    np.testing.assert_array_equal(
        layers.ZeroPadding1D(1, data_format="channels_first")(x).numpy(),
        np.pad(x, ((0, 0), (0, 0), (1, 1))),
    )
    np.testing.assert_array_equal(layers.UpSampling1D(3)(x).numpy(), np.repeat(x, 3, axis=1))


def batch_dot64(x, y, a0, a1, normalize=False):
    x, y = x.astype(np.float64), y.astype(np.float64)
    if normalize:
        x = x / np.linalg.norm(x, axis=a0, keepdims=True)
        y = y / np.linalg.norm(y, axis=a1, keepdims=True)
    out = []
    for b in range(x.shape[0]):
        out.append(np.tensordot(x[b], y[b], axes=(a0 - 1, a1 - 1)))
    out = np.stack(out)
    return out.reshape(-1, 1) if out.ndim == 1 else out


@pytest.mark.parametrize(
    "xs,ys,axes,normalize",
    [
        ((3, 4), (3, 4), 1, False),
        ((3, 4), (3, 4), -1, True),
        ((2, 3, 4), (2, 5, 4), 2, False),
        ((2, 3, 4), (2, 4, 5), (2, 1), False),
        ((2, 3, 4), (2, 3, 5), [1, 1], True),
        ((2, 4, 3, 2), (2, 3, 5), (2, 1), False),
        ((2, 4), (2, 3, 4), (1, 2), False),
    ],
)
def test_dot_numpy(xs, ys, axes, normalize, rng):
    x = rng.standard_normal(xs).astype(np.float32)
    y = rng.standard_normal(ys).astype(np.float32)
    layer = layers.Dot(axes=axes, normalize=normalize)
    out = layer([x, y]).numpy()
    pair = (axes, axes) if isinstance(axes, int) else axes
    a0, a1 = pair[0] % len(xs), pair[1] % len(ys)
    expected = batch_dot64(x, y, a0, a1, normalize)
    np.testing.assert_allclose(out, expected, atol=1e-5, rtol=1e-4)
    assert layer.compute_output_shape([(None, *xs[1:]), (None, *ys[1:])]) == (None, *out.shape[1:])
    np.testing.assert_allclose(layers.dot([x, y], axes=axes, normalize=normalize).numpy(), out)


def test_dot_symbolic_and_mask():
    a, b = ember.Input((3, 4)), ember.Input((5, 4))
    assert layers.dot([a, b], axes=2).shape == (None, 3, 5)
    assert layers.Dot(axes=1).compute_mask([None, None], [np.ones((1, 3), bool)] * 2) is None


# ---------------------------------------------------------------------- gradients
@pytest.mark.parametrize(
    "make,shapes",
    [
        (lambda: layers.Cropping1D((1, 2)), [(2, 6, 3)]),
        (lambda: layers.ZeroPadding1D((2, 1)), [(2, 3, 2)]),
        (lambda: layers.UpSampling1D(2), [(2, 3, 2)]),
        (lambda: layers.Dot(axes=2), [(2, 3, 4), (2, 5, 4)]),
        (lambda: layers.Dot(axes=(1, 2), normalize=True), [(2, 3, 4), (2, 2, 3)]),
        (lambda: layers.Dot(axes=1), [(3, 4), (3, 4)]),
    ],
)
def test_gradients(make, shapes, rng):
    arrays = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    layer = make()
    if len(arrays) == 1:
        check_gradients(lambda t: layer(t), arrays)
    else:
        check_gradients(lambda *ts: layer(list(ts)), arrays)


# ---------------------------------------------------------------------- config and saving
@pytest.mark.parametrize(
    "make",
    [
        lambda: layers.Cropping1D(2),
        lambda: layers.ZeroPadding1D((0, 3)),
        lambda: layers.UpSampling1D(4),
    ],
)
def test_sequence_layers_save_and_load(make, tmp_path, rng):
    layer = make()
    config = layer.get_config()
    assert type(layer).from_config(config).get_config() == config
    x = rng.standard_normal((2, 7, 3)).astype(np.float32)
    inputs = ember.Input((7, 3))
    model = ember.Model(inputs, layers.Dense(2)(layers.Flatten()(layer(inputs))))
    loaded = save_and_reload(model, tmp_path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_dot_model_saves_and_loads(tmp_path, rng):
    a, b = ember.Input((3, 4)), ember.Input((5, 4))
    out = layers.Flatten()(layers.Dot(axes=(2, 2), normalize=True, name="cos")([a, b]))
    model = ember.Model([a, b], layers.Dense(1)(out))
    loaded = save_and_reload(model, tmp_path)
    assert loaded.get_layer("cos").get_config()["axes"] == [2, 2]
    x = [rng.standard_normal((2, 3, 4)).astype(np.float32), rng.standard_normal((2, 5, 4))]
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_dot_trains(rng):
    a, b = ember.Input((4,)), ember.Input((4,))
    model = ember.Model([a, b], layers.dot([layers.Dense(4)(a), layers.Dense(4)(b)], axes=1))
    model.compile(optimizer=ember.optimizers.SGD(0.01), loss="mse")
    x = [rng.standard_normal((32, 4)).astype(np.float32) for _ in range(2)]
    y = (x[0] * x[1]).sum(axis=1, keepdims=True)
    first = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=5, verbose=0)
    assert model.evaluate(x, y, verbose=0) < first


# ---------------------------------------------------------------------- bad arguments
def test_bad_arguments():
    with pytest.raises(ValueError, match="Cropping1D.*cropping"):
        layers.Cropping1D((1, 2, 3))
    with pytest.raises(ValueError, match="Cropping1D.*cropping"):
        layers.Cropping1D(-1)
    with pytest.raises(ValueError, match="cropping.*smaller than the input length"):
        layers.Cropping1D((3, 3))(np.ones((1, 6, 2), np.float32))
    with pytest.raises(ValueError, match="ZeroPadding1D.*padding"):
        layers.ZeroPadding1D("same")
    with pytest.raises(ValueError, match="ZeroPadding1D.*data_format"):
        layers.ZeroPadding1D(1, data_format="NWC")
    with pytest.raises(TypeError, match="UpSampling1D.*size"):
        layers.UpSampling1D(2.5)
    with pytest.raises(ValueError, match="UpSampling1D.*size"):
        layers.UpSampling1D(0)
    with pytest.raises(ValueError, match="ndim|rank|dimension"):
        layers.UpSampling1D(2)(np.ones((2, 3), np.float32))
    with pytest.raises(TypeError, match="Dot.*axes"):
        layers.Dot(axes="last")
    with pytest.raises(ValueError, match="Dot.*axes"):
        layers.Dot(axes=(1, 2, 3))
    with pytest.raises(ValueError, match="incompatible input shapes"):
        layers.Dot(axes=1)([np.ones((2, 3), np.float32), np.ones((2, 4), np.float32)])
    with pytest.raises(ValueError, match="axis 0"):
        layers.Dot(axes=0)([np.ones((2, 3), np.float32), np.ones((2, 3), np.float32)])
    with pytest.raises(ValueError, match="list of 2 inputs"):
        layers.Dot(axes=1)([np.ones((2, 3), np.float32)] * 3)
    with pytest.raises(ValueError, match="different batch sizes"):
        layers.Dot(axes=1)([np.ones((2, 3), np.float32), np.ones((3, 3), np.float32)])
