"""Build introspection, thread control and ISA selection."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import ember
from ember import _C


def test_build_info_reports_the_build():
    info = ember.build_info()
    for key in ("version", "compiler", "openmp", "isa", "threads", "cuda"):
        assert key in info
    assert info["version"] == ember.__version__
    assert info["isa"] in ("generic", "avx2", "avx512")
    assert info["isa"] == info["supported_isas"][-1]  # the best family by default
    assert isinstance(info["openmp"], bool) and isinstance(info["cuda"], bool)
    assert info["threads"] == ember.get_num_threads()


def test_set_num_threads_round_trips_and_validates():
    before = ember.get_num_threads()
    try:
        ember.set_num_threads(1)
        assert ember.get_num_threads() == 1
        assert ember.build_info()["threads"] == 1
    finally:
        ember.set_num_threads(before)
    with pytest.raises(ValueError, match=">= 1"):
        ember.set_num_threads(0)
    with pytest.raises(TypeError):
        ember.set_num_threads(1.5)


def _import_with(env_isa: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, EMBER_ISA=env_isa)
    return subprocess.run(
        [sys.executable, "-c", "import ember; print(ember.build_info()['isa'])"],
        env=env,
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize("name", _C.supported_isas())
def test_ember_isa_environment_variable_forces_a_family(name):
    proc = _import_with(name)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == name


def test_unknown_or_unsupported_isa_fails_clearly():
    proc = _import_with("sse9")
    assert proc.returncode != 0
    assert "EMBER_ISA" in proc.stderr and "sse9" in proc.stderr
    unsupported = [n for n in ("avx2", "avx512") if n not in _C.supported_isas()]
    for name in unsupported:
        proc = _import_with(name)
        assert proc.returncode != 0
        assert f"does not support '{name}'" in proc.stderr
    with pytest.raises(ValueError, match="EMBER_ISA"):
        _C.set_isa("sse9")


def test_python_m_ember_info_prints_build_info():
    proc = subprocess.run([sys.executable, "-m", "ember", "info"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "isa" in proc.stdout and "threads" in proc.stdout


def test_peak_probe_measures_something_plausible():
    gflops = _C.measure_peak_gflops(0.05)
    assert 0.1 < gflops < 1e5
