"""``keras.ops.nn``: activations, convolutions, pooling, normalization, encodings,
crossentropies and attention.

Where a public op maps onto one of ember's compiled kernels it calls it: 2-D (and, reshaped,
1-D) convolutions and transposed convolutions, max and average pooling, the activation
kernels, softmax and log-softmax. 3-D convolutions and pooling, depthwise convolutions and
the rest are whole-tensor numpy over the kernel taps (one step per tap, never per pixel) or
compositions of differentiable ops. Layouts are Keras': channels-last by default
(``data_format="channels_first"`` is transposed around the channels-last computation),
kernels ``(*spatial, in_channels, out_channels)``.

Example:
    >>> from ember import ops
    >>> x = ops.ones((1, 5, 5, 2))
    >>> k = ops.ones((3, 3, 2, 4))
    >>> ops.nn.conv(x, k, strides=2, padding="same").shape
    (1, 3, 3, 4)
    >>> ops.nn.max_pool(x, 2).shape
    (1, 2, 2, 2)
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

from ember.autograd import Function, Tensor, standardize_dtype
from ember.ops import activations as act_ops
from ember.ops import convolutional as conv_ops
from ember.ops import elementwise as ew
from ember.ops import pooling as pool_ops
from ember.ops import reduction as red
from ember.ops import shaping
from ember.ops.base import (
    cast,
    convert,
    keras_op,
    normalize_axes,
    normalize_axis,
    not_implemented,
)
from ember.ops.indexing import sort, take

_EPSILON = 1e-7  # Keras' backend.epsilon()


def _float(x: Any) -> Tensor:
    return ew._float_input(x)


# ------------------------------------------------------------------ activations
def _kernel_activation(x: Any, name: str, alpha: float = 0.0) -> Tensor:
    return act_ops.activation(_float(x), name, alpha)


@keras_op
def relu(x: Any) -> Tensor:
    """max(x, 0); integers stay integers.

    Example:
        >>> ember.ops.relu([-1.0, 2.0]).numpy()
        array([0., 2.], dtype=float32)
    """
    t = convert(x)
    if t.dtype.kind in "iu":
        return Tensor(np.maximum(t.data, 0).astype(t.dtype))
    return _kernel_activation(t, "relu")


@keras_op
def relu6(x: Any) -> Tensor:
    """min(max(x, 0), 6).

    Example:
        >>> ember.ops.relu6([-1.0, 7.0]).numpy()
        array([0., 6.], dtype=float32)
    """
    return _kernel_activation(x, "relu6")


@keras_op
def sigmoid(x: Any) -> Tensor:
    """1 / (1 + exp(-x)).

    Example:
        >>> ember.ops.sigmoid([0.0]).numpy()
        array([0.5], dtype=float32)
    """
    return _kernel_activation(x, "sigmoid")


@keras_op
def softplus(x: Any) -> Tensor:
    """log(1 + exp(x)), computed stably.

    Example:
        >>> ember.ops.softplus([0.0]).numpy()
        array([0.6931472], dtype=float32)
    """
    return _kernel_activation(x, "softplus")


@keras_op
def softsign(x: Any) -> Tensor:
    """x / (1 + |x|).

    Example:
        >>> ember.ops.softsign([1.0]).numpy()
        array([0.5], dtype=float32)
    """
    return _kernel_activation(x, "softsign")


@keras_op
def silu(x: Any) -> Tensor:
    """x * sigmoid(x) (Swish).

    Example:
        >>> ember.ops.silu([0.0]).numpy()
        array([0.], dtype=float32)
    """
    return _kernel_activation(x, "swish")


@keras_op
def swish(x: Any) -> Tensor:
    """Same as ``silu``.

    Example:
        >>> ember.ops.swish([0.0]).numpy()
        array([0.], dtype=float32)
    """
    return _kernel_activation(x, "swish")


@keras_op
def log_sigmoid(x: Any) -> Tensor:
    """log(sigmoid(x)) = -softplus(-x), stable for large |x|.

    Example:
        >>> ember.ops.log_sigmoid([0.0]).numpy()
        array([-0.6931472], dtype=float32)
    """
    return ew.negative(_kernel_activation(ew.negative(_float(x)), "softplus"))


@keras_op
def leaky_relu(x: Any, negative_slope: float = 0.2) -> Tensor:
    """x for x >= 0, negative_slope * x below.

    Example:
        >>> ember.ops.leaky_relu([-1.0, 1.0]).numpy()
        array([-0.2,  1. ], dtype=float32)
    """
    return _kernel_activation(x, "leaky_relu", float(negative_slope))


@keras_op
def hard_sigmoid(x: Any) -> Tensor:
    """relu6(x + 3) / 6.

    Example:
        >>> ember.ops.hard_sigmoid([0.0]).numpy()
        array([0.5], dtype=float32)
    """
    return _kernel_activation(x, "hard_sigmoid")


@keras_op
def hard_silu(x: Any) -> Tensor:
    """x * hard_sigmoid(x).

    Example:
        >>> ember.ops.hard_silu([3.0]).numpy()
        array([3.], dtype=float32)
    """
    t = _float(x)
    return ew.multiply(t, _kernel_activation(t, "hard_sigmoid"))


@keras_op
def hard_swish(x: Any) -> Tensor:
    """Same as ``hard_silu``.

    Example:
        >>> ember.ops.hard_swish([-3.0]).numpy()
        array([-0.], dtype=float32)
    """
    t = _float(x)
    return ew.multiply(t, _kernel_activation(t, "hard_sigmoid"))


@keras_op
def elu(x: Any, alpha: float = 1.0) -> Tensor:
    """x for x > 0, alpha * (exp(x) - 1) below.

    Example:
        >>> ember.ops.elu([1.0]).numpy()
        array([1.], dtype=float32)
    """
    return _kernel_activation(x, "elu", float(alpha))


@keras_op
def selu(x: Any) -> Tensor:
    """scale * elu(x, alpha) with Keras' fixed scale and alpha.

    Example:
        >>> ember.ops.selu([0.0]).numpy()
        array([0.], dtype=float32)
    """
    return _kernel_activation(x, "selu")


@keras_op
def gelu(x: Any, approximate: bool = True) -> Tensor:
    """The Gaussian error linear unit: x * Phi(x), by default with the tanh approximation.

    Example:
        >>> ember.ops.gelu([1.0], approximate=False).numpy()
        array([0.8413447], dtype=float32)
    """
    return _kernel_activation(x, "gelu_tanh" if approximate else "gelu")


@keras_op
def celu(x: Any, alpha: float = 1.0) -> Tensor:
    """max(x, 0) + alpha * expm1(min(x, 0) / alpha).

    Example:
        >>> ember.ops.celu([-1.0, 1.0]).numpy()
        array([-0.63212055,  1.        ], dtype=float32)
    """
    t = _float(x)
    a = float(alpha)
    neg = ew.multiply(ew.expm1(ew.divide(ew.minimum(t, 0.0), a)), a)
    return ew.add(ew.maximum(t, 0.0), neg)


@keras_op
def glu(x: Any, axis: int = -1) -> Tensor:
    """The gated linear unit: the first half of x along ``axis`` times the sigmoid of the
    second half.

    Example:
        >>> ember.ops.glu([1.0, 0.0]).numpy()
        array([0.5], dtype=float32)
    """
    t = _float(x)
    a = normalize_axis(axis, t.ndim, "glu")
    if t.shape[a] % 2:
        raise ValueError(f"glu: the size of axis {axis} must be even, received shape {t.shape}")
    first, second = shaping.split(t, 2, axis=a)
    return ew.multiply(first, sigmoid(second))


@keras_op
def hard_tanh(x: Any) -> Tensor:
    """x clipped to [-1, 1].

    Example:
        >>> ember.ops.hard_tanh([-2.0, 0.5]).numpy()
        array([-1. ,  0.5], dtype=float32)
    """
    return ew.clip(_float(x), -1.0, 1.0)


@keras_op
def hard_shrink(x: Any, threshold: float = 0.5) -> Tensor:
    """x where |x| > threshold, else 0.

    Example:
        >>> ember.ops.hard_shrink([0.3, -0.7]).numpy()
        array([ 0. , -0.7], dtype=float32)
    """
    t = _float(x)
    return ew.where(ew.greater(ew.abs(t), float(threshold)), t, 0.0)


@keras_op
def soft_shrink(x: Any, threshold: float = 0.5) -> Tensor:
    """x - threshold above threshold, x + threshold below -threshold, else 0.

    Example:
        >>> ember.ops.soft_shrink([0.3, -1.5]).numpy()
        array([ 0., -1.], dtype=float32)
    """
    t = _float(x)
    th = float(threshold)
    lower = ew.where(ew.less(t, -th), ew.add(t, th), 0.0)
    return ew.where(ew.greater(t, th), ew.subtract(t, th), lower)


@keras_op
def tanh_shrink(x: Any) -> Tensor:
    """x - tanh(x).

    Example:
        >>> ember.ops.tanh_shrink([0.0]).numpy()
        array([0.], dtype=float32)
    """
    t = _float(x)
    return ew.subtract(t, ew.tanh(t))


@keras_op
def threshold(x: Any, threshold: float, default_value: float) -> Tensor:
    """x where x > threshold, else ``default_value``.

    Example:
        >>> ember.ops.threshold([0.5, 2.0], 1.0, -1.0).numpy()
        array([-1.,  2.], dtype=float32)
    """
    t = _float(x)
    return ew.where(ew.greater(t, threshold), t, default_value)


@keras_op
def sparse_plus(x: Any) -> Tensor:
    """0 for x <= -1, (x + 1)**2 / 4 for -1 < x < 1, x for x >= 1.

    Example:
        >>> ember.ops.sparse_plus([-2.0, 0.0, 2.0]).numpy()
        array([0.  , 0.25, 2.  ], dtype=float32)
    """
    t = _float(x)
    mid = ew.multiply(ew.square(ew.add(t, 1.0)), 0.25)
    return ew.where(ew.less_equal(t, -1.0), 0.0, ew.where(ew.less(t, 1.0), mid, t))


@keras_op
def sparse_sigmoid(x: Any) -> Tensor:
    """0 for x <= -1, (x + 1) / 2 in between, 1 for x >= 1.

    Example:
        >>> ember.ops.sparse_sigmoid([-2.0, 0.0, 2.0]).numpy()
        array([0. , 0.5, 1. ], dtype=float32)
    """
    t = _float(x)
    mid = ew.multiply(ew.add(t, 1.0), 0.5)
    return ew.where(ew.less_equal(t, -1.0), 0.0, ew.where(ew.greater_equal(t, 1.0), 1.0, mid))


@keras_op
def squareplus(x: Any, b: float = 4) -> Tensor:
    """(x + sqrt(x**2 + b)) / 2.

    Example:
        >>> ember.ops.squareplus([0.0]).numpy()
        array([1.], dtype=float32)
    """
    t = _float(x)
    return ew.multiply(ew.add(t, ew.sqrt(ew.add(ew.square(t), float(b)))), 0.5)


def _over_axes(x: Tensor, axis: Any, fn: Any, op: str) -> Tensor:
    """fn (a last-axis op) applied over ``axis``: an int, a tuple (flattened together) or
    None (all axes)."""
    if axis is None:
        return shaping.reshape(fn(shaping.reshape(x, (-1,))), x.shape)
    axes = normalize_axes(axis, x.ndim, op)
    if axes == (x.ndim - 1,):
        return fn(x)
    rest = [i for i in range(x.ndim) if i not in axes]
    moved = shaping.transpose(x, rest + list(axes))
    inner = moved.shape[len(rest) :]
    flat = shaping.reshape(moved, moved.shape[: len(rest)] + (-1,))
    out = shaping.reshape(fn(flat), moved.shape[: len(rest)] + inner)
    return shaping.transpose(out, list(np.argsort(rest + list(axes))))


@keras_op
def softmax(x: Any, axis: Any = -1) -> Tensor:
    """exp(x) normalized to sum to 1 over ``axis`` (an int, a tuple, or None for all).

    Example:
        >>> ember.ops.softmax([0.0, 0.0]).numpy()
        array([0.5, 0.5], dtype=float32)
    """
    t = _float(x)
    if isinstance(axis, int):
        return act_ops.softmax(t, normalize_axis(axis, t.ndim, "softmax"))
    return _over_axes(t, axis, act_ops.softmax, "softmax")


@keras_op
def log_softmax(x: Any, axis: Any = -1) -> Tensor:
    """log(softmax(x)) over ``axis``, computed stably.

    Example:
        >>> ember.ops.log_softmax([0.0, 0.0]).numpy()
        array([-0.6931472, -0.6931472], dtype=float32)
    """
    t = _float(x)
    if isinstance(axis, int):
        return act_ops.log_softmax(t, normalize_axis(axis, t.ndim, "log_softmax"))
    return _over_axes(t, axis, act_ops.log_softmax, "log_softmax")


@keras_op
def sparsemax(x: Any, axis: int = -1) -> Tensor:
    """The Euclidean projection of x onto the probability simplex along ``axis`` (a sparse
    softmax).

    Example:
        >>> ember.ops.sparsemax([1.0, 0.0, -1.0]).numpy()
        array([1., 0., 0.], dtype=float32)
    """
    t = _float(x)
    a = normalize_axis(axis, t.ndim, "sparsemax")
    desc = shaping.flip(sort(t, axis=a), axis=a)
    csum = red.cumsum(desc, axis=a)
    shape = [1] * t.ndim
    shape[a] = t.shape[a]
    ranks = Tensor(np.arange(1, t.shape[a] + 1, dtype=np.float32).reshape(shape))
    support = ew.greater(desc, ew.divide(ew.subtract(csum, 1.0), ranks))
    k = red.sum(cast(support, "float32"), axis=a, keepdims=True)
    total = red.sum(ew.where(support, desc, 0.0), axis=a, keepdims=True)
    tau = ew.divide(ew.subtract(total, 1.0), k)
    return ew.maximum(ew.subtract(t, tau), 0.0)


# ------------------------------------------------------------------ conv geometry
def _tuple(value: Any, n: int, name: str, op: str) -> tuple[int, ...]:
    if isinstance(value, (int, np.integer)):
        return (int(value),) * n
    out = tuple(int(v) for v in value)
    if len(out) == 1:
        return out * n
    if len(out) != n:
        raise ValueError(f"{op}: `{name}` must be an int or {n} ints, received {value!r}")
    return out


def _padding(padding: Any, op: str) -> str:
    p = str(padding).lower()
    if p not in ("valid", "same"):
        raise ValueError(f"{op}: `padding` must be 'valid' or 'same', received {padding!r}")
    return p


def _data_format(data_format: Any, op: str) -> str:
    fmt = "channels_last" if data_format is None else str(data_format).lower()
    if fmt not in ("channels_last", "channels_first"):
        raise ValueError(
            f"{op}: `data_format` must be 'channels_last' or 'channels_first', received "
            f"{data_format!r}"
        )
    return fmt


def _to_last(x: Tensor, fmt: str) -> Tensor:
    if fmt == "channels_last":
        return x
    return shaping.transpose(x, [0, *range(2, x.ndim), 1])


def _from_last(y: Tensor, fmt: str) -> Tensor:
    if fmt == "channels_last":
        return y
    return shaping.transpose(y, [0, y.ndim - 1, *range(1, y.ndim - 1)])


def _geometry(
    sizes: tuple[int, ...],
    window: tuple[int, ...],
    strides: tuple[int, ...],
    dilations: tuple[int, ...],
    padding: str,
    op: str,
) -> tuple[tuple[int, ...], tuple[tuple[int, int], ...]]:
    """Output sizes and (before, after) paddings, TensorFlow's rule for "same"."""
    outs, pads = [], []
    for n, k, s, d in zip(sizes, window, strides, dilations):
        if s < 1 or d < 1 or k < 1:
            raise ValueError(
                f"{op}: window sizes, strides and dilation rates must be >= 1, received "
                f"window {window}, strides {strides}, dilation {dilations}"
            )
        span = d * (k - 1) + 1
        if padding == "valid":
            if span > n:
                raise ValueError(
                    f"{op}: the window (effective size {span}) is larger than the input "
                    f"(size {n}) with padding='valid'"
                )
            outs.append((n - span) // s + 1)
            pads.append((0, 0))
        else:
            o = -(-n // s)
            total = max((o - 1) * s + span - n, 0)
            outs.append(o)
            pads.append((total // 2, total - total // 2))
    return tuple(outs), tuple(pads)


def _tap_windows(
    window: tuple[int, ...], outs: tuple[int, ...], strides: tuple[int, ...], dil: tuple[int, ...]
):
    """For each kernel tap: the tap index and the slices of the padded input it reads."""
    for tap in itertools.product(*[range(k) for k in window]):
        sl = tuple(
            slice(t * d, t * d + s * (o - 1) + 1, s) for t, d, s, o in zip(tap, dil, strides, outs)
        )
        yield tap, (slice(None), *sl, slice(None))


def _pad_input(x: np.ndarray, pads: tuple[tuple[int, int], ...], value: float = 0.0):
    if not any(a or b for a, b in pads):
        return x
    return np.pad(x, ((0, 0), *pads, (0, 0)), constant_values=value)


def _crop(xp: np.ndarray, pads: tuple[tuple[int, int], ...]) -> np.ndarray:
    window = tuple(slice(a, xp.shape[i + 1] - b) for i, (a, b) in enumerate(pads))
    return np.ascontiguousarray(xp[(slice(None), *window, slice(None))])


def _tap_forward(xp, kernel, geom, depthwise):
    window, outs, strides, dil = geom["window"], geom["outs"], geom["strides"], geom["dil"]
    n, c = xp.shape[0], xp.shape[-1]
    if depthwise:
        m = kernel.shape[-1]
        y = np.zeros((n, *outs, c, m), np.float32)
        for tap, sl in _tap_windows(window, outs, strides, dil):
            y += xp[sl][..., None] * kernel[tap]
        return y.reshape(n, *outs, c * m)
    y = np.zeros((n, *outs, kernel.shape[-1]), np.float32)
    for tap, sl in _tap_windows(window, outs, strides, dil):
        y += np.tensordot(xp[sl], kernel[tap], axes=([-1], [0]))
    return y


def _tap_input_grad(g, kernel, geom, padded_shape, depthwise):
    window, outs, strides, dil = geom["window"], geom["outs"], geom["strides"], geom["dil"]
    dxp = np.zeros(padded_shape, np.float32)
    if depthwise:
        c, m = kernel.shape[-2], kernel.shape[-1]
        g = g.reshape(*g.shape[:-1], c, m)
        for tap, sl in _tap_windows(window, outs, strides, dil):
            dxp[sl] += (g * kernel[tap]).sum(axis=-1)
        return dxp
    for tap, sl in _tap_windows(window, outs, strides, dil):
        dxp[sl] += np.tensordot(g, kernel[tap], axes=([-1], [1]))
    return dxp


def _tap_kernel_grad(xp, g, geom, kernel_shape, depthwise):
    window, outs, strides, dil = geom["window"], geom["outs"], geom["strides"], geom["dil"]
    dk = np.zeros(kernel_shape, np.float32)
    lead = tuple(range(len(outs) + 1))
    if depthwise:
        c, m = kernel_shape[-2], kernel_shape[-1]
        g = g.reshape(*g.shape[:-1], c, m)
        for tap, sl in _tap_windows(window, outs, strides, dil):
            dk[tap] = (xp[sl][..., None] * g).sum(axis=lead)
        return dk
    for tap, sl in _tap_windows(window, outs, strides, dil):
        dk[tap] = np.tensordot(xp[sl], g, axes=(lead, lead))
    return dk


class TapConv(Function):
    """An N-D convolution (or depthwise convolution) of a channels-last x with a
    ``(*window, C, O)`` kernel, one whole-tensor product per kernel tap."""

    def forward(self, x, kernel, geom: dict, depthwise: bool):
        self.geom, self.depthwise = geom, depthwise
        xp = _pad_input(x, geom["pads"])
        if self.record:
            self.xp, self.kernel = xp, kernel
        return _tap_forward(xp, kernel, geom, depthwise)

    def backward(self, g):
        need_x, need_k, _, _ = self.needs_input_grad
        dx = dk = None
        if need_x:
            dxp = _tap_input_grad(g, self.kernel, self.geom, self.xp.shape, self.depthwise)
            dx = _crop(dxp, self.geom["pads"])
        if need_k:
            dk = _tap_kernel_grad(self.xp, g, self.geom, self.kernel.shape, self.depthwise)
        return dx, dk, None, None


class TapConvTranspose(Function):
    """The transpose (input gradient) of ``TapConv``, as an op: x holds the convolution's
    outputs, the result its inputs."""

    def forward(self, x, kernel, geom: dict, out_shape: tuple[int, ...]):
        self.geom, self.x, self.kernel = geom, x, kernel
        pads = geom["pads"]
        padded = (
            out_shape[0],
            *[n + a + b for n, (a, b) in zip(out_shape[1:-1], pads)],
            out_shape[-1],
        )
        self.padded = padded
        return _crop(_tap_input_grad(x, kernel, geom, padded, False), pads)

    def backward(self, g):
        need_x, need_k, _, _ = self.needs_input_grad
        gp = _pad_input(g, self.geom["pads"])
        dx = _tap_forward(gp, self.kernel, self.geom, False) if need_x else None
        dk = _tap_kernel_grad(gp, self.x, self.geom, self.kernel.shape, False) if need_k else None
        return dx, dk, None, None


def _conv_inputs(inputs: Any, kernel: Any, op: str) -> tuple[Tensor, Tensor]:
    x, k = _float(inputs), _float(kernel)
    if x.ndim not in (3, 4, 5):
        raise ValueError(
            f"{op}: `inputs` must be 3-D, 4-D or 5-D (batch, *spatial, channels), received "
            f"shape {x.shape}"
        )
    if k.ndim != x.ndim:
        raise ValueError(
            f"{op}: `kernel` must have the rank of `inputs` ({x.ndim}), received shape {k.shape}"
        )
    return x, k


def _conv_last(x: Tensor, k: Tensor, strides, padding, dilation, op: str) -> Tensor:
    """A plain (ungrouped) convolution of channels-last x."""
    rank = x.ndim - 2
    if rank == 2:
        return conv_ops.conv2d(x, k, None, strides, padding, dilation)
    if rank == 1:
        x2 = shaping.expand_dims(x, 1)
        k2 = shaping.expand_dims(k, 0)
        y = conv_ops.conv2d(x2, k2, None, (1, strides[0]), padding, (1, dilation[0]))
        return shaping.squeeze(y, 1)
    window = k.shape[:-2]
    outs, pads = _geometry(x.shape[1:-1], window, strides, dilation, padding, op)
    geom = dict(window=window, outs=outs, pads=pads, strides=strides, dil=dilation)
    return TapConv.apply(x, k, geom, False)


@keras_op
def conv(
    inputs: Any,
    kernel: Any,
    strides: Any = 1,
    padding: str = "valid",
    data_format: str | None = None,
    dilation_rate: Any = 1,
) -> Tensor:
    """N-D convolution (1-D, 2-D or 3-D) of ``inputs`` (batch, *spatial, channels) with a
    ``(*window, in_channels // groups, out_channels)`` kernel; fewer kernel input channels
    than input channels make a grouped convolution.

    Example:
        >>> ember.ops.conv(ember.ops.ones((1, 4, 4, 1)), ember.ops.ones((2, 2, 1, 1))).shape
        (1, 3, 3, 1)
    """
    op = "conv"
    x, k = _conv_inputs(inputs, kernel, op)
    fmt = _data_format(data_format, op)
    x = _to_last(x, fmt)
    rank = x.ndim - 2
    s = _tuple(strides, rank, "strides", op)
    d = _tuple(dilation_rate, rank, "dilation_rate", op)
    pad = _padding(padding, op)
    c, kin, o = x.shape[-1], k.shape[-2], k.shape[-1]
    if kin == 0 or c % kin or o % (c // kin):
        raise ValueError(
            f"{op}: the input's {c} channels must be a multiple of the kernel's {kin} input "
            f"channels, and the kernel's {o} output channels a multiple of the groups; input "
            f"shape {x.shape}, kernel shape {k.shape}"
        )
    groups = c // kin
    _geometry(x.shape[1:-1], k.shape[:-2], s, d, pad, op)  # validates the window
    if groups == 1:
        y = _conv_last(x, k, s, pad, d, op)
    else:
        xs = shaping.split(x, groups, axis=-1)
        ks = shaping.split(k, groups, axis=-1)
        y = shaping.concatenate(
            [_conv_last(xg, kg, s, pad, d, op) for xg, kg in zip(xs, ks)], axis=-1
        )
    return _from_last(y, fmt)


@keras_op
def depthwise_conv(
    inputs: Any,
    kernel: Any,
    strides: Any = 1,
    padding: str = "valid",
    data_format: str | None = None,
    dilation_rate: Any = 1,
) -> Tensor:
    """Depthwise convolution: each input channel convolved with its own
    ``(*window, channels, multiplier)`` filters; channels * multiplier outputs.

    Example:
        >>> x, k = ember.ops.ones((1, 4, 4, 2)), ember.ops.ones((3, 3, 2, 2))
        >>> ember.ops.depthwise_conv(x, k, padding="same").shape
        (1, 4, 4, 4)
    """
    op = "depthwise_conv"
    x, k = _conv_inputs(inputs, kernel, op)
    fmt = _data_format(data_format, op)
    x = _to_last(x, fmt)
    rank = x.ndim - 2
    if k.shape[-2] != x.shape[-1]:
        raise ValueError(
            f"{op}: the kernel's input channels ({k.shape[-2]}) must equal the input's "
            f"({x.shape[-1]}); kernel shape {k.shape}, input shape {x.shape}"
        )
    s = _tuple(strides, rank, "strides", op)
    d = _tuple(dilation_rate, rank, "dilation_rate", op)
    window = k.shape[:-2]
    outs, pads = _geometry(x.shape[1:-1], window, s, d, _padding(padding, op), op)
    geom = dict(window=window, outs=outs, pads=pads, strides=s, dil=d)
    return _from_last(TapConv.apply(x, k, geom, True), fmt)


@keras_op
def separable_conv(
    inputs: Any,
    depthwise_kernel: Any,
    pointwise_kernel: Any,
    strides: Any = 1,
    padding: str = "valid",
    data_format: str | None = None,
    dilation_rate: Any = 1,
) -> Tensor:
    """A depthwise convolution followed by a 1x1 (pointwise) convolution.

    Example:
        >>> x = ember.ops.ones((1, 4, 4, 2))
        >>> dw, pw = ember.ops.ones((3, 3, 2, 1)), ember.ops.ones((1, 1, 2, 5))
        >>> ember.ops.separable_conv(x, dw, pw).shape
        (1, 2, 2, 5)
    """
    y = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format, dilation_rate)
    return conv(y, pointwise_kernel, 1, "valid", data_format, 1)


def _transpose_length(n: int, k: int, s: int, d: int, padding: str, out_pad: int | None) -> int:
    span = d * (k - 1) + 1
    if out_pad is None:
        return n * s + max(span - s, 0) if padding == "valid" else n * s
    pad = span // 2 if padding == "same" else 0
    return (n - 1) * s + span - 2 * pad + out_pad


@keras_op
def conv_transpose(
    inputs: Any,
    kernel: Any,
    strides: Any = 1,
    padding: str = "valid",
    output_padding: Any = None,
    data_format: str | None = None,
    dilation_rate: Any = 1,
) -> Tensor:
    """The transposed convolution (the gradient of ``conv`` with respect to its input) with
    a ``(*window, out_channels, in_channels)`` kernel; output sizes follow Keras.

    Example:
        >>> x, k = ember.ops.ones((1, 3, 3, 2)), ember.ops.ones((3, 3, 4, 2))
        >>> ember.ops.conv_transpose(x, k, strides=2, padding="same").shape
        (1, 6, 6, 4)
    """
    op = "conv_transpose"
    x, k = _conv_inputs(inputs, kernel, op)
    fmt = _data_format(data_format, op)
    x = _to_last(x, fmt)
    rank = x.ndim - 2
    if k.shape[-1] != x.shape[-1]:
        raise ValueError(
            f"{op}: the kernel's last axis ({k.shape[-1]}) must equal the input's channels "
            f"({x.shape[-1]}); kernel shape {k.shape}, input shape {x.shape}"
        )
    s = _tuple(strides, rank, "strides", op)
    d = _tuple(dilation_rate, rank, "dilation_rate", op)
    pad = _padding(padding, op)
    ops_ = (
        (None,) * rank
        if output_padding is None
        else _tuple(output_padding, rank, "output_padding", op)
    )
    window = k.shape[:-2]
    sizes = tuple(
        _transpose_length(n, kk, ss, dd, pad, p)
        for n, kk, ss, dd, p in zip(x.shape[1:-1], window, s, d, ops_)
    )
    out_shape = (x.shape[0], *sizes, k.shape[-2])
    outs, pads = _geometry(sizes, window, s, d, pad, op)
    if outs != x.shape[1:-1]:
        raise ValueError(
            f"{op}: output_padding={output_padding} gives output sizes {sizes} that a "
            f"convolution maps to {outs}, not the input's {x.shape[1:-1]}"
        )
    if rank == 2:
        y = conv_ops.conv2d_transpose(x, k, out_shape, s, pad, d)
    elif rank == 1:
        y = conv_ops.conv2d_transpose(
            shaping.expand_dims(x, 1),
            shaping.expand_dims(k, 0),
            (out_shape[0], 1, out_shape[1], out_shape[2]),
            (1, s[0]),
            pad,
            (1, d[0]),
        )
        y = shaping.squeeze(y, 1)
    else:
        geom = dict(window=window, outs=outs, pads=pads, strides=s, dil=d)
        # the tap routines take the kernel as (*window, C_in_of_conv, C_out_of_conv)
        y = TapConvTranspose.apply(x, k, geom, out_shape)
    return _from_last(y, fmt)


# ------------------------------------------------------------------ pooling
class TapPool(Function):
    """Max or average pooling over N-D windows of a channels-last x, one whole-tensor step
    per window position; average pooling with "same" divides by the real (unpadded) cells."""

    def forward(self, x, geom: dict, kind: str):
        self.geom, self.kind, self.shape = geom, kind, x.shape
        pads = geom["pads"]
        window, outs, strides = geom["window"], geom["outs"], geom["strides"]
        dil = (1,) * len(window)
        if kind == "max":
            xp = _pad_input(x, pads, -np.inf)
            best = np.full((x.shape[0], *outs, x.shape[-1]), -np.inf, np.float32)
            which = np.zeros(best.shape, np.int64)
            for i, (_, sl) in enumerate(_tap_windows(window, outs, strides, dil)):
                v = xp[sl]
                better = v > best
                best = np.where(better, v, best)
                which = np.where(better, i, which)
            self.which = which
            return best
        xp = _pad_input(x, pads)
        ones = _pad_input(np.ones((1, *x.shape[1:-1], 1), np.float32), pads)
        total = np.zeros((x.shape[0], *outs, x.shape[-1]), np.float32)
        count = np.zeros((1, *outs, 1), np.float32)
        for _, sl in _tap_windows(window, outs, strides, dil):
            total += xp[sl]
            count += ones[sl]
        self.count = count
        return total / count

    def backward(self, g):
        geom = self.geom
        pads, window, outs, strides = geom["pads"], geom["window"], geom["outs"], geom["strides"]
        dil = (1,) * len(window)
        padded = (
            self.shape[0],
            *[n + a + b for n, (a, b) in zip(self.shape[1:-1], pads)],
            self.shape[-1],
        )
        dxp = np.zeros(padded, np.float32)
        share = g if self.kind == "max" else g / self.count
        for i, (_, sl) in enumerate(_tap_windows(window, outs, strides, dil)):
            dxp[sl] += share * (self.which == i) if self.kind == "max" else share
        return _crop(dxp, pads), None, None


def _pool(inputs, pool_size, strides, padding, data_format, kind: str, op: str) -> Tensor:
    x = _float(inputs)
    if x.ndim not in (3, 4, 5):
        raise ValueError(
            f"{op}: `inputs` must be 3-D, 4-D or 5-D (batch, *spatial, channels), received "
            f"shape {x.shape}"
        )
    fmt = _data_format(data_format, op)
    x = _to_last(x, fmt)
    rank = x.ndim - 2
    window = _tuple(pool_size, rank, "pool_size", op)
    s = window if strides is None else _tuple(strides, rank, "strides", op)
    pad = _padding(padding, op)
    outs, pads = _geometry(x.shape[1:-1], window, s, (1,) * rank, pad, op)
    fn = pool_ops.max_pool2d if kind == "max" else pool_ops.avg_pool2d
    if rank == 2:
        y = fn(x, window, s, pad)
    elif rank == 1:
        y = shaping.squeeze(fn(shaping.expand_dims(x, 1), (1, window[0]), (1, s[0]), pad), 1)
    else:
        geom = dict(window=window, outs=outs, pads=pads, strides=s)
        y = TapPool.apply(x, geom, kind)
    return _from_last(y, fmt)


@keras_op
def max_pool(
    inputs: Any,
    pool_size: Any,
    strides: Any = None,
    padding: str = "valid",
    data_format: str | None = None,
) -> Tensor:
    """Maximum over ``pool_size`` windows every ``strides`` (default: the window) steps;
    1-D, 2-D or 3-D.

    Example:
        >>> x = ember.ops.reshape(ember.ops.arange(16.0), (1, 4, 4, 1))
        >>> ember.ops.max_pool(x, 2).numpy().ravel()
        array([ 5.,  7., 13., 15.], dtype=float32)
    """
    return _pool(inputs, pool_size, strides, padding, data_format, "max", "max_pool")


@keras_op
def average_pool(
    inputs: Any,
    pool_size: Any,
    strides: Any = None,
    padding: str = "valid",
    data_format: str | None = None,
) -> Tensor:
    """Mean over ``pool_size`` windows ("same" padding averages only real cells).

    Example:
        >>> x = ember.ops.reshape(ember.ops.arange(16.0), (1, 4, 4, 1))
        >>> ember.ops.average_pool(x, 2).numpy().ravel()
        array([ 2.5,  4.5, 10.5, 12.5], dtype=float32)
    """
    return _pool(inputs, pool_size, strides, padding, data_format, "avg", "average_pool")


def _adaptive(inputs: Any, output_size: Any, data_format: Any, largest: bool, op: str):
    x = _float(inputs)
    if x.ndim not in (3, 4, 5):
        raise ValueError(
            f"{op}: `inputs` must be 3-D, 4-D or 5-D (batch, *spatial, channels), received "
            f"shape {x.shape}"
        )
    fmt = _data_format(data_format, op)
    x = _to_last(x, fmt)
    rank = x.ndim - 2
    sizes = _tuple(output_size, rank, "output_size", op)
    for axis, out_n in zip(range(1, rank + 1), sizes):
        n = x.shape[axis]
        if out_n < 1:
            raise ValueError(f"{op}: `output_size` must be >= 1, received {output_size}")
        starts = np.floor(np.arange(out_n) * n / out_n).astype(np.int64)
        ends = np.ceil(np.arange(1, out_n + 1) * n / out_n).astype(np.int64)
        width = int((ends - starts).max())
        idx = starts[:, None] + np.arange(width)[None, :]  # (out_n, width)
        valid = idx < ends[:, None]
        gathered = take(x, np.minimum(idx, n - 1), axis=axis)  # axis -> (out_n, width)
        mask_shape = [1] * gathered.ndim
        mask_shape[axis], mask_shape[axis + 1] = out_n, width
        mask = Tensor(valid.reshape(mask_shape))
        if largest:
            x = red.max(ew.where(mask, gathered, -np.inf), axis=axis + 1)
        else:
            total = red.sum(ew.where(mask, gathered, 0.0), axis=axis + 1)
            counts = valid.sum(axis=1).astype(np.float32)
            count_shape = [1] * total.ndim
            count_shape[axis] = out_n
            x = ew.divide(total, Tensor(counts.reshape(count_shape)))
    return _from_last(x, fmt)


@keras_op
def adaptive_average_pool(inputs: Any, output_size: Any, data_format: str | None = None):
    """Average pooling to a fixed ``output_size``: output cell i averages input cells
    floor(i * n / out) to ceil((i + 1) * n / out) - 1 along each spatial axis.

    Example:
        >>> x = ember.ops.reshape(ember.ops.arange(4.0), (1, 4, 1))
        >>> ember.ops.adaptive_average_pool(x, 2).numpy().ravel()
        array([0.5, 2.5], dtype=float32)
    """
    return _adaptive(inputs, output_size, data_format, False, "adaptive_average_pool")


@keras_op
def adaptive_max_pool(inputs: Any, output_size: Any, data_format: str | None = None):
    """Max pooling to a fixed ``output_size`` (windows as ``adaptive_average_pool``).

    Example:
        >>> x = ember.ops.reshape(ember.ops.arange(4.0), (1, 4, 1))
        >>> ember.ops.adaptive_max_pool(x, 2).numpy().ravel()
        array([1., 3.], dtype=float32)
    """
    return _adaptive(inputs, output_size, data_format, True, "adaptive_max_pool")


# ------------------------------------------------------------------ normalization
@keras_op
def moments(
    x: Any, axes: Any, keepdims: bool = False, synchronized: bool = False
) -> tuple[Tensor, Tensor]:
    """Mean and (biased) variance of x over ``axes``. ``synchronized`` matters only across
    replicas, which ember does not have: it computes the same.

    Example:
        >>> m, v = ember.ops.moments([1.0, 2.0, 3.0, 4.0], axes=[0])
        >>> float(m), float(v)
        (2.5, 1.25)
    """
    t = _float(x)
    axes_t = normalize_axes(axes, t.ndim, "moments", "axes")
    mean = red.mean(t, axis=axes_t, keepdims=True)
    var = red.mean(ew.square(ew.subtract(t, mean)), axis=axes_t, keepdims=keepdims)
    if not keepdims:
        mean = shaping.squeeze(mean, axes_t) if axes_t else mean
    return mean, var


def _along(v: Any, ndim: int, axis: int, size: int, name: str, op: str) -> Tensor:
    """A per-channel vector reshaped to broadcast along ``axis`` of a rank-``ndim`` tensor."""
    t = _float(v)
    if t.ndim == ndim or axis == ndim - 1:
        return t
    if t.shape != (size,):
        raise ValueError(f"{op}: `{name}` must have shape ({size},), received {t.shape}")
    shape = [1] * ndim
    shape[axis] = size
    return shaping.reshape(t, tuple(shape))


@keras_op
def batch_normalization(
    x: Any,
    mean: Any,
    variance: Any,
    axis: int,
    offset: Any = None,
    scale: Any = None,
    epsilon: float = 0.001,
) -> Tensor:
    """(x - mean) / sqrt(variance + epsilon) * scale + offset, the statistics given per
    channel of ``axis``.

    Example:
        >>> x = [[1.0, 3.0]]
        >>> ember.ops.batch_normalization(x, [1.0, 1.0], [1.0, 4.0], axis=-1, epsilon=0.0).numpy()
        array([[0., 1.]], dtype=float32)
    """
    t = _float(x)
    a = normalize_axis(axis, t.ndim, "batch_normalization")
    n = t.shape[a]
    m = _along(mean, t.ndim, a, n, "mean", "batch_normalization")
    v = _along(variance, t.ndim, a, n, "variance", "batch_normalization")
    inv = ew.rsqrt(ew.add(v, float(epsilon)))
    if scale is not None:
        inv = ew.multiply(inv, _along(scale, t.ndim, a, n, "scale", "batch_normalization"))
    shift = ew.negative(ew.multiply(m, inv))
    if offset is not None:
        shift = ew.add(shift, _along(offset, t.ndim, a, n, "offset", "batch_normalization"))
    return ew.add(ew.multiply(t, inv), shift)


@keras_op
def layer_normalization(
    x: Any,
    gamma: Any = None,
    beta: Any = None,
    axis: Any = -1,
    epsilon: float | None = None,
    **kwargs: Any,
) -> Tensor:
    """x normalized to zero mean and unit variance over ``axis`` of each sample, then scaled
    by ``gamma`` and shifted by ``beta`` (epsilon defaults to 1e-7, Keras' epsilon).

    Example:
        >>> ember.ops.layer_normalization([1.0, 3.0]).numpy()
        array([-1.,  1.], dtype=float32)
    """
    if kwargs.pop("rms_scaling", False):
        raise NotImplementedError(
            "layer_normalization: `rms_scaling` (deprecated in Keras) is not supported; use "
            "rms_normalization"
        )
    if kwargs:
        raise TypeError(f"layer_normalization: unexpected arguments {sorted(kwargs)}")
    t = _float(x)
    eps = _EPSILON if epsilon is None else float(epsilon)
    axes = normalize_axes(axis, t.ndim, "layer_normalization")
    mean, var = moments(t, axes, keepdims=True)
    inv = ew.rsqrt(ew.add(var, eps))

    def wide(v: Any, name: str) -> Tensor:
        w = _float(v)
        if w.ndim != t.ndim and axes != (t.ndim - 1,):
            shape = [1] * t.ndim
            for a in axes:
                shape[a] = t.shape[a]
            w = shaping.reshape(w, tuple(shape))
        return w

    if gamma is not None:
        inv = ew.multiply(inv, wide(gamma, "gamma"))
    res = ew.multiply(ew.negative(mean), inv)
    if beta is not None:
        res = ew.add(res, wide(beta, "beta"))
    return ew.add(ew.multiply(t, inv), res)


@keras_op
def rms_normalization(
    x: Any, scale: Any = None, axis: Any = -1, epsilon: float | None = None
) -> Tensor:
    """x * rsqrt(mean(x**2) + epsilon) over ``axis``, times ``scale``.

    Example:
        >>> ember.ops.rms_normalization([3.0, 4.0]).numpy()
        array([0.84852815, 1.1313709 ], dtype=float32)
    """
    t = _float(x)
    eps = _EPSILON if epsilon is None else float(epsilon)
    axes = normalize_axes(axis, t.ndim, "rms_normalization")
    inv = ew.rsqrt(ew.add(red.mean(ew.square(t), axis=axes, keepdims=True), eps))
    out = ew.multiply(t, inv)
    if scale is not None:
        out = ew.multiply(out, _float(scale))
    return out


@keras_op
def normalize(x: Any, axis: Any = -1, order: int = 2, epsilon: float | None = None) -> Tensor:
    """x divided by its ``order``-norm over ``axis`` (at least ``epsilon``).

    Example:
        >>> ember.ops.normalize([3.0, 4.0]).numpy()
        array([0.6, 0.8], dtype=float32)
    """
    if not isinstance(order, int) or isinstance(order, bool) or order < 1:
        raise ValueError(f"normalize: `order` must be an int >= 1, received order={order!r}")
    t = _float(x)
    if t.ndim == 0:
        t = shaping.expand_dims(t, 0)
    eps = _EPSILON if epsilon is None else float(epsilon)
    if order == 2:
        inv = ew.rsqrt(red.sum(ew.square(t), axis=axis, keepdims=True))
        return ew.multiply(t, ew.minimum(inv, 1.0 / eps))
    from ember.ops.linalg import norm

    return ew.divide(t, ew.maximum(norm(t, ord=order, axis=axis, keepdims=True), eps))


# ------------------------------------------------------------------ encodings
@keras_op
def one_hot(
    x: Any, num_classes: int, axis: int = -1, dtype: Any = None, sparse: bool = False
) -> Tensor:
    """One-hot vectors of length ``num_classes`` for integer class ids, placed at ``axis``;
    ids outside [0, num_classes) give all zeros. float32 unless ``dtype`` says otherwise.

    Example:
        >>> ember.ops.one_hot([0, 2, -1], 3).numpy()
        array([[1., 0., 0.],
               [0., 0., 1.],
               [0., 0., 0.]], dtype=float32)
    """
    if sparse:
        raise NotImplementedError("one_hot: `sparse=True` is not supported (no sparse tensors)")
    ids = convert(x).numpy()
    if ids.dtype.kind == "f":
        ids = ids.astype(np.int64)
    n = int(num_classes)
    if n < 0:
        raise ValueError(f"one_hot: `num_classes` must be >= 0, received {num_classes}")
    dt = "float32" if dtype is None else standardize_dtype(dtype)
    out = ids[..., None] == np.arange(n)
    a = normalize_axis(axis, ids.ndim + 1, "one_hot")
    if a != ids.ndim:
        out = np.moveaxis(out, -1, a)
    return Tensor(np.ascontiguousarray(out).astype(dt))


@keras_op
def multi_hot(
    inputs: Any,
    num_classes: int | None = None,
    axis: int = -1,
    dtype: Any = None,
    sparse: bool = False,
    **kwargs: Any,
) -> Tensor:
    """Multi-hot vectors: for each sample (row of a 2-D input, or a whole 1-D input), 1 at
    every class id it contains.

    Example:
        >>> ember.ops.multi_hot([[0, 2], [1, 1]], 3).numpy()
        array([[1., 0., 1.],
               [0., 1., 0.]], dtype=float32)
    """
    if num_classes is None and "num_tokens" in kwargs:
        num_classes = kwargs.pop("num_tokens")
    if num_classes is None:
        raise ValueError("multi_hot: `num_classes` must be given")
    if sparse:
        raise NotImplementedError("multi_hot: `sparse=True` is not supported")
    t = convert(inputs)
    encoded = one_hot(t, num_classes, axis=axis, dtype=dtype)
    reduce_axis = 1 if t.ndim > 1 else 0
    if encoded.dtype == np.bool_:
        return red.any(encoded, axis=reduce_axis)
    return red.max(encoded, axis=reduce_axis)


# ------------------------------------------------------------------ crossentropies
def _same_shape(target: Tensor, output: Tensor, op: str) -> None:
    if target.shape != output.shape:
        raise ValueError(
            f"{op}: `target` and `output` must have the same shape, received "
            f"target.shape={target.shape}, output.shape={output.shape}"
        )


def _logits_of(output: Tensor, from_logits: bool) -> tuple[Tensor, bool]:
    """Keras uses the logits behind a softmax / sigmoid output (remembered by ember's
    activation ops) rather than the clipped probabilities."""
    logits = getattr(output, "_keras_logits", None)
    if logits is not None and not from_logits:
        return logits, True
    return output, from_logits


@keras_op
def categorical_crossentropy(
    target: Any, output: Any, from_logits: bool = False, axis: int = -1
) -> Tensor:
    """-sum(target * log(output)) over ``axis``; probabilities are renormalized and clipped
    to [1e-7, 1 - 1e-7], logits go through log_softmax.

    Example:
        >>> ember.ops.categorical_crossentropy([[0.0, 1.0]], [[0.5, 0.5]]).numpy()
        array([0.6931472], dtype=float32)
    """
    op = "categorical_crossentropy"
    t, o = _float(target), output if isinstance(output, Tensor) else _float(output)
    o = _float(o) if o.dtype != np.float32 else o
    if t.ndim < 1:
        raise ValueError(f"{op}: `target` and `output` must be at least rank 1")
    _same_shape(t, o, op)
    a = normalize_axis(axis, o.ndim, op)
    logits, is_logits = _logits_of(o, from_logits)
    if getattr(o, "_keras_logits", None) is not None and a != o.ndim - 1:
        logits, is_logits = o, from_logits
    if is_logits:
        return ew.negative(red.sum(ew.multiply(t, log_softmax(logits, axis=a)), axis=a))
    probs = ew.divide(o, red.sum(o, axis=a, keepdims=True))
    probs = ew.clip(probs, _EPSILON, 1.0 - _EPSILON)
    return ew.negative(red.sum(ew.multiply(t, ew.log(probs)), axis=a))


@keras_op
def sparse_categorical_crossentropy(
    target: Any, output: Any, from_logits: bool = False, axis: int = -1
) -> Tensor:
    """Categorical crossentropy with integer class ids as targets (over the last axis).

    Example:
        >>> ember.ops.sparse_categorical_crossentropy([1], [[0.5, 0.5]]).numpy()
        array([0.6931472], dtype=float32)
    """
    op = "sparse_categorical_crossentropy"
    o = output if isinstance(output, Tensor) else _float(output)
    o = _float(o) if o.dtype != np.float32 else o
    if o.ndim < 1:
        raise ValueError(f"{op}: `output` must be at least rank 1, received shape {o.shape}")
    if axis != -1 and axis != o.ndim - 1:
        raise ValueError(f"{op}: only axis=-1 is supported, received axis={axis}")
    ids = convert(target).numpy()
    if ids.ndim == o.ndim and ids.shape[-1] == 1:
        ids = ids[..., 0]
    if ids.shape != o.shape[:-1]:
        raise ValueError(
            f"{op}: `target` must have the shape of `output` without its last axis, received "
            f"target.shape={ids.shape}, output.shape={o.shape}"
        )
    ids = ids.astype(np.int64)
    if ids.size and (ids.min() < 0 or ids.max() >= o.shape[-1]):
        raise ValueError(
            f"{op}: class ids must lie in [0, {o.shape[-1]}), received values from "
            f"{int(ids.min())} to {int(ids.max())}"
        )
    logits, is_logits = _logits_of(o, from_logits)
    if not is_logits:
        logits = ew.log(ew.clip(o, _EPSILON, 1.0 - _EPSILON))
    logp = log_softmax(logits, axis=-1)
    from ember.ops.indexing import take_along_axis

    picked = take_along_axis(logp, ids[..., None], axis=-1)
    return ew.negative(shaping.squeeze(picked, -1))


@keras_op
def binary_crossentropy(target: Any, output: Any, from_logits: bool = False) -> Tensor:
    """Elementwise -(t log(p) + (1 - t) log(1 - p)); probabilities clipped to
    [1e-7, 1 - 1e-7], logits computed stably.

    Example:
        >>> ember.ops.binary_crossentropy([1.0], [0.5]).numpy()
        array([0.6931472], dtype=float32)
    """
    op = "binary_crossentropy"
    t = _float(target)
    o = output if isinstance(output, Tensor) else _float(output)
    o = _float(o) if o.dtype != np.float32 else o
    _same_shape(t, o, op)
    logits, is_logits = _logits_of(o, from_logits)
    if is_logits:
        # max(z, 0) - z * t + log(1 + exp(-|z|))
        z = logits
        return ew.add(
            ew.subtract(ew.maximum(z, 0.0), ew.multiply(z, t)),
            ew.log1p(ew.exp(ew.negative(ew.abs(z)))),
        )
    p = ew.clip(o, _EPSILON, 1.0 - _EPSILON)
    bce = ew.add(
        ew.multiply(t, ew.log(p)),
        ew.multiply(ew.subtract(1.0, t), ew.log(ew.subtract(1.0, p))),
    )
    return ew.negative(bce)


# ------------------------------------------------------------------ attention and metrics
@keras_op
def dot_product_attention(
    query: Any,
    key: Any,
    value: Any,
    bias: Any = None,
    mask: Any = None,
    scale: float | None = None,
    is_causal: bool = False,
    flash_attention: bool | None = None,
    attn_logits_soft_cap: float | None = None,
) -> Tensor:
    """Scaled dot-product attention on (batch, seq, heads, head_dim) tensors:
    softmax(q k^T * scale + bias, masked) v; key and value may have fewer heads (grouped
    queries). ``mask`` is True where attention is allowed.

    Example:
        >>> q = ember.ops.ones((1, 2, 1, 4))
        >>> ember.ops.dot_product_attention(q, q, q).shape
        (1, 2, 1, 4)
    """
    op = "dot_product_attention"
    if flash_attention:
        raise NotImplementedError(f"{op}: `flash_attention` is not supported")
    if attn_logits_soft_cap is not None:
        raise NotImplementedError(
            f"{op}: `attn_logits_soft_cap` is only supported by Keras with JAX on TPU"
        )
    q, k, v = _float(query), _float(key), _float(value)
    if q.ndim != 4 or k.ndim != 4 or v.ndim != 4:
        raise ValueError(
            f"{op}: only 4-D inputs (batch, seq, heads, head_dim) are supported, received "
            f"query {q.shape}, key {k.shape}, value {v.shape}"
        )
    heads, kv_heads = q.shape[2], k.shape[2]
    if heads > kv_heads > 1:
        if heads % kv_heads:
            raise ValueError(
                f"{op}: the query's {heads} heads must be a multiple of the key's {kv_heads}"
            )
        k = shaping.repeat(k, heads // kv_heads, axis=2)
        v = shaping.repeat(v, heads // kv_heads, axis=2)
    from ember.ops.products import einsum

    s = 1.0 / math.sqrt(k.shape[-1]) if scale is None else float(scale)
    logits = ew.multiply(einsum("BTNH,BSNH->BNTS", q, k), s)
    if bias is not None:
        logits = ew.add(logits, _float(bias))
    keep = None
    if mask is not None:
        keep = convert(mask).numpy().astype(bool)
    if is_causal:
        t_len, s_len = logits.shape[2], logits.shape[3]
        causal = np.tril(np.ones((t_len, s_len), bool))[None, None]
        keep = causal if keep is None else keep & causal
    if keep is not None:
        logits = ew.where(
            Tensor(np.broadcast_to(keep, logits.shape)), logits, np.float32(3.38953e38 * -0.7)
        )
    probs = softmax(logits, axis=-1)
    return einsum("BNTS,BSNH->BTNH", probs, v)


@keras_op
def psnr(x1: Any, x2: Any, max_val: float) -> Tensor:
    """The peak signal-to-noise ratio 20 log10(max_val) - 10 log10(mse(x1, x2)).

    Example:
        >>> round(float(ember.ops.psnr([0.0, 0.0], [0.1, 0.1], 1.0)), 4)
        20.0
    """
    a, b = _float(x1), _float(x2)
    if a.shape != b.shape:
        raise ValueError(f"psnr: input shapes {a.shape} and {b.shape} must match")
    mse = red.mean(ew.square(ew.subtract(a, b)))
    return ew.subtract(20.0 * math.log10(float(max_val)), ew.multiply(ew.log10(mse), 10.0))


# ------------------------------------------------------------------ space and depth
def _block(x: Any, block_size: int, data_format: str, op: str) -> tuple[Tensor, int, str]:
    t = convert(x)
    if t.ndim != 4:
        raise ValueError(f"{op}: expected a 4-D tensor, received shape {t.shape}")
    b = int(block_size)
    if b < 2:
        raise ValueError(f"{op}: `block_size` must be >= 2, received {block_size}")
    return t, b, _data_format(data_format, op)


@keras_op
def depth_to_space(x: Any, block_size: int, data_format: str = "channels_last") -> Tensor:
    """Channels rearranged into block_size x block_size spatial blocks (C -> C / b**2,
    H -> H * b, W -> W * b).

    Example:
        >>> ember.ops.depth_to_space(ember.ops.zeros((1, 2, 2, 8)), 2).shape
        (1, 4, 4, 2)
    """
    t, b, fmt = _block(x, block_size, data_format, "depth_to_space")
    t = _to_last(t, fmt)
    n, h, w, c = t.shape
    if c % (b * b):
        raise ValueError(
            f"depth_to_space: the {c} channels must be divisible by block_size**2 = {b * b}"
        )
    y = shaping.reshape(t, (n, h, w, b, b, c // (b * b)))
    y = shaping.transpose(y, (0, 1, 3, 2, 4, 5))
    return _from_last(shaping.reshape(y, (n, h * b, w * b, c // (b * b))), fmt)


@keras_op
def space_to_depth(x: Any, block_size: int, data_format: str = "channels_last") -> Tensor:
    """block_size x block_size spatial blocks moved into channels (the inverse of
    ``depth_to_space``).

    Example:
        >>> ember.ops.space_to_depth(ember.ops.zeros((1, 4, 4, 2)), 2).shape
        (1, 2, 2, 8)
    """
    t, b, fmt = _block(x, block_size, data_format, "space_to_depth")
    t = _to_last(t, fmt)
    n, h, w, c = t.shape
    if h % b or w % b:
        raise ValueError(
            f"space_to_depth: height {h} and width {w} must be divisible by block_size {b}"
        )
    y = shaping.reshape(t, (n, h // b, b, w // b, b, c))
    y = shaping.transpose(y, (0, 1, 3, 2, 4, 5))
    return _from_last(shaping.reshape(y, (n, h // b, w // b, b * b * c)), fmt)


# ------------------------------------------------------------------ unfold / fold
def _pair(v: Any, name: str, op: str) -> tuple[int, int]:
    return _tuple(v, 2, name, op)  # type: ignore[return-value]


def _unfold_index(c: int, h: int, w: int, k, d, p, s) -> tuple[np.ndarray, int, int]:
    """Positions (in the zero-padded channel-first image, flattened) read by each column."""
    hp, wp = h + 2 * p[0], w + 2 * p[1]
    oh = (hp - d[0] * (k[0] - 1) - 1) // s[0] + 1
    ow = (wp - d[1] * (k[1] - 1) - 1) // s[1] + 1
    ci, ki, kj = np.meshgrid(np.arange(c), np.arange(k[0]), np.arange(k[1]), indexing="ij")
    oi, oj = np.meshgrid(np.arange(oh), np.arange(ow), indexing="ij")
    rows = ki.reshape(-1, 1) * d[0] + oi.reshape(1, -1) * s[0]
    cols = kj.reshape(-1, 1) * d[1] + oj.reshape(1, -1) * s[1]
    flat = ci.reshape(-1, 1) * hp * wp + rows * wp + cols
    return flat, oh, ow


@keras_op
def unfold(x: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1):
    """Sliding local blocks of a (N, C, H, W) image as columns: shape
    (N, C * kh * kw, L) with L the number of block positions (PyTorch's unfold).

    Example:
        >>> ember.ops.unfold(ember.ops.ones((1, 2, 3, 3)), 2).shape
        (1, 8, 4)
    """
    op = "unfold"
    t = convert(x)
    if t.ndim != 4:
        raise ValueError(f"{op}: expected a 4-D (N, C, H, W) tensor, received shape {t.shape}")
    k, d = _pair(kernel_size, "kernel_size", op), _pair(dilation, "dilation", op)
    p, s = _pair(padding, "padding", op), _pair(stride, "stride", op)
    n, c, h, w = t.shape
    flat, _, _ = _unfold_index(c, h, w, k, d, p, s)
    padded = shaping.pad(t, [(0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])])
    rows = shaping.reshape(padded, (n, -1))
    return take(rows, flat, axis=1)


class Fold(Function):
    """The adjoint of unfold: columns summed back into a (N, C, H, W) image."""

    def forward(self, cols, index: np.ndarray, padded_shape: tuple, pads: tuple):
        self.index, self.padded_shape, self.pads = index, padded_shape, pads
        n = cols.shape[0]
        size = int(np.prod(padded_shape[1:]))
        flat = np.zeros((n, size), np.float32)
        offsets = (np.arange(n) * size)[:, None]
        np.add.at(
            flat.reshape(-1),
            (index.reshape(1, -1) + offsets).reshape(-1),
            cols.reshape(n, -1).reshape(-1),
        )
        img = flat.reshape(n, *padded_shape[1:])
        ph, pw = pads
        return np.ascontiguousarray(img[:, :, ph : img.shape[2] - ph, pw : img.shape[3] - pw])

    def backward(self, g):
        ph, pw = self.pads
        padded = np.pad(g, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
        n = g.shape[0]
        cols = padded.reshape(n, -1)[:, self.index.reshape(-1)]
        return cols.reshape(n, *self.index.shape).astype(np.float32), None, None, None


@keras_op
def fold(
    x: Any,
    output_size: Any,
    kernel_size: Any,
    dilation: Any = 1,
    padding: Any = 0,
    stride: Any = 1,
) -> Tensor:
    """Columns (N, C * kh * kw, L) summed back into an (N, C, H, W) image of
    ``output_size`` (PyTorch's fold; overlapping blocks add).

    Example:
        >>> cols = ember.ops.unfold(ember.ops.ones((1, 1, 3, 3)), 2)
        >>> ember.ops.fold(cols, (3, 3), 2).numpy()[0, 0]
        array([[1., 2., 1.],
               [2., 4., 2.],
               [1., 2., 1.]], dtype=float32)
    """
    op = "fold"
    t = _float(x)
    if t.ndim != 3:
        raise ValueError(f"{op}: expected a 3-D (N, C*kh*kw, L) tensor, received {t.shape}")
    k, d = _pair(kernel_size, "kernel_size", op), _pair(dilation, "dilation", op)
    p, s = _pair(padding, "padding", op), _pair(stride, "stride", op)
    h, w = _pair(output_size, "output_size", op)
    n, ckk, length = t.shape
    if ckk % (k[0] * k[1]):
        raise ValueError(
            f"{op}: axis 1 ({ckk}) must be a multiple of kernel_size product {k[0] * k[1]}"
        )
    c = ckk // (k[0] * k[1])
    index, oh, ow = _unfold_index(c, h, w, k, d, p, s)
    if oh * ow != length:
        raise ValueError(
            f"{op}: {length} blocks do not match output_size {(h, w)} with these settings "
            f"({oh * ow} blocks)"
        )
    padded_shape = (n, c, h + 2 * p[0], w + 2 * p[1])
    return Fold.apply(t, index, padded_shape, (p[0], p[1]))


_CTC = "needs a per-time-step dynamic program that ember has no compiled kernel for"
ctc_loss = not_implemented("ctc_loss", _CTC)
ctc_decode = not_implemented("ctc_decode", _CTC)
polar = not_implemented("polar", "it builds complex numbers; ember has no complex dtype")


# The Keras names this module provides (ember.ops gathers them).
__all__ = [
    "adaptive_average_pool",
    "adaptive_max_pool",
    "average_pool",
    "batch_normalization",
    "binary_crossentropy",
    "categorical_crossentropy",
    "celu",
    "conv",
    "conv_transpose",
    "ctc_decode",
    "ctc_loss",
    "depth_to_space",
    "depthwise_conv",
    "dot_product_attention",
    "elu",
    "fold",
    "gelu",
    "glu",
    "hard_shrink",
    "hard_sigmoid",
    "hard_silu",
    "hard_swish",
    "hard_tanh",
    "layer_normalization",
    "leaky_relu",
    "log_sigmoid",
    "log_softmax",
    "max_pool",
    "moments",
    "multi_hot",
    "normalize",
    "one_hot",
    "polar",
    "psnr",
    "relu",
    "relu6",
    "rms_normalization",
    "selu",
    "separable_conv",
    "sigmoid",
    "silu",
    "soft_shrink",
    "softmax",
    "softplus",
    "softsign",
    "space_to_depth",
    "sparse_categorical_crossentropy",
    "sparse_plus",
    "sparse_sigmoid",
    "sparsemax",
    "squareplus",
    "swish",
    "tanh_shrink",
    "threshold",
    "unfold",
]
