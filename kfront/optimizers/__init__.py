"""Optimizers (``keras.optimizers``): ``SGD``, ``Adam``, ``AdamW``, ``Adamax``, ``Nadam``,
``RMSprop``, ``Adagrad``, ``Adadelta``, ``Ftrl``, ``Lion``, ``Lamb``, ``Adafactor``,
``Muon``, ``ScheduleFreeAdamW``, the ``LossScaleOptimizer``, ``MultiOptimizer`` with
``OptimizerMap``, the ``Optimizer`` base class,
``legacy`` (refused, as Keras 3), learning-rate ``schedules`` and
``get``/``serialize``/``deserialize``.

Example:
    >>> import numpy as np, kfront
    >>> from kfront import optimizers
    >>> opt = optimizers.get("adam")
    >>> w = kfront.Variable(np.ones(3, "float32"))
    >>> _ = opt.apply_gradients([(np.ones(3, "float32"), w)])
    >>> int(opt.iterations.numpy())
    1
"""
from __future__ import annotations

from typing import Any

from kfront.optimizers import legacy, schedules
from kfront.optimizers.adadelta import Adadelta
from kfront.optimizers.adafactor import Adafactor
from kfront.optimizers.adagrad import Adagrad
from kfront.optimizers.adam import Adam
from kfront.optimizers.adamax import Adamax
from kfront.optimizers.adamw import AdamW
from kfront.optimizers.base_optimizer import Optimizer
from kfront.optimizers.ftrl import Ftrl
from kfront.optimizers.lamb import Lamb
from kfront.optimizers.lion import Lion
from kfront.optimizers.loss_scale_optimizer import LossScaleOptimizer
from kfront.optimizers.multi_optimizer import MultiOptimizer, OptimizerMap
from kfront.optimizers.muon import Muon
from kfront.optimizers.nadam import Nadam
from kfront.optimizers.rmsprop import RMSprop
from kfront.optimizers.schedule_free_adamw import ScheduleFreeAdamW
from kfront.optimizers.sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "Adamax", "Nadam", "RMSprop", "Adagrad",
           "Adadelta", "Ftrl", "Lion", "Lamb", "Adafactor", "Muon", "ScheduleFreeAdamW",
           "LossScaleOptimizer", "MultiOptimizer", "OptimizerMap", "legacy",
           "schedules", "get", "serialize", "deserialize"]

ALL_OBJECTS_DICT = {cls.__name__.lower(): cls for cls in (
    SGD, Adam, RMSprop, Adagrad, AdamW, Adamax, Nadam, Adadelta, Ftrl, Lion, Lamb, Adafactor,
    Muon, ScheduleFreeAdamW, LossScaleOptimizer, MultiOptimizer)}


def serialize(optimizer: Optimizer) -> dict:
    """The optimizer as a Keras-format dict ``{"module", "class_name", "config", ...}``.

    Example:
        >>> from kfront import optimizers
        >>> optimizers.serialize(optimizers.SGD(momentum=0.5))["config"]["momentum"]
        0.5
    """
    cls = type(optimizer)
    module = "keras.optimizers" if cls in ALL_OBJECTS_DICT.values() else cls.__module__
    return {"module": module, "class_name": cls.__name__, "config": optimizer.get_config(),
            "registered_name": None}


def _valid_names() -> str:
    return ", ".join(repr(n) for n in ALL_OBJECTS_DICT)


def deserialize(config: dict, custom_objects: dict | None = None) -> Optimizer:
    """An optimizer from ``serialize()`` output; built-in class names are case-insensitive.

    Example:
        >>> from kfront import optimizers
        >>> opt = optimizers.deserialize({"class_name": "RMSProp", "config": {"rho": 0.8}})
        >>> type(opt).__name__, opt.rho
        ('RMSprop', 0.8)
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Optimizer config must be a dict with a 'class_name' key, "
                         f"got {config!r}")
    name = config["class_name"]
    custom_objects = custom_objects or {}
    cls: Any = custom_objects.get(name)
    if cls is None and isinstance(name, str):
        cls = ALL_OBJECTS_DICT.get(name.lower())
    if cls is None:
        raise ValueError(f"Unknown optimizer {name!r}: expected one of {_valid_names()} "
                         f"(case-insensitive), or a class passed in custom_objects")
    return cls.from_config(dict(config.get("config") or {}), custom_objects=custom_objects)


def get(identifier: str | dict | Optimizer | None) -> Optimizer | None:
    """An optimizer from a name (``"adam"``, ``"SGD"``...), a config dict or an instance
    (returned as is).

    Example:
        >>> from kfront import optimizers
        >>> type(optimizers.get("RMSprop")).__name__
        'RMSprop'
        >>> optimizers.get("adamx")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: Unknown optimizer 'adamx': expected one of 'sgd', 'adam', 'rmsprop', ...
    """
    if identifier is None:
        return None
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return deserialize({"class_name": identifier, "config": {}})
    hint = ""
    module = type(identifier).__module__ or ""
    if module.split(".")[0] in ("keras", "tensorflow", "tf_keras"):
        hint = (f"; this is a {module.split('.')[0]} optimizer, use the kfront one, e.g. "
                f"kfront.optimizers.{type(identifier).__name__}(**config)")
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}: expected a "
                     f"name ({_valid_names()}), a config dict or a kfront Optimizer{hint}")
