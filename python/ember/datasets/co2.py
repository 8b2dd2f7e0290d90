"""Weekly atmospheric CO2 at Mauna Loa, Hawaii, 1958-2001 (Scripps / CDIAC), bundled with ember.

2,284 consecutive weeks (Saturdays 1958-03-29 .. 2001-12-29) of CO2 concentration in ppm
(ppmv, 1999 calibration scale), measured by the Scripps Institution of Oceanography's
continuous analyser at Mauna Loa Observatory (C. D. Keeling's record), as distributed by
CDIAC and shipped by statsmodels. 59 weeks have no measurement; :func:`load_data` fills them
by linear interpolation unless asked otherwise. The file is ``ember/datasets/data/co2.csv.gz``
(public domain; source and changes in the README beside it), so it loads with no download:
a small real series with trend and yearly seasonality for forecasting demos.

Example:
    >>> from ember.datasets import co2
    >>> dates, values = co2.load_data()
    >>> x, y = co2.windows(values, window=52)  # one year of weeks -> the next week
    >>> split = int(0.8 * len(x))  # split by time: train on the past, test on the future
    >>> (x_train, y_train), (x_test, y_test) = (x[:split], y[:split]), (x[split:], y[split:])
    >>> x_train.shape, y_train.shape, x_test.shape
    ((1785, 52, 1), (1785, 1), (447, 52, 1))
"""

from __future__ import annotations

import functools
import gzip
from pathlib import Path

import numpy as np

__all__ = ["load_data", "windows"]

DATA_FILE = Path(__file__).parent / "data" / "co2.csv.gz"
NUM_WEEKS = 2284  # rows in the file: every Saturday from FIRST_DATE to LAST_DATE
NUM_MISSING = 59  # weeks without a measurement (empty value in the file)
FIRST_DATE = np.datetime64("1958-03-29", "D")
LAST_DATE = np.datetime64("2001-12-29", "D")
MISSING_MODES = ("interpolate", "nan", "drop")


@functools.lru_cache(maxsize=1)
def _read_all() -> tuple[np.ndarray, np.ndarray]:
    """All rows in file order as read-only (dates datetime64[D], values float64 with NaN)."""
    with gzip.open(DATA_FILE, "rt", encoding="ascii", newline="") as f:
        lines = f.read().splitlines()
    if not lines or lines[0].strip() != "date,co2":
        raise ValueError(f"{DATA_FILE}: expected the header 'date,co2'")
    dates, values = [], []
    for number, line in enumerate(lines[1:], start=2):
        stamp, _, text = line.partition(",")
        if len(stamp) != 8 or not stamp.isdigit():
            raise ValueError(f"{DATA_FILE}:{number}: bad date {stamp!r} (expected YYYYMMDD)")
        dates.append(f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:]}")
        values.append(float(text) if text.strip() else np.nan)
    d = np.array(dates, dtype="datetime64[D]")
    v = np.array(values, dtype=np.float64)
    if len(d) < 2 or np.any(np.diff(d) != np.timedelta64(7, "D")):
        raise ValueError(f"{DATA_FILE}: dates are not consecutive weeks")
    present = v[~np.isnan(v)]
    if present.size == 0 or present.min() <= 0.0 or np.isnan(v[[0, -1]]).any():
        raise ValueError(f"{DATA_FILE}: values must be positive, first and last week present")
    d.flags.writeable = False
    v.flags.writeable = False
    return d, v


def load_data(missing: str = "interpolate") -> tuple[np.ndarray, np.ndarray]:
    """Load the weekly Mauna Loa CO2 record as ``(dates, values)``.

    ``dates`` is ``datetime64[D]`` of shape (n,): the Saturday of each week, strictly
    increasing; ``values`` is float32 of shape (n,), CO2 in ppm (parts per million by volume),
    between 313.0 and 373.9. Both are fresh arrays the caller may modify.

    Missing weeks (59 of the 2,284; the longest gap is 18 weeks in 1964) are handled as
    ``missing`` says:

    - ``"interpolate"`` (default): kept on the weekly grid and filled by linear interpolation
      in time between the nearest measured weeks before and after (the first and last weeks
      are measured, so every gap has both). n = 2,284, no NaN, constant 7-day spacing.
    - ``"nan"``: kept as NaN (``np.isnan(values)`` is the mask of missing weeks). n = 2,284.
    - ``"drop"``: removed. n = 2,225; the dates then have gaps.

    Args:
        missing: ``"interpolate"``, ``"nan"`` or ``"drop"``.

    Returns:
        ``(dates, values)``.

    Raises:
        ValueError: ``missing`` is not one of the three modes.

    Example:
        >>> dates, values = ember.datasets.co2.load_data()
        >>> dates.shape, dates.dtype, values.dtype
        ((2284,), dtype('<M8[D]'), dtype('float32'))
        >>> str(dates[0]), float(values[0]), str(dates[-1]), float(values[-1])
        ('1958-03-29', 316.1000061035156, '2001-12-29', 371.5)
    """
    if missing not in MISSING_MODES:
        raise ValueError(
            f"ember.datasets.co2.load_data: missing must be one of {MISSING_MODES}, "
            f"received {missing!r}"
        )
    dates, values = _read_all()
    gaps = np.isnan(values)
    if missing == "drop":
        return dates[~gaps].copy(), values[~gaps].astype(np.float32)
    out = values.copy()
    if missing == "interpolate" and gaps.any():
        days = dates.astype(np.int64)
        out[gaps] = np.interp(days[gaps], days[~gaps], values[~gaps])
    return dates.copy(), out.astype(np.float32)


def windows(values: np.ndarray, window: int, horizon: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Cut a 1-D series into (past ``window`` values -> value ``horizon`` steps later) pairs.

    ``x[i] = values[i : i + window]`` and ``y[i] = values[i + window + horizon - 1]``, for
    every ``i`` where both exist, in time order (so ``x[:k], y[:k]`` vs ``x[k:], y[k:]`` is a
    split by time; the last ``window + horizon - 1`` values of a training part reappear as
    inputs of the first test windows, never as targets). ``x`` has shape
    (n, window, 1), the ``(timesteps, features)`` layout recurrent and Conv1D layers take;
    ``y`` has shape (n, 1); both float32, with ``n = len(values) - window - horizon + 1``.

    Args:
        values: a 1-D array (for example ``load_data()[1]``, possibly rescaled first).
        window: the number of past values in each input, at least 1.
        horizon: how far ahead the target is; 1 is the value right after the window.

    Raises:
        ValueError: ``values`` is not 1-D, ``window`` or ``horizon`` is not a positive
            integer, or the series is shorter than ``window + horizon``.

    Example:
        >>> x, y = windows(np.arange(6.0), window=3)
        >>> x[:, :, 0].tolist(), y[:, 0].tolist()
        ([[0.0, 1.0, 2.0], [1.0, 2.0, 3.0], [2.0, 3.0, 4.0]], [3.0, 4.0, 5.0])
    """
    series = np.asarray(values)
    if series.ndim != 1:
        raise ValueError(
            f"ember.datasets.co2.windows: values must be 1-D, received shape {series.shape}"
        )
    for name, arg in (("window", window), ("horizon", horizon)):
        if isinstance(arg, bool) or not isinstance(arg, (int, np.integer)) or arg < 1:
            raise ValueError(
                f"ember.datasets.co2.windows: {name} must be a positive integer, received {arg!r}"
            )
    n = len(series) - window - horizon + 1
    if n < 1:
        raise ValueError(
            f"ember.datasets.co2.windows: a series of {len(series)} values is too short for "
            f"window={window} and horizon={horizon} (needs at least {window + horizon})"
        )
    series = series.astype(np.float32)
    x = np.lib.stride_tricks.sliding_window_view(series, window)[:n].copy()  # writeable
    y = series[window + horizon - 1 :]
    return x[:, :, None], y[:, None].copy()
