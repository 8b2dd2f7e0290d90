"""``Callback``, the base of every training callback, and ``CallbackList``, which calls a list
of them the way ``fit``, ``evaluate`` and ``predict`` do.

Every hook receives a ``logs`` dict (never None): ``CallbackList`` turns what it is given into
plain Python floats, sorted by key, with nested dicts flattened, as Keras does.

Example:
    >>> class Count(Callback):
    ...     def on_epoch_end(self, epoch, logs=None):
    ...         print(epoch, logs)
    >>> hooks = CallbackList([Count()], epochs=1, steps=1, verbose=0)
    >>> hooks.on_epoch_end(0, {"loss": np.float32(0.5)})
    0 {'loss': 0.5}
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

__all__ = ["Callback", "CallbackList"]

HOOKS = (
    "on_train_begin",
    "on_train_end",
    "on_epoch_begin",
    "on_epoch_end",
    "on_train_batch_begin",
    "on_train_batch_end",
    "on_test_begin",
    "on_test_end",
    "on_test_batch_begin",
    "on_test_batch_end",
    "on_predict_begin",
    "on_predict_end",
    "on_predict_batch_begin",
    "on_predict_batch_end",
)


class Callback:
    """Base class of callbacks: override any ``on_*`` hook.

    ``self.model`` (the model being trained) and ``self.params`` (``{"verbose", "epochs",
    "steps"}``) are set before the first hook runs. ``on_batch_begin`` / ``on_batch_end`` are
    the Keras 2 names of ``on_train_batch_begin`` / ``on_train_batch_end``: overriding them
    still works.

    Example:
        >>> class Losses(Callback):
        ...     def on_train_begin(self, logs=None):
        ...         self.losses = []
        ...     def on_train_batch_end(self, batch, logs=None):
        ...         self.losses.append(logs["loss"])
    """

    def __init__(self) -> None:
        self.params: dict | None = None
        self._model: Any = None

    def set_params(self, params: dict) -> None:
        """Store the run's parameters (``verbose``, ``epochs``, ``steps``)."""
        self.params = params

    def set_model(self, model: Any) -> None:
        """Store the model the callback works on."""
        self._model = model

    @property
    def model(self) -> Any:
        """The model being trained, evaluated or run (None before ``set_model``)."""
        return getattr(self, "_model", None)

    @model.setter
    def model(self, value: Any) -> None:
        self._model = value

    # The hooks. Defaults do nothing, except that the train-batch hooks call the Keras 2
    # names, so a callback overriding on_batch_end still sees every training batch.
    def on_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Keras 2 name of ``on_train_batch_begin``."""

    def on_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Keras 2 name of ``on_train_batch_end``."""

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        """Start of a training epoch (``logs`` is empty)."""

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """End of a training epoch: ``logs`` holds the epoch's metrics and ``val_`` ones."""

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Start of a training batch (``logs`` is empty)."""
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """End of a training batch: ``logs`` holds the metrics so far in this epoch."""
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Start of a batch in ``evaluate`` (and in fit's validation)."""

    def on_test_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """End of a batch in ``evaluate``: ``logs`` holds the metrics so far."""

    def on_predict_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Start of a batch in ``predict``."""

    def on_predict_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """End of a batch in ``predict``: ``logs["outputs"]`` holds the batch's outputs."""

    def on_train_begin(self, logs: dict | None = None) -> None:
        """Start of ``fit``."""

    def on_train_end(self, logs: dict | None = None) -> None:
        """End of ``fit``: ``logs`` holds the last epoch's logs."""

    def on_test_begin(self, logs: dict | None = None) -> None:
        """Start of ``evaluate`` (and of each validation run in ``fit``)."""

    def on_test_end(self, logs: dict | None = None) -> None:
        """End of ``evaluate``: ``logs`` holds the results."""

    def on_predict_begin(self, logs: dict | None = None) -> None:
        """Start of ``predict``."""

    def on_predict_end(self, logs: dict | None = None) -> None:
        """End of ``predict``."""


def pythonify_logs(logs: dict | None) -> dict:
    """``logs`` as a new dict sorted by key, nested dicts flattened into it, each value
    converted with ``float()`` where that works (scalars, 0-d arrays and Tensors) and left
    as it is otherwise (arrays such as predict's ``outputs``, strings, lists).

    Example:
        >>> pythonify_logs({"loss": np.float32(0.5), "m": {"acc": 1}, "out": np.ones(2)})
        {'loss': 0.5, 'acc': 1.0, 'out': array([1., 1.])}
    """
    result: dict = {}
    for key, value in sorted((logs or {}).items()):
        if isinstance(value, dict):
            result.update(pythonify_logs(value))
            continue
        if hasattr(value, "numpy") and not isinstance(value, np.ndarray):
            try:
                value = value.numpy()
            except Exception:  # noqa: BLE001 - not a tensor after all
                pass
        if not (isinstance(value, np.ndarray) and value.ndim):  # arrays stay arrays
            try:
                value = float(value)
            except (TypeError, ValueError):
                pass
        result[key] = value
    return result


def _flatten_callbacks(callbacks: Any) -> list[Any]:
    if callbacks is None:
        return []
    if isinstance(callbacks, (list, tuple)):
        out: list[Any] = []
        for c in callbacks:
            out.extend(_flatten_callbacks(c))
        return out
    required = ("set_model", "set_params", *HOOKS)
    if not isinstance(callbacks, Callback) and not all(hasattr(callbacks, h) for h in required):
        raise TypeError(
            "callbacks: expected a list of `ember.callbacks.Callback` instances, received "
            f"{callbacks!r} (of type {type(callbacks).__name__})"
        )
    return [callbacks]


class CallbackList(Callback):
    """Calls every hook on a list of callbacks, in order: what ``fit``, ``evaluate`` and
    ``predict`` use, and usable directly in a custom training loop.

    Args:
        callbacks: the callbacks (a list, possibly nested, or one callback).
        add_history: append a ``History`` unless the list has one (``model.history`` is set
            to it).
        add_progbar: append a ``ProgbarLogger`` unless the list has one.
        model: the model, given to every callback with ``set_model``.
        **params: given to every callback with ``set_params`` (Keras passes ``verbose``,
            ``epochs`` and ``steps``).

    Example:
        >>> hooks = CallbackList([], add_history=True, epochs=2, steps=1, verbose=0)
        >>> [type(c).__name__ for c in hooks.callbacks]
        ['History']
    """

    def __init__(
        self,
        callbacks: Iterable[Callback] | Callback | None = None,
        add_history: bool = False,
        add_progbar: bool = False,
        model: Any = None,
        **params: Any,
    ) -> None:
        super().__init__()
        self.callbacks: list[Any] = _flatten_callbacks(callbacks) if callbacks else []
        self._in_begin_end_block_count = 0
        self._add_default_callbacks(add_history, add_progbar)
        self.set_model(model)
        self.set_params(params)

    def _add_default_callbacks(self, add_history: bool, add_progbar: bool) -> None:
        from ember.callbacks.history import History
        from ember.callbacks.progbar_logger import ProgbarLogger

        self._progbar = next((c for c in self.callbacks if isinstance(c, ProgbarLogger)), None)
        self._history = next((c for c in self.callbacks if isinstance(c, History)), None)
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)

    def set_model(self, model: Any) -> None:
        if model is None:
            return
        super().set_model(model)
        if self._history is not None:
            model.history = self._history
        for callback in self.callbacks:
            callback.set_model(model)

    def set_params(self, params: dict) -> None:
        self.params = params
        if params:
            for callback in self.callbacks:
                callback.set_params(params)

    def _on_begin(self) -> None:
        self._in_begin_end_block_count += 1

    def _on_end(self) -> None:
        self._in_begin_end_block_count -= 1
        if self._in_begin_end_block_count < 0:
            self._in_begin_end_block_count = 0
            raise ValueError("`on_xxx_end` called without corresponding `on_xxx_begin`")

    def _call_batch_hook(self, hook: str, batch: int, logs: dict | None) -> None:
        logs = pythonify_logs(logs)
        for callback in self.callbacks:
            getattr(callback, hook)(batch, logs=logs)

    def _call_hook(self, hook: str, logs: dict | None) -> None:
        logs = pythonify_logs(logs)
        for callback in self.callbacks:
            getattr(callback, hook)(logs)

    def on_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        self._call_batch_hook("on_batch_begin", batch, logs)

    def on_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self._call_batch_hook("on_batch_end", batch, logs)

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        logs = pythonify_logs(logs)
        for callback in self.callbacks:
            callback.on_epoch_begin(epoch, logs)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = pythonify_logs(logs)
        for callback in self.callbacks:
            callback.on_epoch_end(epoch, logs)

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        self._call_batch_hook("on_train_batch_begin", batch, logs)

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self._call_batch_hook("on_train_batch_end", batch, logs)

    def on_test_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        self._call_batch_hook("on_test_batch_begin", batch, logs)

    def on_test_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self._call_batch_hook("on_test_batch_end", batch, logs)

    def on_predict_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        self._call_batch_hook("on_predict_batch_begin", batch, logs)

    def on_predict_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self._call_batch_hook("on_predict_batch_end", batch, logs)

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._on_begin()
        self._call_hook("on_train_begin", logs)

    def on_train_end(self, logs: dict | None = None) -> None:
        self._call_hook("on_train_end", logs)
        self._on_end()

    def on_test_begin(self, logs: dict | None = None) -> None:
        self._on_begin()
        self._call_hook("on_test_begin", logs)

    def on_test_end(self, logs: dict | None = None) -> None:
        self._call_hook("on_test_end", logs)
        self._on_end()

    def on_predict_begin(self, logs: dict | None = None) -> None:
        self._on_begin()
        self._call_hook("on_predict_begin", logs)

    def on_predict_end(self, logs: dict | None = None) -> None:
        self._call_hook("on_predict_end", logs)
        self._on_end()
