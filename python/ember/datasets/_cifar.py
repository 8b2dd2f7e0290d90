"""Parser for the CIFAR-10 "binary version": batches of fixed-size records, plain or in a tarball.

Each record is 1 label byte (0..9) followed by 3072 pixel bytes: the 1024 red, then green,
then blue values of a 32x32 image, rows top to bottom (CHW). A batch file is a whole number
of records (10,000 in the published files). The tarball ``cifar-10-binary.tar.gz`` holds
them as ``cifar-10-batches-bin/<batch>.bin``; it is read member by member, never extracted.
"""

from __future__ import annotations

import gzip
import os
import tarfile
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

IMAGE_SIZE = 32
CHANNELS = 3
NUM_CLASSES = 10
RECORD_BYTES = 1 + CHANNELS * IMAGE_SIZE * IMAGE_SIZE
# A published batch is 10,000 records (30.7 MB); refuse anything over ten times that.
MAX_BATCH_BYTES = 10 * 10000 * RECORD_BYTES


def parse_batch(data: bytes, source: object) -> tuple[np.ndarray, np.ndarray]:
    """Split a batch's bytes into uint8 images (n, 32, 32, 3) channels-last and labels (n,).

    ``source`` names the batch in error messages. Raises ValueError when the size is not a
    whole, non-zero number of 3073-byte records or a label is above 9.

    Example:
        >>> images, labels = parse_batch(bytes(3073), "one black record")
        >>> images.shape, labels.tolist()
        ((1, 32, 32, 3), [0])
    """
    if len(data) == 0:
        raise ValueError(f"{source}: empty batch, expected {RECORD_BYTES}-byte records")
    if len(data) % RECORD_BYTES:
        raise ValueError(
            f"{source}: wrong record size: {len(data)} bytes is not a whole number of "
            f"{RECORD_BYTES}-byte records (1 label byte + {RECORD_BYTES - 1} pixel bytes); "
            "the file is truncated or not a CIFAR-10 binary batch"
        )
    records = np.frombuffer(data, dtype=np.uint8).reshape(-1, RECORD_BYTES)
    labels = records[:, 0].copy()
    if int(labels.max()) >= NUM_CLASSES:
        index = int(np.argmax(labels >= NUM_CLASSES))
        raise ValueError(
            f"{source}: label {int(labels[index])} in record {index} is out of range "
            f"0..{NUM_CLASSES - 1}"
        )
    chw = records[:, 1:].reshape(-1, CHANNELS, IMAGE_SIZE, IMAGE_SIZE)
    return np.ascontiguousarray(chw.transpose(0, 2, 3, 1)), labels


def read_batch(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Read one batch file (e.g. ``data_batch_1.bin``); see :func:`parse_batch`.

    Example:
        >>> images, labels = read_batch("cifar-10-batches-bin/test_batch.bin")  # doctest: +SKIP
        >>> images.shape, labels.shape
        ((10000, 32, 32, 3), (10000,))
    """
    path = Path(path)
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size > MAX_BATCH_BYTES:
            raise ValueError(f"{path}: {size} bytes is far more than a CIFAR-10 batch")
        return parse_batch(f.read(), path)


def read_tar_batches(
    path: str | os.PathLike, members: Sequence[str]
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Read the named batches (member paths such as ``cifar-10-batches-bin/test_batch.bin``).

    The gzipped tarball is streamed once; other members are skipped. Raises ValueError naming
    the tarball when it is not a valid .tar.gz, is truncated, lacks a member, or a member is
    not a regular file of plausible size or is not a valid batch.

    Example:
        >>> batches = read_tar_batches("cifar-10-binary.tar.gz",
        ...                            ["cifar-10-batches-bin/test_batch.bin"])  # doctest: +SKIP
    """
    path = Path(path)
    wanted = set(members)
    found: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    with open(path, "rb") as raw:
        try:
            with tarfile.open(fileobj=raw, mode="r|gz") as tar:
                for member in tar:
                    name = member.name[2:] if member.name.startswith("./") else member.name
                    if name not in wanted or name in found:
                        continue
                    source = f"{path}:{name}"
                    if not member.isfile():
                        raise ValueError(f"{source}: not a regular file in the archive")
                    if member.size > MAX_BATCH_BYTES:
                        raise ValueError(f"{source}: {member.size} bytes is far more than a batch")
                    f = tar.extractfile(member)
                    assert f is not None  # a regular file always has contents
                    found[name] = parse_batch(f.read(), source)  # short data: ReadError
        except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as error:
            raise ValueError(f"{path}: bad or truncated .tar.gz: {error}") from error
    lacking = [m for m in members if m not in found]
    if lacking:
        raise ValueError(f"{path}: the archive lacks {', '.join(lacking)}")
    return found
