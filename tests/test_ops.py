"""Every differentiable op against central finite differences."""

from __future__ import annotations

import numpy as np
import pytest
from gradcheck import check_gradients

import ember
from ember.ops import activations as act
from ember.ops import convolutional as conv
from ember.ops import core, merge, normalization, pooling
from ember.ops import losses as loss_ops

rng = np.random.default_rng(5)


def r(*shape):
    a = rng.standard_normal(shape).astype(np.float32)
    a[np.abs(a) < 0.05] += 0.1
    return a


ACTIVATIONS = [
    "relu",
    "relu6",
    "sigmoid",
    "tanh",
    "elu",
    "selu",
    "softplus",
    "softsign",
    "swish",
    "gelu",
    "gelu_tanh",
    "leaky_relu",
    "hard_sigmoid",
    "exponential",
]


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_gradients(name):
    x = r(4, 7) * 2
    x[np.abs(np.abs(x) - 3) < 0.1] += 0.3  # keep relu6/hard_sigmoid off their kinks
    check_gradients(
        lambda t: act.activation(t, name, 0.3 if name == "leaky_relu" else 1.0), [x], eps=1e-3
    )


@pytest.mark.parametrize(
    "fn",
    [
        act.softmax,
        act.log_softmax,
        lambda t: act.softmax(t, axis=1),
        lambda t: act.relu(t, 0.1, 1.5, 0.2),
    ],
)
def test_softmax_family_and_general_relu(fn):
    check_gradients(fn, [r(3, 4, 5)], eps=1e-3)


@pytest.mark.parametrize("activation", ["linear", "relu", "tanh", "sigmoid"])
def test_dense_with_fused_activation(activation):
    w = ember.Variable(r(5, 3), name="kernel")
    b = ember.Variable(r(3), name="bias")
    check_gradients(lambda x: core.dense(x, w, b, activation), [r(4, 5)], params=[w, b], eps=1e-3)


def test_conv_ops():
    w = ember.Variable(r(3, 3, 2, 4) * 0.3, name="kernel")
    b = ember.Variable(r(4), name="bias")
    check_gradients(
        lambda x: conv.conv2d(x, w, b, strides=2, padding="same", activation="tanh"),
        [r(2, 5, 6, 2)],
        params=[w, b],
    )
    wt = ember.Variable(r(3, 3, 4, 2) * 0.3, name="kernel_t")
    check_gradients(
        lambda x: conv.conv2d_transpose(x, wt, (2, 6, 8, 4), strides=2, padding="same"),
        [r(2, 3, 4, 2)],
        params=[wt],
    )


@pytest.mark.parametrize(
    "fn",
    [
        lambda t: pooling.max_pool2d(t, (2, 2), (2, 2), "valid"),
        lambda t: pooling.max_pool2d(t, (3, 3), (2, 2), "same"),
        lambda t: pooling.avg_pool2d(t, (3, 3), (1, 1), "same"),
        pooling.global_avg_pool2d,
        pooling.global_max_pool2d,
        lambda t: conv.upsampling2d(t, (2, 3)),
        lambda t: conv.upsampling2d(t, (2, 2), "bilinear"),
        lambda t: conv.zero_padding2d(t, ((1, 2), (0, 1))),
        lambda t: conv.cropping2d(t, ((1, 0), (1, 1))),
        lambda t: core.rescale(t, 0.5, 2.0),
    ],
)
def test_spatial_ops(fn):
    check_gradients(fn, [r(2, 4, 5, 3)], eps=1e-3)


def test_dropout_with_a_fixed_seed_is_differentiable_and_keras_scaled():
    x = r(6, 50)
    check_gradients(lambda t: core.dropout(t, 0.3, seed=11), [x])
    y = core.dropout(ember.tensor(np.ones((200, 100))), 0.3, seed=11).numpy()
    kept = y != 0
    np.testing.assert_allclose(y[kept], 1 / 0.7, rtol=1e-6)
    assert 0.65 < kept.mean() < 0.75


def test_batch_norm_ops():
    g = ember.Variable(r(3), name="gamma")
    b = ember.Variable(r(3), name="beta")
    check_gradients(
        lambda t: normalization.batch_norm_train(t, g, b, 1e-3)[0], [r(5, 2, 3)], params=[g, b]
    )
    mean, var = r(3), np.abs(r(3)) + 0.5
    check_gradients(
        lambda t: normalization.batch_norm_inference(t, g, b, mean, var, 1e-3),
        [r(5, 3)],
        params=[g, b],
    )


@pytest.mark.parametrize(
    "fn",
    [
        lambda a, b: merge.concatenate([a, b], axis=1),
        lambda a, b: merge.add([a, b, a]),
        lambda a, b: merge.multiply([a, b]),
        lambda a, b: merge.maximum([a, b]),
        lambda a, b: merge.minimum([a, b]),
    ],
)
def test_merge_ops(fn):
    check_gradients(fn, [r(2, 3, 4), r(2, 3, 4)], eps=1e-3)


def test_fused_losses():
    labels = np.array([0, 2, 1, 2])
    check_gradients(lambda t: loss_ops.softmax_cross_entropy(t, labels), [r(4, 3)])
    soft = np.abs(r(4, 3))
    soft /= soft.sum(axis=1, keepdims=True)
    check_gradients(lambda t: loss_ops.softmax_cross_entropy(t, soft), [r(4, 3)])
    check_gradients(
        lambda t: loss_ops.softmax_cross_entropy(t, np.array([[0, 1], [2, 0]])), [r(2, 2, 3)]
    )
    targets = (rng.random((4, 3)) > 0.5).astype(np.float32)
    check_gradients(lambda t: loss_ops.sigmoid_cross_entropy(t, targets), [r(4, 3) * 3])


@pytest.mark.parametrize(
    "name",
    [
        "categorical_crossentropy",
        "binary_crossentropy",
        "mean_squared_error",
        "mean_absolute_error",
        "huber",
    ],
)
def test_loss_functions_through_probabilities(name):
    fn = getattr(ember.losses, name)
    probs = rng.uniform(0.05, 0.95, (4, 3)).astype(np.float32)
    target = (rng.random((4, 3)) > 0.5).astype(np.float32)
    if name == "categorical_crossentropy":
        target = np.eye(3, dtype=np.float32)[[0, 1, 2, 1]]
    check_gradients(lambda t: fn(target, t), [probs], eps=1e-3)
