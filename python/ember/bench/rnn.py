"""Recurrent-kernel suite: LSTM and GRU forward + backward through time over whole sequences
(gradients for the input, the initial states and all weights), ember's fused kernels against
PyTorch's ``nn.LSTM`` / ``nn.GRU`` (batch_first).

Worker: ``python rnn.py --worker ember|torch --threads N [--quick]``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

if __package__:
    from ember.bench import harness, report
else:  # run by path as a worker, maybe by an interpreter without ember: load the siblings
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import harness
    import report

SUITE = "rnn"
TITLE = "LSTM/GRU whole-sequence forward+backward kernels vs nn.LSTM/nn.GRU"
# (batch, time, input, hidden)
SHAPES = [(32, 50, 32, 128), (64, 100, 64, 256), (1, 200, 16, 64)]
GATES = {"lstm": 4, "gru": 3}


def workloads(quick: bool) -> list[harness.Workload]:
    """Every cell and shape; FLOPs are the forward's two products plus the backward's four
    (state gradient through U, dx, dW, dU), 2 per multiply-add. ``quick``: one shape per cell.

    Example:
        >>> [w.name for w in workloads(True)]
        ['lstm fwd+bwd (B,T,I,H)=(32, 50, 32, 128)', 'gru fwd+bwd (B,T,I,H)=(32, 50, 32, 128)']
    """
    jobs = []
    for cell in ("lstm", "gru"):
        for shape in SHAPES[:1] if quick else SHAPES:
            b, t, i, h = shape
            flops = 2.0 * 3 * b * t * GATES[cell] * h * (i + h)
            params = {"cell": cell, "shape": shape}
            jobs.append(harness.Workload(f"{cell} fwd+bwd (B,T,I,H)={shape}", flops, params))
    return jobs


# ---------------------------------------------------------------------------------- workers


def ember_job(cell: str, shape: tuple, rng: np.random.Generator) -> Callable[[], Any]:
    """One forward + backward through ember's fused sequence kernels."""
    from ember import _C

    b, t, i, h = shape
    g = GATES[cell]
    x = rng.standard_normal((b, t, i), np.float32)
    kernel = (rng.standard_normal((i, g * h)) / np.sqrt(i)).astype(np.float32)
    rec = (rng.standard_normal((h, g * h)) / np.sqrt(h)).astype(np.float32)
    bias = np.zeros((2, g * h) if cell == "gru" else g * h, np.float32)
    h0 = np.zeros((b, h), np.float32)
    dy = rng.standard_normal((b, t, h), np.float32)
    if cell == "lstm":

        def lstm_step() -> None:
            h_seq, _, _, state = _C.lstm_forward(x, kernel, rec, bias, h0, h0)
            _C.lstm_backward(
                dy, None, None, x, kernel, rec, bias, h0, h0, None, None, h_seq, state,
                activation="tanh", recurrent_activation="sigmoid", go_backwards=False,
            )  # fmt: skip

        return lstm_step

    def gru_step() -> None:
        h_seq, _, state = _C.gru_forward(x, kernel, rec, bias, h0)
        _C.gru_backward(
            dy, None, x, kernel, rec, bias, h0, None, None, h_seq, state,
            activation="tanh", recurrent_activation="sigmoid", reset_after=True,
            go_backwards=False,
        )  # fmt: skip

    return gru_step


def torch_job(cell: str, shape: tuple, rng: np.random.Generator) -> Callable[[], Any]:
    """The same through ``nn.LSTM`` / ``nn.GRU`` with gradients for input and states."""
    import torch

    b, t, i, h = shape
    module = (torch.nn.LSTM if cell == "lstm" else torch.nn.GRU)(i, h, batch_first=True)
    x = torch.from_numpy(rng.standard_normal((b, t, i), np.float32)).requires_grad_(True)
    h0 = torch.zeros(1, b, h, requires_grad=True)
    state: Any = (h0, torch.zeros(1, b, h, requires_grad=True)) if cell == "lstm" else h0
    dy = torch.from_numpy(rng.standard_normal((b, t, h), np.float32))
    params = [x, *module.parameters(), *(state if cell == "lstm" else [state])]

    def step() -> None:
        for p in params:
            p.grad = None
        y, _ = module(x, state)
        y.backward(dy)

    return step


def worker(framework: str, threads: int, quick: bool, only: str | None = None) -> dict:
    """Seconds per forward + backward of every selected job, plus ``_info``."""
    rng = np.random.default_rng(0)
    out: dict = {"_info": harness.set_threads(framework, threads)}
    samples, min_s = (5, 0.1) if quick else (9, 0.2)
    for job in harness.select(workloads(quick), only):
        make = ember_job if framework == "ember" else torch_job
        fn = make(job.params["cell"], job.params["shape"], rng)
        out[job.name] = harness.time_median(fn, samples=samples, min_sample_s=min_s)
    return out


# ----------------------------------------------------------------------------------- driver


def run(ctx: harness.Context) -> list[report.Row]:
    """Times the selected recurrent jobs in ember and PyTorch; rows in milliseconds."""
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
        )
        for job in jobs
    ]


if __name__ == "__main__":
    args = harness.worker_args(__doc__.splitlines()[0])
    harness.emit(worker(args.framework, args.threads, args.quick, args.only))
