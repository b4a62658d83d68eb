"""Corrupted files: hundreds of damaged variants of valid ``.keras``, ``.weights.h5`` and
``.h5`` files (truncated, flipped bytes, renamed or missing groups and zip entries, wrong shapes
and dtypes, broken JSON, not HDF5 at all) each raise ``ValueError`` / ``OSError`` naming the
file, in under a second, and a failed ``load_weights`` leaves the model's weights unchanged.

Byte flips land where a format can notice them: anywhere in a zip member (CRC-32), and in the
HDF5 superblock and object headers (kfront writes HDF5 1.8's format, whose metadata carries
checksums). Raw weight bytes carry no checksum in any Keras format, so a flip there is not an
error: the file simply holds other numbers.
"""
from __future__ import annotations

import io
import json
import os
import struct
import time
import warnings
import zipfile

import h5py
import numpy as np
import pytest

import kfront
from kfront import layers

BASES = ("model.keras", "w.weights.h5", "model.h5", "w.h5")


def build():
    model = kfront.Sequential([layers.Input((4,)), layers.Dense(5, activation="relu"),
                               layers.BatchNormalization(), layers.Dense(2)])
    model.compile("adam", "mse")
    return model


# ------------------------------------------------------------------------------ variants
def _h5_edit(edit):
    """A variant made by editing an HDF5 copy with h5py."""
    def make(data: bytes) -> bytes:
        buf = io.BytesIO(data)
        with h5py.File(buf, "r+") as f:
            edit(f)
        return buf.getvalue()
    return make


def _replace(path, value):
    def edit(f):
        del f[path]
        f[path] = value
    return edit


def _rezip(change):
    """A variant made by rewriting the .keras archive: ``change(members) -> members``
    (a list of (name, bytes))."""
    def make(data: bytes) -> bytes:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            members = [(i.filename, zf.read(i)) for i in zf.infolist()]
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as zf, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Duplicate name": that variant wants one
            for name, payload in change(members):
                zf.writestr(name, payload)
        return out.getvalue()
    return make


def _in_archive(name, edit):
    """Edit one member of the archive (bytes -> bytes)."""
    return _rezip(lambda members: [(n, edit(p) if n == name else p) for n, p in members])


def _h5_metadata_ranges(data: bytes) -> list:
    """Byte ranges of the superblock and of every object header's first chunk (HDF5 1.8's
    format: both end with a checksum)."""
    ranges = [(0, 48)]
    with h5py.File(io.BytesIO(data), "r") as f:
        def visit(_, obj):
            addr = h5py.h5o.get_info(obj.id).addr
            assert data[addr:addr + 4] == b"OHDR"
            flags = data[addr + 5]
            at = addr + 6 + (16 if flags & 0x20 else 0) + (4 if flags & 0x10 else 0)
            width = 1 << (flags & 0x3)
            size = int.from_bytes(data[at:at + width], "little")
            ranges.append((addr, at + width + size + 4))
        visit(None, f)
        f.visititems(visit)
    return ranges


def _flip(position: int):
    def make(data: bytes) -> bytes:
        b = bytearray(data)
        b[position] ^= 0xFF
        return bytes(b)
    return make


def _zip_data_ranges(data: bytes) -> list:
    out = []
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            header = data[info.header_offset:info.header_offset + 30]
            fields = struct.unpack("<4s2B4HL2L2H", header)
            start = info.header_offset + 30 + fields[10] + fields[11]
            out.append((start, start + info.compress_size))
    return out


def _declared_size(size: int):
    """Patch the central directory's uncompressed size of model.weights.h5 (a zip bomb)."""
    def make(data: bytes) -> bytes:
        b = bytearray(data)
        at = b.rfind(b"PK\x01\x02", 0, b.rfind(b"model.weights.h5"))
        struct.pack_into("<L", b, at + 24, size)
        return bytes(b)
    return make


def _broken_json():
    return [b"", b"{", b"[1, 2]", b"null", b"\xff\xfegarbage", b'{"class_name": 3}',
            b'{"config": {}}', b'{"class_name": "NoSuchModel", "config": {}}',
            b'{"module": "os", "class_name": "system", "config": {}}',
            b"{" * 100000 + b"}" * 100000]


def _model_config_edits(data: bytes):
    config = json.loads(h5py.File(io.BytesIO(data), "r").attrs["model_config"])
    variants = {}
    for i, raw in enumerate(_broken_json()):
        variants[f"model_config_json_{i}"] = _h5_edit(
            lambda f, raw=raw: f.attrs.__setitem__("model_config", raw))
    wrong_units = json.loads(json.dumps(config))
    wrong_units["config"]["layers"][-1]["config"]["units"] = 7
    variants["model_config_other_units"] = _h5_edit(
        lambda f: f.attrs.__setitem__("model_config", json.dumps(wrong_units)))
    dropped = json.loads(json.dumps(config))
    dropped["config"]["layers"].pop(2)
    variants["model_config_layer_removed"] = _h5_edit(
        lambda f: f.attrs.__setitem__("model_config", json.dumps(dropped)))
    variants["model_config_deleted"] = _h5_edit(lambda f: f.attrs.__delitem__("model_config"))
    variants["model_config_number"] = _h5_edit(lambda f: f.attrs.__setitem__("model_config", 3))
    variants["training_config_broken"] = _h5_edit(
        lambda f: f.attrs.__setitem__("training_config", b"{oops"))
    return variants


def variants(name: str, data: bytes) -> dict:
    rng = np.random.default_rng(len(name))
    out = {}
    for frac in (0.0, 0.01, 0.05, 0.1, 0.2, 0.3, 0.45, 0.6, 0.75, 0.9, 0.99):
        out[f"truncated_{frac}"] = (lambda d, frac=frac: d[:int(len(d) * frac)])
    out["truncated_last_byte"] = lambda d: d[:-1]
    out["empty"] = lambda d: b""
    out["text"] = lambda d: b"this is not a model file\n" * 10
    out["random_bytes"] = lambda d: np.random.default_rng(0).bytes(4096)
    out["png"] = lambda d: b"\x89PNG\r\n\x1a\n" + bytes(200)
    if name.endswith(".keras"):
        for i, (lo, hi) in enumerate(_zip_data_ranges(data)):
            for j, pos in enumerate(rng.integers(lo, hi, size=8)):
                out[f"flip_member{i}_{j}"] = _flip(int(pos))
        out["no_config"] = _rezip(lambda m: [(n, p) for n, p in m if n != "config.json"])
        out["no_weights"] = _rezip(lambda m: [(n, p) for n, p in m if n != "model.weights.h5"])
        out["renamed_weights"] = _rezip(
            lambda m: [("weights.h5" if n == "model.weights.h5" else n, p) for n, p in m])
        out["renamed_config"] = _rezip(
            lambda m: [("Config.json" if n == "config.json" else n, p) for n, p in m])
        out["zip_slip"] = _rezip(lambda m: m + [("../../evil.py", b"print('pwned')")])
        out["absolute_member"] = _rezip(lambda m: m + [("/tmp/evil.py", b"x")])
        out["duplicate_config"] = _rezip(lambda m: m + [("config.json", b"{}")])
        out["zip_bomb"] = _declared_size(2**32 - 1)
        out["declared_size_lie"] = _declared_size(12345)
        for i, raw in enumerate(_broken_json()):
            out[f"config_json_{i}"] = _in_archive("config.json", lambda p, raw=raw: raw)
        out["metadata_json"] = _in_archive("metadata.json", lambda p: b"{")
        out["weights_not_hdf5"] = _in_archive("model.weights.h5", lambda p: b"not hdf5" * 100)
        out["weights_truncated"] = _in_archive("model.weights.h5", lambda p: p[:len(p) // 2])
        out["weights_missing_group"] = _in_archive(
            "model.weights.h5", _h5_edit(lambda f: f.__delitem__("layers/dense_1")))
        out["weights_wrong_shape"] = _in_archive(
            "model.weights.h5", _h5_edit(_replace("layers/dense/vars/0", np.zeros((3, 5), "f4"))))
        out["optimizer_wrong_shape"] = _in_archive(
            "model.weights.h5", _h5_edit(_replace("optimizer/vars/2", np.zeros((9,), "f4"))))
        out["an_h5_file"] = lambda d: _h5_edit(lambda f: None)(_empty_h5())
        return out
    for j, pos in enumerate(rng.choice([p for lo, hi in _h5_metadata_ranges(data)
                                        for p in range(lo, hi)], size=16, replace=False)):
        out[f"flip_metadata_{j}"] = _flip(int(pos))
    out["a_zip_file"] = lambda d: _zip_of(d)
    if name == "w.weights.h5":
        for group in ("layers/dense", "layers/batch_normalization", "layers/dense_1"):
            out[f"delete_{group}"] = _h5_edit(lambda f, g=group: f.__delitem__(g))
            out[f"rename_{group}"] = _h5_edit(lambda f, g=group: f.move(g, g + "_x"))
            out[f"delete_{group}/vars/1"] = _h5_edit(
                lambda f, g=group: f.__delitem__(g + "/vars/1"))
            out[f"extra_{group}/vars/9"] = _h5_edit(
                lambda f, g=group: f.create_dataset(g + "/vars/9", data=np.zeros(3)))
            shape = tuple(h5py.File(io.BytesIO(data), "r")[group + "/vars/0"].shape)
            for kind, value in (("shape", np.zeros(shape + (1,), "f4")),
                                ("transposed", np.zeros(shape[::-1] + (2,) * (len(shape) == 1),
                                                        "f4")),
                                ("float64", np.zeros(shape, "f8")),
                                ("int32", np.zeros(shape, "i4")),
                                ("float16", np.zeros(shape, "f2")),
                                ("string", np.array([b"x"] * int(np.prod(shape))).reshape(shape)),
                                ("scalar", np.float32(1.0))):
                out[f"{kind}_{group}/vars/0"] = _h5_edit(_replace(group + "/vars/0", value))
            out[f"group_as_dataset_{group}"] = _h5_edit(
                lambda f, g=group: (f.__delitem__(g + "/vars/0"), f.create_group(g + "/vars/0")))
        out["optimizer_slot_shape"] = _h5_edit(_replace("optimizer/vars/3", np.zeros((2, 2), "f4")))
        out["optimizer_iteration_float"] = _h5_edit(_replace("optimizer/vars/0", np.float32(2)))
        out["optimizer_iteration_string"] = _h5_edit(_replace("optimizer/vars/0", b"two"))
        out["vars_as_dataset"] = _h5_edit(
            lambda f: (f.__delitem__("layers/dense/vars"), f.create_dataset("layers/dense/vars",
                                                                            data=[1, 2])))
        out["everything_deleted"] = _h5_edit(lambda f: [f.__delitem__(k) for k in list(f)])
        out.update(_outside_the_file("layers/dense/vars/0", (4, 5)))
        return out
    weights = h5py.File(io.BytesIO(data), "r")
    root = weights["model_weights"] if "model_weights" in weights else weights
    prefix = "model_weights/" if name == "model.h5" else ""
    for layer in ("dense", "batch_normalization", "dense_1"):
        names = [n.decode() if isinstance(n, bytes) else n
                 for n in root[layer].attrs["weight_names"]]
        first = f"{prefix}{layer}/{names[0]}"
        shape = root[layer][names[0]].shape
        out[f"delete_group_{layer}"] = _h5_edit(lambda f, p=f"{prefix}{layer}": f.__delitem__(p))
        out[f"delete_dataset_{layer}"] = _h5_edit(lambda f, p=first: f.__delitem__(p))
        out[f"wrong_shape_{layer}"] = _h5_edit(_replace(first, np.zeros(shape + (2,), "f4")))
        out[f"wrong_dtype_{layer}"] = _h5_edit(_replace(first, np.zeros(shape, "f8")))
        out[f"int_dtype_{layer}"] = _h5_edit(_replace(first, np.zeros(shape, "i8")))
        out[f"string_{layer}"] = _h5_edit(_replace(first, b"weights"))
        out[f"weight_names_dropped_{layer}"] = _h5_edit(
            lambda f, p=f"{prefix}{layer}", n=names: f[p].attrs.__setitem__(
                "weight_names", np.asarray([x.encode() for x in n[:-1]])))
        out[f"weight_names_unknown_{layer}"] = _h5_edit(
            lambda f, p=f"{prefix}{layer}", n=names: f[p].attrs.__setitem__(
                "weight_names", np.asarray([b"nope:0"] + [x.encode() for x in n[1:]])))
        out[f"weight_names_number_{layer}"] = _h5_edit(
            lambda f, p=f"{prefix}{layer}": f[p].attrs.__setitem__("weight_names", [1, 2]))
    lw = prefix.rstrip("/") or "/"
    out["layer_names_deleted"] = _h5_edit(lambda f: f[lw].attrs.__delitem__("layer_names"))
    out["layer_names_unknown"] = _h5_edit(lambda f: f[lw].attrs.__setitem__(
        "layer_names", np.asarray([b"dense", b"ghost", b"batch_normalization", b"dense_1"])))
    out["layer_names_short"] = _h5_edit(lambda f: f[lw].attrs.__setitem__(
        "layer_names", np.asarray([b"dense", b"dense_1"])))
    out.update(_outside_the_file(f"{prefix}dense/dense/kernel:0", (4, 5)))
    if name == "model.h5":
        out["no_model_weights"] = _h5_edit(lambda f: f.__delitem__("model_weights"))
        out["optimizer_slot_shape"] = _h5_edit(lambda f: _replace(
            "optimizer_weights/" + f["optimizer_weights"].attrs["weight_names"][3].decode(),
            np.zeros((7,), "f4"))(f))
        out.update(_model_config_edits(data))
    return out


def _secret_file(shape: tuple) -> str:
    """A readable HDF5 file outside the loaded one, with dataset ``x`` of ``shape``."""
    import tempfile
    path = os.path.join(tempfile.mkdtemp(), "secret.h5")
    with h5py.File(path, "w") as f:
        f["x"] = np.full(shape, 7.0, "f4")
    return path


def _outside_the_file(path: str, shape: tuple) -> dict:
    """A dataset replaced by a link to another file, by external raw storage (a file on
    disk) and by a virtual dataset: data that is not in the file is refused."""
    secret = _secret_file(shape)

    def external_link(f):
        del f[path]
        f[path] = h5py.ExternalLink(secret, "/x")

    def external_storage(f):
        del f[path]
        f.create_dataset(path, shape, "f4", external=[(secret, 0, 4 * int(np.prod(shape)))])

    def virtual(f):
        del f[path]
        layout = h5py.VirtualLayout(shape=shape, dtype="f4")
        layout[...] = h5py.VirtualSource(secret, "x", shape=shape)
        f.create_virtual_dataset(path, layout)

    return {"external_link": _h5_edit(external_link),
            "external_storage": _h5_edit(external_storage),
            "virtual_dataset": _h5_edit(virtual)}


def _empty_h5() -> bytes:
    buf = io.BytesIO()
    with h5py.File(buf, "w"):
        pass
    return buf.getvalue()


def _zip_of(data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("model.weights.h5", data)
    return out.getvalue()


def _originals() -> dict:
    """The valid files, as bytes (made at collection: the variants are listed from them)."""
    import tempfile
    folder = tempfile.mkdtemp()
    model = build()
    model.fit(np.ones((4, 4), "float32"), np.ones((4, 2), "float32"), verbose=0)
    out = {}
    for name in BASES:
        path = os.path.join(folder, name)
        model.save(path) if name.startswith("model") else model.save_weights(path)
        with open(path, "rb") as f:
            out[name] = f.read()
        os.remove(path)
    os.rmdir(folder)
    return out


ORIGINALS = _originals()
CASES = [(name, label, make) for name in BASES
         for label, make in variants(name, ORIGINALS[name]).items()]


def test_there_are_at_least_200_variants():
    assert len(CASES) >= 200
    assert {name for name, _, _ in CASES} == set(BASES)


@pytest.mark.parametrize("name,label,make", CASES, ids=[f"{n}-{lab}" for n, lab, _ in CASES])
def test_damaged_file_raises_a_clear_error(tmp_path, name, label, make):
    path = tmp_path / f"damaged-{name}"
    path.write_bytes(make(ORIGINALS[name]))
    fresh = build()
    before = fresh.get_weights()
    start = time.perf_counter()
    with pytest.raises((ValueError, OSError)) as info:
        if name.startswith("model"):
            kfront.models.load_model(path)
        else:
            fresh.load_weights(path)
    elapsed = time.perf_counter() - start
    assert path.name in str(info.value), f"the error does not name the file: {info.value!r}"
    assert elapsed < 1.0, f"took {elapsed:.2f}s"
    for a, b in zip(before, fresh.get_weights()):
        np.testing.assert_array_equal(a, b)  # nothing was assigned
