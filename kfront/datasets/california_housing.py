"""California housing prices (StatLib), with the ``keras.datasets.california_housing``
interface. Reads ``$KERAS_HOME/datasets/california_housing.npz`` and downloads it with
``kfront.utils.get_file`` when absent.

Example:
    >>> from kfront.datasets import california_housing
    >>> callable(california_housing.load_data)
    True
"""
from __future__ import annotations

from kfront.datasets._common import ORIGIN, read_xy, split_shuffled
from kfront.utils.file_utils import get_file

__all__ = ["load_data"]


def load_data(version: str = "large", path: str = "california_housing.npz",
              test_split: float = 0.2, seed: int = 113):
    """Loads California housing: 20,640 districts (600 with ``version="small"``), 8 features.

    Args:
        version: ``"large"`` (all 20,640 samples) or ``"small"`` (the first 600).
        path: File name in ``$KERAS_HOME/datasets`` (downloaded there if absent).
        test_split: Fraction kept as test set.
        seed: Seed of the shuffle before the split.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: features and median house values ($).

    Example:
        >>> from kfront.datasets import california_housing
        >>> california_housing.load_data(version="tiny")
        Traceback (most recent call last):
        ...
        ValueError: california_housing.load_data: version must be one of 'small', 'large'; received 'tiny'
    """
    if version not in ("small", "large"):
        raise ValueError(f"california_housing.load_data: version must be one of 'small', "
                         f"'large'; received {version!r}")
    path = get_file(path, origin=f"{ORIGIN}california_housing.npz", file_hash=(
        "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f"))
    x, y = read_xy(path, "california_housing")
    if version == "small":
        x, y = x[:600], y[:600]
    return split_shuffled(x, y, test_split, seed)
