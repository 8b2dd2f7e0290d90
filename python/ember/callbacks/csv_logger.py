"""``CSVLogger``: write each epoch's logs as a row of a CSV file.

Example:
    >>> logger = CSVLogger("training.log", separator=";", append=True)
    >>> logger.sep
    ';'
"""

from __future__ import annotations

import collections.abc
import csv
import os
from typing import Any

import numpy as np

from ember.callbacks.callback import Callback

__all__ = ["CSVLogger"]


def _cell(value: Any) -> Any:
    """A log value as a CSV cell: strings and numbers as they are, sequences as
    ``"[a, b]"``."""
    if isinstance(value, str):
        return value
    if isinstance(value, collections.abc.Iterable) and not (
        isinstance(value, np.ndarray) and value.ndim == 0
    ):
        return f'"[{", ".join(map(str, value))}]"'
    return value


class CSVLogger(Callback):
    """Streams epoch results to a CSV file: a header ``epoch,<keys...>`` (the first epoch's
    keys, sorted; when none is a ``val_`` key, ``val_<key>`` columns are added for a
    validation that may come later) and one row per epoch, ``NA`` for missing values.

    Args:
        filename: the CSV file.
        separator: the field separator.
        append: append to an existing file (no second header when it is not empty)
            instead of overwriting it.

    Example:
        >>> model.fit(x, y, epochs=5, callbacks=[CSVLogger("log.csv")])  # doctest: +SKIP
    """

    def __init__(
        self, filename: str | os.PathLike, separator: str = ",", append: bool = False
    ) -> None:
        super().__init__()
        if not isinstance(filename, (str, os.PathLike)):
            raise TypeError(
                f"CSVLogger: `filename` must be a str or path, received {filename!r} of "
                f"type {type(filename).__name__}"
            )
        self.sep = separator
        self.filename = os.fspath(filename)
        self.append = append
        self.writer: Any = None
        self.keys: list[str] | None = None
        self.append_header = True
        self.csv_file: Any = None

    def on_train_begin(self, logs: dict | None = None) -> None:
        if self.append:
            if os.path.exists(self.filename):
                with open(self.filename, encoding="utf-8") as f:
                    self.append_header = not bool(len(f.readline()))
            mode = "a"
        else:
            mode = "w"
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.csv_file = open(self.filename, mode, encoding="utf-8", newline="")  # noqa: SIM115
        self.writer = None
        self.keys = None

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs.keys())
            if self.keys and not any(k.startswith("val_") for k in self.keys):
                self.keys.extend([f"val_{k}" for k in self.keys])
        if self.writer is None:
            self.writer = csv.DictWriter(
                self.csv_file,
                fieldnames=["epoch", *self.keys],
                delimiter=self.sep,
                lineterminator="\r\n",
            )
            if self.append_header:
                self.writer.writeheader()
        row = {"epoch": epoch}
        row.update((key, _cell(logs.get(key, "NA"))) for key in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs: dict | None = None) -> None:
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.writer = None
