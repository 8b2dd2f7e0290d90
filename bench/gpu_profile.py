"""Where an ember training step spends its GPU time: the CUDA kernels (and cuBLAS calls) of one
``fit`` epoch of a bench/cuda.py workload, listed by PyTorch's profiler, which records every
kernel of the process through CUPTI, ember's included. Needs a GPU and a CUDA build of PyTorch.

    python bench/gpu_profile.py stacked_lstm 32
    python bench/gpu_profile.py cifar_cnn 32 --rows 15
"""

from __future__ import annotations

import argparse
import sys

from ember.bench import models

STEPS = 10


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", help="a bench model name, e.g. stacked_lstm, cifar_cnn")
    ap.add_argument("batch", type=int)
    ap.add_argument("--rows", type=int, default=20, help="kernels to list")
    args = ap.parse_args()

    import torch
    from torch.profiler import ProfilerActivity, profile

    import ember

    if not ember.cuda.is_available():
        print(f"skipped: CUDA is unavailable: {ember.cuda.unavailable_reason()}")
        return 0
    net = models.ember_model(args.model)
    net.to("cuda")
    x, y = models.data(args.model, args.batch, STEPS)

    def epoch() -> None:
        net.fit(x, y, batch_size=args.batch, epochs=1, verbose=0, shuffle=False)

    epoch()  # warm-up: allocator cache, cuBLAS handles
    with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
        epoch()
        torch.cuda.synchronize()
    events = prof.key_averages()
    on_gpu = [e for e in events if e.self_device_time_total > 0]  # kernels and copies
    launches = sum(e.count for e in on_gpu)
    gpu_us = sum(e.self_device_time_total for e in on_gpu)
    print(
        f"{args.model} b{args.batch}: {launches / STEPS:.0f} GPU kernels and copies per step, "
        f"{gpu_us / STEPS / 1e3:.3f} ms of GPU time per step"
    )
    print(
        events.table(
            sort_by="self_device_time_total", row_limit=args.rows, max_name_column_width=60
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
