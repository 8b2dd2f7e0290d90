"""Products (``keras.ops`` names): ``matmul``, ``dot``, ``tensordot``, ``einsum``, ``outer``,
``inner``, ``vdot``, ``kron``, ``cross``, ``correlate`` and ``cdist``.

``matmul`` is one Function (numpy's batched broadcasting; 2-D products reach the CUDA GEMM on
a GPU); ``einsum`` has its own Function whose gradient is again an einsum; the others are
compositions of differentiable ops.

Example:
    >>> from ember import ops
    >>> a = ember.tensor(np.ones((2, 3)), requires_grad=True)
    >>> ops.sum(ops.einsum("ij,jk->ik", a, np.ones((3, 4)))).backward(); a.grad
    array([[4., 4., 4.],
           [4., 4., 4.]], dtype=float32)
"""

from __future__ import annotations

import string
from typing import Any

import numpy as np

from ember.autograd import Function, Tensor
from ember.ops import elementwise as ew
from ember.ops import math as core_math
from ember.ops import reduction as red
from ember.ops import shaping
from ember.ops.base import cast, convert, keras_op, normalize_axis, result_type
from ember.ops.math import unbroadcast


def _promoted(x1: Any, x2: Any, op: str) -> tuple[Tensor, Tensor, str]:
    a, b = convert(x1), convert(x2)
    dtype = result_type(a.dtype, b.dtype)
    if op == "matmul" and a.dtype == np.int8 and b.dtype == np.int8:
        dtype = "int32"  # Keras' TensorFlow backend multiplies int8 matrices into int32
    return cast(a, dtype), cast(b, dtype), dtype


@keras_op
def matmul(x1: Any, x2: Any) -> Tensor:
    """The matrix product with numpy's rules: 1-D operands are vectors, leading axes broadcast
    as a batch.

    Example:
        >>> ember.ops.matmul(ember.ops.ones((2, 3)), ember.ops.ones((3, 4))).shape
        (2, 4)
    """
    a, b, dtype = _promoted(x1, x2, "matmul")
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(
            f"matmul: operands must be at least 1-D, received shapes {a.shape} and {b.shape}"
        )
    k1 = a.shape[-1]
    k2 = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if k1 != k2:
        raise ValueError(
            f"matmul: the last axis of x1 ({k1}) must match the "
            f"{'only' if b.ndim == 1 else 'second-to-last'} axis of x2 ({k2}); received shapes "
            f"{a.shape} and {b.shape}"
        )
    try:
        np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise ValueError(
            f"matmul: the batch axes of shapes {a.shape} and {b.shape} do not broadcast"
        ) from None
    if dtype != "float32":
        return Tensor(np.asarray(np.matmul(a.data, b.data)).astype(dtype, copy=False))
    return core_math.MatMul.apply(a, b)


@keras_op
def tensordot(x1: Any, x2: Any, axes: Any = 2) -> Tensor:
    """Sum of products over the axes ``axes`` (an int: the last ``axes`` axes of x1 with the
    first of x2; or two lists of axes).

    Example:
        >>> ember.ops.tensordot(ember.ops.ones((2, 3, 4)), ember.ops.ones((3, 4, 5))).shape
        (2, 5)
    """
    a, b, dtype = _promoted(x1, x2, "tensordot")
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        if n < 0 or n > min(a.ndim, b.ndim):
            raise ValueError(
                f"tensordot: `axes`={n} exceeds the ranks {a.ndim} and {b.ndim} of the operands"
            )
        axes_a = list(range(a.ndim - n, a.ndim))
        axes_b = list(range(n))
    else:
        try:
            axes_a, axes_b = axes
        except (TypeError, ValueError):
            raise ValueError(
                f"tensordot: `axes` must be an int or two lists of axes, received {axes!r}"
            ) from None
        axes_a = [axes_a] if isinstance(axes_a, int) else list(axes_a)
        axes_b = [axes_b] if isinstance(axes_b, int) else list(axes_b)
        axes_a = [normalize_axis(i, a.ndim, "tensordot", "axes") for i in axes_a]
        axes_b = [normalize_axis(i, b.ndim, "tensordot", "axes") for i in axes_b]
    if len(axes_a) != len(axes_b) or any(a.shape[i] != b.shape[j] for i, j in zip(axes_a, axes_b)):
        raise ValueError(
            f"tensordot: the contracted axes {axes_a} of shape {a.shape} and {axes_b} of shape "
            f"{b.shape} must match in size"
        )
    free_a = [i for i in range(a.ndim) if i not in axes_a]
    free_b = [i for i in range(b.ndim) if i not in axes_b]
    k = int(np.prod([a.shape[i] for i in axes_a], dtype=np.int64))
    out_shape = tuple(a.shape[i] for i in free_a) + tuple(b.shape[i] for i in free_b)
    am = shaping.reshape(shaping.transpose(a, free_a + axes_a), (-1, k))
    bm = shaping.reshape(shaping.transpose(b, axes_b + free_b), (k, -1))
    return shaping.reshape(matmul(am, bm), out_shape)


@keras_op
def dot(x1: Any, x2: Any) -> Tensor:
    """numpy's dot: a product for scalars, the inner product of vectors, the matrix product
    of matrices, and in general a sum over the last axis of x1 and the second-to-last of x2.

    Example:
        >>> ember.ops.dot([1.0, 2.0], [3.0, 4.0]).numpy()
        array(11., dtype=float32)
    """
    a, b, _ = _promoted(x1, x2, "dot")
    if a.ndim == 0 or b.ndim == 0:
        return ew.multiply(a, b)
    if b.ndim <= 2:
        return matmul(a, b)
    return tensordot(a, b, axes=([a.ndim - 1], [b.ndim - 2]))


@keras_op
def inner(x1: Any, x2: Any) -> Tensor:
    """Sum of products over the last axes of x1 and x2 (a product for scalars).

    Example:
        >>> ember.ops.inner([1.0, 2.0], [3.0, 4.0]).numpy()
        array(11., dtype=float32)
    """
    a, b, _ = _promoted(x1, x2, "inner")
    if a.ndim == 0 or b.ndim == 0:
        return ew.multiply(a, b)
    return tensordot(a, b, axes=([a.ndim - 1], [b.ndim - 1]))


@keras_op
def outer(x1: Any, x2: Any) -> Tensor:
    """The outer product of the flattened x1 and x2.

    Example:
        >>> ember.ops.outer([1, 2], [3, 4, 5]).shape
        (2, 3)
    """
    a, b, _ = _promoted(x1, x2, "outer")
    return ew.multiply(shaping.reshape(a, (-1, 1)), shaping.reshape(b, (1, -1)))


@keras_op
def vdot(x1: Any, x2: Any) -> Tensor:
    """The dot product of the flattened x1 and x2.

    Example:
        >>> ember.ops.vdot([[1.0, 2.0]], [3.0, 4.0]).numpy()
        array(11., dtype=float32)
    """
    a, b, _ = _promoted(x1, x2, "vdot")
    if a.size != b.size:
        raise ValueError(f"vdot: operands must have one size, received {a.size} and {b.size}")
    return red.sum(ew.multiply(shaping.ravel(a), shaping.ravel(b)))


@keras_op
def kron(x1: Any, x2: Any) -> Tensor:
    """The Kronecker product: blocks of x2 scaled by each element of x1.

    Example:
        >>> ember.ops.kron([1, 10], [1, 2]).numpy()
        array([ 1,  2, 10, 20], dtype=int32)
    """
    a, b, _ = _promoted(x1, x2, "kron")
    nd = max(a.ndim, b.ndim)
    sa = (1,) * (nd - a.ndim) + a.shape
    sb = (1,) * (nd - b.ndim) + b.shape
    a2 = shaping.reshape(a, tuple(d for s in sa for d in (s, 1)))
    b2 = shaping.reshape(b, tuple(d for s in sb for d in (1, s)))
    return shaping.reshape(ew.multiply(a2, b2), tuple(p * q for p, q in zip(sa, sb)))


@keras_op
def cross(
    x1: Any,
    x2: Any,
    axisa: int = -1,
    axisb: int = -1,
    axisc: int = -1,
    axis: int | None = None,
) -> Tensor:
    """The cross product of 3-vectors (2-vectors count as having z = 0; two 2-vectors give
    the z component only) along ``axisa``/``axisb`` (``axis`` sets all three).

    Example:
        >>> ember.ops.cross([1.0, 0.0, 0.0], [0.0, 1.0, 0.0]).numpy()
        array([0., 0., 1.], dtype=float32)
    """
    a, b, _ = _promoted(x1, x2, "cross")
    if axis is not None:
        axisa = axisb = axisc = axis
    a = shaping.moveaxis(a, normalize_axis(axisa, a.ndim, "cross", "axisa"), -1)
    b = shaping.moveaxis(b, normalize_axis(axisb, b.ndim, "cross", "axisb"), -1)
    na, nb = a.shape[-1], b.shape[-1]
    if na not in (2, 3) or nb not in (2, 3):
        raise ValueError(f"cross: vectors must have 2 or 3 components, received {na} and {nb}")

    def comps(t: Tensor, n: int) -> list[Any]:
        parts = shaping.unstack(t, axis=-1)
        return parts if n == 3 else [*parts, 0.0]

    ax, ay, az = comps(a, na)
    bx, by, bz = comps(b, nb)
    z = ew.subtract(ew.multiply(ax, by), ew.multiply(ay, bx))
    if na == 2 and nb == 2:
        return z
    x = ew.subtract(ew.multiply(ay, bz), ew.multiply(az, by))
    y = ew.subtract(ew.multiply(az, bx), ew.multiply(ax, bz))
    out = shaping.stack([x, y, z], axis=-1)
    return shaping.moveaxis(out, -1, normalize_axis(axisc, out.ndim, "cross", "axisc"))


@keras_op
def correlate(x1: Any, x2: Any, mode: str = "valid") -> Tensor:
    """The cross-correlation of two 1-D tensors, c[k] = sum_n x1[n + k] * x2[n], with numpy's
    modes "valid", "same" and "full".

    Example:
        >>> ember.ops.correlate([1.0, 2.0, 3.0], [0.0, 1.0, 0.5], mode="valid").numpy()
        array([3.5], dtype=float32)
    """
    a, b, _ = _promoted(x1, x2, "correlate")
    if a.ndim != 1 or b.ndim != 1:
        raise ValueError(f"correlate: inputs must be 1-D, received shapes {a.shape} and {b.shape}")
    if mode not in ("valid", "same", "full"):
        raise ValueError(f"correlate: `mode` must be 'valid', 'same' or 'full', received {mode!r}")
    if b.shape[0] > a.shape[0]:
        return shaping.flip(correlate(b, a, mode=mode), 0)
    m = b.shape[0]
    if mode == "full":
        padded = shaping.pad(a, [(m - 1, m - 1)])
    elif mode == "same":
        left = m // 2
        padded = shaping.pad(a, [(left, m - 1 - left)])
    else:
        padded = a
    frames = padded.shape[0] - m + 1
    idx = np.arange(frames)[:, None] + np.arange(m)[None, :]
    from ember.ops.indexing import take

    windows = take(padded, idx, axis=0)  # (frames, m)
    return matmul(windows, b)


@keras_op
def cdist(x: Any, y: Any) -> Tensor:
    """Euclidean distances between the rows of x (..., n, d) and of y (..., m, d):
    shape (..., n, m).

    Example:
        >>> ember.ops.cdist([[0.0, 0.0]], [[3.0, 4.0], [0.0, 1.0]]).numpy()
        array([[5., 1.]], dtype=float32)
    """
    a, b = ew._float_input(x), ew._float_input(y)
    if a.ndim < 2 or b.ndim < 2:
        raise ValueError(f"cdist: inputs must have rank >= 2, received {a.shape} and {b.shape}")
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(
            f"cdist: the last axes must match, received shapes {a.shape} and {b.shape}"
        )
    diff = ew.subtract(shaping.expand_dims(a, -2), shaping.expand_dims(b, -3))
    return ew.sqrt(red.sum(ew.square(diff), axis=-1))


# ------------------------------------------------------------------ einsum
_LETTERS = string.ascii_letters


def _parse_einsum(subscripts: str, shapes: list[tuple[int, ...]]) -> tuple[list[str], str]:
    """Explicit input and output subscripts, with ``...`` spelled out as letters."""
    spec = subscripts.replace(" ", "")
    if "->" in spec:
        lhs, out = spec.split("->")
    else:
        lhs, out = spec, None
    inputs = lhs.split(",")
    if len(inputs) != len(shapes):
        raise ValueError(
            f"einsum: the subscripts name {len(inputs)} operands but {len(shapes)} were given"
        )
    used = set(c for c in spec if c.isalpha())
    spare = [c for c in _LETTERS if c not in used]
    ell_rank = 0
    for s, shape in zip(inputs, shapes):
        if "..." in s:
            ell_rank = max(ell_rank, len(shape) - (len(s) - 3))
    ell = "".join(spare[:ell_rank])
    expanded = []
    for s, shape in zip(inputs, shapes):
        if "..." in s:
            k = len(shape) - (len(s) - 3)
            s = s.replace("...", ell[ell_rank - k :] if k else "")
        if len(s) != len(shape):
            raise ValueError(
                f"einsum: subscripts {s!r} do not match an operand of rank {len(shape)}"
            )
        expanded.append(s)
    if out is None:
        counts: dict[str, int] = {}
        for s in expanded:
            for c in s:
                counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    else:
        out = out.replace("...", ell)
    return expanded, out


class Einsum(Function):
    """An einsum over explicit subscripts; the gradient of each operand is the einsum of the
    output gradient with the other operands (letters the operand alone sums over are
    broadcast back)."""

    def forward(self, *operands: Any, inputs: list[str], output: str) -> Any:
        self.operands, self.inputs_spec, self.output = operands, inputs, output
        spec = ",".join(inputs) + "->" + output
        return np.asarray(np.einsum(spec, *operands, optimize=True), np.float32)

    def backward(self, g: Any):
        grads = []
        for i, (op, sub) in enumerate(zip(self.operands, self.inputs_spec)):
            if not self.needs_input_grad[i]:
                grads.append(None)
                continue
            if len(set(sub)) != len(sub):
                raise NotImplementedError(
                    f"einsum: the gradient through repeated subscripts ({sub!r}) is not implemented"
                )
            others = [
                (o, s) for j, (o, s) in enumerate(zip(self.operands, self.inputs_spec)) if j != i
            ]
            available = set(self.output).union(*[set(s) for _, s in others])
            reachable = "".join(c for c in sub if c in available)
            spec = ",".join([self.output] + [s for _, s in others]) + "->" + reachable
            grad = np.einsum(spec, g, *[o for o, _ in others], optimize=True)
            if reachable != sub:  # letters only this operand had were summed away: broadcast
                grad = np.expand_dims(
                    grad, tuple(k for k, c in enumerate(sub) if c not in available)
                )
                grad = np.broadcast_to(grad, np.shape(op))
            grads.append(unbroadcast(np.asarray(grad, np.float32), np.shape(op)))
        return tuple(grads)


@keras_op
def einsum(subscripts: str, *operands: Any, **kwargs: Any) -> Tensor:
    """Einstein summation over the operands, e.g. ``"bij,bjk->bik"`` (``...`` allowed;
    without ``->`` the output holds the letters that appear once, sorted).

    Example:
        >>> ember.ops.einsum("i,i->", [1.0, 2.0], [3.0, 4.0]).numpy()
        array(11., dtype=float32)
    """
    if kwargs:
        raise NotImplementedError(f"einsum: the arguments {sorted(kwargs)} are not supported")
    if not isinstance(subscripts, str):
        raise TypeError(f"einsum: `subscripts` must be a string, received {subscripts!r}")
    tensors = [convert(o) for o in operands]
    dtype = result_type(*[t.dtype for t in tensors])
    tensors = [cast(t, dtype) for t in tensors]
    inputs, output = _parse_einsum(subscripts, [t.shape for t in tensors])
    try:
        if dtype != "float32":
            out = np.einsum(",".join(inputs) + "->" + output, *[t.data for t in tensors])
            return Tensor(np.asarray(out).astype(dtype, copy=False))
        return Einsum.apply(*tensors, inputs=inputs, output=output)
    except ValueError as err:
        raise ValueError(f"einsum: {err} (subscripts {subscripts!r})") from None


# The Keras names this module provides (ember.ops gathers them).
__all__ = [
    "cdist",
    "correlate",
    "cross",
    "dot",
    "einsum",
    "inner",
    "kron",
    "matmul",
    "outer",
    "tensordot",
    "vdot",
]
