"""Kernel benchmarks: conv2d (forward, forward+backward), pooling (forward+backward) and GEMM,
ember against PyTorch CPU and numpy, 2 threads, each framework in its own process.

    python bench/kernels.py                 # table + bench/results/kernels.json
    python bench/kernels.py --threads 1 --quick
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import machine, print_table, run_rounds, time_median, write_json  # noqa: E402

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


def conv_out(h: int, k: int, padding: str) -> int:
    return h if padding == "same" else h - k + 1


def conv_gemm_shape(shape) -> tuple[int, int, int]:
    n, h, w, c, o, k, padding = shape
    return n * conv_out(h, k, padding) * conv_out(w, k, padding), o, k * k * c


def conv_name(shape) -> str:
    n, h, w, c, o, k, padding = shape
    return f"({n},{h},{w},{c}->{o},{k}x{k},{padding})"


def workloads(quick: bool):
    """(name, flops, kind, params) for every job."""
    jobs = []
    for shape in CONV_SHAPES[:3] if quick else CONV_SHAPES:
        m, n, k = conv_gemm_shape(shape)
        jobs.append((f"conv2d fwd {conv_name(shape)}", 2.0 * m * n * k, "conv_fwd", shape))
        jobs.append((f"conv2d fwd+bwd {conv_name(shape)}", 6.0 * m * n * k, "conv_fwdbwd", shape))
    for kind in ("max", "avg"):
        jobs.append((f"{kind}pool 2x2 fwd+bwd {POOL_SHAPE}", 0.0, f"{kind}pool", POOL_SHAPE))
    gemms = sorted({conv_gemm_shape(s) for s in CONV_SHAPES}) + [(1024, 1024, 1024)]
    for m, n, k in gemms[:3] if quick else gemms:
        jobs.append((f"gemm {m}x{n}x{k}", 2.0 * m * n * k, "gemm", (m, n, k)))
    return jobs


# ---------------------------------------------------------------------------------- workers


def ember_job(kind: str, p, rng):
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

        def step():
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

        def step():
            _C.max_pool2d_forward(x, return_indices=True)
            _C.max_pool2d_backward(dy, idx, x.shape, out=dx)

        return step
    y = _C.avg_pool2d_forward(x)
    dy = rng.standard_normal(y.shape, np.float32)

    def step():
        _C.avg_pool2d_forward(x, out=y)
        _C.avg_pool2d_backward(dy, x.shape, out=dx)

    return step


def torch_job(kind: str, p, rng, channels_last: bool = False):
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
        pad = "same" if padding == "same" else 0
        if kind == "conv_fwd":

            def fwd():
                with torch.no_grad():
                    F.conv2d(x, wt, bias, padding=pad)

            return fwd
        x.requires_grad_(True)
        wt.requires_grad_(True)
        bias.requires_grad_(True)
        dy = torch.randn(F.conv2d(x, wt, bias, padding=pad).shape).contiguous(memory_format=fmt)

        def step():
            x.grad = wt.grad = bias.grad = None
            F.conv2d(x, wt, bias, padding=pad).backward(dy)

        return step
    n, h, w, c = p
    x = torch.randn(n, c, h, w).contiguous(memory_format=fmt).requires_grad_(True)
    pool = F.max_pool2d if kind == "maxpool" else F.avg_pool2d
    dy = torch.randn(pool(x, 2).shape).contiguous(memory_format=fmt)

    def step():
        x.grad = None
        pool(x, 2).backward(dy)

    return step


def numpy_job(kind: str, p, rng):
    if kind != "gemm":
        return None
    m, n, k = p
    a, b = rng.standard_normal((m, k), np.float32), rng.standard_normal((k, n), np.float32)
    c = np.empty((m, n), np.float32)
    return lambda: np.matmul(a, b, out=c)


def worker(framework: str, threads: int, quick: bool) -> dict:
    rng = np.random.default_rng(0)
    out = {}
    if framework == "ember":
        import ember

        ember.set_num_threads(threads)
        out["_peak_gflops"] = ember._C.measure_peak_gflops(0.3)
        out["_info"] = ember.build_info()
    elif framework.startswith("torch"):
        import torch

        torch.set_num_threads(threads)
        out["_info"] = {"torch": torch.__version__}
    for name, _, kind, params in workloads(quick):
        if framework == "ember":
            fn = ember_job(kind, params, rng)
        elif framework == "torch":
            fn = torch_job(kind, params, rng)
        elif framework == "torch-cl":
            fn = None if kind == "gemm" else torch_job(kind, params, rng, channels_last=True)
        else:
            fn = numpy_job(kind, params, rng)
        if fn is not None:
            out[name] = time_median(fn)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--quick", action="store_true", help="fewer shapes")
    ap.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="alternate the frameworks this many times; report the median",
    )
    ap.add_argument("--json", type=Path, default=Path(__file__).parent / "results/kernels.json")
    args = ap.parse_args()
    extra = ["--quick"] if args.quick else []
    if args.worker:
        print(json.dumps(worker(args.worker, args.threads, args.quick)))
        return 0

    frameworks = ["ember", "torch", "torch-cl", "numpy"]
    results = run_rounds(Path(__file__), frameworks, args.threads, extra, args.rounds)
    for fw, res in results.items():
        if "error" in res:
            print(f"{fw}: not measured ({res['error']})")
    peak = results["ember"].get("_peak_gflops", float("nan"))
    rows = []
    for name, flops, _, _ in workloads(args.quick):
        row = {"name": name, "flops": flops}
        for fw in frameworks:
            row[fw] = results[fw].get(name)
        rows.append(row)
    print(
        f"{args.threads} threads, measured FP32 peak {peak:.0f} GFLOP/s "
        f"({results['ember'].get('_info', {}).get('isa')}); ratio = ember time / peer time"
    )
    print_table(rows, [fw for fw in frameworks[1:] if "error" not in results[fw]], peak)
    write_json(
        args.json,
        {
            "date": time.strftime("%Y-%m-%d"),
            "machine": machine(),
            "threads": args.threads,
            "peak_gflops": peak,
            "rows": rows,
            "info": {fw: r.get("_info") for fw, r in results.items()},
        },
    )
    print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
