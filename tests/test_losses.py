"""Fused softmax and sigmoid cross-entropies against float64 numpy, for every implementation,
with outputs poisoned; finite differences; thread-count independence; Keras and PyTorch
cross-checks; bad labels and shapes."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import poisoned, using_threads
from ember import _C

TOL = dict(atol=1e-5, rtol=1e-4)
GRAD_TOL = dict(atol=1e-4, rtol=1e-3)


def log_softmax64(x):
    x = x.astype(np.float64)
    s = x - x.max(axis=-1, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=-1, keepdims=True))


def softmax_xent64(logits, targets):
    """(loss, probs) with targets as labels or dense weights."""
    logp = log_softmax64(logits)
    if targets.ndim == 1:
        t = np.zeros(logits.shape)
        t[np.arange(len(targets)), targets] = 1
    else:
        t = targets.astype(np.float64)
    return -(t * logp).sum(axis=1), np.exp(logp), t


def sigmoid_xent64(x, t):
    x, t = x.astype(np.float64), t.astype(np.float64)
    return np.maximum(x, 0) - x * t + np.log1p(np.exp(-abs(x)))


def soft_targets(rng, n, c, kind):
    if kind == "onehot":
        return np.eye(c, dtype=np.float32)[rng.integers(0, c, n)]
    if kind == "probs":
        p = rng.uniform(0, 1, (n, c))
        return (p / p.sum(axis=1, keepdims=True)).astype(np.float32)
    # Rows that do not sum to 1 (e.g. a weighted or unnormalised target).
    return rng.uniform(0, 2, (n, c)).astype(np.float32)


SHAPES = [(1, 1), (1, 5), (7, 3), (33, 10), (4, 1000), (256, 17)]


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.int16])
def test_softmax_xent_with_labels(impl, shape, dtype, rng):
    n, c = shape
    logits = (rng.standard_normal(shape) * 3).astype(np.float32)
    labels = rng.integers(0, c, n).astype(dtype)
    loss, probs = impl.softmax_xent_forward(logits, labels)
    want_loss, want_probs, onehot = softmax_xent64(logits, labels.astype(np.int64))
    np.testing.assert_allclose(loss, want_loss, **TOL)
    np.testing.assert_allclose(probs, want_probs, **TOL)
    dloss = rng.standard_normal(n).astype(np.float32)
    dx = impl.softmax_xent_backward(probs, labels, dloss, out=poisoned(shape))
    np.testing.assert_allclose(dx, (want_probs - onehot) * dloss[:, None], **GRAD_TOL)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("kind", ["onehot", "probs", "unnormalised"])
def test_softmax_xent_with_dense_targets(impl, shape, kind, rng):
    n, c = shape
    logits = (rng.standard_normal(shape) * 3).astype(np.float32)
    targets = soft_targets(rng, n, c, kind)
    loss, probs = impl.softmax_xent_forward(logits, targets)
    want_loss, want_probs, t = softmax_xent64(logits, targets)
    np.testing.assert_allclose(loss, want_loss, **TOL)
    np.testing.assert_allclose(probs, want_probs, **TOL)
    dloss = rng.standard_normal(n).astype(np.float32)
    dx = impl.softmax_xent_backward(probs, targets, dloss, out=poisoned(shape))
    want = (want_probs * t.sum(axis=1, keepdims=True) - t) * dloss[:, None]
    np.testing.assert_allclose(dx, want, **GRAD_TOL)


@pytest.mark.parametrize("kind", ["labels", "probs", "unnormalised"])
def test_softmax_xent_gradient_matches_finite_differences(impl, kind, rng):
    """Central differences in float64 of sum(loss * dloss) with respect to every logit."""
    n, c = 4, 6
    logits = rng.standard_normal((n, c))
    targets = rng.integers(0, c, n) if kind == "labels" else soft_targets(rng, n, c, kind)
    dloss = rng.standard_normal(n)
    _, probs = impl.softmax_xent_forward(logits.astype(np.float32), targets)
    dx = impl.softmax_xent_backward(probs, targets, dloss.astype(np.float32))
    h = 1e-6
    for idx in np.ndindex(logits.shape):
        up, down = logits.copy(), logits.copy()
        up[idx] += h
        down[idx] -= h
        fd = ((softmax_xent64(up, targets)[0] - softmax_xent64(down, targets)[0]) * dloss).sum()
        np.testing.assert_allclose(dx[idx], fd / (2 * h), **GRAD_TOL)


def test_softmax_xent_is_stable(impl):
    logits = np.array([[1000.0, 0.0, -1000.0], [-1e4, -1e4, -1e4], [50.0, 50.0, -50.0]], np.float32)
    loss, probs = impl.softmax_xent_forward(logits, np.array([0, 2, 2]))
    np.testing.assert_allclose(loss, [0.0, np.log(3), 100 + np.log(2)], rtol=1e-6, atol=1e-6)
    assert np.isfinite(probs).all()
    loss_dense, _ = impl.softmax_xent_forward(logits, np.eye(3, dtype=np.float32)[[0, 2, 2]])
    np.testing.assert_allclose(loss_dense, loss, rtol=1e-6, atol=1e-6)
    # A NaN logit makes its row NaN, and only its row.
    logits[1, 1] = np.nan
    loss, probs = impl.softmax_xent_forward(logits, np.array([0, 2, 2]))
    assert np.isnan(loss[1]) and np.isnan(probs[1]).all()
    assert np.isfinite(loss[[0, 2]]).all()


@pytest.mark.parametrize("shape", [(1,), (7, 3), (4, 5, 129), (2, 1000)], ids=str)
def test_sigmoid_xent(impl, shape, rng):
    x = (rng.standard_normal(shape) * 6).astype(np.float32)
    t = rng.uniform(0, 1, shape).astype(np.float32)
    t.flat[::3] = np.round(t.flat[::3])
    loss = impl.sigmoid_xent_forward(x, t, out=poisoned(shape))
    np.testing.assert_allclose(loss, sigmoid_xent64(x, t), **TOL)
    dloss = rng.standard_normal(shape).astype(np.float32)
    dx = impl.sigmoid_xent_backward(x, t, dloss, out=poisoned(shape))
    sig = 1 / (1 + np.exp(-x.astype(np.float64)))
    np.testing.assert_allclose(dx, (sig - t) * dloss, **GRAD_TOL)
    # Central differences of the float64 loss.
    h = 1e-6
    x64 = x.astype(np.float64)
    fd = (sigmoid_xent64(x64 + h, t) - sigmoid_xent64(x64 - h, t)) / (2 * h) * dloss
    np.testing.assert_allclose(dx, fd, **GRAD_TOL)


def test_sigmoid_xent_is_stable(impl):
    x = np.array([-1e4, -100.0, -20.0, 0.0, 20.0, 100.0, 1e4, np.nan], np.float32)
    t = np.array([0.0, 1.0, 0.0, 0.5, 1.0, 0.0, 1.0, 1.0], np.float32)
    loss = impl.sigmoid_xent_forward(x, t)
    with np.errstate(invalid="ignore"):
        want = sigmoid_xent64(x, t)
    np.testing.assert_allclose(loss[:-1], want[:-1], rtol=1e-6, atol=1e-12)
    assert np.isnan(loss[-1])
    dx = impl.sigmoid_xent_backward(x[:-1], t[:-1], np.ones(7, np.float32))
    np.testing.assert_allclose(dx, [0, -1, 2.0611537e-09, 0, -2.0611537e-09, 1, 0], atol=1e-8)


def test_losses_do_not_depend_on_thread_count(isa, rng):
    logits = rng.standard_normal((4099, 100)).astype(np.float32)
    labels = rng.integers(0, 100, 4099)
    soft = soft_targets(rng, 4099, 100, "probs")
    dloss = rng.standard_normal(4099).astype(np.float32)

    def run():
        loss, probs = _C.softmax_xent_forward(logits, labels)
        loss_s, probs_s = _C.softmax_xent_forward(logits, soft)
        return (
            loss,
            probs,
            loss_s,
            _C.softmax_xent_backward(probs, labels, dloss),
            _C.softmax_xent_backward(probs_s, soft, dloss),
            _C.sigmoid_xent_forward(logits, soft),
            _C.sigmoid_xent_backward(logits, soft, logits),
        )

    with using_threads(1):
        one = run()
    with using_threads(2):
        two = run()
    for a, b in zip(one, two):
        np.testing.assert_array_equal(a, b)


# Keras 3.15.1 / TensorFlow 2.21 on KERAS_LOGITS: sparse_categorical_crossentropy and
# categorical_crossentropy with from_logits=True, keras.ops.binary_crossentropy(from_logits=True)
# (elementwise). (TensorFlow's gradient of softmax cross-entropy is probs - t even for rows that
# do not sum to 1; ours is the exact derivative probs * sum(t) - t, as PyTorch's below.)
KERAS_LOGITS = (np.sin(np.arange(12, dtype=np.float32) * np.float32(1.7)) * 4).reshape(3, 4)
KERAS_LABELS = np.array([2, 0, 3])
KERAS_SOFT = np.array([[0.1, 0.2, 0.3, 0.4], [1, 0, 0, 0], [0, 0.5, 0, 0.5]], np.float32)
KERAS_BINARY = np.array([[0, 1, 0.25, 1], [1, 0, 0, 0.5], [0, 0, 1, 1]], np.float32)
KERAS_SPARSE_LOSS = [5.014703273773193, 1.4813389778137207, 4.194506645202637]
KERAS_SOFT_LOSS = [4.987159729003906, 1.4813389778137207, 3.103029251098633]
KERAS_BINARY_LOSS = [
    [0.6931471824645996, 0.01875952258706093, 0.5628899335861206, 3.72760272026062],
    [0.12976402044296265, 3.2341394424438477, 0.0590614415705204, 1.3172721862792969],
    [3.468313694000244, 1.773064374923706, 3.8667385578155518, 1.0349026918411255],
]


def test_matches_keras(impl):
    tol = dict(atol=1e-6, rtol=1e-6)
    loss, _ = impl.softmax_xent_forward(KERAS_LOGITS, KERAS_LABELS)
    np.testing.assert_allclose(loss, KERAS_SPARSE_LOSS, **tol)
    loss, _ = impl.softmax_xent_forward(KERAS_LOGITS, KERAS_SOFT)
    np.testing.assert_allclose(loss, KERAS_SOFT_LOSS, **tol)
    loss = impl.sigmoid_xent_forward(KERAS_LOGITS, KERAS_BINARY)
    np.testing.assert_allclose(loss, KERAS_BINARY_LOSS, **tol)


@pytest.mark.parametrize("kind", ["labels", "probs", "unnormalised"])
def test_softmax_xent_matches_pytorch(kind, rng):
    torch = pytest.importorskip("torch")
    n, c = 9, 7
    logits = (rng.standard_normal((n, c)) * 2).astype(np.float32)
    targets = rng.integers(0, c, n) if kind == "labels" else soft_targets(rng, n, c, kind)
    dloss = rng.standard_normal(n).astype(np.float32)
    xt = torch.tensor(logits, requires_grad=True)
    lt = torch.nn.functional.cross_entropy(xt, torch.tensor(targets), reduction="none")
    lt.backward(torch.tensor(dloss))
    loss, probs = _C.softmax_xent_forward(logits, targets)
    np.testing.assert_allclose(loss, lt.detach().numpy(), **TOL)
    dx = _C.softmax_xent_backward(probs, targets, dloss)
    np.testing.assert_allclose(dx, xt.grad.numpy(), **GRAD_TOL)


def test_sigmoid_xent_matches_pytorch(rng):
    torch = pytest.importorskip("torch")
    x = (rng.standard_normal((5, 31)) * 5).astype(np.float32)
    t = rng.uniform(0, 1, x.shape).astype(np.float32)
    dloss = rng.standard_normal(x.shape).astype(np.float32)
    xt = torch.tensor(x, requires_grad=True)
    lt = torch.nn.functional.binary_cross_entropy_with_logits(xt, torch.tensor(t), reduction="none")
    lt.backward(torch.tensor(dloss))
    np.testing.assert_allclose(_C.sigmoid_xent_forward(x, t), lt.detach().numpy(), **TOL)
    np.testing.assert_allclose(_C.sigmoid_xent_backward(x, t, dloss), xt.grad.numpy(), **GRAD_TOL)


@pytest.mark.parametrize("k", [_C, _C.ref], ids=["opt", "ref"])
def test_bad_input(k):
    logits = np.zeros((3, 4), np.float32)
    labels = np.array([0, 1, 2])
    for bad, value, row in (([0, 4, 1], 4, 1), ([0, 1, -1], -1, 2)):
        with pytest.raises(
            ValueError,
            match=rf"softmax_xent_forward: targets holds label {value} at row {row}, "
            r"outside \[0, 4\) \(the number of classes",
        ):
            k.softmax_xent_forward(logits, np.array(bad))
    with pytest.raises(ValueError, match=r"softmax_xent_backward: targets holds label 9 at row 0"):
        k.softmax_xent_backward(logits, np.array([9, 0, 0]), np.ones(3, np.float32))
    with pytest.raises(ValueError, match=r"targets must have shape \(3,\) \(integer targets are"):
        k.softmax_xent_forward(logits, np.zeros((3, 4), np.int64))
    with pytest.raises(ValueError, match=r"targets must have shape \(3, 4\) \(float targets"):
        k.softmax_xent_forward(logits, np.zeros((3, 5), np.float32))
    with pytest.raises(ValueError, match=r"logits must be rank 2 \(batch, classes\)"):
        k.softmax_xent_forward(np.zeros(4, np.float32), labels)
    with pytest.raises(ValueError, match=r"logits must have at least 1 class, received .*\(3, 0\)"):
        k.softmax_xent_forward(np.zeros((3, 0), np.float32), labels)
    with pytest.raises(ValueError, match=r"dloss must have shape \(3,\) \(one per row of probs\)"):
        k.softmax_xent_backward(logits, labels, np.ones(4, np.float32))
    with pytest.raises(ValueError, match=r"sigmoid_xent_forward: targets must have shape \(3, 4\)"):
        k.sigmoid_xent_forward(logits, np.zeros(4, np.float32))
    with pytest.raises(ValueError, match=r"sigmoid_xent_backward: dloss must have shape \(3, 4\)"):
        k.sigmoid_xent_backward(logits, logits, np.zeros(3, np.float32))
    with pytest.raises(TypeError, match=r"targets must hold real numbers"):
        k.softmax_xent_forward(logits, np.array(["a", "b", "c"]))
