"""CUDA support: whether a GPU can be used, and moving arrays to it.

The CUDA kernels are a separate extension, ``ember._C_cuda``, present in CUDA builds (see the
README's "CUDA build"). Nothing here loads it at ``import ember``: the first question
(``is_available()``, ``Tensor.to("cuda")``, ``ember.build_info()``) imports it and asks the CUDA
runtime for devices, which works, with a reason, on machines without a GPU or a driver.

Example:
    >>> import ember
    >>> ember.cuda.is_available() or bool(ember.cuda.unavailable_reason())
    True
    >>> ember.cuda.device_count() >= 0
    True
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from ember.cuda import array as array_module
from ember.cuda.array import CudaArray

__all__ = [
    "CudaArray",
    "device_count",
    "device_name",
    "is_available",
    "require",
    "synchronize",
    "to_device",
    "unavailable_reason",
]

_lock = threading.Lock()
_backend: Any = None  # ember._C_cuda (or a stand-in given to _use_backend) once loaded
_probed = False
_count = 0
_reason: str | None = "CUDA has not been probed yet"


def _load() -> None:
    """Import the extension and probe the devices, once."""
    global _backend, _probed, _count, _reason
    with _lock:
        if _probed:
            return
        try:
            from ember import _C_cuda as backend
        except ImportError as err:
            from ember import _C

            if _C.build_info().get("cuda"):
                _reason = f"the CUDA extension ember._C_cuda failed to load ({err})"
            else:
                _reason = (
                    "ember was built without CUDA (rebuild with EMBER_CUDA=ON and cuBLAS; see "
                    "the README's 'CUDA build')"
                )
            _probed = True
            return
        count, reason = backend.probe()
        _install(backend, count, reason)


def _install(backend: Any, count: int, reason: str) -> None:
    global _backend, _probed, _count, _reason
    _backend = backend
    array_module.set_backend(backend)
    _count = int(count)
    _reason = None if _count > 0 else (reason or "no CUDA device was found")
    _probed = True
    if _count > 0:
        from ember import device
        from ember.cuda import kernels

        device.register(CudaArray, kernels.table(backend))


def _use_backend(backend: Any, count: int = 1, reason: str = "") -> None:
    """Use ``backend`` in place of ``ember._C_cuda`` (tests run the CUDA code paths on a host
    stand-in with the same functions). ``count=0`` simulates a machine without a GPU."""
    with _lock:
        _install(backend, count, reason)


def _reset() -> None:
    """Forget the probe (tests)."""
    global _backend, _probed, _count, _reason
    with _lock:
        _backend, _probed, _count, _reason = None, False, 0, "CUDA has not been probed yet"
        array_module.set_backend(None)
        from ember import device

        device.unregister(CudaArray)


def is_available() -> bool:
    """Whether ember can run on a CUDA GPU here (a CUDA build, a driver and a device).

    Example:
        >>> isinstance(ember.cuda.is_available(), bool)
        True
    """
    _load()
    return _count > 0


def unavailable_reason() -> str | None:
    """Why CUDA cannot be used (not compiled in, no driver, no device...), or None when it can.

    Example:
        >>> reason = ember.cuda.unavailable_reason()
        >>> reason is None or isinstance(reason, str)
        True
    """
    _load()
    return _reason


def device_count() -> int:
    """Number of usable CUDA devices (0 without CUDA). ember uses device 0.

    Example:
        >>> ember.cuda.device_count() >= 0
        True
    """
    _load()
    return _count


def require() -> Any:
    """The loaded CUDA backend; RuntimeError ``"CUDA is unavailable: <reason>"`` otherwise."""
    _load()
    if _count <= 0:
        raise RuntimeError(f"CUDA is unavailable: {_reason}")
    return _backend


def device_name() -> str:
    """The name of the GPU ember uses (RuntimeError when CUDA is unavailable)."""
    return str(require().device_name(0))


def synchronize() -> None:
    """Wait until the GPU has finished all queued work (for timing; copies to the host wait
    on their own). No-op without CUDA."""
    if is_available():
        _backend.synchronize()


def to_device(array: Any) -> CudaArray:
    """A copy of host data on the GPU: integers become int64 (class labels), everything else
    float32.

    Example:
        >>> if ember.cuda.is_available():
        ...     ember.cuda.to_device(np.ones(3)).shape
    """
    backend = require()
    if isinstance(array, CudaArray):
        return array
    arr = np.asarray(array)
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"cannot copy an array of dtype {arr.dtype} to the GPU (real numbers only)")
    if arr.dtype.kind in "iu":
        arr = arr.astype(np.int64, copy=False)
    elif arr.dtype.kind in "fb" and arr.dtype != np.float32:
        arr = arr.astype(np.float32)
    # The extension makes its own contiguous copy (np.ascontiguousarray would turn a 0-d
    # array into shape (1,)).
    return CudaArray(backend.DeviceArray.from_numpy(arr))
