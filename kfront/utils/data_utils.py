"""Packing and unpacking the ``(x, y, sample_weight)`` tuples that ``fit`` and
``train_step(data)`` use, as ``keras.utils``."""
from __future__ import annotations

from kfront.models.data_adapters.data_adapter import unpack_x_y_sample_weight

__all__ = ["pack_x_y_sample_weight", "unpack_x_y_sample_weight"]


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """The tuple ``fit`` takes: ``x`` alone (``(x,)`` when ``x`` is itself a tuple or list),
    ``(x, y)`` or ``(x, y, sample_weight)``.

    Example:
        >>> from kfront.utils import pack_x_y_sample_weight, unpack_x_y_sample_weight
        >>> pack_x_y_sample_weight(1, 2)
        (1, 2)
        >>> unpack_x_y_sample_weight(pack_x_y_sample_weight(1))
        (1, None, None)
    """
    if y is None:
        return (x,) if isinstance(x, (tuple, list)) else x
    return (x, y) if sample_weight is None else (x, y, sample_weight)
