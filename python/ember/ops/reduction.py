"""Reductions (``keras.ops`` names): sums, means, extremes and their positions, products,
variance, truth tests, ``logsumexp``, cumulative sums and products, quantiles and medians, and
the NaN-ignoring variants.

Result dtypes follow Keras (TensorFlow backend): ``sum``/``prod`` of small integers and
booleans are int32 (uint32 for unsigned), ``mean``/``std``/``var``/``median`` are float32,
``argmax``/``argmin``/``count_nonzero`` int32, ``any``/``all`` bool. The gradient of a
maximum or minimum is shared equally among tied elements, as TensorFlow's.

Example:
    >>> from ember import ops
    >>> x = ember.tensor([[1.0, 5.0], [3.0, 2.0]], requires_grad=True)
    >>> ops.sum(ops.max(x, axis=1)).backward(); x.grad
    array([[0., 1.],
           [1., 0.]], dtype=float32)
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from ember.autograd import Function, Tensor, standardize_dtype
from ember.ops import elementwise as ew
from ember.ops.base import (
    cast,
    convert,
    keras_op,
    normalize_axes,
    normalize_axis,
)


def _f32(a: Any) -> Any:
    if isinstance(a, np.generic):
        a = np.asarray(a)
    if a.dtype.kind == "f" and a.dtype != np.float32:
        return a.astype(np.float32)
    return a


def _expand(g: Any, axes: tuple[int, ...], keepdims: bool) -> Any:
    """A reduced gradient with its reduced axes back (size 1)."""
    if keepdims or not axes:
        return g
    return np.expand_dims(g, axes)


# ------------------------------------------------------------------ Functions
class Sum(Function):
    def forward(self, x: Any, axes: tuple[int, ...], keepdims: bool) -> Any:
        self.shape, self.axes, self.keepdims = x.shape, axes, keepdims
        return _f32(np.sum(x, axis=axes, keepdims=keepdims, dtype=np.float32))

    def backward(self, g: Any):
        g = _expand(g, self.axes, self.keepdims)
        return np.broadcast_to(g, self.shape).astype(np.float32), None, None


class Mean(Function):
    def forward(self, x: Any, axes: tuple[int, ...], keepdims: bool) -> Any:
        self.shape, self.axes, self.keepdims = x.shape, axes, keepdims
        self.count = int(np.prod([x.shape[a] for a in axes], dtype=np.int64))
        return _f32(np.mean(x, axis=axes, keepdims=keepdims, dtype=np.float32))

    def backward(self, g: Any):
        g = _expand(g, self.axes, self.keepdims) / np.float32(builtins.max(self.count, 1))
        return np.broadcast_to(g, self.shape).astype(np.float32), None, None


class Extreme(Function):
    """max (or min) over axes; the gradient is shared equally among tied extremes."""

    def forward(self, x: Any, axes: tuple[int, ...], keepdims: bool, largest: bool) -> Any:
        reduce = np.max if largest else np.min
        y = reduce(x, axis=axes, keepdims=True)
        if self.record:
            self.hits = x == y
            self.axes, self.keepdims = axes, keepdims
        return _f32(y if keepdims else np.squeeze(y, axis=axes))

    def backward(self, g: Any):
        g = _expand(g, self.axes, self.keepdims)
        count = np.sum(self.hits, axis=self.axes, keepdims=True, dtype=np.float32)
        return (self.hits * (g / count)).astype(np.float32), None, None, None


class Prod(Function):
    def forward(self, x: Any, axes: tuple[int, ...], keepdims: bool) -> Any:
        self.x, self.axes, self.keepdims = x, axes, keepdims
        return _f32(np.prod(x, axis=axes, keepdims=keepdims, dtype=np.float32))

    def backward(self, g: Any):
        # d prod / d x_i = product of the others: exclusive products from both sides, which
        # stays right where elements are zero.
        x, axes = self.x, self.axes
        moved = np.moveaxis(x, axes, tuple(range(-len(axes), 0)))
        lead = moved.shape[: moved.ndim - len(axes)]
        flat = moved.reshape(*lead, -1).astype(np.float64)
        ones = np.ones((*lead, 1))
        before = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
        after = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
        others = (before * after).reshape(moved.shape)
        others = np.moveaxis(others, tuple(range(-len(axes), 0)), axes)
        g = _expand(g, axes, self.keepdims)
        return (g * others).astype(np.float32), None, None


class LogSumExp(Function):
    def forward(self, x: Any, axes: tuple[int, ...], keepdims: bool) -> Any:
        m = np.max(x, axis=axes, keepdims=True)
        m = np.where(np.isfinite(m), m, 0).astype(np.float32)
        with np.errstate(divide="ignore"):
            y = np.log(np.sum(np.exp(x - m), axis=axes, keepdims=True)) + m
        if self.record:
            self.x, self.y, self.axes, self.keepdims = x, y, axes, keepdims
        return _f32(y if keepdims else np.squeeze(y, axis=axes))

    def backward(self, g: Any):
        g = _expand(g, self.axes, self.keepdims)
        return (g * np.exp(self.x - self.y)).astype(np.float32), None, None


class CumSum(Function):
    def forward(self, x: Any, axis: int) -> Any:
        self.axis = axis
        return np.cumsum(x, axis=axis, dtype=np.float32)

    def backward(self, g: Any):
        rev = np.flip(g, self.axis)
        return np.flip(np.cumsum(rev, axis=self.axis), self.axis).astype(np.float32), None


class CumProd(Function):
    def forward(self, x: Any, axis: int) -> Any:
        self.x, self.axis = x, axis
        self.y = np.cumprod(x, axis=axis, dtype=np.float32)
        return self.y

    def backward(self, g: Any):
        # dL/dx_i = sum_{j>=i} g_j * y_j / x_i (TensorFlow's formula: infinite at zeros)
        a = self.axis
        acc = np.flip(np.cumsum(np.flip(g * self.y, a), axis=a), a)
        with np.errstate(divide="ignore", invalid="ignore"):
            return (acc / self.x).astype(np.float32), None


# ------------------------------------------------------------------ helpers
def _sum_dtype(dtype: np.dtype, uint64_to_32: bool = False) -> str:
    name = standardize_dtype(dtype)
    if name in ("bool", "int8", "int16", "int32"):
        return "int32"
    if name in ("uint8", "uint16", "uint32"):
        return "uint32"
    if name == "uint64" and uint64_to_32:
        return "uint32"
    return name


def _axes(x: Tensor, axis: Any, op: str) -> tuple[int, ...]:
    return normalize_axes(axis, x.ndim, op)


def _integer_reduce(t: Tensor, fn: Any, axes: tuple[int, ...], keepdims: bool, dtype: str):
    return Tensor(np.asarray(fn(t.data, axis=axes, keepdims=keepdims)).astype(dtype))


# ------------------------------------------------------------------ public reductions
@keras_op
def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Sum over ``axis`` (None: all axes). Booleans and small integers sum as int32, unsigned
    ones as uint32; floats as float32.

    Example:
        >>> ember.ops.sum([[1, 2], [3, 4]], axis=0).numpy()
        array([4, 6], dtype=int32)
    """
    t = convert(x)
    axes = _axes(t, axis, "sum")
    if t.dtype.kind != "f":
        dtype = _sum_dtype(t.dtype)
        return Tensor(np.asarray(np.sum(t.data, axis=axes, keepdims=keepdims, dtype=dtype)))
    return Sum.apply(t, axes, bool(keepdims))


@keras_op
def mean(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Arithmetic mean over ``axis`` (float32, also for integer inputs).

    Example:
        >>> ember.ops.mean([[1, 2], [3, 4]], axis=1).numpy()
        array([1.5, 3.5], dtype=float32)
    """
    t = convert(x)
    axes = _axes(t, axis, "mean")
    if t.dtype.kind != "f":
        t = cast(t, "float32")
    return Mean.apply(t, axes, bool(keepdims))


def _extreme(x: Any, axis: Any, keepdims: bool, initial: Any, largest: bool, op: str) -> Tensor:
    t = convert(x)
    axes = _axes(t, axis, op)
    if t.size == 0 and initial is None:
        raise ValueError(
            f"{op}: cannot reduce an empty tensor of shape {t.shape} without `initial`"
        )
    if t.dtype.kind != "f":
        reduce = np.max if largest else np.min
        kwargs = {} if initial is None else {"initial": initial}
        out = reduce(t.data, axis=axes, keepdims=keepdims, **kwargs)
        return Tensor(np.asarray(out).astype(t.dtype))
    y = Extreme.apply(t, axes, bool(keepdims), largest)
    if initial is not None:
        y = ew.maximum(y, float(initial)) if largest else ew.minimum(y, float(initial))
    return y


@keras_op
def max(  # noqa: A001 - Keras' name
    x: Any, axis: Any = None, keepdims: bool = False, initial: Any = None
) -> Tensor:
    """Largest element over ``axis``; ``initial`` is a lower bound for the result.

    Example:
        >>> ember.ops.max([[1.0, 5.0], [3.0, 2.0]], axis=0).numpy()
        array([3., 5.], dtype=float32)
    """
    return _extreme(x, axis, keepdims, initial, True, "max")


@keras_op
def min(  # noqa: A001 - Keras' name
    x: Any, axis: Any = None, keepdims: bool = False, initial: Any = None
) -> Tensor:
    """Smallest element over ``axis``; ``initial`` is an upper bound for the result.

    Example:
        >>> ember.ops.min([[1.0, 5.0], [3.0, 2.0]], axis=1).numpy()
        array([1., 2.], dtype=float32)
    """
    return _extreme(x, axis, keepdims, initial, False, "min")


@keras_op
def amax(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Same as ``max`` (without ``initial``).

    Example:
        >>> ember.ops.amax([1, 7, 3]).numpy()
        array(7, dtype=int32)
    """
    return _extreme(x, axis, keepdims, None, True, "amax")


@keras_op
def amin(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Same as ``min`` (without ``initial``).

    Example:
        >>> ember.ops.amin([1, 7, 3]).numpy()
        array(1, dtype=int32)
    """
    return _extreme(x, axis, keepdims, None, False, "amin")


@keras_op
def prod(x: Any, axis: Any = None, keepdims: bool = False, dtype: Any = None) -> Tensor:
    """Product over ``axis``; small integers and booleans multiply as int32. The gradient is
    right also where elements are zero.

    Example:
        >>> ember.ops.prod([[1.0, 2.0], [3.0, 4.0]], axis=1).numpy()
        array([ 2., 12.], dtype=float32)
    """
    t = convert(x)
    axes = _axes(t, axis, "prod")
    if dtype is not None:
        t = cast(t, dtype)
    if t.dtype.kind != "f":
        out_dtype = _sum_dtype(t.dtype, uint64_to_32=True)
        out = np.prod(t.data, axis=axes, keepdims=keepdims, dtype=out_dtype)
        return Tensor(np.asarray(out))
    return Prod.apply(t, axes, bool(keepdims))


@keras_op
def var(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Variance (the mean squared deviation from the mean) over ``axis``, as float32.

    Example:
        >>> ember.ops.var([1.0, 2.0, 3.0, 4.0]).numpy()
        array(1.25, dtype=float32)
    """
    t = convert(x)
    if t.dtype.kind != "f":
        t = cast(t, "float32")
    axes = _axes(t, axis, "var")
    centered = ew.subtract(t, Mean.apply(t, axes, True))
    return Mean.apply(ew.square(centered), axes, bool(keepdims))


@keras_op
def std(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Standard deviation (the square root of ``var``) over ``axis``, as float32.

    Example:
        >>> ember.ops.std([1.0, 3.0]).numpy()
        array(1., dtype=float32)
    """
    return ew.sqrt(var(x, axis=axis, keepdims=keepdims))


@keras_op
def any(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Whether any element over ``axis`` is true (non-zero); bool.

    Example:
        >>> ember.ops.any([[0, 1], [0, 0]], axis=1).numpy()
        array([ True, False])
    """
    t = convert(x)
    axes = _axes(t, axis, "any")
    return Tensor(np.asarray(np.any(t.data, axis=axes, keepdims=keepdims)))


@keras_op
def all(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Whether every element over ``axis`` is true (non-zero); bool.

    Example:
        >>> ember.ops.all([[1, 1], [0, 1]], axis=1).numpy()
        array([ True, False])
    """
    t = convert(x)
    axes = _axes(t, axis, "all")
    return Tensor(np.asarray(np.all(t.data, axis=axes, keepdims=keepdims)))


def _arg_extreme(x: Any, axis: Any, keepdims: bool, largest: bool, op: str) -> Tensor:
    t = convert(x)
    if t.size == 0:
        raise ValueError(f"{op}: cannot find the position of an extreme in an empty tensor")
    data = t.data
    fn = np.argmax if largest else np.argmin
    if axis is None:
        out = fn(data.reshape(-1))
        if keepdims:
            out = np.reshape(out, (1,) * t.ndim)
        return Tensor(np.asarray(out, np.int32))
    a = normalize_axis(axis, t.ndim, op)
    return Tensor(np.asarray(fn(data, axis=a, keepdims=bool(keepdims)), np.int32))


@keras_op
def argmax(x: Any, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Position of the largest element along ``axis`` (None: in the flattened tensor), int32;
    the first one at ties.

    Example:
        >>> ember.ops.argmax([[1.0, 5.0], [3.0, 2.0]], axis=1).numpy()
        array([1, 0], dtype=int32)
    """
    return _arg_extreme(x, axis, keepdims, True, "argmax")


@keras_op
def argmin(x: Any, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Position of the smallest element along ``axis`` (None: flattened), int32.

    Example:
        >>> ember.ops.argmin([3.0, 1.0, 2.0]).numpy()
        array(1, dtype=int32)
    """
    return _arg_extreme(x, axis, keepdims, False, "argmin")


@keras_op
def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """log(sum(exp(x))) over ``axis``, computed without overflow.

    Example:
        >>> ember.ops.logsumexp([0.0, 0.0]).numpy()
        array(0.6931472, dtype=float32)
    """
    t = ew._float_input(x)
    return LogSumExp.apply(t, _axes(t, axis, "logsumexp"), bool(keepdims))


def _cumulative(x: Any, axis: Any, dtype: Any, fn: Any, op_cls: type, op: str) -> Tensor:
    t = convert(x)
    if dtype is not None:
        t = cast(t, dtype)
    if axis is None:
        from ember.ops.shaping import reshape

        t = reshape(t, (-1,))
        a = 0
    else:
        a = normalize_axis(axis, t.ndim, op)
    if t.dtype.kind != "f":
        out_dtype = "int32" if t.dtype == np.bool_ else standardize_dtype(t.dtype)
        return Tensor(np.asarray(fn(t.data, axis=a, dtype=out_dtype)))
    return op_cls.apply(t, a)


@keras_op
def cumsum(x: Any, axis: int | None = None, dtype: Any = None) -> Tensor:
    """Running sum along ``axis`` (None: of the flattened tensor); booleans sum as int32.

    Example:
        >>> ember.ops.cumsum([1, 2, 3]).numpy()
        array([1, 3, 6], dtype=int32)
    """
    return _cumulative(x, axis, dtype, np.cumsum, CumSum, "cumsum")


@keras_op
def cumprod(x: Any, axis: int | None = None, dtype: Any = None) -> Tensor:
    """Running product along ``axis`` (None: of the flattened tensor).

    Example:
        >>> ember.ops.cumprod([1.0, 2.0, 3.0]).numpy()
        array([1., 2., 6.], dtype=float32)
    """
    return _cumulative(x, axis, dtype, np.cumprod, CumProd, "cumprod")


@keras_op
def count_nonzero(x: Any, axis: Any = None) -> Tensor:
    """Number of non-zero elements over ``axis`` (int32).

    Example:
        >>> ember.ops.count_nonzero([[0, 1], [2, 3]], axis=1).numpy()
        array([1, 2], dtype=int32)
    """
    t = convert(x)
    axes = _axes(t, axis, "count_nonzero")
    return Tensor(np.asarray(np.count_nonzero(t.data, axis=axes), np.int32))


@keras_op
def ptp(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Range (max - min) over ``axis``, in the input's dtype.

    Example:
        >>> ember.ops.ptp([[1.0, 5.0], [3.0, 2.0]], axis=1).numpy()
        array([4., 1.], dtype=float32)
    """
    t = convert(x)
    if t.dtype == np.bool_:
        raise TypeError("ptp: expected a numeric tensor, received dtype bool")
    return ew.subtract(max(t, axis=axis, keepdims=keepdims), min(t, axis=axis, keepdims=keepdims))


@keras_op
def average(x: Any, axis: int | None = None, weights: Any = None) -> Tensor:
    """Weighted mean over ``axis``: sum(x * weights) / sum(weights); 1-D weights run along
    ``axis``; without weights, the mean. float32.

    Example:
        >>> ember.ops.average([1.0, 2.0, 3.0], weights=[3.0, 1.0, 0.0]).numpy()
        array(1.25, dtype=float32)
    """
    t = ew._float_input(x)
    if weights is None:
        return mean(t, axis=axis)
    w = ew._float_input(weights)
    if w.shape != t.shape:
        if axis is None:
            raise ValueError(
                "average: `weights` must have the shape of `x` when `axis` is None, received "
                f"{w.shape} for {t.shape}"
            )
        a = normalize_axis(axis, t.ndim, "average")
        if w.ndim != 1 or w.shape[0] != t.shape[a]:
            raise ValueError(
                f"average: 1-D `weights` must have length {t.shape[a]} (the size of axis "
                f"{axis}), received shape {w.shape}"
            )
        from ember.ops.shaping import reshape

        shape = [1] * t.ndim
        shape[a] = w.shape[0]
        w = reshape(w, tuple(shape))
        return ew.divide(sum(ew.multiply(t, w), axis=a), sum(w, axis=a))
    return ew.divide(sum(ew.multiply(t, w), axis=axis), sum(w, axis=axis))


# ------------------------------------------------------------------ quantiles
_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(
    x: Any, q: Any, axis: Any, method: str, keepdims: bool, ignore_nan: bool, op: str
) -> Tensor:
    from ember.ops.indexing import sort, take_along_axis
    from ember.ops.shaping import moveaxis, reshape

    if method not in _METHODS:
        raise ValueError(f"{op}: `method` must be one of {list(_METHODS)}, received {method!r}")
    t = ew._float_input(x)
    qs = np.asarray(q.numpy() if isinstance(q, Tensor) else q, np.float64)
    if np.any((qs < 0) | (qs > 1)) or np.any(np.isnan(qs)):
        raise ValueError(f"{op}: quantiles must be in [0, 1], received {qs.tolist()}")
    axes = _axes(t, axis, op)
    kept = [i for i in range(t.ndim) if i not in axes]
    n = int(np.prod([t.shape[a] for a in axes], dtype=np.int64))
    if n == 0:
        raise ValueError(f"{op}: cannot take quantiles of an empty tensor of shape {t.shape}")
    moved = moveaxis(t, list(axes), list(range(t.ndim - len(axes), t.ndim))) if axes else t
    lead = tuple(t.shape[i] for i in kept)
    flat = reshape(moved, (*lead, n))
    ordered = sort(flat, axis=-1)  # NaN sorts last
    nan_mask = np.isnan(flat.data)
    if ignore_nan:
        count = (n - nan_mask.sum(axis=-1)).astype(np.float64)  # (lead)
    else:
        count = np.full(lead, float(n))
    # positions: (q..., lead...)
    pos = qs.reshape(qs.shape + (1,) * len(lead)) * (np.maximum(count, 1) - 1)
    lower = np.floor(pos)
    upper = np.ceil(pos)
    if method == "lower":
        upper = lower
    elif method == "higher":
        lower = upper
    elif method == "nearest":
        lower = upper = np.round(pos)

    def gather(idx: np.ndarray) -> Tensor:
        # idx (q..., lead...) -> values (q..., lead...)
        qn = idx.reshape(-1, *lead) if qs.ndim else idx[None]
        moved_idx = np.moveaxis(qn, 0, -1).astype(np.int64)  # (lead..., nq)
        vals = take_along_axis(ordered, Tensor(moved_idx), axis=-1)  # (lead..., nq)
        vals = moveaxis(vals, -1, 0)
        return reshape(vals, idx.shape)

    lo = gather(lower)
    if method in ("lower", "higher", "nearest"):
        out = lo
    else:
        hi = gather(upper)
        if method == "midpoint":
            frac = np.where(upper > lower, 0.5, 0.0).astype(np.float32)
        else:
            frac = (pos - lower).astype(np.float32)
        out = ew.add(lo, ew.multiply(ew.subtract(hi, lo), Tensor(frac)))
    bad = (count == 0) if ignore_nan else nan_mask.any(axis=-1)
    if bad.any():
        out = ew.where(Tensor(np.broadcast_to(bad, out.shape)), np.float32(np.nan), out)
    if keepdims:
        shape = list(qs.shape) + [1 if i in axes else t.shape[i] for i in range(t.ndim)]
        out = reshape(out, tuple(shape))
    return out


@keras_op
def quantile(
    x: Any, q: Any, axis: Any = None, method: str = "linear", keepdims: bool = False
) -> Tensor:
    """The q-th quantiles (q in [0, 1]) over ``axis``; ``method`` picks between the two
    nearest ranks ("linear", "lower", "higher", "midpoint", "nearest"). Array-valued ``q``
    adds its shape in front. Differentiable (through a sort).

    Example:
        >>> ember.ops.quantile([1.0, 2.0, 3.0, 4.0], 0.5).numpy()
        array(2.5, dtype=float32)
    """
    return _quantile(x, q, axis, method, keepdims, False, "quantile")


@keras_op
def percentile(
    x: Any, q: Any, axis: Any = None, method: str = "linear", keepdims: bool = False
) -> Tensor:
    """``quantile`` with q in percent ([0, 100]).

    Example:
        >>> ember.ops.percentile([1.0, 2.0, 3.0, 4.0], 50).numpy()
        array(2.5, dtype=float32)
    """
    qs = np.asarray(q.numpy() if isinstance(q, Tensor) else q, np.float64) / 100.0
    return _quantile(x, qs, axis, method, keepdims, False, "percentile")


@keras_op
def median(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """The median over ``axis`` (the mean of the two middle values for even counts).

    Example:
        >>> ember.ops.median([3.0, 1.0, 2.0]).numpy()
        array(2., dtype=float32)
    """
    return _quantile(x, 0.5, axis, "linear", keepdims, False, "median")


@keras_op
def nanquantile(
    x: Any, q: Any, axis: Any = None, method: str = "linear", keepdims: bool = False
) -> Tensor:
    """``quantile`` ignoring NaN (NaN where a slice has no other values).

    Example:
        >>> ember.ops.nanquantile([1.0, np.nan, 3.0], 0.5).numpy()
        array(2., dtype=float32)
    """
    return _quantile(x, q, axis, method, keepdims, True, "nanquantile")


@keras_op
def nanpercentile(
    x: Any, q: Any, axis: Any = None, method: str = "linear", keepdims: bool = False
) -> Tensor:
    """``percentile`` ignoring NaN.

    Example:
        >>> ember.ops.nanpercentile([1.0, np.nan, 3.0], 50).numpy()
        array(2., dtype=float32)
    """
    qs = np.asarray(q.numpy() if isinstance(q, Tensor) else q, np.float64) / 100.0
    return _quantile(x, qs, axis, method, keepdims, True, "nanpercentile")


@keras_op
def nanmedian(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """``median`` ignoring NaN.

    Example:
        >>> ember.ops.nanmedian([1.0, np.nan, 3.0]).numpy()
        array(2., dtype=float32)
    """
    return _quantile(x, 0.5, axis, "linear", keepdims, True, "nanmedian")


# ------------------------------------------------------------------ NaN-ignoring reductions
def _without_nan(x: Any, fill: float) -> Tensor:
    t = convert(x)
    if t.dtype.kind != "f":
        return t
    return ew.where(ew.isnan(t), np.float32(fill), t)


@keras_op
def nansum(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """``sum`` treating NaN as zero.

    Example:
        >>> ember.ops.nansum([1.0, np.nan, 2.0]).numpy()
        array(3., dtype=float32)
    """
    return sum(_without_nan(x, 0.0), axis=axis, keepdims=keepdims)


@keras_op
def nanprod(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """``prod`` treating NaN as one.

    Example:
        >>> ember.ops.nanprod([2.0, np.nan, 3.0]).numpy()
        array(6., dtype=float32)
    """
    return prod(_without_nan(x, 1.0), axis=axis, keepdims=keepdims)


def _non_nan_count(t: Tensor, axis: Any, keepdims: bool) -> Tensor:
    valid = Tensor(~np.isnan(t.data)) if t.dtype.kind == "f" else Tensor(np.ones(t.shape, bool))
    return cast(sum(valid, axis=axis, keepdims=keepdims), "float32")


@keras_op
def nanmean(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """``mean`` of the non-NaN elements (NaN where there are none).

    Example:
        >>> ember.ops.nanmean([1.0, np.nan, 2.0]).numpy()
        array(1.5, dtype=float32)
    """
    t = ew._float_input(x)
    total = sum(_without_nan(t, 0.0), axis=axis, keepdims=keepdims)
    return ew.divide(total, _non_nan_count(t, axis, keepdims))


@keras_op
def nanvar(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """``var`` of the non-NaN elements.

    Example:
        >>> ember.ops.nanvar([1.0, np.nan, 3.0]).numpy()
        array(1., dtype=float32)
    """
    t = ew._float_input(x)
    centre = nanmean(t, axis=axis, keepdims=True)
    dev = _without_nan(ew.square(ew.subtract(t, centre)), 0.0)
    return ew.divide(sum(dev, axis=axis, keepdims=keepdims), _non_nan_count(t, axis, keepdims))


@keras_op
def nanstd(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """``std`` of the non-NaN elements.

    Example:
        >>> ember.ops.nanstd([1.0, np.nan, 3.0]).numpy()
        array(1., dtype=float32)
    """
    return ew.sqrt(nanvar(x, axis=axis, keepdims=keepdims))


def _nan_extreme(x: Any, axis: Any, keepdims: bool, largest: bool, op: str) -> Tensor:
    t = convert(x)
    if t.dtype.kind != "f":
        return _extreme(t, axis, keepdims, None, largest, op)
    fill = -np.inf if largest else np.inf
    out = _extreme(_without_nan(t, fill), axis, keepdims, None, largest, op)
    all_nan = np.all(np.isnan(t.data), axis=_axes(t, axis, op), keepdims=keepdims)
    if np.any(all_nan):
        out = ew.where(Tensor(all_nan), np.float32(np.nan), out)
    return out


@keras_op
def nanmax(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """``max`` ignoring NaN (NaN where a slice is all NaN).

    Example:
        >>> ember.ops.nanmax([1.0, np.nan, 2.0]).numpy()
        array(2., dtype=float32)
    """
    return _nan_extreme(x, axis, keepdims, True, "nanmax")


@keras_op
def nanmin(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """``min`` ignoring NaN (NaN where a slice is all NaN).

    Example:
        >>> ember.ops.nanmin([1.0, np.nan, 2.0]).numpy()
        array(1., dtype=float32)
    """
    return _nan_extreme(x, axis, keepdims, False, "nanmin")


def _nan_arg(x: Any, axis: Any, keepdims: bool, largest: bool, op: str) -> Tensor:
    t = convert(x)
    if t.dtype.kind != "f":
        return _arg_extreme(t, axis, keepdims, largest, op)
    fill = -np.inf if largest else np.inf
    data = np.where(np.isnan(t.data), np.float32(fill), t.data)
    return _arg_extreme(Tensor(data), axis, keepdims, largest, op)


@keras_op
def nanargmax(x: Any, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """``argmax`` ignoring NaN.

    Example:
        >>> ember.ops.nanargmax([1.0, np.nan, 2.0]).numpy()
        array(2, dtype=int32)
    """
    return _nan_arg(x, axis, keepdims, True, "nanargmax")


@keras_op
def nanargmin(x: Any, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """``argmin`` ignoring NaN.

    Example:
        >>> ember.ops.nanargmin([np.nan, 3.0, 2.0]).numpy()
        array(2, dtype=int32)
    """
    return _nan_arg(x, axis, keepdims, False, "nanargmin")


@keras_op
def nancumsum(x: Any, axis: int | None = None, dtype: Any = None) -> Tensor:
    """``cumsum`` treating NaN as zero.

    Example:
        >>> ember.ops.nancumsum([1.0, np.nan, 2.0]).numpy()
        array([1., 1., 3.], dtype=float32)
    """
    return cumsum(_without_nan(x, 0.0), axis=axis, dtype=dtype)


@keras_op
def nancumprod(x: Any, axis: int | None = None, dtype: Any = None) -> Tensor:
    """``cumprod`` treating NaN as one.

    Example:
        >>> ember.ops.nancumprod([2.0, np.nan, 3.0]).numpy()
        array([2., 2., 6.], dtype=float32)
    """
    return cumprod(_without_nan(x, 1.0), axis=axis, dtype=dtype)


@keras_op
def trapezoid(y: Any, x: Any = None, dx: float = 1.0, axis: int = -1) -> Tensor:
    """The integral of y along ``axis`` by the trapezoidal rule, at sample points ``x``
    (default: spaced ``dx`` apart).

    Example:
        >>> ember.ops.trapezoid([1.0, 2.0, 3.0]).numpy()
        array(4., dtype=float32)
    """
    from ember.ops.shaping import diff, reshape

    t = ew._float_input(y)
    a = normalize_axis(axis, t.ndim, "trapezoid")
    n = t.shape[a]
    lo = [builtins.slice(None)] * t.ndim
    hi = [builtins.slice(None)] * t.ndim
    lo[a], hi[a] = builtins.slice(None, n - 1), builtins.slice(1, None)
    mids = ew.multiply(ew.add(t[tuple(lo)], t[tuple(hi)]), 0.5)
    if x is None:
        return ew.multiply(sum(mids, axis=a), float(dx))
    xs = ew._float_input(x)
    if xs.ndim == 1:
        shape = [1] * t.ndim
        shape[a] = xs.shape[0]
        xs = reshape(xs, tuple(shape))
        steps = diff(xs, axis=a)
    else:
        steps = diff(xs, axis=a)
    return sum(ew.multiply(mids, steps), axis=a)


@keras_op
def corrcoef(x: Any) -> Tensor:
    """Pearson correlation coefficients between the rows of x (each row a variable, each
    column an observation).

    Example:
        >>> ember.ops.corrcoef([[1.0, 2.0, 3.0], [2.0, 4.0, 7.0]]).numpy().round(4)
        array([[1.    , 0.9934],
               [0.9934, 1.    ]], dtype=float32)
    """
    from ember.ops.products import matmul
    from ember.ops.shaping import diagonal, reshape, transpose

    t = ew._float_input(x)
    if t.ndim == 1:
        t = reshape(t, (1, -1))
    if t.ndim != 2:
        raise ValueError(f"corrcoef: expected a 1-D or 2-D tensor, received shape {t.shape}")
    centred = ew.subtract(t, mean(t, axis=1, keepdims=True))
    cov = matmul(centred, transpose(centred))
    d = ew.sqrt(diagonal(cov))
    out = ew.divide(ew.divide(cov, reshape(d, (-1, 1))), reshape(d, (1, -1)))
    return ew.clip(out, -1.0, 1.0)


# The Keras names this module provides (ember.ops gathers them).
__all__ = [
    "all",
    "amax",
    "amin",
    "any",
    "argmax",
    "argmin",
    "average",
    "corrcoef",
    "count_nonzero",
    "cumprod",
    "cumsum",
    "logsumexp",
    "max",
    "mean",
    "median",
    "min",
    "nanargmax",
    "nanargmin",
    "nancumprod",
    "nancumsum",
    "nanmax",
    "nanmean",
    "nanmedian",
    "nanmin",
    "nanpercentile",
    "nanprod",
    "nanquantile",
    "nanstd",
    "nansum",
    "nanvar",
    "percentile",
    "prod",
    "ptp",
    "quantile",
    "std",
    "sum",
    "trapezoid",
    "var",
]
