"""Conv1DTranspose and the adaptive pooling layers: outputs against independent references
(PyTorch's conv_transpose1d, numpy float64 windows), gradients by finite differences,
configs and .keras round trips, and the errors Keras gives. Keras' own numbers for the same
weights are in tests/fixtures/keras (layer_conv1dt_*, layer_adaptive_*), checked by
test_keras_fixtures.py."""

from __future__ import annotations

import numpy as np
import pytest
from gradcheck import check_gradients

import ember
from ember import layers

torch = pytest.importorskip("torch")


@pytest.fixture(autouse=True)
def fresh_session():
    ember.backend.clear_session()


def _torch_conv1d_transpose(x, kernel, bias, stride, out_len, trim_left):
    """Keras' kernel (k, filters, in) as torch's (in, filters, k); the full transposed output
    cropped to ``out_len`` starting at ``trim_left`` (Keras' padding)."""
    w = torch.tensor(np.transpose(kernel, (2, 1, 0)), dtype=torch.float64)
    xt = torch.tensor(np.transpose(x, (0, 2, 1)), dtype=torch.float64)
    full = torch.nn.functional.conv_transpose1d(xt, w, stride=stride).numpy()
    y = full[:, :, trim_left : trim_left + out_len] + bias[None, :, None]
    return np.transpose(y, (0, 2, 1))


@pytest.mark.parametrize(
    "kernel_size, strides, padding, steps",
    [(3, 1, "valid", 7), (3, 2, "valid", 6), (4, 2, "same", 5), (3, 3, "same", 4)],
)
def test_conv1d_transpose_matches_pytorch(kernel_size, strides, padding, steps):
    rng = np.random.default_rng(kernel_size * 10 + strides)
    x = rng.standard_normal((2, steps, 3)).astype(np.float32)
    layer = layers.Conv1DTranspose(5, kernel_size, strides=strides, padding=padding)
    layer.build(x.shape)
    kernel = rng.standard_normal(layer.kernel.shape).astype(np.float32)
    bias = rng.standard_normal(5).astype(np.float32)
    layer.set_weights([kernel, bias])
    y = layer(x).numpy()
    assert layer.kernel.shape == (kernel_size, 5, 3)
    if padding == "valid":
        out_len, trim = steps * strides + max(kernel_size - strides, 0), 0
    else:  # "same": length * strides, the excess split with the larger half on the right
        out_len = steps * strides
        total = max(kernel_size - strides, 0)
        trim = total // 2
    want = _torch_conv1d_transpose(x, kernel, bias, strides, out_len, trim)
    assert y.shape == want.shape == layer.compute_output_shape(x.shape)
    np.testing.assert_allclose(y, want, rtol=1e-5, atol=1e-5)


def test_conv1d_transpose_gradients():
    layer = layers.Conv1DTranspose(2, 3, strides=2, padding="same", activation="tanh")
    x = np.random.default_rng(1).standard_normal((2, 4, 3)).astype(np.float32)
    layer(x)
    check_gradients(lambda t: layer(t), [x], params=[layer.kernel, layer.bias])


def test_conv1d_transpose_config_and_alias():
    layer = layers.Convolution1DTranspose(4, 3, strides=2, output_padding=1, use_bias=False)
    assert type(layer) is layers.Conv1DTranspose
    config = layer.get_config()
    assert config["output_padding"] == [1] and config["strides"] == [2]
    clone = layers.Conv1DTranspose.from_config(config)
    assert clone(np.ones((1, 5, 2))).shape == layer(np.ones((1, 5, 2))).shape == (1, 12, 4)
    with pytest.raises(ValueError, match="output_padding"):
        layers.Conv1DTranspose(4, 3, strides=2, output_padding=2)
    with pytest.raises(ValueError, match="conv1d_transpose.*ndim=3|expected ndim=3"):
        layers.Conv1DTranspose(4, 3, name="conv1d_transpose")(np.ones((1, 5, 5, 2)))


def _adaptive_reference(x, output_size, largest):
    """numpy float64: each output cell pools floor(i*n/out) .. ceil((i+1)*n/out)-1."""
    out = np.asarray(x, np.float64)
    for axis, size in enumerate(output_size, start=1):
        n = out.shape[axis]
        cells = []
        for i in range(size):
            lo, hi = (i * n) // size, -((-(i + 1) * n) // size)
            window = np.take(out, np.arange(lo, hi), axis=axis)
            cells.append(window.max(axis=axis) if largest else window.mean(axis=axis))
        out = np.stack(cells, axis=axis)
    return out


@pytest.mark.parametrize(
    "cls, output_size, shape",
    [
        (layers.AdaptiveAveragePooling1D, 3, (2, 7, 3)),
        (layers.AdaptiveMaxPooling1D, 4, (2, 9, 2)),
        (layers.AdaptiveAveragePooling2D, (3, 2), (2, 7, 5, 3)),
        (layers.AdaptiveMaxPooling2D, (2, 4), (1, 5, 9, 2)),
        (layers.AdaptiveAveragePooling2D, 6, (1, 4, 4, 1)),  # upsampling: windows overlap
    ],
)
def test_adaptive_pooling_matches_numpy(cls, output_size, shape):
    x = np.random.default_rng(len(shape)).standard_normal(shape).astype(np.float32)
    layer = cls(output_size)
    y = layer(x).numpy()
    sizes = (output_size,) * (len(shape) - 2) if isinstance(output_size, int) else output_size
    want = _adaptive_reference(x, sizes, largest="Max" in cls.__name__)
    assert y.shape == want.shape == layer.compute_output_shape(shape)
    np.testing.assert_allclose(y, want, rtol=1e-6, atol=1e-6)
    check_gradients(lambda t: layer(t), [x])


def test_adaptive_pooling_channels_first():
    x = np.random.default_rng(3).standard_normal((2, 3, 7, 5)).astype(np.float32)
    y = layers.AdaptiveMaxPooling2D((3, 2), data_format="channels_first")(x).numpy()
    want = _adaptive_reference(np.transpose(x, (0, 2, 3, 1)), (3, 2), largest=True)
    np.testing.assert_allclose(y, np.transpose(want, (0, 3, 1, 2)), rtol=1e-6)


def test_adaptive_pooling_in_a_saved_model(tmp_path):
    inputs = ember.Input((None, None, 3))
    x = layers.Conv2D(4, 3, padding="same")(inputs)
    x = layers.AdaptiveAveragePooling2D((2, 2))(x)
    outputs = layers.Flatten()(x)
    model = ember.Model(inputs, outputs)
    assert model.output_shape == (None, 16)
    data = np.random.default_rng(0).standard_normal((2, 9, 7, 3)).astype(np.float32)
    path = tmp_path / "adaptive.keras"
    model.save(path)
    again = ember.models.load_model(path)
    np.testing.assert_array_equal(again.predict(data, verbose=0), model.predict(data, verbose=0))
    pool = again.layers[2]
    assert pool.get_config()["output_size"] == (2, 2)
    assert pool.get_config()["data_format"] == "channels_last"


def test_adaptive_pooling_errors():
    with pytest.raises(ValueError, match="output_size"):
        layers.AdaptiveAveragePooling2D((2, 0))
    with pytest.raises(ValueError, match="output_size"):
        layers.AdaptiveMaxPooling1D((2, 3))
    with pytest.raises(ValueError, match="data_format"):
        layers.AdaptiveMaxPooling1D(2, data_format="NCW")
    with pytest.raises(ValueError, match="expected ndim=3"):
        layers.AdaptiveMaxPooling1D(2)(np.ones((1, 4, 4, 2)))
