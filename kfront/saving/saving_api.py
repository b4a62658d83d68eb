"""``save_model`` / ``load_model`` / ``save_weights`` / ``load_weights`` (Keras 3's names and
signatures), dispatching on the file's extension: ``.keras`` (zip, or a folder with
``zipped=False``), ``.weights.h5`` (Keras 3's weights layout), ``.h5`` / ``.hdf5`` (legacy:
Keras 3's and tf.keras 2's full models, and tf.keras 2's ``save_weights`` files).

Saves are atomic (see ``kfront.saving.atomic``); loads validate the whole file before they
assign anything, and raise ``ValueError`` naming the file and what is wrong (``OSError``, e.g.
``FileNotFoundError``, when the file cannot be opened at all).
"""
from __future__ import annotations

import os
import warnings

from kfront.saving import keras_archive, legacy_h5, sharded_weights
from kfront.saving.atomic import atomic_write, check_target_folder

_LEGACY = (".h5", ".hdf5")


def _path(filepath) -> str:
    if not isinstance(filepath, (str, os.PathLike)):
        raise TypeError(f"filepath must be a str or os.PathLike, got {type(filepath).__name__}")
    return os.fspath(filepath)


def _check_model(model, what: str) -> None:
    from kfront.models.model import Model
    if not isinstance(model, Model):
        raise TypeError(f"{what} expects a kfront Model, got {type(model).__name__}")


def save_model(model, filepath, overwrite: bool = True, zipped: bool | None = None,
               **kwargs) -> None:
    """Save a whole model (config, weights, optimizer state): ``.keras`` (Keras 3's zip;
    ``zipped=False`` writes a folder of the same files) or legacy ``.h5`` / ``.hdf5``
    (``include_optimizer=True``).

    Example:
        >>> import os, tempfile, kfront
        >>> from kfront import layers
        >>> m = kfront.Sequential([layers.Input((3,)), layers.Dense(2)])
        >>> path = os.path.join(tempfile.mkdtemp(), "model.keras")
        >>> kfront.saving.save_model(m, path)
        >>> kfront.saving.load_model(path).output_shape
        (None, 2)
    """
    _check_model(model, "save_model")
    include_optimizer = kwargs.pop("include_optimizer", True)
    save_format = kwargs.pop("save_format", None)
    filepath = _path(filepath)
    if save_format and not filepath.endswith((".keras",) + _LEGACY):
        raise ValueError("The `save_format` argument is deprecated in Keras 3. Please remove "
                         "this argument and pass a file path with either `.keras` or `.h5` "
                         f"extension. Received: save_format={save_format}")
    if kwargs:
        raise ValueError(f"The following argument(s) are not supported: {list(kwargs)}")
    if zipped is None:
        zipped = True
    if filepath.endswith(".keras") and not zipped:
        raise ValueError("When using `zipped=False`, the `filepath` argument should not end in "
                         f"`.keras`. Received: filepath={filepath}")
    if not zipped and filepath.endswith(_LEGACY):
        raise ValueError(f"zipped=False writes a folder in the .keras layout; {filepath!r} names "
                         f"a legacy HDF5 file")
    if zipped and not filepath.endswith((".keras",) + _LEGACY):
        raise ValueError("Invalid filepath extension for saving. Please add either a `.keras` "
                         "extension for the native Keras format (recommended) or a `.h5` "
                         f"extension. Received: filepath={filepath}.")
    check_target_folder(filepath)
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"Cannot save to {filepath!r}: the file exists and "
                              f"overwrite=False")
    if not model.built:
        warnings.warn(f'Saving model "{model.name}", which is not built yet: it has no weights '
                      "to save; call it on data or build() it first", stacklevel=2)
    if filepath.endswith(_LEGACY):
        legacy_h5.save_model_to_hdf5(model, filepath, include_optimizer=include_optimizer)
    else:
        keras_archive.save_model(model, filepath, zipped=zipped)


def load_model(filepath, custom_objects: dict | None = None, compile: bool = True,
               safe_mode: bool = True):
    """Load a model saved by kfront or Keras 3 (``.keras`` zip or folder) or a legacy
    ``.h5`` / ``.hdf5`` model (Keras 3, tf.keras 2). ``safe_mode`` (default) refuses code
    in the file (Lambda bytecode, unregistered classes, arbitrary callables) in every format.

    Example:
        >>> import os, tempfile, kfront
        >>> from kfront import layers
        >>> m = kfront.Sequential([layers.Input((3,)), layers.Dense(2)])
        >>> path = os.path.join(tempfile.mkdtemp(), "model.h5")
        >>> m.save(path)
        >>> kfront.models.load_model(path).count_params()
        8
    """
    filepath = _path(filepath)
    if os.path.isdir(filepath) and os.path.isfile(os.path.join(filepath, keras_archive.CONFIG)):
        return keras_archive.load_model(filepath, custom_objects, compile, safe_mode)
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No such file: {filepath!r}")
    if filepath.endswith(".keras") and not os.path.isdir(filepath):
        return keras_archive.load_model(filepath, custom_objects, compile, safe_mode)
    if filepath.endswith(_LEGACY):
        return legacy_h5.load_model_from_hdf5(filepath, custom_objects, compile, safe_mode)
    raise ValueError(
        f"File format not supported: filepath={filepath}. kfront loads `.keras` files (and "
        f"unzipped .keras folders holding {keras_archive.CONFIG}) and legacy `.h5` / `.hdf5` "
        "files. As in Keras 3, the legacy SavedModel format is not supported by load_model(): "
        "to reload a TensorFlow SavedModel as an inference-only layer, use "
        f"`kfront.layers.TFSMLayer({filepath!r}, call_endpoint='serving_default')` (your "
        "`call_endpoint` might have a different name).")


def save_weights(model, filepath, overwrite: bool = True, max_shard_size=None,
                 **kwargs) -> None:
    """Save the weights (and optimizer state) in Keras 3's ``.weights.h5`` layout, or in
    tf.keras 2's legacy layout for any other ``.h5`` / ``.hdf5`` name.

    Example:
        >>> import os, tempfile, kfront
        >>> from kfront import layers
        >>> m = kfront.Sequential([layers.Input((3,)), layers.Dense(2)])
        >>> path = os.path.join(tempfile.mkdtemp(), "model.weights.h5")
        >>> m.save_weights(path)
        >>> m.load_weights(path)
    """
    _check_model(model, "save_weights")
    filepath = _path(filepath)
    if kwargs:
        raise ValueError(f"Invalid keyword arguments: {kwargs}")
    if max_shard_size is not None:
        if not filepath.endswith(("weights.h5", "weights.json")):
            raise ValueError("The filename must end in `.weights.json` when `max_shard_size` "
                             f"is specified. Received: filepath={filepath}")
        if filepath.endswith(".h5"):
            warnings.warn(f"Saving sharded weights requires `*.json` as the extension. The "
                          f"original path: {filepath} will be renamed to "
                          f"{filepath[:-3]}.json.", stacklevel=2)
            filepath = filepath[:-3] + ".json"
    elif not filepath.endswith(_LEGACY):
        raise ValueError("The filename must end in `.weights.h5` (or `.h5` for tf.keras 2's "
                         f"legacy layout). Received: filepath={filepath}")
    check_target_folder(filepath)
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"Cannot save to {filepath!r}: the file exists and "
                              f"overwrite=False")
    if not model.built:
        raise ValueError(f'Model "{model.name}" is not built yet: it has no weights to save; '
                         "call it on data or build() it first")
    if max_shard_size is not None:
        sharded_weights.save(model, filepath, max_shard_size)
    elif filepath.endswith(".weights.h5"):
        from kfront.saving import h5_weights
        with atomic_write(filepath) as tmp:
            with h5_weights.create_file(tmp) as f:
                h5_weights.save_weights_to_group(model, f)
    else:
        legacy_h5.save_weights(model, filepath)


def load_weights(model, filepath, skip_mismatch: bool = False, **kwargs) -> None:
    """Load weights from ``.weights.h5``, ``.keras`` or a legacy ``.h5`` / ``.hdf5`` file
    (``by_name=True`` matches legacy layers by name). Nothing is assigned unless the whole
    file fits the model; ``skip_mismatch=True`` skips (with a warning) the layers that don't.

    Example:
        >>> import os, tempfile, kfront
        >>> from kfront import layers
        >>> a = kfront.Sequential([layers.Input((3,)), layers.Dense(2)])
        >>> path = os.path.join(tempfile.mkdtemp(), "a.keras")
        >>> a.save(path)
        >>> b = kfront.Sequential([layers.Input((3,)), layers.Dense(2)])
        >>> kfront.saving.load_weights(b, path)
        >>> bool((b.get_weights()[0] == a.get_weights()[0]).all())
        True
    """
    _check_model(model, "load_weights")
    filepath = _path(filepath)
    by_name = kwargs.pop("by_name", None)
    if kwargs:
        raise ValueError(f"Invalid keyword arguments: {kwargs}")
    if not model.built:
        raise ValueError(f'Model "{model.name}" is not built yet: build it (call it on data or '
                         "build()) before loading weights into it")
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No such file: {filepath!r}")
    legacy = filepath.endswith(_LEGACY) and not filepath.endswith(".weights.h5")
    if by_name is not None and not legacy:
        raise ValueError("`by_name` only supports loading legacy '.h5' or '.hdf5' files. "
                         f"Received: {filepath}")
    if filepath.endswith(".keras") or os.path.isdir(filepath):
        keras_archive.load_weights(model, filepath, skip_mismatch=skip_mismatch)
    elif filepath.endswith(sharded_weights.SUFFIX):
        sharded_weights.load(model, filepath, skip_mismatch=skip_mismatch)
    elif filepath.endswith(".weights.h5") or legacy:
        legacy_h5.load_weights(model, filepath, by_name=bool(by_name),
                               skip_mismatch=skip_mismatch)
    else:
        raise ValueError(f"File format not supported: filepath={filepath}. load_weights reads "
                         "`.weights.h5`, `.weights.json` (sharded), `.keras` and legacy `.h5` / "
                         "`.hdf5` files")
