"""A Keras-style progress bar: ``12/938 ━━━━━━━━━━━━━━━━━━━━ 3s 4ms/step - loss: 0.52``.

Example:
    >>> bar = Progbar(2, verbose=2)
    >>> bar.update(1, {"loss": 0.5}); bar.finish(2, {"loss": 0.4})
    2/2 - 0s - 0ms/step - loss: 0.4000
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

import numpy as np

_WIDTH = 20


def _fmt_value(v: Any) -> str:
    v = float(np.mean(v))  # an array-valued metric (per class, per threshold): its mean
    return f"{v:.4f}" if abs(v) >= 1e-3 or v == 0 else f"{v:.4e}"


def _fmt_time(seconds: float) -> str:
    if seconds >= 3600:
        return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{int(seconds % 60):02d}"
    if seconds >= 60:
        return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    return f"{int(round(seconds))}s"


def _fmt_per_step(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.0f}s/step"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/step"
    return f"{seconds * 1e6:.0f}us/step"


class Progbar:
    """Progress over ``target`` steps (None = unknown). ``verbose`` 1 redraws a bar at most
    every ``interval`` seconds, 2 prints one line at ``finish``, 0 prints nothing."""

    def __init__(
        self, target: int | None, verbose: int = 1, interval: float = 0.05, stream: Any = None
    ) -> None:
        self.target = target
        self.verbose = verbose
        self.interval = interval
        self.stream = stream or sys.stdout
        self.start = time.perf_counter()
        self.last_draw = 0.0
        self.seen = 0
        self.dynamic = (
            (hasattr(self.stream, "isatty") and self.stream.isatty())
            or ("ipykernel" in sys.modules)
            or "PYCHARM_HOSTED" in os.environ
        )
        self._drawn_width = 0

    def _line(self, current: int, values: dict, final: bool) -> str:
        elapsed = time.perf_counter() - self.start
        per_step = elapsed / max(current, 1)
        metrics = "".join(f" - {k}: {_fmt_value(v)}" for k, v in values.items())
        if self.verbose == 2:
            timing = f"{_fmt_time(elapsed)} - {_fmt_per_step(per_step)}"
            return f"{current}/{current} - {timing}{metrics}"
        if self.target:
            digits = len(str(self.target))
            done = int(_WIDTH * min(current, self.target) / self.target)
            # Keras draws the done part bold; plain streams (logs, CI) get no escape codes.
            if self.dynamic:
                bar = "\x1b[1m" + "━" * done + "\x1b[0m" + "━" * (_WIDTH - done)
            else:
                bar = "━" * done + "·" * (_WIDTH - done)
            if final:
                timing = f"{_fmt_time(elapsed)} {_fmt_per_step(per_step)}"
            else:
                eta = per_step * (self.target - current)
                timing = f"{_fmt_time(eta)} {_fmt_per_step(per_step)}"
            return f"{current:>{digits}}/{self.target} {bar} {timing}{metrics}"
        return f"{current} {_fmt_time(elapsed)} {_fmt_per_step(per_step)}{metrics}"

    def update(self, current: int, values: dict | None = None) -> None:
        """Record progress; redraw the bar (verbose 1, interactive streams) when due."""
        self.seen = current
        if self.verbose != 1:
            return
        now = time.perf_counter()
        if now - self.last_draw < self.interval and (self.target is None or current < self.target):
            return
        self.last_draw = now
        if self.dynamic:
            line = self._line(current, values or {}, final=False)
            pad = max(self._drawn_width - len(line), 0)
            self.stream.write("\r" + line + " " * pad)
            self._drawn_width = len(line)
            self.stream.flush()

    def finish(self, current: int, values: dict | None = None) -> None:
        """Print the final line of this bar."""
        self.seen = current
        if self.verbose == 0:
            return
        line = self._line(current, values or {}, final=True)
        if self.verbose == 1 and self.dynamic:
            pad = max(self._drawn_width - len(line), 0)
            self.stream.write("\r" + line + " " * pad + "\n")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()
