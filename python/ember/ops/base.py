"""What every public ``ember.ops`` function shares: the ``keras_op`` decorator, converting
arguments as Keras does, Keras' dtype promotion, axis checks and two generic Functions
(``Rearrange`` for ops that only move or repeat elements, ``Cast``).

Keras' promotion (TensorFlow backend) for the dtypes ember stores: bool < unsigned and signed
integers < float32; an unsigned and a signed integer meet at the next signed width
(uint8 + int8 -> int16, uint32 + int32 -> int64, uint64 + a signed integer -> float32); a
result of uint64 becomes uint32 (as Keras' TensorFlow backend gives). Python numbers are
"weak": ``int32 tensor + 1`` stays int32, ``int32 tensor * 0.5`` is float32, a bool tensor with
a Python int is int32. Python lists and scalars become int32, float32 or bool tensors, numpy
arrays keep their integer dtype.

Example:
    >>> from ember.ops.base import result_type
    >>> result_type("uint8", "int8"), result_type("int32", 1.5), result_type("bool", 1)
    ('int16', 'float32', 'int32')
"""

from __future__ import annotations

import builtins
import functools
import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from ember.autograd import Function, Tensor, as_array, cast_array, standardize_dtype
from ember.device import DeviceArray
from ember.ops import dispatch

__all__ = [
    "Cast",
    "Rearrange",
    "cast",
    "convert",
    "is_float",
    "keras_op",
    "normalize_axes",
    "normalize_axis",
    "rearrange",
    "result_type",
]

_PY_NUMBERS = (bool, int, float)


# ------------------------------------------------------------------ the decorator
def _on_cuda(values: Any) -> bool:
    for v in values:
        data = v.data if isinstance(v, Tensor) else v
        if isinstance(data, DeviceArray):
            return True
        if isinstance(v, (list, tuple)) and _on_cuda(v):
            return True
    return False


def keras_op(fn: Callable[..., Any] | None = None, *, name: str | None = None) -> Any:
    """Decorator for a public op: registers it (``dispatch.public_op``), so a call on the
    symbolic tensors of a functional model becomes a graph node, and turns "numpy cannot do
    this on a CUDA array" into ``NotImplementedError`` naming the op and cuda.

    Example:
        >>> @keras_op
        ... def twice_plus_one(x):
        ...     return convert(x) * 2 + 1
        >>> twice_plus_one([1.0]).numpy()
        array([3.], dtype=float32)
    """

    def wrap(f: Callable[..., Any]) -> Callable[..., Any]:
        op_name = name or f.__name__

        @functools.wraps(f)
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                return f(*args, **kwargs)
            except TypeError as err:
                if "CUDA array" in str(err) and _on_cuda((*args, *kwargs.values())):
                    raise NotImplementedError(
                        f"ops.{op_name} is not implemented on cuda ({err}); run it on cpu"
                    ) from err
                raise

        return dispatch.public_op(run, name=op_name)

    return wrap(fn) if fn is not None else wrap


def not_implemented(name: str, reason: str) -> Callable[..., Any]:
    """A stand-in for a Keras op ember does not provide: raises NotImplementedError naming it.

    Example:
        >>> fft = not_implemented("fft", "ember has no complex dtype")
        >>> fft(ember.tensor([1.0]))
        Traceback (most recent call last):
        ...
        NotImplementedError: ops.fft is not implemented in ember: ember has no complex dtype
    """

    def stub(*args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"ops.{name} is not implemented in ember: {reason}")

    stub.__name__ = stub.__qualname__ = name
    stub.__doc__ = f"Not implemented in ember ({reason}); raises NotImplementedError."
    stub.__ember_not_implemented__ = reason  # type: ignore[attr-defined]  (see _not_implemented)
    stub.not_implemented = reason  # type: ignore[attr-defined]
    return stub


# ------------------------------------------------------------------ conversion
def convert(x: Any, dtype: Any = None) -> Tensor:
    """``x`` as a Tensor, as Keras' ``convert_to_tensor``: Tensors pass through; Python numbers
    and lists become int32 (integers), float32 or bool; numpy arrays keep integer and boolean
    dtypes (floats become float32). ``dtype`` casts (no gradient flows through a cast to a
    non-float type).

    Example:
        >>> convert([1, 2]).dtype, convert(np.array([1, 2])).dtype
        (dtype('int32'), dtype('int64'))
    """
    if isinstance(x, Tensor):
        t = x
    elif type(x) is np.ndarray or isinstance(x, (np.generic, DeviceArray)):
        t = Tensor(x)
    else:
        if isinstance(x, (list, tuple)) and any(isinstance(v, Tensor) for v in _leaves(x)):
            from ember.ops.shaping import stack

            return stack(list(x), axis=0) if dtype is None else cast(stack(list(x)), dtype)
        try:
            arr = np.asarray(x)
        except (ValueError, TypeError) as err:
            raise TypeError(f"Cannot convert {x!r} to a tensor: {err}") from None
        if arr.dtype == np.int64 and _python_ints(x):
            arr = arr.astype(np.int32)
        t = Tensor(arr)
    if dtype is not None:
        return cast(t, dtype)
    return t


def _leaves(x: Any) -> list:
    out: list = []
    stack = [x]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        else:
            out.append(item)
    return out


def _python_ints(x: Any) -> bool:
    """Whether x is a Python int or a (nested) list of them, not a numpy array."""
    if isinstance(x, (list, tuple)):
        return all(_python_ints(v) for v in x)
    return isinstance(x, int) and not isinstance(x, np.integer)


def operand(x: Any) -> Any:
    """A binary op's operand: Python numbers stay (Keras treats them as weak), anything else
    becomes a Tensor."""
    if type(x) in _PY_NUMBERS:
        return x
    return convert(x)


def dtype_of(x: Any) -> Any:
    """Keras' dtype name of a Tensor / array, or the Python type of a weak scalar."""
    if type(x) in _PY_NUMBERS:
        return type(x)
    return standardize_dtype(x.dtype)


# ------------------------------------------------------------------ promotion
_INTS = {
    "uint8": (False, 8),
    "uint16": (False, 16),
    "uint32": (False, 32),
    "uint64": (False, 64),
    "int8": (True, 8),
    "int16": (True, 16),
    "int32": (True, 32),
    "int64": (True, 64),
}


def _join(a: str, b: str) -> str:
    if a == b:
        return a
    if a == "bool":
        return b
    if b == "bool":
        return a
    if a == "float32" or b == "float32":
        return "float32"
    if a == "string" or b == "string":
        raise TypeError(f"Cannot combine a string tensor with a {b if a == 'string' else a} one")
    (sa, ba), (sb, bb) = _INTS[a], _INTS[b]
    if sa == sb:
        return a if ba >= bb else b
    if not sa:  # make a the signed one
        (sa, ba), (sb, bb) = (sb, bb), (sa, ba)
    # a signed (ba bits), b unsigned (bb bits)
    if bb == 64:
        return "float32"
    return f"int{builtins.max(ba, 2 * bb)}"


def result_type(*dtypes: Any) -> str:
    """The dtype Keras gives an op over operands of these dtypes: dtype names, numpy dtypes,
    or the Python types ``int``, ``float`` and ``bool`` for weak scalars.

    Example:
        >>> result_type("int32", "int64"), result_type("uint8", int), result_type(int, float)
        ('int64', 'uint8', 'float32')
    """
    strong: list[str] = []
    weak: set[type] = set()
    for d in dtypes:
        # identity, not ==: np.dtype("int64") == int holds
        if d is int or d is float or d is bool:
            weak.add(d)
        elif type(d) in (int, float, bool):
            weak.add(type(d))
        else:
            strong.append(standardize_dtype(d))
    if not strong:
        if float in weak:
            return "float32"
        if int in weak:
            return "int32"
        return "bool"
    out = functools.reduce(_join, strong)
    if float in weak and out != "float32":
        out = "float32"
    elif int in weak and out == "bool":
        out = "int32"
    if out == "uint64" and (len(strong) > 1 or weak):
        out = "uint32"  # Keras' TensorFlow backend computes uint64 pairs in uint32
    return out


def is_float(dtype: Any) -> bool:
    return standardize_dtype(dtype) == "float32"


def float_type(dtype: Any) -> str:
    """float32 for every ember dtype (ember's one float type): what math ops on integers give."""
    return "float32"


# ------------------------------------------------------------------ casts
class Cast(Function):
    """A float tensor cast to another float type (a no-op in ember); gradients pass."""

    def forward(self, x: Any) -> Any:
        return x

    def backward(self, g: Any):
        return (g,)


def cast(x: Any, dtype: Any) -> Tensor:
    """``x`` converted to ``dtype``; floats become integers by truncation toward zero. The
    gradient flows only from float to float.

    Example:
        >>> cast(ember.tensor([1.7, -2.5]), "int32").numpy()
        array([ 1, -2], dtype=int32)
    """
    t = x if isinstance(x, Tensor) else convert(x)
    name = standardize_dtype(dtype)
    if standardize_dtype(t.dtype) == name:
        return t
    return Tensor(cast_array(t.data, name))


def cast_to(x: Any, dtype: str) -> Any:
    """A binary op's operand cast to the op's compute dtype: weak Python numbers stay Python
    numbers unless the dtype is integral and they are floats."""
    if type(x) in _PY_NUMBERS:
        if dtype == "float32":
            return float(x)
        if dtype == "bool":
            return bool(x)
        return int(x)
    if standardize_dtype(x.dtype) == dtype:
        return x
    return Tensor(cast_array(x.data, dtype))


# ------------------------------------------------------------------ axes
def normalize_axis(axis: Any, ndim: int, op: str, arg: str = "axis") -> int:
    """``axis`` in [0, ndim); ValueError naming the op when it is out of range.

    Example:
        >>> normalize_axis(-1, 3, "sum")
        2
    """
    try:
        a = operator.index(axis)
    except TypeError:
        raise TypeError(
            f"{op}: `{arg}` must be an integer, received {axis!r} of type {type(axis).__name__}"
        ) from None
    if not -ndim <= a < builtins.max(ndim, 1):
        raise ValueError(
            f"{op}: `{arg}`={axis} is out of range for a tensor of rank {ndim}; expected an "
            f"axis in [{-ndim}, {builtins.max(ndim - 1, 0)}]"
        )
    return a % ndim if ndim else 0


def normalize_axes(axis: Any, ndim: int, op: str, arg: str = "axis") -> tuple[int, ...]:
    """``axis`` (None = all, an int, or a sequence) as a sorted tuple of distinct axes."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (list, tuple)):
        axes = tuple(normalize_axis(a, ndim, op, arg) for a in axis)
    else:
        axes = (normalize_axis(axis, ndim, op, arg),)
    if len(set(axes)) != len(axes):
        raise ValueError(f"{op}: `{arg}` repeats an axis: {axis!r}")
    return tuple(sorted(axes))


def as_shape(shape: Any, op: str, arg: str = "shape") -> tuple[int, ...]:
    """A shape given as an int, a sequence of ints or a 1-D integer tensor."""
    if isinstance(shape, Tensor):
        shape = shape.numpy().tolist()
    elif isinstance(shape, np.ndarray):
        shape = shape.tolist()
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    try:
        dims = tuple(operator.index(d) for d in shape)
    except TypeError:
        raise TypeError(
            f"{op}: `{arg}` must be an int or a sequence of ints, received {shape!r}"
        ) from None
    return dims


def check_nonnegative_shape(dims: tuple[int, ...], op: str, arg: str = "shape") -> None:
    if any(d < 0 for d in dims):
        raise ValueError(f"{op}: `{arg}` must not have negative sizes, received {dims}")


# ------------------------------------------------------------------ moving elements
class Rearrange(Function):
    """An op that only moves, repeats or drops elements (flip, roll, tile, take, pad, ...):
    ``forward`` applies ``fn`` to the array. ``backward`` applies ``index_fn`` (default:
    ``fn``) to the element numbers ``1..n`` to learn where each output element came from (0:
    from nowhere, e.g. constant padding) and adds the gradient back there."""

    def forward(self, x: Any, fn: Callable[[Any], Any], index_fn: Any) -> Any:
        self.shape, self.index_fn = x.shape, index_fn or fn
        out = fn(x)
        return np.asarray(out) if isinstance(out, np.generic) else out

    def backward(self, g: Any):
        size = int(np.prod(self.shape, dtype=np.int64))
        numbers = np.arange(1, size + 1, dtype=np.int64).reshape(self.shape)
        flat_src = np.asarray(self.index_fn(numbers)).reshape(-1) - 1
        flat_g = np.asarray(g, np.float64).reshape(-1)
        keep = flat_src >= 0
        if not keep.all():
            flat_src, flat_g = flat_src[keep], flat_g[keep]
        dx = np.bincount(flat_src, weights=flat_g, minlength=size)
        return dx.astype(np.float32).reshape(self.shape), None, None


def rearrange(
    x: Tensor, fn: Callable[[Any], Any], index_fn: Callable[[Any], Any] | None = None
) -> Tensor:
    """``fn(x)`` for an ``fn`` that only moves, repeats or drops elements. Elements that come
    from nowhere (constant padding) need an ``index_fn`` doing the same with zeros there
    (``fn`` itself when it already fills with zeros). Differentiable for float tensors.

    Example:
        >>> x = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
        >>> rearrange(x, lambda a: a[::-1][:2]).sum().backward(); x.grad
        array([0., 1., 1.], dtype=float32)
    """
    if x.dtype.kind != "f":
        out = fn(x.data)
        return Tensor(np.asarray(out) if isinstance(out, np.generic) else out)
    return Rearrange.apply(x, fn, index_fn)


def array_of(x: Any) -> Any:
    """The storage of a Tensor, else ``as_array(x)``."""
    return x.data if isinstance(x, Tensor) else as_array(x)
