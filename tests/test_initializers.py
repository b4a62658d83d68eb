"""kfront.initializers against Keras 3: formulas (via Keras's own fan computation), sample
statistics next to real Keras samples, seeding rules, configs, lookup by every alias."""
from __future__ import annotations

import inspect
import math

import numpy as np
import pytest

import kfront
from kfront import initializers, ops

SHAPES = [(256, 128), (3, 3, 32, 64), (5, 5, 1, 200), (4096,), (1000, 1)]


def _keras():
    keras = pytest.importorskip("keras")
    return keras


def _np(x):
    return ops.convert_to_numpy(x)


# ---- fan computation ---------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(), (7,), (3, 5), (2, 3, 4), (3, 3, 16, 32), (2, 2, 2, 4, 8)])
def test_compute_fans_matches_keras(shape):
    _keras()
    from keras.src.initializers.random_initializers import compute_fans as keras_fans
    assert initializers.compute_fans(shape) == keras_fans(shape)


def test_compute_fans_receptive_field_and_axes():
    assert initializers.compute_fans((3, 3, 16, 32)) == (3 * 3 * 16, 3 * 3 * 32)
    assert initializers.compute_fans((4, 5, 6), input_axes=[0, 1], output_axes=[2]) == (20, 6)


# ---- variance scaling family: exact limits / stddevs, compared with Keras's samples ----------
# (class name, kwargs, distribution, scale, mode)
FAMILY = [
    ("GlorotUniform", {}, "uniform", 1.0, "fan_avg"),
    ("HeUniform", {}, "uniform", 2.0, "fan_in"),
    ("LecunUniform", {}, "uniform", 1.0, "fan_in"),
    ("GlorotNormal", {}, "truncated_normal", 1.0, "fan_avg"),
    ("HeNormal", {}, "truncated_normal", 2.0, "fan_in"),
    ("LecunNormal", {}, "truncated_normal", 1.0, "fan_in"),
    ("VarianceScaling", {"scale": 0.5, "mode": "fan_out", "distribution": "uniform"},
     "uniform", 0.5, "fan_out"),
    ("VarianceScaling", {"scale": 3.0, "mode": "fan_avg", "distribution": "truncated_normal"},
     "truncated_normal", 3.0, "fan_avg"),
    ("VarianceScaling", {"scale": 2.0, "mode": "fan_in", "distribution": "untruncated_normal"},
     "untruncated_normal", 2.0, "fan_in"),
]


def _target_variance(shape, scale, mode):
    """scale / n with Keras's own fan computation."""
    from keras.src.initializers.random_initializers import compute_fans as keras_fans
    fan_in, fan_out = keras_fans(shape)
    n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[mode]
    return scale / max(1.0, n)


@pytest.mark.parametrize("name,kwargs,dist,scale,mode", FAMILY)
@pytest.mark.parametrize("shape", SHAPES)
def test_variance_scaling_family_matches_keras(name, kwargs, dist, scale, mode, shape):
    keras = _keras()
    var = _target_variance(shape, scale, mode)
    ours = _np(getattr(initializers, name)(seed=1, **kwargs)(shape)).astype(np.float64)
    theirs = np.asarray(getattr(keras.initializers, name)(seed=1, **kwargs)(shape),
                        dtype=np.float64)
    assert ours.shape == shape
    assert abs(ours.mean()) < 4 * math.sqrt(var / ours.size) + 1e-12
    # The sample std is the target sqrt(scale / n) and agrees with Keras's own sample.
    assert ours.std() == pytest.approx(math.sqrt(var), rel=0.05)
    assert ours.std() == pytest.approx(theirs.std(), rel=0.07)
    if dist == "uniform":
        limit = math.sqrt(3.0 * var)
        assert np.abs(ours).max() <= limit * (1 + 1e-6)
        assert np.abs(ours).max() > 0.97 * limit
        assert np.abs(theirs).max() <= limit * (1 + 1e-6)  # Keras's samples obey our limit
        assert np.abs(theirs).max() > 0.97 * limit
    elif dist == "truncated_normal":
        bound = 2 * math.sqrt(var) / 0.87962566103423978
        assert np.abs(ours).max() <= bound * (1 + 1e-6)
        assert np.abs(ours).max() > 0.9 * bound
        assert np.abs(theirs).max() <= bound * (1 + 1e-6)
    else:  # untruncated: some samples beyond 2 stddev
        assert np.abs(ours).max() > 2.5 * math.sqrt(var)


def test_glorot_normal_stddev_formula():
    # Pre-truncation stddev is sqrt(2 / (fan_in + fan_out)) / 0.87962566; after truncation it
    # is sqrt(2 / (fan_in + fan_out)).
    w = _np(initializers.GlorotNormal(seed=3)((400, 600)))
    assert w.std() == pytest.approx(math.sqrt(2 / 1000), rel=0.01)
    assert np.abs(w).max() <= 2 * math.sqrt(2 / 1000) / 0.87962566 * (1 + 1e-6)


def test_conv_kernel_uses_receptive_field():
    # HeUniform on a 3x3x16x32 kernel: limit = sqrt(6 / (3*3*16)), not sqrt(6 / 16).
    w = _np(initializers.HeUniform(seed=0)((3, 3, 16, 32)))
    limit = math.sqrt(6 / (3 * 3 * 16))
    assert np.abs(w).max() <= limit
    assert np.abs(w).max() > 0.95 * limit


# ---- plain random initializers -----------------------------------------------------------------
def test_random_normal_stats_match_keras():
    keras = _keras()
    ours = _np(initializers.RandomNormal(mean=1.0, stddev=2.0, seed=0)((200, 200)))
    theirs = np.asarray(keras.initializers.RandomNormal(mean=1.0, stddev=2.0, seed=0)((200, 200)))
    assert ours.mean() == pytest.approx(1.0, abs=0.05)
    assert ours.std() == pytest.approx(2.0, rel=0.02)
    assert ours.std() == pytest.approx(theirs.std(), rel=0.03)
    assert np.abs(ours - 1.0).max() > 6.0  # not truncated


def test_random_normal_defaults():
    init = initializers.RandomNormal()
    assert (init.mean, init.stddev) == (0.0, 0.05)
    assert _np(init((300, 300))).std() == pytest.approx(0.05, rel=0.02)


def test_random_uniform_bounds_match_keras():
    keras = _keras()
    ours = _np(initializers.RandomUniform(-0.3, 0.7, seed=0)((100_000,)))
    theirs = np.asarray(keras.initializers.RandomUniform(-0.3, 0.7, seed=0)((100_000,)))
    for w in (ours, theirs):
        assert w.min() >= -0.3 and w.max() <= 0.7
        assert w.min() < -0.29 and w.max() > 0.69
        assert w.mean() == pytest.approx(0.2, abs=0.01)
    default = _np(initializers.RandomUniform()((10_000,)))
    assert default.min() >= -0.05 and default.max() <= 0.05 and default.max() > 0.049


def test_truncated_normal_bounds_and_stats():
    keras = _keras()
    ours = _np(initializers.TruncatedNormal(mean=0.5, stddev=2.0, seed=0)((200, 200)))
    theirs = np.asarray(keras.initializers.TruncatedNormal(mean=0.5, stddev=2.0, seed=0)(
        (200, 200)))
    for w in (ours, theirs):
        assert np.abs(w - 0.5).max() <= 4.0 * (1 + 1e-6)
        assert np.abs(w - 0.5).max() > 3.9
        assert w.mean() == pytest.approx(0.5, abs=0.05)
    # std of N(0, 1) truncated to [-2, 2] is 0.8796...
    assert ours.std() == pytest.approx(2.0 * 0.87962566, rel=0.02)
    assert ours.std() == pytest.approx(theirs.std(), rel=0.03)


# ---- orthogonal / identity / constants --------------------------------------------------------
@pytest.mark.parametrize("shape", [(6, 6), (8, 3), (3, 8), (2, 3, 4), (3, 3, 2, 32)])
def test_orthogonal_is_orthonormal(shape):
    w = _np(initializers.Orthogonal(gain=1.0, seed=0)(shape)).astype(np.float64)
    assert w.shape == shape
    m = w.reshape(-1, shape[-1])
    if m.shape[0] >= m.shape[1]:
        np.testing.assert_allclose(m.T @ m, np.eye(m.shape[1]), atol=1e-5)
    else:
        np.testing.assert_allclose(m @ m.T, np.eye(m.shape[0]), atol=1e-5)


def test_orthogonal_gain_and_keras_agreement():
    keras = _keras()
    w = _np(initializers.Orthogonal(gain=2.5, seed=0)((5, 5))).astype(np.float64)
    np.testing.assert_allclose(w.T @ w, 2.5 ** 2 * np.eye(5), atol=1e-4)
    k = np.asarray(keras.initializers.Orthogonal(gain=2.5, seed=0)((5, 5)), dtype=np.float64)
    np.testing.assert_allclose(k.T @ k, w.T @ w, atol=1e-4)  # same Gram matrix as Keras's


def test_orthogonal_rank_error():
    with pytest.raises(ValueError, match="at least two-dimensional"):
        initializers.Orthogonal()((5,))


@pytest.mark.parametrize("shape,gain", [((3, 3), 1.0), ((2, 4), 2.0), ((4, 2), 0.5)])
def test_identity_equals_keras(shape, gain):
    keras = _keras()
    w = _np(initializers.Identity(gain=gain)(shape))
    np.testing.assert_array_equal(w, gain * np.eye(*shape, dtype="float32"))
    np.testing.assert_array_equal(w, np.asarray(keras.initializers.Identity(gain=gain)(shape)))
    assert w.dtype == np.float32


def test_identity_rank_error():
    with pytest.raises(ValueError, match="2D"):
        initializers.Identity()((2, 2, 2))


@pytest.mark.parametrize("name,args", [("Zeros", ()), ("Ones", ()), ("Constant", (3.5,)),
                                       ("Constant", (-2,))])
@pytest.mark.parametrize("dtype", [None, "float64", "int32"])
def test_constant_family_exact(name, args, dtype):
    keras = _keras()
    ours = _np(getattr(initializers, name)(*args)((2, 3), dtype=dtype))
    theirs = np.asarray(getattr(keras.initializers, name)(*args)((2, 3), dtype=dtype))
    assert ours.dtype == theirs.dtype == np.dtype(dtype or "float32")
    np.testing.assert_array_equal(ours, theirs)


def test_constant_array_value_round_trip():
    init = initializers.Constant(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(_np(init((2, 3))), [[1, 2, 3], [1, 2, 3]])
    cfg = init.get_config()
    assert cfg["value"]["class_name"] == "__numpy__"
    np.testing.assert_array_equal(_np(initializers.Constant.from_config(cfg)((1, 3))), [[1, 2, 3]])


# ---- dtype ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["RandomNormal", "RandomUniform", "TruncatedNormal",
                                  "GlorotUniform", "GlorotNormal", "HeNormal", "HeUniform",
                                  "LecunNormal", "LecunUniform", "Orthogonal", "VarianceScaling"])
def test_random_dtypes(name):
    cls = getattr(initializers, name)
    assert ops.dtype(cls(seed=0)((4, 4))) == kfront.config.floatx() == "float32"
    assert ops.dtype(cls(seed=0)((4, 4), dtype="float64")) == "float64"
    with pytest.raises(ValueError, match="float dtype"):
        cls(seed=0)((4, 4), dtype="int32")


# ---- seeding (Keras 3's rules) ----------------------------------------------------------------
def test_int_seed_repeats_like_keras():
    keras = _keras()
    k = keras.initializers.GlorotUniform(seed=1)
    assert np.array_equal(np.asarray(k((3, 3))), np.asarray(k((3, 3))))  # Keras's rule
    init = initializers.GlorotUniform(seed=1)
    a, b = _np(init((3, 3))), _np(init((3, 3)))
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, _np(initializers.GlorotUniform(seed=1)((3, 3))))
    assert not np.array_equal(a, _np(initializers.GlorotUniform(seed=2)((3, 3))))


def test_unseeded_repeats_per_instance_like_keras():
    keras = _keras()
    k1, k2 = keras.initializers.RandomNormal(), keras.initializers.RandomNormal()
    assert np.array_equal(np.asarray(k1((4,))), np.asarray(k1((4,))))  # Keras's rule
    assert not np.array_equal(np.asarray(k1((4,))), np.asarray(k2((4,))))
    i1, i2 = initializers.RandomNormal(), initializers.RandomNormal()
    np.testing.assert_array_equal(_np(i1((4,))), _np(i1((4,))))
    assert not np.array_equal(_np(i1((4,))), _np(i2((4,))))
    assert i1.get_config()["seed"] is None  # the drawn seed is not serialized


def test_seed_generator_advances():
    init = initializers.RandomNormal(seed=kfront.random.SeedGenerator(0))
    assert not np.array_equal(_np(init((4,))), _np(init((4,))))


def test_unseeded_follow_global_seed():
    from kfront.backends.common import random as host_random
    host_random.set_global_seed(7)
    a = _np(initializers.HeNormal()((5, 5)))
    host_random.set_global_seed(7)
    b = _np(initializers.HeNormal()((5, 5)))
    np.testing.assert_array_equal(a, b)


def test_bad_seed():
    with pytest.raises(ValueError, match="seed"):
        initializers.RandomNormal(seed="abc")


def test_bad_variance_scaling_args():
    with pytest.raises(ValueError, match="scale"):
        initializers.VarianceScaling(scale=0.0)
    with pytest.raises(ValueError, match="mode"):
        initializers.VarianceScaling(mode="fan_sum")
    with pytest.raises(ValueError, match="distribution"):
        initializers.VarianceScaling(distribution="cauchy")
    assert initializers.VarianceScaling(distribution="normal").distribution == "truncated_normal"


# ---- signatures, configs and serialization ------------------------------------------------------
CLASSES = ["Zeros", "Ones", "Constant", "Identity", "RandomNormal", "RandomUniform",
           "TruncatedNormal", "VarianceScaling", "GlorotUniform", "GlorotNormal", "HeNormal",
           "HeUniform", "LecunNormal", "LecunUniform", "Orthogonal"]


@pytest.mark.parametrize("name", CLASSES)
def test_signature_matches_keras(name):
    keras = _keras()

    def sig(cls):
        return [(p.name, p.default) for p in inspect.signature(cls.__init__).parameters.values()]
    assert sig(getattr(initializers, name)) == sig(getattr(keras.initializers, name))


CONFIGURED = [
    ("Constant", {"value": 1.5}), ("RandomNormal", {"mean": 1.0, "stddev": 0.2, "seed": 3}),
    ("RandomUniform", {"minval": -1.0, "maxval": 2.0, "seed": 4}),
    ("TruncatedNormal", {"mean": 0.1, "stddev": 0.3, "seed": None}),
    ("VarianceScaling", {"scale": 2.0, "mode": "fan_out", "distribution": "uniform", "seed": 5}),
    ("GlorotUniform", {"seed": 6}), ("GlorotNormal", {}), ("HeNormal", {"seed": 7}),
    ("HeUniform", {}), ("LecunNormal", {"seed": 8}), ("LecunUniform", {}),
    ("Orthogonal", {"gain": 2.0, "seed": 9}), ("Zeros", {}), ("Ones", {})]


@pytest.mark.parametrize("name,kwargs", CONFIGURED)
def test_config_and_serialize_match_keras(name, kwargs):
    keras = _keras()
    ours = getattr(initializers, name)(**kwargs)
    theirs = getattr(keras.initializers, name)(**kwargs)
    assert ours.get_config() == theirs.get_config()
    assert initializers.serialize(ours) == keras.initializers.serialize(theirs)
    # Keras can load our config and we can load Keras's.
    assert keras.initializers.deserialize(initializers.serialize(ours)).get_config() == \
        theirs.get_config()
    back = initializers.deserialize(keras.initializers.serialize(theirs))
    assert type(back) is type(ours) and back.get_config() == ours.get_config()


@pytest.mark.parametrize("name,kwargs", CONFIGURED + [("Identity", {"gain": 3.0})])
def test_get_config_round_trip(name, kwargs):
    init = getattr(initializers, name)(**kwargs)
    clone = type(init).from_config(init.get_config())
    assert clone.get_config() == init.get_config()
    again = initializers.get(initializers.serialize(init))
    assert type(again) is type(init) and again.get_config() == init.get_config()
    if kwargs.get("seed") is not None:  # same seed -> same values after the round trip
        np.testing.assert_array_equal(_np(init((4, 3))), _np(clone((4, 3))))


def test_identity_config_keeps_gain():
    # Keras 3.15's Identity.get_config() returns {} (gain lost); ours keeps it.
    init = initializers.get(initializers.serialize(initializers.Identity(gain=3.0)))
    np.testing.assert_array_equal(_np(init((2, 2))), 3.0 * np.eye(2))


# ---- lookup -------------------------------------------------------------------------------------
def test_get_every_keras_alias():
    keras = _keras()
    from keras.src.initializers import ALL_OBJECTS_DICT as KERAS_NAMES
    names = sorted(n for n in KERAS_NAMES if "stft" not in n.lower())
    assert len(names) >= 35
    for name in names:
        # Compare with Keras's name table (keras.initializers.get("constant") itself raises
        # KeyError in Keras 3.15: Constant.from_config needs "value").
        assert type(initializers.get(name)).__name__ == KERAS_NAMES[name].__name__
    assert isinstance(keras.initializers.get("glorot_uniform"), keras.initializers.GlorotUniform)
    assert set(names) <= set(initializers.ALL_OBJECTS_DICT)


@pytest.mark.parametrize("alias,cls", [
    ("zeros", "Zeros"), ("ones", "Ones"), ("constant", "Constant"),
    ("random_normal", "RandomNormal"), ("random_uniform", "RandomUniform"),
    ("truncated_normal", "TruncatedNormal"), ("glorot_uniform", "GlorotUniform"),
    ("glorot_normal", "GlorotNormal"), ("he_normal", "HeNormal"), ("he_uniform", "HeUniform"),
    ("lecun_normal", "LecunNormal"), ("lecun_uniform", "LecunUniform"),
    ("orthogonal", "Orthogonal"), ("identity", "Identity"), ("variance_scaling", "VarianceScaling")])
def test_get_snake_case_and_module_alias(alias, cls):
    assert type(initializers.get(alias)) is getattr(initializers, cls)
    assert type(initializers.get(cls)) is getattr(initializers, cls)
    assert getattr(initializers, alias) is getattr(initializers, cls)


def test_get_other_identifiers():
    assert initializers.get(None) is None
    inst = initializers.HeNormal(seed=1)
    assert initializers.get(inst) is inst
    assert isinstance(initializers.get(initializers.Ones), initializers.Ones)
    got = initializers.get({"class_name": "RandomUniform", "config": {"minval": 0.0,
                                                                     "maxval": 1.0}})
    assert isinstance(got, initializers.RandomUniform) and got.maxval == 1.0

    def fn(shape, dtype=None):
        return ops.full(shape, 7.0, dtype=dtype)
    assert initializers.get(fn) is fn
    arr = np.arange(6.0).reshape(2, 3)
    from_array = initializers.get(arr)
    np.testing.assert_array_equal(_np(from_array((2, 3), dtype="float32")), arr)
    with pytest.raises(ValueError, match="shape"):
        from_array((3, 2))


def test_get_unknown_name_lists_valid_ones():
    with pytest.raises(ValueError) as e:
        initializers.get("glorot_uniformm")
    msg = str(e.value)
    assert "glorot_uniformm" in msg and "glorot_uniform" in msg and "he_normal" in msg
    with pytest.raises(ValueError):
        initializers.get("GLOROT_UNIFORM")  # case-sensitive, as Keras
    with pytest.raises(ValueError):
        initializers.get(42)


def test_variable_from_initializer():
    v = kfront.Variable(initializers.get("glorot_uniform"), shape=(4, 6), name="w")
    assert v.shape == (4, 6) and v.dtype == "float32"
    assert np.abs(v.numpy()).max() <= math.sqrt(6 / 10)
