"""Bar chart of the ember/peer ratios, one bar per workload and peer, log scale, with the line
at 1.0 where ember and its peer are even (bars left of it: ember is faster or smaller)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ember.bench.report import Row

# One clearly different colour per peer (PyTorch's two layouts in two shades of one hue).
COLORS = {"torch": "#e8590c", "torch-cl": "#f7a35c", "keras": "#2b8a3e", "numpy": "#4263eb"}


def write_chart(rows: Sequence[Row], path: Path, title: str = "") -> bool:
    """Writes the PNG; False (nothing written) when matplotlib is not importable or no row
    has a ratio.

    Example:
        >>> import tempfile
        >>> row = Row("kernels", "gemm", "ms", {"ember": 1.0, "torch": 2.0})
        >>> write_chart([row], Path(tempfile.mkdtemp()) / "r.png") in (True, False)
        True
    """
    try:
        import matplotlib

        matplotlib.use("Agg")  # no display needed: the chart goes to a file
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    bars = [
        (f"{row.suite}: {row.name}", peer, ratio)
        for row in rows
        for peer in row.peers()
        if (ratio := row.ratio(peer)) is not None
    ]
    if not bars:
        return False
    height = 0.8 + 0.22 * len(bars)
    fig, ax = plt.subplots(figsize=(10, height))
    labels = []
    for i, (label, peer, ratio) in enumerate(reversed(bars)):
        ax.barh(i, ratio, color=COLORS.get(peer, "#888888"), label=peer)
        ax.text(ratio * 1.03, i, f"{ratio:.2f}" if ratio >= 0.1 else f"{ratio:.3f}",
                va="center", fontsize=6)  # fmt: skip
        labels.append(f"{label}  vs {peer}")
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    ax.set_ylim(-0.6, len(labels) - 0.4)
    ax.set_xscale("log")
    ax.axvline(1.0, color="black", linewidth=1.0)
    ax.set_xlabel("ember time (or size) / peer's  —  below 1: ember is better")
    handles, names = ax.get_legend_handles_labels()
    unique = dict(zip(names, handles))
    ax.legend(unique.values(), unique.keys(), loc="lower right", fontsize=8)
    if title:
        ax.set_title(title, fontsize=9)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")  # "tight": long labels are not cut
    plt.close(fig)
    return True
