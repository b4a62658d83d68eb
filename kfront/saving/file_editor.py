"""``KerasFileEditor``: inspect, edit and resave the weights of a ``.keras`` or ``.weights.h5``
file (Keras 3's layout) without building its model, e.g. to adapt an old file after changing
the architecture.

The weights are read into a nested dict that mirrors the file (``{"layers": {"dense": {"0":
kernel, "1": bias}}}``: each object's ``vars`` group becomes the object's own dict). Reading
goes through the loader's checks: links into other files, external or virtual storage and
truncated data are refused.
"""
from __future__ import annotations

import json
import os
import zipfile

import numpy as np

from kfront.saving import h5_weights
from kfront.saving.atomic import atomic_write


class KerasFileEditor:
    """Inspect, edit and resave a Keras 3 weights file (``.keras`` or ``.weights.h5``).

    Example:
        >>> import contextlib, io, os, tempfile, numpy as np, kfront
        >>> from kfront import layers
        >>> m = kfront.Sequential([layers.Input((3,)), layers.Dense(2)])
        >>> path = os.path.join(tempfile.mkdtemp(), "m.weights.h5")
        >>> m.save_weights(path)
        >>> with contextlib.redirect_stdout(io.StringIO()):  # it prints the file's name
        ...     editor = kfront.saving.KerasFileEditor(path)
        >>> editor.add_weights("dense", {"1": np.ones(2, "float32")})
        >>> editor.save(path)
        >>> m.load_weights(path)
        >>> m.layers[0].bias.numpy().tolist()
        [1.0, 1.0]
    """

    def __init__(self, filepath):
        self.filepath = os.fspath(filepath)
        self.config = self.metadata = None
        if self.filepath.endswith(".keras"):
            import io

            import h5py
            with zipfile.ZipFile(self.filepath) as zf:
                self.config = json.loads(zf.read("config.json"))
                self.metadata = json.loads(zf.read("metadata.json"))
                data = io.BytesIO(zf.read("model.weights.h5"))
            with h5py.File(data, "r") as f:
                self.weights_dict, self.object_metadata = self._read(f)
        elif self.filepath.endswith(".weights.h5"):
            import h5py
            with h5py.File(self.filepath, "r") as f:
                self.weights_dict, self.object_metadata = self._read(f)
        else:
            raise ValueError("Invalid filename: expected a `.keras` `.weights.h5` extension. "
                             f"Received: filepath={self.filepath}")
        print(f"Keras model file '{self.filepath}'")
        if self.metadata is not None:
            print(f"Saved with Keras {self.metadata.get('keras_version')} - date: "
                  f"{self.metadata.get('date_saved')}")

    def _read(self, group, path: str = "") -> tuple[dict, dict]:
        import h5py
        out, metadata = {}, {}
        if group.attrs:
            metadata[path] = dict(group.attrs)
        for key in group.keys():
            child = f"{path}/{key}" if path else key
            where = f"file {self.filepath!r}, {child}"
            link = group.get(key, getclass=True, getlink=True)
            if link in (h5py.ExternalLink, h5py.SoftLink):
                raise ValueError(f"{where}: Not allowed: H5 file with {link.__name__}")
            value = group[key]
            if isinstance(value, h5py.Group):
                inner = value["vars"] if "vars" in value else value
                if len(inner):
                    out[key], more = self._read(inner, child)
                    metadata.update(more)
            elif isinstance(value, h5py.Dataset):
                h5_weights.check_storage(value, where)
                plist = value.id.get_create_plist()
                if plist.get_layout() == h5py.h5d.VIRTUAL or plist.get_external_count() > 0:
                    raise ValueError(f"{where}: the dataset's data lives outside the file; "
                                     f"refusing it")
                out[key] = h5_weights.read_dataset(value, where)
        return out, metadata

    # ----------------------------------------------------------------------------- inspect
    def summary(self) -> None:
        """Print the objects and weight shapes the file holds."""
        def show(d, indent):
            for key, value in d.items():
                if isinstance(value, dict):
                    print(" " * indent + f"{key}/")
                    show(value, indent + 2)
                else:
                    print(" " * indent + f"{key}: shape={value.shape}, dtype={value.dtype}")
        show(self.weights_dict, 0)

    def compare(self, reference_model) -> dict:
        """List the mismatches between the file and ``reference_model``'s weights; return
        ``{"status": "success" | "error", "error_count": int, "match_count": int}``."""
        spec: dict = {}
        for path, obj in h5_weights.collect_entries(reference_model):
            node = spec
            for part in [p for p in path.split("/") if p]:
                node = node.setdefault(part, {})
            for i, variable in enumerate(h5_weights.own_variables(obj)):
                node[str(i)] = tuple(variable.shape)
        errors, matches = [], 0

        def walk(ours, theirs, path):
            nonlocal matches
            for key in sorted(set(ours) | set(theirs)):
                where = f"{path}/{key}"
                if key not in theirs:
                    errors.append(f"{where} present in the saved file, missing from the "
                                  f"reference model")
                elif key not in ours:
                    errors.append(f"{where} present in the reference model, missing from the "
                                  f"saved file")
                elif isinstance(ours[key], dict) != isinstance(theirs[key], dict):
                    errors.append(f"{where}: an object in one, a weight in the other")
                elif isinstance(ours[key], dict):
                    walk(ours[key], theirs[key], where)
                elif tuple(ours[key].shape) != theirs[key]:
                    errors.append(f"Weight shape mismatch for {where}: reference model "
                                  f"{theirs[key]}, saved file {tuple(ours[key].shape)}")
                else:
                    matches += 1
        walk(self.weights_dict, {k: v for k, v in spec.items() if v}, "")
        for line in errors:
            print(f"...{line}")
        print(f"Found {len(errors)} error(s): saved file is not compatible with the reference "
              f"model" if errors else f"Comparison successful: {matches} matching weight(s)")
        return {"status": "error" if errors else "success", "error_count": len(errors),
                "match_count": matches}

    # -------------------------------------------------------------------------------- edit
    def _find(self, object_name: str) -> tuple[dict, str]:
        """The dict holding ``object_name`` (a path, or a name that occurs once) and its key."""
        if "/" in object_name:
            *parents, leaf = object_name.split("/")
            node = self.weights_dict
            for part in parents:
                if not isinstance(node.get(part), dict):
                    raise ValueError(f"Path '{object_name}' not found in model.")
                node = node[part]
            if leaf not in node:
                raise ValueError(f"Path '{object_name}' not found in model.")
            return node, leaf
        found = []

        def walk(d):
            for key, value in d.items():
                if key == object_name:
                    found.append(d)
                if isinstance(value, dict):
                    walk(value)
        walk(self.weights_dict)
        if len(found) > 1:
            raise ValueError(f"Name '{object_name}' occurs more than once in the model; try "
                             f"passing a complete path")
        if not found:
            raise ValueError(f"Source name '{object_name}' does not appear in the model. Use "
                             f"`editor.summary()` to list all objects.")
        return found[0], object_name

    def rename_object(self, object_name: str, new_name: str) -> None:
        """Rename an object (``"dense_2"`` or ``"layers/dense_2"``) to ``new_name``."""
        if "/" in new_name:
            raise ValueError(f"Argument `target_name` should be a leaf name, not a full path "
                             f"name. Received: target_name='{new_name}'")
        node, key = self._find(object_name)
        node[new_name] = node.pop(key)

    def delete_object(self, object_name: str) -> None:
        """Remove an object (e.g. a layer) and its weights."""
        node, key = self._find(object_name)
        del node[key]

    def add_object(self, object_path: str, weights: dict) -> None:
        """Add an object at ``object_path`` with ``weights`` (``{"0": array, ...}``)."""
        _check_weights(weights)
        *parents, leaf = object_path.split("/")
        node = self.weights_dict
        for part in parents:
            if not isinstance(node.get(part), dict):
                raise ValueError(f"Path '{'/'.join(parents)}' not found in model.")
            node = node[part]
        node[leaf] = {k: np.asarray(v) for k, v in weights.items()}

    def delete_weight(self, object_name: str, weight_name: str) -> None:
        """Remove the weight ``weight_name`` (e.g. ``"0"``) of an object."""
        node, key = self._find(object_name)
        if weight_name not in node[key]:
            raise ValueError(f"Weight {weight_name} not found in object {object_name}. Weights "
                             f"found: {list(node[key].keys())}")
        del node[key][weight_name]

    def add_weights(self, object_name: str, weights: dict) -> None:
        """Add (or replace) weights of an existing object."""
        _check_weights(weights)
        node, key = self._find(object_name)
        node[key].update({k: np.asarray(v) for k, v in weights.items()})

    # -------------------------------------------------------------------------------- save
    def save(self, filepath) -> None:
        """Write the edited weights to a ``.weights.h5`` file (atomically)."""
        filepath = os.fspath(filepath)
        if not filepath.endswith(".weights.h5"):
            raise ValueError("Invalid `filepath` argument: expected a `.weights.h5` extension. "
                             f"Received: filepath={filepath}")

        def write(f, d, path):
            leaves = {k: v for k, v in d.items() if not isinstance(v, dict)}
            if leaves:
                group = f.require_group(f"{path}/vars" if path else "vars")
                name = self.object_metadata.get(path, {}).get("name")
                if name is not None:
                    group.attrs["name"] = name
                for key, value in leaves.items():
                    group.create_dataset(key, data=value)
            for key, value in d.items():
                if isinstance(value, dict) and value:
                    write(f, value, f"{path}/{key}" if path else key)
        with atomic_write(filepath) as tmp, h5_weights.create_file(tmp) as f:
            write(f, self.weights_dict, "")

    def resave_weights(self, filepath) -> None:
        """Same as ``save``."""
        self.save(filepath)


def _check_weights(weights) -> None:
    if not isinstance(weights, dict):
        raise ValueError("Argument `weights` should be a dict where keys are weight names "
                         "(usually '0', '1', etc.) and values are NumPy arrays. Received: "
                         f"type(weights)={type(weights)}")
