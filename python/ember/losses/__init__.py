"""Every loss of ``keras.losses``: the classes, their per-sample functions, Keras' string
names and aliases, and ``get`` / ``serialize`` / ``deserialize``.

Classes (``loss(y_true, y_pred, sample_weight=None)`` -> reduced Tensor) take Keras'
arguments (``reduction``, ``name``, ``dtype`` and each loss's own); functions return one
value per sample. Everything is built from ember's differentiable ops, so the losses train
models through ``fit`` and ``backward()``.

Families: ``probabilistic`` (crossentropies, focal, generalized crossentropy, KL divergence,
Poisson), ``regression`` (MSE, MAE, MAPE, MSLE, cosine similarity, Huber, log-cosh),
``hinges``, ``segmentation`` (Dice, Tversky), ``similarity`` (Circle) and ``sequence`` (CTC).

Example:
    >>> from ember import losses
    >>> loss = losses.SparseCategoricalCrossentropy(from_logits=True)
    >>> round(float(loss(np.array([1]), np.array([[0.0, 0.0]])).numpy()), 4)
    0.6931
    >>> losses.get("mse").name
    'mean_squared_error'
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ember.autograd import Tensor
from ember.losses.hinges import (
    CategoricalHinge,
    Hinge,
    SquaredHinge,
    categorical_hinge,
    hinge,
    squared_hinge,
)
from ember.losses.loss import Loss, LossFunctionWrapper
from ember.losses.probabilistic import (
    BinaryCrossentropy,
    BinaryFocalCrossentropy,
    CategoricalCrossentropy,
    CategoricalFocalCrossentropy,
    CategoricalGeneralizedCrossEntropy,
    KLDivergence,
    Poisson,
    SparseCategoricalCrossentropy,
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    categorical_generalized_cross_entropy,
    kl_divergence,
    poisson,
    sparse_categorical_crossentropy,
)
from ember.losses.regression import (
    CosineSimilarity,
    Huber,
    LogCosh,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    cosine_similarity,
    huber,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
)
from ember.losses.segmentation import Dice, Tversky, dice, tversky
from ember.losses.sequence import CTC, ctc
from ember.losses.similarity import Circle, circle
from ember.saving.object_registration import (
    CustomObjectScope,
    find_custom,
    get_registered_name,
    register_builtin,
    unknown_object_error,
)

__all__ = [
    "CTC",
    "BinaryCrossentropy",
    "BinaryFocalCrossentropy",
    "CategoricalCrossentropy",
    "CategoricalFocalCrossentropy",
    "CategoricalGeneralizedCrossEntropy",
    "CategoricalHinge",
    "Circle",
    "CosineSimilarity",
    "Dice",
    "Hinge",
    "Huber",
    "KLDivergence",
    "LogCosh",
    "Loss",
    "LossFunctionWrapper",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanSquaredError",
    "MeanSquaredLogarithmicError",
    "Poisson",
    "SparseCategoricalCrossentropy",
    "SquaredHinge",
    "Tversky",
    "binary_crossentropy",
    "binary_focal_crossentropy",
    "categorical_crossentropy",
    "categorical_focal_crossentropy",
    "categorical_generalized_cross_entropy",
    "categorical_hinge",
    "circle",
    "cosine_similarity",
    "ctc",
    "deserialize",
    "dice",
    "get",
    "hinge",
    "huber",
    "kl_divergence",
    "log_cosh",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_error",
    "mean_squared_logarithmic_error",
    "poisson",
    "serialize",
    "sparse_categorical_crossentropy",
    "squared_hinge",
    "tversky",
]

# ---------------------------------------------------------------------- names
_CLASS_FOR_FUNCTION: dict[Callable[..., Tensor], type[Loss]] = {
    binary_crossentropy: BinaryCrossentropy,
    binary_focal_crossentropy: BinaryFocalCrossentropy,
    categorical_crossentropy: CategoricalCrossentropy,
    categorical_focal_crossentropy: CategoricalFocalCrossentropy,
    categorical_generalized_cross_entropy: CategoricalGeneralizedCrossEntropy,
    categorical_hinge: CategoricalHinge,
    circle: Circle,
    cosine_similarity: CosineSimilarity,
    ctc: CTC,
    dice: Dice,
    hinge: Hinge,
    huber: Huber,
    kl_divergence: KLDivergence,
    log_cosh: LogCosh,
    mean_absolute_error: MeanAbsoluteError,
    mean_absolute_percentage_error: MeanAbsolutePercentageError,
    mean_squared_error: MeanSquaredError,
    mean_squared_logarithmic_error: MeanSquaredLogarithmicError,
    poisson: Poisson,
    sparse_categorical_crossentropy: SparseCategoricalCrossentropy,
    squared_hinge: SquaredHinge,
    tversky: Tversky,
}
# Keras 3's short names (keras.losses.get accepts these), then the legacy names of
# keras._legacy.losses (tf.keras 2 scripts) and ember 0.1's "huber_loss".
_ALIASES: dict[str, Callable[..., Tensor]] = {
    "bce": binary_crossentropy,
    "BCE": binary_crossentropy,
    "kld": kl_divergence,
    "KLD": kl_divergence,
    "mae": mean_absolute_error,
    "MAE": mean_absolute_error,
    "mse": mean_squared_error,
    "MSE": mean_squared_error,
    "mape": mean_absolute_percentage_error,
    "MAPE": mean_absolute_percentage_error,
    "msle": mean_squared_logarithmic_error,
    "MSLE": mean_squared_logarithmic_error,
    "logcosh": log_cosh,
    "kullback_leibler_divergence": kl_divergence,
    "huber_loss": huber,
}
_FUNCTIONS: dict[str, Callable[..., Tensor]] = {
    **{fn.__name__: fn for fn in _CLASS_FOR_FUNCTION},
    **_ALIASES,
}
_CLASSES: dict[str, type[Loss]] = {
    cls.__name__: cls for cls in (Loss, LossFunctionWrapper, *_CLASS_FOR_FUNCTION.values())
}
# compile(loss="crossentropy") (or "ce", any case) picks the crossentropy from the data.
_AUTO_CROSSENTROPY = ("crossentropy", "ce")

mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kl_divergence
bce = BCE = binary_crossentropy


# ---------------------------------------------------------------------- wrappers
class _FunctionLoss(LossFunctionWrapper):
    """A plain loss function (a user's, or one given by name to compile) as a Loss; saved as
    the function's name."""

    def __init__(self, fn: Callable[..., Any], name: str | None = None) -> None:
        super().__init__(fn, name=name or getattr(fn, "__name__", None) or "loss")
        self._fn = fn

    def call(self, y_true: Any, y_pred: Any) -> Tensor:
        out = super().call(y_true, y_pred)
        return out if isinstance(out, Tensor) else Tensor(out)


class _AutoCrossentropy(Loss):
    """``compile(loss="crossentropy")``: binary crossentropy for one output column, sparse
    categorical crossentropy for integer targets, categorical crossentropy otherwise (the
    choice Keras' compile makes from the shapes of the first batch)."""

    def __init__(self, name: str = "crossentropy") -> None:
        super().__init__(name=name)

    def call(self, y_true: Any, y_pred: Any) -> Tensor:
        t_rank, p_rank = len(y_true.shape), len(y_pred.shape)
        t_last = y_true.shape[-1] if t_rank else None
        p_last = y_pred.shape[-1] if p_rank else None
        if p_last == 1:
            fn = binary_crossentropy
        elif t_rank < p_rank or (t_last == 1 and p_last is not None and p_last > 1):
            fn = sparse_categorical_crossentropy
        else:
            fn = categorical_crossentropy
        return fn(y_true, y_pred)


# ---------------------------------------------------------------------- get / (de)serialize
def get(identifier: Any) -> Loss | None:
    """Resolve a loss name, class name, config, function, class or Loss to a Loss object
    (None stays None).

    Names: every class and function name of ``keras.losses`` (e.g. ``"Huber"``,
    ``"categorical_crossentropy"``), Keras' aliases ``"mse"``, ``"mae"``, ``"mape"``,
    ``"msle"``, ``"kld"``, ``"bce"`` (and upper case), the legacy ``"logcosh"``,
    ``"kullback_leibler_divergence"`` and ``"huber_loss"``, and ``"crossentropy"`` / ``"ce"``
    (as in compile). Unlike ``keras.losses.get``, which returns the function for a function
    name, ember returns the matching Loss object (``get("mse")`` is a MeanSquaredError):
    ``compile`` needs a Loss, and ``get(name)(y_true, y_pred)`` gives the reduced value.

    Names that are not built-in (and registered names ``"package>name"``) resolve through
    the active ``custom_object_scope`` and registered objects, which come first.

    Example:
        >>> losses.get("mse").name
        'mean_squared_error'
        >>> type(losses.get({"class_name": "Huber", "config": {"delta": 2.0}})).__name__
        'Huber'
    """
    if identifier is None:
        return None
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if isinstance(identifier, str):
        custom = find_custom([identifier])
        if custom is not None:
            return _from_custom(custom, identifier, None)
        fn = _FUNCTIONS.get(identifier)
        if fn is not None:
            return _CLASS_FOR_FUNCTION[fn]()
        cls = _CLASSES.get(identifier)
        if cls is not None:
            return cls()  # LossFunctionWrapper: TypeError (no fn), as Keras
        if identifier.lower() in _AUTO_CROSSENTROPY:
            return _AutoCrossentropy(identifier)
        raise ValueError(
            f"Could not interpret loss identifier: {identifier}; expected a loss class or "
            f"function name such as {sorted(_CLASSES)[:4]} or {sorted(_FUNCTIONS)[:4]} "
            "(see ember.losses), or a custom loss passed in `custom_objects`, registered with "
            "`@ember.saving.register_keras_serializable()` or given in a `custom_object_scope`"
        )
    if isinstance(identifier, dict) and "class_name" in identifier:
        class_name = identifier["class_name"]
        config = identifier.get("config") or {}
        if class_name == "function" and isinstance(config, str):
            return get(config)
        registered = identifier.get("registered_name")
        custom = find_custom([registered, class_name])
        if custom is not None:
            return _from_custom(custom, class_name, config)
        cls = _CLASSES.get(class_name)
        if cls is None:
            raise unknown_object_error("loss class", registered or class_name)
        return cls.from_config(dict(config))
    if callable(identifier) and not isinstance(identifier, type):
        cls = _CLASS_FOR_FUNCTION.get(identifier)
        return cls() if cls is not None else _FunctionLoss(identifier)
    raise ValueError(f"Could not interpret loss identifier: {identifier!r}")


def _from_custom(obj: Any, name: str, config: dict | None) -> Loss:
    if isinstance(obj, Loss):
        return obj
    if isinstance(obj, type) and issubclass(obj, Loss):
        return obj.from_config(config) if config is not None else obj()
    if callable(obj) and not isinstance(obj, type):
        return _FunctionLoss(obj)
    raise TypeError(f"The custom object '{name}' is {obj!r}, which is not a loss")


def deserialize(name: Any, custom_objects: dict[str, Any] | None = None) -> Loss | None:
    """A loss from its saved name or config; ``custom_objects`` come first.

    Example:
        >>> losses.deserialize({"class_name": "Huber", "config": {"delta": 2.0}}).delta
        2.0
    """
    with CustomObjectScope(custom_objects):
        return get(name)


def serialize(loss: Any) -> Any:
    """What a saved compile config stores for a loss: ``{"class_name", "config"}`` for a
    Loss object (plus ``registered_name`` for a registered class), the name of a built-in
    or custom loss function (its registered ``"package>name"`` when registered). A lambda
    cannot be saved.

    Example:
        >>> losses.serialize(losses.MeanSquaredError())["class_name"]
        'MeanSquaredError'
        >>> losses.serialize(losses.mean_squared_error)
        'mean_squared_error'
    """
    from ember.saving.serialization_lib import function_name

    if isinstance(loss, _FunctionLoss):
        return function_name(loss._fn)
    if isinstance(loss, _AutoCrossentropy):
        return loss.name
    if isinstance(loss, Loss):
        config: dict[str, Any] = {"class_name": type(loss).__name__, "config": loss.get_config()}
        registered = get_registered_name(type(loss))
        if registered != type(loss).__name__:
            config["registered_name"] = registered
        return config
    if callable(loss) and not isinstance(loss, type):
        return function_name(loss)
    raise ValueError(f"Cannot serialize the loss {loss!r}: expected a Loss or a function")


for _cls in _CLASSES.values():
    register_builtin(_cls, "losses")
for _fn in _CLASS_FOR_FUNCTION:
    register_builtin(_fn, "losses", name=_fn.__name__)
for _name, _fn in _ALIASES.items():  # "mse" -> mean_squared_error, ...
    register_builtin(_fn, "losses", name=_fn.__name__, aliases=(_name,))
