"""``InputSpec``: what a layer accepts (rank, axis sizes, shape, dtype), declared once and
checked by the ``Layer`` base before ``build`` and on every call, with Keras' wording.

A layer sets ``self.input_spec`` (one spec, or a list with one spec per input) in
``__init__`` and usually refines it in ``build`` once the sizes it depends on are known, e.g.
a convolution pins its channel axis: ``InputSpec(min_ndim=4, axes={-1: channels})``.

Example:
    >>> spec = ember.layers.InputSpec(ndim=2, axes={-1: 3})
    >>> spec
    InputSpec(ndim=2, axes={-1: 3})
    >>> class Scale(ember.layers.Layer):
    ...     def __init__(self, **kwargs):
    ...         super().__init__(**kwargs)
    ...         self.input_spec = ember.layers.InputSpec(ndim=2)
    ...     def call(self, x):
    ...         return x * 2
    >>> Scale(name="scale")(np.ones((2, 3, 4)))
    Traceback (most recent call last):
    ValueError: Input 0 of layer "scale" is incompatible with the layer: expected ndim=2, \
found ndim=3. Full shape received: (2, 3, 4)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def _prefix(index: int, layer_name: str) -> str:
    # Keras 3 wrote this opening until keras-team/keras#21869 (late 2025); 3.15 writes
    # f"Input {index} with name '{spec.name}' of layer '{layer_name}' ...". ember keeps the
    # older one, which its tests and users match on; the text after the colon is Keras'.
    return f'Input {index} of layer "{layer_name}" is incompatible with the layer: '


def _dtype_name(dtype: Any) -> str:
    return dtype if isinstance(dtype, str) else np.dtype(dtype).name


class InputSpec:
    """The rank, axis sizes, shape and dtype a layer accepts for one input (Keras' class).

    Args:
        dtype: expected dtype of the input (``"float32"``, ...), or None for any.
        shape: expected shape including the batch axis; ``None`` entries match any size.
            Sets ``ndim`` to ``len(shape)``.
        ndim: expected rank.
        max_ndim: largest accepted rank.
        min_ndim: smallest accepted rank.
        axes: ``{axis: size}`` for axes whose size is fixed (negative axes count from the
            end), e.g. ``{-1: 3}`` for three channels.
        allow_last_axis_squeeze: accept rank N+1 when the input's last axis is 1, and rank
            N-1 when the spec's last axis is 1 (the rank check is then skipped).
        name: the key of this input when a layer takes its inputs as a dict.

    Example:
        >>> spec = ember.layers.InputSpec(min_ndim=4, axes={-1: 3})
        >>> spec.min_ndim, spec.axes
        (4, {-1: 3})
    """

    def __init__(
        self,
        dtype: Any = None,
        shape: Any = None,
        ndim: int | None = None,
        max_ndim: int | None = None,
        min_ndim: int | None = None,
        axes: dict[int, int | None] | None = None,
        allow_last_axis_squeeze: bool = False,
        name: str | None = None,
        optional: bool = False,
    ) -> None:
        self.dtype = None if dtype is None else _dtype_name(dtype)
        if shape is not None:
            self.shape: tuple[int | None, ...] | None = tuple(
                None if d is None else int(d) for d in shape
            )
            self.ndim = len(self.shape)
        else:
            self.shape = None
            self.ndim = ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.name = name
        self.optional = optional
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        try:
            axes = axes or {}
            self.axes = {int(k): axes[k] for k in axes}
        except (ValueError, TypeError):
            raise TypeError(
                f"Argument `axes` must be a dict with integer keys. Received: axes={axes}"
            ) from None
        if self.axes and (self.ndim is not None or self.max_ndim is not None):
            max_dim = (self.ndim if self.ndim else self.max_ndim) - 1
            max_axis = max(self.axes)
            if max_axis > max_dim:
                raise ValueError(
                    f"Axis {max_axis} is greater than the maximum allowed value: {max_dim}"
                )

    def __repr__(self) -> str:
        parts = [
            f"dtype={self.dtype}" if self.dtype else "",
            f"shape={self.shape}" if self.shape else "",
            f"ndim={self.ndim}" if self.ndim else "",
            f"max_ndim={self.max_ndim}" if self.max_ndim else "",
            f"min_ndim={self.min_ndim}" if self.min_ndim else "",
            f"axes={self.axes}" if self.axes else "",
        ]
        return f"InputSpec({', '.join(p for p in parts if p)})"

    def get_config(self) -> dict:
        return {
            "dtype": self.dtype,
            "shape": self.shape,
            "ndim": self.ndim,
            "max_ndim": self.max_ndim,
            "min_ndim": self.min_ndim,
            "axes": self.axes,
            "optional": self.optional,
        }

    @classmethod
    def from_config(cls, config: dict) -> InputSpec:
        return cls(**config)

    # The check runs on every eager call and every batch-1 predict, so it first asks a
    # predicate made once per spec (and again after any attribute is set): True means the
    # shape fits; False means "run the full check", which raises Keras' error or passes.
    # Layers replace or reassign specs (as Keras' do); an ``axes`` dict edited in place is
    # not seen until some attribute is set again.
    def __setattr__(self, key: str, value: Any) -> None:
        object.__setattr__(self, key, value)
        if key != "_fits":
            object.__setattr__(self, "_fits", None)

    def _predicate(self) -> Callable[[tuple], bool]:
        """A fast ``shape -> bool`` that is True only for shapes this spec accepts."""
        fits = self._fits
        if fits is None:
            fits = _compile(self)
            object.__setattr__(self, "_fits", fits)
        return fits

    def _check(self, layer_name: str, shape: tuple, dtype: Any = None, index: int = 0) -> None:
        """Raise Keras' ValueError if an input of this shape (and dtype, when given) does not
        fit; ``shape`` is a tuple of ints and Nones."""
        fits = self._fits if self._fits is not None else self._predicate()
        if not fits(shape):
            self._check_fully(layer_name, shape, dtype, index)
        elif self.dtype is not None and dtype is not None:
            self._check_fully(layer_name, shape, dtype, index)

    def _check_fully(self, layer_name: str, shape: tuple, dtype: Any, index: int) -> None:
        ndim = len(shape)
        if self.ndim is not None and ndim != self.ndim and not self.allow_last_axis_squeeze:
            raise ValueError(
                f"{_prefix(index, layer_name)}expected ndim={self.ndim}, found ndim={ndim}. "
                f"Full shape received: {_shape(shape)}"
            )
        if self.max_ndim is not None and ndim > self.max_ndim:
            raise ValueError(
                f"{_prefix(index, layer_name)}expected max_ndim={self.max_ndim}, found ndim={ndim}"
            )
        if self.min_ndim is not None and ndim < self.min_ndim:
            raise ValueError(
                f"{_prefix(index, layer_name)}expected min_ndim={self.min_ndim}, "
                f"found ndim={ndim}. Full shape received: {_shape(shape)}"
            )
        if self.dtype is not None and dtype is not None and _dtype_name(dtype) != self.dtype:
            raise ValueError(
                f"{_prefix(index, layer_name)}expected dtype={self.dtype}, "
                f"found dtype={_dtype_name(dtype)}"
            )
        for axis, value in self.axes.items():
            if value is None:
                continue
            dim = shape[axis] if -ndim <= axis < ndim else -1  # a missing axis never fits
            if dim is not None and dim != value:
                raise ValueError(
                    f"{_prefix(index, layer_name)}expected axis {axis} of input shape to have "
                    f"value {value}, but received input with shape {_shape(shape)}"
                )
        if self.shape is not None:
            spec_shape, got = self.shape, tuple(shape)
            if self.allow_last_axis_squeeze:
                if got and got[-1] == 1:
                    got = got[:-1]
                if spec_shape and spec_shape[-1] == 1:
                    spec_shape = spec_shape[:-1]
            for want, have in zip(spec_shape, got):
                if want is not None and have is not None and want != have:
                    raise ValueError(
                        f"{_prefix(index, layer_name)}expected shape={self.shape}, "
                        f"found shape={_shape(got)}"
                    )


def _compile(spec: InputSpec) -> Callable[[tuple], bool]:
    """The fast predicate of a spec: rank bounds and fixed axis sizes; anything rarer (shape,
    squeeze, dtype, axes outside the smallest accepted rank) always takes the full check."""
    if spec.shape is not None or spec.allow_last_axis_squeeze:
        return lambda shape: False
    lo = max(d for d in (spec.ndim, spec.min_ndim, 0) if d is not None)
    hi = min(d for d in (spec.ndim, spec.max_ndim, 1 << 30) if d is not None)
    axes = [(a, v) for a, v in spec.axes.items() if v is not None]
    if any(not -lo <= a < lo for a, _ in axes):
        return lambda shape: False
    if not axes:
        if lo == hi:
            return lambda shape: len(shape) == lo
        return lambda shape: lo <= len(shape) <= hi
    if len(axes) == 1:
        ((axis, value),) = axes
        if lo == hi:
            return lambda shape: len(shape) == lo and shape[axis] == value
        return lambda shape: lo <= len(shape) <= hi and shape[axis] == value
    return lambda shape: lo <= len(shape) <= hi and all(shape[a] == v for a, v in axes)


def _shape(shape: Any) -> tuple:
    return tuple(None if d is None else int(d) for d in shape)


def _is_shape(value: Any) -> bool:
    return isinstance(value, tuple) and all(
        d is None or isinstance(d, (int, np.integer)) for d in value
    )


def _leaves(structure: Any) -> list[Any]:
    """The inputs of a nested structure, in order; a tuple of ints and Nones is one shape."""
    if _is_shape(structure):
        return [structure]
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in _leaves(item)]
    if isinstance(structure, dict):
        return [leaf for item in structure.values() for leaf in _leaves(item)]
    return [structure]


def assert_input_compatibility(input_spec: Any, inputs: Any, layer_name: str) -> None:
    """Raise Keras' ValueError when ``inputs`` do not fit ``input_spec``.

    ``input_spec`` is an InputSpec, a (nested) list of them, or None; ``inputs`` holds arrays,
    Tensors, symbolic tensors or bare shapes (tuples of ints and Nones), nested alike.

    Example:
        >>> from ember.layers.input_spec import assert_input_compatibility
        >>> assert_input_compatibility(ember.layers.InputSpec(ndim=2), (None, 3), "dense")
    """
    if not input_spec:
        return
    if isinstance(input_spec, InputSpec) and (_is_shape(inputs) or hasattr(inputs, "shape")):
        _check_one(input_spec, inputs, layer_name, 0)
        return
    specs = _leaves(input_spec)
    if isinstance(inputs, dict):
        names = [spec.name for spec in specs if spec is not None]
        if len(names) == len(specs) and all(names):
            for name in names:
                if name not in inputs:
                    raise ValueError(
                        f'Missing data for input "{name}". You passed a data dictionary with '
                        f"keys {list(inputs.keys())}. Expected the following keys: {names}"
                    )
            inputs = [inputs[name] for name in names]
    values = _leaves(inputs)
    if len(values) != len(specs):
        names = [spec.name for spec in specs if spec is not None]
        if len(names) == len(specs) and all(names):
            keys = ", ".join(f"'{n}': ..." for n in names)
            raise ValueError(
                f'Layer "{layer_name}" expects {len(specs)} named input(s) with keys {names}, '
                f"but it received {len(values)} input tensors. Pass inputs as a dict, e.g. "
                f"`layer({{{keys}}})`."
            )
        raise ValueError(
            f'Layer "{layer_name}" expects {len(specs)} input(s), but it received '
            f"{len(values)} input tensors. Inputs received: {values}"
        )
    for index, (value, spec) in enumerate(zip(values, specs)):
        if spec is None or (value is None and spec.optional):
            continue
        _check_one(spec, value, layer_name, index)


def _check_one(spec: InputSpec, value: Any, layer_name: str, index: int) -> None:
    if _is_shape(value):
        spec._check(layer_name, value, None, index)
        return
    if not hasattr(value, "shape"):
        raise ValueError(
            f"Inputs to a layer should be tensors. Got '{value}' (of type {type(value)}) as "
            f"input for layer '{layer_name}'."
        )
    spec._check(layer_name, tuple(value.shape), getattr(value, "dtype", None), index)
