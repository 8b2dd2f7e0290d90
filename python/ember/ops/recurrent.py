"""Whole-sequence recurrent ops: LSTM, GRU and SimpleRNN, forward and backpropagation
through time, each one call into ember's fused kernels (no Python per time step).

Inputs are batch-major (batch, time, features). Each op returns the output sequence and the
final state(s); gradients flow to the inputs, the initial states and the weights. The three
cells share one Function, ``Recurrent``, told by a ``CellKind`` which kernels to call, how many
states the cell carries and which flags its kernels take.

Example:
    >>> x = ember.tensor(np.random.rand(2, 5, 3))
    >>> k = ember.Variable(np.random.rand(3, 16) * 0.1)
    >>> u = ember.Variable(np.random.rand(4, 16) * 0.1)
    >>> seq, h, c = ember.ops.recurrent.lstm(x, k, u, None, None, None)
    >>> seq.shape, h.shape
    ((2, 5, 4), (2, 4))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ember import device
from ember.autograd import Function, Tensor
from ember.device import kernels
from ember.ops.math import to_float


@dataclass(frozen=True)
class CellKind:
    """What distinguishes one recurrent cell's kernels from another's.

    ``forward`` and ``backward`` name the kernel-table functions; ``states`` is how many state
    tensors the cell carries (LSTM: h and c; GRU and SimpleRNN: h); ``flags`` are the keyword
    settings its kernels take.

    Example:
        >>> ember.ops.recurrent.LSTM_CELL.states
        2
    """

    name: str
    forward: str
    backward: str
    states: int
    flags: tuple[str, ...]


LSTM_CELL = CellKind(
    "lstm",
    "lstm_forward",
    "lstm_backward",
    2,
    ("activation", "recurrent_activation", "go_backwards"),
)
GRU_CELL = CellKind(
    "gru",
    "gru_forward",
    "gru_backward",
    1,
    ("activation", "recurrent_activation", "reset_after", "go_backwards"),
)
SIMPLE_RNN_CELL = CellKind(
    "simple_rnn", "simple_rnn_forward", "simple_rnn_backward", 1, ("activation", "go_backwards")
)


class Recurrent(Function):
    """A whole sequence through one cell kind: ``(h_seq, *final_states)``.

    Arguments: x, kernel, recurrent_kernel, bias, h0, c0 (Tensors or None: no bias, zero
    initial state; c0 only for a two-state cell), mask, recurrent_mask (arrays or None), the
    ``CellKind`` and its flags. The kernels take the states as a variable-length run between
    bias and mask; the Function's argument list is the same for every cell.
    """

    def forward(self, x, kernel, recurrent, bias, h0, c0, mask, rec_mask, cell: CellKind, flags):
        initial = (h0, c0)[: cell.states]
        # The kernel keeps the gate activations for backward only when told to.
        h_seq, *last, state = getattr(kernels(x), cell.forward)(
            x, kernel, recurrent, bias, *initial, mask, rec_mask, training=self.record, **flags
        )
        if self.record:
            self.cell, self.flags = cell, flags
            self.saved = (x, kernel, recurrent, bias, *initial, mask, rec_mask)
            self.h_seq, self.state = h_seq, state
        return (h_seq, *last)

    def backward(self, dh_seq, *d_last):
        cell = self.cell
        dx, *d_initial, dk, dr, db = getattr(kernels(self.saved[0]), cell.backward)(
            dh_seq, *d_last, *self.saved, self.h_seq, self.state, **self.flags
        )
        dh0, dc0 = d_initial if cell.states == 2 else (d_initial[0], None)
        return dx, dk, dr, db, dh0, dc0, None, None, None, None


def _mask_array(mask: Any, x: Tensor) -> Any:
    """The mask as an array on x's device (masks are data, made on the host by the layers)."""
    if mask is None:
        return None
    arr = mask.data if isinstance(mask, Tensor) else mask
    if type(x.data) is np.ndarray:
        return np.asarray(arr)
    return device.to(arr, device.of(x.data))


def _run(
    cell: CellKind,
    x: Any,
    kernel: Tensor,
    recurrent_kernel: Tensor,
    bias: Tensor | None,
    h0: Any,
    c0: Any,
    mask: Any,
    recurrent_mask: Any,
    **flags: Any,
) -> tuple[Tensor, ...]:
    if set(flags) != set(cell.flags):  # a programming error in this module, not user input
        raise TypeError(f"{cell.name}: flags {sorted(flags)}, expected {sorted(cell.flags)}")
    x = to_float(x)
    return Recurrent.apply(
        x,
        kernel,
        recurrent_kernel,
        bias,
        None if h0 is None else to_float(h0),
        None if c0 is None else to_float(c0),
        _mask_array(mask, x),
        _mask_array(recurrent_mask, x),
        cell,
        flags,
    )


def lstm(
    x: Any,
    kernel: Tensor,
    recurrent_kernel: Tensor,
    bias: Tensor | None,
    h0: Any,
    c0: Any,
    mask: Any = None,
    recurrent_mask: Any = None,
    activation: str = "tanh",
    recurrent_activation: str = "sigmoid",
    go_backwards: bool = False,
) -> tuple[Tensor, Tensor, Tensor]:
    """(output sequence, final h, final c) of an LSTM over x (batch, time, features)."""
    return _run(
        LSTM_CELL,
        x,
        kernel,
        recurrent_kernel,
        bias,
        h0,
        c0,
        mask,
        recurrent_mask,
        activation=activation,
        recurrent_activation=recurrent_activation,
        go_backwards=go_backwards,
    )


def gru(
    x: Any,
    kernel: Tensor,
    recurrent_kernel: Tensor,
    bias: Tensor | None,
    h0: Any,
    mask: Any = None,
    recurrent_mask: Any = None,
    activation: str = "tanh",
    recurrent_activation: str = "sigmoid",
    reset_after: bool = True,
    go_backwards: bool = False,
) -> tuple[Tensor, Tensor]:
    """(output sequence, final h) of a GRU over x (batch, time, features)."""
    return _run(
        GRU_CELL,
        x,
        kernel,
        recurrent_kernel,
        bias,
        h0,
        None,
        mask,
        recurrent_mask,
        activation=activation,
        recurrent_activation=recurrent_activation,
        reset_after=reset_after,
        go_backwards=go_backwards,
    )


def simple_rnn(
    x: Any,
    kernel: Tensor,
    recurrent_kernel: Tensor,
    bias: Tensor | None,
    h0: Any,
    mask: Any = None,
    recurrent_mask: Any = None,
    activation: str = "tanh",
    go_backwards: bool = False,
) -> tuple[Tensor, Tensor]:
    """(output sequence, final h) of a fully connected RNN over x (batch, time, features)."""
    return _run(
        SIMPLE_RNN_CELL,
        x,
        kernel,
        recurrent_kernel,
        bias,
        h0,
        None,
        mask,
        recurrent_mask,
        activation=activation,
        go_backwards=go_backwards,
    )


# ---------------------------------------------------------------------- per-step helpers
# What ``layers.RNN`` needs to run a user's cell one step at a time (the documented exception
# to "no Python per time step"): the sequence cut into steps, the step outputs stacked back,
# and a masked step's carry (``where``) — each one op, whatever the sequence length.


class TimeSteps(Function):
    """(batch, time, ...) -> ``time`` tensors (batch, ...), each a contiguous copy."""

    def forward(self, x):
        self.shape, self.dtype = x.shape, x.dtype
        return tuple(np.ascontiguousarray(x[:, t]) for t in range(x.shape[1]))

    def backward(self, *grads):
        out = np.zeros(self.shape, self.dtype)
        for t, g in enumerate(grads):
            if g is not None:
                out[:, t] = g
        return (out,)


class StackSteps(Function):
    """``time`` tensors (batch, ...) -> (batch, time, ...)."""

    def forward(self, *steps):
        return np.stack(steps, axis=1)

    def backward(self, g):
        return tuple(g[:, t] for t in range(g.shape[1]))


class Where(Function):
    """``where(keep, a, b)`` for a boolean row mask ``keep`` (batch,): row b of ``a`` where
    keep[b], else row b of ``b``. Gradients go to the chosen rows only."""

    def forward(self, keep, a, b):
        self.keep = keep.reshape(keep.shape + (1,) * (a.ndim - 1))
        return np.where(self.keep, a, b)

    def backward(self, g):
        zero = np.zeros((), g.dtype)
        return None, np.where(self.keep, g, zero), np.where(self.keep, zero, g)


def time_steps(x: Any) -> tuple[Tensor, ...]:
    """The time steps of a (batch, time, ...) sequence as separate tensors, one op.

    Example:
        >>> steps = ember.ops.recurrent.time_steps(np.zeros((2, 5, 3)))
        >>> len(steps), steps[0].shape
        (5, (2, 3))
    """
    x = to_float(x)
    if x.ndim < 3:
        raise ValueError(f"time_steps: expected (batch, time, ...), received shape {x.shape}")
    out = TimeSteps.apply(x)
    return out if isinstance(out, tuple) else (out,)


def stack_steps(steps: list[Any]) -> Tensor:
    """Step tensors (batch, ...) stacked along a new time axis 1: (batch, time, ...).

    Example:
        >>> ember.ops.recurrent.stack_steps([np.zeros((2, 3))] * 4).shape
        (2, 4, 3)
    """
    return StackSteps.apply(*[to_float(s) for s in steps])


def where_rows(keep: Any, a: Any, b: Any) -> Tensor:
    """Per batch row: ``a`` where ``keep`` (bool, shape (batch,)) is true, else ``b``.

    Example:
        >>> keep = np.array([True, False])
        >>> ember.ops.recurrent.where_rows(keep, np.ones((2, 2)), np.zeros((2, 2))).numpy()
        array([[1., 1.],
               [0., 0.]], dtype=float32)
    """
    keep = np.asarray(getattr(keep, "data", keep), dtype=bool)
    a, b = to_float(a), to_float(b)
    if keep.shape != (a.shape[0],) or a.shape != b.shape:
        raise ValueError(
            f"where_rows: expected keep of shape ({a.shape[0]},) and two tensors of one shape, "
            f"received {keep.shape}, {a.shape} and {b.shape}"
        )
    return Where.apply(keep, a, b)
