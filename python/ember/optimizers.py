"""Optimizers with Keras 3's formulas and defaults: SGD (momentum, nesterov), Adam (amsgrad),
AdamW, RMSprop, Adagrad; gradient clipping by value, norm and global norm; learning-rate
schedules. A step is one C++ call over all parameters, not a Python loop of temporaries.

Example:
    >>> from ember import optimizers
    >>> w = ember.Variable(np.ones(3))
    >>> opt = optimizers.SGD(learning_rate=0.5)
    >>> opt.apply_gradients([(np.ones(3), w)])
    >>> w.numpy()
    array([0.5, 0.5, 0.5], dtype=float32)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from ember import device
from ember.autograd import Tensor, Variable, no_grad
from ember.device import kernels
from ember.saving.object_registration import (
    CustomObjectScope,
    find_custom,
    get_registered_name,
    register_builtin,
    unknown_object_error,
)

__all__ = [
    "SGD",
    "Adagrad",
    "Adam",
    "AdamW",
    "CosineDecay",
    "ExponentialDecay",
    "InverseTimeDecay",
    "LearningRateSchedule",
    "Optimizer",
    "PiecewiseConstantDecay",
    "RMSprop",
    "get",
    "schedules",
]


# ---------------------------------------------------------------------- schedules
class LearningRateSchedule:
    """Maps the optimizer's step count to a learning rate."""

    def __call__(self, step: int) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def get_config(self) -> dict:  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def from_config(cls, config: dict) -> LearningRateSchedule:
        return cls(**config)


class ExponentialDecay(LearningRateSchedule):
    """lr * decay_rate ** (step / decay_steps), floored when ``staircase``."""

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        decay_rate: float,
        staircase: bool = False,
        name: str = "ExponentialDecay",
    ) -> None:
        if decay_steps <= 0:
            raise ValueError(
                f"Argument `decay_steps` must be > 0. Received: decay_steps={decay_steps}"
            )
        self.initial_learning_rate = float(initial_learning_rate)
        self.decay_steps = decay_steps
        self.decay_rate = float(decay_rate)
        self.staircase = staircase
        self.name = name

    def __call__(self, step: int) -> float:
        p = step / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return float(
            np.float32(self.initial_learning_rate)
            * np.power(np.float32(self.decay_rate), np.float32(p))
        )

    def get_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


class InverseTimeDecay(LearningRateSchedule):
    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        decay_rate: float,
        staircase: bool = False,
        name: str = "InverseTimeDecay",
    ) -> None:
        self.initial_learning_rate = float(initial_learning_rate)
        self.decay_steps = decay_steps
        self.decay_rate = float(decay_rate)
        self.staircase = staircase
        self.name = name

    def __call__(self, step: int) -> float:
        p = step / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return self.initial_learning_rate / (1 + self.decay_rate * p)

    def get_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


class PiecewiseConstantDecay(LearningRateSchedule):
    def __init__(
        self, boundaries: Sequence[int], values: Sequence[float], name: str = "PiecewiseConstant"
    ) -> None:
        if len(values) != len(boundaries) + 1:
            raise ValueError(
                "The length of boundaries should be 1 less than the length of "
                f"values. Received: boundaries={boundaries}, values={values}"
            )
        self.boundaries = list(boundaries)
        self.values = [float(v) for v in values]
        self.name = name

    def __call__(self, step: int) -> float:
        for b, v in zip(self.boundaries, self.values):
            if step <= b:
                return v
        return self.values[-1]

    def get_config(self) -> dict:
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class CosineDecay(LearningRateSchedule):
    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        alpha: float = 0.0,
        name: str = "CosineDecay",
        warmup_target: float | None = None,
        warmup_steps: int = 0,
    ) -> None:
        if warmup_target is not None or warmup_steps:
            raise NotImplementedError("CosineDecay: warmup is not supported")
        self.initial_learning_rate = float(initial_learning_rate)
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name

    def __call__(self, step: int) -> float:
        done = min(step, self.decay_steps) / self.decay_steps
        cosine = 0.5 * (1 + math.cos(math.pi * done))
        return self.initial_learning_rate * ((1 - self.alpha) * cosine + self.alpha)

    def get_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "alpha": self.alpha,
            "name": self.name,
        }


class _Schedules:
    """``ember.optimizers.schedules``, as ``keras.optimizers.schedules``."""

    LearningRateSchedule = LearningRateSchedule
    ExponentialDecay = ExponentialDecay
    InverseTimeDecay = InverseTimeDecay
    PiecewiseConstantDecay = PiecewiseConstantDecay
    CosineDecay = CosineDecay


schedules = _Schedules()
_SCHEDULES = {
    c.__name__: c for c in (ExponentialDecay, InverseTimeDecay, PiecewiseConstantDecay, CosineDecay)
}


# ---------------------------------------------------------------------- optimizers
def _as_array(g: Any) -> Any:
    arr = g.data if isinstance(g, Tensor) else g
    if isinstance(arr, device.DeviceArray):
        return arr  # float32 and contiguous by construction
    arr = np.asarray(arr)
    if arr.dtype != np.float32 or not arr.flags.c_contiguous:
        arr = np.ascontiguousarray(arr, dtype=np.float32)
    return arr


class Optimizer:
    """Base class: clipping, weight decay, learning-rate schedules, per-variable slots and
    the step counter. Subclasses implement ``_update(params, grads, slots, lr, step)``."""

    _slot_names: tuple[str, ...] = ()

    def __init__(
        self,
        learning_rate: Any = 0.001,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        use_ema: bool = False,
        ema_momentum: float = 0.99,
        ema_overwrite_frequency: int | None = None,
        loss_scale_factor: float | None = None,
        gradient_accumulation_steps: int | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        if kwargs:
            raise TypeError(
                f"{type(self).__name__}: unexpected keyword argument(s) {sorted(kwargs)}"
            )
        if use_ema:
            raise NotImplementedError(f"{type(self).__name__}: use_ema is not supported")
        if loss_scale_factor is not None or gradient_accumulation_steps is not None:
            raise NotImplementedError(
                f"{type(self).__name__}: loss scaling and gradient accumulation are not supported"
            )
        if clipnorm is not None and global_clipnorm is not None:
            raise ValueError(
                "Only one of `clipnorm` and `global_clipnorm` can be set. Received: "
                f"clipnorm={clipnorm}, global_clipnorm={global_clipnorm}"
            )
        for arg, v in (
            ("clipnorm", clipnorm),
            ("clipvalue", clipvalue),
            ("global_clipnorm", global_clipnorm),
        ):
            if v is not None and v <= 0:
                raise ValueError(f"Argument `{arg}` must be > 0, received {v}")
        self.name = name or type(self).__name__.lower()
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.iterations = 0
        self._set_learning_rate(learning_rate)
        self._slots: dict[int, dict[str, np.ndarray]] = {}
        self._exclude_from_decay: set[int] = set()

    # -- learning rate
    def _set_learning_rate(self, value: Any) -> None:
        if isinstance(value, LearningRateSchedule):
            self._schedule: LearningRateSchedule | None = value
            self._lr = 0.0
        elif callable(value):
            raise TypeError("learning_rate must be a float or a LearningRateSchedule")
        else:
            self._schedule = None
            self._lr = float(value)

    @property
    def learning_rate(self) -> float:
        """The learning rate for the next step (a schedule is evaluated at ``iterations``)."""
        if self._schedule is not None:
            return float(self._schedule(self.iterations))
        return self._lr

    @learning_rate.setter
    def learning_rate(self, value: Any) -> None:
        if self._schedule is not None and not isinstance(value, LearningRateSchedule):
            raise TypeError(
                "This optimizer was created with a `LearningRateSchedule` object as "
                "its `learning_rate` constructor argument, hence its learning rate "
                "is not settable."
            )
        self._set_learning_rate(float(value) if isinstance(value, (Tensor, np.ndarray)) else value)

    lr = learning_rate

    def exclude_from_weight_decay(self, var_list: Iterable[Variable] = ()) -> None:
        self._exclude_from_decay.update(id(v) for v in var_list)

    # -- slots
    def _slots_for(self, var: Variable) -> dict[str, Any]:
        slots = self._slots.get(id(var))
        if slots is None:
            # On the variable's device: the update kernels take them with the parameters.
            slots = {name: device.zeros_like(var.data) for name in self._needed_slots()}
            self._slots[id(var)] = slots
        return slots

    def _move_slots(self, variables: Sequence[Variable], target: str) -> None:
        """Move the state of ``variables`` to ``target`` (``Model.to``)."""
        for v in variables:
            slots = self._slots.get(id(v))
            if slots is not None:
                for name, value in slots.items():
                    slots[name] = device.to(value, target)

    def _needed_slots(self) -> tuple[str, ...]:
        return self._slot_names

    # -- stepping
    def apply_gradients(self, grads_and_vars: Iterable[tuple[Any, Variable]]) -> None:
        """Apply one update for each (gradient, variable) pair (None gradients are skipped),
        then each updated variable's ``constraint`` (``add_weight(constraint=...)``)."""
        pairs = [(g, v) for g, v in grads_and_vars if g is not None]
        if not pairs:
            return
        grads = [_as_array(g) for g, _ in pairs]
        variables = [v for _, v in pairs]
        for g, v in zip(grads, variables):
            if g.shape != v.shape:
                raise ValueError(
                    f"{self.name}: gradient of shape {g.shape} for variable "
                    f"'{v.name}' of shape {v.shape}"
                )
        self._clip(grads)
        lr = self.learning_rate
        if self.weight_decay:
            decayed = [v.data for v in variables if id(v) not in self._exclude_from_decay]
            if decayed:
                kernels(decayed[0]).weight_decay_(decayed, factor=float(self.weight_decay) * lr)
        slots = [self._slots_for(v) for v in variables]
        self._update([v.data for v in variables], grads, slots, lr, self.iterations + 1)
        self._apply_constraints(variables)
        self.iterations += 1

    @staticmethod
    def _apply_constraints(variables: list[Variable]) -> None:
        """Project each updated variable with its constraint, after the update (Keras)."""
        for v in variables:
            constraint = getattr(v, "constraint", None)
            if constraint is not None:
                with no_grad():
                    v.assign(constraint(v))

    def apply(self, grads: Sequence[Any], trainable_variables: Sequence[Variable]) -> None:
        self.apply_gradients(zip(grads, trainable_variables))

    def _clip(self, grads: list[np.ndarray]) -> None:
        """Keras 3 applies one kind of clipping: clipnorm, else global_clipnorm, else
        clipvalue. Gradients may be shared with the caller, so clipping makes copies."""
        if self.clipnorm is not None:
            for i, g in enumerate(grads):
                norm = kernels(g).global_norm([g])
                if norm > self.clipnorm:
                    grads[i] = g * np.float32(self.clipnorm / norm)
        elif self.global_clipnorm is not None:
            norm = kernels(grads[0]).global_norm(grads)
            if norm > self.global_clipnorm:
                scale = np.float32(self.global_clipnorm / norm)
                grads[:] = [g * scale for g in grads]
        elif self.clipvalue is not None:
            grads[:] = [np.clip(g, -self.clipvalue, self.clipvalue) for g in grads]

    def _update(
        self,
        params: list[np.ndarray],
        grads: list[np.ndarray],
        slots: list[dict[str, np.ndarray]],
        lr: float,
        step: int,
    ) -> None:
        raise NotImplementedError  # pragma: no cover

    # -- state and config
    def variables_for(self, trainable: Sequence[Variable]) -> list[np.ndarray]:
        """The optimizer state in a stable order: step count, then slots per variable."""
        out = [np.array([self.iterations], np.int64)]
        for v in trainable:
            slots = self._slots_for(v)
            out.extend(device.host(slots[name]) for name in self._needed_slots())
        return out

    def set_variables_for(self, trainable: Sequence[Variable], values: Sequence[Any]) -> None:
        expected = 1 + len(trainable) * len(self._needed_slots())
        if len(values) != expected:
            raise ValueError(
                f"{self.name}: optimizer state has {len(values)} arrays, expected "
                f"{expected} for {len(trainable)} variables"
            )
        self.iterations = int(np.asarray(values[0]).reshape(-1)[0])
        i = 1
        for v in trainable:
            slots = self._slots_for(v)
            for name in self._needed_slots():
                arr = np.asarray(values[i], np.float32)
                if arr.shape != v.shape:
                    raise ValueError(
                        f"{self.name}: slot '{name}' of '{v.name}' has shape "
                        f"{arr.shape}, expected {v.shape}"
                    )
                slots[name][...] = arr
                i += 1

    def get_config(self) -> dict:
        lr: Any = self._lr
        if self._schedule is not None:
            lr = {
                "class_name": type(self._schedule).__name__,
                "config": self._schedule.get_config(),
            }
            registered = get_registered_name(type(self._schedule))
            if registered != type(self._schedule).__name__:
                lr["registered_name"] = registered
        return {
            "name": self.name,
            "learning_rate": lr,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "clipvalue": self.clipvalue,
            "global_clipnorm": self.global_clipnorm,
        }

    @classmethod
    def from_config(cls, config: dict) -> Optimizer:
        config = dict(config)
        lr = config.get("learning_rate")
        if isinstance(lr, dict):
            names = (lr.get("registered_name"), lr.get("class_name"))
            sched = find_custom(names) or _SCHEDULES.get(lr.get("class_name"))
            if sched is None:
                raise unknown_object_error("learning-rate schedule", names[0] or names[1])
            config["learning_rate"] = sched.from_config(lr.get("config", {}))
        return cls(**config)


class SGD(Optimizer):
    """Keras 3: v = momentum * v - lr * g; w += v (nesterov: w += momentum * v - lr * g)."""

    def __init__(
        self,
        learning_rate: Any = 0.01,
        momentum: float = 0.0,
        nesterov: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        if not 0 <= momentum <= 1:
            raise ValueError("`momentum` must be a float between [0, 1].")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)

    def _needed_slots(self) -> tuple[str, ...]:
        return ("momentum",) if self.momentum else ()

    def _update(self, params, grads, slots, lr, step) -> None:
        velocities = [s["momentum"] for s in slots] if self.momentum else None
        kernels(params[0]).sgd_update(
            params, grads, velocities, lr=lr, momentum=self.momentum, nesterov=self.nesterov
        )

    def get_config(self) -> dict:
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


class Adam(Optimizer):
    def __init__(
        self,
        learning_rate: Any = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)
        self.amsgrad = bool(amsgrad)

    def _needed_slots(self) -> tuple[str, ...]:
        return ("m", "v", "vhat") if self.amsgrad else ("m", "v")

    def _update(self, params, grads, slots, lr, step) -> None:
        kernels(params[0]).adam_update(
            params,
            grads,
            [s["m"] for s in slots],
            [s["v"] for s in slots],
            [s["vhat"] for s in slots] if self.amsgrad else None,
            lr=lr,
            beta1=self.beta_1,
            beta2=self.beta_2,
            epsilon=self.epsilon,
            step=step,
        )

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
            "amsgrad": self.amsgrad,
        }


class AdamW(Adam):
    """Adam with decoupled weight decay (w -= w * weight_decay * lr before each step)."""

    def __init__(
        self,
        learning_rate: Any = 0.001,
        weight_decay: float = 0.004,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        **kwargs: Any,
    ) -> None:
        if weight_decay is None:
            raise ValueError("Argument `weight_decay` must be a float. Received: weight_decay=None")
        super().__init__(
            learning_rate=learning_rate,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            amsgrad=amsgrad,
            weight_decay=weight_decay,
            **kwargs,
        )


class RMSprop(Optimizer):
    def __init__(
        self,
        learning_rate: Any = 0.001,
        rho: float = 0.9,
        momentum: float = 0.0,
        epsilon: float = 1e-7,
        centered: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho, self.momentum, self.epsilon = float(rho), float(momentum), float(epsilon)
        self.centered = bool(centered)

    def _needed_slots(self) -> tuple[str, ...]:
        names = ["velocity"]
        if self.momentum:
            names.append("momentum")
        if self.centered:
            names.append("average_gradient")
        return tuple(names)

    def _update(self, params, grads, slots, lr, step) -> None:
        kernels(params[0]).rmsprop_update(
            params,
            grads,
            [s["velocity"] for s in slots],
            [s["momentum"] for s in slots] if self.momentum else None,
            [s["average_gradient"] for s in slots] if self.centered else None,
            lr=lr,
            rho=self.rho,
            momentum=self.momentum,
            epsilon=self.epsilon,
            centered=self.centered,
        )

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "rho": self.rho,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "centered": self.centered,
        }


class Adagrad(Optimizer):
    def __init__(
        self,
        learning_rate: Any = 0.001,
        initial_accumulator_value: float = 0.1,
        epsilon: float = 1e-7,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.initial_accumulator_value = float(initial_accumulator_value)
        self.epsilon = float(epsilon)

    def _needed_slots(self) -> tuple[str, ...]:
        return ("accumulator",)

    def _slots_for(self, var: Variable) -> dict[str, Any]:
        slots = self._slots.get(id(var))
        if slots is None:
            slots = {"accumulator": device.full_like(var.data, self.initial_accumulator_value)}
            self._slots[id(var)] = slots
        return slots

    def _update(self, params, grads, slots, lr, step) -> None:
        kernels(params[0]).adagrad_update(
            params, grads, [s["accumulator"] for s in slots], lr=lr, epsilon=self.epsilon
        )

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "initial_accumulator_value": self.initial_accumulator_value,
            "epsilon": self.epsilon,
        }


_BY_NAME: dict[str, type[Optimizer]] = {
    "sgd": SGD,
    "adam": Adam,
    "adamw": AdamW,
    "rmsprop": RMSprop,
    "adagrad": Adagrad,
}


def get(identifier: Any) -> Optimizer:
    """Resolve an optimizer name ('adam', ...), config or instance. Names and configs of
    custom optimizers resolve through the active ``custom_object_scope`` and registered
    objects, which come first.

    Example:
        >>> optimizers.get("adam").learning_rate
        0.001
    """
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        custom = find_custom([identifier])
        if custom is not None:
            return _from_custom(custom, identifier, None)
        cls = _BY_NAME.get(identifier.lower())
        if cls is None:
            raise ValueError(
                f"Could not interpret optimizer identifier: {identifier}; expected "
                f"one of {sorted(_BY_NAME)}, or a custom optimizer passed in `custom_objects`, "
                "registered with `@ember.saving.register_keras_serializable()` or given in a "
                "`custom_object_scope`"
            )
        return cls()
    if isinstance(identifier, dict) and "class_name" in identifier:
        class_name = identifier["class_name"]
        config = identifier.get("config") or {}
        registered = identifier.get("registered_name")
        custom = find_custom([registered, class_name])
        if custom is not None:
            return _from_custom(custom, class_name, config)
        cls = _BY_NAME.get(str(class_name).lower())
        if cls is None:
            raise unknown_object_error("optimizer class", registered or class_name)
        return cls.from_config(config)
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}")


def _from_custom(obj: Any, name: str, config: dict | None) -> Optimizer:
    if isinstance(obj, Optimizer):
        return obj
    if isinstance(obj, type) and issubclass(obj, Optimizer):
        return obj.from_config(config) if config is not None else obj()
    raise TypeError(f"The custom object '{name}' is {obj!r}, which is not an optimizer")


def deserialize(config: Any, custom_objects: dict[str, Any] | None = None) -> Optimizer:
    """An optimizer from its saved config; ``custom_objects`` come first.

    Example:
        >>> optimizers.deserialize({"class_name": "SGD", "config": {"momentum": 0.9}}).momentum
        0.9
    """
    with CustomObjectScope(custom_objects):
        return get(config)


def serialize(optimizer: Optimizer) -> dict:
    """``{"class_name", "config"}`` of an optimizer (plus ``registered_name`` for a
    registered custom class).

    Example:
        >>> optimizers.serialize(optimizers.SGD())["class_name"]
        'SGD'
    """
    config: dict[str, Any] = {
        "class_name": type(optimizer).__name__,
        "config": optimizer.get_config(),
    }
    registered = get_registered_name(type(optimizer))
    if registered != type(optimizer).__name__:
        config["registered_name"] = registered
    return config


for _cls in _BY_NAME.values():
    register_builtin(_cls, "optimizers")
for _cls in _SCHEDULES.values():
    register_builtin(_cls, "optimizers")
