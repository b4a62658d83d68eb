"""Ops on symbolic tensors (``kfront/ops/symbolic.py``): ``kfront.ops`` calls and Python
operators on ``KerasTensor``s infer shapes and dtypes as real Keras does, and a functional model
built from them runs, trains, summarizes and saves/loads on every backend, and reads Keras's
``.keras`` files of such models (and Keras reads kfront's).
"""
from __future__ import annotations

import numpy as np
import pytest

import kfront
from kfront import layers, ops

# name -> (input shapes/dtypes, f(ops_namespace, *symbolic inputs))
CASES = {
    "arithmetic": ([(None, 3)], lambda o, x: (-x * 2 + 1) / (x - 3) ** 2),
    "reflected": ([(None, 3)], lambda o, x: 1 - 2 / x),
    "compare": ([(None, 3)], lambda o, x: (x > 0.5, x <= 1, x != 0)),
    "matmul": ([(None, 3), (3, 4)], lambda o, x, w: x @ w),
    "getitem": ([(None, 4, 5)], lambda o, x: (x[:, 0], x[:, 1:3, ::2], x[..., -1], x[:, None])),
    "relu_sum": ([(None, 3)], lambda o, x: o.sum(o.relu(x) + 1, axis=-1, keepdims=True)),
    "reshape": ([(None, 2, 3)], lambda o, x: o.reshape(x, (-1, 6))),
    "transpose_expand": ([(None, 2, 3)], lambda o, x: o.expand_dims(o.transpose(x, (0, 2, 1)), 1)),
    "concatenate": ([(None, 2), (None, 3)], lambda o, a, b: o.concatenate([a, b], axis=-1)),
    "stack": ([(None, 2), (None, 2)], lambda o, a, b: o.stack([a, b], axis=1)),
    "cast": ([(None, 5)], lambda o, x: (o.cast(x, "int32"), o.cast(x > 0, "float16"))),
    "where": ([(None, 3)], lambda o, x: o.where(x > 0, x, 0.0)),
    "top_k": ([(None, 6)], lambda o, x: o.top_k(x, 2)),
    "one_hot": ([((None,), "int32")], lambda o, i: o.one_hot(i, 4)),
    "take": ([(None, 5), ((2,), "int32")], lambda o, x, i: o.take(x, i, axis=1)),
    "softmax_mean": ([(None, 4, 3)], lambda o, x: o.mean(o.softmax(x, axis=-1), axis=1)),
    "inv": ([(None, 3, 3)], lambda o, x: o.linalg.inv(x)),
    "cumsum_clip": ([(None, 4)], lambda o, x: o.clip(o.cumsum(x, axis=1), 0.0, 1.0)),
}


def _inputs(module, specs):
    out = []
    for spec in specs:
        shape, dtype = spec if isinstance(spec[-1], str) else (spec, "float32")
        out.append(module.Input(batch_shape=shape, dtype=dtype))
    return out


def _specs(out) -> list:
    outs = out if isinstance(out, (tuple, list)) else (out,)
    return [(tuple(t.shape), str(t.dtype)) for t in outs]


@pytest.fixture(scope="module")
def keras_specs(keras):
    return {name: _specs(f(keras.ops, *_inputs(keras.layers, shapes)))
            for name, (shapes, f) in CASES.items()}


def test_shapes_and_dtypes_match_keras(backend, keras_specs):
    """Each expression on KerasTensors gives Keras's output shapes (None where unknown) and
    dtypes, and records a graph node."""
    for name, (shapes, f) in CASES.items():
        out = f(ops, *_inputs(layers, shapes))
        assert _specs(out) == keras_specs[name], name
        for t in (out if isinstance(out, (tuple, list)) else (out,)):
            assert isinstance(t, layers.KerasTensor) and t._keras_history is not None, name


def _model():
    inputs = layers.Input((3,))
    h = layers.Dense(4, name="dense_in")(inputs)
    y = ops.relu(h) + 1.0
    z = ops.sum(y[:, 0:2], axis=-1, keepdims=True)
    out = ops.concatenate([y * 0.5, z], axis=-1)
    return kfront.Model(inputs, layers.Dense(2, name="dense_out")(out))


def _reference(model, x):
    """The model's function in numpy, from its weights."""
    k1, b1, k2, b2 = model.get_weights()
    y = np.maximum(x @ k1 + b1, 0) + 1
    return np.concatenate([y * 0.5, y[:, :2].sum(-1, keepdims=True)], -1) @ k2 + b2


def test_functional_model_of_ops(backend, tmp_path):
    """Builds, predicts, trains, summarizes and saves/loads (.keras) with op nodes."""
    model = _model()
    assert [type(layer).__name__ for layer in model.layers] == ["InputLayer", "Dense", "Dense"]
    x = np.random.default_rng(0).normal(size=(6, 3)).astype("float32")
    y = np.random.default_rng(1).normal(size=(6, 2)).astype("float32")
    np.testing.assert_allclose(ops.convert_to_numpy(model.predict(x, verbose=0)),
                               _reference(model, x), rtol=1e-5, atol=1e-6)
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    for row in ("(Relu)", "(Add)", "(GetItem)", "(Sum)", "(Concatenate)", "(None, 5)"):
        assert row in text, (row, text)
    model.compile(optimizer=kfront.optimizers.SGD(0.05), loss="mse")
    losses = model.fit(x, y, epochs=4, batch_size=6, verbose=0).history["loss"]
    assert losses[-1] < losses[0], losses
    path = tmp_path / "ops_model.keras"
    model.save(path)
    loaded = kfront.models.load_model(path)
    np.testing.assert_allclose(ops.convert_to_numpy(loaded.predict(x, verbose=0)),
                               ops.convert_to_numpy(model.predict(x, verbose=0)), rtol=1e-6)
    config = model.get_config()
    classes = [(entry["module"], entry["class_name"]) for entry in config["layers"]]
    assert ("keras.src.ops.nn", "Relu") in classes and ("keras.src.ops.numpy", "Sum") in classes
    sum_entry = next(e for e in config["layers"] if e["class_name"] == "Sum")
    assert sum_entry["config"] == {"name": sum_entry["name"], "axis": -1, "keepdims": True}


def test_keras_files_both_ways(keras, tmp_path):
    """kfront loads Keras's .keras file of a model with op nodes, and Keras loads kfront's."""
    x = np.random.default_rng(2).normal(size=(4, 3)).astype("float32")
    k_in = keras.Input((3,))
    k_h = keras.layers.Dense(4, name="dense_in")(k_in)
    k_y = keras.ops.relu(k_h) + 1.0
    k_out = keras.ops.concatenate(
        [k_y * 0.5, keras.ops.sum(k_y[:, 0:2], axis=-1, keepdims=True)], axis=-1)
    k_model = keras.Model(k_in, keras.layers.Dense(2, name="dense_out")(k_out))
    k_model.save(tmp_path / "from_keras.keras")
    ours = kfront.models.load_model(tmp_path / "from_keras.keras")
    np.testing.assert_allclose(ops.convert_to_numpy(ours.predict(x, verbose=0)),
                               k_model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    model = _model()
    model.save(tmp_path / "from_kfront.keras")
    theirs = keras.models.load_model(tmp_path / "from_kfront.keras")
    np.testing.assert_allclose(theirs.predict(x, verbose=0),
                               ops.convert_to_numpy(model.predict(x, verbose=0)), rtol=1e-5,
                               atol=1e-6)


def test_symbolic_errors_and_queries():
    x = layers.Input((3,))
    assert ops.shape(x) == (None, 3) and ops.dtype(x) == "float32" and not ops.is_tensor(x)
    with pytest.raises(TypeError, match="ops.convert_to_numpy: got a symbolic KerasTensor"):
        ops.convert_to_numpy(x)
    with pytest.raises(TypeError, match="A symbolic KerasTensor has no truth value"):
        bool(x > 0)
    with pytest.raises(ValueError, match="ops.matmul on symbolic inputs: could not infer"):
        ops.matmul(x, np.ones((4, 2), "float32"))
    with pytest.raises(TypeError, match="Relu: unexpected config keys"):
        kfront.saving.deserialize_keras_object(
            {"module": "keras.src.ops.nn", "class_name": "Relu",
             "config": {"name": "r", "units": 3}, "registered_name": None})


def test_a_tensorflow_function_on_a_keras_tensor_says_what_to_do(keras):
    """``tf.squeeze(Input(...))`` raises Keras's ValueError (wrap the TF function in a
    layer), not a failure deep inside TensorFlow's conversion."""
    import tensorflow as tf
    for lib in (kfront, keras):
        with pytest.raises(ValueError, match="(?s)KerasTensor cannot be used as input to a "
                                             "TensorFlow function.*MyLayer"):
            tf.squeeze(lib.Input((3, 1)))
