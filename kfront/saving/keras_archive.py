"""Keras 3's ``.keras`` format: a zip of ``metadata.json``, ``config.json`` and
``model.weights.h5`` (stored, not compressed), or the same three files in a folder
(``zipped=False``).

Reading is defensive: only those member names are read, never extracted; a member whose name
would leave the archive (absolute, ``..``), an encrypted or duplicated member, or a declared
size over the limits (zip bombs) is refused before anything is read; the weights are read in
place from the archive when stored (no copy), else streamed to a temporary file with a size
limit. Loading order is Keras's: the model from ``config.json`` (built and compiled), then the
weights and the optimizer's state, then the ``assets/`` that a ``save_assets`` hook (a user
class's, or a lookup layer's vocabulary) wrote, given to its ``load_assets`` (extracted to a temporary folder, with the same
checks).
"""
from __future__ import annotations

import datetime
import io
import json
import os
import shutil
import struct
import tempfile
import time
import zipfile
import zlib

import numpy as np

from kfront.backends.common.variables import deferred_initialization
from kfront.saving import h5_weights
from kfront.saving.atomic import atomic_write

CONFIG = "config.json"
METADATA = "metadata.json"
WEIGHTS = "model.weights.h5"
ASSETS = "assets"
#: the version of Keras's format that kfront writes (its metadata's ``keras_version``)
KERAS_VERSION = "3.15.1"
#: largest config.json / metadata.json read (bytes)
MAX_JSON_BYTES = 256 * 2**20
#: largest model.weights.h5 read (bytes); a larger declared size is refused as a zip bomb
MAX_WEIGHTS_BYTES = 2**40
#: a compressed member may expand at most this much (DEFLATE's ceiling is ~1032x)
MAX_EXPANSION = 1100


def _metadata() -> dict:
    from kfront import __version__
    return {"keras_version": KERAS_VERSION,
            "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
            "kfront_version": __version__}


def _config_json(model) -> str:
    from kfront.saving.serialization_lib import ObjectSharingScope, serialize_keras_object
    with ObjectSharingScope():
        return json.dumps(serialize_keras_object(model))


def _write_weights(model, path: str) -> None:
    with h5_weights.create_file(path) as f:
        h5_weights.save_weights_to_group(model, f)


def save_model(model, filepath, zipped: bool = True) -> None:
    """Save ``model`` as Keras 3's ``.keras`` zip (or, ``zipped=False``, as a folder of the
    same three files), atomically.

    Example:
        >>> import os, tempfile, kfront
        >>> from kfront import layers
        >>> from kfront.saving import keras_archive
        >>> m = kfront.Sequential([layers.Input((3,)), layers.Dense(2)])
        >>> path = os.path.join(tempfile.mkdtemp(), "m.keras")
        >>> keras_archive.save_model(m, path)
        >>> sorted(__import__("zipfile").ZipFile(path).namelist())
        ['config.json', 'metadata.json', 'model.weights.h5']
    """
    filepath = os.fspath(filepath)
    config = _config_json(model)  # before touching the disk: a config error leaves no file
    metadata = json.dumps(_metadata())
    if not zipped:
        with atomic_write(filepath, directory=True) as tmp:
            with open(os.path.join(tmp, METADATA), "w") as f:
                f.write(metadata)
            with open(os.path.join(tmp, CONFIG), "w") as f:
                f.write(config)
            _write_weights(model, os.path.join(tmp, WEIGHTS))
            _save_assets(model, os.path.join(tmp, ASSETS))
        return
    with atomic_write(filepath) as tmp:
        with open(tmp, "w+b") as raw, zipfile.ZipFile(raw, "w") as zf:
            zf.writestr(METADATA, metadata)
            zf.writestr(CONFIG, config)
            _write_weights_member(model, zf, raw)
            with tempfile.TemporaryDirectory() as folder:
                for path, name in _save_assets(model, folder):
                    zf.write(path, f"{ASSETS}/{name}")


def _hooked(model, hook: str) -> list:
    """``[(path, object)]`` of the model's objects whose class overrides ``hook``."""
    return [(path, obj) for path, obj in h5_weights.collect_entries(model)
            if h5_weights.overrides_hook(obj, hook)]


def _save_assets(model, root: str) -> list:
    """Call each ``save_assets(folder)`` hook with its folder ``root/<path>`` (Keras's
    ``assets/<path>``); return ``[(file, name under root)]`` of the files they wrote."""
    hooked = _hooked(model, "save_assets")
    for path, obj in hooked:
        folder = os.path.join(root, *path.split("/")) if path else root
        os.makedirs(folder, exist_ok=True)
        obj.save_assets(folder)
    return [(os.path.join(folder, name),
             os.path.relpath(os.path.join(folder, name), root).replace(os.sep, "/"))
            for folder, _, names in sorted(os.walk(root)) if hooked for name in sorted(names)]


def _load_assets(model, filepath) -> None:
    """Call each ``load_assets(folder)`` hook with its folder of the file's ``assets``
    (``None`` when the file has none for it), after extracting them from a zip with the
    archive's safety checks."""
    hooked = _hooked(model, "load_assets")
    if not hooked:
        return
    filepath = os.fspath(filepath)
    if os.path.isdir(filepath):
        _call_load_assets(hooked, os.path.join(filepath, ASSETS))
        return
    with tempfile.TemporaryDirectory() as root, open(filepath, "rb") as raw:
        with _open_zip(raw, filepath) as zf:
            total = 0
            for name, info in _check_members(zf, filepath).items():
                if not name.startswith(f"{ASSETS}/") or info.is_dir():
                    continue
                total += info.file_size
                if total > MAX_WEIGHTS_BYTES or \
                        info.file_size > MAX_EXPANSION * max(info.compress_size, 1) + 2**20:
                    raise _bad(filepath, f"the assets would expand to over {total} bytes: "
                                         f"refusing a zip bomb")
                target = os.path.join(root, *name.split("/"))
                os.makedirs(os.path.dirname(target), exist_ok=True)
                try:
                    with zf.open(info) as src, open(target, "wb") as dst:
                        shutil.copyfileobj(src, dst)
                except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
                    raise _bad(filepath, f"cannot read {name!r} (damaged archive): {e}") \
                        from None
        _call_load_assets(hooked, os.path.join(root, ASSETS))


def _call_load_assets(hooked: list, root: str) -> None:
    for path, obj in hooked:
        folder = os.path.join(root, *path.split("/")) if path else root
        obj.load_assets(folder if os.path.isdir(folder) else None)


def _write_weights_member(model, zf: zipfile.ZipFile, raw) -> None:
    """Write ``model.weights.h5`` as a stored member with h5py writing straight into the
    archive (no temporary copy), then fill in its header's CRC-32 and sizes."""
    info = zipfile.ZipInfo(WEIGHTS, date_time=time.localtime(time.time())[:6])
    info.compress_type = zipfile.ZIP_STORED
    info.external_attr = 0o600 << 16
    info.CRC = info.file_size = info.compress_size = 0  # filled in once written
    nbytes = sum(int(np.prod(v.shape)) * np.dtype(v.dtype).itemsize
                 for _, obj in h5_weights.collect_entries(model)
                 for v in h5_weights.own_variables(obj))
    zip64 = nbytes > zipfile.ZIP64_LIMIT // 2
    info.header_offset = raw.tell()
    header = info.FileHeader(zip64)
    raw.write(header)
    window = _MemberFile(raw, raw.tell(), 0, writable=True)
    with h5_weights.create_file(window) as f:
        h5_weights.save_weights_to_group(model, f)
    size = window.size
    crc, raw_pos = 0, window.start
    raw.seek(raw_pos)
    while raw_pos < window.start + size:
        chunk = raw.read(min(2**24, window.start + size - raw_pos))
        if not chunk:
            raise OSError(f"{WEIGHTS}: short read while checksumming the archive")
        crc = zlib.crc32(chunk, crc)
        raw_pos += len(chunk)
    info.CRC, info.file_size, info.compress_size = crc, size, size
    raw.seek(info.header_offset)
    raw.write(info.FileHeader(zip64))  # same length: zip64 was decided before
    raw.seek(window.start + size)
    raw.truncate()
    zf.filelist.append(info)
    zf.NameToInfo[WEIGHTS] = info
    zf.start_dir = raw.tell()
    zf._didModify = True


# ------------------------------------------------------------------------------------ reading
class _MemberFile(io.RawIOBase):
    """A seekable window on ``raw`` from byte ``start``: a stored zip member read in place
    (``size`` bytes), or written in place (``writable=True``, growing as h5py writes)."""

    def __init__(self, raw, start: int, size: int, writable: bool = False):
        super().__init__()
        self._raw, self.start, self.size, self._pos = raw, start, size, 0
        self._writable = writable

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return self._writable

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._pos, 2: self.size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer) -> int:
        n = max(0, min(len(buffer), self.size - self._pos))
        if n == 0:
            return 0
        self._raw.seek(self.start + self._pos)
        got = self._raw.readinto(memoryview(buffer)[:n])
        self._pos += got
        return got

    def write(self, data) -> int:
        if not self._writable:
            raise io.UnsupportedOperation("write")
        self._raw.seek(self.start + self._pos)
        n = self._raw.write(data)
        self._pos += n
        self.size = max(self.size, self._pos)
        return n

    def truncate(self, size: int | None = None) -> int:
        if not self._writable:
            raise io.UnsupportedOperation("truncate")
        self.size = self._pos if size is None else size
        self._raw.truncate(self.start + self.size)
        return self.size

    def flush(self) -> None:
        if self._writable:
            self._raw.flush()


def _bad(filepath, what: str) -> ValueError:
    return ValueError(f"Cannot load {str(filepath)!r}: {what}")


def _check_members(zf: zipfile.ZipFile, filepath) -> dict:
    """Member name -> ZipInfo for the names kfront reads, after refusing unsafe archives."""
    members: dict = {}
    for info in zf.infolist():
        name = info.filename
        parts = name.replace("\\", "/").split("/")
        if name.startswith(("/", "\\")) or ".." in parts or (len(name) > 1 and name[1] == ":"):
            raise _bad(filepath, f"the archive member {name!r} points outside the archive "
                                 f"(zip-slip); refusing the file")
        if name in members:
            raise _bad(filepath, f"the archive holds {name!r} twice")
        if info.flag_bits & 0x1:
            raise _bad(filepath, f"the archive member {name!r} is encrypted")
        members[name] = info
    for name in (CONFIG, WEIGHTS):
        if name not in members:
            raise _bad(filepath, f"not a Keras 3 archive: no {name!r} member "
                                 f"(members: {sorted(members)[:10]})")
    for name, limit in ((CONFIG, MAX_JSON_BYTES), (METADATA, MAX_JSON_BYTES),
                        (WEIGHTS, MAX_WEIGHTS_BYTES)):
        info = members.get(name)
        if info is None:
            continue
        if info.file_size > limit:
            raise _bad(filepath, f"{name!r} declares {info.file_size} bytes, over the limit of "
                                 f"{limit} bytes")
        if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
            raise _bad(filepath, f"{name!r} is stored uncompressed but declares "
                                 f"{info.file_size} bytes for {info.compress_size} stored")
        if info.file_size > MAX_EXPANSION * max(info.compress_size, 1) + 2**20:
            raise _bad(filepath, f"{name!r} would expand from {info.compress_size} to "
                                 f"{info.file_size} bytes: refusing a zip bomb")
    return members


def _read_json(zf: zipfile.ZipFile, info, filepath) -> dict:
    try:
        with zf.open(info) as f:
            raw = f.read(info.file_size + 1)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as e:
        raise _bad(filepath, f"cannot read {info.filename!r}: {e}") from None
    return _parse_json(raw, info.filename, filepath)


def _parse_json(raw: bytes, name: str, filepath) -> dict:
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        raise _bad(filepath, f"{name!r} is not valid JSON: {e}") from None
    if not isinstance(value, dict):
        raise _bad(filepath, f"{name!r} must hold a JSON object, found {type(value).__name__}")
    return value


def _data_offset(raw, info, filepath) -> int:
    """Where a member's bytes start in the archive (after its local header)."""
    raw.seek(info.header_offset)
    header = raw.read(zipfile.sizeFileHeader)
    if len(header) != zipfile.sizeFileHeader:
        raise _bad(filepath, f"truncated local header of {info.filename!r}")
    fields = struct.unpack(zipfile.structFileHeader, header)
    if fields[0] != zipfile.stringFileHeader:
        raise _bad(filepath, f"bad local header of {info.filename!r}")
    return (info.header_offset + zipfile.sizeFileHeader + fields[zipfile._FH_FILENAME_LENGTH]
            + fields[zipfile._FH_EXTRA_FIELD_LENGTH])


def _model_from_config(config: dict, custom_objects, compile: bool, safe_mode, filepath):
    from kfront.saving.serialization_lib import deserialize_keras_object
    if not compile:
        config = {k: v for k, v in config.items() if k != "compile_config"}
    if "class_name" not in config or "config" not in config:
        raise _bad(filepath, "config.json is not a Keras model config (no 'class_name' / "
                             "'config')")
    try:
        model = deserialize_keras_object(config, custom_objects=custom_objects,
                                         safe_mode=safe_mode)
    except ValueError as e:
        raise ValueError(f"Cannot load {str(filepath)!r}: {e}") from None
    except Exception as e:  # a damaged config can break any from_config
        raise _bad(filepath, f"invalid model config in config.json: {type(e).__name__}: {e}") \
            from None
    from kfront.models.model import Model
    from kfront.utils.feature_space import FeatureSpace
    if not isinstance(model, (Model, FeatureSpace)):  # Keras saves a FeatureSpace like a model
        raise _bad(filepath, f"config.json describes a {type(model).__name__}, not a model")
    return model


def _load_weights_h5(model, source, filepath, skip_mismatch: bool, filesize: int | None):
    import h5py
    try:
        f = h5py.File(source, "r")
    except Exception as e:
        raise _bad(filepath, f"{WEIGHTS} is not a readable HDF5 file: {e}") from None
    with f:
        return h5_weights.load_weights_from_group(model, f, filepath, skip_mismatch=skip_mismatch,
                                                  filesize=filesize)


def _with_weights(filepath, action) -> None:
    """Call ``action(source, size)`` with the archive's ``model.weights.h5`` (a file object
    or path) after the safety checks; ``filepath`` is a ``.keras`` zip or a folder."""
    filepath = os.fspath(filepath)
    if os.path.isdir(filepath):
        path = os.path.join(filepath, WEIGHTS)
        if not os.path.isfile(path):
            raise _bad(filepath, f"the folder has no {WEIGHTS!r}")
        action(path, os.path.getsize(path))
        return
    with open(filepath, "rb") as raw:
        zf = _open_zip(raw, filepath)
        with zf:
            info = _check_members(zf, filepath)[WEIGHTS]
            if info.compress_type == zipfile.ZIP_STORED:
                _check_crc(zf, info, filepath)  # one pass, through the page cache
                start = _data_offset(raw, info, filepath)
                if start + info.file_size > os.fstat(raw.fileno()).st_size:
                    raise _bad(filepath, f"{WEIGHTS!r} is truncated")
                action(_MemberFile(raw, start, info.file_size), info.file_size)
                return
            with tempfile.TemporaryDirectory() as folder:  # compressed: stream it out
                path = os.path.join(folder, WEIGHTS)
                with open(path, "wb") as dst:
                    _check_crc(zf, info, filepath, dst)
                action(path, os.path.getsize(path))


def _check_crc(zf: zipfile.ZipFile, info, filepath, copy_to=None) -> None:
    """Read a member through zipfile (local header and CRC-32 checked), copying it to
    ``copy_to`` if given; ``ValueError`` naming the file when it is damaged."""
    try:
        with zf.open(info) as src:
            while True:
                chunk = src.read(2**22)
                if not chunk:
                    break
                if copy_to is not None:
                    copy_to.write(chunk)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as e:
        raise _bad(filepath, f"cannot read {info.filename!r} (damaged archive): {e}") from None


def _open_zip(raw, filepath) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(raw)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
        raise _bad(filepath, f"not a .keras zip archive ({e})") from None


def _read_config(filepath) -> dict:
    filepath = os.fspath(filepath)
    if os.path.isdir(filepath):
        path = os.path.join(filepath, CONFIG)
        if not os.path.isfile(path):
            raise _bad(filepath, f"the folder has no {CONFIG!r}")
        if os.path.getsize(path) > MAX_JSON_BYTES:
            raise _bad(filepath, f"{CONFIG!r} is over {MAX_JSON_BYTES} bytes")
        with open(path, "rb") as f:
            return _parse_json(f.read(), CONFIG, filepath)
    with open(filepath, "rb") as raw:
        with _open_zip(raw, filepath) as zf:
            members = _check_members(zf, filepath)
            if METADATA in members:
                _read_json(zf, members[METADATA], filepath)  # damaged metadata: a damaged file
            return _read_json(zf, members[CONFIG], filepath)


def load_model(filepath, custom_objects=None, compile: bool = True, safe_mode=True):
    """Load a ``.keras`` file (or an unzipped ``.keras`` folder) written by kfront or Keras 3.

    Example:
        >>> import os, tempfile, numpy as np, kfront
        >>> from kfront import layers
        >>> from kfront.saving import keras_archive
        >>> m = kfront.Sequential([layers.Input((3,)), layers.Dense(2)])
        >>> path = os.path.join(tempfile.mkdtemp(), "m.keras")
        >>> keras_archive.save_model(m, path)
        >>> back = keras_archive.load_model(path)
        >>> np.array_equal(back.get_weights()[0], m.get_weights()[0])
        True
    """
    config = _read_config(filepath)
    with deferred_initialization() as finish:  # the file overwrites the initializers' draws
        model = _model_from_config(config, custom_objects, compile, safe_mode, filepath)
    finish(load_weights(model, filepath))
    _load_assets(model, filepath)
    return model


def load_weights(model, filepath, skip_mismatch: bool = False) -> list:
    """Load the weights (and optimizer state) of a ``.keras`` file into ``model``; return the
    variables assigned."""
    loaded: list = []
    _with_weights(filepath, lambda source, size: loaded.extend(_load_weights_h5(
        model, source, filepath, skip_mismatch, size)))
    return loaded
