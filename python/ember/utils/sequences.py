"""``pad_sequences``: variable-length token lists -> one rectangular array, as Keras does."""

from __future__ import annotations

from typing import Any

import numpy as np

_SIDES = ("pre", "post")


def _as_rows(sequences: Any) -> list[np.ndarray]:
    if isinstance(sequences, (str, bytes)) or not hasattr(sequences, "__len__"):
        raise ValueError(
            f"pad_sequences: `sequences` must be a list of iterables, received "
            f"{type(sequences).__name__}"
        )
    rows = []
    for i, seq in enumerate(sequences):
        if not hasattr(seq, "__len__"):
            raise ValueError(
                f"pad_sequences: `sequences` must be a list of iterables; item {i} is a "
                f"{type(seq).__name__} ({seq!r})"
            )
        rows.append(np.asarray(seq))
    return rows


def pad_sequences(
    sequences: Any,
    maxlen: int | None = None,
    dtype: Any = "int32",
    padding: str = "pre",
    truncating: str = "pre",
    value: Any = 0.0,
) -> np.ndarray:
    """Pad (or cut) each sequence to ``maxlen`` and stack them into ``(len(sequences), maxlen)``.

    Keras defaults: padding and truncating both at the start (``"pre"``), so the most recent
    tokens sit at the end, next to the RNN's output; ``maxlen=None`` uses the longest
    sequence. Items may be arrays with a trailing shape (all the same), giving
    ``(n, maxlen, *shape)``.

    Example:
        >>> pad_sequences([[1, 2, 3], [4]], maxlen=2).tolist()
        [[2, 3], [0, 4]]
        >>> pad_sequences([[1], [2, 3]], padding="post").tolist()
        [[1, 0], [2, 3]]
    """
    if padding not in _SIDES:
        raise ValueError(f'pad_sequences: padding must be "pre" or "post", received {padding!r}')
    if truncating not in _SIDES:
        raise ValueError(
            f'pad_sequences: truncating must be "pre" or "post", received {truncating!r}'
        )
    rows = _as_rows(sequences)
    if maxlen is None:
        maxlen = max((len(r) for r in rows), default=0)
    elif isinstance(maxlen, bool) or int(maxlen) != maxlen or maxlen < 0:
        raise ValueError(
            f"pad_sequences: maxlen must be a non-negative integer, received {maxlen!r}"
        )
    maxlen = int(maxlen)
    sample_shape = next((r.shape[1:] for r in rows if len(r)), ())
    dtype = np.dtype(dtype)
    if dtype.kind in "iuf" and isinstance(value, str):
        raise ValueError(
            f"pad_sequences: value {value!r} is a string but dtype is {dtype}; pass "
            "dtype=object or a numeric value"
        )
    out = np.full((len(rows), maxlen, *sample_shape), value, dtype=dtype)
    for i, row in enumerate(rows):
        if not len(row) or not maxlen:
            continue
        if row.shape[1:] != sample_shape:
            raise ValueError(
                f"pad_sequences: item {i} has element shape {row.shape[1:]}, expected "
                f"{sample_shape} like the items before it"
            )
        kept = row[-maxlen:] if truncating == "pre" else row[:maxlen]
        if padding == "post":
            out[i, : len(kept)] = kept
        else:
            out[i, maxlen - len(kept) :] = kept
    return out
