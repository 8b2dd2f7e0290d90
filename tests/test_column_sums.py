"""column_sums: the fixed-order chunked column reduction (bias gradients, per-channel sums)."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import poisoned, using_threads
from ember import _C


@pytest.mark.parametrize("shape", [(1, 1), (5, 3), (1025, 7), (3000, 64), (4, 1000), (0, 3)])
def test_matches_float64(impl, shape, rng):
    x = rng.standard_normal(shape).astype(np.float32)
    got = impl.column_sums(x, out=poisoned((shape[1],)))
    np.testing.assert_allclose(got, x.astype(np.float64).sum(axis=0), atol=1e-4, rtol=1e-5)


def test_exact_integers_and_conversion(impl, rng):
    x = rng.integers(-32, 33, (513, 9))
    np.testing.assert_array_equal(impl.column_sums(x), x.sum(axis=0))
    np.testing.assert_array_equal(impl.column_sums(x.T.copy().T), x.sum(axis=0))


def test_does_not_depend_on_thread_count(rng):
    x = rng.standard_normal((20_000, 33)).astype(np.float32)
    with using_threads(1):
        one = _C.column_sums(x)
    with using_threads(2):
        two = _C.column_sums(x)
    np.testing.assert_array_equal(one, two)


@pytest.mark.parametrize("k", [_C, _C.ref], ids=["opt", "ref"])
def test_bad_input(k):
    with pytest.raises(ValueError, match=r"column_sums: x must be rank 2 \(rows, cols\); "):
        k.column_sums(np.ones(3, np.float32))
    with pytest.raises(ValueError, match=r"column_sums: out must have shape \(3,\), received"):
        k.column_sums(np.ones((2, 3), np.float32), out=np.empty(2, np.float32))
