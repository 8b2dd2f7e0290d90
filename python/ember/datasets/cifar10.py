"""CIFAR-10 (Krizhevsky, 2009): 50,000 + 10,000 32x32 colour images, 10 classes.

Labels: 0 airplane, 1 automobile, 2 bird, 3 cat, 4 deer, 5 dog, 6 frog, 7 horse, 8 ship,
9 truck. ``load_data()`` returns what ``keras.datasets.cifar10.load_data()`` returns, read from
the original "binary version" (never the pickled "python version") in
``$EMBER_DATA_DIR/cifar10/`` (default ``~/.ember/datasets/cifar10/``): either the extracted
``cifar-10-batches-bin/`` folder or the tarball ``cifar-10-binary.tar.gz``, which is downloaded
there with a SHA-256 check when neither is present.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ember.datasets import _cache
from ember.datasets._cifar import read_batch, read_tar_batches

__all__ = ["load_data"]

FOLDER = "cifar10"
BATCH_DIR = "cifar-10-batches-bin"
TRAIN_BATCHES = tuple(f"data_batch_{i}.bin" for i in range(1, 6))
TEST_BATCH = "test_batch.bin"
BATCHES = (*TRAIN_BATCHES, TEST_BATCH)

# SHA-256 and size as listed in tensorflow_datasets/url_checksums/cifar10.txt for this URL
# (also published elsewhere; the CIFAR page itself gives MD5 c32a1d4ab5d03f1284b67883e8d87530).
TARBALL = _cache.RemoteFile(
    name="cifar-10-binary.tar.gz",
    urls=("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",),
    sha256="c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd",
    size=170052171,
)


def load_data(
    path: str | os.PathLike | None = None,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load CIFAR-10 as ``(x_train, y_train), (x_test, y_test)``, like Keras.

    ``x_train`` is uint8 of shape (50000, 32, 32, 3) (channels-last, RGB), ``y_train`` uint8
    (50000, 1) with classes 0..9, ``x_test`` uint8 (10000, 32, 32, 3), ``y_test`` uint8
    (10000, 1); training images are batches 1 to 5 in order. Unlike Keras' transposed view,
    the image arrays are C-contiguous.

    Args:
        path: ember's addition (Keras takes no argument): a folder holding
            ``cifar-10-batches-bin/`` or ``cifar-10-binary.tar.gz``, used instead of
            ``$EMBER_DATA_DIR/cifar10/`` or ``~/.ember/datasets/cifar10/``.

    Raises:
        DownloadError: the data is missing and could not be downloaded (the message names the
            file, its URL and the folder to put it in); ChecksumError when the download had the
            wrong SHA-256.
        ValueError: a batch or the tarball is truncated or malformed (the message names it).

    Example:
        >>> (x_train, y_train), (x_test, y_test) = ember.datasets.cifar10.load_data()
        >>> x_train.shape, x_train.dtype, y_train.shape
        ((50000, 32, 32, 3), dtype('uint8'), (50000, 1))
    """
    folder = _cache.data_dir(FOLDER) if path is None else Path(path).expanduser()
    extracted = folder / BATCH_DIR
    if all((extracted / name).is_file() for name in BATCHES):
        batches = {name: read_batch(extracted / name) for name in BATCHES}
    else:
        tarball = folder / TARBALL.name
        if not tarball.is_file():
            _cache.download_missing(
                "ember.datasets.cifar10",
                folder,
                [TARBALL],
                note=f"Instead of the tarball, its extracted folder {extracted} "
                f"with {', '.join(BATCHES)} is accepted.",
            )
        members = read_tar_batches(tarball, [f"{BATCH_DIR}/{name}" for name in BATCHES])
        batches = {name: members[f"{BATCH_DIR}/{name}"] for name in BATCHES}
    x_train = np.concatenate([batches[name][0] for name in TRAIN_BATCHES])
    y_train = np.concatenate([batches[name][1] for name in TRAIN_BATCHES]).reshape(-1, 1)
    x_test, y_test = batches[TEST_BATCH]
    return (x_train, y_train), (x_test, y_test.reshape(-1, 1))
