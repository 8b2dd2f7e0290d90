"""``python -m ember bench``: ember against PyTorch CPU (and Keras when an interpreter with
TensorFlow is available) on kernels, recurrent kernels, ``fit`` training steps, single-sample
latency, import time, peak memory and installed size; one table per suite with ember/peer
ratios, GFLOP/s, % of the measured FP32 peak and the project's targets, then JSON and a chart.

    python -m ember bench --quick                       # all suites, a couple of minutes
    python -m ember bench --suite training --keras-python /path/to/tf-venv/bin/python
    python -m ember bench --only "conv2d fwd+bwd" --rounds 5
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import importlib.metadata
import importlib.util
import json
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from ember.bench import harness, report

# Suite name -> module; the order is the order they run and print in.
SUITES = {
    "kernels": "ember.bench.kernels",
    "rnn": "ember.bench.rnn",
    "training": "ember.bench.training",
    "latency": "ember.bench.latency",
    "loaded": "ember.bench.loaded",
    "import": "ember.bench.import_time",
    "memory": "ember.bench.memory",
    "size": "ember.bench.size",
}
FLOP_SUITES = ("kernels", "rnn", "training")  # the suites with GFLOP/s and % of peak
DEFAULT_JSON = Path("bench/results/bench.json")


def build_parser() -> argparse.ArgumentParser:
    """The options of ``python -m ember bench``.

    Example:
        >>> build_parser().parse_args(["--quick"]).quick
        True
    """
    ap = argparse.ArgumentParser(
        prog="python -m ember bench",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Ratios are ember / peer: below 1 means ember is faster (or smaller).",
    )
    ap.add_argument(
        "--quick",
        action="store_true",
        help="fewer shapes, samples and rounds (about 2-3 minutes on 2 cores with Keras)",
    )
    ap.add_argument(
        "--suite",
        default="all",
        help=f"comma-separated suites to run: {', '.join(SUITES)} or all (default: all)",
    )
    ap.add_argument(
        "--only",
        metavar="SUBSTRING",
        help="run only workloads whose name contains this (case-insensitive; "
        "comma-separated alternatives), e.g. 'cifar' or 'lstm,gru'",
    )
    ap.add_argument(
        "--threads",
        type=int,
        default=harness.default_threads(),
        help="threads for every framework (default: all cores this process may use, "
        f"here {harness.default_threads()})",
    )
    ap.add_argument(
        "--rounds",
        type=int,
        help="alternate the frameworks' processes this many times and report the median "
        "(default 3, 1 with --quick)",
    )
    ap.add_argument(
        "--keras-python",
        metavar="PATH",
        help="an interpreter with Keras and TensorFlow for the Keras peer (default: this "
        "interpreter when it has keras, else Keras is skipped)",
    )
    ap.add_argument("--no-keras", action="store_true", help="skip the Keras peer")
    ap.add_argument(
        "--json",
        type=Path,
        default=DEFAULT_JSON,
        help=f"where to write the results (default: {DEFAULT_JSON} under the current directory)",
    )
    ap.add_argument(
        "--png",
        help="bar chart of the ratios (default: the JSON path with .png; 'none' to skip); "
        "needs matplotlib",
    )
    return ap


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parses and completes the options: ``suites`` (a list), ``rounds`` and ``png`` (a Path
    or None) get their defaults; bad values exit with a usage message.

    Example:
        >>> args = parse_args(["--quick", "--suite", "rnn,size", "--png", "none"])
        >>> args.suites, args.rounds, args.png
        (['rnn', 'size'], 1, None)
    """
    ap = build_parser()
    args = ap.parse_args(argv)
    names = [s.strip() for s in args.suite.split(",") if s.strip()]
    if names == ["all"]:
        names = list(SUITES)
    unknown = [s for s in names if s not in SUITES]
    if unknown or not names:
        ap.error(
            f"--suite: unknown {unknown or args.suite!r}; choose from {', '.join(SUITES)}, all"
        )
    args.suites = [s for s in SUITES if s in names]
    if args.threads < 1:
        ap.error(f"--threads must be at least 1, received {args.threads}")
    if args.rounds is None:
        args.rounds = 1 if args.quick else 3
    elif args.rounds < 1:
        ap.error(f"--rounds must be at least 1, received {args.rounds}")
    if args.png is None:
        args.png = Path(args.json).with_suffix(".png")
    elif args.png.lower() in ("", "none"):
        args.png = None
    else:
        args.png = Path(args.png)
    return args


def keras_versions(python: str) -> dict[str, str | None]:
    """Versions of keras and tensorflow installed for ``python`` (None when missing), read
    from package metadata so nothing is imported.

    Example:
        >>> sorted(keras_versions(sys.executable))
        ['keras', 'tensorflow']
    """
    # TensorFlow's CPU-only wheels install under other distribution names.
    code = (
        "import importlib.metadata as m, json\n"
        "def v(*names):\n"
        "    for n in names:\n"
        "        try:\n            return m.version(n)\n"
        "        except m.PackageNotFoundError:\n            pass\n"
        "print(json.dumps({'keras': v('keras'), 'tensorflow': v("
        "'tensorflow', 'tensorflow-cpu', 'tensorflow-intel', 'tf-nightly')}))\n"
    )
    try:
        out = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=60)
        return json.loads(out.stdout.strip().splitlines()[-1])
    except (OSError, ValueError, IndexError, subprocess.TimeoutExpired):
        return {"keras": None, "tensorflow": None}


def find_keras(args: argparse.Namespace) -> tuple[str | None, dict[str, str | None], str]:
    """The interpreter for the Keras peer, its versions and a line saying what was chosen.

    Example:
        >>> find_keras(parse_args(["--no-keras"]))[0] is None
        True
    """
    none: dict[str, str | None] = {"keras": None, "tensorflow": None}
    if args.no_keras:
        return None, none, "Keras skipped (--no-keras)"
    python = args.keras_python
    if python is None:
        if importlib.util.find_spec("keras") is None:
            return (
                None,
                none,
                (
                    "Keras skipped: this interpreter cannot import keras; pass --keras-python PATH "
                    "(an interpreter with TensorFlow)"
                ),
            )
        python = sys.executable
    versions = keras_versions(python)
    if versions["keras"] is None:
        return None, versions, f"Keras skipped: {python} has no keras package"
    backend = f", TensorFlow {versions['tensorflow']}" if versions["tensorflow"] else ""
    return python, versions, f"Keras {versions['keras']}{backend} via {python}"


def package_version(name: str) -> str | None:
    """Installed version of a package in this interpreter, None when it is not installed."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the selected suites, prints their tables and the target summary, writes JSON and
    the chart. Returns 0, 1 when an ember measurement failed, 2 when nothing matched.

    Example (a few seconds: one pooling kernel, ember and PyTorch):
        >>> main(["--suite", "kernels", "--only", "avgpool", "--quick", "--png", "none",
        ...       "--json", "/tmp/ember-bench-doctest.json"])  # doctest: +SKIP
        0
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    modules = [(suite, importlib.import_module(SUITES[suite])) for suite in args.suites]
    modules = [(s, m) for s, m in modules if harness.select(m.workloads(args.quick), args.only)]
    if not modules:
        print(f"no workload matches --only {args.only!r} in suites {', '.join(args.suites)}")
        return 2
    import ember

    started = time.perf_counter()
    ember.set_num_threads(args.threads)
    keras_python, keras_info, keras_line = find_keras(args)
    info = ember.build_info()
    machine = harness.machine_info()
    print(
        f"ember {ember.__version__} bench: {args.threads} threads (of {machine['usable_cores']} "
        f"usable cores), {args.rounds} round(s){', quick' if args.quick else ''}; "
        f"{machine['cpu']}, ISA {info['isa']}"
    )
    print(f"peers: PyTorch {package_version('torch') or 'not installed'}; {keras_line}")
    print("ratio = ember / peer (below 1: ember is faster or smaller)", flush=True)
    peak = None
    if any(suite in FLOP_SUITES for suite, _ in modules):
        peak = ember._C.measure_peak_gflops(0.3)
        print(f"measured FP32 peak: {peak:.0f} GFLOP/s on {args.threads} threads", flush=True)
    ctx = harness.Context(
        args.threads, args.rounds, args.quick, args.only, keras_python, peak_gflops=peak
    )
    if keras_python is None:
        ctx.notes.append(keras_line)

    rows: list[report.Row] = []
    for suite, module in modules:
        print(f"\n[{suite}] {module.TITLE}", flush=True)
        start = time.perf_counter()
        suite_rows = module.run(ctx)
        for line in report.format_table(suite_rows):
            print("  " + line)
        print(f"  ({time.perf_counter() - start:.0f} s)", flush=True)
        rows += suite_rows

    counts, missed = report.target_summary(rows)
    print(
        f"\ntargets: {counts['met']} met, {counts['missed']} missed, {counts['n/a']} not measured"
    )
    for line in missed:
        print(f"  missed: {line}")
    wall = time.perf_counter() - started
    payload = {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "command": " ".join(["python -m ember bench", *argv]),
        "machine": {**machine, "isa": info["isa"], "peak_gflops": peak},
        "build": info,
        "versions": {
            "ember": ember.__version__,
            "numpy": package_version("numpy"),
            "torch": package_version("torch"),
            **keras_info,
        },
        "threads": args.threads,
        "rounds": args.rounds,
        "quick": args.quick,
        "suites": args.suites,
        "only": args.only,
        "keras_python": keras_python,
        "notes": ctx.notes,
        "targets": {**counts, "missed_list": missed},
        "rows": [row.to_dict() for row in rows],
        "wall_seconds": round(wall, 1),
    }
    harness.write_json(args.json, payload)
    print(f"wrote {args.json}")
    if args.png is not None:
        from ember.bench.chart import write_chart

        title = f"ember {ember.__version__}, {args.threads} threads, {payload['date']}"
        if write_chart(rows, args.png, title):
            print(f"wrote {args.png}")
        else:
            print("chart skipped: matplotlib is not importable (pip install matplotlib)")
    print(f"total {wall:.0f} s")
    failed = [row.name for row in rows if row.values.get("ember") is None]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
