"""Recurrent layers with Keras' signatures, defaults and weight layouts: SimpleRNN, LSTM, GRU.

Each layer runs a whole sequence in one fused kernel call (input projection as one GEMM, one
recurrent product per step with the gate math fused after it, backpropagation through time in
C++). Weights: kernel (input_dim, gates * units), recurrent_kernel (units, gates * units), bias
(gates * units,) — (2, 3 * units) for GRU with reset_after — so ``set_weights`` takes Keras
arrays unchanged. Gate orders: LSTM i, f, c, o; GRU z, r, h.

Example:
    >>> lstm = ember.layers.LSTM(8, return_sequences=True)
    >>> lstm(np.zeros((2, 5, 3))).shape, [w.shape for w in lstm.get_weights()]
    ((2, 5, 8), [(3, 32), (8, 32), (32,)])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ember import _random
from ember import activations as activations_module
from ember import constraints as constraints_module
from ember import initializers as initializers_module
from ember import regularizers as regularizers_module
from ember.autograd import Tensor
from ember.layers.base import Layer
from ember.layers.input_spec import InputSpec
from ember.ops import math as math_ops
from ember.ops import recurrent as rnn_ops

# Activations the fused kernels implement.
KERNEL_ACTIVATIONS = ("tanh", "sigmoid", "hard_sigmoid", "relu", "linear")


def _kernel_activation(layer: str, arg: str, fn: Any) -> str:
    name = activations_module.name_of(fn)
    if name not in KERNEL_ACTIVATIONS:
        raise NotImplementedError(
            f"{layer}: {arg}={name or fn!r} is not supported by the fused recurrent kernels; "
            f"use one of {list(KERNEL_ACTIVATIONS)}"
        )
    return name


class _ForgetBiasInitializer(initializers_module.Initializer):
    """Keras' unit_forget_bias: the base initializer, with ones for the forget gate."""

    def __init__(self, base: initializers_module.Initializer, units: int) -> None:
        super().__init__()
        self.base, self.units = base, units

    def __call__(self, shape: Any, dtype: Any = None) -> np.ndarray:
        u = self.units
        out = self.base(shape)
        out[u : 2 * u] = 1.0
        return out


class _RNN(Layer):
    """Shared arguments, weights, states, dropout and masking of the three recurrent layers."""

    gates = 1
    state_count = 1

    def __init__(
        self,
        units: int,
        activation: Any = "tanh",
        recurrent_activation: Any = "sigmoid",
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        recurrent_initializer: Any = "orthogonal",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        recurrent_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        recurrent_constraint: Any = None,
        bias_constraint: Any = None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        seed: int | None = None,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        unroll: bool = False,
        **kwargs: Any,
    ) -> None:
        kwargs.pop("use_cudnn", None)  # a backend switch in Keras; ember has one kernel
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.kernel_regularizer = regularizers_module.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers_module.get(recurrent_regularizer)
        self.bias_regularizer = regularizers_module.get(bias_regularizer)
        self.kernel_constraint = constraints_module.get(kernel_constraint)
        self.recurrent_constraint = constraints_module.get(recurrent_constraint)
        self.bias_constraint = constraints_module.get(bias_constraint)
        if not isinstance(units, (int, np.integer)) or units < 1:
            raise ValueError(
                f"Received an invalid value for argument `units`, expected a "
                f"positive integer, got {units}."
            )
        for arg, rate in (("dropout", dropout), ("recurrent_dropout", recurrent_dropout)):
            if not 0.0 <= rate < 1.0:
                raise ValueError(f"{self.name}: `{arg}` must be in [0, 1), received {rate}")
        self.units = int(units)
        self.activation = activations_module.get(activation)
        self.recurrent_activation = activations_module.get(recurrent_activation)
        self._act = _kernel_activation(self.name, "activation", self.activation)
        self._rec_act = _kernel_activation(
            self.name, "recurrent_activation", self.recurrent_activation
        )
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers_module.get(kernel_initializer)
        self.recurrent_initializer = initializers_module.get(recurrent_initializer)
        self.bias_initializer = initializers_module.get(bias_initializer)
        self.dropout = float(dropout)
        self.recurrent_dropout = float(recurrent_dropout)
        self.seed = seed
        self._seeds = np.random.default_rng(seed) if seed is not None else None
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)  # accepted: the fused kernel is already unrolled in C++
        self.supports_masking = True
        # Keras exposes the carried states as tensors (``layer.states[0].numpy()``).
        self.states: list[Tensor] | None = None
        self.input_spec = InputSpec(ndim=3)

    # ------------------------------------------------------------------ weights
    def _bias_shape(self) -> tuple[int, ...]:
        return (self.gates * self.units,)

    def _bias_init(self) -> initializers_module.Initializer:
        return self.bias_initializer

    def build(self, input_shape: Any) -> None:
        shape = input_shape[0] if isinstance(input_shape, list) else input_shape
        features = shape[-1]
        if features is None:
            raise ValueError(f"{self.name}: the feature dimension of the inputs must be known")
        width = self.gates * self.units
        self.kernel = self.add_weight(
            "kernel",
            (features, width),
            self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.recurrent_kernel = self.add_weight(
            "recurrent_kernel",
            (self.units, width),
            self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
        )
        self.bias = (
            self.add_weight(
                "bias",
                self._bias_shape(),
                self._bias_init(),
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
            if self.use_bias
            else None
        )
        if self.stateful:
            batch = shape[0]
            if batch is None:
                raise ValueError(
                    f"{self.name}: a stateful RNN needs a fixed batch size; pass batch_size= "
                    "(or batch_input_shape=) to the first layer or to Input"
                )
            self.reset_states()
        self.input_spec = InputSpec(ndim=3, axes={-1: features})
        self.built = True

    def reset_states(self, states: Any = None) -> None:
        """Zero the carried states of a stateful layer (or set them to ``states``)."""
        if not self.stateful:
            raise AttributeError(f"Layer {self.name} is not stateful.")
        batch = (self._batch_input_shape or (None,))[0]
        if states is None:
            if batch is None:
                self.states = None
                return
            self.states = self._zero_states(batch)
        else:
            states = states if isinstance(states, (list, tuple)) else [states]
            values = [np.array(getattr(s, "data", s), np.float32) for s in states]
            if len(values) != self.state_count or any(
                v.shape != (batch, self.units) for v in values
            ):
                raise ValueError(
                    f"{self.name}: reset_states expects {self.state_count} array(s) of shape "
                    f"{(batch, self.units)}, received {[v.shape for v in values]}"
                )
            self.states = [Tensor(v) for v in values]

    def _zero_states(self, batch: int) -> list[Tensor]:
        return [Tensor(np.zeros((batch, self.units), np.float32)) for _ in range(self.state_count)]

    reset_state = reset_states

    # ------------------------------------------------------------------ shapes
    def compute_output_shape(self, input_shape: Any) -> Any:
        shape = (
            input_shape[0]
            if isinstance(input_shape, list) and isinstance(input_shape[0], tuple)
            else input_shape
        )
        batch, time = shape[0], shape[1]
        out = (batch, time, self.units) if self.return_sequences else (batch, self.units)
        if self.return_state:
            return [out] + [(batch, self.units)] * self.state_count
        return out

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        # Keras passes the input mask on unchanged (also with go_backwards).
        if mask is None or not self.return_sequences:
            return None
        return mask[0] if isinstance(mask, list) else mask

    def _check_input_compatible(self, shapes: Any) -> None:
        # Rank and feature size are in input_spec; this is the check a spec cannot express.
        shape = shapes[0] if isinstance(shapes, list) and isinstance(shapes[0], tuple) else shapes
        if len(shape) > 1 and shape[1] == 0:
            raise ValueError(f"{self.name}: the input has 0 time steps: {tuple(shape)}")

    # ------------------------------------------------------------------ running
    def _dropout_mask(self, shape: tuple[int, int], rate: float) -> np.ndarray:
        rng = self._seeds if self._seeds is not None else _random.generator()
        keep = rng.random(shape) >= rate
        return (keep / np.float32(1.0 - rate)).astype(np.float32)

    def _initial_states(self, inputs: Tensor, initial_state: Any) -> list[Any]:
        batch = inputs.shape[0]
        if initial_state is not None:
            states = initial_state if isinstance(initial_state, (list, tuple)) else [initial_state]
            if len(states) != self.state_count:
                raise ValueError(
                    f"{self.name} expects {self.state_count} initial state(s), "
                    f"received {len(states)}"
                )
            for s in states:
                if tuple(s.shape) != (batch, self.units):
                    raise ValueError(
                        f"{self.name}: initial state must have shape "
                        f"{(batch, self.units)}, received {tuple(s.shape)}"
                    )
            return list(states)
        if self.stateful:
            if self.states is None or self.states[0].shape[0] != batch:
                self.states = self._zero_states(batch)
            return list(self.states)
        return [None] * self.state_count

    def call(
        self,
        inputs: Tensor,
        mask: Any = None,
        training: bool | None = None,
        initial_state: Any = None,
    ) -> Any:
        self._check_input_compatible(tuple(inputs.shape))
        if isinstance(mask, list):
            mask = mask[0]
        states = self._initial_states(inputs, initial_state)
        x = inputs
        batch = inputs.shape[0]
        if training and self.dropout > 0:
            drop = self._dropout_mask((batch, inputs.shape[-1]), self.dropout)
            x = math_ops.multiply(x, drop[:, None, :])
        rec_mask = None
        if training and self.recurrent_dropout > 0:
            rec_mask = self._dropout_mask((batch, self.units), self.recurrent_dropout)
        seq, *final = self._run(x, states, mask, rec_mask)
        if self.stateful:
            self.states = [Tensor(s.numpy().copy()) for s in final]
        out = seq if self.return_sequences else final[0]
        if self.return_state:
            return [out, *final]
        return out

    def _run(self, x: Tensor, states: list[Any], mask: Any, rec_mask: Any) -> tuple:
        raise NotImplementedError  # pragma: no cover

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict:
        ser = initializers_module.serialize
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations_module.serialize(self.activation),
            "recurrent_activation": activations_module.serialize(self.recurrent_activation),
            "use_bias": self.use_bias,
            "kernel_initializer": ser(self.kernel_initializer),
            "recurrent_initializer": ser(self.recurrent_initializer),
            "bias_initializer": ser(self.bias_initializer),
            "kernel_regularizer": regularizers_module.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers_module.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers_module.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers_module.serialize(self.activity_regularizer),
            "kernel_constraint": constraints_module.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints_module.serialize(self.recurrent_constraint),
            "bias_constraint": constraints_module.serialize(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
        }


class SimpleRNN(_RNN):
    """Fully connected recurrent layer: h_t = activation(x_t W + h_{t-1} U + b)."""

    def __init__(self, units: int, activation: Any = "tanh", **kwargs: Any) -> None:
        kwargs.pop("recurrent_activation", None)
        super().__init__(units, activation=activation, **kwargs)

    def _run(self, x, states, mask, rec_mask):
        return rnn_ops.simple_rnn(
            x,
            self.kernel,
            self.recurrent_kernel,
            self.bias,
            states[0],
            mask,
            rec_mask,
            self._act,
            self.go_backwards,
        )

    def get_config(self) -> dict:
        config = super().get_config()
        config.pop("recurrent_activation")
        return config


class LSTM(_RNN):
    """Long short-term memory layer; ``return_state`` gives [output, h, c]."""

    gates = 4
    state_count = 2

    def __init__(
        self,
        units: int,
        activation: Any = "tanh",
        recurrent_activation: Any = "sigmoid",
        unit_forget_bias: bool = True,
        **kwargs: Any,
    ) -> None:
        kwargs.pop("implementation", None)  # Keras' internal kernel choice
        super().__init__(
            units, activation=activation, recurrent_activation=recurrent_activation, **kwargs
        )
        self.unit_forget_bias = bool(unit_forget_bias)

    def _bias_init(self) -> initializers_module.Initializer:
        if self.unit_forget_bias:
            return _ForgetBiasInitializer(self.bias_initializer, self.units)
        return self.bias_initializer

    def _run(self, x, states, mask, rec_mask):
        return rnn_ops.lstm(
            x,
            self.kernel,
            self.recurrent_kernel,
            self.bias,
            states[0],
            states[1],
            mask,
            rec_mask,
            self._act,
            self._rec_act,
            self.go_backwards,
        )

    def get_config(self) -> dict:
        return {**super().get_config(), "unit_forget_bias": self.unit_forget_bias}


class GRU(_RNN):
    """Gated recurrent unit; ``reset_after=True`` (Keras' default) applies the reset gate after
    the recurrent product and keeps separate input and recurrent biases (shape (2, 3 units))."""

    gates = 3

    def __init__(
        self,
        units: int,
        activation: Any = "tanh",
        recurrent_activation: Any = "sigmoid",
        reset_after: bool = True,
        **kwargs: Any,
    ) -> None:
        kwargs.pop("implementation", None)
        super().__init__(
            units, activation=activation, recurrent_activation=recurrent_activation, **kwargs
        )
        self.reset_after = bool(reset_after)

    def _bias_shape(self) -> tuple[int, ...]:
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _run(self, x, states, mask, rec_mask):
        return rnn_ops.gru(
            x,
            self.kernel,
            self.recurrent_kernel,
            self.bias,
            states[0],
            mask,
            rec_mask,
            self._act,
            self._rec_act,
            self.reset_after,
            self.go_backwards,
        )

    def get_config(self) -> dict:
        return {**super().get_config(), "reset_after": self.reset_after}
