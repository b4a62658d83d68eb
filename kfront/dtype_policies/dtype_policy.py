"""``DTypePolicy``: the dtype a layer computes in and the dtype it keeps its weights in.

A policy is named by a dtype (``"float32"``: both dtypes are that one) or by ``"mixed_float16"`` /
``"mixed_bfloat16"`` (compute in float16 / bfloat16, keep variables in float32), as Keras 3's.
Layers write it in their config as Keras does, ``{"module": "keras", "class_name":
"DTypePolicy", "config": {"name": "mixed_float16"}, "registered_name": None}``.

Example:
    >>> from kfront.dtype_policies import DTypePolicy
    >>> p = DTypePolicy("mixed_float16")
    >>> p.compute_dtype, p.variable_dtype
    ('float16', 'float32')
"""
from __future__ import annotations

#: the quantization modes whose policies are named "<mode>_from_<source policy>" (Keras's)
QUANTIZATION_MODES = ("int8", "float8", "int4", "gptq", "awq")
_MIXED = {"mixed_float16": ("float16", "float32"), "mixed_bfloat16": ("bfloat16", "float32")}


class DTypePolicy:
    """A layer's dtype policy (``keras.DTypePolicy``): ``compute_dtype`` for its computations
    and outputs, ``variable_dtype`` for its weights.

    Args:
        name: a dtype name such as ``"float32"`` (both dtypes), or ``"mixed_float16"`` /
            ``"mixed_bfloat16"`` (compute in float16 / bfloat16, weights in float32).
            ``None``: the global policy's name (``kfront.config.dtype_policy()``).

    Example:
        >>> from kfront.dtype_policies import DTypePolicy
        >>> DTypePolicy("mixed_bfloat16")
        <DTypePolicy "mixed_bfloat16">
        >>> DTypePolicy("float64").compute_dtype
        'float64'
    """

    def __init__(self, name: str | None = None):
        if name is None:
            from kfront import config
            name = config.dtype_policy().name
        self._name = name
        self._compute_dtype, self._variable_dtype = self._parse_name(name)
        self._quantization_mode = None

    def _parse_name(self, name) -> tuple:
        """``(compute_dtype, variable_dtype)`` of the policy ``name``."""
        if not isinstance(name, str):
            raise TypeError(f"DTypePolicy: 'name' must be a string, such as 'mixed_float16'. "
                            f"Received: name={name!r} (of type {type(name).__name__})")
        if name in _MIXED:
            return _MIXED[name]
        from kfront import ops
        try:
            dtype = ops.standardize_dtype(name)
        except (ValueError, TypeError):
            raise ValueError(f"DTypePolicy: cannot convert {name!r} to a mixed precision "
                             "DTypePolicy. Valid policies include 'mixed_float16', "
                             "'mixed_bfloat16', and the name of any float dtype such as "
                             "'float32'.") from None
        return dtype, dtype

    @property
    def name(self) -> str:
        """The policy's name."""
        return self._name

    @property
    def compute_dtype(self) -> str:
        """The dtype of the layer's computations, inputs and outputs."""
        return self._compute_dtype

    @property
    def variable_dtype(self) -> str:
        """The dtype the layer creates its weights in."""
        return self._variable_dtype

    @property
    def quantization_mode(self) -> str | None:
        """The quantization mode (``None``: not quantized)."""
        return self._quantization_mode

    def convert_input(self, x, autocast: bool, dtype: str):
        """``x`` as a tensor, cast to ``dtype`` when ``autocast`` and it is a float of another
        dtype (integer and bool inputs stay as they are), as Keras's ``convert_input``.

        Example:
            >>> import numpy as np, kfront
            >>> p = kfront.dtype_policies.DTypePolicy("mixed_float16")
            >>> kfront.ops.dtype(p.convert_input(np.ones(2, "float32"), True, "float16"))
            'float16'
            >>> kfront.ops.dtype(p.convert_input(np.ones(2, "int32"), True, "float16"))
            'int32'
        """
        from kfront import ops
        from kfront.backends import B
        from kfront.layers.input_layer import KerasTensor
        dtype = ops.standardize_dtype(dtype)
        if not (B.is_tensor(x) or isinstance(x, (B.Variable, KerasTensor))):
            if not hasattr(x, "__array__"):
                return x
            x = ops.convert_to_tensor(x)
        if self._should_cast(x, autocast, dtype):
            x = ops.cast(x, dtype)
        return x

    @staticmethod
    def _should_cast(x, autocast: bool, dtype: str) -> bool:
        from kfront import ops
        x_dtype = ops.standardize_dtype(ops.dtype(x))
        return bool(autocast) and x_dtype.startswith(("float", "bfloat")) and x_dtype != dtype

    def get_config(self) -> dict:
        return {"name": self.name}

    @classmethod
    def from_config(cls, config: dict) -> "DTypePolicy":
        return cls(**config)

    def __repr__(self):
        class_name = type(self).__name__
        if class_name == "FloatDTypePolicy":
            class_name = "DTypePolicy"
        return f'<{class_name} "{self._name}">'

    def __eq__(self, other):
        if type(self) in (DTypePolicy, FloatDTypePolicy):
            if type(other) not in (DTypePolicy, FloatDTypePolicy):
                return False
        elif type(other) is not type(self):
            return False
        return self._name == other._name


class FloatDTypePolicy(DTypePolicy):
    """An alias of ``DTypePolicy`` (``keras.FloatDTypePolicy``).

    Example:
        >>> from kfront.dtype_policies import FloatDTypePolicy
        >>> FloatDTypePolicy("float32")
        <DTypePolicy "float32">
    """
