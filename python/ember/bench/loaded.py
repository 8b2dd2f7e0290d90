"""Loaded suite: how much a step slows down when other programs compete for the CPU. The CIFAR
CNN training step (batch 32), the stacked LSTM training step (batch 32) and the batch-1 CIFAR
predict are timed on a quiet machine, then beside one and three unpinned busy loops (separate
processes running ``while True: pass``), for ember and PyTorch with the same thread count.

Rows: the times of each case, then each framework's loaded/quiet ratio. With one loop on a
machine with as many cores as threads, a framework keeps about half the cores, so about 2x is
the floor; ember's target is at most 2.0x under one loop and 4x under three.

Worker: ``python loaded.py --worker ember|torch --threads N [--quick]``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__:
    from ember.bench import harness, models, report
else:  # run by path as a worker, maybe by an interpreter without ember: load the siblings
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import harness
    import models
    import report

SUITE = "loaded"
TITLE = "steps beside busy loops (ms; loaded/quiet ratios below the times)"
CASES = [("step", "cifar_cnn", 32), ("step", "stacked_lstm", 32), ("predict", "cifar_cnn", 1)]
LOADS = {0: "quiet", 1: "1 busy loop", 3: "3 busy loops"}
BOUNDS = {1: 2.0, 3: 4.0}  # ember's loaded/quiet targets


def case_name(kind: str, model: str, batch: int) -> str:
    """e.g. ``step cifar_cnn b32``."""
    return f"{kind} {model} b{batch}"


def workloads(quick: bool) -> list[harness.Workload]:
    """Every case under every load.

    Example:
        >>> [w.name for w in workloads(True)][:2]
        ['step cifar_cnn b32, quiet', 'step cifar_cnn b32, 1 busy loop']
    """
    return [
        harness.Workload(
            f"{case_name(kind, model, batch)}, {label}",
            0.0,
            {"kind": kind, "model": model, "batch": batch, "load": load},
            ("ember", "torch"),
        )
        for kind, model, batch in CASES
        for load, label in LOADS.items()
    ]


# ---------------------------------------------------------------------------------- workers


def ember_call(kind: str, model: str, batch: int) -> Callable[[], Any]:
    """One ember training step (``train_on_batch``) or batch-1 prediction."""
    net = models.ember_model(model)
    x, y = models.data(model, batch)
    if kind == "predict":
        return lambda: net.predict_on_batch(x)
    return lambda: net.train_on_batch(x, y)


def torch_call(kind: str, model: str, batch: int) -> Callable[[], Any]:
    """The same step in PyTorch: zero_grad, forward, loss, backward, Adam; or an eval-mode
    forward under inference_mode."""
    import torch

    net, loss_fn = models.torch_model(model)
    xt, yt = models.torch_data(model, *models.data(model, batch))
    if kind == "predict":
        net.eval()

        def predict() -> Any:
            with torch.inference_mode():
                return net(xt)

        return predict
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)

    def step() -> None:
        opt.zero_grad(set_to_none=True)
        loss_fn(net(xt), yt).backward()
        opt.step()

    return step


class BusyLoops:
    """``n`` competing CPU-bound processes for the duration of a ``with`` block."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.procs: list[subprocess.Popen] = []

    def __enter__(self) -> BusyLoops:
        code = "while True: pass"
        self.procs = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(self.n)]
        if self.n:
            time.sleep(0.3)  # let the scheduler see them as CPU-bound
        return self

    def __exit__(self, *exc: object) -> None:
        for proc in self.procs:
            proc.kill()
        for proc in self.procs:
            proc.wait()


def worker(framework: str, threads: int, quick: bool, only: str | None = None) -> dict:
    """Seconds per call of every selected case under its load, plus ``_info``."""
    out: dict = {"_info": harness.set_threads(framework, threads)}
    make = ember_call if framework == "ember" else torch_call
    samples = 5 if quick else 9
    calls: dict[tuple, Callable[[], Any]] = {}
    for job in harness.select(workloads(quick), only):
        p = job.params
        key = (p["kind"], p["model"], p["batch"])
        if key not in calls:
            calls[key] = make(*key)
        min_s = 0.05 if p["kind"] == "predict" else 0.1
        with BusyLoops(p["load"]):
            out[job.name] = harness.time_median(
                calls[key], warmup=5, samples=samples, min_sample_s=min_s
            )
    return out


# ----------------------------------------------------------------------------------- driver


def ratio_rows(rows: list[report.Row]) -> list[report.Row]:
    """Each case's loaded/quiet ratio per framework, with ember's bound as its target.

    Example:
        >>> quiet = report.Row(SUITE, "step x b1, quiet", "ms", {"ember": 2.0, "torch": 4.0})
        >>> busy = report.Row(SUITE, "step x b1, 1 busy loop", "ms", {"ember": 3.0, "torch": 9.0})
        >>> [r.values for r in ratio_rows([quiet, busy])]
        [{'ember': 1.5, 'torch': 2.25}]
    """
    by_name = {row.name: row for row in rows}
    out = []
    for row in rows:
        case, _, label = row.name.rpartition(", ")
        load = next((n for n, text in LOADS.items() if text == label), 0)
        quiet = by_name.get(f"{case}, {LOADS[0]}")
        if load == 0 or quiet is None:
            continue
        values = {
            fw: (v / q if v and (q := quiet.values.get(fw)) else None)
            for fw, v in row.values.items()
        }
        target = report.Target("ember", "<=", BOUNDS[load])
        out.append(report.Row(SUITE, f"{case}: {label} / quiet", "x", values, targets=[target]))
    return out


def run(ctx: harness.Context) -> list[report.Row]:
    """Times every case under every load; rows in milliseconds, then the ratios."""
    jobs = harness.select(workloads(ctx.quick), ctx.only)
    results = harness.measure(Path(__file__), jobs, ctx)
    rows = [
        report.Row(SUITE, job.name, "ms", report.values_of(results, job.frameworks, job.name, "ms"))
        for job in jobs
    ]
    return rows + ratio_rows(rows)


if __name__ == "__main__":
    args = harness.worker_args(__doc__.splitlines()[0])
    harness.emit(worker(args.framework, args.threads, args.quick, args.only))
