"""layers.ActivityRegularization: identity output, Keras' penalty in losses (real Keras 3.15.1
gives 6.25 for the case below), its gradient, config round trip, training."""

from __future__ import annotations

import numpy as np

import ember
from ember import layers


def test_output_is_the_input_and_the_penalty_is_keras():
    layer = layers.ActivityRegularization(l1=0.1, l2=0.2)
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_array_equal(layer(x).numpy(), x)
    (penalty,) = layer.losses
    assert float(penalty) == np.float32(6.25)  # Keras: sum(0.1|x| + 0.2 x^2) / batch


def test_penalty_gradient_reaches_the_input():
    layer = layers.ActivityRegularization(l1=0.1, l2=0.2)
    x = ember.tensor(np.array([[-1.5, 0.5, 2.0], [1.0, -3.0, 0.25]]), requires_grad=True)
    layer(x)
    layer.losses[0].backward()
    want = (0.1 * np.sign(x.numpy()) + 0.4 * x.numpy()) / 2
    np.testing.assert_allclose(x.grad, want, rtol=1e-6)


def test_config_round_trip_and_training_includes_the_penalty():
    layer = layers.ActivityRegularization(l1=0.01, l2=0.02, name="act")
    clone = layers.ActivityRegularization.from_config(layer.get_config())
    assert (clone.l1, clone.l2, clone.name) == (0.01, 0.02, "act")
    model = ember.Sequential([ember.Input((3,)), layers.Dense(2, kernel_initializer="ones"), clone])
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.ones((4, 3), np.float32), np.zeros((4, 2), np.float32)
    out = 3.0  # every output is 3 with ones weights and zero bias
    want = out**2 + (0.01 * out + 0.02 * out**2) * 2  # mse + penalty (2 outputs per sample)
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0), want, rtol=1e-5)
