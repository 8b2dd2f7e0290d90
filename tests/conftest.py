"""Shared fixtures: every kernel test runs against each registered implementation."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from types import ModuleType

import numpy as np
import pytest

import ember
from ember import _C

ISAS = _C.supported_isas()
DEFAULT_ISA = ember.build_info()["isa"]
# Without AVX-512 hardware, the avx512 kernels' source still runs here compiled for AVX2.
if "avx512" not in ISAS and "avx2" in ISAS:
    ISAS = [*ISAS, "avx512_emulated"]


@contextlib.contextmanager
def using_isa(name: str) -> Iterator[None]:
    """Run the optimized kernels with the given micro-kernel family."""
    _C.set_isa(name)
    try:
        yield
    finally:
        _C.set_isa(DEFAULT_ISA)


@contextlib.contextmanager
def using_threads(n: int) -> Iterator[None]:
    before = ember.get_num_threads()
    ember.set_num_threads(n)
    try:
        yield
    finally:
        ember.set_num_threads(before)


# Optimized kernels once per ISA family this CPU runs, plus the reference kernels.
IMPLEMENTATIONS = [f"opt-{isa}" for isa in ISAS] + ["ref"]


@pytest.fixture(params=IMPLEMENTATIONS)
def impl(request) -> Iterator[ModuleType]:
    """The kernel module under test (ember._C with one ISA selected, or ember._C.ref)."""
    name: str = request.param
    if name == "ref":
        yield _C.ref
    else:
        with using_isa(name.removeprefix("opt-")):
            yield _C


@pytest.fixture(params=ISAS)
def isa(request) -> Iterator[str]:
    """Each micro-kernel family of the optimized kernels."""
    with using_isa(request.param):
        yield request.param


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


def poisoned(shape: tuple[int, ...]) -> np.ndarray:
    """A float32 output buffer full of NaN: any element a kernel forgets to write shows up."""
    return np.full(shape, np.nan, dtype=np.float32)
