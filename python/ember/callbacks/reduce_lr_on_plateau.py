"""``ReduceLROnPlateau``: lower the learning rate when a monitored quantity stalls.

Example:
    >>> cb = ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=3)
    >>> cb.factor
    0.5
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ember.callbacks.monitor import MonitorCallback

__all__ = ["ReduceLROnPlateau", "current_learning_rate"]


def current_learning_rate(optimizer: Any) -> float:
    """The optimizer's learning rate as Keras reads it: its float32 value, as a float.

    Example:
        >>> current_learning_rate(ember.optimizers.SGD(0.1))
        0.10000000149011612
    """
    return float(np.float32(optimizer.learning_rate))


class ReduceLROnPlateau(MonitorCallback):
    """Multiplies the learning rate by ``factor`` after ``patience`` epochs without
    improvement of ``monitor``, then waits ``cooldown`` epochs; never below ``min_lr``.
    Adds ``learning_rate`` to each epoch's logs.

    Args:
        monitor: the quantity to watch (default ``"val_loss"``).
        factor: the multiplier, < 1.
        patience: epochs without improvement before reducing.
        verbose: 1 prints a message at each reduction.
        mode: ``"auto"``, ``"min"`` or ``"max"``.
        min_delta: the smallest change counted as an improvement.
        cooldown: epochs to wait after a reduction before counting again.
        min_lr: the lower bound of the learning rate.

    Example:
        >>> model.fit(x, y, epochs=50, callbacks=[ReduceLROnPlateau(patience=5)])  # doctest: +SKIP
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        factor: float = 0.1,
        patience: int = 10,
        verbose: int = 0,
        mode: str = "auto",
        min_delta: float = 1e-4,
        cooldown: int = 0,
        min_lr: float = 0.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(monitor, mode, min_delta=min_delta)
        if factor >= 1.0:
            raise ValueError(
                f"ReduceLROnPlateau does not support a factor >= 1.0. Received factor={factor}"
            )
        self.factor = factor
        self.min_lr = min_lr
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.cooldown_counter = 0
        self.wait = 0

    def _reset(self) -> None:
        self.best = None
        self.cooldown_counter = 0
        self.wait = 0

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._reset()

    def in_cooldown(self) -> bool:
        """Whether the callback is waiting after a reduction."""
        return self.cooldown_counter > 0

    def _reduce_lr(self, epoch: int) -> bool:
        optimizer = self.model.optimizer
        old_lr = current_learning_rate(optimizer)
        if old_lr <= np.float32(self.min_lr):
            return False
        new_lr = max(old_lr * self.factor, self.min_lr)
        optimizer.learning_rate = new_lr
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new_lr}.")
        return True

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if self.monitor_op is None:
            self._set_monitor_op()
        logs = logs or {}
        logs["learning_rate"] = current_learning_rate(self.model.optimizer)
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(
                "Learning rate reduction is conditioned on metric "
                f"`{self.monitor}` which is not available. Available metrics "
                f"are: {','.join(list(logs.keys()))}.",
                stacklevel=2,
            )
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience and self._reduce_lr(epoch):
                self.cooldown_counter = self.cooldown
                self.wait = 0
