"""The training API of every Model: compile, fit, evaluate, predict and the *_on_batch
methods, with Keras' arguments, defaults, logs and return values.

Example:
    >>> model = ember.Sequential([ember.layers.Dense(1, input_shape=(2,))])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> history = model.fit(np.ones((8, 2)), np.ones(8), epochs=2, verbose=0)
    >>> sorted(history.history)
    ['loss']
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ember import device as device_module
from ember import losses as losses_module
from ember import metrics as metrics_module
from ember import optimizers as optimizers_module
from ember.autograd import Tensor, no_grad
from ember.callbacks import CallbackList, History
from ember.callbacks.callback import pythonify_logs
from ember.layers import base as layer_base
from ember.layers.node import flatten, map_structure
from ember.models import data as data_module
from ember.ops import math as math_ops

_DEFAULT_BATCH = 32


class _Output:
    """Everything compiled for one model output: its loss, weight and metrics."""

    def __init__(
        self, name: str, loss: losses_module.Loss | None, weight: float, metric_specs: list[Any]
    ) -> None:
        self.name = name
        self.loss = loss
        self.weight = weight
        self.metric_specs = metric_specs
        self.metrics: list[metrics_module.Metric] | None = None
        self.loss_tracker = metrics_module.Mean(name=f"{name}_loss")


class Trainer:
    """Mixin holding the training loop; ``Model`` inherits it."""

    # Where fit / evaluate / predict run (Model.to, compile(device=...)); class attributes so
    # every Model has them whatever its __init__ does.
    _device = device_module.CPU
    _device_ready = True  # the weights are where _device says
    _initial_epoch: int | None = None  # set by BackupAndRestore to resume an interrupted fit

    def __init__(self) -> None:
        self.optimizer: optimizers_module.Optimizer | None = None
        self.compiled = False
        self.stop_training = False
        self.history: History | None = None
        self._outputs_compiled: list[_Output] | None = None
        self._loss_tracker = metrics_module.Mean(name="loss")
        self._in_fit = False

    # ------------------------------------------------------------------ compile
    def compile(
        self,
        optimizer: Any = "rmsprop",
        loss: Any = None,
        loss_weights: Any = None,
        metrics: Any = None,
        weighted_metrics: Any = None,
        run_eagerly: bool = False,
        steps_per_execution: int = 1,
        jit_compile: Any = "auto",
        auto_scale_loss: bool = True,
        device: str | None = None,
    ) -> None:
        """Configure training. ``run_eagerly``, ``steps_per_execution`` and ``jit_compile``
        are accepted for compatibility and change nothing (ember always runs eagerly, fast).
        ``device`` (``"cpu"`` or ``"cuda"``), when given, moves the model there as ``to()``."""
        if weighted_metrics:
            raise NotImplementedError("compile: weighted_metrics is not supported")
        self.optimizer = optimizers_module.get(optimizer)
        # Resolve names now so a typo fails at compile, as in Keras ('accuracy' waits for the
        # data's shapes).
        for spec in flatten(loss):
            if spec is not None:
                losses_module.get(spec)
        for spec in flatten(metrics):
            if spec is not None and str(spec).lower() not in ("accuracy", "acc"):
                metrics_module.get(spec)
        if loss is not None or not getattr(self, "compiled", False):
            # As Keras: compiling again without a loss keeps the loss compiled before (a model
            # that adds its own losses and was never given one trains on those alone).
            self._loss_spec = loss
            self._loss_weights_spec = loss_weights
        self._metrics_spec = metrics
        self._outputs_compiled = None
        self.compiled = True
        if device is not None:
            self.to(device)

    # ------------------------------------------------------------------ device
    def to(self, device: str) -> Any:
        """Run this model on ``device`` (``"cpu"``, ``"cuda"`` or ``"cuda:0"``): its weights and
        optimizer state move there (layers built later follow at the first batch), and fit,
        evaluate and predict copy each batch there once per step and return host results.

        Raises ValueError for an unknown device and RuntimeError ``"CUDA is unavailable:
        <reason>"`` when CUDA cannot be used; the model is then left where it was.

        Example:
            >>> model.to("cpu") is model
            True
        """
        target = device_module.parse(device)
        if target != device_module.CPU:
            from ember import cuda

            cuda.require()
        self._device = target
        self._device_ready = False
        if self.built or target == device_module.CPU:
            self._move_weights()
        return self

    @property
    def device(self) -> str:
        """Where this model runs (``"cpu"`` unless moved with ``to`` or ``compile``)."""
        return self._device

    def _move_weights(self) -> None:
        weights = self.weights
        for v in weights:
            if device_module.of(v.data) != self._device:
                v._move_to(self._device)
        if self.optimizer is not None:
            self.optimizer._move_slots(weights, self._device)
        self._device_ready = True

    def _inputs_on_device(self, x: Any) -> Any:
        """x (arrays, lists or dicts of them) on the model's device, one copy per batch."""
        if not self._device_ready:
            if not self.built:
                # A model that builds its layers at the first call: build them on the host with
                # one sample, then move every weight.
                with no_grad():
                    self(map_structure(_first_row, x), training=False)
            self._move_weights()
        target = self._device
        return map_structure(
            lambda a: device_module.to(a, target) if isinstance(a, np.ndarray) else a, x
        )

    @property
    def compiled_loss(self) -> Any:
        return self._loss_spec if self.compiled else None

    def _output_names(self, n: int) -> list[str]:
        names = getattr(self, "output_names", None)
        try:
            names = list(names) if names else None
        except AttributeError:
            names = None
        if not names or len(names) != n:
            names = ["output"] if n == 1 else [f"output_{i + 1}" for i in range(n)]
        return names

    def _per_output(self, spec: Any, names: list[str], what: str, default: Any) -> list[Any]:
        if isinstance(spec, dict):
            unknown = [k for k in spec if k not in names]
            if unknown:
                raise ValueError(
                    f"compile: {what} given for unknown output(s) {unknown}; the "
                    f"model's outputs are {names}"
                )
            return [spec.get(n, default) for n in names]
        if isinstance(spec, (list, tuple)) and len(names) > 1:
            if len(spec) != len(names):
                raise ValueError(
                    f"compile: {what} has {len(spec)} entries but the model has "
                    f"{len(names)} outputs"
                )
            return list(spec)
        return [spec] * len(names)

    def _compile_outputs(self, n_outputs: int) -> list[_Output]:
        if self._outputs_compiled is not None and len(self._outputs_compiled) == n_outputs:
            return self._outputs_compiled
        names = self._output_names(n_outputs)
        loss_specs = self._per_output(self._loss_spec, names, "loss", None)
        weights = self._per_output(self._loss_weights_spec, names, "loss_weights", 1.0)
        metric_spec = self._metrics_spec
        if isinstance(metric_spec, dict):
            metric_lists = [metric_spec.get(n, []) for n in names]
        elif (
            isinstance(metric_spec, (list, tuple))
            and n_outputs > 1
            and metric_spec
            and all(isinstance(m, (list, tuple)) for m in metric_spec)
        ):
            metric_lists = list(metric_spec)
        else:
            metric_lists = [list(metric_spec or [])] * n_outputs
        outs = []
        for name, loss, w, ms in zip(names, loss_specs, weights, metric_lists):
            ms = [ms] if not isinstance(ms, (list, tuple)) else list(ms)
            outs.append(
                _Output(
                    name,
                    losses_module.get(loss) if loss is not None else None,
                    float(w if w is not None else 1.0),
                    ms,
                )
            )
        self._outputs_compiled = outs
        return outs

    def _ensure_metrics(
        self, outputs: list[_Output], y_true: list[Any], y_pred: list[Tensor]
    ) -> None:
        for out, yt, yp in zip(outputs, y_true, y_pred):
            if out.metrics is None:
                out.metrics = [
                    metrics_module.get(m, np.shape(yt), yp.shape) for m in out.metric_specs
                ]

    @property
    def metrics_names(self) -> list[str]:
        names = ["loss"]
        for out in self._outputs_compiled or []:
            if len(self._outputs_compiled or []) > 1:
                names.append(f"{out.name}_loss")
            for m in out.metrics or []:
                names.append(self._metric_key(out, m))
        return names

    @property
    def metrics(self) -> list[Any]:
        out: list[Any] = [self._loss_tracker]
        for o in self._outputs_compiled or []:
            out.extend(o.metrics or [])
        return out

    def _metric_key(self, out: _Output, metric: metrics_module.Metric) -> str:
        if self._outputs_compiled is not None and len(self._outputs_compiled) > 1:
            return f"{out.name}_{metric.name}"
        return metric.name

    def reset_metrics(self) -> None:
        self._loss_tracker.reset_state()
        for out in self._outputs_compiled or []:
            out.loss_tracker.reset_state()
            for m in out.metrics or []:
                m.reset_state()

    # ------------------------------------------------------------------ one batch
    def _check_compiled(self, method: str) -> None:
        if not self.compiled:
            raise RuntimeError(f"You must call `compile()` before using the model ({method}).")

    @staticmethod
    def _as_list(structure: Any, n: int, names: list[str], what: str) -> list[Any]:
        if isinstance(structure, dict):
            missing = [name for name in names if name not in structure]
            if missing:
                raise ValueError(f"{what} is missing entries for output(s) {missing}")
            return [structure[name] for name in names]
        if n == 1:
            return [structure]
        if not isinstance(structure, (list, tuple)) or len(structure) != n:
            raise ValueError(
                f"The model has {n} outputs, so {what} must be a list or dict of {n} arrays"
            )
        return list(structure)

    def _added_losses(self) -> list[Tensor]:
        """``self.losses`` (added losses and weight penalties of this forward pass), without
        walking the layers when no layer has any."""
        return self.losses if layer_base.losses_in_use() else []

    def _loss_and_logs(self, y: Any, y_pred: Any, sample_weight: Any) -> tuple[Tensor, dict]:
        """The total loss to minimize: the compiled losses (each times its loss weight) plus
        the sum of ``model.losses``, as Keras' ``compute_loss``."""
        preds = flatten(y_pred) if isinstance(y_pred, (list, tuple, dict)) else [y_pred]
        outputs = self._compile_outputs(len(preds))
        names = [o.name for o in outputs]
        if y is None and all(o.loss is None for o in outputs):
            targets: list[Any] = [None] * len(preds)  # the model's own losses need no y
        else:
            targets = self._as_list(y, len(preds), names, "y")
        weights = (
            self._as_list(sample_weight, len(preds), names, "sample_weight")
            if isinstance(sample_weight, (list, dict)) and len(preds) > 1
            else [sample_weight] * len(preds)
        )
        self._ensure_metrics(outputs, targets, preds)
        total: Tensor | None = None
        given = [t for t in flatten(targets) if t is not None]
        batch = len(given[0]) if given else _batch_size(preds)
        for out, yt, yp, sw in zip(outputs, targets, preds, weights):
            if out.loss is None:
                continue
            if yt is None:
                raise ValueError(f"fit: no targets given for output '{out.name}'")
            value = out.loss(yt, yp, sw)
            out.loss_tracker.update_state(device_module.host(value.data), sample_weight=batch)
            scaled = value if out.weight == 1.0 else math_ops.multiply(value, out.weight)
            total = scaled if total is None else math_ops.add(total, scaled)
        for extra in self._added_losses():
            if extra.ndim:
                extra = math_ops.sum(extra)
            total = extra if total is None else math_ops.add(total, extra)
        if total is None:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
        self._loss_tracker.update_state(device_module.host(total.data), sample_weight=batch)
        for out, yt, yp in zip(outputs, targets, preds):
            if out.metrics and yt is not None:
                pred = device_module.host(yp.data)  # metrics are computed on the host
                for m in out.metrics:
                    m.update_state(yt, pred)  # as Keras: only weighted_metrics see weights
        return total, self._logs()

    def _logs(self) -> dict:
        logs = {"loss": float(self._loss_tracker.result())}
        outputs = self._outputs_compiled or []
        for out in outputs:
            if len(outputs) > 1 and out.loss is not None:
                logs[f"{out.name}_loss"] = float(out.loss_tracker.result())
            for m in out.metrics or []:
                result = m.result()
                if isinstance(result, dict):  # a metric with several values logs each
                    logs.update({k: metrics_module.log_value(v) for k, v in result.items()})
                else:
                    logs[self._metric_key(out, m)] = metrics_module.log_value(result)
        return logs

    def train_step(self, x: Any, y: Any, sample_weight: Any = None) -> dict:
        """One optimizer step on one batch; returns the running logs."""
        if self._device != device_module.CPU:
            x = self._inputs_on_device(x)
        trainable = self.trainable_weights
        for v in trainable:
            v.grad = None
        y_pred = self(x, training=True)
        total, logs = self._loss_and_logs(y, y_pred, sample_weight)
        if total.requires_grad:
            total.backward()
        assert self.optimizer is not None
        self.optimizer.apply_gradients([(v.grad, v) for v in trainable])
        for v in trainable:
            v.grad = None
        return logs

    def test_step(self, x: Any, y: Any, sample_weight: Any = None) -> dict:
        if self._device != device_module.CPU:
            x = self._inputs_on_device(x)
        with no_grad():
            y_pred = self(x, training=False)
            _, logs = self._loss_and_logs(y, y_pred, sample_weight)
        return logs

    # ------------------------------------------------------------------ loops
    def _source(
        self,
        x: Any,
        y: Any,
        sample_weight: Any,
        batch_size: Any,
        shuffle: Any,
        steps: Any,
        class_weight: Any = None,
        allow_x_only: bool = False,
    ) -> Any:
        if data_module.is_iterable_source(x):
            if y is not None:
                raise ValueError(
                    "`y` must not be given when `x` is a generator or dataset; "
                    "it should yield (x, y) pairs"
                )
            return data_module.IterSource(x, steps, class_weight, allow_x_only=allow_x_only)
        if x is None:
            raise ValueError("No input data was provided (x is None)")
        if batch_size is not None and (
            not isinstance(batch_size, (int, np.integer)) or batch_size < 1
        ):
            raise ValueError(f"batch_size must be a positive integer, received {batch_size!r}")
        return data_module.ArraySource(
            x, y, sample_weight, batch_size or _DEFAULT_BATCH, shuffle, class_weight
        )

    def fit(
        self,
        x: Any = None,
        y: Any = None,
        batch_size: int | None = None,
        epochs: int = 1,
        verbose: Any = "auto",
        callbacks: Any = None,
        validation_split: float = 0.0,
        validation_data: Any = None,
        shuffle: Any = True,
        class_weight: dict | None = None,
        sample_weight: Any = None,
        initial_epoch: int = 0,
        steps_per_epoch: int | None = None,
        validation_steps: int | None = None,
        validation_batch_size: int | None = None,
        validation_freq: int = 1,
    ) -> History:
        """Train for ``epochs`` epochs; returns a History (``history.history['loss']``, ...).

        Example:
            >>> model.fit(np.ones((4, 2)), np.ones(4), epochs=1, verbose=0).epoch
            [0]
        """
        self._check_compiled("fit")
        val_source = None
        if validation_split and validation_data is None:
            if data_module.is_iterable_source(x):
                raise ValueError(
                    "`validation_split` is only supported for numpy arrays, not "
                    "for generators or datasets"
                )
            (x, y, sample_weight), (vx, vy, vsw) = data_module.split_validation(
                x, y, sample_weight, validation_split
            )
            val_source = self._source(
                vx, vy, vsw, validation_batch_size or batch_size, False, validation_steps
            )
        elif validation_data is not None:
            if data_module.is_iterable_source(validation_data):
                val_source = self._source(
                    validation_data, None, None, None, False, validation_steps
                )
            else:
                if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (
                    2,
                    3,
                ):
                    raise ValueError(
                        "validation_data must be a tuple (x_val, y_val) or "
                        f"(x_val, y_val, val_sample_weight); received "
                        f"{type(validation_data).__name__}"
                    )
                vx, vy, *rest = validation_data
                val_source = self._source(
                    vx,
                    vy,
                    rest[0] if rest else None,
                    validation_batch_size or batch_size,
                    False,
                    validation_steps,
                )
        train = self._source(
            x, y, sample_weight, batch_size, shuffle, steps_per_epoch, class_weight
        )
        # Keras' callbacks: the user's, then History, then the progress bar (which so shows
        # what callbacks added to the logs, e.g. the learning rate); a CallbackList given by
        # the user is used as it is.
        if isinstance(callbacks, CallbackList):
            cbs = callbacks
        else:
            cbs = CallbackList(
                callbacks,
                add_history=True,
                add_progbar=verbose != 0,
                model=self,
                verbose=verbose,
                epochs=epochs,
                steps=train.steps,
            )
        self.stop_training = False
        self._in_fit = True
        try:
            cbs.on_train_begin()
            training_logs = None
            # BackupAndRestore sets _initial_epoch in on_train_begin to resume a run; ember
            # clears it here so that it cannot leak into a later fit.
            initial_epoch = self._initial_epoch or initial_epoch
            self._initial_epoch = None
            for epoch in range(initial_epoch, epochs):
                self.reset_metrics()
                cbs.on_epoch_begin(epoch)
                step = -1
                for step, (xb, yb, swb) in enumerate(train.epoch()):
                    cbs.on_train_batch_begin(step)
                    logs = self.train_step(xb, yb, swb)
                    cbs.on_train_batch_end(step, logs)
                    if self.stop_training:
                        break
                if step < 0:
                    warnings.warn(
                        "Your input ran out of data; interrupting training. Make "
                        "sure that your dataset or generator can generate at least "
                        "`steps_per_epoch * epochs` batches.",
                        stacklevel=2,
                    )
                    break
                epoch_logs = dict(self._logs())
                if val_source is not None and (epoch + 1) % validation_freq == 0:
                    # Validation calls the test hooks of the same callbacks, as in Keras.
                    val_logs = self._run_test(val_source, cbs)
                    epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
                cbs.on_epoch_end(epoch, epoch_logs)
                training_logs = epoch_logs
                if self.stop_training:
                    break
            cbs.on_train_end(training_logs)
        finally:
            self._in_fit = False
        return self.history

    def _run_test(self, source: Any, cbs: CallbackList) -> dict:
        self.reset_metrics()
        self.stop_evaluating = False
        cbs.on_test_begin()
        logs: dict = {}
        for step, (xb, yb, swb) in enumerate(source.epoch()):
            cbs.on_test_batch_begin(step)
            logs = self.test_step(xb, yb, swb)
            cbs.on_test_batch_end(step, logs)
            if self.stop_evaluating:
                break
        logs = pythonify_logs(self._logs() if float(self._loss_tracker.count) else logs)
        cbs.on_test_end(logs)
        return logs

    def evaluate(
        self,
        x: Any = None,
        y: Any = None,
        batch_size: int | None = None,
        verbose: Any = "auto",
        sample_weight: Any = None,
        steps: int | None = None,
        callbacks: Any = None,
        return_dict: bool = False,
    ) -> Any:
        """Loss and metrics on the given data: a scalar (no metrics), a list
        ``[loss, *metrics]``, or a dict with ``return_dict=True``."""
        self._check_compiled("evaluate")
        source = self._source(x, y, sample_weight, batch_size, False, steps)
        cbs = self._callback_list(callbacks, verbose, source.steps)
        logs = self._run_test(source, cbs)
        if return_dict:
            return logs
        values = [logs[k] for k in self.metrics_names if k in logs]
        return values[0] if len(values) == 1 else values

    def predict(
        self,
        x: Any,
        batch_size: int | None = None,
        verbose: Any = "auto",
        steps: int | None = None,
        callbacks: Any = None,
    ) -> Any:
        """Outputs for the inputs, batch by batch, with no graph recorded."""
        source = self._source(x, None, None, batch_size, False, steps, allow_x_only=True)
        cbs = self._callback_list(callbacks, verbose, source.steps)
        self.stop_predicting = False
        cbs.on_predict_begin()
        chunks: list[Any] = []
        for step, (xb, _, _) in enumerate(source.epoch()):
            cbs.on_predict_batch_begin(step)
            out = self._predict_arrays(xb)
            chunks.append(out)
            cbs.on_predict_batch_end(step, {"outputs": out})
            if self.stop_predicting:
                break
        cbs.on_predict_end()
        if not chunks:
            raise ValueError("predict: the input data is empty")
        if isinstance(chunks[0], list):
            return [np.concatenate([c[i] for c in chunks]) for i in range(len(chunks[0]))]
        return np.concatenate(chunks)

    def _callback_list(self, callbacks: Any, verbose: Any, steps: Any) -> CallbackList:
        """evaluate's and predict's callbacks, as Keras makes them (a CallbackList given by
        the user is used as it is)."""
        if isinstance(callbacks, CallbackList):
            return callbacks
        return CallbackList(
            callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1, steps=steps
        )

    def train_on_batch(
        self,
        x: Any,
        y: Any = None,
        sample_weight: Any = None,
        class_weight: dict | None = None,
        return_dict: bool = False,
    ) -> Any:
        """One optimizer step on a single batch; returns this batch's loss (and metrics), as
        Keras (the metrics start afresh on every call)."""
        self._check_compiled("train_on_batch")
        self.reset_metrics()
        x, y = data_module.as_arrays(x), data_module.as_arrays(y)
        sw = data_module.combine_weights(
            data_module._as_array(sample_weight), data_module.class_weights_for(y, class_weight)
        )
        logs = self.train_step(data_module._float_inputs(x), y, sw)
        return self._format(logs, return_dict)

    def test_on_batch(
        self, x: Any, y: Any = None, sample_weight: Any = None, return_dict: bool = False
    ) -> Any:
        self._check_compiled("test_on_batch")
        self.reset_metrics()
        x, y = data_module.as_arrays(x), data_module.as_arrays(y)
        logs = self.test_step(data_module._float_inputs(x), y, data_module._as_array(sample_weight))
        return self._format(logs, return_dict)

    def predict_on_batch(self, x: Any) -> Any:
        """Outputs for one batch (numpy), with no graph recorded."""
        return self._predict_arrays(data_module._float_inputs(data_module.as_arrays(x)))

    def _inference_chain(self) -> Any:
        """Per-layer numpy functions for inference, where the model has them (Sequential)."""
        return None

    def _predict_arrays(self, x: Any) -> Any:
        """Inference outputs as numpy: one array, or a list for several outputs."""
        if self._device != device_module.CPU:
            return self._predict_on_device(x)
        # The chain's kernels take float32: other inputs go through the model, which converts
        # them to its input dtype.
        chain = (
            self._inference_chain() if isinstance(x, np.ndarray) and x.dtype == np.float32 else None
        )
        if chain is not None:
            # Every layer is one kernel call: skip Tensors, ops and graph bookkeeping, which
            # are most of the time of a batch-1 predict.
            for fn in chain:
                x = fn(x)
            return x
        with no_grad():
            out = self(x, training=False)
        if isinstance(out, (list, tuple, dict)):
            return [t.data for t in flatten(out)]
        return out.data

    def _predict_on_device(self, x: Any) -> Any:
        with no_grad():
            out = self(self._inputs_on_device(x), training=False)
        if isinstance(out, (list, tuple, dict)):
            return [device_module.host(t.data) for t in flatten(out)]
        return device_module.host(out.data)

    def _format(self, logs: dict, return_dict: bool) -> Any:
        if return_dict:
            return logs
        values = [logs[k] for k in self.metrics_names if k in logs]
        return values[0] if len(values) == 1 else values


def _batch_size(preds: list[Any]) -> int:
    shape = getattr(preds[0], "shape", ()) if preds else ()
    return int(shape[0]) if len(shape) else 1


def _first_row(a: Any) -> Any:
    return a[:1] if isinstance(a, np.ndarray) and a.ndim else a
