"""``python -m ember demo``: train a CNN and an LSTM forecaster on data bundled in the package.

1. A seed-style Keras CNN (Conv2D - MaxPooling2D - Conv2D - Flatten - Dense) learns the UCI
   8x8 handwritten digits, with a progress bar, then reports test accuracy and throughput.
2. An LSTM reads a year (52 weeks) of the Mauna Loa CO2 record and forecasts the next week;
   it reports the test RMSE in ppm next to the naive forecast "next week = this week".

Example:
    >>> from ember.demo import run_cnn_demo, run_lstm_demo
    >>> run_cnn_demo(epochs=1, verbose=0)["test_accuracy"] > 0.5  # doctest: +SKIP
    True
    >>> r = run_lstm_demo(epochs=2, verbose=0)  # doctest: +SKIP
    >>> r["test_rmse"] < r["naive_rmse"]  # doctest: +SKIP
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


def build_co2_forecaster(window: int) -> Any:
    """LSTM(32) -> Dense(1): a window of weekly changes -> the next week's change."""
    import ember
    from ember import layers

    return ember.Sequential([layers.LSTM(32, input_shape=(window, 1)), layers.Dense(1)])


def run_lstm_demo(
    epochs: int = 15, batch_size: int = 32, window: int = 52, verbose: int = 1, seed: int = 0
) -> dict:
    """Forecast next week's CO2 at Mauna Loa from the last ``window`` weeks.

    The model learns the week-to-week changes (the trend-free, seasonal part of the series),
    scaled by their training-set spread; a forecast is the last observed value plus the
    predicted change. The split is by time: the first 80 % of windows train, the last 20 %
    (about 1993-2001) test. Returns the test RMSE in ppm and that of the naive forecast.
    """
    import ember
    from ember.datasets import co2

    ember.utils.set_random_seed(seed)
    dates, values = co2.load_data()
    changes = np.diff(values)
    x, y = co2.windows(changes, window=window)
    split = int(0.8 * len(x))
    # Scale from training data only, so nothing about the test period leaks in.
    scale = float(changes[: split + window].std())
    x_train, y_train = x[:split] / scale, y[:split] / scale
    x_test, truth = x[split:] / scale, y[split:, 0]
    model = build_co2_forecaster(window)
    model.compile(optimizer=ember.optimizers.Adam(3e-3), loss="mse")
    if verbose:
        print(
            f"\nMauna Loa CO2, weekly {dates[0]} .. {dates[-1]}: LSTM forecaster, "
            f"{len(x_train)} training and {len(x_test)} test windows of {window} weeks"
        )
    start = time.perf_counter()
    model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, verbose=verbose)
    seconds = time.perf_counter() - start
    predicted = model.predict(x_test, verbose=0)[:, 0] * scale
    # Errors of level forecasts equal errors of change forecasts: both add the same last value.
    rmse = float(np.sqrt(np.mean((predicted - truth) ** 2)))
    naive = float(np.sqrt(np.mean(truth**2)))  # "no change": next week = this week
    if verbose:
        print(
            f"test RMSE: {rmse:.3f} ppm  (naive last-value forecast: {naive:.3f} ppm, "
            f"{100 * (1 - rmse / naive):.0f} % lower)"
        )
        print(f"training: {seconds:.1f} s for {epochs} epochs")
    return {"test_rmse": rmse, "naive_rmse": naive, "seconds": seconds}
