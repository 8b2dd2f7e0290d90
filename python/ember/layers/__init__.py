"""Layers with Keras' names, signatures and defaults, grouped by family:
core, convolutional, pooling, normalization, merge.

Example:
    >>> from ember import layers
    >>> layers.Conv2D(32, (3, 3), activation="relu").filters
    32
"""

from ember.layers.base import Layer
from ember.layers.convolutional import (
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
    Flatten,
    LeakyReLU,
    Permute,
    ReLU,
    RepeatVector,
    Rescaling,
    Reshape,
    Softmax,
)
from ember.layers.input_layer import Input, InputLayer
from ember.layers.merge import (
    Add,
    Average,
    Concatenate,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    concatenate,
    maximum,
    minimum,
    multiply,
    subtract,
)
from ember.layers.normalization import BatchNormalization
from ember.layers.pooling import (
    AveragePooling2D,
    AvgPool2D,
    GlobalAveragePooling2D,
    GlobalAvgPool2D,
    GlobalMaxPool2D,
    GlobalMaxPooling2D,
    MaxPool2D,
    MaxPooling2D,
)

Convolution2D = Conv2D
Conv2DTranspose = Conv2DTranspose
Deconvolution2D = Conv2DTranspose

__all__ = [
    "Activation",
    "Add",
    "Average",
    "AveragePooling2D",
    "AvgPool2D",
    "BatchNormalization",
    "Concatenate",
    "Conv2D",
    "Conv2DTranspose",
    "Convolution2D",
    "Cropping2D",
    "Deconvolution2D",
    "Dense",
    "Dropout",
    "Flatten",
    "GlobalAveragePooling2D",
    "GlobalAvgPool2D",
    "GlobalMaxPool2D",
    "GlobalMaxPooling2D",
    "Input",
    "InputLayer",
    "Layer",
    "LeakyReLU",
    "MaxPool2D",
    "MaxPooling2D",
    "Maximum",
    "Minimum",
    "Multiply",
    "Permute",
    "ReLU",
    "RepeatVector",
    "Rescaling",
    "Reshape",
    "Softmax",
    "Subtract",
    "UpSampling2D",
    "ZeroPadding2D",
    "add",
    "average",
    "concatenate",
    "maximum",
    "minimum",
    "multiply",
    "subtract",
]
