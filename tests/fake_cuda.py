"""A host stand-in for ``ember._C_cuda``: the same DeviceArray API and functions over numpy
memory, with the layer kernels computed by ``ember._C``.

Installed with ``ember.cuda._use_backend(fake_cuda)``, it runs ember's CUDA code paths (the
kernel-table dispatch, CudaArray arithmetic and numpy protocols, Tensor.to, model.to, training
with batches copied to the device) on machines without a GPU. It checks arguments the way the
extension does where ember's Python relies on it: a numpy array handed to a device op is a
ValueError naming both devices, masks in RNN ops are NotImplementedError. It says nothing about
the CUDA kernels themselves: tests marked ``cuda`` compare those with the CPU on a GPU.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ember import _C
from ember.cuda.kernels import KERNELS

_DTYPES = {"float32": np.float32, "int32": np.int32, "int64": np.int64}


class DeviceArray:
    """Host memory standing in for device memory; reshape and rows are views, as on the GPU."""

    __slots__ = ("a",)

    def __init__(self, shape: Any = (), dtype: str = "float32", _array: Any = None) -> None:
        if _array is None:
            _array = np.full(shape, np.nan if dtype == "float32" else -1, _DTYPES[dtype])
        self.a = _array

    @staticmethod
    def from_numpy(array: Any) -> DeviceArray:
        arr = np.asarray(array)
        if arr.dtype.kind in "iu":
            arr = arr.astype(np.int32 if arr.dtype == np.int32 else np.int64)
        elif arr.dtype.kind in "fb":
            arr = arr.astype(np.float32)
        else:
            raise TypeError(f"cannot copy an array of dtype {arr.dtype} to the device")
        return DeviceArray(_array=np.array(arr, order="C", copy=True))

    def numpy(self) -> np.ndarray:
        return self.a.copy()

    @property
    def shape(self) -> tuple[int, ...]:
        return self.a.shape

    @property
    def dtype(self) -> str:
        return str(self.a.dtype)

    @property
    def size(self) -> int:
        return int(self.a.size)

    @property
    def nbytes(self) -> int:
        return int(self.a.nbytes)

    @property
    def ptr(self) -> int:
        return int(self.a.ctypes.data)

    def reshape(self, shape: Any) -> DeviceArray:
        shape = tuple(shape) if not isinstance(shape, int) else (shape,)
        if int(np.prod(shape, dtype=np.int64)) != self.a.size:
            raise ValueError(f"cannot reshape a device array of size {self.a.size} into {shape}")
        return DeviceArray(_array=self.a.reshape(shape))

    def rows(self, start: int, stop: int) -> DeviceArray:
        if not 0 <= start <= stop <= self.a.shape[0]:
            raise IndexError(f"rows [{start}, {stop}) out of range for shape {self.a.shape}")
        return DeviceArray(_array=self.a[start:stop])

    def copy(self) -> DeviceArray:
        return DeviceArray(_array=self.a.copy())

    def copy_from(self, source: Any) -> None:
        src = source if isinstance(source, DeviceArray) else DeviceArray.from_numpy(source)
        if src.a.shape != self.a.shape:
            raise ValueError(f"copy_from: source shape {src.a.shape} != {self.a.shape}")
        if src.a.dtype != self.a.dtype:
            raise TypeError(f"copy_from: source dtype {src.a.dtype} != {self.a.dtype}")
        self.a[...] = src.a


def probe() -> tuple[int, str]:
    return 1, ""


def runtime_version() -> int:
    return 13000


def device_name(device: int = 0) -> str:
    return "host stand-in"


def synchronize() -> None:
    pass


def empty_cache() -> None:
    pass


def memory_allocated() -> int:
    return 0


def memory_cached() -> int:
    return 0


def _float(x: Any, op: str, name: str) -> np.ndarray:
    if isinstance(x, DeviceArray):
        if x.a.dtype != np.float32:
            raise TypeError(f"{op}: {name} must be float32, received {x.a.dtype}")
        return x.a
    raise _device_error(x, op, name)


def _device_error(x: Any, op: str, name: str) -> Exception:
    if isinstance(x, np.ndarray):
        return ValueError(
            f"{op}: {name} is on cpu but this op runs on cuda (its inputs are cuda arrays); "
            "every array of one op must be on one device"
        )
    return TypeError(f"{op}: {name} must be a cuda array, received {type(x).__name__}")


def _out(a: Any) -> DeviceArray:
    # np.array, not np.ascontiguousarray, which turns 0-d results into shape (1,).
    return DeviceArray(_array=np.array(a, dtype=np.float32, order="C"))


# ---------------------------------------------------------------------- array math
_BINARY = {
    "add": np.add,
    "subtract": np.subtract,
    "multiply": np.multiply,
    "divide": np.divide,
    "maximum": np.maximum,
    "minimum": np.minimum,
    "power": np.power,
    "greater": np.greater,
    "greater_equal": np.greater_equal,
    "less": np.less,
    "less_equal": np.less_equal,
    "equal": np.equal,
    "not_equal": np.not_equal,
}


def binary(op: str, a: Any, b: Any) -> DeviceArray:
    fa = np.float32(a) if isinstance(a, (int, float)) else _float(a, "binary", "a")
    fb = np.float32(b) if isinstance(b, (int, float)) else _float(b, "binary", "b")
    with np.errstate(all="ignore"):
        return _out(_BINARY[op](fa, fb))


def unary(op: str, a: Any, p0: float = 0.0, p1: float = 0.0) -> DeviceArray:
    x = _float(a, "unary", "a")
    p0, p1 = np.float32(p0), np.float32(p1)
    fns = {
        "negative": lambda: -x,
        "exp": lambda: np.exp(x),
        "log": lambda: np.log(x),
        "sqrt": lambda: np.sqrt(x),
        "abs": lambda: np.abs(x),
        "sign": lambda: np.sign(x),
        "square": lambda: x * x,
        "tanh": lambda: np.tanh(x),
        "reciprocal": lambda: 1 / x,
        "clip": lambda: np.clip(x, p0, p1),
        "power": lambda: np.power(x, p0),
        "affine": lambda: x * p0 + p1,
        "rsub": lambda: p0 - x,
        "rdiv": lambda: p0 / x,
        "logical_not": lambda: x == 0,
        "isfinite": lambda: np.isfinite(x),
    }
    with np.errstate(all="ignore"):
        return _out(fns[op]())


def reduce_sum(a: Any, axes: list[int], keepdims: bool = False, scale: float = 1.0):
    x = _float(a, "reduce_sum", "a")
    total = np.sum(x, axis=tuple(axes), keepdims=keepdims, dtype=np.float64) * scale
    return _out(total)


def broadcast_to(a: Any, shape: list[int]) -> DeviceArray:
    return _out(np.broadcast_to(_float(a, "broadcast_to", "a"), tuple(shape)))


def transpose(a: Any, axes: list[int]) -> DeviceArray:
    return _out(np.transpose(_float(a, "transpose", "a"), axes))


def full(shape: list[int], value: float) -> DeviceArray:
    return _out(np.full(tuple(shape), value, np.float32))


def astype(a: Any, dtype: str) -> DeviceArray:
    if not isinstance(a, DeviceArray):
        raise _device_error(a, "astype", "a")
    return DeviceArray(_array=a.a.astype(_DTYPES[dtype]))


# ---------------------------------------------------------------------- kernels
_RNN = {
    "lstm_forward",
    "lstm_backward",
    "gru_forward",
    "gru_backward",
    "simple_rnn_forward",
    "simple_rnn_backward",
}
_MASK_POSITION = {
    "lstm_forward": 6,
    "gru_forward": 5,
    "simple_rnn_forward": 5,
    "lstm_backward": 9,
    "gru_backward": 7,
    "simple_rnn_backward": 7,
}


# Where the max-pooling backward kernels take their indices.
_INDEX_POSITION = {"max_pool2d_backward": 1, "global_max_pool2d_backward": 1}


def _unwrap(v: Any, op: str) -> Any:
    if isinstance(v, DeviceArray):
        return v.a
    if isinstance(v, np.ndarray):
        raise _device_error(v, op, "an argument")
    if type(v) in (list, tuple):
        return type(v)(_unwrap(x, op) for x in v)
    return v


def _wrap(v: Any) -> Any:
    if isinstance(v, np.ndarray):
        return DeviceArray(_array=v)
    if type(v) is tuple:
        return tuple(_wrap(x) for x in v)
    return v


def _kernel(name: str) -> Any:
    fn = getattr(_C, name)

    def call(*args: Any, **kwargs: Any) -> Any:
        if name in _INDEX_POSITION:  # the extension takes only the forward pass's int32 indices
            pos = _INDEX_POSITION[name]
            idx = kwargs.get("indices", args[pos] if len(args) > pos else None)
            if isinstance(idx, DeviceArray) and idx.a.dtype != np.int32:
                raise TypeError(
                    f"{name}: indices must be the int32 array of the forward pass, "
                    f"received {idx.a.dtype}"
                )
        if name in _RNN:
            pos = _MASK_POSITION[name]
            mask = kwargs.get("mask", args[pos] if len(args) > pos else None)
            if mask is not None:
                raise NotImplementedError(f"{name}: masks are not supported on cuda yet")
            if name.startswith("gru") and kwargs.get("reset_after", True) is False:
                raise NotImplementedError(f"{name}: reset_after=False is not supported on cuda")
        return _wrap(
            fn(
                *[_unwrap(a, name) for a in args],
                **{k: _unwrap(v, name) for k, v in kwargs.items()},
            )
        )

    call.__name__ = name
    return call


for _name in KERNELS:
    globals()[_name] = _kernel(_name)
