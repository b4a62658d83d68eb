"""Utilities with the ``keras.utils`` calling conventions.

Example:
    >>> from kfront.utils import to_categorical
    >>> to_categorical([0, 2]).tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
"""

from kfront.utils.numerical_utils import normalize, to_categorical
from kfront.utils.progbar import Progbar
from kfront.utils.py_dataset import PyDataset, Sequence
from kfront.utils.random_seed import set_random_seed

__all__ = ["Progbar", "PyDataset", "Sequence", "normalize", "set_random_seed", "to_categorical"]
