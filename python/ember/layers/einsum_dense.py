"""``EinsumDense``: a dense layer whose product is any einsum of the inputs with the kernel,
e.g. ``"abc,cde->abde"`` projects (batch, steps, features) to (batch, steps, heads, dim).
MultiHeadAttention's projections are EinsumDense layers.

The equation has the form ``"<input>,<kernel>-><output>"`` with letters, optionally with
``...`` at the left of the input and output (``"...b,bc->...c"``) or at their right
(``"ab...,bc->ac..."``). The kernel's axes take their sizes from the input (contracted
letters) or from ``output_shape`` (the output's axes after the batch axis; None where the
input gives the size).

Example:
    >>> layer = ember.layers.EinsumDense("abc,cd->abd", output_shape=(None, 8), bias_axes="d")
    >>> layer(np.ones((2, 5, 3))).shape, layer.kernel.shape, layer.bias.shape
    ((2, 5, 8), (3, 8), (8,))
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from ember import activations as activations_module
from ember import constraints as constraints_module
from ember import initializers as initializers_module
from ember import regularizers as regularizers_module
from ember.autograd import Tensor
from ember.layers.base import Layer
from ember.layers.input_spec import InputSpec
from ember.ops import elementwise as ew
from ember.ops import products


class _EinsumLayout:
    """What an equation and an input shape give: kernel and bias shapes, the full output
    shape, and which kernel axes are fan-in (input) and fan-out (output) axes."""

    def __init__(
        self, layer: str, equation: str, bias_axes: str | None, input_shape: Any, partial: tuple
    ) -> None:
        plain = equation.replace("...", "0")
        forms = (
            ("([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)$", False),
            ("0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)$", True),
            ("([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0$", False),
        )
        found = next(
            ((m, left) for pattern, left in forms if (m := re.match(pattern, plain))), None
        )
        if found is None:
            raise ValueError(
                f"{layer}: invalid einsum equation {equation!r}. Equations must be in the form "
                "[X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]..."
            )
        match, left = found
        in_spec, kernel_spec, out_spec = match.groups()
        input_shape = tuple(input_shape)
        elided = len(input_shape) - len(in_spec)
        if elided < 0 or (elided > 0 and "0" not in plain):
            raise ValueError(
                f"{layer}: the equation {equation!r} expects inputs of rank {len(in_spec)}; "
                f"received input shape {input_shape}"
            )
        output = [input_shape[0], *partial]
        if elided > 0 and left:
            output[1:1] = input_shape[1:elided]  # the elided axes, in order
        elif elided > 0:
            output.extend(input_shape[len(input_shape) - elided :])
        if left:
            in_pos = {c: i + elided - len(input_shape) for i, c in enumerate(in_spec)}
            out_pos = {c: i + elided for i, c in enumerate(out_spec)}
        else:
            in_pos = {c: i for i, c in enumerate(in_spec)}
            out_pos = {c: i for i, c in enumerate(out_spec)}
        expected_rank = len(out_spec) + max(elided, 0)
        if len(output) != expected_rank:
            raise ValueError(
                f"{layer}: `output_shape` {partial} does not fit the equation {equation!r}: the "
                f"output has {expected_rank - 1} axes after the batch axis"
            )
        for c in in_spec:
            if c in out_pos:
                size, want = input_shape[in_pos[c]], output[out_pos[c]]
                if want is None:
                    output[out_pos[c]] = size
                elif size is not None and want != size:
                    raise ValueError(
                        f"{layer}: input shape and output shape do not match at shared "
                        f"dimension '{c}'. Input shape is {size}, and output shape is {want}."
                    )
        for c in out_spec:
            if c not in in_spec and c not in kernel_spec:
                raise ValueError(
                    f"{layer}: dimension '{c}' was specified in the output '{out_spec}' but has "
                    f"no corresponding dim in the input spec '{in_spec}' or the kernel spec "
                    f"'{kernel_spec}'"
                )
        kernel, fan_in, fan_out = [], [], []
        for i, c in enumerate(kernel_spec):
            if c in out_pos:
                kernel.append(output[out_pos[c]])
                fan_out.append(i)
            elif c in in_pos:
                kernel.append(input_shape[in_pos[c]])
                fan_in.append(i)
            else:
                raise ValueError(
                    f"{layer}: weight dimension '{c}' did not have a match in either the input "
                    f"spec '{in_spec}' or the output spec '{out_spec}'. For this layer, the "
                    "weight must be fully specified."
                )
        bias = None
        if bias_axes is not None:
            for c in bias_axes:
                if c not in out_spec:
                    raise ValueError(
                        f"{layer}: bias dimension '{c}' was requested, but is not part of the "
                        f"output spec '{out_spec}'"
                    )
            offset = elided if left else 0
            sizes = {c: output[i + offset] for i, c in enumerate(out_spec)}
            first = min(out_spec.find(c) for c in bias_axes)
            bias = [sizes[c] if c in bias_axes else 1 for c in out_spec[first:]]
            if not left:
                bias.extend([1] * max(elided, 0))
        self.kernel_shape = tuple(kernel)
        self.bias_shape = None if bias is None else tuple(bias)
        self.output_shape = tuple(output)
        self.fan_in_axes, self.fan_out_axes = fan_in, fan_out


class _FansOverAxes(initializers_module.Initializer):
    """A variance-scaling initializer whose fans are the products of the kernel's input and
    output axes (as Keras gives EinsumDense kernels), not the conv-style default."""

    def __init__(self, inner: Any, fan_in_axes: list[int], fan_out_axes: list[int]) -> None:
        super().__init__(getattr(inner, "seed", None))
        self.inner, self.fan_in_axes, self.fan_out_axes = inner, fan_in_axes, fan_out_axes

    def __call__(self, shape: Any, dtype: Any = None) -> np.ndarray:
        fan_in = int(np.prod([shape[a] for a in self.fan_in_axes], dtype=np.int64))
        fan_out = int(np.prod([shape[a] for a in self.fan_out_axes], dtype=np.int64))
        # The values are independent draws: draw them as a (fan_in, fan_out) matrix.
        return np.asarray(self.inner((fan_in, fan_out), dtype)).reshape(tuple(shape))


class EinsumDense(Layer):
    """``activation(einsum(equation, inputs, kernel) + bias)``; ``output_shape`` gives the
    output's sizes after the batch axis (an int for one axis; None where the input gives it),
    ``bias_axes`` the output letters the bias runs over (None: no bias).

    Example:
        >>> layer = ember.layers.EinsumDense("abc,cde->abde", output_shape=(None, 2, 4))
        >>> layer(np.ones((1, 3, 6))).shape, layer.kernel.shape
        ((1, 3, 2, 4), (6, 2, 4))
    """

    def __init__(
        self,
        equation: str,
        output_shape: Any,
        activation: Any = None,
        bias_axes: str | None = None,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        lora_rank: int | None = None,
        lora_alpha: float | None = None,
        gptq_unpacked_column_size: int | None = None,
        quantization_config: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        for arg, value in (
            ("lora_rank", lora_rank),
            ("lora_alpha", lora_alpha),
            ("gptq_unpacked_column_size", gptq_unpacked_column_size),
            ("quantization_config", quantization_config),
        ):
            if value is not None:
                raise NotImplementedError(
                    f"EinsumDense: the argument `{arg}` (LoRA / quantization) is not supported"
                )
        if not isinstance(equation, str):
            raise TypeError(f"EinsumDense: `equation` must be a string, received {equation!r}")
        if bias_axes is not None and not isinstance(bias_axes, str):
            raise TypeError(
                f"EinsumDense: `bias_axes` must be a string of output letters or None, "
                f"received bias_axes={bias_axes!r}"
            )
        if isinstance(output_shape, (int, np.integer)) and not isinstance(output_shape, bool):
            partial: tuple = (int(output_shape),)
        elif isinstance(output_shape, (list, tuple)) and all(
            d is None or (isinstance(d, (int, np.integer)) and not isinstance(d, bool) and d > 0)
            for d in output_shape
        ):
            partial = tuple(None if d is None else int(d) for d in output_shape)
        else:
            raise ValueError(
                f"EinsumDense: `output_shape` must be an int or a tuple of positive ints (None "
                f"for sizes the input gives). Received: output_shape={output_shape!r}"
            )
        if any(d is not None and d < 1 for d in partial):
            raise ValueError(f"EinsumDense: `output_shape` sizes must be >= 1, received {partial}")
        self.equation = equation
        self.partial_output_shape = partial
        self.bias_axes = bias_axes
        self.activation = activations_module.get(activation)
        self.kernel_initializer = initializers_module.get(kernel_initializer)
        self.bias_initializer = initializers_module.get(bias_initializer)
        self.kernel_regularizer = regularizers_module.get(kernel_regularizer)
        self.bias_regularizer = regularizers_module.get(bias_regularizer)
        self.kernel_constraint = constraints_module.get(kernel_constraint)
        self.bias_constraint = constraints_module.get(bias_constraint)

    def _layout(self, input_shape: Any) -> _EinsumLayout:
        return _EinsumLayout(
            self.name, self.equation, self.bias_axes, input_shape, self.partial_output_shape
        )

    def build(self, input_shape: Any) -> None:
        layout = self._layout(input_shape)
        if any(d is None for d in layout.kernel_shape) or (
            layout.bias_shape is not None and any(d is None for d in layout.bias_shape)
        ):
            raise ValueError(
                f"{self.name}: the kernel shape {layout.kernel_shape} has unknown sizes; the "
                f"axes it shares with the input must be known. Input shape: "
                f"{tuple(input_shape)}"
            )
        init = self.kernel_initializer
        if isinstance(init, initializers_module.VarianceScaling):
            init = _FansOverAxes(init, layout.fan_in_axes, layout.fan_out_axes)
        self.kernel = self.add_weight(
            name="kernel",
            shape=layout.kernel_shape,
            initializer=init,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.bias = None
        if layout.bias_shape is not None:
            self.bias = self.add_weight(
                name="bias",
                shape=layout.bias_shape,
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self.input_spec = InputSpec(ndim=len(input_shape))
        self.built = True

    def call(self, inputs: Tensor, training: bool | None = None) -> Tensor:
        x = products.einsum(self.equation, inputs, self.kernel)
        if self.bias is not None:
            x = ew.add(x, self.bias)
        if self.activation is not None:
            x = self.activation(x)
        return x

    def compute_output_shape(self, input_shape: Any) -> tuple:
        return self._layout(input_shape).output_shape

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "output_shape": list(self.partial_output_shape),
            "equation": self.equation,
            "activation": activations_module.serialize(self.activation),
            "bias_axes": self.bias_axes,
            "kernel_initializer": initializers_module.serialize(self.kernel_initializer),
            "bias_initializer": initializers_module.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers_module.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers_module.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers_module.serialize(self.activity_regularizer),
            "kernel_constraint": constraints_module.serialize(self.kernel_constraint),
            "bias_constraint": constraints_module.serialize(self.bias_constraint),
            "quantization_config": None,
        }
