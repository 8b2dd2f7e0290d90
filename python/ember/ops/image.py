"""``keras.ops.image``: resizing, cropping and padding, colour-space conversions and patches,
on batched (N, H, W, C) or single (H, W, C) images (``data_format="channels_first"`` is
transposed around the computation).

``resize`` follows TensorFlow's ``tf.image.resize`` (half-pixel centres) for "nearest" and
"bilinear", differentiable through a separable interpolation. Geometric warps, elastic
transforms, coordinate mapping, 3-D patches and SSIM are not implemented (they raise
NotImplementedError naming themselves).

Example:
    >>> from ember import ops
    >>> ops.image.resize(ops.ones((1, 4, 4, 3)), (2, 6)).shape
    (1, 2, 6, 3)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ember.autograd import Tensor
from ember.ops import elementwise as ew
from ember.ops import reduction as red
from ember.ops import shaping
from ember.ops.base import keras_op, not_implemented
from ember.ops.convolutional import bilinear_weights
from ember.ops.indexing import take
from ember.ops.products import einsum

__all__ = [
    "affine_transform",
    "crop_images",
    "elastic_transform",
    "extract_patches",
    "extract_patches_3d",
    "gaussian_blur",
    "hsv_to_rgb",
    "map_coordinates",
    "pad_images",
    "perspective_transform",
    "resize",
    "rgb_to_grayscale",
    "rgb_to_hsv",
    "scale_and_translate",
    "sobel_edges",
    "ssim",
]


def _images(images: Any, data_format: Any, op: str) -> tuple[Tensor, bool, str]:
    """Images as a channels-last batch, whether a batch axis was added, and the format."""
    t = ew._float_input(images)
    fmt = "channels_last" if data_format is None else str(data_format).lower()
    if fmt not in ("channels_last", "channels_first"):
        raise ValueError(
            f"{op}: `data_format` must be 'channels_last' or 'channels_first', received "
            f"{data_format!r}"
        )
    if t.ndim not in (3, 4):
        raise ValueError(
            f"{op}: expected images of rank 3 (H, W, C) or 4 (N, H, W, C), received shape {t.shape}"
        )
    single = t.ndim == 3
    if single:
        t = shaping.expand_dims(t, 0)
    if fmt == "channels_first":
        t = shaping.transpose(t, (0, 2, 3, 1))
    return t, single, fmt


def _restore(t: Tensor, single: bool, fmt: str) -> Tensor:
    if fmt == "channels_first":
        t = shaping.transpose(t, (0, 3, 1, 2))
    return shaping.squeeze(t, 0) if single else t


def _nearest_index(in_len: int, out_len: int) -> np.ndarray:
    """TensorFlow's nearest-neighbour source rows with half-pixel centres."""
    src = np.floor((np.arange(out_len) + 0.5) * (in_len / out_len)).astype(np.int64)
    return np.minimum(src, in_len - 1)


@keras_op
def resize(
    images: Any,
    size: Any,
    interpolation: str = "bilinear",
    antialias: bool = False,
    crop_to_aspect_ratio: bool = False,
    pad_to_aspect_ratio: bool = False,
    fill_mode: str = "constant",
    fill_value: float = 0.0,
    data_format: str | None = None,
) -> Tensor:
    """Images resized to ``size`` = (height, width) with "nearest" or "bilinear"
    interpolation (half-pixel centres, as TensorFlow). ``crop_to_aspect_ratio`` first crops
    the centre to the target's aspect ratio; ``pad_to_aspect_ratio`` pads with ``fill_value``.

    Example:
        >>> x = ember.ops.reshape(ember.ops.arange(4.0), (1, 2, 2, 1))
        >>> ember.ops.image.resize(x, (4, 4), interpolation="nearest").numpy()[0, :, :, 0]
        array([[0., 0., 1., 1.],
               [0., 0., 1., 1.],
               [2., 2., 3., 3.],
               [2., 2., 3., 3.]], dtype=float32)
    """
    op = "resize"
    if antialias:
        raise NotImplementedError(f"{op}: `antialias=True` is not supported")
    if interpolation not in ("nearest", "bilinear"):
        raise NotImplementedError(
            f"{op}: interpolation={interpolation!r} is not supported (only 'nearest' and "
            "'bilinear')"
        )
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError(
            f"{op}: only one of `crop_to_aspect_ratio` and `pad_to_aspect_ratio` can be True"
        )
    if fill_mode != "constant":
        raise NotImplementedError(f"{op}: only fill_mode='constant' is supported")
    try:
        out_h, out_w = (int(s) for s in size)
    except (TypeError, ValueError):
        raise ValueError(f"{op}: `size` must be (height, width), received {size!r}") from None
    if out_h < 1 or out_w < 1:
        raise ValueError(f"{op}: `size` must be positive, received {size!r}")
    x, single, fmt = _images(images, data_format, op)
    h, w = x.shape[1], x.shape[2]
    if crop_to_aspect_ratio:
        crop_h = min(h, int(round(w * out_h / out_w)))
        crop_w = min(w, int(round(h * out_w / out_h)))
        top, left = (h - crop_h) // 2, (w - crop_w) // 2
        x = x[:, top : top + crop_h, left : left + crop_w, :]
        h, w = crop_h, crop_w
    elif pad_to_aspect_ratio:
        pad_h = max(h, int(round(w * out_h / out_w)))
        pad_w = max(w, int(round(h * out_w / out_h)))
        top, left = (pad_h - h) // 2, (pad_w - w) // 2
        x = shaping.pad(
            x,
            [(0, 0), (top, pad_h - h - top), (left, pad_w - w - left), (0, 0)],
            constant_values=fill_value,
        )
        h, w = pad_h, pad_w
    if interpolation == "nearest":
        y = take(take(x, _nearest_index(h, out_h), axis=1), _nearest_index(w, out_w), axis=2)
    else:
        ah = Tensor(bilinear_weights(h, out_h))
        aw = Tensor(bilinear_weights(w, out_w))
        y = einsum("pw,nowc->nopc", aw, einsum("oh,nhwc->nowc", ah, x))
    return _restore(y, single, fmt)


@keras_op
def crop_images(
    images: Any,
    top_cropping: int | None = None,
    left_cropping: int | None = None,
    bottom_cropping: int | None = None,
    right_cropping: int | None = None,
    target_height: int | None = None,
    target_width: int | None = None,
    data_format: str | None = None,
) -> Tensor:
    """Images cropped by the given margins (or to ``target_height`` / ``target_width``
    from the top-left margins).

    Example:
        >>> ember.ops.image.crop_images(ember.ops.ones((5, 5, 1)), 1, 1, 1, 2).shape
        (3, 2, 1)
    """
    op = "crop_images"
    x, single, fmt = _images(images, data_format, op)
    h, w = x.shape[1], x.shape[2]
    top, left = top_cropping or 0, left_cropping or 0
    if target_height is None:
        target_height = h - top - (bottom_cropping or 0)
    elif bottom_cropping is not None:
        raise ValueError(f"{op}: give `bottom_cropping` or `target_height`, not both")
    if target_width is None:
        target_width = w - left - (right_cropping or 0)
    elif right_cropping is not None:
        raise ValueError(f"{op}: give `right_cropping` or `target_width`, not both")
    if min(top, left) < 0 or target_height <= 0 or target_width <= 0:
        raise ValueError(f"{op}: the crop leaves no image (height {h}, width {w})")
    if top + target_height > h or left + target_width > w:
        raise ValueError(f"{op}: the crop exceeds the image (height {h}, width {w})")
    y = x[:, top : top + target_height, left : left + target_width, :]
    return _restore(y, single, fmt)


@keras_op
def pad_images(
    images: Any,
    top_padding: int | None = None,
    left_padding: int | None = None,
    bottom_padding: int | None = None,
    right_padding: int | None = None,
    target_height: int | None = None,
    target_width: int | None = None,
    data_format: str | None = None,
) -> Tensor:
    """Images padded with zeros by the given margins (or to ``target_height`` /
    ``target_width``).

    Example:
        >>> ember.ops.image.pad_images(ember.ops.ones((2, 2, 1)), 1, 1, 0, 2).shape
        (3, 5, 1)
    """
    op = "pad_images"
    x, single, fmt = _images(images, data_format, op)
    h, w = x.shape[1], x.shape[2]
    top, left = top_padding or 0, left_padding or 0
    bottom = (
        bottom_padding
        if bottom_padding is not None
        else ((target_height - h - top) if target_height is not None else 0)
    )
    right = (
        right_padding
        if right_padding is not None
        else ((target_width - w - left) if target_width is not None else 0)
    )
    if min(top, left, bottom, right) < 0:
        raise ValueError(f"{op}: paddings must be >= 0 (image height {h}, width {w})")
    y = shaping.pad(x, [(0, 0), (top, bottom), (left, right), (0, 0)])
    return _restore(y, single, fmt)


@keras_op
def rgb_to_grayscale(images: Any, data_format: str | None = None) -> Tensor:
    """One luminance channel 0.2989 R + 0.587 G + 0.114 B.

    Example:
        >>> ember.ops.image.rgb_to_grayscale(ember.ops.ones((1, 1, 3))).numpy().round(4)
        array([[[0.9999]]], dtype=float32)
    """
    x, single, fmt = _images(images, data_format, "rgb_to_grayscale")
    if x.shape[-1] != 3:
        raise ValueError(f"rgb_to_grayscale: expected 3 channels, received {x.shape[-1]}")
    weights = Tensor(np.array([[0.2989], [0.5870], [0.1140]], np.float32))
    from ember.ops.products import matmul

    return _restore(matmul(x, weights), single, fmt)


@keras_op
def rgb_to_hsv(images: Any, data_format: str | None = None) -> Tensor:
    """RGB (in [0, 1]) to hue, saturation, value (hue in [0, 1)).

    Example:
        >>> ember.ops.image.rgb_to_hsv([[[1.0, 0.0, 0.0]]]).numpy()
        array([[[0., 1., 1.]]], dtype=float32)
    """
    x, single, fmt = _images(images, data_format, "rgb_to_hsv")
    r, g, b = shaping.unstack(x, axis=-1)
    value = red.max(x, axis=-1)
    low = red.min(x, axis=-1)
    span = ew.subtract(value, low)
    sat = ew.divide_no_nan(span, value)
    safe = ew.where(ew.greater(span, 0.0), span, 1.0)
    hr = ew.divide(ew.subtract(g, b), safe)
    hg = ew.add(ew.divide(ew.subtract(b, r), safe), 2.0)
    hb = ew.add(ew.divide(ew.subtract(r, g), safe), 4.0)
    hue = ew.where(ew.equal(value, r), hr, ew.where(ew.equal(value, g), hg, hb))
    hue = ew.where(ew.greater(span, 0.0), hue, 0.0)
    hue = ew.mod(ew.divide(hue, 6.0), 1.0)
    return _restore(shaping.stack([hue, sat, value], axis=-1), single, fmt)


@keras_op
def hsv_to_rgb(images: Any, data_format: str | None = None) -> Tensor:
    """Hue, saturation, value (in [0, 1]) to RGB.

    Example:
        >>> ember.ops.image.hsv_to_rgb([[[0.0, 1.0, 1.0]]]).numpy()
        array([[[1., 0., 0.]]], dtype=float32)
    """
    x, single, fmt = _images(images, data_format, "hsv_to_rgb")
    h, s, v = shaping.unstack(x, axis=-1)

    def channel(n: float) -> Tensor:
        k = ew.mod(ew.add(ew.multiply(h, 6.0), n), 6.0)
        ramp = ew.clip(ew.minimum(k, ew.subtract(4.0, k)), 0.0, 1.0)
        return ew.subtract(v, ew.multiply(ew.multiply(v, s), ramp))

    return _restore(shaping.stack([channel(5.0), channel(3.0), channel(1.0)], -1), single, fmt)


@keras_op
def extract_patches(
    images: Any,
    size: Any,
    strides: Any = None,
    dilation_rate: Any = 1,
    padding: str = "valid",
    data_format: str | None = None,
) -> Tensor:
    """Patches of ``size`` every ``strides`` (default: the size), flattened into the channel
    axis: (N, out_h, out_w, size_h * size_w * C).

    Example:
        >>> ember.ops.image.extract_patches(ember.ops.ones((1, 4, 4, 3)), 2).shape
        (1, 2, 2, 12)
    """
    from ember.ops import nn

    op = "extract_patches"
    x, single, fmt = _images(images, data_format, op)
    k = nn._tuple(size, 2, "size", op)
    s = k if strides is None else nn._tuple(strides, 2, "strides", op)
    d = nn._tuple(dilation_rate, 2, "dilation_rate", op)
    c = x.shape[-1]
    # A one-hot kernel: output channel (i, j, ch) copies input channel ch at tap (i, j).
    kernel = np.zeros((k[0], k[1], c, k[0] * k[1] * c), np.float32)
    for i in range(k[0]):
        for j in range(k[1]):
            base = (i * k[1] + j) * c
            kernel[i, j, np.arange(c), base + np.arange(c)] = 1.0
    y = nn.conv(x, Tensor(kernel), s, padding, None, d)
    return _restore(y, single, fmt)


@keras_op
def gaussian_blur(
    images: Any,
    kernel_size: Any = (3, 3),
    sigma: Any = (1.0, 1.0),
    data_format: str | None = None,
) -> Tensor:
    """Each channel convolved with a normalized Gaussian of ``kernel_size`` and ``sigma``
    ("same" size, zero padding); the kernel is built exactly as Keras builds it.

    Example:
        >>> ember.ops.image.gaussian_blur(ember.ops.ones((1, 5, 5, 1))).shape
        (1, 5, 5, 1)
    """
    from ember.ops import nn

    op = "gaussian_blur"
    x, single, fmt = _images(images, data_format, op)
    k0, k1 = nn._tuple(kernel_size, 2, "kernel_size", op)
    s0, s1 = (float(sigma),) * 2 if np.isscalar(sigma) else (float(v) for v in sigma)

    def taps(n: int, s: float) -> np.ndarray:
        r = np.arange(n) - (n - 1) / 2
        g = np.exp(-0.5 * (r / s) ** 2)
        return g / g.sum()

    # As Keras: the outer product of the second axis' taps with the first's, laid out as
    # (kernel_size[0], kernel_size[1]) (the same for square kernels).
    k2 = np.outer(taps(k1, s1), taps(k0, s0)).reshape(k0, k1).astype(np.float32)
    c = x.shape[-1]
    kernel = np.repeat(k2[:, :, None, None], c, axis=2)
    y = nn.depthwise_conv(x, Tensor(kernel), 1, "same")
    return _restore(y, single, fmt)


@keras_op
def sobel_edges(images: Any, data_format: str | None = None) -> Tensor:
    """Sobel gradients per channel: (..., C, 2) with the vertical (dy) then horizontal (dx)
    response, reflect-padded as TensorFlow.

    Example:
        >>> ember.ops.image.sobel_edges(ember.ops.ones((1, 4, 4, 2))).shape
        (1, 4, 4, 2, 2)
    """
    from ember.ops import nn

    x, single, fmt = _images(images, data_format, "sobel_edges")
    ky = np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], np.float32)
    kx = ky.T.copy()
    c = x.shape[-1]
    kernel = np.stack([ky, kx], axis=-1)[:, :, None, :]  # (3, 3, 1, 2)
    kernel = np.repeat(kernel, c, axis=2)  # depthwise multiplier 2
    padded = shaping.pad(x, [(0, 0), (1, 1), (1, 1), (0, 0)], mode="reflect")
    y = nn.depthwise_conv(padded, Tensor(kernel), 1, "valid")
    y = shaping.reshape(y, (*y.shape[:-1][:3], c, 2))
    if fmt == "channels_first":
        y = shaping.transpose(y, (0, 3, 1, 2, 4))
    return shaping.squeeze(y, 0) if single else y


affine_transform = not_implemented("image.affine_transform", "geometric warps are not implemented")
elastic_transform = not_implemented(
    "image.elastic_transform", "geometric warps are not implemented"
)
perspective_transform = not_implemented(
    "image.perspective_transform", "geometric warps are not implemented"
)
map_coordinates = not_implemented("image.map_coordinates", "coordinate mapping is not implemented")
scale_and_translate = not_implemented(
    "image.scale_and_translate", "kernel-based rescaling is not implemented"
)
extract_patches_3d = not_implemented(
    "image.extract_patches_3d", "volumetric patches are not implemented"
)
ssim = not_implemented("image.ssim", "structural similarity is not implemented")
