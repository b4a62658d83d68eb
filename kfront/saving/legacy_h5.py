"""Legacy HDF5 files (``.h5`` / ``.hdf5``), as Keras 3 and tf.keras 2 write them, both ways.

A full model file has root attributes ``keras_version``, ``backend``, ``model_config`` (JSON)
and, when compiled, ``training_config``; group ``model_weights`` (attributes ``layer_names``,
``backend``, ``keras_version``) with one subgroup per layer (attribute ``weight_names``, the
datasets at those names: ``dense/kernel:0`` in tf.keras 2) and ``top_level_model_weights``;
and ``optimizer_weights`` (attribute ``weight_names``). A weights file (``save_weights("w.h5")``)
is the ``model_weights`` group at the root. Attribute lists over 64 KB are split into
``name0``, ``name1``, .... Weights load by layer order (layers that have weights, each as
``trainable_weights + non_trainable_weights``), or by layer name with ``by_name=True``.

``safe_mode`` applies here as in ``.keras`` files (CVE-2025-9905): the model config goes
through ``kfront.saving.legacy_config.model_from_legacy_config``.
"""
from __future__ import annotations

import json
import os
import warnings

import numpy as np

from kfront.saving import h5_weights, object_registration
from kfront.saving.atomic import atomic_write
from kfront.saving.keras_archive import KERAS_VERSION

#: HDF5's object header limit: longer attribute lists are split into chunks
HDF5_OBJECT_HEADER_LIMIT = 64512


def _bad(filepath, what: str) -> ValueError:
    return ValueError(f"Cannot load {str(filepath)!r}: {what}")


# ------------------------------------------------------------------------------- attributes
def save_attributes(group, name: str, data: list) -> None:
    """Store a list of strings as attribute ``name`` (split into ``name0``, ``name1``, ...
    when it exceeds HDF5's 64 KB header limit, as Keras does)."""
    encoded = [str(x).encode("utf8") for x in data]
    too_long = [x for x in encoded if len(x) > HDF5_OBJECT_HEADER_LIMIT]
    if too_long:
        raise ValueError(f"Cannot save attribute {name!r}: items over {HDF5_OBJECT_HEADER_LIMIT} "
                         f"bytes: {too_long[:3]}")
    array = np.asarray(encoded)
    chunks = 1
    parts = np.array_split(array, chunks)
    while any(p.nbytes > HDF5_OBJECT_HEADER_LIMIT for p in parts):
        chunks += 1
        parts = np.array_split(array, chunks)
    if chunks > 1:
        for i, part in enumerate(parts):
            group.attrs[f"{name}{i}"] = part
    else:
        group.attrs[name] = array


def load_attributes(group, name: str, filepath) -> list:
    """The list of strings in attribute ``name`` (or its chunks ``name0``, ``name1``...)."""
    def decode(values, key):
        try:
            items = np.atleast_1d(np.asarray(values))
        except Exception as e:
            raise _bad(filepath, f"unreadable attribute {key!r} of {group.name!r}: {e}") \
                from None
        if items.dtype.kind == "f" and items.size == 0:
            return []  # Keras writes an empty list as a float64 array
        if items.dtype.kind not in "SUO":
            raise _bad(filepath, f"attribute {key!r} of {group.name!r} must hold strings, "
                                 f"found {items.dtype}")
        return [x.decode("utf8", "replace") if isinstance(x, bytes) else str(x) for x in items]

    try:
        attrs = dict(group.attrs)
    except Exception as e:
        raise _bad(filepath, f"unreadable attributes of {group.name!r}: {e}") from None
    if name in attrs:
        return decode(attrs[name], name)
    out, i = [], 0
    while f"{name}{i}" in attrs:
        out.extend(decode(attrs[f"{name}{i}"], f"{name}{i}"))
        i += 1
    return out


# ----------------------------------------------------------------------------------- writing
def _legacy_weights(layer) -> list:
    return list(layer.trainable_weights) + list(layer.non_trainable_weights)


def _weight_names(layer, variables) -> list:
    """tf.keras 2 style names, ``<layer>/<path...>:0``, unique within the layer."""
    names, seen = [], set()
    for i, v in enumerate(variables):
        parts = str(getattr(v, "path", None) or v.name).split("/")
        # from the layer's own name on (a model's scopes before it are dropped)
        parts = parts[parts.index(layer.name):] if layer.name in parts else [layer.name, *parts]
        path = "/".join(parts)
        name = f"{path}:0"
        if name in seen:
            name = f"{path}_{i}:0"
        seen.add(name)
        names.append(name)
    return names


def _write_subset(group, names: list, variables: list) -> None:
    save_attributes(group, "weight_names", names)
    for name, variable in zip(names, variables):
        group.create_dataset(name, data=h5_weights.variable_value(variable))


def save_weights_to_hdf5_group(group, model) -> None:
    """Write ``model``'s weights in the legacy layout (tf.keras 2's ``save_weights``)."""
    from kfront import config
    save_attributes(group, "layer_names", [layer.name for layer in model.layers])
    group.attrs["backend"] = config.backend().encode("utf8")
    group.attrs["keras_version"] = KERAS_VERSION.encode("utf8")
    for layer in sorted(model.layers, key=lambda x: x.name):
        variables = _legacy_weights(layer)
        _write_subset(group.create_group(layer.name), _weight_names(layer, variables), variables)
    _write_subset(group.create_group("top_level_model_weights"), [], [])


def _legacy_model_config(model) -> dict:
    from kfront.saving.serialization_lib import ObjectSharingScope, serialize_keras_object
    with ObjectSharingScope():
        full = serialize_keras_object(model)
    return {"class_name": full["class_name"], "config": full["config"]}


def _training_config(model) -> dict | None:
    compile_config = model.get_compile_config() if getattr(model, "compiled", False) else None
    if not compile_config:
        return None
    from kfront.saving.serialization_lib import serialize_keras_object
    out = {k: v for k, v in compile_config.items() if k != "optimizer"}
    optimizer = serialize_keras_object(model.optimizer)
    out["optimizer_config"] = {"class_name": optimizer["class_name"],
                               "config": optimizer["config"]}
    return out


def save_model_to_hdf5(model, filepath, include_optimizer: bool = True) -> None:
    """Save ``model`` as a legacy ``.h5`` file (Keras 3's legacy writer's layout), atomically.

    Example:
        >>> import os, tempfile, h5py, kfront
        >>> from kfront import layers
        >>> from kfront.saving.legacy_h5 import save_model_to_hdf5
        >>> m = kfront.Sequential([layers.Input((3,)), layers.Dense(2)])
        >>> path = os.path.join(tempfile.mkdtemp(), "m.h5")
        >>> save_model_to_hdf5(m, path)
        >>> sorted(h5py.File(path, "r").attrs)
        ['backend', 'keras_version', 'model_config']
    """
    from kfront import config
    model_config = json.dumps(_legacy_model_config(model)).encode("utf8")
    training = _training_config(model) if include_optimizer else None
    with atomic_write(filepath) as tmp:
        with h5_weights.create_file(tmp) as f:
            f.attrs["keras_version"] = KERAS_VERSION
            f.attrs["backend"] = config.backend()
            f.attrs["model_config"] = model_config
            if training is not None:
                f.attrs["training_config"] = json.dumps(training).encode("utf8")
            save_weights_to_hdf5_group(f.create_group("model_weights"), model)
            optimizer = getattr(model, "optimizer", None)
            if include_optimizer and optimizer is not None and optimizer.variables:
                group = f.create_group("optimizer_weights")
                variables = optimizer.variables
                names = [f"{v.path}:0" for v in variables]
                _write_subset(group, names, variables)


def save_weights(model, filepath) -> None:
    """``save_weights("w.h5")``: tf.keras 2's weights file, atomically."""
    with atomic_write(filepath) as tmp:
        with h5_weights.create_file(tmp) as f:
            save_weights_to_hdf5_group(f, model)


# ----------------------------------------------------------------------------------- reading
def _open(filepath):
    import h5py
    try:
        return h5py.File(filepath, "r")
    except FileNotFoundError:
        raise
    except Exception as e:
        raise _bad(filepath, f"not a readable HDF5 file ({e})") from None


def _group(parent, name: str, filepath):
    import h5py
    try:
        group = parent.get(name)
    except Exception as e:
        raise _bad(filepath, f"unreadable group {name!r} in {parent.name!r}: {e}") from None
    if group is None:
        raise _bad(filepath, f"no group {name!r} in {parent.name!r}")
    if not isinstance(group, h5py.Group):
        raise _bad(filepath, f"{name!r} in {parent.name!r} is not a group")
    return group


def _subset(group, filepath) -> list:
    """``[(dataset, where)]`` named by the group's ``weight_names``, in order."""
    out = []
    for name in load_attributes(group, "weight_names", filepath):
        where = f"file {str(filepath)!r}, dataset {group.name}/{name}"
        try:
            ds = group[name]
            elsewhere = ds.file != group.file
        except Exception as e:
            raise ValueError(f"{where}: listed in weight_names but cannot be opened: {e}") \
                from None
        if elsewhere:
            raise ValueError(f"{where}: the dataset is a link into another file; refusing it")
        out.append((ds, where))
    return out


def _match(variables, datasets, what: str, skip_mismatch: bool) -> list:
    """Pair variables with datasets after checking count, shape and dtype."""
    if len(variables) != len(datasets):
        message = (f"Weight count mismatch for {what}: the layer expects {len(variables)} "
                   f"weight(s), the file has {len(datasets)}")
        if skip_mismatch:
            warnings.warn(f"Skipping {what}: {message}", stacklevel=4)
            return []
        raise ValueError(message)
    pairs = []
    for variable, (ds, where) in zip(variables, datasets):
        try:
            h5_weights.check_dataset(ds, variable, where)
        except ValueError as e:
            if not skip_mismatch:
                raise
            warnings.warn(f"Skipping {what}: {e}", stacklevel=4)
            return []
        pairs.append((variable, ds, where))
    return pairs


def _file_size(group) -> int | None:
    try:
        return os.path.getsize(group.file.filename)
    except (OSError, TypeError, ValueError):
        return None


def weights_plan(group, model, filepath, by_name: bool = False,
                 skip_mismatch: bool = False) -> list:
    """Validate a legacy weights group against ``model``: ``[(variable, dataset, where)]``."""
    file_layers = []
    for name in load_attributes(group, "layer_names", filepath):
        datasets = _subset(_group(group, name, filepath), filepath)
        file_layers.append((name, datasets))
    pairs = []
    if by_name:
        index: dict = {}
        for layer in model.layers:
            index.setdefault(layer.name, []).append(layer)
        for k, (name, datasets) in enumerate(file_layers):
            for layer in index.get(name, []):
                pairs += _match(_legacy_weights(layer), datasets,
                                f'layer #{k} (named "{layer.name}")', skip_mismatch)
        return pairs + _top_level_pairs(group, model, filepath, True)
    layers = [layer for layer in model.layers if _legacy_weights(layer)]
    file_layers = [(name, datasets) for name, datasets in file_layers if datasets]
    if len(layers) != len(file_layers):
        raise ValueError(f"Layer count mismatch when loading weights from file "
                         f"{str(filepath)!r}: the model has {len(layers)} layers with weights "
                         f"({[layer.name for layer in layers]}), the file has "
                         f"{len(file_layers)} ({[name for name, _ in file_layers]})")
    for k, (layer, (name, datasets)) in enumerate(zip(layers, file_layers)):
        pairs += _match(_legacy_weights(layer), datasets,
                        f'layer #{k} (named "{layer.name}" in the model, "{name}" in file '
                        f"{str(filepath)!r})", skip_mismatch)
    return pairs + _top_level_pairs(group, model, filepath, skip_mismatch)


def _top_level_pairs(group, model, filepath, skip_mismatch: bool) -> list:
    """The model's own weights (not its layers'), checked as Keras does when the file has
    ``top_level_model_weights``."""
    try:
        present = "top_level_model_weights" in group
    except Exception as e:
        raise _bad(filepath, f"unreadable group {group.name!r}: {e}") from None
    if not present:
        return []
    datasets = _subset(_group(group, "top_level_model_weights", filepath), filepath)
    own = list(model._trainable_weights) + list(model._non_trainable_weights)
    return _match(own, datasets, f"the top-level weights of model {model.name!r} in file "
                                 f"{str(filepath)!r}", skip_mismatch)


def load_weights(model, filepath, by_name: bool = False, skip_mismatch: bool = False) -> None:
    """Load a legacy weights file (or a full legacy model file's weights) into ``model``;
    a Keras 3 layout saved under ``.h5`` is read as such. Nothing is assigned unless the
    whole file matches."""
    with _open(filepath) as f:
        try:
            attrs = set(f.attrs)
            keys = set(f.keys())
        except Exception as e:
            raise _bad(filepath, f"unreadable HDF5 root: {e}") from None
        if not any(a.startswith("layer_names") for a in attrs) and "model_weights" in keys:
            group = _group(f, "model_weights", filepath)
        elif not any(a.startswith("layer_names") for a in attrs) and keys & {"vars", "layers"}:
            if by_name:
                raise ValueError(f"by_name=True needs a legacy weights file; {str(filepath)!r} "
                                 f"has Keras 3's layout")
            h5_weights.load_weights_from_group(model, f, filepath, skip_mismatch,
                                               filesize=_file_size(f))
            return
        else:
            group = f
        plan = weights_plan(group, model, filepath, by_name, skip_mismatch)
        h5_weights.assign_all(plan, _file_size(f))


def _optimizer_pairs(f, model, filepath) -> list:
    """Pairs for the optimizer state, or [] with Keras's warning when it does not fit."""
    optimizer = model.optimizer
    group = _group(f, "optimizer_weights", filepath)
    datasets = _subset(group, filepath)
    if not optimizer.built:
        optimizer.build(model.trainable_variables)
    variables = list(optimizer.variables)
    names = load_attributes(group, "weight_names", filepath)
    lr = getattr(optimizer, "_learning_rate", None)
    if (len(datasets) == len(variables) - 1 and any(v is lr for v in variables)
            and not any("learning_rate" in n for n in names)):
        variables = [v for v in variables if v is not lr]  # tf.keras 2 did not save it
    if len(datasets) != len(variables):
        warnings.warn(f"Error in loading the saved optimizer state from {str(filepath)!r}: "
                      f"the optimizer has {len(variables)} variables, the file "
                      f"{len(datasets)}. As a result, your model is starting with a freshly "
                      f"initialized optimizer.", stacklevel=3)
        return []
    return _match(variables, datasets, f"optimizer {optimizer.name!r}", False)


def _compile(model, training_config: dict, filepath) -> None:
    config = dict(training_config)
    optimizer = config.pop("optimizer_config", None)
    if isinstance(optimizer, dict) and isinstance(optimizer.get("class_name"), str):
        name = optimizer["class_name"]
        optimizer = {"class_name": name.split(">", 1)[1] if name.startswith("Custom>") else name,
                     "config": optimizer.get("config", {}), "module": "keras.optimizers",
                     "registered_name": None}
    config["optimizer"] = optimizer
    for key in ("metrics", "weighted_metrics"):
        metrics = _legacy_metrics(config.get(key))
        if (isinstance(metrics, list) and len(metrics) == 1 and isinstance(metrics[0], list)
                and len(getattr(model, "outputs", [None])) == 1):
            metrics = metrics[0]  # tf.keras 2 wrote one list per output
        config[key] = metrics
    try:
        model.compile_from_config(config)
    except Exception as e:
        raise _bad(filepath, f"cannot compile the model from its training_config: "
                             f"{type(e).__name__}: {e}") from None


def _legacy_metrics(value):
    """tf.keras 2's ``MeanMetricWrapper`` configs in a training_config as the metric names
    ``compile`` takes (``"accuracy"`` stays ``"accuracy"``, resolved from the shapes)."""
    if isinstance(value, list):
        return [_legacy_metrics(v) for v in value]
    if isinstance(value, dict) and value.get("class_name") == "MeanMetricWrapper":
        config = value.get("config") or {}
        name, fn = config.get("name"), config.get("fn")
        return name if name in ("accuracy", "acc", "crossentropy", "ce") else (fn or name)
    if isinstance(value, dict) and "class_name" not in value:
        return {k: _legacy_metrics(v) for k, v in value.items()}
    return value


def _json_attr(f, name: str, filepath):
    try:
        value = f.attrs.get(name)
    except Exception as e:
        raise _bad(filepath, f"unreadable attribute {name!r}: {e}") from None
    if value is None:
        return None
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value[()]
    if isinstance(value, bytes):
        value = value.decode("utf8", "replace")
    if not isinstance(value, str):
        raise _bad(filepath, f"attribute {name!r} must be a JSON string, found "
                             f"{type(value).__name__}")
    try:
        parsed = json.loads(value)
    except (json.JSONDecodeError, RecursionError) as e:
        raise _bad(filepath, f"attribute {name!r} is not valid JSON: {e}") from None
    if not isinstance(parsed, dict):
        raise _bad(filepath, f"attribute {name!r} must hold a JSON object")
    return parsed


def load_model_from_hdf5(filepath, custom_objects=None, compile: bool = True,
                         safe_mode=True):
    """Load a legacy ``.h5`` model (Keras 3's or tf.keras 2's), ``safe_mode`` applied.

    Example:
        >>> import os, tempfile, numpy as np, kfront
        >>> from kfront import layers
        >>> from kfront.saving.legacy_h5 import load_model_from_hdf5, save_model_to_hdf5
        >>> m = kfront.Sequential([layers.Input((3,)), layers.Dense(2)])
        >>> path = os.path.join(tempfile.mkdtemp(), "m.h5")
        >>> save_model_to_hdf5(m, path)
        >>> np.array_equal(load_model_from_hdf5(path).get_weights()[0], m.get_weights()[0])
        True
    """
    from kfront.saving import safety
    from kfront.saving.legacy_config import model_from_legacy_config
    with _open(filepath) as f:
        model_config = _json_attr(f, "model_config", filepath)
        if model_config is None:
            raise _bad(filepath, "no model_config attribute: not a full model file (use "
                                 "load_weights for a weights file)")
        try:
            with safety.SafeModeScope(safety.resolve_safe_mode(safe_mode)):
                model = model_from_legacy_config(model_config, custom_objects, safe_mode)
        except ValueError as e:
            raise ValueError(f"Cannot load {str(filepath)!r}: {e}") from None
        except Exception as e:  # a damaged config can break any from_config
            raise _bad(filepath, f"invalid model_config: {type(e).__name__}: {e}") from None
        from kfront.models.model import Model
        if not isinstance(model, Model):
            raise _bad(filepath, f"model_config describes a {type(model).__name__}, not a model")
        size = _file_size(f)
        pairs = weights_plan(_group(f, "model_weights", filepath), model, filepath)
        training_config = _json_attr(f, "training_config", filepath) if compile else None
        h5_weights.assign_all(pairs, size)
        if training_config is None:
            return model
        with safety.SafeModeScope(safety.resolve_safe_mode(safe_mode)), \
                object_registration.CustomObjectScope(custom_objects or {}):
            _compile(model, training_config, filepath)
        if "optimizer_weights" in f:
            h5_weights.assign_all(_optimizer_pairs(f, model, filepath), size)
    return model
