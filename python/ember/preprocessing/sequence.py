"""``keras.preprocessing.sequence``: the same ``pad_sequences`` as ``ember.utils``.

Example:
    >>> from ember.preprocessing.sequence import pad_sequences
    >>> pad_sequences([[1, 2, 3]], maxlen=2).tolist()
    [[2, 3]]
"""

from ember.utils.sequences import pad_sequences

__all__ = ["pad_sequences"]
