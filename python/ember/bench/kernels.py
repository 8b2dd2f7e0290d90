"""Kernel suite: conv2d forward and forward+backward, max/avg pooling forward+backward and GEMM,
ember against PyTorch CPU (NCHW and channels_last) and numpy's BLAS for GEMM.

Worker: ``python kernels.py --worker ember|torch|torch-cl|numpy --threads N [--quick]``.
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

SUITE = "kernels"
TITLE = "conv2d, pooling and GEMM kernels; peers: PyTorch NCHW, channels_last (torch-cl), numpy"
# (N, H, W, C, O, k, padding)
CONV_SHAPES = [
    (32, 32, 32, 3, 32, 3, "same"),
    (32, 16, 16, 32, 64, 3, "same"),
    (64, 28, 28, 1, 32, 3, "same"),
    (32, 8, 8, 64, 128, 3, "same"),
    (8, 56, 56, 64, 64, 3, "same"),
    (128, 32, 32, 1, 6, 5, "valid"),  # LeNet-5 first layer
]
POOL_SHAPE = (32, 32, 32, 32)
CONV_PEERS = ("ember", "torch", "torch-cl")
# The target for well-shaped convolutions: 3x3 kernels over at least 32 input channels.
CONV_PEAK_TARGET = report.Target("pct_peak", ">=", 50.0)


def conv_out(h: int, k: int, padding: str) -> int:
    """Output size of a stride-1 convolution."""
    return h if padding == "same" else h - k + 1


def conv_gemm_shape(shape: tuple) -> tuple[int, int, int]:
    """(M, N, K) of the convolution as one GEMM (im2col rows x filters x patch size).

    Example:
        >>> conv_gemm_shape((32, 16, 16, 32, 64, 3, "same"))
        (8192, 64, 288)
    """
    n, h, w, c, o, k, padding = shape
    return n * conv_out(h, k, padding) * conv_out(w, k, padding), o, k * k * c


def conv_name(shape: tuple) -> str:
    n, h, w, c, o, k, padding = shape
    return f"({n},{h},{w},{c}->{o},{k}x{k},{padding})"


def workloads(quick: bool) -> list[harness.Workload]:
    """Every kernel job; ``quick`` keeps three conv shapes and three GEMMs.

    Example:
        >>> [w.name for w in workloads(True)][:2]
        ['conv2d fwd (32,32,32,3->32,3x3,same)', 'conv2d fwd+bwd (32,32,32,3->32,3x3,same)']
    """
    W = harness.Workload
    jobs = []
    for shape in CONV_SHAPES[:3] if quick else CONV_SHAPES:
        m, n, k = conv_gemm_shape(shape)
        name = conv_name(shape)
        params = {"kind": "conv_fwd", "shape": shape}
        jobs.append(W(f"conv2d fwd {name}", 2.0 * m * n * k, params, CONV_PEERS))
        params = {"kind": "conv_fwdbwd", "shape": shape}
        jobs.append(W(f"conv2d fwd+bwd {name}", 6.0 * m * n * k, params, CONV_PEERS))
    for kind in ("max", "avg"):
        params = {"kind": f"{kind}pool", "shape": POOL_SHAPE}
        jobs.append(W(f"{kind}pool 2x2 fwd+bwd {POOL_SHAPE}", 0.0, params, CONV_PEERS))
    gemms = sorted({conv_gemm_shape(s) for s in CONV_SHAPES}) + [(1024, 1024, 1024)]
    for m, n, k in gemms[:3] if quick else gemms:
        params = {"kind": "gemm", "shape": (m, n, k)}
        jobs.append(W(f"gemm {m}x{n}x{k}", 2.0 * m * n * k, params, ("ember", "torch", "numpy")))
    return jobs


# ---------------------------------------------------------------------------------- workers


def ember_job(kind: str, p: tuple, rng: np.random.Generator) -> Callable[[], Any]:
    """One call of ember's kernels for the job, on preallocated outputs."""
    from ember import _C

    if kind == "gemm":
        m, n, k = p
        a, b = rng.standard_normal((m, k), np.float32), rng.standard_normal((k, n), np.float32)
        c = np.empty((m, n), np.float32)
        return lambda: _C.gemm(a, b, c=c)
    if kind in ("conv_fwd", "conv_fwdbwd"):
        n, h, w, c, o, k, padding = p
        x = rng.standard_normal((n, h, w, c), np.float32)
        wt = rng.standard_normal((k, k, c, o), np.float32)
        bias = rng.standard_normal(o, np.float32)
        y = _C.conv2d_forward(x, wt, bias, padding=padding)
        dy = rng.standard_normal(y.shape, np.float32)
        dx, dw, db = np.empty_like(x), np.empty_like(wt), np.empty_like(bias)
        if kind == "conv_fwd":
            return lambda: _C.conv2d_forward(x, wt, bias, padding=padding, out=y)

        def step() -> None:
            _C.conv2d_forward(x, wt, bias, padding=padding, out=y)
            _C.conv2d_backward_input(dy, wt, x.shape, padding=padding, out=dx)
            _C.conv2d_backward_weight(x, dy, (k, k), padding=padding, out=dw)
            _C.conv2d_backward_bias(dy, out=db)

        return step
    x = rng.standard_normal(p, np.float32)
    dx = np.empty_like(x)
    if kind == "maxpool":
        y, idx = _C.max_pool2d_forward(x, return_indices=True)
        dy = rng.standard_normal(y.shape, np.float32)

        def max_step() -> None:
            _C.max_pool2d_forward(x, return_indices=True)
            _C.max_pool2d_backward(dy, idx, x.shape, out=dx)

        return max_step
    y = _C.avg_pool2d_forward(x)
    dy = rng.standard_normal(y.shape, np.float32)

    def avg_step() -> None:
        _C.avg_pool2d_forward(x, out=y)
        _C.avg_pool2d_backward(dy, x.shape, out=dx)

    return avg_step


def torch_job(kind: str, p: tuple, channels_last: bool = False) -> Callable[[], Any]:
    """The same job with ``torch.nn.functional`` (NCHW, or NHWC memory as channels_last)."""
    import torch
    import torch.nn.functional as F

    fmt = torch.channels_last if channels_last else torch.contiguous_format
    if kind == "gemm":
        m, n, k = p
        a, b = torch.randn(m, k), torch.randn(k, n)
        c = torch.empty(m, n)
        return lambda: torch.matmul(a, b, out=c)
    if kind in ("conv_fwd", "conv_fwdbwd"):
        n, h, w, c, o, k, padding = p
        x = torch.randn(n, c, h, w).contiguous(memory_format=fmt)
        wt = torch.randn(o, c, k, k).contiguous(memory_format=fmt)
        bias = torch.randn(o)
        pad: Any = "same" if padding == "same" else 0
        if kind == "conv_fwd":

            def fwd() -> None:
                with torch.no_grad():
                    F.conv2d(x, wt, bias, padding=pad)

            return fwd
        for t in (x, wt, bias):
            t.requires_grad_(True)
        dy = torch.randn(F.conv2d(x, wt, bias, padding=pad).shape).contiguous(memory_format=fmt)

        def step() -> None:
            x.grad = wt.grad = bias.grad = None
            F.conv2d(x, wt, bias, padding=pad).backward(dy)

        return step
    n, h, w, c = p
    x = torch.randn(n, c, h, w).contiguous(memory_format=fmt).requires_grad_(True)
    pool = F.max_pool2d if kind == "maxpool" else F.avg_pool2d
    dy = torch.randn(pool(x, 2).shape).contiguous(memory_format=fmt)

    def pool_step() -> None:
        x.grad = None
        pool(x, 2).backward(dy)

    return pool_step


def numpy_job(kind: str, p: tuple, rng: np.random.Generator) -> Callable[[], Any]:
    """GEMM through numpy's BLAS (the only numpy job)."""
    m, n, k = p
    a, b = rng.standard_normal((m, k), np.float32), rng.standard_normal((k, n), np.float32)
    c = np.empty((m, n), np.float32)
    return lambda: np.matmul(a, b, out=c)


def worker(framework: str, threads: int, quick: bool, only: str | None = None) -> dict:
    """Seconds per call of every selected job this framework runs, plus ``_info``."""
    rng = np.random.default_rng(0)
    out: dict = {"_info": harness.set_threads(framework, threads)}
    samples, min_s = (3, 0.03) if quick else (7, 0.05)
    for job in harness.select(workloads(quick), only):
        if framework not in job.frameworks:
            continue
        kind, shape = job.params["kind"], job.params["shape"]
        if framework == "ember":
            fn = ember_job(kind, shape, rng)
        elif framework == "numpy":
            fn = numpy_job(kind, shape, rng)
        else:
            fn = torch_job(kind, shape, channels_last=framework == "torch-cl")
        out[job.name] = harness.time_median(fn, samples=samples, min_sample_s=min_s)
    return out


# ----------------------------------------------------------------------------------- driver


def run(ctx: harness.Context) -> list[report.Row]:
    """Times the selected kernel jobs in every framework; rows in milliseconds."""
    jobs = harness.select(workloads(ctx.quick), ctx.only)
    results = harness.measure(Path(__file__), jobs, ctx)
    rows = []
    for job in jobs:
        values = report.values_of(results, job.frameworks, job.name, "ms")
        targets = []
        if job.params["kind"] == "conv_fwdbwd":
            shape = job.params["shape"]
            if shape[5] == 3 and shape[3] >= 32:
                targets.append(CONV_PEAK_TARGET)
        rows.append(report.Row(SUITE, job.name, "ms", values, job.flops, ctx.peak_gflops, targets))
    return rows


if __name__ == "__main__":
    args = harness.worker_args(__doc__.splitlines()[0])
    harness.emit(worker(args.framework, args.threads, args.quick, args.only))
