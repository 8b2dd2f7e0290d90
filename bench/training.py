"""Benchmarks of end-to-end training steps through model.fit:
a shortcut for ``python -m ember bench --suite training``
that writes bench/results/training.json; it takes the same options (see ``--help``).

    python bench/training.py --quick
"""

import sys
from pathlib import Path

from ember.bench.cli import main

if __name__ == "__main__":
    results = Path(__file__).resolve().parent / "results" / "training.json"
    # Options given on the command line come later, so they override these defaults.
    sys.exit(main(["--suite", "training", "--json", str(results), *sys.argv[1:]]))
