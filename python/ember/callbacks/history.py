"""``History``: the callback ``fit`` always adds; it is what ``fit`` returns.

Example:
    >>> h = History()
    >>> h.on_train_begin(); h.on_epoch_end(0, {"loss": 1.0})
    >>> h.history, h.epoch
    ({'loss': [1.0]}, [0])
"""

from __future__ import annotations

from ember.callbacks.callback import Callback

__all__ = ["History"]


class History(Callback):
    """Records each epoch's logs: ``history[key]`` is the list of a metric's values per
    epoch, ``epoch`` the list of epoch indices. ``fit`` adds one and returns it (also as
    ``model.history``).

    Example:
        >>> history = model.fit(x, y, epochs=3, verbose=0)  # doctest: +SKIP
        >>> history.history["loss"]  # three floats  # doctest: +SKIP
    """

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.epoch = []

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        if self.model is not None:
            self.model.history = self
