"""ember's global random state: one numpy Generator behind initializers, dropout seeds and
shuffling, so ``ember.utils.set_random_seed(s)`` makes a whole training run repeatable."""

from __future__ import annotations

import numpy as np

_generator = np.random.default_rng()


def set_seed(seed: int) -> None:
    global _generator
    _generator = np.random.default_rng(int(seed))


def generator() -> np.random.Generator:
    return _generator


def next_seed() -> int:
    """A fresh 63-bit seed drawn from the global generator (e.g. one per dropout call)."""
    return int(_generator.integers(0, 2**63 - 1))
