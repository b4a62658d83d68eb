"""kfront.regularizers and kfront.constraints against Keras 3: values for the same weights,
configs, lookup by alias, errors, gradients."""
from __future__ import annotations

import inspect

import numpy as np
import pytest

import kfront
from kfront import constraints, ops, regularizers


def _keras():
    return pytest.importorskip("keras")


def _np(x):
    return ops.convert_to_numpy(x)


@pytest.fixture
def w():
    return np.random.default_rng(0).normal(size=(6, 5)).astype("float32")


# ---- regularizer values ---------------------------------------------------------------------------
@pytest.mark.parametrize("l1,l2", [(0.01, 0.0), (0.0, 0.01), (0.3, 0.7), (0.0, 0.0), (1e-4, 2.0)])
def test_l1l2_equals_keras(w, l1, l2):
    keras = _keras()
    ours = _np(regularizers.L1L2(l1=l1, l2=l2)(w))
    theirs = np.asarray(keras.regularizers.L1L2(l1=l1, l2=l2)(w))
    assert ours.shape == () and ours.dtype == np.float32
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-6)
    expected = l1 * np.abs(w.astype(np.float64)).sum() + l2 * np.square(w.astype(np.float64)).sum()
    np.testing.assert_allclose(ours, expected, rtol=1e-5)  # l2 * sum(x^2): no 1/2 factor


@pytest.mark.parametrize("factor", [0.01, 0.5, 3.0])
def test_l1_l2_equal_keras(w, factor):
    keras = _keras()
    np.testing.assert_allclose(_np(regularizers.L1(factor)(w)),
                               np.asarray(keras.regularizers.L1(factor)(w)), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(_np(regularizers.L2(factor)(w)),
                               np.asarray(keras.regularizers.L2(factor)(w)), rtol=1e-6, atol=1e-6)


def test_l2_exact_small_case():
    assert float(_np(regularizers.L2(0.5)(np.array([1.0, -2.0], "float32")))) == 2.5
    assert float(_np(regularizers.L1(0.5)(np.array([1.0, -2.0], "float32")))) == 1.5


def test_default_factors_equal_keras(w):
    keras = _keras()
    for name in ("L1", "L2", "L1L2"):
        np.testing.assert_allclose(_np(getattr(regularizers, name)()(w)),
                                   np.asarray(getattr(keras.regularizers, name)()(w)),
                                   rtol=1e-6, atol=1e-6)
    assert regularizers.L1().l1 == regularizers.L2().l2 == 0.01
    assert regularizers.L1L2().get_config() == {"l1": 0.0, "l2": 0.0}


@pytest.mark.parametrize("mode", ["rows", "columns"])
@pytest.mark.parametrize("factor", [0.01, 1.0])
def test_orthogonal_regularizer_equals_keras(w, mode, factor):
    keras = _keras()
    theirs = keras.regularizers.OrthogonalRegularizer(factor, mode)(keras.ops.convert_to_tensor(w))
    ours = regularizers.OrthogonalRegularizer(factor, mode)(w)
    np.testing.assert_allclose(_np(ours), np.asarray(theirs), rtol=1e-6, atol=1e-6)
    assert float(_np(regularizers.OrthogonalRegularizer(1.0, mode)(np.eye(4, dtype="float32")))) == 0.0
    with pytest.raises(ValueError, match="rank 2"):
        regularizers.OrthogonalRegularizer()(np.ones((2, 2, 2), "float32"))


def test_regularizer_dtype_follows_input(w):
    assert ops.dtype(regularizers.L1L2(0.1, 0.1)(w.astype("float64"))) == "float64"
    assert ops.dtype(regularizers.L2()(w)) == "float32"


def test_regularizer_on_variable_has_gradient(w):
    v = kfront.Variable(w, name="kernel")
    with kfront.GradientTape() as tape:
        penalty = regularizers.L1L2(l1=0.1, l2=0.3)(v)
    grad = _np(tape.gradient(penalty, v))
    np.testing.assert_allclose(grad, 0.1 * np.sign(w) + 2 * 0.3 * w, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf"), "0.1"])
def test_regularizer_bad_factors(bad):
    for cls, key in ((regularizers.L1, "l1"), (regularizers.L2, "l2")):
        with pytest.raises(ValueError, match=key):
            cls(bad)
    with pytest.raises(ValueError, match="l1"):
        regularizers.L1L2(l1=bad)
    with pytest.raises(ValueError, match="mode"):
        regularizers.OrthogonalRegularizer(mode="diagonal")


# ---- regularizer configs and lookup -----------------------------------------------------------
@pytest.mark.parametrize("name", ["L1", "L2", "L1L2", "OrthogonalRegularizer"])
def test_regularizer_signature_matches_keras(name):
    keras = _keras()

    def sig(cls):
        return [(p.name, p.default) for p in inspect.signature(cls.__init__).parameters.values()]
    assert sig(getattr(regularizers, name)) == sig(getattr(keras.regularizers, name))


@pytest.mark.parametrize("name,kwargs", [("L1", {"l1": 0.25}), ("L2", {"l2": 0.3}),
                                         ("L1L2", {"l1": 0.1, "l2": 0.2}),
                                         ("OrthogonalRegularizer", {"factor": 0.5,
                                                                    "mode": "columns"})])
def test_regularizer_serialize_matches_keras(name, kwargs):
    keras = _keras()
    ours = regularizers.serialize(getattr(regularizers, name)(**kwargs))
    theirs = keras.regularizers.serialize(getattr(keras.regularizers, name)(**kwargs))
    assert ours.keys() == theirs.keys()
    assert (ours["module"], ours["class_name"]) == (theirs["module"], theirs["class_name"])
    # Keras stores L1/Orthogonal factors as float32 (0.1 -> 0.10000000149...); we keep the float.
    assert ours["config"] == pytest.approx(theirs["config"], rel=1e-6)
    back = regularizers.deserialize(theirs)
    assert type(back).__name__ == name and back.get_config() == pytest.approx(ours["config"])
    again = regularizers.get(ours)
    assert again.get_config() == ours["config"]
    assert keras.regularizers.deserialize(ours).get_config() == pytest.approx(theirs["config"])


def test_regularizer_get_by_alias():
    keras = _keras()
    from keras.src.regularizers import ALL_OBJECTS_DICT as KERAS_NAMES
    for name in KERAS_NAMES:
        assert type(regularizers.get(name)).__name__ == KERAS_NAMES[name].__name__
        if name not in ("Regularizer", "regularizer"):
            assert regularizers.get(name).get_config() == pytest.approx(
                keras.regularizers.get(name).get_config(), rel=1e-6)
    assert isinstance(regularizers.get("l1_l2"), regularizers.L1L2)
    assert regularizers.l1 is regularizers.L1 and regularizers.l2 is regularizers.L2
    assert regularizers.l1_l2 is regularizers.L1L2


def test_regularizer_get_other_identifiers():
    assert regularizers.get(None) is None and regularizers.serialize(None) is None
    reg = regularizers.L2(0.2)
    assert regularizers.get(reg) is reg
    assert isinstance(regularizers.get(regularizers.L1), regularizers.L1)

    def my_reg(x):
        return ops.sum(x)
    assert regularizers.get(my_reg) is my_reg
    with pytest.raises(ValueError) as e:
        regularizers.get("l3")
    assert "l3" in str(e.value) and "l1" in str(e.value) and "l2" in str(e.value)
    with pytest.raises(ValueError):
        regularizers.get(3.0)


# ---- constraints ------------------------------------------------------------------------------------
CONSTRAINT_CASES = [
    ("MaxNorm", {}), ("MaxNorm", {"max_value": 1.5, "axis": 0}),
    ("MaxNorm", {"max_value": 0.5, "axis": 1}), ("MaxNorm", {"max_value": 3, "axis": [0, 1]}),
    ("NonNeg", {}), ("UnitNorm", {}), ("UnitNorm", {"axis": 1}),
    ("UnitNorm", {"axis": [0, 1]}), ("MinMaxNorm", {}),
    ("MinMaxNorm", {"min_value": 0.5, "max_value": 2.0, "rate": 0.7, "axis": 0}),
    ("MinMaxNorm", {"min_value": 3.0, "max_value": 4.0, "rate": 1.0, "axis": 1})]


@pytest.mark.parametrize("name,kwargs", CONSTRAINT_CASES)
@pytest.mark.parametrize("shape", [(6, 5), (3, 3, 4, 2)])
def test_constraint_equals_keras(name, kwargs, shape):
    keras = _keras()
    w = (np.random.default_rng(1).normal(size=shape) * 1.5).astype("float32")
    ours = _np(getattr(constraints, name)(**kwargs)(w))
    theirs = np.asarray(getattr(keras.constraints, name)(**kwargs)(w))
    assert ours.shape == w.shape and ours.dtype == np.float32
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-6)


def test_constraint_formulas():
    w = np.array([[3.0, 0.3], [4.0, 0.4]], "float32")  # column norms 5 and 0.5
    eps = kfront.config.epsilon()
    np.testing.assert_allclose(_np(constraints.MaxNorm(2.0)(w)),
                               w * np.array([2.0 / (5 + eps), 0.5 / (0.5 + eps)]), rtol=1e-6)
    np.testing.assert_allclose(_np(constraints.UnitNorm()(w)), w / (np.array([5, 0.5]) + eps),
                               rtol=1e-6)
    np.testing.assert_allclose(_np(constraints.MinMaxNorm(1.0, 2.0, rate=0.5)(w)),
                               w * np.array([(0.5 * 2 + 0.5 * 5) / (5 + eps),
                                             (0.5 * 1 + 0.5 * 0.5) / (0.5 + eps)]), rtol=1e-6)
    np.testing.assert_array_equal(_np(constraints.NonNeg()(np.array([-1.0, 0.0, 2.0]))),
                                  [0.0, 0.0, 2.0])
    for c in (constraints.UnitNorm(), constraints.MaxNorm(), constraints.MinMaxNorm()):
        zeros = _np(c(np.zeros((3, 2), "float32")))
        assert np.all(np.isfinite(zeros)) and np.all(zeros == 0)  # epsilon avoids 0/0


@pytest.mark.parametrize("name", ["MaxNorm", "UnitNorm", "MinMaxNorm"])
def test_constraint_epsilon_as_keras(name):
    # A column of norm 1e-6: the 1e-7 epsilon in the denominator changes the result by ~10%.
    keras = _keras()
    w = np.array([[6e-7, 3.0], [8e-7, 4.0]], "float32")
    ours = _np(getattr(constraints, name)()(w))
    np.testing.assert_allclose(ours, np.asarray(getattr(keras.constraints, name)()(w)),
                               rtol=1e-6, atol=1e-9)
    if name == "MaxNorm":  # norm 1e-6 is below max_value=2: scaled by 1e-6 / (1e-6 + 1e-7)
        np.testing.assert_allclose(ours[:, 0], w[:, 0] / 1.1, rtol=1e-5)


@pytest.mark.parametrize("name", ["MaxNorm", "NonNeg", "UnitNorm", "MinMaxNorm"])
def test_constraint_signature_and_config_match_keras(name):
    keras = _keras()

    def sig(cls):
        return [(p.name, p.default) for p in inspect.signature(cls.__init__).parameters.values()]
    assert sig(getattr(constraints, name)) == sig(getattr(keras.constraints, name))
    ours, theirs = getattr(constraints, name)(), getattr(keras.constraints, name)()
    assert ours.get_config() == theirs.get_config()
    assert constraints.serialize(ours) == keras.constraints.serialize(theirs)
    back = constraints.get(keras.constraints.serialize(theirs))
    assert type(back) is type(ours) and back.get_config() == ours.get_config()


def test_constraint_round_trip_and_lookup():
    keras = _keras()
    c = constraints.MinMaxNorm(min_value=0.2, max_value=0.9, rate=0.5, axis=[0, 1])
    again = constraints.get(constraints.serialize(c))
    assert isinstance(again, constraints.MinMaxNorm) and again.get_config() == c.get_config()
    assert constraints.MaxNorm.from_config({"max_value": 4, "axis": 1}).max_value == 4
    from keras.src.constraints import ALL_OBJECTS_DICT as KERAS_NAMES
    for name in KERAS_NAMES:
        assert type(constraints.get(name)).__name__ == KERAS_NAMES[name].__name__
        assert constraints.get(name).get_config() == keras.constraints.get(name).get_config()
    for alias, cls in (("max_norm", "MaxNorm"), ("non_neg", "NonNeg"), ("unit_norm", "UnitNorm"),
                       ("min_max_norm", "MinMaxNorm")):
        assert getattr(constraints, alias) is getattr(constraints, cls)
    assert constraints.get(None) is None and constraints.serialize(None) is None
    inst = constraints.NonNeg()
    assert constraints.get(inst) is inst
    with pytest.raises(ValueError) as e:
        constraints.get("maxnorm")
    assert "maxnorm" in str(e.value) and "max_norm" in str(e.value)


def test_base_classes():
    x = np.array([1.0, -1.0])
    assert constraints.Constraint()(x) is x
    assert constraints.Constraint().get_config() == {}
    assert regularizers.Regularizer()(x) == 0.0
    with pytest.raises(NotImplementedError):
        regularizers.Regularizer().get_config()
