"""Helpers shared by the dataset loaders: the download location and the IMDB/Reuters
sequence processing (index shift, length filter, vocabulary cut), as Keras does them.

Example:
    >>> from kfront.datasets._common import remove_long_seq
    >>> remove_long_seq(2, [[1], [1, 2, 3]], [0, 1])
    ([[1]], [0])
"""
from __future__ import annotations

import numpy as np

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


def remove_long_seq(maxlen: int, seq: list, label) -> tuple[list, list]:
    """Keeps the sequences shorter than ``maxlen`` and their labels (Keras's rule).

    Example:
        >>> from kfront.datasets._common import remove_long_seq
        >>> remove_long_seq(3, [[1, 2], [1, 2, 3]], [5, 6])
        ([[1, 2]], [5])
    """
    new_seq, new_label = [], []
    for x, y in zip(seq, label):
        if len(x) < maxlen:
            new_seq.append(x)
            new_label.append(y)
    return new_seq, new_label


def shift_sequences(xs, start_char: int | None, index_from: int) -> list:
    """Adds ``index_from`` to every word index and prepends ``start_char`` (if not None).

    Example:
        >>> from kfront.datasets._common import shift_sequences
        >>> shift_sequences([[1, 2]], 1, 3)
        [[1, 4, 5]]
    """
    if start_char is not None:
        return [[start_char] + [w + index_from for w in x] for x in xs]
    return [[w + index_from for w in x] for x in xs]


def cut_vocabulary(xs: list, num_words: int | None, skip_top: int,
                   oov_char: int | None) -> list:
    """Replaces (or drops, when ``oov_char`` is None) words outside ``[skip_top, num_words)``.

    Example:
        >>> from kfront.datasets._common import cut_vocabulary
        >>> cut_vocabulary([[1, 5, 9]], 6, 2, 2)
        [[2, 5, 2]]
    """
    if not num_words:
        num_words = max(max(x) for x in xs)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    return [[w for w in x if skip_top <= w < num_words] for x in xs]


def split_shuffled(x: np.ndarray, y: np.ndarray, test_split: float, seed: int):
    """Keras's regression-set split: shuffle with ``RandomState(seed)``, cut at 1 - test_split.

    Example:
        >>> import numpy as np
        >>> from kfront.datasets._common import split_shuffled
        >>> (a, b), (c, d) = split_shuffled(np.arange(10), np.arange(10), 0.2, 113)
        >>> len(a), len(c)
        (8, 2)
    """
    rng = np.random.RandomState(seed)
    indices = np.arange(len(x))
    rng.shuffle(indices)
    x, y = x[indices], y[indices]
    cut = int(len(x) * (1 - test_split))
    return (np.array(x[:cut]), np.array(y[:cut])), (np.array(x[cut:]), np.array(y[cut:]))


def read_xy(path: str, name: str) -> tuple[np.ndarray, np.ndarray]:
    """The arrays ``x`` and ``y`` of an ``.npz`` file, read without pickle.

    Raises:
        ValueError: the file is not such an archive (the message names it).

    Example:
        >>> import os, tempfile
        >>> import numpy as np
        >>> from kfront.datasets._common import read_xy
        >>> p = os.path.join(tempfile.mkdtemp(), "d.npz")
        >>> np.savez(p, x=np.zeros((2, 3)), y=np.ones(2))
        >>> [a.shape for a in read_xy(p, "demo")]
        [(2, 3), (2,)]
    """
    try:
        with np.load(path, allow_pickle=False) as f:
            return f["x"], f["y"]
    except Exception as e:  # OSError, BadZipFile, KeyError, ValueError, ...
        raise ValueError(f"{name}.load_data: {path!r} is not an .npz archive with arrays x "
                         f"and y: {type(e).__name__}: {e}") from e
