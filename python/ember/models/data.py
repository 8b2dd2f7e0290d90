"""Turning what ``fit``/``evaluate``/``predict`` receive into batches: numpy arrays (or lists
and dicts of them for multi-input models), Tensors, Python generators yielding ``(x, y)`` or
``(x, y, sample_weight)``, and ``Sequence``-like objects (``__len__`` + ``__getitem__``).

Example:
    >>> src = ArraySource(np.zeros((10, 2)), np.arange(10), None, batch_size=4, shuffle=False)
    >>> [len(b[1]) for b in src.epoch()]
    [4, 4, 2]
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from ember import _random
from ember.autograd import Tensor
from ember.layers.node import flatten, map_structure

Batch = tuple[Any, Any, Any]


def _as_array(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, Tensor):
        return v.data
    if isinstance(v, np.ndarray):
        return v
    return np.asarray(v)


def as_arrays(structure: Any) -> Any:
    return map_structure(_as_array, structure)


def num_samples(structure: Any, what: str) -> int:
    leaves = [leaf for leaf in flatten(structure) if leaf is not None]
    if not leaves:
        raise ValueError(f"{what}: no data was provided")
    sizes = {len(leaf) if np.ndim(leaf) else 1 for leaf in leaves}
    if len(sizes) != 1:
        raise ValueError(
            f"Data cardinality is ambiguous: {what} arrays have different numbers of samples "
            f"{sorted(sizes)}. Make sure all arrays contain the same number of samples."
        )
    return sizes.pop()


def take(structure: Any, index: Any) -> Any:
    return map_structure(lambda a: None if a is None else a[index], structure)


def _float_inputs(x: Any) -> Any:
    """Model inputs with float data as float32 (ember's one float type). Integer, boolean and
    string inputs are left for the model, which converts each to its Input's dtype (ids for an
    Embedding stay exact); labels and weights are left alone."""
    return map_structure(
        lambda a: (
            a.astype(np.float32)
            if a is not None and a.dtype.kind == "f" and a.dtype != np.float32
            else a
        ),
        x,
    )


def class_weights_for(y: Any, class_weight: dict | None) -> np.ndarray | None:
    if not class_weight:
        return None
    leaves = flatten(y)
    if len(leaves) != 1:
        raise ValueError("`class_weight` is only supported for models with a single output")
    labels = np.asarray(leaves[0])
    if labels.ndim >= 2 and labels.shape[-1] > 1:
        labels = labels.argmax(axis=-1)
    elif labels.ndim >= 2:
        labels = labels[..., 0]
    labels = np.round(labels).astype(np.int64)
    weights = np.ones(labels.shape, np.float32)
    for cls, w in class_weight.items():
        weights[labels == int(cls)] = float(w)
    return weights


def combine_weights(sample_weight: Any, class_w: np.ndarray | None) -> Any:
    if class_w is None:
        return sample_weight
    if sample_weight is None:
        return class_w
    return np.asarray(sample_weight, np.float32) * class_w


class ArraySource:
    """In-memory arrays cut into batches; reshuffled every epoch when ``shuffle``."""

    def __init__(
        self,
        x: Any,
        y: Any,
        sample_weight: Any,
        batch_size: int,
        shuffle: Any,
        class_weight: dict | None = None,
    ) -> None:
        self.x, self.y = as_arrays(x), as_arrays(y)
        self.sample_weight = _as_array(sample_weight)
        self.n = num_samples([self.x, self.y, self.sample_weight], "Input")
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.class_weight = class_weight
        self.steps = math.ceil(self.n / self.batch_size)

    def epoch(self) -> Iterator[Batch]:
        order = None
        if self.shuffle and self.shuffle != "batch":
            order = _random.generator().permutation(self.n)
        for start in range(0, self.n, self.batch_size):
            stop = min(start + self.batch_size, self.n)
            index: Any = slice(start, stop) if order is None else order[start:stop]
            y = take(self.y, index)
            sw = None if self.sample_weight is None else self.sample_weight[index]
            sw = combine_weights(sw, class_weights_for(y, self.class_weight))
            yield _float_inputs(take(self.x, index)), y, sw


class IterSource:
    """A generator / iterator / Sequence yielding ``(x, y[, sample_weight])`` or ``x``."""

    def __init__(
        self,
        data: Any,
        steps: int | None,
        class_weight: dict | None = None,
        allow_x_only: bool = False,
    ) -> None:
        self.data = data
        self.class_weight = class_weight
        self.allow_x_only = allow_x_only
        self.is_sequence = (
            hasattr(data, "__getitem__")
            and hasattr(data, "__len__")
            and not (isinstance(data, (list, tuple, dict)))
        )
        self.steps = steps if steps is not None else (len(data) if self.is_sequence else None)
        self._iter: Iterator[Any] | None = None
        self.exhausted = False

    def _next(self, position: int) -> Any:
        """The next item: by index for a Sequence, else from the one shared iterator (which
        is never closed here, so the next epoch continues where this one stopped)."""
        if self.is_sequence:
            return self.data[position]
        if self._iter is None:
            self._iter = iter(self.data)
        return next(self._iter)

    def epoch(self) -> Iterator[Batch]:
        count = 0
        while self.steps is None or count < self.steps:
            if self.is_sequence and count >= len(self.data):
                break
            try:
                item = self._next(count)
            except StopIteration:
                self.exhausted = True
                return
            count += 1
            yield self._unpack(item)
        if self.is_sequence and hasattr(self.data, "on_epoch_end"):
            self.data.on_epoch_end()

    def _unpack(self, item: Any) -> Batch:
        if isinstance(item, tuple) and len(item) in (2, 3):
            x, y = item[0], item[1]
            sw = item[2] if len(item) == 3 else None
        elif self.allow_x_only:
            x, y, sw = item, None, None
        else:
            raise ValueError(
                "A data generator for fit/evaluate must yield (x, y) or "
                f"(x, y, sample_weight) tuples; received {type(item).__name__}"
            )
        x, y = as_arrays(x), as_arrays(y)
        sw = combine_weights(_as_array(sw), class_weights_for(y, self.class_weight))
        return _float_inputs(x), y, sw


def is_iterable_source(x: Any) -> bool:
    """Generators, iterators and Sequence-like objects (not arrays, lists or dicts)."""
    if x is None or isinstance(x, (np.ndarray, Tensor, list, tuple, dict)):
        return False
    return (
        inspect.isgenerator(x)
        or hasattr(x, "__next__")
        or (hasattr(x, "__getitem__") and hasattr(x, "__len__"))
        or hasattr(x, "__iter__")
    )


def split_validation(
    x: Any, y: Any, sample_weight: Any, validation_split: float
) -> tuple[tuple, tuple]:
    """Keras' validation_split: the *last* fraction of the samples, taken before shuffling."""
    if not 0 < validation_split < 1:
        raise ValueError(f"validation_split must be in (0, 1), received {validation_split}")
    x, y, sample_weight = as_arrays(x), as_arrays(y), _as_array(sample_weight)
    n = num_samples([x, y, sample_weight], "Input")
    split_at = int(n * (1.0 - validation_split))
    if split_at == 0 or split_at == n:
        raise ValueError(
            f"Training data contains {n} samples, which is not sufficient to split it into a "
            f"validation and training set as specified by `validation_split={validation_split}`"
        )
    first, last = slice(0, split_at), slice(split_at, n)
    sw_train = None if sample_weight is None else sample_weight[first]
    sw_val = None if sample_weight is None else sample_weight[last]
    return ((take(x, first), take(y, first), sw_train), (take(x, last), take(y, last), sw_val))
