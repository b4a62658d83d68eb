"""CIFAR-100 small images, with the ``keras.datasets.cifar100`` interface.

Reads Keras's cache (``$KERAS_HOME/datasets/cifar-100-python-target``), downloading and
extracting the archive with ``kfront.utils.get_file`` when absent. Batch files are read
with a safe unpickler (``kfront.datasets.cifar.load_batch``).

Example:
    >>> from kfront.datasets import cifar100
    >>> callable(cifar100.load_data)
    True
"""
from __future__ import annotations

import os

from kfront.datasets.cifar import finish, load_batch
from kfront.utils.file_utils import get_file

__all__ = ["load_data"]


def load_data(label_mode: str = "fine"):
    """Loads CIFAR-100: 50,000 train and 10,000 test 32x32 colour images.

    Args:
        label_mode: ``"fine"`` (100 classes) or ``"coarse"`` (20 superclasses).

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images of shape
        ``(n, 32, 32, 3)`` (``(n, 3, 32, 32)`` under ``channels_first``) and labels of
        shape ``(n, 1)``.

    Raises:
        ValueError: ``label_mode`` is neither; a corrupt batch file (names it).

    Example:
        >>> from kfront.datasets import cifar100
        >>> cifar100.load_data(label_mode="medium")
        Traceback (most recent call last):
        ...
        ValueError: cifar100.load_data: label_mode must be one of "fine", "coarse"; received 'medium'
    """
    if label_mode not in ("fine", "coarse"):
        raise ValueError(f'cifar100.load_data: label_mode must be one of "fine", "coarse"; '
                         f"received {label_mode!r}")
    path = get_file(fname="cifar-100-python-target",
                    origin="https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz",
                    extract=True, file_hash=(
                        "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"))
    path = os.path.join(path, "cifar-100-python")
    x_train, y_train = load_batch(os.path.join(path, "train"), label_key=f"{label_mode}_labels")
    x_test, y_test = load_batch(os.path.join(path, "test"), label_key=f"{label_mode}_labels")
    return finish(x_train, y_train, x_test, y_test)
