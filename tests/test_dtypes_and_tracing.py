"""Integer, boolean and string tensors; Input(dtype=...); output shapes of user layers traced
through call; ops and operators on symbolic tensors as graph nodes (OpLayer)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import ember
from ember import layers
from ember.autograd import cast_array, standardize_dtype


# ------------------------------------------------------------------ Tensor dtypes
@pytest.mark.parametrize(
    "data, dtype",
    [
        (np.array([1.5], np.float64), np.float32),
        (np.array([1.5], np.float16), np.float32),
        ([1.5, 2.0], np.float32),
        (np.array([1, 2], np.int32), np.int32),
        (np.array([1, 2], np.int64), np.int64),
        (np.array([1, 2], np.uint8), np.uint8),
        (np.array([True, False]), np.bool_),
        (np.array(["a", "bc"]), np.dtype("<U2")),
        (np.array(["a", "bc"], dtype=object), np.dtype("<U2")),
    ],
)
def test_tensor_keeps_integer_boolean_and_string_dtypes(data, dtype):
    assert ember.Tensor(data).dtype == dtype


def test_tensor_refuses_other_dtypes():
    with pytest.raises(TypeError, match="complex128"):
        ember.Tensor(np.array([1 + 2j]))


def test_tensor_function_is_float32_unless_asked():
    assert ember.tensor([1, 2]).dtype == np.float32
    t = ember.tensor([1.7, -1.7], dtype="int32")
    assert t.dtype == np.int32 and t.numpy().tolist() == [1, -1]
    assert ember.tensor([1, 0], dtype="bool").dtype == np.bool_


@pytest.mark.parametrize(
    "given, name",
    [
        ("float32", "float32"),
        ("float", "float32"),
        (np.int32, "int32"),
        (np.dtype("int64"), "int64"),
        (bool, "bool"),
        (str, "string"),
        ("uint8", "uint8"),
    ],
)
def test_standardize_dtype(given, name):
    assert standardize_dtype(given) == name


def test_standardize_dtype_errors():
    with pytest.raises(NotImplementedError, match="float64"):
        standardize_dtype("float64")
    with pytest.raises(TypeError, match="Invalid dtype"):
        standardize_dtype("int33")
    with pytest.raises(TypeError, match="cannot cast"):
        cast_array(np.array(["a"]), "int32")


def test_elementwise_dtypes_follow_keras():
    i32 = ember.Tensor(np.array([1, 2, 3], np.int32))
    f32 = ember.Tensor(np.array([1.0, 2.0, 3.0], np.float32))
    assert (i32 + 1).dtype == np.int32  # a Python int does not widen the tensor
    assert (i32 * 2).numpy().tolist() == [2, 4, 6]
    assert (i32 * 0.5).dtype == np.float32
    assert (i32 / 2).dtype == np.float32  # true division gives floats
    assert (i32 + f32).dtype == np.float32
    assert i32.sum().dtype == np.int32 and int(i32.sum().numpy()) == 6
    assert ember.Tensor(np.array([True, True, False])).sum().dtype == np.int32
    np.testing.assert_array_equal((i32 + f32).numpy(), [2.0, 4.0, 6.0])


def test_integer_tensors_never_carry_gradients():
    ids = ember.Tensor(np.array([1, 2], np.int64), requires_grad=True)
    w = ember.Variable(np.ones(2))
    y = (w * ids).sum()
    y.backward()
    np.testing.assert_array_equal(w.grad, [1.0, 2.0])
    assert ids.grad is None


def test_kernel_ops_take_integer_inputs_as_float():
    dense = layers.Dense(3, kernel_initializer="ones")
    x_int = np.array([[1, 2], [3, 4]], np.int64)
    y = dense(x_int)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.numpy(), dense(x_int.astype(np.float32)).numpy())


# ------------------------------------------------------------------ Input dtypes
def _embedding_model(dtype: str) -> ember.Model:
    inputs = ember.Input(shape=(None,), dtype=dtype, name="ids")
    x = layers.Embedding(50, 4)(inputs)
    x = layers.GlobalAveragePooling1D()(x)
    return ember.Model(inputs, layers.Dense(1)(x))


def test_int_input_feeds_an_embedding_and_trains():
    model = _embedding_model("int32")
    assert model.inputs[0].dtype == "int32"
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 50, (32, 7)), rng.random((32, 1)).astype(np.float32)
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(x, y, epochs=3, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    # The ids reach the embedding exactly: the same as looking the rows up by hand.
    table = model.layers[1].get_weights()[0]
    pooled = table[x[:2]].mean(axis=1)
    dense_w, dense_b = model.layers[-1].get_weights()
    np.testing.assert_allclose(
        model.predict(x[:2], verbose=0), pooled @ dense_w + dense_b, rtol=1e-5, atol=1e-6
    )


def test_input_dtype_survives_config_and_file(tmp_path):
    model = _embedding_model("int64")
    clone = ember.Model.from_config(json.loads(json.dumps(model.get_config())))
    assert clone.inputs[0].dtype == "int64"
    path = tmp_path / "m.keras"
    model.save(path)
    assert ember.saving.load_model(path).inputs[0].dtype == "int64"


def test_inputs_are_converted_to_the_input_dtype():
    seen = {}

    class Probe(layers.Layer):
        def call(self, x):
            seen[self.name] = x.dtype
            return x

        def compute_output_shape(self, input_shape):
            return input_shape

    f_in, i_in = ember.Input((2,), name="f"), ember.Input((2,), dtype="int32", name="i")
    model = ember.Model([f_in, i_in], [Probe(name="pf")(f_in), Probe(name="pi")(i_in)])
    model.predict([np.array([[1, 2]]), np.array([[1.0, 2.0]])], verbose=0)
    assert seen == {"pf": np.float32, "pi": np.int32}


def test_input_rejects_unknown_and_unsupported_dtypes():
    with pytest.raises(TypeError, match="Invalid dtype"):
        ember.Input((2,), dtype="int33")
    with pytest.raises(NotImplementedError, match="float64"):
        ember.Input((2,), dtype="float64")


def test_string_input_reaches_a_custom_layer():
    class Lengths(layers.Layer):
        def call(self, x):
            return ember.Tensor(np.char.str_len(x.numpy()).astype(np.float32))

    inputs = ember.Input((1,), dtype="string")
    outputs = Lengths()(inputs)
    assert outputs.shape == (None, 1) and outputs.dtype == "float32"
    model = ember.Model(inputs, outputs)
    out = model.predict(np.array([["ab"], ["hello"]]), verbose=0)
    np.testing.assert_array_equal(out, [[2.0], [5.0]])


# ------------------------------------------------------------------ traced user layers
class _TwoHeads(layers.Layer):
    """Sub-layers made in __init__, two outputs of different widths, no compute_output_shape."""

    def __init__(self, units: int, **kwargs):
        super().__init__(**kwargs)
        self.first = layers.Dense(units)
        self.second = layers.Dense(2 * units)

    def call(self, x):
        return [self.first(x), self.second(x)]


class _EverySecondStep(layers.Layer):
    def call(self, x):
        return x[:, ::2]


class _ArgMax(layers.Layer):
    def call(self, x):
        return ember.Tensor(np.argmax(x.numpy(), axis=-1))


def test_user_layer_output_shapes_are_traced():
    inputs = ember.Input((None, 6))
    a, b = _TwoHeads(3)(inputs)
    assert a.shape == (None, None, 3) and b.shape == (None, None, 6)
    assert _EverySecondStep()(inputs).shape == (None, None, 6)
    fixed = ember.Input((8, 6))
    assert _EverySecondStep()(fixed).shape == (None, 4, 6)
    assert _ArgMax()(fixed).dtype == "int64"


def test_sub_layers_are_built_when_the_model_is_defined():
    inputs = ember.Input((5,))
    a, b = _TwoHeads(2)(inputs)
    model = ember.Model(inputs, [a, b])
    assert len(model.weights) == 4  # both Dense layers built before any data
    assert model.count_params() == (5 * 2 + 2) + (5 * 4 + 4)


def test_subclassed_model_inside_a_functional_model():
    class Head(ember.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(5)

        def call(self, x):
            return self.dense(x) * 2.0

    inputs = ember.Input((4,))
    out = Head()(inputs)
    assert out.shape == (None, 5)
    model = ember.Model(inputs, out)
    x = np.ones((3, 4), np.float32)
    w, b = model.layers[1].dense.get_weights()
    np.testing.assert_allclose(model.predict(x, verbose=0), 2 * (x @ w + b), rtol=1e-6)


def test_tracing_surfaces_the_layers_own_error():
    class Broken(layers.Layer):
        def call(self, x):
            raise ValueError("broken on purpose")

    with pytest.raises(ValueError, match="broken on purpose"):
        Broken()(ember.Input((3,)))


# ------------------------------------------------------------------ ops on symbolic tensors
def test_operators_with_constants_make_op_nodes():
    x = ember.Input((3,))
    y = x * 2.0 + 1.0
    z = 1.0 - y[:, :2] / 4
    w = -(x**2)
    model = ember.Model(x, [y, z, w])
    data = np.array([[1.0, 2.0, 3.0]], np.float32)
    got = model.predict(data, verbose=0)
    np.testing.assert_allclose(got[0], data * 2 + 1)
    np.testing.assert_allclose(got[1], 1 - (data * 2 + 1)[:, :2] / 4)
    np.testing.assert_allclose(got[2], -(data**2))
    assert z.shape == (None, 2)


def test_two_symbolic_tensors_still_merge_through_layers():
    a, b = ember.Input((3,)), ember.Input((3,))
    model = ember.Model([a, b], a + b)
    assert type(model.layers[-1]).__name__ == "Add"


def test_op_nodes_round_trip_through_config_and_file(tmp_path):
    x = ember.Input((4, 3))
    y = layers.Dense(2)(x[:, 1:, ...] * 0.5)
    model = ember.Model(x, y)
    data = np.random.default_rng(1).random((2, 4, 3)).astype(np.float32)
    want = model.predict(data, verbose=0)
    clone = ember.Model.from_config(json.loads(json.dumps(model.get_config())))
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone.predict(data, verbose=0), want)
    path = tmp_path / "ops.keras"
    model.save(path)
    np.testing.assert_allclose(ember.saving.load_model(path).predict(data, verbose=0), want)


def test_a_config_cannot_name_other_code():
    x = ember.Input((3,))
    config = ember.Model(x, x * 2.0).get_config()
    for entry in config["layers"]:
        if entry["class_name"] == "OpLayer":
            entry["config"]["op"] = "os.system"
    with pytest.raises(ValueError, match="Unknown op 'os.system'"):
        ember.Model.from_config(config)


def test_op_nodes_train_with_the_model():
    x = ember.Input((3,))
    out = layers.Dense(1)(x * 3.0 - 1.0)
    model = ember.Model(x, out)
    model.compile(optimizer="sgd", loss="mse")
    rng = np.random.default_rng(2)
    data, target = rng.random((16, 3)).astype(np.float32), rng.random((16, 1)).astype(np.float32)
    before = model.evaluate(data, target, verbose=0)
    model.fit(data, target, epochs=5, verbose=0)
    assert model.evaluate(data, target, verbose=0) < before
