"""kfront.random: every keras.random name, with Keras's signatures and dtypes; the same seed gives
the same numbers on every backend; samples have their distribution's moments; compiled steps
draw fresh values each call."""
from __future__ import annotations

import inspect

import numpy as np
import pytest

import kfront
from conformance.support import backend  # noqa: F401  (fixture)
from kfront import ops
from kfront import random as R

LOGITS = np.log(np.array([[0.2, 0.3, 0.5], [0.7, 0.0, 0.3]], "float32") + 1e-38)
# name -> call(seed, dtype or None)
CALLS = {
    "normal": lambda s, d: R.normal((3, 4), 1.0, 2.0, dtype=d, seed=s),
    "uniform": lambda s, d: R.uniform((3, 4), -1.0, 2.0, dtype=d, seed=s),
    "truncated_normal": lambda s, d: R.truncated_normal((3, 4), dtype=d, seed=s),
    "gamma": lambda s, d: R.gamma((3, 4), 1.5, dtype=d, seed=s),
    "beta": lambda s, d: R.beta((3, 4), 2.0, 3.0, dtype=d, seed=s),
    "binomial": lambda s, d: R.binomial((3, 4), 5, 0.3, dtype=d, seed=s),
    "randint": lambda s, d: R.randint((3, 4), 0, 9, dtype=d or "int32", seed=s),
    "categorical": lambda s, d: R.categorical(LOGITS, 5, dtype=d or "int32", seed=s),
    "shuffle": lambda s, d: R.shuffle(np.arange(12.0, dtype=d or "float32").reshape(4, 3), 1,
                                      seed=s),
    "dropout": lambda s, d: R.dropout(np.ones((3, 4), d or "float32"), 0.5, seed=s),
}
OTHER_DTYPE = {"randint": "int64", "categorical": "int64"}


def test_names_and_signatures_are_keras(keras):
    names = {n for n in dir(keras.random) if not n.startswith("_")}
    assert names == set(R.__all__) == set(CALLS) | {"SeedGenerator"}
    def params(f):  # names, kinds and defaults (not annotations)
        return [(p.name, p.kind, p.default) for p in inspect.signature(f).parameters.values()]
    for n in names:
        assert params(getattr(R, n)) == params(getattr(keras.random, n)), n


def test_same_seed_same_numbers_on_every_backend_with_keras_dtypes(backend, keras):
    got = {n: ops.convert_to_numpy(f(7, None)) for n, f in CALLS.items()}
    other = {n: ops.dtype(f(7, OTHER_DTYPE.get(n, "float64"))) for n, f in CALLS.items()}
    kfront.config.set_backend("numpy")
    want = {n: ops.convert_to_numpy(f(7, None)) for n, f in CALLS.items()}
    for n in CALLS:
        np.testing.assert_array_equal(got[n], want[n], err_msg=n)
        theirs = keras.ops.convert_to_numpy(_keras_call(keras, n))
        assert got[n].shape == theirs.shape and got[n].dtype == theirs.dtype, n
        assert other[n] == OTHER_DTYPE.get(n, "float64"), n
    # an int seed repeats; a SeedGenerator advances and replays from the same seed
    np.testing.assert_array_equal(ops.convert_to_numpy(CALLS["gamma"](7, None)), want["gamma"])
    g1, g2 = R.SeedGenerator(3), R.SeedGenerator(3)
    a, b = (ops.convert_to_numpy(R.beta((5,), 1.0, 1.0, seed=g1)) for _ in range(2))
    assert not np.array_equal(a, b)
    np.testing.assert_array_equal(ops.convert_to_numpy(R.beta((5,), 1.0, 1.0, seed=g2)), a)
    g3 = R.SeedGenerator.from_config(R.SeedGenerator(3, name="g").get_config())
    assert g3.get_config() == keras.random.SeedGenerator(3, name="g").get_config()
    np.testing.assert_array_equal(ops.convert_to_numpy(R.beta((5,), 1.0, 1.0, seed=g3)), a)


def _keras_call(keras, name):
    kr = keras.random
    return {"normal": lambda: kr.normal((3, 4), 1.0, 2.0, seed=7),
            "uniform": lambda: kr.uniform((3, 4), -1.0, 2.0, seed=7),
            "truncated_normal": lambda: kr.truncated_normal((3, 4), seed=7),
            "gamma": lambda: kr.gamma((3, 4), 1.5, seed=7),
            "beta": lambda: kr.beta((3, 4), 2.0, 3.0, seed=7),
            "binomial": lambda: kr.binomial((3, 4), 5, 0.3, seed=7),
            "randint": lambda: kr.randint((3, 4), 0, 9, seed=7),
            "categorical": lambda: kr.categorical(LOGITS, 5, seed=7),
            "shuffle": lambda: kr.shuffle(np.arange(12.0, dtype="float32").reshape(4, 3), 1,
                                          seed=7),
            "dropout": lambda: kr.dropout(np.ones((3, 4), "float32"), 0.5, seed=7)}[name]()


def _check_moments(sample) -> None:
    """``sample(name)`` -> float64 array of 20000 draws for the named distribution."""
    n = 20000
    for name, mean, var in [("gamma", 1.5, 1.5), ("beta", 2 / 5, 6 / (25 * 6)),
                            ("binomial", 5 * 0.3, 5 * 0.3 * 0.7)]:
        x = sample(name)
        assert x.shape == (n,)
        assert abs(x.mean() - mean) < 5 * np.sqrt(var / n), (name, x.mean(), mean)
        # 5 standard errors of the sample variance, from the sample's fourth moment (gamma's
        # heavy tail makes a fixed 5% band a 3-sigma test)
        se = np.sqrt((np.mean((x - x.mean()) ** 4) - x.var() ** 2) / n)
        assert abs(x.var() - var) < 5 * se, (name, x.var(), var, se)
    idx = sample("categorical")
    freq = np.stack([np.bincount(row.astype(int), minlength=3) / row.size for row in idx])
    np.testing.assert_allclose(freq, np.exp(LOGITS), atol=0.02)


MOMENT_CALLS = {
    "gamma": lambda s: R.gamma((20000,), 1.5, dtype="float64", seed=s),
    "beta": lambda s: R.beta((20000,), 2.0, 3.0, dtype="float64", seed=s),
    "binomial": lambda s: R.binomial((20000,), 5, 0.3, dtype="float64", seed=s),
    "categorical": lambda s: R.categorical(LOGITS, 20000, seed=s),
}


def test_host_samples_have_the_distributions_moments():
    g = R.SeedGenerator(0)
    _check_moments(lambda name: ops.convert_to_numpy(MOMENT_CALLS[name](g)))


@pytest.mark.parametrize("backend", ["tensorflow", "jax"], indirect=True)
def test_compiled_steps_draw_fresh_samples_with_the_moments(backend):
    # TensorFlow and JAX sample inside the compiled graph (stateless ops keyed per call). The
    # native engine does not compile, and torch.compile'd steps call the host sampler at each
    # call as eagerly (left out here: compiling takes ~10 s)
    g = R.SeedGenerator(1)
    step = kfront.backends.B.compile_stateful(
        lambda x: {n: f(g) for n, f in MOMENT_CALLS.items()}, [], jit=True)
    first, second = ({n: ops.convert_to_numpy(v) for n, v in step(np.zeros(1)).items()}
                     for _ in range(2))
    _check_moments(first.__getitem__)
    for n in MOMENT_CALLS:
        assert not np.array_equal(first[n], second[n]), n
        assert first[n].dtype == ("int32" if n == "categorical" else "float64"), n


def test_bad_arguments_name_the_op():
    with pytest.raises(ValueError, match=r"categorical: `logits` must be a 2-D.*got shape \(3,\)"):
        R.categorical(np.zeros(3), 2)
    with pytest.raises(ValueError, match="categorical: `num_samples`.*got -1"):
        R.categorical(np.zeros((1, 3)), -1)
    with pytest.raises(ValueError, match="uniform requires a floating point `dtype`.*int32"):
        R.uniform((2,), dtype="int32")
    with pytest.raises(ValueError, match="randint requires an integer `dtype`.*float32"):
        R.randint((2,), 0, 3, dtype="float32")
    with pytest.raises(TypeError, match="seed must be an int"):
        R.gamma((2,), 1.0, seed="x")
