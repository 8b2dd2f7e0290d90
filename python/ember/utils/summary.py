"""``model.summary()``: Keras 3's table of layers, output shapes and parameter counts.

Example:
    >>> model = ember.Sequential([ember.layers.Dense(2, input_shape=(3,))])
    >>> model.summary()  # doctest: +ELLIPSIS
    Model: "sequential..."
    ...
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _fmt_bytes(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} GB"  # pragma: no cover


def _shape_text(shape: Any) -> str:
    if isinstance(shape, list):
        return "[" + ", ".join(_shape_text(s) for s in shape) + "]"
    return (
        "("
        + ", ".join("None" if d is None else str(d) for d in shape)
        + ("," if len(shape) == 1 else "")
        + ")"
    )


def _output_shape(layer: Any) -> str:
    try:
        return _shape_text(layer.output_shape)
    except (AttributeError, ValueError):
        return "?"


def _param_count(layer: Any) -> str:
    return f"{layer.count_params():,}" if layer.built else "0 (unbuilt)"


def _connections(model: Any, layer: Any) -> list[str]:
    from ember.layers.input_layer import InputLayer

    out: list[str] = []
    for node in model._nodes:
        if node.layer is not layer:
            continue
        for t in node.input_tensors:
            producer = t.node.layer
            idx = 0 if isinstance(producer, InputLayer) else producer._inbound_nodes.index(t.node)
            out.append(f"{producer.name}[{idx}][{t.index}]")
    return out


def print_summary(
    model: Any,
    line_length: int | None = None,
    positions: Any = None,
    print_fn: Callable[..., Any] | None = None,
    expand_nested: bool = False,
    show_trainable: bool = False,
) -> None:
    """Print (or pass to ``print_fn``) the summary table of ``model``."""
    from ember.models.sequential import Sequential

    emit = print_fn or print
    sequential = isinstance(model, Sequential)
    layers = model.layers
    headers = ["Layer (type)", "Output Shape", "Param #"]
    rows: list[list[str]] = []
    for layer in layers:
        row = [f"{layer.name} ({type(layer).__name__})", _output_shape(layer), _param_count(layer)]
        if not sequential:
            links = _connections(model, layer)
            row.append(links[0] if links else "-")
            rows.append(row)
            for extra in links[1:]:
                rows.append(["", "", "", extra])
            continue
        rows.append(row)
    if not sequential:
        headers.append("Connected to")
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)
    ]
    widths[0] = max(widths[0], 31)
    widths[1] = max(widths[1], 22)
    widths[2] = max(widths[2], 13)
    right = {2}

    def line(cells: list[str], sep: str, edge: tuple[str, str]) -> str:
        parts = [
            (c.rjust(w) if i in right else c.ljust(w))
            for i, (c, w) in enumerate(zip(cells, widths))
        ]
        return edge[0] + " " + f" {sep} ".join(parts) + " " + edge[1]

    def rule(left: str, mid: str, right_: str, fill: str) -> str:
        return left + mid.join(fill * (w + 2) for w in widths) + right_

    emit(f'Model: "{model.name}"')
    emit(rule("┏", "┳", "┓", "━"))
    emit(line(headers, "┃", ("┃", "┃")))
    emit(rule("┡", "╇", "┩", "━"))
    for i, row in enumerate(rows):
        emit(line(row, "│", ("│", "│")))
        if i + 1 < len(rows) and rows[i + 1][0]:
            emit(rule("├", "┼", "┤", "─"))
    emit(rule("└", "┴", "┘", "─"))
    trainable = sum(w.size for w in model.trainable_weights)
    non_trainable = sum(w.size for w in model.non_trainable_weights)
    total = trainable + non_trainable
    emit(f" Total params: {total:,} ({_fmt_bytes(total * 4)})")
    emit(f" Trainable params: {trainable:,} ({_fmt_bytes(trainable * 4)})")
    emit(f" Non-trainable params: {non_trainable:,} ({_fmt_bytes(non_trainable * 4)})")
