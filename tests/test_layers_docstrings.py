"""The docstring examples of the layer modules added with the Keras layer set (activations,
identity, Lambda, normalizations, noise, spatial dropout, 1-D reshaping, Dot, attention,
EinsumDense, MultiHeadAttention) run and print what they show."""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pytest

import ember

MODULES = [
    "activations",
    "attention",
    "einsum_dense",
    "identity",
    "lambda_layer",
    "merge",
    "multi_head_attention",
    "noise",
    "normalization",
    "reshaping",
    "spatial_dropout",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(f"ember.layers.{name}")
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    tests = doctest.DocTestFinder().find(module)
    for test in tests:
        test.globs = {"ember": ember, "np": np}
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted > 0
    assert result.failed == 0, f"{result.failed} docstring example(s) of {name} failed"
