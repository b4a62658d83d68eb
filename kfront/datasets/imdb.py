"""IMDB movie-review sentiment, with the ``keras.datasets.imdb`` interface.

``load_data`` reads Keras's cache file ``$KERAS_HOME/datasets/imdb.npz`` (default
``~/.keras/datasets``) and downloads it with ``kfront.utils.get_file`` when it is not
there. The ragged sequences inside are pickled object arrays: they are read with
``kfront.utils.safe_pickle``, which refuses anything but data.

Example:
    >>> from kfront.datasets import imdb
    >>> callable(imdb.load_data), callable(imdb.get_word_index)
    (True, True)
"""
from __future__ import annotations

import json

import numpy as np

from kfront.datasets._common import ORIGIN, cut_vocabulary, remove_long_seq, shift_sequences
from kfront.utils.file_utils import get_file
from kfront.utils.safe_pickle import load_npz

__all__ = ["load_data", "get_word_index"]


def load_data(path: str = "imdb.npz", num_words: int | None = None, skip_top: int = 0,
              maxlen: int | None = None, seed: int = 113, start_char: int | None = 1,
              oov_char: int | None = 2, index_from: int = 3, **kwargs):
    """Loads the IMDB dataset (25,000 train / 25,000 test reviews), like Keras.

    Reviews are lists of word indices (a word's index is its frequency rank, shifted
    by ``index_from``); labels are 0 (negative) or 1 (positive).

    Args:
        path: File name in ``$KERAS_HOME/datasets`` (downloaded there if absent).
        num_words: Keep the ``num_words`` most frequent words; others become ``oov_char``.
        skip_top: Also treat the ``skip_top`` most frequent words as out of vocabulary.
        maxlen: Drop sequences of ``maxlen`` words or more.
        seed: Seed of the shuffle.
        start_char: Index marking a sequence's start (``None``: no marker).
        oov_char: Index of out-of-vocabulary words (``None``: such words are dropped).
        index_from: Offset added to every word index.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: object arrays of lists of ints, and
        int label arrays.

    Raises:
        ValueError: ``maxlen`` filters out every sequence; the file is corrupt (the
            message names it).
        OSError: the file is absent and cannot be downloaded (names where to put it).

    Example:
        >>> from kfront.datasets import imdb
        >>> import inspect
        >>> list(inspect.signature(imdb.load_data).parameters)[:3]
        ['path', 'num_words', 'skip_top']
    """
    if kwargs:
        raise TypeError(f"imdb.load_data: unrecognized keyword arguments: {sorted(kwargs)}")
    path = get_file(fname=path, origin=f"{ORIGIN}imdb.npz", file_hash=(
        "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"))
    f = load_npz(path)
    try:
        x_train, labels_train = f["x_train"], f["y_train"]
        x_test, labels_test = f["x_test"], f["y_test"]
    except KeyError as e:
        raise ValueError(f"imdb.load_data: {path!r} lacks the array {e}; expected x_train, "
                         f"y_train, x_test, y_test, found {sorted(f)}") from None
    rng = np.random.RandomState(seed)
    indices = np.arange(len(x_train))
    rng.shuffle(indices)
    x_train, labels_train = x_train[indices], labels_train[indices]
    indices = np.arange(len(x_test))
    rng.shuffle(indices)
    x_test, labels_test = x_test[indices], labels_test[indices]

    x_train = shift_sequences(x_train, start_char, index_from)
    x_test = shift_sequences(x_test, start_char, index_from)
    if maxlen:
        x_train, labels_train = remove_long_seq(maxlen, x_train, labels_train)
        x_test, labels_test = remove_long_seq(maxlen, x_test, labels_test)
        if not x_train or not x_test:
            raise ValueError(f"imdb.load_data: after filtering for sequences shorter than "
                             f"maxlen={maxlen}, no sequence was kept. Increase maxlen.")
    xs = cut_vocabulary(x_train + x_test, num_words, skip_top, oov_char)
    labels = np.concatenate([labels_train, labels_test])
    idx = len(x_train)
    return ((np.array(xs[:idx], dtype="object"), labels[:idx]),
            (np.array(xs[idx:], dtype="object"), labels[idx:]))


def get_word_index(path: str = "imdb_word_index.json") -> dict:
    """The dict from word to its index (frequency rank) in the IMDB dataset.

    Add ``index_from`` (3 by default) to a value to find the word in ``load_data``'s
    sequences.

    Args:
        path: File name in ``$KERAS_HOME/datasets`` (downloaded there if absent).

    Returns:
        A dict ``{word: index}``.

    Example:
        >>> from kfront.datasets import imdb
        >>> imdb.get_word_index.__name__
        'get_word_index'
    """
    path = get_file(fname=path, origin=f"{ORIGIN}imdb_word_index.json",
                    file_hash="bfafd718b763782e994055a2d397834f")
    return read_word_index(path)


def read_word_index(path: str) -> dict:
    """Reads a JSON word index, with an error naming the file when it is not one.

    Example:
        >>> import json, os, tempfile
        >>> from kfront.datasets.imdb import read_word_index
        >>> p = os.path.join(tempfile.mkdtemp(), "w.json")
        >>> _ = open(p, "w").write(json.dumps({"the": 1}))
        >>> read_word_index(p)
        {'the': 1}
    """
    try:
        with open(path) as f:
            index = json.load(f)
    except (ValueError, UnicodeDecodeError) as e:
        raise ValueError(f"{path!r} is not a JSON word index: {e}") from e
    if not isinstance(index, dict):
        raise ValueError(f"{path!r} is not a JSON word index: it holds a "
                         f"{type(index).__name__}, not an object")
    return index
