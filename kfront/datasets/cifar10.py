"""CIFAR-10 small images, with the ``keras.datasets.cifar10`` interface.

Reads Keras's cache (``$KERAS_HOME/datasets/cifar-10-batches-py-target``), downloading
and extracting the archive with ``kfront.utils.get_file`` when absent. Batch files are
read with a safe unpickler (``kfront.datasets.cifar.load_batch``).

Example:
    >>> from kfront.datasets import cifar10
    >>> callable(cifar10.load_data)
    True
"""
from __future__ import annotations

import os

import numpy as np

from kfront.datasets.cifar import finish, load_batch
from kfront.utils.file_utils import get_file

__all__ = ["load_data"]


def load_data():
    """Loads CIFAR-10: 50,000 train and 10,000 test 32x32 colour images in 10 classes.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images of shape
        ``(n, 32, 32, 3)`` (``(n, 3, 32, 32)`` under ``channels_first``) and uint8
        labels of shape ``(n, 1)``.

    Raises:
        OSError: absent and not downloadable (the message names where to put it).
        ValueError, pickle.UnpicklingError: a corrupt or crafted batch file (names it).

    Example:
        >>> from kfront.datasets import cifar10
        >>> cifar10.load_data.__doc__.split(":")[0]
        'Loads CIFAR-10'
    """
    path = get_file(fname="cifar-10-batches-py-target",
                    origin="https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
                    extract=True, file_hash=(
                        "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"))
    path = os.path.join(path, "cifar-10-batches-py")
    parts = [load_batch(os.path.join(path, f"data_batch_{i}")) for i in range(1, 6)]
    x_train = np.concatenate([p[0] for p in parts]).astype("uint8")
    y_train = np.concatenate([np.asarray(p[1]) for p in parts]).astype("uint8")
    x_test, y_test = load_batch(os.path.join(path, "test_batch"))
    return finish(x_train, y_train, np.asarray(x_test).astype(x_train.dtype),
                  np.asarray(y_test).astype(y_train.dtype))
