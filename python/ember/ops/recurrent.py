"""Whole-sequence recurrent ops: LSTM, GRU and SimpleRNN, forward and backpropagation
through time, each one call into ember's fused kernels (no Python per time step).

Inputs are batch-major (batch, time, features). Each op returns the output sequence and the
final state(s); gradients flow to the inputs, the initial states and the weights.

Example:
    >>> x = ember.tensor(np.random.rand(2, 5, 3))
    >>> k = ember.Variable(np.random.rand(3, 16) * 0.1)
    >>> u = ember.Variable(np.random.rand(4, 16) * 0.1)
    >>> seq, h, c = ember.ops.recurrent.lstm(x, k, u, None, None, None)
    >>> seq.shape, h.shape
    ((2, 5, 4), (2, 4))
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ember import device
from ember.autograd import Function, Tensor, is_grad_enabled
from ember.device import kernels
from ember.ops.math import to_tensor

_ORDER = ("x", "kernel", "recurrent_kernel", "bias", "h0", "c0")


def _pick(grads: dict[str, np.ndarray | None], given: list[str]) -> tuple:
    """Gradients for the Tensor inputs that were given, in argument order."""
    return tuple(grads.get(name) for name in given)


class _Recurrent(Function):
    """Shared plumbing: which of the optional inputs were Tensors, and the saved arrays."""

    def _save(self, names: list[str], values: dict[str, Any]) -> None:
        self.given = [n for n in names if values.get(n) is not None]
        self.values = values


class LSTM(_Recurrent):
    def forward(self, x, kernel, recurrent, bias, h0, c0, mask, rec_mask, flags, record):
        h_seq, h_last, c_last, state = kernels(x).lstm_forward(
            x, kernel, recurrent, bias, h0, c0, mask, rec_mask, training=record, **flags
        )
        self._save(
            list(_ORDER),
            dict(x=x, kernel=kernel, recurrent_kernel=recurrent, bias=bias, h0=h0, c0=c0),
        )
        self.mask, self.rec_mask, self.flags = mask, rec_mask, flags
        self.h_seq, self.state = h_seq, state
        return h_seq, h_last, c_last

    def backward(self, dh_seq, dh_last, dc_last):
        v = self.values
        dx, dh0, dc0, dk, dr, db = kernels(v["x"]).lstm_backward(
            dh_seq,
            dh_last,
            dc_last,
            v["x"],
            v["kernel"],
            v["recurrent_kernel"],
            v["bias"],
            v["h0"],
            v["c0"],
            self.mask,
            self.rec_mask,
            self.h_seq,
            self.state,
            **self.flags,
        )
        return _pick(
            dict(x=dx, kernel=dk, recurrent_kernel=dr, bias=db, h0=dh0, c0=dc0), self.given
        )


class GRU(_Recurrent):
    def forward(self, x, kernel, recurrent, bias, h0, mask, rec_mask, flags, record):
        h_seq, h_last, state = kernels(x).gru_forward(
            x, kernel, recurrent, bias, h0, mask, rec_mask, training=record, **flags
        )
        self._save(
            list(_ORDER[:5]), dict(x=x, kernel=kernel, recurrent_kernel=recurrent, bias=bias, h0=h0)
        )
        self.mask, self.rec_mask, self.flags = mask, rec_mask, flags
        self.h_seq, self.state = h_seq, state
        return h_seq, h_last

    def backward(self, dh_seq, dh_last):
        v = self.values
        dx, dh0, dk, dr, db = kernels(v["x"]).gru_backward(
            dh_seq,
            dh_last,
            v["x"],
            v["kernel"],
            v["recurrent_kernel"],
            v["bias"],
            v["h0"],
            self.mask,
            self.rec_mask,
            self.h_seq,
            self.state,
            **self.flags,
        )
        return _pick(dict(x=dx, kernel=dk, recurrent_kernel=dr, bias=db, h0=dh0), self.given)


class SimpleRNN(_Recurrent):
    def forward(self, x, kernel, recurrent, bias, h0, mask, rec_mask, flags, record):
        h_seq, h_last, state = kernels(x).simple_rnn_forward(
            x, kernel, recurrent, bias, h0, mask, rec_mask, training=record, **flags
        )
        self._save(
            list(_ORDER[:5]), dict(x=x, kernel=kernel, recurrent_kernel=recurrent, bias=bias, h0=h0)
        )
        self.mask, self.rec_mask, self.flags = mask, rec_mask, flags
        self.h_seq, self.state = h_seq, state
        return h_seq, h_last

    def backward(self, dh_seq, dh_last):
        v = self.values
        dx, dh0, dk, dr, db = kernels(v["x"]).simple_rnn_backward(
            dh_seq,
            dh_last,
            v["x"],
            v["kernel"],
            v["recurrent_kernel"],
            v["bias"],
            v["h0"],
            self.mask,
            self.rec_mask,
            self.h_seq,
            self.state,
            **self.flags,
        )
        return _pick(dict(x=dx, kernel=dk, recurrent_kernel=dr, bias=db, h0=dh0), self.given)


def _records(*tensors: Any) -> bool:
    return is_grad_enabled() and any(isinstance(t, Tensor) and t.requires_grad for t in tensors)


def _mask_array(mask: Any, x: Tensor) -> Any:
    """The mask as an array on x's device (masks are data, made on the host by the layers)."""
    if mask is None:
        return None
    arr = mask.data if isinstance(mask, Tensor) else mask
    if type(x.data) is np.ndarray:
        return np.asarray(arr)
    return device.to(arr, device.of(x.data))


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
    x = to_tensor(x)
    h0 = None if h0 is None else to_tensor(h0)
    c0 = None if c0 is None else to_tensor(c0)
    flags = dict(
        activation=activation, recurrent_activation=recurrent_activation, go_backwards=go_backwards
    )
    record = _records(x, kernel, recurrent_kernel, bias, h0, c0)
    return LSTM.apply(
        x,
        kernel,
        recurrent_kernel,
        bias,
        h0,
        c0,
        _mask_array(mask, x),
        _mask_array(recurrent_mask, x),
        flags,
        record,
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
    x = to_tensor(x)
    h0 = None if h0 is None else to_tensor(h0)
    flags = dict(
        activation=activation,
        recurrent_activation=recurrent_activation,
        reset_after=reset_after,
        go_backwards=go_backwards,
    )
    record = _records(x, kernel, recurrent_kernel, bias, h0)
    return GRU.apply(
        x,
        kernel,
        recurrent_kernel,
        bias,
        h0,
        _mask_array(mask, x),
        _mask_array(recurrent_mask, x),
        flags,
        record,
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
    x = to_tensor(x)
    h0 = None if h0 is None else to_tensor(h0)
    flags = dict(activation=activation, go_backwards=go_backwards)
    record = _records(x, kernel, recurrent_kernel, bias, h0)
    return SimpleRNN.apply(
        x,
        kernel,
        recurrent_kernel,
        bias,
        h0,
        _mask_array(mask, x),
        _mask_array(recurrent_mask, x),
        flags,
        record,
    )
