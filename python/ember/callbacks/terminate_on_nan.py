"""``TerminateOnNaN``: stop training at the first batch whose loss is NaN or infinite.

Example:
    >>> TerminateOnNaN(raise_error=True).raise_error
    True
"""

from __future__ import annotations

import numpy as np

from ember.callbacks.callback import Callback

__all__ = ["TerminateOnNaN"]


class TerminateOnNaN(Callback):
    """Stops ``fit`` when a batch's loss is NaN or infinite.

    Args:
        raise_error: raise RuntimeError at once instead of printing a message and stopping
            after the batch.

    Example:
        >>> model.fit(x, y, callbacks=[TerminateOnNaN()])  # doctest: +SKIP
    """

    def __init__(self, raise_error: bool = False) -> None:
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch: int, logs: dict | None = None) -> None:
        loss = (logs or {}).get("loss")
        if loss is None or not (np.isnan(loss) or np.isinf(loss)):
            return
        if self.raise_error:
            raise RuntimeError(
                f"NaN or Inf loss encountered at batch {batch}. Loss value: {loss}. "
                "Terminating training immediately."
            )
        print(f"Batch {batch}: Invalid loss, terminating training")
        self.model.stop_training = True
