"""Parser for IDX files of unsigned bytes, the format of MNIST and Fashion-MNIST.

An IDX file is a 4-byte magic number ``00 00 <type> <ndim>`` (type 0x08 = unsigned byte),
``ndim`` big-endian uint32 dimension sizes, then the data in C order. Every size is checked
against what the file really holds before anything is allocated: a plain file's data size
must equal its size on disk minus the header; a gzipped file is read in bounded chunks, so a
forged header cannot make the parser allocate more than the file decompresses to.
"""

from __future__ import annotations

import gzip
import os
import struct
import zlib
from pathlib import Path
from typing import BinaryIO

import numpy as np

UNSIGNED_BYTE = 0x08
CHUNK_BYTES = 1 << 20
# Far above any IDX dataset ember loads (MNIST train images: 47 MB); stops decompression bombs.
MAX_DATA_BYTES = 1 << 30


def _read_up_to(f: BinaryIO, n: int) -> bytearray:
    """Read at most ``n`` bytes in bounded chunks (fewer only at end of file)."""
    buf = bytearray()
    while len(buf) < n:
        chunk = f.read(min(CHUNK_BYTES, n - len(buf)))
        if not chunk:
            break
        buf += chunk
    return buf


def _parse(f: BinaryIO, path: Path, ndim: int, file_bytes: int | None) -> np.ndarray:
    """Parse an IDX stream; ``file_bytes`` is the on-disk size of a plain (not gzipped) file."""
    header = _read_up_to(f, 4)
    if len(header) < 4:
        raise ValueError(f"{path}: truncated header: {len(header)} of 4 magic-number bytes")
    (magic,) = struct.unpack(">I", header)
    expected = (UNSIGNED_BYTE << 8) | ndim
    if magic != expected:
        raise ValueError(
            f"{path}: bad magic number 0x{magic:08X}, expected 0x{expected:08X} "
            f"(IDX of unsigned bytes with {ndim} dimension(s))"
        )
    raw_dims = _read_up_to(f, 4 * ndim)
    if len(raw_dims) < 4 * ndim:
        raise ValueError(
            f"{path}: truncated header: {len(raw_dims)} of {4 * ndim} dimension-size bytes"
        )
    dims = struct.unpack(f">{ndim}I", raw_dims)
    if 0 in dims:
        raise ValueError(f"{path}: header has a zero dimension {dims}")
    n_bytes = 1
    for d in dims:
        n_bytes *= d  # Python int: no overflow
    header_bytes = 4 + 4 * ndim
    if file_bytes is not None and n_bytes != file_bytes - header_bytes:
        held = file_bytes - header_bytes
        what = "truncated data" if held < n_bytes else "trailing bytes after the data"
        raise ValueError(
            f"{path}: {what}: header dimensions {dims} need {n_bytes} data bytes, "
            f"the file holds {held}"
        )
    if n_bytes > MAX_DATA_BYTES:
        raise ValueError(
            f"{path}: header dimensions {dims} claim {n_bytes} data bytes, more than the "
            f"{MAX_DATA_BYTES} this loader accepts"
        )
    data = _read_up_to(f, n_bytes + 1)
    if len(data) < n_bytes:
        raise ValueError(
            f"{path}: truncated data: header dimensions {dims} need {n_bytes} data bytes, "
            f"the file holds {len(data)}"
        )
    if len(data) > n_bytes:
        raise ValueError(
            f"{path}: trailing bytes after the data: header dimensions {dims} need "
            f"{n_bytes} data bytes, the file holds more"
        )
    return np.frombuffer(data, dtype=np.uint8).reshape(dims)


def read_idx(path: str | os.PathLike, ndim: int) -> np.ndarray:
    """Read an IDX file of unsigned bytes with ``ndim`` dimensions into a uint8 array.

    A name ending in ``.gz`` is read as gzip. Raises ValueError naming the file and the fault
    (bad gzip, bad magic number, wrong number of dimensions, truncated header or data,
    trailing bytes, sizes too large).

    Example:
        >>> images = read_idx("train-images-idx3-ubyte.gz", ndim=3)  # doctest: +SKIP
        >>> images.shape, images.dtype
        ((60000, 28, 28), dtype('uint8'))
    """
    path = Path(path)
    if not path.name.endswith(".gz"):
        with open(path, "rb") as f:
            return _parse(f, path, ndim, os.fstat(f.fileno()).st_size)
    with open(path, "rb") as raw:
        if raw.read(2) != b"\x1f\x8b":
            raise ValueError(f"{path}: bad gzip: the file does not start with the gzip magic")
        raw.seek(0)
        try:
            with gzip.GzipFile(fileobj=raw, mode="rb") as f:
                return _parse(f, path, ndim, None)
        except (gzip.BadGzipFile, EOFError, zlib.error) as error:
            raise ValueError(f"{path}: bad gzip: {error}") from error
