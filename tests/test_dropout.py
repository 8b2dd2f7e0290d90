"""Dropout with a counter-based mask: keep rate within statistical bounds, determinism across
calls and thread counts, forward/backward consistency, Keras scaling, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import poisoned, using_threads
from ember import _C


@pytest.mark.parametrize("rate", [0.0, 0.1, 0.5, 0.9, 0.999])
def test_kept_fraction_and_scaling(impl, rate, rng):
    n = 200_003
    x = rng.uniform(0.5, 2.0, n).astype(np.float32)  # never 0, so kept elements are nonzero
    y = impl.dropout_forward(x, rate, 12345, out=poisoned(x.shape))
    kept = y != 0
    # Binomial(n, 1 - rate): the kept count lies within 6 standard deviations.
    mean, sd = n * (1 - rate), math.sqrt(n * rate * (1 - rate))
    assert abs(kept.sum() - mean) <= 6 * sd + 1, (kept.sum(), mean, sd)
    np.testing.assert_array_equal(y[kept], x[kept] * np.float32(1.0 / (1.0 - rate)))
    assert (y[~kept] == 0).all()


def test_mask_looks_independent(impl):
    """No structure along the index: runs of kept elements are geometric, neighbours are
    uncorrelated, and every residue class mod 16 (a vector width) keeps about the same share."""
    n, rate = 1 << 18, 0.3
    keep = impl.dropout_forward(np.ones(n, np.float32), rate, 7) != 0
    k = keep.astype(np.float64)
    corr = np.corrcoef(k[:-1], k[1:])[0, 1]
    assert abs(corr) < 6 / math.sqrt(n)
    shares = k.reshape(-1, 16).mean(axis=0)
    sd = math.sqrt(rate * (1 - rate) / (n / 16))
    assert np.all(abs(shares - (1 - rate)) < 6 * sd), shares


def test_deterministic_and_seed_dependent(impl, rng):
    x = rng.standard_normal((37, 53)).astype(np.float32)
    a = impl.dropout_forward(x, 0.5, 99)
    np.testing.assert_array_equal(a, impl.dropout_forward(x, 0.5, 99))
    b = impl.dropout_forward(x, 0.5, 100)
    # Different seeds give (nearly) independent masks: about half of the decisions differ.
    differ = ((a == 0) != (b == 0)).mean()
    assert 0.4 < differ < 0.6, differ
    # The mask depends on the flat index only, not on the shape.
    np.testing.assert_array_equal(impl.dropout_forward(x.ravel(), 0.5, 99), a.ravel())
    # Seeds over the full uint64 range are accepted.
    impl.dropout_forward(x, 0.5, 2**64 - 1)


def test_backward_uses_the_forward_mask(impl, rng):
    x = rng.standard_normal((64, 129)).astype(np.float32)
    dy = rng.standard_normal(x.shape).astype(np.float32)
    y = impl.dropout_forward(x, 0.25, 2024)
    dx = impl.dropout_backward(dy, 0.25, 2024, out=poisoned(x.shape))
    scale = np.float32(1 / 0.75)
    kept = y != 0
    np.testing.assert_array_equal(dx[kept], dy[kept] * scale)
    np.testing.assert_array_equal(dx[~kept], 0)
    # dropout is linear in x: the gradient of sum(y * dy) is the same map applied to dy.
    ones = impl.dropout_forward(np.ones_like(x), 0.25, 2024)
    np.testing.assert_array_equal(dx, dy * ones)


def test_optimized_and_reference_agree(rng):
    x = rng.standard_normal(100_001).astype(np.float32)
    x[::97] = np.nan
    for rate in (0.0, 0.2, 0.7):
        np.testing.assert_array_equal(
            _C.dropout_forward(x, rate, 5), _C.ref.dropout_forward(x, rate, 5)
        )


def test_does_not_depend_on_thread_count(rng):
    x = rng.standard_normal((1 << 18) + 3).astype(np.float32)
    with using_threads(1):
        one = _C.dropout_forward(x, 0.4, 31), _C.dropout_backward(x, 0.4, 31)
    with using_threads(2):
        two = _C.dropout_forward(x, 0.4, 31), _C.dropout_backward(x, 0.4, 31)
    for a, b in zip(one, two):
        np.testing.assert_array_equal(a, b)


def test_rate_zero_is_identity_and_nan_propagates(impl, rng):
    x = rng.standard_normal((5, 7)).astype(np.float32)
    np.testing.assert_array_equal(impl.dropout_forward(x, 0.0, 1), x)
    x[0, 0] = np.nan
    assert np.isnan(impl.dropout_forward(x, 0.0, 1)[0, 0])


@pytest.mark.parametrize("k", [_C, _C.ref], ids=["opt", "ref"])
def test_bad_input(k):
    x = np.ones(4, np.float32)
    for rate in (1.0, -0.1, 1.5, float("nan")):
        with pytest.raises(ValueError, match=r"dropout_forward: rate must be in \[0, 1\)"):
            k.dropout_forward(x, rate, 0)
    with pytest.raises(ValueError, match=r"dropout_backward: rate must be in \[0, 1\), received 1"):
        k.dropout_backward(x, 1.0, 0)
    for seed in (-1, 2**64):
        with pytest.raises(ValueError, match=r"seed must be an int in \[0, 2\*\*64\), received"):
            k.dropout_forward(x, 0.5, seed)
    with pytest.raises(TypeError, match=r"seed must be an int .*received 1.5"):
        k.dropout_forward(x, 0.5, 1.5)
    with pytest.raises(TypeError, match=r"seed must be an int .*received True"):
        k.dropout_forward(x, 0.5, True)
    with pytest.raises(ValueError, match=r"dropout_forward: out must have shape \(4,\)"):
        k.dropout_forward(x, 0.5, 0, out=np.empty(3, np.float32))
