"""Fashion-MNIST (Zalando, MIT license), with the ``keras.datasets.fashion_mnist`` interface.

Reads Keras's cache (the four gzipped IDX files in ``$KERAS_HOME/datasets/fashion-mnist``)
and downloads them with ``kfront.utils.get_file`` when absent.

Example:
    >>> from kfront.datasets import fashion_mnist
    >>> callable(fashion_mnist.load_data)
    True
"""
from __future__ import annotations

import gzip
import os
import zlib

import numpy as np

from kfront.datasets._common import ORIGIN
from kfront.utils.file_utils import get_file

__all__ = ["load_data"]

FILES = ("train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
         "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz")


def _read(path: str, offset: int) -> np.ndarray:
    try:
        with gzip.open(path, "rb") as f:
            return np.frombuffer(f.read(), np.uint8, offset=offset)
    except (OSError, EOFError, zlib.error, ValueError) as e:
        raise ValueError(f"fashion_mnist.load_data: {path!r} is not a gzipped IDX file: "
                         f"{type(e).__name__}: {e}") from e


def load_data():
    """Loads Fashion-MNIST: 60,000 train and 10,000 test 28x28 grayscale images, 10 classes.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images ``(n, 28, 28)`` and uint8
        labels ``(n,)``.

    Raises:
        ValueError: a file is corrupt (the message names it).
        OSError: absent and not downloadable (the message names where to put it).

    Example:
        >>> from kfront.datasets.fashion_mnist import FILES
        >>> FILES[0]
        'train-labels-idx1-ubyte.gz'
    """
    dirname = os.path.join("datasets", "fashion-mnist")
    paths = [get_file(f, origin=ORIGIN + f, cache_subdir=dirname) for f in FILES]
    out = []
    for labels_path, images_path in ((paths[0], paths[1]), (paths[2], paths[3])):
        y = _read(labels_path, 8)
        x = _read(images_path, 16)
        if x.size != len(y) * 28 * 28:
            raise ValueError(f"fashion_mnist.load_data: {images_path!r} holds {x.size} pixels, "
                             f"not {len(y)} images of 28x28 as {labels_path!r} has labels")
        out.append((x.reshape(len(y), 28, 28), y))
    return out[0], out[1]
