"""``LambdaCallback``: a callback made of plain functions.

Example:
    >>> cb = LambdaCallback(on_epoch_end=lambda epoch, logs: print(epoch, logs["loss"]))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ember.callbacks.callback import Callback

__all__ = ["LambdaCallback"]


class LambdaCallback(Callback):
    """Builds a callback from functions, each replacing the hook of its name. They are
    called as the hooks are: ``on_epoch_begin(epoch, logs)``, ``on_epoch_end(epoch, logs)``,
    ``on_train_begin(logs)``, ``on_train_end(logs)``, ``on_train_batch_begin(batch, logs)``,
    ``on_train_batch_end(batch, logs)``; any other hook (``on_test_begin``,
    ``on_predict_batch_end``...) can be given by keyword too, and other keywords become
    attributes, as in Keras.

    Example:
        >>> import json
        >>> log = open("log.jsonl", "w")  # doctest: +SKIP
        >>> cb = LambdaCallback(
        ...     on_epoch_end=lambda epoch, logs: log.write(json.dumps(logs) + "\\n"),
        ...     on_train_end=lambda logs: log.close(),
        ... )  # doctest: +SKIP
    """

    def __init__(
        self,
        on_epoch_begin: Callable[..., Any] | None = None,
        on_epoch_end: Callable[..., Any] | None = None,
        on_train_begin: Callable[..., Any] | None = None,
        on_train_end: Callable[..., Any] | None = None,
        on_train_batch_begin: Callable[..., Any] | None = None,
        on_train_batch_end: Callable[..., Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__()
        named = {
            "on_epoch_begin": on_epoch_begin,
            "on_epoch_end": on_epoch_end,
            "on_train_begin": on_train_begin,
            "on_train_end": on_train_end,
            "on_train_batch_begin": on_train_batch_begin,
            "on_train_batch_end": on_train_batch_end,
        }
        for name, fn in {**kwargs, **named}.items():
            if name.startswith("on_") and fn is not None and not callable(fn):
                raise TypeError(
                    f"LambdaCallback: `{name}` must be callable, received {fn!r} of type "
                    f"{type(fn).__name__}"
                )
        self.__dict__.update(kwargs)
        for name, fn in named.items():
            if fn is not None:
                setattr(self, name, fn)
