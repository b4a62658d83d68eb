"""The file formats: every format round-trips on every backend, optimizer state restores
exactly, a file from one backend loads on every other, and small models cross over to and from
real Keras 3 (in process, TensorFlow backend) and tf.keras 2 (``tf_keras``, in a subprocess).
The big model zoo both ways is ``test_keras_interop.py``.
"""
from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import textwrap
import zipfile

import h5py
import numpy as np
import pytest

import kfront
from conformance.support import BACKENDS, activate, backend  # noqa: F401  (fixture)
from kfront.saving import atomic, h5_weights

MODEL_FORMATS = ("model.keras", "model_dir", "model.h5")
WEIGHT_FORMATS = ("w.weights.h5", "w.h5", "w.keras")
KINDS = ("mlp", "two_inputs", "nested", "lstm", "bilstm_gru")


def build(K, kind: str):
    """The same small model with kfront or Keras (``K`` is the package)."""
    L = K.layers
    if kind == "mlp":
        return K.Sequential([L.Input((4,)), L.Dense(5, activation="relu"),
                             L.BatchNormalization(), L.Dense(2)])
    if kind == "two_inputs":
        a, b = L.Input((4,), name="a"), L.Input((4,), name="b")
        shared = L.Dense(3, activation="tanh")
        out = L.Dense(2)(L.Concatenate()([shared(a), shared(b)]))
        return K.Model([a, b], out)
    if kind == "nested":
        inner = K.Sequential([L.Input((4,)), L.Dense(3), L.BatchNormalization()])
        i = L.Input((4,))
        return K.Model(i, L.Dense(2)(inner(i)))
    if kind == "lstm":
        return K.Sequential([L.Input((6,), dtype="int32"), L.Embedding(10, 4, mask_zero=True),
                             L.LSTM(3), L.Dense(1)])
    if kind == "bilstm_gru":
        return K.Sequential([L.Input((6, 3)), L.Bidirectional(L.LSTM(3, return_sequences=True)),
                             L.BatchNormalization(), L.GRU(2), L.Dense(1)])
    raise ValueError(kind)


def inputs(kind: str):
    rng = np.random.default_rng(0)
    if kind == "two_inputs":
        return [rng.normal(size=(5, 4)).astype("float32"),
                rng.normal(size=(5, 4)).astype("float32")]
    if kind == "lstm":
        x = rng.integers(1, 10, size=(5, 6)).astype("int32")
        x[:, 4:] = 0  # padding, masked
        return x
    if kind == "bilstm_gru":
        return rng.normal(size=(5, 6, 3)).astype("float32")
    return rng.normal(size=(5, 4)).astype("float32")


def targets(kind: str):
    return np.random.default_rng(1).normal(size=(5, 1 if kind in ("lstm", "bilstm_gru") else 2)) \
        .astype("float32")


def predict(model, x) -> np.ndarray:
    return np.asarray(kfront.ops.convert_to_numpy(model.predict(x, verbose=0)))


def trained(K, kind: str, optimizer="adam", epochs: int = 2):
    model = build(K, kind)
    model.compile(optimizer=optimizer, loss="mse")
    model.fit(inputs(kind), targets(kind), epochs=epochs, batch_size=5, shuffle=False, verbose=0)
    return model


def save(model, fmt: str, folder: pathlib.Path) -> pathlib.Path:
    path = folder / fmt
    if fmt == "model_dir":
        model.save(path, zipped=False)
    elif fmt.startswith("model") or fmt == "w.keras":
        model.save(path)
    else:
        model.save_weights(path)
    return path


def numpy_values(variables) -> list:
    return [np.asarray(v.numpy()) for v in variables]


# ------------------------------------------------------------------------- within kfront
@pytest.mark.parametrize("fmt", MODEL_FORMATS)
def test_model_round_trips_with_optimizer_state(backend, fmt, tmp_path):
    model = trained(kfront, "mlp")
    path = save(model, fmt, tmp_path)
    back = kfront.models.load_model(path)
    x = inputs("mlp")
    np.testing.assert_array_equal(predict(back, x), predict(model, x))
    assert [v.dtype for v in back.optimizer.variables] == \
        [v.dtype for v in model.optimizer.variables]
    for a, b in zip(numpy_values(model.optimizer.variables),
                    numpy_values(back.optimizer.variables)):
        np.testing.assert_array_equal(a, b)
    assert int(back.optimizer.iterations.numpy()) == 2


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("fmt", WEIGHT_FORMATS)
def test_weights_round_trip(backend, kind, fmt, tmp_path):
    model = build(kfront, kind)
    path = save(model, fmt, tmp_path)
    fresh = build(kfront, kind)
    fresh.load_weights(path)
    for a, b in zip(model.get_weights(), fresh.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("optimizer", ["adam", "sgd_momentum", "rmsprop", "adagrad"])
def test_resume_from_a_file_equals_an_uninterrupted_run(backend, optimizer, tmp_path):
    def make():
        return {"adam": kfront.optimizers.Adam(0.01),
                "sgd_momentum": kfront.optimizers.SGD(0.01, momentum=0.9),
                "rmsprop": kfront.optimizers.RMSprop(0.01, momentum=0.5, centered=True),
                "adagrad": kfront.optimizers.Adagrad(0.05)}[optimizer]
    x, y = inputs("mlp"), targets("mlp")
    straight = build(kfront, "mlp")
    straight.compile(make(), "mse")
    halted = build(kfront, "mlp")
    halted.compile(make(), "mse")
    halted.set_weights(straight.get_weights())
    straight.fit(x, y, epochs=4, batch_size=5, shuffle=False, verbose=0)
    halted.fit(x, y, epochs=2, batch_size=5, shuffle=False, verbose=0)
    halted.save(tmp_path / "m.keras")
    resumed = kfront.models.load_model(tmp_path / "m.keras")
    resumed.fit(x, y, epochs=2, batch_size=5, shuffle=False, verbose=0)
    for a, b in zip(straight.get_weights(), resumed.get_weights()):
        np.testing.assert_allclose(b, a, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("fmt", ("model.keras", "model.h5", "w.weights.h5"))
def test_a_file_from_one_backend_loads_on_every_other(fmt, tmp_path):
    written = {}
    try:
        for source in BACKENDS:
            activate(source)
            model = trained(kfront, "bilstm_gru")
            folder = tmp_path / source
            folder.mkdir()
            written[source] = (save(model, fmt, folder), predict(model, inputs("bilstm_gru")),
                               numpy_values(model.optimizer.variables))
        for target in BACKENDS:
            activate(target)
            for source, (path, expected, opt_values) in written.items():
                if fmt.startswith("model"):
                    model = kfront.models.load_model(path)
                else:
                    model = build(kfront, "bilstm_gru")
                    model.compile("adam", "mse")
                    model.load_weights(path)
                np.testing.assert_allclose(predict(model, inputs("bilstm_gru")), expected,
                                           rtol=1e-5, atol=1e-5,
                                           err_msg=f"{source} -> {target}")
                got = numpy_values(model.optimizer.variables)
                assert len(got) == len(opt_values)
                assert got[0].dtype == np.dtype(model.optimizer.variables[0].dtype)
                for a, b in zip(opt_values, got):
                    np.testing.assert_allclose(b, a, rtol=1e-6, err_msg=f"{source} -> {target}")
    finally:
        kfront.config.set_backend("numpy")


def test_iteration_is_int32_on_jax_and_int64_elsewhere_and_converts(tmp_path):
    try:
        activate("numpy")
        model = trained(kfront, "mlp")
        model.save_weights(tmp_path / "w.weights.h5")
        with h5py.File(tmp_path / "w.weights.h5") as f:
            assert f["optimizer/vars/0"].dtype == np.int64
        activate("jax")
        fresh = build(kfront, "mlp")
        fresh.compile("adam", "mse")
        fresh.load_weights(tmp_path / "w.weights.h5")
        assert fresh.optimizer.iterations.dtype == "int32"
        assert int(fresh.optimizer.iterations.numpy()) == 2
    finally:
        kfront.config.set_backend("numpy")


def test_keras_archive_layout(tmp_path):
    path = save(trained(kfront, "mlp"), "model.keras", tmp_path)
    with zipfile.ZipFile(path) as zf:
        infos = {i.filename: i for i in zf.infolist()}
        assert set(infos) == {"metadata.json", "config.json", "model.weights.h5"}
        assert all(i.compress_type == zipfile.ZIP_STORED for i in infos.values())
        metadata = json.loads(zf.read("metadata.json"))
        config = json.loads(zf.read("config.json"))
    assert set(metadata) >= {"keras_version", "date_saved"}
    assert config["class_name"] == "Sequential" and "compile_config" in config


# ----------------------------------------------------------------------------- durability
def test_loading_a_keras_file_draws_no_initializer_the_file_overwrites(backend, tmp_path):
    """The model built from config.json skips its initializers' draws (the weights file
    overwrites them); what the file does not hold still gets its initializer's values."""
    calls = []

    @kfront.saving.register_keras_serializable(package="test_deferred")
    class Counting(kfront.initializers.Initializer):
        def __call__(self, shape, dtype=None):
            calls.append(shape)
            return kfront.ops.ones(shape, dtype=dtype)

    model = kfront.Sequential([kfront.layers.Input((3,)),
                               kfront.layers.Dense(4, kernel_initializer=Counting())])
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.ones((4, 3), "float32"), np.zeros((4, 4), "float32"), verbose=0)
    model.save(tmp_path / "m.keras")
    calls.clear()
    back = kfront.saving.load_model(tmp_path / "m.keras")
    assert calls == []
    for a, b in zip(back.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    from kfront.backends.common.variables import deferred_initialization
    with deferred_initialization() as finish:
        fresh = kfront.Sequential([kfront.layers.Input((3,)),
                                   kfront.layers.Dense(4, kernel_initializer=Counting())])
    assert calls == []
    finish([fresh.layers[0].bias])  # the kernel was not loaded: its initializer runs now
    assert calls == [(3, 4)]
    np.testing.assert_array_equal(fresh.layers[0].kernel.numpy(), np.ones((3, 4)))


def test_a_failed_save_leaves_the_previous_file_and_no_temporary(tmp_path, monkeypatch):
    model = build(kfront, "mlp")
    for fmt in ("model.keras", "model.h5", "w.weights.h5", "w.h5"):
        path = save(model, fmt, tmp_path)
        before = path.read_bytes()

        def broken(*args, **kwargs):
            raise RuntimeError("disk on fire")
        with monkeypatch.context() as m:
            m.setattr(h5_weights, "variable_value", broken)
            with pytest.raises(RuntimeError, match="disk on fire"):
                save(build(kfront, "mlp"), fmt, tmp_path)
        assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == \
        ["model.h5", "model.keras", "w.h5", "w.weights.h5"]


def test_atomic_write_replaces_and_keeps_permissions(tmp_path):
    target = tmp_path / "f.txt"
    with atomic.atomic_write(target) as tmp:
        pathlib.Path(tmp).write_text("one")
    assert target.read_text() == "one"
    assert target.stat().st_mode & 0o777 == 0o666 & ~atomic._UMASK
    with pytest.raises(KeyError):
        with atomic.atomic_write(target) as tmp:
            pathlib.Path(tmp).write_text("two")
            raise KeyError("stop")
    assert target.read_text() == "one" and os.listdir(tmp_path) == ["f.txt"]


def test_saving_imports_no_framework(tmp_path):
    script = textwrap.dedent(f"""
        import sys, numpy as np, kfront
        from kfront import layers
        m = kfront.Sequential([layers.Input((4,)), layers.Dense(3), layers.BatchNormalization()])
        m.compile("adam", "mse"); m.fit(np.ones((4, 4)), np.ones((4, 3)), verbose=0)
        for name in ("m.keras", "m.h5"):
            m.save(r"{tmp_path}/" + name); kfront.models.load_model(r"{tmp_path}/" + name)
        for name in ("w.weights.h5", "w.h5"):
            m.save_weights(r"{tmp_path}/" + name); m.load_weights(r"{tmp_path}/" + name)
        heavy = sorted(n for n in ("torch", "tensorflow", "jax") if n in sys.modules)
        assert not heavy, heavy
    """)
    env = dict(os.environ, KFRONT_BACKEND="numpy")
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]


# --------------------------------------------------------------------- real Keras 3 (TF)
def _tree(path) -> dict:
    """Every group and dataset of an HDF5 file: path -> (shape, dtype) or attribute keys."""
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            out[name] = ((obj.shape, obj.dtype.str) if isinstance(obj, h5py.Dataset)
                         else sorted(obj.attrs))
        f.visititems(visit)
        out[""] = sorted(f.attrs)
    return out


@pytest.fixture(scope="session")
def keras_files(keras, tmp_path_factory):
    """Each kind saved by real Keras 3 in every format, with its predictions."""
    folder = tmp_path_factory.mktemp("keras3")
    out = {}
    for kind in KINDS:
        model = trained(keras, kind)
        (folder / kind).mkdir()
        for fmt in ("model.keras", "w.weights.h5", "model.h5"):
            save(model, fmt, folder / kind)
        out[kind] = (folder / kind, np.asarray(model.predict(inputs(kind), verbose=0)))
    return out


@pytest.mark.parametrize("kind", KINDS)
def test_keras3_files_load_in_kfront(keras_files, kind):
    folder, expected = keras_files[kind]
    x = inputs(kind)
    loaded = kfront.models.load_model(folder / "model.keras")
    np.testing.assert_allclose(predict(loaded, x), expected, rtol=1e-5, atol=1e-5)
    assert int(loaded.optimizer.iterations.numpy()) == 2
    fresh = build(kfront, kind)
    fresh.compile("adam", "mse")
    fresh.load_weights(folder / "w.weights.h5")
    np.testing.assert_allclose(predict(fresh, x), expected, rtol=1e-5, atol=1e-5)
    for a, b in zip(numpy_values(loaded.optimizer.variables),
                    numpy_values(fresh.optimizer.variables)):
        np.testing.assert_array_equal(a, b)
    legacy = kfront.models.load_model(folder / "model.h5")
    np.testing.assert_allclose(predict(legacy, x), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kind", KINDS)
def test_kfront_writes_keras3_weights_layout(keras, kind, tmp_path):
    ours = save(trained(kfront, kind), "w.weights.h5", tmp_path)
    (tmp_path / "keras").mkdir()
    theirs = save(trained(keras, kind), "w.weights.h5", tmp_path / "keras")
    assert _tree(ours) == _tree(theirs)


@pytest.mark.parametrize("kind", KINDS)
def test_kfront_files_load_in_keras3(keras, kind, tmp_path):
    model = trained(kfront, kind)
    x = inputs(kind)
    expected = predict(model, x)
    for fmt in ("model.keras", "w.weights.h5", "model.h5"):
        path = save(model, fmt, tmp_path)
        if fmt == "w.weights.h5":
            theirs = build(keras, kind)
            theirs.compile("adam", "mse")
            theirs.optimizer.build(theirs.trainable_variables)  # Keras does not build it
            theirs.load_weights(path)
        else:  # Keras 3.15 cannot compile its own legacy file with loss="mse"
            theirs = keras.models.load_model(path, compile=fmt.endswith(".keras"))
        np.testing.assert_allclose(np.asarray(theirs.predict(x, verbose=0)), expected,
                                   rtol=1e-5, atol=1e-5, err_msg=fmt)
        if fmt != "model.h5":
            assert [np.asarray(v.numpy()).tolist() for v in theirs.optimizer.variables] == \
                [v.tolist() for v in numpy_values(model.optimizer.variables)]


# ----------------------------------------------------------------------------- tf.keras 2
_TF_KERAS = """
import os, sys, numpy as np
import tf_keras as keras
L = keras.layers
mode, folder = sys.argv[1], sys.argv[2]
x = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")
y = np.random.default_rng(1).normal(size=(5, 2)).astype("float32")
def build():
    return keras.Sequential([L.Dense(5, activation="relu", input_shape=(4,)),
                             L.BatchNormalization(), L.Dense(2)])
if mode == "write":
    m = build(); m.compile(keras.optimizers.Adam(0.01), "mse")
    m.fit(x, y, epochs=3, batch_size=5, shuffle=False, verbose=0)
    m.save(os.path.join(folder, "tfk.h5")); m.save_weights(os.path.join(folder, "tfk_w.h5"))
    np.save(os.path.join(folder, "pred.npy"), m.predict(x, verbose=0))
else:
    m = build(); m.load_weights(os.path.join(folder, "kf_w.h5"))
    np.save(os.path.join(folder, "kf_w.h5.npy"), m.predict(x, verbose=0))
"""


def _tf_keras(mode: str, folder) -> None:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", TF_USE_LEGACY_KERAS="1")
    done = subprocess.run([sys.executable, "-c", _TF_KERAS, mode, str(folder)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.fixture(scope="session")
def tf_keras_files(tmp_path_factory):
    pytest.importorskip("tf_keras")
    folder = tmp_path_factory.mktemp("tf_keras")
    _tf_keras("write", folder)
    return folder


def test_tf_keras2_model_and_weights_files_load(tf_keras_files):
    x, expected = inputs("mlp"), np.load(tf_keras_files / "pred.npy")
    with h5py.File(tf_keras_files / "tfk_w.h5") as f:
        assert "dense/kernel:0" in f["dense"].attrs["weight_names"].astype(str).tolist()
    model = kfront.models.load_model(tf_keras_files / "tfk.h5")
    np.testing.assert_allclose(predict(model, x), expected, rtol=1e-5, atol=1e-5)
    assert int(model.optimizer.iterations.numpy()) == 3
    assert float(model.optimizer.learning_rate.numpy()) == pytest.approx(0.01)
    fresh = build(kfront, "mlp")
    fresh.load_weights(tf_keras_files / "tfk_w.h5")
    np.testing.assert_allclose(predict(fresh, x), expected, rtol=1e-5, atol=1e-5)


def test_tf_keras2_by_name_and_skip_mismatch(tf_keras_files):
    L = kfront.layers
    # same names, one more layer, one layer of another size
    model = kfront.Sequential([L.Input((4,)), L.Dense(5, activation="relu", name="dense"),
                               L.BatchNormalization(name="batch_normalization"),
                               L.Dense(7, name="dense_1"), L.Dense(2, name="extra")])
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(ValueError, match="tfk_w.h5|dense_1"):
        model.load_weights(tf_keras_files / "tfk_w.h5", by_name=True)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)  # nothing assigned
    with pytest.warns(UserWarning, match="dense_1"):
        model.load_weights(tf_keras_files / "tfk_w.h5", by_name=True, skip_mismatch=True)
    with h5py.File(tf_keras_files / "tfk_w.h5") as f:
        np.testing.assert_array_equal(model.get_layer("dense").kernel.numpy(),
                                      f["dense/dense/kernel:0"][...])
    np.testing.assert_array_equal(model.get_layer("dense_1").kernel.numpy(), before[6])


def test_kfront_h5_weights_load_in_tf_keras2(tmp_path):
    """tf.keras 2 reads kfront's ``save_weights("w.h5")``. (Full legacy models are written
    in Keras 3's legacy flavour, which tf.keras 2 cannot read from Keras 3 either.)"""
    pytest.importorskip("tf_keras")
    model = trained(kfront, "mlp")
    model.save_weights(tmp_path / "kf_w.h5")
    _tf_keras("read", tmp_path)
    np.testing.assert_allclose(np.load(tmp_path / "kf_w.h5.npy"), predict(model, inputs("mlp")),
                               rtol=1e-5, atol=1e-5)


def test_long_attribute_lists_are_split_as_keras_does(tmp_path):
    from kfront.saving import legacy_h5
    names = [f"layer_with_a_rather_long_name_{i:05d}" for i in range(3000)]  # ~110 KB
    with h5py.File(tmp_path / "a.h5", "w") as f:
        legacy_h5.save_attributes(f, "layer_names", names)
        assert "layer_names" not in f.attrs and {"layer_names0", "layer_names1"} <= set(f.attrs)
        assert all(f.attrs[k].nbytes <= legacy_h5.HDF5_OBJECT_HEADER_LIMIT for k in f.attrs)
        assert legacy_h5.load_attributes(f, "layer_names", "a.h5") == names


def test_a_compressed_keras_archive_loads(tmp_path):
    model = trained(kfront, "mlp")
    path = save(model, "model.keras", tmp_path)
    with zipfile.ZipFile(path) as src, \
            zipfile.ZipFile(tmp_path / "deflated.keras", "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
    back = kfront.models.load_model(tmp_path / "deflated.keras")
    np.testing.assert_array_equal(predict(back, inputs("mlp")), predict(model, inputs("mlp")))


WEIGHTED_LAYERS = {
    "Conv1D": (lambda L: L.Conv1D(3, 2), (6, 2)),
    "Conv1DTranspose": (lambda L: L.Conv1DTranspose(3, 2), (6, 2)),
    "Conv2D": (lambda L: L.Conv2D(3, 2), (5, 5, 2)),
    "Conv2DTranspose": (lambda L: L.Conv2DTranspose(3, 2), (5, 5, 2)),
    "DepthwiseConv1D": (lambda L: L.DepthwiseConv1D(2), (6, 2)),
    "DepthwiseConv2D": (lambda L: L.DepthwiseConv2D(2), (5, 5, 2)),
    "SeparableConv1D": (lambda L: L.SeparableConv1D(3, 2), (6, 2)),
    "SeparableConv2D": (lambda L: L.SeparableConv2D(3, 2), (5, 5, 2)),
    "LayerNormalization": (lambda L: L.LayerNormalization(), (4,)),
    "BatchNormalization": (lambda L: L.BatchNormalization(), (4,)),
    "Embedding": (lambda L: L.Embedding(10, 3), (5,)),
    "SimpleRNN": (lambda L: L.SimpleRNN(3), (5, 2)),
    "GRU_reset_before": (lambda L: L.GRU(3, reset_after=False), (5, 2)),
    "LSTM": (lambda L: L.LSTM(3), (5, 2)),
    "TimeDistributed": (lambda L: L.TimeDistributed(L.Dense(2)), (5, 2)),
    "Bidirectional_GRU": (lambda L: L.Bidirectional(L.GRU(2), merge_mode="sum"), (5, 2)),
}


@pytest.mark.parametrize("layer", sorted(WEIGHTED_LAYERS))
def test_every_weighted_layer_crosses_to_and_from_keras3(keras, layer, tmp_path):
    make, shape = WEIGHTED_LAYERS[layer]
    dtype = "int32" if layer == "Embedding" else "float32"

    def model(K):
        return K.Sequential([K.layers.Input(shape, dtype=dtype), make(K.layers)])
    rng = np.random.default_rng(3)
    x = (rng.integers(0, 10, size=(2,) + shape) if layer == "Embedding"
         else rng.normal(size=(2,) + shape)).astype(dtype)
    ours, theirs = model(kfront), model(keras)
    ours.set_weights([rng.uniform(0.5, 1.5, size=w.shape).astype(w.dtype)
                      for w in ours.get_weights()])  # positive: a valid BN variance
    ours.save_weights(tmp_path / "ours.weights.h5")
    theirs.load_weights(tmp_path / "ours.weights.h5")
    np.testing.assert_allclose(np.asarray(theirs(x)), predict(ours, x), rtol=1e-5, atol=1e-5)
    theirs.set_weights([w * 0.5 for w in theirs.get_weights()])
    theirs.save_weights(tmp_path / "theirs.weights.h5")
    ours.load_weights(tmp_path / "theirs.weights.h5")
    np.testing.assert_allclose(predict(ours, x), np.asarray(theirs(x)), rtol=1e-5, atol=1e-5)


def test_custom_loss_in_a_legacy_h5_training_config_comes_from_custom_objects(tmp_path):
    """A legacy ``.h5`` names a custom loss by name: ``custom_objects`` resolves it when the
    model is compiled from its training_config; without it the load is refused."""
    def scaled_mse(y_true, y_pred):
        return 2.0 * kfront.ops.mean(kfront.ops.square(y_true - y_pred), axis=-1)

    model = kfront.Sequential([kfront.layers.Input((3,)), kfront.layers.Dense(2)])
    model.compile(optimizer="sgd", loss=scaled_mse)
    path = tmp_path / "m.h5"
    model.save(path)
    loaded = kfront.saving.load_model(path, custom_objects={"scaled_mse": scaled_mse})
    x, y = np.ones((4, 3), "float32"), np.zeros((4, 2), "float32")
    assert loaded.evaluate(x, y, verbose=0) == pytest.approx(model.evaluate(x, y, verbose=0))
    with pytest.raises(ValueError, match="scaled_mse"):
        kfront.saving.load_model(path)


def test_large_weights_are_read_into_the_variables_own_storage(backend, tmp_path, monkeypatch):
    """Datasets over ``STREAM_BYTES`` are read last, one at a time, straight into the
    variable's host storage where it has one (native arrays, torch CPU tensors): the values
    arrive, and a variable keeps its buffer (no second copy of the model while loading)."""
    monkeypatch.setattr(h5_weights, "STREAM_BYTES", 64)
    model = kfront.Sequential([kfront.layers.Input((16,)), kfront.layers.Dense(32)])
    model.save_weights(tmp_path / "w.weights.h5")
    other = kfront.Sequential([kfront.layers.Input((16,)), kfront.layers.Dense(32)])
    buffer = other.layers[0].kernel._host_buffer()
    other.load_weights(tmp_path / "w.weights.h5")
    for a, b in zip(other.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    if backend in ("numpy", "torch"):
        np.testing.assert_array_equal(buffer, model.get_weights()[0])
    else:
        assert buffer is None
