"""Import suite: ``import ember`` in a fresh process against ``import torch`` (and
``import keras`` in the Keras interpreter), the median over several fresh processes.

Each child times its own import with ``time.perf_counter`` around the ``import`` statement, so
interpreter start-up is not counted. Bytecode caches are made first: one warm-up child per
framework runs with ``PYTHONDONTWRITEBYTECODE`` removed from its environment, so it writes the
``__pycache__`` files its import needs (where the package directory is writable); the timed
children then read them, as an installed package's users do. The children remove the working
directory from ``sys.path`` so the installed package is timed, not a source tree nearby.
"""

from __future__ import annotations

import json
import subprocess
import sys

from ember.bench import harness, report

SUITE = "import"
TITLE = "import time in a fresh process (median of fresh processes)"
MODULES = {"ember": "ember", "torch": "torch", "keras": "keras"}
TARGETS = [report.Target("ember", "<", 0.15)]
# The child: the import, timed from inside, and whether the package's bytecode cache exists.
CHILD = """\
import sys, time
if sys.path and sys.path[0] in ("", "."):
    del sys.path[0]
start = time.perf_counter()
import {module}
seconds = time.perf_counter() - start
import importlib.util, json, os
cache = importlib.util.cache_from_source({module}.__file__)
print(json.dumps({{"seconds": seconds, "cached": os.path.exists(cache)}}))
"""


def workloads(quick: bool) -> list[harness.Workload]:
    """The one import workload.

    Example:
        >>> workloads(True)[0].name
        'import'
    """
    return [harness.Workload("import", 0.0, {}, ("ember", "torch", "keras"))]


def time_import(python: str, module: str, threads: int, write_bytecode: bool = False) -> dict:
    """Runs one fresh child that imports ``module``; returns its ``seconds`` and whether the
    bytecode cache of the package's ``__init__`` exists (``cached``), or ``{"error": ...}``.

    Example:
        >>> time_import(sys.executable, "json", 1)["seconds"] < 1.0
        True
    """
    env = harness.thread_env(threads)
    if write_bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    code = CHILD.format(module=module)
    try:
        proc = subprocess.run(
            [python, "-c", code], env=env, capture_output=True, text=True, timeout=300
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {"error": f"{type(exc).__name__}: {exc}"}
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        last = proc.stderr.strip().splitlines()[-1:] or ["no output"]
        return {"error": f"exit {proc.returncode}: {last[0]}"}
    return json.loads(lines[-1])


def run(ctx: harness.Context) -> list[report.Row]:
    """A warm-up child per framework (writing bytecode), then timed children, frameworks
    alternated: 7 each (``--quick``: 7 for ember, 2 for the peers); rows in seconds."""
    jobs = harness.select(workloads(ctx.quick), ctx.only)
    if not jobs:
        return []
    pythons = {"ember": sys.executable, "torch": sys.executable}
    if ctx.keras_python:
        pythons["keras"] = ctx.keras_python
    # ember's import is cheap, so it always gets several fresh processes (its target is
    # absolute); --quick keeps two for the peers, whose imports take seconds each.
    samples = {fw: 7 if fw == "ember" or not ctx.quick else 2 for fw in pythons}
    runs: dict[str, list[dict]] = {}
    for fw, python in pythons.items():
        warm = time_import(python, MODULES[fw], ctx.threads, write_bytecode=True)
        if "error" in warm:
            ctx.note(f"import: {fw} not measured ({warm['error']})")
            continue
        runs[fw] = []
    for i in range(max(samples.values())):
        for fw in runs:
            if i < samples[fw]:
                runs[fw].append(time_import(pythons[fw], MODULES[fw], ctx.threads))
    cached = {fw: any(r.get("cached") for r in results) for fw, results in runs.items()}
    ctx.note(
        "import: bytecode caches written by a warm-up import per framework "
        "(PYTHONDONTWRITEBYTECODE unset for it); cache present at timing: "
        + ", ".join(f"{fw} {'yes' if ok else 'no'}" for fw, ok in cached.items())
        + "; median of "
        + ", ".join(f"{n} ({fw})" for fw, n in samples.items() if fw in runs)
        + " fresh processes"
    )
    # A failed child keeps its {"error": ...}; merge_rounds takes the median of the others.
    named = {
        fw: [{"import": r["seconds"]} if "seconds" in r else r for r in rs]
        for fw, rs in runs.items()
    }
    merged = harness.merge_rounds(named)
    values = report.values_of(merged, jobs[0].frameworks, "import", "s")
    return [report.Row(SUITE, "import", "s", values, targets=list(TARGETS))]
