"""Recurrent layers and their companions: shapes and states, go_backwards, stateful carrying,
Bidirectional merges, TimeDistributed, Embedding/Masking feeding masks, Conv1D and 1-D
pooling, gradients by finite differences, long sequences, bad input, gradient clipping on an
exploding RNN, and PyTorch cross-checks at the layer level."""

from __future__ import annotations

import numpy as np
import pytest
from gradcheck import check_gradients

import ember
from ember import layers


@pytest.fixture(autouse=True)
def fresh():
    ember.backend.clear_session()
    ember.utils.set_random_seed(0)


def seq(b=2, t=5, f=3, seed=0):
    return np.random.default_rng(seed).standard_normal((b, t, f)).astype(np.float32)


@pytest.mark.parametrize("cls,states", [(layers.SimpleRNN, 1), (layers.LSTM, 2), (layers.GRU, 1)])
def test_shapes_weights_and_return_state(cls, states):
    layer = cls(4, return_sequences=True, return_state=True)
    out = layer(seq())
    assert len(out) == 1 + states
    assert out[0].shape == (2, 5, 4) and all(s.shape == (2, 4) for s in out[1:])
    np.testing.assert_allclose(out[0].numpy()[:, -1], out[1].numpy(), rtol=1e-6)
    gates = {layers.SimpleRNN: 1, layers.LSTM: 4, layers.GRU: 3}[cls]
    shapes = [w.shape for w in layer.get_weights()]
    bias = (2, 3 * 4) if cls is layers.GRU else (gates * 4,)
    assert shapes == [(3, gates * 4), (4, gates * 4), bias]
    sym = cls(4, return_state=True)(ember.Input((7, 3)))
    assert [t.shape for t in sym] == [(None, 4)] * (1 + states)


def test_lstm_defaults_match_keras():
    layer = layers.LSTM(3)
    layer(seq(f=2))
    bias = layer.bias.numpy()
    np.testing.assert_array_equal(bias, [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])  # unit_forget_bias
    u = layer.recurrent_kernel.numpy()
    np.testing.assert_allclose(u @ u.T, np.eye(3), atol=1e-5)  # orthogonal rows
    config = layer.get_config()
    assert config["activation"] == "tanh" and config["recurrent_activation"] == "sigmoid"
    assert layers.GRU(2).reset_after is True


@pytest.mark.parametrize("cls", [layers.SimpleRNN, layers.LSTM, layers.GRU])
def test_gradients_match_finite_differences(cls):
    layer = cls(3, return_sequences=True)
    x = seq(2, 4, 2)
    layer(x)
    check_gradients(lambda t: layer(t), [x], params=layer.trainable_weights, eps=1e-3)


def test_gru_reset_before_gradients():
    layer = layers.GRU(3, reset_after=False)
    x = seq(2, 4, 2)
    layer(x)
    assert layer.bias.shape == (9,)
    check_gradients(lambda t: layer(t), [x], params=layer.trainable_weights, eps=1e-3)


def test_initial_state_gradients_flow_encoder_decoder():
    enc_in, dec_in = ember.Input((6, 3)), ember.Input((4, 2))
    _, h, c = layers.LSTM(5, return_state=True)(enc_in)
    dec = layers.LSTM(5, return_sequences=True)(dec_in, initial_state=[h, c])
    out = layers.TimeDistributed(layers.Dense(1))(dec)
    model = ember.Model([enc_in, dec_in], out)
    assert model.output_shape == (None, 4, 1)
    model.compile(optimizer="adam", loss="mse")
    xe, xd = seq(8, 6, 3), seq(8, 4, 2)
    y = np.random.default_rng(1).standard_normal((8, 4, 1)).astype(np.float32)
    encoder = next(la for la in model.layers if isinstance(la, layers.LSTM) and la.return_state)
    encoder_before = [w.copy() for w in encoder.get_weights()]
    before = model.evaluate([xe, xd], y, verbose=0)
    model.fit([xe, xd], y, epochs=20, verbose=0)
    assert model.evaluate([xe, xd], y, verbose=0) < before
    # The encoder only reaches the loss through the decoder's initial state, so its
    # weights move only if gradients flow back through initial_state.
    for w0, w1 in zip(encoder_before, encoder.get_weights()):
        assert not np.allclose(w0, w1)


def test_go_backwards_reverses_processing():
    x = seq()
    fwd = layers.LSTM(4, return_sequences=True)
    fwd(x)
    back = layers.LSTM(4, return_sequences=True, go_backwards=True)
    back(x)
    back.set_weights(fwd.get_weights())
    np.testing.assert_allclose(back(x).numpy(), fwd(x[:, ::-1]).numpy(), rtol=1e-5, atol=1e-6)


def test_stateful_carries_state_across_batches_exactly():
    x = seq(2, 6, 3)
    whole = layers.LSTM(4, return_sequences=True)
    whole(x)
    model = ember.Sequential(
        [layers.Input((3, 3), batch_size=2), layers.LSTM(4, return_sequences=True, stateful=True)]
    )
    model.layers[0].set_weights(whole.get_weights())
    first = model.predict(x[:, :3], verbose=0, batch_size=2)
    second = model.predict(x[:, 3:], verbose=0, batch_size=2)
    np.testing.assert_allclose(
        np.concatenate([first, second], axis=1), whole(x).numpy(), rtol=1e-5, atol=1e-6
    )
    model.layers[0].reset_states()
    np.testing.assert_allclose(model.predict(x[:, :3], verbose=0, batch_size=2), first, rtol=1e-6)


@pytest.mark.parametrize("mode", ["concat", "sum", "mul", "ave", None])
def test_bidirectional_merge_modes(mode):
    inner = layers.GRU(3, return_sequences=True)
    bi = layers.Bidirectional(inner, merge_mode=mode)
    x = seq()
    out = bi(x)
    fwd, back = bi.forward_layer, bi.backward_layer
    f = fwd(x).numpy()
    b = back(x).numpy()[:, ::-1]
    want = {
        "concat": np.concatenate([f, b], -1),
        "sum": f + b,
        "mul": f * b,
        "ave": (f + b) / 2,
    }.get(mode)
    if mode is None:
        np.testing.assert_allclose(out[0].numpy(), f, rtol=1e-6)
        np.testing.assert_allclose(out[1].numpy(), b, rtol=1e-6)
    else:
        np.testing.assert_allclose(out.numpy(), want, rtol=1e-5, atol=1e-6)
    assert len(bi.get_weights()) == 6
    shape = bi.compute_output_shape((None, 5, 3))
    assert shape == (
        [(None, 5, 3)] * 2 if mode is None else (None, 5, 6 if mode == "concat" else 3)
    )


def test_bidirectional_lstm_return_state_order():
    bi = layers.Bidirectional(layers.LSTM(3, return_state=True))
    out = bi(seq())
    assert len(out) == 5 and out[0].shape == (2, 6)
    np.testing.assert_allclose(out[0].numpy()[:, :3], out[1].numpy(), rtol=1e-6)


def test_embedding_mask_zero_feeds_the_rnn():
    ids = np.array([[3, 5, 2, 0, 0], [7, 1, 0, 0, 0]])
    emb = layers.Embedding(10, 4, mask_zero=True)
    lstm = layers.LSTM(3)
    y = lstm(emb(ids))
    # padded steps keep the state: the result equals running on the unpadded prefix
    y0 = lstm(emb(ids[:1, :3]))
    np.testing.assert_allclose(y.numpy()[0], y0.numpy()[0], rtol=1e-5, atol=1e-6)
    model = ember.Sequential(
        [
            layers.Embedding(10, 4, mask_zero=True),
            layers.GRU(3, return_sequences=True),
            layers.GlobalAveragePooling1D(),
            layers.Dense(1),
        ]
    )
    assert model(ids).shape == (2, 1)
    with pytest.raises(ValueError, match="out of range for input_dim=10"):
        emb(np.array([[10]]))


def test_masking_layer_skips_zero_steps():
    x = seq(2, 5, 2)
    x[0, 3:] = 0.0
    rnn = layers.SimpleRNN(3)
    masked = rnn(layers.Masking(0.0)(x))
    np.testing.assert_allclose(masked.numpy()[0], rnn(x[:1, :3]).numpy()[0], rtol=1e-5, atol=1e-6)


def test_time_distributed_and_repeat_vector_many_to_many():
    model = ember.Sequential(
        [
            layers.LSTM(8, input_shape=(6, 2)),
            layers.RepeatVector(4),
            layers.LSTM(8, return_sequences=True),
            layers.TimeDistributed(layers.Dense(1)),
        ]
    )
    assert model.output_shape == (None, 4, 1)
    td = model.layers[-1]
    x = seq(3, 6, 2)
    y = model.predict(x, verbose=0)
    hidden = ember.Sequential(model.layers[:-1]).predict(x, verbose=0)
    w, b = td.get_weights()
    np.testing.assert_allclose(y, hidden @ w + b, rtol=1e-5, atol=1e-6)


def test_conv1d_and_pooling1d_shapes():
    x = seq(2, 10, 3)
    assert layers.Conv1D(4, 3)(x).shape == (2, 8, 4)
    assert layers.Conv1D(4, 3, padding="same", strides=2)(x).shape == (2, 5, 4)
    assert layers.Conv1D(4, 3, padding="causal", dilation_rate=2)(x).shape == (2, 10, 4)
    assert layers.MaxPooling1D()(x).shape == (2, 5, 3)
    assert layers.AveragePooling1D(3, padding="same")(x).shape == (2, 4, 3)
    assert layers.GlobalMaxPooling1D()(x).shape == (2, 3)
    causal = layers.Conv1D(2, 3, padding="causal")
    y1 = causal(x).numpy()
    x2 = x.copy()
    x2[:, 7:] += 5.0  # the future must not change the past
    np.testing.assert_allclose(causal(x2).numpy()[:, :7], y1[:, :7], rtol=1e-6)
    check_gradients(lambda t: causal(t), [x], params=causal.trainable_weights)


@pytest.mark.parametrize("cls", [layers.SimpleRNN, layers.LSTM, layers.GRU])
def test_long_and_short_sequences_and_batch_one(cls):
    layer = cls(8, return_sequences=True)
    x = ember.tensor(seq(1, 500, 4), requires_grad=True)
    y = layer(x)
    (y * y).sum().backward()
    assert np.isfinite(y.numpy()).all() and np.isfinite(x.grad).all()
    assert all(np.isfinite(w.grad).all() for w in layer.trainable_weights)
    assert cls(3)(seq(4, 1, 2)).shape == (4, 3)


def test_bad_input_errors():
    layer = layers.LSTM(3)
    layer(seq(2, 4, 3))
    with pytest.raises(ValueError, match=r"expected axis -1 of input shape to have value 3"):
        layer(seq(2, 4, 5))
    with pytest.raises(ValueError, match=r"expected ndim=3"):
        layer(np.zeros((2, 3), np.float32))
    with pytest.raises(ValueError, match=r"0 time steps"):
        layers.GRU(2)(np.zeros((2, 0, 3), np.float32))
    with pytest.raises(NotImplementedError, match="softmax"):
        layers.LSTM(2, activation="softmax")
    with pytest.raises(ValueError, match="initial state"):
        layers.LSTM(3)(seq(), initial_state=[np.zeros((2, 3))])
    with pytest.raises(ValueError, match="Bidirectional"):
        layers.Bidirectional(layers.Dense(3))


def test_dropout_and_recurrent_dropout_train_only():
    layer = layers.LSTM(4, dropout=0.5, recurrent_dropout=0.5, seed=1)
    x = seq()
    infer = layer(x, training=False).numpy()
    np.testing.assert_array_equal(layer(x, training=False).numpy(), infer)
    assert not np.allclose(layer(x, training=True).numpy(), infer)


def test_clipnorm_bounds_the_update_of_an_exploding_rnn():
    ember.utils.set_random_seed(4)
    x = np.ones((4, 60, 1), np.float32) * 3
    y = np.full((4, 1), 1e3, np.float32)

    def step_size(clipnorm):
        layer = layers.SimpleRNN(
            8, activation="linear", recurrent_initializer=ember.initializers.Orthogonal(gain=1.3)
        )
        model = ember.Sequential([layers.Input((60, 1)), layer, layers.Dense(1)])
        opt = ember.optimizers.SGD(0.1, clipnorm=clipnorm)
        model.compile(optimizer=opt, loss="mse")
        before = [w.copy() for w in model.get_weights()]
        model.train_on_batch(x, y)
        return max(np.linalg.norm(a - b) for a, b in zip(model.get_weights(), before))

    assert step_size(None) > 1e3
    assert step_size(1.0) <= 0.1 * 1.0 + 1e-5


@pytest.mark.parametrize("cls", ["LSTM", "GRU", "RNN"])
def test_matches_pytorch_with_converted_weights(cls):
    torch = pytest.importorskip("torch")
    x = seq(3, 7, 4)
    units = 5
    if cls == "LSTM":
        layer = layers.LSTM(units, return_sequences=True)
        ref = torch.nn.LSTM(4, units, batch_first=True)
    elif cls == "GRU":
        layer = layers.GRU(units, return_sequences=True)
        ref = torch.nn.GRU(4, units, batch_first=True)
    else:
        layer = layers.SimpleRNN(units, return_sequences=True)
        ref = torch.nn.RNN(4, units, batch_first=True)
    layer(x)
    kernel, recurrent, bias = layer.get_weights()
    u = units

    def reorder(m):  # Keras GRU columns z, r, h -> PyTorch r, z, n
        return np.concatenate([m[..., u : 2 * u], m[..., :u], m[..., 2 * u :]], axis=-1)

    with torch.no_grad():
        if cls == "LSTM":  # Keras i, f, c, o == PyTorch i, f, g, o; PyTorch stores W^T
            ref.weight_ih_l0.copy_(torch.tensor(kernel.T))
            ref.weight_hh_l0.copy_(torch.tensor(recurrent.T))
            ref.bias_ih_l0.copy_(torch.tensor(bias))
            ref.bias_hh_l0.zero_()
        elif cls == "GRU":  # Keras z, r, h == PyTorch r, z, n reordered; reset_after == n
            ref.weight_ih_l0.copy_(torch.tensor(reorder(kernel).T))
            ref.weight_hh_l0.copy_(torch.tensor(reorder(recurrent).T))
            ref.bias_ih_l0.copy_(torch.tensor(reorder(bias[0])))
            ref.bias_hh_l0.copy_(torch.tensor(reorder(bias[1])))
        else:
            ref.weight_ih_l0.copy_(torch.tensor(kernel.T))
            ref.weight_hh_l0.copy_(torch.tensor(recurrent.T))
            ref.bias_ih_l0.copy_(torch.tensor(bias))
            ref.bias_hh_l0.zero_()
    xt = torch.tensor(x, requires_grad=True)
    yt = ref(xt)[0]
    xe = ember.tensor(x, requires_grad=True)
    ye = layer(xe)
    np.testing.assert_allclose(ye.numpy(), yt.detach().numpy(), atol=1e-5, rtol=1e-4)
    proj = np.random.default_rng(2).standard_normal(ye.shape).astype(np.float32)
    (ye * proj).sum().backward()
    (yt * torch.tensor(proj)).sum().backward()
    np.testing.assert_allclose(xe.grad, xt.grad.numpy(), atol=1e-4, rtol=1e-3)
    arrange = reorder if cls == "GRU" else (lambda m: m)
    np.testing.assert_allclose(
        arrange(layer.kernel.grad).T, ref.weight_ih_l0.grad.numpy(), atol=1e-4, rtol=1e-3
    )
    np.testing.assert_allclose(
        arrange(layer.recurrent_kernel.grad).T, ref.weight_hh_l0.grad.numpy(), atol=1e-4, rtol=1e-3
    )


def test_recurrent_models_save_and_load(tmp_path):
    model = ember.Sequential(
        [
            layers.Embedding(20, 4, mask_zero=True, input_shape=(6,)),
            layers.Bidirectional(layers.LSTM(5, return_sequences=True)),
            layers.GRU(3),
            layers.Dense(2, activation="softmax"),
        ]
    )
    ids = np.random.default_rng(0).integers(0, 20, (4, 6))
    before = model.predict(ids, verbose=0)
    model.save(tmp_path / "rnn.keras")
    loaded = ember.models.load_model(tmp_path / "rnn.keras")
    np.testing.assert_allclose(loaded.predict(ids, verbose=0), before, rtol=1e-6)
