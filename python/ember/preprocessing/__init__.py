"""Keras-compatible preprocessing paths (``keras.preprocessing.sequence.pad_sequences``).

Example:
    >>> from ember.preprocessing.sequence import pad_sequences
    >>> pad_sequences([[7, 8], [9]]).shape
    (2, 2)
"""

from ember.preprocessing import sequence

__all__ = ["sequence"]
