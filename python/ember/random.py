"""Random draws with ``keras.random``'s names, arguments and seeding rules.

Every function takes ``seed=``:

- ``None`` (the default): a draw from ember's global generator, which
  ``ember.utils.set_random_seed`` (``keras.utils.set_random_seed``) reseeds, so a seeded script
  repeats its unseeded draws exactly;
- an int: the same values on every call with that seed;
- a ``SeedGenerator``: new values on every call, a reproducible sequence for a given seed.

The distributions match Keras; the bits do not (ember draws with numpy's PCG64 generator).
Results are ember Tensors: float32 unless ``dtype`` says otherwise; ``randint`` and
``categorical`` return int32 Tensors by default.

Example:
    >>> import ember as keras
    >>> keras.random.normal((2, 3), seed=1).shape
    (2, 3)
    >>> gen = keras.random.SeedGenerator(42)
    >>> a = keras.random.uniform((2,), seed=gen)
    >>> b = keras.random.uniform((2,), seed=gen)
    >>> bool((a.numpy() != b.numpy()).all())
    True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ember import _random
from ember.autograd import Tensor, Variable, real_numpy_dtype, tensor_of

__all__ = [
    "SeedGenerator",
    "beta",
    "binomial",
    "categorical",
    "dropout",
    "gamma",
    "normal",
    "randint",
    "shuffle",
    "truncated_normal",
    "uniform",
]


class SeedGenerator:
    """A seed state that advances on every draw that uses it, as ``keras.random.SeedGenerator``.

    ``state`` is a non-trainable int64 Variable ``[seed, counter]``; ``next()`` returns the
    current state and advances the counter. Two generators made with the same seed give the
    same sequence of draws; ``seed=None`` takes a seed from ember's global generator (so
    ``set_random_seed`` makes it repeatable too).

    Example:
        >>> gen = ember.random.SeedGenerator(seed=1337)
        >>> gen.next().numpy()
        array([1337,    0])
        >>> gen.state.numpy()
        array([1337,    1])
        >>> gen.get_config()["seed"]
        1337
    """

    def __init__(self, seed: int | None = None, name: str | None = None, **kwargs: Any) -> None:
        backend = kwargs.pop("backend", None)
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments: {kwargs}")
        if backend is not None:
            raise NotImplementedError("SeedGenerator: the `backend` argument is not supported")
        if name is None:
            from ember.layers.base import unique_name

            name = unique_name("seed_generator")
        self.name = name
        self._initial_seed = seed
        if seed is None:
            seed = int(_random.generator().integers(1, 10**9))
        if not _is_int(seed):
            raise ValueError(f"Argument `seed` must be an integer. Received: seed={seed}")
        self.state = Variable(
            np.array([int(seed), 0], np.int64),
            trainable=False,
            aggregation="none",
            name="seed_generator_state",
        )
        self.state.path = f"{name}/seed_generator_state"

    def next(self, ordered: bool = True) -> Tensor:
        """The current state (an int64 Tensor ``[seed, counter]``), then advance: the counter
        by one, or (``ordered=False``) the whole state to a scrambled value."""
        current = self.state.numpy()
        if ordered:
            self.state.assign(current + np.array([0, 1], np.int64))
        else:
            self.state.assign((current + 1) * 5387 % 933199)
        return tensor_of(current)

    def get_config(self) -> dict:
        return {"seed": self._initial_seed, "name": self.name}

    @classmethod
    def from_config(cls, config: dict) -> SeedGenerator:
        return cls(**config)

    def __repr__(self) -> str:
        return f"<SeedGenerator name={self.name} state={self.state.numpy().tolist()}>"


# ---------------------------------------------------------------------- helpers
def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _generator(seed: Any) -> np.random.Generator:
    """The numpy Generator one draw uses, from a ``seed=`` argument."""
    if seed is None:
        return _random.generator()
    if isinstance(seed, SeedGenerator):
        state = seed.next().numpy()
        return np.random.default_rng([int(state[0]) % 2**64, int(state[1]) % 2**64])
    if _is_int(seed) or isinstance(seed, bool):
        return np.random.default_rng([int(seed) % 2**64, 0])
    raise ValueError(
        "Argument `seed` must be either an integer or an instance of `SeedGenerator`. "
        f"Received: seed={seed} (of type {type(seed)})"
    )


def _shape(shape: Any, fn: str) -> tuple[int, ...]:
    if isinstance(shape, Tensor):
        shape = shape.numpy().tolist()
    if _is_int(shape):
        shape = (shape,)
    try:
        dims = tuple(shape)
    except TypeError:
        raise TypeError(
            f"`keras.random.{fn}`: expected `shape` to be a tuple of ints, received shape={shape!r}"
        ) from None
    if not all(_is_int(d) for d in dims) or any(int(d) < 0 for d in dims):
        raise ValueError(
            f"`keras.random.{fn}`: `shape` must be a tuple of non-negative ints (no None). "
            f"Received: shape={dims}"
        )
    return tuple(int(d) for d in dims)


def _float_dtype(dtype: Any, fn: str) -> np.dtype:
    dt = real_numpy_dtype(dtype) if dtype is not None else np.dtype(np.float32)
    if dt.kind != "f":
        raise ValueError(
            f"`keras.random.{fn}` requires a floating point `dtype`. Received: dtype={dtype} "
        )
    return dt


def _int_dtype(dtype: Any, fn: str) -> np.dtype:
    dt = real_numpy_dtype(dtype) if dtype is not None else np.dtype(np.int32)
    if dt.kind not in "iu":
        raise ValueError(
            f"`keras.random.{fn}` requires an integer `dtype`. Received: dtype={dtype} "
        )
    return dt


def _values(x: Any) -> Any:
    return x.numpy() if isinstance(x, Tensor) else x


def _out(values: np.ndarray, dtype: np.dtype) -> Tensor:
    arr = np.asarray(values, dtype=dtype)
    if not arr.flags.c_contiguous:
        arr = np.ascontiguousarray(arr)
    return Tensor(arr) if dtype == np.float32 else tensor_of(arr)


# ---------------------------------------------------------------------- distributions
def normal(
    shape: Any,
    mean: float = 0.0,
    stddev: float = 1.0,
    dtype: Any = None,
    seed: int | SeedGenerator | None = None,
) -> Tensor:
    """Samples of a normal distribution with ``mean`` and ``stddev``.

    Example:
        >>> x = ember.random.normal((1000,), mean=2.0, stddev=0.5, seed=0).numpy()
        >>> bool(abs(x.mean() - 2.0) < 0.1)
        True
    """
    dt = _float_dtype(dtype, "normal")
    size = _shape(shape, "normal")
    rng = _generator(seed)
    return _out(rng.normal(_values(mean), _values(stddev), size), dt)


def uniform(
    shape: Any,
    minval: float = 0.0,
    maxval: float = 1.0,
    dtype: Any = None,
    seed: int | SeedGenerator | None = None,
) -> Tensor:
    """Samples of a uniform distribution over ``[minval, maxval)``.

    Example:
        >>> x = ember.random.uniform((100,), minval=-1.0, maxval=1.0, seed=0).numpy()
        >>> bool(x.min() >= -1.0 and x.max() < 1.0)
        True
    """
    dt = _float_dtype(dtype, "uniform")
    size = _shape(shape, "uniform")
    rng = _generator(seed)
    lo, hi = _values(minval), _values(maxval)
    values = lo + (np.asarray(hi) - lo) * rng.random(size)
    out = np.asarray(values, dtype=dt)
    # Rounding to float32 can land a value just below maxval on maxval itself.
    hi_cast = np.broadcast_to(np.asarray(hi, dtype=dt), out.shape)
    out = np.where(out >= hi_cast, np.nextafter(hi_cast, np.asarray(-np.inf, dt)), out)
    return _out(out, dt)


def truncated_normal(
    shape: Any,
    mean: float = 0.0,
    stddev: float = 1.0,
    dtype: Any = None,
    seed: int | SeedGenerator | None = None,
) -> Tensor:
    """Samples of a normal distribution, where values more than two standard deviations from
    the mean are drawn again.

    Example:
        >>> x = ember.random.truncated_normal((1000,), stddev=1.0, seed=0).numpy()
        >>> bool(abs(x).max() <= 2.0)
        True
    """
    dt = _float_dtype(dtype, "truncated_normal")
    size = _shape(shape, "truncated_normal")
    rng = _generator(seed)
    z = rng.standard_normal(size)
    bad = np.abs(z) > 2.0
    while bad.any():  # one round per rejection pass (about 5 % are redrawn each time)
        z[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(z) > 2.0
    return _out(np.asarray(_values(mean)) + np.asarray(_values(stddev)) * z, dt)


def randint(
    shape: Any,
    minval: int,
    maxval: int,
    dtype: Any = "int32",
    seed: int | SeedGenerator | None = None,
) -> Tensor:
    """Random integers, uniform over ``[minval, maxval)``.

    Example:
        >>> x = ember.random.randint((100,), 0, 3, seed=0).numpy()
        >>> x.dtype, sorted(set(x.tolist()))
        (dtype('int32'), [0, 1, 2])
    """
    dt = _int_dtype(dtype, "randint")
    size = _shape(shape, "randint")
    lo, hi = np.asarray(_values(minval)), np.asarray(_values(maxval))
    if np.any(lo >= hi):
        raise ValueError(
            "`keras.random.randint` needs minval < maxval. "
            f"Received: minval={minval}, maxval={maxval}"
        )
    rng = _generator(seed)
    return _out(rng.integers(lo, hi, size, dtype=np.int64), dt)


def shuffle(x: Any, axis: int = 0, seed: int | SeedGenerator | None = None) -> Tensor:
    """``x`` with its entries along ``axis`` in a random order (the dtype is kept).

    Example:
        >>> ember.random.shuffle(np.arange(5), seed=0).numpy().tolist() != [0, 1, 2, 3, 4]
        True
    """
    arr = np.asarray(_values(x))
    if not isinstance(x, (np.ndarray, Tensor)):  # Python numbers: float32 / int32, as Keras
        if arr.dtype == np.float64:
            arr = arr.astype(np.float32)
        elif arr.dtype == np.int64:
            arr = arr.astype(np.int32)
    if arr.ndim == 0:
        raise ValueError("`keras.random.shuffle` needs an input with at least one axis")
    if not _is_int(axis) or not -arr.ndim <= axis < arr.ndim:
        raise ValueError(
            f"`keras.random.shuffle`: axis {axis} is out of range for an input of rank {arr.ndim}"
        )
    rng = _generator(seed)
    order = rng.permutation(arr.shape[axis])
    return _out(np.take(arr, order, axis=axis), arr.dtype)


def dropout(
    inputs: Any,
    rate: float,
    noise_shape: Any = None,
    seed: int | SeedGenerator | None = None,
) -> Tensor:
    """Zero each entry with probability ``rate`` and scale the rest by ``1 / (1 - rate)``;
    ``noise_shape`` (None entries filled from ``inputs``) shares one draw along its axes of
    size 1. Gradients flow through the kept entries.

    Example:
        >>> y = ember.random.dropout(np.ones((4, 1000)), rate=0.5, seed=0).numpy()
        >>> sorted(set(y.ravel().tolist()))
        [0.0, 2.0]
    """
    from ember.ops import math as math_ops

    x = inputs if isinstance(inputs, Tensor) else Tensor(inputs)
    if isinstance(rate, bool) or not isinstance(rate, (int, float, np.floating, np.integer)):
        raise TypeError(f"`keras.random.dropout`: `rate` must be a float, received {rate!r}")
    if not 0.0 <= float(rate) < 1.0:
        raise ValueError(
            f"`keras.random.dropout`: `rate` must be a float in [0, 1). Received: rate={rate}"
        )
    if noise_shape is None:
        mask_shape = x.shape
    else:
        dims = list(noise_shape)
        if len(dims) != x.ndim:
            raise ValueError(
                f"`keras.random.dropout`: noise_shape={tuple(dims)} must have the rank of the "
                f"inputs, of shape {x.shape}"
            )
        mask_shape = tuple(x.shape[i] if d is None else int(d) for i, d in enumerate(dims))
        try:
            np.broadcast_shapes(mask_shape, x.shape)
        except ValueError:
            raise ValueError(
                f"`keras.random.dropout`: noise_shape={mask_shape} does not broadcast to the "
                f"inputs' shape {x.shape}"
            ) from None
    rng = _generator(seed)
    keep = rng.random(mask_shape) >= rate
    scale = np.float32(1.0 / (1.0 - float(rate)))
    mask = keep.astype(np.float32) * scale
    return math_ops.multiply(x, mask)


def categorical(
    logits: Any,
    num_samples: int,
    dtype: Any = "int32",
    seed: int | SeedGenerator | None = None,
) -> Tensor:
    """Class ids drawn from ``softmax(logits)``: ``logits`` (batch, classes) give
    (batch, num_samples) samples.

    Example:
        >>> ember.random.categorical([[-np.inf, 0.0]], 5, seed=0).numpy()
        array([[1, 1, 1, 1, 1]], dtype=int32)
    """
    arr = np.asarray(_values(logits), np.float64)
    if arr.ndim != 2:
        raise ValueError(
            "`logits` should be a 2-D tensor with shape [batch_size, num_classes]. "
            f"Received: logits={logits}"
        )
    if not _is_int(num_samples) or num_samples < 0:
        raise ValueError(
            "`keras.random.categorical`: `num_samples` must be a non-negative int. "
            f"Received: num_samples={num_samples}"
        )
    dt = _int_dtype(dtype, "categorical")
    rng = _generator(seed)
    # Gumbel-max: argmax(logits + Gumbel noise) is a draw from softmax(logits); a logit of
    # -inf (probability 0) is never chosen.
    noise = -np.log(-np.log(rng.random((arr.shape[0], int(num_samples), arr.shape[1])) + 1e-300))
    return _out(np.argmax(arr[:, None, :] + noise, axis=-1), dt)


def gamma(
    shape: Any, alpha: float, dtype: Any = None, seed: int | SeedGenerator | None = None
) -> Tensor:
    """Samples of a Gamma distribution with concentration ``alpha`` (and scale 1).

    Example:
        >>> x = ember.random.gamma((2000,), alpha=3.0, seed=0).numpy()
        >>> bool(abs(x.mean() - 3.0) < 0.2)
        True
    """
    dt = _float_dtype(dtype, "gamma")
    size = _shape(shape, "gamma")
    a = np.asarray(_values(alpha), np.float64)
    if np.any(a <= 0):
        raise ValueError(f"`keras.random.gamma`: `alpha` must be > 0. Received: alpha={alpha}")
    rng = _generator(seed)
    return _out(rng.standard_gamma(a, size), dt)


def beta(
    shape: Any,
    alpha: float,
    beta: float,
    dtype: Any = None,
    seed: int | SeedGenerator | None = None,
) -> Tensor:
    """Samples of a Beta distribution with parameters ``alpha`` and ``beta``.

    Example:
        >>> x = ember.random.beta((2000,), alpha=2.0, beta=6.0, seed=0).numpy()
        >>> bool(abs(x.mean() - 0.25) < 0.02)
        True
    """
    dt = _float_dtype(dtype, "beta")
    size = _shape(shape, "beta")
    a = np.asarray(_values(alpha), np.float64)
    b = np.asarray(_values(beta), np.float64)
    if np.any(a <= 0) or np.any(b <= 0):
        raise ValueError(
            f"`keras.random.beta`: `alpha` and `beta` must be > 0. Received: alpha={alpha}, "
            f"beta={beta}"
        )
    rng = _generator(seed)
    return _out(rng.beta(a, b, size), dt)


def binomial(
    shape: Any,
    counts: float,
    probabilities: float,
    dtype: Any = None,
    seed: int | SeedGenerator | None = None,
) -> Tensor:
    """Samples of a Binomial distribution: successes out of ``counts`` trials with success
    probability ``probabilities`` (float32 values by default, as Keras).

    Example:
        >>> x = ember.random.binomial((2000,), counts=10, probabilities=0.3, seed=0).numpy()
        >>> bool(abs(x.mean() - 3.0) < 0.2), x.dtype
        (True, dtype('float32'))
    """
    dt = real_numpy_dtype(dtype) if dtype is not None else np.dtype(np.float32)
    size = _shape(shape, "binomial")
    n = np.asarray(_values(counts))
    p = np.asarray(_values(probabilities), np.float64)
    if np.any(n < 0) or np.any(n != np.round(n)):
        raise ValueError(
            "`keras.random.binomial`: `counts` must be non-negative whole numbers. "
            f"Received: counts={counts}"
        )
    if np.any(p < 0) or np.any(p > 1):
        raise ValueError(
            "`keras.random.binomial`: `probabilities` must be in [0, 1]. "
            f"Received: probabilities={probabilities}"
        )
    rng = _generator(seed)
    return _out(rng.binomial(n.astype(np.int64), p, size), dt)
