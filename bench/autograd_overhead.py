"""The cost of the autograd core itself: ``Function.apply`` and ``run_backward`` on arrays so
small that the numpy work is negligible. Every op of every training step pays this.

Run it with two interpreters to compare builds (the machines are shared: alternate and read
medians)::

    python bench/autograd_overhead.py --repeat 9
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np

import ember
from ember.ops.math import Add, Multiply


def _median_us(fn: Callable[[], None], calls: int, repeat: int) -> float:
    """Median over ``repeat`` runs of the time per call of ``fn``, in microseconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) / calls * 1e6)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20000)
    parser.add_argument("--chain", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    calls, chain = args.calls, args.chain
    a = ember.tensor(np.ones((4, 4)), requires_grad=True)
    b = ember.tensor(np.full((4, 4), 2.0), requires_grad=True)
    c = ember.tensor(np.full((4, 4), 3.0))
    half = ember.tensor(np.full((4, 4), 0.5))  # keeps the chain's values finite

    def add_recorded() -> None:
        for _ in range(calls):
            Add.apply(a, b)

    def multiply_recorded() -> None:
        for _ in range(calls):
            Multiply.apply(a, c)

    def add_no_grad() -> None:
        with ember.no_grad():
            for _ in range(calls):
                Add.apply(a, b)

    def add_constants() -> None:
        for _ in range(calls):
            Add.apply(c, c)

    def chain_backward() -> None:
        for _ in range(20):
            y = a
            for i in range(chain):
                y = Multiply.apply(y, half) if i % 2 else Add.apply(y, b)
            y.sum().backward()

    for fn in (add_recorded, multiply_recorded, add_no_grad, add_constants):
        fn()  # warm-up
    results = {
        "Add.apply recorded": _median_us(add_recorded, calls, args.repeat),
        "Multiply.apply recorded": _median_us(multiply_recorded, calls, args.repeat),
        "Add.apply no_grad": _median_us(add_no_grad, calls, args.repeat),
        "Add.apply no grad needed": _median_us(add_constants, calls, args.repeat),
        f"{chain}-op chain fwd+bwd": _median_us(chain_backward, 20, args.repeat),
    }
    print(f"ember from {ember.__file__}")
    for name, us in results.items():
        print(f"{name:28s} {us:10.2f} us")


if __name__ == "__main__":
    main()
