"""Name registries: the ``get`` / ``serialize`` / ``deserialize`` that ``kfront.constraints``,
``initializers``, ``regularizers``, ``activations``, ``losses`` and ``metrics`` share.

A ``Registry`` resolves names, Keras 3 config dicts (``{"module", "class_name", "config",
"registered_name"}``), classes, instances and functions against one module's
``ALL_OBJECTS_DICT``; its error messages name the module's kind ("constraint", "loss"...).

Example:
    >>> from kfront.utils.registry import Registry
    >>> class Shape:
    ...     def __init__(self, sides=3):
    ...         self.sides = sides
    ...     def __call__(self):
    ...         return self.sides
    ...     def get_config(self):
    ...         return {"sides": self.sides}
    >>> shapes = Registry("shape", {"Shape": Shape, "shape": Shape}, Shape)
    >>> shapes.serialize(Shape(4))
    {'module': 'keras.shapes', 'class_name': 'Shape', 'config': {'sides': 4}, 'registered_name': None}
    >>> shapes.get({"class_name": "Shape", "config": {"sides": 5}}).sides
    5
    >>> shapes.get("circle")
    Traceback (most recent call last):
    ...
    ValueError: Could not interpret shape identifier: 'circle'. Unknown shape; valid names are: Shape, shape
"""
from __future__ import annotations

import inspect
from typing import Callable


def function_config(fn) -> dict:
    """The Keras 3 config of a named function: ``class_name`` ``"function"``, its registered
    name (``"package>name"``, else its ``__name__``) twice."""
    from kfront.saving.object_registration import get_registered_name
    name = get_registered_name(fn)
    return {"module": getattr(fn, "__module__", None), "class_name": "function",
            "config": name, "registered_name": name}


class Registry:
    """``get``/``serialize``/``deserialize`` of one kind of object.

    Args:
        kind: the noun in messages (``"constraint"``).
        objects: the module's ``ALL_OBJECTS_DICT`` (names and aliases to classes/functions).
        base: the base class of its objects, or ``None`` (activations are plain functions:
            ``get`` then returns classes as they are instead of instantiating them).
        module: ``"module"`` written for built-in classes (default ``"keras.<kind>s"``).
        what: how the identifier is named in messages (default ``kind``).
        terse: word errors as ``keras.losses``/``keras.metrics`` do (``Valid names are: ...``,
            no list of what was expected).
    """

    def __init__(self, kind: str, objects: dict, base: type | None = None, *,
                 module: str | None = None, what: str | None = None, terse: bool = False):
        self.kind = kind
        self.objects = objects
        self.base = base
        self.module = module or f"keras.{kind}s"
        self.what = what or kind
        self.terse = terse

    def _a_base(self) -> str:
        name = self.base.__name__
        return ("an " if name[0] in "AEIOU" else "a ") + name

    def unknown(self, name, objects: dict | None = None) -> ValueError:
        """The error for a name that is not in ``objects`` (default: the registry's)."""
        names = ", ".join(sorted(self.objects if objects is None else objects))
        if self.terse:
            return ValueError(f"Could not interpret {self.what} identifier: {name!r}. "
                              f"Valid names are: {names}")
        return ValueError(f"Could not interpret {self.what} identifier: {name!r}. Unknown "
                          f"{self.kind}; valid names are: {names}")

    def class_config(self, obj) -> dict:
        """The Keras 3 config of an instance; a class that is not built in keeps its module and
        is written as ``registered_name``."""
        cls = type(obj)
        builtin = self.objects.get(cls.__name__) is cls
        from kfront.saving.object_registration import get_registered_name
        return {"module": self.module if builtin else cls.__module__,
                "class_name": cls.__name__, "config": obj.get_config(),
                "registered_name": None if builtin else get_registered_name(cls)}

    def serialize(self, obj) -> dict | None:
        """``class_config`` of an instance of ``base``, ``function_config`` of a named
        function; ``None`` stays ``None``."""
        if obj is None:
            return None
        if isinstance(obj, self.base):
            return self.class_config(obj)
        name = getattr(obj, "__name__", None)
        if callable(obj) and name and name != "<lambda>":
            return function_config(obj)
        raise ValueError(f"Cannot serialize {self.kind} {obj!r}: expected {self._a_base()} or a "
                         "named function")

    def deserialize(self, config, custom_objects: dict | None = None):
        """An object from ``serialize`` output or a bare name; ``custom_objects`` are looked up
        first (by ``class_name``, then ``registered_name``), with the registered ones and those
        of open ``custom_object_scope``s."""
        from kfront.saving.object_registration import visible_objects
        custom_objects = visible_objects(custom_objects)
        if isinstance(config, str):
            config = {"class_name": config, "config": {}}
        if not isinstance(config, dict) or "class_name" not in config:
            raise ValueError(f"Could not interpret {self.kind} config {config!r}: expected a "
                             "name or a dict with 'class_name' and 'config'")
        name, cfg = config["class_name"], config.get("config") or {}
        if name == "function":
            fn = custom_objects.get(cfg) or custom_objects.get(config.get("registered_name"))
            if fn is None:
                raise self.unknown(cfg)
            return fn
        cls = (custom_objects.get(name) or custom_objects.get(config.get("registered_name"))
               or self.objects.get(name))
        if cls is None:
            raise self.unknown(name)
        if not inspect.isclass(cls):
            return cls
        return cls.from_config(cfg) if hasattr(cls, "from_config") else cls(**cfg)

    def get(self, identifier, deserialize: Callable | None = None):
        """The object for a name, a config dict (through ``deserialize``, default the
        registry's), a class (instantiated with defaults when there is a ``base``), an
        instance or a callable. ``None`` gives ``None``."""
        if identifier is None:
            return None
        if isinstance(identifier, dict):
            obj = (deserialize or self.deserialize)(identifier)
        elif isinstance(identifier, str):
            obj = self.objects.get(identifier)
            if obj is None:
                raise self.unknown(identifier)
        else:
            obj = identifier
        if callable(obj):
            return obj() if self.base is not None and inspect.isclass(obj) else obj
        if self.terse:
            raise ValueError(f"Could not interpret {self.what} identifier: {identifier!r}")
        expected = "" if self.base is None else f", {self._a_base()}"
        raise ValueError(f"Could not interpret {self.what} identifier: {identifier!r}. Expected "
                         f"a name, a config dict{expected} or a callable; got "
                         f"{type(identifier).__name__}")
