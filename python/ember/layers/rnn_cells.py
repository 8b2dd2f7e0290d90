"""Recurrent cells with Keras 3's names, arguments, weights and call convention:
SimpleRNNCell, LSTMCell, GRUCell, and StackedRNNCells to stack any cells into one.

A cell processes one time step: ``cell(x_t, states)`` returns ``(output, new_states)``; it
has ``state_size`` (an int, or a list with one size per state), ``output_size`` and
``get_initial_state(batch_size)``. ``layers.RNN(cell)`` runs a cell over a sequence. The three
built-in cells then run as ONE call into ember's fused sequence kernels (the same call
``layers.LSTM`` makes), never a Python loop over time; called on their own they run the same
kernel for a sequence of one step. Weights: kernel (input_dim, gates * units),
recurrent_kernel (units, gates * units), bias (gates * units,) — (2, 3 * units) for GRUCell
with reset_after — so ``set_weights`` takes Keras arrays unchanged. Gate orders: LSTM i, f, c,
o; GRU z, r, h.

Dropout: as in Keras, a cell draws its input and recurrent dropout masks once per sequence
(cached until ``reset_dropout_mask``; ``layers.RNN`` resets them after each call) and applies
them only with ``training=True``. LSTMCell and GRUCell draw one recurrent mask shared by all
gates (Keras' default implementation draws one input mask, but one recurrent mask per gate).

Example:
    >>> cell = ember.layers.LSTMCell(4)
    >>> x_t, h, c = np.ones((2, 3)), np.zeros((2, 4)), np.zeros((2, 4))
    >>> out, (h, c) = cell(x_t, [h, c])
    >>> out.shape, cell.state_size, [w.shape for w in cell.get_weights()]
    ((2, 4), [4, 4], [(3, 16), (4, 16), (16,)])
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from ember import _random
from ember import activations as activations_module
from ember import constraints as constraints_module
from ember import initializers as initializers_module
from ember import regularizers as regularizers_module
from ember.autograd import Tensor
from ember.layers.base import Layer
from ember.ops import math as math_ops
from ember.ops import recurrent as rnn_ops
from ember.saving.serialization_lib import deserialize_layer, serialize_keras_object

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


def _as_tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


class _BuiltinCell(Layer):
    """Arguments, weights, dropout masks and the fused whole-sequence run shared by the three
    built-in cells. Subclasses set ``_gates``, ``_states`` and implement ``_kernel_run``."""

    _gates = 1
    _states = 1

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
        kernel_constraint: Any = None,
        recurrent_constraint: Any = None,
        bias_constraint: Any = None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.pop("implementation", None)  # Keras' internal kernel choice; ember has one
        super().__init__(**kwargs)
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units < 1:
            raise ValueError(
                f"Received an invalid value for argument `units`, expected a "
                f"positive integer, got {units}."
            )
        for arg, rate in (("dropout", dropout), ("recurrent_dropout", recurrent_dropout)):
            if not isinstance(rate, (int, float, np.floating)) or not 0.0 <= rate < 1.0:
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
        self.kernel_regularizer = regularizers_module.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers_module.get(recurrent_regularizer)
        self.bias_regularizer = regularizers_module.get(bias_regularizer)
        self.kernel_constraint = constraints_module.get(kernel_constraint)
        self.recurrent_constraint = constraints_module.get(recurrent_constraint)
        self.bias_constraint = constraints_module.get(bias_constraint)
        self.dropout = float(dropout)
        self.recurrent_dropout = float(recurrent_dropout)
        self.seed = seed
        self._seeds = np.random.default_rng(seed) if seed is not None else None
        self._dropout_mask: Tensor | None = None
        self._recurrent_dropout_mask: Tensor | None = None
        self._zero_states = [None] * self._states  # None: the kernels start from zeros
        self.output_size = self.units
        self.kernel: Tensor | None = None
        self.recurrent_kernel: Tensor | None = None
        self.bias: Tensor | None = None

    # ------------------------------------------------------------------ weights
    def _bias_shape(self) -> tuple[int, ...]:
        return (self._gates * self.units,)

    def _bias_init(self) -> initializers_module.Initializer:
        return self.bias_initializer

    def build(self, input_shape: Any) -> None:
        features = tuple(input_shape)[-1]
        if features is None:
            raise ValueError(f"{self.name}: the feature dimension of the inputs must be known")
        width = self._gates * self.units
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
        self.built = True

    # ------------------------------------------------------------------ states
    def get_initial_state(self, batch_size: int | None = None) -> list[Tensor]:
        """Zero states, one (batch_size, units) tensor per state, as a list.

        Example:
            >>> [s.shape for s in ember.layers.LSTMCell(3).get_initial_state(2)]
            [(2, 3), (2, 3)]
        """
        return [Tensor(np.zeros((batch_size, self.units), np.float32)) for _ in range(self._states)]

    # ------------------------------------------------------------------ dropout
    def _draw(self, shape: tuple[int, ...], rate: float) -> Tensor:
        rng = self._seeds if self._seeds is not None else _random.generator()
        keep = rng.random(shape) >= rate
        return Tensor((keep / np.float32(1.0 - rate)).astype(np.float32))

    def get_dropout_mask(self, step_input: Any) -> Tensor | None:
        """The input dropout mask (scaled keep mask shaped like one step's input), drawn once
        and kept until ``reset_dropout_mask``; None when ``dropout`` is 0."""
        if self.dropout == 0.0:
            return None
        shape = tuple(step_input.shape)
        if self._dropout_mask is None or self._dropout_mask.shape != shape:
            self._dropout_mask = self._draw(shape, self.dropout)
        return self._dropout_mask

    def get_recurrent_dropout_mask(self, step_input: Any) -> Tensor | None:
        """The recurrent dropout mask (shaped like the state h), drawn once and kept until
        ``reset_recurrent_dropout_mask``; None when ``recurrent_dropout`` is 0."""
        if self.recurrent_dropout == 0.0:
            return None
        shape = tuple(step_input.shape)
        if self._recurrent_dropout_mask is None or self._recurrent_dropout_mask.shape != shape:
            self._recurrent_dropout_mask = self._draw(shape, self.recurrent_dropout)
        return self._recurrent_dropout_mask

    def reset_dropout_mask(self) -> None:
        self._dropout_mask = None

    def reset_recurrent_dropout_mask(self) -> None:
        self._recurrent_dropout_mask = None

    # ------------------------------------------------------------------ running
    def _check_states(self, states: list[Any], batch: int) -> list[Any]:
        if len(states) != self._states:
            raise ValueError(f"{self.name} expects {self._states} state(s), received {len(states)}")
        for s in states:
            if s is not None and tuple(s.shape) != (batch, self.units):
                raise ValueError(
                    f"{self.name}: each state must have shape {(batch, self.units)}, received "
                    f"{tuple(s.shape)}"
                )
        return states

    def _run_sequence(
        self,
        x: Tensor,
        states: list[Any],
        mask: Any = None,
        training: bool | None = None,
        go_backwards: bool = False,
    ) -> tuple[Tensor, ...]:
        """The whole sequence x (batch, time, features) in one fused kernel call:
        ``(output sequence in processing order, *final states)``. ``states`` holds one
        Tensor (or None: zeros) per state; ``mask`` is a bool (batch, time) array or None."""
        batch = x.shape[0]
        self._check_states(states, batch)
        rec_mask = None
        if training:
            drop = self.get_dropout_mask(Tensor(np.empty((batch, x.shape[-1]), np.float32)))
            if drop is not None:
                x = math_ops.multiply(x, drop.data[:, None, :])
            rec = self.get_recurrent_dropout_mask(Tensor(np.empty((batch, self.units), np.float32)))
            rec_mask = None if rec is None else rec.data
        return self._kernel_run(x, states, mask, rec_mask, go_backwards)

    def _kernel_run(self, x, states, mask, rec_mask, go_backwards) -> tuple[Tensor, ...]:
        raise NotImplementedError  # pragma: no cover

    def _run_plain(self, x: Tensor, go_backwards: bool) -> tuple[Tensor, ...]:
        """``_run_sequence`` from zero states, without mask or dropout (the common case,
        kept short: per-layer Python time matters for small batches)."""
        return self._kernel_run(x, self._zero_states, None, None, go_backwards)

    def _step(self, inputs: Any, states: Any, training: bool | None) -> tuple[Tensor, list]:
        """One step as a sequence of length one through the fused kernel."""
        x = _as_tensor(inputs)
        if x.ndim != 2:
            raise ValueError(
                f"{self.name}: expected inputs of shape (batch, features), received shape "
                f"{tuple(x.shape)}"
            )
        if self.kernel is not None and x.shape[-1] != self.kernel.shape[0]:
            raise ValueError(
                f"{self.name}: expected inputs with {self.kernel.shape[0]} features (the "
                f"kernel's input dimension), received shape {tuple(x.shape)}"
            )
        given = list(states) if isinstance(states, (list, tuple)) else [states]
        given = [_as_tensor(s) for s in given]
        self._check_states(given, x.shape[0])
        seq = math_ops.reshape(x, (x.shape[0], 1, x.shape[1]))
        _, *new = self._run_sequence(seq, given, None, training, False)
        return new[0], new

    def _symbolic_call(self, inputs: Any, args: tuple, kwargs: dict) -> Any:
        raise NotImplementedError(
            f"{self.name}: calling a cell on symbolic tensors (Input) is not supported; wrap "
            f"it in layers.RNN, e.g. layers.RNN({type(self).__name__}(...))"
        )

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
            "kernel_constraint": constraints_module.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints_module.serialize(self.recurrent_constraint),
            "bias_constraint": constraints_module.serialize(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
        }


class SimpleRNNCell(_BuiltinCell):
    """One step of a fully connected RNN: h = activation(x W + h_prev U + b); the output is
    h. ``state_size`` is ``units``.

    Example:
        >>> cell = ember.layers.SimpleRNNCell(4)
        >>> out, h = cell(np.ones((2, 3)), np.zeros((2, 4)))
        >>> out.shape, ember.layers.RNN(cell)(np.ones((2, 5, 3))).shape
        ((2, 4), (2, 4))
    """

    def __init__(
        self,
        units: int,
        activation: Any = "tanh",
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        recurrent_initializer: Any = "orthogonal",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        recurrent_regularizer: Any = None,
        bias_regularizer: Any = None,
        kernel_constraint: Any = None,
        recurrent_constraint: Any = None,
        bias_constraint: Any = None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.pop("recurrent_activation", None)
        super().__init__(
            units,
            activation=activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            seed=seed,
            **kwargs,
        )
        self.state_size = self.units

    def call(self, inputs: Any, states: Any, training: bool | None = None) -> tuple[Tensor, Any]:
        """``(output, new_states)``: new_states is ``[h]`` when ``states`` is a list or tuple,
        else ``h`` (as Keras)."""
        h, new = self._step(inputs, states, training)
        return h, (new if isinstance(states, (list, tuple)) else h)

    def _kernel_run(self, x, states, mask, rec_mask, go_backwards):
        return rnn_ops.simple_rnn(
            x,
            self.kernel,
            self.recurrent_kernel,
            self.bias,
            states[0],
            mask,
            rec_mask,
            self._act,
            go_backwards,
        )

    def get_config(self) -> dict:
        config = super().get_config()
        config.pop("recurrent_activation")
        return config


class LSTMCell(_BuiltinCell):
    """One step of a long short-term memory cell; states [h, c], output h; ``state_size`` is
    ``[units, units]``. ``unit_forget_bias`` puts ones in the forget-gate bias at build.

    Example:
        >>> cell = ember.layers.LSTMCell(4)
        >>> out, (h, c) = cell(np.ones((2, 3)), cell.get_initial_state(2))
        >>> out.shape, c.shape
        ((2, 4), (2, 4))
    """

    _gates = 4
    _states = 2

    def __init__(
        self,
        units: int,
        activation: Any = "tanh",
        recurrent_activation: Any = "sigmoid",
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        recurrent_initializer: Any = "orthogonal",
        bias_initializer: Any = "zeros",
        unit_forget_bias: bool = True,
        kernel_regularizer: Any = None,
        recurrent_regularizer: Any = None,
        bias_regularizer: Any = None,
        kernel_constraint: Any = None,
        recurrent_constraint: Any = None,
        bias_constraint: Any = None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            units,
            activation=activation,
            recurrent_activation=recurrent_activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            seed=seed,
            **kwargs,
        )
        self.unit_forget_bias = bool(unit_forget_bias)
        self.state_size = [self.units, self.units]

    def _bias_init(self) -> initializers_module.Initializer:
        if self.unit_forget_bias:
            return _ForgetBiasInitializer(self.bias_initializer, self.units)
        return self.bias_initializer

    def call(self, inputs: Any, states: Any, training: bool | None = None) -> tuple[Tensor, Any]:
        """``(h, [h, c])`` from ``states = [h_prev, c_prev]``."""
        h, new = self._step(inputs, states, training)
        return h, new

    def _kernel_run(self, x, states, mask, rec_mask, go_backwards):
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
            go_backwards,
        )

    def get_config(self) -> dict:
        return {**super().get_config(), "unit_forget_bias": self.unit_forget_bias}


class GRUCell(_BuiltinCell):
    """One step of a gated recurrent unit; state h, output h; ``state_size`` is ``units``.
    ``reset_after=True`` (Keras' default) applies the reset gate after the recurrent product
    and keeps separate input and recurrent biases (shape (2, 3 units)).

    Example:
        >>> cell = ember.layers.GRUCell(4)
        >>> out, [h] = cell(np.ones((2, 3)), [np.zeros((2, 4))])
        >>> out.shape, cell.get_weights()[2].shape
        ((2, 4), (2, 12))
    """

    _gates = 3

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
        kernel_constraint: Any = None,
        recurrent_constraint: Any = None,
        bias_constraint: Any = None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        reset_after: bool = True,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            units,
            activation=activation,
            recurrent_activation=recurrent_activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            seed=seed,
            **kwargs,
        )
        self.reset_after = bool(reset_after)
        self.state_size = self.units

    def _bias_shape(self) -> tuple[int, ...]:
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def call(self, inputs: Any, states: Any, training: bool | None = None) -> tuple[Tensor, Any]:
        """``(output, new_states)``: new_states is ``[h]`` when ``states`` is a list or tuple,
        else ``h`` (as Keras)."""
        h, new = self._step(inputs, states, training)
        return h, (new if isinstance(states, (list, tuple)) else h)

    def _kernel_run(self, x, states, mask, rec_mask, go_backwards):
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
            go_backwards,
        )

    def get_config(self) -> dict:
        return {**super().get_config(), "reset_after": self.reset_after}


_FUSED_CALLS = (SimpleRNNCell.call, LSTMCell.call, GRUCell.call)


def runs_fused(cell: Any) -> bool:
    """Whether ``layers.RNN`` runs ``cell`` over a whole sequence in one fused kernel call: a
    built-in cell whose ``call`` is not overridden (a subclass that changes the step math
    runs step by step, through its own ``call``)."""
    return isinstance(cell, _BuiltinCell) and type(cell).call in _FUSED_CALLS


def is_builtin_cell(cell: Any) -> bool:
    """Whether ``cell`` is (a subclass of) SimpleRNNCell, LSTMCell or GRUCell."""
    return isinstance(cell, _BuiltinCell)


def zero_initial_state(cell: Any) -> bool:
    """Whether a built-in cell starts from zeros (its get_initial_state is not overridden),
    so the kernels may make the zeros themselves."""
    return isinstance(cell, _BuiltinCell) and (
        type(cell).get_initial_state is _BuiltinCell.get_initial_state
    )


def _cell_output_size(cell: Any) -> Any:
    size = getattr(cell, "output_size", None)
    if size is not None:
        return size
    state_size = cell.state_size
    return state_size[0] if isinstance(state_size, (list, tuple)) else state_size


def call_cell(cell: Any, inputs: Any, states: Any, training: bool | None) -> tuple[Any, Any]:
    """``cell(inputs, states)``, passing ``training`` only where the cell's call takes it."""
    if isinstance(cell, Layer):
        kwargs = {"training": training} if cell._call_takes_training else {}
        return cell(inputs, states, **kwargs)
    fn = cell if callable(cell) else cell.call
    try:
        takes = "training" in inspect.signature(cell.call).parameters
    except (TypeError, ValueError):
        takes = False
    return fn(inputs, states, **({"training": training} if takes else {}))


class StackedRNNCells(Layer):
    """Cells stacked into one cell: each step runs the cells in order, each cell's output the
    next one's input. ``state_size`` lists the cells' state sizes; the output is the last
    cell's. ``layers.RNN(StackedRNNCells(cells))`` (or ``layers.RNN(cells)``) runs each
    built-in cell over the whole sequence in one fused call, the cells one after the other;
    user cells run step by step.

    Example:
        >>> cells = [ember.layers.LSTMCell(8), ember.layers.GRUCell(4)]
        >>> rnn = ember.layers.RNN(ember.layers.StackedRNNCells(cells))
        >>> rnn(np.ones((2, 5, 3))).shape, rnn.cell.state_size
        ((2, 4), [[8, 8], 4])
    """

    def __init__(self, cells: list[Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(cells, (list, tuple)) or not cells:
            raise ValueError(
                f"{self.name}: `cells` must be a non-empty list of RNN cells, received {cells!r}"
            )
        for cell in cells:
            if not hasattr(cell, "call"):
                raise ValueError(
                    "All cells must have a `call` method. "
                    f"Received cell without a `call` method: {cell}"
                )
            if not hasattr(cell, "state_size"):
                raise ValueError(
                    "All cells must have a `state_size` attribute. "
                    f"Received cell without a `state_size`: {cell}"
                )
        self.cells = list(cells)
        self._track_layers([c for c in self.cells if isinstance(c, Layer)])

    @property
    def state_size(self) -> list[Any]:
        return [c.state_size for c in self.cells]

    @property
    def output_size(self) -> Any:
        return _cell_output_size(self.cells[-1])

    def get_initial_state(self, batch_size: int | None = None) -> list[Any]:
        """One entry per cell: the cell's ``get_initial_state`` when it has one, else zeros
        (a tensor for an int state_size, a list for a list)."""
        out: list[Any] = []
        for cell in self.cells:
            fn = getattr(cell, "get_initial_state", None)
            if fn is not None:
                out.append(fn(batch_size=batch_size))
            elif isinstance(cell.state_size, (list, tuple)):
                out.append([Tensor(np.zeros((batch_size, d), np.float32)) for d in cell.state_size])
            else:
                out.append(Tensor(np.zeros((batch_size, cell.state_size), np.float32)))
        return out

    def build(self, input_shape: Any) -> None:
        shape = tuple(input_shape)
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                cell.build(shape)
                cell.built = True
            shape = (shape[0], _cell_output_size(cell))
        self.built = True

    def call(self, inputs: Any, states: Any, training: bool | None = None) -> tuple[Any, list]:
        """One step through every cell: ``(last cell's output, [states of each cell])``."""
        if len(states) != len(self.cells):
            raise ValueError(
                f"{self.name}: expected states for {len(self.cells)} cells, received {len(states)}"
            )
        new_states = []
        for cell, group in zip(self.cells, states):
            as_list = isinstance(group, (list, tuple))
            group = list(group) if as_list else [group]
            inputs, group = call_cell(cell, inputs, group, training)
            if not isinstance(group, (list, tuple)):
                group = [group]
            new_states.append(group[0] if len(group) == 1 and not as_list else list(group))
        return inputs, new_states

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "cells": [serialize_keras_object(cell) for cell in self.cells],
        }

    @classmethod
    def from_config(
        cls, config: dict, custom_objects: dict[str, Any] | None = None
    ) -> StackedRNNCells:
        """Rebuild from ``get_config``; each cell's class resolves through
        ``custom_objects``, the active custom_object_scope, registration or ember's built-ins.

        Example:
            >>> stack = ember.layers.StackedRNNCells([ember.layers.GRUCell(2)])
            >>> ember.layers.StackedRNNCells.from_config(stack.get_config()).state_size
            [2]
        """
        config = dict(config)
        cells = [deserialize_layer(c, custom_objects) for c in config.pop("cells")]
        return cls(cells, **config)
