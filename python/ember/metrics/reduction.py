"""Reduction metrics: ``Sum``, ``Mean`` and ``MeanMetricWrapper`` (the mean of a per-sample
function, which most of Keras' metrics are).

Values are first reduced per sample (over every axis after the first), then weighted by
``sample_weight`` and accumulated, as Keras does. ember accumulates the state of its
built-in metrics in float64, so a long epoch adds no rounding of its own; results have the
metric's dtype (float32 by default).

Example:
    >>> m = ember.metrics.Mean()
    >>> m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    >>> float(m.result())
    2.0
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ember.metrics.base import (
    Metric,
    apply_mask,
    mask_of,
    result_tensor,
    squeeze_or_expand,
    to_numpy,
)

# The dtype of built-in metrics' accumulators.
STATE_DTYPE = "float64"

__all__ = ["Mean", "MeanMetricWrapper", "Sum"]


def reduce_to_samplewise(
    values: Any, sample_weight: Any, how: str, what: str
) -> tuple[np.ndarray, np.ndarray | None]:
    """Keras' ``reduce_to_samplewise_values``: one value per sample (``how`` = "mean" or
    "sum" over the axes after the first), times its weight; also the per-sample weights."""
    mask = mask_of(values)
    vals = to_numpy(values).astype(np.float64)
    reduce = np.mean if how == "mean" else np.sum
    sw = None
    if sample_weight is not None:
        sw = to_numpy(sample_weight).astype(np.float64)
        sw = apply_mask(sw, mask)
        vals, sw = squeeze_or_expand(vals, sw)
        w_ndim, v_ndim = sw.ndim, vals.ndim
        if v_ndim > w_ndim:
            vals = reduce(vals, axis=tuple(range(w_ndim, v_ndim)))
        try:
            sw = np.broadcast_to(sw, vals.shape)
        except ValueError:
            raise ValueError(
                f"{what}: sample_weight of shape {to_numpy(sample_weight).shape} does not "
                f"broadcast to the values' shape {vals.shape}"
            ) from None
        vals = vals * sw
        if w_ndim > 1:
            sw = reduce(sw, axis=tuple(range(1, w_ndim)))
    if vals.ndim > 1:
        vals = reduce(vals, axis=tuple(range(1, vals.ndim)))
    return vals, sw


class Sum(Metric):
    """The (weighted) sum of every value seen since the last reset.

    Example:
        >>> m = ember.metrics.Sum()
        >>> m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
        >>> float(m.result())
        4.0
    """

    def __init__(self, name: str = "sum", dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(
            shape=(), initializer="zeros", dtype=STATE_DTYPE, name="total"
        )

    def update_state(self, values: Any, sample_weight: Any = None) -> None:
        vals, _ = reduce_to_samplewise(values, sample_weight, "sum", self.name)
        self.total.assign_add(vals.sum())

    def result(self) -> Any:
        return result_tensor(self.total.data, self.dtype)


class Mean(Metric):
    """The (weighted) mean of every value seen since the last reset: per-sample values
    (means over the axes after the first) weighted by ``sample_weight``.

    Example:
        >>> m = ember.metrics.Mean()
        >>> m.update_state([1, 3, 5, 7])
        >>> float(m.result())
        4.0
    """

    def __init__(self, name: str = "mean", dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(
            shape=(), initializer="zeros", dtype=STATE_DTYPE, name="total"
        )
        self.count = self.add_variable(
            shape=(), initializer="zeros", dtype=STATE_DTYPE, name="count"
        )

    def update_state(self, values: Any, sample_weight: Any = None) -> None:
        vals, sw = reduce_to_samplewise(values, sample_weight, "mean", self.name)
        self.total.assign_add(vals.sum())
        if sw is not None:
            count = sw.sum()
        else:
            count = vals.shape[0] if vals.ndim >= 1 else 1
        self.count.assign_add(count)

    def result(self) -> Any:
        total, count = float(self.total.data), float(self.count.data)
        return result_tensor(total / count if count else 0.0, self.dtype)


class MeanMetricWrapper(Mean):
    """The mean of a per-sample function ``fn(y_true, y_pred, **kwargs)``.

    Example:
        >>> def abs_error(y_true, y_pred):
        ...     return np.abs(np.asarray(y_true) - np.asarray(y_pred))
        >>> m = ember.metrics.MeanMetricWrapper(abs_error, name="abs_error")
        >>> m.update_state([0.0, 1.0], [0.5, 0.5]); float(m.result())
        0.5
    """

    def __init__(
        self,
        fn: Callable[..., Any],
        name: str | None = None,
        dtype: Any = None,
        **kwargs: Any,
    ) -> None:
        if not callable(fn):
            raise TypeError(f"MeanMetricWrapper: `fn` must be a function, received {fn!r}")
        super().__init__(name=name, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        mask = mask_of(y_pred)
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        super().update_state(values, sample_weight=apply_mask(sample_weight, mask))

    def get_config(self) -> dict:
        from ember.saving.serialization_lib import function_name

        return {**super().get_config(), "fn": function_name(self._fn), **self._fn_kwargs}

    @classmethod
    def from_config(cls, config: dict) -> MeanMetricWrapper:
        config = dict(config)
        fn = config.pop("fn", None)
        if not callable(fn):
            from ember.metrics import _function_named

            fn = _function_named(fn)
        return cls(fn, **config)


class _Wrapper(MeanMetricWrapper):
    """A built-in MeanMetricWrapper: its function is fixed, its config lists its arguments."""

    _config_keys: tuple[str, ...] = ()

    def get_config(self) -> dict:
        config = {"name": self.name, "dtype": self.dtype}
        config.update({k: getattr(self, k) for k in self._config_keys})
        return config

    @classmethod
    def from_config(cls, config: dict) -> MeanMetricWrapper:
        return cls(**config)
