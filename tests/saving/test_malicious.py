"""One test per published Keras loading exploit: each payload is refused by default, and the
test proves that nothing ran (the marker file the payload would create is absent, safe mode
is unchanged). Each runs at the config level, in a ``.keras`` archive and in a legacy ``.h5``.

- CVE-2024-3660: a Lambda carrying marshalled bytecode.
- CVE-2025-1550: ``module`` / ``class_name`` naming any importable callable.
- CVE-2025-8747 / CVE-2025-9906: a Lambda whose function is a library function reached by
  name: ``load_model`` on a second file with ``safe_mode=False``, ``get_file``, the switch
  that enables unsafe deserialization.
- CVE-2025-9905: legacy ``.h5`` loading that ignored ``safe_mode``.
"""
from __future__ import annotations

import json
import marshal
import base64
import zipfile

import h5py
import numpy as np
import pytest

import kfront
from kfront.saving import safety
from kfront.saving.serialization_lib import deserialize_keras_object


def _input_layer(name="x"):
    return {"module": "keras.layers", "class_name": "InputLayer",
            "config": {"batch_shape": [None, 2], "dtype": "float32", "name": name},
            "registered_name": None, "name": name, "inbound_nodes": []}


def _functional(layer: dict) -> dict:
    """A functional model config: an input, then ``layer`` called on it."""
    layer = dict(layer, name=layer["config"].get("name", "payload"), inbound_nodes=[
        {"args": [{"class_name": "__keras_tensor__",
                   "config": {"shape": [None, 2], "dtype": "float32",
                              "keras_history": ["x", 0, 0]}}], "kwargs": {}}])
    return {"module": "keras", "class_name": "Functional",
            "config": {"name": "m", "trainable": True, "layers": [_input_layer(), layer],
                       "input_layers": [["x", 0, 0]], "output_layers": [[layer["name"], 0, 0]]},
            "registered_name": "Functional"}


def _lambda(function: dict, arguments: dict | None = None) -> dict:
    return {"module": "keras.layers", "class_name": "Lambda",
            "config": {"name": "payload", "function": function, "arguments": arguments or {}},
            "registered_name": None}


def _named(module: str, name: str) -> dict:
    return {"module": module, "class_name": "function", "config": name, "registered_name": name}


def _bytecode_lambda(marker) -> dict:
    """A Lambda whose marshalled function creates ``marker`` when it runs."""
    fn = eval(f"lambda x: (open({str(marker)!r}, 'w').close(), x)[1]")  # noqa: S307
    code = base64.encodebytes(marshal.dumps(fn.__code__)).decode("ascii")
    return _lambda({"class_name": "__lambda__",
                    "config": {"code": code, "defaults": None, "closure": None}})


def _write_keras(path, config: dict) -> str:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("metadata.json", json.dumps({"keras_version": "3.15.1",
                                                 "date_saved": "2026-01-01@00:00:00"}))
        zf.writestr("config.json", json.dumps(config))
        with h5py.File(path.parent / "empty.h5", "w"):
            pass
        zf.write(path.parent / "empty.h5", "model.weights.h5")
    return str(path)


def _legacy(config):
    """The same config as older tf.keras 2 wrote in legacy ``.h5`` files (no ``module`` nor
    ``registered_name`` keys, list-form inbound nodes): names resolve by themselves alone."""
    if isinstance(config, list):
        return [_legacy(v) for v in config]
    if not isinstance(config, dict):
        return config
    out = {k: _legacy(v) for k, v in config.items() if k not in ("module", "registered_name")}
    if "inbound_nodes" in out:
        out["inbound_nodes"] = [[["x", 0, 0, {}]]] if config["inbound_nodes"] else []
    return out


def _write_h5(path, config: dict) -> str:
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = "2.21.0"
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = json.dumps(_legacy(config))
        weights = f.create_group("model_weights")
        weights.attrs["layer_names"] = np.array([b"x", b"payload"])
        for name in ("x", "payload"):
            weights.create_group(name).attrs["weight_names"] = np.array([], dtype="S1")
    return str(path)


@pytest.fixture(params=["config", "keras", "h5"])
def load(request, tmp_path):
    """Load a model config the way the parameter says: as a config, or from a crafted file."""
    def run(config, **kwargs):
        if request.param == "config":
            return deserialize_keras_object(config, **kwargs)
        write = _write_keras if request.param == "keras" else _write_h5
        path = write(tmp_path / f"payload.{request.param}", config)
        return kfront.saving.load_model(path, **kwargs)
    run.format = request.param
    return run


@pytest.fixture(autouse=True)
def _safe_mode_unchanged():
    before = safety.in_safe_mode()
    yield
    assert safety.in_safe_mode() == before, "a payload changed the safe-mode setting"


def _refused(load, config, marker, match, **kwargs):
    with pytest.raises(ValueError, match=match):
        load(config, **kwargs)
    assert not marker.exists(), "the payload ran"


@pytest.mark.parametrize("module, name, config", [
    ("os", "system", None),
    ("subprocess", "Popen", {"args": ["touch", "{marker}"]}),
    ("builtins", "exec", None),
])
def test_cve_2025_1550_config_naming_any_callable_is_refused(load, tmp_path, module, name,
                                                             config):
    marker = tmp_path / "pwned"
    cmd = f"touch {marker}"
    as_class = {"module": module, "class_name": name, "registered_name": None,
                "config": json.loads(json.dumps(config or {"command": cmd})
                                     .replace("{marker}", str(marker)))}
    as_layer = dict(as_class, config=dict(as_class["config"], name="payload"))
    for safe_mode in (True, False):  # safe_mode=False only allows Lambda bytecode
        _refused(load, _functional(as_layer), marker, f"Refused to load class '{name}'",
                 safe_mode=safe_mode)
        payload = _lambda(_named(module, name), {"command": cmd} if module == "os" else {})
        _refused(load, _functional(payload), marker, f"Refused to load function '{name}'",
                 safe_mode=safe_mode)
    # a nested object (a Dense initializer) naming it is refused as well
    dense = {"module": "keras.layers", "class_name": "Dense", "registered_name": None,
             "config": {"name": "payload", "units": 2, "kernel_initializer": as_class}}
    with pytest.raises(ValueError):
        load(_functional(dense))
    assert not marker.exists()


def test_cve_2024_3660_lambda_bytecode_needs_safe_mode_false(load, tmp_path):
    marker = tmp_path / "pwned"
    _refused(load, _functional(_bytecode_lambda(marker)), marker, "serialized Python bytecode")
    # the payload is live: the user's explicit opt-out runs it (building the model calls it)
    model = load(_functional(_bytecode_lambda(marker)), safe_mode=False)
    assert isinstance(model, kfront.Model) and marker.exists()


@pytest.mark.parametrize("module", ["keras.models", "keras.saving", "kfront.saving",
                                    "kfront.saving.saving_api", "kfront.models"])
def test_cve_2025_8747_lambda_calling_load_model_on_a_second_file(load, tmp_path, module):
    marker = tmp_path / "pwned"
    second = _write_keras(tmp_path / "second.keras", _functional(_bytecode_lambda(marker)))
    payload = _lambda(_named(module, "load_model"), {"filepath": second, "safe_mode": False})
    for safe_mode in (True, False):
        _refused(load, _functional(payload), marker, "Refused to load function 'load_model'",
                 safe_mode=safe_mode)


@pytest.mark.parametrize("module", ["keras.utils", "keras.src.utils.file_utils", "kfront.utils"])
def test_cve_2025_9906_lambda_calling_get_file(load, tmp_path, module):
    marker = tmp_path / "downloaded"
    source = tmp_path / "source.txt"
    source.write_text("payload")
    payload = _lambda(_named(module, "get_file"),
                      {"fname": str(marker), "origin": source.as_uri()})
    for safe_mode in (True, False):
        _refused(load, _functional(payload), marker, "Refused to load function 'get_file'",
                 safe_mode=safe_mode)


@pytest.mark.parametrize("module", ["keras.config", "keras.src.saving.serialization_lib",
                                    "kfront.config", "kfront.saving.safety"])
def test_cve_2025_9906_lambda_enabling_unsafe_deserialization(load, tmp_path, module):
    marker = tmp_path / "pwned"
    payload = _lambda(_named(module, "enable_unsafe_deserialization"))
    _refused(load, _functional(payload), marker,
             "Refused to load function 'enable_unsafe_deserialization'")
    assert safety.in_safe_mode() is None
    # and the bytecode that would follow it in a file is still refused
    _refused(load, _functional(_bytecode_lambda(marker)), marker, "serialized Python bytecode")


def test_cve_2025_9905_legacy_h5_applies_safe_mode(tmp_path):
    marker = tmp_path / "pwned"
    path = _write_h5(tmp_path / "payload.h5", _functional(_bytecode_lambda(marker)))
    with pytest.raises(ValueError, match="serialized Python bytecode"):
        kfront.saving.load_model(path)
    with pytest.raises(ValueError, match="serialized Python bytecode"):
        kfront.models.load_model(path, compile=False)
    assert not marker.exists()


def test_registered_and_custom_objects_are_what_a_file_may_name(tmp_path):
    def scale(x):
        return x * 3.0

    payload = _functional(_lambda(_named("my.module", "scale")))
    with pytest.raises(ValueError, match="custom_objects"):
        deserialize_keras_object(payload)
    model = deserialize_keras_object(payload, custom_objects={"scale": scale})
    out = model.predict(np.ones((1, 2), "float32"), verbose=0)
    np.testing.assert_allclose(out, 3.0)


def test_enable_unsafe_deserialization_is_the_users_switch(tmp_path):
    marker = tmp_path / "pwned"
    try:
        kfront.config.enable_unsafe_deserialization()
        assert safety.in_safe_mode() is False
        deserialize_keras_object(_functional(_bytecode_lambda(marker)))
        assert marker.exists()
        marker.unlink()
        # still no way to a function outside the allowlist
        with pytest.raises(ValueError, match="Refused"):
            deserialize_keras_object(_functional(_lambda(_named("os", "system"))))
    finally:
        safety._global_safe_mode[0] = None
    assert not marker.exists()


def test_tf_keras_2_lambda_forms_in_legacy_h5(tmp_path):
    """tf.keras 2 wrote a Lambda's function as ``[code, defaults, closure]`` with
    ``function_type``; the bytecode form needs safe_mode=False, the named form the allowlist."""
    marker = tmp_path / "pwned"
    code = _bytecode_lambda(marker)["config"]["function"]["config"]["code"]
    as_bytecode = {"class_name": "Lambda", "config": {
        "name": "payload", "function": [code, None, None], "function_type": "lambda",
        "module": "__main__", "output_shape": None, "output_shape_type": "raw",
        "output_shape_module": None, "arguments": {}}}
    as_name = {"class_name": "Lambda", "config": dict(
        as_bytecode["config"], function="system", function_type="function", module="os")}
    for payload, match in ((as_bytecode, "serialized Python bytecode"),
                           (as_name, "Refused to load function 'system'")):
        path = _write_h5(tmp_path / "payload.h5", _functional(payload))
        with pytest.raises(ValueError, match=match):
            kfront.saving.load_model(path)
        with pytest.raises(ValueError, match="Refused to load function 'system'"
                           if payload is as_name else "bytecode"):
            kfront.models.model_from_json(json.dumps(_legacy(_functional(payload))))
        assert not marker.exists()
    model = kfront.saving.load_model(_write_h5(tmp_path / "ok.h5", _functional(as_bytecode)),
                                     safe_mode=False)
    assert isinstance(model, kfront.Model) and marker.exists()
