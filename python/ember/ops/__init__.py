"""``ember.ops`` is Keras 3's ``keras.ops``: the same names, argument names, defaults, result
shapes and dtypes, over ember Tensors, with gradients where Keras has them. Every name of
``keras.ops`` and ``keras.ops.nn`` exists here; the sub-namespaces ``ops.nn``, ``ops.numpy``,
``ops.linalg`` and ``ops.image`` are modules, as in Keras. Calls on the symbolic tensors of a
functional model become graph nodes (see ``ember.ops.dispatch``).

The public functions live in modules by family: ``elementwise``, ``reduction``, ``shaping``,
``indexing``, ``products``, ``creation``, ``conversion`` (cast, shape, dtype, ...), ``control``
(cond, scan, ...), ``nn``, ``linalg`` and ``image``. The modules layers use on their hot paths
keep their internal functions: ``math`` (arithmetic, reductions, shapes), ``core`` (dense,
dropout, rescaling), ``convolutional``, ``pooling``, ``activations``, ``normalization``,
``merge``, ``recurrent`` and ``losses``. The public names load on first use, so a module that
imports only an internal one (the layers) does not pay for the whole namespace.

Not implemented (each name exists and raises NotImplementedError naming itself):

- ``fft``, ``fft2``, ``ifft2``, ``rfft``, ``irfft``, ``stft``, ``istft``, ``view_as_complex``,
  ``view_as_real``, ``polar``, ``eig``: they produce or take complex numbers, and ember has no
  complex dtype.
- ``jvp``: ember's autograd is reverse-mode only.
- ``ctc_loss``, ``ctc_decode``: a per-time-step dynamic program that ember has no compiled
  kernel for (a Python loop per time step is not allowed in ember).

Example:
    >>> from ember import ops
    >>> x = ops.convert_to_tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> ops.mean(x, axis=1).numpy(), ops.argmax(x, axis=0).numpy()
    (array([1.5, 3.5], dtype=float32), array([1, 1], dtype=int32))
"""

from __future__ import annotations

import importlib
from typing import Any

_COMPLEX = "it produces or takes complex numbers; ember has no complex dtype"
_CTC = "needs a per-time-step dynamic program that ember has no compiled kernel for"

# Keras names ember does not implement, with the reason (also in the docstring above).
NOT_IMPLEMENTED = {
    "fft": _COMPLEX,
    "fft2": _COMPLEX,
    "ifft2": _COMPLEX,
    "rfft": _COMPLEX,
    "irfft": _COMPLEX,
    "stft": _COMPLEX,
    "istft": _COMPLEX,
    "view_as_complex": _COMPLEX,
    "view_as_real": _COMPLEX,
    "polar": _COMPLEX,
    "eig": _COMPLEX,
    "jvp": "ember's autograd is reverse-mode only (no forward-mode JVP)",
    "ctc_loss": _CTC,
    "ctc_decode": _CTC,
}

# The modules that hold the public functions (each lists its Keras names in __all__) and the
# namespaces that are modules in Keras.
_IMPLEMENTATIONS = (
    "elementwise",
    "reduction",
    "shaping",
    "indexing",
    "products",
    "creation",
    "conversion",
    "control",
    "nn",
    "linalg",
)
_NAMESPACES = ("nn", "numpy", "linalg", "image")
# Submodules the import system must find by itself (never through __getattr__ below).
_INTERNAL = frozenset(
    {
        "activations",
        "base",
        "convolutional",
        "core",
        "dispatch",
        "losses",
        "math",
        "merge",
        "normalization",
        "pooling",
        "recurrent",
        "special",
        *_IMPLEMENTATIONS,
    }
) - set(_NAMESPACES)

_loaded = False


def _load() -> None:
    """Import the public modules and bind every Keras name here (once)."""
    global _loaded, __all__
    if _loaded:
        return
    _loaded = True
    from ember.ops.base import not_implemented

    names: set[str] = set()
    for module_name in _IMPLEMENTATIONS:
        module = importlib.import_module(f"ember.ops.{module_name}")
        for name in module.__all__:
            globals()[name] = getattr(module, name)
            names.add(name)
    for module_name in _NAMESPACES:
        globals()[module_name] = importlib.import_module(f"ember.ops.{module_name}")
    globals()["rearrange"] = importlib.import_module("ember.ops.shaping").einops_rearrange
    for name, reason in NOT_IMPLEMENTED.items():
        if name not in globals():
            globals()[name] = not_implemented(name, reason)
    __all__ = sorted(names | set(NOT_IMPLEMENTED) | {"rearrange", *_NAMESPACES})


def __getattr__(name: str) -> Any:
    if name == "__all__" or not (name.startswith("_") or name in _INTERNAL):
        _load()
        if name in globals():
            return globals()[name]
    raise AttributeError(f"module 'ember.ops' has no attribute {name!r}")


def __dir__() -> list[str]:
    _load()
    return sorted(set(globals()) | set(__all__))
