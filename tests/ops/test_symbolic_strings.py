"""String KerasTensors through ops when a functional model is built (keras-io
wide_deep_cross_networks: ``ops.expand_dims(keras.Input(shape=(), dtype="string"), -1)``):
shape and identity-like ops keep 'string' as Keras's output specs do; an op that would promote
a string to a float is a clear error, as Keras's type promotion refuses 'string'."""
from __future__ import annotations

import pytest

import kfront
from conformance.support import backend  # noqa: F401,F811  (pytest fixture)

KEEPS = {
    "expand_dims": lambda ops, x, y, f: ops.expand_dims(x, -1),
    "reshape": lambda ops, x, y, f: ops.reshape(x, (-1, 1)),
    "squeeze": lambda ops, x, y, f: ops.squeeze(ops.expand_dims(x, -1), -1),
    "concatenate": lambda ops, x, y, f: ops.concatenate([ops.expand_dims(x, -1), y], axis=-1),
    "stack": lambda ops, x, y, f: ops.stack([x, x], axis=1),
    "transpose": lambda ops, x, y, f: ops.transpose(y),
    "tile": lambda ops, x, y, f: ops.tile(y, (1, 2)),
    "repeat": lambda ops, x, y, f: ops.repeat(y, 2, axis=1),
    "copy": lambda ops, x, y, f: ops.copy(x),
    "getitem": lambda ops, x, y, f: y[:, 0],
    "take": lambda ops, x, y, f: ops.take(y, 0, axis=1),
    "split": lambda ops, x, y, f: ops.split(y, 2, axis=1)[0],
    "where": lambda ops, x, y, f: ops.where(ops.equal(y, y), y, y),
    "equal": lambda ops, x, y, f: ops.equal(x, x),
    "argmax": lambda ops, x, y, f: ops.argmax(y, axis=-1),
    "cast": lambda ops, x, y, f: ops.cast(x, "float32"),
    "convert_to_tensor": lambda ops, x, y, f: ops.convert_to_tensor(x),
    "stop_gradient": lambda ops, x, y, f: ops.stop_gradient(x),
}
REFUSED = {
    "add": lambda ops, x, y, f: ops.add(x, 1.0),
    "mean": lambda ops, x, y, f: ops.mean(y),
    "log": lambda ops, x, y, f: ops.log(x),
    "concatenate": lambda ops, x, y, f: ops.concatenate([y, f], axis=-1),
    "where": lambda ops, x, y, f: ops.where(ops.equal(y, y), y, f),
}


def _inputs(module):
    return (module.Input(shape=(), dtype="string"), module.Input(shape=(2,), dtype="string"),
            module.Input(shape=(2,)))


@pytest.mark.parametrize("name", sorted(KEEPS))
def test_string_keras_tensor_through_op_matches_keras(keras, backend, name):  # noqa: F811
    want = KEEPS[name](keras.ops, *_inputs(keras))
    got = KEEPS[name](kfront.ops, *_inputs(kfront))
    assert (got.shape, got.dtype) == (tuple(want.shape), want.dtype)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_string_promoted_to_float_is_refused_as_keras(keras, backend, name):  # noqa: F811
    with pytest.raises(ValueError, match="'string' is not a valid dtype"):
        REFUSED[name](keras.ops, *_inputs(keras))
    with pytest.raises(ValueError, match=rf"ops\.{name}: got a string KerasTensor.*promote"):
        REFUSED[name](kfront.ops, *_inputs(kfront))


def test_functional_model_on_a_string_input_builds(backend):  # noqa: F811
    """wide_deep_cross_networks's pattern: a string feature expanded, then looked up."""
    x = kfront.Input(shape=(), dtype="string", name="color")
    ids = kfront.layers.StringLookup(vocabulary=["red", "blue"])(kfront.ops.expand_dims(x, -1))
    model = kfront.Model(x, ids)
    assert model.output.shape == (None, 1)
