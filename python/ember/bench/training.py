"""Training suite: end-to-end ``model.fit`` of the seed CIFAR-style CNN and LeNet-5 (batch 32
and 128), the stacked LSTM forecaster (batch 32) and a GRU classifier (batch 64).

Time per step = the marginal cost of a batch inside ``fit``: a short and a long epoch
(``verbose=0``, ``shuffle=False`` so all frameworks see the same batches, each after a warm-up
``fit``) are timed, and the difference is divided by the difference in batches. That removes
each ``fit`` call's fixed cost (Keras builds a data pipeline and a callback list per call:
about 120 ms, measured), which a real epoch of hundreds of batches spreads thin but a short
timed epoch would charge to every step.
The PyTorch peer is the equivalent plain loop (zero_grad, forward, loss, backward, Adam step)
over the same batches; the Keras peer is Keras ``fit`` with the same model.

Worker: ``python training.py --worker ember|torch|keras --threads N [--quick]``.
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

SUITE = "training"
TITLE = "training step through model.fit (ms per batch); PyTorch: plain Adam loop"
WORKLOADS = [
    ("cifar_cnn", 32),
    ("cifar_cnn", 128),
    ("lenet5", 32),
    ("lenet5", 128),
    ("stacked_lstm", 32),
    ("gru_classifier", 64),
]
TARGETS = [report.Target("torch", "<=", 0.8), report.Target("keras", "<=", 0.5)]


def steps_per_fit(quick: bool) -> tuple[int, int]:
    """Batches in the short and the long timed ``fit`` epochs."""
    # The slope of two timings is noisier than either: the long epoch is long enough that
    # the difference (28 batches) dwarfs a shared machine's jitter.
    return (2, 8) if quick else (4, 32)


def workloads(quick: bool) -> list[harness.Workload]:
    """Every model and batch size; ``quick`` drops the batch-128 runs.

    Example:
        >>> [w.name for w in workloads(True)]
        ['fit cifar_cnn b32', 'fit lenet5 b32', 'fit stacked_lstm b32', 'fit gru_classifier b64']
    """
    return [
        harness.Workload(
            f"fit {model} b{batch}",
            models.train_flops(model, batch),
            {"model": model, "batch": batch},
            ("ember", "torch", "keras"),
        )
        for model, batch in WORKLOADS
        if not (quick and batch == 128)
    ]


# ---------------------------------------------------------------------------------- workers


def ember_fit(model: str, batch: int, steps: int) -> Callable[[], Any]:
    """One ember ``fit`` epoch over ``steps`` batches."""
    net = models.ember_model(model)
    x, y = models.data(model, batch, steps)
    return lambda: net.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=False)


def keras_fit(model: str, batch: int, steps: int) -> Callable[[], Any]:
    """One Keras ``fit`` epoch over ``steps`` batches."""
    net = models.keras_model(model)
    x, y = models.data(model, batch, steps)
    return lambda: net.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=False)


def torch_fit(model: str, batch: int, steps: int) -> Callable[[], Any]:
    """The plain PyTorch loop over the same ``steps`` batches with Adam (lr 1e-3)."""
    import torch

    net, loss_fn = models.torch_model(model)
    xt, yt = models.torch_data(model, *models.data(model, batch, steps))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    batches = [
        (xt[i * batch : (i + 1) * batch], yt[i * batch : (i + 1) * batch]) for i in range(steps)
    ]

    def epoch() -> None:
        for xb, yb in batches:
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(net(xb), yb)
            loss.backward()
            opt.step()

    return epoch


FIT = {"ember": ember_fit, "torch": torch_fit, "keras": keras_fit}


def worker(framework: str, threads: int, quick: bool, only: str | None = None) -> dict:
    """Seconds per training step of every selected workload, plus ``_info``."""
    out: dict = {"_info": harness.set_threads(framework, threads)}
    short, long = steps_per_fit(quick)
    samples = 3 if quick else 5
    for job in harness.select(workloads(quick), only):
        seconds = {}
        for steps in (short, long):
            fit = FIT[framework](job.params["model"], job.params["batch"], steps)
            # One fit per sample (each lasts many ms); the warm-up fit traces/compiles for Keras.
            seconds[steps] = harness.time_median(fit, warmup=1, samples=samples, min_sample_s=0)
        out[job.name] = max(seconds[long] - seconds[short], 0.0) / (long - short)
    return out


# ----------------------------------------------------------------------------------- driver


def run(ctx: harness.Context) -> list[report.Row]:
    """Times the selected training workloads; rows in milliseconds per step."""
    jobs = harness.select(workloads(ctx.quick), ctx.only)
    results = harness.measure(Path(__file__), jobs, ctx)
    return [
        report.Row(
            SUITE,
            job.name,
            "ms",
            report.values_of(results, job.frameworks, job.name, "ms"),
            job.flops,
            ctx.peak_gflops,
            list(TARGETS),
        )
        for job in jobs
    ]


if __name__ == "__main__":
    args = harness.worker_args(__doc__.splitlines()[0])
    harness.emit(worker(args.framework, args.threads, args.quick, args.only))
