"""ember.datasets.co2: the bundled weekly Mauna Loa CO2 series and the windows() helper."""

from __future__ import annotations

import gzip
import hashlib

import numpy as np
import pytest

import ember.datasets
from ember.datasets import co2

CSV_SHA256 = "16695fa2786e53414e5a6b54767a3fdf5de99cfbc68617f69d1362d92776a92f"
# Row indices (0-based, file order) of the 59 weeks without a measurement.
MISSING_ROWS = (
    [6, 9, 10, 11, 12, 13, 21]
    + list(range(24, 32))
    + [45, 50, 61, 72, 230, 231, 232, 248, 255, 266, 295]
    + list(range(304, 322))
    + [324, 325, 332, 433, 434, 435, 449, 460, 461, 952, 1357, 1358, 1359, 1360, 1427]
)


def test_registered():
    assert "co2" in ember.datasets.__all__
    assert ember.datasets.co2 is co2
    assert callable(co2.load_data) and callable(co2.windows)


def test_bundled_file_is_the_documented_one():
    readme = (co2.DATA_FILE.parent / "README.md").read_text(encoding="utf-8")
    with gzip.open(co2.DATA_FILE, "rb") as f:
        raw = f.read()
    assert hashlib.sha256(raw).hexdigest() == CSV_SHA256
    assert CSV_SHA256 in readme
    assert "public domain" in readme and "Keeling" in readme and "statsmodels" in readme
    assert raw.startswith(b"date,co2\n19580329,316.1\n")


def test_shapes_dtypes_and_dates():
    dates, values = co2.load_data()
    assert dates.shape == values.shape == (co2.NUM_WEEKS,) == (2284,)
    assert dates.dtype == np.dtype("datetime64[D]")
    assert values.dtype == np.float32
    assert dates[0] == co2.FIRST_DATE == np.datetime64("1958-03-29")
    assert dates[-1] == co2.LAST_DATE == np.datetime64("2001-12-29")
    steps = np.diff(dates)
    assert np.all(steps == np.timedelta64(7, "D"))  # strictly increasing, weekly grid
    # every date is a Saturday (1970-01-01 was a Thursday)
    assert np.all((dates.astype(np.int64) - 2) % 7 == 0)


def test_values_range_and_known_points():
    dates, values = co2.load_data()
    assert not np.isnan(values).any()
    assert values.min() == np.float32(313.0) and values.max() == np.float32(373.9)
    assert values[0] == np.float32(316.1) and values[-1] == np.float32(371.5)
    # the trend: 2001 averages about 55 ppm above 1959
    first = values[(dates >= np.datetime64("1959-01-01")) & (dates < np.datetime64("1960-01-01"))]
    last = values[dates >= np.datetime64("2001-01-01")]
    assert 50.0 < last.mean() - first.mean() < 60.0


def test_missing_nan_marks_the_documented_weeks():
    dates, values = co2.load_data(missing="nan")
    assert values.shape == (2284,) and values.dtype == np.float32
    assert np.flatnonzero(np.isnan(values)).tolist() == MISSING_ROWS
    assert len(MISSING_ROWS) == co2.NUM_MISSING == 59
    filled_dates, filled = co2.load_data()
    np.testing.assert_array_equal(filled_dates, dates)
    present = ~np.isnan(values)
    np.testing.assert_array_equal(filled[present], values[present])


def test_interpolation_is_linear_in_time():
    _, raw = co2.load_data(missing="nan")
    _, filled = co2.load_data()
    # the longest gap: rows 304..321 (18 weeks in 1964) between measured rows 303 and 322
    a, b = float(raw[303]), float(raw[322])
    expected = a + (b - a) * np.arange(1, 19) / 19.0
    np.testing.assert_allclose(filled[304:322], expected, rtol=0, atol=1e-4)
    # a single missing week is the mean of its neighbours
    np.testing.assert_allclose(filled[6], (raw[5] + raw[7]) / 2, rtol=0, atol=1e-4)


def test_missing_drop():
    dates, values = co2.load_data(missing="drop")
    assert dates.shape == values.shape == (2284 - 59,)
    assert not np.isnan(values).any()
    assert np.all(np.diff(dates) >= np.timedelta64(7, "D"))
    assert np.diff(dates).max() == np.timedelta64(19 * 7, "D")


def test_bad_missing_mode():
    with pytest.raises(ValueError, match="missing must be one of"):
        co2.load_data(missing="zero")


def test_deterministic_and_independent_copies():
    d1, v1 = co2.load_data()
    d2, v2 = co2.load_data()
    np.testing.assert_array_equal(d1, d2)
    np.testing.assert_array_equal(v1, v2)
    assert hashlib.sha256(v1.tobytes()).hexdigest() == hashlib.sha256(v2.tobytes()).hexdigest()
    v1[:] = 0.0  # the caller owns the arrays
    d1[0] = np.datetime64("2000-01-01")
    d3, v3 = co2.load_data()
    np.testing.assert_array_equal(v3, v2)
    np.testing.assert_array_equal(d3, d2)


def test_windows_shapes_and_content():
    series = np.arange(10, dtype=np.float64)
    x, y = co2.windows(series, window=4)
    assert x.shape == (6, 4, 1) and y.shape == (6, 1)
    assert x.dtype == y.dtype == np.float32
    assert x[0, :, 0].tolist() == [0, 1, 2, 3] and y[0, 0] == 4
    assert x[-1, :, 0].tolist() == [5, 6, 7, 8] and y[-1, 0] == 9
    x, y = co2.windows(series, window=3, horizon=2)
    assert x.shape == (6, 3, 1)
    assert x[0, :, 0].tolist() == [0, 1, 2] and y[0, 0] == 4  # two steps after the window
    assert y[-1, 0] == 9
    x, y = co2.windows(series, window=9)
    assert x.shape == (1, 9, 1) and y[0, 0] == 9
    x[0, 0, 0] = 99.0  # a copy, not a view of the input
    assert series[0] == 0.0


def test_windows_on_co2_for_a_forecaster():
    _, values = co2.load_data()
    x, y = co2.windows(values, window=52)
    assert x.shape == (2232, 52, 1) and y.shape == (2232, 1)
    np.testing.assert_array_equal(x[1:, :-1, 0], x[:-1, 1:, 0])  # consecutive windows shift by 1
    np.testing.assert_array_equal(y[:-1, 0], x[1:, -1, 0])  # the target is the next input
    assert x.flags.c_contiguous and y.flags.c_contiguous


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"window": 0}, "window must be a positive integer"),
        ({"window": 2.0}, "window must be a positive integer"),
        ({"window": True}, "window must be a positive integer"),
        ({"window": 3, "horizon": 0}, "horizon must be a positive integer"),
        ({"window": 10}, "too short"),
        ({"window": 9, "horizon": 2}, "too short"),
    ],
)
def test_windows_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        co2.windows(np.arange(10.0), **kwargs)


def test_windows_rejects_2d():
    with pytest.raises(ValueError, match="1-D"):
        co2.windows(np.zeros((10, 1)), window=3)
