"""Control flow (Keras' core ops) with eager Python semantics: ``cond``, ``switch``,
``while_loop``, ``fori_loop``, ``scan``, ``associative_scan``, ``map``, ``vectorized_map``
and ``vectorize``. Gradients flow through whatever ops the user's functions run.

The loops here run the user's functions, once per iteration or slice, as their definition
asks; ``associative_scan`` needs only log2(n) whole-tensor steps.

Example:
    >>> from ember import ops
    >>> ops.fori_loop(0, 4, lambda i, total: total + i, 0)
    6
    >>> carry, ys = ops.scan(lambda c, x: (c + x, c * x), 0.0, ops.arange(1.0, 4.0))
    >>> float(carry), ys.numpy()
    (6.0, array([0., 2., 9.], dtype=float32))
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import Any

import numpy as np

from ember.autograd import Tensor
from ember.ops import shaping
from ember.ops.base import convert, keras_op


def _truth(pred: Any, op: str) -> bool:
    if isinstance(pred, Tensor):
        if pred.size != 1:
            raise ValueError(
                f"{op}: the predicate must be a single boolean, received shape {pred.shape}"
            )
        return bool(pred.numpy().reshape(()))
    return bool(pred)


def _flatten(tree: Any) -> tuple[list[Any], Callable[[list[Any]], Any]]:
    """The leaves of nested lists / tuples / dicts and a function that rebuilds the tree."""
    if isinstance(tree, (list, tuple)):
        parts = [_flatten(t) for t in tree]
        leaves = [leaf for p in parts for leaf in p[0]]
        counts = [len(p[0]) for p in parts]

        def build(values: list[Any]) -> Any:
            out, i = [], 0
            for (_, rebuild), n in zip(parts, counts):
                out.append(rebuild(values[i : i + n]))
                i += n
            return type(tree)(out) if isinstance(tree, tuple) else out

        return leaves, build
    if isinstance(tree, dict):
        keys = list(tree)
        leaves_list, rebuild = _flatten([tree[k] for k in keys])

        def build_dict(values: list[Any]) -> Any:
            return dict(zip(keys, rebuild(values)))

        return leaves_list, build_dict
    return [tree], lambda values: values[0]


@keras_op
def cond(pred: Any, true_fn: Callable[[], Any], false_fn: Callable[[], Any]) -> Any:
    """``true_fn()`` if ``pred`` holds, else ``false_fn()``.

    Example:
        >>> ember.ops.cond(ember.tensor(2.0) > 1, lambda: "big", lambda: "small")
        'big'
    """
    return true_fn() if _truth(pred, "cond") else false_fn()


@keras_op
def switch(index: Any, branches: list[Callable[..., Any]], *operands: Any) -> Any:
    """``branches[index](*operands)``, with ``index`` clamped to the valid range.

    Example:
        >>> ember.ops.switch(5, [lambda x: x + 1, lambda x: x * 10], 2)
        20
    """
    if not branches:
        raise ValueError("switch: `branches` must hold at least one function")
    i = int(index.numpy()) if isinstance(index, Tensor) else int(index)
    i = builtins.min(builtins.max(i, 0), len(branches) - 1)
    return branches[i](*operands)


@keras_op
def while_loop(
    cond: Callable[..., Any],
    body: Callable[..., Any],
    loop_vars: Any,
    maximum_iterations: int | None = None,
) -> Any:
    """Run ``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)`` holds (at most
    ``maximum_iterations`` times); a single tensor may be passed instead of a tuple.

    Example:
        >>> ember.ops.while_loop(lambda i, s: i < 3, lambda i, s: (i + 1, s * 2), (0, 1))
        (3, 8)
    """
    is_sequence = isinstance(loop_vars, (list, tuple))
    state = tuple(loop_vars) if is_sequence else (loop_vars,)
    steps = 0
    while _truth(cond(*state), "while_loop"):
        if maximum_iterations is not None and steps >= maximum_iterations:
            break
        out = body(*state)
        state = tuple(out) if isinstance(out, (list, tuple)) else (out,)
        steps += 1
    if not is_sequence:
        return state[0]
    return list(state) if isinstance(loop_vars, list) else state


@keras_op
def fori_loop(lower: int, upper: int, body_fun: Callable[[Any, Any], Any], init_val: Any) -> Any:
    """``val = body_fun(i, val)`` for i from ``lower`` to ``upper - 1``.

    Example:
        >>> ember.ops.fori_loop(1, 4, lambda i, v: v * i, 1)
        6
    """
    val = init_val
    for i in range(int(lower), int(upper)):
        val = body_fun(i, val)
    return val


@keras_op
def scan(
    f: Callable[[Any, Any], Any],
    init: Any,
    xs: Any = None,
    length: int | None = None,
    reverse: bool = False,
    unroll: int = 1,
) -> tuple[Any, Any]:
    """JAX-style scan: ``carry, y = f(carry, x)`` for each slice x of ``xs`` (along axis 0;
    ``xs`` may be a nested structure of tensors, or None with ``length``); returns the last
    carry and the ys stacked along a new first axis.

    Example:
        >>> carry, ys = ember.ops.scan(lambda c, x: (c + x, c), 0, ember.ops.arange(1, 4))
        >>> carry.numpy(), ys.numpy()
        (array(6, dtype=int32), array([0, 1, 3], dtype=int32))
    """
    if xs is None:
        if length is None:
            raise ValueError("scan: give `xs` or `length`")
        leaves: list[Any] = []
        n = int(length)

        def build_x(values: list[Any]) -> Any:
            return None
    else:
        leaves, build_x = _flatten(xs)
        leaves = [convert(leaf) for leaf in leaves]
        sizes = {leaf.shape[0] if leaf.ndim else None for leaf in leaves}
        if len(sizes) != 1 or None in sizes:
            raise ValueError(
                "scan: every array in `xs` needs the same leading axis, received shapes "
                f"{[leaf.shape for leaf in leaves]}"
            )
        n = sizes.pop()
        if length is not None and int(length) != n:
            raise ValueError(f"scan: `length`={length} does not match xs' leading axis {n}")
    slices = [shaping.unstack(leaf, axis=0) for leaf in leaves] if leaves else []
    carry = init
    ys: list[Any] = [None] * n
    order = range(n - 1, -1, -1) if reverse else range(n)
    for i in order:
        x = build_x([s[i] for s in slices])
        carry, ys[i] = f(carry, x)
    if n == 0 or ys[0] is None:
        return carry, None
    y_leaves = [_flatten(y)[0] for y in ys]
    _, build_y = _flatten(ys[0])
    stacked = [
        shaping.stack([convert(y[k]) for y in y_leaves], axis=0) for k in range(len(y_leaves[0]))
    ]
    return carry, build_y(stacked)


@keras_op
def associative_scan(
    f: Callable[[Any, Any], Any], elems: Any, reverse: bool = False, axis: int = 0
) -> Any:
    """The inclusive scan of the associative ``f`` over ``elems`` along ``axis`` (e.g.
    cumulative sums for ``f = add``), in log2(n) whole-tensor steps; ``f`` must work on
    batches of slices. ``elems`` may be a nested structure.

    Example:
        >>> ember.ops.associative_scan(ember.ops.add, ember.ops.arange(1, 5)).numpy()
        array([ 1,  3,  6, 10], dtype=int32)
    """
    leaves, build = _flatten(elems)
    leaves = [convert(leaf) for leaf in leaves]
    if not leaves:
        raise ValueError("associative_scan: `elems` is empty")
    moved = [shaping.moveaxis(leaf, axis, 0) for leaf in leaves]
    if reverse:
        moved = [shaping.flip(m, axis=0) for m in moved]
    n = moved[0].shape[0]
    current = moved
    offset = 1
    while offset < n:
        left = build([c[: n - offset] for c in current])
        right = build([c[offset:] for c in current])
        combined = _flatten(f(left, right))[0]
        current = [
            shaping.concatenate([c[:offset], convert(v)], axis=0) for c, v in zip(current, combined)
        ]
        offset *= 2
    if reverse:
        current = [shaping.flip(c, axis=0) for c in current]
    return build([shaping.moveaxis(c, 0, axis) for c in current])


@keras_op
def map(f: Callable[[Any], Any], xs: Any) -> Any:  # noqa: A001 - Keras' name
    """``f`` applied to each slice of ``xs`` along axis 0, the results stacked.

    Example:
        >>> ember.ops.map(lambda x: x * 2, ember.ops.arange(1, 4)).numpy()
        array([2, 4, 6], dtype=int32)
    """
    _, ys = scan(lambda carry, x: (carry, f(x)), None, xs)
    return ys


@keras_op
def vectorized_map(function: Callable[[Any], Any], elements: Any) -> Any:
    """``function`` applied to each slice of ``elements`` along axis 0, the results stacked
    (as ``map``).

    Example:
        >>> ember.ops.vectorized_map(lambda x: x + 1, ember.ops.array([[1, 2], [3, 4]])).numpy()
        array([[2, 3],
               [4, 5]], dtype=int32)
    """
    return map(function, elements)


def vectorize(
    pyfunc: Callable[..., Any], *, excluded: Any = None, signature: str | None = None
) -> Callable[..., Tensor]:
    """A function that applies ``pyfunc`` to each element of its (broadcast) tensor arguments
    and assembles the results; arguments at positions in ``excluded`` pass unchanged.
    Generalized ``signature`` strings are not supported.

    Example:
        >>> f = ember.ops.vectorize(lambda a, b: a + b if a > b else a - b)
        >>> f([1, 4], 2).numpy()
        array([-1,  6], dtype=int32)
    """
    if signature is not None:
        raise NotImplementedError("vectorize: `signature` is not supported")
    skip = set(excluded or ())

    def run(*args: Any) -> Tensor:
        idx = [i for i in range(len(args)) if i not in skip]
        tensors = [convert(args[i]) for i in idx]
        shape = np.broadcast_shapes(*[t.shape for t in tensors]) if tensors else ()
        flat = [np.broadcast_to(t.numpy(), shape).reshape(-1) for t in tensors]
        results = []
        for k in range(int(np.prod(shape, dtype=np.int64))):
            call = list(args)
            for i, f in zip(idx, flat):
                call[i] = Tensor(f[k])
            results.append(convert(pyfunc(*call)))
        if not results:
            return Tensor(np.zeros(shape, np.float32))
        return shaping.reshape(shaping.stack(results, axis=0), shape)

    return run


# The Keras names this module provides (ember.ops gathers them).
__all__ = [
    "associative_scan",
    "cond",
    "fori_loop",
    "map",
    "scan",
    "switch",
    "vectorize",
    "vectorized_map",
    "while_loop",
]
