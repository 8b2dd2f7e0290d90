"""Fashion-MNIST (Zalando Research): 60,000 + 10,000 28x28 grayscale images of clothing, 10 classes.

Labels: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt, 7 Sneaker,
8 Bag, 9 Ankle boot. ``load_data()`` returns what ``keras.datasets.fashion_mnist.load_data()``
returns, read from the original IDX files in ``$EMBER_DATA_DIR/fashion_mnist/`` (default
``~/.ember/datasets/fashion_mnist/``), which are downloaded there with a SHA-256 check when
missing.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ember.datasets import _cache
from ember.datasets._idx_dataset import IdxDataset, load_idx_dataset

__all__ = ["load_data"]

# SHA-256 and sizes as listed in tensorflow_datasets/url_checksums/fashion_mnist.txt for the
# S3 URLs below; public loaders list the same SHA-256 for the GitHub copy (and Zalando's MD5s).
SPEC = IdxDataset(
    title="ember.datasets.fashion_mnist",
    folder="fashion_mnist",
    mirrors=(
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://github.com/zalandoresearch/fashion-mnist/raw/master/data/fashion/",
    ),
    files={
        "train-images-idx3-ubyte": (
            "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
            26421880,
        ),
        "train-labels-idx1-ubyte": (
            "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
            29515,
        ),
        "t10k-images-idx3-ubyte": (
            "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
            4422102,
        ),
        "t10k-labels-idx1-ubyte": (
            "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
            5148,
        ),
    },
)


def load_data(
    path: str | os.PathLike | None = None,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load Fashion-MNIST as ``(x_train, y_train), (x_test, y_test)``, like Keras.

    ``x_train`` is uint8 of shape (60000, 28, 28), ``y_train`` uint8 (60000,) with classes
    0..9, ``x_test`` uint8 (10000, 28, 28), ``y_test`` uint8 (10000,), in the files' order.

    Args:
        path: ember's addition (Keras takes no argument): a folder holding the four IDX files,
            used instead of ``$EMBER_DATA_DIR/fashion_mnist/`` or
            ``~/.ember/datasets/fashion_mnist/``.

    Raises:
        DownloadError: files are missing and could not be downloaded (the message names the
            files, their URLs and the folder to put them in); ChecksumError when a download
            had the wrong SHA-256.
        ValueError: a file is truncated or malformed (the message names it and the fault).

    Example:
        >>> (x_train, y_train), (x_test, y_test) = ember.datasets.fashion_mnist.load_data()
        >>> x_train.shape, x_train.dtype, int(y_train.max())
        ((60000, 28, 28), dtype('uint8'), 9)
    """
    folder = _cache.data_dir(SPEC.folder) if path is None else Path(path).expanduser()
    return load_idx_dataset(SPEC, folder)
