"""Running benchmark workers: one process per framework, the same thread count everywhere,
warm-up first, median of samples, frameworks alternated over rounds, atomic JSON output.

This module never imports ember at top level: it is also loaded by worker scripts that run in an
interpreter without ember (the one with TensorFlow), by file path.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Every thread pool a framework may start: OpenMP (ember, PyTorch), OpenBLAS (numpy), MKL.
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@dataclass
class Workload:
    """One timed job. ``flops`` is per timed call, 0 where FLOPs are not meaningful (pooling,
    memory, sizes); ``frameworks`` are the ones that run it (ember first).

    Example:
        >>> Workload("gemm 64x64x64", 2.0 * 64**3, {"shape": (64, 64, 64)}).frameworks
        ('ember', 'torch')
    """

    name: str
    flops: float = 0.0
    params: dict = field(default_factory=dict)
    frameworks: tuple[str, ...] = ("ember", "torch")


@dataclass
class Context:
    """What the driver passes to every suite's ``run``.

    Example:
        >>> Context(threads=2, rounds=1, quick=True).keras_python is None
        True
    """

    threads: int
    rounds: int
    quick: bool
    only: str | None = None
    keras_python: str | None = None
    peak_gflops: float | None = None
    notes: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        """Prints a remark now and keeps it for the JSON file."""
        print(f"  note: {text}", flush=True)
        self.notes.append(text)


def default_threads() -> int:
    """The number of cores this process may run on (the benchmark's default thread count).

    Example:
        >>> default_threads() >= 1
        True
    """
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def thread_env(threads: int, base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment that pins every thread pool (OpenMP, OpenBLAS, MKL) to ``threads`` and
    keeps TensorFlow's C++ log quiet.

    Example:
        >>> thread_env(3, {})["OMP_NUM_THREADS"]
        '3'
    """
    env = dict(os.environ if base is None else base)
    for var in THREAD_VARS:
        env[var] = str(threads)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return env


def matches(name: str, only: str | None) -> bool:
    """Whether a workload name contains one of the comma-separated, case-insensitive parts of
    ``only`` (everything matches when ``only`` is empty).

    Example:
        >>> matches("fit cifar_cnn b32", "lstm,CIFAR"), matches("fit lenet5 b32", "gru")
        (True, False)
    """
    if not only:
        return True
    parts = [part.strip().lower() for part in only.split(",") if part.strip()]
    return any(part in name.lower() for part in parts)


def select(workloads: Iterable[Workload], only: str | None) -> list[Workload]:
    """The workloads whose name matches ``only`` (see ``matches``).

    Example:
        >>> [w.name for w in select([Workload("a x"), Workload("b y")], "y")]
        ['b y']
    """
    return [w for w in workloads if matches(w.name, only)]


def time_median(
    fn: Callable[[], object], *, warmup: int = 3, samples: int = 7, min_sample_s: float = 0.05
) -> float:
    """Median seconds per call of ``fn``: ``warmup`` calls first, then ``samples`` samples, each
    of enough calls to last ``min_sample_s`` (so short calls dwarf the timer's resolution);
    ``min_sample_s <= 0`` times one call per sample without a calibration call.

    Example:
        >>> time_median(lambda: sum(range(100)), warmup=1, samples=3) < 0.01
        True
    """
    for _ in range(warmup):
        fn()
    calls = 1
    if min_sample_s > 0:
        start = time.perf_counter()
        fn()
        once = max(time.perf_counter() - start, 1e-7)
        calls = max(1, int(min_sample_s / once))
    times = []
    for _ in range(samples):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        times.append((time.perf_counter() - start) / calls)
    return statistics.median(times)


def set_threads(framework: str, threads: int) -> dict[str, Any]:
    """Sets the framework's own thread count (besides the environment) and returns its
    versions. Imports the framework, so call it only inside that framework's worker.

    Example:
        >>> set_threads("numpy", 1)["numpy"] != ""
        True
    """
    if framework == "ember":
        import ember

        ember.set_num_threads(threads)
        return {"ember": ember.__version__, "isa": ember.build_info()["isa"]}
    if framework.startswith("torch"):
        import torch

        torch.set_num_threads(threads)
        return {"torch": torch.__version__}
    if framework == "keras":
        try:
            import tensorflow as tf

            # Before any TensorFlow op runs; one inter-op thread keeps it to `threads` cores.
            tf.config.threading.set_intra_op_parallelism_threads(threads)
            tf.config.threading.set_inter_op_parallelism_threads(1)
            tf_version = tf.__version__
        except ImportError:  # Keras 3 on another backend
            tf_version = None
        import keras

        return {"keras": keras.__version__, "tensorflow": tf_version}
    import numpy

    return {"numpy": numpy.__version__}


def worker_args(description: str, argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The options every worker script takes: ``--worker FRAMEWORK --threads N [--quick]
    [--only TEXT]``.

    Example:
        >>> worker_args("w", ["--worker", "torch", "--threads", "2"]).framework
        'torch'
    """
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--worker", dest="framework", required=True, help="framework to time")
    ap.add_argument("--threads", type=int, default=default_threads())
    ap.add_argument("--quick", action="store_true", help="fewer shapes and samples")
    ap.add_argument("--only", help="comma-separated parts of workload names")
    return ap.parse_args(argv)


def emit(result: dict) -> None:
    """Prints a worker's result as the last line of stdout, where ``run_worker`` reads it."""
    print(json.dumps(result), flush=True)


def run_worker(
    script: Path,
    framework: str,
    threads: int,
    extra: Sequence[str] = (),
    python: str | None = None,
    timeout: float | None = 600,
) -> dict:
    """Runs ``python script --worker framework --threads N *extra`` in a fresh process and
    returns the JSON object it printed last, or ``{"error": ...}`` naming what went wrong.

    Example:
        >>> run_worker(Path("/nonexistent.py"), "torch", 1)["error"].startswith("exit")
        True
    """
    cmd = [python or sys.executable, str(script), "--worker", framework, "--threads"]
    cmd += [str(threads), *extra]
    try:
        proc = subprocess.run(
            cmd, env=thread_env(threads), capture_output=True, text=True, timeout=timeout
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {"error": f"{type(exc).__name__}: {exc}"}
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        last = proc.stderr.strip().splitlines()[-1:] or ["no output"]
        return {"error": f"exit {proc.returncode}: {last[0]}"}
    try:
        return json.loads(lines[-1])
    except json.JSONDecodeError:
        return {"error": f"unreadable worker output: {lines[-1][:200]}"}


def merge_rounds(runs: dict[str, list[dict]]) -> dict[str, dict]:
    """Per framework, the median of every numeric result over the rounds that succeeded; keys
    starting with ``_`` (versions, notes) come from the first good round. A framework with no
    good round keeps its first error.

    Example:
        >>> merge_rounds({"ember": [{"a": 1.0}, {"a": 3.0}, {"error": "x"}, {"a": 2.5}]})
        {'ember': {'a': 2.5, '_rounds_ok': 3}}
    """
    merged: dict[str, dict] = {}
    for fw, results in runs.items():
        ok = [r for r in results if "error" not in r]
        if not ok:
            merged[fw] = dict(results[0]) if results else {"error": "not run"}
            continue
        out = dict(ok[0])
        for key, value in ok[0].items():
            if key.startswith("_") or isinstance(value, bool):
                continue
            if isinstance(value, (int, float)):
                out[key] = statistics.median(r[key] for r in ok if key in r)
        out["_rounds_ok"] = len(ok)
        merged[fw] = out
    return merged


def run_rounds(
    script: Path,
    frameworks: Sequence[str],
    threads: int,
    extra: Sequence[str],
    rounds: int,
    interpreters: dict[str, str] | None = None,
) -> dict[str, dict]:
    """Runs every framework's worker ``rounds`` times, alternating the frameworks so a noisy
    neighbour hits all of them alike, and merges the rounds with ``merge_rounds``.

    Example:
        >>> run_rounds(Path("/nonexistent.py"), ["torch"], 1, [], 1)["torch"]["error"][:4]
        'exit'
    """
    runs: dict[str, list[dict]] = {fw: [] for fw in frameworks}
    for _ in range(max(1, rounds)):
        for fw in frameworks:
            python = (interpreters or {}).get(fw)
            runs[fw].append(run_worker(script, fw, threads, extra, python))
    return merge_rounds(runs)


def measure(script: Path, workloads: Sequence[Workload], ctx: Context) -> dict[str, dict]:
    """Runs the workers of every framework that has one of ``workloads`` (Keras only with an
    interpreter for it), ``ctx.rounds`` rounds; notes the frameworks that failed.

    Example:
        >>> measure(Path("x.py"), [], Context(threads=1, rounds=1, quick=True))
        {}
    """
    frameworks = _union(w.frameworks for w in workloads)
    if ctx.keras_python is None:  # no interpreter with Keras: that peer is skipped
        frameworks = [fw for fw in frameworks if fw != "keras"]
    if not frameworks:
        return {}
    extra = ["--quick"] if ctx.quick else []
    if ctx.only:
        extra += ["--only", ctx.only]
    interpreters = {"keras": ctx.keras_python} if ctx.keras_python else {}
    results = run_rounds(script, frameworks, ctx.threads, extra, ctx.rounds, interpreters)
    for fw, res in results.items():
        if "error" in res:
            ctx.note(f"{Path(script).stem}: {fw} not measured ({res['error']})")
    return results


def _union(groups: Iterable[Sequence[str]]) -> list[str]:
    """Ordered union (first appearance wins)."""
    seen: dict[str, None] = {}
    for group in groups:
        for item in group:
            seen.setdefault(item, None)
    return list(seen)


def machine_info() -> dict[str, Any]:
    """CPU model, core counts, OS and Python of this machine.

    Example:
        >>> machine_info()["cores"] >= 1
        True
    """
    info: dict[str, Any] = {
        "cpu": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "usable_cores": default_threads(),
        "platform": platform.platform(),
        "python": platform.python_version(),
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return info


def write_json(path: Path, payload: dict) -> None:
    """Writes ``payload`` as JSON atomically: serialized first, written to a temporary file in
    the same directory, then renamed over ``path``, so a reader never sees half a file and a
    failure leaves the previous file intact.

    Example:
        >>> import tempfile
        >>> p = Path(tempfile.mkdtemp()) / "r" / "bench.json"
        >>> write_json(p, {"rows": []}); json.loads(p.read_text())
        {'rows': []}
    """
    text = json.dumps(payload, indent=2)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
