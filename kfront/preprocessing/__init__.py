"""``keras.preprocessing``: the data utilities under their older names (``sequence.pad_sequences``,
...); the same functions as in ``kfront.utils``.

Example:
    >>> from kfront.preprocessing.sequence import pad_sequences
    >>> pad_sequences([[1, 2]], maxlen=3).tolist()
    [[0, 1, 2]]
"""
from kfront.preprocessing import sequence

__all__ = ["sequence"]
