"""Latency suite: single-sample inference of the CIFAR-style CNN, the call an application makes
per request: ember ``model.predict_on_batch(x[:1])``, PyTorch ``model(x)`` under
``torch.inference_mode()`` (eval mode), Keras ``predict_on_batch``.

Worker: ``python latency.py --worker ember|torch|keras --threads N [--quick]``.
"""

from __future__ import annotations

import os
import sys
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

SUITE = "latency"
TITLE = "single-sample predict_on_batch latency (PyTorch: inference_mode)"
MODELS = ["cifar_cnn"]
TARGETS = [report.Target("torch", "<=", 0.5)]


def workloads(quick: bool) -> list[harness.Workload]:
    """One batch-1 prediction per model.

    Example:
        >>> [w.name for w in workloads(True)]
        ['predict cifar_cnn b1']
    """
    return [
        harness.Workload(f"predict {m} b1", 0.0, {"model": m}, ("ember", "torch", "keras"))
        for m in MODELS
    ]


# ---------------------------------------------------------------------------------- workers


def predictor(framework: str, model: str) -> Callable[[], Any]:
    """One single-sample prediction in ``framework``."""
    x = models.data(model, 1)[0]
    if framework == "torch":
        import torch

        net, _ = models.torch_model(model)
        net.eval()
        xt = models.torch_data(model, x, x[:, 0])[0]

        def torch_predict() -> Any:
            with torch.inference_mode():
                return net(xt)

        return torch_predict
    net = models.ember_model(model) if framework == "ember" else models.keras_model(model)
    return lambda: net.predict_on_batch(x)


def worker(framework: str, threads: int, quick: bool, only: str | None = None) -> dict:
    """Seconds per prediction of every selected model, plus ``_info``."""
    out: dict = {"_info": harness.set_threads(framework, threads)}
    samples, min_s = (5, 0.05) if quick else (9, 0.1)
    for job in harness.select(workloads(quick), only):
        fn = predictor(framework, job.params["model"])
        out[job.name] = harness.time_median(fn, warmup=20, samples=samples, min_sample_s=min_s)
    return out


# ----------------------------------------------------------------------------------- driver


def run(ctx: harness.Context) -> list[report.Row]:
    """Times the predictions; rows in microseconds."""
    jobs = harness.select(workloads(ctx.quick), ctx.only)
    results = harness.measure(Path(__file__), jobs, ctx)
    return [
        report.Row(
            SUITE,
            job.name,
            "us",
            report.values_of(results, job.frameworks, job.name, "us"),
            targets=list(TARGETS),
        )
        for job in jobs
    ]


if __name__ == "__main__":
    args = harness.worker_args(__doc__.splitlines()[0])
    harness.emit(worker(args.framework, args.threads, args.quick, args.only))
