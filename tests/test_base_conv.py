"""BaseConv(rank, transpose): the convolution layers built on it (config round trips against
Keras' configs, argument order and validation, the non-positive output size error, the batch-1
inference path) and a layer of the next kind (Conv1DTranspose) made from it in two lines."""

from __future__ import annotations

import numpy as np
import pytest

import ember
from ember import layers
from ember.layers.base_conv import BaseConv, BaseConvTranspose

# get_config() of Keras 3.15.1 for the same arguments (name "x"; dtype and the initializers
# left out), with tuples written as lists as ember's configs write them.
KERAS_CONFIGS = [
    (
        layers.Conv1D,
        (4, 3),
        {"padding": "causal", "dilation_rate": 2},
        {
            "name": "x",
            "trainable": True,
            "filters": 4,
            "kernel_size": [3],
            "strides": [1],
            "padding": "causal",
            "data_format": "channels_last",
            "dilation_rate": [2],
            "groups": 1,
            "activation": "linear",
            "use_bias": True,
            "kernel_regularizer": None,
            "bias_regularizer": None,
            "activity_regularizer": None,
            "kernel_constraint": None,
            "bias_constraint": None,
        },
    ),
    (
        layers.Conv2D,
        (4, (3, 2)),
        {"strides": 2, "activation": "relu"},
        {
            "name": "x",
            "trainable": True,
            "filters": 4,
            "kernel_size": [3, 2],
            "strides": [2, 2],
            "padding": "valid",
            "data_format": "channels_last",
            "dilation_rate": [1, 1],
            "groups": 1,
            "activation": "relu",
            "use_bias": True,
            "kernel_regularizer": None,
            "bias_regularizer": None,
            "activity_regularizer": None,
            "kernel_constraint": None,
            "bias_constraint": None,
        },
    ),
    (
        layers.Conv2DTranspose,
        (4, 3),
        {"strides": 2, "output_padding": 1, "padding": "same"},
        {
            "name": "x",
            "trainable": True,
            "filters": 4,
            "kernel_size": [3, 3],
            "strides": [2, 2],
            "padding": "same",
            "output_padding": [1, 1],
            "data_format": "channels_last",
            "dilation_rate": [1, 1],
            "activation": "linear",
            "use_bias": True,
            "kernel_regularizer": None,
            "bias_regularizer": None,
            "activity_regularizer": None,
            "kernel_constraint": None,
            "bias_constraint": None,
        },
    ),
]


def _comparable(config: dict) -> dict:
    return {k: v for k, v in config.items() if k != "dtype" and "initializer" not in k}


@pytest.mark.parametrize("cls,args,kwargs,keras", KERAS_CONFIGS, ids=lambda v: str(v)[:20])
def test_config_matches_keras_and_round_trips(cls, args, kwargs, keras):
    layer = cls(*args, name="x", **kwargs)
    config = layer.get_config()
    assert _comparable(config) == keras
    assert config["kernel_initializer"]["class_name"] == "GlorotUniform"
    clone = cls.from_config(config)
    assert clone.get_config() == config
    from_keras = cls.from_config(keras)  # a Keras config loads as is
    assert _comparable(from_keras.get_config()) == keras


ROUND_TRIPS = [
    lambda: layers.Conv1D(3, 2, strides=2, padding="same", use_bias=False, activation="tanh"),
    lambda: layers.Conv1D(2, 3, padding="causal", dilation_rate=2, activation="gelu"),
    lambda: layers.Conv2D(3, (2, 3), padding="same", dilation_rate=(1, 2), activation="relu"),
    lambda: layers.Conv2D(2, 3, kernel_initializer="he_normal", bias_initializer="ones"),
    lambda: layers.Conv2DTranspose(3, 3, strides=2, padding="valid", activation="sigmoid"),
    lambda: layers.Conv2DTranspose(2, (3, 2), strides=(2, 3), output_padding=(1, 2)),
]


@pytest.mark.parametrize("factory", ROUND_TRIPS)
def test_built_layers_round_trip_with_their_weights(factory):
    layer = factory()
    rank = layer.rank
    x = np.random.default_rng(0).standard_normal((2, *([7] * rank), 3)).astype(np.float32)
    y = layer(x).numpy()
    clone = type(layer).from_config(layer.get_config())
    clone(x)
    clone.set_weights(layer.get_weights())
    np.testing.assert_array_equal(clone(x).numpy(), y)
    assert {k: v for k, v in clone.get_config().items() if k != "name"} == {
        k: v for k, v in layer.get_config().items() if k != "name"
    }
    restored = ember.models.model_from_json(
        ember.Sequential([ember.Input(x.shape[1:]), layer]).to_json()
    )
    assert restored.layers[0].get_config() == layer.get_config()


def test_the_layers_are_thin_classes_over_the_base():
    for cls, rank, transpose in [
        (layers.Conv1D, 1, False),
        (layers.Conv2D, 2, False),
        (layers.Conv2DTranspose, 2, True),
    ]:
        assert issubclass(cls, BaseConv) and (cls.rank, cls.transpose) == (rank, transpose)
        assert "__init__" not in vars(cls) and "call" not in vars(cls)
    assert issubclass(layers.Conv2DTranspose, BaseConvTranspose)


def test_keras_positional_argument_orders():
    conv = layers.Conv2D(2, 3, 2, "same", None, 1, 1, "relu", False)
    assert (conv.strides, conv.padding, conv.use_bias) == ((2, 2), "same", False)
    assert ember.activations.name_of(conv.activation) == "relu"
    up = layers.Conv2DTranspose(2, 3, 2, "same", 1, None, 1, "tanh")
    assert (up.strides, up.output_padding) == ((2, 2), (1, 1))
    assert ember.activations.name_of(up.activation) == "tanh"
    seq = layers.Conv1D(2, 3, 1, "causal", None, 2)
    assert (seq.padding, seq.dilation_rate) == ("causal", (2,))


def test_argument_validation_in_one_place():
    with pytest.raises(TypeError, match=r"Conv2DTranspose: unexpected keyword.*groups"):
        layers.Conv2DTranspose(2, 3, groups=2)
    with pytest.raises(TypeError, match=r"Conv2D: unexpected keyword.*output_padding"):
        layers.Conv2D(2, 3, output_padding=1)
    with pytest.raises(ValueError, match=r"groups must be a positive integer.*groups=0"):
        layers.Conv1D(2, 3, groups=0)
    with pytest.raises(NotImplementedError, match=r"conv1d_g: groups=2 \(grouped"):
        layers.Conv1D(2, 3, groups=2, name="conv1d_g")
    with pytest.raises(ValueError, match=r"Received filters=0"):
        layers.Conv2DTranspose(0, 3)
    with pytest.raises(ValueError, match=r"`strides > 1` not supported in conjunction"):
        layers.Conv1D(2, 3, strides=2, dilation_rate=2)  # Keras refuses it for every rank
    with pytest.raises(ValueError, match=r"`padding`.*\['valid', 'same'\].*causal"):
        layers.Conv2D(2, 3, padding="causal")
    with pytest.raises(ValueError, match=r"`padding`.*\['valid', 'same'\].*causal"):
        layers.Conv2DTranspose(2, 3, padding="causal")
    with pytest.raises(ValueError, match=r"output_padding must be smaller than the stride"):
        layers.Conv2DTranspose(2, 3, strides=2, output_padding=2)
    with pytest.raises(ValueError, match=r"`output_padding` argument must be a tuple of 2"):
        layers.Conv2DTranspose(2, 3, strides=2, output_padding=(1, 1, 1))
    with pytest.raises(ValueError, match=r"`kernel_size` argument must be a tuple of 1"):
        layers.Conv1D(2, (3, 3))
    with pytest.raises(NotImplementedError, match="data_format"):
        layers.Conv1D(2, 3, data_format="channels_first")


@pytest.mark.parametrize(
    "arg, value, expected",
    [
        ("kernel_regularizer", "l2", {"class_name": "L2", "config": {"l2": 0.01}}),
        ("bias_regularizer", "l1", {"class_name": "L1", "config": {"l1": float(np.float32(0.01))}}),
        ("activity_regularizer", "l2", {"class_name": "L2", "config": {"l2": 0.01}}),
        (
            "kernel_constraint",
            "max_norm",
            {"class_name": "MaxNorm", "config": {"max_value": 2, "axis": 0}},
        ),
        ("bias_constraint", "non_neg", {"class_name": "NonNeg", "config": {}}),
    ],
)
@pytest.mark.parametrize("cls", [layers.Conv1D, layers.Conv2D, layers.Conv2DTranspose])
def test_regularizers_and_constraints_are_resolved_and_written_as_keras(cls, arg, value, expected):
    # Replaces the test that these were refused at construction (they are implemented now).
    config = cls(2, 3, name="reg_layer", **{arg: value}).get_config()
    kind = "regularizers" if arg.endswith("regularizer") else "constraints"
    assert config[arg] == {"module": f"keras.{kind}", **expected, "registered_name": None}
    assert type(cls.from_config(config).get_config()[arg]) is dict
    assert cls.from_config(config).get_config()[arg] == config[arg]


def test_kernel_and_bias_regularizers_reach_add_weight():
    # The one spot: _add_kernel/_add_bias hand the regularizers and constraints to add_weight.
    layer = layers.Conv2D(2, 3, kernel_regularizer="l2", bias_constraint="non_neg")
    layer.build((None, 5, 5, 1))
    assert layer.kernel.regularizer is layer.kernel_regularizer
    assert layer.kernel.constraint is None and layer.bias.regularizer is None
    assert layer.bias.constraint is layer.bias_constraint
    layer = layers.Conv1D(2, 3, bias_regularizer="l1", kernel_constraint="unit_norm")
    layer.build((None, 5, 1))
    assert layer.bias.regularizer is layer.bias_regularizer
    assert layer.kernel.constraint is layer.kernel_constraint


NON_POSITIVE = [
    (
        lambda: layers.Conv2D(2, 9, name="conv2d"),
        (6, 6, 1),
        "conv2d: Computed output size would be zero or negative. Received "
        "`inputs shape=(None, 6, 6, 1)`, `kernel shape=(9, 9, 1, 2)`, "
        "`dilation_rate=(1, 1)`, `strides=(1, 1)`, `padding=valid`.",
    ),
    (
        lambda: layers.Conv1D(2, 9, name="conv1d"),
        (6, 1),
        "conv1d: Computed output size would be zero or negative. Received "
        "`inputs shape=(None, 6, 1)`, `kernel shape=(9, 1, 2)`, `dilation_rate=(1,)`, "
        "`strides=(1,)`, `padding=valid`.",
    ),
    (
        lambda: layers.Conv2D(2, 3, dilation_rate=4, name="dilated"),
        (8, 9, 2),
        "dilated: Computed output size would be zero or negative. Received "
        "`inputs shape=(None, 8, 9, 2)`, `kernel shape=(3, 3, 2, 2)`, "
        "`dilation_rate=(4, 4)`, `strides=(1, 1)`, `padding=valid`.",
    ),
]


@pytest.mark.parametrize("factory,shape,message", NON_POSITIVE)
def test_non_positive_output_size_fails_at_build(factory, shape, message):
    layer = factory()
    with pytest.raises(ValueError) as info:
        layer(ember.Input(shape))
    assert str(info.value) == message
    assert not layer.built and layer.weights == []  # nothing half-built
    with pytest.raises(ValueError, match="Computed output size would be zero or negative"):
        factory()(np.zeros((1, *shape), np.float32))  # eager first call builds: same error
    with pytest.raises(ValueError, match="Computed output size would be zero or negative"):
        ember.Sequential([factory()], name="s").build((None, *shape))


def test_sizes_that_stay_positive_still_build():
    assert layers.Conv2D(2, 9, padding="same")(ember.Input((6, 6, 1))).shape == (None, 6, 6, 2)
    assert layers.Conv1D(2, 9, padding="causal")(ember.Input((6, 1))).shape == (None, 6, 2)
    assert layers.Conv2D(2, 3, strides=5)(ember.Input((3, 3, 1))).shape == (None, 1, 1, 2)
    assert layers.Conv2D(2, 3)(ember.Input((None, 3, 1))).shape == (None, None, 1, 2)
    assert layers.Conv2DTranspose(2, 9)(ember.Input((1, 1, 1))).shape == (None, 9, 9, 2)
    with pytest.raises(ValueError, match="channel dimension of the inputs should be defined"):
        layers.Conv1D(2, 3)(ember.Input((5, None)))


def test_conv1d_takes_the_batch_one_inference_path_with_the_same_numbers():
    rng = np.random.default_rng(3)
    model = ember.Sequential(
        [
            ember.Input((12, 3)),
            layers.Conv1D(4, 3, padding="causal", dilation_rate=2, activation="relu"),
            layers.Conv1D(5, 2, strides=2, activation="tanh"),
            layers.Flatten(),
            layers.Dense(2),
        ]
    )
    assert model._inference_chain() is not None
    x = rng.standard_normal((1, 12, 3)).astype(np.float32)
    with ember.no_grad():
        reference = model(ember.tensor(x), training=False).numpy()
    np.testing.assert_array_equal(model.predict_on_batch(x), reference)
    with pytest.raises(ValueError, match=r"expected axis -1 of input shape to have value 3"):
        model.predict_on_batch(np.ones((1, 12, 4), np.float32))


def test_a_subclass_computing_something_else_leaves_the_fast_path():
    class Doubled(layers.Conv2D):
        def call(self, inputs):
            return super().call(inputs) * 2.0

    layer = Doubled(2, 3, activation="relu")
    layer(np.ones((1, 5, 5, 1), np.float32))
    assert layer._inference_fn() is None
    plain = layers.Conv2D(2, 3, activation="relu")
    plain(np.ones((1, 5, 5, 1), np.float32))
    assert plain._inference_fn() is not None
    assert layers.Conv2DTranspose(2, 3, activation="relu")._plain_forward is False


class Conv1DTranspose(BaseConvTranspose, rank=1):
    """What the next issue adds: the whole layer is this declaration."""


@pytest.mark.parametrize(
    "kwargs",
    [
        {"strides": 2},
        {"strides": 2, "padding": "same", "output_padding": 1},
        {"dilation_rate": 2, "activation": "relu"},
    ],
)
def test_a_rank_one_transposed_layer_comes_from_the_base(kwargs):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 5, 3)).astype(np.float32)
    layer = Conv1DTranspose(4, 3, **kwargs)
    y = layer(x)
    assert layer.kernel.shape == (3, 4, 3)
    assert tuple(y.shape) == layer.compute_output_shape((2, 5, 3))
    # the same numbers as the 2-D layer on images of height 1
    op = kwargs.get("output_padding")
    twin_kwargs = dict(kwargs, output_padding=None if op is None else (0, op))
    twin = layers.Conv2DTranspose(4, (1, 3), **twin_kwargs)
    twin(x[:, None])
    twin.set_weights([layer.kernel.numpy()[None], layer.bias.numpy()])
    np.testing.assert_allclose(y.numpy(), twin(x[:, None]).numpy()[:, 0], rtol=1e-6, atol=1e-6)
    clone = Conv1DTranspose.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    with pytest.raises(ValueError, match=r"expected min_ndim=3, found ndim=2"):
        Conv1DTranspose(2, 3)(np.ones((2, 3), np.float32))
