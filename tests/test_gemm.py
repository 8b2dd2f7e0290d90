"""The GEMM engine against float64 numpy, for every ISA family and the reference kernel."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import poisoned, using_threads
from ember import _C

SHAPES = [
    (1, 1, 1),
    (7, 9, 13),
    (6, 16, 5),
    (13, 17, 300),
    (100, 37, 257),
    (64, 6, 25),
    (300, 128, 600),
    (33, 1, 700),
    (2, 1000, 3),
]


@pytest.mark.parametrize("m,n,k", SHAPES)
@pytest.mark.parametrize("trans_a", [False, True])
@pytest.mark.parametrize("trans_b", [False, True])
def test_gemm_matches_numpy(impl, m, n, k, trans_a, trans_b, rng):
    a = rng.standard_normal((k, m) if trans_a else (m, k)).astype(np.float32)
    b = rng.standard_normal((n, k) if trans_b else (k, n)).astype(np.float32)
    c = poisoned((m, n))
    got = impl.gemm(a, b, trans_a=trans_a, trans_b=trans_b, c=c)
    assert got is c
    want = (a.T if trans_a else a).astype(np.float64) @ (b.T if trans_b else b)
    np.testing.assert_allclose(got, want, atol=1e-4 * np.sqrt(k), rtol=1e-4)


@pytest.mark.parametrize("activation", [None, "relu", "tanh", "sigmoid"])
@pytest.mark.parametrize("m,n,k", [(5, 3, 4), (61, 45, 520)])
def test_alpha_beta_bias_activation(impl, activation, m, n, k, rng):
    a = rng.standard_normal((m, k)).astype(np.float32)
    b = (rng.standard_normal((k, n)) / np.sqrt(k)).astype(np.float32)
    bias = rng.standard_normal(n).astype(np.float32)
    c0 = rng.standard_normal((m, n)).astype(np.float32)
    c = c0.copy()
    impl.gemm(a, b, alpha=0.5, beta=-2.0, c=c, bias=bias, activation=activation)
    z = 0.5 * (a.astype(np.float64) @ b) - 2.0 * c0 + bias
    want = {None: z, "relu": np.maximum(z, 0), "tanh": np.tanh(z), "sigmoid": 1 / (1 + np.exp(-z))}[
        activation
    ]
    np.testing.assert_allclose(c, want, atol=1e-5, rtol=1e-4)


def test_activations_are_accurate_over_their_range(impl):
    """The vectorized exp/tanh/sigmoid of the epilogue, through op(a) @ [[1]]."""
    x = np.concatenate(
        [
            np.linspace(-100, 100, 20001),
            np.geomspace(1e-8, 20, 2000),
            -np.geomspace(1e-8, 20, 2000),
            [0.0, -0.0, 88.0, -88.0, 1e30, -1e30],
        ]
    )
    x = x.astype(np.float32)
    one = np.ones((1, 1), np.float32)
    x64 = x.astype(np.float64)[:, None]
    with np.errstate(over="ignore"):
        sigmoid = 1 / (1 + np.exp(-x64))
    for name, want in (("tanh", np.tanh(x64)), ("sigmoid", sigmoid)):
        got = impl.gemm(x[:, None], one, activation=name)
        np.testing.assert_allclose(got, want, atol=2e-7, rtol=2e-6, err_msg=name)
    special = np.array([[np.nan], [np.inf], [-np.inf]], np.float32)
    np.testing.assert_array_equal(
        impl.gemm(special, one, activation="tanh")[:, 0], [np.nan, 1.0, -1.0]
    )
    np.testing.assert_array_equal(
        impl.gemm(special, one, activation="sigmoid")[:, 0], [np.nan, 1.0, 0.0]
    )
    np.testing.assert_array_equal(
        impl.gemm(special, one, activation="relu")[:, 0], [np.nan, np.inf, 0.0]
    )


def test_exact_integers_bit_for_bit(isa, rng):
    a = rng.integers(-32, 33, (97, 300)).astype(np.float32)
    b = rng.integers(-32, 33, (300, 45)).astype(np.float32)
    np.testing.assert_array_equal(_C.gemm(a, b), _C.ref.gemm(a, b))


def test_thread_count_does_not_change_results(isa, rng):
    a = rng.standard_normal((700, 900)).astype(np.float32)
    b = rng.standard_normal((900, 130)).astype(np.float32)
    with using_threads(1):
        one = _C.gemm(a, b, activation="tanh")
    with using_threads(2):
        two = _C.gemm(a, b, activation="tanh")
    np.testing.assert_array_equal(one, two)


def test_gemm_rejects_bad_arguments():
    a = np.ones((3, 4), np.float32)
    with pytest.raises(ValueError, match=r"inner dimensions differ"):
        _C.gemm(a, np.ones((5, 2), np.float32))
    with pytest.raises(ValueError, match="rank 2"):
        _C.gemm(np.ones(3, np.float32), a)
    with pytest.raises(ValueError, match="beta"):
        _C.gemm(a, a.T, beta=1.0)
    with pytest.raises(ValueError, match="out must have shape|c"):
        _C.gemm(a, a.T, c=np.zeros((2, 2), np.float32))
    with pytest.raises(TypeError, match="float32"):
        _C.gemm(a, a.T, c=np.zeros((3, 3), np.float64))
    with pytest.raises(ValueError, match="bias must have shape"):
        _C.gemm(a, a.T, bias=np.ones(4, np.float32))
    with pytest.raises(ValueError, match="activation"):
        _C.gemm(a, a.T, activation="softmax")
    with pytest.raises(TypeError, match="real numbers"):
        _C.gemm(a.astype(np.complex64), a.T)
    with pytest.raises(ValueError, match=">= 1"):
        _C.gemm(np.ones((0, 4), np.float32), np.ones((4, 2), np.float32))


@pytest.mark.parametrize("activation", [None, "relu", "tanh", "sigmoid"])
@pytest.mark.parametrize("m,n,k", [(1, 64, 1024), (4, 37, 300), (3, 130, 7), (5, 70, 33)])
def test_few_row_products_with_bias_and_activation(impl, activation, m, n, k, rng):
    """Batch-1..4 dense layers take the no-packing path (m <= 4, plain operands, alpha 1,
    beta 0); m = 5 is the first product through the blocked engine."""
    a = rng.standard_normal((m, k)).astype(np.float32)
    b = (rng.standard_normal((k, n)) / np.sqrt(k)).astype(np.float32)
    bias = rng.standard_normal(n).astype(np.float32)
    c = poisoned((m, n))
    impl.gemm(a, b, c=c, bias=bias, activation=activation)
    z = a.astype(np.float64) @ b + bias
    want = {None: z, "relu": np.maximum(z, 0), "tanh": np.tanh(z), "sigmoid": 1 / (1 + np.exp(-z))}[
        activation
    ]
    np.testing.assert_allclose(c, want, atol=1e-5, rtol=1e-4)
