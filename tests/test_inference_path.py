"""Sequential inference through per-layer numpy functions (Layer._inference_fn) gives the same
numbers as the Tensor path, and models with other layers fall back to it."""

from __future__ import annotations

import numpy as np
import pytest

import ember
from ember import layers


def cifar_cnn(final: str | None = None) -> ember.Sequential:
    return ember.Sequential(
        [
            layers.Conv2D(8, 3, activation="relu", input_shape=(12, 12, 3)),
            layers.MaxPooling2D(),
            layers.Conv2D(8, 3, padding="same", activation="tanh"),
            layers.AveragePooling2D(2, strides=1, padding="same"),
            layers.Dropout(0.5),
            layers.Flatten(),
            layers.Dense(16, activation="sigmoid"),
            layers.Dense(5, activation=final),
        ]
    )


def reference(model: ember.Sequential, x: np.ndarray) -> np.ndarray:
    with ember.no_grad():
        return model(ember.tensor(x), training=False).numpy()


@pytest.mark.parametrize("final", [None, "softmax", "relu"])
@pytest.mark.parametrize("batch", [1, 3, 7])
def test_fast_predict_matches_the_tensor_path(final, batch):
    ember.utils.set_random_seed(0)
    model = cifar_cnn(final)
    assert model._inference_chain() is not None
    x = np.random.default_rng(batch).standard_normal((batch, 12, 12, 3)).astype(np.float32)
    want = reference(model, x)
    np.testing.assert_array_equal(model.predict_on_batch(x), want)
    np.testing.assert_allclose(model.predict(x, verbose=0), want, rtol=1e-6, atol=1e-6)
    if final == "softmax":
        np.testing.assert_allclose(want.sum(axis=1), 1.0, rtol=1e-5)


def test_weights_set_after_the_first_predict_are_used():
    model = cifar_cnn()
    x = np.ones((1, 12, 12, 3), np.float32)
    before = model.predict_on_batch(x)
    model.set_weights([w * 0 for w in model.get_weights()])
    after = model.predict_on_batch(x)
    assert not np.array_equal(before, after)
    np.testing.assert_array_equal(after, 0.0)


def test_models_with_other_layers_fall_back():
    model = ember.Sequential(
        [layers.Dense(4, input_shape=(3,)), layers.BatchNormalization(), layers.Dense(2)]
    )
    assert model._inference_chain() is None
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    np.testing.assert_array_equal(model.predict_on_batch(x), reference(model, x))


def test_non_fused_activation_falls_back():
    model = ember.Sequential([layers.Dense(4, activation="elu", input_shape=(3,))])
    assert model._inference_chain() is None


def test_wrong_input_shape_still_raises_the_keras_error():
    model = cifar_cnn()
    with pytest.raises(ValueError, match="conv2d"):
        model.predict_on_batch(np.ones((1, 12, 12, 4), np.float32))
    dense = ember.Sequential([layers.Dense(2, input_shape=(3,))])
    with pytest.raises(ValueError, match="axis -1"):
        dense.predict_on_batch(np.ones((1, 4), np.float32))


def test_a_blocking_layer_is_asked_first_and_unblocks_when_it_gains_a_function():
    model = ember.Sequential(
        [
            layers.Conv1D(4, 3, activation="relu", input_shape=(10, 2)),
            layers.Dense(3, activation="elu"),  # not fused: no numpy function
            layers.Flatten(),
        ]
    )
    x = np.random.default_rng(5).standard_normal((1, 10, 2)).astype(np.float32)
    assert model._inference_chain() is None
    assert model._chain_blocker is model.layers[1]
    assert model._sublayers.count(model.layers[1]) == 1  # not tracked twice
    np.testing.assert_array_equal(model.predict_on_batch(x), reference(model, x))
    model.layers[1].activation = ember.activations.get("relu")
    assert model._inference_chain() is not None and model._chain_blocker is None
    np.testing.assert_array_equal(model.predict_on_batch(x), reference(model, x))
    model.pop()
    model.pop()
    model.add(layers.GlobalAveragePooling1D())
    assert model._inference_chain() is None
    assert model._chain_blocker is model.layers[1]
