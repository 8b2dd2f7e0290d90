"""Recurrent-kernel benchmarks: LSTM and GRU forward + backward through time (input, initial-state
and weight gradients) over whole sequences, ember's fused kernels against PyTorch CPU
(nn.LSTM / nn.GRU, batch_first), 2 threads, each framework in its own process.

    python bench/rnn.py                 # table + bench/results/rnn.json
    python bench/rnn.py --threads 1 --rounds 1
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

# (batch, time, input, hidden)
SHAPES = [(32, 50, 32, 128), (64, 100, 64, 256), (1, 200, 16, 64)]
GATES = {"lstm": 4, "gru": 3}


def workloads(quick: bool):
    """(name, flops, cell, shape) for every job: the forward's two products plus the backward's
    four (state gradient through U, dx, dW, dU), 2 flops per multiply-add."""
    jobs = []
    for cell in ("lstm", "gru"):
        for shape in SHAPES[:1] if quick else SHAPES:
            b, t, i, h = shape
            flops = 2.0 * 3 * b * t * GATES[cell] * h * (i + h)
            jobs.append((f"{cell} fwd+bwd (B,T,I,H)={shape}", flops, cell, shape))
    return jobs


def ember_job(cell: str, shape, rng):
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

        def step():
            h_seq, _, _, state = _C.lstm_forward(x, kernel, rec, bias, h0, h0)
            _C.lstm_backward(
                dy, None, None, x, kernel, rec, bias, h0, h0, None, None, h_seq, state,
                activation="tanh", recurrent_activation="sigmoid", go_backwards=False,
            )  # fmt: skip

        return step

    def step():
        h_seq, _, state = _C.gru_forward(x, kernel, rec, bias, h0)
        _C.gru_backward(
            dy, None, x, kernel, rec, bias, h0, None, None, h_seq, state,
            activation="tanh", recurrent_activation="sigmoid", reset_after=True,
            go_backwards=False,
        )  # fmt: skip

    return step


def torch_job(cell: str, shape, rng):
    import torch

    b, t, i, h = shape
    module = (torch.nn.LSTM if cell == "lstm" else torch.nn.GRU)(i, h, batch_first=True)
    x = torch.from_numpy(rng.standard_normal((b, t, i), np.float32)).requires_grad_(True)
    h0 = torch.zeros(1, b, h, requires_grad=True)
    state = (h0, torch.zeros(1, b, h, requires_grad=True)) if cell == "lstm" else h0
    dy = torch.from_numpy(rng.standard_normal((b, t, h), np.float32))
    params = [x, *module.parameters(), *(state if cell == "lstm" else [state])]

    def step():
        for p in params:
            p.grad = None
        y, _ = module(x, state)
        y.backward(dy)

    return step


def worker(framework: str, threads: int, quick: bool) -> dict:
    rng = np.random.default_rng(0)
    out = {}
    if framework == "ember":
        import ember

        ember.set_num_threads(threads)
        out["_peak_gflops"] = ember._C.measure_peak_gflops(0.3)
        out["_info"] = ember.build_info()
    else:
        import torch

        torch.set_num_threads(threads)
        out["_info"] = {"torch": torch.__version__, "mkldnn": torch.backends.mkldnn.is_available()}
    for name, _, cell, shape in workloads(quick):
        fn = ember_job(cell, shape, rng) if framework == "ember" else torch_job(cell, shape, rng)
        out[name] = time_median(fn, samples=9, min_sample_s=0.2)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--quick", action="store_true", help="one shape per cell")
    ap.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="alternate the frameworks this many times; report the median",
    )
    ap.add_argument("--json", type=Path, default=Path(__file__).parent / "results/rnn.json")
    args = ap.parse_args()
    extra = ["--quick"] if args.quick else []
    if args.worker:
        print(json.dumps(worker(args.worker, args.threads, args.quick)))
        return 0

    frameworks = ["ember", "torch"]
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
