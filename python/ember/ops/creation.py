"""Tensor creation (``keras.ops`` names): filled tensors, ranges and grids, identity and
triangle matrices, diagonals, Vandermonde matrices and window functions.

Without ``dtype``, creation ops give float32 (Keras' floatx), ``*_like`` ops the dtype of
their model, and ``arange`` int32 for integer arguments.

Example:
    >>> from ember import ops
    >>> ops.full((2, 2), 7, dtype="int32").numpy()
    array([[7, 7],
           [7, 7]], dtype=int32)
    >>> ops.arange(0, 1, 0.25).numpy()
    array([0.  , 0.25, 0.5 , 0.75], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ember.autograd import Tensor, numpy_dtype, standardize_dtype
from ember.ops import elementwise as ew
from ember.ops import shaping
from ember.ops.base import (
    as_shape,
    cast,
    check_nonnegative_shape,
    convert,
    keras_op,
    rearrange,
)


def _dtype(dtype: Any, default: str = "float32") -> np.dtype:
    return numpy_dtype(default if dtype is None else dtype)


def _shape(shape: Any, op: str) -> tuple[int, ...]:
    dims = as_shape(shape, op)
    check_nonnegative_shape(dims, op)
    return dims


def _fill_value(value: Any) -> Any:
    return value.numpy() if isinstance(value, Tensor) else value


@keras_op
def zeros(shape: Any, dtype: Any = None) -> Tensor:
    """A tensor of zeros (float32 unless ``dtype`` says otherwise).

    Example:
        >>> ember.ops.zeros((2, 3)).shape
        (2, 3)
    """
    return Tensor(np.zeros(_shape(shape, "zeros"), _dtype(dtype)))


@keras_op
def ones(shape: Any, dtype: Any = None) -> Tensor:
    """A tensor of ones (float32 unless ``dtype`` says otherwise).

    Example:
        >>> ember.ops.ones((2,), dtype="int32").numpy()
        array([1, 1], dtype=int32)
    """
    return Tensor(np.ones(_shape(shape, "ones"), _dtype(dtype)))


@keras_op
def empty(shape: Any, dtype: Any = None) -> Tensor:
    """A new tensor of ``shape`` (ember fills it with zeros).

    Example:
        >>> ember.ops.empty((2,)).shape
        (2,)
    """
    return Tensor(np.zeros(_shape(shape, "empty"), _dtype(dtype)))


@keras_op
def full(shape: Any, fill_value: Any, dtype: Any = None) -> Tensor:
    """A tensor of ``shape`` filled with ``fill_value`` (broadcast; float32 by default).

    Example:
        >>> ember.ops.full((2,), 0.5).numpy()
        array([0.5, 0.5], dtype=float32)
    """
    dims = _shape(shape, "full")
    value = np.asarray(_fill_value(fill_value))
    try:
        out = np.broadcast_to(value, dims)
    except ValueError:
        raise ValueError(
            f"full: `fill_value` of shape {value.shape} does not broadcast to {dims}"
        ) from None
    return Tensor(np.array(out, dtype=_dtype(dtype)))


def _like(x: Any, dtype: Any) -> tuple[tuple[int, ...], np.dtype]:
    t = convert(x)
    return t.shape, (t.dtype if dtype is None else numpy_dtype(dtype))


@keras_op
def zeros_like(x: Any, dtype: Any = None) -> Tensor:
    """Zeros of x's shape and dtype (or ``dtype``).

    Example:
        >>> ember.ops.zeros_like([1, 2]).numpy()
        array([0, 0], dtype=int32)
    """
    shape, dt = _like(x, dtype)
    return Tensor(np.zeros(shape, dt))


@keras_op
def ones_like(x: Any, dtype: Any = None) -> Tensor:
    """Ones of x's shape and dtype (or ``dtype``).

    Example:
        >>> ember.ops.ones_like([1.5, 2.5]).numpy()
        array([1., 1.], dtype=float32)
    """
    shape, dt = _like(x, dtype)
    return Tensor(np.ones(shape, dt))


@keras_op
def empty_like(x: Any, dtype: Any = None) -> Tensor:
    """A new tensor of x's shape and dtype (ember fills it with zeros).

    Example:
        >>> ember.ops.empty_like([1.0]).shape
        (1,)
    """
    shape, dt = _like(x, dtype)
    return Tensor(np.zeros(shape, dt))


@keras_op
def full_like(x: Any, fill_value: Any, dtype: Any = None) -> Tensor:
    """``fill_value`` in x's shape and dtype (or ``dtype``).

    Example:
        >>> ember.ops.full_like([1, 2], 9).numpy()
        array([9, 9], dtype=int32)
    """
    shape, dt = _like(x, dtype)
    return Tensor(np.array(np.broadcast_to(np.asarray(_fill_value(fill_value)), shape), dt))


@keras_op
def arange(start: Any, stop: Any = None, step: Any = None, dtype: Any = None) -> Tensor:
    """Evenly spaced values in [start, stop) (one argument: [0, start)); int32 for integer
    arguments, float32 otherwise, unless ``dtype`` is given.

    Example:
        >>> ember.ops.arange(3).numpy()
        array([0, 1, 2], dtype=int32)
    """
    if stop is None:
        start, stop = 0, start
    if step is None:
        step = 1
    values = [_fill_value(v) for v in (start, stop, step)]
    if float(values[2]) == 0:
        raise ValueError("arange: `step` must not be zero")
    if dtype is None:
        kinds = [np.asarray(v).dtype.kind for v in values]
        dtype = "float32" if "f" in kinds else "int32"
    name = standardize_dtype(dtype)
    if name == "float32":
        out = np.arange(*[float(v) for v in values], dtype=np.float64).astype(np.float32)
    else:
        out = np.arange(*values).astype(numpy_dtype(name))
    return Tensor(out)


@keras_op
def eye(N: int, M: int | None = None, k: int = 0, dtype: Any = None) -> Tensor:  # noqa: N803
    """An N x M matrix with ones on the k-th diagonal.

    Example:
        >>> ember.ops.eye(2, 3, k=1).numpy()
        array([[0., 1., 0.],
               [0., 0., 1.]], dtype=float32)
    """
    _shape((N,) if M is None else (N, M), "eye")
    return Tensor(np.eye(int(N), None if M is None else int(M), int(k), dtype=_dtype(dtype)))


@keras_op
def identity(n: int, dtype: Any = None) -> Tensor:
    """The n x n identity matrix.

    Example:
        >>> ember.ops.identity(2).numpy()
        array([[1., 0.],
               [0., 1.]], dtype=float32)
    """
    _shape((n,), "identity")
    return Tensor(np.eye(int(n), dtype=_dtype(dtype)))


@keras_op
def tri(N: int, M: int | None = None, k: int = 0, dtype: Any = None) -> Tensor:  # noqa: N803
    """An N x M matrix with ones at and below the k-th diagonal.

    Example:
        >>> ember.ops.tri(2).numpy()
        array([[1., 0.],
               [1., 1.]], dtype=float32)
    """
    _shape((N,) if M is None else (N, M), "tri")
    return Tensor(np.tri(int(N), None if M is None else int(M), int(k), dtype=_dtype(dtype)))


def _spaced(start: Any, stop: Any, num: int, endpoint: bool, axis: int, op: str) -> np.ndarray:
    if int(num) < 0:
        raise ValueError(f"{op}: `num` must be >= 0, received {num}")
    a = np.asarray(_fill_value(start), np.float64)
    b = np.asarray(_fill_value(stop), np.float64)
    return np.linspace(a, b, int(num), endpoint=endpoint, axis=axis)


@keras_op
def linspace(
    start: Any,
    stop: Any,
    num: int = 50,
    endpoint: bool = True,
    retstep: bool = False,
    dtype: Any = None,
    axis: int = 0,
) -> Any:
    """``num`` evenly spaced values from start to stop (stop included if ``endpoint``);
    with ``retstep`` also the spacing.

    Example:
        >>> ember.ops.linspace(0, 1, 5).numpy()
        array([0.  , 0.25, 0.5 , 0.75, 1.  ], dtype=float32)
    """
    values = _spaced(start, stop, num, endpoint, axis, "linspace")
    out = Tensor(values.astype(_dtype(dtype)))
    if retstep:
        div = (int(num) - 1) if endpoint else int(num)
        step = (
            (np.asarray(_fill_value(stop), np.float64) - np.asarray(_fill_value(start), np.float64))
            / div
            if div > 0
            else np.nan
        )
        return out, Tensor(np.asarray(step, _dtype(dtype)))
    return out


@keras_op
def logspace(
    start: Any,
    stop: Any,
    num: int = 50,
    endpoint: bool = True,
    base: float = 10,
    dtype: Any = None,
    axis: int = 0,
) -> Tensor:
    """``base`` to the powers ``linspace(start, stop, num)``.

    Example:
        >>> ember.ops.logspace(0, 2, 3).numpy()
        array([  1.,  10., 100.], dtype=float32)
    """
    exponents = _spaced(start, stop, num, endpoint, axis, "logspace")
    return Tensor(np.power(float(base), exponents).astype(_dtype(dtype)))


@keras_op
def geomspace(
    start: Any,
    stop: Any,
    num: int = 50,
    endpoint: bool = True,
    dtype: Any = None,
    axis: int = 0,
) -> Tensor:
    """``num`` values from start to stop spaced evenly on a log scale (a geometric series).

    Example:
        >>> ember.ops.geomspace(1, 100, 3).numpy()
        array([  1.,  10., 100.], dtype=float32)
    """
    a = np.asarray(_fill_value(start), np.float64)
    b = np.asarray(_fill_value(stop), np.float64)
    if np.any(a == 0) or np.any(b == 0):
        raise ValueError("geomspace: `start` and `stop` must be non-zero")
    out = np.geomspace(a, b, int(num), endpoint=endpoint, axis=axis)
    return Tensor(out.astype(_dtype(dtype)))


@keras_op
def meshgrid(*x: Any, indexing: str = "xy") -> list[Tensor]:
    """Coordinate grids from 1-D tensors; ``indexing`` "xy" (Cartesian: the first two outputs'
    axes swapped) or "ij" (matrix).

    Example:
        >>> [g.shape for g in ember.ops.meshgrid([1, 2, 3], [4, 5])]
        [(2, 3), (2, 3)]
    """
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: `indexing` must be 'xy' or 'ij', received {indexing!r}")
    tensors = [shaping.ravel(convert(t)) for t in x]
    n = len(tensors)
    sizes = [t.shape[0] for t in tensors]
    out = []
    for i, t in enumerate(tensors):
        shape = [1] * n
        shape[i] = sizes[i]
        full_shape = list(sizes)
        if indexing == "xy" and n >= 2:
            shape[0], shape[1] = shape[1], shape[0]
            full_shape[0], full_shape[1] = full_shape[1], full_shape[0]
        out.append(shaping.broadcast_to(shaping.reshape(t, tuple(shape)), tuple(full_shape)))
    return out


@keras_op
def diag(x: Any, k: int = 0) -> Tensor:
    """For a 1-D tensor, the square matrix with it on the k-th diagonal; for a 2-D tensor,
    its k-th diagonal.

    Example:
        >>> ember.ops.diag([1, 2]).numpy()
        array([[1, 0],
               [0, 2]], dtype=int32)
    """
    t = convert(x)
    if t.ndim not in (1, 2):
        raise ValueError(f"diag: expected a 1-D or 2-D tensor, received shape {t.shape}")
    kk = int(k)
    return rearrange(t, lambda a: np.diag(a, kk).copy())


@keras_op
def diagflat(x: Any, k: int = 0) -> Tensor:
    """The flattened x on the k-th diagonal of a square matrix.

    Example:
        >>> ember.ops.diagflat([[1, 2]]).numpy()
        array([[1, 0],
               [0, 2]], dtype=int32)
    """
    t = convert(x)
    kk = int(k)
    return rearrange(t, lambda a: np.diagflat(a, kk))


@keras_op
def vander(x: Any, N: int | None = None, increasing: bool = False) -> Tensor:  # noqa: N803
    """The Vandermonde matrix of a 1-D x: columns x**(N-1), ..., x**0 (or increasing).

    Example:
        >>> ember.ops.vander([1, 2, 3], 3).numpy()
        array([[1, 1, 1],
               [4, 2, 1],
               [9, 3, 1]], dtype=int32)
    """
    t = convert(x)
    if t.ndim != 1:
        raise ValueError(f"vander: `x` must be 1-D, received shape {t.shape}")
    n = t.shape[0] if N is None else int(N)
    if n < 0:
        raise ValueError(f"vander: `N` must be >= 0, received {N}")
    powers = np.arange(n) if increasing else np.arange(n - 1, -1, -1)
    if t.dtype == np.bool_:
        t = cast(t, "int32")
    exps = Tensor(powers.astype(t.dtype))
    return ew.power(shaping.reshape(t, (-1, 1)), exps)


@keras_op
def array(x: Any, dtype: Any = None) -> Tensor:
    """A tensor from array-like data (as ``convert_to_tensor``).

    Example:
        >>> ember.ops.array([1, 2], dtype="float32").numpy()
        array([1., 2.], dtype=float32)
    """
    return convert(x, dtype)


def _window(x: Any, op: str) -> int:
    t = convert(x)
    if t.ndim != 0 or t.dtype.kind not in "iu":
        raise TypeError(f"{op}: `x` must be an integer window length, received {x!r}")
    return int(t.numpy())


@keras_op
def bartlett(x: Any) -> Tensor:
    """The Bartlett (triangular) window of length x.

    Example:
        >>> ember.ops.bartlett(3).numpy()
        array([0., 1., 0.], dtype=float32)
    """
    return Tensor(np.bartlett(_window(x, "bartlett")).astype(np.float32))


@keras_op
def blackman(x: Any) -> Tensor:
    """The Blackman window of length x.

    Example:
        >>> np.round(ember.ops.blackman(3).numpy(), 4)
        array([-0.,  1., -0.], dtype=float32)
    """
    return Tensor(np.blackman(_window(x, "blackman")).astype(np.float32))


@keras_op
def hamming(x: Any) -> Tensor:
    """The Hamming window of length x.

    Example:
        >>> ember.ops.hamming(3).numpy()
        array([0.08, 1.  , 0.08], dtype=float32)
    """
    return Tensor(np.hamming(_window(x, "hamming")).astype(np.float32))


@keras_op
def hanning(x: Any) -> Tensor:
    """The Hann window of length x.

    Example:
        >>> ember.ops.hanning(3).numpy()
        array([0., 1., 0.], dtype=float32)
    """
    return Tensor(np.hanning(_window(x, "hanning")).astype(np.float32))


@keras_op
def kaiser(x: Any, beta: float) -> Tensor:
    """The Kaiser window of length x with shape parameter ``beta``.

    Example:
        >>> ember.ops.kaiser(3, 0.0).numpy()
        array([1., 1., 1.], dtype=float32)
    """
    return Tensor(np.kaiser(_window(x, "kaiser"), float(beta)).astype(np.float32))


# The Keras names this module provides (ember.ops gathers them).
__all__ = [
    "arange",
    "array",
    "bartlett",
    "blackman",
    "diag",
    "diagflat",
    "empty",
    "empty_like",
    "eye",
    "full",
    "full_like",
    "geomspace",
    "hamming",
    "hanning",
    "identity",
    "kaiser",
    "linspace",
    "logspace",
    "meshgrid",
    "ones",
    "ones_like",
    "tri",
    "vander",
    "zeros",
    "zeros_like",
]
