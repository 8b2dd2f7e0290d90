"""``python -m ember demo``: train a small CNN on the bundled handwritten digits.

A seed-style Keras model (Conv2D - MaxPooling2D - Conv2D - Flatten - Dense) learns the UCI
8x8 digits that ship inside the package, with a progress bar, then reports test accuracy and
training throughput.

Example:
    >>> from ember.demo import run_cnn_demo
    >>> run_cnn_demo(epochs=1, verbose=0)["test_accuracy"] > 0.5  # doctest: +SKIP
    True
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np


def build_digits_cnn() -> Any:
    """Conv2D - MaxPooling2D - Conv2D - Flatten - Dense, as in the course material."""
    import ember
    from ember import layers

    return ember.Sequential(
        [
            layers.Conv2D(32, (3, 3), padding="same", activation="relu", input_shape=(8, 8, 1)),
            layers.MaxPooling2D((2, 2)),
            layers.Conv2D(64, (3, 3), padding="same", activation="relu"),
            layers.Flatten(),
            layers.Dense(64, activation="relu"),
            layers.Dropout(0.3),
            layers.Dense(10, activation="softmax"),
        ]
    )


def run_cnn_demo(epochs: int = 30, batch_size: int = 32, verbose: int = 1, seed: int = 0) -> dict:
    """Train the digits CNN; returns test accuracy and training samples per second."""
    import ember
    from ember.datasets import digits

    ember.utils.set_random_seed(seed)
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    x_train = (x_train[..., None] / 16.0).astype(np.float32)
    x_test = (x_test[..., None] / 16.0).astype(np.float32)
    model = build_digits_cnn()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    if verbose:
        print(
            f"ember {ember.__version__} on {ember.build_info()['isa']} with "
            f"{ember.get_num_threads()} threads: digits CNN, {len(x_train)} training and "
            f"{len(x_test)} test images (8x8)"
        )
        model.summary()
    start = time.perf_counter()
    # The test split is shown as validation data while training; it is never trained on.
    model.fit(
        x_train,
        y_train,
        batch_size=batch_size,
        epochs=epochs,
        verbose=verbose,
        validation_data=(x_test, y_test),
    )
    seconds = time.perf_counter() - start
    samples_per_s = epochs * len(x_train) / seconds
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    if verbose:
        print(f"test accuracy: {accuracy:.4f}  (test loss {loss:.4f})")
        print(f"training: {samples_per_s:,.0f} samples/s ({seconds:.1f} s for {epochs} epochs)")
    return {
        "test_accuracy": float(accuracy),
        "test_loss": float(loss),
        "samples_per_s": samples_per_s,
        "seconds": seconds,
    }
