"""``TensorBoard`` and ``OrbaxCheckpoint``: Keras callbacks that need TensorFlow's event-file
writer and the Orbax library. ember writes neither, so both raise NotImplementedError; use
``CSVLogger`` for training curves and ``ModelCheckpoint`` / ``BackupAndRestore`` for
checkpoints.

Example:
    >>> TensorBoard(log_dir="logs")  # doctest: +SKIP
    Traceback (most recent call last):
    NotImplementedError: TensorBoard: ...
"""

from __future__ import annotations

from typing import Any

from ember.callbacks.callback import Callback

__all__ = ["OrbaxCheckpoint", "TensorBoard"]


class TensorBoard(Callback):
    """Not available: TensorBoard event files are written by TensorFlow's summary writer.

    Example:
        >>> CSVLogger("training.csv")  # the curves, in a file ember writes  # doctest: +SKIP
    """

    __ember_not_implemented__ = "TensorBoard event files need TensorFlow's summary writer"

    def __init__(
        self,
        log_dir: str = "logs",
        histogram_freq: int = 0,
        write_graph: bool = True,
        write_images: bool = False,
        write_steps_per_second: bool = False,
        update_freq: str | int = "epoch",
        profile_batch: int = 0,
        embeddings_freq: int = 0,
        embeddings_metadata: Any = None,
    ) -> None:
        super().__init__()
        raise NotImplementedError(
            "TensorBoard: keras.callbacks.TensorBoard is not implemented in ember: it does not "
            "write TensorBoard event files (they need TensorFlow's summary writer); use "
            "ember.callbacks.CSVLogger for training curves"
        )


class OrbaxCheckpoint(Callback):
    """Not available: Orbax checkpoints need the Orbax library (JAX).

    Example:
        >>> ModelCheckpoint("ckpt/{epoch}.keras")  # ember's checkpoints  # doctest: +SKIP
    """

    __ember_not_implemented__ = "Orbax checkpoints need the Orbax library (JAX)"

    def __init__(
        self,
        directory: str | None = None,
        monitor: str = "val_loss",
        verbose: int = 0,
        save_best_only: bool = False,
        mode: str = "auto",
        save_freq: str | int = "epoch",
        initial_value_threshold: float | None = None,
        max_to_keep: int = 1,
        save_on_background: bool = True,
        save_weights_only: bool = False,
    ) -> None:
        super().__init__()
        raise NotImplementedError(
            "OrbaxCheckpoint: keras.callbacks.OrbaxCheckpoint is not implemented in ember: it "
            "does not write Orbax checkpoints; use ember.callbacks.ModelCheckpoint or "
            "BackupAndRestore"
        )
