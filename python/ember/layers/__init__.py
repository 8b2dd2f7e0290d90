"""Layers with Keras' names, signatures and defaults, grouped by family:
core, activations, convolutional, reshaping, pooling, normalization, noise and spatial
dropout, merge, attention (Attention, AdditiveAttention, MultiHeadAttention over
EinsumDense), recurrent (RNN and its cells), wrappers.

Example:
    >>> from ember import layers
    >>> layers.Conv2D(32, (3, 3), activation="relu").filters
    32
"""

from ember import _not_implemented
from ember.layers.activations import ELU, PReLU
from ember.layers.adaptive_pooling import (
    AdaptiveAveragePooling1D,
    AdaptiveAveragePooling2D,
    AdaptiveMaxPooling1D,
    AdaptiveMaxPooling2D,
)
from ember.layers.attention import AdditiveAttention, Attention
from ember.layers.base import Layer
from ember.layers.convolutional import (
    Conv1D,
    Conv1DTranspose,
    Conv2D,
    Conv2DTranspose,
    Cropping2D,
    UpSampling2D,
    ZeroPadding2D,
)
from ember.layers.core import (
    Activation,
    Dense,
    Dropout,
    Embedding,
    Flatten,
    LeakyReLU,
    Masking,
    Permute,
    ReLU,
    RepeatVector,
    Rescaling,
    Reshape,
    Softmax,
)
from ember.layers.einsum_dense import EinsumDense
from ember.layers.identity import Identity
from ember.layers.input_layer import Input, InputLayer
from ember.layers.input_spec import InputSpec
from ember.layers.lambda_layer import Lambda
from ember.layers.merge import (
    Add,
    Average,
    Concatenate,
    Dot,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    concatenate,
    dot,
    maximum,
    minimum,
    multiply,
    subtract,
)
from ember.layers.multi_head_attention import MultiHeadAttention
from ember.layers.noise import AlphaDropout, GaussianDropout, GaussianNoise
from ember.layers.normalization import (
    BatchNormalization,
    GroupNormalization,
    LayerNormalization,
    RMSNormalization,
    UnitNormalization,
)
from ember.layers.pooling import (
    AveragePooling1D,
    AveragePooling2D,
    AvgPool1D,
    AvgPool2D,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalAvgPool1D,
    GlobalAvgPool2D,
    GlobalMaxPool1D,
    GlobalMaxPool2D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    MaxPool1D,
    MaxPool2D,
    MaxPooling1D,
    MaxPooling2D,
)
from ember.layers.recurrent import GRU, LSTM, RNN, SimpleRNN
from ember.layers.regularization import ActivityRegularization
from ember.layers.reshaping import Cropping1D, UpSampling1D, ZeroPadding1D
from ember.layers.rnn_cells import GRUCell, LSTMCell, SimpleRNNCell, StackedRNNCells
from ember.layers.spatial_dropout import SpatialDropout1D, SpatialDropout2D, SpatialDropout3D
from ember.layers.wrappers import Bidirectional, TimeDistributed, Wrapper
from ember.saving.serialization_lib import deserialize_layer as _deserialize_layer
from ember.saving.serialization_lib import serialize_keras_object as _serialize_keras_object


def serialize(layer: Layer) -> dict:
    """A layer's config dict (``keras.layers.serialize``): ``module``, ``class_name``,
    ``config`` and ``registered_name``.

    Example:
        >>> layers.serialize(layers.Dense(2))["class_name"]
        'Dense'
    """
    return _serialize_keras_object(layer)


def deserialize(config: dict, custom_objects: dict | None = None) -> Layer:
    """A layer (or model) from a config dict (``keras.layers.deserialize``); the class
    resolves through custom_objects, the active custom_object_scope, registration or
    ember's built-ins.

    Example:
        >>> layers.deserialize({"class_name": "Dense", "config": {"units": 2}}).units
        2
    """
    return _deserialize_layer(config, custom_objects)


# Keras' other names for the same classes (registered as aliases by each class statement).
Convolution1D = Conv1D
Convolution1DTranspose = Conv1DTranspose
Convolution2D = Conv2D
Convolution2DTranspose = Conv2DTranspose
Deconvolution2D = Conv2DTranspose

__all__ = [
    "Activation",
    "ActivityRegularization",
    "AdaptiveAveragePooling1D",
    "AdaptiveAveragePooling2D",
    "AdaptiveMaxPooling1D",
    "AdaptiveMaxPooling2D",
    "Add",
    "AdditiveAttention",
    "AlphaDropout",
    "Attention",
    "Average",
    "AveragePooling1D",
    "AveragePooling2D",
    "AvgPool1D",
    "AvgPool2D",
    "BatchNormalization",
    "Bidirectional",
    "Concatenate",
    "Conv1D",
    "Conv1DTranspose",
    "Conv2D",
    "Conv2DTranspose",
    "Convolution1D",
    "Convolution1DTranspose",
    "Convolution2D",
    "Convolution2DTranspose",
    "Cropping1D",
    "Cropping2D",
    "Deconvolution2D",
    "Dense",
    "Dot",
    "Dropout",
    "ELU",
    "EinsumDense",
    "Embedding",
    "Flatten",
    "GRU",
    "GRUCell",
    "GaussianDropout",
    "GaussianNoise",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalAvgPool1D",
    "GlobalAvgPool2D",
    "GlobalMaxPool1D",
    "GlobalMaxPool2D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    "GroupNormalization",
    "Identity",
    "Input",
    "InputLayer",
    "InputSpec",
    "LSTM",
    "LSTMCell",
    "Lambda",
    "Layer",
    "LayerNormalization",
    "LeakyReLU",
    "Masking",
    "MaxPool1D",
    "MaxPool2D",
    "MaxPooling1D",
    "MaxPooling2D",
    "Maximum",
    "Minimum",
    "MultiHeadAttention",
    "Multiply",
    "PReLU",
    "RMSNormalization",
    "RNN",
    "Permute",
    "ReLU",
    "RepeatVector",
    "Rescaling",
    "Reshape",
    "SimpleRNN",
    "SimpleRNNCell",
    "Softmax",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "SpatialDropout3D",
    "StackedRNNCells",
    "Subtract",
    "TimeDistributed",
    "UnitNormalization",
    "UpSampling1D",
    "UpSampling2D",
    "Wrapper",
    "ZeroPadding1D",
    "ZeroPadding2D",
    "add",
    "average",
    "concatenate",
    "deserialize",
    "dot",
    "maximum",
    "minimum",
    "multiply",
    "serialize",
    "subtract",
]

# ------------------------------------------------------------------ not implemented
# The rest of keras.layers: each name exists and raises NotImplementedError with its reason
# (tests/test_keras_coverage.py checks that every Keras 3 name is here, one way or the other).
_VOLUMETRIC = "volumetric (3-D) layers: ember's convolution and pooling kernels are 1-D/2-D"
_PREPROCESSING = "preprocessing and augmentation layers come with ember.data (issue 13)"
_AUGMENTATION = "image augmentation beyond issue 13's Random* layers is not planned yet"
_FOREIGN = "wraps another framework's modules, which ember does not load"
_NOT_YET = "not implemented yet"
_STANDINS = {
    **dict.fromkeys(
        (
            "AdaptiveAveragePooling3D",
            "AdaptiveMaxPooling3D",
            "AveragePooling3D",
            "AvgPool3D",
            "Conv3D",
            "Conv3DTranspose",
            "Convolution3D",
            "Convolution3DTranspose",
            "Cropping3D",
            "GlobalAveragePooling3D",
            "GlobalAvgPool3D",
            "GlobalMaxPool3D",
            "GlobalMaxPooling3D",
            "MaxPool3D",
            "MaxPooling3D",
            "SpatialDropout3D",
            "UpSampling3D",
            "ZeroPadding3D",
            "ConvLSTM3D",
        ),
        _VOLUMETRIC,
    ),
    **dict.fromkeys(
        ("ConvLSTM1D", "ConvLSTM2D"),
        "convolutional LSTMs have no fused sequence kernel yet (the RNN kernels are dense)",
    ),
    **dict.fromkeys(
        (
            "DepthwiseConv1D",
            "DepthwiseConv2D",
            "SeparableConv1D",
            "SeparableConv2D",
            "SeparableConvolution1D",
            "SeparableConvolution2D",
        ),
        "depthwise and separable convolutions are planned on BaseConv (grouped kernels)",
    ),
    **dict.fromkeys(
        (
            "CategoryEncoding",
            "CenterCrop",
            "Discretization",
            "Hashing",
            "IntegerLookup",
            "Normalization",
            "RandomBrightness",
            "RandomContrast",
            "RandomCrop",
            "RandomFlip",
            "RandomRotation",
            "RandomTranslation",
            "RandomZoom",
            "Resizing",
            "StringLookup",
            "TextVectorization",
        ),
        _PREPROCESSING,
    ),
    **dict.fromkeys(
        (
            "AugMix",
            "AutoContrast",
            "ContrastLimitedAdaptiveHistogramEqualization",
            "CutMix",
            "Equalization",
            "HashedCrossing",
            "MaxNumBoundingBoxes",
            "MixUp",
            "Pipeline",
            "RandAugment",
            "RandomColorDegeneration",
            "RandomColorJitter",
            "RandomElasticTransform",
            "RandomErasing",
            "RandomGaussianBlur",
            "RandomGrayscale",
            "RandomHue",
            "RandomInvert",
            "RandomPerspective",
            "RandomPosterization",
            "RandomSaturation",
            "RandomSharpness",
            "RandomShear",
            "Solarization",
        ),
        _AUGMENTATION,
    ),
    **dict.fromkeys(
        ("MelSpectrogram", "STFTSpectrogram"),
        "spectrograms need complex FFTs, and ember has no complex dtype",
    ),
    **dict.fromkeys(("FlaxLayer", "JaxLayer", "TFSMLayer", "TorchModuleWrapper"), _FOREIGN),
    **dict.fromkeys(
        ("GroupQueryAttention", "ReversibleEmbedding", "SpectralNormalization"),
        _NOT_YET,
    ),
}
__all__ += _not_implemented.install(globals(), "layers", classes=_STANDINS, base=Layer)
