"""InputSpec and the Layer base's input checks against Keras' own messages.

The KERAS texts were recorded from Keras 3.15.1 (TensorFlow 2.21) by running the same calls.
Keras 3.15 opens them with ``Input 0 with name 'None' of layer 'conv2d'`` (since
keras-team/keras#21869); ember keeps the earlier Keras 3 opening ``Input 0 of layer "conv2d"``
(which its users and tests match on), so
``ember_wording`` rewrites only that opening and the rest must be equal character for
character.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import ember
from ember import layers
from ember.layers import InputSpec
from ember.layers.input_spec import assert_input_compatibility

KERAS = {
    "conv2d_rank3": "Input 0 with name 'None' of layer 'conv2d' is incompatible with the layer: "
    "expected min_ndim=4, found ndim=3. Full shape received: (2, 3, 4)",
    "conv2d_rank3_symbolic": "Input 0 with name 'None' of layer 'conv2d' is incompatible with "
    "the layer: expected min_ndim=4, found ndim=3. Full shape received: (None, 3, 4)",
    "conv2d_channels": "Input 0 with name 'None' of layer 'conv2d' is incompatible with the "
    "layer: expected axis -1 of input shape to have value 3, but received input with shape "
    "(1, 5, 5, 4)",
    "conv2d_channels_symbolic": "Input 0 with name 'None' of layer 'conv2d' is incompatible "
    "with the layer: expected axis -1 of input shape to have value 3, but received input with "
    "shape (None, 5, 5, 4)",
    "conv1d_rank2": "Input 0 with name 'None' of layer 'conv1d' is incompatible with the layer: "
    "expected min_ndim=3, found ndim=2. Full shape received: (2, 3)",
    "conv2d_transpose_rank3": "Input 0 with name 'None' of layer 'conv2d_transpose' is "
    "incompatible with the layer: expected min_ndim=4, found ndim=3. Full shape received: "
    "(2, 3, 4)",
    "max_pooling2d_rank3": "Input 0 with name 'None' of layer 'max_pooling2d' is incompatible "
    "with the layer: expected ndim=4, found ndim=3. Full shape received: (2, 3, 4)",
    "average_pooling1d_rank4": "Input 0 with name 'None' of layer 'average_pooling1d' is "
    "incompatible with the layer: expected ndim=3, found ndim=4. Full shape received: "
    "(2, 3, 4, 5)",
    "global_average_pooling2d_rank3": "Input 0 with name 'None' of layer "
    "'global_average_pooling2d' is incompatible with the layer: expected ndim=4, found ndim=3. "
    "Full shape received: (2, 3, 4)",
    "global_max_pooling1d_rank2": "Input 0 with name 'None' of layer 'global_max_pooling1d' is "
    "incompatible with the layer: expected ndim=3, found ndim=2. Full shape received: (2, 3)",
    "up_sampling2d_rank3": "Input 0 with name 'None' of layer 'up_sampling2d' is incompatible "
    "with the layer: expected ndim=4, found ndim=3. Full shape received: (2, 3, 4)",
    "zero_padding2d_rank3": "Input 0 with name 'None' of layer 'zero_padding2d' is incompatible "
    "with the layer: expected ndim=4, found ndim=3. Full shape received: (2, 3, 4)",
    "cropping2d_rank3": "Input 0 with name 'None' of layer 'cropping2d' is incompatible with the "
    "layer: expected ndim=4, found ndim=3. Full shape received: (2, 3, 4)",
    "repeat_vector_rank3": "Input 0 with name 'None' of layer 'repeat_vector' is incompatible "
    "with the layer: expected ndim=2, found ndim=3. Full shape received: (2, 3, 4)",
    "permute_rank4": "Input 0 with name 'None' of layer 'permute' is incompatible with the "
    "layer: expected ndim=3, found ndim=4. Full shape received: (2, 3, 4, 5)",
    "dense_axis": "Input 0 with name 'None' of layer 'dense' is incompatible with the layer: "
    "expected axis -1 of input shape to have value 3, but received input with shape (1, 4)",
    "dense_rank1": "Input 0 with name 'None' of layer 'dense' is incompatible with the layer: "
    "expected min_ndim=2, found ndim=1. Full shape received: (3,)",
    "lstm_rank2": "Input 0 with name 'None' of layer 'lstm' is incompatible with the layer: "
    "expected ndim=3, found ndim=2. Full shape received: (2, 3)",
    "gru_rank4_symbolic": "Input 0 with name 'None' of layer 'gru' is incompatible with the "
    "layer: expected ndim=3, found ndim=4. Full shape received: (None, 3, 4, 5)",
    "batch_normalization_axis": "Input 0 with name 'None' of layer 'batch_normalization' is "
    "incompatible with the layer: expected axis -1 of input shape to have value 3, but received "
    "input with shape (2, 4)",
    "batch_normalization_rank": "Input 0 with name 'None' of layer 'batch_normalization' is "
    "incompatible with the layer: expected ndim=2, found ndim=3. Full shape received: (2, 4, 3)",
    "custom_max_ndim": "Input 0 with name 'None' of layer 'custom' is incompatible with the "
    "layer: expected max_ndim=2, found ndim=3",
    "custom_shape": "Input 0 with name 'None' of layer 'custom' is incompatible with the layer: "
    "expected shape=(None, 3), found shape=(2, 4)",
    "custom_shape_symbolic": "Input 0 with name 'None' of layer 'custom' is incompatible with "
    "the layer: expected shape=(None, 3), found shape=(None, 4)",
    "custom_ndim": "Input 0 with name 'None' of layer 'custom' is incompatible with the layer: "
    "expected ndim=2, found ndim=3. Full shape received: (2, 3, 4)",
    "custom_dtype": "Input 0 with name 'None' of layer 'custom' is incompatible with the layer: "
    "expected dtype=int32, found dtype=float32",
    "custom_squeeze_rejects": "Input 0 with name 'None' of layer 'custom' is incompatible with "
    "the layer: expected shape=(None, 3, 1), found shape=(2, 4)",
    "custom_axes": "Input 0 with name 'None' of layer 'custom' is incompatible with the layer: "
    "expected axis 1 of input shape to have value 3, but received input with shape (2, 4)",
    "custom_two_specs_named": "Layer \"custom\" expects 2 named input(s) with keys ['a', 'b'], "
    "but it received 1 input tensors. Pass inputs as a dict, e.g. "
    "`layer({'a': ..., 'b': ...})`.",
    "custom_dict_missing": 'Missing data for input "b". You passed a data dictionary with keys '
    "['a', 'c']. Expected the following keys: ['a', 'b']",
}
KERAS_SPEC_ERRORS = {
    "axes_not_int": "Argument `axes` must be a dict with integer keys. Received: axes={'a': 1}",
    "axis_too_large": "Axis 3 is greater than the maximum allowed value: 1",
}
KERAS_REPRS = {
    "InputSpec(ndim=4, axes={-1: 3})": lambda: InputSpec(ndim=4, axes={-1: 3}),
    "InputSpec(shape=(None, 3), ndim=2)": lambda: InputSpec(shape=(None, 3)),
    "InputSpec()": lambda: InputSpec(),
    "InputSpec(dtype=float32, max_ndim=3, min_ndim=2)": lambda: InputSpec(
        dtype="float32", min_ndim=2, max_ndim=3
    ),
}
KERAS_CONFIG = {
    "dtype": None,
    "shape": None,
    "ndim": None,
    "max_ndim": None,
    "min_ndim": 2,
    "axes": {-1: 3},
    "optional": False,
}


def ember_wording(keras_text: str) -> str:
    return re.sub(
        r"^Input (\d+) with name '[^']*' of layer '([^']*)'", r'Input \1 of layer "\2"', keras_text
    )


def f(*shape):
    return np.ones(shape, np.float32)


def built(layer, x):
    layer(x)
    return layer


class Custom(layers.Layer):
    def __init__(self, spec, **kwargs):
        super().__init__(**kwargs)
        self.input_spec = spec

    def call(self, x):
        return x


CASES = {
    "conv2d_rank3": lambda: layers.Conv2D(2, 3, name="conv2d")(f(2, 3, 4)),
    "conv2d_rank3_symbolic": lambda: layers.Conv2D(2, 3, name="conv2d")(ember.Input((3, 4))),
    "conv2d_channels": lambda: built(layers.Conv2D(2, 3, name="conv2d"), f(1, 5, 5, 3))(
        f(1, 5, 5, 4)
    ),
    "conv2d_channels_symbolic": lambda: built(layers.Conv2D(2, 3, name="conv2d"), f(1, 5, 5, 3))(
        ember.Input((5, 5, 4))
    ),
    "conv1d_rank2": lambda: layers.Conv1D(2, 3, name="conv1d")(f(2, 3)),
    "conv2d_transpose_rank3": lambda: layers.Conv2DTranspose(2, 3, name="conv2d_transpose")(
        f(2, 3, 4)
    ),
    "max_pooling2d_rank3": lambda: layers.MaxPooling2D(name="max_pooling2d")(f(2, 3, 4)),
    "average_pooling1d_rank4": lambda: layers.AveragePooling1D(2, name="average_pooling1d")(
        f(2, 3, 4, 5)
    ),
    "global_average_pooling2d_rank3": lambda: layers.GlobalAveragePooling2D(
        name="global_average_pooling2d"
    )(f(2, 3, 4)),
    "global_max_pooling1d_rank2": lambda: layers.GlobalMaxPooling1D(name="global_max_pooling1d")(
        f(2, 3)
    ),
    "up_sampling2d_rank3": lambda: layers.UpSampling2D(name="up_sampling2d")(f(2, 3, 4)),
    "zero_padding2d_rank3": lambda: layers.ZeroPadding2D(name="zero_padding2d")(f(2, 3, 4)),
    "cropping2d_rank3": lambda: layers.Cropping2D(name="cropping2d")(f(2, 3, 4)),
    "repeat_vector_rank3": lambda: layers.RepeatVector(2, name="repeat_vector")(f(2, 3, 4)),
    "permute_rank4": lambda: layers.Permute((2, 1), name="permute")(f(2, 3, 4, 5)),
    "dense_axis": lambda: built(layers.Dense(2, name="dense"), f(1, 3))(f(1, 4)),
    "dense_rank1": lambda: layers.Dense(2, name="dense")(f(3)),
    "lstm_rank2": lambda: layers.LSTM(2, name="lstm")(f(2, 3)),
    "gru_rank4_symbolic": lambda: layers.GRU(2, name="gru")(ember.Input((3, 4, 5))),
    "batch_normalization_axis": lambda: built(
        layers.BatchNormalization(name="batch_normalization"), f(2, 3)
    )(f(2, 4)),
    "batch_normalization_rank": lambda: built(
        layers.BatchNormalization(name="batch_normalization"), f(2, 3)
    )(f(2, 4, 3)),
    "custom_max_ndim": lambda: Custom(InputSpec(max_ndim=2), name="custom")(f(2, 3, 4)),
    "custom_shape": lambda: Custom(InputSpec(shape=(None, 3)), name="custom")(f(2, 4)),
    "custom_shape_symbolic": lambda: Custom(InputSpec(shape=(None, 3)), name="custom")(
        ember.Input((4,))
    ),
    "custom_ndim": lambda: Custom(InputSpec(ndim=2), name="custom")(f(2, 3, 4)),
    "custom_dtype": lambda: Custom(InputSpec(dtype="int32"), name="custom")(f(2, 3)),
    "custom_squeeze_rejects": lambda: Custom(
        InputSpec(shape=(None, 3, 1), allow_last_axis_squeeze=True), name="custom"
    )(f(2, 4)),
    "custom_axes": lambda: Custom(InputSpec(axes={1: 3}), name="custom")(f(2, 4)),
    "custom_two_specs_named": lambda: Custom(
        [InputSpec(name="a"), InputSpec(name="b")], name="custom"
    )([f(2, 3)]),
    "custom_dict_missing": lambda: Custom(
        [InputSpec(name="a"), InputSpec(name="b")], name="custom"
    )({"a": f(2, 3), "c": f(2, 3)}),
}


@pytest.mark.parametrize("case", sorted(KERAS))
def test_errors_read_as_keras_writes_them(case):
    with pytest.raises(ValueError) as info:
        CASES[case]()
    assert str(info.value) == ember_wording(KERAS[case])


def test_ember_keeps_the_earlier_keras_opening():
    assert ember_wording(KERAS["dense_axis"]).startswith(
        'Input 0 of layer "dense" is incompatible with the layer: '
    )


def test_accepted_inputs_pass():
    squeeze = InputSpec(shape=(None, 3, 1), allow_last_axis_squeeze=True)
    assert Custom(squeeze)(f(2, 3)).shape == (2, 3)
    assert Custom(squeeze)(f(2, 3, 1)).shape == (2, 3, 1)
    assert Custom(InputSpec(shape=(None, 3)))(ember.Input((3,))).shape == (None, 3)
    assert Custom(InputSpec(min_ndim=2, axes={-1: 3}))(ember.Input((5, None))).shape == (
        None,
        5,
        None,
    )  # an unknown size fits any expected size
    named = Custom([InputSpec(name="a"), InputSpec(name="b")])
    assert len(named({"b": f(2, 3), "a": f(2, 4)})) == 2


def test_spec_constructor_repr_and_config():
    with pytest.raises(TypeError) as info:
        InputSpec(axes={"a": 1})
    assert str(info.value) == KERAS_SPEC_ERRORS["axes_not_int"]
    with pytest.raises(ValueError) as info:
        InputSpec(ndim=2, axes={3: 1})
    assert str(info.value) == KERAS_SPEC_ERRORS["axis_too_large"]
    for text, make in KERAS_REPRS.items():
        assert repr(make()) == text
    spec = InputSpec(min_ndim=2, axes={-1: 3})
    assert spec.get_config() == KERAS_CONFIG
    assert repr(InputSpec.from_config(spec.get_config())) == repr(spec)
    assert ember.InputSpec is InputSpec is ember.layers.InputSpec


def test_declared_specs_match_keras():
    conv = layers.Conv2D(2, 3)
    assert (conv.input_spec.min_ndim, conv.input_spec.axes) == (4, {})
    conv.build((None, 5, 5, 3))
    assert (conv.input_spec.min_ndim, conv.input_spec.axes) == (4, {-1: 3})
    dense = layers.Dense(2)
    assert repr(dense.input_spec) == "InputSpec(min_ndim=2)"
    dense.build((None, 7))
    assert repr(dense.input_spec) == "InputSpec(min_ndim=2, axes={-1: 7})"
    assert repr(layers.LSTM(2).input_spec) == "InputSpec(ndim=3)"
    assert repr(layers.MaxPooling2D().input_spec) == "InputSpec(ndim=4)"
    assert repr(layers.RepeatVector(2).input_spec) == "InputSpec(ndim=2)"
    assert repr(layers.Permute((2, 1)).input_spec) == "InputSpec(ndim=3)"


def test_spec_is_checked_before_build_even_through_a_wrapper():
    inner = layers.Conv2D(2, 3, name="inner_conv")
    with pytest.raises(ValueError, match=r'layer "inner_conv".*min_ndim=4, found ndim=3'):
        layers.TimeDistributed(inner)(ember.Input((5, 6, 7)))
    assert not inner.built and inner.weights == []
    with pytest.raises(ValueError, match=r'layer "lstm_x".*expected ndim=3, found ndim=4'):
        layers.LSTM(2, name="lstm_x")._maybe_build((None, 3, 4, 5))


def test_eager_calls_of_built_layers_are_checked_on_every_path():
    x = f(1, 5, 5, 3)
    conv = built(layers.Conv2D(2, 3, activation="relu", name="conv_e"), x)
    bad = ember.tensor(f(1, 5, 5, 4))
    with pytest.raises(ValueError, match=r'"conv_e".*axis -1 of input shape to have value 3'):
        conv(bad)  # Layer._eager_call
    with ember.no_grad(), pytest.raises(ValueError, match=r'"conv_e".*max_ndim=4, found ndim=5'):
        conv(ember.tensor(f(1, 1, 5, 5, 3)))
    model = ember.Sequential([ember.Input((5, 5, 3)), conv, layers.Flatten(), layers.Dense(2)])
    assert model._inference_chain() is not None
    with pytest.raises(ValueError, match=r'"conv_e".*axis -1 of input shape to have value 3'):
        model.predict_on_batch(f(1, 5, 5, 4))  # the numpy-only batch-1 path
    # Bidirectional checks through its forward layer's spec
    bi = built(layers.Bidirectional(layers.LSTM(2), name="bi"), f(2, 4, 3))
    assert bi.input_spec is bi.forward_layer.input_spec
    with pytest.raises(ValueError, match=r"axis -1 of input shape to have value 3"):
        bi(ember.tensor(f(2, 4, 5)))


def test_a_spec_set_before_super_init_or_replaced_later_is_honoured():
    class Early(layers.Layer):
        def __init__(self, **kwargs):
            self.input_spec = InputSpec(ndim=2)
            super().__init__(**kwargs)

        def call(self, x):
            return x

    with pytest.raises(ValueError, match="expected ndim=2, found ndim=3"):
        Early()(f(1, 2, 3))
    layer = built(Custom(InputSpec(ndim=2)), f(1, 2))
    layer.input_spec.ndim = 3  # attribute changes reach the fast check too
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=2"):
        layer(ember.tensor(f(1, 2)))
    layer.input_spec = None
    assert layer(ember.tensor(f(1, 2, 3, 4))).shape == (1, 2, 3, 4)


def test_assert_input_compatibility_takes_shapes_tensors_and_symbolics():
    spec = InputSpec(ndim=2, axes={-1: 3})
    for ok in [(None, 3), f(2, 3), ember.tensor(f(2, 3)), ember.Input((3,))]:
        assert_input_compatibility(spec, ok, "layer")
    for bad in [(None, 4), f(2, 4), ember.Input((4,))]:
        with pytest.raises(ValueError, match="expected axis -1"):
            assert_input_compatibility(spec, bad, "layer")
    with pytest.raises(ValueError, match=r'Layer "two" expects 2 input\(s\), but it received 1'):
        assert_input_compatibility([spec, spec], [f(2, 3)], "two")
    assert_input_compatibility(None, "anything", "layer")
