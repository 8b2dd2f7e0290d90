"""Many-to-one sequence classification: padded token sequences -> one label.

A toy sentiment task that needs the whole sequence: each review is a variable-length list of
word ids; the label says whether "good" words (ids 1-20) outnumber "bad" words (ids 21-40),
with neutral filler words (41-99) in between. Id 0 is padding: Embedding(mask_zero=True)
makes the LSTM skip it.

    python examples/sequence_classification.py
"""

from __future__ import annotations

import argparse

import numpy as np

import ember
from ember import layers


def make_reviews(n: int, max_len: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    x = np.zeros((n, max_len), np.int64)
    y = np.zeros(n, np.int64)
    for i in range(n):
        length = rng.integers(5, max_len + 1)
        words = rng.integers(41, 100, length)
        sentiment = rng.integers(1, 6, size=2)  # how many good and bad words
        good = rng.choice(length, sentiment[0], replace=False)
        words[good] = rng.integers(1, 21, sentiment[0])
        rest = np.setdiff1d(np.arange(length), good)
        bad = rng.choice(rest, min(sentiment[1], len(rest)), replace=False)
        words[bad] = rng.integers(21, 41, len(bad))
        x[i, :length] = words
        y[i] = int(sentiment[0] > len(bad))
    return x, y


def main(epochs: int = 12, verbose: int = 2, seed: int = 0) -> float:
    ember.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    x_train, y_train = make_reviews(2000, 30, rng)
    x_test, y_test = make_reviews(500, 30, rng)
    model = ember.Sequential(
        [
            layers.Embedding(100, 16, mask_zero=True, input_shape=(30,)),
            layers.LSTM(32),
            layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(
        optimizer=ember.optimizers.Adam(3e-3), loss="binary_crossentropy", metrics=["accuracy"]
    )
    model.fit(x_train, y_train, epochs=epochs, batch_size=32, validation_split=0.1, verbose=verbose)
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    baseline = max(y_test.mean(), 1 - y_test.mean())
    print(f"test accuracy {accuracy:.3f} (majority-class baseline {baseline:.3f})")
    return float(accuracy)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=12)
    main(ap.parse_args().epochs)
