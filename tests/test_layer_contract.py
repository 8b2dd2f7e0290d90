"""The contract every layer keeps: it builds, its output shape is what compute_output_shape
says, it owns the expected number of weights, its config round-trips, its gradients match
finite differences, and one optimizer step through it lowers a loss."""

from __future__ import annotations

import numpy as np
import pytest
from gradcheck import check_gradients

import ember
from ember import layers

# (factory, input shape(s), number of weights, training flag for the gradient check)
CASES = [
    (lambda: layers.Dense(4, activation="tanh"), (3, 5), 2, False),
    (lambda: layers.Dense(3, activation="softmax"), (2, 4), 2, False),
    (lambda: layers.Dense(3, activation="elu", use_bias=False), (2, 3, 4), 1, False),
    (lambda: layers.Conv2D(3, 3, padding="same", activation="relu"), (2, 5, 6, 2), 2, False),
    (lambda: layers.Conv2D(2, (2, 3), strides=2, activation="sigmoid"), (2, 7, 6, 3), 2, False),
    (lambda: layers.Conv2D(2, 3, dilation_rate=2, activation="gelu"), (1, 7, 7, 2), 2, False),
    (lambda: layers.Conv2DTranspose(3, 3, strides=2, padding="same"), (2, 3, 4, 2), 2, False),
    (lambda: layers.Conv2DTranspose(2, 2, strides=2, activation="tanh"), (1, 3, 3, 3), 2, False),
    (lambda: layers.MaxPooling2D(), (2, 4, 6, 3), 0, False),
    (lambda: layers.MaxPool2D(3, strides=2, padding="same"), (1, 5, 5, 2), 0, False),
    (lambda: layers.AveragePooling2D(2), (2, 4, 4, 3), 0, False),
    (lambda: layers.AvgPool2D(3, strides=1, padding="same"), (1, 4, 5, 2), 0, False),
    (lambda: layers.GlobalAveragePooling2D(), (2, 3, 4, 5), 0, False),
    (lambda: layers.GlobalMaxPooling2D(keepdims=True), (2, 3, 4, 5), 0, False),
    (lambda: layers.Flatten(), (2, 3, 4, 2), 0, False),
    (lambda: layers.Reshape((-1, 2)), (2, 3, 4), 0, False),
    (lambda: layers.Permute((2, 1)), (2, 3, 4), 0, False),
    (lambda: layers.RepeatVector(3), (2, 4), 0, False),
    (lambda: layers.BatchNormalization(), (4, 3, 2, 5), 4, True),
    (lambda: layers.BatchNormalization(center=False, momentum=0.9), (6, 4), 3, True),
    (lambda: layers.BatchNormalization(axis=1), (3, 4, 2, 2), 4, False),
    (lambda: layers.Rescaling(0.5, offset=1.0), (2, 3), 0, False),
    (lambda: layers.Activation("selu"), (2, 5), 0, False),
    (lambda: layers.Activation("softplus"), (2, 5), 0, False),
    (lambda: layers.ReLU(max_value=1.5, negative_slope=0.1, threshold=0.2), (3, 7), 0, False),
    (lambda: layers.LeakyReLU(), (2, 5), 0, False),
    (lambda: layers.Softmax(), (2, 3, 4), 0, False),
    (lambda: layers.Softmax(axis=1), (2, 3, 4), 0, False),
    (lambda: layers.UpSampling2D(2), (1, 2, 3, 2), 0, False),
    (lambda: layers.UpSampling2D((2, 3), interpolation="bilinear"), (1, 2, 3, 2), 0, False),
    (lambda: layers.ZeroPadding2D(((1, 0), (2, 1))), (1, 2, 3, 2), 0, False),
    (lambda: layers.Cropping2D(((1, 0), (0, 1))), (1, 3, 4, 2), 0, False),
    (lambda: layers.Dropout(0.4), (3, 4), 0, False),
    (lambda: layers.Concatenate(axis=1), [(2, 3, 2), (2, 1, 2)], 0, False),
    (lambda: layers.Add(), [(2, 3), (2, 3), (2, 3)], 0, False),
    (lambda: layers.Multiply(), [(2, 3), (2, 3)], 0, False),
    (lambda: layers.Subtract(), [(2, 3), (2, 3)], 0, False),
    (lambda: layers.Average(), [(2, 3), (2, 3)], 0, False),
    (lambda: layers.Maximum(), [(2, 3), (2, 3)], 0, False),
]
IDS = [f"{i}-{type(c[0]()).__name__}" for i, c in enumerate(CASES)]


def _inputs(shape, rng):
    shapes = shape if isinstance(shape, list) else [shape]
    arrays = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    for a in arrays:  # keep values off the kinks of relu-like functions and max ties
        a[np.abs(a) < 0.05] += 0.1
    return arrays


def _call(layer, arrays, training=False):
    arg = arrays if len(arrays) > 1 else arrays[0]
    return layer(arg, training=training)


@pytest.mark.parametrize("factory,shape,n_weights,training", CASES, ids=IDS)
def test_build_shape_weights_and_config(factory, shape, n_weights, training):
    rng = np.random.default_rng(0)
    layer = factory()
    arrays = _inputs(shape, rng)
    y = _call(layer, arrays)
    assert layer.built
    assert len(layer.weights) == n_weights
    in_shapes = [(None, *a.shape[1:]) for a in arrays]
    predicted = layer.compute_output_shape(in_shapes if len(arrays) > 1 else in_shapes[0])
    assert tuple(predicted) == (None, *y.shape[1:])
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert {k: v for k, v in clone.get_config().items() if k != "name"} == {
        k: v for k, v in config.items() if k != "name"
    }
    # symbolic call gives the same shape
    inputs = [ember.Input(a.shape[1:]) for a in arrays]
    sym = type(layer).from_config(config)(inputs if len(inputs) > 1 else inputs[0])
    assert sym.shape == (None, *y.shape[1:])


@pytest.mark.parametrize("factory,shape,n_weights,training", CASES, ids=IDS)
def test_gradients_match_finite_differences(factory, shape, n_weights, training):
    rng = np.random.default_rng(1)
    layer = factory()
    if isinstance(layer, layers.Dropout):
        pytest.skip("random masks: checked at the op level with a fixed seed")
    arrays = _inputs(shape, rng)
    _call(layer, arrays)
    for w in layer.weights:  # non-trivial statistics for the inference-mode normalization
        if w.name == "moving_variance":
            w.assign(rng.uniform(0.5, 2.0, w.shape))
        elif w.name in ("moving_mean", "gamma", "beta"):
            w.assign(rng.standard_normal(w.shape))
    # Piecewise-linear layers: a small step keeps the differences off the kinks.
    kinked = ember.activations.name_of(getattr(layer, "activation", None)) == "relu" or (
        isinstance(layer, (layers.ReLU, layers.LeakyReLU, layers.MaxPooling2D, layers.Maximum))
    )
    check_gradients(
        lambda *xs: _call(layer, list(xs), training),
        arrays,
        params=layer.trainable_weights,
        eps=1e-3 if kinked else 1e-2,
    )


@pytest.mark.parametrize("factory,shape,n_weights,training", CASES, ids=IDS)
def test_one_fit_step_lowers_the_loss(factory, shape, n_weights, training):
    ember.utils.set_random_seed(3)
    rng = np.random.default_rng(2)
    layer = factory()
    arrays = _inputs(shape, rng)
    inputs = [ember.Input(a.shape[1:]) for a in arrays]
    h = layer(inputs if len(inputs) > 1 else inputs[0])
    if len(h.shape) > 2:
        h = layers.Flatten()(h)
    model = ember.Model(inputs, layers.Dense(1)(h))
    model.compile(optimizer=ember.optimizers.SGD(1e-3), loss="mse")
    target = rng.standard_normal((arrays[0].shape[0], 1)).astype(np.float32)
    x = arrays if len(arrays) > 1 else arrays[0]

    def same_masks():  # dropout draws the same mask for the step and both measurements
        if isinstance(layer, layers.Dropout):
            layer._seeds = np.random.default_rng(7)

    def training_loss() -> float:
        same_masks()
        with ember.no_grad():
            pred = model(x, training=True).numpy()
        return float(((pred - target) ** 2).mean())

    before = training_loss()
    same_masks()
    model.train_on_batch(x, target)
    assert training_loss() < before
