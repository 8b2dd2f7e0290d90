"""``ProgbarLogger``: the progress bar of ``fit``, ``evaluate`` and ``predict`` (added by them
when ``verbose`` is not 0).

Example:
    >>> bar = ProgbarLogger()
    >>> bar.set_params({"verbose": 2, "epochs": 1, "steps": 2})
"""

from __future__ import annotations

from typing import Any

from ember.callbacks.callback import Callback

__all__ = ["ProgbarLogger"]


class ProgbarLogger(Callback):
    """Prints progress: with ``verbose`` 1 a bar redrawn per batch, with 2 one line per
    epoch; ``Epoch i/n`` lines when training for more than one epoch. Validation inside
    ``fit`` is silent (its results appear on the epoch line as ``val_`` metrics). Its
    verbosity, epoch count and step count come from ``params``.

    Example:
        >>> model.fit(x, y, epochs=2, callbacks=[ProgbarLogger()])  # doctest: +SKIP
    """

    def __init__(self) -> None:
        super().__init__()
        self.seen = 0
        self.progbar: Any = None
        self.target: int | None = None
        self.verbose: int = 1
        self.epochs = 1
        self._called_in_fit = False

    def set_params(self, params: dict) -> None:
        super().set_params(params)
        verbose = params["verbose"]
        self.verbose = 1 if verbose == "auto" else int(verbose)
        self.epochs = params["epochs"]
        self.target = params["steps"]

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._called_in_fit = True  # validation inside fit is silent

    def on_test_begin(self, logs: dict | None = None) -> None:
        if not self._called_in_fit:
            self._reset_progbar()
            self._maybe_init_progbar()

    def on_predict_begin(self, logs: dict | None = None) -> None:
        self._reset_progbar()
        self._maybe_init_progbar()

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._reset_progbar()
        self._maybe_init_progbar()
        if self.verbose and self.epochs > 1:
            print(f"Epoch {epoch + 1}/{self.epochs}")

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self._update_progbar(batch, logs)

    def on_test_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if not self._called_in_fit:
            self._update_progbar(batch, logs)

    def on_predict_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self._update_progbar(batch, None)  # not the predictions

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self._finalize_progbar(logs)

    def on_test_end(self, logs: dict | None = None) -> None:
        if not self._called_in_fit:
            self._finalize_progbar(logs)

    def on_predict_end(self, logs: dict | None = None) -> None:
        self._finalize_progbar(None)

    def _reset_progbar(self) -> None:
        self.seen = 0
        self.progbar = None

    def _maybe_init_progbar(self) -> None:
        if self.progbar is None:
            from ember.utils.progbar import Progbar

            self.progbar = Progbar(self.target, verbose=self.verbose)

    def _update_progbar(self, batch: int, logs: dict | None) -> None:
        self._maybe_init_progbar()
        self.seen = batch + 1
        if self.verbose == 1:
            self.progbar.update(self.seen, _numeric(logs))

    def _finalize_progbar(self, logs: dict | None) -> None:
        self._maybe_init_progbar()
        if self.target is None:
            self.target = self.seen
            self.progbar.target = self.target
        self.progbar.finish(self.target, _numeric(logs))


def _numeric(logs: dict | None) -> dict:
    """The logs a progress bar shows: numbers only, in the (sorted) order given."""
    return {k: v for k, v in (logs or {}).items() if isinstance(v, (int, float))}
