"""GPU training-step benchmarks: the end-to-end workloads of bench/training.py (CIFAR-style CNN,
LeNet-5, stacked LSTM, GRU classifier; time per step of a fit epoch) with ember on CUDA against
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

from ember.bench import harness, models
from ember.bench.training import WORKLOADS

STEPS = 10  # batches per timed fit epoch, as in the CPU training suite


def unavailable() -> str | None:
    """Why ember cannot run on a GPU here, or None."""
    import ember

    return None if ember.cuda.is_available() else ember.cuda.unavailable_reason()


def selected(only: str | None) -> list[tuple[str, int]]:
    """The (model, batch) workloads whose name matches ``only``."""
    return [(m, b) for m, b in WORKLOADS if harness.matches(f"{m} b{b}", only)]


def ember_epoch(model: str, batch: int):
    """One ember ``fit`` epoch on the GPU (batches copied over once per step)."""
    net = models.ember_model(model)
    net.to("cuda")
    x, y = models.data(model, batch, STEPS)
    return lambda: net.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=False)


def torch_epoch(model: str, batch: int):
    """The plain PyTorch Adam loop on the GPU over the same batches, copied every step."""
    import torch

    net, loss_fn = models.torch_model(model)
    net.to("cuda")
    xt, yt = models.torch_data(model, *models.data(model, batch, STEPS))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)

    def epoch() -> None:
        for i in range(STEPS):
            opt.zero_grad(set_to_none=True)
            xb = xt[i * batch : (i + 1) * batch].to("cuda")
            yb = yt[i * batch : (i + 1) * batch].to("cuda")
            loss = loss_fn(net(xb), yb)
            loss.backward()
            opt.step()
            loss.item()  # ember reads the loss back every step (a GPU sync); so does this

    return epoch


def worker(framework: str, threads: int, only: str | None = None) -> dict:
    """Seconds per GPU training step of every selected workload, plus ``_info``."""
    if framework == "torch":
        import torch

        if not torch.cuda.is_available():
            raise SystemExit("PyTorch has no usable CUDA device (a CPU-only PyTorch build?)")
        make = torch_epoch
    else:
        make = ember_epoch
    out: dict = {"_info": harness.set_threads(framework, threads)}
    for model, batch in selected(only):
        epoch = make(model, batch)
        out[f"{model} b{batch}"] = harness.time_median(epoch, warmup=1, samples=5) / STEPS
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
    results = harness.run_rounds(
        Path(__file__), ["ember", "torch"], args.threads, extra, args.rounds
    )
    rows = []
    print("workload                      ember ms   torch ms   ratio")
    for model, batch in selected(args.only):
        name = f"{model} b{batch}"
        ember_s, torch_s = results["ember"].get(name), results["torch"].get(name)
        ratio = ember_s / torch_s if ember_s and torch_s else None
        rows.append({"name": f"GPU fit step {name}", "ember": ember_s, "torch": torch_s})
        print(
            f"{name:<28} {1e3 * (ember_s or 0):9.3f} {1e3 * (torch_s or 0):9.3f} "
            f"{ratio if ratio is None else round(ratio, 2)}"
        )
    for fw, res in results.items():
        if "error" in res:
            print(f"{fw}: not measured ({res['error']})")
    harness.write_json(
        args.json,
        {
            "date": time.strftime("%Y-%m-%d"),
            "machine": harness.machine_info(),
            "rows": rows,
            "info": {fw: r.get("_info") for fw, r in results.items()},
        },
    )
    print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
