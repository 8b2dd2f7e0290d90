"""``model.summary()``: Keras 3's table of layers, output shapes and parameter counts, laid out
character for character as Keras prints it.

Keras draws the table with the ``rich`` package; ember lays out the same table itself: each
column gets ``int(position * line_length)`` characters (``line_length`` defaults to 88, or
108 with a "Connected to" column, +12 with ``show_trainable``, capped at the terminal width
minus 4), the columns are shrunk evenly until the table with its borders fits
``line_length``, cells are word-wrapped (a word longer than its cell ends in "…"), header
cells are aligned to the bottom and body cells to the top, and lines wider than the console
(80 columns when it is not a terminal) are cropped.

Example:
    >>> model = ember.Sequential([ember.layers.Dense(2, input_shape=(3,))])
    >>> model.summary()  # doctest: +ELLIPSIS
    Model: "sequential..."
    ...
"""

from __future__ import annotations

import math
import os
import re
import shutil
import sys
from collections.abc import Callable
from typing import Any

__all__ = ["print_summary", "render_table"]

_WORD = re.compile(r"\s*\S+\s*")


# ---------------------------------------------------------------------- text layout
def _break_offsets(text: str, width: int, fold: bool) -> list[int]:
    """Where word wrapping breaks ``text`` for lines of ``width`` characters. A word is its
    characters and the spaces after it (the first also those before it). A word longer than
    a line starts a new line and is left whole (``fold=False``: cut later with "…") or
    chopped into line-sized pieces (``fold=True``)."""
    breaks: list[int] = []
    offset = 0
    for match in _WORD.finditer(text):
        start, word = match.start(), match.group(0)
        length = len(word.rstrip())
        if width - offset >= length:
            offset += len(word)
        elif length > width:
            if fold:
                pieces = [word[i : i + width] for i in range(0, len(word), width)]
                for i, piece in enumerate(pieces):
                    if start:
                        breaks.append(start)
                    if i == len(pieces) - 1:
                        offset = len(piece)
                    else:
                        start += len(piece)
            else:
                if start:
                    breaks.append(start)
                offset = len(word)
        elif offset and start:
            breaks.append(start)
            offset = len(word)
    return breaks


def _split(text: str, offsets: list[int]) -> list[str]:
    bounds = [0, *offsets, len(text)]
    return [text[a:b] for a, b in zip(bounds, bounds[1:])]


def _truncate(line: str, width: int) -> str:
    return line if len(line) <= width else line[: max(width - 1, 0)] + "…"


def wrap_cell(text: str, width: int, justify: str = "left") -> list[str]:
    """``text`` word-wrapped into lines of exactly ``width`` characters, justified
    ``"left"``, ``"right"`` or ``"center"``; a line still too long ends in "…".

    Example:
        >>> wrap_cell("(None, 61, 61, 32)", 17)
        ['(None, 61, 61,   ', '32)              ']
    """
    width = max(width, 0)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        for line in _split(paragraph, _break_offsets(paragraph, width, fold=False)):
            if len(line) > width:  # drop trailing spaces that overflow the cell
                spaces = len(line) - len(line.rstrip())
                line = line[: len(line) - min(spaces, len(line) - width)]
            if justify == "left":
                line = _truncate(line, width).ljust(width)
            else:
                line = _truncate(line.rstrip(), width)
                pad = width - len(line)
                left = pad // 2 if justify == "center" else pad
                line = " " * left + line + " " * (pad - left)
            lines.append(line)
    return lines


def wrap_text(text: str, width: int) -> list[str]:
    """Plain text wrapped at ``width`` (long words chopped), without padding.

    Example:
        >>> wrap_text("Model: abcdefgh", 6)
        ['Model:', 'abcdef', 'gh']
    """
    lines: list[str] = []
    for paragraph in text.split("\n"):
        for line in _split(paragraph, _break_offsets(paragraph, width, fold=True)):
            if len(line) > width:
                spaces = len(line) - len(line.rstrip())
                line = line[: len(line) - min(spaces, len(line) - width)]
            lines.append(line[:width])
    return lines


def _reduce_evenly(excess: int, widths: list[int]) -> list[int]:
    """Take ``excess`` characters off ``widths`` as evenly as possible, earlier columns
    first, never more than a column has (rounding half to even, as Python does)."""
    ratio_left = sum(1 for w in widths if w)
    out = []
    remaining = excess
    for w in widths:
        if w and ratio_left > 0:
            take = min(w, round(remaining / ratio_left))
            out.append(w - take)
            remaining -= take
            ratio_left -= 1
        else:
            out.append(w)
    return out


def render_table(
    headers: list[str],
    rows: list[list[str]],
    widths: list[int],
    justify: list[str],
    table_width: int,
) -> list[str]:
    """The lines of a table with a heavy header box and a rule between body rows. Columns
    ask for ``widths`` characters of content (plus one space of padding each side); when the
    table with its borders is wider than ``table_width`` they are shrunk evenly.

    Example:
        >>> render_table(["a"], [["x"]], [3], ["left"], 20)
        ['┏━━━━━┓', '┃ a   ┃', '┡━━━━━┩', '│ x   │', '└─────┘']
    """
    n = len(headers)
    space = table_width - (n + 1)  # for the cells, borders aside
    cells = [min(w + 2, space) if space >= 1 else 0 for w in widths]
    if sum(cells) > space:
        cells = _reduce_evenly(sum(cells) - space, cells)
    inner = [max(c - 2, 0) for c in cells]

    def rule(left: str, fill: str, mid: str, right: str) -> str:
        return left + mid.join(fill * c for c in cells) + right

    def block(row: list[str], bottom: bool, edge: str) -> list[str]:
        wrapped = [wrap_cell(text, w, j) for text, w, j in zip(row, inner, justify)]
        height = max(len(c) for c in wrapped)
        for i, column in enumerate(wrapped):
            blank = [" " * inner[i]] * (height - len(column))
            wrapped[i] = blank + column if bottom else column + blank
        return [
            edge + edge.join(f" {wrapped[c][k]} " for c in range(n)) + edge for k in range(height)
        ]

    lines = [rule("┏", "━", "┳", "┓")]
    lines += block(headers, bottom=True, edge="┃")
    lines.append(rule("┡", "━", "╇", "┩"))
    for i, row in enumerate(rows):
        if i:
            lines.append(rule("├", "─", "┼", "┤"))
        lines += block(row, bottom=False, edge="│")
    lines.append(rule("└", "─", "┴", "┘"))
    return lines


def console_width() -> int:
    """The width Keras' console prints at: ``$COLUMNS``, else the terminal's, else 80.

    Example:
        >>> os.environ["COLUMNS"] = "100"; console_width()
        100
    """
    columns = os.environ.get("COLUMNS")
    if columns is not None and columns.isdigit():
        return int(columns)
    for fd in (0, 1, 2):
        try:
            width = os.get_terminal_size(fd).columns
        except (AttributeError, ValueError, OSError):
            continue
        return width or 80
    return 80


# ---------------------------------------------------------------------- model facts
def _fmt_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if n / 1024 < 1:
            return f"{n:.2f} {unit}"
        n /= 1024
    return f"{n:.2f} PB"


def _shape_text(shape: Any) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


def _structure_text(outputs: Any) -> str:
    """Keras' text of a layer's output shapes: one shape, or the structure of shapes."""
    if isinstance(outputs, dict):
        return "{" + ", ".join(f"{k}: {_structure_text(v)}" for k, v in outputs.items()) + "}"
    if isinstance(outputs, list):
        return "[" + ", ".join(_structure_text(o) for o in outputs) + "]"
    if isinstance(outputs, tuple) and not all(isinstance(d, (int, type(None))) for d in outputs):
        inner = ", ".join(_structure_text(o) for o in outputs)
        return "(" + inner + ("," if len(outputs) == 1 else "") + ")"
    return _shape_text(getattr(outputs, "shape", outputs))


def _output_shape(layer: Any) -> str:
    nodes = getattr(layer, "_inbound_nodes", None)
    if not nodes:
        return "?"
    outputs = nodes[-1].outputs  # Keras shows the layer's latest call
    if isinstance(outputs, (list, tuple, dict)):
        flat = list(outputs.values()) if isinstance(outputs, dict) else list(outputs)
        if len(flat) == 1 and not isinstance(flat[0], (list, tuple, dict)):
            return _structure_text(flat[0])
    return _structure_text(outputs)


def _class_name(layer: Any) -> str:
    from ember.models.functional import Model

    if type(layer) is Model and getattr(layer, "inputs_struct", None) is not None:
        return "Functional"  # what keras.Model(inputs, outputs) is an instance of
    return type(layer).__name__


def _params(layer: Any) -> str:
    if not getattr(layer, "built", True):
        return "0 (unbuilt)"
    return f"{layer.count_params():,}"


def _trainable(layer: Any) -> str:
    if getattr(layer, "weights", None):
        return "Y" if layer.trainable else "N"
    return "-"


def _node_index(producer: Any, node: Any) -> int:
    from ember.layers.input_layer import InputLayer

    if isinstance(producer, InputLayer) or node not in producer._inbound_nodes:
        return 0
    return producer._inbound_nodes.index(node)


def _connections(layer: Any, model_nodes: list[Any]) -> str:
    links = []
    for node in getattr(layer, "_inbound_nodes", []):
        if model_nodes and not any(node is n for n in model_nodes):
            continue  # a call of the layer outside this model
        for t in node.input_tensors:
            producer = t.node.layer
            links.append(f"{producer.name}[{_node_index(producer, t.node)}][{t.index}]")
    return ", ".join(links) or "-"


def _graph_is_sequential(model: Any) -> bool:
    """Keras' test: a functional model prints like a Sequential when its graph is a chain
    (one node per depth, one input per node, no layer called twice)."""
    nodes = list(model._nodes)
    input_nodes = [t.node for t in model.inputs]
    depth: dict[int, int] = {id(t.node): 0 for t in model.outputs}
    for node in reversed(nodes):
        d = depth.get(id(node), 0)
        for parent in node.input_tensors:
            depth[id(parent.node)] = max(depth.get(id(parent.node), 0), d + 1)
    by_depth: dict[int, list[Any]] = {}
    seen: set[int] = set()
    for node in [*input_nodes, *nodes]:
        if id(node) not in seen:
            seen.add(id(node))
            by_depth.setdefault(depth.get(id(node), 0), []).append(node)
    for group in by_depth.values():
        if len(group) > 1 or len(group[0].input_tensors) > 1:
            return False
    layers_seen: set[int] = set()
    for node in nodes:
        if id(node.layer) in layers_seen:
            return False
        layers_seen.add(id(node.layer))
    return True


def _layers_and_kind(model: Any) -> tuple[list[Any], bool]:
    from ember.models.sequential import Sequential

    if isinstance(model, Sequential):
        return list(model.layers), True
    if getattr(model, "inputs_struct", None) is None:  # a subclassed model
        return list(model.layers or getattr(model, "_sublayers", [])), True
    return list(model.layers), _graph_is_sequential(model)


def _layer_range(layers: list[Any], layer_range: Any) -> tuple[int, int]:
    if layer_range is None:
        return 0, len(layers)
    if not isinstance(layer_range, (list, tuple)) or len(layer_range) != 2:
        length = len(layer_range) if hasattr(layer_range, "__len__") else "?"
        raise ValueError(
            "layer_range must be a list or tuple of length 2. Received: "
            f"layer_range = {layer_range} of length {length}"
        )
    if not isinstance(layer_range[0], str) or not isinstance(layer_range[1], str):
        raise ValueError(f"layer_range should contain string type only. Received: {layer_range}")
    lower = [i for i, layer in enumerate(layers) if re.match(layer_range[0], layer.name)]
    upper = [i for i, layer in enumerate(layers) if re.match(layer_range[1], layer.name)]
    if not lower or not upper:
        raise ValueError(
            f"Passed layer_names do not match the layer names in the model. Received: {layer_range}"
        )
    if min(lower) > max(upper):
        return min(upper), max(lower) + 1
    return min(lower), max(upper) + 1


def _count_and_bytes(weights: list[Any]) -> tuple[int, int]:
    count = sum(math.prod(w.shape) for w in weights)
    unique = {id(w): w for w in weights}.values()
    nbytes = sum(math.prod(w.shape) * _itemsize(w) for w in unique)
    return int(count), int(nbytes)


def _itemsize(w: Any) -> int:
    dtype = getattr(w, "dtype", None)
    try:
        import numpy as np

        return int(np.dtype(dtype).itemsize) if dtype is not None else 4
    except TypeError:
        return 4


def _optimizer_count_and_bytes(model: Any) -> tuple[int, int] | None:
    """Keras' optimizer variables once the optimizer has run: its step counter (int64), its
    learning rate (float32, unless a schedule) and one float32 slot per trainable weight and
    slot kind (momentum, Adam's m and v...)."""
    optimizer = getattr(model, "optimizer", None)
    if not getattr(model, "compiled", False) or optimizer is None:
        return None
    if not (getattr(optimizer, "_slots", None) or getattr(optimizer, "iterations", 0)):
        return None
    count, nbytes = 1, 8
    if getattr(optimizer, "_schedule", None) is None:
        count, nbytes = count + 1, nbytes + 4
    slots = len(optimizer._needed_slots())
    size = sum(math.prod(w.shape) for w in model.trainable_weights)
    return count + slots * size, nbytes + 4 * slots * size


# ---------------------------------------------------------------------- the summary
def print_summary(
    model: Any,
    line_length: int | None = None,
    positions: list[float] | None = None,
    print_fn: Callable[..., Any] | None = None,
    expand_nested: bool = False,
    show_trainable: bool = False,
    layer_range: list[str] | tuple[str, str] | None = None,
) -> None:
    """Print the summary of ``model`` as Keras 3 does (``Model.summary`` calls this).

    Args:
        model: a Sequential, functional or subclassed model (built or not).
        line_length: the table's width (default: 88, or 108 with a "Connected to" column,
            +12 with ``show_trainable``; at most the terminal's width minus 4).
        positions: each column's right edge as a fraction of ``line_length``.
        print_fn: called once with the whole text (default: printed to stdout).
        expand_nested: list the layers of nested models under them, indented.
        show_trainable: add a "Trainable" column: Y, N, or - for layers without weights.
        layer_range: two regular expressions, the first and last layer to show (by name).

    Example:
        >>> lines = []
        >>> model.summary(print_fn=lines.append, show_trainable=True)  # doctest: +SKIP
    """
    layers, sequential_like = _layers_and_kind(model)
    if line_length is not None and (
        isinstance(line_length, bool) or not isinstance(line_length, int) or line_length < 1
    ):
        raise ValueError(
            f"summary: `line_length` must be a positive integer, received {line_length!r}"
        )
    if sequential_like:
        default_length = 88
        positions = positions or [0.45, 0.80, 1.0]
        headers = ["Layer (type)", "Output Shape", "Param #"]
        justify = ["left", "left", "right"]
    else:
        default_length = 108
        positions = positions or [0.3, 0.56, 0.74, 1.0]
        headers = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
        justify = ["left", "left", "right", "left"]
    if show_trainable:
        default_length += 12
        positions = [p * 0.90 for p in positions] + [1.0]
        headers.append("Trainable")
        justify.append("center")
    if len(positions) < len(headers):
        raise ValueError(
            f"summary: `positions` needs {len(headers)} entries (one per column), received "
            f"{list(positions)}"
        )
    default_length = min(default_length, shutil.get_terminal_size().columns - 4)
    line_length = line_length or default_length
    widths: list[int] = []
    current = 0
    for pos in positions[: len(headers)]:
        width = int(pos * line_length) - current
        if width < 4:
            raise ValueError("Insufficient console width to print summary.")
        widths.append(width)
        current += width

    model_nodes = [] if sequential_like else list(model._nodes)

    def rows_for(layer: Any, level: int = 0) -> list[list[str]]:
        prefix = "   " * level + "└ " if level else ""
        row = [f"{prefix}{layer.name} ({_class_name(layer)})", _output_shape(layer)]
        row.append(_params(layer))
        if not sequential_like:
            row.append(_connections(layer, model_nodes))
        if show_trainable:
            row.append(_trainable(layer))
        rows = [row]
        nested = getattr(layer, "layers", None) if expand_nested else None
        if nested:
            for sub in nested:
                rows.extend(rows_for(sub, level + 1))
        return rows

    first, last = _layer_range(layers, layer_range)
    rows = [row for layer in layers[first:last] for row in rows_for(layer)]

    trainable, trainable_bytes = _count_and_bytes(model.trainable_weights)
    frozen, frozen_bytes = _count_and_bytes(model.non_trainable_weights)
    optimizer = _optimizer_count_and_bytes(model)
    opt_count, opt_bytes = optimizer or (0, 0)
    total, total_bytes = trainable + frozen + opt_count, trainable_bytes + frozen_bytes + opt_bytes

    width = console_width()
    out = wrap_text(f'Model: "{model.name}"', width)
    out += [line[:width] for line in render_table(headers, rows, widths, justify, line_length)]
    totals = [
        f" Total params: {total:,} ({_fmt_bytes(total_bytes)})",
        f" Trainable params: {trainable:,} ({_fmt_bytes(trainable_bytes)})",
        f" Non-trainable params: {frozen:,} ({_fmt_bytes(frozen_bytes)})",
    ]
    if optimizer is not None:
        totals.append(f" Optimizer params: {opt_count:,} ({_fmt_bytes(opt_bytes)})")
    for line in totals:
        out += wrap_text(line, width)
    text = "\n".join(out) + "\n"
    if print_fn is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        print_fn(text)
