"""``LearningRateScheduler``: set the learning rate at the start of each epoch from a
function of the epoch.

Example:
    >>> cb = LearningRateScheduler(lambda epoch, lr: lr if epoch < 10 else lr * 0.9)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ember.callbacks.callback import Callback
from ember.callbacks.reduce_lr_on_plateau import current_learning_rate

__all__ = ["LearningRateScheduler"]


class LearningRateScheduler(Callback):
    """At each epoch start, sets the optimizer's learning rate to ``schedule(epoch, lr)``
    (``schedule(epoch)`` for a one-argument function), ``epoch`` counting from 0 and ``lr``
    the current rate. Adds ``learning_rate`` to each epoch's logs.

    Args:
        schedule: the function; it must return a float.
        verbose: 1 prints the new rate at each epoch.

    Example:
        >>> def schedule(epoch, lr):
        ...     return lr if epoch < 10 else lr * 0.9
        >>> cb = LearningRateScheduler(schedule)
    """

    def __init__(self, schedule: Callable[..., float], verbose: int = 0) -> None:
        super().__init__()
        if not callable(schedule):
            raise TypeError(
                "LearningRateScheduler: `schedule` must be a function of (epoch, lr), "
                f"received {schedule!r} of type {type(schedule).__name__}"
            )
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        optimizer = self.model.optimizer
        if not hasattr(optimizer, "learning_rate"):
            raise ValueError('Optimizer must have a "learning_rate" attribute.')
        try:
            learning_rate = self.schedule(epoch, current_learning_rate(optimizer))
        except TypeError:  # a schedule of the epoch alone (the old API)
            learning_rate = self.schedule(epoch)
        if not isinstance(learning_rate, (float, np.float32, np.float64)):
            raise ValueError(
                f"The output of the `schedule` function should be a float. Got: {learning_rate}"
            )
        optimizer.learning_rate = learning_rate
        if self.verbose > 0:
            print(
                f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to "
                f"{learning_rate}."
            )

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs or {}
        logs["learning_rate"] = current_learning_rate(self.model.optimizer)
