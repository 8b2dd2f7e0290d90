"""Shape ops (``keras.ops`` names): reshape, transpose and axis moves, adding and removing
axes, joining and splitting, tiling, repeating, flipping, rolling, padding, broadcasting and
triangles.

Ops that only move or repeat elements run through ``ember.ops.base.rearrange``, whose
gradient adds each output element's gradient back where it came from; joins and splits have
their own Functions. Integer and boolean tensors keep their dtype.

Example:
    >>> from ember import ops
    >>> x = ember.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    >>> y = ops.concatenate([ops.flip(x, axis=1), x], axis=0)
    >>> ops.sum(y * y).backward(); x.grad
    array([[ 0.,  4.,  8.],
           [12., 16., 20.]], dtype=float32)
"""

from __future__ import annotations

import builtins
import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from ember.autograd import Function, Tensor, standardize_dtype
from ember.ops import math as core_math
from ember.ops.base import (
    as_shape,
    cast,
    convert,
    keras_op,
    normalize_axes,
    normalize_axis,
    rearrange,
    result_type,
)
from ember.ops.math import unbroadcast


# ------------------------------------------------------------------ Functions
class Join(Function):
    """Concatenation of several arrays along ``axis`` (a keyword: every positional argument is
    an array)."""

    def forward(self, *arrays: Any, axis: int) -> Any:
        self.axis = axis
        self.sizes = [a.shape[axis] for a in arrays]
        return np.concatenate(arrays, axis=axis)

    def backward(self, g: Any):
        bounds = np.cumsum(self.sizes)[:-1]
        return tuple(np.ascontiguousarray(p) for p in np.split(g, bounds, axis=self.axis))


class Split(Function):
    """Pieces of x along ``axis`` at the boundaries ``bounds`` (several outputs)."""

    def forward(self, x: Any, bounds: tuple[int, ...], axis: int) -> Any:
        self.shape, self.bounds, self.axis = x.shape, bounds, axis
        return tuple(np.ascontiguousarray(p) for p in np.split(x, bounds, axis=axis))

    def backward(self, *grads: Any):
        edges = (0, *self.bounds, self.shape[self.axis])
        parts = []
        for g, lo, hi in zip(grads, edges[:-1], edges[1:]):
            if g is None:
                shape = list(self.shape)
                shape[self.axis] = hi - lo
                g = np.zeros(shape, np.float32)
            parts.append(g)
        return np.concatenate(parts, axis=self.axis), None, None


class BroadcastTo(Function):
    def forward(self, x: Any, shape: tuple[int, ...]) -> Any:
        self.shape = x.shape
        out = np.broadcast_to(x, shape)
        return np.ascontiguousarray(out) if type(out) is np.ndarray else out

    def backward(self, g: Any):
        return unbroadcast(g, self.shape).astype(np.float32), None


class Mask(Function):
    """x * mask for a fixed boolean mask (triangles): the gradient is masked the same way."""

    def forward(self, x: Any, mask: Any) -> Any:
        self.mask = mask
        return np.where(mask, x, np.zeros((), x.dtype))

    def backward(self, g: Any):
        return np.where(self.mask, g, np.float32(0)), None


# ------------------------------------------------------------------ helpers
def _joined_dtype(tensors: Sequence[Tensor]) -> str:
    return result_type(*[t.dtype for t in tensors])


def _as_tensors(xs: Any, op: str, arg: str = "xs") -> list[Tensor]:
    if isinstance(xs, Tensor) or not isinstance(xs, (list, tuple)):
        t = convert(xs)
        if t.ndim == 0:
            raise TypeError(f"{op}: `{arg}` must be a list of tensors, received a scalar")
        return [t[i] for i in range(t.shape[0])]
    if not xs:
        raise ValueError(f"{op}: `{arg}` must hold at least one tensor, received an empty list")
    return [convert(x) for x in xs]


def _join(tensors: list[Tensor], axis: int) -> Tensor:
    dtype = _joined_dtype(tensors)
    tensors = [cast(t, dtype) for t in tensors]
    if dtype != "float32":
        return Tensor(np.concatenate([t.data for t in tensors], axis=axis))
    return Join.apply(*tensors, axis=axis)


# ------------------------------------------------------------------ reshaping
@keras_op
def reshape(x: Any, newshape: Any) -> Tensor:
    """x with the shape ``newshape`` (one entry may be -1: inferred).

    Example:
        >>> ember.ops.reshape(ember.ops.arange(6), (2, -1)).shape
        (2, 3)
    """
    t = convert(x)
    shape = as_shape(newshape, "reshape", "newshape")
    known = [d for d in shape if d != -1]
    if shape.count(-1) > 1 or any(d < -1 for d in shape):
        raise ValueError(
            f"reshape: `newshape` may hold one -1 and otherwise sizes >= 0, received {shape}"
        )
    size = int(np.prod(known, dtype=np.int64))
    if (-1 in shape and (size == 0 or t.size % size)) or (-1 not in shape and size != t.size):
        raise ValueError(
            f"reshape: cannot reshape a tensor of shape {t.shape} ({t.size} elements) into "
            f"shape {shape}"
        )
    if t.dtype.kind != "f":
        return Tensor(t.data.reshape(shape))
    return core_math.Reshape.apply(t, shape)


@keras_op
def ravel(x: Any) -> Tensor:
    """x flattened to one axis.

    Example:
        >>> ember.ops.ravel([[1, 2], [3, 4]]).numpy()
        array([1, 2, 3, 4], dtype=int32)
    """
    return reshape(x, (-1,))


@keras_op
def transpose(x: Any, axes: Any = None) -> Tensor:
    """x with its axes permuted (default: reversed).

    Example:
        >>> ember.ops.transpose(ember.ops.zeros((2, 3, 4)), (2, 0, 1)).shape
        (4, 2, 3)
    """
    t = convert(x)
    if axes is not None:
        perm = tuple(normalize_axis(a, t.ndim, "transpose", "axes") for a in axes)
        if sorted(perm) != list(range(t.ndim)):
            raise ValueError(
                f"transpose: `axes` must be a permutation of the {t.ndim} axes, received {axes}"
            )
    else:
        perm = None
    if t.dtype.kind != "f":
        return Tensor(np.ascontiguousarray(np.transpose(t.data, perm)))
    return core_math.Transpose.apply(t, perm)


@keras_op
def swapaxes(x: Any, axis1: int, axis2: int) -> Tensor:
    """x with two axes exchanged.

    Example:
        >>> ember.ops.swapaxes(ember.ops.zeros((2, 3, 4)), 0, 2).shape
        (4, 3, 2)
    """
    t = convert(x)
    a = normalize_axis(axis1, t.ndim, "swapaxes", "axis1")
    b = normalize_axis(axis2, t.ndim, "swapaxes", "axis2")
    perm = list(range(t.ndim))
    perm[a], perm[b] = perm[b], perm[a]
    return transpose(t, perm)


@keras_op
def moveaxis(x: Any, source: Any, destination: Any) -> Tensor:
    """x with the axes ``source`` moved to the positions ``destination``.

    Example:
        >>> ember.ops.moveaxis(ember.ops.zeros((2, 3, 4)), 0, -1).shape
        (3, 4, 2)
    """
    t = convert(x)
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    if len(src) != len(dst):
        raise ValueError(
            "moveaxis: `source` and `destination` must have the same number of axes, received "
            f"{source} and {destination}"
        )
    src = [normalize_axis(a, t.ndim, "moveaxis", "source") for a in src]
    dst = [normalize_axis(a, t.ndim, "moveaxis", "destination") for a in dst]
    order = [a for a in range(t.ndim) if a not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return transpose(t, order)


@keras_op
def expand_dims(x: Any, axis: Any) -> Tensor:
    """x with new axes of size 1 at the positions ``axis`` (an int or a tuple).

    Example:
        >>> ember.ops.expand_dims(ember.ops.zeros((2, 3)), (0, -1)).shape
        (1, 2, 3, 1)
    """
    t = convert(x)
    axes = axis if isinstance(axis, (list, tuple)) else (axis,)
    ndim = t.ndim + len(axes)
    where = normalize_axes(list(axes), ndim, "expand_dims")
    dims = iter(t.shape)
    shape = tuple(1 if i in where else next(dims) for i in range(ndim))
    return reshape(t, shape)


@keras_op
def squeeze(x: Any, axis: Any = None) -> Tensor:
    """x without axes of size 1 (only ``axis``, when given; ValueError if one is not 1).

    Example:
        >>> ember.ops.squeeze(ember.ops.zeros((1, 3, 1))).shape
        (3,)
    """
    t = convert(x)
    if axis is None:
        axes = tuple(i for i, d in enumerate(t.shape) if d == 1)
    else:
        axes = normalize_axes(axis, t.ndim, "squeeze")
        for a in axes:
            if t.shape[a] != 1:
                raise ValueError(
                    f"squeeze: cannot squeeze axis {a} of size {t.shape[a]} (shape {t.shape}); "
                    "only axes of size 1"
                )
    return reshape(t, tuple(d for i, d in enumerate(t.shape) if i not in axes))


@keras_op
def broadcast_to(x: Any, shape: Any) -> Tensor:
    """x broadcast (numpy rules) to ``shape``.

    Example:
        >>> ember.ops.broadcast_to([1.0, 2.0], (3, 2)).shape
        (3, 2)
    """
    t = convert(x)
    target = as_shape(shape, "broadcast_to")
    try:
        np.broadcast_shapes(t.shape, target)
        ok = np.broadcast_shapes(t.shape, target) == target
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"broadcast_to: cannot broadcast shape {t.shape} to {target}")
    if t.dtype.kind != "f":
        return Tensor(np.ascontiguousarray(np.broadcast_to(t.data, target)))
    return BroadcastTo.apply(t, target)


# ------------------------------------------------------------------ joining
@keras_op
def concatenate(xs: Any, axis: int = 0) -> Tensor:
    """The tensors joined along an existing ``axis`` (dtypes promoted as Keras does).

    Example:
        >>> ember.ops.concatenate([ember.ops.zeros((2, 3)), ember.ops.ones((1, 3))]).shape
        (3, 3)
    """
    tensors = _as_tensors(xs, "concatenate")
    if axis is None:
        return _join([reshape(t, (-1,)) for t in tensors], 0)
    ndim = tensors[0].ndim
    if ndim == 0:
        raise ValueError("concatenate: zero-dimensional tensors cannot be concatenated")
    a = normalize_axis(axis, ndim, "concatenate")
    for t in tensors[1:]:
        if t.ndim != ndim or any(
            d1 != d2 for i, (d1, d2) in enumerate(zip(t.shape, tensors[0].shape)) if i != a
        ):
            raise ValueError(
                f"concatenate: all shapes must match except along axis {axis}, received "
                f"{[tt.shape for tt in tensors]}"
            )
    return _join(tensors, a)


@keras_op
def stack(x: Any, axis: int = 0) -> Tensor:
    """The tensors (all of one shape) joined along a new ``axis``.

    Example:
        >>> ember.ops.stack([ember.ops.zeros((2, 3)), ember.ops.ones((2, 3))], axis=1).shape
        (2, 2, 3)
    """
    tensors = _as_tensors(x, "stack", "x")
    shape = tensors[0].shape
    for t in tensors[1:]:
        if t.shape != shape:
            raise ValueError(
                f"stack: all tensors must have one shape, received {[tt.shape for tt in tensors]}"
            )
    a = normalize_axis(axis, len(shape) + 1, "stack")
    return _join([expand_dims(t, a) for t in tensors], a)


@keras_op
def append(x1: Any, x2: Any, axis: int | None = None) -> Tensor:
    """x2 joined after x1 along ``axis`` (None: both flattened first).

    Example:
        >>> ember.ops.append([1, 2], [[3]]).numpy()
        array([1, 2, 3], dtype=int32)
    """
    a, b = convert(x1), convert(x2)
    if axis is None:
        return _join([reshape(a, (-1,)), reshape(b, (-1,))], 0)
    return concatenate([a, b], axis=axis)


def _at_least(t: Tensor, ndim: int) -> Tensor:
    if t.ndim >= ndim:
        return t
    if ndim == 3 and t.ndim < 3:
        shape = (1, t.size, 1) if t.ndim <= 1 else (*t.shape, 1)
        return reshape(t, shape)
    return reshape(t, (1,) * (ndim - t.ndim) + t.shape)


@keras_op
def hstack(xs: Any) -> Tensor:
    """Join horizontally: along axis 1, or axis 0 for 1-D tensors.

    Example:
        >>> ember.ops.hstack([[1, 2], [3]]).numpy()
        array([1, 2, 3], dtype=int32)
    """
    tensors = [_at_least(t, 1) for t in _as_tensors(xs, "hstack")]
    return concatenate(tensors, axis=0 if tensors[0].ndim == 1 else 1)


@keras_op
def vstack(xs: Any) -> Tensor:
    """Join vertically: along axis 0, 1-D tensors as rows.

    Example:
        >>> ember.ops.vstack([[1, 2], [3, 4]]).shape
        (2, 2)
    """
    return concatenate([_at_least(t, 2) for t in _as_tensors(xs, "vstack")], axis=0)


@keras_op
def dstack(xs: Any) -> Tensor:
    """Join along the third axis (1-D and 2-D tensors get axes of size 1 first).

    Example:
        >>> ember.ops.dstack([[1, 2], [3, 4]]).shape
        (1, 2, 2)
    """
    return concatenate([_at_least(t, 3) for t in _as_tensors(xs, "dstack")], axis=2)


# ------------------------------------------------------------------ splitting
def _split(t: Tensor, bounds: tuple[int, ...], axis: int) -> list[Tensor]:
    if t.dtype.kind != "f":
        return [Tensor(np.ascontiguousarray(p)) for p in np.split(t.data, bounds, axis=axis)]
    if not bounds:
        return [t]
    return list(Split.apply(t, bounds, axis))


@keras_op
def split(x: Any, indices_or_sections: Any, axis: int = 0) -> list[Tensor]:
    """Pieces of x along ``axis``: an int splits into that many equal parts (ValueError if the
    axis does not divide), a list gives the split positions.

    Example:
        >>> [p.shape for p in ember.ops.split(ember.ops.zeros((6, 2)), 3)]
        [(2, 2), (2, 2), (2, 2)]
    """
    t = convert(x)
    a = normalize_axis(axis, t.ndim, "split")
    n = t.shape[a]
    if isinstance(indices_or_sections, (int, np.integer)):
        k = int(indices_or_sections)
        if k <= 0 or n % k:
            raise ValueError(
                f"split: axis {axis} of size {n} cannot be split into {k} equal sections"
            )
        bounds = tuple(range(n // k, n, n // k)) if k > 1 else ()
    else:
        bounds = tuple(builtins.min(builtins.max(int(i), 0), n) for i in indices_or_sections)
    return _split(t, bounds, a)


@keras_op
def array_split(x: Any, indices_or_sections: Any, axis: int = 0) -> list[Tensor]:
    """Like ``split``, but an int need not divide the axis: the first parts get one more.

    Example:
        >>> [p.shape[0] for p in ember.ops.array_split(ember.ops.zeros((7,)), 3)]
        [3, 2, 2]
    """
    t = convert(x)
    a = normalize_axis(axis, t.ndim, "array_split")
    n = t.shape[a]
    if isinstance(indices_or_sections, (int, np.integer)):
        k = int(indices_or_sections)
        if k <= 0:
            raise ValueError(f"array_split: the number of sections must be > 0, received {k}")
        base, extra = divmod(n, k)
        sizes = [base + 1] * extra + [base] * (k - extra)
        bounds = tuple(np.cumsum(sizes)[:-1].tolist())
        return _split(t, bounds, a)
    return split(t, indices_or_sections, axis=a)


@keras_op
def hsplit(x: Any, indices_or_sections: Any) -> list[Tensor]:
    """``split`` along axis 1 (axis 0 for 1-D tensors).

    Example:
        >>> len(ember.ops.hsplit(ember.ops.zeros((2, 4)), 2))
        2
    """
    t = convert(x)
    return split(t, indices_or_sections, axis=0 if t.ndim == 1 else 1)


@keras_op
def vsplit(x: Any, indices_or_sections: Any) -> list[Tensor]:
    """``split`` along axis 0 (tensors of rank >= 2).

    Example:
        >>> len(ember.ops.vsplit(ember.ops.zeros((4, 2)), 2))
        2
    """
    t = convert(x)
    if t.ndim < 2:
        raise ValueError(f"vsplit: expected a tensor of rank >= 2, received shape {t.shape}")
    return split(t, indices_or_sections, axis=0)


@keras_op
def dsplit(x: Any, indices_or_sections: Any) -> list[Tensor]:
    """``split`` along axis 2 (tensors of rank >= 3).

    Example:
        >>> len(ember.ops.dsplit(ember.ops.zeros((1, 1, 4)), 4))
        4
    """
    t = convert(x)
    if t.ndim < 3:
        raise ValueError(f"dsplit: expected a tensor of rank >= 3, received shape {t.shape}")
    return split(t, indices_or_sections, axis=2)


@keras_op
def unstack(x: Any, num: int | None = None, axis: int = 0) -> list[Tensor]:
    """The slices of x along ``axis``, as a list (``num``, when given, must be that size).

    Example:
        >>> [t.shape for t in ember.ops.unstack(ember.ops.zeros((2, 3)), axis=1)]
        [(2,), (2,), (2,)]
    """
    t = convert(x)
    a = normalize_axis(axis, t.ndim, "unstack")
    n = t.shape[a]
    if num is not None and num != n:
        raise ValueError(f"unstack: `num`={num} does not match axis {axis} of size {n}")
    parts = _split(t, tuple(range(1, n)), a)
    shape = t.shape[:a] + t.shape[a + 1 :]
    return [reshape(p, shape) for p in parts]


# ------------------------------------------------------------------ moving elements
@keras_op
def tile(x: Any, repeats: Any) -> Tensor:
    """x repeated ``repeats`` times along each axis (numpy's tile).

    Example:
        >>> ember.ops.tile([1, 2], 2).numpy()
        array([1, 2, 1, 2], dtype=int32)
    """
    t = convert(x)
    reps = as_shape(repeats, "tile", "repeats")
    if any(r < 0 for r in reps):
        raise ValueError(f"tile: `repeats` must be >= 0, received {reps}")
    return rearrange(t, lambda a: np.tile(a, reps))


@keras_op
def repeat(x: Any, repeats: Any, axis: int | None = None) -> Tensor:
    """Each element repeated ``repeats`` times along ``axis`` (None: flattened first);
    ``repeats`` may be a list, one count per element.

    Example:
        >>> ember.ops.repeat([1, 2], 2).numpy()
        array([1, 1, 2, 2], dtype=int32)
    """
    t = convert(x)
    reps = repeats.numpy() if isinstance(repeats, Tensor) else np.asarray(repeats)
    if reps.dtype.kind not in "iu":
        raise TypeError(f"repeat: `repeats` must be integers, received {repeats!r}")
    if np.any(reps < 0):
        raise ValueError(f"repeat: `repeats` must be >= 0, received {reps.tolist()}")
    a = None if axis is None else normalize_axis(axis, t.ndim, "repeat")
    return rearrange(t, lambda arr: np.repeat(arr, reps, axis=a))


@keras_op
def flip(x: Any, axis: Any = None) -> Tensor:
    """x with the order of elements reversed along ``axis`` (None: all axes).

    Example:
        >>> ember.ops.flip([1, 2, 3]).numpy()
        array([3, 2, 1], dtype=int32)
    """
    t = convert(x)
    axes = normalize_axes(axis, t.ndim, "flip")
    return rearrange(t, lambda a: np.ascontiguousarray(np.flip(a, axes)))


@keras_op
def fliplr(x: Any) -> Tensor:
    """``flip`` along axis 1 (tensors of rank >= 2).

    Example:
        >>> ember.ops.fliplr([[1, 2]]).numpy()
        array([[2, 1]], dtype=int32)
    """
    t = convert(x)
    if t.ndim < 2:
        raise ValueError(f"fliplr: expected a tensor of rank >= 2, received shape {t.shape}")
    return flip(t, axis=1)


@keras_op
def flipud(x: Any) -> Tensor:
    """``flip`` along axis 0 (tensors of rank >= 1).

    Example:
        >>> ember.ops.flipud([[1], [2]]).numpy()
        array([[2],
               [1]], dtype=int32)
    """
    t = convert(x)
    if t.ndim < 1:
        raise ValueError("flipud: expected a tensor of rank >= 1, received a scalar")
    return flip(t, axis=0)


@keras_op
def rot90(array: Any, k: int = 1, axes: tuple[int, int] = (0, 1)) -> Tensor:
    """x rotated by 90 degrees ``k`` times in the plane of ``axes`` (from the first axis toward
    the second).

    Example:
        >>> ember.ops.rot90([[1, 2], [3, 4]]).numpy()
        array([[2, 4],
               [1, 3]], dtype=int32)
    """
    t = convert(array)
    if t.ndim < 2:
        raise ValueError(f"rot90: expected a tensor of rank >= 2, received shape {t.shape}")
    if len(axes) != 2:
        raise ValueError(f"rot90: `axes` must be two axes, received {axes}")
    a = normalize_axis(axes[0], t.ndim, "rot90", "axes")
    b = normalize_axis(axes[1], t.ndim, "rot90", "axes")
    if a == b:
        raise ValueError(f"rot90: `axes` must be two different axes, received {axes}")
    turns = int(k)
    return rearrange(t, lambda arr: np.ascontiguousarray(np.rot90(arr, turns, axes=(a, b))))


@keras_op
def roll(x: Any, shift: Any, axis: Any = None) -> Tensor:
    """x with elements shifted cyclically by ``shift`` along ``axis`` (None: flattened).

    Example:
        >>> ember.ops.roll([1, 2, 3, 4], 1).numpy()
        array([4, 1, 2, 3], dtype=int32)
    """
    t = convert(x)
    if axis is not None:
        if isinstance(axis, (list, tuple)):
            axis = tuple(normalize_axis(a, t.ndim, "roll") for a in axis)
        else:
            axis = normalize_axis(axis, t.ndim, "roll")
    s = tuple(shift) if isinstance(shift, (list, tuple)) else int(shift)
    return rearrange(t, lambda a: np.roll(a, s, axis=axis))


_PAD_MODES = ("constant", "reflect", "symmetric", "edge", "wrap")


def _pad_width(pad_width: Any, ndim: int) -> tuple[tuple[int, int], ...]:
    pw = np.asarray(pad_width.numpy() if isinstance(pad_width, Tensor) else pad_width)
    if pw.dtype.kind not in "iu":
        raise TypeError(f"pad: `pad_width` must be integers, received {pad_width!r}")
    try:
        pairs = np.broadcast_to(pw, (ndim, 2))
    except ValueError:
        raise ValueError(
            f"pad: `pad_width` must give (before, after) for each of the {ndim} axes, received "
            f"{pw.tolist()}"
        ) from None
    if np.any(pairs < 0):
        raise ValueError(f"pad: `pad_width` must be >= 0, received {pw.tolist()}")
    return tuple((int(a), int(b)) for a, b in pairs)


@keras_op
def pad(x: Any, pad_width: Any, mode: str = "constant", constant_values: Any = None) -> Tensor:
    """x padded by ``pad_width`` ((before, after) per axis, or one pair / int for all) with
    ``mode`` "constant" (``constant_values``, default 0), "reflect", "symmetric", "edge" or
    "wrap".

    Example:
        >>> ember.ops.pad([1, 2], (1, 2)).numpy()
        array([0, 1, 2, 0, 0], dtype=int32)
    """
    t = convert(x)
    if mode not in _PAD_MODES:
        raise ValueError(f"pad: `mode` must be one of {list(_PAD_MODES)}, received {mode!r}")
    if mode != "constant" and constant_values is not None:
        raise ValueError(
            f"pad: `constant_values` can only be given with mode='constant', received mode={mode!r}"
        )
    widths = _pad_width(pad_width, t.ndim)
    if mode in ("reflect", "symmetric"):
        limit = 1 if mode == "reflect" else 0
        for (lo, hi), n in zip(widths, t.shape):
            if builtins.max(lo, hi) > n - limit:
                raise ValueError(
                    f"pad: with mode={mode!r} a pad width must be at most {n - limit} for an "
                    f"axis of size {n}, received {widths}"
                )
    if mode == "constant":
        value = 0 if constant_values is None else constant_values
        return rearrange(
            t,
            lambda a: np.pad(a, widths, mode="constant", constant_values=value),
            lambda a: np.pad(a, widths, mode="constant"),
        )
    return rearrange(t, lambda a: np.pad(a, widths, mode=mode))


# ------------------------------------------------------------------ triangles
def _triangle_mask(shape: tuple[int, ...], k: int, lower: bool) -> np.ndarray:
    n, m = shape[-2], shape[-1]
    mask = np.tri(n, m, k, dtype=bool)
    return mask if lower else ~np.tri(n, m, k - 1, dtype=bool)


def _triangle(x: Any, k: int, lower: bool, op: str) -> Tensor:
    t = convert(x)
    if t.ndim < 2:
        raise ValueError(f"{op}: expected a tensor of rank >= 2, received shape {t.shape}")
    mask = _triangle_mask(t.shape, int(k), lower)
    if t.dtype.kind != "f":
        return Tensor(np.where(mask, t.data, np.zeros((), t.dtype)))
    return Mask.apply(t, mask)


@keras_op
def tril(x: Any, k: int = 0) -> Tensor:
    """x with the elements above the k-th diagonal of the last two axes set to zero.

    Example:
        >>> ember.ops.tril([[1, 2], [3, 4]]).numpy()
        array([[1, 0],
               [3, 4]], dtype=int32)
    """
    return _triangle(x, k, True, "tril")


@keras_op
def triu(x: Any, k: int = 0) -> Tensor:
    """x with the elements below the k-th diagonal of the last two axes set to zero.

    Example:
        >>> ember.ops.triu([[1, 2], [3, 4]]).numpy()
        array([[1, 2],
               [0, 4]], dtype=int32)
    """
    return _triangle(x, k, False, "triu")


@keras_op
def diagonal(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
    """The ``offset`` diagonal over ``axis1`` and ``axis2``, as the last axis.

    Example:
        >>> ember.ops.diagonal([[1, 2], [3, 4]]).numpy()
        array([1, 4], dtype=int32)
    """
    t = convert(x)
    if t.ndim < 2:
        raise ValueError(f"diagonal: expected a tensor of rank >= 2, received shape {t.shape}")
    a = normalize_axis(axis1, t.ndim, "diagonal", "axis1")
    b = normalize_axis(axis2, t.ndim, "diagonal", "axis2")
    if a == b:
        raise ValueError("diagonal: `axis1` and `axis2` must be different axes")
    off = int(offset)
    return rearrange(t, lambda arr: np.diagonal(arr, off, a, b).copy())


@keras_op
def trace(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
    """Sum of the ``offset`` diagonal over ``axis1`` and ``axis2``; small integers sum as
    int32.

    Example:
        >>> ember.ops.trace([[1, 2], [3, 4]]).numpy()
        array(5, dtype=int32)
    """
    from ember.ops.reduction import sum as reduce_sum

    return reduce_sum(diagonal(x, offset, axis1, axis2), axis=-1)


@keras_op
def diff(a: Any, n: int = 1, axis: int = -1) -> Tensor:
    """The n-th discrete difference along ``axis`` (out[i] = a[i+1] - a[i], n times).

    Example:
        >>> ember.ops.diff([1, 4, 9, 16]).numpy()
        array([3, 5, 7], dtype=int32)
    """
    from ember.ops.elementwise import not_equal, subtract

    t = convert(a)
    if n < 0:
        raise ValueError(f"diff: `n` must be >= 0, received {n}")
    ax = normalize_axis(axis, t.ndim, "diff")
    head = [slice(None)] * t.ndim
    tail = [slice(None)] * t.ndim
    head[ax], tail[ax] = slice(1, None), slice(None, -1)
    for _ in range(n):
        if t.dtype == np.bool_:
            t = not_equal(t[tuple(head)], t[tuple(tail)])
        else:
            t = subtract(t[tuple(head)], t[tuple(tail)])
    return t


@keras_op
def view(x: Any, dtype: Any = None) -> Tensor:
    """The same bytes read as ``dtype`` (the last axis scales by the size ratio); no gradient.

    Example:
        >>> ember.ops.view(ember.ops.ones((2,), dtype="int32"), "uint8").shape
        (8,)
    """
    t = convert(x)
    if dtype is None:
        return t
    target = np.dtype(standardize_dtype(dtype) if standardize_dtype(dtype) != "string" else "U")
    data = np.ascontiguousarray(t.data)
    try:
        return Tensor(data.view(target).copy())
    except ValueError as err:
        raise ValueError(
            f"view: cannot view a {t.dtype} tensor of shape {t.shape} as {dtype}: {err}"
        ) from None


# ------------------------------------------------------------------ einops
def _parse_side(side: str, op: str) -> list[list[str]]:
    groups: list[list[str]] = []
    current: list[str] | None = None
    for token in side.replace("(", " ( ").replace(")", " ) ").split():
        if token == "(":
            if current is not None:
                raise ValueError(f"{op}: nested parentheses in the pattern")
            current = []
        elif token == ")":
            if current is None:
                raise ValueError(f"{op}: unbalanced parentheses in the pattern")
            groups.append(current)
            current = None
        elif current is not None:
            current.append(token)
        else:
            groups.append([token])
    if current is not None:
        raise ValueError(f"{op}: unbalanced parentheses in the pattern")
    return groups


@keras_op(name="rearrange")
def einops_rearrange(tensor: Any, pattern: str, **axes_lengths: int) -> Tensor:
    """Reorder, merge and split axes by an einops pattern such as ``"b h w c -> b (h w) c"``
    (axis names, parentheses for merged axes; sizes of split axes as keywords).

    Example:
        >>> x = ember.ops.zeros((2, 6, 4))
        >>> ember.ops.rearrange(x, "b (h w) c -> b h w c", h=3).shape
        (2, 3, 2, 4)
    """
    t = convert(tensor)
    op = "rearrange"
    if "->" not in pattern:
        raise ValueError(f"{op}: the pattern must contain '->', received {pattern!r}")
    left, right = (s.strip() for s in pattern.split("->"))
    lgroups, rgroups = _parse_side(left, op), _parse_side(right, op)
    if len(lgroups) != t.ndim:
        raise ValueError(
            f"{op}: the pattern's left side names {len(lgroups)} axes, but the tensor has "
            f"rank {t.ndim} (shape {t.shape})"
        )
    lnames = [n for g in lgroups for n in g]
    rnames = [n for g in rgroups for n in g]
    if sorted(lnames) != sorted(rnames) or len(set(lnames)) != len(lnames):
        raise ValueError(
            f"{op}: both sides must name the same axes once each, received {pattern!r}"
        )
    sizes: dict[str, int] = {k: operator.index(v) for k, v in axes_lengths.items()}
    for group, dim in zip(lgroups, t.shape):
        unknown = [n for n in group if n not in sizes]
        known = int(np.prod([sizes[n] for n in group if n in sizes], dtype=np.int64))
        if len(unknown) > 1:
            raise ValueError(f"{op}: give the sizes of all but one of the axes in {group}")
        if unknown:
            if known == 0 or dim % known:
                raise ValueError(f"{op}: axis of size {dim} cannot be split as {group}")
            sizes[unknown[0]] = dim // known
        elif known != dim:
            raise ValueError(f"{op}: axis of size {dim} does not match {group} = {known}")
    split = reshape(t, tuple(sizes[n] for n in lnames))
    moved = transpose(split, [lnames.index(n) for n in rnames])
    shape = tuple(int(np.prod([sizes[n] for n in g], dtype=np.int64)) for g in rgroups)
    return reshape(moved, shape)


# The Keras names this module provides (ember.ops gathers them).
__all__ = [
    "append",
    "array_split",
    "broadcast_to",
    "concatenate",
    "diagonal",
    "diff",
    "dsplit",
    "dstack",
    "expand_dims",
    "flip",
    "fliplr",
    "flipud",
    "hsplit",
    "hstack",
    "moveaxis",
    "pad",
    "ravel",
    "repeat",
    "reshape",
    "roll",
    "rot90",
    "split",
    "squeeze",
    "stack",
    "swapaxes",
    "tile",
    "trace",
    "transpose",
    "tril",
    "triu",
    "unstack",
    "view",
    "vsplit",
    "vstack",
]
