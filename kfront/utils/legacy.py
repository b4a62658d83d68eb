"""``keras.utils.legacy``: the Keras 2 (tf.keras) object serialization format, plain
``{"class_name": ..., "config": ...}`` dicts in which objects nested in a config are marked
``"__passive_serialization__"`` and functions are written as their registered names."""
from __future__ import annotations

import inspect

from kfront.saving.object_registration import (CustomObjectScope, _scope_objects,
                                               get_custom_objects, get_registered_name,
                                               get_registered_object)

__all__ = ["deserialize_keras_object", "serialize_keras_object"]


def serialize_keras_object(instance):
    """The Keras 2 config of ``instance``: ``{"class_name", "config"}`` for objects with
    ``get_config`` (their non-string config items serialized the same way where possible),
    the registered name for functions and classes, ``None`` for ``None``.

    Example:
        >>> from kfront import initializers
        >>> from kfront.utils import legacy
        >>> legacy.serialize_keras_object(initializers.Constant(2.0))
        {'class_name': 'Constant', 'config': {'value': 2.0}}
    """
    instance = inspect.unwrap(instance)
    if instance is None:
        return None
    if hasattr(instance, "get_config"):
        config = {}
        for key, item in instance.get_config().items():
            if isinstance(item, str):
                config[key] = item
                continue
            try:
                serialized = serialize_keras_object(item)
            except ValueError:
                config[key] = item
                continue
            if isinstance(serialized, dict) and not isinstance(item, dict):
                serialized["__passive_serialization__"] = True
            config[key] = serialized
        return {"class_name": get_registered_name(type(instance)), "config": config}
    if hasattr(instance, "__name__"):
        return get_registered_name(instance)
    raise ValueError(f"Cannot serialize {instance!r} because it doesn't implement "
                     "`get_config()`.")


def _unknown(what: str, name: str) -> ValueError:
    return ValueError(f"Unknown {what}: '{name}'. Please ensure you are using a "
                      "`kfront.utils.custom_object_scope` and that this object is included in "
                      "the scope, or pass it in `custom_objects` / `module_objects`.")


def _class_and_config(config, module_objects, custom_objects, what: str):
    if not isinstance(config, dict) or "class_name" not in config or "config" not in config:
        raise ValueError(f"Improper config format for {config}. Expecting python dict contains "
                         "`class_name` and `config` as keys")
    cls = get_registered_object(config["class_name"], custom_objects, module_objects)
    if cls is None:
        raise _unknown(what, config["class_name"])
    cls_config = config["config"]
    if isinstance(cls_config, list):
        return cls, cls_config
    for key, item in list(cls_config.items()):
        if key == "name":
            continue
        if isinstance(item, dict) and "__passive_serialization__" in item:
            cls_config[key] = deserialize_keras_object(item, module_objects, custom_objects,
                                                       "config_item")
        elif isinstance(item, str):
            named = get_registered_object(item, custom_objects, module_objects)
            if inspect.isfunction(named):
                cls_config[key] = named
    return cls, cls_config


def deserialize_keras_object(identifier, module_objects: dict | None = None,
                             custom_objects: dict | None = None,
                             printable_module_name: str = "object"):
    """The object of a Keras 2 config (or a name): the class is looked up in the open
    ``custom_object_scope``s, the registry, ``custom_objects`` and ``module_objects`` (nothing
    is imported); a name gives the object (a class is instantiated without arguments).

    Example:
        >>> from kfront import initializers
        >>> from kfront.utils import legacy
        >>> init = legacy.deserialize_keras_object(
        ...     {"class_name": "Constant", "config": {"value": 2.0}},
        ...     module_objects={"Constant": initializers.Constant})
        >>> init.value
        2.0
    """
    if identifier is None:
        return None
    custom_objects = custom_objects or {}
    if isinstance(identifier, dict):
        cls, cls_config = _class_and_config(identifier, module_objects, custom_objects,
                                            printable_module_name)
        if not hasattr(cls, "from_config"):
            with CustomObjectScope(custom_objects):
                return cls(**cls_config)
        if "custom_objects" in inspect.signature(cls.from_config).parameters:
            return cls.from_config(cls_config,
                                   custom_objects={**get_custom_objects(), **custom_objects})
        with CustomObjectScope(custom_objects):
            return cls.from_config(cls_config)
    if isinstance(identifier, str):
        tables = (custom_objects, _scope_objects(), get_custom_objects(), module_objects or {})
        for table in tables:
            if identifier in table:
                obj = table[identifier]
                return obj() if inspect.isclass(obj) else obj
        raise _unknown(printable_module_name, identifier)
    if inspect.isfunction(identifier):
        return identifier
    raise ValueError(f"Could not interpret serialized {printable_module_name}: {identifier}")
