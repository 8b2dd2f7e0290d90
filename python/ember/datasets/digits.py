"""Handwritten digits 8x8 (UCI optical recognition, Alpaydin & Kaynak 1998), bundled with ember.

1,797 grayscale 8x8 images with pixel values 0..16 and labels 0..9, shipped inside the
package (``ember/datasets/data/digits.csv.gz``, CC BY 4.0; see the README beside it), so it
loads with no download: the dataset for examples, tests and teaching on any machine.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path

import numpy as np

__all__ = ["load_data"]

DATA_FILE = Path(__file__).parent / "data" / "digits.csv.gz"
NUM_CLASSES = 10
IMAGE_SIZE = 8
MAX_PIXEL = 16
DEFAULT_SEED = 113  # Keras' default seed for its split datasets (boston_housing, imdb)


@functools.lru_cache(maxsize=1)
def _read_all() -> tuple[np.ndarray, np.ndarray]:
    """All instances in file order as read-only (images (n, 8, 8), labels (n,)) uint8 arrays."""
    table = np.loadtxt(DATA_FILE, delimiter=",", dtype=np.int64, ndmin=2)
    if table.shape[1] != IMAGE_SIZE * IMAGE_SIZE + 1:
        raise ValueError(f"{DATA_FILE}: expected 65 columns, found {table.shape[1]}")
    pixels, labels = table[:, :-1], table[:, -1]
    if pixels.min() < 0 or pixels.max() > MAX_PIXEL:
        raise ValueError(f"{DATA_FILE}: pixel values outside 0..{MAX_PIXEL}")
    if labels.min() < 0 or labels.max() >= NUM_CLASSES:
        raise ValueError(f"{DATA_FILE}: labels outside 0..{NUM_CLASSES - 1}")
    images = pixels.astype(np.uint8).reshape(-1, IMAGE_SIZE, IMAGE_SIZE)
    labels = labels.astype(np.uint8)
    images.flags.writeable = False
    labels.flags.writeable = False
    return images, labels


def load_data(
    test_split: float = 0.2, seed: int = DEFAULT_SEED
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load the bundled 8x8 digits as ``(x_train, y_train), (x_test, y_test)``.

    ``x`` is uint8 of shape (n, 8, 8) with values 0..16 (not 0..255: divide by 16 to get
    0..1), ``y`` uint8 (n,) with digits 0..9. The split is stratified and deterministic:
    with ``numpy.random.RandomState(seed)`` (whose stream numpy keeps fixed across versions),
    each class's instances, in file order, are permuted and the first
    ``floor(class_size * test_split + 0.5)`` go to the test set; the train and test sets are
    then each shuffled with the same generator. The defaults give 1438 training and 359 test
    images, each class in both sets in the proportion of the whole.

    Args:
        test_split: fraction of each class held out for testing, in [0, 1).
        seed: seed of the split (an integer in [0, 2**32)); the same seed gives the same split.

    Raises:
        ValueError: ``test_split`` is outside [0, 1) or ``seed`` outside [0, 2**32).

    Example:
        >>> (x_train, y_train), (x_test, y_test) = ember.datasets.digits.load_data()
        >>> x_train.shape, x_test.shape, x_train.dtype, int(x_train.max())
        ((1438, 8, 8), (359, 8, 8), dtype('uint8'), 16)
    """
    if not (isinstance(test_split, (int, float)) and 0.0 <= test_split < 1.0):
        raise ValueError(
            f"ember.datasets.digits.load_data: test_split must be a number in [0, 1), "
            f"received {test_split!r}"
        )
    if not (isinstance(seed, (int, np.integer)) and 0 <= seed < 2**32):
        raise ValueError(
            f"ember.datasets.digits.load_data: seed must be an integer in [0, 2**32), "
            f"received {seed!r}"
        )
    images, labels = _read_all()
    rng = np.random.RandomState(int(seed))
    train_parts, test_parts = [], []
    for digit in range(NUM_CLASSES):
        members = np.flatnonzero(labels == digit)
        members = members[rng.permutation(len(members))]
        n_test = math.floor(len(members) * test_split + 0.5)
        test_parts.append(members[:n_test])
        train_parts.append(members[n_test:])
    train = np.concatenate(train_parts)
    train = train[rng.permutation(len(train))]
    test = np.concatenate(test_parts)
    test = test[rng.permutation(len(test))]
    return (images[train], labels[train]), (images[test], labels[test])
