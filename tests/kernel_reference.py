"""Independent float64 numpy references for the convolution and pooling kernels.

These follow the TensorFlow padding rules from first principles and share no code with ember.
"""

from __future__ import annotations

import numpy as np


def pair(v) -> tuple[int, int]:
    return (v, v) if isinstance(v, int) else (int(v[0]), int(v[1]))


def same_pads(size: int, kernel: int, stride: int, dilation: int) -> tuple[int, int, int]:
    """(out, before, after) for TensorFlow 'same' padding along one axis."""
    out = -(-size // stride)
    extent = dilation * (kernel - 1) + 1
    total = max((out - 1) * stride + extent - size, 0)
    return out, total // 2, total - total // 2


def resolve_padding(padding, in_hw, kernel_hw, strides, dilation) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) for 'valid', 'same' or explicit padding."""
    if padding == "valid":
        return (0, 0, 0, 0)
    if padding == "same":
        _, t, b = same_pads(in_hw[0], kernel_hw[0], strides[0], dilation[0])
        _, left, r = same_pads(in_hw[1], kernel_hw[1], strides[1], dilation[1])
        return (t, b, left, r)
    flat = np.asarray(padding).reshape(-1)
    return tuple(int(v) for v in flat)


def _windows(xp, kh, kw, oh, ow, strides, dilation):
    """Yields (ky, kx, view) with view[n, oy, ox, c] = xp[n, oy*s + ky*d, ox*s + kx*d, c]."""
    sh, sw = strides
    dh, dw = dilation
    for ky in range(kh):
        for kx in range(kw):
            y0, x0 = ky * dh, kx * dw
            yield (
                ky,
                kx,
                (
                    slice(None),
                    slice(y0, y0 + sh * (oh - 1) + 1, sh),
                    slice(x0, x0 + sw * (ow - 1) + 1, sw),
                    slice(None),
                ),
            )


def conv2d_geometry(x_shape, w_shape, strides=1, padding="valid", dilation=1):
    strides, dilation = pair(strides), pair(dilation)
    n, h, w, c = x_shape
    kh, kw = w_shape[0], w_shape[1]
    t, b, left, r = resolve_padding(padding, (h, w), (kh, kw), strides, dilation)
    oh = (h + t + b - dilation[0] * (kh - 1) - 1) // strides[0] + 1
    ow = (w + left + r - dilation[1] * (kw - 1) - 1) // strides[1] + 1
    return strides, dilation, (t, b, left, r), oh, ow


def conv2d(x, w, bias=None, strides=1, padding="valid", dilation=1, activation=None):
    strides, dilation, (t, b, left, r), oh, ow = conv2d_geometry(
        x.shape, w.shape, strides, padding, dilation
    )
    xp = np.pad(x.astype(np.float64), ((0, 0), (t, b), (left, r), (0, 0)))
    w64 = w.astype(np.float64)
    y = np.zeros((x.shape[0], oh, ow, w.shape[3]))
    for ky, kx, view in _windows(xp, w.shape[0], w.shape[1], oh, ow, strides, dilation):
        y += xp[view] @ w64[ky, kx]
    if bias is not None:
        y += bias
    return activate(y, activation)


def conv2d_grads(x, w, dy, strides=1, padding="valid", dilation=1):
    """(dx, dw, db) of sum(conv2d(x, w) * dy)."""
    strides, dilation, (t, b, left, r), oh, ow = conv2d_geometry(
        x.shape, w.shape, strides, padding, dilation
    )
    xp = np.pad(x.astype(np.float64), ((0, 0), (t, b), (left, r), (0, 0)))
    dxp = np.zeros_like(xp)
    w64, dy64 = w.astype(np.float64), dy.astype(np.float64)
    dw = np.zeros(w.shape)
    for ky, kx, view in _windows(xp, w.shape[0], w.shape[1], oh, ow, strides, dilation):
        dxp[view] += dy64 @ w64[ky, kx].T
        dw[ky, kx] = np.einsum("nhwc,nhwo->co", xp[view], dy64)
    dx = dxp[:, t : t + x.shape[1], left : left + x.shape[2], :]
    return dx, dw, dy64.sum(axis=(0, 1, 2))


def activate(y, activation):
    if activation in (None, "linear"):
        return y
    if activation == "relu":
        return np.where(y < 0, 0.0, y)
    if activation == "tanh":
        return np.tanh(y)
    if activation == "sigmoid":
        return 1.0 / (1.0 + np.exp(-y))
    raise ValueError(activation)


def pool_geometry(x_shape, pool_size, strides, padding):
    ph, pw = pair(pool_size)
    sh, sw = pair(strides) if strides is not None else (ph, pw)
    n, h, w, c = x_shape
    if padding == "same":
        oh, t, _ = same_pads(h, ph, sh, 1)
        ow, left, _ = same_pads(w, pw, sw, 1)
    else:
        oh, ow, t, left = (h - ph) // sh + 1, (w - pw) // sw + 1, 0, 0
    return (ph, pw), (sh, sw), (t, left), oh, ow


def _cells(x_shape, pool_size, strides, padding):
    """Yields (oy, ox, rows, cols) with the real (unpadded) window cells, row-major."""
    (ph, pw), (sh, sw), (t, left), oh, ow = pool_geometry(x_shape, pool_size, strides, padding)
    h, w = x_shape[1], x_shape[2]
    for oy in range(oh):
        rows = [y for y in range(oy * sh - t, oy * sh - t + ph) if 0 <= y < h]
        for ox in range(ow):
            cols = [c for c in range(ox * sw - left, ox * sw - left + pw) if 0 <= c < w]
            yield oy, ox, rows, cols


def max_pool(x, pool_size=2, strides=None, padding="valid"):
    """(y, indices): first maximum in row-major window order; NaN wins over numbers."""
    _, _, _, oh, ow = pool_geometry(x.shape, pool_size, strides, padding)
    n, _, w, c = x.shape
    y = np.empty((n, oh, ow, c), np.float64)
    idx = np.empty((n, oh, ow, c), np.int64)
    for oy, ox, rows, cols in _cells(x.shape, pool_size, strides, padding):
        flat = np.stack([x[:, r, q, :] for r in rows for q in cols], axis=1)  # (n, cells, c)
        positions = np.array([r * w + q for r in rows for q in cols])
        nan = np.isnan(flat)
        # first NaN if any, else first maximum
        first_nan = np.argmax(nan, axis=1)
        first_max = np.argmax(np.where(nan, -np.inf, flat), axis=1)
        pick = np.where(nan.any(axis=1), first_nan, first_max)
        y[:, oy, ox, :] = np.take_along_axis(flat, pick[:, None, :], axis=1)[:, 0, :]
        idx[:, oy, ox, :] = positions[pick]
    return y, idx


def max_pool_grad(x_shape, dy, idx):
    n, h, w, c = x_shape
    dx = np.zeros((n, h * w, c))
    for b in range(n):
        for ch in range(c):
            np.add.at(dx[b, :, ch], idx[b, ..., ch].ravel(), dy[b, ..., ch].ravel())
    return dx.reshape(x_shape)


def avg_pool(x, pool_size=2, strides=None, padding="valid"):
    _, _, _, oh, ow = pool_geometry(x.shape, pool_size, strides, padding)
    y = np.empty((x.shape[0], oh, ow, x.shape[3]))
    for oy, ox, rows, cols in _cells(x.shape, pool_size, strides, padding):
        y[:, oy, ox, :] = x[:, rows][:, :, cols].astype(np.float64).mean(axis=(1, 2))
    return y


def avg_pool_grad(x_shape, dy, pool_size=2, strides=None, padding="valid"):
    dx = np.zeros(x_shape)
    for oy, ox, rows, cols in _cells(x_shape, pool_size, strides, padding):
        share = dy[:, oy, ox, :].astype(np.float64) / (len(rows) * len(cols))
        for r in rows:
            for q in cols:
                dx[:, r, q, :] += share
    return dx
