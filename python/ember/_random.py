"""ember's global random state: one numpy Generator behind initializers, dropout seeds and
shuffling, so ``ember.utils.set_random_seed(s)`` makes a whole training run repeatable."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

# Created on first use: numpy.random costs ~10 ms of import time that `import ember` avoids.
_generator: np.random.Generator | None = None


def set_seed(seed: int) -> None:
    global _generator
    import numpy as np

    _generator = np.random.default_rng(int(seed))


def generator() -> np.random.Generator:
    global _generator
    if _generator is None:
        import numpy as np

        _generator = np.random.default_rng()
    return _generator


def next_seed() -> int:
    """A fresh 63-bit seed drawn from the global generator (e.g. one per dropout call)."""
    return int(generator().integers(0, 2**63 - 1))
