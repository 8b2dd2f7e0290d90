"""ember: a small, fast deep-learning library for CNNs and RNNs with a Keras-shaped API.

The compiled kernels live in ``ember._C`` (reference versions in ``ember._C.ref``).

Example:
    >>> import ember
    >>> ember.build_info()["isa"] in ("generic", "avx2", "avx512")
    True
"""

from __future__ import annotations

from ember import _C
from ember._version import __version__

__all__ = ["__version__", "build_info", "get_num_threads", "set_num_threads"]


def build_info() -> dict:
    """Describe this build of ember.

    Returns a dict with ``version``, ``compiler``, ``openmp`` (bool), ``isa`` (the micro-kernel
    family in use: ``"avx512"``, ``"avx2"`` or ``"generic"``), ``supported_isas``, ``threads``,
    ``cuda`` (whether the CUDA build was enabled) and ``gemm_tile`` (micro-tile rows, columns).

    Example:
        >>> info = ember.build_info()
        >>> info["threads"] >= 1
        True
    """
    return _C.build_info()


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
