"""Backend utilities (``keras.backend``): the active backend's name, global settings, dtype
rules, unique ids and ``clear_session``.

Example:
    >>> import kfront
    >>> kfront.backend.result_type("int32", "float16")
    'float16'
    >>> kfront.backend.is_float_dtype("bfloat16")
    True
"""
from __future__ import annotations

import collections
import gc
import itertools

from kfront.backends.common.dtypes import result_type, standardize_dtype  # noqa: F401
from kfront.config import (backend, epsilon, floatx, image_data_format,  # noqa: F401
                           set_epsilon, set_floatx, set_image_data_format)

__all__ = ["backend", "clear_session", "epsilon", "floatx", "get_uid", "image_data_format",
           "is_float_dtype", "is_int_dtype", "is_keras_tensor", "result_type", "set_epsilon",
           "set_floatx", "set_image_data_format", "standardize_dtype"]

_uids: collections.Counter = collections.Counter()


def get_uid(prefix: str = "") -> int:
    """A counter per ``prefix``: 1 at the first call, then 2, 3... (reset by ``clear_session``).

    Example:
        >>> import kfront
        >>> kfront.backend.clear_session()
        >>> kfront.backend.get_uid("x"), kfront.backend.get_uid("x")
        (1, 2)
    """
    _uids[prefix] += 1
    return _uids[prefix]


def clear_session(free_memory: bool = True) -> None:
    """Reset the automatic names (layers, metrics, losses, optimizers, variables start again at
    ``dense``, ``dense_1``...) and ``get_uid``'s counters; with ``free_memory``, run the
    garbage collector.

    Example:
        >>> import kfront
        >>> kfront.backend.clear_session()
        >>> kfront.layers.Dense(2).name
        'dense'
    """
    from kfront import losses, metrics
    from kfront.backends.common import variables
    from kfront.layers import layer
    from kfront.optimizers import base_optimizer
    for counter in (_uids, layer._uids, metrics._uids, losses._uids, base_optimizer._uids):
        counter.clear()
    variables._uid = itertools.count()
    if free_memory:
        gc.collect()


def is_float_dtype(dtype) -> bool:
    """Whether ``dtype`` is a float dtype (float16, bfloat16, float32, float64).

    Example:
        >>> import kfront
        >>> kfront.backend.is_float_dtype("int8")
        False
    """
    return standardize_dtype(dtype).startswith(("float", "bfloat"))


def is_int_dtype(dtype) -> bool:
    """Whether ``dtype`` is a signed or unsigned integer dtype.

    Example:
        >>> import kfront
        >>> kfront.backend.is_int_dtype("uint8"), kfront.backend.is_int_dtype("bool")
        (True, False)
    """
    return standardize_dtype(dtype).startswith(("int", "uint"))


def is_keras_tensor(x) -> bool:
    """Whether ``x`` is a symbolic tensor of a functional model (``kfront.Input(...)`` and what
    layers return on it), not a concrete one.

    Example:
        >>> import numpy as np, kfront
        >>> K = kfront.backend
        >>> K.is_keras_tensor(kfront.Input((3,))), K.is_keras_tensor(np.ones(3))
        (True, False)
    """
    from kfront.layers.input_layer import KerasTensor
    return isinstance(x, KerasTensor)
