"""The registry of custom objects (``keras.saving.register_keras_serializable`` and friends).

Registered classes and functions are the only user code a config may name: loading resolves
``registered_name`` (``"package>name"``) here, in ``custom_object_scope`` and in the
``custom_objects`` passed to the loader, never by importing the module a file names.

Example:
    >>> import kfront
    >>> @kfront.saving.register_keras_serializable(package="Docs")
    ... class Doubler(kfront.layers.Layer):
    ...     def call(self, x):
    ...         return x * 2
    >>> kfront.saving.get_registered_name(Doubler)
    'Docs>Doubler'
    >>> kfront.saving.get_registered_object("Docs>Doubler") is Doubler
    True
"""
from __future__ import annotations

import inspect
import threading
from typing import Any, Callable

_GLOBAL_CUSTOM_OBJECTS: dict[str, Any] = {}
_GLOBAL_CUSTOM_NAMES: dict[Any, str] = {}
_scope = threading.local()


def _scope_stack() -> list:
    if not hasattr(_scope, "stack"):
        _scope.stack = []
    return _scope.stack


def _scope_objects() -> dict:
    """The objects of the open ``custom_object_scope``s (innermost last wins)."""
    merged: dict = {}
    for objects in _scope_stack():
        merged.update(objects)
    return merged


class CustomObjectScope:
    """Expose custom classes and functions to deserialization inside a ``with`` block.

    Args:
        custom_objects: dicts mapping names (``class_name`` or ``"package>name"``) to objects.

    Example:
        >>> import kfront
        >>> def twice(x):
        ...     return x * 2
        >>> with kfront.saving.custom_object_scope({"twice": twice}):
        ...     kfront.saving.get_registered_object("twice") is twice
        True
    """

    def __init__(self, *custom_objects: dict | None):
        self.custom_objects: dict = {}
        for objects in custom_objects:
            if objects is None:
                continue
            if not isinstance(objects, dict):
                raise TypeError("custom_object_scope takes dicts mapping names to classes or "
                                f"functions, got {type(objects).__name__}")
            self.custom_objects.update(objects)

    def __enter__(self) -> "CustomObjectScope":
        _scope_stack().append(self.custom_objects)
        return self

    def __exit__(self, *exc) -> None:
        _scope_stack().pop()


custom_object_scope = CustomObjectScope


def get_custom_objects() -> dict:
    """The global dict of registered custom objects (mutable, as in Keras).

    Example:
        >>> import kfront
        >>> isinstance(kfront.saving.get_custom_objects(), dict)
        True
    """
    return _GLOBAL_CUSTOM_OBJECTS


def register_keras_serializable(package: str = "Custom", name: str | None = None) -> Callable:
    """Decorator registering a class or function under ``"package>name"`` (``name`` defaults to
    its ``__name__``), so that configs naming it load without ``custom_objects``.

    Example:
        >>> import kfront
        >>> @kfront.saving.register_keras_serializable(package="Docs", name="cube")
        ... def cube(x):
        ...     return x ** 3
        >>> kfront.saving.get_registered_name(cube)
        'Docs>cube'
    """
    if not isinstance(package, str) or ">" in package:
        raise ValueError(f"register_keras_serializable: package must be a string without '>', "
                         f"got {package!r}")

    def decorator(arg):
        class_name = name if name is not None else arg.__name__
        registered = f"{package}>{class_name}"
        if inspect.isclass(arg) and not hasattr(arg, "get_config"):
            raise ValueError(f"Cannot register {arg.__name__}: a class must define get_config() "
                             "to be serializable")
        if registered in _GLOBAL_CUSTOM_OBJECTS and _GLOBAL_CUSTOM_OBJECTS[registered] is not arg:
            previous = _GLOBAL_CUSTOM_OBJECTS.pop(registered)
            _GLOBAL_CUSTOM_NAMES.pop(previous, None)
        _GLOBAL_CUSTOM_OBJECTS[registered] = arg
        _GLOBAL_CUSTOM_NAMES[arg] = registered
        return arg

    return decorator


def get_registered_name(obj) -> str:
    """The name ``obj`` is registered under, else its ``__name__``.

    Example:
        >>> import kfront
        >>> kfront.saving.get_registered_name(len)
        'len'
    """
    try:
        registered = _GLOBAL_CUSTOM_NAMES.get(obj)
    except TypeError:  # unhashable
        registered = None
    return registered if registered is not None else obj.__name__


def visible_objects(custom_objects: dict | None = None) -> dict:
    """Every custom object a config may name now: the registry, ``custom_objects`` and the
    open ``custom_object_scope``s (later ones win), for the per-kind ``deserialize``s."""
    return {**_GLOBAL_CUSTOM_OBJECTS, **(custom_objects or {}), **_scope_objects()}


def get_registered_object(name: str, custom_objects: dict | None = None,
                          module_objects: dict | None = None):
    """The object registered under ``name``: the open ``custom_object_scope``s first, then the
    global registry, ``custom_objects`` and ``module_objects``; ``None`` when none has it.

    Example:
        >>> import kfront
        >>> kfront.saving.get_registered_object("nothing_of_that_name") is None
        True
    """
    if not isinstance(name, str):
        return None
    for table in (_scope_objects(), _GLOBAL_CUSTOM_OBJECTS, custom_objects or {},
                  module_objects or {}):
        if name in table:
            return table[name]
    return None
