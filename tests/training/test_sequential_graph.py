"""A built Sequential has the functional graph Keras 3.15's ``Sequential.build`` makes, however
it was built (an ``Input``, ``input_shape=``, ``build``, a first call, ``fit``, ``predict``,
``evaluate``): ``model.inputs`` / ``outputs`` and every layer's ``input`` / ``output`` with
Keras's shapes on the same backend (the batch size of the first batch where Keras keeps it),
and the keras-io feature-extraction model ``Model(m.inputs, [l.output for l in m.layers])``.
kfront makes the graph on first use; a layer looked at first, or called on another input in
between, still has the Sequential's call as its first node, as in Keras.

Keras runs in a subprocess per backend: this file run as a script prints its records."""
from __future__ import annotations

import json

import numpy as np
import pytest

import kfront

PATHS = ("input", "input_shape", "build", "call", "fit", "predict", "evaluate")
KERAS_NUMPY_LACKS = ("fit",)


def _model(lib, path: str):
    first = ([lib.Input((8,))] if path == "input" else [])
    kwargs = {"input_shape": (8,)} if path == "input_shape" else {}
    return lib.Sequential(first + [lib.layers.Dense(4, name="a", **kwargs),
                                   lib.layers.Dense(2, name="b")], name="s")


def _record(lib, path: str) -> dict:
    """The shapes of the graph of a Sequential built by ``path``, its layers looked at first,
    and whether the feature-extraction model gives each layer's output."""
    x = np.random.default_rng(0).random((40, 8), "float32")
    model = _model(lib, path)
    model.compile(optimizer="sgd", loss="mse")
    {"build": lambda: model.build((None, 8)), "call": lambda: model(x[:1]),
     "fit": lambda: model.fit(x, x[:, :2], batch_size=16, verbose=0),
     "predict": lambda: model.predict(x, batch_size=16, verbose=0),
     "evaluate": lambda: model.evaluate(x, x[:, :2], batch_size=16, verbose=0),
     }.get(path, lambda: None)()
    record = {f"{layer.name}.{end}": list(getattr(layer, end).shape)
              for layer in model.layers for end in ("input", "output")}
    record["inputs"] = [list(t.shape) for t in model.inputs]
    record["outputs"] = [list(t.shape) for t in model.outputs]
    extractor = lib.Model(inputs=model.inputs, outputs=[layer.output for layer in model.layers])
    features = [lib.ops.convert_to_numpy(f) for f in extractor(x[:3])]
    expected = [lib.ops.convert_to_numpy(model.layers[0](x[:3])),
                lib.ops.convert_to_numpy(model(x[:3]))]
    record["features"] = [bool(np.allclose(f, e, atol=1e-6)) for f, e in zip(features, expected)]
    return record


def _shared_record(lib) -> dict:
    """A built Sequential's layer called on another ``Input`` before anything looked at the
    Sequential's graph: its first node is still the Sequential's."""
    model = _model(lib, "build")
    model.build((None, 8))
    other = lib.Input((8,), batch_size=5)
    model.layers[0](other)
    return {"first_input": list(model.layers[0].input.shape),
            "is_model_input": model.layers[0].input is model.inputs[0]}


def _keras_record(backend: str, path: str) -> dict:
    from training.keras_records import keras_record  # (this file also runs as Keras's script)
    return keras_record(__file__, backend, path, KERAS_NUMPY_LACKS)


@pytest.mark.parametrize("path", PATHS)
def test_a_built_sequential_has_the_graph_keras_makes(backend, path):
    pytest.importorskip("keras")
    ours = _record(kfront, path)
    assert ours == _keras_record(backend, path)
    assert ours["features"] == [True, True]


def test_the_sequential_call_stays_a_layer_s_first_node(backend):
    pytest.importorskip("keras")
    ours = _shared_record(kfront)
    assert ours == _keras_record(backend, "shared")
    assert ours["is_model_input"]


def test_the_graph_follows_add_and_pop(backend):
    """``add`` / ``pop`` after the build remake the graph (``model.outputs``) as Keras's."""
    model = kfront.Sequential([kfront.layers.Dense(4), kfront.layers.Dense(2)])
    model.build((None, 8))
    assert model.outputs[0].shape == (None, 2)
    model.add(kfront.layers.Dense(3))
    assert model.outputs[0].shape == (None, 3)
    assert model.layers[2].output.shape == (None, 3)
    model.pop()
    model.pop()
    assert model.outputs[0].shape == (None, 4)


def test_the_graph_s_input_layer_is_the_one_in_the_config(backend):
    """The InputLayer Keras puts first (for ``input_shape=``) is named ``input_layer[_N]`` in
    the config and in the graph, as Keras's (not after the model)."""
    model = kfront.Sequential([kfront.layers.Dense(4, input_shape=(8,))], name="named")
    name = model.get_config()["layers"][0]["config"]["name"]
    assert name.startswith("input_layer")
    assert model.inputs[0]._keras_history[0].layer.name == name


def test_an_unbuilt_sequential_has_no_graph(backend):
    model = kfront.Sequential([kfront.layers.Dense(4)], name="unbuilt")
    with pytest.raises(AttributeError, match='Layer "dense.*" has never been called'):
        model.layers[0].input
    with pytest.raises(AttributeError, match='Sequential "unbuilt" has no defined input'):
        model.inputs


if __name__ == "__main__":
    import keras

    records = {path: _record(keras, path) for path in PATHS
               if not (keras.backend.backend() == "numpy" and path in KERAS_NUMPY_LACKS)}
    records["shared"] = _shared_record(keras)
    print(json.dumps(records))
