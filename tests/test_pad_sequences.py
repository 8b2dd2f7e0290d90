"""pad_sequences against outputs recorded from keras.utils.pad_sequences (Keras 3.15)."""

from __future__ import annotations

import numpy as np
import pytest

import ember
from ember.preprocessing.sequence import pad_sequences

SEQS = [[1, 2, 3, 4], [5], [], [6, 7]]


@pytest.mark.parametrize(
    "kwargs,expected",
    [
        ({}, [[1, 2, 3, 4], [0, 0, 0, 5], [0, 0, 0, 0], [0, 0, 6, 7]]),
        ({"maxlen": 2, "padding": "post", "truncating": "post"}, [[1, 2], [5, 0], [0, 0], [6, 7]]),
        (
            {"maxlen": 3, "truncating": "post", "value": -1},
            [[1, 2, 3], [-1, -1, 5], [-1, -1, -1], [-1, 6, 7]],
        ),
        ({"maxlen": 3}, [[2, 3, 4], [0, 0, 5], [0, 0, 0], [0, 6, 7]]),
    ],
)
def test_matches_keras(kwargs, expected):
    out = pad_sequences(SEQS, **kwargs)
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out, np.array(expected))


def test_float_dtype_trailing_shape_and_utils_alias():
    np.testing.assert_array_equal(pad_sequences([[0.5, 1.5]], dtype="float32"), [[0.5, 1.5]])
    stacked = ember.utils.pad_sequences([np.ones((2, 3)), np.zeros((1, 3))])
    assert stacked.shape == (2, 2, 3)
    np.testing.assert_array_equal(stacked[1], [[0, 0, 0], [0, 0, 0]])


def test_int_dtype_truncates_floats_like_keras():
    assert pad_sequences([[1.7, -2.2]]).tolist() == [[1, -2]]


def test_maxlen_zero_gives_empty_rows():
    assert pad_sequences([[1, 2]], maxlen=0).shape == (1, 0)


@pytest.mark.parametrize(
    "args,kwargs,match",
    [
        ((SEQS,), {"padding": "mid"}, "padding"),
        ((SEQS,), {"truncating": "both"}, "truncating"),
        (([1, 2],), {}, "item 0"),
        ((5,), {}, "list of iterables"),
        ((SEQS,), {"maxlen": -1}, "maxlen"),
        ((SEQS,), {"value": "pad"}, "string"),
        (([np.ones((2, 3)), np.ones((2, 4))],), {}, "element shape"),
    ],
)
def test_bad_input_names_the_argument(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        pad_sequences(*args, **kwargs)
