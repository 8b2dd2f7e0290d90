"""MNIST handwritten digits: 60,000 training and 10,000 test images, 28x28 grayscale, 10 classes.

``load_data()`` returns what ``keras.datasets.mnist.load_data()`` returns, read from the
original IDX files in ``$EMBER_DATA_DIR/mnist/`` (default ``~/.ember/datasets/mnist/``),
which are downloaded there with a SHA-256 check when missing. Without network, download
the four files named in the error message by hand and put them in that folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ember.datasets import _cache
from ember.datasets._idx_dataset import IdxDataset, check_split, load_idx_dataset

__all__ = ["load_data"]

KERAS_DEFAULT_PATH = "mnist.npz"

# SHA-256 and sizes of the original gzipped IDX files, as listed for the same file names in
# tensorflow_datasets/url_checksums/mnist.txt (cvdf-datasets mirror) and in other public
# loaders for the ossci and yann.lecun.com copies; the mirrors serve byte-identical files
# (torchvision checks one MD5 per file for both of its mirrors).
SPEC = IdxDataset(
    title="ember.datasets.mnist",
    folder="mnist",
    mirrors=(
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
        "https://yann.lecun.com/exdb/mnist/",
    ),
    files={
        "train-images-idx3-ubyte": (
            "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
            9912422,
        ),
        "train-labels-idx1-ubyte": (
            "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
            28881,
        ),
        "t10k-images-idx3-ubyte": (
            "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
            1648877,
        ),
        "t10k-labels-idx1-ubyte": (
            "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
            4542,
        ),
    },
)


def _load_npz(path: Path) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Read a Keras-style ``mnist.npz`` (arrays x_train, y_train, x_test, y_test), no pickle."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in ("x_train", "y_train", "x_test", "y_test")}
    except KeyError as error:
        raise ValueError(f"{path}: not a Keras MNIST .npz file: {error}") from error
    except (OSError, ValueError, MemoryError) as error:  # MemoryError: a forged shape
        raise ValueError(f"{path}: not a readable .npz file: {error}") from error
    train = check_split(
        arrays["x_train"], arrays["y_train"], f"{path}[x_train]", f"{path}[y_train]"
    )
    test = check_split(arrays["x_test"], arrays["y_test"], f"{path}[x_test]", f"{path}[y_test]")
    return train, test


def load_data(
    path: str | os.PathLike = KERAS_DEFAULT_PATH,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load MNIST as ``(x_train, y_train), (x_test, y_test)``, like ``keras.datasets.mnist``.

    ``x_train`` is uint8 of shape (60000, 28, 28), ``y_train`` uint8 (60000,) with digits 0..9,
    ``x_test`` uint8 (10000, 28, 28), ``y_test`` uint8 (10000,); pixels are 0 (background)
    to 255, in the files' order.

    Args:
        path: Keras' argument, with a meaning that fits ember's original-file cache:

            - ``"mnist.npz"`` (the default): use the dataset folder, ``$EMBER_DATA_DIR/mnist/``
              or ``~/.ember/datasets/mnist/``, downloading missing files there.
            - any other name ending in ``.npz``: an existing Keras-style ``mnist.npz`` (for
              example ``~/.keras/datasets/mnist.npz``), read without pickle and checked.
            - anything else: a folder to use instead of the dataset folder.

    Raises:
        DownloadError: files are missing and could not be downloaded (the message names the
            files, their URLs and the folder to put them in); ChecksumError when a download
            had the wrong SHA-256.
        ValueError: a file is truncated or malformed (the message names it and the fault).
        FileNotFoundError: ``path`` names a ``.npz`` file that does not exist.

    Example:
        >>> (x_train, y_train), (x_test, y_test) = ember.datasets.mnist.load_data()
        >>> x_train.shape, x_train.dtype, y_test.shape
        ((60000, 28, 28), dtype('uint8'), (10000,))
    """
    if os.fspath(path) == KERAS_DEFAULT_PATH:
        return load_idx_dataset(SPEC, _cache.data_dir(SPEC.folder))
    chosen = Path(path).expanduser()
    if chosen.suffix == ".npz":
        if not chosen.is_file():
            raise FileNotFoundError(f"ember.datasets.mnist.load_data: no such .npz file: {chosen}")
        return _load_npz(chosen)
    return load_idx_dataset(SPEC, chosen)
