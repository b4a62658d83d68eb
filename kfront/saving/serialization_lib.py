"""Objects to Keras 3 config dicts and back, resolving names from an allowlist only.

``serialize_keras_object`` writes what Keras 3 writes (``module``, ``class_name``, ``config``,
``registered_name``, and ``build_config`` / ``compile_config`` for layers and models).
``deserialize_keras_object`` reads Keras's and kfront's configs. A config names classes and
functions; they are looked up, in this order, in the open ``custom_object_scope``s, the
registry of ``register_keras_serializable``, the ``custom_objects`` argument, and kfront's
table of built-in serializable objects (layers, models, optimizers, schedules, losses, metrics,
activations, initializers, regularizers, constraints, dtype policies). Nothing else: a module
named by a file is never imported, so a config cannot reach ``os.system``, a loader, a
downloader or a settings switch, whatever ``safe_mode`` says. ``safe_mode=False`` only lets a
``Lambda`` unmarshal the bytecode it carries.

Example:
    >>> from kfront import layers
    >>> from kfront.saving import serialization_lib as sl
    >>> config = sl.serialize_keras_object(layers.Dense(3, name="d"))
    >>> config["module"], config["class_name"], config["config"]["units"]
    ('keras.layers', 'Dense', 3)
    >>> sl.deserialize_keras_object(config).units
    3
    >>> sl.deserialize_keras_object({"module": "os", "class_name": "system", "config": {}})
    Traceback (most recent call last):
    ...
    ValueError: Refused to load class 'system' (module 'os'): ...
"""
from __future__ import annotations

import base64
import builtins
import functools
import inspect
import marshal
import threading
import types
import warnings

import numpy as np

from kfront.saving import object_registration, safety

PLAIN_TYPES = (str, int, float, bool)

# Keras modules (and kfront's) -> the table of built-in objects they name
_CATEGORY_OF_PACKAGE = {
    "layers": "keras.layers", "models": "keras", "optimizers": "keras.optimizers",
    "losses": "keras.losses", "metrics": "keras.metrics", "activations": "keras.activations",
    "initializers": "keras.initializers", "regularizers": "keras.regularizers",
    "constraints": "keras.constraints", "dtype_policies": "keras.dtype_policies",
    "saving": "keras", "utils": "keras.utils",
}
_FUNCTION_TABLES = ("keras.activations", "keras.losses", "keras.metrics")
_shared = threading.local()


@functools.lru_cache(maxsize=None)
def builtin_objects() -> dict:
    """The allowlist: ``{keras namespace: {name: kfront class or function}}``.

    Only classes that configs describe (layers, models, optimizers, schedules, losses,
    metrics, initializers, regularizers, constraints, dtype policies) and the pure math
    functions of ``activations``, ``losses`` and ``metrics``; nothing that loads, downloads,
    writes files or changes a setting.
    """
    from kfront import (activations, constraints, dtype_policies, initializers, layers, losses,
                        metrics, models, optimizers, regularizers)
    from kfront.layers import op_layers
    from kfront.ops import symbolic
    from kfront.optimizers import schedules
    from kfront.utils.feature_space import FeatureSpace
    layer_classes = {name: obj for name, obj in vars(layers).items()
                     if inspect.isclass(obj) and issubclass(obj, layers.Layer)
                     and obj is not layers.Layer}
    schedule_classes = {name: obj for name, obj in vars(schedules).items()
                        if inspect.isclass(obj) and issubclass(obj, schedules.LearningRateSchedule)
                        and not name.startswith("_")}
    optimizer_classes = {cls.__name__: cls for cls in optimizers.ALL_OBJECTS_DICT.values()}
    model_classes = {"Functional": models.Functional, "Sequential": models.Sequential,
                     "Model": models.Model, "DTypePolicy": dtype_policies.DTypePolicy,
                     "FloatDTypePolicy": dtype_policies.FloatDTypePolicy}
    return {
        "keras": model_classes,
        "keras.dtype_policies": dtype_policies.all_objects(),
        "keras.models": model_classes,
        "keras.layers": layer_classes,
        "keras.utils": {"FeatureSpace": FeatureSpace},  # a Layer Keras saves as a model
        "keras.optimizers": optimizer_classes,
        "keras.optimizers.schedules": schedule_classes,
        "keras.losses": dict(losses.ALL_OBJECTS_DICT),
        "keras.metrics": dict(metrics.ALL_OBJECTS_DICT),
        "keras.activations": dict(activations.ALL_OBJECTS_DICT),
        "keras.initializers": dict(initializers.ALL_OBJECTS_DICT),
        "keras.regularizers": dict(regularizers.ALL_OBJECTS_DICT),
        "keras.constraints": dict(constraints.ALL_OBJECTS_DICT),
        **symbolic.op_tables(),  # ops called on KerasTensors in functional models
        "keras.src.ops.numpy": {**symbolic.op_tables().get("keras.src.ops.numpy", {}),
                                "NotEqual": op_layers.NotEqual},
    }


@functools.lru_cache(maxsize=None)
def _public_names() -> dict:
    """``{id(object): (namespace, name)}`` for the built-in objects, under their own names (or
    the name Keras exports a class under, where it differs: ``_keras_export_name``)."""
    out = {}
    for namespace, table in builtin_objects().items():
        if namespace == "keras.models":
            continue
        for name, obj in table.items():
            own = getattr(obj, "_keras_export_name", None) or getattr(obj, "__name__", None)
            if own == name:
                out.setdefault(id(obj), (namespace, name))
    return out


def _category(module) -> str | None:
    """The allowlist table a config's ``module`` refers to, or ``None`` for a module that is
    not Keras's or kfront's (then only custom objects can match)."""
    if not isinstance(module, str):
        return None
    if module in builtin_objects():
        return module
    parts = module.split(".")
    if parts[0] not in ("keras", "kfront", "tf_keras"):
        return None
    rest = parts[2:] if parts[1:2] == ["src"] else parts[1:]
    if not rest:
        return "keras"
    if rest[0] == "optimizers" and "schedules" in rest:
        return "keras.optimizers.schedules"
    if rest[0] == "layers" and len(rest) > 1 and rest[1] == "serialization":
        return "keras.layers"
    return _CATEGORY_OF_PACKAGE.get(rest[0], "keras")


def _lookup_builtin(name: str, module, want_function: bool):
    """``name`` in the allowlist: in the table of ``module``, then in every table. Functions
    may also come with ``module="builtins"`` (as Keras writes them) or none. A module that is
    not Keras's or kfront's matches nothing."""
    tables = builtin_objects()
    category = _category(module)
    if category is None and not (want_function and module in ("builtins", None)):
        return None
    order = ([category] if category else []) + list(_FUNCTION_TABLES if want_function else ())
    for key in order + list(tables):
        obj = tables[key].get(name)
        if obj is not None and not (want_function and inspect.isclass(obj)):
            return obj
    return None


def refused(kind: str, name, module=None, registered_name=None) -> ValueError:
    """The error for a name the allowlist, the registry and ``custom_objects`` lack."""
    shown = registered_name not in (None, name, "function")
    where = f" (module {module!r}" + (f", registered_name {registered_name!r}"
                                       if shown else "") + ")"
    return ValueError(
        f"Refused to load {kind} {name!r}{where}: it is not a kfront built-in, not registered "
        "with @kfront.saving.register_keras_serializable(), and not in custom_objects. kfront "
        "never imports what a file names. If it is your own code and you trust the file, pass "
        f"it as custom_objects={{{name!r}: ...}} or register it (safe_mode does not change this).")


def _resolve(name, registered_name, module, kind: str, custom_objects: dict):
    """The class or function a config names: custom objects first, then built-ins."""
    if not isinstance(name, str):
        raise ValueError(f"Could not interpret {kind} name {name!r}: expected a string")
    keys = [registered_name, name] if kind == "class" else [name, registered_name]
    for key in keys:
        obj = object_registration.get_registered_object(key, custom_objects)
        if obj is not None:
            return obj
    if kind == "function" and ">" not in name:
        # Keras <= 3.6 wrote custom functions by bare name instead of "package>name"
        for key, obj in {**object_registration.get_custom_objects(), **custom_objects}.items():
            if isinstance(key, str) and key.endswith(f">{name}"):
                return obj
    obj = _lookup_builtin(name, module, want_function=kind == "function")
    if obj is None:
        raise refused(kind, name, module, registered_name)
    return obj


# --------------------------------------------------------------------------- serialize
def serialize_keras_object(obj):
    """The Keras 3 config of ``obj``: plain values as they are, lists and dicts item by item,
    kfront objects as ``{"module", "class_name", "config", "registered_name"}`` (layers and
    models with ``build_config``, models with ``compile_config``).

    Example:
        >>> import kfront
        >>> from kfront.saving import serialize_keras_object
        >>> serialize_keras_object(kfront.optimizers.SGD(0.1))["class_name"]
        'SGD'
        >>> serialize_keras_object(kfront.activations.relu)["config"]
        'relu'
    """
    if obj is None or isinstance(obj, PLAIN_TYPES):
        return obj
    if isinstance(obj, list):
        return [serialize_keras_object(x) for x in obj]
    if isinstance(obj, tuple):
        return tuple(serialize_keras_object(x) for x in obj)
    if isinstance(obj, dict):
        return serialize_dict(obj)
    if isinstance(obj, bytes):
        return {"class_name": "__bytes__", "config": {"value": obj.decode("utf-8")}}
    if isinstance(obj, slice):
        return {"class_name": "__slice__",
                "config": {"start": serialize_keras_object(obj.start),
                           "stop": serialize_keras_object(obj.stop),
                           "step": serialize_keras_object(obj.step)}}
    if obj is Ellipsis:
        return {"class_name": "__ellipsis__", "config": {}}
    from kfront.layers.input_layer import KerasTensor
    if isinstance(obj, KerasTensor):
        history = obj._keras_history
        return {"class_name": "__keras_tensor__",
                "config": {"shape": obj.shape, "dtype": obj.dtype,
                           "keras_history": None if history is None else
                           [history[0].layer.name, 0, history[1]]}}
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        if obj.ndim == 0:
            return obj.item()
        return {"class_name": "__numpy__",
                "config": {"value": obj.tolist(), "dtype": str(obj.dtype)}}
    from kfront import ops
    from kfront.backends import B
    if B.is_tensor(obj) or isinstance(obj, B.Variable):
        return {"class_name": "__tensor__",
                "config": {"value": ops.convert_to_numpy(obj).tolist(),
                           "dtype": ops.standardize_dtype(ops.dtype(obj))}}
    if isinstance(obj, types.FunctionType) and obj.__name__ == "<lambda>":
        warnings.warn("Serializing a Python lambda: loading it back needs safe_mode=False; use "
                      "a named, registered function instead", stacklevel=2)
        return {"class_name": "__lambda__", "config": {"value": func_dump(obj)}}
    if inspect.isfunction(obj) or inspect.isbuiltin(obj) or inspect.isclass(obj):
        return _function_config(obj)
    if not hasattr(obj, "get_config"):
        raise TypeError(f"Cannot serialize {obj!r} of type {type(obj).__name__}: to be "
                        "serializable, a class must implement get_config()")
    config = obj.get_config()
    if not isinstance(config, dict):
        raise TypeError(f"get_config() of {obj!r} must return a dict, got {type(config).__name__}")
    identity = _class_identity(type(obj))
    out = {"module": identity["module"], "class_name": identity["class_name"],
           "config": serialize_dict(config), "registered_name": identity["registered_name"]}
    for getter, key in (("get_build_config", "build_config"),
                        ("get_compile_config", "compile_config")):
        if hasattr(obj, getter):
            value = getattr(obj, getter)()
            if value is not None:
                out[key] = serialize_dict(value)
    _record_shared(obj, out)
    return out


def serialize_dict(obj: dict) -> dict:
    """``serialize_keras_object`` on every value of a dict."""
    return {key: serialize_keras_object(value) for key, value in obj.items()}


def _class_identity(cls) -> dict:
    """``module``, ``class_name`` and ``registered_name`` as Keras writes them for ``cls``."""
    from kfront.models.functional import Functional
    if cls is Functional:
        return {"module": "keras.src.models.functional", "class_name": "Functional",
                "registered_name": "Functional"}
    public = _public_names().get(id(cls))
    if public is not None and builtin_objects()[public[0]].get(public[1]) is cls:
        return {"module": public[0], "class_name": public[1], "registered_name": None}
    module = None if cls.__module__ == "__main__" else cls.__module__
    return {"module": module, "class_name": cls.__name__,
            "registered_name": object_registration.get_registered_name(cls)}


def _function_config(fn) -> dict:
    """A named function (or class object) as Keras 3 writes it: built-ins under
    ``"builtins"``, custom ones under their registered name."""
    if id(fn) in _public_names():
        return {"module": "builtins", "class_name": "function", "config": fn.__name__,
                "registered_name": "function"}
    name = object_registration.get_registered_name(fn)
    module = getattr(fn, "__module__", None)
    return {"module": None if module == "__main__" else module, "class_name": "function",
            "config": name, "registered_name": name}


def _record_shared(obj, config: dict) -> None:
    """Inside a sharing scope, mark configs of objects serialized more than once."""
    seen = getattr(_shared, "configs", None)
    if seen is None:
        return
    if id(obj) not in seen:
        seen[id(obj)] = (obj, config)
    else:
        config["shared_object_id"] = id(obj)
        seen[id(obj)][1]["shared_object_id"] = id(obj)


# -------------------------------------------------------------------------- lambdas
def func_dump(fn) -> tuple:
    """``(base64 marshal of the code, defaults, closure)``, as Keras's ``func_dump``."""
    code = base64.encodebytes(marshal.dumps(fn.__code__)).decode("ascii")
    closure = tuple(c.cell_contents for c in fn.__closure__) if fn.__closure__ else None
    return code, fn.__defaults__, closure


def func_load(code: str, defaults=None, closure=None, *, what: str = "a Lambda layer"):
    """A function from ``func_dump`` output: unmarshals bytecode, so only in unsafe mode.

    Raises ``ValueError`` while safe mode is on (the default); the caller must have
    established the mode with ``SafeModeScope`` or ``enable_unsafe_deserialization``.
    """
    if safety.resolve_safe_mode(True):
        raise safety.lambda_refused(what)
    if isinstance(code, (list, tuple)):
        code, defaults, closure = (list(code) + [None, None])[:3]
    import kfront
    raw = base64.decodebytes(code.encode("ascii"))
    try:
        code_obj = marshal.loads(raw)
    except (ValueError, EOFError, TypeError) as e:
        raise ValueError(f"Could not load the Python bytecode of {what} (written by another "
                         f"Python version?): {e}") from None
    if not isinstance(code_obj, types.CodeType):
        raise ValueError(f"The bytecode of {what} is not a code object")
    cells = None
    if closure is not None:
        cells = tuple(types.CellType(value) for value in closure)
    namespace = {"__builtins__": builtins, "kfront": kfront, "keras": kfront, "ops": kfront.ops,
                 "np": np}
    return types.FunctionType(code_obj, namespace, code_obj.co_name,
                              tuple(defaults) if defaults is not None else None, cells)


# ------------------------------------------------------------------------- deserialize
def deserialize_keras_object(config, custom_objects: dict | None = None, safe_mode: bool = True,
                             **kwargs):
    """The object described by a Keras 3 config (see the module docstring for what a config
    may name). Layers and models are built from ``build_config`` and compiled from
    ``compile_config``, as Keras does.

    Example:
        >>> from kfront.saving import deserialize_keras_object
        >>> deserialize_keras_object({"module": "keras.optimizers", "class_name": "Adam",
        ...                           "config": {"beta_1": 0.8},
        ...                           "registered_name": None}).beta_1
        0.8
    """
    module_objects = kwargs.pop("module_objects", None) or {}  # the caller's, like custom ones
    if kwargs:
        raise TypeError(f"deserialize_keras_object: unexpected arguments {sorted(kwargs)}")
    custom_objects = {**module_objects, **(custom_objects or {})}
    mode = safety.resolve_safe_mode(safe_mode)
    owner = getattr(_shared, "objects", None) is None
    if owner:
        _shared.objects = {}
    try:
        with safety.SafeModeScope(mode), object_registration.CustomObjectScope(custom_objects):
            return _deserialize(config, custom_objects)
    finally:
        if owner:
            _shared.objects = None


def _deserialize(config, custom_objects: dict):
    if config is None:
        return None
    if isinstance(config, str):
        obj = object_registration.get_registered_object(config, custom_objects)
        return config if obj is None else obj
    if isinstance(config, PLAIN_TYPES):
        return config
    if isinstance(config, (list, tuple)):
        return [_deserialize(x, custom_objects) for x in config]
    if not isinstance(config, dict):
        raise TypeError(f"Could not parse config {config!r}: expected a dict, list or value")
    if config.get("class_name") == "__tuple__" and "items" in config:  # legacy JSON tuples
        return tuple(_deserialize(x, custom_objects) for x in config["items"])
    if "class_name" not in config or "config" not in config:
        return {key: _deserialize(value, custom_objects) for key, value in config.items()}
    class_name = config["class_name"]
    inner = config["config"] if config["config"] is not None else {}
    special = _SPECIAL.get(class_name)
    if special is not None:
        return special(inner, custom_objects)
    module = config.get("module")
    registered_name = config.get("registered_name", class_name)
    if class_name == "function":
        if not isinstance(inner, str):
            raise ValueError(f"A function config needs its name as a string in 'config', got "
                             f"{inner!r}")
        return _resolve(inner, registered_name, module, "function", custom_objects)
    if not isinstance(inner, dict):
        raise ValueError(f"The 'config' of {class_name!r} must be a dict, got "
                         f"{type(inner).__name__}")
    shared_id = config.get("shared_object_id")
    if shared_id is not None and shared_id in _shared.objects:
        return _shared.objects[shared_id]
    cls = _resolve(class_name, registered_name, module, "class", custom_objects)
    if not inspect.isclass(cls):
        return cls
    instance = _from_config(cls, inner, custom_objects, class_name)
    build_config = config.get("build_config")
    if build_config and not getattr(instance, "built", True):
        instance.build_from_config(build_config)
    compile_config = config.get("compile_config")
    if compile_config and hasattr(instance, "compile_from_config"):
        instance.compile_from_config(compile_config)
    if shared_id is not None:
        _shared.objects[shared_id] = instance
    return instance


def _from_config(cls, inner: dict, custom_objects: dict, class_name: str):
    if not hasattr(cls, "from_config"):
        try:
            return cls(**inner)
        except TypeError as e:
            raise TypeError(f"Could not create {class_name!r} from its config {inner!r}: {e}") \
                from None
    params = inspect.signature(cls.from_config).parameters
    try:
        if "custom_objects" in params:
            return cls.from_config(inner, custom_objects=custom_objects)
        return cls.from_config(inner)
    except TypeError as e:
        if str(e).startswith("Could not create"):
            raise
        raise TypeError(f"Could not create {class_name!r} ({cls.__module__}.{cls.__name__}) "
                        f"from its config: {e}. A custom class must accept what its get_config() "
                        "returns, and deserialize nested objects in from_config().") from None


def _keras_tensor(inner, custom_objects):
    from kfront.layers.input_layer import KerasTensor
    tensor = KerasTensor(tuple(inner["shape"]), inner.get("dtype", "float32"))
    tensor._pre_serialization_keras_history = inner.get("keras_history")
    return tensor


def _tensor(inner, custom_objects):
    from kfront import ops
    return ops.convert_to_tensor(np.asarray(inner["value"], dtype=inner["dtype"]))


def _slice(inner, custom_objects):
    return slice(*(_deserialize(inner.get(k), custom_objects) for k in ("start", "stop", "step")))


def _lambda(inner, custom_objects):
    value = inner.get("value", inner) if isinstance(inner, dict) else inner
    if isinstance(value, dict):
        return func_load(value.get("code"), value.get("defaults"), value.get("closure"),
                         what="a serialized Python lambda")
    return func_load(value, what="a serialized Python lambda")


_SPECIAL = {
    "__keras_tensor__": _keras_tensor,
    "__tensor__": _tensor,
    "__numpy__": lambda inner, co: np.asarray(inner["value"], dtype=inner["dtype"]),
    "__bytes__": lambda inner, co: inner["value"].encode("utf-8"),
    "__ellipsis__": lambda inner, co: Ellipsis,
    "__slice__": _slice,
    "__lambda__": _lambda,
}


class ObjectSharingScope:
    """While open, objects serialized twice get a ``shared_object_id`` (as Keras writes in
    ``.keras`` files), so that loading rebuilds one object, not two."""

    def __enter__(self) -> "ObjectSharingScope":
        self._previous = getattr(_shared, "configs", None)
        _shared.configs = {}
        return self

    def __exit__(self, *exc) -> None:
        _shared.configs = self._previous
