"""Symbolic tensors and the nodes that connect layers in a functional graph.

Calling a layer on a ``SymbolicTensor`` (what ``Input`` returns) builds the layer, infers the
output shape and records a ``Node``; ``Model(inputs, outputs)`` later replays the nodes on
real data.

Example:
    >>> x = ember.Input(shape=(28, 28, 1))
    >>> x.shape
    (None, 28, 28, 1)
"""

from __future__ import annotations

from typing import Any


class SymbolicTensor:
    """A placeholder with a shape (None for the batch axis) and the node that produces it."""

    def __init__(
        self,
        shape: tuple,
        dtype: str = "float32",
        node: Node | None = None,
        index: int = 0,
        name: str | None = None,
    ) -> None:
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = dtype
        self.node = node
        self.index = index
        self.name = name
        self._keras_mask: SymbolicTensor | None = None

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        return f"<SymbolicTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    def __len__(self) -> int:
        raise TypeError("A symbolic tensor has no length; use .shape")

    # Marks symbolic tensors for ember.ops.dispatch, which must not import this package.
    _ember_symbolic = True

    def _merge(self, other: Any, layer_cls: str, op: str, reverse: bool = False) -> Any:
        """``self <op> other``: two symbolic tensors of a graph merge through a layer
        (layers.Add, ...) as ember always did; a constant operand makes an op node."""
        from ember.ops import dispatch

        if isinstance(other, SymbolicTensor) and not reverse:
            from ember.layers import merge

            return getattr(merge, layer_cls)()([self, other])
        args = (other, self) if reverse else (self, other)
        return dispatch.symbolic_call(op, args, {})

    def _op(self, op: str, *args: Any) -> Any:
        from ember.ops import dispatch

        return dispatch.symbolic_call(op, (self, *args), {})

    def __add__(self, other: Any) -> Any:
        return self._merge(other, "Add", "add")

    def __radd__(self, other: Any) -> Any:
        return self._merge(other, "Add", "add", reverse=True)

    def __sub__(self, other: Any) -> Any:
        return self._merge(other, "Subtract", "subtract")

    def __rsub__(self, other: Any) -> Any:
        return self._merge(other, "Subtract", "subtract", reverse=True)

    def __mul__(self, other: Any) -> Any:
        return self._merge(other, "Multiply", "multiply")

    def __rmul__(self, other: Any) -> Any:
        return self._merge(other, "Multiply", "multiply", reverse=True)

    def __truediv__(self, other: Any) -> Any:
        return self._op("divide", other)

    def __rtruediv__(self, other: Any) -> Any:
        from ember.ops import dispatch

        return dispatch.symbolic_call("divide", (other, self), {})

    def __matmul__(self, other: Any) -> Any:
        return self._op("matmul", other)

    def __rmatmul__(self, other: Any) -> Any:
        from ember.ops import dispatch

        return dispatch.symbolic_call("matmul", (other, self), {})

    def __pow__(self, exponent: Any) -> Any:
        return self._op("power", exponent)

    def __neg__(self) -> Any:
        return self._op("negative")

    def __getitem__(self, index: Any) -> Any:
        return self._op("getitem", index)

    # The other operators Keras' symbolic tensors have (ember.ops by name). == stays identity,
    # as on Keras' KerasTensor, and so does != here: graph code compares tensors by identity.
    def _rop(self, op: str, other: Any) -> Any:
        from ember.ops import dispatch

        return dispatch.symbolic_call(op, (other, self), {})

    def __rpow__(self, other: Any) -> Any:
        return self._rop("power", other)

    def __floordiv__(self, other: Any) -> Any:
        return self._op("floor_divide", other)

    def __rfloordiv__(self, other: Any) -> Any:
        return self._rop("floor_divide", other)

    def __mod__(self, other: Any) -> Any:
        return self._op("mod", other)

    def __rmod__(self, other: Any) -> Any:
        return self._rop("mod", other)

    def __abs__(self) -> Any:
        return self._op("abs")

    def __lt__(self, other: Any) -> Any:
        return self._op("less", other)

    def __le__(self, other: Any) -> Any:
        return self._op("less_equal", other)

    def __gt__(self, other: Any) -> Any:
        return self._op("greater", other)

    def __ge__(self, other: Any) -> Any:
        return self._op("greater_equal", other)

    def _logical(self, other: Any, logical: str, bitwise: str, swap: bool = False) -> Any:
        dtypes = {getattr(v, "dtype", "bool" if type(v) is bool else "int") for v in (self, other)}
        op = logical if dtypes == {"bool"} else bitwise
        return self._rop(op, other) if swap else self._op(op, other)

    def __and__(self, other: Any) -> Any:
        return self._logical(other, "logical_and", "bitwise_and")

    def __rand__(self, other: Any) -> Any:
        return self._logical(other, "logical_and", "bitwise_and", swap=True)

    def __or__(self, other: Any) -> Any:
        return self._logical(other, "logical_or", "bitwise_or")

    def __ror__(self, other: Any) -> Any:
        return self._logical(other, "logical_or", "bitwise_or", swap=True)

    def __xor__(self, other: Any) -> Any:
        return self._logical(other, "logical_xor", "bitwise_xor")

    def __rxor__(self, other: Any) -> Any:
        return self._logical(other, "logical_xor", "bitwise_xor", swap=True)

    def __invert__(self) -> Any:
        return self._op("logical_not" if self.dtype == "bool" else "bitwise_invert")


class Node:
    """One call of ``layer`` on symbolic ``inputs`` (kept in the call's structure)."""

    def __init__(self, layer: Any, args: tuple, kwargs: dict, outputs: Any) -> None:
        self.layer = layer
        self.args = args
        self.kwargs = kwargs
        self.outputs = outputs
        self.input_tensors = [t for t in flatten((args, kwargs)) if isinstance(t, SymbolicTensor)]

    @property
    def output_tensors(self) -> list[SymbolicTensor]:
        return [t for t in flatten(self.outputs) if isinstance(t, SymbolicTensor)]


def flatten(structure: Any) -> list[Any]:
    """The leaves of nested lists, tuples and dicts, in order."""
    out: list[Any] = []
    stack = [structure]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
        else:
            out.append(item)
    return out


def map_structure(fn: Any, structure: Any) -> Any:
    """Apply fn to every leaf, keeping lists, tuples and dicts."""
    if isinstance(structure, list):
        return [map_structure(fn, s) for s in structure]
    if isinstance(structure, tuple):
        return tuple(map_structure(fn, s) for s in structure)
    if isinstance(structure, dict):
        return {k: map_structure(fn, v) for k, v in structure.items()}
    return fn(structure)


def is_symbolic(structure: Any) -> bool:
    return any(isinstance(t, SymbolicTensor) for t in flatten(structure))
