"""layers.Wrapper, Keras' base of layers that wrap another: a user's subclass builds, trains,
saves and reloads with its wrapped layer; TimeDistributed is one."""

from __future__ import annotations

import numpy as np
import pytest

import ember
from ember import layers


@ember.saving.register_keras_serializable(package="test_wrapper_base")
class ScaledResidual(layers.Wrapper):
    """x + scale * layer(x): a wrapper with its own argument."""

    def __init__(self, layer, scale=0.5, **kwargs):
        super().__init__(layer, **kwargs)
        self.scale = scale

    def call(self, inputs):
        return inputs + self.layer(inputs) * self.scale

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


def test_a_user_wrapper_computes_trains_and_reloads(tmp_path):
    ember.utils.set_random_seed(0)
    inputs = ember.Input((4,))
    outputs = ScaledResidual(layers.Dense(4, activation="tanh"), scale=0.25)(inputs)
    model = ember.Model(inputs, outputs)
    wrapper = model.layers[1]
    x = np.random.default_rng(0).standard_normal((8, 4)).astype(np.float32)
    kernel, bias = wrapper.layer.get_weights()
    want = x + 0.25 * np.tanh(x.astype(np.float64) @ kernel + bias)
    np.testing.assert_allclose(model.predict(x, verbose=0), want, rtol=1e-5, atol=1e-6)
    assert [w.name for w in wrapper.trainable_weights] == ["kernel", "bias"]
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, np.zeros_like(x), epochs=1, verbose=0)
    assert not np.allclose(wrapper.layer.get_weights()[0], kernel)  # trained through the wrapper
    path = tmp_path / "wrapper.keras"
    model.save(path)
    again = ember.models.load_model(path)
    assert isinstance(again.layers[1], ScaledResidual) and again.layers[1].scale == 0.25
    np.testing.assert_array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))


def test_time_distributed_is_a_wrapper_and_a_wrapper_needs_a_layer():
    assert issubclass(layers.TimeDistributed, layers.Wrapper)
    with pytest.raises(ValueError, match="ScaledResidual.*Layer"):
        ScaledResidual("dense")
    with pytest.raises(ValueError, match="TimeDistributed.*Layer"):
        layers.TimeDistributed(3)
