"""Indexing ops (``keras.ops`` names): taking and slicing, scattering and updating, sorting
and ranking, searching, counting and segment reductions.

Gathers are differentiable through ``ember.ops.base.rearrange`` (the gradient adds back to
where each element came from); scatters and updates have their own Functions. Positions come
back as int32, as Keras' TensorFlow backend gives them.

Example:
    >>> from ember import ops
    >>> x = ember.tensor([[3.0, 1.0, 2.0]], requires_grad=True)
    >>> values, indices = ops.top_k(x, 2)
    >>> values.numpy(), indices.numpy()
    (array([[3., 2.]], dtype=float32), array([[0, 2]], dtype=int32))
    >>> ops.sum(values).backward(); x.grad
    array([[1., 0., 1.]], dtype=float32)
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from ember.autograd import Function, Tensor, standardize_dtype
from ember.ops.base import (
    as_shape,
    cast,
    convert,
    keras_op,
    normalize_axis,
    rearrange,
    result_type,
)


def _index_array(indices: Any, op: str, arg: str = "indices") -> np.ndarray:
    """Integer indices as a host numpy array (TypeError for anything else)."""
    if isinstance(indices, Tensor):
        arr = indices.numpy()
    else:
        arr = np.asarray(indices)
    if arr.dtype.kind not in "iu":
        if arr.dtype.kind == "f" and arr.size and np.all(arr == np.round(arr)):
            return arr.astype(np.int64)
        if arr.size == 0:
            return arr.astype(np.int64)
        raise TypeError(f"{op}: `{arg}` must be integers, received dtype {arr.dtype}")
    return arr.astype(np.int64, copy=False)


def _check_range(idx: np.ndarray, n: int, op: str, arg: str = "indices") -> None:
    if idx.size and (idx.min() < -n or idx.max() >= n):
        raise ValueError(
            f"{op}: `{arg}` must lie in [{-n}, {n - 1}] for an axis of size {n}, received "
            f"values from {int(idx.min())} to {int(idx.max())}"
        )


# ------------------------------------------------------------------ taking
@keras_op
def take(x: Any, indices: Any, axis: int | None = None) -> Tensor:
    """Elements of x at ``indices`` along ``axis`` (None: of the flattened tensor); negative
    indices count from the end.

    Example:
        >>> ember.ops.take([[1, 2], [3, 4]], [1, 0], axis=1).numpy()
        array([[2, 1],
               [4, 3]], dtype=int32)
    """
    t = convert(x)
    idx = _index_array(indices, "take")
    if axis is None:
        _check_range(idx, t.size, "take")
        return rearrange(t, lambda a: a.reshape(-1)[idx])
    a = normalize_axis(axis, t.ndim, "take")
    _check_range(idx, t.shape[a], "take")
    return rearrange(t, lambda arr: np.take(arr, idx, axis=a))


@keras_op
def take_along_axis(x: Any, indices: Any, axis: int | None = None) -> Tensor:
    """Elements of x picked by ``indices`` (broadcast against x) along ``axis``
    (None: of the flattened tensor).

    Example:
        >>> ember.ops.take_along_axis([[10, 20], [30, 40]], [[1], [0]], axis=1).numpy()
        array([[20],
               [30]], dtype=int32)
    """
    t = convert(x)
    idx = _index_array(indices, "take_along_axis")
    if axis is None:
        _check_range(idx, t.size, "take_along_axis")
        return rearrange(t, lambda a: np.take_along_axis(a.reshape(-1), idx.reshape(-1), 0))
    a = normalize_axis(axis, t.ndim, "take_along_axis")
    if idx.ndim != t.ndim:
        raise ValueError(
            f"take_along_axis: `indices` must have the rank of `x` ({t.ndim}), received shape "
            f"{idx.shape}"
        )
    _check_range(idx, t.shape[a], "take_along_axis")
    # broadcast the other axes of x and indices against each other (as Keras does)
    shape_x = [
        builtins.max(dx, di) if i != a else dx for i, (dx, di) in enumerate(zip(t.shape, idx.shape))
    ]
    shape_i = [
        builtins.max(dx, di) if i != a else di for i, (dx, di) in enumerate(zip(t.shape, idx.shape))
    ]
    idx_b = np.broadcast_to(idx, shape_i)

    def fn(arr: Any) -> Any:
        return np.take_along_axis(np.broadcast_to(arr, shape_x), idx_b, axis=a)

    return rearrange(t, fn)


def _key(key: Any) -> Any:
    """An index with Tensors replaced by numpy arrays."""
    if isinstance(key, Tensor):
        return key.numpy()
    if isinstance(key, tuple):
        return tuple(_key(k) for k in key)
    if isinstance(key, list) and any(isinstance(k, Tensor) for k in key):
        return [_key(k) for k in key]
    return key


@keras_op
def get_item(x: Any, key: Any) -> Tensor:
    """x[key] with numpy's indexing (ints, slices, None, ..., integer and boolean arrays).

    Example:
        >>> ember.ops.get_item([[1, 2], [3, 4]], (slice(None), 0)).numpy()
        array([1, 3], dtype=int32)
    """
    t = convert(x)
    k = _key(key)
    try:
        t.data[k]
    except IndexError as err:
        raise ValueError(f"get_item: invalid index {key!r} for shape {t.shape}: {err}") from None
    return rearrange(t, lambda a: np.array(a[k]))


@keras_op
def slice(inputs: Any, start_indices: Any, shape: Any) -> Tensor:  # noqa: A001
    """The block of ``inputs`` that starts at ``start_indices`` and has ``shape``
    (-1: to the end).

    Example:
        >>> ember.ops.slice(ember.ops.arange(10), (2,), (3,)).numpy()
        array([2, 3, 4], dtype=int32)
    """
    t = convert(inputs)
    starts = as_shape(start_indices, "slice", "start_indices")
    sizes = as_shape(shape, "slice", "shape")
    if len(starts) != t.ndim or len(sizes) != t.ndim:
        raise ValueError(
            f"slice: `start_indices` and `shape` need one entry per axis of the rank-{t.ndim} "
            f"input, received {starts} and {sizes}"
        )
    window = []
    for s, n, d in zip(starts, sizes, t.shape):
        stop = d if n == -1 else s + n
        if s < 0 or n < -1 or stop > d:
            raise ValueError(
                f"slice: the block from {starts} of shape {sizes} does not fit in the input of "
                f"shape {t.shape}"
            )
        window.append(builtins.slice(s, stop))
    key = tuple(window)
    return rearrange(t, lambda a: np.array(a[key]))


class UpdateRegion(Function):
    """inputs with the positions ``key`` replaced by ``updates``."""

    def forward(self, inputs: Any, updates: Any, key: Any) -> Any:
        self.key = key
        out = np.array(inputs, copy=True)
        out[key] = updates
        self.update_shape = np.shape(updates)
        return out

    def backward(self, g: Any):
        need_in, need_up, _ = self.needs_input_grad
        d_in = d_up = None
        if need_in:
            d_in = np.array(g, copy=True)
            d_in[self.key] = 0
        if need_up:
            d_up = np.ascontiguousarray(g[self.key]).reshape(self.update_shape)
        return d_in, d_up, None


def _update(inputs: Tensor, updates: Tensor, key: Any) -> Tensor:
    updates = cast(updates, inputs.dtype)
    if inputs.dtype.kind != "f":
        out = np.array(inputs.data, copy=True)
        out[key] = updates.data
        return Tensor(out)
    return UpdateRegion.apply(inputs, updates, key)


@keras_op
def slice_update(inputs: Any, start_indices: Any, updates: Any) -> Tensor:
    """``inputs`` with the block at ``start_indices`` replaced by ``updates`` (cast to the
    inputs' dtype).

    Example:
        >>> ember.ops.slice_update(ember.ops.zeros((4,)), (1,), ember.ops.ones((2,))).numpy()
        array([0., 1., 1., 0.], dtype=float32)
    """
    t, u = convert(inputs), convert(updates)
    starts = as_shape(start_indices, "slice_update", "start_indices")
    if len(starts) != t.ndim or u.ndim != t.ndim:
        raise ValueError(
            f"slice_update: `start_indices` and `updates` must have the rank of `inputs` "
            f"({t.ndim}), received {starts} and updates of shape {u.shape}"
        )
    if any(s < 0 or s + n > d for s, n, d in zip(starts, u.shape, t.shape)):
        raise ValueError(
            f"slice_update: updates of shape {u.shape} at {starts} do not fit in the input of "
            f"shape {t.shape}"
        )
    key = tuple(builtins.slice(s, s + n) for s, n in zip(starts, u.shape))
    return _update(t, u, key)


def _scatter_key(indices: Any, rank: int, op: str) -> tuple[np.ndarray, ...]:
    idx = _index_array(indices, op)
    if idx.ndim < 1 or idx.shape[-1] > rank:
        raise ValueError(
            f"{op}: `indices` must have shape (..., k) with k <= {rank} (the rank of the "
            f"target), received shape {idx.shape}"
        )
    return tuple(np.moveaxis(idx, -1, 0))


class ScatterAdd(Function):
    """zeros(shape) (or a base) plus ``values`` added at ``key`` (duplicates add)."""

    def forward(self, base: Any, values: Any, key: Any) -> Any:
        self.key = key
        out = np.array(base, dtype=np.float32, copy=True)
        np.add.at(out, key, values)
        self.values_shape = np.shape(values)
        return out

    def backward(self, g: Any):
        need_base, need_values, _ = self.needs_input_grad
        d_values = np.ascontiguousarray(g[self.key]).reshape(self.values_shape)
        return (g if need_base else None), (d_values if need_values else None), None


def _check_updates(key: tuple, target: tuple[int, ...], updates: Tensor, op: str) -> None:
    k = len(key)
    expected = key[0].shape + tuple(target[k:]) if k else tuple(target)
    if updates.shape != expected:
        raise ValueError(
            f"{op}: `updates` must have shape {expected} (indices' leading shape, then the "
            f"target's shape after the indexed axes), received {updates.shape}"
        )
    for axis, ix in enumerate(key):
        _check_range(ix, target[axis], op)


@keras_op
def scatter(indices: Any, values: Any, shape: Any) -> Tensor:
    """A tensor of ``shape``, zero except ``values`` at ``indices`` (each row of ``indices``
    addresses the leading axes); values at repeated indices are added.

    Example:
        >>> ember.ops.scatter([[0], [2], [0]], [1.0, 2.0, 3.0], (4,)).numpy()
        array([4., 0., 2., 0.], dtype=float32)
    """
    v = convert(values)
    dims = as_shape(shape, "scatter")
    key = _scatter_key(indices, len(dims), "scatter")
    _check_updates(key, dims, v, "scatter")
    if v.dtype.kind != "f":
        out = np.zeros(dims, v.dtype)
        np.add.at(out, key, v.data)
        return Tensor(out)
    return ScatterAdd.apply(np.zeros(dims, np.float32), v, key)


class ScatterReplace(Function):
    """inputs with ``updates`` written at the rows of ``key`` (the last write wins)."""

    def forward(self, inputs: Any, updates: Any, key: Any) -> Any:
        out = np.array(inputs, copy=True)
        out[key] = updates
        self.key, self.updates_shape = key, np.shape(updates)
        return out

    def backward(self, g: Any):
        need_in, need_up, _ = self.needs_input_grad
        d_in = None
        if need_in:
            d_in = np.array(g, copy=True)
            d_in[self.key] = 0
        d_up = np.ascontiguousarray(g[self.key]).reshape(self.updates_shape) if need_up else None
        return d_in, d_up, None


class ScatterExtreme(Function):
    """inputs with each indexed position replaced by max (or min) of itself and its updates;
    the gradient goes to whichever produced the result (shared at ties)."""

    def forward(self, inputs: Any, updates: Any, key: Any, largest: bool) -> Any:
        out = np.array(inputs, copy=True)
        (np.maximum if largest else np.minimum).at(out, key, updates)
        self.key, self.inputs_, self.updates_, self.out = key, inputs, updates, out
        return out

    def backward(self, g: Any):
        need_in, need_up, _, _ = self.needs_input_grad
        hits_in = (self.inputs_ == self.out).astype(np.float32)
        hits_up = (self.updates_ == self.out[self.key]).astype(np.float32)
        count = hits_in.copy()
        np.add.at(count, self.key, hits_up)
        share = g / np.maximum(count, 1)
        d_in = share * hits_in if need_in else None
        d_up = share[self.key] * hits_up if need_up else None
        return d_in, d_up, None, None


@keras_op
def scatter_update(inputs: Any, indices: Any, updates: Any, reduction: str | None = None) -> Tensor:
    """``inputs`` with ``updates`` written at ``indices`` (rows address the leading axes);
    ``reduction`` "add", "max", "min" or "mul" combines instead of replacing.

    Example:
        >>> ember.ops.scatter_update(ember.ops.zeros((3,)), [[1]], [5.0]).numpy()
        array([0., 5., 0.], dtype=float32)
    """
    t, u = convert(inputs), convert(updates)
    if reduction not in (None, "add", "max", "min", "mul"):
        raise ValueError(
            "scatter_update: `reduction` must be None, 'add', 'max', 'min' or 'mul', received "
            f"{reduction!r}"
        )
    key = _scatter_key(indices, t.ndim, "scatter_update")
    u = cast(u, t.dtype)
    _check_updates(key, t.shape, u, "scatter_update")
    if t.dtype.kind != "f":
        out = np.array(t.data, copy=True)
        if reduction is None:
            out[key] = u.data
        else:
            ufunc = {"add": np.add, "max": np.maximum, "min": np.minimum, "mul": np.multiply}
            ufunc[reduction].at(out, key, u.data)
        return Tensor(out)
    if reduction is None:
        return ScatterReplace.apply(t, u, key)
    if reduction == "add":
        return ScatterAdd.apply(t, u, key)
    if reduction in ("max", "min"):
        return ScatterExtreme.apply(t, u, key, reduction == "max")
    from ember.ops.elementwise import multiply

    factors = ScatterReplace.apply(Tensor(np.ones(t.shape, np.float32)), u, key)
    return multiply(t, factors)


# ------------------------------------------------------------------ sorting and ranking
def _order(data: np.ndarray, axis: int, descending: bool = False) -> np.ndarray:
    if descending:
        key = -data.astype(np.float64) if data.dtype.kind in "iub" else -data
        return np.argsort(key, axis=axis, kind="stable")
    return np.argsort(data, axis=axis, kind="stable")


@keras_op
def sort(x: Any, axis: int = -1) -> Tensor:
    """x sorted ascending along ``axis`` (NaN last); the gradient follows the elements.

    Example:
        >>> ember.ops.sort([3.0, 1.0, 2.0]).numpy()
        array([1., 2., 3.], dtype=float32)
    """
    t = convert(x)
    if t.ndim == 0:
        return t
    a = normalize_axis(axis, t.ndim, "sort")
    order = _order(t.data, a)
    return rearrange(t, lambda arr: np.take_along_axis(arr, order, axis=a))


@keras_op
def argsort(x: Any, axis: int = -1) -> Tensor:
    """The positions that sort x along ``axis`` (stable; int32).

    Example:
        >>> ember.ops.argsort([3.0, 1.0, 2.0]).numpy()
        array([1, 2, 0], dtype=int32)
    """
    t = convert(x)
    if t.ndim == 0:
        return Tensor(np.zeros((), np.int32))
    a = normalize_axis(axis, t.ndim, "argsort")
    return Tensor(_order(t.data, a).astype(np.int32))


@keras_op
def argpartition(x: Any, kth: int, axis: int = -1) -> Tensor:
    """Positions that put the ``kth`` element in its sorted place along ``axis``, smaller
    ones before it and larger ones after (int32; here a stable full sort, one valid answer).

    Example:
        >>> ember.ops.argpartition([3.0, 1.0, 2.0], 1).numpy()
        array([1, 2, 0], dtype=int32)
    """
    t = convert(x)
    a = normalize_axis(axis, t.ndim, "argpartition")
    n = t.shape[a]
    if not -n <= int(kth) < n:
        raise ValueError(f"argpartition: `kth`={kth} is out of range for an axis of size {n}")
    return Tensor(_order(t.data, a).astype(np.int32))


@keras_op
def top_k(x: Any, k: int, sorted: bool = True) -> tuple[Tensor, Tensor]:  # noqa: A002
    """The ``k`` largest values along the last axis and their positions (int32); at ties the
    lower position comes first. Values are differentiable.

    Example:
        >>> values, idx = ember.ops.top_k([1.0, 4.0, 3.0], 2)
        >>> values.numpy(), idx.numpy()
        (array([4., 3.], dtype=float32), array([1, 2], dtype=int32))
    """
    t = convert(x)
    if t.ndim == 0:
        raise ValueError("top_k: expected a tensor of rank >= 1, received a scalar")
    k = int(k)
    n = t.shape[-1]
    if not 0 <= k <= n:
        raise ValueError(f"top_k: `k` must be in [0, {n}] (the last axis' size), received {k}")
    order = _order(t.data, -1, descending=True)[..., :k]
    if not sorted:
        order = np.sort(order, axis=-1)
    values = rearrange(t, lambda a: np.take_along_axis(a, order, axis=-1))
    return values, Tensor(order.astype(np.int32))


@keras_op
def in_top_k(targets: Any, predictions: Any, k: int) -> Tensor:
    """For each row of ``predictions`` (batch, classes), whether the target class is among
    the ``k`` largest (ties count in its favour; False for non-finite predictions).

    Example:
        >>> ember.ops.in_top_k([1, 0], [[0.1, 0.9], [0.3, 0.7]], 1).numpy()
        array([ True, False])
    """
    tgt = _index_array(targets, "in_top_k", "targets")
    p = convert(predictions).numpy()
    if p.ndim != 2 or tgt.ndim != 1 or tgt.shape[0] != p.shape[0]:
        raise ValueError(
            "in_top_k: expected `predictions` of shape (batch, classes) and `targets` of shape "
            f"(batch,), received {p.shape} and {tgt.shape}"
        )
    valid = (tgt >= 0) & (tgt < p.shape[1])
    rows = np.arange(p.shape[0])
    picked = p[rows, np.where(valid, tgt, 0)]
    above = (p > picked[:, None]).sum(axis=1)
    ok = valid & np.isfinite(picked) & (above < int(k))
    return Tensor(ok)


# ------------------------------------------------------------------ searching and counting
@keras_op
def nonzero(x: Any) -> tuple[Tensor, ...]:
    """The indices of the non-zero elements, one int32 tensor per axis.

    Example:
        >>> [t.numpy() for t in ember.ops.nonzero([[0, 1], [2, 0]])]
        [array([0, 1], dtype=int32), array([1, 0], dtype=int32)]
    """
    t = convert(x)
    return tuple(Tensor(i.astype(np.int32)) for i in np.nonzero(t.data))


@keras_op
def searchsorted(sorted_sequence: Any, values: Any, side: str = "left") -> Tensor:
    """Where each value would be inserted into the 1-D ``sorted_sequence`` to keep it sorted
    (int32).

    Example:
        >>> ember.ops.searchsorted([1.0, 2.0, 3.0], [2.0, 2.5], side="left").numpy()
        array([1, 2], dtype=int32)
    """
    seq, v = convert(sorted_sequence), convert(values)
    if seq.ndim != 1:
        raise ValueError(f"searchsorted: `sorted_sequence` must be 1-D, received shape {seq.shape}")
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted: `side` must be 'left' or 'right', received {side!r}")
    dtype = result_type(seq.dtype, v.dtype)
    out = np.searchsorted(cast(seq, dtype).data, cast(v, dtype).data, side=side)
    return Tensor(np.asarray(out, np.int32))


@keras_op
def digitize(x: Any, bins: Any) -> Tensor:
    """The index of the bin of each element: i such that bins[i-1] <= x < bins[i] (int32).

    Example:
        >>> ember.ops.digitize([0.5, 1.5, 3.0], [1.0, 2.0]).numpy()
        array([0, 1, 2], dtype=int32)
    """
    t = convert(x)
    edges = np.asarray(bins.numpy() if isinstance(bins, Tensor) else bins, np.float64)
    if edges.ndim != 1:
        raise ValueError(f"digitize: `bins` must be 1-D, received shape {edges.shape}")
    out = np.searchsorted(edges, t.data.astype(np.float64), side="right")
    return Tensor(np.asarray(out, np.int32))


@keras_op
def bincount(x: Any, weights: Any = None, minlength: int = 0, sparse: bool = False) -> Tensor:
    """Occurrences of each non-negative integer in ``x`` (1-D: one count per value; 2-D: per
    row), weighted by ``weights`` when given.

    Example:
        >>> ember.ops.bincount([0, 1, 1, 3]).numpy()
        array([1, 2, 0, 1], dtype=int32)
    """
    if sparse:
        raise NotImplementedError("bincount: `sparse=True` is not supported (no sparse tensors)")
    idx = _index_array(x, "bincount", "x")
    if idx.size and idx.min() < 0:
        raise ValueError("bincount: `x` must hold non-negative integers")
    if idx.ndim not in (1, 2):
        raise ValueError(f"bincount: `x` must be 1-D or 2-D, received shape {idx.shape}")
    length = builtins.max(int(idx.max()) + 1 if idx.size else 0, int(minlength))
    if weights is None:
        dtype = "int32"
        w = None
    else:
        wt = convert(weights)
        dtype = result_type(standardize_dtype(convert(x).dtype), wt.dtype)
        w = wt.numpy().astype(np.float64)
    rows = idx.reshape(-1, idx.shape[-1]) if idx.ndim == 2 else idx[None]
    wrows = None if w is None else w.reshape(rows.shape)
    offsets = (np.arange(rows.shape[0]) * length)[:, None]
    flat = np.bincount(
        (rows + offsets).reshape(-1),
        weights=None if wrows is None else wrows.reshape(-1),
        minlength=rows.shape[0] * length,
    ).reshape(rows.shape[0], length)
    out = flat if idx.ndim == 2 else flat[0]
    return Tensor(out.astype(dtype))


@keras_op
def histogram(x: Any, bins: int = 10, range: Any = None) -> tuple[Tensor, Tensor]:  # noqa: A002
    """Counts of the elements of a 1-D tensor in ``bins`` equal bins over ``range`` (default:
    min to max), and the bin edges; counts in x's dtype, as Keras' TensorFlow backend.

    Example:
        >>> counts, edges = ember.ops.histogram([0.0, 1.0, 1.0, 2.0], bins=2)
        >>> counts.numpy(), edges.numpy()
        (array([1., 3.], dtype=float32), array([0., 1., 2.], dtype=float32))
    """
    t = convert(x)
    if t.ndim != 1:
        raise ValueError(f"histogram: `x` must be 1-D, received shape {t.shape}")
    if not isinstance(bins, (int, np.integer)) or bins < 1:
        raise ValueError(f"histogram: `bins` must be a positive int, received {bins!r}")
    data = t.numpy()
    lo, hi = (data.min(), data.max()) if range is None else range
    edges = np.linspace(float(lo), float(hi), int(bins) + 1).astype(data.dtype)
    inside = data[(data >= lo) & (data <= hi)]
    which = np.searchsorted(edges[1:-1], inside, side="right")
    counts = np.bincount(which, minlength=int(bins)).astype(data.dtype)
    return Tensor(counts), Tensor(edges)


@keras_op
def unique(
    x: Any,
    sorted: bool = True,  # noqa: A002
    return_index: bool = False,
    return_inverse: bool = False,
    return_counts: bool = False,
    axis: int | None = None,
    size: int | None = None,
    fill_value: Any = None,
) -> Any:
    """The distinct elements of x (of the flattened tensor, or distinct slices along
    ``axis``), sorted or in order of first appearance; optionally the first positions, the
    inverse map and the counts (int32). ``size`` truncates or pads the result (padding with
    ``fill_value``, default 0) to a fixed length. No gradient.

    Example:
        >>> ember.ops.unique([3, 1, 3, 2]).numpy()
        array([1, 2, 3], dtype=int32)
    """
    t = convert(x)
    data = t.numpy()
    if axis is None:
        data = data.reshape(-1)
        a = 0
    else:
        a = normalize_axis(axis, data.ndim, "unique")
    values, first, inverse, counts = np.unique(
        data, return_index=True, return_inverse=True, return_counts=True, axis=a
    )
    inverse = inverse.reshape(-1)
    if not sorted:
        order = np.argsort(first, kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(order.size)
        values = np.take(values, order, axis=a)
        first, counts, inverse = first[order], counts[order], rank[inverse]
    if size is not None:
        n = values.shape[a]
        keep = builtins.min(n, int(size))
        values = np.take(values, np.arange(keep), axis=a)
        first, counts = first[:keep], counts[:keep]
        extra = int(size) - keep
        if extra > 0:
            widths = [(0, 0)] * values.ndim
            widths[a] = (0, extra)
            fill = 0 if fill_value is None else fill_value
            values = np.pad(values, widths, constant_values=fill)
            first = np.pad(first, (0, extra), constant_values=1)
            counts = np.pad(counts, (0, extra))
    outs = [Tensor(np.ascontiguousarray(values))]
    if return_index:
        outs.append(Tensor(first.astype(np.int32)))
    if return_inverse:
        outs.append(Tensor(inverse.astype(np.int32)))
    if return_counts:
        outs.append(Tensor(counts.astype(np.int32)))
    return outs[0] if len(outs) == 1 else tuple(outs)


@keras_op
def unravel_index(indices: Any, shape: Any) -> tuple[Tensor, ...]:
    """Flat positions converted to one coordinate tensor per axis of ``shape`` (in the
    indices' dtype).

    Example:
        >>> [c.numpy() for c in ember.ops.unravel_index([5, 1], (2, 3))]
        [array([1, 0], dtype=int32), array([2, 1], dtype=int32)]
    """
    t = convert(indices)
    dims = as_shape(shape, "unravel_index")
    idx = _index_array(t, "unravel_index")
    coords = []
    rest = idx
    for d in reversed(dims):
        coords.append(Tensor(np.asarray(rest % d).astype(t.dtype)))
        rest = rest // d
    return tuple(reversed(coords))


@keras_op
def isin(x1: Any, x2: Any, assume_unique: bool = False, invert: bool = False) -> Tensor:
    """Whether each element of x1 occurs in x2 (bool, x1's shape).

    Example:
        >>> ember.ops.isin([1, 2, 3], [2, 4]).numpy()
        array([False,  True, False])
    """
    a, b = convert(x1), convert(x2)
    dtype = result_type(a.dtype, b.dtype)
    out = np.isin(cast(a, dtype).data, cast(b, dtype).data, invert=invert)
    return Tensor(out)


# ------------------------------------------------------------------ segments
class SegmentSum(Function):
    def forward(self, data: Any, ids: np.ndarray, n: int) -> Any:
        self.ids = ids
        out = np.zeros((n, *data.shape[1:]), np.float32)
        valid = (ids >= 0) & (ids < n)
        np.add.at(out, ids[valid], data[valid])
        self.valid = valid
        return out

    def backward(self, g: Any):
        d = np.zeros((self.ids.shape[0], *g.shape[1:]), np.float32)
        d[self.valid] = g[self.ids[self.valid]]
        return d, None, None


class SegmentExtreme(Function):
    """Segment max / min; empty segments give the lowest / highest float32; the gradient is
    shared among tied extremes."""

    def forward(self, data: Any, ids: np.ndarray, n: int, largest: bool) -> Any:
        info = np.finfo(np.float32)
        out = np.full((n, *data.shape[1:]), info.min if largest else info.max, np.float32)
        valid = (ids >= 0) & (ids < n)
        (np.maximum if largest else np.minimum).at(out, ids[valid], data[valid])
        self.ids, self.valid, self.data, self.out = ids, valid, data, out
        return out

    def backward(self, g: Any):
        ids, valid = self.ids, self.valid
        hits = np.zeros(self.data.shape, np.float32)
        hits[valid] = self.data[valid] == self.out[ids[valid]]
        count = np.zeros(self.out.shape, np.float32)
        np.add.at(count, ids[valid], hits[valid])
        d = np.zeros(self.data.shape, np.float32)
        d[valid] = hits[valid] * (g / np.maximum(count, 1))[ids[valid]]
        return d, None, None, None


def _segments(data: Any, segment_ids: Any, num_segments: Any, op: str):
    t = convert(data)
    ids = _index_array(segment_ids, op, "segment_ids")
    if ids.ndim != 1 or ids.shape[0] != (t.shape[0] if t.ndim else -1):
        raise ValueError(
            f"{op}: `segment_ids` must be 1-D with one id per row of `data` ({t.shape[:1]}), "
            f"received shape {ids.shape}"
        )
    n = int(ids.max()) + 1 if num_segments is None and ids.size else int(num_segments or 0)
    return t, ids, n


@keras_op
def segment_sum(
    data: Any,
    segment_ids: Any,
    num_segments: int | None = None,
    sorted: bool = False,  # noqa: A002
) -> Tensor:
    """Sums of the rows of ``data`` that share a segment id (one row per segment; ids outside
    [0, num_segments) are dropped).

    Example:
        >>> ember.ops.segment_sum([1.0, 2.0, 3.0], [0, 0, 1]).numpy()
        array([3., 3.], dtype=float32)
    """
    t, ids, n = _segments(data, segment_ids, num_segments, "segment_sum")
    if t.dtype.kind != "f":
        out = np.zeros((n, *t.shape[1:]), t.dtype)
        valid = (ids >= 0) & (ids < n)
        np.add.at(out, ids[valid], t.data[valid])
        return Tensor(out)
    return SegmentSum.apply(t, ids, n)


def _segment_extreme(data, segment_ids, num_segments, largest, op):
    t, ids, n = _segments(data, segment_ids, num_segments, op)
    if t.dtype.kind != "f":
        info = np.iinfo(t.dtype) if t.dtype.kind in "iu" else None
        fill = (info.min if largest else info.max) if info else (not largest)
        out = np.full((n, *t.shape[1:]), fill, t.dtype)
        valid = (ids >= 0) & (ids < n)
        (np.maximum if largest else np.minimum).at(out, ids[valid], t.data[valid])
        return Tensor(out)
    return SegmentExtreme.apply(t, ids, n, largest)


@keras_op
def segment_max(
    data: Any,
    segment_ids: Any,
    num_segments: int | None = None,
    sorted: bool = False,  # noqa: A002
) -> Tensor:
    """Maxima of the rows of ``data`` per segment id (empty segments: the lowest value).

    Example:
        >>> ember.ops.segment_max([1.0, 5.0, 3.0], [0, 0, 1]).numpy()
        array([5., 3.], dtype=float32)
    """
    return _segment_extreme(data, segment_ids, num_segments, True, "segment_max")


@keras_op
def segment_min(
    data: Any,
    segment_ids: Any,
    num_segments: int | None = None,
    sorted: bool = False,  # noqa: A002
) -> Tensor:
    """Minima of the rows of ``data`` per segment id (empty segments: the highest value).

    Example:
        >>> ember.ops.segment_min([1.0, 5.0, 3.0], [0, 0, 1]).numpy()
        array([1., 3.], dtype=float32)
    """
    return _segment_extreme(data, segment_ids, num_segments, False, "segment_min")


@keras_op
def segment_prod(
    data: Any,
    segment_ids: Any,
    num_segments: int | None = None,
    sorted: bool = False,  # noqa: A002
) -> Tensor:
    """Products of the rows of ``data`` per segment id (empty segments: 1). Differentiable
    as exp(sum(log|x|)) with signs, which is exact away from zeros.

    Example:
        >>> ember.ops.segment_prod([2.0, 3.0, 4.0], [0, 0, 1]).numpy()
        array([6., 4.], dtype=float32)
    """
    t, ids, n = _segments(data, segment_ids, num_segments, "segment_prod")
    if t.dtype.kind != "f" or not t.requires_grad:
        out = np.ones((n, *t.shape[1:]), t.dtype if t.dtype.kind != "b" else np.int32)
        valid = (ids >= 0) & (ids < n)
        np.multiply.at(out, ids[valid], t.data[valid])
        return Tensor(out)
    # d prod_s / d x_i = prod_s / x_i: scatter the products back through a sum of logs
    from ember.ops.elementwise import abs as abs_
    from ember.ops.elementwise import exp, log, multiply

    magnitude = exp(SegmentSum.apply(log(abs_(t)), ids, n))
    signs = np.ones((n, *t.shape[1:]), np.float32)
    valid = (ids >= 0) & (ids < n)
    np.multiply.at(signs, ids[valid], np.sign(t.data[valid]))
    return multiply(magnitude, Tensor(signs))


@keras_op
def extract_sequences(x: Any, sequence_length: int, sequence_stride: int) -> Tensor:
    """Overlapping frames of length ``sequence_length`` every ``sequence_stride`` steps along
    the last axis: shape (..., num_frames, sequence_length).

    Example:
        >>> ember.ops.extract_sequences(ember.ops.arange(6.0), 3, 2).numpy()
        array([[0., 1., 2.],
               [2., 3., 4.]], dtype=float32)
    """
    t = convert(x)
    if t.ndim < 1:
        raise ValueError("extract_sequences: expected a tensor of rank >= 1, received a scalar")
    length, stride = int(sequence_length), int(sequence_stride)
    if length < 1 or stride < 1:
        raise ValueError(
            "extract_sequences: `sequence_length` and `sequence_stride` must be >= 1, received "
            f"{sequence_length} and {sequence_stride}"
        )
    n = t.shape[-1]
    frames = builtins.max(0, (n - length) // stride + 1)
    idx = np.arange(frames)[:, None] * stride + np.arange(length)[None, :]
    return rearrange(t, lambda a: a[..., idx])


# The Keras names this module provides (ember.ops gathers them).
__all__ = [
    "argpartition",
    "argsort",
    "bincount",
    "digitize",
    "extract_sequences",
    "get_item",
    "histogram",
    "in_top_k",
    "isin",
    "nonzero",
    "scatter",
    "scatter_update",
    "searchsorted",
    "segment_max",
    "segment_min",
    "segment_prod",
    "segment_sum",
    "slice",
    "slice_update",
    "sort",
    "take",
    "take_along_axis",
    "top_k",
    "unique",
    "unravel_index",
]
