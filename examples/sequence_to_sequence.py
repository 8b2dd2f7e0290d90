"""Many-to-many sequence labelling: a noisy signal in, a clean value out at every step.

LSTM(return_sequences=True) feeds TimeDistributed(Dense(1)), so the model predicts one value
per time step. The task: recover a smooth wave from noisy samples, which needs the context of
neighbouring steps (a single step is too noisy).

    python examples/sequence_to_sequence.py
"""

from __future__ import annotations

import argparse

import numpy as np

import ember
from ember import layers


def make_waves(n: int, steps: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    t = np.arange(steps)[None, :]
    freq = rng.uniform(0.05, 0.2, (n, 1))
    phase = rng.uniform(0, 2 * np.pi, (n, 1))
    clean = np.sin(2 * np.pi * freq * t + phase)
    noisy = clean + rng.normal(0, 0.4, clean.shape)
    return noisy[..., None].astype(np.float32), clean[..., None].astype(np.float32)


def main(epochs: int = 15, verbose: int = 2, seed: int = 0) -> float:
    ember.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    x_train, y_train = make_waves(2000, 40, rng)
    x_test, y_test = make_waves(400, 40, rng)
    model = ember.Sequential(
        [
            layers.Bidirectional(layers.LSTM(24, return_sequences=True), input_shape=(40, 1)),
            layers.TimeDistributed(layers.Dense(1)),
        ]
    )
    model.compile(optimizer=ember.optimizers.Adam(3e-3), loss="mse")
    model.fit(x_train, y_train, epochs=epochs, batch_size=32, validation_split=0.1, verbose=verbose)
    mse = model.evaluate(x_test, y_test, verbose=0)
    noise = float(((x_test - y_test) ** 2).mean())
    print(f"test MSE {mse:.4f} (the noisy input itself: {noise:.4f})")
    return float(mse)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=15)
    main(ap.parse_args().epochs)
