"""``BackupAndRestore``: resume a ``fit`` that was interrupted (a crash, a killed job) from
the last backup in a directory.

The directory holds ``latest.weights.h5`` (``model.save_weights``), ``training_metadata.json``
(the epoch to resume at, as Keras writes it) and, ember's addition, ``latest.optimizer.npz``
(the optimizer's step count and slots, which Keras keeps inside its weights file), so a
resumed run continues exactly. Every file is written atomically. ``fit`` called again with
a ``BackupAndRestore`` on the same directory restores the weights and optimizer and starts at
the saved epoch; a run that ends normally deletes the directory (``delete_checkpoint``).

Example:
    >>> cb = BackupAndRestore(backup_dir="/tmp/backup")
    >>> cb.save_freq
    'epoch'
"""

from __future__ import annotations

import json
import os
import shutil

import numpy as np

from ember.callbacks.callback import Callback

__all__ = ["BackupAndRestore"]


class BackupAndRestore(Callback):
    """Backs up the training state to ``backup_dir`` and restores it at the next ``fit``.

    Args:
        backup_dir: the directory for the backup (created when needed). Use a different
            one for each model trained at the same time.
        save_freq: ``"epoch"`` (back up at each epoch end) or an int N (every N batches,
            counted across epochs; a resumed run restarts the epoch that was under way).
        double_checkpoint: keep the previous backup as ``*.bkp`` files and fall back to it
            when the latest one cannot be read.
        delete_checkpoint: delete ``backup_dir`` when training ends normally.

    Example:
        >>> cb = BackupAndRestore("backup")  # doctest: +SKIP
        >>> model.fit(x, y, epochs=10, callbacks=[cb])  # interrupted at epoch 4  # doctest: +SKIP
        >>> model.fit(x, y, epochs=10, callbacks=[cb])  # runs epochs 5..10  # doctest: +SKIP
    """

    def __init__(
        self,
        backup_dir: str | os.PathLike,
        save_freq: str | int = "epoch",
        double_checkpoint: bool = False,
        delete_checkpoint: bool = True,
    ) -> None:
        super().__init__()
        self.save_freq = save_freq
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = 0
        self._current_epoch = 0
        if not backup_dir:
            raise ValueError("Empty `backup_dir` argument passed")
        self.backup_dir = os.fspath(backup_dir)
        self._weights_path = os.path.join(self.backup_dir, "latest.weights.h5")
        self._optimizer_path = os.path.join(self.backup_dir, "latest.optimizer.npz")
        self._training_metadata_path = os.path.join(self.backup_dir, "training_metadata.json")
        self._prev_weights_path = f"{self._weights_path}.bkp"
        self._prev_optimizer_path = f"{self._optimizer_path}.bkp"
        self._prev_training_metadata_path = f"{self._training_metadata_path}.bkp"
        if save_freq != "epoch" and not isinstance(save_freq, int):
            raise ValueError(
                "Invalid value for argument `save_freq`. "
                f"Received: save_freq={save_freq}. "
                "Expected either 'epoch' or an integer value."
            )

    # ------------------------------------------------------------------ restore
    def on_train_begin(self, logs: dict | None = None) -> None:
        try:
            self._load_model()
        except (OSError, ValueError) as exc:
            if isinstance(exc, ValueError) and not self.model.built:
                raise
            # The latest backup may be damaged: fall back to the previous one.
            if not os.path.exists(self._prev_weights_path):
                raise
            for prev, latest in (
                (self._prev_weights_path, self._weights_path),
                (self._prev_optimizer_path, self._optimizer_path),
                (self._prev_training_metadata_path, self._training_metadata_path),
            ):
                if os.path.exists(prev):
                    shutil.copyfile(prev, latest)
                elif os.path.exists(latest):
                    os.remove(latest)
            self._load_model()

    def _load_model(self) -> None:
        model = self.model
        if not model.built:
            raise ValueError(
                "To use the BackupAndRestore callback, you model must be built before you "
                f"call `fit()`. Model {model} is unbuilt. You can build it beforehand by "
                "calling it on a batch of data."
            )
        if os.path.exists(self._weights_path):
            model.load_weights(self._weights_path)
            if model.optimizer is not None and os.path.exists(self._optimizer_path):
                with np.load(self._optimizer_path, allow_pickle=False) as npz:
                    state = [npz[f"arr_{i}"] for i in range(len(npz.files))]
                model.optimizer.set_variables_for(model.trainable_weights, state)
        if os.path.exists(self._training_metadata_path):
            with open(self._training_metadata_path, encoding="utf-8") as f:
                metadata = json.loads(f.read())
            model._initial_epoch = metadata["epoch"]

    # ------------------------------------------------------------------ back up
    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self._current_epoch = epoch + 1
        self._last_batch_seen = 0
        if self.save_freq == "epoch":
            self._save_model()

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if self._should_save_on_batch(batch):
            self._save_model()

    def _should_save_on_batch(self, batch: int) -> bool:
        if self.save_freq == "epoch":
            return False
        if batch <= self._last_batch_seen:  # a new epoch
            added = batch + 1
        else:
            added = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += added
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _save_model(self) -> None:
        from ember.saving.saving_lib import atomic_write

        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint:
            for latest, prev in (
                (self._weights_path, self._prev_weights_path),
                (self._optimizer_path, self._prev_optimizer_path),
                (self._training_metadata_path, self._prev_training_metadata_path),
            ):
                if os.path.exists(latest):
                    shutil.copyfile(latest, prev)
        model = self.model
        model.save_weights(self._weights_path, overwrite=True)
        if model.optimizer is not None:
            state = model.optimizer.variables_for(model.trainable_weights)
            atomic_write(self._optimizer_path, lambda f: np.savez(f, *state))
        metadata = json.dumps({"epoch": self._current_epoch, "batch": self._last_batch_seen})
        atomic_write(self._training_metadata_path, lambda f: f.write(metadata.encode("utf-8")))

    def on_train_end(self, logs: dict | None = None) -> None:
        if self.delete_checkpoint and os.path.exists(self.backup_dir):
            shutil.rmtree(self.backup_dir)
