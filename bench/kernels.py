"""Benchmarks of conv2d, pooling and GEMM kernels:
a shortcut for ``python -m ember bench --suite kernels``
that writes bench/results/kernels.json; it takes the same options (see ``--help``).

    python bench/kernels.py --quick
"""

import sys
from pathlib import Path

from ember.bench.cli import main

if __name__ == "__main__":
    results = Path(__file__).resolve().parent / "results" / "kernels.json"
    # Options given on the command line come later, so they override these defaults.
    sys.exit(main(["--suite", "kernels", "--json", str(results), *sys.argv[1:]]))
