"""Attention and AdditiveAttention: Keras' numbers (fixtures from real Keras with the same
weights, masks, causal masks and returned scores), float64 references, finite-difference
gradients, dropout only while training, configs, saving and bad arguments."""

from __future__ import annotations

import math

import numpy as np
import pytest
from gradcheck import check_gradients
from keras_layer_fixtures import assert_config_matches_keras, check, load, names, save_and_reload

import ember
from ember import layers

CASES = names("attention") + names("additive_attention")


@pytest.mark.parametrize("name", CASES)
def test_matches_keras(name):
    layer = check(name)
    assert_config_matches_keras(layer, load(name)[0])


def test_fixture_set_is_complete():
    assert len(CASES) == 15


# ---------------------------------------------------------------------- float64 references
def softmax64(s):
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def attention64(q, v, k, scores_fn, q_mask=None, v_mask=None, causal=False):
    q, v, k = (a.astype(np.float64) for a in (q, v, k))
    s = scores_fn(q, k)
    allowed = np.ones(s.shape, bool)
    if v_mask is not None:
        allowed &= v_mask[:, None, :]
    if causal:
        allowed &= np.tril(np.ones(s.shape[-2:], bool))[None]
    w = softmax64(np.where(allowed, s, -np.inf))
    out = w @ v
    if q_mask is not None:
        out = out * q_mask[..., None]
    return out, w


def test_dot_attention_float64(rng):
    q = rng.standard_normal((2, 4, 3)).astype(np.float32)
    v = rng.standard_normal((2, 6, 5)).astype(np.float32)
    k = rng.standard_normal((2, 6, 3)).astype(np.float32)
    q_mask = rng.random((2, 4)) > 0.3
    v_mask = rng.random((2, 6)) > 0.3
    v_mask[:, 0] = True  # every query row keeps at least one value step
    layer = layers.Attention(use_scale=True)
    layer([q, v, k])
    layer.set_weights([np.array(0.7, np.float32)])
    out, w = layer([q, v, k], mask=[q_mask, v_mask], return_attention_scores=True)
    ref_out, ref_w = attention64(
        q, v, k, lambda a, b: 0.7 * a @ b.transpose(0, 2, 1), q_mask, v_mask, causal=False
    )
    np.testing.assert_allclose(w.numpy(), ref_w, atol=1e-6, rtol=1e-5)
    np.testing.assert_allclose(out.numpy(), ref_out, atol=1e-5, rtol=1e-4)
    np.testing.assert_array_equal(out._keras_mask, q_mask)


def test_concat_and_additive_attention_float64_causal(rng):
    q = rng.standard_normal((2, 4, 3)).astype(np.float32)
    v = rng.standard_normal((2, 4, 3)).astype(np.float32)
    concat = layers.Attention(score_mode="concat", use_scale=True)
    concat([q, v])
    concat.set_weights([np.array(0.5, np.float32), np.array(1.5, np.float32)])
    out = concat([q, v], use_causal_mask=True).numpy()
    ref, _ = attention64(
        q,
        v,
        v,
        lambda a, b: 1.5 * np.tanh(0.5 * (a[:, :, None] + b[:, None])).sum(-1),
        causal=True,
    )
    np.testing.assert_allclose(out, ref, atol=1e-5, rtol=1e-4)
    additive = layers.AdditiveAttention()
    additive([q, v])
    scale = rng.standard_normal(3).astype(np.float32)
    additive.set_weights([scale])
    out = additive([q, v], use_causal_mask=True).numpy()
    ref, _ = attention64(
        q, v, v, lambda a, b: (scale * np.tanh(a[:, :, None] + b[:, None])).sum(-1), causal=True
    )
    np.testing.assert_allclose(out, ref, atol=1e-5, rtol=1e-4)
    # Causal: the first query step sees only the first value step.
    np.testing.assert_allclose(out[:, 0], v[:, 0], atol=1e-6)


# ---------------------------------------------------------------------- gradients
@pytest.mark.parametrize(
    "make,kwargs",
    [
        (lambda: layers.Attention(use_scale=True), {}),
        (lambda: layers.Attention(score_mode="concat", use_scale=True), {"use_causal_mask": True}),
        (lambda: layers.AdditiveAttention(), {}),
        (
            lambda: layers.AdditiveAttention(use_scale=False),
            {"mask": [np.array([[1, 1, 0], [1, 0, 1]], bool), np.array([[1, 0, 1, 1]] * 2, bool)]},
        ),
    ],
)
def test_gradients_reach_query_value_key_and_weights(make, kwargs, rng):
    q = rng.standard_normal((2, 3, 4)).astype(np.float32)
    v = rng.standard_normal((2, 4, 4)).astype(np.float32)
    k = rng.standard_normal((2, 4, 4)).astype(np.float32)
    layer = make()
    layer([q, v, k])
    for w in layer.weights:
        w.assign(rng.uniform(0.5, 1.5, w.shape).astype(np.float32))
    check_gradients(
        lambda a, b, c: layer([a, b, c], **kwargs), [q, v, k], params=layer.trainable_weights
    )


# ---------------------------------------------------------------------- dropout
def test_dropout_acts_only_while_training(rng):
    q = rng.standard_normal((4, 50, 8)).astype(np.float32)
    v = rng.standard_normal((4, 60, 8)).astype(np.float32)
    plain = layers.Attention()
    ref_out, ref_w = plain([q, v], return_attention_scores=True)
    layer = layers.Attention(dropout=0.4, seed=3)
    out, w = layer([q, v], return_attention_scores=True)  # training defaults to False
    np.testing.assert_array_equal(w.numpy(), ref_w.numpy())
    out, w = layer([q, v], return_attention_scores=True, training=True)
    w, ref = w.numpy(), ref_w.numpy()
    kept = w != 0
    n = w.size
    assert abs(kept.mean() - 0.6) < 6 * math.sqrt(0.24 / n)
    np.testing.assert_allclose(w[kept], ref[kept] / 0.6, rtol=1e-5)
    np.testing.assert_allclose(out.numpy(), w @ v, atol=1e-4, rtol=1e-4)
    assert not np.allclose(out.numpy(), ref_out.numpy())


# ---------------------------------------------------------------------- models, config, saving
def test_functional_model_with_masks_saves_and_loads(tmp_path, rng):
    q_ids, v_ids = ember.Input((3,), dtype="int32"), ember.Input((5,), dtype="int32")
    embed = layers.Embedding(10, 4, mask_zero=True)
    out, scores = layers.AdditiveAttention(name="att")(
        [embed(q_ids), embed(v_ids)], return_attention_scores=True
    )
    assert out.shape == (None, 3, 4) and scores.shape == (None, 3, 5)
    model = ember.Model([q_ids, v_ids], [layers.Dense(2)(out), scores])
    a = np.array([[1, 2, 0], [3, 0, 0]])
    b = np.array([[3, 4, 0, 0, 5], [1, 1, 1, 0, 0]])
    before = model.predict([a, b], verbose=0)
    assert np.all(before[1][0][:, 2:4] == 0) and np.all(before[1][1][:, 3:] == 0)
    loaded = save_and_reload(model, tmp_path)
    after = loaded.predict([a, b], verbose=0)
    for x, y in zip(before, after):
        np.testing.assert_allclose(y, x, rtol=1e-6)


def test_attention_trains(rng):
    q, v = ember.Input((3, 4)), ember.Input((5, 4))
    model = ember.Model(
        [q, v], layers.Dense(1)(layers.Flatten()(layers.Attention(use_scale=True)([q, v])))
    )
    model.compile(optimizer=ember.optimizers.SGD(0.01), loss="mse")
    x = [rng.standard_normal((32, 3, 4)).astype(np.float32), rng.standard_normal((32, 5, 4))]
    y = rng.standard_normal((32, 1)).astype(np.float32)
    first = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=3, verbose=0)
    assert model.evaluate(x, y, verbose=0) < first


@pytest.mark.parametrize(
    "layer,expected",
    [
        (
            layers.Attention(use_scale=True, score_mode="concat", dropout=0.1, seed=2),
            {"use_scale": True, "score_mode": "concat", "dropout": 0.1, "seed": 2},
        ),
        (layers.AdditiveAttention(use_scale=False), {"use_scale": False, "dropout": 0.0}),
    ],
)
def test_config_round_trip(layer, expected):
    config = layer.get_config()
    assert {k: config[k] for k in expected} == expected
    assert type(layer).from_config(config).get_config() == config
    assert "score_mode" not in layers.AdditiveAttention().get_config()


def test_weights_and_output_shape():
    att = layers.Attention(use_scale=True, score_mode="concat")
    att([np.ones((1, 2, 3), np.float32), np.ones((1, 4, 3), np.float32)])
    assert [w.name for w in att.weights] == ["scale", "concat_score_weight"]
    assert att.compute_output_shape([(None, 2, 3), (None, 4, 6)]) == (None, 2, 6)
    assert layers.Attention()([np.ones((1, 2, 3)), np.ones((1, 4, 3))]) is not None


# ---------------------------------------------------------------------- bad arguments
def test_bad_arguments(rng):
    q = np.ones((2, 3, 4), np.float32)
    v = np.ones((2, 5, 4), np.float32)
    with pytest.raises(ValueError, match="Attention.*score_mode"):
        layers.Attention(score_mode="add")
    with pytest.raises(ValueError, match="Attention.*dropout"):
        layers.Attention(dropout=1.5)
    with pytest.raises(ValueError, match="AdditiveAttention.*list of inputs"):
        layers.AdditiveAttention()(q)
    with pytest.raises(ValueError, match="Attention.*length 2 or 3"):
        layers.Attention()([q, v, v, v])
    with pytest.raises(ValueError, match="Attention.*mask must be a list"):
        layers.Attention()([q, v], mask=np.ones((2, 3), bool))
    with pytest.raises(ValueError, match="same number of steps"):
        layers.Attention()([q, v, np.ones((2, 4, 4), np.float32)])
    with pytest.raises(ValueError, match="same last dimension"):
        layers.Attention()([np.ones((2, 3, 2), np.float32), v])
    with pytest.raises(ValueError, match="batch, steps, features"):
        layers.Attention()([np.ones((2, 4), np.float32), np.ones((2, 4), np.float32)])
