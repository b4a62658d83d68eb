"""Reuters newswire topics, with the ``keras.datasets.reuters`` interface.

``load_data`` reads Keras's cache file ``$KERAS_HOME/datasets/reuters.npz`` and downloads
it with ``kfront.utils.get_file`` when absent; the pickled ragged arrays inside are read
with ``kfront.utils.safe_pickle``, which refuses anything but data.

Example:
    >>> from kfront.datasets import reuters
    >>> len(reuters.get_label_names())
    46
"""
from __future__ import annotations

import numpy as np

from kfront.datasets._common import ORIGIN, cut_vocabulary, remove_long_seq, shift_sequences
from kfront.datasets.imdb import read_word_index
from kfront.utils.file_utils import get_file
from kfront.utils.safe_pickle import load_npz

__all__ = ["load_data", "get_word_index", "get_label_names"]

_LABELS = (
    "cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply",
    "coffee", "sugar", "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas",
    "cpi", "money-fx", "interest", "gnp", "meal-feed", "alum", "oilseed", "gold", "tin",
    "strategic-metal", "livestock", "retail", "ipi", "iron-steel", "rubber", "heat", "jobs",
    "lei", "bop", "zinc", "orange", "pet-chem", "dlr", "gas", "silver", "wpi", "hog", "lead",
)


def load_data(path: str = "reuters.npz", num_words: int | None = None, skip_top: int = 0,
              maxlen: int | None = None, test_split: float = 0.2, seed: int = 113,
              start_char: int | None = 1, oov_char: int | None = 2, index_from: int = 3):
    """Loads the Reuters newswire dataset (11,228 wires, 46 topics), like Keras.

    Args:
        path: File name in ``$KERAS_HOME/datasets`` (downloaded there if absent).
        num_words: Keep the ``num_words`` most frequent words; others become ``oov_char``.
        skip_top: Also treat the ``skip_top`` most frequent words as out of vocabulary.
        maxlen: Drop sequences of ``maxlen`` words or more.
        test_split: Fraction of the data used as test set.
        seed: Seed of the shuffle.
        start_char: Index marking a sequence's start (``None``: no marker).
        oov_char: Index of out-of-vocabulary words (``None``: such words are dropped).
        index_from: Offset added to every word index.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: object arrays of lists of ints, and
        int topic labels (0-45).

    Example:
        >>> from kfront.datasets import reuters
        >>> import inspect
        >>> inspect.signature(reuters.load_data).parameters["test_split"].default
        0.2
    """
    path = get_file(path, origin=f"{ORIGIN}reuters.npz", file_hash=(
        "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"))
    f = load_npz(path)
    if "x" not in f or "y" not in f:
        raise ValueError(f"reuters.load_data: {path!r} must hold the arrays x and y; found "
                         f"{sorted(f)}")
    xs, labels = f["x"], f["y"]
    rng = np.random.RandomState(seed)
    indices = np.arange(len(xs))
    rng.shuffle(indices)
    xs, labels = xs[indices], labels[indices]
    if start_char is not None or index_from:
        xs = shift_sequences(xs, start_char, index_from)
    if maxlen:
        xs, labels = remove_long_seq(maxlen, xs, labels)
    xs = cut_vocabulary(xs, num_words, skip_top, oov_char)
    idx = int(len(xs) * (1 - test_split))
    return ((np.array(xs[:idx], dtype="object"), np.array(labels[:idx])),
            (np.array(xs[idx:], dtype="object"), np.array(labels[idx:])))


def get_word_index(path: str = "reuters_word_index.json") -> dict:
    """The dict from word to its index in the Reuters dataset (add ``index_from`` to use it).

    Example:
        >>> from kfront.datasets import reuters
        >>> reuters.get_word_index.__name__
        'get_word_index'
    """
    path = get_file(path, origin=f"{ORIGIN}reuters_word_index.json",
                    file_hash="4d44cc38712099c9e383dc6e5f11a921")
    return read_word_index(path)


def get_label_names() -> tuple:
    """The 46 topic names, indexed as the labels of ``load_data``.

    Example:
        >>> from kfront.datasets import reuters
        >>> reuters.get_label_names()[:3]
        ('cocoa', 'grain', 'veg-oil')
    """
    return _LABELS
