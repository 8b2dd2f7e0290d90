"""ember: a small, fast deep-learning library for CNNs and RNNs with a Keras-shaped API.

Keras course code runs after changing only the import line::

    from ember import layers, models          # was: from tensorflow.keras import ...
    import ember as keras                     # was: import keras / from tensorflow import keras

The compiled kernels live in ``ember._C`` (reference versions in ``ember._C.ref``); a CUDA
build adds ``ember._C_cuda``, loaded only when a GPU is asked for (``ember.cuda``,
``Tensor.to("cuda")``, ``model.to("cuda")``).

Example:
    >>> import ember
    >>> model = ember.Sequential([ember.layers.Dense(1, input_shape=(3,))])
    >>> model.compile(optimizer="adam", loss="mse")
    >>> ember.build_info()["isa"] in ("generic", "avx2", "avx512")
    True
"""

from __future__ import annotations

import importlib as _importlib
import sys as _sys

from ember import _C
from ember._version import __version__
from ember.autograd import Tensor, Variable, enable_grad, is_grad_enabled, no_grad, tensor

# Everything else loads on first use (PEP 562): `import ember` pays only for numpy, the
# kernels and the tensor type, and `from ember import layers` still works as before.
_LAZY_MODULES = frozenset(
    {
        "activations",
        "backend",
        "callbacks",
        "constraints",
        "cuda",
        "datasets",
        "device",
        "initializers",
        "layers",
        "losses",
        "metrics",
        "models",
        "ops",
        "optimizers",
        "preprocessing",
        "random",
        "regularizers",
        "saving",
        "utils",
    }
)
_LAZY_NAMES = {
    "Input": "ember.layers.input_layer",
    "InputSpec": "ember.layers.input_spec",
    "Model": "ember.models.functional",
    "Sequential": "ember.models.sequential",
}

__all__ = [
    "Input",
    "InputSpec",
    "Model",
    "Sequential",
    "Tensor",
    "Variable",
    "__version__",
    "activations",
    "backend",
    "build_info",
    "callbacks",
    "constraints",
    "cuda",
    "datasets",
    "device",
    "preprocessing",
    "random",
    "saving",
    "enable_grad",
    "get_num_threads",
    "initializers",
    "is_grad_enabled",
    "keras",
    "layers",
    "losses",
    "metrics",
    "models",
    "no_grad",
    "ops",
    "optimizers",
    "regularizers",
    "set_num_threads",
    "tensor",
    "utils",
]

# `import ember as tf` keeps `tf.keras.layers.Dense` working.
keras = _sys.modules[__name__]


def __getattr__(name: str):
    if name in _LAZY_MODULES:
        return _importlib.import_module(f"ember.{name}")
    if name in _LAZY_NAMES:
        value = getattr(_importlib.import_module(_LAZY_NAMES[name]), name)
        globals()[name] = value  # later lookups skip this function
        return value
    raise AttributeError(f"module 'ember' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _LAZY_MODULES | set(_LAZY_NAMES))


def build_info() -> dict:
    """Describe this build of ember.

    Returns a dict with ``version``, ``compiler``, ``openmp`` (bool), ``isa`` (the micro-kernel
    family in use: ``"avx512"``, ``"avx2"`` or ``"generic"``), ``supported_isas``, ``threads``,
    ``gemm_tile`` (micro-tile rows, columns), ``cuda`` (whether the CUDA kernels were compiled
    in), ``cuda_usable`` (whether a GPU can be used now) and ``cuda_reason`` (why not, or None),
    plus ``cuda_device`` (the GPU's name) when it can.

    Example:
        >>> info = ember.build_info()
        >>> info["threads"] >= 1
        True
        >>> info["cuda_usable"] or bool(info["cuda_reason"])
        True
    """
    from ember import cuda

    info = _C.build_info()
    info["cuda_usable"] = cuda.is_available()
    info["cuda_reason"] = cuda.unavailable_reason()
    if info["cuda_usable"]:
        info["cuda_device"] = cuda.device_name()
    return info


def get_num_threads() -> int:
    """Number of threads ember's kernels use (default: all cores, or ``OMP_NUM_THREADS``).

    Example:
        >>> ember.get_num_threads() >= 1
        True
    """
    return _C.get_num_threads()


def set_num_threads(n: int) -> None:
    """Set the size of ember's one OpenMP team for all later kernel calls.

    Raises ValueError when ``n < 1`` and TypeError when it is not an int.

    Example:
        >>> ember.set_num_threads(2)
        >>> ember.get_num_threads()
        2
    """
    _C.set_num_threads(n)
