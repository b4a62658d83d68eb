"""Weight constraints with Keras 3's names, formulas and configs.

A constraint maps a weight tensor to its projection (applied after each optimizer step). Norms
are L2 norms along ``axis`` (an int or a list of ints), and divisions add
``kfront.config.epsilon()`` to the norm, exactly as Keras does.

Example:
    >>> import numpy as np
    >>> from kfront import constraints, ops
    >>> ops.convert_to_numpy(constraints.NonNeg()(np.array([-1.0, 2.0]))).tolist()
    [0.0, 2.0]
"""
from __future__ import annotations

from kfront import config, ops
from kfront.utils.registry import Registry

__all__ = ["Constraint", "MaxNorm", "NonNeg", "UnitNorm", "MinMaxNorm", "get", "serialize",
           "deserialize"]


def _axis(axis):
    return tuple(axis) if isinstance(axis, (list, tuple)) else axis


def _norms(w, axis):
    return ops.sqrt(ops.sum(ops.square(w), axis=_axis(axis), keepdims=True))


def _as_float_tensor(w):
    w = ops.convert_to_tensor(w)
    if not ops.dtype(w).startswith(("float", "bfloat")):
        w = ops.cast(w, config.floatx())
    return w


class Constraint:
    """Base class of weight constraints: ``c(w)`` returns the projected ``w`` (default: ``w``).

    Example:
        >>> import numpy as np
        >>> from kfront import constraints, ops
        >>> class Clip(constraints.Constraint):
        ...     def __call__(self, w):
        ...         return ops.clip(w, -1.0, 1.0)
        >>> ops.convert_to_numpy(Clip()(np.array([-3.0, 0.5]))).tolist()
        [-1.0, 0.5]
    """

    def __call__(self, w):
        return w

    def get_config(self) -> dict:
        """The constructor arguments, JSON-serializable."""
        return {}

    @classmethod
    def from_config(cls, config: dict):
        """Rebuild a constraint from ``get_config()`` output."""
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class MaxNorm(Constraint):
    """Rescales each slice along ``axis`` whose norm exceeds ``max_value``:
    ``w * clip(norm, 0, max_value) / (epsilon + norm)`` (alias ``max_norm``).

    For a Dense kernel ``(input_dim, units)``, ``axis=0`` constrains each unit's incoming
    weights; for a Conv2D kernel use ``axis=[0, 1, 2]``.

    Example:
        >>> import numpy as np
        >>> from kfront import constraints, ops
        >>> w = ops.convert_to_numpy(constraints.MaxNorm(1.0)(np.array([[3.0], [4.0]])))
        >>> np.round(w, 4).tolist()
        [[0.6], [0.8]]
    """

    def __init__(self, max_value: float = 2, axis=0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        w = _as_float_tensor(w)
        norms = _norms(w, self.axis)
        desired = ops.clip(norms, 0, self.max_value)
        return ops.multiply(w, ops.divide(desired, ops.add(norms, config.epsilon())))

    def get_config(self) -> dict:
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """``maximum(w, 0)`` (alias ``non_neg``).

    Example:
        >>> import numpy as np
        >>> from kfront import constraints, ops
        >>> ops.convert_to_numpy(constraints.NonNeg()(np.array([-0.5, 0.5]))).tolist()
        [0.0, 0.5]
    """

    def __call__(self, w):
        w = ops.convert_to_tensor(w)
        return ops.maximum(w, ops.convert_to_tensor(0, dtype=ops.dtype(w)))


class UnitNorm(Constraint):
    """``w / (epsilon + norm)`` along ``axis`` (alias ``unit_norm``).

    Example:
        >>> import numpy as np
        >>> from kfront import constraints, ops
        >>> w = ops.convert_to_numpy(constraints.UnitNorm()(np.array([[3.0], [4.0]])))
        >>> np.round(w, 4).tolist()
        [[0.6], [0.8]]
    """

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        w = _as_float_tensor(w)
        return ops.divide(w, ops.add(_norms(w, self.axis), config.epsilon()))

    def get_config(self) -> dict:
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Moves each norm along ``axis`` towards ``[min_value, max_value]``:
    ``w * (rate * clip(norm, min, max) + (1 - rate) * norm) / (epsilon + norm)``
    (alias ``min_max_norm``).

    Example:
        >>> import numpy as np
        >>> from kfront import constraints, ops
        >>> w = ops.convert_to_numpy(constraints.MinMaxNorm(2.0, 3.0)(np.array([[0.6], [0.8]])))
        >>> np.round(w, 4).tolist()
        [[1.2], [1.6]]
    """

    def __init__(self, min_value: float = 0.0, max_value: float = 1.0, rate: float = 1.0,
                 axis=0):
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w):
        w = _as_float_tensor(w)
        norms = _norms(w, self.axis)
        desired = ops.add(ops.multiply(self.rate, ops.clip(norms, self.min_value, self.max_value)),
                          ops.multiply(1 - self.rate, norms))
        return ops.multiply(w, ops.divide(desired, ops.add(norms, config.epsilon())))

    def get_config(self) -> dict:
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


max_norm = MaxNorm
non_neg = NonNeg
unit_norm = UnitNorm
min_max_norm = MinMaxNorm

ALL_OBJECTS_DICT: dict = {c.__name__: c for c in (Constraint, MaxNorm, MinMaxNorm, NonNeg,
                                                  UnitNorm)}
ALL_OBJECTS_DICT.update({"constraint": Constraint, "max_norm": MaxNorm,
                         "min_max_norm": MinMaxNorm, "non_neg": NonNeg, "unit_norm": UnitNorm})


_REGISTRY = Registry("constraint", ALL_OBJECTS_DICT, Constraint)


def serialize(constraint) -> dict | None:
    """The Keras 3 config dict of a constraint (``None`` stays ``None``).

    Example:
        >>> from kfront import constraints
        >>> constraints.serialize(constraints.MaxNorm())
        {'module': 'keras.constraints', 'class_name': 'MaxNorm', 'config': {'max_value': 2, 'axis': 0}, 'registered_name': None}
    """
    return _REGISTRY.serialize(constraint)


def deserialize(config, custom_objects: dict | None = None):
    """A constraint from ``serialize`` output (or a bare name).

    Example:
        >>> from kfront import constraints
        >>> constraints.deserialize({"class_name": "MaxNorm", "config": {"max_value": 3}}).max_value
        3
    """
    return _REGISTRY.deserialize(config, custom_objects)


def get(identifier):
    """A constraint from a name (``"max_norm"``, ``"NonNeg"``, ...), a config dict, a class, an
    instance or a callable ``f(w) -> w``. ``None`` gives ``None``.

    Example:
        >>> from kfront import constraints
        >>> type(constraints.get("unit_norm")).__name__
        'UnitNorm'
    """
    return _REGISTRY.get(identifier)
