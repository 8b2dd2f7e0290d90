"""Pooling kernels against float64 numpy references, across ISAs, threads and PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import kernel_reference as kr
from conftest import poisoned, using_threads
from ember import _C

# (input NHWC, pool_size, strides, padding)
CASES = [
    ((1, 7, 9, 1), 2, None, "valid"),
    ((7, 8, 8, 3), 2, None, "same"),
    ((2, 9, 11, 17), 3, 2, "same"),
    ((1, 10, 12, 64), (2, 3), (1, 2), "valid"),
    ((3, 5, 7, 17), 3, 1, "same"),
    ((2, 6, 6, 5), 4, 3, "same"),
    ((1, 4, 4, 2), (1, 1), 2, "valid"),
    ((2, 3, 3, 4), 5, 1, "same"),
]
IDS = [f"x{c[0]}-p{c[1]}-s{c[2]}-{c[3]}".replace(" ", "") for c in CASES]
TOL = dict(atol=1e-5, rtol=1e-4)


def args(case):
    return dict(pool_size=case[1], strides=case[2], padding=case[3])


def out_shape(case):
    _, _, _, oh, ow = kr.pool_geometry(case[0], case[1], case[2], case[3])
    return (case[0][0], oh, ow, case[0][3])


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_max_pool_forward_and_backward(impl, case, rng):
    # Few distinct values so ties happen: the first maximum must win.
    x = rng.integers(-3, 4, case[0]).astype(np.float32)
    ys = out_shape(case)
    y, idx = impl.max_pool2d_forward(x, return_indices=True, out=poisoned(ys), **args(case))
    want_y, want_idx = kr.max_pool(x, *args(case).values())
    np.testing.assert_array_equal(y, want_y)
    np.testing.assert_array_equal(idx, want_idx)
    np.testing.assert_array_equal(impl.max_pool2d_forward(x, **args(case)), want_y)
    dy = rng.standard_normal(ys).astype(np.float32)
    dx = impl.max_pool2d_backward(dy, idx, x.shape, out=poisoned(x.shape), **args(case))
    np.testing.assert_allclose(dx, kr.max_pool_grad(x.shape, dy, want_idx), **TOL)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_avg_pool_forward_and_backward(impl, case, rng):
    x = rng.standard_normal(case[0]).astype(np.float32)
    ys = out_shape(case)
    y = impl.avg_pool2d_forward(x, out=poisoned(ys), **args(case))
    np.testing.assert_allclose(y, kr.avg_pool(x, *args(case).values()), **TOL)
    dy = rng.standard_normal(ys).astype(np.float32)
    dx = impl.avg_pool2d_backward(dy, x.shape, out=poisoned(x.shape), **args(case))
    np.testing.assert_allclose(dx, kr.avg_pool_grad(x.shape, dy, *args(case).values()), **TOL)


def test_nan_propagates_through_max_pool(impl):
    x = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)
    x[0, 1, 1, 0] = np.nan
    x[0, 0, 1, 0] = np.nan
    x[0, 3, 3, 0] = np.inf
    y, idx = impl.max_pool2d_forward(x, return_indices=True)
    assert np.isnan(y[0, 0, 0, 0]) and idx[0, 0, 0, 0] == 1  # the first NaN
    assert y[0, 1, 1, 0] == np.inf
    g, gidx = impl.global_max_pool2d_forward(x, return_indices=True)
    assert np.isnan(g[0, 0]) and gidx[0, 0] == 1


@pytest.mark.parametrize("shape", [(1, 1, 1, 1), (7, 5, 3, 17), (2, 9, 9, 64)])
def test_global_pooling(impl, shape, rng):
    x = rng.integers(-4, 5, shape).astype(np.float32)
    n, h, w, c = shape
    y = impl.global_avg_pool2d_forward(x, out=poisoned((n, c)))
    np.testing.assert_allclose(y, x.astype(np.float64).mean(axis=(1, 2)), **TOL)
    dy = rng.standard_normal((n, c)).astype(np.float32)
    dx = impl.global_avg_pool2d_backward(dy, shape, out=poisoned(shape))
    np.testing.assert_allclose(dx, np.broadcast_to(dy[:, None, None, :] / (h * w), shape), **TOL)

    ym, idx = impl.global_max_pool2d_forward(x, return_indices=True, out=poisoned((n, c)))
    flat = x.reshape(n, h * w, c)
    np.testing.assert_array_equal(ym, flat.max(axis=1))
    np.testing.assert_array_equal(idx, flat.argmax(axis=1))  # numpy's argmax is the first max
    dxm = impl.global_max_pool2d_backward(dy, idx, shape, out=poisoned(shape))
    want = np.zeros((n, h * w, c))
    np.put_along_axis(want, idx[:, None, :].astype(np.int64), dy[:, None, :], axis=1)
    np.testing.assert_array_equal(dxm, want.reshape(shape).astype(np.float32))


def test_pooling_does_not_depend_on_thread_count(isa, rng):
    x = rng.standard_normal((16, 33, 31, 24)).astype(np.float32)
    kw = dict(pool_size=3, strides=2, padding="same")

    def run():
        y, idx = _C.max_pool2d_forward(x, return_indices=True, **kw)
        a = _C.avg_pool2d_forward(x, **kw)
        dy = np.ones_like(y)
        return (
            y,
            idx,
            a,
            _C.max_pool2d_backward(dy, idx, x.shape, **kw),
            _C.avg_pool2d_backward(dy, x.shape, **kw),
            _C.global_avg_pool2d_forward(x),
        )

    with using_threads(1):
        one = run()
    with using_threads(2):
        two = run()
    for a, b in zip(one, two):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("case", CASES[:6], ids=IDS[:6])
def test_matches_pytorch(case, rng):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    x = rng.standard_normal(case[0]).astype(np.float32)
    (ph, pw), (sh, sw), (t, left), oh, ow = kr.pool_geometry(case[0], case[1], case[2], case[3])
    h, w = case[0][1], case[0][2]
    b = max((oh - 1) * sh + ph - h - t, 0)
    r = max((ow - 1) * sw + pw - w - left, 0)
    xt = torch.tensor(x.transpose(0, 3, 1, 2).copy(), requires_grad=True)
    yt = F.max_pool2d(F.pad(xt, (left, r, t, b), value=-np.inf), (ph, pw), (sh, sw))
    y, idx = _C.max_pool2d_forward(x, return_indices=True, **args(case))
    np.testing.assert_allclose(y, yt.detach().numpy().transpose(0, 2, 3, 1), **TOL)
    dy = rng.standard_normal(y.shape).astype(np.float32)
    yt.backward(torch.tensor(dy.transpose(0, 3, 1, 2).copy()))
    np.testing.assert_allclose(
        _C.max_pool2d_backward(dy, idx, x.shape, **args(case)),
        xt.grad.numpy().transpose(0, 2, 3, 1),
        **TOL,
    )
    if case[3] == "valid":  # PyTorch's padded average counts padding differently
        at = torch.tensor(x.transpose(0, 3, 1, 2).copy(), requires_grad=True)
        yat = F.avg_pool2d(at, (ph, pw), (sh, sw))
        np.testing.assert_allclose(
            _C.avg_pool2d_forward(x, **args(case)),
            yat.detach().numpy().transpose(0, 2, 3, 1),
            **TOL,
        )
        yat.backward(torch.tensor(dy.transpose(0, 3, 1, 2).copy()))
        np.testing.assert_allclose(
            _C.avg_pool2d_backward(dy, x.shape, **args(case)),
            at.grad.numpy().transpose(0, 2, 3, 1),
            **TOL,
        )
