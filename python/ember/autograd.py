"""Reverse-mode automatic differentiation: ``Tensor``, ``Function`` and the tape.

A ``Tensor`` holds a float32 numpy array, an optional gradient and, when it was produced by a
differentiable op while gradients are recorded, the ``Function`` that made it.

Every op is a ``Function`` run through ``apply``, one contract for all of them:

- ``apply`` decides before ``forward`` runs whether the call is recorded, and tells it:
  ``needs_input_grad`` has one bool per positional argument (True only for a float Tensor
  that requires a gradient while recording is on) and ``record`` says whether any does, so
  ``forward`` can skip what only ``backward`` would use.
- ``backward`` returns one gradient slot per positional argument of ``forward``, None where
  the argument is not a Tensor or needs no gradient. An optional Tensor argument is passed
  as None, never left out, so its slot stays where it is.

``Tensor.backward()`` walks the recorded functions in reverse topological order, accumulates
gradients into the leaves and then releases the graph.

Example:
    >>> import numpy as np, ember
    >>> x = ember.tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    >>> y = (x * x).sum()
    >>> y.backward()
    >>> x.grad
    array([2., 4., 6.], dtype=float32)
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from ember import device as _device
from ember.device import DeviceArray

__all__ = [
    "Function",
    "Tensor",
    "Variable",
    "enable_grad",
    "is_grad_enabled",
    "no_grad",
    "real_numpy_dtype",
    "standardize_dtype",
    "tensor",
    "tensor_of",
]


class _GradState(threading.local):
    """Per-thread recording switch. ``__init__`` runs once in each thread that reads it, so the
    flag is always a plain attribute (a ``getattr`` default on a bare ``threading.local`` takes
    the slow missing-attribute path on every op until ``no_grad`` has been used once)."""

    def __init__(self) -> None:
        self.grad_enabled = True


_state = _GradState()


def is_grad_enabled() -> bool:
    """Whether ops record the graph for ``backward`` (thread-local, default True)."""
    return _state.grad_enabled


@contextlib.contextmanager
def no_grad() -> Iterator[None]:
    """Context manager under which no graph is recorded (inference, optimizer updates).

    Example:
        >>> with ember.no_grad():
        ...     y = ember.tensor([1.0], requires_grad=True) * 2
        >>> y.requires_grad
        False
    """
    before = is_grad_enabled()
    _state.grad_enabled = False
    try:
        yield
    finally:
        _state.grad_enabled = before


@contextlib.contextmanager
def enable_grad() -> Iterator[None]:
    """Context manager that turns graph recording back on inside ``no_grad``."""
    before = is_grad_enabled()
    _state.grad_enabled = True
    try:
        yield
    finally:
        _state.grad_enabled = before


def as_float32(data: Any) -> Any:
    """``data`` as a float32 ndarray (no copy when it already is one); device arrays (which
    ``np.asarray`` would refuse) stay on their device."""
    if type(data) is np.ndarray:
        arr = data
    elif isinstance(data, Tensor):
        return as_float32(data.data)
    elif isinstance(data, DeviceArray):
        return data if data.dtype == np.float32 else data.astype(np.float32)
    else:
        arr = np.asarray(data)
    if arr.dtype != np.float32:
        if arr.dtype.kind not in "fiub":
            raise TypeError(f"expected real numbers, received dtype {arr.dtype}")
        arr = arr.astype(np.float32)
    return arr


# dtype kinds a Tensor keeps as they are: integers, booleans and strings (ids, masks, labels,
# text). Floats become float32, the one float type ember computes in.
_KEPT_KINDS = frozenset("iubUS")


def as_array(data: Any) -> Any:
    """``data`` as a Tensor's storage: float data as float32, integer, boolean and string data
    unchanged (no copy when nothing changes); device arrays stay on their device.

    Example:
        >>> from ember.autograd import as_array
        >>> as_array([1.5]).dtype, as_array(np.array([1, 2], np.int32)).dtype
        (dtype('float32'), dtype('int32'))
    """
    if type(data) is np.ndarray:
        arr = data
    elif isinstance(data, Tensor):
        return data.data
    elif isinstance(data, DeviceArray):
        kept = (np.float32, np.int32, np.int64, np.bool_)  # comparisons give bool device arrays
        return data if data.dtype in kept else data.astype(np.float32)
    else:
        arr = np.asarray(data)
    dtype = arr.dtype
    if dtype == np.float32 or dtype.kind in _KEPT_KINDS:
        return arr
    if dtype.kind == "f":
        return arr.astype(np.float32)
    if dtype.kind == "O" and arr.size and all(isinstance(v, (str, bytes)) for v in arr.flat):
        return arr.astype(str)
    raise TypeError(
        f"a Tensor holds numbers, booleans or strings; received an array of dtype {dtype}"
    )


class Function:
    """A differentiable operation. Subclasses implement ``forward`` and ``backward``.

    ``Op.apply(*args, **kwargs)`` runs ``forward(*args, **kwargs)`` with every Tensor argument
    unwrapped to its array; other arguments (None for an absent optional Tensor, shapes,
    settings) pass through unchanged. ``forward`` returns an array or a tuple of arrays, which
    come back as Tensors, and may save on ``self`` what ``backward`` needs.

    Before ``forward`` runs, ``apply`` sets:

    - ``self.needs_input_grad``: one bool per positional argument, True where the argument is
      a float Tensor that requires a gradient while gradients are recorded; False for
      non-Tensors, None, Tensors that need no gradient and non-float Tensors.
    - ``self.record``: whether the call is recorded for ``backward`` (any of those is True).
      When it is False, ``backward`` never runs: ``forward`` may skip what only backward
      needs.

    ``backward(*grads)`` receives one gradient per output (None for an output of a
    multi-output op that received none) and returns one slot per positional argument of
    ``forward``, in order: a gradient of that argument's shape, or None. Slots whose
    ``needs_input_grad`` is False are ignored, so ``backward`` may compute only the needed
    ones. Keyword arguments get no slot.

    Example:
        >>> class ScaleShift(Function):
        ...     # y = x * scale + shift; scale is a number, shift a Tensor or None
        ...     def forward(self, x, scale, shift):
        ...         self.scale = scale
        ...         return x * scale if shift is None else x * scale + shift
        ...     def backward(self, g):
        ...         need_x, _, need_shift = self.needs_input_grad
        ...         dx = g * self.scale if need_x else None
        ...         dshift = g.sum(axis=0) if need_shift else None
        ...         return dx, None, dshift
        >>> x = ember.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        >>> shift = ember.tensor([0.5, 0.5], requires_grad=True)
        >>> ScaleShift.apply(x, 3.0, shift).sum().backward()
        >>> x.grad, shift.grad
        (array([[3., 3.],
               [3., 3.]], dtype=float32), array([2., 2.], dtype=float32))
        >>> ScaleShift.apply(x, 3.0, None).shape
        (2, 2)
    """

    # Set per call by ``apply`` (these class defaults are what a released Function shows).
    inputs: tuple[Any, ...] = ()  # the positional arguments of a recorded call
    needs_input_grad: tuple[bool, ...] = ()
    record: bool = False

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError  # pragma: no cover - abstract

    def backward(self, *grads: np.ndarray | None) -> Sequence[np.ndarray | None]:
        raise NotImplementedError  # pragma: no cover - abstract

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Runs the op; records it on the tape when a Tensor argument needs a gradient."""
        fn = cls()
        if _state.grad_enabled:
            # ``kind == "f"``: an int or bool Tensor (ids, masks) never needs a gradient,
            # whatever its requires_grad says.
            needs = tuple(
                [
                    isinstance(a, Tensor) and a.requires_grad and a.data.dtype.kind == "f"
                    for a in args
                ]
            )
            record = True in needs
        else:
            needs, record = (False,) * len(args), False
        fn.needs_input_grad = needs
        fn.record = record
        out = fn.forward(*[a.data if isinstance(a, Tensor) else a for a in args], **kwargs)
        if not record:
            if isinstance(out, tuple):
                return tuple(Tensor(o, _index=i) for i, o in enumerate(out))
            return Tensor(out)
        fn.inputs = args
        for a, need in zip(args, needs):
            if need:
                a._uses += 1
        if isinstance(out, tuple):
            fn._n_outputs = len(out)
            return tuple(
                Tensor(o, requires_grad=True, _ctx=fn, _index=i) for i, o in enumerate(out)
            )
        fn._n_outputs = 1
        return Tensor(out, requires_grad=True, _ctx=fn)


_F32 = np.dtype(np.float32)


def _float32_pair(a: Tensor, b: Any) -> bool:
    """Whether ``a <op> b`` is float32 with float32 (or a Python number): the operators then
    take the internal ops (the layers' fast path); other dtypes go through ``ember.ops``,
    which promotes them as Keras does."""
    if a.data.dtype != _F32:
        return False
    kind = type(b)
    return kind is float or kind is int or (isinstance(b, Tensor) and b.data.dtype == _F32)


class Tensor:
    """An array with an optional gradient and the op that produced it.

    Float data is stored as float32, the type ember computes in; integer, boolean and string
    data (ids, masks, labels, text) keep their dtype and never carry a gradient.

    Example:
        >>> t = ember.tensor([[1.0, 2.0]], requires_grad=True)
        >>> t.shape, t.dtype
        ((1, 2), dtype('float32'))
        >>> ember.Tensor(np.array([3, 1], np.int32)).dtype
        dtype('int32')
    """

    __slots__ = (
        "data",
        "grad",
        "requires_grad",
        "_ctx",
        "_index",
        "_keras_logits",
        "_keras_mask",
        "_uses",
        "__weakref__",
    )
    __array_priority__ = 1000  # numpy defers arithmetic with Tensors to Tensor's operators

    def __init__(
        self,
        data: Any,
        requires_grad: bool = False,
        _ctx: Function | None = None,
        _index: int = 0,
    ) -> None:
        self.data = as_array(data)
        self.grad: np.ndarray | None = None
        self.requires_grad = bool(requires_grad)
        self._ctx = _ctx
        self._index = _index
        self._keras_logits: Tensor | None = None  # set by softmax/sigmoid, read by losses
        self._keras_mask: Any = None  # per-timestep mask (Embedding(mask_zero) -> RNNs)
        # Recorded ops that read this tensor: an op may fold work into its producer's backward
        # only when it is the single consumer (see ops.pooling.MaxPool2D).
        self._uses = 0

    # ----------------------------------------------------------------------- inspection
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def device(self) -> str:
        """Where the values live: ``"cpu"`` or ``"cuda"``.

        Example:
            >>> ember.tensor([1.0]).device
            'cpu'
        """
        return _device.of(self.data)

    def to(self, device: str) -> Tensor:
        """This tensor on ``device`` (``"cpu"``, ``"cuda"`` or ``"cuda:0"``): itself when it is
        already there, else a copy that gradients flow back through. Raises ValueError for an
        unknown device and RuntimeError ``"CUDA is unavailable: <reason>"`` when CUDA cannot be
        used.

        Example:
            >>> t = ember.tensor([1.0, 2.0])
            >>> t.to("cpu") is t
            True
        """
        target = _device.parse(device)
        if _device.of(self.data) == target:
            return self
        return ToDevice.apply(self, target)

    def cpu(self) -> Tensor:
        """This tensor on the CPU (itself when it is already there).

        Example:
            >>> t = ember.tensor([1.0])
            >>> t.cpu() is t
            True
        """
        return self.to(_device.CPU)

    def cuda(self) -> Tensor:
        """This tensor on the GPU (RuntimeError when CUDA is unavailable)."""
        return self.to(_device.CUDA)

    def numpy(self) -> np.ndarray:
        """The values as a numpy array: the storage itself on the CPU, a copy from the GPU."""
        data = self.data
        return data if type(data) is np.ndarray else _device.host(data)

    def item(self) -> float:
        return self.data.item()

    def __len__(self) -> int:
        return len(self.data)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        data = self.numpy()
        return data if dtype is None else data.astype(dtype)

    def __repr__(self) -> str:
        grad = ", requires_grad=True" if self.requires_grad else ""
        where = "" if type(self.data) is np.ndarray else f", device='{self.device}'"
        return f"Tensor({np.array2string(self.numpy(), separator=', ')}{where}{grad})"

    # Python scalars from tensors, as TensorFlow allows them: int() and float() of a 0-d
    # tensor, bool() of a one-element tensor, operator.index() of a 0-d integer tensor; other
    # shapes raise numpy's TypeError (ValueError for bool() of several elements).
    def __float__(self) -> float:
        return float(_device.host(self.data))

    def __int__(self) -> int:
        return int(_device.host(self.data))

    def __index__(self) -> int:
        data = _device.host(self.data)
        if data.ndim != 0 or data.dtype.kind not in "iu":
            raise TypeError(
                "only integer scalar tensors can be converted to a scalar index; received a "
                f"tensor of shape {data.shape} and dtype {data.dtype}"
            )
        return int(data)

    def __bool__(self) -> bool:
        return bool(_device.host(self.data))

    def __hash__(self) -> int:
        return id(self)

    def detach(self) -> Tensor:
        """The same values, cut from the graph."""
        return Tensor(self.data)

    # ----------------------------------------------------------------------- arithmetic
    def __add__(self, other: Any) -> Tensor:
        if _float32_pair(self, other):
            from ember.ops import math

            return math.add(self, other)
        from ember.ops import elementwise

        return elementwise.add(self, other)

    def __radd__(self, other: Any) -> Tensor:
        if _float32_pair(self, other):
            from ember.ops import math

            return math.add(other, self)
        from ember.ops import elementwise

        return elementwise.add(other, self)

    def __sub__(self, other: Any) -> Tensor:
        if _float32_pair(self, other):
            from ember.ops import math

            return math.subtract(self, other)
        from ember.ops import elementwise

        return elementwise.subtract(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        if _float32_pair(self, other):
            from ember.ops import math

            return math.subtract(other, self)
        from ember.ops import elementwise

        return elementwise.subtract(other, self)

    def __mul__(self, other: Any) -> Tensor:
        if _float32_pair(self, other):
            from ember.ops import math

            return math.multiply(self, other)
        from ember.ops import elementwise

        return elementwise.multiply(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        if _float32_pair(self, other):
            from ember.ops import math

            return math.multiply(other, self)
        from ember.ops import elementwise

        return elementwise.multiply(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        if _float32_pair(self, other):
            from ember.ops import math

            return math.divide(self, other)
        from ember.ops import elementwise

        return elementwise.divide(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        if _float32_pair(self, other):
            from ember.ops import math

            return math.divide(other, self)
        from ember.ops import elementwise

        return elementwise.divide(other, self)

    def __matmul__(self, other: Any) -> Tensor:
        from ember.ops import math

        return math.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        from ember.ops import math

        return math.matmul(other, self)

    def __pow__(self, exponent: Any) -> Tensor:
        if _float32_pair(self, exponent) and not isinstance(exponent, Tensor):
            from ember.ops import math

            return math.power(self, exponent)
        from ember.ops import elementwise

        return elementwise.power(self, exponent)

    def __neg__(self) -> Tensor:
        from ember.ops import math

        return math.negative(self)

    def __rpow__(self, base: Any) -> Tensor:
        from ember.ops import elementwise

        return elementwise.power(base, self)

    def __floordiv__(self, other: Any) -> Tensor:
        from ember.ops import elementwise

        return elementwise.floor_divide(self, other)

    def __rfloordiv__(self, other: Any) -> Tensor:
        from ember.ops import elementwise

        return elementwise.floor_divide(other, self)

    def __mod__(self, other: Any) -> Tensor:
        from ember.ops import elementwise

        return elementwise.mod(self, other)

    def __rmod__(self, other: Any) -> Tensor:
        from ember.ops import elementwise

        return elementwise.mod(other, self)

    def __abs__(self) -> Tensor:
        from ember.ops import elementwise

        return elementwise.abs(self)

    def __pos__(self) -> Tensor:
        return self

    # Comparisons are elementwise and give bool Tensors (as TensorFlow's); a Tensor stays
    # hashable by identity (__hash__ above), so it can still key a dict.
    def __lt__(self, other: Any) -> Tensor:
        from ember.ops import elementwise

        return elementwise.less(self, other)

    def __le__(self, other: Any) -> Tensor:
        from ember.ops import elementwise

        return elementwise.less_equal(self, other)

    def __gt__(self, other: Any) -> Tensor:
        from ember.ops import elementwise

        return elementwise.greater(self, other)

    def __ge__(self, other: Any) -> Tensor:
        from ember.ops import elementwise

        return elementwise.greater_equal(self, other)

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        from ember.ops import elementwise

        return elementwise.equal(self, other)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        from ember.ops import elementwise

        return elementwise.not_equal(self, other)

    # &, |, ^ and ~: logical on bool tensors, bitwise on integers (as TensorFlow's).
    def _bitwise(self, other: Any, logical: str, bitwise: str, swap: bool = False) -> Tensor:
        from ember.ops import elementwise

        a, b = (other, self) if swap else (self, other)
        kinds = {
            getattr(getattr(v, "dtype", None), "kind", "b" if type(v) is bool else "i")
            for v in (a, b)
        }
        return getattr(elementwise, logical if kinds == {"b"} else bitwise)(a, b)

    def __and__(self, other: Any) -> Tensor:
        return self._bitwise(other, "logical_and", "bitwise_and")

    def __rand__(self, other: Any) -> Tensor:
        return self._bitwise(other, "logical_and", "bitwise_and", swap=True)

    def __or__(self, other: Any) -> Tensor:
        return self._bitwise(other, "logical_or", "bitwise_or")

    def __ror__(self, other: Any) -> Tensor:
        return self._bitwise(other, "logical_or", "bitwise_or", swap=True)

    def __xor__(self, other: Any) -> Tensor:
        return self._bitwise(other, "logical_xor", "bitwise_xor")

    def __rxor__(self, other: Any) -> Tensor:
        return self._bitwise(other, "logical_xor", "bitwise_xor", swap=True)

    def __invert__(self) -> Tensor:
        from ember.ops import elementwise

        if self.dtype.kind == "b":
            return elementwise.logical_not(self)
        return elementwise.bitwise_invert(self)

    def __getitem__(self, index: Any) -> Tensor:
        from ember.ops import math

        return math.getitem(self, index)

    def sum(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        from ember.ops import math

        return math.sum(self, axis=axis, keepdims=keepdims)

    def mean(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        from ember.ops import math

        return math.mean(self, axis=axis, keepdims=keepdims)

    def reshape(self, *shape: Any) -> Tensor:
        from ember.ops import math

        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return math.reshape(self, shape)

    def transpose(self, *axes: Any) -> Tensor:
        from ember.ops import math

        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return math.transpose(self, axes or None)

    @property
    def T(self) -> Tensor:  # noqa: N802 - numpy's name
        return self.transpose()

    def exp(self) -> Tensor:
        from ember.ops import math

        return math.exp(self)

    def log(self) -> Tensor:
        from ember.ops import math

        return math.log(self)

    # ----------------------------------------------------------------------- autograd
    def backward(self, grad: Any = None, retain_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``.

        ``grad`` defaults to ones for a single-element tensor; for other shapes it must be
        given. The graph is released afterwards unless ``retain_graph`` is set.
        """
        if not self.requires_grad:
            raise RuntimeError("backward() on a Tensor that does not require grad")
        if grad is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward() needs a gradient for a non-scalar Tensor of shape {self.shape}"
                )
            seed = np.ones_like(self.data)
        else:
            seed = _device.to(as_float32(grad), self.device)
            if seed.shape != self.shape:
                raise ValueError(
                    f"backward(): gradient shape {seed.shape} does not match the tensor's "
                    f"{self.shape}"
                )
        if self._ctx is None:
            self._accumulate(seed)
            return
        run_backward(self, seed, retain_graph)

    def _accumulate(self, g: np.ndarray) -> None:
        # Never in place: g may be shared with another input of the same op.
        self.grad = g if self.grad is None else self.grad + g


class ToDevice(Function):
    """A copy to another device; the gradient is copied back."""

    def forward(self, x: Any, target: str) -> Any:
        self.source = _device.of(x)
        return _device.to(x, target)

    def backward(self, g: Any):
        return _device.to(g, self.source), None


def _topological_order(root: Function) -> list[Function]:
    """Functions reachable from root through arguments that need a gradient, each after every
    function that consumes its outputs."""
    order: list[Function] = []
    seen: set[int] = {id(root)}
    # (function, index of the next argument to visit): an explicit stack, as deep graphs (a
    # long RNN unrolled by a user's cell) would overflow Python's recursion limit.
    stack: list[tuple[Function, int]] = [(root, 0)]
    while stack:
        fn, i = stack.pop()
        inputs, needs = fn.inputs, fn.needs_input_grad
        n = len(inputs)
        while i < n:
            if needs[i]:
                parent = inputs[i]._ctx
                if parent is not None and id(parent) not in seen:
                    seen.add(id(parent))
                    stack.append((fn, i + 1))
                    stack.append((parent, 0))
                    break
            i += 1
        else:
            order.append(fn)
    order.reverse()
    return order


def run_backward(root: Tensor, seed: np.ndarray, retain_graph: bool = False) -> None:
    """Backpropagates ``seed`` from ``root`` through the recorded graph."""
    root_fn = root._ctx
    assert root_fn is not None
    if getattr(root_fn, "_released", False):
        raise RuntimeError(
            "backward() through a graph that was already released; pass retain_graph=True to "
            "the first backward() to backpropagate twice"
        )
    grads: dict[int, list[np.ndarray | None]] = {
        id(root_fn): [None] * getattr(root_fn, "_n_outputs", 1)
    }
    grads[id(root_fn)][root._index] = seed
    for fn in _topological_order(root_fn):
        outs = grads.pop(id(fn), None)
        if outs is None:
            continue
        # Outputs nobody used get None: a multi-output op's backward skips their work.
        in_grads = fn.backward(*outs)
        inputs = fn.inputs
        if len(in_grads) != len(inputs):
            raise RuntimeError(
                f"{type(fn).__name__}.backward returned {len(in_grads)} gradients for "
                f"{len(inputs)} positional arguments of forward (one slot each, None for "
                "arguments that need no gradient)"
            )
        for t, g, needed in zip(inputs, in_grads, fn.needs_input_grad):
            if g is None or not needed:
                continue
            if g.shape != t.data.shape:
                raise RuntimeError(
                    f"{type(fn).__name__}.backward returned a gradient of shape {g.shape} "
                    f"for an input of shape {t.data.shape}"
                )
            parent = t._ctx
            if parent is None:
                t._accumulate(g)
            else:
                slot = grads.setdefault(id(parent), [None] * getattr(parent, "_n_outputs", 1))
                prev = slot[t._index]
                slot[t._index] = g if prev is None else prev + g
        if not retain_graph:
            fn.__dict__.clear()  # drops saved arrays and the links to the inputs
            fn._released = True


_AGGREGATIONS = (None, "none", "mean", "sum", "only_first_replica")
_SYNCHRONIZATIONS = (None, "none", "on_read", "on_write", "auto")
_NO_DATA = np.zeros(0, np.float32)


def real_numpy_dtype(dtype: Any) -> np.dtype | None:
    """``dtype`` (a name such as ``"float32"``/``"int32"``/``"bool"``, a numpy dtype or a
    Python type) as a numpy dtype of real numbers; None stays None. ``"float"`` means float32,
    as Keras' floatx. Unlike ``standardize_dtype`` it allows float64 (metric accumulators,
    Variables holding float64 state).

    Example:
        >>> real_numpy_dtype("int32")
        dtype('int32')
    """
    if dtype is None:
        return None
    if dtype in ("float", float):
        return np.dtype(np.float32)
    name = getattr(dtype, "name", None)  # a numpy dtype, or another framework's dtype object
    try:
        dt = np.dtype(name if isinstance(name, str) and not isinstance(dtype, np.dtype) else dtype)
    except TypeError:
        dt = None
    if dt is None or dt.kind not in "fiub":
        raise ValueError(
            f"Invalid dtype: {dtype!r}; expected a float, int, uint or bool dtype such as "
            "'float32', 'int32' or 'bool'"
        )
    return dt


def tensor_of(array: Any) -> Tensor:
    """A Tensor over ``array`` as it is: int, bool and float64 arrays keep their dtype
    (``Tensor(...)`` converts to float32). Random integers, labels and metric state use it.

    Example:
        >>> tensor_of(np.arange(3)).dtype
        dtype('int64')
    """
    arr = array if isinstance(array, (np.ndarray, DeviceArray)) else np.asarray(array)
    if arr.dtype == np.float32 or isinstance(arr, DeviceArray):
        return Tensor(arr)
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"expected real numbers, received dtype {arr.dtype}")
    out = Tensor(_NO_DATA)
    out.data = arr
    return out


class Variable(Tensor):
    """A state Tensor that can be assigned in place: a layer's weight (trainable ones require
    gradients), a metric's accumulator, a seed generator's state. As ``keras.Variable``::

        Variable(initializer, shape=None, dtype=None, trainable=True, autocast=True,
                 aggregation="none", synchronization="auto", name=None)

    ``initializer`` is an array, a number or a Tensor (its values are copied; ``shape`` may be
    left out), or an initializer (a name such as ``"zeros"`` or an object) called with
    ``shape``. The dtype is ``dtype`` when given, else float32 for floating-point values and
    the values' own dtype for int and bool ones. ``assign``, ``assign_add`` and
    ``assign_sub`` write in place and return the variable. ember's older form
    ``Variable(value, trainable, name)`` still works.

    Example:
        >>> v = ember.Variable(np.zeros((2, 2)), name="kernel")
        >>> float(v.assign(np.ones((2, 2))).assign_add(1.0).numpy().sum())
        8.0
        >>> ember.Variable("ones", shape=(3,), dtype="int32").numpy()
        array([1, 1, 1], dtype=int32)
    """

    __slots__ = (
        "name",
        "path",
        "trainable",
        "autocast",
        "aggregation",
        "synchronization",
        "overwrite_with_gradient",
        "_layer_trainable",
        "regularizer",
        "constraint",
    )

    def __init__(
        self,
        initializer: Any = None,
        shape: Any = None,
        dtype: Any = None,
        trainable: bool = True,
        autocast: bool = True,
        aggregation: str | None = "none",
        synchronization: str | None = "auto",
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        if "value" in kwargs and initializer is None:  # ember 0.1: Variable(value=...)
            initializer = kwargs.pop("value")
        layout = kwargs.pop("layout", None)
        if layout is not None:
            raise NotImplementedError("Variable: the `layout` argument is not supported")
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments: {kwargs}")
        if isinstance(shape, bool):  # ember 0.1 positional form Variable(value, trainable, name)
            trainable, shape = shape, None
            if isinstance(dtype, str) and name is None and not _is_dtype_name(dtype):
                name, dtype = dtype, None
        if name is None:
            from ember.layers.base import unique_name

            name = unique_name("variable")
        if not isinstance(name, str) or "/" in name:
            raise ValueError(
                "Argument `name` must be a string and cannot contain character `/`. "
                f"Received: name={name}"
            )
        if aggregation not in _AGGREGATIONS:
            raise ValueError(
                "Invalid value for argument `aggregation`. Expected one of `None`, `'none'`, "
                f"`'mean'`, `'sum'`, `'only_first_replica'`. Received: aggregation={aggregation}"
            )
        if synchronization not in _SYNCHRONIZATIONS:
            raise ValueError(
                "Invalid value for argument `synchronization`. Expected one of `None`, "
                "`'none'`, `'on_read'`, `'on_write'`, `'auto'`. "
                f"Received: synchronization={synchronization}"
            )
        data = _initial_value(initializer, shape, real_numpy_dtype(dtype), name)
        super().__init__(data if data.dtype == np.float32 else _NO_DATA)
        self.data = data
        self.name = name
        self.path = name
        self.trainable = bool(trainable)
        self.autocast = bool(autocast)
        self.aggregation = aggregation or "none"
        self.synchronization = synchronization or "none"
        self.overwrite_with_gradient = False
        self.requires_grad = self.trainable and data.dtype.kind == "f"
        # Set by Layer.add_weight: the penalty in Layer.losses, the projection the optimizer
        # applies after each update (ember.regularizers, ember.constraints).
        self.regularizer: Any = None
        self.constraint: Any = None

    @property
    def value(self) -> Tensor:
        """The current values as a Tensor (sharing this variable's storage)."""
        return tensor_of(self.data)

    def numpy(self) -> np.ndarray:
        """A copy of the values (later assignments do not change it), as Keras."""
        data = self.data
        return data.copy() if type(data) is np.ndarray else _device.host(data)

    def assign(self, value: Any) -> Variable:
        """Overwrite the values in place with ``value`` (cast to this variable's dtype; the
        shape must match). Returns the variable."""
        arr = value.data if isinstance(value, Tensor) else value
        if isinstance(arr, DeviceArray) and type(self.data) is np.ndarray:
            arr = arr.numpy()
        if self.data.dtype == np.float32:
            arr = as_float32(arr)
        else:
            arr = np.asarray(_device.host(arr))
        if arr.shape != self.data.shape:
            raise ValueError(
                f"Variable '{self.name}': the shape of the target variable and the shape of "
                "the target value in `variable.assign(value)` must match. "
                f"variable.shape={self.data.shape}, Received: value.shape={arr.shape}"
            )
        if type(self.data) is np.ndarray:
            np.copyto(self.data, arr, casting="unsafe")
        else:
            np.copyto(self.data, arr)
        return self

    def assign_add(self, value: Any) -> Variable:
        """``self += value`` in place (``value`` broadcasts to the variable's shape). Returns
        the variable."""
        return self.assign(self._combined(value, np.add))

    def assign_sub(self, value: Any) -> Variable:
        """``self -= value`` in place. Returns the variable."""
        return self.assign(self._combined(value, np.subtract))

    def _combined(self, value: Any, op: Any) -> Any:
        arr = value.data if isinstance(value, Tensor) else value
        data = self.data
        if type(data) is not np.ndarray:  # on a device: float32 arithmetic there
            return op(data, _device.to(as_float32(arr), _device.of(data)))
        arr = _device.host(arr) if isinstance(arr, DeviceArray) else np.asarray(arr)
        if data.dtype.kind == "f":
            arr = arr.astype(data.dtype, copy=False)
        return op(data, arr)

    def __bool__(self) -> bool:
        raise TypeError("A Keras Variable cannot be used as a boolean.")

    def __int__(self) -> int:
        self._check_scalar()
        return int(self.data)

    def __float__(self) -> float:
        self._check_scalar()
        return float(_device.host(self.data))

    def _check_scalar(self) -> None:
        if self.data.ndim > 0:
            raise TypeError(
                "Only scalar arrays can be converted to Python scalars. "
                f"Got: shape={self.data.shape}"
            )

    def _move_to(self, target: str) -> None:
        """Move the storage to ``target`` in place (``Model.to``): the Variable object, which
        layers and optimizer state refer to, stays the same."""
        self.data = _device.to(self.data, target)
        self.grad = None

    def __repr__(self) -> str:
        where = "" if type(self.data) is np.ndarray else f", device={self.device}"
        return (
            f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype}, "
            f"trainable={self.trainable}{where}>"
        )


def _is_dtype_name(text: str) -> bool:
    try:
        real_numpy_dtype(text)
    except ValueError:
        return False
    return True


def _initial_value(initializer: Any, shape: Any, dtype: np.dtype | None, name: str) -> Any:
    """The C-contiguous array a new Variable starts from (a copy of given values)."""
    if isinstance(initializer, str) or (
        callable(initializer) and not isinstance(initializer, (Tensor, np.ndarray, DeviceArray))
    ):
        from ember import initializers

        init = initializers.get(initializer)
        if shape is None:
            raise ValueError(
                "When creating a Variable from an initializer, the `shape` argument should be "
                f"specified. Received: initializer={initializer} and shape={shape}"
            )
        shape = _standardize_shape(shape, name)
        dt = dtype or np.dtype(np.float32)
        values = init(shape, dtype=dt.name)
        values = values.data if isinstance(values, Tensor) else values
        return np.array(_device.host(values), dtype=dt, copy=True, order="C")
    if initializer is None:
        raise ValueError(
            f"Variable '{name}': expected an initial value (an array, a number or a Tensor) or "
            "an initializer with a `shape`, received initializer=None"
        )
    values = initializer.data if isinstance(initializer, Tensor) else initializer
    if isinstance(values, DeviceArray):
        if dtype not in (None, np.float32):
            raise NotImplementedError(f"Variable '{name}': device variables are float32")
        out = _copy(values, "C")
    else:
        arr = np.asarray(values)
        if arr.dtype.kind not in "fiub":
            raise TypeError(f"Variable '{name}': expected real numbers, received dtype {arr.dtype}")
        if dtype is None:
            if arr.dtype.kind == "f":
                dtype = np.dtype(np.float32)  # ember computes in float32
            elif arr.dtype == np.int64 and not isinstance(values, np.ndarray):
                dtype = np.dtype(np.int32)  # a Python int, as Keras
            else:
                dtype = arr.dtype
        out = np.array(arr, dtype=dtype, copy=True, order="C")
    if shape is not None and tuple(out.shape) != _standardize_shape(shape, name):
        raise ValueError(
            f"Variable '{name}': the initial value has shape {tuple(out.shape)} but "
            f"shape={tuple(shape)} was given"
        )
    return out


def _standardize_shape(shape: Any, name: str) -> tuple[int, ...]:
    if isinstance(shape, int):
        shape = (shape,)
    try:
        dims = tuple(shape)
    except TypeError:
        raise ValueError(
            f"Variable '{name}': expected `shape` to be a tuple of ints, received {shape!r}"
        ) from None
    if any(d is None for d in dims):
        raise ValueError(
            "Shapes used to initialize variables must be fully-defined (no `None` "
            f"dimensions). Received: shape={dims} for variable path='{name}'"
        )
    out = tuple(int(d) for d in dims)
    if any(d < 0 for d in out):
        raise ValueError(f"Variable '{name}': negative dimension in shape={out}")
    return out


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """Create a Tensor from array-like data: float32 unless ``dtype`` names another type
    (``"int32"``, ``"int64"``, ``"bool"``, ``"string"``, ...).

    Example:
        >>> ember.tensor([[1, 2], [3, 4]]).dtype
        dtype('float32')
        >>> ember.tensor([1, 2], dtype="int32").dtype
        dtype('int32')
    """
    if dtype is None or standardize_dtype(dtype) == "float32":
        return Tensor(_copy(data, "K"), requires_grad=requires_grad)
    arr = np.array(data.data if isinstance(data, Tensor) else data, copy=True)
    return Tensor(cast_array(arr, dtype), requires_grad=requires_grad)


def _copy(data: Any, order: str) -> Any:
    """A float32 copy of data on data's device (device arrays are always C-contiguous)."""
    arr = as_float32(data)
    if isinstance(arr, DeviceArray):
        return arr.copy()
    return np.array(arr, dtype=np.float32, copy=True, order=order)


# Keras' dtype names -> numpy dtypes ("string" is numpy's unicode type). Floats other than
# float32 are accepted as names but computed in float32 (see standardize_dtype).
_NUMPY_DTYPES = {
    "float32": np.dtype(np.float32),
    "int8": np.dtype(np.int8),
    "int16": np.dtype(np.int16),
    "int32": np.dtype(np.int32),
    "int64": np.dtype(np.int64),
    "uint8": np.dtype(np.uint8),
    "uint16": np.dtype(np.uint16),
    "uint32": np.dtype(np.uint32),
    "uint64": np.dtype(np.uint64),
    "bool": np.dtype(np.bool_),
    "string": np.dtype(np.str_),
}
_UNSUPPORTED_FLOATS = ("float16", "bfloat16", "float64", "float8_e4m3fn", "float8_e5m2")


def standardize_dtype(dtype: Any) -> str:
    """Keras' name for a dtype given as a string, numpy dtype or Python type.

    Raises TypeError for something that is not a dtype and NotImplementedError for float types
    other than float32 (ember computes in float32).

    Example:
        >>> from ember.autograd import standardize_dtype
        >>> standardize_dtype(np.int32), standardize_dtype("float"), standardize_dtype(bool)
        ('int32', 'float32', 'bool')
    """
    if dtype is None:
        return "float32"
    if isinstance(dtype, str):
        name = dtype.lower()
        aliases = {"float": "float32", "int": "int64", "str": "string", "bool_": "bool"}
        name = aliases.get(name, name)
    elif dtype is str:
        name = "string"
    else:
        try:
            np_dtype = np.dtype(dtype)
        except TypeError:
            raise TypeError(f"Invalid dtype: {dtype!r}") from None
        name = "string" if np_dtype.kind in "US" else np_dtype.name
    if name in _NUMPY_DTYPES:
        return name
    if name in _UNSUPPORTED_FLOATS:
        raise NotImplementedError(
            f"dtype {name!r} is not supported: ember computes in float32 (use 'float32')"
        )
    raise TypeError(f"Invalid dtype: {dtype!r}. Expected one of {sorted(_NUMPY_DTYPES)}")


def numpy_dtype(dtype: Any) -> np.dtype:
    """The numpy dtype ember stores ``dtype`` as.

    Example:
        >>> from ember.autograd import numpy_dtype
        >>> numpy_dtype("int32")
        dtype('int32')
    """
    return _NUMPY_DTYPES[standardize_dtype(dtype)]


def cast_array(arr: Any, dtype: Any) -> Any:
    """``arr`` converted to ``dtype`` (no copy when it already has it). Floats become integers
    by truncation toward zero, as Keras' cast; strings stay strings only as strings.

    Example:
        >>> from ember.autograd import cast_array
        >>> cast_array(np.array([1.7, -1.7]), "int32")
        array([ 1, -1], dtype=int32)
    """
    target = numpy_dtype(dtype)
    if isinstance(arr, DeviceArray):
        return arr if arr.dtype == target else arr.astype(target)
    arr = np.asarray(arr)
    if arr.dtype == target or (target.kind == "U" and arr.dtype.kind == "U"):
        return arr
    if (target.kind == "U") != (arr.dtype.kind in "US"):
        raise TypeError(f"cannot cast a tensor of dtype {arr.dtype} to {standardize_dtype(dtype)}")
    return arr.astype(target)
