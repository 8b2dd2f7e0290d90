"""Conv2D(relu) followed by max pooling: the pool applies the ReLU gradient on its small
output instead of the conv on its whole output (ops.pooling.MaxPool2D). The gradients must be
exactly those of the unfused graph (conv, a separate ReLU op, pooling), whatever the graph
around them looks like."""

from __future__ import annotations

import numpy as np
import pytest

import ember
from ember.ops import activations, convolutional, pooling


def _params(rng: np.random.Generator):
    x = ember.Variable(rng.standard_normal((3, 9, 9, 4)), name="x")
    kernel = ember.Variable(rng.standard_normal((3, 3, 4, 5)), name="kernel")
    # Channel 0's bias is so negative that whole windows are zero after the ReLU: the pool's
    # maximum is 0 there and no gradient may pass.
    bias = ember.Variable(np.array([-50.0, 0.1, 0.0, -0.2, 0.3]), name="bias")
    weights = rng.standard_normal((3, 3, 3, 5)).astype(np.float32)
    return x, kernel, bias, weights


def _grads(fused: bool, extra_consumer: bool, seed: int = 0):
    x, kernel, bias, weights = _params(np.random.default_rng(seed))
    if fused:
        conv = convolutional.conv2d(x, kernel, bias, padding="same", activation="relu")
    else:
        conv = activations.relu(convolutional.conv2d(x, kernel, bias, padding="same"))
    pooled = pooling.max_pool2d(conv, (3, 3), (3, 3), "valid")
    loss = (pooled * weights).sum()
    if extra_consumer:
        # A linear consumer: its gradient is nonzero where the ReLU output is 0, so it must
        # still go through the conv's ReLU mask.
        loss = loss + (conv * np.linspace(-1, 1, conv.size).reshape(conv.shape)).sum()
    loss.backward()
    return x.grad, kernel.grad, bias.grad


@pytest.mark.parametrize("extra_consumer", [False, True], ids=["pool-only", "two-consumers"])
def test_fused_gradients_equal_the_unfused_graph(extra_consumer):
    fused = _grads(True, extra_consumer)
    plain = _grads(False, extra_consumer)
    for got, want in zip(fused, plain):
        np.testing.assert_array_equal(got, want)
    assert np.count_nonzero(fused[2][:1]) == 0  # the dead channel got no bias gradient
    assert np.count_nonzero(fused[1]) > 0


def test_fused_gradient_matches_float64_numpy():
    x, kernel, bias, weights = _params(np.random.default_rng(1))
    conv = convolutional.conv2d(x, kernel, bias, padding="valid", activation="relu")
    pooling.max_pool2d(conv, (2, 2), (2, 2), "valid").__mul__(weights[:, :3, :3]).sum().backward()
    # Reference: z = conv(x) in float64, relu, 2x2 max pool; d/dbias = sum over the window
    # maxima with z > 0 of the pooled weight.
    xd, kd = x.data.astype(np.float64), kernel.data.astype(np.float64)
    z = np.zeros((3, 7, 7, 5))
    for i in range(3):
        for j in range(3):
            z += np.einsum("nhwc,co->nhwo", xd[:, i : i + 7, j : j + 7], kd[i, j])
    z += bias.data
    want = np.zeros(5)
    for n in range(3):
        for oy in range(3):
            for ox in range(3):
                window = z[n, 2 * oy : 2 * oy + 2, 2 * ox : 2 * ox + 2]
                top = window.reshape(4, 5).max(axis=0)
                want += np.where(top > 0, weights[n, oy, ox], 0.0)
    np.testing.assert_allclose(bias.grad, want, rtol=1e-5, atol=1e-5)


def test_retained_graph_that_gains_a_consumer_is_not_masked_twice():
    x, kernel, bias, weights = _params(np.random.default_rng(2))
    conv = convolutional.conv2d(x, kernel, bias, padding="same", activation="relu")
    loss = (pooling.max_pool2d(conv, (3, 3), (3, 3), "valid") * weights).sum()
    loss.backward(retain_graph=True)  # the pool is the one consumer: fused
    first = kernel.grad.copy()
    kernel.grad = None
    ramp = np.linspace(-1, 1, conv.size).reshape(conv.shape)
    loss2 = loss + (conv * ramp).sum()  # now two consumers
    loss2.backward()
    x2, kernel2, bias2, weights2 = _params(np.random.default_rng(2))
    plain = activations.relu(convolutional.conv2d(x2, kernel2, bias2, padding="same"))
    loss_p = (pooling.max_pool2d(plain, (3, 3), (3, 3), "valid") * weights2).sum()
    (loss_p + (plain * ramp).sum()).backward()
    np.testing.assert_array_equal(kernel.grad, kernel2.grad)
    assert not np.array_equal(first, kernel.grad)
