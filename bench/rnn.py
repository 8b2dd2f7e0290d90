"""Benchmarks of LSTM/GRU forward+backward kernels:
a shortcut for ``python -m ember bench --suite rnn``
that writes bench/results/rnn.json; it takes the same options (see ``--help``).

    python bench/rnn.py --quick
"""

import sys
from pathlib import Path

from ember.bench.cli import main

if __name__ == "__main__":
    results = Path(__file__).resolve().parent / "results" / "rnn.json"
    # Options given on the command line come later, so they override these defaults.
    sys.exit(main(["--suite", "rnn", "--json", str(results), *sys.argv[1:]]))
