"""The CUDA kernel table: ``ember._C``'s kernel functions, by the same names and arguments, on
CUDA arrays. ``ember.device.kernels(array)`` returns it for a :class:`CudaArray`, so every op
calls its kernels the same way on either device.

Each entry unwraps CudaArray arguments (also inside lists and tuples: optimizer parameter lists,
saved RNN state) into ``ember._C_cuda.DeviceArray`` handles, calls the extension, and wraps the
arrays it returns. A numpy array among the arguments is a ValueError from the extension naming
both devices.

Example:
    >>> from ember.cuda import kernels
    >>> "conv2d_forward" in kernels.KERNELS
    True
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from ember.cuda.array import CudaArray

# The kernel functions ember's ops and optimizers call on a kernel table.
KERNELS = (
    "gemm",
    "column_sums",
    "conv2d_forward",
    "conv2d_backward_input",
    "conv2d_backward_weight",
    "conv2d_backward_bias",
    "max_pool2d_forward",
    "max_pool2d_backward",
    "avg_pool2d_forward",
    "avg_pool2d_backward",
    "global_avg_pool2d_forward",
    "global_avg_pool2d_backward",
    "global_max_pool2d_forward",
    "global_max_pool2d_backward",
    "activation_forward",
    "activation_backward",
    "relu_forward",
    "relu_backward",
    "softmax_forward",
    "softmax_backward",
    "log_softmax_forward",
    "log_softmax_backward",
    "dropout_forward",
    "dropout_backward",
    "batchnorm_train_forward",
    "batchnorm_train_backward",
    "batchnorm_inference_forward",
    "batchnorm_inference_backward",
    "softmax_xent_forward",
    "softmax_xent_backward",
    "sigmoid_xent_forward",
    "sigmoid_xent_backward",
    "sgd_update",
    "adam_update",
    "rmsprop_update",
    "adagrad_update",
    "weight_decay_",
    "global_norm",
    "scale_",
    "clip_",
    "lstm_forward",
    "lstm_backward",
    "gru_forward",
    "gru_backward",
    "simple_rnn_forward",
    "simple_rnn_backward",
)


def table(backend: Any) -> SimpleNamespace:
    """The kernel table over ``backend`` (``ember._C_cuda`` or a test stand-in)."""
    handle_type = backend.DeviceArray

    def unwrap(v: Any) -> Any:
        if type(v) is CudaArray:
            return v._float()._h if v._bool else v._h
        if type(v) is list or type(v) is tuple:
            return type(v)(unwrap(x) for x in v)
        return v

    def wrap(v: Any) -> Any:
        if isinstance(v, handle_type):
            return CudaArray(v)
        if type(v) is tuple:
            return tuple(wrap(x) for x in v)
        return v

    def make(name: str) -> Any:
        fn = getattr(backend, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            return wrap(fn(*[unwrap(a) for a in args], **{k: unwrap(v) for k, v in kwargs.items()}))

        call.__name__ = name
        call.__doc__ = fn.__doc__
        return call

    return SimpleNamespace(**{name: make(name) for name in KERNELS})
