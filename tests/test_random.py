"""ember.random against keras.random's contract: distributions (moments, bounds, truncation,
frequencies), seeding (int, None + set_random_seed, SeedGenerator), dtypes and errors.
Keras' exact bits cannot be matched (different generators); the distributions can."""

from __future__ import annotations

import json
import math
import operator
from pathlib import Path

import numpy as np
import pytest

import ember
import ember as keras
from ember import random

NAMES = json.loads((Path(__file__).parent / "fixtures" / "keras_api" / "names.json").read_text())
N = 200_000


def test_every_keras_random_name_exists():
    for name, kind in NAMES["namespaces"]["random"].items():
        obj = getattr(random, name)
        assert isinstance(obj, type) if kind == "class" else callable(obj), name


def test_import_ember_as_keras():
    x = keras.random.normal((2, 3), seed=1)
    assert isinstance(x, ember.Tensor) and x.shape == (2, 3) and x.dtype == np.float32


# ---------------------------------------------------------------------- distributions
def test_normal_moments_and_dtype():
    x = random.normal((N,), mean=2.0, stddev=3.0, seed=1).numpy()
    assert x.dtype == np.float32
    assert abs(x.mean() - 2.0) < 5 * 3.0 / math.sqrt(N)
    assert abs(x.std() - 3.0) < 0.02
    assert random.normal((2, 2), dtype="float64", seed=1).dtype == np.float64


def test_uniform_bounds_and_moments():
    x = random.uniform((N,), minval=-2.0, maxval=3.0, seed=2).numpy()
    assert x.min() >= -2.0 and x.max() < 3.0
    assert abs(x.mean() - 0.5) < 0.02
    assert abs(x.var() - 25 / 12) < 0.03
    # float32 rounding never lands on maxval
    tiny = random.uniform((N,), minval=1.0, maxval=1.0 + 1e-6, seed=0).numpy()
    assert tiny.max() < np.float32(1.0 + 1e-6)


def test_truncated_normal_is_cut_at_two_standard_deviations():
    x = random.truncated_normal((N,), mean=1.0, stddev=0.5, seed=3).numpy().astype(np.float64)
    assert np.all(np.abs(x - 1.0) <= 2 * 0.5 + 1e-6)
    # Standard deviation of a normal truncated at +-2 sigma: sigma * sqrt(1 - 2*2*phi(2)/Z)
    phi2 = math.exp(-2.0) / math.sqrt(2 * math.pi)
    z = math.erf(2 / math.sqrt(2))
    assert abs(x.std() - 0.5 * math.sqrt(1 - 4 * phi2 / z)) < 0.005
    assert abs(x.mean() - 1.0) < 0.005
    # values near the cut occur: it is truncated, not scaled
    assert np.abs(x - 1.0).max() > 0.99


def test_randint_range_dtype_and_uniformity():
    x = random.randint((N,), 3, 8, seed=4).numpy()
    assert x.dtype == np.int32
    counts = np.bincount(x - 3, minlength=5)
    assert counts.sum() == N and len(counts) == 5
    assert np.all(np.abs(counts / N - 0.2) < 0.01)
    assert random.randint((3,), 0, 2, dtype="int64", seed=0).dtype == np.int64


def test_shuffle_permutes_along_an_axis_and_keeps_dtype():
    x = np.arange(24).reshape(4, 6)
    rows = random.shuffle(x, seed=5).numpy()
    assert rows.dtype == x.dtype
    assert sorted(map(tuple, rows)) == sorted(map(tuple, x))
    assert not np.array_equal(rows, x)
    cols = random.shuffle(x, axis=1, seed=5).numpy()
    assert np.array_equal(np.sort(cols, axis=1), x)
    assert random.shuffle([1.5, 2.5], seed=0).dtype == np.float32


def test_dropout_rate_scale_noise_shape_and_gradient():
    x = ember.tensor(np.ones((400, 500)), requires_grad=True)
    y = random.dropout(x, rate=0.3, seed=6)
    values = y.numpy()
    assert set(np.unique(values)) == {0.0, np.float32(1 / 0.7)}
    assert abs((values == 0).mean() - 0.3) < 0.01
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, values)  # d(sum)/dx = the mask scale
    shared = random.dropout(np.ones((6, 50)), rate=0.5, noise_shape=(None, 1), seed=7).numpy()
    assert np.all(shared == shared[:, :1])  # one draw per row


def test_categorical_frequencies_follow_softmax():
    with np.errstate(divide="ignore"):
        logits = np.log(np.array([[0.1, 0.2, 0.7], [0.5, 0.5, 0.0]]))
    draws = random.categorical(logits, 50_000, seed=8).numpy()
    assert draws.dtype == np.int32 and draws.shape == (2, 50_000)
    freq = np.stack([np.bincount(row, minlength=3) / row.size for row in draws])
    np.testing.assert_allclose(freq, [[0.1, 0.2, 0.7], [0.5, 0.5, 0.0]], atol=0.01)
    assert not np.any(draws[1] == 2)  # probability 0 (logit -inf) never drawn


def test_gamma_beta_binomial_moments():
    g = random.gamma((N,), alpha=2.5, seed=9).numpy()
    assert abs(g.mean() - 2.5) < 0.03 and abs(g.var() - 2.5) < 0.08
    b = random.beta((N,), alpha=2.0, beta=5.0, seed=10).numpy()
    assert b.min() >= 0 and b.max() <= 1
    assert abs(b.mean() - 2 / 7) < 0.003 and abs(b.var() - 10 / (49 * 8)) < 0.001
    n = random.binomial((N,), counts=12, probabilities=0.25, seed=11).numpy()
    assert n.dtype == np.float32
    assert abs(n.mean() - 3.0) < 0.03 and abs(n.var() - 2.25) < 0.05
    assert np.all(n == np.round(n)) and n.min() >= 0 and n.max() <= 12


# ---------------------------------------------------------------------- seeding
@pytest.mark.parametrize(
    "draw",
    [
        lambda s: random.normal((5,), seed=s),
        lambda s: random.uniform((5,), seed=s),
        lambda s: random.truncated_normal((5,), seed=s),
        lambda s: random.randint((5,), 0, 100, seed=s),
        lambda s: random.shuffle(np.arange(10), seed=s),
        lambda s: random.dropout(np.ones(20), 0.5, seed=s),
        lambda s: random.categorical(np.zeros((2, 4)), 6, seed=s),
        lambda s: random.gamma((5,), 1.5, seed=s),
        lambda s: random.beta((5,), 1.5, 2.0, seed=s),
        lambda s: random.binomial((5,), 10, 0.5, seed=s),
    ],
)
def test_int_seed_repeats_and_distinct_seeds_differ(draw):
    a, b, c = draw(42).numpy(), draw(42).numpy(), draw(43).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_unseeded_draws_repeat_after_set_random_seed():
    def run():
        ember.utils.set_random_seed(123)
        gen = random.SeedGenerator()  # seeded from the global generator
        return [
            random.normal((4,)).numpy(),
            random.uniform((4,)).numpy(),
            random.shuffle(np.arange(8)).numpy(),
            random.dropout(np.ones(16), 0.5).numpy(),
            random.normal((4,), seed=gen).numpy(),
        ]

    first, second = run(), run()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    # and consecutive unseeded draws differ
    assert not np.array_equal(random.normal((4,)).numpy(), random.normal((4,)).numpy())


def test_seed_generator_advances_and_reproduces():
    gen = random.SeedGenerator(seed=1337)
    assert gen.state.dtype == np.int64 and not gen.state.trainable
    np.testing.assert_array_equal(gen.state.numpy(), [1337, 0])
    a = random.normal((6,), seed=gen).numpy()
    np.testing.assert_array_equal(gen.state.numpy(), [1337, 1])
    b = random.normal((6,), seed=gen).numpy()
    assert not np.array_equal(a, b)
    again = random.SeedGenerator(seed=1337)
    np.testing.assert_array_equal(random.normal((6,), seed=again).numpy(), a)
    np.testing.assert_array_equal(random.normal((6,), seed=again).numpy(), b)
    # an int seed draws what a fresh generator with that seed draws first (state [seed, 0])
    np.testing.assert_array_equal(random.normal((6,), seed=1337).numpy(), a)


def test_seed_generator_next_config_and_unordered_step():
    gen = random.SeedGenerator(seed=5, name="sg")
    assert gen.next().numpy().tolist() == [5, 0]
    assert gen.state.path == "sg/seed_generator_state"
    state = gen.state.numpy()
    gen.next(ordered=False)
    np.testing.assert_array_equal(gen.state.numpy(), (state + 1) * 5387 % 933199)
    assert gen.get_config() == {"seed": 5, "name": "sg"}
    clone = random.SeedGenerator.from_config(gen.get_config())
    assert clone.next().numpy().tolist() == [5, 0]
    ember.utils.clear_session()
    assert random.SeedGenerator().name == "seed_generator"
    assert random.SeedGenerator().name == "seed_generator_1"


# ---------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "call, error, text",
    [
        (lambda: random.normal((2,), seed=1.5), ValueError, "SeedGenerator"),
        (lambda: random.normal((2,), seed="1"), ValueError, "SeedGenerator"),
        (lambda: random.SeedGenerator(seed=1.5), ValueError, "must be an integer"),
        (lambda: random.SeedGenerator(seed=1, foo=2), ValueError, "Unrecognized keyword"),
        (lambda: random.uniform((2,), dtype="int32"), ValueError, "floating point `dtype`"),
        (lambda: random.normal((2,), dtype="bool"), ValueError, "floating point"),
        (lambda: random.randint((2,), 0, 5, dtype="float32"), ValueError, "integer `dtype`"),
        (lambda: random.randint((2,), 5, 5), ValueError, "minval < maxval"),
        (lambda: random.normal((2, None)), ValueError, "shape"),
        (lambda: random.normal((2, -1)), ValueError, "shape"),
        (lambda: random.normal("ab"), ValueError, "shape"),
        (lambda: random.categorical(np.zeros(3), 2), ValueError, "2-D"),
        (lambda: random.categorical(np.zeros((1, 3)), -1), ValueError, "num_samples"),
        (lambda: random.dropout(np.ones(3), rate=1.0), ValueError, "rate"),
        (lambda: random.dropout(np.ones(3), rate="x"), TypeError, "rate"),
        (lambda: random.dropout(np.ones((2, 3)), 0.5, noise_shape=(2,)), ValueError, "rank"),
        (lambda: random.dropout(np.ones((2, 3)), 0.5, noise_shape=(3, 3)), ValueError, "broadcast"),
        (lambda: random.shuffle(np.ones(3), axis=1), ValueError, "axis"),
        (lambda: random.gamma((2,), alpha=0.0), ValueError, "alpha"),
        (lambda: random.beta((2,), alpha=1.0, beta=-1.0), ValueError, "beta"),
        (lambda: random.binomial((2,), counts=2.5, probabilities=0.5), ValueError, "counts"),
        (lambda: random.binomial((2,), counts=2, probabilities=1.5), ValueError, "probabilities"),
    ],
)
def test_argument_errors(call, error, text):
    with pytest.raises(error, match=text):
        call()


def test_randint_values_index_python_sequences():
    i = random.randint((), 0, 3, seed=0)
    assert operator.index(i) in (0, 1, 2)
    assert [10, 20, 30][i] == 10 * (int(i) + 1)
