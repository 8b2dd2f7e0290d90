"""Size suite: the installed package on disk, ember's directory (Python sources, bundled data
and the compiled extension) against PyTorch's ``torch`` directory and Keras's ``keras`` plus
``tensorflow`` directories, for reference. Bytecode caches (``__pycache__``) are not counted.

Worker: ``python size.py --worker ember|torch|keras``; each framework is located with
``importlib.util.find_spec`` in its own interpreter, without importing it.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

if __package__:
    from ember.bench import harness, report
else:  # run by path as a worker, maybe by an interpreter without ember: load the siblings
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import harness
    import report

SUITE = "size"
TITLE = "installed package size on disk (no __pycache__); torch and keras for reference"
PACKAGES = {"ember": ["ember"], "torch": ["torch"], "keras": ["keras", "tensorflow"]}
TARGETS = [report.Target("ember", "<", 5.0)]


def workloads(quick: bool) -> list[harness.Workload]:
    """The one size workload.

    Example:
        >>> workloads(True)[0].name
        'installed size'
    """
    return [harness.Workload("installed size", 0.0, {}, ("ember", "torch", "keras"))]


def package_dirs(name: str) -> list[str]:
    """Every directory of an installed package (an editable install has two for ember: the
    sources and the built extension), found without importing it.

    Example:
        >>> package_dirs("json")[0].endswith("json")
        True
    """
    spec = importlib.util.find_spec(name)
    if spec is None:
        raise ModuleNotFoundError(f"no installed package {name!r}")
    return sorted(set(spec.submodule_search_locations or [os.path.dirname(spec.origin)]))


def tree_bytes(directory: str) -> int:
    """Total size of the regular files under ``directory``, skipping ``__pycache__``.

    Example:
        >>> tree_bytes(os.path.dirname(os.path.abspath(__file__))) > 0
        True
    """
    total = 0
    for root, dirs, files in os.walk(directory):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in files:
            path = os.path.join(root, name)
            if not os.path.islink(path):
                total += os.path.getsize(path)
    return total


def worker(framework: str, threads: int, quick: bool, only: str | None = None) -> dict:
    """Bytes on disk of the framework's package directories."""
    dirs = [d for name in PACKAGES[framework] for d in package_dirs(name)]
    out: dict = {"_dirs": dirs}
    for job in harness.select(workloads(quick), only):
        out[job.name] = float(sum(tree_bytes(d) for d in dirs))
    return out


# ----------------------------------------------------------------------------------- driver


def run(ctx: harness.Context) -> list[report.Row]:
    """Sizes in MB (10^6 bytes); one round (sizes do not vary)."""
    jobs = harness.select(workloads(ctx.quick), ctx.only)
    once = harness.Context(ctx.threads, 1, ctx.quick, ctx.only, ctx.keras_python)
    results = harness.measure(Path(__file__), jobs, once)
    ctx.notes += once.notes
    return [
        report.Row(
            SUITE,
            job.name,
            "MB",
            report.values_of(results, job.frameworks, job.name, "MB"),
            targets=list(TARGETS),
        )
        for job in jobs
    ]


if __name__ == "__main__":
    args = harness.worker_args(__doc__.splitlines()[0])
    harness.emit(worker(args.framework, args.threads, args.quick, args.only))
