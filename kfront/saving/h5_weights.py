"""Keras 3's weights layout in HDF5 (``.weights.h5`` files and ``model.weights.h5`` in ``.keras``).

Every layer, model and optimizer gets a group ``<path>/vars`` (attribute ``name`` = its name)
holding its own variables as datasets ``0``, ``1``, ... (trainable ones first). Paths follow
Keras's walk over the objects: a Sequential or Functional model lists its ``layers`` first,
each named after its class in snake case (``layers/dense``, ``layers/dense_1``, and
``layers/input_layer`` in functional models); then every other attribute, in sorted order
with private ones last, that holds a layer, an optimizer or a list of them (``cell`` in an
RNN, ``forward_layer`` / ``backward_layer`` in Bidirectional, ``layer`` in TimeDistributed,
``optimizer``). An object reached twice is written once, at its first path.

Loading checks the whole file against the model (groups, dataset count, shape, dtype and
storage of each dataset) before it assigns anything, so a failed load leaves the model
unchanged (see ``assign_all``). A user's class that overrides ``save_own_variables`` /
``load_own_variables`` (kfront's lookup layers too) has them called with a dict / a
``VarsStore``, as Keras does; its loading hook runs after the checked assignment.
"""
from __future__ import annotations

import functools
import re
import warnings
from collections.abc import Mapping

import numpy as np

from kfront import ops

#: attributes of kfront's layers and models that are bookkeeping, never walked
_INTERNAL = frozenset({
    "_sublayers", "_all_layers", "_input_layer", "_nodes", "_inputs", "_outputs",
    "_inputs_struct", "_outputs_struct", "_output_shapes", "_compiled_fns",
    "_compiled_metrics", "_loss_tracker", "_loss_fns", "_metric_specs",
    "_weighted_metric_specs", "_compile_config", "_keras_history", "_functional",
    "input", "output", "inputs", "outputs", "input_shape", "output_shape", "metrics",
    "metrics_names", "operations", "_operations",
})


def to_snake_case(name: str) -> str:
    """Keras's snake case of a class name (``Conv2D`` -> ``conv2d``, ``RMSprop`` ->
    ``rm_sprop``), used to name the groups.

    Example:
        >>> from kfront.saving.h5_weights import to_snake_case
        >>> to_snake_case("BatchNormalization"), to_snake_case("MaxPooling2D")
        ('batch_normalization', 'max_pooling2d')
    """
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _is_saveable(obj) -> bool:
    from kfront.layers.layer import Layer
    from kfront.optimizers.base_optimizer import Optimizer
    return isinstance(obj, (Layer, Optimizer))


@functools.lru_cache(maxsize=None)
def _skipset() -> frozenset:
    """The attributes Keras would not walk: those every layer has (its ``dir()`` as a bare
    layer), plus kfront's bookkeeping."""
    from kfront.layers.layer import Layer
    return frozenset(dir(Layer(name="__kfront_reference_layer__"))) | _INTERNAL


def _children(obj):
    """(attribute, value) pairs in Keras's walk order."""
    from kfront.layers.layer import Layer
    from kfront.models.functional import Functional
    from kfront.models.sequential import Sequential
    if not isinstance(obj, Layer):
        return  # an optimizer has no sub-objects to save
    if isinstance(obj, (Sequential, Functional)):
        yield "layers", obj.layers
    skip = _skipset()
    names = sorted((n for n in dir(obj) if not n.startswith("__") and n not in skip),
                   key=lambda n: f"~{n}" if n.startswith("_") else n)
    for name in names:
        try:
            value = getattr(obj, name)
        except Exception:  # a property that cannot be computed now holds nothing to save
            continue
        if _is_saveable(value) or isinstance(value, (list, tuple, dict)):
            yield name, value


def own_variables(obj) -> list:
    """The variables an object saves in its own ``vars`` group, in Keras's order."""
    from kfront.layers.layer import Layer
    if hasattr(obj, "_variables_in_saving_order"):  # quantized layers: Keras's spec order
        return obj._variables_in_saving_order()
    if isinstance(obj, Layer):
        return list(obj._trainable_weights) + list(obj._non_trainable_weights)
    return list(obj.variables)


def _join(path: str, name: str) -> str:
    return f"{path}/{name}" if path else name


def collect_entries(model) -> list:
    """``[(path, object)]`` for every object with a ``vars`` group, in Keras's walk order
    (``""`` is the model itself).

    Example:
        >>> import kfront
        >>> from kfront import layers
        >>> from kfront.saving.h5_weights import collect_entries
        >>> m = kfront.Sequential([layers.Input((3,)), layers.Dense(2), layers.Dense(1)])
        >>> [path for path, _ in collect_entries(m)]
        ['', 'layers/dense', 'layers/dense_1']
    """
    out: list = []
    visited: set = set()

    def walk(obj, path):
        if id(obj) in visited:
            return
        visited.add(id(obj))
        out.append((path, obj))
        for attr, child in _children(obj):
            if _is_saveable(child):
                walk(child, _join(path, attr))
            else:
                walk_container(child, _join(path, attr), set())

    def walk_container(container, path, seen_containers):
        if id(container) in seen_containers:
            return
        seen_containers.add(id(container))
        used: dict = {}
        items = list(container.values()) if isinstance(container, dict) else container
        for item in items:
            if _is_saveable(item):
                walk(item, _join(path, _unique(to_snake_case(type(item).__name__), used)))
            elif isinstance(item, (list, tuple, dict)):
                walk_container(item, _join(path, _unique("container", used)), seen_containers)

    walk(model, "")
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and id(optimizer) not in visited:
        walk(optimizer, "optimizer")
    return out


def _unique(name: str, used: dict) -> str:
    if name in used:
        used[name] += 1
        return f"{name}_{used[name]}"
    used[name] = 0
    return name


# ----------------------------------------------------------------------------------- writing
def create_file(path):
    """A new HDF5 file for kfront's saves: HDF5 1.8's format (readable by every Keras and
    tf.keras), whose superblock and object headers carry checksums, so that corrupted
    metadata is detected on loading."""
    import h5py
    return h5py.File(path, "w", libver=("v108", "v108"))


def save_weights_to_group(model, h5group) -> None:
    """Write ``model``'s variables (and its optimizer's, if compiled) into ``h5group`` in
    Keras 3's layout; each dataset is written straight from the variable's value.

    Example:
        >>> import io, h5py, kfront
        >>> from kfront import layers
        >>> from kfront.saving.h5_weights import save_weights_to_group
        >>> m = kfront.Sequential([layers.Input((3,)), layers.Dense(2)])
        >>> with h5py.File(io.BytesIO(), "w") as f:
        ...     save_weights_to_group(m, f)
        ...     f["layers/dense/vars/0"].shape
        (3, 2)
    """
    for path, obj in collect_entries(model):
        group = h5group.create_group(_join(path, "vars"))
        group.attrs["name"] = str(obj.name)
        for key, value in saved_values(obj):
            group.create_dataset(key, data=value)


def overrides_hook(obj, hook: str) -> bool:
    """Whether ``obj``'s class has a ``hook`` (``save_own_variables``, ``load_own_variables``,
    ``save_assets``, ``load_assets``) of its own: a user's class, or a kfront layer whose
    state is not only variables (the lookup layers' vocabulary). Objects with the default
    ``Layer`` / ``Optimizer`` hooks save through the checked, all-or-nothing path of this
    module; an override is called as Keras calls it."""
    from kfront.layers.layer import Layer
    from kfront.optimizers.base_optimizer import Optimizer
    method = getattr(type(obj), hook, None)
    return method is not None and all(method is not vars(base).get(hook)
                                      for base in (Layer, Optimizer))


def saved_values(obj):
    """``(dataset name, numpy value)`` of what ``obj`` saves in its ``vars`` group, one at a
    time: its own variables as ``"0"``, ``"1"``, ..., or what its class's
    ``save_own_variables`` override puts in the store."""
    if overrides_hook(obj, "save_own_variables"):
        store: dict = {}
        obj.save_own_variables(store)
        for key, value in store.items():
            yield str(key), variable_value(value)
        return
    for i, variable in enumerate(own_variables(obj)):
        yield str(i), variable_value(variable)


def variable_value(variable) -> np.ndarray:
    """A variable's (or a tensor's) value as a numpy array."""
    value = getattr(variable, "value", variable)
    return np.asarray(ops.convert_to_numpy(value))


# ----------------------------------------------------------------------------------- reading
def _describe(filepath) -> str:
    return f"file {str(filepath)!r}"


def _vars_group(h5group, path: str, where: str):
    """The ``vars`` object at ``path`` (with tf.keras 2.13's ``_layer_checkpoint_dependencies``
    spelling as a fallback), or None when the file has none; ``ValueError`` when it is there
    but cannot be opened (damaged metadata)."""
    for candidate in (path, path.replace("layers", "_layer_checkpoint_dependencies", 1)):
        full = _join(candidate, "vars")
        try:
            if full not in h5group:
                continue
            return h5group[full]
        except Exception as e:
            raise ValueError(f"{where}: cannot open it: {e}") from None
    return None


def _dataset_keys(group, where: str) -> list:
    try:
        keys = list(group.keys())
    except Exception as e:  # a corrupted group index
        raise ValueError(f"{where}: cannot list the group: {e}") from None
    return keys


def check_dataset(ds, variable, where: str, root=None):
    """Validate one dataset against the variable it will fill (shape, dtype, storage in the
    file ``root`` itself: no link to another file, no external or virtual data) and return
    the numpy dtype to read it as; ``ValueError`` naming ``where`` otherwise."""
    check_in_file(ds, where, root)
    try:
        shape, dtype = tuple(ds.shape), ds.dtype
    except Exception as e:
        raise ValueError(f"{where}: unreadable dataset header: {e}") from None
    expected = tuple(variable.shape)
    if shape != expected:
        raise ValueError(f"{where}: shape mismatch for variable {variable.path!r}: expected "
                         f"{expected}, found {shape}")
    want = np.dtype(ops.standardize_dtype(variable.dtype))
    if dtype.kind not in "biuf" or (dtype.kind == "f") != (want.kind == "f") or (
            dtype.kind == "b") != (want.kind == "b"):
        raise ValueError(f"{where}: dtype mismatch for variable {variable.path!r}: expected "
                         f"{want.name}, found {dtype}")
    if want.kind == "f" and dtype != want:
        raise ValueError(f"{where}: dtype mismatch for variable {variable.path!r}: expected "
                         f"{want.name}, found {dtype.name}")
    return dtype


def check_in_file(ds, where: str, root=None) -> None:
    """Check that ``ds`` is a dataset whose data lies in the file ``root`` itself (no link to
    another file, no external or virtual data); ``ValueError`` naming ``where`` otherwise."""
    import h5py
    if not isinstance(ds, h5py.Dataset):
        raise ValueError(f"{where}: expected a dataset, found {type(ds).__name__}")
    try:
        elsewhere = root is not None and ds.file != root
        plist = ds.id.get_create_plist()
        outside = plist.get_layout() == h5py.h5d.VIRTUAL or plist.get_external_count() > 0
    except Exception as e:
        raise ValueError(f"{where}: unreadable dataset header: {e}") from None
    if elsewhere:
        raise ValueError(f"{where}: the dataset is a link into another file; refusing it")
    if outside:
        raise ValueError(f"{where}: the dataset's data lives outside the file (external or "
                         f"virtual storage); refusing it")


def check_storage(ds, where: str, filesize: int | None = None) -> bool:
    """Check that a dataset's data is in the file (``ValueError`` naming ``where`` if it
    lies past the end, as in a truncated file, or was never written); return whether it is
    stored contiguously (unchunked, unfiltered)."""
    try:
        offset = ds.id.get_offset()
        stored = ds.id.get_storage_size()
        if filesize is not None and offset is not None and offset + stored > filesize:
            raise ValueError("its data lies past the end of the file (a truncated file?)")
        if ds.shape and stored == 0 and ds.size:
            raise ValueError("it holds no data")
        return offset is not None
    except ValueError as e:
        raise ValueError(f"{where}: cannot read the data: {e}") from None
    except Exception as e:  # h5py raises OSError/RuntimeError/KeyError on corrupt files
        raise ValueError(f"{where}: cannot read the data: {type(e).__name__}: {e}") from None


def read_dataset(ds, where: str) -> np.ndarray:
    """The whole dataset as a numpy array; ``ValueError`` naming ``where`` when the data is
    corrupt (a damaged chunk)."""
    try:
        return ds[()] if ds.shape == () else ds[...]
    except Exception as e:  # h5py raises OSError/RuntimeError/KeyError on corrupt files
        raise ValueError(f"{where}: cannot read the data: {type(e).__name__}: {e}") from None


#: datasets this big or bigger, stored contiguously in their variable's dtype, are read one at
#: a time just before they are assigned (see ``assign_all``)
STREAM_BYTES = 1 << 20


def assign_all(plan: list, filesize: int | None = None) -> list:
    """Assign ``[(variable, dataset, where)]`` from validated datasets, all or nothing; return
    the variables assigned.

    Every dataset's storage is checked first, and every read that can fail (chunked,
    compressed or converted data) is done before the first assignment. Large contiguous
    datasets, whose bytes were just checked to be in the file, are then read one at a time,
    smallest first, right before their assignment, so that loading needs about the largest
    variable in extra memory rather than a second copy of the model."""
    early, late = [], []
    for variable, ds, where in plan:
        contiguous = check_storage(ds, where, filesize)
        same_dtype = ds.dtype == np.dtype(ops.standardize_dtype(variable.dtype))
        if contiguous and same_dtype and ds.size * ds.dtype.itemsize >= STREAM_BYTES:
            late.append((variable, ds, where))
        else:
            early.append((variable, _convert(read_dataset(ds, where), variable, where)))
    for variable, value in early:
        variable.assign(value)
    del early
    for variable, ds, where in sorted(late, key=lambda item: item[1].size):
        if not _read_in_place(variable, ds, where):
            variable.assign(read_dataset(ds, where))
    return [variable for variable, _, _ in plan]


def _read_in_place(variable, ds, where: str) -> bool:
    """Read straight into the variable's own storage where it is host memory (the native
    engine's arrays, torch's CPU tensors): no copy at all. False where that does not apply."""
    buffer = variable._host_buffer()
    if buffer is None or buffer.dtype != ds.dtype or buffer.shape != ds.shape:
        return False
    try:
        ds.read_direct(buffer)
    except Exception as e:
        raise ValueError(f"{where}: cannot read the data: {type(e).__name__}: {e}") from None
    return True


def _convert(value: np.ndarray, variable, where: str) -> np.ndarray:
    want = np.dtype(ops.standardize_dtype(variable.dtype))
    if value.dtype == want:
        return value
    if want.kind in "iu":  # the optimizer's iteration: int32 or int64 by backend
        info = np.iinfo(want)
        if value.size and (value.min() < info.min or value.max() > info.max):
            raise ValueError(f"{where}: value out of range for {want.name} variable "
                             f"{variable.path!r}")
    return value.astype(want)


def _plan(model, h5group, filepath, skip_mismatch: bool) -> tuple:
    """Validate the file against the model and list ``(variable, dataset, where)`` to read,
    and ``(object, store)`` for the objects whose class overrides ``load_own_variables``;
    raise ``ValueError`` on the first problem (or warn and skip it with ``skip_mismatch``)."""
    import h5py
    from kfront.optimizers.base_optimizer import Optimizer
    plan, hooked = [], []
    filename = _describe(filepath)
    entries = collect_entries(model)
    for path, obj in entries:
        what = f"{type(obj).__name__} {obj.name!r}"
        where = f"{filename}, group {(_join(path, 'vars'))!r} ({what})"
        try:
            group = _vars_group(h5group, path, where)
            if overrides_hook(obj, "load_own_variables"):
                hooked.append((obj, VarsStore(group, where)))
                continue
            if isinstance(obj, Optimizer):
                group = _optimizer_group(obj, model, group, where)
                if group is None:
                    continue
            variables = own_variables(obj)  # after the optimizer is built
            if not variables:
                continue
            if group is None:
                raise ValueError(f"{filename}: missing group {_join(path, 'vars')!r} with the "
                                 f"{len(variables)} variable(s) of {what}")
            if isinstance(group, (h5py.Dataset, h5py.Datatype)):  # (or a shards' view)
                raise ValueError(f"{where}: expected a group, found {type(group).__name__}")
            keys = _dataset_keys(group, where)
            if sorted(keys) != sorted(str(i) for i in range(len(variables))):
                raise ValueError(f"{where}: expected {len(variables)} variable(s) (datasets "
                                 f"0..{len(variables) - 1}), found {len(keys)}: "
                                 f"{sorted(keys, key=_numeric)}")
            items = []
            for i, variable in enumerate(variables):
                ds_where = f"{filename}, dataset {_join(path, 'vars')}/{i}"
                try:
                    ds = group[str(i)]
                except Exception as e:
                    raise ValueError(f"{ds_where}: cannot open it: {e}") from None
                check_dataset(ds, variable, ds_where, h5group.file)
                items.append((variable, ds, ds_where))
            plan.extend(items)
        except ValueError as e:
            if not skip_mismatch:
                raise
            warnings.warn(f"Skipping the variables of {what}: {e}", stacklevel=3)
    return plan, hooked


class VarsStore(Mapping):
    """A ``vars`` group as the read-only store a ``load_own_variables`` override receives
    (Keras's ``H5Entry``): dataset name -> numpy array, each checked and read when asked
    for. A missing group is an empty store."""

    def __init__(self, group, where: str):
        self._group, self._where = group, where
        self._keys = [] if group is None else _dataset_keys(group, where)

    def __getitem__(self, key):
        key = str(key)
        if key not in self._keys:
            raise KeyError(f"{self._where}: no dataset {key!r} (datasets: {self._keys})")
        where = f"{self._where}, dataset {key!r}"
        ds = self._group[key]
        check_in_file(ds, where, self._group.file)
        check_storage(ds, where)
        return read_dataset(ds, where)

    def __iter__(self):
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


def _numeric(key: str):
    return (0, int(key)) if key.isdigit() else (1, key)


def _optimizer_group(optimizer, model, group, where):
    """The optimizer's group to load, after building the optimizer for the model's trainable
    variables when it is not built yet; None (with Keras's warning) when the saved optimizer
    has another number of variables."""
    if group is None:
        return None
    keys = _dataset_keys(group, where)
    if not optimizer.built and len(keys) > len(optimizer.variables):
        optimizer.build(model.trainable_variables)
    if len(keys) != len(optimizer.variables):
        warnings.warn(f"Skipping variable loading for optimizer '{optimizer.name}', because it "
                      f"has {len(optimizer.variables)} variables whereas the saved optimizer "
                      f"has {len(keys)} variables ({where}).", stacklevel=4)
        return None
    return group


def load_weights_from_group(model, h5group, filepath, skip_mismatch: bool = False,
                            filesize: int | None = None) -> list:
    """Load Keras 3's layout from ``h5group`` into ``model`` (and its optimizer, built first
    if needed); return the variables assigned. Everything is checked and read before anything
    is assigned: on an error (``ValueError`` naming ``filepath`` and the group or dataset) the
    model is unchanged.

    Example:
        >>> import io, h5py, numpy as np, kfront
        >>> from kfront import layers
        >>> from kfront.saving.h5_weights import load_weights_from_group, save_weights_to_group
        >>> a = kfront.Sequential([layers.Input((3,)), layers.Dense(2)])
        >>> b = kfront.Sequential([layers.Input((3,)), layers.Dense(2)])
        >>> buf = io.BytesIO()
        >>> with h5py.File(buf, "w") as f:
        ...     save_weights_to_group(a, f)
        >>> with h5py.File(buf, "r") as f:
        ...     loaded = load_weights_from_group(b, f, "in-memory")
        >>> all(np.array_equal(x, y) for x, y in zip(a.get_weights(), b.get_weights()))
        True
    """
    plan, hooked = _plan(model, h5group, filepath, skip_mismatch)
    loaded = assign_all(plan, filesize)
    for obj, store in hooked:  # (a user's hook: it assigns what it reads itself)
        obj.load_own_variables(store)
    return loaded
