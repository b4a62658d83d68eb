"""The top-level names of ``keras`` that kfront provides: the re-exported classes,
``name_scope`` (variable paths as Keras's), ``version``, ``device`` and ``remat`` /
``RematScope`` (results and gradients equal to the plain call on every backend)."""
from __future__ import annotations

import numpy as np
import pytest

import kfront
from kfront import ops

from conformance.support import backend  # noqa: F401  (fixture)


def test_reexports_are_kfronts_classes():
    assert kfront.Loss is kfront.losses.Loss and kfront.Metric is kfront.metrics.Metric
    assert kfront.Optimizer is kfront.optimizers.Optimizer
    assert kfront.Initializer is kfront.initializers.Initializer
    assert kfront.Regularizer is kfront.regularizers.Regularizer
    assert kfront.InputSpec is kfront.layers.InputSpec
    assert kfront.KerasTensor is kfront.layers.KerasTensor
    assert isinstance(kfront.layers.Input((2,)), kfront.KerasTensor)
    assert kfront.version() == kfront.__version__


def test_name_scope_paths_as_keras(keras):
    def paths(k):
        with k.name_scope("outer"):
            v = k.Variable(np.ones(2), name="w")
            d = k.layers.Dense(2, name="d")
            d.build((None, 3))
            with k.name_scope("inner"), k.name_scope("x", override_parent="top"):
                z = k.Variable(1.0, name="z")
            again = k.name_scope("outer", caller=d)
        v2 = k.Variable(1.0, name="after")
        return [v.path, d.kernel.path, d.bias.path, z.path, v2.path], again
    ours, theirs = paths(kfront), paths(keras)
    assert ours[0] == theirs[0] == ["outer/w", "outer/d/kernel", "outer/d/bias", "top/x/z",
                                    "after"]
    caller = object()  # deduplicate: the same caller and name open no new level
    for k in (kfront, keras):
        with k.name_scope("a", caller=caller):
            with k.name_scope("a", caller=caller):
                assert k.Variable(1.0, name="v").path == "a/v"
    for bad in ("a/b", 3):
        with pytest.raises(ValueError, match="name"):
            kfront.name_scope(bad)


def test_device_scopes(backend):
    for name in ("cpu", "cpu:0", "CPU:0"):
        with kfront.device(name):
            x = ops.ones((2,)) + 1.0
            v = kfront.Variable(np.ones(2, "float32"))
        np.testing.assert_array_equal(ops.convert_to_numpy(x + v), [3.0, 3.0])
    for bad, error in (("xyz", "unknown device name 'xyz'"), (3, "must be a string"),
                       ("gpu:x", "unknown device name")):
        with pytest.raises(ValueError, match=error):
            kfront.device(bad)
    if backend == "numpy":  # no CuPy here: the error names the extra
        with pytest.raises(RuntimeError, match=r"pip install 'kfront\[cupy\]'"):
            with kfront.device("gpu:0"):
                pass
    if backend != "tensorflow":  # TensorFlow places softly on the CPU, as Keras
        with pytest.raises(RuntimeError, match=r"device\('tpu:0'\): no such device"):
            with kfront.device("tpu:0"):
                pass
    from kfront.backends.common import device_scope
    assert device_scope.current() is None


def test_remat_equals_plain_call(backend):
    calls = []

    def f(x):
        calls.append(1)
        return ops.sin(x) * ops.exp(x) + ops.square(x)

    x = np.array([0.25, -1.0, 2.0], "float32")
    plain = ops.value_and_grad(lambda t: ops.sum(f(t)))(x)
    calls.clear()
    rem = ops.value_and_grad(lambda t: ops.sum(kfront.remat(f)(t)))(x)
    for a, b in zip(plain, rem):
        np.testing.assert_allclose(ops.convert_to_numpy(b), ops.convert_to_numpy(a), rtol=1e-6)
    # torch and TensorFlow run f again in the backward; the native engine keeps intermediates
    assert len(calls) == {"numpy": 1, "torch": 2, "tensorflow": 2}.get(backend, len(calls))
    if backend == "jax":
        import jax
        assert "checkpoint" in str(jax.make_jaxpr(kfront.remat(f))(x)) or \
            "remat" in str(jax.make_jaxpr(kfront.remat(f))(x))
    with pytest.raises(TypeError, match="remat: expected a callable"):
        kfront.remat(3)


def _model(mode=None, **kw):
    from kfront import layers
    scope = kfront.RematScope(mode, **kw) if mode else None
    if scope:
        scope.__enter__()
    try:
        model = kfront.Sequential([layers.Input((3,)), layers.Dense(8, activation="tanh",
                                                                    name="big"),
                                   layers.Dense(1, name="small")])
    finally:
        if scope:
            scope.__exit__(None, None, None)
    return model


def test_remat_scope_trains_as_plain(backend):
    """Rematerialized layers train as plain ones. On TensorFlow the first seeds caught a race:
    in a ``tf.function`` step (no XLA) ``tf.recompute_grad``'s recomputation and the in-graph
    optimizer update gave seeds 2-5 losses up to 9e-4 apart; the update now runs after the
    step there."""
    x = np.random.default_rng(0).normal(size=(6, 3)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    cases = [("full", {})] * 6 + [("activations", {}), ("larger_than",
                                                     {"output_size_threshold": 20}),
                                  ("list_of_layers", {"layer_names": ["big"]})]
    for seed, (mode, kw) in enumerate(cases):
        kfront.utils.set_random_seed(seed)
        plain = _model()
        weights = plain.get_weights()
        plain.compile("sgd", "mse")
        want = plain.fit(x, y, epochs=2, batch_size=3, verbose=0, shuffle=False).history["loss"]
        model = _model(mode, **kw)
        assert model.layers[0]._remat_mode.mode == mode
        model.set_weights(weights)
        model.compile("sgd", "mse")
        got = model.fit(x, y, epochs=2, batch_size=3, verbose=0, shuffle=False).history["loss"]
        np.testing.assert_allclose(got, want, rtol=1e-5, err_msg=f"{mode}, seed {seed}")
    with pytest.raises(ValueError, match="RematScope: invalid mode 'x'"):
        kfront.RematScope("x")
    assert _model().layers[0]._remat_mode is None


def test_legacy_saving_round_trips_keras_configs(keras):
    from kfront.legacy.saving import deserialize_keras_object, serialize_keras_object
    assert kfront.legacy.saving.serialize_keras_object is kfront.utils.legacy.serialize_keras_object
    theirs = keras.legacy.saving.serialize_keras_object(keras.layers.Dense(3, name="d",
                                                                           activation="relu"))
    ours = serialize_keras_object(kfront.layers.Dense(3, name="d", activation="relu"))
    assert ours == theirs
    layer = deserialize_keras_object(theirs, module_objects={"Dense": kfront.layers.Dense})
    assert (layer.units, layer.name, layer.get_config()["activation"]) == (3, "d", "relu")
    with pytest.raises(ValueError, match="Unknown object: 'Nope'"):
        deserialize_keras_object({"class_name": "Nope", "config": {}}, module_objects={})


def _function_values(k, x):
    a, b = k.Input((3,)), k.Input((3,))
    fn = k.Function(inputs={"a": a, "b": b},
                    outputs=[k.ops.sigmoid(a * b), k.ops.sum(a - b, axis=-1)])
    assert len(fn.inputs) == 2 and len(fn.outputs) == 2
    return [k.ops.convert_to_numpy(v) for v in fn({"a": x, "b": 2 * x})]


def test_function_as_keras(backend, keras):
    x = np.arange(6, dtype="float32").reshape(2, 3) / 6
    for got, want in zip(_function_values(kfront, x), _function_values(keras, x)):
        np.testing.assert_allclose(got, want, rtol=1e-6)
    with pytest.raises(ValueError, match="`outputs` argument cannot be empty"):
        kfront.Function(kfront.Input((2,)), [])
    with pytest.raises(NotImplementedError, match="make the inputs with kfront.Input"):
        t = kfront.KerasTensor((None, 2))
        kfront.Function(t, ops.sigmoid(t))
