"""The shipped examples and ``python -m ember demo`` run end to end and learn something.

Each runs for a few epochs only; the assertions compare with a trivial baseline computed from
the same data (majority class, the noisy input, the naive last-value forecast), so a model
that does not learn fails.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

import ember
from ember.__main__ import main as ember_main
from ember.demo import run_cnn_demo, run_lstm_demo

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def load_example(name: str):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def fresh():
    ember.backend.clear_session()


def test_sequence_classification_example_beats_majority_class(capsys):
    accuracy = load_example("sequence_classification").main(epochs=4, verbose=0)
    baseline = float(capsys.readouterr().out.split("baseline ")[1].split(")")[0])
    assert accuracy > baseline + 0.2


def test_sequence_to_sequence_example_denoises(capsys):
    mse = load_example("sequence_to_sequence").main(epochs=3, verbose=0)
    noise = float(capsys.readouterr().out.split("itself: ")[1].split(")")[0])
    assert mse < 0.5 * noise


def test_lstm_demo_beats_the_naive_forecast():
    result = run_lstm_demo(epochs=3, verbose=0)
    assert 0.0 < result["test_rmse"] < 0.95 * result["naive_rmse"]
    # Weekly changes at Mauna Loa have a spread of about half a ppm.
    assert 0.3 < result["naive_rmse"] < 0.8


def test_cnn_demo_learns_digits():
    assert run_cnn_demo(epochs=2, verbose=0)["test_accuracy"] > 0.8


def test_demo_command_prints_progress_and_exit_status(capsys):
    assert ember_main(["demo", "--only", "lstm", "--epochs", "2"]) == 0
    out = capsys.readouterr().out
    assert "Epoch 2/2" in out and "test RMSE" in out and "naive last-value" in out


def test_demo_command_rejects_unknown_choice():
    with pytest.raises(SystemExit):
        ember_main(["demo", "--only", "gan"])
