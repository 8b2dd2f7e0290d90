"""EinsumDense and MultiHeadAttention: Keras' numbers and weight names/order (fixtures from
real Keras with the same weights), numpy float64 references, finite-difference gradients,
masks, dropout only while training, a transformer block that trains, saves and reloads, and
bad arguments."""

from __future__ import annotations

import numpy as np
import pytest
from gradcheck import check_gradients
from keras_layer_fixtures import (
    assert_config_matches_keras,
    check,
    load,
    names,
    run,
    save_and_reload,
    weight_suffixes,
)

import ember
from ember import layers

CASES = names("einsum_dense") + names("mha_")


@pytest.mark.parametrize("name", CASES)
def test_matches_keras(name):
    layer = check(name)
    meta = load(name)[0]
    assert_config_matches_keras(layer, meta)
    # Same weight names in the same order as Keras (set_weights takes Keras' list as is).
    paths, suffixes = [w.path for w in layer.weights], weight_suffixes(meta)
    assert len(paths) == len(suffixes)
    assert all(p.endswith(s) for p, s in zip(paths, suffixes)), (paths, suffixes)


def test_fixture_set_is_complete():
    assert len(names("einsum_dense")) == 8 and len(names("mha_")) == 14


# ---------------------------------------------------------------------- EinsumDense
@pytest.mark.parametrize(
    "equation,output_shape,bias_axes,x_shape",
    [
        ("ab,bc->ac", 4, "c", (3, 5)),
        ("abc,cde->abde", (None, 2, 3), "de", (2, 4, 5)),
        ("abc,cde->abde", (None, 2, 3), "d", (2, 4, 5)),
        ("...b,bc->...c", 3, "c", (2, 3, 4, 5)),
        ("ab...,bc->ac...", 2, "c", (2, 4, 3)),
        ("abc,bd->adc", (2, 5), None, (2, 4, 5)),
    ],
)
def test_einsum_dense_numpy(equation, output_shape, bias_axes, x_shape, rng):
    x = rng.standard_normal(x_shape).astype(np.float32)
    layer = layers.EinsumDense(equation, output_shape=output_shape, bias_axes=bias_axes)
    layer.build(x_shape)
    weights = [rng.standard_normal(w.shape).astype(np.float32) for w in layer.weights]
    layer.set_weights(weights)
    expected = np.einsum(equation, x.astype(np.float64), weights[0].astype(np.float64))
    if bias_axes:
        expected = expected + weights[1]
    y = layer(x).numpy()
    np.testing.assert_allclose(y, expected, atol=1e-5, rtol=1e-4)
    assert layer.compute_output_shape((None, *x_shape[1:])) == (None, *y.shape[1:])


def test_einsum_dense_gradients(rng):
    x = rng.standard_normal((2, 3, 4)).astype(np.float32)
    layer = layers.EinsumDense("abc,cde->abde", (None, 2, 3), bias_axes="de", activation="tanh")
    layer(x)
    check_gradients(lambda t: layer(t), [x], params=layer.trainable_weights)


def test_einsum_dense_kernel_fans_follow_the_equation():
    # Kernel (64, 4, 16): 64 inputs, 4 * 16 outputs; glorot variance 2 / (64 + 64).
    ember.utils.set_random_seed(0)
    layer = layers.EinsumDense("abc,cde->abde", (None, 4, 16))
    layer.build((None, 5, 64))
    std = layer.kernel.numpy().std()
    assert abs(std - np.sqrt(2 / 128)) < 0.03 * np.sqrt(2 / 128)


def test_einsum_dense_config_and_save(tmp_path, rng):
    layer = layers.EinsumDense(
        "abc,cd->abd", output_shape=(None, 3), bias_axes="d", kernel_regularizer="l2"
    )
    config = layer.get_config()
    assert config["output_shape"] == [None, 3] and config["bias_axes"] == "d"
    assert layers.EinsumDense.from_config(config).get_config() == config
    inputs = ember.Input((4, 5))
    model = ember.Model(inputs, layer(inputs))
    loaded = save_and_reload(model, tmp_path)
    x = rng.standard_normal((2, 4, 5)).astype(np.float32)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_einsum_dense_bad_arguments():
    with pytest.raises(ValueError, match="invalid einsum equation"):
        layers.EinsumDense("ab->b", 3).build((None, 4))
    with pytest.raises(ValueError, match="Bias dimension 'z'|bias dimension 'z'"):
        layers.EinsumDense("ab,bc->ac", 3, bias_axes="z").build((None, 4))
    with pytest.raises(ValueError, match="do not match at shared dimension 'b'"):
        layers.EinsumDense("abc,cd->abd", (7, 3)).build((None, 4, 5))
    with pytest.raises(ValueError, match="Weight dimension 'q'|weight dimension 'q'"):
        layers.EinsumDense("ab,bq->ab", 4).build((None, 4))
    with pytest.raises(ValueError, match="EinsumDense.*output_shape"):
        layers.EinsumDense("ab,bc->ac", "three")
    with pytest.raises(TypeError, match="EinsumDense.*bias_axes"):
        layers.EinsumDense("ab,bc->ac", 3, bias_axes=["c"])
    with pytest.raises(NotImplementedError, match="lora_rank"):
        layers.EinsumDense("ab,bc->ac", 3, lora_rank=2)


# ---------------------------------------------------------------------- MHA: float64
def mha64(layer, q, v, k, mask=None):
    """Keras' MultiHeadAttention for (B, T, D) inputs in float64 from the layer's weights."""
    wq, bq, wk, bk, wv, bv, wo, bo = (w.astype(np.float64) for w in layer.get_weights())
    qh = np.einsum("btd,dnh->btnh", q, wq) + bq
    kh = np.einsum("bsd,dnh->bsnh", k, wk) + bk
    vh = np.einsum("bsd,dnh->bsnh", v, wv) + bv
    scores = np.einsum("bsnh,btnh->bnts", kh, qh / np.sqrt(wq.shape[-1]))
    if mask is not None:
        scores = np.where(mask[:, None], scores, -1e9)
    scores = np.exp(scores - scores.max(-1, keepdims=True))
    scores /= scores.sum(-1, keepdims=True)
    out = np.einsum("bnts,bsnh->btnh", scores, vh)
    return np.einsum("btnh,nho->bto", out, wo) + bo, scores


def random_weights(layer, rng):
    layer.set_weights(
        [0.5 * rng.standard_normal(w.shape).astype(np.float32) for w in layer.weights]
    )


def test_mha_float64_with_masks(rng):
    q = rng.standard_normal((2, 4, 6)).astype(np.float32)
    v = rng.standard_normal((2, 5, 6)).astype(np.float32)
    k = rng.standard_normal((2, 5, 3)).astype(np.float32)
    layer = layers.MultiHeadAttention(num_heads=3, key_dim=2, value_dim=4)
    layer.build(q.shape, v.shape, k.shape)
    random_weights(layer, rng)
    v_mask = rng.random((2, 5)) > 0.3
    v_mask[:, 0] = True
    att = rng.random((2, 4, 5)) > 0.2
    att[:, :, 0] = True
    out, scores = layer(
        q, v, k, value_mask=v_mask, attention_mask=att, return_attention_scores=True
    )
    mask = v_mask[:, None, :] & att
    ref_out, ref_scores = mha64(layer, q.astype(np.float64), v, k, mask)
    np.testing.assert_allclose(scores.numpy(), ref_scores, atol=1e-6, rtol=1e-5)
    np.testing.assert_allclose(out.numpy(), ref_out, atol=1e-5, rtol=1e-4)
    assert (scores.numpy()[~np.broadcast_to(mask[:, None], scores.shape)] == 0).all()


def test_mha_causal_and_masks_from_embeddings(rng):
    embed = layers.Embedding(10, 6, mask_zero=True)
    ids = np.array([[1, 2, 3, 0], [4, 5, 0, 0]])
    x = embed(ids)
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=3)
    out, scores = layer(x, x, use_causal_mask=True, return_attention_scores=True)
    s = scores.numpy()
    mask = ids != 0
    allowed = mask[:, :, None] & mask[:, None, :] & np.tril(np.ones((4, 4), bool))[None]
    assert (s[~np.broadcast_to(allowed[:, None], s.shape)] < 1e-6).sum() > 0
    # Masked-out keys get no weight; fully masked query rows are uniform (Keras' -1e9).
    for b in range(2):
        for t in range(4):
            if allowed[b, t].any():
                assert np.all(s[b, :, t][:, ~allowed[b, t]] == 0)
            else:
                np.testing.assert_allclose(s[b, :, t], 0.25, rtol=1e-6)
    np.testing.assert_array_equal(out._keras_mask, mask)  # the query's mask goes on
    ref, _ = mha64(layer, x.numpy().astype(np.float64), x.numpy(), x.numpy(), allowed)
    np.testing.assert_allclose(out.numpy(), ref, atol=1e-5, rtol=1e-4)


def test_explicit_query_mask_is_applied(rng):
    q = rng.standard_normal((1, 3, 4)).astype(np.float32)
    layer = layers.MultiHeadAttention(num_heads=1, key_dim=2)
    _, plain = layer(q, q, return_attention_scores=True)
    out, masked = layer(
        q, q, query_mask=np.array([[True, False, True]]), return_attention_scores=True
    )
    np.testing.assert_allclose(masked.numpy()[0, 0, 1], 1 / 3, rtol=1e-6)
    np.testing.assert_allclose(masked.numpy()[0, 0, [0, 2]], plain.numpy()[0, 0, [0, 2]])
    np.testing.assert_array_equal(out._keras_mask, [[True, False, True]])


# ---------------------------------------------------------------------- gradients, dropout
@pytest.mark.parametrize(
    "kwargs,call",
    [
        ({"num_heads": 2, "key_dim": 2}, {}),
        ({"num_heads": 2, "key_dim": 2, "value_dim": 3, "output_shape": 3}, {"causal": True}),
        ({"num_heads": 1, "key_dim": 3, "use_gate": True, "use_bias": False}, {}),
    ],
)
def test_mha_gradients(kwargs, call, rng):
    q = rng.standard_normal((2, 3, 4)).astype(np.float32)
    v = rng.standard_normal((2, 4, 4)).astype(np.float32)
    k = rng.standard_normal((2, 4, 2)).astype(np.float32)
    layer = layers.MultiHeadAttention(**kwargs)
    layer.build(q.shape, v.shape, k.shape)
    random_weights(layer, rng)
    mask = np.array([[1, 1, 0, 1], [1, 1, 1, 1]], bool)
    if call.get("causal"):
        fn = lambda a, b, c: layer(a, b, c, use_causal_mask=True, value_mask=mask)  # noqa: E731
    else:
        fn = lambda a, b, c: layer(a, b, c)  # noqa: E731
    check_gradients(fn, [q, v, k], params=layer.trainable_weights)


def test_mha_dropout_only_while_training(rng):
    q = rng.standard_normal((2, 6, 8)).astype(np.float32)
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=4, dropout=0.5, seed=1)
    plain, scores = layer(q, q, return_attention_scores=True)
    again = layer(q, q, training=False)
    np.testing.assert_array_equal(plain.numpy(), again.numpy())
    dropped, train_scores = layer(q, q, training=True, return_attention_scores=True)
    assert not np.allclose(dropped.numpy(), plain.numpy())
    # The returned scores are those before dropout, as Keras.
    np.testing.assert_allclose(train_scores.numpy(), scores.numpy(), rtol=1e-6)
    same = layers.MultiHeadAttention(num_heads=2, key_dim=4, dropout=0.5, seed=1)
    same.build(q.shape, q.shape)
    same.set_weights(layer.get_weights())
    first = same(q, q, training=True).numpy()
    np.testing.assert_array_equal(first, dropped.numpy())  # same seed, same first mask


# ---------------------------------------------------------------------- models, saving
def transformer_block(seq: int, dim: int) -> ember.Model:
    inputs = ember.Input((seq, dim))
    attended = layers.MultiHeadAttention(num_heads=2, key_dim=4, name="mha")(inputs, inputs)
    h = layers.LayerNormalization()(layers.Add()([inputs, attended]))
    return ember.Model(inputs, layers.Dense(1)(layers.GlobalAveragePooling1D()(h)))


def test_transformer_block_trains_saves_and_loads(tmp_path, rng):
    ember.utils.set_random_seed(0)
    model = transformer_block(5, 8)
    assert model.get_layer("mha").output_shape == (None, 5, 8)
    assert len(model.get_layer("mha").weights) == 8
    x = rng.standard_normal((32, 5, 8)).astype(np.float32)
    y = x[:, :, :2].mean(axis=(1, 2))[:, None]
    model.compile(optimizer=ember.optimizers.Adam(1e-2), loss="mse")
    first = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=5, batch_size=8, verbose=0)
    assert model.evaluate(x, y, verbose=0) < first
    loaded = save_and_reload(model, tmp_path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5)


def test_symbolic_call_with_scores_and_key():
    q, v, k = ember.Input((4, 6)), ember.Input((5, 6)), ember.Input((5, 3))
    out, scores = layers.MultiHeadAttention(3, 2, output_shape=(2, 2))(
        q, v, k, return_attention_scores=True
    )
    assert out.shape == (None, 4, 2, 2) and scores.shape == (None, 3, 4, 5)


def test_mha_config_round_trip():
    layer = layers.MultiHeadAttention(
        num_heads=4,
        key_dim=8,
        value_dim=2,
        dropout=0.1,
        use_bias=False,
        output_shape=16,
        attention_axes=1,
        kernel_regularizer="l2",
        seed=3,
    )
    config = layer.get_config()
    assert config["output_shape"] == [16] and config["attention_axes"] == [1]
    clone = layers.MultiHeadAttention.from_config(config)
    assert clone.get_config() == config
    assert (clone.num_heads, clone.key_dim, clone.value_dim) == (4, 8, 2)
    x = np.ones((1, 3, 5), np.float32)
    clone(x, x)
    assert clone.losses  # the kernel regularizer reaches the projections


# ---------------------------------------------------------------------- bad arguments
@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"num_heads": 0, "key_dim": 2}, "num_heads"),
        ({"num_heads": 2, "key_dim": "a"}, "key_dim"),
        ({"num_heads": 2, "key_dim": 2, "value_dim": -1}, "value_dim"),
        ({"num_heads": 2, "key_dim": 2, "attention_axes": "x"}, "attention_axes"),
        ({"num_heads": 2, "key_dim": 2, "output_shape": "abc"}, "output_shape"),
        ({"num_heads": 2, "key_dim": 2, "dropout": 2.0}, "dropout"),
        ({"num_heads": 2, "key_dim": 2, "sliding_window": 0}, "sliding_window"),
    ],
)
def test_mha_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=f"MultiHeadAttention.*{match}"):
        layers.MultiHeadAttention(**kwargs)


def test_mha_bad_inputs():
    layer = layers.MultiHeadAttention(2, 2)
    q = np.ones((1, 3, 4), np.float32)
    with pytest.raises(ValueError, match="except the last one"):
        layer(q, np.ones((1, 5, 4), np.float32), np.ones((1, 6, 4), np.float32))
    with pytest.raises(ValueError, match="same rank"):
        layers.MultiHeadAttention(2, 2)(q, np.ones((1, 2, 3, 4), np.float32))
    with pytest.raises(ValueError, match="does not broadcast"):
        layers.MultiHeadAttention(2, 2)(q, q, attention_mask=np.ones((1, 2, 2), bool))
    with pytest.raises(ValueError, match="attention_axes"):
        layers.MultiHeadAttention(2, 2, attention_axes=2)(q, q)


def test_run_helper_reports_weights():
    layer, outs, arrays, meta = run("mha_self")
    assert len(outs) == 2 and outs[1].shape == (2, 2, 4, 4)
    assert [w.name for w in layer.weights] == ["kernel", "bias"] * 4
