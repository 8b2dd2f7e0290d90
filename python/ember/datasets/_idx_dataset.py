"""The four-file IDX layout shared by MNIST and Fashion-MNIST.

Both ship ``train-images-idx3-ubyte.gz``, ``train-labels-idx1-ubyte.gz``,
``t10k-images-idx3-ubyte.gz`` and ``t10k-labels-idx1-ubyte.gz``: 28x28 uint8 images and
uint8 labels 0..9. Each file is looked for gzipped (as downloaded) and then gunzipped (the
same name without ``.gz``); what is missing is downloaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ember.datasets import _cache
from ember.datasets._idx import read_idx

IMAGE_SIZE = 28
NUM_CLASSES = 10
TRAIN_IMAGES = "train-images-idx3-ubyte"
TRAIN_LABELS = "train-labels-idx1-ubyte"
TEST_IMAGES = "t10k-images-idx3-ubyte"
TEST_LABELS = "t10k-labels-idx1-ubyte"
STEMS = (TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)


@dataclass(frozen=True)
class IdxDataset:
    """Where one MNIST-like dataset lives: its public name, folder name, mirrors and checksums.

    ``files`` maps each stem in :data:`STEMS` to the published (SHA-256, size in bytes) of its
    ``.gz`` file; ``mirrors`` are base URLs the ``.gz`` names are appended to, tried in order.
    """

    title: str
    folder: str
    mirrors: tuple[str, ...]
    files: dict[str, tuple[str, int]]

    def remote(self, stem: str) -> _cache.RemoteFile:
        sha256, size = self.files[stem]
        name = f"{stem}.gz"
        return _cache.RemoteFile(name, tuple(m + name for m in self.mirrors), sha256, size)


def check_split(
    x: np.ndarray, y: np.ndarray, x_source: object, y_source: object
) -> tuple[np.ndarray, np.ndarray]:
    """Check that images are (n, 28, 28) uint8 and labels (n,) uint8 in 0..9; return them."""
    if x.dtype != np.uint8 or x.ndim != 3 or x.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE):
        raise ValueError(
            f"{x_source}: wrong dimensions: expected uint8 images of shape "
            f"(n, {IMAGE_SIZE}, {IMAGE_SIZE}), received {x.dtype} {x.shape}"
        )
    if y.dtype != np.uint8 or y.ndim != 1:
        raise ValueError(
            f"{y_source}: expected uint8 labels of shape (n,), received {y.dtype} {y.shape}"
        )
    if len(x) != len(y):
        raise ValueError(f"{x_source} holds {len(x)} images but {y_source} holds {len(y)} labels")
    if y.size and int(y.max()) >= NUM_CLASSES:
        index = int(np.argmax(y >= NUM_CLASSES))
        raise ValueError(
            f"{y_source}: label {int(y[index])} at index {index} is out of range "
            f"0..{NUM_CLASSES - 1}"
        )
    return x, y


def _find(folder: Path, stem: str) -> Path | None:
    for name in (f"{stem}.gz", stem):
        if (folder / name).is_file():
            return folder / name
    return None


def load_idx_dataset(
    spec: IdxDataset, folder: Path
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Read (downloading what is missing) the four IDX files in ``folder``.

    Example:
        >>> (x_train, y_train), (x_test, y_test) = load_idx_dataset(MNIST, folder)  # doctest: +SKIP
    """
    missing = [spec.remote(stem) for stem in STEMS if _find(folder, stem) is None]
    _cache.download_missing(
        spec.title,
        folder,
        missing,
        note="Each file may also be stored gunzipped, under its name without '.gz'.",
    )
    paths = {}
    for stem in STEMS:
        path = _find(folder, stem)
        if path is None:  # removed between the download and now
            raise FileNotFoundError(f"{spec.title}: {folder / (stem + '.gz')} disappeared")
        paths[stem] = path
    train = check_split(
        read_idx(paths[TRAIN_IMAGES], 3),
        read_idx(paths[TRAIN_LABELS], 1),
        paths[TRAIN_IMAGES],
        paths[TRAIN_LABELS],
    )
    test = check_split(
        read_idx(paths[TEST_IMAGES], 3),
        read_idx(paths[TEST_LABELS], 1),
        paths[TEST_IMAGES],
        paths[TEST_LABELS],
    )
    return train, test
