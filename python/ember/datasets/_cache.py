"""The dataset folder, and how a missing file is downloaded and verified.

A dataset called ``name`` keeps its files in ``$EMBER_DATA_DIR/<name>/`` when the environment
variable ``EMBER_DATA_DIR`` is set (and not empty), else in ``~/.ember/datasets/<name>/``.
A missing file is downloaded from its mirrors in order. Each download goes to a temporary file
in the same folder, is checked against its published SHA-256 (and size), flushed to disk with
fsync, and only then renamed to its final name, so an interrupted or corrupted download never
leaves a file that looks complete. Set ``EMBER_DATA_OFFLINE=1`` to never touch the network:
a missing file then raises :class:`DownloadError` at once, with the instructions to fetch it.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import tempfile
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ember._version import __version__

CHUNK_BYTES = 1 << 20
TIMEOUT_S = 30.0


class DownloadError(OSError):
    """A dataset file is missing and could not be downloaded.

    The message names the files needed, the folder to put them in and their URLs.

    Example:
        >>> try:
        ...     ember.datasets.mnist.load_data()
        ... except ember.datasets.DownloadError as error:
        ...     print(error)  # doctest: +SKIP
    """


class ChecksumError(DownloadError):
    """A downloaded file's SHA-256 differs from the published one; the file was discarded.

    Example:
        >>> issubclass(ember.datasets.ChecksumError, ember.datasets.DownloadError)
        True
    """


@dataclass(frozen=True)
class RemoteFile:
    """One file of a dataset: its name in the folder, its mirrors, SHA-256 and size in bytes."""

    name: str
    urls: tuple[str, ...]
    sha256: str
    size: int


def data_dir(name: str) -> Path:
    """The folder that holds the files of dataset ``name`` (it may not exist yet).

    Example:
        >>> data_dir("mnist").name
        'mnist'
    """
    root = os.environ.get("EMBER_DATA_DIR", "")
    base = Path(root).expanduser() if root else Path.home() / ".ember" / "datasets"
    return base / name


def sha256_file(path: str | os.PathLike) -> str:
    """The SHA-256 of a file's bytes as 64 lowercase hex digits.

    Example:
        >>> len(sha256_file(__file__))
        64
    """
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fetch(url: str, timeout: float = TIMEOUT_S) -> BinaryIO:
    """Open ``url`` for reading. The only function here that touches the network.

    Example:
        >>> with fetch("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz") as response:
        ...     head = response.read(2)  # doctest: +SKIP
    """
    request = urllib.request.Request(url, headers={"User-Agent": f"ember/{__version__}"})
    return urllib.request.urlopen(request, timeout=timeout)


def offline() -> bool:
    """Whether ``EMBER_DATA_OFFLINE`` forbids downloads (any value but "", "0", "false", "no").

    Example:
        >>> isinstance(offline(), bool)
        True
    """
    return os.environ.get("EMBER_DATA_OFFLINE", "").strip().lower() not in ("", "0", "false", "no")


def _fsync_dir(folder: Path) -> None:
    """Make a rename inside ``folder`` durable (POSIX); a no-op where a folder cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _download_from(url: str, remote: RemoteFile, dest: Path) -> None:
    """Download one URL to ``dest`` atomically, or raise and leave nothing behind."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        received = 0
        with os.fdopen(fd, "wb") as out, fetch(url) as response:
            while True:
                chunk = response.read(CHUNK_BYTES)
                if not chunk:
                    break
                received += len(chunk)
                if received > remote.size:
                    raise ChecksumError(
                        f"{url}: sent more than the expected {remote.size} bytes; discarded"
                    )
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        got = digest.hexdigest()
        if got != remote.sha256:
            raise ChecksumError(
                f"{url}: SHA-256 {got} of the {received} bytes received does not match the "
                f"published {remote.sha256} ({remote.size} bytes); discarded"
            )
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(dest.parent)


def download(remote: RemoteFile, folder: Path) -> Path:
    """Download ``remote`` into ``folder``, trying each mirror until one gives the right bytes.

    Raises :class:`ChecksumError` when a mirror answered with wrong bytes and none with the right
    ones, :class:`DownloadError` when no mirror could be reached.

    Example:
        >>> download(remote, data_dir("mnist"))  # doctest: +SKIP
        PosixPath('/home/me/.ember/datasets/mnist/train-images-idx3-ubyte.gz')
    """
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / remote.name
    failures: list[str] = []
    bad_bytes = False
    for url in remote.urls:
        try:
            _download_from(url, remote, dest)
            return dest
        except ChecksumError as error:
            bad_bytes = True
            failures.append(str(error))
        except (OSError, http.client.HTTPException, ValueError) as error:
            failures.append(f"{url}: {error}")
    kind = ChecksumError if bad_bytes else DownloadError
    raise kind("\n".join(failures))


def download_missing(
    dataset: str, folder: Path, missing: Sequence[RemoteFile], note: str = ""
) -> None:
    """Download every file in ``missing`` into ``folder`` or raise one instructive error.

    The error (a :class:`DownloadError`, or :class:`ChecksumError` when the bytes were wrong)
    names the dataset, every missing file with its URL, the folder to put them in, and why
    the download failed. ``note`` adds a line (e.g. which other file names are accepted).

    Example:
        >>> download_missing("ember.datasets.mnist", data_dir("mnist"), [remote])  # doctest: +SKIP
    """
    if not missing:
        return
    if offline():
        reason: Exception = DownloadError("downloads are disabled by EMBER_DATA_OFFLINE")
    else:
        try:
            for remote in missing:
                download(remote, folder)
            return
        except DownloadError as error:
            reason = error
        missing = [remote for remote in missing if not (folder / remote.name).is_file()]
    lines = [
        f"{dataset}: {len(missing)} file(s) missing from {folder} and could not be downloaded.",
        "Download them yourself and put them in that folder "
        "(or point EMBER_DATA_DIR at a folder that has a subfolder "
        f"{folder.name!r} holding them):",
    ]
    for remote in missing:
        lines.append(f"  {remote.name}  ({remote.size} bytes, sha256 {remote.sha256})")
        lines.extend(f"      {url}" for url in remote.urls)
    if note:
        lines.append(note)
    lines.append("Download failed:")
    lines.extend(f"  {line}" for line in str(reason).splitlines())
    raise type(reason)("\n".join(lines)) from reason
