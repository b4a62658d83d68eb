"""kfront.activations against keras.activations: values for the same inputs, signatures and
defaults, lookup by every name, serialization, errors, gradients."""
from __future__ import annotations

import inspect

import numpy as np
import pytest

from kfront import activations, ops

# A grid over [-8, 8] plus the kinks of the piecewise activations.
X = np.concatenate([np.linspace(-8, 8, 97),
                    [-3, -1, 0, 1, 3, 0.5, -0.5, 6, -6, 2.9999, 1e-3]]).astype("float32")
X2 = X.reshape(2, -1)

NO_ARG_NAMES = sorted(n for n in activations.ALL_OBJECTS_DICT if n != "threshold")


def _keras():
    return pytest.importorskip("keras")


def _np(x):
    return ops.convert_to_numpy(x)


def _close(ours, theirs):
    ours, theirs = _np(ours), np.asarray(theirs)
    assert ours.shape == theirs.shape
    assert ours.dtype == theirs.dtype
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", NO_ARG_NAMES)
def test_default_call_equals_keras(name):
    keras = _keras()
    _close(activations.get(name)(X2), keras.activations.get(name)(X2))


@pytest.mark.parametrize("name", NO_ARG_NAMES)
def test_float64_preserved(name):
    keras = _keras()
    x = X2.astype("float64")
    out = activations.get(name)(x)
    assert ops.dtype(out) == "float64"
    np.testing.assert_allclose(_np(out), np.asarray(keras.activations.get(name)(x)), rtol=1e-6,
                               atol=1e-6)


@pytest.mark.parametrize("kwargs", [
    {}, {"negative_slope": 0.1}, {"max_value": 6.0}, {"max_value": 2.5}, {"threshold": 1.0},
    {"negative_slope": 0.5, "max_value": 5.0}, {"negative_slope": 0.3, "threshold": -2.0},
    {"negative_slope": 0.2, "max_value": 4.0, "threshold": 1.5}, {"threshold": -1.0,
                                                                  "max_value": 6}])
def test_relu_general_form_equals_keras(kwargs):
    keras = _keras()
    _close(activations.relu(X2, **kwargs), keras.activations.relu(X2, **kwargs))


def test_relu_docstring_values():
    x = np.array([-10, -5, 0.0, 5, 10], "float32")
    assert _np(activations.relu(x)).tolist() == [0, 0, 0, 5, 10]
    assert _np(activations.relu(x, negative_slope=0.5)).tolist() == [-5, -2.5, 0, 5, 10]
    assert _np(activations.relu(x, max_value=5.0)).tolist() == [0, 0, 0, 5, 5]
    assert _np(activations.relu(x, threshold=5.0)).tolist() == [0, 0, 0, 0, 10]


@pytest.mark.parametrize("name,kwargs", [
    ("gelu", {"approximate": True}), ("gelu", {"approximate": False}),
    ("elu", {"alpha": 0.5}), ("leaky_relu", {"negative_slope": 0.01}),
    ("celu", {"alpha": 2.0}), ("softmax", {"axis": 0}), ("log_softmax", {"axis": 0}),
    ("glu", {"axis": 0}), ("soft_shrink", {"threshold": 1.0}),
    ("hard_shrink", {"threshold": 2.0}), ("squareplus", {"b": 1.0}),
    ("threshold", {"threshold": 0.5, "default_value": -3.0})])
def test_parametrised_equals_keras(name, kwargs):
    keras = _keras()
    _close(getattr(activations, name)(X2, **kwargs), getattr(keras.activations, name)(X2, **kwargs))


def test_softmax_3d_axes():
    keras = _keras()
    x = np.random.default_rng(0).normal(size=(2, 3, 4)).astype("float32") * 5
    for axis in (-1, 0, 1):
        _close(activations.softmax(x, axis=axis), keras.activations.softmax(x, axis=axis))
        np.testing.assert_allclose(_np(activations.softmax(x, axis=axis)).sum(axis=axis), 1.0,
                                   rtol=1e-6)


def test_formulas_by_hand():
    x = np.array([-2.0, 0.0, 1.0], "float32")
    sp = np.log1p(np.exp(x))
    np.testing.assert_allclose(_np(activations.mish(x)), x * np.tanh(sp), rtol=1e-6)
    np.testing.assert_allclose(_np(activations.hard_sigmoid(x)), np.clip(x / 6 + 0.5, 0, 1))
    np.testing.assert_allclose(_np(activations.exponential(x)), np.exp(x), rtol=1e-6)
    np.testing.assert_allclose(_np(activations.softsign(x)), x / (1 + np.abs(x)), rtol=1e-6)
    assert activations.linear(x) is x


@pytest.mark.parametrize("name", NO_ARG_NAMES + ["threshold"])
def test_signature_matches_keras(name):
    keras = _keras()

    def sig(fn):
        return [(p.name, p.default) for p in inspect.signature(fn).parameters.values()]
    assert sig(activations.get(name)) == sig(keras.activations.get(name))


def test_gelu_default_is_exact():
    # keras.activations.gelu defaults to approximate=False (unlike keras.ops.gelu).
    assert inspect.signature(activations.gelu).parameters["approximate"].default is False
    x = np.array([1.0], "float32")
    assert _np(activations.gelu(x))[0] == pytest.approx(0.8413447, abs=1e-6)
    assert _np(activations.gelu(x, approximate=True))[0] == pytest.approx(0.8411920, abs=1e-6)


def test_names_cover_keras():
    keras = _keras()
    from keras.src.activations import ALL_OBJECTS_DICT as KERAS_NAMES
    ours = set(activations.ALL_OBJECTS_DICT)
    assert ours <= set(KERAS_NAMES)
    assert set(KERAS_NAMES) == ours
    for name in ours:
        assert activations.get(name).__name__ == keras.activations.get(name).__name__


@pytest.mark.parametrize("name", NO_ARG_NAMES + ["threshold"])
def test_serialize_matches_keras(name):
    keras = _keras()
    ours = activations.serialize(activations.get(name))
    assert ours == keras.activations.serialize(keras.activations.get(name))
    assert activations.get(ours) is activations.get(name)
    assert activations.deserialize(ours) is activations.get(name)


def test_aliases_and_get():
    assert activations.get(None) is activations.linear
    assert activations.get("swish") is activations.silu is activations.swish
    assert activations.get("hard_swish") is activations.hard_silu is activations.hard_swish
    assert activations.get(activations.relu) is activations.relu

    def custom(x):
        return ops.multiply(x, 2.0)
    assert activations.get(custom) is custom
    assert activations.get({"class_name": "function", "config": "tanh"}) is activations.tanh
    ser = activations.serialize(custom)
    assert ser["class_name"] == "function" and ser["config"] == "custom"
    assert activations.deserialize(ser, custom_objects={"custom": custom}) is custom


def test_unknown_name_error():
    with pytest.raises(ValueError) as e:
        activations.get("relu7")
    msg = str(e.value)
    assert "relu7" in msg and "relu6" in msg and "sigmoid" in msg
    with pytest.raises(ValueError):
        activations.get("ReLU")  # case-sensitive, as Keras
    with pytest.raises(ValueError):
        activations.get(3)
    with pytest.raises(ValueError, match="serialized"):
        activations.serialize(lambda x: x)


def test_glu_odd_axis_error():
    with pytest.raises(ValueError, match="divisible by 2"):
        activations.glu(np.ones((2, 3), "float32"))


@pytest.mark.parametrize("name,kwargs", [
    ("mish", {}), ("relu", {"negative_slope": 0.2, "max_value": 4.0, "threshold": 1.0}),
    ("celu", {}), ("hard_silu", {}), ("squareplus", {}), ("gelu", {}), ("selu", {}),
    ("softmax", {}), ("sparse_plus", {}), ("soft_shrink", {}), ("glu", {})])
def test_gradients_match_finite_differences(name, kwargs):
    fn = getattr(activations, name)
    # stay away from kinks so finite differences are valid
    x = np.array([[-2.3, -0.7, 0.4, 1.7, 3.3, 0.8]], dtype="float64")
    wts = np.arange(1.0, 1.0 + x.size).reshape(x.shape)
    if name == "glu":
        wts = wts[:, :3]

    def loss(v):
        return ops.sum(ops.multiply(fn(v, **kwargs), wts))
    _, grad = ops.value_and_grad(loss)(x)
    grad = _np(grad)
    h = 1e-6
    num = np.zeros_like(x)
    for i in range(x.size):
        d = np.zeros_like(x)
        d.flat[i] = h
        num.flat[i] = (float(_np(loss(x + d))) - float(_np(loss(x - d)))) / (2 * h)
    np.testing.assert_allclose(grad, num, rtol=1e-5, atol=1e-6)
