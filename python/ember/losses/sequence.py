"""Connectionist Temporal Classification (CTC) loss (Graves et al., 2006), as Keras 3 with
the TensorFlow backend computes it: class 0 is the blank, ``y_true`` holds label sequences
padded with 0 (its label length is its number of non-zero entries) and ``y_pred`` holds
per-frame logits over the classes (a log-softmax is applied inside).

The forward-backward recursion runs in float64 log space, vectorized over the batch and the
alignment states, with one step per frame; backward uses the posteriors of that recursion
(``softmax - posterior`` per frame). As in TensorFlow, states that are not allowed at the
start or the end weigh ``log(1e-307)`` instead of ``-inf``, so a label sequence that cannot
fit in the frames gives a large finite loss (about 707 + its best path cost) rather than inf.

Example:
    >>> logits = np.zeros((1, 4, 3), np.float32)
    >>> round(float(ember.losses.CTC()(np.array([[1, 2]]), logits).numpy()), 4)
    1.6864
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ember import device
from ember.autograd import Function, Tensor
from ember.losses.loss import LossFunctionWrapper, as_float_tensor, host_of

__all__ = ["CTC", "ctc"]

# TensorFlow's stand-in for log(0) at the initial and final states: float32(log(1e-307)).
LOG_ZERO = float(np.float32(np.log(1e-307)))


def _logsumexp(x: np.ndarray) -> np.ndarray:
    """log(sum(exp(x))) over the last axis; -inf where every entry is -inf."""
    top = x.max(axis=-1)
    safe = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore"):
        return np.log(np.exp(x - safe[..., None]).sum(axis=-1)) + safe


def _log_softmax(x: np.ndarray) -> np.ndarray:
    shifted = x - x.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


class _Lattice:
    """The CTC alignment states of a batch of label sequences (B, L).

    State 0 is the start; states 1..L emit the labels; states L+1..2L+1 are the blanks
    after 0..L labels. Each state has up to three predecessors (itself, the state before,
    and the label before when the two labels differ) and successors; index S (one past the
    last state) stands for "none" and always holds -inf.
    """

    def __init__(self, labels: np.ndarray, lengths: np.ndarray) -> None:
        b, n = labels.shape
        self.b, self.n = b, n
        s = 2 * n + 2
        self.s = s
        none = s
        pred = np.full((b, s, 3), none, np.int64)
        succ = np.full((b, s, 3), none, np.int64)
        pred[:, :, 0] = succ[:, :, 0] = np.arange(s)  # self loops
        lab = np.arange(1, n + 1)  # lab[i - 1]: the state of label i
        blank = n + 1 + np.arange(n + 1)  # blank[i]: the blank after i labels
        pred[:, blank[0], 1] = 0  # start -> blank 0
        succ[:, 0, 1] = blank[0]
        pred[:, blank[1:], 1] = lab  # label i -> blank i
        succ[:, lab, 1] = blank[1:]
        if n:
            pred[:, lab[0], 1] = 0  # start -> label 1
            succ[:, 0, 2] = lab[0]
            pred[:, lab, 2] = blank[:-1]  # blank i -> label i + 1 (overwritten below for i > 0)
            succ[:, blank[:-1], 1] = lab
            pred[:, lab[1:], 1] = blank[1:-1]
            # label i -> label i + 1 where the two labels differ
            rows, cols = np.nonzero(labels[:, 1:] != labels[:, :-1])
            pred[:, lab[1:], 2] = none
            pred[rows, lab[1:][cols], 2] = lab[:-1][cols]
            succ[rows, lab[:-1][cols], 2] = lab[1:][cols]
        self.pred, self.succ = pred, succ
        # The class each state emits (-1 for the start state, which emits nothing).
        emits = np.zeros((b, s), np.int64)
        emits[:, 0] = -1
        emits[:, 1 : n + 1] = labels
        self.emits = emits
        final = np.full((b, s), LOG_ZERO)
        rows = np.arange(b)
        final[rows, np.where(lengths > 0, lengths, 0)] = 0.0  # label state L_b (start if 0)
        final[rows, n + 1 + lengths] = 0.0  # blank state after L_b labels
        self.final = final

    def step(self, values: np.ndarray, links: np.ndarray) -> np.ndarray:
        """log-sum over each state's linked states of ``values`` (B, S)."""
        ext = np.concatenate([values, np.full((self.b, 1), -np.inf)], axis=1)
        gathered = np.take_along_axis(ext, links.reshape(self.b, -1), axis=1)
        return _logsumexp(gathered.reshape(self.b, self.s, 3))


class CTCLoss(Function):
    """Per-sample CTC loss of logits (B, T, C) against labels (B, L) with label lengths
    (B,); blank class 0."""

    def forward(self, logits: Any, labels: np.ndarray, lengths: np.ndarray) -> Any:
        self.device = None if type(logits) is np.ndarray else device.of(logits)
        x = device.host(logits).astype(np.float64)
        b, t, c = x.shape
        logp = _log_softmax(x)
        lat = _Lattice(labels, lengths)
        # obs[t, b, s]: the log-probability state s emits at frame t.
        emits = np.where(lat.emits < 0, 0, lat.emits)
        obs = np.take_along_axis(logp, np.broadcast_to(emits[:, None, :], (b, t, lat.s)), axis=2)
        obs = np.where(lat.emits[:, None, :] < 0, -np.inf, obs).transpose(1, 0, 2)
        # Blank states emit class 0.
        obs[:, :, lat.n + 1 :] = logp.transpose(1, 0, 2)[:, :, :1]
        alpha = np.empty((t, b, lat.s))
        state = np.full((b, lat.s), LOG_ZERO)
        state[:, 0] = 0.0
        for k in range(t):
            state = lat.step(state, lat.pred) + obs[k]
            alpha[k] = state
        beta = np.empty((t, b, lat.s))
        state = lat.final
        for k in range(t - 1, -1, -1):
            beta[k] = state
            state = lat.step(state + obs[k], lat.succ)
        loss = -state[:, 0]
        joint = alpha + beta
        post = np.exp(joint - _logsumexp(joint)[..., None])  # (T, B, S)
        occupancy = np.zeros((t, b, c))
        # Label states whose label is 0 (padding) and the start state count for no class.
        label_cls = np.where(lat.emits[:, 1 : lat.n + 1] > 0, lat.emits[:, 1 : lat.n + 1], c)
        scatter = np.zeros((t, b, c + 1))
        np.add.at(
            scatter,
            (slice(None), np.arange(b)[:, None], label_cls),
            post[:, :, 1 : lat.n + 1],
        )
        occupancy += scatter[:, :, :c]
        occupancy[:, :, 0] += post[:, :, lat.n + 1 :].sum(axis=-1)
        self.grad = (np.exp(logp) - occupancy.transpose(1, 0, 2)).astype(np.float32)
        return self._out(loss.astype(np.float32))

    def _out(self, arr: np.ndarray) -> Any:
        return arr if self.device is None else device.to(arr, self.device)

    def backward(self, g: Any):
        return self._out(device.host(g)[:, None, None] * self.grad), None, None


def ctc(y_true: Any, y_pred: Any) -> Tensor:
    """Per-sample CTC loss of label sequences ``y_true`` (batch, max_length), padded with the
    blank class 0, against per-frame logits ``y_pred`` (batch, frames, num_classes).

    Example:
        >>> logits = np.zeros((1, 4, 3), np.float32)
        >>> ember.losses.ctc(np.array([[1, 2]]), logits).numpy().round(4)
        array([1.6864], dtype=float32)
    """
    labels = np.asarray(host_of(y_true))
    if labels.ndim != 2:
        raise ValueError(
            "ctc: targets `y_true` are expected to be a tensor of shape `(batch_size, "
            f"max_length)` in integer format. Received: y_true.shape={labels.shape}"
        )
    y_pred = as_float_tensor(y_pred)
    if y_pred.ndim != 3:
        raise ValueError(
            "ctc: logits `y_pred` are expected to be a tensor of shape `(batch_size, "
            f"max_length, num_classes)`. Received: y_pred.shape={y_pred.shape}"
        )
    if labels.shape[0] != y_pred.shape[0]:
        raise ValueError(
            f"ctc: y_true and y_pred must have the same batch size; received "
            f"y_true.shape={labels.shape}, y_pred.shape={y_pred.shape}"
        )
    if labels.dtype.kind == "f":
        if not np.all(np.isfinite(labels)) or np.any(labels != np.round(labels)):
            raise ValueError("ctc: y_true must hold integer class ids")
    elif labels.dtype.kind not in "iub":
        raise TypeError(f"ctc: y_true must hold integer class ids; received dtype {labels.dtype}")
    labels = labels.astype(np.int64)
    num_classes = y_pred.shape[2]
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(
            f"ctc: y_true holds class ids outside [0, {num_classes}) (the number of classes "
            f"in y_pred of shape {y_pred.shape}): min {labels.min()}, max {labels.max()}"
        )
    lengths = (labels != 0).sum(axis=1)
    return CTCLoss.apply(y_pred, labels, lengths)


class CTC(LossFunctionWrapper):
    """CTC loss for sequence labelling without alignment (speech, handwriting): ``y_true``
    holds label sequences padded with 0 (the blank class), ``y_pred`` per-frame logits.

    Example:
        >>> logits = np.zeros((2, 5, 4), np.float32)
        >>> loss = ember.losses.CTC(reduction=None)
        >>> loss(np.array([[1, 2, 0], [1, 1, 0]]), logits).numpy().round(4)
        array([3.3761, 4.2234], dtype=float32)
    """

    def __init__(
        self,
        reduction: str | None = "sum_over_batch_size",
        name: str = "ctc",
        dtype: Any = None,
    ) -> None:
        super().__init__(ctc, name=name, reduction=reduction, dtype=dtype)

    def get_config(self) -> dict:
        return super(LossFunctionWrapper, self).get_config()
