"""Bad input never crashes or hangs: it gets a ValueError/TypeError/OverflowError/MemoryError
naming the op and argument with what was expected and what was received. The cases follow
TensorFlow's kernel security advisories (empty filters, zero-size dimensions, channel mismatch,
non-positive strides and pool sizes, windows larger than the padded input, overflowing shapes)."""

from __future__ import annotations

import numpy as np
import pytest

from ember import _C

IMPLS = [_C, _C.ref]


def f32(*shape):
    return np.ones(shape, np.float32)


@pytest.mark.parametrize("k", IMPLS, ids=["opt", "ref"])
@pytest.mark.parametrize(
    "x_shape,w_shape,kwargs,error,pattern",
    [
        ((2, 5, 5, 3), (0, 3, 3, 4), {}, ValueError, r"kernel height must be >= 1, received 0"),
        ((2, 5, 5, 3), (3, 3, 3, 0), {}, ValueError, r"filters .* must be >= 1, received 0"),
        ((0, 5, 5, 3), (3, 3, 3, 4), {}, ValueError, r"batch size must be >= 1, received 0"),
        ((2, 0, 5, 3), (3, 3, 3, 4), {}, ValueError, r"input height must be >= 1, received 0"),
        ((2, 5, 5, 0), (3, 3, 0, 4), {}, ValueError, r"input channels must be >= 1"),
        (
            (2, 5, 5, 3),
            (3, 3, 4, 4),
            {},
            ValueError,
            r"kernel \(3, 3, 4, 4\) expects 4 input channels, but received 3",
        ),
        (
            (2, 5, 5, 3),
            (3, 3, 3, 4),
            {"strides": 0},
            ValueError,
            r"stride along height must be >= 1, received 0",
        ),
        (
            (2, 5, 5, 3),
            (3, 3, 3, 4),
            {"strides": (1, -2)},
            ValueError,
            r"stride along width must be >= 1, received -2",
        ),
        (
            (2, 5, 5, 3),
            (3, 3, 3, 4),
            {"dilation_rate": 0},
            ValueError,
            r"dilation along height must be >= 1",
        ),
        (
            (2, 5, 5, 3),
            (7, 3, 3, 4),
            {},
            ValueError,
            r"kernel height 7 .* larger than the input height 5",
        ),
        (
            (2, 5, 5, 3),
            (3, 3, 3, 4),
            {"dilation_rate": 3},
            ValueError,
            r"extent 7\) is larger than the input height 5",
        ),
        (
            (2, 2, 2, 3),
            (5, 5, 3, 4),
            {"padding": (1, 1, 1, 1)},
            ValueError,
            r"larger than the padded input height 4",
        ),
        (
            (2, 5, 5, 3),
            (3, 3, 3, 4),
            {"padding": (-1, 0, 0, 0)},
            ValueError,
            r"padding along height must be >= 0",
        ),
        (
            (2, 5, 5, 3),
            (3, 3, 3, 4),
            {"padding": "full"},
            ValueError,
            r"padding must be 'valid' or 'same'.*received 'full'",
        ),
        ((2, 5, 5, 3), (3, 3, 3, 4), {"groups": 3}, ValueError, r"groups must be 1"),
        ((2, 5, 5, 3), (3, 3, 3, 4), {"strides": 1.5}, TypeError, r"strides must be an int"),
        ((2, 5, 5, 3), (3, 3, 3, 4), {"strides": True}, TypeError, r"strides must be an int"),
        ((2, 5, 5, 3), (3, 3, 3, 4), {"strides": (1, 2, 3)}, ValueError, r"tuple of 2 ints"),
        (
            (5, 5, 3),
            (3, 3, 3, 4),
            {},
            ValueError,
            r"input must be rank 4 \(batch, height, width, channels\); received shape \(5, 5, 3\)",
        ),
        ((2, 5, 5, 3), (3, 3, 3), {}, ValueError, r"kernel must be rank 4"),
        ((2, 5, 5, 3), (3, 3, 3, 4), {"activation": "softmax"}, ValueError, r"activation"),
    ],
)
def test_conv2d_forward_rejects(k, x_shape, w_shape, kwargs, error, pattern):
    with pytest.raises(error, match=r"conv2d: .*" + pattern):
        k.conv2d_forward(f32(*x_shape), f32(*w_shape), **kwargs)


@pytest.mark.parametrize("k", IMPLS, ids=["opt", "ref"])
def test_conv2d_rejects_wrong_types_and_bias(k):
    x, w = f32(1, 4, 4, 2), f32(3, 3, 2, 5)
    with pytest.raises(TypeError, match="input must hold real numbers.*complex"):
        k.conv2d_forward(x.astype(np.complex64), w)
    with pytest.raises(TypeError, match="kernel must hold real numbers.*object"):
        k.conv2d_forward(x, np.empty((3, 3, 2, 5), dtype=object))
    with pytest.raises(TypeError, match="input must be an array, received None"):
        k.conv2d_forward(None, w)
    with pytest.raises(TypeError, match="real numbers"):
        k.conv2d_forward("abc", w)
    with pytest.raises(ValueError, match=r"bias must have shape \(5,\).*received \(4,\)"):
        k.conv2d_forward(x, w, np.zeros(4, np.float32))
    with pytest.raises(ValueError, match=r"out must have shape \(1, 2, 2, 5\)"):
        k.conv2d_forward(x, w, out=np.zeros((1, 2, 2, 4), np.float32))
    with pytest.raises(TypeError, match=r"out must be a writable C-contiguous float32"):
        k.conv2d_forward(x, w, out=np.zeros((1, 2, 2, 5), np.float64))


@pytest.mark.parametrize("k", IMPLS, ids=["opt", "ref"])
def test_conv2d_backward_rejects(k):
    w = f32(3, 3, 2, 5)
    with pytest.raises(
        ValueError,
        match=r"output gradient must have shape \(1, 2, 2, 5\).*"
        r"received \(1, 3, 3, 5\)",
    ):
        k.conv2d_backward_input(f32(1, 3, 3, 5), w, (1, 4, 4, 2))
    with pytest.raises(ValueError, match=r"input_shape entries must be >= 1"):
        k.conv2d_backward_input(f32(1, 2, 2, 5), w, (1, 0, 4, 2))
    with pytest.raises(ValueError, match=r"input_shape must have 4 entries"):
        k.conv2d_backward_input(f32(1, 2, 2, 5), w, (4, 4, 2))
    with pytest.raises(ValueError, match=r"kernel height must be >= 1"):
        k.conv2d_backward_weight(f32(1, 4, 4, 2), f32(1, 2, 2, 5), (0, 3))
    with pytest.raises(ValueError, match=r"output gradient must be rank 4"):
        k.conv2d_backward_bias(f32(4, 5))
    with pytest.raises(ValueError, match=r"every dimension must be >= 1"):
        k.conv2d_backward_bias(f32(1, 0, 2, 5))


@pytest.mark.parametrize("k", IMPLS, ids=["opt", "ref"])
def test_overflowing_shapes_raise_before_allocating(k):
    big = 2**40
    with pytest.raises(OverflowError, match="overflows int64"):
        k.conv2d_backward_input(f32(1, 1, 1, 1), f32(1, 1, 1, 1), (big, big, big, 1), strides=big)
    with pytest.raises(OverflowError):
        k.conv2d_backward_input(f32(1, 1, 1, 1), f32(1, 1, 1, 1), (2**70, 1, 1, 1))
    with pytest.raises(OverflowError, match="overflows int64"):
        k.max_pool2d_backward(
            f32(1, 1, 1, 1),
            np.zeros((1, 1, 1, 1), np.int32),
            (big, big, big, 1),
            pool_size=1,
            strides=big,
        )
    with pytest.raises(OverflowError):
        k.avg_pool2d_backward(f32(1, 1, 1, 1), (big, big, big, 1), pool_size=1, strides=big)
    # representable but far beyond this machine's memory: MemoryError, not the OOM killer
    with pytest.raises(MemoryError):
        k.conv2d_backward_input(
            f32(1, 1, 1, 1), f32(1, 1, 1, 1), (1, 2**24, 2**24, 1), strides=2**24
        )
    with pytest.raises(MemoryError):
        k.global_avg_pool2d_backward(f32(1, 3), (1, 2**20, 2**20, 3))


@pytest.mark.parametrize("k", IMPLS, ids=["opt", "ref"])
@pytest.mark.parametrize(
    "kwargs,error,pattern",
    [
        ({"pool_size": 0}, ValueError, r"pool size height must be >= 1, received 0"),
        ({"pool_size": (2, -1)}, ValueError, r"pool size width must be >= 1"),
        ({"strides": 0}, ValueError, r"stride along height must be >= 1, received 0"),
        ({"pool_size": 6}, ValueError, r"pool size height 6 .* larger than the input height 5"),
        ({"padding": "causal"}, ValueError, r"padding must be 'valid' or 'same'"),
        ({"padding": (1, 1, 1, 1)}, ValueError, r"padding must be 'valid' or 'same'"),
    ],
)
def test_pooling_rejects(k, kwargs, error, pattern):
    x = f32(2, 5, 5, 3)
    with pytest.raises(error, match=r"max_pool2d: .*" + pattern):
        k.max_pool2d_forward(x, **kwargs)
    with pytest.raises(error, match=r"avg_pool2d: .*" + pattern):
        k.avg_pool2d_forward(x, **kwargs)


@pytest.mark.parametrize("k", IMPLS, ids=["opt", "ref"])
def test_pooling_rejects_bad_shapes_and_indices(k):
    with pytest.raises(ValueError, match=r"max_pool2d: input must be rank 4"):
        k.max_pool2d_forward(f32(5, 5, 3))
    with pytest.raises(ValueError, match=r"input height must be >= 1"):
        k.avg_pool2d_forward(f32(1, 0, 5, 3))
    with pytest.raises(ValueError, match=r"global_avg_pool2d: every input dimension"):
        k.global_avg_pool2d_forward(f32(1, 0, 5, 3))
    y, idx = k.max_pool2d_forward(f32(1, 4, 4, 2), return_indices=True)
    with pytest.raises(ValueError, match=r"indices must lie in \[0, 16\).*received 99"):
        k.max_pool2d_backward(y, np.full_like(idx, 99), (1, 4, 4, 2))
    with pytest.raises(ValueError, match=r"indices must have shape \(1, 2, 2, 2\)"):
        k.max_pool2d_backward(y, idx[:, :1], (1, 4, 4, 2))
    with pytest.raises(TypeError, match=r"indices must be an integer array"):
        k.max_pool2d_backward(y, idx.astype(np.float32), (1, 4, 4, 2))
    with pytest.raises(ValueError, match=r"output gradient must have shape \(1, 2, 2, 2\)"):
        k.avg_pool2d_backward(f32(1, 3, 3, 2), (1, 4, 4, 2))
    with pytest.raises(ValueError, match=r"indices must lie in \[0, 16\)"):
        k.global_max_pool2d_backward(f32(1, 2), np.array([[0, 16]]), (1, 4, 4, 2))


@pytest.mark.parametrize("k", IMPLS, ids=["opt", "ref"])
def test_nan_and_inf_pass_through_without_crashing(k):
    x = np.zeros((2, 6, 6, 3), np.float32)
    x[0, 2, 2, 1] = np.nan
    x[1, 3, 3, 2] = np.inf
    w = np.ones((3, 3, 3, 4), np.float32)
    y = k.conv2d_forward(x, w, padding="same")
    assert np.isnan(y[0, 1:4, 1:4]).all() and not np.isnan(y[0, 5, 5]).any()
    assert np.isinf(y[1, 3, 3]).all()
    dx = k.conv2d_backward_input(y, w, x.shape, padding="same")
    assert np.isnan(dx[0]).any() and not np.isnan(dx[0, 5, 5]).any()
    dw = k.conv2d_backward_weight(x, y, (3, 3), padding="same")
    assert np.isnan(dw).any()
    assert np.isnan(k.max_pool2d_forward(x)[0, 1, 1, 1])
    assert np.isnan(k.avg_pool2d_forward(x)[0, 1, 1, 1])
    assert np.isinf(k.global_max_pool2d_forward(x)[1, 2])
