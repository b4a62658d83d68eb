"""Model configs of tf.keras 2 and of legacy ``.h5`` files, read into kfront models.

Those configs differ from Keras 3's: no ``module`` key (or only on some objects),
``batch_input_shape`` instead of ``batch_shape``, tuples written as ``{"class_name":
"__tuple__", "items": [...]}``, and functional ``inbound_nodes`` as nested lists
``[[[layer, node_index, tensor_index, kwargs], ...], ...]``. ``model_from_legacy_config``
rewrites such a config into Keras 3's form and deserializes it with the same allowlist as
every other config: a class name is looked up among kfront's built-ins, the registry and
``custom_objects``; nothing is imported, and ``safe_mode`` applies as everywhere.

Example:
    >>> from kfront.saving.legacy_config import model_from_legacy_config
    >>> config = {"class_name": "Sequential", "config": {"name": "s", "layers": [
    ...     {"class_name": "Dense", "config": {"units": 2, "batch_input_shape": [None, 3],
    ...      "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}}}}]}}
    >>> model_from_legacy_config(config).output_shape
    (None, 2)
"""
from __future__ import annotations

from kfront.saving import serialization_lib

# keys tf.keras 2 wrote that mean nothing in Keras 3 (at these values; None: any value)
_DROPPED_KEYS = {"time_major": False, "implementation": None}
_MODEL_CLASSES = ("Sequential", "Functional", "Model")


def model_from_legacy_config(model_config: dict, custom_objects: dict | None = None,
                             safe_mode: bool = True):
    """A kfront model (new weights) from a tf.keras 2 / legacy ``.h5`` ``model_config``.

    Args:
        model_config: the decoded JSON, ``{"class_name": ..., "config": ...}``.
        custom_objects: classes and functions the config may name besides kfront's.
        safe_mode: as everywhere (only ``Lambda`` bytecode depends on it).
    """
    if not isinstance(model_config, dict) or "class_name" not in model_config:
        raise ValueError("Invalid legacy model config: expected a dict with 'class_name' and "
                         f"'config', got {str(model_config)[:200]!r}")
    return serialization_lib.deserialize_keras_object(
        modernize(model_config), custom_objects=custom_objects, safe_mode=safe_mode)


def modernize(config):
    """A legacy config tree rewritten in Keras 3's form (see the module docstring)."""
    if isinstance(config, list):
        return [modernize(v) for v in config]
    if not isinstance(config, dict):
        return config
    if config.get("class_name") == "__tuple__" and "items" in config:
        return [modernize(v) for v in config["items"]]
    if "class_name" not in config or "config" not in config:
        return {k: modernize(v) for k, v in config.items()}
    out = dict(config)
    inner = out["config"]
    if isinstance(inner, dict):
        inner = {k: modernize(v) for k, v in inner.items()
                 if not (k in _DROPPED_KEYS and _DROPPED_KEYS[k] in (None, v))}
        if out["class_name"] in ("Functional", "Model") and "layers" in inner:
            inner = _modernize_functional(inner)
        if out["class_name"] == "Lambda" and "function_type" in inner:
            inner = _modernize_lambda(inner)
        out["config"] = inner
    if out.get("module") is None:
        out["module"] = _legacy_module(out["class_name"])
    out.setdefault("registered_name", None)
    return out


def _modernize_lambda(config: dict) -> dict:
    """tf.keras 2's Lambda (``function`` as ``[code, defaults, closure]`` with
    ``function_type="lambda"``, or a name with ``function_type="function"`` and ``module``;
    the same for ``output_shape``) in Keras 3's form: bytecode stays bytecode (loaded only
    with ``safe_mode=False``), a name resolves from the allowlist and custom objects."""
    config = dict(config)
    for key, kind_key, module_key in (("function", "function_type", "module"),
                                      ("output_shape", "output_shape_type",
                                       "output_shape_module")):
        kind, module = config.pop(kind_key, None), config.pop(module_key, None)
        value = config.get(key)
        if kind == "lambda" and isinstance(value, list):
            code, defaults, closure = (list(value) + [None, None])[:3]
            config[key] = {"class_name": "__lambda__",
                           "config": {"code": code, "defaults": defaults, "closure": closure}}
        elif kind == "function" and isinstance(value, str):
            config[key] = {"module": module, "class_name": "function", "config": value,
                           "registered_name": value}
    return config


def _legacy_module(class_name) -> str | None:
    """The Keras 3 module of a class named without one, from kfront's allowlist (layers,
    models, initializers, regularizers, constraints); ``None`` (custom objects only) else."""
    if class_name in _MODEL_CLASSES:
        return "keras"
    tables = serialization_lib.builtin_objects()
    for module in ("keras.layers", "keras.initializers", "keras.regularizers",
                   "keras.constraints", "keras.optimizers", "keras.optimizers.schedules",
                   "keras.src.ops.numpy"):
        if class_name in tables[module]:
            return module
    return None


def _modernize_functional(config: dict) -> dict:
    """Nodes to Keras 3's form. tf.keras 2 (list-form nodes) counted a nested model's own
    graph as its node 0 everywhere; Keras 3 does so only in ``input_layers`` /
    ``output_layers`` and only for functional models, so indices shift down by one."""
    config = dict(config)
    legacy_nodes = any(isinstance(node, list) for layer in config["layers"]
                       for node in layer.get("inbound_nodes") or [])
    models = {layer.get("name") for layer in config["layers"]
              if legacy_nodes and layer.get("class_name") in _MODEL_CLASSES}
    sequential = {layer.get("name") for layer in config["layers"]
                  if legacy_nodes and layer.get("class_name") == "Sequential"}
    layers = []
    for layer in config["layers"]:
        layer = dict(layer)
        layer["inbound_nodes"] = [_modern_node(node, layer.get("name"), models)
                                  for node in layer.get("inbound_nodes") or []]
        layers.append(layer)
    config["layers"] = layers
    for key in ("input_layers", "output_layers"):
        config[key] = _shift(config.get(key), sequential)
    return config


def _shift(history, shifted: set):
    """``[layer, node, tensor]`` triples (nested) with the node index of ``shifted`` layers
    lowered by one."""
    if isinstance(history, list) and len(history) >= 3 and isinstance(history[0], str):
        node = history[1] - 1 if history[0] in shifted else history[1]
        return [history[0], node, *history[2:]]
    if isinstance(history, list):
        return [_shift(h, shifted) for h in history]
    if isinstance(history, dict):
        return {k: _shift(v, shifted) for k, v in history.items()}
    return history


def _tensor(history) -> dict:
    return {"class_name": "__keras_tensor__", "config": {"keras_history": list(history[:3])}}


def _modern_node(node, layer_name, shifted: set):
    """One call: ``[[layer, node, tensor, kwargs], ...]`` -> ``{"args", "kwargs"}``."""
    if isinstance(node, dict):  # already Keras 3's form
        return node
    if not isinstance(node, list) or not node:
        raise ValueError(f"Invalid legacy functional config: layer {layer_name!r} has an "
                         f"inbound node {node!r:.200}")
    entries = node
    tensors = []
    kwargs: dict = {}
    for entry in entries:
        if not (isinstance(entry, list) and len(entry) >= 3 and isinstance(entry[0], str)):
            raise ValueError(f"Invalid legacy functional config: layer {layer_name!r} reads "
                             f"{entry!r:.200}, expected [layer, node_index, tensor_index, kwargs]")
        tensors.append(_tensor(_shift(entry[:3], shifted)))
        if len(entry) > 3 and entry[3]:
            kwargs.update({k: _legacy_kwarg(v, shifted) for k, v in entry[3].items()})
    return {"args": [tensors[0] if len(tensors) == 1 else tensors], "kwargs": kwargs}


def _legacy_kwarg(value, shifted: set):
    """A call argument: tensors were written as ``[layer, node, tensor]`` triples."""
    if isinstance(value, list) and len(value) == 3 and isinstance(value[0], str) \
            and all(isinstance(v, int) for v in value[1:]):
        return _tensor(_shift(value, shifted))
    if isinstance(value, list) and value and all(isinstance(v, list) for v in value):
        return [_legacy_kwarg(v, shifted) for v in value]
    return modernize(value)
