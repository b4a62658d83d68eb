"""Dtype policies (``keras.DTypePolicy``): the dtype a layer computes and keeps weights in.

kfront runs one dtype per layer (no mixed precision): a policy is a name such as
``"float32"``. Layers write it in their config as Keras 3 does, ``{"module": "keras",
"class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None}``.

Example:
    >>> from kfront.dtype_policies import DTypePolicy
    >>> p = DTypePolicy("float64")
    >>> p.compute_dtype, p.variable_dtype
    ('float64', 'float64')
"""
from __future__ import annotations


class DTypePolicy:
    """A layer's dtype (``keras.DTypePolicy``); ``name`` defaults to ``floatx()``."""

    def __init__(self, name: str | None = None):
        from kfront import config, ops
        if name is None:
            name = config.floatx()
        if not isinstance(name, str):
            raise TypeError(f"DTypePolicy: name must be a string such as 'float32', got {name!r}")
        if name.startswith("mixed_"):
            raise ValueError(f"DTypePolicy {name!r}: kfront has no mixed precision; use one "
                             "dtype such as 'float32'")
        self._name = ops.standardize_dtype(name)

    name = property(lambda self: self._name)
    compute_dtype = variable_dtype = name

    def get_config(self) -> dict:
        return {"name": self._name}

    @classmethod
    def from_config(cls, config: dict) -> "DTypePolicy":
        return cls(**config)

    def __repr__(self):
        return f'<DTypePolicy "{self._name}">'


def serialize(dtype: str) -> dict:
    """The Keras 3 config of the policy named ``dtype``."""
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": dtype},
            "registered_name": None}


def dtype_name(dtype) -> str | None:
    """The dtype name in a layer's ``dtype`` argument: a name, a ``DTypePolicy``, or a policy
    config dict as Keras writes it (``None`` stays ``None``)."""
    if isinstance(dtype, dict):
        if dtype.get("class_name") not in ("DTypePolicy", "FloatDTypePolicy", "Policy", None):
            raise ValueError(f"Unsupported dtype policy {dtype.get('class_name')!r}: kfront "
                             "reads DTypePolicy configs only")
        dtype = DTypePolicy(**(dtype.get("config") or {}))
    if isinstance(dtype, DTypePolicy):
        return dtype.name
    if isinstance(dtype, str) and dtype.startswith("mixed_"):
        DTypePolicy(dtype)  # raises the error
    return dtype
