"""The benchmark models, defined identically for ember, PyTorch and Keras: the seed CIFAR-style
CNN, LeNet-5, the stacked LSTM forecaster and a GRU classifier, with their data and FLOPs.

Each framework is imported only inside its own builder, so a worker for one framework never
loads another (the Keras worker's interpreter has no ember).
"""

from __future__ import annotations

from typing import Any

import numpy as np

MODELS = ("cifar_cnn", "lenet5", "stacked_lstm", "gru_classifier")


def data(model: str, batch: int, steps: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Random inputs and targets for ``steps`` batches of ``batch`` samples (channels-last).

    Example:
        >>> [a.shape for a in data("lenet5", 4, steps=2)]
        [(8, 32, 32, 1), (8,)]
    """
    rng = np.random.default_rng(0)
    n = batch * steps
    if model == "stacked_lstm":
        return rng.random((n, 60, 1), dtype=np.float32), rng.random((n, 1), np.float32)
    if model == "gru_classifier":
        return rng.random((n, 40, 16), dtype=np.float32), rng.integers(0, 10, n)
    shape = (n, 32, 32, 3) if model == "cifar_cnn" else (n, 32, 32, 1)
    return rng.random(shape, dtype=np.float32), rng.integers(0, 10, n)


def _lstm_macs(steps: int, inputs: int, units: int) -> int:
    return steps * 4 * units * (inputs + units)


def forward_macs(model: str) -> int:
    """Multiply-adds of one sample's forward pass through the conv/dense/RNN layers.

    Example:
        >>> forward_macs("gru_classifier")
        2213120
    """
    if model == "cifar_cnn":
        return 30 * 30 * 27 * 32 + 13 * 13 * 288 * 64 + 4 * 4 * 576 * 64 + 1024 * 64 + 64 * 10
    if model == "lenet5":
        return 28 * 28 * 25 * 6 + 10 * 10 * 150 * 16 + 400 * 120 + 120 * 84 + 84 * 10
    if model == "stacked_lstm":
        return _lstm_macs(60, 1, 128) + _lstm_macs(60, 128, 64) + 64
    return 40 * 3 * 128 * (16 + 128) + 128 * 10


def train_flops(model: str, batch: int) -> float:
    """FLOPs of one training step: forward + backward (3x forward), 2 per multiply-add.

    Example:
        >>> train_flops("gru_classifier", 1) == 6 * forward_macs("gru_classifier")
        True
    """
    return 2.0 * 3 * forward_macs(model) * batch


def ember_model(model: str) -> Any:
    """The compiled ember model (Adam, the model's loss)."""
    import ember
    from ember import layers

    ember.utils.set_random_seed(0)
    return _keras_like(ember, layers, model, input_layer=False)


def keras_model(model: str) -> Any:
    """The same model in Keras, compiled the same way."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(0)
    return _keras_like(keras, layers, model, input_layer=True)


def _keras_like(lib: Any, layers: Any, model: str, input_layer: bool) -> Any:
    """One definition for ember and Keras (their APIs match); Keras 3 wants an Input first,
    ember also takes ``input_shape=`` on the first layer, as course code writes it."""

    def first(layer_cls: Any, *args: Any, shape: tuple, **kwargs: Any) -> list:
        if input_layer:
            return [lib.Input(shape), layer_cls(*args, **kwargs)]
        return [layer_cls(*args, input_shape=shape, **kwargs)]

    if model == "cifar_cnn":
        stack = first(layers.Conv2D, 32, (3, 3), activation="relu", shape=(32, 32, 3)) + [
            layers.MaxPooling2D((2, 2)),
            layers.Conv2D(64, (3, 3), activation="relu"),
            layers.MaxPooling2D((2, 2)),
            layers.Conv2D(64, (3, 3), activation="relu"),
            layers.Flatten(),
            layers.Dense(64, activation="relu"),
            layers.Dense(10),
        ]
        loss: Any = lib.losses.SparseCategoricalCrossentropy(from_logits=True)
    elif model == "lenet5":
        stack = first(layers.Conv2D, 6, 5, activation="tanh", shape=(32, 32, 1)) + [
            layers.AveragePooling2D(2),
            layers.Conv2D(16, 5, activation="tanh"),
            layers.AveragePooling2D(2),
            layers.Conv2D(120, 5, activation="tanh"),
            layers.Flatten(),
            layers.Dense(84, activation="tanh"),
            layers.Dense(10, activation="softmax"),
        ]
        loss = "sparse_categorical_crossentropy"
    elif model == "stacked_lstm":
        stack = first(layers.LSTM, 128, return_sequences=True, shape=(60, 1)) + [
            layers.LSTM(64),
            layers.Dense(1),
        ]
        loss = "mse"
    elif model == "gru_classifier":
        stack = first(layers.GRU, 128, shape=(40, 16)) + [layers.Dense(10, activation="softmax")]
        loss = "sparse_categorical_crossentropy"
    else:
        raise ValueError(f"unknown benchmark model {model!r}; expected one of {MODELS}")
    net = lib.Sequential(stack)
    net.compile(optimizer="adam", loss=loss)
    return net


def torch_model(model: str) -> tuple[Any, Any]:
    """The same model as a ``torch.nn.Module`` (NCHW images) and its loss function; the
    softmax of LeNet-5's last layer is inside ``CrossEntropyLoss``."""
    import torch
    from torch import nn

    torch.manual_seed(0)
    if model == "cifar_cnn":
        net: Any = nn.Sequential(
            nn.Conv2d(3, 32, 3),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(64, 64, 3),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(1024, 64),
            nn.ReLU(),
            nn.Linear(64, 10),
        )
        return net, nn.CrossEntropyLoss()
    if model == "lenet5":
        net = nn.Sequential(
            nn.Conv2d(1, 6, 5),
            nn.Tanh(),
            nn.AvgPool2d(2),
            nn.Conv2d(6, 16, 5),
            nn.Tanh(),
            nn.AvgPool2d(2),
            nn.Conv2d(16, 120, 5),
            nn.Tanh(),
            nn.Flatten(),
            nn.Linear(120, 84),
            nn.Tanh(),
            nn.Linear(84, 10),
        )
        return net, nn.CrossEntropyLoss()
    if model == "stacked_lstm":

        class Stacked(nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.l1 = nn.LSTM(1, 128, batch_first=True)
                self.l2 = nn.LSTM(128, 64, batch_first=True)
                self.out = nn.Linear(64, 1)

            def forward(self, v: Any) -> Any:
                return self.out(self.l2(self.l1(v)[0])[0][:, -1])

        return Stacked(), nn.MSELoss()
    if model == "gru_classifier":

        class Classifier(nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.gru = nn.GRU(16, 128, batch_first=True)
                self.out = nn.Linear(128, 10)

            def forward(self, v: Any) -> Any:
                return self.out(self.gru(v)[0][:, -1])

        return Classifier(), nn.CrossEntropyLoss()
    raise ValueError(f"unknown benchmark model {model!r}; expected one of {MODELS}")


def torch_data(model: str, x: np.ndarray, y: np.ndarray) -> tuple[Any, Any]:
    """``data()`` as torch tensors, images transposed to NCHW (PyTorch's default layout)."""
    import torch

    if x.ndim == 4:
        x = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
    return torch.from_numpy(x), torch.from_numpy(y)
