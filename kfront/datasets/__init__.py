"""Datasets with the Keras ``keras.datasets`` calling conventions and return values.

Loaders read Keras's own cache in ``$KERAS_HOME/datasets`` (default
``~/.keras/datasets``) when the file is there; otherwise they download it with
``kfront.utils.get_file`` (progress bar, hash check, extraction, cache), and offline they
raise an error naming the file and where to put it. ``mnist`` never downloads: without a
cached file it returns a small subset bundled with kfront. Pickled files (CIFAR batches,
the ragged IMDB/Reuters arrays) are read by ``kfront.utils.safe_pickle``, which refuses
anything but data.

Example:
    >>> from kfront.datasets import mnist, imdb
    >>> callable(mnist.load_data), callable(imdb.get_word_index)
    (True, True)
"""

from kfront.datasets import (boston_housing, california_housing, cifar10, cifar100,
                             fashion_mnist, imdb, mnist, reuters)

__all__ = ["boston_housing", "california_housing", "cifar10", "cifar100", "fashion_mnist",
           "imdb", "mnist", "reuters"]
