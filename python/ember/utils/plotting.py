"""``plot_model``: draw a model's layer graph with no extra software.

``.dot`` writes Graphviz source, ``.svg`` a self-contained drawing made here; ``.png`` goes
through Graphviz's ``dot`` when it is installed, else matplotlib when it is installed, else
raises an error that suggests ``.svg``.

Example:
    >>> model = ember.Sequential([ember.layers.Dense(2, input_shape=(3,))])
    >>> ember.utils.plot_model(model, to_file=tempfile.mkdtemp() + "/model.svg")
"""

from __future__ import annotations

import html
import os
import shutil
import subprocess
from typing import Any

from ember.utils.summary import _shape_text

_CHAR_W = 7.2  # px per character at the 12 px font used in the SVG
_LINE_H = 16
_PAD_X, _PAD_Y, _GAP_X, _GAP_Y = 14, 10, 28, 36


class _Box:
    def __init__(self, layer: Any, lines: list[str]) -> None:
        self.layer = layer
        self.lines = lines
        self.w = max(len(s) for s in lines) * _CHAR_W + 2 * _PAD_X
        self.h = len(lines) * _LINE_H + 2 * _PAD_Y
        self.rank = 0
        self.x = self.y = 0.0


def _graph(model: Any) -> tuple[list[Any], list[tuple[Any, Any]]]:
    """Layers (with InputLayers) and edges producer -> consumer."""
    from ember.layers.input_layer import InputLayer
    from ember.models.sequential import Sequential

    if isinstance(model, Sequential):
        layers = ([model._input_layer] if model._input_layer is not None else []) + model.layers
        return layers, list(zip(layers, layers[1:]))
    layers = list(model.layers)
    edges = []
    for node in model._nodes:
        for t in node.input_tensors:
            producer = t.node.layer
            if producer in layers or isinstance(producer, InputLayer):
                edges.append((producer, node.layer))
    return layers, edges


def _label(
    layer: Any,
    show_shapes: bool,
    show_layer_names: bool,
    show_dtype: bool,
    show_activations: bool,
    show_trainable: bool,
) -> list[str]:
    kind = type(layer).__name__
    lines = [f"{layer.name} ({kind})" if show_layer_names else kind]
    if show_activations and hasattr(layer, "activation"):
        from ember import activations

        lines.append(f"activation: {activations.name_of(layer.activation) or 'custom'}")
    if show_shapes:
        try:
            out = _shape_text(layer.output_shape)
        except (AttributeError, ValueError):
            out = "?"
        lines.append(f"output: {out}")
    if show_dtype:
        lines.append("dtype: float32")
    if show_trainable:
        lines.append(f"trainable: {layer.trainable}")
    return lines


def _layout(
    boxes: dict[int, _Box], order: list[Any], edges: list[tuple[Any, Any]], rankdir: str
) -> tuple[float, float]:
    for layer in order:  # layers come in execution order, so one pass gives longest paths
        for src, dst in edges:
            if dst is layer:
                boxes[id(dst)].rank = max(boxes[id(dst)].rank, boxes[id(src)].rank + 1)
    ranks: dict[int, list[_Box]] = {}
    for layer in order:
        ranks.setdefault(boxes[id(layer)].rank, []).append(boxes[id(layer)])
    horizontal = rankdir == "LR"
    across = [
        sum((b.h if horizontal else b.w) for b in row) + _GAP_X * (len(row) - 1)
        for row in ranks.values()
    ]
    span = max(across) if across else 0
    pos = 0.0
    for r in sorted(ranks):
        row = ranks[r]
        depth = max((b.w if horizontal else b.h) for b in row)
        extent = sum((b.h if horizontal else b.w) for b in row) + _GAP_X * (len(row) - 1)
        offset = (span - extent) / 2
        for b in row:
            if horizontal:
                b.x, b.y = pos + (depth - b.w) / 2, offset
                offset += b.h + _GAP_X
            else:
                b.x, b.y = offset, pos + (depth - b.h) / 2
                offset += b.w + _GAP_X
        pos += depth + _GAP_Y
    size = (pos - _GAP_Y, span) if horizontal else (span, pos - _GAP_Y)
    return size[0] + 2 * _GAP_X, size[1] + 2 * _GAP_X


def _anchors(src: _Box, dst: _Box, rankdir: str) -> tuple[float, float, float, float]:
    m = _GAP_X
    if rankdir == "LR":
        return (src.x + src.w + m, src.y + src.h / 2 + m, dst.x + m, dst.y + dst.h / 2 + m)
    return (src.x + src.w / 2 + m, src.y + src.h + m, dst.x + dst.w / 2 + m, dst.y + m)


def _svg(
    boxes: dict[int, _Box], edges: list[tuple[Any, Any]], size: tuple[float, float], rankdir: str
) -> str:
    w, h = size
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0f}" height="{h:.0f}" '
        f'viewBox="0 0 {w:.0f} {h:.0f}" font-family="Helvetica, Arial, sans-serif" '
        'font-size="12">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker>'
        "</defs>",
        f'<rect width="{w:.0f}" height="{h:.0f}" fill="white"/>',
    ]
    for src, dst in edges:
        x1, y1, x2, y2 = _anchors(boxes[id(src)], boxes[id(dst)], rankdir)
        out.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
            'stroke="#333" stroke-width="1.2" marker-end="url(#arrow)"/>'
        )
    for b in boxes.values():
        x, y = b.x + _GAP_X, b.y + _GAP_X
        out.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{b.w:.1f}" height="{b.h:.1f}" '
            'rx="4" fill="#f4f6fb" stroke="#333"/>'
        )
        for i, text in enumerate(b.lines):
            ty = y + _PAD_Y + (i + 0.8) * _LINE_H
            out.append(
                f'<text x="{x + b.w / 2:.1f}" y="{ty:.1f}" text-anchor="middle">'
                f"{html.escape(text)}</text>"
            )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _dot(
    model: Any, boxes: dict[int, _Box], edges: list[tuple[Any, Any]], rankdir: str, dpi: int
) -> str:
    lines = [
        f'digraph "{model.name}" {{',
        f"  graph [rankdir={rankdir}, dpi={dpi}];",
        '  node [shape=record, fontname="Helvetica", fontsize=12];',
    ]
    for b in boxes.values():
        label = "|".join(
            s.replace("{", "\\{")
            .replace("}", "\\}")
            .replace("|", "\\|")
            .replace("<", "\\<")
            .replace(">", "\\>")
            for s in b.lines
        )
        lines.append(f'  "{b.layer.name}" [label="{{{label}}}"];')
    for src, dst in edges:
        lines.append(f'  "{src.name}" -> "{dst.name}";')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _png_matplotlib(
    boxes: dict[int, _Box],
    edges: list[tuple[Any, Any]],
    size: tuple[float, float],
    rankdir: str,
    dpi: int,
    path: str,
) -> None:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    w, h = size
    fig = plt.figure(figsize=(w / 72, h / 72), dpi=dpi)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, w)
    ax.set_ylim(h, 0)
    ax.axis("off")
    for src, dst in edges:
        x1, y1, x2, y2 = _anchors(boxes[id(src)], boxes[id(dst)], rankdir)
        ax.annotate(
            "",
            xy=(x2, y2),
            xytext=(x1, y1),
            arrowprops=dict(arrowstyle="-|>", color="#333", lw=1.0),
        )
    for b in boxes.values():
        x, y = b.x + _GAP_X, b.y + _GAP_X
        ax.add_patch(
            FancyBboxPatch(
                (x, y),
                b.w,
                b.h,
                boxstyle="round,pad=0,rounding_size=4",
                facecolor="#f4f6fb",
                edgecolor="#333",
            )
        )
        for i, text in enumerate(b.lines):
            ax.text(
                x + b.w / 2,
                y + _PAD_Y + (i + 0.5) * _LINE_H,
                text,
                ha="center",
                va="center",
                fontsize=9,
            )
    fig.savefig(path, dpi=dpi)
    plt.close(fig)


def plot_model(
    model: Any,
    to_file: str | os.PathLike = "model.png",
    show_shapes: bool = False,
    show_dtype: bool = False,
    show_layer_names: bool = True,
    rankdir: str = "TB",
    expand_nested: bool = False,
    dpi: int = 96,
    show_layer_activations: bool = False,
    show_trainable: bool = False,
    **kwargs: Any,
) -> None:
    """Draw ``model``'s graph to ``to_file`` (.dot, .svg, or .png).

    Example:
        >>> ember.utils.plot_model(model, to_file="model.svg", show_shapes=True)  # doctest: +SKIP
    """
    if rankdir not in ("TB", "LR"):
        raise ValueError(f"plot_model: rankdir must be 'TB' or 'LR', received {rankdir!r}")
    if not getattr(model, "built", False):
        raise ValueError(
            "This model has not yet been built. Build the model first by calling "
            "`build()` or by calling the model on a batch of data."
        )
    path = os.fspath(to_file)
    ext = os.path.splitext(path)[1].lower()
    if ext not in (".dot", ".gv", ".svg", ".png"):
        raise ValueError(f"plot_model: unsupported file type {ext!r}; use .png, .svg or .dot")
    layers, edges = _graph(model)
    boxes = {
        id(layer): _Box(
            layer,
            _label(
                layer,
                show_shapes,
                show_layer_names,
                show_dtype,
                show_layer_activations,
                show_trainable,
            ),
        )
        for layer in layers
    }
    size = _layout(boxes, layers, edges, rankdir)
    from ember.saving.saving_lib import atomic_write

    if ext in (".dot", ".gv"):
        text = _dot(model, boxes, edges, rankdir, dpi)
        atomic_write(path, lambda f: f.write(text.encode()))
        return
    if ext == ".svg":
        text = _svg(boxes, edges, size, rankdir)
        atomic_write(path, lambda f: f.write(text.encode()))
        return
    dot = shutil.which("dot")
    if dot is not None:
        source = _dot(model, boxes, edges, rankdir, dpi)
        result = subprocess.run(
            [dot, "-Tpng"], input=source.encode(), capture_output=True, check=False
        )
        if result.returncode == 0:
            atomic_write(path, lambda f: f.write(result.stdout))
            return
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise ImportError(
            "plot_model: writing a .png needs Graphviz (`dot`) or matplotlib "
            "(`pip install matplotlib`); neither is installed. Use to_file='model.svg' (or "
            "'.dot') instead, which needs nothing."
        ) from None
    _png_matplotlib(boxes, edges, size, rankdir, dpi, path)
