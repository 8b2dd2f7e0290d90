"""ember.Variable as keras.Variable, Layer.add_weight / add_variable with Keras 3's
signature (and ember's own positional form), and Python scalars from Tensors."""

from __future__ import annotations

import operator

import numpy as np
import pytest

import ember
from ember import initializers, layers


# ---------------------------------------------------------------------- Variable
def test_variable_from_values_copies_and_infers_dtype():
    source = np.arange(6, dtype=np.float64).reshape(2, 3)
    v = ember.Variable(source, name="w")
    source[0, 0] = 100.0
    assert v.dtype == np.float32 and v.shape == (2, 3) and v.numpy()[0, 0] == 0.0
    assert v.name == "w" and v.path == "w" and v.trainable and v.requires_grad
    assert ember.Variable(3).dtype == np.int32  # a Python int, as Keras
    assert ember.Variable(np.arange(3)).dtype == np.int64
    assert ember.Variable(True).dtype == np.bool_
    assert ember.Variable(2.5).shape == ()
    assert ember.Variable(ember.tensor([1.0, 2.0])).numpy().tolist() == [1.0, 2.0]
    assert ember.Variable(np.ones(2), dtype="float64").dtype == np.float64


def test_variable_from_an_initializer_needs_a_shape():
    v = ember.Variable("ones", shape=(2, 3), dtype="int32", name="c")
    np.testing.assert_array_equal(v.numpy(), np.ones((2, 3), np.int32))
    w = ember.Variable(initializers.Constant(0.5), shape=(4,))
    np.testing.assert_array_equal(w.numpy(), np.full(4, 0.5, np.float32))
    f = ember.Variable(lambda shape, dtype=None: np.full(shape, 2.0), shape=(2,))
    np.testing.assert_array_equal(f.numpy(), [2.0, 2.0])
    with pytest.raises(ValueError, match="the `shape` argument should be specified"):
        ember.Variable("zeros")
    with pytest.raises(ValueError, match="fully-defined"):
        ember.Variable("zeros", shape=(None, 2))


def test_variable_keeps_the_legacy_positional_form():
    v = ember.Variable(np.zeros(3), False, "frozen")
    assert v.name == "frozen" and not v.trainable and not v.requires_grad
    u = ember.Variable(value=np.ones(2), name="old_keyword")
    assert u.numpy().tolist() == [1.0, 1.0]


def test_variable_argument_errors():
    with pytest.raises(ValueError, match="cannot contain character `/`"):
        ember.Variable(1.0, name="a/b")
    with pytest.raises(ValueError, match="aggregation"):
        ember.Variable(1.0, aggregation="max")
    with pytest.raises(ValueError, match="synchronization"):
        ember.Variable(1.0, synchronization="never")
    with pytest.raises(ValueError, match="Unrecognized keyword"):
        ember.Variable(1.0, colour="red")
    with pytest.raises(NotImplementedError, match="layout"):
        ember.Variable(1.0, layout="sharded")
    with pytest.raises(ValueError, match="initial value"):
        ember.Variable(None)
    with pytest.raises(ValueError, match="shape"):
        ember.Variable(np.ones(3), shape=(2,))
    with pytest.raises(ValueError, match="Invalid dtype"):
        ember.Variable(1.0, dtype="complex64")


def test_assign_methods_write_in_place_and_return_the_variable():
    v = ember.Variable(np.zeros(3), name="acc")
    storage = v.data
    assert v.assign([1.0, 2.0, 3.0]) is v
    assert v.assign_add(1.0) is v  # broadcasts
    assert v.assign_sub(np.array([0.5, 0.5, 0.5])) is v
    assert v.data is storage
    np.testing.assert_array_equal(v.numpy(), [1.5, 2.5, 3.5])
    with pytest.raises(ValueError, match="Variable 'acc'.*variable.shape=\\(3,\\)"):
        v.assign(np.ones(4))
    counter = ember.Variable(np.zeros(2, np.int64))
    counter.assign([1.7, 2.2])  # cast to the variable's dtype, as Keras
    assert counter.numpy().tolist() == [1, 2] and counter.dtype == np.int64
    counter.assign_add(3)
    assert counter.numpy().tolist() == [4, 5]


def test_value_shares_storage_and_numpy_is_a_copy():
    v = ember.Variable(np.zeros(2))
    snapshot = v.numpy()
    view = v.value
    v.assign([4.0, 5.0])
    assert snapshot.tolist() == [0.0, 0.0]
    assert view.numpy().tolist() == [4.0, 5.0]
    assert isinstance(view, ember.Tensor) and not isinstance(view, ember.Variable)


def test_variable_scalar_conversions_as_keras():
    s = ember.Variable(2.75)
    assert float(s) == 2.75 and int(s) == 2
    with pytest.raises(TypeError, match="Only scalar arrays"):
        float(ember.Variable(np.ones(1)))
    with pytest.raises(TypeError, match="cannot be used as a boolean"):
        bool(s)


def test_variable_trains_in_an_op_graph():
    w = ember.Variable(np.array([1.0, -2.0]))
    (w * w).sum().backward()
    np.testing.assert_array_equal(w.grad, [2.0, -4.0])
    assert not ember.Variable(np.arange(3)).requires_grad  # int variables take no gradient


# ---------------------------------------------------------------------- Tensor scalars
def test_tensor_int_float_bool_index():
    t = ember.tensor(3.7)
    assert int(t) == 3 and float(t) == pytest.approx(3.7) and bool(t) is True
    assert bool(ember.tensor([[0.0]])) is False  # one element, any rank
    with pytest.raises(TypeError, match="0-dimensional"):
        int(ember.tensor([1.0]))
    with pytest.raises(TypeError, match="0-dimensional"):
        float(ember.tensor([[1.0]]))
    with pytest.raises(ValueError, match="ambiguous"):
        bool(ember.tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match="integer scalar"):
        operator.index(t)  # a float tensor is no index
    i = ember.autograd.tensor_of(np.array(2, np.int32))
    assert operator.index(i) == 2 and [5, 6, 7][i] == 7 and range(10)[i] == 2
    with pytest.raises(TypeError, match="integer scalar"):
        operator.index(ember.autograd.tensor_of(np.array([2])))


# ---------------------------------------------------------------------- add_weight
class KerasStyle(layers.Layer):
    """A layer written as the Keras 3 guides write one."""

    def __init__(self, units=2, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(
            shape=(input_shape[-1], self.units), initializer="random_normal", trainable=True
        )
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")
        self.steps = self.add_weight(shape=(), dtype="int32", trainable=False, name="steps")

    def call(self, x):
        self.steps.assign_add(1)
        return ember.ops.math.matmul(x, self.w) + self.b


def test_add_weight_keras_keywords():
    ember.utils.clear_session()
    layer = KerasStyle(name="ks")
    y = layer(np.ones((4, 3)))
    assert y.shape == (4, 2)
    assert [w.path for w in layer.weights] == ["ks/variable", "ks/bias", "ks/steps"]
    assert layer.w.shape == (3, 2) and layer.w.dtype == np.float32
    assert layer.steps.dtype == np.int32 and int(layer.steps) == 1
    assert [w.name for w in layer.trainable_weights] == ["variable", "bias"]
    assert [w.name for w in layer.non_trainable_weights] == ["steps"]
    assert not layer.steps.requires_grad


def test_keras_style_layer_trains():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 3)).astype(np.float32)
    y = x @ np.array([[1.0, -1.0], [0.5, 0.0], [0.0, 2.0]], np.float32)
    model = ember.Sequential([KerasStyle(2, input_shape=(3,))])
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(x, y, epochs=3, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_add_weight_defaults_and_positional_forms():
    layer = layers.Layer(name="l")
    scalar = layer.add_weight()
    assert scalar.shape == () and scalar.dtype == np.float32  # shape () and glorot_uniform
    assert layer.add_weight(dtype="int64").numpy() == 0  # int weights default to zeros
    keras_pos = layer.add_weight((2, 2), "ones", "float32", name="k")
    np.testing.assert_array_equal(keras_pos.numpy(), np.ones((2, 2)))
    ember_pos = layer.add_weight("kernel", (3,), "zeros", False)
    assert ember_pos.name == "kernel" and ember_pos.path == "l/kernel"
    assert not ember_pos.trainable and ember_pos.numpy().tolist() == [0.0, 0.0, 0.0]
    assert layer.add_weight(shape=4).shape == (4,)
    v = layer.add_variable((3,), "ones", name="v")
    assert v.path == "l/v" and v.numpy().tolist() == [1.0, 1.0, 1.0]


def test_add_weight_argument_errors():
    layer = layers.Layer(name="bad")
    with pytest.raises(ValueError, match="`shape` was passed both positionally"):
        layer.add_weight((2,), shape=(2,))
    with pytest.raises(ValueError, match="`initializer` was passed both"):
        layer.add_weight((2,), "zeros", initializer="ones")
    with pytest.raises(TypeError, match="at most 3 positional"):
        layer.add_weight((2,), "zeros", "float32", True)
    with pytest.raises(TypeError, match="overwrite_with_gradient"):
        layer.add_weight(shape=(2,), overwrite_with_gradient="yes")
    with pytest.raises(NotImplementedError, match="overwrite_with_gradient"):
        layer.add_weight(shape=(2,), overwrite_with_gradient=True)
    with pytest.raises(TypeError, match="unexpected keyword"):
        layer.add_weight(shape=(2,), use_resource=True)
    with pytest.raises(ValueError, match="aggregation"):
        layer.add_weight(shape=(2,), aggregation="max")
    with pytest.raises(ValueError, match="Unknown initializer"):
        layer.add_weight(shape=(2,), initializer="no_such_init")
