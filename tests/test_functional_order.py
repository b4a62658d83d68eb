"""Functional models list their layers in Keras's order (by decreasing depth from the
outputs, Keras 3's ``map_graph``), and what is built on that order follows: ``weights``,
``get_weights``/``set_weights``, legacy ``.h5`` files read by topology and ``.weights.h5``
layer paths. Each graph is built by the same code with Keras 3, tf.keras 2 and kfront."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import kfront
from conformance.support import backend  # noqa: F401  (pytest fixture)

# Construction code shared by kfront, Keras 3 and tf.keras 2 (``K`` is the package). The
# graphs are built so that Keras's order differs from the order of the calls.
GRAPHS = '''
def two_branches(K):
    L = K.layers
    a = L.Input((5,), name="in")
    s = L.Dense(3, name="short")(a)
    l2 = L.Dense(3, name="long2")(L.Dense(4, name="long1")(a))
    return K.Model(a, L.Concatenate(name="cat")([s, l2]))

def diamond(K):
    L = K.layers
    x = L.Input((4,), name="x")
    stem = L.Dense(5, name="stem")(x)
    b1 = L.Dense(3, name="b1")(stem)
    b2 = L.Dense(3, name="b2b")(L.Dense(4, name="b2a")(stem))
    return K.Model(x, L.Dense(2, name="head")(L.Add(name="add")([b1, b2])))

def resnet_block(K):
    L = K.layers
    x = L.Input((6, 6, 3), name="img")
    sc = L.BatchNormalization(name="sc_bn")(L.Conv2D(4, 1, name="sc_conv")(x))
    y = L.Activation("relu", name="r1")(L.BatchNormalization(name="bn1")(
        L.Conv2D(4, 3, padding="same", name="c1")(x)))
    y = L.BatchNormalization(name="bn2")(L.Conv2D(4, 3, padding="same", name="c2")(y))
    return K.Model(x, L.Activation("relu", name="out")(L.Add(name="add")([sc, y])))

def shared(K):
    L = K.layers
    x1, x2 = L.Input((4,), name="x1"), L.Input((6,), name="x2")
    sh = L.Dense(4, name="shared")
    a = sh(x1)
    c = sh(L.Dense(4, name="pre")(x2))
    return K.Model([x1, x2], L.Dense(2, name="head")(L.Concatenate(name="cat")([a, c])))

def nested(K):
    L = K.layers
    i = L.Input((4,), name="inner_in")
    inner = K.Model(i, L.Dense(3, name="inner_b")(L.Dense(5, name="inner_a")(i)),
                    name="inner")
    x = L.Input((6,), name="x")
    side = L.Dense(3, name="side")(x)
    y = inner(L.Dense(4, name="pre")(x))
    return K.Model(x, L.Add(name="add")([side, y]), name="outer")

def inception(K):
    L = K.layers
    x = L.Input((5, 5, 3), name="img")
    b1 = L.Conv2D(2, 1, name="b1")(x)
    b2 = L.Conv2D(2, 3, padding="same", name="b2b")(L.Conv2D(2, 1, name="b2a")(x))
    b3 = L.Conv2D(2, 1, name="b3a")(x)
    b3 = L.Conv2D(2, 3, padding="same", name="b3c")(L.Conv2D(2, 3, padding="same",
                                                             name="b3b")(b3))
    b4 = L.Conv2D(2, 1, name="b4")(L.MaxPooling2D(3, 1, padding="same", name="pool")(x))
    return K.Model(x, L.Concatenate(name="mixed")([b1, b2, b3, b4]))

def auto_names(K):  # generated names: dense, dense_1, ... in call order
    L = K.layers
    x = L.Input((4,))
    s = L.Dense(3)(x)
    return K.Model(x, L.Concatenate()([s, L.Dense(3)(L.Dense(2)(x))]))
'''
KERAS3_GRAPHS = '''
def with_ops(K):  # operations on symbolic tensors count in the depths, not in .layers
    L = K.layers
    x = L.Input((4,), name="x")
    a = K.ops.relu(L.Dense(3, name="a")(x))
    b = L.Dense(3, name="b1")(L.Dense(2, name="b0")(x))
    return K.Model(x, L.Dense(2, name="head")(K.ops.concatenate([a, b], axis=-1)))

def unused_input(K):  # an input no output reads sits at depth 0, before that depth's layers
    L = K.layers
    x1, x2, x3 = L.Input((3,), name="x1"), L.Input((2,), name="x2"), L.Input((3,), name="x3")
    d = L.Dense(2, name="d")(L.Dense(3, name="c")(x1))
    return K.Model([x1, x2, x3], [d, L.Dense(2, name="e")(x3)])
'''
_NS: dict = {}
exec(GRAPHS + KERAS3_GRAPHS, _NS)
NAMES = ["two_branches", "diamond", "resnet_block", "shared", "nested", "inception"]
ALL = NAMES + ["with_ops", "unused_input", "auto_names"]


def _stem(name: str) -> str:
    """A name without the counter Keras and kfront add to generated names (``relu_2``),
    which depends on what the process built before."""
    return re.sub(r"_\d+$", "", name)


def _inputs(model, seed: int = 0) -> list:
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(2, *t.shape[1:])).astype("float32") for t in model.inputs]


def _randomize(model, seed: int) -> None:
    rng = np.random.default_rng(seed)
    model.set_weights([(rng.uniform(0.5, 1.5, size=w.shape) if w.ndim == 1  # BN variances > 0
                        else rng.normal(size=w.shape) * 0.5).astype("float32")
                       for w in model.get_weights()])


def _predict(model, xs) -> np.ndarray:
    out = np.asarray(model.predict(xs[0] if len(xs) == 1 else xs, verbose=0))
    assert np.isfinite(out).all()
    return out


@pytest.fixture(scope="module")
def keras_models(keras):
    """Keras 3 models of every graph, random weights, with their order and predictions."""
    out = {}
    for i, name in enumerate(ALL):
        km = _NS[name](keras)
        _randomize(km, i)
        xs = _inputs(km, i)
        out[name] = dict(model=km, names=[layer.name for layer in km.layers],
                         shapes=[tuple(w.shape) for w in km.weights],
                         paths=[w.path for w in km.weights], weights=km.get_weights(),
                         config=km.get_config(),
                         xs=xs, y=_predict(km, xs))
    return out


def test_layers_and_weights_in_keras_order(keras_models):
    for name in ALL:
        fm, ref = _NS[name](kfront), keras_models[name]
        if name != "auto_names":  # generated names depend on what was built before
            assert [layer.name for layer in fm.layers] == ref["names"], name
            assert [w.path for w in fm.weights] == ref["paths"], name
        assert [tuple(w.shape) for w in fm.weights] == ref["shapes"], name
        assert [tuple(w.shape) for w in fm.get_weights()] == ref["shapes"], name
        # get_config lists the layers in that order too, and Keras's config (with its
        # tuples, not through JSON) rebuilds a model in that order
        assert ([_stem(layer["name"]) for layer in fm.get_config()["layers"]]
                == [_stem(layer["name"]) for layer in ref["config"]["layers"]]), name
        rebuilt = kfront.Model.from_config(ref["config"])
        assert [layer.name for layer in rebuilt.layers] == [
            layer.name for layer in ref["model"].layers], name
    # inputs need not come first: a shallow input sits at its depth
    assert [layer.name for layer in _NS["shared"](kfront).layers][:3] == ["x2", "x1", "pre"]
    assert [layer.name for layer in _NS["unused_input"](kfront).layers] == [
        "x1", "c", "x3", "x2", "d", "e"]
    # the order is not the order of the calls
    assert [layer.name for layer in _NS["diamond"](kfront).layers] == [
        "x", "stem", "b2a", "b1", "b2b", "add", "head"]


def test_keras_get_weights_set_into_kfront(keras_models, backend):
    for name in ALL:
        fm, ref = _NS[name](kfront), keras_models[name]
        fm.set_weights(ref["weights"])
        np.testing.assert_allclose(_predict(fm, ref["xs"]), ref["y"], rtol=1e-4, atol=1e-4,
                                   err_msg=name)
        for a, b in zip(fm.get_weights(), ref["weights"]):
            np.testing.assert_array_equal(a, b)


def test_keras3_h5_and_weights_h5_by_topology_both_ways(keras_models, keras, tmp_path):
    for name in ALL:
        ref = keras_models[name]
        legacy, new = str(tmp_path / f"{name}.h5"), str(tmp_path / f"{name}.weights.h5")
        ref["model"].save(legacy)  # Keras 3's legacy whole-model .h5
        ref["model"].save_weights(new)
        for path in (legacy, new):
            fm = _NS[name](kfront)
            fm.load_weights(path)
            np.testing.assert_allclose(_predict(fm, ref["xs"]), ref["y"], rtol=1e-4,
                                       atol=1e-4, err_msg=f"{name} {path}")
        fm = _NS[name](kfront)
        _randomize(fm, 100)
        mine = _predict(fm, ref["xs"])
        fm.save_weights(str(tmp_path / f"kf_{name}.h5"))
        fm.save_weights(str(tmp_path / f"kf_{name}.weights.h5"))
        for path in (f"kf_{name}.h5", f"kf_{name}.weights.h5"):
            km = _NS[name](keras)
            km.load_weights(str(tmp_path / path))
            np.testing.assert_allclose(_predict(km, ref["xs"]), mine, rtol=1e-4, atol=1e-4,
                                       err_msg=f"{name} {path}")


_TF_KERAS = GRAPHS + '''
import json, os, sys
import numpy as np
import tf_keras as K
mode, folder = sys.argv[1], sys.argv[2]
for i, name in enumerate(%r):
    m = globals()[name](K)
    xs = [np.load(os.path.join(folder, f"{name}_x{j}.npy")) for j in range(len(m.inputs))]
    if mode == "write":
        rng = np.random.default_rng(i)
        m.set_weights([(rng.uniform(0.5, 1.5, size=w.shape) if w.ndim == 1
                        else rng.normal(size=w.shape) * 0.5).astype("float32")
                       for w in m.get_weights()])
        m.save_weights(os.path.join(folder, f"{name}.h5"))
        with open(os.path.join(folder, f"{name}.json"), "w") as f:
            json.dump([l.name for l in m.layers], f)
    else:
        m.load_weights(os.path.join(folder, f"kf_{name}.h5"))
    np.save(os.path.join(folder, f"{name}_{mode}.npy"),
            m.predict(xs[0] if len(xs) == 1 else xs, verbose=0))
''' % (NAMES,)


def _tf_keras(mode: str, folder) -> None:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", TF_USE_LEGACY_KERAS="1")
    done = subprocess.run([sys.executable, "-c", _TF_KERAS, mode, str(folder)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]


def test_tf_keras2_h5_by_topology_both_ways(tmp_path):
    pytest.importorskip("tf_keras")
    models = {name: _NS[name](kfront) for name in NAMES}
    for name, fm in models.items():
        for j, x in enumerate(_inputs(fm)):
            np.save(tmp_path / f"{name}_x{j}.npy", x)
    _tf_keras("write", tmp_path)
    for name, fm in models.items():
        xs = _inputs(fm)
        assert [layer.name for layer in fm.layers] == json.loads(
            (tmp_path / f"{name}.json").read_text()), name
        fm.load_weights(str(tmp_path / f"{name}.h5"))
        np.testing.assert_allclose(_predict(fm, xs), np.load(tmp_path / f"{name}_write.npy"),
                                   rtol=1e-4, atol=1e-4, err_msg=name)
        _randomize(fm, 100)
        fm.save_weights(str(tmp_path / f"kf_{name}.h5"))
    _tf_keras("read", tmp_path)
    for name, fm in models.items():
        np.testing.assert_allclose(np.load(tmp_path / f"{name}_read.npy"),
                                   _predict(fm, _inputs(fm)), rtol=1e-4, atol=1e-4,
                                   err_msg=name)


def _summary_rows(model) -> list:
    """(layer name, output shape) of each row of ``model.summary()`` (a cell may wrap over
    lines; Keras's branched-model layout with its "Connected to" column is not compared)."""
    lines, rows = [], []
    model.summary(print_fn=lambda line, **kwargs: lines.append(line))
    for line in "\n".join(lines).splitlines():
        if line.startswith(("┡", "├")):
            rows.append(["", ""])
        elif line.startswith("│"):
            cells = line.split("│")[1:3]
            rows[-1] = [old + " " + new.strip() for old, new in zip(rows[-1], cells)]
    return [(_stem(layer.split()[0]), " ".join(shape.split())) for layer, shape in rows]


def test_summary_rows_in_keras_order(keras_models):
    for name in ALL:
        assert _summary_rows(_NS[name](kfront)) == _summary_rows(keras_models[name]["model"]), name
