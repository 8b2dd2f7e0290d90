"""``CudaArray``: a float32 array in GPU memory that ember's ops can use in place of numpy.

It wraps an ``ember._C_cuda.DeviceArray`` (always C-contiguous) and implements the part of
numpy's interface that ember's ops are written with: shape and dtype, ``reshape``, ``astype``,
``sum``/``mean``, arithmetic and comparison operators, and numpy's dispatch protocols
(``__array_ufunc__`` for ``np.add``, ``np.exp``, ..., ``__array_function__`` for ``np.sum``,
``np.broadcast_to``, ``np.ones_like``, ...), each one call into the extension. Anything else
raises a TypeError naming the numpy function, so an op without a CUDA path fails clearly.

Operands must live on the GPU too; Python numbers, numpy scalars and 0-d arrays count as
scalars (as PyTorch allows CPU scalars in CUDA ops). Comparisons return 0/1 float32 arrays
flagged as boolean (``dtype`` reports bool, ``numpy()`` returns bools).

Example:
    >>> if ember.cuda.is_available():
    ...     a = ember.cuda.to_device(np.arange(6.0).reshape(2, 3))
    ...     (a * 2 + 1).sum(axis=0).numpy()
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ember.device import CUDA, DeviceArray

_backend: Any = None  # set by ember.cuda when the extension (or a test stand-in) is loaded

_BOOL = np.dtype(bool)
_F32 = np.dtype(np.float32)
# The extension names its dtypes; np.dtype(name) parses the name on every call, and dtype is
# read for every Tensor made on the GPU and by Function.apply for every argument that
# requires a gradient.
_DTYPES = {name: np.dtype(name) for name in ("float32", "int32", "int64")}


def set_backend(backend: Any) -> None:
    global _backend
    _backend = backend


class CudaArray(DeviceArray):
    """A C-contiguous array on the GPU (float32; int32 / int64 for indices and labels)."""

    __slots__ = ("_h", "_bool")
    device = CUDA
    __array_priority__ = 1000  # numpy scalars and arrays defer their operators to this class

    def __init__(self, handle: Any, boolean: bool = False) -> None:
        self._h = handle
        self._bool = boolean

    # ------------------------------------------------------------------ inspection
    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self._h.shape)

    @property
    def dtype(self) -> np.dtype:
        if self._bool:
            return _BOOL
        name = self._h.dtype
        return _DTYPES.get(name) or np.dtype(name)

    @property
    def ndim(self) -> int:
        return len(self._h.shape)

    @property
    def size(self) -> int:
        return int(self._h.size)

    @property
    def nbytes(self) -> int:
        return int(self._h.nbytes)

    def numpy(self) -> np.ndarray:
        """A host copy (waits for the GPU)."""
        arr = self._h.numpy()
        return arr.astype(bool) if self._bool else arr

    get = numpy

    def item(self) -> Any:
        return self.numpy().item()

    def __len__(self) -> int:
        if not self.ndim:
            raise TypeError("len() of a 0-d array")
        return self.shape[0]

    def __float__(self) -> float:
        return float(self.numpy())

    def __int__(self) -> int:
        return int(self.numpy())

    def __bool__(self) -> bool:
        return bool(self.numpy())

    def __repr__(self) -> str:
        return f"CudaArray({np.array2string(self.numpy(), separator=', ')}, device='cuda')"

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        # Implicit conversion would hide a copy from the GPU (and let a CPU op run on a CUDA
        # array); ember's CPU kernels turn this into a device-mismatch ValueError.
        raise TypeError(
            "a CUDA array cannot be used as a numpy array implicitly; call .numpy() (or "
            "Tensor.cpu()) to copy it to the host"
        )

    # ------------------------------------------------------------------ shape
    def reshape(self, *shape: Any, order: str = "C") -> CudaArray:
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        dims = [int(s) for s in shape]
        if dims.count(-1) > 1:
            raise ValueError("can only specify one unknown dimension")
        if -1 in dims:
            known = math.prod(d for d in dims if d != -1)
            if known == 0 or self.size % known:
                raise ValueError(f"cannot reshape array of size {self.size} into shape {shape}")
            dims[dims.index(-1)] = self.size // known
        return CudaArray(self._h.reshape(tuple(dims)), self._bool)

    def ravel(self) -> CudaArray:
        return self.reshape(-1)

    flatten = ravel

    def transpose(self, *axes: Any) -> CudaArray:
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        perm = tuple(int(a) for a in axes) if axes else tuple(range(self.ndim))[::-1]
        return CudaArray(_backend.transpose(self._float()._h, list(perm)))

    @property
    def T(self) -> CudaArray:  # noqa: N802 - numpy's name
        return self.transpose()

    def astype(self, dtype: Any, copy: bool = True) -> CudaArray:
        target = np.dtype(dtype)
        if target == self.dtype and not copy:
            return self
        if target == _BOOL:
            return _binary("not_equal", self, 0.0)
        if target.kind == "f":
            if target != _F32:
                raise TypeError(f"CUDA arrays hold float32, not {target}")
            return CudaArray(_backend.astype(self._h, "float32"))
        if target.kind in "iu":
            return CudaArray(_backend.astype(self._float()._h, "int64"))
        raise TypeError(f"cannot convert a CUDA array to {target}")

    def copy(self) -> CudaArray:
        return CudaArray(self._h.copy(), self._bool)

    def _float(self) -> CudaArray:
        """Self as plain float32 (booleans are 0/1; integers converted)."""
        if self._h.dtype == "float32":
            return self if not self._bool else CudaArray(self._h)
        return CudaArray(_backend.astype(self._h, "float32"))

    def __getitem__(self, index: Any) -> CudaArray:
        """Views only: ``a[i]``, ``a[i:j]`` on the first axis, and full slices with ``None``
        (new axes) or ``...``."""
        key = index if isinstance(index, tuple) else (index,)
        if all(k is None or k is Ellipsis or _is_full(k) for k in key):
            return self.reshape(_expanded_shape(self.shape, key))
        first, rest = key[0], key[1:]
        if all(k is Ellipsis or _is_full(k) for k in rest) and self.ndim >= 1:
            n = self.shape[0]
            if isinstance(first, (int, np.integer)) and not isinstance(first, bool):
                i = int(first) + (n if first < 0 else 0)
                if not 0 <= i < n:
                    raise IndexError(f"index {first} is out of bounds for axis 0 with size {n}")
                return CudaArray(self._h.rows(i, i + 1).reshape(self.shape[1:]), self._bool)
            if isinstance(first, slice) and first.step in (None, 1):
                start, stop, _ = first.indices(n)
                return CudaArray(self._h.rows(start, builtins.max(start, stop)), self._bool)
        raise TypeError(
            f"CUDA arrays support only views for indexing (a[i], a[i:j], a[:, None]); received "
            f"{index!r}"
        )

    def __setitem__(self, index: Any, value: Any) -> None:
        key = index if isinstance(index, tuple) else (index,)
        if not all(k is Ellipsis or _is_full(k) for k in key):
            raise TypeError(
                f"CUDA arrays support only whole assignment (a[...] = v); received {index!r}"
            )
        self.copy_from(value)

    def copy_from(self, value: Any) -> None:
        """Overwrite the values in place with a CUDA array, host data or a scalar."""
        if isinstance(value, CudaArray):
            src = value._float() if self._h.dtype == "float32" else value
            if src.shape != self.shape:
                src = np.broadcast_to(src, self.shape)
            self._h.copy_from(src._h)
            return
        if isinstance(value, DeviceArray):
            raise ValueError(f"cannot copy an array on {value.device} into a cuda array")
        host = np.asarray(value)
        if host.shape != self.shape:
            host = np.broadcast_to(host, self.shape)
        self._h.copy_from(np.asarray(host, dtype=np.dtype(self._h.dtype)))

    # ------------------------------------------------------------------ reductions
    def sum(self, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: bool = False):
        if out is not None:
            raise TypeError("CUDA arrays do not support out=")
        axes = _axes(axis, self.ndim)
        return CudaArray(_backend.reduce_sum(self._float()._h, list(axes), bool(keepdims), 1.0))

    def mean(self, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: bool = False):
        if out is not None:
            raise TypeError("CUDA arrays do not support out=")
        axes = _axes(axis, self.ndim)
        count = math.prod(self.shape[a] for a in axes)
        scale = 1.0 / count if count else float("nan")
        return CudaArray(_backend.reduce_sum(self._float()._h, list(axes), bool(keepdims), scale))

    # ------------------------------------------------------------------ operators
    def __add__(self, other: Any) -> Any:
        return _binary("add", self, other)

    def __radd__(self, other: Any) -> Any:
        return _binary("add", other, self)

    def __sub__(self, other: Any) -> Any:
        return _binary("subtract", self, other)

    def __rsub__(self, other: Any) -> Any:
        return _binary("subtract", other, self)

    def __mul__(self, other: Any) -> Any:
        return _binary("multiply", self, other)

    def __rmul__(self, other: Any) -> Any:
        return _binary("multiply", other, self)

    def __truediv__(self, other: Any) -> Any:
        return _binary("divide", self, other)

    def __rtruediv__(self, other: Any) -> Any:
        return _binary("divide", other, self)

    def __pow__(self, other: Any) -> Any:
        return _binary("power", self, other)

    def __rpow__(self, other: Any) -> Any:
        return _binary("power", other, self)

    def __matmul__(self, other: Any) -> Any:
        return _matmul(self, other)

    def __rmatmul__(self, other: Any) -> Any:
        return _matmul(other, self)

    def __neg__(self) -> CudaArray:
        return _unary("negative", self)

    def __pos__(self) -> CudaArray:
        return self

    def __abs__(self) -> CudaArray:
        return _unary("abs", self)

    def __gt__(self, other: Any) -> Any:
        return _binary("greater", self, other)

    def __ge__(self, other: Any) -> Any:
        return _binary("greater_equal", self, other)

    def __lt__(self, other: Any) -> Any:
        return _binary("less", self, other)

    def __le__(self, other: Any) -> Any:
        return _binary("less_equal", self, other)

    def __eq__(self, other: Any) -> Any:  # type: ignore[override]
        return _binary("equal", self, other)

    def __ne__(self, other: Any) -> Any:  # type: ignore[override]
        return _binary("not_equal", self, other)

    __hash__ = None  # type: ignore[assignment]  # arrays are not hashable (== is elementwise)

    def __and__(self, other: Any) -> Any:
        return _logical(_binary("multiply", self, other))

    __rand__ = __and__

    def __or__(self, other: Any) -> Any:
        return _logical(_binary("maximum", self, other))

    __ror__ = __or__

    def __invert__(self) -> CudaArray:
        if not self._bool:
            raise TypeError("~ is only supported on boolean CUDA arrays")
        return CudaArray(_backend.unary("logical_not", self._h), True)

    # ------------------------------------------------------------------ numpy protocols
    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        if method != "__call__" or kwargs.get("out") is not None:
            raise TypeError(
                f"numpy.{ufunc.__name__}.{method} (or out=) is not supported on CUDA arrays"
            )
        dtype = kwargs.get("dtype")
        if dtype is not None and np.dtype(dtype) != _F32:
            raise TypeError(f"numpy.{ufunc.__name__}: CUDA arrays compute in float32, not {dtype}")
        handler = _UFUNCS.get(ufunc.__name__)
        if handler is None:
            raise TypeError(
                f"numpy.{ufunc.__name__} is not supported on CUDA arrays (no CUDA kernel for "
                "it); run this computation on cpu"
            )
        return handler(*inputs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        handler = _FUNCTIONS.get(func)
        if handler is None:
            raise TypeError(
                f"numpy.{func.__name__} is not supported on CUDA arrays (no CUDA kernel for it); "
                "run this computation on cpu"
            )
        return handler(*args, **kwargs)


# ---------------------------------------------------------------------- helpers
def _is_full(k: Any) -> bool:
    return isinstance(k, slice) and k == slice(None)


def _expanded_shape(shape: tuple[int, ...], key: tuple) -> tuple[int, ...]:
    """The shape of ``a[key]`` for a key of full slices, None and one Ellipsis."""
    if key.count(Ellipsis) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    used = sum(1 for k in key if k is not None and k is not Ellipsis)
    if used > len(shape):
        raise IndexError(f"too many indices for an array of dimension {len(shape)}")
    out: list[int] = []
    dims = iter(shape)
    for k in key:
        if k is None:
            out.append(1)
        elif k is Ellipsis:
            out.extend(next(dims) for _ in range(len(shape) - used))
        else:
            out.append(next(dims))
    out.extend(dims)
    return tuple(out)


def _axes(axis: Any, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for a in axes:
        a = int(a)
        if not -ndim <= a < builtins.max(ndim, 1):
            raise np.exceptions.AxisError(a, ndim)
        out.append(a % ndim if ndim else 0)
    return tuple(out)


def _operand(x: Any, op: str) -> Any:
    """The backend operand for x: a float32 DeviceArray handle or a Python float."""
    if isinstance(x, CudaArray):
        return x._float()._h
    if isinstance(x, (bool, int, float, np.generic)):
        return float(x)
    if isinstance(x, np.ndarray):
        if x.ndim == 0:
            return float(x)
        raise ValueError(
            f"{op}: expected all inputs on one device, found cpu and cuda (a numpy array of shape "
            f"{x.shape} with a CUDA array); move it with Tensor.to('cuda')"
        )
    if isinstance(x, DeviceArray):
        raise ValueError(f"{op}: expected all inputs on one device, found {x.device} and cuda")
    if hasattr(x, "data") and hasattr(x, "device"):  # a Tensor
        return _operand(x.data, op)
    raise TypeError(f"{op}: unsupported operand of type {type(x).__name__} for a CUDA array")


_COMPARISONS = {"greater", "greater_equal", "less", "less_equal", "equal", "not_equal"}


def _binary(op: str, a: Any, b: Any) -> CudaArray:
    ha, hb = _operand(a, op), _operand(b, op)
    if isinstance(ha, float) and isinstance(hb, float):
        raise TypeError(f"{op}: no CUDA array among the operands")
    return CudaArray(_backend.binary(op, ha, hb), op in _COMPARISONS)


def _unary(op: str, a: Any, p0: float = 0.0, p1: float = 0.0) -> CudaArray:
    if not isinstance(a, CudaArray):
        raise TypeError(f"{op}: expected a CUDA array, received {type(a).__name__}")
    return CudaArray(_backend.unary(op, a._float()._h, float(p0), float(p1)))


def _logical(x: CudaArray) -> CudaArray:
    x._bool = True
    return x


def _matmul(a: Any, b: Any) -> CudaArray:
    """2-D (or 1-D) products through cuBLAS; batched operands are not supported."""
    if not (isinstance(a, CudaArray) and isinstance(b, CudaArray)):
        _operand(a, "matmul"), _operand(b, "matmul")  # raises the device error
        raise TypeError("matmul: both operands must be CUDA arrays")
    if a.ndim > 2 or b.ndim > 2 or a.ndim == 0 or b.ndim == 0:
        raise TypeError("matmul on CUDA arrays supports 1-D and 2-D operands only")
    a2 = a.reshape(1, -1) if a.ndim == 1 else a
    b2 = b.reshape(-1, 1) if b.ndim == 1 else b
    out = CudaArray(_backend.gemm(a2._float()._h, b2._float()._h))
    shape = (a.shape[:-1] if a.ndim == 2 else ()) + (b.shape[-1:] if b.ndim == 2 else ())
    return out.reshape(shape)


def _unary_ufunc(op: str) -> Callable[[Any], CudaArray]:
    return lambda a: _unary(op, a)


def _binary_ufunc(op: str) -> Callable[[Any, Any], CudaArray]:
    return lambda a, b: _binary(op, a, b)


def _power(a: Any, b: Any) -> CudaArray:
    if isinstance(a, CudaArray) and not isinstance(b, CudaArray):
        return _unary("power", a, _operand(b, "power"))
    return _binary("power", a, b)


_UFUNCS: dict[str, Callable[..., Any]] = {
    "add": _binary_ufunc("add"),
    "subtract": _binary_ufunc("subtract"),
    "multiply": _binary_ufunc("multiply"),
    "divide": _binary_ufunc("divide"),
    "true_divide": _binary_ufunc("divide"),
    "maximum": _binary_ufunc("maximum"),
    "minimum": _binary_ufunc("minimum"),
    "power": _power,
    "greater": _binary_ufunc("greater"),
    "greater_equal": _binary_ufunc("greater_equal"),
    "less": _binary_ufunc("less"),
    "less_equal": _binary_ufunc("less_equal"),
    "equal": _binary_ufunc("equal"),
    "not_equal": _binary_ufunc("not_equal"),
    "logical_and": lambda a, b: _logical(_binary("multiply", a != 0, b != 0)),
    "logical_or": lambda a, b: _logical(_binary("maximum", a != 0, b != 0)),
    "logical_not": lambda a: CudaArray(_backend.unary("logical_not", a._float()._h), True),
    "invert": lambda a: a.__invert__(),
    "negative": _unary_ufunc("negative"),
    "positive": lambda a: a,
    "exp": _unary_ufunc("exp"),
    "log": _unary_ufunc("log"),
    "sqrt": _unary_ufunc("sqrt"),
    "absolute": _unary_ufunc("abs"),
    "fabs": _unary_ufunc("abs"),
    "sign": _unary_ufunc("sign"),
    "square": _unary_ufunc("square"),
    "tanh": _unary_ufunc("tanh"),
    "reciprocal": _unary_ufunc("reciprocal"),
    "isfinite": lambda a: CudaArray(_backend.unary("isfinite", a._float()._h), True),
    "matmul": _matmul,
}


# ---------------------------------------------------------------------- numpy functions
def _sum(
    a: Any,
    axis: Any = None,
    dtype: Any = None,
    out: Any = None,
    keepdims: bool = False,
    **kwargs: Any,
) -> CudaArray:
    return a.sum(axis=axis, dtype=dtype, out=out, keepdims=keepdims)


def _mean(
    a: Any,
    axis: Any = None,
    dtype: Any = None,
    out: Any = None,
    keepdims: bool = False,
    **kwargs: Any,
) -> CudaArray:
    return a.mean(axis=axis, dtype=dtype, out=out, keepdims=keepdims)


def _reshape(a: Any, *args: Any, **kwargs: Any) -> CudaArray:
    shape = kwargs.get("shape", kwargs.get("newshape", args[0] if args else None))
    return a.reshape(shape)


def _transpose(a: Any, axes: Any = None) -> CudaArray:
    return a.transpose(*(() if axes is None else (tuple(axes),)))


def _swapaxes(a: Any, axis1: int, axis2: int) -> CudaArray:
    perm = list(range(a.ndim))
    i, j = axis1 % a.ndim, axis2 % a.ndim
    perm[i], perm[j] = perm[j], perm[i]
    return a.transpose(tuple(perm))


def _broadcast_to(a: Any, shape: Any, subok: bool = False) -> CudaArray:
    shape = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)
    if a.shape == shape:
        return a
    return CudaArray(_backend.broadcast_to(a._float()._h, list(shape)), a._bool)


def _expand_dims(a: Any, axis: Any) -> CudaArray:
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    ndim = a.ndim + len(axes)
    where = {int(ax) % ndim for ax in axes}
    dims = iter(a.shape)
    return a.reshape(tuple(1 if d in where else next(dims) for d in range(ndim)))


def _squeeze(a: Any, axis: Any = None) -> CudaArray:
    if axis is None:
        return a.reshape(tuple(d for d in a.shape if d != 1))
    axes = {int(ax) % a.ndim for ax in ((axis,) if isinstance(axis, int) else axis)}
    return a.reshape(tuple(d for i, d in enumerate(a.shape) if i not in axes))


def _full(shape: tuple[int, ...], value: float) -> CudaArray:
    return CudaArray(_backend.full([int(s) for s in shape], float(value)))


def _like(value: float) -> Callable[..., CudaArray]:
    def make(a: Any, dtype: Any = None, order: Any = "K", subok: bool = True, shape: Any = None):
        return _full(a.shape if shape is None else shape, value)

    return make


def _full_like(
    a: Any,
    fill_value: Any,
    dtype: Any = None,
    order: Any = "K",
    subok: bool = True,
    shape: Any = None,
) -> CudaArray:
    return _full(a.shape if shape is None else shape, float(fill_value))


def _copyto(dst: Any, src: Any, casting: Any = "same_kind", where: Any = True) -> None:
    if not isinstance(dst, CudaArray):
        raise ValueError(
            "copyto: expected all inputs on one device, found cpu and cuda (a CUDA source for a "
            "numpy destination); copy it with .numpy()"
        )
    dst.copy_from(src)


def _clip(a: Any, a_min: Any = None, a_max: Any = None, out: Any = None, **kwargs: Any):
    lo = -math.inf if a_min is None else float(a_min)
    hi = math.inf if a_max is None else float(a_max)
    return _unary("clip", a, lo, hi)


def _all(a: Any, axis: Any = None, **kwargs: Any) -> Any:
    if axis is not None:
        raise TypeError("numpy.all with axis= is not supported on CUDA arrays")
    return bool(float((a != 0).astype(np.float32).sum()) == a.size)


def _any(a: Any, axis: Any = None, **kwargs: Any) -> Any:
    if axis is not None:
        raise TypeError("numpy.any with axis= is not supported on CUDA arrays")
    return bool(float((a != 0).astype(np.float32).sum()) > 0)


_FUNCTIONS: dict[Any, Callable[..., Any]] = {
    np.sum: _sum,
    np.mean: _mean,
    np.reshape: _reshape,
    np.transpose: _transpose,
    np.swapaxes: _swapaxes,
    np.broadcast_to: _broadcast_to,
    np.expand_dims: _expand_dims,
    np.squeeze: _squeeze,
    np.ones_like: _like(1.0),
    np.zeros_like: _like(0.0),
    np.empty_like: _like(0.0),
    np.full_like: _full_like,
    np.copyto: _copyto,
    np.clip: _clip,
    np.all: _all,
    np.any: _any,
    np.shape: lambda a: a.shape,
    np.ndim: lambda a: a.ndim,
    np.size: lambda a, axis=None: a.size if axis is None else a.shape[axis],
    np.matmul: _matmul,
}
