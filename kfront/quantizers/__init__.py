"""``keras.quantizers``: quantizer functions and classes, quantization configs, and
``get`` / ``serialize`` / ``deserialize`` for them.

Example:
    >>> from kfront import quantizers
    >>> quantizers.serialize(quantizers.AbsMaxQuantizer())["class_name"]
    'AbsMaxQuantizer'
"""
from __future__ import annotations

import inspect
import re

from kfront.quantizers.quantization_config import (QUANTIZATION_MODES, AWQConfig,
                                                   Float8QuantizationConfig, GPTQConfig,
                                                   Int4QuantizationConfig,
                                                   Int8QuantizationConfig, QuantizationConfig)
from kfront.quantizers.quantizers import (AbsMaxQuantizer, Quantizer, abs_max_quantize,
                                          abs_max_quantize_grouped_with_zero_point,
                                          compute_float8_amax_history, compute_float8_scale,
                                          fake_quant_with_min_max_vars, pack_int4,
                                          quantize_and_dequantize, unpack_int4)

__all__ = ["AbsMaxQuantizer", "Quantizer", "QuantizationConfig", "Int8QuantizationConfig",
           "Int4QuantizationConfig", "Float8QuantizationConfig", "GPTQConfig", "AWQConfig",
           "abs_max_quantize", "abs_max_quantize_grouped_with_zero_point",
           "compute_float8_amax_history", "compute_float8_scale",
           "fake_quant_with_min_max_vars", "pack_int4", "unpack_int4",
           "quantize_and_dequantize", "get", "serialize", "deserialize"]

ALL_OBJECTS = (Quantizer, AbsMaxQuantizer, QuantizationConfig, Int8QuantizationConfig,
               Int4QuantizationConfig, Float8QuantizationConfig, GPTQConfig, AWQConfig)
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({re.sub(r"(?<!^)(?=[A-Z][a-z])", "_", cls.__name__).lower(): cls
                         for cls in ALL_OBJECTS})


def serialize(initializer) -> dict | None:
    """The Keras config of a quantizer or quantization config (``None`` stays ``None``); the
    argument is named ``initializer`` as in Keras.

    Example:
        >>> from kfront import quantizers
        >>> quantizers.serialize(quantizers.Float8QuantizationConfig())["config"]
        {}
    """
    if initializer is None:
        return None
    cls = type(initializer)
    builtin = ALL_OBJECTS_DICT.get(cls.__name__) is cls
    config = initializer.get_config()
    if builtin:
        return {"module": "keras.quantizers", "class_name": cls.__name__, "config": config,
                "registered_name": None}
    from kfront.saving import object_registration
    return {"module": cls.__module__, "class_name": cls.__name__, "config": config,
            "registered_name": object_registration.get_registered_name(cls)}


def deserialize(config, custom_objects: dict | None = None):
    """A quantizer or quantization config from its Keras config.

    Example:
        >>> from kfront import quantizers
        >>> config = quantizers.serialize(quantizers.AbsMaxQuantizer(axis=0))
        >>> quantizers.deserialize(config).axis
        (0,)
    """
    if config is None:
        return None
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not interpret quantizer config: {config!r} (expected a dict "
                         "with 'class_name' and 'config')")
    from kfront.saving import object_registration
    name = config["class_name"]
    cls = None
    for key in (config.get("registered_name"), name):
        if key:
            cls = object_registration.get_registered_object(key, custom_objects)
            if cls is not None:
                break
    cls = cls or ALL_OBJECTS_DICT.get(name)
    if cls is None:
        raise ValueError(f"Unknown quantizer: {name!r}. Expected one of "
                         f"{sorted(c.__name__ for c in ALL_OBJECTS)} or a registered class")
    inner = dict(config.get("config") or {})
    if "value_range" in inner and isinstance(inner["value_range"], list):
        inner["value_range"] = tuple(inner["value_range"])
    return cls.from_config(inner)


def get(identifier, **kwargs):
    """A quantizer from a name, a config dict, a class or an instance (``None`` stays).

    Example:
        >>> from kfront import quantizers
        >>> type(quantizers.get("AbsMaxQuantizer", axis=0)).__name__
        'AbsMaxQuantizer'
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = ALL_OBJECTS_DICT.get(identifier)
    else:
        obj = identifier
    if callable(obj):
        return obj(**kwargs) if inspect.isclass(obj) else obj
    raise ValueError(f"Could not interpret quantizer identifier: {identifier}")
