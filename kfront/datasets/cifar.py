"""``load_batch``: reads one pickled CIFAR batch file, refusing anything but data.

Keras's own ``load_batch`` used a plain ``pickle.load``, so a crafted batch file could run
code (the CIFAR ``load_batch`` remote-code report); here the file goes through
``kfront.utils.safe_pickle``, which admits only arrays, lists, dicts, strings and numbers.

Example:
    >>> import os, pickle, tempfile
    >>> import numpy as np
    >>> from kfront.datasets.cifar import load_batch
    >>> p = os.path.join(tempfile.mkdtemp(), "data_batch_1")
    >>> d = {b"data": np.zeros((2, 3072), "uint8"), b"labels": [3, 7]}
    >>> _ = open(p, "wb").write(pickle.dumps(d, protocol=2))
    >>> data, labels = load_batch(p)
    >>> data.shape, labels
    ((2, 3, 32, 32), [3, 7])
"""
from __future__ import annotations

import os

import numpy as np

from kfront.utils.safe_pickle import load_pickle

__all__ = ["load_batch"]


def load_batch(fpath: str, label_key: str = "labels") -> tuple[np.ndarray, list]:
    """Parses a CIFAR-10/100 batch file into ``(data, labels)``, like Keras's ``load_batch``.

    Args:
        fpath: The batch file (a Python pickle of a dict with ``data`` and labels).
        label_key: The dict key of the labels (``"labels"``, ``"fine_labels"``,
            ``"coarse_labels"``).

    Returns:
        ``(data, labels)``: uint8 images of shape ``(n, 3, 32, 32)`` and the labels.

    Raises:
        pickle.UnpicklingError: the file names a non-data class (names the file).
        ValueError: the file is corrupt or lacks the keys (names the file).

    Example:
        >>> from kfront.datasets.cifar import load_batch
        >>> load_batch.__name__
        'load_batch'
    """
    fpath = os.fspath(fpath)
    d = load_pickle(fpath, encoding="bytes")
    if not isinstance(d, dict):
        raise ValueError(f"CIFAR batch file {fpath!r} holds a {type(d).__name__}, not a dict")
    d = {k.decode("utf8") if isinstance(k, bytes) else k: v for k, v in d.items()}
    if "data" not in d or label_key not in d:
        raise ValueError(f"CIFAR batch file {fpath!r} lacks the key 'data' or {label_key!r}; "
                         f"found {sorted(d)}")
    data = np.asarray(d["data"])
    try:
        data = data.reshape(data.shape[0], 3, 32, 32)
    except (ValueError, IndexError) as e:
        raise ValueError(f"CIFAR batch file {fpath!r}: data of shape {data.shape} is not "
                         "(n, 3072) images") from e
    return data, d[label_key]


def finish(x_train, y_train, x_test, y_test):
    """Labels to ``(n, 1)``, images to channels-last when that is the image data format.

    Example:
        >>> import numpy as np
        >>> from kfront.datasets.cifar import finish
        >>> (x, y), _ = finish(np.zeros((1, 3, 32, 32)), [1], np.zeros((1, 3, 32, 32)), [2])
        >>> y.shape
        (1, 1)
    """
    from kfront.config import image_data_format
    y_train = np.reshape(y_train, (len(y_train), 1))
    y_test = np.reshape(y_test, (len(y_test), 1))
    if image_data_format() == "channels_last":
        x_train = x_train.transpose(0, 2, 3, 1)
        x_test = x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test, y_test)
