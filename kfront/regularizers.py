"""Weight regularizers with Keras 3's names, formulas and configs.

A regularizer is called on a weight tensor and returns a scalar penalty added to the loss:
``L1``: ``l1 * sum(|x|)``; ``L2``: ``l2 * sum(x**2)`` (no 1/2 factor); ``L1L2``: both.

Example:
    >>> import numpy as np
    >>> from kfront import ops, regularizers
    >>> float(ops.convert_to_numpy(regularizers.L2(0.5)(np.ones((2, 2), "float32"))))
    2.0
"""
from __future__ import annotations

import math

from kfront import config, ops
from kfront.utils.registry import Registry

__all__ = ["Regularizer", "L1", "L2", "L1L2", "OrthogonalRegularizer", "get", "serialize",
           "deserialize"]


def validate_float_arg(value, name: str) -> float:
    """``value`` as a float, or a ValueError unless it is a finite number >= 0."""
    if (isinstance(value, bool) or not isinstance(value, (float, int))
            or math.isinf(value) or math.isnan(value) or value < 0):
        raise ValueError(f"Invalid value for argument {name}: expected a non-negative float. "
                         f"Received: {name}={value!r}")
    return float(value)


class Regularizer:
    """Base class of regularizers: ``reg(x)`` returns a scalar penalty.

    Subclasses implement ``__call__`` and ``get_config`` (the constructor arguments).

    Example:
        >>> import numpy as np
        >>> from kfront import ops, regularizers
        >>> class Sum(regularizers.Regularizer):
        ...     def __call__(self, x):
        ...         return ops.sum(x)
        ...     def get_config(self):
        ...         return {}
        >>> float(ops.convert_to_numpy(Sum()(np.ones(3))))
        3.0
    """

    def __call__(self, x):
        return 0.0

    @classmethod
    def from_config(cls, config: dict):
        """Rebuild a regularizer from ``get_config()`` output."""
        return cls(**config)

    def get_config(self) -> dict:
        raise NotImplementedError(f"{type(self).__name__} does not implement get_config()")

    def __repr__(self) -> str:
        try:
            args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        except NotImplementedError:
            args = ""
        return f"{type(self).__name__}({args})"


class L1L2(Regularizer):
    """``l1 * sum(|x|) + l2 * sum(x**2)`` (aliases ``l1_l2``, ``l1l2``).

    Note (as Keras 3): ``get("l1l2")`` gives ``L1L2()`` with both factors 0.0.

    Example:
        >>> import numpy as np
        >>> from kfront import ops, regularizers
        >>> float(ops.convert_to_numpy(regularizers.L1L2(l1=0.1, l2=0.5)(np.full(4, 2.0, "float32"))))
        8.800000190734863
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0):
        self.l1 = validate_float_arg(0.0 if l1 is None else l1, name="l1")
        self.l2 = validate_float_arg(0.0 if l2 is None else l2, name="l2")

    def __call__(self, x):
        x = ops.convert_to_tensor(x)
        dtype = ops.dtype(x)
        out = ops.convert_to_tensor(0.0, dtype=dtype)
        if self.l1 != 0.0:
            l1 = ops.convert_to_tensor(self.l1, dtype=dtype)
            out = ops.add(out, ops.multiply(l1, ops.sum(ops.abs(x))))
        if self.l2 != 0.0:
            l2 = ops.convert_to_tensor(self.l2, dtype=dtype)
            out = ops.add(out, ops.multiply(l2, ops.sum(ops.square(x))))
        return out

    def get_config(self) -> dict:
        return {"l1": self.l1, "l2": self.l2}


class _FactorRegularizer(Regularizer):
    """``factor * sum(term(x))``: the factor is the attribute and config key named ``_factor``
    (default 0.01 for ``None``), ``term`` the ``kfront.ops`` function named ``_term``."""

    _factor: str
    _term: str

    def __init__(self, factor: float):
        setattr(self, self._factor,
                validate_float_arg(0.01 if factor is None else factor, name=self._factor))

    def __call__(self, x):
        x = ops.convert_to_tensor(x)
        factor = ops.convert_to_tensor(getattr(self, self._factor), dtype=ops.dtype(x))
        return ops.multiply(factor, ops.sum(getattr(ops, self._term)(x)))

    def get_config(self) -> dict:
        return {self._factor: getattr(self, self._factor)}


class L1(_FactorRegularizer):
    """``l1 * sum(|x|)`` (alias ``l1``).

    Example:
        >>> import numpy as np
        >>> from kfront import ops, regularizers
        >>> float(ops.convert_to_numpy(regularizers.L1(0.5)(np.array([-1.0, 3.0], "float32"))))
        2.0
    """

    _factor, _term = "l1", "abs"

    def __init__(self, l1: float = 0.01):
        super().__init__(l1)


class L2(_FactorRegularizer):
    """``l2 * sum(x**2)`` (alias ``l2``; no 1/2 factor, as Keras).

    Example:
        >>> import numpy as np
        >>> from kfront import ops, regularizers
        >>> float(ops.convert_to_numpy(regularizers.L2(0.5)(np.array([-1.0, 3.0], "float32"))))
        5.0
    """

    _factor, _term = "l2", "square"

    def __init__(self, l2: float = 0.01):
        super().__init__(l2)


def _l2_normalize(x, axis: int):
    """``x / max(||x||_2, epsilon)`` along ``axis`` (Keras's ``ops.normalize``)."""
    norm = ops.sqrt(ops.sum(ops.square(x), axis=axis, keepdims=True))
    eps = ops.convert_to_tensor(config.epsilon(), dtype=ops.dtype(x))
    return ops.divide(x, ops.maximum(norm, eps))


class OrthogonalRegularizer(Regularizer):
    """Penalises non-orthogonal rows (``mode="rows"``) or columns of a rank-2 weight:
    ``factor * 0.5 * sum(|offdiag(N N^T)|) / (size * (size - 1) / 2)`` with ``N`` the
    L2-normalised rows/columns (alias ``orthogonal_regularizer``).

    Example:
        >>> import numpy as np
        >>> from kfront import ops, regularizers
        >>> float(ops.convert_to_numpy(regularizers.OrthogonalRegularizer(1.0)(np.eye(3, dtype="float32"))))
        0.0
    """

    def __init__(self, factor: float = 0.01, mode: str = "rows"):
        self.factor = validate_float_arg(factor, name="factor")
        if mode not in {"rows", "columns"}:
            raise ValueError('Invalid value for argument `mode`. Expected one of '
                             f'{{"rows", "columns"}}. Received: mode={mode}')
        self.mode = mode

    def __call__(self, inputs):
        inputs = ops.convert_to_tensor(inputs)
        shape = ops.shape(inputs)
        if len(shape) != 2:
            raise ValueError("Inputs to OrthogonalRegularizer must have rank 2. Received: "
                             f"inputs.shape={tuple(shape)}")
        dtype = ops.dtype(inputs)
        if self.mode == "rows":
            n = _l2_normalize(inputs, axis=1)
            product = ops.matmul(n, ops.transpose(n))
            size = shape[0]
        else:
            n = _l2_normalize(inputs, axis=0)
            product = ops.matmul(ops.transpose(n), n)
            size = shape[1]
        off_diag = ops.multiply(product, ops.subtract(1.0, ops.eye(size, dtype=dtype)))
        num_pairs = size * (size - 1.0) / 2.0
        return ops.divide(ops.multiply(ops.convert_to_tensor(self.factor * 0.5, dtype=dtype),
                                       ops.sum(ops.abs(off_diag))),
                          ops.convert_to_tensor(num_pairs, dtype=dtype))

    def get_config(self) -> dict:
        return {"factor": self.factor, "mode": self.mode}


l1 = L1
l2 = L2
l1_l2 = l1l2 = L1L2
orthogonal_regularizer = OrthogonalRegularizer

ALL_OBJECTS_DICT: dict = {c.__name__: c for c in (Regularizer, L1, L2, L1L2,
                                                  OrthogonalRegularizer)}
ALL_OBJECTS_DICT.update({"regularizer": Regularizer, "l1": L1, "l2": L2, "l1l2": L1L2,
                         "l1_l2": L1L2, "orthogonal_regularizer": OrthogonalRegularizer})


_REGISTRY = Registry("regularizer", ALL_OBJECTS_DICT, Regularizer)


def serialize(regularizer) -> dict | None:
    """The Keras 3 config dict of a regularizer (``None`` stays ``None``).

    Example:
        >>> from kfront import regularizers
        >>> regularizers.serialize(regularizers.L2(0.1))
        {'module': 'keras.regularizers', 'class_name': 'L2', 'config': {'l2': 0.1}, 'registered_name': None}
    """
    return _REGISTRY.serialize(regularizer)


def deserialize(config, custom_objects: dict | None = None):
    """A regularizer from ``serialize`` output (or a bare name).

    Example:
        >>> from kfront import regularizers
        >>> regularizers.deserialize({"class_name": "L1", "config": {"l1": 0.2}}).l1
        0.2
    """
    return _REGISTRY.deserialize(config, custom_objects)


def get(identifier):
    """A regularizer from a name (``"l1"``, ``"L2"``, ...), a config dict, a class, an instance
    or a callable ``f(x) -> scalar``. ``None`` gives ``None``.

    Example:
        >>> from kfront import regularizers
        >>> regularizers.get("l2").l2
        0.01
    """
    return _REGISTRY.get(identifier)
