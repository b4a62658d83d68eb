"""Boston housing prices (StatLib), with the ``keras.datasets.boston_housing`` interface.

The data set has an ethical problem (its attribute "B"); Keras discourages its use except
to illustrate such issues. Reads ``$KERAS_HOME/datasets/boston_housing.npz`` and
downloads it with ``kfront.utils.get_file`` when absent.

Example:
    >>> from kfront.datasets import boston_housing
    >>> callable(boston_housing.load_data)
    True
"""
from __future__ import annotations

from kfront.datasets._common import ORIGIN, read_xy, split_shuffled
from kfront.utils.file_utils import get_file

__all__ = ["load_data"]


def load_data(path: str = "boston_housing.npz", test_split: float = 0.2, seed: int = 113):
    """Loads the Boston housing data: 506 samples of 13 attributes, prices in k$.

    Args:
        path: File name in ``$KERAS_HOME/datasets`` (downloaded there if absent).
        test_split: Fraction kept as test set, in ``[0, 1)``.
        seed: Seed of the shuffle before the split.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``.

    Example:
        >>> from kfront.datasets import boston_housing
        >>> boston_housing.load_data(test_split=1.5)
        Traceback (most recent call last):
        ...
        ValueError: boston_housing.load_data: test_split must be in [0, 1); received 1.5
    """
    if not 0 <= test_split < 1:
        raise ValueError(f"boston_housing.load_data: test_split must be in [0, 1); "
                         f"received {test_split}")
    path = get_file(path, origin=f"{ORIGIN}boston_housing.npz", file_hash=(
        "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"))
    x, y = read_xy(path, "boston_housing")
    return split_shuffled(x, y, test_split, seed)
