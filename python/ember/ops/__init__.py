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
``merge``, ``recurrent`` and ``losses``.

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

from ember.ops import (
    control,
    conversion,
    creation,
    elementwise,
    image,  # noqa: F401 - the ops.image namespace
    indexing,
    linalg,
    nn,
    numpy,  # noqa: F401 - the ops.numpy namespace
    products,
    reduction,
    shaping,
)
from ember.ops.base import not_implemented

_COMPLEX = "it produces or takes complex numbers; ember has no complex dtype"

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
    "polar": nn.polar.not_implemented,
    "eig": linalg.eig.not_implemented,
    "jvp": linalg.jvp.not_implemented,
    "ctc_loss": nn.ctc_loss.not_implemented,
    "ctc_decode": nn.ctc_decode.not_implemented,
}

_IMPLEMENTATIONS = (
    elementwise,
    reduction,
    shaping,
    indexing,
    products,
    creation,
    conversion,
    control,
    nn,
    linalg,
)

for _module in _IMPLEMENTATIONS:
    for _name in _module.__all__:
        globals()[_name] = getattr(_module, _name)
rearrange = shaping.einops_rearrange  # keras.ops.rearrange (einops)

for _name, _reason in NOT_IMPLEMENTED.items():
    if _name not in globals():
        globals()[_name] = not_implemented(_name, _reason)

__all__ = sorted(
    {name for module in _IMPLEMENTATIONS for name in module.__all__}
    | set(NOT_IMPLEMENTED)
    | {"rearrange", "image", "linalg", "nn", "numpy"}
)
