"""Dtype policies (``keras.dtype_policies``): the dtypes a layer computes and keeps weights in.

``DTypePolicy`` (``FloatDTypePolicy`` is an alias), ``DTypePolicyMap`` and ``get`` /
``serialize`` / ``deserialize`` with Keras 3's signatures. Quantized policies
(``"int8_from_float32"``, ...) live in ``kfront.dtype_policies.quantized`` when that module is
present: ``get`` and ``deserialize`` resolve them through its
``_get_quantized_dtype_policy_by_str(name)`` and its ``ALL_OBJECTS`` classes.

Example:
    >>> from kfront import dtype_policies
    >>> p = dtype_policies.get("mixed_float16")
    >>> p.compute_dtype, p.variable_dtype
    ('float16', 'float32')
    >>> dtype_policies.serialize(p)["config"]
    {'name': 'mixed_float16'}
"""
from __future__ import annotations

import importlib

from kfront.dtype_policies.dtype_policy import QUANTIZATION_MODES, DTypePolicy, FloatDTypePolicy
from kfront.dtype_policies.dtype_policy_map import DTypePolicyMap

__all__ = ["DTypePolicy", "DTypePolicyMap", "FloatDTypePolicy", "deserialize", "get",
           "serialize"]


def _quantized():
    """The ``quantized`` submodule, or ``None`` where kfront lacks it."""
    try:
        return importlib.import_module("kfront.dtype_policies.quantized")
    except ModuleNotFoundError as e:
        if e.name != "kfront.dtype_policies.quantized":
            raise
        return None


def all_objects() -> dict:
    """``{class name: class}`` of every dtype policy class (quantized ones included)."""
    classes = [DTypePolicy, FloatDTypePolicy, DTypePolicyMap]
    quantized = _quantized()
    if quantized is not None:
        classes += list(getattr(quantized, "ALL_OBJECTS", ()))
    return {cls.__name__: cls for cls in classes}


def _quantized_by_name(name: str) -> DTypePolicy:
    quantized = _quantized()
    if quantized is None:
        raise ValueError(f"dtype policy {name!r}: quantized policies are not supported by kfront")
    return quantized._get_quantized_dtype_policy_by_str(name)


def serialize(dtype_policy) -> dict:
    """The Keras 3 config of ``dtype_policy`` (a ``DTypePolicy``; a dtype or policy name is
    read with ``get`` first).

    Example:
        >>> from kfront import dtype_policies
        >>> dtype_policies.serialize(dtype_policies.DTypePolicy("float32"))
        {'module': 'keras', 'class_name': 'DTypePolicy', 'config': {'name': 'float32'}, \
'registered_name': None}
    """
    from kfront.saving import serialization_lib
    if isinstance(dtype_policy, str):
        dtype_policy = get(dtype_policy)
    return serialization_lib.serialize_keras_object(dtype_policy)


def deserialize(config, custom_objects: dict | None = None) -> DTypePolicy:
    """The ``DTypePolicy`` a Keras config describes.

    Example:
        >>> from kfront import dtype_policies
        >>> dtype_policies.deserialize({"class_name": "DTypePolicy",
        ...                             "config": {"name": "mixed_bfloat16"}})
        <DTypePolicy "mixed_bfloat16">
    """
    from kfront.saving import serialization_lib
    if isinstance(config, dict) and config.get("module") is None:
        config = {**config, "module": "keras.dtype_policies"}  # Keras's module_objects
    return serialization_lib.deserialize_keras_object(config, custom_objects=custom_objects)


def get(identifier) -> DTypePolicy:
    """A ``DTypePolicy`` from ``identifier``: ``None`` (the global policy), a policy (as is),
    a config dict, a policy or dtype name (``"int8_from_float32"``-style names give quantized
    policies), or anything with a dtype name (``numpy.float16``).

    Example:
        >>> from kfront import dtype_policies
        >>> dtype_policies.get("mixed_bfloat16")
        <DTypePolicy "mixed_bfloat16">
        >>> dtype_policies.get({"class_name": "DTypePolicy", "config": {"name": "float16"}})
        <DTypePolicy "float16">
    """
    from kfront import config, ops
    if identifier is None:
        return config.dtype_policy()
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        if identifier.startswith(QUANTIZATION_MODES):
            return _quantized_by_name(identifier)
        return DTypePolicy(identifier)
    try:
        return DTypePolicy(ops.standardize_dtype(identifier))
    except Exception:
        raise ValueError("Cannot interpret `dtype` argument. Expected a string or an instance "
                         f"of DTypePolicy. Received: dtype={identifier!r}") from None


def dtype_name(dtype) -> str | None:
    """The compute dtype named by a layer's ``dtype`` argument (a name, a ``DTypePolicy`` or a
    policy config dict; ``None`` stays ``None``).

    Example:
        >>> from kfront.dtype_policies import dtype_name
        >>> dtype_name("mixed_float16"), dtype_name(None)
        ('float16', None)
    """
    return None if dtype is None else get(dtype).compute_dtype


def _export_quantized() -> None:
    """Re-export the quantized policy classes (``keras.dtype_policies.QuantizedDTypePolicy``...)
    where ``kfront.dtype_policies.quantized`` exists."""
    quantized = _quantized()
    for cls in getattr(quantized, "ALL_OBJECTS", ()):
        globals()[cls.__name__] = cls
        if cls.__name__ not in __all__:
            __all__.append(cls.__name__)


_export_quantized()
