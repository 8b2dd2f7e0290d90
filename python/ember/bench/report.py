"""Benchmark rows, the project's targets beside them, and the printed tables.

A row holds one workload's ember value and its peers' values in one display unit; ratios are
ember / peer (below 1 means ember is faster or smaller). Pure Python: no framework imports.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

# Display unit -> factor from the worker's base unit (seconds or bytes).
SCALE = {"ms": 1e3, "us": 1e6, "s": 1.0, "MB": 1e-6, "x": 1.0}
LABEL = {"ms": "ms", "us": "µs", "s": "s", "MB": "MB", "x": "x"}
TIME_UNITS = ("ms", "us", "s")
_OPS = {"<=": operator.le, "<": operator.lt, ">=": operator.ge, ">": operator.gt}


@dataclass(frozen=True)
class Target:
    """A goal: ``metric op bound``. ``metric`` is ``"ember"`` (the value itself, in the row's
    unit), ``"pct_peak"`` (percent of the FP32 peak) or a peer's name (the ember/peer ratio).

    Example:
        >>> Target("torch", "<=", 0.8).label("ms")
        'ember/torch <= 0.8'
    """

    metric: str
    op: str
    bound: float

    def label(self, unit: str) -> str:
        """How the target reads in the table."""
        if self.metric == "ember":
            return f"{self.op} {self.bound:g} {LABEL[unit]}"
        if self.metric == "pct_peak":
            return f"{self.op} {self.bound:g}% peak"
        return f"ember/{self.metric} {self.op} {self.bound:g}"

    def value(self, row: Row) -> float | None:
        """The number the target is about, or None when it was not measured."""
        if self.metric == "ember":
            return row.values.get("ember")
        if self.metric == "pct_peak":
            return row.pct_peak()
        return row.ratio(self.metric)

    def check(self, row: Row) -> bool | None:
        """True when met, False when missed, None when not measured.

        Example:
            >>> Target("torch", "<=", 0.8).check(Row("t", "w", "ms", {"ember": 1, "torch": 2}))
            True
        """
        value = self.value(row)
        return None if value is None else bool(_OPS[self.op](value, self.bound))


@dataclass
class Row:
    """One workload: ``values`` maps framework -> value in ``unit`` (ember first); ``flops``
    is per timed call (time units only) and ``peak_gflops`` the machine's measured FP32 peak.

    Example:
        >>> row = Row("kernels", "gemm", "ms", {"ember": 2.0, "torch": 4.0}, flops=2e9)
        >>> row.ratio("torch"), round(row.gflops(), 6)
        (0.5, 1000.0)
    """

    suite: str
    name: str
    unit: str
    values: dict[str, float | None]
    flops: float = 0.0
    peak_gflops: float | None = None
    targets: list[Target] = field(default_factory=list)

    def peers(self) -> list[str]:
        """Every framework but ember, in order."""
        return [fw for fw in self.values if fw != "ember"]

    def ratio(self, peer: str) -> float | None:
        """ember / peer, or None when either was not measured."""
        mine, theirs = self.values.get("ember"), self.values.get(peer)
        return mine / theirs if mine and theirs else None

    def gflops(self) -> float | None:
        """ember's GFLOP/s where FLOPs are defined."""
        value = self.values.get("ember")
        if not (self.flops and value and self.unit in TIME_UNITS):
            return None
        return self.flops / (value / SCALE[self.unit]) * 1e-9

    def pct_peak(self) -> float | None:
        """ember's GFLOP/s as a percentage of the measured FP32 peak."""
        gflops = self.gflops()
        return 100.0 * gflops / self.peak_gflops if gflops and self.peak_gflops else None

    def target_text(self) -> str:
        """e.g. ``ember/torch <= 0.8 met; ember/keras <= 0.5 n/a``."""
        words = {True: "met", False: "missed", None: "n/a"}
        return "; ".join(f"{t.label(self.unit)} {words[t.check(self)]}" for t in self.targets)

    def to_dict(self) -> dict[str, Any]:
        """Everything about the row, for the JSON file."""
        return {
            "suite": self.suite,
            "name": self.name,
            "unit": self.unit,
            "values": dict(self.values),
            "ratios": {peer: self.ratio(peer) for peer in self.peers()},
            "flops": self.flops or None,
            "gflops": self.gflops(),
            "pct_peak": self.pct_peak(),
            "targets": [
                {"target": t.label(self.unit), "value": t.value(self), "met": t.check(self)}
                for t in self.targets
            ],
        }


def scaled(value: float | None, unit: str) -> float | None:
    """A worker's value in seconds or bytes, converted to ``unit`` (None stays None).

    Example:
        >>> scaled(0.0025, "ms"), scaled(3_500_000, "MB"), scaled(None, "us")
        (2.5, 3.5, None)
    """
    return None if value is None else value * SCALE[unit]


def values_of(
    results: dict[str, dict], frameworks: Sequence[str], name: str, unit: str
) -> dict[str, float | None]:
    """One workload's value per framework from merged worker results, converted to ``unit``.

    Example:
        >>> values_of({"ember": {"w": 0.001}, "torch": {"error": "x"}}, ["ember", "torch"], "w", "ms")
        {'ember': 1.0, 'torch': None}
    """  # noqa: E501
    return {fw: scaled(results.get(fw, {}).get(name), unit) for fw in frameworks}


def format_value(value: float | None) -> str:
    """About four significant digits, ``-`` when not measured.

    Example:
        >>> [format_value(v) for v in (1234.5, 123.45, 12.345, 0.12345, None)]
        ['1234', '123.5', '12.35', '0.123', '-']
    """
    if value is None:
        return "-"
    size = abs(value)
    if size >= 1000:
        return f"{value:.0f}"
    if size >= 100:
        return f"{value:.1f}"
    if size >= 10:
        return f"{value:.2f}"
    return f"{value:.3f}"


def format_ratio(ratio: float | None) -> str:
    """Two decimals, three below 0.1 so small ratios keep a digit.

    Example:
        >>> format_ratio(0.5), format_ratio(0.012), format_ratio(None)
        ('0.50', '0.012', '-')
    """
    if ratio is None:
        return "-"
    return f"{ratio:.2f}" if ratio >= 0.1 else f"{ratio:.3f}"


def format_table(rows: Sequence[Row]) -> list[str]:
    """The lines of one suite's table: workload, ember and each peer in the rows' unit, the
    ember/peer ratios, GFLOP/s and % peak (when any row has FLOPs) and the targets (when any).

    Example:
        >>> lines = format_table([Row("s", "w", "ms", {"ember": 1.0, "torch": 2.0})])
        >>> lines[0].split()
        ['workload', 'ember', 'ms', 'torch', 'ms', 'ember/torch']
        >>> lines[2].split()
        ['w', '1.000', '2.000', '0.50']
    """
    if not rows:
        return []
    peers: list[str] = []
    for row in rows:
        peers += [p for p in row.peers() if p not in peers]
    has_flops = any(row.flops for row in rows)
    has_targets = any(row.targets for row in rows)
    width = max(len("workload"), *(len(row.name) for row in rows))
    unit = LABEL[rows[0].unit]  # one unit per table: suites keep their rows alike
    cols = [f"{'workload':<{width}}", f"{'ember ' + unit:>10}"]
    for peer in peers:
        cols += [f"{peer + ' ' + unit:>12}", f"{'ember/' + peer:>{max(6, len(peer) + 6)}}"]
    if has_flops:
        cols += [f"{'GFLOP/s':>8}", f"{'% peak':>6}"]
    if has_targets:
        cols.append("target")
    head = " ".join(cols).rstrip()
    lines = [head, "-" * len(head)]
    for row in rows:
        cells = [f"{row.name:<{width}}", f"{format_value(row.values.get('ember')):>10}"]
        for peer in peers:
            cells.append(f"{format_value(row.values.get(peer)):>12}")
            cells.append(f"{format_ratio(row.ratio(peer)):>{max(6, len(peer) + 6)}}")
        if has_flops:
            gflops, pct = row.gflops(), row.pct_peak()
            cells.append(f"{format_value(gflops) if gflops else '':>8}")
            cells.append(f"{f'{pct:.0f}%' if pct else '':>6}")
        if has_targets:
            cells.append(row.target_text())
        lines.append(" ".join(cells).rstrip())
    return lines


def target_summary(rows: Sequence[Row]) -> tuple[dict[str, int], list[str]]:
    """Counts of met / missed / not-measured targets and one line per missed target.

    Example:
        >>> row = Row("t", "w", "ms", {"ember": 3.0, "torch": 2.0}, targets=[Target("torch", "<=", 0.8)])
        >>> target_summary([row])
        ({'met': 0, 'missed': 1, 'n/a': 0}, ['w: ember/torch <= 0.8 missed (1.500)'])
    """  # noqa: E501
    counts = {"met": 0, "missed": 0, "n/a": 0}
    missed = []
    for row in rows:
        for target in row.targets:
            ok = target.check(row)
            counts[{True: "met", False: "missed", None: "n/a"}[ok]] += 1
            if ok is False:
                value = target.value(row)
                # Four digits: a ratio of 0.8016 must not read as the 0.80 it misses.
                shown = format_value(value)
                missed.append(f"{row.name}: {target.label(row.unit)} missed ({shown})")
    return counts, missed
