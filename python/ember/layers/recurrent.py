"""Recurrent layers with Keras' signatures, defaults and weight layouts: ``RNN(cell)`` and
SimpleRNN, LSTM, GRU (an RNN over a SimpleRNNCell, LSTMCell or GRUCell, exposed as ``.cell``).

``RNN`` runs a built-in cell over a whole sequence in one fused kernel call (input projection
as one GEMM, one recurrent product per step with the gate math fused after it,
backpropagation through time in C++); a stack of cells (``StackedRNNCells`` or a list) runs
one such call per cell, the cells one after the other, which gives the same outputs and
states as stepping the stack. A user's cell (any layer with ``call(inputs, states)`` and
``state_size``) runs its own ``call`` once per time step, the documented exception to "no
Python per time step"; gradients flow through the unrolled steps by the autograd tape.

Weights: kernel (input_dim, gates * units), recurrent_kernel (units, gates * units), bias
(gates * units,) — (2, 3 * units) for GRU with reset_after — so ``set_weights`` takes Keras
arrays unchanged. Gate orders: LSTM i, f, c, o; GRU z, r, h.

Masks (Keras' rule): a masked step keeps the previous states and outputs the previous output
(zeros before a row's first valid step, or always zeros with ``zero_output_for_mask``).
``go_backwards`` processes the sequence from the end and returns outputs in processing order.

Example:
    >>> lstm = ember.layers.LSTM(8, return_sequences=True)
    >>> lstm(np.zeros((2, 5, 3))).shape, [w.shape for w in lstm.get_weights()]
    ((2, 5, 8), [(3, 32), (8, 32), (32,)])
    >>> rnn = ember.layers.RNN(ember.layers.LSTMCell(8), return_state=True)
    >>> [t.shape for t in rnn(np.zeros((2, 5, 3)))]
    [(2, 8), (2, 8), (2, 8)]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ember import regularizers as regularizers_module
from ember.autograd import Tensor
from ember.layers.base import Layer
from ember.layers.input_spec import InputSpec, assert_input_compatibility
from ember.layers.node import flatten
from ember.layers.rnn_cells import (
    KERNEL_ACTIVATIONS,
    GRUCell,
    LSTMCell,
    SimpleRNNCell,
    StackedRNNCells,
    call_cell,
    is_builtin_cell,
    runs_fused,
    zero_initial_state,
)
from ember.ops import math as math_ops
from ember.ops import recurrent as rnn_ops
from ember.saving.serialization_lib import deserialize_layer, serialize_keras_object

__all__ = ["GRU", "KERNEL_ACTIVATIONS", "LSTM", "RNN", "SimpleRNN"]


def _pack(structure: Any, leaves: list[Any]) -> Any:
    """``leaves`` (flat, in order) arranged like ``structure`` (nested lists/tuples)."""
    it = iter(leaves)

    def build(s: Any) -> Any:
        if isinstance(s, (list, tuple)):
            return [build(item) for item in s]
        return next(it)

    return build(structure)


def _zeros(batch: int, size: Any) -> Tensor:
    dims = tuple(size) if isinstance(size, (list, tuple)) else (size,)
    return Tensor(np.zeros((batch, *dims), np.float32))


def _detached(t: Any) -> Tensor:
    return Tensor(np.array(t.numpy() if isinstance(t, Tensor) else t, np.float32))


class RNN(Layer):
    """Runs an RNN cell over the time axis of (batch, time, features) inputs.

    ``cell`` is a cell (a layer with ``call(inputs, states)`` returning ``(output,
    new_states)``, a ``state_size`` and optionally ``output_size`` and
    ``get_initial_state``) or a list of cells (stacked as ``StackedRNNCells``). Built-in
    cells run in ember's fused sequence kernels; other cells step in Python.

    Call: ``layer(inputs, initial_state=None, mask=None, training=None)``. Returns the last
    output (batch, output_size), or every output (batch, time, output_size) with
    ``return_sequences``; with ``return_state``, ``[output, *final_states]`` (for a stack, one
    entry per cell: a list of its states, or a tensor for a cell with one int state).

    Example:
        >>> class MinimalRNNCell(ember.layers.Layer):
        ...     def __init__(self, units, **kwargs):
        ...         super().__init__(**kwargs)
        ...         self.units = self.state_size = units
        ...     def build(self, input_shape):
        ...         self.w = self.add_weight(shape=(input_shape[-1], self.units), name="w")
        ...         self.u = self.add_weight(shape=(self.units, self.units), name="u")
        ...     def call(self, inputs, states):
        ...         h = inputs @ self.w + states[0] @ self.u
        ...         return h, [h]
        >>> ember.layers.RNN(MinimalRNNCell(4), return_sequences=True)(np.ones((2, 5, 3))).shape
        (2, 5, 4)
    """

    def __init__(
        self,
        cell: Any,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        unroll: bool = False,
        zero_output_for_mask: bool = False,
        **kwargs: Any,
    ) -> None:
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(list(cell))
        if not hasattr(cell, "call"):
            raise ValueError(f"Argument `cell` should have a `call` method. Received: cell={cell}")
        if not hasattr(cell, "state_size"):
            raise ValueError(
                "The RNN cell should have a `state_size` attribute (single integer or list of "
                f"integers, one integer per RNN state). Received: cell={cell}"
            )
        super().__init__(**kwargs)
        state_size = getattr(cell, "state_size", None)
        if state_size is None:
            raise ValueError("state_size must be specified as property on the RNN cell.")
        if isinstance(state_size, bool) or not isinstance(state_size, (list, tuple, int)):
            raise ValueError(
                "state_size must be an integer, or a list/tuple of integers "
                f"(one for each state tensor). Received: state_size={state_size!r}"
            )
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)  # accepted: the fused kernels and the step loop unroll
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.supports_masking = True
        self.single_state = isinstance(state_size, int)
        self.state_size = [state_size] if self.single_state else list(state_size)
        # The carried states of a stateful layer, as Keras: ``layer.states[0].numpy()``.
        self.states: list[Any] | None = None
        self._stateful_batch: int | None = None
        self._flat_shapes = False
        # Fused built-in cells take (batch, time, features); a user's cell steps of any rank.
        fused = all(runs_fused(c) for c in self._cells())
        self.input_spec = InputSpec(ndim=3) if fused else InputSpec(min_ndim=3)

    # ------------------------------------------------------------------ cells
    def _plan(self) -> tuple[list[Any], bool, Any]:
        """(the cells run one after the other over the whole sequence, whether they come
        from a stack, the cell itself when it is one fused built-in cell starting from zeros
        — the short path — else None). A StackedRNNCells is taken apart: its cells are
        causal, so cell by cell over the sequence equals step by step through the stack.
        Cached per cell object."""
        cached = self.__dict__.get("_plan_cache")
        cell = self.cell
        if cached is not None and cached[0] is cell:
            return cached[1]
        if isinstance(cell, StackedRNNCells) and type(cell).call is StackedRNNCells.call:
            plan = (list(cell.cells), True, None)
        else:
            plain = runs_fused(cell) and zero_initial_state(cell)
            plan = ([cell], False, cell if plain else None)
        self.__dict__["_plan_cache"] = (cell, plan)
        return plan

    def _cells(self) -> list[Any]:
        return self._plan()[0]

    def _stacked(self) -> bool:
        return self._plan()[1]

    def _default_group(self, cell: Any, batch: int | None) -> tuple[list[Any], bool]:
        """A cell's initial states when none are given, and whether a stack reports them as
        a list (Keras: what the cell's get_initial_state returns; else a list for a list
        state_size, a tensor for an int). ``None`` entries are zeros made by the kernel."""
        fn = getattr(cell, "get_initial_state", None)
        if runs_fused(cell) and zero_initial_state(cell):
            return [None] * len(flatten(cell.state_size)), True
        if fn is not None:
            got = fn(batch_size=batch)
            if isinstance(got, (list, tuple)):
                return list(got), True
            return [got], False
        size = cell.state_size
        if isinstance(size, (list, tuple)):
            return [_zeros(batch, s) for s in size], True
        return [_zeros(batch, size)], False

    def get_initial_state(self, batch_size: int) -> list[Any]:
        """The zero (or cell-defined) initial states for ``batch_size`` rows, as a list (one
        entry per cell of a stack).

        Example:
            >>> [s.shape for s in ember.layers.RNN(ember.layers.LSTMCell(3)).get_initial_state(2)]
            [(2, 3), (2, 3)]
        """
        groups = []
        for cell in self._cells():
            group, as_list = self._default_group(cell, batch_size)
            sizes = flatten(cell.state_size)
            group = [_zeros(batch_size, sizes[i]) if s is None else s for i, s in enumerate(group)]
            groups.append(group if as_list else group[0])
        return groups if self._stacked() else groups[0]

    # ------------------------------------------------------------------ build
    def _nested_inputs(self) -> NotImplementedError:
        return NotImplementedError(
            f"{self.name}: nested inputs (a list, tuple or dict of sequences) are not "
            "supported; pass one (batch, time, features) tensor"
        )

    def _assert_input_compatible(self, inputs: Any) -> None:
        # Nested inputs are refused as such before the spec would call them the wrong count.
        if isinstance(inputs, dict) or (
            isinstance(inputs, (list, tuple))
            and any(hasattr(v, "shape") or isinstance(v, (list, tuple, dict)) for v in inputs)
        ):
            raise self._nested_inputs()
        super()._assert_input_compatible(inputs)

    def build(self, input_shape: Any) -> None:
        if isinstance(input_shape, dict) or (
            isinstance(input_shape, (list, tuple))
            and any(isinstance(s, (list, tuple, dict)) for s in input_shape)
        ):
            raise self._nested_inputs()
        shape = tuple(input_shape)
        assert_input_compatibility(self.input_spec, shape, self.name)
        step = (shape[0], *shape[2:])
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell.build(step)
            self.cell.built = True
        if self.stateful:
            if shape[0] is None:
                raise ValueError(
                    "When using `stateful=True` in a RNN, the batch size must be static. "
                    f"Found dynamic batch size: sequence.shape={tuple(shape)}"
                )
            self._stateful_batch = int(shape[0])
            self.states = self.get_initial_state(self._stateful_batch)
        self.built = True

    @staticmethod
    def _sequence_shape(shapes: Any) -> tuple:
        if isinstance(shapes, list) and shapes and isinstance(shapes[0], (tuple, list)):
            return tuple(shapes[0])
        return tuple(shapes)

    def _check_input_compatible(self, shapes: Any) -> None:
        shape = self._sequence_shape(shapes)
        # Fused cells take exactly (batch, time, features) with the kernel's feature size; a
        # user's cell may take steps of any rank. Keras' wording, through an InputSpec.
        fused = all(runs_fused(c) for c in self._cells())
        first = self._cells()[0]
        kernel = getattr(first, "kernel", None) if runs_fused(first) else None
        spec = InputSpec(
            ndim=3 if fused else None,
            min_ndim=None if fused else 3,
            axes={-1: int(kernel.shape[0])} if kernel is not None else None,
        )
        assert_input_compatibility(spec, shape, self.name)
        if shape[1] == 0:
            raise ValueError(f"{self.name}: the input has 0 time steps: {tuple(shape)}")

    # ------------------------------------------------------------------ states
    def reset_states(self, states: Any = None) -> None:
        """Zero the carried states of a stateful layer, or set them to ``states`` (arrays in
        the structure of ``layer.states``, or flat)."""
        if not self.stateful:
            raise AttributeError(f"Layer {self.name} is not stateful.")
        if self._stateful_batch is None:
            return
        current = self.get_initial_state(self._stateful_batch)
        if states is None:
            self.states = current
            return
        given = states if isinstance(states, (list, tuple)) else [states]
        values = [np.array(getattr(s, "data", s), np.float32) for s in flatten(list(given))]
        expected = [tuple(t.shape) for t in flatten(current)]
        if [v.shape for v in values] != expected:
            raise ValueError(
                f"{self.name}: reset_states expects {len(expected)} array(s) of shapes "
                f"{expected}, received {[v.shape for v in values]}"
            )
        self.states = _pack(current, [Tensor(v) for v in values])

    reset_state = reset_states

    def _initial_groups(self, batch: int, initial_state: Any) -> tuple[list[list[Any]], list[bool]]:
        """Per cell: its initial states (Tensors, None for kernel zeros) and whether a stack
        reports that cell's states as a list."""
        cells = self._cells()
        if initial_state is None and self.stateful:
            if self.states is None:
                self._stateful_batch = batch
                self.states = self.get_initial_state(batch)
            elif batch != self._stateful_batch:
                raise ValueError(
                    "If an RNN is stateful, the batch size of the input sequences must be the "
                    "same as the batch size of the initial state. \n"
                    f"- Expected batch size: {self._stateful_batch}\n"
                    f"- Received batch size: {batch}"
                )
            initial_state = self.states
        if initial_state is None:
            defaults = [self._default_group(cell, batch) for cell in cells]
            return [g for g, _ in defaults], [a for _, a in defaults]

        given = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
        counts = [len(flatten(cell.state_size)) for cell in cells]
        if len(cells) == 1:
            entries, as_list = [given], [True]
        elif len(given) == len(cells) and all(len(flatten(g)) == n for g, n in zip(given, counts)):
            entries = [list(g) if isinstance(g, (list, tuple)) else [g] for g in given]
            as_list = [isinstance(g, (list, tuple)) for g in given]
        else:  # flat: split by the cells' state counts
            leaves = flatten(given)
            if len(leaves) != sum(counts):
                raise ValueError(
                    f"{self.name}: expected {sum(counts)} initial state tensors (one per state "
                    f"of each cell: {counts}), received {len(leaves)}"
                )
            entries, start = [], 0
            for n in counts:
                entries.append(leaves[start : start + n])
                start += n
            as_list = [n > 1 for n in counts]
        groups = []
        for cell, entry, n in zip(cells, entries, counts):
            leaves = [s if isinstance(s, Tensor) else Tensor(s) for s in flatten(entry)]
            if len(leaves) != n:
                raise ValueError(
                    f"{self.name} expects {n} initial state(s) for cell "
                    f"{getattr(cell, 'name', cell)}, received {len(leaves)}"
                )
            sizes = flatten(cell.state_size)
            for s, size in zip(leaves, sizes):
                want = (batch, *(size if isinstance(size, (list, tuple)) else (size,)))
                if tuple(s.shape) != want:
                    raise ValueError(
                        f"{self.name}: initial state must have shape {want}, received "
                        f"{tuple(s.shape)}"
                    )
            groups.append(_pack(entry, leaves) if not runs_fused(cell) else leaves)
        return groups, as_list

    # ------------------------------------------------------------------ running
    def call(
        self,
        inputs: Tensor,
        initial_state: Any = None,
        mask: Any = None,
        training: bool | None = None,
    ) -> Any:
        plain = self._plan()[2]
        if (
            plain is not None
            and mask is None
            and initial_state is None
            and not self.stateful
            and not (training and (plain.dropout or plain.recurrent_dropout))
        ):
            shape = inputs.shape
            if len(shape) == 3 and shape[1] and shape[2] == plain.kernel.shape[0]:
                seq, *final = plain._run_plain(inputs, self.go_backwards)
                out = seq if self.return_sequences else final[0]
                return [out, *final] if self.return_state else out
        if not isinstance(inputs, Tensor):
            raise self._nested_inputs()
        self._check_input_compatible(tuple(inputs.shape))
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        batch, time = inputs.shape[0], inputs.shape[1]
        if mask is not None:
            mask = np.asarray(getattr(mask, "data", mask)).astype(bool)
            if mask.shape != (batch, time):
                raise ValueError(
                    f"{self.name}: the mask must have shape (batch, time) = {(batch, time)}, "
                    f"received {mask.shape}"
                )
        cells = self._cells()
        groups, as_list = self._initial_groups(batch, initial_state)
        try:
            output, finals = self._run(cells, inputs, groups, mask, training)
        finally:
            for cell in cells:
                if is_builtin_cell(cell):
                    cell.reset_dropout_mask()
                    cell.reset_recurrent_dropout_mask()
        if self._stacked():
            states = [f if a else f[0] for f, a in zip(finals, as_list)]
        else:
            states = list(finals[0])
        if self.stateful:
            self.states = _pack(states, [_detached(t) for t in flatten(states)])
        if self.return_state:
            return [output, *states]
        return output

    def _run(
        self,
        cells: list[Any],
        x: Tensor,
        groups: list[list[Any]],
        mask: np.ndarray | None,
        training: bool | None,
    ) -> tuple[Tensor, list[list[Tensor]]]:
        """Each cell over the whole sequence, in order: (top output, final states per cell).

        The first cell reads x in time order (going backwards when asked); its output
        sequence, and every later one, is in processing order, so the later cells run
        forwards over it with the mask in processing order."""
        back = self.go_backwards
        pmask = None if mask is None else np.ascontiguousarray(mask[:, ::-1] if back else mask)
        finals: list[list[Tensor]] = []
        output: Tensor | None = None
        last_index = len(cells) - 1
        for i, cell in enumerate(cells):
            top = i == last_index
            cell_mask, cell_back = (mask, back) if i == 0 else (pmask, False)
            if runs_fused(cell):
                seq, *final = cell._run_sequence(x, groups[i], cell_mask, training, cell_back)
                finals.append(list(final))
                if top:
                    output = self._fused_output(seq, final[0], pmask)
                x = seq
            else:
                want_seq = not top or self.return_sequences
                seq, last, final = self._step_loop(
                    cell, x, groups[i], cell_mask, training, cell_back, want_seq, top
                )
                finals.append(final)
                if top:
                    output = seq if self.return_sequences else last
                x = seq
        assert output is not None
        return output, finals

    def _fused_output(self, seq: Tensor, h: Tensor, pmask: np.ndarray | None) -> Tensor:
        """The layer's output from a fused cell's output sequence and final h."""
        if pmask is None:
            return seq if self.return_sequences else h
        if self.return_sequences:
            if self.zero_output_for_mask:
                return math_ops.multiply(seq, pmask[:, :, None].astype(np.float32))
            return seq
        last = math_ops.getitem(seq, (slice(None), -1))
        if self.zero_output_for_mask:
            return rnn_ops.where_rows(pmask[:, -1], last, _zeros(last.shape[0], last.shape[1:]))
        return last

    def _step_loop(
        self,
        cell: Any,
        x: Tensor,
        states: Any,
        mask: np.ndarray | None,
        training: bool | None,
        backwards: bool,
        want_seq: bool,
        top: bool,
    ) -> tuple[Tensor | None, Tensor, Any]:
        """A cell's own call once per time step: (output sequence or None, last output,
        final states). At a masked step the states keep their previous values and the output
        repeats the previous output (zeros before the first valid step, or always zeros with
        zero_output_for_mask on the layer's own output)."""
        time = x.shape[1]
        steps = rnn_ops.time_steps(x)
        order = range(time - 1, -1, -1) if backwards else range(time)
        zero_output = top and self.zero_output_for_mask
        outputs: list[Tensor] = []
        previous: Tensor | None = None
        for t in order:
            out, new = call_cell(cell, steps[t], states, training)
            out = out if isinstance(out, Tensor) else Tensor(out)
            if not isinstance(new, (list, tuple)):
                new = [new]
            new_leaves = [s if isinstance(s, Tensor) else Tensor(s) for s in flatten(list(new))]
            if mask is not None:
                keep = mask[:, t]
                if not keep.all():
                    base = (
                        _zeros(out.shape[0], out.shape[1:])
                        if zero_output or previous is None
                        else previous
                    )
                    out = rnn_ops.where_rows(keep, out, base)
                    old_leaves = flatten(states)
                    if len(old_leaves) != len(new_leaves):
                        raise ValueError(
                            f"{self.name}: the cell returned {len(new_leaves)} state(s), "
                            f"expected {len(old_leaves)}"
                        )
                    new_leaves = [
                        rnn_ops.where_rows(keep, n, o) for n, o in zip(new_leaves, old_leaves)
                    ]
            states = _pack(list(new), new_leaves)
            previous = out
            if want_seq:
                outputs.append(out)
        assert previous is not None
        seq = rnn_ops.stack_steps(outputs) if want_seq else None
        return seq, previous, states

    # ------------------------------------------------------------------ shapes
    def _state_shapes(self, batch: Any) -> list[Any]:
        shapes = []
        for cell in self._cells():
            sizes = cell.state_size
            if isinstance(sizes, (list, tuple)):
                group = [(batch, *flatten([s])) for s in sizes]
            else:
                group = [(batch, sizes)]
            if runs_fused(cell) or not self._stacked():
                as_list = True
            else:
                as_list = self._default_group(cell, 1)[1]
            shapes.append(group if as_list else group[0])
        if self._stacked():
            return shapes
        return list(shapes[0])

    def compute_output_shape(self, input_shape: Any) -> Any:
        shape = self._sequence_shape(input_shape)
        batch, time = shape[0], shape[1]
        size = getattr(self.cell, "output_size", None)
        if size is None:
            size = self.state_size[0]
            size = flatten([size])[0]
        out = (batch, time, size) if self.return_sequences else (batch, size)
        if not self.return_state:
            return out
        states = self._state_shapes(batch)
        if self._flat_shapes:
            return [out, *[s for s in _flat_tuples(states)]]
        return [out, *states]

    def _symbolic_call(self, inputs: Any, args: tuple, kwargs: dict) -> Any:
        self._flat_shapes = True
        try:
            outputs = super()._symbolic_call(inputs, args, kwargs)
        finally:
            self._flat_shapes = False
        if not (self.return_state and self._stacked()):
            return outputs
        structure = [None, *self._state_shapes(None)]
        nested = _pack_tuples(structure, list(outputs))
        outputs[0].node.outputs = nested
        return nested

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        # Keras passes the input mask on unchanged (also with go_backwards).
        if mask is None or not self.return_sequences:
            return None
        return mask[0] if isinstance(mask, list) else mask

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "zero_output_for_mask": self.zero_output_for_mask,
            "cell": serialize_keras_object(self.cell),
        }

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict[str, Any] | None = None) -> RNN:
        """Rebuild from ``get_config``; the cell's class resolves through ``custom_objects``,
        the active custom_object_scope, registration or ember's built-ins.

        Example:
            >>> rnn = ember.layers.RNN(ember.layers.GRUCell(3), return_sequences=True)
            >>> type(ember.layers.RNN.from_config(rnn.get_config()).cell).__name__
            'GRUCell'
        """
        config = dict(config)
        cell = config.pop("cell")
        if isinstance(cell, list):
            cell = [deserialize_layer(c, custom_objects) for c in cell]
        else:
            cell = deserialize_layer(cell, custom_objects)
        return cls(cell, **config)


def _flat_tuples(structure: list[Any]) -> list[tuple]:
    out: list[tuple] = []
    for item in structure:
        if isinstance(item, list):
            out.extend(item)
        else:
            out.append(item)
    return out


def _pack_tuples(structure: list[Any], flat: list[Any]) -> list[Any]:
    """Regroup a flat list like ``structure`` (a list of shape tuples / lists of tuples)."""
    it = iter(flat)
    return [[next(it) for _ in item] if isinstance(item, list) else next(it) for item in structure]


class _CellRNN(RNN):
    """SimpleRNN, LSTM and GRU: an RNN over a built-in cell made from the layer's
    arguments (Keras 3's layout: the cell holds the weights; the layer's get_config lists the
    cell's arguments instead of the cell)."""

    _cell_class: type = LSTMCell
    _cell_name = "lstm_cell"

    def __init__(
        self,
        cell_kwargs: dict[str, Any],
        activity_regularizer: Any = None,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        unroll: bool = False,
        use_cudnn: Any = "auto",
        **kwargs: Any,
    ) -> None:
        kwargs.pop("implementation", None)  # Keras' internal kernel choice
        if use_cudnn not in ("auto", True, False):
            raise ValueError(
                "Invalid valid received for argument `use_cudnn`. Expected one of "
                f"{{'auto', True, False}}. Received: use_cudnn={use_cudnn}"
            )
        cell = self._cell_class(
            name=self._cell_name,
            trainable=kwargs.get("trainable", True),
            dtype=kwargs.get("dtype"),
            **cell_kwargs,
        )
        super().__init__(
            cell,
            return_sequences=return_sequences,
            return_state=return_state,
            go_backwards=go_backwards,
            stateful=stateful,
            unroll=unroll,
            activity_regularizer=activity_regularizer,
            **kwargs,
        )

    # Keras' layer attributes, read from the cell.
    units = property(lambda self: self.cell.units)
    activation = property(lambda self: self.cell.activation)
    use_bias = property(lambda self: self.cell.use_bias)
    kernel_initializer = property(lambda self: self.cell.kernel_initializer)
    recurrent_initializer = property(lambda self: self.cell.recurrent_initializer)
    bias_initializer = property(lambda self: self.cell.bias_initializer)
    kernel_regularizer = property(lambda self: self.cell.kernel_regularizer)
    recurrent_regularizer = property(lambda self: self.cell.recurrent_regularizer)
    bias_regularizer = property(lambda self: self.cell.bias_regularizer)
    kernel_constraint = property(lambda self: self.cell.kernel_constraint)
    recurrent_constraint = property(lambda self: self.cell.recurrent_constraint)
    bias_constraint = property(lambda self: self.cell.bias_constraint)
    dropout = property(lambda self: self.cell.dropout)
    recurrent_dropout = property(lambda self: self.cell.recurrent_dropout)
    seed = property(lambda self: self.cell.seed)
    # ember's names for the weights (``layer.kernel``), also read from the cell.
    kernel = property(lambda self: self.cell.kernel)
    recurrent_kernel = property(lambda self: self.cell.recurrent_kernel)
    bias = property(lambda self: self.cell.bias)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["cell"]
        cell = self.cell.get_config()
        for key in ("name", "trainable", "dtype"):
            cell.pop(key, None)
        activity = regularizers_module.serialize(self.activity_regularizer)
        return {**config, **cell, "activity_regularizer": activity}

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict[str, Any] | None = None) -> RNN:
        return cls(**config)


class SimpleRNN(_CellRNN):
    """Fully connected recurrent layer: h_t = activation(x_t W + h_{t-1} U + b); an RNN over
    a ``SimpleRNNCell`` (``layer.cell``).

    Example:
        >>> layer = ember.layers.SimpleRNN(4, return_state=True)
        >>> out, h = layer(np.ones((2, 5, 3)))
        >>> out.shape, type(layer.cell).__name__
        ((2, 4), 'SimpleRNNCell')
    """

    _cell_class = SimpleRNNCell
    _cell_name = "simple_rnn_cell"

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
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        recurrent_constraint: Any = None,
        bias_constraint: Any = None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        unroll: bool = False,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.pop("recurrent_activation", None)
        super().__init__(
            dict(
                units=units,
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
            ),
            activity_regularizer=activity_regularizer,
            return_sequences=return_sequences,
            return_state=return_state,
            go_backwards=go_backwards,
            stateful=stateful,
            unroll=unroll,
            **kwargs,
        )


class LSTM(_CellRNN):
    """Long short-term memory layer; an RNN over an ``LSTMCell`` (``layer.cell``);
    ``return_state`` gives [output, h, c].

    Example:
        >>> out, h, c = ember.layers.LSTM(4, return_state=True)(np.ones((2, 5, 3)))
        >>> out.shape, c.shape
        ((2, 4), (2, 4))
    """

    _cell_class = LSTMCell
    _cell_name = "lstm_cell"

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
        super().__init__(
            dict(
                units=units,
                activation=activation,
                recurrent_activation=recurrent_activation,
                use_bias=use_bias,
                kernel_initializer=kernel_initializer,
                recurrent_initializer=recurrent_initializer,
                bias_initializer=bias_initializer,
                unit_forget_bias=unit_forget_bias,
                kernel_regularizer=kernel_regularizer,
                recurrent_regularizer=recurrent_regularizer,
                bias_regularizer=bias_regularizer,
                kernel_constraint=kernel_constraint,
                recurrent_constraint=recurrent_constraint,
                bias_constraint=bias_constraint,
                dropout=dropout,
                recurrent_dropout=recurrent_dropout,
                seed=seed,
            ),
            activity_regularizer=activity_regularizer,
            return_sequences=return_sequences,
            return_state=return_state,
            go_backwards=go_backwards,
            stateful=stateful,
            unroll=unroll,
            **kwargs,
        )

    recurrent_activation = property(lambda self: self.cell.recurrent_activation)
    unit_forget_bias = property(lambda self: self.cell.unit_forget_bias)


class GRU(_CellRNN):
    """Gated recurrent unit; an RNN over a ``GRUCell`` (``layer.cell``). ``reset_after=True``
    (Keras' default) applies the reset gate after the recurrent product and keeps separate
    input and recurrent biases (shape (2, 3 units)).

    Example:
        >>> layer = ember.layers.GRU(4)
        >>> layer(np.ones((2, 5, 3))).shape, layer.get_weights()[2].shape
        ((2, 4), (2, 12))
    """

    _cell_class = GRUCell
    _cell_name = "gru_cell"

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
        reset_after: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            dict(
                units=units,
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
                reset_after=reset_after,
                seed=seed,
            ),
            activity_regularizer=activity_regularizer,
            return_sequences=return_sequences,
            return_state=return_state,
            go_backwards=go_backwards,
            stateful=stateful,
            unroll=unroll,
            **kwargs,
        )

    recurrent_activation = property(lambda self: self.cell.recurrent_activation)
    reset_after = property(lambda self: self.cell.reset_after)
