"""Datasets with Keras' ``load_data()`` API: ``(x_train, y_train), (x_test, y_test)``.

- :mod:`~ember.datasets.mnist`, :mod:`~ember.datasets.fashion_mnist`,
  :mod:`~ember.datasets.cifar10`: read the original files (IDX, CIFAR-10 binary; never pickle)
  from ``$EMBER_DATA_DIR/<name>/`` or ``~/.ember/datasets/<name>/``, downloading them there
  with a SHA-256 check when missing. Without network the error names the files to fetch by
  hand, their URLs and the folder; ``EMBER_DATA_OFFLINE=1`` skips download attempts.
- :mod:`~ember.datasets.digits`: 1,797 8x8 handwritten digits bundled in the package (UCI,
  CC BY 4.0), for use with no download at all.
- :mod:`~ember.datasets.co2`: the weekly Mauna Loa CO2 series 1958-2001 bundled in the package
  (public domain); ``load_data()`` returns ``(dates, values)``, ``windows()`` cuts it into
  (past values -> next value) pairs for forecasting.

Example:
    >>> from ember.datasets import digits
    >>> (x_train, y_train), (x_test, y_test) = digits.load_data()
    >>> x_train.shape, y_train.dtype
    ((1438, 8, 8), dtype('uint8'))
"""

from __future__ import annotations

from ember.datasets import cifar10, co2, digits, fashion_mnist, mnist
from ember.datasets._cache import ChecksumError, DownloadError

__all__ = [
    "ChecksumError",
    "DownloadError",
    "cifar10",
    "co2",
    "digits",
    "fashion_mnist",
    "mnist",
]
