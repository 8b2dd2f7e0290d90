"""Convolution ops on NHWC tensors with HWIO kernels, and the spatial reshaping ops.

Example:
    >>> x = ember.tensor(np.ones((1, 5, 5, 2)))
    >>> w = ember.Variable(np.ones((3, 3, 2, 4)))
    >>> ember.ops.convolutional.conv2d(x, w, None, padding="same").shape
    (1, 5, 5, 4)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ember.autograd import Function, Tensor
from ember.device import kernels
from ember.ops.core import fused_activation_backward
from ember.ops.math import to_float


class Conv2D(Function):
    """y = act(conv(x, kernel) + bias) with NHWC x and HWIO kernel; bias may be None."""

    def forward(
        self, x: np.ndarray, kernel: np.ndarray, bias: np.ndarray | None, geom: dict, act: str
    ) -> np.ndarray:
        self.geom, self.act = geom, act
        self.x, self.kernel = x, kernel
        self.y = kernels(x).conv2d_forward(x, kernel, bias, activation=act, **geom)
        return self.y

    # Set by a consumer that already applied the activation's gradient (ops.pooling.MaxPool2D).
    act_grad_done = False

    def backward(self, g: np.ndarray):
        dz = g if self.act_grad_done else fused_activation_backward(g, self.y, self.act)
        need_x, need_kernel, need_bias, _, _ = self.needs_input_grad
        k = kernels(dz)
        dx = dw = db = None
        if need_x:
            dx = k.conv2d_backward_input(dz, self.kernel, self.x.shape, **self.geom)
        if need_kernel:
            dw = k.conv2d_backward_weight(self.x, dz, self.kernel.shape[:2], **self.geom)
        if need_bias:
            db = k.conv2d_backward_bias(dz)
        return dx, dw, db, None, None


def conv2d(
    x: Any,
    kernel: Tensor,
    bias: Tensor | None,
    strides: Any = 1,
    padding: Any = "valid",
    dilation_rate: Any = 1,
    activation: str = "linear",
) -> Tensor:
    """2-D convolution; activation must be linear, relu, tanh or sigmoid (fused)."""
    geom = dict(strides=strides, padding=padding, dilation_rate=dilation_rate)
    return Conv2D.apply(to_float(x), kernel, bias, geom, activation)


class Conv2DTranspose(Function):
    """The gradient of a convolution as a layer: kernel (kh, kw, filters, in_channels)."""

    def forward(self, x, kernel, out_shape, geom):
        self.x, self.kernel, self.geom = x, kernel, geom
        return kernels(x).conv2d_backward_input(x, kernel, out_shape, **geom)

    def backward(self, g):
        need_x, need_kernel, _, _ = self.needs_input_grad
        k = kernels(g)
        dx = k.conv2d_forward(g, self.kernel, None, **self.geom) if need_x else None
        dw = None
        if need_kernel:
            dw = k.conv2d_backward_weight(g, self.x, self.kernel.shape[:2], **self.geom)
        return dx, dw, None, None


def conv2d_transpose(
    x: Any,
    kernel: Tensor,
    output_shape: tuple[int, int, int, int],
    strides: Any = 1,
    padding: Any = "valid",
    dilation_rate: Any = 1,
) -> Tensor:
    geom = dict(strides=strides, padding=padding, dilation_rate=dilation_rate)
    return Conv2DTranspose.apply(to_float(x), kernel, tuple(output_shape), geom)


class UpSampleNearest(Function):
    def forward(self, x: np.ndarray, sh: int, sw: int) -> np.ndarray:
        self.shape, self.sh, self.sw = x.shape, sh, sw
        return np.repeat(np.repeat(x, sh, axis=1), sw, axis=2)

    def backward(self, g: np.ndarray):
        n, h, w, c = self.shape
        dx = g.reshape(n, h, self.sh, w, self.sw, c).sum(axis=(2, 4), dtype=np.float32)
        return dx, None, None


def bilinear_weights(in_len: int, out_len: int) -> np.ndarray:
    """(out_len, in_len) interpolation matrix with half-pixel centres (TensorFlow's resize)."""
    src = (np.arange(out_len) + 0.5) * (in_len / out_len) - 0.5
    floor = np.floor(src)
    lower = np.maximum(floor, 0).astype(np.int64)
    upper = np.minimum(np.ceil(src), in_len - 1).astype(np.int64)
    frac = (src - floor).astype(np.float32)
    weights = np.zeros((out_len, in_len), np.float32)
    np.add.at(weights, (np.arange(out_len), lower), 1 - frac)
    np.add.at(weights, (np.arange(out_len), upper), frac)
    return weights


class UpSampleBilinear(Function):
    """Separable bilinear resize: y = A_h . x . A_w^T over each image and channel."""

    def forward(self, x: np.ndarray, sh: int, sw: int) -> np.ndarray:
        n, h, w, c = x.shape
        self.ah = bilinear_weights(h, h * sh)
        self.aw = bilinear_weights(w, w * sw)
        rows = np.einsum("oh,nhwc->nowc", self.ah, x, optimize=True)
        return np.einsum("pw,nowc->nopc", self.aw, rows, optimize=True).astype(np.float32)

    def backward(self, g: np.ndarray):
        cols = np.einsum("pw,nopc->nowc", self.aw, g, optimize=True)
        dx = np.einsum("oh,nowc->nhwc", self.ah, cols, optimize=True).astype(np.float32)
        return dx, None, None


def upsampling2d(x: Any, size: tuple[int, int], interpolation: str = "nearest") -> Tensor:
    op = UpSampleBilinear if interpolation == "bilinear" else UpSampleNearest
    return op.apply(to_float(x), int(size[0]), int(size[1]))


class ZeroPad2D(Function):
    def forward(self, x: np.ndarray, pads: tuple[tuple[int, int], tuple[int, int]]) -> np.ndarray:
        (t, b), (left, r) = pads
        self.window = (slice(None), slice(t, t + x.shape[1]), slice(left, left + x.shape[2]))
        return np.pad(x, ((0, 0), (t, b), (left, r), (0, 0)))

    def backward(self, g: np.ndarray):
        return np.ascontiguousarray(g[self.window]), None


def zero_padding2d(x: Any, pads: tuple[tuple[int, int], tuple[int, int]]) -> Tensor:
    return ZeroPad2D.apply(to_float(x), pads)


class Cropping2D(Function):
    def forward(self, x: np.ndarray, crops: tuple[tuple[int, int], tuple[int, int]]) -> np.ndarray:
        (t, b), (left, r) = crops
        self.shape = x.shape
        self.window = (slice(None), slice(t, x.shape[1] - b), slice(left, x.shape[2] - r))
        return np.ascontiguousarray(x[self.window])

    def backward(self, g: np.ndarray):
        out = np.zeros(self.shape, np.float32)
        out[self.window] = g
        return out, None


def cropping2d(x: Any, crops: tuple[tuple[int, int], tuple[int, int]]) -> Tensor:
    return Cropping2D.apply(to_float(x), crops)
