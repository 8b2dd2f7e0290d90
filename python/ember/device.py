"""Devices: where a Tensor's values live, and which kernels run the ops on them.

ember knows two devices. ``"cpu"`` arrays are numpy arrays and run on the ``ember._C`` kernels;
``"cuda"`` arrays are :class:`ember.cuda.CudaArray` and run on ``ember._C_cuda`` (a CUDA build
on a machine with a GPU; see ``ember.cuda.is_available()``).

Ops find their kernels with :func:`kernels`, a lookup of the array's type in a table, so an op
is written once for both devices and the CPU path pays one dict lookup, not a device test. The
numpy-style arithmetic inside ops (``a + b``, ``g.sum(axis=0)``) reaches CUDA arrays through
numpy's dispatch protocols (``__array_ufunc__``, ``__array_function__``), which numpy consults
only for non-numpy operands.

Example:
    >>> from ember import device
    >>> device.parse("cuda:0"), device.of(np.zeros(3))
    ('cuda', 'cpu')
    >>> device.kernels(np.zeros(3)) is ember._C
    True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ember import _C

__all__ = ["CPU", "CUDA", "DeviceArray", "host", "kernels", "of", "parse", "register", "to"]

CPU = "cpu"
CUDA = "cuda"


class DeviceArray:
    """Base class of the array types that live off the host (``ember.cuda.CudaArray``).

    Subclasses set ``device`` and implement ``shape``, ``dtype``, ``numpy()`` (a host copy) and
    numpy's dispatch protocols for the arithmetic ops use.
    """

    __slots__ = ()
    device: str = CPU

    def numpy(self) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError


# Array type -> kernel table: a module (or namespace) with ember._C's kernel functions.
_KERNELS: dict[type, Any] = {np.ndarray: _C}


def register(array_type: type, table: Any) -> None:
    """Run the ops on arrays of ``array_type`` with the kernels of ``table``."""
    _KERNELS[array_type] = table


def unregister(array_type: type) -> None:
    """Forget the kernel table of ``array_type`` (its ops then fail on the CPU kernels)."""
    if array_type is not np.ndarray:
        _KERNELS.pop(array_type, None)


def kernels(array: Any, _get: Any = _KERNELS.get, _type: Any = type, _cpu: Any = _C) -> Any:
    """The kernel table for ``array``'s device: ``ember._C`` for numpy arrays.

    (The defaults bind what the lookup needs as locals: every op calls this once.)

    Example:
        >>> ember.device.kernels(np.ones(2)).gemm is ember._C.gemm
        True
    """
    return _get(_type(array), _cpu)


def parse(device: Any) -> str:
    """The canonical name of a device: ``"cpu"`` or ``"cuda"`` (``"cuda:0"`` is accepted).

    Raises ValueError for anything else (ember drives one GPU, device 0).

    Example:
        >>> ember.device.parse("CPU")
        'cpu'
    """
    if isinstance(device, str):
        name = device.strip().lower()
        if name == CPU:
            return CPU
        if name in (CUDA, "cuda:0"):
            return CUDA
        if name.startswith("cuda:"):
            raise ValueError(
                f"device {device!r}: ember uses one GPU, 'cuda' (= 'cuda:0'); other device "
                "indices are not supported"
            )
    raise ValueError(f"device must be 'cpu' or 'cuda' (or 'cuda:0'), received {device!r}")


def of(array: Any) -> str:
    """The device an array lives on: ``"cpu"`` for numpy arrays and anything that is not a
    DeviceArray.

    Example:
        >>> ember.device.of(np.ones(2))
        'cpu'
    """
    return array.device if isinstance(array, DeviceArray) else CPU


def to(array: Any, device: str) -> Any:
    """``array`` on ``device`` (a name :func:`parse` accepts): the same object when it is
    already there, else a copy. Raises RuntimeError "CUDA is unavailable: <reason>" when CUDA
    is asked for and cannot be used.

    Example:
        >>> a = np.ones(2, np.float32)
        >>> ember.device.to(a, "cpu") is a
        True
    """
    target = parse(device)
    if of(array) == target:
        return array
    if target == CPU:
        return array.numpy()
    from ember import cuda

    return cuda.to_device(array)


def host(array: Any) -> np.ndarray:
    """A numpy array with the values of ``array`` (copied from the device when needed)."""
    return array.numpy() if isinstance(array, DeviceArray) else np.asarray(array)


def zeros_like(array: Any) -> Any:
    """A float32 array of zeros with ``array``'s shape, on its device."""
    if isinstance(array, DeviceArray):
        return np.zeros_like(array)  # dispatched to the device array
    return np.zeros(np.shape(array), np.float32)


def full_like(array: Any, value: float) -> Any:
    """A float32 array of ``value`` with ``array``'s shape, on its device."""
    if isinstance(array, DeviceArray):
        return np.full_like(array, value)
    return np.full(np.shape(array), value, np.float32)


def mismatch_error(op: str, devices: list[str]) -> ValueError:
    """The error for an op whose inputs live on different devices."""
    return ValueError(
        f"{op}: expected all inputs on one device, found {' and '.join(sorted(set(devices)))}; "
        "move them with Tensor.to(device) (or model.to(device))"
    )
