"""The ``Metric`` base class (``keras.metrics.Metric``) and the array helpers every metric
family shares.

A metric holds its state in non-trainable Variables made with ``add_variable`` (or assigned
as attributes), accumulates it in ``update_state`` and reads it in ``result``;
``reset_state`` puts every variable back to its initial value. A subclass written as the
Keras guides write one works unchanged.

Example:
    >>> class TruePositives(ember.metrics.Metric):
    ...     def __init__(self, name="tp", **kwargs):
    ...         super().__init__(name=name, **kwargs)
    ...         self.tp = self.add_variable(shape=(), initializer="zeros", name="tp")
    ...     def update_state(self, y_true, y_pred, sample_weight=None):
    ...         hits = (np.asarray(y_true) == 1) & (np.asarray(y_pred) > 0.5)
    ...         self.tp.assign_add(hits.sum())
    ...     def result(self):
    ...         return self.tp
    >>> m = TruePositives()
    >>> float(m([1, 1, 0], [0.9, 0.2, 0.8]))
    1.0
    >>> m.reset_state(); float(m.result())
    0.0
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ember import device as _device
from ember.autograd import Tensor, Variable, real_numpy_dtype, tensor_of

EPSILON = 1e-7  # Keras' backend.epsilon()

__all__ = ["EPSILON", "Metric"]


# ---------------------------------------------------------------------- array helpers
def to_numpy(x: Any) -> np.ndarray:
    """The values of an array, Tensor, Variable, list or number as a host numpy array."""
    if isinstance(x, Tensor):
        return _device.host(x.data)
    return np.asarray(x)


def as_float32(x: Any) -> np.ndarray:
    return to_numpy(x).astype(np.float32, copy=False)


def squeeze_or_expand(
    x1: np.ndarray, x2: np.ndarray, expand_rank_1: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Keras' rank matching: when the ranks differ by one and the longer one ends in a 1,
    squeeze that axis (or, for a rank-1 partner, expand the partner)."""
    r1, r2 = x1.ndim, x2.ndim
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = x2[..., None]
        else:
            x1 = x1[..., 0]
    if r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = x1[..., None]
        else:
            x2 = x2[..., 0]
    return x1, x2


def divide_no_nan(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """x / y, and 0 where y is 0."""
    x, y = np.asarray(x), np.asarray(y)
    safe = np.where(y == 0, np.ones_like(y), y)
    return np.where(y == 0, np.zeros_like(x / safe), x / safe)


def mask_of(x: Any) -> np.ndarray | None:
    """The Keras mask a Tensor carries (``_keras_mask``), as an array, or None."""
    mask = getattr(x, "_keras_mask", None) if isinstance(x, Tensor) else None
    if mask is None or mask is True:
        return None
    return to_numpy(mask)


def apply_mask(sample_weight: Any, mask: np.ndarray | None) -> Any:
    """Sample weights times a 0/1 mask (Keras' ``apply_mask`` with reduction "sum")."""
    if mask is None:
        return sample_weight
    float_mask = mask.astype(np.float64)
    if sample_weight is None:
        return float_mask
    float_mask, sw = squeeze_or_expand(float_mask, to_numpy(sample_weight).astype(np.float64))
    return sw * float_mask


def result_tensor(value: Any, dtype: str) -> Tensor:
    """A metric result as a Tensor of the metric's dtype."""
    arr = np.asarray(value, dtype=dtype)
    return Tensor(arr) if arr.dtype == np.float32 else tensor_of(arr)


def metric_dtype(dtype: Any, what: str) -> str:
    """A metric's dtype argument as a dtype name ("float32" by default)."""
    if dtype is None:
        return "float32"
    compute = getattr(dtype, "compute_dtype", None)  # a dtype policy object
    if isinstance(compute, str):
        dtype = compute
    if isinstance(dtype, str) and dtype.startswith("mixed_"):
        raise NotImplementedError(f"{what}: the dtype policy {dtype!r} is not supported")
    if dtype == "int":
        return "int64"
    try:
        return real_numpy_dtype(dtype).name
    except ValueError:
        raise ValueError(
            f"{what}: invalid `dtype` {dtype!r}; expected e.g. 'float32' or 'float64'"
        ) from None


# ---------------------------------------------------------------------- Metric
class Metric:
    """Encapsulates a metric's state and logic, as ``keras.metrics.Metric``.

    Subclasses create their state in ``__init__`` with ``self.add_variable(shape,
    initializer, dtype=None, aggregation="sum", name=None)``, accumulate it in
    ``update_state(...)`` (``variable.assign`` / ``assign_add``) and return a scalar, a
    Tensor or a dict of them from ``result()``. ``reset_state()`` sets every variable back to
    its initial value (and resets sub-metrics); ``metric(...)`` updates, then returns
    ``result()``.

    Args:
        name: the metric's name (the key it is logged under); default: the snake-case class
            name, made unique (``my_metric``, ``my_metric_1``, ...) as Keras.
        dtype: the dtype of the result (default ``"float32"``).

    Example:
        >>> m = ember.metrics.Mean()
        >>> m.update_state([1.0, 3.0]); float(m.result())
        2.0
        >>> [v.name for v in m.variables]
        ['total', 'count']
    """

    _direction: str | None = None  # "up" / "down": which way is better (callbacks' auto mode)

    def __init__(self, name: str | None = None, dtype: Any = None) -> None:
        state = self.__dict__
        state["_variables"] = []
        state["_initial_values"] = []
        state["_metrics"] = []
        if name is None:
            from ember.layers.base import to_snake_case, unique_name

            name = unique_name(to_snake_case(type(self).__name__))
        self.name = name
        self._dtype = metric_dtype(dtype, type(self).__name__)

    # ------------------------------------------------------------------ state
    def __setattr__(self, key: str, value: Any) -> None:
        tracked = self.__dict__.get("_variables")
        if tracked is not None:
            if isinstance(value, Variable):
                self._track_variable(value)
            elif isinstance(value, Metric) and value is not self and value not in self._metrics:
                self._metrics.append(value)
        object.__setattr__(self, key, value)

    def _track_variable(self, variable: Variable) -> None:
        if all(v is not variable for v in self._variables):
            self._variables.append(variable)
            self._initial_values.append(variable.numpy())

    def _check_super_called(self) -> None:
        if "_variables" not in self.__dict__:
            raise RuntimeError(
                "You forgot to call `super().__init__()` in the `__init__()` method. Go add it!"
            )

    def add_variable(
        self,
        shape: Any,
        initializer: Any,
        dtype: Any = None,
        aggregation: str = "sum",
        name: str | None = None,
    ) -> Variable:
        """A non-trainable state Variable of this metric (its path is ``metric/name``).

        Example:
            >>> m = ember.metrics.Metric(name="m")
            >>> m.add_variable(shape=(2,), initializer="zeros", name="hits").path
            'm/hits'
        """
        self._check_super_called()
        variable = Variable(
            initializer,
            shape=shape,
            dtype=dtype if dtype is not None else self._dtype,
            trainable=False,
            aggregation=aggregation,
            synchronization="on_read",
            name=name,
        )
        variable.path = f"{self.name.replace('/', '>')}/{variable.name}"
        self._track_variable(variable)
        return variable

    def add_weight(
        self,
        shape: Any = (),
        initializer: Any = None,
        dtype: Any = None,
        name: str | None = None,
    ) -> Variable:
        """``add_variable`` under its Keras 2 name (initializer default ``"zeros"``)."""
        return self.add_variable(
            shape=shape,
            initializer=initializer if initializer is not None else "zeros",
            dtype=dtype,
            name=name,
        )

    @property
    def variables(self) -> list[Variable]:
        """This metric's state Variables, then those of its sub-metrics."""
        self._check_super_called()
        out = list(self._variables)
        for metric in self._metrics:
            out.extend(v for v in metric.variables if all(v is not o for o in out))
        return out

    @property
    def dtype(self) -> str:
        return self._dtype

    # ------------------------------------------------------------------ protocol
    def reset_state(self) -> None:
        """Set every state variable back to its initial value (and reset sub-metrics)."""
        self._check_super_called()
        for variable, initial in zip(self._variables, self._initial_values):
            variable.assign(initial)
        for metric in self._metrics:
            metric.reset_state()

    def update_state(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError(f"{type(self).__name__} must implement update_state()")

    def result(self) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement result()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self._check_super_called()
        self.update_state(*args, **kwargs)
        return self.result()

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict) -> Metric:
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"

    __str__ = __repr__
