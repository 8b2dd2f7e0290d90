"""GPU training-step benchmarks: the end-to-end workloads of bench/training.py (CIFAR-style CNN,
LeNet-5, stacked LSTM, GRU classifier; one Adam step per call) with ember on CUDA against
PyTorch on CUDA. Same method as the CPU benchmarks: each framework in its own process, warm-up,
median of repeated samples, rounds alternating the frameworks; ratios are ember time / PyTorch
time. Both copy the host batch to the GPU and read the loss back every step.

Without a usable GPU (a CPU-only build, no driver, no device) it prints why and exits 0.

    python bench/cuda.py                 # ember CUDA vs PyTorch CUDA
    python bench/cuda.py --only lstm,gru
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import machine, print_table, run_rounds, time_median, write_json  # noqa: E402
from training import ember_step, flops, selected, torch_step  # noqa: E402


def unavailable() -> str | None:
    """Why ember cannot run on a GPU here, or None."""
    import ember

    return None if ember.cuda.is_available() else ember.cuda.unavailable_reason()


def worker(framework: str, threads: int, only: str | None = None) -> dict:
    if framework == "torch":
        import torch

        if not torch.cuda.is_available():
            raise SystemExit("PyTorch has no usable CUDA device (a CPU-only PyTorch build?)")
        torch.set_num_threads(threads)
        info = {"torch": torch.__version__, "device": torch.cuda.get_device_name(0)}
        make = torch_step
    else:
        import ember

        ember.set_num_threads(threads)
        info = ember.build_info()
        make = ember_step
    out: dict = {"_info": info}
    for model_name, batch in selected(only):
        step = make(model_name, batch, device="cuda")
        out[f"{model_name} b{batch}"] = time_median(step, warmup=10, samples=7, min_sample_s=0.3)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--json", type=Path, default=Path(__file__).parent / "results/cuda.json")
    ap.add_argument("--only", help="comma-separated workload name parts, e.g. lstm,gru")
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.threads, args.only)))
        return 0
    reason = unavailable()
    if reason is not None:
        print(f"bench/cuda.py skipped: CUDA is unavailable: {reason}")
        return 0
    extra = ["--only", args.only] if args.only else []
    frameworks = ["ember", "torch"]
    results = run_rounds(Path(__file__), frameworks, args.threads, extra, args.rounds)
    for fw, res in results.items():
        if "error" in res:
            print(f"{fw}: not measured ({res['error']})")
    rows = []
    for model_name, batch in selected(args.only):
        name = f"{model_name} b{batch}"
        row = {"name": f"GPU train step {name}", "flops": flops(model_name, batch)}
        for fw in frameworks:
            row[fw] = results[fw].get(name)
        rows.append(row)
    device = results["ember"].get("_info", {}).get("cuda_device", "GPU")
    print(f"{device}; ratio = ember time / PyTorch time (one Adam training step on the GPU)")
    print_table(rows, [fw for fw in frameworks[1:] if "error" not in results[fw]], float("nan"))
    write_json(
        args.json,
        {
            "date": time.strftime("%Y-%m-%d"),
            "machine": machine(),
            "device": device,
            "rows": rows,
            "info": {fw: r.get("_info") for fw, r in results.items()},
        },
    )
    print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
