"""The Layer base class: lifecycle build -> call -> compute_output_shape -> get_config.

A layer owns Variables created with ``add_weight``; ``weights`` lists them (its own in
creation order, then those of its sub-layers), which is also the order of ``get_weights`` and
``set_weights``, matching Keras. Calling a layer on a symbolic tensor records a graph node;
calling it on arrays or Tensors computes.

Example:
    >>> class Scale(ember.layers.Layer):
    ...     def build(self, input_shape):
    ...         self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones")
    ...     def call(self, x):
    ...         return x * self.w
    >>> Scale()(np.ones((2, 3))).shape
    (2, 3)
"""

from __future__ import annotations

import collections
import inspect
import itertools
import re
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from ember import constraints as constraints_module
from ember import initializers as initializers_module
from ember import regularizers as regularizers_module
from ember.autograd import Tensor, Variable, numpy_dtype, real_numpy_dtype, standardize_dtype
from ember.layers.input_spec import InputSpec, assert_input_compatibility
from ember.layers.node import Node, SymbolicTensor, flatten, is_symbolic, map_structure
from ember.saving import object_registration

_name_counts: dict[str, int] = {}
_KERAS_POSITIONAL = ("shape", "initializer", "dtype")  # add_weight's positional arguments
_creation = itertools.count()  # orders layers of equal depth in a functional model, as Keras


def clear_session() -> None:
    """Reset automatic layer names (``dense``, ``dense_1``, ...), as Keras' clear_session."""
    _name_counts.clear()


def to_snake_case(name: str) -> str:
    step = re.sub("(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", step).lower()


def unique_name(base: str) -> str:
    count = _name_counts.get(base, 0)
    _name_counts[base] = count + 1
    return base if count == 0 else f"{base}_{count}"


def _accepts(fn: Any, arg: str) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return arg in params or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())


def shape_of(x: Any) -> Any:
    """Shape (or nested shapes) of arrays, Tensors or symbolic tensors."""
    return map_structure(lambda t: tuple(t.shape), x)


class _LossTracking:
    """What ``add_loss`` and ``losses`` need to know across layers, kept so that a model
    without added losses or regularizers pays nothing for them per step.

    ``depth`` counts the calls now running of layers whose calls are tracked (``_loss_hooks``:
    layers with sub-layers, an activity regularizer or added losses); a tracked call at depth
    0 starts a forward pass and first clears the added losses of itself and its sub-layers, as
    Keras clears them at the start of the outermost call. ``holders`` are the layers holding
    added losses now (nothing to clear when empty) and ``regularized`` the layers owning a
    weight with a regularizer (no weight penalties to compute when empty)."""

    def __init__(self) -> None:
        self.depth = 0
        self.holders: weakref.WeakSet[Layer] = weakref.WeakSet()
        self.regularized: weakref.WeakSet[Layer] = weakref.WeakSet()


_LOSSES = _LossTracking()


def losses_in_use() -> bool:
    """Whether any live layer holds added losses or a regularized weight: when not, every
    ``losses`` list is empty and training skips collecting them.

    Example:
        >>> layer = ember.layers.Dense(2, kernel_regularizer="l2")
        >>> layer.build((None, 3))
        >>> losses_in_use()
        True
    """
    return bool(_LOSSES.holders) or bool(_LOSSES.regularized)


class Layer:
    """Base class of every layer. Subclasses override ``build``, ``call``,
    ``compute_output_shape`` and ``get_config``, and declare what inputs they accept as
    ``self.input_spec`` (an ``InputSpec`` or a list of them), which this base checks before
    ``build``, on symbolic calls and on every eager call.

    Every public subclass defined inside ember registers itself as a built-in for
    serialization when its class statement runs, under its class name (or
    ``serialized_name=``) and any ``aliases=``: ``class MaxPooling2D(_Pooling2D,
    aliases=("MaxPool2D",))``. A user's subclass is not registered by this: loading it from a
    config needs ``@ember.saving.register_keras_serializable()``, ``custom_objects`` or a
    ``custom_object_scope``, as in Keras."""

    #: What the layer accepts (rank, axis sizes, ...): checked by ``__call__``, never by
    #: ``call``. A class default, so a subclass may set it before or after ``super().__init__``.
    input_spec: InputSpec | list[InputSpec] | None = None
    #: Whether ``__call__`` tracks this layer's calls for added losses (see _LossTracking).
    _loss_hooks: bool = False
    _activity_regularizer: Any = None

    def __init_subclass__(
        cls, serialized_name: str | None = None, aliases: tuple[str, ...] = (), **kwargs: Any
    ) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__module__.startswith("ember.") and not cls.__name__.startswith("_"):
            object_registration.register_builtin(
                cls, "layers", name=serialized_name, aliases=aliases
            )

    def __init__(
        self,
        trainable: bool = True,
        name: str | None = None,
        dtype: Any = None,
        input_shape: Any = None,
        batch_input_shape: Any = None,
        batch_size: int | None = None,
        input_dim: int | None = None,
        activity_regularizer: Any = None,
        **kwargs: Any,
    ) -> None:
        if kwargs:
            raise TypeError(
                f"{type(self).__name__}: unexpected keyword argument(s) {sorted(kwargs)}"
            )
        if dtype not in (None, "float32", np.float32) and str(dtype) != "float32":
            raise NotImplementedError(
                f"{type(self).__name__}: dtype {dtype!r} is not supported; ember computes in "
                "float32"
            )
        object.__setattr__(self, "_sublayers", [])
        self._losses: list[Tensor] = []
        self.activity_regularizer = activity_regularizer
        self.name = name if name is not None else unique_name(to_snake_case(type(self).__name__))
        self._trainable = bool(trainable)
        self.built = False
        self._own_weights: list[Variable] = []
        self._inbound_nodes: list[Node] = []
        self._created = next(_creation)
        self.supports_masking = False
        if input_dim is not None and input_shape is None:
            input_shape = (input_dim,)
        if batch_input_shape is not None:
            self._batch_input_shape = tuple(batch_input_shape)
        elif input_shape is not None:
            self._batch_input_shape = (batch_size, *tuple(input_shape))
        else:
            self._batch_input_shape = None
        cls = type(self)
        self._call_takes_training = _accepts(cls.call, "training")
        self._call_takes_mask = _accepts(cls.call, "mask")

    # ------------------------------------------------------------------ tracking
    def __setattr__(self, key: str, value: Any) -> None:
        if isinstance(value, Layer) and key != "_outer" and value not in self._sublayers:
            self._sublayers.append(value)
            object.__setattr__(self, "_loss_hooks", True)
        object.__setattr__(self, key, value)

    def _track_layers(self, layers: list[Layer]) -> None:
        for layer in layers:
            if layer not in self._sublayers:
                self._sublayers.append(layer)
                object.__setattr__(self, "_loss_hooks", True)

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)
        for layer in self._sublayers:
            layer.trainable = value
        self._refresh_requires_grad()

    def _refresh_requires_grad(self) -> None:
        for w in self._own_weights:
            w.requires_grad = w.trainable and self._trainable

    # ------------------------------------------------------------------ weights
    def add_weight(
        self,
        *args: Any,
        shape: Any = None,
        initializer: Any = None,
        dtype: Any = None,
        trainable: bool = True,
        autocast: bool = True,
        regularizer: Any = None,
        constraint: Any = None,
        aggregation: str | None = "none",
        overwrite_with_gradient: bool = False,
        name: str | None = None,
    ) -> Variable:
        """Create a Variable owned by this layer, with Keras 3's keywords: ``shape`` (default
        ``()``), ``initializer`` (default ``"glorot_uniform"`` for float weights, ``"zeros"``
        for int and bool ones), ``dtype`` (default float32), ``trainable``, ``name``, ...
        Keras' positional form ``add_weight(shape, initializer, dtype)`` works, and so does
        ember's own ``add_weight("kernel", shape, initializer)`` (a name first).

        ``regularizer`` (any ``regularizers.get`` identifier) adds its penalty of the variable
        to ``losses`` while the variable is trainable; ``constraint`` (any ``constraints.get``
        identifier) projects it after each optimizer update. Both are kept on the variable
        (``.regularizer``, ``.constraint``).

        Example:
            >>> layer = ember.layers.Layer(name="scale")
            >>> w = layer.add_weight(shape=(2,), initializer="zeros", name="w")
            >>> w.shape, w.path
            ((2,), 'scale/w')
            >>> w = layer.add_weight(shape=(2,), initializer="ones", regularizer="l2",
            ...                      constraint="non_neg")
            >>> [round(float(t), 4) for t in layer.losses], type(w.constraint).__name__
            ([0.02], 'NonNeg')
        """
        if args:
            # ember's own form puts the name first: (name, shape, initializer, trainable);
            # Keras' is (shape, initializer, dtype).
            legacy = isinstance(args[0], str)
            order = ("name", "shape", "initializer", "trainable") if legacy else _KERAS_POSITIONAL
            if len(args) > len(order):
                raise TypeError(
                    f"add_weight() takes at most {len(order)} positional arguments but "
                    f"{len(args)} were given."
                )
            keywords = {"name": name, "shape": shape, "initializer": initializer, "dtype": dtype}
            for key in order[: len(args)]:
                if keywords.get(key) is not None:
                    raise ValueError(
                        f"`{key}` was passed both positionally and as a keyword argument."
                    )
            given = dict(zip(order, args))
            name = given.get("name", name)
            shape = given.get("shape", shape)
            initializer = given.get("initializer", initializer)
            dtype = given.get("dtype", dtype)
            trainable = given.get("trainable", trainable)
        regularizer = regularizers_module.get(regularizer)
        constraint = constraints_module.get(constraint)
        if not isinstance(overwrite_with_gradient, bool):
            raise TypeError(
                f"`overwrite_with_gradient` must be a boolean. Received: {overwrite_with_gradient}"
            )
        if overwrite_with_gradient:
            raise NotImplementedError(
                f"{self.name}: add_weight(overwrite_with_gradient=True) is not supported"
            )
        shape = () if shape is None else shape
        if isinstance(shape, int):
            shape = (shape,)
        dtype = real_numpy_dtype(dtype) if dtype is not None else np.dtype(np.float32)
        if initializer is None:
            initializer = "glorot_uniform" if dtype.kind == "f" else "zeros"
        init = initializers_module.get(initializer)
        w = Variable(
            init,
            shape=shape,
            dtype=dtype,
            trainable=trainable,
            autocast=autocast,
            aggregation=aggregation,
            name=name,
        )
        w.path = f"{self.name}/{w.name}"
        w.requires_grad = w.trainable and self._trainable and dtype.kind == "f"
        w.regularizer, w.constraint = regularizer, constraint
        if regularizer is not None:
            _LOSSES.regularized.add(self)
        self._own_weights.append(w)
        return w

    def add_variable(
        self,
        shape: Any,
        initializer: Any,
        dtype: Any = None,
        trainable: bool = True,
        autocast: bool = True,
        regularizer: Any = None,
        constraint: Any = None,
        name: str | None = None,
    ) -> Variable:
        """``add_weight`` with ``shape`` and ``initializer`` required, as Keras.

        Example:
            >>> ember.layers.Layer().add_variable((3,), "ones").numpy()
            array([1., 1., 1.], dtype=float32)
        """
        return self.add_weight(
            shape=shape,
            initializer=initializer,
            dtype=dtype,
            trainable=trainable,
            autocast=autocast,
            regularizer=regularizer,
            constraint=constraint,
            name=name,
        )

    @property
    def weights(self) -> list[Variable]:
        out = list(self._own_weights)
        seen = {id(w) for w in out}
        for layer in self._sublayers:
            for w in layer.weights:
                if id(w) not in seen:
                    seen.add(id(w))
                    out.append(w)
        return out

    @property
    def trainable_weights(self) -> list[Variable]:
        if not self._trainable:
            return []
        out = [w for w in self._own_weights if w.trainable]
        seen = {id(w) for w in out}
        for layer in self._sublayers:
            for w in layer.trainable_weights:
                if id(w) not in seen:
                    seen.add(id(w))
                    out.append(w)
        return out

    @property
    def non_trainable_weights(self) -> list[Variable]:
        trainable = {id(w) for w in self.trainable_weights}
        return [w for w in self.weights if id(w) not in trainable]

    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights
    variables = weights

    def get_weights(self) -> list[np.ndarray]:
        """Copies of the weights, in Keras' order and layout."""
        return [w.numpy().copy() for w in self.weights]

    def set_weights(self, weights: list[Any]) -> None:
        """Assign weights given in Keras' order and layout (e.g. from a Keras model)."""
        own = self.weights
        if len(weights) != len(own):
            raise ValueError(
                f"You called `set_weights(weights)` on layer '{self.name}' with a weight list "
                f"of length {len(weights)}, but the layer was expecting {len(own)} weights."
            )
        arrays = [np.asarray(w) for w in weights]
        for w, a in zip(own, arrays):
            if a.shape != w.shape:
                raise ValueError(
                    f"Layer {self.name} weight shape {w.shape} is not compatible with provided "
                    f"weight shape {a.shape}."
                )
        for w, a in zip(own, arrays):
            w.assign(a)

    def count_params(self) -> int:
        if not self.built:
            raise ValueError(
                f"You tried to call `count_params` on layer '{self.name}', but the layer isn't "
                "built. You can build it manually via: `layer.build(input_shape)`."
            )
        return int(sum(w.size for w in self.weights))

    # ------------------------------------------------------------------ lifecycle
    def build(self, input_shape: Any) -> None:
        self.built = True

    def call(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__}.call is not implemented")

    def compute_output_shape(self, input_shape: Any) -> Any:
        """Output shape for an input shape (None = unknown batch); default: unchanged."""
        return input_shape

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return mask if self.supports_masking else None

    def _maybe_build(self, input_shape: Any) -> None:
        if not self.built:
            self._assert_input_compatible(input_shape)
            self.build(input_shape)
            self.built = True

    def _assert_input_compatible(self, inputs: Any) -> None:
        """The one place a layer's ``input_spec`` is checked: ``inputs`` are tensors, symbolic
        tensors or shapes (nested as the call's first argument)."""
        if self.input_spec is not None:
            assert_input_compatibility(self.input_spec, inputs, self.name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not args:
            raise TypeError(f"{self.name}: missing the inputs argument")
        inputs = args[0]
        if (
            type(inputs) is Tensor
            and len(args) == 1
            and self.built
            and kwargs.keys() <= {"training"}
        ):
            return self._eager_call(inputs, kwargs)
        if is_symbolic((args, kwargs)):
            return self._symbolic_call(inputs, args, kwargs)
        inputs = map_structure(_as_tensor, inputs)
        self._maybe_build(shape_of(inputs))  # checks the spec first when it builds
        self._assert_input_compatible(inputs)  # (again: build may refine the spec)
        if not self._call_takes_training:
            kwargs.pop("training", None)
        mask = kwargs.pop("mask", None)
        if mask is None:
            mask = _mask_of(inputs)
        if self._call_takes_mask and mask is not None:
            kwargs["mask"] = mask
        if self._loss_hooks:
            outputs = self._call_tracking_losses(inputs, args[1:], kwargs)
        else:
            outputs = self.call(inputs, *args[1:], **kwargs)
        out_mask = self.compute_mask(inputs, mask)
        if out_mask is not None:
            for t in flatten(outputs):
                if isinstance(t, Tensor):
                    t._keras_mask = out_mask
        return outputs

    def _eager_call(self, inputs: Tensor, kwargs: dict) -> Any:
        """__call__ for the common case (one concrete Tensor, built layer, at most training=):
        the same steps without walking nested structures, which matters for batch-1 predict
        where per-layer Python overhead is most of the time."""
        spec = self.input_spec
        if spec is not None:
            if type(spec) is not InputSpec:
                assert_input_compatibility(spec, inputs, self.name)
            elif not (spec._fits or spec._predicate())(inputs.data.shape) or spec.dtype:
                spec._check(self.name, inputs.data.shape, inputs.data.dtype)
        kwargs = dict(kwargs) if self._call_takes_training else {}
        mask = inputs._keras_mask
        if self._call_takes_mask and mask is not None:
            kwargs["mask"] = mask
        if self._loss_hooks:
            outputs = self._call_tracking_losses(inputs, (), kwargs)
        else:
            outputs = self.call(inputs, **kwargs)
        out_mask = self.compute_mask(inputs, mask)
        if out_mask is not None:
            for t in flatten(outputs):
                if isinstance(t, Tensor):
                    t._keras_mask = out_mask
        return outputs

    # ------------------------------------------------------------------ losses
    @property
    def activity_regularizer(self) -> Any:
        """A regularizer applied to the layer's outputs on every call: its penalty, divided
        by the batch size, joins ``losses`` (settable, as in Keras).

        Example:
            >>> layer = ember.layers.Flatten(activity_regularizer="l1")
            >>> _ = layer(np.ones((2, 3)))
            >>> [round(float(t), 4) for t in layer.losses]
            [0.03]
        """
        return self._activity_regularizer

    @activity_regularizer.setter
    def activity_regularizer(self, value: Any) -> None:
        regularizer = regularizers_module.get(value)
        object.__setattr__(self, "_activity_regularizer", regularizer)
        if regularizer is not None:
            object.__setattr__(self, "_loss_hooks", True)

    def add_loss(self, loss: Any) -> None:
        """Add a loss Tensor (or a list of them), usually from inside ``call``: it joins
        ``losses`` until the next outermost call starts, and ``fit`` minimizes the compiled
        loss plus the sum of ``model.losses`` (a non-scalar loss counts with its sum).

        Example:
            >>> class Penalty(ember.layers.Layer):
            ...     def call(self, x):
            ...         self.add_loss(1e-2 * x.mean())
            ...         return x
            >>> layer = Penalty()
            >>> _ = layer(np.full((2, 2), 3.0))
            >>> [round(float(t), 4) for t in layer.losses]
            [0.03]
        """
        values = flatten(loss) if isinstance(loss, (list, tuple, dict)) else [loss]
        for value in values:
            if not isinstance(value, Tensor):
                raise ValueError(
                    "`add_loss()` can only be called from inside `build()` or "
                    f"`call()`, on a tensor input. Received invalid value: {value}"
                )
        self._losses.extend(values)
        _LOSSES.holders.add(self)
        object.__setattr__(self, "_loss_hooks", True)

    @property
    def losses(self) -> list[Tensor]:
        """The scalar losses of the last forward pass: those added with ``add_loss`` (and by
        activity regularizers) by this layer, then by its sub-layers, then the penalties of
        the regularized trainable weights, computed now from their current values.

        Example:
            >>> layer = ember.layers.Dense(2, kernel_initializer="ones", kernel_regularizer="l2")
            >>> layer.build((None, 3))
            >>> [round(float(t), 4) for t in layer.losses]
            [0.06]
        """
        out = list(self._losses)
        for layer in self._flatten_layers(include_self=False):
            out.extend(layer._losses)
        out.extend(self._regularization_losses())
        return out

    def _regularization_losses(self) -> list[Tensor]:
        out = []
        for w in self.trainable_weights:
            regularizer = getattr(w, "regularizer", None)
            if regularizer is not None:
                value = regularizer(w)
                out.append(value if isinstance(value, Tensor) else Tensor(np.float32(value)))
        return out

    def _flatten_layers(self, include_self: bool = True) -> list[Layer]:
        """This layer (optionally) and all its sub-layers, nested ones too, each once, in
        Keras' order (``losses`` lists added losses in this order)."""
        out: list[Layer] = [self] if include_self else []
        seen = {id(self)}
        queue = collections.deque(self._sublayers)
        while queue:
            layer = queue.popleft()
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            out.append(layer)
            queue.extendleft(layer._sublayers)
        return out

    def _clear_losses(self) -> None:
        """Drop the added losses of this layer and its sub-layers."""
        holders = _LOSSES.holders
        for layer in self._flatten_layers():
            if layer._losses:
                layer._losses.clear()
                holders.discard(layer)

    def _call_tracking_losses(self, inputs: Any, args: tuple, kwargs: dict) -> Any:
        """``call`` for layers whose calls matter to added losses: an outermost call clears
        the losses of the last forward pass first; the activity regularizer's penalty is added
        after."""
        state = _LOSSES
        if state.depth == 0 and state.holders:
            self._clear_losses()
        state.depth += 1
        try:
            outputs = self.call(inputs, *args, **kwargs)
        finally:
            state.depth -= 1
        if self._activity_regularizer is not None:
            self._add_activity_losses(outputs)
        return outputs

    def _add_activity_losses(self, outputs: Any) -> None:
        regularizer = self._activity_regularizer
        for output in flatten(outputs):
            if not isinstance(output, Tensor):
                continue
            loss = regularizer(output)
            if not isinstance(loss, Tensor):
                loss = Tensor(np.float32(loss))
            if output.ndim > 0:  # per sample, as Keras (0 for an empty batch)
                batch = output.shape[0]
                loss = loss / float(batch) if batch else loss * 0.0
            self.add_loss(loss)

    def _inference_fn(self) -> Callable[[np.ndarray], np.ndarray] | None:
        """A numpy-in, numpy-out function equal to ``call(x, training=False)``, or None.

        Layers whose inference is one kernel call return one, so a Sequential made only of
        them predicts without building Tensors or op objects per layer (batch-1 latency).
        """
        return None

    def _symbolic_call(self, inputs: Any, args: tuple, kwargs: dict) -> Any:
        shapes = shape_of(inputs)
        self._assert_input_compatible(inputs)
        self._check_input_compatible(shapes)
        node = Node(self, args, kwargs, None)

        def make(shape: Any, dtype: str, i: int) -> SymbolicTensor:
            return SymbolicTensor(shape, dtype=dtype, node=node, index=i, name=self.name)

        if self._traces_output():
            specs = trace_output_specs(self, args, kwargs)
            if isinstance(specs, list):
                outputs: Any = [make(shape, dtype, i) for i, (shape, dtype) in enumerate(specs)]
            else:
                outputs = make(specs[0], specs[1], 0)
        else:
            was_built = self.built
            self._maybe_build(shapes)
            if not was_built:
                self._assert_input_compatible(inputs)  # again: build may refine the spec
            out_shapes = self.compute_output_shape(shapes)
            if isinstance(out_shapes, list) and out_shapes and isinstance(out_shapes[0], tuple):
                outputs = [make(s, "float32", i) for i, s in enumerate(out_shapes)]
            else:
                outputs = make(tuple(out_shapes), "float32", 0)
        mask = kwargs.get("mask", _mask_of(inputs))
        if self.compute_mask(inputs, mask) is not None or getattr(self, "_produces_mask", False):
            for t in flatten(outputs):
                t._keras_mask = True  # a mask flows at run time
        node.outputs = outputs
        self._inbound_nodes.append(node)
        return outputs

    def _check_input_compatible(self, shapes: Any) -> None:
        """Hook for input checks an ``input_spec`` cannot express (e.g. a recurrent layer
        refusing 0 time steps), run on symbolic calls before building. Ranks and axis sizes
        belong in ``input_spec``."""

    def _traces_output(self) -> bool:
        """Whether a symbolic call learns the output shapes and dtypes by running ``call`` (a
        user's layer that does not define ``compute_output_shape``, as Keras traces it)
        rather than from ``compute_output_shape``."""
        cls = type(self)
        traces = _TRACES.get(cls)
        if traces is None:
            owner = next(k for k in cls.__mro__ if "compute_output_shape" in k.__dict__)
            traces = owner is Layer and not cls.__module__.startswith("ember.")
            _TRACES[cls] = traces
        return traces

    # ------------------------------------------------------------------ graph info
    def _node(self) -> Node:
        if not self._inbound_nodes:
            raise AttributeError(
                f"Layer {self.name} has never been called and thus has no defined input/output."
            )
        return self._inbound_nodes[0]

    @property
    def input(self) -> Any:
        node = self._node()
        return node.args[0]

    @property
    def output(self) -> Any:
        return self._node().outputs

    @property
    def input_shape(self) -> Any:
        return shape_of(self.input)

    @property
    def output_shape(self) -> Any:
        return shape_of(self.output)

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict:
        config: dict[str, Any] = {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": "float32",
        }
        if self._activity_regularizer is not None:
            config["activity_regularizer"] = regularizers_module.serialize(
                self._activity_regularizer
            )
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = list(self._batch_input_shape)
        return config

    @classmethod
    def from_config(cls, config: dict) -> Layer:
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


object_registration.register_builtin(Layer, "layers")


# Layer class -> whether its symbolic calls trace ``call`` (see Layer._traces_output).
_TRACES: dict[type, bool] = {}

_NO_SPEC = object()

# Sizes given to unknown (None) axes in the two trace runs: an axis whose size differs between
# them depends on an unknown input size and is unknown in the output too.
_TRACE_SIZES = (2, 3)


def _stand_in(t: SymbolicTensor, size: int) -> Tensor:
    """A concrete tensor for a symbolic one: zeros (valid ids, empty strings) with ``size`` for
    its unknown axes, carrying an all-true mask where a mask flows."""
    shape = tuple(size if d is None else d for d in t.shape)
    dtype = numpy_dtype(t.dtype)
    out = Tensor(np.zeros(shape, dtype))
    if t._keras_mask is not None and len(shape) >= 2:
        out._keras_mask = np.ones(shape[:2], bool)
    return out


def trace_output_specs(layer: Layer, args: tuple, kwargs: dict) -> Any:
    """``(shape, dtype)`` of each output of ``layer(*args, **kwargs)`` for symbolic arguments,
    found by calling the layer on stand-in data twice (in inference mode, recording nothing):
    a list for a list or tuple of outputs. Building happens on the first call, so a layer that
    creates sub-layers in ``__init__`` has all its weights once it is part of a model."""
    from ember.autograd import no_grad

    runs = []
    # The symbolic call has checked the input spec; the stand-ins' sizes for unknown axes
    # need not fit it, so it is off while they run.
    own_spec = layer.__dict__.get("input_spec", _NO_SPEC)
    object.__setattr__(layer, "input_spec", None)
    try:
        for size in _TRACE_SIZES:
            concrete_args, concrete_kwargs = map_structure(
                lambda v, n=size: _stand_in(v, n) if isinstance(v, SymbolicTensor) else v,
                (list(args), kwargs),
            )
            if layer._call_takes_training:
                concrete_kwargs.setdefault("training", False)
            with no_grad(), np.errstate(all="ignore"):
                runs.append(layer(*concrete_args, **concrete_kwargs))
    finally:
        if _LOSSES.holders:  # what the stand-ins added is no loss of the model (as Keras)
            layer._clear_losses()
        if own_spec is _NO_SPEC:
            del layer.__dict__["input_spec"]
        else:
            object.__setattr__(layer, "input_spec", own_spec)

    def spec(first: Any, second: Any) -> tuple:
        if not isinstance(first, Tensor):
            raise TypeError(
                f"Layer {layer.name}: call() must return a tensor or a list of tensors to be "
                f"used in a functional model; it returned {type(first).__name__}"
            )
        shape = tuple(a if a == b else None for a, b in zip(first.shape, second.shape))
        return shape, standardize_dtype(first.dtype)

    first, second = runs
    if isinstance(first, (list, tuple)):
        return [spec(a, b) for a, b in zip(first, second)]
    return spec(first, second)


def _as_tensor(x: Any) -> Any:
    if isinstance(x, Tensor) or x is None:
        return x
    return Tensor(x)


def _mask_of(inputs: Any) -> Any:
    masks = [getattr(t, "_keras_mask", None) for t in flatten(inputs)]
    if not any(m is not None for m in masks):
        return None
    return masks[0] if len(masks) == 1 else masks
