"""Every public name of the Keras 3 namespaces ember mirrors exists in ember: implemented, or a
stand-in that says it is not implemented and why (ember/_not_implemented.py) and raises
NotImplementedError naming itself. The names come from real Keras 3.15
(tests/fixtures/keras_api/names.json, made by make_keras_api_fixtures.py).

The README's coverage table is made from the same data:

    python tests/test_keras_coverage.py --update-readme
"""

from __future__ import annotations

import importlib
import inspect
import json
import sys
from pathlib import Path

import pytest

import ember  # noqa: F401  (the namespaces below load lazily)
from ember._not_implemented import reason_of

ROOT = Path(__file__).resolve().parent.parent
NAMES = json.loads((Path(__file__).parent / "fixtures/keras_api/names.json").read_text())
MODULES = {
    "ops": "ember.ops",
    "ops.nn": "ember.ops.nn",
    "layers": "ember.layers",
    "metrics": "ember.metrics",
    "losses": "ember.losses",
    "callbacks": "ember.callbacks",
    "random": "ember.random",
    "regularizers": "ember.regularizers",
    "constraints": "ember.constraints",
}
README_START = "<!-- keras-coverage:start (python tests/test_keras_coverage.py --update-readme) -->"
README_END = "<!-- keras-coverage:end -->"


def _cases() -> list[tuple[str, str, str]]:
    return [
        (namespace, name, kind)
        for namespace, names in NAMES["namespaces"].items()
        for name, kind in names.items()
    ]


def status(namespace: str, name: str) -> tuple[str, str | None]:
    """("provided" | "not implemented" | "missing", reason)."""
    module = importlib.import_module(MODULES[namespace])
    if not hasattr(module, name):
        return "missing", None
    reason = reason_of(getattr(module, name))
    return ("not implemented", reason) if reason else ("provided", None)


@pytest.mark.parametrize(
    "namespace, name, kind", _cases(), ids=[f"{n}.{x}" for n, x, _ in _cases()]
)
def test_every_keras_name_is_provided_or_said_to_be_missing(namespace, name, kind):
    state, reason = status(namespace, name)
    assert state != "missing", (
        f"keras.{namespace}.{name} is neither provided by {MODULES[namespace]} nor listed as "
        "not implemented (ember/_not_implemented.py)"
    )
    obj = getattr(importlib.import_module(MODULES[namespace]), name)
    if kind == "class":
        assert inspect.isclass(obj), f"keras.{namespace}.{name} is a class in Keras"
    elif kind == "function":
        assert callable(obj), f"keras.{namespace}.{name} is a function in Keras"
    if state == "not implemented":
        assert reason and len(reason) > 10, f"{name}: a stand-in needs a reason"
        with pytest.raises(NotImplementedError, match=rf"{name}\b.*not implemented"):
            obj()


def coverage_table() -> str:
    """The README's table: per namespace, Keras' names, how many ember provides, and the
    names it does not implement with their reasons."""
    lines = [
        "| Keras 3.15 namespace | names | provided | not implemented |",
        "| --- | ---: | ---: | ---: |",
    ]
    missing: dict[str, list[tuple[str, str]]] = {}
    for namespace, names in NAMES["namespaces"].items():
        states = {name: status(namespace, name) for name in names}
        provided = sum(1 for s, _ in states.values() if s == "provided")
        absent = [(n, r or "?") for n, (s, r) in states.items() if s != "provided"]
        missing[namespace] = absent
        lines.append(f"| `keras.{namespace}` | {len(names)} | {provided} | {len(absent)} |")
    lines.append("")
    for namespace, absent in missing.items():
        if not absent:
            continue
        by_reason: dict[str, list[str]] = {}
        for name, reason in absent:
            by_reason.setdefault(reason, []).append(name)
        lines.append(f"Not implemented in `keras.{namespace}` (each raises NotImplementedError):")
        lines.append("")
        for reason, names in by_reason.items():
            lines.append(f"- {', '.join(f'`{n}`' for n in sorted(names))}: {reason}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _readme_block(text: str) -> str:
    start = text.index(README_START) + len(README_START)
    return text[start : text.index(README_END)].strip("\n") + "\n"


def test_readme_coverage_table_is_current():
    text = (ROOT / "README.md").read_text()
    assert _readme_block(text) == coverage_table(), (
        "the README's Keras coverage table is out of date: run "
        "python tests/test_keras_coverage.py --update-readme"
    )


def _update_readme() -> None:
    path = ROOT / "README.md"
    text = path.read_text()
    start = text.index(README_START) + len(README_START)
    end = text.index(README_END)
    path.write_text(text[:start] + "\n" + coverage_table() + text[end:])


if __name__ == "__main__":
    if "--update-readme" in sys.argv:
        _update_readme()
    else:
        print(coverage_table())
