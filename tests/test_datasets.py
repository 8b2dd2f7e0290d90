"""ember.datasets: loaders on files the tests write, download safety, malformed input, digits."""

from __future__ import annotations

import gzip
import hashlib
import inspect
import io
import math
import os
import struct
import tarfile
import tracemalloc
import urllib.error
from pathlib import Path

import numpy as np
import pytest

import ember.datasets
from ember.datasets import _cache, _cifar, _idx, _idx_dataset, cifar10, digits, fashion_mnist, mnist
from ember.datasets._idx_dataset import IdxDataset

MNIST_STEMS = _idx_dataset.STEMS
CIFAR_DIR = "cifar-10-batches-bin"


# ---------------------------------------------------------------------------------------------
# Writers of the original formats, independent of the code under test.


def idx_bytes(array: np.ndarray, magic: int | None = None) -> bytes:
    """An IDX file of unsigned bytes: magic 0x000008<ndim>, big-endian dims, data."""
    if magic is None:
        magic = 0x0800 | array.ndim
    header = struct.pack(">I", magic) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def write_file(path: Path, data: bytes, gz: bool) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if gz:
        path = path.with_name(path.name + ".gz")
        path.write_bytes(gzip.compress(data))
    else:
        path.write_bytes(data)
    return path


def make_mnist(rng: np.random.Generator, n_train: int = 7, n_test: int = 4):
    x_train = rng.integers(0, 256, size=(n_train, 28, 28), dtype=np.uint8)
    y_train = rng.integers(0, 10, size=n_train, dtype=np.uint8)
    x_test = rng.integers(0, 256, size=(n_test, 28, 28), dtype=np.uint8)
    y_test = rng.integers(0, 10, size=n_test, dtype=np.uint8)
    return (x_train, y_train), (x_test, y_test)


def write_mnist(folder: Path, arrays, gz=True) -> dict[str, Path]:
    """Write the four IDX files; ``gz`` is a bool or a per-stem dict."""
    (x_train, y_train), (x_test, y_test) = arrays
    contents = dict(zip(MNIST_STEMS, (x_train, y_train, x_test, y_test)))
    return {
        stem: write_file(folder / stem, idx_bytes(a), gz if isinstance(gz, bool) else gz[stem])
        for stem, a in contents.items()
    }


def cifar_batch_bytes(images_hwc: np.ndarray, labels) -> bytes:
    """CIFAR-10 binary records: label byte, then the red, green and blue planes."""
    out = bytearray()
    for image, label in zip(images_hwc, labels):
        out.append(int(label))
        for channel in range(3):
            out += image[:, :, channel].tobytes()
    return bytes(out)


def make_cifar(rng: np.random.Generator, sizes=(2, 3, 1, 2, 2), n_test=3):
    batches = {}
    for name, n in zip([*cifar10.TRAIN_BATCHES, cifar10.TEST_BATCH], [*sizes, n_test]):
        images = rng.integers(0, 256, size=(n, 32, 32, 3), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n, dtype=np.uint8)
        batches[name] = (images, labels)
    return batches


def write_cifar_dir(folder: Path, batches) -> Path:
    batch_dir = folder / CIFAR_DIR
    batch_dir.mkdir(parents=True, exist_ok=True)
    for name, (images, labels) in batches.items():
        (batch_dir / name).write_bytes(cifar_batch_bytes(images, labels))
    return batch_dir


def write_tar(path: Path, members: dict[str, bytes], prefix: str = CIFAR_DIR + "/") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(prefix + name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def cifar_members(batches) -> dict[str, bytes]:
    return {name: cifar_batch_bytes(*batch) for name, batch in batches.items()}


# ---------------------------------------------------------------------------------------------
# Fixtures


class NetworkUsed(Exception):
    """Raised by the default fetch stub: no test may reach the network by accident."""


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    def forbidden(url, timeout=None):
        raise NetworkUsed(url)

    monkeypatch.setattr(_cache, "fetch", forbidden)
    monkeypatch.delenv("EMBER_DATA_OFFLINE", raising=False)


@pytest.fixture
def data_root(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "ember-data"
    monkeypatch.setenv("EMBER_DATA_DIR", str(root))
    return root


def serve(monkeypatch, responses: dict[str, object]) -> list[str]:
    """Make fetch answer each URL with bytes, or raise the exception given for it."""
    calls: list[str] = []

    def fake_fetch(url, timeout=None):
        calls.append(url)
        answer = responses.get(url, urllib.error.URLError("no route to host"))
        if isinstance(answer, BaseException):
            raise answer
        if isinstance(answer, bytes):
            return io.BytesIO(answer)
        return answer

    monkeypatch.setattr(_cache, "fetch", fake_fetch)
    return calls


def assert_same_splits(got, expected) -> None:
    (xg, yg), (xtg, ytg) = got
    (xe, ye), (xte, yte) = expected
    for g, e in ((xg, xe), (yg, ye), (xtg, xte), (ytg, yte)):
        assert g.dtype == np.uint8
        assert g.shape == e.shape
        np.testing.assert_array_equal(g, e)


# ---------------------------------------------------------------------------------------------
# Public API


def test_public_api():
    for name in ("mnist", "fashion_mnist", "cifar10", "digits"):
        assert callable(getattr(ember.datasets, name).load_data)
    assert inspect.signature(mnist.load_data).parameters["path"].default == "mnist.npz"
    assert issubclass(ember.datasets.DownloadError, OSError)
    assert issubclass(ember.datasets.ChecksumError, ember.datasets.DownloadError)


def test_data_dir_env_and_default(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBER_DATA_DIR", str(tmp_path / "x"))
    assert _cache.data_dir("mnist") == tmp_path / "x" / "mnist"
    monkeypatch.delenv("EMBER_DATA_DIR")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert _cache.data_dir("cifar10") == tmp_path / "home" / ".ember" / "datasets" / "cifar10"
    monkeypatch.setenv("EMBER_DATA_DIR", "")
    assert _cache.data_dir("cifar10") == tmp_path / "home" / ".ember" / "datasets" / "cifar10"


# ---------------------------------------------------------------------------------------------
# MNIST and Fashion-MNIST


@pytest.mark.parametrize("gz", [True, False], ids=["gz", "plain"])
def test_mnist_round_trip(data_root, rng, gz):
    arrays = make_mnist(rng)
    write_mnist(data_root / "mnist", arrays, gz=gz)
    assert_same_splits(mnist.load_data(), arrays)


def test_mnist_mixed_gz_and_plain(data_root, rng):
    arrays = make_mnist(rng)
    gz = dict(zip(MNIST_STEMS, (True, False, False, True)))
    write_mnist(data_root / "mnist", arrays, gz=gz)
    assert_same_splits(mnist.load_data(), arrays)


def test_mnist_full_size_shapes(data_root):
    """Keras' exact shapes, on sparse all-zero files of the real sizes."""
    folder = data_root / "mnist"
    folder.mkdir(parents=True)
    for stem, dims in zip(MNIST_STEMS, [(60000, 28, 28), (60000,), (10000, 28, 28), (10000,)]):
        header = struct.pack(">I", 0x0800 | len(dims)) + struct.pack(f">{len(dims)}I", *dims)
        with open(folder / stem, "wb") as f:
            f.write(header)
            f.truncate(len(header) + math.prod(dims))
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    assert (x_train.shape, y_train.shape) == ((60000, 28, 28), (60000,))
    assert (x_test.shape, y_test.shape) == ((10000, 28, 28), (10000,))
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}


def test_fashion_mnist_round_trip_in_its_own_folder(data_root, rng):
    arrays = make_mnist(rng)
    write_mnist(data_root / "fashion_mnist", arrays)
    assert_same_splits(fashion_mnist.load_data(), arrays)


@pytest.mark.parametrize("loader", [mnist.load_data, fashion_mnist.load_data])
def test_path_argument_is_a_folder(data_root, tmp_path, rng, loader):
    arrays = make_mnist(rng)
    write_mnist(tmp_path / "elsewhere", arrays)
    assert_same_splits(loader(tmp_path / "elsewhere"), arrays)
    assert_same_splits(loader(str(tmp_path / "elsewhere")), arrays)
    assert not data_root.exists()


def test_mnist_path_npz(data_root, tmp_path, rng):
    (x_train, y_train), (x_test, y_test) = arrays = make_mnist(rng)
    npz = tmp_path / "keras-mnist.npz"
    np.savez(npz, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    assert_same_splits(mnist.load_data(npz), arrays)
    assert_same_splits(mnist.load_data(str(npz)), arrays)


def test_mnist_path_npz_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothere.npz"):
        mnist.load_data(tmp_path / "nothere.npz")


def test_mnist_path_npz_malformed(tmp_path, rng):
    (x_train, y_train), (x_test, y_test) = make_mnist(rng)
    npz = tmp_path / "bad.npz"
    np.savez(npz, x_train=x_train, y_train=y_train, x_test=x_test)
    with pytest.raises(ValueError, match=r"bad\.npz.*y_test"):
        mnist.load_data(npz)
    np.savez(npz, x_train=x_train[:, :27], y_train=y_train, x_test=x_test, y_test=y_test)
    with pytest.raises(ValueError, match=r"bad\.npz\[x_train\].*wrong dimensions"):
        mnist.load_data(npz)
    np.savez(npz, x_train=x_train, y_train=y_train.astype(np.int64), x_test=x_test, y_test=y_test)
    with pytest.raises(ValueError, match=r"bad\.npz\[y_train\]"):
        mnist.load_data(npz)
    objects = np.array([object()] * 3, dtype=object)
    np.savez(npz, x_train=objects, y_train=y_train, x_test=x_test, y_test=y_test)
    with pytest.raises(ValueError, match=r"bad\.npz"):  # needs pickle: refused
        mnist.load_data(npz)
    (tmp_path / "junk.npz").write_bytes(b"not a zip file")
    with pytest.raises(ValueError, match=r"junk\.npz"):
        mnist.load_data(tmp_path / "junk.npz")


# --- IDX parser on malformed files -----------------------------------------------------------

GOOD_IMAGES = np.arange(2 * 28 * 28, dtype=np.int64).reshape(2, 28, 28).astype(np.uint8)


def malformed_idx_cases():
    good = idx_bytes(GOOD_IMAGES)
    return {
        "empty": (b"", "truncated header"),
        "truncated magic": (good[:3], "truncated header"),
        "truncated dims": (good[:10], "truncated header"),
        "truncated data": (good[:-1], "truncated data"),
        "trailing bytes": (good + b"\0", "trailing bytes"),
        "bad magic": (b"\x12\x34" + good[2:], "bad magic number 0x12340803"),
        "labels magic for images": (idx_bytes(GOOD_IMAGES, magic=0x801), "bad magic number"),
        "float data type": (idx_bytes(GOOD_IMAGES, magic=0x0D03), "bad magic number 0x00000D03"),
        "zero dimension": (struct.pack(">4I", 0x803, 0, 28, 28), "zero dimension"),
        "huge dims, small file": (
            struct.pack(">4I", 0x803, 0xFFFFFFFF, 0xFFFFFFFF, 28) + bytes(100),
            "need",
        ),
    }


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gz"])
@pytest.mark.parametrize("case", list(malformed_idx_cases()))
def test_idx_rejects_malformed(tmp_path, case, gz):
    data, message = malformed_idx_cases()[case]
    path = write_file(tmp_path / "train-images-idx3-ubyte", data, gz)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError) as info:
            _idx.read_idx(path, 3)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert str(path) in str(info.value)
    if not (gz and case == "huge dims, small file"):  # gz: refused as larger than any dataset
        assert message in str(info.value)
    assert peak < 8 << 20, f"parser allocated {peak} bytes on a malformed file"


def test_idx_gz_with_huge_header_is_bounded(tmp_path):
    """A gzipped header may claim any size: the parser reads only what decompresses."""
    header = struct.pack(">4I", 0x803, 1000, 1000, 28)  # 28 MB claimed, under the cap
    path = write_file(tmp_path / "x-idx3-ubyte", header + bytes(5000), gz=True)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="truncated data.*holds 5000"):
            _idx.read_idx(path, 3)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20


def test_idx_size_cap_stops_decompression_bombs(tmp_path, monkeypatch):
    monkeypatch.setattr(_idx, "MAX_DATA_BYTES", 1000)
    path = write_file(tmp_path / "x-idx3-ubyte", idx_bytes(GOOD_IMAGES), gz=True)
    with pytest.raises(ValueError, match="claim 1568 data bytes, more than the 1000"):
        _idx.read_idx(path, 3)


def test_idx_round_trip_other_shapes(tmp_path):
    labels = np.array([3, 1, 4, 1, 5], dtype=np.uint8)
    path = write_file(tmp_path / "l-idx1-ubyte", idx_bytes(labels), gz=False)
    np.testing.assert_array_equal(_idx.read_idx(path, 1), labels)
    with pytest.raises(ValueError, match="bad magic number 0x00000801, expected 0x00000803"):
        _idx.read_idx(path, 3)


@pytest.mark.parametrize(
    "corrupt",
    ["not gzip", "truncated stream", "bad crc"],
)
def test_idx_rejects_bad_gzip(tmp_path, corrupt):
    compressed = gzip.compress(idx_bytes(GOOD_IMAGES))
    if corrupt == "not gzip":
        data = idx_bytes(GOOD_IMAGES)  # a plain IDX file wrongly named .gz
    elif corrupt == "truncated stream":
        data = compressed[: len(compressed) // 2]
    else:
        data = compressed[:-8] + bytes([compressed[-8] ^ 0xFF]) + compressed[-7:]
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(data)
    with pytest.raises(ValueError, match="bad gzip") as info:
        _idx.read_idx(path, 3)
    assert str(path) in str(info.value)


def test_mnist_rejects_count_mismatch(data_root, rng):
    (x_train, y_train), test = make_mnist(rng)
    paths = write_mnist(data_root / "mnist", ((x_train, y_train[:-1]), test))
    with pytest.raises(ValueError, match="7 images but .* 6 labels") as info:
        mnist.load_data()
    message = str(info.value)
    assert str(paths["train-images-idx3-ubyte"]) in message
    assert str(paths["train-labels-idx1-ubyte"]) in message


def test_mnist_rejects_label_out_of_range(data_root, rng):
    train, (x_test, y_test) = make_mnist(rng)
    y_test = y_test.copy()
    y_test[2] = 10
    paths = write_mnist(data_root / "mnist", (train, (x_test, y_test)))
    with pytest.raises(ValueError, match="label 10 at index 2 is out of range 0..9") as info:
        mnist.load_data()
    assert str(paths["t10k-labels-idx1-ubyte"]) in str(info.value)


def test_mnist_rejects_wrong_image_size(data_root, rng):
    (x_train, y_train), test = make_mnist(rng)
    paths = write_mnist(data_root / "mnist", ((x_train[:, :, :27], y_train), test))
    with pytest.raises(ValueError, match=r"wrong dimensions.*\(7, 28, 27\)") as info:
        mnist.load_data()
    assert str(paths["train-images-idx3-ubyte"]) in str(info.value)


def test_mnist_rejects_labels_file_in_place_of_images(data_root, rng):
    (x_train, y_train), test = make_mnist(rng)
    folder = data_root / "mnist"
    write_mnist(folder, ((x_train, y_train), test))
    (folder / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(idx_bytes(y_train)))
    with pytest.raises(ValueError, match=r"train-images-idx3-ubyte\.gz: bad magic number"):
        mnist.load_data()


# ---------------------------------------------------------------------------------------------
# CIFAR-10


def expected_cifar(batches):
    x_train = np.concatenate([batches[n][0] for n in cifar10.TRAIN_BATCHES])
    y_train = np.concatenate([batches[n][1] for n in cifar10.TRAIN_BATCHES]).reshape(-1, 1)
    x_test, y_test = batches[cifar10.TEST_BATCH]
    return (x_train, y_train), (x_test, y_test.reshape(-1, 1))


def test_cifar_extracted_round_trip(data_root, rng):
    batches = make_cifar(rng)
    write_cifar_dir(data_root / "cifar10", batches)
    got = cifar10.load_data()
    assert_same_splits(got, expected_cifar(batches))
    (x_train, y_train), (x_test, y_test) = got
    assert x_train.shape == (10, 32, 32, 3) and y_train.shape == (10, 1)
    assert x_train.flags.c_contiguous and x_test.flags.c_contiguous


def test_cifar_channel_order(tmp_path):
    """Record layout is label, 1024 red, 1024 green, 1024 blue, each row-major."""
    record = bytes([7]) + bytes([10]) * 1024 + bytes([20]) * 1024 + bytes(range(256)) * 4
    images, labels = _cifar.parse_batch(record, "one record")
    assert labels.tolist() == [7]
    assert (images[0, :, :, 0] == 10).all() and (images[0, :, :, 1] == 20).all()
    np.testing.assert_array_equal(images[0, 0, :, 2], np.arange(32))
    np.testing.assert_array_equal(images[0, 1, :, 2], np.arange(32, 64))


@pytest.mark.parametrize("dot_prefix", [False, True], ids=["plain-names", "dot-slash-names"])
def test_cifar_tarball_round_trip(data_root, rng, dot_prefix):
    batches = make_cifar(rng)
    members = {"batches.meta.txt": b"airplane\n", **cifar_members(batches), "readme.html": b"x"}
    prefix = ("./" if dot_prefix else "") + CIFAR_DIR + "/"
    write_tar(data_root / "cifar10" / "cifar-10-binary.tar.gz", members, prefix=prefix)
    assert_same_splits(cifar10.load_data(), expected_cifar(batches))


def test_cifar_tarball_used_when_extraction_incomplete(data_root, rng):
    batches = make_cifar(rng)
    folder = data_root / "cifar10"
    write_tar(folder / "cifar-10-binary.tar.gz", cifar_members(batches))
    batch_dir = write_cifar_dir(folder, make_cifar(np.random.default_rng(99)))
    (batch_dir / "test_batch.bin").unlink()
    assert_same_splits(cifar10.load_data(), expected_cifar(batches))


def test_cifar_full_size_shapes(tmp_path):
    """Keras' exact shapes, on sparse all-zero batches of the real size."""
    batch_dir = tmp_path / CIFAR_DIR
    batch_dir.mkdir()
    for name in cifar10.BATCHES:
        with open(batch_dir / name, "wb") as f:
            f.truncate(10000 * 3073)
    (x_train, y_train), (x_test, y_test) = cifar10.load_data(tmp_path)
    assert (x_train.shape, y_train.shape) == ((50000, 32, 32, 3), (50000, 1))
    assert (x_test.shape, y_test.shape) == ((10000, 32, 32, 3), (10000, 1))
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}


@pytest.mark.parametrize(
    "case, message",
    [
        ("short record", "wrong record size: 3072 bytes"),
        ("extra byte", "wrong record size: 6147 bytes"),
        ("empty", "empty batch"),
        ("label 10", "label 10 in record 1 is out of range 0..9"),
    ],
)
def test_cifar_rejects_malformed_batch(data_root, rng, case, message):
    batches = make_cifar(rng)
    batch_dir = write_cifar_dir(data_root / "cifar10", batches)
    target = batch_dir / "data_batch_3.bin"
    good = cifar_batch_bytes(*batches["data_batch_3.bin"])
    data = {
        "short record": good[:3072],
        "extra byte": cifar_batch_bytes(*make_cifar(rng)["data_batch_1.bin"]) + b"\0",
        "empty": b"",
        "label 10": cifar_batch_bytes(np.zeros((2, 32, 32, 3), np.uint8), [1, 10]),
    }[case]
    target.write_bytes(data)
    with pytest.raises(ValueError, match=message) as info:
        cifar10.load_data()
    assert str(target) in str(info.value)


def test_cifar_rejects_malformed_tarball(data_root, rng):
    folder = data_root / "cifar10"
    tarball = folder / "cifar-10-binary.tar.gz"
    batches = make_cifar(rng)
    members = cifar_members(batches)

    write_tar(tarball, {k: v for k, v in members.items() if k != "test_batch.bin"})
    with pytest.raises(ValueError, match=r"lacks cifar-10-batches-bin/test_batch\.bin"):
        cifar10.load_data()

    write_tar(tarball, members)
    whole = tarball.read_bytes()
    tarball.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(ValueError, match="bad or truncated") as info:
        cifar10.load_data()
    assert str(tarball) in str(info.value)

    tarball.write_bytes(b"this is not a gzip file at all" * 10)
    with pytest.raises(ValueError, match="bad or truncated"):
        cifar10.load_data()

    write_tar(tarball, {**members, "data_batch_2.bin": members["data_batch_2.bin"][:-5]})
    with pytest.raises(ValueError, match=r"tar\.gz:cifar-10-batches-bin/data_batch_2\.bin"):
        cifar10.load_data()


def test_cifar_rejects_tar_member_that_is_not_a_file(data_root, rng):
    tarball = data_root / "cifar10" / "cifar-10-binary.tar.gz"
    members = cifar_members(make_cifar(rng))
    tarball.parent.mkdir(parents=True)
    with tarfile.open(tarball, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(f"{CIFAR_DIR}/{name}")
            if name == "data_batch_1.bin":
                info.type = tarfile.SYMTYPE
                info.linkname = "/etc/passwd"
                tar.addfile(info)
            else:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    with pytest.raises(ValueError, match="data_batch_1.bin: not a regular file"):
        cifar10.load_data()


def test_cifar_rejects_oversized_tar_member(tmp_path, monkeypatch):
    monkeypatch.setattr(_cifar, "MAX_BATCH_BYTES", 3 * 3073)
    tarball = write_tar(tmp_path / "c.tar.gz", {"test_batch.bin": bytes(4 * 3073)})
    with pytest.raises(ValueError, match="far more than a batch"):
        _cifar.read_tar_batches(tarball, [f"{CIFAR_DIR}/test_batch.bin"])


# ---------------------------------------------------------------------------------------------
# Missing files and downloads


def test_missing_mnist_error_names_files_folder_and_urls(data_root, monkeypatch):
    calls = serve(monkeypatch, {})
    with pytest.raises(ember.datasets.DownloadError) as info:
        mnist.load_data()
    assert isinstance(info.value, OSError)
    message = str(info.value)
    folder = data_root / "mnist"
    assert str(folder) in message
    for stem in MNIST_STEMS:
        assert f"{stem}.gz" in message
        assert f"https://ossci-datasets.s3.amazonaws.com/mnist/{stem}.gz" in message
        assert f"yann.lecun.com/exdb/mnist/{stem}.gz" in message
    assert "no route to host" in message
    assert calls, "a download was attempted"
    assert [p for p in folder.iterdir()] == []  # nothing half-written


def test_missing_one_file_names_only_it(data_root, rng, monkeypatch):
    paths = write_mnist(data_root / "mnist", make_mnist(rng))
    paths["t10k-labels-idx1-ubyte"].unlink()
    serve(monkeypatch, {})
    with pytest.raises(ember.datasets.DownloadError) as info:
        mnist.load_data()
    message = str(info.value)
    assert "1 file(s) missing" in message
    assert "t10k-labels-idx1-ubyte.gz" in message
    assert "train-images-idx3-ubyte.gz" not in message


def test_partial_download_error_names_only_what_is_still_missing(data_root, rng, monkeypatch):
    files = gz_files(make_mnist(rng))
    monkeypatch.setattr(mnist, "SPEC", fake_spec(files, mirrors=("https://a.example/",)))
    first = MNIST_STEMS[0]
    serve(monkeypatch, {f"https://a.example/{first}.gz": files[first]})
    with pytest.raises(ember.datasets.DownloadError) as info:
        mnist.load_data()
    message = str(info.value)
    assert "3 file(s) missing" in message and f"{first}.gz" not in message
    assert (data_root / "mnist" / f"{first}.gz").read_bytes() == files[first]


def test_missing_cifar_error_names_tarball_folder_url(data_root, monkeypatch):
    serve(monkeypatch, {})
    with pytest.raises(ember.datasets.DownloadError) as info:
        cifar10.load_data()
    message = str(info.value)
    assert str(data_root / "cifar10") in message
    assert "cifar-10-binary.tar.gz" in message
    assert "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz" in message
    assert "test_batch.bin" in message  # the extracted alternative


def test_missing_fashion_error_names_urls(data_root, monkeypatch):
    serve(monkeypatch, {})
    with pytest.raises(ember.datasets.DownloadError) as info:
        fashion_mnist.load_data()
    message = str(info.value)
    assert str(data_root / "fashion_mnist") in message
    assert (
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/train-images-idx3-ubyte.gz"
        in message
    )


def test_offline_mode_never_fetches(data_root, monkeypatch):
    calls = serve(monkeypatch, {})
    monkeypatch.setenv("EMBER_DATA_OFFLINE", "1")
    with pytest.raises(ember.datasets.DownloadError, match="EMBER_DATA_OFFLINE") as info:
        mnist.load_data()
    assert calls == []
    assert "train-labels-idx1-ubyte.gz" in str(info.value)


def fake_spec(files: dict[str, bytes], mirrors=("https://a.example/", "https://b.example/")):
    return IdxDataset(
        title="ember.datasets.mnist",
        folder="mnist",
        mirrors=tuple(mirrors),
        files={stem: (hashlib.sha256(data).hexdigest(), len(data)) for stem, data in files.items()},
    )


def gz_files(arrays) -> dict[str, bytes]:
    (x_train, y_train), (x_test, y_test) = arrays
    contents = dict(zip(MNIST_STEMS, (x_train, y_train, x_test, y_test)))
    return {stem: gzip.compress(idx_bytes(a)) for stem, a in contents.items()}


def test_mnist_downloads_missing_files_then_caches(data_root, rng, monkeypatch):
    arrays = make_mnist(rng)
    files = gz_files(arrays)
    monkeypatch.setattr(mnist, "SPEC", fake_spec(files))
    # The first mirror is down; the second serves the right bytes.
    calls = serve(monkeypatch, {f"https://b.example/{s}.gz": d for s, d in files.items()})
    assert_same_splits(mnist.load_data(), arrays)
    assert len(calls) == 8
    folder = data_root / "mnist"
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{s}.gz" for s in MNIST_STEMS)
    calls.clear()
    assert_same_splits(mnist.load_data(), arrays)
    assert calls == []


def test_checksum_mismatch_raises_and_leaves_nothing(data_root, rng, monkeypatch):
    files = gz_files(make_mnist(rng))
    monkeypatch.setattr(mnist, "SPEC", fake_spec(files, mirrors=("https://a.example/",)))
    wrong = {
        f"https://a.example/{s}.gz": bytes(len(d)) for s, d in files.items()
    }  # right size, wrong bytes
    serve(monkeypatch, wrong)
    with pytest.raises(ember.datasets.ChecksumError) as info:
        mnist.load_data()
    message = str(info.value)
    assert files and hashlib.sha256(files[MNIST_STEMS[0]]).hexdigest() in message
    assert "does not match" in message
    assert list((data_root / "mnist").iterdir()) == []


def test_download_rejects_oversized_response(tmp_path, monkeypatch):
    data = b"expected bytes"
    remote = _cache.RemoteFile(
        "f.bin", ("https://a.example/f",), hashlib.sha256(data).hexdigest(), 14
    )
    serve(monkeypatch, {"https://a.example/f": data + b"and then some more"})
    with pytest.raises(ember.datasets.ChecksumError, match="more than the expected 14 bytes"):
        _cache.download(remote, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_download_tries_next_mirror_after_wrong_bytes(tmp_path, monkeypatch):
    data = b"the right bytes"
    remote = _cache.RemoteFile(
        "f.bin",
        ("https://a.example/f", "https://b.example/f"),
        hashlib.sha256(data).hexdigest(),
        len(data),
    )
    serve(monkeypatch, {"https://a.example/f": b"the wrong bytes", "https://b.example/f": data})
    assert _cache.download(remote, tmp_path) == tmp_path / "f.bin"
    assert (tmp_path / "f.bin").read_bytes() == data
    assert [p.name for p in tmp_path.iterdir()] == ["f.bin"]


class BrokenStream(io.RawIOBase):
    """Gives ``good`` bytes, then fails; checks the final name is absent while downloading."""

    def __init__(self, good: bytes, dest: Path, error: BaseException):
        self.good, self.dest, self.error, self.seen_tmp = good, dest, error, []

    def read(self, n=-1):
        assert not self.dest.exists(), "the final name appeared before the download ended"
        self.seen_tmp.extend(p.name for p in self.dest.parent.iterdir())
        if self.good:
            out, self.good = self.good, b""
            return out
        raise self.error


@pytest.mark.parametrize(
    "error", [ConnectionResetError("connection reset"), KeyboardInterrupt()], ids=repr
)
def test_interrupted_download_leaves_nothing(tmp_path, monkeypatch, error):
    remote = _cache.RemoteFile("f.bin", ("https://a.example/f",), "0" * 64, 1000)
    stream = BrokenStream(b"x" * 500, tmp_path / "f.bin", error)
    serve(monkeypatch, {"https://a.example/f": stream})
    expected = KeyboardInterrupt if isinstance(error, KeyboardInterrupt) else _cache.DownloadError
    with pytest.raises(expected):
        _cache.download(remote, tmp_path)
    assert list(tmp_path.iterdir()) == []
    # While downloading, a temporary file sat in the same folder (so the rename is atomic).
    assert stream.seen_tmp and all(n.startswith(".f.bin.") for n in stream.seen_tmp)


def test_download_fsyncs_before_rename(tmp_path, monkeypatch):
    data = b"payload"
    remote = _cache.RemoteFile(
        "f.bin", ("https://a.example/f",), hashlib.sha256(data).hexdigest(), 7
    )
    serve(monkeypatch, {"https://a.example/f": data})
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        events.append("fsync")
        real_fsync(fd)

    def replace(src, dst):
        events.append(f"replace {Path(src).parent == Path(dst).parent}")
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    _cache.download(remote, tmp_path)
    assert events[:2] == ["fsync", "replace True"]
    assert (tmp_path / "f.bin").read_bytes() == data


def test_sha256_file(tmp_path):
    (tmp_path / "a").write_bytes(b"abc")
    assert _cache.sha256_file(tmp_path / "a") == hashlib.sha256(b"abc").hexdigest()


@pytest.mark.parametrize(
    "remote_module, names",
    [
        (mnist, ["mnist"]),
        (fashion_mnist, ["fashion"]),
    ],
)
def test_checksums_are_well_formed(remote_module, names):
    for stem in MNIST_STEMS:
        remote = remote_module.SPEC.remote(stem)
        assert len(remote.sha256) == 64 and int(remote.sha256, 16) >= 0
        assert remote.size > 0 and all(url.endswith(f"{stem}.gz") for url in remote.urls)
        assert all(any(n in url for n in names) for url in remote.urls)
    assert len({remote_module.SPEC.files[s][0] for s in MNIST_STEMS}) == 4
    assert len(cifar10.TARBALL.sha256) == 64


# ---------------------------------------------------------------------------------------------
# Bundled digits

# SHA-256 prefixes of the default split, recorded when the split was introduced.
DIGITS_Y_TEST_SHA256_PREFIX = "2f244bb9db1a9096"
DIGITS_X_TRAIN_SHA256_PREFIX = "f865a9db1acef018"


def test_digits_bundled_file_is_the_documented_one():
    readme = (digits.DATA_FILE.parent / "README.md").read_text()
    assert _cache.sha256_file(digits.DATA_FILE) in readme
    assert "CC BY 4.0" in readme and "Alpaydin" in readme and "Kaynak" in readme


def test_digits_shapes_dtypes_and_range():
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    assert x_train.shape == (1438, 8, 8) and y_train.shape == (1438,)
    assert x_test.shape == (359, 8, 8) and y_test.shape == (359,)
    for a in (x_train, y_train, x_test, y_test):
        assert a.dtype == np.uint8
    both = np.concatenate([x_train, x_test])
    assert both.min() == 0 and both.max() == 16
    assert set(np.concatenate([y_train, y_test]).tolist()) == set(range(10))


def test_digits_file_order_and_orientation():
    images, labels = digits._read_all()
    assert images.shape == (1797, 8, 8)
    # First line of the file: 0,0,5,13,9,1,0,0, 0,0,13,15,10,15,5,0, ... label 0
    np.testing.assert_array_equal(images[0, 0], [0, 0, 5, 13, 9, 1, 0, 0])
    np.testing.assert_array_equal(images[0, 1], [0, 0, 13, 15, 10, 15, 5, 0])
    assert labels[:3].tolist() == [0, 1, 2]
    counts = np.bincount(labels, minlength=10).tolist()
    assert counts == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


@pytest.mark.parametrize("test_split", [0.2, 0.1, 0.5, 0.0])
def test_digits_split_is_stratified_and_a_partition(test_split):
    images, labels = digits._read_all()
    (x_train, y_train), (x_test, y_test) = digits.load_data(test_split=test_split)
    total = np.bincount(labels, minlength=10)
    test_counts = np.bincount(y_test, minlength=10)
    expected = np.floor(total * test_split + 0.5).astype(int)
    np.testing.assert_array_equal(test_counts, expected)
    np.testing.assert_array_equal(np.bincount(y_train, minlength=10), total - expected)
    # Train and test together are exactly the dataset, image-label pairs kept together.
    rows = np.concatenate(
        [
            np.concatenate([x_train.reshape(-1, 64), y_train[:, None]], axis=1),
            np.concatenate([x_test.reshape(-1, 64), y_test[:, None]], axis=1),
        ]
    )
    whole = np.concatenate([images.reshape(-1, 64), labels[:, None]], axis=1)
    np.testing.assert_array_equal(np.unique(rows, axis=0), np.unique(whole, axis=0))
    assert len(rows) == len(whole)
    assert x_test.shape == (int(expected.sum()), 8, 8)


def test_digits_deterministic_and_seeded():
    a = digits.load_data()
    b = digits.load_data(0.2, 113)
    assert_same_splits(a, b)
    c = digits.load_data(seed=7)
    assert not np.array_equal(a[1][1], c[1][1])
    assert np.array_equal(np.bincount(a[1][1]), np.bincount(c[1][1]))
    # Pinned: the default split must not change between releases or numpy versions.
    (x_train, y_train), (x_test, y_test) = a
    assert hashlib.sha256(y_test.tobytes()).hexdigest()[:16] == DIGITS_Y_TEST_SHA256_PREFIX
    assert hashlib.sha256(x_train.tobytes()).hexdigest()[:16] == DIGITS_X_TRAIN_SHA256_PREFIX


def test_digits_shuffled_not_sorted():
    (_, y_train), (_, y_test) = digits.load_data()
    assert np.any(np.diff(y_train.astype(int)) < 0) and np.any(np.diff(y_test.astype(int)) < 0)


def test_digits_returns_fresh_writable_arrays():
    (x_train, y_train), _ = digits.load_data()
    before = x_train.copy()
    x_train[:] = 99
    y_train[:] = 99
    (again, _), _ = digits.load_data()
    np.testing.assert_array_equal(again, before)


@pytest.mark.parametrize("test_split", [1.0, -0.1, float("nan"), "0.2", None])
def test_digits_rejects_bad_test_split(test_split):
    with pytest.raises(ValueError, match="test_split"):
        digits.load_data(test_split=test_split)


@pytest.mark.parametrize("seed", [-1, 2**32, 1.5, "1"])
def test_digits_rejects_bad_seed(seed):
    with pytest.raises(ValueError, match="seed"):
        digits.load_data(seed=seed)
