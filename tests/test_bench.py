"""``python -m ember bench``: formatting with known numbers, median of rounds, atomic JSON, the
chart, option parsing, worker scripts run by path without ember, and one tiny real run.

The real runs are kept to a pooling kernel and a size lookup so the file takes seconds.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import ember.bench
from ember.__main__ import main as ember_main
from ember.bench import cli, harness, report
from ember.bench.report import Row, Target

BENCH_DIR = Path(ember.bench.__file__).resolve().parent
REPO = Path(__file__).resolve().parent.parent


def test_values_are_scaled_and_formatted_to_about_four_digits():
    assert report.scaled(0.0125, "ms") == pytest.approx(12.5)
    assert report.scaled(0.000250, "us") == pytest.approx(250.0)
    assert report.scaled(66_826_240, "MB") == pytest.approx(66.82624)
    assert [report.format_value(v) for v in (2671.9, 549.84, 12.345, 0.5, None)] == [
        "2672",
        "549.8",
        "12.35",
        "0.500",
        "-",
    ]
    assert [report.format_ratio(r) for r in (1.234, 0.5, 0.0456, None)] == [
        "1.23",
        "0.50",
        "0.046",
        "-",
    ]


def test_row_ratios_gflops_and_percent_of_peak():
    # 2 GFLOP in 10 ms = 200 GFLOP/s, half of a 400 GFLOP/s peak.
    row = Row("kernels", "conv", "ms", {"ember": 10.0, "torch": 40.0, "keras": None}, 2e9, 400.0)
    assert row.ratio("torch") == pytest.approx(0.25)
    assert row.ratio("keras") is None
    assert row.gflops() == pytest.approx(200.0)
    assert row.pct_peak() == pytest.approx(50.0)
    # FLOPs never turn a memory or size value into GFLOP/s.
    assert Row("memory", "rss", "MB", {"ember": 10.0}, 2e9, 400.0).gflops() is None


def test_table_has_units_ratios_flops_and_targets():
    rows = [
        Row(
            "training",
            "fit cnn b32",
            "ms",
            {"ember": 10.0, "torch": 20.0, "keras": 15.0},
            flops=1e9,
            peak_gflops=200.0,
            targets=[Target("torch", "<=", 0.8), Target("keras", "<=", 0.5)],
        ),
        Row("training", "fit rnn b32", "ms", {"ember": 30.0, "torch": 20.0, "keras": None}),
    ]
    lines = report.format_table(rows)
    assert lines[0].split()[:9] == [
        "workload",
        "ember",
        "ms",
        "torch",
        "ms",
        "ember/torch",
        "keras",
        "ms",
        "ember/keras",
    ]
    assert "GFLOP/s" in lines[0] and "% peak" in lines[0] and lines[0].endswith("target")
    assert set(lines[1]) == {"-"}
    first = lines[2]
    # 10 ms vs 20 ms and 15 ms; 1 GFLOP in 10 ms is 100 GFLOP/s, 50% of the peak.
    assert first.split()[:8] == ["fit", "cnn", "b32", "10.00", "20.00", "0.50", "15.00", "0.67"]
    assert "100.0" in first and "50%" in first
    assert "ember/torch <= 0.8 met" in first and "ember/keras <= 0.5 missed" in first
    assert lines[3].split()[3:8] == ["30.00", "20.00", "1.50", "-", "-"]
    # Every line of the table has the same column positions for the ratio columns.
    assert lines[2].index("0.50") == lines[3].index("1.50")


def test_table_labels_microseconds_and_skips_empty_columns():
    lines = report.format_table([Row("latency", "predict", "us", {"ember": 549.8, "torch": 950})])
    assert "ember µs" in lines[0] and "torch µs" in lines[0]
    assert "GFLOP/s" not in lines[0] and "target" not in lines[0]
    assert report.format_table([]) == []


def test_targets_met_missed_and_not_measured():
    row = Row("import", "import", "s", {"ember": 0.23, "torch": 2.6, "keras": None})
    assert Target("ember", "<", 0.15).check(row) is False
    assert Target("ember", "<", 0.25).check(row) is True
    assert Target("torch", "<=", 0.1).check(row) is True  # 0.23 / 2.6 = 0.088
    assert Target("keras", "<=", 0.5).check(row) is None
    assert Target("ember", "<", 0.15).label("s") == "< 0.15 s"
    assert Target("pct_peak", ">=", 50).label("ms") == ">= 50% peak"
    row.targets = [Target("ember", "<", 0.15), Target("torch", "<=", 0.1), Target("keras", "<=", 1)]
    counts, missed = report.target_summary([row])
    assert counts == {"met": 1, "missed": 1, "n/a": 1}
    assert missed == ["import: < 0.15 s missed (0.230)"]
    close = Row(
        "t", "w", "ms", {"ember": 8.016, "torch": 10.0}, targets=[Target("torch", "<=", 0.8)]
    )
    assert report.target_summary([close])[1] == ["w: ember/torch <= 0.8 missed (0.802)"]
    data = row.to_dict()
    assert data["ratios"]["torch"] == pytest.approx(0.23 / 2.6)
    assert [t["met"] for t in data["targets"]] == [False, True, None]
    json.dumps(data)  # serializable as is


def test_merge_rounds_takes_the_median_of_good_rounds():
    runs = {
        "ember": [
            {"_info": {"v": 1}, "a": 100.0, "b": 10.0},
            {"_info": {"v": 2}, "a": 1.0, "b": 30.0},
            {"error": "exit 1: boom"},
            {"_info": {"v": 3}, "a": 2.0, "b": 20.0},
        ],
        "torch": [{"error": "exit 1: no torch"}, {"error": "exit 1: again"}],
    }
    merged = harness.merge_rounds(runs)
    # Medians, not means (the mean of a would be 34.3) nor the first round.
    assert merged["ember"]["a"] == 2.0 and merged["ember"]["b"] == 20.0
    assert merged["ember"]["_info"] == {"v": 1}  # underscore keys: first good round
    assert merged["ember"]["_rounds_ok"] == 3
    assert merged["torch"] == {"error": "exit 1: no torch"}


def test_time_median_reports_the_median_sample():
    durations = iter([0.001, 0.2, 0.002])

    def fn():
        time.sleep(next(durations))

    # One call per sample: the 200 ms outlier must not move the median (2 ms; the mean is 68).
    assert 0.0015 < harness.time_median(fn, warmup=0, samples=3, min_sample_s=0) < 0.04


def test_workload_filter_is_case_insensitive_with_alternatives():
    jobs = [harness.Workload(n) for n in ("fit cifar_cnn b32", "fit stacked_lstm b32", "import")]
    assert [j.name for j in harness.select(jobs, "CIFAR,lstm")] == [
        "fit cifar_cnn b32",
        "fit stacked_lstm b32",
    ]
    assert harness.select(jobs, None) == jobs
    assert harness.select(jobs, "nothing") == []


def test_write_json_is_atomic(tmp_path):
    path = tmp_path / "deep" / "bench.json"
    harness.write_json(path, {"rows": [{"name": "a", "ember": 1.5}]})
    assert json.loads(path.read_text()) == {"rows": [{"name": "a", "ember": 1.5}]}
    # A payload that cannot be serialized leaves the previous file whole and no temporary.
    with pytest.raises(TypeError):
        harness.write_json(path, {"rows": [object()]})
    assert json.loads(path.read_text())["rows"][0]["ember"] == 1.5
    assert sorted(p.name for p in path.parent.iterdir()) == ["bench.json"]


def test_chart_is_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    from ember.bench.chart import write_chart

    rows = [
        Row("kernels", "gemm", "ms", {"ember": 1.0, "torch": 2.0, "numpy": 0.5}),
        Row("size", "installed size", "MB", {"ember": 3.0, "torch": 700.0}),
    ]
    path = tmp_path / "bench.png"
    assert write_chart(rows, path, title="test")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not write_chart([Row("k", "w", "ms", {"ember": 1.0, "torch": None})], tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()


def test_cli_options_and_defaults():
    args = cli.parse_args([])
    assert args.suites == list(cli.SUITES)
    assert args.threads == harness.default_threads()
    assert args.rounds == 3 and not args.quick
    assert args.json == Path("bench/results/bench.json")
    assert args.png == Path("bench/results/bench.png")
    args = cli.parse_args(["--quick", "--suite", "size,kernels", "--only", "gemm", "--png", "none"])
    assert args.suites == ["kernels", "size"]  # run order, not typing order
    assert args.rounds == 1 and args.only == "gemm" and args.png is None
    args = cli.parse_args(["--threads", "1", "--rounds", "5", "--json", "/tmp/x.json"])
    assert (args.threads, args.rounds, args.png) == (1, 5, Path("/tmp/x.png"))
    for bad in (["--suite", "gpu"], ["--rounds", "0"], ["--threads", "0"]):
        with pytest.raises(SystemExit):
            cli.parse_args(bad)


def test_keras_is_skipped_with_a_reason():
    python, _, line = cli.find_keras(cli.parse_args(["--no-keras"]))
    assert python is None and "--no-keras" in line
    if importlib.util.find_spec("keras") is None:
        python, _, line = cli.find_keras(cli.parse_args(["--keras-python", sys.executable]))
        assert python is None and "has no keras" in line
        python, _, line = cli.find_keras(cli.parse_args([]))
        assert python is None and "--keras-python" in line


def run_without_ember(script: Path, *args: str) -> dict:
    """Runs a worker script by path with ``import ember`` made to fail, isolated (-I) from
    the environment and the current directory, as the TensorFlow interpreter would run it."""
    code = textwrap.dedent(
        f"""
        import runpy, sys
        sys.modules["ember"] = None  # any `import ember` now raises ImportError
        sys.argv = [{str(script)!r}, *{list(args)!r}]
        runpy.run_path({str(script)!r}, run_name="__main__")
        """
    )
    proc = subprocess.run(
        [sys.executable, "-I", "-c", code], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_worker_script_runs_by_path_without_ember():
    out = run_without_ember(
        BENCH_DIR / "kernels.py", "--worker", "numpy", "--threads", "1", "--quick", "--only", "gemm"
    )
    assert out["_info"]["numpy"]
    gemms = [k for k in out if k.startswith("gemm ")]
    assert len(gemms) == 3 and all(out[k] > 0 for k in gemms)


def test_torch_worker_runs_by_path_without_ember():
    pytest.importorskip("torch")
    out = run_without_ember(
        BENCH_DIR / "latency.py", "--worker", "torch", "--threads", "1", "--quick"
    )
    assert out["_info"]["torch"]
    assert 0 < out["predict cifar_cnn b1"] < 1.0


def test_worker_script_as_a_plain_script_path():
    # `python -I path`: no script directory or cwd on sys.path; the script finds its siblings.
    proc = subprocess.run(
        [sys.executable, "-I", str(BENCH_DIR / "size.py"), "--worker", "ember", "--threads", "1"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd="/",
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert 100_000 < out["installed size"] < 50_000_000
    assert any(Path(d).name == "ember" for d in out["_dirs"])


def test_import_ember_does_not_load_the_bench_package():
    code = (
        "import ember, sys; print('ember.bench' in sys.modules, 'ember.bench.cli' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_only_matching_nothing_runs_nothing(capsys, tmp_path):
    assert cli.main(["--only", "no-such-workload", "--json", str(tmp_path / "b.json")]) == 2
    assert "no workload matches" in capsys.readouterr().out
    assert not (tmp_path / "b.json").exists()


def test_bench_command_runs_a_tiny_workload(capsys, tmp_path):
    out_json, out_png = tmp_path / "b.json", tmp_path / "b.png"
    argv = ["bench", "--suite", "kernels,size", "--only", "gemm 2048,installed", "--quick"]
    argv += ["--no-keras", "--threads", "1", "--json", str(out_json), "--png", str(out_png)]
    assert ember_main(argv) == 0
    printed = capsys.readouterr().out
    assert "[kernels]" in printed and "gemm 2048x128x576" in printed and "[size]" in printed
    assert "targets:" in printed and f"wrote {out_json}" in printed
    data = json.loads(out_json.read_text())
    assert data["threads"] == 1 and data["quick"] and data["rounds"] == 1
    assert data["machine"]["isa"] == ember.build_info()["isa"] and data["machine"]["cores"] >= 1
    assert data["versions"]["ember"] == ember.__version__
    assert data["date"][:4].isdigit() and data["machine"]["peak_gflops"] > 0
    names = [row["name"] for row in data["rows"]]
    assert names == ["gemm 2048x128x576", "installed size"]
    gemm, size = data["rows"]
    assert gemm["unit"] == "ms" and 0 < gemm["values"]["ember"] < 1000
    assert set(gemm["values"]) == {"ember", "torch", "numpy"}
    # 2 * 2048 * 128 * 576 FLOPs per call, GFLOP/s from ember's time.
    assert gemm["flops"] == 2.0 * 2048 * 128 * 576
    assert gemm["gflops"] == pytest.approx(gemm["flops"] / (gemm["values"]["ember"] * 1e-3) * 1e-9)
    assert size["unit"] == "MB" and size["targets"][0]["target"] == "< 5 MB"
    assert size["targets"][0]["met"] == (size["values"]["ember"] < 5)
    if gemm["values"].get("numpy"):
        assert gemm["ratios"]["numpy"] == pytest.approx(
            gemm["values"]["ember"] / gemm["values"]["numpy"]
        )
    if importlib.util.find_spec("matplotlib"):
        assert out_png.read_bytes()[:4] == b"\x89PNG"
    else:
        assert "chart skipped" in printed


@pytest.mark.parametrize("name", ["kernels", "rnn", "training"])
def test_bench_shortcut_scripts_pass_their_suite(name):
    script = REPO / "bench" / f"{name}.py"
    if not script.exists():
        pytest.skip("not a source checkout")
    proc = subprocess.run(
        [sys.executable, str(script), "--only", "no-such-workload"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2, proc.stderr
    assert f"in suites {name}" in proc.stdout


def test_loaded_suite_ratios_and_busy_loops_come_and_go():
    from ember.bench import loaded

    names = [w.name for w in loaded.workloads(False)]
    assert len(names) == len(loaded.CASES) * len(loaded.LOADS)
    rows = [
        report.Row("loaded", "step m b4, quiet", "ms", {"ember": 2.0, "torch": 4.0}),
        report.Row("loaded", "step m b4, 1 busy loop", "ms", {"ember": 5.0, "torch": 6.0}),
        report.Row("loaded", "step m b4, 3 busy loops", "ms", {"ember": 7.0, "torch": None}),
    ]
    ratios = loaded.ratio_rows(rows)
    assert [r.name for r in ratios] == [
        "step m b4: 1 busy loop / quiet",
        "step m b4: 3 busy loops / quiet",
    ]
    assert ratios[0].values == {"ember": 2.5, "torch": 1.5}
    assert ratios[0].targets[0].check(ratios[0]) is False  # 2.5 > 2.0
    assert ratios[1].values == {"ember": 3.5, "torch": None}
    assert ratios[1].targets[0].check(ratios[1]) is True  # 3.5 <= 4
    with loaded.BusyLoops(2) as busy:
        assert all(p.poll() is None for p in busy.procs)
    assert all(p.returncode is not None for p in busy.procs)
    out = loaded.worker("ember", 1, True, only="predict cifar_cnn b1")
    cases = {f"predict cifar_cnn b1, {label}" for label in loaded.LOADS.values()}
    assert set(out) == {"_info"} | cases
    assert all(0 < out[name] < 1.0 for name in cases)
