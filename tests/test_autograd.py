"""The autograd core: Tensor arithmetic with broadcasting, reductions, shapes, indexing,
gradient accumulation, graph release and no_grad."""

from __future__ import annotations

import numpy as np
import pytest
from gradcheck import check_gradients

import ember
from ember.autograd import Function
from ember.ops import math as m


def test_tensor_basics():
    t = ember.tensor([[1, 2], [3, 4]], requires_grad=True)
    assert t.shape == (2, 2) and t.dtype == np.float32 and t.ndim == 2
    assert isinstance(t.numpy(), np.ndarray)
    assert t.requires_grad and t.grad is None
    assert "requires_grad=True" in repr(t)
    with pytest.raises(TypeError, match="real numbers"):
        ember.tensor(np.array(["a"]))


@pytest.mark.parametrize(
    "fn,shapes",
    [
        (lambda a, b: a + b, [(3, 4), (4,)]),
        (lambda a, b: a - b, [(3, 1), (1, 4)]),
        (lambda a, b: a * b, [(2, 3, 4), (3, 1)]),
        (lambda a, b: a / (b * b + 1.0), [(3, 4), (3, 4)]),
        (lambda a, b: a @ b, [(3, 4), (4, 5)]),
        (lambda a, b: a @ b, [(2, 3, 4), (4, 2)]),
        (lambda a, b: -a + 2.0 * b - 1.0, [(5,), (5,)]),
        (lambda a, b: (a * b).sum(axis=1), [(3, 4), (3, 4)]),
        (lambda a, b: (a + b).mean(axis=(0, 2), keepdims=True), [(2, 3, 4), (2, 3, 4)]),
    ],
)
def test_binary_ops_gradients(fn, shapes):
    rng = np.random.default_rng(1)
    check_gradients(fn, [rng.standard_normal(s) for s in shapes])


@pytest.mark.parametrize(
    "fn",
    [
        lambda a: a.reshape(6, 2),
        lambda a: a.transpose(1, 0, 2),
        lambda a: a.T,
        lambda a: a[1:, ::2],
        lambda a: a[np.array([0, 2, 2])],
        lambda a: (a * 0.3).exp(),
        lambda a: (a * a + 1.0).log(),
        lambda a: a**3,
        lambda a: m.sqrt(a * a + 1.0),
        lambda a: m.clip(a, -0.5, 0.5),
        lambda a: m.maximum(a, a * 0.5),
        lambda a: a.sum(),
        lambda a: a.mean(),
    ],
)
def test_unary_ops_gradients(fn):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 2, 2)) + 0.05  # away from the kinks at 0 and +-0.5
    x[np.abs(np.abs(x) - 0.5) < 0.05] += 0.2
    x[np.abs(x) < 0.05] += 0.2
    check_gradients(fn, [x])


def test_gradients_accumulate_and_graph_is_released():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 3).sum()
    y.backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad, [3 + 2, 3 + 4])
    with pytest.raises(RuntimeError, match="already released"):
        y.backward()


def test_shared_subexpression_gets_summed_gradient():
    x = ember.tensor([2.0], requires_grad=True)
    h = x * x
    (h + h * 3).sum().backward()
    np.testing.assert_allclose(x.grad, [4 * 2 * 2.0])


def test_retain_graph_allows_a_second_backward():
    x = ember.tensor([1.0, -1.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad, [4.0, -4.0])


def test_no_grad_records_nothing():
    x = ember.tensor([1.0], requires_grad=True)
    with ember.no_grad():
        y = x * 2
    assert not y.requires_grad and y._ctx is None
    assert ember.is_grad_enabled()


def test_backward_errors():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="needs a gradient"):
        (x * 2).backward()
    with pytest.raises(ValueError, match="does not match"):
        (x * 2).backward(np.ones(3))
    with pytest.raises(RuntimeError, match="does not require grad"):
        ember.tensor([1.0]).backward()


def test_numpy_interop_and_broadcast_shapes():
    a = ember.tensor(np.ones((2, 3)), requires_grad=True)
    out = np.float32(2.0) * a + np.ones(3, np.float32)
    assert isinstance(out, ember.Tensor)
    out.sum().backward()
    np.testing.assert_allclose(a.grad, np.full((2, 3), 2.0))
    assert np.asarray(a).shape == (2, 3)


def test_variable_assign_checks_shape():
    v = ember.Variable(np.zeros((2, 2)), name="w")
    v.assign(np.ones((2, 2)))
    assert v.numpy().sum() == 4 and v.requires_grad
    with pytest.raises(ValueError, match="Variable 'w'.*shape"):
        v.assign(np.ones(3))


class _Probe(Function):
    """x * scale + shift (shift a Tensor or None); remembers what apply told forward."""

    seen: list = []

    def forward(self, x, scale, shift):
        _Probe.seen.append((self.needs_input_grad, self.record))
        self.scale = scale
        return x * scale if shift is None else x * scale + shift

    def backward(self, g):
        need_x, _, need_shift = self.needs_input_grad
        return (g * self.scale if need_x else None, None, g if need_shift else None)


def test_forward_sees_which_arguments_need_a_gradient():
    _Probe.seen.clear()
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    const = ember.tensor([1.0, 1.0])
    y = _Probe.apply(x, 2.0, const)
    _Probe.apply(const, 2.0, None)
    with ember.no_grad():
        _Probe.apply(x, 2.0, x)
    assert _Probe.seen == [
        ((True, False, False), True),
        ((False, False, False), False),
        ((False, False, False), False),
    ]
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 2.0])
    assert const.grad is None


def test_backward_needs_one_slot_per_positional_argument():
    class Short(Function):
        def forward(self, x, scale):
            return x * scale

        def backward(self, g):
            return (g,)

    x = ember.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="Short.backward returned 1 gradients for 2"):
        Short.apply(x, 2.0).sum().backward()


def test_a_non_float_tensor_never_needs_a_gradient():
    ids = ember.tensor([0.0, 1.0], requires_grad=True)
    ids.data = np.array([0, 1], np.int64)  # int Tensors are coming (ids, masks)
    _Probe.seen.clear()
    y = _Probe.apply(ids, 2, None)
    assert _Probe.seen == [((False, False, False), False)]
    assert not y.requires_grad and y._ctx is None
