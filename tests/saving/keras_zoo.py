"""The saving interop zoo: eight small models built the same way by kfront, Keras 3 and tf.keras 2.

Imported by ``test_keras_interop.py`` (``build(kfront, name)``) and run as a script in one
subprocess per Keras backend, so that real Keras writes and reads files without kfront in the
process::

    KERAS_BACKEND=jax python tests/saving/keras_zoo.py write keras OUT   # Keras 3 saves the zoo
    TF_USE_LEGACY_KERAS=1 python tests/saving/keras_zoo.py write tf_keras OUT
    KERAS_BACKEND=jax python tests/saving/keras_zoo.py read DIR...       # Keras 3 loads kfront's

``write`` leaves ``OUT/<model>/`` with ``expected.npz`` (the saved model's outputs on
``data(model)``), ``optimizer.npz`` (the optimizer's variables in order) and one file per
format, plus ``OUT/manifest.json`` (``{model: {format: "ok" | error}}``). ``read`` loads every
``DIR/<model>/<file>`` that kfront wrote, predicts on ``data(model)`` and prints one JSON line
``{DIR: {"<model>/<format>": {"max_abs_diff": d, ...} | {"error": msg}, ...}, ...}``.
"""
from __future__ import annotations

import json
import os
import sys
import traceback

import numpy as np

PACKAGE = "kfront_zoo"

# format name -> file name; the weights-only formats are loaded into a model built by the reader
FORMATS = {"keras": "model.keras", "weights_h5": "model.weights.h5", "h5": "model.h5"}
TF_KERAS_FORMATS = {"h5": "model.h5", "h5_weights": "weights.h5"}
MODELS = ("mlp", "two_inputs_shared", "nested", "cnn", "embedding_lstm", "bilstm_batchnorm",
          "gru", "subclassed")
# Keras 3.15.1 cannot load its own legacy .h5 file of a model compiled with loss="mse"
# ("'keras.metrics.mse' is not a KerasSaveable subclass"): the reader retries without compiling
KERAS_MSE_H5_BUG = "is not a KerasSaveable subclass"

# Keras 3.15.1 writes a legacy .h5 of a subclassed model that no loader can rebuild, its own
# included: the file holds no input shape to build the model with before the weights are set
# ("Layer count mismatch when loading weights from file. Model expected 0 layers, found 2")
KERAS_SUBCLASSED_H5 = ("subclassed", "h5")

_CUSTOM: dict[int, tuple[type, type]] = {}


def _matmul(lib):
    ops = getattr(lib, "ops", None)
    if ops is not None and hasattr(ops, "matmul"):
        return ops.matmul
    import tensorflow as tf  # tf.keras 2 has no keras.ops
    return tf.linalg.matmul


def custom_classes(lib) -> tuple[type, type]:
    """``(ScaledDense, ZooSubclassed)`` for ``lib``, registered under package ``kfront_zoo``."""
    if id(lib) in _CUSTOM:
        return _CUSTOM[id(lib)]
    matmul = _matmul(lib)
    register = lib.saving.register_keras_serializable

    @register(package=PACKAGE)
    class ScaledDense(lib.layers.Layer):
        """``scale * (x @ kernel) + bias`` with a custom weight layout and config."""

        def __init__(self, units, scale=1.0, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.scale = scale

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units),
                                          initializer="glorot_uniform", name="kernel")
            self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")

        def call(self, inputs):
            return matmul(inputs, self.kernel) * self.scale + self.bias

        def compute_output_shape(self, input_shape):
            return tuple(input_shape[:-1]) + (self.units,)

        def get_config(self):
            return {**super().get_config(), "units": self.units, "scale": self.scale}

    @register(package=PACKAGE)
    class ZooSubclassed(lib.Model):
        """A subclassed model holding the custom layer and a Dense head."""

        def __init__(self, units=8, classes=3, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.classes = classes
            self.block = ScaledDense(units, scale=0.5, name="block")
            self.head = lib.layers.Dense(classes, activation="softmax", name="head")

        def call(self, inputs):
            return self.head(lib.activations.relu(self.block(inputs)))

        def get_config(self):
            return {"units": self.units, "classes": self.classes, "name": self.name}

    _CUSTOM[id(lib)] = (ScaledDense, ZooSubclassed)
    return _CUSTOM[id(lib)]


def custom_objects(lib) -> dict:
    """The custom classes by class name: legacy ``.h5`` configs name them without the package
    (Keras 3 and tf.keras 2 need them in ``custom_objects`` to load such a file)."""
    return {cls.__name__: cls for cls in custom_classes(lib)}


def data(name: str) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Fixed inputs and training targets of model ``name`` (4 samples)."""
    rng = np.random.default_rng(MODELS.index(name))
    n = 4

    def f(*shape):
        return rng.standard_normal((n,) + shape).astype("float32")

    def onehot(k):
        return np.eye(k, dtype="float32")[rng.integers(0, k, n)]

    if name == "mlp":
        return [f(16)], [onehot(4)]
    if name == "two_inputs_shared":
        return [f(8), f(8)], [f(3), rng.integers(0, 2, (n, 1)).astype("float32")]
    if name == "nested":
        return [f(10)], [rng.integers(0, 2, (n,)).astype("int32")]
    if name == "cnn":
        return [rng.random((n, 28, 28, 1), dtype=np.float32)], [onehot(10)]
    if name == "embedding_lstm":
        tokens = rng.integers(1, 50, (n, 12)).astype("int32")
        for i, length in enumerate((12, 9, 5, 2)):   # padded with zeros: the mask matters
            tokens[i, length:] = 0
        return [tokens], [rng.integers(0, 2, (n, 1)).astype("float32")]
    if name == "bilstm_batchnorm":
        return [f(7, 5)], [onehot(3)]
    if name == "gru":
        return [f(6, 3)], [f(2)]
    if name == "subclassed":
        return [f(6)], [onehot(3)]
    raise KeyError(name)


def _sequential(lib, layers, name):
    return lib.Sequential(layers, name=name)


def build(lib, name: str):
    """Model ``name`` built (weights created) with ``lib`` (kfront, keras or tf_keras), not
    compiled. Every layer is named, so that legacy files load ``by_name`` too."""
    L = lib.layers
    if name == "mlp":
        return _sequential(lib, [L.Input((16,)), L.Dense(32, activation="relu", name="hidden"),
                                 L.Dropout(0.1, name="drop"),
                                 L.Dense(4, activation="softmax", name="probs")], name)
    if name == "two_inputs_shared":
        a, b = L.Input((8,), name="a"), L.Input((8,), name="b")
        shared = L.Dense(6, activation="tanh", name="shared")
        h = L.Concatenate(name="concat")([shared(a), shared(b)])
        out_a = L.Dense(3, name="out_a")(h)
        out_b = L.Dense(1, activation="sigmoid", name="out_b")(shared(b))
        return lib.Model([a, b], [out_a, out_b], name=name)
    if name == "nested":
        inner = _sequential(lib, [L.Input((10,)), L.Dense(8, activation="relu", name="inner_1"),
                                  L.Dense(8, activation="relu", name="inner_2")], "inner")
        x = L.Input((10,), name="x")
        return lib.Model(x, L.Dense(2, activation="softmax", name="probs")(inner(x)), name=name)
    if name == "cnn":   # the seed CNN, shrunk: same layer kinds, fewer filters and units
        return _sequential(lib, [L.Input((28, 28, 1)),
                                 L.Conv2D(4, 5, activation="relu", name="conv_1"),
                                 L.MaxPooling2D(name="pool_1"),
                                 L.Conv2D(8, 5, activation="relu", name="conv_2"),
                                 L.MaxPooling2D(name="pool_2"), L.Flatten(name="flatten"),
                                 L.Dense(32, activation="relu", name="hidden"),
                                 L.Dense(10, activation="softmax", name="probs")], name)
    if name == "embedding_lstm":
        return _sequential(lib, [L.Input((12,), dtype="int32"),
                                 L.Embedding(50, 8, mask_zero=True, name="embed"),
                                 L.LSTM(6, name="lstm"),
                                 L.Dense(1, activation="sigmoid", name="prob")], name)
    if name == "bilstm_batchnorm":
        return _sequential(lib, [L.Input((7, 5)),
                                 L.Bidirectional(L.LSTM(4, return_sequences=True), name="bilstm"),
                                 L.BatchNormalization(name="bn"), L.Flatten(name="flatten"),
                                 L.Dense(3, activation="softmax", name="probs")], name)
    if name == "gru":
        return _sequential(lib, [L.Input((6, 3)), L.GRU(5, return_sequences=True, name="gru_1"),
                                 L.GRU(4, name="gru_2"), L.Dense(2, name="out")], name)
    if name == "subclassed":
        model = custom_classes(lib)[1](units=8, classes=3, name=name)
        model(data(name)[0][0])
        return model
    raise KeyError(name)


def compile_args(lib, name: str) -> dict:
    """Adam, a loss and a metric for model ``name`` (eager: one step is not worth a trace)."""
    args = {"optimizer": lib.optimizers.Adam(learning_rate=0.01), "run_eagerly": True}
    if name == "two_inputs_shared":    # loss "mse": Keras's own legacy .h5 bug (see above)
        return {**args, "loss": ["mse", "binary_crossentropy"], "metrics": ["mae", "accuracy"]}
    if name == "nested":
        return {**args, "loss": "sparse_categorical_crossentropy",
                "metrics": ["sparse_categorical_accuracy"]}
    if name == "embedding_lstm":
        return {**args, "loss": "binary_crossentropy", "metrics": ["accuracy"]}
    if name == "gru":
        return {**args, "loss": "mean_absolute_error", "metrics": ["mean_squared_error"]}
    return {**args, "loss": "categorical_crossentropy", "metrics": ["accuracy"]}


def trained(lib, name: str):
    """Model ``name`` built, compiled and trained one step (so optimizer state exists)."""
    model = build(lib, name)
    model.compile(**compile_args(lib, name))
    x, y = data(name)
    model.train_on_batch(x if len(x) > 1 else x[0], y if len(y) > 1 else y[0])
    return model


def stepped(lib, name: str):
    """Model ``name`` built and compiled, every weight drawn at random (BatchNormalization's
    statistics too, so a swapped or misplaced weight shows) and one optimizer step applied with
    random gradients (so optimizer state exists). The same state as ``trained`` for saving,
    without tracing or differentiating anything."""
    model = build(lib, name)
    model.compile(**compile_args(lib, name))
    rng = np.random.default_rng(100 + MODELS.index(name))
    model.set_weights([rng.uniform(0.5, 1.5, w.shape).astype(w.dtype) if "variance" in v.path
                       else rng.uniform(-0.5, 0.5, w.shape).astype(w.dtype)
                       for v, w in zip(model.weights, model.get_weights())])
    grads = [rng.standard_normal(tuple(v.shape)).astype("float32")
             for v in model.trainable_variables]
    model.optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return model


def predict(model, name: str) -> list[np.ndarray]:
    """The model's outputs on ``data(name)``'s inputs (inference mode, one eager call: no
    graph to trace per model), as a list of numpy arrays."""
    x = data(name)[0]
    out = model(x if len(x) > 1 else x[0], training=False)
    outs = out if isinstance(out, (list, tuple)) else [out]
    return [np.asarray(o.detach() if hasattr(o, "detach") else o) for o in outs]   # torch


def save_npz(path: str, arrays) -> None:
    np.savez(path, *[np.asarray(a) for a in arrays])


def load_npz(path: str) -> list[np.ndarray]:
    with np.load(path) as f:
        return [f[f"arr_{i}"] for i in range(len(f.files))]


def optimizer_values(model) -> list[np.ndarray]:
    return [np.asarray(v.numpy()) for v in model.optimizer.variables]


def _max_diff(got: list, expected: list) -> float:
    return max((float(np.max(np.abs(np.asarray(g, "float64") - np.asarray(e, "float64"))))
                for g, e in zip(got, expected)), default=0.0)


def _error(e: BaseException) -> str:
    return f"{type(e).__name__}: {e}"[:2000]


def write(lib, out: str, formats: dict, prepare=trained) -> dict:
    """Each model made by ``prepare`` (``trained`` or ``stepped``) and saved in each of
    ``formats`` under ``out``, beside its expected outputs and optimizer state; returns (and
    writes as ``manifest.json``) ``{model: {format: "ok" | the error}}``."""
    manifest = {}
    for name in MODELS:
        folder = os.path.join(out, name)
        os.makedirs(folder, exist_ok=True)
        try:
            model = prepare(lib, name)
            save_npz(os.path.join(folder, "expected.npz"), predict(model, name))
            save_npz(os.path.join(folder, "optimizer.npz"), optimizer_values(model))
        except Exception as e:
            manifest[name] = {fmt: f"building: {_error(e)}" for fmt in formats}
            continue
        manifest[name] = {}
        for fmt, filename in formats.items():
            path = os.path.join(folder, filename)
            try:
                if fmt in ("weights_h5", "h5_weights"):
                    model.save_weights(path)
                else:
                    model.save(path)
                manifest[name][fmt] = "ok"
            except Exception as e:  # a model a library cannot write in a format: tests say so
                manifest[name][fmt] = _error(e)
                if os.path.exists(path):
                    os.remove(path)
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    return manifest


def read(lib, folder: str) -> dict:
    """Load every file kfront wrote under ``folder/<model>/`` in Keras and compare predictions."""
    results = {}
    objects = custom_objects(lib)
    for name in MODELS:
        sub = os.path.join(folder, name)
        if not os.path.exists(os.path.join(sub, "expected.npz")):   # kfront could not build it
            continue
        expected = load_npz(os.path.join(sub, "expected.npz"))
        for fmt, filename in FORMATS.items():
            path = os.path.join(sub, filename)
            if not os.path.exists(path):
                continue
            key = f"{name}/{fmt}"
            try:
                note = None
                if fmt == "weights_h5":
                    model = build(lib, name)
                    model.compile(**compile_args(lib, name))
                    model.load_weights(path)
                else:
                    try:
                        model = lib.saving.load_model(path, custom_objects=objects)
                    except Exception as e:
                        if fmt != "h5" or KERAS_MSE_H5_BUG not in str(e):
                            raise
                        note = "keras bug: " + _error(e)
                        model = lib.saving.load_model(path, custom_objects=objects, compile=False)
                got = predict(model, name)
                if len(got) != len(expected):
                    raise ValueError(f"{len(got)} outputs, expected {len(expected)}")
                results[key] = {"max_abs_diff": _max_diff(got, expected), "note": note,
                                "compiled": getattr(model, "optimizer", None) is not None}
                if fmt != "weights_h5" and results[key]["compiled"]:
                    saved = load_npz(os.path.join(sub, "optimizer.npz"))
                    state = optimizer_values(model)
                    results[key]["optimizer"] = (
                        f"{len(state)} optimizer variables, kfront saved {len(saved)}"
                        if len(state) != len(saved) else _max_diff(state, saved))
            except Exception as e:
                results[key] = {"error": _error(e), "trace": traceback.format_exc()[-1500:]}
    return results


def _import(lib_name: str):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if lib_name == "tf_keras":
        os.environ["TF_USE_LEGACY_KERAS"] = "1"
    import importlib
    return importlib.import_module(lib_name)


def main(argv: list[str]) -> None:
    command = argv[0]
    if command == "write":
        lib_name, out = argv[1], argv[2]
        lib = _import(lib_name)
        custom_classes(lib)
        write(lib, out, TF_KERAS_FORMATS if lib_name == "tf_keras" else FORMATS)
    elif command == "read":
        lib = _import("keras")
        print(json.dumps({folder: read(lib, folder) for folder in argv[1:]}))
    else:
        raise SystemExit(f"unknown command {command!r}: write LIB OUT | read DIR...")


if __name__ == "__main__":
    main(sys.argv[1:])
