"""Memory suite: peak resident memory (``ru_maxrss``) of a fresh process that imports the
framework and trains the CIFAR-style CNN at batch 32 through ``fit`` (the PyTorch loop for
torch) for a few steps. It includes the interpreter, numpy and the framework's libraries: what
a user's training script costs.

Worker: ``python memory.py --worker ember|torch|keras --threads N``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

if __package__:
    from ember.bench import harness, report, training
else:  # run by path as a worker, maybe by an interpreter without ember: load the siblings
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import harness
    import report
    import training

SUITE = "memory"
TITLE = "peak resident memory of a process training the CIFAR CNN b32"
MODEL, BATCH = "cifar_cnn", 32
TARGETS = [report.Target("torch", "<=", 1.0)]


def workloads(quick: bool) -> list[harness.Workload]:
    """The one memory workload.

    Example:
        >>> workloads(False)[0].name
        'peak RSS fit cifar_cnn b32'
    """
    name = f"peak RSS fit {MODEL} b{BATCH}"
    return [harness.Workload(name, 0.0, {}, ("ember", "torch", "keras"))]


def peak_rss_bytes() -> int:
    """This process's peak resident set size in bytes (Linux reports KiB, macOS bytes).

    Example:
        >>> peak_rss_bytes() > 1_000_000
        True
    """
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def worker(framework: str, threads: int, quick: bool, only: str | None = None) -> dict:
    """Peak RSS in bytes after training (one process per measurement: the peak never drops)."""
    out: dict = {"_info": harness.set_threads(framework, threads)}
    for job in harness.select(workloads(quick), only):
        epoch = training.FIT[framework](MODEL, BATCH, 4 if quick else 8)
        epoch()
        epoch()  # a second epoch: steady-state buffers (optimizer slots, caches) exist
        out[job.name] = float(peak_rss_bytes())
    return out


# ----------------------------------------------------------------------------------- driver


def run(ctx: harness.Context) -> list[report.Row]:
    """Measures each framework's peak memory; rows in MB (10^6 bytes)."""
    jobs = harness.select(workloads(ctx.quick), ctx.only)
    results = harness.measure(Path(__file__), jobs, ctx)
    return [
        report.Row(
            SUITE,
            job.name,
            "MB",
            report.values_of(results, job.frameworks, job.name, "MB"),
            targets=list(TARGETS),
        )
        for job in jobs
    ]


if __name__ == "__main__":
    args = harness.worker_args(__doc__.splitlines()[0])
    harness.emit(worker(args.framework, args.threads, args.quick, args.only))
