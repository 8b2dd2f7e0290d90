"""``ModelCheckpoint``: save the model or its weights during training, every epoch or every
N batches, optionally only when a monitored quantity improves.

Files are ember's own formats (``model.save`` / ``model.save_weights``), written atomically
(a temporary file, fsync, rename), at the names Keras requires: ``.keras`` (or ``.h5``) for
whole models, ``.weights.h5`` for weights only.

Example:
    >>> ckpt = ModelCheckpoint("ckpt/model-{epoch:02d}-{val_loss:.2f}.keras")
    >>> ckpt.save_freq
    'epoch'
"""

from __future__ import annotations

import os
import warnings

import numpy as np

from ember.callbacks.monitor import MonitorCallback

__all__ = ["ModelCheckpoint"]


class ModelCheckpoint(MonitorCallback):
    """Saves the model (or its weights) while ``fit`` runs.

    Args:
        filepath: where to save; may hold format fields filled at save time: ``{epoch}``
            (1-based), ``{batch}`` (1-based, for saves every N batches) and any logged
            quantity, e.g. ``"w-{epoch:02d}-{val_loss:.2f}.weights.h5"``.
        monitor: the quantity ``save_best_only`` watches (default ``"val_loss"``).
        verbose: 1 prints a message for each save (or skipped save).
        save_best_only: save only when ``monitor`` improves on the best value so far (a
            quantity missing from the logs saves anyway, with a warning, as in Keras).
        save_weights_only: save only the weights (``filepath`` must end in ``.weights.h5``);
            otherwise the whole model (``filepath`` must end in ``.keras`` or ``.h5``).
        mode: ``"auto"``, ``"min"`` or ``"max"``.
        save_freq: ``"epoch"`` (at each epoch end) or an int N: after every N training
            batches, counted across epochs (the logs are then the batch's running metrics).
        initial_value_threshold: the best value to beat at the start (``save_best_only``).

    Example:
        >>> cb = ModelCheckpoint("best.keras", monitor="val_accuracy", save_best_only=True)
        >>> model.fit(x, y, validation_split=0.2, callbacks=[cb])  # doctest: +SKIP
    """

    def __init__(
        self,
        filepath: str | os.PathLike,
        monitor: str = "val_loss",
        verbose: int = 0,
        save_best_only: bool = False,
        save_weights_only: bool = False,
        mode: str = "auto",
        save_freq: str | int = "epoch",
        initial_value_threshold: float | None = None,
    ) -> None:
        super().__init__(monitor, mode, initial_value_threshold)
        if not isinstance(filepath, (str, os.PathLike)):
            raise TypeError(
                "ModelCheckpoint: `filepath` must be a str or path, received "
                f"{filepath!r} of type {type(filepath).__name__}"
            )
        self.verbose = verbose
        self.filepath = os.fspath(filepath)
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen: int | None = None
        self._current_epoch = 0
        if self.save_freq != "epoch" and not isinstance(self.save_freq, int):
            raise ValueError(
                f"Unrecognized save_freq: {self.save_freq}. "
                "Expected save_freq are 'epoch' or integer values"
            )
        if save_weights_only:
            if not self.filepath.endswith(".weights.h5"):
                raise ValueError(
                    "When using `save_weights_only=True` in `ModelCheckpoint`, the filepath "
                    "provided must end in `.weights.h5` (Keras weights format). Received: "
                    f"filepath={self.filepath}"
                )
        elif not self.filepath.endswith((".keras", ".h5")):
            raise ValueError(
                "The filepath provided must end in `.keras` (Keras model format). "
                f"Received: filepath={self.filepath}"
            )

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if self._should_save_on_batch(batch):
            self._save_model(epoch=self._current_epoch, batch=batch, logs=logs)

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._current_epoch = epoch

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if self.monitor_op is None:
            self._set_monitor_op()
        if self.save_freq == "epoch":
            self._save_model(epoch=epoch, batch=None, logs=logs)

    def _should_save_on_batch(self, batch: int) -> bool:
        """Count batches across epochs (a batch index not above the last one seen starts a
        new epoch) and say whether ``save_freq`` of them have passed since the last save."""
        if self.save_freq == "epoch":
            return False
        if self._last_batch_seen is None or batch <= self._last_batch_seen:
            added = batch + 1
        else:
            added = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += added
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _should_save_model(self, epoch: int, logs: dict | None, filepath: str) -> bool:
        logs = logs or {}
        if not self.save_best_only:
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available.", stacklevel=3)
            return True
        if isinstance(current, np.ndarray) and current.ndim > 0:
            warnings.warn(
                "Can save best model only when `monitor` is a scalar value. Received: "
                f"{current}. Falling back to `save_best_only=False`.",
                stacklevel=3,
            )
            return True
        if self.monitor_op is None:  # a save every N batches before the first epoch end
            self._set_monitor_op()
        best = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                print(
                    f"\nEpoch {epoch + 1}: {self.monitor} improved from {best} to "
                    f"{current:.5f}, saving model to {filepath}"
                )
            self.best = current
            return True
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best}")
        return False

    def _save_model(self, epoch: int, batch: int | None, logs: dict | None) -> None:
        filepath = self._get_file_path(epoch, batch, logs)
        if not self._should_save_model(epoch, logs, filepath):
            return
        if os.path.isdir(filepath):
            raise OSError(
                "Please specify a non-directory filepath for ModelCheckpoint. Filepath used "
                f"is an existing directory: {filepath}"
            )
        folder = os.path.dirname(filepath)
        if folder:
            os.makedirs(folder, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: finished saving model to {filepath}")

    def _get_file_path(self, epoch: int, batch: int | None, logs: dict | None) -> str:
        logs = logs or {}
        try:
            if batch is None or "batch" in logs:
                return self.filepath.format(epoch=epoch + 1, **logs)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **logs)
        except KeyError as exc:
            raise KeyError(
                f'Failed to format this callback filepath: "{self.filepath}". Reason: {exc}'
            ) from None
