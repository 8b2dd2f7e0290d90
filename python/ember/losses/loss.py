"""The ``Loss`` base class, Keras' reduction of per-sample losses (sample weights and masks)
and ``LossFunctionWrapper``, which makes a Loss out of a per-sample loss function.

A Loss is called as ``loss(y_true, y_pred, sample_weight=None)``: ``call`` gives one value
per sample (or per time step), then the weights, the mask that ``y_pred`` carries (and any
mask ``call`` puts on its result, e.g. ``ignore_class``) and the reduction are applied as in
Keras 3:

- ``"sum_over_batch_size"`` (default) and ``"mean"``: the sum divided by the number of
  values; a mask divides by the number of unmasked values instead;
- ``"sum"``: the sum; ``"mean_with_sample_weight"``: the sum divided by the sum of the weights;
- ``"none"`` / ``None``: the weighted values themselves.

Example:
    >>> class Doubled(ember.losses.Loss):
    ...     def call(self, y_true, y_pred):
    ...         return ((y_pred - y_true) ** 2).mean(axis=-1) * 2.0
    >>> float(Doubled()(np.zeros((2, 2)), np.ones((2, 2))).numpy())
    2.0
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ember import device
from ember.autograd import Tensor, standardize_dtype
from ember.ops import math as m

EPSILON = 1e-7  # keras.backend.epsilon()
REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


# ---------------------------------------------------------------------- small helpers
def data_of(y: Any) -> Any:
    """The array behind ``y`` (a Tensor's data, or ``np.asarray(y)``)."""
    return y.data if isinstance(y, Tensor) else np.asarray(y)


def host_of(y: Any) -> np.ndarray:
    """``y``'s values as a host numpy array."""
    return device.host(data_of(y))


def float_array(y: Any) -> np.ndarray:
    """``y`` as a float32 host array (targets, weights: data that needs no gradient)."""
    return np.asarray(host_of(y), dtype=np.float32)


def on_device_of(ref: Tensor, arr: Any) -> Any:
    """A host array put where ``ref`` lives: targets and weights are data, copied once per
    loss call (once per training step) when the model runs on a GPU."""
    data = ref.data
    if type(data) is np.ndarray or isinstance(arr, device.DeviceArray):
        return arr
    return device.to(np.ascontiguousarray(arr), device.of(data))


def as_float_tensor(y: Any) -> Tensor:
    """``y`` as a float32 Tensor; a float32 Tensor is returned as it is (it keeps its
    gradient, mask and softmax/sigmoid logits)."""
    if isinstance(y, Tensor) and y.data.dtype == np.float32:
        return y
    return m.to_float(y)


def standardize_reduction(reduction: Any) -> str | None:
    """``reduction`` if Keras allows it, else ValueError with the allowed values."""
    if not isinstance(reduction, (str, type(None))) or reduction not in REDUCTIONS:
        raise ValueError(
            f"Invalid value for argument `reduction`. Expected one of {list(REDUCTIONS)}. "
            f"Received: reduction={reduction}"
        )
    return reduction


def loss_dtype(dtype: Any, owner: str) -> str:
    """A loss's ``dtype`` argument: ember's losses compute in float32 (Keras' floatx)."""
    if dtype is None:
        return "float32"
    compute = getattr(dtype, "compute_dtype", None)  # a dtype policy object
    if isinstance(compute, str):
        dtype = compute
    if isinstance(dtype, str) and dtype.startswith("mixed_"):
        raise NotImplementedError(
            f"{owner}: the dtype policy {dtype!r} is not supported; ember's losses compute in "
            "float32"
        )
    try:
        name = standardize_dtype(dtype)
    except NotImplementedError:
        raise NotImplementedError(
            f"{owner}: dtype={dtype!r} is not supported; ember's losses compute in float32"
        ) from None
    except TypeError:
        raise TypeError(
            f"{owner}: invalid `dtype` {dtype!r}; expected a float dtype such as 'float32'"
        ) from None
    if name != "float32":
        raise ValueError(
            f"{owner}: `dtype` must be a float dtype ('float32'); received dtype={dtype!r}"
        )
    return name


def check_number(owner: str, name: str, value: Any) -> float:
    """``value`` as a float, or TypeError naming the argument."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        raise TypeError(
            f"{owner}: `{name}` must be a number; received {name}={value!r} "
            f"(of type {type(value).__name__})"
        )
    return float(value)


def check_axis(owner: str, axis: Any, ndim: int, allow_none: bool = False) -> Any:
    """``axis`` (an int, or also None / a tuple of ints when ``allow_none``) checked against
    a rank; returns it normalized to non-negative ints."""
    if axis is None and allow_none:
        return None
    axes = tuple(axis) if allow_none and isinstance(axis, (list, tuple)) else (axis,)
    out = []
    for a in axes:
        if isinstance(a, (bool, np.bool_)) or not isinstance(a, (int, np.integer)):
            raise ValueError(
                f"{owner}: `axis` must be of type `int`. Received: axis={axis} of type {type(axis)}"
            )
        if not -max(ndim, 1) <= a < max(ndim, 1):
            raise ValueError(
                f"{owner}: axis={axis} is out of bounds for y_pred of rank {ndim}; expected an "
                f"axis in [{-ndim}, {ndim})"
            )
        out.append(int(a) % max(ndim, 1))
    return tuple(out) if isinstance(axis, (list, tuple)) else out[0]


# ---------------------------------------------------------------------- ranks and masks
def _squeeze_last(x: Any) -> Any:
    return m.reshape(x, x.shape[:-1]) if isinstance(x, Tensor) else x.reshape(x.shape[:-1])


def _expand_last(x: Any) -> Any:
    return m.reshape(x, (*x.shape, 1)) if isinstance(x, Tensor) else x.reshape((*x.shape, 1))


def squeeze_or_expand_to_same_rank(x1: Any, x2: Any, expand_rank_1: bool = True) -> tuple:
    """Keras' rank rule: when the ranks differ by one and the longer one ends in 1, squeeze
    that axis, except that a rank-1 partner is expanded instead (``(N,)`` against ``(N, 1)``
    gives two ``(N, 1)``). Works on Tensors and arrays."""
    r1, r2 = len(x1.shape), len(x2.shape)
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = _expand_last(x2)
        else:
            x1 = _squeeze_last(x1)
    elif r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = _expand_last(x1)
        else:
            x2 = _squeeze_last(x2)
    return x1, x2


def mask_of(x: Any) -> np.ndarray | None:
    """The Keras mask a Tensor carries (``_keras_mask``) as a host bool array, or None."""
    mask = getattr(x, "_keras_mask", None) if isinstance(x, Tensor) else None
    if mask is None or isinstance(mask, bool):  # True: a symbolic placeholder
        return None
    return np.asarray(host_of(mask), dtype=bool)


def apply_mask(
    sample_weight: np.ndarray | None, mask: np.ndarray | None, reduction: str | None
) -> np.ndarray | None:
    """Merge a mask into the sample weights. For the averaging reductions the unmasked
    entries weigh ``total / valid``, so the mean runs over the unmasked entries only."""
    if mask is None:
        return sample_weight
    if reduction in ("mean", "sum_over_batch_size"):
        valid = int(mask.sum())
        scale = np.float32(mask.size / valid) if valid else np.float32(0.0)
        float_mask = np.where(mask, scale, np.float32(0.0)).astype(np.float32)
    else:
        float_mask = mask.astype(np.float32)
    if sample_weight is None:
        return float_mask
    float_mask, sample_weight = squeeze_or_expand_to_same_rank(float_mask, sample_weight)
    try:
        return sample_weight * float_mask
    except ValueError:
        raise ValueError(
            f"sample_weight of shape {sample_weight.shape} cannot be combined with the mask of "
            f"shape {float_mask.shape} (from y_pred's Keras mask or the loss, e.g. "
            f"ignore_class); expected a shape that broadcasts to it, e.g. "
            f"{float_mask.shape[:1] + (1,) * (float_mask.ndim - 1)}"
        ) from None


def reduce_values(values: Tensor, sample_weight: np.ndarray | None, reduction: Any) -> Tensor:
    """Keras' reduction of (already weighted) loss values."""
    if reduction in (None, "none") or values.shape in ((), (0,)):
        return values
    total = m.sum(values)
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        divisor = float(np.sum(sample_weight, dtype=np.float32))
    else:
        divisor = float(values.size)
    if divisor == 0.0:  # divide_no_nan
        return m.multiply(total, 0.0)
    return m.divide(total, divisor)


def reduce_weighted_values(
    values: Any,
    sample_weight: Any = None,
    mask: Any = None,
    reduction: str | None = "sum_over_batch_size",
) -> Tensor:
    """Weight per-sample ``values`` by ``sample_weight`` (and ``mask``), then reduce them.

    Example:
        >>> from ember.losses.loss import reduce_weighted_values
        >>> v = ember.tensor([1.0, 2.0, 3.0])
        >>> float(reduce_weighted_values(v, sample_weight=[1.0, 0.0, 1.0]).numpy())
        1.3333333730697632
    """
    reduction = standardize_reduction(reduction)
    values = as_float_tensor(values)
    sw = None if sample_weight is None else float_array(sample_weight)
    if mask is not None:
        mask = np.asarray(host_of(mask), dtype=bool)
    sw = apply_mask(sw, mask, reduction)
    if sw is not None:
        values, sw = squeeze_or_expand_to_same_rank(values, sw)
        try:
            np.broadcast_shapes(values.shape, sw.shape)
        except ValueError:
            raise ValueError(
                f"sample_weight of shape {sw.shape} cannot weigh the per-sample losses of "
                f"shape {values.shape}; expected a shape that broadcasts to it, e.g. "
                f"{values.shape[:1]}"
            ) from None
        values = m.multiply(values, on_device_of(values, sw))
    return reduce_values(values, sw, reduction)


# ---------------------------------------------------------------------- Loss
def _as_target(y: Any) -> Any:
    """Targets for ember's own loss functions, which read them as data (no conversion)."""
    return y if isinstance(y, (Tensor, np.ndarray)) else np.asarray(y)


def _convert(y: Any) -> Any:
    if isinstance(y, Mapping):
        return {k: _convert(v) for k, v in y.items()}
    if isinstance(y, tuple) and y and all(isinstance(v, (Tensor, np.ndarray)) for v in y):
        return tuple(_convert(v) for v in y)
    return as_float_tensor(y)


class Loss:
    """Base class of every loss: subclasses implement ``call(y_true, y_pred)``, returning one
    loss value per sample (Tensors built with ember's ops, so gradients flow).

    Args:
        name: the loss's name (default: the snake-case class name, made unique).
        reduction: ``"sum_over_batch_size"`` (default), ``"sum"``, ``"mean"``,
            ``"mean_with_sample_weight"``, ``"none"`` or ``None``.
        dtype: the compute dtype; ember's losses compute in float32 (``None`` or
            ``"float32"``; other float dtypes raise NotImplementedError).

    ``__call__`` converts ``y_true`` and ``y_pred`` to float32 Tensors (as Keras converts them
    to the loss's dtype), calls ``call``, then weights and reduces the values.

    Example:
        >>> class Absolute(ember.losses.Loss):
        ...     def call(self, y_true, y_pred):
        ...         return ((y_pred - y_true) ** 2).sum(axis=-1)
        >>> loss = Absolute(reduction="sum")
        >>> float(loss(np.zeros((2, 2)), np.ones((2, 2))).numpy())
        4.0
    """

    _builtin_fn = False  # call() is one of ember's loss functions

    def __init__(
        self,
        name: str | None = None,
        reduction: str | None = "sum_over_batch_size",
        dtype: Any = None,
    ) -> None:
        if not name:
            from ember.layers.base import to_snake_case, unique_name

            name = unique_name(to_snake_case(type(self).__name__))
        self.name = name
        self.reduction = standardize_reduction(reduction)
        self._dtype = loss_dtype(dtype, type(self).__name__)

    @property
    def dtype(self) -> str:
        """The dtype the loss computes in (always ``"float32"`` in ember)."""
        return self._dtype

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Tensor:
        in_mask = mask_of(y_pred)
        y_pred = _convert(y_pred)
        # Keras hands call() float tensors; ember's own functions take the targets as they are
        # (the same values, without a float copy and back to integer labels every step).
        y_true = _as_target(y_true) if self._builtin_fn else _convert(y_true)
        losses = self.call(y_true, y_pred)
        if not isinstance(losses, Tensor):
            losses = m.to_float(losses)
        out_mask = mask_of(losses)
        if in_mask is not None and out_mask is not None:
            mask = in_mask & out_mask
        else:
            mask = in_mask if in_mask is not None else out_mask
        return reduce_weighted_values(losses, sample_weight, mask, self.reduction)

    def call(self, y_true: Any, y_pred: Any) -> Tensor:
        raise NotImplementedError(
            f"{type(self).__name__}.call(y_true, y_pred) is not implemented: a Loss subclass "
            "computes its per-sample values there"
        )

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config: dict) -> Loss:
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r} reduction={self.reduction!r}>"


class LossFunctionWrapper(Loss):
    """A Loss made of a per-sample loss function ``fn(y_true, y_pred, **kwargs)``.

    Before calling ``fn`` it applies Keras' rank rule to the pair (``(N,)`` targets against
    ``(N, 1)`` predictions, ``(N, T)`` against ``(N, T, 1)``), as every built-in loss class
    does.

    Example:
        >>> loss = ember.losses.LossFunctionWrapper(ember.losses.huber, delta=0.5)
        >>> round(float(loss(np.zeros((1, 2)), np.ones((1, 2))).numpy()), 3)
        0.375
    """

    def __init__(
        self,
        fn: Callable[..., Any],
        reduction: str | None = "sum_over_batch_size",
        name: str | None = None,
        dtype: Any = None,
        **kwargs: Any,
    ) -> None:
        if not callable(fn):
            raise TypeError(
                f"{type(self).__name__}: `fn` must be a loss function fn(y_true, y_pred); "
                f"received {fn!r}"
            )
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs
        self._builtin_fn = getattr(fn, "__module__", "").startswith("ember.losses.")

    def call(self, y_true: Any, y_pred: Any) -> Tensor:
        if hasattr(y_true, "shape") and hasattr(y_pred, "shape"):
            y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self) -> dict:
        from ember.saving.serialization_lib import serialize_keras_object

        config = Loss.get_config(self)
        config["fn"] = serialize_keras_object(self.fn)
        config.update(serialize_keras_object(self._fn_kwargs))
        return config

    @classmethod
    def from_config(cls, config: dict) -> Loss:
        if "fn" in config:
            from ember.saving.serialization_lib import deserialize_keras_object

            config = {**config, "fn": deserialize_keras_object(config["fn"])}
        return cls(**config)

    def __repr__(self) -> str:
        return f"<LossFunctionWrapper({self.fn}, kwargs={self._fn_kwargs})>"
