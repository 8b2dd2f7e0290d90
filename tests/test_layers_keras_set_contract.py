"""The layer contract of tests/test_layer_contract.py for the layers added with the Keras
layer set: each builds, its output shape is what compute_output_shape (and a symbolic call)
says, it owns the expected number of weights, its config round-trips through from_config and
the registry, and (for the deterministic ones) one optimizer step through it lowers a loss."""

from __future__ import annotations

import numpy as np
import pytest

import ember
from ember import layers


def half(x):
    return x * 0.5


# (factory, input shape(s), number of weights, deterministic in training)
CASES = [
    (lambda: layers.Identity(), (2, 3), 0, True),
    (lambda: layers.Lambda(half), (2, 3, 4), 0, True),
    (lambda: layers.ELU(0.5), (2, 5), 0, True),
    (lambda: layers.PReLU(alpha_initializer="constant"), (2, 3, 4), 1, True),
    (lambda: layers.PReLU(shared_axes=[1]), (2, 3, 4), 1, True),
    (lambda: layers.LayerNormalization(), (2, 3, 4), 2, True),
    (lambda: layers.LayerNormalization(axis=[1, 2], center=False), (2, 3, 4), 1, True),
    (lambda: layers.RMSNormalization(), (2, 3, 4), 1, True),
    (lambda: layers.UnitNormalization(axis=1), (2, 3, 4), 0, True),
    (lambda: layers.GroupNormalization(groups=2), (2, 3, 4), 2, True),
    (lambda: layers.GaussianNoise(0.1, seed=1), (2, 5), 0, False),
    (lambda: layers.GaussianDropout(0.2, seed=1), (2, 5), 0, False),
    (lambda: layers.AlphaDropout(0.2, seed=1), (2, 5), 0, False),
    (lambda: layers.SpatialDropout1D(0.3, seed=1), (2, 3, 4), 0, False),
    (lambda: layers.SpatialDropout2D(0.3, seed=1), (2, 3, 3, 4), 0, False),
    (lambda: layers.SpatialDropout3D(0.3, seed=1), (2, 2, 2, 2, 4), 0, False),
    (lambda: layers.Cropping1D((1, 1)), (2, 5, 3), 0, True),
    (lambda: layers.ZeroPadding1D(2), (2, 5, 3), 0, True),
    (lambda: layers.UpSampling1D(2), (2, 5, 3), 0, True),
    (lambda: layers.Dot(axes=(2, 2)), [(2, 3, 4), (2, 5, 4)], 0, True),
    (lambda: layers.Dot(axes=1, normalize=True), [(2, 4), (2, 4)], 0, True),
    (lambda: layers.Attention(use_scale=True), [(2, 3, 4), (2, 5, 4)], 1, True),
    (lambda: layers.Attention(score_mode="concat"), [(2, 3, 4), (2, 5, 4), (2, 5, 4)], 1, True),
    (lambda: layers.AdditiveAttention(), [(2, 3, 4), (2, 5, 4)], 1, True),
    (lambda: layers.EinsumDense("abc,cd->abd", (None, 2), bias_axes="d"), (2, 3, 4), 2, True),
]
IDS = [f"{i}-{type(c[0]()).__name__}" for i, c in enumerate(CASES)]
CUSTOM = {"half": half}


def _inputs(shape, rng):
    shapes = shape if isinstance(shape, list) else [shape]
    return [rng.standard_normal(s).astype(np.float32) + 0.1 for s in shapes]


def _arg(items):
    return items if len(items) > 1 else items[0]


@pytest.mark.parametrize("factory,shape,n_weights,deterministic", CASES, ids=IDS)
def test_build_shape_weights_and_config(factory, shape, n_weights, deterministic, rng):
    layer = factory()
    arrays = _inputs(shape, rng)
    y = layer(_arg(arrays))
    assert layer.built
    assert len(layer.weights) == n_weights
    in_shapes = [(None, *a.shape[1:]) for a in arrays]
    assert tuple(layer.compute_output_shape(_arg(in_shapes))) == (None, *y.shape[1:])
    config = layer.get_config()
    clone = layers.deserialize(layers.serialize(layer), custom_objects=CUSTOM)
    assert type(clone) is type(layer)
    assert {k: v for k, v in clone.get_config().items() if k != "name"} == {
        k: v for k, v in config.items() if k != "name"
    }
    inputs = [ember.Input(a.shape[1:]) for a in arrays]
    with ember.saving.custom_object_scope(CUSTOM):
        fresh = type(layer).from_config(config)
    assert fresh(_arg(inputs)).shape == (None, *y.shape[1:])


@pytest.mark.parametrize("factory,shape,n_weights,deterministic", CASES, ids=IDS)
def test_one_fit_step_lowers_the_loss(factory, shape, n_weights, deterministic, rng):
    if not deterministic:
        pytest.skip("random in training: see tests/test_layers_noise.py (fit lowers the loss)")
    ember.utils.set_random_seed(3)
    layer = factory()
    arrays = _inputs(shape, rng)
    inputs = [ember.Input(a.shape[1:]) for a in arrays]
    h = layer(_arg(inputs))
    if len(h.shape) > 2:
        h = layers.Flatten()(h)
    model = ember.Model(inputs, layers.Dense(1)(h))
    model.compile(optimizer=ember.optimizers.SGD(1e-3), loss="mse")
    target = rng.standard_normal((arrays[0].shape[0], 1)).astype(np.float32)
    before = model.evaluate(_arg(arrays), target, verbose=0)
    model.train_on_batch(_arg(arrays), target)
    assert model.evaluate(_arg(arrays), target, verbose=0) < before
