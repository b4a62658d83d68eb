"""Utilities with the ``keras.utils`` calling conventions.

Example:
    >>> from kfront.utils import to_categorical
    >>> to_categorical([0, 2]).tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
"""

from kfront.utils.numerical_utils import normalize, to_categorical

__all__ = ["normalize", "to_categorical"]
