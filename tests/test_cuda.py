"""CUDA support, in three groups:

* everywhere: build_info's CUDA keys, ``ember.cuda`` on a machine without a usable GPU, device
  names, ``Tensor.device`` / ``.cpu()``, the errors of ``Tensor.to("cuda")``, ``model.to`` and
  ``compile(device=...)``, and that ``import ember`` does not load the CUDA extension;
* on the host stand-in (tests/fake_cuda.py, the extension's API over numpy memory): every CUDA
  code path in Python (kernel-table dispatch, CudaArray arithmetic, mixed-device errors, gradients
  across devices, training on the device against training on the CPU);
* marked ``cuda`` (skipped without a usable GPU): every CUDA kernel against its CPU kernel on
  random inputs with poisoned outputs, and training curves on the GPU against the CPU.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import ember
import fake_cuda
from ember import _C, layers
from ember.cuda import kernels as cuda_kernels
from ember.cuda.array import CudaArray


def _real_cuda_usable() -> bool:
    ember.cuda._reset()
    return ember.cuda.is_available()


@pytest.fixture
def no_gpu() -> Iterator[None]:
    """The real probe, skipping where a GPU is usable (these tests check the errors)."""
    if _real_cuda_usable():
        pytest.skip("a CUDA GPU is usable here")
    yield


@pytest.fixture
def stand_in() -> Iterator[None]:
    """ember.cuda running on the host stand-in."""
    ember.cuda._use_backend(fake_cuda)
    try:
        yield
    finally:
        ember.cuda._reset()


@pytest.fixture
def gpu() -> Iterator[Any]:
    """The real extension on a usable GPU, else skip."""
    if not _real_cuda_usable():
        pytest.skip(f"CUDA is unavailable: {ember.cuda.unavailable_reason()}")
    yield ember.cuda.require()
    ember.cuda._reset()


def rel_err(got: np.ndarray, want: np.ndarray) -> float:
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    assert got.shape == want.shape
    if not np.isfinite(got).all():
        return float("inf")
    scale = max(float(np.abs(want).max(initial=0.0)), 1e-6)
    return float(np.abs(got - want).max(initial=0.0)) / scale


# ===================================================================== everywhere
def test_build_info_reports_cuda_keys():
    info = ember.build_info()
    assert isinstance(info["cuda"], bool)
    assert isinstance(info["cuda_usable"], bool)
    if info["cuda_usable"]:
        assert info["cuda_reason"] is None and info["cuda_device"]
    else:
        assert isinstance(info["cuda_reason"], str) and info["cuda_reason"]
    if not info["cuda"]:
        assert not info["cuda_usable"]


def test_cuda_unavailable_has_a_reason(no_gpu):
    assert ember.cuda.is_available() is False
    reason = ember.cuda.unavailable_reason()
    assert isinstance(reason, str) and reason
    assert ember.cuda.device_count() == 0
    ember.cuda.synchronize()  # a no-op without CUDA
    info = ember.build_info()
    assert info["cuda_usable"] is False and info["cuda_reason"] == reason


def test_tensor_to_cuda_raises_with_the_reason(no_gpu):
    t = ember.tensor([1.0, 2.0])
    reason = ember.cuda.unavailable_reason()
    with pytest.raises(RuntimeError, match=re.escape(f"CUDA is unavailable: {reason}")):
        t.to("cuda")
    with pytest.raises(RuntimeError, match="CUDA is unavailable: "):
        t.cuda()
    with pytest.raises(RuntimeError, match="CUDA is unavailable: "):
        ember.device.to(np.ones(2), "cuda:0")


def _small_model() -> ember.Sequential:
    ember.utils.set_random_seed(0)
    return ember.Sequential([layers.Dense(4, activation="relu", input_shape=(3,)), layers.Dense(2)])


def test_model_to_cuda_raises_and_stays_on_cpu(no_gpu):
    model = _small_model()
    before = model.get_weights()
    with pytest.raises(RuntimeError, match="CUDA is unavailable: "):
        model.to("cuda")
    assert model.device == "cpu"
    assert all(w.device == "cpu" for w in model.weights)
    np.testing.assert_array_equal(model.get_weights()[0], before[0])
    with pytest.raises(RuntimeError, match="CUDA is unavailable: "):
        model.compile(optimizer="sgd", loss="mse", device="cuda")
    model.compile(optimizer="sgd", loss="mse", device="cpu")  # cpu always works
    model.fit(np.ones((4, 3)), np.ones((4, 2)), epochs=1, verbose=0)


def test_cpu_tensors_report_cpu_and_move_to_themselves():
    t = ember.tensor([[1.0, 2.0]], requires_grad=True)
    assert t.device == "cpu"
    assert t.cpu() is t
    assert t.to("cpu") is t
    assert t.to("CPU") is t
    assert isinstance(t.numpy(), np.ndarray) and t.numpy() is t.data
    v = ember.Variable(np.zeros(3))
    assert v.device == "cpu"
    model = _small_model()
    assert model.device == "cpu"
    assert model.to("cpu") is model


@pytest.mark.parametrize("bad", ["gpu", "cuda:1", "tpu", "cuda0", "", 0, None, ("cuda",)])
def test_bad_device_strings_raise_value_error(bad):
    t = ember.tensor([1.0])
    with pytest.raises(ValueError, match="device"):
        t.to(bad)
    with pytest.raises(ValueError, match="device"):
        _small_model().to(bad)
    with pytest.raises(ValueError, match="device"):
        ember.device.parse(bad)


def test_device_names_parse():
    assert ember.device.parse("cpu") == "cpu"
    assert ember.device.parse(" CUDA ") == "cuda"
    assert ember.device.parse("cuda:0") == "cuda"


def test_cpu_kernel_given_a_device_array_names_both_devices():
    # A fake device tag: any array type whose .device is not "cpu" and that refuses numpy
    # conversion reaches the CPU kernels' device check.
    class Tagged:
        device = "cuda"

        def __array__(self, dtype=None, copy=None):
            raise TypeError("not on the host")

    with pytest.raises(ValueError, match="cuda.*cpu|cpu.*cuda"):
        _C.gemm(np.ones((2, 2), np.float32), Tagged())
    with pytest.raises(ValueError, match="cuda.*cpu|cpu.*cuda"):
        _C.conv2d_forward(np.ones((1, 3, 3, 1), np.float32), Tagged())


def test_import_ember_does_not_load_the_cuda_extension():
    code = (
        "import sys, ember, numpy as np\n"
        "t = ember.tensor(np.ones(3)); (t * 2).sum()\n"
        "assert 'ember._C_cuda' not in sys.modules, 'loaded at import'\n"
        "assert 'ember.cuda' not in sys.modules, 'ember.cuda imported eagerly'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_cuda_extension_signatures_match_the_cpu_kernels():
    """Ops call either kernel table with the same arguments: same names, same parameters
    (minus the CPU-only out=)."""
    _C_cuda = pytest.importorskip("ember._C_cuda", reason="not a CUDA build")

    def params(fn: Any) -> list[str]:
        first = fn.__doc__.splitlines()[0]
        inside = first[first.index("(") + 1 : first.rindex(") ->")]
        return [p for p in re.findall(r"(\w+): ", inside) if p != "out"]

    for name in cuda_kernels.KERNELS:
        assert params(getattr(_C_cuda, name)) == params(getattr(_C, name)), name


def test_cuda_extension_refuses_host_arrays_naming_both_devices():
    """Every CUDA binding, given the numpy arguments its CPU twin accepts, raises the
    mixed-device ValueError before touching the device (so this runs without a GPU)."""
    _C_cuda = pytest.importorskip("ember._C_cuda", reason="not a CUDA build")
    seen = set()
    for name, args, kwargs in _kernel_cases(np.random.default_rng(0)):
        seen.add(name)
        with pytest.raises(ValueError, match="is on cpu but this op runs on cuda"):
            getattr(_C_cuda, name)(*args, **kwargs)
    assert seen >= set(cuda_kernels.KERNELS) - {
        "max_pool2d_backward",
        "global_max_pool2d_backward",
        "sgd_update",
        "adam_update",
        "rmsprop_update",
        "adagrad_update",
        "weight_decay_",
        "scale_",
        "clip_",
    }
    params = [np.ones((2, 2), np.float32)]
    with pytest.raises(ValueError, match="is on cpu"):
        _C_cuda.adam_update(
            params,
            params,
            params,
            params,
            None,
            lr=0.1,
            beta1=0.9,
            beta2=0.9,
            epsilon=1e-7,
            step=1,
        )
    with pytest.raises(ValueError, match="is on cpu"):
        _C_cuda.binary("add", np.ones(2, np.float32), 1.0)


def test_cuda_extension_imports_without_a_driver(no_gpu):
    _C_cuda = pytest.importorskip("ember._C_cuda", reason="not a CUDA build")
    count, reason = _C_cuda.probe()
    assert count == 0 and reason
    assert _C_cuda.runtime_version() >= 12000
    with pytest.raises(RuntimeError, match="CUDA"):
        _C_cuda.DeviceArray((2, 2))


# ===================================================================== host stand-in
def test_stand_in_tensor_round_trip(stand_in):
    assert ember.cuda.is_available() and ember.cuda.device_count() == 1
    assert ember.build_info()["cuda_usable"] is True
    host = np.arange(6, dtype=np.float32).reshape(2, 3)
    t = ember.tensor(host, requires_grad=True)
    c = t.to("cuda")
    assert c.device == "cuda" and isinstance(c.data, CudaArray)
    assert c.to("cuda:0") is c and c.cuda() is c
    back = c.numpy()
    np.testing.assert_array_equal(back, host)
    back[0, 0] = 99  # a copy
    assert c.numpy()[0, 0] == 0
    assert c.cpu().device == "cpu"
    np.testing.assert_array_equal(np.asarray(c), host)
    assert "device='cuda'" in repr(c)
    assert c.shape == (2, 3) and c.dtype == np.float32 and c.ndim == 2 and len(c) == 2
    scalar = ember.tensor(3.0).to("cuda")
    assert scalar.shape == () and float(scalar) == 3.0 and scalar.item() == 3.0
    scalar.data[...] = 4.0
    assert scalar.numpy().shape == () and float(scalar.numpy()) == 4.0
    # Gradients flow back across devices.
    (c * 3.0).sum().backward()
    np.testing.assert_array_equal(t.grad, np.full((2, 3), 3.0, np.float32))
    assert isinstance(t.grad, np.ndarray)


def test_stand_in_mixed_devices_raise_value_error_naming_both(stand_in):
    a = ember.tensor(np.ones((2, 3)))
    b = a.to("cuda")
    k_cpu = ember.Variable(np.ones((3, 4)))
    k_gpu = ember.Variable(np.ones((3, 4)))
    k_gpu._move_to("cuda")
    cases = [
        lambda: a + b,
        lambda: b + a,
        lambda: b * a,
        lambda: ember.ops.core.dense(a, k_gpu, None),  # CPU kernel, CUDA weight
        lambda: ember.ops.core.dense(b, k_cpu, None),  # CUDA kernel, CPU weight
        lambda: ember.ops.activations.softmax(b) * a,
    ]
    for case in cases:
        with pytest.raises(ValueError) as info:
            case()
        message = str(info.value)
        assert "cpu" in message and "cuda" in message, message
    # Python scalars and 0-d arrays are scalars on any device.
    np.testing.assert_allclose((b * 2.0 + np.float32(1)).numpy(), np.full((2, 3), 3.0))


def test_stand_in_array_arithmetic_matches_numpy(stand_in, rng):
    x = rng.standard_normal((3, 4, 5)).astype(np.float32)
    y = rng.standard_normal((4, 1)).astype(np.float32)
    cx, cy = ember.cuda.to_device(x), ember.cuda.to_device(y)
    close = np.testing.assert_allclose
    close((cx + cy).numpy(), x + y, rtol=1e-6)
    close((cx - 2).numpy(), x - 2)
    close((2 - cx).numpy(), 2 - x)
    close((cx * cy).numpy(), x * y, rtol=1e-6)
    close((cx / 3).numpy(), x / 3, rtol=1e-6)
    close((1 / (cx * cx + 1)).numpy(), 1 / (x * x + 1), rtol=1e-6)
    close((-cx).numpy(), -x)
    close(abs(cx).numpy(), abs(x))
    close(np.exp(cx).numpy(), np.exp(x), rtol=1e-6)
    close(np.sqrt(np.abs(cx)).numpy(), np.sqrt(np.abs(x)), rtol=1e-6)
    close(np.maximum(cx, cy).numpy(), np.maximum(x, y))
    close(np.power(cx, 2.0).numpy(), x**2, rtol=1e-6)
    close(np.clip(cx, -0.5, 0.5).numpy(), np.clip(x, -0.5, 0.5))
    close(cx.sum().numpy(), x.sum(), rtol=1e-5)
    close(cx.sum(axis=(0, 2), keepdims=True).numpy(), x.sum(axis=(0, 2), keepdims=True), rtol=1e-5)
    close(cx.mean(axis=-1).numpy(), x.mean(axis=-1), rtol=1e-5)
    close(np.sum(cx, axis=1).numpy(), x.sum(axis=1), rtol=1e-5)
    close(np.broadcast_to(cy, (3, 4, 5)).numpy(), np.broadcast_to(y, (3, 4, 5)))
    close(np.expand_dims(cy, 0).numpy(), y[None])
    close(np.transpose(cx, (2, 0, 1)).numpy(), x.transpose(2, 0, 1))
    close(cx.reshape(-1, 5).numpy(), x.reshape(-1, 5))
    close(cx[1].numpy(), x[1])
    close(cx[1:3].numpy(), x[1:3])
    close(cx[:, None].numpy(), x[:, None])
    close(np.ones_like(cx).numpy(), np.ones_like(x))
    close((cx[0] @ ember.cuda.to_device(x[1].T)).numpy(), x[0] @ x[1].T, rtol=1e-5)
    mask = cx > 0
    assert mask.dtype == np.bool_
    np.testing.assert_array_equal(mask.numpy(), x > 0)
    np.testing.assert_array_equal((~mask).numpy(), ~(x > 0))
    np.testing.assert_array_equal(((cx > 0) & (cx < 1)).numpy(), (x > 0) & (x < 1))
    close((cx * mask).numpy(), x * (x > 0))
    assert float(cx.sum()) == pytest.approx(float(x.sum()), rel=1e-5)
    dst = ember.cuda.to_device(np.zeros((4, 1), np.float32))
    np.copyto(dst, y)
    close(dst.numpy(), y)
    dst[...] = cy * 2
    close(dst.numpy(), y * 2)
    with pytest.raises(TypeError, match="numpy.repeat is not supported on CUDA arrays"):
        np.repeat(cx, 2)
    with pytest.raises(TypeError, match="numpy"):
        np.asarray(cx)


def _check_op(fn, *shapes, rng, tol=1e-5):
    """fn's outputs and input gradients on the stand-in equal those on the CPU."""
    arrays = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    cpu = [ember.tensor(a, requires_grad=True) for a in arrays]
    out_cpu = fn(*cpu)
    seed = rng.standard_normal(out_cpu.shape).astype(np.float32)
    out_cpu.backward(seed)
    dev = [ember.tensor(a, requires_grad=True) for a in arrays]
    out_dev = fn(*[t.to("cuda") for t in dev])
    assert out_dev.device == "cuda"
    out_dev.backward(seed)
    np.testing.assert_allclose(out_dev.numpy(), out_cpu.numpy(), rtol=tol, atol=tol)
    for c, d in zip(cpu, dev):
        np.testing.assert_allclose(d.grad, c.grad, rtol=tol, atol=tol)


def test_stand_in_ops_match_cpu(stand_in, rng):
    ops = ember.ops
    _check_op(lambda x, k, b: ops.core.dense(x, k, b, "relu"), (5, 3), (3, 4), (4,), rng=rng)
    _check_op(
        lambda x, k, b: ops.convolutional.conv2d(x, k, b, 2, "same", 1, "tanh"),
        (2, 7, 6, 3),
        (3, 3, 3, 4),
        (4,),
        rng=rng,
    )
    _check_op(lambda x: ops.pooling.max_pool2d(x, 2, None, "valid"), (2, 6, 6, 3), rng=rng)
    _check_op(lambda x: ops.pooling.avg_pool2d(x, 3, 2, "same"), (2, 7, 5, 3), rng=rng)
    _check_op(lambda x: ops.pooling.global_avg_pool2d(x), (2, 4, 5, 3), rng=rng)
    _check_op(lambda x: ops.pooling.global_max_pool2d(x), (2, 4, 5, 3), rng=rng)
    for name in ("relu", "sigmoid", "tanh", "elu", "gelu", "softplus"):
        _check_op(lambda x, n=name: ops.activations.activation(x, n, 1.0), (4, 6), rng=rng)
    _check_op(lambda x: ops.activations.softmax(x), (4, 6), rng=rng)
    _check_op(lambda x: ops.activations.log_softmax(x), (4, 6), rng=rng)
    _check_op(lambda x: ops.core.dropout(x, 0.3, 7), (6, 5), rng=rng)
    _check_op(
        lambda x, g, b: ops.normalization.batch_norm_train(x, g, b, 1e-3)[0],
        (8, 3, 4),
        (4,),
        (4,),
        rng=rng,
    )
    _check_op(
        lambda x: (x * x).mean(axis=0) - x.sum(axis=-1, keepdims=True).mean(), (3, 4), rng=rng
    )
    _check_op(
        lambda x: ember.ops.math.clip(x, -0.5, 0.5) / (ember.ops.math.exp(x) + 1), (5,), rng=rng
    )
    _check_op(
        lambda x, k, r, b: ops.recurrent.lstm(x, k, r, b, None, None)[0],
        (2, 5, 3),
        (3, 16),
        (4, 16),
        (16,),
        rng=rng,
        tol=1e-4,
    )
    _check_op(
        lambda x, k, r, b: ops.recurrent.gru(x, k, r, b, None)[1],
        (2, 5, 3),
        (3, 12),
        (4, 12),
        (2, 12),
        rng=rng,
        tol=1e-4,
    )
    _check_op(
        lambda x, k, r: ops.recurrent.simple_rnn(x, k, r, None, None, go_backwards=True)[0],
        (2, 5, 3),
        (3, 4),
        (4, 4),
        rng=rng,
        tol=1e-4,
    )
    labels = rng.integers(0, 6, 4)
    _check_op(lambda x: ops.losses.softmax_cross_entropy(x, labels), (4, 6), rng=rng)
    probs = rng.random((4, 6)).astype(np.float32)
    _check_op(lambda x: ops.losses.softmax_cross_entropy(x, probs), (4, 6), rng=rng)
    _check_op(lambda x: ops.losses.sigmoid_cross_entropy(x, probs > 0.5), (4, 6), rng=rng)


def test_stand_in_rnn_masks_are_not_implemented(stand_in, rng):
    x = ember.tensor(rng.random((2, 3, 2))).to("cuda")
    k = ember.tensor(rng.random((2, 4))).to("cuda")
    r = ember.tensor(rng.random((1, 4))).to("cuda")
    with pytest.raises(NotImplementedError, match="mask"):
        ember.ops.recurrent.lstm(x, k, r, None, None, None, mask=np.ones((2, 3)))


def _cnn() -> ember.Sequential:
    return ember.Sequential(
        [
            layers.Conv2D(4, 3, activation="relu", input_shape=(8, 8, 2)),
            layers.BatchNormalization(),
            layers.MaxPooling2D(),
            layers.Conv2D(6, 3, padding="same", activation="tanh"),
            layers.AveragePooling2D(),
            layers.Flatten(),
            layers.Dropout(0.25),
            layers.Dense(10, activation="softmax"),
        ]
    )


def _rnn() -> ember.Sequential:
    return ember.Sequential(
        [
            layers.LSTM(8, return_sequences=True, input_shape=(6, 3)),
            layers.GRU(5),
            layers.Dense(1),
        ]
    )


def _train(build, device: str | None, optimizer: str, loss: str, x, y, **fit) -> tuple:
    ember.utils.set_random_seed(0)
    model = build()
    model.compile(optimizer=optimizer, loss=loss, metrics=fit.pop("metrics", None), device=device)
    history = model.fit(x, y, verbose=0, **fit).history
    return model, history


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_stand_in_training_matches_cpu(stand_in, optimizer):
    rng = np.random.default_rng(0)
    x = rng.random((24, 8, 8, 2), dtype=np.float32)
    y = rng.integers(0, 10, 24)
    kw = dict(epochs=3, batch_size=8, metrics=["accuracy"], validation_split=0.25)
    cpu, h_cpu = _train(_cnn, None, optimizer, "sparse_categorical_crossentropy", x, y, **kw)
    dev, h_dev = _train(_cnn, "cuda", optimizer, "sparse_categorical_crossentropy", x, y, **kw)
    assert dev.device == "cuda" and all(w.device == "cuda" for w in dev.weights)
    for key in h_cpu:
        np.testing.assert_allclose(h_dev[key], h_cpu[key], rtol=1e-5, atol=1e-6, err_msg=key)
    np.testing.assert_allclose(dev.predict(x, verbose=0), cpu.predict(x, verbose=0), atol=1e-5)
    np.testing.assert_allclose(dev.predict_on_batch(x[:1]), cpu.predict_on_batch(x[:1]), atol=1e-5)
    assert dev.evaluate(x, y, verbose=0) == pytest.approx(cpu.evaluate(x, y, verbose=0), rel=1e-5)
    for a, b in zip(dev.get_weights(), cpu.get_weights()):
        assert isinstance(a, np.ndarray)
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_stand_in_rnn_training_and_moving_back(stand_in):
    rng = np.random.default_rng(1)
    x = rng.random((16, 6, 3), dtype=np.float32)
    y = rng.random((16, 1), dtype=np.float32)
    kw = dict(epochs=2, batch_size=4, shuffle=False)
    cpu, h_cpu = _train(_rnn, None, "rmsprop", "mse", x, y, **kw)
    dev, h_dev = _train(_rnn, "cuda", "rmsprop", "mse", x, y, **kw)
    np.testing.assert_allclose(h_dev["loss"], h_cpu["loss"], rtol=1e-4)
    # Back to the CPU with the optimizer state: training continues identically.
    dev.to("cpu")
    assert all(w.device == "cpu" for w in dev.weights)
    cpu.fit(x, y, epochs=1, batch_size=4, shuffle=False, verbose=0)
    dev.fit(x, y, epochs=1, batch_size=4, shuffle=False, verbose=0)
    for a, b in zip(dev.get_weights(), cpu.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_stand_in_lazily_built_model_and_weight_io(stand_in, tmp_path):
    rng = np.random.default_rng(2)
    x = rng.random((12, 5), dtype=np.float32)
    y = rng.random((12, 2), dtype=np.float32)
    ember.utils.set_random_seed(0)
    model = ember.Sequential([layers.Dense(6, activation="tanh"), layers.Dense(2)])  # unbuilt
    model.compile(optimizer="adam", loss="mae", device="cuda")
    model.fit(x, y, epochs=2, batch_size=4, verbose=0)
    assert all(w.device == "cuda" for w in model.weights)
    weights = model.get_weights()
    model.set_weights([w + 1 for w in weights])
    np.testing.assert_allclose(model.get_weights()[0], weights[0] + 1)
    model.save(tmp_path / "m.keras")
    loaded = ember.models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-5)
    model.reset_metrics()  # train_on_batch reports the running mean since the last reset
    assert model.train_on_batch(x, y) == pytest.approx(loaded.train_on_batch(x, y), rel=1e-4)
    assert model.train_on_batch(x, y) == pytest.approx(loaded.train_on_batch(x, y), rel=1e-4)


def test_stand_in_optimizer_clipping_on_device(stand_in):
    rng = np.random.default_rng(3)
    x = rng.random((8, 3), dtype=np.float32)
    y = rng.random((8, 2), dtype=np.float32)
    for opt in (
        lambda: ember.optimizers.SGD(0.1, momentum=0.9, clipnorm=0.5),
        lambda: ember.optimizers.Adam(global_clipnorm=0.1),
        lambda: ember.optimizers.AdamW(clipvalue=0.01),
        lambda: ember.optimizers.Adagrad(0.1),
    ):
        runs = []
        for device in (None, "cuda"):
            ember.utils.set_random_seed(0)
            model = _small_model()
            model.compile(optimizer=opt(), loss="mse", device=device)
            runs.append(model.fit(x, y, epochs=2, batch_size=4, verbose=0).history["loss"])
        np.testing.assert_allclose(runs[1], runs[0], rtol=1e-5)


def test_stand_in_runs_the_gpu_checks(stand_in):
    """The GPU tests below, run on the stand-in: checks their harness (argument conversion,
    poisoning, result comparison) wherever the suite runs."""
    for case in range(len(_KERNEL_CASE_NAMES)):
        test_gpu_kernels_match_cpu(fake_cuda, case)
    test_gpu_max_pool_backward_and_global_max_backward(fake_cuda)
    test_gpu_optimizer_updates_match_cpu(fake_cuda)
    test_gpu_rejects_what_it_does_not_run(fake_cuda)


# ===================================================================== on a GPU
def _poison(backend: Any, *shapes: tuple[int, ...]) -> None:
    """Fill the allocator's cache with NaN blocks of these sizes, so the next outputs of those
    sizes land on NaN memory: an element a kernel forgets to write stays NaN."""
    held = [backend.full(list(s), float("nan")) for s in shapes for _ in range(3)]
    backend.synchronize()
    del held


def _gpu_case(backend, name: str, args: list, kwargs: dict, tol: float = 1e-4) -> None:
    table = cuda_kernels.table(backend)
    want = getattr(_C, name)(*args, **kwargs)

    def dev(v: Any) -> Any:
        if isinstance(v, np.ndarray) and v.dtype == np.int32:
            # Pooling indices stay int32 (ember.cuda.to_device makes integers int64 labels).
            return CudaArray(backend.DeviceArray.from_numpy(v))
        if isinstance(v, np.ndarray):
            return ember.cuda.to_device(v)
        if isinstance(v, (list, tuple)):
            return type(v)(dev(x) for x in v)
        if isinstance(v, dict):
            return {k: dev(x) for k, x in v.items()}
        return v

    wants = want if isinstance(want, tuple) else (want,)
    flat = []
    for w in wants:
        flat.extend(w if isinstance(w, tuple) else (w,))
    dargs, dkwargs = dev(args), dev(kwargs)  # uploaded first: they must not use the poison
    _poison(backend, *[w.shape for w in flat if isinstance(w, np.ndarray)])
    got = getattr(table, name)(*dargs, **dkwargs)
    gots = got if isinstance(got, tuple) else (got,)
    flat_got = []
    for g in gots:
        flat_got.extend(g if isinstance(g, tuple) else (g,))
    assert len(flat_got) == len(flat), name
    for g, w in zip(flat_got, flat):
        if w is None:
            assert g is None
            continue
        if not isinstance(w, np.ndarray):  # a scalar result (global_norm)
            assert abs(g - w) <= tol * max(abs(w), 1e-6), (name, g, w)
            continue
        g = g.numpy()
        if w.dtype.kind in "iu":
            np.testing.assert_array_equal(g, w, err_msg=name)
        else:
            assert rel_err(g, w) < tol, (name, rel_err(g, w))


def _kernel_cases(rng: np.random.Generator) -> list[tuple[str, list, dict]]:
    f = lambda *s: rng.standard_normal(s).astype(np.float32)  # noqa: E731
    x = f(3, 11, 13, 5)
    w = f(3, 3, 5, 7)
    conv_geoms = [
        dict(strides=1, padding="valid", dilation_rate=1),
        dict(strides=2, padding="same", dilation_rate=1),
        dict(strides=1, padding="same", dilation_rate=2),
    ]
    cases: list[tuple[str, list, dict]] = [
        ("gemm", [f(37, 53), f(53, 29)], {}),
        ("gemm", [f(53, 37), f(29, 53)], dict(trans_a=True, trans_b=True)),
        ("gemm", [f(37, 53), f(53, 29)], dict(bias=f(29), activation="relu")),
        ("gemm", [f(1, 64), f(64, 3)], dict(activation="sigmoid")),
        ("column_sums", [f(1000, 37)], {}),
        ("conv2d_forward", [f(2, 9, 9, 4), f(1, 1, 4, 6), f(6)], {}),  # pointwise path
    ]
    for g in conv_geoms:
        y = _C.conv2d_forward(x, w, None, **g)
        dy = f(*y.shape)
        cases += [
            ("conv2d_forward", [x, w, f(7)], dict(activation="relu", **g)),
            ("conv2d_backward_input", [dy, w, x.shape], g),
            ("conv2d_backward_weight", [x, dy, (3, 3)], g),
            ("conv2d_backward_bias", [dy], {}),
        ]
    for pg in [
        dict(pool_size=2, strides=None, padding="valid"),
        dict(pool_size=3, strides=2, padding="same"),
    ]:
        y, idx = _C.max_pool2d_forward(x, return_indices=True, **pg)
        cases += [
            ("max_pool2d_forward", [x], dict(return_indices=True, **pg)),
            ("avg_pool2d_forward", [x], pg),
            ("avg_pool2d_backward", [f(*y.shape), x.shape], pg),
        ]
    cases += [
        ("global_avg_pool2d_forward", [x], {}),
        ("global_avg_pool2d_backward", [f(3, 5), x.shape], {}),
        ("global_max_pool2d_forward", [x], dict(return_indices=True)),
    ]
    a = f(7, 33)
    for name, alpha in [
        ("relu", 0.0),
        ("relu6", 0.0),
        ("leaky_relu", 0.2),
        ("sigmoid", 0.0),
        ("tanh", 0.0),
        ("elu", 1.0),
        ("selu", 0.0),
        ("softplus", 0.0),
        ("softsign", 0.0),
        ("swish", 0.0),
        ("gelu", 0.0),
        ("gelu_tanh", 0.0),
        ("hard_sigmoid", 0.0),
        ("exponential", 0.0),
    ]:
        y = _C.activation_forward(a * 3, name, alpha=alpha)
        cases += [
            ("activation_forward", [a * 3, name], dict(alpha=alpha)),
            ("activation_backward", [f(7, 33), a * 3, y, name], dict(alpha=alpha)),
        ]
    relu_kw = dict(negative_slope=0.1, max_value=6.0, threshold=0.5)
    cases += [
        ("relu_forward", [a * 4], relu_kw),
        ("relu_backward", [f(7, 33), a * 4], relu_kw),
        ("softmax_forward", [a], {}),
        ("softmax_backward", [f(7, 33), _C.softmax_forward(a)], {}),
        ("log_softmax_forward", [a], {}),
        ("log_softmax_backward", [f(7, 33), _C.log_softmax_forward(a)], {}),
        ("dropout_forward", [a, 0.3, 12345], {}),
        ("dropout_backward", [a, 0.3, 12345], {}),
    ]
    bx, gamma, beta = f(6, 5, 4, 8), f(8), f(8)
    _, mean, var, invstd = _C.batchnorm_train_forward(bx, gamma, beta, 1e-3)
    mm, mv = f(8), np.abs(f(8)) + 0.5
    cases += [
        ("batchnorm_train_forward", [bx, gamma, beta, 1e-3], {}),
        ("batchnorm_train_forward", [bx, None, None, 1e-3], {}),
        ("batchnorm_train_backward", [f(6, 5, 4, 8), bx, gamma, mean, invstd], {}),
        ("batchnorm_inference_forward", [bx, gamma, beta, mm, mv, 1e-3], {}),
        ("batchnorm_inference_backward", [f(6, 5, 4, 8), bx, gamma, mm, mv, 1e-3], {}),
    ]
    logits, labels = f(9, 6), rng.integers(0, 6, 9)
    dense = rng.random((9, 6)).astype(np.float32)
    _, probs = _C.softmax_xent_forward(logits, labels)
    cases += [
        ("softmax_xent_forward", [logits, labels], {}),
        ("softmax_xent_forward", [logits, dense], {}),
        ("softmax_xent_backward", [probs, labels, f(9)], {}),
        ("softmax_xent_backward", [probs, dense, f(9)], {}),
        ("sigmoid_xent_forward", [logits, dense], {}),
        ("sigmoid_xent_backward", [logits, dense, f(9, 6)], {}),
        ("global_norm", [[f(5, 3), f(7)]], {}),
    ]
    for kind, gates in (("lstm", 4), ("gru", 3), ("simple_rnn", 1)):
        B, T, F, H = 3, 7, 5, 6  # batch, time, features, units
        sx, k, r = f(B, T, F), f(F, gates * H) * 0.5, f(H, gates * H) * 0.5
        b = f(2, gates * H) if kind == "gru" else f(gates * H)
        h0, rmask = f(B, H), (rng.random((B, H)) > 0.3).astype(np.float32) / 0.7
        for go_backwards in (False, True):
            common = [sx, k, r, b, h0] + ([f(B, H)] if kind == "lstm" else [])
            flags = dict(go_backwards=go_backwards, activation="tanh")
            if kind != "simple_rnn":
                flags["recurrent_activation"] = "sigmoid"
            if kind == "gru":
                flags["reset_after"] = True
            fwd = getattr(_C, f"{kind}_forward")(*common, None, rmask, training=True, **flags)
            cases.append((f"{kind}_forward", [*common, None, rmask], dict(training=True, **flags)))
            h_seq, state = fwd[0], fwd[-1]
            grads = [f(B, T, H), f(B, H)] + ([f(B, H)] if kind == "lstm" else [])
            cases.append((f"{kind}_backward", [*grads, *common, None, rmask, h_seq, state], flags))
    return cases


# One test per case, so a GPU run reports every kernel that disagrees, not only the first.
_KERNEL_CASE_NAMES = [name for name, _, _ in _kernel_cases(np.random.default_rng(7))]


@pytest.mark.cuda
@pytest.mark.parametrize(
    "case",
    range(len(_KERNEL_CASE_NAMES)),
    ids=[f"{i}-{n}" for i, n in enumerate(_KERNEL_CASE_NAMES)],
)
def test_gpu_kernels_match_cpu(gpu, case):
    name, args, kwargs = _kernel_cases(np.random.default_rng(7))[case]
    _gpu_case(gpu, name, args, kwargs)


@pytest.mark.cuda
def test_gpu_max_pool_backward_and_global_max_backward(gpu):
    rng = np.random.default_rng(8)
    x = rng.standard_normal((2, 9, 7, 3)).astype(np.float32)
    for pg in [dict(pool_size=2), dict(pool_size=3, strides=2, padding="same")]:
        y, idx = _C.max_pool2d_forward(x, return_indices=True, **pg)
        dy = rng.standard_normal(y.shape).astype(np.float32)
        _gpu_case(gpu, "max_pool2d_backward", [dy, idx, x.shape], pg)
    y, idx = _C.global_max_pool2d_forward(x, return_indices=True)
    _gpu_case(gpu, "global_max_pool2d_backward", [np.ones_like(y), idx, x.shape], {})


@pytest.mark.cuda
def test_gpu_optimizer_updates_match_cpu(gpu):
    rng = np.random.default_rng(9)
    table = cuda_kernels.table(gpu)
    shapes = [(5, 3), (7,), (2, 2, 4)]

    def fresh(scale=1.0):
        return [(rng.standard_normal(s) * scale).astype(np.float32) for s in shapes]

    params, grads = fresh(), fresh()
    state = [fresh(0.1), np.abs(np.stack([0]))]  # placeholder to keep rng order stable
    m, v = fresh(0.1), [np.abs(a) for a in fresh(0.1)]
    runs = {
        "sgd_update": lambda p, g, mm, vv: dict(
            args=[p, g, mm], kwargs=dict(lr=0.1, momentum=0.9, nesterov=True)
        ),
        "adam_update": lambda p, g, mm, vv: dict(
            args=[p, g, mm, vv, None],
            kwargs=dict(lr=0.01, beta1=0.9, beta2=0.999, epsilon=1e-7, step=3),
        ),
        "rmsprop_update": lambda p, g, mm, vv: dict(
            args=[p, g, vv, mm, None],
            kwargs=dict(lr=0.01, rho=0.9, momentum=0.5, epsilon=1e-7, centered=False),
        ),
        "adagrad_update": lambda p, g, mm, vv: dict(
            args=[p, g, vv], kwargs=dict(lr=0.1, epsilon=1e-7)
        ),
    }
    del state
    for name, make in runs.items():
        host = [[a.copy() for a in arrays] for arrays in (params, grads, m, v)]
        dev = [[ember.cuda.to_device(a) for a in arrays] for arrays in (params, grads, m, v)]
        call_h, call_d = make(*host), make(*dev)
        getattr(_C, name)(*call_h["args"], **call_h["kwargs"])
        getattr(table, name)(*call_d["args"], **call_d["kwargs"])
        for arrays_h, arrays_d in zip(host, dev):
            for a_h, a_d in zip(arrays_h, arrays_d):
                assert rel_err(a_d.numpy(), a_h) < 1e-5, name
    for name, kwargs in [
        ("scale_", dict(factor=0.5)),
        ("clip_", dict(lo=-0.2, hi=0.3)),
        ("weight_decay_", dict(factor=0.01)),
    ]:
        host = [a.copy() for a in params]
        dev = [ember.cuda.to_device(a) for a in params]
        getattr(_C, name)(host, **kwargs)
        getattr(table, name)(dev, **kwargs)
        for a_h, a_d in zip(host, dev):
            assert rel_err(a_d.numpy(), a_h) < 1e-6, name


@pytest.mark.cuda
def test_gpu_rejects_what_it_does_not_run(gpu):
    x = ember.cuda.to_device(np.ones((2, 3, 4), np.float32))
    k = ember.cuda.to_device(np.ones((4, 12), np.float32))
    r = ember.cuda.to_device(np.ones((4, 12), np.float32))
    table = cuda_kernels.table(gpu)
    with pytest.raises(NotImplementedError, match="reset_after"):
        table.gru_forward(x, k, r, None, None, reset_after=False)
    with pytest.raises(NotImplementedError, match="mask"):
        table.gru_forward(x, k, r, None, None, ember.cuda.to_device(np.ones((2, 3))))
    with pytest.raises(ValueError, match="cpu"):
        table.gemm(ember.cuda.to_device(np.ones((2, 2), np.float32)), np.ones((2, 2), np.float32))
    with pytest.raises(ValueError, match="label"):
        table.softmax_xent_forward(
            ember.cuda.to_device(np.ones((2, 3), np.float32)),
            ember.cuda.to_device(np.array([0, 7])),
        )


@pytest.mark.cuda
@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_gpu_cnn_training_curve_matches_cpu(gpu, optimizer):
    rng = np.random.default_rng(0)
    x = rng.random((64, 8, 8, 2), dtype=np.float32)
    y = rng.integers(0, 10, 64)
    kw = dict(epochs=4, batch_size=16, shuffle=False, metrics=["accuracy"])
    _, h_cpu = _train(_cnn, None, optimizer, "sparse_categorical_crossentropy", x, y, **kw)
    _, h_gpu = _train(_cnn, "cuda", optimizer, "sparse_categorical_crossentropy", x, y, **kw)
    np.testing.assert_allclose(h_gpu["loss"], h_cpu["loss"], rtol=1e-3)


@pytest.mark.cuda
def test_gpu_rnn_training_curve_matches_cpu(gpu):
    rng = np.random.default_rng(1)
    x = rng.random((32, 6, 3), dtype=np.float32)
    y = rng.random((32, 1), dtype=np.float32)
    kw = dict(epochs=4, batch_size=8, shuffle=False)
    _, h_cpu = _train(_rnn, None, "adam", "mse", x, y, **kw)
    _, h_gpu = _train(_rnn, "cuda", "adam", "mse", x, y, **kw)
    np.testing.assert_allclose(h_gpu["loss"], h_cpu["loss"], rtol=1e-3)
