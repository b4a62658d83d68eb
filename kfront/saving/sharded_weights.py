"""Sharded weights: Keras 3's ``.weights.json`` index and its ``<name>_00000.weights.h5`` shards.

``save_weights(filepath, max_shard_size=GB)`` splits the Keras 3 weights layout over shard
files of at most ``max_shard_size`` gigabytes each; the JSON index maps every ``vars`` group
(``"/layers/dense/vars"``) to the shard (or the list of shards) holding its datasets:
``{"metadata": {"total_size": bytes}, "weight_map": {...}}``. Loading opens the shards the
index names (plain file names in the index's folder, nothing else) and reads them through the
same checks as a single ``.weights.h5`` file.
"""
from __future__ import annotations

import contextlib
import json
import os

from kfront.saving import h5_weights
from kfront.saving.atomic import atomic_write

SUFFIX = ".weights.json"


def _base(filepath: str) -> str:
    name = os.path.basename(filepath)
    return name[:-len(SUFFIX)] if name.endswith(SUFFIX) else os.path.splitext(name)[0]


def save(model, filepath: str, max_shard_size: float) -> None:
    """Write ``model``'s weights as shards of at most ``max_shard_size`` GB and the index.

    Example:
        >>> import os, tempfile, kfront
        >>> from kfront import layers
        >>> m = kfront.Sequential([layers.Input((3,)), layers.Dense(2)])
        >>> path = os.path.join(tempfile.mkdtemp(), "m.weights.json")
        >>> m.save_weights(path, max_shard_size=2.5e-8)   # 26 bytes: kernel | bias
        >>> sorted(os.listdir(os.path.dirname(path)))
        ['m.weights.json', 'm_00000.weights.h5', 'm_00001.weights.h5']
        >>> m.load_weights(path)
    """
    limit = float(max_shard_size) * 1024 ** 3
    if not limit > 0:
        raise ValueError(f"save_weights: max_shard_size must be a positive number of GB; "
                         f"received {max_shard_size!r}")
    shards: list[list] = [[]]   # per shard: [(group path, name attr, dataset name, array)]
    size = total = 0
    for path, obj in h5_weights.collect_entries(model):
        group_path = "/" + h5_weights._join(path, "vars")
        for key, value in h5_weights.saved_values(obj):  # (a save_own_variables override's)
            if value.nbytes > limit:
                raise ValueError(f"save_weights: dataset {group_path}/{key} of "
                                 f"{type(obj).__name__} {obj.name!r} takes {value.nbytes} "
                                 f"bytes, more than max_shard_size={max_shard_size} GB "
                                 f"({int(limit)} bytes); raise it")
            if size + value.nbytes > limit and shards[-1]:
                shards.append([])
                size = 0
            size += value.nbytes
            total += value.nbytes
            shards[-1].append((group_path, str(obj.name), key, value))
    folder, base = os.path.dirname(os.path.abspath(filepath)), _base(filepath)
    weight_map: dict = {}
    for n, items in enumerate(shards):
        name = f"{base}_{n:05}.weights.h5"
        with atomic_write(os.path.join(folder, name)) as tmp, h5_weights.create_file(tmp) as f:
            for group_path, obj_name, key, value in items:
                group = f.require_group(group_path)
                group.attrs["name"] = obj_name
                group.create_dataset(key, data=value)
                names = weight_map.setdefault(group_path, [])
                if name not in names:
                    names.append(name)
    index = {"metadata": {"total_size": total},
             "weight_map": {k: v[0] if len(v) == 1 else v for k, v in weight_map.items()}}
    with atomic_write(filepath) as tmp, open(tmp, "w") as f:
        json.dump(index, f, indent=4)


class _Group:
    """One ``vars`` group whose datasets are spread over shards (read-only, h5py-like)."""

    file = None   # each dataset's own shard is checked by __getitem__

    def __init__(self, parts: list):
        self._parts = parts   # [(h5py file, h5py group)]

    def keys(self) -> list:
        return [key for _, group in self._parts for key in group.keys()]

    def __getitem__(self, key: str):
        for f, group in self._parts:
            if key in group:
                ds = group[key]
                if getattr(ds, "file", f) != f:
                    raise ValueError(f"shard {f.filename!r}: dataset {group.name}/{key} is a "
                                     f"link into another file; refusing it")
                return ds
        raise KeyError(key)


class _Index:
    """The shards of an index seen as one weights file by ``h5_weights``' loader."""

    file = None   # the datasets' own shard files are checked by _Group

    def __init__(self, weight_map: dict, files: dict):
        self._map, self._files = weight_map, files

    def __contains__(self, path: str) -> bool:
        return "/" + path.strip("/") in self._map

    def __getitem__(self, path: str) -> _Group:
        names = self._map["/" + path.strip("/")]
        names = [names] if isinstance(names, str) else names
        parts = []
        for name in names:
            f = self._files[name]
            parts.append((f, f[path] if path in f else {}))
        return _Group(parts)


def _read_index(filepath: str) -> dict:
    where = f"file {filepath!r}"
    try:
        with open(filepath, encoding="utf-8") as f:
            index = json.load(f)
        weight_map = index["weight_map"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ValueError(f"{where}: not a sharded-weights index (JSON with a 'weight_map'): "
                         f"{type(e).__name__}: {e}") from None
    if not isinstance(weight_map, dict):
        raise ValueError(f"{where}: 'weight_map' must map group paths to shard file names")
    for group, names in weight_map.items():
        for name in [names] if isinstance(names, str) else names:
            if not isinstance(name, str) or os.path.basename(name) != name or \
                    name in ("", ".", "..") or not name.endswith(".h5"):
                raise ValueError(f"{where}: weight_map[{group!r}] names {name!r}; a shard must be "
                                 f"a plain '.h5' file name in the index's folder")
    return weight_map


def load(model, filepath: str, skip_mismatch: bool = False) -> list:
    """Load the weights of a ``.weights.json`` index and its shards into ``model``; nothing is
    assigned unless every shard fits (see ``h5_weights.load_weights_from_group``)."""
    import h5py
    weight_map = _read_index(filepath)
    folder = os.path.dirname(os.path.abspath(filepath))
    names = sorted({n for v in weight_map.values() for n in ([v] if isinstance(v, str) else v)})
    with contextlib.ExitStack() as stack:
        files = {}
        for name in names:
            path = os.path.join(folder, name)
            if not os.path.isfile(path):
                raise FileNotFoundError(f"file {filepath!r}: its shard {name!r} is missing "
                                        f"from {folder!r}")
            try:
                files[name] = stack.enter_context(h5py.File(path, "r"))
            except Exception as e:
                raise ValueError(f"file {filepath!r}: shard {name!r} is not a readable HDF5 "
                                 f"file: {e}") from None
        return h5_weights.load_weights_from_group(model, _Index(weight_map, files), filepath,
                                                  skip_mismatch=skip_mismatch)

