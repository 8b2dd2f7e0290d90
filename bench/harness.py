"""Side-by-side benchmark harness: each framework runs in its own process with the same thread
count; every workload is warmed up, then timed as the median of repeated samples.

Workers print one JSON object per run; the driver collects them, prints a table of ember/peer
time ratios with GFLOP/s and percent of the measured FP32 peak, and writes JSON.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent


def thread_env(threads: int) -> dict[str, str]:
    """Environment that pins every thread pool (OpenMP, OpenBLAS, MKL) to `threads`."""
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    return env


def time_median(
    fn: Callable[[], object], *, warmup: int = 3, samples: int = 7, min_sample_s: float = 0.05
) -> float:
    """Median seconds per call of fn: warm-up calls first, then `samples` samples, each long
    enough (several calls) to dwarf the timer's resolution."""
    for _ in range(warmup):
        fn()
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


@dataclass
class Workload:
    """One timed job. `flops` may be 0 when FLOPs are not meaningful (e.g. pooling)."""

    name: str
    flops: float = 0.0
    params: dict = field(default_factory=dict)


def run_worker(
    script: Path, framework: str, threads: int, extra: list[str], python: str | None = None
) -> dict:
    """Runs `script --worker framework` in a fresh process (optionally another interpreter,
    e.g. one with TensorFlow) and returns its JSON output."""
    cmd = [
        python or sys.executable,
        str(script),
        "--worker",
        framework,
        "--threads",
        str(threads),
        *extra,
    ]
    proc = subprocess.run(cmd, env=thread_env(threads), capture_output=True, text=True)
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr else "failed"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_rounds(
    script: Path,
    frameworks: list[str],
    threads: int,
    extra: list[str],
    rounds: int,
    interpreters: dict[str, str] | None = None,
) -> dict[str, dict]:
    """Runs every framework's worker `rounds` times, alternating frameworks so that a noisy
    neighbour hits all of them alike; each timing is the median over the rounds."""
    runs: dict[str, list[dict]] = {fw: [] for fw in frameworks}
    for _ in range(max(1, rounds)):
        for fw in frameworks:
            python = (interpreters or {}).get(fw)
            runs[fw].append(run_worker(script, fw, threads, extra, python))
    merged: dict[str, dict] = {}
    for fw, results in runs.items():
        ok = [r for r in results if "error" not in r]
        if not ok:
            merged[fw] = results[0]
            continue
        out = dict(ok[0])
        for key, value in ok[0].items():
            if isinstance(value, float) and not key.startswith("_"):
                out[key] = statistics.median(r[key] for r in ok if key in r)
        merged[fw] = out
    return merged


def machine() -> dict:
    info = {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return info


def print_table(rows: list[dict], peers: list[str], peak_gflops: float) -> None:
    """rows: {name, flops, ember, <peer>...} with times in seconds."""
    head = f"{'workload':<44} {'ember ms':>9}"
    for peer in peers:
        head += f" {peer + ' ms':>12} {'ratio':>6}"
    head += f" {'GFLOP/s':>8} {'% peak':>7}"
    print(head)
    print("-" * len(head))
    for row in rows:
        t = row.get("ember")
        line = f"{row['name']:<44} {fmt_ms(t):>9}"
        for peer in peers:
            p = row.get(peer)
            ratio = f"{t / p:.2f}" if t and p else "-"
            line += f" {fmt_ms(p):>12} {ratio:>6}"
        if row.get("flops") and t:
            gflops = row["flops"] / t * 1e-9
            share = 100 * gflops / peak_gflops if peak_gflops == peak_gflops else None
            line += f" {gflops:>8.1f} " + (f"{share:>6.0f}%" if share is not None else f"{'-':>7}")
        print(line)


def fmt_ms(seconds: float | None) -> str:
    return f"{seconds * 1e3:.3f}" if seconds else "-"


def write_json(path: Path, payload: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(payload, indent=2))
    os.replace(tmp, path)
