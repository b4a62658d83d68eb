"""Layer configs as Keras writes them, and back (by registered class name, never by code)."""
from __future__ import annotations


def serialize_layer(layer) -> dict:
    """``{"module", "class_name", "config", "registered_name"}`` as in Keras 3 configs."""
    return {"module": "keras.layers", "class_name": type(layer).__name__,
            "config": layer.get_config(), "registered_name": None}


def deserialize_layer(config: dict, custom_objects: dict | None = None):
    """Rebuild a layer from ``serialize_layer`` output; unknown classes are a clear error."""
    from kfront import layers
    name = config.get("class_name")
    cls = (custom_objects or {}).get(name) or getattr(layers, name, None)
    if cls is None or not isinstance(cls, type):
        raise ValueError(f"Unknown layer class {name!r}; pass it in custom_objects to load it")
    return cls.from_config(config.get("config", {}))
