"""``SwapEMAWeights``: Keras' callback that evaluates and saves with the optimizer's
exponential moving average of the weights. It needs an optimizer built with
``use_ema=True``, which ember's optimizers do not support, so it raises NotImplementedError.

Example:
    >>> SwapEMAWeights()  # doctest: +SKIP
    Traceback (most recent call last):
    NotImplementedError: SwapEMAWeights: ...
"""

from __future__ import annotations

from ember.callbacks.callback import Callback

__all__ = ["SwapEMAWeights"]


class SwapEMAWeights(Callback):
    """Not available: it swaps the model's weights with the optimizer's moving averages,
    and ember's optimizers keep none (``use_ema=True`` raises NotImplementedError).

    Example:
        >>> SwapEMAWeights(swap_on_epoch=True)  # doctest: +SKIP
    """

    __ember_not_implemented__ = "ember's optimizers keep no moving averages (use_ema)"

    def __init__(self, swap_on_epoch: bool = False) -> None:
        super().__init__()
        raise NotImplementedError(
            "SwapEMAWeights: keras.callbacks.SwapEMAWeights is not implemented in ember: its "
            "optimizers do not support `use_ema=True` (exponential "
            "moving averages of the weights), which this callback swaps in"
        )
