"""Weight initializers with Keras names and defaults (glorot/he/lecun, orthogonal, ...).

The random draws come from ember's global generator (``ember.utils.set_random_seed``) unless
an initializer is given its own ``seed``; distributions match Keras, bits do not.

Example:
    >>> from ember import initializers
    >>> w = initializers.get("glorot_uniform")((3, 3, 16, 32))
    >>> w.shape, bool(abs(w).max() <= (6 / (9 * 16 + 9 * 32)) ** 0.5)
    ((3, 3, 16, 32), True)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ember import _random
from ember.saving.object_registration import (
    CustomObjectScope,
    find_custom,
    get_registered_name,
    register_builtin,
    unknown_object_error,
)

__all__ = [
    "Constant",
    "GlorotNormal",
    "GlorotUniform",
    "HeNormal",
    "HeUniform",
    "Initializer",
    "LecunNormal",
    "LecunUniform",
    "Ones",
    "Orthogonal",
    "RandomNormal",
    "RandomUniform",
    "TruncatedNormal",
    "VarianceScaling",
    "Zeros",
    "deserialize",
    "get",
    "serialize",
]


def compute_fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """(fan_in, fan_out); convolution kernels count the receptive field (kh * kw)."""
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = int(np.prod(shape[:-2]))
    return shape[-2] * receptive, shape[-1] * receptive


class Initializer:
    """Base class: ``init(shape, dtype=None) -> np.ndarray`` (float32)."""

    def __init__(self, seed: int | None = None) -> None:
        self.seed = seed

    def _rng(self) -> np.random.Generator:
        return np.random.default_rng(self.seed) if self.seed is not None else _random.generator()

    def __call__(self, shape: Any, dtype: Any = None) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def get_config(self) -> dict:
        return {"seed": self.seed} if self.seed is not None else {}

    @classmethod
    def from_config(cls, config: dict) -> Initializer:
        return cls(**config)


class Zeros(Initializer):
    def __init__(self) -> None:
        super().__init__()

    def __call__(self, shape: Any, dtype: Any = None) -> np.ndarray:
        return np.zeros(tuple(shape), np.float32)


class Ones(Initializer):
    def __init__(self) -> None:
        super().__init__()

    def __call__(self, shape: Any, dtype: Any = None) -> np.ndarray:
        return np.ones(tuple(shape), np.float32)


class Constant(Initializer):
    def __init__(self, value: float = 0.0) -> None:
        super().__init__()
        self.value = value

    def __call__(self, shape: Any, dtype: Any = None) -> np.ndarray:
        return np.full(tuple(shape), self.value, np.float32)

    def get_config(self) -> dict:
        return {"value": self.value}


class RandomNormal(Initializer):
    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None) -> None:
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape: Any, dtype: Any = None) -> np.ndarray:
        return self._rng().normal(self.mean, self.stddev, tuple(shape)).astype(np.float32)

    def get_config(self) -> dict:
        return {"mean": self.mean, "stddev": self.stddev, **super().get_config()}


class RandomUniform(Initializer):
    def __init__(
        self, minval: float = -0.05, maxval: float = 0.05, seed: int | None = None
    ) -> None:
        super().__init__(seed)
        self.minval, self.maxval = minval, maxval

    def __call__(self, shape: Any, dtype: Any = None) -> np.ndarray:
        return self._rng().uniform(self.minval, self.maxval, tuple(shape)).astype(np.float32)

    def get_config(self) -> dict:
        return {"minval": self.minval, "maxval": self.maxval, **super().get_config()}


def _truncated_normal(rng: np.random.Generator, stddev: float, shape: tuple) -> np.ndarray:
    """Normal(0, stddev) redrawn outside two standard deviations, as Keras does."""
    out = rng.normal(0.0, stddev, shape)
    bad = np.abs(out) > 2 * stddev
    while bad.any():
        out[bad] = rng.normal(0.0, stddev, int(bad.sum()))
        bad = np.abs(out) > 2 * stddev
    return out


class TruncatedNormal(Initializer):
    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None) -> None:
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape: Any, dtype: Any = None) -> np.ndarray:
        return (self.mean + _truncated_normal(self._rng(), self.stddev, tuple(shape))).astype(
            np.float32
        )

    def get_config(self) -> dict:
        return {"mean": self.mean, "stddev": self.stddev, **super().get_config()}


class VarianceScaling(Initializer):
    def __init__(
        self,
        scale: float = 1.0,
        mode: str = "fan_in",
        distribution: str = "truncated_normal",
        seed: int | None = None,
    ) -> None:
        super().__init__(seed)
        if scale <= 0:
            raise ValueError(f"VarianceScaling: scale must be > 0, received {scale}")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(
                f"VarianceScaling: mode must be fan_in, fan_out or fan_avg, received {mode!r}"
            )
        distribution = distribution.lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform"):
            raise ValueError(f"VarianceScaling: unknown distribution {distribution!r}")
        self.scale, self.mode, self.distribution = scale, mode, distribution

    def __call__(self, shape: Any, dtype: Any = None) -> np.ndarray:
        shape = tuple(int(s) for s in shape)
        fan_in, fan_out = compute_fans(shape)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        scale = self.scale / max(1.0, fan)
        rng = self._rng()
        if self.distribution == "truncated_normal":
            # 0.8796... is the stddev of a unit normal truncated to [-2, 2].
            out = _truncated_normal(rng, math.sqrt(scale) / 0.87962566103423978, shape)
        elif self.distribution == "untruncated_normal":
            out = rng.normal(0.0, math.sqrt(scale), shape)
        else:
            limit = math.sqrt(3.0 * scale)
            out = rng.uniform(-limit, limit, shape)
        return out.astype(np.float32)

    def get_config(self) -> dict:
        return {
            "scale": self.scale,
            "mode": self.mode,
            "distribution": self.distribution,
            **super().get_config(),
        }


class GlorotUniform(VarianceScaling):
    def __init__(self, seed: int | None = None) -> None:
        super().__init__(1.0, "fan_avg", "uniform", seed)

    def get_config(self) -> dict:
        return Initializer.get_config(self)


class GlorotNormal(VarianceScaling):
    def __init__(self, seed: int | None = None) -> None:
        super().__init__(1.0, "fan_avg", "truncated_normal", seed)

    def get_config(self) -> dict:
        return Initializer.get_config(self)


class HeUniform(VarianceScaling):
    def __init__(self, seed: int | None = None) -> None:
        super().__init__(2.0, "fan_in", "uniform", seed)

    def get_config(self) -> dict:
        return Initializer.get_config(self)


class HeNormal(VarianceScaling):
    def __init__(self, seed: int | None = None) -> None:
        super().__init__(2.0, "fan_in", "truncated_normal", seed)

    def get_config(self) -> dict:
        return Initializer.get_config(self)


class LecunUniform(VarianceScaling):
    def __init__(self, seed: int | None = None) -> None:
        super().__init__(1.0, "fan_in", "uniform", seed)

    def get_config(self) -> dict:
        return Initializer.get_config(self)


class LecunNormal(VarianceScaling):
    def __init__(self, seed: int | None = None) -> None:
        super().__init__(1.0, "fan_in", "truncated_normal", seed)

    def get_config(self) -> dict:
        return Initializer.get_config(self)


class Orthogonal(Initializer):
    """A (semi-)orthogonal matrix over the last axis vs the rest, times ``gain``."""

    def __init__(self, gain: float = 1.0, seed: int | None = None) -> None:
        super().__init__(seed)
        self.gain = gain

    def __call__(self, shape: Any, dtype: Any = None) -> np.ndarray:
        shape = tuple(int(s) for s in shape)
        if len(shape) < 2:
            raise ValueError(f"Orthogonal: the shape must have at least 2 axes, received {shape}")
        rows, cols = int(np.prod(shape[:-1])), shape[-1]
        a = self._rng().normal(0.0, 1.0, (max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q *= np.sign(np.diag(r))  # a uniform distribution over orthogonal matrices
        if rows < cols:
            q = q.T
        return np.ascontiguousarray(self.gain * q.reshape(shape), dtype=np.float32)

    def get_config(self) -> dict:
        return {"gain": self.gain, **super().get_config()}


_ALIASES = {
    "zeros": Zeros,
    "zero": Zeros,
    "ones": Ones,
    "one": Ones,
    "constant": Constant,
    "random_normal": RandomNormal,
    "normal": RandomNormal,
    "random_uniform": RandomUniform,
    "uniform": RandomUniform,
    "truncated_normal": TruncatedNormal,
    "variance_scaling": VarianceScaling,
    "glorot_uniform": GlorotUniform,
    "glorot_normal": GlorotNormal,
    "he_uniform": HeUniform,
    "he_normal": HeNormal,
    "lecun_uniform": LecunUniform,
    "lecun_normal": LecunNormal,
    "orthogonal": Orthogonal,
}
_CLASSES = {cls.__name__: cls for cls in set(_ALIASES.values())}


def get(identifier: Any) -> Initializer:
    """Resolve a Keras name, class name, config dict, callable or Initializer to an
    Initializer. Custom initializers (classes or functions ``fn(shape, dtype=None)``) resolve
    by name through the active ``custom_object_scope`` and registered objects, before
    ember's built-ins.

    Example:
        >>> initializers.get("he_normal").__class__.__name__
        'HeNormal'
    """
    if isinstance(identifier, Initializer):
        return identifier
    if isinstance(identifier, str):
        custom = find_custom([identifier])
        if custom is not None:
            return _from_custom(custom, identifier, None)
        cls = _ALIASES.get(identifier.lower()) or _CLASSES.get(identifier)
        if cls is None:
            raise ValueError(
                f"Unknown initializer '{identifier}'; expected one of {sorted(_ALIASES)}, or a "
                "custom initializer passed in `custom_objects`, registered with "
                "`@ember.saving.register_keras_serializable()` or given in a "
                "`custom_object_scope`"
            )
        return cls()
    if isinstance(identifier, dict) and "class_name" in identifier:
        class_name = identifier["class_name"]
        config = identifier.get("config") or {}
        if class_name == "function" and isinstance(config, str):
            return get(config)
        registered = identifier.get("registered_name")
        custom = find_custom([registered, class_name])
        if custom is not None:
            return _from_custom(custom, class_name, config)
        cls = _CLASSES.get(class_name) or _ALIASES.get(str(class_name).lower())
        if cls is None:
            raise unknown_object_error("initializer class", registered or class_name)
        return cls.from_config(config)
    if callable(identifier):
        return _CallableInitializer(identifier)
    raise TypeError(f"Cannot interpret {identifier!r} as an initializer")


def _from_custom(obj: Any, name: str, config: dict | None) -> Initializer:
    if isinstance(obj, Initializer):
        return obj
    if isinstance(obj, type):
        return obj.from_config(config) if config is not None else obj()
    if callable(obj):
        return _CallableInitializer(obj)
    raise TypeError(f"The custom object '{name}' is {obj!r}, which is not an initializer")


def deserialize(config: Any, custom_objects: dict[str, Any] | None = None) -> Initializer:
    """An initializer from its saved name or config; ``custom_objects`` come first.

    Example:
        >>> initializers.deserialize({"class_name": "Constant", "config": {"value": 2.0}})(
        ...     (2,)
        ... )
        array([2., 2.], dtype=float32)
    """
    with CustomObjectScope(custom_objects):
        return get(config)


class _CallableInitializer(Initializer):
    def __init__(self, fn: Any) -> None:
        super().__init__()
        self.fn = fn

    def __call__(self, shape: Any, dtype: Any = None) -> np.ndarray:
        return np.asarray(self.fn(tuple(shape)), np.float32)


def serialize(init: Initializer) -> Any:
    """A config that ``get`` turns back into an equal initializer: ``{"class_name",
    "config"}`` (plus ``registered_name`` for a registered class), or the name of a custom
    function (a lambda cannot be saved).

    Example:
        >>> initializers.serialize(initializers.Zeros())
        {'class_name': 'Zeros', 'config': {}}
    """
    if isinstance(init, _CallableInitializer):
        from ember.saving.serialization_lib import function_name

        return function_name(init.fn)
    config: dict[str, Any] = {"class_name": type(init).__name__, "config": init.get_config()}
    registered = get_registered_name(type(init))
    if registered != type(init).__name__:
        config["registered_name"] = registered
    return config


for _cls in _CLASSES.values():
    register_builtin(_cls, "initializers")
